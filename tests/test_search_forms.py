"""Search by word forms over our real content, in Chromium under the site's CSP header.

The word groups and the measure are bench/search_forms_bench.py's (which compares this with
other approaches): what is relevant is computed from the built pages, so an edited article
moves the expectation, not the test.
"""

from __future__ import annotations

import json

import pytest

from bench import search_forms_bench as forms_bench
from sitebuild import wordforms
from tests.conftest import ROOT
from tests.test_search import Server, free_port, open_search, security_headers

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def real_search_site(tmp_path_factory):
    """(server, output): content/ built for a free port, served with the site's headers."""
    port = free_port()
    output = tmp_path_factory.mktemp("forms-site") / "output"
    forms_bench.build(output, f"http://127.0.0.1:{port}", word_forms=True)
    server = Server(output, port, security_headers())
    yield server, output
    server.close()


def test_every_form_finds_the_pages_of_its_word(real_search_site, chromium_browser):
    """Per form of each word group: recall ≥ 0.9 on average in Ukrainian (0.95 in English)
    against the pages that have any form of the word, and precision ≥ 0.9 on average (no
    short stem floods the results: no form below 0.6)."""
    import pymorphy3

    server, output = real_search_site
    morph = pymorphy3.MorphAnalyzer(lang="uk")
    uk_words = forms_bench.page_words(output, forms_bench.marked_pages(output, "uk"))
    en_words = forms_bench.page_words(output, forms_bench.marked_pages(output, "en"))
    tables = {
        "uk": (forms_bench.UK_GROUPS, "/pagefind/", True,
               {lemma: forms_bench.relevant(uk_words, forms_bench.lemma_forms(lemma, morph))
                for lemma, _ in forms_bench.UK_GROUPS}, 0.9),
        "en": (forms_bench.EN_GROUPS, "/en/pagefind/", False,
               {lemma: forms_bench.relevant(en_words, set(forms))
                for lemma, forms in forms_bench.EN_GROUPS}, 0.95),
    }
    for lang, (groups, bundle, word_forms, relevant, target) in tables.items():
        assert all(relevant.values()), f"{lang}: a word group no page has: {relevant}"
        queries = [form for _, forms in groups for form in forms]
        found = forms_bench.query_all(chromium_browser, server.url, bundle, queries, word_forms)
        scores = forms_bench.scores(found, groups, relevant)
        report = json.dumps(scores, ensure_ascii=False)
        assert scores["mean"]["recall"] >= target, report
        assert scores["mean"]["precision"] >= 0.9, report
        assert scores["min_precision"] >= 0.6, report
    # The control: the same Ukrainian forms through Pagefind alone miss most pages.
    as_typed = forms_bench.query_all(chromium_browser, server.url, "/pagefind/",
                                     [form for _, forms in forms_bench.UK_GROUPS
                                      for form in forms], False)
    assert forms_bench.scores(as_typed, forms_bench.UK_GROUPS,
                              tables["uk"][3])["mean"]["recall"] < 0.9


def test_the_search_page_finds_other_forms_and_marks_the_pages_words(real_search_site,
                                                                      chromium_browser):
    server, _ = real_search_site
    page, response, problems = open_search(chromium_browser, f"{server.url}/search/")
    assert "'wasm-unsafe-eval'" in response.headers["content-security-policy"]
    page.locator("#search-query").fill("сну")
    first = page.locator(".site-search-result").first
    first.wait_for(timeout=15000)
    results = page.locator(".site-search-result")
    assert results.count() >= 5  # «сну» alone is written on fewer pages than «сон»
    stems = {"сн", "сон"}  # the keys of «сон»: «сну» and «сняться» (dream) share «сн»
    for index in range(results.count()):
        marks = results.nth(index).locator(".site-search-excerpt mark").all_inner_texts()
        assert marks, f"result {index}: nothing marked"
        assert all(wordforms.stem(wordforms.words(mark)[0]) in stems for mark in marks), marks
        excerpt = results.nth(index).locator(".site-search-excerpt").inner_text()
        assert wordforms.BLOCK not in excerpt and wordforms.MARK not in excerpt
    assert "q=%D1%81%D0%BD%D1%83" in page.url
    # A word still being typed has no key of its own: Pagefind matches a shorter one
    # («депръ» → «депресъ»), and the excerpt marks the forms it stands for.
    page.locator("#search-query").fill("депре")
    page.locator(".site-search-excerpt mark >> text=/^[Дд]епре/").first.wait_for(timeout=15000)
    page.close()
    assert problems == []


def test_the_search_page_with_results_has_no_axe_violations(real_search_site, chromium_browser):
    server, _ = real_search_site
    context = chromium_browser.new_context(bypass_csp=True)  # only to inject axe-core
    page = context.new_page()
    page.goto(f"{server.url}/search/?q=тривогою")
    page.locator(".site-search-excerpt mark").first.wait_for(timeout=15000)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS)
    context.close()
    assert result["violations"] == [], json.dumps(result["violations"], ensure_ascii=False)
