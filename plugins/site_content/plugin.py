"""Pelican boundary of the content model: the only module here that imports pelican."""

from __future__ import annotations

import logging

from pelican import signals
from pelican.readers import MarkdownReader

from site_content import i18n, reading
from site_content.markdown_setup import markdown_for, render_field
from site_content.sanitise import clean

logger = logging.getLogger(__name__)


class SiteMarkdownReader(MarkdownReader):
    """Markdown with the site's extensions, one converter reused per run, output sanitised."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._body_md = markdown_for(self.settings, with_meta=True)
        self._field_md = markdown_for(self.settings, with_meta=False)
        self._iframe_hosts = frozenset(self.settings.get("IFRAME_HOSTS", ()))

    def _parse_metadata(self, meta: dict) -> dict:
        formatted = self.settings["FORMATTED_FIELDS"]
        output = {}
        for name, values in meta.items():
            name = name.lower()
            if name in formatted:
                html = clean(render_field(self._field_md, "\n".join(values)), self._iframe_hosts)
                output[name] = self.process_metadata(name, html)
            else:
                # Repeated fields are reported by the content check; the first one wins here.
                output[name] = self.process_metadata(name, values[0])
        return output

    def read(self, source_path: str):
        self._source_path = source_path
        self._md = self._body_md
        self._md.reset()
        with open(source_path, encoding="utf-8") as handle:
            html = self._md.convert(handle.read())
        metadata = self._parse_metadata(getattr(self._md, "Meta", {}))
        return clean(html, self._iframe_hosts), metadata


def use_site_reader(readers) -> None:
    for extension in SiteMarkdownReader.file_extensions:
        readers.reader_classes[extension] = SiteMarkdownReader


def attach_site_data(generator) -> None:
    """Give every article and page its translations and reading time."""
    from sitebuild.catalogue import load_for_run

    site = load_for_run(generator.settings)
    by_path = {entry.path: entry for entry in site.entries}
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
        content.reading_time = reading.minutes(entry.body, entry.lang)


def install_theme_helpers(generator) -> None:
    lang = generator.settings["SITE_LANG"]
    i18n.install(generator.env, generator.settings, lang)


def register() -> None:
    signals.readers_init.connect(use_site_reader)
    signals.article_generator_finalized.connect(attach_site_data)
    signals.page_generator_finalized.connect(attach_site_data)
    signals.generator_init.connect(install_theme_helpers)
