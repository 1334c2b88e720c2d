"""Precompressed copies (`.gz`) of text files, for hosts that serve them as they are."""

from __future__ import annotations

import gzip
from pathlib import Path

SUFFIXES = (".html", ".css", ".js", ".xml", ".svg", ".json", ".txt")
MIN_BYTES = 1024  # smaller files gain nothing worth a second file


def gzip_tree(root: Path) -> int:
    """Write `<file>.gz` beside every text file of `root`; returns how many were written.

    mtime=0 keeps the bytes identical between runs (and between the language runs, whose
    shared static files are compared when their outputs are merged).
    """
    written = 0
    for path in sorted(root.rglob("*")):
        if path.suffix not in SUFFIXES or not path.is_file() or path.stat().st_size < MIN_BYTES:
            continue
        data = gzip.compress(path.read_bytes(), compresslevel=9, mtime=0)
        path.with_name(path.name + ".gz").write_bytes(data)
        written += 1
    return written
