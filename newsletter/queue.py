"""Durable queue of accepted subscriptions (and opt-outs, preference changes) on their way to
the backend, in SQLite.

Every accepted subscription is a job here before the endpoint answers: `commit` stores a batch
of them in one fsync'd transaction (the endpoint's group commit, see newsletter/delivery.py),
leased to the process that delivers them at once. `put` (a job that already failed once) is
idempotent too (keyed by Subscription.id) and fsync'd.
`drain` hands due jobs to the backend: delivered or rejected ones leave the queue, Retryable
ones come back after an exponential backoff with full jitter (base * 2**attempt, capped),
and after `max_attempts` a job is parked as "dead" (kept, logged, listed by flush-queue).
A job that can never succeed (`Undeliverable`, or an error that the same input repeats, such as
an address no mail header can carry) is parked as dead at once, with one log line.
Jobs are leased while in flight, so the service's background task and a `flush-queue`
command can drain the same queue without delivering a job twice at the same time.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from newsletter.backends import Backend, Subscription, deliver
from newsletter.errors import Rejected, Retryable
from newsletter.store import WriteLock, open_sqlite

logger = logging.getLogger(__name__)

# Failures that may pass on their own: retried with backoff. Any other error repeats with the
# same job (bad data, a permanent refusal, a bug), so the job is dead-lettered at once.
TRANSIENT = (Retryable, OSError, sqlite3.OperationalError)

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
        # Two connections: what the queue accepts is committed with an fsync (FULL: survives
        # a power cut), bookkeeping (leases, attempts, removing delivered jobs) without one
        # (NORMAL: survives a crash of the process). Losing bookkeeping to a power cut only
        # means a job is tried once more, which every backend takes idempotently.
        self._conn = open_sqlite(self.path, synchronous="NORMAL")
        self._writing = WriteLock(self.path)  # both connections' writers, every process
        with self._writing:
            self._conn.executescript(SCHEMA)
        self._durable_lock = threading.Lock()
        self._durable = open_sqlite(self.path, synchronous="FULL")

    @classmethod
    def from_config(cls, config, **kwargs) -> "RetryQueue":
        return cls(config.queue_path, base_delay=config.queue_base_delay,
                   max_delay=config.queue_max_delay, max_attempts=config.queue_max_attempts,
                   **kwargs)

    def close(self) -> None:
        self._conn.close()
        self._durable.close()
        self._writing.close()

    def now(self) -> float:
        """The queue's clock (injectable in tests); due times and leases are in its terms."""
        return self._clock()

    def backoff(self, attempts: int) -> float:
        """Delay before the next try after `attempts` failures: full jitter, capped."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** min(attempts, 30)))
        return self._rng.uniform(self.base_delay / 2, max(ceiling, self.base_delay / 2))

    def put(self, sub: Subscription, error: str = "") -> bool:
        """Store a subscription for later; False when this id is already queued."""
        now = self._clock()
        with self._durable_lock, self._writing, self._durable:
            cursor = self._durable.execute(
                "INSERT OR IGNORE INTO jobs (id, payload, attempts, next_at, created, last_error)"
                " VALUES (?, ?, 1, ?, ?, ?)",
                (sub.id, sub.to_json(), now + self.backoff(1), now, error[:500]))
        return cursor.rowcount == 1

    def commit(self, accepted: list[tuple[Subscription, float | None]] = (),
               finished: list[str] = ()) -> None:
        """Store freshly accepted subscriptions and remove finished jobs, in ONE transaction
        with one fsync (group commit: the endpoint batches the requests that arrive while the
        previous commit runs, and the jobs its workers finished meanwhile).

        An accepted job is paired with its lease in seconds: None = LEASE_SECONDS to this
        process, which delivers it right away (if the process dies first, the lease runs out
        and any drainer takes it); 0 = due now for any drainer.
        """
        if not accepted and not finished:
            return
        now = self._clock()
        rows = []
        for sub, lease in accepted:
            until = now + (self.LEASE_SECONDS if lease is None else lease)
            # Due when the lease ends: drainers' "due" scans skip jobs in flight.
            rows.append((sub.id, sub.to_json(), until, until, now))
        with self._durable_lock, self._writing, self._durable:
            self._durable.execute("BEGIN IMMEDIATE")
            self._durable.executemany(
                "INSERT OR IGNORE INTO jobs (id, payload, attempts, next_at, lease_until, "
                "created) VALUES (?, ?, 0, ?, ?, ?)", rows)
            self._durable.executemany("DELETE FROM jobs WHERE id = ?",
                                      [(job_id,) for job_id in finished])

    def release(self, job_ids: list[str]) -> None:
        """Give leased jobs back: due now for any drainer (a process stopping cleanly)."""
        now = self._clock()
        with self._lock, self._writing, self._conn:
            self._conn.executemany(
                "UPDATE jobs SET lease_until = 0, next_at = MIN(next_at, ?) WHERE id = ?",
                [(now, job_id) for job_id in job_ids])

    def count(self, state: str = "waiting") -> int:
        with self._lock:
            return self._conn.execute("SELECT COUNT(*) FROM jobs WHERE state = ?",
                                      (state,)).fetchone()[0]

    def next_due(self) -> float | None:
        with self._lock:
            # A leased job's next_at is its lease's end (claim, commit), so this uses the index.
            row = self._conn.execute(
                "SELECT MIN(next_at) FROM jobs WHERE state = 'waiting'").fetchone()
        return row[0]

    def claim(self, limit: int = 50, force: bool = False) -> list[tuple[Subscription, int]]:
        """Lease up to `limit` due jobs (all waiting ones with `force`)."""
        now = self._clock()
        with self._lock, self._writing, self._conn:
            self._conn.execute("BEGIN IMMEDIATE")
            rows = self._conn.execute(
                "SELECT id, payload, attempts FROM jobs WHERE state = 'waiting' "
                "AND lease_until <= ? AND (? OR next_at <= ?) ORDER BY next_at LIMIT ?",
                (now, force, now, limit)).fetchall()
            until = now + self.LEASE_SECONDS
            # Due again when the lease ends (if this process dies before finishing the job).
            self._conn.executemany(
                "UPDATE jobs SET lease_until = ?, next_at = MAX(next_at, ?) WHERE id = ?",
                [(until, until, row[0]) for row in rows])
        return [(Subscription.from_json(payload), attempts) for _id, payload, attempts in rows]

    def done(self, job_id: str) -> None:
        with self._lock, self._writing, self._conn:
            self._conn.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    def failed(self, job_id: str, attempts: int, error: str, permanent: bool = False) -> bool:
        """Schedule another try; park the job as dead after max_attempts (at once when
        `permanent`). True if dead."""
        now = self._clock()
        dead = permanent or attempts + 1 >= self.max_attempts  # `attempts + 1` tries failed
        with self._lock, self._writing, self._conn:
            self._conn.execute(
                "UPDATE jobs SET attempts = ?, next_at = ?, lease_until = 0, last_error = ?, "
                "state = ? WHERE id = ?",
                (attempts + 1, now + self.backoff(attempts + 1), error[:500],
                 "dead" if dead else "waiting", job_id))
        return dead

    def process(self, backend: Backend, sub: Subscription, attempts: int,
                report: DrainReport | None = None, finish=None) -> str | None:
        """One delivery attempt of a leased job; its outcome code, or None when it stays
        queued (a failure that may pass) or was parked as dead (one that cannot).

        A finished job is removed at once, or handed to `finish(job_id)` to be removed in the
        caller's next group commit."""
        report = report if report is not None else DrainReport()
        try:
            outcome = deliver(backend, sub)
        except Rejected as err:  # refused for good with an answer for the reader: done
            outcome = err.code
        except TRANSIENT as err:
            reason = str(err) if isinstance(err, Retryable) else type(err).__name__
            if self.failed(sub.id, attempts, reason):
                report.dead += 1
                logger.error("newsletter: gave up on queued %s %s after %d attempts: %s",
                             sub.action, sub.id, attempts + 1, reason)
            else:
                report.retried += 1
                if attempts == 0:
                    logger.warning("newsletter: %s %s queued for retry (%s)", sub.action,
                                   sub.id, reason)
            return None
        except Exception as err:  # the same job fails the same way: never retry it
            reason = f"{type(err).__name__}: {err}"
            self.failed(sub.id, attempts, reason, permanent=True)
            report.dead += 1
            logger.error("newsletter: queued %s %s can never succeed; dead-lettered after %d "
                         "attempt(s): %s", sub.action, sub.id, attempts + 1, reason)
            logger.debug("newsletter: traceback of %s", sub.id, exc_info=True)
            return None
        (finish or self.done)(sub.id)
        report.outcomes[outcome] = report.outcomes.get(outcome, 0) + 1
        if outcome in ("check-inbox", "unsubscribed", "preferences-saved"):
            report.delivered += 1
        else:
            report.rejected += 1
            logger.info("newsletter: %s %s ended as %s", sub.action, sub.id, outcome)
        return outcome

    def drain(self, backend: Backend, force: bool = False, limit: int = 50) -> DrainReport:
        """One pass over the due jobs (every waiting job with `force`)."""
        report = DrainReport()
        for sub, attempts in self.claim(limit=limit, force=force):
            self.process(backend, sub, attempts, report)
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
