"""What a forget left behind (a privacy hunt, /tmp/hunt/privacy): README promises that "what you typed goes
everywhere it was kept (… notices still waiting for others that name them go)".

- A weekly digest held for an admin named a lapsing mentor by display name and quoted her typed decline reason;
  the forget only removed notices holding her platform mention. The digest now names lapsing mentors by mention,
  and the forget also removes others' pending or held notices quoting a text she typed that it deletes.
- Notices already delivered to others (the mentor's offer with "Their note", the introduction) kept her note and
  mention until the hourly prune (a day): the forget blanks their payload (the rows, keys and states stay, which
  the outbox's reads of delivered rows rely on).
- The forget's own inbox row kept her platform user id until pruned: it is blanked when the event is finished.
- `/mentor export` did not list the notices waiting for the member (pending or held).
- SQLite builds whose secure_delete defaults off kept forgotten text in free pages of the file.

Both engines where an engine is involved; the file's bytes on SQLite.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.replies import Field, Reply, reply_to_json
from mentorbot.storage.insight import Lapse
from mentorbot.storage.sqlite_engine import SqliteDatabase
from mentorbot.storage.store import Store
from mentorbot.usecases.insight import lapse_lines
from tests.storage.forget_cast import HER, NAME, who
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to


async def _outbox(store: Store) -> list[dict[str, Any]]:
    async with store.read() as conn:
        return [dict(r) for r in await conn.fetch_all("SELECT * FROM outbox ORDER BY id")]


def _naming(rows: list[dict[str, Any]], *texts: str) -> list[dict[str, Any]]:
    return [r for r in rows if any(x.lower() in str(r["payload"]).lower() for x in texts)]


async def _digest_held_for_admin(bot: MentorBot, clock: ManualClock) -> Reply:
    """Move to Monday 08:30, run the digest, hold it for the admin (DMs closed); the digest."""
    clock.advance(datetime(2026, 1, 12, 8, 30, tzinfo=UTC) - clock.now())  # the clock starts Monday 2026-01-05
    notes = [n for n in to(await bot.run_due_jobs(), "admin") if n.reply.attachments]
    [digest] = notes
    await bot.hold_undelivered(digest, refused=True)
    return digest.reply


def _contents(folder: Path, prefix: str) -> list[bytes]:
    return [p.read_bytes() for p in folder.iterdir() if p.name.startswith(prefix)]


def _said(reply: Reply) -> str:
    return reply.text + json.dumps([(f.name, f.value) for f in reply.fields], ensure_ascii=False)


# ------------------------------------------------------------------------------------------------ digests


def test_lapsing_mentors_are_named_by_their_mention() -> None:
    from mentorbot.i18n import translator

    t = translator("en")
    lines = lapse_lines([Lapse(NAME, HER, 2), Lapse("John", "U-j1", 1), Lapse("John", "U-j2", 1)], t)
    assert lines == [t("digest.count_of", name=f"<@{u}>", count=c) for u, c in ((HER, 2), ("U-j1", 1), ("U-j2", 1))]
    assert not any("Secretname" in line for line in lines)


async def test_a_held_digest_loses_a_forgotten_lapsing_mentor(
    store: Store, library: Library, clock: ManualClock
) -> None:
    bot = MentorBot(store, library, make_settings(digest="mon 08:00", offer_ttl_hours=24.0), clock, worker_id="w")
    await bot.set_language(who("admin"), language="en")
    await bot.run_due_jobs()  # schedules the digest
    await bot.signup(who("zawadi"), skills="seo", capacity="3")
    r1 = await bot.request(who("eli"), skills="seo", note="n1")
    d = await bot.decline(who("zawadi"), offer_id=offer_id(to(r1, "zawadi")[0]), reason="DECLINE-zawadi-typed busy")
    assert d.error is None, d.reply.text
    await bot.request(who("juma"), skills="seo")  # offered to her; she lets it lapse
    clock.advance(timedelta(hours=24, minutes=5))
    await bot.run_due_jobs()
    digest = await _digest_held_for_admin(bot, clock)
    said = _said(digest)
    assert f"<@{HER}>" in said and "DECLINE-zawadi-typed" in said
    assert "Secretname" not in said, "a lapsing mentor is named by her mention, not her display name"
    assert (await bot.forget(who("zawadi"), confirm=True)).error is None
    left = _naming(await _outbox(store), "Secretname", "decline-zawadi", HER)
    assert not left, left


async def test_a_held_digest_quoting_her_decline_reason_goes(
    store: Store, library: Library, clock: ManualClock
) -> None:
    """No mention of her in it: only the reason she typed (its spaces collapsed by the digest; the forget finds it
    whatever its case)."""
    bot = MentorBot(store, library, make_settings(digest="mon 08:00", offer_ttl_hours=24.0), clock, worker_id="w")
    await bot.set_language(who("admin"), language="en")
    await bot.run_due_jobs()
    await bot.signup(who("zawadi"), skills="seo", capacity="3")
    r1 = await bot.request(who("eli"), skills="seo", note="n1")
    reason = "Too  BUSY with the Nairobi launch"
    assert (await bot.decline(who("zawadi"), offer_id=offer_id(to(r1, "zawadi")[0]), reason=reason)).error is None
    digest = await _digest_held_for_admin(bot, clock)
    assert "Too BUSY with the Nairobi launch" in _said(digest) and HER not in _said(digest)
    assert (await bot.forget(who("zawadi"), confirm=True)).error is None
    left = _naming(await _outbox(store), "nairobi launch")
    assert not left, left


async def test_others_notices_quoting_her_typed_texts_go_short_and_common_ones_do_not(
    store: Store, library: Library, clock: ManualClock
) -> None:
    bot = MentorBot(store, library, make_settings(), clock, worker_id="w")
    await bot.signup(who("zawadi"), skills="seo", bio="Growth lead at a fintech in Arusha")
    await bot.signup(who("mosi"), skills="copywriting")
    r = await bot.request(who("zawadi"), skills="copywriting", note="ok")
    await bot.delivered(r.notifications)
    accepted = await bot.accept(who("mosi"), offer_id=offer_id(to(r, "mosi")[0]))
    await bot.delivered(accepted.notifications)
    [mentorship] = await store.list_mentorships(member_id=(await store.find_member(COMMUNITY, HER)).id)  # type: ignore[union-attr]
    assert (await bot.end(who("zawadi"), mentorship_id=mentorship.id, rating="4", comment="Thank you")).error is None
    eli = await store.ensure_member(COMMUNITY, "U-eli", "Eli", clock.now())
    quoted = Reply("A mentor for you", fields=(Field("About", "GROWTH lead at a\u200b fintech\nin Arusha"),))
    short = Reply("Your answer", fields=(Field("Said", "ok"),))
    common = Reply("Mentorship #7 has been ended by your partner. Thank you for taking part!")
    # Eli as an admin: the quoting notice is an admins' one (the digest quotes members); the same words in another
    # member's notice, without her mention, are about someone else (session 34's review: a skill's label typed as
    # a note took other mentors' held offers).
    await store.hold_notice(eli.id, reply_to_json(quoted), clock.now(), key=f"admin-digest:{COMMUNITY}:1")
    elsewhere = Reply("Someone else's introduction", fields=(Field("About", "Growth lead at a fintech in Arusha"),))
    for reply in (elsewhere, short, common):
        await store.hold_notice(eli.id, reply_to_json(reply), clock.now())
    assert (await bot.forget(who("zawadi"), confirm=True)).error is None
    held = [r["payload"] for r in await _outbox(store) if r["member_id"] == eli.id and r["status"] == "held"]
    assert reply_to_json(quoted) not in held, "an admins' notice quoting her bio goes"
    assert reply_to_json(elsewhere) in held, "a member's notice without her mention is not hers"
    assert reply_to_json(short) in held, "her two-letter note names nobody"
    assert reply_to_json(common) in held, "her comment is words the bot itself says: it names nobody"


# --------------------------------------------------------------------------------------------- delivered


async def test_delivered_notices_naming_her_lose_their_payload(
    store: Store, library: Library, clock: ManualClock
) -> None:
    bot = MentorBot(store, library, make_settings(), clock, worker_id="w")
    await bot.signup(who("mosi"), skills="seo")
    await bot.signup(who("baraka"), skills="copywriting")
    r = await bot.request(who("zawadi"), skills="seo", note="NOTE-zawadi-private struggles at work")
    await bot.delivered(r.notifications)
    a = await bot.accept(who("mosi"), offer_id=offer_id(to(r, "mosi")[0]))
    await bot.delivered(a.notifications)
    other = await bot.request(who("eli"), skills="copywriting", note="eli's own note")
    await bot.delivered(other.notifications)
    mosi = await store.find_member(COMMUNITY, "U-mosi")
    assert mosi is not None
    before = {r["id"]: r for r in await _outbox(store)}
    f = await bot.forget(who("zawadi"), confirm=True)
    await bot.delivered(f.notifications)
    after = {r["id"]: r for r in await _outbox(store)}
    assert not _naming(list(after.values()), "NOTE-zawadi", HER)
    for row_id, row in before.items():
        if row["member_id"] == mosi.id and row["status"] == "delivered" and HER in row["payload"]:
            kept = after[row_id]  # the row stays: its key and state are read (`has_keyed`, `never_reached`)
            assert (kept["status"], kept["message_key"], kept["payload"]) == ("delivered", row["message_key"], "")
    assert await store.has_keyed([mosi.id], "offer:", prefix=True)
    untouched = [r for r in before.values() if "eli's own note" in r["payload"]]
    assert untouched and all(after[r["id"]]["payload"] == r["payload"] for r in untouched)


# ------------------------------------------------------------------------------------------------- inbox


async def test_the_forgets_own_inbox_row_keeps_no_user_id(store: Store, library: Library, clock: ManualClock) -> None:
    bot = MentorBot(store, library, make_settings(), clock, worker_id="w")
    await bot.signup(who("zawadi"), skills="seo")
    await bot.signup(who("mosi"), skills="seo")
    theirs = await bot.record_event("evt-mosi", COMMUNITY, "U-mosi", json.dumps({"text": "status"}))
    assert theirs is not None
    await bot.status(who("mosi", inbox_id=theirs))
    await bot.finish_event(theirs)
    own = await bot.record_event("evt-forget", COMMUNITY, HER, json.dumps({"text": "forget", "user_name": NAME}))
    assert own is not None
    assert (await bot.forget(who("zawadi", inbox_id=own), confirm=True)).error is None
    await bot.finish_event(own)
    async with store.read() as conn:
        rows = {str(r["event_id"]): dict(r) for r in await conn.fetch_all("SELECT * FROM inbox")}
    assert rows["evt-forget"]["status"] == "done"
    assert not [r for r in rows.values() if HER in json.dumps(r, default=str) or "Secretname" in str(r["payload"])]
    assert rows["evt-mosi"]["platform_user_id"] == "U-mosi", "a member's own finished event is left as it was"


# ------------------------------------------------------------------------------------------------ export


async def test_the_export_lists_the_notices_waiting_for_the_member(
    store: Store, library: Library, clock: ManualClock
) -> None:
    bot = MentorBot(store, library, make_settings(), clock, worker_id="w")
    await bot.signup(who("zawadi"), skills="seo")
    r = await bot.request(who("eli"), skills="seo", note="please help")
    [offer] = to(r, "zawadi")
    await bot.hold_undelivered(offer, refused=False)  # held for her next command
    clock.advance(timedelta(minutes=5))
    r2 = await bot.request(who("juma"), skills="seo")  # its offer stays pending (not delivered yet)
    assert to(r2, "zawadi")
    member = await store.find_member(COMMUNITY, HER)
    assert member is not None
    data = await store.export_member(member.id)
    waiting = data["notices_waiting"]
    assert [n["status"] for n in waiting] == ["held", "pending"]
    assert "please help" in waiting[0]["text"] and waiting[0]["created_at"].startswith("2026-")
    assert waiting[1]["created_at"] > waiting[0]["created_at"]
    await bot.delivered(r2.notifications)
    assert [n["status"] for n in (await store.export_member(member.id))["notices_waiting"]] == ["held"]


# ------------------------------------------------------------------------------------------------ SQLite


@pytest.fixture
def secure_delete_off_by_default(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A SQLite build whose secure_delete defaults off (python.org's, macOS's, many distributions'): simulated by
    turning it off on every connection as it is opened."""
    real = sqlite3.connect

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn: sqlite3.Connection = real(*args, **kwargs)
        conn.execute("PRAGMA secure_delete = OFF")
        return conn

    monkeypatch.setattr(sqlite3, "connect", connect)
    yield


async def test_every_sqlite_connection_deletes_securely(tmp_path: Path, secure_delete_off_by_default: None) -> None:
    db = SqliteDatabase(str(tmp_path / "m.sqlite3"))
    await db.open()
    try:
        async with db.read() as conn:
            row = await conn.fetch_one("PRAGMA secure_delete")
        assert row is not None and list(row.values()) == [1]
        assert db._express is not None
        assert int(db._express.execute("PRAGMA secure_delete").fetchone()[0]) == 1
    finally:
        await db.close()


async def test_a_forgotten_members_texts_leave_the_sqlite_file(
    tmp_path: Path, library: Library, clock: ManualClock, secure_delete_off_by_default: None
) -> None:
    path = tmp_path / "bot.sqlite3"
    store = Store(SqliteDatabase(str(path)))
    await store.open(clock.now())
    texts = ["NOTE-zawadi-private", "BIO-zawadi-secret", "DECLINE-zawadi-reason", "FEEDBACK-zawadi-comment"]
    texts += ["SUGG-zawadi-note", "Secretname", "evt-zawadi-inbox-payload"]
    try:
        bot = MentorBot(store, library, make_settings(), clock, worker_id="w")
        await bot.signup(who("mosi"), skills="seo")
        await bot.signup(who("zawadi"), skills="paid-social", bio="BIO-zawadi-secret " + "x" * 200)
        ib = await bot.record_event("evt-z", COMMUNITY, HER, json.dumps({"text": "evt-zawadi-inbox-payload"}))
        r = await bot.request(who("zawadi", inbox_id=ib), skills="seo", note="NOTE-zawadi-private " + "y" * 200)
        await bot.finish_event(ib or 0)
        await bot.delivered(r.notifications)
        a = await bot.accept(who("mosi"), offer_id=offer_id(to(r, "mosi")[0]))
        await bot.delivered(a.notifications)
        r2 = await bot.request(who("eli"), skills="paid-social")
        d = await bot.decline(who("zawadi"), offer_id=offer_id(to(r2, "zawadi")[0]), reason="DECLINE-zawadi-reason")
        assert d.error is None
        [m] = await store.list_mentorships(member_id=(await store.find_member(COMMUNITY, HER)).id)  # type: ignore[union-attr]
        await bot.end(who("zawadi"), mentorship_id=m.id, rating="4", comment="FEEDBACK-zawadi-comment")
        await bot.suggest_course(who("zawadi"), url="https://example.org/zawadi", skills="seo", note="SUGG-zawadi-note")
        assert (await bot.forget(who("zawadi"), confirm=True)).error is None
    finally:
        await store.close()
    kept = b"".join(_contents(tmp_path, "bot.sqlite3"))  # the database and its -wal, -shm if any are left
    assert [x for x in texts if x.encode() in kept] == []
