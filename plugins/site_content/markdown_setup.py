"""The Markdown converter of one language run: settings' extensions plus the site's own."""

from __future__ import annotations

import copy

from markdown import Markdown

from core import run
from core.translit import slugify
from medical.citations import CitationExtension, known_references
from site_content.callout import CalloutExtension
from site_content.tables import TableExtension
from site_content.typography import TypographyExtension


# The title of a footnote's "↩" link back to the text (Python-Markdown's is English only).
FOOTNOTE_BACKLINK_TITLES = {"uk": "Повернутися до виноски %d у тексті",
                            "en": "Jump back to footnote %d in the text"}


def heading_id(text: str, separator: str = "-") -> str:
    """Heading ids (toc extension) readable in both languages: KMU 2010 for Ukrainian, so
    `## Порівняння коротко` is #porivniannia-korotko rather than Markdown's ASCII-only #_1."""
    return slugify(text).replace("-", separator)


def markdown_for(settings: dict, *, with_meta: bool) -> Markdown:
    """A converter for one run; call `.reset()` between documents (cheaper than a new one)."""
    options = copy.deepcopy(settings["MARKDOWN"])
    extensions = list(options.pop("extensions", []))
    configs = options.pop("extension_configs", {})
    for name in configs:
        if name not in extensions:
            extensions.append(name)
    if "markdown.extensions.toc" in extensions:
        configs["markdown.extensions.toc"] = {"slugify": heading_id,
                                              **configs.get("markdown.extensions.toc", {})}
    lang = run.lang(settings)
    title = FOOTNOTE_BACKLINK_TITLES.get(lang, FOOTNOTE_BACKLINK_TITLES["en"])
    backlink = {"BACKLINK_TITLE": title}
    if "markdown.extensions.extra" in extensions:
        extra = configs.setdefault("markdown.extensions.extra", {})
        extra["footnotes"] = {**backlink, **extra.get("footnotes", {})}
    elif "markdown.extensions.footnotes" in extensions:
        configs["markdown.extensions.footnotes"] = {
            **backlink, **configs.get("markdown.extensions.footnotes", {})}
    if with_meta and "markdown.extensions.meta" not in extensions:
        extensions.append("markdown.extensions.meta")
    if not with_meta:
        extensions = [name for name in extensions if name != "markdown.extensions.meta"]
    extensions.append(TypographyExtension(lang=lang))
    titles = settings.get("CLINIC_COMMENT_TITLE", {})
    extensions.append(CalloutExtension(title=titles.get(lang, "Clinic comment")))
    extensions.append(TableExtension(lang=lang))
    extensions.append(CitationExtension(references=known_references(settings)))  # medical plugin
    return Markdown(extensions=extensions, extension_configs=configs, **options)

