"""`make new`: a new article's files, one per language, with every field it needs.

The files are what the web editor writes (YAML front matter), so an article started in a
terminal opens in the editor unchanged. The slug is `core.translit.slugify` of the title, the
function the WordPress importer and the editor's configuration use.
"""

from __future__ import annotations

import difflib
import logging
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from core.translit import slugify
from medical import settings as medical_settings

logger = logging.getLogger(__name__)


class ScaffoldError(Exception):
    """What was asked cannot be written; the message says why and what to do."""


@dataclass(frozen=True)
class Request:
    title: str
    category: str
    langs: tuple[str, ...] = ()  # () = every language of the site
    slug: str = ""  # "" = slugify(title)
    day: date | None = None  # None = today in the site's time zone


def front_matter(fields: dict) -> str:
    """`---` YAML `---`, fields in the given order, Unicode kept readable."""
    text = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False, default_flow_style=None,
                          width=100)
    return f"---\n{text}---\n"


def article_fields(request: Request, lang: str, day: date, medical: bool) -> dict:
    """Every field CONTENT.md asks of a new article; empty ones are there to be filled."""
    fields = {"title": request.title, "date": day, "category": request.category,
              "status": "draft", "summary": "", "tags": [], "authors": []}
    if medical:
        fields |= {"reviewed_by": "", "reviewed_on": ""}
    fields |= {"references": [], "image": "", "image_alt": ""}
    return fields


BODY = {
    "uk": "Текст статті. Заголовки починаються з `##`.\n",
    "en": "The text of the article. Headings start at `##`.\n",
}


def create(settings: dict, request: Request) -> list[Path]:
    """Write the files and return their paths; nothing is written if any already exists."""
    categories = settings["CATEGORIES"]
    if request.category not in categories:
        close = difflib.get_close_matches(request.category, list(categories), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ScaffoldError(f"CATEGORY: unknown category {request.category!r}{hint} — use one "
                            f"of: {', '.join(categories)}")
    languages = list(settings["SITE_LANGUAGES"])
    langs = request.langs or tuple(languages)
    unknown = [lang for lang in langs if lang not in languages]
    if unknown:
        raise ScaffoldError(f"LANG: unknown language {', '.join(unknown)} — use "
                            f"{','.join(languages)} or a part of it")
    slug = request.slug or slugify(request.title)
    if not request.title.strip():
        raise ScaffoldError('TITLE: is empty — make new TITLE="…" CATEGORY=…')
    if not slug or slug != slugify(slug):
        raise ScaffoldError(f"SLUG: {slug!r} is not a slug (lowercase Latin letters, digits, "
                            "hyphens) — give one with SLUG=…")
    day = request.day or datetime.now(ZoneInfo(settings["TIMEZONE"])).date()
    folder = Path(settings["PATH"]) / settings["ARTICLE_PATHS"][0] / request.category
    paths = [folder / f"{slug}.{lang}.md" for lang in langs]
    existing = [str(path) for path in paths if path.exists()]
    if existing:
        raise ScaffoldError(f"{', '.join(existing)}: already exists — choose another TITLE "
                            "or give SLUG=…")
    medical = request.category in medical_settings.load(settings).medical_categories
    folder.mkdir(parents=True, exist_ok=True)
    for lang, path in zip(langs, paths):
        text = front_matter(article_fields(request, lang, day, medical))
        path.write_text(f"{text}\n{BODY.get(lang, BODY['en'])}", encoding="utf-8")
    return paths
