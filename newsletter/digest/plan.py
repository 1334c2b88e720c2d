"""The plan of one digest: its key, its articles (from the ledger when it already exists) and
the render context. Sending backends take a Plan; previews render one without a ledger row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from newsletter.config import NewsletterConfig
from newsletter.digest import manifest as manifest_module
from newsletter.digest.ledger import DigestRow, Ledger
from newsletter.digest.manifest import ManifestArticle
from newsletter.digest.periods import digest_key, human_label
from newsletter.digest.render import (RenderContext, Rendered, address_line, fill_merge_tags,
                                      render, stylesheet_href, subject_for)
from newsletter.digest.selection import DigestContent, arrange, select, since_for
from newsletter.digest.settings import DigestConfig


@dataclass(frozen=True)
class Plan:
    key: str
    lang: str
    period: str
    since: datetime | None
    articles: tuple[ManifestArticle, ...]
    content: DigestContent
    ctx: RenderContext
    subject: str
    web_path: str  # site-relative: "newsletter/<key>/" or "en/newsletter/<key>/"
    row: DigestRow | None = None  # the ledger row when the digest already exists

    @property
    def empty(self) -> bool:
        return not self.articles


def web_path(config: DigestConfig, lang: str, key: str) -> str:
    return f"{config.lang_prefix(lang)}newsletter/{key}/"


def manifest_path(output: Path, config: DigestConfig, lang: str) -> Path:
    return manifest_module.path_for(output, config.lang_prefix(lang))


def make_plan(*, lang: str, period: str, config: DigestConfig, output: Path | None,
              ledger: Ledger | None, now: datetime, row: DigestRow | None = None,
              articles: list[ManifestArticle] | None = None) -> Plan:
    """Plan the digest of `lang` for `period` (a label such as 2026-W48).

    An existing ledger row fixes the articles (a resumed run sends the same content);
    otherwise they are selected from the manifest under `output` against the ledger.
    """
    key = digest_key(lang, period)
    if row is None and ledger is not None:
        row = ledger.get(key)
    since = None
    if row is not None:
        chosen = [manifest_module.article_from_json(item, f"ledger {key}")
                  for item in row.articles]
        since = row.since
    elif articles is not None:
        chosen = articles
    else:
        published = list(manifest_module.read(manifest_path(output, config, lang)).articles)
        last = ledger.last_final(lang) if ledger else None
        since = since_for(last.articles if last else None, last.sent_at if last else None, now,
                          config.first_digest_days)
        mailed = ledger.mailed_urls(lang) if ledger else set()
        chosen = select(published, since=since, mailed=mailed, now=now,
                        limit=config.max_articles)
    content = arrange(chosen, lang, config)
    path = web_path(config, lang, key)
    ctx = RenderContext(key=key, lang=lang,
                        period_label=human_label(period, lang, config.timezone),
                        web_url=f"{config.site_url}/{path}")
    site_name = config.clinic_text("name", lang) or "Expio Center"
    subject = row.subject if row else subject_for(content, ctx, config, site_name)[0]
    return Plan(key=key, lang=lang, period=period, since=since, articles=tuple(chosen),
                content=content, ctx=ctx, subject=subject, web_path=path, row=row)


def web_version(plan: Plan, config: DigestConfig, page_folder: str | None = None) -> Rendered:
    """The digest as published on the site: every section, footer links to the subscribe page.

    Rendered for the web: the stylesheet is linked (render.STYLESHEET_PATH, relative to
    `page_folder`, by default the digest's own web path), not inlined.
    """
    href = stylesheet_href(plan.web_path if page_folder is None else page_folder)
    rendered = render(plan.content, plan.ctx, config, check_size=False, stylesheet=href)
    subscribe = f"{config.site_url}/{config.lang_prefix(plan.lang)}subscribe/"
    return fill_merge_tags(rendered, {"*|UNSUB|*": subscribe, "*|UPDATE_PROFILE|*": subscribe,
                                      "*|LIST:ADDRESSLINE|*": address_line(config, plan.lang)})


def interest_names(newsletter: NewsletterConfig) -> dict[str, str]:
    """slug -> Mailchimp interest name for every topic (see newsletter.interests)."""
    from newsletter.interests import interest_name

    return {slug: interest_name(newsletter, slug) for slug in newsletter.topics}
