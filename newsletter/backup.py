"""`make newsletter-backup` / `python -m newsletter restore`: the local data, copied online.

The state folder's SQLite databases are copied with SQLite's online backup API while the
service runs: each copy is one snapshot taken under a read transaction, so it is consistent
whatever the writers do meanwhile (a plain `cp` of a WAL database can tear). The queue is
copied before the subscribers: a subscription leaves the queue only after it reached the
subscriber store, so every subscription acknowledged before the backup started is in one copy
or the other. The rate-limit counters are not worth keeping.

Restore (service stopped) writes each database back with the same API, after taking a backup
of what is there now, so a restore can itself be undone.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from newsletter.config import NewsletterConfig
from newsletter.private import create_private, open_private, private_dir

logger = logging.getLogger(__name__)

# In this order (see the module docstring): queue, then subscribers; the digest ledger.
DATABASES = ("queue.sqlite3", "subscribers.sqlite3", "digests.sqlite3")
FILES = ("mailchimp-interests.json",)  # small caches copied as they are
MANIFEST = "backup.json"


class BackupError(Exception):
    """A copy failed its integrity check, or a folder is not a backup."""


def _copy_database(source: Path, target: Path) -> dict[str, int]:
    """Online copy of one database; returns its tables' row counts."""
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(create_private(target))  # addresses: 0600, like the state's files
    try:
        src.execute("PRAGMA busy_timeout=30000")
        src.backup(dst)  # pages=-1: the whole database in one step, one snapshot
        verdict = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise BackupError(f"{target}: integrity check failed: {verdict}")
        tables = [row[0] for row in dst.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {table: dst.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
                for table in tables}
    finally:
        dst.close()
        src.close()


def backup(config: NewsletterConfig, into: Path, *, keep: int = 0,
           label: str = "newsletter") -> Path:
    """Copy the state folder's data into a new folder under `into`; returns that folder."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    private_dir(into)
    partial = into / f".{label}-{stamp}.partial"
    partial.mkdir(mode=0o700)
    counts: dict[str, dict[str, int]] = {}
    try:
        for name in DATABASES:
            source = config.state_dir / name
            if source.exists():
                counts[name] = _copy_database(source, partial / name)
        for name in FILES:
            if (config.state_dir / name).exists():
                shutil.copy2(config.state_dir / name, partial / name)
        if not counts:
            raise BackupError(f"{config.state_dir}: no newsletter databases to back up "
                              "(NEWSLETTER['state_dir'] or NEWSLETTER_STATE_DIR)")
        with open_private(partial / MANIFEST) as handle:
            handle.write((json.dumps(
                {"created": stamp, "state_dir": str(config.state_dir), "tables": counts},
                indent=2, sort_keys=True) + "\n").encode("utf-8"))
        for path in partial.iterdir():  # on disk before the folder gets its final name
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
        folder = into / f"{label}-{stamp}"
        os.replace(partial, folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    logger.info("newsletter: backup %s (%s)", folder, ", ".join(
        f"{name}: {sum(tables.values())} rows" for name, tables in counts.items()))
    if keep > 0:
        _prune(into, keep, label)
    return folder


def _prune(into: Path, keep: int, label: str) -> None:
    folders = sorted(path for path in into.glob(f"{label}-*") if (path / MANIFEST).exists())
    for old in folders[:-keep]:
        shutil.rmtree(old)
        logger.info("newsletter: removed old backup %s", old.name)


def restore(config: NewsletterConfig, folder: Path) -> Path | None:
    """Write a backup back into the state folder (stop the service first). Returns the
    backup taken of what was there before, or None when there was nothing."""
    if not (folder / MANIFEST).is_file():
        raise BackupError(f"{folder}: not a newsletter backup (no {MANIFEST})")
    state = config.state_dir
    private_dir(state)
    before = None
    if any((state / name).exists() for name in DATABASES):
        before = backup(config, state.parent / f"{state.name}-before-restore",
                        label="before-restore")
    for name in DATABASES:
        source = folder / name
        if source.exists():
            _copy_database(source, state / name)  # the backup API replaces every page
            logger.info("newsletter: restored %s", name)
    for name in FILES:
        if (folder / name).exists():
            shutil.copy2(folder / name, state / name)
    return before
