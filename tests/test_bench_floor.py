"""bench/floor.py: Pagefind alone over a cold build's pages, the bound issue 23's ratio meets."""

from __future__ import annotations

import json

from bench import floor
from tests.conftest import FIXTURE_SITE, ROOT


def test_pagefind_alone_indexes_the_build_s_pages_into_empty_bundles(build_site, tmp_path):
    """The same bundles and pages as the build's own index, Pagefind's CPU counted, and the
    build's output left as it was (the bench measures a warm rebuild of it next)."""
    output = build_site().output
    files_before = sorted(path.relative_to(output) for path in output.rglob("*"))
    entries = list(output.rglob("pagefind-entry.json"))
    indexed = sum(language["page_count"] for entry in entries
                  for language in json.loads(entry.read_text())["languages"].values())

    work = tmp_path / "work"
    work.mkdir()
    figures = floor.pagefind_cpu(ROOT / "pelicanconf.py", FIXTURE_SITE, output, work)

    assert (figures["bundles"], figures["pages"]) == (len(entries), indexed)
    assert indexed > 0 and figures["pagefind_cpu_s"] > 0 and figures["cores"] >= 1
    assert sorted(path.relative_to(output) for path in output.rglob("*")) == files_before
    assert list(work.iterdir()) == []  # its scratch folder is gone


def test_the_floor_spreads_vanilla_s_work_and_the_index_over_the_cores():
    vanilla = {"cpu_s": 7.5, "wall_s": 7.6}
    assert floor.floor_ratio(vanilla, {"pagefind_cpu_s": 6.3, "cores": 2}) == 0.908
