"""`make serve` and `make devserver`: the built site and the subscribe endpoint on one port.

The newsletter service serves output/ next to its endpoints with the site's security headers,
so the whole loop (subscribe, confirm, digest preview) works on one machine. The devserver
also watches the sources, rebuilds (with the content cache) and tells open pages to reload.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path

from sitebuild import config
from sitebuild.build import build

logger = logging.getLogger(__name__)

WATCHED = ("content", "theme", "plugins", "pelicanconf.py", "sitebuild")
RELOAD_SCRIPT = b"""// Development only: reload when the site has been rebuilt.
new EventSource("/__livereload").onmessage = () => location.reload();
"""


class LiveReload:
    """ASGI middleware: an event stream that fires after each rebuild, and its script tag."""

    def __init__(self, app) -> None:
        self.app = app
        self.changed = asyncio.Event()
        self.loop: asyncio.AbstractEventLoop | None = None  # the server's, seen on 1st request

    def bump(self) -> None:
        """Called from the rebuild thread: wake every open event stream."""
        def _bump() -> None:
            self.changed.set()
            self.changed = asyncio.Event()

        if self.loop is not None:
            self.loop.call_soon_threadsafe(_bump)

    async def __call__(self, scope, receive, send) -> None:
        self.loop = self.loop or asyncio.get_running_loop()
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if scope["path"] == "/__livereload.js":
            return await self._respond(send, 200, "text/javascript", RELOAD_SCRIPT)
        if scope["path"] == "/__livereload":
            return await self._stream(send)
        if scope["method"] == "HEAD":
            return await self.app(scope, receive, send)
        return await self.app(scope, receive, self._inject(send))

    async def _respond(self, send, status: int, content_type: str, body: bytes) -> None:
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", content_type.encode()),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def _stream(self, send) -> None:
        rebuilt = self.changed  # taken first: a rebuild during the handshake still counts
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/event-stream"),
                                (b"cache-control", b"no-cache")]})
        await send({"type": "http.response.body", "body": b": connected\n\n", "more_body": True})
        await rebuilt.wait()
        await send({"type": "http.response.body", "body": b"data: reload\n\n"})

    def _inject(self, send):
        tag = b'<script src="/__livereload.js" defer></script></body>'
        state = {"html": False, "start": None, "chunks": []}

        async def wrapped(message) -> None:
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers", []))
                state["html"] = headers.get(b"content-type", b"").startswith(b"text/html")
                if not state["html"]:
                    return await send(message)
                state["start"] = message
                return None
            if not state["html"]:
                return await send(message)
            state["chunks"].append(message.get("body", b""))
            if message.get("more_body"):
                return None
            body = b"".join(state["chunks"]).replace(b"</body>", tag, 1)
            start = state["start"]
            headers = [(k, v) for k, v in start["headers"] if k != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return None

        return wrapped


def main(options: config.BuildOptions, host: str, port: int, *, watch: bool) -> int:
    import uvicorn

    from newsletter.config import load_config
    from newsletter.service import create_app

    report = build(options)
    base = config.read_base(options)
    app = create_app(load_config(), static_dir=report.output,
                     security_headers=base.get("SECURITY_HEADERS", {}))
    if watch:
        app = LiveReload(app)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="info"))
    if watch:
        threading.Thread(target=_rebuild_on_change, args=(options, app), daemon=True).start()
    logger.info("serving http://%s:%d/ (Ctrl+C stops)", host, port)
    server.run()
    return 0


def _rebuild_on_change(options: config.BuildOptions, app: LiveReload) -> None:
    from watchfiles import watch

    paths = [Path(name) for name in WATCHED if Path(name).exists()]
    for changes in watch(*paths, raise_interrupt=False):
        logger.info("%d change(s); rebuilding", len(changes))
        try:
            report = build(options)
        except Exception as error:  # keep serving the last good build
            logger.error("rebuild failed, still serving the previous build: %s", error)
            continue
        logger.info("rebuilt in %.2fs", sum(report.timings.values()))
        app.bump()
