"""Per-member rate limits on commands: a token bucket per key, refilled continuously.

Kept in memory: with several processes each enforces its own share, which is what a guard against a
runaway script or a stuck key needs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from mentorbot.clock import Clock


def member_key(community: str, user_id: str) -> str:
    """The bucket of one member: every command, help, parse error and App Home open of theirs draws from it."""
    return f"{community}:{user_id}"


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Allows `per_minute` commands per key per minute, with bursts up to the same number."""

    def __init__(self, per_minute: int, clock: Clock, *, max_keys: int = 100_000) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}

    def check(self, key: str) -> int | None:
        """Take one token for `key`; None when allowed, else the whole seconds to wait."""
        now = self.clock.now().timestamp()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._buckets.clear()
            bucket = self._buckets[key] = _Bucket(float(self.per_minute), now)
        rate = self.per_minute / 60.0
        bucket.tokens = min(float(self.per_minute), bucket.tokens + (now - bucket.updated) * rate)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return None
        return max(1, math.ceil((1 - bucket.tokens) / rate))
