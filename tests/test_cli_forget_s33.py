"""`mentorbot admin forget`: an admin forgets a member who can no longer run `/mentor forget` themself.

A hunt found that a member who left the Discord server or whose Slack account was deactivated kept everything
(their name, platform id, request notes, feedback comments) for good: their own `/mentor forget` cannot reach the bot
any more, and no admin command or CLI could forget someone else, though docs/deploy.md said "kept until an admin
forgets a member"."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from mentorbot.app import open_bot
from mentorbot.cli import main
from mentorbot.i18n import translator
from mentorbot.settings import Settings
from mentorbot.usecases.context import Caller

COMMUNITY = "discord:123456789012345678"
EN = translator("en")


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """An empty working folder, no MENTORBOT_* variable and no .env."""
    for name in list(os.environ):
        if name.upper().startswith("MENTORBOT_") and not name.upper().startswith("MENTORBOT_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def who(name: str) -> Caller:
    return Caller(COMMUNITY, f"U-{name}", name.capitalize())


async def matched(url: str) -> None:
    """Baraka mentors Amina."""
    async with open_bot(Settings(database_url=url)) as bot:
        await bot.signup(who("baraka"), skills="seo", levels="expert")
        request = await bot.request(who("amina"), skills="seo")
        [offer] = [n for n in request.notifications if n.platform_user_id == "U-baraka"]
        assert offer.key is not None
        await bot.accept(who("baraka"), offer_id=offer.key.removeprefix("offer:"))


async def state(url: str) -> tuple[bool, list[str]]:
    """Whether Amina is still a member, and the texts waiting in the outbox for Baraka."""
    async with open_bot(Settings(database_url=url), upgrade=False) as bot:
        store = bot.store
        amina = await store.find_member(COMMUNITY, "U-amina")
        baraka = await store.find_member(COMMUNITY, "U-baraka")
        assert baraka is not None
        async with store.read() as conn:
            found = await conn.fetch_all(
                "SELECT payload FROM outbox WHERE member_id = ? AND claimed_by IS NULL ORDER BY id", baraka.id
            )
        return amina is not None, [str(r["payload"]) for r in found]


def test_an_admin_forgets_a_member_who_left(cli_env: Path) -> None:
    db = cli_env / "bot.sqlite3"
    url = f"sqlite:///{db}"
    asyncio.run(matched(url))
    result = CliRunner().invoke(
        main, ["admin", "forget", "U-amina", "--community", COMMUNITY, "--db", str(db), "--yes"]
    )
    assert result.exit_code == 0, result.output
    assert "Amina (U-amina) was forgotten" in result.stdout
    still, after = asyncio.run(state(url))
    assert not still, "her data is deleted"
    assert any("Your mentee in mentorship #1 has left MentorBot" in text for text in after), (
        "her mentor is told, by the outbox, claimed by nobody: the running bot sends it at once"
    )


async def left(url: str) -> None:
    """Amina left the server (the adapter reported it): her mentor was told."""
    async with open_bot(Settings(database_url=url)) as bot:
        await bot.member_left(COMMUNITY, "U-amina")


def test_forgetting_a_member_who_left_does_not_say_they_are_back(cli_env: Path) -> None:
    db = cli_env / "bot.sqlite3"
    url = f"sqlite:///{db}"
    asyncio.run(matched(url))
    asyncio.run(left(url))
    result = CliRunner().invoke(
        main, ["admin", "forget", "U-amina", "--community", COMMUNITY, "--db", str(db), "--yes"]
    )
    assert result.exit_code == 0, result.output
    still, told = asyncio.run(state(url))
    assert not still
    assert not any("is back" in text for text in told), told


def test_an_unknown_member_is_said_and_nothing_is_created(cli_env: Path) -> None:
    db = cli_env / "bot.sqlite3"
    url = f"sqlite:///{db}"
    asyncio.run(matched(url))
    result = CliRunner().invoke(
        main, ["admin", "forget", "U-nobody", "--community", COMMUNITY, "--db", str(db), "--yes"]
    )
    assert result.exit_code == 1
    assert "There is no member U-nobody" in result.stderr
    assert asyncio.run(state(url))[0], "Amina untouched"


def test_without_yes_it_asks_and_a_no_keeps_the_member(cli_env: Path) -> None:
    db = cli_env / "bot.sqlite3"
    url = f"sqlite:///{db}"
    asyncio.run(matched(url))
    result = CliRunner().invoke(
        main, ["admin", "forget", "U-amina", "--community", COMMUNITY, "--db", str(db)], input="n\n"
    )
    assert result.exit_code == 1
    assert "Forget Amina (U-amina)" in result.output and "Nothing was forgotten" in result.output
    assert asyncio.run(state(url))[0]
