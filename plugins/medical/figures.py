"""Figures quoted in an article's text (a percentage, a sample size "n = 41") and whether the
sentence that quotes them cites a source with `[@key]`.

A figure from a study is only checkable with its reference next to it, so the content check
(plugins/medical/checks.py) warns about every sentence that quotes one and cites nothing.
Pure text functions: no pelican, no settings beyond the patterns passed in.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from medical.references import CITATION

# A new unit starts at a list item, a table row, a heading or a quote, even without a blank line.
_BLOCK_START = re.compile(r"^\s*(?:[-*+]\s|\d+[.)]\s|\||#|>)")
_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_SPAN = re.compile(r"(`+).+?\1")
# A sentence ends at . ! ? … followed by space and a capital, a digit or an opening quote.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[«\"“(\[]?[A-ZА-ЯІЇЄҐ0-9])")


@dataclass(frozen=True)
class UncitedFigure:
    line: int       # 0-based line of the text where the figure is
    figure: str     # the figure as written, e.g. "26.7%"
    sentence: str


@functools.lru_cache(maxsize=8)
def _pattern(patterns: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns), re.IGNORECASE)


def _units(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first line, lines) of each paragraph, list item or table row; fenced code is skipped."""
    start, current, in_fence = 0, [], False
    for number, line in enumerate(text.splitlines()):
        fence = bool(_FENCE.match(line))
        if fence or in_fence or not line.strip() or _BLOCK_START.match(line):
            if current:
                yield start, current
            current = []
            in_fence ^= fence
            if fence or in_fence or not line.strip():
                continue
        if not current:
            start = number
        current.append(_CODE_SPAN.sub("", line.strip()))
        if line.lstrip().startswith("|"):  # a table row is a unit of its own
            yield start, current
            current = []
    if current:
        yield start, current


def _sentences(text: str) -> Iterator[tuple[int, str]]:
    """(offset, sentence) of each sentence of a unit."""
    begin = 0
    for boundary in [*_SENTENCE_END.finditer(text), None]:
        yield begin, text[begin:boundary.start() if boundary else len(text)]
        if boundary:
            begin = boundary.end()


def uncited_figures(text: str, patterns: tuple[str, ...]) -> Iterator[UncitedFigure]:
    """Each sentence of `text` that quotes a figure matching `patterns` and cites nothing."""
    pattern = _pattern(patterns)
    if not pattern.search(text):  # most articles quote no figure at all
        return
    for start, lines in _units(text):
        unit = " ".join(lines)
        ends = [len(" ".join(lines[:number + 1])) for number in range(len(lines))]
        for begin, sentence in _sentences(unit):
            found = pattern.search(sentence)
            if found and not CITATION.search(sentence):
                at = begin + found.start()  # the line of the figure itself
                yield UncitedFigure(start + sum(1 for end in ends if end < at),
                                    found.group(0).strip(), sentence.strip())
