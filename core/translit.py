"""Ukrainian → Latin transliteration by the national system (Cabinet of Ministers resolution
No. 55 of 27 January 2010, "KMU 2010"), and ASCII slugs built on it.

One function for every place that turns a Ukrainian title into a file name or URL slug (the
WordPress importer, `make new`, the web editor's config), so that the same title always gives
the same slug. Russian-style schemes (Unidecode: г→g, и→i, х→h) give different, wrong slugs.
"""

from __future__ import annotations

import re
import unicodedata

# Letters whose Latin form differs at the start of a word (є ї й ю я).
_WORD_START = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
_LETTERS = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie",
    "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "iu",
    "я": "ia",
}
# The soft sign and every apostrophe form are dropped; "зг" is "zgh" so it is not read as "ж".
_APOSTROPHES = "'’ʼ`‘"


def transliterate(text: str) -> str:
    """Transliterate Ukrainian letters by KMU 2010; other characters are kept as they are."""
    text = unicodedata.normalize("NFC", text)
    out: list[str] = []
    prev = ""  # the previous letter, lower case; "" at the start of a word
    for ch in text:
        low = ch.lower()
        if ch in _APOSTROPHES:
            continue  # inside a word it leaves `prev` as it was: "п'ять" → "piat"
        if low in _LETTERS:
            if low == "г" and prev == "з":
                latin = "gh"
            elif not prev and low in _WORD_START:
                latin = _WORD_START[low]
            else:
                latin = _LETTERS[low]
            if ch != low and latin:
                # "Щука" → "Shchuka"; a word in capitals stays in capitals
                latin = latin.upper() if _is_all_caps(text) else latin.capitalize()
            out.append(latin)
            prev = low
        else:
            out.append(ch)
            prev = low if ch.isalpha() else ""
    return "".join(out)


def _is_all_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) > 1 and all(c.isupper() for c in letters)


def slugify(title: str, max_length: int = 80) -> str:
    """An ASCII slug: KMU 2010 for Ukrainian, accents stripped, lower case, hyphens.

    Returns "" when nothing usable is left (callers decide the fallback and say so).
    """
    latin = transliterate(title)
    ascii_text = unicodedata.normalize("NFKD", latin).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug
