"""Tags: the slug a tag gets, one rule for the content check and the plugin that drops
the tags whose slug comes out empty."""

from __future__ import annotations

from pelican.utils import slugify


def tag_slug(name: str, settings: dict) -> str:
    """The slug Pelican gives the tag (pelican.urlwrappers.URLWrapper.slug, with the site's
    settings), without the raw warning Pelican logs when it comes out empty."""
    return slugify(name, regex_subs=settings.get("TAG_REGEX_SUBSTITUTIONS",
                                                 settings.get("SLUG_REGEX_SUBSTITUTIONS", [])),
                   preserve_case=settings.get("SLUGIFY_PRESERVE_CASE", False),
                   use_unicode=settings.get("SLUGIFY_USE_UNICODE", False))
