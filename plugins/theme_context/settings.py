"""Settings of the theme_context plugin: defaults once, one validated Config.

`THEME_CONTEXT = {...}` in pelicanconf.py overrides any key of DEFAULTS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from core.settings import Group, ListOf, OneOf, RelativePath, Text, Whole

SETTING = "THEME_CONTEXT"

# Outcome codes of the subscribe endpoint; one static result page is written per code.
OUTCOMES = ("check-inbox", "confirmed", "unsubscribed", "preferences-saved", "invalid-email",
            "non-ascii-address", "rate-limited", "try-later", "forgotten-email", "compliance",
            "forbidden", "bad-request", "expired-link")

DEFAULTS: Mapping[str, Any] = MappingProxyType({
    # Stylesheet (relative to the theme's static folder) published as css/site.<hash>.css.
    "stylesheet": "css/site.css",
    # Scripts concatenated, in order, into one js/site.<hash>.js (one request for all of them).
    "scripts": ("js/share.js", "js/subscribe.js"),
    # Favicon (relative to the content folder) inlined as a data: URI, saving a request.
    "favicon": "extra/favicon.svg",
    # `menu:` value of the pages listed in the "What we treat" menu.
    "treat_menu": "treat",
    # Subscribe outcome codes with a static result page at <prefix>subscribe/<code>/.
    "outcomes": OUTCOMES,
})

_STATIC = RelativePath(where_="the theme's static folder")
SETTINGS = Group(
    DEFAULTS,
    stylesheet=_STATIC,
    scripts=ListOf(_STATIC),
    favicon=RelativePath(where_="the content folder"),
    treat_menu=Text(nonempty=True),
    outcomes=ListOf(OneOf(*OUTCOMES)),
)


@dataclass(frozen=True)
class Config:
    stylesheet: str = DEFAULTS["stylesheet"]
    scripts: tuple[str, ...] = DEFAULTS["scripts"]
    favicon: str = DEFAULTS["favicon"]
    treat_menu: str = DEFAULTS["treat_menu"]
    outcomes: tuple[str, ...] = DEFAULTS["outcomes"]


def load(settings: Mapping[str, Any]) -> Config:
    """Config from `settings[THEME_CONTEXT]`; unknown keys and wrong types are refused."""
    return Config(**SETTINGS.load(settings, SETTING))
