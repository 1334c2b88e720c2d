"""An Elementor page (`_elementor_data`, a JSON tree) as one HTML fragment.

Builder items keep their real content here; `content:encoded` is only what Elementor's
`save_plain_text()` last flattened, possibly stale. Layout nodes (section, column, container)
are walked in order; each widget type we know becomes plain HTML; every other widget is
reported with its type (and its text, when it has an obvious one, is kept).
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from typing import Any

LAYOUT = frozenset({"section", "column", "container"})
_HEADING_SIZES = {f"h{n}" for n in range(1, 7)}


class ElementorUnreadable(ValueError):
    """`_elementor_data` is not the JSON tree Elementor writes."""


def to_html(data: str, report: Callable[[str, str], None],
            attachment_alt: Callable[[int], str] = lambda _id: "") -> str:
    """HTML of the tree; `report(kind, detail)` is called for converted and unknown widgets."""
    try:
        tree = json.loads(data)
    except json.JSONDecodeError as error:
        raise ElementorUnreadable(f"_elementor_data is not JSON ({error})") from None
    if not isinstance(tree, list):
        raise ElementorUnreadable("_elementor_data is not a list of elements")
    parts: list[str] = []
    _walk(tree, parts, report, attachment_alt)
    return "\n".join(part for part in parts if part)


def _walk(nodes: list, parts: list[str], report, attachment_alt) -> None:
    for node in nodes:
        if not isinstance(node, dict):
            continue
        kind = node.get("elType")
        if kind in LAYOUT:
            _walk(node.get("elements") or [], parts, report, attachment_alt)
        elif kind == "widget":
            settings = node.get("settings") or {}
            if not isinstance(settings, dict):  # an empty PHP array arrives as []
                settings = {}
            parts.append(_widget(str(node.get("widgetType", "")), settings, report,
                                 attachment_alt))
        else:
            report("elementor-unknown", f"element type {kind!r}")
            _walk(node.get("elements") or [], parts, report, attachment_alt)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _url(value: Any) -> str:
    return _text(value.get("url")) if isinstance(value, dict) else _text(value)


def _widget(kind: str, settings: dict, report, attachment_alt) -> str:
    if kind == "text-editor":
        return _text(settings.get("editor"))
    if kind == "heading":
        size = _text(settings.get("header_size")) or "h2"  # Elementor's default when unset
        size = size if size in _HEADING_SIZES else "h2"
        title = _text(settings.get("title"))
        return f"<{size}>{title}</{size}>" if title.strip() else ""
    if kind == "image":
        image = settings.get("image") if isinstance(settings.get("image"), dict) else {}
        src = _url(image)
        if not src:
            return ""
        alt = _text(image.get("alt")) or attachment_alt(_id(image.get("id")))
        caption = _text(settings.get("caption")) \
            if settings.get("caption_source") == "custom" else ""
        img = f'<img src="{html.escape(src)}" alt="{html.escape(alt)}">'
        if caption:
            return f"<figure>{img}<figcaption>{html.escape(caption)}</figcaption></figure>"
        return f"<p>{img}</p>"
    if kind == "video":
        url = _text(settings.get("youtube_url")) or _text(settings.get("vimeo_url")) \
            or _url(settings.get("hosted_url")) or _text(settings.get("external_url"))
        # As WordPress's own [embed]: the body converter makes the privacy-enhanced player.
        return f"<p>[embed]{html.escape(url)}[/embed]</p>" if url else ""
    if kind == "button":
        text, url = _text(settings.get("text")), _url(settings.get("link"))
        if not text:
            return ""
        return f'<p><a href="{html.escape(url)}">{text}</a></p>' if url else f"<p>{text}</p>"
    if kind == "icon-list":
        items = []
        for entry in settings.get("icon_list") or []:
            if not isinstance(entry, dict) or not _text(entry.get("text")):
                continue
            url = _url(entry.get("link"))
            text = _text(entry.get("text"))
            items.append(f'<li><a href="{html.escape(url)}">{text}</a></li>' if url
                         else f"<li>{text}</li>")
        return f"<ul>{''.join(items)}</ul>" if items else ""
    if kind == "divider":
        return "<hr>"
    if kind == "spacer":
        return ""
    if kind == "html":
        report("elementor-converted", "html widget (passed through the sanitiser)")
        return _text(settings.get("html"))
    if kind == "shortcode":
        return f"<p>{_text(settings.get('shortcode'))}</p>"
    report("elementor-unknown", f"widget {kind!r}")
    # Text an unknown widget obviously carries is kept rather than lost.
    kept = [_text(settings.get(name)) for name in ("title_text", "title", "description_text",
                                                     "editor", "text")]
    return "".join(f"<p>{text}</p>" for text in kept if text.strip())


def _id(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
