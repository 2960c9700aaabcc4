"""A cohort programme (``MENTORBOT_MATCHING=rounds``): what a member is told while they wait, after a round."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.storage.store import Store
from tests.usecases.conftest import make_settings, offer_id, to

EN = translator("en")
Who = Callable[..., Caller]


def _entries(outcome_reply_listings: object) -> str:
    return "\n".join(str(e) for listing in outcome_reply_listings for e in listing.entries)  # type: ignore[attr-defined]


async def test_after_a_round_those_still_waiting_are_told_the_next_round_not_a_live_promise(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    # 2026-01-05 09:00 UTC is a Monday; rounds are on Mondays at 10:00.
    bot = MentorBot(store, library, make_settings(matching="rounds", round_schedule="mon 10:00"), clock, worker_id="w")
    await bot.set_language(who("admin"), language="en")
    await bot.signup(who("baraka"), skills="seo", capacity="1")
    await bot.request(who("amina"), skills="seo")
    await bot.request(who("daudi"), skills="seo")
    await bot.run_due_jobs()
    clock.advance(timedelta(hours=1, minutes=1))  # the round: Amina's request goes to Baraka, Daudi's waits
    [offer] = to(await bot.run_due_jobs(), "baraka")
    next_round = EN("wait.next_round", skills="SEO", until="2026-01-12 10:00 UTC")
    waiting = _entries((await bot.status(who("daudi"))).reply.listings)
    assert next_round in waiting
    assert "as soon as a place frees up" not in waiting, "no offer comes before the next round"
    declined = await bot.decline(who("baraka"), offer_id=offer_id(offer))  # a place frees up: still no offer
    assert to(declined, "daudi") == []
    assert next_round in _entries((await bot.status(who("daudi"))).reply.listings)
