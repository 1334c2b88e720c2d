"""Newsletter configuration: the `NEWSLETTER` setting plus environment overrides, loaded once.

Non-secret values live in pelicanconf.py (`NEWSLETTER = {...}`); secrets and deployment-specific
values come from the environment:

- MAILCHIMP_API_KEY   selects the Mailchimp backend; held only here, hidden from repr and logs
- MAILCHIMP_API_URL   API base URL, e.g. http://127.0.0.1:9999/3.0 (tests, proxies)
- MAILCHIMP_LIST_ID   overrides NEWSLETTER["list_id"]
- NEWSLETTER_SECRET   signing secret for links; generated into the state dir for local use
- NEWSLETTER_SMTP_URL smtp://host:port (or smtp://user:password@host:port, smtps://...)
- NEWSLETTER_STATE_DIR overrides NEWSLETTER["state_dir"] (the order: core.state.state_dir)
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from core import siteconf
from core.settings import (DictOf, Group, ListOf, Number, OneOf, Optional, Pair, Parsed,
                           PerLanguage, Text, Whole, invalid)
from core.state import DEFAULT_STATE_DIR, state_dir as resolve_state_dir
from newsletter.clientip import parse_network
from newsletter.errors import ConfigError
from newsletter.private import private_dir

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Every key NEWSLETTER may hold, with its default. Unknown keys are rejected by name.
DEFAULTS: dict[str, Any] = {
    "topics": None,  # category slugs offered as topics; None = every category but "uncategorized"
    "allowed_origins": None,  # None = [SITEURL]
    "endpoint_url": None,  # public base URL of the endpoint; None = SITEURL + "/api/newsletter"
    "state_dir": DEFAULT_STATE_DIR,  # relative: under the project folder (core.state)
    "sender": "Expio Center <newsletter@expio.example>",
    "reply_to": None,
    "list_id": None,
    "interest_category_title": "Topics",
    "interest_category_id": None,
    "interests": {},  # {category slug: Mailchimp interest id}; else discovered and cached
    "mailchimp_languages": {"uk": "uk", "en": "en"},
    "mailchimp_timeout": 5.0,
    "mailchimp_max_connections": 10,  # Mailchimp allows 10 simultaneous connections per account
    # The upsert runs in the background after the subscription is stored; the request waits
    # this long for its verdict (compliance, forgotten email, ...), else answers check-inbox.
    # 0 = never wait: the answer no longer depends on Mailchimp's latency.
    "mailchimp_answer_wait": 1.0,
    "max_body_bytes": 4096,
    # Reverse proxies whose client header is believed: IP addresses or CIDR networks, e.g.
    # ["127.0.0.1", "10.0.0.0/8"]. Default none: the client is the TCP peer (clientip.py).
    "trusted_proxies": [],
    "proxy_header": "X-Forwarded-For",  # or "Forwarded" (RFC 7239): what the proxy sets
    # Seconds a client may take to send a request's headers / its body (then 408, closed).
    "client_header_timeout": 10.0,
    "client_body_timeout": 15.0,
    # [count, seconds]: `count` at once, refilling at count/seconds; shared by all workers
    "rate_limit_ip": [20, 60],  # 20 POSTs per client IP, then one every 3 s
    "rate_limit_address": [5, 3600],  # 5 subscribe attempts per address, then one per 12 min
    "resend_interval": 900,  # seconds before a pending address may get another confirmation mail
    "confirm_max_age": 7 * 86400,
    "unsubscribe_max_age": 400 * 86400,
    "preferences_max_age": 30 * 86400,
    "queue_base_delay": 2.0,
    "queue_max_delay": 3600.0,
    "queue_max_attempts": 40,
    "queue_poll_interval": 5.0,
}

_SECONDS = Number(above=0, unit="seconds")
_LIMIT = Pair(Whole(low=1), Number(above=0),
              expected="[count, seconds]: how many at once, refilled over that many seconds")


SETTINGS = Group(
    DEFAULTS,
    topics=Optional(ListOf(Text(nonempty=True, expected="a category slug"),
                           expected="a list of category slugs (keys of CATEGORIES)")),
    allowed_origins=Optional(ListOf(Text(nonempty=True, expected="an origin such as "
                                                                 "'https://expio.example'"))),
    endpoint_url=Optional(Text(nonempty=True, expected="a URL")),
    state_dir=Text(nonempty=True, expected="a folder path"),
    sender=Text(nonempty=True, expected="an address such as 'Name <news@example.org>'"),
    reply_to=Optional(Text(nonempty=True, expected="an email address")),
    list_id=Optional(Text(nonempty=True)),
    interest_category_id=Optional(Text(nonempty=True)),
    interests=DictOf(Text(nonempty=True, expected="a Mailchimp interest id"),
                     key="category slug"),
    mailchimp_languages=PerLanguage(Text(nonempty=True, expected="a Mailchimp language code")),
    mailchimp_timeout=_SECONDS,
    mailchimp_max_connections=Whole(low=1),
    mailchimp_answer_wait=Number(low=0, unit="seconds"),
    max_body_bytes=Whole(low=1),
    trusted_proxies=ListOf(Parsed(Text(), parse_network, "an IP address or network such as "
                                                    "'127.0.0.1', '10.0.0.0/8' or '::1'"),
                           expected="a list of IP addresses or networks, e.g. ['127.0.0.1']"),
    proxy_header=OneOf("X-Forwarded-For", "Forwarded", casefold=True),
    client_header_timeout=_SECONDS,
    client_body_timeout=_SECONDS,
    rate_limit_ip=_LIMIT,
    rate_limit_address=_LIMIT,
    resend_interval=Number(low=0, unit="seconds"),
    confirm_max_age=Whole(low=1, unit="seconds"),
    unsubscribe_max_age=Whole(low=1, unit="seconds"),
    preferences_max_age=Whole(low=1, unit="seconds"),
    queue_base_delay=_SECONDS,
    queue_max_delay=_SECONDS,
    queue_max_attempts=Whole(low=1),
    queue_poll_interval=_SECONDS,
)

# NEWSLETTER keys NewsletterConfig derives (from the site or the environment); the others it
# takes exactly as validated.
_DERIVED = ("topics", "allowed_origins", "endpoint_url", "state_dir", "list_id", "interests",
            "mailchimp_languages", "proxy_header")

ENV_VARS = ("MAILCHIMP_API_KEY", "MAILCHIMP_API_URL", "MAILCHIMP_LIST_ID", "NEWSLETTER_SECRET",
            "NEWSLETTER_SMTP_URL", "NEWSLETTER_STATE_DIR")


@dataclass(frozen=True)
class NewsletterConfig:
    """Everything the newsletter service and commands read; build it with `load_config`."""

    backend: str  # "mailchimp" when MAILCHIMP_API_KEY is set, else "local"
    site_url: str
    site_name: Mapping[str, str]  # lang -> clinic name, used in mails and pages
    endpoint_url: str
    languages: tuple[str, ...]
    default_lang: str
    topics: tuple[str, ...]
    topic_names: Mapping[str, Mapping[str, str]]  # slug -> {lang: display name}
    allowed_origins: tuple[str, ...]
    state_dir: Path
    sender: str
    reply_to: str | None
    smtp_url: str | None = field(repr=False)
    secret: str = field(repr=False)
    api_key: str | None = field(repr=False)
    api_url: str | None = None
    list_id: str | None = None
    interest_category_title: str = "Topics"
    interest_category_id: str | None = None
    interests: Mapping[str, str] = field(default_factory=dict)
    mailchimp_languages: Mapping[str, str] = field(default_factory=dict)
    mailchimp_timeout: float = 5.0
    mailchimp_max_connections: int = 10
    mailchimp_answer_wait: float = 1.0
    max_body_bytes: int = 4096
    trusted_proxies: tuple = ()  # ipaddress networks
    proxy_header: str = "x-forwarded-for"
    client_header_timeout: float = 10.0
    client_body_timeout: float = 15.0
    rate_limit_ip: tuple[int, float] = (20, 60.0)
    rate_limit_address: tuple[int, float] = (5, 3600.0)
    resend_interval: float = 900.0
    confirm_max_age: int = 7 * 86400
    unsubscribe_max_age: int = 400 * 86400
    preferences_max_age: int = 30 * 86400
    queue_base_delay: float = 2.0
    queue_max_delay: float = 3600.0
    queue_max_attempts: int = 40
    queue_poll_interval: float = 5.0

    def lang_prefix(self, lang: str) -> str:
        """URL prefix of a language on the site: "" for the default language, else "en/"."""
        return "" if lang == self.default_lang else f"{lang}/"

    @property
    def store_path(self) -> Path:
        return self.state_dir / "subscribers.sqlite3"

    @property
    def queue_path(self) -> Path:
        return self.state_dir / "queue.sqlite3"

    @property
    def ratelimit_path(self) -> Path:
        return self.state_dir / "ratelimit.sqlite3"

    @property
    def outbox_dir(self) -> Path:
        return self.state_dir / "outbox"

    @property
    def interests_cache_path(self) -> Path:
        return self.state_dir / "mailchimp-interests.json"


def read_pelicanconf(path: Path | None = None) -> dict[str, Any]:
    """The upper-case names of pelicanconf.py (project root by default) as a dict."""
    path = path or PROJECT_ROOT / "pelicanconf.py"
    try:
        return siteconf.read(path)
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read ({error}); run from the project root") \
            from None


def load_config(settings: dict | None = None, environ: Mapping[str, str] | None = None
                ) -> NewsletterConfig:
    """Build the NewsletterConfig from Pelican settings (pelicanconf.py when None) and the env."""
    settings = read_pelicanconf() if settings is None else settings
    env = os.environ if environ is None else environ
    opts = SETTINGS.load(settings, "NEWSLETTER")

    site_url = str(settings.get("SITEURL") or "http://127.0.0.1:8000").rstrip("/")
    categories: dict = settings.get("CATEGORIES") or {}
    languages = tuple(settings.get("SITE_LANGUAGES") or ("uk", "en"))
    default_lang = settings.get("DEFAULT_LANG") or languages[0]
    topics = opts["topics"]
    if topics is None:
        topics = [slug for slug in categories if slug != "uncategorized"]
    bad = [slug for slug in topics if slug not in categories]
    if bad:
        raise invalid(("NEWSLETTER", "topics"), bad, "category slugs (keys of CATEGORIES)",
                      f"use slugs such as {', '.join(list(categories)[:3])}")
    topic_names = {slug: MappingProxyType(dict(categories[slug])) for slug in topics}
    clinic_name = (settings.get("CLINIC") or {}).get("name") or {}
    site_name = {lang: clinic_name.get(lang) or settings.get("SITENAME", "") for lang in languages}

    state_dir = resolve_state_dir(settings, env)
    api_key = env.get("MAILCHIMP_API_KEY") or None
    secret = env.get("NEWSLETTER_SECRET") or _local_secret(state_dir)

    return NewsletterConfig(
        **{key: value for key, value in opts.items() if key not in _DERIVED},
        backend="mailchimp" if api_key else "local",
        site_url=site_url,
        site_name=MappingProxyType(site_name),
        endpoint_url=(opts["endpoint_url"] or f"{site_url}/api/newsletter").rstrip("/"),
        languages=languages,
        default_lang=default_lang,
        topics=tuple(topics),
        topic_names=MappingProxyType(topic_names),
        allowed_origins=tuple(o.rstrip("/") for o in (opts["allowed_origins"] or [site_url])),
        state_dir=state_dir,
        smtp_url=env.get("NEWSLETTER_SMTP_URL") or None,
        secret=secret,
        api_key=api_key,
        api_url=(env.get("MAILCHIMP_API_URL") or "").rstrip("/") or None,
        list_id=env.get("MAILCHIMP_LIST_ID") or opts["list_id"],
        interests=MappingProxyType(opts["interests"]),
        mailchimp_languages=MappingProxyType(opts["mailchimp_languages"]),
        proxy_header=opts["proxy_header"].lower(),
    )


def _local_secret(state_dir: Path) -> str:
    """The signing secret kept in `<state>/secret` (0600), created on first use.

    Only for local development: production sets NEWSLETTER_SECRET, so links stay valid across
    machines and the secret is not on the same disk as the data it protects.
    """
    path = state_dir / "secret"
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    private_dir(state_dir)
    value = secrets.token_urlsafe(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value)
    logger.warning("newsletter: NEWSLETTER_SECRET is not set; generated a signing secret in %s "
                   "(fine for local use; set NEWSLETTER_SECRET in production)", path)
    return value
