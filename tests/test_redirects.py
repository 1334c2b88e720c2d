"""sitebuild/redirects.py on plain records: which old paths redirect, and what the build warns."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitebuild import redirects
from sitebuild.redirects import Claim, Rule


def finding(source: str, line: int, problem: str, fix: str) -> str:
    return f"{source}:{line}: old_urls: {problem} — {fix}"


def claim(old: str, target: str, source: str = "a.uk.md", line: int = 5) -> Claim:
    return Claim(old, target, "Title", "uk", source, line)


def plan(claims, pages=(), missing=()):
    """The plan on a site whose pages are `pages` plus every target that is no old path
    (except `missing`)."""
    olds = {redirects.normalise(c.old) for c in claims}
    targets = {c.target for c in claims if "/" + c.target not in olds and c.target not in missing}
    served = {redirects.page_file(Path("/site"), "/" + p) for p in [*pages, *targets]}

    def page_at(path: str) -> str | None:
        found = redirects.page_file(Path("/site"), path)
        return found.relative_to("/site").as_posix().removesuffix("index.html") \
            if found in served else None

    return redirects.plan(claims, "/", page_at, finding)


@pytest.mark.parametrize("old, expected", [
    ("/%D0%BF%D1%80%D0%BE-%D0%BD%D0%B0%D1%81/", "/про-нас/"),
    ("/%d0%bf%d1%80%d0%be-%d0%bd%d0%b0%d1%81/", "/про-нас/"),  # WordPress writes lower case
    ("/про-нас/", "/про-нас/"),
    ("https://expio.com.ua/en/about-us/", "/en/about-us/"),
    ("old-page.html", "/old-page.html"),
    ("https://expio.com.ua/?p=12", None),
])
def test_old_urls_are_normalised_to_decoded_paths(old: str, expected) -> None:
    assert redirects.normalise(old) == expected


def test_a_path_that_is_a_page_of_the_new_site_is_not_redirected_and_is_reported() -> None:
    rules, warnings = plan([claim("/about/", "about-us/"), claim("/about-us/", "about-us/")],
                           pages=["about/", "about-us/"])
    assert rules == []
    assert warnings == ["a.uk.md:5: old_urls: old URL /about/ is a page of the new site "
                        "(/about/); the page is kept and nothing redirects — remove the old "
                        "URL or change the page's slug"]  # /about-us/ is its own page: silent


def test_two_files_claiming_one_old_path_are_reported_and_the_first_wins() -> None:
    rules, warnings = plan([claim("/x/", "articles/a/", "a.uk.md"),
                            claim("/%78/", "articles/b/", "b.uk.md", 3)])
    assert [r.target for r in rules] == ["/articles/a/"]
    assert warnings == ["b.uk.md:3: old_urls: old URL /x/ is also claimed by a.uk.md; it "
                        "redirects to /articles/a/ — keep it in one file only"]


def test_chains_are_shortened_and_reported_and_loops_dropped() -> None:
    # /a/ → /b/ (not a page: b's file is a draft or gone) whose old path /b/ → /c/.
    rules, warnings = plan([claim("/a/", "b/", "a.uk.md"), claim("/b/", "c/", "b.uk.md"),
                            claim("/loop1/", "loop2/"), claim("/loop2/", "loop1/")])
    assert Rule("/a/", "/c/", "Title", "uk") in rules
    assert Rule("/b/", "/c/", "Title", "uk") in rules
    assert "a.uk.md:5: old_urls: redirects chain: /a/ → /b/ → /c/; pointed straight at /c/ " \
           "— give each old URL only the final page" in warnings
    assert not [r for r in rules if r.path.startswith("/loop")]
    assert any("redirects loop: /loop1/ → /loop2/ → /loop1/" in w for w in warnings)


def test_a_redirect_to_no_page_is_reported() -> None:
    rules, warnings = plan([claim("/old/", "category/gone/")], missing={"category/gone/"})
    assert [r.path for r in rules] == ["/old/"]
    assert warnings == ["a.uk.md:5: old_urls: /old/ leads to /category/gone/, which is no page "
                        "of the new site — correct the new path"]


def test_a_query_string_cannot_be_redirected_statically() -> None:
    rules, warnings = plan([claim("/?p=12", "articles/a/")])
    assert rules == [] and "has a query string" in warnings[0]


def test_more_rules_than_cloudflare_reads_are_split_with_a_warning(tmp_path: Path) -> None:
    rules = [Rule(f"/old-{n:02d}/", f"/articles/new-{n:02d}/", "T", "en") for n in range(5)]
    warnings = redirects.write(tmp_path, rules, {"SITEURL": "https://expio.example"},
                               {"rule_limit": 3, "status": 301})
    assert (tmp_path / "_redirects").read_text().splitlines() == [
        "/old-00/ /articles/new-00/ 301", "/old-01/ /articles/new-01/ 301",
        "/old-02/ /articles/new-02/ 301"]
    assert len((tmp_path / "_redirects.rest").read_text().splitlines()) == 2
    assert len(warnings) == 1 and "more than the 3" in warnings[0]
    assert (tmp_path / "old-04" / "index.html").is_file()


def test_nothing_is_written_outside_the_output(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    redirects.write(site, [Rule("/../escape/", "/x/", "T", "en")],
                    {"SITEURL": "https://expio.example"}, redirects.DEFAULTS)
    assert not (tmp_path / "escape").exists()


def test_settings_are_checked() -> None:
    assert redirects.load({}) == redirects.DEFAULTS
    with pytest.raises(ValueError, match="unknown key"):
        redirects.load({"REDIRECTS": {"limit": 5}})
    with pytest.raises(ValueError, match="must be a whole number"):
        redirects.load({"REDIRECTS": {"rule_limit": "5"}})
    with pytest.raises(ValueError, match=r"REDIRECTS\['status'\] must be one of 301, 302"):
        redirects.load({"REDIRECTS": {"status": 200}})


def test_the_redirects_file_adds_paths_no_source_file_has(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data/redirects.toml").write_text(
        '# old category archives\n"/category/%D0%BF%D1%82%D1%81%D1%80/" = "/category/ptsd/"\n'
        '"/en/category/ptsd-en/" = "/en/category/ptsd/"\n"/bad/" = 5\n', encoding="utf-8")
    claims, warnings = redirects.read_file(tmp_path, "data/redirects.toml", ("uk", "en"), "uk",
                                           finding)
    assert [(c.old, c.target, c.lang, c.line) for c in claims] == [
        ("/category/%D0%BF%D1%82%D1%81%D1%80/", "category/ptsd/", "uk", 2),
        ("/en/category/ptsd-en/", "en/category/ptsd/", "en", 3)]
    assert warnings == ["data/redirects.toml:4: old_urls: '/bad/' leads to 5, not to a path — "
                        'give the new path in quotes, e.g. "/articles/x/"']
    (tmp_path / "data/redirects.toml").write_text('"/x/" = \n', encoding="utf-8")
    claims, warnings = redirects.read_file(tmp_path, "data/redirects.toml", ("uk",), "uk",
                                           finding)
    assert claims == [] and warnings[0].startswith("data/redirects.toml:1: old_urls: cannot be")
    assert redirects.read_file(tmp_path / "none", "data/redirects.toml", ("uk",), "uk",
                               finding) == ([], [])
