"""Newsletter manifest: writes `<prefix>newsletter/manifest.json` and the sent digests' web
versions in every language run (see README.md)."""

from newsletter_manifest.plugin import register

__all__ = ["register"]
