"""Tags without an address and articles over the size limits (issue 26 item 6).

Two tags whose slug comes out empty were both written to tag/index.html, one over the other;
a 5 MB article and 2,000 tags passed without a word. Now: findings in our format, the empty
tags left off the site, `make publish` (strict) failing, `make html` going on.
"""

from __future__ import annotations

import shutil

import pytest

from sitebuild.build import BuildFailed
from sitebuild.checks import limits
from core.settings import SettingsError
from tests.conftest import FIXTURE_SITE, build_into

ARTICLE = """title: Tags
date: 2025-05-01
category: news
tags: {tags}

{body}
"""


def site(tmp_path, tags: str, body: str = "Text."):
    content = tmp_path / "content"
    shutil.copytree(FIXTURE_SITE, content)
    (content / "articles" / "news").mkdir(parents=True)
    (content / "articles" / "news" / "tags.en.md").write_text(
        ARTICLE.format(tags=tags, body=body), encoding="utf-8")
    return content


def findings(report, field):
    return [str(f) for f in report.findings if f.path == "articles/news/tags.en.md"
            and f.field == field]


def test_tags_without_a_slug_are_named_and_left_out(tmp_path):
    report = build_into(tmp_path / "output", site(tmp_path, "sleep, ?!, …"))
    assert findings(report, "tags") == [
        f"articles/news/tags.en.md:4: tags: tag {name!r} has no letters or digits, so it has no "
        "address (it would be written over tag/index.html); it is left out — write the tag in "
        "words, e.g. `tags: sleep, anxiety`" for name in ("?!", "…")]
    output = tmp_path / "output"
    assert not (output / "en" / "tag" / "index.html").exists()
    assert (output / "en" / "tag" / "sleep" / "index.html").is_file()
    page = (output / "en" / "articles" / "tags" / "index.html").read_text(encoding="utf-8")
    assert "#?!" not in page and "#sleep" in page
    # One message per mistake: Pelican's own "Unable to generate valid slug" is never logged.
    assert not [w for w in report.render_warnings if "slug" in w]


def test_limits_are_warnings_with_the_numbers(tmp_path):
    tags = ", ".join(f"tag{n}" for n in range(14))
    body = "word " * 50_000
    report = build_into(tmp_path / "output", site(tmp_path, tags, body),
                        CONTENT_LIMITS={"article_bytes": 100_000})
    assert findings(report, "tags") == [
        "articles/news/tags.en.md:4: tags: 14 tags, more than "
        "CONTENT_LIMITS['tags_per_article'] = 12 — keep the few tags readers would browse by; "
        "raise the limit in pelicanconf.py only if the site really needs more"]
    [size] = findings(report, "size")
    assert size.startswith("articles/news/tags.en.md:1: size: the file is 250,")
    assert "more than CONTENT_LIMITS['article_bytes'] = 100,000" in size
    assert (tmp_path / "output" / "en" / "articles" / "tags" / "index.html").is_file()


def test_a_strict_build_fails_on_them(tmp_path):
    with pytest.raises(BuildFailed):
        build_into(tmp_path / "output", site(tmp_path, "sleep, ???"), strict=True)


def test_within_the_limits_nothing_is_said(tmp_path):
    report = build_into(tmp_path / "output", site(tmp_path, "sleep, сон, PTSD"))
    assert findings(report, "tags") == findings(report, "size") == []


@pytest.mark.parametrize("value, message", [
    ({"article_byte": 1}, "unknown key"),
    ({"article_bytes": "big"},
     r"CONTENT_LIMITS\['article_bytes'\] must be a whole number of bytes"),
    ({"tags_per_article": 0}, r"\['tags_per_article'\] must be a whole number, 1 or more, got 0"),
])
def test_limit_settings_are_checked(value, message):
    with pytest.raises(SettingsError, match=message):
        limits.load({"CONTENT_LIMITS": value})
