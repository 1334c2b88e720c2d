"""The editors' report of related publications (plugins/related_publications/report.py)."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

from related_publications.index import compute_all
from related_publications.model import Doc
from related_publications.report import COLUMNS, write_report
from related_publications.settings import Config

START = datetime(2025, 1, 1, tzinfo=timezone.utc)


def doc(slug: str, day: int, text: str, lang: str = "en", **extra) -> Doc:
    fields = dict(lang=lang, slug=slug, key=slug, title=f"Title of {slug}", summary="",
                  text=text, tags=(), category="ptsd", date=START + timedelta(days=day),
                  related=None, related_exclude=(), path=f"articles/ptsd/{slug}.{lang}.md")
    fields.update(extra)
    return Doc(**fields)


DOCS = [
    doc("sleep-old", 1, "nightmares insomnia sleep"),
    doc("sleep-new", 5, "nightmares insomnia sleep hygiene"),
    doc("hidden", 6, "nightmares", related=("none",)),
    doc("evil", 2, "other words", title='<script>alert("x")</script> & co'),
    doc("lonely", 3, "alone", lang="uk", related=("missing",)),
]


def test_report_files_list_every_article_with_scores_and_parts(tmp_path):
    result = compute_all(DOCS, Config(primary_lang="uk"))
    csv_path, html_path = write_report(result, DOCS, tmp_path / "reports")
    assert (csv_path.name, html_path.name) == ("related.csv", "related.html")
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8"))))
    assert tuple(rows[0]) == COLUMNS
    assert {(r["lang"], r["slug"]) for r in rows} == {(d.lang, d.slug) for d in DOCS}
    first = next(r for r in rows if r["slug"] == "sleep-new" and r["position"] == "1")
    assert first["related_slug"] == "sleep-old" and first["reason"] == "scored"
    total = sum(float(first[p]) for p in ("text", "tags", "category", "date"))
    assert abs(total - float(first["score"])) <= 0.03
    hidden = next(r for r in rows if r["slug"] == "hidden")
    assert hidden["reason"] == "hidden by `related: none`" and hidden["related_slug"] == ""
    assert next(r for r in rows if r["slug"] == "lonely")["reason"] == \
        "no other article in this language"


def test_html_report_escapes_titles_and_shows_warnings(tmp_path):
    result = compute_all(DOCS, Config(primary_lang="uk"))
    _, html_path = write_report(result, DOCS, tmp_path)
    page = html_path.read_text(encoding="utf-8")
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in page
    assert "lonely.uk.md:1: related: no published uk article has the slug" in page
    assert page.count("<table>") == 2  # one per language


def test_report_is_byte_identical_for_the_same_content(tmp_path):
    config = Config(primary_lang="uk")
    write_report(compute_all(DOCS, config), DOCS, tmp_path / "a")
    write_report(compute_all(list(reversed(DOCS)), config), list(reversed(DOCS)), tmp_path / "b")
    for name in ("related.csv", "related.html"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_a_plain_mapping_of_lists_is_accepted(tmp_path):
    result = compute_all(DOCS, Config(primary_lang="uk"))
    csv_path, html_path = write_report(dict(result.lists), DOCS, tmp_path)
    assert "sleep-old" in csv_path.read_text(encoding="utf-8")
    assert "<h2>Warnings</h2>" not in html_path.read_text(encoding="utf-8")
