"""Safe messaging: sensitive articles, and phrasings guidelines advise against.

The phrase list is data (content/data/safe-messaging.toml); this module only reads and
applies it, so editors can extend the list without touching code.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

PLACES = ("title", "body")


@dataclass(frozen=True)
class Phrase:
    """One entry of the phrase list."""

    lang: str
    pattern: re.Pattern
    label: str  # what the editor wrote (phrase or regex), for messages
    why: str
    alternative: str
    places: tuple[str, ...]
    line: int  # where the entry starts in the data file


@dataclass(frozen=True)
class Hit:
    phrase: Phrase
    place: str  # "title" | "body"
    line_offset: int  # 0-based line within the body (0 for the title)
    text: str  # the words that matched


class PhraseListError(ValueError):
    """The phrase list file is malformed; the message names the line and the fix."""


def is_sensitive(tags: Iterable[str], sensitive_tags: Iterable[str]) -> bool:
    wanted = {tag.lower() for tag in sensitive_tags}
    return any(tag.strip().lower() in wanted for tag in tags)


def _entry_lines(text: str) -> list[int]:
    return [number for number, line in enumerate(text.splitlines(), 1)
            if line.strip() == "[[phrase]]"]


def load_phrases(path: Path) -> list[Phrase]:
    """Read the phrase list; raises PhraseListError naming the entry's line."""
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PhraseListError(f"{path}: {error}: fix the TOML syntax") from error
    lines = _entry_lines(text)
    phrases = []
    for index, entry in enumerate(data.get("phrase", [])):
        line = lines[index] if index < len(lines) else 1
        where = f"{path}:{line}"
        if ("phrase" in entry) == ("regex" in entry):
            raise PhraseListError(f"{where}: give exactly one of `phrase` or `regex`")
        for name in ("lang", "why", "alternative"):
            if not isinstance(entry.get(name), str) or not entry[name].strip():
                raise PhraseListError(f"{where}: `{name}` is missing: add {name} = \"...\"")
        places = tuple(entry.get("in", PLACES))
        if not places or any(place not in PLACES for place in places):
            raise PhraseListError(f"{where}: `in` must list some of {', '.join(PLACES)}")
        if "phrase" in entry:
            label = entry["phrase"]
            # A literal phrase matches whole words, any spacing, any case.
            source = r"(?<!\w)" + r"\s+".join(map(re.escape, label.split())) + r"(?!\w)"
        else:
            label = source = entry["regex"]
        try:
            pattern = re.compile(source, re.IGNORECASE)
        except re.error as error:
            raise PhraseListError(f"{where}: the regex does not compile ({error})") from error
        phrases.append(Phrase(entry["lang"], pattern, label, entry["why"].strip(),
                              entry["alternative"].strip(), places, line))
    return phrases


def scan(title: str, body: str, lang: str, phrases: Iterable[Phrase]) -> Iterator[Hit]:
    """Every phrase of the language found in the title or in the body (line by line)."""
    phrases = [phrase for phrase in phrases if phrase.lang == lang]
    for phrase in phrases:
        if "title" in phrase.places and (match := phrase.pattern.search(title)):
            yield Hit(phrase, "title", 0, match.group(0))
        if "body" in phrase.places:
            for offset, line in enumerate(body.splitlines()):
                for match in phrase.pattern.finditer(line):
                    yield Hit(phrase, "body", offset, match.group(0))
