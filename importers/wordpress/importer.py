"""The import: an export's items → our Markdown sources, images and a report.

    export = wxr.read(path)
    report = run(export, Options(content=…, uploads=…, settings=siteconf.read()))

Items are grouped into translation pairs, each group gets one ASCII file name, each item its
metadata and body; files are written only when new or when unchanged since the importer last
wrote them (see `files.py`).
"""

from __future__ import annotations

import html
import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlparse

from core.translit import slugify
from importers.wordpress import convert, elementor, files, languages
from importers.wordpress.media import Media
from importers.wordpress.report import Report
from importers.wordpress.wxr import Export, Item

logger = logging.getLogger(__name__)

STATUSES = {"publish": "published", "draft": "draft", "pending": "draft", "future": "draft"}
SKIPPED_STATUSES = ("private", "trash", "auto-draft", "inherit")
KINDS = {"post": "article", "page": "page"}
# Top-level folders of our site a page slug must not take (sitebuild writes these).
RESERVED_PAGE_SLUGS = frozenset({
    "articles", "category", "categories", "tag", "tags", "author", "authors", "archives",
    "search", "subscribe", "feeds", "drafts", "images", "theme", "newsletter", "reports",
    "extra", "pagefind",
})


@dataclass
class Options:
    content: Path
    uploads: Path
    settings: dict  # the site's settings (core.siteconf.read)
    category_map: dict[str, str] = field(default_factory=dict)  # WordPress slug → ours
    category_base: str = "category"  # WordPress's category base (Settings > Permalinks)


@dataclass
class Planned:
    """One item to import, once its group's file name is known."""

    item: Item
    lang: str
    kind: str  # "article" | "page"
    status: str
    slug: str = ""
    category: str = ""
    old_path: str = ""
    moved_to: str = ""  # where an editor moved the file an earlier import wrote

    @property
    def relative(self) -> str:
        if self.moved_to:
            return self.moved_to
        folder = f"articles/{self.category}" if self.kind == "article" else "pages"
        return f"{folder}/{self.slug}.{self.lang}.md"


def _where(item: Item) -> str:
    return f"post {item.post_id} “{item.title or '(no title)'}”"


def old_path(link: str) -> str:
    """A permalink's path as browsers send it (percent-encoded, upper-case hex), or ""."""
    parsed = urlparse(link.strip())
    if not parsed.path or parsed.query:  # ?p=123 links cannot be served by a static site
        return ""
    return quote(unquote(parsed.path), safe="/-._~!$&'()*+,;=:@")


def run(export: Export, options: Options) -> Report:
    report = Report()
    settings = options.settings
    default_lang = settings["DEFAULT_LANG"]
    site_langs = tuple(settings["SITE_LANGUAGES"])
    langs = languages.detect(export, default_lang, site_langs)
    for problem in langs.problems:
        report.note("Translation groups", "export", problem)
    report.note("Languages", "export", f"decided by {langs.source}")
    attachments = {item.post_id: item for item in export.items if item.post_type == "attachment"}
    host = (urlparse(export.site_url).hostname or "").removeprefix("www.")
    media = Media(options.uploads, options.content, host)
    planned = _select(export, langs, site_langs, report)
    alt_by_upload = {media.original_name(a.attachment_url): a.meta["_wp_attachment_image_alt"]
                     for a in attachments.values()
                     if a.attachment_url and a.meta.get("_wp_attachment_image_alt", "").strip()}
    groups = _group(planned, langs, report)
    categories = _Categories(export, langs, settings, options.category_map, report)
    taken, imported_before = _existing_sources(options.content, settings)
    for group in groups:
        _name_group(group, taken, report)
        category = categories.for_group(group)
        for plan in group:
            plan.category = category
            plan.old_path = old_path(plan.item.link)
            found = imported_before.get(_match_key(plan.old_path)) if plan.old_path else None
            if found and found != plan.relative:
                report.note("Moved since the last import", _where(plan.item),
                            f"{found} (the importer would name it {plan.relative}); kept there")
                plan.moved_to = found
    by_path = {_match_key(p.old_path): p for group in groups for p in group if p.old_path}
    by_id = {p.item.post_id: p for group in groups for p in group}
    for group in groups:
        for plan in group:
            text = _document(plan, export, attachments, alt_by_upload, media, by_path, by_id,
                             categories, settings, report)
            state = files.write(options.content / plan.relative, text)
            report.files[state].append(plan.relative)
            report.imported[(plan.lang, plan.kind, plan.status)] += 1
    report.files["images copied"] = sorted(media.written)
    _write_redirects(export, langs, categories, options, report)
    return report


REDIRECTS_FILE = "data/redirects.toml"  # the build's REDIRECTS["file"] default


def _write_redirects(export: Export, langs: languages.Languages, categories: _Categories,
                     options: Options, report: Report) -> None:
    """Old category archives → ours, in the redirects file the build reads (no source file
    carries them). Categories that match none of ours are reported instead."""
    settings = options.settings
    entries: dict[str, str] = {}
    for term in sorted(export.terms, key=lambda t: t.term_id):
        if term.taxonomy != "category" or not term.slug:
            continue
        lang = langs.lang_of_term.get(term.term_id, langs.default)
        if lang not in settings["SITE_LANGUAGES"]:
            continue
        prefix = "" if lang == settings["DEFAULT_LANG"] else f"{lang}/"
        old = old_path(f"/{prefix}{options.category_base.strip('/')}/{term.slug}/")
        ours = categories.map(term.slug, term.name)
        if ours is None:
            report.note("Category archives not redirected", f"category {unquote(term.slug)!r}",
                        f"{old} matches none of our categories; add a line "
                        f'"{old}" = "/…/" to content/{REDIRECTS_FILE} if it should lead somewhere')
            continue
        new = "/" + prefix + settings["CATEGORY_URL"].format(slug=ours, lang=lang)
        if old and _match_key(old) != _match_key(new):
            entries[old] = new
    if not entries:
        return
    text = files.render_toml(
        ["Old addresses of the WordPress site that no source file carries: its category",
         "archives. Read by the build (REDIRECTS['file']), which redirects each to its page.",
         "Written by the WordPress importer: once you edit this file, it is left alone."],
        entries)
    state = files.write(options.content / REDIRECTS_FILE, text)
    report.files[state].append(REDIRECTS_FILE)


def _select(export: Export, langs: languages.Languages, site_langs: tuple[str, ...],
            report: Report) -> list[Planned]:
    planned = []
    for item in export.items:
        if item.post_type == "attachment":
            continue  # used for images, never imported as documents
        if item.post_type not in KINDS:
            report.skipped[f"type {item.post_type}"] += 1
            continue
        if item.status not in STATUSES:
            report.skipped[f"status {item.status}"] += 1
            continue
        lang = langs.of_post.get(item.post_id, langs.default)
        if lang not in site_langs:
            report.skipped[f"language {lang} (not in SITE_LANGUAGES)"] += 1
            report.note("Unknown languages", _where(item), f"language {lang!r} is not a site "
                        "language; add it to SITE_LANGUAGES to import it")
            continue
        status = STATUSES[item.status]
        if item.status == "future":
            report.note("Scheduled posts", _where(item), "imported as a draft; set its date "
                        "and remove `status: draft` when it should appear")
        planned.append(Planned(item, lang, KINDS[item.post_type], status))
    return planned


def _group(planned: list[Planned], langs: languages.Languages,
           report: Report) -> list[list[Planned]]:
    """Translation groups (one item per language), ordered by their first post id."""
    grouped: dict[str, list[Planned]] = defaultdict(list)
    alone: list[list[Planned]] = []
    for plan in sorted(planned, key=lambda p: p.item.post_id):
        key = langs.group_of_post.get(plan.item.post_id)
        group = grouped[key] if key else None
        if group is not None and any(p.lang == plan.lang or p.kind != plan.kind for p in group):
            report.note("Translation groups", _where(plan.item),
                        f"a second {plan.lang} {plan.kind} in group {key}; imported alone")
            group = None
        if group is None:
            alone.append([plan])
        else:
            group.append(plan)
    groups = [g for g in grouped.values() if g] + alone
    return sorted(groups, key=lambda g: min(p.item.post_id for p in g))


def _existing_sources(content: Path, settings: dict) -> tuple[set[str], dict[str, str]]:
    """(file names taken by sources the importer did not write, {old path: file} of those an
    earlier import wrote). Imported files are found by their `old_urls` wherever an editor
    moved them, so a re-import never writes a second copy; names of others are never taken."""
    taken: set[str] = set()
    imported: dict[str, str] = {}
    roots = [*settings.get("ARTICLE_PATHS", ["articles"]), *settings.get("PAGE_PATHS", ["pages"])]
    for root in roots:
        for path in sorted((content / root).rglob("*.md")):
            text = path.read_text(encoding="utf-8", errors="replace")
            if files.stamp_matches(text) is None:
                taken.add(path.name.split(".", 1)[0])
                continue
            for line in text.split("\n\n", 1)[0].splitlines():
                if line.startswith("old_urls:"):
                    for old in line.split(":", 1)[1].replace(",", " ").split():
                        imported.setdefault(_match_key(old), path.relative_to(content).as_posix())
    return taken, imported


def _slug_candidates(group: list[Planned]) -> list[str]:
    """The English post_name first (an ASCII name shared by both files), then the others,
    then titles transliterated by KMU 2010."""
    ordered = sorted(group, key=lambda p: p.lang != "en")
    names = [slugify(unquote(p.item.post_name)) for p in ordered]
    titles = [slugify(html.unescape(p.item.title)) for p in ordered]
    return [name for name in [*names, *titles] if name]


def _name_group(group: list[Planned], taken: set[str], report: Report) -> None:
    candidates = _slug_candidates(group) or [f"post-{group[0].item.post_id}"]
    base = candidates[0]
    slug, number = base, 1
    page = group[0].kind == "page"
    while slug in taken or (page and slug in RESERVED_PAGE_SLUGS):
        number += 1
        slug = f"{base}-{number}"
    if slug != base:
        report.note("Slug collisions", _where(group[0].item),
                    f"{base!r} is taken; named {slug!r}")
    taken.add(slug)
    for plan in group:
        plan.slug = slug


def _match_key(path: str) -> str:
    return unquote(path).lower().rstrip("/") + "/"


class _Categories:
    """WordPress categories → our CATEGORIES slugs: by slug, by display name in either
    language, through the category's translation group, then the mapping file."""

    def __init__(self, export: Export, langs: languages.Languages, settings: dict,
                 category_map: dict[str, str], report: Report) -> None:
        self.ours = settings["CATEGORIES"]
        self.default = settings.get("DEFAULT_CATEGORY", "uncategorized")
        self.default_lang = settings["DEFAULT_LANG"]
        self.category_map = category_map
        self.report = report
        self.names = {name.lower(): slug for slug, by_lang in self.ours.items()
                      for name in by_lang.values()}
        self.terms = {t.slug: t for t in export.terms if t.taxonomy == "category"}
        self.group_members: dict[str, list[str]] = defaultdict(list)
        for term in self.terms.values():
            group = langs.group_of_term.get(term.term_id)
            if group:
                self.group_members[group].append(term.slug)
        self.langs = langs
        self.unmapped: set[str] = set()

    def _direct(self, slug: str, name: str) -> str | None:
        decoded = unquote(slug)
        if decoded in self.category_map:
            return self.category_map[decoded]
        if decoded in self.ours:
            return decoded
        return self.names.get(html.unescape(name).strip().lower())

    def map(self, slug: str, name: str) -> str | None:
        found = self._direct(slug, name)
        if found:
            return found
        term = self.terms.get(slug)
        group = self.langs.group_of_term.get(term.term_id) if term else None
        for other in self.group_members.get(group, []) if group else []:
            found = self._direct(other, self.terms[other].name)
            if found:
                return found
        return None

    def for_item(self, item: Item) -> tuple[str | None, list[str]]:
        """(our category or None, display names of the further categories)."""
        cats = item.terms_of("category")
        if not cats:
            return None, []
        first = self.map(*cats[0])
        if first is None:
            slug, name = cats[0]
            if slug not in self.unmapped:
                self.unmapped.add(slug)
                self.report.note("Unmapped categories", f"category {unquote(slug)!r} ({name})",
                                 f"no slug or name in CATEGORIES matches; filed under "
                                 f"{self.default!r} — map it in a --categories file")
        return first, [html.unescape(name) for _, name in cats[1:]]

    def for_group(self, group: list[Planned]) -> str:
        if group[0].kind != "article":
            return ""
        found = [(plan, self.for_item(plan.item)[0]) for plan in group]
        chosen = [c for _, c in sorted(found, key=lambda f: f[0].lang != self.default_lang)
                  if c]
        if len(set(chosen)) > 1:
            self.report.note("Category conflicts", _where(group[0].item),
                             f"the translations are filed under {', '.join(sorted(set(chosen)))}; "
                             f"both go to {chosen[0]!r}")
        return chosen[0] if chosen else self.default


def _document(plan: Planned, export: Export, attachments: dict[int, Item],
              alt_by_upload: dict[str, str], media: Media, by_path: dict[str, Planned],
              by_id: dict[int, Planned], categories: _Categories, settings: dict,
              report: Report) -> str:
    item = plan.item
    where = _where(item)

    def note(kind: str, detail: str) -> None:
        sections = {"shortcode-dropped": "Dropped shortcodes",
                    "shortcode-converted": "Converted shortcodes",
                    "elementor-unknown": "Unknown Elementor widgets",
                    "elementor-converted": "Converted Elementor widgets",
                    "clinic-comment": "Clinic comments",
                    "image-no-alt": "Images without alt text"}
        report.note(sections.get(kind, kind), where, detail)

    def resolve_image(url: str) -> str | None:
        found = media.resolve(url)
        if found is None:
            report.note("Missing images", where, f"{url} (not in the uploads folder; left out)")
        return found

    def resolve_link(url: str) -> str | None:
        target = _resolve_link(url, export.site_url, by_path, by_id)
        if target is None:
            if _same_site(url, export.site_url) and urlparse(url).path.strip("/"):
                report.note("Links to the old site not matched", where,
                            f"{url} is no imported post or page; check where it should lead")
            return None
        found, fragment = target
        if found.lang == plan.lang:
            return "{filename}/" + found.relative + fragment
        # Each language is built on its own: {filename} reaches only the same language.
        report.note("Links to the other language", where,
                    f"{url} → {_new_url(found, settings)} (a URL: update it if that slug changes)")
        return _new_url(found, settings) + fragment

    def attachment_alt(attachment_id: int) -> str:
        attachment = attachments.get(attachment_id)
        return attachment.meta.get("_wp_attachment_image_alt", "") if attachment else ""

    def attachment(post_id: int) -> tuple[str, str] | None:
        found = attachments.get(post_id)
        if found is None or not found.attachment_url:
            report.note("Missing images", where, f"attachment {post_id} is not in the export")
            return None
        return found.attachment_url, found.meta.get("_wp_attachment_image_alt", "")

    def alt_of(url: str) -> str:
        return alt_by_upload.get(media.original_name(url) or "", "")

    context = convert.Context(
        report=note, resolve_link=resolve_link, resolve_image=resolve_image,
        is_upload=media.is_upload, alt_of=alt_of, attachment=attachment,
        clinic_words=_clinic_words(settings),
        iframe_hosts=frozenset(settings.get("IFRAME_HOSTS", ())))
    source = item.content
    if item.meta.get("_elementor_edit_mode") == "builder" and item.meta.get("_elementor_data"):
        try:
            source = elementor.to_html(item.meta["_elementor_data"], note, attachment_alt)
        except elementor.ElementorUnreadable as error:
            report.note("Unreadable Elementor data", where, f"{error}; content:encoded used")
    else:
        source = convert.paragraphs(source)
    body = convert.to_markdown(source, context)
    fields = _fields(plan, item, export, attachments, media, categories, report, resolve_image)
    return files.render(fields, body)


def _clinic_words(settings: dict) -> tuple[str, ...]:
    names = (settings.get("CLINIC") or {}).get("name") or {}
    words = {"експіо", "expio"} | {name.split()[0].lower() for name in names.values() if name}
    return tuple(sorted(words))


def _same_site(url: str, site_url: str) -> bool:
    parsed = urlparse(url.strip())
    if parsed.scheme not in ("", "http", "https"):
        return False
    if parsed.hostname is None:
        return parsed.path.startswith("/")
    return (parsed.hostname.removeprefix("www.")
            == (urlparse(site_url).hostname or "").removeprefix("www."))


def _resolve_link(url: str, site_url: str, by_path: dict[str, Planned],
                  by_id: dict[int, Planned]) -> tuple[Planned, str] | None:
    if not _same_site(url, site_url):
        return None
    parsed = urlparse(url.strip())
    target = None
    query = parse_qs(parsed.query)
    for name in ("p", "page_id"):
        if query.get(name, [""])[0].isdigit():
            target = by_id.get(int(query[name][0]))
    if target is None and parsed.path:
        target = by_path.get(_match_key(parsed.path))
    if target is None:
        return None
    return target, (f"#{parsed.fragment}" if parsed.fragment else "")


def _new_url(plan: Planned, settings: dict) -> str:
    """The page's address on the new site (root-relative), as sitebuild will write it."""
    pattern = settings["ARTICLE_URL"] if plan.kind == "article" else settings["PAGE_URL"]
    prefix = "" if plan.lang == settings["DEFAULT_LANG"] else f"{plan.lang}/"
    slug = plan.relative.rsplit("/", 1)[-1].split(".", 1)[0]  # the file's name, wherever it is
    return "/" + prefix + pattern.format(slug=slug, lang=plan.lang, category=plan.category)


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _date(value: str) -> str:
    """`2024-05-01 10:30:00` → `2024-05-01 10:30` (WordPress's local time, as our dates)."""
    match = re.match(r"(\d{4}-\d{2}-\d{2})(?: (\d{2}:\d{2}))?", value)
    if not match or match[1].startswith("0000"):
        return ""
    return f"{match[1]} {match[2]}" if match[2] and match[2] != "00:00" else match[1]


def _fields(plan: Planned, item: Item, export: Export, attachments: dict[int, Item],
            media: Media, categories: _Categories, report: Report,
            resolve_image) -> list[tuple[str, str]]:
    fields = [("title", _one_line(html.unescape(item.title)) or plan.slug)]
    date, modified = _date(item.date), _date(item.modified)
    if date:
        fields.append(("date", date))
    if modified and modified != date and modified > date:
        fields.append(("modified", modified))
    if plan.kind == "article":
        fields.append(("category", plan.category))
        _, further = categories.for_item(item)
        tags = [name for _, name in item.terms_of("post_tag")] + further
        tags = list(dict.fromkeys(_one_line(t).lower().replace(",", " ") for t in tags if t))
        if tags:
            fields.append(("tags", ", ".join(tags)))
    author = export.authors.get(item.creator, item.creator)
    if author:
        fields.append(("authors", _one_line(author).replace(",", " ")))
    summary = convert.plain_text(item.excerpt) if item.excerpt.strip() else ""
    if summary:
        fields.append(("summary", summary))
    if plan.status != "published":
        fields.append(("status", plan.status))
    thumbnail = attachments.get(_int(item.meta.get("_thumbnail_id")))
    if item.meta.get("_thumbnail_id") and thumbnail is None:
        report.note("Missing images", _where(item),
                    f"featured image {item.meta['_thumbnail_id']} is not in the export")
    if thumbnail is not None and thumbnail.attachment_url:
        image = resolve_image(thumbnail.attachment_url)
        if image:
            alt = thumbnail.meta.get("_wp_attachment_image_alt", "").strip()
            if not alt:
                alt = _one_line(html.unescape(thumbnail.title or item.title))
                report.note("Images without alt text", _where(item),
                            f"featured image has no alt text; used {alt!r} — check it")
            fields += [("image", image), ("image_alt", _one_line(alt))]
    if plan.old_path:
        fields.append(("old_urls", plan.old_path))
    return fields


def _int(value: str | None) -> int:
    try:
        return int(value or "0")
    except ValueError:
        return 0
