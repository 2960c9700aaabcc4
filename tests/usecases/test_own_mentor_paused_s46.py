"""Session 46's review of wait reasons (docs/matching.md rule 14): "the only mentor who could take it already mentors
you… when another mentor for it joins or frees up" was told while a paused mentor would be offered it once back.

Baraka (SEO and copywriting, two places) mentors Amina in copywriting; Chris, the only other SEO mentor, is paused with
a free place and nothing blocking Amina. Her SEO request was told her own mentor is the only one (`wait.own_mentor`),
yet Chris was offered it as soon as he resumed. Now both are told: stored as `wait.own_mentor` with `"paused": true`
(exports and metrics keep the code `own_mentor`), told with `own_mentor_paused` (`locales/*/_s46_wait.toml`), only
while a paused mentor may be offered it once back with a free place (`matchmaking._back_with_place`). On both engines.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import Translator
from mentorbot.library import Library
from mentorbot.models import Member, MentorshipRequest, RequestStatus
from mentorbot.storage.candidates import SkillMentor
from mentorbot.storage.reports import wait_reason_code
from mentorbot.usecases import matchmaking, views
from mentorbot.usecases.matchmaking import wait_reason
from tests.usecases.conftest import COMMUNITY, offer_id, to
from tests.usecases.test_wait_truth_s39 import EN, SW, Who, status_text

OWN = {"key": "wait.own_mentor", "skills": ["seo"]}
OWN_PAUSED = OWN | {"paused": True}


async def amina_seo(bot: MentorBot) -> tuple[Member, MentorshipRequest]:
    """Amina and her open SEO request."""
    member = await bot.store.find_member(COMMUNITY, "U-amina")
    assert member is not None
    [request] = [r for r in await bot.store.list_member_requests(member.id, open_only=True) if r.skills == ("seo",)]
    return member, request


async def stored(bot: MentorBot) -> dict[str, object]:
    """Amina's SEO request's stored reason, checked to be the one worked out afresh."""
    member, request = await amina_seo(bot)
    assert request.status is RequestStatus.WAITING, request
    fresh = await wait_reason(bot.core, request, member)
    assert request.wait_reason == fresh, (request.wait_reason, fresh)
    data = json.loads(fresh)
    assert isinstance(data, dict)
    return data


async def chris(bot: MentorBot, who: Who, *, capacity: int = 1, mentee: str | None = None) -> None:
    """Chris (SEO, `capacity` places, mentoring `mentee` when given) pauses."""
    await bot.signup(who("chris"), skills="seo", levels="expert", capacity=str(capacity))
    if mentee is not None:
        [o] = to(await bot.request(who(mentee), skills="seo"), "chris")
        assert (await bot.accept(who("chris"), offer_id=offer_id(o))).error is None
    assert (await bot.pause(who("chris"))).error is None


async def baraka_mentors_amina(bot: MentorBot, who: Who) -> None:
    """Baraka (SEO and copywriting, two places) mentors Amina in copywriting."""
    await bot.signup(who("baraka"), skills="seo, copywriting", levels="expert", capacity="2")
    [a] = to(await bot.request(who("amina"), skills="copywriting"), "baraka")
    assert (await bot.accept(who("baraka"), offer_id=offer_id(a))).error is None


@pytest.mark.parametrize("t", [EN, SW], ids=["en", "sw"])
async def test_the_own_mentor_and_a_paused_mentor_with_a_place_are_told_both(
    bot: MentorBot, who: Who, t: Translator
) -> None:
    """The review's probe: told her own mentor is the only one who could take it now, and that others are paused
    (an offer as soon as one is back); Chris back is offered it at once."""
    await chris(bot, who)
    await baraka_mentors_amina(bot, who)
    await bot.set_language(who("amina"), language=t.lang)
    told = (await bot.request(who("amina"), skills="seo")).reply.text
    assert await stored(bot) == OWN_PAUSED
    _, request = await amina_seo(bot)
    assert wait_reason_code(request.wait_reason) == "own_mentor", "exports and metrics keep the code"
    seo = views.skill_labels(bot.library.taxonomy, ["seo"], t.lang)
    wrong, right = t("wait.own_mentor", skills=seo), t("wait.own_mentor_paused", skills=seo)
    assert wrong not in told and right in told, told
    status = await status_text(bot, who("amina"))
    assert wrong not in status and right in status, status
    admin = (await bot.admin_waitlist(who("admin", is_admin=True))).reply
    listed = "\n".join([admin.plain_text, *(str(e) for listing in admin.listings for e in listing.entries)])
    assert EN("wait_admin.own_mentor_paused", skills="SEO") in listed, listed
    resumed = await bot.resume(who("chris"))
    assert [n for n in to(resumed, "chris") if n.reply.buttons], "Chris is offered it once back"


async def test_a_paused_mentor_with_no_free_place_leaves_the_own_mentor_reason(bot: MentorBot, who: Who) -> None:
    """Chris (one place) mentors Carl: back, he has no place for her. Still "already mentors you", unflagged; his
    place freed while paused (an end) flags it, and an admin's forced match taking it again unflags it."""
    await chris(bot, who, mentee="carl")
    await baraka_mentors_amina(bot, who)
    told = (await bot.request(who("amina"), skills="seo")).reply.text
    assert await stored(bot) == OWN
    assert EN("wait.own_mentor", skills="SEO") in told, told
    chris_member = await bot.store.find_member(COMMUNITY, "U-chris")
    assert chris_member is not None
    [mentorship] = await bot.store.list_mentorships(member_id=chris_member.id, active_only=True)
    assert (await bot.end(who("chris"), mentorship_id=mentorship.id)).error is None
    assert await stored(bot) == OWN_PAUSED, "his freed place is hers once he is back"
    await bot.request(who("bob"), skills="seo")
    bob = await bot.store.find_member(COMMUNITY, "U-bob")
    assert bob is not None
    [bobs] = await bot.store.list_member_requests(bob.id, open_only=True)
    out = await bot.admin_match(who("admin", is_admin=True), request_id=bobs.id, mentor="U-chris", force=True)
    assert out.error is None, out.reply.text
    assert await stored(bot) == OWN, "an admin's match took his place: back, he has none for her"
    assert not to(await bot.resume(who("chris")), "amina"), "nothing comes when he is back"


async def test_the_flag_follows_the_paused_mentors_capacity(bot: MentorBot, who: Who) -> None:
    """Chris (two places) mentors Carl and pauses: his other place is hers once back (flagged); lowered to one while
    paused, it is not (unflagged)."""
    await chris(bot, who, capacity=2, mentee="carl")
    await baraka_mentors_amina(bot, who)
    await bot.request(who("amina"), skills="seo")
    assert await stored(bot) == OWN_PAUSED
    assert (await bot.signup(who("chris"), skills="seo", levels="expert", capacity="1")).error is None
    assert await stored(bot) == OWN


async def test_a_pause_of_a_mentor_on_a_lapses_cooldown_flags_it(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    """Chris lets Amina's SEO offer lapse (active, his place free: "can be asked again after <date>"), then pauses:
    his return lifts a lapse's cooldown, so he is one coming back for it."""
    await baraka_mentors_amina(bot, who)
    await bot.signup(who("chris"), skills="seo", levels="expert", capacity="1")
    assert to(await bot.request(who("amina"), skills="seo"), "chris")
    clock.advance(timedelta(hours=48, minutes=5))
    await bot.run_due_jobs()
    assert (await stored(bot))["key"] == "wait.all_cooldown"
    assert (await bot.pause(who("chris"))).error is None
    assert await stored(bot) == OWN_PAUSED
    assert [n for n in to(await bot.resume(who("chris")), "chris") if n.reply.buttons], "offered once back"


async def test_a_paused_mentor_who_excluded_the_member_is_not_coming_back_for_it(bot: MentorBot, who: Who) -> None:
    """Chris declined Amina "not this person" (excluded for good), then paused with his place free: still only her
    own mentor, unflagged."""
    await baraka_mentors_amina(bot, who)
    await bot.signup(who("chris"), skills="seo", levels="expert", capacity="1")
    [o] = to(await bot.request(who("amina"), skills="seo"), "chris")
    assert (await bot.decline(who("chris"), offer_id=offer_id(o), reason="not this person")).error is None
    assert await stored(bot) == OWN
    assert (await bot.pause(who("chris"))).error is None
    assert await stored(bot) == OWN
    assert not to(await bot.resume(who("chris")), "amina")


def test_the_cause_flags_the_own_mentor_beside_full_active_and_paused_ones() -> None:
    """`reason_of` over rows: the own mentor (blocked, mentoring) with a free place, another active mentor full and a
    paused one with a free place is flagged too ("others are paused… or another frees up"); a paused one with no
    place, or blocked for good, is not."""
    from mentorbot.matching.eligibility import Block, BlockKind

    asked = datetime(2026, 1, 1, tzinfo=UTC)
    request = MentorshipRequest(1, 9, COMMUNITY, ("seo",), "", RequestStatus.WAITING, None, asked, asked, None)
    own = SkillMentor(member_id=1, active=True, free_places=1)
    full = SkillMentor(member_id=2, active=True, free_places=0)
    back = SkillMentor(member_id=3, active=False, free_places=1)
    mentoring = {1: Block(BlockKind.MENTORING, None, mentoring=True)}
    for mentors, expected in (
        ([own, back], OWN_PAUSED),
        ([own, full, back], OWN_PAUSED),
        ([own, full], OWN),
        ([own, SkillMentor(member_id=3, active=False, free_places=0)], OWN),
    ):
        assert json.loads(matchmaking.reason_of(request, {"seo": mentors}, mentoring)) == expected, mentors
    excluded = mentoring | {3: Block(BlockKind.EXCLUDED, None)}
    assert json.loads(matchmaking.reason_of(request, {"seo": [own, back]}, excluded)) == OWN


@pytest.mark.parametrize("t", [EN, SW], ids=["en", "sw"])
@pytest.mark.parametrize("admin", [False, True], ids=["member", "admin"])
def test_every_wording_of_the_flagged_own_mentor(library: Library, t: Translator, admin: bool) -> None:
    """The member's, the admins' (waitlist, its "for now" part in a cohort programme, a reason of several causes) and
    the round's and digest's lines tell the flagged reason with its own text, in both languages."""
    taxonomy = library.taxonomy
    seo = views.skill_labels(taxonomy, ["seo"], t.lang)
    paid = views.skill_labels(taxonomy, ["paid-social"], t.lang)
    flagged = json.dumps(OWN_PAUSED)
    family = "wait_admin" if admin else "wait"
    assert views.wait_reason_text(flagged, t, taxonomy, admin=admin) == t(f"{family}.own_mentor_paused", skills=seo)
    busy = {"key": "wait.all_busy", "skills": ["paid-social"]}
    mixed = json.dumps({"key": views.MIXED, "skills": ["seo", "paid-social"], "parts": [OWN_PAUSED, busy]})
    text = views.wait_reason_text(mixed, t, taxonomy, admin=admin)
    part = "wait_part_admin" if admin else "wait_part"
    assert t(f"{part}.own_mentor_paused", skills=seo) in text, text
    assert t(f"{part}.own_mentor", skills=seo) not in text, text
    until = datetime(2026, 3, 1, 9, 0, tzinfo=UTC).isoformat()
    cohort = json.dumps({"key": "wait.next_round", "skills": ["seo"], "until": until, "now": OWN_PAUSED})
    text = views.wait_reason_text(cohort, t, taxonomy, admin=admin)
    now = "wait_now_admin" if admin else "wait_now"
    assert t(f"{now}.own_mentor_paused", skills=seo) in text, text
    groups = {views.reason_group(flagged): 2, views.reason_group(json.dumps(OWN)): 1}
    assert len(groups) == 2, "a plain own mentor is a line of its own"
    lines = views.why_lines(groups, t, taxonomy)
    assert t("round_why.own_mentor_paused", count=2, skills=seo) in lines, lines
    assert t("round_why.own_mentor", count=1, skills=seo) in lines, lines
    line = views.round_why(mixed, 1, t, taxonomy)
    assert t("round_why_part.own_mentor_paused", skills=seo) in line, line
    assert paid in line
