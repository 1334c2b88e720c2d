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


def blocked_flock_waiters(path: Path) -> int:
    """How many flock(2) callers the kernel has queued on `path` (`->` lines of /proc/locks)."""
    stat = path.stat()
    inode = f"{os.major(stat.st_dev):02x}:{os.minor(stat.st_dev):02x}:{stat.st_ino}"
    lines = Path("/proc/locks").read_text().splitlines()
    return sum(1 for line in lines if "-> FLOCK" in line and inode in line.split())


def test_write_lock_excludes_other_holders_and_wakes_them_at_once(tmp_path):
    """Two WriteLocks on one database (two processes' worth: separate open files): the second
    waits while the first holds it, queued in the kernel's flock wait queue, which wakes it at
    the release (no polling to wait out, unlike SQLite's busy handler). Observed in
    /proc/locks, not timed: how fast the hand-over is belongs to the bench."""
    import threading

    from newsletter.store import WriteLock

    first, second = WriteLock(tmp_path / "db"), WriteLock(tmp_path / "db")
    side_file = tmp_path / "db.writelock"
    got = threading.Event()
    waiter = threading.Thread(target=lambda: (second.__enter__(), got.set()))
    with first:
        waiter.start()
        deadline = time.monotonic() + 10  # bounds the wait only
        while not blocked_flock_waiters(side_file):
            assert not got.is_set(), "the second lock was taken while the first was held"
            assert time.monotonic() < deadline, "the second lock never queued for the file"
            time.sleep(0.001)
        assert not got.is_set()
    assert got.wait(10), "the release did not wake the waiter"
    waiter.join(10)
    assert blocked_flock_waiters(side_file) == 0
    second.__exit__(None, None, None)
