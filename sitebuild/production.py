"""`make serve-production`: the production stack on this machine, as a server runs it.

Caddy (Debian's `caddy` package) serves the last `make publish` output with the generated
Caddyfile (sitebuild/serverconf.py) and proxies `/api/newsletter/` to the subscribe service
(`python -m newsletter serve`, endpoint only), started with the same settings file. Local
differences from a server, and only these: plain HTTP on 127.0.0.1 (no certificate), no Caddy
admin endpoint, the site folder is output/ instead of SERVER["root"], and the service listens
on a free port. Ctrl+C (or SIGTERM) stops both.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from sitebuild import config, release, serverconf

logger = logging.getLogger(__name__)

CADDY = "caddy"


class ProductionError(Exception):
    """The stack could not start; the message says what is missing."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ProductionError(f"{what} exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError as error:
            if getattr(error, "code", None):  # an HTTP answer, even an error, means it is up
                return
        time.sleep(0.1)
    raise ProductionError(f"{what} did not answer on {url} within {timeout:.0f} s")


def serve(settings_file: Path, output: Path | None, host: str, port: int,
          workers: int = 2) -> int:
    options = config.BuildOptions(settings_file=settings_file, output=output)
    base = config.read_base(options)
    site = Path(base["OUTPUT_PATH"])
    record = release.check_published(site, allow_local=True)
    if not serverconf.is_local_url(record.site_url or ""):
        logger.warning("%s/ was published for %s: its pages load CSS and scripts from there. "
                       "To look at it here: PUBLISH_SITEURL=http://%s:%d make publish",
                       site, record.site_url, host, port)
    caddy = shutil.which(CADDY)
    if caddy is None:
        raise ProductionError("caddy is not installed: apt-get install caddy (Debian's package)")
    server = serverconf.load(base)
    service_address = f"127.0.0.1:{free_port()}"
    runtime = Path(tempfile.mkdtemp(prefix="expio-production-"))
    caddyfile = runtime / "Caddyfile"
    caddyfile.write_text(serverconf.caddyfile(server, root=site.resolve(), listen=f"{host}:{port}",
                                              service_address=service_address),
                         encoding="utf-8")
    service_host, _, service_port = service_address.rpartition(":")
    processes: list[subprocess.Popen] = []

    def stop(*_args) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        service = subprocess.Popen(
            [sys.executable, "-m", "newsletter", "serve", "--host", service_host,
             "--port", service_port, "--site", "", "--settings", str(settings_file.resolve()),
             "--workers", str(workers)])
        processes.append(service)
        _wait_for(f"http://{service_address}/api/newsletter/health", service,
                  "the subscribe service")
        # Caddy keeps its data (certificates, autosave) under XDG folders: ours, not $HOME's.
        env = {**os.environ, "XDG_DATA_HOME": str(runtime / "data"),
               "XDG_CONFIG_HOME": str(runtime / "config")}
        proxy = subprocess.Popen([caddy, "run", "--config", str(caddyfile),
                                  "--adapter", "caddyfile"], env=env)
        processes.append(proxy)
        _wait_for(f"http://{host}:{port}/", proxy, "caddy")
        logger.info("production stack: http://%s:%d/ (Caddy, config %s) -> subscribe service "
                    "on %s; serving %s/ (published for %s). Ctrl+C stops.", host, port,
                    caddyfile, service_address, site, record.site_url)
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
        failed = [process for process in processes if process.returncode is not None]
        logger.error("%s exited (status %s); stopping", failed[0].args[0], failed[0].returncode)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        for process in reversed(processes):
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(runtime, ignore_errors=True)
