"""Issue 13, rules 1, 2 and 6 as scenarios on the core (docs/matching.md): cooldowns instead of "offered
before" bans, exclusions by reason, oldest first, pause means pause, auto-pause by days, rounds that agree with
live matching and say why they sent nothing, and a decline remembered across a cancel."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.formatting import when
from mentorbot.i18n import translator
from mentorbot.matching.eligibility import (
    BlockKind,
    DeclineReason,
    PairFact,
    blocks_for,
    decline_reason,
    strict,
    when_alone,
)
from mentorbot.models import MentorStatus, RequestStatus
from mentorbot.replies import Reply
from mentorbot.usecases.matchmaking import wait_reason
from tests.usecases.conftest import offer_id, to

Who = Callable[..., Caller]
EN = translator("en")
ADMIN = {"is_admin": True}


async def status_of(bot: MentorBot, name: str) -> list[RequestStatus]:
    member = await bot.store.find_member("test:guild", f"U-{name}")
    assert member is not None
    return [r.status for r in await bot.store.list_member_requests(member.id)]


async def offered_to(bot: MentorBot, name: str) -> list[int]:
    """The request ids of `name`'s pending offers."""
    member = await bot.store.find_member("test:guild", f"U-{name}")
    assert member is not None
    return [o.request_id for o in await bot.store.list_offers(mentor_id=member.id) if o.status.value == "pending"]


def text_of(reply: Reply) -> str:
    """Everything a member reads of a reply: its text, fields and lists."""
    return reply.plain_text


# ----------------------------------------------------------------------------------- the issue's reproduction


async def test_the_issue_reproduction_nobody_is_stranded(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    """m1 lets three offers expire at once: one lapse, no pause; a1–a3 wait (m1 is on cooldown for them). m1
    comes back (`/mentor resume`): the only SEO mentor, so the lapse's cooldown lifts and a1–a3 are offered to
    m1 again at once, oldest first; a4, who came last, waits for a place."""
    await bot.signup(who("m1"), skills="seo", capacity="3")
    for name in ("a1", "a2", "a3"):
        await bot.request(who(name), skills="seo")
    clock.advance(timedelta(hours=49))
    await bot.run_due_jobs()
    profile = await bot.mentor_profile("test:guild", "U-m1")
    assert profile is not None and profile.status is MentorStatus.ACTIVE, "three offers expiring together: one lapse"
    assert await offered_to(bot, "m1") == [], "not bounced back to a mentor who just ignored them"
    assert await status_of(bot, "a1") == [RequestStatus.WAITING]
    await bot.resume(who("m1"))
    assert sorted(await offered_to(bot, "m1")) == [1, 2, 3]
    late = await bot.request(who("a4"), skills="seo")
    assert "at capacity" in late.reply.text
    assert await status_of(bot, "a1") == [RequestStatus.OFFERED]
    done = await bot.admin_round(who("admin", **ADMIN))
    assert "0 offers sent, 1 request still waiting" in done.reply.text
    assert "no free places" in done.reply.text


async def test_a_paused_mentor_who_resumes_is_offered_the_oldest_requests_first(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await bot.signup(who("m1"), skills="seo", capacity="2")
    await bot.pause(who("m1"))
    for name in ("a1", "a2", "a3"):
        await bot.request(who(name), skills="seo")
        clock.advance(timedelta(minutes=5))
    await bot.resume(who("m1"))
    assert sorted(await offered_to(bot, "m1")) == [1, 2], "the two oldest requests get the two places"
    assert await status_of(bot, "a3") == [RequestStatus.WAITING]


async def test_a_freed_place_goes_to_the_oldest_waiting_request(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await bot.signup(who("m1"), skills="seo", capacity="1")
    first = await bot.request(who("a1"), skills="seo")
    await bot.accept(who("m1"), offer_id=offer_id(to(first, "m1")[0]))
    for name in ("a2", "a3"):
        clock.advance(timedelta(minutes=5))
        await bot.request(who(name), skills="seo")
    [mentorship] = await bot.store.list_mentorships(active_only=True)
    await bot.end(who("a1"), mentorship_id=mentorship.id)
    assert await offered_to(bot, "m1") == [2]


async def test_a_tie_in_live_matching_goes_to_the_mentor_never_offered(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Fair rotation (rule 2): between equal mentors, the one never offered anything, then the one offered least
    recently. m1's offer is withdrawn (a1 cancels), so both have a free place and equal scores; a2's request goes
    to m2. Found by mutation testing: removing the rotation broke no test of its own."""
    await bot.signup(who("m1"), skills="seo", capacity="2")
    clock.advance(timedelta(minutes=1))
    await bot.signup(who("m2"), skills="seo", capacity="2")
    first = await bot.request(who("a1"), skills="seo")
    assert to(first, "m1"), "neither offered anything yet: the older profile first"
    await bot.cancel(who("a1"))
    clock.advance(timedelta(minutes=1))
    second = await bot.request(who("a2"), skills="seo")
    assert to(second, "m2") and not to(second, "m1")


# ---------------------------------------------------------------------------------------- rule 1: cooldowns


async def test_a_decline_is_a_cooldown_not_a_ban(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await bot.signup(who("m1"), skills="seo", capacity="2")
    offered = await bot.request(who("a1"), skills="seo")
    first = offer_id(to(offered, "m1")[0])
    declined = await bot.decline(who("m1"), offer_id=first, reason="busy this week")
    assert declined.reply.text == EN("offer.declined_waiting", id=first), "no other mentor: back on the waitlist"
    assert await status_of(bot, "a1") == [RequestStatus.WAITING]
    status = await bot.status(who("a1"))
    assert "can be asked again after" in text_of(status.reply)
    waitlist = await bot.admin_waitlist(who("admin", **ADMIN))
    assert "can be asked again after" in text_of(waitlist.reply)
    clock.advance(timedelta(days=2))
    assert to(await bot.run_due_jobs(), "m1") == [], "still on cooldown: a decline is an answer"
    clock.advance(timedelta(days=1, minutes=1))
    notes = await bot.run_due_jobs()
    assert len(to(notes, "m1")) == 1, "the cooldown is over: the sweep offers the request again"
    assert await offered_to(bot, "m1") == [1]


async def test_a_free_place_out_of_reach_for_a_cooldown_is_the_reason_not_capacity(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """m1 is full; m2 has a place but declined a2's request: a2 waits for m2's cooldown (the date of it), not
    for a place; the admin's waitlist says the same. Once m2's place is taken too, every mentor is at capacity
    (the reason a2's request would be given if tried again now)."""
    await bot.signup(who("m1"), skills="seo", capacity="1")
    first = await bot.request(who("a1"), skills="seo")
    await bot.accept(who("m1"), offer_id=offer_id(to(first, "m1")[0]))
    await bot.signup(who("m2"), skills="seo", capacity="1")
    second = await bot.request(who("a2"), skills="seo")
    declined = await bot.decline(who("m2"), offer_id=offer_id(to(second, "m2")[0]), reason="busy this week")
    until = when(clock.now() + timedelta(days=bot.core.settings.reoffer_after_days), EN)
    [told] = to(declined, "a2")
    assert EN("wait.all_cooldown", skills="SEO", until=until) in told.reply.text
    assert "at capacity" not in told.reply.text
    [waiting] = await bot.store.list_requests("test:guild", [RequestStatus.WAITING])
    assert json.loads(waiting.wait_reason or "{}")["key"] == "wait.all_cooldown"
    waitlist = await bot.admin_waitlist(who("admin", **ADMIN))
    assert f"can be asked again after {until}" in text_of(waitlist.reply)
    assert "at capacity" not in text_of(waitlist.reply)

    third = await bot.request(who("a3"), skills="seo")
    assert len(to(third, "m2")) == 1, "m2 is on cooldown for a2 only"
    a2 = await bot.store.find_member("test:guild", "U-a2")
    assert a2 is not None
    assert json.loads(await wait_reason(bot.core, waiting, a2))["key"] == "wait.all_busy"


async def test_a_cooldown_date_is_told_in_the_readers_time_zone(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    """Before: the date in a wait reason was always in UTC ("after 2026-01-08 09:00 UTC"), while the offer's
    deadline and a pause's end were shown in the member's zone. Now the mentee and the admin each read it in
    their own."""
    nairobi, lima = {"timezone": "Africa/Nairobi"}, {"timezone": "America/Lima"}
    await bot.signup(who("m1"), skills="seo", capacity="1")
    offered = await bot.request(who("a2", **nairobi), skills="seo")
    declined = await bot.decline(who("m1"), offer_id=offer_id(to(offered, "m1")[0]), reason="busy this week")
    until = clock.now() + timedelta(days=bot.core.settings.reoffer_after_days)
    [told] = to(declined, "a2")
    assert when(until, EN, "Africa/Nairobi") in told.reply.text and "UTC" not in told.reply.text
    status = text_of((await bot.status(who("a2", **nairobi))).reply)
    assert when(until, EN, "Africa/Nairobi") in status
    waitlist = text_of((await bot.admin_waitlist(who("admin", **ADMIN, **lima))).reply)
    assert when(until, EN, "America/Lima") in waitlist


async def test_a_cooldown_date_that_has_passed_is_not_told_when_no_place_is_left(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """a2 waits for m2's cooldown; meanwhile a3 takes m2's place, so when the cooldown lifts no one has room and
    nothing is offered. The sweep still works out why a2 waits: every mentor is at capacity, not "can be asked
    again after" a date now past (the waitlist, the member's status and the metrics read the stored reason)."""
    await bot.signup(who("m1"), skills="seo", capacity="1")
    first = await bot.request(who("a1"), skills="seo")
    await bot.accept(who("m1"), offer_id=offer_id(to(first, "m1")[0]))
    await bot.signup(who("m2"), skills="seo", capacity="1")
    second = await bot.request(who("a2"), skills="seo")
    await bot.decline(who("m2"), offer_id=offer_id(to(second, "m2")[0]), reason="busy this week")
    third = await bot.request(who("a3"), skills="seo")
    await bot.accept(who("m2"), offer_id=offer_id(to(third, "m2")[0]))
    clock.advance(timedelta(days=bot.core.settings.reoffer_after_days, hours=1))
    assert await bot.run_due_jobs() == [], "no place anywhere: nothing to offer, nobody to tell"
    [waiting] = await bot.store.list_requests("test:guild", [RequestStatus.WAITING])
    assert json.loads(waiting.wait_reason or "{}")["key"] == "wait.all_busy"
    status = text_of((await bot.status(who("a2"))).reply)
    assert "can be asked again after" not in status and "at capacity" in status


async def test_when_every_mentor_is_on_cooldown_the_date_told_is_that_of_one_with_a_free_place(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """m1 declines a2's request first, then fills up; m2 declines it a day later and keeps a free place. a2 may be
    offered again only when m2's cooldown ends: the date told is m2's, not m1's earlier one."""
    await bot.signup(who("m1"), skills="seo", capacity="1")
    await bot.signup(who("m2"), skills="seo", capacity="1")
    asked = await bot.request(who("a2"), skills="seo")
    [(first_mentor, first_offer)] = [(name, n) for name in ("m1", "m2") for n in to(asked, name)]
    assert first_mentor == "m1", "equal mentors: the first to sign up is asked first"
    declined = await bot.decline(who("m1"), offer_id=offer_id(first_offer), reason="busy this week")
    clock.advance(timedelta(days=1))
    [second_offer] = to(declined, "m2")
    declined = await bot.decline(who("m2"), offer_id=offer_id(second_offer), reason="busy this week")
    filled = await bot.request(who("a1"), skills="seo")
    await bot.accept(who("m1"), offer_id=offer_id(to(filled, "m1")[0]))
    a2 = await bot.store.find_member("test:guild", "U-a2")
    [waiting] = [
        r for r in await bot.store.list_requests("test:guild", [RequestStatus.WAITING]) if r.member_id == a2.id
    ]
    reason = json.loads(await wait_reason(bot.core, waiting, a2))
    assert reason["key"] == "wait.all_cooldown"
    m2_back = clock.now() + timedelta(days=bot.core.settings.reoffer_after_days)
    assert datetime.fromisoformat(reason["until"]) == m2_back, "m2's date: m1 has no place then"


async def test_a_decline_for_good_excludes_the_mentor_from_that_members_requests(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await bot.signup(who("m1"), skills="seo,copywriting", capacity="3")
    offered = await bot.request(who("a1"), skills="seo")
    declined = await bot.decline(who("m1"), offer_id=offer_id(to(offered, "m1")[0]), reason="Not my skill, sorry")
    assert EN("offer.then_waiting") in declined.reply.text, "no other mentor: back on the waitlist"
    assert EN("offer.excluded_skill", skills="SEO") in declined.reply.text
    status = await bot.status(who("a1"))
    assert "said it is not for them" in text_of(status.reply)
    clock.advance(timedelta(days=30))
    assert to(await bot.run_due_jobs(), "m1") == []
    # Another skill of the same member is another question: m1 may be asked.
    other = await bot.request(who("a1"), skills="copywriting")
    assert len(to(other, "m1")) == 1
    done = await bot.admin_round(who("admin", **ADMIN))
    assert "every mentor declined it as not for them" in done.reply.text
    waitlist = text_of((await bot.admin_waitlist(who("admin", **ADMIN))).reply)
    assert "Every mentor for SEO has said it is not for them: recruit another mentor." in waitlist
    assert "You'll get an offer" not in waitlist, "the admin's words, not the promise made to the member"


async def test_not_this_person_excludes_every_request_of_that_member(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("m1"), skills="seo,copywriting", capacity="3")
    offered = await bot.request(who("a1"), skills="seo")
    await bot.decline(who("m1"), offer_id=offer_id(to(offered, "m1")[0]), reason="not this person")
    other = await bot.request(who("a1"), skills="copywriting")
    assert to(other, "m1") == []
    assert len(to(await bot.request(who("a2"), skills="seo"), "m1")) == 1, "other members still get m1"


async def test_a_lapse_cooldown_lifts_when_no_one_else_is_eligible_but_not_while_someone_is(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await bot.signup(who("m1"), skills="seo", levels="expert", capacity="2")
    await bot.signup(who("m2"), skills="seo", levels="learning", capacity="1")
    offered = await bot.request(who("a1"), skills="seo")
    assert len(to(offered, "m1")) == 1, "the expert first"
    clock.advance(timedelta(hours=48, minutes=1))
    notes = await bot.run_due_jobs()
    assert len(to(notes, "m2")) == 1, "after m1's lapse, m2 (not on cooldown) is asked"
    clock.advance(timedelta(hours=48, minutes=1))
    await bot.run_due_jobs()
    assert await offered_to(bot, "m1") == [] and await offered_to(bot, "m2") == [], "both lapsed: it waits"
    other = await bot.request(who("a2"), skills="seo")
    await bot.decline(who("m1"), offer_id=offer_id(to(other, "m1")[0]), reason="not this person")
    assert await offered_to(bot, "m1") == [1], "m1 answered something: back, and nobody else is eligible"


async def test_the_round_says_who_is_on_cooldown_until_when(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await bot.signup(who("m1"), skills="seo", capacity="2")
    offered = await bot.request(who("a1"), skills="seo")
    await bot.decline(who("m1"), offer_id=offer_id(to(offered, "m1")[0]))
    await bot.request(who("a2"), skills="paid social")
    done = await bot.admin_round(who("admin", **ADMIN))
    until = (clock.now() + timedelta(days=3)).strftime("%Y-%m-%d %H:%M UTC")
    assert "0 offers sent, 2 requests still waiting" in done.reply.text
    assert f"on cooldown until {until}" in done.reply.text
    assert "which no mentor offers: recruit a mentor for it" in done.reply.text


async def test_the_round_offers_exactly_what_live_matching_would(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    """A request waiting beside a mentor on decline cooldown is not offered by the round either; once the
    cooldown is over, the round offers it (the live matcher would: the sweep does the same)."""
    await bot.signup(who("m1"), skills="seo", capacity="2")
    offered = await bot.request(who("a1"), skills="seo")
    await bot.decline(who("m1"), offer_id=offer_id(to(offered, "m1")[0]))
    assert "0 offers sent" in (await bot.admin_round(who("admin", **ADMIN))).reply.text
    clock.advance(timedelta(days=3, minutes=1))
    assert "1 offer sent" in (await bot.admin_round(who("admin", **ADMIN))).reply.text
    assert await offered_to(bot, "m1") == [1]


# ----------------------------------------------------------------------------------- rule 2: pause means pause


async def test_pausing_withdraws_pending_offers_and_passes_them_on(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("m1"), skills="seo", levels="expert", capacity="2")
    await bot.signup(who("m2"), skills="seo", levels="learning", capacity="1")
    first = await bot.request(who("a1"), skills="seo")
    [offer] = to(first, "m1")
    second = await bot.request(who("a2"), skills="seo")
    assert len(to(second, "m1")) == 1
    paused = await bot.pause(who("m1"))
    assert "request #1: passed on to another mentor" in paused.reply.text
    assert "request #2: back on the waitlist" in paused.reply.text
    updated = [n for n in to(paused, "m1") if n.key == offer.key]
    assert updated and "withdrawn because you paused" in updated[0].reply.text, "the offer DM gets a new version"
    assert await offered_to(bot, "m1") == []
    assert await offered_to(bot, "m2") == [1]
    assert any("waiting again" in n.reply.text for n in to(paused, "a2"))


async def test_an_admin_pause_withdraws_too(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("m1"), skills="seo", capacity="2")
    await bot.request(who("a1"), skills="seo")
    done = await bot.admin_pause(who("admin", **ADMIN), mentor="M1")
    assert "Their pending offer was withdrawn" in done.reply.text
    [notice] = [n for n in to(done, "m1") if "paused your mentor profile" in n.reply.text and n.key is None]
    assert "request #1: back on the waitlist" in notice.reply.text
    [offer] = [n for n in to(done, "m1") if n.key == "offer:1"]
    assert "because an admin paused your mentor profile" in offer.reply.text, "not: because you paused"
    assert await offered_to(bot, "m1") == []


async def test_a_pause_withdrawal_is_a_lapse_lifted_when_no_one_else_is_there(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("m1"), skills="seo", capacity="2")
    await bot.request(who("a1"), skills="seo")
    await bot.pause(who("m1"))
    assert await status_of(bot, "a1") == [RequestStatus.WAITING]
    await bot.resume(who("m1"))
    assert await offered_to(bot, "m1") == [1]


# ---------------------------------------------------------------------------------- rule 6: remember a decline


async def test_a_cancel_and_ask_again_does_not_go_first_to_the_mentor_who_declined(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("m1"), skills="seo", levels="expert", capacity="2")
    await bot.signup(who("m2"), skills="seo", levels="learning", capacity="2")
    first = await bot.request(who("a1"), skills="seo")
    await bot.decline(who("m1"), offer_id=offer_id(to(first, "m1")[0]))
    assert await offered_to(bot, "m2") == [1]
    await bot.cancel(who("a1"), request_id=1)
    again = await bot.request(who("a1"), skills="seo")
    assert to(again, "m1") == [] and len(to(again, "m2")) == 1, "the expert declined them: m2 first"


# --------------------------------------------------------------------------------------- the rules as properties

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
facts = st.builds(
    PairFact,
    mentee_id=st.just(1),
    request_id=st.integers(1, 4),
    request_skills=st.sampled_from([("seo",), ("copywriting",), ("copywriting", "seo")]),
    mentor_id=st.integers(10, 13),
    status=st.sampled_from(["pending", "accepted", "declined", "expired", "withdrawn"]),
    reason_kind=st.sampled_from([None, "not_now", "not_my_skill", "not_this_person", "paused", "undelivered"]),
    decided_at=st.one_of(st.none(), st.integers(0, 10 * 24).map(lambda h: NOW - timedelta(hours=h))),
    mentor_back_at=st.one_of(st.none(), st.integers(0, 10 * 24).map(lambda h: NOW - timedelta(hours=h))),
)


@given(history=st.lists(facts, max_size=12), days=st.integers(0, 7))
def test_blocks_follow_the_rules(history: list[PairFact], days: int) -> None:
    """Every block has its reason in the history; a cooldown never outlasts `reoffer_after` from its event;
    exclusions and decline cooldowns are never lifted when the mentor is alone; only lapses of a mentor who
    showed they are back since are."""
    after = timedelta(days=days)
    blocks = blocks_for(1, 1, ("seo",), history, now=NOW, reoffer_after=after)
    for mentor, block in blocks.items():
        mine = [f for f in history if f.mentor_id == mentor]
        if block.kind is BlockKind.COOLDOWN:
            assert block.until is not None and block.until > NOW
            assert any(f.decided_at and f.decided_at + after == block.until for f in mine)
            declined = any(f.status == "declined" and f.decided_at and f.decided_at + after > NOW for f in mine)
            # A lapse: an offer that expired (its message had reached the mentor), or one withdrawn because the
            # mentor paused (an offer withdrawn for another reason, its request cancelled, is nobody's lapse and
            # blocks nothing). An offer that expired unsent ("undelivered") is no lapse: its cooldown always lifts.
            lapses = [
                f
                for f in mine
                if f.decided_at
                and f.decided_at + after > NOW
                and (
                    (f.status == "expired" and f.reason_kind != "undelivered")
                    or (f.status == "withdrawn" and f.reason_kind == "paused")
                )
            ]
            back = all(f.mentor_back_at and f.decided_at and f.mentor_back_at >= f.decided_at for f in lapses)
            if block.lifts_when_alone:
                assert not declined and back, "only a lapse of a mentor back since, or an unsent offer, lifts"
            elif not declined and not block.mentoring:
                assert not back, "an unsent offer's cooldown, or a lapse of a mentor back since, lifts when alone"
        if block.kind is BlockKind.EXCLUDED:
            assert any(f.status == "declined" and f.reason_kind in ("not_my_skill", "not_this_person") for f in mine)
        if block.kind is BlockKind.PENDING:
            assert any(f.status == "pending" and f.request_id == 1 for f in mine)
    assert when_alone(blocks) <= strict(blocks)
    unblocked = {f.mentor_id for f in history} - set(blocks)
    for mentor in unblocked:
        for f in (f for f in history if f.mentor_id == mentor):
            assert not (f.status == "declined" and f.reason_kind == "not_this_person")
            if f.decided_at and f.status in ("declined", "expired"):
                assert f.decided_at + after <= NOW


@given(st.text(max_size=40))
def test_any_decline_text_has_one_reason(text: str) -> None:
    assert decline_reason(text) in DeclineReason


def test_decline_reasons_in_both_languages() -> None:
    assert decline_reason(None) is DeclineReason.NOT_NOW
    assert decline_reason("Not my skill!") is DeclineReason.NOT_MY_SKILL
    assert decline_reason("not_this_person") is DeclineReason.NOT_THIS_PERSON
    assert decline_reason("si ujuzi wangu") is DeclineReason.NOT_MY_SKILL
    assert decline_reason("Si mtu huyu, samahani") is DeclineReason.NOT_THIS_PERSON
    assert decline_reason("busy until March") is DeclineReason.NOT_NOW
    assert decline_reason("nothing for me here") is DeclineReason.NOT_NOW
