"""The sweep: a request left waiting while an eligible mentor has room (a place freed by a path that crashed
before re-offering, or changed behind the bot's back) is offered by the timer loop within `sweep_minutes`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.models import RequestStatus
from tests.usecases.conftest import to

Who = Callable[..., Caller]


async def test_a_request_stranded_beside_a_free_place_is_offered_by_the_sweep(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await bot.signup(who("baraka"), skills="seo", capacity="1")
    first = await bot.request(who("amina"), skills="seo")
    [offer] = to(first, "baraka")
    accepted = await bot.accept(who("baraka"), offer_id=offer.reply.buttons[0].ref)
    assert accepted.error is None
    waiting = await bot.request(who("dan"), skills="seo")
    assert to(waiting, "baraka") == [], "baraka is full: dan waits"
    assert await bot.run_due_jobs() == [], "the first sweep finds nobody with room"
    # The mentorship ends behind the use-cases' back (a process that died before re-offering).
    [mentorship] = await bot.store.list_mentorships(active_only=True)
    assert await bot.store.end_mentorship(mentorship.id, clock.now(), by_member=None) is not None
    clock.advance(timedelta(minutes=1))
    assert await bot.run_due_jobs() == [], "the sweep runs every sweep_minutes, not on every tick"
    clock.advance(timedelta(minutes=bot.settings.sweep_minutes))
    notes = await bot.run_due_jobs()
    assert {n.platform_user_id for n in notes} == {"U-baraka", "U-dan"}
    assert all(n.outbox_id is not None for n in notes), "what the sweep says goes through the outbox"
    dan = await bot.store.find_member("test:guild", "U-dan")
    assert dan is not None
    [request] = await bot.store.list_member_requests(dan.id)
    assert request.status is RequestStatus.OFFERED


async def test_the_sweep_writes_nothing_for_requests_nobody_can_take(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await bot.request(who("amina"), skills="seo")  # no mentor at all
    amina = await bot.store.find_member("test:guild", "U-amina")
    assert amina is not None
    [before] = await bot.store.list_member_requests(amina.id)
    clock.advance(timedelta(minutes=bot.settings.sweep_minutes * 3))
    assert await bot.run_due_jobs() == []
    [after] = await bot.store.list_member_requests(amina.id)
    assert (after.status, after.wait_reason, after.updated_at) == (before.status, before.wait_reason, before.updated_at)
