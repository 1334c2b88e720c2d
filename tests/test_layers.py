"""Imports point down only (DESIGN.md, "Layers"): every import statement of every module is
read (an AST walk, imports inside functions included) and each one that points up is named.

    sitebuild/   the driver: may import core and the plugins
    plugins/     real Pelican plugins: import core (and the newsletter's formats), never sitebuild
    newsletter/  imports core, never sitebuild or a plugin
    importers/   one-off tools: import core, never sitebuild, a plugin or the newsletter
    core/        the bottom: libraries and Pelican only
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PLUGINS = sorted(path.name for path in (ROOT / "plugins").iterdir()
                 if (path / "__init__.py").is_file())

# (module file, imported module) pairs allowed to point up, each with the reason; an entry
# that no longer matches anything fails the test, so it cannot outlive its import. Empty:
# the render cache and reuse now live in the driver's engine (sitebuild/engine/).
ALLOWED: set[tuple[str, str]] = set()

# Top-level packages each layer must not import.
FORBIDDEN = {
    "plugins": ("sitebuild",),
    "newsletter": ("sitebuild", "plugins", *PLUGINS),
    "importers": ("sitebuild", "plugins", "newsletter", *PLUGINS),
    "core": ("sitebuild", "plugins", "newsletter", "importers", *PLUGINS),
}


def imported_modules(path: Path) -> set[str]:
    """Every module an import statement of the file names (relative imports left out: they
    stay inside their package)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def upward_imports() -> set[tuple[str, str]]:
    """(module file, imported module) for every import that points up a layer."""
    found = set()
    for layer, forbidden in FORBIDDEN.items():
        for path in sorted((ROOT / layer).rglob("*.py")):
            for module in imported_modules(path):
                if module.split(".")[0] in forbidden:
                    found.add((path.relative_to(ROOT).as_posix(), module))
    return found


def test_no_layer_imports_upward() -> None:
    offenders = sorted(upward_imports() - ALLOWED)
    assert offenders == [], "imports that point up a layer (move the shared code to core/):\n" \
        + "\n".join(f"  {path}: import {module}" for path, module in offenders)


def test_every_allowed_exception_is_still_needed() -> None:
    stale = sorted(ALLOWED - upward_imports())
    assert stale == [], "remove from ALLOWED, the import is gone:\n" + "\n".join(
        f"  {path}: {module}" for path, module in stale)


def test_the_walk_sees_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "late.py"
    module.write_text("def f():\n    from sitebuild.catalogue import x\n    import core.run\n"
                      "from . import sibling\n", encoding="utf-8")
    assert imported_modules(module) == {"sitebuild.catalogue", "core.run"}
