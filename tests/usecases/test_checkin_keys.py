"""A check-in's buttons go when its mentorship ends, and a late "end" is feedback (both engines).

Before: the check-in DM (Going well / End and give feedback / Need help) had no key, nor had the notice that the
mentorship ended, so nothing could edit the check-in: once one side (or an admin) ended the mentorship, the other
side's check-in kept three live buttons for ever, and a held one came back with them. Now each party's check-in
is ``checkin:<mentorship>`` and the end writes a newer version of that key for each: the check-in is edited into
the end (its buttons gone), or, held or not delivered yet, replaced by the end notice.

Before too: ending a mentorship that had ended already with a comment and no rating, after rating it, answered
"your feedback is recorded" and dropped the comment; after a comment left already, it dropped the new one and
asked for the rating. Now a comment that cannot be kept is said so, never dropped in silence.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.replies import Notification, Reply, reply_from_json
from mentorbot.storage.store import Store
from tests.usecases.conftest import COMMUNITY, offer_id, to

Who = Callable[..., Caller]
EN = translator("en")
CHECKIN_BUTTONS = {"checkin.ok", "checkin.end", "checkin.help"}


async def matched(bot: MentorBot, who: Who) -> None:
    """Mentorship #1: Baraka mentors Amina."""
    await bot.signup(who("baraka"), skills="seo", capacity=3)
    offered = await bot.request(who("amina"), skills="seo")
    await bot.accept(who("baraka"), offer_id=offer_id(to(offered, "baraka")[0]))


async def checkins(bot: MentorBot, clock: ManualClock) -> dict[str, Notification]:
    """Run the check-in timer: each party's check-in, by name."""
    clock.advance(timedelta(days=15))
    notes = await bot.run_due_jobs()
    found = {n.platform_user_id.removeprefix("U-"): n for n in notes if n.reply.title == EN("checkin.title")}
    assert set(found) == {"amina", "baraka"}
    for note in found.values():
        assert note.key == "checkin:1", "each party's check-in is keyed, so its end can edit it"
        assert {b.action for b in note.reply.buttons} == CHECKIN_BUTTONS
    return found


async def posted(bot: MentorBot, clock: ManualClock, notes: dict[str, Notification]) -> None:
    """What an adapter does with a keyed DM it posted: where it is recorded, and it is marked delivered."""
    for n, note in enumerate(notes.values()):
        assert note.key is not None
        await bot.store.remember_message(COMMUNITY, note.platform_user_id, note.key, f"D{n}:1", clock.now())
    await bot.delivered(list(notes.values()))


async def member_id(store: Store, name: str) -> int:
    member = await store.find_member(COMMUNITY, f"U-{name}")
    assert member is not None
    return member.id


async def newest(store: Store, name: str, key: str) -> tuple[Reply, str]:
    """The newest version of `name`'s message `key` in the outbox, with its state."""
    owner = await member_id(store, name)  # before the read: SQLite has one reader at a time here
    async with store.read() as conn:
        row = await conn.fetch_one(
            "SELECT payload, status FROM outbox WHERE member_id = ? AND message_key = ? ORDER BY id DESC LIMIT 1",
            owner,
            key,
        )
    assert row is not None
    return reply_from_json(str(row["payload"])), str(row["status"])


async def statuses(store: Store, name: str, key: str) -> list[str]:
    owner = await member_id(store, name)
    async with store.read() as conn:
        rows = await conn.fetch_all(
            "SELECT status FROM outbox WHERE member_id = ? AND message_key = ? ORDER BY id", owner, key
        )
    return [str(r["status"]) for r in rows]


def live_checkin_buttons(reply: Reply) -> set[str]:
    return {b.action for b in reply.buttons} & CHECKIN_BUTTONS


# ------------------------------------------------------------------------------- the check-in's buttons go


async def test_ending_edits_both_posted_checkins_and_still_tells_the_other_side(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await matched(bot, who)
    await posted(bot, clock, await checkins(bot, clock))
    ended = await bot.end(who("amina"), mentorship_id=1, rating="5")
    assert ended.error is None and ended.reply.text == EN("end.done", id=1)

    # Baraka: his check-in is edited into the end, buttons gone; the notice itself comes as a message of its own
    # (an edit makes no sound), with its feedback button.
    edit, notice = to(ended, "baraka")
    assert edit.key == "checkin:1" and edit.reply == Reply(EN("end.notice", id=1))
    assert notice.key is None and "ended by your partner" in notice.reply.text
    assert [b.action for b in notice.reply.buttons] == ["feedback.open"]
    # Amina, who ended it: her check-in turns into her answer.
    [own] = to(ended, "amina")
    assert own.key == "checkin:1" and own.reply == ended.reply
    for name in ("amina", "baraka"):
        version, _ = await newest(bot.store, name, "checkin:1")
        assert version.buttons == (), f"{name}'s check-in keeps no button"

    # A later click on an old copy of the check-in still answers sensibly.
    late = await bot.checkin(who("baraka"), mentorship_id=1, answer="ok")
    assert late.reply.text == EN("end.already_ended_ask", id=1)


async def test_an_admin_end_replaces_both_checkins_with_the_notice(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await bot.admin_stats(who("admin"))
    await matched(bot, who)
    sent = await checkins(bot, clock)
    await bot.delivered(list(sent.values()))  # delivered where no edit is possible (the console: no location)
    ended = await bot.admin_end(who("admin"), mentorship_id=1)
    for name in ("amina", "baraka"):
        [notice] = to(ended, name)
        assert notice.key == "checkin:1" and "ended by an admin" in notice.reply.text
        version, _ = await newest(bot.store, name, "checkin:1")
        assert not live_checkin_buttons(version) and [b.action for b in version.buttons] == ["feedback.open"]
    assert to(ended, "admin") == []


async def test_an_end_before_the_checkin_sends_the_notice_as_before(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await matched(bot, who)
    ended = await bot.end(who("baraka"), mentorship_id=1, rating="4")
    [notice] = to(ended, "amina")
    assert notice.key is None and "ended by your partner" in notice.reply.text
    assert to(ended, "baraka") == [], "no check-in to update, no copy of the answer"
    clock.advance(timedelta(days=15))
    assert [n for n in await bot.run_due_jobs() if n.key == "checkin:1"] == [], "no check-in once it has ended"


async def test_a_held_checkin_is_superseded_by_the_end(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await matched(bot, who)
    sent = await checkins(bot, clock)
    await bot.hold_undelivered(sent["baraka"])  # Baraka's DMs are closed: his check-in waits for his next command
    await posted(bot, clock, {"amina": sent["amina"]})
    ended = await bot.end(who("amina"), mentorship_id=1, rating="5")
    [notice] = to(ended, "baraka")
    assert notice.key == "checkin:1" and [b.action for b in notice.reply.buttons] == ["feedback.open"]
    assert await statuses(bot.store, "baraka", "checkin:1") == ["superseded", "pending"]
    await bot.hold_undelivered(notice)  # his DMs are still closed
    await bot.delivered([notice])
    held = (await bot.status(who("baraka"))).held
    assert held == (notice.reply,), "only the end notice: the check-in never comes back with live buttons"


async def test_the_ender_s_own_pending_checkin_is_replaced(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    # The check-ins were written but not delivered yet (a retry is due later): the ender's is replaced by the
    # answer, shown beside it now, so it is never delivered with live buttons after the end.
    await matched(bot, who)
    await checkins(bot, clock)
    ended = await bot.end(who("baraka"), mentorship_id=1)
    assert to(ended, "baraka") == [] and ended.held == (ended.reply,)
    assert [b.action for b in ended.reply.buttons] == ["feedback.open"], "no rating given: still asked for"
    assert await statuses(bot.store, "baraka", "checkin:1") == ["superseded", "delivered"]
    assert await statuses(bot.store, "amina", "checkin:1") == ["superseded", "pending"]
    for name in ("amina", "baraka"):
        version, _ = await newest(bot.store, name, "checkin:1")
        assert not live_checkin_buttons(version)


async def test_the_ender_s_own_held_checkin_does_not_come_back_with_their_answer(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    # Amina's DMs are closed: her check-in waits for her next command, which is the end itself.
    await matched(bot, who)
    sent = await checkins(bot, clock)
    await bot.hold_undelivered(sent["amina"])
    await posted(bot, clock, {"baraka": sent["baraka"]})
    ended = await bot.end(who("amina"), mentorship_id=1, rating="5")
    assert ended.reply.text == EN("end.done", id=1)
    assert ended.held == (ended.reply,), "the check-in's new version, not the check-in with its live buttons"
    assert await statuses(bot.store, "amina", "checkin:1") == ["superseded", "delivered"]
    assert (await bot.status(who("amina"))).held == ()


async def test_forgetting_a_mentee_takes_the_buttons_off_the_mentor_s_checkin(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await matched(bot, who)
    await posted(bot, clock, await checkins(bot, clock))
    gone = await bot.forget(who("amina"), confirm=True)
    edit, notice = to(gone, "baraka")
    assert edit.key == "checkin:1" and edit.reply.buttons == ()
    assert notice.key is None and [b.action for b in notice.reply.buttons] == ["feedback.open"]


async def test_forgetting_a_mentor_takes_the_buttons_off_the_mentee_s_checkin(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """The mentor's forget ends the mentorship too (usecases.privacy.mentor_left): the mentee's check-in loses its
    buttons, and the notice (their mentor left, where their request stands, Give feedback) comes on its own."""
    await matched(bot, who)
    await posted(bot, clock, await checkins(bot, clock))
    gone = await bot.forget(who("baraka"), confirm=True)
    edit, notice = [n for n in to(gone, "amina") if n.key in ("checkin:1", None)][:2]
    assert edit.key == "checkin:1" and live_checkin_buttons(edit.reply) == set()
    assert notice.key is None and EN("end.mentor_left", id=1) in notice.reply.text
    assert [b.action for b in notice.reply.buttons] == ["feedback.open"]


# ------------------------------------------------------------------------------- a late end is feedback


async def test_a_late_end_with_a_comment_after_the_rating_says_it_was_given_once(bot: MentorBot, who: Who) -> None:
    await matched(bot, who)
    await bot.end(who("amina"), mentorship_id=1, rating="5")
    await bot.feedback(who("baraka"), mentorship_id=1, rating="4")
    late = await bot.end(who("baraka"), mentorship_id=1, comment="more words")
    assert late.error is None and late.reply.text == EN("feedback.already", id=1)
    rows = sorted((f.rating, f.comment) for f in await bot.store.list_feedback(COMMUNITY))
    assert rows == [(4, None), (5, None)]


async def test_a_late_end_with_a_comment_is_kept_once_and_a_second_is_refused(bot: MentorBot, who: Who) -> None:
    await matched(bot, who)
    await bot.end(who("amina"), mentorship_id=1, rating="5")
    first = await bot.end(who("baraka"), mentorship_id=1, comment="first thoughts")
    assert first.error is None and first.reply.text == EN("end.comment_kept", id=1), "kept, rating asked for"
    second = await bot.end(who("baraka"), mentorship_id=1, comment="second thoughts")
    assert second.error is not None and second.reply.text == EN("feedback.rating_required", id=1)
    baraka = await member_id(bot.store, "baraka")
    [kept] = [f for f in await bot.store.list_feedback(COMMUNITY) if f.author_id == baraka]
    assert (kept.rating, kept.comment) == (None, "first thoughts")
    form = await bot.feedback_form(who("baraka"), mentorship_id=1)
    assert form.reply.text == EN("feedback.form", id=1), "the rating is still to give: the form opens"
    rated = await bot.end(who("baraka"), mentorship_id=1, rating="4", comment="second thoughts")
    assert rated.reply.text == EN("feedback.thanks", id=1)
    [kept] = [f for f in await bot.store.list_feedback(COMMUNITY) if f.author_id == baraka]
    assert (kept.rating, kept.comment) == (4, "second thoughts")
    again = await bot.end(who("baraka"), mentorship_id=1, rating="1")
    assert again.reply.text == EN("feedback.already", id=1)


async def test_a_late_end_of_one_s_own_ended_mentorship_is_feedback_too(bot: MentorBot, who: Who) -> None:
    await matched(bot, who)
    await bot.end(who("amina"), mentorship_id=1)
    rated = await bot.end(who("amina"), mentorship_id=1, rating="3", comment="a late form")
    assert rated.reply.text == EN("feedback.thanks", id=1)
    amina = await member_id(bot.store, "amina")
    assert [(f.rating, f.comment) for f in await bot.store.list_feedback(COMMUNITY) if f.author_id == amina] == [
        (3, "a late form")
    ]
