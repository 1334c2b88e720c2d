"""The related-publications benchmark (bench/related_bench.py) on a small generated corpus."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bench import related_bench
from related_publications.model import Doc


def doc(slug: str, tags: tuple[str, ...], day: int) -> Doc:
    return Doc("en", slug, slug, slug, "", "", tags, "ptsd",
               datetime(2025, 1, 1, tzinfo=timezone.utc) + timedelta(days=day), None, (),
               f"{slug}.en.md")


def test_tag_count_baseline_counts_shared_tags_newest_first_on_ties():
    docs = [doc("a", ("x", "y"), 0), doc("b", ("x", "y"), 1), doc("c", ("x",), 2),
            doc("d", ("x",), 3), doc("e", (), 4)]
    lists = related_bench.tag_count_baseline(docs)
    assert lists[("en", "a")] == ["b", "d", "c"]  # 2 shared, then 1 shared newest first
    assert lists[("en", "e")] == []


def test_precision_counts_missing_places_as_misses():
    topics = {("en", "a"): 1, ("en", "b"): 1, ("en", "c"): 2}
    assert related_bench.precision_at_k({("en", "a"): ["b", "c"]}, topics) == 0.25


def test_run_on_a_small_corpus_reports_every_figure():
    figures = related_bench.run(80)
    assert figures["docs"] == 80 and figures["empty_lists"] == 0
    precision = figures["precision_at_4"]
    assert precision["plugin"] > precision["random"] + 0.3
    assert figures["precision_at_4_half_untagged"]["plugin"] > \
        figures["precision_at_4_half_untagged"]["tag_count"]
    assert figures["seconds"] > 0 and figures["peak_traced_mb"] > 0
