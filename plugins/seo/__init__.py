"""sitemap.xml with hreflang alternates and robots.txt, for every language at once."""

from seo.plugin import register

__all__ = ["register"]
