"""``mentorbot db copy|status|upgrade|restore`` and ``mentorbot admin backup``: running a community's database.

The work is in `mentorbot.storage.copying`; this module turns it into lines in the admin's language.
"""

from __future__ import annotations

import glob
import shlex
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from mentorbot.cli_support import (
    database_option_or_exit,
    db_override,
    missing_sqlite_file,
    new_sqlite_file,
    run_or_exit,
    schema_change_denied,
    settings_or_exit,
)
from mentorbot.progress import progress_bar
from mentorbot.settings import Settings, mask_url_password

if TYPE_CHECKING:
    from mentorbot.i18n import Translator
    from mentorbot.storage.after_backup import Forgotten, SinceBackup
    from mentorbot.storage.copying import RestoreResult, TableState

_DATABASE_HELP = "Database URL instead of MENTORBOT_DATABASE_URL: sqlite:///FILE or postgresql://…"


def _settings(database: str | None) -> Settings:
    """The settings, with ``--database`` (checked as MENTORBOT_DATABASE_URL is, and named when refused)."""
    return database_option_or_exit(database, "--database") if database else settings_or_exit()


def _refused(settings: Settings, exc: Exception) -> None:
    """Say why a copy or backup was refused, in the admin's language, and exit 1."""
    from mentorbot.i18n import translator
    from mentorbot.storage.copying import CopyRefused

    t = translator(settings.default_language)
    if isinstance(exc, CopyRefused):
        click.echo(t("cli.error", reason=t(f"ops.refused.{exc.key}", **exc.params)), err=True)
        sys.exit(1)
    raise exc


@click.group()
def db() -> None:
    """The database: its schema (status, upgrade), moving it to another engine (copy), restoring a backup (restore,
    and raise-ids after a PostgreSQL restore)."""


@db.command("status")
@click.option("--database", metavar="URL", help=_DATABASE_HELP)
def db_status(database: str | None) -> None:
    """Engine, schema version, pending migrations and rows per table (changes nothing).

    Every table the migrations define is listed; on PostgreSQL one this database user may not use as the bot does
    is flagged with the privileges it lacks, and the owner's grants that mend it are printed.
    """

    settings = _settings(database)
    click.echo(run_or_exit(_status(settings), settings, databases=[settings.database_url]))


async def _status(settings: Settings) -> str:
    from mentorbot.i18n import translator
    from mentorbot.storage.copying import schema_at, schema_state, table_states
    from mentorbot.storage.migrations import TableAccess, changed_migrations, grants_fix
    from mentorbot.storage.store import create_database

    t = translator(settings.default_language)
    table_list: list[TableState] = []
    access = TableAccess()
    if missing_sqlite_file(settings.database_url):  # "changes nothing": reported as it stands, not created
        state = schema_at("sqlite", 0)
        changed: list[str] = []
    else:
        engine = create_database(settings.database_url)
        await engine.open()
        try:
            state = await schema_state(engine)
            if state.version:
                table_list, access = await table_states(engine, min(state.version, state.known))
            changed = await changed_migrations(engine)
        finally:
            await engine.close()
    lines = [
        t("ops.status.engine", engine=state.dialect, database=mask_url_password(settings.database_url)),
        t("ops.status.version", version=state.version, known=state.known),
        t("ops.status.pending", names=", ".join(state.pending)) if state.pending else t("ops.status.none_pending"),
    ]
    if changed:
        lines.append(t("ops.status.changed", names=", ".join(changed)))
    if state.version > state.known:
        lines.append(t("ops.status.too_new", version=state.version, known=state.known))
    if state.others:  # another program's tables, and no schema: `db upgrade` and the bot refuse it
        lines.append(t("ops.status.other_program", tables=", ".join(state.others)))
    elif not state.version:
        lines.append(t("ops.status.uninitialised"))
    else:
        lines.append(t("ops.status.rows"))
        lines.extend(_table_line(t, table) for table in table_list)
        if access.sequences:
            lines.append(t("ops.status.sequences_denied", names=", ".join(access.sequences)))
        if access.missing or access.sequences:
            lines.append(t("ops.status.grants_fix", fix=grants_fix(access.role, access.schema, access.owner)))
    return "\n".join(lines)


def _table_line(t: Translator, table: TableState) -> str:
    """One table of `db status`: its rows, or what keeps this database user from using it as the bot does."""
    if table.absent:
        return t("ops.status.row_absent", table=table.name)
    if table.rows is None:
        return t("ops.status.row_denied", table=table.name, privileges=", ".join(table.missing))
    if table.missing:
        return t("ops.status.row_limited", table=table.name, rows=table.rows, privileges=", ".join(table.missing))
    return t("ops.status.row", table=table.name, rows=table.rows)


@db.command("upgrade")
@click.option("--database", metavar="URL", help=_DATABASE_HELP)
def db_upgrade(database: str | None) -> None:
    """Apply the pending migrations now (the bot also applies them when it starts).

    Refused (exit 2, one line, nothing written): a database of another program (tables, no MentorBot schema), and
    on PostgreSQL a database user that may not use every table the migrations made (the grants to add are named).
    """

    from mentorbot.i18n import translator
    from mentorbot.storage.migrations import GrantsMissing, NotMentorBotDatabase, SchemaChangeDenied

    settings = _settings(database)
    result = run_or_exit(_upgrade(settings), settings, databases=[settings.database_url])
    if isinstance(result, SchemaChangeDenied):  # this database user may not change the schema
        click.echo(schema_change_denied(settings, result), err=True)
        sys.exit(2)
    t = translator(settings.default_language)
    if isinstance(result, GrantsMissing):  # nor use every table it made (a later release's, not granted)
        reason = t("ops.grants.missing", role=result.role, schema=result.schema, missing=result.missing, fix=result.fix)
        click.echo(t("cli.error", reason=reason), err=True)
        sys.exit(2)
    if isinstance(result, NotMentorBotDatabase):  # another program's: nothing was written to it
        database = mask_url_password(settings.database_url)
        reason = t("ops.refused.other_program", database=database, tables=result.names)
        click.echo(t("cli.error", reason=reason), err=True)
        sys.exit(2)
    click.echo(result)


async def _upgrade(settings: Settings) -> str | Exception:
    from mentorbot.clock import SystemClock
    from mentorbot.i18n import translator
    from mentorbot.storage.copying import schema_state
    from mentorbot.storage.migrations import GrantsMissing, NotMentorBotDatabase, SchemaChangeDenied, migrate
    from mentorbot.storage.store import create_database

    t = translator(settings.default_language)
    engine = create_database(settings.database_url)
    await engine.open()
    try:
        before = await schema_state(engine)
        version = await migrate(engine, SystemClock().now())
    except (SchemaChangeDenied, GrantsMissing, NotMentorBotDatabase) as exc:
        return exc
    finally:
        await engine.close()
    if not before.pending:
        return t("ops.upgrade.nothing", version=version)
    return t("ops.upgrade.done", version=version, names=", ".join(before.pending))


@db.command("copy")
@click.option("--from", "source", required=True, metavar="URL", help="The database to copy: sqlite:///FILE or …")
@click.option("--to", "target", required=True, metavar="URL", help="The database to fill: postgresql://… or …")
@click.option("--replace", is_flag=True, help="Delete the rows the target holds first (in the same transaction).")
def db_copy(source: str, target: str, replace: bool) -> None:
    """Copy every table of one database into another in one transaction, and check rows and checksums.

    Stop the bot first (a copy is a snapshot of the source). The target's schema is created or upgraded; a
    target that already holds rows is refused unless --replace. Nothing is committed unless every table's row
    count and checksum match the source's.
    """
    settings = _settings(None)
    from mentorbot.storage.copying import CopyRefused

    database_option_or_exit(source, "--from")
    database_option_or_exit(target, "--to")
    if source == target:
        _refused(settings, CopyRefused("same"))
    if missing_sqlite_file(source):
        _refused(settings, CopyRefused("no_source", database=mask_url_password(source)))
    made = new_sqlite_file(target)
    if made is not None and not made.parent.exists():  # a mistyped path: refused, as `admin backup` does, not made
        _refused(settings, CopyRefused("no_folder", folder=made.parent, file=made))
    click.echo(run_or_exit(_copy(settings, source, target, replace), settings, databases=[source, target]))


async def _copy(settings: Settings, source_url: str, target_url: str, replace: bool) -> str:
    from mentorbot.clock import SystemClock
    from mentorbot.i18n import translator
    from mentorbot.storage.copying import CopyRefused, copy_database, keep_private, new_private_file
    from mentorbot.storage.store import create_database

    t = translator(settings.default_language)
    source, target = create_database(source_url), create_database(target_url)
    # A SQLite target this command creates is removed again when nothing was copied; it is made owner-only before
    # SQLite opens it (SQLite keeps that mode, and gives it to the -wal and -shm): it holds every member's data.
    made = new_sqlite_file(target_url)
    if made is not None and made.parent.is_dir():  # (a file in the folder's place: the engine says so, as before)
        new_private_file(made)
    started = time.perf_counter()
    bar: Any = None
    copied = False
    try:
        await source.open()
        await target.open()

        def start(total: int) -> None:
            nonlocal bar
            bar = progress_bar(t("ops.copy.progress"), length=total)
            bar.__enter__()

        try:
            checks = await copy_database(
                source, target, SystemClock().now(), replace=replace, progress=lambda n: bar.update(n), on_start=start
            )
        except CopyRefused as exc:
            if bar is not None:
                bar.__exit__(None, None, None)
            if exc.key == "target_new":  # named as the admin gave it
                _refused(settings, CopyRefused(exc.key, target=mask_url_password(target_url), **exc.params))
            _refused(settings, exc)
            raise
        if bar is not None:
            bar.__exit__(None, None, None)
        copied = True
    finally:
        await target.close()
        await source.close()
        if made is not None and not copied:
            for leftover in (made, made.with_name(made.name + "-wal"), made.with_name(made.name + "-shm")):
                leftover.unlink(missing_ok=True)
    if made is not None:
        keep_private(made)
    lines = [t("ops.copy.table", table=c.table, rows=c.target_rows, checksum=c.target_checksum) for c in checks]
    lines.append(
        t(
            "ops.copy.done",
            rows=sum(c.target_rows for c in checks),
            tables=len(checks),
            source=mask_url_password(source_url),
            target=mask_url_password(target_url),
            seconds=f"{time.perf_counter() - started:.1f}",
        )
    )
    return "\n".join(lines)


@db.command("restore")
@click.argument("backup", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--database", metavar="URL", help=_DATABASE_HELP)
def db_restore(backup: Path, database: str | None) -> None:
    """Put BACKUP (made by `mentorbot admin backup`) in place of the SQLite database. Stop the bot first.

    The backup must pass its integrity check, be a MentorBot database and be no newer than this MentorBot; it is
    refused while the database is in use. The database that was there is never deleted: it moves aside, with its
    -wal and -shm, as FILE.before-restore-TIME. The backup is copied in with SQLite's backup API, and checked; its
    ids are raised above those the database that was there gave (none is given again), and the members of the
    backup that database records as forgotten since (a hash and a time, written by each forget) are forgotten again
    in it, before it takes that database's place; nobody merely missing from it is. When that database cannot be
    read whole, the `mentorbot admin forget` to run are printed; when the forgets made since the backup cannot all
    be known (no database there, none readable, no record: older than migration 0026), it says what to check.
    The time from the backup to the restore is recorded as an outage of each community (an offer open then expires
    as no lapse of its mentor's); what that database delivered since is not sent again (its outbox's deliveries,
    message refs and inbox events done are carried), and what the backup lacks of what it did since is said:
    offers answered, requests made, and each mentorship made, with the `/mentor-admin match` that makes it again.
    Ctrl-C stops it before
    anything is replaced. Once the files have moved it is too late: the restore finishes, its check of the
    restored database included (seconds on a large one), and a Ctrl-C then says so at once; an interrupt that
    ends the command anyway (a second Ctrl-C) says what the files show: restored, and where the old database is
    kept, or nothing restored. For PostgreSQL, print the steps to run: createdb, pg_restore into that new
    database, and `mentorbot db raise-ids`, which lists the members forgotten since the backup to forget again.
    """
    from mentorbot.clock import SystemClock
    from mentorbot.i18n import translator
    from mentorbot.storage.copying import CopyRefused, schema_at, sqlite_restore
    from mentorbot.storage.database import sqlite_path

    settings = _settings(database)
    t = translator(settings.default_language)
    url = settings.database_url
    kind = _backup_kind(backup)
    if not url.startswith("sqlite"):
        if kind == "sqlite":
            _refused(settings, CopyRefused("backup_sqlite_for_postgres", file=backup))
        if kind == "other":
            _refused(settings, CopyRefused("backup_not_pg_dump", file=backup))
        click.echo(_postgres_recipe(t, url, backup))
        return
    if kind == "pg_dump":
        _refused(settings, CopyRefused("backup_pg_dump_for_sqlite", file=backup))
    target = sqlite_path(url).partition("?")[0]
    if target == ":memory:":
        _refused(settings, CopyRefused("not_a_file", database=mask_url_password(url)))
    bar: Any = None
    aside_before = set(_set_aside(target))
    existed = Path(target).exists()

    def progress(copied: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = progress_bar(t("ops.restore.progress"), length=total)
            bar.__enter__()
        bar.update(copied - bar.pos)

    def too_late() -> None:  # Ctrl-C once the files moved: the restore goes on to its end, and says so
        drawn = bar is not None and sys.stderr.isatty()  # a terminal's bar is drawn: the words go on a line below
        click.echo(("\n" if drawn else "") + t("ops.restore.too_late", database=target), err=True)

    try:
        try:
            result = run_or_exit(
                _backup(
                    sqlite_restore(
                        target,
                        backup,
                        SystemClock().now(),
                        progress=progress,
                        too_late=too_late,
                        max_open=settings.max_open_requests,
                    )
                ),
                settings,
            )
        finally:
            if bar is not None:
                bar.__exit__(None, None, None)
    except KeyboardInterrupt:
        # Ctrl-C before the files moved stops the restore there; a later interrupt (pressed again while the restored
        # database is checked) ends the command once the worker has finished: the files tell which.
        moved = sorted(set(_set_aside(target)) - aside_before)
        if moved or (not existed and Path(target).exists()):
            done = t("ops.restore.kept", files=", ".join(map(str, moved))) if moved else t("ops.restore.nothing_before")
            click.echo(t("ops.restore.interrupted_late", database=target, backup=backup) + "\n" + done, err=True)
        else:
            click.echo(t("ops.restore.interrupted", database=target), err=True)
        sys.exit(130)
    if isinstance(result, CopyRefused):
        _refused(settings, result)
        return
    kept = ", ".join(str(path) for path in result.kept)
    if result.integrity != "ok":
        click.echo(t("ops.restore.bad", database=result.database, integrity=result.integrity, files=kept), err=True)
        sys.exit(1)
    lines = [
        t(
            "ops.restore.done",
            backup=result.backup,
            database=result.database,
            integrity=result.integrity,
            rows=sum(result.rows.values()),
            tables=len(result.rows),
        ),
        t("ops.restore.kept", files=kept) if result.kept else t("ops.restore.nothing_before"),
    ]
    if result.ids_raised is False:
        lines.append(t("ops.restore.ids_unread"))
    lines.extend(_forgets(t, result))
    lines.extend(_since_backup(t, result.since, unread=bool(result.kept) and not result.since.read))
    known = schema_at("sqlite", result.version).known
    if result.version < known:
        lines.append(t("ops.restore.older", version=result.version, known=known))
    click.echo("\n".join(lines))


def _forgets(t: Translator, result: RestoreResult) -> list[str]:
    """What a SQLite restore says of the forgets made since the backup: how many it made again in the restored
    database; or, the database that was there not read whole, that it made none, with the `mentorbot admin forget`
    of each member its record names; and, when they cannot all be known, that the admin must check."""
    lines = []
    if result.forgotten_again:
        lines.append(t("ops.restore.forgets.again", count=len(result.forgotten_again)))
    if result.to_forget:
        lines.append(t("ops.restore.forgets.listed", count=len(result.to_forget)))
        lines.extend(_forget_command(community, user, result.database) for community, user in result.to_forget)
    if not result.forgets_known:
        lines.append(t("ops.restore.forgets.unknown", database=result.database))
    return lines


def _since_backup(t: Translator, since: SinceBackup, *, unread: bool = False) -> list[str]:
    """What a restore says of the time between the backup and itself (`after_backup.since_backup`): the outage it
    recorded in each community (offers open then expire as no lapse), and what the restored database lost of what the
    database it replaced did since: offers answered there, requests made there, and each mentorship made there with
    the ``/mentor-admin match`` that makes it again (or, its request lost too, that the mentee asks again first; its
    mentor one who signed up after the backup, that the mentor signs up again first); and first, each column of the
    restored database holding times after the restore's, which were not taken for the backup's time (a clock ahead
    or behind); `unread`: that database could not be read, so none of that is known."""
    lines = [
        t("ops.restore.since.ahead", table=a.table, column=a.column, newest=a.newest.strftime("%Y-%m-%d %H:%M UTC"))
        for a in since.ahead
    ]
    if since.outages and since.since is not None:
        lines.append(
            t("ops.restore.since.outage", count=since.outages, since=since.since.strftime("%Y-%m-%d %H:%M UTC"))
        )
    if unread:
        lines.append(t("ops.restore.since.unread"))
    if since.offers:
        lines.append(t("ops.restore.since.offers", count=since.offers))
    if since.requests:
        lines.append(t("ops.restore.since.requests", count=since.requests))
    if since.mentorships:
        lines.append(t("ops.restore.since.mentorships", count=len(since.mentorships)))
        for lost in since.mentorships:
            if lost.mentor_restored:
                key = "ops.restore.since.match" if lost.request_restored else "ops.restore.since.ask_again"
            else:
                key = "ops.restore.since.signup_first" if lost.request_restored else "ops.restore.since.ask_and_signup"
            lines.append(
                t(key, community=lost.community, mentor=lost.mentor, mentee=lost.mentee, request=lost.request or "?")
            )
    return lines


def _forget_command(community: str, user_id: str, database: Path | None = None) -> str:
    """The `mentorbot admin forget` of a member (on the SQLite file `database`, else MENTORBOT_DATABASE_URL's)."""
    words = ["mentorbot", "admin", "forget", user_id, "--community", community]
    if database is not None:
        words += ["--db", str(database)]
    return shlex.join(words)


def _set_aside(database: str) -> list[Path]:
    """The files a restore of `database` moved aside (``<name>.before-restore-<time>``, with its -wal and -shm)."""
    path = Path(database)
    return sorted(path.parent.glob(glob.escape(path.name) + ".before-restore-*"))


def _backup_kind(backup: Path) -> str | None:
    """What `backup` is by its first bytes: ``"sqlite"`` (a SQLite database, as ``admin backup`` makes of one),
    ``"pg_dump"`` (pg_dump's custom format, as ``pg_restore`` reads), ``"other"``; None when it cannot be read here
    (not here: a dump may be kept on the database's own machine; the restore's own checks say the rest)."""
    try:
        with backup.open("rb") as file:
            head = file.read(16)
    except OSError:
        return None
    if head.startswith(b"SQLite format 3\x00"):
        return "sqlite"
    return "pg_dump" if head.startswith(b"PGDMP") else "other"


def _postgres_recipe(t: Translator, url: str, backup: Path) -> str:
    """How a PostgreSQL backup is restored: into a new database beside the live one (never into it: pg_restore
    would merge the backup into its rows), whose ids are then raised above the live one's; the passwords left out
    of the commands (PGPASSWORD or ~/.pgpass give them) and masked in the words."""
    from mentorbot.clock import SystemClock
    from mentorbot.storage.copying import (
        createdb_command,
        pg_restore_command,
        raise_ids_command,
        restored_database_url,
    )

    name, new_url = restored_database_url(url, SystemClock().now())
    return "\n".join(
        [
            t("ops.restore.postgres"),
            createdb_command(url, name),
            pg_restore_command(new_url, backup),
            raise_ids_command(url, new_url),
            t("ops.restore.forgets.postgres"),
            t("ops.restore.postgres_then", url=mask_url_password(new_url), old=mask_url_password(url)),
        ]
    )


@db.command("raise-ids")
@click.option("--above", required=True, metavar="URL", help="The database the bot used until now (only read).")
@click.option("--database", metavar="URL", help="The database whose ids to raise (default: MENTORBOT_DATABASE_URL).")
def db_raise_ids(above: str, database: str | None) -> None:
    """Make the database give ids above every id the --above database gave: after a backup was restored into a
    new database (PostgreSQL: `mentorbot db restore` prints this step), with the bot stopped.

    An id given since the backup is on buttons of direct messages and admins' lists (an offer's Accept, a
    course suggestion's Approve): given again, an old button would act on another row. Ids are only raised, never
    lowered, in one transaction; the --above database is only read. A SQLite restore does this by itself.

    The --above database's record of forgets is carried into the database, and the members of the database it
    records as forgotten since the backup (a restore brings them back) are listed, each with the `mentorbot admin
    forget` to run on it before the bot starts; nobody merely missing from the --above database is. As a SQLite
    restore does, the time from the backup to now is recorded as an outage of each community, the --above
    database's deliveries, message refs and inbox events done are carried, and what the database lacks of what the
    --above one did since the backup is said, with the `/mentor-admin match` that makes each lost mentorship again.
    """
    from mentorbot.i18n import translator
    from mentorbot.storage.copying import CopyRefused

    settings = _settings(database)
    database_option_or_exit(above, "--above")
    t = translator(settings.default_language)
    for url in (above, settings.database_url):
        if missing_sqlite_file(url):  # opening it would create it
            _refused(settings, CopyRefused("no_source", database=mask_url_password(url)))
    result = run_or_exit(_backup(_raise_ids(settings.database_url, above)), settings)
    if isinstance(result, CopyRefused):
        if result.key in ("ids_no_schema", "ids_new"):  # named as the admin gave it
            result = CopyRefused(result.key, database=mask_url_password(settings.database_url), **result.params)
        _refused(settings, result)
        return
    raised, forgotten, since = result
    ids = ", ".join(f"{table} {highest}" for table, highest in raised.items()) or t("ops.raise_ids.no_ids")
    target, source = mask_url_password(settings.database_url), mask_url_password(above)
    lines = [t("ops.raise_ids.done", database=target, above=source, ids=ids)]
    if forgotten.members:
        lines.append(t("ops.raise_ids.forgotten", count=len(forgotten.members), database=target))
        lines.extend(_forget_command(community, user) for _, community, user in forgotten.members)
    if not forgotten.known:
        lines.append(t("ops.raise_ids.forgotten_unknown", database=target))
    lines.extend(_since_backup(t, since))
    click.echo("\n".join(lines))


async def _raise_ids(url: str, above: str) -> tuple[dict[str, int], Forgotten, SinceBackup]:
    """`raise_ids_above` from the database at `above` onto the one at `url`: the highest id of each table whose
    ids are on buttons (offers, requests, course suggestions, mentorships), as they stand now; the members of
    the one at `url` (a backup restored) that the one at `above` records as forgotten since the backup
    (`forgotten_since_backup`); and what it did about the time between the backup and now (`since_backup`)."""
    from mentorbot.clock import SystemClock
    from mentorbot.storage.after_backup import forgotten_since_backup
    from mentorbot.storage.copying import ID_TABLES, raise_ids_above
    from mentorbot.storage.store import create_database

    source, target = create_database(above), create_database(url)
    try:
        await source.open()
        await target.open()
        raised = await raise_ids_above(source, target, SystemClock().now())
        forgotten = await forgotten_since_backup(source, target)
    finally:
        await target.close()
        await source.close()
    return {table: raised.ids[table] for table in ID_TABLES if table in raised.ids}, forgotten, raised.since


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--db", "db_file", type=click.Path(dir_okay=False, path_type=Path), help="SQLite file to back up.")
def backup(file: Path, db_file: Path | None) -> None:
    """Back up the database to FILE: SQLite with its online backup API (safe while the bot runs), checked;
    Ctrl-C stops it with no file written. For PostgreSQL, print the pg_dump command to run (without the
    password)."""
    from mentorbot.i18n import translator
    from mentorbot.storage.copying import CopyRefused, pg_dump_command, sqlite_backup
    from mentorbot.storage.database import sqlite_path

    settings = settings_or_exit(**db_override(db_file))
    t = translator(settings.default_language)
    url = settings.database_url
    if not url.startswith("sqlite"):
        click.echo(t("ops.backup.postgres"))
        click.echo(pg_dump_command(url, file))
        click.echo(t("ops.backup.restore", file=shlex.quote(str(file))))
        return
    source = sqlite_path(url).partition("?")[0]
    try:
        result = run_or_exit(_backup(sqlite_backup(source, file)), settings)
    except KeyboardInterrupt:  # Ctrl-C: the backup stopped, and its partial file is removed
        click.echo(t("ops.backup.interrupted", file=file), err=True)
        sys.exit(130)
    if isinstance(result, CopyRefused):
        _refused(settings, result)
        return
    if result.integrity != "ok":
        click.echo(t("ops.backup.bad", file=file, integrity=result.integrity), err=True)
        sys.exit(1)
    click.echo(
        t(
            "ops.backup.done",
            database=source,
            file=file,
            integrity=result.integrity,
            rows=sum(result.rows.values()),
            tables=len(result.rows),
        )
    )


async def _backup(running: Any) -> Any:
    from mentorbot.storage.copying import CopyRefused

    try:
        return await running
    except CopyRefused as exc:
        return exc
