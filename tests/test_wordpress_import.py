"""The WordPress importer end to end: our fixture export (tests/fixtures/wordpress/export.xml:
Polylang pairs, Elementor and classic posts, drafts, private and trashed items, resized image
variants, shortcodes, a CDATA section split by `]]>`, percent-encoded Cyrillic slugs) imported
into a copy of the fixture site, built, and every old URL requested over HTTP."""

from __future__ import annotations

import datetime
import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import quote, urljoin

import httpx
import pytest

from importers.wordpress.__main__ import main as import_main
from tests.conftest import FIXTURE_SITE, ROOT, build_into

WP = ROOT / "tests" / "fixtures" / "wordpress"
OLD_SITE = "https://expio.com.ua"
BUILD_DATE = datetime.date(2026, 12, 1)

# Every published item of the export: its old link → where the new site serves it.
OLD_URLS = {
    "/птср-і-сон/": "/articles/ptsd-and-sleep/",
    "/en/ptsd-and-sleep/": "/en/articles/ptsd-and-sleep/",
    "/stres-druh-chy-voroh/": "/articles/stress-friend-or-foe/",
    "/en/stress-friend-or-foe/": "/en/articles/stress-friend-or-foe/",
    "/en/ptsd-–-and-sleep/": "/en/articles/ptsd-and-sleep-2/",
    "/про-нас/": "/about-us/",
    "/en/about-us/": "/en/about-us/",  # same path on both sites: no redirect needed
    # category archives, from content/data/redirects.toml
    "/category/птср/": "/category/ptsd/",
    "/en/category/stress-en/": "/en/category/stress/",
}


def run_import(content: Path, report: Path, *extra: str) -> int:
    return import_main(["--wxr", str(WP / "export.xml"), "--uploads", str(WP / "uploads"),
                        "--content", str(content), "--report", str(report), *extra])


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> Path:
    """A copy of the fixture site with the export imported into it; returns its root."""
    root = tmp_path_factory.mktemp("wp-import")
    shutil.copytree(FIXTURE_SITE, root / "content")
    assert run_import(root / "content", root / "report.txt") == 0
    return root


@pytest.fixture(scope="module")
def built(imported: Path):
    """The imported site built as `make html` does; returns the BuildReport."""
    return build_into(imported / "output", imported / "content", SITE_BUILD_DATE=BUILD_DATE)


def read(root: Path, relative: str) -> str:
    return (root / "content" / relative).read_text(encoding="utf-8")


def header(text: str) -> dict[str, str]:
    head = text.split("\n\n", 1)[0]
    return dict(line.split(": ", 1) for line in head.splitlines())


# --- files and metadata --------------------------------------------------------------------------

def test_files_land_in_our_layout_with_one_ascii_name_per_pair(imported: Path) -> None:
    written = sorted(p.relative_to(imported / "content").as_posix()
                     for p in (imported / "content").rglob("*.md")
                     if "import_hash" in p.read_text(encoding="utf-8"))
    assert written == [
        "articles/depression/shchodennyk-emotsii.uk.md",  # draft, title in KMU 2010
        "articles/ptsd/ptsd-and-sleep.en.md",
        "articles/ptsd/ptsd-and-sleep.uk.md",  # the English post_name names the pair
        "articles/stress/stress-friend-or-foe.en.md",
        "articles/stress/stress-friend-or-foe.uk.md",
        "articles/uncategorized/ptsd-and-sleep-2.en.md",  # collision → suffix, alone
        "pages/about-us.en.md",
        "pages/about-us.uk.md",
        "pages/search-2.uk.md",  # `search` is our search page
    ]
    assert all(re.fullmatch(r"[a-z0-9/.-]+", name) for name in written)


def test_metadata_of_a_builder_post(imported: Path) -> None:
    fields = header(read(imported, "articles/ptsd/ptsd-and-sleep.uk.md"))
    assert fields["title"] == "ПТСР і сон: що варто знати"
    assert fields["date"] == "2024-03-04 09:30"
    assert fields["modified"] == "2024-06-10 12:00"
    assert fields["category"] == "ptsd"  # WordPress slug %d0%bf… = "птср", by display name
    assert fields["tags"] == "сон, травма"  # the tag, then the second category's name
    assert fields["authors"] == "Олена Коваль"
    assert fields["summary"] == "Як травма впливає на сон."
    assert fields["image"] == "{static}/images/2024/03/calm-room.jpg"
    assert fields["image_alt"] == "Світла кімната для консультацій"
    assert fields["old_urls"] == "/" + quote("птср-і-сон") + "/"
    assert "status" not in fields


def test_categories_map_through_translation_groups_and_unmapped_ones_are_reported(
        imported: Path) -> None:
    # "Стрес і тривога" matches nothing; its Polylang translation "Stress" does.
    assert header(read(imported, "articles/stress/stress-friend-or-foe.uk.md"))["category"] \
        == "stress"
    assert header(read(imported, "articles/uncategorized/ptsd-and-sleep-2.en.md"))["category"] \
        == "uncategorized"
    report = (imported / "report.txt").read_text(encoding="utf-8")
    assert "category 'old-notes' (Old notes)" in report


def test_drafts_are_drafts_and_private_trashed_and_other_types_are_skipped(
        imported: Path) -> None:
    draft = header(read(imported, "articles/depression/shchodennyk-emotsii.uk.md"))
    assert draft["status"] == "draft" and "old_urls" not in draft  # ?p=105 is no path
    report = (imported / "report.txt").read_text(encoding="utf-8")
    for line in ("status private: 1", "status trash: 1", "type revision: 1",
                 "type nav_menu_item: 1", "type elementor_library: 1",
                 "uk article published: 2", "en article published: 3", "uk article draft: 1",
                 "uk page published: 2", "en page published: 1"):
        assert line in report
    assert not list((imported / "content").rglob("pryvatnyi*"))


# --- bodies ------------------------------------------------------------------------------------

def test_elementor_body_comes_from_the_widgets_not_the_stale_copy(imported: Path) -> None:
    body = read(imported, "articles/ptsd/ptsd-and-sleep.uk.md").split("\n\n", 1)[1]
    assert "STALE" not in body
    assert "## Як травма змінює сон" in body  # heading without header_size → h2
    assert "**уривчастим**" in body
    assert "<script" not in body and "alert" not in body
    assert "![Світла кімната для консультацій]({static}/images/2024/03/calm-room.jpg)" in body
    assert '<iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in body
    assert "[Записатися]({filename}/pages/about-us.uk.md)" in body
    assert "- Кошмари\n- Безсоння" in body
    assert "\n---\n" in body  # divider
    assert "!!! clinic-comment\n\n    Порушення сну при ПТСР лікуються" in body
    assert "Коментар Експіо Центру" not in body  # the callout brings its own title
    # A link to the other language cannot be a {filename} link (each language builds alone).
    assert "[англійську версію](/en/articles/ptsd-and-sleep/)" in body


def test_classic_body_shortcodes_cdata_links_and_comment(imported: Path) -> None:
    body = read(imported, "articles/stress/stress-friend-or-foe.uk.md").split("\n\n", 1)[1]
    assert "<!--" not in body and "wp:paragraph" not in body
    assert "[статтю про сон]({filename}/articles/ptsd/ptsd-and-sleep.uk.md)" in body
    # [caption]: the original file (not -300x200), the caption as alt and below the image
    assert "![Кімната, де ми працюємо]({static}/images/2024/03/calm-room.jpg)\n" \
           "*Кімната, де ми працюємо*" in body
    assert "contact-form-7" not in body and "[su_note]" not in body
    assert "Важливо: стрес минає." in body  # an enclosing shortcode's text is kept
    assert "`a[b[0]]>c`" in body  # the CDATA split by ]]> joined again
    assert "gone.jpg" not in body  # missing image left out …
    assert "Стрес — це нормальна реакція." in body  # … the rest of the post kept
    assert "!!! clinic-comment" in body
    assert "javascript:" not in body and "onclick" not in body
    en = read(imported, "articles/stress/stress-friend-or-foe.en.md")
    assert "[sleep]({filename}/articles/ptsd/ptsd-and-sleep.en.md#sleep)" in en
    assert "[not_a_shortcode]" in en  # [[x]] is WordPress's escaped literal
    # [gallery]: the attachments' original files with their alt text (999 is not exported)
    assert "![Світла кімната для консультацій]({static}/images/2024/03/calm-room.jpg)\n\n" \
           "![]({static}/images/2024/05/night-city.png)" in en


def test_old_category_archives_go_to_the_redirects_file(imported: Path) -> None:
    text = read(imported, "data/redirects.toml")
    assert '"/category/%D0%BF%D1%82%D1%81%D1%80/" = "/category/ptsd/"' in text
    assert '"/en/category/stress-en/" = "/en/category/stress/"' in text
    assert '"/category/stres-i-tryvoha/" = "/category/stress/"' in text  # through its group
    assert "/category/son/" not in text  # matches none of ours: reported instead
    report = (imported / "report.txt").read_text(encoding="utf-8")
    assert "category 'son': /category/son/ matches none of our categories" in report


def test_images_are_the_originals(imported: Path) -> None:
    images = imported / "content" / "images"
    assert (images / "2024/03/calm-room.jpg").read_bytes() \
        == (WP / "uploads/2024/03/calm-room.jpg").read_bytes()
    assert not (images / "2024/03/calm-room-1024x683.jpg").exists()
    assert (images / "2024/05/night-city.png").is_file()


def test_report_lists_what_was_dropped_converted_missing_and_renamed(imported: Path) -> None:
    report = (imported / "report.txt").read_text(encoding="utf-8")
    assert "post 103 “Стрес: друг чи ворог”: [contact-form-7]" in report
    assert "post 101 “ПТСР і сон: що варто знати”: widget 'testimonial'" in report
    assert "html widget (passed through the sanitiser)" in report
    assert "2023/01/gone.jpg (not in the uploads folder; left out)" in report
    assert "'ptsd-and-sleep' is taken; named 'ptsd-and-sleep-2'" in report
    assert "featured image has no alt text; used 'Нічне місто'" in report
    assert "translation group 'pll_broken' (term_translations): not a PHP-serialised" in report
    assert "decided by polylang" in report
    assert "post 104 “Stress: friend or foe”: [gallery] → 2 images" in report
    assert "post 104 “Stress: friend or foe”: attachment 999 is not in the export" in report
    assert "post 104 “Stress: friend or foe”: https://expio.com.ua/wp-content/uploads/2024/05/" \
           "night-city.png has no alt text — add it" in report


# --- idempotence ---------------------------------------------------------------------------------

def test_a_second_import_changes_nothing_and_keeps_edited_files(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(FIXTURE_SITE, content)
    assert run_import(content, tmp_path / "first.txt") == 0
    snapshot = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in content.rglob("*")
                if p.is_file()}
    assert run_import(content, tmp_path / "second.txt") == 0
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in content.rglob("*")
            if p.is_file()} == snapshot
    second = (tmp_path / "second.txt").read_text(encoding="utf-8")
    assert "  written: 0\n" in second and "  unchanged: 10\n" in second
    assert "  images copied: 0\n" in second

    edited = content / "articles/ptsd/ptsd-and-sleep.en.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace(
        "fragmented", "broken up"), encoding="utf-8")
    untouched = content / "pages/about-us.en.md"
    untouched.write_text(untouched.read_text(encoding="utf-8").replace(
        "import_hash: ", "import_hash: 0"), encoding="utf-8")  # a stale stamp: edited too
    deleted = content / "pages/about-us.uk.md"
    deleted.unlink()
    assert run_import(content, tmp_path / "third.txt") == 0
    assert "broken up" in edited.read_text(encoding="utf-8")
    assert deleted.is_file()  # a deleted file comes back; an edited one stays as edited
    third = (tmp_path / "third.txt").read_text(encoding="utf-8")
    assert "kept (edited since the last import): 2\n" \
           "    articles/ptsd/ptsd-and-sleep.en.md\n    pages/about-us.en.md" in third


def test_an_unreadable_export_is_the_only_failure(tmp_path: Path, caplog) -> None:
    broken = tmp_path / "export.xml"
    broken.write_text("<rss><channel><item><title>x</title></channel></rss>", encoding="utf-8")
    code = import_main(["--wxr", str(broken), "--uploads", str(WP / "uploads"),
                        "--content", str(tmp_path / "content"),
                        "--report", str(tmp_path / "r.txt")])
    assert code == 2
    assert f"{broken}:1: column" in caplog.text and "not well-formed XML" in caplog.text
    assert not (tmp_path / "content").exists()


def test_existing_sources_keep_their_names(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(FIXTURE_SITE, content)
    (content / "pages" / "about-us.uk.md").write_text("title: Наш текст\n\nНаш.\n",
                                                      encoding="utf-8")
    assert run_import(content, tmp_path / "r.txt") == 0
    assert (content / "pages/about-us.uk.md").read_text(encoding="utf-8").startswith(
        "title: Наш текст")
    assert (content / "pages/about-us-2.en.md").is_file()


# --- the build and the old URLs ----------------------------------------------------------------

def test_the_imported_site_builds_and_warns_about_the_colliding_old_url(built) -> None:
    output = built.output
    assert (output / "articles/ptsd-and-sleep/index.html").is_file()
    assert (output / "en/articles/stress-friend-or-foe/index.html").is_file()
    assert (output / "images/2024/03/calm-room.jpg").is_file()
    assert not any("Traceback" in w or "Unable to find" in w for w in built.render_warnings)
    # /search/ of the old site is our search page now: the page wins and the build says so.
    assert [w for w in built.render_warnings if "old_urls" in w] == [
        "pages/search-2.uk.md:4: old_urls: old URL /search/ is a page of the new site "
        "(/search/); the page is kept and nothing redirects — remove the old URL or change "
        "the page's slug"]
    article = (output / "articles/ptsd-and-sleep/index.html").read_text(encoding="utf-8")
    assert 'class="clinic-comment"' in article
    assert "/images/2024/03/calm-room.jpg" in article


def test_make_html_builds_the_imported_site_without_a_traceback(imported: Path) -> None:
    """What `make html` runs, as a command: exit 0, no traceback, the collision warned."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'plugins'}"}
    done = subprocess.run([sys.executable, "-m", "sitebuild", "html", "--content",
                           str(imported / "content"), "--output", str(imported / "make-html"),
                           "--no-cache"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log
    assert "Traceback" not in log
    assert "pages/search-2.uk.md:4: old_urls: old URL /search/ is a page of the new site" in log
    assert (imported / "make-html" / "птср-і-сон" / "index.html").is_file()


def test_redirect_files(built) -> None:
    output = built.output
    netlify = (output / "_redirects").read_text(encoding="utf-8").splitlines()
    assert f"{quote('/птср-і-сон/')} /articles/ptsd-and-sleep/ 301" in netlify
    assert "/stres-druh-chy-voroh/ /articles/stress-friend-or-foe/ 301" in netlify
    # 6 posts and pages (/en/about-us/ is served as it is; /search/ collides), 5 categories
    assert len(netlify) == 11
    nginx = (output / "_redirects.nginx").read_text(encoding="utf-8")
    assert '    "/птср-і-сон/" "/articles/ptsd-and-sleep/";' in nginx
    rules = "".join(line for line in nginx.splitlines(True) if not line.startswith("#"))
    assert rules.count("{") == rules.count("}") == 1
    caddy = (output / "_redirects.caddy").read_text(encoding="utf-8")
    assert 'redir "/про-нас" "/about-us/" permanent' in caddy
    page = (output / "птср-і-сон" / "index.html").read_text(encoding="utf-8")
    assert '<meta http-equiv="refresh" content="0; url=/articles/ptsd-and-sleep/">' in page
    assert '<link rel="canonical" href="http://127.0.0.1:8000/articles/ptsd-and-sleep/">' in page
    assert '<a href="/articles/ptsd-and-sleep/">ПТСР і сон: що варто знати</a>' in page
    assert "<script" not in page and "style" not in page


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def static_server(built):
    """The built site from Python's plain http.server on a free port."""
    handler = functools.partial(_Quiet, directory=str(built.output))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join(5)


def _follow(base: str, old: str) -> tuple[str, str]:
    """Request an old URL as a browser sends it (percent-encoded UTF-8), follow HTTP and
    meta-refresh redirects; returns (final path, page)."""
    url = base + quote(old, safe="/")
    with httpx.Client(follow_redirects=True, timeout=10) as client:
        for _ in range(5):
            response = client.get(url)
            assert response.status_code == 200, (old, url, response.status_code)
            refresh = re.search(r'http-equiv="refresh" content="0; url=([^"]+)"', response.text)
            if refresh is None:
                return response.url.path, response.text
            url = urljoin(str(response.url), refresh[1])
    raise AssertionError(f"{old}: redirects never end")


@pytest.mark.parametrize("old, new", sorted(OLD_URLS.items()))
def test_every_old_url_leads_to_its_page_from_a_static_server(static_server, built, old: str,
                                                               new: str) -> None:
    for variant in {old, old.rstrip("/")}:  # with and without the trailing slash
        path, page = _follow(static_server, variant)
        assert path == new
        assert f'<link rel="canonical" href="http://127.0.0.1:8000{new}">' in page


def test_every_old_url_leads_to_its_page_from_make_serve(built, serve_app) -> None:
    from newsletter.config import load_config
    from newsletter.service import create_app

    base = serve_app(create_app(load_config(), static_dir=built.output))
    for old, new in OLD_URLS.items():
        path, page = _follow(base, old)
        assert path == new, old


@pytest.mark.browser
def test_a_browser_follows_an_old_cyrillic_link_to_the_new_page(built, serve_app) -> None:
    """Chromium itself encodes the Cyrillic path, gets the redirect page from `make serve`'s
    app (with the site's strict CSP) and follows its meta refresh."""
    from playwright.sync_api import sync_playwright

    from core import siteconf
    from newsletter.config import load_config
    from newsletter.service import create_app
    from tests.browser import launch

    headers = siteconf.read(ROOT / "pelicanconf.py")["SECURITY_HEADERS"]
    base = serve_app(create_app(load_config(), static_dir=built.output,
                                security_headers=headers))
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page()
            refused: list[str] = []
            page.on("console", lambda message: refused.append(message.text)
                    if "Content Security Policy" in message.text else None)
            response = page.goto(f"{base}/птср-і-сон/")
            assert "script-src 'self'" in response.headers["content-security-policy"]
            page.wait_for_url(f"{base}/articles/ptsd-and-sleep/", timeout=10_000)
            assert page.locator("h1").first.inner_text() == "ПТСР і сон: що варто знати"
            # The built pages load their assets from SITEURL (another port than this server's):
            # those refusals are the test's setup; the redirect itself needs nothing refused.
            assert [m for m in refused if "127.0.0.1:8000" not in m] == []
        finally:
            browser.close()


def test_a_changed_export_updates_untouched_files_and_finds_moved_ones(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(FIXTURE_SITE, content)
    assert run_import(content, tmp_path / "first.txt") == 0
    # The editor files the English stress article under psychosomatics (moved, not edited).
    old = content / "articles/stress/stress-friend-or-foe.en.md"
    moved = content / "articles/psychosomatics/stress-friend-or-foe.en.md"
    moved.parent.mkdir()
    old.rename(moved)
    changed = tmp_path / "export.xml"
    changed.write_text((WP / "export.xml").read_text(encoding="utf-8")
                       .replace("Stress can help.", "Stress can help a lot.")
                       .replace("Ми — клініка в Києві.", "Ми — клініка в Києві з 2015 року."),
                       encoding="utf-8")
    assert import_main(["--wxr", str(changed), "--uploads", str(WP / "uploads"),
                        "--content", str(content), "--report", str(tmp_path / "r.txt")]) == 0
    assert "з 2015 року" in (content / "pages/about-us.uk.md").read_text(encoding="utf-8")
    assert "Stress can help a lot." in moved.read_text(encoding="utf-8")
    assert not old.exists()  # no second copy where the importer first put it
    # Links from other imported files follow the file to where it is now.
    assert "({filename}/articles/psychosomatics/stress-friend-or-foe.en.md)" in \
        (content / "pages/about-us.en.md").read_text(encoding="utf-8")
    report = (tmp_path / "r.txt").read_text(encoding="utf-8")
    assert "  updated: 3\n" in report  # the two changed files, and the link to the moved one
    assert "articles/psychosomatics/stress-friend-or-foe.en.md (the importer would name it " \
           "articles/stress/stress-friend-or-foe.en.md); kept there" in report


def test_the_bench_export_is_deterministic_and_imports_cleanly(tmp_path: Path) -> None:
    from bench import wordpress_export

    first = wordpress_export.generate(tmp_path / "a", posts=20, seed=3)
    wordpress_export.generate(tmp_path / "b", posts=20, seed=3)
    assert (tmp_path / "a/export.xml").read_bytes() == (tmp_path / "b/export.xml").read_bytes()
    assert first["posts"] == 20
    assert import_main(["--wxr", str(tmp_path / "a/export.xml"),
                        "--uploads", str(tmp_path / "a/uploads"),
                        "--content", str(tmp_path / "content"),
                        "--report", str(tmp_path / "r.txt")]) == 0
    report = (tmp_path / "r.txt").read_text(encoding="utf-8")
    # Of 10 pairs one is a draft and one private (skipped).
    for line in ("uk article published: 8", "en article published: 8", "uk article draft: 1",
                 "status private: 2", "type revision: 1"):
        assert line in report
    assert "Missing images" not in report and "Slug collisions" not in report
    assert len(list((tmp_path / "content").rglob("*.md"))) == 18


@pytest.fixture(scope="module")
def caddy_server(built, tmp_path_factory):
    """Caddy serving the built site with the build's `_redirects.caddy` imported, as the
    production Caddyfile does; yields its base URL."""
    from tests.fakes.fixtures import pick_port

    root = tmp_path_factory.mktemp("caddy")
    port = pick_port()
    output = built.output
    (root / "Caddyfile").write_text(
        "{\n\tadmin off\n\tauto_https off\n}\n"
        f"http://127.0.0.1:{port} {{\n\troot * {output}\n"
        f"\timport {output}/_redirects.caddy\n\tfile_server\n}}\n", encoding="utf-8")
    env = {**os.environ, "XDG_DATA_HOME": str(root), "XDG_CONFIG_HOME": str(root)}
    with open(root / "caddy.log", "wb") as log:
        process = subprocess.Popen(["caddy", "run", "--config", str(root / "Caddyfile"),
                                    "--adapter", "caddyfile"], env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):  # up to 20 s; what it waits for is the server, not time
            assert process.poll() is None, (root / "caddy.log").read_text()
            try:
                httpx.get(base + "/", timeout=1)
                break
            except httpx.TransportError:
                threading.Event().wait(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.parametrize("old, new", sorted(OLD_URLS.items()))
def test_caddy_answers_every_old_url_with_a_301_to_its_page(caddy_server, old: str,
                                                              new: str) -> None:
    for variant in {old, old.rstrip("/")}:
        url = caddy_server + quote(variant, safe="/")  # as a browser sends it
        response = httpx.get(url, follow_redirects=False, timeout=10)
        if old == new:
            assert response.status_code in (200, 301, 308)  # a page (or its folder's slash)
            continue
        assert (response.status_code, response.headers["location"]) == (301, new), variant
        assert httpx.get(caddy_server + new, timeout=10).status_code == 200
