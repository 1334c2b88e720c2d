"""Pure core: one published article (plain attributes) -> a manifest record.

No pelican import: tests feed plain objects. Lead image sizes are read from the file itself
(SVG width/height or viewBox, PNG header, JPEG SOF) so the email can give width and height.
"""

from __future__ import annotations

import re
import struct
from datetime import datetime
from pathlib import Path
from urllib.parse import urljoin

from markupsafe import Markup

from newsletter.digest.manifest import LeadImage, ManifestArticle

_SVG_SIZE = re.compile(rb'<svg\b[^>]*?\swidth="([\d.]+)(?:px)?"[^>]*?\sheight="([\d.]+)(?:px)?"',
                       re.S)
_SVG_VIEWBOX = re.compile(rb'<svg\b[^>]*?viewBox="[\d.\-]+[ ,]+[\d.\-]+[ ,]+([\d.]+)[ ,]+([\d.]+)"',
                          re.S)


def plain_text(html_or_text: str) -> str:
    """Tags stripped, entities decoded, whitespace collapsed."""
    return " ".join(Markup(html_or_text or "").striptags().split())


def image_size(path: Path) -> tuple[int | None, int | None]:
    """(width, height) in pixels of an SVG, PNG or JPEG file; (None, None) when unknown."""
    try:
        head = path.read_bytes()[:65536]
    except OSError:
        return None, None
    if path.suffix.lower() == ".svg":
        match = _SVG_SIZE.search(head) or _SVG_VIEWBOX.search(head)
        return (round(float(match.group(1))), round(float(match.group(2)))) if match else (None,
                                                                                          None)
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return struct.unpack(">II", head[16:24])
    if head[:2] == b"\xff\xd8":
        index = 2
        while index + 9 < len(head):
            if head[index] != 0xFF:
                break
            marker, length = head[index + 1], struct.unpack(">H", head[index + 2:index + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", head[index + 5:index + 9])
                return width, height
            index += 2 + length
    return None, None


def image_location(value: str, site_url: str, content_path: Path) -> tuple[str, Path | None]:
    """Absolute URL and source file of an `image` field ({static}/images/x.svg, /images/x.svg,
    or an absolute URL)."""
    value = value.strip()
    for marker in ("{static}", "{attach}", "{filename}"):
        if value.startswith(marker):
            value = value[len(marker):]
            break
    if value.startswith(("http://", "https://")):
        return value, None
    relative = value.lstrip("/")
    return urljoin(site_url.rstrip("/") + "/", relative), content_path / relative


def record(*, title: str, url: str, lang: str, category: str, tags, date: datetime,
           modified: datetime | None, summary: str, image: str | None, image_alt: str,
           translation_key: str, is_sensitive: bool, site_url: str,
           content_path: Path) -> ManifestArticle:
    """The manifest record of one article; `url` may be site-relative."""
    lead = None
    if image:
        image_url, source = image_location(image, site_url, content_path)
        width, height = image_size(source) if source else (None, None)
        lead = LeadImage(url=image_url, alt=plain_text(image_alt), width=width, height=height)
    absolute = url if url.startswith(("http://", "https://")) else \
        urljoin(site_url.rstrip("/") + "/", url.lstrip("/"))
    return ManifestArticle(
        title=plain_text(title), url=absolute, lang=lang, category=category,
        tags=tuple(str(tag) for tag in tags or ()), date=date, modified=modified,
        summary=plain_text(summary), image=lead, translation_key=translation_key,
        is_sensitive=bool(is_sensitive))
