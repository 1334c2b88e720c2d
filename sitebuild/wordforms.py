"""Ukrainian word forms for search: one key for the forms of a word, the same in the browser.

Pagefind has no Ukrainian stemmer: it matches the words of a query as they are, or as
prefixes, so «кетаміну» missed pages that say «кетамін», and «сну» those that say «сон».
Search therefore works on keys as well as words:

- `stem(word)` folds a word (lower case; the apostrophes ' ’ ʼ dropped; ґ as г; й and ї as
  и and і, as Pagefind folds them in a query) and cuts one case, number, person or tense
  ending, leaving at least two letters. theme/static/js/wordforms.js is the same rule in
  JavaScript (tests/test_wordforms.py checks they agree word for word).
- `Keys` adds, for each word of a page, the stems of every form of its word: pymorphy3's
  Ukrainian dictionary gives the forms («сну» → сон, сну, сні, сном, …), which also covers
  alternations a stem cannot (сон/сну, біль/болю, день/дня). A word the dictionary does not
  know has its own stem only.
- `index_copy(html, keys)` is the page Pagefind reads for such a language: the marked body
  ends with a block of `key + MARK` tokens, grouped by word (a `GROUP` token between
  groups) after a `BLOCK` token, each group weighted as its words weigh in the text (how
  often they occur, and the title), which is what ranks the pages a key finds. The page served to readers is unchanged; wordforms.js
  makes a result's excerpt from the text before BLOCK, and marks every form of a group.

In the browser a query word is stemmed and searched as `stem + MARK`: MARK (ъ, a letter no
Ukrainian word has) ends the key, so Pagefind's prefix matching cannot spill from «сн» into
«сніг». Why keys and not a dictionary in the browser: bench/search_forms_bench.py.
"""

from __future__ import annotations

import functools
import html
import re
from collections import Counter
from collections.abc import Iterable
from itertools import chain

MARK = "ъ"  # ends every key: Ukrainian has no ъ, so a key is never a prefix of a real word
BLOCK = "␞"  # starts the block of keys in the text Pagefind indexes (not a word to it)
GROUP = "␟"  # between the keys of two words in that block
LANGUAGES = ("uk",)  # the languages these rules are for

_APOSTROPHES = str.maketrans("", "", "'’ʼ`‘")
_APOSTROPHE = re.compile("['’ʼ`‘]")
_FOLD = str.maketrans({"ґ": "г", "й": "и", "ї": "і", "ё": "е", "ъ": ""})
# Endings, longest first: nouns and adjectives in every case and number, verbs in every
# person, tense and the infinitive, adverbial participles. One is cut, the longest that fits.
ENDINGS = tuple(sorted({
    # nouns
    "ами", "ями", "ові", "еві", "єві", "ам", "ям", "ах", "ях", "ів", "їв", "ей", "ом", "ем",
    "єм", "ою", "ею", "єю", "ий", "ій", "а", "я", "у", "ю", "і", "и", "о", "е", "є", "ь", "ї",
    "й",
    # adjectives and participles
    "ого", "ому", "ими", "іми", "ої", "их", "іх", "им", "ім", "ая", "ее",
    # verbs
    "ати", "яти", "ити", "іти", "ути", "ють", "ують", "ать", "ять", "уть", "ить", "іть",
    "ємо", "емо", "имо", "ете", "єте", "ите", "еш", "єш", "иш", "ав", "ив", "ала",
    "яла", "ила", "іла", "али", "яли", "или", "іли", "ало", "яло", "ило", "іло", "учи", "ючи",
    "вши",
}, key=lambda ending: (-len(ending), ending)))
_ENDINGS_BY_LENGTH = tuple(
    (length, frozenset(e for e in ENDINGS if len(e) == length))
    for length in sorted({len(e) for e in ENDINGS}, reverse=True))
_REFLEXIVE = ("ся", "сь")
_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ`‘][^\W\d_]+)*")
MIN_STEM = 2


def fold(word: str) -> str:
    """Lower case, no apostrophes, ґ as г, й as и, ї as і (what a key is spelled with)."""
    return word.lower().translate(_APOSTROPHES).translate(_FOLD)


@functools.lru_cache(maxsize=500_000)
def stem(word: str) -> str:
    """The word without its ending: the key of a word form (before MARK).

    The longest ending that leaves MIN_STEM letters is cut (wordforms.js tries ENDINGS in
    order; here one set lookup per length: the build stems every form of every word)."""
    word = word.lower().translate(_APOSTROPHES).replace("ґ", "г")
    for suffix in _REFLEXIVE:
        if word.endswith(suffix) and len(word) - len(suffix) > MIN_STEM:
            word = word[:-len(suffix)]
            break
    for length, endings in _ENDINGS_BY_LENGTH:
        if len(word) - length >= MIN_STEM and word[-length:] in endings:
            word = word[:-length]
            break
    return fold(word)


def words(text: str) -> list[str]:
    """The words of a text (letters, with apostrophes inside), as written."""
    return _WORD.findall(text)


def query_keys(query: str) -> list[str]:
    """What the browser searches for a query (wordforms.js does the same): the key of each
    word, and a number or other term without letters as typed («ПТСР 2024»)."""
    terms = []
    for token in query.split():
        found = words(token)
        terms += [stem(word) + MARK for word in found] if found else [token]
    return terms


class _Memo(dict):
    """A dict that makes a missing value with `make(key)` and keeps it, read in C through
    `__getitem__` (two threads asking at once for a new key both make the same value)."""

    def __init__(self, make) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key):
        value = self[key] = self.make(key)
        return value


class Keys:
    """The keys of a word: the stems of all its forms, by the dictionary when it knows it.

    `morph`: a pymorphy3 MorphAnalyzer for Ukrainian, or None for stems alone (the bench
    compares both). Results are cached per word, and a word's group as the block spells it
    per word and per whitespace-separated token: a language's pages share most words and
    tokens (what that costs a build: bench/search_forms_bench.py, bench/DIARY.md)."""

    REMEMBERED = 300_000  # tokens, or words, remembered at most (memory stays bounded)

    def __init__(self, morph=None) -> None:
        self.morph = morph
        self.of = functools.lru_cache(maxsize=200_000)(self._of)
        self._lexemes: dict[tuple[str, int], frozenset[str]] = {}
        self._spelled: dict[str, str] = {}  # one string per group text: compared by identity
        self._group_of = _Memo(self._group_text)  # lower-case word -> its group as spelled
        self._groups_in = _Memo(self._token_groups)  # lower-case token -> its words' groups

    @classmethod
    def with_dictionary(cls) -> Keys:
        import pymorphy3

        return cls(pymorphy3.MorphAnalyzer(lang="uk"))

    def _of(self, word: str) -> tuple[str, ...]:
        stems = {stem(word)}
        asked = _APOSTROPHE.sub("'", word.lower())  # the dictionary spells the apostrophe '
        # Only a word the dictionary knows: the forms it would guess for another (a name, a
        # drug it lacks: «кетамінова») bring stems of unrelated words, and take 10x the time.
        if self.morph is not None and self.morph.word_is_known(asked):
            for parse in self.morph.parse(asked):
                if parse.score >= 0.1:
                    stems.update(self._lexeme_stems(parse))
        return tuple(sorted(stems))

    def _lexeme_stems(self, parse) -> frozenset[str]:
        """The stems of a parse's forms; one lexeme (lemma and paradigm) is made once, for
        all its words (сон, сну, сном): making it is most of the time this takes."""
        _, _, paradigm, _ = parse.methods_stack[0]  # a known word: the dictionary's
        key = (parse.normal_form, paradigm)
        if key not in self._lexemes:
            # Not the vocative: «тривого» would cut like an adjective, to «трив».
            self._lexemes[key] = frozenset(stem(form.word) for form in parse.lexeme
                                           if "voct" not in form.tag)
        return self._lexemes[key]

    def _group_text(self, word: str) -> str:
        text = " ".join(key + MARK for key in self.of(word))
        return self._spelled.setdefault(text, text)

    def _token_groups(self, token: str) -> tuple[str, ...]:
        return tuple(map(self._group_of.__getitem__, _WORD.findall(token)))

    def counts(self, text: str) -> Counter[str]:
        """{group of keys as the block spells it: how often its words occur in `text`
        (lower case)}, in the order the groups first come; words with the same keys (ґ/г,
        apostrophes, сон/сну) share one.

        A word never spans whitespace, so the words of the text are those of its
        whitespace-separated tokens, each token's found once (`words` on the whole text
        gives the same words in the same order)."""
        if max(len(self._groups_in), len(self._group_of)) > self.REMEMBERED:
            self._groups_in.clear()
            self._group_of.clear()
            self._spelled.clear()
        return Counter(chain.from_iterable(map(self._groups_in.__getitem__, text.split())))

    def block(self, text: str, title: Iterable[str] = ()) -> str:
        """The HTML appended to a page's indexed body (`text`, lower case; `title`: the
        words of its h1, lower case): BLOCK, then each group's keys, weighted as its words
        weigh in the text (how often they occur; more in the title): the keys occur once,
        so their weight is what ranks pages as their words did."""
        titled = set(map(self._group_of.__getitem__, title))
        weights: dict[int, list[str]] = {}
        for group, count in self.counts(text).items():
            weight = count + (TITLE_WEIGHT - 1) if group in titled else count
            weights.setdefault(min(weight, MAX_WEIGHT), []).append(group)
        spans = [f'<span data-pagefind-weight="{weight}"> '
                 + f" {GROUP} ".join(weights[weight]) + " </span>"
                 for weight in sorted(weights)]
        return f"<p hidden> {BLOCK} " + f" {GROUP} ".join(spans) + " </p>"


TITLE_WEIGHT = 7  # Pagefind's weight for an h1: a title's words rank its page first
MAX_WEIGHT = 10  # the most Pagefind takes


# --- the page Pagefind reads ------------------------------------------------------------

_BODY = re.compile(r"<([a-zA-Z][\w-]*)\b[^>]*\sdata-pagefind-body\b[^>]*>")
_IGNORED = re.compile(r"<([a-zA-Z][\w-]*)\b[^>]*\sdata-pagefind-ignore\b[^>]*>")
_TAG = re.compile(r"<[^>]*>")
_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1\s*>", re.DOTALL | re.IGNORECASE)
_SKIPPED = re.compile(r"<(script|style|template)\b.*?</\1\s*>", re.DOTALL | re.IGNORECASE)


def _opening(pattern: re.Pattern, attribute: str, page: str, start: int = 0) -> re.Match | None:
    """`pattern.search(page, start)`, the first tag with `attribute`, searched from the
    last `>` before the attribute's first mention: a tag that has it holds no `>` before
    it, so none starts earlier (a page's head and menus are most of it)."""
    mention = page.find(attribute, start)
    if mention < 0:
        return None
    return pattern.search(page, max(start, page.rfind(">", start, mention) + 1))


@functools.lru_cache(maxsize=64)
def _tags(name: str) -> re.Pattern:
    return re.compile(rf"<(/?){re.escape(name)}\b[^>]*>", re.IGNORECASE)


def _close(page: str, name: str, start: int) -> int:
    """Where the element opened just before `start` closes (the index of its end tag)."""
    depth = 1
    for match in _tags(name).finditer(page, start):
        depth += -1 if match[1] else 1
        if depth == 0:
            return match.start()
    return len(page)


def _body(page: str) -> tuple[re.Match, int] | None:
    """The opening tag of the page's `data-pagefind-body` element and where it closes."""
    opening = _opening(_BODY, "data-pagefind-body", page)
    if opening is None:
        return None
    return opening, _close(page, opening[1], opening.end())


def _text(inner: str) -> str:
    """The text of a body's inner HTML, without what Pagefind ignores."""
    while (ignored := _opening(_IGNORED, "data-pagefind-ignore", inner)) is not None:
        end = _close(inner, ignored[1], ignored.end())
        inner = inner[:ignored.start()] + " " + inner[end:]
    return html.unescape(_TAG.sub(" ", _SKIPPED.sub(" ", inner)))


def body_text(page: str) -> str | None:
    """The text of the page's `data-pagefind-body` element, without what Pagefind ignores."""
    found = _body(page)
    if found is None:
        return None
    opening, end = found
    return _text(page[opening.end():end])


@functools.lru_cache(maxsize=1)
def shared_keys() -> Keys:
    """The dictionary's keys, loaded once per process: before a run's shards fork,
    so that they share it."""
    return Keys.with_dictionary()


def index_copy(page: str, keys: Keys) -> str:
    """The page with the keys of its body's words at the end of the body (for Pagefind)."""
    found = _body(page)
    if found is None:
        return page
    opening, end = found
    heading = _H1.search(page, opening.end(), end)
    title = words(html.unescape(_TAG.sub(" ", heading[1])).lower()) if heading else []
    # Keys are letters and ъ only: nothing in them to escape.
    return page[:end] + keys.block(_text(page[opening.end():end]).lower(), title) + page[end:]
