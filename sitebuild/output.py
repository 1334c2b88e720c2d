"""Atomic output: render into a fresh directory, swap it in only when the build succeeded."""

from __future__ import annotations

import fcntl
import filecmp
import logging
import os
import shutil
import tempfile
from pathlib import Path

logger = logging.getLogger(__name__)


class OutputCollision(Exception):
    """Two language runs wrote different files to the same path."""


def fresh_directory(output: Path, purpose: str) -> Path:
    """A new empty directory beside `output` (same file system, so the swap is a rename)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{output.name}-{purpose}-", dir=output.parent))


def merge_tree(source: Path, target: Path, *, _site: Path | None = None) -> None:
    """Move every file of `source` into `target`; identical duplicates are dropped.

    A folder `target` lacks moves whole, in one rename (a language's own folder holds most
    of its files: moving them one by one took 0.7 s at 1,000 articles)."""
    site = _site or target
    for entry in sorted(os.scandir(source), key=lambda e: e.name):
        path, destination = Path(entry.path), target / entry.name
        if not destination.exists():
            os.replace(path, destination)
        elif entry.is_dir(follow_symlinks=False) and destination.is_dir():
            merge_tree(path, destination, _site=site)
        elif entry.is_dir(follow_symlinks=False) or destination.is_dir() or not filecmp.cmp(
                path, destination, shallow=False):
            raise OutputCollision(
                f"two languages wrote different files to {destination.relative_to(site)}: "
                "give them different URLs (see the *_SAVE_AS settings)"
            )


def swap_in(new: Path, output: Path, *, keep_old: bool = False) -> Path | None:
    """Replace `output` with `new`. Only `output` itself and `new` are ever touched.

    With `keep_old`, the replaced folder is returned (renamed beside it) for the caller to
    discard when convenient: deleting 26,000 files took 5 s, which the devserver does after
    the new pages are being served.
    """
    old = None
    if output.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{output.name}-old-", dir=output.parent))
        os.rmdir(old)
        os.replace(output, old)
    os.replace(new, output)
    if old is not None and not keep_old:
        shutil.rmtree(old)
        return None
    return old


def discard(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


class BuildLock:
    """Held by a build from its start until its site is in place (or it failed): a second
    build into the same output waits for the first, saying so, instead of mixing its files
    with the first's or swapping a half-built folder in.

    The lock is on the folder that holds the output (flock, released by the kernel even when
    the process is killed), so no lock file is left beside the site.
    """

    def __init__(self, output: Path) -> None:
        output.parent.mkdir(parents=True, exist_ok=True)
        self._fd: int | None = os.open(output.parent, os.O_RDONLY)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            logger.info("another build into %s is running; waiting for it to finish", output)
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            except BaseException:  # Ctrl+C while waiting
                self.release()
                raise
            logger.info("the other build has finished; building now")

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None
