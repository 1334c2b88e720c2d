"""Related publications: up to N scored, explainable, stable related articles per article."""

from related_publications.plugin import register

__all__ = ["register"]
