"""Shortcuts of the render path give exactly what the plain path gives.

The whole-site byte comparison (serial, uncached, theme without `{% once %}` against the
parallel cached build) is in test_build.py; these pin each shortcut on its own cases.
"""

from __future__ import annotations

import pytest
from jinja2 import Environment
from markupsafe import Markup
from pelican.readers import BaseReader
from pelican.utils import set_date_tzinfo

from core.catalogue import read_entry
from site_content.i18n import _lean_gettext
from site_content.plugin import SiteMarkdownReader
from theme_context.fragments import RenderOnce


class _Catalog:
    """A tiny gettext catalogue: one translation with markup-looking text, one with %%."""

    def gettext(self, message: str) -> str:
        return {"Tom & Jerry": "Том & Джеррі", "100%% sure": "на 100%% певно"}.get(message,
                                                                                  message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural


TEMPLATES = [
    '{{ _("Tom & Jerry") }}',
    '{{ _("100%% sure") }}',
    '{{ _("Hello %(name)s", name="<b>") }}',
    '{{ _("Hello %(name)s", name=markup) }}',
    '<a title="{{ _("Tom & Jerry") }}">{{ gettext("x") }}</a>',
    '{{ ngettext("%(num)d minute", "%(num)d minutes", 1) }}',
    '{{ ngettext("%(num)d minute", "%(num)d minutes", 3) }}',
    '{% autoescape false %}{{ _("Hello %(name)s", name="<b>") }}{% endautoescape %}',
]


@pytest.mark.parametrize("source", TEMPLATES)
@pytest.mark.parametrize("autoescape", [True, False])
def test_lean_gettext_renders_what_jinjas_newstyle_gettext_renders(source, autoescape):
    def environment(lean: bool) -> Environment:
        env = Environment(extensions=["jinja2.ext.i18n"], autoescape=autoescape)
        env.install_gettext_translations(_Catalog(), newstyle=True)
        if lean:
            env.globals.update(_lean_gettext(_Catalog()))
        return env

    values = {"markup": Markup("<i>safe</i>")}
    expected = environment(False).from_string(source).render(values)
    assert environment(True).from_string(source).render(values) == expected


def test_once_renders_a_fragment_once_per_key_and_reuses_it():
    env = Environment(extensions=[RenderOnce], autoescape=True)
    calls = []
    env.globals["count"] = lambda: calls.append(1) or len(calls)
    template = env.from_string('{% once "box", key %}<p>{{ count() }} {{ key }}</p>{% endonce %}')
    assert template.render(key="a") == "<p>1 a</p>"
    assert template.render(key="a") == "<p>1 a</p>"  # reused: not rendered again
    assert template.render(key="<b>") == "<p>2 &lt;b&gt;</p>"  # another key, escaped once
    assert len(calls) == 2


DATES = ["2024-03-01", "2024-03-01 09:30", "2024-03-01T09:30:00+00:00", "2024-10-27 03:30"]


SETTINGS = {"DEFAULT_LANG": "uk", "PAGE_PATHS": ["pages"], "TIMEZONE": "Europe/Kyiv",
            "ARTICLE_URL": "articles/{slug}/", "PAGE_URL": "{slug}/", "CATEGORIES": {}}


def _entry(tmp_path, header: str):
    source = tmp_path / "articles" / "a.en.md"
    source.parent.mkdir(exist_ok=True)
    source.write_text(f"title: A\n{header}\n\nBody\n", encoding="utf-8")
    entry = read_entry(source, tmp_path, SETTINGS)
    assert not isinstance(entry, tuple)  # the file was readable
    return entry


@pytest.mark.parametrize("value", DATES)
def test_dates_from_the_catalogue_equal_pelicans_own_parsing(tmp_path, value):
    """From the catalogue entry or parsed for a file it lacks, the same values."""
    entry = _entry(tmp_path, f"date: {value}\nmodified: {value}")
    reader = BaseReader({**SETTINGS, "FORMATTED_FIELDS": []})
    for name in ("date", "modified"):
        # What Pelican does: its metadata processor, then the site's zone for naive dates.
        expected = set_date_tzinfo(reader.process_metadata(name, value), SETTINGS["TIMEZONE"])
        for catalogue_entry in (entry, None):
            found = SiteMarkdownReader._parsed_date(catalogue_entry, name, value,
                                                    SETTINGS["TIMEZONE"], own_zone=False)
            assert found == expected and found.tzinfo == expected.tzinfo
            assert type(found) is type(expected)


def test_dates_are_left_to_pelican_when_the_article_has_its_own_zone(tmp_path):
    entry = _entry(tmp_path, "date: 2024-03-01\ntimezone: UTC")
    for catalogue_entry in (entry, None):
        assert SiteMarkdownReader._parsed_date(catalogue_entry, "date", "2024-03-01",
                                               SETTINGS["TIMEZONE"], own_zone=True) is None
    assert SiteMarkdownReader._parsed_date(None, "date", "no date", SETTINGS["TIMEZONE"],
                                           own_zone=False) is None  # Pelican words the error


@pytest.mark.parametrize("value", [
    "2021-03-05", "2021-03-05 14:30", "2021-03-05T14:30", "2021-03-05 14:30:59", "2024-02-29",
    "2023-02-29", "2021-13-01", "2021-03-05 25:00", "2021-3-5", "5 March 2021", "05/03/2021",
    "2021-03-05 14:30:59.5", "not a date",
])
def test_dates_read_directly_are_the_ones_pelican_reads(value):
    from pelican.utils import get_date

    from core.catalogue import parse_date

    def outcome(parse):
        try:
            parsed = parse(value)
        except ValueError as problem:
            return "error", str(problem)
        return type(parsed), parsed

    assert outcome(parse_date) == outcome(get_date)
