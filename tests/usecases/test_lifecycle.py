"""The mentorship lifecycle through the use-cases: signup, request, offers, waitlist, accept, check-in, end."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.models import MentorshipStatus, MentorStatus, OfferStatus, RequestStatus
from tests.usecases.conftest import offer_id, to

Who = Callable[..., Caller]
HOUR = timedelta(hours=1)


async def test_signup_creates_then_updates_a_profile(bot: MentorBot, who: Who) -> None:
    created = await bot.signup(
        who("baraka"),
        skills="crisis comms, Brand-Strategy",
        levels="expert, practitioner",
        capacity="3",
        bio="Agency lead",
        timezone="africa/nairobi",
        languages="en, sw",
    )
    assert "mentor" in created.reply.text.lower()
    member = await bot.store.find_member("test:guild", "U-baraka")
    assert member is not None
    profile = await bot.store.get_mentor_profile(member.id)
    assert profile is not None
    assert {k: v.value for k, v in profile.skills.items()} == {
        "crisis-communications": "expert",
        "brand-strategy": "practitioner",
    }
    assert (profile.capacity, profile.timezone, profile.languages) == (3, "Africa/Nairobi", ("en", "sw"))
    updated = await bot.signup(who("baraka"), skills=None, capacity=5)
    assert "updated" in updated.reply.text
    profile = await bot.store.get_mentor_profile(member.id)
    assert profile is not None and profile.capacity == 5 and profile.bio == "Agency lead"
    assert profile.skills["crisis-communications"].value == "expert", "levels are kept when not retyped"


async def test_request_goes_to_the_best_mentor_with_an_explanation(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("chao"), skills="crisis-communications", levels="learning", timezone="UTC+1")
    await bot.signup(
        who("baraka"), skills="crisis-communications, brand-strategy", levels="expert", timezone="UTC+3", capacity=3
    )
    outcome = await bot.request(who("amina", timezone="Africa/Nairobi"), skills="crisis comms, brand strategy")
    assert "#1" in outcome.reply.text
    [offer_note] = to(outcome, "baraka")
    assert to(outcome, "chao") == []
    text = offer_note.reply.plain_text
    assert "Crisis communications (expert)" in text and "Brand strategy (expert)" in text
    assert "same time zone" in text and "places 0 of 3 taken" in text
    assert [b.action for b in offer_note.reply.buttons] == ["offer.accept", "offer.decline"]
    assert offer_note.reply.buttons[0].custom_id == f"mentorbot:offer.accept:{offer_id(offer_note)}"


async def test_decline_passes_the_request_on_and_accept_introduces_both(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="paid-social", levels="expert")
    await bot.signup(who("chao"), skills="paid-social", levels="practitioner")
    first = await bot.request(who("amina"), skills="paid social", note="Scaling Meta ads")
    [to_baraka] = to(first, "baraka")
    declined = await bot.decline(who("baraka"), offer_id=offer_id(to_baraka), reason="full this month")
    assert "declined" in declined.reply.text
    [to_chao] = to(declined, "chao")
    accepted = await bot.accept(who("chao"), offer_id=offer_id(to_chao))
    [intro_mentee] = to(accepted, "amina")
    [intro_mentor] = to(accepted, "chao")
    assert "<@U-chao>" in intro_mentee.reply.text and "<@U-amina>" in intro_mentor.reply.text
    field_names = [f.name for f in intro_mentee.reply.fields]
    assert "Shared skills" in field_names and "Courses for your shared skills" in field_names
    assert "Scaling Meta ads" in intro_mentor.reply.plain_text
    status = await bot.status(who("amina"))
    assert "mentored by <@U-chao>" in status.reply.plain_text


async def test_no_eligible_mentor_waits_with_a_reason_and_a_new_mentor_gets_it(bot: MentorBot, who: Who) -> None:
    outcome = await bot.request(who("amina"), skills="seo")
    assert "waitlist" in outcome.reply.text and "No mentor offers SEO yet" in outcome.reply.text
    status = await bot.status(who("amina"))
    assert "No mentor offers SEO yet" in status.reply.plain_text
    signup = await bot.signup(who("dan"), skills="seo")
    assert len(to(signup, "dan")) == 1, "the new mentor is offered the waiting request"
    assert "mentor has just been offered your request" in to(signup, "amina")[0].reply.text


async def test_wait_reasons_say_why(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo", capacity=1)
    await bot.request(who("amina"), skills="seo")
    busy = await bot.request(who("chao"), skills="seo")
    assert "at capacity" in busy.reply.text
    await bot.pause(who("baraka"))
    paused = await bot.request(who("dan"), skills="seo")
    assert "paused" in paused.reply.text


@pytest.mark.parametrize(("late", "counted"), [(0, True), (9, True), (11, False)], ids=["on-time", "9-min", "down"])
async def test_offer_expiry_passes_on_and_repeated_expiry_pauses_the_mentor(
    bot: MentorBot, who: Who, clock: ManualClock, late: int, counted: bool
) -> None:
    """Offers that expire together are one lapse; lapses on three different days pause the mentor, whose held
    requests are passed on (here: back on the waitlist) and the notice says so. An expiry run more than
    MENTORBOT_LATE_EXPIRY_GRACE_MINUTES (10) late (the bot was down) is not counted."""
    await bot.signup(who("sleepy"), skills="copywriting", levels="expert", capacity=5)
    for name in ("a", "b", "c"):
        await bot.request(who(name), skills="copywriting")
    member = await bot.store.find_member("test:guild", "U-sleepy")
    assert member is not None
    for lapse in (1, 2, 3):
        clock.advance(timedelta(hours=48, minutes=late))
        notes = await bot.run_due_jobs()
        expired = [n for n in to(notes, "sleepy") if "expired" in n.reply.text]
        pausing = counted and lapse == 3
        # The lapse that pauses withdraws the other two offers at once, in the same transaction.
        assert len(expired) == (1 if pausing else 3)
        # Said as it happened: the lapses paused them (before: "withdrawn because you paused").
        withdrawn = [n for n in to(notes, "sleepy") if "paused after offers lapsed" in n.reply.text]
        assert len(withdrawn) == (2 if pausing else 0)
        profile = await bot.store.get_mentor_profile(member.id)
        assert profile is not None
        assert profile.expired_streak == (lapse if counted else 0), "three offers expiring together: one lapse"
        if lapse < 3 or not counted:
            assert profile.status is MentorStatus.ACTIVE and profile.pending_offers == 0
            # Sleepy says they are around (without answering): nobody else teaches copywriting, so the lapse's
            # cooldown lifts and they are asked again at once; the streak is not reset by that.
            assert len(to(await bot.resume(who("sleepy")), "sleepy")) == 3
    [notice] = [n for n in to(notes, "sleepy") if "paused your mentor profile" in n.reply.text] or [None]
    assert (notice is not None) is counted
    profile = await bot.store.get_mentor_profile(member.id)
    assert profile is not None and (profile.status is MentorStatus.PAUSED) is counted
    if counted:
        assert notice is not None and notice.reply.text.count("back on the waitlist") == 3
        assert profile.pending_offers == 0
        assert any("waiting again" in n.reply.text for n in to(notes, "a"))
    assert await bot.run_due_jobs() == [], "each timer runs once"


async def test_checkin_after_the_configured_delay(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await bot.signup(who("baraka"), skills="seo")
    offered = await bot.request(who("amina"), skills="seo")
    await bot.accept(who("baraka"), offer_id=offer_id(to(offered, "baraka")[0]))
    clock.advance(timedelta(days=13))
    assert await bot.run_due_jobs() == []
    clock.advance(timedelta(days=1, minutes=1))
    notes = await bot.run_due_jobs()
    assert {n.platform_user_id for n in notes} == {"U-baraka", "U-amina"}
    assert all("How is it going" in (n.reply.title or "") for n in notes)


async def test_end_with_feedback_frees_the_place(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo", capacity=1)
    offered = await bot.request(who("amina"), skills="seo")
    await bot.accept(who("baraka"), offer_id=offer_id(to(offered, "baraka")[0]))
    waiting = await bot.request(who("chao"), skills="seo")
    assert "at capacity" in waiting.reply.text
    ended = await bot.end(who("amina"), rating="5", comment="Super helpful")
    assert "ended" in ended.reply.text
    assert any("ended by your partner" in n.reply.text for n in to(ended, "baraka"))
    offers = [n for n in to(ended, "baraka") if any(b.action == "offer.accept" for b in n.reply.buttons)]
    assert len(offers) == 1, "the freed place goes to chao's request"
    [asked] = [n for n in to(ended, "baraka") if any(b.action == "feedback.open" for b in n.reply.buttons)]
    assert "How did mentorship #1 with <@U-amina> go?" in asked.reply.text, "the other side is asked for feedback"
    [feedback] = await bot.store.list_feedback("test:guild")
    assert feedback.rating == 5 and feedback.comment == "Super helpful"


async def test_accept_closes_overlapping_requests_and_withdraws_their_offers(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo, copywriting")
    await bot.signup(who("chao"), skills="seo")
    r1 = await bot.request(who("amina"), skills="seo, copywriting")
    r2 = await bot.request(who("amina"), skills="seo")
    accepted = await bot.accept(who("baraka"), offer_id=offer_id(to(r1, "baraka")[0]))
    assert any("was closed because mentorship" in n.reply.text for n in to(accepted, "amina"))
    assert any("withdrawn" in n.reply.text for n in to(accepted, "chao"))
    offer_to_chao = offer_id(to(r2, "chao")[0])
    late = await bot.accept(who("chao"), offer_id=offer_to_chao)
    assert "withdrawn" in late.reply.text
    offer = await bot.store.get_offer(offer_to_chao)
    assert offer is not None and offer.status is OfferStatus.WITHDRAWN


async def test_a_mentorship_is_for_the_shared_skills_and_closes_only_requests_for_them(
    bot: MentorBot, who: Who
) -> None:
    """The spec: both get an introduction with "the shared skills" and courses for them; "the member's other open
    requests for the same skills are closed". Before: Wanjiru, who mentors SEO only, accepted Amina's request for
    SEO and paid social; both introductions said "Shared skills: SEO, Paid social", and Amina's second request,
    for paid social alone, was closed as covered."""
    await bot.signup(who("wanjiru"), skills="seo")
    first = await bot.request(who("amina"), skills="seo, paid social")
    second = await bot.request(who("amina"), skills="paid social")
    assert "waitlist" in second.reply.text
    accepted = await bot.accept(who("wanjiru"), offer_id=offer_id(to(first, "wanjiru")[0]))
    [mentorship] = await bot.store.list_mentorships(active_only=True)
    assert mentorship.skills == ("seo",)
    for name in ("amina", "wanjiru"):
        [intro] = [n for n in to(accepted, name) if n.key == f"mentorship:{mentorship.id}"]
        [shared] = [f.value for f in intro.reply.fields if f.name == "Shared skills"]
        assert shared == "SEO"
    assert not any("was closed because mentorship" in n.reply.text for n in to(accepted, "amina"))
    still = await bot.store.get_request(2)
    assert still is not None and still.status is RequestStatus.WAITING


async def test_cancel_withdraws_the_pending_offer(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo")
    offered = await bot.request(who("amina"), skills="seo")
    cancelled = await bot.cancel(who("amina"))
    assert "cancelled" in cancelled.reply.text
    assert any("withdrawn" in n.reply.text for n in to(cancelled, "baraka"))
    late = await bot.accept(who("baraka"), offer_id=offer_id(to(offered, "baraka")[0]))
    assert "withdrawn" in late.reply.text
    requests = await bot.store.list_requests("test:guild", [RequestStatus.CANCELLED])
    assert len(requests) == 1


async def test_pause_until_resumes_by_itself(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await bot.signup(who("baraka"), skills="seo")
    paused = await bot.pause(who("baraka"), until="3d")
    assert "paused until" in paused.reply.text
    waiting = await bot.request(who("amina"), skills="seo")
    assert "paused" in waiting.reply.text
    clock.advance(timedelta(days=3, minutes=1))
    notes = await bot.run_due_jobs()
    assert any("pause has ended" in n.reply.text for n in to(notes, "baraka"))
    assert len([n for n in to(notes, "baraka") if n.reply.buttons]) == 1, "the waiting request is offered"


async def test_manual_resume_rematches(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo")
    await bot.pause(who("baraka"))
    await bot.request(who("amina"), skills="seo")
    resumed = await bot.resume(who("baraka"))
    assert "Welcome back" in resumed.reply.text
    assert len(to(resumed, "baraka")) == 1
    again = await bot.resume(who("baraka"))
    assert "already" in again.reply.text


async def test_status_shows_offers_with_buttons_and_requests_with_why(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo", levels="expert")
    await bot.request(who("amina"), skills="seo")
    mentor_status = await bot.status(who("baraka"))
    assert [b.action for b in mentor_status.reply.buttons] == ["offer.accept", "offer.decline"]
    assert "from <@U-amina>" in mentor_status.reply.plain_text
    mentee_status = await bot.status(who("amina"))
    assert "offered to Baraka" in mentee_status.reply.plain_text and "SEO (expert)" in mentee_status.reply.plain_text


async def test_mentorship_ended_by_the_mentor_is_ended_for_both(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo")
    offered = await bot.request(who("amina"), skills="seo")
    await bot.accept(who("baraka"), offer_id=offer_id(to(offered, "baraka")[0]))
    [ms] = await bot.store.list_mentorships(community="test:guild")
    ended = await bot.end(who("baraka"), mentorship_id=str(ms.id))
    assert "ended" in ended.reply.text
    [after] = await bot.store.list_mentorships(community="test:guild")
    assert after.status is MentorshipStatus.ENDED


async def test_pause_until_a_date_means_midnight_in_the_mentors_zone(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo", timezone="Africa/Nairobi")
    paused = await bot.pause(who("baraka"), until="2026-01-10")
    assert "2026-01-10 00:00 (Africa/Nairobi)" in paused.reply.text, "shown where the mentor lives"


async def test_a_pause_date_is_read_in_the_zone_the_mentor_is_shown_it_in(bot: MentorBot, who: Who) -> None:
    # Signed up in London; their platform now reports Nairobi, the zone every date shown to them uses.
    await bot.signup(who("baraka", timezone="Europe/London"), skills="seo", capacity="2")
    paused = await bot.pause(who("baraka", timezone="Africa/Nairobi"), until="2026-12-24")
    assert "2026-12-24 00:00 (Africa/Nairobi)" in paused.reply.text, paused.reply.text
    admin_paused = await bot.admin_pause(who("admin", is_admin=True), mentor="baraka", until="2026-12-31")
    baraka = await bot.store.find_member("test:guild", "U-baraka")
    assert baraka is not None
    profile = await bot.store.get_mentor_profile(baraka.id)
    assert profile is not None and profile.paused_until is not None
    assert profile.paused_until.isoformat() == "2026-12-30T21:00:00+00:00", "31 December 00:00 in Nairobi"
    assert admin_paused.error is None
