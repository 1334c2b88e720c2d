"""Template context the theme needs beyond Pelican's own: navigation, assets, result pages."""

from theme_context.plugin import register

__all__ = ["register"]
