"""The Markdown converter of one language run: settings' extensions plus the site's own."""

from __future__ import annotations

import copy

from markdown import Markdown

from core.translit import slugify
from medical.citations import CitationExtension, known_references
from site_content.callout import CalloutExtension
from site_content.typography import TypographyExtension


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
    if with_meta and "markdown.extensions.meta" not in extensions:
        extensions.append("markdown.extensions.meta")
    if not with_meta:
        extensions = [name for name in extensions if name != "markdown.extensions.meta"]
    lang = settings["SITE_LANG"]
    extensions.append(TypographyExtension(lang=lang))
    titles = settings.get("CLINIC_COMMENT_TITLE", {})
    extensions.append(CalloutExtension(title=titles.get(lang, "Clinic comment")))
    extensions.append(CitationExtension(references=known_references(settings)))  # medical plugin
    return Markdown(extensions=extensions, extension_configs=configs, **options)

