"""Exceptions shared by the backends, the gateway and the retry queue."""


class NewsletterError(Exception):
    """Base class of the newsletter's own errors."""


class ConfigError(NewsletterError, ValueError):
    """A NEWSLETTER setting or environment variable is wrong; the message names it and the fix."""


class Retryable(NewsletterError):
    """The backend could not be reached or refused for now (network, timeout, 429, 5xx).

    The subscription is kept in the durable queue and tried again later.
    """


class Undeliverable(NewsletterError):
    """This job can never succeed as it stands (retrying the same request gets the same
    answer): the queue parks it as dead at once, with one log line, instead of retrying."""


class Rejected(NewsletterError):
    """The backend refused this subscription for good; `code` is the outcome shown to the reader."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
