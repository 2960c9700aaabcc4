"""Settings changed between restarts, with data already in the database. On both engines.

- ``MENTORBOT_CHECKIN_DAYS`` changed while a member is away: a check-in that fell due and was skipped while they were
  gone (`timers.send_checkin`) goes out when they are back, whatever the setting says now; one not yet due keeps the
  time it was scheduled for. `returns.came_back` reads the stored check-in timer instead of working the time out
  again from the setting of the day. Before: raised from 14 to 30 days after the skip, the check-in was never sent;
  lowered below the time already spent, one not yet due went out at once.
- ``MENTORBOT_MAX_OPEN_REQUESTS`` lowered below what a member already has open: the refusal says how many they have
  open, the most allowed, and how many to cancel (`LimitReached.open_count`). Before: "You already have 1 open
  request, the most allowed" to a member with 3, and the same again after cancelling one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.replies import Notification
from mentorbot.storage.store import LimitReached, Store
from tests.conftest import store_on_same_database
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to

Who = Callable[..., Caller]
EN = translator("en")
SW = translator("sw")
DAY = timedelta(days=1)


def bot_with(store: Store, library: Library, clock: ManualClock, worker: str = "w1", **settings: object) -> MentorBot:
    """A bot over `store` with these settings, as a process (re)started with them would run; check-ins not repeated
    unless asked (these tests follow the first one over months: `test_checkin_repeat_s39.py` has the repeats)."""
    return MentorBot(store, library, make_settings(**{"checkin_repeat_days": 0, **settings}), clock, worker_id=worker)


def checkins(notes: list[Notification]) -> list[str]:
    """Who got a check-in among `notes`."""
    return sorted(n.platform_user_id for n in notes if (n.key or "").startswith("checkin:"))


async def _mentorship(bot: MentorBot, who: Who) -> int:
    """Baraka mentors Amina from now; the mentorship's id."""
    await bot.signup(who("baraka"), skills="seo", capacity="2")
    [offer] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    assert (await bot.accept(who("baraka"), offer_id=offer_id(offer))).error is None
    [mentorship] = await bot.store.list_mentorships(community=COMMUNITY, active_only=True)
    return mentorship.id


async def _checkin_jobs(store: Store, mentorship_id: int) -> list[tuple[str, object]]:
    """The stored check-in timers of a mentorship: (status, due)."""
    async with store.read() as conn:
        found = await conn.fetch_all(
            "SELECT status, due_at FROM jobs WHERE kind = 'checkin' AND ref_id = ?", mentorship_id
        )
    return [(str(r["status"]), r["due_at"]) for r in found]


async def _days_of_checkins(
    bot: MentorBot, clock: ManualClock, days: int, step: int = 1
) -> list[tuple[int, list[str]]]:
    """Run the timers every `step` days for `days` days: (day, who got a check-in) for each round that sent one."""
    got = []
    for day in range(step, days + 1, step):
        clock.advance(step * DAY)
        sent = checkins(await bot.run_due_jobs())
        if sent:
            got.append((day, sent))
    return got


@pytest.mark.parametrize("new_days", [14, 30, 365])
async def test_a_checkin_skipped_while_away_goes_out_on_return_whatever_the_setting_now(
    store: Store, library: Library, clock: ManualClock, who: Who, new_days: int
) -> None:
    """Check-in at 14 days; Amina leaves on day 10; day 15 it is skipped; the bot restarts with `new_days`; she is
    back on day 20: the check-in goes to both at once, once (not 30 or 365 days after the start, and not never)."""
    bot = bot_with(store, library, clock, checkin_days=14)
    mentorship = await _mentorship(bot, who)
    clock.advance(10 * DAY)
    await bot.member_left(COMMUNITY, "U-amina")
    clock.advance(5 * DAY)
    assert checkins(await bot.run_due_jobs()) == [], "skipped while she is away"

    restarted = bot_with(store, library, clock, worker="w2", checkin_days=new_days)
    clock.advance(5 * DAY)
    await restarted.member_back(COMMUNITY, "U-amina", "Amina")
    assert checkins(await restarted.run_due_jobs()) == ["U-amina", "U-baraka"], "due at her return"
    assert await _days_of_checkins(restarted, clock, 400, step=20) == [], "once"
    sent = await store.get_mentorship(mentorship)
    assert sent is not None and sent.checkin_sent_at is not None


async def test_a_checkin_not_yet_due_keeps_its_time_when_the_setting_is_lowered(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """Check-in at 14 days; Amina is away from day 3 to day 5 and the bot restarts with 2 days meanwhile: her
    check-in, never due while she was away, is still the one scheduled for day 14 (not sent at her return)."""
    bot = bot_with(store, library, clock, checkin_days=14)
    await _mentorship(bot, who)
    clock.advance(3 * DAY)
    await bot.member_left(COMMUNITY, "U-amina")
    restarted = bot_with(store, library, clock, worker="w2", checkin_days=2)
    clock.advance(2 * DAY)
    await restarted.member_back(COMMUNITY, "U-amina", "Amina")
    assert checkins(await restarted.run_due_jobs()) == [], "not due yet"
    assert await _days_of_checkins(restarted, clock, 30) == [(9, ["U-amina", "U-baraka"])], "on day 14, once"


async def test_a_checkin_skipped_long_ago_is_sent_even_once_its_timer_is_pruned(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """Away for weeks: the skipped check-in's finished timer is pruned (`prune_jobs`) before Amina is back, with
    check-ins at 60 days by then: it goes out at her return all the same."""
    bot = bot_with(store, library, clock, checkin_days=14)
    mentorship = await _mentorship(bot, who)
    clock.advance(10 * DAY)
    await bot.member_left(COMMUNITY, "U-amina")
    clock.advance(5 * DAY)
    assert checkins(await bot.run_due_jobs()) == []
    clock.advance(25 * DAY)
    await store.prune_jobs(clock.now() - timedelta(days=7))
    assert await _checkin_jobs(store, mentorship) == [], "the finished timer is gone"

    restarted = bot_with(store, library, clock, worker="w2", checkin_days=60)
    await restarted.member_back(COMMUNITY, "U-amina", "Amina")
    assert checkins(await restarted.run_due_jobs()) == ["U-amina", "U-baraka"]
    assert await _days_of_checkins(restarted, clock, 90, step=10) == []


async def test_returns_told_twice_and_by_two_processes_make_one_checkin(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """Amina's return is reported by two processes at once (different settings), then again by a command: one
    check-in timer, one check-in."""
    bot = bot_with(store, library, clock, checkin_days=14)
    mentorship = await _mentorship(bot, who)
    clock.advance(10 * DAY)
    await bot.member_left(COMMUNITY, "U-amina")
    clock.advance(5 * DAY)
    assert checkins(await bot.run_due_jobs()) == []
    clock.advance(DAY)

    other = store_on_same_database(store)
    await other.open(clock.now())
    try:
        one = bot_with(store, library, clock, worker="w2", checkin_days=30)
        two = bot_with(other, library, clock, worker="w3", checkin_days=45)
        await asyncio.gather(
            one.member_back(COMMUNITY, "U-amina", "Amina"), two.member_back(COMMUNITY, "U-amina", "Amina")
        )
        assert (await one.status(who("amina"))).error is None
        jobs = await _checkin_jobs(store, mentorship)
        assert [status for status, _ in jobs] == ["pending"], jobs
        sent = checkins(await one.run_due_jobs()) + checkins(await two.run_due_jobs())
        assert sent == ["U-amina", "U-baraka"]
        assert await _days_of_checkins(two, clock, 60, step=10) == []
    finally:
        await other.close()


async def _three_open(store: Store, library: Library, clock: ManualClock, who: Who) -> None:
    """Amina asks for three mentors (none yet), under a limit of 3."""
    bot = bot_with(store, library, clock, max_open_requests=3)
    for skill in ("seo", "copywriting", "paid-social"):
        assert (await bot.request(who("amina"), skills=skill)).error is None


async def test_a_lowered_open_request_limit_says_how_many_are_open_and_how_many_to_cancel(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """Three open, the limit lowered to 1: the refusal says 3 open, 1 allowed, cancel 3; after cancelling one it
    says 2 open, cancel 2; then 1 open, the usual refusal (cancel it)."""
    await _three_open(store, library, clock, who)
    lowered = bot_with(store, library, clock, worker="w2", max_open_requests=1)

    refused = await lowered.request(who("amina"), skills="brand-strategy")
    assert refused.reply.text == (
        "You have 3 open requests, but the most allowed is 1. "
        "To ask for another, cancel 3 of them with `/mentor cancel`, or wait until 3 are matched."
    )
    assert (await lowered.cancel(who("amina"), request_id=1)).error is None
    again = await lowered.request(who("amina"), skills="brand-strategy")
    assert "You have 2 open requests, but the most allowed is 1." in again.reply.text
    assert "cancel 2 of them" in again.reply.text
    assert (await lowered.cancel(who("amina"), request_id=2)).error is None
    last = await lowered.request(who("amina"), skills="brand-strategy")
    assert last.reply.text == EN("request.limit", count=1)
    assert (await lowered.cancel(who("amina"), request_id=3)).error is None
    assert (await lowered.request(who("amina"), skills="brand-strategy")).error is None


async def test_one_over_the_limit_is_told_to_cancel_two(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """Three open, the limit lowered to 2: one over, so two to cancel before another fits under the limit."""
    await _three_open(store, library, clock, who)
    lowered = bot_with(store, library, clock, worker="w2", max_open_requests=2)
    refused = await lowered.request(who("amina"), skills="brand-strategy")
    assert refused.reply.text == (
        "You have 3 open requests, but the most allowed is 2. "
        "To ask for another, cancel 2 of them with `/mentor cancel`, or wait until 2 are matched."
    )


def test_the_refusal_agrees_with_its_numbers_in_both_languages() -> None:
    """Both sentences have their singular forms (a number the refusal itself never reaches: over the limit, two at
    least are to be cancelled), read right."""
    assert EN("request.over_limit_cancel", count=1) == (
        "To ask for another, cancel one of them with `/mentor cancel`, or wait until one is matched."
    )
    assert EN("request.over_limit", count=1, limit=0, cancel="").startswith("You have 1 open request, but")
    assert "ghairi moja kati ya hayo" in SW("request.over_limit_cancel", count=1)
    assert SW("request.over_limit", count=1, limit=0, cancel="").startswith("Una ombi 1 lililo wazi")
    assert SW("request.over_limit", count=4, limit=2, cancel="").startswith("Una maombi 4 yaliyo wazi")


async def test_the_refusal_reads_in_swahili(store: Store, library: Library, clock: ManualClock, who: Who) -> None:
    """A Swahili reader gets the same refusal in Swahili."""
    await _three_open(store, library, clock, who)
    lowered = bot_with(store, library, clock, worker="w2", max_open_requests=1)
    assert (await lowered.set_language(who("amina"), language="sw")).error is None
    refused = await lowered.request(who("amina"), skills="brand-strategy")
    cancel_three = SW("request.over_limit_cancel", count=3)
    assert refused.reply.text == SW("request.over_limit", count=3, limit=1, cancel=cancel_three)
    assert "maombi 3" in refused.reply.text and "ghairi 3" in refused.reply.text
    lowered_to_two = bot_with(store, library, clock, worker="w3", max_open_requests=2)
    one_over = await lowered_to_two.request(who("amina"), skills="brand-strategy")
    assert one_over.reply.text.endswith(SW("request.over_limit_cancel", count=2))
    assert "ghairi 2 kati ya hayo" in one_over.reply.text


async def test_limit_reached_carries_the_open_count(store: Store, clock: ManualClock) -> None:
    """The store's refusal says how many requests are open and the limit it was given."""
    member = await store.ensure_member(COMMUNITY, "U-dalia", "Dalia", clock.now())
    for skill in ("seo", "copywriting", "paid-social"):
        await store.create_request(member.id, COMMUNITY, [skill], "", clock.now(), max_open=3)
    with pytest.raises(LimitReached) as refused:
        await store.create_request(member.id, COMMUNITY, ["brand-strategy"], "", clock.now(), max_open=1)
    assert (refused.value.open_count, refused.value.max_open) == (3, 1)


async def test_a_pause_after_a_lowered_lapse_limit_says_the_real_streak(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """Two lapses under MENTORBOT_MAX_EXPIRED_OFFERS=3, then a restart with 1: the third lapse pauses the mentor,
    and the notice says three days in a row (it said "an offer went unanswered", the new setting's count)."""
    bot = bot_with(store, library, clock, max_expired_offers=3)
    await bot.signup(who("wanjiru"), skills="seo", capacity="3")
    for name in ("a", "b"):
        await bot.request(who(name), skills="seo")
        clock.advance(timedelta(hours=48, minutes=1))
        await bot.run_due_jobs()
        clock.advance(timedelta(hours=1))
    lowered = bot_with(store, library, clock, worker="w2", max_expired_offers=1)
    await lowered.request(who("c"), skills="seo")
    clock.advance(timedelta(hours=48, minutes=1))
    said = "\n".join(n.reply.text for n in to(await lowered.run_due_jobs(), "wanjiru"))
    en = translator("en")
    assert en("pause.for_expiry", count=3) in said
    assert en("pause.for_expiry", count=1) not in said
