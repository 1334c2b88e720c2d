"""Pelican boundary of the content model: the only module here that imports pelican."""

from __future__ import annotations

import hashlib
import logging
import os

from pelican import signals
from pelican.readers import MarkdownReader
from pelican.urlwrappers import URLWrapper

from core import catalogue, run, svg
from core.categories import category_slug
from core.paths import is_script, linked_part, under_link
from core.tags import tag_slug
from site_content import i18n, reading, toc
from site_content.conversion import convert_source, run_cache
from site_content.markdown_setup import markdown_for

logger = logging.getLogger(__name__)


class SiteMarkdownReader(MarkdownReader):
    """Markdown with the site's extensions and sanitised output, cached by file content.

    One converter pair is reused for the whole run (building one per file, as Pelican's
    reader does, costs more than converting a short article).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._converters = None
        self._entries = None  # relative path -> catalogue entry, loaded on first use
        self._cache = run_cache(self.settings, run.lang(self.settings))
        # One category, tag or author object per name for the run: Pelican makes one per
        # article naming it, and each works out its slug again (Pelican's slugify, ~4,000
        # times for 1,000 articles, a tenth of the run's reading).
        self._wrappers: dict[tuple[type, str], URLWrapper] = {}

    file_extensions = ["md"]  # the only source the catalogue reads (core/sources.py)

    def read(self, source_path: str):
        self._source_path = source_path
        relative = os.path.relpath(source_path, self.settings["PATH"]).replace(os.sep, "/")
        if through_link(self.settings, relative):
            return "", {"status": "skip"}  # never read through a link (named by the checks)
        with open(source_path, "rb") as handle:
            raw = handle.read()
        digest = hashlib.sha256(raw).hexdigest()
        converted = self._cache.get(relative, digest)
        if converted is None:
            if self._converters is None:
                self._converters = (markdown_for(self.settings, with_meta=True),
                                    markdown_for(self.settings, with_meta=False))
            converted = convert_source(*self._converters, self.settings, raw.decode("utf-8-sig"))
            self._cache.put(relative, digest, converted)
        entry = self._catalogue().get(relative)
        metadata = {}
        own_zone = "timezone" in converted.meta
        for name, values in converted.meta.items():
            # Repeated fields are reported by the content check; the first one wins here.
            value = converted.formatted.get(name, values[0])
            if name == "category":  # a name as the site shows it stands for its slug
                value = category_slug(value, self.settings["CATEGORIES"])
            metadata[name] = self._parsed_date(entry, name, value, self.settings["TIMEZONE"],
                                               own_zone=own_zone)
            if metadata[name] is None:
                metadata[name] = self.process_metadata(name, value)
        return converted.html, metadata

    def process_metadata(self, name, value):
        """Pelican's, with the run's one object for each category, tag or author name
        (Pelican also makes each file's default category with it)."""
        return self._shared(super().process_metadata(name, value))

    def _shared(self, value):
        if isinstance(value, URLWrapper):
            return self._wrappers.setdefault((type(value), value.name), value)
        if isinstance(value, list) and any(isinstance(item, URLWrapper) for item in value):
            return [self._shared(item) for item in value]
        return value

    def _catalogue(self) -> dict:
        """Catalogue entries by path (the driver's, or read in-process under plain pelican)."""
        if self._entries is None:
            self._entries = {entry.path: entry
                             for entry in catalogue.for_run(self.settings).entries}
        return self._entries

    @staticmethod
    def _parsed_date(entry, name: str, value: str, timezone: str, *, own_zone: bool):
        """`date` and `modified` as the catalogue reads them (Pelican's get_date, then the
        site's time zone): taken from the catalogue entry, or parsed here the same way for a
        file it has not (Pelican's own parsing leaves them naive in `metadata`, which gave
        every page a fingerprint the next build could not match). None: Pelican parses it
        (an article with its own `timezone`, or no date)."""
        if name not in ("date", "modified") or "_" in value or own_zone:
            return None
        source = entry.fields.get(name) if entry is not None else None
        if source is not None and source.value == value:
            return entry.date if name == "date" else entry.modified
        try:
            return catalogue.site_date(value, timezone)
        except (ValueError, OverflowError):
            return None  # Pelican words the error


def through_link(settings: dict, relative: str) -> bool:
    """Whether a path under the content folder is, or lies behind, a symbolic link: by the
    build's scan of the folder (SITE_LINKS), or by asking the file system under plain
    `pelican`."""
    links = settings.get("SITE_LINKS")
    if links is None:
        return linked_part(settings["PATH"], relative) is not None
    return under_link(relative, links)


def use_site_reader(readers) -> None:
    """Markdown as `.md` only, the one kind of source the catalogue reads and checks: the
    checks name any other (.html, .rst, .markdown) instead of Pelican building it unchecked."""
    for extension, reader in list(readers.reader_classes.items()):
        if extension != "static":
            readers.reader_classes[extension] = None
    for extension in SiteMarkdownReader.file_extensions:
        readers.reader_classes[extension] = SiteMarkdownReader


def leave_out_unbuilt(generator) -> None:
    """article_generator_pretaxonomy, page_generator_finalized (before any other plugin sees
    the lists): leave out what the catalogue builds in no language or in another one — a
    source named without a language (built in the default language only), the second file
    with one slug (the first is built), a page over a page of the site. The content checks
    name each; Pelican would build them twice or stop the build."""
    built = catalogue.for_run(generator.settings).built_in(run.lang(generator.settings))
    names = ("articles", "translations", "hidden_articles", "hidden_translations", "drafts",
             "drafts_translations", "pages", "hidden_pages", "draft_pages",
             "draft_translations")
    lists = [found for name in names if isinstance(found := getattr(generator, name, None), list)]
    kept = lambda content: content.relative_source_path.replace("\\", "/") in built  # noqa: E731
    for contents in lists:
        contents[:] = [content for content in contents if kept(content)]
    for contents in lists:
        for content in contents:
            content.translations = [other for other in content.translations if kept(other)]


def attach_site_data(generator) -> None:
    """Give every article and page its translations, reading time and table of contents."""
    site = catalogue.for_run(generator.settings)
    by_path = {entry.path: entry for entry in site.entries}
    settings = generator.settings
    conversions = run_cache(settings, run.lang(settings))
    siteurl = generator.settings["SITEURL"].rstrip("/")
    contents = [*getattr(generator, "articles", ()), *getattr(generator, "hidden_articles", ()),
                *getattr(generator, "drafts", ()), *getattr(generator, "pages", ()),
                *getattr(generator, "hidden_pages", ()), *getattr(generator, "draft_pages", ())]
    for content in contents:
        entry = by_path.get(content.relative_source_path.replace("\\", "/"))
        if entry is None:
            continue
        content.translation_key = entry.key
        content.translation_links = [
            {"lang": lang, "url": f"{siteurl}/{other.url}", "title": other.title}
            for lang in site.languages
            if lang != entry.lang and (other := site.translation_of(entry, lang)) is not None
        ]
        words = conversions.words(entry.path)
        content.reading_time = (reading.minutes(entry.body, entry.lang) if words is None
                                else reading.minutes_for(words, entry.lang))
        content.table_of_contents = toc.table_of_contents(content._content)
    for content in contents:
        # Pelican formats `url` from settings on every access, and a page of the theme reads
        # it dozens of times (canonical, share links, cards); its own `url:` override hook
        # fixes it once. Same value, computed once. (Not `save_as`: an override there also
        # tells Pelican's writer to let a later file with the same path win silently.)
        content.override_url = content.url


def install_theme_helpers(generator) -> None:
    lang = run.lang(generator.settings)
    i18n.install(generator.env, generator.settings, lang)
    # The driver's runs have LANG_PREFIX in their settings (the context wins over globals);
    # a plain `pelican` run renders the default language, at the root.
    generator.env.globals.setdefault("LANG_PREFIX", run.prefix(generator.settings))


def save_conversion_cache(pelican) -> None:
    run_cache(pelican.settings, run.lang(pelican.settings)).save()


def sort_static_files(generator) -> None:
    """static_generator_finalized: Pelican lists static files in the order of a set, which
    changes with each process's hash seed. Sorted, the context that every page's fingerprint
    includes is the same in every build, so a new `make html` process can reuse pages.
    An SVG that could run code or fetch files is left out (the content check names it)."""
    generator.staticfiles.sort(key=lambda static: static.source_path)
    # Never publish through a link: its target may be any file of the machine. The build
    # keeps Pelican out of linked folders (*_EXCLUDES); a {static} link can still name one.
    # Links go first: the SVG rule reads the file.
    generator.staticfiles[:] = [
        static for static in generator.staticfiles
        if not through_link(generator.settings, static.relative_source_path.replace("\\", "/"))
        and not _unsafe_svg(static.source_path)]


def _unsafe_svg(path: str) -> bool:
    """An SVG that could run code or fetch files, or a script (the content check names it)."""
    if is_script(path):
        return True
    if not path.lower().endswith(".svg"):
        return False
    with open(path, "rb") as handle:
        return bool(svg.problems(handle.read()))


def drop_tags_without_slug(generator) -> None:
    """article_generator_pretaxonomy: a tag with an empty slug would be written over
    tag/index.html (the content check names it); it is left off the article. Tags with one
    slug (`Sleep, sleep`) are one tag: the first is kept, so the article shows it once and
    its tag page lists the article once."""
    slugs: dict[str, str] = {}  # by tag name: most names are on many articles
    for article in [*generator.articles, *getattr(generator, "translations", ()),
                    *getattr(generator, "hidden_articles", ()),
                    *getattr(generator, "drafts", ())]:
        if getattr(article, "tags", None):
            by_slug = {}
            for tag in article.tags:
                slug = slugs.get(tag.name)
                if slug is None:
                    slug = slugs[tag.name] = tag_slug(tag.name, generator.settings)
                if slug:
                    by_slug.setdefault(slug, tag)
            article.tags = list(by_slug.values())


def start_run(pelican) -> None:
    """get_generators, sent as every run begins (it adds no generator): under plain
    `pelican --autoreload` each run reads the content's catalogue again."""
    catalogue.forget_in_process()


def register() -> None:
    signals.get_generators.connect(start_run)
    signals.readers_init.connect(use_site_reader)
    signals.article_generator_pretaxonomy.connect(leave_out_unbuilt)
    signals.page_generator_finalized.connect(leave_out_unbuilt)
    signals.static_generator_finalized.connect(sort_static_files)
    signals.article_generator_pretaxonomy.connect(drop_tags_without_slug)
    signals.finalized.connect(save_conversion_cache)
    signals.article_generator_finalized.connect(attach_site_data)
    signals.page_generator_finalized.connect(attach_site_data)
    signals.generator_init.connect(install_theme_helpers)
