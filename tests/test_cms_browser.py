"""The web editor in headless Chromium against `make cms`'s local mode, on a scratch copy of
the fixture site: write a new article in both languages, edit an old `Key: value` one, and
check the files on disk and the site the devserver rebuilds from them."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from core import catalogue
from core.translit import slugify
from sitebuild.config import BuildOptions, read_base
from tests.conftest import FIXTURE_SITE, ROOT
from tests.test_serve import _free_port, _wait_for  # the devserver's test starts it the same way

pytestmark = pytest.mark.browser

SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="36">'
       b'<rect width="64" height="36" fill="#4a7"/></svg>')


@dataclasses.dataclass
class Editor:
    base: str
    content: Path
    output: Path
    settings_file: Path
    log: list[str]


@pytest.fixture(scope="module")
def cms(tmp_path_factory) -> Editor:
    """`python -m sitebuild cms` (what `make cms` runs) on a copy of the fixture site, with the
    editor's interface in English so the test can name its buttons."""
    root = tmp_path_factory.mktemp("cms-repo")
    content = root / "content"
    shutil.copytree(FIXTURE_SITE, content)
    settings_file = root / "cms_settings.py"
    settings_file.write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *  # noqa\n"
        f"THEME = {str(ROOT / 'theme')!r}\nPLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]\n"
        f"CACHE_PATH = {str(root / 'cache')!r}\nCMS = {{**CMS, 'ui_locale': 'en'}}\n",
        encoding="utf-8")
    output = root / "output"
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'plugins'}",
           "NEWSLETTER_STATE_DIR": str(root / "state"), "TZ": "Europe/Kyiv"}
    server = subprocess.Popen(
        [sys.executable, "-m", "sitebuild", "cms", "--settings", str(settings_file),
         "--content", str(content), "--output", str(output), "--port", str(port)],
        cwd=root, env=env, stderr=subprocess.PIPE, text=True)
    log: list[str] = []
    threading.Thread(target=lambda: log.extend(server.stderr), daemon=True).start()
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{base}/admin/").status_code == 200
        except httpx.TransportError:
            return False

    try:
        _wait_for(up, 180, "make cms to serve /admin/")
        yield Editor(base, content, output, settings_file, log)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture
def editor(chromium_browser, cms: Editor):
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB",
                                  timezone_id="Europe/Kyiv")
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda message: problems.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(f"{cms.base}/admin/")
    page.get_by_role("button", name="Login").click()
    expect(page.get_by_text("Collections")).to_be_visible(timeout=30_000)
    page.wait_for_url("**/admin/#/collections/**")  # where Decap goes after logging in
    yield page
    context.close()
    assert problems == []


def field(page: Page, label: str, locale: int) -> str:
    """The id of a field's input in the uk (0) or en (1) pane, found by its label."""
    labels = page.locator("label").filter(has_text=label)
    expect(labels.first).to_be_visible(timeout=30_000)
    for_ids = [labels.nth(i).get_attribute("for") for i in range(labels.count())
               if labels.nth(i).text_content().split(" (optional)")[0].strip() == label]
    return "#" + for_ids[locale]


def choose(page: Page, label: str, locale: int, option: str) -> None:
    """A select widget (react-select): type, then pick the option."""
    control = page.locator(field(page, label, locale))
    control.click()
    control.fill(option)
    page.keyboard.press("Enter")


def text_editor(page: Page, locale: int):
    """The rich-text editor of the `body` field in the uk (0) or en (1) pane."""
    return page.locator("[data-slate-editor=true]").nth(locale)


def entries(settings_file: Path, content: Path) -> dict[str, catalogue.Entry]:
    settings = read_base(BuildOptions(settings_file=settings_file, content=content))
    return {entry.path: entry for entry in catalogue.build(settings).entries}


def meaning(entry: catalogue.Entry) -> dict:
    """What an entry says to the build, apart from its text and where it was read from."""
    said = dataclasses.asdict(entry)
    for name in ("digest", "stat", "body", "body_line", "problems"):
        said.pop(name)
    said["fields"] = {name: field.value for name, field in entry.fields.items()}
    return said


def test_the_slug_of_a_new_entry_is_core_translit(editor: Page) -> None:
    page = editor
    titles = ["Нічні жахи після травми", "Згадка про Їжака: 5 кроків", "ПТСР у ВІЙСЬКОВИХ",
              "Юрій і Яна п'ють чай", "Café déjà vu", "Щастя — це «розмова»", "???",
              "Ґанок, Єва, йод " * 8]
    slugs = page.evaluate("""async (titles) => {
        const {slugify} = await import('/admin/translit.js');
        return titles.map((title) => slugify(title));
    }""", titles)
    assert slugs == [slugify(title) for title in titles]


def test_a_new_article_in_both_languages(editor: Page, cms: Editor) -> None:
    page = editor
    page.goto(f"{cms.base}/admin/#/collections/ptsd/new")
    title_uk, title_en = "Сон і тривога: що допомагає", "Sleep and anxiety: what helps"
    page.locator(field(page, "Title", 0)).fill(title_uk)
    page.locator(field(page, "Title", 1)).fill(title_en)
    page.locator(field(page, "Date of publication", 0)).fill("2025-03-14")
    choose(page, "Status", 0, "published")
    choose(page, "Status", 1, "published")
    page.locator(field(page, "Summary", 0)).fill("Як сон пов'язаний з тривогою.")
    page.locator(field(page, "Summary", 1)).fill("How sleep and anxiety are linked.")
    choose(page, "Medically reviewed by", 0, "Тест")
    page.locator(field(page, "Date of the medical review", 0)).fill("2025-03-01")
    choose(page, "References", 0, "sample2020")
    # The lead image: uploaded through the media library into content/images.
    page.get_by_role("button", name="Choose an image").first.click()
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "calm-room.svg", "mimeType": "image/svg+xml", "buffer": SVG}])
    # Decap selects the file it has just uploaded.
    expect(page.get_by_text("calm-room.svg", exact=True)).to_be_visible()
    page.get_by_role("button", name="Choose selected").click()
    page.locator(field(page, "Lead image: text alternative", 0)).fill("Тиха кімната")
    page.locator(field(page, "Lead image: text alternative", 1)).fill("A quiet room")
    for locale, text in ((0, "Сон повертається поступово [@sample2020]."),
                         (1, "Sleep comes back slowly [@sample2020].")):
        text_editor(page, locale).click()
        page.keyboard.type(text)
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("Publish now").click()
    expect(page.get_by_text("Changes saved")).to_be_visible(timeout=30_000)

    slug = slugify(title_uk)
    assert slug == "son-i-tryvoha-shcho-dopomahaie"
    folder = cms.content / "articles" / "ptsd"
    paths = [folder / f"{slug}.uk.md", folder / f"{slug}.en.md"]
    _wait_for(lambda: all(path.exists() for path in paths), 30, "both files")
    assert (cms.content / "images" / "calm-room.svg").read_bytes() == SVG
    found = entries(cms.settings_file, cms.content)
    uk, en = (found[path.relative_to(cms.content).as_posix()] for path in paths)
    for entry, title, alt in ((uk, title_uk, "Тиха кімната"), (en, title_en, "A quiet room")):
        text = (cms.content / entry.path).read_text(encoding="utf-8")
        assert text.startswith("---\n"), text  # YAML front matter
        assert entry.problems == [], entry.problems
        assert (entry.title, entry.category, entry.status) == (title, "ptsd", "published")
        assert entry.date.isoformat() == "2025-03-14T00:00:00+02:00"
        assert entry.reviewed_by == "tester" and entry.references == ("sample2020",)
        assert entry.reviewed_on.date().isoformat() == "2025-03-01"
        assert entry.fields["image"].value == "{static}/images/calm-room.svg"
        assert entry.fields["image_alt"].value == alt
        assert "[@sample2020]" in entry.body
    assert uk.key == en.key == slug

    # The devserver rebuilds from the saved files: both pages, linked as translations.
    uk_page = cms.output / "articles" / slug / "index.html"
    en_page = cms.output / "en" / "articles" / slug / "index.html"
    _wait_for(lambda: uk_page.exists() and en_page.exists(), 120,
              "the rebuilt pages: " + "".join(cms.log[-10:]))
    english = httpx.get(f"{cms.base}/en/articles/{slug}/").text
    ukrainian = httpx.get(f"{cms.base}/articles/{slug}/").text
    assert f'hreflang="uk" href="{cms.base}/articles/{slug}/"' in english
    assert f'hreflang="en" href="{cms.base}/en/articles/{slug}/"' in ukrainian
    assert 'href="#ref-sample2020"' in english and "calm-room.svg" in english


def test_an_old_header_article_means_the_same_after_an_edit(editor: Page, cms: Editor) -> None:
    page = editor
    paths = ["articles/ptsd/night-terrors.uk.md", "articles/ptsd/night-terrors.en.md"]
    source = cms.content / paths[0]  # as the WordPress importer leaves it: no field in the
    source.write_text(  # editor's form may lose what the redirects and re-imports need
        source.read_text(encoding="utf-8").replace(
            "references: sample2020\n", "references: sample2020\nold_urls: /2020/01/zhakhy/, "
            "/2019/05/nichni-zhakhy/\nimport_hash: 5f1a9c\n", 1), encoding="utf-8")
    before = entries(cms.settings_file, cms.content)
    assert before[paths[0]].fields["import_hash"].value == "5f1a9c"
    assert not (cms.content / paths[0]).read_text(encoding="utf-8").startswith("---")
    page.goto(f"{cms.base}/admin/#/collections/ptsd/entries/night-terrors")
    expect(page.locator(field(page, "Title", 0))).to_have_value("Нічні жахи після травми")
    text_editor(page, 0).get_by_text("Нічні жахи часто").click()
    page.keyboard.press("End")
    page.keyboard.type(" Сон — це ліки.")
    expect(page.get_by_text("Unsaved changes")).to_be_visible()
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("Publish now").click()
    expect(page.get_by_text("Changes saved")).to_be_visible(timeout=30_000)
    _wait_for(lambda: "Сон — це ліки." in (cms.content / paths[0]).read_text("utf-8"), 30,
              "the edit on disk")
    after = entries(cms.settings_file, cms.content)
    for path in paths:
        assert meaning(after[path]) == meaning(before[path]), path
        assert after[path].problems == []
    assert "Нічні жахи часто з'являються" in after[paths[0]].body
    # The clinic's comment went through its editor button and came back as written.
    assert "!!! clinic-comment\n\n    Ми працюємо з порушеннями сну щодня." in after[paths[0]].body


def test_the_checks_findings_show_above_the_preview(editor: Page, cms: Editor) -> None:
    page = editor
    (cms.content / "articles/ptsd/wrong-category.uk.md").write_text(
        "---\ntitle: Хибна категорія\ndate: 2025-01-01\ncategory: depresion\n---\n\nТекст.\n",
        encoding="utf-8")
    findings = cms.output / "admin" / "findings.json"
    _wait_for(lambda: findings.exists() and "wrong-category" in findings.read_text("utf-8"),
              120, "the rebuild's findings")
    page.goto(f"{cms.base}/admin/#/collections/ptsd/entries/wrong-category")
    page.get_by_role("button", name="Toggle i18n").click()  # Ukrainian only,
    page.get_by_role("button", name="Toggle preview").click()  # and its preview
    preview = page.frame_locator("iframe").first
    expect(preview.get_by_text(
        "wrong-category.uk.md:4: category: unknown category 'depresion' (did you mean "
        "'depression'?)", exact=False)).to_be_visible(timeout=30_000)


def test_the_editor_is_never_reloaded_by_a_rebuild(cms: Editor) -> None:
    """Pages get the devserver's reload script; the editor would lose unsaved work with it."""
    assert "__livereload" in httpx.get(f"{cms.base}/").text
    editor_page = httpx.get(f"{cms.base}/admin/")
    assert "__livereload" not in editor_page.text
    assert "'unsafe-eval'" in editor_page.headers["content-security-policy"]
    assert "'unsafe-eval'" not in httpx.get(f"{cms.base}/").headers["content-security-policy"]
