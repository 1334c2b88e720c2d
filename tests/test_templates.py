"""The theme's templates refer only to macros and blocks that exist.

Jinja stays silent about both mistakes: a child's `{% block x %}` that no parent declares is
never rendered, and `{{ meta.x() }}` inside it is never evaluated, so a dead block calling a
macro that does not exist built for months (issue 23). Every template is parsed with the
Jinja environment the build uses, and its abstract syntax tree is checked: each
`alias.name(...)` of an `{% import "file" as alias %}` must name a macro `file` defines, and
each block of a child template must be declared somewhere up its `{% extends %}` chain.
An alias is visible where Jinja makes it visible: in the importing template, in templates
that extend it, and in templates it (or those) include.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cached_property

import pytest
from jinja2 import DictLoader, Environment, FileSystemLoader, nodes
from pelican.settings import read_settings

from tests.conftest import ROOT
from theme_context.fragments import RenderOnce

THEME_TEMPLATES = ROOT / "theme" / "templates"


def build_environment(loader) -> Environment:
    """The templates' environment as the build makes it: JINJA_ENVIRONMENT of pelicanconf.py
    plus the tags the plugins add (`{% once %}`, theme_context)."""
    settings = read_settings(str(ROOT / "pelicanconf.py"))
    env = Environment(loader=loader, **settings["JINJA_ENVIRONMENT"])
    env.add_extension(RenderOnce)
    return env


def _constant(node) -> str | None:
    return node.value if isinstance(node, nodes.Const) and isinstance(node.value, str) else None


class Theme:
    """Every template of an environment parsed once, with its imports, blocks and calls."""

    def __init__(self, env: Environment) -> None:
        self.env = env
        self.names = sorted(env.list_templates(filter_func=lambda name: name.endswith(".html")))

    @cached_property
    def trees(self) -> dict[str, nodes.Template]:
        return {name: self.env.parse(self.env.loader.get_source(self.env, name)[0], name)
                for name in self.names}

    def parent(self, name: str) -> str | None:
        extends = self.trees[name].find(nodes.Extends)
        return _constant(extends.template) if extends else None

    def imports(self, name: str) -> dict[str, str]:
        """alias -> imported template, for `{% import "file" as alias %}` in `name`."""
        return {node.target: file for node in self.trees[name].find_all(nodes.Import)
                if (file := _constant(node.template))}

    def macros(self, name: str) -> set[str]:
        return {node.name for node in self.trees[name].body if isinstance(node, nodes.Macro)}

    def blocks(self, name: str) -> set[str]:
        return {node.name for node in self.trees[name].find_all(nodes.Block)}

    def includers(self) -> dict[str, set[str]]:
        """included template -> templates that include it."""
        found: dict[str, set[str]] = defaultdict(set)
        for name, tree in self.trees.items():
            for node in tree.find_all(nodes.Include):
                if target := _constant(node.template):
                    found[target].add(name)
        return found

    def ancestors(self, name: str) -> list[str]:
        chain, parent = [], self.parent(name)
        while parent is not None and parent in self.trees and parent not in chain:
            chain.append(parent)
            parent = self.parent(parent)
        return chain

    def visible_imports(self, name: str, seen: frozenset = frozenset()) -> dict[str, set[str]]:
        """alias -> templates it may stand for when `name` is rendered: imports of `name`, of
        the templates it extends or that extend it (one context), and of whatever includes it."""
        visible: dict[str, set[str]] = defaultdict(set)
        family = [name, *self.ancestors(name),
                  *(other for other in self.names if name in self.ancestors(other))]
        for source in family:
            for alias, file in self.imports(source).items():
                visible[alias].add(file)
        for includer in self.includers().get(name, ()):
            if includer not in seen:
                for alias, files in self.visible_imports(includer, seen | {name}).items():
                    visible[alias] |= files
        return visible

    def problems(self) -> list[str]:
        found = []
        for name, tree in self.trees.items():
            visible = self.visible_imports(name)
            for call in tree.find_all(nodes.Call):
                target = call.node
                if not (isinstance(target, nodes.Getattr) and isinstance(target.node, nodes.Name)
                        and target.node.name in visible):
                    continue
                for file in sorted(visible[target.node.name]):
                    if file in self.trees and target.attr not in self.macros(file):
                        found.append(f"{name}:{call.lineno}: {target.node.name}.{target.attr}: "
                                     f"{file} defines no macro {target.attr!r} — call one of "
                                     f"{', '.join(sorted(self.macros(file)))} or define it")
            if (parent := self.parent(name)) is not None:
                declared = set().union(*(self.blocks(a) for a in self.ancestors(name)))
                own = {node.name: node.lineno for node in tree.body
                       if isinstance(node, nodes.Block)}
                for block, line in sorted(own.items()):
                    if block not in declared:
                        found.append(f"{name}:{line}: block {block!r}: {parent} and its parents "
                                     "declare no such block, so it is never rendered — remove "
                                     "it or declare it in the parent")
        return found


def test_every_macro_call_and_block_of_the_theme_exists() -> None:
    theme = Theme(build_environment(FileSystemLoader(str(THEME_TEMPLATES))))
    assert "article.html" in theme.names and "macros/meta.html" in theme.names
    assert theme.problems() == []


BASE = ('{% import "macros.html" as m with context %}<head>{% block head %}{% endblock %}'
        '</head>{% include "part.html" %}{% block body %}{% endblock %}')
MACROS = "{% macro real() %}x{% endmacro %}"


@pytest.mark.parametrize(("child", "part", "expected"), [
    ('{% extends "base.html" %}{% block head %}{{ m.real() }}{% endblock %}', "", []),
    ('{% extends "base.html" %}{% block head %}{{ m.missing() }}{% endblock %}', "",
     ["child.html:1: m.missing: macros.html defines no macro 'missing'"]),
    ('{% extends "base.html" %}{% block alternates %}{% endblock %}', "",
     ["child.html:1: block 'alternates': base.html and its parents declare no such block"]),
    ('{% extends "base.html" %}', "{{ m.gone() }}",
     ["part.html:1: m.gone: macros.html defines no macro 'gone'"]),
], ids=["fine", "missing-macro", "dead-block", "missing-macro-in-include"])
def test_the_check_finds_each_mistake(child: str, part: str, expected: list[str]) -> None:
    theme = Theme(build_environment(DictLoader({
        "base.html": BASE, "macros.html": MACROS, "child.html": child, "part.html": part})))
    found = theme.problems()
    assert len(found) == len(expected)
    for problem, start in zip(found, expected, strict=True):
        assert problem.startswith(start), problem


def test_breadcrumb_list_writes_what_the_template_loop_wrote() -> None:
    """theme_context's breadcrumb_list replaced a Jinja loop of dicts and `|tojson` in
    macros/meta.html (a tenth of an article page's rendering): the same bytes, with names
    holding tags, entities, quotes, Cyrillic and a closing script tag."""
    from markupsafe import Markup

    from theme_context.plugin import make_breadcrumb_list

    env = build_environment(DictLoader({}))
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "separators": (",", ":")}
    loop = env.from_string(
        '{% set list = [] %}{% for name, url in items %}{% set ignored = list.append('
        '{"@type": "ListItem", "position": loop.index, "name": name|striptags, "item": url})'
        ' %}{% endfor %}{{ {"@type": "BreadcrumbList", "@id": id, "itemListElement": list}'
        '|tojson }}')
    items = [(Markup("Головна"), "https://example.org/uk/"),
             ('<b>Tom &amp; Jerry</b>  "quoted"\n</script>', "https://example.org/a?b=1&c=2"),
             ("Кав'ярня <i>café</i> &lt;3", "https://example.org/é/")]
    made = make_breadcrumb_list(env)(items, "https://example.org/a#breadcrumb")
    assert str(made) == loop.render(items=items, id="https://example.org/a#breadcrumb")
    assert "</script>" not in str(made)
