"""Importers that bring another system's content into our layout (they use `core/` only)."""
