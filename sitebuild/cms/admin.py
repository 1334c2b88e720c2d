"""output/admin/: the web editor, served as static files, with its own security policy.

The editor is Decap CMS from the pinned npm package (node_modules/decap-cms, installed by
`npm ci` in `make cms`, `make publish` and `make test`); nothing comes from a CDN. A build
without node_modules still writes the configuration, and says how to get the editor.
"""

from __future__ import annotations

import html
import json
import logging
from pathlib import Path
from string import Template
from urllib.parse import urlsplit

from core.catalogue import Catalogue
from sitebuild.cms import config as cms_config

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"
STATIC = Path(__file__).with_name("static")
PREFIX = "/admin/"  # where the editor is served; its policy applies below it
FINDINGS = "findings.json"  # `make cms` only: the checks' findings, shown in the preview
UI = {"uk": {"clinicComment": "Коментар клініки", "cite": "Посилання на джерело",
             "reference": "Джерело", "findings": "Перевірка збірки знайшла:"},
      "en": {"clinicComment": "Clinic comment", "cite": "Cite a reference",
             "reference": "Reference", "findings": "The build's checks found:"}}


def bundle_files(node_modules: Path = NODE_MODULES) -> dict[str, Path] | None:
    """Files to copy under admin/vendor/, or None when the npm packages are not installed:
    Decap's bundle with the chunks it loads on demand (no source maps), the YAML library."""
    decap = node_modules / "decap-cms" / "dist"
    yaml_dist = node_modules / "yaml" / "browser" / "dist"
    if not (decap / "decap-cms.js").is_file() or not (yaml_dist / "index.js").is_file():
        return None
    files = {f"decap/{path.name}": path for path in sorted(decap.iterdir())
             if path.name.endswith(("decap-cms.js", ".wasm")) or path.name.endswith("LICENSE.txt")}
    files |= {f"yaml/{path.relative_to(yaml_dist).as_posix()}": path
              for path in sorted(yaml_dist.rglob("*.js"))}
    return files


def write(site_dir: Path, settings: dict, site: Catalogue,
          node_modules: Path = NODE_MODULES) -> None:
    """Write admin/ into the site being built (`site_dir`, renamed to OUTPUT_PATH after)."""
    admin = site_dir / PREFIX.strip("/")
    place = _Placer(admin, Path(settings["OUTPUT_PATH"]) / PREFIX.strip("/"))
    generated = cms_config.generate(settings, site.reviewers, site.references)
    place(Path("config.yml"), cms_config.dump(generated).encode())
    if cms_config.load(settings)["local_proxy"]:
        place(Path(FINDINGS), findings_json(settings, site))
    files = bundle_files(node_modules)
    if files is None:
        logger.info("output/admin/ has the editor's config.yml only: the editor itself comes "
                    "from npm (`make cms` and `make publish` install it)")
        return
    for relative, source in files.items():
        place(Path("vendor") / relative, source.read_bytes())
    for name in ("manual-init.js", "admin.js", "translit.js"):
        place(Path(name), (STATIC / name).read_bytes())
    ui = cms_config.load(settings)["ui_locale"]
    page = Template((STATIC / "index.html").read_text(encoding="utf-8")).substitute(
        lang=ui, title=html.escape(f"{settings['SITENAME']} · CMS"),
        noscript=html.escape("The editor needs JavaScript."))
    place(Path("index.html"), page.encode())
    site_data = _site_data(settings, generated, site.references, ui)
    place(Path("site.json"), json.dumps(site_data, ensure_ascii=False, indent=1).encode())


class _Placer:
    """Writes a file of admin/, or hard-links the previous build's when the bytes are the
    same: a rebuild then neither copies the 6 MB bundle nor changes a page it did not change."""

    def __init__(self, target: Path, previous: Path) -> None:
        self.target, self.previous = target, previous

    def __call__(self, relative: Path, data: bytes) -> None:
        target, old = self.target / relative, self.previous / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            if old.stat().st_size == len(data) and old.read_bytes() == data:
                target.hardlink_to(old)
                return
        except OSError:
            pass  # no previous build, or it differs, or links are not possible here
        target.write_bytes(data)


def findings_json(settings: dict, site: Catalogue) -> bytes:
    """{repository path: ["line: field: problem — fix", …]} of the content checks, for the
    editor's preview in `make cms` (never in a published build: drafts' problems are
    nobody else's business)."""
    from core.findings import WARNING
    from sitebuild.checks import run_all

    content = Path(settings["PATH"]).resolve()
    by_path: dict[str, list[str]] = {}
    for finding in run_all(site, settings):
        where = (content / finding.path).relative_to(cms_config.repo_root(settings)).as_posix()
        note = "" if finding.level == WARNING else f" ({finding.level})"
        by_path.setdefault(where, []).append(
            f"{finding.line}: {finding.field}: {finding.problem} — {finding.fix}{note}")
    return json.dumps(by_path, ensure_ascii=False, indent=1).encode()


def _site_data(settings: dict, generated: dict, references: dict, ui: str) -> dict:
    base = urlsplit(settings["SITEURL"]).path.rstrip("/")
    default = settings["DEFAULT_LANG"]
    return {
        "defaultLang": default,
        "previewStyle": f"{base}/{settings['THEME_STATIC_DIR']}/css/site.css",
        "calloutTitle": settings.get("CLINIC_COMMENT_TITLE", {}),
        "categories": {slug: names.get(default, slug)
                       for slug, names in settings["CATEGORIES"].items()},
        "references": [{"label": cms_config.reference_label(key, data), "value": key}
                       for key, data in references.items()],
        "listFields": cms_config.list_fields(generated),
        "previewCollections": [c["name"] for c in generated["collections"] if "folder" in c],
        "ui": UI.get(ui, UI["en"]),
        "findings": FINDINGS if cms_config.load(settings)["local_proxy"] else None,
    }


def policy(settings: dict) -> str:
    """The Content-Security-Policy of /admin/: the site's, loosened only where Decap needs it.

    - style-src 'unsafe-inline': Decap styles its interface with CSS-in-JS (<style> elements);
    - script-src 'unsafe-eval': Decap compiles its config schema at run time (ajv);
    - img-src blob:, connect-src blob:: images chosen but not yet saved (Decap reads them back);
    - connect-src: the backend's API (and in `make cms` the local proxy);
    - frame-src 'self' blob:: the preview pane.
    """
    cms = cms_config.load(settings)
    connect = ["'self'", "blob:", *_backend_origins(cms["backend"])]
    if cms["local_proxy"]:
        connect.append(_origin(cms["local_proxy"]))
    return "; ".join([
        "default-src 'self'",
        "script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        f"connect-src {' '.join(dict.fromkeys(connect))}",
        "frame-src 'self' blob:",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ])


_API = {"github": "https://api.github.com", "gitlab": "https://gitlab.com"}


def _backend_origins(backend: dict) -> list[str]:
    """Origins the editor's backend talks to: its API and its login (PKCE token exchange)."""
    origins = [backend.get("api_root") or _API.get(backend["name"], ""), backend.get("base_url")]
    return [_origin(url) for url in origins if url]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def headers_block(settings: dict) -> list[str]:
    """_headers lines for /admin/*: the site's headers with the editor's policy instead.
    (`! Content-Security-Policy` detaches the site-wide one on Cloudflare Pages.)"""
    return [f"{PREFIX}*", "  ! Content-Security-Policy",
            f"  Content-Security-Policy: {policy(settings)}"]
