# ruff: noqa: ASYNC109  (the helpers take timeout= arguments on purpose)
"""Helpers for the Discord adapter's tests: who is who, and `Members`, which drives the fake Discord like
members would (slash commands, clicks, autocomplete) and returns what each member sees: the messages of an
interaction (`Shown`) and their DMs, as text."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from mentorbot.bot import MentorBot
from mentorbot.i18n import Translator, translator
from mentorbot.replies import Outcome
from mentorbot.settings import Settings
from mentorbot_discord.client import MentorBotClient
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.discord_models import (
    CALLBACK_DEFERRED_CHANNEL_MESSAGE,
    CALLBACK_DEFERRED_UPDATE_MESSAGE,
    GUILD_ID,
    JSON,
    MENTEE_USER_ID,
    MENTOR_USER_ID,
    MODERATOR_USER_ID,
    InteractionRecord,
)

__all__ = ["GUILD_ID", "MENTEE_USER_ID", "MENTOR_USER_ID", "MODERATOR_USER_ID"]  # re-exported for the tests

COMMUNITY = f"discord:{GUILD_ID}"
SECOND_MENTOR_USER_ID = 1_200_000_000_000_000_204
COORDINATOR_USER_ID = 1_200_000_000_000_000_205
"""In MENTORBOT_ADMIN_IDS, without Manage Server."""

EN: Translator = translator("en")
SW: Translator = translator("sw")


def message_text(message: dict[str, JSON]) -> str:
    """A Discord message as a member reads it: content, then each embed's title, text and fields."""
    parts: list[str] = []
    if message.get("content"):
        parts.append(message["content"])
    for embed in message.get("embeds") or []:
        if embed.get("title"):
            parts.append(embed["title"])
        if embed.get("description"):
            parts.append(embed["description"])
        parts.extend(f"{f['name']}: {f['value']}" for f in embed.get("fields") or [])
    return "\n".join(parts)


def buttons(message: dict[str, JSON]) -> list[dict[str, JSON]]:
    """The buttons of a message, in order."""
    return [c for row in message.get("components") or [] for c in row.get("components") or []]


@dataclass
class Shown:
    """What a member saw after one interaction: its messages (first the reply), as the fake recorded them."""

    record: InteractionRecord
    messages: list[dict[str, JSON]] = field(default_factory=list)

    @property
    def callback_type(self) -> int | None:
        cb = self.record.callback
        return cb.type if cb else None

    @property
    def first(self) -> dict[str, JSON]:
        return self.messages[0]

    @property
    def text(self) -> str:
        """The reply's text."""
        return message_text(self.messages[0])

    @property
    def texts(self) -> list[str]:
        """Every message's text."""
        return [message_text(m) for m in self.messages]

    @property
    def all_ephemeral(self) -> bool:
        return all(int(m.get("flags") or 0) & 64 for m in self.messages)


class Members:
    """Acts in the fake Discord as members do, and waits until the bot has fully handled each action."""

    def __init__(self, fake: FakeDiscord, client: MentorBotClient) -> None:
        self.fake = fake
        self.handled: dict[int, Outcome] = {}
        self.refused: set[int] = set()
        self.attach(client)

    def attach(self, client: MentorBotClient) -> None:
        """Follow a (new) client: its handled and refused interactions."""
        self.client = client

        async def on_mentorbot_interaction(interaction: Any, outcome: Outcome) -> None:
            self.handled[interaction.id] = outcome
            self.fake.signal.notify()

        async def on_mentorbot_refused(interaction: Any) -> None:
            self.refused.add(interaction.id)
            self.fake.signal.notify()

        # discord.py dispatches to on_<event>
        client.on_mentorbot_interaction = on_mentorbot_interaction
        client.on_mentorbot_refused = on_mentorbot_refused

    async def _handled(self, record: InteractionRecord, timeout: float = 5.0) -> Outcome:
        return await self.fake.signal.wait_for(
            lambda: self.handled.get(record.id), timeout, f"the bot to handle interaction {record.id}"
        )

    async def _refused(self, record: InteractionRecord, timeout: float = 5.0) -> None:
        await self.fake.signal.wait_for(
            lambda: True if record.id in self.refused else None, timeout, f"the bot to refuse interaction {record.id}"
        )

    async def shown(self, record: InteractionRecord, *, handled: bool = True) -> Shown:
        """What the member saw of an interaction, once the bot has handled it (or, `handled` false, refused
        it outside a guild)."""
        if handled:
            await self._handled(record)
        else:
            await self._refused(record)
        cb = record.callback
        assert cb is not None, [c.error_code for c in record.callbacks]
        messages: list[dict[str, JSON]] = []
        followups = list(record.followups)
        if cb.type == CALLBACK_DEFERRED_CHANNEL_MESSAGE:
            original = await record.wait_original()
            messages.append(original)
            followups = followups[1:]  # the first follow-up filled the deferred original
        elif cb.type == CALLBACK_DEFERRED_UPDATE_MESSAGE:
            pass  # the clicked message was edited (see the message itself)
        elif record.original is not None:
            messages.append(record.original)
        messages.extend(followups)
        return Shown(record, messages)

    async def push_slash(
        self, path: str, options: dict[str, Any] | None = None, *, user: int = MENTEE_USER_ID, dm: bool = False
    ) -> InteractionRecord:
        """Start a slash command as `user`, without waiting for the bot (see `shown`)."""
        return await self.fake.push_interaction(self.fake.build.slash(path, options, user_id=user, dm=dm))

    async def slash(
        self, path: str, options: dict[str, Any] | None = None, *, user: int = MENTEE_USER_ID, dm: bool = False
    ) -> Shown:
        """Run a slash command as `user`; what they saw."""
        record = await self.push_slash(path, options, user=user, dm=dm)
        return await self.shown(record, handled=not dm)

    async def click(
        self, message: dict[str, JSON], custom_id: str, *, user: int, dm: bool = False, handled: bool = True
    ) -> Shown:
        """Click a button of `message` as `user`; what they saw (an updated message is `message` itself)."""
        record = await self.fake.push_interaction(
            self.fake.build.button(custom_id, message=message, user_id=user, dm=dm)
        )
        return await self.shown(record, handled=handled)

    async def complete(
        self, path: str, focused: str, value: str, *, user: int = MENTEE_USER_ID, dm: bool = False
    ) -> list[dict[str, JSON]]:
        """The autocomplete choices offered while `user` types `value` into option `focused`."""
        record = await self.fake.push_interaction(
            self.fake.build.autocomplete(path, focused, value, user_id=user, dm=dm)
        )
        await record.wait_callback()
        choices = record.choices
        assert choices is not None, record.callbacks
        return choices

    async def dms(self, user: int, count: int = 1) -> list[dict[str, JSON]]:
        """The DMs `user` has received, once there are at least `count`."""
        return await self.fake.wait_for_dm(user, count=count)

    def dm_texts(self, user: int) -> list[str]:
        return [message_text(m) for m in self.fake.dms.get(user, [])]


async def sign_up_mentor(members: Members, user: int = MENTOR_USER_ID) -> None:
    """`user` becomes a mentor in crisis communications and brand strategy."""
    shown = await members.slash(
        "mentor signup",
        {"skills": "crisis-communications, brand strategy", "levels": "expert", "timezone": "Africa/Nairobi"},
        user=user,
    )
    assert shown.first["embeds"][0]["description"] == EN("signup.created")


async def all_delivered(bot: MentorBot, timeout: float = 5.0) -> None:
    """Wait until the client has reported every notification delivered to the outbox (it posts, then marks):
    only then may a test jump the clock past the outbox lease without the recovery sending one again."""
    for _ in range(int(timeout / 0.01)):
        if not await bot.store.count_undelivered():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"notifications still undelivered after {timeout} s")


def make_settings(fake: FakeDiscord, **overrides: Any) -> Settings:
    """Settings pointing at the fake, isolated from the machine's environment and .env."""
    values: dict[str, Any] = {
        "admin_ids": [str(COORDINATOR_USER_ID)],
        "rate_limit_per_minute": 10_000,
        "discord": {"token": fake.token, "api_url": fake.api_url, "gateway_url": fake.gateway_url},
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def new_client(bot: MentorBot, settings: Settings, **options: Any) -> MentorBotClient:
    options.setdefault("guild_ready_timeout", 0.05)
    return MentorBotClient(bot, settings, **options)
