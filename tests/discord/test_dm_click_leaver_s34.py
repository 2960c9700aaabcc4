"""A member who left the Discord server (the bot recorded it: `MentorBot.member_left`, their partner was told) and
still shares another server with the bot, so DMs reach them, clicks a button of an old DM of that server that is
no offer's: a check-in's "going well", "need help", "end and give feedback", a feedback form. The core takes any
command or click of theirs in the community for their return (`handler._back`): their partner was told "back in
the community", their departure markers went, and "need help" told the admins about someone no longer there.

Now a click in a DM is checked against the server's members whatever its button (as an offer's was), and so is a
feedback form opened or submitted from a DM: Discord's "Unknown Member" refuses it (`left.dm_click_refused`), runs
no use-case and reports the departure again; a member still there acts as before, and one reported gone is back.
A click in the server itself asks Discord nothing: being there shows they are a member."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.models import MentorshipStatus
from mentorbot_discord.client import MentorBotClient
from tests.discord.helpers import (
    COMMUNITY,
    COORDINATOR_USER_ID,
    EN,
    GUILD_ID,
    MENTEE_USER_ID,
    MENTOR_USER_ID,
    SW,
    Members,
    buttons,
    message_text,
)
from tests.discord.test_inbox import Crash, crash  # noqa: F401  (the fixture)
from tests.discord.test_leavers_s32 import SIGNUP, leave, lookups, timer_round
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.discord_models import CALLBACK_MODAL, JSON


async def _checkin(world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock) -> dict[str, JSON]:
    """Mentorship #1 (the mentor accepted from the offer's DM), two weeks on: the mentee's check-in DM."""
    await members.slash("mentor status", user=COORDINATOR_USER_ID)  # an admin the bot knows: "need help" reaches them
    await members.slash("mentor signup", SIGNUP, user=MENTOR_USER_ID)
    await members.slash("mentor request", {"skills": "crisis-communications"})
    [offer] = await members.dms(MENTOR_USER_ID)
    await members.click(offer, buttons(offer)[0]["custom_id"], user=MENTOR_USER_ID, dm=True)
    await timer_round(members.client, clock)

    clock.advance(timedelta(days=15))
    await members.client.deliver(await bot.run_due_jobs())
    checkins = [m for m in world.dms[MENTEE_USER_ID] if buttons(m) and "checkin" in buttons(m)[0]["custom_id"]]
    assert checkins, [message_text(m) for m in world.dms[MENTEE_USER_ID]]
    return checkins[-1]


def _button(message: dict[str, JSON], action: str) -> str:
    [custom_id] = [str(b["custom_id"]) for b in buttons(message) if f":{action}:" in str(b["custom_id"])]
    return custom_id


async def _departed(bot: MentorBot, user: int) -> bool:
    member = await bot.store.find_member(COMMUNITY, str(user))
    assert member is not None
    return await bot.store.is_departed(member.id)


async def _mentorship_status(bot: MentorBot) -> MentorshipStatus:
    mentorship = await bot.store.get_mentorship(1)
    assert mentorship is not None
    return mentorship.status


async def _gone(world: FakeDiscord, bot: MentorBot, members: Members, clock: ManualClock) -> dict[int, int]:
    """The mentee leaves the server (DMs still reach them: they share another server with the bot), the bot records
    it and their mentor is told. How many DMs each person has then."""
    leave(world, MENTEE_USER_ID, dms_closed=False)
    await bot.member_left(COMMUNITY, str(MENTEE_USER_ID))
    await timer_round(members.client, clock)
    told = message_text(world.dms[MENTOR_USER_ID][-1])
    assert told.startswith(EN("left.your_mentee", id=1, other=f"<@{MENTEE_USER_ID}>")), told
    assert await _departed(bot, MENTEE_USER_ID)
    return {user: len(dms) for user, dms in world.dms.items()}


async def _nothing_changed(
    world: FakeDiscord, bot: MentorBot, members: Members, clock: ManualClock, before: dict[int, int]
) -> None:
    """Nobody but the mentee was sent anything (no "back in the community", no admin's help notice, no second
    "your mentee left"), the departure stands and the mentorship is as it was."""
    await timer_round(members.client, clock)
    for user, count in before.items():
        if user != MENTEE_USER_ID:
            assert len(world.dms[user]) == count, [message_text(m) for m in world.dms[user][count:]]
    assert set(world.dms) == set(before)
    assert await _departed(bot, MENTEE_USER_ID), "still reported gone"
    assert await _mentorship_status(bot) is MentorshipStatus.ACTIVE
    assert await bot.store.count_unprocessed() == 0, "a refused interaction leaves nothing to recover"


@pytest.mark.parametrize("action", ["checkin.ok", "checkin.help"])
async def test_a_member_who_left_clicking_an_old_checkin_in_a_dm_is_refused_not_declared_back(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock, action: str
) -> None:
    """The reviewer's case: the click used to run, and the mentor was told "your mentee is back in the community"."""
    checkin = await _checkin(world, members, bot, clock)
    before = await _gone(world, bot, members, clock)
    asked = len(lookups(world, MENTEE_USER_ID))

    clicked = await members.click(checkin, _button(checkin, action), user=MENTEE_USER_ID, dm=True)

    assert clicked.text == EN("left.dm_click_refused") and clicked.all_ephemeral
    assert lookups(world, MENTEE_USER_ID)[asked:] == [(f"/guilds/{GUILD_ID}/members/{MENTEE_USER_ID}", 10007)]
    assert buttons(world.messages[int(checkin["id"])]) == buttons(checkin), "the check-in keeps its buttons"
    await _nothing_changed(world, bot, members, clock, before)


async def test_the_refusal_is_in_the_members_language(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    await members.slash("mentor language", {"language": "sw"})
    checkin = await _checkin(world, members, bot, clock)
    await _gone(world, bot, members, clock)

    clicked = await members.click(checkin, _button(checkin, "checkin.ok"), user=MENTEE_USER_ID, dm=True)

    assert clicked.text == SW("left.dm_click_refused") != EN("left.dm_click_refused")


async def test_a_member_who_left_cannot_open_the_feedback_form_from_a_dm(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    """The check-in's "end and give feedback" opens a form: the core's look at the mentorship first (a read, which
    for someone reported gone runs as a unit of work) declared them back too. Now no form opens."""
    checkin = await _checkin(world, members, bot, clock)
    before = await _gone(world, bot, members, clock)

    clicked = await members.click(checkin, _button(checkin, "checkin.end"), user=MENTEE_USER_ID, dm=True)

    assert clicked.callback_type != CALLBACK_MODAL
    assert clicked.text == EN("left.dm_click_refused") and clicked.all_ephemeral
    await _nothing_changed(world, bot, members, clock, before)


async def test_a_feedback_form_opened_before_leaving_is_refused_when_submitted(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    """The form opened while they were a member (or at the deadline, before Discord answered); submitted after
    they left, it used to end the mentorship as ``/mentor end`` and declare them back."""
    checkin = await _checkin(world, members, bot, clock)
    opened = await world.push_interaction(
        world.build.button(_button(checkin, "checkin.end"), message=checkin, user_id=MENTEE_USER_ID, dm=True)
    )
    assert (await opened.wait_callback()).type == CALLBACK_MODAL and opened.modal is not None
    before = await _gone(world, bot, members, clock)

    submit = await world.push_interaction(
        world.build.modal_submit(str(opened.modal["custom_id"]), {"rating": "5"}, user_id=MENTEE_USER_ID, dm=True)
    )
    shown = await members.shown(submit)

    assert shown.texts == [EN("left.dm_form_refused")] and shown.all_ephemeral
    assert await bot.store.list_feedback(COMMUNITY) == []
    await _nothing_changed(world, bot, members, clock, before)


async def test_a_member_still_in_the_server_clicks_a_dm_as_before_and_is_back_if_reported_gone(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    """Discord says they are a member (one fresh lookup): the click runs as it always did, and a member reported
    gone (wrongly, or who came back) shows by it that they are back: their mentor is told once."""
    checkin = await _checkin(world, members, bot, clock)
    untouched = copy.deepcopy(checkin)
    await bot.member_left(COMMUNITY, str(MENTEE_USER_ID))  # reported gone; still in the server
    await timer_round(members.client, clock)
    told = len(world.dms[MENTOR_USER_ID])
    asked = len(lookups(world, MENTEE_USER_ID))

    clicked = await members.click(checkin, _button(checkin, "checkin.ok"), user=MENTEE_USER_ID, dm=True)

    assert lookups(world, MENTEE_USER_ID)[asked:] == [(f"/guilds/{GUILD_ID}/members/{MENTEE_USER_ID}", None)]
    assert clicked.callback_type is not None
    assert message_text(world.messages[int(checkin["id"])]) == EN("checkin.noted", id=1)
    assert not await _departed(bot, MENTEE_USER_ID)
    await timer_round(members.client, clock)
    back = EN("left.back.your_mentee", id=1, other=f"<@{MENTEE_USER_ID}>")
    assert [message_text(m) for m in world.dms[MENTOR_USER_ID][told:]] == [back]

    world.messages[int(untouched["id"])] = untouched  # clicked again, from a copy that kept its buttons
    again = await members.click(untouched, _button(untouched, "checkin.ok"), user=MENTEE_USER_ID, dm=True)
    assert again.callback_type is not None
    await timer_round(members.client, clock)
    assert len(world.dms[MENTOR_USER_ID]) == told + 1, "told once"


async def test_a_click_in_the_server_asks_discord_nothing(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    """Clicking in one of the server's channels shows they are a member: no lookup."""
    checkin = await _checkin(world, members, bot, clock)
    asked = len(lookups(world))

    record = await world.push_interaction(world.build.button(_button(checkin, "checkin.ok"), user_id=MENTEE_USER_ID))
    await members.shown(record)

    assert record.original is not None and message_text(record.original) == EN("checkin.noted", id=1)
    assert len(lookups(world)) == asked
    assert await bot.store.count_unprocessed() == 0


async def test_a_recovered_dm_click_of_a_member_who_left_is_refused(
    world: FakeDiscord,
    members: Members,
    bot: MentorBot,
    clock: ManualClock,
    client: MentorBotClient,
    crash: Crash,  # noqa: F811
) -> None:
    """The process died after recording the click, before Discord answered the lookup: the restarted one asks
    again before it runs the click, and refuses it."""
    checkin = await _checkin(world, members, bot, clock)
    before = await _gone(world, bot, members, clock)
    button = world.build.button(_button(checkin, "checkin.ok"), message=checkin, user_id=MENTEE_USER_ID, dm=True)
    asked = len(lookups(world, MENTEE_USER_ID))
    await crash.lose(button, defer=True)

    await crash.recover()  # the restarted client delivers what the recovered interaction wrote, as it goes

    assert lookups(world, MENTEE_USER_ID)[asked:][-1] == (f"/guilds/{GUILD_ID}/members/{MENTEE_USER_ID}", 10007)
    assert {user: len(dms) for user, dms in world.dms.items() if user != MENTEE_USER_ID} == {
        user: count for user, count in before.items() if user != MENTEE_USER_ID
    }
    assert await bot.undelivered(communities=["discord:"]) == []
    assert await _departed(bot, MENTEE_USER_ID), "still reported gone"


async def test_a_dm_click_runs_as_before_when_discord_cannot_answer_the_lookup(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    """A 503 (or any answer but "Unknown Member") is "unknown": the click is not refused."""
    checkin = await _checkin(world, members, bot, clock)
    world.fail_next("GET", r"/guilds/\d+/members/\d+", status=503)

    await members.click(checkin, _button(checkin, "checkin.ok"), user=MENTEE_USER_ID, dm=True)

    assert message_text(world.messages[int(checkin["id"])]) == EN("checkin.noted", id=1)
    assert lookups(world, MENTEE_USER_ID)[-1][0] == f"/guilds/{GUILD_ID}/members/{MENTEE_USER_ID}"
