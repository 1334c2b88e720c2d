"""`make cms`: local editing in one command.

decap-server (the pinned npm package) runs on 127.0.0.1 and reads and writes the working tree
(its `fs` mode: no commits, no branches); the devserver builds the site with the editor's
config pointing at it, serves both, and rebuilds on every save, so the preview of the real
pages is one reload away.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

from sitebuild import config
from sitebuild.cms import admin
from sitebuild.cms import config as cms_config

logger = logging.getLogger(__name__)

PROXY = admin.NODE_MODULES / "decap-server" / "dist" / "index.js"


class ProxyError(RuntimeError):
    """decap-server could not be started."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_proxy(repo: Path, port: int, timeout: float = 60.0) -> subprocess.Popen:
    """decap-server on 127.0.0.1:`port`, editing the files under `repo`; waits until it listens."""
    node = shutil.which("node")
    if node is None or not PROXY.is_file():
        raise ProxyError("decap-server is not installed: `make cms` installs it (npm ci), "
                         "or run `npm ci --omit=dev` in the repository")
    env = {**os.environ, "PORT": str(port), "BIND_HOST": "127.0.0.1", "MODE": "fs",
           "GIT_REPO_DIRECTORY": str(repo), "LOG_LEVEL": "warn"}
    proxy = subprocess.Popen([node, str(PROXY)], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, preexec_fn=_die_with_parent)
    output: list[str] = []
    threading.Thread(target=_relay, args=(proxy, output), daemon=True).start()
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proxy
        except OSError:
            pass
        if proxy.poll() is not None or time.monotonic() > deadline:
            proxy.kill()
            raise ProxyError("decap-server did not start: " + "".join(output[-20:]).strip())
        time.sleep(0.1)


def _die_with_parent() -> None:
    """Linux: the proxy gets SIGTERM when this process ends, however it ends (uvicorn re-raises
    the signal that stopped it, so a `finally` here never runs)."""
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # elsewhere: the `finally` in main() is all there is


def _relay(proxy: subprocess.Popen, output: list[str]) -> None:
    for line in proxy.stdout:
        output.append(line)
        logger.info("decap-server: %s", line.rstrip())


def main(options: config.BuildOptions, host: str, port: int, proxy_port: int = 0) -> int:
    from sitebuild import serve

    base = config.read_base(options)
    repo = cms_config.repo_root(base)
    proxy_port = proxy_port or free_port()
    try:
        proxy = start_proxy(repo, proxy_port)
    except ProxyError as error:
        logger.error("%s", error)
        return 1
    try:
        local = {**(base.get(cms_config.SETTING) or {}),
                 "local_proxy": f"http://127.0.0.1:{proxy_port}/api/v1"}
        options = dataclasses.replace(
            options, overrides=(*options.overrides, (cms_config.SETTING, local)))
        logger.info("the editor: http://%s:%d/admin/ (it edits the files under %s)",
                    host, port, repo)
        return serve.main(options, host, port, watch=True)
    finally:
        proxy.terminate()
        try:
            proxy.wait(10)
        except subprocess.TimeoutExpired:
            proxy.kill()
