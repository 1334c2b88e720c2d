"""Sources written so that a second import changes nothing and an editor's work is never lost.

Each file carries `import_hash:` — a hash of the rest of the file as the importer wrote it. On
the next import a file is rewritten only when its text still has that hash (nobody touched it);
an edited file, or one the importer did not write, is kept and listed in the report. A file
whose new text equals the old is not written at all, so its time stamp stays.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

FIELD = "import_hash"
# In a Markdown header the stamp is a field; in a TOML file, a comment.
_STAMP = re.compile(rf"^(?:# )?{FIELD}:[ \t]*(?P<hash>[0-9a-f]+)[ \t]*\n", re.MULTILINE)

WRITTEN, UPDATED, UNCHANGED = "written", "updated", "unchanged"
KEPT_EDITED = "kept (edited since the last import)"
KEPT_FOREIGN = "kept (not written by the importer)"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _stamped(header: str, body: str, prefix: str = "") -> str:
    """Header, the stamp as its last line, blank line, body."""
    return f"{header}{prefix}{FIELD}: {_digest(f'{header}{chr(10)}{body}')}\n\n{body}"


def render(fields: list[tuple[str, str]], body: str) -> str:
    """A Markdown source: `key: value` header, blank line, body."""
    return _stamped("".join(f"{name}: {value}\n" for name, value in fields), body)


def render_toml(comments: list[str], entries: dict[str, str]) -> str:
    """A TOML file of string keys and values after a comment block."""
    header = "".join(f"# {line}\n" for line in comments)
    body = "".join(f"{json.dumps(key, ensure_ascii=False)} = "
                   f"{json.dumps(value, ensure_ascii=False)}\n" for key, value in entries.items())
    return _stamped(header, body, "# ")


def _header_end(text: str) -> int:
    end = text.find("\n\n")
    return len(text) if end < 0 else end + 1


def stamp_matches(text: str) -> bool | None:
    """True: untouched since written; False: edited; None: no stamp (not the importer's)."""
    match = _STAMP.search(text, 0, _header_end(text))
    if match is None:
        return None
    unstamped = text[:match.start()] + text[match.end():]
    return _digest(unstamped) == match["hash"]


def write(path: Path, text: str) -> str:
    """Write `text` unless that would change nothing or lose an edit; returns what happened."""
    if path.exists():
        current = path.read_text(encoding="utf-8", errors="replace")
        if current == text:
            return UNCHANGED
        untouched = stamp_matches(current)
        if untouched is None:
            return KEPT_FOREIGN
        if not untouched:
            return KEPT_EDITED
        state = UPDATED
    else:
        state = WRITTEN
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
    return state
