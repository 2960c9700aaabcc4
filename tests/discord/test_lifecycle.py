"""A mentorship through the gateway, end to end: signup, request, the offer DM and its buttons, introductions,
status, end; then the buttons' edge cases (wrong user, double click, restart), closed DMs and timers."""

from __future__ import annotations

import copy
import logging
from datetime import timedelta

import pytest

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.settings import Settings
from mentorbot.storage.store import Store
from mentorbot_discord.client import MentorBotClient
from tests.conftest import store_on_same_database
from tests.discord.helpers import (
    EN,
    GUILD_ID,
    MENTEE_USER_ID,
    MENTOR_USER_ID,
    SECOND_MENTOR_USER_ID,
    Members,
    buttons,
    message_text,
    new_client,
    sign_up_mentor,
)
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.discord_models import (
    CALLBACK_CHANNEL_MESSAGE,
    CALLBACK_DEFERRED_CHANNEL_MESSAGE,
    CALLBACK_UPDATE_MESSAGE,
    FLAG_EPHEMERAL,
)

MENTOR = f"<@{MENTOR_USER_ID}>"
MENTEE = f"<@{MENTEE_USER_ID}>"
ACCEPT_1 = f"mentorbot:offer.accept:1:{GUILD_ID}"
DECLINE_1 = f"mentorbot:offer.decline:1:{GUILD_ID}"
# The one mentor's offer #1 expired: no one else can take the request, so it waits, and they may take it after all.
EXPIRED_1 = EN("offer.expired_waiting", id=1) + " " + EN("offer.take_it_after_all", id=1)


async def request_crisis_comms(members: Members) -> dict[str, object]:
    """The mentee asks; returns the offer DM the mentor got."""
    shown = await members.slash("mentor request", {"skills": "crisis comms", "note": "Launch next month"})
    assert shown.text == EN("request.offered", id=1, skills="Crisis communications")
    [offer] = await members.dms(MENTOR_USER_ID)
    return offer


async def test_a_mentorship_from_signup_to_end_through_gateway_events(
    world: FakeDiscord, members: Members, clock: ManualClock
) -> None:
    # 1. The mentor signs up: deferred first (it may rematch the waitlist), then the profile, ephemeral.
    signup = await members.slash(
        "mentor signup",
        {
            "skills": "crisis-communications, brand strategy",
            "levels": "expert",
            "capacity": 2,
            "bio": "Ten years in PR",
            "timezone": "Africa/Nairobi",
            "languages": "en, sw",
        },
        user=MENTOR_USER_ID,
    )
    assert signup.callback_type == CALLBACK_DEFERRED_CHANNEL_MESSAGE
    assert signup.record.callback is not None and signup.record.callback.flags & FLAG_EPHEMERAL
    assert signup.all_ephemeral and len(signup.messages) == 1
    assert signup.text == "\n".join(
        [
            EN("signup.title"),  # the content line above the embed
            EN("signup.title"),
            EN("signup.created"),
            "Skills you mentor: Brand strategy (expert), Crisis communications (expert)",
            "Places: 0 of 2 taken",
            "Time zone: Africa/Nairobi",
            "Languages: English, Swahili",
            "Availability: active",
            "Bio: Ten years in PR",
        ]
    )

    # 2. The mentee asks for help; the mentor gets the offer by DM with Accept and Decline buttons.
    request = await members.slash("mentor request", {"skills": "crisis comms", "note": "Launch next month"})
    assert request.texts == [
        "Request #1 (Crisis communications) is in! I've found a mentor and sent them an offer; "
        "you'll hear as soon as a mentor accepts it, or if it has to wait."
    ]
    assert request.all_ephemeral
    [offer] = await members.dms(MENTOR_USER_ID)
    assert message_text(offer) == "\n".join(
        [
            f"Mentorship offer #1 · {MENTEE}",  # the content line, naming the mentee where Discord resolves them
            "Mentorship offer #1",
            f"{MENTEE} is looking for a mentor and you look like a great fit. Will you mentor them?",
            "Skills: Crisis communications",
            "Their note: Launch next month",
            "Why you: shares Crisis communications (expert); time difference unknown (a time zone is missing); "
            "speaks your language; places 0 of 2 taken",
            "Answer by: 2026-01-07 12:00 (Africa/Nairobi)",
        ]
    ), message_text(offer)
    assert [(b["label"], b["custom_id"], b["style"]) for b in buttons(offer)] == [
        ("Accept", ACCEPT_1, 1),
        ("Decline", DECLINE_1, 4),
    ]

    # 3. The mentor clicks Accept in the DM: the message becomes the outcome, without buttons.
    accepted = await members.click(offer, ACCEPT_1, user=MENTOR_USER_ID, dm=True)
    assert accepted.callback_type == CALLBACK_UPDATE_MESSAGE
    assert accepted.text == (
        "Mentorship offer #1\nMentorship offer #1\nYou accepted offer #1. Check your messages for the introduction."
    )
    assert buttons(accepted.first) == []
    assert world.messages[int(offer["id"])] is accepted.first

    # 4. Both are introduced by DM, each with the other's handle.
    [intro_mentee] = await members.dms(MENTEE_USER_ID)
    _, intro_mentor = await members.dms(MENTOR_USER_ID, count=2)
    assert message_text(intro_mentee).startswith(
        f"Meet your mentorship partner · {MENTOR}\n"
        f"Meet your mentorship partner\n{MENTOR} has agreed to mentor you (mentorship #1). "
        "Say hello and agree on your first session!\nShared skills: Crisis communications\n"
        "About your mentor: Ten years in PR"
    )
    assert message_text(intro_mentor).startswith(
        f"Meet your mentorship partner · {MENTEE}\nMeet your mentorship partner\n"
        f"You're now mentoring {MENTEE} (mentorship #1)."
    )

    # 5. The mentee's status shows the mentorship.
    status = await members.slash("mentor status")
    assert status.texts == [
        f"Men Tee's MentorBot status · {MENTOR}\n"
        "Men Tee's MentorBot status\nReplies in: English\nYour open requests\nnone\n"
        f"Active mentorships\n#1 mentored by {MENTOR}: Crisis communications, since 2026-01-05"
    ]

    # 6. Two weeks on, both are asked how it goes (the timer loop's work, delivered by DM).
    clock.advance(timedelta(days=14, minutes=1))
    assert await members.client.run_due_jobs() == 2
    checkin_mentee = (await members.dms(MENTEE_USER_ID, count=2))[-1]
    assert message_text(checkin_mentee).startswith(
        f"How is it going? · {MENTOR}\nHow is it going?\n"
        f"It's been a while since you started mentorship #1 with {MENTOR}."
    )

    # 7. The mentee ends it with a rating; the mentor is told by DM.
    ended = await members.slash("mentor end", {"rating": 5, "comment": "Great help"})
    assert ended.texts == ["Mentorship #1 has ended. Thank you!"]
    notice = (await members.dms(MENTOR_USER_ID, count=4))[-1]
    assert message_text(notice).startswith(
        "Mentorship #1 has been ended by your partner. Thank you for taking part!\n"
        f"How did mentorship #1 with {MENTEE} go?"
    )
    assert [b["custom_id"] for b in buttons(notice)] == [f"mentorbot:feedback.open:1:{GUILD_ID}"]

    # Every reply to a member was ephemeral; no message could mention anything but users.
    for record in world.interactions.values():
        for cb in record.callbacks:
            assert cb.accepted
            if cb.type in (CALLBACK_CHANNEL_MESSAGE, CALLBACK_DEFERRED_CHANNEL_MESSAGE):
                assert cb.flags & FLAG_EPHEMERAL
    for call in world.calls("POST", r"/channels/\d+/messages") + world.calls("POST", r"/webhooks/.*"):
        assert call.json["allowed_mentions"]["parse"] == ["users"]


# ------------------------------------------------------------------------------------- the offer buttons


async def test_a_click_by_anyone_but_the_offered_mentor_is_refused_and_the_offer_stays(
    world: FakeDiscord, members: Members
) -> None:
    await sign_up_mentor(members)
    offer = await request_crisis_comms(members)

    refused = await members.click(offer, ACCEPT_1, user=MENTEE_USER_ID, dm=True)

    assert refused.callback_type == CALLBACK_CHANNEL_MESSAGE
    assert refused.all_ephemeral
    assert refused.texts == ["Offer #1 was made to someone else, so you can't act on it."]
    stored = world.messages[int(offer["id"])]
    assert [b["custom_id"] for b in buttons(stored)] == [ACCEPT_1, DECLINE_1], "the mentor's buttons stay"
    assert MENTEE_USER_ID not in world.dms, "no introduction: nothing was accepted"

    accepted = await members.click(offer, ACCEPT_1, user=MENTOR_USER_ID, dm=True)
    assert accepted.text.endswith("You accepted offer #1. Check your messages for the introduction.")


async def test_a_double_click_accepts_once(world: FakeDiscord, members: Members) -> None:
    await sign_up_mentor(members)
    offer = copy.deepcopy(await request_crisis_comms(members))  # as both clicks carry it, before any update

    first = await members.click(offer, ACCEPT_1, user=MENTOR_USER_ID, dm=True)
    second = await members.click(offer, ACCEPT_1, user=MENTOR_USER_ID, dm=True)

    assert first.callback_type == CALLBACK_UPDATE_MESSAGE
    assert second.callback_type == CALLBACK_CHANNEL_MESSAGE and second.all_ephemeral
    assert second.texts == ["Offer #1 has already been accepted."]
    assert len(members.dm_texts(MENTEE_USER_ID)) == 1, "one introduction"
    decline = await members.click(offer, DECLINE_1, user=MENTOR_USER_ID, dm=True)
    assert decline.texts == ["Offer #1 has already been accepted."]


async def test_the_buttons_still_work_after_a_restart(
    world: FakeDiscord, bot: MentorBot, settings: Settings, members: Members, client: MentorBotClient
) -> None:
    await sign_up_mentor(members)
    offer = await request_crisis_comms(members)
    await client.close()

    async with world.run_client(new_client(bot, settings)) as restarted:
        members.attach(restarted)
        accepted = await members.click(offer, ACCEPT_1, user=MENTOR_USER_ID, dm=True)
        assert accepted.callback_type == CALLBACK_UPDATE_MESSAGE
        assert accepted.text == (
            "Mentorship offer #1\nMentorship offer #1\nYou accepted offer #1. Check your messages for the introduction."
        )
        [intro] = await members.dms(MENTEE_USER_ID)
        assert message_text(intro).startswith(
            f"Meet your mentorship partner · {MENTOR}\nMeet your mentorship partner\n{MENTOR} has agreed to mentor you"
        )
    assert len(world.gateway.ops_received(2)) == 2, "the restarted client identified afresh"


async def test_decline_passes_the_request_on_and_updates_the_message(world: FakeDiscord, members: Members) -> None:
    await sign_up_mentor(members)
    await sign_up_mentor(members, SECOND_MENTOR_USER_ID)
    shown = await members.slash("mentor request", {"skills": "crisis-communications"})
    assert shown.text.startswith("Request #1 (Crisis communications) is in!")
    first_mentor = MENTOR_USER_ID if MENTOR_USER_ID in world.dms else SECOND_MENTOR_USER_ID
    other_mentor = SECOND_MENTOR_USER_ID if first_mentor == MENTOR_USER_ID else MENTOR_USER_ID
    [offer] = await members.dms(first_mentor)

    declined = await members.click(offer, DECLINE_1, user=first_mentor, dm=True)

    assert declined.texts == ["You declined offer #1. Thanks for letting us know; it goes to the next mentor."]
    assert declined.first["embeds"] == [], "the offer's embed is replaced by the outcome"
    assert buttons(declined.first) == []
    [next_offer] = await members.dms(other_mentor)
    assert message_text(next_offer).startswith(f"Mentorship offer #2 · {MENTEE}\nMentorship offer #2\n")
    assert [b["custom_id"] for b in buttons(next_offer)] == [
        f"mentorbot:offer.accept:2:{GUILD_ID}",
        f"mentorbot:offer.decline:2:{GUILD_ID}",
    ]


# ------------------------------------------------------------------------------------------- closed DMs


async def test_closed_dms_fall_back_to_an_ephemeral_notice_at_the_next_command(
    world: FakeDiscord, members: Members, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    await sign_up_mentor(members)
    world.close_dms(MENTOR_USER_ID)
    with caplog.at_level(logging.INFO):
        await members.slash("mentor request", {"skills": "crisis comms"})
        # The refused offer paused its mentor as unreachable (tests/discord/test_unreachable_mentor.py); what that
        # says goes out with the timer loop's next round, is refused too, and is held.
        clock.advance(timedelta(seconds=1))
        await members.client.deliver(await members.client.bot.undelivered(communities=["discord:"]))
    assert MENTOR_USER_ID not in world.dms
    assert any("could not deliver a direct message" in r.getMessage() for r in caplog.records)
    assert any("DM to member" in r.getMessage() and "403" in r.getMessage() for r in caplog.records)

    status = await members.slash("mentor status", user=MENTOR_USER_ID)

    assert len(status.messages) == 3 and status.all_ephemeral
    assert status.texts[0].startswith("Men Tor's MentorBot status")
    assert status.texts[1].startswith(EN("discord.held_notice") + "\n" + EN("pause.unreachable"))
    assert status.texts[2] == EN("discord.held_notice") + "\n" + EN("offer.withdrawn_paused_unreachable", id=1)
    again = await members.slash("mentor status", user=MENTOR_USER_ID)
    assert len(again.messages) == 1, "a held notice is shown once"

    # DMs open again, back: the waiting request is offered to them by DM; then their DMs close again.
    world.close_dms(MENTOR_USER_ID, closed=False)
    await members.slash("mentor resume", user=MENTOR_USER_ID)
    [offer] = await members.dms(MENTOR_USER_ID)
    world.close_dms(MENTOR_USER_ID)
    accepted = await members.click(offer, f"mentorbot:offer.accept:2:{GUILD_ID}", user=MENTOR_USER_ID, dm=True)
    assert accepted.text == (
        "Mentorship offer #2\nMentorship offer #2\nYou accepted offer #2. Check your messages for the introduction."
    )
    # The mentor's introduction could not be DM'd: it waits for their next command.
    intro_mentee = (await members.dms(MENTEE_USER_ID, count=2))[-1]
    assert message_text(intro_mentee).startswith("Meet your mentorship partner")
    next_command = await members.slash("skills", {"query": "seo"}, user=MENTOR_USER_ID)
    assert [t.split("\n")[1:3] for t in next_command.texts[1:]] == [
        [f"Meet your mentorship partner · {MENTEE}", "Meet your mentorship partner"]
    ]


# ----------------------------------------------------------------------------------------------- timers


async def test_an_unanswered_offer_expires_by_timer_its_dm_loses_its_buttons_and_the_mentee_is_told(
    world: FakeDiscord, members: Members, clock: ManualClock
) -> None:
    await sign_up_mentor(members)
    offer = await request_crisis_comms(members)
    stale = copy.deepcopy(offer)  # as a Discord client that has not seen the edit yet shows it

    clock.advance(timedelta(hours=48, minutes=1))
    await members.client.run_due_jobs()

    [expired] = world.dms[MENTOR_USER_ID]  # the same DM, edited in place: no new one
    assert expired["id"] == offer["id"] and expired.get("edited_timestamp")
    assert message_text(expired) == EXPIRED_1
    assert expired["embeds"] == [] and buttons(expired) == []
    [waiting] = await members.dms(MENTEE_USER_ID)
    assert message_text(waiting).startswith("Request #1 is waiting again.\n")
    # A late Accept on the stale DM is an answer: the mentor is back, and the request, still waiting with no one
    # else for it, is offered to them again by a new DM.
    late = await members.click(stale, ACCEPT_1, user=MENTOR_USER_ID, dm=True)
    title = EN("offer.title", id=1)
    assert late.texts == [f"{title}\n{title}\n" + EN("offer.late.reoffered", id=1, request=1, offer=2)]
    _, again = await members.dms(MENTOR_USER_ID, count=2)
    assert f"mentorbot:offer.accept:2:{GUILD_ID}" in [b["custom_id"] for b in buttons(again)]


async def _expire_in_another_process(
    world: FakeDiscord, store: Store, library: Library, settings: Settings, clock: ManualClock
) -> None:
    """Another process (its own store over the same database, its own client) runs the offer's expiry."""
    other_store = store_on_same_database(store)
    await other_store.open(clock.now())
    try:
        other_bot = MentorBot(other_store, library, settings, clock, worker_id="discord-other")
        async with world.run_client(new_client(other_bot, settings)) as other:
            clock.advance(timedelta(hours=48, minutes=1))
            assert await other.run_due_jobs() == 2  # the mentor's expiry notice, the mentee's "waiting again"
    finally:
        await other_store.close()


@pytest.mark.parametrize("first_stops", [False, True], ids=["second-process", "restart"])
async def test_another_process_edits_the_offer_dm_the_first_one_sent(
    world: FakeDiscord,
    store: Store,
    library: Library,
    settings: Settings,
    members: Members,
    client: MentorBotClient,
    clock: ManualClock,
    first_stops: bool,
) -> None:
    await sign_up_mentor(members)
    offer = await request_crisis_comms(members)
    if first_stops:
        await client.close()  # a restart: only the database knows the DM

    await _expire_in_another_process(world, store, library, settings, clock)

    [expired] = world.dms[MENTOR_USER_ID]  # the same DM, edited in place: no new one
    assert expired["id"] == offer["id"] and expired.get("edited_timestamp")
    assert message_text(expired) == EXPIRED_1
    assert buttons(expired) == []
    [edit] = world.calls("PATCH", r"/channels/\d+/messages/\d+")
    assert edit.status == 200
    [waiting] = world.dms[MENTEE_USER_ID]
    assert message_text(waiting).startswith("Request #1 is waiting again.\n")


async def test_a_deleted_offer_dm_is_followed_by_a_new_dm(
    world: FakeDiscord, members: Members, clock: ManualClock
) -> None:
    await sign_up_mentor(members)
    offer = await request_crisis_comms(members)
    del world.messages[int(offer["id"])]  # the member deleted the conversation: the edit gets 404

    clock.advance(timedelta(hours=48, minutes=1))
    await members.client.run_due_jobs()

    _, expired = world.dms[MENTOR_USER_ID]
    assert message_text(expired) == EXPIRED_1
    [edit] = world.calls("PATCH", r"/channels/\d+/messages/\d+")
    assert edit.status == 404
