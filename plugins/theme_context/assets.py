"""Fingerprinted static files: content-hashed names so they can be cached for a year."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from core import svg


@dataclass(frozen=True)
class Asset:
    """A file to publish at `name` (relative to the theme's output folder)."""

    name: str
    data: bytes


def fingerprint(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:10]


def fingerprinted(relative: str, data: bytes) -> Asset:
    """`css/site.css` -> `css/site.<hash>.css`."""
    stem, dot, suffix = relative.rpartition(".")
    return Asset(f"{stem}.{fingerprint(data)}{dot}{suffix}", data)


_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_CSS_SPACE_AROUND = re.compile(r"\s*([{};,>])\s*")
_CSS_DECLARATIONS = re.compile(r"\{[^{}]*\}")


def minify_css(text: str) -> str:
    """Comments and layout whitespace removed; conservative, so no rule changes meaning.

    Spaces before `:` are kept (`a :hover` and `a:hover` differ); `>` is safe to tighten.
    """
    text = _CSS_COMMENT.sub("", text)
    text = " ".join(text.split())
    text = _CSS_SPACE_AROUND.sub(r"\1", text)
    # Inside declaration blocks (no nested braces) "color: red" -> "color:red".
    text = _CSS_DECLARATIONS.sub(lambda m: m.group(0).replace(": ", ":"), text)
    return text.replace(";}", "}").strip() + "\n"


def stylesheet(static: Path, relative: str) -> Asset:
    """The stylesheet, minified, under its fingerprinted name."""
    text = (static / relative).read_text(encoding="utf-8")
    return fingerprinted(relative, minify_css(text).encode("utf-8"))


def script_bundle(static: Path, parts: tuple[str, ...]) -> Asset | None:
    """One script from several files (missing or empty ones are skipped); None if all are."""
    chunks = []
    for relative in parts:
        path = static / relative
        if path.exists() and path.read_text(encoding="utf-8").strip():
            # Each file is its own statement list; `;` guards against a missing semicolon.
            chunks.append(f"/* {relative} */\n{path.read_text(encoding='utf-8').strip()}\n;")
    if not chunks:
        return None
    return fingerprinted("js/site.js", "\n".join(chunks).encode("utf-8"))


def svg_data_uri(path: Path) -> str:
    """An SVG file as a compact data: URI (percent-encoded, which beats base64 for SVG)."""
    if not path.exists() or svg.problems(path.read_bytes()):
        return ""  # an unsafe favicon is named by the content check and left out
    # Single quotes inside the SVG stay literal in the URI (double ones would be %22).
    text = " ".join(path.read_text(encoding="utf-8").split()).replace('"', "'")
    return "data:image/svg+xml," + quote(text, safe="/:=,'")
