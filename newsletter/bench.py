"""Endpoint benchmark: throughput and p50/p99 latency of POST /api/newsletter/subscribe.

    python -m newsletter.bench [--seconds 5] [--concurrency 16]

Two scenarios, each against the service run by uvicorn in a subprocess on loopback:
- "local": local backend (SQLite with fsync per commit + one .eml file per subscription);
- "mailchimp": the fake Mailchimp (tests/fakes/mailchimp.py) answering after 20 ms.
The load generator is wrk (Debian package; newsletter/benchdata/subscribe.lua): `concurrency`
keep-alive connections, each POSTing a distinct address as soon as the previous answer arrives,
with the Origin the service allows. wrk's latency percentiles are reported as p50/p90/p99.
`run()` returns a dict (the bench harness in bench/ calls it).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
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


WRK_SCRIPT = Path(__file__).resolve().parent / "benchdata" / "subscribe.lua"


def _wrk(url: str, seconds: float, concurrency: int, tag: str, threads: int = 1) -> dict:
    """Run wrk against the subscribe endpoint; its Lua script prints one BENCH_JSON line.

    wrk (C, epoll) needs a few percent of one core at these rates, so the service gets the
    machine instead of a Python load generator competing with it for the CPU and the GIL.
    One wrk thread drives all connections (each keep-alive, one request in flight).
    """
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed: `apt-get install -y wrk` "
                           "(.ci/install-system-packages installs it)")
    command = [wrk, f"-t{threads}", f"-c{concurrency}", f"-d{seconds:g}s", "--timeout", "10s",
               "--latency", "-s", str(WRK_SCRIPT), f"{url}/api/newsletter/subscribe"]
    env = {**os.environ, "BENCH_ORIGIN": url, "BENCH_TAG": tag}
    done = subprocess.run(command, env=env, capture_output=True, text=True,
                          timeout=seconds + 60, check=True)
    line = next((line for line in done.stdout.splitlines() if line.startswith("BENCH_JSON ")),
                None)
    if line is None:
        raise RuntimeError(f"wrk printed no BENCH_JSON line:\n{done.stdout}\n{done.stderr}")
    raw = json.loads(line.split(" ", 1)[1])
    elapsed = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "seconds": round(elapsed, 2),
        "throughput_rps": round(raw["requests"] / elapsed, 1),
        "p50_ms": round(raw["p50_us"] / 1000, 1),
        "p90_ms": round(raw["p90_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1),
        "max_ms": round(raw["max_us"] / 1000, 1),
        "statuses": raw["statuses"],
        "errors": {name[len("errors_"):]: n for name, n in raw.items()
                   if name.startswith("errors_") and n},
    }


def _tree_cpu_seconds(pid: int) -> float:
    """User+system CPU seconds of a process and its descendants (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}  # pid -> (parent pid, cpu seconds)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2:].split()  # after "pid (comm) "
        stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += stats.get(current, (0, 0.0))[1]
        todo.extend(child for child, (parent, _) in stats.items() if parent == current)
    return total


def _load(url: str, seconds: float, concurrency: int, tag: str, service_pid: int) -> dict:
    """Warm the service up (imports, first SQLite pages), then measure.

    Besides wall-clock figures (which depend on whatever else runs on the machine) it reports
    the service's CPU time per request and the load average before the run: the CPU cost is
    the figure that compares across runs on a shared machine.
    """
    _wrk(url, 1, concurrency, f"warm-{tag}")
    load_before = os.getloadavg()[0]
    cpu_before = _tree_cpu_seconds(service_pid)
    figures = _wrk(url, seconds, concurrency, tag)
    cpu = _tree_cpu_seconds(service_pid) - cpu_before
    figures["service_cpu_ms_per_request"] = round(cpu * 1000 / max(figures["requests"], 1), 2)
    figures["load_before"] = round(load_before, 2)
    return figures


def run(seconds: float = 5.0, concurrency: int = 16, latency: float = 0.020) -> dict:
    """Both scenarios; returns {"local": {...}, "mailchimp": {...}, "setup": {...}}."""
    results: dict = {"setup": {"seconds": seconds, "concurrency": concurrency,
                               "mailchimp_latency_ms": latency * 1000,
                               "cpus": os.cpu_count()}}
    with tempfile.TemporaryDirectory(prefix="newsletter-bench-") as tmp:
        process, url = _start_service({}, f"{tmp}/local")
        try:
            results["local"] = _load(url, seconds, concurrency, "local", process.pid)
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
                results["mailchimp"] = _load(url, seconds, concurrency, "mc", process.pid)
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
