"""Session 40 (previews hunt): the warning that one more lapse pauses a mentor is heard, not only an edit.

An offer's expiry is told as the offer message's new version (keyed ``offer:<id>``): where the offer was posted, the
platform edits it in place, and an edit makes no sound. So the warning meant to keep a mentor from being paused
("If the next offer also lapses, your mentor profile will be paused …") reached them as a silent change to a two-day
old message. Where the offer was posted, the edit now says only that it expired (and what they can still do), and
the warning comes as a message of its own with it, as an ended mentorship's notice does (`mentorships.end_notices`).
Where it was not posted (held, or not delivered yet), the one notice replaces it as before."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.storage.store import Store
from tests.usecases.conftest import COMMUNITY, make_settings, to

Who = Callable[..., Caller]
EN = translator("en")
TTL = timedelta(hours=48)


async def _warned(
    store: Store, library: Library, clock: ManualClock, who: Who, *, posted: bool
) -> list[tuple[str | None, str]]:
    bot = MentorBot(store, library, make_settings(max_expired_offers=2), clock, worker_id="w")
    await bot.signup(who("wanjiru"), skills="seo", capacity="3")
    [offer] = to(await bot.request(who("amina"), skills="seo"), "wanjiru")
    if posted:
        await store.remember_message(COMMUNITY, "U-wanjiru", offer.key or "", "D1:1700000000.000100", clock.now())
    clock.advance(TTL + timedelta(minutes=1))
    return [(n.key, n.reply.text) for n in to(await bot.run_due_jobs(), "wanjiru")]


async def test_a_posted_offer_is_edited_short_and_the_warning_comes_on_its_own(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    told = await _warned(store, library, clock, who, posted=True)
    expired = EN("offer.expired_waiting", id=1) + " " + EN("offer.take_it_after_all", id=1)
    assert told == [("offer:1", expired), (None, expired + "\n" + EN("offer.lapse_warning"))]


async def test_an_offer_not_posted_gets_the_one_notice(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    told = await _warned(store, library, clock, who, posted=False)
    expired = EN("offer.expired_waiting", id=1) + " " + EN("offer.take_it_after_all", id=1)
    assert told == [("offer:1", expired + "\n" + EN("offer.lapse_warning"))]
