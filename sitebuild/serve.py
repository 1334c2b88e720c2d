"""`make serve` and `make devserver`: the built site and the subscribe endpoint on one port.

The newsletter service serves output/ next to its endpoints with the site's security headers,
so the whole loop (subscribe, confirm, digest preview) works on one machine. The devserver
also watches the sources, rebuilds (with the content cache) and tells open pages to reload.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import mimetypes
import shutil
import threading
import time
from pathlib import Path

from sitebuild import config
from sitebuild.build import BuildReport, BuildState, build, refresh_search
from sitebuild.cms import admin

logger = logging.getLogger(__name__)
mimetypes.add_type("text/yaml", ".yml")  # the editor's config.yml (else octet-stream)

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
        if scope["method"] == "HEAD" or scope["path"].startswith(admin.PREFIX):
            # The web editor reloads nothing by itself: a rebuild must not drop unsaved work.
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


class PathPolicy:
    """ASGI middleware: below `prefix`, a different Content-Security-Policy (the editor's)."""

    def __init__(self, app, prefix: str, policy: str) -> None:
        self.app, self.prefix, self.policy = app, prefix, policy.encode("latin-1")

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            return await self.app(scope, receive, send)

        async def send_with_policy(message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *((k, v) for k, v in message.get("headers", [])
                      if k.lower() != b"content-security-policy"),
                    (b"content-security-policy", self.policy)]
            await send(message)

        await self.app(scope, receive, send_with_policy)


def main(options: config.BuildOptions, host: str, port: int, *, watch: bool) -> int:
    import uvicorn

    from newsletter.config import load_config
    from newsletter.service import create_app
    from newsletter.serving import uvicorn_options

    if watch:
        # Rebuilds serve the new pages first, then bring search up to date (see rebuild).
        options = dataclasses.replace(options, defer_search=True)
    options = served_at(options, host, port)
    state = BuildState(stage_ahead=watch)
    report = build(options, state=state)
    _finish(report)
    base = config.read_base(options)
    app = create_app(load_config(base), static_dir=report.output,
                     security_headers=base.get("SECURITY_HEADERS", {}))
    app = PathPolicy(app, admin.PREFIX, admin.policy(base))
    if watch:
        app = LiveReload(app)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="info",
                                           **uvicorn_options()))
    if watch:
        threading.Thread(target=_rebuild_on_change, args=(options, app, state),
                         daemon=True).start()
    logger.info("serving http://%s:%d/ (Ctrl+C stops)", host, port)
    try:
        server.run()
    finally:
        state.close()  # the next build's folders, made ahead
    return 0


def served_at(options: config.BuildOptions, host: str, port: int) -> config.BuildOptions:
    """The options of a build served on host:port. SITEURL names the usual address
    (127.0.0.1:8000); served anywhere else, the stylesheet, the links, the feeds and the
    subscribe form's allowed origin would all point at a server that is not there."""
    base = config.read_base(options)
    shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    url = f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"
    old = str(base.get("SITEURL") or "").rstrip("/")
    if old == url:
        return options
    overrides = {"SITEURL": url, "FEED_DOMAIN": url}
    newsletter = base.get("NEWSLETTER") or {}
    if "allowed_origins" in newsletter:
        origins = [url if str(origin).rstrip("/") == old else origin
                   for origin in newsletter["allowed_origins"]]
        overrides["NEWSLETTER"] = {**newsletter, "allowed_origins": origins}
    return dataclasses.replace(options, overrides=(*options.overrides, *overrides.items()))


def _rebuild_on_change(options: config.BuildOptions, app: LiveReload,
                       state: BuildState) -> None:
    from watchfiles import watch

    for changes in watch(*watched_paths(options), raise_interrupt=False):
        rebuild(options, app, state, len(changes))


def watched_paths(options: config.BuildOptions) -> list[Path]:
    """Sources, theme, plugins, settings and the build driver itself."""
    import sitebuild

    base = config.read_base(options)
    paths = [Path(base["PATH"]), Path(base["THEME"]), *map(Path, base.get("PLUGIN_PATHS", [])),
             options.settings_file, Path(sitebuild.__file__).parent]
    return [path for path in dict.fromkeys(path.resolve() for path in paths) if path.exists()]


def rebuild(options: config.BuildOptions, app: LiveReload, state: BuildState,
            changes: int) -> None:
    """One rebuild: only changed files are read, only changed pages rendered (the caches);
    open pages reload as soon as the new pages are in place, and the search index of the
    changed languages is brought up to date right after."""
    started = time.perf_counter()
    logger.info("%d change(s); rebuilding", changes)
    try:
        report = build(options, state=state)
    except Exception as error:  # keep serving the last good build
        logger.error("rebuild failed, still serving the previous build: %s", error)
        return
    logger.info("rebuilt in %.2fs (%s)", time.perf_counter() - started,
                ", ".join(f"{name} {seconds:.2f}s" for name, seconds in report.timings.items()))
    app.bump()
    if _finish(report):
        logger.info("search index updated %.2fs after the change",
                    time.perf_counter() - started)


def _finish(report: BuildReport) -> bool:
    """After the new pages are served: search of the changed languages, the old output.
    True when a search bundle was brought up to date."""
    updated = False
    try:
        updated = bool(refresh_search(report))
    except Exception as error:  # the pages are up; search stays at the previous version
        logger.error("search index not updated: %s", error)
    for retired in (report.retired_output, report.retired_work):
        if retired is not None:
            shutil.rmtree(retired, ignore_errors=True)
    return updated
