"""Session 34: the schedule settings changed between restarts, with weekly timers pending. On both engines.

- The programme's time zone (or the round's time) moved so that this week's round time, new, has already passed
  when the bot restarts, and the week's round has not run: it runs at once (`insight.ensure_weekly_jobs`). Before:
  the round was moved to next week's time, and the week had none.
- Waiting members are told the truth after the change: a moved round's date, and no round at all once the
  programme is no longer matched by rounds. Before: "the next round is on Monday" stayed after the round moved to
  Friday, and "matched in rounds here" after the switch to live matching.
- The programme's time zone moved west with a digest pending: one digest, at the new time. Before: two
  "weekly" digests hours apart, the first one "(2026-01-12 to 2026-01-12)" covering five hours.
- The weekly digest and the scheduled round's report are keyed (``admin-digest:``, ``admin-round:``), so one held
  for an admin (DMs closed), or written to the outbox before a restart and delivered by the recovery after it, is
  not shown to someone no longer an admin (`models.ADMIN_ONLY_KEY_PREFIXES`, `MentorBot.undelivered`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from mentorbot.bot import PEERS_SETTLE, Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.replies import Notification
from mentorbot.storage import rows
from mentorbot.storage.store import Store
from tests.usecases.conftest import COMMUNITY, make_settings, to

Who = Callable[..., Caller]
EN = translator("en")
HOUR = timedelta(hours=1)


def bot_with(store: Store, library: Library, clock: ManualClock, worker: str = "w1", **settings: object) -> MentorBot:
    """A bot over `store` with these settings, as a process (re)started with them would run."""
    return MentorBot(store, library, make_settings(**settings), clock, worker_id=worker)


async def at(clock: ManualClock, moment: datetime) -> None:
    clock.advance(moment - clock.now())


async def pending_due(store: Store, kind: str) -> list[datetime]:
    """When the pending weekly timers of `kind` are due."""
    async with store.read() as conn:
        found = await conn.fetch_all("SELECT due_at FROM jobs WHERE kind = ? AND status = 'pending'", kind)
    return [rows.ts(r["due_at"]) for r in found]


async def stored_reason(store: Store, name: str) -> dict[str, object]:
    """The stored wait reason of `name`'s one waiting request, as data."""
    member = await store.find_member(COMMUNITY, f"U-{name}")
    assert member is not None
    [request] = await store.list_member_requests(member.id, open_only=True)
    assert request.wait_reason is not None
    data = json.loads(request.wait_reason)
    assert isinstance(data, dict)
    return data


def reports(notes: list[Notification], kind: str) -> list[Notification]:
    """The notes among `notes` to the admin that are a digest (`kind` "digest") or a round's report ("round")."""
    title = EN("schedule.round_title")
    return [n for n in to(notes, "admin") if (n.reply.attachments if kind == "digest" else n.reply.title == title)]


# ------------------------------------------------------------------------ the round: moved earlier on its day


async def cohort_with_a_waiting_request(bot: MentorBot, clock: ManualClock, who: Who) -> None:
    """Tuesday 6 January: a cohort programme (rounds on Mondays 09:00), Wanjiru mentors SEO, Amina waits."""
    await at(clock, datetime(2026, 1, 6, 10, tzinfo=UTC))
    await bot.signup(who("wanjiru"), skills="seo", capacity=2)
    assert (await bot.request(who("amina"), skills="seo")).error is None
    await bot.run_due_jobs()
    assert await pending_due(bot.store, "round") == [datetime(2026, 1, 12, 9, tzinfo=UTC)]


@pytest.mark.parametrize(
    ("restart", "settings"),
    [
        # the zone moved east: 09:00 in Nairobi is 06:00 UTC, an hour ago
        (datetime(2026, 1, 12, 7, tzinfo=UTC), {"programme_timezone": "Africa/Nairobi"}),
        # the round moved earlier on its own day, to a time already past
        (datetime(2026, 1, 12, 8, 30, tzinfo=UTC), {"round_schedule": "mon 08:00"}),
    ],
)
async def test_a_rounds_new_time_already_past_on_its_day_runs_the_weeks_round_at_once(
    store: Store, library: Library, clock: ManualClock, who: Who, restart: datetime, settings: dict[str, object]
) -> None:
    bot = bot_with(store, library, clock, matching="rounds", round_schedule="mon 09:00")
    await cohort_with_a_waiting_request(bot, clock, who)
    await at(clock, restart)
    moved = bot_with(store, library, clock, "w2", **{"matching": "rounds", "round_schedule": "mon 09:00", **settings})
    notes = await moved.run_due_jobs()
    assert to(notes, "wanjiru"), "the week's round runs at once, not a week later"
    [due] = await pending_due(store, "round")
    assert due > restart + timedelta(days=6), "the next is next week's"


async def test_a_round_moved_later_on_its_day_runs_once_at_the_new_time(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """The round's old time stands for this week's: a new time still to come that day is this week's round (not
    "the new time of last week was after last week's round, so run it now", then again at the new time)."""
    bot = bot_with(store, library, clock, matching="rounds", round_schedule="mon 09:00")
    await cohort_with_a_waiting_request(bot, clock, who)
    await at(clock, datetime(2026, 1, 12, 8, 30, tzinfo=UTC))
    moved = bot_with(store, library, clock, "w2", matching="rounds", round_schedule="mon 10:00")
    assert to(await moved.run_due_jobs(), "wanjiru") == []
    assert await pending_due(store, "round") == [datetime(2026, 1, 12, 10, tzinfo=UTC)]
    await at(clock, datetime(2026, 1, 12, 10, tzinfo=UTC))
    assert to(await moved.run_due_jobs(), "wanjiru")


# ------------------------------------------------------------------------ what waiting members are told


async def test_a_moved_round_is_the_date_waiting_members_are_told(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    bot = bot_with(store, library, clock, matching="rounds", round_schedule="mon 09:00")
    await at(clock, datetime(2026, 1, 6, 10, tzinfo=UTC))
    await bot.request(who("amina"), skills="seo")  # no mentor offers SEO
    await bot.run_due_jobs()
    assert (await stored_reason(store, "amina"))["until"] == "2026-01-12T09:00:00+00:00"
    clock.advance(HOUR)
    moved = bot_with(store, library, clock, "w2", matching="rounds", round_schedule="fri 09:00")
    await moved.run_due_jobs()
    reason = await stored_reason(store, "amina")
    assert reason["key"] == "wait.next_round" and reason["until"] == "2026-01-09T09:00:00+00:00"
    assert isinstance(reason["now"], dict) and reason["now"]["key"] == "wait.no_mentor", "what stands in the way stays"
    status = (await moved.status(who("amina"))).reply.plain_text
    assert "2026-01-09 09:00" in status and "2026-01-12" not in status


@pytest.mark.parametrize("round_schedule", [None, "mon 09:00"])
async def test_members_are_not_told_of_rounds_once_matching_is_live(
    store: Store, library: Library, clock: ManualClock, who: Who, round_schedule: str | None
) -> None:
    """Switched to live matching, with the weekly round switched off or kept beside it."""
    bot = bot_with(store, library, clock, matching="rounds", round_schedule="mon 09:00")
    await at(clock, datetime(2026, 1, 6, 10, tzinfo=UTC))
    await bot.request(who("amina"), skills="seo")  # no mentor offers SEO
    await bot.run_due_jobs()
    assert (await stored_reason(store, "amina"))["key"] == "wait.next_round"
    clock.advance(HOUR)
    live = bot_with(store, library, clock, "w2", round_schedule=round_schedule)
    await live.run_due_jobs(sweep=True)
    assert (await stored_reason(store, "amina"))["key"] == "wait.no_mentor"
    status = (await live.status(who("amina"))).reply.plain_text
    assert "rounds" not in status and "2026-01-12" not in status, status


# ------------------------------------------------------------------------ the digest: the zone moved west


async def digests_until(bot: MentorBot, clock: ManualClock, end: datetime) -> list[tuple[datetime, str, str]]:
    """Run the timers hour by hour up to `end`: each digest to the admin, (when, title, first line)."""
    sent = []
    while clock.now() < end:
        clock.advance(HOUR)
        for note in reports(await bot.run_due_jobs(), "digest"):
            sent.append((clock.now(), note.reply.title or "", note.reply.text.splitlines()[0]))
    return sent


@pytest.mark.parametrize("restart", [datetime(2026, 1, 13, 9, tzinfo=UTC), datetime(2026, 1, 12, 9, tzinfo=UTC)])
async def test_a_zone_moved_west_sends_one_digest_at_the_new_time(
    store: Store, library: Library, clock: ManualClock, who: Who, restart: datetime
) -> None:
    """Mondays 08:00 UTC, then 08:00 in New York (13:00 UTC): the restart comes a day, or an hour, after the
    digest of 12 January."""
    bot = bot_with(store, library, clock, digest="mon 08:00")
    await bot.set_language(who("admin"), language="en")
    await bot.run_due_jobs()
    await at(clock, datetime(2026, 1, 10, 12, tzinfo=UTC))
    await bot.request(who("amina"), skills="seo")
    first = await digests_until(bot, clock, datetime(2026, 1, 12, 8, tzinfo=UTC))
    assert [when for when, _, _ in first] == [datetime(2026, 1, 12, 8, tzinfo=UTC)]
    await at(clock, restart)
    moved = bot_with(store, library, clock, "w2", digest="mon 08:00", programme_timezone="America/New_York")
    await moved.run_due_jobs()
    await at(clock, datetime(2026, 1, 14, 10, tzinfo=UTC))
    await moved.request(who("baraka"), skills="seo")
    none = EN("stats.none")
    assert await digests_until(moved, clock, datetime(2026, 1, 21, tzinfo=UTC)) == [
        (
            datetime(2026, 1, 19, 13, tzinfo=UTC),
            EN("digest.title", since="2026-01-12", until="2026-01-19"),
            EN("digest.activity", requests=1, matches=0, median=none),
        )
    ]


# ------------------------------------------------------------------------ reports to admins, and ex-admins


async def a_week_of_reports(bot: MentorBot, clock: ManualClock, who: Who) -> list[Notification]:
    """A cohort programme with a digest: the admin has used the bot, Amina waits; the notes of Monday 12 January
    (its digest at 08:00, its round at 09:00)."""
    await bot.set_language(who("admin"), language="en")
    await bot.run_due_jobs()
    await bot.request(who("amina"), skills="seo")
    notes: list[Notification] = []
    for moment in (datetime(2026, 1, 12, 8, tzinfo=UTC), datetime(2026, 1, 12, 9, tzinfo=UTC)):
        await at(clock, moment)
        notes += await bot.run_due_jobs()
    return notes


WEEKLY = {"matching": "rounds", "round_schedule": "mon 09:00", "digest": "mon 08:00"}


async def test_digests_and_round_reports_are_keyed_each_its_own(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    bot = bot_with(store, library, clock, **WEEKLY)
    notes = await a_week_of_reports(bot, clock, who)
    for moment in (datetime(2026, 1, 19, 8, tzinfo=UTC), datetime(2026, 1, 19, 9, tzinfo=UTC)):
        await at(clock, moment)
        notes += await bot.run_due_jobs()
    digests, rounds = reports(notes, "digest"), reports(notes, "round")
    assert len(digests) == len(rounds) == 2
    assert all((n.key or "").startswith("admin-digest:") for n in digests)
    assert all((n.key or "").startswith("admin-round:") for n in rounds)
    assert len({n.key for n in digests + rounds}) == 4, "each report its own message, none edited into another"


@pytest.mark.parametrize("kind", ["digest", "round"])
@pytest.mark.parametrize("admins", [["U-admin", "U-newcoord"], ["U-newcoord"]])
async def test_an_ex_admin_is_not_shown_a_held_digest_or_round_report(
    store: Store,
    library: Library,
    clock: ManualClock,
    who: Who,
    kind: str,
    admins: list[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    bot = bot_with(store, library, clock, **WEEKLY)
    [held] = reports(await a_week_of_reports(bot, clock, who), kind)
    await bot.hold_undelivered(held, refused=True)  # the admin's DMs are closed
    clock.advance(HOUR)
    restarted = bot_with(store, library, clock, "w2", **WEEKLY, admin_ids=admins)
    with caplog.at_level(logging.INFO, logger="mentorbot"):
        out = await restarted.status(who("admin"))
    assert out.error is None
    if "U-admin" in admins:
        assert out.held == (held.reply,), "an admin is shown it"
    else:
        assert out.held == (), "someone no longer an admin is not"
        assert [r for r in caplog.records if "no longer an admin" in r.getMessage()]


async def test_the_recovery_does_not_deliver_a_report_to_an_ex_admin(
    store: Store, library: Library, clock: ManualClock, who: Who, caplog: pytest.LogCaptureFixture
) -> None:
    """The process that wrote the digest and the round's report died before delivering them; after the restart the
    admin is no longer one: the recovery (`MentorBot.undelivered`) drops them for good, logged without content."""
    bot = bot_with(store, library, clock, **WEEKLY)
    written = await a_week_of_reports(bot, clock, who)
    assert len(reports(written, "digest")) == len(reports(written, "round")) == 1  # never reported delivered
    clock.advance(timedelta(minutes=10))  # their lease ran out
    restarted = bot_with(store, library, clock, "w2", **WEEKLY, admin_ids=["U-newcoord"])
    # Session 41: in its first minutes a process gives such a notice back, to decide once any other live process
    # has looked (`PEERS_SETTLE`); then it drops it.
    assert to(await restarted.undelivered(), "admin") == []
    clock.advance(PEERS_SETTLE + timedelta(seconds=1))
    with caplog.at_level(logging.INFO, logger="mentorbot"):
        recovered = await restarted.undelivered()
    assert to(recovered, "admin") == []
    dropped = [r for r in caplog.records if "no longer an admin" in r.getMessage()]
    assert len(dropped) == 2, "the digest and the round's report"
    assert all(r.levelno == logging.INFO and "Amina" not in r.getMessage() for r in dropped)
    clock.advance(timedelta(minutes=10))
    again = bot_with(store, library, clock, "w3", **WEEKLY)
    assert to(await again.undelivered(), "admin") == [], "dropped for good, not claimed again"


async def test_the_recovery_still_delivers_reports_to_an_admin(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    bot = bot_with(store, library, clock, **WEEKLY)
    written = to(await a_week_of_reports(bot, clock, who), "admin")
    clock.advance(timedelta(minutes=10))
    restarted = bot_with(store, library, clock, "w2", **WEEKLY)
    assert sorted(n.key or "" for n in to(await restarted.undelivered(), "admin")) == sorted(
        n.key or "" for n in written
    )
