"""Rendering a digest: Jinja templates -> HTML (CSS inlined, @media kept) and plain text.

    rendered = render(content, context)        # merge tags in the footer, both parts
    personal = fill_merge_tags(rendered, {"*|UNSUB|*": url, ...})   # local backend / web
    page = render(content, context, config, stylesheet="../digest.css")   # for the web

The email carries its CSS inlined (email clients drop linked stylesheets); the web version
links the same CSS as a file, STYLESHEET_PATH in the site, since the site's CSP
(`style-src 'self'`) blocks inline styles (`write_stylesheet`).

The footer always carries Mailchimp's merge tags (*|UNSUB|*, *|UPDATE_PROFILE|*,
*|LIST:ADDRESSLINE|*); Mailchimp fills them per recipient, the local backend and the web
version fill them here. With `interest_names`, the lead and each category section are wrapped
in *|INTERESTED:…|* blocks (see `InterestBlocks`).
"""

from __future__ import annotations

import html
import math
import posixpath
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import css_inline
import jinja2
from markupsafe import Markup

from newsletter.digest.manifest import LeadImage, ManifestArticle
from newsletter.digest.periods import MONTHS, MONTHS_GENITIVE_UK
from newsletter.digest.selection import DigestContent
from newsletter.digest.settings import DigestConfig
from newsletter.digest.strings import strings_for

TEMPLATES = Path(__file__).parent / "templates"
MERGE_TAGS = ("*|UNSUB|*", "*|UPDATE_PROFILE|*", "*|LIST:ADDRESSLINE|*")
STYLESHEET_PATH = "newsletter/digest.css"  # site-relative, shared by every language


class DigestTooLarge(ValueError):
    """The HTML part is over the size budget (Gmail clips mail above ~102 KB)."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    preheader: str
    html: str
    text: str

    @property
    def html_bytes(self) -> int:
        return len(self.html.encode("utf-8"))

    @property
    def text_bytes(self) -> int:
        return len(self.text.encode("utf-8"))


@dataclass(frozen=True)
class RenderContext:
    """Everything about one digest besides its articles."""

    key: str
    lang: str
    period_label: str  # human label: "23–29 November 2026"
    web_url: str  # absolute URL of the web version
    interest_group: str | None = None  # Mailchimp interest category title
    interest_names: Mapping[str, str] | None = None  # slug -> interest name; None = no blocks


class InterestBlocks:
    """Wraps a section in Mailchimp conditional blocks so each subscriber sees their topics.

    Mailchimp has no "has no interests" test, and nesting conditionals is not documented, so a
    section is written twice, each in a flat block:
    `*|INTERESTED:G:<its topic>|*` section `*|END:INTERESTED|*` for subscribers with that topic,
    then `*|INTERESTED:G:<every topic>|* *|ELSE:|*` section `*|END:INTERESTED|*` for
    subscribers with no topic at all (who get everything).
    """

    def __init__(self, group: str | None, names: Mapping[str, str] | None):
        self.group = group
        self.names = names

    def __call__(self, body: str, category: str) -> str:
        if not self.names or category not in self.names:
            return body
        everything = ",".join(self.names.values())
        # In the HTML part the names are escaped like any other value (Markup.format).
        template = Markup if isinstance(body, Markup) else str
        return template("*|INTERESTED:{group}:{name}|*{body}*|END:INTERESTED|*"
                        "*|INTERESTED:{group}:{everything}|**|ELSE:|*{body}*|END:INTERESTED|*"
                        ).format(group=self.group, name=self.names[category], body=body,
                                 everything=everything)


def add_query(url: str, params: Mapping[str, str]) -> str:
    """`url` with `params` added (existing parameters of the same name are replaced)."""
    if not params:
        return url
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query += list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def shorten(text: str, limit: int) -> str:
    """Cut at a word boundary, with an ellipsis, when longer than `limit` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",.;:—–- ")
    return cut + "…"


def human_date(moment: datetime, lang: str, config: DigestConfig) -> str:
    local = moment.astimezone(config.timezone)
    if lang == "uk":
        return f"{local.day} {MONTHS_GENITIVE_UK[local.month - 1]} {local.year}"
    return f"{local.day} {MONTHS['en'][local.month - 1]} {local.year}"


def _environment(autoescape: bool) -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=autoescape,
                              trim_blocks=True, lstrip_blocks=True,
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


_HTML_ENV = _environment(True)
_TEXT_ENV = _environment(False)
_INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


def subject_for(content: DigestContent, ctx: RenderContext, config: DigestConfig,
                site_name: str) -> tuple[str, str]:
    count = len(content.articles)
    subject = config.subject[ctx.lang].format(site=site_name, period=ctx.period_label,
                                              count=count)
    lead = content.lead.title if content.lead else ""
    preheader = config.preheader[ctx.lang].format(lead=lead, count=count, site=site_name)
    return subject, preheader


def stylesheet_css(config: DigestConfig) -> str:
    """The digest's CSS, as the email inlines it and the web version links it."""
    return _TEXT_ENV.get_template("digest.css").render(width=config.content_width)


def write_stylesheet(output: Path, config: DigestConfig) -> Path:
    """Write STYLESHEET_PATH under the site's output folder (for the web versions)."""
    target = Path(output) / STYLESHEET_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(stylesheet_css(config), encoding="utf-8")
    return target


def stylesheet_href(page_folder: str) -> str:
    """STYLESHEET_PATH relative to a page in the site-relative `page_folder` ("en/news/x/")."""
    return posixpath.relpath(STYLESHEET_PATH, page_folder.strip("/") or ".")


def render(content: DigestContent, ctx: RenderContext, config: DigestConfig,
           check_size: bool = True, stylesheet: str | None = None) -> Rendered:
    """Both parts of one digest; DigestTooLarge when the HTML is over the budget.

    Without `stylesheet` (the email) the CSS is inlined; with it (a URL, for the web version)
    the page links it and carries no inline style.
    """
    lang = ctx.lang
    site_name = config.clinic_text("name", lang) or "Expio Center"
    subject, preheader = subject_for(content, ctx, config, site_name)
    utm = {name: value.format(key=ctx.key, lang=lang) for name, value in config.utm.items()}
    home = f"{config.site_url}/{config.lang_prefix(lang)}"
    width = config.content_width

    def link(article: ManifestArticle) -> str:
        return add_query(article.url, utm)

    def image_height(image: LeadImage) -> int:
        if image.width and image.height:
            return int(math.ceil(width * image.height / image.width))
        return int(width * 9 / 16)

    values = {
        "lang": lang, "s": strings_for(lang), "subject": subject, "preheader": preheader,
        "site_name": site_name, "period_label": ctx.period_label, "width": width,
        "home_url": add_query(home, utm), "web_url": ctx.web_url,
        "all_url": add_query(f"{home}archives/", utm),
        "lead": content.lead, "groups": content.groups, "sensitive": content.sensitive,
        "crisis_lines": config.crisis_lines.get(lang, ()),
        "link": link, "image_height": image_height,
        "summary": lambda a: shorten(a.summary, config.summary_chars),
        "date": lambda a: human_date(a.date, lang, config),
        "category_name": lambda slug: config.category_name(slug, lang),
        "stylesheet": stylesheet,
    }
    blocks = InterestBlocks(ctx.interest_group, ctx.interest_names)
    _HTML_ENV.filters["interest"] = blocks
    _TEXT_ENV.filters["interest"] = blocks
    raw_html = _HTML_ENV.get_template("digest.html").render(values)
    text = _TEXT_ENV.get_template("digest.txt").render(values)
    page = raw_html if stylesheet else _INLINER.inline(raw_html)
    rendered = Rendered(subject=subject, preheader=preheader, html=page, text=_tidy_text(text))
    if check_size and rendered.html_bytes > config.max_html_bytes:
        raise DigestTooLarge(
            f"{ctx.key}: HTML is {rendered.html_bytes} bytes, over DIGEST['max_html_bytes'] "
            f"= {config.max_html_bytes} (Gmail clips at ~102 KB); lower "
            "DIGEST['max_articles'] or DIGEST['summary_chars']")
    return rendered


def _tidy_text(text: str) -> str:
    """At most one blank line in a row (the templates' conditionals leave gaps)."""
    lines, blank = [], 0
    for line in text.splitlines():
        blank = blank + 1 if not line.strip() else 0
        if blank <= 1:
            lines.append(line.rstrip() if line.strip() != "--" else "-- ")
    return "\n".join(lines).strip() + "\n"


def fill_merge_tags(rendered: Rendered, values: Mapping[str, str]) -> Rendered:
    """Replace merge tags with real values (escaped for the HTML part)."""
    page, text = rendered.html, rendered.text
    for tag, value in values.items():
        page = page.replace(tag, html.escape(value, quote=True))
        text = text.replace(tag, value)
    return Rendered(subject=rendered.subject, preheader=rendered.preheader, html=page, text=text)


def address_line(config: DigestConfig, lang: str) -> str:
    """What *|LIST:ADDRESSLINE|* becomes outside Mailchimp: the clinic's name and address."""
    parts = [config.clinic_text("name", lang), config.clinic_text("address", lang),
             config.clinic_text("phone", lang), config.clinic_text("email", lang)]
    return " · ".join(part for part in parts if part)
