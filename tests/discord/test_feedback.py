"""Issue 13 rule 4 on Discord: the feedback button opens a modal whose submission is recorded once per person,
`/mentor feedback` does the same typed, and the check-in's buttons (going well, end and give feedback, ask an
admin) work from the DM, through the fake Discord's gateway and REST."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import NoReturn

import pytest

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.settings import Settings
from mentorbot.storage.database import DatabaseUnavailable
from mentorbot_discord.client import MentorBotClient
from tests.discord.helpers import (
    COORDINATOR_USER_ID,
    GUILD_ID,
    MENTEE_USER_ID,
    MENTOR_USER_ID,
    Members,
    buttons,
    message_text,
    new_client,
    sign_up_mentor,
)
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.discord_models import CALLBACK_MODAL, CALLBACK_UPDATE_MESSAGE, JSON

MENTEE = f"<@{MENTEE_USER_ID}>"
EN = translator("en")
SW = translator("sw")


async def matched(members: Members) -> None:
    """The mentor signs up, the mentee asks, the mentor accepts: mentorship #1."""
    await sign_up_mentor(members)
    await members.slash("mentor request", {"skills": "crisis comms"})
    [offer] = await members.dms(MENTOR_USER_ID)
    await members.click(offer, f"mentorbot:offer.accept:1:{GUILD_ID}", user=MENTOR_USER_ID, dm=True)


async def test_the_feedback_button_opens_a_modal_and_feedback_is_taken_once(
    world: FakeDiscord, members: Members, bot: MentorBot
) -> None:
    await matched(members)
    ended = await members.slash("mentor end", {"rating": 4})
    assert ended.texts == ["Mentorship #1 has ended. Thank you!"]
    notice = (await members.dms(MENTOR_USER_ID, count=3))[-1]
    button_id = f"mentorbot:feedback.open:1:{GUILD_ID}"
    assert [(b["label"], b["custom_id"]) for b in buttons(notice)] == [("Give feedback", button_id)]

    opened = await world.push_interaction(
        world.build.button(button_id, message=notice, user_id=MENTOR_USER_ID, dm=True)
    )
    assert (await opened.wait_callback()).type == CALLBACK_MODAL
    modal = opened.modal
    assert modal is not None and modal["title"] == "Feedback #1"
    assert modal["custom_id"] == f"mentorbot-form:feedback.open:1:{GUILD_ID}"

    submit = await world.push_interaction(
        world.build.modal_submit(
            str(modal["custom_id"]), {"rating": "5", "comment": "A pleasure"}, user_id=MENTOR_USER_ID, dm=True
        )
    )
    shown = await members.shown(submit)
    assert shown.texts == ["Thank you! Your feedback on mentorship #1 is recorded."] and shown.all_ephemeral

    again = await members.slash("mentor feedback", {"mentorship": 1, "rating": 2}, user=MENTOR_USER_ID)
    assert again.texts == ["You have already given feedback on mentorship #1, thank you. It can be given once."]
    given = sorted((f.rating, f.comment) for f in await bot.store.list_feedback(f"discord:{GUILD_ID}"))
    assert given == [(4, None), (5, "A pleasure")]


async def test_feedback_typed_without_a_number_rates_the_one_waiting(
    world: FakeDiscord, members: Members, bot: MentorBot
) -> None:
    """The mentorship option is optional, as the core's command is: the only ended mentorship still waiting for
    the member's rating is the one rated."""
    await matched(members)
    await members.slash("mentor end", {"rating": 4})
    rated = await members.slash("mentor feedback", {"rating": 5}, user=MENTOR_USER_ID)
    assert rated.texts == ["Thank you! Your feedback on mentorship #1 is recorded."]
    given = sorted(f.rating for f in await bot.store.list_feedback(f"discord:{GUILD_ID}"))
    assert given == [4, 5]


async def test_checkin_buttons_from_the_dm(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    await members.slash("mentor status", user=COORDINATOR_USER_ID)  # the admin (by settings) is a member here
    await matched(members)
    clock.advance(timedelta(days=14, minutes=1))
    assert await members.client.run_due_jobs() == 2
    checkin = (await members.dms(MENTEE_USER_ID, count=2))[-1]
    ids = [b["custom_id"] for b in buttons(checkin)]
    assert ids == [f"mentorbot:checkin.{a}:1:{GUILD_ID}" for a in ("ok", "end", "help")]
    assert [b["label"] for b in buttons(checkin)] == ["Going well", "End and give feedback", "Need help from an admin"]

    untouched = copy.deepcopy(checkin)  # each click turns its message into the answer, buttons gone
    well = await members.click(checkin, ids[0], user=MENTEE_USER_ID, dm=True)
    assert well.callback_type == CALLBACK_UPDATE_MESSAGE and well.text.endswith(
        "Glad mentorship #1 is going well. Keep it up!"
    )

    checkin = (await members.dms(MENTOR_USER_ID, count=3))[-1]
    helped = await members.click(checkin, ids[2], user=MENTOR_USER_ID, dm=True)
    assert "The admins have been told" in helped.text
    [alert] = await members.dms(COORDINATOR_USER_ID)
    both = f"<@{MENTOR_USER_ID}>, <@{MENTEE_USER_ID}>"  # named in the content line too, where Discord resolves them
    assert message_text(alert).startswith(
        f"A member asks for help · {both}\nA member asks for help\n<@{MENTOR_USER_ID}> asks for help with mentorship #1"
    )

    world.messages[int(untouched["id"])] = untouched  # the mentee answers the check-in again, from a copy
    opened = await world.push_interaction(
        world.build.button(ids[1], message=untouched, user_id=MENTEE_USER_ID, dm=True)
    )
    assert (await opened.wait_callback()).type == CALLBACK_MODAL
    modal = opened.modal
    assert modal is not None and modal["title"] == "End and give feedback #1"
    submit = await world.push_interaction(
        world.build.modal_submit(
            str(modal["custom_id"]), {"rating": "3", "comment": ""}, user_id=MENTEE_USER_ID, dm=True
        )
    )
    shown = await members.shown(submit)
    assert shown.texts == ["Mentorship #1 has ended. Thank you!"]
    [feedback] = await bot.store.list_feedback(f"discord:{GUILD_ID}")
    assert feedback.rating == 3 and feedback.comment is None


async def test_a_bad_rating_in_the_modal_is_refused_politely(world: FakeDiscord, members: Members) -> None:
    await matched(members)
    await members.slash("mentor end", {"mentorship": 1}, user=MENTOR_USER_ID)
    notice = (await members.dms(MENTEE_USER_ID, count=2))[-1]
    [button] = buttons(notice)
    opened = await world.push_interaction(
        world.build.button(str(button["custom_id"]), message=notice, user_id=MENTEE_USER_ID, dm=True)
    )
    await opened.wait_callback()
    assert opened.modal is not None
    submit = await world.push_interaction(
        world.build.modal_submit(str(opened.modal["custom_id"]), {"rating": "9"}, user_id=MENTEE_USER_ID, dm=True)
    )
    shown = await members.shown(submit)
    assert shown.all_ephemeral and "9" in shown.text and "1 to 5" in shown.text, shown.text


async def _open_form(world: FakeDiscord, message: dict[str, JSON], button_id: str, user_id: int) -> str:
    """`user_id` clicks a form button of a DM; the custom id of the modal that opens."""
    opened = await world.push_interaction(world.build.button(button_id, message=message, user_id=user_id, dm=True))
    assert (await opened.wait_callback()).type == CALLBACK_MODAL
    assert opened.modal is not None
    return str(opened.modal["custom_id"])


async def test_a_form_opened_before_a_restart_is_taken_after_it(
    world: FakeDiscord, members: Members, bot: MentorBot, settings: Settings, client: MentorBotClient
) -> None:
    await matched(members)
    await members.slash("mentor end", {"rating": 4})
    notice = (await members.dms(MENTOR_USER_ID, count=3))[-1]
    form = await _open_form(world, notice, f"mentorbot:feedback.open:1:{GUILD_ID}", MENTOR_USER_ID)
    await client.close()  # a deploy between the click and the submit: no process holds the form

    async with world.run_client(new_client(bot, settings)) as restarted:
        members.attach(restarted)
        submit = await world.push_interaction(
            world.build.modal_submit(form, {"rating": "5", "comment": "A pleasure"}, user_id=MENTOR_USER_ID, dm=True)
        )
        shown = await members.shown(submit)
    assert shown.texts == ["Thank you! Your feedback on mentorship #1 is recorded."]
    given = sorted((f.rating, f.comment) for f in await bot.store.list_feedback(f"discord:{GUILD_ID}"))
    assert given == [(4, None), (5, "A pleasure")]


async def test_both_people_may_have_the_same_form_open_and_each_is_taken(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    await matched(members)
    clock.advance(timedelta(days=14, minutes=1))
    assert await members.client.run_due_jobs() == 2
    mentee_checkin = (await members.dms(MENTEE_USER_ID, count=2))[-1]
    mentor_checkin = (await members.dms(MENTOR_USER_ID, count=2))[-1]
    end = f"mentorbot:checkin.end:1:{GUILD_ID}"
    # Both open "End and give feedback": the same form (same custom id) for the same mentorship.
    mentee_form = await _open_form(world, mentee_checkin, end, MENTEE_USER_ID)
    mentor_form = await _open_form(world, mentor_checkin, end, MENTOR_USER_ID)
    assert mentee_form == mentor_form
    first = await world.push_interaction(
        world.build.modal_submit(mentee_form, {"rating": "5"}, user_id=MENTEE_USER_ID, dm=True)
    )
    assert (await members.shown(first)).texts == ["Mentorship #1 has ended. Thank you!"]
    second = await world.push_interaction(
        world.build.modal_submit(mentor_form, {"rating": "4", "comment": "Well done"}, user_id=MENTOR_USER_ID, dm=True)
    )
    assert (await members.shown(second)).texts == ["Thank you! Your feedback on mentorship #1 is recorded."]
    given = sorted((f.rating, f.comment) for f in await bot.store.list_feedback(f"discord:{GUILD_ID}"))
    assert given == [(4, "Well done"), (5, None)], "the second person's form was taken too"


async def test_the_form_opens_in_the_language_the_member_chose(world: FakeDiscord, members: Members) -> None:
    await matched(members)
    await members.slash("mentor language", {"language": "sw"}, user=MENTOR_USER_ID)
    await members.slash("mentor end", {"rating": 4})
    notice = (await members.dms(MENTOR_USER_ID, count=3))[-1]
    opened = await world.push_interaction(
        world.build.button(f"mentorbot:feedback.open:1:{GUILD_ID}", message=notice, user_id=MENTOR_USER_ID, dm=True)
    )
    await opened.wait_callback()
    assert opened.modal is not None and opened.modal["title"] == f"{SW('feedback.form_title')} #1"


async def test_a_form_that_cannot_be_recorded_is_answered_with_try_again(
    world: FakeDiscord, members: Members, bot: MentorBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    await matched(members)
    await members.slash("mentor end", {"rating": 4})
    notice = (await members.dms(MENTOR_USER_ID, count=3))[-1]
    form = await _open_form(world, notice, f"mentorbot:feedback.open:1:{GUILD_ID}", MENTOR_USER_ID)

    async def down(*_args: object, **_kwargs: object) -> NoReturn:
        raise DatabaseUnavailable("the server went away")

    monkeypatch.setattr(bot.store, "record_event", down)
    submit = await world.push_interaction(
        world.build.modal_submit(form, {"rating": "5"}, user_id=MENTOR_USER_ID, dm=True)
    )
    callback = await submit.wait_callback()
    before = EN("common.db_unavailable", correlation_id="\x00").split("\x00")[0]
    assert str((callback.data or {}).get("content", "")).startswith(before), callback
    assert len(await bot.store.list_feedback(f"discord:{GUILD_ID}")) == 1, "nothing of the form was kept"
