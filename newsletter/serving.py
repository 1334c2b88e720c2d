"""How uvicorn runs the endpoint: the options every runner passes, slow clients, access logs.

Every place that starts uvicorn (`python -m newsletter serve`, `make serve`, the tests) passes
`uvicorn_options()`:

- `proxy_headers=False`: uvicorn would otherwise believe X-Forwarded-For from 127.0.0.1 (its
  default `forwarded_allow_ips`), so any local process, or a proxy passing the client's header
  through, could pick the address the rate limits count. The app decides the client itself,
  from `NEWSLETTER["trusted_proxies"]` (newsletter/clientip.py).
- `http=HeaderDeadline`: uvicorn has no time limit for a request's headers
  (`timeout_keep_alive` only runs between requests), so a client sending one header byte now
  and then holds a connection and its memory for ever (slowloris). This protocol answers 408
  and closes the connection when the headers are not complete within
  `NEWSLETTER["client_header_timeout"]` of the connection (or of the request's first byte on
  a kept-alive connection). It is uvicorn's httptools protocol with a timer added at three of
  its parser callbacks; no other behaviour changes.

`BodyDeadline` (ASGI middleware, added by create_app) does the same for the body: it must
arrive within `client_body_timeout` of the headers, else 408. The header timeout reaches the
protocol through the lifespan state (`scope["state"]`, which uvicorn hands every connection).

`RedactTokens` is a logging filter on `uvicorn.access`: signed links carry the address (base64)
and live up to 400 days, so their `t=` value never reaches a log file.
"""

from __future__ import annotations

import asyncio
import logging
import re

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

logger = logging.getLogger(__name__)

HEADER_TIMEOUT_STATE = "newsletter.client_header_timeout"
DEFAULT_HEADER_TIMEOUT = 10.0
_TIMEOUT_RESPONSE = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain\r\n"
                     b"content-length: 16\r\nconnection: close\r\n\r\nrequest too slow")


def uvicorn_options() -> dict:
    """Keyword arguments for `uvicorn.run` / `uvicorn.Config` shared by every runner."""
    return {"proxy_headers": False, "forwarded_allow_ips": "",
            "http": "newsletter.serving:HeaderDeadline"}


class HeaderDeadline(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline for each request's headers."""

    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._arm_header_timer()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm_header_timer()  # no-op for the connection's first request: armed above

    def on_headers_complete(self) -> None:
        self._disarm_header_timer()
        super().on_headers_complete()

    def connection_lost(self, exc) -> None:
        self._disarm_header_timer()
        super().connection_lost(exc)

    def _arm_header_timer(self) -> None:
        if self._header_timer is None:
            timeout = (self.app_state or {}).get(HEADER_TIMEOUT_STATE, DEFAULT_HEADER_TIMEOUT)
            self._header_timer = self.loop.call_later(timeout, self._headers_too_slow, timeout)

    def _disarm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self, timeout: float) -> None:
        self._header_timer = None
        if self.transport.is_closing():
            return
        peer = self.client[0] if self.client else "unknown"
        logger.info("newsletter: closed a connection from %s: request headers not complete "
                    "after %.0f s", peer, timeout)
        self.transport.write(_TIMEOUT_RESPONSE)
        self.transport.close()


class _SlowBody(Exception):
    pass


class BodyDeadline:
    """ASGI middleware: a request's body must arrive within `timeout` seconds of its headers;
    else 408 and the connection is closed."""

    def __init__(self, app, timeout: float):
        self.app = app
        self.timeout = timeout

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        body_done = False
        started = False

        async def timed_receive():
            nonlocal body_done
            if body_done:  # later receives wait for a disconnect: no deadline for those
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(deadline - loop.time(), 0))
            except asyncio.TimeoutError:
                raise _SlowBody from None
            body_done = message["type"] != "http.request" or not message.get("more_body")
            return message

        async def tracked_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, timed_receive, tracked_send)
        except _SlowBody:
            client = scope.get("client") or ("unknown",)
            logger.info("newsletter: closed a connection from %s: request body not complete "
                        "after %.0f s", client[0], self.timeout)
            if not started:
                await send({"type": "http.response.start", "status": 408,
                            "headers": [(b"content-type", b"text/plain"),
                                        (b"connection", b"close")]})
                await send({"type": "http.response.body", "body": b"request too slow"})


_TOKEN = re.compile(r"([?&]t=)[^&\s\"]+")


def redact(text: str) -> str:
    """A path with every signed-link token (`t=...`) replaced by `t=[redacted]`."""
    return _TOKEN.sub(r"\1[redacted]", text)


class RedactTokens(logging.Filter):
    """Replaces signed-link tokens in the arguments of uvicorn's access log records."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg
                                for arg in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def redact_access_log() -> None:
    """Install RedactTokens on uvicorn's access logger (once per process)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactTokens) for f in access.filters):
        access.addFilter(RedactTokens())
