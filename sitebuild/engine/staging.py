"""The folders of a devserver's next build, made while it waits for the next edit.

A build writes its site into a new folder beside the output and swaps it in, and nearly
every page lies in a folder of its own (`articles/<slug>/index.html`): a rebuild needs all
the folders of the site it replaces, made again. On this machine's file system a `mkdir`
costs ~0.7 ms of system CPU, so a one-article rebuild at 1,000 articles spent ~0.7 CPU-s
making folders, on the cores its language run was reading and writing on (bench/DIARY.md).

The devserver is idle between edits. Once a build is in place, a thread makes the next
build's two folders (the new site and the work folder) and in them the folders each
language run wrote into this time; the next build takes them, stopping the thread where it
is (`Staged.take`). A run's folders it leaves empty are removed when it ends, like those
made during a build (Engine._make_folders), so the output is still a cold build's.
"""

from __future__ import annotations

import os
import posixpath
import threading
from pathlib import Path

from sitebuild import output


def folders_of(files, settings: dict) -> list[str]:
    """The folders (relative, parents first) holding the files a run wrote, `files` as its
    record lists them ((relative path, size, mtime) each). Not the theme's: Pelican copies
    them into folders it makes after asking whether they exist (another process making one
    in between would fail it)."""
    theme = settings.get("THEME_STATIC_DIR", "theme").strip("/") + "/"
    folders: set[str] = set()
    for relative, _, _ in files:
        if relative.startswith(theme):
            continue
        folder = posixpath.dirname(relative)
        while folder and folder not in folders:
            folders.add(folder)
            folder = posixpath.dirname(folder)
    return sorted(folders, key=lambda name: (name.count("/"), name))


def make_folders(root: str, relatives: list[str], made: list[str],
                 stop: threading.Event | None = None) -> None:
    """Make each folder of `relatives` (parents first) under `root`, appending the paths it
    made to `made`; one that exists already (or cannot be made: the run will say so) is
    skipped. Returns early once `stop` is set."""
    os.makedirs(root, exist_ok=True)  # another language's staging folder
    for relative in relatives:
        if stop is not None and stop.is_set():
            return
        path = os.path.join(root, relative)
        try:
            os.mkdir(path)
        except OSError:
            continue
        made.append(path)


class Staged:
    """A new site folder and a work folder beside the output, with the runs' folders being
    made in them by a thread; `take` or `discard` ends it."""

    def __init__(self, target: Path, folders: dict[str, tuple[Path, list[str]]],
                 fresh: Path, work: Path) -> None:
        self.target, self.fresh, self.work = target, fresh, work
        self.made: dict[str, list[str]] = {}  # each language's folders made, parents first
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._make, args=(folders,),
                                        name="stage-ahead", daemon=True)
        self._thread.start()

    def _make(self, folders: dict[str, tuple[Path, list[str]]]) -> None:
        for lang, (root, relatives) in folders.items():
            make_folders(str(root), relatives, self.made.setdefault(lang, []), self._stop)

    def ready(self) -> None:
        """Wait until every folder is made (the devserver never does: a build takes them as
        they are)."""
        self._thread.join()

    def take(self, target: Path) -> tuple[Path, Path, dict[str, list[str]]] | None:
        """(new site folder, work folder, folders made by language) for a build into
        `target`; None (and nothing left behind) when they are not for it any more."""
        self._stop.set()
        self._thread.join()
        if target == self.target and self.fresh.is_dir() and self.work.is_dir():
            return self.fresh, self.work, self.made
        self.discard()
        return None

    def discard(self) -> None:
        self._stop.set()
        self._thread.join()
        output.discard(self.fresh)
        output.discard(self.work)
