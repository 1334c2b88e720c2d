"""Medical content: reviews, references and citations, the safety layer, the review report."""

from medical.plugin import register

__all__ = ["register"]
