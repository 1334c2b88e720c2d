"""Reading time that works for Cyrillic and Latin text alike."""

from __future__ import annotations

import math
import re

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)
# Words a minute for non-technical prose; Ukrainian words are longer on average.
WORDS_PER_MINUTE = {"uk": 180, "en": 220}


def word_count(markdown_text: str) -> int:
    text = re.sub(r"\([^)]*\)|\{[^}]*\}|<[^>]+>", " ", markdown_text)  # link targets, tags
    return len(_WORD.findall(text))


def minutes(markdown_text: str, lang: str) -> int:
    return minutes_for(word_count(markdown_text), lang)


def minutes_for(words: int, lang: str) -> int:
    return max(1, math.ceil(words / WORDS_PER_MINUTE.get(lang, 200)))
