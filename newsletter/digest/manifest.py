"""The newsletter manifest: what one language run of the build published, as JSON.

The `newsletter_manifest` Pelican plugin writes `<prefix>newsletter/manifest.json` in every
language run; the digest sender reads it back, so what is mailed is exactly what is on the
site and sending never re-runs the build. This module is the one definition of the format:

    {"version": 1, "lang": "en", "site_url": "https://…", "generated_at": "<ISO, UTC: newest date in the content>",
     "articles": [{"title", "url" (absolute), "lang", "category", "tags": [..],
                   "date" / "modified" (ISO with offset), "summary" (plain text),
                   "image": {"url", "alt", "width", "height"} | null,
                   "translation_key", "is_sensitive"}, ...]}   # newest first
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

VERSION = 1
FILENAME = "newsletter/manifest.json"


class ManifestError(ValueError):
    """The manifest is missing or malformed; the message names the file, the field and the fix."""


@dataclass(frozen=True)
class LeadImage:
    url: str
    alt: str
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class ManifestArticle:
    """One published article as the digest sees it."""

    title: str
    url: str
    lang: str
    category: str
    date: datetime
    summary: str = ""
    tags: tuple[str, ...] = ()
    modified: datetime | None = None
    image: LeadImage | None = None
    translation_key: str = ""
    is_sensitive: bool = False

    def to_json(self) -> dict:
        data = asdict(self)
        data["date"] = self.date.isoformat()
        data["modified"] = self.modified.isoformat() if self.modified else None
        data["tags"] = list(self.tags)
        return data


@dataclass(frozen=True)
class Manifest:
    lang: str
    site_url: str
    generated_at: datetime
    articles: tuple[ManifestArticle, ...] = field(default_factory=tuple)


def path_for(output: Path, prefix: str) -> Path:
    """Where a language's manifest lives under the output folder ("" or "en/" prefix)."""
    return Path(output) / prefix / FILENAME


def dumps(manifest: Manifest) -> str:
    articles = sorted(manifest.articles, key=lambda a: (a.date, a.url), reverse=True)
    return json.dumps({
        "version": VERSION, "lang": manifest.lang, "site_url": manifest.site_url,
        "generated_at": manifest.generated_at.isoformat(),
        "articles": [article.to_json() for article in articles],
    }, ensure_ascii=False, indent=1)


def write(manifest: Manifest, path: Path) -> None:
    """Write atomically (temp file + rename), so a reader never sees half a manifest."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(dumps(manifest), encoding="utf-8")
    os.replace(tmp, path)


def _aware(value, where: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ManifestError(f"{where}: {value!r} is not an ISO date-time; rebuild the site "
                            "with `make html`") from None
    if parsed.tzinfo is None:
        raise ManifestError(f"{where}: {value!r} has no time zone; rebuild the site")
    return parsed


def read(path: Path) -> Manifest:
    """Read and validate a manifest written by the plugin."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{path}: no newsletter manifest; build the site first (`make html`) "
                            "with the newsletter_manifest plugin in PLUGINS") from None
    except ValueError as err:
        raise ManifestError(f"{path}: not valid JSON ({err}); rebuild the site") from None
    if raw.get("version") != VERSION:
        raise ManifestError(f"{path}: manifest version {raw.get('version')!r}, this sender "
                            f"reads version {VERSION}; rebuild the site")
    articles = [article_from_json(item, f"{path}: articles[{index}]")
                for index, item in enumerate(raw.get("articles") or [])]
    return Manifest(lang=raw.get("lang") or "", site_url=raw.get("site_url") or "",
                    generated_at=_aware(raw.get("generated_at"), f"{path}: generated_at"),
                    articles=tuple(articles))


def article_from_json(item: dict, where: str) -> ManifestArticle:
    """One article from its JSON form (manifest entry or ledger copy); ManifestError if bad."""
    missing = [name for name in ("title", "url", "lang", "category", "date") if not item.get(name)]
    if missing:
        raise ManifestError(f"{where} lacks {', '.join(missing)}; rebuild the site")
    image = item.get("image")
    return ManifestArticle(
        title=item["title"], url=item["url"], lang=item["lang"], category=item["category"],
        date=_aware(item["date"], f"{where}.date"),
        summary=item.get("summary") or "",
        tags=tuple(item.get("tags") or ()),
        modified=_aware(item["modified"], f"{where}.modified") if item.get("modified") else None,
        image=LeadImage(url=image["url"], alt=image.get("alt") or "", width=image.get("width"),
                        height=image.get("height")) if image else None,
        translation_key=item.get("translation_key") or "",
        is_sensitive=bool(item.get("is_sensitive")),
    )
