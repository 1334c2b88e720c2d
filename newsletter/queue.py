"""Durable retry queue: subscriptions the backend could not take yet, in SQLite.

`put` is idempotent (keyed by Subscription.id) and fsync'd before the endpoint answers.
`drain` hands due jobs to the backend: delivered or rejected ones leave the queue, Retryable
ones come back after an exponential backoff with full jitter (base * 2**attempt, capped),
and after `max_attempts` a job is parked as "dead" (kept, logged, listed by flush-queue).
Jobs are leased while in flight, so the service's background task and a `flush-queue`
command can drain the same queue without delivering a job twice at the same time.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from newsletter.backends import Backend, Subscription
from newsletter.errors import Retryable
from newsletter.store import open_sqlite

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,           -- Subscription.id
    payload TEXT NOT NULL,         -- Subscription.to_json()
    state TEXT NOT NULL DEFAULT 'waiting',  -- waiting | dead
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at REAL NOT NULL,
    lease_until REAL NOT NULL DEFAULT 0,
    created REAL NOT NULL,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS jobs_due ON jobs(state, next_at);
"""


@dataclass
class DrainReport:
    delivered: int = 0
    rejected: int = 0
    retried: int = 0
    dead: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


class RetryQueue:
    """SQLite-backed queue of Subscription objects awaiting the backend."""

    LEASE_SECONDS = 120.0

    def __init__(self, path: Path | str, *, base_delay: float = 2.0, max_delay: float = 3600.0,
                 max_attempts: int = 40, clock=time.time, rng: random.Random | None = None):
        self.path = Path(path)
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_attempts = max_attempts
        self._clock = clock
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._conn = open_sqlite(self.path, synchronous="FULL")  # survives a power cut
        self._conn.executescript(SCHEMA)

    @classmethod
    def from_config(cls, config, **kwargs) -> "RetryQueue":
        return cls(config.queue_path, base_delay=config.queue_base_delay,
                   max_delay=config.queue_max_delay, max_attempts=config.queue_max_attempts,
                   **kwargs)

    def close(self) -> None:
        self._conn.close()

    def backoff(self, attempts: int) -> float:
        """Delay before the next try after `attempts` failures: full jitter, capped."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** min(attempts, 30)))
        return self._rng.uniform(self.base_delay / 2, max(ceiling, self.base_delay / 2))

    def put(self, sub: Subscription, error: str = "") -> bool:
        """Store a subscription for later; False when this id is already queued."""
        now = self._clock()
        with self._lock, self._conn:
            cursor = self._conn.execute(
                "INSERT OR IGNORE INTO jobs (id, payload, attempts, next_at, created, last_error)"
                " VALUES (?, ?, 1, ?, ?, ?)",
                (sub.id, sub.to_json(), now + self.backoff(1), now, error[:500]))
        return cursor.rowcount == 1

    def count(self, state: str = "waiting") -> int:
        with self._lock:
            return self._conn.execute("SELECT COUNT(*) FROM jobs WHERE state = ?",
                                      (state,)).fetchone()[0]

    def next_due(self) -> float | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT MIN(MAX(next_at, lease_until)) FROM jobs WHERE state = 'waiting'"
            ).fetchone()
        return row[0]

    def claim(self, limit: int = 50, force: bool = False) -> list[tuple[Subscription, int]]:
        """Lease up to `limit` due jobs (all waiting ones with `force`)."""
        now = self._clock()
        with self._lock, self._conn:
            self._conn.execute("BEGIN IMMEDIATE")
            rows = self._conn.execute(
                "SELECT id, payload, attempts FROM jobs WHERE state = 'waiting' "
                "AND lease_until <= ? AND (? OR next_at <= ?) ORDER BY next_at LIMIT ?",
                (now, force, now, limit)).fetchall()
            self._conn.executemany("UPDATE jobs SET lease_until = ? WHERE id = ?",
                                   [(now + self.LEASE_SECONDS, row[0]) for row in rows])
        return [(Subscription.from_json(payload), attempts) for _id, payload, attempts in rows]

    def done(self, job_id: str) -> None:
        with self._lock, self._conn:
            self._conn.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    def failed(self, job_id: str, attempts: int, error: str) -> bool:
        """Schedule another try; park the job as dead after max_attempts. True if dead."""
        now = self._clock()
        dead = attempts + 1 >= self.max_attempts  # `attempts + 1` tries have now failed
        with self._lock, self._conn:
            self._conn.execute(
                "UPDATE jobs SET attempts = ?, next_at = ?, lease_until = 0, last_error = ?, "
                "state = ? WHERE id = ?",
                (attempts + 1, now + self.backoff(attempts + 1), error[:500],
                 "dead" if dead else "waiting", job_id))
        return dead

    def drain(self, backend: Backend, force: bool = False, limit: int = 50) -> DrainReport:
        """One pass over the due jobs (every waiting job with `force`)."""
        report = DrainReport()
        for sub, attempts in self.claim(limit=limit, force=force):
            try:
                outcome = backend.subscribe(sub)
            except Retryable as err:
                if self.failed(sub.id, attempts, str(err)):
                    report.dead += 1
                    logger.error("newsletter: gave up on queued subscription %s after %d "
                                 "attempts: %s", sub.id, attempts + 1, err)
                else:
                    report.retried += 1
                continue
            except Exception as err:  # a bug must not spin: back off like any failure
                logger.exception("newsletter: queued subscription %s failed", sub.id)
                self.failed(sub.id, attempts, f"{type(err).__name__}: {err}")
                report.retried += 1
                continue
            self.done(sub.id)
            report.outcomes[outcome] = report.outcomes.get(outcome, 0) + 1
            if outcome == "check-inbox":
                report.delivered += 1
            else:
                report.rejected += 1
                logger.info("newsletter: queued subscription %s ended as %s", sub.id, outcome)
        return report

    def drain_all(self, backend: Backend, max_passes: int = 1000) -> DrainReport:
        """Force passes until the queue holds no waiting job (or max_passes): flush-queue."""
        total = DrainReport()
        for _ in range(max_passes):
            if not self.count():
                break
            report = self.drain(backend, force=True, limit=200)
            if not (report.delivered or report.rejected or report.retried or report.dead):
                break  # the rest is leased by another process
            for name in ("delivered", "rejected", "retried", "dead"):
                setattr(total, name, getattr(total, name) + getattr(report, name))
            for code, n in report.outcomes.items():
                total.outcomes[code] = total.outcomes.get(code, 0) + n
        return total
