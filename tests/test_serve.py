"""The devserver's live reload over real HTTP: script injected, event sent after a rebuild."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route

from sitebuild.serve import LiveReload


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_server():
    inner = Starlette(routes=[
        Route("/", lambda request: HTMLResponse("<html><body><p>hi</p></body></html>")),
        Route("/plain", lambda request: PlainTextResponse("</body>")),
    ])
    app = LiveReload(inner)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    yield app, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(5)


def test_pages_get_the_reload_script_and_other_responses_do_not(live_server) -> None:
    _, base = live_server
    page = httpx.get(base + "/")
    assert page.text.endswith('<script src="/__livereload.js" defer></script></body></html>')
    assert int(page.headers["content-length"]) == len(page.content)
    assert httpx.get(base + "/plain").text == "</body>"
    assert "EventSource" in httpx.get(base + "/__livereload.js").text


def test_open_pages_are_told_to_reload_after_a_rebuild(live_server) -> None:
    app, base = live_server
    with httpx.stream("GET", base + "/__livereload", timeout=10) as stream:
        lines = stream.iter_lines()
        assert next(lines) == ": connected"
        app.bump()  # what the rebuild thread calls
        received = [line for line in (next(lines), next(lines)) if line]
        assert received == ["data: reload"]


# --- the real devserver, as `make devserver` runs it ------------------------------------

def _settings_file(tmp_path) -> Path:
    """pelicanconf.py with this test's own cache (absolute paths: the file lives in tmp)."""
    from tests.conftest import ROOT

    path = tmp_path / "devserver_settings.py"
    path.write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *  # noqa\n"
        f"THEME = {str(ROOT / 'theme')!r}\nPLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]\n"
        f"CACHE_PATH = {str(tmp_path / 'cache')!r}\n", encoding="utf-8")
    return path


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_devserver_rebuilds_an_edited_article_then_its_search(tmp_path) -> None:
    import gzip
    import os
    import shutil
    import signal
    import subprocess
    import sys

    from tests.conftest import FIXTURE_SITE, ROOT

    content = tmp_path / "content"
    shutil.copytree(FIXTURE_SITE, content)
    output = tmp_path / "output"
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'plugins'}",
           "NEWSLETTER_STATE_DIR": str(tmp_path / "state")}
    server = subprocess.Popen(
        [sys.executable, "-m", "sitebuild", "devserver", "--settings",
         str(_settings_file(tmp_path)), "--content", str(content), "--output", str(output),
         "--port", str(port)],
        cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
    log: list[str] = []
    threading.Thread(target=lambda: log.extend(server.stderr), daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    try:
        page = "en/articles/night-terrors/index.html"

        def up() -> bool:
            try:
                return httpx.get(f"{base}/{page}").status_code == 200
            except httpx.TransportError:
                return False

        _wait_for(up, 120, "the server")
        html = httpx.get(f"{base}/{page}").text
        assert "zebrafinch" not in html
        # Served on another port than pelicanconf's SITEURL: the absolute addresses (canonical,
        # share links, feeds) follow it, and the subscribe form's origin is accepted.
        assert f'<link rel="canonical" href="{base}/en/articles/night-terrors/">' in html
        assert ":8000" not in html
        subscribed = httpx.post(f"{base}/api/newsletter/subscribe",
                                data={"email": "reader@example.org", "topics": "ptsd"},
                                headers={"Origin": base, "Accept": "application/json"})
        assert subscribed.status_code == 202, subscribed.text
        uk_index = (output / "pagefind/pagefind-entry.json").stat().st_ino
        reloads: list[str] = []

        def listen() -> None:
            with httpx.stream("GET", base + "/__livereload", timeout=120) as stream:
                reloads.extend(line for line in stream.iter_lines() if line.startswith("data:"))

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        time.sleep(0.5)  # the stream is open before the edit
        source = content / "articles/ptsd/night-terrors.en.md"
        source.write_text(source.read_text(encoding="utf-8")
                          + "\n\nA zebrafinch sings at night.\n", encoding="utf-8")
        _wait_for(lambda: reloads, 60, "the reload event")
        assert "zebrafinch" in httpx.get(f"{base}/{page}").text
        _wait_for(lambda: any("search index updated" in line for line in log), 60,
                  "the search index: " + "".join(log[-15:]))
        fragments = (output / "en/pagefind/fragment").iterdir()
        assert any(b"zebrafinch" in gzip.decompress(path.read_bytes()) for path in fragments)
        assert (output / "pagefind/pagefind-entry.json").stat().st_ino == uk_index  # kept
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    assert not list(tmp_path.glob(".output-*")), "temporary folders left behind"


# --- the devserver's rebuilds against a cold build ---------------------------------------

def test_devserver_rebuilds_give_the_cold_build_after_every_kind_of_edit(tmp_path, monkeypatch):
    """The devserver keeps what it may between rebuilds (the catalogue, the related lists,
    the checks' results, the previous output and its records) and its runs start before the
    related lists are scored. After each edit made while it runs — a header, a body whose
    article is a related neighbour of others, one language alone again and again, a data
    file, a new file, a deleted file — its output is exactly a cold build's."""
    import dataclasses
    import re
    import shutil
    from datetime import date

    from sitebuild import config, serve
    from sitebuild.build import BuildState, build
    from tests.conftest import ROOT
    from tests.test_build import snapshot
    from tests.test_incremental import SEARCH, _difference

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    monkeypatch.setenv("NEWSLETTER_STATE_DIR", str(tmp_path / "newsletter"))
    options = config.BuildOptions(
        settings_file=_settings_file(tmp_path), content=content, output=tmp_path / "output",
        defer_search=True, overrides=(("SITE_BUILD_DATE", date(2026, 11, 29)),))
    options = serve.served_at(options, "127.0.0.1", 8765)
    state = BuildState()
    serve._finish(build(options, state=state))
    app = LiveReload(None)  # no server: the rebuild's reload event goes nowhere

    def edit(relative: str, change) -> None:
        path = content / relative
        path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")

    def same_as_cold(what: str) -> None:
        cold = tmp_path / "cold"
        shutil.rmtree(cold, ignore_errors=True)
        build(dataclasses.replace(options, cache=False, output=cold, defer_search=False))
        served = snapshot(tmp_path / "output", skip=SEARCH)
        expected = snapshot(cold, skip=SEARCH)
        assert served == expected, what + ": " + _difference(tmp_path / "output", cold,
                                                              served, expected)
        assert folders(tmp_path / "output") == folders(cold), what  # none left empty

    def folders(root: Path) -> set[str]:
        return {path.relative_to(root).as_posix() for path in root.rglob("*")
                if path.is_dir() and not path.relative_to(root).as_posix().startswith(SEARCH)}

    uk_article = "articles/ptsd/ptsd-in-veterans.uk.md"
    edits = [
        ("a title", "articles/ptsd/ptsd-in-veterans.en.md", lambda t: t.replace(
            "title: PTSD in veterans:", "title: Veterans and PTSD:")),
        ("a related neighbour's body", "articles/disorders/alcohol-and-ptsd.en.md",
         lambda t: t + "\n\nVeterans with PTSD and sleep problems drink more.\n"),
        ("tags", "articles/disorders/alcohol-and-ptsd.en.md",
         lambda t: re.sub(r"^tags: ", "tags: veterans, ", t, count=1, flags=re.M)),
        ("one language", uk_article, lambda t: t + "\n\nЩе один абзац.\n"),
        ("the same language again", uk_article, lambda t: t + "\n\nІ ще один.\n"),
        ("reviewer data", "data/reviewers.toml",
         lambda t: t.replace("Andrii Marchenko", "Andrii Marchenko-Koval")),
    ]
    def rebuild() -> None:
        # Every rebuild finds the folders made ahead while the devserver waited, complete:
        # a deleted article's folder among them, which the rebuild must remove.
        state.staged.ready()
        serve.rebuild(options, app, state, 1)

    for what, relative, change in edits:
        edit(relative, change)
        rebuild()
        same_as_cold(what)
    new = content / "articles/ptsd/grounding.en.md"
    new.write_text("title: Grounding in a panic\ndate: 2026-06-01\ncategory: ptsd\n"
                   "tags: ptsd, veterans\nsummary: Five senses, one minute.\n\nName five "
                   "things you can see.\n", encoding="utf-8")
    rebuild()
    assert (tmp_path / "output/en/articles/grounding/index.html").is_file()
    same_as_cold("a new file")
    new.unlink()
    rebuild()
    assert not (tmp_path / "output/en/articles/grounding").exists()
    same_as_cold("a deleted file")


def test_a_rebuild_writes_into_the_folders_made_while_the_devserver_waited(tmp_path,
                                                                          monkeypatch):
    """Once a build is in place, the devserver makes the next build's site folder, and in it
    every folder the language runs wrote into, while it waits for an edit (a `mkdir` costs
    ~0.7 ms of CPU on the build machine's file system: a rebuild at 1,000 articles spent
    ~0.7 CPU-s making them). The rebuild writes into that folder; folders made ahead and
    not taken are removed when the devserver stops."""
    import os
    import shutil
    from datetime import date

    from sitebuild import config, serve
    from sitebuild.build import BuildState, build
    from tests.conftest import ROOT

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    monkeypatch.setenv("NEWSLETTER_STATE_DIR", str(tmp_path / "newsletter"))
    output = tmp_path / "output"
    options = serve.served_at(config.BuildOptions(
        settings_file=_settings_file(tmp_path), content=content, output=output,
        defer_search=True, overrides=(("SITE_BUILD_DATE", date(2026, 11, 29)),)),
        "127.0.0.1", 8765)
    state = BuildState()
    serve._finish(build(options, state=state))
    staged = state.staged
    staged.ready()
    pages = {Path(directory).relative_to(output).as_posix()
             for directory, _, names in os.walk(output) if "index.html" in names}
    pages.discard(".")
    made = {Path(path).relative_to(staged.fresh).as_posix()
            for path in staged.made["uk"]}
    made |= {Path(path).relative_to(staged.work / "render-en").as_posix()
             for path in staged.made["en"]}
    # Every page folder a language run writes (search's and the editor's are post-steps').
    missing = {page for page in pages
               if page not in made and not page.startswith(("search", "admin"))}
    assert not missing, f"folders not made ahead: {sorted(missing)[:5]}"
    folder = staged.fresh.stat().st_ino

    article = content / "articles/ptsd/ptsd-in-veterans.uk.md"
    article.write_text(article.read_text(encoding="utf-8") + "\n\nЩе один абзац.\n",
                       encoding="utf-8")
    serve.rebuild(options, LiveReload(None), state, 1)
    assert output.stat().st_ino == folder, "the rebuild did not write into the folder made"
    assert "Ще один абзац." in (output / "articles/ptsd-in-veterans/index.html").read_text(
        encoding="utf-8")

    assert state.staged is not None and state.staged is not staged  # the next one's
    state.close()
    assert sorted(path.name for path in tmp_path.glob(".output-*")) == []


def test_a_rebuilds_runs_take_the_unchanged_entries_from_the_catalogue_they_inherited(
        tmp_path):
    """The devserver's workers fork holding its previous catalogue: the catalogue pickled for
    a rebuild's runs names the entries of files not edited since by their place in that one
    (a fraction of the bytes), and loads as the catalogue itself. A process holding another
    catalogue refuses it rather than take the wrong entries."""
    import pickle
    import shutil

    from core import catalogue
    from sitebuild import config
    from tests.conftest import ROOT

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    base = config.read_base(config.BuildOptions(
        settings_file=_settings_file(tmp_path), content=content, output=tmp_path / "output"))
    previous = catalogue.build(base)
    edited = content / "articles/ptsd/ptsd-in-veterans.uk.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nЩе один абзац.\n",
                      encoding="utf-8")
    site = catalogue.build(base, previous)
    path = tmp_path / "catalogue-uk.pickle"
    try:
        catalogue.inherit(previous)
        catalogue.save(site, path, bodies_of="uk")
        full = tmp_path / "full.pickle"
        catalogue.inherit(None)
        catalogue.save(site, full, bodies_of="uk")
        assert path.stat().st_size < full.stat().st_size / 2

        catalogue.inherit(previous)
        loaded = catalogue._load_pickle(str(path), "the catalogue")
        assert loaded.entries == pickle.loads(full.read_bytes()).entries
        unchanged = [entry for entry in loaded.entries if entry.lang == "uk"
                     and entry.path != "articles/ptsd/ptsd-in-veterans.uk.md"]
        inherited = {id(entry) for entry in previous.entries}
        assert unchanged and all(id(entry) in inherited for entry in unchanged)
        assert "Ще один абзац." in next(entry for entry in loaded.entries
                                        if entry.path.endswith("ptsd-in-veterans.uk.md")).body

        catalogue.inherit(catalogue.build(base))  # another catalogue than the one named
        with pytest.raises(RuntimeError, match="another build"):
            catalogue._load_pickle(str(path), "the catalogue, again")
    finally:
        catalogue.inherit(None)
        catalogue._load_pickle.cache_clear()
