"""The engine's page writer (sitebuild/engine/writer.py): the word-form copy search indexes is
made from the text the writer has just written, and is what reading the page back would give."""

from __future__ import annotations

import copy
from pathlib import Path

from jinja2 import Environment
from pelican.settings import DEFAULT_CONFIG

from sitebuild import wordforms
from sitebuild.engine.writer import PageWriter

PAGE = ("<!doctype html>\n<html lang=uk><body><main data-pagefind-body>"
        "<h1>{{ title }}</h1>{{ body }}</main></body></html>\n")


def _writer(tmp_path: Path, pages: dict[str, str]) -> PageWriter:
    settings = copy.deepcopy(DEFAULT_CONFIG)
    settings["SITE_SEARCH_FORMS"] = {"folder": str(tmp_path / "search"), "pages": pages}
    return PageWriter(str(tmp_path / "out"), settings=settings)


def test_search_copy_is_the_written_page_with_its_word_forms(tmp_path: Path) -> None:
    template = Environment(newline_sequence="\r\n", keep_trailing_newline=True).from_string(
        PAGE.replace("<p>", "\r\n<p>"))
    writer = _writer(tmp_path, {"articles/trivoha/index.html": "pagefind",
                                "articles/son/index.html": "pagefind-2"})
    bodies = {"articles/trivoha/index.html": ("Тривога", "<p>Тривожні думки\rі тривоги</p>"),
              "articles/son/index.html": ("Сон", "<p>Без сну тривога росте.</p>"),
              "articles/other/index.html": ("Інше", "<p>Сторінка без копії.</p>")}
    for name, (title, body) in bodies.items():
        writer.write_file(name, template, {}, title=title, body=body)
    keys = wordforms.shared_keys()
    for name, bundle in (("articles/trivoha/index.html", "pagefind"),
                         ("articles/son/index.html", "pagefind-2")):
        page = (tmp_path / "out" / name).read_text(encoding="utf-8")  # universal newlines
        copy_ = tmp_path / "search" / bundle / "forms" / name
        assert copy_.read_bytes() == wordforms.index_copy(page, keys).encode("utf-8")
    written = (tmp_path / "out" / "articles/trivoha/index.html").read_bytes()
    assert b"\r\n" in written and b"\r" in written.replace(b"\r\n", b"")  # both kinds written
    assert not list((tmp_path / "search").rglob("other"))
