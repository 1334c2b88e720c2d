"""Findings: one problem in one file, printed as `path:line: field: problem — fix`.

The content checks (the driver's and the plugins'), the related index and the catalogue's
readers all report in this one shape; `make html` shows them, `make check` and `make publish`
fail on any warning.
"""

from __future__ import annotations

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
