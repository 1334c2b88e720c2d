"""The devserver's rebuild after editing one article, measured as an editor sees it.

`make devserver` runs as a real process (`python -m sitebuild devserver`) on the corpus and
the output/cache of the last cold build. For each edit (one sentence appended to the same
article, a new sentence each time) this measures, from the moment the file is written:

- `pages_s`: until the open page's live-reload event arrives (the new pages are served);
- `search_s`: until the server logs that the search index is up to date too;
- `rebuild_s`: the server's own figure for the rebuild (from its "rebuilt in" line).

Then the article is put back, that rebuild awaited, and the server stopped with Ctrl+C, so
the output is the corpus's again for the benchmarks that read it. Peak memory is the
summed PSS of the server's process tree, sampled while it runs.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.measure import quiet_interval, tree_memory_kb

START_TIMEOUT_S = 1800  # the server's first build (a warm one here)
EVENT_TIMEOUT_S = 600
_REBUILT = re.compile(r"rebuilt in ([\d.]+)s")
_SEARCH = re.compile(r"search index updated ([\d.]+)s after the change")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Server:
    def __init__(self, cmd: list[str], cwd: Path, log: Path, env: dict) -> None:
        self.log_path = log
        self.handle = open(log, "w", encoding="utf-8")
        self.process = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=self.handle,
                                        stderr=subprocess.STDOUT, text=True)
        self.peak_kb = 0
        self._sampling = True
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while self._sampling and self.process.poll() is None:
            sampled = time.thread_time()
            self.peak_kb = max(self.peak_kb, tree_memory_kb(self.process.pid))
            time.sleep(quiet_interval(0.1, time.thread_time() - sampled))

    def text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for_log(self, pattern: re.Pattern | str, after: int, timeout: float) -> re.Match:
        """The first match of `pattern` in the log past character `after`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.compile(pattern).search(self.text(), after)
            if found:
                return found
            if self.process.poll() is not None:
                raise RuntimeError(f"the devserver exited ({self.process.returncode}); see "
                                   f"{self.log_path}")
            time.sleep(0.02)
        raise TimeoutError(f"no {pattern!r} in {self.log_path} after {timeout} s")

    def stop(self) -> None:
        self._sampling = False
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.handle.close()


def _reload_listener(port: int) -> tuple[threading.Event, threading.Event]:
    """(connected, reloaded): an open page's live-reload stream."""
    connected, reloaded = threading.Event(), threading.Event()

    def listen() -> None:
        deadline = time.monotonic() + 60
        while True:  # the server logs "serving" a moment before its port is open
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port,
                                                        timeout=EVENT_TIMEOUT_S)
                connection.request("GET", "/__livereload")
                response = connection.getresponse()
                break
            except ConnectionError:
                if time.monotonic() > deadline:
                    return
                time.sleep(0.1)
        connected.set()
        for line in response:
            if line.startswith(b"data:"):
                reloaded.set()
                break
        connection.close()

    threading.Thread(target=listen, daemon=True).start()
    return connected, reloaded


def measure(cmd_for_port, *, cwd: Path, log: Path, env: dict, article: Path,
            edits: int = 3) -> dict:
    """Run the devserver, make `edits` one-sentence edits to `article`, then undo them."""
    port = _free_port()
    server = _Server([*cmd_for_port(port)], cwd, log, env)
    original = article.read_bytes()
    runs = []
    try:
        server.wait_for_log("serving http://", 0, START_TIMEOUT_S)
        lang = article.name.split(".")[-2]
        try:
            for number in range(1, edits + 1):
                runs.append(_edit_once(server, port, article, original, lang, number))
        finally:
            mark = len(server.text())
            _save(article, original)
        # The undo is rebuilt (and its search) before the server stops.
        server.wait_for_log(_SEARCH, mark, EVENT_TIMEOUT_S)
    finally:
        server.stop()
    result = {"runs": runs, "edits": len(runs), "peak_mb": round(server.peak_kb / 1024, 1),
              "log": str(log)}
    for name in ("pages_s", "search_s", "rebuild_s"):
        if runs:
            result[name] = round(statistics.median(run[name] for run in runs), 3)
    return result


def _edit_once(server: _Server, port: int, article: Path, original: bytes, lang: str,
               number: int) -> dict:
    connected, reloaded = _reload_listener(port)
    if not connected.wait(90):
        raise TimeoutError("could not open the live-reload stream")
    sentence = (f"\n\nДодано для вимірювання, {number}.\n" if lang == "uk"
                else f"\n\nAdded for the benchmark, {number}.\n")
    mark = len(server.text())
    started = time.monotonic()
    _save(article, original + sentence.encode("utf-8"))
    if not reloaded.wait(EVENT_TIMEOUT_S):
        raise TimeoutError("no reload event after the edit")
    pages_s = time.monotonic() - started
    rebuilt = server.wait_for_log(_REBUILT, mark, EVENT_TIMEOUT_S)
    searched = server.wait_for_log(_SEARCH, rebuilt.end(), EVENT_TIMEOUT_S)
    return {"pages_s": round(pages_s, 3), "rebuild_s": float(rebuilt[1]),
            "search_s": float(searched[1])}


def _save(path: Path, data: bytes) -> None:
    """As editors save: a whole new file renamed over the old (one change, never half a file)."""
    temporary = path.with_name(path.name + ".saving")
    temporary.write_bytes(data)
    temporary.replace(path)


def command(settings: Path, content: Path, out: Path):
    def for_port(port: int) -> list[str]:
        return [sys.executable, "-m", "sitebuild", "devserver", "--settings", str(settings),
                "--content", str(content), "--output", str(out), "--port", str(port)]

    return for_port


def environment(root: Path, state_dir: Path) -> dict:
    return {**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{root / 'plugins'}",
            "NEWSLETTER_STATE_DIR": str(state_dir)}
