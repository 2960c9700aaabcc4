"""Defects an upgrade hunt found (reproductions under /tmp/hunt/upgrade), each with the test that failed before.

- Nothing pinned what a released migration runs: 0023 (SQLite) was edited after it was written, and only a
  community whose database had applied the first version found out, by its bot refusing to start
  (`MigrationChangedError`). Every migration's checksum is pinned here, for both dialects.
- A SQLite upgrade crossing a migration that runs with foreign keys off (0019, 0023) checked every foreign key
  afterwards and refused the upgrade, blaming the migration, when rows naming no row were there before it (a
  member deleted in the sqlite3 shell, where foreign keys are off): the bot never started again. Only what the
  migration added is refused now; what was there before is a warning naming the tables and the query.
- ``mentorbot admin forget`` on a database at an older schema version said "this command only reads", though a
  forget deletes: it now says that it does not upgrade the database, and what to run first.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from mentorbot.cli import main
from mentorbot.i18n import translator
from mentorbot.storage import migrations
from mentorbot.storage.migrations import FOREIGN_KEYS_OFF, available_migrations, migrate
from mentorbot.storage.sqlite_engine import SqliteDatabase
from mentorbot.storage.store import Store

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
C = "console"
KNOWN = available_migrations("sqlite")[-1].version

# ------------------------------------------------------------------------------- 1. released checksums pinned

RELEASED_CHECKSUMS: dict[str, dict[int, str]] = {
    "sqlite": {
        1: "c69693c0d1b920a0d961c490c44eccca31c3f873acb331b4e0d3627f4553e71b",  # 0001_initial
        2: "ba0684d422ea32ca62c3ef6cf4f8167f1e0edf621721070068256bb4284450ea",  # 0002_held_notices
        3: "9452fe8cb86ff8b59af7af26d138cba726efce20b8970707d09f0ca03e955b2a",  # 0003_match_indexes
        4: "ff55446677e58d0fb388e274f9387a0c135af1e4a0de11113d62a3953124221d",  # 0004_job_communities
        5: "e5f78e77d8403a0e613835ab388d2d0259f5a732aa7044c425d98ce1c14dfced",  # 0005_outbox
        6: "65fd290585ffce848c7bc16a637606f6c326c1f8dbb73084d63cb52e669498ec",  # 0006_inbox
        7: "a0d249ada2d476934dba518f4964d92530ceefce91f886a56524d38f41c81a46",  # 0007_message_refs
        8: "426d4d014a61169fae3477ef792bc33db0867c1b6463cd4bde76afe12ecc78b2",  # 0008_held_in_outbox
        9: "4e1671b265682836619bd9194758a9e35ff8cb2309657d892d95932776fdd183",  # 0009_inbox_answers
        10: "d8c161e6d0c06716d67bf959a11b5a47be43db5a8a677aa5508f33f85203f269",  # 0010_honesty
        11: "7fda22bddd8fa84c3c5a9a3ee6d9081bd2c45e10c154c24eb4ab480dd9220b91",  # 0011_reoffer_cooldown
        12: "25597a1460a8d8b96c521bb71b247fc18cb228cf407d7747d083d9d03fba26b8",  # 0012_community_catalog
        13: "958cb618fcb67803705f1ffb3c9819e02e0024bdb26725d6c49197256c557e95",  # 0013_match_keys
        14: "579ae8689561f8da99d15b9926522c96498f9d8647deb017867a3dbac04a62af",  # 0014_vote_tally_index
        15: "4b246cc02f4f48ef18af4c47dc520c1d75ec3a6125948d8d72efdbb577f68cfc",  # 0015_offer_ids_never_reused
        16: "7b34eacd3967cd233070ec0351118291ceeff52f1a62b48403da980912e7e435",  # 0016_offer_ids_above_every_trace
        17: "81d966f13039adac4033b93bf952b53d12b047d42f933dcf7815783c34e4ff6c",  # 0017_library_reloads
        18: "ec938f661f3ce4943b094acd16cf25015eaba587326770570e544cf94c874b2f",  # 0018_library_reloads_again
        19: "8569732b09f795e4e82c96c70a2cf1356f27e86f020c0a6ec2007f9759eef97a",  # 0019_request_and_suggestion_ids_...
        20: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",  # 0020_..._above_every_trace (empty)
        21: "514c4b5307583b367744ac431cbbae4791a4cc4c2bd053cf65e4d0c6bee239e0",  # 0021_reopened_requests
        22: "e3f6c8c66394cce2dbcd24a561ffabb52eba06268c15b28cf97194051d45a651",  # 0022_forgotten_exclusions
        23: "7b5569af7b75591df298ded4d9b07d87cc8fb3da5291e4f9039c976cd12425c2",  # 0023_mentorship_ids_never_reused
        24: "fe6c1c2f8d3b4ef4570245f31ddc5d086ed4cddb7e8189419b45f880bee53552",  # 0024_repeated_checkins
        25: "e6138901952ba15e4c19ec8191d4ddfd3b231dc68748246e9ce8e3ae27bbbece",  # 0025_open_row_indexes
        26: "4a219325c7e5ec4e51ff2627ffca7bd751e86eaceadacf618ce63e91ae8a1d67",  # 0026_forgotten_members
        27: "22c5477783cb5e24ec47a2380daaaf5c40a7efb36b5d56d2138ea08c926ad7de",  # 0027_imported_mentor_zones
        28: "7f7c811b487f434b186c10656b2427ffda5e6aac891b1147e1c8454015981ded",  # 0028_process_fingerprints
        29: "56b3a4b7f20238f368eb5f48cbdea0da972334c36429fa3f08920491755d3f1c",  # 0029_offer_lapses
        30: "ce70939d04b6601d5ea0e813c9d57cf3afd1f33eb7dfb28adce1c3acd483d289",  # 0030_community_outages
        31: "1c094dfc10a4ec190825d9ac44ca104d55acbc39b252684ebdf7ea817475a8a6",  # 0031_admin_ended_mentorships
    },
    "postgresql": {
        1: "386283c8baf9300237507ed7ae7cb4ce552ead963f7daf40fa42ba4c657f3124",  # 0001_initial
        2: "0d656f5c029e18f4a2a7645ec704f1dcededc16f1fbfeb18136ff097a389a6a2",  # 0002_held_notices
        3: "9452fe8cb86ff8b59af7af26d138cba726efce20b8970707d09f0ca03e955b2a",  # 0003_match_indexes
        4: "ff55446677e58d0fb388e274f9387a0c135af1e4a0de11113d62a3953124221d",  # 0004_job_communities
        5: "71681b179f230afb69eb83175f6d52db364dd20909701673d2aefc0229665213",  # 0005_outbox
        6: "14ee0257b008e2e27bed9dcce87e6497df6e44cbacde710063d9b75528a25b77",  # 0006_inbox
        7: "11d7781183cdb5b24986565422a1ecde8d11b127d16b85f12144636d02ebd5ac",  # 0007_message_refs
        8: "426d4d014a61169fae3477ef792bc33db0867c1b6463cd4bde76afe12ecc78b2",  # 0008_held_in_outbox
        9: "4e1671b265682836619bd9194758a9e35ff8cb2309657d892d95932776fdd183",  # 0009_inbox_answers
        10: "7d8a1640719049b81c1f5c9ec27d0e2e4a84ef92f08588fa05a2bb2f5aa29c87",  # 0010_honesty
        11: "393847c8b3d79d6acd70191e0f750f0869e1cc43fb1904c78accedc81e03240c",  # 0011_reoffer_cooldown
        12: "21b0d3bc7144445f64f2c58a898bef3251faae870dd243211be31de0d74b39af",  # 0012_community_catalog
        13: "dc866d8e54551bcd86ad9e8ee3a742a8880a094e8c81bcbd3936ff3a99a16b96",  # 0013_match_keys
        14: "579ae8689561f8da99d15b9926522c96498f9d8647deb017867a3dbac04a62af",  # 0014_vote_tally_index
        15: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",  # 0015_offer_ids_never_reused (empty)
        16: "5827b37c9deabc895f7df5b0cbc7384bfba89a7f7c33c6632260eb3ebfc1c372",  # 0016_offer_ids_above_every_trace
        17: "297dd36b7cdfd9fe60e77f606fb216fc0c601a632548248d3f9bef70742bb61c",  # 0017_library_reloads
        18: "b7543c18dc304dc64ddfcf32d458bc484b79648484c89a0def30f39fe73c66a9",  # 0018_library_reloads_again
        19: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",  # 0019_request_and_... (empty)
        20: "5b8fa9ebceff688d54f70022e6a865a7bcfade68579f441693de7d3aad38c5c8",  # 0020_..._above_every_trace
        21: "4c2556a88315d4d390194eb72c36940bd7a1f400a3d5939ab0dff58c6016a8cd",  # 0021_reopened_requests
        22: "5165cfc7765344c3c59072197e7f7e342e110d8da7df28b9d3c0ebd00dcb50cd",  # 0022_forgotten_exclusions
        23: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",  # 0023_mentorship_ids_... (empty)
        24: "5ff9f1c5ae24ae7dcdff0629ca3ce8be773a30f431aab28c2d91ee109188f8e0",  # 0024_repeated_checkins
        25: "e6138901952ba15e4c19ec8191d4ddfd3b231dc68748246e9ce8e3ae27bbbece",  # 0025_open_row_indexes
        26: "dda746d8f3c6c789b964fc681f9c62108a885efced3dff9bf6af241faae4c0ea",  # 0026_forgotten_members
        27: "22c5477783cb5e24ec47a2380daaaf5c40a7efb36b5d56d2138ea08c926ad7de",  # 0027_imported_mentor_zones
        28: "ec395dcad51afa40f76b45b0a988fbf79f473336d3cac8d67a39c77b4f945885",  # 0028_process_fingerprints
        29: "66243515f18f910d8778943ae8d80fe66ed74686ab6e26b8df4aa434f24c2068",  # 0029_offer_lapses
        30: "2a5100b2510ed27f38ddf736080d4953ab7338c20a5cdc939daf623a9ac4b4a8",  # 0030_community_outages
        31: "4b03420c306d3f4030168423a875405b29a36f59984bc14e9b775ce4c4fdbc2f",  # 0031_admin_ended_mentorships
    },
}
"""What each migration runs (`Migration.checksum`), as released.

A released migration never changes: a community's database that applied it recorded this checksum, and its bot
refuses to start on a script that no longer matches (`MigrationChangedError`). Put a change in a new migration
instead. When a new migration is written, its checksum (both dialects) is added here, in the same commit; a
comment's edit changes nothing (the checksum leaves comments, blank lines and spacing out)."""


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_a_released_migration_never_changes_and_a_new_one_is_pinned(dialect: str) -> None:
    """Every migration's checksum is the one pinned; a migration with no pin (a new one) fails until it is added."""
    found = {m.version: m.checksum for m in available_migrations(dialect)}
    pinned = RELEASED_CHECKSUMS[dialect]
    changed = [f"{v:04d}" for v, checksum in pinned.items() if v in found and found[v] != checksum]
    assert not changed, f"released {dialect} migrations changed: {changed}; restore them, put the change in a new one"
    assert set(pinned) <= set(found), f"released {dialect} migrations missing: {sorted(set(pinned) - set(found))}"
    new = {f"{v:04d}": checksum for v, checksum in found.items() if v not in pinned}
    assert not new, f"pin the checksums of the new {dialect} migrations in RELEASED_CHECKSUMS: {new}"


def test_the_pins_cover_the_released_versions() -> None:
    """0001..0026 of both dialects are pinned: none left out of the list above."""
    for dialect in ("sqlite", "postgresql"):
        assert set(range(1, 27)) <= set(RELEASED_CHECKSUMS[dialect])


# -------------------------------------------------------- 2. rows naming no row, there before a foreign-keys-off run


async def _at(path: Path, version: int) -> Store:
    """A store on a new SQLite file migrated to `version` only, as a release of then left it (the migrations
    after it hidden while it opens, in a patch of its own: the test's other patches stay)."""
    everything = available_migrations("sqlite")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(migrations, "available_migrations", lambda d: [m for m in everything if m.version <= version])
        store = Store(SqliteDatabase(str(path)))
        assert await store.open(NOW) == version
    return store


async def _orphaned_at(path: Path, version: int) -> None:
    """A database at `version` whose member Amina was deleted in the sqlite3 shell (foreign keys off there): her
    request is left naming no member."""
    store = await _at(path, version)
    try:
        amina = await store.ensure_member(C, "amina", "Amina", NOW)
        await store.ensure_member(C, "baraka", "Baraka", NOW)
        await store.create_request(amina.id, C, ["seo"], "", NOW, max_open=3)
    finally:
        await store.close()
    with sqlite3.connect(path) as conn:  # the shell's default: foreign keys off
        conn.execute("DELETE FROM members WHERE platform_user_id = 'amina'")
    with sqlite3.connect(path) as conn:
        assert {row[0] for row in conn.execute("PRAGMA foreign_key_check")} == {"requests"}


async def test_rows_naming_no_row_before_the_upgrade_do_not_stop_it_and_are_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Before: "the migration left rows whose foreign key names no row, in requests", the upgrade refused and the
    bot never started. The upgrade across 0019 and 0023 now goes on; one warning names the table and the query."""
    path = tmp_path / "orphans.sqlite3"
    await _orphaned_at(path, 18)
    caplog.set_level(logging.WARNING, "mentorbot.storage")
    upgraded = Store(SqliteDatabase(str(path)))
    try:
        assert await upgraded.open(NOW) == KNOWN
        async with upgraded.db.read() as conn:
            assert await conn.fetch_one("PRAGMA foreign_keys") == {"foreign_keys": 1}
    finally:
        await upgraded.close()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and r.name == "mentorbot.storage"]
    assert len(warnings) == 1, caplog.messages
    message = warnings[0].getMessage()
    assert "requests" in message and "PRAGMA foreign_key_check" in message, message
    assert "mentorships" not in message and "feedback" not in message, message
    with sqlite3.connect(path) as conn:  # the rows are kept, as they were: the admin decides
        assert {row[0] for row in conn.execute("PRAGMA foreign_key_check")} == {"requests"}
        assert conn.execute("SELECT COUNT(*) FROM requests").fetchone() == (1,)


async def test_a_migration_that_adds_a_row_naming_no_row_is_refused_though_others_were_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Rows naming no row there before are not the migration's; one it adds is: refused, naming only its table,
    nothing committed, foreign keys on again."""
    path = tmp_path / "orphans.sqlite3"
    await _orphaned_at(path, KNOWN)
    db = SqliteDatabase(str(path))
    await db.open()
    try:
        everything = available_migrations("sqlite")
        script = (
            f"{FOREIGN_KEYS_OFF}\nCREATE TABLE scratch (id INTEGER);\n"
            "INSERT INTO request_skills (request_id, skill, position) VALUES (999, 'seo', 0);\n"
        )
        extra = migrations.Migration(KNOWN + 1, "broken", script)
        monkeypatch.setattr(migrations, "available_migrations", lambda d: [*everything, extra])
        caplog.set_level(logging.WARNING, "mentorbot.storage")
        with pytest.raises(RuntimeError, match="request_skills") as refused:
            await migrate(db, NOW)
        assert "requests" not in str(refused.value)
        assert not [r for r in caplog.records if r.name == "mentorbot.storage" and r.levelno == logging.WARNING]
        async with db.read() as conn:
            assert await conn.fetch_one("PRAGMA foreign_keys") == {"foreign_keys": 1}
            assert await conn.fetch_one("SELECT name FROM sqlite_master WHERE name = 'scratch'") is None
            assert await migrations.schema_version(conn, "sqlite") == KNOWN
    finally:
        await db.close()


async def test_a_second_broken_reference_in_a_row_that_had_one_is_the_migrations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counted per row and table referred to: a row that named no member before and, after, names no member in a
    second column (a mentorship whose mentor was deleted, then whose mentee the migration points nowhere) is
    refused."""
    path = tmp_path / "orphans.sqlite3"
    store = await _at(path, KNOWN)
    try:
        amina = await store.ensure_member(C, "amina", "Amina", NOW)
        baraka = await store.ensure_member(C, "baraka", "Baraka", NOW)
        async with store.transaction() as conn:
            await conn.execute(
                "INSERT INTO mentorships (mentor_id, mentee_id, community, skills, status, started_at) "
                "VALUES (?, ?, ?, 'seo', 'active', ?)",
                baraka.id,
                amina.id,
                C,
                NOW,
            )
    finally:
        await store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM members WHERE platform_user_id = 'baraka'")
    db = SqliteDatabase(str(path))
    await db.open()
    try:
        everything = available_migrations("sqlite")
        script = f"{FOREIGN_KEYS_OFF}\nUPDATE mentorships SET mentee_id = 999;\n"
        extra = migrations.Migration(KNOWN + 1, "broken", script)
        monkeypatch.setattr(migrations, "available_migrations", lambda d: [*everything, extra])
        with pytest.raises(RuntimeError, match="mentorships"):
            await migrate(db, NOW)
        async with db.read() as conn:
            assert await migrations.schema_version(conn, "sqlite") == KNOWN
    finally:
        await db.close()


# ------------------------------------------------------------------ 3. a forget on a database not upgraded yet


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """An empty working folder, no MENTORBOT_* variable, no .env."""
    for name in list(os.environ):
        if name.upper().startswith("MENTORBOT_") and not name.upper().startswith("MENTORBOT_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    yield tmp_path


async def _amina_at_22(path: Path) -> None:
    store = await _at(path, 22)
    try:
        await store.ensure_member(C, "amina", "Amina", NOW)
    finally:
        await store.close()


def _state(path: Path) -> tuple[int, int]:
    with sqlite3.connect(path) as conn:
        version = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
        members = conn.execute("SELECT COUNT(*) FROM members WHERE platform_user_id = 'amina'").fetchone()[0]
    return int(version), int(members)


@pytest.mark.parametrize("language", ["en", "sw"])
def test_forget_on_an_older_schema_does_not_say_it_only_reads(cli_env: Path, language: str) -> None:
    """Before: "this command only reads and does not upgrade it", from a command that deletes. It says that it
    does not upgrade the database and to run `mentorbot db upgrade` first, in the admin's language; nothing is
    forgotten or upgraded."""
    path = cli_env / "v22.sqlite3"
    asyncio.run(_amina_at_22(path))
    env = {"MENTORBOT_DEFAULT_LANGUAGE": language}
    result = CliRunner().invoke(main, ["admin", "forget", "amina", "--db", str(path), "--yes"], env=env)
    assert result.exit_code == 2, result.output
    assert "only reads" not in result.output
    assert "`mentorbot db upgrade`" in result.output
    t = translator(language)
    assert result.output.strip() == t("cli.error", reason=t("cli.forget.schema_pending", version=22, known=KNOWN))
    assert _state(path) == (22, 1)


def test_a_reading_command_on_an_older_schema_still_says_it_only_reads(cli_env: Path) -> None:
    """`admin stats` only reads: its words are kept."""
    path = cli_env / "v22.sqlite3"
    asyncio.run(_amina_at_22(path))
    result = CliRunner().invoke(main, ["admin", "stats", "--db", str(path)])
    assert result.exit_code == 2, result.output
    assert "only reads" in result.output and "`mentorbot db upgrade` first" in result.output
    assert _state(path) == (22, 1)
