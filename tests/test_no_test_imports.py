"""No production module imports the tests: fakes and fixtures stay out of what runs on a server.

Benchmarks that need the fakes live in bench/. The check reads the sources (ast): import
statements, `importlib.import_module("tests…")` / `__import__`, a `tests.…` module name given to
`python -m`, and Python source held in a string (`python -c "from tests… import …"`).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = ("newsletter", "sitebuild", "core", "plugins", "importers")
MODULE_NAME = re.compile(r"tests(\.\w+)*")


def _is_tests(module: str | None) -> bool:
    return module is not None and (module == "tests" or module.startswith("tests."))


def test_imports(source: str) -> list[tuple[int, str]]:
    """(line, what) for every way `source` reaches the tests package."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, f"import {a.name}") for a in node.names if _is_tests(a.name)]
        elif isinstance(node, ast.ImportFrom) and not node.level and _is_tests(node.module):
            found.append((node.lineno, f"from {node.module} import ..."))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value.strip()
            if MODULE_NAME.fullmatch(text):
                found.append((node.lineno, f"module name {text!r}"))
            elif "tests" in text and "import" in text:
                try:
                    inner = test_imports(text)
                except SyntaxError:  # prose that mentions tests, not code
                    continue
                found += [(node.lineno, f"code in a string: {what}") for _, what in inner]
    return found


test_imports.__test__ = False  # a helper, not a test


def _sources():
    for package in PRODUCTION:
        yield from sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("source", [
    "import tests.fakes.mailchimp",
    "from tests.fakes import mailchimp",
    "import importlib\nimportlib.import_module('tests.fakes.mailchimp')",
    "import subprocess, sys\nsubprocess.run([sys.executable, '-m', 'tests.fakes.mailchimp'])",
    "FAKE = ('import sys; from tests.fakes import mailchimp as fake; '\n"
    "        'sys.exit(fake.main(sys.argv[1:]))')",
])
def test_the_check_sees_each_way_in(source):
    assert test_imports(source)


@pytest.mark.parametrize("source", [
    "import testsuite", "from .tests import x", "HELP = 'the tests import nothing from here'",
    "DOC = 'tests: see tests/test_build.py'",
])
def test_the_check_leaves_lookalikes_alone(source):
    assert test_imports(source) == []


def test_no_production_module_imports_the_tests():
    offenders = [f"{path.relative_to(ROOT)}:{line}: {what}"
                 for path in _sources()
                 for line, what in test_imports(path.read_text(encoding="utf-8"))]
    assert offenders == [], "production code must not import tests/ (move it to bench/):\n" + \
        "\n".join(offenders)
    assert sum(1 for _ in _sources()) > 50  # the walk did find the packages
