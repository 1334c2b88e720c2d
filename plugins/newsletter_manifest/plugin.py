"""Pelican boundary: in each language run, write `<prefix>newsletter/manifest.json` (every
listed article of the run) and the web versions of the digests already sent in that language
(from the digest ledger) at `<prefix>newsletter/<key>/index.html`, with the stylesheet they
link (`newsletter/digest.css`).

Runs on `all_generators_finalized`, after the medical plugin has set `is_sensitive`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

from pelican import signals
from pelican.generators import ArticlesGenerator

from core import catalogue, run
from core.state import state_dir as newsletter_state_dir
from newsletter.digest import manifest as manifest_format
from newsletter.digest import settings as digest_settings
from newsletter.digest.archive import sent_digests
from newsletter.digest.render import write_stylesheet
from newsletter_manifest import records
from newsletter_manifest import settings as plugin_settings

logger = logging.getLogger(__name__)
PREFIX = "newsletter_manifest: "


def _translation_key(settings: dict, lang: str, slug: str) -> str:
    entry = catalogue.for_run(settings).by_lang_slug.get((lang, slug))
    return entry.key if entry else slug


def _aware(value, settings: dict) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:  # Pelican localises dates with TIMEZONE; be safe anyway
        from zoneinfo import ZoneInfo

        value = value.replace(tzinfo=ZoneInfo(settings.get("TIMEZONE") or "UTC"))
    return value


def _state_dir(config: plugin_settings.Config, settings: dict) -> Path:
    return Path(config.state_dir) if config.state_dir else newsletter_state_dir(settings)


def write_manifest(generators) -> None:
    """all_generators_finalized: the manifest and the sent digests of this run's language."""
    articles_generator = next((g for g in generators if isinstance(g, ArticlesGenerator)), None)
    if articles_generator is None:
        return
    settings = articles_generator.settings
    config = plugin_settings.load(settings)
    lang = run.lang(settings)
    prefix = run.prefix(settings)
    site_url = settings["SITEURL"].rstrip("/")
    content_path = Path(settings["PATH"])
    items = []
    for article in articles_generator.articles:
        if getattr(article, "lang", lang) != lang:
            continue
        category = getattr(article, "category", None)
        items.append(records.record(
            title=article.title, url=article.url, lang=lang,
            category=getattr(category, "slug", None) or str(category or "uncategorized"),
            tags=[getattr(tag, "name", str(tag)) for tag in getattr(article, "tags", []) or []],
            date=_aware(article.date, settings),
            modified=_aware(getattr(article, "modified", None), settings),
            summary=article.metadata.get("summary") or getattr(article, "summary", ""),
            image=article.metadata.get("image"), image_alt=article.metadata.get("image_alt", ""),
            translation_key=_translation_key(settings, lang, article.slug),
            is_sensitive=getattr(article, "is_sensitive", False),
            site_url=site_url, content_path=content_path))
    output = Path(settings["OUTPUT_PATH"])
    # The newest date in the content, not the clock: the same content builds the same bytes
    # (the build checks that its speed-ups do not change the output).
    stamps = [moment for item in items for moment in (item.date, item.modified) if moment]
    as_of = max(stamps) if stamps else datetime(1970, 1, 1, tzinfo=timezone.utc)
    manifest = manifest_format.Manifest(lang=lang, site_url=site_url,
                                        generated_at=as_of.astimezone(timezone.utc),
                                        articles=tuple(items))
    manifest_format.write(manifest, manifest_format.path_for(output, prefix))
    logger.info("%swrote %snewsletter/manifest.json (%d articles)", PREFIX, prefix, len(items))
    if config.publish_archive:
        published = [digest for digest in sent_digests(_state_dir(config, settings), lang)
                     if digest.html]
        for digest in published:
            target = output / digest.web_path / "index.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(digest.html, encoding="utf-8")
        if published:
            write_stylesheet(output, digest_settings.load(settings))


def register() -> None:
    signals.all_generators_finalized.connect(write_manifest)
