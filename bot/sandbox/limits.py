"""A platform's rate limit, as the stand-ins enforce it: a token bucket per channel or
conversation, on the real (monotonic) clock."""

from __future__ import annotations

import time
from collections.abc import Callable


class RateLimit:
    """About ``per_second`` calls a second for each key, with bursts of ``burst``."""

    def __init__(self, per_second: float, burst: int = 1, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_second
        self.burst = max(1, burst)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str) -> float | None:
        """Take a call's token for ``key``: None when it may go now, else the seconds to wait."""
        now = self.clock()
        tokens, at = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate
        self._buckets[key] = (tokens - 1.0, now)
        return None
