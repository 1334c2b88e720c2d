"""Old URLs kept working: every `old_urls` path of a source leads to its page.

For each old path that is not a page of the new site the build writes
- a static redirect page at the old path (meta refresh, canonical link, a visible link), so
  any static host serves it — `python -m http.server` included;
- `_redirects` (Netlify / Cloudflare Pages), at most `rule_limit` rules (Cloudflare Pages reads
  2,000 static redirects; the rest go to `_redirects.rest`, with a warning, and are still
  served by their redirect pages);
- `_redirects.nginx`, an nginx `map` from `$uri` to the new path;
- `_redirects.caddy`, `redir` lines for a Caddy site block (`import …/_redirects.caddy`).

Old paths come from each source's `old_urls` field and from the redirects file
(`REDIRECTS["file"]`, default `content/data/redirects.toml`) for what is no source file,
such as the old site's category archives.

Browsers send a Cyrillic path percent-encoded (`/%D0%BF%D1%80…/`); nginx, Caddy and static
file servers decode it before matching or looking for a file, so the page is written at the
decoded path and the nginx and Caddy rules use the decoded form; `_redirects` uses the encoded
form, as the request line carries it. The build warns, in our Finding format, when an old path
is a page of the new site (the page wins), when two sources claim one old path, and when a
redirect would lead to another redirect (chains are shortened to the final page).
"""

from __future__ import annotations

import html
import logging
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

from core.paths import linked_part
from sitebuild.serverconf import API_PATH
from core.settings import Group, OneOf, RelativePath, Whole

logger = logging.getLogger(__name__)

DEFAULTS = {
    "rule_limit": 2000,  # Cloudflare Pages: 2,000 static redirects per _redirects file
    "status": 301,
    # Redirects that belong to no source file (old category archives, moved sections):
    # `"/old/path/" = "/new/path/"` lines, relative to the content folder; optional.
    "file": "data/redirects.toml",
}
SETTINGS = Group(DEFAULTS, rule_limit=Whole(low=1), status=OneOf(301, 302, 307, 308),
                 file=RelativePath(where_="the content folder"))
FIELD = "old_urls"
_SAFE = "/-._~!$&'()*+,;=:@"
# A target is written percent-encoded except for these, so that no server reads a part of it
# as syntax: `$name` is an nginx variable, `{…}` a Caddy placeholder or environment variable,
# `:name` a Netlify placeholder, whitespace ends a `_redirects` rule.
_TARGET_SAFE = "/-._~!&'()+,;=@"
# What makes an old path a pattern rather than a path in one of the rule files (`*` is a
# wildcard in Caddy and Netlify, `{…}` a Caddy placeholder, `/:name` a Netlify placeholder),
# or no path at all (control characters).
_NOT_LITERAL = re.compile(r"[\x00-\x1f\x7f*{}]|/:")
_NAME_MAX = 255  # bytes in one path segment: the redirect page is a file of that name
_MOVED = {"uk": "Сторінка переїхала:", "en": "This page has moved:"}


@dataclass(frozen=True)
class Claim:
    """One old path as a source file declares it."""

    old: str  # as written (a path or a full URL)
    target: str  # site-relative URL of the new page, e.g. "en/articles/x/"
    title: str
    lang: str
    source: str  # the source file, for findings
    line: int


@dataclass(frozen=True)
class Rule:
    path: str  # decoded, starting with "/", e.g. "/птср-і-сон/"
    target: str  # absolute path on the site, e.g. "/articles/ptsd-and-sleep/"
    title: str
    lang: str

    @property
    def encoded(self) -> str:
        return quote(self.path, safe=_SAFE)

    @property
    def location(self) -> str:
        """The target as every rule file writes it: literal to every server."""
        return quote(unquote(self.target), safe=_TARGET_SAFE)


def load(settings: dict) -> dict:
    """`REDIRECTS` over DEFAULTS; unknown keys and wrong values raise SettingsError."""
    return SETTINGS.load(settings, "REDIRECTS")


def split(value: str) -> list[str]:
    """The old URLs of an `old_urls` field: separated by commas, spaces or line breaks."""
    return [part for part in re.split(r"[,\s]+", value) if part]


def normalise(old: str) -> str | None:
    """The decoded path of an old URL (a path or a full URL); None when it has a query."""
    parsed = urlparse(old.strip())
    if parsed.query or not parsed.path:
        return None
    path = unquote(parsed.path)
    return path if path.startswith("/") else "/" + path


def plan(claims: Iterable[Claim], base: str, page_at: Callable[[str], str | None],
         finding: Callable[..., str]) -> tuple[list[Rule], list[str]]:
    """The redirect rules and the warnings. `page_at(path)` is the site-relative URL of the
    page the new site serves at an old path, or None; `finding(source, line, problem, fix)`
    formats a warning."""
    warnings: list[str] = []
    rules: dict[str, Rule] = {}
    claimed_by: dict[str, Claim] = {}
    for claim in claims:
        path = normalise(claim.old)
        if path is None:
            warnings.append(finding(claim.source, claim.line,
                                    f"{claim.old!r} has a query string or no path; a static "
                                    "site cannot redirect it", "remove it from old_urls"))
            continue
        if _NOT_LITERAL.search(path) or any(len(part.encode()) > _NAME_MAX
                                            for part in path.split("/")):
            warnings.append(finding(claim.source, claim.line,
                                    f"old URL {quote(path, safe=_SAFE)} is not a literal path "
                                    "(a control character, `*`, `{`, `}`, `/:` or a part "
                                    f"longer than {_NAME_MAX} bytes); servers would read it "
                                    "as a pattern or cannot store it",
                                    "write the old address exactly as the old site served it"))
            continue
        if path.rstrip("/") == API_PATH or path.startswith(API_PATH + "/"):
            warnings.append(finding(claim.source, claim.line,
                                    f"old URL {quote(path, safe=_SAFE)} is an address of the "
                                    "newsletter service, which the server proxies; "
                                    "redirecting it would break subscribing",
                                    "remove it from the old URLs"))
            continue
        target = base + claim.target
        served = page_at(path)
        if served is not None:
            if base + served != target:
                warnings.append(finding(
                    claim.source, claim.line,
                    f"old URL {quote(path, safe=_SAFE)} is a page of the new site "
                    f"(/{served}); the page is kept and nothing redirects",
                    "remove the old URL or change the page's slug"))
            continue
        if path in claimed_by:
            first = claimed_by[path]
            if base + first.target != target:
                warnings.append(finding(
                    claim.source, claim.line,
                    f"old URL {quote(path, safe=_SAFE)} is also claimed by {first.source}; "
                    f"it redirects to /{first.target}", "keep it in one file only"))
            continue
        claimed_by[path] = claim
        rules[path] = Rule(path, target, claim.title, claim.lang)
    warnings += _missing_targets(rules, claimed_by, base, page_at, finding)
    warnings += _shorten_chains(rules, claimed_by, finding)
    return sorted(rules.values(), key=lambda r: r.path), warnings


def _missing_targets(rules: dict[str, Rule], claimed_by: dict[str, Claim], base: str,
                     page_at: Callable[[str], str | None],
                     finding: Callable[..., str]) -> list[str]:
    warnings = []
    for path, rule in rules.items():
        target = unquote(rule.target)
        if target.startswith(base) and target not in rules \
                and page_at("/" + target[len(base):]) is None:
            claim = claimed_by[path]
            warnings.append(finding(claim.source, claim.line,
                                    f"{quote(path, safe=_SAFE)} leads to {rule.target}, which "
                                    "is no page of the new site", "correct the new path"))
    return warnings


def _shorten_chains(rules: dict[str, Rule], claimed_by: dict[str, Claim],
                    finding: Callable[..., str]) -> list[str]:
    """A redirect to another old path points at its end instead; loops are dropped."""
    warnings = []
    for path in sorted(rules):
        rule = rules.get(path)
        if rule is None:
            continue  # dropped with a loop found earlier
        seen, target = [path], rule.target
        while unquote(target) in rules and unquote(target) not in seen:
            seen.append(unquote(target))
            target = rules[unquote(target)].target
        if target == rule.target:
            continue
        claim = claimed_by[path]
        chain = " → ".join(quote(p, safe=_SAFE) for p in seen) + f" → {target}"
        if unquote(target) in seen:  # back to an old path: no page at the end
            warnings.append(finding(claim.source, claim.line,
                                    f"redirects loop: {chain}; none of them is redirected",
                                    "give each old URL the page it now lives at"))
            for looped in seen:
                rules.pop(looped, None)
            continue
        warnings.append(finding(claim.source, claim.line,
                                f"redirects chain: {chain}; pointed straight at {target}",
                                "give each old URL only the final page"))
        rules[path] = Rule(path, target, rule.title, rule.lang)
    return warnings


def read_file(content: Path, relative: str, languages: Iterable[str], default_lang: str,
              finding: Callable[..., str]) -> tuple[list[Claim], list[str]]:
    """Claims of the redirects file (`"/old/" = "/new/"`), and warnings for what is wrong."""
    path = content / relative
    if not path.is_file() or linked_part(content, relative):
        return [], []  # a link is refused by name (core/sources.py), never read
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = getattr(error, "lineno", None) or 1
        return [], [finding(relative, line, f"cannot be read: {error}",
                            'write one `"/old/path/" = "/new/path/"` per line')]
    lines = text.splitlines()
    claims, warnings = [], []
    for old, new in table.items():
        line = next((n for n, text in enumerate(lines, 1) if old in text), 1)
        if not isinstance(new, str) or not new.startswith("/") \
                or re.search(r"[\s\x00-\x1f\x7f]", new):
            warnings.append(finding(relative, line, f"{old!r} leads to {new!r}, not to a path",
                                    'give the new path in quotes, e.g. "/articles/x/"'))
            continue
        first = new.strip("/").split("/", 1)[0]
        lang = first if first in languages else default_lang
        claims.append(Claim(old, new.lstrip("/"), new, lang, relative, line))
    return claims, warnings


# --- formats -----------------------------------------------------------------------------------

def _variants(rule: Rule) -> list[str]:
    """The decoded path with and without its trailing slash (servers match exactly)."""
    paths = [rule.path]
    if rule.path.endswith("/") and rule.path != "/":
        paths.append(rule.path.rstrip("/"))
    return paths


def netlify(rules: list[Rule], status: int) -> str:
    return "".join(f"{rule.encoded} {rule.location} {status}\n" for rule in rules)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def nginx(rules: list[Rule]) -> str:
    lines = ["# Old URLs of the site -> their new pages. Generated by the build: do not edit.",
             "# In the http block: include this file; in the server block:",
             "#     if ($expio_redirect) { return 301 $expio_redirect; }",
             "map $uri $expio_redirect {", '    default "";']
    for rule in rules:
        lines += [f"    {_quoted(path)} {_quoted(rule.location)};" for path in _variants(rule)]
    return "\n".join(lines + ["}"]) + "\n"


def caddy(rules: list[Rule], status: int) -> str:
    code = "permanent" if status == 301 else str(status)
    lines = ["# Old URLs of the site -> their new pages. Generated by the build: do not edit.",
             "# Inside the site block: import /path/to/output/_redirects.caddy"]
    for rule in rules:
        lines += [f"redir {_quoted(path)} {_quoted(rule.location)} {code}"
                  for path in _variants(rule)]
    return "\n".join(lines) + "\n"


def page(rule: Rule, site_url: str) -> str:
    target = html.escape(rule.location)
    canonical = html.escape(site_url.rstrip("/") + "/" + rule.target.lstrip("/")
                            if urlparse(site_url).path in ("", "/")
                            else urlparse(site_url)._replace(path=rule.target).geturl())
    title = html.escape(rule.title or rule.target)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html.escape(rule.lang)}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n"
        '<meta name="robots" content="noindex">\n'
        f'<meta http-equiv="refresh" content="0; url={target}">\n'
        f'<link rel="canonical" href="{canonical}">\n'
        "</head>\n<body>\n"
        f'<p>{html.escape(_MOVED.get(rule.lang, _MOVED["en"]))} '
        f'<a href="{target}">{title}</a></p>\n'
        "</body>\n</html>\n"
    )


def page_file(site_dir: Path, path: str) -> Path:
    """Where a static server looks for an old path: `/a/` and `/a` → a/index.html."""
    relative = path.strip("/")
    if not relative:
        return site_dir / "index.html"
    last = relative.rsplit("/", 1)[-1]
    if not path.endswith("/") and "." in last:
        return site_dir / relative
    return site_dir / relative / "index.html"


def write(site_dir: Path, rules: list[Rule], settings: dict, config: dict) -> list[str]:
    """Write the redirect pages and the three rule files; returns warnings."""
    warnings = []
    root = site_dir.resolve()
    for rule in rules:
        target = page_file(site_dir, rule.path)
        if not target.resolve().is_relative_to(root):
            continue  # "/../x": never outside the output
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page(rule, settings["SITEURL"]), encoding="utf-8")
    limit, status = config["rule_limit"], config["status"]
    (site_dir / "_redirects").write_text(netlify(rules[:limit], status), encoding="utf-8")
    rest = site_dir / "_redirects.rest"
    if len(rules) > limit:
        rest.write_text(netlify(rules[limit:], status), encoding="utf-8")
        warnings.append(
            f"_redirects: {len(rules)} redirects, more than the {limit} a _redirects file may "
            f"hold on Cloudflare Pages; the first {limit} are in _redirects, the other "
            f"{len(rules) - limit} in _redirects.rest (their static redirect pages still work) "
            "— on Netlify append _redirects.rest to _redirects; elsewhere use the nginx or "
            "Caddy file")
    (site_dir / "_redirects.nginx").write_text(nginx(rules), encoding="utf-8")
    (site_dir / "_redirects.caddy").write_text(caddy(rules, status), encoding="utf-8")
    return warnings
