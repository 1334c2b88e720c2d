"""SVGs under content/ (issue 26 item 6): scripts, handlers, external references refused.

core/svg.py decides; the content check names each problem in our format; the file never
reaches the output; `make publish` (strict) fails, `make html` goes on without it.
"""

from __future__ import annotations

import shutil

import pytest

from core import svg
from sitebuild.build import BuildFailed
from tests.conftest import FIXTURE_SITE, build_into

SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">\n{}\n</svg>'


@pytest.mark.parametrize("inner, problem", [
    ('<script>alert(1)</script>', "has a <script> element"),
    ('<script xlink:href="/images/x.js"/>', "has a <script> element"),
    ('<circle r="2" onload="alert(1)"/>', "has an event handler onload= on <circle>"),
    ('<a href="javascript:alert(1)"><text>x</text></a>', "refers to 'javascript:alert(1)'"),
    ('<image xlink:href="https://tracker.example/p.png"/>', "refers to 'https://tracker"),
    ('<use href="other.svg#icon"/>', "refers to 'other.svg#icon'"),
    ('<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>',
     "has a <foreignObject> element"),
    ('<style>@import url(https://fonts.example/x.css);</style>', "has a <style> that loads"),
    ('<rect style="fill:url(https://x.example/p)"/>', "has a style= that loads"),
    ('<set attributeName="href" to="javascript:alert(1)"/>', "has <set> that changes a link"),
])
def test_unsafe_svgs_are_named(inner, problem):
    found = svg.problems(SVG.format(inner).encode())
    assert found and found[0][0] == 2 and problem in found[0][1], found


@pytest.mark.parametrize("document, problem", [
    (b'<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>\n'
     b'<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>', "declares XML entities"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><circle></svg>', "is not well-formed XML"),
    (b'<html><body>x</body></html>', "not <svg>"),
])
def test_documents_that_are_not_plain_svg(document, problem):
    [(_, found)] = svg.problems(document)
    assert problem in found


@pytest.mark.parametrize("inner", [
    '<circle cx="2" cy="2" r="2" fill="url(#g)"/>',
    '<defs><linearGradient id="g"/></defs><use href="#g" xlink:href="#g"/>',
    '<image href="data:image/png;base64,iVBORw0KGgo="/>',
    '<style>circle { fill: red; }</style><a href="#top"><text>t</text></a>',
])
def test_safe_svgs_pass(inner):
    assert svg.problems(SVG.format(inner).encode()) == []


def test_the_real_sites_svgs_are_safe():
    from tests.conftest import ROOT

    files = sorted((ROOT / "content").rglob("*.svg"))
    assert files
    for path in files:
        assert svg.problems(path.read_bytes()) == [], path


@pytest.fixture
def content_with_bad_svg(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(FIXTURE_SITE, content)
    (content / "images" / "evil.svg").write_text(
        SVG.format('<circle r="2"/><script>fetch("/api")</script>'), encoding="utf-8")
    return content


def test_a_lenient_build_leaves_the_svg_out_and_names_it(tmp_path, content_with_bad_svg):
    report = build_into(tmp_path / "output", content_with_bad_svg)
    assert [str(f) for f in report.findings if f.field == "svg"] == [
        "images/evil.svg:2: svg: has a <script> element; the file is not published — "
        "remove it: export the drawing as a plain SVG without scripts, event handlers or "
        "linked files (e.g. Inkscape: Save as > Optimized SVG), or publish a PNG instead"]
    assert not list((tmp_path / "output").rglob("evil.svg*"))
    assert (tmp_path / "output" / "images" / "dot.svg").is_file()


def test_a_strict_build_fails_and_keeps_the_old_output(tmp_path, content_with_bad_svg):
    (tmp_path / "output").mkdir()
    (tmp_path / "output" / "old.html").write_text("old", encoding="utf-8")
    with pytest.raises(BuildFailed, match=r"^1 warning\(s\) in a strict build"):
        build_into(tmp_path / "output", content_with_bad_svg, strict=True)
    assert [p.name for p in (tmp_path / "output").iterdir()] == ["old.html"]
