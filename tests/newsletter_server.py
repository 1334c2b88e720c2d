"""`python -m newsletter serve` as production runs it, in a subprocess on a free port, its log
(uvicorn's access log included) captured to a file."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.fakes.fixtures import pick_port

ROOT = Path(__file__).resolve().parent.parent


class ServeProcess:
    """`with ServeProcess(tmp_path, **NEWSLETTER overrides) as server:` -> server.url, .log()"""

    def __init__(self, tmp_path: Path, workers: int = 1, **newsletter):
        self.port = pick_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.state = tmp_path / "state"
        self.log_path = tmp_path / "serve.log"
        self.settings = tmp_path / "settings.py"
        self.settings.write_text(
            "from newsletter.config import read_pelicanconf as _read\n"
            "globals().update(_read())\n"
            f"SITEURL = {self.url!r}\n"
            f'NEWSLETTER = {{**NEWSLETTER, "allowed_origins": [SITEURL], **{newsletter!r}}}\n',
            encoding="utf-8")
        self.workers = workers
        self.secret = "serve-secret-" + "s" * 20
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "ServeProcess":
        env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'plugins'}",
               "NEWSLETTER_SECRET": self.secret, "NEWSLETTER_STATE_DIR": str(self.state),
               "PYTHONUNBUFFERED": "1"}  # log lines reach the file as they are written
        env.pop("FORWARDED_ALLOW_IPS", None)
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "newsletter", "serve", "--port", str(self.port), "--site",
             "", "--workers", str(self.workers), "--settings", str(self.settings),
             "--log-level", "info"],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:  # started when the app is up and the port accepts connections
            if "Application startup complete" in self.log():
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=5).close()
                    return self
                except OSError:
                    pass
            assert self.process.poll() is None, self.log()
            assert time.monotonic() < deadline, "serve did not start:\n" + self.log()
            time.sleep(0.05)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(20)
        self._log.close()
