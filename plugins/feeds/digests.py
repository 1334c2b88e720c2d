"""Sent newsletter digests as feed entries: an optional input.

The newsletter keeps an archive of what it sent; `newsletter.digest.archive.sent_digests`
reads it. Until that module exists, or while nothing has been sent, there is no digest feed
(never an empty one).
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from core.state import state_dir as newsletter_state_dir
from feeds.model import Entry, digest_id
from feeds.urls import absolute

logger = logging.getLogger(__name__)
ARCHIVE_MODULE = "newsletter.digest.archive"


def state_dir(configured: str | None, settings: Mapping[str, Any],
              environ: Mapping[str, str] = os.environ) -> Path:
    """FEEDS["digest_state_dir"] when set, else the newsletter's own state folder."""
    return Path(configured) if configured else newsletter_state_dir(settings, environ)


def sent_digests(state: Path, lang: str) -> list:
    """The archive's sent digests of `lang`, or [] when the newsletter has no archive yet."""
    try:
        archive = importlib.import_module(ARCHIVE_MODULE)
    except ModuleNotFoundError as error:
        # Only a missing archive module means "no digests yet"; any other missing import
        # inside it is a real bug and must surface.
        if error.name not in (ARCHIVE_MODULE, ARCHIVE_MODULE.rpartition(".")[0], "newsletter"):
            raise
        logger.debug("feeds: %s is not available; no digest feed", ARCHIVE_MODULE)
        return []
    if not state.is_dir():
        return []
    return list(archive.sent_digests(state, lang))


def entries(digests, *, site_url: str, authority: str, id_date: str) -> list[Entry]:
    """One entry per sent digest, linking its web version."""
    base = site_url.rstrip("/") + "/"
    return [
        Entry(
            id=digest_id(authority, id_date, digest.key, digest.lang),
            url=absolute(digest.web_path.lstrip("/"), base),
            title=digest.subject,
            lang=digest.lang,
            published=digest.sent_at,
            updated=digest.sent_at,
            summary_text=digest.subject,
        )
        for digest in digests
    ]
