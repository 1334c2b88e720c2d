"""Every content check message: `path:line: field: problem — fix`, all reported in one run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core import catalogue
from core.findings import WARNING
from sitebuild.checks import run_all
from sitebuild.config import BuildOptions, read_base
from tests.conftest import FIXTURE_SITE, ROOT

GOOD = """title: Fine
date: 2025-01-01
category: ptsd
summary: ok

Body.
"""

# (relative path, source text or bytes, expected text of the finding)
CASES = [
    ("articles/ptsd/no-title.uk.md", "date: 2025-01-01\ncategory: ptsd\n\nBody.\n",
     "articles/ptsd/no-title.uk.md:1: title: is missing — add a line `title: ...`"),
    ("articles/ptsd/bad-date.uk.md", "title: T\ndate: 2025-13-45\ncategory: ptsd\n\nB\n",
     "articles/ptsd/bad-date.uk.md:2: date: cannot read the date '2025-13-45'"),
    ("articles/ptsd/no-date.uk.md", "title: T\ncategory: ptsd\n\nB\n",
     "articles/ptsd/no-date.uk.md:1: date: is missing — add a line `date: YYYY-MM-DD`"),
    ("articles/ptsd/bad-category.uk.md", "title: T\ndate: 2025-01-01\ncategory: depresion\n\nB\n",
     "bad-category.uk.md:3: category: unknown category 'depresion' (did you mean 'depression'?)"),
    ("articles/ptsd/category-name.en.md", "title: T\ndate: 2025-01-01\ncategory: Depresion\n\nB\n",
     "category-name.en.md:3: category: unknown category 'Depresion' (did you mean 'depression'?)"),
    ("articles/ptsd/category-uk-name.uk.md", "title: T\ndate: 2025-01-01\ncategory: Депрессія\n\nB\n",
     "category-uk-name.uk.md:3: category: unknown category 'Депрессія' (did you mean 'depression'?)"),
    ("articles/ptsd/night-terrors-copy.uk.md",
     "title: T\ndate: 2025-01-01\ncategory: ptsd\nslug: night-terrors\n\nB\n",
     "night-terrors-copy.uk.md:4: slug: slug 'night-terrors' is also used in uk by "
     "articles/ptsd/night-terrors.uk.md, which is built; this file is not"),
    ("articles/ptsd/orphan.uk.md",
     "title: T\ndate: 2025-01-01\ncategory: ptsd\ntranslation_key: night-teror\n\nB\n",
     "orphan.uk.md:4: translation_key: 'night-teror' matches no article in another language"),
    ("articles/ptsd/broken-link.en.md",
     "title: T\ndate: 2025-01-01\ncategory: ptsd\n\nIntro.\n\nSee [x]({filename}missing.en.md).\n",
     "broken-link.en.md:7: link: {filename}missing.en.md points to no file "
     "(looked for content/articles/ptsd/missing.en.md)"),
    ("articles/ptsd/no-alt.en.md",
     "title: T\ndate: 2025-01-01\ncategory: ptsd\n\n![](/images/dot.svg)\n",
     "no-alt.en.md:5: image: image /images/dot.svg has no alt text"),
    ("articles/ptsd/html-no-alt.en.md",
     "title: T\ndate: 2025-01-01\ncategory: ptsd\n\n<img src=\"/images/dot.svg\">\n",
     "html-no-alt.en.md:5: image: an <img> has no alt text"),
    ("articles/ptsd/latin1.uk.md", "title: Caf\xe9\n\n".encode("latin-1"),
     "latin1.uk.md:1: encoding: the file is not UTF-8 (byte 10 is 0xe9)"),
    ("articles/ptsd/bad-status.en.md",
     "title: T\ndate: 2025-01-01\ncategory: ptsd\nstatus: publised\n\nB\n",
     "bad-status.en.md:4: status: unknown status 'publised' (did you mean 'published'?) — use one "
     "of published, draft, hidden"),
    ("articles/ptsd/future-review.en.md",
     "title: T\ndate: 2025-01-01\ncategory: ptsd\nreviewed_by: tester\nreviewed_on: 2999-01-01\n\nB\n",
     "future-review.en.md:5: reviewed_on: 2999-01-01 is in the future"),
    ("articles/ptsd/unknown-field.en.md",
     "title: T\ndate: 2025-01-01\ncatgory: ptsd\n\nB\n",
     "unknown-field.en.md:3: catgory: is not a known field (did you mean 'category'?)"),
    ("articles/ptsd/unknown-reviewer.en.md",
     "title: T\ndate: 2025-01-01\ncategory: ptsd\nreviewed_by: tster\nreviewed_on: 2025-01-01\n\nB\n",
     "unknown-reviewer.en.md:4: reviewed_by: unknown reviewer 'tster' (did you mean 'tester'?)"),
    ("articles/ptsd/unknown-reference.en.md",
     "title: T\ndate: 2025-01-01\ncategory: ptsd\nreferences: sample2021\n\nB\n",
     "unknown-reference.en.md:4: references: unknown reference 'sample2021'"),
    ("articles/ptsd/image-no-alt.en.md",
     "title: T\ndate: 2025-01-01\ncategory: ptsd\nimage: {static}/images/dot.svg\n\nB\n",
     "image-no-alt.en.md:4: image_alt: the lead image has no text alternative"),
    ("articles/ptsd/twice.en.md",
     "title: T\ndate: 2025-01-01\ncategory: ptsd\ntitle: U\n\nB\n",
     "twice.en.md:4: title: is given twice (also on line 1)"),
]


@pytest.fixture
def broken_site(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(FIXTURE_SITE, content)
    for relative, source, _ in CASES:
        path = content / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(source, bytes):
            path.write_bytes(source)
        else:
            path.write_text(source, encoding="utf-8")
    return content


def findings_for(content: Path) -> list[str]:
    """Warnings only: notices (e.g. a review falling due as time passes) never fail a build."""
    settings = read_base(BuildOptions(settings_file=ROOT / "pelicanconf.py", content=content))
    return [str(f) for f in run_all(catalogue.build(settings), settings) if f.level == WARNING]


def test_fixture_site_is_clean() -> None:
    assert findings_for(FIXTURE_SITE) == []


def test_every_problem_is_reported_in_one_run(broken_site: Path) -> None:
    found = findings_for(broken_site)
    for relative, _, expected in CASES:
        assert any(expected in line for line in found), f"{relative}: {expected!r} not in {found}"
    # Each finding names a file, a line, a field, the problem and a fix.
    for line in found:
        location, _, rest = line.partition(": ")
        assert location.rsplit(":", 1)[1].isdigit(), line
        assert " — " in rest, line


def test_files_with_no_problems_are_not_reported(broken_site: Path) -> None:
    found = findings_for(broken_site)
    assert not [line for line in found if line.startswith("articles/depression/")]


def test_valid_article_passes(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(FIXTURE_SITE, content)
    (content / "articles/ptsd/fine.uk.md").write_text(GOOD, encoding="utf-8")
    assert findings_for(content) == []
