"""Session 43: the restore rules of session 42 that no test pinned (/tmp/hunt/mut42, each a mutation of
`storage.after_backup` that every test passed).

Each runs on every restore route: SQLite's ``mentorbot db restore`` (`sqlite_restore`), and a backup restored into
a new database then ``mentorbot db raise-ids`` (`raise_ids_above`; the dump restored is `copy_database`'s copy), on
SQLite and on PostgreSQL.

- R09: an offer's direct message superseded (never delivered) in the replaced database after the backup, its mentor
  having accepted by command, was pending again and sent after the restore: the superseded state is carried too.
- R13: an outage recorded in the replaced database after the backup (the community still out at the restore, or
  out and back) was not carried: an offer made after the restore while the community is out expired as a lapse of
  its mentor's; and one begun before the backup, ended after it, stayed open in the restored database (the
  community out for ever: no offer ever counted against its mentor).
- R11: a lost mentorship whose mentor was a member in the backup (as a mentee) but signed up as a mentor only
  after it was given a ``/mentor-admin match`` that the restored database refuses: the mentor signs up again first.
- R06: an offer still pending in the replaced database was counted among those answered there after the backup.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mentorbot.app import open_bot
from mentorbot.clock import ManualClock
from mentorbot.ops_cli import _since_backup
from mentorbot.storage.after_backup import SinceBackup
from mentorbot.storage.copying import sqlite_backup, sqlite_restore
from mentorbot.storage.sqlite_engine import SqliteDatabase
from mentorbot.storage.store import Store
from tests.ops.test_restore_after_backup_s42 import (
    AMINA,
    BARAKA,
    EN,
    MENTOR,
    NINE,
    C,
    _accepted,
    _at,
    _settings,
    _two_databases,
)
from tests.ops.test_restore_review_s42 import BOSS, NEWBIE, _admin_settings, _copy, _raise

ROUTES = ["sqlite-restore", "sqlite-raise-ids", pytest.param("postgresql-raise-ids", marks=pytest.mark.postgres)]


@dataclass(frozen=True)
class Route:
    """One way a backup is made and restored: `live` the database the bot uses until the restore, `restored` the
    one it uses after (SQLite's restore replaces the file: the same), `backup` and `restore` at a time, and
    `in_backup` the rows of a query on the backup (before its restore)."""

    live: Callable[[], Store]
    restored: Callable[[], Store]
    backup: Callable[[datetime], Awaitable[None]]
    restore: Callable[[datetime], Awaitable[SinceBackup]]
    in_backup: Callable[[str], Awaitable[list[tuple[Any, ...]]]]


@asynccontextmanager
async def _route(name: str, tmp_path: Path) -> AsyncIterator[Route]:
    if name == "sqlite-restore":
        live_path, backup_path = tmp_path / "live.sqlite3", tmp_path / "backup.sqlite3"

        def live() -> Store:
            return Store(SqliteDatabase(str(live_path)))

        async def backup(now: datetime) -> None:
            await sqlite_backup(str(live_path), backup_path)

        async def restore(now: datetime) -> SinceBackup:
            result = await sqlite_restore(str(live_path), backup_path, now)
            assert result.integrity == "ok"
            return result.since

        async def in_backup(sql: str) -> list[tuple[Any, ...]]:
            with closing(sqlite3.connect(f"file:{backup_path}?mode=ro", uri=True)) as conn:
                return [tuple(_time(v) for v in row) for row in conn.execute(sql).fetchall()]

        yield Route(live, live, backup, restore, in_backup)
        return
    async with _two_databases(name.split("-")[0], tmp_path) as (live_db, new_db):

        async def copy(now: datetime) -> None:
            await _copy(live_db, new_db, now)

        async def raise_ids(now: datetime) -> SinceBackup:
            return (await _raise(live_db, new_db, now)).since

        async def in_new(sql: str) -> list[tuple[Any, ...]]:
            return await _fetch(new_db(), sql)

        yield Route(live_db, new_db, copy, raise_ids, in_new)


async def _fetch(store: Store, sql: str) -> list[tuple[Any, ...]]:
    """The rows of `sql` on `store`'s database (opened and closed here), times as `datetime` on both engines."""
    await store.db.open()
    try:
        async with store.db.read() as conn:
            rows = await conn.fetch_all(sql)
    finally:
        await store.db.close()
    return [tuple(_time(v) for v in r.values()) for r in rows]


def _time(value: Any) -> Any:
    """A time as SQLite stores it (ISO text) as a `datetime`, as PostgreSQL gives it; any other value as it is."""
    return _at(value) if isinstance(value, str) and value[:2] == "20" and "T" in value else value


def _bot(route: Route, clock: ManualClock, *, restored: bool = False, admins: bool = False) -> Any:
    settings = (_admin_settings if admins else _settings)("sqlite:///unused-s43.sqlite3")
    return open_bot(settings, clock=clock, store=(route.restored if restored else route.live)())


# --------------------------------------------------------------------- R09: a superseded notice stays superseded


@pytest.mark.parametrize("route_name", ROUTES)
async def test_an_offer_dm_superseded_after_the_backup_is_not_sent_after_the_restore(
    route_name: str, tmp_path: Path
) -> None:
    """Amina's offer to Mona: its direct message not delivered yet at the backup. After it Mona accepts by command,
    which supersedes that message (she has the offer; no button to send her). The restored database had it pending,
    and sent it after the restore: a live Accept for an offer she had taken."""
    clock = ManualClock(NINE)
    async with _route(route_name, tmp_path) as route:
        async with _bot(route, clock) as bot:
            await bot.signup(MENTOR, skills="seo", capacity="3")
            await bot.request(AMINA, skills="seo", note="help with seo")  # offer:1, its DM on its way
            await route.backup(clock.now())
            clock.advance(timedelta(minutes=5))
            accepted = await bot.accept(MENTOR, offer_id=1)
            assert accepted.error is None, accepted.reply.text
            await bot.delivered(accepted.notifications)
        assert await _fetch(route.live(), "SELECT status FROM outbox WHERE message_key = 'offer:1'") == [
            ("superseded",)
        ]
        assert await route.in_backup("SELECT status FROM outbox WHERE message_key = 'offer:1'") == [("pending",)]
        clock.advance(timedelta(hours=1))
        since = await route.restore(clock.now())
        assert since.read and since.delivered >= 1, since
        assert await _fetch(route.restored(), "SELECT status FROM outbox WHERE message_key = 'offer:1'") == [
            ("superseded",)
        ], "the superseded state is carried"
        async with _bot(route, clock, restored=True) as bot:
            resent = [n.key for n in await bot.undelivered()]
        assert "offer:1" not in resent, f"the superseded offer message is sent after the restore: {resent}"


# ------------------------------------------------------------------- R13: the replaced database's outages carried


async def _offer_after_the_restore(route: Route, clock: ManualClock) -> int:
    """After the restore Baraka asks and Mona is offered his request (its message delivered: she has it); nobody
    answers, and the offer's deadline passes (48 h). The id of that offer."""
    async with _bot(route, clock, restored=True) as bot:
        asked = await bot.request(BARAKA, skills="seo", note="Baraka's")
        await bot.delivered(asked.notifications)
        keys = [n.key for n in asked.notifications if n.key and n.key.startswith("offer:")]
        assert len(keys) == 1, [n.key for n in asked.notifications]
        clock.advance(timedelta(hours=48, minutes=5))
        await bot.run_due_jobs()
    offer_id = int(keys[0].split(":")[1])
    assert await _fetch(route.restored(), f"SELECT status FROM offers WHERE id = {offer_id}") == [("expired",)]
    return offer_id


@pytest.mark.parametrize("route_name", ROUTES)
async def test_an_outage_begun_after_the_backup_and_open_at_the_restore_is_carried(
    route_name: str, tmp_path: Path
) -> None:
    """The bot was removed from the server at 09:10, after the 09:00 backup, and is still out at the 10:00
    restore: the restored database holds that outage open beside its own (09:00 to 10:00), so an offer made after the
    restore while the community is still out expires as no lapse of its mentor's (not paused with
    MAX_EXPIRED_OFFERS=1)."""
    clock = ManualClock(NINE)
    async with _route(route_name, tmp_path) as route:
        async with _bot(route, clock) as bot:
            await bot.signup(MENTOR, skills="seo", capacity="3")
            await route.backup(clock.now())
            clock.advance(timedelta(minutes=10))
            assert await bot.community_lost(C)
        clock.advance(timedelta(minutes=50))
        restored_at = clock.now()
        since = await route.restore(restored_at)
        assert since.since == NINE and since.outages == 1, since
        outages = await _fetch(route.restored(), "SELECT community, since, until FROM community_outages ORDER BY since")
        assert outages == [(C, NINE, restored_at), (C, NINE + timedelta(minutes=10), None)], outages
        clock.advance(timedelta(minutes=5))
        await _offer_after_the_restore(route, clock)
        assert await _fetch(route.restored(), "SELECT offer_id FROM offer_lapses") == [], "no lapse of Mona's"
        assert await _fetch(route.restored(), "SELECT status FROM mentor_profiles") == [("active",)], "not paused"


@pytest.mark.parametrize("route_name", ROUTES)
async def test_an_outage_begun_and_ended_after_the_backup_is_carried(route_name: str, tmp_path: Path) -> None:
    """Out from 09:10 to 09:40, both after the 09:00 backup: the restored database records it as the replaced one
    did (beside its own outage, 09:00 to the restore)."""
    clock = ManualClock(NINE)
    async with _route(route_name, tmp_path) as route:
        async with _bot(route, clock) as bot:
            await bot.signup(MENTOR, skills="seo", capacity="3")
            await bot.request(AMINA, skills="seo", note="help with seo")
            await route.backup(clock.now())
            clock.advance(timedelta(minutes=10))
            assert await bot.community_lost(C)
            clock.advance(timedelta(minutes=30))
            await bot.community_back(C)
        clock.advance(timedelta(minutes=20))
        restored_at = clock.now()
        since = await route.restore(restored_at)
        assert since.outages == 1, since
        outages = await _fetch(route.restored(), "SELECT community, since, until FROM community_outages ORDER BY since")
        ten_past, twenty_to = NINE + timedelta(minutes=10), NINE + timedelta(minutes=40)
        assert outages == [(C, NINE, restored_at), (C, ten_past, twenty_to)], outages


@pytest.mark.parametrize("route_name", ROUTES)
async def test_an_outage_open_in_the_backup_and_ended_after_it_is_ended_by_the_restore(
    route_name: str, tmp_path: Path
) -> None:
    """The bot was removed at 09:05 and the backup made at 09:10 holds that outage open; added back at 09:30. The
    restore ends it at 09:30 as the replaced database did: left open, the community would be out for ever in the
    restored database, and no offer made there would count against its mentor (an offer made after the restore,
    reached and unanswered, is Mona's lapse: she is paused, MAX_EXPIRED_OFFERS=1)."""
    clock = ManualClock(NINE)
    async with _route(route_name, tmp_path) as route:
        async with _bot(route, clock) as bot:
            await bot.signup(MENTOR, skills="seo", capacity="3")
            clock.advance(timedelta(minutes=5))
            assert await bot.community_lost(C)
            clock.advance(timedelta(minutes=5))
            await route.backup(clock.now())
            clock.advance(timedelta(minutes=20))
            await bot.community_back(C)
        assert await route.in_backup("SELECT since, until FROM community_outages") == [
            (NINE + timedelta(minutes=5), None)
        ]
        clock.advance(timedelta(minutes=30))
        restored_at = clock.now()
        since = await route.restore(restored_at)
        assert since.since == NINE and since.outages == 1, since
        outages = await _fetch(route.restored(), "SELECT community, since, until FROM community_outages ORDER BY since")
        five_past, half_past = NINE + timedelta(minutes=5), NINE + timedelta(minutes=30)
        assert outages == [(C, NINE, restored_at), (C, five_past, half_past)], outages
        clock.advance(timedelta(minutes=5))
        offer_id = await _offer_after_the_restore(route, clock)
        assert await _fetch(route.restored(), "SELECT offer_id FROM offer_lapses") == [(offer_id,)]
        assert await _fetch(route.restored(), "SELECT status FROM mentor_profiles") == [("paused",)]


# ---------------------------------------------------------- R11: a mentor who was a member, but no mentor, then


@pytest.mark.parametrize("route_name", ROUTES)
async def test_a_lost_mentorships_mentor_who_was_only_a_mentee_in_the_backup_signs_up_again_first(
    route_name: str, tmp_path: Path
) -> None:
    """Nia was a member at the backup (she had asked for copywriting help) but signed up as a mentor only after it,
    and mentors Amina's request (made before it). The restored database holds Nia, with no mentor profile: the
    ``/mentor-admin match`` of Amina's request to her is refused there, so the report says Nia signs up again
    first (before, being a member was taken for being a mentor, and the plain match was printed)."""
    clock = ManualClock(NINE)
    async with _route(route_name, tmp_path) as route:
        async with _bot(route, clock, admins=True) as bot:
            asked = await bot.request(NEWBIE, skills="copywriting", note="Nia's own")  # no mentor of it: waits
            await bot.delivered(asked.notifications)
            asked = await bot.request(AMINA, skills="seo", note="help with seo")  # no mentor yet: waits
            await bot.delivered(asked.notifications)
            await route.backup(clock.now())
            clock.advance(timedelta(minutes=30))
            signed = await bot.signup(NEWBIE, skills="seo", capacity="3")
            await bot.delivered(signed.notifications)
            await bot.run_due_jobs()
        pending = await _fetch(
            route.live(),
            "SELECT o.id, o.request_id FROM offers o JOIN members m ON m.id = o.mentor_id "
            "WHERE o.status = 'pending' AND m.platform_user_id = 'newbie'",
        )
        assert len(pending) == 1, pending
        ((offer_id, request_id),) = pending
        async with _bot(route, clock, admins=True) as bot:
            accepted = await bot.accept(NEWBIE, offer_id=offer_id)
            assert accepted.error is None, accepted.reply.text
            await bot.delivered(accepted.notifications)
        clock.advance(timedelta(minutes=30))
        since = await route.restore(clock.now())
        assert [(m.request, m.mentor, m.mentee, m.request_restored, m.mentor_restored) for m in since.mentorships] == [
            (request_id, "newbie", "amina", True, False)
        ], since.mentorships
        lines = _since_backup(EN, since)
        told = EN("ops.restore.since.signup_first", community=C, mentor="newbie", mentee="amina", request=request_id)
        assert told in lines, lines
        plain = EN("ops.restore.since.match", community=C, mentor="newbie", mentee="amina", request=request_id)
        assert plain not in lines, lines
        assert await _fetch(route.restored(), "SELECT platform_user_id FROM members WHERE platform_user_id = 'newbie'")
        async with _bot(route, clock, restored=True, admins=True) as bot:
            refused = await bot.admin_match(BOSS, request_id=request_id, mentor="newbie")
        assert refused.error is not None, f"the plain match would have run: {refused.reply.text}"


# ------------------------------------------------------- R06: an offer still pending is not one answered since


@pytest.mark.parametrize("route_name", ROUTES)
async def test_an_offer_still_pending_in_the_replaced_database_is_not_counted_as_answered(
    route_name: str, tmp_path: Path
) -> None:
    """Beside /tests/ops/test_restore_after_backup_s42.py's test of what the restored database lost: Mona was
    offered Amina's and Baraka's requests before the backup; after it she accepted Amina's and left Baraka's
    pending. One offer was answered after the backup, not two."""
    clock = ManualClock(NINE)
    async with _route(route_name, tmp_path) as route:
        async with _bot(route, clock) as bot:
            await bot.signup(MENTOR, skills="seo", capacity="3")
            for who in (AMINA, BARAKA):
                asked = await bot.request(who, skills="seo", note="help with seo")
                await bot.delivered(asked.notifications)
        offers = await _fetch(
            route.live(),
            "SELECT o.id, m.platform_user_id FROM offers o JOIN requests r ON r.id = o.request_id "
            "JOIN members m ON m.id = r.member_id WHERE o.status = 'pending' ORDER BY o.id",
        )
        assert [who for _, who in offers] == ["amina", "baraka"], offers
        amina_offer = offers[0][0]
        async with _bot(route, clock) as bot:
            await route.backup(clock.now())
            clock.advance(timedelta(minutes=30))
            await _accepted(bot, amina_offer, clock)
        assert await _fetch(route.live(), "SELECT id, status FROM offers ORDER BY id") == [
            (amina_offer, "accepted"),
            (offers[1][0], "pending"),
        ]
        clock.advance(timedelta(minutes=30))
        since = await route.restore(clock.now())
        assert since.offers == 1, since
        lines = _since_backup(EN, since)
        assert EN("ops.restore.since.offers", count=1) in lines, lines
        assert EN("ops.restore.since.offers", count=2) not in lines, lines
        assert len(since.mentorships) == 1 and since.requests == 0, since
