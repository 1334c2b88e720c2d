"""Settings of the seo plugin: defaults once, one validated Config (`SEO = {...}`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from sitebuild.settings_dict import merged, typed_like_defaults

SETTING = "SEO"

DEFAULTS: Mapping[str, Any] = MappingProxyType({
    # Output paths (site root) of the sitemap and robots.txt.
    "sitemap_save_as": "sitemap.xml",
    "robots_save_as": "robots.txt",
    # Path prefixes (without language prefix) kept out of search engines.
    "disallow": ("drafts/", "subscribe/"),
})


class SeoSettingsError(ValueError):
    """SEO holds an unknown key or a value of the wrong type."""


@dataclass(frozen=True)
class Config:
    sitemap_save_as: str = DEFAULTS["sitemap_save_as"]
    robots_save_as: str = DEFAULTS["robots_save_as"]
    disallow: tuple[str, ...] = DEFAULTS["disallow"]


def load(settings: Mapping[str, Any]) -> Config:
    values = typed_like_defaults(merged(settings, SETTING, DEFAULTS, SeoSettingsError), SETTING,
                                 DEFAULTS, SeoSettingsError)
    return Config(**values)
