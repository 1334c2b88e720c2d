"""Development settings for the Expio Center publication site.

Every setting the site, its plugins and the newsletter read is defined here once.
Secrets are never settings: they come from the environment (see README, "Secrets").
`sitebuild` derives one Pelican run per language from these values
(Ukrainian at `/`, English at `/en/`).
"""

# --- Site identity ------------------------------------------------------------
SITENAME = "Expio Center"
SITEURL = "http://127.0.0.1:8000"
TIMEZONE = "Europe/Kyiv"
AUTHOR = "Expio Center"

# --- Languages ----------------------------------------------------------------
# The default language is served at the site root; every other one under /<code>/.
DEFAULT_LANG = "uk"
SITE_LANGUAGES = {
    "uk": {"name": "Українська", "short": "UK", "locale": "uk_UA", "og_locale": "uk_UA"},
    "en": {"name": "English", "short": "EN", "locale": "en_US", "og_locale": "en_US"},
}

# --- Content --------------------------------------------------------------------
PATH = "content"
ARTICLE_PATHS = ["articles"]
PAGE_PATHS = ["pages"]
STATIC_PATHS = ["images", "extra"]
EXTRA_PATH_METADATA = {
    "extra/favicon.svg": {"path": "favicon.svg"},
}
# File names carry the slug and the language: `articles/ptsd/night-terrors.en.md`. A name
# without the language still gives the slug (the checks ask for the language; sitebuild
# builds such a file in the default language only).
PATH_METADATA = r"(?:.*/)?(?P<slug>[^/.]+)(?:\.(?P<lang>[a-z]{2}))?\.md"
DEFAULT_DATE = None
DEFAULT_CATEGORY = "uncategorized"
USE_FOLDER_AS_CATEGORY = False
SUMMARY_MAX_LENGTH = 40
TYPOGRIFY = False

# Categories: slug -> display name per language. Articles say `category: <slug>`.
CATEGORIES = {
    "ketamine-therapy": {"uk": "Кетамінова терапія", "en": "Ketamine therapy"},
    "ptsd": {"uk": "ПТСР", "en": "PTSD"},
    "depression": {"uk": "Депресія", "en": "Depression"},
    "psychotherapy": {"uk": "Психотерапія", "en": "Psychotherapy"},
    "stress": {"uk": "Стрес", "en": "Stress"},
    "psychosomatics": {"uk": "Психосоматика", "en": "Psychosomatics"},
    "psychedelic-medicine": {"uk": "Психоделічна медицина", "en": "Psychedelic medicine"},
    "disorders": {"uk": "Розлади", "en": "Disorders"},
    "helping-the-military": {"uk": "Допомога військовим", "en": "Helping the military"},
    "oncology": {"uk": "Онкологічні захворювання", "en": "Oncological diseases"},
    "news": {"uk": "Новини", "en": "News"},
    "uncategorized": {"uk": "Без категорії", "en": "Uncategorized"},
}

# Shared data referred to by key from article metadata (`reviewed_by`, `references`).
REVIEWERS_FILE = "data/reviewers.toml"
REFERENCES_FILE = "data/references.toml"

# --- URLs (without the language prefix; sitebuild adds `en/` for English) -------
# Pages link to each other and to their assets relatively, so a development build works from
# any server on any port and opened from disk; publishconf.py turns this off. Feeds, sitemap,
# canonical, hreflang and JSON-LD always use the absolute SITEURL (templates: ABSOLUTE_SITEURL).
RELATIVE_URLS = True
ARTICLE_URL = "articles/{slug}/"
ARTICLE_SAVE_AS = "articles/{slug}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
CATEGORY_URL = "category/{slug}/"
CATEGORY_SAVE_AS = "category/{slug}/index.html"
TAG_URL = "tag/{slug}/"
TAG_SAVE_AS = "tag/{slug}/index.html"
AUTHOR_URL = "author/{slug}/"
AUTHOR_SAVE_AS = "author/{slug}/index.html"
ARCHIVES_URL = "archives/"
ARCHIVES_SAVE_AS = "archives/index.html"
YEAR_ARCHIVE_URL = "archives/{date:%Y}/"
YEAR_ARCHIVE_SAVE_AS = "archives/{date:%Y}/index.html"
CATEGORIES_URL = "categories/"
CATEGORIES_SAVE_AS = "categories/index.html"
TAGS_URL = "tags/"
TAGS_SAVE_AS = "tags/index.html"
AUTHORS_URL = "authors/"
AUTHORS_SAVE_AS = "authors/index.html"
INDEX_SAVE_AS = "index.html"
DRAFT_URL = "drafts/{slug}/"
DRAFT_SAVE_AS = "drafts/{slug}/index.html"
DRAFT_PAGE_URL = "drafts/pages/{slug}/"
DRAFT_PAGE_SAVE_AS = "drafts/pages/{slug}/index.html"
# One language per run: Pelican's own per-language copies are never written.
ARTICLE_LANG_URL = ARTICLE_URL
ARTICLE_LANG_SAVE_AS = ""
PAGE_LANG_URL = PAGE_URL
PAGE_LANG_SAVE_AS = ""
DRAFT_LANG_SAVE_AS = ""
DRAFT_PAGE_LANG_SAVE_AS = ""
DIRECT_TEMPLATES = ["index", "categories", "tags", "authors", "archives", "search", "subscribe",
                    "404", "feeds"]
SEARCH_SAVE_AS = "search/index.html"
SUBSCRIBE_SAVE_AS = "subscribe/index.html"
FEEDS_SAVE_AS = "feeds/index.html"
PAGINATED_TEMPLATES = {"index": None, "tag": None, "category": None, "author": None}
DEFAULT_PAGINATION = 10
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html"),
)

# Pelican's own feed writer is off: the `feeds` plugin writes every feed with feedgen.
FEED_ALL_ATOM = None
FEED_ALL_RSS = None
CATEGORY_FEED_ATOM = None
CATEGORY_FEED_RSS = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TAG_FEED_ATOM = None
TAG_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
TRANSLATION_FEED_RSS = None
FEED_DOMAIN = SITEURL

# --- Markdown -------------------------------------------------------------------
MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.extra": {},
        "markdown.extensions.toc": {"permalink": False, "toc_depth": "2-3"},
        "markdown.extensions.sane_lists": {},
        "markdown.extensions.admonition": {},
    },
    "output_format": "html5",
}

# --- Theme ----------------------------------------------------------------------
THEME = "theme"
THEME_STATIC_DIR = "theme"
JINJA_ENVIRONMENT = {
    "extensions": ["jinja2.ext.i18n"],
    "autoescape": True,
    "trim_blocks": True,
    "lstrip_blocks": True,
    # One build never edits its templates: no stat() of every template on every include.
    "auto_reload": False,
}

# --- Plugins --------------------------------------------------------------------
PLUGIN_PATHS = ["plugins"]
# Order matters where one plugin reads what another attached: medical sets `is_sensitive`
# before newsletter_manifest writes it. Each plugin's settings block is further down.
PLUGINS = [
    "site_content",          # sanitised Markdown, callouts, translations, template i18n
    "medical",               # reviews, references, citations, crisis box
    "feeds",                 # Atom, RSS and JSON feeds (feedgen)
    "theme_context",         # menus, counts, prev/next, fingerprinted assets
    "seo",                   # sitemap.xml, robots.txt
    "newsletter_manifest",   # newsletter/manifest.json and sent digests' web versions
    "related_publications",  # article.related_publications from the build's index
]

# --- The clinic -----------------------------------------------------------------
CLINIC = {
    "name": {"uk": "Експіо Центр", "en": "Expio Center"},
    "address": {"uk": "Київ, Україна", "en": "Kyiv, Ukraine"},
    "phone": "+380 44 000 00 00",
    "email": "info@expio.example",
}
# Crisis help shown in the footer, on sensitive articles and in digests.
CRISIS_LINES = {
    "uk": [
        # 7333 is a short number for mobile phones. A landline number is listed only once it
        # can be sourced from Lifeline Ukraine itself; 103 and 112 work from any phone.
        {"label": "Лайфлайн Україна (лінія запобігання самогубствам, з мобільного)",
         "number": "7333"},
        {"label": "Екстрена медична допомога", "number": "103"},
        {"label": "Єдиний номер екстрених служб", "number": "112"},
    ],
    "en": [
        {"label": "Lifeline Ukraine (suicide prevention, from a mobile phone)", "number": "7333"},
        {"label": "Emergency medical care", "number": "103"},
        {"label": "Emergency services", "number": "112"},
    ],
}

# --- Build ----------------------------------------------------------------------
# sitebuild caches converted Markdown by content and by a fingerprint of the code and
# settings that shape it (plugins/site_content/conversion.py); Pelican's own cache would
# only hide those.
CACHE_PATH = ".cache"
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
DELETE_OUTPUT_DIRECTORY = False  # sitebuild always renders into a fresh directory
EDITOR_REPORTS = True  # output/reports/: review status, related lists (publishconf: False)
# A language with more pages is searched through several Pagefind bundles, merged in the
# browser: Pagefind's memory grows with the pages it holds, and the bundles index in
# parallel. A bundle's indexing is the one step after a language's pages are written; at
# 800, a 1,000-article language ends on two Pagefinds side by side instead of one (a query
# then reads two small index chunks instead of one; bench/DIARY.md).
SEARCH_BUNDLE_PAGES = 800
# Languages whose search finds every case and number of a word (sitebuild/wordforms.py;
# Pagefind stems English itself): «сну» finds the pages that say «сон».
SEARCH_WORD_FORMS = ["uk"]
OUTPUT_RETENTION = []

# Warnings above these sizes (keys and defaults: sitebuild/checks/limits.py DEFAULTS);
# `make html` builds anyway, `make publish` fails. Only overrides go here.
CONTENT_LIMITS = {}

# --- Markdown additions (site_content plugin) ------------------------------------
CLINIC_COMMENT_TITLE = {"uk": "Коментар Expio Center", "en": "Expio Center comment"}
# Only these hosts survive the sanitiser in <iframe src> (privacy-enhanced video embeds).
IFRAME_HOSTS = ["www.youtube-nocookie.com"]

# --- HTTP security headers ---------------------------------------------------------
# The one source of the site's headers: sent by `make serve`, written to output/_headers for
# hosts that read that file, and put into the generated Caddyfile / nginx config (SERVER).
# 'wasm-unsafe-eval' is what Pagefind's search needs; nothing inline is allowed.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-src https://www.youtube-nocookie.com",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "object-src 'none'",
])
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}

# --- Production server (sitebuild/serverconf.py: make serve-production, make server-config) ---
# Caddy (and the documented nginx config) send SECURITY_HEADERS above plus these cache rules,
# and proxy /api/newsletter/ to the service. Keys and defaults (site folder on the server,
# the service's address, cache rules): sitebuild/serverconf.py (DEFAULTS). Only overrides here.
SERVER = {}

# --- Web editor at /admin/ (Decap CMS; sitebuild/cms/) ------------------------------------
# The build generates output/admin/config.yml from these values, CATEGORIES and content/data/.
# Keys and defaults: sitebuild/cms/config.py (DEFAULTS); production set-up: README, "The web
# editor". `make cms` edits the local files instead (it sets local_proxy).
CMS = {
    "backend": {"name": "github", "repo": "expio-center/expio-site", "branch": "main",
                "base_url": "https://cms-auth.expio.example"},
    "publish_mode": "editorial_workflow",  # saves are pull requests: medical review happens there
    "ui_locale": "uk",
}

# --- Newsletter subscription (newsletter/; every key documented in newsletter/README.md) ----
# Secrets never go here: MAILCHIMP_API_KEY and NEWSLETTER_SECRET come from the environment,
# which may also override list_id (MAILCHIMP_LIST_ID) and the API URL (MAILCHIMP_API_URL).
NEWSLETTER = {
    # Topics offered in the form: category slugs (CATEGORIES); "uncategorized" is not a topic.
    "topics": [slug for slug in CATEGORIES if slug != "uncategorized"],
    "allowed_origins": [SITEURL],
    "state_dir": "var/newsletter",
    "sender": "Expio Center <newsletter@expio.example>",
    "list_id": None,
    "interest_category_title": "Topics",
}

# --- Medical content: reviews, references, safety (medical plugin) ------------------
# Keys and defaults: plugins/medical/settings.py (DEFAULTS). Only overrides go here.
MEDICAL = {
    "review_interval_months": 12,
    # True makes missing/overdue reviews warnings, failing `make check` and `make publish`.
    "strict_review_in_publish": False,
}

# --- Feeds (feeds plugin; keys and defaults in plugins/feeds/settings.py) ------------
# Paths are per language: English ones get the `en/` prefix. Pelican's own feeds are off above.
FEEDS = {
    "max_entries": 20,
    "title": {"uk": "Експіо Центр: публікації", "en": "Expio Center: publications"},
    "subtitle": {
        "uk": "Статті про психічне здоров'я від фахівців Експіо Центру, Київ",
        "en": "Articles on mental health from the specialists of Expio Center, Kyiv",
    },
    "category_title": {"uk": "Експіо Центр: {category}", "en": "Expio Center: {category}"},
    "digest_title": {"uk": "Експіо Центр: розсилка", "en": "Expio Center: newsletter"},
    "icon": "favicon.svg",
    # Entry ids are tag:expio.example,2025:<translation key>/<lang>. Never change these two
    # after the first publication: every reader would show every article again as new.
    "id_authority": "expio.example",
    "id_date": "2025",
    "digest_page": "subscribe/",
}

# --- Theme context and SEO (theme_context, seo plugins) ------------------------------
# Keys and defaults: plugins/theme_context/settings.py and plugins/seo/settings.py.
# The home page's own URL, so pagination links back to page 1 of each language's index
# (Pelican's default "index.html" would not get the language prefix).
INDEX_URL = "index.html"

# --- Email digests (newsletter.digest; newsletter_manifest plugin) ---------------------
# Keys and defaults: newsletter/digest/settings.py (DEFAULTS). The build writes
# <prefix>newsletter/manifest.json; `make digest` previews, `make digest-send` sends.
DIGEST = {
    "period": "weekly",
    "utm": {"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "{key}"},
    "subject": {"uk": "{site}: нові публікації ({period})",
                "en": "{site}: new publications ({period})"},
    "from_name": {"uk": "Експіо Центр", "en": "Expio Center"},
    "reply_to": None,  # None: NEWSLETTER["reply_to"], else CLINIC["email"]
    "max_articles": 15,
    "summary_chars": 280,
    "max_html_bytes": 90_000,
}

# --- Related publications (related_publications plugin) -----------------------------
# Keys and defaults: plugins/related_publications/settings.py (DEFAULTS); every key is
# explained in plugins/related_publications/README.md. `make related-report` shows the
# resulting lists with their scores, for tuning these values.
RELATED_PUBLICATIONS = {
    "count": 4,
    # Relative weight of each part of the score (0–100).
    "weights": {"text": 0.55, "tags": 0.25, "category": 0.12, "date": 0.08},
    "threshold": 25.0,
    # False keeps old pages' lists stable when new articles are published.
    "include_newer": False,
}
