"""Session 41: the processes' fingerprints (`storage.fingerprints`), on both engines: recorded and refreshed, only the
rows seen lately count, a day-old row is deleted, a store's own rows are this process's, no secret is recorded."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from mentorbot.clock import ManualClock
from mentorbot.storage.fingerprints import (
    LIVE_FOR,
    Fingerprint,
    compare,
    digest_of,
    file_digest,
    fingerprint_values,
)
from mentorbot.storage.store import Store
from tests.conftest import store_on_same_database
from tests.usecases.conftest import make_settings


def values(**overrides: object) -> dict[str, str]:
    return fingerprint_values(make_settings(**overrides), {"skills_file": "s" * 64, "courses_file": "c" * 64})


async def test_rows_seen_lately_of_other_processes_count(store: Store, clock: ManualClock) -> None:
    other = store_on_same_database(store)
    await other.open(clock.now())
    try:
        mine, theirs = values(), values(round_schedule="thu 10:00")
        await store.record_fingerprint("A", digest_of(mine), mine, clock.now())
        await other.record_fingerprint("B", digest_of(theirs), theirs, clock.now())
        # Each store sees the other process's row, never its own.
        assert [p.worker_id for p in await store.live_fingerprints(clock.now() - LIVE_FOR)] == ["B"]
        assert [p.worker_id for p in await other.live_fingerprints(clock.now() - LIVE_FOR)] == ["A"]
        [seen] = await store.live_fingerprints(clock.now() - LIVE_FOR)
        assert seen.values["round_schedule"] == "thu 10:00" and seen.digest == digest_of(theirs)
        # B stops looking: after LIVE_FOR its row counts for nothing; A's refreshed row still does for B.
        clock.advance(LIVE_FOR + timedelta(seconds=1))
        await store.record_fingerprint("A", digest_of(mine), mine, clock.now())
        assert await store.live_fingerprints(clock.now() - LIVE_FOR) == []
        assert [p.worker_id for p in await other.live_fingerprints(clock.now() - LIVE_FOR)] == ["A"]
        # A day on, the next look deletes it; a process that stops deletes its own.
        clock.advance(timedelta(days=1))
        await store.record_fingerprint("A", digest_of(mine), mine, clock.now())
        assert await other.live_fingerprints(clock.now() - timedelta(days=30)) == [
            Fingerprint("A", clock.now(), digest_of(mine), mine)
        ]
        async with store.read() as conn:
            assert await conn.fetch_all("SELECT worker_id FROM process_fingerprints") == [{"worker_id": "A"}]
        await store.forget_fingerprint("A")
        assert await other.live_fingerprints(clock.now() - LIVE_FOR) == []
    finally:
        await other.close()


async def test_no_secret_is_recorded(store: Store, clock: ManualClock) -> None:
    settings = make_settings(
        database_url="postgresql://bot:hunter2@db.example/mentorbot",
        discord={"token": "discord-token-secret"},
        slack={"bot_token": "xoxb-secret", "signing_secret": "sign-secret", "app_token": "xapp-secret"},
    )
    recorded = fingerprint_values(settings, {})
    await store.record_fingerprint("A", digest_of(recorded), recorded, clock.now())
    async with store.read() as conn:
        [row] = await conn.fetch_all("SELECT settings FROM process_fingerprints")
    text = str(row["settings"])
    for secret in ("hunter2", "db.example", "discord-token-secret", "xoxb", "sign-secret", "xapp"):
        assert secret not in text
    assert json.loads(text)["admin_ids"] == "U-admin"


def test_compare_names_each_difference_with_both_values(tmp_path: Path) -> None:
    path = tmp_path / "skills.toml"
    path.write_text("x")
    assert file_digest(path) == file_digest(path) != file_digest(tmp_path / "missing.toml")
    mine = values(max_expired_offers=3, admin_ids=["U-b", "U-a"])
    same = values(admin_ids=["U-a", "U-b"])  # the order of the admins is no difference
    other = values(max_expired_offers=5, admin_ids=["U-a"])
    now = ManualClock().now()
    found = compare(
        mine,
        digest_of(mine),
        [Fingerprint("B", now, digest_of(same), same), Fingerprint("C", now, digest_of(other), other)],
    )
    [disagreement] = found
    assert disagreement.workers == ("C",)
    assert {(d.setting, d.mine, d.theirs) for d in disagreement.differences} == {
        ("max_expired_offers", "3", "5"),
        ("admin_ids", "U-a,U-b", "U-a"),
    }
    # Found from either side, it is the same disagreement (told once).
    [back] = compare(other, digest_of(other), [Fingerprint("A", now, digest_of(mine), mine)])
    assert back.key == disagreement.key
