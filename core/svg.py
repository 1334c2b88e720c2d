"""What makes an SVG unsafe to publish: scripts, event handlers, external references.

An SVG is a document, not a picture: opened on its own (`/images/x.svg`) it runs its
`<script>`, its `onload=` handlers and `javascript:` links with the site's origin, and it can
pull in other files through `href`, `url(...)` or `@import`. The build refuses such files
(sitebuild/checks/svg.py names each problem; the site_content plugin leaves the file out)
rather than rewriting them: an editor's image is published as drawn, or not at all.

Parsed with lxml with entity expansion, DTD loading and network access off.
"""

from __future__ import annotations

import re

from lxml import etree

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          dtd_validation=False, huge_tree=False, remove_comments=True)
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
# References that stay inside the file, or an embedded raster image.
_LOCAL_REFERENCE = re.compile(r"^\s*(#|data:image/(png|jpeg|gif|webp)[;,])", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)[^)]*\)|@import", re.IGNORECASE)
_ACTIVE_ELEMENTS = {"script": "a <script> element", "foreignobject": "a <foreignObject> element",
                    "iframe": "an <iframe> element", "embed": "an <embed> element",
                    "object": "an <object> element", "handler": "a <handler> element",
                    "listener": "a <listener> element"}
_ANIMATIONS = {"set", "animate", "animatemotion", "animatetransform", "discard"}


def problems(data: bytes) -> list[tuple[int, str]]:
    """(line, problem) for everything that would make the SVG run code or fetch a file;
    an empty list when it is safe to publish as it is."""
    if b"<!ENTITY" in data:
        return [(_line_of(data, b"<!ENTITY"), "declares XML entities (a DOCTYPE with <!ENTITY>)")]
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as error:
        return [(error.lineno or 1, f"is not well-formed XML ({error.msg})")]
    if etree.QName(root).localname != "svg":
        return [(root.sourceline or 1, f"its root element is <{etree.QName(root).localname}>, "
                                       "not <svg>")]
    found: list[tuple[int, str]] = []
    for element in root.iter():
        if not isinstance(element.tag, str):  # processing instructions
            found.append((element.sourceline or 1, "has a processing instruction"))
            continue
        name = etree.QName(element).localname.lower()
        line = element.sourceline or 1
        if name in _ACTIVE_ELEMENTS:
            found.append((line, f"has {_ACTIVE_ELEMENTS[name]}"))
        if name == "style" and element.text and _CSS_URL.search(element.text):
            found.append((line, "has a <style> that loads another file (url(...) or @import)"))
        if name in _ANIMATIONS and (element.get("attributeName") or "").endswith("href"):
            found.append((line, f"has <{name}> that changes a link (attributeName="
                                f"{element.get('attributeName')!r})"))
        for attribute, value in element.attrib.items():
            local = etree.QName(attribute).localname.lower()
            if local.startswith("on"):
                found.append((line, f"has an event handler {local}= on <{name}>"))
            elif (attribute == _XLINK_HREF or local == "href") and not _LOCAL_REFERENCE.match(value):
                found.append((line, f"refers to {value.strip()[:80]!r} outside the file "
                                    f"(<{name} {local}=...>)"))
            elif local == "style" and _CSS_URL.search(value):
                found.append((line, f"has a style= that loads another file on <{name}>"))
    return found


def _line_of(data: bytes, needle: bytes) -> int:
    return data[: data.find(needle)].count(b"\n") + 1
