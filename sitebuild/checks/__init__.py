"""Content checks: every problem in every file, reported in one run.

Each check module exposes `check(catalogue, settings) -> Iterable[Finding]`. Findings print as
`path:line: field: problem — fix`. `make html` shows them and builds anyway; `make check` and
`make publish` fail on any warning.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

WARNING, NOTICE = "warning", "notice"


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    field: str
    problem: str
    fix: str
    level: str = WARNING  # notices are listed but never fail a build

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.field}: {self.problem} — {self.fix}"


# Modules under sitebuild/checks/, run in this order.
CHECK_MODULES = ("structure", "medical", "safety", "svg", "limits")


def run_all(catalogue, settings: dict) -> list[Finding]:
    """Every finding of every check, sorted by file and line."""
    findings: list[Finding] = []
    for name in CHECK_MODULES:
        module = importlib.import_module(f"sitebuild.checks.{name}")
        findings.extend(module.check(catalogue, settings))
    return sorted(set(findings))
