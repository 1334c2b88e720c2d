"""`make serve-production` (sitebuild/production.py, sitebuild/serverconf.py): the real stack.

One strict publish build of the fixture site (plus the search articles of test_search.py),
published for http://127.0.0.1:<port>; then `python -m sitebuild serve-production` (what the
Makefile target runs) starts Debian's Caddy with the generated Caddyfile and the subscribe
service, and the tests talk to Caddy over HTTP and drive the search page in Chromium.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import brotli
import httpx
import pytest

from sitebuild import serverconf
from sitebuild.config import BuildOptions, read_base
from tests.conftest import FIXTURE_SITE, ROOT, build_into
from tests.fakes.fixtures import pick_port
from tests.test_search import ARTICLES, EXPECTED, chromium_browser, open_search  # noqa: F401

REDIRECTS = "redir /2019/05/old-post/ /articles/night-terrors/ permanent\n"
RATE_LIMIT = 5  # POSTs per client address before "rate-limited"


def write_settings(path: Path, site_url: str, state: Path) -> Path:
    """publishconf.py with the test's address, state folder and a small per-client limit."""
    path.write_text(
        "from publishconf import *  # noqa\n"
        f"SITEURL = {site_url!r}\nFEED_DOMAIN = SITEURL\n"
        "NEWSLETTER = {**NEWSLETTER, 'allowed_origins': [SITEURL], "
        f"'state_dir': {str(state)!r}, 'rate_limit_ip': [{RATE_LIMIT}, 3600], "
        "'rate_limit_address': [50, 3600], 'queue_poll_interval': 0.2}\n",
        encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """(output, settings file, state folder, port): a strict publish build, built once."""
    root = tmp_path_factory.mktemp("production")
    content = root / "content"
    shutil.copytree(FIXTURE_SITE, content)
    for relative, text in ARTICLES.items():
        (content / relative).parent.mkdir(parents=True, exist_ok=True)
        (content / relative).write_text(text, encoding="utf-8")
    port = pick_port()
    settings = write_settings(root / "conf.py", f"http://127.0.0.1:{port}", root / "state")
    report = build_into(root / "output", content, strict=True, settings_file=settings)
    # What the WordPress importer's build step writes: a Caddyfile snippet of redirects.
    (report.output / "_redirects.caddy").write_text(REDIRECTS, encoding="utf-8")
    return report.output, settings, root / "state", port


@pytest.fixture(scope="module")
def stack(published, tmp_path_factory):
    """`python -m sitebuild serve-production` running; yields (base URL, its log file)."""
    output, settings, _state, port = published
    log = tmp_path_factory.mktemp("production-log") / "stack.log"
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'plugins'}"}
    env.pop("MAILCHIMP_API_KEY", None)
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "sitebuild", "serve-production", "--port", str(port),
             "--settings", str(settings), "--output", str(output), "--workers", "1"],
            cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, log.read_text(errors="replace")
            try:
                if httpx.get(url + "/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.2)
        yield url, log
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the group of the process this test started
            process.wait(5)


def site_headers() -> dict[str, str]:
    return read_base(BuildOptions(settings_file=ROOT / "publishconf.py"))["SECURITY_HEADERS"]


def fingerprinted_css(output: Path) -> str:
    html = (output / "index.html").read_text(encoding="utf-8")
    return re.search(r'href="[^"]*?(/theme/css/site\.[0-9a-f]{10}\.css)"', html)[1]


# --- headers, compression, caching ---------------------------------------------------------------

def test_pages_carry_the_settings_security_headers(stack):
    url, _ = stack
    response = httpx.get(url + "/")
    assert response.status_code == 200
    for name, value in site_headers().items():
        assert response.headers[name] == value, name
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "'wasm-unsafe-eval'" in response.headers["content-security-policy"]
    assert "server" not in response.headers


@pytest.mark.parametrize("path, cache", [
    ("/", "no-cache"),
    ("/en/articles/bpd-pilot/", "no-cache"),
    ("/feeds/all.atom.xml", "no-cache"),
    ("/en/pagefind/pagefind-entry.json", "no-cache"),
    ("CSS", "public, max-age=31536000, immutable"),
])
def test_fingerprinted_assets_are_immutable_and_the_rest_revalidates(stack, published, path,
                                                                     cache):
    url, _ = stack
    path = fingerprinted_css(published[0]) if path == "CSS" else path
    response = httpx.get(url + path)
    assert response.status_code == 200
    assert response.headers["cache-control"] == cache
    assert response.headers.get("etag") or response.headers.get("last-modified")


@pytest.mark.parametrize("encoding, decode", [("br", brotli.decompress),
                                              ("gzip", gzip.decompress)])
def test_precompressed_copies_are_served_by_accept_encoding(stack, published, encoding, decode):
    url, _ = stack
    output = published[0]
    with httpx.stream("GET", url + "/en/", headers={"Accept-Encoding": encoding}) as response:
        raw = b"".join(response.iter_raw())
        assert response.headers["content-encoding"] == encoding
        assert "accept-encoding" in response.headers["vary"].lower()
    assert raw == (output / "en" / f"index.html.{ 'br' if encoding == 'br' else 'gz'}").read_bytes()
    assert decode(raw) == (output / "en" / "index.html").read_bytes()
    plain = httpx.get(url + "/en/", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.content == (output / "en" / "index.html").read_bytes()


# --- errors, redirects, build files -------------------------------------------------------------

@pytest.mark.parametrize("path, page", [("/no-such-page/", "404.html"),
                                        ("/articles/gone/", "404.html"),
                                        ("/en/no-such-page/", "en/404.html")])
def test_each_language_gets_its_own_404_page(stack, published, path, page):
    url, _ = stack
    response = httpx.get(url + path, headers={"Accept-Encoding": "identity"})
    assert response.status_code == 404
    assert response.content == (published[0] / page).read_bytes()
    assert response.headers["content-security-policy"] == site_headers()[
        "Content-Security-Policy"]
    lang = "en" if path.startswith("/en/") else "uk"
    assert f'<html lang="{lang}"' in response.text


def test_imported_old_urls_redirect(stack):
    url, _ = stack
    response = httpx.get(url + "/2019/05/old-post/")
    assert response.status_code == 301
    assert response.headers["location"] == "/articles/night-terrors/"
    assert httpx.get(url + "/2019/05/old-post/", follow_redirects=True).status_code == 200


@pytest.mark.parametrize("path", ["/_headers", "/_redirects.caddy"])
def test_build_files_for_other_hosts_are_not_served(stack, path):
    url, _ = stack
    assert httpx.get(url + path).status_code == 404


# --- the subscribe service behind the proxy ----------------------------------------------------

def client_from(address: str) -> httpx.Client:
    """An HTTP client whose connections come from `address` (any 127.x.y.z is this host)."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=15)


def subscribe(client: httpx.Client, url: str, email: str, **headers) -> httpx.Response:
    return client.post(url + "/api/newsletter/subscribe",
                       data={"email": email, "language": "en", "topics": "ptsd"},
                       headers={"Origin": url, "Accept": "application/json", **headers})


def test_a_subscription_through_the_proxy_reaches_the_outbox(stack, published):
    url, _ = stack
    state = published[2]
    with client_from("127.0.0.4") as client:
        response = subscribe(client, url, "reader@example.org")
    assert response.status_code == 202 and response.json() == {"outcome": "check-inbox"}
    assert response.headers["cache-control"] == "no-store"
    deadline = time.monotonic() + 30
    while not any(b"reader@example.org" in path.read_bytes()
                  for path in (state / "outbox").glob("*.eml")):
        assert time.monotonic() < deadline, "no confirmation mail in the outbox"
        time.sleep(0.1)


def test_health_reports_the_queue_and_the_backend_only(stack):
    url, _ = stack
    response = httpx.get(url + "/api/newsletter/health")
    assert response.status_code == 200
    report = response.json()
    assert report["status"] == "ok" and report["backend_reachable"] is True
    assert set(report["queue"]) == {"waiting", "dead"}
    assert set(report) == {"status", "backend_reachable", "queue"}
    assert "state" not in response.text and "sqlite" not in response.text
    assert response.headers["cache-control"] == "no-store"


def test_a_spoofed_x_forwarded_for_does_not_dodge_the_rate_limit(stack):
    url, log = stack
    with client_from("127.0.0.2") as client:
        answers = [subscribe(client, url, f"spoof{n}@example.org",
                             **{"X-Forwarded-For": f"198.51.100.{n}",
                                "X-Real-IP": f"198.51.100.{n}"}).status_code
                   for n in range(RATE_LIMIT + 3)]
    assert answers[:RATE_LIMIT] == [202] * RATE_LIMIT
    assert answers[RATE_LIMIT:] == [429] * 3
    with client_from("127.0.0.3") as other:  # another reader is not limited by the first
        assert subscribe(other, url, "other@example.org").status_code == 202
    text = log.read_text(errors="replace")
    assert "127.0.0.2" in text  # the service logs the real client address ...
    assert "198.51.100." not in text  # ... never the one a client claimed


# --- search in Chromium under the real CSP header -----------------------------------------------

@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "uk"])
def test_search_works_under_the_production_headers(stack, chromium_browser, lang):
    url, _ = stack
    prefix = "en/" if lang == "en" else ""
    page, response, problems = open_search(chromium_browser, f"{url}/{prefix}search/")
    assert response.headers["content-security-policy"] == site_headers()[
        "Content-Security-Policy"]
    query, title = EXPECTED[lang]
    page.locator("#search-query").fill(query)
    first = page.locator(".site-search-result").first
    first.wait_for(timeout=20000)
    assert first.locator("h2 a").inner_text() == title
    page.close()
    assert problems == []


# --- the generated configuration -----------------------------------------------------------------

def test_caddy_accepts_the_server_caddyfile(tmp_path):
    base = read_base(BuildOptions(settings_file=ROOT / "publishconf.py"))
    caddyfile = tmp_path / "Caddyfile"
    caddyfile.write_text(serverconf.caddyfile(serverconf.load(base)), encoding="utf-8")
    done = subprocess.run(["caddy", "validate", "--config", str(caddyfile), "--adapter",
                           "caddyfile"], capture_output=True, text=True,
                          env={**os.environ, "XDG_DATA_HOME": str(tmp_path),
                               "XDG_CONFIG_HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert "expio.example {" in caddyfile.read_text()


@pytest.mark.parametrize("kind", ["caddy", "nginx"])
def test_committed_server_configs_are_generated_from_the_settings(kind):
    """deploy/Caddyfile and deploy/nginx.conf are what `make server-config` writes now."""
    base = read_base(BuildOptions(settings_file=ROOT / "publishconf.py"))
    server = serverconf.load(base)
    if kind == "caddy":
        expected, path = serverconf.caddyfile(server), ROOT / "deploy" / "Caddyfile"
    else:
        expected, path = serverconf.nginx_conf(server), ROOT / "deploy" / "nginx.conf"
    assert path.read_text(encoding="utf-8") == expected, "run `make server-config`"


def test_a_typo_in_server_settings_is_refused_by_name():
    with pytest.raises(serverconf.ServerConfigError, match="'rot'"):
        serverconf.load({"SERVER": {"rot": "/srv"}, "DEFAULT_LANG": "uk"})
