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


def _scores(site, browser, lang: str, *, word_forms: bool) -> dict:
    """bench/search_forms_bench.scores of the word groups of `lang` on the built site:
    what is relevant (any form of the word in a page; in its title) is read from the pages."""
    import pymorphy3

    server, output = site
    groups = forms_bench.UK_GROUPS if lang == "uk" else forms_bench.EN_GROUPS
    if lang == "uk":
        morph = pymorphy3.MorphAnalyzer(lang="uk")
        forms_of = {lemma: forms_bench.lemma_forms(lemma, morph) for lemma, _ in groups}
    else:
        forms_of = {lemma: set(forms) for lemma, forms in groups}
    pages = forms_bench.marked_pages(output, lang)
    texts = forms_bench.page_words(output, pages)
    titles = forms_bench.page_words(output, pages, title=True)
    relevant = {lemma: forms_bench.relevant(texts, forms) for lemma, forms in forms_of.items()}
    titled = {lemma: forms_bench.relevant(titles, forms) for lemma, forms in forms_of.items()}
    assert all(relevant.values()), f"{lang}: a word group no page has: {relevant}"
    assert sum(map(bool, titled.values())) >= 3, f"{lang}: too few titles to rank: {titled}"
    bundle = "/pagefind/" if lang == "uk" else "/en/pagefind/"
    queries = [form for _, forms in groups for form in forms]
    found = forms_bench.query_all(browser, server.url, bundle, queries, word_forms)
    return forms_bench.scores(found, groups, relevant, titled)


@pytest.mark.parametrize("lang, recall", [("uk", 0.9), ("en", 0.95)])
def test_every_form_finds_the_pages_of_its_word(real_search_site, chromium_browser, lang,
                                                recall):
    """Per form of each word group: recall ≥ 0.9 on average in Ukrainian (0.95 in English)
    against the pages that have any form of the word; precision ≥ 0.9 on average and no
    form below 0.6 (no short stem floods the results); and a page with the word in its
    title comes first (≥ 0.9 of the forms)."""
    scores = _scores(real_search_site, chromium_browser, lang, word_forms=lang == "uk")
    report = json.dumps(scores, ensure_ascii=False)
    assert scores["mean"]["recall"] >= recall, report
    assert scores["mean"]["precision"] >= 0.9, report
    assert scores["min_precision"] >= 0.6, report
    assert scores["mean"]["first_titled"] >= 0.9, report


def test_without_word_forms_in_the_query_the_same_index_misses_most_pages(real_search_site,
                                                                          chromium_browser):
    """The control: the Ukrainian forms searched as typed (the index unchanged)."""
    scores = _scores(real_search_site, chromium_browser, "uk", word_forms=False)
    assert scores["mean"]["recall"] < 0.9, scores["mean"]


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
