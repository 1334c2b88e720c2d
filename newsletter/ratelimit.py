"""In-process rate limits (per client IP, per address): a sliding window of recent hits.

Per process: with several instances each allows the limit, which is fine for a form that
expects a handful of submissions a minute. Memory stays bounded by pruning idle keys.
"""

from __future__ import annotations

import threading
import time
from collections import deque


class RateLimiter:
    """At most `limit` hits per `window` seconds per key."""

    def __init__(self, limit: int, window: float, clock=time.monotonic, max_keys: int = 100_000):
        self.limit = limit
        self.window = window
        self._clock = clock
        self._max_keys = max_keys
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> bool:
        """Record one attempt; False when `key` is over its limit (the attempt is not counted)."""
        now = self._clock()
        horizon = now - self.window
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                if len(self._hits) >= self._max_keys:
                    self._prune(horizon)
                hits = self._hits[key] = deque()
            while hits and hits[0] <= horizon:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True

    def _prune(self, horizon: float) -> None:
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= horizon]:
            del self._hits[key]
