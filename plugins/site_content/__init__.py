"""The site's content model inside each Pelican run: safe Markdown, callouts, translations."""

from site_content.plugin import register

__all__ = ["register"]
