"""Template strings per language: gettext catalogues from theme/translations/, Babel dates."""

from __future__ import annotations

import functools
import gettext
import io
import logging
from pathlib import Path

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2 import pass_context
from markupsafe import Markup

logger = logging.getLogger(__name__)


def load_translations(theme: Path, lang: str) -> gettext.NullTranslations:
    """Compile theme/translations/<lang>/LC_MESSAGES/messages.po in memory."""
    po = theme / "translations" / lang / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        logger.warning("site_content: no template translations for %r: add %s", lang, po)
        return gettext.NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def _lean_gettext(translations: gettext.NullTranslations) -> dict:
    """`_`, `gettext` and `ngettext` with the semantics of Jinja's newstyle gettext, minus its
    two levels of indirection per call (an article page makes some thirty such calls).

    Like Jinja's: the translation is marked safe under autoescape, and always treated as a
    %-format string with the keyword arguments escaped into it.
    """
    looked_up: dict[str, str] = {}
    # Without arguments the result is the same on every call (a few hundred strings): kept,
    # by string and autoescape, rather than formatted again on every page.
    plain: dict[tuple[str, bool], str] = {}

    @pass_context
    def lean_gettext(__context, __string: str, **variables):
        autoescape = __context.eval_ctx.autoescape
        if not variables and (done := plain.get((__string, autoescape))) is not None:
            return done
        rv = looked_up.get(__string)
        if rv is None:
            rv = looked_up[__string] = translations.gettext(__string)
        if autoescape:
            rv = Markup(rv)
        rv = rv % variables
        if not variables:
            plain[(__string, autoescape)] = rv
        return rv

    @pass_context
    def lean_ngettext(__context, __singular: str, __plural: str, __num: int, **variables):
        variables.setdefault("num", __num)
        rv = translations.ngettext(__singular, __plural, __num)
        if __context.eval_ctx.autoescape:
            rv = Markup(rv)
        return rv % variables

    return {"_": lean_gettext, "gettext": lean_gettext, "ngettext": lean_ngettext}


def install(env, settings: dict, lang: str) -> None:
    """Make `_()`, localised dates and the site's per-language names available to templates."""
    translations = load_translations(Path(settings["THEME"]), lang)
    env.install_gettext_translations(translations, newstyle=True)
    env.globals.update(_lean_gettext(translations))
    locale = settings["SITE_LANGUAGES"][lang].get("locale", lang)
    categories = settings["CATEGORIES"]

    @functools.lru_cache(maxsize=4096)  # listings print the same few hundred dates again
    def _date(day, format: str) -> str:  # noqa: A002 (Babel's name)
        return format_date(day, format=format, locale=locale)

    def localdate(value, format: str = "long") -> str:  # noqa: A002
        return _date(value.date() if hasattr(value, "date") else value, format) if value else ""

    def category_name(category) -> str:
        slug = getattr(category, "slug", category)
        return categories.get(slug, {}).get(lang, str(category))

    env.filters["localdate"] = localdate
    env.filters["category_name"] = category_name
    env.globals.update(SITE_LANG=lang)
