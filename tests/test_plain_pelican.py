"""The plugins are real Pelican plugins: plain `pelican content -s pelicanconf.py` builds the
default language with every plugin working, reading what the build driver would hand it
(the catalogue, the related lists) in-process.

The real `pelican` command of the project's environment runs in a subprocess, from a folder
outside the project, on the fixture site plus an article with editors' mistakes; its pages
are compared with the driver's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_SITE, ROOT, build_into

BUILD_DATE = date(2026, 11, 29)  # review status (and so the pages) follow the build's date
# What the driver writes that plain Pelican cannot (README: "Plain Pelican"): the other
# languages, the search index, the web editor, the server's redirect and header files.
DRIVER_ONLY = ("en/", "pagefind/", "admin/", "_headers", "_redirects")


# An unknown citation (left as written) and a pin of no article (a finding, the rest scored).
MISTAKES = """title: Сон і стрес
date: 2025-02-01
category: ptsd
tags: сон
related: no-such-article
references: sample2020

Сон після травми [@sample2020] і ще одне джерело [@nosuch].
"""


def _files(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> tuple[Path, str]:
    """The fixture site built by plain `pelican`: (output folder, what it printed)."""
    here = tmp_path_factory.mktemp("plain")
    content = here / "content"
    shutil.copytree(FIXTURE_SITE, content)
    (content / "articles/ptsd/sleep-and-stress.uk.md").write_text(MISTAKES, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'plugins'}",
           "TZ": "UTC", "LC_ALL": "C.UTF-8", "NEWSLETTER_STATE_DIR": str(here / "state"),
           "COLUMNS": "1000"}  # Pelican's console: one line per message
    pelican = Path(sys.executable).parent / "pelican"
    done = subprocess.run(
        [str(pelican), str(content), "-s", str(ROOT / "pelicanconf.py"),
         "-o", str(here / "output"), "-e", f'SITE_BUILD_DATE="{BUILD_DATE.isoformat()}"'],
        cwd=here, env=env, capture_output=True, text=True, timeout=600)
    printed = done.stdout + done.stderr
    assert done.returncode == 0, printed
    return here / "output", printed, content


def test_plain_pelican_loads_every_plugin_and_logs_no_error(plain) -> None:
    _, printed, _ = plain
    assert "Cannot load plugin" not in printed, printed
    assert "ERROR" not in printed and "CRITICAL" not in printed, printed
    assert "Processed 3 articles" in printed, printed  # the Ukrainian ones, not the English


def test_the_related_index_findings_name_file_line_and_field(plain) -> None:
    _, printed, _ = plain
    assert ("related_publications: articles/ptsd/sleep-and-stress.uk.md:5: related: no "
            "published uk article has the slug 'no-such-article'") in printed, printed


def test_the_ukrainian_article_has_what_the_plugins_add(plain) -> None:
    output, _, _ = plain
    page = (output / "articles/night-terrors/index.html").read_text(encoding="utf-8")
    # site_content: the translation, from the catalogue read in-process
    assert 'hreflang="en" href="http://127.0.0.1:8000/en/articles/night-terrors/"' in page
    # medical: the references list and the citation that points into it
    assert '<li id="ref-sample2020" value="1">' in page and 'href="#ref-sample2020"' in page
    # related_publications, computed in-process: an article of another category (the
    # theme's fallback, latest in the same category, would not list it)
    related = page.split('<section class="related"', 1)[1]
    assert 'href="../../articles/low-mood/"' in related
    # feeds and seo
    for name in ("feeds/all.atom.xml", "sitemap.xml", "robots.txt"):
        assert (output / name).is_file(), name
    assert "http://127.0.0.1:8000/en/articles/night-terrors/" in (
        output / "sitemap.xml").read_text(encoding="utf-8")


def test_plain_pelican_writes_the_drivers_default_language_byte_for_byte(plain, tmp_path):
    output, _, content = plain
    driver = build_into(tmp_path / "driver", content, SITE_BUILD_DATE=BUILD_DATE).output
    mine, theirs = _files(output), _files(driver)
    assert sorted(set(mine) - set(theirs)) == []
    assert sorted(name for name in set(theirs) - set(mine)
                  if not name.startswith(DRIVER_ONLY)) == []
    assert [name for name in mine if mine[name] != theirs[name]] == []


def test_the_in_process_catalogue_is_read_once_per_run(tmp_path: Path) -> None:
    from core import catalogue
    from site_content.plugin import start_run
    from sitebuild.config import BuildOptions, read_base

    content = tmp_path / "content"
    shutil.copytree(FIXTURE_SITE, content)
    settings = read_base(BuildOptions(settings_file=ROOT / "pelicanconf.py", content=content,
                                      output=tmp_path / "output"))
    assert "SITE_CATALOGUE_PATH" not in settings  # as under plain `pelican`
    first = catalogue.for_run(settings)
    assert catalogue.for_run(dict(settings)) is first  # every plugin of the run shares it
    source = content / "articles/ptsd/night-terrors.uk.md"
    source.write_text(source.read_text(encoding="utf-8").replace(
        "title: Нічні жахи після травми", "title: Нічні жахи"), encoding="utf-8")
    assert catalogue.for_run(settings) is first
    start_run(None)  # as each run of `pelican --autoreload` begins
    assert catalogue.for_run(settings).by_lang_slug[("uk", "night-terrors")].title == "Нічні жахи"
