"""A member reported gone (`MentorBot.member_left`) who comes back: any command or click of theirs in the community,
or the platform saying they are a member again (`MentorBot.member_back`: Slack's ``user_change`` with ``deleted:
false``), clears their departure markers (`usecases.returns.came_back`), tells each partner once that they are
back, and lets the mentorship's check-in go out (one skipped while they were gone goes out once they are back). A
mentor paused as one who left stays paused until they resume. On both engines.

Before: the marker that a partner was told of the departure was kept while the mentorship was active, so the
mentorship never got its check-in, the partner was never told the member was back, and a second departure later was
told to nobody (the marker said "told already")."""

from __future__ import annotations

from datetime import timedelta

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.models import MentorStatus
from mentorbot.replies import Notification
from tests.usecases.conftest import COMMUNITY, offer_id, to
from tests.usecases.test_departures_s32 import EN, Who, member_id

SW = translator("sw")


def checkins(notes: list[Notification]) -> list[str]:
    """Who got a check-in among `notes`."""
    return sorted(n.platform_user_id for n in notes if (n.key or "").startswith("checkin:"))


def texts(notes: list[Notification], name: str) -> list[str]:
    return [n.reply.text for n in to(notes, name)]


async def _mentorship(bot: MentorBot, who: Who, mentor: str = "baraka", mentee: str = "amina") -> int:
    """`mentor` mentors `mentee` (mentorship started now); its id."""
    await bot.signup(who(mentor), skills="seo", capacity="2")
    [offer] = to(await bot.request(who(mentee), skills="seo"), mentor)
    assert (await bot.accept(who(mentor), offer_id=offer_id(offer))).error is None
    [mentorship] = await bot.store.list_mentorships(member_id=await member_id(bot, mentee), active_only=True)
    return mentorship.id


async def test_a_mentee_back_by_a_command_gets_the_checkin_and_the_mentor_is_told_once(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Amina is reported gone (a kick, then re-invited) and uses the bot an hour later: Baraka is told she is back,
    once, and the check-in two weeks on goes to both."""
    mentorship = await _mentorship(bot, who)
    left = await bot.member_left(COMMUNITY, "U-amina")
    assert texts(left, "baraka")[0].splitlines()[0] == EN("left.your_mentee", id=mentorship, other="<@U-amina>")

    clock.advance(timedelta(hours=1))
    back = await bot.status(who("amina"))  # a read-only command
    assert back.error is None and "#1" in back.reply.plain_text
    assert texts(list(back.notifications), "baraka") == [EN("left.back.your_mentee", id=mentorship, other="<@U-amina>")]
    assert all(n.outbox_id is not None for n in back.notifications), "through the outbox, as every notice"
    again = await bot.status(who("amina"))
    assert again.notifications == (), "told once"

    clock.advance(timedelta(days=15))
    assert checkins(await bot.run_due_jobs()) == ["U-amina", "U-baraka"]


async def test_a_checkin_skipped_while_the_member_was_gone_goes_out_once_they_are_back(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """The check-in falls due while Amina is gone: none is sent, and it is not used up; it goes out (to both, once)
    as soon as she is back."""
    mentorship = await _mentorship(bot, who)
    await bot.member_left(COMMUNITY, "U-amina")
    clock.advance(timedelta(days=15))
    assert checkins(await bot.run_due_jobs()) == []
    skipped = await bot.store.get_mentorship(mentorship)
    assert skipped is not None and skipped.checkin_sent_at is None, "a check-in not sent is not recorded as sent"

    clock.advance(timedelta(days=3))
    back = await bot.request(who("amina"), skills="copywriting")  # a command that writes
    assert back.error is None
    assert texts(list(back.notifications), "baraka")[0] == EN(
        "left.back.your_mentee", id=mentorship, other="<@U-amina>"
    )
    clock.advance(timedelta(seconds=1))
    assert checkins(await bot.run_due_jobs()) == ["U-amina", "U-baraka"]
    clock.advance(timedelta(days=15))
    assert checkins(await bot.run_due_jobs()) == [], "once"


async def test_gone_back_and_gone_again_tells_the_partner_each_time(bot: MentorBot, who: Who) -> None:
    """Baraka, in Swahili, is told Amina left, that she is back, and that she left again."""
    mentorship = await _mentorship(bot, who)
    await bot.set_language(who("baraka"), language="sw")
    first = await bot.member_left(COMMUNITY, "U-amina")
    assert texts(first, "baraka")[0].splitlines()[0] == SW("left.your_mentee", id=mentorship, other="<@U-amina>")

    back = await bot.resume(who("amina"))  # not a mentor: refused, so nothing of it is kept
    assert back.error is not None and back.notifications == ()
    back = await bot.set_language(who("amina"), language="en")
    assert texts(list(back.notifications), "baraka") == [
        SW("left.back.your_mentee", id=mentorship, other="<@U-amina>")
    ], "in the partner's language"

    again = await bot.member_left(COMMUNITY, "U-amina")
    assert texts(again, "baraka")[0].splitlines()[0] == SW("left.your_mentee", id=mentorship, other="<@U-amina>")
    assert await bot.member_left(COMMUNITY, "U-amina") == [], "each departure told once"


async def test_a_mentor_back_stays_paused_until_they_resume_and_their_mentee_is_told(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Chao, a mentor, is reported gone (a Slack account deactivated by mistake) and is back two hours later: Zawadi
    is told; Chao is not resumed for him (the pause is his to end: an ordinary one once he is back, since session 36,
    no longer "left"), and `/mentor resume` works; the check-in goes out; a later departure is told to Zawadi
    again."""
    mentorship = await _mentorship(bot, who, mentor="chao", mentee="zawadi")
    await bot.member_left(COMMUNITY, "U-chao")
    clock.advance(timedelta(hours=2))

    seen = await bot.status(who("chao"))
    assert texts(list(seen.notifications), "zawadi") == [EN("left.back.your_mentor", id=mentorship, other="<@U-chao>")]
    profile = await bot.store.get_mentor_profile(await member_id(bot, "chao"))
    assert profile is not None and (profile.status, profile.pause_reason) == (MentorStatus.PAUSED, None)

    resumed = await bot.resume(who("chao"))
    assert resumed.error is None and resumed.reply.text == EN("resume.done")
    assert to(resumed, "zawadi") == [], "told once"
    profile = await bot.store.get_mentor_profile(await member_id(bot, "chao"))
    assert profile is not None and profile.status is MentorStatus.ACTIVE

    clock.advance(timedelta(days=15))
    assert checkins(await bot.run_due_jobs()) == ["U-chao", "U-zawadi"]
    again = await bot.member_left(COMMUNITY, "U-chao")
    assert texts(again, "zawadi")[0].splitlines()[0] == EN("left.your_mentor", id=mentorship, other="<@U-chao>")


async def test_the_platform_saying_a_member_is_back_tells_the_partner_and_keeps_their_name(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """`member_back` (Slack's account reactivated): the partner is told once, a check-in skipped meanwhile goes
    out; a new display name is stored (an admin's match by name finds the member by it); someone MentorBot never
    saw gets no row."""
    mentorship = await _mentorship(bot, who)
    await bot.member_left(COMMUNITY, "U-amina")
    clock.advance(timedelta(days=15))
    assert checkins(await bot.run_due_jobs()) == []

    back = await bot.member_back(COMMUNITY, "U-amina", "Amina")
    assert texts(back, "baraka") == [EN("left.back.your_mentee", id=mentorship, other="<@U-amina>")]
    assert all(n.outbox_id is not None for n in back)
    assert await bot.member_back(COMMUNITY, "U-amina", "Amina") == [], "told once"
    clock.advance(timedelta(seconds=1))
    assert checkins(await bot.run_due_jobs()) == ["U-amina", "U-baraka"]

    assert await bot.member_back(COMMUNITY, "U-amina", "Amina Achieng") == []
    renamed = await bot.store.find_member(COMMUNITY, "U-amina")
    assert renamed is not None and renamed.display_name == "Amina Achieng"
    found = await bot.store.find_member_by_name(COMMUNITY, "amina achieng")
    assert found is not None and found.id == renamed.id

    assert await bot.member_back(COMMUNITY, "U-nobody", "Nobody") == []
    assert await bot.store.find_member(COMMUNITY, "U-nobody") is None, "no member row made for a stranger"


async def test_a_member_never_gone_is_told_nothing_and_a_partner_who_left_keeps_the_checkin_back(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Baraka's commands (he never left) tell Amina nothing; while Amina is gone, no check-in goes to either."""
    await _mentorship(bot, who)
    await bot.member_left(COMMUNITY, "U-amina")
    seen = await bot.status(who("baraka"))
    assert seen.notifications == ()
    assert (await bot.member_back(COMMUNITY, "U-baraka", "Baraka")) == []
    clock.advance(timedelta(days=15))
    assert checkins(await bot.run_due_jobs()) == []


async def _event_ids(bot: MentorBot, prefix: str) -> list[str]:
    async with bot.store.read() as conn:
        rows = await conn.fetch_all(
            "SELECT event_id FROM processed_events WHERE substr(event_id, 1, ?) = ? ORDER BY event_id",
            len(prefix),
            prefix,
        )
    return [str(row["event_id"]) for row in rows]


async def test_a_marker_written_before_this_change_is_found_and_the_pruning_keeps_what_is_needed(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """A departure recorded by an earlier version (its marker, no row for its member): the pruning writes the
    member's row, so her return is noticed. Once the mentorship ends, the pruning drops both."""
    mentorship = await _mentorship(bot, who)
    await bot.member_left(COMMUNITY, "U-amina")
    amina = await member_id(bot, "amina")
    assert await _event_ids(bot, "departed:") == [f"departed:{amina}"]
    async with bot.store.unit_of_work():
        await bot.store.release_event(f"departed:{amina}")  # as an earlier version left it

    clock.advance(timedelta(days=2))
    await bot.run_due_jobs()  # prunes the processed events
    assert await _event_ids(bot, "departed:") == [f"departed:{amina}"]
    back = await bot.status(who("amina"))
    assert texts(list(back.notifications), "baraka") == [EN("left.back.your_mentee", id=mentorship, other="<@U-amina>")]
    assert await _event_ids(bot, "depart") == []

    await bot.member_left(COMMUNITY, "U-amina")
    assert (await bot.end(who("baraka"), mentorship_id=mentorship)).error is None
    clock.advance(timedelta(days=2))
    await bot.run_due_jobs()
    assert await _event_ids(bot, "depart") == [], "an ended mentorship's marker and its member's row are pruned"
