"""Session 46 on Discord: a keyed DM whose edit into an answer Discord failed for a passing reason is edited later
from the outbox, as a later version of its key is (`test_retries.py`), rather than keep its live buttons for good.

The clicked message is edited through the interaction (its first callback, or its ``@original`` once deferred, as a
form's submission always is): discord.py tries a 5xx there five times, and a 429 as many, before it raises (their
waits scaled down here: `quick_retries`); a click's or a form's inbox row is then left for `recover`, which shows
the answer by follow-up or DM, never in the clicked message. So before, a check-in's DM answered with its buttons
kept them; an offer's DM lost them only through `recover`'s own edit of it by id, and an edit by id (that one, or
the offer's DM answered with ``/mentor accept``) that Discord failed for now was only logged. Now:

- a check-in's DM (the first, ``checkin:<id>``, and a later one, ``checkin:<id>:<n>``) answered with its buttons is
  edited later, once;
- a request for feedback posted as the check-in's new version, answered through its form, or answered "already
  given" by its button (a read, with no inbox row: nothing else would take its button off), is edited later, once;
- an offer's DM answered with ``/mentor accept``, whose edit by id failed with a 503, is edited later, once;
- a check-in ended through its own form loses its buttons as before (the end's own edit of the ender's check-in,
  or the one kept for later), and is edited no more after;
- a message that is no key's recorded DM (the request for feedback posted beside the edited check-in) is not edited
  later: the answer was shown elsewhere and nothing is kept for later.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.models import checkin_key
from mentorbot.usecases.handler import INBOX_LEASE
from mentorbot_discord.client import MentorBotClient
from tests.discord.helpers import (
    COMMUNITY,
    EN,
    GUILD_ID,
    MENTEE_USER_ID,
    MENTOR_USER_ID,
    Members,
    buttons,
    message_text,
    sign_up_mentor,
)
from tests.discord.test_leavers_s32 import timer_round
from tests.discord.test_lifecycle_s44 import CALLBACKS, DISCORD_PY_TRIES, handled, quick_retries  # noqa: F401
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.discord_models import CALLBACK_MODAL

pytestmark = pytest.mark.usefixtures("quick_retries")


ORIGINAL = r"/webhooks/\d+/[^/]+/messages/@original"
"""A deferred interaction's answer: its clicked message, once the interaction was acknowledged."""


def fail_update(world: FakeDiscord, failure: str, *, deferred: bool = False) -> None:
    """Every one of discord.py's tries of the next update of a clicked message fails for a passing reason: a 503, or
    a 429 (discord.py waits each out, then raises it). The interaction's first callback, or, `deferred` (a form's
    submission is acknowledged at once, `submit_form`), the edit of its ``@original``."""
    method, route = ("PATCH", ORIGINAL) if deferred else ("POST", CALLBACKS)
    if failure == "429":
        world.fail_next(method, route, status=429, times=DISCORD_PY_TRIES, retry_after=0.01)
    else:
        world.fail_next(method, route, status=503, times=DISCORD_PY_TRIES)


def edits_of(world: FakeDiscord, message: dict[str, Any]) -> int:
    """How many edits of `message` by id Discord took."""
    return sum(1 for c in world.calls("PATCH", rf"/channels/\d+/messages/{message['id']}") if c.status < 300)


def now(world: FakeDiscord, message: dict[str, Any]) -> dict[str, Any]:
    """`message` as it is now (edits applied)."""
    return world.messages[int(message["id"])]


async def mentorship(members: Members) -> dict[str, Any]:
    """The mentor accepts the mentee's request from the offer's DM: mentorship #1. The offer's DM."""
    await sign_up_mentor(members)
    await members.slash("mentor request", {"skills": "crisis comms"})
    [offer] = await members.dms(MENTOR_USER_ID)
    await members.click(offer, f"mentorbot:offer.accept:1:{GUILD_ID}", user=MENTOR_USER_ID, dm=True)
    return offer


async def checked_in(world: FakeDiscord, members: Members, clock: ManualClock, user: int, *, days: int = 15) -> Any:
    """The check-ins due `days` on are delivered; `user`'s DM of theirs."""
    clock.advance(timedelta(days=days))
    await members.client.run_due_jobs()
    checkin = world.dms[user][-1]
    assert [b["custom_id"] for b in buttons(checkin)] == [
        f"mentorbot:checkin.{a}:1:{GUILD_ID}" for a in ("ok", "end", "help")
    ], message_text(checkin)
    return checkin


async def opened_form(world: FakeDiscord, message: dict[str, Any], action: str, user: int) -> str:
    """`user` clicks `action` (a button that opens the feedback form) on `message`: the form's custom id."""
    opened = await world.push_interaction(
        world.build.button(f"mentorbot:{action}:1:{GUILD_ID}", message=message, user_id=user, dm=True)
    )
    assert (await opened.wait_callback()).type == CALLBACK_MODAL and opened.modal is not None
    return str(opened.modal["custom_id"])


async def answered_later(
    world: FakeDiscord, members: Members, client: MentorBotClient, bot: MentorBot, clock: ManualClock, record: Any
) -> None:
    """The interaction `record`, whose clicked message Discord could not update, is answered by `recover` after the
    inbox's lease (the answer is not lost)."""
    await handled(world, members, record)
    assert await bot.store.count_unprocessed() == 1, "not shown: left for recover"
    clock.advance(INBOX_LEASE + timedelta(seconds=1))
    assert await client.recover() == 1
    assert await bot.store.count_unprocessed() == 0


async def edited_later(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock, message: dict[str, Any], answer: str
) -> None:
    """`message` still shows its buttons until an outbox round turns it into `answer`, once: later rounds edit it no
    more, and nothing is left in the outbox."""
    assert buttons(now(world, message)), "Discord failed the edit: still the old message, for now"
    clock.advance(timedelta(minutes=5))
    await timer_round(members.client, clock)
    edited = now(world, message)
    assert buttons(edited) == [], message_text(edited)
    assert answer in message_text(edited), message_text(edited)
    assert edits_of(world, message) == 1, "edited exactly once"
    assert await bot.store.count_undelivered() == 0
    clock.advance(timedelta(hours=2))
    await timer_round(members.client, clock)
    assert edits_of(world, message) == 1, "nothing left to edit it again"


@pytest.mark.parametrize("failure", ["503", "429"])
async def test_a_checkins_dm_answered_going_well_is_edited_later(
    world: FakeDiscord,
    members: Members,
    client: MentorBotClient,
    bot: MentorBot,
    clock: ManualClock,
    failure: str,
) -> None:
    await mentorship(members)
    checkin = await checked_in(world, members, clock, MENTEE_USER_ID)
    fail_update(world, failure)

    record = await world.push_interaction(
        world.build.button(f"mentorbot:checkin.ok:1:{GUILD_ID}", message=checkin, user_id=MENTEE_USER_ID, dm=True)
    )
    await answered_later(world, members, client, bot, clock, record)

    told = [*members.dm_texts(MENTEE_USER_ID), *(message_text(m) for m in record.followups)]
    assert [t for t in told if EN("checkin.noted", id=1) in t], "told all the same"
    await edited_later(world, members, bot, clock, checkin, EN("checkin.noted", id=1))


async def test_a_later_checkins_dm_is_edited_later(
    world: FakeDiscord, members: Members, client: MentorBotClient, bot: MentorBot, clock: ManualClock
) -> None:
    """The second check-in is a DM of its own, keyed ``checkin:1:2``: that one is edited later."""
    await mentorship(members)
    first = await checked_in(world, members, clock, MENTOR_USER_ID)
    second = await checked_in(world, members, clock, MENTOR_USER_ID, days=31)
    assert second["id"] != first["id"]
    assert await client.sent.get(COMMUNITY, str(MENTOR_USER_ID), checkin_key(1, 2)) is not None
    fail_update(world, "503")

    record = await world.push_interaction(
        world.build.button(f"mentorbot:checkin.help:1:{GUILD_ID}", message=second, user_id=MENTOR_USER_ID, dm=True)
    )
    await answered_later(world, members, client, bot, clock, record)

    assert buttons(now(world, first)), "the first check-in is not the one answered"
    await edited_later(world, members, bot, clock, second, EN("checkin.help_no_admin", id=1))


async def request_for_feedback(
    world: FakeDiscord, members: Members, client: MentorBotClient, clock: ManualClock
) -> dict[str, Any]:
    """The mentor's check-in can no longer be found (where it was forgotten) when the mentee ends the mentorship:
    the end's notice, with its "give feedback" button, is posted as the check-in's new version. The mentor's DM of
    it."""
    await mentorship(members)
    await checked_in(world, members, clock, MENTOR_USER_ID)
    await client.sent.forget(COMMUNITY, str(MENTOR_USER_ID), checkin_key(1))
    await members.slash("mentor end", {"rating": 4})
    await timer_round(members.client, clock)
    notice: dict[str, Any] = world.dms[MENTOR_USER_ID][-1]
    assert [b["custom_id"] for b in buttons(notice)] == [f"mentorbot:feedback.open:1:{GUILD_ID}"]
    where = await client.sent.get(COMMUNITY, str(MENTOR_USER_ID), checkin_key(1))
    assert where == (int(notice["channel_id"]), int(notice["id"])), "recorded as the check-in's DM"
    return notice


@pytest.mark.parametrize("failure", ["503", "429"])
async def test_a_request_for_feedback_answered_through_its_form_is_edited_later(
    world: FakeDiscord,
    members: Members,
    client: MentorBotClient,
    bot: MentorBot,
    clock: ManualClock,
    failure: str,
) -> None:
    """The form's answer replaces the request for feedback; Discord failing that edit, it is edited later."""
    notice = await request_for_feedback(world, members, client, clock)
    form = await opened_form(world, notice, "feedback.open", MENTOR_USER_ID)
    fail_update(world, failure, deferred=True)

    record = await world.push_interaction(
        world.build.modal_submit(form, {"rating": "5"}, message=notice, user_id=MENTOR_USER_ID, dm=True)
    )
    await answered_later(world, members, client, bot, clock, record)

    await edited_later(world, members, bot, clock, notice, EN("feedback.thanks", id=1))


async def test_a_feedback_button_answered_already_given_is_edited_later(
    world: FakeDiscord, members: Members, client: MentorBotClient, bot: MentorBot, clock: ManualClock
) -> None:
    """Feedback given meanwhile (typed), the request's button opens no form: its answer, "already given", replaces
    the request. A read, with no inbox row: Discord failing that edit, nothing would ever take the button off."""
    notice = await request_for_feedback(world, members, client, clock)
    await members.slash("mentor feedback", {"mentorship": 1, "rating": 5}, user=MENTOR_USER_ID)
    fail_update(world, "503")

    record = await world.push_interaction(
        world.build.button(f"mentorbot:feedback.open:1:{GUILD_ID}", message=notice, user_id=MENTOR_USER_ID, dm=True)
    )
    await handled(world, members, record)

    assert record.modal is None
    await edited_later(world, members, bot, clock, notice, EN("feedback.already", id=1))


@pytest.mark.parametrize("failure", ["503", "429"])
async def test_a_checkin_ended_through_its_form_loses_its_buttons(
    world: FakeDiscord,
    members: Members,
    client: MentorBotClient,
    bot: MentorBot,
    clock: ManualClock,
    failure: str,
) -> None:
    """The check-in's "end and give feedback": the form's answer replaces the check-in; Discord failing that edit,
    the check-in still loses its buttons (the end's own edit of it, or the one kept for later), once."""
    await mentorship(members)
    checkin = await checked_in(world, members, clock, MENTEE_USER_ID)
    form = await opened_form(world, checkin, "checkin.end", MENTEE_USER_ID)
    fail_update(world, failure, deferred=True)

    record = await world.push_interaction(
        world.build.modal_submit(form, {"rating": "4"}, message=checkin, user_id=MENTEE_USER_ID, dm=True)
    )
    await answered_later(world, members, client, bot, clock, record)

    clock.advance(timedelta(minutes=5))
    await timer_round(members.client, clock)
    edited = now(world, checkin)
    assert buttons(edited) == [] and EN("end.done", id=1) in message_text(edited), message_text(edited)
    assert await bot.store.count_undelivered() == 0
    edits = edits_of(world, checkin)
    clock.advance(timedelta(hours=2))
    await timer_round(members.client, clock)
    assert edits_of(world, checkin) == edits


async def test_an_offers_dm_answered_with_the_command_is_edited_later(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    """``/mentor accept``: the offer's DM is edited by id (no interaction of its own), and a 503 (which discord.py
    does not try again) used to leave it asking "will you mentor them?" with live buttons."""
    await sign_up_mentor(members)
    await members.slash("mentor request", {"skills": "crisis comms"})
    [offer] = await members.dms(MENTOR_USER_ID)
    world.fail_next("PATCH", rf"/channels/\d+/messages/{offer['id']}", status=503)

    accepted = await members.slash("mentor accept", {"offer": 1}, user=MENTOR_USER_ID)

    assert EN("offer.accepted", id=1) in accepted.text, "told at once"
    await edited_later(world, members, bot, clock, offer, EN("offer.accepted", id=1))


async def test_a_message_that_is_no_keys_dm_is_not_kept_for_later(
    world: FakeDiscord, members: Members, client: MentorBotClient, bot: MentorBot, clock: ManualClock
) -> None:
    """The mentee ends the mentorship: the mentor's check-in is edited (its key's DM) and the request for feedback
    comes as a DM of its own, no key's. Its form's answer, Discord failing to put it in place, is not kept for
    later: the request keeps its button (a click on it answers "already given")."""
    await mentorship(members)
    await checked_in(world, members, clock, MENTOR_USER_ID)
    await members.slash("mentor end", {"rating": 4})
    await timer_round(members.client, clock)
    notice = world.dms[MENTOR_USER_ID][-1]
    assert [b["custom_id"] for b in buttons(notice)] == [f"mentorbot:feedback.open:1:{GUILD_ID}"]
    form = await opened_form(world, notice, "feedback.open", MENTOR_USER_ID)
    fail_update(world, "503", deferred=True)

    record = await world.push_interaction(
        world.build.modal_submit(form, {"rating": "5"}, message=notice, user_id=MENTOR_USER_ID, dm=True)
    )
    await answered_later(world, members, client, bot, clock, record)

    clock.advance(timedelta(minutes=5))
    await timer_round(members.client, clock)
    assert edits_of(world, notice) == 0
    assert buttons(now(world, notice))
    assert await bot.store.count_undelivered() == 0
