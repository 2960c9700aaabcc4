"""An offer that never reached its mentor puts the pair on a cooldown that is lifted when no one else is eligible.

A review found that such an offer started no cooldown at all (session 32 made it no lapse): a mentor the platform
cannot reach, and who is never paused for it (their offers held or retried, never refused for good), ranked first
again at every hand-on, so the request went back to them and waited another offer's time (48 hours) each turn while a
mentor who could be reached had room. Now mentors who can be reached are asked first, and the request goes back to
the unreached mentor only when no one else can take it (`test_lapses_unsent_s32.test_an_unsent_offer_starts_no_
cooldown`: the only mentor of the skill is offered it again).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.matching.eligibility import HAND_ON_GRACE, UNDELIVERED, PairFact, blocks_for, strict, when_alone
from tests.usecases.conftest import COMMUNITY, to

Who = Callable[..., Caller]


async def offered_to(bot: MentorBot, name: str) -> list[int]:
    """The request ids of `name`'s pending offers."""
    member = await bot.store.find_member(COMMUNITY, f"U-{name}")
    assert member is not None
    return [o.request_id for o in await bot.store.list_offers(mentor_id=member.id) if o.status.value == "pending"]


async def test_the_next_hand_on_asks_a_mentor_who_can_be_reached(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    """Baraka (expert), Chao (intermediate) and Dede (learning) mentor SEO, in that order of rank. Amina's offer to
    Baraka is held (his DMs fail, never refused for good) and expires unseen; it goes to Chao, who declines a day
    later. It then goes to Dede, not back to Baraka for another 48 hours."""
    await bot.signup(who("baraka"), skills="seo", levels="expert", capacity="1")
    await bot.signup(who("chao"), skills="seo", levels="intermediate", capacity="1")
    await bot.signup(who("dede"), skills="seo", levels="learning", capacity="1")
    [unseen] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    await bot.hold_undelivered(unseen)
    clock.advance(timedelta(hours=48, minutes=1))
    await bot.run_due_jobs()
    assert await offered_to(bot, "chao") == [1]
    clock.advance(timedelta(days=1))
    [to_chao] = [o for o in await bot.store.list_offers(request_id=1) if o.status.value == "pending"]
    await bot.decline(who("chao"), offer_id=to_chao.id, reason="not now")
    assert await offered_to(bot, "dede") == [1]
    assert await offered_to(bot, "baraka") == []


async def test_alone_the_unreached_mentor_is_asked_again(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    """The same with Dede not there: Chao declined (a decline's cooldown is never lifted), so Baraka is the only
    mentor left, and the request goes back to him (his DMs may work now): nobody is stranded for an unsent offer."""
    await bot.signup(who("baraka"), skills="seo", levels="expert", capacity="1")
    await bot.signup(who("chao"), skills="seo", levels="intermediate", capacity="1")
    [unseen] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    await bot.hold_undelivered(unseen)
    clock.advance(timedelta(hours=48, minutes=1))
    await bot.run_due_jobs()
    clock.advance(timedelta(days=1))
    [to_chao] = [o for o in await bot.store.list_offers(request_id=1) if o.status.value == "pending"]
    await bot.decline(who("chao"), offer_id=to_chao.id, reason="not now")
    assert await offered_to(bot, "baraka") == [1]
    profile = await bot.mentor_profile(COMMUNITY, "U-baraka")
    assert profile is not None and profile.expired_streak == 0, "still no lapse of his"


NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


@given(
    minutes_ago=st.lists(st.integers(0, 10 * 24 * 60), min_size=1, max_size=4),
    requests=st.lists(st.integers(1, 3), min_size=4, max_size=4),
    days=st.integers(0, 7),
    back_minutes_ago=st.one_of(st.none(), st.integers(0, 10 * 24 * 60)),
)
def test_unsent_offers_block_until_the_cooldown_ends_but_never_strand(
    minutes_ago: list[int], requests: list[int], days: int, back_minutes_ago: int | None
) -> None:
    """A mentor whose only history with the mentee is offers that expired unsent: within `reoffer_after` of the
    latest they are left out while anyone else is eligible, and offered when no one else is (but in the minute of
    the hand-on right after an expiry of this very request, `HAND_ON_GRACE`); after it, not blocked at all."""
    after = timedelta(days=days)
    back = None if back_minutes_ago is None else NOW - timedelta(minutes=back_minutes_ago)
    history = [
        PairFact(1, request, ("seo",), 10, "expired", UNDELIVERED, NOW - timedelta(minutes=minutes), back)
        for minutes, request in zip(minutes_ago, requests, strict=False)
    ]
    blocks = blocks_for(1, 1, ("seo",), history, now=NOW, reoffer_after=after)
    cooling = [f for f in history if f.decided_at is not None and f.decided_at + after > NOW]
    grace = [
        f for f in history if f.request_id == 1 and f.decided_at is not None and f.decided_at + HAND_ON_GRACE > NOW
    ]
    assert (10 in strict(blocks)) == bool(cooling or grace)
    assert (10 in when_alone(blocks)) == bool(grace), "lifted when no one else is eligible, but in the hand-on's minute"
