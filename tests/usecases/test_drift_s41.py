"""Session 41: several processes on one database that do not run with the same settings (the drift hunt's probes,
/tmp/hunt/drift). Each process records its settings and files (`storage.fingerprints`) at each once-a-minute look
and compares them with the others' (`library_follow.Peers`).

Before: nothing compared them. A round timer set to Monday by one process and to Thursday by the other flipped
every minute; a live process's sweep offered the requests a cohort programme kept for its round; a process with
other ``MENTORBOT_ADMIN_IDS`` dropped a member's call for help another had written; an old process went on writing
to a schema a newer release had upgraded."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest

from mentorbot.bot import PEERS_SETTLE, Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.models import JobKind, RequestStatus
from mentorbot.replies import Notification
from mentorbot.storage.fingerprints import LIVE_FOR
from mentorbot.storage.migrations import available_migrations
from mentorbot.storage.store import Store
from tests.conftest import store_on_same_database
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to

Who = Callable[..., Caller]
MINUTE = timedelta(minutes=1)


@pytest.fixture
async def other(store: Store, clock: ManualClock) -> AsyncIterator[Store]:
    """A second process's store over the same database."""
    second = store_on_same_database(store)
    await second.open(clock.now())
    yield second
    await second.close()


def drift_notes(notes: list[Notification]) -> list[Notification]:
    return [n for n in notes if (n.key or "").startswith("drift:")]


def errors(caplog: pytest.LogCaptureFixture, word: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR and word in r.getMessage()]


# ---------------------------------------------------------------------------------------- A. the fingerprint


async def test_a_disagreement_is_logged_once_per_process_and_told_to_the_admins_once(
    store: Store, other: Store, library: Library, clock: ManualClock, who: Who, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    a = MentorBot(store, library, make_settings(max_expired_offers=3), clock, worker_id="A")
    b = MentorBot(other, library, make_settings(max_expired_offers=5), clock, worker_id="B")
    await a.set_language(who("admin"), language="sw")  # the admin is a member, reading Swahili
    assert a.disagreements() == []
    await b.run_due_jobs()  # B looks: A is live and differs
    clock.advance(MINUTE)
    await a.run_due_jobs()  # A looks: B differs
    # Not an error yet: the other's row may be one a process killed a moment ago left (held back all the same).
    assert errors(caplog, "MENTORBOT_MAX_EXPIRED_OFFERS") == []
    noted = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO and "taken as live" in r.getMessage()]
    assert len(noted) == 2, noted
    assert a.disagreements() == ["B: MENTORBOT_MAX_EXPIRED_OFFERS"]
    assert b.disagreements() == ["A: MENTORBOT_MAX_EXPIRED_OFFERS"]
    # Logged as an error and told once the other is seen looking again, by whichever process sees it first, in the
    # admin's language.
    assert drift_notes(await a.undelivered()) == []
    clock.advance(MINUTE)
    await b.run_due_jobs()
    await a.run_due_jobs()
    logged = errors(caplog, "MENTORBOT_MAX_EXPIRED_OFFERS")
    assert len(logged) == 2, logged
    assert "this process (B) and A" in logged[0] and "'5' here and '3' there" in logged[0]
    assert "this process (A) and B" in logged[1] and "'3' here and '5' there" in logged[1]
    clock.advance(MINUTE)
    [told] = drift_notes(await a.undelivered())
    assert told.platform_user_id == "U-admin"
    sw = translator("sw")
    text = told.reply.plain_text
    assert text.splitlines()[0] == sw("drift.title")
    assert "MENTORBOT_MAX_EXPIRED_OFFERS: `5` katika mchakato B, `3` katika A" in text
    assert sw("drift.fix") in text and sw("drift.weekly_held") not in text
    await a.delivered([told])
    # Later looks say nothing more, in the log or to the admins.
    for _ in range(3):
        clock.advance(MINUTE)
        await a.run_due_jobs()
        await b.run_due_jobs()
    assert len(errors(caplog, "MENTORBOT_MAX_EXPIRED_OFFERS")) == 2  # once per process
    assert drift_notes(await a.undelivered()) == []


async def test_a_process_gone_counts_for_nothing(
    store: Store, other: Store, library: Library, clock: ManualClock, who: Who, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    a = MentorBot(store, library, make_settings(), clock, worker_id="A")
    gone = MentorBot(other, library, make_settings(offer_ttl_hours=24), clock, worker_id="old")
    await gone.look_at_peers()  # it looked once, then stopped (killed: its row stays)
    clock.advance(LIVE_FOR + MINUTE)
    await a.set_language(who("admin"), language="en")
    await a.run_due_jobs()
    assert a.disagreements() == [] and not errors(caplog, "disagree")
    assert drift_notes(await a.undelivered()) == []
    # A process that stops cleanly withdraws its row at once.
    fresh = MentorBot(other, library, make_settings(offer_ttl_hours=24), clock, worker_id="new")
    await fresh.look_at_peers()
    clock.advance(MINUTE)
    await a.run_due_jobs()
    assert a.disagreements() == ["new: MENTORBOT_OFFER_TTL_HOURS"]
    await fresh.leave()
    clock.advance(MINUTE)
    await a.run_due_jobs()
    assert a.disagreements() == []
    assert any("agree on their settings and files again" in r.getMessage() for r in caplog.records)


async def test_a_skills_file_edited_on_one_host_only_is_found(
    store: Store, other: Store, clock: ManualClock, who: Who, tmp_path: object, caplog: pytest.LogCaptureFixture
) -> None:
    from pathlib import Path

    from tests.usecases.test_leave_hunt import library_files, remove_skill

    assert isinstance(tmp_path, Path)
    caplog.set_level(logging.INFO)
    skills_a, courses_a = library_files(tmp_path / "host-a")
    skills_b, courses_b = library_files(tmp_path / "host-b")
    remove_skill(skills_b, courses_b, "social-listening")
    a = MentorBot(
        store,
        Library(skills_a, courses_a),
        make_settings(skills_file=skills_a, courses_file=courses_a),
        clock,
        worker_id="A",
    )
    b = MentorBot(
        other,
        Library(skills_b, courses_b),
        make_settings(skills_file=skills_b, courses_file=courses_b),
        clock,
        worker_id="B",
    )
    await a.set_language(who("admin"), language="en")
    await b.look_at_peers()
    clock.advance(MINUTE)
    await a.run_due_jobs()
    clock.advance(MINUTE)
    await b.run_due_jobs()
    [logged] = errors(caplog, "disagree")
    assert "MENTORBOT_SKILLS_FILE differs" in logged and "MENTORBOT_COURSES_FILE differs" in logged
    clock.advance(timedelta(seconds=1))
    [told] = drift_notes(await a.undelivered())
    assert "MENTORBOT_SKILLS_FILE: not the same file" in told.reply.plain_text


# ------------------------------------------------------------------------------ B. no flipping, no live sweep


async def test_a_round_schedule_that_differs_moves_no_timer(
    store: Store, other: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """Before: the round timer was Monday after A's look and Thursday after B's, every minute, and Amina's status
    said the one or the other."""
    a = MentorBot(store, library, make_settings(matching="rounds", round_schedule="mon 10:00"), clock, worker_id="A")
    b = MentorBot(other, library, make_settings(matching="rounds", round_schedule="thu 10:00"), clock, worker_id="B")
    await a.signup(who("baraka"), skills="seo", capacity="1")
    await a.request(who("amina"), skills="seo")
    dues = set()
    for i in range(6):
        await (a if i % 2 == 0 else b).run_due_jobs()
        dues.add(await store.weekly_due(JobKind.ROUND, COMMUNITY))
        clock.advance(2 * MINUTE)
    assert dues == {datetime(2026, 1, 5, 10, 0, tzinfo=UTC)}
    assert a.disagreements() == ["B: MENTORBOT_ROUND_SCHEDULE"]
    # B stops; once A no longer sees it, A's schedule is the only one again (nothing moves: it is A's already).
    await b.leave()
    clock.advance(MINUTE)
    await a.run_due_jobs()
    assert await store.weekly_due(JobKind.ROUND, COMMUNITY) == datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


async def test_the_weekly_timers_move_again_once_the_processes_agree(
    store: Store, other: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """A process restarted on a new schedule next to one still on the old: nothing moves while both run; once the
    old one is gone, the new schedule takes over."""
    old = MentorBot(store, library, make_settings(matching="rounds", round_schedule="mon 10:00"), clock, worker_id="A")
    await old.signup(who("baraka"), skills="seo", capacity="1")
    await old.run_due_jobs()
    new = MentorBot(other, library, make_settings(matching="rounds", round_schedule="thu 10:00"), clock, worker_id="B")
    clock.advance(MINUTE)
    await new.run_due_jobs()
    assert await store.weekly_due(JobKind.ROUND, COMMUNITY) == datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    await old.leave()
    clock.advance(MINUTE)
    await new.run_due_jobs()
    assert await store.weekly_due(JobKind.ROUND, COMMUNITY) == datetime(2026, 1, 8, 10, 0, tzinfo=UTC)


async def test_a_live_process_does_not_sweep_while_another_matches_by_rounds(
    store: Store, other: Store, library: Library, clock: ManualClock, who: Who, caplog: pytest.LogCaptureFixture
) -> None:
    """Before: B (live) offered Amina's request to Baraka in its sweep, 11 minutes in, while A's programme kept it
    for Monday's round; and told her reason afresh without the round."""
    caplog.set_level(logging.INFO)
    a = MentorBot(store, library, make_settings(matching="rounds", round_schedule="mon 10:00"), clock, worker_id="A")
    b = MentorBot(other, library, make_settings(), clock, worker_id="B")
    await a.run_due_jobs()
    await a.request(who("amina"), skills="seo")
    await a.signup(who("baraka"), skills="seo", capacity="1")
    [before] = await store.list_requests(COMMUNITY, list(RequestStatus))
    notes = []
    for _ in range(11):  # both processes' timer loops run
        clock.advance(MINUTE)
        await a.run_due_jobs()
        notes += await b.run_due_jobs()
    assert not to(notes, "baraka") and not to(notes, "amina")
    [after] = await store.list_requests(COMMUNITY, list(RequestStatus))
    assert after.status == before.status and after.wait_reason == before.wait_reason
    [logged] = [line for line in errors(caplog, "MENTORBOT_MATCHING") if "this process (B)" in line]
    assert "'live' here and 'rounds' there" in logged and "no process's sweep offers waiting requests" in logged


# ------------------------------------------------------------------------------ C. an admin's notice recovered


async def help_notice_left_undelivered(a: MentorBot, who: Who, clock: ManualClock) -> None:
    await a.set_language(who("zawadi"), language="en")
    await a.signup(who("baraka"), skills="seo", capacity="1")
    [offer] = to(await a.request(who("amina"), skills="seo"), "baraka")
    await a.accept(who("baraka"), offer_id=offer_id(offer))
    out = await a.checkin(who("amina"), mentorship_id=1, answer="help")
    assert to(out, "zawadi")
    clock.advance(timedelta(minutes=10))  # A died before delivering it: the lease ran out


async def test_a_call_for_help_recovered_by_a_process_with_other_admins_is_delivered(
    store: Store, other: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """Before: B, whose env file did not list Zawadi yet, dropped the call for help A wrote for her (A, still running,
    failed to deliver it: its lease ran out)."""
    a = MentorBot(store, library, make_settings(admin_ids=["U-admin", "U-zawadi"]), clock, worker_id="A")
    b = MentorBot(other, library, make_settings(admin_ids=["U-admin"]), clock, worker_id="B")
    await help_notice_left_undelivered(a, who, clock)
    await a.look_at_peers()  # A is alive: it looks once a minute
    await b.look_at_peers()
    assert to(await b.undelivered(), "zawadi")


async def test_a_killed_processs_admins_do_not_count_after_a_restart_that_removed_one(
    store: Store, other: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """The day's review: A was killed (its row left) and restarted as B without Zawadi in MENTORBOT_ADMIN_IDS. The
    dead A's row still counted for a day, so the call for help, a member's name and mentorship, went to the removed
    admin (session 34 promised it is dropped). Now only processes seen looking since this one started count; in its
    first minutes it gives such a notice back, untried, to decide once a live peer has had time to look."""
    a = MentorBot(store, library, make_settings(admin_ids=["U-admin", "U-zawadi"]), clock, worker_id="A")
    await help_notice_left_undelivered(a, who, clock)  # A is killed: no leave(), its row stays
    b = MentorBot(other, library, make_settings(admin_ids=["U-admin"]), clock, worker_id="B")
    await b.look_at_peers()
    first = await b.undelivered()
    assert not to(first, "zawadi"), "not yet decided: given back"
    await b.delivered(first)
    clock.advance(PEERS_SETTLE + timedelta(seconds=1))
    await b.run_due_jobs()
    assert not to(await b.undelivered(), "zawadi")
    assert await b.store.count_undelivered() == 0, "dropped, not left pending"


async def test_a_call_for_help_is_dropped_when_no_live_process_lists_its_admin(
    store: Store, other: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """The admin ids changed over a restart: the old process stopped (its row withdrawn), and the notice to the admin
    no longer listed is dropped, as before."""
    a = MentorBot(store, library, make_settings(admin_ids=["U-admin", "U-zawadi"]), clock, worker_id="A")
    await help_notice_left_undelivered(a, who, clock)
    await a.leave()
    b = MentorBot(other, library, make_settings(admin_ids=["U-admin"]), clock, worker_id="B")
    await b.look_at_peers()
    clock.advance(PEERS_SETTLE + timedelta(seconds=1))
    recovered = await b.undelivered()
    assert recovered and not to(recovered, "zawadi")


# ---------------------------------------------------------------------------- D. a newer release's schema


async def test_an_old_process_stops_once_a_newer_release_upgraded_the_schema(
    store: Store, library: Library, clock: ManualClock, who: Who, caplog: pytest.LogCaptureFixture
) -> None:
    """Before: the old process went on offering and writing to the newer schema."""
    caplog.set_level(logging.INFO)
    old = MentorBot(store, library, make_settings(), clock, worker_id="old")
    await old.signup(who("baraka"), skills="seo", capacity="1")
    known = available_migrations(store.db.dialect)[-1].version
    async with store.db.transaction() as conn:
        await conn.execute(
            "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
            known + 1,
            "newer_release",
            clock.now(),
        )
    clock.advance(MINUTE)
    out = await old.request(who("amina"), skills="seo")
    assert out.error is not None and out.error.key == "drift.schema_newer" and not out.notifications
    assert out.reply.plain_text == translator("en")("drift.schema_newer")
    assert await store.list_requests(COMMUNITY, list(RequestStatus)) == []
    assert old.not_ready() == [f"the database schema is version {known + 1}, newer than this release's {known}"]
    assert (await old.status(who("baraka"))).error is None  # reading still answers
    clock.advance(timedelta(days=3))  # Baraka's offers would have expired, had there been any; timers claim nothing
    assert await old.run_due_jobs() == []
    assert await old.undelivered() == []
    assert await old.unprocessed_events() == []
    [logged] = errors(caplog, "newer than this MentorBot's")
    assert f"version {known + 1}" in logged


async def test_a_recorded_event_refused_for_the_newer_schema_is_finished(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    old = MentorBot(store, library, make_settings(), clock, worker_id="old")
    await old.look_at_peers()
    known = available_migrations(store.db.dialect)[-1].version
    async with store.db.transaction() as conn:
        await conn.execute(
            "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)", known + 1, "x", clock.now()
        )
    clock.advance(MINUTE)
    inbox_id = await old.record_event("ev-1", COMMUNITY, "U-amina", "{}")
    assert inbox_id is not None
    out = await old.request(who("amina", inbox_id=inbox_id), skills="seo")
    # The day's review: kept pending, a new release's process ran it later, after the member was told "nothing was
    # changed: try again" (and twice when they did). Now it is finished: what the member was told stays true.
    assert out.error is not None and out.settled
