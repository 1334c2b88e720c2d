"""Search bundles indexed again over the previous one's files (sitebuild/engine/bundle_files.py,
seeded by sitebuild/engine/indexing.py): the same index as one made from nothing, and no
text of a page that was edited, unpublished or deleted left in any file of it."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path

import pytest

from sitebuild import search
from sitebuild.engine import bundle_files, indexing

PAGE = ("<html lang=uk><body><nav>меню</nav><main data-pagefind-body "
        "data-pagefind-filter='category:{category}'><h1>{title}</h1><p>{text}</p></main>"
        "</body></html>")
FIRST = {  # url: (category, title, text)
    "articles/sleep/": ("сон", "Сон і тривога", "Без сну тривога росте; режим дня допомагає."),
    "articles/pain/": ("біль", "Біль", "Хронічний біль і депресія: oldwording про лікування."),
    "articles/secret/": ("zebracategory", "Неопубліковане", "Текст zebraconfidential."),
    "articles/veterans/": ("птср", "Ветерани", "Ветерани і травма: групова терапія."),
}
# The second build: one page edited, one deleted (or unpublished: no longer in the bundle).
SECOND = {**FIRST, "articles/pain/": ("біль", "Біль", "Хронічний біль і депресія: newwording.")}
del SECOND["articles/secret/"]
GONE = (b"zebraconfidential", b"zebracategory", b"oldwording")


def _site(root: Path, pages: dict[str, tuple[str, str, str]]) -> search.Bundle:
    for url, (category, title, text) in pages.items():
        (root / url).mkdir(parents=True, exist_ok=True)
        (root / url / "index.html").write_text(
            PAGE.format(category=category, title=title, text=text), encoding="utf-8")
    return search.Bundle("uk", "pagefind", tuple(sorted(url + "index.html" for url in pages)),
                         word_forms=True)


def _index(site_dir: Path, bundle: search.Bundle, work: Path,
           previous: Path | None = None) -> None:
    indexer = indexing.Indexer(site_dir, work, {"uk": [bundle]}, cores=1,
                               records=indexing.SearchRecords(previous_output=previous))
    indexer.start("uk")
    [run] = indexer.wait()
    assert run.pages == len(bundle.pages)


def _files(bundle: Path) -> dict[str, bytes]:
    """{file relative to the bundle: its bytes, as Pagefind wrote them}."""
    return {str(path.relative_to(bundle)): path.read_bytes()
            for path in sorted(bundle.rglob("*")) if path.is_file()}


def _text(data: bytes) -> bytes:
    return gzip.decompress(data) if data.startswith(b"\x1f\x8b") else data


def _index_of(bundle: Path) -> dict:
    """What a bundle answers queries with, decoded: its files, with each filter index (which
    Pagefind encodes from a hash map, in no fixed order, so under a name that changes from
    one run to the next) as {filter: {value: pages}}, and the metadata and entry naming
    filters by filter, not by file."""
    import cbor2

    files = {name: _text(data) for name, data in _files(bundle).items()}
    index = {name: data for name, data in files.items()
             if not name.startswith("filter/") and not name.endswith(".pf_meta")
             and name != bundle_files.ENTRY}
    signature = len(bundle_files.SIGNATURE)
    filters = {}
    for name in [name for name in files if name.startswith("filter/")]:
        name_of, values = cbor2.loads(files[name][signature:])
        filters[name_of] = {value: sorted(pages) for value, pages in values}
    index["filters"] = filters
    [meta] = [name for name in files if name.endswith(".pf_meta")]
    fields = cbor2.loads(files[meta][signature:])
    fields[3] = sorted(name for name, _ in fields[3])
    index["meta"] = fields
    entry = json.loads(files[bundle_files.ENTRY])
    entry["languages"]["uk"].pop("hash")
    index["entry"] = entry
    return index


@pytest.fixture
def first(tmp_path) -> Path:
    """The previous build's site, with its bundle (pagefind/)."""
    site = tmp_path / "first"
    _index(site, _site(site, FIRST), tmp_path / "work-first")
    files = _files(site / "pagefind").values()
    assert all(any(gone in _text(data) for data in files) for gone in GONE)
    return site


@pytest.mark.parametrize("path", ["build", "devserver"])
def test_an_index_seeded_with_the_previous_one_is_the_index_made_from_nothing(
        tmp_path, first, path):
    """Seeded from the previous output (a build) or the bundle being served (the devserver's
    deferred indexing): the same files, byte for byte, as a fresh index of the same pages —
    so the same results for every query — with the unchanged pages' files taken over (not
    compressed again), nothing of the deleted page or of the edited page's old text left,
    and the previous bundle as it was."""
    before = _files(first / "pagefind")
    fresh = tmp_path / "fresh"
    _index(fresh, _site(fresh, SECOND), tmp_path / "work-fresh")
    site = tmp_path / "second"
    bundle = _site(site, SECOND)
    if path == "build":
        _index(site, bundle, tmp_path / "work-second", previous=first)
        previous = first / "pagefind"
    else:  # the devserver serves the new pages with the previous bundle, then indexes
        shutil.copytree(first / "pagefind", site / "pagefind", copy_function=os.link)
        indexing.index_deferred(site, [bundle], cores=1)
        previous = first / "pagefind"

    files = _files(site / "pagefind")
    assert _index_of(site / "pagefind") == _index_of(fresh / "pagefind")
    # The same files but the filters' (named after their hash-map order, see _index_of)
    assert ({name for name in files if not name.startswith("filter/")} - {
        name for name in files if name.endswith(".pf_meta")}) == {
        name for name in _files(fresh / "pagefind")
        if not name.startswith("filter/") and not name.endswith(".pf_meta")}
    assert len([name for name in files if name.startswith("filter/")]) == 1
    assert _files(previous) == before
    for name, data in files.items():
        assert not any(gone in _text(data) for gone in GONE), name
    kept = [name for name in files if name.startswith("fragment/") and name in before]
    assert len(kept) == 2  # sleep, veterans: unchanged, so the very same files
    for name in kept:
        assert (site / "pagefind" / name).stat().st_ino == (previous / name).stat().st_ino
    # What Pagefind rewrites every time is never a link into the previous bundle.
    for name in ("pagefind.js", "pagefind-entry.json"):
        assert (site / "pagefind" / name).stat().st_ino != (previous / name).stat().st_ino


def test_a_seed_that_is_not_what_its_name_says_means_indexing_from_nothing(tmp_path, first):
    """New content may bear an old file's name (a 7-digit hash prefix): Pagefind would keep
    the old file. Here an unchanged page's fragment holds another page's text under its
    name; the seeded run finds it out and indexes again without seeds."""
    fragments = sorted((first / "pagefind" / "fragment").iterdir())
    unchanged = [path for path in fragments if "Ветерани" in _text(path.read_bytes()).decode()]
    other = next(path for path in fragments if path not in unchanged)
    unchanged[0].write_bytes(other.read_bytes())
    assert not bundle_files._holds_its_name(unchanged[0])
    fresh = tmp_path / "fresh"
    _index(fresh, _site(fresh, SECOND), tmp_path / "work-fresh")
    site = tmp_path / "second"
    _index(site, _site(site, SECOND), tmp_path / "work-second", previous=first)
    assert _index_of(site / "pagefind") == _index_of(fresh / "pagefind")


def test_seeds_are_the_hash_named_files_of_a_whole_bundle(tmp_path, first):
    target = tmp_path / "new"
    linked = bundle_files.seed(first / "pagefind", target)
    assert linked == set(bundle_files.hashed_files(first / "pagefind"))
    assert {name.split("/")[0] for name in linked} == {"fragment", "index", "filter",
                                                       next(n for n in linked if n.endswith(
                                                           ".pf_meta"))}
    assert bundle_files.referenced(first / "pagefind") == linked  # nothing stale in a fresh one
    # Not a bundle (no entry file): nothing to seed from.
    assert bundle_files.seed(tmp_path / "nothing", tmp_path / "other") == set()
    assert not (tmp_path / "other").exists()
