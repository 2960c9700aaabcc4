"""Session 46's review of wait reasons (docs/matching.md rule 14): "the mentors for SEO have said it is not for them…
You'll get an offer when a new mentor joins" was told while a paused mentor would be offered it once back.

Chris, an SEO mentor with a free place and nothing blocking Amina, is paused; Baraka, the only active one, declined
Amina's SEO request "not this person". She was told every mentor had said it is not for them (`wait.all_excluded`),
yet Chris was offered it as soon as he resumed. Now both are told: stored as `wait.all_excluded` with `"paused": true`
(exports and metrics keep the code `all_excluded`), told with `all_excluded_paused` (`locales/*/_s46_wait.toml`),
only while a paused mentor may be offered it once back with a free place (`matchmaking._back_with_place`). The
member's own exclusions (`wait.excluded_by_member`, `wait.excluded_mixed`: "…when another mentor for it joins or
frees up") are the same case and are flagged alike. On both engines.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import Translator
from mentorbot.library import Library
from mentorbot.matching.eligibility import Block, BlockKind
from mentorbot.models import Member, MentorshipRequest, RequestStatus
from mentorbot.storage.candidates import SkillMentor
from mentorbot.storage.reports import wait_reason_code
from mentorbot.usecases import matchmaking, views
from mentorbot.usecases.matchmaking import wait_reason
from tests.usecases.conftest import COMMUNITY, offer_id, to
from tests.usecases.test_wait_truth_s39 import EN, SW, Who, status_text

EXCLUDED = {"key": "wait.all_excluded", "skills": ["seo"]}
EXCLUDED_PAUSED = EXCLUDED | {"paused": True}
BY_MEMBER = {"key": "wait.excluded_by_member", "skills": ["seo"]}
MIXED = {"key": "wait.excluded_mixed", "skills": ["seo"]}
KEYS = ("all_excluded", "excluded_by_member", "excluded_mixed")


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


async def chris(bot: MentorBot, who: Who, *, capacity: int = 1, mentee: str | None = None, pause: bool = True) -> None:
    """Chris (SEO, `capacity` places, mentoring `mentee` when given) signs up, and pauses unless told not to."""
    await bot.signup(who("chris"), skills="seo", levels="expert", capacity=str(capacity))
    if mentee is not None:
        [o] = to(await bot.request(who(mentee), skills="seo"), "chris")
        assert (await bot.accept(who("chris"), offer_id=offer_id(o))).error is None
    if pause:
        assert (await bot.pause(who("chris"))).error is None


async def baraka_excludes_amina(bot: MentorBot, who: Who) -> str:
    """Baraka (SEO, two places) signs up, is offered Amina's SEO request and declines it "not this person"; the text
    of the notice Amina is sent that it waits again."""
    await bot.signup(who("baraka"), skills="seo", levels="expert", capacity="2")
    [o] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    out = await bot.decline(who("baraka"), offer_id=offer_id(o), reason="not this person")
    assert out.error is None, out.reply.text
    return "\n".join(n.reply.text for n in to(out, "amina"))


def offered(outcome: object, name: str) -> bool:
    """Whether `name` was sent an offer (a message with buttons) in `outcome`."""
    return any(n.reply.buttons for n in to(outcome, name))  # type: ignore[arg-type]


@pytest.mark.parametrize("t", [EN, SW], ids=["en", "sw"])
async def test_every_active_mentor_excluded_beside_a_paused_one_with_a_place(
    bot: MentorBot, who: Who, t: Translator
) -> None:
    """The review's probe: told the active mentors have said it is not for them and others are paused (an offer as
    soon as one is back); Chris back is offered it at once."""
    await chris(bot, who)
    await bot.set_language(who("amina"), language=t.lang)
    notice = await baraka_excludes_amina(bot, who)
    assert await stored(bot) == EXCLUDED_PAUSED
    _, request = await amina_seo(bot)
    assert wait_reason_code(request.wait_reason) == "all_excluded", "exports and metrics keep the code"
    seo = views.skill_labels(bot.library.taxonomy, ["seo"], t.lang)
    wrong, right = t("wait.all_excluded", skills=seo), t("wait.all_excluded_paused", skills=seo)
    assert wrong not in notice and right in notice, notice
    status = await status_text(bot, who("amina"))
    assert wrong not in status and right in status, status
    admin = (await bot.admin_waitlist(who("admin", is_admin=True))).reply
    listed = "\n".join([admin.plain_text, *(str(e) for listing in admin.listings for e in listing.entries)])
    assert EN("wait_admin.all_excluded_paused", skills="SEO") in listed, listed
    assert EN("wait_admin.all_excluded", skills="SEO") not in listed, listed
    assert offered(await bot.resume(who("chris")), "chris"), "Chris is offered it once back"


async def test_a_paused_mentor_with_no_free_place_leaves_it_unflagged(bot: MentorBot, who: Who) -> None:
    """Chris (one place) mentors Carl: back, he has no place for her. "Said it is not for them", unflagged; his place
    freed while paused (an end) flags it, an admin's forced match taking it again unflags it, and nothing comes for
    her when he is back (he is then why she waits: at capacity)."""
    await chris(bot, who, mentee="carl")
    await baraka_excludes_amina(bot, who)
    assert await stored(bot) == EXCLUDED
    chris_member = await bot.store.find_member(COMMUNITY, "U-chris")
    assert chris_member is not None
    [mentorship] = await bot.store.list_mentorships(member_id=chris_member.id, active_only=True)
    assert (await bot.end(who("chris"), mentorship_id=mentorship.id)).error is None
    assert await stored(bot) == EXCLUDED_PAUSED, "his freed place is hers once he is back"
    await bot.request(who("bob"), skills="seo")
    bob = await bot.store.find_member(COMMUNITY, "U-bob")
    assert bob is not None
    [bobs] = await bot.store.list_member_requests(bob.id, open_only=True)
    out = await bot.admin_match(who("admin", is_admin=True), request_id=bobs.id, mentor="U-chris", force=True)
    assert out.error is None, out.reply.text
    assert await stored(bot) == EXCLUDED, "an admin's match took his place: back, he has none for her"
    assert not to(await bot.resume(who("chris")), "amina"), "nothing comes when he is back"
    assert await stored(bot) == {"key": "wait.all_busy", "skills": ["seo"]}, "back and full: at capacity"


async def test_the_flag_follows_the_paused_mentors_capacity(bot: MentorBot, who: Who) -> None:
    """Chris (one place) mentors Carl and pauses: unflagged; raised to two while paused, his other place is hers once
    back (flagged); lowered to one again, it is not."""
    await chris(bot, who, mentee="carl")
    await baraka_excludes_amina(bot, who)
    assert await stored(bot) == EXCLUDED
    assert (await bot.signup(who("chris"), skills="seo", levels="expert", capacity="2")).error is None
    assert await stored(bot) == EXCLUDED_PAUSED
    assert (await bot.signup(who("chris"), skills="seo", levels="expert", capacity="1")).error is None
    assert await stored(bot) == EXCLUDED


async def test_a_pause_flags_it_and_a_resume_offers_it(bot: MentorBot, who: Who) -> None:
    """Chris, active and full (he mentors Carl), is why Amina waits ("at capacity"); he pauses (unflagged: no place
    once back), his mentorship ends while paused (flagged), and back he is offered her request."""
    await chris(bot, who, mentee="carl", pause=False)
    await baraka_excludes_amina(bot, who)
    assert (await stored(bot))["key"] == "wait.all_busy"
    assert (await bot.pause(who("chris"))).error is None
    assert await stored(bot) == EXCLUDED
    chris_member = await bot.store.find_member(COMMUNITY, "U-chris")
    assert chris_member is not None
    [mentorship] = await bot.store.list_mentorships(member_id=chris_member.id, active_only=True)
    assert (await bot.end(who("chris"), mentorship_id=mentorship.id)).error is None
    assert await stored(bot) == EXCLUDED_PAUSED
    assert offered(await bot.resume(who("chris")), "chris")


async def test_a_pause_of_a_mentor_on_a_lapses_cooldown_flags_it(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    """Baraka excluded Amina; Chris signs up, is offered her request and lets it lapse (active, his place free: "can
    be asked again after <date>"), then pauses: his return lifts a lapse's cooldown, so he is one coming back for
    it."""
    await baraka_excludes_amina(bot, who)
    assert await stored(bot) == EXCLUDED
    assert offered(await bot.signup(who("chris"), skills="seo", levels="expert", capacity="1"), "chris")
    clock.advance(timedelta(hours=48, minutes=5))
    await bot.run_due_jobs()
    assert (await stored(bot))["key"] == "wait.all_cooldown"
    assert (await bot.pause(who("chris"))).error is None
    assert await stored(bot) == EXCLUDED_PAUSED
    assert offered(await bot.resume(who("chris")), "chris"), "offered once back"


async def test_a_paused_mentor_who_excluded_the_member_too_is_not_coming_back_for_it(bot: MentorBot, who: Who) -> None:
    """Chris declined Amina "not this person" too, then paused with his place free: unflagged, and nothing comes
    when he is back."""
    await chris(bot, who, pause=False)
    await bot.signup(who("baraka"), skills="seo", levels="expert", capacity="2")
    out = await bot.request(who("amina"), skills="seo")
    for _ in range(2):
        [(name, o)] = [(n, o) for n in ("chris", "baraka") for o in to(out, n) if o.reply.buttons]
        out = await bot.decline(who(name), offer_id=offer_id(o), reason="not this person")
        assert out.error is None, out.reply.text
    assert await stored(bot) == EXCLUDED
    assert (await bot.pause(who("chris"))).error is None
    assert await stored(bot) == EXCLUDED
    assert not to(await bot.resume(who("chris")), "amina")
    assert await stored(bot) == EXCLUDED


async def test_the_members_own_exclusions_beside_a_paused_mentor_are_flagged(bot: MentorBot, who: Who) -> None:
    """Amina (a copywriting mentor) declined Baraka's request "not this person": he is no mentor of hers (rule 5,
    both ways). Her SEO request, Baraka its only active mentor and Chris paused with a free place, is told she
    declined the active ones and others are paused (`wait.excluded_by_member`, flagged); Chris back is offered it."""
    await chris(bot, who)
    await bot.signup(who("amina"), skills="copywriting", levels="expert", capacity="1")
    await bot.signup(who("baraka"), skills="seo", levels="expert", capacity="2")
    [o] = to(await bot.request(who("baraka"), skills="copywriting"), "amina")
    assert (await bot.decline(who("amina"), offer_id=offer_id(o), reason="not this person")).error is None
    told = (await bot.request(who("amina"), skills="seo")).reply.text
    assert await stored(bot) == BY_MEMBER | {"paused": True}
    _, request = await amina_seo(bot)
    assert wait_reason_code(request.wait_reason) == "excluded_by_member"
    assert EN("wait.excluded_by_member_paused", skills="SEO") in told, told
    assert EN("wait.excluded_by_member", skills="SEO") not in told, told
    assert offered(await bot.resume(who("chris")), "chris")


def test_the_cause_flags_each_exclusion_beside_a_paused_mentor_with_a_place() -> None:
    """`reason_of` over rows: every active mentor excluded (by their decline, the member's, or both) beside a paused
    one who may be offered it once back with a free place is flagged; a paused one with no place, excluded too, or on
    a decline's cooldown (not lifted by their return) is not."""
    asked = datetime(2026, 1, 1, tzinfo=UTC)
    request = MentorshipRequest(1, 9, COMMUNITY, ("seo",), "", RequestStatus.WAITING, None, asked, asked, None)
    one = SkillMentor(member_id=1, active=True, free_places=1)
    two = SkillMentor(member_id=2, active=True, free_places=1)
    back = SkillMentor(member_id=3, active=False, free_places=1)
    theirs = Block(BlockKind.EXCLUDED, None)
    members = Block(BlockKind.EXCLUDED, None, by_mentee=True)
    for blocks, expected in (
        ({1: theirs, 2: theirs}, EXCLUDED),
        ({1: members, 2: members}, BY_MEMBER),
        ({1: theirs, 2: members}, MIXED),
    ):
        for paused_one, flagged in (
            (back, True),
            (SkillMentor(member_id=3, active=False, free_places=0), False),
        ):
            got = json.loads(matchmaking.reason_of(request, {"seo": [one, two, paused_one]}, blocks))
            assert got == (expected | {"paused": True} if flagged else expected), (blocks, paused_one)
        excluded = {**blocks, 3: theirs}
        assert json.loads(matchmaking.reason_of(request, {"seo": [one, two, back]}, excluded)) == expected
        declined = {**blocks, 3: Block(BlockKind.COOLDOWN, asked + timedelta(days=7))}
        assert json.loads(matchmaking.reason_of(request, {"seo": [one, two, back]}, declined)) == expected
        lapsed = {**blocks, 3: Block(BlockKind.COOLDOWN, asked + timedelta(days=1), lapse=True)}
        got = json.loads(matchmaking.reason_of(request, {"seo": [one, two, back]}, lapsed))
        assert got == expected | {"paused": True}, "a lapse's cooldown is lifted by their return"


@pytest.mark.parametrize("t", [EN, SW], ids=["en", "sw"])
@pytest.mark.parametrize("admin", [False, True], ids=["member", "admin"])
@pytest.mark.parametrize("code", KEYS)
def test_every_wording_of_a_flagged_exclusion(library: Library, t: Translator, admin: bool, code: str) -> None:
    """The member's, the admins' (waitlist, its "for now" part in a cohort programme, a reason of several causes) and
    the round's and digest's lines tell the flagged reason with its own text, in both languages."""
    taxonomy = library.taxonomy
    seo = views.skill_labels(taxonomy, ["seo"], t.lang)
    paid = views.skill_labels(taxonomy, ["paid-social"], t.lang)
    plain = {"key": f"wait.{code}", "skills": ["seo"]}
    cause = plain | {"paused": True}
    flagged = json.dumps(cause)
    new = f"{code}_paused"
    assert views.text_code(cause) == new
    family = "wait_admin" if admin and t.has(f"wait_admin.{new}") else "wait"
    told = views.wait_reason_text(flagged, t, taxonomy, admin=admin)
    assert told == t(f"{family}.{new}", skills=seo)
    assert told != views.wait_reason_text(json.dumps(plain), t, taxonomy, admin=admin)
    busy = {"key": "wait.all_busy", "skills": ["paid-social"]}
    mixed = json.dumps({"key": views.MIXED, "skills": ["seo", "paid-social"], "parts": [cause, busy]})
    text = views.wait_reason_text(mixed, t, taxonomy, admin=admin)
    part = "wait_part_admin" if admin and t.has(f"wait_part_admin.{new}") else "wait_part"
    assert t(f"{part}.{new}", skills=seo) in text, text
    assert t(f"{part}.{code}", skills=seo) not in text, text
    until = datetime(2026, 3, 1, 9, 0, tzinfo=UTC).isoformat()
    cohort = json.dumps({"key": "wait.next_round", "skills": ["seo"], "until": until, "now": cause})
    text = views.wait_reason_text(cohort, t, taxonomy, admin=admin)
    now = "wait_now_admin" if admin and t.has(f"wait_now_admin.{new}") else "wait_now"
    assert t(f"{now}.{new}", skills=seo) in text, text
    groups = {views.reason_group(flagged): 2, views.reason_group(json.dumps(plain)): 1}
    assert len(groups) == 2, "an unflagged exclusion is a line of its own"
    lines = views.why_lines(groups, t, taxonomy)
    assert t(f"round_why.{new}", count=2, skills=seo) in lines, lines
    assert t(f"round_why.{code}", count=1, skills=seo) in lines, lines
    line = views.round_why(mixed, 1, t, taxonomy)
    assert t(f"round_why_part.{new}", skills=seo) in line, line
    assert paid in line


@pytest.mark.parametrize("code", ["excluded_by_member", "excluded_mixed"])
@pytest.mark.parametrize("t", [EN, SW], ids=["en", "sw"])
def test_the_admins_read_the_members_own_exclusions_of_the_member(t: Translator, code: str) -> None:
    """As the unflagged texts, the member's own exclusions have the admins' wording ("this member declined") in every
    family that has it."""
    for family in ("wait_admin", "wait_now_admin", "wait_part_admin"):
        assert t.has(f"{family}.{code}_paused"), (family, code)
