"""Search by word forms: recall and precision of each approach, and what it costs.

`run()` builds our real content (content/) twice, without and with SEARCH_WORD_FORMS, and
indexes the Ukrainian pages in the other ways compared, each into its own bundle:

- `as is`: Pagefind as it was (no Ukrainian stemmer; words match as typed or as prefixes);
- `ru snowball`: Pagefind's own language handling, its Russian Snowball stemmer
  (`--force-language ru`), the nearest language it stems;
- `stems`: sitebuild/wordforms.py's keys, the stem of each word only (no dictionary);
- `stems + forms` (what the build does): the stems of every form of each word, from
  pymorphy3's Ukrainian dictionary.

Each is queried in Chromium through theme/static/js/wordforms.js (what the search page
runs) with every form of the word groups below. A page is relevant to a group when its
indexed text has any form of the word (pymorphy3's forms of the lemma; the listed forms in
English). Per form: recall = relevant pages found / relevant pages, precision = relevant
pages found / pages found; `share of union` is the issue's measure (pages a form finds /
pages any form of the word finds); `first result titled`: how often the first result is a
page whose title has the word, where one has (the ranking). Also: index bytes, indexing
seconds, the bytes a first
query downloads before and after (bench/search_bench.py's measure), and the size of the
dictionary a browser would need to lemmatise or expand a query itself (approaches a and d,
not built: see the figures).

The groups are nouns and adjectives of our own articles; what is relevant is computed from
the built site, so an edited article changes the expectation, not the test.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from sitebuild import search, wordforms

ROOT = Path(__file__).resolve().parent.parent

# (lemma, forms a reader may type). Ukrainian: nouns and adjectives, singular and plural,
# several cases, alternations (сон/сну, біль/болю, день/дня).
UK_GROUPS = (
    ("кетамін", ("кетамін", "кетаміну", "кетаміні", "кетаміном")),
    ("сон", ("сон", "сну", "сном")),
    ("депресія", ("депресія", "депресії", "депресією", "депресію")),
    ("тривога", ("тривога", "тривоги", "тривогою", "тривогу")),
    ("біль", ("біль", "болю", "болем")),
    ("травма", ("травма", "травми", "травмою")),
    ("ветеран", ("ветеран", "ветерани", "ветеранів", "ветеранами")),
    ("день", ("день", "дня", "днів")),
    ("лікар", ("лікар", "лікаря", "лікарем", "лікарі")),
    ("психотерапевт", ("психотерапевт", "психотерапевта", "психотерапевтом")),
    ("розлад", ("розлад", "розлади", "розладом", "розладів")),
    ("антидепресант", ("антидепресант", "антидепресанти", "антидепресантів")),
    ("симптом", ("симптом", "симптоми", "симптомів")),
    ("пацієнт", ("пацієнт", "пацієнти", "пацієнтів", "пацієнтами")),
    ("думка", ("думка", "думки", "думок")),
    ("алкоголь", ("алкоголь", "алкоголю", "алкоголем")),
    ("фахівець", ("фахівець", "фахівця", "фахівці", "фахівців")),
    ("психотерапія", ("психотерапія", "психотерапією", "психотерапії")),
    ("тіло", ("тіло", "тілом", "тіла")),
    ("напруга", ("напруга", "напругу", "напругою")),
    ("тривожний", ("тривожний", "тривожні", "тривожних", "тривожного")),
    ("хронічний", ("хронічний", "хронічним", "хронічне", "хронічна")),
    ("кетаміновий", ("кетамінова", "кетамінової", "кетаміновий")),
)
EN_GROUPS = (
    ("veteran", ("veteran", "veterans")),
    ("treatment", ("treatment", "treatments")),
    ("symptom", ("symptom", "symptoms")),
    ("patient", ("patient", "patients")),
    ("disorder", ("disorder", "disorders")),
    ("antidepressant", ("antidepressant", "antidepressants")),
    ("session", ("session", "sessions")),
    ("thought", ("thought", "thoughts")),
    ("doctor", ("doctor", "doctors")),
    ("attack", ("attack", "attacks")),
)


# --- what is relevant ---------------------------------------------------------------------

def marked_pages(site: Path, lang: str) -> list[str]:
    """The pages of a built site (ours: English under en/) that search indexes."""
    pages = []
    for path in sorted(site.rglob("index.html")):
        page = path.relative_to(site).as_posix()
        if page.startswith("en/") == (lang == "en") and search.MARK in path.read_text(
                encoding="utf-8"):
            pages.append(page)
    return pages


def page_words(site: Path, pages: Iterable[str], *,
               title: bool = False) -> dict[str, set[str]]:
    """{url as Pagefind gives it: its indexed words, folded} for the built pages (`title`:
    the words of its h1 only)."""
    found = {}
    for page in pages:
        text = (site / page).read_text(encoding="utf-8")
        if title:
            heading = re.search(r"<h1\b[^>]*>(.*?)</h1>", text, re.DOTALL)
            text = re.sub(r"<[^>]*>", " ", heading[1]) if heading else ""
        else:
            text = wordforms.body_text(text) or ""
        url = "/" + page.removesuffix("index.html")
        found[url] = {wordforms.fold(word) for word in wordforms.words(text)}
    return found


def lemma_forms(lemma: str, morph) -> set[str]:
    """Every form of the lemma in the dictionary (of each of its parses as that lemma)."""
    forms = {lemma}
    for parse in morph.parse(lemma):
        if parse.normal_form == lemma:
            forms.update(form.word for form in parse.lexeme)
    return {wordforms.fold(form) for form in forms}


def relevant(words_of: dict[str, set[str]], forms: set[str]) -> set[str]:
    return {url for url, words in words_of.items() if words & forms}


def scores(found: dict[str, list[str]], groups, relevant_of: dict[str, set[str]],
           titled_of: dict[str, set[str]] | None = None) -> dict:
    """Recall, precision and share of the union per form, and their means; with
    `titled_of` (pages whose title has the word), how often the first result is one of
    them, where there are any (the ranking)."""
    rows = {}
    for lemma, forms in groups:
        wanted = relevant_of[lemma]
        union = set().union(*(found[form] for form in forms))
        for form in forms:
            got = set(found[form])
            hits = len(got & wanted)
            rows[form] = {
                "found": len(got), "relevant": len(wanted),
                "recall": round(hits / len(wanted), 3) if wanted else 1.0,
                "precision": round(hits / len(got), 3) if got else 1.0,
                "share_of_union": round(len(got) / len(union), 3) if union else 1.0,
            }
            if titled_of and titled_of[lemma]:
                rows[form]["first_titled"] = float(bool(found[form])
                                                   and found[form][0] in titled_of[lemma])
    mean = {name: round(sum(row[name] for row in rows.values()) / len(rows), 3)
            for name in ("recall", "precision", "share_of_union")}
    ranked = [row["first_titled"] for row in rows.values() if "first_titled" in row]
    if ranked:
        mean["first_titled"] = round(sum(ranked) / len(ranked), 3)
    return {"mean": mean, "min_recall": min(row["recall"] for row in rows.values()),
            "min_precision": min(row["precision"] for row in rows.values()), "forms": rows}


# --- querying in the browser ----------------------------------------------------------------

QUERY_ALL = """async ([bundle, queries, wordForms]) => {
  const pagefind = await import(bundle + "pagefind.js");
  await pagefind.options({ baseUrl: "/" });
  await pagefind.init();
  const { findPages } = await import("/theme/js/wordforms.js");
  const found = {};
  for (const query of queries) {
    const { search } = await findPages(pagefind, query, {}, { wordForms });
    found[query] = await Promise.all(search.results.map(async (r) => (await r.data()).url));
  }
  return found;
}"""


def query_all(browser, base: str, bundle: str, queries: list[str],
              word_forms: bool) -> dict[str, list[str]]:
    """{query: URLs of every page found}, through wordforms.findPages as the page runs it."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/robots.txt")  # any document of the origin: the modules are imported
    try:
        return page.evaluate(QUERY_ALL, [bundle, queries, word_forms])
    finally:
        context.close()


# --- building and indexing -------------------------------------------------------------------

def build(output: Path, base: str, word_forms: bool) -> float:
    from sitebuild.build import build as build_site
    from sitebuild.config import BuildOptions

    started = time.perf_counter()
    build_site(BuildOptions(
        settings_file=ROOT / "pelicanconf.py", content=ROOT / "content", output=output,
        cache=False, overrides=(("SITEURL", base), ("FEED_DOMAIN", base),
                                ("SEARCH_WORD_FORMS", ["uk"] if word_forms else []))))
    return round(time.perf_counter() - started, 2)


def index_variant(site: Path, pages: list[str], out: Path, *, language: str,
                  keys: wordforms.Keys | None) -> float:
    """Index `pages` of `site` into `out` (copies with `keys` when given); seconds taken."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        tree = Path(scratch) / "site"
        for page in pages:
            target = tree / page
            target.parent.mkdir(parents=True, exist_ok=True)
            text = (site / page).read_text(encoding="utf-8")
            target.write_text(wordforms.index_copy(text, keys) if keys else text,
                              encoding="utf-8")
        command = search.command(tree, out, "uk")
        command[command.index("--force-language") + 1] = language
        subprocess.run(command, cwd=scratch, check=True, capture_output=True)
    return round(time.perf_counter() - started, 2)


def dictionary_bytes() -> dict:
    """What a browser would download to lemmatise (a) or expand (d) a query itself."""
    import pymorphy3_dicts_uk

    data = Path(pymorphy3_dicts_uk.get_path())
    raw = sum(p.stat().st_size for p in data.iterdir())
    packed = sum(len(gzip.compress(p.read_bytes(), 6)) for p in data.iterdir())
    return {"pymorphy3_dicts_uk_bytes": raw, "pymorphy3_dicts_uk_gzip_bytes": packed}


def run() -> dict:
    from playwright.sync_api import sync_playwright

    from bench import search_bench
    from bench.page_weight_bench import _free_port, _security_headers, serve
    from tests.browser import launch

    with tempfile.TemporaryDirectory(prefix="search-forms-") as scratch:
        work = Path(scratch)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        before, after = work / "before", work / "after"
        figures: dict = {"build_seconds": {"without word forms": build(before, base, False),
                                           "with word forms": build(after, base, True)}}
        uk_pages, en_pages = marked_pages(after, "uk"), marked_pages(after, "en")
        variants = after / "_variants"
        timing = {
            "as is": index_variant(after, uk_pages, variants / "as-is", language="uk", keys=None),
            "ru snowball": index_variant(after, uk_pages, variants / "ru", language="ru",
                                         keys=None),
            "stems": index_variant(after, uk_pages, variants / "stems", language="uk",
                                   keys=wordforms.Keys()),
            "stems + forms": index_variant(after, uk_pages, variants / "forms", language="uk",
                                           keys=wordforms.Keys.with_dictionary()),
        }
        bundles = {"as is": ("/_variants/as-is/", False), "ru snowball": ("/_variants/ru/", False),
                   "stems": ("/_variants/stems/", True), "stems + forms": ("/_variants/forms/", True)}
        import pymorphy3

        morph = pymorphy3.MorphAnalyzer(lang="uk")
        uk_words = page_words(after, uk_pages)
        uk_relevant = {lemma: relevant(uk_words, lemma_forms(lemma, morph))
                       for lemma, _ in UK_GROUPS}
        uk_titles = page_words(after, uk_pages, title=True)
        uk_titled = {lemma: relevant(uk_titles, lemma_forms(lemma, morph))
                     for lemma, _ in UK_GROUPS}
        en_words = page_words(after, en_pages)
        en_relevant = {lemma: relevant(en_words, set(forms)) for lemma, forms in EN_GROUPS}
        en_titles = page_words(after, en_pages, title=True)
        en_titled = {lemma: relevant(en_titles, set(forms)) for lemma, forms in EN_GROUPS}
        uk_queries = [form for _, forms in UK_GROUPS for form in forms]
        en_queries = [form for _, forms in EN_GROUPS for form in forms]
        with serve(after, port, _security_headers()), sync_playwright() as playwright:
            browser = launch(playwright)
            uk = {}
            for name, (bundle, forms_on) in bundles.items():
                found = query_all(browser, base, bundle, uk_queries, forms_on)
                fragments = list((after / bundle.strip("/") / "fragment").iterdir())
                uk[name] = {**scores(found, UK_GROUPS, uk_relevant, uk_titled),
                            "index_seconds": timing[name],
                            **search_bench.bundle_size(after, bundle.strip("/")),
                            "fragment_bytes_mean": round(sum(
                                p.stat().st_size for p in fragments) / len(fragments))}
            en_found = query_all(browser, base, "/en/pagefind/", en_queries, False)
            browser.close()
        figures["uk"] = uk
        figures["en"] = scores(en_found, EN_GROUPS, en_relevant, en_titled)
        figures["first_query"] = {}
        for name, site in (("before", before), ("after", after)):
            shutil.rmtree(site / "_variants", ignore_errors=True)
            search_bench._served_from_root(site, {"SITEURL": base, "DEFAULT_LANG": "uk"})
            figures["first_query"][name] = search_bench.first_query_bytes(
                site, {"uk": "кетаміну", "en": "ketamine"})
        figures["browser_dictionary_not_built"] = dictionary_bytes()
    return figures


APPROACHES = {  # figures["uk"] key -> what it is, for the table
    "as is": "Pagefind as it was (words as typed, or as prefixes)",
    "ru snowball": "(c) Pagefind's own stemming: `--force-language ru` (Russian Snowball)",
    "stems": "(b) keys: stems by wordforms.py, query stemmed in the browser",
    "stems + forms": "(b) + the stems of every form (pymorphy3 at build time): **built**",
}


def table(figures: dict) -> list[str]:
    """The Markdown table of results.md (every figure, per form too, is in results.json)."""
    lines = [(f"| Ukrainian, per form of {len(UK_GROUPS)} words | recall | precision "
              "| share of union | lowest recall | lowest precision | first result titled "
              "| index KB | a result's fragment KB | indexing s |"),
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, row in figures["uk"].items():
        mean = row["mean"]
        lines.append(
            f"| {APPROACHES.get(name, name)} | {mean['recall']:.3f} | {mean['precision']:.3f} "
            f"| {mean['share_of_union']:.3f} | {row['min_recall']:.3f} "
            f"| {row['min_precision']:.3f} | {mean.get('first_titled', 0):.3f} "
            f"| {row['index_bytes'] / 1000:.0f} "
            f"| {row['fragment_bytes_mean'] / 1000:.1f} | {row['index_seconds']:.2f} |")
    en = figures["en"]
    lines.append(f"| English, {len(EN_GROUPS)} words (Pagefind's stemmer) "
                 f"| {en['mean']['recall']:.3f} "
                 f"| {en['mean']['precision']:.3f} | {en['mean']['share_of_union']:.3f} "
                 f"| {en['min_recall']:.3f} | {en['min_precision']:.3f} "
                 f"| {en['mean'].get('first_titled', 0):.3f} | | | |")
    lines += ["", ("| a first query (search page + Pagefind + results) | requests | KB in all "
                   "| KB after typing | ms to results |"), "|---|---|---|---|---|"]
    for when, langs in figures["first_query"].items():
        for lang, query in langs.items():
            lines.append(f"| {when} word forms, {lang} «{query['query']}» | {query['requests']} "
                         f"| {query['bytes_total'] / 1000:.0f} "
                         f"| {query['bytes_after_typing'] / 1000:.0f} "
                         f"| {query['first_results_ms']} |")
    dictionary = figures["browser_dictionary_not_built"]
    lines += ["", f"Not built, (a) lemmatising or (d) expanding the query in the browser: "
              f"pymorphy3's Ukrainian dictionary is "
              f"{dictionary['pymorphy3_dicts_uk_bytes'] / 1e6:.1f} MB "
              f"({dictionary['pymorphy3_dicts_uk_gzip_bytes'] / 1e6:.1f} MB gzipped) for a "
              "first query. Build of content/ without / with word forms: "
              + " / ".join(f"{seconds:.2f} s" for seconds in figures["build_seconds"].values())
              + "."]
    return lines


if __name__ == "__main__":
    result = run()
    print("\n".join(table(result)))
    print(json.dumps(result, indent=1, ensure_ascii=False))
