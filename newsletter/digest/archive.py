"""The archive of sent digests, read from the ledger (the feeds plugin builds its digest feed
from `sent_digests`, and the newsletter_manifest plugin publishes each web version)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from newsletter.digest.ledger import Ledger


@dataclass(frozen=True)
class SentDigest:
    key: str  # digest-en-2026-W48
    lang: str
    sent_at: datetime  # aware, UTC
    subject: str
    web_path: str  # site-relative: "newsletter/<key>/" or "en/newsletter/<key>/"
    html: str = ""  # the web version (no personal links)


def sent_digests(state_dir: Path, lang: str, *, now: datetime | None = None) -> list[SentDigest]:
    """Digests of `lang` that went out (scheduled ones once their time has come), newest first.

    Reads `<state_dir>/digests.sqlite3`; an absent ledger means no digest was sent yet.
    """
    path = Path(state_dir) / "digests.sqlite3"
    if not path.exists():
        return []
    now = now or datetime.now(timezone.utc)
    ledger = Ledger(path)
    try:
        rows = ledger.digests(lang, ("sent", "scheduled"))
    finally:
        ledger.close()
    done = [SentDigest(key=row.key, lang=row.lang, sent_at=row.sent_at, subject=row.subject,
                       web_path=row.web_path, html=row.web_html or "")
            for row in rows if row.sent_at and row.sent_at <= now]
    return sorted(done, key=lambda d: (d.sent_at, d.key), reverse=True)
