"""What SQLite and PostgreSQL must do alike although their SQL differs: find a member by a name typed in another
case (SQLite's ``LOWER`` folds ASCII letters only; PostgreSQL's, what its collation says), and export the same
data in the same form (PostgreSQL's timestamps are `datetime`s, SQLite's stored text)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from mentorbot.clock import ManualClock
from mentorbot.models import Level, NewMentorProfile
from mentorbot.storage.members import AmbiguousNameError
from mentorbot.storage.store import Store
from tests.conftest import make_store

C = "test:community"
HOUR = timedelta(hours=1)
EXPORTED = ("members", "requests", "offers", "mentorships", "feedback")


def made(folder: Path) -> Path:
    """`folder`, created (each store of a test in its own)."""
    folder.mkdir()
    return folder


async def test_a_name_is_found_in_any_case_with_its_accents(store: Store, clock: ManualClock) -> None:
    now = clock.now()
    olafur = await store.ensure_member(C, "U1", "Ólafur Wanjirũ", now)
    strasse = await store.ensure_member(C, "U2", "Jürgen Straße", now)
    sigma = await store.ensure_member(C, "U3", "ΟΔΥΣΣΕΑΣ", now)
    for typed in ("ólafur wanjirũ", "ÓLAFUR WANJIRŨ", "Ólafur Wanjirũ", "óLAFUR wANJIRũ", "o\u0301lafur wanjiru\u0303"):
        found = await store.find_member_by_name(C, typed)
        assert found is not None and found.id == olafur.id, typed
    for typed, who in (("JÜRGEN STRASSE", strasse.id), ("jürgen straße", strasse.id), ("οδυσσεας", sigma.id)):
        found = await store.find_member_by_name(C, typed)
        assert found is not None and found.id == who, typed
    assert await store.find_member_by_name(C, "Olafur Wanjiru") is None, "accents are not case"
    assert await store.find_member_by_name("another:community", "ólafur wanjirũ") is None
    found = await store.find_member_by_name(C, "U2")
    assert found is not None and found.id == strasse.id, "a platform id still finds its member"


async def test_a_name_typed_exactly_so_wins_over_one_in_another_case(store: Store, clock: ManualClock) -> None:
    now = clock.now()
    first = await store.ensure_member(C, "U1", "amina", now)
    second = await store.ensure_member(C, "U2", "Amina", now)
    for typed, who in (("Amina", second.id), ("amina", first.id)):
        found = await store.find_member_by_name(C, typed)
        assert found is not None and found.id == who, typed
    with pytest.raises(AmbiguousNameError):  # both fit "AMINA": never settled for the oldest (session 33)
        await store.find_member_by_name(C, "AMINA")


async def _programme(store: Store, clock: ManualClock) -> tuple[int, int]:
    """The same few rows on any engine (ids included: both stores are fresh), at whole seconds: a mentor, a
    mentee, an accepted offer and its mentorship, ended with feedback, and a declined offer."""
    now = clock.now()
    assert now.microsecond == 0
    mentor = await store.ensure_member(C, "U-mentor", "Wanjirũ", now)
    await store.save_mentor_profile(
        mentor.id, NewMentorProfile({"seo": Level.EXPERT}, 2, "bio", "Africa/Nairobi", ("en", "sw")), now
    )
    mentee = await store.ensure_member(C, "U-mentee", "Ólafur", now)
    first = await store.create_request(mentee.id, C, ["seo"], "help", now, max_open=3)
    offer = await store.create_offer(first.id, mentor.id, 1.25, '{"why": "seo"}', now, now + HOUR)
    assert offer is not None
    accepted = await store.accept_offer(offer.id, mentor.id, now + timedelta(minutes=5))
    assert accepted is not None
    await store.end_mentorship(accepted.mentorship.id, now + timedelta(days=3), by_member=mentee.id, rating=5)
    second = await store.create_request(mentee.id, C, ["seo"], "again", now + timedelta(days=4), max_open=3)
    declined = await store.create_offer(second.id, mentor.id, 1.0, "{}", now + timedelta(days=4), now + 5 * HOUR)
    assert declined is not None
    await store.decline_offer(declined.id, mentor.id, "busy", now + timedelta(days=4, hours=1))
    return mentor.id, mentee.id


async def _exports(engine: str, folder: Path, clock: ManualClock) -> dict[str, Any]:
    made(folder)
    stores: AsyncIterator[Store] = make_store(engine, folder)
    store = await anext(stores)
    try:
        await store.open(clock.now())
        mentor, mentee = await _programme(store, clock)
        out: dict[str, Any] = {table: await store.export_table(table, C) for table in EXPORTED}
        out["mentor"] = await store.export_member(mentor)
        out["mentee"] = await store.export_member(mentee)
        return out
    finally:
        await anext(stores, None)


@pytest.mark.postgres
async def test_an_export_of_the_same_data_is_the_same_on_both_engines(tmp_path: Path) -> None:
    on_sqlite = await _exports("sqlite", tmp_path / "sqlite", ManualClock())
    on_postgres = await _exports("postgresql", tmp_path / "postgresql", ManualClock())
    for part in on_sqlite:
        assert on_sqlite[part] == on_postgres[part], part
    _, members = on_sqlite["members"]
    assert members[0]["created_at"] == "2026-01-05T09:00:00.000000+00:00", "microseconds, even when zero"
    assert on_sqlite["mentee"]["requests"][0]["created_at"] == "2026-01-05T09:00:00.000000+00:00"


async def test_a_platform_id_wins_over_a_display_name_set_to_it(store: Store, clock: ManualClock) -> None:
    """An admin picks @Bob: the adapter passes Bob's id. Mallory, an older member, named herself with Bob's id:
    before, she was found (display name OR id, oldest first) and got the mentorship and the mentee's note."""
    now = clock.now()
    mallory = await store.ensure_member(C, "333333333333333333", "222222222222222222", now)
    bob = await store.ensure_member(C, "222222222222222222", "Bob", now)
    found = await store.find_member_by_name(C, "222222222222222222")
    assert found is not None and found.id == bob.id
    assert mallory.id < bob.id
