"""Signed, expiring links in mails: confirm, unsubscribe, preferences (itsdangerous).

Each purpose has its own salt, so a preferences token cannot be replayed as a confirmation.
The clock is injectable (tests never sleep):

    links = Links(config, clock=lambda: 1_700_000_000)
    url = links.confirm_url("a@b.org", "en")
    links.read("confirm", token)   # -> ("a@b.org", "en"), or raises BadLink

Module-level `confirm_url`, `unsubscribe_url`, `preferences_url` load the configuration when
none is given (for the digest sender).
"""

from __future__ import annotations

import time
from typing import Callable
from urllib.parse import urlencode

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from newsletter.config import NewsletterConfig, load_config

PURPOSES = ("confirm", "unsubscribe", "preferences")


class BadLink(ValueError):
    """The token is forged, for another purpose, or older than its purpose allows."""


class _ClockSigner(TimestampSigner):
    """TimestampSigner whose notion of "now" comes from an injected clock."""

    def __init__(self, *args, clock: Callable[[], float] = time.time, **kwargs):
        super().__init__(*args, **kwargs)
        self._clock = clock

    def get_timestamp(self) -> int:
        return int(self._clock())


class Links:
    """Makes and reads the signed links of one configuration."""

    def __init__(self, config: NewsletterConfig, clock: Callable[[], float] = time.time):
        self.config = config
        self._serializers = {
            purpose: URLSafeTimedSerializer(
                config.secret, salt=f"newsletter-{purpose}", signer=_ClockSigner,
                signer_kwargs={"clock": clock})
            for purpose in PURPOSES}
        self._max_age = {"confirm": config.confirm_max_age,
                         "unsubscribe": config.unsubscribe_max_age,
                         "preferences": config.preferences_max_age}

    def token(self, purpose: str, email: str, lang: str) -> str:
        return self._serializers[purpose].dumps({"e": email.lower(), "l": lang})

    def read(self, purpose: str, token: str) -> tuple[str, str]:
        """(email, lang) from a token; BadLink when invalid or expired."""
        try:
            data = self._serializers[purpose].loads(token, max_age=self._max_age[purpose])
        except SignatureExpired as err:
            raise BadLink(f"{purpose} link expired") from err
        except (BadSignature, KeyError, TypeError) as err:
            raise BadLink(f"{purpose} link invalid") from err
        if not isinstance(data, dict) or not isinstance(data.get("e"), str):
            raise BadLink(f"{purpose} link invalid")
        lang = data.get("l") if data.get("l") in self.config.languages else self.config.default_lang
        return data["e"], lang

    def url(self, purpose: str, email: str, lang: str) -> str:
        """Absolute URL of the endpoint page for `purpose`, carrying a fresh token."""
        return f"{self.config.endpoint_url}/{purpose}?{urlencode({'t': self.token(purpose, email, lang)})}"

    def confirm_url(self, email: str, lang: str) -> str:
        return self.url("confirm", email, lang)

    def unsubscribe_url(self, email: str, lang: str) -> str:
        return self.url("unsubscribe", email, lang)

    def preferences_url(self, email: str, lang: str) -> str:
        return self.url("preferences", email, lang)


def confirm_url(email: str, lang: str, config: NewsletterConfig | None = None) -> str:
    return Links(config or load_config()).confirm_url(email, lang)


def unsubscribe_url(email: str, lang: str, config: NewsletterConfig | None = None) -> str:
    """One-click unsubscribe link for a mail footer / List-Unsubscribe header."""
    return Links(config or load_config()).unsubscribe_url(email, lang)


def preferences_url(email: str, lang: str, config: NewsletterConfig | None = None) -> str:
    return Links(config or load_config()).preferences_url(email, lang)
