"""The fake Discord works with the real discord.py 2.x client: gateway, app commands, components, REST."""

from __future__ import annotations

import asyncio
import io
import json
import zlib
from collections.abc import AsyncIterator
from typing import Any, Self, cast

import aiohttp
import discord
import discord.gateway
import discord.http
import pytest
import yarl
from discord import app_commands
from discord.ext import commands

from tests.fakes.discord_client import point_discord_py_at, running_client
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.discord_models import (
    APPLICATION_ID,
    BOT_USER_ID,
    CALLBACK_AUTOCOMPLETE_RESULT,
    CALLBACK_CHANNEL_MESSAGE,
    CALLBACK_DEFERRED_CHANNEL_MESSAGE,
    CALLBACK_MODAL,
    CALLBACK_UPDATE_MESSAGE,
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    GENERAL_CHANNEL_ID,
    GUILD_ID,
    MENTEE_USER_ID,
    MENTOR_USER_ID,
    MODERATOR_USER_ID,
    DiscordWorld,
)
from tests.fakes.discord_payloads import load_fixture, missing_keys, user_option

SKILLS = ["SEO", "Paid social", "Content strategy", "Email marketing", "Analytics"]
OFFER_TEMPLATE = r"mentorbot:offer\.accept:(?P<id>[0-9]+)"


# ------------------------------------------------------------------------------------------ the bot


class AcceptOffer(discord.ui.DynamicItem[discord.ui.Button["discord.ui.View"]], template=OFFER_TEMPLATE):
    """A persistent button; discord.py rebuilds it from the custom_id of any clicked message."""

    def __init__(self, offer_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Accept",
                style=discord.ButtonStyle.success,
                custom_id=f"mentorbot:offer.accept:{offer_id}",
            )
        )
        self.offer_id = offer_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: Any, /
    ) -> Self:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot = cast(MentorTestBot, interaction.client)
        bot.seen.append(("accept", self.offer_id, interaction.user.id))
        await interaction.response.edit_message(content=f"Offer {self.offer_id} accepted", view=None)


class FeedbackModal(discord.ui.Modal, title="Mentoring feedback"):
    """A modal with one text input."""

    text: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(
        label="How was it?", custom_id="feedback_text"
    )

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        bot = cast(MentorTestBot, interaction.client)
        bot.seen.append(("feedback", self.text.value, interaction.user.id))
        await interaction.response.send_message(f"Thanks: {self.text.value}", ephemeral=True)


mentor = app_commands.Group(name="mentor", description="Peer mentorship")
admin = app_commands.Group(name="admin", description="Moderator tools", parent=mentor)


def _bot(interaction: discord.Interaction[Any]) -> MentorTestBot:
    return cast(MentorTestBot, interaction.client)


@mentor.command(name="request", description="Ask for a mentor")
@app_commands.describe(skills="Skills you want to learn")
async def mentor_request(interaction: discord.Interaction[Any], skills: str) -> None:
    _bot(interaction).seen.append(("request", skills, interaction.user.id))
    view = discord.ui.View(timeout=None)
    view.add_item(AcceptOffer(42))
    await interaction.response.send_message(f"Looking for mentors in {skills}", ephemeral=True, view=view)


@mentor.command(name="find", description="Find mentors by skill")
async def mentor_find(interaction: discord.Interaction[Any], skill: str) -> None:
    await interaction.response.send_message(f"Mentors for {skill}", ephemeral=True)


@mentor_find.autocomplete("skill")
async def skill_autocomplete(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    _bot(interaction).seen.append(("autocomplete", current, interaction.user.id))
    return [app_commands.Choice(name=s, value=s.lower()) for s in SKILLS if current.lower() in s.lower()]


@mentor.command(name="match", description="Run matching (slow)")
async def mentor_match(interaction: discord.Interaction[Any]) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    await asyncio.sleep(0.05)
    await interaction.followup.send("Matched 3 pairs", ephemeral=True)
    await interaction.followup.send("Details sent by DM", ephemeral=True)
    await interaction.edit_original_response(content="Matched 3 pairs (edited)")
    original = await interaction.original_response()
    _bot(interaction).seen.append(("match", original.content))


@mentor.command(name="feedback", description="Give feedback")
async def mentor_feedback(interaction: discord.Interaction[Any]) -> None:
    await interaction.response.send_modal(FeedbackModal())


@mentor.command(name="notify", description="DM a member")
async def mentor_notify(interaction: discord.Interaction[Any], member: discord.Member) -> None:
    try:
        await member.send(f"{interaction.user.display_name} wants to be your mentee")
    except discord.Forbidden as exc:
        _bot(interaction).errors.append(exc)
        await interaction.response.send_message(f"{member.display_name} has closed DMs", ephemeral=True)
    else:
        await interaction.response.send_message("Sent", ephemeral=True)


@mentor.command(name="slow", description="Answers too late")
async def mentor_slow(interaction: discord.Interaction[Any]) -> None:
    bot = _bot(interaction)
    await asyncio.sleep(bot.response_delay)
    try:
        await interaction.response.send_message("finally")
    except discord.HTTPException as exc:
        bot.errors.append(exc)


@mentor.command(name="twice", description="Acknowledges twice, as a second process would")
async def mentor_twice(interaction: discord.Interaction[Any]) -> None:
    bot = _bot(interaction)
    await interaction.response.send_message("first")
    assert bot.raw_interaction is not None
    duplicate = discord.Interaction(data=bot.raw_interaction(interaction.id), state=interaction._state)
    try:
        await duplicate.response.send_message("second")
    except discord.HTTPException as exc:
        bot.errors.append(exc)


@admin.command(name="settings", description="Change matching settings")
@app_commands.checks.has_permissions(manage_guild=True)
async def admin_settings(interaction: discord.Interaction[Any], max_mentees: int, open_signups: bool) -> None:
    _bot(interaction).seen.append(("settings", max_mentees, open_signups))
    await interaction.response.send_message(f"max={max_mentees} open={open_signups}", ephemeral=True)


class MentorTree(app_commands.CommandTree[Any]):
    """Replies to failed checks the way the adapter will."""

    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        _bot(interaction).errors.append(error)
        if isinstance(error, app_commands.MissingPermissions):
            await interaction.response.send_message("You need Manage Server", ephemeral=True)


class MentorTestBot(commands.Bot):
    """A discord.py bot with an app command group, autocomplete, a modal and a dynamic button."""

    def __init__(self) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            tree_cls=MentorTree,
            guild_ready_timeout=0.05,
        )
        self.seen: list[tuple[Any, ...]] = []
        self.errors: list[BaseException] = []
        self.response_delay = 0.0
        self.raw_interaction: Any = None

    async def setup_hook(self) -> None:
        self.add_dynamic_items(AcceptOffer)
        self.tree.add_command(mentor)


@pytest.fixture
async def bot(discord_fake: FakeDiscord) -> AsyncIterator[MentorTestBot]:
    """A MentorTestBot connected to the fake and ready."""
    async with discord_fake.run_client(MentorTestBot()) as client:
        yield client


# --------------------------------------------------------------------------- connecting and syncing


async def test_bot_connects_gets_ready_and_guild_create(
    discord_fake: FakeDiscord, bot: MentorTestBot
) -> None:
    assert bot.user is not None and bot.user.id == BOT_USER_ID
    assert bot.application_id == APPLICATION_ID
    guild = bot.get_guild(GUILD_ID)
    assert guild is not None and guild.name == "Marketing Mentors"
    assert {c.name for c in guild.text_channels} == {"general", "mentoring"}
    assert {r.name for r in guild.roles} >= {"@everyone", "Moderators"}
    moderators = discord.utils.get(guild.roles, name="Moderators")
    assert moderators is not None and moderators.permissions.manage_guild
    assert guild.member_count == 5

    assert [c.path for c in discord_fake.calls("GET")][:2] == ["/users/@me", "/oauth2/applications/@me"]
    identify = discord_fake.gateway.ops_received(2)[0]
    assert identify.d["token"] == "test-token"
    assert identify.d["intents"] == discord.Intents.default().value
    conn = discord_fake.gateway.connections[0]
    # zlib-stream, or zstd-stream when zstandard is importable; the fake serves whichever is asked for.
    assert conn.query["v"] == "10" and conn.query["encoding"] == "json"
    assert conn.query["compress"] in {"zlib-stream", "zstd-stream"}
    assert conn.compression == conn.query["compress"]
    assert [f.t for f in discord_fake.gateway_sent if f.op == 0][:2] == ["READY", "GUILD_CREATE"]
    assert discord_fake.gateway.ops_received(1), "discord.py heartbeats right after HELLO"
    assert discord_fake.unknown_calls == []


async def test_tree_sync_is_recorded_as_bulk_overwrite(discord_fake: FakeDiscord, bot: MentorTestBot) -> None:
    synced = await bot.tree.sync()

    call = discord_fake.calls("PUT", rf"/applications/{APPLICATION_ID}/commands")[0]
    assert call.status == 200 and [c["name"] for c in call.json] == ["mentor"]
    assert [c.name for c in synced] == ["mentor"] and synced[0].id == int(discord_fake.commands[0]["id"])
    subcommands = {o["name"]: o for o in discord_fake.commands[0]["options"]}
    assert set(subcommands) == {"request", "find", "match", "feedback", "notify", "slow", "twice", "admin"}
    assert subcommands["admin"]["type"] == 2
    find_option = subcommands["find"]["options"][0]
    assert find_option["name"] == "skill" and find_option["autocomplete"] is True

    again = await bot.tree.sync()
    assert again[0].id == synced[0].id, "bulk overwrite keeps the id of a command with the same name"

    guild = discord.Object(GUILD_ID)
    bot.tree.copy_global_to(guild=guild)
    guild_synced = await bot.tree.sync(guild=guild)
    assert discord_fake.calls("PUT", rf"/applications/{APPLICATION_ID}/guilds/{GUILD_ID}/commands")
    assert [c["name"] for c in discord_fake.guild_commands(GUILD_ID)] == ["mentor"]
    assert guild_synced[0].guild_id == GUILD_ID and guild_synced[0].id != synced[0].id


# ------------------------------------------------------------------------------------ interactions


async def test_slash_command_reaches_handler_and_ephemeral_reply_is_recorded(
    discord_fake: FakeDiscord, bot: MentorTestBot
) -> None:
    await bot.tree.sync()
    record = await discord_fake.push_interaction(
        discord_fake.build.slash("mentor request", {"skills": "SEO, ads"})
    )

    callback = await record.wait_callback()
    assert callback.type == CALLBACK_CHANNEL_MESSAGE and callback.status == 200
    assert callback.flags == FLAG_EPHEMERAL
    assert callback.data["content"] == "Looking for mentors in SEO, ads"
    assert bot.seen == [("request", "SEO, ads", MENTEE_USER_ID)]
    assert record.payload["data"]["id"] == discord_fake.commands[0]["id"]
    callback_call = discord_fake.calls("POST", rf"/interactions/{record.id}/[^/]+/callback")[0]
    assert callback_call.query == {"with_response": "1"}
    assert missing_keys(load_fixture("interaction_callback_response"), callback_call.response) == []
    original = await record.wait_original()
    button = original["components"][0]["components"][0]
    assert button["custom_id"] == "mentorbot:offer.accept:42" and original["flags"] == FLAG_EPHEMERAL


async def test_subcommand_group_typed_options_and_manage_server_check(
    discord_fake: FakeDiscord, bot: MentorTestBot
) -> None:
    options = {"max_mentees": 3, "open_signups": False}
    allowed = await discord_fake.push_interaction(
        discord_fake.build.slash("mentor admin settings", options, user_id=MODERATOR_USER_ID)
    )
    denied = await discord_fake.push_interaction(discord_fake.build.slash("mentor admin settings", options))

    assert (await allowed.wait_callback()).data["content"] == "max=3 open=False"
    assert (await denied.wait_callback()).data["content"] == "You need Manage Server"
    assert bot.seen == [("settings", 3, False)]
    assert isinstance(bot.errors[0], app_commands.MissingPermissions)
    group = allowed.payload["data"]["options"][0]
    assert (group["type"], group["options"][0]["type"]) == (2, 1)


async def test_autocomplete_answers_with_choices(discord_fake: FakeDiscord, bot: MentorTestBot) -> None:
    record = await discord_fake.push_interaction(
        discord_fake.build.autocomplete("mentor find", "skill", "ma")
    )

    callback = await record.wait_callback()
    assert callback.type == CALLBACK_AUTOCOMPLETE_RESULT
    assert record.choices == [
        {"name": "Email marketing", "value": "email marketing"},
    ]
    assert bot.seen == [("autocomplete", "ma", MENTEE_USER_ID)]


async def test_deferred_reply_followups_and_original_edit(
    discord_fake: FakeDiscord, bot: MentorTestBot
) -> None:
    record = await discord_fake.push_interaction(discord_fake.build.slash("mentor match"))

    callback = await record.wait_callback()
    assert callback.type == CALLBACK_DEFERRED_CHANNEL_MESSAGE and callback.flags == FLAG_EPHEMERAL
    followups = await record.wait_followups(2)
    await discord_fake.wait_for_call("PATCH", r"/webhooks/\d+/[^/]+/messages/@original")
    # Like Discord, the first follow-up after a defer fills the loading original message.
    assert followups[0] is record.original
    assert followups[1]["content"] == "Details sent by DM" and followups[1]["id"] != followups[0]["id"]
    original = await record.wait_original()
    assert original["content"] == "Matched 3 pairs (edited)"
    await discord_fake.wait_for_call("GET", r"/webhooks/\d+/[^/]+/messages/@original")
    assert bot.seen == [("match", "Matched 3 pairs (edited)")]
    assert original["flags"] & FLAG_EPHEMERAL and not original["flags"] & FLAG_LOADING


async def test_button_click_dispatches_to_the_dynamic_item(
    discord_fake: FakeDiscord, bot: MentorTestBot
) -> None:
    request = await discord_fake.push_interaction(
        discord_fake.build.slash("mentor request", {"skills": "SEO"})
    )
    message = await request.wait_original()

    click = await discord_fake.push_interaction(
        discord_fake.build.button("mentorbot:offer.accept:42", message=message, user_id=MENTOR_USER_ID)
    )

    callback = await click.wait_callback()
    assert callback.type == CALLBACK_UPDATE_MESSAGE and callback.data["components"] == []
    assert bot.seen[-1] == ("accept", 42, MENTOR_USER_ID)
    assert discord_fake.messages[int(message["id"])]["content"] == "Offer 42 accepted"


async def test_modal_opens_and_submit_reaches_on_submit(
    discord_fake: FakeDiscord, bot: MentorTestBot
) -> None:
    opened = await discord_fake.push_interaction(discord_fake.build.slash("mentor feedback"))
    assert (await opened.wait_callback()).type == CALLBACK_MODAL
    modal = opened.modal
    assert modal is not None and modal["title"] == "Mentoring feedback"

    for in_action_rows in (False, True):
        submit = await discord_fake.push_interaction(
            discord_fake.build.modal_submit(
                modal["custom_id"], {"feedback_text": "Very helpful"}, in_action_rows=in_action_rows
            )
        )
        assert (await submit.wait_callback()).data["content"] == "Thanks: Very helpful"
        # discord.py forgets a modal once submitted: re-open it for the second form of payload.
        if not in_action_rows:
            reopened = await discord_fake.push_interaction(discord_fake.build.slash("mentor feedback"))
            await reopened.wait_callback()
            modal = reopened.modal
            assert modal is not None
    assert [s[:2] for s in bot.seen] == [("feedback", "Very helpful")] * 2


async def test_dm_slash_command_has_user_and_dm_channel(
    discord_fake: FakeDiscord, bot: MentorTestBot
) -> None:
    seen: list[discord.Interaction[Any]] = []

    async def on_interaction(interaction: discord.Interaction[Any]) -> None:
        seen.append(interaction)

    bot.add_listener(on_interaction)
    record = await discord_fake.push_interaction(
        discord_fake.build.slash("mentor request", {"skills": "Analytics"}, dm=True)
    )

    await record.wait_callback()
    assert isinstance(seen[0].channel, discord.DMChannel) and seen[0].guild is None
    assert isinstance(seen[0].user, discord.User) and seen[0].user.id == MENTEE_USER_ID


# ------------------------------------------------------------------------------------------ DMs


async def test_dm_to_user_with_closed_dms_raises_forbidden(
    discord_fake: FakeDiscord, bot: MentorTestBot
) -> None:
    discord_fake.close_dms(MENTOR_USER_ID)
    closed = await bot.fetch_user(MENTOR_USER_ID)
    with pytest.raises(discord.Forbidden) as caught:
        await closed.send("Welcome to the programme")
    assert caught.value.code == 50007 and caught.value.status == 403
    assert caught.value.text == "Cannot send messages to this user"
    assert MENTOR_USER_ID not in discord_fake.dms

    mentee = await bot.fetch_user(MENTEE_USER_ID)
    sent = await mentee.send("Your plan", file=discord.File(io.BytesIO(b"week 1: SEO basics"), "plan.txt"))
    [dm] = await discord_fake.wait_for_dm(MENTEE_USER_ID)
    assert dm["content"] == "Your plan" and dm["attachments"][0]["filename"] == "plan.txt"
    assert sent.attachments[0].size == len(b"week 1: SEO basics")
    upload = discord_fake.calls("POST", r"/channels/\d+/messages")[-1]
    assert upload.json["content"] == "Your plan"
    assert [(f.filename, f.data) for f in upload.files] == [("plan.txt", b"week 1: SEO basics")]

    edited = await sent.edit(content="Your plan (v2)")
    assert edited.content == "Your plan (v2)" and edited.edited_at is not None
    assert discord_fake.dms[MENTEE_USER_ID][0]["content"] == "Your plan (v2)"
    assert discord_fake.calls("PATCH", rf"/channels/{sent.channel.id}/messages/{sent.id}")


async def test_slash_command_with_user_option_meets_closed_dms(
    discord_fake: FakeDiscord, bot: MentorTestBot
) -> None:
    discord_fake.close_dms(MENTOR_USER_ID)
    record = await discord_fake.push_interaction(
        discord_fake.build.slash("mentor notify", [user_option("member", MENTOR_USER_ID)])
    )

    assert (await record.wait_callback()).data["content"] == "Men Tor has closed DMs"
    assert isinstance(bot.errors[0], discord.Forbidden) and bot.errors[0].code == 50007


async def test_scripted_failures_answer_the_next_calls_of_a_route(
    discord_fake: FakeDiscord, bot: MentorTestBot
) -> None:
    mentee = await bot.fetch_user(MENTEE_USER_ID)
    discord_fake.fail_next("POST", r"/channels/\d+/messages", status=503, times=2)
    for _ in range(2):
        with pytest.raises(discord.DiscordServerError) as down:
            await mentee.send("hello")
        assert down.value.status == 503
    await mentee.send("hello")  # only the next two failed
    assert [m["content"] for m in discord_fake.dms[MENTEE_USER_ID]] == ["hello"]

    discord_fake.fail_next("POST", r"/channels/\d+/messages", status=429, retry_after=0.05)
    await mentee.send("after a short wait")  # discord.py waits out a short rate limit and tries again
    limited, sent = discord_fake.calls("POST", r"/channels/\d+/messages")[-2:]
    assert (limited.status, sent.status) == (429, 200)
    assert limited.response == {"message": "You are being rate limited.", "retry_after": 0.05, "global": False}

    bot.http.max_ratelimit_timeout = 30.0
    discord_fake.fail_next("POST", r"/channels/\d+/messages", status=429, retry_after=120)
    with pytest.raises(discord.RateLimited) as long_limit:
        await mentee.send("too long to wait")
    assert long_limit.value.retry_after == 120
    assert discord_fake.rest.failures == []


# --------------------------------------------------------------------------- Discord's deadlines


async def test_late_callback_gets_unknown_interaction(discord_fake: FakeDiscord, bot: MentorTestBot) -> None:
    discord_fake.interaction_deadline = 0.3
    bot.response_delay = 0.5
    record = await discord_fake.push_interaction(discord_fake.build.slash("mentor slow"))

    callback = await record.wait_callback()
    assert (callback.status, callback.error_code) == (404, 10062) and callback.at >= 0.3
    await asyncio.sleep(0)
    assert isinstance(bot.errors[0], discord.NotFound) and bot.errors[0].code == 10062
    assert record.invalidated and record.callback is None


async def test_second_callback_gets_already_acknowledged(
    discord_fake: FakeDiscord, bot: MentorTestBot
) -> None:
    bot.raw_interaction = lambda interaction_id: discord_fake.interactions[interaction_id].payload
    record = await discord_fake.push_interaction(discord_fake.build.slash("mentor twice"))

    first, second = await record.wait_callbacks(2)
    assert first.accepted and first.data["content"] == "first"
    assert (second.status, second.error_code) == (400, 40060)
    await asyncio.sleep(0)
    error = bot.errors[0]
    assert isinstance(error, discord.HTTPException) and (error.status, error.code) == (400, 40060)


# ----------------------------------------------------------------------- restarting and resuming


async def test_restarted_bot_still_handles_the_button(discord_fake: FakeDiscord) -> None:
    async with discord_fake.run_client(MentorTestBot()) as first_bot:
        request = await discord_fake.push_interaction(
            discord_fake.build.slash("mentor request", {"skills": "SEO"})
        )
        message = await request.wait_original()
    assert first_bot.is_closed()
    # discord.py's Client.close() asks for 1000, but its polling task sends 4000 first (it sees the socket
    # closing): the first session stays resumable, and the new client identifies afresh all the same.
    assert discord_fake.gateway.connections[0].close_code == 4000

    async with discord_fake.run_client(MentorTestBot()) as second_bot:
        click = await discord_fake.push_interaction(
            discord_fake.build.button("mentorbot:offer.accept:42", message=message)
        )
        assert (await click.wait_callback()).type == CALLBACK_UPDATE_MESSAGE
        assert second_bot.seen == [("accept", 42, MENTEE_USER_ID)]
    assert len(discord_fake.gateway.ops_received(2)) == 2, "the new client identified afresh"


async def test_reconnect_resumes_the_session_and_replays_missed_events(
    discord_fake: FakeDiscord, bot: MentorTestBot
) -> None:
    resumed = asyncio.Event()

    async def on_resumed() -> None:
        resumed.set()

    bot.add_listener(on_resumed)
    session = discord_fake.session
    assert session is not None

    await discord_fake.gateway.request_reconnect()
    await discord_fake.gateway.wait_for_op(6)
    await asyncio.wait_for(resumed.wait(), 5)
    resume_conn = discord_fake.gateway.connections[-1]
    assert resume_conn.path == "/gateway/resume" and resume_conn.session is session

    await discord_fake.gateway.drop_connection(4000)
    record = await discord_fake.push_interaction(
        discord_fake.build.slash("mentor request", {"skills": "Email"})
    )
    assert (await record.wait_callback()).accepted
    replayed_on = discord_fake.gateway.connections[-1]
    assert [f.t for f in replayed_on.sent if f.op == 0] == ["INTERACTION_CREATE", "RESUMED"]
    resumed_frame = replayed_on.sent[-1]
    expected = load_fixture("gateway_resumed")
    frame = resumed_frame
    assert (frame.op, frame.t, frame.d) == (expected["op"], expected["t"], expected["d"])
    assert resumed_frame.s == session.seq
    assert session.resumed_count == 2 and len(discord_fake.gateway.ops_received(2)) == 1


async def test_invalid_session_makes_the_client_identify_again(
    discord_fake: FakeDiscord, bot: MentorTestBot
) -> None:
    async def identify_at_once(shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py's default hook sleeps 5 s before every re-IDENTIFY (public hook, overridable)."""

    bot.before_identify_hook = identify_at_once  # type: ignore[method-assign]
    first = discord_fake.session
    await discord_fake.gateway.invalidate_session(resumable=False)
    await discord_fake.gateway.wait_for_op(2, count=2)
    await discord_fake.wait_for_connection()
    assert discord_fake.session is not first and first is not None and not first.resumable
    assert discord_fake.gateway.connections[-1].path == "/gateway", (
        "back to DEFAULT_GATEWAY, not the resume URL"
    )
    record = await discord_fake.push_interaction(
        discord_fake.build.slash("mentor request", {"skills": "SEO"})
    )
    assert (await record.wait_callback()).accepted


async def test_auto_sharded_client_takes_the_gateway_from_gateway_bot(discord_fake: FakeDiscord) -> None:
    client = discord.AutoShardedClient(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    with point_discord_py_at(discord_fake.api_url, "ws://127.0.0.1:9/not-used"):
        async with running_client(client, token=discord_fake.token):
            assert client.shard_count == 1 and client.get_guild(GUILD_ID) is not None
    assert discord_fake.calls("GET", "/gateway/bot")
    assert discord_fake.gateway.ops_received(2)[0].d["shard"] == [0, 1]


async def test_heartbeats_are_acknowledged() -> None:
    async with FakeDiscord(heartbeat_interval_ms=50) as fake:
        with point_discord_py_at(fake.api_url, fake.gateway_url):
            client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
            async with running_client(client, token=fake.token):
                await fake.gateway.wait_for_op(1, count=4)
                assert client.latency < 1.0
    acks = [f for f in fake.gateway_sent if f.op == 11]
    assert len(acks) >= 4


async def test_wrong_token_fails_login(discord_fake: FakeDiscord) -> None:
    with pytest.raises(discord.LoginFailure):
        async with running_client(discord.Client(intents=discord.Intents.default()), token="not-the-token"):
            pass
    assert discord_fake.rest_calls[-1].status == 401


async def test_privileged_intents_not_enabled_close_with_4014(discord_fake: FakeDiscord) -> None:
    discord_fake.gateway.allowed_privileged_intents = 0
    client = discord.Client(intents=discord.Intents.all(), guild_ready_timeout=0.05)
    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with running_client(client, token=discord_fake.token):
            pass


async def test_members_intent_gets_members_by_chunking(discord_fake: FakeDiscord) -> None:
    intents = discord.Intents.default()
    intents.members = True
    client = discord.Client(intents=intents, guild_ready_timeout=0.05)
    async with running_client(client, token=discord_fake.token):
        guild = client.get_guild(GUILD_ID)
        assert guild is not None and guild.chunked
        moderator = guild.get_member(MODERATOR_USER_ID)
        assert moderator is not None and moderator.guild_permissions.manage_guild
        member = guild.get_member(MENTEE_USER_ID)
        assert member is not None and not member.guild_permissions.manage_guild
    assert discord_fake.gateway.ops_received(8)


# ------------------------------------------------------------------------- recorded payload fixtures


@pytest.mark.parametrize(
    ("fixture", "interaction_type"),
    [
        ("interaction_slash_command_guild", discord.InteractionType.application_command),
        ("interaction_slash_command_dm", discord.InteractionType.application_command),
        ("interaction_slash_subcommand_group_guild", discord.InteractionType.application_command),
        ("interaction_autocomplete_guild", discord.InteractionType.autocomplete),
        ("interaction_button_guild", discord.InteractionType.component),
        ("interaction_modal_submit_guild", discord.InteractionType.modal_submit),
    ],
)
async def test_recorded_fixtures_parse_in_discord_py(
    discord_fake: FakeDiscord, fixture: str, interaction_type: discord.InteractionType
) -> None:
    seen: asyncio.Queue[discord.Interaction[Any]] = asyncio.Queue()
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    client.event(_queue_listener(seen))
    async with running_client(client, token=discord_fake.token):
        await discord_fake.push_interaction(load_fixture(fixture))
        interaction = await asyncio.wait_for(seen.get(), 5)
    assert interaction.type is interaction_type
    assert interaction.user.id == 53908232506183680
    assert interaction.application_id == APPLICATION_ID
    if interaction_type is discord.InteractionType.component:
        assert interaction.message is not None and interaction.custom_id == "click_me"


def _queue_listener(queue: asyncio.Queue[discord.Interaction[Any]]) -> Any:
    async def on_interaction(interaction: discord.Interaction[Any]) -> None:
        queue.put_nowait(interaction)

    return on_interaction


def test_builders_have_the_shape_of_the_recorded_fixtures() -> None:
    fake = FakeDiscord(DiscordWorld.default())
    build = fake.build
    pairs = {
        "interaction_slash_command_guild": build.slash("cardsearch", {"cardname": "The Gitrog Monster"}),
        "interaction_slash_command_dm": build.slash("cardsearch", {"cardname": "x"}, dm=True),
        "interaction_slash_subcommand_group_guild": build.slash(
            "permissions user edit",
            {"user": user_option("user", MENTOR_USER_ID), "level": 3, "notify": True, "reason": "r"},
        ),
        "interaction_autocomplete_guild": build.autocomplete("airhorn", "variant", "data a user is typ"),
        "interaction_button_guild": build.button("click_me"),
        "interaction_modal_submit_guild": build.modal_submit("game_feedback_modal", {"game_feedback": "ok"}),
    }
    select = build.string_select("skills", ["seo"], message=pairs["interaction_button_guild"]["message"])
    assert (select["type"], select["data"]["component_type"], select["data"]["values"]) == (3, 3, ["seo"])
    for name, built in pairs.items():
        missing = missing_keys(load_fixture(name), built)
        # is_pending: in the docs' example member, not in the documented member structure.
        assert [key for key in missing if not key.endswith("is_pending")] == [], name
        json.dumps(built)


# ------------------------------------------------------------------ the fake without discord.py


async def test_point_discord_py_at_restores_the_endpoints() -> None:
    before = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    with point_discord_py_at("http://127.0.0.1:1/api/v10/", "ws://127.0.0.1:1/gateway"):
        assert discord.http.Route.BASE == "http://127.0.0.1:1/api/v10"
        assert discord.http.Route("GET", "/users/@me").url == "http://127.0.0.1:1/api/v10/users/@me"
        assert yarl.URL("ws://127.0.0.1:1/gateway") == discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    assert before == (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)


async def test_rest_unknown_routes_auth_and_multipart(discord_fake: FakeDiscord) -> None:
    auth = {"Authorization": "Bot test-token"}
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{discord_fake.api_url}/guilds/{GUILD_ID}/bans", headers=auth) as resp:
            assert resp.status == 404 and await resp.json() == load_fixture("rest_errors")["not_found"]
        async with http.get(f"{discord_fake.api_url}/users/@me") as resp:
            assert resp.status == 401 and await resp.json() == load_fixture("rest_errors")["unauthorized"]
        async with http.get(
            f"{discord_fake.api_url}/guilds/{GUILD_ID}/members/{MENTOR_USER_ID}", headers=auth
        ) as r:
            member = await r.json()
            assert member["user"]["username"] == "mentor" and "permissions" not in member
        form = aiohttp.FormData(quote_fields=False)
        form.add_field("payload_json", json.dumps({"content": "report"}), content_type="application/json")
        form.add_field("files[0]", b"a,b\n1,2\n", filename="report.csv", content_type="text/csv")
        async with http.post(
            f"{discord_fake.api_url}/channels/{GENERAL_CHANNEL_ID}/messages", data=form, headers=auth
        ) as resp:
            message = await resp.json()
    assert [c.path for c in discord_fake.unknown_calls] == [f"/guilds/{GUILD_ID}/bans"]
    upload = discord_fake.rest_calls[-1]
    assert upload.json == {"content": "report"} and upload.files[0].data == b"a,b\n1,2\n"
    assert upload.files[0].field == "files[0]" and upload.files[0].content_type == "text/csv"
    assert message["attachments"][0]["size"] == 8 and message["guild_id"] == str(GUILD_ID)


async def test_rest_callback_deadline_and_token_rules(discord_fake: FakeDiscord) -> None:
    errors = load_fixture("rest_errors")
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    async with running_client(client, token=discord_fake.token), aiohttp.ClientSession() as http:
        discord_fake.interaction_deadline = 0.2
        late = await discord_fake.push_interaction(discord_fake.build.slash("mentor match"))
        on_time = await discord_fake.push_interaction(discord_fake.build.slash("mentor match"))

        async def post(path: str, body: dict[str, Any]) -> tuple[int, Any]:
            async with http.post(discord_fake.api_url + path, json=body) as resp:
                return resp.status, (await resp.json() if resp.status != 204 else None)

        reply = {"type": 4, "data": {"content": "hi"}}
        assert await post(f"/interactions/{on_time.id}/{on_time.token}/callback", reply) == (204, None)
        assert await post(f"/interactions/{on_time.id}/{on_time.token}/callback", reply) == (
            400,
            errors["interaction_already_acknowledged"],
        )
        status, followup = await post(f"/webhooks/{APPLICATION_ID}/{on_time.token}", {"content": "more"})
        assert status == 200 and on_time.followups == [followup]

        await asyncio.sleep(0.25)
        assert await post(f"/interactions/{late.id}/{late.token}/callback", reply) == (
            404,
            errors["unknown_interaction"],
        )
        assert await post(f"/webhooks/{APPLICATION_ID}/{late.token}", {"content": "x"}) == (
            404,
            errors["unknown_webhook"],
        )
        discord_fake.token_lifetime = 0.1
        assert (await post(f"/webhooks/{APPLICATION_ID}/{on_time.token}", {"content": "late"}))[0] == 401
        assert await post("/interactions/1/nope/callback", reply) == (404, errors["unknown_interaction"])


async def test_gateway_protocol_with_a_raw_websocket(discord_fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(f"{discord_fake.gateway_url}?v=10&encoding=json") as ws:
            assert await ws.receive_json() == {
                "op": 10,
                "d": {"heartbeat_interval": 41250},
                "s": None,
                "t": None,
            }
            await ws.send_json({"op": 1, "d": None})
            assert (await ws.receive_json())["op"] == 11
            await ws.send_json({"op": 3, "d": {"status": "online"}})
            closing = await ws.receive()
            assert closing.type == aiohttp.WSMsgType.CLOSE and closing.data == 4003

        async with http.ws_connect(f"{discord_fake.gateway_url}?v=10&encoding=json") as ws:
            await ws.receive_json()
            await ws.send_json({"op": 2, "d": {"token": "wrong", "intents": 1, "properties": {}}})
            assert (await ws.receive()).data == 4004

        async with http.ws_connect(f"{discord_fake.gateway_url}?v=10&encoding=json") as ws:
            await ws.receive_json()
            await ws.send_json({"op": 6, "d": {"token": "test-token", "session_id": "nope", "seq": 1}})
            assert await ws.receive_json() == {"op": 9, "d": False, "s": None, "t": None}

        async with http.ws_connect(
            f"{discord_fake.gateway_url}?v=10&encoding=json&compress=zlib-stream"
        ) as ws:
            inflate = zlib.decompressobj()
            hello = (await ws.receive()).data
            assert hello.endswith(b"\x00\x00\xff\xff")
            assert missing_keys(load_fixture("gateway_hello"), json.loads(inflate.decompress(hello))) == []
            await ws.send_json({"op": 2, "d": {"token": "test-token", "intents": 1, "properties": {}}})
            ready = json.loads(inflate.decompress((await ws.receive()).data))
            guild_create = json.loads(inflate.decompress((await ws.receive()).data))
            assert (ready["t"], ready["s"], guild_create["t"], guild_create["s"]) == (
                "READY",
                1,
                "GUILD_CREATE",
                2,
            )
            assert missing_keys(load_fixture("gateway_ready"), ready) == []
            assert ready["d"]["guilds"] == [{"id": str(GUILD_ID), "unavailable": True}]
            assert ready["d"]["resume_gateway_url"].endswith("/gateway/resume")
            assert [m["user"]["id"] for m in guild_create["d"]["members"]] == [str(BOT_USER_ID)]

        async with http.ws_connect(f"{discord_fake.gateway_url}?v=9&encoding=etf") as ws:
            assert (await ws.receive()).data == 4002
    assert [f.op for f in discord_fake.gateway_received][:2] == [1, 3]


# ------------------------------------------------------------------------------------ Discord's limits


def _error_paths(errors: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """The fields of a 50035 ``errors`` object, as dotted paths, with the code of their first error."""
    found: dict[str, str] = {}
    for key, value in errors.items():
        if key == "_errors":
            found[prefix.rstrip(".")] = value[0]["code"]
        else:
            found.update(_error_paths(value, f"{prefix}{key}."))
    return found


async def test_rest_refuses_messages_over_discords_limits(discord_fake: FakeDiscord) -> None:
    auth = {"Authorization": f"Bot {discord_fake.token}"}
    dm = discord_fake.world.dm_channel_id(MENTEE_USER_ID)
    url = f"{discord_fake.api_url}/channels/{dm}/messages"

    def button(custom_id: str, label: str = "ok") -> dict[str, Any]:
        return {"type": 2, "style": 1, "label": label, "custom_id": custom_id}

    def row(*buttons: dict[str, Any]) -> dict[str, Any]:
        return {"type": 1, "components": list(buttons)}

    refused: list[tuple[dict[str, Any], dict[str, str]]] = [
        ({"content": "x" * 2001}, {"content": "BASE_TYPE_MAX_LENGTH"}),
        ({"embeds": [{"description": "d"}] * 11}, {"embeds": "BASE_TYPE_MAX_LENGTH"}),
        (
            {"embeds": [{"title": "t" * 257, "description": "d" * 4097}]},
            {"embeds.0.title": "BASE_TYPE_MAX_LENGTH", "embeds.0.description": "BASE_TYPE_MAX_LENGTH"},
        ),
        ({"embeds": [{"fields": [{"name": "n", "value": "v"}] * 26}]}, {"embeds.0.fields": "BASE_TYPE_MAX_LENGTH"}),
        (
            {"embeds": [{"fields": [{"name": "n" * 257, "value": "v" * 1025}, {"name": "", "value": " "}]}]},
            {
                "embeds.0.fields.0.name": "BASE_TYPE_MAX_LENGTH",
                "embeds.0.fields.0.value": "BASE_TYPE_MAX_LENGTH",
                "embeds.0.fields.1.name": "BASE_TYPE_REQUIRED",
                "embeds.0.fields.1.value": "BASE_TYPE_REQUIRED",
            },
        ),
        (
            {"embeds": [{"description": "d" * 4000}, {"title": "t", "description": "d" * 2000}]},
            {"embeds": "MAX_EMBED_SIZE_EXCEEDED"},
        ),
        (
            {"content": "x", "components": [row(button(f"b{i}")) for i in range(6)]},
            {"components": "BASE_TYPE_MAX_LENGTH"},
        ),
        (
            {"content": "x", "components": [row(*(button(f"b{i}") for i in range(6)))]},
            {"components.0.components": "BASE_TYPE_MAX_LENGTH"},
        ),
        (
            {"content": "x", "components": [row(button("a" * 101), button("", "y"), button("c", "l" * 81))]},
            {
                "components.0.components.0.custom_id": "BASE_TYPE_BAD_LENGTH",
                "components.0.components.1.custom_id": "BASE_TYPE_BAD_LENGTH",
                "components.0.components.2.label": "BASE_TYPE_MAX_LENGTH",
            },
        ),
        (
            {"content": "x", "components": [row(button("same")), row(button("other"), button("same"))]},
            {"components.1.components.1.custom_id": "COMPONENT_CUSTOM_ID_DUPLICATED"},
        ),
    ]
    at_the_limits = {
        "content": "x" * 2000,
        "embeds": [{"title": "t" * 256, "description": "d" * 4096, "fields": [{"name": "\u200b", "value": "v"}] * 25}],
        "components": [row(*(button(f"{r}-{i}" + "c" * 90, "l" * 80) for i in range(5))) for r in range(5)],
    }
    async with aiohttp.ClientSession() as http:
        for body, expected in refused:
            async with http.post(url, json=body, headers=auth) as resp:
                answer = await resp.json()
            assert (resp.status, answer["code"], answer["message"]) == (400, 50035, "Invalid Form Body"), body
            assert _error_paths(answer["errors"]) == expected
        async with http.post(url, json={"content": " \n "}, headers=auth) as resp:
            assert (resp.status, (await resp.json())["code"]) == (400, 50006)
        form = aiohttp.FormData(quote_fields=False)
        form.add_field("payload_json", json.dumps({"content": "files"}), content_type="application/json")
        for i in range(11):
            form.add_field(f"files[{i}]", b"x", filename=f"f{i}.txt", content_type="text/plain")
        async with http.post(url, data=form, headers=auth) as resp:
            assert resp.status == 400 and _error_paths((await resp.json())["errors"]) == {
                "attachments": "BASE_TYPE_MAX_LENGTH"
            }
        assert discord_fake.messages == {} and discord_fake.dms == {}

        async with http.post(url, json=at_the_limits, headers=auth) as resp:
            assert resp.status == 200
            sent = await resp.json()
        async with http.patch(f"{url}/{sent['id']}", json={"content": "y" * 2001}, headers=auth) as resp:
            assert resp.status == 400 and _error_paths((await resp.json())["errors"]) == {
                "content": "BASE_TYPE_MAX_LENGTH"
            }
    assert discord_fake.messages[int(sent["id"])]["content"] == "x" * 2000


async def test_rest_refuses_interaction_answers_over_discords_limits(discord_fake: FakeDiscord) -> None:
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    async with running_client(client, token=discord_fake.token), aiohttp.ClientSession() as http:

        async def call(method: str, path: str, body: dict[str, Any]) -> tuple[int, dict[str, str] | None]:
            async with http.request(method, discord_fake.api_url + path, json=body) as resp:
                answer = await resp.json() if resp.status != 204 else None
                return resp.status, _error_paths(answer["errors"]) if resp.status == 400 else None

        command = await discord_fake.push_interaction(discord_fake.build.slash("mentor match"))
        callback = f"/interactions/{command.id}/{command.token}/callback"
        assert await call("POST", callback, {"type": 4, "data": {"content": "x" * 2001}}) == (
            400,
            {"data.content": "BASE_TYPE_MAX_LENGTH"},
        )
        text_input = {"type": 4, "custom_id": "t", "style": 1, "label": "l" * 46, "placeholder": "p" * 101}
        modal = {"title": "m" * 46, "custom_id": "modal", "components": [{"type": 1, "components": [text_input]}]}
        assert await call("POST", callback, {"type": 9, "data": modal}) == (
            400,
            {
                "data.title": "BASE_TYPE_MAX_LENGTH",
                "data.components.0.components.0.label": "BASE_TYPE_MAX_LENGTH",
                "data.components.0.components.0.placeholder": "BASE_TYPE_MAX_LENGTH",
            },
        )
        labelled = {"type": 4, "custom_id": "t", "style": 2, "value": "v" * 4001, "max_length": 4001}
        label = {"type": 18, "label": "l" * 46, "component": labelled}
        modal = {"title": "ok", "custom_id": "modal", "components": [label]}
        assert await call("POST", callback, {"type": 9, "data": modal}) == (
            400,
            {
                "data.components.0.label": "BASE_TYPE_MAX_LENGTH",
                "data.components.0.component.value": "BASE_TYPE_MAX_LENGTH",
                "data.components.0.component.max_length": "NUMBER_TYPE_MAX",
            },
        )
        assert command.callback is None, "a refused callback does not acknowledge the interaction"
        assert await call("POST", callback, {"type": 4, "data": {"content": "ok"}}) == (204, None)

        followups = f"/webhooks/{APPLICATION_ID}/{command.token}"
        assert await call("POST", followups, {"embeds": [{"description": "d"}] * 11}) == (
            400,
            {"embeds": "BASE_TYPE_MAX_LENGTH"},
        )
        assert await call("PATCH", f"{followups}/messages/@original", {"content": "x" * 2001}) == (
            400,
            {"content": "BASE_TYPE_MAX_LENGTH"},
        )
        assert command.followups == [] and command.original is not None and command.original["content"] == "ok"

        click = await discord_fake.push_interaction(discord_fake.build.button("offer"))
        row = {"type": 1, "components": [{"type": 2, "style": 1, "label": "b", "custom_id": "a" * 101}]}
        assert await call(
            "POST", f"/interactions/{click.id}/{click.token}/callback", {"type": 7, "data": {"components": [row]}}
        ) == (400, {"data.components.0.components.0.custom_id": "BASE_TYPE_BAD_LENGTH"})

        typing = await discord_fake.push_interaction(discord_fake.build.autocomplete("mentor find", "skill", "s"))
        choices = [{"name": "n" * 101, "value": "v"}, {"name": "ok", "value": ""}]
        assert await call(
            "POST", f"/interactions/{typing.id}/{typing.token}/callback", {"type": 8, "data": {"choices": choices}}
        ) == (400, {"data.choices.0.name": "BASE_TYPE_BAD_LENGTH", "data.choices.1.value": "BASE_TYPE_BAD_LENGTH"})
        assert typing.choices is None
