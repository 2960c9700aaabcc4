"""A freed place in a cohort programme (session 37, found by the rounds hunt): nothing is offered before the next
round, so a decline or an expiry no longer walks the whole waitlist of its skills, matching each request for nothing
(8 statements per waiting request: 80,000 for one decline with 10,000 waiting); the wait reasons the freed place may
have made untrue are worked out afresh for the oldest `REFRESH_AFTER_PAUSE` of them (`matchmaking.SUPPLY_STALES`),
and the sweep and the round read the rest."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.models import RequestStatus
from mentorbot.storage.store import Store
from mentorbot.usecases.matchmaking import REFRESH_AFTER_PAUSE
from tests.usecases.conftest import make_settings, offer_id
from tests.usecases.test_expiry_cost_s37 import counted

WAITING = 2 * REFRESH_AFTER_PAUSE + 20


async def now_part(bot: MentorBot, request_id: int) -> str | None:
    request = await bot.store.get_request(request_id)
    assert request is not None and request.status is RequestStatus.WAITING and request.wait_reason
    now = json.loads(request.wait_reason).get("now")
    return None if now is None else str(now["key"])


@pytest.mark.parametrize("how", ["decline", "expiry"])
async def test_a_freed_place_between_rounds_refreshes_the_oldest_reasons_only(
    store: Store,
    library: Library,
    clock: ManualClock,
    who: Callable[..., Caller],
    monkeypatch: pytest.MonkeyPatch,
    how: str,
) -> None:
    settings = make_settings(matching="rounds", round_schedule="mon 10:00")
    bot = MentorBot(store, library, settings, clock, worker_id="w")
    await bot.signup(who("baraka"), skills="seo", capacity="1")
    await bot.request(who("amina"), skills="seo")
    await bot.run_due_jobs()  # the round's weekly timer is set
    clock.advance(timedelta(hours=1, minutes=1))  # the round: Amina's request offered to Baraka
    notes = await bot.run_due_jobs()
    [offer] = [n for n in notes if n.reply.buttons]
    for n in range(WAITING):
        await bot.request(who(f"w{n}"), skills="seo")
    assert await now_part(bot, 2) == "wait.all_busy"
    if how == "expiry":
        clock.advance(timedelta(hours=settings.offer_ttl_hours, minutes=1))
    with counted(monkeypatch, always=True) as reads:
        if how == "decline":
            await bot.decline(who("baraka"), offer_id=offer_id(offer), reason="busy this week")
        else:
            await bot.run_due_jobs()
    print(f"cohort {how}, {WAITING} waiting: {reads}")
    # Baraka's place is free: the oldest waiting request is told nothing stands in its way but the round's date.
    assert await now_part(bot, 2) is None
    assert reads.statements < 10 * REFRESH_AFTER_PAUSE + 200, reads
