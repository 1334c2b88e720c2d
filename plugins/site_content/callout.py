"""The clinic-comment callout: `!!! clinic-comment` (admonition syntax) as a styled aside.

Editors write the admonition block they may know from other Markdown tools; this tree
processor turns it into `<aside class="clinic-comment">` with a localised title.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree

from markdown import Extension
from markdown.treeprocessors import Treeprocessor

CLASS = "clinic-comment"
_DEFAULT_TITLE = CLASS.capitalize()  # what the admonition extension writes when none is given


class CalloutTreeprocessor(Treeprocessor):
    def __init__(self, md, title: str) -> None:
        super().__init__(md)
        self.title = title

    def run(self, root: etree.Element) -> None:
        for element in root.iter("div"):
            classes = element.get("class", "").split()
            if "admonition" not in classes or CLASS not in classes:
                continue
            element.tag = "aside"
            element.set("class", CLASS)
            heading = next((child for child in element
                            if "admonition-title" in child.get("class", "")), None)
            if heading is None:
                heading = etree.Element("p")
                element.insert(0, heading)
            if not heading.text or heading.text.strip() == _DEFAULT_TITLE:
                heading.text = self.title
            heading.set("class", f"{CLASS}__title")
            element.set("aria-label", heading.text)


class CalloutExtension(Extension):
    def __init__(self, **kwargs) -> None:
        self.config = {"title": ["Clinic comment", "Title shown when the block has none"]}
        super().__init__(**kwargs)

    def extendMarkdown(self, md) -> None:  # noqa: N802 (Markdown's API)
        # After the admonition processor has built its div (it is a block processor).
        md.treeprocessors.register(CalloutTreeprocessor(md, self.getConfig("title")),
                                   "clinic_callout", 5)
