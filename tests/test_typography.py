"""Typographic punctuation per language, through the real Markdown converter."""

from __future__ import annotations

import markdown
import pytest

from site_content.typography import TypographyExtension, smarten


@pytest.mark.parametrize(("lang", "source", "expected"), [
    ("uk", 'Він сказав "так" -- і пішов...', "Він сказав «так» – і пішов…"),
    ("uk", "пам'ять, м'ята, з'їсти", "пам’ять, м’ята, з’їсти"),
    ("uk", "'внутрішні' лапки", "„внутрішні“ лапки"),
    ("en", 'She said "yes" --- twice...', "She said “yes” — twice…"),
    ("en", "don't 'quote' me", "don’t ‘quote’ me"),
    ("en", '("nested")', "(“nested”)"),
    ("en", "1990s' and 'til", "1990s’ and ‘til"),
])
def test_smarten(lang: str, source: str, expected: str) -> None:
    assert smarten(source, lang) == expected


def render(text: str, lang: str) -> str:
    return markdown.Markdown(extensions=[TypographyExtension(lang=lang)]).convert(text)


def test_code_and_attributes_are_left_alone() -> None:
    html = render('Use `a -- "b"` and [link](http://x.test/a--b "t\'s") "here"', "en")
    assert '<code>a -- "b"</code>' in html
    assert 'href="http://x.test/a--b"' in html
    assert "“here”" in html


def test_quotes_spanning_inline_markup() -> None:
    assert render('"*Емфаза* тут"', "uk") == "<p>«<em>Емфаза</em> тут»</p>"
    assert render('Text *"emphasis"* end', "en") == "<p>Text <em>“emphasis”</em> end</p>"
