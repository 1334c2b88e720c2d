"""The digest ledger: SQLite in the state dir recording every digest and every local recipient.

Two tables:

- `digests`: one row per digest key (`digest-en-2026-W48`): language, period, backend, the
  articles it carries (JSON, so a resumed run sends exactly the same content), the Mailchimp
  campaign id, the status and the web version's HTML.
  status: `preparing` (row written, nothing sent) -> `sending` (send issued / local mail
  going out) -> `sent` | `scheduled`.
- `recipients` (local backend): one row per (key, address): `claimed` is committed before the
  SMTP transaction, `sent` right after the server accepted the message. A `claimed` row left by
  a crash is "in doubt" (see newsletter/digest/README.md, "Exactly once").

Every write is its own committed transaction (autocommit + WAL + synchronous=FULL), so what
the ledger says survives a crash of the process that wrote it.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from newsletter.private import create_private

SCHEMA = """
CREATE TABLE IF NOT EXISTS digests (
    key TEXT PRIMARY KEY,            -- digest-<lang>-<period>
    lang TEXT NOT NULL,
    period TEXT NOT NULL,
    backend TEXT NOT NULL,           -- local | mailchimp
    status TEXT NOT NULL,            -- preparing | sending | sent | scheduled
    subject TEXT NOT NULL,
    articles TEXT NOT NULL,          -- JSON list of manifest articles (to_json form)
    since TEXT,                      -- ISO: lower bound the selection used
    campaign_id TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT,                    -- ISO, UTC: when sent (or scheduled for)
    web_html TEXT,                   -- web version (no personal links)
    web_path TEXT NOT NULL DEFAULT '' -- site-relative path of the web version
);
CREATE INDEX IF NOT EXISTS digests_lang ON digests(lang, status);
CREATE TABLE IF NOT EXISTS recipients (
    key TEXT NOT NULL,
    email TEXT NOT NULL,
    status TEXT NOT NULL,            -- claimed | sent | rejected
    message_id TEXT NOT NULL,
    updated TEXT NOT NULL,
    PRIMARY KEY (key, email)
);
"""

FINAL = ("sent", "scheduled")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True)
class DigestRow:
    key: str
    lang: str
    period: str
    backend: str
    status: str
    subject: str
    articles: list[dict]
    since: datetime | None
    campaign_id: str | None
    created_at: datetime
    sent_at: datetime | None
    web_html: str | None
    web_path: str = ""

    @property
    def final(self) -> bool:
        return self.status in FINAL


class Ledger:
    """The ledger file `<state>/digests.sqlite3`; one connection per process."""

    def __init__(self, path: Path):
        self.path = Path(path)
        create_private(self.path)  # holds who was sent what: 0600 (-wal/-shm follow)
        self._conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.executescript(SCHEMA)

    @classmethod
    def in_state_dir(cls, state_dir: Path) -> Ledger:
        return cls(Path(state_dir) / "digests.sqlite3")

    def close(self) -> None:
        self._conn.close()

    # --- digests --------------------------------------------------------------------------
    def get(self, key: str) -> DigestRow | None:
        row = self._conn.execute("SELECT * FROM digests WHERE key = ?", (key,)).fetchone()
        return self._digest(row) if row else None

    def digests(self, lang: str | None = None, statuses: tuple[str, ...] | None = None
                ) -> list[DigestRow]:
        sql, args = "SELECT * FROM digests WHERE 1=1", []
        if lang:
            sql += " AND lang = ?"
            args.append(lang)
        if statuses:
            sql += f" AND status IN ({', '.join('?' * len(statuses))})"
            args.extend(statuses)
        rows = self._conn.execute(sql + " ORDER BY created_at, key", args).fetchall()
        return [self._digest(row) for row in rows]

    def last_final(self, lang: str) -> DigestRow | None:
        """The most recent sent (or scheduled) digest of a language."""
        done = [d for d in self.digests(lang, FINAL) if d.sent_at]
        return max(done, key=lambda d: d.sent_at) if done else None

    def mailed_urls(self, lang: str) -> set[str]:
        """URLs of every article carried by a digest of this language that got under way."""
        urls: set[str] = set()
        for row in self.digests(lang, ("sending", *FINAL)):
            urls.update(item["url"] for item in row.articles)
        return urls

    def create(self, key: str, lang: str, period: str, backend: str, subject: str,
               articles: list[dict], since: datetime | None, web_path: str = "") -> DigestRow:
        """Record a new digest as `preparing`; an existing row wins (returned unchanged)."""
        self._conn.execute(
            "INSERT OR IGNORE INTO digests (key, lang, period, backend, status, subject, "
            "articles, since, created_at, web_path) VALUES (?, ?, ?, ?, 'preparing', ?, ?, ?, ?, ?)",
            (key, lang, period, backend, subject, json.dumps(articles, ensure_ascii=False),
             since.isoformat() if since else None, _now(), web_path))
        return self.get(key)

    def set_campaign(self, key: str, campaign_id: str) -> None:
        self._conn.execute("UPDATE digests SET campaign_id = ? WHERE key = ?",
                           (campaign_id, key))

    def set_status(self, key: str, status: str, sent_at: datetime | None = None,
                   web_html: str | None = None) -> None:
        self._conn.execute(
            "UPDATE digests SET status = ?, sent_at = COALESCE(?, sent_at), "
            "web_html = COALESCE(?, web_html) WHERE key = ?",
            (status, sent_at.astimezone(timezone.utc).isoformat() if sent_at else None,
             web_html, key))

    # --- recipients (local backend) -------------------------------------------------------
    def recipient_status(self, key: str, email: str) -> str | None:
        row = self._conn.execute("SELECT status FROM recipients WHERE key = ? AND email = ?",
                                 (key, email.lower())).fetchone()
        return row[0] if row else None

    def claim(self, key: str, email: str, message_id: str) -> bool:
        """Commit "about to send" for one address; False when a row already exists."""
        cursor = self._conn.execute(
            "INSERT OR IGNORE INTO recipients (key, email, status, message_id, updated) "
            "VALUES (?, ?, 'claimed', ?, ?)", (key, email.lower(), message_id, _now()))
        return cursor.rowcount == 1

    def mark_sent(self, key: str, email: str) -> None:
        self._conn.execute(
            "UPDATE recipients SET status = 'sent', updated = ? WHERE key = ? AND email = ?",
            (_now(), key, email.lower()))

    def mark_rejected(self, key: str, email: str) -> None:
        """The server refused this address for good: never try it again for this digest."""
        self._conn.execute(
            "UPDATE recipients SET status = 'rejected', updated = ? WHERE key = ? AND email = ?",
            (_now(), key, email.lower()))

    def release(self, key: str, email: str) -> None:
        """Forget a claim whose message certainly did not go out, so a rerun sends it."""
        self._conn.execute("DELETE FROM recipients WHERE key = ? AND email = ? "
                           "AND status = 'claimed'", (key, email.lower()))

    def recipients(self, key: str, status: str | None = None) -> list[str]:
        sql, args = "SELECT email FROM recipients WHERE key = ?", [key]
        if status:
            sql += " AND status = ?"
            args.append(status)
        return [row[0] for row in self._conn.execute(sql + " ORDER BY email", args)]

    @staticmethod
    def _digest(row: tuple) -> DigestRow:
        (key, lang, period, backend, status, subject, articles, since, campaign_id, created_at,
         sent_at, web_html, web_path) = row
        return DigestRow(key=key, lang=lang, period=period, backend=backend, status=status,
                         subject=subject, articles=json.loads(articles), since=_when(since),
                         campaign_id=campaign_id, created_at=_when(created_at),
                         sent_at=_when(sent_at), web_html=web_html,
                         web_path=web_path)
