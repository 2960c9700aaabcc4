"""Members and their mentor profiles."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mentorbot.models import (
    JobKind,
    Level,
    Member,
    MentorProfile,
    MentorStatus,
    NewMentorProfile,
    Places,
    user_key,
)
from mentorbot.storage import jobs, locks, rows
from mentorbot.storage.database import Connection
from mentorbot.storage.sql import in_list
from mentorbot.storage.units import Transactions
from mentorbot.timezones import ZONE_NOT_GIVEN

_IDS_PER_QUERY = 500
"""User ids bound in one query of `MemberStore.mentor_skills_of` (SQLite's oldest limit is 999 placeholders)."""


class AmbiguousNameError(LookupError):
    """A name typed to pick a member (`MemberStore.find_member_by_name`) fits more than one: none is picked. The
    members it fits are `candidates`, oldest first."""

    def __init__(self, name: str, candidates: Sequence[Member]) -> None:
        super().__init__(f"{len(candidates)} members are called {name!r}")
        self.name = name
        self.candidates: tuple[Member, ...] = tuple(candidates)


def name_key(name: str) -> str:
    """A display name as `MemberStore.find_member_by_name` compares it, the same on every engine: Unicode case
    folding (``ß`` as ``ss``, ``Σ`` and ``ς`` as ``σ``) of its NFC form (an ``ũ`` typed as ``u`` plus a combining
    tilde equals the precomposed one)."""
    return unicodedata.normalize("NFC", name).casefold()


async def read_profile(conn: Connection, member_id: int) -> MentorProfile | None:
    """A mentor's profile with its skills, or None, inside the caller's transaction."""
    row = await conn.fetch_one("SELECT * FROM mentor_profiles WHERE member_id = ?", member_id)
    if row is None:
        return None
    skills = await conn.fetch_all(
        "SELECT skill, level FROM mentor_skills WHERE member_id = ? ORDER BY skill", member_id
    )
    return rows.mentor_profile(row, {r["skill"]: Level(r["level"]) for r in skills})


async def upsert_profile(conn: Connection, member_id: int, profile: NewMentorProfile, now: datetime) -> bool:
    """Insert or update a mentor profile and replace its skills; True when it was created."""
    existing = await conn.fetch_one("SELECT member_id FROM mentor_profiles WHERE member_id = ?", member_id)
    await conn.execute(
        "INSERT INTO mentor_profiles (member_id, capacity, bio, timezone, languages, status, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, 'active', ?, ?) ON CONFLICT (member_id) DO UPDATE SET "
        "capacity = excluded.capacity, bio = excluded.bio, timezone = excluded.timezone, "
        "languages = excluded.languages, updated_at = excluded.updated_at",
        member_id,
        profile.capacity,
        profile.bio,
        profile.timezone,
        rows.join_list(profile.languages),
        now,
        now,
    )
    # Replacing the skill set inside the caller's transaction: readers see the old set or the new one.
    await conn.execute("DELETE FROM mentor_skills WHERE member_id = ?", member_id)
    await conn.executemany(
        "INSERT INTO mentor_skills (member_id, skill, level) VALUES (?, ?, ?)",
        [(member_id, slug, level.value) for slug, level in profile.skills.items()],
    )
    return existing is None


@dataclass(frozen=True)
class ImportedProfile(NewMentorProfile):
    """A mentor profile as a row of ``admin import-mentors`` gives it (`MemberStore.import_mentors`), under the rule of
    ``/mentor signup``: fields left out keep their value. A new mentor gets the profile as it is (the defaults
    where the row said nothing); an existing one keeps the fields not in `given` (``capacity``, ``bio``,
    ``timezone``, ``languages``), and each skill it already has whose level is not in `levels_given` keeps that
    level (a skill it gains without a level gets the profile's, the default). The skills themselves are always
    given."""

    given: frozenset[str] = frozenset()
    levels_given: frozenset[str] = frozenset()

    def over(self, current: MentorProfile | None) -> NewMentorProfile:
        """The profile to save when the mentor's is `current` (None: not a mentor yet)."""
        if current is None:
            return NewMentorProfile(dict(self.skills), self.capacity, self.bio, self.timezone, self.languages)
        given = self.given
        return NewMentorProfile(
            skills={
                slug: current.skills[slug] if slug in current.skills and slug not in self.levels_given else level
                for slug, level in self.skills.items()
            },
            capacity=self.capacity if "capacity" in given else current.capacity,
            bio=self.bio if "bio" in given else current.bio,
            timezone=self.timezone if "timezone" in given else current.timezone,
            languages=self.languages if "languages" in given else current.languages,
        )


@dataclass(frozen=True)
class InUse:
    """What stands in the way of a profile update: places in use beyond the new capacity, active mentorships
    using a skill being removed (mentorship id → those skills), pending offers that no remaining skill covers."""

    capacity: int
    places: Places
    """The mentor's places now (with the current capacity)."""
    mentorship_skills: dict[int, tuple[str, ...]] = field(default_factory=dict)
    offers_uncovered: tuple[int, ...] = ()

    @property
    def over_capacity(self) -> bool:
        """Whether the new capacity is below the places taken and held."""
        return self.places.taken + self.places.held > self.capacity

    @property
    def blocking(self) -> bool:
        """Whether anything stands in the way."""
        return self.over_capacity or bool(self.mentorship_skills) or bool(self.offers_uncovered)


class ProfileInUse(Exception):
    """A profile update would drop something in use (see `InUse`); nothing was written. `index`: which entry of
    an import it was (`MemberStore.import_mentors`)."""

    def __init__(self, in_use: InUse, index: int | None = None) -> None:
        super().__init__("profile in use")
        self.in_use = in_use
        self.index = index


async def refuse_in_use(conn: Connection, member_id: int, new: NewMentorProfile, *, index: int | None = None) -> None:
    """Before a mentor's profile is replaced by `new`, inside the caller's transaction: `ProfileInUse` (with an
    import's entry `index`) when it would drop what is in use. The row is touched first: its lock keeps accepts and
    offers for this mentor out until the caller commits. A new mentor has nothing in use."""
    if await conn.execute("UPDATE mentor_profiles SET updated_at = updated_at WHERE member_id = ?", member_id):
        in_use = await profile_in_use(conn, member_id, new)
        if in_use.blocking:
            raise ProfileInUse(in_use, index)


async def profile_in_use(conn: Connection, member_id: int, new: NewMentorProfile) -> InUse:
    """What of the mentor's current commitments the profile `new` would drop, inside the caller's transaction."""
    current = await read_profile(conn, member_id)
    if current is None:
        return InUse(new.capacity, Places(new.capacity, 0, 0))
    removed = set(current.skills) - set(new.skills)
    using: dict[int, tuple[str, ...]] = {}
    uncovered: list[int] = []
    if removed:
        for row in await conn.fetch_all(
            "SELECT id, skills FROM mentorships WHERE mentor_id = ? AND status = 'active' ORDER BY id", member_id
        ):
            dropped = tuple(s for s in rows.split_list(row["skills"]) if s in removed)
            if dropped:
                using[int(row["id"])] = dropped
        offered: dict[int, set[str]] = {}
        for row in await conn.fetch_all(
            "SELECT o.id, s.skill FROM offers o JOIN request_skills s ON s.request_id = o.request_id "
            "WHERE o.mentor_id = ? AND o.status = 'pending'",
            member_id,
        ):
            offered.setdefault(int(row["id"]), set()).add(str(row["skill"]))
        uncovered = sorted(o for o, skills in offered.items() if skills & removed and not skills & set(new.skills))
    return InUse(new.capacity, current.places, using, tuple(uncovered))


class MemberStore(Transactions):
    """Members, and the mentor profiles (with skills) some of them have."""

    _timezones: tuple[str, ...] | None

    async def ensure_member(self, community: str, platform_user_id: str, display_name: str, now: datetime) -> Member:
        """The member with this platform id, created on first sight; the display name is kept fresh
        (`member_as_seen` without a channel or time zone)."""
        return await self.member_as_seen(community, platform_user_id, display_name, now)

    async def member_as_seen(
        self,
        community: str,
        platform_user_id: str,
        display_name: str,
        now: datetime,
        *,
        channel: str | None = None,
        timezone: str | None = None,
    ) -> Member:
        """The member with this platform id as the platform shows them now (`see_member`, without saying whether
        their zone moved)."""
        member, _ = await self.see_member(
            community, platform_user_id, display_name, now, channel=channel, timezone=timezone
        )
        return member

    async def see_member(
        self,
        community: str,
        platform_user_id: str,
        display_name: str,
        now: datetime,
        *,
        channel: str | None = None,
        timezone: str | None = None,
    ) -> tuple[Member, bool]:
        """The member with this platform id as the platform shows them now: created on first sight, with the
        display name, the channel they used the bot in and their time zone (each when given) kept fresh; and whether
        the zone of a member already known moved (the platform reports another than the stored one: what was written
        for them in the old one, their offers still to reach them, is to be written again, `usecases.handler`). At
        most two statements: a read, and one upsert only when something changed (`member_is_current` says when none
        is needed); a third when the platform reports a zone other than the stored one (Slack's profile was
        changed): a mentor's profile takes it too, in the same transaction, as matching reads the zone from there. A
        platform that reports none (Discord, the console) leaves both zones as the member set them."""
        async with self.read() as conn:
            known = await conn.fetch_one(
                "SELECT * FROM members WHERE community = ? AND platform_user_id = ?", community, platform_user_id
            )
        if known is not None and member_is_current(rows.member(known), display_name, channel, timezone):
            return rows.member(known), False
        moved = bool(timezone) and (known is None or known["timezone"] != timezone)
        # One upsert for both cases; what the platform did not say (an empty name, no channel or zone) keeps the
        # row's value as it is when written, not as it was read above (a concurrent change is not undone).
        async with self.transaction() as conn:
            row = await conn.fetch_one(
                "INSERT INTO members (community, platform_user_id, display_name, created_at, last_channel, timezone) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (community, platform_user_id) DO UPDATE SET "
                "display_name = CASE WHEN excluded.display_name = '' THEN members.display_name "
                "ELSE excluded.display_name END, "
                "last_channel = COALESCE(excluded.last_channel, members.last_channel), "
                "timezone = COALESCE(excluded.timezone, members.timezone) RETURNING *",
                community,
                platform_user_id,
                display_name,
                now,
                channel or None,
                timezone or None,
            )
            assert row is not None
            # After the member's row, as in the store's lock order (`storage.locks`): the member, then the profile.
            followed = moved and bool(
                await conn.execute(
                    "UPDATE mentor_profiles SET timezone = ? WHERE member_id = ? AND timezone <> ?",
                    timezone,
                    row["id"],
                    timezone,
                )
            )
        if followed:
            self._timezones = None
        return rows.member(row), moved and known is not None

    async def get_member(self, member_id: int) -> Member | None:
        """A member by id."""
        async with self.read() as conn:
            row = await conn.fetch_one("SELECT * FROM members WHERE id = ?", member_id)
        return rows.member(row) if row else None

    async def find_member(self, community: str, platform_user_id: str) -> Member | None:
        """A member by community and platform user id."""
        async with self.read() as conn:
            row = await conn.fetch_one(
                "SELECT * FROM members WHERE community = ? AND platform_user_id = ?",
                community,
                platform_user_id,
            )
        return rows.member(row) if row else None

    async def find_member_by_name(self, community: str, name: str) -> Member | None:
        """A member by platform id or display name (admin commands, console): the member with that platform id
        first (an adapter passes the id of the member an admin picked; a display name is the member's to choose,
        and one set to another member's id must not win over them), then the one named exactly so, else the one
        whose display name equals `name` case-insensitively (`name_key`). None when no member fits.

        A name that fits more than one member at the first of those steps that finds any (two named exactly so, or,
        none exactly, several in other cases) raises `AmbiguousNameError` naming them all: none is picked. A stored
        name can be stale (on Slack a member who renamed themself keeps theirs until their next command, and another
        may take it meanwhile), so the oldest is not presumed to be the one meant; the caller asks for an id.

        A name with other letters than ASCII is case-folded here, not with SQL's ``LOWER``, so that both engines
        compare alike: SQLite's folds only ASCII letters, PostgreSQL's follows the database's collation (all of
        Unicode under most locales, ASCII only under "C"), and either way "ÓLAFUR" must find "Ólafur" everywhere.
        That reads the community's names (an admin command's lookup; about 0.17 s for 100,000 members on
        PostgreSQL); an ASCII name is looked up with ``LOWER``, which folds it alike on both."""
        async with self.read() as conn:
            row = await conn.fetch_one(
                "SELECT * FROM members WHERE community = ? AND platform_user_id = ?", community, name
            )
            if row is not None:
                return rows.member(row)
            found = await conn.fetch_all(
                "SELECT * FROM members WHERE community = ? AND display_name = ? ORDER BY id", community, name
            )
            if not found and name.isascii():
                # An ASCII name: SQL's LOWER folds it alike on both engines (ASCII letters), in the database.
                found = await conn.fetch_all(
                    "SELECT * FROM members WHERE community = ? AND LOWER(display_name) = LOWER(?) ORDER BY id",
                    community,
                    name,
                )
            elif not found:
                wanted = name_key(name)
                names = await conn.fetch_all(
                    "SELECT id, display_name FROM members WHERE community = ? ORDER BY id", community
                )
                ids = [int(r["id"]) for r in names if name_key(str(r["display_name"])) == wanted]
                if ids:
                    found = await conn.fetch_all(
                        f"SELECT * FROM members WHERE id IN ({in_list(ids)}) ORDER BY id", *ids
                    )
        members = [rows.member(r) for r in found]
        if len(members) > 1:
            raise AmbiguousNameError(name, members)
        return members[0] if members else None

    async def set_language(self, member_id: int, language: str) -> None:
        """Remember the language a member chose."""
        async with self.transaction() as conn:
            await conn.execute("UPDATE members SET language = ? WHERE id = ?", language, member_id)

    async def set_timezone(self, member_id: int, timezone: str) -> None:
        """A member's own time zone, as they gave it: on the member and on their mentor profile (if any), in one
        transaction."""
        async with self.transaction() as conn:
            await conn.execute("UPDATE members SET timezone = ? WHERE id = ?", timezone, member_id)
            await conn.execute("UPDATE mentor_profiles SET timezone = ? WHERE member_id = ?", timezone, member_id)
        self._timezones = None

    async def set_member_timezone(self, member_id: int, timezone: str) -> None:
        """Remember a member's time zone (when the platform tells it), for ranking mentors by closeness."""
        async with self.transaction() as conn:
            await conn.execute("UPDATE members SET timezone = ? WHERE id = ?", timezone, member_id)

    async def count_members(self, community: str | None = None) -> int:
        """How many members (in one community, or everywhere)."""
        async with self.read() as conn:
            if community is None:
                row = await conn.fetch_one("SELECT COUNT(*) AS n FROM members")
            else:
                row = await conn.fetch_one("SELECT COUNT(*) AS n FROM members WHERE community = ?", community)
        return int(row["n"]) if row else 0

    async def members_by_community(self) -> dict[str, int]:
        """How many members each community of the database has, by community id in code-point order (whatever
        the engine's collation); a community with no member is not there. For the admin command line, which
        names the communities a database holds when the one asked for holds nobody (`mentorbot.cli`)."""
        async with self.read() as conn:
            found = await conn.fetch_all("SELECT community, COUNT(*) AS n FROM members GROUP BY community")
        return {str(r["community"]): int(r["n"]) for r in sorted(found, key=lambda r: str(r["community"]))}

    async def lock_member(self, member_id: int) -> None:
        """Hold a member's row until the unit of work ends (`locks.lock_member`), so that a check of theirs and
        the write it allows (a daily limit, a notice sent once a day) run one unit at a time. Only inside a unit
        of work; nothing on SQLite, whose write transaction already excludes every other writer."""
        if self.db.dialect != "postgresql":
            return
        async with self.transaction() as conn:
            await locks.lock_member(conn, member_id, dialect=self.db.dialect)

    async def get_mentor_profile(self, member_id: int) -> MentorProfile | None:
        """A mentor's profile, or None when the member is not a mentor."""
        async with self.read() as conn:
            return await read_profile(conn, member_id)

    async def open_skills(self, mentor_ids: Sequence[int]) -> set[str]:
        """The skills of those of `mentor_ids` who are active with a free place (what places freed together can still
        serve: `usecases.expiry`), in one query."""
        if not mentor_ids:
            return set()
        async with self.read() as conn:
            found = await conn.fetch_all(
                "SELECT DISTINCT s.skill FROM mentor_skills s JOIN mentor_profiles p ON p.member_id = s.member_id "
                f"WHERE p.member_id IN ({in_list(mentor_ids)}) AND p.status = 'active' "
                "AND p.active_count + p.pending_offers < p.capacity",
                *mentor_ids,
            )
        return {str(r["skill"]) for r in found}

    async def mentor_skills_of(self, community: str, platform_user_ids: Sequence[str]) -> dict[str, list[str]]:
        """The skills the mentor profiles of `platform_user_ids` (as stored: `models.user_key`) hold now, by
        user id; one who is not a mentor (or not a member) is left out. For `admin import-mentors`, whose rows
        may name a skill a mentor holds that the taxonomy no longer has, as `/mentor signup` may."""
        found: dict[str, list[str]] = {}
        wanted = list(dict.fromkeys(platform_user_ids))
        async with self.read() as conn:
            for start in range(0, len(wanted), _IDS_PER_QUERY):
                chunk = wanted[start : start + _IDS_PER_QUERY]
                for row in await conn.fetch_all(
                    "SELECT m.platform_user_id, s.skill FROM mentor_skills s JOIN members m ON m.id = s.member_id "
                    f"WHERE m.community = ? AND m.platform_user_id IN ({in_list(chunk)}) ORDER BY m.id, s.skill",
                    community,
                    *chunk,
                ):
                    found.setdefault(str(row["platform_user_id"]), []).append(str(row["skill"]))
        return found

    async def save_mentor_profile(
        self, member_id: int, profile: NewMentorProfile, now: datetime
    ) -> tuple[MentorProfile, bool]:
        """Create or update a mentor profile and its skills in one transaction; True when created.

        An update never drops what is in use: a capacity below the places taken and held, or the removal of a
        skill an active mentorship or a pending offer relies on, raises `ProfileInUse` (nothing is written)."""
        async with self.transaction() as conn:
            await refuse_in_use(conn, member_id, profile)
            created = await upsert_profile(conn, member_id, profile, now)
            saved = await read_profile(conn, member_id)
        self._timezones = None
        assert saved is not None
        return saved, created

    async def import_mentors(
        self,
        community: str,
        entries: Sequence[tuple[str, str, NewMentorProfile]],
        now: datetime,
        *,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Create or update many mentors (platform user id, display name, profile) in ONE transaction:
        all of them are saved, or none is. Returns how many were saved. The console's ids are stored in lower
        case, as the console uses them (`models.user_key`); a platform's exactly. An empty display name keeps an
        existing member's (a new one is named by the user id); an `ImportedProfile` keeps what its row left out of
        an existing mentor's profile (read here, inside the transaction, after its row is locked). A profile's zone is
        the member's too when they have none, or the one they have is the profile's previous zone (an earlier import's:
        as migration 0010 and ``/mentor signup timezone:`` give it). An update is
        held to the rules of `save_mentor_profile`: one that would drop what is in use (a capacity below the places
        taken, a skill an active mentorship or a pending offer relies on) raises `ProfileInUse` with its entry's
        index, and nothing of the file is written. `progress(1)` is called after each entry is saved (in the
        transaction: nothing is committed until the last one is)."""
        async with self.transaction() as conn:
            for index, (user_id, name, given) in enumerate(entries):
                # The no-op update when no name was given: a conflict must still return the member's id.
                named = "excluded.display_name" if name else "members.display_name"
                row = await conn.fetch_one(
                    "INSERT INTO members (community, platform_user_id, display_name, created_at) VALUES (?, ?, ?, ?) "
                    f"ON CONFLICT (community, platform_user_id) DO UPDATE SET display_name = {named} RETURNING id",
                    community,
                    user_key(community, user_id),
                    name or user_id,
                    now,
                )
                assert row is not None
                member_id = int(row["id"])
                profile: NewMentorProfile = given
                if isinstance(given, ImportedProfile):
                    # The profile's row locked before it is read (as `refuse_in_use` does): what is kept is what
                    # the profile says when the import commits, not what a concurrent update just replaced.
                    await conn.execute(
                        "UPDATE mentor_profiles SET updated_at = updated_at WHERE member_id = ?", member_id
                    )
                    profile = given.over(await read_profile(conn, member_id))
                await refuse_in_use(conn, member_id, profile, index=index)
                was = await conn.fetch_one("SELECT timezone FROM mentor_profiles WHERE member_id = ?", member_id)
                await upsert_profile(conn, member_id, profile, now)
                if profile.timezone != ZONE_NOT_GIVEN:
                    # Where the notices read a reader's zone. One the member chose (`/mentor timezone`) is theirs;
                    # one that is the profile's previous zone came from it (an earlier import), and follows it.
                    await conn.execute(
                        "UPDATE members SET timezone = ? WHERE id = ? AND (timezone IS NULL OR timezone = ?)",
                        profile.timezone,
                        member_id,
                        None if was is None else was["timezone"],
                    )
                if progress is not None:
                    progress(1)
        self._timezones = None
        return len(entries)

    async def set_mentor_status(
        self,
        member_id: int,
        status: MentorStatus,
        now: datetime,
        *,
        paused_until: datetime | None = None,
        reason: str | None = None,
        expect: MentorStatus | None = None,
        ended_by: datetime | None = None,
        unless_same: bool = False,
        while_pending: int | None = None,
        unless_reason: str | None = None,
    ) -> bool:
        """Pause or resume a mentor (compare-and-set on `expect` when given); True when changed. With
        `ended_by`, only a pause whose end is set and at or before that moment is changed (a dated pause's end:
        a pause made meanwhile, with no end or a later one, is left alone). With `unless_same`, a mentor already
        in exactly this state (status, end, reason) is left alone: False. With `while_pending` (an offer's id),
        only while that offer is still pending and the mentor's (a pause because its direct message was refused:
        one accepted, expired or withdrawn meanwhile pauses no one), read after the locks below. With
        `unless_reason`, a mentor paused for that reason is left alone (an admin's pause of one who left: ``left``).

        Pausing with `paused_until` schedules a resume job; resuming cancels it and resets the expiry streak.
        """
        async with self.transaction() as conn:
            if status is MentorStatus.PAUSED:
                # A pause withdraws the mentor's pending offers next (`withdraw_pending`, which locks their mentees):
                # their rows are locked before the profile's, in the store's one lock order (`locks`).
                await locks.lock_mentees_of_pending_offers(conn, member_id, dialect=self.db.dialect)
            sql = (
                "UPDATE mentor_profiles SET status = ?, paused_until = ?, pause_reason = ?, updated_at = ?"
                + (", expired_streak = 0" if status is MentorStatus.ACTIVE else "")
                + " WHERE member_id = ?"
            )
            args: list[Any] = [status.value, paused_until, reason, now, member_id]
            if expect is not None:
                sql += " AND status = ?"
                args.append(expect.value)
            if ended_by is not None:
                sql += " AND paused_until IS NOT NULL AND paused_until <= ?"
                args.append(ended_by)
            if unless_same:
                # Equal, NULL to NULL included: SQLite's IS (its IS NOT DISTINCT FROM needs SQLite 3.39, newer than
                # the system library of some distributions Python links to), PostgreSQL's IS NOT DISTINCT FROM.
                same = "IS" if self.db.dialect == "sqlite" else "IS NOT DISTINCT FROM"
                sql += f" AND NOT (status = ? AND paused_until {same} ? AND pause_reason {same} ?)"
                args += [status.value, paused_until, reason]
            if unless_reason is not None:
                sql += " AND NOT (status = 'paused' AND COALESCE(pause_reason, '') = ?)"
                args.append(unless_reason)
            if while_pending is not None:
                sql += " AND EXISTS (SELECT 1 FROM offers WHERE id = ? AND mentor_id = ? AND status = 'pending')"
                args += [while_pending, member_id]
            changed = await conn.execute(sql, *args) == 1
            if changed:
                if status is MentorStatus.PAUSED and paused_until is not None:
                    await jobs.schedule(conn, JobKind.RESUME, member_id, paused_until, now)
                else:
                    await jobs.cancel(conn, JobKind.RESUME, member_id)
            return changed

    async def count_mentors(self, community: str) -> dict[str, int]:
        """Mentors by status in a community."""
        async with self.read() as conn:
            found = await conn.fetch_all(
                "SELECT p.status, COUNT(*) AS n FROM mentor_profiles p JOIN members m ON m.id = p.member_id "
                "WHERE m.community = ? GROUP BY p.status",
                community,
            )
        return {r["status"]: int(r["n"]) for r in found}

    async def list_mentors(self, community: str) -> list[tuple[Member, MentorProfile]]:
        """Every mentor of a community with their member record."""
        async with self.read() as conn:
            members = await conn.fetch_all(
                "SELECT m.* FROM members m JOIN mentor_profiles p ON p.member_id = m.id "
                "WHERE m.community = ? ORDER BY m.id",
                community,
            )
            # Two queries for the whole community instead of two per mentor (it was N+1: slow at 10,000 mentors).
            profiles = await conn.fetch_all(
                "SELECT p.* FROM mentor_profiles p JOIN members m ON m.id = p.member_id WHERE m.community = ?",
                community,
            )
            skill_rows = await conn.fetch_all(
                "SELECT s.member_id, s.skill, s.level FROM mentor_skills s JOIN members m ON m.id = s.member_id "
                "WHERE m.community = ? ORDER BY s.member_id, s.skill",
                community,
            )
        skills_of = rows.skills_by_member(skill_rows)
        profile_of = {int(r["member_id"]): r for r in profiles}
        out: list[tuple[Member, MentorProfile]] = []
        for row in members:
            member_id = int(row["id"])
            if member_id in profile_of:
                out.append((rows.member(row), rows.mentor_profile(profile_of[member_id], skills_of.get(member_id, {}))))
        return out


def member_is_current(member: Member, display_name: str, channel: str | None, timezone: str | None) -> bool:
    """Whether `member`'s row already says what the platform shows now (an empty value says nothing), so a
    command needs no write to keep it fresh."""
    return (
        (not display_name or member.display_name == display_name)
        and (not channel or member.last_channel == channel)
        and (not timezone or member.timezone == timezone)
    )
