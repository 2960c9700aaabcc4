"""The answer to a recorded event is durable (issue 12, point 0): a use-case that changes something stores its
answer on the event's inbox row in the transaction of its changes; a process that dies before showing it leaves
the answer to whichever process recovers the row, which shows it without running the use-case again. A read or a
refusal stores nothing (running it again is harmless); an event that fails every time is given up."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.models import RequestStatus
from mentorbot.replies import Button, Field, Outcome, Reply, answer_from_json, answer_to_json
from mentorbot.storage.database import DatabaseBusy, DatabaseError, DatabaseUnavailable
from mentorbot.storage.store import Store
from mentorbot.usecases.handler import INBOX_ATTEMPTS, INBOX_GIVE_UP_AFTER, INBOX_LEASE
from tests.usecases.conftest import COMMUNITY

PAST_LEASE = INBOX_LEASE + timedelta(seconds=1)


async def recorded(bot: MentorBot, caller: Caller, name: str) -> Caller:
    """`caller` acting through a recorded platform event `name`, as an adapter records it before its ack."""
    inbox_id = await bot.record_event(f"test:{name}", caller.community, caller.user_id, "{}")
    assert inbox_id is not None
    return Caller(caller.community, caller.user_id, caller.display_name, event_id=f"test:{name}", inbox_id=inbox_id)


async def inbox_status(store: Store, inbox_id: int | None) -> str:
    async with store.read() as conn:
        row = await conn.fetch_one("SELECT status FROM inbox WHERE id = ?", inbox_id)
    assert row is not None
    return str(row["status"])


def test_an_answer_survives_its_json_form() -> None:
    outcome = Outcome(
        Reply("Request #4 — ñandú ✓", title="Yours", fields=(Field("a", "b", True),), buttons=(Button("x", "1", "X"),)),
        held=(Reply("held one"), Reply("held two")),
        language="sw",
    )
    again = answer_from_json(answer_to_json(outcome))
    assert (again.reply, again.held, again.language) == (outcome.reply, outcome.held, outcome.language)
    assert again.notifications == ()


async def test_a_change_stores_its_answer_with_it_and_recovery_returns_only_the_answer(
    bot: MentorBot, who: Callable[..., Caller], clock: ManualClock
) -> None:
    await bot.signup(who("bob"), skills="seo")
    amina = await recorded(bot, who("amina"), "request-1")
    outcome = await bot.request(amina, skills="seo")
    assert outcome.error is None
    assert await inbox_status(bot.store, amina.inbox_id) == "answering", "processed, answer not shown yet"

    # The process dies here, before the adapter showed the answer; another one recovers the row.
    clock.advance(PAST_LEASE)
    other = MentorBot(bot.store, bot.library, bot.settings, clock, worker_id="other")
    [event] = await other.unprocessed_events()
    answer = other.recorded_answer(event)
    assert answer is not None, "the stored answer, not a command to run again"
    assert answer.reply == outcome.reply and answer.language == outcome.language
    await other.finish_event(event.id)
    assert await inbox_status(bot.store, amina.inbox_id) == "done"
    member = await bot.store.find_member(COMMUNITY, "U-amina")
    assert member is not None
    [request] = await bot.store.list_member_requests(member.id)
    assert request.status is RequestStatus.OFFERED, "applied once"
    clock.advance(PAST_LEASE)
    assert await other.unprocessed_events() == []


async def test_a_read_or_a_refusal_stores_no_answer_and_is_simply_run_again(
    bot: MentorBot, who: Callable[..., Caller], clock: ManualClock
) -> None:
    status_call = await recorded(bot, who("amina"), "status-1")
    await bot.status(status_call)
    refused_call = await recorded(bot, who("amina"), "cancel-1")
    refused = await bot.cancel(refused_call, request_id="999")
    assert refused.error is not None
    for call in (status_call, refused_call):
        assert await inbox_status(bot.store, call.inbox_id) == "pending", "nothing changed, nothing stored"
    clock.advance(PAST_LEASE)
    events = await bot.unprocessed_events()
    assert [e.id for e in events] == [status_call.inbox_id, refused_call.inbox_id]
    assert all(bot.recorded_answer(e) is None for e in events), "to be run again"


async def test_an_event_processed_by_another_process_meanwhile_is_a_duplicate_and_changes_nothing(
    bot: MentorBot, who: Callable[..., Caller]
) -> None:
    await bot.signup(who("bob"), skills="seo")
    amina = await recorded(bot, who("amina"), "request-2")
    first = await bot.request(amina, skills="seo")
    assert first.error is None
    second = await bot.request(amina, skills="seo")  # the same event, run again by a slow second process
    assert second.duplicate
    member = await bot.store.find_member(COMMUNITY, "U-amina")
    assert member is not None
    assert len(await bot.store.list_member_requests(member.id)) == 1


async def test_an_event_that_fails_every_time_is_given_up_after_its_attempts_once_it_is_old(
    bot: MentorBot, who: Callable[..., Caller], clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    call = await recorded(bot, who("amina"), "poison-1")
    for _ in range(INBOX_ATTEMPTS * 3):  # the recorder's own try counts as the first
        clock.advance(PAST_LEASE)
        [event] = await bot.unprocessed_events()
        # … and its process fails again, never finishing it: a database failing for a while (a command told it is
        # saved) is not given up while it is young, however many tries it took.
        assert event.id == call.inbox_id
    clock.advance(INBOX_GIVE_UP_AFTER)
    with caplog.at_level(logging.ERROR, logger="mentorbot"):
        assert await bot.unprocessed_events() == []
    assert any("giving up" in r.getMessage() for r in caplog.records)
    assert await inbox_status(bot.store, call.inbox_id) == "done"
    clock.advance(PAST_LEASE)
    assert await bot.unprocessed_events() == []


@pytest.mark.parametrize("failure", [DatabaseUnavailable, DatabaseBusy], ids=["unavailable", "busy"])
async def test_a_recorded_event_that_meets_a_passing_database_failure_stays_to_be_done_and_the_member_is_told_so(
    bot: MentorBot,
    who: Callable[..., Caller],
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    failure: type[DatabaseError],
) -> None:
    await bot.signup(who("bob"), skills="seo")
    amina = await recorded(bot, who("amina"), f"request-{failure.kind}")
    real = bot.store.create_request

    async def down(*_args: object, **_kwargs: object) -> None:
        raise failure("the server went away")

    monkeypatch.setattr(bot.store, "create_request", down)
    outcome = await bot.request(amina, skills="seo")
    assert outcome.error is not None and outcome.error.key == "common.db_saved"
    assert not outcome.settled, "the adapter must not mark it done"
    assert "no need to type it again" in outcome.reply.text
    assert await inbox_status(bot.store, amina.inbox_id) == "pending"

    monkeypatch.setattr(bot.store, "create_request", real)  # the database is back
    clock.advance(PAST_LEASE)
    [event] = await bot.unprocessed_events()
    assert bot.recorded_answer(event) is None, "to be run again"
    again = await bot.request(
        Caller(COMMUNITY, "U-amina", "Amina", event_id=event.event_id, inbox_id=event.id), skills="seo"
    )
    assert again.error is None and again.settled
    member = await bot.store.find_member(COMMUNITY, "U-amina")
    assert member is not None
    [request] = await bot.store.list_member_requests(member.id)
    assert request.status is RequestStatus.OFFERED


async def test_without_a_recorded_event_a_database_failure_says_nothing_was_changed(
    bot: MentorBot, who: Callable[..., Caller], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def down(*_args: object, **_kwargs: object) -> None:
        raise DatabaseUnavailable("the server went away")

    monkeypatch.setattr(bot.store, "create_request", down)
    outcome = await bot.request(who("amina"), skills="seo")
    assert outcome.error is not None and outcome.error.key == "common.db_unavailable"
    assert outcome.settled


async def test_a_failure_while_storing_the_answer_undoes_the_change_with_it(
    bot: MentorBot, who: Callable[..., Caller], clock: ManualClock
) -> None:
    """The answer is stored in the use-case's own transaction: if storing it fails (the process dies there), the
    request is not made either, so the recovery runs the command afresh and answers it. Found by mutation testing:
    with the answer stored after the commit, the request stayed made with no answer to show."""
    await bot.signup(who("bob"), skills="seo")
    amina = await recorded(bot, who("amina"), "request-dies")
    real = bot.store.store_answer

    async def dies(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the process dies while storing the answer")

    bot.store.store_answer = dies  # type: ignore[method-assign]
    try:
        outcome = await bot.request(amina, skills="seo")
    finally:
        bot.store.store_answer = real  # type: ignore[method-assign]
    assert outcome.error is not None, "an unexpected error: the member gets the apology"
    member = await bot.store.find_member(COMMUNITY, "U-amina")
    assert member is None or await bot.store.list_member_requests(member.id) == []
    clock.advance(PAST_LEASE)
    other = MentorBot(bot.store, bot.library, bot.settings, clock, worker_id="other")
    [event] = await other.unprocessed_events()
    assert other.recorded_answer(event) is None, "nothing was answered: the recovery runs the command"
