"""Markdown inline citations: `[@key]` → a superscript number linking to the reference list.

    <sup class="citation"><a href="#ref-key" id="cite-key-1">[1]</a></sup>

Numbers come from `references.citation_order` over the whole document (cited keys by first
appearance, then the article's `references:` header), computed before inline parsing, so the
list rendered by the theme (`article.reference_list`) uses the same numbers. Unknown keys are
left as written; the content check reports them with the file and line.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree
from collections import Counter
from collections.abc import Iterable

from markdown import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor

from medical.references import CITATION, _KEY, citation_order


def known_references(settings: dict) -> frozenset[str] | None:
    """Keys of references.toml for a Pelican run (the driver's or plain `pelican`'s); None
    without a content folder (accept all).

    Read from the file, as the catalogue reads it, not from the catalogue: a run converts
    its Markdown before the catalogue is ready."""
    if not settings.get("PATH"):
        return None
    import tomllib
    from pathlib import Path

    path = Path(settings["PATH"]) / settings.get("REFERENCES_FILE", "data/references.toml")
    try:
        return frozenset(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return frozenset()  # as the catalogue: an unreadable file has no keys (checks say why)


class _NumberCitations(Preprocessor):
    """Decides the numbers for the document before any inline pattern runs."""

    def __init__(self, md, extension: CitationExtension) -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, lines: list[str]) -> list[str]:
        meta = getattr(self.md, "Meta", {}) or {}
        header = [key.strip() for value in meta.get("references", ())
                  for key in value.split(",") if key.strip()]
        order = citation_order("\n".join(lines), header, self.extension.references)
        self.md.citation_numbers = {key: number for number, key in enumerate(order, 1)}
        self.md.citation_seen = Counter()
        return lines


class _CitationPattern(InlineProcessor):
    def handleMatch(self, match, data):  # noqa: N802 (Markdown's API name)
        numbers = getattr(self.md, "citation_numbers", {})
        keys = _KEY.findall(match["keys"])
        if not keys or any(key not in numbers for key in keys):
            return None, None, None  # leave the text as written; the check names it
        seen = self.md.citation_seen
        wrapper = etree.Element("span", {"class": "citations"}) if len(keys) > 1 else None
        elements = []
        for key in keys:
            seen[key] += 1
            sup = etree.Element("sup", {"class": "citation"})
            link = etree.SubElement(sup, "a", {"href": f"#ref-{key}",
                                               "id": f"cite-{key}-{seen[key]}"})
            link.text = f"[{numbers[key]}]"
            elements.append(sup)
        if wrapper is None:
            return elements[0], match.start(0), match.end(0)
        wrapper.extend(elements)
        return wrapper, match.start(0), match.end(0)


class CitationExtension(Extension):
    """Register with `CitationExtension(references=<keys of references.toml or None>)`."""

    def __init__(self, references: Iterable[str] | None = None, **kwargs) -> None:
        self.references = frozenset(references) if references is not None else None
        super().__init__(**kwargs)

    def extendMarkdown(self, md) -> None:  # noqa: N802 (Markdown's API name)
        # After the meta preprocessor (27) so the `references:` header is known.
        md.preprocessors.register(_NumberCitations(md, self), "citation_numbers", 5)
        # Before links (160) so `[@key]` is never read as a reference link.
        md.inlinePatterns.register(_CitationPattern(CITATION.pattern, md), "citation", 175)
