"""Issue 13, rules 3, 4, 5 and 7 on the core (both engines): admins act honestly, both voices are heard, one
truth about places, times where people live. A scenario per rule, and properties where a rule is an invariant:
feedback at most once per person per mentorship under concurrent submissions, and a mentor's places as every
view shows them equal to the rows in the store, for random programmes."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.commands import submit_feedback_form
from mentorbot.formatting import places_text, when
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.models import Level, MentorshipStatus, NewMentorProfile, OfferStatus, Places, RequestStatus
from mentorbot.storage.store import FeedbackResult, Store
from tests.conftest import store_on_same_database
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to

Who = Callable[..., Caller]
EN = translator("en")


async def member_id(bot: MentorBot, name: str, community: str = COMMUNITY) -> int:
    member = await bot.store.find_member(community, f"U-{name}")
    assert member is not None
    return member.id


# ------------------------------------------------------------------------------- rule 3: admins act honestly


async def test_admin_match_checks_what_the_live_matcher_checks(bot: MentorBot, who: Who) -> None:
    admin = who("admin")
    await bot.admin_stats(admin)  # the admin is a member here
    await bot.signup(who("baraka"), skills="copywriting", capacity=1)
    await bot.signup(who("dina"), skills="seo", capacity=1)
    await bot.pause(who("dina"))
    await bot.request(who("amina"), skills="seo")

    no_skill = await bot.admin_match(admin, request_id=1, mentor="baraka")
    assert no_skill.error is not None and "Baraka offers none of SEO" in no_skill.reply.text
    assert "force:yes" in no_skill.reply.text and "/mentor-admin waitlist" in no_skill.reply.text
    paused = await bot.admin_match(admin, request_id=1, mentor="dina")
    assert "Dina is paused" in paused.reply.text
    own = await bot.admin_match(admin, request_id=1, mentor="amina")
    assert own.error is not None  # amina is no mentor: never matched with herself either way
    assert not await bot.store.list_mentorships(community=COMMUNITY), "a refusal changes nothing"

    # Another community's request is not found here, whatever the id.
    elsewhere = await bot.admin_match(Caller("other:guild", "U-admin", "Admin"), request_id=1, mentor="baraka")
    assert "no request #1 in this community" in elsewhere.reply.text

    forced = await bot.admin_match(admin, request_id=1, mentor="dina", force=True)
    assert "overriding: mentor paused" in forced.reply.text
    [mentorship] = await bot.store.list_mentorships(community=COMMUNITY)
    assert mentorship.matched_by_admin == await member_id(bot, "admin") and mentorship.forced == ("paused",)
    for name in ("amina", "dina"):
        [intro] = [n for n in to(forced, name) if n.key == f"mentorship:{mentorship.id}"]
        assert "An admin has matched you" in intro.reply.text and "accepted" not in intro.reply.text
    [row] = [r for r in csv.DictReader(io.StringIO((await export(bot, admin))["mentorships.csv"]))]
    assert row["forced"] == "paused" and row["matched_by_admin"] == str(mentorship.matched_by_admin)

    # A capacity is never forced past.
    await bot.request(who("chao"), skills="seo")
    full = await bot.admin_match(admin, request_id=2, mentor="dina", force=True)
    assert "has no free place (1 of 1 taken)" in full.reply.text and "Not even `force:yes`" in full.reply.text


@pytest.mark.parametrize("reason", ["not this person", "busy this week"])
async def test_admin_match_respects_a_decline_unless_forced_and_records_it(
    bot: MentorBot, who: Who, reason: str
) -> None:
    """The spec: an admin matches "only within the same rules, or with an explicit, recorded override". Before:
    a mentor who had declined the member ("not this person", or "not now" and still on cooldown) was matched by
    hand with no override asked for and none recorded."""
    admin = who("admin")
    await bot.admin_stats(admin)
    await bot.signup(who("wanjiru"), skills="seo", capacity=2)
    offered = await bot.request(who("amina"), skills="seo")
    await bot.decline(who("wanjiru"), offer_id=offer_id(to(offered, "wanjiru")[0]), reason=reason)
    refused = await bot.admin_match(admin, request_id=1, mentor="wanjiru")
    assert refused.error is not None and "force:yes" in refused.reply.text
    expected = "declined this member's request" if reason == "not this person" else "on cooldown until"
    assert expected in refused.reply.text
    assert not await bot.store.list_mentorships(community=COMMUNITY)
    forced = await bot.admin_match(admin, request_id=1, mentor="wanjiru", force=True)
    assert forced.error is None and "overriding" in forced.reply.text
    [mentorship] = await bot.store.list_mentorships(community=COMMUNITY)
    assert mentorship.forced == (("excluded",) if reason == "not this person" else ("cooldown",))


async def test_an_ordinary_admin_match_is_recorded_and_not_called_an_acceptance(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo")
    await bot.pause(who("baraka"))
    await bot.resume(who("baraka"))
    await bot.request(who("amina"), skills="seo")  # offered to baraka: the admin's match uses that held place
    matched = await bot.admin_match(who("admin"), request_id=1, mentor="baraka")
    assert matched.error is None and "overriding" not in matched.reply.text
    [mentorship] = await bot.store.list_mentorships(community=COMMUNITY)
    assert mentorship.forced == () and mentorship.by_admin
    [intro] = [n for n in to(matched, "amina") if n.key == f"mentorship:{mentorship.id}"]
    assert "An admin has matched you" in intro.reply.text


async def test_an_admin_match_to_the_mentor_holding_the_offer_replaces_the_offer_message(
    bot: MentorBot, who: Who
) -> None:
    """Matched directly with the request offered to them, the mentor is not told the offer was withdrawn
    ("matched elsewhere"): the offer's message (same key) says the admin matched them, with no buttons left."""
    await bot.signup(who("chao"), skills="seo", capacity=2)
    await bot.signup(who("dina"), skills="seo", capacity=2)
    offered = await bot.request(who("dan"), skills="seo")
    [offer_note] = [n for n in offered.notifications if any(b.action == "offer.accept" for b in n.reply.buttons)]
    holder = offer_note.platform_user_id.removeprefix("U-")
    oid = offer_id(offer_note)
    matched = await bot.admin_match(who("admin"), request_id=1, mentor=holder)
    assert matched.error is None
    [mentorship] = await bot.store.list_mentorships(community=COMMUNITY)
    notes = to(matched, holder)
    assert [n.key for n in notes] == [f"mentorship:{mentorship.id}", f"offer:{oid}"]
    replaced = notes[1].reply
    assert replaced.text == EN("offer.matched_directly", id=oid, mentorship=mentorship.id)
    assert replaced.buttons == () and "withdrawn" not in replaced.text
    profile = await bot.store.get_mentor_profile(await member_id(bot, holder))
    assert profile is not None and (profile.active_count, profile.pending_offers) == (1, 0)

    # Matched with another mentor instead, the holder of the offer is told it was withdrawn, as before.
    offered = await bot.request(who("eve"), skills="seo")
    [offer_note] = [n for n in offered.notifications if any(b.action == "offer.accept" for b in n.reply.buttons)]
    holder = offer_note.platform_user_id.removeprefix("U-")
    other = "dina" if holder == "chao" else "chao"
    elsewhere = await bot.admin_match(who("admin"), request_id=2, mentor=other)
    [withdrawn] = [n for n in to(elsewhere, holder) if n.key == f"offer:{offer_id(offer_note)}"]
    assert withdrawn.reply.text == EN("offer.withdrawn", id=offer_id(offer_note))


async def test_admin_end_and_pause_speak_to_the_admin(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    admin = who("admin", timezone="Europe/London")
    missing = await bot.admin_end(admin, mentorship_id=999)
    assert missing.reply.text == "#999 is not an active mentorship."
    await bot.signup(who("baraka"), skills="seo", timezone="Africa/Nairobi")
    paused = await bot.admin_pause(admin, mentor="baraka", until="2026-12-24")
    end_at = await bot.store.get_mentor_profile(await member_id(bot, "baraka"))
    assert end_at is not None and end_at.paused_until is not None
    until = when(end_at.paused_until, EN, "Europe/London")
    assert paused.reply.text == f"Baraka is paused until {until} and has been told."
    [notice] = to(paused, "baraka")
    assert "until 2026-12-24 00:00 (Africa/Nairobi)" in notice.reply.text
    again = await bot.admin_pause(admin, mentor="baraka", until="2026-12-24")
    assert again.notifications == () and "already paused like this" in again.reply.text
    longer = await bot.admin_pause(admin, mentor="baraka", until="2026-12-31")
    assert to(longer, "baraka"), "a different pause is a change: the mentor is told"


# --------------------------------------------------------------------------- rule 4: both voices are heard


async def test_the_other_side_is_asked_and_gives_feedback_once(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo")
    offered = await bot.request(who("amina"), skills="seo")
    await bot.accept(who("baraka"), offer_id=offer_id(to(offered, "baraka")[0]))
    early = await bot.feedback(who("baraka"), mentorship_id=1, rating=5)
    assert "still active" in early.reply.text
    ended = await bot.end(who("amina"), rating=4, comment="kind and clear")
    [asked] = [n for n in to(ended, "baraka") if any(b.action == "feedback.open" for b in n.reply.buttons)]
    assert "/mentor feedback 1 rating:<1-5>" in asked.reply.text
    assert "rating required" not in asked.reply.text
    given = await bot.feedback(who("baraka"), mentorship_id=1, rating="5", comment="a pleasure")
    assert "recorded" in given.reply.text
    twice = await bot.feedback(who("baraka"), mentorship_id=1, rating="3")
    assert twice.error is None and "already given feedback on mentorship #1" in twice.reply.text
    mentee_again = await bot.feedback(who("amina"), mentorship_id=1, rating="1")
    assert "already given" in mentee_again.reply.text, "the rating given when ending counts as her once"
    stranger = await bot.feedback(who("chao"), mentorship_id=1, rating="2")
    assert "not one of yours" in stranger.reply.text
    no_rating = await bot.feedback(who("baraka"), mentorship_id=1, rating=None)
    assert "already given feedback on mentorship #1" in no_rating.reply.text, "rated already: said so first"
    ratings = sorted((f.author_id, f.rating) for f in await bot.store.list_feedback(COMMUNITY))
    assert ratings == sorted([(await member_id(bot, "amina"), 4), (await member_id(bot, "baraka"), 5)])


async def test_ending_without_a_rating_offers_the_form_and_an_admin_end_asks_both(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo", capacity=2)
    for name in ("amina", "chao"):
        offered = await bot.request(who(name), skills="seo")
        await bot.accept(who("baraka"), offer_id=offer_id(to(offered, "baraka")[0]))
    ended = await bot.end(who("amina"), mentorship_id=1)
    assert [b.action for b in ended.reply.buttons] == ["feedback.open"]
    by_admin = await bot.admin_end(who("admin"), mentorship_id=2)
    for name in ("baraka", "chao"):
        [note] = to(by_admin, name)
        assert "ended by an admin" in note.reply.text and note.reply.buttons[0].action == "feedback.open"


async def test_a_comment_left_on_ending_does_not_use_up_the_rating(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo", capacity=2)
    offered = await bot.request(who("amina"), skills="seo")
    await bot.accept(who("baraka"), offer_id=offer_id(to(offered, "baraka")[0]))
    ended = await bot.end(who("amina"), mentorship_id=1, comment="Thanks a lot")
    assert "Would you rate it?" in ended.reply.text and [b.action for b in ended.reply.buttons] == ["feedback.open"]
    form = await bot.feedback_form(who("amina"), mentorship_id=1)
    assert "already" not in form.reply.text and "/mentor feedback 1 rating:<1-5>" in form.reply.text
    rated = await bot.feedback(who("amina"), mentorship_id=1, rating="5")
    assert rated.error is None and "recorded" in rated.reply.text
    [kept] = await bot.store.list_feedback(COMMUNITY)
    assert (kept.author_id, kept.rating, kept.comment) == (await member_id(bot, "amina"), 5, "Thanks a lot")
    again = await bot.feedback(who("amina"), mentorship_id=1, rating="1", comment="changed my mind")
    assert "already given feedback on mentorship #1" in again.reply.text
    assert "already" in (await bot.feedback_form(who("amina"), mentorship_id=1)).reply.text

    # A new comment given with the rating replaces the one left on ending.
    offered = await bot.request(who("chao"), skills="seo")
    await bot.accept(who("baraka"), offer_id=offer_id(to(offered, "baraka")[0]))
    await bot.end(who("chao"), mentorship_id=2, comment="first thoughts")
    await bot.feedback(who("chao"), mentorship_id=2, rating="4", comment="on reflection, very good")
    rows = {f.author_id: (f.rating, f.comment) for f in await bot.store.list_feedback(COMMUNITY)}
    assert rows[await member_id(bot, "chao")] == (4, "on reflection, very good")
    assert rows[await member_id(bot, "amina")] == (5, "Thanks a lot")


async def test_checkins_carry_buttons_and_help_reaches_the_admins(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await bot.admin_stats(who("admin"))
    await bot.signup(who("baraka"), skills="seo")
    offered = await bot.request(who("amina"), skills="seo")
    await bot.accept(who("baraka"), offer_id=offer_id(to(offered, "baraka")[0]))
    clock.advance(timedelta(days=15))
    notes = await bot.run_due_jobs()
    [checkin] = [n for n in notes if n.platform_user_id == "U-amina"]
    assert [b.action for b in checkin.reply.buttons] == ["checkin.ok", "checkin.end", "checkin.help"]
    assert "rating:5" not in checkin.reply.plain_text, "no suggested rating"
    well = await bot.checkin(who("amina"), mentorship_id=1, answer="ok")
    assert "going well" in well.reply.text and well.notifications == ()
    helped = await bot.checkin(who("amina"), mentorship_id=1, answer="help")
    [alert] = to(helped, "admin")
    assert alert.outbox_id is not None, "written to the outbox"
    assert "<@U-amina> asks for help with mentorship #1" in alert.reply.text
    assert "admins have been told" in helped.reply.text
    intruder = await bot.checkin(who("chao"), mentorship_id=1, answer="help")
    assert intruder.error is not None and intruder.notifications == ()
    bad = await bot.checkin(who("amina"), mentorship_id=1, answer="maybe")
    assert "not 'maybe'" in bad.reply.text


async def test_asking_the_admins_for_help_again_the_same_day_tells_nobody_again(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Before: every `/mentor checkin <id> help` DMed every admin: 1,199 DMs to an admin in an hour within the rate
    limit. Now one notice a day per mentorship and member; the member is told the admins know already."""
    await bot.admin_stats(who("admin"))
    await bot.signup(who("baraka"), skills="seo")
    offered = await bot.request(who("amina"), skills="seo")
    await bot.accept(who("baraka"), offer_id=offer_id(to(offered, "baraka")[0]))
    first = await bot.checkin(who("amina"), mentorship_id=1, answer="help")
    assert len(to(first, "admin")) == 1
    again = await bot.checkin(who("amina"), mentorship_id=1, answer="help")
    assert again.notifications == () and again.reply.text == EN("checkin.help_already", id=1)
    other_side = await bot.checkin(who("baraka"), mentorship_id=1, answer="help")
    assert len(to(other_side, "admin")) == 1, "the other member's own request for help is heard"
    clock.advance(timedelta(days=1))
    next_day = await bot.checkin(who("amina"), mentorship_id=1, answer="help")
    assert len(to(next_day, "admin")) == 1 and "admins have been told" in next_day.reply.text


async def test_going_well_on_a_mentorship_that_has_ended_says_so_and_asks_for_the_rating(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Before: "Going well" on an old check-in after the mentorship ended answered "Glad mentorship #1 is going
    well. Keep it up!". Now it says it has ended, with the feedback button until the member has rated it."""
    await bot.signup(who("baraka"), skills="seo")
    offered = await bot.request(who("amina"), skills="seo")
    await bot.accept(who("baraka"), offer_id=offer_id(to(offered, "baraka")[0]))
    clock.advance(timedelta(days=15))
    await bot.run_due_jobs()
    await bot.end(who("baraka"), mentorship_id=1, rating="5")
    late = await bot.checkin(who("amina"), mentorship_id=1, answer="ok")
    assert late.reply.text == EN("end.already_ended_ask", id=1)
    assert [b.action for b in late.reply.buttons] == ["feedback.open"]
    await bot.feedback(who("amina"), mentorship_id=1, rating="4")
    again = await bot.checkin(who("amina"), mentorship_id=1, answer="ok")
    assert again.reply.text == EN("end.already_ended", id=1) and again.reply.buttons == ()


async def test_the_checkins_end_and_give_feedback_sent_after_the_other_party_ended_it_gives_the_feedback(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    # Both had the check-in and opened its "end and give feedback" form; the mentee sent theirs first.
    await bot.signup(who("baraka"), skills="seo")
    offered = await bot.request(who("amina"), skills="seo")
    await bot.accept(who("baraka"), offer_id=offer_id(to(offered, "baraka")[0]))
    clock.advance(timedelta(days=15))
    await bot.run_due_jobs()
    ended = await submit_feedback_form(bot, who("amina"), "checkin.end", "1", "5", None)
    assert ended.error is None and "has ended" in ended.reply.text
    given = await submit_feedback_form(bot, who("baraka"), "checkin.end", "1", "4", "A pleasure")
    assert given.error is None and "feedback on mentorship #1 is recorded" in given.reply.text
    rows = sorted((f.rating, f.comment) for f in await bot.store.list_feedback(COMMUNITY))
    assert rows == [(4, "A pleasure"), (5, None)]
    outsider = await submit_feedback_form(bot, who("chao"), "checkin.end", "1", "1", None)
    assert outsider.error is not None, "not a party: refused as before"
    assert len(await bot.store.list_feedback(COMMUNITY)) == 2


async def test_ending_what_the_other_party_ended_first_gives_feedback_or_asks_for_it(bot: MentorBot, who: Who) -> None:
    # Typed, or a check-in form run again after a restart (recorded as `/mentor end`): the same use-case.
    await bot.signup(who("baraka"), skills="seo")
    offered = await bot.request(who("amina"), skills="seo")
    await bot.accept(who("baraka"), offer_id=offer_id(to(offered, "baraka")[0]))
    await bot.end(who("amina"), mentorship_id=1, rating="5")
    asked = await bot.end(who("baraka"), mentorship_id=1)
    assert asked.reply.text == EN("end.already_ended_ask", id=1) and [b.action for b in asked.reply.buttons] == [
        "feedback.open"
    ]
    commented = await bot.end(who("baraka"), mentorship_id=1, comment="A pleasure")
    assert commented.reply.text == EN("end.comment_kept", id=1), "a comment kept, the rating still asked for"
    rated = await bot.end(who("baraka"), mentorship_id=1, rating="4")
    assert rated.reply.text == EN("feedback.thanks", id=1)
    again = await bot.end(who("baraka"), mentorship_id=1, rating="2")
    assert again.reply.text == EN("feedback.already", id=1)
    # Ending it again, with nothing to give: it has ended, and the feedback is in (before: "You have already given
    # feedback", to the one who had ended it; "has ended. Thank you!" again, to the other).
    assert (await bot.end(who("amina"), mentorship_id=1)).reply.text == EN("end.already_ended", id=1)
    assert (await bot.end(who("baraka"), mentorship_id=1)).reply.text == EN("end.already_ended", id=1)
    rows = sorted((f.rating, f.comment) for f in await bot.store.list_feedback(COMMUNITY))
    assert rows == [(4, "A pleasure"), (5, None)]
    assert (await bot.end(who("chao"), mentorship_id=1, rating="1")).error is not None, "not a party: refused"


async def test_help_without_a_known_admin_says_so(store: Store, library: Library, clock: ManualClock) -> None:
    bot = MentorBot(store, library, make_settings(admin_ids=[]), clock)
    who = lambda name: Caller(COMMUNITY, f"U-{name}", name)  # noqa: E731
    await bot.signup(who("baraka"), skills="seo")
    offered = await bot.request(who("amina"), skills="seo")
    await bot.accept(who("baraka"), offer_id=offer_id(to(offered, "baraka")[0]))
    helped = await bot.checkin(who("amina"), mentorship_id=1, answer="help")
    assert "contact your community's admins directly" in helped.reply.text and helped.notifications == ()


async def test_decline_reasons_reach_admins_never_the_requester(bot: MentorBot, who: Who) -> None:
    admin = who("admin")
    await bot.signup(who("baraka"), skills="seo")
    await bot.signup(who("dina"), skills="seo")
    offered = await bot.request(who("amina"), skills="seo")
    first = next(n for n in offered.notifications if any(b.action == "offer.accept" for b in n.reply.buttons))
    declined = await bot.decline(
        Caller(COMMUNITY, first.platform_user_id, "x"), offer_id=offer_id(first), reason="Too busy  this month"
    )
    assert all("busy" not in n.reply.plain_text.lower() for n in to(declined, "amina"))
    second = next(n for n in declined.notifications if any(b.action == "offer.accept" for b in n.reply.buttons))
    await bot.decline(Caller(COMMUNITY, second.platform_user_id, "x"), offer_id=offer_id(second))
    stats = await bot.admin_stats(admin)
    fields = {f.name: f.value for f in stats.reply.fields}
    assert fields["Decline reasons"].splitlines() == ["(no reason given): 1", "Too busy this month: 1"]
    offers = list(csv.DictReader(io.StringIO((await export(bot, admin))["offers.csv"])))
    assert sorted(o["decline_reason"] for o in offers) == ["", "Too busy  this month"]
    status = await bot.status(who("amina"))
    assert "busy" not in status.reply.plain_text.lower()


async def export(bot: MentorBot, admin: Caller) -> dict[str, str]:
    outcome = await bot.admin_export(admin)
    return {a.filename: a.content.decode() for a in outcome.reply.attachments}


@given(
    submitters=st.lists(st.sampled_from(["mentor", "mentee", "stranger"]), min_size=1, max_size=8),
    commented=st.booleans(),
)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
async def test_feedback_is_recorded_at_most_once_per_person_under_concurrent_submissions(
    store: Store, clock: ManualClock, submitters: list[str], commented: bool
) -> None:
    """`commented`: the mentee ended it with a comment and no rating, so their rating fills in that row."""
    community = f"fb:{uuid.uuid4().hex[:8]}"
    ids = {}
    for name in ("mentor", "mentee", "stranger"):
        ids[name] = (await store.ensure_member(community, name, name, clock.now())).id
    request = await store.create_request(ids["mentee"], community, ["seo"], "", clock.now(), max_open=3)
    await store.save_mentor_profile(ids["mentor"], NewMentorProfile({"seo": Level.EXPERT}, 2, "", "UTC"), clock.now())
    match = await store.manual_match(request.id, ids["mentor"], clock.now())
    assert match is not None
    if commented:
        await store.end_mentorship(match.mentorship.id, clock.now(), by_member=ids["mentee"], comment="thanks")
    else:
        await store.end_mentorship(match.mentorship.id, clock.now(), by_member=None)
    others = [store_on_same_database(store) for _ in submitters]
    for other in others:
        await other.open(clock.now())
    try:
        results = await asyncio.gather(
            *(
                other.give_feedback(match.mentorship.id, ids[name], 4, None, clock.now(), ended_only=True)
                for other, name in zip(others, submitters, strict=True)
            )
        )
    finally:
        for other in others:
            await other.close()
    for name in set(submitters):
        mine = [r for r, who in zip(results, submitters, strict=True) if who == name]
        if name == "stranger":
            assert set(mine) == {FeedbackResult.NOT_A_PARTY}
        else:
            assert mine.count(FeedbackResult.RECORDED) == 1 and set(mine) <= {
                FeedbackResult.RECORDED,
                FeedbackResult.ALREADY_GIVEN,
            }
    given_by = {f.author_id: f for f in await store.list_feedback(community)}
    rated = {ids[n] for n in set(submitters) - {"stranger"}}
    assert {a for a, f in given_by.items() if f.rating is not None} == rated
    assert all(f.rating == 4 for a, f in given_by.items() if a in rated)
    if commented:
        assert set(given_by) == rated | {ids["mentee"]} and given_by[ids["mentee"]].comment == "thanks"
    else:
        assert set(given_by) == rated


# -------------------------------------------------------------------------- rule 5: one truth about places


async def test_places_read_the_same_everywhere_and_nothing_in_use_is_dropped(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo, copywriting", capacity=3)
    for name in ("amina", "chao"):
        offered = await bot.request(who(name), skills="seo")
        await bot.accept(who("baraka"), offer_id=offer_id(to(offered, "baraka")[0]))
    pending = await bot.request(who("dudu"), skills="copywriting")
    truth = "2 of 3 taken, 1 held by a pending offer"
    status = await bot.status(who("baraka"))
    assert {f.name: f.value for f in status.reply.fields}["Places"] == truth
    stats = await bot.admin_stats(who("admin"))
    assert {f.name: f.value for f in stats.reply.fields}["Places (active mentors)"] == truth
    assert "places 2 of 3 taken" in to(pending, "baraka")[0].reply.plain_text, "the offer, before its own hold"

    lower = await bot.signup(who("baraka"), skills=None, capacity=2)
    assert lower.error is not None and f"below the places in use ({truth})" in lower.reply.text
    drop_seo = await bot.signup(who("baraka"), skills="copywriting")
    assert "mentorship #1 uses SEO" in drop_seo.reply.text and "mentorship #2 uses SEO" in drop_seo.reply.text
    drop_copy = await bot.signup(who("baraka"), skills="seo")
    assert "pending offer #3 needs a skill you would remove" in drop_copy.reply.text
    profile = await bot.store.get_mentor_profile(await member_id(bot, "baraka"))
    assert profile is not None and profile.capacity == 3 and set(profile.skills) == {"seo", "copywriting"}
    more = await bot.signup(who("baraka"), skills="seo, copywriting, paid social", capacity=4)
    assert more.error is None, "adding is never in the way"


step = st.one_of(
    st.tuples(st.just("request"), st.integers(0, 3), st.sampled_from(["seo", "copywriting"])),
    st.tuples(st.just("accept"), st.integers(0, 1), st.just("")),
    st.tuples(st.just("decline"), st.integers(0, 1), st.just("")),
    st.tuples(st.just("end"), st.integers(0, 3), st.just("")),
    st.tuples(st.just("admin_match"), st.integers(0, 1), st.just("")),
    st.tuples(st.just("capacity"), st.integers(0, 1), st.sampled_from(["1", "2", "3"])),
    st.tuples(st.just("expire"), st.just(0), st.just("")),
)


@given(program=st.lists(step, max_size=14))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
async def test_places_equal_the_store_truth_for_random_programmes(
    store: Store, library: Library, program: list[tuple[str, int, str]]
) -> None:
    clock = ManualClock()
    community = f"places:{uuid.uuid4().hex[:8]}"
    bot = MentorBot(store, library, make_settings(offer_ttl_hours=1.0), clock)

    def who(name: str) -> Caller:
        return Caller(community, f"U-{name}", name)

    admin = who("admin")
    mentors = ["m0", "m1"]
    mentees = ["a0", "a1", "a2", "a3"]
    for name in mentors:
        await bot.signup(who(name), skills="seo, copywriting", capacity="2")
    for kind, index, value in program:
        if kind == "request":
            await bot.request(who(mentees[index]), skills=value)
        elif kind in ("accept", "decline"):
            me = await store.find_member(community, f"U-{mentors[index]}")
            assert me is not None
            for offer in (await store.list_offers(mentor_id=me.id, status=OfferStatus.PENDING))[:1]:
                call = bot.accept if kind == "accept" else bot.decline
                await call(who(mentors[index]), offer_id=offer.id)
        elif kind == "end":
            await bot.end(who(mentees[index]))
        elif kind == "admin_match":
            waiting = await store.list_requests(community, [RequestStatus.WAITING, RequestStatus.OFFERED])
            if waiting:
                await bot.admin_match(admin, request_id=waiting[0].id, mentor=mentors[index], force=True)
        elif kind == "capacity":
            await bot.signup(who(mentors[index]), skills=None, capacity=value)
        else:
            clock.advance(timedelta(hours=2))
            await bot.run_due_jobs(communities=[community])
        for name in mentors:
            me = await store.find_member(community, f"U-{name}")
            assert me is not None
            profile = await store.get_mentor_profile(me.id)
            assert profile is not None
            active = [
                m
                for m in await store.list_mentorships(member_id=me.id, active_only=True)
                if m.mentor_id == me.id and m.status is MentorshipStatus.ACTIVE
            ]
            pending = await store.list_offers(mentor_id=me.id, status=OfferStatus.PENDING)
            assert profile.places == Places(profile.capacity, len(active), len(pending))
            assert profile.places.taken + profile.places.held <= profile.capacity, "never over capacity"
            status = await bot.status(who(name))
            shown = {f.name: f.value for f in status.reply.fields}["Places"]
            assert shown == places_text(Places(profile.capacity, len(active), len(pending)), EN)


# ------------------------------------------------------------------------ rule 7: times where people live


async def test_deadlines_are_shown_in_the_recipients_zone_or_utc(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await bot.signup(who("baraka"), skills="seo", timezone="Africa/Nairobi")
    await bot.signup(who("dina"), skills="copywriting")
    await bot.set_language(who("dina"), language="sw")
    to_baraka = await bot.request(who("amina"), skills="seo")
    to_dina = await bot.request(who("chao"), skills="copywriting")
    expires = clock.now() + timedelta(hours=bot.settings.offer_ttl_hours)
    local = when(expires, EN, "Africa/Nairobi")
    assert local.endswith("(Africa/Nairobi)") and local in to(to_baraka, "baraka")[0].reply.plain_text
    sw = translator("sw")
    assert when(expires, sw) in to(to_dina, "dina")[0].reply.plain_text
    assert when(expires, sw).endswith("(saa za UTC)")
    status = await bot.status(who("baraka"))
    assert local in status.reply.plain_text
    mentee_view = await bot.status(who("amina", timezone="America/New_York"))
    assert when(expires, EN, "America/New_York") in mentee_view.reply.plain_text
