"""`make new`, run as editors run it: both language files, every field, a KMU 2010 slug."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from core import catalogue
from core.findings import WARNING
from sitebuild.checks import run_all
from sitebuild.config import BuildOptions, read_base
from tests.conftest import FIXTURE_SITE, ROOT


@pytest.fixture
def content(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE_SITE, tmp_path / "content")
    return tmp_path / "content"


def make_new(content: Path, *args: str, lang_env: str = "uk_UA.UTF-8"):
    env = {**os.environ, "LANG": lang_env}  # a shell's locale must not be taken for LANG=
    return subprocess.run(["make", "--silent", "--no-print-directory", "new", *args,
                           f"ARGS=--content {content} --date 2025-03-14"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_make_new_writes_both_languages_with_every_field(content: Path) -> None:
    done = make_new(content, "TITLE=Нічні жахи: що допомагає", "CATEGORY=ptsd")
    assert done.returncode == 0, done.stderr
    folder = content / "articles" / "ptsd"
    expected = [folder / "nichni-zhakhy-shcho-dopomahaie.uk.md",
                folder / "nichni-zhakhy-shcho-dopomahaie.en.md"]
    assert done.stdout.split() == [str(path) for path in expected]
    settings = read_base(BuildOptions(settings_file=ROOT / "pelicanconf.py", content=content))
    site = catalogue.build(settings)
    entries = {entry.path: entry for entry in site.entries}
    for path in expected:
        entry = entries[path.relative_to(content).as_posix()]
        assert entry.title == "Нічні жахи: що допомагає"
        assert entry.date.date().isoformat() == "2025-03-14"
        assert (entry.category, entry.status, entry.slug) == \
            ("ptsd", "draft", "nichni-zhakhy-shcho-dopomahaie")
        text = path.read_text(encoding="utf-8")
        # A medical category: the review fields are there to be filled.
        for name in ("title", "date", "category", "status", "summary", "tags", "reviewed_by",
                     "reviewed_on", "references", "image", "image_alt"):
            assert f"\n{name}:" in text, name
    # Drafts are not checked: a fresh article does not fail `make check`.
    assert [str(f) for f in run_all(site, settings) if f.level == WARNING] == []


def test_make_new_one_language_and_a_given_slug(content: Path) -> None:
    done = make_new(content, "TITLE=Clinic news", "CATEGORY=news", "LANG=en", "SLUG=open-day")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(content / "articles/news/open-day.en.md")]
    assert not (content / "articles/news/open-day.uk.md").exists()
    assert "reviewed_by" not in (content / "articles/news/open-day.en.md").read_text()


@pytest.mark.parametrize(("args", "message"), [
    (("TITLE=Сон", "CATEGORY=ptsdd"),
     "CATEGORY: unknown category 'ptsdd' (did you mean 'ptsd'?) — use one of: "),
    (("TITLE=Сон", "CATEGORY=ptsd", "LANG=de"), "LANG: unknown language de — use uk,en"),
    (("TITLE=???", "CATEGORY=ptsd"), "SLUG: '' is not a slug"),
    (("TITLE=Night terrors", "CATEGORY=ptsd"),
     "articles/ptsd/night-terrors.uk.md, "),  # already there: nothing is overwritten
])
def test_make_new_refuses_with_a_fix(content: Path, args: tuple, message: str) -> None:
    before = sorted(content.rglob("*"))
    done = make_new(content, *args)
    assert done.returncode != 0
    assert message in done.stderr
    assert sorted(content.rglob("*")) == before
