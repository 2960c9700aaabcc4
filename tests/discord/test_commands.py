"""Every slash command through the gateway, autocomplete, deferral, DMs with the bot, the admin check and sync."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from typing import Any

import pytest
from discord import app_commands

from mentorbot.bot import Caller, MentorBot
from mentorbot.models import MentorStatus
from mentorbot.replies import Outcome
from mentorbot_discord.client import MentorBotClient
from tests.discord.helpers import (
    COMMUNITY,
    COORDINATOR_USER_ID,
    EN,
    MENTEE_USER_ID,
    MENTOR_USER_ID,
    MODERATOR_USER_ID,
    SECOND_MENTOR_USER_ID,
    SW,
    Members,
    buttons,
    message_text,
)
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.discord_models import (
    CALLBACK_AUTOCOMPLETE_RESULT,
    CALLBACK_CHANNEL_MESSAGE,
    CALLBACK_DEFERRED_CHANNEL_MESSAGE,
    CALLBACK_UPDATE_MESSAGE,
    FLAG_EPHEMERAL,
)
from tests.fakes.discord_payloads import user_option

MENTOR = f"<@{MENTOR_USER_ID}>"
MENTEE = f"<@{MENTEE_USER_ID}>"


def caller(user: int, name: str) -> Caller:
    return Caller(COMMUNITY, str(user), name)


async def signup(members: Members, user: int = MENTOR_USER_ID, skills: str = "crisis-communications") -> None:
    shown = await members.slash("mentor signup", {"skills": skills, "levels": "expert"}, user=user)
    title = EN("signup.title")  # the content line above the embed, then the embed's title
    assert shown.text.startswith(title + "\n" + title + "\n" + EN("signup.created"))


# ---------------------------------------------------------------------------------------------- /mentor


async def test_status_of_a_newcomer(members: Members) -> None:
    shown = await members.slash("mentor status")
    assert shown.callback_type == CALLBACK_CHANNEL_MESSAGE, "answered at once: no need to defer"
    assert shown.all_ephemeral
    assert shown.texts == [
        "Men Tee's MentorBot status\n"  # the content line above the embed
        "Men Tee's MentorBot status\nReplies in: English\nYour open requests\nnone\nActive mentorships\nnone"
    ]


async def test_cancel_withdraws_the_request_and_the_mentors_offer_dm_says_so_without_buttons(
    members: Members,
) -> None:
    await signup(members)
    await members.slash("mentor request", {"skills": "crisis-communications"})
    [offer] = await members.dms(MENTOR_USER_ID)
    assert len(buttons(offer)) == 2

    shown = await members.slash("mentor cancel", {"request": 1})

    assert shown.texts == ["Request #1 is cancelled."]
    [withdrawn] = members.fake.dms[MENTOR_USER_ID]  # the offer's DM itself, edited (the DMs are sent by then)
    assert withdrawn["id"] == offer["id"] and buttons(withdrawn) == []
    assert message_text(withdrawn) == (
        "Offer #1 was withdrawn: the request was cancelled or matched elsewhere. No action needed."
    )
    nothing = await members.slash("mentor cancel")
    assert nothing.texts == ["You have no open request to cancel."]


async def test_accept_and_decline_by_command(members: Members) -> None:
    await signup(members)
    await signup(members, SECOND_MENTOR_USER_ID, "seo")
    await members.slash("mentor request", {"skills": "crisis-communications"})
    await members.slash("mentor request", {"skills": "seo"})

    not_mine = await members.slash("mentor accept", {"offer": 2}, user=MENTOR_USER_ID)
    assert not_mine.texts == ["Offer #2 was made to someone else, so you can't act on it."]
    accepted = await members.slash("mentor accept", {"offer": 1}, user=MENTOR_USER_ID)
    assert accepted.texts == [
        "Mentorship offer #1\nMentorship offer #1\nYou accepted offer #1. Check your messages for the introduction."
    ]
    declined = await members.slash("mentor decline", {"offer": 2, "reason": "Fully booked"}, user=SECOND_MENTOR_USER_ID)
    # The second mentor is the only SEO mentor: the request is back on the waitlist, and the reply says so.
    assert declined.texts == [EN("offer.declined_waiting", id=2)]
    intro, waiting = await members.dms(MENTEE_USER_ID, count=2)
    assert message_text(intro).startswith(
        f"Meet your mentorship partner · {MENTOR}\nMeet your mentorship partner\n{MENTOR} has agreed to mentor you"
    )
    assert message_text(waiting).startswith("Request #2 is waiting again.\n")


async def test_status_buttons_answer_offers_from_the_ephemeral_status(members: Members) -> None:
    await signup(members)
    await members.slash("mentor request", {"skills": "crisis-communications"})

    status = await members.slash("mentor status", user=MENTOR_USER_ID)
    assert f"Offers waiting for your answer\n#1 from {MENTEE}: Crisis communications" in status.text
    assert [(b["label"], b["custom_id"]) for b in buttons(status.first)] == [
        ("Accept #1", "mentorbot:offer.accept:1"),
        ("Decline #1", "mentorbot:offer.decline:1"),
    ]
    clicked = await members.click(status.first, "mentorbot:offer.accept:1", user=MENTOR_USER_ID)
    assert clicked.callback_type == CALLBACK_UPDATE_MESSAGE
    assert clicked.text == (
        "Mentorship offer #1\nMentorship offer #1\nYou accepted offer #1. Check your messages for the introduction."
    )


async def test_end_without_an_active_mentorship(members: Members) -> None:
    shown = await members.slash("mentor end", {"mentorship": 7, "rating": 4})
    assert shown.texts == ["Mentorship #7 is not an active mentorship of yours."]


async def test_pause_and_resume(members: Members) -> None:
    await signup(members)
    paused = await members.slash("mentor pause", {"until": "2w"}, user=MENTOR_USER_ID)
    assert paused.texts == [
        "You're paused until 2026-01-19 09:00 UTC; offers start again after that (or `/mentor resume` sooner)."
    ]
    waiting = await members.slash("mentor request", {"skills": "crisis-communications"})
    assert waiting.texts == [
        "Request #1 (Crisis communications) is on the waitlist.\n"
        "The mentors for Crisis communications are paused right now. You'll get an offer as soon as one is back."
    ]
    resumed = await members.slash("mentor resume", user=MENTOR_USER_ID)
    assert resumed.texts == ["Welcome back! You'll get offers again."]
    [offer] = await members.dms(MENTOR_USER_ID)
    assert message_text(offer).startswith(f"Mentorship offer #1 · {MENTEE}\nMentorship offer #1\n")
    [notice] = await members.dms(MENTEE_USER_ID)
    assert message_text(notice) == EN("request.now_offered", id=1)
    bad = await members.slash("mentor pause", {"until": "someday"}, user=MENTOR_USER_ID)
    assert bad.texts == ["'someday' is not a date. Use a date like 2026-12-24, or a duration like 3d or 2w."]


async def test_language_switches_every_later_reply_to_swahili(members: Members) -> None:
    shown = await members.slash("mentor language", {"language": "sw"})
    assert shown.texts == [SW("language.set")]
    status = await members.slash("mentor status")
    title = SW("status.title", name="Men Tee")
    assert status.text.startswith(title + "\n" + title + "\n" + SW("status.text", language="Kiswahili"))
    choices = await members.complete("mentor request", "skills", "video")
    assert choices[0] == {"name": "Video fupi", "value": "short-form-video"}


async def test_export_sends_the_json_file(world: FakeDiscord, members: Members) -> None:
    await members.slash("mentor request", {"skills": "seo"})

    shown = await members.slash("mentor export")

    assert shown.callback_type == CALLBACK_DEFERRED_CHANNEL_MESSAGE
    assert shown.texts == ["Here is everything MentorBot stores about you."]
    assert [a["filename"] for a in shown.first["attachments"]] == ["mentorbot-export.json"]
    upload = world.calls("POST", r"/webhooks/\d+/.+")[-1]
    [file] = upload.files
    data = json.loads(file.data)
    assert data["member"]["display_name"] == "Men Tee"
    assert data["member"]["platform_user_id"] == str(MENTEE_USER_ID) and data["member"]["community"] == COMMUNITY
    assert [r["skills"] for r in data["requests"]] == [["seo"]]


async def test_forget_asks_then_the_button_deletes(world: FakeDiscord, members: Members, bot: MentorBot) -> None:
    await members.slash("mentor request", {"skills": "seo"})

    asked = await members.slash("mentor forget")
    assert asked.texts == [EN("forget.confirm")]
    [button] = buttons(asked.first)
    assert (button["label"], button["custom_id"]) == (
        "Yes, delete my data",
        f"mentorbot:forget.confirm:{MENTEE_USER_ID}",
    )

    done = await members.click(asked.first, button["custom_id"], user=MENTEE_USER_ID)

    assert done.callback_type == CALLBACK_UPDATE_MESSAGE
    assert done.texts == ["Your data has been deleted. Goodbye, and thank you!"]
    assert buttons(done.first) == []
    member = await bot.store.find_member(COMMUNITY, str(MENTEE_USER_ID))
    assert member is None, "the member and their data are gone"


# ------------------------------------------------------------------------------------ /courses and /skills


async def test_courses_with_typed_options(members: Members, bot: MentorBot) -> None:
    shown = await members.slash("courses", {"skills": "seo", "level": "beginner", "free": "yes", "format": "course"})
    expected = await bot.courses(
        caller(MENTEE_USER_ID, "Men Tee"), skills="seo", level="beginner", free="yes", format="course"
    )
    title = expected.reply.title or ""
    assert shown.texts == [title + "\n" + expected.reply.plain_text]  # the title is the content line too
    assert shown.text.startswith(title)
    paid = await members.slash("courses", {"skills": "seo", "free": "no"})
    expected_paid = await bot.courses(caller(MENTEE_USER_ID, "Men Tee"), skills="seo", free="no")
    assert paid.texts == [f"{expected_paid.reply.title}\n{expected_paid.reply.plain_text}"] and "paid" in paid.text


async def test_courses_without_skills_uses_open_requests(members: Members) -> None:
    empty = await members.slash("courses")
    title = EN("courses.how_to_ask_title")
    assert empty.texts == [title + "\n" + title + "\n" + EN("courses.how_to_ask")]
    await members.slash("mentor request", {"skills": "paid social"})
    shown = await members.slash("courses")
    assert EN("courses.from_requests", skills="Paid social") in shown.text


async def test_skills_lists_the_taxonomy_or_matches(members: Members, bot: MentorBot) -> None:
    everything = await members.slash("skills")
    expected = (await bot.skills(caller(MENTEE_USER_ID, "Men Tee"))).reply
    # The entries that fit Discord's 4,096-character description, in order; the footer counts the others.
    shown = "\n".join(everything.texts)
    assert f"{expected.title}\n{expected.plain_text}".startswith(shown)  # the title is the content line too
    [listing] = expected.listings
    missing = len(listing.entries) - sum(1 for entry in listing.entries if entry in shown)
    footer = (everything.messages[-1]["embeds"][-1].get("footer") or {}).get("text", "")  # type: ignore[index,union-attr,call-overload]
    assert missing == 0 or EN("paging.cut", count=missing) in footer
    crisis = await members.slash("skills", {"query": "crisis"})
    assert crisis.text.startswith("Skills matching “crisis”\n")
    assert "Crisis communications (`crisis-communications`)" in crisis.text


# ---------------------------------------------------------------------------------------------- autocomplete


async def test_skill_autocomplete_matches_labels_slugs_and_aliases(members: Members) -> None:
    assert (await members.complete("mentor request", "skills", "paid"))[0] == {
        "name": "Paid social",
        "value": "paid-social",
    }
    assert (await members.complete("mentor signup", "skills", "tiktok"))[0]["value"] == "short-form-video"
    listed = await members.complete("courses", "skills", "seo, crisis")
    assert listed[0] == {"name": "SEO, Crisis communications", "value": "seo, crisis-communications"}
    assert (await members.complete("skills", "query", "brand"))[0]["value"] == "brand-strategy"
    everything = await members.complete("mentor request", "skills", "")
    assert 1 < len(everything) <= 25
    assert await members.complete("mentor request", "skills", "zzzz-nothing") == []


async def test_timezone_autocomplete(members: Members) -> None:
    choices = await members.complete("mentor signup", "timezone", "nairobi", user=MENTOR_USER_ID)
    assert choices[0] == {"name": "Africa/Nairobi", "value": "Africa/Nairobi"}
    assert len(await members.complete("mentor signup", "timezone", "a", user=MENTOR_USER_ID)) == 25


@pytest.mark.parametrize("typed", ["GMT+3", "+3", "utc+03:00"])
async def test_timezone_autocomplete_offers_an_offset_as_read_never_etc_gmt(members: Members, typed: str) -> None:
    """An offset typed is offered first as the core reads it; ``Etc/GMT+3`` (three hours *behind* UTC, IANA's
    reversed sign) is never offered for "GMT+3"."""
    choices = await members.complete("mentor signup", "timezone", typed, user=MENTOR_USER_ID)
    assert choices[0] == {"name": "UTC+03:00", "value": "UTC+03:00"}
    assert not [c for c in choices if str(c["value"]).startswith("Etc/GMT+") or str(c["value"]).startswith("Etc/GMT-")]


async def test_autocomplete_with_many_skills_typed_keeps_within_discords_limits(members: Members) -> None:
    typed = ", ".join(["crisis-communications"] * 4) + ", soc"
    for choice in await members.complete("mentor request", "skills", typed):
        assert len(choice["name"]) <= 100 and len(choice["value"]) <= 100


# ------------------------------------------------------------------------------------------ acknowledging


async def test_a_slow_core_call_is_deferred_then_followed_up(
    members: Members, client: MentorBotClient, bot: MentorBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.defer_after = 0.05  # the bot's patience before deferring; the core below answers only when released
    status = bot.status
    release = asyncio.Event()

    async def slow_status(who: Caller) -> Outcome:
        await release.wait()
        return await status(who)

    monkeypatch.setattr(bot, "status", slow_status)
    record = await members.push_slash("mentor status")
    try:
        cb = await record.wait_callback()  # the core is still busy: this can only be the deferral
        assert cb.accepted, "within Discord's deadline"
        assert cb.type == CALLBACK_DEFERRED_CHANNEL_MESSAGE and cb.flags & FLAG_EPHEMERAL
        assert record.id not in members.handled and record.followups == []
    finally:
        release.set()

    shown = await members.shown(record)

    assert shown.callback_type == CALLBACK_DEFERRED_CHANNEL_MESSAGE
    assert shown.texts == [
        "Men Tee's MentorBot status\n"  # the content line above the embed
        "Men Tee's MentorBot status\nReplies in: English\nYour open requests\nnone\nActive mentorships\nnone"
    ]


async def test_commands_marked_slow_defer_first(members: Members, client: MentorBotClient) -> None:
    client.defer_after = 10.0
    shown = await members.slash("mentor-admin round", user=MODERATOR_USER_ID)
    assert shown.callback_type == CALLBACK_DEFERRED_CHANNEL_MESSAGE
    assert shown.texts == [
        "Matching round done: 0 offers sent, 0 requests still waiting."
    ]


async def test_a_click_on_a_slow_core_defers_the_update(
    world: FakeDiscord, members: Members, client: MentorBotClient
) -> None:
    await signup(members)
    await members.slash("mentor request", {"skills": "crisis-communications"})
    [offer] = await members.dms(MENTOR_USER_ID)
    client.defer_after = 0

    clicked = await members.click(
        offer, f"mentorbot:offer.accept:1:{world.world.guild().id}", user=MENTOR_USER_ID, dm=True
    )

    assert clicked.record.callback is not None and clicked.record.callback.type == 6
    edited = world.messages[int(offer["id"])]
    assert (
        message_text(edited)
        == "Mentorship offer #1\nMentorship offer #1\nYou accepted offer #1. Check your messages for the introduction."
    )
    assert buttons(edited) == []


# ---------------------------------------------------------------------------------------- DMs with the bot


async def test_commands_in_a_dm_are_refused_with_a_localized_message(world: FakeDiscord, members: Members) -> None:
    shown = await members.slash("mentor status", dm=True)
    assert shown.callback_type == CALLBACK_CHANNEL_MESSAGE and shown.all_ephemeral
    assert shown.texts == [EN("discord.guild_only")]
    record = await world.push_interaction(world.build.autocomplete("mentor request", "skills", "seo", dm=True))
    assert (await record.wait_callback()).type == CALLBACK_AUTOCOMPLETE_RESULT and record.choices == []


async def test_a_button_without_a_guild_in_a_dm_is_refused(world: FakeDiscord, members: Members) -> None:
    shown = await members.click(
        world.build.button("mentorbot:offer.accept:1", dm=True)["message"],
        "mentorbot:offer.accept:1",
        user=MENTEE_USER_ID,
        dm=True,
        handled=False,
    )
    assert shown.texts == [EN("discord.guild_only")]


async def test_an_unknown_command_gets_a_localized_message(world: FakeDiscord, members: Members) -> None:
    record = await world.push_interaction(world.build.slash("mentor teleport"))
    callback = await record.wait_callback()
    assert callback.type == CALLBACK_CHANNEL_MESSAGE and callback.flags & FLAG_EPHEMERAL
    assert callback.data["content"] == EN("discord.unknown_command")


async def test_an_unknown_button_action_is_answered_to_the_clicker_only(members: Members, world: FakeDiscord) -> None:
    message = world.build.button("mentorbot:poll.vote:3")["message"]
    shown = await members.click(message, "mentorbot:poll.vote:3", user=MENTEE_USER_ID)
    assert shown.callback_type == CALLBACK_CHANNEL_MESSAGE and shown.all_ephemeral
    assert shown.texts == [EN("commands.unknown_action")]


# ------------------------------------------------------------------------------------------- /mentor-admin


async def test_admin_commands_need_manage_server_or_an_admin_id(members: Members) -> None:
    refused = await members.slash("mentor-admin stats")
    assert refused.texts == ["Only admins can do that."]
    for admin in (MODERATOR_USER_ID, COORDINATOR_USER_ID):
        allowed = await members.slash("mentor-admin stats", user=admin)
        assert allowed.text.startswith(
            "Programme health\nProgramme health\nWhere the mentorship programme stands.\nMembers: "
        )


async def test_admin_waitlist_match_end_pause_round(members: Members, bot: MentorBot) -> None:
    await signup(members)
    admin_pause = await members.slash(
        "mentor-admin pause", [user_option("mentor", MENTOR_USER_ID)], user=MODERATOR_USER_ID
    )
    assert admin_pause.texts == ["Men Tor is paused and has been told."]
    [told] = await members.dms(MENTOR_USER_ID)
    assert message_text(told) == EN("pause.by_admin")
    await members.slash("mentor request", {"skills": "crisis-communications"})

    waitlist = await members.slash("mentor-admin waitlist", user=MODERATOR_USER_ID)
    assert waitlist.texts == [
        "Waitlist (1)\nWaitlist (1)\nMatch one by hand: `/mentor-admin match <request> <mentor>`.\n"
        "Waiting requests\n#1 Men Tee: Crisis communications, since 2026-01-05. "
        "Every mentor for Crisis communications is paused."
    ], "worded for the admin, pointing to the admin's command"

    options = [{"name": "request", "type": 4, "value": 1}, user_option("mentor", MENTOR_USER_ID)]
    refused = await members.slash("mentor-admin match", options, user=MODERATOR_USER_ID)
    assert refused.text.startswith("Request #1 can't go to Men Tor: Men Tor is paused."), refused.text
    forced = [*options, {"name": "force", "type": 5, "value": True}]
    matched = await members.slash("mentor-admin match", forced, user=MODERATOR_USER_ID)
    assert matched.texts == [
        "Request #1 is matched with Men Tor (mentorship #1), overriding: mentor paused. This is recorded; "
        "both have been introduced as matched by an admin."
    ]
    [intro] = await members.dms(MENTEE_USER_ID)
    assert message_text(intro).startswith(
        f"Meet your mentorship partner · {MENTOR}\nMeet your mentorship partner\nAn admin has matched you with {MENTOR}"
    )

    ended = await members.slash("mentor-admin end", {"mentorship": 1}, user=MODERATOR_USER_ID)
    # Session 38: the admin is answered in an admin's words (before: the party's "has ended. Thank you!").
    assert ended.texts == [
        "Mentorship #1 (Men Tor mentoring Men Tee) has ended; both were told and asked for their feedback."
    ]
    assert members.dm_texts(MENTEE_USER_ID)[-1].startswith("Mentorship #1 has been ended by an admin.\n")

    mentee = await bot.store.find_member(COMMUNITY, str(MENTEE_USER_ID))
    mentor = await bot.store.find_member(COMMUNITY, str(MENTOR_USER_ID))
    assert mentee is not None and mentor is not None
    await members.slash("mentor request", {"skills": "crisis-communications"})  # waits: the mentor is paused
    await bot.store.set_mentor_status(mentor.id, MentorStatus.ACTIVE, bot.clock.now())
    round_done = await members.slash("mentor-admin round", user=MODERATOR_USER_ID)
    assert round_done.text.startswith("Matching round done: 1 offer sent, 0 requests still waiting.")
    offer = (await members.dms(MENTOR_USER_ID, count=3))[-1]
    assert message_text(offer).startswith(f"Mentorship offer #1 · {MENTEE}\n"), "a manual match makes no offer"


async def test_admin_reload_and_export(world: FakeDiscord, members: Members) -> None:
    reloaded = await members.slash("mentor-admin reload", user=MODERATOR_USER_ID)
    assert reloaded.text.startswith("Reloaded: ") and " courses are in service." in reloaded.text

    await members.slash("mentor request", {"skills": "seo"})
    exported = await members.slash("mentor-admin export", user=MODERATOR_USER_ID)

    assert exported.texts == [
        "Here are 5 CSV files: members, requests, offers (with decline reasons), mentorships and feedback."
    ]
    upload = world.calls("POST", r"/webhooks/\d+/.+")[-1]
    assert [f.filename for f in upload.files] == [
        "members.csv",
        "requests.csv",
        "offers.csv",
        "mentorships.csv",
        "feedback.csv",
    ]
    rows = list(csv.DictReader(io.StringIO(upload.files[1].data.decode())))
    assert [r["status"] for r in rows] == ["waiting"]
    denied = await members.slash("mentor-admin export")
    assert denied.texts == ["Only admins can do that."]


# ---------------------------------------------------------------------------------------------- syncing


async def test_synced_commands_are_guild_only_and_admin_ones_hidden(
    world: FakeDiscord, client: MentorBotClient
) -> None:
    commands = {c["name"]: c for c in world.commands}
    assert sorted(commands) == ["courses", "mentor", "mentor-admin", "skills"]
    assert str(commands["mentor-admin"]["default_member_permissions"]) == str(1 << 5)  # Manage Server
    assert commands["mentor"]["default_member_permissions"] is None
    assert all(c["contexts"] == [0] for c in commands.values())
    subcommands = {o["name"] for o in commands["mentor"]["options"]}
    assert subcommands == {
        "feedback",
        "checkin",
        "signup",
        "request",
        "status",
        "cancel",
        "accept",
        "decline",
        "end",
        "pause",
        "resume",
        "language",
        "timezone",
        "export",
        "forget",
    }
    admin = {o["name"] for o in commands["mentor-admin"]["options"]}
    assert admin == {
        "stats", "recruit", "waitlist", "match", "end", "pause", "round", "reload", "export", "courses", "approve",
        "reject",
    }  # fmt: skip
    options = {o["name"]: o for o in commands["courses"]["options"]}
    assert [c["value"] for c in options["level"]["choices"]] == ["beginner", "intermediate", "advanced"]
    assert options["skills"]["autocomplete"] is True
    # free: yes / no / any, as typed on Slack (a true/false option could not ask for paid ones only)
    assert [c["value"] for c in options["free"]["choices"]] == ["yes", "no", "any"]
    end = next(o for o in commands["mentor"]["options"] if o["name"] == "end")
    rating = next(o for o in end["options"] if o["name"] == "rating")
    assert (rating["type"], rating["min_value"], rating["max_value"]) == (4, 1, 5)


def test_every_command_option_has_a_description_within_discords_limit() -> None:
    from mentorbot_discord.slash import command_list

    def walk(command: Any) -> Any:
        yield command
        for child in getattr(command, "commands", []):
            yield from walk(child)

    for top in command_list():
        for command in walk(top):
            assert 1 <= len(command.description) <= 100, command.qualified_name
            for param in getattr(command, "parameters", []):
                assert 1 <= len(param.description) <= 100, f"{command.qualified_name} {param.name}"
    assert isinstance(command_list()[0], app_commands.Group)


def test_every_slash_command_is_in_the_core_table() -> None:
    from mentorbot.commands import find_command
    from mentorbot_discord.slash import command_list

    names = []
    for item in command_list():
        if isinstance(item, app_commands.Group):
            names.extend(command.qualified_name for command in item.walk_commands())
        else:
            names.append(item.qualified_name)
    assert names and all(find_command(name) is not None for name in names), names


async def test_admin_stats_sends_the_chart_with_its_description(world: FakeDiscord, members: Members) -> None:
    await members.slash("mentor request", {"skills": "seo"})
    shown = await members.slash("mentor-admin stats", {"chart": "supply"}, user=MODERATOR_USER_ID)
    assert shown.text.startswith("Programme health\n")
    [attachment] = shown.first["attachments"]
    assert attachment["filename"] == "mentorbot-supply.png"
    assert attachment["description"].startswith("Bar chart. " + EN("insight.supply_title"))
    upload = world.calls("POST", r"/webhooks/\d+/.+")[-1]
    [file] = upload.files
    assert file.data.startswith(b"\x89PNG\r\n\x1a\n")


async def test_admin_recruit_drafts_the_message(members: Members) -> None:
    await members.slash("mentor request", {"skills": "seo"})
    shown = await members.slash("mentor-admin recruit", user=MODERATOR_USER_ID)
    command = "/mentor signup skills:seo"
    assert EN("recruit.draft", skills="SEO", waiting=1, count=1, command=command) in shown.text
    refused = await members.slash("mentor-admin recruit")
    assert refused.texts == ["Only admins can do that."]
