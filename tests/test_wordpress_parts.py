"""The importer's parts on plain inputs: PHP maps, languages, Elementor, bodies, slugs, files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from importers.wordpress import convert, elementor, files, languages
from importers.wordpress.importer import Planned, _name_group, old_path
from importers.wordpress.report import Report
from importers.wordpress.wxr import Export, Item


@pytest.mark.parametrize("text, expected", [
    ('a:2:{s:2:"uk";i:101;s:2:"en";i:102;}', {"uk": 101, "en": 102}),
    ('a:1:{s:2:"en";s:3:"102";}', {"en": 102}),
    ("a:0:{}", {}),
])
def test_polylang_maps_are_parsed(text: str, expected: dict) -> None:
    assert languages.parse_map(text) == expected


@pytest.mark.parametrize("text", [
    'O:8:"stdClass":1:{s:1:"a";i:1;}',  # an object: never instantiated
    'a:2:{s:2:"uk";i:101',  # cut short
    's:2:"uk";',  # not an array
    "uk=101,en=102",
])
def test_anything_but_a_plain_map_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        languages.parse_map(text)


def _export(*items: Item) -> Export:
    return Export(Path("x.xml"), "https://old.example", list(items), [], {}, "1.2")


def test_without_polylang_wpml_meta_decides_and_pairs() -> None:
    uk = Item(1, "post", "publish", meta={"_wpml_import_language_code": "uk",
                                          "_wpml_import_translation_group": "7"})
    en = Item(2, "post", "publish", meta={"_wpml_import_language_code": "en",
                                          "_wpml_import_translation_group": "7"})
    found = languages.detect(_export(uk, en), "uk", ("uk", "en"))
    assert found.source == "wpml" and found.of_post == {1: "uk", 2: "en"}
    assert found.group_of_post[1] == found.group_of_post[2]


def test_otherwise_the_link_prefix_decides_and_nothing_is_paired() -> None:
    found = languages.detect(_export(
        Item(1, "post", "publish", link="https://old.example/en/stress/"),
        Item(2, "post", "publish", link="https://old.example/stres/"),
        Item(3, "post", "publish", link="https://old.example/entry/")), "uk", ("uk", "en"))
    assert found.source == "link"
    assert found.of_post == {1: "en", 2: "uk", 3: "uk"} and not found.group_of_post


def test_elementor_headings_default_to_h2_and_unknown_widgets_are_reported() -> None:
    seen = []
    tree = [{"elType": "container", "elements": [
        {"elType": "widget", "widgetType": "heading", "settings": {"title": "A"}},
        {"elType": "widget", "widgetType": "heading",
         "settings": {"title": "B", "header_size": "h4"}},
        {"elType": "widget", "widgetType": "image-box",
         "settings": {"title_text": "Box", "description_text": "Text"}},
        {"elType": "widget", "widgetType": "spacer", "settings": []},
    ]}]
    html = elementor.to_html(json.dumps(tree), lambda kind, detail: seen.append((kind, detail)))
    assert html == "<h2>A</h2>\n<h4>B</h4>\n<p>Box</p><p>Text</p>"
    assert seen == [("elementor-unknown", "widget 'image-box'")]


def test_unreadable_elementor_data_is_an_error_the_importer_falls_back_on() -> None:
    with pytest.raises(elementor.ElementorUnreadable):
        elementor.to_html("{not json", lambda *_: None)


def _context(seen: list) -> convert.Context:
    return convert.Context(report=lambda kind, detail: seen.append((kind, detail)),
                           resolve_link=lambda url: None, resolve_image=lambda url: url,
                           is_upload=lambda url: False)


@pytest.mark.parametrize("html, expected", [
    ("<h2>Коментар Експіо Центру</h2><p>Текст.</p><h2>Далі</h2><p>Інше.</p>",
     "!!! clinic-comment\n\n    Текст.\n\n## Далі\n\nІнше.\n"),
    ("<p><b>Expio Center comment:</b></p><p>One.</p><ul><li>Two</li></ul>",
     "!!! clinic-comment\n\n    One.\n\n    - Two\n"),
    ("<h2>Comments on treatment</h2><p>Not ours.</p>",
     "## Comments on treatment\n\nNot ours.\n"),
])
def test_the_clinic_comment_block_becomes_the_callout(html: str, expected: str) -> None:
    assert convert.to_markdown(html, _context([])) == expected


@pytest.mark.parametrize("html, expected", [
    ('<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ?rel=0" width="560"></iframe>'
     '<iframe src="https://tracker.example/x"></iframe>',
     '<iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" title="YouTube video" '
     'loading="lazy" allowfullscreen></iframe>\n'),  # other hosts never survive
    ("[video src=\"https://youtu.be/dQw4w9WgXcQ\"]",
     '<iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" title="YouTube video" '
     'loading="lazy" allowfullscreen></iframe>\n'),
    ("[embed]https://vimeo.com/1[/embed]", "<https://vimeo.com/1>\n"),
    ("<h1>Title again</h1><p onclick=\"x()\">Text</p>", "## Title again\n\nText\n"),
    ("<pre><code>[gallery ids=\"1\"]</code></pre>", "```\n[gallery ids=\"1\"]\n```\n"),
])
def test_bodies(html: str, expected: str) -> None:
    assert convert.to_markdown(html, _context([])) == expected


@pytest.mark.parametrize("names, titles, expected", [
    (["%d0%bf%d1%80%d0%be-%d0%bd%d0%b0%d1%81", "about-us"], ["Про нас", "About us"], "about-us"),
    (["%d1%89%d0%be%d0%b4%d0%b5%d0%bd%d0%bd%d0%b8%d0%ba"], ["Щоденник"], "shchodennyk"),
    ([""], ["Їжак і зграя"], "yizhak-i-zghraia"),  # KMU 2010, not Russian-style
    ([""], ["!!!"], "post-1"),
])
def test_one_ascii_file_name_per_group(names, titles, expected) -> None:
    group = [Planned(Item(n + 1, "post", "publish", post_name=name, title=title),
                     "uk" if n == 0 else "en", "article", "published")
             for n, (name, title) in enumerate(zip(names, titles))]
    _name_group(group, set(), Report())
    assert {plan.slug for plan in group} == {expected}


def test_old_paths_are_percent_encoded_as_browsers_send_them() -> None:
    assert old_path("https://expio.com.ua/%d0%bf%d1%80%d0%be/") == "/%D0%BF%D1%80%D0%BE/"
    assert old_path("https://expio.com.ua/?p=5") == ""


def test_the_stamp_tells_an_edited_file_from_an_untouched_one() -> None:
    text = files.render([("title", "T")], "Body.\n")
    assert files.stamp_matches(text) is True
    assert files.stamp_matches(text.replace("Body", "Edited body")) is False
    assert files.stamp_matches("title: T\n\nBody.\n") is None


def test_classic_posts_get_the_paragraphs_wordpress_adds_when_it_shows_them() -> None:
    stored = "First line\nsecond line.\n\n<h2>Heading</h2>\n\n<strong>Bold</strong> start."
    assert convert.paragraphs(stored) == (
        "<p>First line<br>\nsecond line.</p>\n<h2>Heading</h2>\n<p><strong>Bold</strong> "
        "start.</p>")
    block_editor = "<!-- wp:paragraph -->\n<p>A</p>\n<!-- /wp:paragraph -->\n\nB"
    assert convert.paragraphs(block_editor) == block_editor
