"""Endpoint benchmark: throughput and p50/p99 latency of POST /api/newsletter/subscribe.

    python -m newsletter.bench [--seconds 5] [--concurrency 16]

Two scenarios, each against the service run by uvicorn in a subprocess on loopback:
- "local": local backend (SQLite with fsync per commit + one .eml file per subscription);
- "mailchimp": the fake Mailchimp (tests/fakes/mailchimp.py) answering after 20 ms.
The load generator runs in this process: `concurrency` threads with keep-alive httpx clients,
each POSTing distinct addresses as fast as answers come back. `run()` returns a dict.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret-" + "0" * 24


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(port: int, state_dir: str) -> None:
    """Subprocess entry: the service with bench-friendly limits (one client IP, many posts)."""
    import uvicorn

    from newsletter.config import load_config, read_pelicanconf
    from newsletter.service import create_app

    settings = read_pelicanconf()
    url = f"http://127.0.0.1:{port}"
    settings["SITEURL"] = url
    settings["NEWSLETTER"] = {**settings.get("NEWSLETTER", {}), "state_dir": state_dir,
                              "allowed_origins": [url], "rate_limit_ip": [10**9, 60]}
    app = create_app(load_config(settings), security_headers=settings.get("SECURITY_HEADERS"))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _start_service(env: dict[str, str], state_dir: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "newsletter.bench", "--serve", str(port), state_dir], cwd=ROOT,
        env={**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'plugins'}",
             "NEWSLETTER_SECRET": SECRET, **env})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, url
        except OSError:
            if process.poll() is not None:
                raise RuntimeError("the service exited during start-up")
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the service did not start within 30 s")


def _load(url: str, seconds: float, concurrency: int, tag: str) -> dict:
    import httpx

    latencies: list[float] = []
    outcomes: dict[str, int] = {}
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker(n: int) -> None:
        mine: list[float] = []
        seen: dict[str, int] = {}
        with httpx.Client(headers={"Origin": url, "Accept": "application/json"},
                          timeout=10) as client:
            i = 0
            while time.perf_counter() < stop_at:
                data = {"email": f"{tag}-{n}-{i}@example.org", "topics": ["ptsd", "stress"],
                        "language": "en", "website": ""}
                start = time.perf_counter()
                response = client.post(f"{url}/api/newsletter/subscribe", data=data)
                mine.append(time.perf_counter() - start)
                code = response.json().get("outcome", str(response.status_code))
                seen[code] = seen.get(code, 0) + 1
                i += 1
        with lock:
            latencies.extend(mine)
            for code, count in seen.items():
                outcomes[code] = outcomes.get(code, 0) + count

    # Warm-up (imports, first SQLite pages, connection set-up) is not measured.
    with httpx.Client() as client:
        for i in range(20):
            client.post(f"{url}/api/newsletter/subscribe",
                        data={"email": f"warm-{tag}-{i}@example.org"},
                        headers={"Origin": url, "Accept": "application/json"})
    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 2),
        "throughput_rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
        "max_ms": round(latencies[-1] * 1000, 1),
        "outcomes": outcomes,
    }


def run(seconds: float = 5.0, concurrency: int = 16, latency: float = 0.020) -> dict:
    """Both scenarios; returns {"local": {...}, "mailchimp": {...}, "setup": {...}}."""
    results: dict = {"setup": {"seconds": seconds, "concurrency": concurrency,
                               "mailchimp_latency_ms": latency * 1000,
                               "cpus": os.cpu_count()}}
    with tempfile.TemporaryDirectory(prefix="newsletter-bench-") as tmp:
        process, url = _start_service({}, f"{tmp}/local")
        try:
            results["local"] = _load(url, seconds, concurrency, "local")
        finally:
            process.terminate()
            process.wait(10)

        # The fake runs in its own process, so it competes for the CPU like a remote API
        # would not, but not for this process's GIL.
        fake = subprocess.Popen([sys.executable, "-m", "tests.fakes.mailchimp",
                                 "--latency", str(latency)], cwd=ROOT, stdout=subprocess.PIPE,
                                text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        try:
            address = json.loads(fake.stdout.readline())
            env = {"MAILCHIMP_API_KEY": address["api_key"],
                   "MAILCHIMP_API_URL": address["api_url"], "MAILCHIMP_LIST_ID": "list0001"}
            _setup_interests(env, f"{tmp}/mailchimp")
            process, url = _start_service(env, f"{tmp}/mailchimp")
            try:
                results["mailchimp"] = _load(url, seconds, concurrency, "mc")
            finally:
                process.terminate()
                process.wait(10)
        finally:
            fake.terminate()
            fake.wait(10)
    return results


def _setup_interests(env: dict[str, str], state_dir: str) -> None:
    """Create the topic interests at the fake and cache the mapping in the state dir."""
    from newsletter.config import load_config
    from newsletter.interests import load_interest_map
    from newsletter.mailchimp import MailchimpGateway

    config = load_config(environ={**env, "NEWSLETTER_SECRET": SECRET,
                                  "NEWSLETTER_STATE_DIR": state_dir})
    load_interest_map(config, MailchimpGateway(config), create=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newsletter.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--serve", nargs=2, metavar=("PORT", "STATE_DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        _serve(int(args.serve[0]), args.serve[1])
        return 0
    print(json.dumps(run(args.seconds, args.concurrency), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
