"""An outage of the community that ended before an offer was made is not "out of reach now" when the offer expires
(`outages.away_during`, `ExpireResult.out_now`, session 44's mutation hunt: OU5).

`out_now` holds back the "If you can take it after all, answer `/mentor accept 1`" line of the expiry's notice while
the community is still out of MentorBot's reach (the platform would refuse the answer, or never send it). Only an
outage begun by the expiry and not ended counts: one over before the offer was made changes nothing, and the line is
there. No test told the two apart: an outage's end was not read for `out_now`. Both engines."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.models import Level, NewMentorProfile
from mentorbot.storage.store import Store
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to

EN = translator("en")
HOUR = timedelta(hours=1)
TTL = timedelta(hours=48)


def who(name: str) -> Caller:
    return Caller(COMMUNITY, f"U-{name}", name.capitalize())


@pytest.fixture
def bot(store: Store, clock: ManualClock) -> MentorBot:
    settings = make_settings()
    return MentorBot(store, Library(settings.skills_file, settings.courses_file), settings, clock, worker_id="t")


async def _offer(store: Store, clock: ManualClock) -> int:
    """A mentor's offer of a mentee's SEO request, made now and expiring in `TTL`: its id."""
    mentor = (await store.ensure_member(COMMUNITY, "u-mentor", "Mentor", clock.now())).id
    await store.save_mentor_profile(
        mentor, NewMentorProfile({"seo": Level.EXPERT}, 2, "bio", "UTC", ("en",)), clock.now()
    )
    mentee = (await store.ensure_member(COMMUNITY, "u-mentee", "Mentee", clock.now())).id
    request = await store.create_request(mentee, COMMUNITY, ["seo"], "", clock.now(), max_open=3)
    offer = await store.create_offer(request.id, mentor, 1.0, "", clock.now(), clock.now() + TTL)
    assert offer is not None
    return offer.id


async def _expire(store: Store, clock: ManualClock, offer: int) -> tuple[bool, bool]:
    """Expire `offer` now: whether an outage overlapped its life, and whether the community is out now."""
    result = await store.expire_offer(offer, clock.now(), max_expired=3, late_after=timedelta(minutes=10))
    assert result is not None
    return result.away is not None, result.out_now


async def test_an_outage_ended_before_the_offer_was_made_is_not_out_now(store: Store, clock: ManualClock) -> None:
    assert await store.community_lost(COMMUNITY, clock.now())
    clock.advance(HOUR)
    assert await store.community_back(COMMUNITY, clock.now())
    clock.advance(HOUR)
    offer = await _offer(store, clock)
    clock.advance(TTL + timedelta(seconds=15))
    assert await _expire(store, clock, offer) == (False, False)


async def test_an_outage_ended_during_the_offers_life_is_away_but_not_out_now(store: Store, clock: ManualClock) -> None:
    offer = await _offer(store, clock)
    assert await store.community_lost(COMMUNITY, clock.now())
    clock.advance(HOUR)
    assert await store.community_back(COMMUNITY, clock.now())
    clock.advance(TTL)
    assert await _expire(store, clock, offer) == (True, False)


async def test_an_outage_begun_after_the_deadline_and_still_open_is_out_now(store: Store, clock: ManualClock) -> None:
    """The control: the community lost after the deadline, before the expiry ran, is out now."""
    offer = await _offer(store, clock)
    clock.advance(TTL + timedelta(seconds=15))
    assert await store.community_lost(COMMUNITY, clock.now())
    assert await _expire(store, clock, offer) == (False, True)


async def test_the_expiry_notice_keeps_take_it_after_all_after_an_outage_over_before_the_offer(
    bot: MentorBot, clock: ManualClock
) -> None:
    """The bot's side: Baraka's offer, made an hour after the community was back, expires as a lapse whose notice
    tells him how to take it after all."""
    assert await bot.community_lost(COMMUNITY)
    clock.advance(HOUR)
    await bot.community_back(COMMUNITY)
    clock.advance(HOUR)
    await bot.delivered((await bot.signup(who("baraka"), skills="seo")).notifications)
    asked = await bot.request(who("amina"), skills="seo")
    [note] = [n for n in to(asked, "baraka") if n.reply.buttons]
    await bot.delivered(asked.notifications)
    offer = offer_id(note)
    clock.advance(TTL + timedelta(seconds=15))
    [told] = to(await bot.run_due_jobs(), "baraka")
    assert told.reply.text.startswith(EN("offer.expired_waiting", id=offer)), told.reply.text
    assert EN("offer.take_it_after_all", id=offer) in told.reply.text, told.reply.text
