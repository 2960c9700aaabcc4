"""Why a member waits stays true after a late answer, an accept and a pause (session 45's hunt of what waiting members
are told; docs/matching.md rules 4, 5 and 14). On both engines.

1. A late decline ("not my skill", "not now") of an expired offer left the mentee's stored reason as the lapse had
   made it: Baraka, the only SEO mentor, lets Amina's offer lapse and pauses ("paused… as soon as one is back"), then
   declines the expired offer "not my skill" (excluded for good) or "not now" (a decline's cooldown, which his return
   does not lift); or, active and full, he declines it "not my skill" while she is told "as soon as a place frees up".
   The stored reason (her status, the admins' waitlist) kept the promise; the sweep skips undated reasons, so for good.
2. An accept left the mentee's other waiting request promising a date: Baraka declined her copywriting request "not
   now" ("can be asked again after …"), then accepted her SEO request: he mentors her, so he is never offered the
   other one (the MENTORING block), but the date stayed.
3. "Paused… as soon as one is back" was told of a paused mentor with no free place (one place, mentoring Bob): once
   back, nothing came. So was "at capacity or paused… or one of them is back" beside full active mentors. Now told
   only of one with a free place, a paused mentor's place freed (an end) or taken (a lower capacity, an admin's forced
   match) tells the waiting requests of their skills afresh.

The companion model (`test_wait_truth_model_s45`) found two more: "already mentors you" kept when an offer took the
own mentor's last place (every mentor at capacity now), and a mentor excluded for good with a free place hiding a full
one on a lapse's cooldown ("the mentors have said it is not for them").
"""

from __future__ import annotations

from datetime import timedelta

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.models import Member, MentorshipRequest
from mentorbot.usecases.matchmaking import wait_reason
from tests.usecases.conftest import COMMUNITY, offer_id, to
from tests.usecases.test_capacity_lowered_s41 import Who
from tests.usecases.test_import_followups_s41 import imported


async def amina(bot: MentorBot, skills: tuple[str, ...] = ("seo",)) -> tuple[Member, MentorshipRequest]:
    """Amina and her open request for `skills`."""
    member = await bot.store.find_member(COMMUNITY, "U-amina")
    assert member is not None
    [request] = [r for r in await bot.store.list_member_requests(member.id, open_only=True) if r.skills == skills]
    return member, request


async def stored_and_fresh(bot: MentorBot, skills: tuple[str, ...] = ("seo",)) -> tuple[str, str]:
    member, request = await amina(bot, skills)
    return request.wait_reason or "", await wait_reason(bot.core, request, member)


async def lapsed_then_paused(bot: MentorBot, who: Who, clock: ManualClock) -> int:
    """Baraka (SEO, one place) lets Amina's offer lapse, then pauses: she is told he is paused, an offer as soon as
    he is back (true: his return lifts a lapse's cooldown). The expired offer's id."""
    await bot.signup(who("baraka"), skills="seo", levels="expert", capacity="1")
    [o] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    clock.advance(timedelta(hours=48, minutes=5))
    await bot.run_due_jobs()
    assert (await bot.pause(who("baraka"))).error is None
    stored, fresh = await stored_and_fresh(bot)
    assert "all_paused" in stored and stored == fresh, stored
    return offer_id(o)


async def test_a_late_not_my_skill_decline_while_paused_ends_as_soon_as_back(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    expired = await lapsed_then_paused(bot, who, clock)
    out = await bot.decline(who("baraka"), offer_id=expired, reason="not my skill")
    assert out.error is None, out.reply.text
    stored, fresh = await stored_and_fresh(bot)
    assert stored == fresh and "all_excluded" in stored, stored
    status = (await bot.status(who("amina"))).reply.plain_text
    assert "as soon as one is back" not in status, status
    admin = await bot.admin_waitlist(who("admin", is_admin=True))
    assert "as soon as" not in admin.reply.plain_text


async def test_a_late_not_now_decline_while_paused_tells_the_cooldown(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    expired = await lapsed_then_paused(bot, who, clock)
    assert (await bot.decline(who("baraka"), offer_id=expired, reason="not now")).error is None
    stored, fresh = await stored_and_fresh(bot)
    assert stored == fresh and "all_cooldown" in stored and '"paused": true' in stored, stored
    resumed = await bot.resume(who("baraka"))
    assert not to(resumed, "baraka"), "no offer when he is back: the decline's cooldown holds"
    stored, fresh = await stored_and_fresh(bot)
    assert stored == fresh and "all_cooldown" in stored, stored


async def test_a_late_not_my_skill_decline_ends_the_free_place_promise(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Baraka (SEO, one place) lets Amina's offer lapse; the place goes to Bob's request: "at capacity… as soon as a
    place frees up". His late "not my skill" excludes him from her SEO requests for good."""
    await bot.signup(who("baraka"), skills="seo", levels="expert", capacity="1")
    [o] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    await bot.request(who("bob"), skills="seo")
    clock.advance(timedelta(hours=48, minutes=5))
    notes = await bot.run_due_jobs()
    [bob_offer] = [n for n in to(notes, "baraka") if n.reply.buttons]
    assert "all_busy" in (await stored_and_fresh(bot))[0]
    assert (await bot.decline(who("baraka"), offer_id=offer_id(o), reason="not my skill")).error is None
    stored, fresh = await stored_and_fresh(bot)
    assert stored == fresh and "all_excluded" in stored, stored
    assert (await bot.decline(who("baraka"), offer_id=offer_id(bob_offer), reason="not now")).error is None
    assert (await stored_and_fresh(bot))[0] == fresh, "the place freed is not hers: still excluded"


async def test_a_late_not_now_decline_while_full_tells_afresh(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    """The same, with "not now": a decline's cooldown of a full mentor, whose date is not told (rule 14)."""
    await bot.signup(who("baraka"), skills="seo", levels="expert", capacity="1")
    [o] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    await bot.request(who("bob"), skills="seo")
    clock.advance(timedelta(hours=48, minutes=5))
    await bot.run_due_jobs()
    assert (await bot.decline(who("baraka"), offer_id=offer_id(o), reason="not now")).error is None
    stored, fresh = await stored_and_fresh(bot)
    assert stored == fresh, stored


async def test_a_late_not_now_decline_with_a_free_place_tells_its_date(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Active with a free place, Baraka lets Amina's offer lapse, then declines it late "not now": she was told of
    the lapse's cooldown; she is told the decline's, which runs from the decline (the date she may be asked again)."""
    await bot.signup(who("baraka"), skills="seo", levels="expert", capacity="1")
    [o] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    clock.advance(timedelta(hours=48, minutes=5))
    await bot.run_due_jobs()
    before, _ = await stored_and_fresh(bot)
    clock.advance(timedelta(hours=20))
    assert (await bot.decline(who("baraka"), offer_id=offer_id(o), reason="not now")).error is None
    stored, fresh = await stored_and_fresh(bot)
    assert stored == fresh and stored != before, (before, stored)


async def test_an_accept_ends_a_promised_cooldown_date_of_the_mentees_other_request(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await bot.signup(who("baraka"), skills="seo, copywriting", levels="expert", capacity="3")
    [seo] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    [copy] = to(await bot.request(who("amina"), skills="copywriting"), "baraka")
    assert (await bot.decline(who("baraka"), offer_id=offer_id(copy), reason="not now")).error is None
    assert "all_cooldown" in (await stored_and_fresh(bot, ("copywriting",)))[0]
    assert (await bot.accept(who("baraka"), offer_id=offer_id(seo))).error is None
    stored, fresh = await stored_and_fresh(bot, ("copywriting",))
    assert stored == fresh and "own_mentor" in stored, stored
    status = (await bot.status(who("amina"))).reply.plain_text
    assert "already mentors you" in status and "can be asked again" not in status, status
    clock.advance(timedelta(days=3, minutes=5))
    assert not to(await bot.run_due_jobs(), "baraka"), "nothing is offered on the date"


async def test_an_accept_tells_the_other_request_its_own_mentor_instead_of_capacity(bot: MentorBot, who: Who) -> None:
    """Baraka (SEO and copywriting, one place) is offered Amina's SEO request; her copywriting one waits "at
    capacity… as soon as a place frees up". He accepts: he mentors her, and his freed place would never be hers."""
    await bot.signup(who("baraka"), skills="seo, copywriting", levels="expert", capacity="1")
    [seo] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    await bot.request(who("amina"), skills="copywriting")
    assert "all_busy" in (await stored_and_fresh(bot, ("copywriting",)))[0]
    assert (await bot.accept(who("baraka"), offer_id=offer_id(seo))).error is None
    stored, fresh = await stored_and_fresh(bot, ("copywriting",))
    assert stored == fresh and "own_mentor" in stored, stored


async def test_an_admin_match_tells_the_other_request_afresh(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo, copywriting", levels="expert", capacity="3")
    [seo] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    [copy] = to(await bot.request(who("amina"), skills="copywriting"), "baraka")
    assert (await bot.decline(who("baraka"), offer_id=offer_id(copy), reason="not now")).error is None
    assert (await bot.decline(who("baraka"), offer_id=offer_id(seo), reason="not now")).error is None
    _, request = await amina(bot)
    out = await bot.admin_match(who("admin", is_admin=True), request_id=request.id, mentor="U-baraka", force=True)
    assert out.error is None, out.reply.text
    stored, fresh = await stored_and_fresh(bot, ("copywriting",))
    assert stored == fresh and "own_mentor" in stored, stored


async def test_all_paused_is_not_told_of_a_paused_mentor_with_no_free_place(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo", levels="expert", capacity="1")
    [b] = to(await bot.request(who("bob"), skills="seo"), "baraka")
    assert (await bot.accept(who("baraka"), offer_id=offer_id(b))).error is None
    assert (await bot.pause(who("baraka"))).error is None
    told = (await bot.request(who("amina"), skills="seo")).reply.text
    assert "as soon as one is back" not in told, told
    assert "or one of them is back" not in told, told
    stored, fresh = await stored_and_fresh(bot)
    assert stored == fresh and "all_busy" in stored and "paused" not in stored, stored
    resumed = await bot.resume(who("baraka"))
    assert not to(resumed, "amina"), "no offer comes when he is back"
    assert (await stored_and_fresh(bot))[0] == stored


async def test_a_paused_mentor_with_a_free_place_is_still_as_soon_as_back(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo", levels="expert", capacity="2")
    [b] = to(await bot.request(who("bob"), skills="seo"), "baraka")
    assert (await bot.accept(who("baraka"), offer_id=offer_id(b))).error is None
    assert (await bot.pause(who("baraka"))).error is None
    told = (await bot.request(who("amina"), skills="seo")).reply.text
    assert "as soon as one is back" in told, told
    assert to(await bot.resume(who("baraka")), "amina"), "offered once he is back"


async def test_a_full_paused_mentor_beside_full_active_ones_is_not_or_one_is_back(bot: MentorBot, who: Who) -> None:
    """Chris (SEO, one place) mentors Carl; Baraka (SEO, one place) mentors Bob and pauses. Amina is told every
    mentor is at capacity, not "… or one of them is back" (Baraka back has no place for her)."""
    for mentor, mentee in (("chris", "carl"), ("baraka", "bob")):
        await bot.signup(who(mentor), skills="seo", levels="expert", capacity="1")
        [o] = to(await bot.request(who(mentee), skills="seo"), mentor)
        assert (await bot.accept(who(mentor), offer_id=offer_id(o))).error is None
    assert (await bot.pause(who("baraka"))).error is None
    told = (await bot.request(who("amina"), skills="seo")).reply.text
    assert "one of them is back" not in told, told
    stored, fresh = await stored_and_fresh(bot)
    assert stored == fresh and "all_busy" in stored and "paused" not in stored, stored


async def test_a_full_paused_mentor_and_a_free_paused_one_on_a_declines_cooldown(bot: MentorBot, who: Who) -> None:
    """Every SEO mentor paused: Baraka full (mentoring Bob), Chris with a free place on a "not now" cooldown for Amina.
    Neither comes back for her at once: the cooldown of the one with a place, flagged paused, is why."""
    await bot.signup(who("baraka"), skills="seo", levels="expert", capacity="1")
    [b] = to(await bot.request(who("bob"), skills="seo"), "baraka")
    assert (await bot.accept(who("baraka"), offer_id=offer_id(b))).error is None
    await bot.signup(who("chris"), skills="seo", levels="expert", capacity="1")
    [c] = to(await bot.request(who("amina"), skills="seo"), "chris")
    assert (await bot.decline(who("chris"), offer_id=offer_id(c), reason="not now")).error is None
    for mentor in ("baraka", "chris"):
        assert (await bot.pause(who(mentor))).error is None
    stored, fresh = await stored_and_fresh(bot)
    assert stored == fresh and "all_cooldown" in stored and '"paused": true' in stored, stored


async def paused_mentoring_bob(bot: MentorBot, who: Who, capacity: int) -> int:
    """Baraka (SEO, `capacity` places) mentors Bob and pauses; Amina asks for SEO. The mentorship's id."""
    await bot.signup(who("baraka"), skills="seo", levels="expert", capacity=str(capacity))
    [b] = to(await bot.request(who("bob"), skills="seo"), "baraka")
    accepted = await bot.accept(who("baraka"), offer_id=offer_id(b))
    assert accepted.error is None
    assert (await bot.pause(who("baraka"))).error is None
    await bot.request(who("amina"), skills="seo")
    baraka = await bot.store.find_member(COMMUNITY, "U-baraka")
    assert baraka is not None
    [mentorship] = await bot.store.list_mentorships(member_id=baraka.id, active_only=True)
    return mentorship.id


async def test_a_paused_mentors_freed_place_tells_as_soon_as_back(bot: MentorBot, who: Who) -> None:
    """Paused and full, Baraka ends his mentorship of Bob: his place is free once he is back, so "at capacity" is
    no longer why Amina waits, but that he is paused."""
    mentorship = await paused_mentoring_bob(bot, who, capacity=1)
    assert "all_busy" in (await stored_and_fresh(bot))[0]
    assert (await bot.end(who("baraka"), mentorship_id=mentorship)).error is None
    stored, fresh = await stored_and_fresh(bot)
    assert stored == fresh and "all_paused" in stored, stored
    assert to(await bot.resume(who("baraka")), "baraka"), "offered once he is back"


async def test_a_paused_mentors_lower_capacity_ends_as_soon_as_back(bot: MentorBot, who: Who) -> None:
    """Paused with a place free (two, one for Bob), Amina is told "as soon as one is back"; Baraka lowers his capacity
    to one while paused: back, he would have no place for her."""
    await paused_mentoring_bob(bot, who, capacity=2)
    assert "all_paused" in (await stored_and_fresh(bot))[0]
    assert (await bot.signup(who("baraka"), skills="seo", levels="expert", capacity="1")).error is None
    stored, fresh = await stored_and_fresh(bot)
    assert stored == fresh and "all_busy" in stored, stored


async def test_an_admins_forced_match_taking_a_paused_mentors_last_place_ends_as_soon_as_back(
    bot: MentorBot, who: Who
) -> None:
    await paused_mentoring_bob(bot, who, capacity=2)
    await bot.request(who("carol"), skills="seo")
    carol = await bot.store.find_member(COMMUNITY, "U-carol")
    assert carol is not None
    [request] = await bot.store.list_member_requests(carol.id, open_only=True)
    out = await bot.admin_match(who("admin", is_admin=True), request_id=request.id, mentor="U-baraka", force=True)
    assert out.error is None, out.reply.text
    stored, fresh = await stored_and_fresh(bot)
    assert stored == fresh and "all_busy" in stored, stored


async def test_an_offer_taking_the_own_mentors_last_place_tells_at_capacity(bot: MentorBot, who: Who) -> None:
    """Baraka (SEO and copywriting, two places) mentors Amina in copywriting; Chris, the other SEO mentor, is full.
    Amina's SEO request waits for her own mentor ("…already mentors you"). Bob's request takes Baraka's last place:
    every mentor for SEO is at capacity now, what the admins and Amina are told (the model of
    `test_wait_truth_model_s45` found the own mentor's word kept)."""
    await bot.signup(who("chris"), skills="seo", levels="expert", capacity="1")
    [c] = to(await bot.request(who("carl"), skills="seo"), "chris")
    assert (await bot.accept(who("chris"), offer_id=offer_id(c))).error is None
    await bot.signup(who("baraka"), skills="seo, copywriting", levels="expert", capacity="2")
    [a] = to(await bot.request(who("amina"), skills="copywriting"), "baraka")
    assert (await bot.accept(who("baraka"), offer_id=offer_id(a))).error is None
    await bot.request(who("amina"), skills="seo")
    assert "own_mentor" in (await stored_and_fresh(bot))[0]
    assert to(await bot.request(who("bob"), skills="seo"), "baraka")
    stored, fresh = await stored_and_fresh(bot)
    assert stored == fresh and "all_busy" in stored, stored


async def test_a_late_not_my_skill_decline_ends_the_lapses_date(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    """The model's shortest find: Baraka (SEO, one place) lets Amina's offer lapse ("can be asked again after <date>",
    his place free); his late "not my skill" excludes him for good: the date would come and nothing with it."""
    await bot.signup(who("baraka"), skills="seo", levels="expert", capacity="1")
    [o] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    clock.advance(timedelta(hours=49))
    await bot.run_due_jobs()
    assert "all_cooldown" in (await stored_and_fresh(bot))[0]
    assert (await bot.decline(who("baraka"), offer_id=offer_id(o), reason="not my skill")).error is None
    stored, fresh = await stored_and_fresh(bot)
    assert stored == fresh and "all_excluded" in stored, stored


async def test_a_mentor_excluded_for_good_does_not_hide_a_full_one_on_a_lapse(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """The model's find (its steps, named): Baraka (SEO and copywriting, one place) declines Amina "not this person";
    Chris (SEO, one place) lets her SEO offer lapse and takes Bob's request at the expiry. Amina was told "the mentors
    for SEO have said it is not for them" (Baraka, excluded, had the free place), of Chris who may take it once a place
    frees; and when Dina's request took Baraka's place it turned "at capacity", which nothing told her. An excluded
    mentor is no mentor of her request while another may take it some day."""
    for skill in ("seo", "copywriting"):
        await bot.request(who("amina"), skills=skill)
    await bot.signup(who("baraka"), skills="seo, copywriting", capacity="1")
    _, request = await amina(bot)
    [pending] = await bot.store.list_offers(request_id=request.id)
    out = await bot.decline(who("baraka"), offer_id=pending.id, reason="not this person")
    assert out.error is None, out.reply.text
    await bot.signup(who("chris"), skills="seo", capacity="1")
    for skill in ("seo", "copywriting"):
        await bot.request(who("bob"), skills=skill)
    clock.advance(timedelta(hours=49))
    await bot.run_due_jobs(sweep=True)
    stored, fresh = await stored_and_fresh(bot)
    assert stored == fresh and "all_busy" in stored, stored
    for skill in ("seo", "copywriting"):
        await bot.request(who("dina"), skills=skill)
    stored, fresh = await stored_and_fresh(bot)
    assert stored == fresh and "all_busy" in stored, stored


async def test_a_pause_that_makes_it_all_paused_tells_the_mentee_nothing(bot: MentorBot, who: Who) -> None:
    """`test_request_notices_s33.test_a_reason_worked_out_afresh_tells_the_mentee_nothing` with a mentor who has a
    place once back (two places, mentoring Eve, Bob's offer holding the other): that test's Baraka of one place,
    mentoring Eve, is "at capacity" paused (rule 14, session 45), so his pause changes nothing. Here the pause changes
    Amina's reason to "all paused… as soon as one is back", and she is sent nothing (she sees it in her status)."""
    en = translator("en")
    await bot.signup(who("baraka"), skills="seo", capacity=2)
    [e] = to(await bot.request(who("eve"), skills="seo"), "baraka")
    assert (await bot.accept(who("baraka"), offer_id=offer_id(e))).error is None
    assert to(await bot.request(who("bob"), skills="seo"), "baraka")
    assert not to(await bot.request(who("amina"), skills="seo"), "baraka")
    assert en("wait.all_busy", skills="SEO") in (await bot.status(who("amina"))).reply.plain_text
    paused = await bot.pause(who("baraka"))
    assert to(paused, "amina") == []
    shown = (await bot.status(who("amina"))).reply.plain_text
    assert en("wait.all_paused", skills="SEO") in shown, shown


async def _full_paused_with_amina_waiting(bot: MentorBot, who: Who) -> None:
    """Baraka (SEO, one place) mentors Bob and pauses; Amina's SEO request waits "at capacity" (back, he has no
    place for her)."""
    [b] = to(await bot.request(who("bob"), skills="seo"), "baraka")
    assert (await bot.accept(who("baraka"), offer_id=offer_id(b))).error is None
    assert (await bot.pause(who("baraka"))).error is None
    await bot.request(who("amina"), skills="seo")
    stored, fresh = await stored_and_fresh(bot)
    assert "all_busy" in stored and stored == fresh, stored


async def test_a_higher_capacity_while_paused_tells_afresh(bot: MentorBot, who: Who) -> None:
    """Paused and full, Baraka raises his capacity (review of session 46): back he has a place for Amina, so she is
    told he is paused, an offer as soon as he is back; "at capacity" stayed stored for good."""
    await bot.signup(who("baraka"), skills="seo", levels="expert", capacity="1")
    await _full_paused_with_amina_waiting(bot, who)
    assert (await bot.signup(who("baraka"), skills="seo", levels="expert", capacity="2")).error is None
    stored, fresh = await stored_and_fresh(bot)
    assert "all_paused" in stored and stored == fresh, stored


async def test_a_higher_capacity_and_a_new_skill_while_paused_tell_afresh(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo", levels="expert", capacity="1")
    await _full_paused_with_amina_waiting(bot, who)
    assert (await bot.signup(who("baraka"), skills="seo, copywriting", levels="expert", capacity="2")).error is None
    stored, fresh = await stored_and_fresh(bot)
    assert "all_paused" in stored and stored == fresh, stored


async def test_an_import_raising_a_paused_mentors_capacity_tells_afresh(bot: MentorBot, who: Who) -> None:
    await imported(bot, "user_id,name,skills,levels,capacity\nU-baraka,Baraka,seo,expert,1\n")
    await _full_paused_with_amina_waiting(bot, who)
    await imported(bot, "user_id,name,skills,levels,capacity\nU-baraka,Baraka,seo,expert,2\n")
    stored, fresh = await stored_and_fresh(bot)
    assert "all_paused" in stored and stored == fresh, stored
