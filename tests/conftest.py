"""Shared fixtures: building a site into a temporary folder.

`build_site(content, strict=False, **settings)` builds a content folder (default: the small
fixture site in tests/fixtures/site/content) with the project's pelicanconf.py and returns the
BuildReport; `report.output` is the built folder. `real_site` is the real content/, built once
per test session. `chromium_browser`: headless Chromium (tests/browser.py) for a test module.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from sitebuild.build import BuildReport, build
from sitebuild.config import BuildOptions

# Newsletter fakes: fake_mailchimp, smtp_server, serve_app.
pytest_plugins = ["tests.fakes.fixtures"]

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_SITE = ROOT / "tests" / "fixtures" / "site" / "content"


def build_into(output: Path, content: Path = FIXTURE_SITE, *, strict: bool = False,
               settings_file: Path = ROOT / "pelicanconf.py", **settings) -> BuildReport:
    options = BuildOptions(
        settings_file=settings_file, content=content, output=output, strict=strict,
        cache=False, overrides=tuple(settings.items()),
    )
    return build(options)


def build_fixture_with(root: Path, files: dict[str, str],
                       appended: dict[str, str] | None = None) -> Path:
    """The fixture site copied to root/content with `files` written (paths relative to
    content/) and `appended` added to the end of existing files; built, returns the output."""
    content = root / "content"
    shutil.copytree(FIXTURE_SITE, content)
    for relative, text in (appended or {}).items():
        with (content / relative).open("a", encoding="utf-8") as handle:
            handle.write(text)
    for relative, text in files.items():
        (content / relative).parent.mkdir(parents=True, exist_ok=True)
        (content / relative).write_text(text, encoding="utf-8")
    return build_into(root / "output", content).output


@pytest.fixture
def build_site(tmp_path: Path):
    """Factory: build a content folder into tmp_path/output and return the BuildReport."""

    def _build(content: Path = FIXTURE_SITE, **kwargs) -> BuildReport:
        return build_into(tmp_path / "output", content, **kwargs)

    return _build


@pytest.fixture(scope="session")
def real_site(tmp_path_factory) -> Path:
    """The real content/ built once for the session; returns the output folder."""
    output = tmp_path_factory.mktemp("real-site") / "output"
    build_into(output, ROOT / "content")
    return output


@pytest.fixture(scope="module")
def chromium_browser():
    from playwright.sync_api import sync_playwright

    from tests.browser import launch

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _quiet_pelican():
    logging.getLogger("pelican").setLevel(logging.WARNING)
