"""A generated WordPress export for the importer's benchmark: `generate(dest, posts, seed)`.

Writes `dest/export.xml` (WXR 1.2 with Polylang) and `dest/uploads/`: `posts` posts in
uk/en translation pairs (Polylang `post_translations` groups, Cyrillic percent-encoded
Ukrainian slugs), 70 % of them Elementor builder posts (`_elementor_data` with sections,
columns, headings, text, images, videos, buttons, icon lists and a clinic comment; the stale
`content:encoded` copy beside it), the rest classic posts with Gutenberg comments, [caption]
and other shortcodes; categories paired through `term_translations`; a featured image per
pair (attachment + original and resized files in uploads/), some revisions, drafts and
private posts. Same arguments → the same bytes.

CLI: `python -m bench.wordpress_export --posts 2000 --out /tmp/wp`.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from urllib.parse import quote

from bench import vocabulary as vocab
from core.translit import slugify

SITE = "https://expio.example.org"
CATEGORIES = [  # (uk name, uk slug, en name, en slug): Polylang cannot share slugs
    ("ПТСР", "птср", "PTSD", "ptsd-en"), ("Депресія", "депресія", "Depression", "depression-en"),
    ("Стрес", "стрес", "Stress", "stress-en"), ("Психотерапія", "психотерапія",
                                                "Psychotherapy", "psychotherapy-en"),
    ("Архів", "архів", "Archive", "archive"),  # mapped by nobody: reported
]
# The smallest valid PNG (1×1), written under .jpg names too: the importer copies bytes.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _words(rng: random.Random, lang: int, count: int) -> str:
    return " ".join(rng.choice(vocab.GENERAL)[lang] for _ in range(count))


def _sentence(rng: random.Random, lang: int) -> str:
    text = _words(rng, lang, rng.randint(8, 18))
    return text[0].upper() + text[1:] + "."


def _paragraphs(rng: random.Random, lang: int, count: int) -> list[str]:
    return [" ".join(_sentence(rng, lang) for _ in range(rng.randint(3, 6)))
            for _ in range(count)]


def _widget(kind: str, **settings) -> dict:
    return {"id": "w", "elType": "widget", "widgetType": kind, "settings": settings,
            "elements": []}


def _elementor(rng: random.Random, lang: int, image: str, links: list[str]) -> str:
    comment = ("Коментар Експіо Центру", "Expio Center comment")[lang]
    widgets = []
    for index, text in enumerate(_paragraphs(rng, lang, rng.randint(6, 12))):
        if index % 3 == 0:
            widgets.append(_widget("heading", title=_words(rng, lang, 4).capitalize(),
                                   **({"header_size": "h3"} if index % 2 else {})))
        link = f' <a href="{rng.choice(links)}">{_words(rng, lang, 2)}</a>' if links else ""
        widgets.append(_widget("text-editor", editor=f"<p>{text}{link}</p>"))
    widgets.insert(2, _widget("image", image={"url": image, "id": 0}))
    widgets.append(_widget("video", youtube_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ"))
    widgets.append(_widget("icon-list", icon_list=[{"text": _words(rng, lang, 3)}
                                                   for _ in range(4)]))
    widgets.append(_widget("button", text=_words(rng, lang, 2), link={"url": SITE + "/"}))
    widgets.append(_widget("divider"))
    widgets.append(_widget("testimonial", testimonial_content=_sentence(rng, lang)))
    widgets.append(_widget("heading", title=comment, header_size="h3"))
    widgets.append(_widget("text-editor", editor=f"<p>{_sentence(rng, lang)}</p>"))
    tree = [{"id": "s", "elType": "section", "settings": {}, "elements": [
        {"id": "c", "elType": "column", "settings": {}, "elements": widgets}]}]
    return json.dumps(tree, ensure_ascii=False)


def _classic(rng: random.Random, lang: int, image: str, links: list[str]) -> str:
    parts = []
    for index, text in enumerate(_paragraphs(rng, lang, rng.randint(6, 12))):
        link = f' <a href="{rng.choice(links)}">{_words(rng, lang, 2)}</a>' if links else ""
        parts.append(f"<!-- wp:paragraph -->\n<p>{text}{link}</p>\n<!-- /wp:paragraph -->")
        if index == 1:
            parts.append(f'[caption width="300"]<img src="{image}" alt="" /> '
                         f"{_words(rng, lang, 3)}[/caption]")
        if index == 3:
            parts.append('[contact-form-7 id="5"] <code>a[0]]]>b</code>')
    return "\n\n".join(parts)


def _item(post_id: int, title: str, link: str, name: str, kind: str, status: str, date: str,
          content: str, terms: list[tuple[str, str, str]], meta: list[tuple[str, str]],
          extra: str = "") -> str:
    categories = "".join(f'<category domain="{d}" nicename="{n}">{_cdata(t)}</category>'
                         for d, n, t in terms)
    metas = "".join(f"<wp:postmeta><wp:meta_key>{_cdata(k)}</wp:meta_key>"
                    f"<wp:meta_value>{_cdata(v)}</wp:meta_value></wp:postmeta>" for k, v in meta)
    return (f"<item><title>{_cdata(title)}</title><link>{link}</link>"
            f"<dc:creator>{_cdata('editor')}</dc:creator>"
            f"<content:encoded>{_cdata(content)}</content:encoded>"
            f"<excerpt:encoded>{_cdata('')}</excerpt:encoded>"
            f"<wp:post_id>{post_id}</wp:post_id><wp:post_date>{_cdata(date)}</wp:post_date>"
            f"<wp:post_modified>{_cdata(date)}</wp:post_modified>"
            f"<wp:post_name>{_cdata(name)}</wp:post_name><wp:status>{_cdata(status)}</wp:status>"
            f"<wp:post_parent>0</wp:post_parent><wp:post_type>{_cdata(kind)}</wp:post_type>"
            f"{extra}{categories}{metas}</item>\n")


def _term(term_id: int, taxonomy: str, slug: str, name: str, description: str) -> str:
    return (f"<wp:term><wp:term_id>{term_id}</wp:term_id>"
            f"<wp:term_taxonomy>{_cdata(taxonomy)}</wp:term_taxonomy>"
            f"<wp:term_slug>{_cdata(slug)}</wp:term_slug><wp:term_name>{_cdata(name)}"
            f"</wp:term_name><wp:term_description>{_cdata(description)}</wp:term_description>"
            "</wp:term>\n")


def _php_map(mapping: dict[str, int]) -> str:
    body = "".join(f's:{len(k)}:"{k}";i:{v};' for k, v in mapping.items())
    return f"a:{len(mapping)}:{{{body}}}"


def generate(dest: Path, posts: int = 2000, seed: int = 0) -> dict:
    """Write the export and uploads; returns what was generated."""
    rng = random.Random(seed)
    uploads = dest / "uploads"
    dest.mkdir(parents=True, exist_ok=True)
    terms, items = [], []
    for index, (uk_name, uk_slug, en_name, en_slug) in enumerate(CATEGORIES):
        uk_id, en_id = 10 + 2 * index, 11 + 2 * index
        for term_id, slug, name in ((uk_id, quote(uk_slug).lower(), uk_name),
                                    (en_id, en_slug, en_name)):
            terms.append(f"<wp:category><wp:term_id>{term_id}</wp:term_id>"
                         f"<wp:category_nicename>{_cdata(slug)}</wp:category_nicename>"
                         f"<wp:cat_name>{_cdata(name)}</wp:cat_name></wp:category>\n")
        terms.append(_term(100 + index, "term_translations", f"pll_cat{index}",
                           f"pll_cat{index}", _php_map({"uk": uk_id, "en": en_id})))
    pairs = posts // 2
    titles = [(_words(rng, 1, rng.randint(3, 7)).capitalize(),
               _words(rng, 0, rng.randint(3, 7)).capitalize()) for _ in range(pairs)]
    links = [(f"{SITE}/{quote(slugify(t[0]) + '-' + str(i) if i % 5 == 0 else t[0][:40])}/",
              f"{SITE}/en/{slugify(t[1])}-{i}/") for i, t in enumerate(titles)]
    for pair in range(pairs):
        uk_id, en_id, attachment = 1000 + 3 * pair, 1001 + 3 * pair, 1002 + 3 * pair
        year, month = 2015 + pair % 10, 1 + pair % 12
        folder = f"{year}/{month:02d}"
        (uploads / folder).mkdir(parents=True, exist_ok=True)
        for name in (f"photo-{pair}.jpg", f"photo-{pair}-1024x683.jpg"):
            (uploads / folder / name).write_bytes(PIXEL)
        image = f"{SITE}/wp-content/uploads/{folder}/photo-{pair}-1024x683.jpg"
        items.append(_item(attachment, f"photo-{pair}", f"{SITE}/photo-{pair}/",
                           f"photo-{pair}", "attachment", "inherit", f"{year}-{month:02d}-01",
                           "", [], [("_wp_attachment_image_alt", _words(rng, 1, 4))],
                           f"<wp:attachment_url>{SITE}/wp-content/uploads/{folder}/"
                           f"photo-{pair}.jpg</wp:attachment_url>"))
        category = pair % len(CATEGORIES)
        group = f"pll_{pair:06x}"
        status = "draft" if pair % 50 == 7 else "private" if pair % 50 == 9 else "publish"
        nearby = [links[(pair + step) % pairs] for step in (1, 7, 13)]
        for lang, post_id in ((0, en_id), (1, uk_id)):
            uk_cat = CATEGORIES[category]
            term = (("category", uk_cat[3], uk_cat[2]) if lang == 0
                    else ("category", quote(uk_cat[1]).lower(), uk_cat[0]))
            code = ("en", "uk")[lang]
            link = links[pair][1 - lang]
            name = link.rstrip("/").rsplit("/", 1)[1].lower()
            targets = [n[1 - lang] for n in nearby]
            builder = pair % 10 < 7
            body = (_elementor if builder else _classic)(rng, lang, image, targets)
            meta = [("_thumbnail_id", str(attachment))]
            content = body
            if builder:
                meta += [("_elementor_edit_mode", "builder"), ("_elementor_data", body)]
                content = "<p>" + _sentence(rng, lang) + "</p>"  # the stale flattened copy
            items.append(_item(post_id, titles[pair][1 - lang], link, name, "post", status,
                               f"{year}-{month:02d}-{1 + pair % 28:02d} 10:00:00", content,
                               [term, ("post_tag", f"tag-{pair % 40}", f"tag {pair % 40}"),
                                ("language", code, code), ("post_translations", group, group)],
                               meta))
        terms.append(_term(10_000 + pair, "post_translations", group, group,
                           _php_map({"uk": uk_id, "en": en_id})))
        if pair % 10 == 0:
            items.append(_item(900_000 + pair, titles[pair][0], f"{SITE}/?p={uk_id}", "",
                               "revision", "inherit", "2020-01-01 10:00:00", "<p>old</p>", [], []))
    header = ('<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" '
              'xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
              'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
              'xmlns:dc="http://purl.org/dc/elements/1.1/" '
              'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
              f"<title>Bench</title><link>{SITE}</link><wp:wxr_version>1.2</wp:wxr_version>"
              f"<wp:base_site_url>{SITE}</wp:base_site_url>"
              f"<wp:base_blog_url>{SITE}</wp:base_blog_url>\n"
              "<wp:term><wp:term_id>2</wp:term_id><wp:term_taxonomy>language</wp:term_taxonomy>"
              "<wp:term_slug>uk</wp:term_slug><wp:term_name>Українська</wp:term_name></wp:term>\n"
              "<wp:term><wp:term_id>3</wp:term_id><wp:term_taxonomy>language</wp:term_taxonomy>"
              "<wp:term_slug>en</wp:term_slug><wp:term_name>English</wp:term_name></wp:term>\n")
    export = dest / "export.xml"
    export.write_text(header + "".join(terms) + "".join(items) + "</channel>\n</rss>\n",
                      encoding="utf-8")
    return {"posts": pairs * 2, "export_bytes": export.stat().st_size,
            "builder_share": 0.7, "uploads_files": 2 * pairs}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.wordpress_export", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    print(generate(args.out, args.posts, args.seed))


if __name__ == "__main__":
    main()
