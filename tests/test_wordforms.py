"""Ukrainian word forms for search (sitebuild/wordforms.py and theme/static/js/wordforms.js)."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from sitebuild import wordforms
from tests.conftest import ROOT

JS = ROOT / "theme" / "static" / "js" / "wordforms.js"


@pytest.fixture(scope="module")
def keys():
    return wordforms.Keys.with_dictionary()


@pytest.mark.parametrize("forms", [
    ("кетамін", "кетаміну", "кетаміні", "кетаміном", "кетамінові"),
    ("ветеран", "ветерани", "ветеранів", "ветеранами", "ветеранам"),
    ("травма", "травми", "травмою", "травмам"),
    ("депресивний", "депресивного", "депресивному", "депресивних"),
    # ґ and г, and the three apostrophes, are one spelling
    ("ґрунт", "ґрунту", "грунту", "Ґрунтом"),
    ("пам'ять", "пам’ять", "памʼять"),
])
def test_forms_of_a_word_have_one_stem(forms):
    assert len({wordforms.stem(form) for form in forms}) == 1, [
        (form, wordforms.stem(form)) for form in forms]


@pytest.mark.parametrize("typed, written", [
    # alternations a stem cannot join: the dictionary's forms of the written word do
    ("сну", "сон"), ("сном", "сон"), ("сон", "сну"),
    ("болю", "біль"), ("біль", "болем"),
    ("дня", "день"), ("день", "днів"),
    ("тривозі", "тривога"), ("тривогою", "тривозі"),
    ("людей", "людина"),
    ("пʼяти", "п'ять"), ("п’ять", "пʼятьма"),
    ("ґрунтові", "ґрунт"),
])
def test_a_typed_form_finds_a_written_one(keys, typed, written):
    [query] = wordforms.query_keys(typed)
    assert query in {key + wordforms.MARK for key in keys.of(written)}


@pytest.mark.parametrize("typed, written", [
    ("сну", "сніг"), ("сон", "сонце"), ("день", "деньги"), ("біль", "більше"),
])
def test_a_short_stem_does_not_spill_into_other_words(keys, typed, written):
    [query] = wordforms.query_keys(typed)
    assert query not in {key + wordforms.MARK for key in keys.of(written)}


def test_fold_and_keys_keep_what_pagefind_would_fold_or_drop_out():
    # Pagefind folds й/ї in a query (NFD, marks dropped) and drops apostrophes: keys have none.
    assert wordforms.fold("Їжак-Йог пам’ять Ґанок") == "іжак-иог память ганок"
    keys = wordforms.query_keys("Його ЇЖІ, п'ять!")
    assert keys == ["иогъ", "іжъ", "пятъ"]
    assert all(key.endswith(wordforms.MARK) and "й" not in key for key in keys)
    # Python's str.split and the browser's /\s+/ differ on some spaces: these agree
    assert wordforms.query_keys(" ПТСР  2024\tCOVID-19 ") == ["птсръ", "2024", "covidъ"]


def test_index_copy_adds_grouped_weighted_keys_inside_the_body_only(keys):
    page = ('<html><head><title>Сон</title></head><body><nav>Меню сніданок</nav>'
            '<article data-pagefind-body><h1>Про сон</h1><div><p>Без сну &amp; болю, без '
            'болю.</p></div><aside data-pagefind-ignore><p>Кризова лінія</p></aside></article>'
            '<footer>Контакти</footer></body></html>')
    copy = wordforms.index_copy(page, keys)
    body_end = copy.index("</article>")
    block = copy[copy.index("<p hidden>"):body_end]
    assert copy.index("<p hidden>") < body_end
    assert copy.endswith("<footer>Контакти</footer></body></html>")
    assert copy.replace(block, "") == page  # nothing else changes
    # Weighted as the words weigh: «сон» in the h1 (7) and «сну» (+1), «про» in the h1;
    # «без» and «болю» twice each.
    spans = dict(re.findall(r'<span data-pagefind-weight="(\d+)">([^<]*)</span>', block))
    weighted = {weight: [group.split() for group in text.split(wordforms.GROUP)]
                for weight, text in spans.items()}
    assert weighted == {"2": [["безъ"], ["болъ", "білъ"]], "7": [["пръ"]],
                        "8": [["снъ", "сонъ"]]}
    text = re.sub(r"<[^>]*>", " ", block).split()
    assert text[0] == wordforms.BLOCK and text.count(wordforms.GROUP) == 3
    assert "кризовъ" not in text and "менюъ" not in text  # ignored, outside the body
    assert wordforms.index_copy("<p>no body</p>", keys) == "<p>no body</p>"


# A page with what the copy must get right: the marked body found past a script that names
# its attribute, attributes on several lines, an h1 with markup, entities and no-break spaces,
# tabs and newlines between words, apostrophes, digits and underscores inside tokens, a
# script and an ignored element inside the body.
SAMPLE_PAGE = (
    '<!DOCTYPE html>\n<html lang="uk"><head><meta charset="utf-8"><title>Сон і тривога</title>'
    '<script>var data = "data-pagefind-body";</script></head>\n<body><nav><a href="/">Меню</a> '
    'сніданок</nav>\n<main class="page">\n<article class="post"\n  data-pagefind-body data-x=\'1\'>'
    '<h1 class="title">Сон і <em>тривога</em>: п’ять порад</h1>\n<p>Тривога&nbsp;заважає сну, '
    'а сон\u00a0— тривозі.\tБез сну 2024 року\nп\'ять разів, ПТСР-ветерани; '
    'Ґрунт/грунту.</p><script>сон = "не слово";</script><div data-pagefind-ignore="all">'
    '<p>Кризова <b>лінія</b> 7333</p><div>ще</div></div><p>День і дня, біль і болю; '
    'болем_і сон2сну.</p></article></main><footer>Контакти</footer></body></html>\n')
SAMPLE_BLOCK = (
    '<p hidden> ␞ <span data-pagefind-weight="1"> заважъ заважаъ заважаимъ заважаитъ '
    'заважатимъ ␟ аъ ␟ безъ ␟ рокъ роцъ рікъ ␟ разъ ␟ птсръ ␟ ветеранъ ␟ болъ білъ біллъ '
    '</span> ␟ <span data-pagefind-weight="2"> грунтъ ␟ денъ днъ ␟ болъ білъ </span> ␟ '
    '<span data-pagefind-weight="7"> порадъ </span> ␟ <span data-pagefind-weight="8"> пятъ '
    'пятьъ пятьмъ пятьомъ пятьохъ </span> ␟ <span data-pagefind-weight="9"> тривогъ тривозъ '
    '</span> ␟ <span data-pagefind-weight="10"> снъ сонъ ␟ іъ </span> </p>')


def test_index_copy_of_a_sample_page_is_pinned_byte_for_byte(keys):
    """The exact copy Pagefind reads (made with the code of 661b100, before the copies
    were made faster): a faster way must not change a byte. If the block is changed on
    purpose, regenerate SAMPLE_BLOCK with `wordforms.index_copy(SAMPLE_PAGE, keys)` and say
    why in the commit."""
    copy = wordforms.index_copy(SAMPLE_PAGE, keys)
    assert copy.encode() == SAMPLE_PAGE.replace(
        "</article>", SAMPLE_BLOCK + "</article>", 1).encode()
    # The same keys again (now from the caches), from another Keys with the same rules, and
    # from one that forgets what it remembered as soon as it holds more than 3 tokens
    assert wordforms.index_copy(SAMPLE_PAGE, keys) == copy
    assert wordforms.index_copy(SAMPLE_PAGE, wordforms.shared_keys()) == copy
    forgetful = wordforms.Keys(keys.morph)
    forgetful.REMEMBERED = 3
    assert [wordforms.index_copy(SAMPLE_PAGE, forgetful) for _ in range(2)] == [copy, copy]


def test_a_page_s_groups_are_its_words_groups_in_the_order_they_come(keys):
    """Keys.counts reads words token by token (each token's words found once): the same
    groups, counts and order as the words of the whole text."""
    text = wordforms.body_text(SAMPLE_PAGE).lower() + " сон\u2003сну п'ять\u200bп’ять ''сон'' і'"
    expected: dict[str, int] = {}
    for word in wordforms.words(text):
        group = " ".join(key + wordforms.MARK for key in keys.of(word))
        expected[group] = expected.get(group, 0) + 1
    assert list(keys.counts(text).items()) == list(expected.items())


WORD_LIST = [
    "кетамін", "кетаміну", "кетаміні", "кетаміном", "кетамінові", "кетамінами", "сон", "сну",
    "сном", "снові", "біль", "болю", "болем", "день", "дня", "днів", "депресія", "депресії",
    "депресією", "депресій", "тривога", "тривоги", "тривогою", "тривозі", "ветеран", "ветерани",
    "ветеранів", "травма", "травми", "лікування", "лікують", "лікувати", "лікувала", "лікуватися",
    "посміхаючись", "депресивний", "депресивного", "депресивному", "депресивних", "білий", "біла",
    "ґрунт", "Ґрунту", "пам'ять", "пам’ять", "памʼять", "п'ятьма", "їжак", "Його", "йога", "є",
    "я", "в", "ст.", "ПТСР", "COVID-19", "психотерапевтом", "зустрічаємося", "займатись",
    "роблячи", "писавши", "їхніми", "українського", "2024", "—", "№5",
]


def test_browser_and_build_stem_alike():
    """wordforms.js and wordforms.py give the same stem and the same query keys, word for
    word (Node runs the browser module as it is)."""
    script = (f"import * as forms from {json.dumps(JS.as_uri())};\n"
              "const list = JSON.parse(process.argv[1]);\n"
              "console.log(JSON.stringify({stems: list.map(forms.stem), "
              "keys: forms.queryKeys(list.join(' ')), words: forms.words(list.join(' ')), "
              "rules: [forms.ENDINGS, forms.MARK, forms.BLOCK, forms.GROUP, forms.MIN_STEM]}));")
    done = subprocess.run(["node", "--input-type=module", "-e", script, json.dumps(WORD_LIST)],
                          capture_output=True, text=True, check=True)
    browser = json.loads(done.stdout)
    text = " ".join(WORD_LIST)
    assert browser["stems"] == [wordforms.stem(word) for word in WORD_LIST]
    assert browser["words"] == wordforms.words(text)
    assert browser["keys"] == wordforms.query_keys(text)
    assert browser["rules"] == [list(wordforms.ENDINGS), wordforms.MARK, wordforms.BLOCK,
                                wordforms.GROUP, wordforms.MIN_STEM]


@pytest.mark.parametrize("value, message", [
    (["en"], r"SEARCH_WORD_FORMS\[0\] must be a language with word-form rules \(uk\), got 'en'"),
    ("uk", r"SEARCH_WORD_FORMS must be a list of languages with word-form rules \(uk\), got 'uk'"),
    (["uk", "ru"], r"SEARCH_WORD_FORMS\[1\] must be a language with word-form rules \(uk\), "
                   r"got 'ru'"),
])
def test_word_forms_only_for_languages_with_rules(tmp_path, value, message):
    from core.settings import SettingsError
    from tests.conftest import build_into

    with pytest.raises(SettingsError, match=message):
        build_into(tmp_path / "output", SEARCH_WORD_FORMS=value)
    assert not (tmp_path / "output").exists()
