"""A mentor's overdue offers expire together, in the unit of the first one's timer (session 36,
`usecases.expiry.expire_offer`): the places they free go to the oldest waiting requests once all have run and the
mentor is still active (the fairness gap of `test_fairness_overdue_s35.py`); the other offers' timers, claimed in the
same round, end doing nothing, and are not logged as taken over by another process; an expiry of the unit that pauses
the mentor is told in every notice of it (no "take it after all" to someone paused)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.models import MentorProfile, MentorStatus, OfferStatus
from mentorbot.settings import Settings
from tests.usecases.conftest import make_settings, offer_id, to
from tests.usecases.test_departures_s32 import Who

EN = translator("en")
TTL = timedelta(hours=48)


async def profile_of(bot: MentorBot, caller: Caller) -> MentorProfile:
    member = await bot.store.find_member(caller.community, caller.user_id)
    assert member is not None
    profile = await bot.store.get_mentor_profile(member.id)
    assert profile is not None
    return profile


async def expiry_timers(bot: MentorBot) -> dict[int, str]:
    async with bot.store.read() as conn:
        found = await conn.fetch_all("SELECT ref_id, status FROM jobs WHERE kind = 'offer_expiry'")
    return {int(r["ref_id"]): str(r["status"]) for r in found}


async def test_two_overdue_offers_expire_in_one_unit_and_free_their_places_oldest_first(
    bot: MentorBot, who: Who, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Wanjiru (two places) holds x's and y's offers; z and w wait, z first. Both offers expire in one round: one
    lapse, a notice for each, both places to the waiting requests, and no timer left running or logged as taken."""
    caplog.set_level(logging.DEBUG, logger="mentorbot")
    wanjiru = who("wanjiru")
    await bot.signup(wanjiru, skills="seo", capacity="2")
    [ox] = to(await bot.request(who("x"), skills="seo"), "wanjiru")
    [oy] = to(await bot.request(who("y"), skills="seo"), "wanjiru")
    await bot.delivered([ox, oy])
    await bot.request(who("z"), skills="seo")
    await bot.request(who("w"), skills="seo")
    clock.advance(TTL + timedelta(minutes=1))
    notes = await bot.run_due_jobs()
    told = to(notes, "wanjiru")
    keys = [n.key for n in told if not n.reply.buttons]
    assert keys == [f"offer:{offer_id(ox)}", f"offer:{offer_id(oy)}"]
    assert len([n for n in told if n.reply.buttons]) == 2, "both places offered again, to z and w"
    profile = await profile_of(bot, wanjiru)
    assert (profile.status, profile.expired_streak, profile.pending_offers) == (MentorStatus.ACTIVE, 1, 2)
    pending = await bot.store.list_offers(status=OfferStatus.PENDING)
    assert sorted(o.request_id for o in pending) == [3, 4]
    assert all(status != "running" for status in (await expiry_timers(bot)).values())
    messages = [r.getMessage() for r in caplog.records]
    assert not [m for m in messages if "taken over" in m], messages
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.fixture
def settings() -> Settings:
    return make_settings(max_expired_offers=2)


async def test_when_a_later_expiry_of_the_unit_pauses_the_mentor_no_notice_offers_a_late_accept(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Two lapses pause (`settings`). After a first counted lapse, offer A (x's) expires 59 minutes late (past the
    10 minutes' grace: not counted) in the same round as B (y's: counted, the second), which pauses Wanjiru and
    withdraws C (q's). A's notice does not invite her to take it after all (a paused mentor's late accept is
    refused), and the pause lists what became of all three requests."""
    wanjiru = who("wanjiru")
    await bot.signup(wanjiru, skills="seo", capacity="3")
    await bot.delivered(to(await bot.request(who("p"), skills="seo"), "wanjiru"))
    clock.advance(TTL + timedelta(minutes=1))
    await bot.run_due_jobs()
    assert (await profile_of(bot, wanjiru)).expired_streak == 1
    clock.advance(timedelta(minutes=59))
    [oa] = to(await bot.request(who("x"), skills="seo"), "wanjiru")
    clock.advance(timedelta(minutes=59))
    [ob] = to(await bot.request(who("y"), skills="seo"), "wanjiru")
    clock.advance(timedelta(hours=10))
    [oc] = to(await bot.request(who("q"), skills="seo"), "wanjiru")
    await bot.delivered([oa, ob, oc])
    clock.advance(TTL + timedelta(minutes=1) - timedelta(hours=10))  # B due a minute ago, A 59 minutes ago
    notes = to(await bot.run_due_jobs(), "wanjiru")
    profile = await profile_of(bot, wanjiru)
    assert (profile.status, profile.expired_streak) == (MentorStatus.PAUSED, 2)
    notices = {n.key: n.reply.text for n in notes if n.key}
    a_notice = notices[f"offer:{offer_id(oa)}"]
    assert a_notice.startswith(EN("offer.expired_waiting", id=offer_id(oa))), a_notice
    assert EN("offer.take_it_after_all", id=offer_id(oa)) not in a_notice
    [pause] = [n.reply.text for n in notes if not n.key]
    assert all(f"#{request}" in pause for request in (2, 3, 4)), pause
