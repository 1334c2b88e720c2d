"""Turning a submitted form into a Subscription, or the outcome code that says what is wrong.

Nothing here talks to a backend: a bad request is answered before anything is stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from email_validator import EmailNotValidError, validate_email

from newsletter.backends import Subscription
from newsletter.config import NewsletterConfig

# CR/LF/NUL and every other control character (header injection), plus characters that
# would turn one recipient into several in a header.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029,;<>]")
_SOURCE = re.compile(r"[^A-Za-z0-9._:/-]")
MAX_FIELDS = 64


class FormError(Exception):
    """Carries the outcome code for a request we refuse."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def parse_form(body: bytes) -> dict[str, list[str]]:
    """application/x-www-form-urlencoded body -> {name: [values]}; FormError on garbage."""
    try:
        return parse_qs(body.decode("utf-8"), keep_blank_values=True,
                        max_num_fields=MAX_FIELDS, strict_parsing=False, errors="strict")
    except (UnicodeDecodeError, ValueError) as err:
        raise FormError("bad-request") from err


def one(fields: dict[str, list[str]], name: str, default: str = "") -> str:
    values = fields.get(name)
    if not values:
        return default
    if len(values) > 1:
        raise FormError("bad-request")
    return values[0]


def normalize_email(raw: str) -> str:
    """The address in canonical ASCII form; FormError("invalid-email") when it is not an
    address, FormError("non-ascii-address") when it has letters outside ASCII. No DNS lookups.

    We send only to ASCII addresses (no SMTPUTF8, and Mailchimp takes none either): a Unicode
    local part can never be mailed, and a Unicode domain is refused rather than converted,
    because here it is nearly always a Cyrillic look-alike typed with the wrong keyboard
    layout (`user@еxample.org`), whose IDNA form is another, non-existent domain. A domain
    written in its IDNA form (`xn--...`) is checked by email-validator and kept as written.
    """
    candidate = raw.strip()
    if not candidate or len(candidate) > 254 or _UNSAFE.search(candidate):
        raise FormError("invalid-email")
    try:
        result = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as err:
        raise FormError("invalid-email") from err
    if not candidate.isascii():
        raise FormError("non-ascii-address")
    # .normalized would turn an xn-- domain into Unicode; .ascii_email keeps it mailable.
    return result.ascii_email


# Providers that ignore dots in the local part; googlemail.com is the same mailbox as gmail.com.
_DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def address_key(email: str) -> str:
    """The mailbox an address reaches, as the per-address rate limit counts it: case folded,
    `+tag` sub-addresses dropped (every large provider delivers them to the same mailbox) and
    dots dropped where the provider ignores them. Only a limit key: the address is stored and
    mailed exactly as typed."""
    local, _, domain = email.rpartition("@")
    local, domain = local.lower(), domain.lower().rstrip(".")
    local = local.split("+", 1)[0] or local
    if domain in _DOTLESS_DOMAINS:
        local, domain = local.replace(".", ""), _DOTLESS_DOMAINS[domain]
    return f"{local}@{domain}"


def language(config: NewsletterConfig, value: str, fallback: str) -> str:
    if not value:
        return fallback
    if value not in config.languages:
        raise FormError("bad-request")
    return value


def topics(config: NewsletterConfig, values: list[str]) -> frozenset[str]:
    """Chosen topics; none chosen means every topic (the reader wants "the newsletter")."""
    chosen = frozenset(values)
    if not chosen <= set(config.topics):
        raise FormError("bad-request")
    return chosen or frozenset(config.topics)


@dataclass(frozen=True)
class SubscribeForm:
    """Result of reading the subscribe form: a Subscription, or a bot to answer politely."""

    subscription: Subscription | None
    is_bot: bool = False


def read_subscribe_form(config: NewsletterConfig, fields: dict[str, list[str]],
                        page_lang: str) -> SubscribeForm:
    """Validate the subscribe form's fields; FormError(code) when refused."""
    if one(fields, "website").strip():
        return SubscribeForm(None, is_bot=True)  # honeypot filled: answer like a success
    if "email" not in fields:
        raise FormError("bad-request")
    email = normalize_email(one(fields, "email"))
    lang = language(config, one(fields, "language"), page_lang)
    chosen = topics(config, fields.get("topics", []))
    source = _SOURCE.sub("", one(fields, "source"))[:100]
    return SubscribeForm(Subscription(email=email, lang=lang, topics=chosen, source=source))


def page_lang_of(config: NewsletterConfig, referer: str | None, fallback: str) -> str:
    """The reader's page language from the Referer path (/en/... -> en), else `fallback`."""
    if referer:
        path = urlsplit(referer).path
        for lang in config.languages:
            if lang != config.default_lang and path.startswith(f"/{lang}/"):
                return lang
        if path:
            return config.default_lang
    return fallback


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
