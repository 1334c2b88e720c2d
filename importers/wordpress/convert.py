"""A post's HTML body as our Markdown.

In order: shortcodes ([caption] → image with caption, [embed]/[video]/[youtube] → the
privacy-enhanced YouTube player, every other one dropped and reported); our sanitiser (the same
allowlist the build applies: scripts, handlers, foreign iframes and HTML comments, Gutenberg's
block comments among them, never survive); image and link rewriting to `{static}` and
`{filename}` paths; the clinic's comment block to our `clinic-comment` callout; then markdownify
(MIT, BeautifulSoup) with a few conversions of ours.
"""

from __future__ import annotations

import html as html_module
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

from bs4 import BeautifulSoup, Tag
from markdownify import ATX, MarkdownConverter

from core.sanitise import clean

# WordPress's own shortcode grammar (wp-includes/shortcodes.php, get_shortcode_regex()):
# [[name]] is an escaped literal; [name attrs], [name attrs /], [name attrs]content[/name].
_SHORTCODE = re.compile(
    r"\[(\[?)([A-Za-z][\w-]*)(?![\w-])([^\]/]*(?:/(?!\])[^\]/]*)*?)"
    r"(?:(/)\]|\](?:([^\[]*(?:\[(?!/\2\])[^\[]*)*)(\[/\2\]))?)(\]?)")
_ATTRIBUTE = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s'"\]]+))""")
_CODE = re.compile(r"(<(?:code|pre)\b.*?</(?:code|pre)>)", re.IGNORECASE | re.DOTALL)
_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{6,20}$")
_BLANK_LINES = re.compile(r"\n{3,}")
CALLOUT_CLASS = "wp-clinic-comment"


@dataclass(frozen=True)
class Context:
    """What a body conversion needs from the import around it."""

    report: Callable[[str, str], None]  # (kind, detail)
    resolve_link: Callable[[str], str | None]  # old URL → "{filename}/…" (None: leave it)
    resolve_image: Callable[[str], str | None]  # upload URL → "{static}/…" (None: missing)
    is_upload: Callable[[str], bool]
    alt_of: Callable[[str], str] = lambda url: ""  # upload URL → its attachment's alt text
    attachment: Callable[[int], tuple[str, str] | None] = lambda post_id: None  # (URL, alt)
    comment_words: tuple[str, ...] = ("коментар", "comment")
    clinic_words: tuple[str, ...] = ("експіо", "expio")
    iframe_hosts: frozenset[str] = frozenset({"www.youtube-nocookie.com"})


def to_markdown(html: str, context: Context) -> str:
    html = shortcodes(html, context)
    if "<iframe" in html:
        html = _youtube_iframes(html, context)
    html = clean(html, context.iframe_hosts)
    soup = BeautifulSoup(html, "html.parser")
    _images(soup, context)
    _links(soup, context)
    _headings(soup)
    _clinic_comment(soup, context)
    text = _Converter().convert_soup(soup)
    lines = [line.rstrip() if not line.endswith("  ") else line for line in text.splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip() + "\n"


_BLOCK_START = re.compile(
    r"^\s*(?:<!--|\[|<(?:p|div|h[1-6]|ul|ol|li|table|blockquote|pre|figure|hr|iframe|section|"
    r"address|dl|form|style|script)\b)", re.IGNORECASE)


def paragraphs(html: str) -> str:
    """WordPress's wpautop, as far as imports need it: classic-editor posts are stored with
    blank lines between paragraphs and single line breaks inside them, and WordPress adds
    the <p> and <br> only when it shows them. Block-editor posts carry their own <p>."""
    if "<!-- wp:" in html:
        return html
    chunks = re.split(r"\n\s*\n", html.replace("\r\n", "\n"))
    return "\n".join(chunk if _BLOCK_START.match(chunk)
                     else "<p>" + chunk.strip().replace("\n", "<br>\n") + "</p>"
                     for chunk in chunks if chunk.strip())


# --- shortcodes ----------------------------------------------------------------------------------

def attributes(text: str) -> dict[str, str]:
    """A shortcode's attributes (`key="value"` forms; bare words under their position)."""
    found = {m[1].lower(): html_module.unescape(m[2] or m[3] or m[4] or "")
             for m in _ATTRIBUTE.finditer(text)}
    rest = _ATTRIBUTE.sub("", text).split()
    for position, word in enumerate(rest):
        found.setdefault(str(position), word.strip("\"'"))
    return found


def shortcodes(html: str, context: Context) -> str:
    def replace(match: re.Match) -> str:
        if match[1] == "[" and match[7] == "]":
            return match[0][1:-1]  # [[name]]: WordPress prints it literally
        name, attrs, inner = match[2].lower(), attributes(match[3]), match[5] or ""
        if name in ("caption", "wp_caption"):
            return _caption(inner, attrs)
        if name in ("embed", "video", "youtube"):
            url = (inner.strip() or attrs.get("src") or attrs.get("url") or attrs.get("0")
                   or attrs.get("id") or "")
            if name == "youtube" and url and "/" not in url:
                url = f"https://www.youtube.com/watch?v={url}"
            context.report("shortcode-converted", f"[{name}] → video embed")
            return embed(url, context.iframe_hosts) if url else ""
        if name == "gallery" and attrs.get("ids"):
            found = [context.attachment(int(i)) for i in re.findall(r"\d+", attrs["ids"])]
            pictures = [picture for picture in found if picture]
            context.report("shortcode-converted", f"[gallery] → {len(pictures)} images")
            return "".join(f'<p><img src="{html_module.escape(url)}" '
                           f'alt="{html_module.escape(alt)}"></p>' for url, alt in pictures)
        context.report("shortcode-dropped", f"[{name}]" + (" (its content kept)"
                                                          if inner.strip() else ""))
        return shortcodes(inner, context) if inner else ""

    # Code samples are left as written: `a[b[0]]` is not a shortcode.
    parts = _CODE.split(html)
    return "".join(part if index % 2 else _SHORTCODE.sub(replace, part)
                   for index, part in enumerate(parts))


def _caption(inner: str, attrs: dict[str, str]) -> str:
    soup = BeautifulSoup(inner, "html.parser")
    image = soup.find("img")
    if image is None:
        return inner
    image.extract()
    for link in soup.find_all("a"):
        if not link.get_text(strip=True):
            link.decompose()  # the link that wrapped the image, now empty
    caption = (soup.get_text(" ", strip=True) or attrs.get("caption", "")).strip()
    if not image.get("alt"):
        image["alt"] = caption
    return f"<figure>{image}<figcaption>{html_module.escape(caption)}</figcaption></figure>"


def youtube_id(url: str) -> str | None:
    parsed = urlparse(url.strip())
    host = (parsed.hostname or "").removeprefix("www.").removeprefix("m.")
    candidate = None
    if host == "youtu.be":
        candidate = parsed.path.strip("/").split("/")[0]
    elif host in ("youtube.com", "youtube-nocookie.com"):
        if parsed.path.startswith(("/embed/", "/shorts/", "/live/")):
            candidate = parsed.path.split("/")[2]
        else:
            candidate = (parse_qs(parsed.query).get("v") or [None])[0]
    return candidate if candidate and _YOUTUBE_ID.match(candidate) else None


def embed(url: str, iframe_hosts: frozenset[str]) -> str:
    """The privacy-enhanced player for a YouTube URL (when allowed), else a plain link."""
    video = youtube_id(url)
    if video and "www.youtube-nocookie.com" in iframe_hosts:
        return (f'<iframe src="https://www.youtube-nocookie.com/embed/{video}" '
                f'title="YouTube video" loading="lazy" allowfullscreen></iframe>')
    escaped = html_module.escape(url.strip())
    return f'<p><a href="{escaped}">{escaped}</a></p>'


def _youtube_iframes(html: str, context: Context) -> str:
    """YouTube players embedded by hand become the privacy-enhanced ones the CSP allows."""
    soup = BeautifulSoup(html, "html.parser")
    for frame in soup.find_all("iframe"):
        if youtube_id(frame.get("src", "")):
            frame.replace_with(BeautifulSoup(embed(frame["src"], context.iframe_hosts),
                                             "html.parser"))
    return str(soup)


# --- the parsed tree ---------------------------------------------------------------------------

def _images(soup: BeautifulSoup, context: Context) -> None:
    for image in soup.find_all("img"):
        src = image.get("src", "")
        target = context.resolve_image(src) if context.is_upload(src) else src
        for name in ("srcset", "sizes", "width", "height", "class", "loading", "decoding"):
            image.attrs.pop(name, None)
        if target is None:  # reported by the resolver; the rest of the post stays
            parent = image.parent
            image.decompose()
            if parent is not None and parent.name in ("a", "figure") \
                    and not parent.get_text(strip=True):
                parent.decompose()
            continue
        image["src"] = target
        if not image.get("alt", "").strip():
            image["alt"] = context.alt_of(src) if context.is_upload(src) else ""
            if not image["alt"]:
                context.report("image-no-alt", f"{src} has no alt text — add it")
        link = image.parent
        if link is not None and link.name == "a" and context.is_upload(link.get("href", "")) \
                and len(link.find_all(True)) == 1:
            link.unwrap()  # a link to the full-size image around the image: the image itself


def _links(soup: BeautifulSoup, context: Context) -> None:
    for link in soup.find_all("a"):
        href = link.get("href")
        if not href:
            continue
        if context.is_upload(href):
            target = context.resolve_image(href)
        else:
            target = context.resolve_link(href)
        if target:
            link["href"] = target


def _headings(soup: BeautifulSoup) -> None:
    """The title is the page's only h1: a body's h1 becomes h2."""
    for heading in soup.find_all("h1"):
        heading.name = "h2"


def _level(tag: Tag) -> int | None:
    if tag.name and re.fullmatch(r"h[1-6]", tag.name):
        return int(tag.name[1])
    return None


def _is_comment_heading(tag: Tag, context: Context) -> bool:
    if _level(tag) is None:
        # A paragraph that is only bold text works as a heading in many posts.
        if tag.name != "p" or not tag.find(["strong", "b"]):
            return False
        bold = "".join(b.get_text() for b in tag.find_all(["strong", "b"]))
        if bold.strip() != tag.get_text().strip():
            return False
    words = re.findall(r"\w+", tag.get_text().lower())
    return (0 < len(words) <= 6 and any(w in words for w in context.comment_words)
            and any(w in words for w in context.clinic_words))


def _clinic_comment(soup: BeautifulSoup, context: Context) -> None:
    for tag in soup.find_all(True):
        if tag.parent is None or not _is_comment_heading(tag, context):
            continue
        level = _level(tag) or 7
        box = soup.new_tag("div", attrs={"class": CALLOUT_CLASS})
        sibling = tag.next_sibling
        while sibling is not None:
            following = sibling.next_sibling
            if isinstance(sibling, Tag) and (_level(sibling) or 7) <= level \
                    and (_level(sibling) or _is_comment_heading(sibling, context)):
                break
            box.append(sibling.extract())
            sibling = following
        if box.get_text(strip=True):
            tag.replace_with(box)
            context.report("clinic-comment", "comment block → clinic-comment callout")
        return  # one comment block per post


class _Converter(MarkdownConverter):
    def __init__(self, **options) -> None:
        super().__init__(heading_style=ATX, bullets="-", escape_underscores=False, **options)

    def convert_div(self, el, text, parent_tags):
        if CALLOUT_CLASS in (el.get("class") or []):
            body = "\n".join(f"    {line}" if line.strip() else ""
                             for line in text.strip().splitlines())
            return f"\n\n!!! clinic-comment\n\n{body}\n\n"
        return super().convert_div(el, text, parent_tags)

    def convert_iframe(self, el, text, parent_tags):
        # Python-Markdown keeps a block of raw HTML as it is; the build's sanitiser checks it.
        order = ("src", "title", "width", "height", "loading", "allowfullscreen")
        known = sorted(el.attrs, key=lambda name: order.index(name) if name in order else 99)
        attrs = " ".join(f'{name}="{html_module.escape(el[name])}"' if el[name] != "" else name
                         for name in known if isinstance(el[name], str))
        return f"\n\n<iframe {attrs}></iframe>\n\n"

    def convert_figure(self, el, text, parent_tags):
        return f"\n\n{text.strip()}\n\n"

    def convert_figcaption(self, el, text, parent_tags):
        caption = text.strip()
        return f"\n*{caption}*" if caption else ""


def plain_text(html: str) -> str:
    """One line of text from an HTML fragment (excerpts → summary)."""
    text = BeautifulSoup(clean(html), "html.parser").get_text(" ")
    return re.sub(r"\s+", " ", text).strip()
