"""Pelican boundary of theme_context: the only module here that imports pelican.

Adds to the template context:
- `THEME_ASSETS` (global): `css`, `js` site-relative fingerprinted paths, `favicon` data URI;
- `LANGUAGE_HOMES` (global): {lang: absolute home URL};
- `ABSOLUTE_SITEURL` (global): SITEURL as configured, for what must stay absolute (canonical,
  og:url, hreflang, JSON-LD, share links) when `RELATIVE_URLS` makes the page's `SITEURL`
  relative (the development build);
- `local` (filter): an absolute URL of the site as this page links to it (relative when
  `RELATIVE_URLS` is on, unchanged otherwise);
- `listing_alternates(output_file, kind, key)` (global): [(lang, absolute URL)] of a listing page;
- `page_languages()` (global, reads the page's context): a navigation.PageLanguages — the
  hreflang links, the language switch and the og:locale alternates of the page;
- `page_url(output_file)` (filter): the site path of a written file (`index.html` dropped);
- `breadcrumb_list(items, id)` (global): a JSON-LD BreadcrumbList, as `|tojson` writes it;
- `menu_state()` (global, reads the page's context): the header's menu entry that is this page;
- `search_bundles()` (global): this language's search bundle folders, the primary first;
- on every article: `prev_in_category`, `next_in_category`, `latest_in_category` (as many as
  RELATED_PUBLICATIONS["count"]);
- in the context: `category_counts` (list of CategoryCount), `treat_menu` (pages);
- writes `<prefix>subscribe/<code>/index.html` for each outcome (template subscribe_result.html)
  and the fingerprinted assets; optionally `.gz` copies of the run's output.
"""

from __future__ import annotations

import logging
from pathlib import Path

from jinja2 import pass_context
from jinja2.filters import do_striptags
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from pelican import signals
from pelican.generators import Generator

from core import catalogue, run
from core.languages import language_prefix
from related_publications.settings import load as load_related
from theme_context import assets, navigation
from theme_context.fragments import RenderOnce
from theme_context.settings import load

logger = logging.getLogger(__name__)
PREFIX = "theme_context: "


def _page_url(output_file: str) -> str:
    return output_file[: -len("index.html")] if output_file.endswith("index.html") else output_file


def _localised(url: str, siteurl: str, here: str) -> str:
    """`url` of the site as a page whose SITEURL is `here` links to it."""
    if here != siteurl and (url == siteurl or url.startswith(siteurl + "/")):
        return here + url[len(siteurl):]
    return url


def _local_filter(siteurl: str):
    @pass_context
    def local(context, url: str) -> str:
        return _localised(url, siteurl, context.get("SITEURL", siteurl))

    return local


def install_globals(generator) -> None:
    """generator_init: assets and language links, computed once per generator environment."""
    settings = generator.settings
    config = load(settings)
    static = Path(settings["THEME"]) / "static"
    css = assets.stylesheet(static, config.stylesheet)
    js = assets.script_bundle(static, config.scripts)
    theme_dir = settings["THEME_STATIC_DIR"]
    siteurl = settings["SITEURL"].rstrip("/")
    default = run.default_lang(settings)
    prefixes = {lang: language_prefix(settings, lang) for lang in settings["SITE_LANGUAGES"]}
    own_prefix = run.prefix(settings)
    homes = {lang: f"{siteurl}/{prefix}" for lang, prefix in prefixes.items()}
    available: dict = {}  # from the catalogue, on first use (runs start before it exists)

    def listing_alternates(output_file: str, kind: str = "direct", key: str = "") -> list:
        if not available:
            available.update(_available_listings(settings))
        path = _page_url(output_file)[len(own_prefix):]
        pairs = navigation.alternates(path, kind, str(key), prefixes, available,
                                      run.lang(settings))
        return [(lang, f"{siteurl}/{site_path}") for lang, site_path in pairs]

    def versions(context) -> list[tuple[str, str]]:
        """(lang, absolute URL) of the page being rendered in each language that has it."""
        content = context.get("article")
        if content is None and hasattr(context.get("page"), "translation_links"):
            content = context.get("page")
        if content is not None:
            return [(run.lang(settings), f"{siteurl}/{content.url}"),
                    *((link["lang"], link["url"]) for link in content.translation_links)]
        # Listing templates say at their top level where the same page exists (base.html).
        if "output_file" not in context or context.get("no_alternates"):
            return []
        return listing_alternates(context["output_file"], context.get("alt_kind", "direct"),
                                  context.get("alt_key", ""))

    @pass_context
    def page_languages(context) -> navigation.PageLanguages:
        here = context.get("SITEURL", siteurl)
        return navigation.page_languages(
            run.lang(settings), versions(context), default, settings["SITE_LANGUAGES"],
            homes, lambda url: _localised(url, siteurl, here))

    def search_bundles() -> list[str]:
        """This language's search bundle folders, the primary first (sitebuild/search.py)."""
        own = catalogue.for_run(settings).search_bundles.get(run.lang(settings))
        return own or [own_prefix + "pagefind"]

    generator.env.globals.update(
        THEME_ASSETS={
            "css": f"{theme_dir}/{css.name}",
            "js": f"{theme_dir}/{js.name}" if js else "",
            "favicon": assets.svg_data_uri(Path(settings["PATH"]) / config.favicon),
        },
        LANGUAGE_HOMES=homes,
        DEFAULT_SITE_LANG=default,
        listing_alternates=listing_alternates,
        page_languages=page_languages,
        search_bundles=search_bundles,
        SUBSCRIBE_OUTCOMES=config.outcomes,
    )
    generator.env.globals["breadcrumb_list"] = make_breadcrumb_list(generator.env)
    generator.env.globals["menu_state"] = _menu_state
    generator.env.filters["page_url"] = _page_url
    generator.env.filters["local"] = _local_filter(siteurl)
    generator.env.globals["ABSOLUTE_SITEURL"] = siteurl
    generator.env.add_extension(RenderOnce)  # {% once %}: fragments fixed for the run
    # Compact JSON-LD (|tojson): the same data in fewer bytes on every page.
    generator.env.policies["json.dumps_kwargs"] = {"sort_keys": True, "separators": (",", ":")}


@pass_context
def _menu_state(context) -> tuple:
    """`menu_state()`: (the page's path if the header's menus link it, else None; its page's
    URL if a menu page has it, else None). The header marks its current entry from these
    alone, so two pages with the same state (and SITEURL) get the same menus."""
    current = _page_url(context.get("output_file") or "")
    prefix = context.get("LANG_PREFIX") or ""
    paths = {prefix, f"{prefix}search/", f"{prefix}subscribe/",
             *(entry.url for entry in context.get("category_counts") or ())}
    urls = {item.url for item in [*(context.get("treat_menu") or ()),
                                  *(context.get("pages") or ())]}
    page_url = getattr(context.get("page"), "url", None)
    return (current if current in paths else None, page_url if page_url in urls else None)


def make_breadcrumb_list(env):
    """`breadcrumb_list(items, id)`: the JSON-LD BreadcrumbList of [(name, absolute URL)],
    from the home page down, as `|tojson` writes it (names without their tags)."""

    def breadcrumb_list(items, id: str) -> Markup:  # noqa: A002 (JSON-LD's name)
        elements = [{"@type": "ListItem", "position": position, "name": do_striptags(name),
                     "item": url} for position, (name, url) in enumerate(items, 1)]
        return htmlsafe_json_dumps(
            {"@type": "BreadcrumbList", "@id": id, "itemListElement": elements},
            dumps=env.policies["json.dumps_function"], **env.policies["json.dumps_kwargs"])

    return breadcrumb_list


def _available_listings(settings: dict) -> dict:
    site = catalogue.for_run(settings)
    return navigation.listing_languages(site.built(), site.languages)


def attach_navigation(generator) -> None:
    """article_generator_finalized: neighbours and fallbacks per article, counts per category.

    The fallback for the related block is as long as a related list: RELATED_PUBLICATIONS
    ["count"], read from that plugin's settings so the number is written in one place."""
    articles = list(generator.articles)
    neighbours = navigation.category_neighbours(articles)
    hidden = list(getattr(generator, "hidden_articles", ()))
    latest = navigation.latest_in_category(articles, [*articles, *hidden],
                                           load_related(generator.settings).count)
    for article in [*articles, *hidden]:
        article.prev_in_category, article.next_in_category = neighbours.get(id(article),
                                                                            (None, None))
        article.latest_in_category = latest[id(article)]
    generator.context["category_counts"] = navigation.category_counts(
        articles, list(generator.settings["CATEGORIES"]))


def attach_menus(generator) -> None:
    """page_generator_finalized: the "What we treat" menu, in `order`."""
    config = load(generator.settings)
    generator.context["treat_menu"] = navigation.menu(generator.pages, config.treat_menu)


class ThemeFilesGenerator(Generator):
    """Writes the subscribe result pages and the fingerprinted assets of the theme."""

    def generate_context(self) -> None:
        pass

    def generate_output(self, writer) -> None:
        config = load(self.settings)
        template = self.get_template("subscribe_result")
        prefix = run.prefix(self.settings)
        for code in config.outcomes:
            save_as = f"{prefix}subscribe/{code}/index.html"
            writer.write_file(save_as, template, self.context, outcome=code,
                              url=f"{prefix}subscribe/{code}/", template_name="subscribe_result")
        static = Path(self.settings["THEME"]) / "static"
        output = Path(self.settings["OUTPUT_PATH"]) / self.settings["THEME_STATIC_DIR"]
        bundle = assets.script_bundle(static, config.scripts)
        for asset in (assets.stylesheet(static, config.stylesheet), bundle):
            if asset is None:
                continue
            target = output / asset.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(asset.data)


def get_generators(pelican) -> type:
    return ThemeFilesGenerator


def register() -> None:
    signals.generator_init.connect(install_globals)
    signals.article_generator_finalized.connect(attach_navigation)
    signals.page_generator_finalized.connect(attach_menus)
    signals.get_generators.connect(get_generators)
