"""Session 46 (an onboarding hunt, /tmp/hunt/onboarding/probes/p3_console_pg_error.sh): a PostgreSQL database the
console could not open was said with the driver's exception class (`PostgreSQL: InvalidCatalogNameError: database
"…" does not exist`, `ConnectionRefusedError: [Errno 111]…`), in English in a Swahili session too, where
`mentorbot db status` says it in words. The console now says it in the words of the admin commands
(`cli_support.database_problem`), in the console's language, the password masked; its log keeps the details."""

from __future__ import annotations

import asyncio
import contextlib
import io
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from mentorbot.i18n import translator
from mentorbot.storage.database import DatabaseUnavailable
from mentorbot_console import repl
from tests.conftest import POSTGRES_URL, require_postgres
from tests.console.conftest import console_settings

PASSWORD = "s3cret-pw-46"
CLASS_NAMES = ("Error:", "InvalidCatalogNameError", "ConnectionRefusedError", "OSError", "PostgreSQL:")


def _closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (connecting to it is refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _open_console(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, lang: str) -> tuple[int, str, str]:
    """The console started on the database `url`: its exit status, its stderr and its log."""
    monkeypatch.chdir(tmp_path)
    settings = console_settings(tmp_path, lang, database_url=url)
    err = io.StringIO()
    status = repl.run_console(
        settings, stdin=io.StringIO("/quit\n"), stdout=io.StringIO(), stderr=err, interactive=False
    )
    log_file = repl.state_dir(settings) / "console.log"
    log = log_file.read_text(encoding="utf-8") if log_file.is_file() else ""
    return status, err.getvalue(), log


def _expected(lang: str, database: str, reason: str) -> str:
    t = translator(lang)
    problem = t("cli.database.failed", database=database, problem=t("cli.database.problem_unavailable"), reason=reason)
    return t("console.database_problem", problem=problem) + "\n"


@pytest.mark.postgres
@pytest.mark.parametrize("lang", ["en", "sw"])
def test_a_missing_postgresql_database_is_said_in_words_not_a_class_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    """Before: `Cannot open the database …: PostgreSQL: InvalidCatalogNameError: database "…" does not exist`."""
    asyncio.run(require_postgres())  # (the console runs its own event loop: this test has none)
    name = "mentorbot_s46_no_such_db"
    url = urlsplit(POSTGRES_URL)._replace(path=f"/{name}").geturl()
    status, said, log = _open_console(tmp_path, monkeypatch, url, lang)
    assert status == 2
    assert said == _expected(lang, url, f'database "{name}" does not exist')
    for word in CLASS_NAMES:
        assert word not in said
    assert "InvalidCatalogNameError" in log  # the log keeps the driver's details


@pytest.mark.parametrize("lang", ["en", "sw"])
def test_a_server_out_of_reach_is_said_in_words_its_password_masked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    """Before: `… PostgreSQL: ConnectionRefusedError: [Errno 111] Connect call failed …`."""
    port = _closed_port()
    url = f"postgresql://bob:{PASSWORD}@127.0.0.1:{port}/mentor"
    status, said, log = _open_console(tmp_path, monkeypatch, url, lang)
    assert status == 2
    reason = f"[Errno 111] Connect call failed ('127.0.0.1', {port})"
    assert said == _expected(lang, f"postgresql://127.0.0.1:{port}/mentor", reason)  # as the console's header
    for word in CLASS_NAMES:
        assert word not in said
    assert PASSWORD not in said + log
    assert "cannot open the database" in log and "Traceback" in log


def test_a_sqlite_file_that_cannot_be_opened_is_said_in_the_same_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same sentence for a SQLite file whose folder cannot be made (a file is in its place), in Swahili too."""
    (tmp_path / "blocker").write_text("a file, not a folder", encoding="utf-8")
    file = tmp_path / "blocker" / "x.sqlite3"
    status, said, _ = _open_console(tmp_path, monkeypatch, f"sqlite:///{file}", "sw")
    assert status == 2
    sw = translator("sw")
    bare = sw("cli.database.failed_bare", database=file, problem=sw("cli.database.problem_unavailable"))
    assert said.startswith(sw("console.database_problem", problem=bare) + ": ")
    assert "the SQLite database" not in said  # before: the engine's English sentence


def test_a_password_the_driver_repeats_in_its_reason_is_masked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reason is the driver's own text, which may quote the URL it was given: its password is masked there too."""
    url = f"postgresql://bob:{PASSWORD}@db.example.org/mentor"

    @contextlib.asynccontextmanager
    async def failing(*_args: Any, **_kwargs: Any) -> AsyncIterator[Any]:
        cause = OSError(f"could not connect to postgresql://bob:{PASSWORD}@db.example.org/mentor")
        raise DatabaseUnavailable(f"PostgreSQL: OSError: {cause}").named(url) from cause
        yield  # pragma: no cover

    monkeypatch.setattr(repl, "open_bot", failing)
    status, said, log = _open_console(tmp_path, monkeypatch, url, "en")
    assert status == 2
    reason = "could not connect to postgresql://bob:********@db.example.org/mentor"
    assert said == _expected("en", "postgresql://db.example.org/mentor", reason)
    assert PASSWORD not in said + log
