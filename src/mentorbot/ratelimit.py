"""Per-member rate limits on commands: a token bucket per key, refilled continuously.

Kept in memory: with several processes each enforces its own share, which is what a guard against a
runaway script or a stuck key needs.

An adapter asks before it records an interaction (`RateLimiter.admit`), so that one over the limit writes
nothing, not even its inbox row; the use-case then takes the interaction's one token (`RateLimiter.check`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from mentorbot.clock import Clock

ADMISSION_TTL: Final = 60.0
"""Seconds an admitted interaction is counted before its use-case takes its token (`RateLimiter.admit`): past
them (the interaction never took one: a malformed click, a crash), the count is dropped."""


def member_key(community: str, user_id: str) -> str:
    """The bucket of one member: every command, help, parse error and App Home open of theirs draws from it."""
    return f"{community}:{user_id}"


@dataclass
class _Bucket:
    tokens: float
    updated: float
    admitted: int = 0
    """Interactions `admit` let through whose use-case has not taken its token yet (`check`)."""
    admitted_at: float = 0.0
    """When the last of them was admitted."""


class RateLimiter:
    """Allows `per_minute` commands per key per minute, with bursts up to the same number."""

    def __init__(self, per_minute: int, clock: Clock, *, max_keys: int = 100_000) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}

    def _bucket(self, key: str, now: float) -> _Bucket:
        """`key`'s bucket, made full when it has none (all forgotten past `max_keys`: a full bucket is the default)."""
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._buckets.clear()
            bucket = self._buckets[key] = _Bucket(float(self.per_minute), now)
        return self._rebased(bucket, now)

    def _rebased(self, bucket: _Bucket, now: float) -> _Bucket:
        """`bucket`, refilled and counted from `now` when the wall clock was stepped back past its last update (NTP,
        a virtual machine resumed): how long passed since cannot be told, and waiting for the clock to come back to
        that time would refuse the member for the step's length. A step gives each member one full bucket at most."""
        if now < bucket.updated:
            bucket.tokens, bucket.updated = float(self.per_minute), now
        return bucket

    def _tokens(self, bucket: _Bucket, now: float) -> float:
        """The bucket's tokens at `now`, refilled since it was last updated (nothing is changed). A `now` before
        that (the wall clock stepped back) refills nothing, and takes nothing either."""
        elapsed = max(0.0, now - bucket.updated)
        return min(float(self.per_minute), bucket.tokens + elapsed * self.per_minute / 60.0)

    def _wait(self, tokens: float, needed: float) -> int:
        """Whole seconds until `tokens` grow to `needed` (at least 1)."""
        return max(1, math.ceil((needed - tokens) / (self.per_minute / 60.0)))

    def check(self, key: str) -> int | None:
        """Take one token for `key`; None when allowed, else the whole seconds to wait. It is the token of an
        interaction `admit` let through, when one waits for it."""
        now = self.clock.now().timestamp()
        bucket = self._bucket(key, now)
        bucket.tokens = self._tokens(bucket, now)
        bucket.updated = now
        if bucket.admitted:
            bucket.admitted -= 1
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return None
        return self._wait(bucket.tokens, 1)

    def _admitted(self, bucket: _Bucket, now: float) -> int:
        """The bucket's admitted interactions still waiting to take their token (none past `ADMISSION_TTL`, nor
        once the wall clock stepped back from their admission: the step would hold them for its length)."""
        return bucket.admitted if 0.0 <= now - bucket.admitted_at < ADMISSION_TTL else 0

    def peek(self, key: str) -> int | None:
        """Whether one more interaction of `key` would be allowed now, taking no token and changing nothing: None
        when it would, else the whole seconds to wait. The interactions `admit` let through that have not taken
        their token yet count as taken."""
        bucket = self._buckets.get(key)
        if bucket is None:
            return None  # a full bucket
        now = self.clock.now().timestamp()
        self._rebased(bucket, now)
        needed = 1.0 + self._admitted(bucket, now)
        tokens = self._tokens(bucket, now)
        return None if tokens >= needed else self._wait(tokens, needed)

    def admit(self, key: str) -> int | None:
        """`peek`, for an interaction about to be recorded: when allowed (None), it is counted until its use-case
        takes its token (`check`, within `ADMISSION_TTL`), so that interactions arriving together are not all
        let through on the same tokens; it takes no token itself. Else the whole seconds to wait."""
        wait = self.peek(key)
        if wait is not None:
            return wait
        now = self.clock.now().timestamp()
        bucket = self._bucket(key, now)
        bucket.admitted = self._admitted(bucket, now) + 1
        bucket.admitted_at = now
        return None

    def withdraw(self, key: str) -> None:
        """An interaction `admit` let through will not take its token (it was not recorded: a redelivery, or the
        database refused it): it no longer counts."""
        bucket = self._buckets.get(key)
        if bucket is not None and bucket.admitted:
            bucket.admitted -= 1
