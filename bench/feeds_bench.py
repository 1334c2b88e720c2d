"""Feeds benchmark: how many feeds a built site has and how big they are.

`run(site_dir=Path)` reads a built output folder (nothing is rebuilt). Called by the bench
harness as `run(n, corpus=...)`, it reads our build of that corpus, `<corpus>/../out-ours`
(see bench/harness.py). Figures: feed files per format, total and largest size in bytes,
the all-articles feeds per language (bytes and entries), and mean bytes per entry.

CLI: `python -m bench.feeds_bench output/`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from lxml import etree

ATOM_NS = "{http://www.w3.org/2005/Atom}"
SUFFIXES = {".atom.xml": "atom", ".rss.xml": "rss", ".json": "json"}


def _format(path: Path) -> str | None:
    return next((fmt for suffix, fmt in SUFFIXES.items() if path.name.endswith(suffix)), None)


def _entries(path: Path, fmt: str) -> int:
    if fmt == "json":
        return len(json.loads(path.read_text(encoding="utf-8"))["items"])
    root = etree.parse(str(path)).getroot()
    return len(root.findall(f"{ATOM_NS}entry") if fmt == "atom" else root.findall("channel/item"))


def _site_of(n: int | None, corpus: Path | None, site_dir: Path | None) -> Path:
    if site_dir is not None:
        return Path(site_dir)
    if corpus is not None:
        return Path(corpus).parent / "out-ours"
    raise ValueError("run() needs site_dir (a built output folder) or corpus")


def run(n: int | None = None, corpus: Path | None = None, site_dir: Path | None = None) -> dict:
    """Feed count and sizes (bytes) of a built site."""
    site = _site_of(n, corpus, site_dir)
    if not site.is_dir():
        raise FileNotFoundError(f"{site} is not a built site: build it first (make html)")
    files = sorted(p for p in site.rglob("feeds/**/*") if p.is_file() and _format(p))
    by_format: dict[str, int] = {}
    sizes = {}
    entries = 0
    for path in files:
        fmt = _format(path)
        by_format[fmt] = by_format.get(fmt, 0) + 1
        sizes[path.relative_to(site).as_posix()] = path.stat().st_size
        entries += _entries(path, fmt)
    language_feeds = {}
    for relative, size in sizes.items():
        if relative.rpartition("/")[2].startswith("all."):
            fmt = _format(Path(relative))
            language_feeds[relative] = {"bytes": size, "entries": _entries(site / relative, fmt)}
    total = sum(sizes.values())
    largest = max(sizes.items(), key=lambda item: item[1], default=("", 0))
    return {
        "site": str(site),
        "feeds": len(files),
        "by_format": by_format,
        "total_bytes": total,
        "largest": {"path": largest[0], "bytes": largest[1]},
        "entries": entries,
        "mean_bytes_per_entry": round(total / entries) if entries else 0,
        "language_feeds": language_feeds,
        "digest_feeds": sum(1 for r in sizes if r.endswith("digest.atom.xml")),
    }


if __name__ == "__main__":
    print(json.dumps(run(site_dir=Path(sys.argv[1] if len(sys.argv) > 1 else "output")),
                     indent=1, ensure_ascii=False))
