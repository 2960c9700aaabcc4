"""The programme model extended (session 34): `tests/usecases/test_programme_model.py`'s machine, subclassed, with
members who leave, come back and are forgotten, a second community of the same platform users, and the library
reloaded under them. Every rule and invariant of the original still runs; this file adds:

Rules: `forget` (a member's own `/mentor forget`, or an admin's `mentorbot admin forget`: `clear_departure` and the
forget in one unit of work); `away` (`member_left` / `member_back`); `language` (en / sw); `reload` (the skills file
edited under the running bot: `seo` renamed with the old slug kept as an alias, `copywriting` removed and put
back); `weekly_round` (time to the next Monday 09:00 of `round_schedule`, timers run); `pair` (signup, request and
accept in a row: a shortcut to active mentorships, so to departure notices, reopened requests, ended ones); `in_b`
(signup, request, answer or leave in a second community `test:other` whose members have the same user ids).
Any command of a member in a community counts as their being back there (as the core reads it).

Invariants: nothing refers to a forgotten member (members, profiles, skills, requests, offers, mentorships,
feedback comments, outbox rows for them or pending/held ones naming them, inbox, message refs, votes, course
suggestions, exclusions, resume jobs, departure markers); a departed member holds no pending offer, no open request,
no active mentor profile; pending or held outbox rows address an existing member of their community; a step of
community A's members leaves community B's rows unchanged; no departure marker or pending resume job names a
member who no longer exists, and a forgotten member's id reused by a new member (SQLite may reuse the highest
rowid) carries none of the old member's markers or exclusions.

The hunt that wrote it found three defects, fixed in b8ce833 (docs/matching.md): a round failed once a mentor in
an active mentorship had forgotten themself; a departed mentor's own forget first told their mentee "your mentor
is back"; an admin's dated pause of a mentor who left replaced the "left" reason, and its end brought them back.
Its heavy run then found a fourth: a forget of a member reported gone, by themself or by an admin, left their
`departure:<mentorship>:<id>` and `departed:<id>` markers (shortest: `pair(m0, a0)`, `away(m0, left)`,
`forget(m0)`); the forget now deletes them (`PrivacyStore.forget_member`).

The CI run is short (see the tests' counts; about a minute per engine on a 2-core machine);
``MENTORBOT_FUZZ_EXAMPLES=300 .venv/bin/pytest -m fuzz_heavy tests/usecases/test_programme_model_ext_s34.py``
runs the heavy one (SQLite, up to 40 steps; ``MENTORBOT_FUZZ_STEPS`` changes that).
"""

from __future__ import annotations

import asyncio
import os
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from mentorbot.bot import Caller
from mentorbot.library import Library
from mentorbot.settings import Settings
from mentorbot.storage.store import Store
from tests.conftest import require_postgres
from tests.usecases.conftest import COMMUNITY, make_settings
from tests.usecases.model_plumbing import run_machine
from tests.usecases.test_leave_hunt import library_files, remove_skill, rename_skill
from tests.usecases.test_programme_model import MENTEES, MENTORS, REOFFER_DAYS, Model, skill_sets

OTHER = "test:other"  # a second community of the same platform: the same user ids
RENAMED = "seo-renamed"
HEAVY_EXAMPLES = int(os.environ.get("MENTORBOT_FUZZ_EXAMPLES") or 0)
HEAVY_STEPS = int(os.environ.get("MENTORBOT_FUZZ_STEPS") or 40)
EVERYONE = MENTORS + MENTEES


class ExtModel(Model):
    """One programme on one fresh database, in two communities, with its own editable library files."""

    def __init__(self) -> None:
        self.departed: set[tuple[str, str]] = set()  # (community, name) reported gone and not back since
        self.forgotten_ids: set[int] = set()
        self.removed_copywriting = False
        self.renamed_seo = False
        super().__init__()

    # ------------------------------------------------------------------------------------------- plumbing

    def _store(self) -> Store:
        # The original builds the bot as MentorBot(self._store(), self.library, self._settings(), ...): the
        # library files this programme edits are made here, first, in the programme's own folder.
        self.skills_path, self.courses_path = library_files(Path(self.tmp) / "lib")
        self.library = Library(self.skills_path, self.courses_path)
        return super()._store()

    def _settings(self) -> Settings:
        return make_settings(
            reoffer_after_days=REOFFER_DAYS,
            skills_file=self.skills_path,
            courses_file=self.courses_path,
            round_schedule="mon 09:00",
        )

    def who(self, name: str, community: str = COMMUNITY) -> Caller:
        self.departed.discard((community, name))  # any command of theirs there is a sign they are back
        return Caller(community, f"U-{name}", name.capitalize())

    def member_id(self, name: str, community: str = COMMUNITY) -> int | None:
        rows = self.fetch("SELECT id FROM members WHERE platform_user_id = ? AND community = ?", f"U-{name}", community)
        return int(rows[0]["id"]) if rows else None

    def pending_of(self, name: str, community: str = COMMUNITY) -> list[int]:
        mid = self.member_id(name, community)
        rows = self.fetch("SELECT id FROM offers WHERE mentor_id = ? AND status = 'pending' ORDER BY id", mid)
        return [int(r["id"]) for r in rows]

    def strictly_eligible(self, as_of: datetime | None = None) -> dict[int, set[int]]:
        """The original's, less the mentors of another community than the request's."""
        community_of = {int(r["id"]): str(r["community"]) for r in self.fetch("SELECT id, community FROM members")}
        request_in = {int(r["id"]): str(r["community"]) for r in self.fetch("SELECT id, community FROM requests")}
        return {
            rid: {m for m in mentors if community_of.get(m) == request_in[rid]}
            for rid, mentors in super().strictly_eligible(as_of).items()
        }

    def step(self, coro: Any, *, only_a: bool = True) -> Any:
        """The original's step (fairness checked), returning the core's outcome; with `only_a`, community B's
        rows must come out of it unchanged."""
        b_before = self.snapshot(OTHER) if only_a else None
        outcome: list[Any] = []

        async def keep() -> None:
            outcome.append(await coro)

        super().step(keep())
        if b_before is not None:
            b_after = self.snapshot(OTHER)
            diff = {k: (b_before[k], b_after[k]) for k in b_before if b_before[k] != b_after[k]}
            self.require(not diff, f"community B changed by a step of A's members: {diff}")
        return outcome[0]

    # ------------------------------------------------------------------------------------------- rules changed

    @rule(pick=st.integers(0, 20), name=st.sampled_from(MENTORS))
    def admin_match(self, pick: int, name: str) -> None:
        open_ = self.fetch(
            "SELECT id FROM requests WHERE status IN ('waiting', 'offered') AND community = ? ORDER BY id", COMMUNITY
        )
        if open_ and self.member_id(name) is not None:
            rid = int(open_[pick % len(open_)]["id"])
            self.step(self.bot.admin_match(self.who("admin"), request_id=rid, mentor=name.capitalize()))

    @rule(pick=st.integers(0, 20), by_mentor=st.booleans())
    def end(self, pick: int, by_mentor: bool) -> None:
        """As the original's, in community A and between members who are still there (not forgotten)."""
        active = self.fetch(
            "SELECT m.id, a.platform_user_id AS mentor, b.platform_user_id AS mentee FROM mentorships m "
            "JOIN members a ON a.id = m.mentor_id JOIN members b ON b.id = m.mentee_id "
            "WHERE m.status = 'active' AND m.community = ? ORDER BY m.id",
            COMMUNITY,
        )
        if active:
            m = active[pick % len(active)]
            user = str(m["mentor"] if by_mentor else m["mentee"])
            self.step(self.bot.end(self.who(user[2:]), mentorship_id=int(m["id"])))

    # ------------------------------------------------------------------------------------------- new rules

    @rule(name=st.sampled_from(EVERYONE), by_admin=st.booleans())
    def forget(self, name: str, by_admin: bool) -> None:
        member = self.run(self.bot.store.find_member(COMMUNITY, f"U-{name}"))
        if member is None:
            return
        if not by_admin:
            self.step(self.bot.forget(self.who(name), confirm=True))
        else:

            async def as_the_console() -> None:
                # As `mentorbot admin forget` does: clear_departure and the forget in one unit of work.
                async with self.bot.store.unit_of_work():
                    await self.bot.store.clear_departure(member.id, [])
                    out = await self.bot.forget(Caller(COMMUNITY, f"U-{name}", member.display_name), confirm=True)
                    assert out.error is None, out.reply.text
                await self.bot.store.hand_over(out.notifications, self.bot.worker_id, self.bot.clock.now())

            self.departed.discard((COMMUNITY, name))
            self.step(as_the_console())
        self.check_forgotten(name, member.id)

    @rule(name=st.sampled_from(EVERYONE), back=st.booleans())
    def away(self, name: str, back: bool) -> None:
        if back:
            self.step(self.bot.member_back(COMMUNITY, f"U-{name}", name.capitalize()))
            self.departed.discard((COMMUNITY, name))
        elif self.member_id(name) is not None:
            self.step(self.bot.member_left(COMMUNITY, f"U-{name}"))
            self.departed.add((COMMUNITY, name))

    @rule(name=st.sampled_from(EVERYONE), lang=st.sampled_from(["sw", "en"]))
    def language(self, name: str, lang: str) -> None:
        self.step(self.bot.set_language(self.who(name), language=lang))

    @rule(mentor=st.sampled_from(MENTORS), mentee=st.sampled_from(MENTEES), skills=skill_sets)
    def pair(self, mentor: str, mentee: str, skills: tuple[str, ...]) -> None:
        """A shortcut to active mentorships (and so to departure notices, reopened requests, ended mentorships)."""
        if self.member_id(mentor) is None:
            self.step(self.bot.signup(self.who(mentor), skills=",".join(skills), capacity="3"))
        self.step(self.bot.request(self.who(mentee), skills=",".join(skills)))
        for offer in self.pending_of(mentor)[:1]:
            self.step(self.bot.accept(self.who(mentor), offer_id=offer))

    @rule(op=st.sampled_from(["rename_seo", "remove_copywriting", "restore_copywriting"]))
    def reload(self, op: str) -> None:
        self.renamed_seo = self.renamed_seo or op == "rename_seo"
        self.removed_copywriting = op == "remove_copywriting" or (self.removed_copywriting and op == "rename_seo")
        skills, courses = library_files(Path(self.tmp) / "lib")
        if self.renamed_seo:
            rename_skill(skills, courses, "seo", RENAMED)
        if self.removed_copywriting:
            remove_skill(skills, courses, "copywriting")
        self.clock.advance(timedelta(seconds=1))
        out = self.step(self.bot.admin_reload(self.who("admin")), only_a=False)
        self.require(out.error is None, f"reload refused: {out.reply.text}")

    @rule()
    def weekly_round(self) -> None:
        """Time passes to just after the next Monday 09:00 (`round_schedule`), timers run."""
        now = self.clock.now()
        target = (now + timedelta(days=(7 - now.weekday()) % 7 or 7)).replace(hour=9, minute=1, second=0, microsecond=0)
        self.clock.advance(target - now - timedelta(hours=1))
        self.time_passes(hours=1)

    @rule(
        kind=st.sampled_from(["signup", "request", "answer", "leave"]),
        name=st.sampled_from(EVERYONE),
        skills=skill_sets,
        accept=st.booleans(),
    )
    def in_b(self, kind: str, name: str, skills: tuple[str, ...], accept: bool) -> None:
        """Community B: the same platform users."""
        if kind == "signup":
            self.step(self.bot.signup(self.who(name, OTHER), skills=",".join(skills), capacity="2"), only_a=False)
        elif kind == "request":
            self.step(self.bot.request(self.who(name, OTHER), skills=",".join(skills)), only_a=False)
        elif kind == "answer":
            pending = self.pending_of(name, OTHER)
            if pending and accept:
                self.step(self.bot.accept(self.who(name, OTHER), offer_id=pending[0]), only_a=False)
            elif pending:
                self.step(self.bot.decline(self.who(name, OTHER), offer_id=pending[0], reason=None), only_a=False)
        elif self.member_id(name, OTHER) is not None:
            self.step(self.bot.member_left(OTHER, f"U-{name}"), only_a=False)
            self.departed.add((OTHER, name))

    # ------------------------------------------------------------------------------------------- helpers

    def snapshot(self, community: str) -> dict[str, Any]:
        """Every row of `community` (and of its members), to compare before and after a step."""
        ids = {int(r["id"]) for r in self.fetch("SELECT id FROM members WHERE community = ?", community)}

        def rows(sql: str, *args: Any, key: str | None = None) -> list[tuple[Any, ...]]:
            out = [dict(r) for r in self.fetch(sql, *args)]
            return sorted(
                tuple(sorted((k, str(v)) for k, v in d.items())) for d in out if key is None or int(d[key]) in ids
            )

        return {
            "members": rows("SELECT * FROM members WHERE community = ?", community),
            "mentor_profiles": rows("SELECT * FROM mentor_profiles", key="member_id"),
            "mentor_skills": rows("SELECT * FROM mentor_skills", key="member_id"),
            "requests": rows("SELECT * FROM requests WHERE community = ?", community),
            "request_skills": rows(
                "SELECT s.* FROM request_skills s JOIN requests r ON r.id = s.request_id WHERE r.community = ?",
                community,
            ),
            "offers": rows("SELECT * FROM offers", key="mentor_id"),
            "mentorships": rows("SELECT * FROM mentorships WHERE community = ?", community),
            "outbox": rows("SELECT * FROM outbox WHERE community = ?", community),
            "jobs": rows("SELECT * FROM jobs WHERE community = ?", community),
            "markers": sorted(
                str(r["event_id"])
                for r in self.fetch("SELECT event_id FROM processed_events")
                if any(str(r["event_id"]).endswith(f":{i}") for i in ids)
            ),
        }

    def check_forgotten(self, name: str, mid: int) -> None:
        """After a forget: no row of any table refers to the member any more."""
        uid = f"U-{name}"
        self.forgotten_ids.add(mid)
        checks: dict[str, tuple[Any, ...]] = {
            "members(id)": ("SELECT id FROM members WHERE id = ?", mid),
            "members(uid)": ("SELECT id FROM members WHERE platform_user_id = ? AND community = ?", uid, COMMUNITY),
            "mentor_profiles": ("SELECT member_id FROM mentor_profiles WHERE member_id = ?", mid),
            "mentor_skills": ("SELECT member_id FROM mentor_skills WHERE member_id = ?", mid),
            "requests": ("SELECT id FROM requests WHERE member_id = ?", mid),
            "offers": ("SELECT id FROM offers WHERE mentor_id = ?", mid),
            "mentorships": (
                "SELECT id FROM mentorships WHERE mentor_id = ? OR mentee_id = ? OR matched_by_admin = ?",
                mid,
                mid,
                mid,
            ),
            "feedback": ("SELECT id FROM feedback WHERE author_id = ? AND comment IS NOT NULL", mid),
            "outbox(member)": ("SELECT id FROM outbox WHERE member_id = ?", mid),
            "outbox(uid)": ("SELECT id FROM outbox WHERE platform_user_id = ? AND community = ?", uid, COMMUNITY),
            "outbox(mention)": (
                "SELECT id, status FROM outbox WHERE community = ? AND status IN ('pending', 'held') "
                "AND payload LIKE ?",
                COMMUNITY,
                f"%<@{uid}>%",
            ),
            "inbox": ("SELECT id FROM inbox WHERE platform_user_id = ? AND community = ?", uid, COMMUNITY),
            "message_refs": (
                "SELECT member_id FROM message_refs WHERE member_id = ? OR platform_user_id = ?",
                mid,
                uid,
            ),
            "resource_votes": ("SELECT member_id FROM resource_votes WHERE member_id = ?", mid),
            "course_suggestions": ("SELECT id FROM course_suggestions WHERE member_id = ? OR decided_by = ?", mid, uid),
            "forgotten_exclusions(as mentor)": ("SELECT mentor_id FROM forgotten_exclusions WHERE mentor_id = ?", mid),
            "jobs(resume)": ("SELECT id FROM jobs WHERE kind = 'resume' AND ref_id = ?", mid),
            "processed_events": self._markers_of(mid),
        }
        found = {label: [dict(r) for r in self.fetch(sql, *args)] for label, (sql, *args) in checks.items()}
        found = {label: rows for label, rows in found.items() if rows}
        self.require(not found, f"forgotten member {name} (id {mid}) still referred to: {found}")

    @staticmethod
    def _markers_of(mid: int) -> tuple[Any, ...]:
        sql = "SELECT event_id FROM processed_events WHERE event_id = ? OR event_id LIKE ?"
        return (sql, f"departed:{mid}", f"departure:%:{mid}")

    # ------------------------------------------------------------------------------------------- new invariants

    @invariant()
    def departed_hold_nothing(self) -> None:
        for community, name in sorted(self.departed):
            mid = self.member_id(name, community)
            if mid is None:
                continue
            pending = self.fetch("SELECT id FROM offers WHERE mentor_id = ? AND status = 'pending'", mid)
            self.require(not pending, f"departed {name} in {community} holds offers {[dict(r) for r in pending]}")
            open_ = self.fetch(
                "SELECT id, status FROM requests WHERE member_id = ? AND status IN ('waiting', 'offered')", mid
            )
            self.require(not open_, f"departed {name} in {community} has open requests {[dict(r) for r in open_]}")
            active = self.fetch("SELECT status FROM mentor_profiles WHERE member_id = ? AND status = 'active'", mid)
            self.require(not active, f"departed mentor {name} in {community} is active")

    @invariant()
    def outbox_addresses_members(self) -> None:
        bad = self.fetch(
            "SELECT o.id, o.member_id, o.platform_user_id, o.community, o.status FROM outbox o "
            "LEFT JOIN members m ON m.id = o.member_id "
            "WHERE o.status IN ('pending', 'held') AND (m.id IS NULL OR m.platform_user_id <> o.platform_user_id "
            "OR m.community <> o.community)"
        )
        self.require(not bad, f"outbox rows addressing no such member: {[dict(r) for r in bad]}")

    @invariant()
    def no_reference_to_missing_members(self) -> None:
        ids = {int(r["id"]) for r in self.fetch("SELECT id FROM members")}
        stale = [
            str(r["event_id"])
            for r in self.fetch("SELECT event_id FROM processed_events WHERE event_id LIKE 'departed:%'")
            if int(str(r["event_id"]).split(":")[1]) not in ids
        ]
        stale += [
            f"resume job {r['ref_id']}"
            for r in self.fetch("SELECT ref_id FROM jobs WHERE kind = 'resume' AND status = 'pending'")
            if int(r["ref_id"]) not in ids
        ]
        self.require(not stale, f"rows naming missing members: {stale}")
        gone = {mid for community, name in self.departed if (mid := self.member_id(name, community)) is not None}
        for mid in ids & self.forgotten_ids:
            # A forgotten member's id given to a new member: nothing of the old member may apply to the new one (the
            # new member's own departure markers, once they left themselves, are theirs).
            marks = self.fetch(*self._markers_of(mid))
            if mid in gone:
                own = {
                    int(r["id"])
                    for r in self.fetch("SELECT id FROM mentorships WHERE mentor_id = ? OR mentee_id = ?", mid, mid)
                }
                marks = [
                    m
                    for m in marks
                    if m["event_id"] != f"departed:{mid}" and int(str(m["event_id"]).split(":")[1]) not in own
                ]
            excl = self.fetch("SELECT * FROM forgotten_exclusions WHERE mentor_id = ?", mid)
            self.require(not marks and not excl, f"id {mid} of a forgotten member reused with {marks} {excl}")


def _run_ext(engine: str, examples: int, steps: int) -> None:
    Model.started = 0
    Model.first_failure = None
    Model.began = time.monotonic()
    try:
        run_machine(ExtModel, engine, examples, steps)
    except BaseException:
        found = Model.first_failure
        if found:
            print(f"programme model (ext): first failure in programme {found[0]} after {found[1]:.0f} s; ", end="")
        print(f"{Model.started} programmes run in {time.monotonic() - Model.began:.0f} s with shrinking")
        raise


def test_programme_model_ext_sqlite() -> None:
    _run_ext("sqlite", examples=80, steps=40)


@pytest.mark.postgres
async def test_programme_model_ext_postgresql() -> None:
    await require_postgres()
    await asyncio.to_thread(_run_ext, "postgresql", 25, 30)


@pytest.mark.fuzz_heavy
@pytest.mark.skipif(HEAVY_EXAMPLES <= 0, reason="opt-in: set MENTORBOT_FUZZ_EXAMPLES (for example 300) to run it")
def test_programme_model_ext_heavy() -> None:
    _run_ext("sqlite", examples=HEAVY_EXAMPLES, steps=HEAVY_STEPS)
