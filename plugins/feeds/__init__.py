"""Feeds with feedgen: per language and per category (Atom, RSS 2.0, JSON Feed), and digests."""

from feeds.plugin import register

__all__ = ["register"]
