"""Outcome codes the subscribe endpoint answers with, and the HTTP status of each.

The site renders one static result page per code (`/subscribe/<code>/`, `/en/subscribe/<code>/`)
and embeds the same messages in the form (`<template data-outcome="CODE">`), so these codes are
a contract with the theme: add one here only together with its page and message.
"""

# (code, HTTP status, meaning) — the meaning is for readers of this file, not for the reader.
_TABLE = (
    ("check-inbox", 202, "accepted: a confirmation email is on its way (also for known, queued "
                         "and bot submissions, so answers never reveal who is subscribed)"),
    ("confirmed", 200, "the confirmation link worked"),
    ("unsubscribed", 200, "the address was removed"),
    ("preferences-saved", 200, "topics/language changed"),
    ("invalid-email", 422, "not an email address (or a header-injection attempt, or looks fake)"),
    ("non-ascii-address", 422, "letters outside ASCII (a Cyrillic look-alike from the keyboard "
                               "layout, an internationalised domain not in its xn-- form): we "
                               "could never mail it"),
    ("rate-limited", 429, "too many attempts from this network or for this address"),
    ("try-later", 429, "Mailchimp: the address signed up to many lists recently"),
    ("forgotten-email", 409, "Mailchimp: the address was permanently deleted; only the hosted "
                             "form can add it again"),
    ("compliance", 409, "Mailchimp: the address unsubscribed or bounced earlier"),
    ("forbidden", 403, "the form was posted from an origin we do not serve"),
    ("bad-request", 400, "malformed request (unknown topic or language, body too large, ...)"),
    ("expired-link", 410, "the signed link is invalid or too old"),
)

OUTCOMES: tuple[str, ...] = tuple(code for code, _status, _meaning in _TABLE)
STATUS: dict[str, int] = {code: status for code, status, _meaning in _TABLE}
MEANING: dict[str, str] = {code: meaning for code, _status, meaning in _TABLE}


def status_of(code: str) -> int:
    """HTTP status for an outcome code; KeyError for a code not in OUTCOMES."""
    return STATUS[code]
