"""The site's settings file read as plain values, for tools that run outside a build.

The build reads pelicanconf.py through Pelican (sitebuild/config.py); a command such as the
WordPress importer needs only a few plain values from it (categories, languages) and must not
import the build. The settings file is plain Python without imports, run once in isolation.
"""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any


def read(path: Path | str = "pelicanconf.py") -> dict[str, Any]:
    """The UPPER_CASE names the settings file defines."""
    values = runpy.run_path(str(path))
    return {name: value for name, value in values.items() if name.isupper()}
