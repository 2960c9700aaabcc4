"""Session 31: the rate limiter's question before an interaction is recorded (`RateLimiter.peek`, `admit`) and the
core's answer to it (`MentorBot.admit`): it takes no token, so a member under the limit is counted once per
interaction (by its use-case), and interactions arriving together are not all let through on the same tokens."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.ratelimit import ADMISSION_TTL, RateLimiter

KEY = "test:guild:U-amina"
EN = translator("en")
SW = translator("sw")

Who = Callable[..., Caller]

ops = st.lists(
    st.one_of(
        st.tuples(st.just("check"), st.just(0)),
        st.tuples(st.just("peek"), st.just(0)),
        st.tuples(st.just("wait"), st.integers(min_value=0, max_value=90_000)),  # milliseconds
    ),
    max_size=60,
)


@given(per_minute=st.integers(min_value=1, max_value=30), plan=ops)
def test_peek_changes_nothing_and_foretells_the_next_check(per_minute: int, plan: list[tuple[str, int]]) -> None:
    """Peeking any number of times leaves every check's answer as it would be without it, and a peek says what the
    check right after it says."""
    peeking, plain = ManualClock(), ManualClock()
    with_peeks, without = RateLimiter(per_minute, peeking), RateLimiter(per_minute, plain)
    for op, value in plan:
        if op == "wait":
            peeking.advance(timedelta(milliseconds=value))
            plain.advance(timedelta(milliseconds=value))
        elif op == "peek":
            foretold = with_peeks.peek(KEY)
            assert with_peeks.peek(KEY) == foretold
            assert (foretold is None) == (with_peeks.check(KEY) is None) == (without.check(KEY) is None)
        else:
            assert with_peeks.check(KEY) == without.check(KEY)


@given(per_minute=st.integers(min_value=1, max_value=30), burst=st.integers(min_value=1, max_value=80))
def test_a_burst_admitted_together_is_let_through_on_the_tokens_there_are(per_minute: int, burst: int) -> None:
    """`burst` interactions asked about before any of them took its token: as many are admitted as there are
    tokens; each admitted one's use-case then gets its token; the rest were refused with a wait."""
    clock = ManualClock()
    limiter = RateLimiter(per_minute, clock)
    answers = [limiter.admit(KEY) for _ in range(burst)]
    admitted = sum(a is None for a in answers)
    assert admitted == min(burst, per_minute)
    assert all(a is not None and a >= 1 for a in answers[admitted:])
    assert all(limiter.check(KEY) is None for _ in range(admitted)), "each admitted one takes its own token"
    if burst >= per_minute:
        assert limiter.check(KEY) is not None, "and no more"


@given(per_minute=st.integers(min_value=1, max_value=30), plan=st.lists(st.integers(0, 20_000), max_size=60))
def test_admitting_then_checking_counts_each_interaction_once(per_minute: int, plan: list[int]) -> None:
    """Interactions one after another (each admitted, then its use-case checks): exactly the ones a limiter that is
    only checked lets through, and never one the use-case then refuses."""
    clock, plain_clock = ManualClock(), ManualClock()
    limiter, plain = RateLimiter(per_minute, clock), RateLimiter(per_minute, plain_clock)
    for wait_ms in plan:
        clock.advance(timedelta(milliseconds=wait_ms))
        plain_clock.advance(timedelta(milliseconds=wait_ms))
        admitted = limiter.admit(KEY) is None
        assert admitted == (plain.check(KEY) is None)
        if admitted:
            assert limiter.check(KEY) is None, "an admitted interaction gets its token"


def test_an_admission_that_never_takes_its_token_stops_counting() -> None:
    clock = ManualClock()
    limiter = RateLimiter(2, clock)
    assert limiter.admit(KEY) is None and limiter.admit(KEY) is None
    assert limiter.admit(KEY) is not None, "two admitted, none checked yet: the bucket is spoken for"
    limiter.withdraw(KEY)  # one was not recorded after all (a redelivery)
    assert limiter.admit(KEY) is None
    clock.advance(timedelta(seconds=ADMISSION_TTL))
    assert limiter.peek(KEY) is None, "admissions whose use-case never ran are dropped after a while"


async def test_the_core_answers_without_reading_unless_it_refuses(bot: MentorBot, who: Who) -> None:
    await bot.set_language(who("amina"), language="sw")
    bot.rate_limiter = RateLimiter(2, bot.clock)
    reads = [0]
    original = bot.store.find_member

    async def counting(*args: Any, **kwargs: Any) -> Any:
        reads[0] += 1
        return await original(*args, **kwargs)

    bot.store.find_member = counting  # type: ignore[method-assign]
    assert await bot.admit("test:guild", "U-amina") is None
    assert reads == [0], "letting through reads nothing"
    first = await bot.status(who("amina"))
    assert first.error is None, "the admitted command takes its token"
    assert await bot.admit("test:guild", "U-amina") is None
    assert (await bot.status(who("amina"))).error is None
    refused = await bot.admit("test:guild", "U-amina")
    assert refused is not None and refused.error is not None and refused.error.key == "common.rate_limited"
    core_refusal = await bot.status(who("amina"))
    assert refused.reply.text == core_refusal.reply.text == SW("common.rate_limited", count=30)
    assert refused.language == "sw"
