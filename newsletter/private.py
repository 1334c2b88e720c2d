"""Files and folders of the newsletter state directory, for their owner's eyes only.

The state holds subscriber addresses (SQLite databases, the retry queue, outbox mails) and the
link-signing secret, so every folder we create is 0700 and every file 0600, whatever the
umask. SQLite creates a database's `-wal` and `-shm` files with the database file's mode, so
creating the database file first (`create_private`) covers them too. Only what we create is
set; modes an operator chose for existing files and folders are left alone.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import BinaryIO


def private_dir(path: Path) -> Path:
    """Create `path` and any missing parents as 0700 folders; returns `path`."""
    path = Path(path)
    missing = []
    while not path.exists() and path != path.parent:
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process was first
            folder.mkdir(mode=0o700)
    return Path(missing[0]) if missing else path


def create_private(path: Path) -> Path:
    """Create an empty 0600 file at `path` unless it exists (in a 0700 folder)."""
    private_dir(Path(path).parent)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    return Path(path)


def open_private(path: Path) -> BinaryIO:
    """`open(path, "wb")`, but a file it creates is 0600 (in a 0700 folder)."""
    private_dir(Path(path).parent)
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")
