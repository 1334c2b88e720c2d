"""The site's Markdown converter per language, as the reader builds it from pelicanconf.py."""

from __future__ import annotations

import pytest
from pelican.settings import read_settings

from site_content.markdown_setup import markdown_for
from tests.conftest import ROOT


@pytest.mark.parametrize(("lang", "title"), [
    ("uk", "Повернутися до виноски 1 у тексті"),
    ("en", "Jump back to footnote 1 in the text"),
])
def test_a_footnote_links_back_in_the_page_language(lang, title) -> None:
    settings = read_settings(str(ROOT / "pelicanconf.py"),
                             override={"PATH": str(ROOT / "content"), "SITE_LANG": lang})
    html = markdown_for(settings, with_meta=False).convert("Text[^1].\n\n[^1]: A note.\n")
    assert f'class="footnote-backref" href="#fnref:1" title="{title}"' in html
