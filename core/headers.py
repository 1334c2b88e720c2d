"""A source's metadata with line numbers: Pelican's `Key: value` header or YAML front matter.

Python-Markdown's meta extension (which Pelican's reader uses) forgets where a field was
written; content checks need the line to point editors at it. The header's rules are the
same: `key: value` lines, indented continuation lines, a blank line (or `---`) ends it.
A source that opens with a `---` line has YAML front matter instead (core/frontmatter.py),
brought down to the same fields, so nothing after this module can tell the two apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core import frontmatter

_FIELD = re.compile(r"^[ ]{0,3}(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*)$")
_CONTINUATION = re.compile(r"^[ ]{4,}(?P<value>.*)$")
_FENCE = frontmatter.FENCE


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
    yaml: bool = False  # the metadata was YAML front matter (the body has no header left)
    problems: tuple[tuple[str, str, str, int], ...] = ()  # (field, problem, fix, line)


def parse(text: str) -> ParsedSource:
    """Split a Markdown source into header fields and body."""
    lines = text.splitlines()
    if frontmatter.starts(lines):
        return _parse_front_matter(lines)
    fields: dict[str, Field] = {}
    duplicates: list[Field] = []
    index = 0
    last: Field | None = None
    while index < len(lines):
        line = lines[index]
        if not line.strip() or _FENCE.match(line):
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
    return _split(lines, index, fields, duplicates)


def _parse_front_matter(lines: list[str]) -> ParsedSource:
    found = frontmatter.parse(lines)
    fields: dict[str, Field] = {}
    duplicates: list[Field] = []
    for name, value, line in found.fields:
        if name in fields:
            duplicates.append(Field(name, value, line))
        else:
            fields[name] = Field(name, value, line)
    return _split(lines, found.end, fields, duplicates, yaml=True, problems=found.problems)


def _split(lines: list[str], index: int, fields: dict[str, Field], duplicates: list[Field],
           **extra) -> ParsedSource:
    """The parse, with the body starting at the first non-blank line from `index`."""
    while index < len(lines) and not lines[index].strip():
        index += 1
    return ParsedSource(fields, tuple(duplicates), "\n".join(lines[index:]), index + 1, **extra)


def split_list(value: str) -> tuple[str, ...]:
    """A comma-separated field as a tuple of stripped, non-empty items."""
    return tuple(item.strip() for item in value.split(",") if item.strip())
