"""Pelican boundary of seo: writes sitemap.xml and robots.txt from the default-language run.

The catalogue knows every language's URLs, so one run writes the files for the whole site;
the other runs skip them (two runs writing one path would collide when outputs merge).
"""

from __future__ import annotations

import logging
from pathlib import Path

from pelican import signals

from core import catalogue, run
from core.languages import language_prefix
from seo import sitemap
from seo.settings import load

logger = logging.getLogger(__name__)
PREFIX = "seo: "


def write_site_files(pelican) -> None:
    """finalized: sitemap.xml and robots.txt into the run's OUTPUT_PATH."""
    settings = pelican.settings
    default = run.default_lang(settings)
    if run.lang(settings) != default:
        return
    config = load(settings)
    site = catalogue.for_run(settings)
    prefixes = {lang: language_prefix(settings, lang) for lang in site.languages}
    # CATEGORY_URL is prefixed in this (default-language) run only by "", so it is the bare one.
    groups = [*sitemap.listing_groups(site.built(), prefixes, settings["CATEGORY_URL"]),
              *sitemap.content_groups(site.translations)]
    siteurl = settings["SITEURL"].rstrip("/")
    output = Path(settings["OUTPUT_PATH"])
    (output / config.sitemap_save_as).write_text(
        sitemap.render_sitemap(groups, siteurl, default), encoding="utf-8")
    (output / config.robots_save_as).write_text(
        sitemap.render_robots(siteurl, config.sitemap_save_as, config.disallow,
                              prefixes.values()), encoding="utf-8")
    logger.info("%swrote %s (%d pages) and %s", PREFIX, config.sitemap_save_as,
                sum(len(g.versions) for g in groups), config.robots_save_as)


def register() -> None:
    signals.finalized.connect(write_site_files)
