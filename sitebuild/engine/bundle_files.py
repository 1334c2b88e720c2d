"""A Pagefind bundle's files: seeding a new index with the previous one's, and keeping only
what the new index references.

Pagefind (1.5, pagefind/src/output/mod.rs) names its metadata, fragments (one per page),
word-index chunks and filters after a hash of their content, and does not write, nor gzip,
such a file when one of that name is already in its output folder. A bundle indexed again
after a few pages changed is therefore seeded with hard links to the previous bundle's
hash-named files: Pagefind then compresses only what changed (bench/DIARY.md).

Pagefind never deletes anything, so the seeds the new index does not name (the fragment of
an edited, unpublished or deleted page, old index chunks) are removed once it has run: none
of their text stays downloadable. The rest of the bundle (pagefind.js, the entry file, the
wasm) Pagefind rewrites in place every time: those are never seeded, as writing into a hard
link would change the previous build's file too.

A name is a hash prefix (7 hex digits for a fragment): new content could bear the name of
an old file. Each seed the new index names is therefore checked against its name; one that
fails means indexing again without seeds (`prune` says so).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from pathlib import Path

import cbor2

HASHED = ("fragment", "index", "filter")  # the folders of hash-named files
ENTRY = "pagefind-entry.json"
SIGNATURE = b"pagefind_dcd"  # the start of every gzipped file Pagefind writes


def hashed_files(bundle: Path) -> list[str]:
    """The bundle's hash-named files (metadata, fragments, index chunks, filters),
    relative to it."""
    found = [path.name for path in bundle.glob("pagefind.*.pf_meta")]
    for folder in HASHED:
        if (bundle / folder).is_dir():
            found += [f"{folder}/{entry.name}" for entry in os.scandir(bundle / folder)]
    return sorted(found)


def seed(previous: Path, bundle: Path) -> set[str]:
    """Hard links in `bundle` (about to be indexed into) to `previous`'s hash-named files;
    the ones linked. Nothing when `previous` is not a whole bundle or another file system
    holds it."""
    if not (previous / ENTRY).is_file() or previous.resolve() == bundle.resolve():
        return set()
    linked = set()
    try:
        for folder in HASHED:
            (bundle / folder).mkdir(parents=True, exist_ok=True)
        for relative in hashed_files(previous):
            os.link(previous / relative, bundle / relative)
            linked.add(relative)
    except OSError:  # no links across file systems: index without seeds
        for relative in linked:
            (bundle / relative).unlink(missing_ok=True)
        return set()
    return linked


def referenced(bundle: Path) -> set[str]:
    """The hash-named files the bundle's index names: each language's metadata (from the
    entry file) and the fragments, index chunks and filters the metadata lists
    (pagefind/src/index/index_metadata.rs: MetaIndex, fields 1–3)."""
    entry = json.loads((bundle / ENTRY).read_text(encoding="utf-8"))
    names = set()
    for language in entry["languages"].values():
        meta = f"pagefind.{language['hash']}.pf_meta"
        names.add(meta)
        fields = cbor2.loads(_payload(bundle / meta))
        pages, chunks, filters = fields[1], fields[2], fields[3]
        names.update(f"fragment/{page[0]}.pf_fragment" for page in pages)
        names.update(f"index/{chunk[2]}.pf_index" for chunk in chunks)
        names.update(f"filter/{item[1]}.pf_filter" for item in filters)
    return names


def prune(bundle: Path, seeded: set[str]) -> bool:
    """Remove every hash-named file the bundle's index does not name. False when a seed it
    names does not hold what its name says: the bundle must be indexed again, unseeded."""
    try:
        wanted = referenced(bundle)
    except (OSError, ValueError, EOFError, KeyError, IndexError, TypeError,
            cbor2.CBORError):
        return False  # a seeded metadata file that is not what its name says
    for relative in hashed_files(bundle):
        if relative not in wanted:
            (bundle / relative).unlink()
    return all(_holds_its_name(bundle / relative) for relative in seeded & wanted)


def _payload(path: Path) -> bytes:
    data = gzip.decompress(path.read_bytes())
    if not data.startswith(SIGNATURE):
        raise ValueError(f"{path}: not a Pagefind file")
    return data[len(SIGNATURE):]


def _holds_its_name(path: Path) -> bool:
    """Whether the file's name (`uk_03e5d75` in `uk_03e5d75.pf_fragment`, or in
    `pagefind.uk_8ba658abe4.pf_meta`) begins the hash of its content as Pagefind spells it
    (pagefind/src/utils.rs, full_hash: SHA-1, each byte in hex without a leading zero,
    after the language)."""
    name = path.name.removeprefix("pagefind.").rsplit(".", 1)[0]
    language = name.rpartition("_")[0]
    try:
        digest = hashlib.sha1(_payload(path)).digest()
    except (OSError, ValueError, EOFError):  # not gzip (gzip.BadGzipFile), or not Pagefind's
        return False
    return f"{language}_{''.join(format(byte, 'x') for byte in digest)}".startswith(name)
