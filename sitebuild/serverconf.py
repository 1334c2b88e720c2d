"""The production web server's configuration, generated from the site's settings.

Caddy (Debian's package) serves a `make publish` output and proxies `/api/newsletter/` to the
subscribe service; `caddyfile()` writes its configuration, `nginx_conf()` an equivalent one for
nginx. Both take their headers from the settings the build already uses: SECURITY_HEADERS (the
same values `output/_headers` carries and `make serve` sends) and SERVER (cache rules, the
service's address, where the site lives on the server), so there is one source of truth.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from core.settings import DictOf, Group, ListOf, Regex, SettingsError, Text

# Every key SERVER may hold, with its default; unknown keys are refused by name.
DEFAULTS = {
    # Where the site lives on the server: `make deploy` keeps releases beside it and points
    # this symlink at the current one.
    "root": "/srv/expio/current",
    # Where the subscribe service (python -m newsletter serve) listens, behind the proxy.
    "service_address": "127.0.0.1:8001",
    # Paths whose names change with their content (regular expressions on the URL path):
    # the theme's fingerprinted CSS/JS and Pagefind's hashed index files. Cached for a year.
    "immutable_paths": (
        r"\.[0-9a-f]{10}\.(css|js)$",
        r"/pagefind(-[0-9]+)?/(fragment|index|filter)/",
        r"/pagefind(-[0-9]+)?/pagefind\.[^/]+\.pf_meta$",
    ),
    "immutable_cache_control": "public, max-age=31536000, immutable",
    # Everything else (HTML, feeds, search entry points, images) is revalidated on each use.
    "cache_control": "no-cache",
    # Build files for hosts that read them (Netlify, Cloudflare Pages), never served here.
    "hidden_paths": ("/_headers", "/_redirects", "/_redirects.*"),
    # Redirects of imported old URLs: a Caddyfile snippet the build may write into the site.
    "redirects_snippet": "_redirects.caddy",
}

API_PATH = "/api/newsletter"


SETTINGS = Group(
    DEFAULTS,
    root=Text(pattern="/.*", expected="an absolute folder path"),
    service_address=Text(pattern=r"[^\s/]+:\d+", expected="host:port, e.g. '127.0.0.1:8001'"),
    immutable_paths=ListOf(Regex()),
    hidden_paths=ListOf(Text(pattern="/.*", expected="a path starting with '/'")),
)
# Written into the server configuration inside double quotes, one header a line.
_HEADERS = DictOf(Text(pattern='[^\r\n"]*', expected="a header value without a line break "
                                                      "or a double quote"), key="header name")


@dataclass(frozen=True)
class ServerSettings:
    root: str
    service_address: str
    immutable_paths: tuple[str, ...]
    immutable_cache_control: str
    cache_control: str
    hidden_paths: tuple[str, ...]
    redirects_snippet: str
    security_headers: tuple[tuple[str, str], ...]
    site_url: str
    language_prefixes: tuple[str, ...]  # "en/", ... (the default language is at /)
    # The web editor's folder and its own Content-Security-Policy (sitebuild/cms/admin.py)
    editor_prefix: str = ""
    editor_policy: str = ""

    @property
    def immutable_regex(self) -> str:
        return "|".join(f"(?:{pattern})" for pattern in self.immutable_paths)


def load(settings: dict) -> ServerSettings:
    """SERVER merged over DEFAULTS, plus what the server needs from the rest of the settings."""
    values = SETTINGS.load(settings, "SERVER")
    headers = _HEADERS.check(settings.get("SECURITY_HEADERS") or {}, ("SECURITY_HEADERS",),
                             settings)
    default_lang = settings["DEFAULT_LANG"]
    prefixes = tuple(f"{lang}/" for lang in settings.get("SITE_LANGUAGES", {})
                     if lang != default_lang)
    from sitebuild.cms import admin

    return ServerSettings(**values, security_headers=tuple(headers.items()),
                          site_url=str(settings.get("SITEURL") or ""),
                          language_prefixes=prefixes, editor_prefix=admin.PREFIX,
                          editor_policy=admin.policy(settings))


def is_local_url(url: str) -> bool:
    """True for a loopback or unspecified host: a development build's SITEURL."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


CSP = "Content-Security-Policy"


def _quoted(value: str) -> str:
    return '"' + value.replace('"', '\\"') + '"'


def caddyfile(server: ServerSettings, *, root: Path | str | None = None,
              listen: str | None = None, service_address: str | None = None) -> str:
    """The Caddyfile. With `listen` ("127.0.0.1:8080") a local, plain-HTTP server without
    Caddy's admin endpoint or ACME (make serve-production); else the site address is SITEURL's
    host, for which Caddy gets and renews a certificate by itself."""
    root = str(root or server.root)
    service = service_address or server.service_address
    head = ["# Generated from the site's settings (SECURITY_HEADERS, SERVER) by",
            "# `python -m sitebuild server-config caddy`: change the settings, then generate it",
            "# again. Do not edit by hand.", ""]
    if listen:
        host, _, port = listen.rpartition(":")
        head += ["{", "\tauto_https off", "\tadmin off", "}", ""]
        site = [f"http://{host}:{port} {{", f"\tbind {host}"]
    else:
        host = urlsplit(server.site_url).hostname
        if not host or is_local_url(server.site_url):
            raise SettingsError(f"SITEURL {server.site_url!r} is not a public address; "
                                "set PUBLISH_SITEURL (publishconf.py) to the site's URL")
        site = [f"{host} {{"]
    snippet = []
    for name, policy in (("site_headers", None), ("editor_headers", server.editor_policy)):
        snippet += [f"({name}) {{", "\theader {",
                    *(f"\t\t{header} {_quoted(policy if policy and header == CSP else value)}"
                      for header, value in server.security_headers),
                    "\t\t-Server", "\t}", "}", ""]
    immutable = _quoted(server.immutable_regex)
    site += [f"\troot * {root}", "",
             "\t# Redirects of imported old URLs, when the build wrote them (a glob: absent",
             "\t# is fine). Reload Caddy after a deploy that changes them.",
             f"\timport {root}/{server.redirects_snippet}*", "",
             f"\t@hidden path {' '.join(server.hidden_paths)}",
             "\thandle @hidden {", "\t\terror 404", "\t}", "",
             f"\thandle {API_PATH}/* {{",
             "\t\t# The service sends its own headers (the same SECURITY_HEADERS) and",
             "\t\t# Cache-Control. Caddy replaces a client's X-Forwarded-For with the client's",
             "\t\t# address; the service trusts that header from this proxy only.",
             f"\t\treverse_proxy {service}",
             "\t}", "",
             "\t# The web editor (Decap CMS): the site's headers with its own, looser policy.",
             f"\t@editor path {server.editor_prefix}*",
             "\thandle @editor {",
             "\t\timport editor_headers",
             f"\t\theader Cache-Control {_quoted(server.cache_control)}",
             "\t\tfile_server {", "\t\t\tprecompressed br gzip", "\t\t}",
             "\t}", "",
             "\thandle {",
             "\t\timport site_headers",
             f"\t\t@immutable path_regexp {immutable}",
             f"\t\theader @immutable Cache-Control {_quoted(server.immutable_cache_control)}",
             "\t\t@revalidate {", f"\t\t\tnot path_regexp {immutable}", "\t\t}",
             f"\t\theader @revalidate Cache-Control {_quoted(server.cache_control)}",
             "\t\tfile_server {", "\t\t\tprecompressed br gzip", "\t\t}",
             "\t}", "",
             "\t# Each language's own 404 page; other errors get a plain answer.",
             "\thandle_errors {",
             "\t\t@not_found expression {http.error.status_code} == 404",
             "\t\thandle @not_found {",
             "\t\t\timport site_headers",
             f"\t\t\theader Cache-Control {_quoted(server.cache_control)}"]
    for prefix in server.language_prefixes:  # rewrites in one block: the first match wins
        name = "lang_" + prefix.strip("/").replace("-", "_")
        site += [f"\t\t\t@{name} path /{prefix}*", f"\t\t\trewrite @{name} /{prefix}404.html"]
    site += ["\t\t\trewrite * /404.html",
             "\t\t\tfile_server {", "\t\t\t\tprecompressed br gzip", "\t\t\t}",
             "\t\t}",
             "\t\thandle {", '\t\t\trespond "{http.error.status_code} {http.error.status_text}"',
             "\t\t}",
             "\t}",
             "}", ""]
    return "\n".join(head + snippet + site)


def nginx_conf(server: ServerSettings, *, root: Path | str | None = None) -> str:
    """An nginx `server` block equivalent to the Caddyfile (TLS left to certbot or similar).

    `gzip_static` needs nginx's gzip_static module (in Debian's nginx); `brotli_static` needs
    the third-party ngx_brotli module (Debian: libnginx-mod-http-brotli-static), else drop it.
    """
    root = str(root or server.root)
    host = urlsplit(server.site_url).hostname or "_"
    security = [f'    add_header {name} "{value}" always;' for name, value in
                server.security_headers]
    editor_security = [
        f'    add_header {name} "{server.editor_policy if name == CSP else value}" always;'
        for name, value in server.security_headers]
    hidden = "|".join(path.replace(".", r"\.").replace("*", ".*") for path in server.hidden_paths)
    lines = [
        "# Generated from the site's settings (SECURITY_HEADERS, SERVER) by",
        "# `python -m sitebuild server-config nginx`: change the settings, then generate it again.",
        "# add_header in a location replaces the server's, so every location repeats them.",
        "server {",
        "    listen 80;",
        "    listen [::]:80;",
        f"    server_name {host};",
        f"    root {root};",
        "    index index.html;",
        "    gzip_static on;",
        "    brotli_static on;  # needs ngx_brotli; remove if nginx lacks it",
        "    server_tokens off;",
        "",
        "    # Redirects of imported old URLs: the build writes them as an nginx map; add",
        f"    # `include {root}/_redirects.nginx;` to the http block, then uncomment:",
        "    # if ($expio_redirect) { return 301 $expio_redirect; }",
        "",
        f"    location ~ ^({hidden})$ {{ return 404; }}",
        "",
        f"    location {API_PATH}/ {{",
        f"        proxy_pass http://{server.service_address};",
        "        proxy_set_header Host $host;",
        "        # Replace, never append: a client's own X-Forwarded-For must not reach the app.",
        "        proxy_set_header X-Forwarded-For $remote_addr;",
        "        proxy_set_header X-Forwarded-Proto $scheme;",
        "    }",
        "",
        f'    location ~ "{server.immutable_regex}" {{',
        *("    " + line for line in security),
        f'        add_header Cache-Control "{server.immutable_cache_control}" always;',
        "    }",
        "",
        "    location / {",
        *("    " + line for line in security),
        f'        add_header Cache-Control "{server.cache_control}" always;',
        "    }",
        "",
        "    # The web editor's own policy (looser only where Decap CMS needs it).",
        f"    location {server.editor_prefix} {{",
        *("    " + line for line in editor_security),
        f'        add_header Cache-Control "{server.cache_control}" always;',
        "    }",
        "",
    ]
    for prefix in server.language_prefixes:
        lines += [f"    location /{prefix} {{",
                  f"        error_page 404 /{prefix}404.html;",
                  *("    " + line for line in security),
                  f'        add_header Cache-Control "{server.cache_control}" always;',
                  "    }"]
    lines += ["    error_page 404 /404.html;", "}", ""]
    return "\n".join(lines)
