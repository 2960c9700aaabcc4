"""Session 32's `mentorbot simulate` defects (the simulation hunt).

1. ``simulate --database URL`` migrated the schema of a database holding members, then refused it: the emptiness
   is now checked first, without migrating; only an empty (or new) database is brought up to date.
2. The simulation read the deployment's ``.env`` and ``MENTORBOT_*`` variables, so "same seed, same figures"
   depended on the folder (an offer expiry of 6 h, matching by rounds…): it runs on MentorBot's defaults, and its
   report says so.
3. The offers line left out the offers still pending at the end (the parts did not add up to the total).
4. ``admin stats`` and ``admin export --community simulation`` were refused, so a simulation's database could not
   be looked at with the admin tools.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from click.testing import CliRunner, Result

from mentorbot.bot import MentorBot
from mentorbot.cli import main
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.models import OfferStatus
from mentorbot.settings import Settings
from mentorbot.simulation import (
    COMMUNITY,
    START,
    SimulationError,
    SimulationSpec,
    run_simulation,
    simulate,
    simulation_settings,
)
from mentorbot.storage import migrations
from mentorbot.storage.migrations import available_migrations, schema_version
from mentorbot.storage.store import Store
from tests.conftest import POSTGRES_URL, require_postgres

OLD_VERSION = 20
TINY = SimulationSpec(days=1, members=5, mentors=2)
EN = translator("en")


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """An empty working folder, no MENTORBOT_* variable and no .env."""
    for name in list(os.environ):
        if name.upper().startswith("MENTORBOT_") and not name.upper().startswith("MENTORBOT_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    yield tmp_path


async def _schema(statement: str) -> None:
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        await admin.execute(statement)
    finally:
        await admin.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database that does not exist yet on each engine: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}"
        return
    schema = asyncio.run(require_postgres())
    asyncio.run(_schema(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?search_path={schema}"
    finally:
        asyncio.run(_schema(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


async def _old_database(url: str, monkeypatch: pytest.MonkeyPatch, *, member_of: str | None) -> None:
    """A MentorBot database at schema `OLD_VERSION` (one that has not upgraded yet), holding one member of
    `member_of` (or none)."""
    with monkeypatch.context() as patch:
        patch.setattr(
            migrations,
            "available_migrations",
            lambda d: [m for m in available_migrations(d) if m.version <= OLD_VERSION],
        )
        store = Store.from_url(url)
        try:
            assert await store.open(datetime(2026, 1, 5, tzinfo=UTC)) == OLD_VERSION
            if member_of is not None:
                async with store.db.transaction() as conn:
                    await conn.execute(
                        "INSERT INTO members (community, platform_user_id, display_name, language, created_at) "
                        "VALUES (?, '111111111111111111', 'Asha', 'en', ?)",
                        member_of,
                        datetime(2026, 1, 5, tzinfo=UTC),
                    )
        finally:
            await store.close()


async def _version(url: str) -> int:
    store = Store.from_url(url)
    await store.db.open()
    try:
        async with store.db.read() as conn:
            return await schema_version(conn, store.db.dialect)
    finally:
        await store.close()


# ---------------------------------------------------------------------------------- 1. refused untouched


@pytest.mark.parametrize(
    ("community", "key"), [("discord:123456789012345678", "not_empty_other"), (COMMUNITY, "not_empty")]
)
async def test_a_database_with_members_is_refused_without_being_upgraded(
    database_url: str, monkeypatch: pytest.MonkeyPatch, community: str, key: str
) -> None:
    await _old_database(database_url, monkeypatch, member_of=community)
    with pytest.raises(SimulationError) as refused:
        await run_simulation(simulation_settings(database_url), TINY)
    assert refused.value.key == key
    assert await _version(database_url) == OLD_VERSION  # its schema as it was: the community upgrades it itself


async def test_an_empty_older_database_is_upgraded_and_simulated(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _old_database(database_url, monkeypatch, member_of=None)
    result = await run_simulation(simulation_settings(database_url), TINY)
    assert result.members == TINY.members
    assert await _version(database_url) == available_migrations("sqlite")[-1].version


def test_the_command_leaves_a_used_database_as_it_was(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{cli_env / 'old.sqlite3'}"
    asyncio.run(_old_database(url, monkeypatch, member_of="discord:123456789012345678"))
    result = CliRunner().invoke(main, ["simulate", "--days", "1", "--database", url])
    assert result.exit_code == 2, result.output
    assert EN("cli.simulate.not_empty_other") in result.stderr
    assert asyncio.run(_version(url)) == OLD_VERSION


# ---------------------------------------------------------------------------------- 2. the defaults


SMALL = ["--days", "6", "--members", "40", "--mentors", "6", "--seed", "7"]


def _simulate(args: list[str]) -> Result:
    result = CliRunner().invoke(main, ["simulate", *args])
    assert result.exit_code == 0, result.output
    return result


def test_the_same_seed_gives_the_same_figures_whatever_the_folders_settings(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = json.loads(_simulate([*SMALL, "--json"]).stdout)["figures"]
    deployment = cli_env / "deployment"
    deployment.mkdir()
    (deployment / ".env").write_text(
        "MENTORBOT_OFFER_TTL_HOURS=6\nMENTORBOT_REOFFER_AFTER_DAYS=0\nMENTORBOT_DEFAULT_LANGUAGE=sw\n", encoding="utf-8"
    )
    monkeypatch.chdir(deployment)
    monkeypatch.setenv("MENTORBOT_MATCHING", "rounds")
    monkeypatch.setenv("MENTORBOT_ROUND_SCHEDULE", "mon 09:00")
    monkeypatch.setenv("MENTORBOT_SWEEP_MINUTES", "600")
    there = json.loads(_simulate([*SMALL, "--json"]).stdout)["figures"]
    assert there == plain
    assert there["offers"] > 0


def test_the_simulations_settings_are_the_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("MENTORBOT_OFFER_TTL_HOURS=6\n", encoding="utf-8")
    monkeypatch.setenv("MENTORBOT_MATCHING", "rounds")
    monkeypatch.setenv("MENTORBOT_DIGEST", "mon 08:00")
    url = f"sqlite:///{tmp_path / 'sim.sqlite3'}"
    settings = simulation_settings(url)
    defaults = Settings.model_fields
    assert settings.database_url == url
    assert settings.offer_ttl_hours == defaults["offer_ttl_hours"].default
    assert settings.matching == defaults["matching"].default
    assert settings.digest is None and settings.round_schedule is None
    assert settings.default_language == "en"


def test_the_report_says_the_defaults_were_used(cli_env: Path) -> None:
    text = _simulate(["--days", "1", "--members", "5", "--mentors", "2"]).stdout
    lines = text.splitlines()
    assert lines[1] == EN("simulation.defaults")  # right under the title
    swahili = _simulate(["--days", "1", "--members", "5", "--mentors", "2", "--language", "sw"]).stdout
    assert translator("sw")("simulation.defaults") in swahili.splitlines()


# ---------------------------------------------------------------------------------- 3. pending offers


async def test_pending_offers_are_counted(store: Store) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    clock = ManualClock(START)
    bot = MentorBot(store, Library(settings.skills_file, settings.courses_file), settings, clock)
    result = await simulate(bot, clock, SimulationSpec(days=3, members=60, mentors=6, seed=5))
    pending = await store.list_offers(status=OfferStatus.PENDING)
    assert result.offers_pending == len(pending) > 0
    parts = (
        result.offers_accepted,
        result.offers_declined,
        result.offers_expired,
        result.offers_withdrawn,
        result.offers_pending,
    )
    assert sum(parts) == result.offers
    assert result.as_json()["offers_pending"] == result.offers_pending


def test_the_offers_line_shows_the_pending_ones(cli_env: Path) -> None:
    args = ["--days", "3", "--members", "60", "--mentors", "6", "--seed", "5"]
    figures: dict[str, Any] = json.loads(_simulate([*args, "--json"]).stdout)["figures"]
    assert figures["offers_pending"] > 0
    text = _simulate(args).stdout
    ratio = figures["offers_per_accept"]
    line = EN(
        "simulation.offers",
        offers=figures["offers"],
        accepted=figures["offers_accepted"],
        declined=figures["offers_declined"],
        expired=figures["offers_expired"],
        withdrawn=figures["offers_withdrawn"],
        pending=figures["offers_pending"],
        ratio=EN("cli.simulate.none") if ratio is None else f"{ratio:g}",
    )
    assert line in text.splitlines()


# ---------------------------------------------------------------------------------- 4. the admin tools


def test_the_admin_tools_read_a_simulations_database(cli_env: Path) -> None:
    db = cli_env / "sim.sqlite3"
    _simulate(["--days", "2", "--members", "20", "--mentors", "4", "--database", f"sqlite:///{db}"])
    stats = CliRunner().invoke(main, ["admin", "stats", "--community", COMMUNITY, "--db", str(db)])
    assert stats.exit_code == 0, stats.output
    assert "Mentor" in stats.stdout
    folder = cli_env / "export"
    export = CliRunner().invoke(main, ["admin", "export", str(folder), "--community", COMMUNITY, "--db", str(db)])
    assert export.exit_code == 0, export.output
    members = (folder / "members.csv").read_text(encoding="utf-8-sig").splitlines()
    assert sum(1 for row in members if ",mentor-0" in row) == 4  # the four mentors (and the members who asked)


def test_import_still_refuses_a_community_no_adapter_serves(cli_env: Path) -> None:
    """Writing is another matter: mentors imported into the simulation's community would reach no one."""
    (cli_env / "mentors.csv").write_text("user_id,name,skills\nwanjiru,Wanjiru,seo\n", encoding="utf-8")
    db = cli_env / "m.sqlite3"
    result = CliRunner().invoke(
        main, ["admin", "import-mentors", "mentors.csv", "--community", COMMUNITY, "--db", str(db)]
    )
    assert result.exit_code == 2
    assert "--community" in result.output
    assert not db.exists()


def test_the_command_line_names_the_simulations_community() -> None:
    from mentorbot.cli import SIMULATION_COMMUNITY

    assert SIMULATION_COMMUNITY == COMMUNITY
