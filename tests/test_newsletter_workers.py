"""Several worker processes: rate limits shared through SQLite, and the production
`python -m newsletter serve --workers 2` command answering, limiting and mailing as one."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from newsletter.ratelimit import RateLimits
from tests.fakes.fixtures import pick_port

ROOT = Path(__file__).resolve().parent.parent


class Clock:
    def __init__(self, now: float = 1_760_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_burst_then_refill(tmp_path):
    clock = Clock()
    limits = RateLimits(tmp_path / "r.sqlite3", {"ip": (3, 60)}, clock=clock)
    assert [limits.hit("ip", "1.2.3.4") for _ in range(4)] == [True, True, True, False]
    assert limits.hit("ip", "5.6.7.8")  # keys are separate
    clock.now += 19.9
    assert not limits.hit("ip", "1.2.3.4")  # one slot refills every 20 s
    clock.now += 0.1
    assert limits.hit("ip", "1.2.3.4") and not limits.hit("ip", "1.2.3.4")
    clock.now += 60
    assert [limits.hit("ip", "1.2.3.4") for _ in range(4)] == [True, True, True, False]


def test_two_processes_share_one_budget(tmp_path):
    """Two RateLimits on one file, as two workers have: together they allow the limit once."""
    path = tmp_path / "r.sqlite3"
    clock = Clock()
    first = RateLimits(path, {"address": (5, 3600)}, clock=clock)
    second = RateLimits(path, {"address": (5, 3600)}, clock=clock)
    answers = [(first if n % 2 else second).hit("address", "a@example.org") for n in range(10)]
    assert answers.count(True) == 5 and answers[5:] == [False] * 5


def test_the_file_holds_no_addresses(tmp_path):
    path = tmp_path / "r.sqlite3"
    limits = RateLimits(path, {"address": (5, 3600)})
    limits.hit("address", "secret-reader@example.org")
    limits.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert b"secret-reader" not in raw


def test_serve_with_two_workers(tmp_path):
    port = pick_port()
    url = f"http://127.0.0.1:{port}"
    state = tmp_path / "state"
    settings = tmp_path / "settings.py"
    settings.write_text(
        "from newsletter.config import read_pelicanconf as _read\n"
        "globals().update(_read())\n"
        f"SITEURL = {url!r}\n"
        'NEWSLETTER = {**NEWSLETTER, "allowed_origins": [SITEURL], '
        '"rate_limit_ip": [6, 3600]}\n', encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'plugins'}",
           "NEWSLETTER_SECRET": "w" * 32, "NEWSLETTER_STATE_DIR": str(state)}
    server = subprocess.Popen(
        [sys.executable, "-m", "newsletter", "serve", "--port", str(port), "--site", "",
         "--workers", "2", "--settings", str(settings), "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.1)
        time.sleep(1.0)  # both workers up
        pids, codes = set(), []
        for n in range(12):  # a new connection each: the kernel spreads them over workers
            response = httpx.post(f"{url}/api/newsletter/subscribe",
                                  data={"email": f"w{n}@example.org", "topics": "ptsd"},
                                  headers={"Origin": url, "Accept": "application/json",
                                           "Connection": "close"}, timeout=10)
            codes.append(response.status_code)
        assert codes.count(202) == 6 and codes[6:] == [429] * 6, codes
        deadline = time.monotonic() + 15
        while len(list((state / "outbox").glob("*.eml"))) < 6:
            assert time.monotonic() < deadline, "the workers did not send the mails"
            time.sleep(0.1)
        time.sleep(0.3)
        assert len(list((state / "outbox").glob("*.eml"))) == 6
        # Two worker processes really run (children of the uvicorn supervisor).
        children = (Path("/proc") / str(server.pid) / "task" / str(server.pid) /
                    "children").read_text().split()
        pids.update(children)
        assert len(pids) >= 2, pids
    finally:
        server.terminate()
        server.wait(20)


def test_write_lock_excludes_other_holders_and_wakes_them_at_once(tmp_path):
    """Two WriteLocks on one database (two processes' worth: separate open files): the second
    waits while the first holds it and gets it within milliseconds of the release."""
    import threading

    from newsletter.store import WriteLock

    first, second = WriteLock(tmp_path / "db"), WriteLock(tmp_path / "db")
    got = []
    with first:
        waiter = threading.Thread(target=lambda: (second.__enter__(),
                                                  got.append(time.monotonic())))
        waiter.start()
        time.sleep(0.2)
        assert got == []  # still waiting
        released = time.monotonic()
    waiter.join(5)
    second.__exit__(None, None, None)
    assert got and got[0] - released < 0.05
