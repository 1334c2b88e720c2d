"""Rebuilds that reuse the previous output (sitebuild/engine/: writer.py, reuse.py).

For every kind of edit an editor or developer makes, a rebuild with the cache gives exactly
the bytes of a cold build of the same sources, and it really reused: pages the edit cannot
touch keep their file (the same inode, linked from the previous output), the edited page
gets a new one.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from sitebuild.build import build
from sitebuild.config import BuildOptions
from tests.conftest import ROOT
from tests.test_build import snapshot

SEARCH = ("pagefind", "en/pagefind")  # Pagefind's files differ between identical runs
ARTICLE = "content/articles/ptsd/ptsd-in-veterans.en.md"
ARTICLE_PAGE = "en/articles/ptsd-in-veterans/index.html"
UNRELATED_PAGE = "articles/power-outages-schedule/index.html"
UK_ARTICLE = "content/articles/ptsd/ptsd-in-veterans.uk.md"
UK_ARTICLE_PAGE = "articles/ptsd-in-veterans/index.html"
# The build's date is pinned: a real midnight between two builds would change it (and so
# what a rebuild renders) in the middle of a test.
BUILD_DATE = date(2026, 11, 29)


class Site:
    """A copy of the real content and theme, built with a cache like `make html` does."""

    def __init__(self, root: Path) -> None:
        self.root = root
        shutil.copytree(ROOT / "content", root / "content")
        shutil.copytree(ROOT / "theme", root / "theme")
        self.output = root / "output"
        self.settings: dict = {}

    def build(self, *, cache: bool = True, output: Path | None = None):
        overrides = {"CACHE_PATH": str(self.root / "cache"), "THEME": str(self.root / "theme"),
                     "SITE_BUILD_DATE": BUILD_DATE, **self.settings}
        options = BuildOptions(settings_file=ROOT / "pelicanconf.py",
                               content=self.root / "content", output=output or self.output,
                               cache=cache, overrides=tuple(overrides.items()))
        with pytest.MonkeyPatch.context() as patch:
            for name, value in self.environ.items():
                patch.setenv(name, value)
            return build(options)

    @property
    def environ(self) -> dict[str, str]:
        """The site's own newsletter archive (none: no digest was sent). The build shows the
        sent digests, read by the clock; the developer's archive (var/newsletter, relative to
        the working folder, or NEWSLETTER_STATE_DIR) can change between two builds."""
        return {"NEWSLETTER_STATE_DIR": str(self.root / "newsletter")}

    def edit(self, relative: str, change) -> None:
        path = self.root / relative
        path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")

    def inodes(self) -> dict[str, int]:
        """The pages Pelican renders (editors' reports are written anew on every build; the
        web editor's page is not rendered: tests/test_cms_config.py)."""
        return {path.relative_to(self.output).as_posix(): path.stat().st_ino
                for path in self.output.rglob("*.html")
                if not path.relative_to(self.output).as_posix().startswith(
                    ("reports/", "admin/"))}

    def assert_same_as_cold(self) -> None:
        cold = self.root / "cold"
        shutil.rmtree(cold, ignore_errors=True)
        self.build(cache=False, output=cold)
        rebuilt, expected = snapshot(self.output, skip=SEARCH), snapshot(cold, skip=SEARCH)
        # On a difference, say which files and where, so that a rare one explains itself.
        assert rebuilt == expected, _difference(self.output, cold, rebuilt, expected)


def _difference(rebuilt_dir: Path, cold_dir: Path, rebuilt: dict, expected: dict) -> str:
    import difflib

    paths = sorted(path for path in set(rebuilt) | set(expected)
                   if rebuilt.get(path) != expected.get(path))
    lines = [f"{len(paths)} file(s) differ from the cold build: {paths[:20]}"]
    for path in paths[:3]:
        ours, cold = rebuilt_dir / path, cold_dir / path
        if ours.is_file() and cold.is_file():
            lines += list(difflib.unified_diff(
                cold.read_text(errors="replace").splitlines(),
                ours.read_text(errors="replace").splitlines(),
                f"cold/{path}", f"rebuilt/{path}", n=1, lineterm=""))[:30]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Site:
    site = Site(tmp_path_factory.mktemp("incremental"))
    site.build()
    return site


def rebuilt(site: Site) -> set[str]:
    """Rebuild with the cache; the HTML pages that got a new file."""
    before = site.inodes()
    site.build()
    after = site.inodes()
    return {page for page, inode in after.items() if before.get(page) != inode}


def add_paragraph(text: str) -> str:
    return text + "\n\nOne more paragraph, written to test the rebuild.\n"


def test_nothing_changed_nothing_rendered(site):
    assert rebuilt(site) == set()
    site.assert_same_as_cold()


def test_body_edit_renders_its_own_page(site, caplog):
    site.edit(ARTICLE, add_paragraph)
    with caplog.at_level("INFO", logger="sitebuild.engine"):
        changed = rebuilt(site)
    # The Ukrainian run reads nothing the English edit changed: it does not run at all.
    skipped = [r.getMessage() for r in caplog.records if "nothing it reads" in r.getMessage()]
    assert skipped == ["uk: nothing it reads changed; last build's files kept"]
    assert ARTICLE_PAGE in changed and UNRELATED_PAGE not in changed
    assert "index.html" not in changed and "en/index.html" not in changed
    assert len(changed) <= 8, changed  # the page, and pages whose related lists moved
    site.assert_same_as_cold()


def test_an_unchanged_language_is_skipped_on_every_rebuild(site):
    """Edits to the default language, one after another (as in the devserver): the English
    run reads nothing they change, so it never runs. Its files shared with the Ukrainian run
    (the theme's) are rewritten by that run each time; recording the old ones made every
    other rebuild run English again. (Asked of the build's report, not of its log: a line
    logged again is dropped as a repeat.)"""
    for _ in range(3):
        site.edit(UK_ARTICLE, add_paragraph)
        assert site.build().reuse.skipped == {"en"}
    site.assert_same_as_cold()


EDITS = {
    # Body only, but enough words to change the reading time listings show.
    "long body": (ARTICLE, lambda t: t + "\n\n" + "Words to read slowly. " * 300 + "\n"),
    "title": (ARTICLE, lambda t: t.replace("title: PTSD in veterans:", "title: Veterans and PTSD:")),
    "summary": (ARTICLE, lambda t: re.sub(r"^summary: .*$", "summary: A new summary.", t,
                                          count=1, flags=re.M)),
    "tags": (ARTICLE, lambda t: t.replace("tags: ptsd, veterans,", "tags: ptsd, veterans, sleep,")),
    "date": (ARTICLE, lambda t: t.replace("date: 2022-11-03 09:00", "date: 2025-11-03 09:00")),
    "related pin": (ARTICLE, lambda t: t.replace(
        "references:", "related: alcohol-and-ptsd\nreferences:", 1)),
    "translation title": ("content/articles/ptsd/ptsd-in-veterans.uk.md",
                          lambda t: re.sub(r"^title: .*$", "title: Ветерани і ПТСР", t,
                                           count=1, flags=re.M)),
    "reviewer data": ("content/data/reviewers.toml",
                      lambda t: t.replace("Andrii Marchenko", "Andrii Marchenko-Koval")),
    "template": ("theme/templates/partials/footer.html",
                 lambda t: t.replace("</footer>", "<p>Footer note.</p>\n</footer>")),
    "translations": ("theme/translations/en/LC_MESSAGES/messages.po",
                     lambda t: t.replace('msgstr "Related publications"', 'msgstr "See also"')),
}


@pytest.mark.parametrize("what", EDITS)
def test_every_kind_of_edit_gives_the_cold_build(site, what):
    relative, change = EDITS[what]
    site.edit(relative, change)
    rebuilt(site)
    site.assert_same_as_cold()


def test_a_digest_sent_elsewhere_between_two_builds_changes_neither(site, tmp_path,
                                                                    monkeypatch):
    """The site reads only its own newsletter archive. The build shows the digests the
    archive holds once their time has come (by the clock, not SITE_BUILD_DATE): reading the
    developer's (var/newsletter, or NEWSLETTER_STATE_DIR) makes the rebuild and the cold build
    differ whenever a digest goes out, or falls due, between the two (issue 19, item 8)."""
    from datetime import datetime, timezone

    from newsletter.digest.ledger import Ledger

    elsewhere = tmp_path / "newsletter"
    monkeypatch.setenv("NEWSLETTER_STATE_DIR", str(elsewhere))
    rebuilt(site)
    ledger = Ledger.in_state_dir(elsewhere)
    ledger.create("digest-en-2026-W48", "en", "2026-W48", "local", "New publications", [],
                  None, web_path="en/newsletter/digest-en-2026-W48/")
    ledger.set_status("digest-en-2026-W48", "sent",
                      datetime(2026, 11, 23, 8, tzinfo=timezone.utc),
                      web_html="<p>Sent while the site was building.</p>")
    ledger.close()
    site.assert_same_as_cold()
    assert not (site.root / "cold/en/newsletter/digest-en-2026-W48").exists()


def test_new_and_deleted_articles(site):
    new = site.root / "content/articles/ptsd/grounding.en.md"
    new.write_text("title: Grounding in a panic\ndate: 2026-06-01\ncategory: ptsd\n"
                   "tags: ptsd, anxiety\nsummary: Five senses, one minute.\n\nName five things "
                   "you can see.\n", encoding="utf-8")
    assert "en/articles/grounding/index.html" in rebuilt(site)
    site.assert_same_as_cold()
    new.unlink()
    rebuilt(site)
    assert not (site.output / "en/articles/grounding/index.html").exists()
    site.assert_same_as_cold()


def test_settings_change_renders_every_page(site):
    site.settings = {"CLINIC": {"name": {"uk": "Експіо", "en": "Expio"},
                                "address": {"uk": "Київ", "en": "Kyiv"},
                                "phone": "+380 44 111 11 11", "email": "hello@expio.example"}}
    try:
        changed = rebuilt(site)
        assert len(changed) == len(site.inodes())  # the phone is in every page's header
        site.assert_same_as_cold()
    finally:
        site.settings = {}
        rebuilt(site)


def review_states(site: Site) -> dict[str, str]:
    report = (site.output / "reports/review-status.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr class="review-([\w-]+)">(.*?)</tr>', report, re.S)
    return {re.search(r">([^<]+)</a>", row)[1]: state for state, row in rows}


def test_a_new_day_gives_that_days_cold_build(site, caplog):
    """Review status follows the build's date. A day on which no review falls due renders
    no page again; the day one does, the report says so and the rebuild is that day's cold
    build."""
    burnout = "Вигорання в тих, хто допомагає: медики, волонтери, рятувальники"
    assert review_states(site)[burnout] == "ok"  # reviewed 2025-12-01, due on 2026-12-01
    try:
        site.settings = {"SITE_BUILD_DATE": date(2026, 11, 30)}
        with caplog.at_level("INFO", logger="sitebuild.engine"):
            assert rebuilt(site) == set()
        assert not [r for r in caplog.records if "nothing it reads" in r.getMessage()]
        assert "On 2026-11-30:" in (site.output / "reports/review-status.html").read_text()
        site.settings = {"SITE_BUILD_DATE": date(2026, 12, 1)}
        rebuilt(site)
        assert review_states(site)[burnout] == "overdue"
        site.assert_same_as_cold()
    finally:
        site.settings = {}
        rebuilt(site)


def test_a_page_changed_by_hand_in_the_output_is_rendered_again(site):
    page = site.output / UNRELATED_PAGE
    page.write_text(page.read_text(encoding="utf-8") + "<!-- by hand -->", encoding="utf-8")
    assert UNRELATED_PAGE in rebuilt(site)
    site.assert_same_as_cold()


def test_after_a_failed_build_the_next_one_still_matches_the_cold_build(site):
    before = snapshot(site.output)
    template = site.root / "theme/templates/article.html"
    good = template.read_text(encoding="utf-8")
    template.write_text("{% extends 'nope.html' %}", encoding="utf-8")
    with pytest.raises(Exception):
        site.build()
    assert snapshot(site.output) == before
    template.write_text(good, encoding="utf-8")
    site.edit(ARTICLE, add_paragraph)
    assert ARTICLE_PAGE in rebuilt(site)
    site.assert_same_as_cold()


def test_unchanged_language_keeps_its_search_index(site):
    uk_entry = site.output / "pagefind/pagefind-entry.json"
    en_entry = site.output / "en/pagefind/pagefind-entry.json"
    uk_before, en_before = uk_entry.stat().st_ino, en_entry.stat().st_ino
    site.edit(ARTICLE, add_paragraph)  # an English article
    rebuilt(site)
    assert uk_entry.stat().st_ino == uk_before  # linked: its pages are the same files
    assert en_entry.stat().st_ino != en_before  # indexed again


def test_a_new_process_reuses_the_pages_the_last_one_wrote(tmp_path):
    """`make html` starts a new process each time, with its own hash seed: nothing a page's
    fingerprint holds may follow it (Pelican lists static files in the order of a set, and
    that order changed every page's fingerprint). Run twice, as two processes."""
    from bench.harness import ours_settings

    site = Site(tmp_path)
    settings = ours_settings(tmp_path / "settings.py", tmp_path / "cache")
    with settings.open("a", encoding="utf-8") as handle:
        handle.write(f"THEME = {str(site.root / 'theme')!r}\n"
                     f"import datetime\nSITE_BUILD_DATE = {BUILD_DATE!r}\n")

    def make_html(seed: str) -> tuple[dict[str, int], str]:
        done = subprocess.run(
            [sys.executable, "-m", "sitebuild", "html", "--settings", str(settings),
             "--content", str(site.root / "content"), "--output", str(site.output)],
            cwd=ROOT, env={**os.environ, **site.environ, "PYTHONHASHSEED": seed}, check=True,
            capture_output=True, text=True)
        return site.inodes(), done.stdout + done.stderr

    before, _ = make_html("1")
    site.edit(ARTICLE, add_paragraph)
    after, log = make_html("2")
    changed = {page for page, inode in after.items() if before.get(page) != inode}
    assert ARTICLE_PAGE in changed and len(changed) <= 8, changed
    assert "uk: nothing it reads changed" in log  # the run key does not follow the seed either


def test_no_cache_renders_everything(site):
    before = site.inodes()
    site.build(cache=False)
    after = site.inodes()
    assert not any(before.get(page) == inode for page, inode in after.items())


def test_listing_templates_use_no_page_only_attribute():
    """Page-only attributes (sitebuild.engine.fingerprint.PAGE_ONLY) are read only from the object
    whose own page is being rendered; a listing or card showing one for another article
    would go stale, since a change to it re-renders that article's page alone."""
    from sitebuild.engine.fingerprint import PAGE_ONLY

    own = {"article", "page", "content_obj"}
    names = "|".join(sorted(name.lstrip("_") for name in PAGE_ONLY))
    use = re.compile(rf"\b(\w+)\.({names})\b")
    found = []
    for template in sorted((ROOT / "theme/templates").rglob("*.html")):
        text = re.sub(r"\{#.*?#\}", "", template.read_text(encoding="utf-8"), flags=re.S)
        allowed = set(own)
        if "{% set item = article if article is defined else page %}" in text:
            allowed.add("item")
        found += [f"{template.name}: {obj}.{attr}" for obj, attr in use.findall(text)
                  if obj not in allowed]
    assert found == []
    assert use.search("{{ item.related_publications }}")  # the pattern does match a use


def test_no_template_reads_a_setting_left_out_of_page_fingerprints():
    """A page showing SITE_BUILD_DATE itself would keep yesterday's date: its fingerprint
    leaves that setting out (sitebuild.engine.fingerprint.THROUGH_CONTENT_SETTINGS)."""
    from sitebuild.engine.fingerprint import THROUGH_CONTENT_SETTINGS

    found = [f"{template.name}: {name}"
             for template in sorted((ROOT / "theme/templates").rglob("*.html"))
             for name in THROUGH_CONTENT_SETTINGS
             if name in template.read_text(encoding="utf-8")]
    assert found == []
    assert THROUGH_CONTENT_SETTINGS  # the check above checks something
