"""Renders only the pages whose inputs changed since the last build; links the others."""

from render_cache.plugin import register

__all__ = ["register"]
