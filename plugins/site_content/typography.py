"""Typographic quotes, apostrophes, dashes and ellipses for Ukrainian and English.

Python-Markdown's smarty extension was the first choice, but it turned every Ukrainian
apostrophe (пам'ять) into an opening quote once the quotes were set to «», and its dozen
inline patterns doubled the cost of converting an article. This is one regular-expression
pass over the text of the finished tree, skipping code, with quotes chosen per language.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from markdown import Extension
from markdown.treeprocessors import Treeprocessor

# (opening double, closing double, opening single, closing single) per language.
QUOTES = {
    "uk": ("«", "»", "„", "“"),
    "en": ("“", "”", "‘", "’"),
}
APOSTROPHE = "’"
SKIP = frozenset({"code", "pre", "kbd", "samp", "script", "style", "math"})
_TOKENS = re.compile(r"---|--|\.\.\.|[\"']")
# After these (or at the start of the text) a quote opens; elsewhere it closes.
_OPENERS = frozenset(" \t\n\u00a0([{«„“‘—–-/")


def smarten(text: str, lang: str, before: str = " ") -> str:
    """`text` with typographic punctuation; `before` is the character preceding it."""
    open_double, close_double, open_single, close_single = QUOTES.get(lang, QUOTES["en"])

    def replace(match: re.Match) -> str:
        token, start = match.group(), match.start()
        if token == "---":
            return "—"
        if token == "--":
            return "–"
        if token == "...":
            return "…"
        previous = text[start - 1] if start else before
        following = text[start + 1:start + 2]
        if token == "'" and previous.isalnum() and following.isalpha():
            return APOSTROPHE  # inside a word: пам'ять, don't
        opening = previous in _OPENERS
        if token == '"':
            return open_double if opening else close_double
        return open_single if opening else close_single

    return _TOKENS.sub(replace, text)


class TypographyTreeprocessor(Treeprocessor):
    def __init__(self, md, lang: str) -> None:
        super().__init__(md)
        self.lang = lang

    def run(self, root: etree.Element) -> None:
        self._walk(root, " ")

    def _walk(self, element: etree.Element, before: str) -> str:
        """Smarten the element's text and its children's; returns the last character seen."""
        if element.tag in SKIP:
            return "x"  # code counts as a word character for the quote after it
        if element.text:
            element.text = smarten(element.text, self.lang, before)
            before = element.text[-1]
        for child in element:
            before = self._walk(child, before)
            if child.tail:
                child.tail = smarten(child.tail, self.lang, before)
                before = child.tail[-1]
        return before


class TypographyExtension(Extension):
    def __init__(self, **kwargs) -> None:
        self.config = {"lang": ["en", "Language whose quotation marks are used"]}
        super().__init__(**kwargs)

    def extendMarkdown(self, md) -> None:  # noqa: N802 (Markdown's API)
        # After the inline patterns (20) have produced the final text nodes.
        md.treeprocessors.register(TypographyTreeprocessor(md, self.getConfig("lang")),
                                   "typography", 15)
