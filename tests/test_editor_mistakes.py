"""Editors' mistakes through `make html` and `make publish` (issue 19), and links (issue 26).

Each mistake is made once in a copy of the small fixture site and driven through the command
line the Makefile calls (`python -m sitebuild html|publish`), as an editor would see it:
every mistake named once, in our format, with a path relative to content/; no Python
traceback; the lenient build goes on and leaves a usable site, the strict one fails and
leaves output/ as it was.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_SITE, ROOT
from tests.test_build import snapshot

ARTICLE = "title: {title}\ndate: 2025-01-01\ncategory: {category}\nsummary: S.\n\nBody.\n"
CANARY = "canary-root:x:0:0:secret-of-the-machine"

# path under content/ -> (source, what the one message about it says)
MISTAKES = {
    "posts/stray.en.md": (ARTICLE.format(title="Stray", category="ptsd"),
                          "location: is outside the folders the build reads — move it to "
                          "articles/<category>/stray.en.md"),
    "loose.uk.md": (ARTICLE.format(title="Loose", category="ptsd"),
                    "location: is outside the folders the build reads"),
    "articles/ptsd/old-post.html": ("<html><head><title>Old</title></head><body>x</body></html>",
                                    "file: is a .html file; only Markdown (.md) files are read"),
    "articles/ptsd/no-language.md": (ARTICLE.format(title="No language", category="ptsd"),
                                     "lang: the file name gives no language, so it is built in "
                                     "uk only — rename it to no-language.uk.md or "
                                     "no-language.en.md"),
    "articles/ptsd/night-terrors-copy.en.md": (
        "title: Copy\ndate: 2025-01-01\ncategory: ptsd\nslug: night-terrors\n\nCopy.\n",
        "slug: slug 'night-terrors' is also used in en by articles/ptsd/night-terrors.en.md, "
        "which is built; this file is not"),
    "articles/ptsd/untitled.en.md": ("date: 2025-01-01\ncategory: ptsd\n\nBody.\n",
                                     "title: is missing"),
    "articles/ptsd/bad-date.en.md": ("title: Bad date\ndate: 2025-13-45\ncategory: ptsd\n\nB.\n",
                                     "date: cannot read the date '2025-13-45'"),
    "articles/ptsd/broken-link.en.md": (
        "title: Broken link\ndate: 2025-01-01\ncategory: ptsd\n\n"
        "See [x]({filename}nowhere.en.md).\n",
        "link: {filename}nowhere.en.md points to no file"),
    "pages/search.en.md": ("title: Search\n\nA page over the search page.\n",
                           "slug: 'search' is not built: its URL would be that of the search page"),
    "articles/ptsd/filename-image.en.md": (
        "title: Image\ndate: 2025-01-01\ncategory: ptsd\n\n![A dot]({filename}/images/dot.svg)\n",
        "link: {filename}/images/dot.svg points to a file that is not an article or a page — "
        "write {static}/images/dot.svg"),
    "articles/ptsd/escape.en.md": (
        "title: Escape\ndate: 2025-01-01\ncategory: ptsd\nsave_as: ../../escape.html\n\nB.\n",
        "save_as: '../../escape.html' leads outside the site, so the file is not built"),
    "images/passwd.txt": (Path("/outside/passwd"), "link: is a symbolic link to a file"),
}
# A Pelican warning no check words: said once, without machine paths, and counted.
PASSED_ON = ("articles/ptsd/indicator.en.md",
             "title: Indicator\ndate: 2025-01-01\ncategory: ptsd\n\nSee [x]({nope}thing).\n",
             "WARNING en: Pelican: Replacement Indicator 'nope' not recognized in '{nope}thing'")
# Display names, as the site shows them: read as their slugs, without a word.
NAMES = {
    "articles/ptsd/named-en.en.md": ARTICLE.format(title="Named", category="Ketamine therapy"),
    "articles/ptsd/named-upper.en.md": ARTICLE.format(title="Upper", category="PTSD"),
    "articles/ptsd/named-uk.uk.md": ARTICLE.format(title="Назва", category="депресія"),
}
# Lines of Pelican's own that a check words already; never shown.
PELICAN_DUPLICATES = ("Could not process", "could not find information about", "There are 2",
                      "Unable to find", "not part of this build")


def make_site(root: Path) -> tuple[Path, Path]:
    """The fixture site with every mistake; (content, the file outside it a link targets)."""
    content = root / "content"
    shutil.copytree(FIXTURE_SITE, content)
    secret = root / "outside" / "passwd"
    secret.parent.mkdir()
    secret.write_text(CANARY + "\n", encoding="utf-8")
    for relative, (source, _) in MISTAKES.items():
        path = content / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(source, Path):
            path.symlink_to(root / str(source).lstrip("/"))
        else:
            path.write_text(source, encoding="utf-8")
    for relative, source in [*NAMES.items(), PASSED_ON[:2]]:
        (content / relative).write_text(source, encoding="utf-8")
    return content, secret


ENV = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'plugins'}"}


def argv(command: str, content: Path, output: Path) -> list[str]:
    """`make html` / `make publish` (what the Makefile runs), on one content folder."""
    settings = ROOT / ("publishconf.py" if command == "publish" else "pelicanconf.py")
    return [sys.executable, "-m", "sitebuild", command, "--settings", str(settings),
            "--content", str(content), "--output", str(output), "--no-cache"]


def sitebuild(command: str, content: Path, output: Path, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(argv(command, content, output), cwd=cwd, capture_output=True,
                          text=True, timeout=300, env=ENV)


def problems(log: str) -> list[str]:
    return [line for line in log.splitlines() if line.startswith(("WARNING", "ERROR"))]


@pytest.fixture(scope="module")
def mistakes(tmp_path_factory):
    root = tmp_path_factory.mktemp("mistakes")
    content, secret = make_site(root)
    output = root / "site" / "output"
    html = sitebuild("html", content, output, root)
    return root, content, output, html


def test_the_lenient_build_names_each_mistake_once_and_goes_on(mistakes) -> None:
    root, content, output, html = mistakes
    assert html.returncode == 0, html.stderr
    log = html.stdout + html.stderr
    assert "Traceback" not in log
    found = problems(log)
    for relative, (_, expected) in MISTAKES.items():
        about = [line for line in found if line.startswith(f"WARNING {relative}:")]
        assert len(about) == 1, (relative, about)
        assert re.fullmatch(rf"WARNING {re.escape(relative)}:\d+: \w+: .+ — .+", about[0])
        assert expected in about[0], (expected, about[0])
    # Nothing else was said about them, by Pelican or anyone, nor with a machine path.
    passed_on = [line for line in found if "Pelican" in line]
    assert len(passed_on) == 1 and passed_on[0].startswith(PASSED_ON[2]), passed_on
    assert len(found) == len(MISTAKES) + 1, "\n".join(found)
    for duplicate in PELICAN_DUPLICATES:
        assert duplicate not in log
    assert str(content) not in log and not (root / "escape.html").exists()
    assert f"built {output} with {len(MISTAKES) + 1} warning(s)" in log


def test_the_lenient_build_leaves_a_usable_site(mistakes) -> None:
    root, content, output, html = mistakes
    # The first of two files with one slug is built, the other is not.
    page = (output / "en/articles/night-terrors/index.html").read_text(encoding="utf-8")
    assert "Night terrors" in page and "<title>Copy" not in page
    # A source without a language: in the default language only, under its file name.
    assert (output / "articles/no-language/index.html").is_file()
    assert not (output / "en/articles/no-language/index.html").exists()
    # The search page is the search page.
    assert "A page over the search page" not in (output / "en/search/index.html").read_text()
    for unbuilt in ("articles/stray", "en/articles/stray", "articles/loose", "en/articles/loose",
                    "en/articles/untitled", "en/articles/bad-date", "articles/old-post"):
        assert not (output / unbuilt).exists(), unbuilt
    # Nothing links to what was left out: every address in the sitemap is a page.
    sitemap = (output / "sitemap.xml").read_text(encoding="utf-8")
    addresses = re.findall(r"<loc>http://127\.0\.0\.1:8000/([^<]*)</loc>", sitemap)
    assert addresses and [a for a in addresses
                          if not (output / a / "index.html").is_file()
                          and not (output / a).is_file()] == []


def test_category_names_as_shown_are_read_as_slugs(mistakes) -> None:
    root, content, output, html = mistakes
    assert not [line for line in problems(html.stderr) if "named-" in line]
    for page, category in (("en/articles/named-en", "ketamine-therapy"),
                           ("en/articles/named-upper", "ptsd"),
                           ("articles/named-uk", "depression")):
        html_page = (output / page / "index.html").read_text(encoding="utf-8")
        prefix = "/en" if page.startswith("en/") else ""
        assert f'{prefix}/category/{category}/"' in html_page, page
    assert (output / "en/category/ketamine-therapy/index.html").is_file()
    assert not list(output.glob("**/category/*[A-Z ]*"))
    assert not list(output.glob("category/депресія*"))


def test_nothing_behind_a_link_is_read_or_published(tmp_path) -> None:
    """Issue 26: links to a file or a folder, outside content/ or inside it, are refused by
    name; nothing of their targets reaches the output, nor the log; publish fails on them."""
    content = tmp_path / "content"
    shutil.copytree(FIXTURE_SITE, content)
    outside = tmp_path / "machine"
    (outside / "etc").mkdir(parents=True)
    (outside / "etc/passwd").write_text(CANARY + "\n", encoding="utf-8")
    (outside / "etc/shadow").write_text(CANARY + " shadow\n", encoding="utf-8")
    (outside / "etc/article.en.md").write_text(
        ARTICLE.format(title=CANARY, category="ptsd"), encoding="utf-8")
    links = {
        "images/passwd.txt": outside / "etc/passwd",  # a file outside
        "images/etc": outside / "etc",  # a folder outside
        "articles/ptsd/passwd.en.md": outside / "etc/passwd",  # a source outside
        "articles/outside": outside / "etc",  # a folder of sources outside
        "images/dot-again.svg": Path("dot.svg"),  # a file inside
        "pages/again": Path("../articles"),  # a folder inside
    }
    for relative, target in links.items():
        (content / relative).symlink_to(target)
    output = tmp_path / "site" / "output"
    html = sitebuild("html", content, output, tmp_path)
    log = html.stdout + html.stderr
    assert html.returncode == 0 and "Traceback" not in log, log
    published = [path for path in output.rglob("*") if path.is_file() or path.is_symlink()]
    assert not [path for path in published if CANARY.encode() in path.read_bytes()]
    assert not [path for path in published if path.name in ("passwd", "passwd.txt", "shadow",
                                                             "dot-again.svg")]
    assert not [path for path in published if path.is_symlink()]
    assert "canary" not in log.replace(str(tmp_path), "")  # nothing read, not even a title
    for relative in links:
        about = [line for line in problems(log) if line.startswith(f"WARNING {relative}:1: link:")]
        assert len(about) == 1, (relative, problems(log))
    before = snapshot(output)
    publish = sitebuild("publish", content, output, tmp_path)
    assert publish.returncode == 1 and "Traceback" not in publish.stderr
    assert "build failed: 6 warning(s) in a strict build" in publish.stderr
    assert snapshot(output) == before


def test_the_strict_build_fails_on_every_mistake_and_leaves_output_alone(mistakes) -> None:
    root, content, output, html = mistakes
    before = snapshot(output)
    for command in ("publish", "check"):
        strict = sitebuild(command, content, output, root)
        log = strict.stdout + strict.stderr
        assert strict.returncode == 1, log
        assert "Traceback" not in log
        for relative in MISTAKES:
            assert len([line for line in problems(log)
                        if line.startswith(f"WARNING {relative}:")]) == 1, relative
        assert f"build failed: {len(MISTAKES) + 1} warning(s) in a strict build" in log
        for duplicate in PELICAN_DUPLICATES:
            assert duplicate not in log
        assert snapshot(output) == before


def test_a_fault_of_the_build_is_one_line_and_a_report(tmp_path) -> None:
    """Not a content mistake: a theme template that cannot be rendered."""
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    (theme / "templates/article.html").write_text("{% extends 'nope.html' %}", encoding="utf-8")
    settings = tmp_path / "settings.py"
    settings.write_text(f"from pelicanconf import *\nTHEME = {str(theme)!r}\n", encoding="utf-8")
    command = [*argv("html", FIXTURE_SITE, tmp_path / "output"), "--settings", str(settings)]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True,
                            timeout=300, env=ENV)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
    report = tmp_path / ".cache/build-crash.log"
    assert "fault of the build, not of the content" in line and str(report) in line
    assert "nope.html" in line and "Traceback" in report.read_text(encoding="utf-8")
    assert not (tmp_path / "output").exists()


# --- Two builds at once ------------------------------------------------------------------

def test_a_second_build_waits_for_the_first(tmp_path) -> None:
    """While a build holds output/ (here: this test, through the same lock), another one
    says it waits, touches nothing, and builds once the first is done."""
    output = tmp_path / "site" / "output"
    output.parent.mkdir()
    holder = os.open(output.parent, os.O_RDONLY)
    fcntl.flock(holder, fcntl.LOCK_EX)
    try:
        second = subprocess.Popen(argv("html", FIXTURE_SITE, output), cwd=tmp_path, env=ENV,
                                  stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        said = []
        for line in second.stderr:
            said.append(line)
            if "waiting for it to finish" in line:
                break
        assert said and "another build into" in said[-1], said
        assert sorted(os.listdir(output.parent)) == []  # nothing written while it waits
    finally:
        os.close(holder)
    rest = second.stderr.read()
    assert second.wait(timeout=300) == 0, rest
    assert "Traceback" not in rest and (output / "index.html").is_file()


def test_two_builds_at_once_give_one_whole_site(tmp_path) -> None:
    """Two different sites built into one output/ at the same time: the result is exactly one
    of them, never a mix, and nothing is left beside it."""
    site_a = tmp_path / "a"
    shutil.copytree(FIXTURE_SITE, site_a)
    site_b = tmp_path / "b"
    shutil.copytree(FIXTURE_SITE, site_b)
    (site_b / "articles/ptsd/only-in-b.en.md").write_text(
        ARTICLE.format(title="Only in B", category="ptsd"), encoding="utf-8")
    expected = {}
    for name, content in (("a", site_a), ("b", site_b)):
        done = sitebuild("html", content, tmp_path / f"alone-{name}" / "output", tmp_path)
        assert done.returncode == 0, done.stderr
        expected[name] = snapshot(tmp_path / f"alone-{name}" / "output", skip=SEARCH)
    output = tmp_path / "shared" / "output"
    builds = [subprocess.Popen(argv("html", content, output), cwd=tmp_path, env=ENV,
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
              for content in (site_a, site_b)]
    logs = [build.communicate(timeout=300)[1] for build in builds]
    assert [build.returncode for build in builds] == [0, 0], logs
    assert not any("Traceback" in log for log in logs)
    assert snapshot(output, skip=SEARCH) in (expected["a"], expected["b"])
    assert sorted(os.listdir(output.parent)) == [".output.build.json", "output"]


SEARCH = ("pagefind", "en/pagefind", "reports")  # differ between identical runs


def test_serve_builds_a_site_with_mistakes_without_a_traceback(mistakes, tmp_path) -> None:
    """`make serve` / `make devserver`: the same lenient build, then the server."""
    root, content, output, html = mistakes
    command = [*argv("html", content, tmp_path / "output"), "--port", "0"]
    command[3] = "devserver"
    env = {**ENV, "NEWSLETTER_SECRET": "a-secret-for-this-test-only"}
    server = subprocess.Popen(command, cwd=tmp_path, env=env, stderr=subprocess.STDOUT,
                              stdout=subprocess.PIPE, text=True)
    said = []
    try:
        for line in server.stdout:
            said.append(line)
            if "Uvicorn running on" in line:
                break
    finally:
        server.terminate()
        server.wait(timeout=60)
    log = "".join(said)
    assert "Uvicorn running on http://127.0.0.1:" in log, log
    assert "Traceback" not in log
    assert len(problems(log)) == len(MISTAKES) + 1, "\n".join(problems(log))


# --- The devserver's catalogue: an edit in the tick it was read ------------------------------

def test_an_edit_within_one_clock_tick_of_reading_is_seen(tmp_path) -> None:
    """The devserver reads again only files whose size or mtime changed. An edit that keeps
    the size (a date `2022` made `2025`) within the file system's clock tick of the last read
    keeps the mtime too: such a file is read again. One read well before is reused."""
    import time

    from core import catalogue
    from sitebuild.config import BuildOptions, read_base

    content = tmp_path / "content"
    shutil.copytree(FIXTURE_SITE, content)
    settings = read_base(BuildOptions(settings_file=ROOT / "pelicanconf.py", content=content))
    edited = content / "articles/ptsd/night-terrors.en.md"
    untouched = content / "articles/depression/only-english.en.md"
    now = time.time_ns()
    os.utime(edited, ns=(now, now))  # written just before it is read
    os.utime(untouched, ns=(now - 60 * 10**9,) * 2)  # a minute before
    first = catalogue.build(settings)
    text = edited.read_text(encoding="utf-8")
    assert "date: 2025-03-14" in text
    edited.write_text(text.replace("date: 2025-03-14", "date: 2026-03-14"), encoding="utf-8")
    os.utime(edited, ns=(now, now))  # the same tick: size and mtime as read
    second = catalogue.build(settings, first)
    by_path = {entry.path: entry for entry in second.entries}
    assert by_path["articles/ptsd/night-terrors.en.md"].date.year == 2026
    old = {entry.path: entry for entry in first.entries}
    assert by_path["articles/depression/only-english.en.md"] is old[
        "articles/depression/only-english.en.md"]
