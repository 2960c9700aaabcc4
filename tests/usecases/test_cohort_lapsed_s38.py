"""Session 38: in a cohort programme a "for now" cooldown that lifts between rounds is not told with its past date.

The sweep is off in a cohort programme (offers are made by the rounds only), so before session 38 a waiting request
whose stored reason said "for now every mentor … was asked recently, until <date>" kept that date, gone by, until
the next round, a pause or a freed place worked the reason out again: `/mentor status`, the waitlist and the admins'
exports told a date in the past for days. The timer loop now works out afresh, at the sweep's pace, the reasons whose
"for now" date has passed: nothing is offered (the round does that), only what the member and the admins read."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.models import OfferStatus, RequestStatus
from mentorbot.storage.store import Store
from mentorbot.usecases import views
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id
from tests.usecases.test_cohort_texts_s37 import NEXT_ROUND, ZONE, cohort_bot, offers_in

Who = Callable[..., Caller]


async def _declined_in_a_round(bot: MentorBot, clock: ManualClock, who: Who) -> int:
    """Baraka alone mentors SEO (one place); Amina asks for it, the Monday round offers it to him and he declines
    ("not now": a decline's cooldown, three days, which is not lifted when he is the only one). The request's id."""
    assert (await bot.signup(who("baraka"), skills="seo", levels="expert", capacity="1")).error is None
    assert (await bot.set_timezone(who("amina"), timezone=ZONE)).error is None
    asked = await bot.request(who("amina"), skills="seo")
    assert asked.error is None
    await bot.run_due_jobs()
    clock.advance(timedelta(hours=1, minutes=1))  # Monday 10:01: the round has run
    [offer] = offers_in(await bot.run_due_jobs())
    assert (await bot.decline(who("baraka"), offer_id=offer_id(offer))).error is None
    [request] = await bot.store.list_requests(COMMUNITY, [RequestStatus.WAITING])
    return request.id


def _now_part(reason: str | None) -> dict[str, object] | None:
    data = json.loads(reason or "{}")
    now = data.get("now")
    return now if isinstance(now, dict) else None


@pytest.mark.parametrize("lang", ["en", "sw"])
async def test_a_cooldown_that_lifts_between_rounds_is_not_told_with_its_past_date(
    store: Store, library: Library, clock: ManualClock, who: Who, lang: str
) -> None:
    bot = cohort_bot(store, library, clock)
    request_id = await _declined_in_a_round(bot, clock, who)
    assert (await bot.set_language(who("amina"), language=lang)).error is None
    [request] = await store.list_requests(COMMUNITY, [RequestStatus.WAITING])
    now_part = _now_part(request.wait_reason)
    assert now_part is not None and now_part["key"] == "wait.all_cooldown", request.wait_reason
    lifted = views.wait_until(json.dumps(now_part))
    assert lifted is not None and lifted < NEXT_ROUND

    clock.advance(lifted - clock.now() + timedelta(minutes=1))  # the cooldown is over; the round is days away
    await bot.run_due_jobs()
    [request] = await store.list_requests(COMMUNITY, [RequestStatus.WAITING])
    assert request.id == request_id
    assert _now_part(request.wait_reason) is None, "nothing stands in its way now: the round will offer it"
    assert views.wait_until(request.wait_reason) == NEXT_ROUND
    assert [o.status for o in await store.list_offers()] == [OfferStatus.DECLINED], "nothing offered between rounds"
    t = translator(lang)
    status = await bot.status(who("amina"))
    told = views.when(lifted, t, ZONE)
    assert told not in status.reply.text + " ".join(f.value for f in status.reply.fields), "a date gone by"

    clock.advance(NEXT_ROUND - clock.now() + timedelta(minutes=1))
    offered = offers_in(await bot.run_due_jobs())
    assert [n.platform_user_id for n in offered] == ["U-baraka"], "the next round offers it to him again"


async def test_the_lapsed_reasons_are_worked_out_at_the_sweeps_pace_not_at_every_look(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """Between sweeps (``MENTORBOT_SWEEP_MINUTES``) the timer loop does not read the waitlist for lapsed reasons."""
    bot = MentorBot(
        store,
        library,
        make_settings(matching="rounds", round_schedule="mon 10:00", sweep_minutes=60),
        clock,
        worker_id="w",
    )
    await _declined_in_a_round(bot, clock, who)
    [request] = await store.list_requests(COMMUNITY, [RequestStatus.WAITING])
    lifted = views.wait_until(json.dumps(_now_part(request.wait_reason)))
    assert lifted is not None
    clock.advance(lifted - clock.now() - timedelta(minutes=1))
    await bot.run_due_jobs()  # a sweep's look, a minute before the cooldown lifts
    clock.advance(timedelta(minutes=2))
    await bot.run_due_jobs()
    [request] = await store.list_requests(COMMUNITY, [RequestStatus.WAITING])
    assert _now_part(request.wait_reason) is not None, "the next look at the reasons is the next sweep's"
    clock.advance(timedelta(minutes=60))
    await bot.run_due_jobs()
    [request] = await store.list_requests(COMMUNITY, [RequestStatus.WAITING])
    assert _now_part(request.wait_reason) is None
