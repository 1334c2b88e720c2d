"""The devserver's live reload over real HTTP: script injected, event sent after a rebuild."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route

from sitebuild.serve import LiveReload


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_server():
    inner = Starlette(routes=[
        Route("/", lambda request: HTMLResponse("<html><body><p>hi</p></body></html>")),
        Route("/plain", lambda request: PlainTextResponse("</body>")),
    ])
    app = LiveReload(inner)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    yield app, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(5)


def test_pages_get_the_reload_script_and_other_responses_do_not(live_server) -> None:
    _, base = live_server
    page = httpx.get(base + "/")
    assert page.text.endswith('<script src="/__livereload.js" defer></script></body></html>')
    assert int(page.headers["content-length"]) == len(page.content)
    assert httpx.get(base + "/plain").text == "</body>"
    assert "EventSource" in httpx.get(base + "/__livereload.js").text


def test_open_pages_are_told_to_reload_after_a_rebuild(live_server) -> None:
    app, base = live_server
    with httpx.stream("GET", base + "/__livereload", timeout=10) as stream:
        lines = stream.iter_lines()
        assert next(lines) == ": connected"
        app.bump()  # what the rebuild thread calls
        received = [line for line in (next(lines), next(lines)) if line]
        assert received == ["data: reload"]
