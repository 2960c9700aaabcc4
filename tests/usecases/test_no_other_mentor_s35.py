"""Session 35: a member who mentors a skill and asks for a mentor of it, when nobody else offers it, is told "No
other mentor offers SEO yet", not "No mentor offers SEO yet" (docs/matching.md rule 14). On both engines.

Before, the requester (rightly never a mentor of their own request, `Store.skill_mentors(exclude_member=…)`) made
"nobody but the requester" read as "nobody at all": Alice's reply, her `/mentor status` (a few lines under "Skills
you mentor: SEO") and the admins' waitlist said no mentor offers SEO. The reason is its own code now
(``no_other_mentor``), with the admin's wording, the round's advice, the export and metrics code, and it is worked
out afresh when the supply it speaks of changes (a mentor of the skill signs up, the requester drops it)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import Translator, translator
from mentorbot.library import Library
from mentorbot.metrics import WAIT_REASONS
from mentorbot.replies import Reply
from mentorbot.storage.reports import wait_reason_code
from mentorbot.storage.store import Store
from mentorbot.usecases import views
from tests.usecases.conftest import make_settings, to

Who = Callable[..., Caller]
EN = translator("en")
SW = translator("sw")


async def _stored(bot: MentorBot, request_id: int) -> str:
    request = await bot.store.get_request(request_id)
    assert request is not None and request.wait_reason is not None
    return request.wait_reason


async def _code(bot: MentorBot, request_id: int) -> str:
    """The export code of a waiting request's stored reason (``no_mentor``, ``no_other_mentor``…)."""
    return wait_reason_code(await _stored(bot, request_id))


def _causes(stored: str) -> dict[str, str]:
    """Each skill of a stored reason → the code of the cause it is told with."""
    data = json.loads(stored)
    parts = data.get("parts") or [data]
    return {skill: str(part["key"]).rpartition(".")[2] for part in parts for skill in part["skills"]}


def _entries(reply: Reply) -> str:
    return "\n".join(str(e) for listing in reply.listings for e in listing.entries)


def _seo(bot: MentorBot, t: Translator) -> str:
    return views.skill_labels(bot.library.taxonomy, ["seo"], t.lang)


@pytest.mark.parametrize("t", [EN, SW], ids=["en", "sw"])
async def test_the_only_mentor_of_a_skill_asking_for_it_is_told_no_other_mentor_offers_it(
    bot: MentorBot, who: Who, t: Translator
) -> None:
    """Alice, SEO's only mentor, asks for an SEO mentor: her reply, her status and the admins' waitlist say no
    *other* mentor offers it; the admin's round says to recruit another."""
    admin = who("admin", is_admin=True)
    await bot.set_language(admin, language=t.lang)
    await bot.set_language(who("alice"), language=t.lang)
    await bot.signup(who("alice"), skills="seo", capacity="2", levels="learning")
    asked = await bot.request(who("alice"), skills="seo")
    assert asked.error is None and not to(asked, "alice")
    seo = _seo(bot, t)
    mine = t("wait.no_other_mentor", skills=seo)
    nobody = t("wait.no_mentor", skills=seo)
    assert mine in asked.reply.text and nobody not in asked.reply.text
    assert await _code(bot, 1) == "no_other_mentor"
    status = _entries((await bot.status(who("alice"))).reply)
    assert mine in status and nobody not in status
    waitlist = _entries((await bot.admin_waitlist(admin)).reply)
    assert t("wait_admin.no_other_mentor", skills=seo) in waitlist
    assert t("wait_admin.no_mentor", skills=seo) not in waitlist
    round_ = (await bot.admin_round(admin)).reply.plain_text
    assert t("round_why.no_other_mentor", count=1, skills=seo) in round_
    recruit = (await bot.admin_recruit(admin)).reply.plain_text
    assert "/mentor signup skills:seo" in recruit, "a skill nobody else offers is short of mentors"


async def test_a_request_nobody_at_all_offers_is_still_told_no_mentor(bot: MentorBot, who: Who) -> None:
    """Amina mentors nothing: her request for a skill nobody offers is the no-mentor one, as before."""
    await bot.signup(who("alice"), skills="copywriting", capacity="2")
    asked = await bot.request(who("alice"), skills="seo")
    assert await _code(bot, 1) == "no_mentor"
    assert EN("wait.no_mentor", skills="SEO") in asked.reply.text


@pytest.mark.parametrize("t", [EN, SW], ids=["en", "sw"])
async def test_a_request_of_several_skills_tells_no_other_mentor_as_one_of_its_causes(
    bot: MentorBot, who: Who, t: Translator
) -> None:
    """Alice mentors SEO and asks for SEO and Copywriting, whose only mentor is paused: each skill its own cause,
    the member's wording and the admin's."""
    admin = who("admin", is_admin=True)
    await bot.set_language(admin, language=t.lang)
    await bot.set_language(who("alice"), language=t.lang)
    await bot.signup(who("alice"), skills="seo", capacity="2")
    await bot.signup(who("bob"), skills="copywriting", capacity="2")
    await bot.pause(who("bob"))
    asked = await bot.request(who("alice"), skills="seo, copywriting")
    stored = await _stored(bot, 1)
    assert _causes(stored) == {"seo": "no_other_mentor", "copywriting": "all_paused"}
    assert wait_reason_code(stored) == "mixed"
    seo = _seo(bot, t)
    assert t("wait_part.no_other_mentor", skills=seo) in asked.reply.text
    waitlist = _entries((await bot.admin_waitlist(admin)).reply)
    assert t("wait_part_admin.no_other_mentor", skills=seo) in waitlist
    round_ = (await bot.admin_round(admin)).reply.plain_text
    assert t("round_why_part.no_other_mentor", skills=seo) in round_


async def test_a_new_mentor_of_the_skill_refreshes_the_reason_as_for_no_mentor(bot: MentorBot, who: Who) -> None:
    """A paused mentor who adds SEO makes Alice's reason "all paused" (as a no-mentor one would become); an active
    one gets her request offered."""
    await bot.signup(who("alice"), skills="seo", capacity="2")
    await bot.request(who("alice"), skills="seo")
    await bot.signup(who("bob"), skills="copywriting", capacity="2")
    await bot.pause(who("bob"))
    await bot.signup(who("bob"), skills="copywriting, seo", capacity="2")
    assert await _code(bot, 1) == "all_paused"
    joined = await bot.signup(who("carol"), skills="seo", capacity="2")
    assert to(joined, "carol"), "the request is offered to the new active mentor"


async def test_the_reason_follows_the_requester_taking_up_or_dropping_the_skill(bot: MentorBot, who: Who) -> None:
    """Alice asks for SEO first (no mentor), then mentors it (no other mentor), then drops it (no mentor again)."""
    await bot.request(who("alice"), skills="seo")
    assert await _code(bot, 1) == "no_mentor"
    await bot.signup(who("alice"), skills="seo", capacity="2")
    assert await _code(bot, 1) == "no_other_mentor"
    await bot.signup(who("alice"), skills="copywriting", capacity="2")
    assert await _code(bot, 1) == "no_mentor"


async def test_a_cohort_programme_tells_no_other_mentor_beside_the_next_round(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """In a cohort programme the next round's reason says what stands in the way meanwhile: no other mentor."""
    bot = MentorBot(store, library, make_settings(matching="rounds", round_schedule="mon 10:00"), clock, worker_id="w")
    await bot.signup(who("alice"), skills="seo", capacity="2")
    asked = await bot.request(who("alice"), skills="seo")
    assert EN("wait_now.no_other_mentor", skills="SEO") in asked.reply.text
    assert "no mentor offers" not in asked.reply.text.lower()


def test_the_code_is_a_known_metric_label_and_export_code() -> None:
    """The metrics' fixed label set knows the code; an export gives it as stored."""
    assert "no_other_mentor" in WAIT_REASONS
    assert wait_reason_code(json.dumps({"key": "wait.no_other_mentor", "skills": ["seo"]})) == "no_other_mentor"
    codes = views.reason_codes(
        {"key": views.MIXED, "skills": ["seo", "x"], "parts": [{"key": "wait.no_other_mentor", "skills": ["seo"]}]}
    )
    assert codes == {"no_other_mentor"}
