"""Settings for one build: pelicanconf/publishconf read once, then one variant per language."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import FileSystemBytecodeCache
from pelican.settings import read_settings

from core.languages import language_prefix
from core.settings import ListOf, OneOf, SettingsError, Whole
from sitebuild import wordforms

# Settings whose value is a URL or output path inside the site: prefixed with `en/` for English.
_LOCATION_SUFFIXES = ("_URL", "_SAVE_AS")
_NOT_PREFIXED = {"STATIC_URL", "STATIC_SAVE_AS", "SITEURL", "FEED_DOMAIN", "MAILCHIMP_API_URL"}
# Build settings of the whole site, checked when present (absent: the defaults of
# sitebuild/search.py and sitebuild/engine/runs.py).
_SEARCH = {
    # Worker processes and page-writing shards of a build (default: the machine's cores).
    "BUILD_WORKERS": Whole(low=1, unit="processes"),
    "SEARCH_BUNDLE_PAGES": Whole(low=1, unit="pages"),
    "SEARCH_WORD_FORMS": ListOf(OneOf(*wordforms.LANGUAGES, expected="a language with word-form "
                                      f"rules ({', '.join(wordforms.LANGUAGES)})"),
                                expected="a list of languages with word-form rules "
                                         f"({', '.join(wordforms.LANGUAGES)})"),
}


@dataclass(frozen=True)
class BuildOptions:
    """What the command line asked for."""

    settings_file: Path
    content: Path | None = None
    output: Path | None = None
    strict: bool = False
    cache: bool = True
    parallel: bool = True
    related_report: bool = False  # also write reports/related.{html,csv}
    # devserver: changed search bundles are indexed after the new pages are served
    defer_search: bool = False
    overrides: tuple[tuple[str, object], ...] = ()  # extra settings (tests, bench)


def read_base(options: BuildOptions) -> dict:
    """Read the settings file with Pelican's defaults and validate the site-wide values."""
    override = dict(options.overrides)
    if options.content is not None:
        override["PATH"] = str(options.content.resolve())
    if options.output is not None:
        override["OUTPUT_PATH"] = str(options.output.resolve())
    settings = read_settings(str(options.settings_file), override=override)
    # One date for the whole build, in the site's time zone: review status, checks and the
    # reuse keys all read it, so a build that runs across midnight agrees with itself.
    settings.setdefault(
        "SITE_BUILD_DATE", datetime.now(ZoneInfo(settings.get("TIMEZONE") or "UTC")).date())
    _validate(settings)
    for plugin_path in reversed(settings.get("PLUGIN_PATHS", [])):
        # The build shares code with the plugins (Markdown setup); Pelican adds these too.
        if plugin_path not in sys.path:
            sys.path.insert(0, plugin_path)
    return settings


def _validate(settings: dict) -> None:
    languages = settings.get("SITE_LANGUAGES")
    if not isinstance(languages, dict) or not languages:
        raise SettingsError("SITE_LANGUAGES must be a non-empty dict of language code -> info")
    if settings["DEFAULT_LANG"] not in languages:
        raise SettingsError(
            f"DEFAULT_LANG {settings['DEFAULT_LANG']!r} is not in SITE_LANGUAGES "
            f"({', '.join(languages)})"
        )
    categories = settings.get("CATEGORIES")
    if not isinstance(categories, dict) or not categories:
        raise SettingsError("CATEGORIES must be a dict of slug -> {lang: name}")
    for slug, names in categories.items():
        missing = [lang for lang in languages if not (isinstance(names, dict) and names.get(lang))]
        if missing:
            raise SettingsError(
                f"CATEGORIES[{slug!r}] has no name for {', '.join(missing)}: add "
                f"{{{', '.join(repr(m) + ': ...' for m in missing)}}}"
            )
    for name in ("MAILCHIMP_API_KEY", "NEWSLETTER_SECRET"):
        if name in settings:
            raise SettingsError(
                f"{name} must not be a setting (settings reach templates): "
                "set it in the environment instead"
            )
    for name, kind in _SEARCH.items():
        if name in settings:
            kind.check(settings[name], (name,), settings)
    build_date = settings["SITE_BUILD_DATE"]
    if not isinstance(build_date, date) or isinstance(build_date, datetime):
        raise SettingsError(f"SITE_BUILD_DATE is set by the build (tests may pin it to a "
                            f"datetime.date); got {build_date!r}")
    if settings.get("JINJA_ENVIRONMENT", {}).get("autoescape") is not True:
        raise SettingsError("JINJA_ENVIRONMENT['autoescape'] must be True: every template value "
                            "is escaped unless marked safe (titles, tags and data carry markup)")
    links = _links_in(settings.get("THEME") or "")
    if links:
        raise SettingsError(f"THEME: {', '.join(links)} is a symbolic link; the build never "
                            "follows links (Pelican would publish or read the target, which "
                            "could be any file of the machine) — put the file itself in the theme")
    from sitebuild.checks import limits  # its settings, refused by name at start-up

    limits.load(settings)
    if not settings.get("SITEURL"):
        raise SettingsError("SITEURL must be set: feeds, canonical links and emails need it")
    from sitebuild import redirects  # at start-up, not after every page is rendered

    redirects.load(settings)


def _links_in(folder: str) -> list[str]:
    """The symbolic links under `folder`, relative to it (links to folders are not entered)."""
    found = []
    for directory, folders, files in os.walk(folder) if folder else ():
        for name in sorted([*folders, *files]):
            path = os.path.join(directory, name)
            if os.path.islink(path):
                found.append(os.path.relpath(path, folder).replace(os.sep, "/"))
    return sorted(found)


def for_language(base: dict, lang: str, *, output_path: Path, catalogue_path: Path,
                 cache_root: Path) -> dict:
    """The settings of the Pelican run that renders one language into `output_path`."""
    settings = dict(base)
    prefix = language_prefix(base, lang)
    for name in base["DIRECT_TEMPLATES"]:  # Pelican's implicit default, made explicit to prefix
        settings.setdefault(f"{name.upper()}_SAVE_AS", f"{name}.html")
    for key, value in list(settings.items()):
        if (key.endswith(_LOCATION_SUFFIXES) and key not in _NOT_PREFIXED
                and isinstance(value, str) and value):
            settings[key] = prefix + value
    other_languages = [code for code in base["SITE_LANGUAGES"] if code != lang]
    settings.update(
        SITE_LANG=lang,
        SITE_DEFAULT_LANG=base["DEFAULT_LANG"],
        DEFAULT_LANG=lang,
        LANG_PREFIX=prefix,
        LANG_SITEURL=base["SITEURL"].rstrip("/") + ("/" + prefix.rstrip("/") if prefix else ""),
        OUTPUT_PATH=str(output_path),
        SITE_CATALOGUE_PATH=str(catalogue_path),
        IGNORE_FILES=[*base["IGNORE_FILES"], *(f"*.{code}.md" for code in other_languages)],
        CACHE_PATH=str(cache_root / "pelican" / lang),
        JINJA_ENVIRONMENT={
            **base["JINJA_ENVIRONMENT"],
            # Compiled templates, keyed by their source: rebuilds skip compiling the theme.
            "bytecode_cache": FileSystemBytecodeCache(str(_ensure(cache_root / "jinja"))),
        },
        LOCALE=(base["SITE_LANGUAGES"][lang].get("locale", ""),),
    )
    return settings


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def environment_secrets() -> list[str]:
    """Secret values present in the environment (for the output leak check)."""
    names = ("MAILCHIMP_API_KEY", "NEWSLETTER_SECRET")
    return [os.environ[name] for name in names if len(os.environ.get(name, "")) >= 8]
