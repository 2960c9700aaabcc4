"""`mentorbot admin export` and `admin stats` on a community that holds nobody (session 38).

A hunt found that both defaulted `--community` to `console` and, on a Discord or Slack deployment's database,
exited 0 writing header-only CSV files or printing all zeros, naming nothing else (a mistyped
`--community discord:<wrong id>` did the same); `import-mentors` already refused the analogous mistake
(`cli.import.platform_ids_in_console`). They now refuse (exit 1, nothing written) and list the communities the
database holds with their member counts; a database that holds nobody at all (a fresh install) is reported as
before. `admin stats` names the community when the database holds more than one."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from mentorbot.app import open_bot
from mentorbot.cli import main
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.settings import Settings
from mentorbot.storage.store import Store
from mentorbot.usecases.context import Caller

DISCORD = "discord:123456789012345678"
SLACK = "slack:T0123ABC"
EN = translator("en")
SW = translator("sw")


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """An empty working folder, no MENTORBOT_* variable and no .env."""
    for name in list(os.environ):
        if name.upper().startswith("MENTORBOT_") and not name.upper().startswith("MENTORBOT_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    yield tmp_path


async def populate(url: str, *, slack: bool = False) -> None:
    """Three mentors and one mentee in the Discord server; with `slack`, one member in a Slack workspace too."""
    async with open_bot(Settings(database_url=url)) as bot:
        for i in range(3):
            await bot.signup(Caller(DISCORD, f"10000000000000000{i}", f"M{i}"), skills="seo")
        await bot.request(Caller(DISCORD, "200000000000000000", "Amina"), skills="seo")
        if slack:
            await bot.signup(Caller(SLACK, "U0123ABC", "Sam"), skills="seo")


async def fresh(url: str) -> None:
    """A migrated database that holds nobody (a fresh install)."""
    async with open_bot(Settings(database_url=url)):
        pass


def test_export_without_community_on_a_discord_database_is_refused(cli_env: Path) -> None:
    db = cli_env / "bot.sqlite3"
    asyncio.run(populate(f"sqlite:///{db}", slack=True))
    result = CliRunner().invoke(main, ["admin", "export", "out", "--db", str(db)])
    assert result.exit_code == 1, result.output
    assert not (cli_env / "out").exists(), "nothing is written, not even the folder"
    assert f"{DISCORD} (4 members)" in result.output and f"{SLACK} (1 member)" in result.output, result.output
    assert result.output.index(DISCORD) < result.output.index(SLACK), "the largest first"
    assert "--community" in result.output and "“console”" in result.output
    assert "left out" in result.output, "says that console is the default it fell back to"
    assert "Wrote" not in result.output


def test_stats_without_community_on_a_discord_database_is_refused(cli_env: Path) -> None:
    db = cli_env / "bot.sqlite3"
    asyncio.run(populate(f"sqlite:///{db}"))
    result = CliRunner().invoke(main, ["admin", "stats", "--db", str(db)])
    assert result.exit_code == 1, result.output
    assert f"{DISCORD} (4 members)" in result.output and "--community" in result.output, result.output
    assert EN("stats.title") not in result.output, "no figures of an empty community"


def test_stats_with_a_chart_on_an_empty_community_writes_no_chart(cli_env: Path) -> None:
    db = cli_env / "bot.sqlite3"
    asyncio.run(populate(f"sqlite:///{db}"))
    result = CliRunner().invoke(main, ["admin", "stats", "--db", str(db), "--chart", str(cli_env / "c.png")])
    assert result.exit_code == 1, result.output
    assert not (cli_env / "c.png").exists()


@pytest.mark.parametrize("command", ["export", "stats"])
def test_a_mistyped_community_is_refused_the_same_way(cli_env: Path, command: str) -> None:
    db = cli_env / "bot.sqlite3"
    asyncio.run(populate(f"sqlite:///{db}"))
    wrong = "discord:123456789012345679"
    args = ["admin", "export", "out"] if command == "export" else ["admin", "stats"]
    result = CliRunner().invoke(main, [*args, "--community", wrong, "--db", str(db)])
    assert result.exit_code == 1, result.output
    assert f"“{wrong}”" in result.output and f"{DISCORD} (4 members)" in result.output, result.output
    assert "left out" not in result.output, "it was given, not left out"
    assert not (cli_env / "out").exists()


def test_the_refusal_is_in_the_default_language(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = cli_env / "bot.sqlite3"
    asyncio.run(populate(f"sqlite:///{db}"))
    monkeypatch.setenv("MENTORBOT_DEFAULT_LANGUAGE", "sw")
    result = CliRunner().invoke(main, ["admin", "stats", "--db", str(db)])
    assert result.exit_code == 1, result.output
    assert SW("cli.community.listed", community=DISCORD, count=4) in result.output, result.output


def test_the_right_community_is_exported_and_named(cli_env: Path) -> None:
    db = cli_env / "bot.sqlite3"
    asyncio.run(populate(f"sqlite:///{db}", slack=True))
    export = CliRunner().invoke(main, ["admin", "export", "out", "--community", DISCORD, "--db", str(db)])
    assert export.exit_code == 0, export.output
    assert (cli_env / "out" / "members.csv").read_text(encoding="utf-8-sig").count("\n") == 5
    stats = CliRunner().invoke(main, ["admin", "stats", "--community", SLACK, "--db", str(db)])
    assert stats.exit_code == 0, stats.output
    named = EN("cli.stats.community", community=SLACK, count=2)
    assert stats.output.splitlines()[:2] == [EN("stats.title"), named], stats.output


def test_stats_of_the_only_community_does_not_name_it(cli_env: Path) -> None:
    db = cli_env / "bot.sqlite3"
    asyncio.run(populate(f"sqlite:///{db}"))
    stats = CliRunner().invoke(main, ["admin", "stats", "--community", DISCORD, "--db", str(db)])
    assert stats.exit_code == 0, stats.output
    assert DISCORD not in stats.output and stats.output.splitlines()[1] == EN("stats.text"), stats.output


def test_a_fresh_database_is_reported_as_before(cli_env: Path) -> None:
    db = cli_env / "bot.sqlite3"
    asyncio.run(fresh(f"sqlite:///{db}"))
    export = CliRunner().invoke(main, ["admin", "export", "out", "--db", str(db)])
    assert export.exit_code == 0, export.output
    assert (cli_env / "out" / "members.csv").read_text(encoding="utf-8-sig").count("\n") == 1  # the header
    stats = CliRunner().invoke(main, ["admin", "stats", "--db", str(db)])
    assert stats.exit_code == 0 and EN("stats.title") in stats.output, stats.output


async def test_members_by_community(store: Store, clock: ManualClock) -> None:
    """The store's count of members per community (both engines), every community, in id order."""
    assert await store.members_by_community() == {}
    now = clock.now()
    for community, user in [(DISCORD, "1"), (DISCORD, "2"), (SLACK, "U1"), ("console", "ana")]:
        await store.ensure_member(community, user, user, now)
    assert list((await store.members_by_community()).items()) == [("console", 1), (DISCORD, 2), (SLACK, 1)]


def test_many_communities_are_named_the_largest_first_and_the_rest_counted(cli_env: Path) -> None:
    db = cli_env / "bot.sqlite3"

    async def many() -> None:
        async with open_bot(Settings(database_url=f"sqlite:///{db}")) as bot:
            for server in range(12):
                for user in range(server + 1):
                    await bot.store.ensure_member(f"discord:{server}", str(user), f"M{user}", bot.clock.now())

    asyncio.run(many())
    result = CliRunner().invoke(main, ["admin", "stats", "--db", str(db)])
    assert result.exit_code == 1, result.output
    assert "discord:11 (12 members), discord:10 (11 members)" in result.output, result.output
    assert "discord:2 (3 members) and 2 other communities" in result.output, result.output
    assert "discord:1 (" not in result.output and "discord:0 (" not in result.output
