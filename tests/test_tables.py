"""Tables in a keyboard-reachable scroll box, through the real converter and sanitiser.

The browser side (axe's scrollable-region-focusable on every article at 375 px) is in
test_browser_theme.py; these check the markup on plain Markdown.
"""

from __future__ import annotations

import markdown
import pytest

from core.sanitise import clean
from site_content.tables import TableExtension

TABLE = "| a | b |\n|---|---|\n| 1 | 2 |\n"


def render(text: str, lang: str = "en") -> str:
    converter = markdown.Markdown(extensions=["markdown.extensions.extra", "markdown.extensions.toc",
                                              TableExtension(lang=lang)])
    return clean(converter.convert(text))


def test_a_table_is_named_by_the_heading_of_its_section() -> None:
    html = render(f"## At a glance\n\nText.\n\n{TABLE}")
    assert ('<div aria-labelledby="at-a-glance" class="table-scroll" role="region" '
            'tabindex="0"><table>') in html
    assert html.rstrip().endswith("</table></div>")


@pytest.mark.parametrize(("lang", "label"), [("uk", "Таблиця"), ("en", "Table")])
def test_a_table_without_a_heading_gets_a_localised_name(lang, label) -> None:
    assert (f'<div aria-label="{label}" class="table-scroll" role="region" tabindex="0">'
            in render(f"Intro.\n\n{TABLE}", lang))


def test_each_table_gets_its_own_box_and_text_around_stays() -> None:
    html = render(f"## One\n\n{TABLE}\nBetween.\n\n## Two\n\n{TABLE}\nAfter.\n")
    assert html.count('class="table-scroll"') == 2
    assert 'aria-labelledby="one"' in html and 'aria-labelledby="two"' in html
    assert "</table></div>\n<p>Between.</p>" in html
    assert html.rstrip().endswith("<p>After.</p>")


def test_raw_html_tables_are_wrapped_too_and_stay_balanced() -> None:
    html = render('<table class="x"><tr><td>out <table><tr><td>in</td></tr></table>'
                  "</td></tr></table>\n\nAfter.\n")
    assert html.count('<div class="table-scroll" role="region" tabindex="0" '
                      'aria-label="Table">') == 2
    assert html.count("</table></div>") == 2
    assert html.rstrip().endswith("<p>After.</p>")


@pytest.mark.parametrize(("written", "kept"), [
    ('<div tabindex="0">x</div>', '<div tabindex="0">x</div>'),
    ('<div tabindex="3">x</div>', "<div>x</div>"),  # a positive tabindex reorders the page
    ('<div tabindex="-1">x</div>', "<div>x</div>"),
    ('<a href="/a" tabindex="0">x</a>', '<a href="/a">x</a>'),  # only the box's div
])
def test_the_sanitiser_keeps_only_tabindex_zero_on_a_div(written, kept) -> None:
    assert clean(written) == kept
