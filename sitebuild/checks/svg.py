"""SVG files under content/: refused when they could run code or fetch other files; scripts
(.js, .mjs) under content/: always refused.

The rule is core/svg.py; the site_content plugin leaves a refused file out of the output,
so `make html` goes on without it and `make publish` fails on the warning.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from core import svg
from core.findings import Finding
from core.paths import is_script

FIX = ("remove it: export the drawing as a plain SVG without scripts, event handlers or "
       "linked files (e.g. Inkscape: Save as > Optimized SVG), or publish a PNG instead")


def check(catalogue, settings: dict) -> Iterator[Finding]:
    for path in svg_files(catalogue.content_path):
        relative = path.relative_to(catalogue.content_path).as_posix()
        if is_script(path.name):
            yield Finding(relative, 1, "script", "is a script; scripts under content/ are not "
                          "published, since any page or SVG of the site could run it",
                          "remove it (the site's scripts come from the theme)")
            continue
        for line, problem in svg.problems(path.read_bytes()):
            yield Finding(relative, line, "svg", f"{problem}; the file is not published", FIX)


def svg_files(root: Path) -> list[Path]:
    """Every regular *.svg file (and script) under `root` (symbolic links are another
    check's concern)."""
    found = []
    for directory, _, names in os.walk(root):
        for name in names:
            path = Path(directory, name)
            if (name.lower().endswith(".svg") or is_script(name)) and path.is_file() \
                    and not path.is_symlink():
                found.append(path)
    return sorted(found)
