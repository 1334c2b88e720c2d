"""Pelican's `Key: value` Markdown header, parsed with line numbers.

Python-Markdown's meta extension (which Pelican's reader uses) forgets where a field was
written; content checks need the line to point editors at it. The rules are the same:
optional `---` fence, `key: value` lines, indented continuation lines, blank line ends it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FIELD = re.compile(r"^[ ]{0,3}(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*)$")
_CONTINUATION = re.compile(r"^[ ]{4,}(?P<value>.*)$")
_FENCE = re.compile(r"^-{3}\s*$")


@dataclass(frozen=True)
class Field:
    """One header field: its (lowercased) name, raw value and 1-based line number."""

    name: str
    value: str
    line: int


@dataclass(frozen=True)
class ParsedSource:
    fields: dict[str, Field]
    duplicates: tuple[Field, ...]
    body: str
    body_line: int


def parse(text: str) -> ParsedSource:
    """Split a Markdown source into header fields and body."""
    lines = text.splitlines()
    fields: dict[str, Field] = {}
    duplicates: list[Field] = []
    index = 0
    if lines and _FENCE.match(lines[0]):
        index = 1
    last: Field | None = None
    while index < len(lines):
        line = lines[index]
        if not line.strip() or (index > 0 and _FENCE.match(line)):
            if line.strip():  # closing fence
                index += 1
            break
        match = _FIELD.match(line)
        if match:
            last = Field(match["key"].lower(), match["value"].strip(), index + 1)
            if last.name in fields:
                duplicates.append(last)
            else:
                fields[last.name] = last
        elif last is not None and _CONTINUATION.match(line):
            joined = f"{fields[last.name].value}\n{line.strip()}"
            last = Field(last.name, joined.strip(), fields[last.name].line)
            fields[last.name] = last
        else:
            break  # first line that is not a header: the body starts here
        index += 1
    while index < len(lines) and not lines[index].strip():
        index += 1
    return ParsedSource(fields, tuple(duplicates), "\n".join(lines[index:]), index + 1)


def split_list(value: str) -> tuple[str, ...]:
    """A comma-separated field as a tuple of stripped, non-empty items."""
    return tuple(item.strip() for item in value.split(",") if item.strip())
