"""Settings of the seo plugin: defaults once, one validated Config (`SEO = {...}`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from core.settings import Group, ListOf, RelativePath

SETTING = "SEO"

DEFAULTS: Mapping[str, Any] = MappingProxyType({
    # Output paths (site root) of the sitemap and robots.txt.
    "sitemap_save_as": "sitemap.xml",
    "robots_save_as": "robots.txt",
    # Path prefixes (without language prefix) kept out of search engines.
    "disallow": ("drafts/", "subscribe/"),
})

SETTINGS = Group(DEFAULTS, sitemap_save_as=RelativePath(), robots_save_as=RelativePath(),
                 disallow=ListOf(RelativePath()))


@dataclass(frozen=True)
class Config:
    sitemap_save_as: str = DEFAULTS["sitemap_save_as"]
    robots_save_as: str = DEFAULTS["robots_save_as"]
    disallow: tuple[str, ...] = DEFAULTS["disallow"]


def load(settings: Mapping[str, Any]) -> Config:
    return Config(**SETTINGS.load(settings, SETTING))
