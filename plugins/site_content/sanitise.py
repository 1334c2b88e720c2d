"""The sanitiser lives in `core/sanitise.py` (the WordPress importer uses it too); this name
stays for the plugins that import it from here."""

from core.sanitise import ATTRIBUTES, TAGS, URL_SCHEMES, clean

__all__ = ["ATTRIBUTES", "TAGS", "URL_SCHEMES", "clean"]
