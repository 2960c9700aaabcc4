"""The backoff of notifications that failed for a transient reason (`mentorbot.retries`): the schedule, its cap,
its jitter, the platform's Retry-After as a floor, and the end of the tries."""

from __future__ import annotations

import math
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from mentorbot.retries import JITTER, RETRY_AFTER_CAP, RETRY_BASE, RETRY_CAP, next_try, retry_delay

attempts = st.integers(min_value=1, max_value=1000)
jitters = st.floats(min_value=0.0, max_value=1.0, exclude_max=True)
retry_afters = st.one_of(
    st.none(), st.floats(allow_nan=True, allow_infinity=True), st.floats(min_value=0, max_value=10 * 86400)
)


def test_the_schedule_doubles_from_30_seconds_up_to_30_minutes() -> None:
    waits = [retry_delay(n).total_seconds() for n in range(1, 10)]
    assert waits == [30, 60, 120, 240, 480, 960, 1800, 1800, 1800]


def test_the_default_tries_span_about_an_hour() -> None:
    total = sum((retry_delay(n) for n in range(1, 8)), timedelta())
    assert timedelta(minutes=60) < total < timedelta(minutes=62)


def test_retry_after_is_a_floor_and_jitter_adds_at_most_a_fifth() -> None:
    assert retry_delay(1, retry_after=120) == timedelta(seconds=120)
    assert retry_delay(3, retry_after=5) == timedelta(minutes=2)
    assert retry_delay(1, jitter=0.5) == RETRY_BASE * (1 + JITTER / 2)
    assert retry_delay(1, retry_after=float("nan")) == retry_delay(1, retry_after=-3) == RETRY_BASE
    assert retry_delay(1, retry_after=1e300) == RETRY_AFTER_CAP


@given(attempt=attempts, jitter=jitters, retry_after=retry_afters)
def test_a_wait_is_the_backoff_with_its_jitter_and_never_shorter_than_retry_after(
    attempt: int, jitter: float, retry_after: float | None
) -> None:
    wait = retry_delay(attempt, retry_after=retry_after, jitter=jitter)
    backoff = min(RETRY_BASE * 2 ** min(attempt - 1, 16), RETRY_CAP)
    assert backoff <= wait
    honoured = retry_after is not None and math.isfinite(retry_after) and retry_after > 0
    if honoured:
        assert wait >= timedelta(seconds=min(retry_after, RETRY_AFTER_CAP.total_seconds()))
        assert wait <= max(backoff * (1 + JITTER), timedelta(seconds=min(retry_after, RETRY_AFTER_CAP.total_seconds())))
    else:
        assert wait <= backoff * (1 + JITTER)
    assert wait <= max(RETRY_CAP * (1 + JITTER), RETRY_AFTER_CAP)


@given(attempt=attempts, jitter=jitters)
def test_waits_never_shrink_from_one_try_to_the_next(attempt: int, jitter: float) -> None:
    assert retry_delay(attempt, jitter=jitter) <= retry_delay(attempt + 1, jitter=jitter)


@given(max_attempts=st.integers(1, 50), retry_after=retry_afters, jitter=jitters)
def test_a_notification_is_tried_at_most_max_attempts_times(
    max_attempts: int, retry_after: float | None, jitter: float
) -> None:
    tries = 1
    while next_try(tries, max_attempts, retry_after=retry_after, jitter=jitter) is not None:
        tries += 1
        assert tries <= max_attempts
    assert tries == max_attempts, "every try up to the last is scheduled; the last one ends it"
