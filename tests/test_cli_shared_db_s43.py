"""One-off ``mentorbot admin`` commands on the database a running bot serves (session 43).

A hunt found two ways an admin's one-off command, run from a shell without the service's env file, changed the
running bot's community with its own settings and files:

1. ``admin import-mentors`` opened the bot as a serving process does, so it ran the start-up check of the stored
   skills against *its* skills file (the packaged one): a community's own ``brand`` skill, an alias of
   ``brand-strategy`` in the packaged file, was moved to ``brand-strategy`` (a reload counted, admins told), and
   the running bot never moved it back. A one-off command now runs the migrations it needs and settles nothing.
2. ``admin forget`` handed a forgotten mentor's offered request on through live matching (the CLI's default) while
   the bot runs a cohort programme (``MENTORBOT_MATCHING=rounds``): the request was offered outside the round. A
   one-off command that writes now compares its settings and files with those the live processes recorded
   (``process_fingerprints``) and refuses, changing nothing, naming what differs, when they differ; with no live
   process recorded it runs as before.

Both engines; the commands are driven through click's runner with ``MENTORBOT_DATABASE_URL``, the bot in a thread of
its own (its own event loop, as another process would be)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from click.testing import CliRunner, Result

from mentorbot.app import open_bot
from mentorbot.cli import main
from mentorbot.clock import SystemClock
from mentorbot.i18n import translator
from mentorbot.settings import Settings
from mentorbot.skills import default_skills_path
from mentorbot.storage.fingerprints import digest_of, file_digest, fingerprint_values
from mentorbot.storage.store import Store
from mentorbot.usecases.context import Caller
from tests.conftest import POSTGRES_URL, require_postgres

EN = translator("en")
SW = translator("sw")
COMMUNITY = "discord:111111111111111111"


pytestmark = pytest.mark.usefixtures("clean_env")


async def _admin(statement: str) -> None:
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        await admin.execute(statement)
    finally:
        await admin.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, clean_env: Path) -> Iterator[str]:
    """A database URL on each engine (a new SQLite file; a fresh PostgreSQL schema)."""
    if request.param == "sqlite":
        yield f"sqlite:///{clean_env.parent / 'bot.sqlite3'}"
        return
    schema = asyncio.run(require_postgres())
    asyncio.run(_admin(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?search_path={schema}"
    finally:
        asyncio.run(_admin(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


def who(user_id: str, name: str, *, admin: bool = False) -> Caller:
    return Caller(COMMUNITY, user_id, name, is_admin=admin)


BARAKA = who("333333333333333333", "Baraka")
WANJIRU = who("444444444444444444", "Wanjiru")
AMINA = who("555555555555555555", "Amina")
ADMIN = who("999999999999999999", "Admin", admin=True)


def cli(*args: str, env: dict[str, str]) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


@contextmanager
def live_bot(settings: Settings) -> Iterator[None]:
    """A bot serving the database as `mentorbot run` does (`open_bot(peers=True)`: it records its settings in
    ``process_fingerprints`` at start-up), in a thread with its own event loop, until the block ends."""
    ready, stop = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    async def serve() -> None:
        async with open_bot(settings, peers=True):
            ready.set()
            await asyncio.to_thread(stop.wait)

    def target() -> None:
        try:
            asyncio.run(serve())
        except BaseException as exc:  # said in the test's thread
            failures.append(exc)
            ready.set()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    assert ready.wait(60), "the bot did not start"
    assert not failures, failures
    try:
        yield
    finally:
        stop.set()
        thread.join(60)
    assert not failures, failures


async def _rows(url: str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    async with open_bot(settings, upgrade=False) as bot, bot.store.read() as conn:
        found = await conn.fetch_all(sql, *args)
    return [tuple(row.values()) if hasattr(row, "values") else tuple(row) for row in found]


def rows(url: str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    return asyncio.run(_rows(url, sql, *args))


def skills_of(url: str) -> list[tuple[Any, ...]]:
    return rows(
        url,
        "SELECT m.platform_user_id, s.skill FROM mentor_skills s JOIN members m ON m.id = s.member_id "
        "ORDER BY m.platform_user_id, s.skill",
    )


# ------------------------------------------------------------------------ 1. an import settles no skills


@pytest.fixture
def own_skills(clean_env: Path) -> Path:
    """The community's own skills file: the packaged one, with ``brand`` taken out of brand-strategy's aliases and
    made a skill of its own, and ``radio-ads``."""
    path = clean_env.parent / "skills.toml"
    shipped = default_skills_path().read_text(encoding="utf-8")
    assert '"branding", "brand", ' in shipped
    path.write_text(
        shipped.replace('"branding", "brand", ', '"branding", ')
        + """
[[skill]]
slug = "brand"
category = "strategy"
label = { en = "Brand identity design", sw = "Utambulisho wa chapa" }
aliases = []

[[skill]]
slug = "radio-ads"
category = "strategy"
label = { en = "Radio advertising", sw = "Matangazo ya redio" }
aliases = []
""",
        encoding="utf-8",
    )
    return path


def community_settings(url: str, skills: Path) -> Settings:
    return Settings(_env_file=None, database_url=url, skills_file=skills)  # type: ignore[call-arg]


async def _own_community(settings: Settings) -> None:
    async with open_bot(settings) as bot:
        await bot.signup(BARAKA, skills="brand, seo", levels="expert", capacity="1")
        await bot.signup(WANJIRU, skills="radio-ads", levels="expert", capacity="1")


def write_csv(folder: Path) -> Path:
    path = folder / "m.csv"
    path.write_text("user_id,name,skills,levels\n222222222222222222,Neema,seo,expert\n", encoding="utf-8")
    return path


def test_an_import_with_other_skills_leaves_the_communitys_skills_as_they_are(
    url: str, own_skills: Path, clean_env: Path
) -> None:
    """No live process recorded (the bot stopped, or a console): the import runs as before, but it no longer
    checks the stored skills against its own (packaged) skills file: ``brand`` stays ``brand``, no reload is
    counted (the running bot would follow it), no admin is told anything."""
    asyncio.run(_own_community(community_settings(url, own_skills)))
    before = skills_of(url)
    assert ("333333333333333333", "brand") in before
    result = cli(
        "admin",
        "import-mentors",
        str(write_csv(clean_env)),
        "--community",
        COMMUNITY,
        env={"MENTORBOT_DATABASE_URL": url},
    )
    assert result.exit_code == 0, result.output
    assert "Imported 1 mentor" in result.stdout
    after = skills_of(url)
    assert after == sorted([*before, ("222222222222222222", "seo")]), "nobody's skill was moved"
    assert rows(url, "SELECT generation FROM library_reloads") == [], "no reload counted for the bot to follow"
    assert rows(url, "SELECT message_key FROM outbox WHERE message_key LIKE 'skills%'") == []


def test_an_import_refuses_while_the_bot_runs_with_another_skills_file(
    url: str, own_skills: Path, clean_env: Path
) -> None:
    settings = community_settings(url, own_skills)
    asyncio.run(_own_community(settings))
    before = skills_of(url)
    csv = str(write_csv(clean_env))
    with live_bot(settings):
        refused = cli("admin", "import-mentors", csv, "--community", COMMUNITY, env={"MENTORBOT_DATABASE_URL": url})
        assert refused.exit_code == 2, refused.output
        assert "MENTORBOT_SKILLS_FILE" in refused.output
        assert "MENTORBOT_MATCHING" not in refused.output, "only what differs is named"
        assert EN("cli.agree.nothing_done").split(":")[0] in refused.output
        assert skills_of(url) == before, "nothing imported, nothing moved"
        # With the bot's own skills file (its env file's MENTORBOT_SKILLS_FILE), the import runs.
        done = cli(
            "admin",
            "import-mentors",
            csv,
            "--community",
            COMMUNITY,
            env={"MENTORBOT_DATABASE_URL": url, "MENTORBOT_SKILLS_FILE": str(own_skills)},
        )
        assert done.exit_code == 0, done.output
    assert skills_of(url) == sorted([*before, ("222222222222222222", "seo")])


# ------------------------------------------------------------------- 2. a forget under the bot's programme


def rounds_settings(url: str, **more: Any) -> Settings:
    """The bot's settings: a cohort programme, its round on Mondays at 09:00."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=url,
        rate_limit_per_minute=100000,
        matching="rounds",
        round_schedule="mon 09:00",
        **more,
    )


async def _offered(settings: Settings) -> str:
    """Two seo mentors, Amina's request offered to one of them by the round; that mentor's id."""
    async with open_bot(settings) as bot:
        await bot.signup(BARAKA, skills="seo", levels="expert", capacity="1")
        await bot.signup(WANJIRU, skills="seo", levels="expert", capacity="1")
        await bot.request(AMINA, skills="seo")
        out = await bot.admin_round(ADMIN)
        [offered] = {n.platform_user_id for n in out.notifications} & {BARAKA.user_id, WANJIRU.user_id}
        return offered


def programme(url: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The members, the offers and the requests (with their wait reasons' keys)."""
    members = rows(url, "SELECT platform_user_id FROM members ORDER BY platform_user_id")
    offers = rows(
        url,
        "SELECT m.platform_user_id, o.status FROM offers o JOIN members m ON m.id = o.mentor_id ORDER BY o.id",
    )
    requests = [
        (status, json.loads(reason)["key"] if reason else None)
        for status, reason in rows(url, "SELECT status, wait_reason FROM requests ORDER BY id")
    ]
    return members, offers, requests


def test_a_forget_refuses_while_the_bot_runs_a_cohort_programme(url: str) -> None:
    settings = rounds_settings(url)
    gone = asyncio.run(_offered(settings))
    before = programme(url)
    assert before[1] == [(gone, "pending")] and before[2] == [("offered", None)]
    outbox = rows(url, "SELECT COUNT(*) FROM outbox")
    with live_bot(settings):
        for extra in (["--yes"], []):  # refused before it asks: no question to answer for nothing
            refused = CliRunner().invoke(
                main,
                ["admin", "forget", gone, "--community", COMMUNITY, *extra],
                env={"MENTORBOT_DATABASE_URL": url},
                input="y\n",
            )
            assert refused.exit_code == 2, refused.output
            assert "Forget " not in refused.output, "refused before the confirmation"
            for setting in ("MENTORBOT_MATCHING", "MENTORBOT_ROUND_SCHEDULE"):
                assert setting in refused.output
            assert "rounds" in refused.output and "live" in refused.output, "both values said"
            assert "MENTORBOT_SKILLS_FILE" not in refused.output
            assert programme(url) == before, "nobody forgotten, the offer and the request as they were"
            assert rows(url, "SELECT COUNT(*) FROM outbox") == outbox
        # With the bot's settings, the request waits for the next round, as the bot's own forget leaves it.
        done = cli(
            "admin",
            "forget",
            gone,
            "--community",
            COMMUNITY,
            "--yes",
            env={
                "MENTORBOT_DATABASE_URL": url,
                "MENTORBOT_MATCHING": "rounds",
                "MENTORBOT_ROUND_SCHEDULE": "mon 09:00",
            },
        )
        assert done.exit_code == 0, done.output
    members, offers, requests = programme(url)
    assert gone not in [m for (m,) in members]
    assert offers == [], "not offered to the other mentor outside the round"
    assert requests == [("waiting", "wait.next_round")]


def test_the_refusal_is_in_the_admins_language(url: str) -> None:
    settings = rounds_settings(url, default_language="sw")
    gone = asyncio.run(_offered(settings))
    with live_bot(settings):
        refused = cli(
            "admin",
            "forget",
            gone,
            "--community",
            COMMUNITY,
            "--yes",
            env={"MENTORBOT_DATABASE_URL": url, "MENTORBOT_DEFAULT_LANGUAGE": "sw"},
        )
    assert refused.exit_code == 2, refused.output
    assert SW("cli.agree.nothing_done").split(":")[0] in refused.output
    assert "MENTORBOT_MATCHING" in refused.output and "MENTORBOT_DEFAULT_LANGUAGE" not in refused.output


async def _record(url: str, settings: Settings, age: timedelta) -> None:
    """A process's row as `mentorbot run` writes it, last refreshed `age` ago."""
    store = Store.from_url(url)
    await store.open(SystemClock().now())
    try:
        files = {"skills_file": file_digest(settings.skills_file), "courses_file": file_digest(settings.courses_file)}
        values = fingerprint_values(settings, files)
        await store.record_fingerprint("worker-gone", digest_of(values), values, SystemClock().now() - age)
    finally:
        await store.close()


def test_a_process_gone_for_more_than_five_minutes_does_not_count(url: str) -> None:
    """The row a killed process left stops counting after `fingerprints.LIVE_FOR`: the forget runs, as it did
    before, with the command's own settings."""
    settings = rounds_settings(url)
    gone = asyncio.run(_offered(settings))
    asyncio.run(_record(url, settings, timedelta(minutes=6)))
    done = cli("admin", "forget", gone, "--community", COMMUNITY, "--yes", env={"MENTORBOT_DATABASE_URL": url})
    assert done.exit_code == 0, done.output
    assert gone not in [m for (m,) in programme(url)[0]]


def test_a_process_seen_a_minute_ago_counts(url: str) -> None:
    settings = rounds_settings(url)
    gone = asyncio.run(_offered(settings))
    asyncio.run(_record(url, settings, timedelta(minutes=1)))
    refused = cli("admin", "forget", gone, "--community", COMMUNITY, "--yes", env={"MENTORBOT_DATABASE_URL": url})
    assert refused.exit_code == 2, refused.output
    assert gone in [m for (m,) in programme(url)[0]]


def test_reading_commands_are_not_refused(url: str, clean_env: Path) -> None:
    """`export` and `stats` write nothing: they run whatever the live processes run with."""
    settings = rounds_settings(url)
    asyncio.run(_offered(settings))
    with live_bot(settings):
        env = {"MENTORBOT_DATABASE_URL": url}
        stats = cli("admin", "stats", "--community", COMMUNITY, env=env)
        assert stats.exit_code == 0, stats.output
        export = cli("admin", "export", str(clean_env / "out"), "--community", COMMUNITY, env=env)
        assert export.exit_code == 0, export.output
