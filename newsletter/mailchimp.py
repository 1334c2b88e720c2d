"""The one place that talks to Mailchimp: a gateway over the mailchimp-marketing client.

The generated client is an untyped HTTP transport with three failure shapes (see
../shared/notes/mailchimp.md): `ApiClientError` with a dict or JSON-string `.text`, the same
with `status_code None` on network errors, and a bare `requests.Response` for 5xx with an
empty body. `MailchimpGateway.call` turns all of them into our `Retryable` (may pass: network,
429, 5xx, our configuration), `Rejected(code)` (the reader's answer) or `Undeliverable` (any
other 4xx: the same request would fail again). Logs and messages carry the status and
Mailchimp's `title`, never its `detail`, which echoes the request (addresses included).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from typing import Any, Callable

import mailchimp_marketing
import requests
import requests.adapters
from mailchimp_marketing.api_client import ApiClient, ApiClientError
from urllib3.util.retry import Retry

from newsletter.config import NewsletterConfig
from newsletter.errors import ConfigError, Rejected, Retryable, Undeliverable

__all__ = ["MailchimpGateway", "Retryable", "Rejected", "Undeliverable", "subscriber_hash",
           "classify_problem"]

logger = logging.getLogger(__name__)

# Statuses that may pass: our configuration (401 key, 403 account or connection limit, 404
# list), a timeout, the rate limit. 5xx too. Any other 4xx repeats for the same request.
RETRY_STATUSES = frozenset({401, 403, 404, 408, 409, 425, 429})


def subscriber_hash(email: str) -> str:
    """Mailchimp's member id: md5 of the lower-cased address (also dodges the client's
    `url.replace("server", ...)` bug for addresses containing "server")."""
    return hashlib.md5(email.lower().encode("utf-8")).hexdigest()


def classify_problem(status: int | None, doc: dict) -> str | None:
    """Outcome code for a Mailchimp error the reader should hear about, else None."""
    title = str(doc.get("title", "")).lower()
    detail = str(doc.get("detail", "")).lower()
    if status != 400:
        return None
    if "compliance state" in title:
        return "compliance"
    if "forgotten email" in title:
        return "forgotten-email"
    if "fake or invalid" in detail or "valid email" in detail or title == "invalid email":
        return "invalid-email"
    if "signed up to a lot of lists" in detail or "too many" in detail:
        return "try-later"
    return None


class PooledApiClient(ApiClient):
    """The generated ApiClient, but its HTTP calls go through one `requests.Session`.

    The stock `ApiClient.request` calls module-level `requests.put` & co., which build a new
    Session, so every API call opens a new TCP connection (and, against the real API, a new
    TLS handshake). Here urllib3's pool keeps up to `pool_size` connections alive, one per
    concurrent call (the gateway never runs more than `mailchimp_max_connections` at once).
    Same arguments, same return values, same exceptions as the method it overrides.
    """

    def __init__(self, config: dict | None = None, pool_size: int = 10,
                 retry: Retry | int = 0):
        super().__init__(config or {})
        self.session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=pool_size,
                                                pool_block=False, max_retries=retry)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)

    def request(self, method, url, query_params=None, headers=None, body=None):
        if method not in ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"):
            raise ValueError("http method must be `GET`, `HEAD`, `OPTIONS`, `POST`, `PATCH`, "
                             "`PUT` or `DELETE`.")
        headers = dict(headers or {})
        auth = ("user", self.api_key) if self.is_basic_auth else None
        if self.is_oauth:
            headers["Authorization"] = "Bearer " + self.access_token
        data = json.dumps(body) if method in ("POST", "PUT", "PATCH") else None
        return self.session.request(method, url, params=query_params, headers=headers,
                                    data=data, auth=auth, timeout=self.timeout)


def admin_retry(attempts: int, backoff: float) -> Retry:
    """urllib3's retries for administration commands (setup-mailchimp): 429, 5xx, dropped
    connections and timeouts, with exponential backoff and jitter. Only idempotent methods
    (GET, PUT, DELETE) are retried here; a POST that fails is retried by its caller after
    looking up whether it was applied (interests.setup_interests)."""
    return Retry(total=attempts, connect=attempts, read=attempts, status=attempts,
                 status_forcelist=(429, 500, 502, 503, 504), backoff_factor=backoff,
                 backoff_jitter=backoff, backoff_max=30.0, raise_on_status=False,
                 respect_retry_after_header=True)


def _pooled_client(pool_size: int, retry: Retry | int = 0) -> mailchimp_marketing.Client:
    """A mailchimp_marketing.Client whose API groups all share one PooledApiClient."""
    client = mailchimp_marketing.Client()
    pooled = PooledApiClient(pool_size=pool_size, retry=retry)
    client.api_client = pooled
    for group in vars(client).values():  # client.lists, client.ping, ...
        if isinstance(getattr(group, "api_client", None), ApiClient):
            group.api_client = pooled
    return client


class MailchimpGateway:
    """mailchimp_marketing.Client configured from NewsletterConfig, with error mapping.

    `.client` is the configured client; `.call(fn, *args)` runs one API call through the
    connection limit (Mailchimp allows 10 simultaneous connections per account) and maps errors.
    """

    def __init__(self, config: NewsletterConfig, retry: Retry | int = 0):
        if not config.api_key:
            raise ConfigError("MAILCHIMP_API_KEY is not set; the Mailchimp backend needs it")
        self.config = config
        # The service retries through its queue (retry=0); admin commands pass admin_retry().
        self.client = _pooled_client(config.mailchimp_max_connections, retry)
        options: dict[str, Any] = {"api_key": config.api_key, "timeout": config.mailchimp_timeout}
        if config.api_url or "-" not in config.api_key:
            options["server"] = "us1"  # unused with an explicit host; avoids "invalid-server"
        self.client.set_config(options)
        if config.api_url:
            self.client.api_client.host = config.api_url
        self._slots = threading.BoundedSemaphore(config.mailchimp_max_connections)

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run `fn(*args)` (a client method); Retryable / Rejected(code) / Undeliverable."""
        return self._call(fn, args, kwargs)

    def _call(self, fn: Callable[..., Any], args: tuple, kwargs: dict,
              missing_ok: bool = False) -> Any:
        with self._slots:
            try:
                result = fn(*args, **kwargs)
            except ApiClientError as err:
                if missing_ok and err.status_code == 404:
                    return None
                raise self._map_error(err) from None
            except requests.RequestException as err:  # defensive: the client wraps these
                raise Retryable(f"Mailchimp unreachable: {type(err).__name__}") from None
        if isinstance(result, requests.Response):
            if result.ok:
                return {}
            # 429/5xx, and a bare 403 that Mailchimp sends when over the connection limit.
            raise Retryable(f"Mailchimp HTTP {result.status_code} without a body")
        return result

    def _map_error(self, err: ApiClientError) -> Exception:
        status = err.status_code
        if status is None:
            # The client stores the requests exception in .text; name its type, never its
            # message (it can carry the URL).
            return Retryable(f"Mailchimp unreachable: {type(err.text).__name__}")
        doc = err.text
        if isinstance(doc, str):
            try:
                doc = json.loads(doc)
            except ValueError:
                doc = {}
        if not isinstance(doc, dict):
            doc = {}
        code = classify_problem(status, doc)
        title = str(doc.get("title", ""))[:100]
        if code:
            return Rejected(code, title)
        # Status and title only: `detail` (and `errors`) echo the request, addresses included.
        summary = f"Mailchimp HTTP {status} {title}".rstrip()
        about_interests = "invalid interest" in str(doc.get("detail", "")).lower()
        if status in (401, 404) or (status == 400 and about_interests):
            # Our configuration, not the reader: keep the job and shout in the log.
            logger.error("newsletter: %s — check MAILCHIMP_API_KEY, MAILCHIMP_LIST_ID and the "
                         "interest mapping (python -m newsletter setup-mailchimp)", summary)
            return Retryable(summary)
        if status in RETRY_STATUSES or status >= 500:
            return Retryable(summary)
        return Undeliverable(summary)

    # --- the calls we use -------------------------------------------------------------------
    def ping(self) -> dict:
        return self.call(self.client.ping.get)

    def set_member(self, list_id: str, email: str, body: dict) -> dict:
        return self.call(self.client.lists.set_list_member, list_id, subscriber_hash(email), body)

    def get_member(self, list_id: str, email: str) -> dict | None:
        """The member document, or None when the address is not on the list."""
        return self._call(self.client.lists.get_list_member, (list_id, subscriber_hash(email)),
                          {}, missing_ok=True)

    def interest_categories(self, list_id: str) -> list[dict]:
        return self.call(self.client.lists.get_list_interest_categories, list_id,
                         count=1000).get("categories", [])

    def create_interest_category(self, list_id: str, title: str) -> dict:
        return self.call(self.client.lists.create_list_interest_category, list_id,
                         {"title": title, "type": "checkboxes"})

    def interests(self, list_id: str, category_id: str) -> list[dict]:
        return self.call(self.client.lists.list_interest_category_interests, list_id,
                         category_id, count=1000).get("interests", [])

    def create_interest(self, list_id: str, category_id: str, name: str) -> dict:
        return self.call(self.client.lists.create_interest_category_interest, list_id,
                         category_id, {"name": name})
