"""Paths under the content folder: the build reads nothing that lies outside it."""

from __future__ import annotations

import os
from pathlib import PurePosixPath


def linked_part(root: str | os.PathLike, relative: str) -> str | None:
    """The first part of `relative` (a path under `root`) that is a symbolic link, as a path
    relative to `root`; None when no part is. A link, to a file or a folder, inside the
    content folder or out of it, is never followed: its target could be any file of the
    machine (`/etc/passwd`), published to the world."""
    current = os.fspath(root)
    parts = PurePosixPath(relative.replace(os.sep, "/")).parts
    for index, part in enumerate(parts):
        current = os.path.join(current, part)
        if os.path.islink(current):
            return "/".join(parts[:index + 1])
    return None


def under_link(relative: str, links) -> bool:
    """Whether `relative` is one of `links` (paths of symbolic links under the same root, as
    a scan of it found them) or lies in a linked folder: no system call per file."""
    parts = relative.replace(os.sep, "/").split("/")
    return any("/".join(parts[:index]) in links for index in range(1, len(parts) + 1))


# Scripts: the CSP (script-src 'self') runs any script of the site's origin, so a script
# under content/ is all an HTML file or an SVG beside it needs to run code. The site's
# scripts come from the theme; a script under content/ is never published.
SCRIPT_SUFFIXES = (".js", ".mjs")


def is_script(name: str) -> bool:
    """Whether `name` is a script, never published from content/."""
    return name.lower().endswith(SCRIPT_SUFFIXES)
