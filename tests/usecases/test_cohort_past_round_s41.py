"""Outage hunt (session 41): in a cohort programme, a round missed during an outage is not told as a date in the past.
On both engines.

Before: the bot was down three weeks; at the restart an offer's expiry told its mentor and its mentee that the request
waited for "the next round, on 2026-01-12" (two weeks gone): `matchmaking.round_due` gave the missed round's own time.
That round runs in this very catch-up, so they are told now (to the minute); a round run on time, seconds after its
time, is still told by its own time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.models import JobKind, RequestStatus
from mentorbot.storage.store import Store
from mentorbot.usecases.matchmaking import round_due
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to

EN = translator("en")


async def _offered_then_down(
    store: Store, library: Library, clock: ManualClock, who: Callable[..., Caller], down: timedelta
) -> tuple[MentorBot, int]:
    """Mon 10:01: the round offers Amina's request to Baraka (capacity 1); Chao signs up; the bot is down `down`."""
    settings = make_settings(matching="rounds", round_schedule="mon 10:00")
    bot = MentorBot(store, library, settings, clock, worker_id="w")
    await bot.signup(who("baraka"), skills="seo", capacity="1")
    await bot.request(who("amina"), skills="seo")
    await bot.run_due_jobs()
    clock.advance(timedelta(hours=1, minutes=1))
    [offer] = [n for n in await bot.run_due_jobs() if n.reply.buttons]
    await bot.signup(who("chao"), skills="seo", capacity="1")
    clock.advance(down)
    return bot, offer_id(offer)


async def test_after_a_three_week_outage_the_missed_round_is_told_as_now(
    store: Store, library: Library, clock: ManualClock, who: Callable[..., Caller]
) -> None:
    bot, offer = await _offered_then_down(store, library, clock, who, timedelta(days=21))
    assert clock.now().isoformat().startswith("2026-01-26T10:01")
    notes = await bot.run_due_jobs()
    told = [n.reply.plain_text for n in notes if n.platform_user_id in ("U-baraka", "U-amina")]
    assert not [t for t in told if "2026-01-12" in t or "2026-01-19" in t], told
    [expired] = [n.reply.plain_text for n in to(notes, "baraka") if n.key == f"offer:{offer}"]
    assert "2026-01-26 10:01" in expired, expired
    waiting = [n.reply.plain_text for n in to(notes, "amina") if n.key == f"request:1:after:{offer}"]
    assert waiting and "2026-01-26 10:01" in waiting[0], waiting
    request = await store.get_request(1)
    assert request is not None and request.status is RequestStatus.OFFERED, "the missed round ran in the catch-up"


async def test_round_due_is_never_before_now(
    store: Store, library: Library, clock: ManualClock, who: Callable[..., Caller]
) -> None:
    """`round_due` of a round missed by weeks is now (to the minute), not its timer's time gone by."""
    bot, _ = await _offered_then_down(store, library, clock, who, timedelta(days=21, seconds=30))
    due = await store.weekly_due(JobKind.ROUND, COMMUNITY)
    assert due is not None and due < clock.now() - timedelta(days=13)
    got = await round_due(bot.core, COMMUNITY)
    assert got == clock.now().replace(second=0, microsecond=0)


async def test_a_round_run_seconds_late_is_still_told_by_its_own_time(
    store: Store, library: Library, clock: ManualClock, who: Callable[..., Caller]
) -> None:
    """A week's offer expires in the same look as the next round, the timer 30 seconds after the round's time: the
    round's own time is told, as before."""
    settings = make_settings(matching="rounds", round_schedule="mon 10:00", offer_ttl_hours=168)
    bot = MentorBot(store, library, settings, clock, worker_id="w")
    await bot.signup(who("baraka"), skills="seo", capacity="1")
    await bot.request(who("amina"), skills="seo")
    await bot.run_due_jobs()
    clock.advance(timedelta(hours=1))  # Mon 10:00:00 on the dot: the round offers Amina's request to Baraka
    [offer] = [n for n in await bot.run_due_jobs() if n.reply.buttons]
    await bot.signup(who("chao"), skills="seo", capacity="1")
    clock.advance(timedelta(days=7, seconds=30))  # the expiry and the next round, in one look, 30 s late
    notes = await bot.run_due_jobs()
    [expired] = [n.reply.plain_text for n in to(notes, "baraka") if n.key == f"offer:{offer_id(offer)}"]
    assert "2026-01-12 10:00" in expired, expired
