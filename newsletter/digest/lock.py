"""One digest run at a time per state dir: an fcntl.flock on `<state>/digest.lock`.

The kernel drops the lock when the holder dies (even by SIGKILL), so a crash never leaves a
stale lock behind. A second run waits up to `timeout` seconds, then gives up with LockBusy.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from newsletter.private import private_dir


class LockBusy(RuntimeError):
    """Another digest run holds the lock."""


class RunLock:
    def __init__(self, state_dir: Path, timeout: float = 600.0, poll: float = 0.05):
        self.path = Path(state_dir) / "digest.lock"
        self.timeout = timeout
        self.poll = poll
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        private_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise LockBusy(f"another digest run holds {self.path} (waited "
                                   f"{self.timeout:.0f} s); try again when it has finished"
                                   ) from None
                time.sleep(self.poll)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
