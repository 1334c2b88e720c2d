"""The build driver: both languages, translations, atomic output, strictness, secrets."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from core.settings import SettingsError
from sitebuild.build import BuildFailed
from sitebuild.poststeps import SecretLeak
from tests.conftest import FIXTURE_SITE, ROOT, build_into

# Builds compared with each other share a date: review status (and so the output) follows it.
BUILD_DATE = date(2026, 11, 29)


def snapshot(folder: Path, *, skip: tuple[str, ...] = ()) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.relative_to(folder).as_posix().startswith(skip)
    }


def test_both_languages_are_full_sites(build_site) -> None:
    out = build_site().output
    for prefix in ("", "en/"):
        for page in ("index.html", "archives/index.html", "categories/index.html",
                     "tags/index.html", "authors/index.html", "category/ptsd/index.html",
                     "articles/night-terrors/index.html", "about/index.html"):
            assert (out / prefix / page).is_file(), prefix + page
    # Untranslated articles appear in their own language only.
    assert (out / "en/articles/only-english/index.html").is_file()
    assert not (out / "articles/only-english/index.html").exists()
    assert (out / "articles/low-mood/index.html").is_file()
    assert not (out / "en/articles/low-mood/index.html").exists()


def test_translations_link_to_each_other(build_site) -> None:
    out = build_site(SITEURL="https://expio.test").output
    uk = (out / "articles/night-terrors/index.html").read_text()
    en = (out / "en/articles/night-terrors/index.html").read_text()
    assert 'href="https://expio.test/en/articles/night-terrors/"' in uk
    assert 'href="https://expio.test/articles/night-terrors/"' in en
    only_en = (out / "en/articles/only-english/index.html").read_text()
    assert "/articles/only-english/" not in only_en.replace("/en/articles/only-english/", "")


def test_rendering_is_sanitised(build_site) -> None:
    html = (build_site().output / "en/articles/night-terrors/index.html").read_text()
    for bad in ("<script>alert", "javascript:", "onclick", "onerror", "evil.example"):
        assert bad not in html
    assert 'src="https://www.youtube-nocookie.com/embed/abc"' in html
    assert 'alt="A dot"' in html


def test_clinic_comment_and_typography(build_site) -> None:
    out = build_site().output
    uk = (out / "articles/night-terrors/index.html").read_text()
    assert '<aside aria-label="Коментар Expio Center" class="clinic-comment">' in uk
    low = (out / "articles/low-mood/index.html").read_text()
    assert "&laquo;у лапках&raquo;" in low or "«у лапках»" in low
    assert "&ndash;" in low or "–" in low


def test_failed_build_leaves_output_untouched(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(FIXTURE_SITE, content)
    output = tmp_path / "site" / "output"
    neighbour = tmp_path / "site" / "keep.txt"
    neighbour.parent.mkdir(parents=True)
    neighbour.write_text("not ours")
    build_into(output, content)
    before = snapshot(output)
    # A strict build with a warning fails ...
    (content / "articles/ptsd/broken.en.md").write_text(
        "title: Broken\ndate: 2025-13-45\ncategory: ptsd\n\nBody\n", encoding="utf-8")
    with pytest.raises(BuildFailed):
        build_into(output, content, strict=True)
    assert snapshot(output) == before
    # ... and so does a render that crashes (a template that cannot be rendered).
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    (theme / "templates/article.html").write_text("{% extends 'nope.html' %}")
    with pytest.raises(Exception):
        build_into(output, content, THEME=str(theme))
    assert snapshot(output) == before
    # Nothing outside the output folder was deleted or left behind, but the build record
    # (sitebuild/release.py: the failed publish, which `make deploy` refuses).
    assert neighbour.read_text() == "not ours"
    assert sorted(p.name for p in output.parent.iterdir()) == [
        ".output.build.json", "keep.txt", "output"]


def test_successful_build_replaces_output(tmp_path: Path) -> None:
    output = tmp_path / "output"
    output.mkdir()
    (output / "stale.html").write_text("old")
    build_into(output)
    assert not (output / "stale.html").exists()
    assert (output / "index.html").is_file()


def test_secret_never_reaches_output(tmp_path: Path, monkeypatch) -> None:
    canary = "canary-3f9a1c7e5b-us19"
    monkeypatch.setenv("MAILCHIMP_API_KEY", canary)
    monkeypatch.setenv("NEWSLETTER_SECRET", "canary-signing-secret-42")
    output = build_into(tmp_path / "output").output
    for path in output.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert canary.encode() not in data and b"canary-signing" not in data, path


def test_secret_in_output_fails_the_build(tmp_path: Path, monkeypatch) -> None:
    content = tmp_path / "content"
    shutil.copytree(FIXTURE_SITE, content)
    secret = "leaky-secret-value-123"
    (content / "articles/ptsd/leak.en.md").write_text(
        f"title: Leak\ndate: 2025-01-01\ncategory: ptsd\n\n{secret}\n", encoding="utf-8")
    monkeypatch.setenv("MAILCHIMP_API_KEY", secret)
    with pytest.raises(SecretLeak) as raised:
        build_into(tmp_path / "output", content)
    assert secret not in str(raised.value)
    assert not (tmp_path / "output").exists()


def test_publish_fails_on_malformed_content_and_names_every_file(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(FIXTURE_SITE, content)
    output = tmp_path / "output"
    build_into(output, content)
    before = snapshot(output)
    bad = {
        "articles/ptsd/a.en.md": "date: 2025-01-01\ncategory: ptsd\n\nNo title\n",
        "articles/ptsd/b.en.md": "title: B\ndate: yesterday\ncategory: ptsd\n\nB\n",
        "articles/ptsd/c.uk.md": "title: C\ndate: 2025-01-01\ncategory: ptsdd\n\nC\n",
    }
    for relative, text in bad.items():
        (content / relative).write_text(text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "sitebuild", "publish", "--content", str(content),
         "--output", str(output)],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": "."
                                                        + os.pathsep + "plugins"},
    )
    assert result.returncode != 0
    for relative in bad:
        assert relative in result.stderr
    assert snapshot(output) == before


def test_real_content_builds_without_warnings(tmp_path: Path) -> None:
    report = build_into(tmp_path / "output", ROOT / "content", strict=True)
    assert report.warnings == 0, report.findings + report.render_warnings


def theme_without_render_once(tmp_path: Path) -> Path:
    """A copy of the theme with every `{% once %}` fragment rendered on every page instead."""
    theme = tmp_path / "theme-plain"
    shutil.copytree(ROOT / "theme", theme)
    for template in (theme / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        plain = re.sub(r"\{% (?:once [^%]*|endonce )%\}\n?", "", text)  # as trim_blocks does
        template.write_text(plain, encoding="utf-8")
    assert "{% once" in (ROOT / "theme/templates/partials/footer.html").read_text()
    return theme


def test_speedups_do_not_change_the_output(tmp_path: Path) -> None:
    """Pooled, cached conversion, parallel runs and fragments rendered once per run give the
    same bytes as a plain serial run with a theme that renders everything on every page."""
    from sitebuild.build import build
    from sitebuild.config import BuildOptions

    def run(name: str, *, parallel: bool, cache: bool, **settings) -> dict[str, str]:
        overrides = {"CACHE_PATH": str(tmp_path / "cache"), **settings}
        options = BuildOptions(settings_file=ROOT / "pelicanconf.py", content=ROOT / "content",
                               output=tmp_path / name, parallel=parallel, cache=cache,
                               overrides=tuple(overrides.items()))
        # Pagefind's index files differ between identical runs (upstream pagefind#638).
        return snapshot(build(options).output, skip=("pagefind/", "en/pagefind/"))

    plain = run("plain", parallel=False, cache=False, THEME=str(theme_without_render_once(tmp_path)),
                SITE_BUILD_DATE=BUILD_DATE)
    assert run("parallel-cold", parallel=True, cache=True, SITE_BUILD_DATE=BUILD_DATE) == plain
    # From the cache:
    assert run("parallel-warm", parallel=True, cache=True, SITE_BUILD_DATE=BUILD_DATE) == plain
    # Three workers, each language's pages written by the shards its share of the sources
    # gets (engine/shards.py), whatever the machine's cores; and without the cache.
    assert run("three-shards", parallel=True, cache=False, SITE_BUILD_DATE=BUILD_DATE,
               BUILD_WORKERS=3) == plain


def test_shards_split_the_writes_and_hand_back_what_they_wrote(tmp_path: Path) -> None:
    """Every page is written by one shard; the run's render-cache map covers every page the
    shards wrote (else the next build would render them all again). Three workers: the
    larger language of the real content gets two shards or more."""
    import pickle

    from sitebuild.build import build
    from sitebuild.config import BuildOptions
    from sitebuild.engine.writer import shard_of

    names = [f"articles/a{i}/index.html" for i in range(300)]
    for shards in (2, 3):
        counts = [sum(shard_of(name, shards) == shard for name in names) for shard in range(shards)]
        assert sum(counts) == 300 and min(counts) > 300 / shards / 2, counts
    options = BuildOptions(settings_file=ROOT / "pelicanconf.py", content=ROOT / "content",
                           output=tmp_path / "out", overrides=(
                               ("CACHE_PATH", str(tmp_path / "cache")), ("BUILD_WORKERS", 3),
                               ("SITE_BUILD_DATE", BUILD_DATE)))
    build(options)
    for lang in ("uk", "en"):
        with (tmp_path / "cache" / "pages" / f"{lang}.pickle").open("rb") as handle:
            record = pickle.load(handle)
        pages = record["pages"]
        if lang == "uk":  # the larger language: at least half of three cores, rounded
            assert record["shards"] >= 2
        prefix = "en/" if lang == "en" else ""
        written = {path.relative_to(tmp_path / "out").as_posix()
                   for path in (tmp_path / "out").rglob("index.html")}
        for article in (tmp_path / "out" / prefix / "articles").iterdir():
            assert f"{prefix}articles/{article.name}/index.html" in pages
            assert f"{prefix}articles/{article.name}/index.html" in written
        # The feeds are the last shard's (what a run does once its articles are written);
        # the Markdown cache, saved when the run ends, holds every source of the language.
        assert (tmp_path / "out" / prefix / "feeds" / "all.atom.xml").is_file()
        with (tmp_path / "cache" / "markdown" / f"{lang}.pickle").open("rb") as handle:
            _, conversions = pickle.load(handle)
        sources = {path.relative_to(ROOT / "content").as_posix()
                   for path in (ROOT / "content").rglob(f"*.{lang}.md")}
        assert sources and not sources - set(conversions)


def test_a_shard_writes_whole_search_bundles_indexed_before_its_run_ends(tmp_path,
                                                                        caplog) -> None:
    """The shards write whole search bundles (engine/__init__.py `_follow_bundles`), each
    indexed as soon as its shard has written its pages, while the run goes on; each bundle
    then indexes the very pages a serial build's does."""
    import json
    import logging

    from sitebuild.build import build
    from sitebuild.config import BuildOptions

    def entries(output: Path) -> dict[str, int]:
        return {path.parent.relative_to(output).as_posix():
                json.loads(path.read_text())["languages"][lang]["page_count"]
                for lang in ("uk", "en") for path in output.glob(
                    f"{'en/' if lang == 'en' else ''}pagefind*/pagefind-entry.json")}

    # Eight pages a bundle: several in each language; four workers: two shards in each.
    def run(name: str, parallel: bool) -> Path:
        return build(BuildOptions(
            settings_file=ROOT / "pelicanconf.py", content=ROOT / "content",
            output=tmp_path / name, parallel=parallel, cache=False, overrides=(
                ("SEARCH_BUNDLE_PAGES", 8), ("BUILD_WORKERS", 4),
                ("SITE_BUILD_DATE", BUILD_DATE)))).output

    serial = run("serial", parallel=False)
    with caplog.at_level(logging.DEBUG, logger="sitebuild.engine.indexing"):
        parallel = run("parallel", parallel=True)
    early = sorted(re.findall(r"search: (\S+) is indexed while", caplog.text))
    expected = entries(serial)
    assert len(expected) >= 7 and entries(parallel) == expected
    # Of an odd count of bundles, the smallest one's pages go by hash (indexed at the end).
    for lang, prefix in (("uk", ""), ("en", "en/")):
        own = sorted(path for path in expected if path.startswith(f"{prefix}pagefind"))
        assert len([path for path in early if path in own]) == len(own) - len(own) % 2, lang
    assert snapshot(parallel, skip=("pagefind", "en/pagefind")) == snapshot(
        serial, skip=("pagefind", "en/pagefind"))


def test_a_cold_build_leaves_the_word_forms_to_its_runs(tmp_path: Path) -> None:
    """The runs' writers make every page's word-form copy on a cold build; the build's own
    process then has none to make, and loads no dictionary for them (0.1 CPU-s, 30 MB).
    After an edit, it makes the copies of the pages linked unchanged, and loads it then."""
    from sitebuild import wordforms
    from sitebuild.build import build
    from sitebuild.config import BuildOptions

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    options = BuildOptions(settings_file=ROOT / "pelicanconf.py", content=content,
                           output=tmp_path / "out", overrides=(
                               ("CACHE_PATH", str(tmp_path / "cache")),
                               ("SITE_BUILD_DATE", BUILD_DATE)))
    wordforms.shared_keys.cache_clear()
    build(options)
    assert wordforms.shared_keys.cache_info().misses == 0
    edited = content / "articles/depression/depression-or-sadness.uk.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nЩе одне речення.\n",
                      encoding="utf-8")
    build(options)
    assert wordforms.shared_keys.cache_info().misses == 1  # for the pages linked unchanged


def test_one_date_for_the_whole_build(tmp_path: Path) -> None:
    """SITE_BUILD_DATE, set once per build, is the date the checks and the review report
    judge reviews by."""
    report = build_into(tmp_path / "output", SITE_BUILD_DATE=date(2031, 1, 1))
    overdue = [f for f in report.findings if "was due for renewal" in f.problem]
    assert overdue and all(f.field == "reviewed_on" for f in overdue)
    page = (report.output / "reports/review-status.html").read_text(encoding="utf-8")
    assert "On 2031-01-01:" in page and 'class="review-ok"' not in page
    with pytest.raises(SettingsError, match=r"SITE_BUILD_DATE .* datetime\.date"):
        build_into(tmp_path / "again", SITE_BUILD_DATE="2031-01-01")


def test_publish_output_is_precompressed_with_headers_file(tmp_path: Path) -> None:
    import gzip

    import brotli

    out = build_into(tmp_path / "output", PRECOMPRESS=True).output
    page = out / "en/articles/night-terrors/index.html"
    assert gzip.decompress(page.with_name("index.html.gz").read_bytes()) == page.read_bytes()
    assert brotli.decompress(page.with_name("index.html.br").read_bytes()) == page.read_bytes()
    headers = (out / "_headers").read_text()
    assert headers.startswith("/*\n") and "Content-Security-Policy: default-src 'self'" in headers


def test_related_report_is_written_on_request(tmp_path: Path) -> None:
    from sitebuild.build import build
    from sitebuild.config import BuildOptions

    options = BuildOptions(settings_file=ROOT / "pelicanconf.py", content=FIXTURE_SITE,
                           output=tmp_path / "output", cache=False, related_report=True)
    out = build(options).output
    rows = (out / "reports/related.csv").read_text().splitlines()
    assert "night-terrors" in "\n".join(rows[1:])
    assert "<table" in (out / "reports/related.html").read_text()
    assert not (build_into(tmp_path / "plain").output / "reports/related.csv").exists()


def test_unknown_related_pin_is_a_warning_naming_file_and_line(tmp_path: Path, caplog) -> None:
    content = tmp_path / "content"
    shutil.copytree(FIXTURE_SITE, content)
    (content / "articles/ptsd/pins.en.md").write_text(
        "title: Pins\ndate: 2025-05-01\ncategory: ptsd\nrelated: no-such-slug\n\nBody.\n",
        encoding="utf-8")
    report = build_into(tmp_path / "output", content)
    found = [str(f) for f in report.findings if f.field == "related"]
    assert len(found) == 1 and found[0].startswith("articles/ptsd/pins.en.md:4: related: ")
    assert "no-such-slug" in found[0] and found[0].count(" — ") == 1


def test_publish_settings_leave_editor_reports_out(tmp_path: Path) -> None:
    assert (build_into(tmp_path / "dev").output / "reports/review-status.html").is_file()
    published = build_into(tmp_path / "pub", EDITOR_REPORTS=False).output
    assert not (published / "reports").exists()


def test_the_build_logs_a_repeated_message_every_time(caplog) -> None:
    """Pelican's logger class drops a message it logged before; the devserver's rebuilds
    repeat theirs (and their content warnings), so the driver's loggers must not."""
    import logging

    from sitebuild.cli import plain_logging

    plain_logging()
    logger = logging.getLogger("sitebuild.build")
    with caplog.at_level(logging.INFO):
        logger.warning("same warning")
        logger.warning("same warning")
        logging.getLogger("sitebuild.created-later").info("later")
        logging.getLogger("sitebuild.created-later").info("later")
    assert [r.getMessage() for r in caplog.records] == ["same warning"] * 2 + ["later"] * 2


def test_a_build_failing_while_its_workers_convert_ends_at_once(tmp_path) -> None:
    """A cold build's workers convert Markdown while the parent scores the related lists;
    when the build then fails, the conversions are cancelled and nothing is left behind."""
    import time

    from sitebuild.build import build
    from sitebuild.config import BuildOptions

    # Read when the related lists are computed: the workers are converting by then.
    options = BuildOptions(settings_file=ROOT / "pelicanconf.py", content=FIXTURE_SITE,
                           output=tmp_path / "output", cache=True,
                           overrides=(("CACHE_PATH", str(tmp_path / "cache")),
                                      ("RELATED_PUBLICATIONS", {"count": 0})))
    started = time.monotonic()
    with pytest.raises(SettingsError,
                       match=r"RELATED_PUBLICATIONS\['count'\] must be a whole number, 1 or more"):
        build(options)
    assert time.monotonic() - started < 60
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"]  # nothing left behind


def _through_the_related_gate(marker: Path) -> str:
    """In a worker: what a run does where it attaches the related lists."""
    from core import catalogue

    marker.touch()
    catalogue.related_gate()
    return "through"


@pytest.mark.parametrize("release", ["lists written", "build abandoned"])
def test_a_run_waits_for_the_related_lists_until_the_parent_lets_it_go(tmp_path, release):
    """Runs start while the parent still scores the related lists (engine/runs.py) and wait
    for them where they attach them: until the parent has written them, or gives the build
    up (a run waiting for ever would keep the failed build from ending)."""
    import time

    from sitebuild.engine.runs import Workers

    workers = Workers(parallel=True, count=1)
    try:
        waiting = workers.pool.submit(_through_the_related_gate, tmp_path / "waiting")
        deadline = time.monotonic() + 60
        while not (tmp_path / "waiting").exists():
            assert time.monotonic() < deadline, "the task never started"
            time.sleep(0.05)
        assert not waiting.done()  # held at the gate
        if release == "lists written":
            workers.release_runs()
            assert waiting.result(timeout=60) == "through"
        else:
            workers.shutdown(cancel=True)  # what Engine.abandon does
            assert waiting.result(timeout=0) == "through"
    finally:
        workers.shutdown()


def test_a_page_failing_in_a_shard_fails_the_build_and_leaves_nothing(tmp_path) -> None:
    """A template that fails on some articles: whichever shard renders them, the build fails
    with the template's error, output/ keeps what it had, and no staging folder is left
    (the runs still under way are waited for before their folders are removed)."""
    from sitebuild.build import build
    from sitebuild.config import BuildOptions

    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    article = theme / "templates" / "article.html"
    article.write_text(article.read_text(encoding="utf-8").replace(
        "{% block content %}",
        "{% block content %}{% if article.slug|length % 3 == 1 %}"
        "{{ article.no_such_thing.boom() }}{% endif %}", 1), encoding="utf-8")
    output = tmp_path / "output"
    output.mkdir()
    (output / "index.html").write_text("the site before", encoding="utf-8")
    options = BuildOptions(settings_file=ROOT / "pelicanconf.py", content=ROOT / "content",
                           output=output, overrides=(
                               ("CACHE_PATH", str(tmp_path / "cache")), ("THEME", str(theme)),
                               ("BUILD_WORKERS", 3)))
    with pytest.raises(Exception, match="no_such_thing"):
        build(options)
    assert [p.name for p in output.iterdir()] == ["index.html"]
    assert (output / "index.html").read_text(encoding="utf-8") == "the site before"
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".output-")]


def test_merging_a_language_moves_its_folders_whole_and_refuses_a_different_file(tmp_path):
    from sitebuild.output import OutputCollision, merge_tree

    def tree(root: Path, files: dict[str, str]) -> Path:
        for name, text in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text)
        return root

    site = tree(tmp_path / "site", {"index.html": "uk", "theme/site.css": "css"})
    run = tree(tmp_path / "run", {"en/index.html": "en", "en/a/index.html": "a",
                                  "theme/site.css": "css", "theme/en.css": "en css"})
    folder = os.stat(run / "en").st_ino
    merge_tree(run, site)
    assert snapshot(site) == snapshot(tree(tmp_path / "expected", {
        "index.html": "uk", "theme/site.css": "css", "theme/en.css": "en css",
        "en/index.html": "en", "en/a/index.html": "a"}))
    assert os.stat(site / "en").st_ino == folder  # renamed, not copied file by file

    clash = tree(tmp_path / "clash", {"theme/site.css": "other css"})
    with pytest.raises(OutputCollision, match=r"to theme/site\.css: give them different URLs"):
        merge_tree(clash, site)
    assert (site / "theme/site.css").read_text() == "css"  # nothing overwritten
