"""Defects an operations hunt found (reproductions under /tmp/hunt/ops), each with the test that failed before.

1. A restricted PostgreSQL role (docs/deploy.md: the bot reads and writes the tables, the owner runs
   ``mentorbot db upgrade``) had no grant on a table a later migration created (0021's reopened_requests); nothing
   noticed at start, then admin stats, the digest and forgetting a mentor failed with "permission denied", and
   ``db status`` as that role left the table out (information_schema hides it). Opening the store now checks the
   role's privileges on every table the migrations made (and the sequences of their ids) and refuses in one line
   naming what is missing and the fix; ``db status`` lists every table the migrations define and flags those the
   role may not use. The documented fix (``ALTER DEFAULT PRIVILEGES``) covers a later release's tables.
2. ``sudo mentorbot db restore`` left a root-owned database the service user could not write: the restored file now
   takes the replaced file's owner, group and mode.
3. ``db upgrade``/``run`` wrote MentorBot's tables into another program's database (tables, no schema_version);
   now refused in one line, nothing written.
5. Several gunicorn workers each served their own counters on one port (a scrape saw a random worker's);
   with ``PROMETHEUS_MULTIPROC_DIR`` the metrics are prometheus-client's multiprocess ones, summed over workers.
"""

from __future__ import annotations

import asyncio
import os
import runpy
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import asyncpg
import pytest
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families

from mentorbot import runners
from mentorbot import settings as settings_module
from mentorbot.cli import main
from mentorbot.runners import AdapterSpec
from mentorbot.storage import copying, introspection, migrations
from mentorbot.storage.copying import sqlite_backup, sqlite_restore
from mentorbot.storage.migrations import (
    GrantsMissing,
    NotMentorBotDatabase,
    available_migrations,
    defined_tables,
)
from mentorbot.storage.postgres_engine import PostgresDatabase
from mentorbot.storage.sqlite_engine import SqliteDatabase
from mentorbot.storage.store import Store
from tests.conftest import POSTGRES_URL, require_postgres, store_on_same_database
from tests.ops.test_migrations_hunt import as_role

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
KNOWN = available_migrations("sqlite")[-1].version
REPO = Path(__file__).resolve().parents[2]
SYSTEM_PYTHON = "/usr/bin/python3"
"""A Python any user may run (the service's user runs the write of restore_repro.sh)."""


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """An empty working folder, no MENTORBOT_* variable, no .env; `run`'s process-wide logging set-up kept out."""
    for name in list(os.environ):
        if name.startswith("MENTORBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("mentorbot.app.configure_logging", lambda settings: None)
    yield tmp_path


@pytest.fixture
def idle_adapter(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> AdapterSpec:
    """`mentorbot run`'s only adapter: one that waits until cancelled (never reached when the store refuses)."""
    module = cli_env / "mods" / "ops_s31_adapter" / "runner.py"
    module.parent.mkdir(parents=True)
    (module.parent / "__init__.py").write_text("", encoding="utf-8")
    module.write_text(
        "import asyncio\n\n\nasync def run(bot, settings, *, dispatcher=None):\n    await asyncio.Event().wait()\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(cli_env / "mods"))
    spec = AdapterSpec("fake", "ops_s31_adapter.runner", "fake:", "MENTORBOT_FAKE__TOKEN", lambda s: True)
    monkeypatch.setattr(runners, "adapters", lambda: (spec,))
    monkeypatch.setattr(settings_module, "adapter_token_settings", lambda: [spec.token_setting])
    monkeypatch.setenv("MENTORBOT_FAKE__TOKEN", "x")
    return spec


async def _cli(*args: str) -> Any:
    return await asyncio.to_thread(CliRunner().invoke, main, list(args))


def _one_error_line(output: str) -> str:
    lines = output.strip().splitlines()
    assert "Traceback" not in output, output
    assert lines and lines[-1].startswith("error: "), output
    return lines[-1]


# ------------------------------------------------------------------- 1. a restricted role's missing grants


@dataclass(frozen=True)
class Roles:
    """A schema owned by `owner` (who runs `db upgrade`) and a `bot` role that may only use it."""

    schema: str
    owner: str
    bot: str
    owner_url: str
    bot_url: str


@pytest.fixture
async def roles() -> AsyncIterator[Roles]:
    """Two new roles (``fix_ops_owner_…``, ``fix_ops_bot_…``) and a schema of the owner's that the bot may use
    (USAGE, no CREATE); all dropped after."""
    await require_postgres()
    tag = uuid.uuid4().hex[:10]
    schema, owner, bot = f"fix_ops_{tag}", f"fix_ops_owner_{tag}", f"fix_ops_bot_{tag}"
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        await admin.execute(f'CREATE ROLE "{owner}" LOGIN')
        await admin.execute(f'CREATE ROLE "{bot}" LOGIN')
        await admin.execute(f'CREATE SCHEMA "{schema}" AUTHORIZATION "{owner}"')
        await admin.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO "{bot}"')
        yield Roles(schema, owner, bot, as_role(POSTGRES_URL, owner, schema), as_role(POSTGRES_URL, bot, schema))
    finally:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ANY($1::text[]) "
            "AND pid <> pg_backend_pid()",
            [owner, bot],
        )
        await admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        for role in (bot, owner):
            await admin.execute(f'DROP OWNED BY "{role}"')
            await admin.execute(f'DROP ROLE IF EXISTS "{role}"')
        await admin.close()


async def _as(url: str, *statements: str) -> None:
    """Run `statements` connected as `url`'s role."""
    db = PostgresDatabase(url)
    await db.open()
    try:
        async with db.transaction() as conn:
            for statement in statements:
                await conn.execute(statement)
    finally:
        await db.close()


async def _owner_at(roles: Roles, version: int) -> None:
    """As the owner: the schema at `version` (the previous release's)."""
    db = PostgresDatabase(roles.owner_url)
    await db.open()
    try:
        await migrations._apply(
            db, available_migrations("postgresql")[:version], version, NOW, check_foreign_keys=False
        )
    finally:
        await db.close()


def _grants(roles: Roles) -> tuple[str, ...]:
    """What docs/deploy.md had the owner grant the bot: the tables and sequences there are now."""
    return (
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{roles.schema}" TO "{roles.bot}"',
        f'GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA "{roles.schema}" TO "{roles.bot}"',
    )


def _default_privileges(roles: Roles) -> tuple[str, ...]:
    """The documented fix, run once by the owner: every table and sequence it makes later is the bot's to use."""
    return (
        f'ALTER DEFAULT PRIVILEGES FOR ROLE "{roles.owner}" IN SCHEMA "{roles.schema}" '
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{roles.bot}"',
        f'ALTER DEFAULT PRIVILEGES FOR ROLE "{roles.owner}" IN SCHEMA "{roles.schema}" '
        f'GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO "{roles.bot}"',
    )


@pytest.mark.postgres
async def test_a_table_a_later_migration_made_without_a_grant_stops_the_start_in_one_line(
    roles: Roles, idle_adapter: AdapterSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: the store opened (version 21, /readyz 200), then admin stats failed "permission denied for table
    reopened_requests", and `db status` as the bot listed 16 tables, reopened_requests left out."""
    await _owner_at(roles, 20)
    await _as(roles.owner_url, *_grants(roles))
    upgraded = await _cli("db", "upgrade", "--database", roles.owner_url)
    assert upgraded.exit_code == 0 and "applied 0021_reopened_requests" in upgraded.output, upgraded.output

    store = Store.from_url(roles.bot_url)
    try:
        with pytest.raises(GrantsMissing) as missing:
            await store.open(NOW)
    finally:
        await store.close()
    everything = available_migrations("postgresql")
    later = [t for t in defined_tables(everything) if t not in defined_tables(everything[:20])]
    assert "reopened_requests" in later  # 0021's (and whatever a release since made)
    assert missing.value.tables == dict.fromkeys(later, ("SELECT", "INSERT", "UPDATE", "DELETE"))
    assert missing.value.sequences == ()
    text = str(missing.value)
    assert "\n" not in text and roles.bot in text and "reopened_requests" in text
    assert f"ALTER DEFAULT PRIVILEGES FOR ROLE {roles.owner} IN SCHEMA {roles.schema} GRANT" in text, text

    monkeypatch.setenv("MENTORBOT_DATABASE_URL", roles.bot_url)
    for args in (
        ["run"],
        ["db", "upgrade", "--database", roles.bot_url],
        ["admin", "stats", "--community", "slack:T1"],
    ):
        result = await _cli(*args)
        assert result.exit_code == 2, (args, result.output)
        line = _one_error_line(result.output)
        assert "reopened_requests" in line and "ALTER DEFAULT PRIVILEGES" in line, line
        assert "adapter" not in result.output.lower(), result.output

    status = await _cli("db", "status", "--database", roles.bot_url)
    assert status.exit_code == 0, status.output
    rows = [line.strip() for line in status.output.splitlines()]
    listed = {line.split(":")[0] for line in rows if line and ":" in line}
    assert set(defined_tables(available_migrations("postgresql"))) - {"schema_version"} <= listed, status.output
    [flagged] = [line for line in rows if line.startswith("reopened_requests:")]
    assert "SELECT" in flagged and "may not" in flagged, flagged
    assert f"ALTER DEFAULT PRIVILEGES FOR ROLE {roles.owner}" in status.output, status.output

    # The owner grants what is missing (and the default privileges): the bot starts.
    await _as(roles.owner_url, *_grants(roles), *_default_privileges(roles))
    store = Store.from_url(roles.bot_url)
    try:
        assert await store.open(NOW) == KNOWN
    finally:
        await store.close()


@pytest.mark.postgres
async def test_an_identity_columns_sequence_needs_no_grant(roles: Roles) -> None:
    """Every id is an identity column, whose sequence PostgreSQL uses without checking the inserting role's rights
    on it: a role with the four table privileges only is not refused (the review of the day: it was, and with
    RestartPreventExitStatus=2 the service stayed down), and inserts rows."""
    await _owner_at(roles, KNOWN)
    await _as(roles.owner_url, *_grants(roles), f'REVOKE USAGE, UPDATE ON SEQUENCE members_id_seq FROM "{roles.bot}"')
    store = Store.from_url(roles.bot_url)
    try:
        assert await store.open(NOW) == KNOWN
        member = await store.member_as_seen("c", "U-1", "One", NOW)
        assert member.id >= 1
    finally:
        await store.close()


@pytest.mark.postgres
async def test_the_documented_default_privileges_cover_a_later_releases_table(roles: Roles) -> None:
    """docs/deploy.md's set-up: the grants and, once, the default privileges; the next release's migration makes
    reopened_requests, and the bot uses it with no grant of its own."""
    await _owner_at(roles, 20)
    await _as(roles.owner_url, *_grants(roles), *_default_privileges(roles))
    upgraded = await _cli("db", "upgrade", "--database", roles.owner_url)
    assert upgraded.exit_code == 0, upgraded.output
    store = Store.from_url(roles.bot_url)
    try:
        assert await store.open(NOW) == KNOWN
        member = await store.ensure_member("fake:1", "u-ana", "Ana", NOW)
        async with store.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO requests (member_id, community, note, status, created_at, updated_at) "
                "VALUES (?, ?, '', 'waiting', ?, ?)",
                member.id,
                "fake:1",
                NOW,
                NOW,
            )
            request = await conn.fetch_one("SELECT MAX(id) AS id FROM requests")
            assert request is not None
            await conn.execute(
                "INSERT INTO reopened_requests (request_id, reopened_at) VALUES (?, ?)", request["id"], NOW
            )
            await conn.execute("DELETE FROM reopened_requests")
    finally:
        await store.close()
    status = await _cli("db", "status", "--database", roles.bot_url)
    assert status.exit_code == 0 and "may not" not in status.output, status.output
    assert "  reopened_requests: 0" in status.output, status.output


@pytest.mark.postgres
async def test_a_read_only_role_may_run_the_commands_that_only_read(roles: Roles) -> None:
    """`admin stats` and `admin export` need SELECT only: a reporting role with nothing more is not refused."""
    await _owner_at(roles, KNOWN)
    await _as(roles.owner_url, f'GRANT SELECT ON ALL TABLES IN SCHEMA "{roles.schema}" TO "{roles.bot}"')
    reader = Store.from_url(roles.bot_url)
    try:
        assert await reader.open(NOW, upgrade=False) == KNOWN
    finally:
        await reader.close()
    writer = Store.from_url(roles.bot_url)
    try:
        with pytest.raises(GrantsMissing) as missing:
            await writer.open(NOW)
    finally:
        await writer.close()
    assert missing.value.tables["members"] == ("INSERT", "UPDATE", "DELETE")


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
@pytest.mark.parametrize("version", range(1, KNOWN + 1))
async def test_the_tables_the_migrations_define_are_those_they_make(dialect: str, version: int, tmp_path: Path) -> None:
    """`defined_tables` (what the privilege check and `db status` go by) reads the scripts: at every version it
    names exactly the tables a database migrated to it has."""
    if dialect == "sqlite":
        db: SqliteDatabase | PostgresDatabase = SqliteDatabase(str(tmp_path / "v.sqlite3"))
        schema = None
    else:
        schema = await require_postgres()
        admin = await asyncpg.connect(POSTGRES_URL)
        await admin.execute(f'CREATE SCHEMA "{schema}"')
        await admin.close()
        db = PostgresDatabase(POSTGRES_URL, schema=schema)
    await db.open()
    try:
        scripts = available_migrations(dialect)[:version]
        await migrations._apply(db, scripts, version, NOW, check_foreign_keys=False)
        async with db.read() as conn:
            if dialect == "sqlite":
                found = await conn.fetch_all(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                )
            else:
                found = await conn.fetch_all(
                    "SELECT relname AS name FROM pg_class WHERE relkind = 'r' "
                    "AND relnamespace = current_schema()::regnamespace"
                )
        assert set(defined_tables(scripts)) == {str(r["name"]) for r in found}
    finally:
        await db.close()
        if schema is not None:
            admin = await asyncpg.connect(POSTGRES_URL)
            await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
            await admin.close()


# ------------------------------------------------------------------- 3. another program's database


async def test_a_database_of_another_program_is_refused_and_left_as_it_was(engine_store: Store) -> None:
    """Before: migrated (18 tables added next to the other program's), exit 0."""
    other = store_on_same_database(engine_store)
    await other.db.open()
    try:
        async with other.db.transaction() as conn:
            await conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total INTEGER)")
            await conn.execute("INSERT INTO invoices (id, total) VALUES (1, 42)")
    finally:
        await other.db.close()
    for upgrade in (True, False):
        with pytest.raises(NotMentorBotDatabase) as refused:
            await engine_store.open(NOW, upgrade=upgrade)
        assert refused.value.tables == ("invoices",)
        assert "invoices" in str(refused.value) and "\n" not in str(refused.value)
    async with engine_store.db.read() as conn:
        names = await introspection.tables(conn, engine_store.db.dialect)
        kept = await conn.fetch_one("SELECT total FROM invoices WHERE id = 1")
    assert names == ["invoices"] and kept is not None and int(kept["total"]) == 42


async def test_an_empty_database_is_still_given_its_schema(engine_store: Store) -> None:
    assert await engine_store.open(NOW) == KNOWN


async def test_the_commands_refuse_another_programs_sqlite_file_in_one_line(
    idle_adapter: AdapterSpec, cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = cli_env / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE foo (x INTEGER)")
    url = f"sqlite:///{path}"
    monkeypatch.setenv("MENTORBOT_DATABASE_URL", url)
    for args in (["db", "upgrade", "--database", url], ["run"]):
        result = await _cli(*args)
        assert result.exit_code == 2, (args, result.output)
        line = _one_error_line(result.output)
        assert "not a MentorBot database" in line and "foo" in line, line
    status = await _cli("db", "status", "--database", url)
    assert status.exit_code == 0, status.output
    assert "not a MentorBot database" in status.output and "creates it" not in status.output, status.output
    with sqlite3.connect(path) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["foo"]


# ------------------------------------------------------------------- 2. restore keeps owner, group and mode


async def _database_and_backup(tmp_path: Path) -> tuple[Path, Path]:
    database = tmp_path / "data" / "mentorbot.sqlite3"
    database.parent.mkdir()
    store = Store.from_url(f"sqlite:///{database}")
    await store.open(NOW)
    await store.ensure_member("fake:1", "u-ana", "Ana", NOW)
    await store.close()
    backup = tmp_path / "backup.sqlite3"
    await sqlite_backup(str(database), backup)
    return database, backup


async def test_a_restore_keeps_the_replaced_databases_mode_and_owner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: the restored file had the caller's default mode (0644 here) and owner."""
    database, backup = await _database_and_backup(tmp_path)
    database.chmod(0o600)
    before = database.stat()
    calls: list[tuple[str, int, int]] = []
    real_chown = os.chown

    def chown(path: Any, uid: int, gid: int, **kwargs: Any) -> None:
        calls.append((Path(path).name, uid, gid))
        real_chown(path, uid, gid, **kwargs)

    monkeypatch.setattr(copying.os, "chown", chown)
    result = await sqlite_restore(str(database), backup, NOW)
    assert result.integrity == "ok"
    after = database.stat()
    assert oct(after.st_mode & 0o7777) == oct(0o600)
    assert (after.st_uid, after.st_gid) == (before.st_uid, before.st_gid)
    assert ("mentorbot.sqlite3.restoring", before.st_uid, before.st_gid) in calls


async def test_a_restore_by_a_user_who_may_not_chown_still_restores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database, backup = await _database_and_backup(tmp_path)
    database.chmod(0o640)

    def chown(path: Any, uid: int, gid: int, **kwargs: Any) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(copying.os, "chown", chown)
    result = await sqlite_restore(str(database), backup, NOW)
    assert result.integrity == "ok" and result.rows["members"] == 1
    assert database.stat().st_mode & 0o7777 == 0o640


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("runuser") or not Path(SYSTEM_PYTHON).exists(),
    reason="needs root (as `sudo` gives), runuser and the system's python3",
)
def test_a_restore_run_as_root_leaves_a_database_the_service_user_can_write() -> None:
    """/tmp/hunt/ops/restore_repro.sh: the database owned by the service user (nobody here), restored by root.
    Before: the restored file was root's, 0644, and the service user's write failed ("readonly database")."""
    import pwd

    nobody = pwd.getpwnam("nobody")
    base = Path(tempfile.mkdtemp(prefix="fix_ops_restore_"))  # pytest's folder is root's alone: nobody can't enter
    try:
        base.chmod(0o755)
        database, backup = asyncio.run(_database_and_backup(base))
        os.chown(database.parent, nobody.pw_uid, nobody.pw_gid)
        os.chown(database, nobody.pw_uid, nobody.pw_gid)
        database.chmod(0o640)
        asyncio.run(sqlite_restore(str(database), backup, NOW))
        after = database.stat()
        assert (after.st_uid, after.st_gid, after.st_mode & 0o7777) == (nobody.pw_uid, nobody.pw_gid, 0o640)
        write = subprocess.run(
            [
                "runuser", "-u", "nobody", "--", SYSTEM_PYTHON, "-c",
                "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
                "c.execute('UPDATE members SET display_name = display_name'); c.commit(); print('ok')",
                str(database),
            ],
            capture_output=True, text=True, check=False, timeout=60,
        )  # fmt: skip
        assert write.stdout.strip() == "ok", write.stderr
    finally:
        shutil.rmtree(base, ignore_errors=True)


# ------------------------------------------------------------------- 5. metrics over several worker processes


_COUNT = """
import sys
from mentorbot import metrics
metrics.COMMANDS.labels("request", "ok").inc(int(sys.argv[1]))
metrics.REQUESTS_WAITING.clear()
for reason in sys.argv[2:]:
    metrics.REQUESTS_WAITING.labels(reason).set(int(sys.argv[1]))
"""

_SCRAPE = """
from prometheus_client import generate_latest
from mentorbot import metrics
metrics.REQUESTS_WAITING.clear()
metrics.REQUESTS_WAITING.labels("no_mentor").set(1)
print(generate_latest(metrics.REGISTRY).decode())
"""


def _python(code: str, *args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr, done.stderr
    return done.stdout


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_with_a_multiprocess_folder_a_scrape_sums_every_workers_counters(tmp_path: Path) -> None:
    """Before: each worker served its own registry, so a scrape landing on the third worker said 0 commands."""
    env = {k: v for k, v in os.environ.items() if k.upper() != "PROMETHEUS_MULTIPROC_DIR"}
    env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path / "metrics")  # made when missing
    _python(_COUNT, "2", "all_busy", env=env)  # worker 1: 2 commands, 2 waiting all_busy
    _python(_COUNT, "3", env=env)  # worker 2: 3 commands
    found = _samples(_python(_SCRAPE, env=env))  # worker 3 serves the scrape
    assert found[("mentorbot_commands_total", (("command", "request"), ("outcome", "ok")))] == 5
    # The database's figures are the scraping worker's, the newest: a reason no longer met reads 0.
    assert found[("mentorbot_requests_waiting", (("reason", "no_mentor"),))] == 1
    assert found.get(("mentorbot_requests_waiting", (("reason", "all_busy"),)), 0) == 0


def test_without_a_multiprocess_folder_the_process_serves_its_own_metrics() -> None:
    env = {k: v for k, v in os.environ.items() if k.upper() != "PROMETHEUS_MULTIPROC_DIR"}
    found = _samples(_python(_COUNT + _SCRAPE, "4", "all_busy", env=env))
    assert found[("mentorbot_commands_total", (("command", "request"), ("outcome", "ok")))] == 4
    assert found[("mentorbot_requests_waiting", (("reason", "no_mentor"),))] == 1
    assert ("mentorbot_requests_waiting", (("reason", "all_busy"),)) not in found  # cleared, as before


def test_the_gunicorn_config_wipes_the_folder_at_start_and_a_dead_workers_gauges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    config = runpy.run_path(str(REPO / "deploy" / "gunicorn.conf.py"))
    assert config["worker_class"] == "aiohttp.GunicornWebWorker"
    (folder / "counter_11.db").write_bytes(b"old run")
    config["on_starting"](SimpleNamespace())
    assert list(folder.iterdir()) == []
    for name in ("counter_12.db", "gauge_livemostrecent_12.db", "gauge_livemostrecent_13.db"):
        (folder / name).write_bytes(b"")
    config["child_exit"](SimpleNamespace(), SimpleNamespace(pid=12))
    assert sorted(p.name for p in folder.iterdir()) == ["counter_12.db", "gauge_livemostrecent_13.db"]


@pytest.mark.parametrize("folder", ["", "/proc/mentorbot-cannot-make-this"], ids=["empty", "cannot be made"])
def test_an_unusable_multiprocess_folder_is_one_process_metrics_not_a_crash(folder: str) -> None:
    """prometheus-client turns multiprocess mode on whenever PROMETHEUS_MULTIPROC_DIR is present, even empty, and then
    raised at import: `mentorbot run` died with a traceback and was restarted in a loop (the review of the day)."""
    import subprocess
    import sys

    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": folder}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import mentorbot.metrics as m; m.COMMANDS.labels('x', 'ok').inc(); print(m.MULTIPROCESS)",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
    assert "PROMETHEUS_MULTIPROC_DIR is set but" in done.stderr and "Traceback" not in done.stderr
