"""Rate limits per client IP and per address, shared by every worker process (SQLite).

`python -m newsletter serve` runs several uvicorn worker processes; limits kept in process
memory would let each of them allow the full count. The state lives in
`<state>/ratelimit.sqlite3` instead, one row per key, updated by one SQL statement per hit.

Algorithm: GCRA (generic cell rate algorithm, a token bucket in one timestamp). A limit of
`count` per `seconds` lets a key make `count` attempts at once, then one more every
`seconds / count` as the budget refills; a refused attempt does not use budget. The row keeps
the key's "theoretical arrival time" (tat):

    allowed  iff  max(tat, now) - now <= seconds - seconds/count
    then     tat = max(tat, now) + seconds/count

Keys are stored as BLAKE2 hashes (the file holds no addresses or IPs). The database is WAL with
synchronous=OFF: after a power cut limits may forget recent attempts, nothing else.
"""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path

from newsletter.store import WriteLock, open_sqlite

SCHEMA = """
CREATE TABLE IF NOT EXISTS budget (
    key BLOB PRIMARY KEY,   -- blake2b(kind + ":" + key), 16 bytes
    tat REAL NOT NULL       -- theoretical arrival time (unix seconds)
) WITHOUT ROWID;
"""

HIT = ("INSERT INTO budget (key, tat) VALUES (?1, ?2 + ?3) "
       "ON CONFLICT(key) DO UPDATE SET tat = MAX(tat, ?2) + ?3 "
       "WHERE MAX(tat, ?2) - ?2 <= ?4")


class RateLimits:
    """Named limits (e.g. {"ip": (20, 60), "address": (5, 3600)}) over one shared database."""

    PRUNE_EVERY = 5000  # hits between deletions of fully refilled keys

    def __init__(self, path: Path | str, limits: dict[str, tuple[int, float]],
                 clock=time.time):
        self.limits = {kind: (int(count), float(seconds)) for kind, (count, seconds)
                       in limits.items()}
        self._clock = clock
        self._lock = threading.Lock()
        self._conn = open_sqlite(Path(path), synchronous="OFF")
        # Held for microseconds, but taken on the event loop: a blocking flock instead of
        # SQLite's busy handler, which sleeps at least 1 ms per try (see WriteLock).
        self._writing = WriteLock(Path(path))
        with self._writing:
            self._conn.executescript(SCHEMA)
        self._hits = 0

    def close(self) -> None:
        self._conn.close()
        self._writing.close()

    def hit(self, kind: str, key: str) -> bool:
        """Record one attempt of `key`; False when it is over its `kind` limit (not counted)."""
        count, seconds = self.limits[kind]
        interval = seconds / count
        digest = hashlib.blake2b(f"{kind}:{key}".encode("utf-8"), digest_size=16).digest()
        now = self._clock()
        with self._lock, self._writing:
            cursor = self._conn.execute(HIT, (digest, now, interval, seconds - interval))
            self._hits += 1
            if self._hits % self.PRUNE_EVERY == 0:
                self._conn.execute("DELETE FROM budget WHERE tat < ?", (now,))
        return cursor.rowcount == 1
