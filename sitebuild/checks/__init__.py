"""Content checks: every problem in every file, reported in one run.

Each check is a `check(catalogue, settings) -> Iterable[Finding]` (core/findings.py): the
structural ones here, the medical and safe-messaging ones with their domain in the medical
plugin. Findings print as `path:line: field: problem — fix`. `make html` shows them and builds
anyway; `make check` and `make publish` fail on any warning.
"""

from __future__ import annotations

import importlib

from core.findings import Finding

# Checks as "module:function", run in this order.
CHECKS = ("sitebuild.checks.structure:check", "medical.checks:check",
          "medical.checks:check_safe_messaging", "sitebuild.checks.svg:check",
          "sitebuild.checks.limits:check")


def run_all(catalogue, settings: dict) -> list[Finding]:
    """Every finding of every check, sorted by file and line."""
    findings: list[Finding] = []
    for name in CHECKS:
        module, _, function = name.partition(":")
        findings.extend(getattr(importlib.import_module(module), function)(catalogue, settings))
    return sorted(set(findings))
