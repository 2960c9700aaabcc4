"""Session 39: the reason a request waits is the true one when some of its mentors are paused (docs/matching.md
rule 14), found by the ranking hunt.

Before: with one mentor of the skill at capacity and the other paused (a free place, once back) the member read
"Every mentor for Paid social is at capacity right now. You'll get an offer as soon as a place frees up."; with the
member's own mentor the only one with a free place and another mentor full, "Every mentor … is at capacity" (the
own-mentor reason when the full one is left out); and with the only mentor having declined ("not now") and then
paused, "…they can be asked again after <date>, or sooner if another mentor frees up", a date on which nothing
happens: the mentor is still paused."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import Translator, translator
from mentorbot.models import MentorshipRequest, RequestStatus
from mentorbot.storage.reports import wait_reason_code
from mentorbot.usecases import matchmaking, views
from tests.usecases.conftest import COMMUNITY, offer_id, to

Who = Callable[..., Caller]
EN = translator("en")
SW = translator("sw")


async def waiting(bot: MentorBot, request_id: int) -> MentorshipRequest:
    request = await bot.store.get_request(request_id)
    assert request is not None and request.status is RequestStatus.WAITING, request
    return request


async def reason_of(bot: MentorBot, request_id: int) -> dict[str, object]:
    data = json.loads((await waiting(bot, request_id)).wait_reason or "{}")
    assert isinstance(data, dict)
    return data


async def status_text(bot: MentorBot, caller: Caller) -> str:
    reply = (await bot.status(caller)).reply
    return "\n".join([reply.plain_text, *(str(e) for listing in reply.listings for e in listing.entries)])


async def offered_to(bot: MentorBot, name: str) -> list[int]:
    member = await bot.store.find_member(COMMUNITY, f"U-{name}")
    assert member is not None
    return [o.request_id for o in await bot.store.list_offers(mentor_id=member.id) if o.status.value == "pending"]


# ----------------------------------------------------------------------- one mentor full, another paused


async def full_and_paused(bot: MentorBot, who: Who) -> None:
    """m1 (Paid social, 1 place) mentors x's request; m2 (Paid social, a free place) is paused; a asks (#2)."""
    await bot.signup(who("m1"), skills="paid-social", capacity="1")
    await bot.signup(who("m2"), skills="paid-social", capacity="1")
    await bot.pause(who("m2"))
    await bot.request(who("x"), skills="paid-social")
    assert await offered_to(bot, "m1") == [1]


@pytest.mark.parametrize("t", [EN, SW], ids=["en", "sw"])
async def test_a_full_mentor_and_a_paused_one_are_told_both(bot: MentorBot, who: Who, t: Translator) -> None:
    await full_and_paused(bot, who)
    await bot.set_language(who("a"), language=t.lang)
    told = await bot.request(who("a"), skills="paid-social")
    reason = await reason_of(bot, 2)
    assert reason["key"] == "wait.all_busy" and reason.get("paused") is True, reason
    # Exports and metrics keep a code they know (`metrics.WAIT_REASONS`): the text is what changes.
    assert wait_reason_code(json.dumps(reason)) == "all_busy"
    skills = views.skill_labels(bot.library.taxonomy, ["paid-social"], t.lang)
    wrong = t("wait.all_busy", skills=skills)
    right = t("wait.busy_or_paused", skills=skills)
    assert wrong not in told.reply.text and right in told.reply.text, told.reply.text
    status = await status_text(bot, who("a"))
    assert wrong not in status and right in status, status


async def test_the_paused_mentor_back_takes_it_and_a_plain_full_skill_is_still_at_capacity(
    bot: MentorBot, who: Who
) -> None:
    """What the reason promises happens: m2 back is offered it at once. Without a paused mentor it stays "every
    mentor is at capacity"; a paused mentor who excluded the member is not one coming back for it."""
    await full_and_paused(bot, who)
    await bot.request(who("a"), skills="paid-social")
    await bot.resume(who("m2"))
    assert await offered_to(bot, "m2") == [2]
    await bot.request(who("b"), skills="paid-social")
    assert await reason_of(bot, 3) == {"key": "wait.all_busy", "skills": ["paid-social"]}


async def test_a_paused_mentor_who_excluded_the_member_does_not_make_it_busy_or_paused(
    bot: MentorBot, who: Who
) -> None:
    await bot.signup(who("m2"), skills="paid-social", capacity="1")
    out = await bot.request(who("a"), skills="paid-social")
    await bot.decline(who("m2"), offer_id=offer_id(to(out, "m2")[0]), reason="not a fit")
    await bot.pause(who("m2"))
    await bot.signup(who("m1"), skills="paid-social", capacity="1")
    assert await offered_to(bot, "m1") == [1]
    await bot.cancel(who("a"), request_id=1)
    await bot.request(who("x"), skills="paid-social")
    assert await offered_to(bot, "m1") == [2]
    await bot.request(who("a"), skills="paid-social")
    assert await reason_of(bot, 3) == {"key": "wait.all_busy", "skills": ["paid-social"]}


async def test_a_pause_tells_afresh_that_the_others_are_paused(bot: MentorBot, who: Who) -> None:
    """The reason is worked out afresh when the free mentor pauses after the request was told "all at capacity"."""
    await bot.signup(who("m1"), skills="paid-social", capacity="1")
    await bot.request(who("x"), skills="paid-social")
    await bot.request(who("a"), skills="paid-social")
    assert await reason_of(bot, 2) == {"key": "wait.all_busy", "skills": ["paid-social"]}
    await bot.signup(who("m2"), skills="paid-social", capacity="1", languages="en")
    assert await offered_to(bot, "m2") == [2]
    await bot.pause(who("m2"))
    reason = await reason_of(bot, 2)
    assert reason["key"] == "wait.all_busy" and reason.get("paused") is True, reason


@pytest.mark.parametrize("admin", [False, True], ids=["member", "admin"])
@pytest.mark.parametrize("t", [EN, SW], ids=["en", "sw"])
async def test_every_wording_of_the_reason_has_its_text(bot: MentorBot, t: Translator, admin: bool) -> None:
    """A request of several skills tells it as one clause; a cohort programme's "for now"; the round's and the
    digest's line, grouped apart from a plain "at capacity"."""
    taxonomy = bot.library.taxonomy
    seo = views.skill_labels(taxonomy, ["seo"], t.lang)
    paid = views.skill_labels(taxonomy, ["paid-social"], t.lang)
    until = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    busy = {"key": "wait.all_busy", "skills": ["seo"], "paused": True}
    cooling = {"key": "wait.all_cooldown", "skills": ["paid-social"], "until": until.isoformat(), "paused": True}
    mixed = json.dumps({"key": views.MIXED, "skills": ["seo", "paid-social"], "parts": [busy, cooling]})
    text = views.wait_reason_text(mixed, t, taxonomy, admin=admin)
    assert t("wait_part.busy_or_paused", skills=seo) in text, text
    assert t("wait_part.paused_cooldown", skills=paid, until=views.when(until, t, None)) in text, text
    assert t("wait_part.all_busy", skills=seo) not in text
    cohort = json.dumps({"key": "wait.next_round", "skills": ["seo"], "until": until.isoformat(), "now": busy})
    text = views.wait_reason_text(cohort, t, taxonomy, admin=admin)
    assert t("wait_now.busy_or_paused", skills=seo) in text, text
    plain = json.dumps({"key": "wait.all_busy", "skills": ["seo"]})
    groups = {views.reason_group(json.dumps(busy)): 2, views.reason_group(plain): 1}
    assert len(groups) == 2, "a plain 'at capacity' is a line of its own"
    lines = views.why_lines(groups, t, taxonomy)
    assert t("round_why.busy_or_paused", count=2, skills=seo) in lines, lines
    assert t("round_why.all_busy", count=1, skills=seo) in lines, lines
    line = views.round_why(mixed, 1, t, taxonomy)
    assert t("round_why_part.busy_or_paused", skills=seo) in line, line


# ------------------------------------------------------------- the own mentor has room, another mentor is full


async def test_the_own_mentor_with_room_and_another_full_is_the_own_mentor_reason(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await bot.signup(who("own"), skills="seo, paid-social", capacity="3")
    out = await bot.request(who("a"), skills="seo")
    await bot.accept(who("own"), offer_id=offer_id(to(out, "own")[0]))
    await bot.signup(who("m2"), skills="paid-social", capacity="1")
    await bot.request(who("x"), skills="paid-social")
    assert await offered_to(bot, "m2") == [2]
    clock.advance(timedelta(minutes=5))
    told = await bot.request(who("a"), skills="paid-social")
    assert await reason_of(bot, 3) == {"key": "wait.own_mentor", "skills": ["paid-social"]}
    assert "at capacity" not in told.reply.text
    assert EN("wait.own_mentor", skills="Paid social") in told.reply.text, told.reply.text


# ----------------------------------------------------------------------- the only mentor declined, then paused


@pytest.mark.parametrize("t", [EN, SW], ids=["en", "sw"])
async def test_a_decliner_who_paused_is_told_paused_with_the_cooldown(
    bot: MentorBot, who: Who, clock: ManualClock, t: Translator
) -> None:
    await bot.set_language(who("a"), language=t.lang)
    await bot.signup(who("m1"), skills="paid-social", capacity="1")
    out = await bot.request(who("a"), skills="paid-social")
    await bot.decline(who("m1"), offer_id=offer_id(to(out, "m1")[0]))
    await bot.pause(who("m1"))
    until = clock.now() + timedelta(days=bot.settings.reoffer_after_days)
    reason = await reason_of(bot, 1)
    assert reason == {"key": "wait.all_cooldown", "skills": ["paid-social"], "until": until.isoformat(), "paused": True}
    skills = views.skill_labels(bot.library.taxonomy, ["paid-social"], t.lang)
    date = views.when(until, t, None)
    status = await status_text(bot, who("a"))
    assert t("wait.all_cooldown", skills=skills, until=date) not in status
    assert t("wait.paused_cooldown", skills=skills, until=date) in status, status
    # On that date nothing is offered (the mentor is still paused): the sweep then tells "paused… once back".
    clock.advance(timedelta(days=bot.settings.reoffer_after_days, minutes=1))
    await bot.run_due_jobs(sweep=True)
    assert await reason_of(bot, 1) == {"key": "wait.all_paused", "skills": ["paid-social"]}


async def test_a_decliner_back_before_the_date_is_the_plain_cooldown(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await bot.signup(who("m1"), skills="paid-social", capacity="1")
    out = await bot.request(who("a"), skills="paid-social")
    await bot.decline(who("m1"), offer_id=offer_id(to(out, "m1")[0]))
    await bot.pause(who("m1"))
    await bot.resume(who("m1"))
    until = clock.now() + timedelta(days=bot.settings.reoffer_after_days)
    assert await reason_of(bot, 1) == {
        "key": "wait.all_cooldown",
        "skills": ["paid-social"],
        "until": until.isoformat(),
    }


def test_the_cause_of_one_skill_marks_the_paused_ones() -> None:
    """`reason_of` over rows: the flag rides with the cause, so two skills with the same code but not the same
    mentors' state are told apart."""
    from mentorbot.storage.candidates import SkillMentor

    asked = datetime(2026, 1, 1, tzinfo=UTC)
    request = MentorshipRequest(
        1, 9, COMMUNITY, ("seo", "paid-social"), "", RequestStatus.WAITING, None, asked, asked, None
    )
    full = SkillMentor(member_id=1, active=True, free_places=0)
    paused = SkillMentor(member_id=2, active=False, free_places=1)
    stored = json.loads(matchmaking.reason_of(request, {"seo": [full, paused], "paid-social": [full]}, {}))
    assert stored["key"] == views.MIXED
    assert stored["parts"] == [
        {"key": "wait.all_busy", "skills": ["seo"], "paused": True},
        {"key": "wait.all_busy", "skills": ["paid-social"]},
    ]
