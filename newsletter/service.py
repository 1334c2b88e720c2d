"""The subscribe endpoint: a Starlette app (served by uvicorn), optionally with the static site.

Routes (all answers are outcome codes, see newsletter/outcomes.py):
    POST     /api/newsletter/subscribe        form: email, topics*, language, website, source
    GET+POST /api/newsletter/confirm?t=...    double opt-in link (local backend): a page with a
                                              button; POST confirms (mail scanners GET links)
    GET+POST /api/newsletter/unsubscribe?t=... page with a button; POST does it (RFC 8058 too)
    GET+POST /api/newsletter/preferences?t=... topics/language form, or unsubscribe
    GET      /api/newsletter/health           queue depth, backend reachable (JSON; 503 if not)
Opt-outs and preference changes are queued and retried like subscriptions (Delivery.accept):
the reader gets the result page even when the backend is down.
A request with `Accept: application/json` gets `{"outcome": code}` with the code's status;
any other gets a 303 to the site's result page `/<lang prefix>subscribe/<code>/`.
"""

from __future__ import annotations

import contextlib
import logging
import time
from pathlib import Path
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from newsletter.backends import Backend, Subscription, make_backend
from newsletter.clientip import ClientAddresses, ProxyHeaders, limit_key
from newsletter.config import NewsletterConfig
from newsletter.delivery import Delivery
from newsletter.errors import Retryable, Undeliverable
from newsletter.links import BadLink, Links
from newsletter.messages import LANGUAGE_NAMES, text
from newsletter.outcomes import STATUS
from newsletter.queue import RetryQueue
from newsletter.ratelimit import RateLimits
from newsletter.render import page
from newsletter.serving import HEADER_TIMEOUT_STATE, BodyDeadline, redact_access_log
from newsletter.validation import (FormError, address_key, language, origin_of, page_lang_of,
                                   parse_form, read_subscribe_form, topics)

logger = logging.getLogger(__name__)

API = "/api/newsletter"
FORM_TYPE = "application/x-www-form-urlencoded"


class SecurityHeaders:
    """ASGI middleware adding fixed headers to every HTTP response (cheaper than
    BaseHTTPMiddleware: no request/response objects)."""

    def __init__(self, app, headers: dict[str, str]):
        self.app = app
        self.headers = [(k.lower().encode("latin-1"), v.encode("latin-1"))
                        for k, v in headers.items()]

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not self.headers:
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {k for k, _ in self.headers}
                message["headers"] = [(k, v) for k, v in message.get("headers", [])
                                      if k.lower() not in names] + self.headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class Endpoint:
    """The request handlers and what they share (config, backend, queue, limiters)."""

    def __init__(self, config: NewsletterConfig, backend: Backend, delivery: Delivery,
                 links: Links, stylesheets: list[str], change_wait: float = 5.0):
        self.config = config
        self.backend = backend
        self.delivery = delivery
        self.links = links
        self.stylesheets = stylesheets
        # Seconds an opt-out or preference change waits for the backend's verdict before the
        # reader gets the result page anyway (the queued job finishes the work).
        self.change_wait = change_wait
        # In SQLite, so the limits hold across uvicorn worker processes (newsletter/ratelimit.py).
        self.limits = RateLimits(config.ratelimit_path, {"ip": config.rate_limit_ip,
                                                         "address": config.rate_limit_address})
        self.allowed = set(config.allowed_origins)
        self._reachable: tuple[float, bool] | None = None  # (when checked, answer)

    # --- health -------------------------------------------------------------------------------
    HEALTH_CACHE_SECONDS = 15.0  # monitors may poll often; Mailchimp gets at most one ping

    def health_report(self) -> dict:
        """What an operator's monitor needs, and nothing about the configuration."""
        now = time.monotonic()
        if self._reachable is None or now - self._reachable[0] > self.HEALTH_CACHE_SECONDS:
            self._reachable = (now, bool(self.backend.reachable()))
        reachable = self._reachable[1]
        try:
            queue = {"waiting": self.delivery.queue.count(),
                     "dead": self.delivery.queue.count("dead")}
        except Exception:  # the queue cannot be read: subscriptions cannot be accepted
            queue = None
        ok = reachable and queue is not None
        return {"status": "ok" if ok else "degraded", "backend_reachable": reachable,
                "queue": queue}

    async def health(self, request: Request) -> Response:
        report = await run_in_threadpool(self.health_report)
        return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503,
                            headers={"Cache-Control": "no-store"})

    # --- answers ------------------------------------------------------------------------------
    def answer(self, request: Request, code: str, lang: str) -> Response:
        if "application/json" in request.headers.get("accept", ""):
            return JSONResponse({"outcome": code}, status_code=STATUS[code],
                                headers={"Cache-Control": "no-store"})
        # Same-origin path: the static site renders one result page per code and language.
        location = f"/{self.config.lang_prefix(lang)}subscribe/{code}/"
        return RedirectResponse(location, status_code=303, headers={"Cache-Control": "no-store"})

    def origin_ok(self, request: Request) -> bool:
        origin = request.headers.get("origin")
        if origin is None:
            referer = request.headers.get("referer")
            origin = origin_of(referer) if referer else ""
        return origin.rstrip("/") in self.allowed

    async def read_body(self, request: Request) -> bytes:
        cap = self.config.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > cap):
            raise FormError("bad-request")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > cap:
                raise FormError("bad-request")
        return bytes(body)

    async def read_form(self, request: Request) -> dict[str, list[str]]:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await self.read_body(request)
        if content_type != FORM_TYPE:
            raise FormError("bad-request")
        return parse_form(body)

    # --- subscribe ----------------------------------------------------------------------------
    async def subscribe(self, request: Request) -> Response:
        lang = page_lang_of(self.config, request.headers.get("referer"), self.config.default_lang)
        if not self.origin_ok(request):
            return self.answer(request, "forbidden", lang)
        # The real client: ProxyHeaders has already read a trusted proxy's header.
        client = request.client.host if request.client else "unknown"
        if not self.limits.hit("ip", limit_key(client)):
            return self.answer(request, "rate-limited", lang)
        try:
            fields = await self.read_form(request)
            if not request.headers.get("referer"):
                # No page to go by: answer in the language the reader chose for the mails.
                chosen = fields.get("language") or []
                lang = chosen[0] if chosen and chosen[0] in self.config.languages else lang
            form = read_subscribe_form(self.config, fields, lang)
        except FormError as err:
            return self.answer(request, err.code, lang)
        if form.is_bot:
            logger.info("newsletter: honeypot filled from %s; answered check-inbox", client)
            return self.answer(request, "check-inbox", lang)
        sub = form.subscription
        if not self.limits.hit("address", address_key(sub.email)):
            return self.answer(request, "rate-limited", lang)
        try:
            code = await self.delivery.accept(sub)  # durable before we answer
        except Exception:  # the queue cannot be written: not accepted, say so
            logger.error("newsletter: subscription not accepted (queue unavailable)")
            code = "try-later"
        return self.answer(request, code, lang)

    # --- signed links -------------------------------------------------------------------------
    def read_token(self, request: Request, purpose: str) -> tuple[str, str] | None:
        try:
            return self.links.read(purpose, request.query_params.get("t", ""))
        except BadLink:
            return None

    async def confirm(self, request: Request) -> Response:
        found = self.read_token(request, "confirm")
        if found is None:
            return self.answer(request, "expired-link", self.config.default_lang)
        email, lang = found
        if request.method == "GET":
            # Mail scanners and link previews fetch every link in a mail: a GET only shows
            # the button; the reader's POST confirms. The token is the proof (no Origin check:
            # whoever holds it could POST from anywhere).
            return self.button_page(request, "confirm", lang, email)
        code = await run_in_threadpool(self.backend.confirm, email, lang)
        return self.answer(request, code, lang)

    def action_url(self, request: Request, purpose: str) -> str:
        return f"{API}/{purpose}?{urlencode({'t': request.query_params.get('t', '')})}"

    def button_page(self, request: Request, purpose: str, lang: str, email: str) -> Response:
        """The page a signed link opens: its question and a button that POSTs the link."""
        html = page("button.html", self.config, lang, self.stylesheets,
                    title=text(lang, f"{purpose}_title"),
                    question=text(lang, f"{purpose}_question", email=email),
                    button=text(lang, "confirm_action" if purpose == "confirm" else purpose),
                    action=self.action_url(request, purpose))
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    async def change(self, request: Request, job: Subscription, done: str) -> Response:
        """An opt-out or preference change: durable in the retry queue first, like a
        subscription; the answer is the backend's verdict if it comes within `change_wait`,
        else `done` (the job is queued and will be retried)."""
        try:
            code = await self.delivery.accept(job, wait=self.change_wait, default=done)
        except Exception:  # the queue cannot be written: not accepted, say so
            logger.error("newsletter: %s not accepted (queue unavailable)", job.action)
            code = "try-later"
        return self.answer(request, code, job.lang)

    def unsubscribe_job(self, email: str, lang: str) -> Subscription:
        return Subscription(email=email, lang=lang, topics=frozenset(), action="unsubscribe")

    async def unsubscribe(self, request: Request) -> Response:
        found = self.read_token(request, "unsubscribe")
        if found is None:
            return self.answer(request, "expired-link", self.config.default_lang)
        email, lang = found
        if request.method == "GET":
            return self.button_page(request, "unsubscribe", lang, email)
        try:
            body = await self.read_body(request)
        except FormError as err:
            return self.answer(request, err.code, lang)
        # RFC 8058 one-click: mail providers POST without Origin/Referer; the token is the proof.
        one_click = body.strip() == b"List-Unsubscribe=One-Click"
        no_origin = "origin" not in request.headers and "referer" not in request.headers
        if not (self.origin_ok(request) or (one_click and no_origin)):
            return self.answer(request, "forbidden", lang)
        return await self.change(request, self.unsubscribe_job(email, lang), "unsubscribed")

    async def preferences(self, request: Request) -> Response:
        found = self.read_token(request, "preferences")
        if found is None:
            return self.answer(request, "expired-link", self.config.default_lang)
        email, lang = found
        if request.method == "GET":
            try:
                current = await run_in_threadpool(self.backend.preferences, email)
            except (Retryable, Undeliverable) as err:  # the form needs the current choices
                logger.warning("newsletter: preferences page not shown (%s)", err)
                return self.answer(request, "try-later", lang)
            if current is None:
                return self.answer(request, "expired-link", lang)
            html = page("preferences.html", self.config, lang, self.stylesheets,
                        title=text(lang, "preferences_title"), email=email,
                        action=self.action_url(request, "preferences"),
                        topics=[(slug, self.config.topic_names[slug].get(lang, slug))
                                for slug in self.config.topics],
                        chosen=current.topics, current_lang=current.lang,
                        languages=[(code, LANGUAGE_NAMES.get(code, code))
                                   for code in self.config.languages])
            return HTMLResponse(html, headers={"Cache-Control": "no-store"})
        if not self.origin_ok(request):
            return self.answer(request, "forbidden", lang)
        try:
            fields = await self.read_form(request)
            if fields.get("action") == ["unsubscribe"]:
                return await self.change(request, self.unsubscribe_job(email, lang),
                                         "unsubscribed")
            new_lang = language(self.config, (fields.get("language") or [""])[0], lang)
            chosen = topics(self.config, fields.get("topics", []))
        except FormError as err:
            return self.answer(request, err.code, lang)
        job = Subscription(email=email, lang=new_lang, topics=chosen, action="preferences")
        return await self.change(request, job, "preferences-saved")

def create_app(config: NewsletterConfig, static_dir: Path | None = None,
               security_headers: dict | None = None, *, backend: Backend | None = None,
               queue: RetryQueue | None = None, links: Links | None = None,
               retry_in_background: bool = True) -> Starlette:
    """The endpoint as an ASGI app; with `static_dir` it also serves the built site.

    Accepted subscriptions are delivered by `app.state.delivery` (newsletter/delivery.py),
    started and stopped by the app's lifespan. `retry_in_background=False` leaves retries of
    failed jobs to explicit drains (tests, `flush-queue`); first attempts always run.
    """
    backend = backend or make_backend(config)
    queue = queue or RetryQueue.from_config(config)
    links = links or Links(config)
    mailchimp = getattr(backend, "name", "") == "mailchimp"
    delivery = Delivery(
        queue, backend, retry=retry_in_background, poll_interval=config.queue_poll_interval,
        # Mailchimp calls are network waits (up to its connection limit); local delivery is
        # mostly CPU and SQLite, where more threads only contend for the GIL.
        workers=config.mailchimp_max_connections if mailchimp else 2,
        answer_wait=config.mailchimp_answer_wait if mailchimp else 0.0)
    stylesheets = ["/theme/css/main.css"]
    if static_dir is not None:
        found = sorted((Path(static_dir) / "theme" / "css").glob("*.css"))
        stylesheets = [f"/theme/css/{path.name}" for path in found] or stylesheets
    # Opt-outs wait for the verdict as long as subscriptions do with Mailchimp; locally the
    # verdict is a SQLite write, so the page always reports what happened.
    endpoint = Endpoint(config, backend, delivery, links, stylesheets,
                        change_wait=config.mailchimp_answer_wait if mailchimp else 5.0)

    routes: list = [
        Route(f"{API}/subscribe", endpoint.subscribe, methods=["POST"]),
        Route(f"{API}/confirm", endpoint.confirm, methods=["GET", "POST"]),
        Route(f"{API}/unsubscribe", endpoint.unsubscribe, methods=["GET", "POST"]),
        Route(f"{API}/preferences", endpoint.preferences, methods=["GET", "POST"]),
        Route(f"{API}/health", endpoint.health, methods=["GET"]),
    ]
    if static_dir is not None:
        # html=True serves index.html for directories and 404.html for misses.
        routes.append(Mount("/", app=StaticFiles(directory=static_dir, html=True)))

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await delivery.start()
        try:
            # Lifespan state reaches every connection: the header deadline (serving.py).
            yield {HEADER_TIMEOUT_STATE: config.client_header_timeout}
        finally:
            await delivery.stop()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.endpoint = endpoint
    app.state.delivery = delivery
    if security_headers:
        app.add_middleware(SecurityHeaders, headers=dict(security_headers))
    app.add_middleware(BodyDeadline, timeout=config.client_body_timeout)
    redact_access_log()
    # Added last, so outermost: everything inside sees the real client.
    app.add_middleware(ProxyHeaders, addresses=ClientAddresses(config.trusted_proxies,
                                                               config.proxy_header))
    return app
