"""Session 44 (admin-honesty hunt): what an admin's match and pause answer is what happened. Both engines.

1. A mentor paused as unreachable (the platform refuses his direct messages for good, `usecases.unreachable`): a
   match refused for his pause says the bot can't reach him and what he must do; a forced match is made (the admin
   overrode the pause knowingly, and may reach him another way) and its reply says the member was introduced but he
   could not be told: his introduction waits for his next command. Before: "Baraka is paused" and "both have been
   introduced".
2. `/mentor-admin pause` of a mentor paused as unreachable changes nothing and tells nobody (he can't be told), as for
   one who left: the reason `unreachable`, and with it the instruction his status gives (let MentorBot send him
   direct messages), stays. Before: "Baraka is paused and has been told.", the reason overwritten with `admin`.
3. A relative pause end (`until:3d`) is on the minute, as every date is shown: two admins pausing the same mentor
   `until:3d` seconds apart make the same pause, so the mentor is told once and the second admin "already paused
   like this". Before: the ends differed by seconds, the mentor got the same DM twice.
4. An admin's match that withdraws the mentor's pending offer of the member's other request says so, with what
   became of that request (as a pause counts its withdrawn offers). Before: not a word.
5. An admin who matches or pauses themself is answered in the first person and gets no DM about their own action
   (as `/mentor-admin end` since session 35): a match's answer is their introduction; a pause of themself is their
   own `/mentor pause`. Before: "An admin has matched you…" / "An admin has paused your mentor profile…" DMs, and
   third-person replies.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.inputs import parse_until
from mentorbot.models import MentorStatus, OfferStatus, RequestStatus
from mentorbot.replies import Notification
from tests.usecases.conftest import COMMUNITY, offer_id, to

Who = Callable[..., Caller]
EN = translator("en")
SW = translator("sw")


async def _id(bot: MentorBot, name: str) -> int:
    member = await bot.store.find_member(COMMUNITY, f"U-{name}")
    assert member is not None
    return member.id


async def _unreachable_baraka(bot: MentorBot, who: Who) -> None:
    """Baraka, offered Amina's request #1, whose offer DM the platform refuses for good: paused as unreachable."""
    await bot.admin_stats(who("admin"))
    await bot.signup(who("baraka"), skills="seo", capacity=2)
    out = await bot.request(who("amina"), skills="seo")
    for note in to(out, "baraka"):
        await bot.hold_undelivered(note, refused=True)
    profile = await bot.store.get_mentor_profile(await _id(bot, "baraka"))
    assert profile is not None and profile.status is MentorStatus.PAUSED and profile.pause_reason == "unreachable"


def _introductions(notes: list[Notification]) -> list[Notification]:
    return [n for n in notes if (n.key or "").startswith("mentorship:")]


# 1 ------------------------------------------------------------------------------------------------------------
async def test_a_match_refused_for_an_unreachable_mentor_says_the_bot_cannot_reach_him(
    bot: MentorBot, who: Who
) -> None:
    await _unreachable_baraka(bot, who)

    refused = await bot.admin_match(who("admin"), request_id=1, mentor="baraka")

    assert refused.error is not None
    reason = EN("admin_match.reason_unreachable", name="Baraka")
    assert refused.reply.text == EN("admin.refused", id=1, name="Baraka", reasons=reason)
    assert "can't reach" in reason and "/mentor resume" in reason
    assert EN("admin.reason_paused", name="Baraka") + ". See" not in refused.reply.text, "not a pause alone"
    assert await bot.store.list_mentorships(community=COMMUNITY) == []


async def test_a_forced_match_with_an_unreachable_mentor_says_he_could_not_be_told(bot: MentorBot, who: Who) -> None:
    await _unreachable_baraka(bot, who)

    forced = await bot.admin_match(who("admin"), request_id=1, mentor="baraka", force=True)

    assert forced.error is None, forced.reply.text
    [ms] = await bot.store.list_mentorships(community=COMMUNITY)
    assert ms.forced == ("paused",)
    label = EN("admin_match.forced_unreachable")
    assert forced.reply.text == " ".join(
        [
            EN(
                "admin_match.matched_forced_unreachable",
                id=1,
                mentor="Baraka",
                mentorship=ms.id,
                forced=label,
                mentee="Amina",
            ),
            EN("admin_match.unreachable_told", mentor="Baraka"),
        ]
    )
    assert "both have been introduced" not in forced.reply.text
    assert "could not be told" in forced.reply.text and "next MentorBot command" in forced.reply.text
    # What the reply says is what happens: Amina is introduced; Baraka's introduction, refused, waits for his command.
    assert len(_introductions(to(forced, "amina"))) == 1
    [intro] = _introductions(to(forced, "baraka"))
    await bot.hold_undelivered(intro, refused=True)
    later = await bot.status(who("baraka"))
    assert any(r.text == intro.reply.text for r in later.held), "the introduction is shown with his next command"


# 2 ------------------------------------------------------------------------------------------------------------
async def test_an_admin_pause_of_an_unreachable_mentor_keeps_the_reason_and_tells_nobody(
    bot: MentorBot, who: Who
) -> None:
    await _unreachable_baraka(bot, who)
    before = (await bot.status(who("baraka"))).reply

    for until in (None, "3d"):
        paused = await bot.admin_pause(who("admin"), mentor="baraka", until=until)

        assert paused.reply.text == EN("admin_pause.unreachable", name="Baraka")
        assert "has been told" not in paused.reply.text and "can't reach" in paused.reply.text
        assert to(paused, "baraka") == [], "he can't be told: nothing is sent"
        profile = await bot.store.get_mentor_profile(await _id(bot, "baraka"))
        assert profile is not None
        assert (profile.status, profile.pause_reason, profile.paused_until) == (
            MentorStatus.PAUSED,
            "unreachable",
            None,
        )
    after = (await bot.status(who("baraka"))).reply
    assert [f.value for f in after.fields] == [f.value for f in before.fields], "his status still says how to fix it"


# 3 ------------------------------------------------------------------------------------------------------------
def test_a_relative_pause_end_on_the_minute_a_typed_time_as_typed() -> None:
    now = datetime(2026, 1, 5, 9, 0, 25, 123456, tzinfo=UTC)
    assert parse_until("3d", now, on_the_minute=True) == datetime(2026, 1, 8, 9, 0, tzinfo=UTC)
    assert parse_until("+12h", now, "Africa/Nairobi", on_the_minute=True) == datetime(2026, 1, 5, 21, 0, tzinfo=UTC)
    assert parse_until("1m", now, on_the_minute=True) == datetime(2026, 1, 5, 9, 1, tzinfo=UTC), "still after now"
    typed = parse_until("2026-01-06T10:00:30", now, on_the_minute=True)
    assert typed == datetime(2026, 1, 6, 10, 0, 30, tzinfo=UTC), "as typed"
    assert parse_until("3d", now) == now + timedelta(days=3), "a member's own pause: that much time, as before"


async def test_two_admins_pausing_until_3d_seconds_apart_tell_the_mentor_once(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await bot.admin_stats(who("admin"))
    await bot.admin_stats(who("admin2", is_admin=True))
    await bot.signup(who("baraka"), skills="seo", capacity=3)
    clock.advance(timedelta(seconds=20))

    first = await bot.admin_pause(who("admin"), mentor="baraka", until="3d")
    clock.advance(timedelta(seconds=5))
    second = await bot.admin_pause(who("admin2", is_admin=True), mentor="baraka", until="3d")

    assert first.reply.text == EN("admin.paused_until", name="Baraka", until="2026-01-08 09:00 UTC")
    assert second.reply.text == EN("admin.already_paused", name="Baraka")
    assert len(to(first, "baraka")) == 1 and to(second, "baraka") == []
    profile = await bot.store.get_mentor_profile(await _id(bot, "baraka"))
    assert profile is not None and profile.paused_until == datetime(2026, 1, 8, 9, 0, tzinfo=UTC), "stored as shown"


# 4 ------------------------------------------------------------------------------------------------------------
async def test_a_match_reply_names_the_mentors_withdrawn_offer_of_the_members_other_request(
    bot: MentorBot, who: Who
) -> None:
    await bot.admin_stats(who("admin"))
    await bot.signup(who("baraka"), skills="seo, copywriting", capacity=3)
    await bot.request(who("amina"), skills="seo")
    await bot.request(who("amina"), skills="copywriting")

    matched = await bot.admin_match(who("admin"), request_id=1, mentor="baraka")

    offers = {o.request_id: o for o in await bot.store.list_offers(mentor_id=await _id(bot, "baraka"))}
    assert offers[2].status is OfferStatus.WITHDRAWN
    [r2] = [r for r in await bot.store.list_requests(COMMUNITY, list(RequestStatus)) if r.id == 2]
    assert r2.status is RequestStatus.WAITING
    withdrawn = EN(
        "admin_match.mentoring_withdrawn",
        count=1,
        mentor="Baraka",
        offers=EN("admin_match.mentoring_offer", offer=offers[2].id, id=2),
        outcomes=EN("admin_pause.waiting", count=1),
    )
    assert matched.reply.text == EN("admin.matched", id=1, mentor="Baraka", mentorship=1) + " " + withdrawn
    assert "offer #2 of request #2" in matched.reply.text
    sw = SW("admin_match.mentoring_withdrawn", count=2, mentor="Baraka", offers="ofa #2", outcomes="-")
    assert "Baraka" in sw and "2" in sw


# 5 ------------------------------------------------------------------------------------------------------------
def _third_person(notes: list[Notification]) -> list[str]:
    return [n.reply.text for n in notes if "an admin has" in n.reply.text.lower()]


async def test_an_admin_matching_a_request_to_themself_gets_their_introduction_as_the_answer(
    bot: MentorBot, who: Who
) -> None:
    await bot.signup(who("admin"), skills="seo", capacity=2)
    offered = await bot.request(who("amina"), skills="seo")
    [offer] = [n for n in to(offered, "admin") if n.key and n.key.startswith("offer:")]

    matched = await bot.admin_match(who("admin"), request_id=1, mentor="admin")

    assert matched.error is None, matched.reply.text
    mention = "<@U-amina>"
    assert matched.reply.text == EN("admin_match.own_mentor", id=1, other=mention, mentorship=1)
    assert matched.reply.title == EN("intro.title")
    assert matched.reply.fields, "the introduction's skills and courses"
    mine = to(matched, "admin")
    assert _introductions(mine) == [] and _third_person(mine) == [], [n.reply.text for n in mine]
    # The offer the admin held of this very request loses its buttons, in their words, under its key.
    [edit] = mine
    assert edit.key == offer.key
    assert edit.reply.text == EN("admin_match.own_offer", id=offer_id(offer), mentorship=1)
    assert not edit.reply.buttons
    [intro] = _introductions(to(matched, "amina"))
    assert intro.reply.text.startswith("An admin has matched you with"), "the mentee was matched by an admin"


async def test_an_admin_matching_themself_with_force_and_a_withdrawn_offer_says_it_in_the_first_person(
    bot: MentorBot, who: Who
) -> None:
    await bot.signup(who("admin"), skills="seo", capacity=3)
    await bot.request(who("amina"), skills="copywriting")  # #1: waits, nobody offers it
    offered = await bot.request(who("amina"), skills="seo")  # #2: offered to the admin
    [offer] = [n for n in to(offered, "admin") if n.key and n.key.startswith("offer:")]

    matched = await bot.admin_match(who("admin"), request_id=1, mentor="admin", force=True)

    assert matched.error is None, matched.reply.text
    withdrawn = EN(
        "admin_match.own_mentoring_withdrawn",
        count=1,
        offers=EN("admin_match.mentoring_offer", offer=offer_id(offer), id=2),
        outcomes=EN("admin_pause.waiting", count=1),
    )
    assert matched.reply.text == " ".join(
        [
            EN("admin_match.own_mentor", id=1, other="<@U-amina>", mentorship=1),
            EN("admin_match.own_forced", forced=EN("admin.forced_skill")),
            withdrawn,
        ]
    )
    mine = to(matched, "admin")
    assert _introductions(mine) == [] and _third_person(mine) == [], [n.reply.text for n in mine]
    assert [n.key for n in mine] == [offer.key], "only the withdrawn offer's message, in the second person"


async def test_an_admin_matching_their_own_request_gets_the_introduction_as_the_answer(
    bot: MentorBot, who: Who
) -> None:
    await bot.signup(who("baraka"), skills="seo, copywriting", capacity=3)
    await bot.request(who("admin", is_admin=True), skills="seo")
    await bot.request(who("admin", is_admin=True), skills="copywriting")

    matched = await bot.admin_match(who("admin"), request_id=1, mentor="baraka")

    assert matched.error is None, matched.reply.text
    offers = {o.request_id: o for o in await bot.store.list_offers(mentor_id=await _id(bot, "baraka"))}
    withdrawn = EN(
        "admin_match.own_mentee_withdrawn",
        count=1,
        mentor="Baraka",
        offers=EN("admin_match.mentoring_offer", offer=offers[2].id, id=2),
        outcomes=EN("admin_pause.waiting", count=1),
    )
    assert matched.reply.text == " ".join(
        [
            EN("admin_match.own_mentee", id=1, other="<@U-baraka>", mentorship=1),
            EN("admin_match.introduced_mentor"),
            withdrawn,
        ]
    )
    assert matched.reply.title == EN("intro.title")
    mine = to(matched, "admin")
    assert _introductions(mine) == [] and _third_person(mine) == [], [n.reply.text for n in mine]
    [intro] = _introductions(to(matched, "baraka"))
    assert intro.reply.text.startswith("An admin has matched you with")


async def test_an_admin_pausing_themself_pauses_as_their_own_pause_does(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("admin"), skills="seo", capacity=2)
    offered = await bot.request(who("amina"), skills="seo")
    [offer] = [n for n in to(offered, "admin") if n.key and n.key.startswith("offer:")]

    paused = await bot.admin_pause(who("admin"), mentor="admin")

    assert paused.error is None
    assert paused.reply.text.startswith(EN("pause.done") + "\n" + EN("pause.withdrawn", count=1))
    assert "has been told" not in paused.reply.text
    mine = to(paused, "admin")
    assert _third_person(mine) == [], [n.reply.text for n in mine]
    assert [n.key for n in mine] == [offer.key], "only the offer's message, which loses its buttons"
    profile = await bot.store.get_mentor_profile(await _id(bot, "admin"))
    assert profile is not None and (profile.status, profile.pause_reason) == (MentorStatus.PAUSED, None)

    dated = await bot.admin_pause(who("admin"), mentor="admin", until="3d")
    assert dated.reply.text.startswith(EN("pause.done_until", until="2026-01-08 09:00 UTC"))
    assert to(dated, "admin") == []


# ------------------------------------------------------------------ 6. an admin's end is in the export


async def test_an_admins_end_is_recorded_in_the_mentorships_export(bot: MentorBot, who: Who) -> None:
    """`mentorships.csv`'s `ended_by_admin` names the admin who ended a mentorship (migration 0031,
    `admin_ended_mentorships`), as `matched_by_admin` the one who matched it; empty when a party ended it (before:
    the two rows were the same but for their ids)."""
    await bot.signup(who("baraka"), skills="seo", capacity="3")
    for mentee in ("amina", "zuri"):
        await bot.request(who(mentee), skills="seo")
    for offer in await bot.store.list_offers():
        await bot.accept(who("baraka"), offer_id=offer.id)
    [first, second] = sorted(m.id for m in await bot.store.list_mentorships(active_only=True))
    await bot.admin_end(who("admin"), mentorship_id=first)
    await bot.end(who("zuri"), mentorship_id=second)
    columns, rows = await bot.store.export_table("mentorships", COMMUNITY)
    assert columns[-1] == "ended_by_admin", "a new column last: files read by position keep theirs"
    assert {r["id"]: r["ended_by_admin"] for r in rows} == {first: await _id(bot, "admin"), second: None}
