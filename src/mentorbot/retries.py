"""When a notification that failed for a transient reason (a platform's 5xx, a 429, the network) is tried again.

The schedule is exponential: 30 s after the first try failed, then 1, 2, 4, 8, 16 minutes, capped at 30; each
wait grows by a random part of up to `JITTER` of itself (so processes that failed together do not come back
together), and is never shorter than the ``Retry-After`` the platform asked for. After `Settings.delivery_attempts`
tries the notification is held for the member's next command instead (`next_try` answers None).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Final

RETRY_BASE: Final = timedelta(seconds=30)
"""The wait after the first failed try."""
RETRY_CAP: Final = timedelta(minutes=30)
"""The longest wait the schedule reaches by doubling (jitter and ``Retry-After`` may add to it)."""
JITTER: Final = 0.2
"""Each wait grows by up to this fraction of itself, at random."""
RETRY_AFTER_CAP: Final = timedelta(days=1)
"""A platform's ``Retry-After`` is honoured up to this (a larger or absurd one is read as this)."""


AUTH_RETRY_SECONDS: Final = 300.0
"""The least wait (seconds) before a notification is tried again after the platform refused the bot's own token
(Slack's ``invalid_auth``…, Discord's 401): every call fails then, not one member's DM, so what the bot says waits
in the outbox, retried with backoff no sooner than this apart, instead of being held at once as if each member had
closed their DMs; after ``MENTORBOT_DELIVERY_ATTEMPTS`` tries each is held for its member's next command."""


@dataclass
class Alarm:
    """A condition that lasts (the bot's token refused) told in one log line at most every `every` seconds, not one
    per notification that meets it."""

    every: float = 600.0
    _at: float | None = field(default=None, repr=False)

    def due(self) -> bool:
        """Whether to log the line now (and, if so, not again for `every` seconds)."""
        now = time.monotonic()
        if self._at is not None and now - self._at < self.every:
            return False
        self._at = now
        return True

    def reset(self) -> None:
        """The next `due` answers True (a test's fresh start)."""
        self._at = None


@dataclass(frozen=True)
class TransientFailure:
    """A platform failure worth trying again later (5xx, 429, a network error or timeout), as an adapter saw it:
    the wait the platform asked for (``Retry-After``, seconds) when it gave one, and a short reason for the log."""

    retry_after: float | None = None
    reason: str = ""


def retry_delay(attempt: int, *, retry_after: float | None = None, jitter: float = 0.0) -> timedelta:
    """The wait before trying again a notification whose `attempt`-th try (1 for the first) failed transiently.

    `jitter` is a number in [0, 1) (``random.random()``): the wait grows by ``jitter * JITTER`` of itself.
    `retry_after` (seconds) is a floor; a negative, infinite or NaN one is ignored, a huge one is capped.
    """
    doublings = min(max(attempt, 1) - 1, 16)  # 2**16 * 30 s is far past the cap already
    base: timedelta = min(RETRY_BASE * (2**doublings), RETRY_CAP)
    delay: timedelta = base * (1 + JITTER * min(max(jitter, 0.0), 1.0))
    if retry_after is not None and math.isfinite(retry_after) and retry_after > 0:
        delay = max(delay, timedelta(seconds=min(retry_after, RETRY_AFTER_CAP.total_seconds())))
    return delay


def next_try(
    attempt: int, max_attempts: int, *, retry_after: float | None = None, jitter: float = 0.0
) -> timedelta | None:
    """The wait before the next try of a notification whose `attempt`-th try failed transiently, or None when
    it has had its `max_attempts` tries (it is then held for the member's next command, never retried forever)."""
    if attempt >= max_attempts:
        return None
    return retry_delay(attempt, retry_after=retry_after, jitter=jitter)
