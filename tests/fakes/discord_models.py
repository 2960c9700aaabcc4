# ruff: noqa: ASYNC109  (the test API takes timeout= arguments on purpose: await record.wait_callback(2.0))
"""The world a fake Discord serves (users, guilds, roles, channels) and what it records.

Nothing here talks to the network: these are plain data holders shared by the fake's REST API
(:mod:`tests.fakes.discord_rest`), its gateway (:mod:`tests.fakes.discord_gateway`) and the test API
(:mod:`tests.fakes.discord_fake`). Payload shapes follow the Discord API documentation (API v10).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

JSON = Any
"""A decoded JSON value (Discord payloads are dicts of JSON values)."""

T = TypeVar("T")

DISCORD_EPOCH_MS = 1_420_070_400_000

# Permission bits (https://discord.com/developers/docs/topics/permissions#permissions-bitwise-permission-flags).
CREATE_INSTANT_INVITE = 1 << 0
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
USE_APPLICATION_COMMANDS = 1 << 31
ALL_PERMISSIONS = (1 << 53) - 1

EVERYONE_PERMISSIONS = (
    CREATE_INSTANT_INVITE
    | ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | USE_APPLICATION_COMMANDS
)
"""What ``@everyone`` may do in the default world: chat and use app commands, nothing administrative."""

# Message flags (https://discord.com/developers/docs/resources/message#message-object-message-flags).
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7

# Channel types.
GUILD_TEXT = 0
DM = 1

# Interaction types and callback types.
INTERACTION_PING = 1
INTERACTION_APPLICATION_COMMAND = 2
INTERACTION_MESSAGE_COMPONENT = 3
INTERACTION_AUTOCOMPLETE = 4
INTERACTION_MODAL_SUBMIT = 5

CALLBACK_PONG = 1
CALLBACK_CHANNEL_MESSAGE = 4
CALLBACK_DEFERRED_CHANNEL_MESSAGE = 5
CALLBACK_DEFERRED_UPDATE_MESSAGE = 6
CALLBACK_UPDATE_MESSAGE = 7
CALLBACK_AUTOCOMPLETE_RESULT = 8
CALLBACK_MODAL = 9

# Fixed ids of the default world, so tests can name its members without looking them up.
APPLICATION_ID = 1_200_000_000_000_000_001
BOT_USER_ID = APPLICATION_ID  # a bot user shares its application's id
OWNER_USER_ID = 1_200_000_000_000_000_010
GUILD_ID = 1_200_000_000_000_000_100
GENERAL_CHANNEL_ID = 1_200_000_000_000_000_101
MENTORING_CHANNEL_ID = 1_200_000_000_000_000_102
MODERATOR_ROLE_ID = 1_200_000_000_000_000_110
BOT_ROLE_ID = 1_200_000_000_000_000_111
MODERATOR_USER_ID = 1_200_000_000_000_000_201
MENTOR_USER_ID = 1_200_000_000_000_000_202
MENTEE_USER_ID = 1_200_000_000_000_000_203
DEFAULT_TOKEN = "test-token"

JOINED_AT = "2024-01-15T12:00:00.000000+00:00"


def snowflake_time_ms(snowflake: int) -> int:
    """Return the Unix time in milliseconds encoded in a Discord snowflake."""
    return (snowflake >> 22) + DISCORD_EPOCH_MS


class SnowflakeFactory:
    """Mints unique, increasing Discord snowflakes whose timestamp is the current wall-clock time."""

    def __init__(self, worker_id: int = 1, process_id: int = 0) -> None:
        self._worker_id = worker_id & 0x1F
        self._process_id = process_id & 0x1F
        self._increment = itertools.count()
        self._last = 0

    def next(self) -> int:
        """Return a new snowflake, strictly greater than any returned before."""
        millis = int(time.time() * 1000) - DISCORD_EPOCH_MS
        value = (
            (millis << 22)
            | (self._worker_id << 17)
            | (self._process_id << 12)
            | (next(self._increment) & 0xFFF)
        )
        if value <= self._last:
            value = self._last + 1
        self._last = value
        return value


def iso_now() -> str:
    """Return the current UTC time as Discord's ISO8601 timestamps spell it."""
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1_000_000):06d}+00:00"


@dataclass
class FakeUser:
    """A Discord user (or bot user) known to the fake."""

    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    locale: str = "en-US"

    def payload(self) -> dict[str, JSON]:
        """The public user object, as embedded in members, messages and interactions."""
        data: dict[str, JSON] = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "collectibles": None,
            "primary_guild": None,
        }
        if self.bot:
            data["bot"] = True
        return data

    def private_payload(self) -> dict[str, JSON]:
        """The user object of ``GET /users/@me`` (adds the fields only the user itself sees)."""
        data = self.payload()
        data.update(
            {"mfa_enabled": False, "locale": self.locale, "verified": True, "email": None, "premium_type": 0}
        )
        return data


@dataclass
class FakeRole:
    """A guild role with its guild-wide permissions."""

    id: int
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    hoist: bool = False
    managed: bool = False
    mentionable: bool = False

    def payload(self) -> dict[str, JSON]:
        """The role object."""
        return {
            "id": str(self.id),
            "name": self.name,
            "color": self.color,
            "colors": {"primary_color": self.color, "secondary_color": None, "tertiary_color": None},
            "hoist": self.hoist,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }


@dataclass
class FakeChannel:
    """A guild text channel (permission overwrites are not modelled: guild-level permissions apply)."""

    id: int
    name: str
    type: int = GUILD_TEXT
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None

    def payload(self, guild_id: int | None = None) -> dict[str, JSON]:
        """The channel object (``guild_id`` is left out inside GUILD_CREATE, as Discord does)."""
        data: dict[str, JSON] = {
            "id": str(self.id),
            "type": self.type,
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [],
            "topic": self.topic,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "parent_id": str(self.parent_id) if self.parent_id else None,
            "flags": 0,
        }
        if guild_id is not None:
            data["guild_id"] = str(guild_id)
        return data


@dataclass
class FakeMember:
    """A user's membership of a guild."""

    user_id: int
    role_ids: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = JOINED_AT


@dataclass
class FakeGuild:
    """A guild with roles, text channels and members; ``roles`` includes ``@everyone`` (id == guild id)."""

    id: int
    name: str
    owner_id: int
    roles: list[FakeRole]
    channels: list[FakeChannel]
    members: list[FakeMember]
    preferred_locale: str = "en-US"
    features: list[str] = field(default_factory=list)

    def role(self, role_id: int) -> FakeRole:
        """Return the role with this id (KeyError if the guild has none)."""
        for role in self.roles:
            if role.id == role_id:
                return role
        raise KeyError(role_id)

    def channel(self, channel_id: int) -> FakeChannel | None:
        """Return the channel with this id, or None."""
        return next((c for c in self.channels if c.id == channel_id), None)

    def member(self, user_id: int) -> FakeMember | None:
        """Return the membership of this user, or None."""
        return next((m for m in self.members if m.user_id == user_id), None)

    def member_permissions(self, user_id: int) -> int:
        """Guild-level permissions of a member: the owner and ADMINISTRATOR holders get everything."""
        member = self.member(user_id)
        if member is None:
            raise KeyError(user_id)
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        value = self.role(self.id).permissions
        for role_id in member.role_ids:
            value |= self.role(role_id).permissions
        return ALL_PERMISSIONS if value & ADMINISTRATOR else value

    def partial_payload(self) -> dict[str, JSON]:
        """The partial guild sent in an interaction's ``guild`` field."""
        return {"id": str(self.id), "locale": self.preferred_locale, "features": list(self.features)}

    def guild_payload(self) -> dict[str, JSON]:
        """The guild object (as ``GET /guilds/{id}`` returns it)."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "icon_hash": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "widget_enabled": False,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "roles": [r.payload() for r in self.roles],
            "emojis": [],
            "features": list(self.features),
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": str(self.channels[0].id) if self.channels else None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "max_presences": None,
            "max_members": 500000,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": self.preferred_locale,
            "public_updates_channel_id": None,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "nsfw_level": 0,
            "stickers": [],
            "premium_progress_bar_enabled": False,
            "safety_alerts_channel_id": None,
        }


@dataclass
class DiscordWorld:
    """Everything the fake knows: the application, its bot user, users, guilds and who has closed DMs."""

    application_id: int
    application_name: str
    bot_user: FakeUser
    owner: FakeUser
    token: str = DEFAULT_TOKEN
    users: dict[int, FakeUser] = field(default_factory=dict)
    guilds: dict[int, FakeGuild] = field(default_factory=dict)
    closed_dm_user_ids: set[int] = field(default_factory=set)
    dm_channel_ids: dict[int, int] = field(default_factory=dict)
    snowflakes: SnowflakeFactory = field(default_factory=SnowflakeFactory)

    def __post_init__(self) -> None:
        self.users.setdefault(self.bot_user.id, self.bot_user)
        self.users.setdefault(self.owner.id, self.owner)

    @classmethod
    def default(cls, *, token: str = DEFAULT_TOKEN) -> DiscordWorld:
        """One guild, "Marketing Mentors", with #general and #mentoring, a Moderators role holding
        Manage Server, a moderator, a mentor and a mentee (fixed ids: see the module constants)."""
        bot = FakeUser(BOT_USER_ID, "MentorBot", bot=True)
        owner = FakeUser(OWNER_USER_ID, "owner", "Guild Owner")
        moderator = FakeUser(MODERATOR_USER_ID, "moderator", "Mod Erator")
        mentor = FakeUser(MENTOR_USER_ID, "mentor", "Men Tor")
        mentee = FakeUser(MENTEE_USER_ID, "mentee", "Men Tee")
        guild = FakeGuild(
            id=GUILD_ID,
            name="Marketing Mentors",
            owner_id=owner.id,
            roles=[
                FakeRole(GUILD_ID, "@everyone", EVERYONE_PERMISSIONS, position=0),
                FakeRole(
                    MODERATOR_ROLE_ID, "Moderators", MANAGE_GUILD | MANAGE_CHANNELS, position=1, hoist=True
                ),
                FakeRole(BOT_ROLE_ID, "MentorBot", EVERYONE_PERMISSIONS, position=2, managed=True),
            ],
            channels=[
                FakeChannel(GENERAL_CHANNEL_ID, "general", position=0),
                FakeChannel(MENTORING_CHANNEL_ID, "mentoring", position=1, topic="Find a mentor"),
            ],
            members=[
                FakeMember(owner.id),
                FakeMember(bot.id, [BOT_ROLE_ID]),
                FakeMember(moderator.id, [MODERATOR_ROLE_ID]),
                FakeMember(mentor.id),
                FakeMember(mentee.id),
            ],
        )
        world = cls(APPLICATION_ID, "MentorBot", bot, owner, token=token)
        for user in (moderator, mentor, mentee):
            world.add_user(user)
        world.add_guild(guild)
        return world

    def add_user(self, user: FakeUser) -> FakeUser:
        """Make a user known (for DMs, ``GET /users/{id}`` and interactions)."""
        self.users[user.id] = user
        return user

    def add_guild(self, guild: FakeGuild) -> FakeGuild:
        """Add a guild; it is sent in READY (unavailable) and then in GUILD_CREATE."""
        self.guilds[guild.id] = guild
        return guild

    def user(self, user_id: int) -> FakeUser:
        """Return a known user (KeyError if unknown)."""
        return self.users[user_id]

    def guild(self, guild_id: int = GUILD_ID) -> FakeGuild:
        """Return a guild (KeyError if unknown)."""
        return self.guilds[guild_id]

    def dm_channel_id(self, user_id: int) -> int:
        """The id of the DM channel between the bot and this user (made on first use, then stable)."""
        if user_id not in self.dm_channel_ids:
            self.dm_channel_ids[user_id] = self.snowflakes.next()
        return self.dm_channel_ids[user_id]

    def dm_recipient(self, channel_id: int) -> int | None:
        """The user at the other end of a DM channel, or None if it is not a DM channel."""
        return next((u for u, c in self.dm_channel_ids.items() if c == channel_id), None)

    def dm_channel_payload(self, user_id: int) -> dict[str, JSON]:
        """The DM channel object (as ``POST /users/@me/channels`` returns it)."""
        return {
            "id": str(self.dm_channel_id(user_id)),
            "type": DM,
            "last_message_id": None,
            "flags": 0,
            "recipients": [self.user(user_id).payload()],
        }

    def find_channel(self, channel_id: int) -> tuple[FakeGuild | None, FakeChannel | None]:
        """Find a guild channel by id: (guild, channel), or (None, None)."""
        for guild in self.guilds.values():
            channel = guild.channel(channel_id)
            if channel is not None:
                return guild, channel
        return None, None

    def member_payload(
        self, guild_id: int, user_id: int, *, with_permissions: bool = False
    ) -> dict[str, JSON]:
        """The guild member object; with ``permissions`` (as a string) the way interactions carry it."""
        guild = self.guild(guild_id)
        member = guild.member(user_id)
        if member is None:
            raise KeyError(user_id)
        data: dict[str, JSON] = {
            "user": self.user(user_id).payload(),
            "nick": member.nick,
            "avatar": None,
            "banner": None,
            "roles": [str(r) for r in member.role_ids],
            "joined_at": member.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
            "avatar_decoration_data": None,
        }
        if with_permissions:
            data["permissions"] = str(guild.member_permissions(user_id))
        return data

    def guild_create_payload(self, guild_id: int) -> dict[str, JSON]:
        """The GUILD_CREATE payload: the guild object plus members, channels and the other extra fields."""
        guild = self.guild(guild_id)
        data = guild.guild_payload()
        data.update(
            {
                "joined_at": JOINED_AT,
                "large": False,
                "unavailable": False,
                "member_count": len(guild.members),
                "voice_states": [],
                "members": [self.member_payload(guild_id, m.user_id) for m in guild.members],
                "channels": [c.payload() for c in guild.channels],
                "threads": [],
                "presences": [],
                "stage_instances": [],
                "guild_scheduled_events": [],
                "soundboard_sounds": [],
            }
        )
        return data

    def application_payload(self) -> dict[str, JSON]:
        """The application object of ``GET /oauth2/applications/@me``."""
        return {
            "id": str(self.application_id),
            "name": self.application_name,
            "icon": None,
            "description": "Peer mentorship bot (fake Discord)",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "bot": self.bot_user.payload(),
            "owner": self.owner.payload(),
            "team": None,
            "verify_key": "0" * 64,
            "flags": 0,
            "approximate_guild_count": len(self.guilds),
            "approximate_user_install_count": 0,
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "tags": [],
            "integration_types_config": {"0": {}},
        }


class ChangeSignal:
    """Wakes everything waiting on the fake whenever it records something new."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        """Wake all current waiters (they re-check their condition)."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait_for(self, check: Callable[[], T | None], timeout: float, what: str) -> T:
        """Return ``check()`` once it is not None; after ``timeout`` s raise TimeoutError naming ``what``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = check()
            if result is not None:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"fake Discord: timed out after {timeout:g} s waiting for {what}")
            event = self._event
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                continue


@dataclass
class RecordedFile:
    """A file uploaded in a multipart/form-data request."""

    field: str
    filename: str
    content_type: str | None
    data: bytes


@dataclass
class RestCall:
    """One HTTP request to the fake's REST API, with the fake's answer."""

    method: str
    path: str
    """The path below ``/api/v10`` (e.g. ``/users/@me``), or the full path for routes outside it."""
    query: dict[str, str]
    headers: dict[str, str]
    json: JSON = None
    """The JSON body, or for multipart requests the decoded ``payload_json`` part."""
    body: bytes = b""
    files: list[RecordedFile] = field(default_factory=list)
    status: int = 0
    response: JSON = None
    known_route: bool = True
    at: float = 0.0


@dataclass
class GatewayFrame:
    """One payload on a gateway connection (received from the client, or sent to it)."""

    connection_id: int
    op: int
    d: JSON
    s: int | None = None
    t: str | None = None
    at: float = 0.0


@dataclass
class CallbackRecord:
    """One ``POST /interactions/{id}/{token}/callback`` attempt and how the fake answered it."""

    type: int | None
    """The callback type the bot sent (None if its body had none)."""
    data: JSON
    status: int
    error_code: int | None
    at: float
    """Seconds after the interaction was created."""
    files: list[RecordedFile] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        """Whether the fake accepted this callback (2xx)."""
        return 200 <= self.status < 300

    @property
    def flags(self) -> int:
        """The message flags in the callback data (0 when absent)."""
        return int((self.data or {}).get("flags") or 0)


@dataclass
class InteractionRecord:
    """An interaction pushed to the bot, and everything the bot did with its token.

    ``original`` is the interaction's original response message as it stands now (created by a type 4
    callback, a loading message after type 5, or the component's message after type 6/7), and
    ``followups`` the messages returned for ``POST /webhooks/{app}/{token}``. Like Discord, the first
    follow-up after a type 5 (deferred) callback fills the loading original instead of making a new
    message, so that entry is the original message itself.
    """

    id: int
    token: str
    type: int
    payload: dict[str, JSON]
    created_at: float
    signal: ChangeSignal
    callbacks: list[CallbackRecord] = field(default_factory=list)
    original: dict[str, JSON] | None = None
    followups: list[dict[str, JSON]] = field(default_factory=list)
    original_deleted: bool = False
    invalidated: bool = False
    """Set when the bot missed the callback deadline: the token then stops working."""

    @property
    def callback(self) -> CallbackRecord | None:
        """The accepted callback, if any."""
        return next((c for c in self.callbacks if c.accepted), None)

    @property
    def choices(self) -> list[dict[str, JSON]] | None:
        """The autocomplete choices of an accepted type 8 callback, if any."""
        cb = self.callback
        if cb is None or cb.type != CALLBACK_AUTOCOMPLETE_RESULT:
            return None
        return list((cb.data or {}).get("choices", []))

    @property
    def modal(self) -> dict[str, JSON] | None:
        """The modal of an accepted type 9 callback, if any."""
        cb = self.callback
        return cb.data if cb is not None and cb.type == CALLBACK_MODAL else None

    async def wait_callback(self, timeout: float = 5.0) -> CallbackRecord:
        """Wait for the bot's first callback attempt (accepted or rejected) and return it."""
        return await self.signal.wait_for(
            lambda: self.callbacks[0] if self.callbacks else None,
            timeout,
            f"a callback to interaction {self.id}",
        )

    async def wait_callbacks(self, count: int, timeout: float = 5.0) -> list[CallbackRecord]:
        """Wait until the bot has made ``count`` callback attempts; return them all."""
        return await self.signal.wait_for(
            lambda: list(self.callbacks) if len(self.callbacks) >= count else None,
            timeout,
            f"{count} callbacks to interaction {self.id}",
        )

    async def wait_followups(self, count: int = 1, timeout: float = 5.0) -> list[dict[str, JSON]]:
        """Wait until ``count`` follow-ups were posted; return the follow-up messages."""
        return await self.signal.wait_for(
            lambda: list(self.followups) if len(self.followups) >= count else None,
            timeout,
            f"{count} follow-ups to interaction {self.id}",
        )

    async def wait_original(
        self, timeout: float = 5.0, check: Callable[[dict[str, JSON]], bool] | None = None
    ) -> dict[str, JSON]:
        """Wait for the final original response: present and no longer loading (and passing ``check``)."""

        def ready() -> dict[str, JSON] | None:
            msg = self.original
            if msg is None or int(msg.get("flags") or 0) & FLAG_LOADING:
                return None
            return msg if check is None or check(msg) else None

        return await self.signal.wait_for(ready, timeout, f"the original response of interaction {self.id}")
