"""Crafted old URLs and targets through the real build: every one either becomes a literal,
exact rule in `_redirects`, `_redirects.nginx` and `_redirects.caddy`, or is refused by name;
none adds a rule, a wildcard, a placeholder or an environment variable to a server's config,
and none crashes the build. Caddy itself reads the generated file."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

from tests.conftest import FIXTURE_SITE
from tests.test_editor_mistakes import sitebuild

REDIRECTS_TOML = r'''"/newline/" = "/en/\n/stolen https://evil.example 301"
"/env/" = "/{$HOME}/"
"/placeholder/" = "/{http.request.header.X-Evil}/"
"/variable/" = "/$http_x_evil"
"/splat/" = "/:splat"
"/null\u0000/" = "/en/"
"/wild/*" = "/en/"
"/{$PATH}/" = "/en/"
"/''' + "x" * 300 + '''/" = "/en/"
"/fine/" = "/en/"
"/api/newsletter/subscribe" = "/en/"
'''
ARTICLE = ("title: Moved\ndate: 2025-01-01\ncategory: ptsd\nsummary: S.\n"
           "old_urls: /cr%0D%0Aredir%20/stolen%20https://evil.example, /:slug/, /%7B$HOME%7D/,"
           " https://expio.example/api/newsletter/confirm\n"
           "\nBody.\n")


def test_crafted_redirects_never_reach_a_server_config(tmp_path) -> None:
    content = tmp_path / "content"
    shutil.copytree(FIXTURE_SITE, content)
    (content / "data/redirects.toml").write_text(REDIRECTS_TOML, encoding="utf-8")
    (content / "articles/ptsd/moved.en.md").write_text(ARTICLE, encoding="utf-8")
    output = tmp_path / "output"
    done = sitebuild("html", content, output, tmp_path)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log
    assert "fault of the build" not in log and "Traceback" not in log
    rules = {name: (output / name).read_text(encoding="utf-8")
             for name in ("_redirects", "_redirects.nginx", "_redirects.caddy")}
    # Each rule is one line of three (Netlify) or a quoted pair (nginx, Caddy).
    for line in rules["_redirects"].splitlines():
        assert re.fullmatch(r"/\S* /\S* 301", line), line
    for name in ("_redirects.nginx", "_redirects.caddy"):
        body = [line for line in rules[name].splitlines() if not line.startswith("#")]
        assert not [line for line in body if re.search(r"[{}$*\x00-\x1f]", line)
                    and line not in ("map $uri $expio_redirect {", "}")], body
    for text in rules.values():
        assert "stolen" not in text and "evil.example" not in text
        assert "{$" not in text and "{http" not in text and "$http" not in text
        assert "/wild/*" not in text and "/:slug" not in text and "/:splat" not in text
    assert "/fine/" in rules["_redirects.caddy"]
    # The newsletter service's addresses are the proxy's, never redirected (Caddy orders
    # redir before handle, nginx's server-level return runs before any location).
    for text in rules.values():
        assert "/api/" not in text
    for old in ("/api/newsletter/subscribe", "/api/newsletter/confirm"):
        named = [line for line in log.splitlines() if line.startswith("WARNING")
                 and f"old URL {old} is an address of the newsletter service" in line]
        assert len(named) == 1, (old, log)
    # Each refused old URL is named once, in our format.
    for old in ("/null%00/", "/wild/*", "/%7B$HOME%7D/", "/%7B$PATH%7D/", "/xxxx", "/cr%0D%0A", "/:slug/"):
        named = [line for line in log.splitlines()
                 if line.startswith("WARNING") and "old URL" in line and old in line]
        assert len(named) == 1, (old, named)
    # Caddy reads the file, and every Location it answers with is the path the build wrote.
    caddyfile = tmp_path / "Caddyfile"
    caddyfile.write_text(f":8080 {{\n\timport {output / '_redirects.caddy'}\n}}\n",
                         encoding="utf-8")
    adapted = subprocess.run(["caddy", "adapt", "--config", str(caddyfile)],
                             capture_output=True, text=True, timeout=60,
                             env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert adapted.returncode == 0, adapted.stderr
    locations = re.findall(r'"Location":\["([^"]*)"\]', adapted.stdout)
    written = re.findall(r'^redir "[^"]*" "([^"]*)"', rules["_redirects.caddy"], re.M)
    assert locations and sorted(set(locations)) == sorted(set(written))
    assert all(location.startswith("/") and not location.startswith("//")
               for location in locations)
    assert str(tmp_path) not in json.dumps(json.loads(adapted.stdout))


def test_a_linked_redirects_file_is_not_read(tmp_path) -> None:
    """Found by the review: content/data/redirects.toml as a symbolic link was refused by
    name ("nothing of its target is read") and then read: its lines reached _redirects."""
    content = tmp_path / "content"
    shutil.copytree(FIXTURE_SITE, content)
    outside = tmp_path / "outside.toml"
    outside.write_text('"/canary-of-the-machine/" = "/en/"\n', encoding="utf-8")
    (content / "data/redirects.toml").symlink_to(outside)
    output = tmp_path / "output"
    done = sitebuild("html", content, output, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "WARNING data/redirects.toml:1: link: is a symbolic link" in done.stderr
    assert "canary" not in done.stdout + done.stderr
    assert not [path for path in output.rglob("*")
                if "canary" in path.name or (path.is_file() and path.name.startswith("_redirects")
                                             and "canary" in path.read_text())]
