"""Helpers shared by the digest tests: fixture manifests laid out as a built site, configs,
subscribers. The fixture manifests (tests/fixtures/digest/manifest-<lang>.json) hold dates in
the week 2026-W48; tests run with NOW = 2026-11-25 08:00 UTC."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

from newsletter.config import load_config
from newsletter.digest import settings as digest_settings

FIXTURES = Path(__file__).parent / "fixtures" / "digest"
NOW = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)
PERIOD = "2026-W48"


def site_with_manifests(root: Path) -> Path:
    """An output folder with the two fixture manifests where the build would write them."""
    output = root / "output"
    (output / "newsletter").mkdir(parents=True, exist_ok=True)
    (output / "en" / "newsletter").mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "manifest-uk.json", output / "newsletter" / "manifest.json")
    shutil.copy(FIXTURES / "manifest-en.json", output / "en" / "newsletter" / "manifest.json")
    return output


def configs(settings: dict, environ: dict | None = None):
    """(DigestConfig, NewsletterConfig) from a settings dict."""
    env = {"NEWSLETTER_SECRET": "test-secret-0123456789", **(environ or {})}
    return digest_settings.load(settings), load_config(settings, environ=env)


def add_subscribers(newsletter, rows) -> None:
    """rows: (email, lang, [topics]) confirmed in the local store."""
    from newsletter.store import SubscriberStore

    store = SubscriberStore(newsletter.store_path)
    for email, lang, topics in rows:
        store.upsert_pending(email, lang, frozenset(topics))
        store.confirm(email)
    store.close()
