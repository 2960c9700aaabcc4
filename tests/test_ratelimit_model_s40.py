"""Session 40: the rate limiter's promise, for any sequence of commands and clock moves, forwards and back.

A member refused is told to wait at most what refills the tokens they still need: one token for a command, one
more for each interaction admitted and not yet taken (`RateLimiter.admit`), so never more than the time the whole
bucket takes to refill, plus one: ``60 × (per_minute + 1) / per_minute`` seconds. And a member who has sent nothing
for a minute of forward time is let through. Before session 40 a wall clock stepped back (NTP) made the refill
negative: one command, an hour's step back, and "wait 3546 seconds" (this model finds it in the old code: the
first example hypothesis shrinks to is a `check`, a step back, a `check`); and the first fix re-based the bucket's
time in `check` only, not in `admit`, which adapters ask first (the explicit example)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from hypothesis import example, given, settings
from hypothesis import strategies as st

from mentorbot.clock import ManualClock
from mentorbot.ratelimit import RateLimiter

START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
Op = tuple[str, float]

ops = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["check", "admit", "peek", "withdraw"]), st.just(0.0)),
        st.tuples(
            st.just("move"),
            st.one_of(
                st.sampled_from([-3600.0, -61.0, -1.0, 1.0, 20.0, 61.0, 3600.0]),  # steps NTP makes, and a minute
                st.floats(min_value=-7200, max_value=7200, allow_nan=False),
            ),
        ),
    ),
    max_size=60,
)


@settings(max_examples=400, deadline=None, database=None)
@given(per_minute=st.integers(min_value=1, max_value=30), steps=ops)
# The day's review found this one, which 400 random sequences had missed: an adapter asks `admit` first, and a
# refusal never reaches `check`, which alone moved the bucket's time back after a step.
@example(per_minute=1, steps=[("check", 0.0), ("move", -3600.0), ("move", 61.0), ("admit", 0.0)])
def test_a_refusal_never_asks_more_than_a_full_refill(per_minute: int, steps: list[Op]) -> None:
    clock = ManualClock(START)
    limiter = RateLimiter(per_minute, clock)
    longest = math.ceil(60 * (per_minute + 1) / per_minute) + 1
    quiet_since = clock.now()  # forward time since the member's last interaction
    for op, seconds in steps:
        if op == "move":
            clock.current += timedelta(seconds=seconds)
            if seconds < 0:
                quiet_since = min(quiet_since, clock.now())
            continue
        if op == "withdraw":
            limiter.withdraw("c:u")
            continue
        rested = clock.now() - quiet_since >= timedelta(seconds=61)
        wait = getattr(limiter, op)("c:u")
        assert wait is None or 1 <= wait <= longest, (op, wait, longest)
        if rested and op != "peek":
            assert wait is None, "a member quiet for a minute of forward time is let through"
        if op != "peek":
            quiet_since = clock.now()
