"""Text preparation for related publications (plugins/related_publications/text.py)."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pytest
import scipy.sparse as sp

from related_publications import text
from related_publications.model import Doc
from related_publications.settings import Config
from related_publications.text import document_text, strip_markdown, term_counts, vectorise


@pytest.mark.parametrize("markdown, kept, dropped", [
    ("See [night terrors]({filename}/articles/ptsd/night-terrors.en.md).", "night terrors",
     "filename"),
    ("![A calm room](/images/room.jpg)", "A calm room", "images"),
    ("Visit https://example.org/path now", "Visit", "example"),
    ('<a href="https://x.org">link text</a>', "link text", "href"),
    ("Studies show [@fineberg2023] effects[^1].", "Studies show", "fineberg"),
    ("{: .lead } Opening words", "Opening words", "lead"),
])
def test_markdown_syntax_is_stripped_and_visible_words_kept(markdown, kept, dropped):
    text = strip_markdown(markdown)
    assert kept in text
    assert dropped not in text


@pytest.mark.parametrize("lang, text, present, absent", [
    ("en", "The patients and the doctors", {"patients", "doctors"}, {"the", "and"}),
    ("uk", "Що робити, якщо депресія не минає", {"робити", "депрес", "минає"},
     {"що", "якщо", "не"}),
    ("uk", "м'ята та м’ята", {"мята"}, {"та"}),  # apostrophes do not split words
])
def test_stop_words_and_stemming(lang, text, present, absent):
    terms = set(term_counts(text, lang, Config()))
    assert present <= terms
    assert not absent & terms


def test_ukrainian_inflections_meet_on_one_stem():
    counts = term_counts("депресія депресії депресією", "uk", Config())
    assert counts == {"депрес": 3}
    whole = term_counts("депресія депресії", "uk", Config(stem_length={}))
    assert set(whole) == {"депресія", "депресії"}


def test_extra_stop_words_apply():
    config = Config(extra_stop_words={"en": ("clinic",)})
    assert "clinic" not in term_counts("clinic visits", "en", config)
    assert "clinic" in term_counts("clinic visits", "en", Config())


def test_body_is_cut_to_text_max_chars():
    doc = Doc("en", "a", "a", "Title", "Summary", "opening " + "x" * 50 + " tailword", (),
              "ptsd", datetime(2025, 1, 1, tzinfo=timezone.utc), None, (), "a.en.md")
    assert "tailword" not in document_text(doc, 30)
    assert "tailword" in document_text(doc, 0)


def test_vectors_are_unit_length_and_drop_words_in_most_articles():
    docs = [Doc("en", f"d{i}", f"d{i}", "", "", f"everywhere word{i % 3} unique{i}", (), "ptsd",
                datetime(2025, 1, 1, tzinfo=timezone.utc), None, (), f"d{i}.en.md")
            for i in range(12)]
    matrix = vectorise(docs, "en", Config())
    norms = np.sqrt(matrix.multiply(matrix).sum(axis=1)).A.ravel()
    assert np.allclose(norms, 1.0, atol=1e-5)
    # "everywhere" is in all 12 articles: it separates nothing and is dropped, so articles
    # sharing only it are unrelated
    assert (matrix[0] @ matrix[1].T).toarray()[0, 0] == 0.0
    assert (matrix[0] @ matrix[3].T).toarray()[0, 0] > 0.0  # both have "word0"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tfidf_is_scikit_learns_tfidf_transformer(dtype):
    """Our weighting (text.tfidf) gives what TfidfTransformer(sublinear_tf=True) gives."""
    from sklearn.feature_extraction.text import TfidfTransformer

    rng = np.random.default_rng(7)
    dense = rng.integers(0, 4, size=(40, 60)) * (rng.random((40, 60)) < 0.3)
    dense[5] = 0  # an empty document stays empty
    counts = sp.csr_matrix(dense.astype(dtype))
    expected = TfidfTransformer(sublinear_tf=True).fit_transform(counts).toarray()
    assert np.allclose(text.tfidf(counts).toarray(), expected, rtol=1e-6, atol=1e-7)


def test_english_stop_words_are_scikit_learns_list():
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    assert text._bundled_stop_words("en") == frozenset(ENGLISH_STOP_WORDS)
