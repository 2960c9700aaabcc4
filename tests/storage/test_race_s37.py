"""Lock-order deadlocks of session 36's paths, two processes on one PostgreSQL database (found by session 37's race
hunt).

A "not this person" decline locked the declined request's mentee first, then, to withdraw their offers of the
decliner's requests (the exclusion holds both ways), the decliner's own row: "the other member, then me", in no
order the store knows. Two members declining each other at once, or a decline beside another process's expiry
(which locks the mentees of a mentor's offers in the order of their ids), each held the row the other wanted. And a
timers round expires up to `timers.EXPIRY_BATCH` offers in one unit: each expiry locked its mentor's mentees in id
order, but the unit held them while it locked the next mentor's, so two processes' rounds took overlapping sets in
different orders.

Each unit is run once (`handler.UNIT_ATTEMPTS` 1): a deadlock shows as the failure it is, not retried away (a retry
hid these, after PostgreSQL's deadlock timeout had stalled both units with members' rows held). The outcome is the
one of the two commands run one after the other.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
from datetime import timedelta
from typing import Any

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.matching.eligibility import DeclineReason
from mentorbot.models import Offer, OfferStatus, RequestStatus
from mentorbot.storage.store import Store
from mentorbot.usecases import handler, timers
from tests.storage.interleave import Interleave, second_bot
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to

postgres_only = pytest.mark.parametrize(
    "engine_store", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
"""The races' tests run on PostgreSQL only: on SQLite a unit of work holds the write lock from its start, so the
other process's command waits for it, whatever it locks."""

DEADLOCK = "40P01"
HOUR = timedelta(hours=1)


@pytest.fixture
def bot(store: Store, library: Library, clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> MentorBot:
    """The first process's bot; every unit of work runs once."""
    monkeypatch.setattr(handler, "UNIT_ATTEMPTS", 1)  # a deadlock shows as the failure it is, not retried away
    return MentorBot(store, library, make_settings(), clock, worker_id="p1")


def who(name: str) -> Caller:
    """A member of the test community by name (``U-<name>``)."""
    return Caller(COMMUNITY, f"U-{name}", name.capitalize())


async def mid(bot: MentorBot, name: str) -> int:
    """A member's id by name."""
    member = await bot.store.find_member(COMMUNITY, f"U-{name}")
    assert member is not None
    return member.id


def deadlocks(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The log lines of failures that were PostgreSQL deadlocks (the exception or one in its chain), and of a round
    of expiries that met one (logged without its traceback: `Timers._run_expiries`)."""
    found = [r.getMessage() for r in caplog.records if "met concurrent units of work" in r.getMessage()]
    for record in caplog.records:
        exc = record.exc_info[1] if record.exc_info else None
        while exc is not None:
            if getattr(exc, "sqlstate", None) == DEADLOCK:
                found.append(f"{record.getMessage()}: {exc}")
                break
            exc = exc.__cause__ or exc.__context__
    return found


async def check_places(bot: MentorBot) -> list[Offer]:
    """Every mentor's places as its offers and mentorships say (no one over capacity, no place held twice, no
    request with two pending offers); the pending offers."""
    pending = await bot.store.list_offers(status=OfferStatus.PENDING)
    assert len({o.request_id for o in pending}) == len(pending), pending
    for name in ("amina", "bakari", "chao", "m1", "m2", "m3", "m4"):
        member = await bot.store.find_member(COMMUNITY, f"U-{name}")
        profile = None if member is None else await bot.store.get_mentor_profile(member.id)
        if member is None or profile is None:
            continue
        assert profile.pending_offers == len([o for o in pending if o.mentor_id == member.id]), name
        assert profile.active_count <= profile.capacity, name
    return pending


async def two_mentors_asking_each_other(bot: MentorBot) -> tuple[int, int]:
    """Amina (SEO mentor) holds Bakari's SEO request; Bakari (copywriting mentor) holds Amina's copywriting request.
    Their offers' ids: Amina's, Bakari's."""
    await bot.signup(who("amina"), skills="seo")
    await bot.signup(who("bakari"), skills="copywriting")
    asked = await bot.request(who("bakari"), skills="seo")
    to_amina = offer_id(to(asked, "amina")[0])
    asked = await bot.request(who("amina"), skills="copywriting")
    to_bakari = offer_id(to(asked, "bakari")[0])
    return to_amina, to_bakari


@postgres_only
async def test_two_members_declining_each_other_at_once_do_not_deadlock(
    bot: MentorBot, caplog: pytest.LogCaptureFixture
) -> None:
    """Each declines the other "not this person" at once, in two processes. Amina's unit, declining Bakari's request
    (his row locked), is withdrawing her offers of his requests when Bakari's starts; it then withdraws his offer of
    her request (her row). Bakari's locked her row first, then wanted his. Now a "not this person" decline locks both
    rows at its start, in id order: Bakari's decline waits for Amina's, and finds its offer withdrawn by it."""
    caplog.set_level(logging.INFO, logger="mentorbot")
    to_amina, to_bakari = await two_mentors_asking_each_other(bot)
    other = await second_bot(bot, "p2")
    try:
        hook = Interleave(
            bot.store,
            "withdraw_for_mentee",
            lambda: other.decline(who("bakari"), offer_id=to_bakari, reason="not this person"),
            grace=2.0,
        )
        first = await bot.decline(who("amina"), offer_id=to_amina, reason="not this person")
        hook.undo()
        second = await hook.result()
    finally:
        await other.store.close()
    assert not deadlocks(caplog), deadlocks(caplog)
    assert first.error is None, first.reply.text
    assert not hook.finished_inside, "Bakari's decline waits for Amina's lock of both rows"
    # As one after the other: Amina's decline withdrew Bakari's offer of her request; his came too late.
    assert second.error is not None and second.error.key == "offer.already_withdrawn", second.reply.text
    declined = await bot.store.get_offer(to_amina)
    withdrawn = await bot.store.get_offer(to_bakari)
    assert declined is not None and declined.status is OfferStatus.DECLINED
    assert declined.reason_kind == DeclineReason.NOT_THIS_PERSON.value
    assert withdrawn is not None and withdrawn.status is OfferStatus.WITHDRAWN
    assert await check_places(bot) == []
    # The exclusion holds both ways: the sweep offers neither request to the other.
    await bot.run_due_jobs(sweep=True)
    assert await check_places(bot) == []
    for name in ("amina", "bakari"):
        [request] = await bot.store.list_member_requests(await mid(bot, name))
        assert request.status is RequestStatus.WAITING


@postgres_only
async def test_a_not_this_person_decline_and_an_expiry_of_both_members_offers_do_not_deadlock(
    bot: MentorBot, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Chao holds the offers of Amina's and Bakari's PPC requests, overdue; Amina declines Bakari's SEO request
    "not this person" while another process's timers expire Chao's offers. The decline locked Bakari's row, then
    Amina's; the expiry locks both in id order (Amina's first). Now the decline locks both in id order too."""
    caplog.set_level(logging.INFO, logger="mentorbot")
    await bot.signup(who("amina"), skills="seo")
    await bot.signup(who("bakari"), skills="copywriting")
    await bot.signup(who("chao"), skills="ppc", capacity="2")
    ppc = [*to(await bot.request(who("amina"), skills="ppc"), "chao")]
    ppc += to(await bot.request(who("bakari"), skills="ppc"), "chao")
    await bot.delivered(ppc)
    clock.advance(bot.settings.offer_ttl_hours * HOUR - HOUR)
    asked = await bot.request(who("bakari"), skills="seo")
    to_amina = offer_id(to(asked, "amina")[0])
    clock.advance(2 * HOUR)  # Chao's offers are an hour overdue; Amina's is not
    other = await second_bot(bot, "p2")
    try:
        hook = Interleave(bot.store, "withdraw_for_mentee", lambda: other.run_due_jobs(), grace=2.0)
        declined = await bot.decline(who("amina"), offer_id=to_amina, reason="not this person")
        hook.undo()
        await hook.result()
    finally:
        await other.store.close()
    assert not deadlocks(caplog), deadlocks(caplog)
    assert declined.error is None, declined.reply.text
    assert not hook.finished_inside, "the expiry waits for the decline's lock of Amina's and Bakari's rows"
    assert [(o.id, o.status) for o in await bot.store.list_offers(mentor_id=await mid(bot, "chao"))] == [
        (offer_id(note), OfferStatus.EXPIRED) for note in ppc
    ]
    offer = await bot.store.get_offer(to_amina)
    assert offer is not None and offer.status is OfferStatus.DECLINED
    assert await check_places(bot) == []


def limit_claims(bot: MentorBot, limit: int) -> None:
    """Each timers round of `bot` claims at most `limit` timers."""
    bot.store.claim_due_jobs = functools.partial(bot.store.claim_due_jobs, limit=limit)  # type: ignore[method-assign]


@postgres_only
async def test_two_rounds_expiring_offers_of_the_same_mentees_do_not_deadlock(
    bot: MentorBot, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    """x asks SEO (m1) and email marketing (m4); y asks paid social (m2) and copywriting (m3): offers 1 to 4, in
    that order, m1 <- x, m2 <- y, m3 <- y, m4 <- x, all overdue. Process 1's round claims offers 1 and 2 (x's, then
    y's mentees locked), process 2's offers 3 and 4 (y's, then x's), each in one unit. Now an expiry unit locks the
    mentees of every mentor of its offers at its start, in one statement: process 2's waits for process 1's."""
    caplog.set_level(logging.INFO, logger="mentorbot")
    for name, skill in (("m1", "seo"), ("m2", "paid-social"), ("m3", "copywriting"), ("m4", "email-marketing")):
        await bot.signup(who(name), skills=skill)
    offered = []
    for name, skill in (("x", "seo"), ("y", "paid-social"), ("y", "copywriting"), ("x", "email-marketing")):
        offered.extend(n for n in (await bot.request(who(name), skills=skill)).notifications if n.reply.buttons)
    await bot.delivered(offered)
    ids = sorted(o.id for o in await bot.store.list_offers(status=OfferStatus.PENDING))
    assert len(ids) == 4
    clock.advance(bot.settings.offer_ttl_hours * HOUR + timedelta(minutes=1))
    other = await second_bot(bot, "p2")
    limit_claims(bot, 2)
    limit_claims(other, 2)
    rounds: list[asyncio.Task[Any]] = []
    original = bot.store.expire_offer

    async def then_the_other_round(*args: Any, **kwargs: Any) -> Any:
        # Inside process 1's unit, its first offer expired: process 2's round runs (claiming offers 3 and 4), and
        # is given two seconds.
        result = await original(*args, **kwargs)
        if not rounds:
            task = asyncio.get_running_loop().create_task(other.run_due_jobs(), context=contextvars.Context())
            rounds.append(task)
            await asyncio.wait({task}, timeout=2.0)
        return result

    bot.store.expire_offer = then_the_other_round  # type: ignore[method-assign]
    try:
        await bot.run_due_jobs()
        del bot.store.expire_offer
        assert rounds, "process 1 expired nothing"
        await rounds[0]
    finally:
        await other.store.close()
    assert not deadlocks(caplog), deadlocks(caplog)
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert [(o.id, o.status) for o in await bot.store.list_offers()] == [(i, OfferStatus.EXPIRED) for i in ids]
    assert await check_places(bot) == []
    for name in ("x", "y"):
        requests = await bot.store.list_member_requests(await mid(bot, name))
        assert [r.status for r in requests] == [RequestStatus.WAITING] * 2


async def test_expiries_aborted_by_concurrent_units_are_no_unexpected_failure(
    bot: MentorBot, clock: ManualClock, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A round's expiry unit that concurrent units aborted each time it ran (a deadlock, `handler.retrying` given
    up) is logged as that, a warning without a traceback, not as an unexpected failure; each timer then runs alone."""
    caplog.set_level(logging.INFO, logger="mentorbot")
    await bot.signup(who("m1"), skills="seo")
    await bot.signup(who("m2"), skills="copywriting")
    offered = [
        *to(await bot.request(who("x"), skills="seo"), "m1"),
        *to(await bot.request(who("y"), skills="copywriting"), "m2"),
    ]
    await bot.delivered(offered)
    clock.advance(bot.settings.offer_ttl_hours * HOUR + timedelta(minutes=1))

    class Deadlock(Exception):
        sqlstate = DEADLOCK

    async def aborted(*args: Any, **kwargs: Any) -> Any:
        raise Deadlock("deadlock detected\nDETAIL: ...")

    monkeypatch.setattr(timers, "expire_offers", aborted)
    await bot.run_due_jobs()
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    [warned] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warned.getMessage() == (
        "2 offer expiry timers met concurrent units of work (deadlock detected); running each alone"
    )
    assert warned.exc_info is None
    assert {o.status for o in await bot.store.list_offers()} == {OfferStatus.EXPIRED}
