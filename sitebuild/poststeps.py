"""Steps on the rendered site before it is swapped in: each returns warnings, or raises."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from urllib.parse import urlparse

from core.catalogue import DRAFT, Catalogue
from core.findings import Finding
from core.languages import language_prefix
from sitebuild import config, redirects
from sitebuild.cms import admin

logger = logging.getLogger(__name__)


class SecretLeak(Exception):
    """A secret from the environment appears in the output."""


def run(site_dir: Path, settings: dict, site: Catalogue, options) -> list[str]:
    """After rendering and search indexing (sitebuild/search.py)."""
    if not settings.get("EDITOR_REPORTS", True):
        # Review status and related-lists reports are for editors, not for the public site.
        shutil.rmtree(site_dir / "reports", ignore_errors=True)
    admin.write(site_dir, settings, site)
    write_headers_file(site_dir, settings)
    warnings = write_redirects(site_dir, settings, site)
    check_no_secrets(site_dir)
    if settings.get("PRECOMPRESS"):
        precompress(site_dir)
    return warnings


def write_redirects(site_dir: Path, settings: dict, site: Catalogue) -> list[str]:
    """Redirects from each source's `old_urls` to its page (sitebuild/redirects.py)."""
    options = redirects.load(settings)
    claims = [
        redirects.Claim(old, entry.url, entry.title, entry.lang, entry.path,
                        entry.line_of(redirects.FIELD))
        for entry in site.entries if entry.status != DRAFT and redirects.FIELD in entry.fields
        for old in redirects.split(entry.fields[redirects.FIELD].value)
    ]

    def page_at(path: str) -> str | None:
        found = redirects.page_file(site_dir, path)
        if not found.is_file():
            return None
        relative = found.relative_to(site_dir).as_posix()
        return relative.removesuffix("index.html")

    def finding(source: str, line: int, problem: str, fix: str) -> str:
        field = "redirect" if source == options["file"] else redirects.FIELD
        return str(Finding(source, line, field, problem, fix))

    more, warnings = redirects.read_file(Path(settings["PATH"]), options["file"],
                                         site.languages, settings["DEFAULT_LANG"], finding)
    claims += more
    base = "/" + urlparse(settings["SITEURL"]).path.strip("/")
    rules, found = redirects.plan(claims, base.rstrip("/") + "/", page_at, finding)
    warnings += found
    warnings += redirects.write(site_dir, rules, settings, options)
    for warning in warnings:
        logger.warning("%s", warning)
    return warnings


def check_languages_rendered(site_dir: Path, settings: dict, site: Catalogue) -> list[str]:
    """Every language has its home page: a run that silently produced nothing fails here."""
    missing = [lang for lang in site.languages
               if not (site_dir / language_prefix(settings, lang) / "index.html").exists()]
    if missing:
        raise RuntimeError(f"no home page was rendered for: {', '.join(missing)}")
    return []


def check_no_secrets(site_dir: Path) -> None:
    """Refuse to publish a build in which an environment secret appears anywhere."""
    secrets = [s.encode() for s in config.environment_secrets()]
    if not secrets:
        return
    for path in site_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if any(secret in data for secret in secrets):
                raise SecretLeak(
                    f"a secret from the environment appears in {path.relative_to(site_dir)}: "
                    "secrets must never reach settings or templates"
                )


def write_headers_file(site_dir: Path, settings: dict) -> None:
    """`_headers` (Netlify / Cloudflare Pages format): the headers `make serve` sends."""
    headers = settings.get("SECURITY_HEADERS") or {}
    lines = ["/*", *(f"  {name}: {value}" for name, value in headers.items()),
             *admin.headers_block(settings)]
    (site_dir / "_headers").write_text("\n".join(lines) + "\n", encoding="utf-8")


COMPRESSIBLE = frozenset({".html", ".css", ".js", ".xml", ".json", ".svg", ".txt", ".map"})


def precompress(site_dir: Path, minimum: int = 1024) -> None:
    """`.gz` and `.br` beside every text file worth compressing (deterministic bytes)."""
    import gzip

    import brotli

    for path in sorted(site_dir.rglob("*")):
        if path.suffix not in COMPRESSIBLE or not path.is_file():
            continue
        data = path.read_bytes()
        if len(data) < minimum:
            continue
        path.with_name(path.name + ".gz").write_bytes(gzip.compress(data, 9, mtime=0))
        # Quality 9 is within a few percent of 11 here at a fraction of the time.
        path.with_name(path.name + ".br").write_bytes(brotli.compress(data, quality=9))
