"""Fixtures for the Discord adapter: a real discord.py client against the fake Discord, over a SQLite store in
tmp_path and a manual clock (the ``clock`` fixture of tests/conftest.py)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.settings import Settings
from mentorbot.storage.sqlite_engine import SqliteDatabase
from mentorbot.storage.store import Store
from mentorbot_discord.client import MentorBotClient
from tests.discord.helpers import COORDINATOR_USER_ID, SECOND_MENTOR_USER_ID, Members, make_settings, new_client
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.discord_models import GUILD_ID, FakeMember, FakeUser


@pytest.fixture(scope="session")
def library() -> Library:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    return Library(settings.skills_file, settings.courses_file)


@pytest.fixture
def world(discord_fake: FakeDiscord) -> FakeDiscord:
    """The default world plus a second mentor and a coordinator (an admin by settings only)."""
    guild = discord_fake.world.guild(GUILD_ID)
    extra = (FakeUser(SECOND_MENTOR_USER_ID, "second", "Sec Ond"), FakeUser(COORDINATOR_USER_ID, "coord", "Co Ord"))
    for user in extra:
        discord_fake.world.add_user(user)
        guild.members.append(FakeMember(user.id))
    return discord_fake


@pytest.fixture
def settings(world: FakeDiscord) -> Settings:
    return make_settings(world)


@pytest.fixture
async def store(tmp_path: Path, clock: ManualClock) -> AsyncIterator[Store]:
    the_store = Store(SqliteDatabase(str(tmp_path / "mentorbot.sqlite3")))
    await the_store.open(clock.now())
    yield the_store
    await the_store.close()


@pytest.fixture
def bot(store: Store, library: Library, settings: Settings, clock: ManualClock) -> MentorBot:
    return MentorBot(store, library, settings, clock, worker_id="discord-test")


@pytest.fixture
async def client(world: FakeDiscord, bot: MentorBot, settings: Settings) -> AsyncIterator[MentorBotClient]:
    """A running client with its commands synced to the fake (so interactions carry the real command ids)."""
    async with world.run_client(new_client(bot, settings)) as running:
        await running.tree.sync()
        yield running


@pytest.fixture
def members(world: FakeDiscord, client: MentorBotClient) -> Members:
    return Members(world, client)


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No MENTORBOT_* variable nor .env file leaks in."""
    for name in list(os.environ):
        if name.startswith("MENTORBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    yield
