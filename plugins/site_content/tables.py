"""Tables in a scroll box a keyboard can reach: wide tables scroll sideways on a phone.

A table wider than the screen scrolls inside its own box so the page never does; a keyboard
user can only scroll that box if it can take focus (WCAG 2.1.1; axe's
`scrollable-region-focusable`). So every table is wrapped in
`<div class="table-scroll" role="region" tabindex="0">`, named by the heading of its section
(`aria-labelledby`) or, with none, by a localised "Table". Tables written as raw HTML are
wrapped too (they are still sanitised afterwards, like all raw HTML).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from markdown import Extension
from markdown.treeprocessors import Treeprocessor

CLASS = "table-scroll"
LABELS = {"uk": "Таблиця", "en": "Table"}
HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_RAW_OPEN = re.compile(r"<table\b", re.IGNORECASE)
_RAW_CLOSE = re.compile(r"</table\s*>", re.IGNORECASE)


def wrapper_attributes(label: str, heading_id: str | None = None) -> dict[str, str]:
    named = {"aria-labelledby": heading_id} if heading_id else {"aria-label": label}
    return {"class": CLASS, "role": "region", "tabindex": "0", **named}


def wrap_raw(html: str, label: str) -> str:
    """Raw HTML with each `<table>` inside a scroll box (each opening tag gets a box and each
    closing tag closes one, so nested tables stay balanced)."""
    attributes = " ".join(f'{name}="{value}"' for name, value in wrapper_attributes(label).items())
    html = _RAW_OPEN.sub(lambda match: f"<div {attributes}>{match[0]}", html)
    return _RAW_CLOSE.sub(lambda match: f"{match[0]}</div>", html)


class TableTreeprocessor(Treeprocessor):
    def __init__(self, md, label: str) -> None:
        super().__init__(md)
        self.label = label

    def run(self, root: etree.Element) -> None:
        parents = {child: parent for parent in root.iter() for child in parent}
        heading = None
        found = []
        for element in root.iter():  # document order: the last heading is the table's section
            if element.tag in HEADINGS:
                heading = element
            elif element.tag == "table":
                found.append((element, heading))
        for table, section in found:
            heading_id = section.get("id") if section is not None else None
            box = etree.Element("div", wrapper_attributes(self.label, heading_id))
            parent = parents[table]
            parent.insert(list(parent).index(table), box)
            parent.remove(table)
            box.append(table)
            box.tail, table.tail = table.tail, None
        stash = self.md.htmlStash.rawHtmlBlocks
        for index, block in enumerate(stash):
            if isinstance(block, str) and _RAW_OPEN.search(block):
                stash[index] = wrap_raw(block, self.label)


class TableExtension(Extension):
    def __init__(self, **kwargs) -> None:
        self.config = {"lang": ["en", "Language of the name of a table without a heading"]}
        super().__init__(**kwargs)

    def extendMarkdown(self, md) -> None:  # noqa: N802 (Markdown's API)
        label = LABELS.get(self.getConfig("lang"), LABELS["en"])
        # After the toc processor (5) has given the headings their ids.
        md.treeprocessors.register(TableTreeprocessor(md, label), "table_scroll", 4)
