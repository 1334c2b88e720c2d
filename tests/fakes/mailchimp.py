"""A fake Mailchimp Marketing API: a real HTTP server on 127.0.0.1 for tests and the bench.

Drive it through the real `mailchimp_marketing` client by pointing it at `fake.api_url`
(`MAILCHIMP_API_URL`). It implements, with Mailchimp's semantics and problem+json errors:

    GET  /3.0/ping
    GET  /3.0/lists/{list}/members/{hash}
    PUT  /3.0/lists/{list}/members/{hash}     upsert: status_if_new for new members, `status`
                                               honoured (compliance rules), interests, language
    GET|POST /3.0/lists/{list}/interest-categories
    GET|POST /3.0/lists/{list}/interest-categories/{cat}/interests

Member semantics: a new member with status "pending" counts one opt-in mail
(`state.optin_mails[hash]`); an upsert of an existing member never changes its status unless
`status` is sent; "cleaned" members and addresses in `state.compliance` answer
"Member In Compliance State"; `state.forgotten` -> "Forgotten Email Not Subscribed";
`state.fake_addresses` (and local parts starting with "fake") -> "looks fake or invalid";
`state.too_many_signups` -> "signed up to a lot of lists very recently".
Every request is logged in `state.requests` (method, path, JSON body) for assertions.

Auth: HTTP basic with any user name and the key given to the server (401 otherwise).

Faults (`fake.faults`, a FaultPlan): `latency` seconds before answering; `fail_ratio` of
requests (seeded RNG) fail with one of `modes`: "429", "5xx-empty" (500, no body, no content
type: the client returns a bare Response), "drop" (connection closed before the request is
handled) and "drop-after" (the request IS applied, then the connection is closed: a retry must
be idempotent). `fake.faults.script` is a list of modes consumed first, one per request;
None in a script lets that request through; scripts may also use "400-echo" (400 "Invalid
Resource" whose `detail` echoes the request body, addresses included, as Mailchimp's do: it
must never reach a log). `fake.faults.hold = Hold("PUT", "/members/")` keeps matching requests
waiting, not yet applied, until the test calls `hold.release()`: what the caller does while a
call is in flight is then observed without a clock.

Extending with more routes (e.g. campaigns): create tests/fakes/mailchimp_campaigns.py with

    from tests.fakes.mailchimp import route, problem, Reply

    @route("POST", r"/3.0/campaigns")
    def create_campaign(state, req):
        campaigns = state.ext.setdefault("campaigns", {})
        ...
        return Reply(200, {...})

`route(method, regex)` appends to the module-level ROUTES table; named groups of the regex are
passed as keyword arguments. Handlers get the FakeState (hold `state.lock` is done for you:
handlers run one at a time) and a FakeRequest (method, path, query, body). Return a Reply or
raise Problem(status, title, detail). The server imports that module, if present, on start.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import json
import random
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

ERROR_TYPE = "https://mailchimp.com/developer/marketing/docs/errors/"

ROUTES: list[tuple[str, re.Pattern, Callable[..., "Reply"]]] = []
EXTENSIONS = ("tests.fakes.mailchimp_campaigns",)


@dataclass
class Reply:
    status: int
    body: Any = None  # dict -> JSON; None -> empty body


class Problem(Exception):
    """An error answered as application/problem+json, like Mailchimp's."""

    def __init__(self, status: int, title: str, detail: str, errors: list | None = None):
        super().__init__(title)
        self.status, self.title, self.detail, self.errors = status, title, detail, errors


def problem(status: int, title: str, detail: str, errors: list | None = None) -> Problem:
    return Problem(status, title, detail, errors)


@dataclass
class FakeRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any


def route(method: str, pattern: str):
    """Register a handler for `method` and a full-match path regex (named groups -> kwargs)."""
    def register(handler):
        ROUTES.append((method, re.compile(pattern), handler))
        return handler
    return register


def subscriber_hash(email: str) -> str:
    return hashlib.md5(email.lower().encode("utf-8")).hexdigest()


@dataclass
class FakeState:
    """What the fake Mailchimp knows; tests read and seed it directly (under `lock`)."""

    list_ids: set[str] = field(default_factory=lambda: {"list0001"})
    members: dict[tuple[str, str], dict] = field(default_factory=dict)  # (list, hash) -> doc
    categories: dict[str, dict[str, dict]] = field(default_factory=dict)  # list -> id -> doc
    interests: dict[str, dict[str, dict]] = field(default_factory=dict)  # category -> id -> doc
    optin_mails: dict[str, int] = field(default_factory=dict)  # hash -> opt-in mails "sent"
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    compliance: set[str] = field(default_factory=set)
    forgotten: set[str] = field(default_factory=set)
    fake_addresses: set[str] = field(default_factory=set)
    too_many_signups: set[str] = field(default_factory=set)
    ext: dict[str, Any] = field(default_factory=dict)  # room for extension modules
    lock: threading.RLock = field(default_factory=threading.RLock)

    def member(self, list_id: str, email: str) -> dict | None:
        return self.members.get((list_id, subscriber_hash(email)))


class Hold:
    """Requests matching (method, path regex) wait before they are applied until `release()`.

    `arrived` is set when the first one comes in. The wait is bounded by `limit` seconds, only
    so that a test which never releases cannot hang the server; `expired` then says so.
    """

    def __init__(self, method: str, path: str, limit: float = 30.0):
        self.method, self.path, self.limit = method, re.compile(path), limit
        self.arrived = threading.Event()
        self.expired = False
        self._released = threading.Event()

    def release(self) -> None:
        self._released.set()

    def pass_through(self, method: str, path: str) -> None:
        if method != self.method or not self.path.search(path):
            return
        self.arrived.set()
        if not self._released.wait(self.limit):
            self.expired = True


@dataclass
class FaultPlan:
    latency: float = 0.0
    fail_ratio: float = 0.0
    modes: tuple[str, ...] = ("429", "5xx-empty", "drop", "drop-after")
    seed: int = 1
    script: list[str] = field(default_factory=list)
    injected: dict[str, int] = field(default_factory=dict)
    hold: Hold | None = None

    def __post_init__(self):
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()

    def next_fault(self) -> str | None:
        with self._lock:
            if self.script:
                mode = self.script.pop(0)
                if mode is None:  # a scripted success
                    return None
            elif self.fail_ratio and self._rng.random() < self.fail_ratio:
                mode = self._rng.choice(self.modes)
            else:
                return None
            self.injected[mode] = self.injected.get(mode, 0) + 1
            return mode


# --- the API ----------------------------------------------------------------------------------
def _list(state: FakeState, list_id: str) -> None:
    if list_id not in state.list_ids:
        raise problem(404, "Resource Not Found",
                      "The requested resource could not be found.")


@route("GET", r"/3.0/ping")
def ping(state, req):
    return Reply(200, {"health_status": "Everything's Chimpy!"})


@route("GET", r"/3.0/lists/(?P<list_id>[^/]+)/members/(?P<member>[^/]+)")
def get_member(state, req, list_id, member):
    _list(state, list_id)
    doc = state.members.get((list_id, member))
    if doc is None:
        raise problem(404, "Resource Not Found", "The requested resource could not be found.")
    return Reply(200, doc)


@route("PUT", r"/3.0/lists/(?P<list_id>[^/]+)/members/(?P<member>[^/]+)")
def put_member(state, req, list_id, member):
    _list(state, list_id)
    body = req.body if isinstance(req.body, dict) else {}
    email = body.get("email_address")
    if not isinstance(email, str) or "@" not in email:
        raise problem(400, "Invalid Resource", "The resource submitted could not be validated.",
                      [{"field": "email_address", "message": "This value should not be blank."}])
    key = subscriber_hash(email)
    if member != key:
        raise problem(400, "Invalid Resource",
                      "The email address does not match the subscriber hash.")
    if key in state.forgotten:
        raise problem(400, "Forgotten Email Not Subscribed",
                      f"{email} was permanently deleted and cannot be re-imported. The contact "
                      "must re-subscribe to get back on the list.")
    local = email.split("@", 1)[0].lower()
    if email.lower() in state.fake_addresses or local.startswith("fake"):
        raise problem(400, "Invalid Resource",
                      f"{email} looks fake or invalid, please enter a real email address.")
    if email.lower() in state.too_many_signups:
        raise problem(400, "Invalid Resource",
                      f"{email} has signed up to a lot of lists very recently; we're not "
                      "allowing more signups for now")
    status = body.get("status")
    status_if_new = body.get("status_if_new")
    for name, value in (("status", status), ("status_if_new", status_if_new)):
        if value is not None and value not in ("subscribed", "unsubscribed", "cleaned",
                                               "pending", "transactional"):
            raise problem(400, "Invalid Resource", f"Invalid {name}.")
    interests = body.get("interests") or {}
    known = {i for cat in state.interests.values() for i in cat}
    unknown = [i for i in interests if i not in known]
    if unknown:
        raise problem(400, "Invalid Resource", f"Invalid interest ID: '{unknown[0]}'.")
    doc = state.members.get((list_id, key))
    if doc is None:
        new_status = status or status_if_new
        if new_status is None:
            raise problem(400, "Invalid Resource", "The resource submitted could not be "
                          "validated.", [{"field": "status_if_new",
                                          "message": "Status is required for new members."}])
        if key in state.compliance and new_status in ("subscribed", "pending"):
            raise _compliance(email)
        doc = {"id": key, "email_address": email, "unique_email_id": uuid.uuid4().hex[:10],
               "status": new_status, "interests": {i: False for i in known},
               "language": "", "list_id": list_id,
               "timestamp_signup": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())}
        state.members[(list_id, key)] = doc
        if new_status == "pending":
            state.optin_mails[key] = state.optin_mails.get(key, 0) + 1
    else:
        if doc["status"] == "cleaned" or (key in state.compliance and status in
                                          ("subscribed", "pending")):
            raise _compliance(email)
        if status == "subscribed" and doc["status"] == "unsubscribed":
            raise _compliance(email)
        if status is not None and status != doc["status"]:
            doc["status"] = status
            if status == "pending":  # re-opt-in: Mailchimp mails a fresh confirmation
                state.optin_mails[key] = state.optin_mails.get(key, 0) + 1
    doc["interests"].update({i: bool(v) for i, v in interests.items()})
    if "language" in body:
        doc["language"] = body["language"]
    return Reply(200, doc)


def _compliance(email: str) -> Problem:
    return problem(400, "Member In Compliance State",
                   f"{email} is already a list member in compliance state due to unsubscribe, "
                   "bounce, or compliance review.")


def _page(req: FakeRequest, items: list) -> list:
    count = int((req.query.get("count") or ["10"])[0])
    offset = int((req.query.get("offset") or ["0"])[0])
    return items[offset:offset + count]


@route("GET", r"/3.0/lists/(?P<list_id>[^/]+)/interest-categories")
def list_categories(state, req, list_id):
    _list(state, list_id)
    items = list(state.categories.get(list_id, {}).values())
    return Reply(200, {"list_id": list_id, "categories": _page(req, items),
                       "total_items": len(items)})


@route("POST", r"/3.0/lists/(?P<list_id>[^/]+)/interest-categories")
def create_category(state, req, list_id):
    _list(state, list_id)
    body = req.body if isinstance(req.body, dict) else {}
    title, kind = body.get("title"), body.get("type")
    if not title or kind not in ("checkboxes", "dropdown", "radio", "hidden"):
        raise problem(400, "Invalid Resource", "The resource submitted could not be validated.")
    existing = state.categories.setdefault(list_id, {})
    if any(c["title"] == title for c in existing.values()):
        raise problem(400, "Invalid Resource",
                      f'Cannot add "{title}" because it already exists on the list.')
    cat_id = secrets.token_hex(5)
    doc = {"list_id": list_id, "id": cat_id, "title": title, "display_order": len(existing),
           "type": kind}
    existing[cat_id] = doc
    state.interests[cat_id] = {}
    return Reply(200, doc)


def _category(state, list_id, category_id):
    _list(state, list_id)
    if category_id not in state.categories.get(list_id, {}):
        raise problem(404, "Resource Not Found", "The requested resource could not be found.")


@route("GET", r"/3.0/lists/(?P<list_id>[^/]+)/interest-categories/(?P<category_id>[^/]+)"
              r"/interests")
def list_interests(state, req, list_id, category_id):
    _category(state, list_id, category_id)
    items = list(state.interests[category_id].values())
    return Reply(200, {"interests": _page(req, items), "list_id": list_id,
                       "category_id": category_id, "total_items": len(items)})


@route("POST", r"/3.0/lists/(?P<list_id>[^/]+)/interest-categories/(?P<category_id>[^/]+)"
               r"/interests")
def create_interest(state, req, list_id, category_id):
    _category(state, list_id, category_id)
    name = (req.body or {}).get("name") if isinstance(req.body, dict) else None
    if not name:
        raise problem(400, "Invalid Resource", "The resource submitted could not be validated.")
    existing = state.interests[category_id]
    if any(i["name"] == name for i in existing.values()):
        raise problem(400, "Invalid Resource",
                      f'Cannot add "{name}" because it already exists on the list.')
    interest_id = secrets.token_hex(5)
    doc = {"category_id": category_id, "list_id": list_id, "id": interest_id, "name": name,
           "subscriber_count": "0", "display_order": len(existing)}
    existing[interest_id] = doc
    for (member_list, _hash), member in state.members.items():
        if member_list == list_id:
            member["interests"].setdefault(interest_id, False)
    return Reply(200, doc)


# --- the server -------------------------------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without this, kept-alive clients stall 40 ms.
    disable_nagle_algorithm = True
    server: "_Server"

    def log_message(self, format, *args):  # quiet: tests read state, not logs
        pass

    def _handle(self):
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if fake.faults.hold is not None:
            fake.faults.hold.pass_through(self.command, self.path)
        fault = fake.faults.next_fault()
        if fake.faults.latency:
            time.sleep(fake.faults.latency)
        if fault == "drop":
            self.close_connection = True
            return
        if fault == "429":
            return self._send(429, _problem_doc(problem(
                429, "Too Many Requests", "You have exceeded the limit of 10 simultaneous "
                "connections."), self.path), "application/problem+json")
        if fault == "5xx-empty":
            return self._send(500, None, None)
        if fault == "400-echo":
            return self._send(400, _problem_doc(problem(
                400, "Invalid Resource", "The resource submitted could not be validated: "
                + raw.decode("utf-8", "replace")), self.path), "application/problem+json")
        if not self._authorized(fake.api_key):
            return self._send(401, _problem_doc(problem(
                401, "API Key Invalid", "Your API key may be invalid, or you've attempted to "
                "access the wrong datacenter."), self.path), "application/problem+json")
        status, body, ctype = fake.dispatch(self.command, self.path, raw)
        if fault == "drop-after":  # applied, but the caller never hears about it
            self.close_connection = True
            return
        self._send(status, body, ctype)

    def _authorized(self, key: str) -> bool:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            _user, _, given = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        except ValueError:
            return False
        return secrets.compare_digest(given, key)

    def _send(self, status: int, body: Any, ctype: str | None):
        data = b"" if body is None else json.dumps(body).encode("utf-8")
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = _handle


def _problem_doc(err: Problem, path: str) -> dict:
    doc = {"type": ERROR_TYPE, "title": err.title, "status": err.status, "detail": err.detail,
           "instance": str(uuid.uuid4())}
    if err.errors:
        doc["errors"] = err.errors
    return doc


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    fake: "FakeMailchimp"


class FakeMailchimp:
    """The server; `with FakeMailchimp() as fake:` starts it on a random loopback port."""

    def __init__(self, api_key: str = "fakekey0123456789-us19", faults: FaultPlan | None = None,
                 state: FakeState | None = None):
        self.api_key = api_key
        self.faults = faults or FaultPlan()
        self.state = state or FakeState()
        for name in EXTENSIONS:
            try:
                importlib.import_module(name)
            except ModuleNotFoundError as err:
                if err.name != name:
                    raise
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/3.0"

    def start(self) -> "FakeMailchimp":
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True, name="fake-mailchimp")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "FakeMailchimp":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def dispatch(self, method: str, target: str, raw: bytes) -> tuple[int, Any, str | None]:
        """Route one request; returns (status, JSON body or None, content type)."""
        parts = urlsplit(target)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return 400, _problem_doc(problem(400, "JSON Schema Validation Failed",
                                             "The request body is not valid JSON."), target), \
                "application/problem+json"
        req = FakeRequest(method, parts.path, parse_qs(parts.query), body)
        with self.state.lock:
            self.state.requests.append((method, parts.path, body))
            for route_method, pattern, handler in ROUTES:
                match = pattern.fullmatch(parts.path)
                if match and route_method == method:
                    try:
                        reply = handler(self.state, req, **match.groupdict())
                    except Problem as err:
                        return err.status, _problem_doc(err, target), "application/problem+json"
                    return reply.status, reply.body, ("application/json; charset=utf-8"
                                                      if reply.body is not None else None)
        return 404, _problem_doc(problem(404, "Resource Not Found",
                                         "The requested resource could not be found."),
                                 target), "application/problem+json"

    # --- helpers for tests --------------------------------------------------------------------
    def member_puts(self) -> list[dict]:
        with self.state.lock:
            return [body for method, path, body in self.state.requests
                    if method == "PUT" and "/members/" in path]


def main(argv: list[str] | None = None) -> int:
    """`python -m tests.fakes.mailchimp --port 0 --latency 0.02`: run the fake standalone
    (benchmarks run it in its own process); prints its API URL and key as JSON on one line."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m tests.fakes.mailchimp")
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--fail-ratio", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    fake = FakeMailchimp(faults=FaultPlan(latency=args.latency, fail_ratio=args.fail_ratio,
                                          seed=args.seed))
    print(json.dumps({"api_url": fake.api_url, "api_key": fake.api_key}), flush=True)
    try:
        fake._server.serve_forever(0.05)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
