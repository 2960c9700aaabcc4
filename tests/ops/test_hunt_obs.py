"""What an operator sees when the database is misconfigured or failing: a password with an unescaped special
character is refused when the settings load and masked wherever a URL is shown; a server that refuses the
credentials stops ``mentorbot run`` with one line; the timer loop says an outage in one warning line per round;
``mentorbot_database_errors_total`` counts each failure under its kind, a command's included."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import subprocess
import sys
import traceback
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from click.testing import CliRunner

from mentorbot.app import every, run_timers
from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.errors import unexpected
from mentorbot.observability import REGISTRY
from mentorbot.replies import Notification
from mentorbot.settings import SettingsError, load_settings, mask_url_password
from mentorbot.storage.database import DatabaseUnavailable
from mentorbot.storage.postgres_engine import PostgresDatabase, postgres_failure
from tests.conftest import POSTGRES_URL, require_postgres
from tests.console.conftest import console_settings
from tests.usecases.conftest import bot, library, settings, who  # noqa: F401 - the fixtures

PASSWORD = "hunter2"


def _all_text(exc: BaseException) -> str:
    """Everything a crash report could show: str, repr and the traceback."""
    return "\n".join([str(exc), repr(exc), *traceback.format_exception(exc)])


def _clean_env() -> dict[str, str]:
    """The environment without any MENTORBOT_* setting."""
    return {k: v for k, v in os.environ.items() if not k.startswith("MENTORBOT_")}


def _db_errors() -> dict[str, float]:
    """``mentorbot_database_errors_total`` by kind."""
    out: dict[str, float] = {}
    for family in REGISTRY.collect():
        if family.name == "mentorbot_database_errors":
            for sample in family.samples:
                if sample.name.endswith("_total"):
                    out[sample.labels["kind"]] = sample.value
    return out


# ------------------------------------------------------------------------------ 1. a password in the URL


@pytest.mark.parametrize("special", ["#", "/", "?", "@", "[", "/1", "#/"])
def test_a_password_with_an_unescaped_special_character_is_refused_without_its_value(special: str) -> None:
    url = f"postgresql://bob:{PASSWORD}{special}x@127.0.0.1:5432/test"
    with pytest.raises(SettingsError) as info:
        load_settings(env_file=None, database_url=url)
    message = str(info.value)
    assert message.startswith("MENTORBOT_DATABASE_URL: ")
    assert "percent-encode" in message and "%23" in message
    assert PASSWORD not in _all_text(info.value)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://bob:hunter2%23x%2Fy%3Fz%40w@127.0.0.1:5432/test",  # the same password, percent-encoded
        "postgresql:///mentorbot",  # a local socket (or PGHOST)
        "postgresql://bob@/mentorbot?host=/var/run/postgresql",
        "postgresql://bob:pw@[::1]:5432/mentorbot",
        "postgresql://bob:pw@db1:5432,db2:5433/mentorbot",  # asyncpg's list of hosts
        "postgres://mentorbot@db.example.org/mentorbot?sslmode=require&password=pw",
        "postgresql://bob@db/mentorbot?application_name=bot@prod",  # an "@" in a query value (found by a review)
        "postgresql://bob@db/mentorbot?sslrootcert=/home/a@b/ca.pem",
    ],
)
def test_a_server_url_that_reads_as_one_is_accepted(url: str) -> None:
    assert load_settings(env_file=None, database_url=url).database_url == url


def test_config_check_refuses_the_url_in_one_line_without_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    from mentorbot.cli import main

    monkeypatch.setenv("MENTORBOT_DATABASE_URL", f"postgresql://bob:{PASSWORD}#x@127.0.0.1:5432/test")
    result = CliRunner().invoke(main, ["config", "check"])
    assert result.exit_code == 2
    assert result.output.startswith("error: MENTORBOT_DATABASE_URL: not a valid PostgreSQL URL")
    assert PASSWORD not in result.output


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://bob:hunter2#x@127.0.0.1:5432/test", "postgresql://bob:********@127.0.0.1:5432/test"),
        ("postgresql://bob:hunter2/x@127.0.0.1:5432/test", "postgresql://bob:********@127.0.0.1:5432/test"),
        ("postgresql://bob:hunter2?x@127.0.0.1:5432/test", "postgresql://bob:********@127.0.0.1:5432/test"),
        ("postgresql://bob:hun@ter2@db/x", "postgresql://bob:********@db/x"),
        # An "@" in a query value is the value's (found by a review: the host was masked with the password).
        (
            "postgresql://bot:pw@db.internal:5432/mentorbot?application_name=bot@prod",
            "postgresql://bot:********@db.internal:5432/mentorbot?application_name=bot@prod",
        ),
        ("postgresql://:hunter2@db/x", "postgresql://:********@db/x"),
        ("postgresql://bob:hun[ter2@db/x", "postgresql://bob:********@db/x"),  # urlsplit raises on this one
        ("postgresql://bob@db/x", "postgresql://bob@db/x"),
    ],
)
def test_mask_url_password_masks_up_to_the_last_at_whatever_it_holds(url: str, expected: str) -> None:
    assert mask_url_password(url) == expected


def test_the_settings_repr_masks_the_database_password() -> None:
    loaded = load_settings(
        env_file=None,
        database_url=f"postgresql://bob:{PASSWORD}@127.0.0.1:5432/test",
        slack={"api_url": f"https://proxy:{PASSWORD}@slack.example.org/api/"},
    )
    assert PASSWORD not in repr(loaded) and PASSWORD not in str(loaded)
    assert "postgresql://bob:********@127.0.0.1:5432/test" in repr(loaded)
    assert loaded.database_url.endswith(f"{PASSWORD}@127.0.0.1:5432/test")  # the value itself is kept


def test_the_console_masks_a_password_on_its_terminal_and_in_its_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever an opening failure says (here, a URL with its password) reaches neither the terminal nor
    console.log unmasked."""
    from mentorbot_console import repl

    @contextlib.asynccontextmanager
    async def failing(*_args: Any, **_kwargs: Any) -> AsyncIterator[MentorBot]:
        raise RuntimeError(f"could not connect to postgresql://bob:{PASSWORD}@db.example.org/mentorbot")
        yield  # pragma: no cover

    monkeypatch.setattr(repl, "open_bot", failing)
    monkeypatch.chdir(tmp_path)
    console = console_settings(tmp_path)
    err = io.StringIO()
    status = repl.run_console(console, stdin=io.StringIO("/quit\n"), stdout=io.StringIO(), stderr=err)
    assert status == 2
    assert "postgresql://bob:********@db.example.org" in err.getvalue()
    log = (repl.state_dir(console) / "console.log").read_text(encoding="utf-8")
    assert "cannot open the database" in log and "Traceback" in log
    assert PASSWORD not in err.getvalue() + log


# ------------------------------------------------------------------ 2. credentials the server refuses


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.InvalidPasswordError('password authentication failed for user "bob"'),
        asyncpg.exceptions.InvalidAuthorizationSpecificationError('role "bob" does not exist'),
        asyncpg.exceptions.InvalidCatalogNameError('database "nope" does not exist'),
    ],
)
def test_refused_credentials_and_a_missing_database_are_the_database_unavailable(error: Exception) -> None:
    assert isinstance(postgres_failure(error), DatabaseUnavailable)


@pytest.mark.postgres
@pytest.mark.parametrize("change", ["role", "database"])
async def test_postgres_refusing_the_credentials_or_without_the_database_is_unavailable(change: str) -> None:
    await require_postgres()
    head = POSTGRES_URL.rpartition("/")[0]
    url = (
        f"{head}/mentorbot_no_such_database"
        if change == "database"
        else POSTGRES_URL.replace("://", "://mentorbot_no_such_role:pw@", 1)
    )
    db = PostgresDatabase(url)
    with pytest.raises(DatabaseUnavailable):
        await db.open()
    await db.close()


@pytest.mark.postgres
def test_run_against_a_server_refusing_the_credentials_exits_with_one_line(tmp_path: Path) -> None:
    asyncio.run(require_postgres())
    url = POSTGRES_URL.replace("://", "://mentorbot_no_such_role:pw@", 1)
    env = {**_clean_env(), "MENTORBOT_DISCORD__TOKEN": "x", "MENTORBOT_DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-m", "mentorbot.cli", "run"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "InvalidAuthorizationSpecificationError" in done.stderr  # the log line says why
    assert done.stderr.splitlines()[-1].endswith(
        "cannot be reached or opened, so MentorBot cannot run. Details are in the log above."
    )


# ---------------------------------------------------------------------- 3. the timer loop in an outage


def _down(*_args: Any, **_kwargs: Any) -> Any:
    raise DatabaseUnavailable("PostgreSQL: ConnectionRefusedError: [Errno 111] Connect call failed")


async def test_a_round_of_timers_in_an_outage_is_one_warning_line(
    bot: MentorBot,  # noqa: F811
    who: Callable[..., Caller],  # noqa: F811
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for i in range(2):
        await bot.signup(who(f"m{i}"), skills="seo", capacity=1)
    for i in range(4):
        await bot.request(who(f"r{i}"), skills="seo")  # two offers (two expiry timers), two requests waiting
    clock.advance(timedelta(hours=49))
    monkeypatch.setattr(bot.store, "unit_of_work", _down)

    async def with_room(community: str) -> set[str]:
        return {"seo"}  # so the sweep tries the waiting requests

    monkeypatch.setattr(bot.store, "skills_with_room", with_room)
    caplog.set_level(logging.INFO)
    before = _db_errors().get("unavailable", 0)

    async def deliver(notes: list[Notification]) -> None:
        pass

    task = asyncio.create_task(run_timers(bot, deliver, interval=3600))
    await asyncio.sleep(0.5)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "timers: the database is unavailable (PostgreSQL: ConnectionRefusedError: [Errno 111] Connect call "
        "failed); 2 timer(s) and 2 waiting request(s) left for a later round"
    ]
    assert _db_errors().get("unavailable", 0) == before + 4


async def test_the_timer_loop_says_a_group_of_database_failures_in_one_warning_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rounds = 0

    async def work() -> None:
        nonlocal rounds
        rounds += 1
        raise ExceptionGroup("two adapters failed", [_down_error(), _down_error()])

    caplog.set_level(logging.INFO)
    task = asyncio.create_task(every(3600, work, "timer loop"))
    await asyncio.sleep(0.1)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert rounds == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert [r.getMessage() for r in caplog.records] == [
        "timer loop: the database is unavailable (PostgreSQL: ConnectionRefusedError: [Errno 111] Connect call "
        "failed); retrying in 3600 s"
    ]


def _down_error() -> DatabaseUnavailable:
    return DatabaseUnavailable("PostgreSQL: ConnectionRefusedError: [Errno 111] Connect call failed")


# ---------------------------------------------------------------------------- 4. the database metric


async def test_a_command_meeting_the_outage_is_counted_once_under_its_kind(
    bot: MentorBot,  # noqa: F811
    who: Callable[..., Caller],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await bot.signup(who("mentor"), skills="seo", capacity=1)
    before = _db_errors()
    monkeypatch.setattr(bot.store, "unit_of_work", _down)
    outcome = await bot.request(who("amina"), skills="seo")
    assert outcome.error is not None and outcome.error.key == "common.db_unavailable"
    after = _db_errors()
    assert after.get("unavailable", 0) == before.get("unavailable", 0) + 1
    assert after.get("command", 0) == before.get("command", 0)  # no label outside the kinds


def test_a_command_whose_record_fails_is_counted_under_its_kind() -> None:
    """An adapter that cannot record a command tells the member through `unexpected`, outside any use-case."""
    before = _db_errors().get("busy", 0)
    try:
        raise RuntimeError("recording") from _busy()
    except RuntimeError:
        error = unexpected(logging.getLogger("test"), "recording a command of %s", "U1")
    assert error.key == "common.db_busy"
    assert _db_errors().get("busy", 0) == before + 1


def _busy() -> Exception:
    from mentorbot.storage.database import DatabaseBusy

    return DatabaseBusy("PostgreSQL: TooManyConnectionsError: sorry, too many clients already")
