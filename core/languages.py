"""The site's languages: where each lives in the output, and which one a Pelican run renders.

The build driver renders each language in a run of its own and says which in the settings
(`SITE_LANG`, `SITE_DEFAULT_LANG`); under plain `pelican content -s pelicanconf.py` nobody
does, and the run renders the default language.
"""

from __future__ import annotations


def language_prefix(settings: dict, lang: str) -> str:
    """The folder of a language in the output: "" for the default language, else "en/"."""
    default = settings.get("SITE_DEFAULT_LANG", settings["DEFAULT_LANG"])
    return "" if lang == default else f"{lang}/"
