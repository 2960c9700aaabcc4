"""A model of what waiting members are told (session 43; docs/matching.md rules 5 and 14): random programmes of
mentors signing up (one or two places), members asking (mentors too), offers accepted and declined ("not now", "not my
skill", "not this person"), admins' matches, mentorships ended, capacities changed, pauses and resumes, requests
cancelled, and time passing with the timers and the sweep run, driven through the core (`MentorBot`) on both engines.

After every step, each waiting request's stored reason (what `/mentor status` and the admins' waitlist show) is read
against the reason worked out afresh from the state (`matchmaking.wait_reason`), for the two promises a reason makes:

1. a date ("can be asked again after …", ``all_cooldown``) is told only while a mentor with a free place is on a
   cooldown for the request (worked out afresh, the reason names a cooldown too), until that date has passed;
2. "every mentor is at capacity: an offer as soon as a place frees up" (``all_busy``) is not told of a request that
   no freed place can go to: worked out afresh, its reason is not only exclusions (rule 5, both ways).

Other differences are allowed: a stored reason is worked out when something may have changed it, and some changes
leave a reason that is still true though no longer the first thing to say (after an accept, "at capacity" where
"your mentor already" is the fresher word). On session 42's code it found an offer taking a mentor's last free place
(the date kept, `after_last_place`), a full mentor on a cooldown beside a full one excluded (`_cause`), and a "not this
person" decline leaving the decliner's own request promising that person's place (`tests/usecases/test_wait_truth_s43`).

CI runs 30 programmes of up to 30 steps on SQLite and 8 on PostgreSQL; ``MENTORBOT_FUZZ_EXAMPLES=150 .venv/bin/pytest
-m fuzz_heavy tests/usecases/test_wait_truth_model_s43.py`` the heavy one."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import datetime, timedelta

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from mentorbot.bot import Caller
from mentorbot.library import Library
from mentorbot.models import MentorshipRequest, RequestStatus
from mentorbot.replies import Outcome
from mentorbot.usecases import matchmaking, views
from tests.conftest import require_postgres
from tests.usecases.conftest import COMMUNITY
from tests.usecases.model_plumbing import ProgrammeMachine, run_machine
from tests.usecases.test_programme_model import Model

HEAVY_EXAMPLES = int(os.environ.get("MENTORBOT_FUZZ_EXAMPLES") or 0)
HEAVY_STEPS = int(os.environ.get("MENTORBOT_FUZZ_STEPS") or 40)
SKILLS = {"m0": "seo", "m1": "seo, copywriting", "m2": "copywriting", "m3": "seo"}
MEMBERS = ("a0", "a1", "a2", "m0", "m1", "m2")  # mentors ask too: "not this person" holds both ways
EXCLUSIONS = frozenset({"all_excluded", "excluded_by_member", "excluded_mixed"})
REASONS = ("not now", "not my skill", "not this person", "busy")


class WaitTruthModel(ProgrammeMachine):
    """Four mentors of SEO and copywriting, six members asking."""

    worker_id = "wait-truth"
    require = Model.require

    def ok(self, out: Outcome) -> None:
        """A refusal is a step like any other; an unexpected error is not."""
        self.require(out.error is None or out.error.key != "common.apology", f"unexpected error: {out.reply.text}")

    @rule(name=st.sampled_from(sorted(SKILLS)), capacity=st.sampled_from(["1", "2"]))
    def sign_up(self, name: str, capacity: str) -> None:
        self.ok(self.run(self.bot.signup(self.who(name), skills=SKILLS[name], capacity=capacity)))

    @rule(name=st.sampled_from(MEMBERS), skill=st.sampled_from(["seo", "copywriting", "seo, copywriting"]))
    def ask(self, name: str, skill: str) -> None:
        self.ok(self.run(self.bot.request(self.who(name), skills=skill)))

    @rule(name=st.sampled_from(sorted(SKILLS)), last=st.booleans())
    def accept(self, name: str, last: bool) -> None:
        pending = self.pending_of(name)
        if pending:
            self.ok(self.run(self.bot.accept(self.who(name), offer_id=pending[-1 if last else 0])))

    @rule(name=st.sampled_from(sorted(SKILLS)), reason=st.sampled_from(REASONS))
    def decline(self, name: str, reason: str) -> None:
        pending = self.pending_of(name)
        if pending:
            self.ok(self.run(self.bot.decline(self.who(name), offer_id=pending[0], reason=reason)))

    @rule(pick=st.integers(0, 5))
    def end(self, pick: int) -> None:
        rows = self.fetch("SELECT id, mentor_id FROM mentorships WHERE status = 'active' ORDER BY id")
        if rows:
            row = rows[pick % len(rows)]
            [mentor] = self.fetch("SELECT platform_user_id FROM members WHERE id = ?", row["mentor_id"])
            caller = self.who(str(mentor["platform_user_id"])[2:])
            self.ok(self.run(self.bot.end(caller, mentorship_id=int(row["id"]))))

    @rule(name=st.sampled_from(sorted(SKILLS)), pause=st.booleans())
    def pause_or_resume(self, name: str, pause: bool) -> None:
        if self.member_id(name) is not None:
            call = self.bot.pause(self.who(name)) if pause else self.bot.resume(self.who(name))
            self.run(call)

    @rule(name=st.sampled_from(MEMBERS))
    def cancel(self, name: str) -> None:
        member = self.member_id(name)
        rows = self.fetch(
            "SELECT id FROM requests WHERE member_id = ? AND status IN ('waiting', 'offered') ORDER BY id", member
        )
        if rows:
            self.ok(self.run(self.bot.cancel(self.who(name), request_id=int(rows[0]["id"]))))

    @rule(pick=st.integers(0, 9), name=st.sampled_from(sorted(SKILLS)), force=st.booleans())
    def admin_match(self, pick: int, name: str, force: bool) -> None:
        """An admin matches a waiting or offered request with a mentor (without `force`, refused when a check
        fails; with it, a cooldown, a pause, an exclusion or a missing skill overridden)."""
        rows = self.fetch("SELECT id FROM requests WHERE status IN ('waiting', 'offered') ORDER BY id")
        if rows and self.member_id(name) is not None:
            admin = Caller(COMMUNITY, "U-admin", "Admin", is_admin=True)
            request_id = int(rows[pick % len(rows)]["id"])
            match = self.bot.admin_match(admin, request_id=request_id, mentor=f"U-{name}", force=force)
            self.ok(self.run(match))

    @rule(hours=st.sampled_from([1, 20, 49, 80]))
    def time_passes(self, hours: int) -> None:
        self.clock.advance(timedelta(hours=hours))
        self.run(self.bot.run_due_jobs(sweep=True))

    @invariant()
    def what_waiting_members_are_told_holds(self) -> None:
        self.run(self._check())

    async def _check(self) -> None:
        store, now = self.bot.store, self.clock.now()
        for request in await store.list_requests(COMMUNITY, [RequestStatus.WAITING]):
            mentee = await store.get_member(request.member_id)
            if mentee is None:
                continue
            fresh = await matchmaking.wait_reason(self.bot.core, request, mentee)
            told, truth = views.reason_codes(request.wait_reason), views.reason_codes(fresh)
            where = f"request {request.id} {request.skills}: stored {request.wait_reason}, afresh {fresh}"
            if "all_cooldown" in told and not _date_passed(request, now):
                self.require("all_cooldown" in truth, f"rule 14, a date of no mentor with a free place: {where}")
            if "all_busy" in told:
                self.require(not truth <= EXCLUSIONS, f"rule 5, 'as soon as a place frees up' to no one: {where}")


def _date_passed(request: MentorshipRequest, now: datetime) -> bool:
    """Whether a date the stored reason tells has passed (the sweep tries the request again then)."""
    data = json.loads(request.wait_reason or "{}")
    dates = [p.get("until") for p in (data.get("parts") or [data]) if isinstance(p, dict) and p.get("until")]
    return any(datetime.fromisoformat(d) <= now for d in dates)


def _run(engine: str, library: Library, examples: int, steps: int) -> None:
    run_machine(WaitTruthModel, engine, examples, steps, library=library)


def test_wait_truth_model_sqlite(library: Library) -> None:
    _run("sqlite", library, examples=30, steps=30)


@pytest.mark.postgres
async def test_wait_truth_model_postgresql(library: Library) -> None:
    await require_postgres()
    await asyncio.to_thread(_run, "postgresql", library, 8, 30)


@pytest.mark.fuzz_heavy
@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def test_wait_truth_model_heavy(library: Library, engine: str) -> None:
    if not HEAVY_EXAMPLES:
        pytest.skip("MENTORBOT_FUZZ_EXAMPLES is not set")
    if engine == "postgresql":
        await require_postgres()
    await asyncio.to_thread(_run, engine, library, HEAVY_EXAMPLES, HEAVY_STEPS)
