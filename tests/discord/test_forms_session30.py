"""The feedback form and the message it was opened from (real discord.py against the fake Discord).

Before: a form submitted from a DM was answered with a new ephemeral message and the DM kept its "Give feedback"
button; clicking it again opened the form, and what the member typed was thrown away with "already given".
Now the submission turns the message it came from into the outcome, buttons gone (as a click does), and the
button asks the core first (`MentorBot.feedback_form`, as the Slack adapter does): when nothing is left to give,
its answer is the click's and no form opens."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.replies import Outcome, Reply
from mentorbot_discord.client import MentorBotClient
from tests.discord.helpers import (
    COMMUNITY,
    GUILD_ID,
    MENTEE_USER_ID,
    MENTOR_USER_ID,
    SECOND_MENTOR_USER_ID,
    Members,
    buttons,
    message_text,
)
from tests.discord.test_feedback import _open_form, matched
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.discord_models import CALLBACK_MODAL, CALLBACK_UPDATE_MESSAGE, JSON

EN = translator("en")
FEEDBACK = f"mentorbot:feedback.open:1:{GUILD_ID}"
END = f"mentorbot:checkin.end:1:{GUILD_ID}"


async def _ended_notice(members: Members) -> dict[str, JSON]:
    """Mentorship #1 ended by the mentee with a rating: the mentor's DM asking for theirs."""
    await matched(members)
    await members.slash("mentor end", {"rating": 4})
    notice = (await members.dms(MENTOR_USER_ID, count=3))[-1]
    assert [b["custom_id"] for b in buttons(notice)] == [FEEDBACK]
    return notice


async def _submit(
    world: FakeDiscord, members: Members, form: str, values: dict[str, str], message: dict[str, JSON], user: int
) -> None:
    """`user` submits the form `form` opened from `message` (Discord sends that message with the submission)."""
    record = await world.push_interaction(
        world.build.modal_submit(form, values, message=message, user_id=user, dm=True)
    )
    await members.shown(record)


async def test_the_dm_a_form_came_from_turns_into_the_outcome(
    world: FakeDiscord, members: Members, bot: MentorBot
) -> None:
    notice = await _ended_notice(members)
    form = await _open_form(world, notice, FEEDBACK, MENTOR_USER_ID)
    await _submit(world, members, form, {"rating": "5", "comment": "A pleasure"}, notice, MENTOR_USER_ID)

    now = world.messages[int(notice["id"])]
    assert message_text(now) == "Thank you! Your feedback on mentorship #1 is recorded."
    assert buttons(now) == [], "the button that would open the form again is gone"
    given = sorted((f.rating, f.comment) for f in await bot.store.list_feedback(COMMUNITY))
    assert given == [(4, None), (5, "A pleasure")]


async def test_the_checkin_a_form_ended_turns_into_the_outcome(
    world: FakeDiscord, members: Members, clock: ManualClock
) -> None:
    await matched(members)
    clock.advance(timedelta(days=14, minutes=1))
    assert await members.client.run_due_jobs() == 2
    checkin = (await members.dms(MENTEE_USER_ID, count=2))[-1]
    form = await _open_form(world, checkin, END, MENTEE_USER_ID)
    await _submit(world, members, form, {"rating": "5"}, checkin, MENTEE_USER_ID)

    now = world.messages[int(checkin["id"])]
    assert message_text(now) == "Mentorship #1 has ended. Thank you!" and buttons(now) == []


async def test_a_refused_form_leaves_the_dm_and_its_button(world: FakeDiscord, members: Members) -> None:
    notice = await _ended_notice(members)
    form = await _open_form(world, notice, FEEDBACK, MENTOR_USER_ID)
    record = await world.push_interaction(
        world.build.modal_submit(form, {"rating": "9"}, message=notice, user_id=MENTOR_USER_ID, dm=True)
    )
    shown = await members.shown(record)
    assert shown.all_ephemeral and "1 to 5" in shown.text, shown.text
    now = world.messages[int(notice["id"])]
    assert [b["custom_id"] for b in buttons(now)] == [FEEDBACK], "the member can still give their feedback"


async def test_the_button_of_feedback_given_opens_no_form(world: FakeDiscord, members: Members, bot: MentorBot) -> None:
    """The feedback given by command: the DM's old button answers "already given" in place of a form."""
    notice = await _ended_notice(members)
    await members.slash("mentor feedback", {"mentorship": 1, "rating": 5}, user=MENTOR_USER_ID)

    clicked = await members.click(notice, FEEDBACK, user=MENTOR_USER_ID, dm=True)
    assert clicked.callback_type == CALLBACK_UPDATE_MESSAGE, "no modal whose input would be thrown away"
    now = world.messages[int(notice["id"])]
    assert message_text(now) == EN("feedback.already", id=1) and buttons(now) == []
    assert len(await bot.store.list_feedback(COMMUNITY)) == 2


async def test_the_checkin_of_a_mentorship_ended_and_rated_by_command_offers_no_form_again(
    world: FakeDiscord, members: Members, clock: ManualClock
) -> None:
    """Ended and rated by the typed command: the check-in's DM (keyed ``checkin:1``) is edited into the answer, its
    End and give feedback button gone, so no form can be opened from it to be refused afterwards."""
    await matched(members)
    clock.advance(timedelta(days=14, minutes=1))
    assert await members.client.run_due_jobs() == 2
    checkin = (await members.dms(MENTEE_USER_ID, count=2))[-1]
    assert END in [b["custom_id"] for b in buttons(checkin)]
    await members.slash("mentor end", {"rating": 4})

    now = world.messages[int(checkin["id"])]
    assert message_text(now) == EN("end.done", id=1) and buttons(now) == []


async def test_someone_elses_button_is_refused_to_them_alone(world: FakeDiscord, members: Members) -> None:
    notice = await _ended_notice(members)
    await members.slash("mentor status", user=SECOND_MENTOR_USER_ID)  # a member, not of mentorship #1
    clicked = await members.click(notice, FEEDBACK, user=SECOND_MENTOR_USER_ID, dm=True)
    assert clicked.callback_type != CALLBACK_MODAL and clicked.all_ephemeral
    assert [b["custom_id"] for b in buttons(world.messages[int(notice["id"])])] == [FEEDBACK]


async def test_the_form_opens_while_feedback_is_still_to_give_and_held_notices_stay(
    world: FakeDiscord, members: Members, bot: MentorBot
) -> None:
    """Asking the core takes the member's held notices with its answer: when the form opens (it cannot show
    them), they are held again for the member's next command."""
    notice = await _ended_notice(members)
    assert await bot.hold_again(COMMUNITY, str(MENTOR_USER_ID), [Reply("A notice held for you")]) == 1
    await _open_form(world, notice, FEEDBACK, MENTOR_USER_ID)
    shown = await members.slash("mentor status", user=MENTOR_USER_ID)
    assert any("A notice held for you" in text for text in shown.texts), shown.texts


async def test_a_slow_core_does_not_keep_the_form_from_opening(
    world: FakeDiscord, members: Members, bot: MentorBot, client: MentorBotClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A modal can only be the interaction's first answer: a core still busy at the deadline does not hold it up."""
    notice = await _ended_notice(members)
    ask = bot.feedback_form

    async def slow(caller: Caller, *, mentorship_id: str | int) -> Outcome:
        await asyncio.sleep(0.3)
        return await ask(caller, mentorship_id=mentorship_id)

    monkeypatch.setattr(bot, "feedback_form", slow)
    monkeypatch.setattr(client, "defer_after", 0.05)
    form = await _open_form(world, notice, FEEDBACK, MENTOR_USER_ID)
    await _submit(world, members, form, {"rating": "3"}, notice, MENTOR_USER_ID)
    assert message_text(world.messages[int(notice["id"])]) == "Thank you! Your feedback on mentorship #1 is recorded."
