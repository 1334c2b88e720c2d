"""SQLite subscriber store of the local backend (and what the local digest sender reads).

One row per address (lower-cased): status pending -> confirmed -> unsubscribed, topics, language,
and when the last confirmation mail went out (so resubmitting cannot mail-bomb anyone).
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from newsletter.private import create_private

SCHEMA = """
CREATE TABLE IF NOT EXISTS subscribers (
    email TEXT PRIMARY KEY,          -- lower-cased address
    lang TEXT NOT NULL,
    topics TEXT NOT NULL,            -- JSON list of category slugs
    status TEXT NOT NULL,            -- pending | confirmed | unsubscribed
    created REAL NOT NULL,           -- unix time of the first subscription
    confirmed_at REAL,
    updated REAL NOT NULL,
    last_mail_at REAL,               -- last confirmation/notice mail
    last_mail_subscription TEXT,     -- Subscription.id that claimed the last mail
    mail_sent_subscription TEXT      -- ... and the id whose mail is known to be sent
);
CREATE INDEX IF NOT EXISTS subscribers_status ON subscribers(status, lang);
"""


def _utc(timestamp: float | None) -> datetime | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, tz=timezone.utc)


@dataclass(frozen=True)
class Subscriber:
    """One address as the store knows it."""

    email: str
    lang: str
    topics: frozenset[str]
    created: datetime
    confirmed_at: datetime | None
    status: str = "confirmed"
    last_mail_at: float | None = None
    last_mail_subscription: str | None = None


class WriteLock:
    """Serialises the writers of one SQLite file, across threads and processes (flock).

    SQLite lets one writer in at a time and makes the others poll: its busy handler sleeps
    1, 2, 5, 10, 15, 20, 25 ... 100 ms between tries, so a writer meeting a lock held for a few
    milliseconds (another worker process's fsync) can sleep for tens of them. With two uvicorn
    workers that polling was most of the endpoint's p99. A blocking flock on a side file
    (`<db>.writelock`) wakes the next writer as soon as the lock is released. Every writer in
    this package takes it around its write transaction; readers never do (WAL).
    """

    def __init__(self, db_path: Path):
        self._fd = os.open(f"{db_path}.writelock", os.O_RDWR | os.O_CREAT, 0o600)
        self._threads = threading.Lock()

    def __enter__(self) -> "WriteLock":
        self._threads.acquire()
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise
        return self

    def __exit__(self, *exc) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()

    def close(self) -> None:
        os.close(self._fd)


def open_sqlite(path: Path, synchronous: str = "FULL") -> sqlite3.Connection:
    """A connection for a small durable database: WAL, fsync per commit (FULL), busy waits.
    A new database (and so its -wal and -shm files) is 0600 in a 0700 folder."""
    create_private(path)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


class SubscriberStore:
    """Subscribers in SQLite; safe to share between threads (one connection behind a lock)."""

    def __init__(self, path: Path | str, clock=time.time):
        self.path = Path(path)
        self._clock = clock
        self._lock = threading.Lock()
        # WAL + NORMAL: a commit survives a crash of the process (not of the machine) without
        # an fsync per request; the retry queue, which holds what no backend has yet, is FULL.
        self._conn = open_sqlite(self.path, synchronous="NORMAL")
        self._writing = WriteLock(self.path)
        with self._writing:
            self._conn.executescript(SCHEMA)
        columns = {row[1] for row in self._conn.execute("PRAGMA table_info(subscribers)")}
        if "mail_sent_subscription" not in columns:  # a store created before that column
            with self._writing:
                self._conn.execute(
                    "ALTER TABLE subscribers ADD COLUMN mail_sent_subscription TEXT")

    def close(self) -> None:
        self._conn.close()
        self._writing.close()

    def get(self, email: str) -> Subscriber | None:
        with self._lock:
            row = self._conn.execute("SELECT * FROM subscribers WHERE email = ?",
                                     (email.lower(),)).fetchone()
        return self._row(row) if row else None

    def confirmed(self, lang: str | None = None) -> list[Subscriber]:
        """Confirmed subscribers (of one language when given), oldest first."""
        sql = "SELECT * FROM subscribers WHERE status = 'confirmed'"
        args: tuple = ()
        if lang is not None:
            sql += " AND lang = ?"
            args = (lang,)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY created, email", args).fetchall()
        return [self._row(row) for row in rows]

    def upsert_pending(self, email: str, lang: str, topics: frozenset[str]) -> Subscriber:
        """Record a subscription request; a confirmed address keeps its status and choices.

        A pending or unsubscribed address becomes pending with the new topics and language:
        nothing changes for sending until the owner clicks the confirmation link.
        """
        with self._lock, self._writing, self._conn:
            self._conn.execute("BEGIN IMMEDIATE")
            return self._upsert_pending(email, lang, topics)

    def _upsert_pending(self, email: str, lang: str, topics: frozenset[str]) -> Subscriber:
        now = self._clock()
        key = email.lower()
        self._conn.execute(
            "INSERT INTO subscribers (email, lang, topics, status, created, updated) "
            "VALUES (?, ?, ?, 'pending', ?, ?) "
            "ON CONFLICT(email) DO UPDATE SET lang = excluded.lang, topics = excluded.topics,"
            " status = 'pending', updated = excluded.updated WHERE status != 'confirmed'",
            (key, lang, json.dumps(sorted(topics)), now, now))
        row = self._conn.execute("SELECT * FROM subscribers WHERE email = ?", (key,)).fetchone()
        return self._row(row)

    def subscribe(self, email: str, lang: str, topics: frozenset[str], subscription_id: str,
                  min_interval: float) -> tuple[Subscriber, str | None]:
        """`upsert_pending` and `claim_mail` in one transaction (one commit per subscription)."""
        with self._lock, self._writing, self._conn:
            self._conn.execute("BEGIN IMMEDIATE")
            row = self._upsert_pending(email, lang, topics)
            claim = self._claim_mail(email, subscription_id, min_interval)
        return row, claim

    def claim_mail(self, email: str, subscription_id: str, min_interval: float) -> str | None:
        """Reserve the right to send the one mail of this subscription.

        "new": send it. "unfinished": this subscription claimed the mail before but its attempt
        never reported it sent (a crash or a failure mid-way): send it again, the same message
        (the mailer skips it when the outbox already holds it). None: do not send, because this
        subscription's mail is sent, or the address got a mail less than `min_interval`
        seconds ago for another subscription (resubmission: no mail bombing).
        """
        with self._lock, self._writing, self._conn:
            self._conn.execute("BEGIN IMMEDIATE")
            return self._claim_mail(email, subscription_id, min_interval)

    def _claim_mail(self, email: str, subscription_id: str, min_interval: float) -> str | None:
        now = self._clock()
        row = self._conn.execute(
            "SELECT last_mail_at, last_mail_subscription, mail_sent_subscription "
            "FROM subscribers WHERE email = ?", (email.lower(),)).fetchone()
        if row is None:
            return None
        last_at, claimed_by, sent_by = row
        if claimed_by == subscription_id:
            return None if sent_by == subscription_id else "unfinished"
        if last_at is not None and last_at > now - min_interval:
            return None
        self._conn.execute(
            "UPDATE subscribers SET last_mail_at = ?, last_mail_subscription = ?, "
            "mail_sent_subscription = NULL WHERE email = ?",
            (now, subscription_id, email.lower()))
        return "new"

    def mail_sent(self, email: str, subscription_id: str) -> None:
        """Record that the mail claimed by this subscription went out."""
        with self._lock, self._writing, self._conn:
            self._conn.execute(
                "UPDATE subscribers SET mail_sent_subscription = ? "
                "WHERE email = ? AND last_mail_subscription = ?",
                (subscription_id, email.lower(), subscription_id))

    def release_mail(self, email: str, subscription_id: str) -> None:
        """Undo `claim_mail` after the mail certainly was not sent, so a retry may send it."""
        with self._lock, self._writing, self._conn:
            self._conn.execute(
                "UPDATE subscribers SET last_mail_at = NULL, last_mail_subscription = NULL "
                "WHERE email = ? AND last_mail_subscription = ?", (email.lower(), subscription_id))

    def confirm(self, email: str) -> bool:
        """pending -> confirmed; True when the address is (now) confirmed."""
        now = self._clock()
        with self._lock, self._writing, self._conn:
            self._conn.execute(
                "UPDATE subscribers SET status = 'confirmed', confirmed_at = ?, updated = ? "
                "WHERE email = ? AND status = 'pending'", (now, now, email.lower()))
            row = self._conn.execute("SELECT status FROM subscribers WHERE email = ?",
                                     (email.lower(),)).fetchone()
        return bool(row) and row[0] == "confirmed"

    def unsubscribe(self, email: str) -> None:
        now = self._clock()
        with self._lock, self._writing, self._conn:
            self._conn.execute(
                "UPDATE subscribers SET status = 'unsubscribed', updated = ? WHERE email = ?",
                (now, email.lower()))

    def set_preferences(self, email: str, lang: str, topics: frozenset[str]) -> bool:
        """Change a pending or confirmed subscriber's choices; False when not subscribed."""
        now = self._clock()
        with self._lock, self._writing, self._conn:
            cursor = self._conn.execute(
                "UPDATE subscribers SET lang = ?, topics = ?, updated = ? "
                "WHERE email = ? AND status IN ('pending', 'confirmed')",
                (lang, json.dumps(sorted(topics)), now, email.lower()))
            return cursor.rowcount == 1

    def readable(self) -> bool:
        """True when the database answers a query (health check)."""
        try:
            with self._lock:
                self._conn.execute("SELECT 1 FROM subscribers LIMIT 1").fetchall()
        except sqlite3.Error:
            return False
        return True

    def count(self, status: str | None = None) -> int:
        sql, args = "SELECT COUNT(*) FROM subscribers", ()
        if status:
            sql, args = sql + " WHERE status = ?", (status,)
        with self._lock:
            return self._conn.execute(sql, args).fetchone()[0]

    @staticmethod
    def _row(row: tuple) -> Subscriber:
        (email, lang, topics, status, created, confirmed_at, _updated, last_mail_at,
         last_mail_subscription, _mail_sent_subscription) = row
        return Subscriber(email=email, lang=lang, topics=frozenset(json.loads(topics)),
                          created=_utc(created), confirmed_at=_utc(confirmed_at), status=status,
                          last_mail_at=last_mail_at,
                          last_mail_subscription=last_mail_subscription)
