"""YAML front matter (`---` … `---`), read into the same fields as Pelican's `Key: value` header.

The web editor writes YAML; editors in a terminal write `Key: value`. Both must mean the same
to every check and template, so YAML is brought down to what the header gives: one text value
per field, lists joined with ", " (the header's list syntax), each with the line of its key.
Scalars are kept as written (no YAML typing: `2025-03-14` stays a string, the site reads the
date itself, as it does for the header); an empty value or `null` is the same as no field.
Parsing is PyYAML's composer, which keeps the line of every key, duplicates included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

FENCE = re.compile(r"^-{3}\s*$")
_END = re.compile(r"^(?:-{3}|\.{3})\s*$")
_KEY_ON_LINE = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*:")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: same nodes

# Fields that take several values (comma-separated in the header, a YAML list here).
LIST_FIELDS = frozenset({"tags", "authors", "author", "references", "related", "related_exclude",
                         "old_urls"})
NAME = "front matter"  # the field named in problems that belong to no one field


@dataclass(frozen=True)
class FrontMatter:
    """What the front matter says: (name, value, line) in file order, duplicates included;
    problems as (field, problem, fix, line); the index of the first line after it."""

    fields: tuple[tuple[str, str, int], ...]
    problems: tuple[tuple[str, str, str, int], ...]
    end: int


def starts(lines: list[str]) -> bool:
    """Whether a source opens with a `---` line, i.e. has YAML front matter."""
    return bool(lines) and FENCE.match(lines[0]) is not None


def parse(lines: list[str]) -> FrontMatter:
    """Read the front matter at the top of `lines` (which must start with `---`)."""
    close = next((index for index in range(1, len(lines)) if _END.match(lines[index])), None)
    if close is None:
        return FrontMatter((), ((NAME, "has no closing `---` line",
                                 "end the front matter with a line of three hyphens, "
                                 "then a blank line and the text", 1),), 1)
    text = "\n".join(lines[1:close])
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        return FrontMatter((), (_syntax_problem(error, lines),), close + 1)
    except yaml.YAMLError as error:
        return FrontMatter((), ((NAME, f"is not valid YAML: {error}", _SYNTAX_FIX, 2),), close + 1)
    if root is None:
        return FrontMatter((), (), close + 1)
    if not isinstance(root, yaml.MappingNode):
        return FrontMatter((), ((NAME, "is not a list of `field: value` lines",
                                 "write one `field: value` per line", _line(root)),), close + 1)
    fields: list[tuple[str, str, int]] = []
    problems: list[tuple[str, str, str, int]] = []
    for key, node in root.value:
        if not isinstance(key, yaml.ScalarNode) or not key.value.strip():
            problems.append((NAME, "has a field without a plain name",
                             "start the line with a lowercase field name and a colon",
                             _line(key)))
            continue
        name = key.value.strip().lower()
        value = _value(name, node, problems)
        if value:
            fields.append((name, value, _line(key)))
    return FrontMatter(tuple(fields), tuple(problems), close + 1)


_SYNTAX_FIX = ("check the indentation, and put values that contain ': ' or ' #' or start with "
               "a quote, [, {, *, & or ! in double quotes")


def _syntax_problem(error: yaml.MarkedYAMLError, lines: list[str]) -> tuple[str, str, str, int]:
    mark = error.problem_mark or error.context_mark
    line = mark.line + 2 if mark is not None else 2  # +1: 1-based, +1: the opening fence
    match = _KEY_ON_LINE.match(lines[line - 1]) if line - 1 < len(lines) else None
    field = match[1].lower() if match else NAME
    if "mapping values are not allowed" in (error.problem or ""):
        fix = f'the value contains ": ": put it in double quotes, e.g. {field}: "…: …"'
    else:
        fix = _SYNTAX_FIX
    return field, f"is not valid YAML: {error.problem or error}", fix, line


def _value(name: str, node: yaml.Node, problems: list) -> str:
    """The field's text as the `Key: value` header would give it ("" for none)."""
    if isinstance(node, yaml.ScalarNode):
        return "" if node.tag.endswith(":null") else node.value.strip()
    if isinstance(node, yaml.SequenceNode):
        if name not in LIST_FIELDS and name in _SINGLE:
            problems.append((name, "is a list, but takes one value",
                             f"write one value: `{name}: …`", _line(node)))
            return ""
        items = []
        for item in node.value:
            if not isinstance(item, yaml.ScalarNode):
                problems.append((name, "has a list item that is not plain text",
                                 "write each item as `- text` on its own line", _line(item)))
                continue
            text = "" if item.tag.endswith(":null") else item.value.strip()
            if "," in text:
                problems.append((name, f"list item {text!r} contains a comma, which makes it "
                                 "two items", "write it without the comma", _line(item)))
            if text:
                items.append(text)
        return ", ".join(items)
    problems.append((name, "is a set of `key: value` pairs, but takes a value or a list",
                     f"write `{name}: …` on one line, or a list of `- …` lines", _line(node)))
    return ""


# Fields documented in CONTENT.md as taking one value: a list there is a mistake, not a join.
_SINGLE = frozenset({"title", "date", "modified", "category", "summary", "slug", "lang",
                     "translation_key", "status", "reviewed_by", "reviewed_on", "image",
                     "image_alt", "menu", "order"})


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 2
