"""A mentor's overdue offers expire together, in the unit of the first one's timer (session 36,
`usecases.expiry.expire_offer`): the places they free go to the oldest waiting requests once all have run and the
mentor is still active (the fairness gap of `test_fairness_overdue_s35.py`); the other offers' timers, claimed in the
same round, end doing nothing, and are not logged as taken over by another process; an expiry of the unit that pauses
the mentor is told in every notice of it (no "take it after all" to someone paused)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.models import MentorProfile, MentorStatus, OfferStatus, RequestStatus
from mentorbot.replies import Notification
from mentorbot.settings import Settings
from mentorbot.storage.offers import ExpireResult
from mentorbot.storage.store import Store
from mentorbot.usecases import expiry, matchmaking
from mentorbot.usecases.context import Core
from tests.usecases.conftest import make_settings, offer_id, to
from tests.usecases.test_departures_s32 import Who

EN = translator("en")
TTL = timedelta(hours=48)


async def profile_of(bot: MentorBot, caller: Caller) -> MentorProfile:
    member = await bot.store.find_member(caller.community, caller.user_id)
    assert member is not None
    profile = await bot.store.get_mentor_profile(member.id)
    assert profile is not None
    return profile


async def expiry_timers(bot: MentorBot) -> dict[int, str]:
    async with bot.store.read() as conn:
        found = await conn.fetch_all("SELECT ref_id, status FROM jobs WHERE kind = 'offer_expiry'")
    return {int(r["ref_id"]): str(r["status"]) for r in found}


async def test_two_overdue_offers_expire_in_one_unit_and_free_their_places_oldest_first(
    bot: MentorBot, who: Who, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Wanjiru (two places) holds x's and y's offers; z and w wait, z first. Both offers expire in one round: one
    lapse, a notice for each, both places to the waiting requests, and no timer left running or logged as taken."""
    caplog.set_level(logging.DEBUG, logger="mentorbot")
    wanjiru = who("wanjiru")
    await bot.signup(wanjiru, skills="seo", capacity="2")
    [ox] = to(await bot.request(who("x"), skills="seo"), "wanjiru")
    [oy] = to(await bot.request(who("y"), skills="seo"), "wanjiru")
    await bot.delivered([ox, oy])
    await bot.request(who("z"), skills="seo")
    await bot.request(who("w"), skills="seo")
    clock.advance(TTL + timedelta(minutes=1))
    notes = await bot.run_due_jobs()
    told = to(notes, "wanjiru")
    keys = [n.key for n in told if not n.reply.buttons]
    assert keys == [f"offer:{offer_id(ox)}", f"offer:{offer_id(oy)}"]
    assert len([n for n in told if n.reply.buttons]) == 2, "both places offered again, to z and w"
    profile = await profile_of(bot, wanjiru)
    assert (profile.status, profile.expired_streak, profile.pending_offers) == (MentorStatus.ACTIVE, 1, 2)
    pending = await bot.store.list_offers(status=OfferStatus.PENDING)
    assert sorted(o.request_id for o in pending) == [3, 4]
    assert all(status != "running" for status in (await expiry_timers(bot)).values())
    messages = [r.getMessage() for r in caplog.records]
    assert not [m for m in messages if "taken over" in m], messages
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.fixture
def settings() -> Settings:
    return make_settings(max_expired_offers=2)


async def test_when_a_later_expiry_of_the_unit_pauses_the_mentor_no_notice_offers_a_late_accept(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Two lapses pause (`settings`). After a first counted lapse, offer A (x's) expires 59 minutes late (past the
    10 minutes' grace: not counted) in the same round as B (y's: counted, the second), which pauses Wanjiru and
    withdraws C (q's). A's notice does not invite her to take it after all (a paused mentor's late accept is
    refused), and the pause lists what became of all three requests."""
    wanjiru = who("wanjiru")
    await bot.signup(wanjiru, skills="seo", capacity="3")
    await bot.delivered(to(await bot.request(who("p"), skills="seo"), "wanjiru"))
    clock.advance(TTL + timedelta(minutes=1))
    await bot.run_due_jobs()
    assert (await profile_of(bot, wanjiru)).expired_streak == 1
    clock.advance(timedelta(minutes=59))
    [oa] = to(await bot.request(who("x"), skills="seo"), "wanjiru")
    clock.advance(timedelta(minutes=59))
    [ob] = to(await bot.request(who("y"), skills="seo"), "wanjiru")
    clock.advance(timedelta(hours=10))
    [oc] = to(await bot.request(who("q"), skills="seo"), "wanjiru")
    await bot.delivered([oa, ob, oc])
    clock.advance(TTL + timedelta(minutes=1) - timedelta(hours=10))  # B due a minute ago, A 59 minutes ago
    notes = to(await bot.run_due_jobs(), "wanjiru")
    profile = await profile_of(bot, wanjiru)
    assert (profile.status, profile.expired_streak) == (MentorStatus.PAUSED, 2)
    notices = {n.key: n.reply.text for n in notes if n.key}
    a_notice = notices[f"offer:{offer_id(oa)}"]
    assert a_notice.startswith(EN("offer.expired_waiting", id=offer_id(oa))), a_notice
    assert EN("offer.take_it_after_all", id=offer_id(oa)) not in a_notice
    [pause] = [n.reply.text for n in notes if (n.key or "").startswith("pause:")]
    assert all(f"#{request}" in pause for request in (2, 3, 4)), pause


def after_keys(notes: list[Notification], name: str) -> list[str]:
    """The "your request is waiting again" notices (`request:<id>:after:<offer>`) among `notes` to `name`."""
    return [n.key for n in to(notes, name) if n.key and ":after:" in n.key]


async def test_two_mentors_offers_expiring_in_one_round_are_passed_on_to_each_other(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Session 36's noise hunt: Amy's request is offered to Xena, Ben's to Yan (one place each), and both offers
    expire in one timer round. Before, Xena's expiry ran alone: Amy was told her request waits again ("…can be asked
    again after…") and Xena that no other mentor could take it, "back on the waitlist", in the same batch as Yan's
    expiry freed Yan and the same round offered Amy's request to Yan ("Good news…"). The round's expiries run
    together now: each request goes to the other mentor, both mentors are told so, and neither mentee hears "waits"."""
    await bot.signup(who("xena"), skills="seo", levels="expert", capacity="1")
    await bot.signup(who("yan"), skills="seo", levels="learning", capacity="1")
    [to_xena] = to(await bot.request(who("amy"), skills="seo"), "xena")
    [to_yan] = to(await bot.request(who("ben"), skills="seo"), "yan")
    await bot.delivered([to_xena, to_yan])
    clock.advance(TTL + timedelta(minutes=1))
    notes = await bot.run_due_jobs()
    assert after_keys(notes, "amy") == [] and after_keys(notes, "ben") == []
    told = {n.key: n.reply.text for n in [*to(notes, "xena"), *to(notes, "yan")] if not n.reply.buttons}
    assert sorted(told) == sorted([f"offer:{offer_id(to_xena)}", f"offer:{offer_id(to_yan)}"])
    for key, text in told.items():  # the first line; the lapse warning follows (two lapses pause, `settings`)
        assert text.splitlines()[0] == EN("offer.expired_notice", id=int(key.removeprefix("offer:"))), text
    pending = {o.request_id: o.mentor_id for o in await bot.store.list_offers(status=OfferStatus.PENDING)}
    xena = (await profile_of(bot, who("xena"))).member_id
    yan = (await profile_of(bot, who("yan"))).member_id
    assert pending == {1: yan, 2: xena}


async def test_a_pause_that_ends_in_the_round_of_an_expiry_takes_its_request(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Pia pauses for two days just after Ben's request went to Mo; Pia's pause ends in the round Mo's offer expires.
    The pause's end runs first: Ben's request goes to Pia and Ben is not told it waits."""
    await bot.signup(who("pia"), skills="crisis-communications", capacity="2")
    await bot.signup(who("mo"), skills="crisis-communications", capacity="1")
    await bot.delivered((await bot.request(who("amy"), skills="crisis-communications")).notifications)
    await bot.delivered((await bot.request(who("ben"), skills="crisis-communications")).notifications)
    await bot.delivered((await bot.pause(who("pia"), until="2d")).notifications)
    clock.advance(TTL + timedelta(minutes=1))
    notes = await bot.run_due_jobs()
    assert after_keys(notes, "ben") == []
    ben = await bot.store.get_request(2)
    assert ben is not None and ben.status is RequestStatus.OFFERED


async def test_when_the_rounds_expiries_fail_together_each_runs_alone(
    bot: MentorBot, who: Who, clock: ManualClock, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug met with one offer fails the round's unit of expiries: it is rolled back and each timer run on its own,
    so the other offer expires and is handed on; the failing one is logged with a correlation id and left to its
    lease (a later round runs it again)."""
    await bot.signup(who("xena"), skills="seo", capacity="1")
    await bot.signup(who("yan"), skills="seo", capacity="1")
    [to_xena] = to(await bot.request(who("amy"), skills="seo"), "xena")
    [to_yan] = to(await bot.request(who("ben"), skills="seo"), "yan")
    await bot.delivered([to_xena, to_yan])
    real = expiry._expire

    async def broken(core: Core, offer_id: int, *, together_with: int | None = None) -> ExpireResult | None:
        if offer_id == offer_id_of_xena:
            raise RuntimeError("a bug met with this offer")
        return await real(core, offer_id, together_with=together_with)

    offer_id_of_xena = offer_id(to_xena)
    monkeypatch.setattr(expiry, "_expire", broken)
    clock.advance(TTL + timedelta(minutes=1))
    with caplog.at_level(logging.ERROR, logger="mentorbot"):
        await bot.run_due_jobs()
    statuses = {o.id: o.status for o in await bot.store.list_offers()}
    assert statuses[offer_id(to_xena)] is OfferStatus.PENDING, "rolled back"
    assert statuses[offer_id(to_yan)] is OfferStatus.EXPIRED, "run on its own"
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("failed together" in m for m in errors) and any("timer offer_expiry" in m for m in errors), errors


async def test_an_expirys_work_does_not_grow_with_the_waitlist(
    bot: MentorBot, who: Who, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Session 36's review: Ben (one place) lets an offer lapse while 300 requests wait for his skill. The oldest
    takes his place, and the expiry stops there: it does not read his profile, nor try to match, once per waiting
    request (a first version of the round's expiries did, inside the timer's write transaction)."""
    await bot.signup(who("ben"), skills="brand-strategy", capacity="1")
    await bot.delivered(to(await bot.request(who("g0"), skills="brand-strategy"), "ben"))
    for i in range(1, 301):
        await bot.request(who(f"g{i}"), skills="brand-strategy")
    clock.advance(TTL + timedelta(minutes=1))
    reads = {"profile": 0, "match": 0}
    real_profile = type(bot.store).get_mentor_profile
    real_match = matchmaking.match_request

    async def profile(self: Store, member_id: int) -> MentorProfile | None:
        reads["profile"] += 1
        return await real_profile(self, member_id)

    async def match(*args: Any, **kwargs: Any) -> Any:
        reads["match"] += 1
        return await real_match(*args, **kwargs)

    monkeypatch.setattr(type(bot.store), "get_mentor_profile", profile)
    monkeypatch.setattr(matchmaking, "match_request", match)
    notes = await bot.run_due_jobs(sweep=False)
    assert len([n for n in to(notes, "ben") if n.reply.buttons]) == 1, "the oldest waiting request took the place"
    assert reads["profile"] <= 10 and reads["match"] <= 5, reads


async def test_a_paused_mentors_withdrawn_request_is_told_as_it_went(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Two lapses pause (`settings`). In one round, Pat's expiry pauses her and withdraws her offer of c's request,
    and Fay's expiry frees a place of Fay's that c's request then takes: Pat's pause notice says it was passed on
    (a first version of the round's expiries said "no longer waiting": the request had been offered before the
    pause's own hand-on looked at it)."""
    await bot.signup(who("pat"), skills="seo", capacity="3")
    await bot.delivered((await bot.request(who("p"), skills="seo")).notifications)
    clock.advance(TTL + timedelta(minutes=1))
    await bot.run_due_jobs()
    await bot.cancel(who("p"), request_id=1)
    clock.advance(timedelta(hours=25))
    await bot.signup(who("fay"), skills="seo", capacity="2")
    for name in ("a", "b"):
        await bot.delivered((await bot.request(who(name), skills="seo")).notifications)
    clock.advance(timedelta(hours=10))
    await bot.delivered((await bot.request(who("c"), skills="seo")).notifications)
    pat = (await profile_of(bot, who("pat"))).member_id
    fay = (await profile_of(bot, who("fay"))).member_id
    holders = {o.request_id: o.mentor_id for o in await bot.store.list_offers(status=OfferStatus.PENDING)}
    assert sorted(holders.values()) == sorted([pat, fay, pat]) and holders[4] == pat, holders
    clock.advance(TTL + timedelta(minutes=1) - timedelta(hours=10))
    notes = await bot.run_due_jobs()
    after = {o.request_id: o.mentor_id for o in await bot.store.list_offers(status=OfferStatus.PENDING)}
    assert after.get(4) == fay, after
    [pause] = [n.reply.text for n in to(notes, "pat") if (n.key or "").startswith("pause:")]
    assert EN("pause.request_passed", id=4) in pause and EN("pause.request_closed", id=4) not in pause, pause


async def test_a_round_of_many_expiries_runs_them_in_one_unit(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    """Session 36's batch-faults hunt: Amy's request offered to Xena, 28 unrelated offers after it, Ben's to Yan the
    30th; all expire in one round. With batches of 25, Amy's expiry ran in the first and Ben's in the second: Xena was
    told "back on the waitlist" and Amy "waiting again" a moment before the second batch freed Yan for her request.
    The round runs every expiry it claimed in one unit: each request goes to the other mentor, told so."""
    await bot.signup(who("xena"), skills="seo", levels="expert", capacity="1")
    await bot.signup(who("yan"), skills="seo", levels="learning", capacity="1")
    [to_xena] = to(await bot.request(who("amy"), skills="seo"), "xena")
    await bot.delivered([to_xena])
    for i in range(28):
        await bot.signup(who(f"f{i}"), skills="copywriting", capacity="1")
    for i in range(28):
        clock.advance(timedelta(seconds=10))
        await bot.delivered((await bot.request(who(f"g{i}"), skills="copywriting")).notifications)
    clock.advance(timedelta(seconds=10))
    [to_yan] = to(await bot.request(who("ben"), skills="seo"), "yan")
    await bot.delivered([to_yan])
    clock.advance(TTL + timedelta(minutes=1))
    notes = await bot.run_due_jobs(sweep=False)
    pending = {o.request_id: o.mentor_id for o in await bot.store.list_offers(status=OfferStatus.PENDING)}
    yan = (await profile_of(bot, who("yan"))).member_id
    assert pending[1] == yan
    [told] = [n.reply.text for n in to(notes, "xena") if n.key == f"offer:{offer_id(to_xena)}"]
    assert told.splitlines()[0] == EN("offer.expired_notice", id=offer_id(to_xena)), told
    assert after_keys(notes, "amy") == [] and after_keys(notes, "ben") == []
