"""Jinja rendering of the endpoint's pages and the confirmation mail (templates/)."""

from __future__ import annotations

import uuid
from email.utils import formatdate, parseaddr
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from newsletter.config import NewsletterConfig
from newsletter.links import Links
from newsletter.messages import text
from newsletter.mime import Mail, alternative, encode_address, encode_header_value

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def environment() -> Environment:
    # Autoescape in HTML templates and in the plain-text mail alike is wrong for text, so only
    # .html templates escape.
    return Environment(loader=FileSystemLoader(TEMPLATES), keep_trailing_newline=True,
                       autoescape=select_autoescape(["html"]), trim_blocks=True,
                       lstrip_blocks=True)


def page(name: str, config: NewsletterConfig, lang: str, stylesheets: list[str], **context
         ) -> str:
    """Render one of the endpoint's HTML pages in `lang`."""
    return environment().get_template(name).render(
        lang=lang, prefix=config.lang_prefix(lang), site_name=config.site_name.get(lang, ""),
        stylesheets=stylesheets, t=lambda key, **values: text(lang, key, **values), **context)


def confirmation_mail(config: NewsletterConfig, links: Links, email: str, lang: str,
                      topics: frozenset[str], already: bool = False,
                      message_id: str | None = None) -> Mail:
    """The double opt-in mail (or, for a confirmed address, a pointer to its preferences).

    Multipart text + HTML in the subscriber's language, with RFC 8058 one-click unsubscribe.
    `message_id` (e.g. derived from the subscription id) makes a resent copy recognisable as
    the same message. Bytes are built by `newsletter.mime` (see there for why).
    """
    site_name = config.site_name.get(lang, "")
    subject = text(lang, "already_subject" if already else "confirm_subject", site=site_name)
    unsubscribe = links.unsubscribe_url(email, lang)
    context = dict(
        lang=lang, subject=subject, already=already, site_name=site_name,
        site_url=f"{config.site_url}/{config.lang_prefix(lang)}",
        confirm_url=links.confirm_url(email, lang),
        preferences_url=links.preferences_url(email, lang), unsubscribe_url=unsubscribe,
        topic_names=[config.topic_names[slug].get(lang, slug)
                     for slug in config.topics if slug in topics],
        t=lambda key, **values: text(lang, key, **values))
    env = environment()
    sender_name, sender_address = parseaddr(config.sender)
    domain = sender_address.rpartition("@")[2] or "localhost"
    headers = [
        ("From", encode_address(sender_name, sender_address)),
        ("To", email),  # validated and normalised: no display name, no CR/LF
        ("Subject", encode_header_value(subject)),
        ("Date", formatdate(localtime=False, usegmt=True)),
        ("Message-ID", f"<{message_id or uuid.uuid4().hex}@{domain}>"),
    ]
    if config.reply_to:
        reply_name, reply_address = parseaddr(config.reply_to)
        headers.append(("Reply-To", encode_address(reply_name, reply_address)))
    headers += [
        ("List-Unsubscribe", f"<{unsubscribe}>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ("Auto-Submitted", "auto-generated"),
        ("Content-Language", lang),
    ]
    data = alternative(headers, env.get_template("confirm_mail.txt").render(context),
                       env.get_template("confirm_mail.html").render(context))
    return Mail(sender=sender_address, recipient=email, data=data)
