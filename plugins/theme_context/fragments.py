"""`{% once "name", key… %}…{% endonce %}`: a template fragment rendered once per language run.

The footer, the sidebar's subscribe form and the crisis line are the same on every page of a
language, yet rendering them was a third of an article page's time. Inside `once`, a
fragment is rendered the first time its (name, key…) is seen and the same HTML is reused on
every later page of the run. Whatever the fragment shows must therefore be fixed for the run
(settings, menus, category counts) or be part of the key; never put page data inside without
keying on it. The store lives on the template environment, so it ends with the run.
"""

from __future__ import annotations

from jinja2 import nodes
from jinja2.ext import Extension


class RenderOnce(Extension):
    tags = {"once"}

    def __init__(self, environment) -> None:
        super().__init__(environment)
        environment.extend(rendered_once={})

    def parse(self, parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        key = [parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            key.append(parser.parse_expression())
        body = parser.parse_statements(("name:endonce",), drop_needle=True)
        call = self.call_method("_render_once", [nodes.Tuple(key, "load")])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _render_once(self, key: tuple, caller) -> str:
        store = self.environment.rendered_once
        if key not in store:
            store[key] = caller()
        return store[key]
