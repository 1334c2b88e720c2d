"""Jinja rendering of the endpoint's pages and the confirmation mail (templates/)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from newsletter.config import NewsletterConfig
from newsletter.links import Links
from newsletter.messages import text

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
                      topics: frozenset[str], already: bool = False) -> EmailMessage:
    """The double opt-in mail (or, for a confirmed address, a pointer to its preferences).

    Multipart text + HTML in the subscriber's language, with RFC 8058 one-click unsubscribe.
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
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = config.sender
    msg["To"] = email
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    if config.reply_to:
        msg["Reply-To"] = config.reply_to
    msg["List-Unsubscribe"] = f"<{unsubscribe}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(env.get_template("confirm_mail.txt").render(context))
    msg.add_alternative(env.get_template("confirm_mail.html").render(context), subtype="html")
    # After the parts exist: making a message multipart moves Content-* headers into a part.
    msg["Content-Language"] = lang
    return msg
