"""WordPress import benchmark: a generated 2,000-post bilingual export with Elementor data.

`run()` (called once by `make bench`) generates the export (`bench/wordpress_export.py`) into
`bench/work/wordpress/`, then times `python -m importers.wordpress` into an empty content
folder (a first import) and again into the same folder (a re-import that must change
nothing), each in a fresh `bench.measure` process. Target (issue 20): under 60 s on 2 cores.

CLI: `python -m bench.wordpress_import_bench [--posts 2000]`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from bench import harness, wordpress_export

TARGET_S = 60.0
POSTS = 2000


def _import(work: Path, content: Path, name: str) -> dict:
    report = work / f"report-{name}.txt"
    figures = harness.measured(
        [sys.executable, "-m", "importers.wordpress", "--wxr", str(work / "export.xml"),
         "--uploads", str(work / "uploads"), "--content", str(content),
         "--report", str(report)],
        cwd=harness.ROOT, log=work / "logs" / f"{name}.log")
    text = report.read_text(encoding="utf-8") if report.exists() else ""
    for state in ("written", "updated", "unchanged"):
        found = [line for line in text.splitlines() if line.strip().startswith(f"{state}:")]
        figures[f"files_{state}"] = int(found[0].split(":")[1]) if found else None
    return {key: figures[key] for key in ("wall_s", "cpu_s", "peak_mb", "returncode",
                                          "files_written", "files_updated", "files_unchanged")
            if key in figures}


def run() -> dict:
    """Called once by `make bench` (no parameters: the export's size does not follow N)."""
    return measure(POSTS)


def measure(posts: int, work: Path | None = None) -> dict:
    """Figures of a first import and a re-import of a generated export."""
    work = work or harness.BENCH / "work" / "wordpress"
    if work.exists():
        shutil.rmtree(work)
    generated = wordpress_export.generate(work, posts)
    content = work / "content"
    content.mkdir()
    first = _import(work, content, "first")
    again = _import(work, content, "again")
    return {
        **generated,
        "first_import": first,
        "re_import": again,
        "target_s": TARGET_S,
        "meets_target": first.get("returncode") == 0 and first.get("wall_s", 1e9) < TARGET_S,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.wordpress_import_bench",
                                     description=__doc__)
    parser.add_argument("--posts", type=int, default=POSTS)
    args = parser.parse_args()
    print(json.dumps(measure(args.posts), indent=1))
