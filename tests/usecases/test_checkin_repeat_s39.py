"""A mentorship is checked in on again and again while it lasts (session 39), on both engines.

Before: a mentorship got one check-in, `MENTORBOT_CHECKIN_DAYS` (14) after it started, and then nothing, ever: in a
community running for months, a mentorship nobody remembered to end held its mentor's place for good (a member
waited a year "at capacity"), and nobody was asked again whether it still went on. Now, once a check-in is sent, the
next is scheduled `MENTORBOT_CHECKIN_REPEAT_DAYS` (30) later in the same transaction, while the mentorship is active
(0: only the first). Each later check-in is a new direct message (an edit makes no sound): ``checkin:<id>`` for the
first, as before, ``checkin:<id>:<n>`` for the n-th; its buttons carry the mentorship's number, as the first's do.
Each occurrence is sent once, two processes running timers or not (the check-in is marked sent only when none was
sent since the occurrence fell due: `MentorshipStore.mark_checkin_sent`). One skipped while a party was gone goes
out once they are back, and the next follows from then. A mentorship whose only check-in was sent before (repeats
off, or an older release) gets the next one once a process starts with repeats on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from pydantic import ValidationError

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.commands.running import execute_button
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.models import JobKind, MentorshipStatus
from mentorbot.replies import Notification
from mentorbot.storage.store import Store
from mentorbot.usecases import timers
from tests.conftest import store_on_same_database
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to

Who = Callable[..., Caller]
EN = translator("en")
CHECKIN_BUTTONS = ["checkin.ok", "checkin.end", "checkin.help"]


async def matched(bot: MentorBot, who: Who) -> int:
    """Baraka mentors Amina from now; the mentorship's id."""
    await bot.signup(who("baraka"), skills="seo", capacity="2")
    [offer] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    assert (await bot.accept(who("baraka"), offer_id=offer_id(offer))).error is None
    [mentorship] = await bot.store.list_mentorships(active_only=True)
    return mentorship.id


def checkins(notes: list[Notification]) -> list[Notification]:
    return [n for n in notes if (n.key or "").startswith("checkin:")]


async def day_by_day(bots: list[MentorBot], clock: ManualClock, start: datetime, days: int) -> dict[int, list[str]]:
    """Move the clock a day at a time up to day `days` after `start`, every bot running its timers at once each day:
    the check-ins sent, by day (``<user>@<key>``, sorted)."""
    sent: dict[int, list[str]] = {}
    while clock.now() < start + timedelta(days=days):
        clock.advance(timedelta(days=1))
        batches = await asyncio.gather(*(bot.run_due_jobs() for bot in bots))
        found = sorted(f"{n.platform_user_id}@{n.key}" for batch in batches for n in checkins(batch))
        if found:
            sent[round((clock.now() - start) / timedelta(days=1))] = found
    return sent


def both(key: str) -> list[str]:
    return [f"U-amina@{key}", f"U-baraka@{key}"]


async def test_a_mentorship_active_for_100_days_is_checked_in_on_at_days_14_44_and_74(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    start = clock.now()
    mentorship = await matched(bot, who)
    sent = await day_by_day([bot], clock, start, 100)
    assert sent == {
        14: both(f"checkin:{mentorship}"),
        44: both(f"checkin:{mentorship}:2"),
        74: both(f"checkin:{mentorship}:3"),
    }
    ongoing = await bot.store.get_mentorship(mentorship)
    assert ongoing is not None and ongoing.status is MentorshipStatus.ACTIVE
    assert await bot.store.job_status(JobKind.CHECKIN, mentorship) == "pending", "the fourth is on its way"
    assert await bot.store.checkins_sent(mentorship) == 3


async def test_a_later_checkin_is_the_checkin_with_its_buttons_and_they_work(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """The second check-in reads as the first and carries the same buttons (the mentorship's number): "going well",
    "need help" (the admins told) and "end" work from it, and an answer to the first, older one still works."""
    await bot.set_language(who("admin"), language="en")  # an admin the help can reach
    start = clock.now()
    mentorship = await matched(bot, who)
    clock.advance(timedelta(days=14))
    [first] = to(checkins(await bot.run_due_jobs()), "amina")
    clock.advance(timedelta(days=30))
    [second] = to(checkins(await bot.run_due_jobs()), "amina")
    assert second.key == f"checkin:{mentorship}:2" and second.key != first.key
    assert second.reply.text == first.reply.text and second.reply.title == EN("checkin.title")
    assert [b.action for b in second.reply.buttons] == CHECKIN_BUTTONS
    assert {b.ref for b in second.reply.buttons} == {str(mentorship)}

    amina = who("amina")
    ok = await execute_button(bot, amina, "checkin.ok", second.reply.buttons[0].ref)
    assert ok.error is None and ok.reply.text == EN("checkin.noted", id=mentorship)
    older = await execute_button(bot, amina, "checkin.ok", first.reply.buttons[0].ref)
    assert older.error is None and older.reply.text == EN("checkin.noted", id=mentorship), "the older one still works"
    helped = await execute_button(bot, amina, "checkin.help", second.reply.buttons[2].ref)
    assert helped.error is None and helped.reply.text == EN("checkin.help_sent", id=mentorship)
    assert len(to(helped, "admin")) == 1
    ended = await execute_button(bot, amina, "checkin.end", second.reply.buttons[1].ref)
    assert ended.error is None
    gone = await bot.store.get_mentorship(mentorship)
    assert gone is not None and gone.status is MentorshipStatus.ENDED
    late = await execute_button(bot, who("baraka"), "checkin.ok", second.reply.buttons[0].ref)
    assert late.error is None and late.reply.text == EN("end.already_ended_ask", id=mentorship), "told it ended"
    assert await day_by_day([bot], clock, start, 200) == {}, "none after it ended"


async def test_no_checkin_after_the_mentorship_ends(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    start = clock.now()
    mentorship = await matched(bot, who)
    assert list(await day_by_day([bot], clock, start, 50)) == [14, 44]
    assert (await bot.end(who("baraka"), mentorship_id=mentorship, rating="5")).error is None
    assert await bot.store.job_status(JobKind.CHECKIN, mentorship) == "cancelled"
    assert await day_by_day([bot], clock, start, 200) == {}
    stale = await timers.send_checkin(bot.core, mentorship, due=start + timedelta(days=74))
    assert stale == [], "a timer run for an ended mentorship sends nothing"


async def test_repeat_0_checks_in_once(store: Store, library: Library, clock: ManualClock, who: Who) -> None:
    bot = MentorBot(store, library, make_settings(checkin_repeat_days=0), clock, worker_id="w")
    start = clock.now()
    mentorship = await matched(bot, who)
    assert await day_by_day([bot], clock, start, 100) == {14: both(f"checkin:{mentorship}")}
    assert await bot.store.job_status(JobKind.CHECKIN, mentorship) != "pending", "nothing scheduled after it"


async def test_the_repeat_and_the_first_follow_their_settings(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    bot = MentorBot(store, library, make_settings(checkin_days=7, checkin_repeat_days=2.5), clock, worker_id="w")
    start = clock.now()
    await matched(bot, who)
    sent = await day_by_day([bot], clock, start, 14)
    assert list(sent) == [7, 10, 13], "7, then 9.5 (seen on day 10), then 12.5 after that one was sent on day 10"


def test_the_setting_is_bounded() -> None:
    assert make_settings().checkin_repeat_days == 30.0
    assert make_settings(checkin_repeat_days=0).checkin_repeat_days == 0
    for wrong in (-1, 366):
        with pytest.raises(ValidationError):
            make_settings(checkin_repeat_days=wrong)


async def test_two_processes_send_each_checkin_once(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    other = store_on_same_database(store)
    await other.open(clock.now())
    try:
        settings = make_settings()
        a = MentorBot(store, library, settings, clock, worker_id="A")
        b = MentorBot(other, library, settings, clock, worker_id="B")
        start = clock.now()
        mentorship = await matched(a, who)
        sent = await day_by_day([a, b], clock, start, 100)
        assert sent == {
            14: both(f"checkin:{mentorship}"),
            44: both(f"checkin:{mentorship}:2"),
            74: both(f"checkin:{mentorship}:3"),
        }
        # Both processes run the fourth at once (a timer taken over when its lease ran out): sent once.
        due = start + timedelta(days=104)
        clock.advance(due - clock.now())
        at_once = await asyncio.gather(
            timers.send_checkin(a.core, mentorship, due=due), timers.send_checkin(b.core, mentorship, due=due)
        )
        assert sorted(f"{n.platform_user_id}@{n.key}" for notes in at_once for n in notes) == both(
            f"checkin:{mentorship}:4"
        )
        # A run of that occurrence late (its process stalled) sends nothing either; the next one still goes.
        clock.advance(timedelta(hours=1))
        assert await timers.send_checkin(a.core, mentorship, due=due) == []
        assert await day_by_day([a, b], clock, start, 140) == {134: both(f"checkin:{mentorship}:5")}
    finally:
        await other.close()


async def test_a_taken_over_checkin_timer_is_run_once(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """Process A claims the second check-in's timer and stalls past its lease; B takes it over and sends it. A's
    late run sends nothing, and the third check-in is still due 30 days after the second."""
    other = store_on_same_database(store)
    await other.open(clock.now())
    lease = timedelta(minutes=5)
    try:
        a = MentorBot(store, library, make_settings(), clock, worker_id="A")
        b = MentorBot(other, library, make_settings(), clock, worker_id="B")
        start = clock.now()
        mentorship = await matched(a, who)
        await day_by_day([a], clock, start, 44)
        clock.advance(timedelta(days=30))  # day 74: the third is due
        [job] = [j for j in await store.claim_due_jobs(clock.now(), "A", lease=lease) if j.kind is JobKind.CHECKIN]
        clock.advance(lease + timedelta(minutes=1))
        assert [n.key for n in checkins(await b.run_due_jobs(lease=lease))] == [f"checkin:{mentorship}:3"] * 2
        assert await a._timers.run_claimed(job, lease=lease) == []
        assert checkins(await a._timers.run_due(lease=lease)) == []
        assert list(await day_by_day([a, b], clock, start, 110)) == [104], "30 days after the third was sent"
    finally:
        await other.close()


async def test_a_later_checkin_skipped_while_a_party_was_gone_goes_out_when_they_are_back(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    start = clock.now()
    mentorship = await matched(bot, who)
    assert list(await day_by_day([bot], clock, start, 30)) == [14]
    await bot.member_left(COMMUNITY, "U-amina")
    assert await day_by_day([bot], clock, start, 50) == {}, "skipped at day 44 while she was gone"
    back = await bot.status(who("amina"))
    assert back.error is None
    clock.advance(timedelta(seconds=1))
    assert sorted(n.key or "" for n in checkins(await bot.run_due_jobs())) == [f"checkin:{mentorship}:2"] * 2
    assert list(await day_by_day([bot], clock, start, 100)) == [80], "the next, 30 days after it was sent"


async def test_a_return_told_by_two_processes_at_once_sends_the_skipped_checkin_once(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """Amina is gone when the second check-in falls due; two processes are told at once that she is back: one
    timer, one second check-in, and the third 30 days after it."""
    bot = MentorBot(store, library, make_settings(), clock, worker_id="w1")
    start = clock.now()
    mentorship = await matched(bot, who)
    assert list(await day_by_day([bot], clock, start, 30)) == [14]
    await bot.member_left(COMMUNITY, "U-amina")
    assert await day_by_day([bot], clock, start, 46) == {}
    other = store_on_same_database(store)
    await other.open(clock.now())
    try:
        one = MentorBot(store, library, make_settings(), clock, worker_id="w2")
        two = MentorBot(other, library, make_settings(), clock, worker_id="w3")
        await asyncio.gather(
            one.member_back(COMMUNITY, "U-amina", "Amina"), two.member_back(COMMUNITY, "U-amina", "Amina")
        )
        assert await store.job_status(JobKind.CHECKIN, mentorship) == "pending"
        batches = await asyncio.gather(one.run_due_jobs(), two.run_due_jobs())
        assert sorted(f"{n.platform_user_id}@{n.key}" for b in batches for n in checkins(b)) == both(
            f"checkin:{mentorship}:2"
        )
        assert await day_by_day([one, two], clock, start, 80) == {76: both(f"checkin:{mentorship}:3")}
    finally:
        await other.close()


async def test_a_checkin_sent_before_repeats_were_on_is_followed_by_the_next(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """The first check-in went out with repeats off (or from a release without them): its timer is done, nothing
    follows. A process started with repeats on schedules the next, 30 days after it (at once when that is past)."""
    once = MentorBot(store, library, make_settings(checkin_repeat_days=0), clock, worker_id="old")
    start = clock.now()
    mentorship = await matched(once, who)
    assert list(await day_by_day([once], clock, start, 20)) == [14]
    restarted = MentorBot(store, library, make_settings(), clock, worker_id="new")
    assert await day_by_day([restarted], clock, start, 60) == {44: both(f"checkin:{mentorship}:2")}

    late = MentorBot(store, library, make_settings(checkin_repeat_days=0), clock, worker_id="old2")
    assert await day_by_day([late], clock, start, 200) == {}, "off again: no more"
    clock.advance(timedelta(hours=1))
    again = MentorBot(store, library, make_settings(), clock, worker_id="new2")
    assert sorted(n.key or "" for n in checkins(await again.run_due_jobs())) == [f"checkin:{mentorship}:3"] * 2


async def test_a_later_checkin_replaces_an_earlier_one_that_never_reached_the_member(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """A member whose check-in is held for their next command (DMs closed) is not shown a pile of them: the newer
    supersedes the one that never reached them. One that reached them stays where it is."""
    mentorship = await matched(bot, who)
    clock.advance(timedelta(days=14))
    first = checkins(await bot.run_due_jobs())
    [amina] = to(first, "amina")
    await bot.hold_undelivered(amina)
    await bot.delivered(to(first, "baraka"))
    clock.advance(timedelta(days=30))
    assert len(checkins(await bot.run_due_jobs())) == 2
    async with bot.store.read() as conn:
        rows = await conn.fetch_all(
            "SELECT o.message_key, o.status, m.platform_user_id FROM outbox o JOIN members m ON m.id = o.member_id "
            "WHERE o.message_key LIKE 'checkin:%' ORDER BY o.id"
        )
    states = {(str(r["platform_user_id"]), str(r["message_key"])): str(r["status"]) for r in rows}
    assert states[("U-amina", f"checkin:{mentorship}")] == "superseded"
    assert states.get(("U-baraka", f"checkin:{mentorship}")) in (None, "delivered"), "delivered (pruned after a day)"
    assert states[("U-amina", f"checkin:{mentorship}:2")] == "pending"
