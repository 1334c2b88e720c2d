"""Turning article text into TF-IDF vectors: cheap Markdown stripping, stop words, stemming.

One vectoriser per language, fitted on that language's articles only, so word weights reflect
how common a word is among the articles it will be compared with.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Sequence
from itertools import chain
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from related_publications.model import Doc
from related_publications.settings import Config

STOP_WORDS_FILES = {lang: Path(__file__).with_name(f"stopwords_{lang}.txt")
                    for lang in ("en", "uk")}

# Markdown syntax that carries no topic: link and image targets, HTML tags, bare URLs,
# attribute lists and {filename} markers, footnote and citation markers. Link texts and image
# alt texts stay (they are words the reader sees). One regex per kind, each starting with a
# literal, is several times faster than one alternation.
_NOISE = (
    (re.compile(r"\]\([^)\n]*\)"), "] "),
    (re.compile(r"<[^>\n]+>|https?://\S+|\{[^}\n]*\}|\[[\^@][^\]\n]*\]"), " "),
)
_APOSTROPHES = ("'", "\u2019", "\u02bc", "`")  # dropped, so м'ята and don't stay one word
# Words of 2+ letters or digits, as scikit-learn's default token pattern (\w is much faster
# in `re` than a letters-only class).
_WORD = re.compile(r"\w{2,}")


def strip_markdown(text: str) -> str:
    """The visible words of a Markdown body, roughly; cheap and good enough for similarity."""
    for pattern, replacement in _NOISE:
        text = pattern.sub(replacement, text)
    return text


@functools.cache
def _bundled_stop_words(lang: str) -> frozenset[str]:
    path = STOP_WORDS_FILES.get(lang)
    if path is None:
        return frozenset()
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(
        _drop_apostrophes(line.strip().lower())
        for line in lines if line.strip() and not line.startswith("#")
    )


def _drop_apostrophes(text: str) -> str:
    for mark in _APOSTROPHES:
        text = text.replace(mark, "")
    return text


def stop_words(lang: str, config: Config) -> frozenset[str]:
    """Bundled stop words of the language plus the configured extra ones."""
    return _bundled_stop_words(lang) | frozenset(config.extra_stop_words.get(lang, ()))


@functools.cache
def _word_pattern(length: int) -> re.Pattern:
    """Words of 2+ characters; with a length, only each word's first `length` letters."""
    if not length:
        return _WORD
    return re.compile(rf"(\w{{2,{length}}})\w*")


def term_counts(text: str, lang: str, config: Config) -> Counter:
    """Term -> count: lowercase words of 2+ characters, cut to `stem_length`, minus stop words.

    Finding, cutting and counting all happen in C (regex group, Counter); only the stop words
    present are visited in Python. Stop words are cut to the same length, so with a length of
    6 "протягом" also removes words starting with "протяг" (rare and harmless).
    """
    length = config.stem_length.get(lang, 0)
    counts = Counter(_word_pattern(length).findall(_drop_apostrophes(text.lower())))
    remove = dict.__delitem__  # Counter's own `del` is written in Python: 3x slower
    for term in _stop_terms(lang, length, tuple(config.extra_stop_words.get(lang, ()))) \
            & counts.keys():
        remove(counts, term)
    return counts


@functools.cache
def _stop_terms(lang: str, length: int, extra: tuple[str, ...]) -> frozenset[str]:
    words = _bundled_stop_words(lang) | frozenset(extra)
    return frozenset(word[:length] for word in words) if length else words


def document_text(doc: Doc, max_chars: int) -> str:
    """What is compared: title (twice: it names the topic), summary, the body's opening."""
    body = doc.text if not max_chars else doc.text[:max_chars]
    return "\n".join((doc.title, doc.title, doc.summary, strip_markdown(body)))


def vectorise(docs: Sequence[Doc], lang: str, config: Config) -> sp.csr_matrix:
    """L2-normalised TF-IDF rows (one per doc, in order), fitted on these docs only.

    This is what scikit-learn's TfidfVectorizer does (counts, then TfidfTransformer with
    sublinear tf and smoothed idf), except that the counting is done with `Counter`, in C:
    CountVectorizer steps through every word in Python, which alone took 2 s at 10,000
    articles. Terms in more than half of the articles are dropped (max_df), as they tell
    nothing apart; columns are numbered in sorted term order so results never depend on
    hash seeds. The weighting is `tfidf` below, not scikit-learn's own: importing
    scikit-learn took 0.8 s of every build (tests check the two agree).
    """
    n = len(docs)
    counts = [term_counts(document_text(doc, config.text_max_chars), lang, config)
              for doc in docs]
    terms = sorted(set().union(*counts))
    column = {term: j for j, term in enumerate(terms)}
    indptr = np.zeros(n + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(c) for c in counts])
    # map() and chain() keep the per-term steps in C.
    indices = np.array(list(map(column.__getitem__, chain.from_iterable(counts))),
                       dtype=np.int64)
    values = np.array(list(chain.from_iterable(c.values() for c in counts)), dtype=np.float32)
    matrix = sp.csr_matrix((values, indices, indptr), shape=(n, len(terms)))
    if n >= 10:
        document_frequency = np.bincount(matrix.indices, minlength=len(terms))
        matrix = matrix[:, np.flatnonzero(document_frequency <= 0.5 * n)]
    matrix.sort_indices()  # a fixed summation order in the products downstream
    return sp.csr_matrix(tfidf(matrix), dtype=np.float32)


def tfidf(counts: sp.csr_matrix) -> sp.csr_matrix:
    """TfidfTransformer(sublinear_tf=True) of scikit-learn, fitted and applied to `counts`:
    tf = 1 + ln(count), idf = ln((1 + n) / (1 + df)) + 1, rows scaled to unit length."""
    n = counts.shape[0]
    weights = sp.csr_matrix(counts, dtype=np.float64, copy=True)
    np.log(weights.data, out=weights.data)
    weights.data += 1.0
    document_frequency = np.bincount(weights.indices, minlength=weights.shape[1])
    idf = np.log((1.0 + n) / (1.0 + document_frequency)) + 1.0
    weights = weights @ sp.diags(idf, format="csr")
    lengths = np.sqrt(np.asarray(weights.multiply(weights).sum(axis=1)).ravel())
    lengths[lengths == 0.0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / lengths) @ weights)
