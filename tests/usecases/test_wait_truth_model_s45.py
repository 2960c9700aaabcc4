"""A companion of session 43's model of what waiting members are told (`test_wait_truth_model_s43`; docs/matching.md
rules 4, 5 and 14), with what that model never did: late answers (a mentor's Decline, "not now", "not my skill" or "not
this person", or Accept, of an offer of theirs that expired), a member asking for two skills in two requests (so that
an accept leaves the mentee another request waiting), and mentors of one place who pause while they mentor (paused
and full).

After every step, each waiting request's stored reason (what `/mentor status` and the admins' waitlist show) is the
one worked out afresh from the state (`matchmaking.wait_reason`): the same causes for the same skills, the same dates,
the same "paused" flags. A stored reason is worked out whenever something may change it, so none is left behind.

On session 44's code (HEAD before these fixes) it found, shrunk: a mentor of one place who paused signs up, resumes
and accepts a member's SEO request, her copywriting request still told "at capacity… as soon as a place frees up" of
her own mentor (`offers.after_mentoring` reworded nothing); with that fixed, `ask a0 seo; sign_up m0 (one place);
time_passes 49 h; late_decline m0 "not my skill"`: the lapse's date kept, the mentor excluded for good
(`offers._late_decline`); and, 50 programmes in, a mentor excluded for good with a free place that hid a full one on a
lapse's cooldown ("the mentors have said it is not for them", then "at capacity" untold when the excluded one's last
place went: `matchmaking._cause`). Each is a test of `tests/usecases/test_wait_truth_s45.py`.

CI runs 50 programmes of up to 30 steps on SQLite and 8 on PostgreSQL; ``MENTORBOT_FUZZ_EXAMPLES=300
.venv/bin/pytest -m fuzz_heavy tests/usecases/test_wait_truth_model_s45.py`` the heavy one."""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from mentorbot.library import Library
from mentorbot.models import MentorStatus, RequestStatus
from mentorbot.usecases import matchmaking
from tests.conftest import require_postgres
from tests.usecases.conftest import COMMUNITY
from tests.usecases.model_plumbing import run_machine
from tests.usecases.test_wait_truth_model_s43 import MEMBERS, SKILLS, WaitTruthModel

HEAVY_EXAMPLES = int(os.environ.get("MENTORBOT_FUZZ_EXAMPLES") or 0)
HEAVY_STEPS = int(os.environ.get("MENTORBOT_FUZZ_STEPS") or 40)
LATE_REASONS = ("not now", "not my skill", "not this person")


class LateAnswerModel(WaitTruthModel):
    """Session 43's programmes, with late answers, two requests of one member and paused full mentors."""

    worker_id = "wait-truth-late"

    @rule(name=st.sampled_from(sorted(SKILLS)), reason=st.sampled_from(LATE_REASONS), last=st.booleans())
    def late_decline(self, name: str, reason: str, last: bool) -> None:
        """A mentor declines an offer of theirs that expired (recorded as their decline: a cooldown or an exclusion
        for good instead of the lapse)."""
        expired = self._expired_of(name)
        if expired:
            offer = expired[-1 if last else 0]
            self.ok(self.run(self.bot.decline(self.who(name), offer_id=offer, reason=reason)))

    @rule(name=st.sampled_from(sorted(SKILLS)), reason=st.sampled_from(LATE_REASONS), pause=st.booleans())
    def lapse_then_decline_late(self, name: str, reason: str, pause: bool) -> None:
        """Two days pass (the offers lapse, the timers and the sweep run), the mentor maybe pauses, then declines
        the newest offer of theirs that expired."""
        self.time_passes(hours=49)
        if pause and self.member_id(name) is not None:
            self.run(self.bot.pause(self.who(name)))
        self.late_decline(name, reason, last=True)

    @rule(name=st.sampled_from(sorted(SKILLS)))
    def late_accept(self, name: str) -> None:
        """A mentor accepts an offer of theirs that expired (back: the request offered to them again while it
        waits)."""
        expired = self._expired_of(name)
        if expired:
            self.ok(self.run(self.bot.accept(self.who(name), offer_id=expired[-1])))

    @rule(name=st.sampled_from(MEMBERS), first=st.sampled_from(["seo", "copywriting"]))
    def ask_for_both(self, name: str, first: str) -> None:
        """A member asks for SEO and copywriting in two requests (an accept of one leaves the other waiting)."""
        second = "copywriting" if first == "seo" else "seo"
        for skill in (first, second):
            self.ok(self.run(self.bot.request(self.who(name), skills=skill)))

    @rule(name=st.sampled_from(sorted(SKILLS)))
    def one_place_and_pause(self, name: str) -> None:
        """A mentor takes one place only and pauses: paused, and full when they mentor someone."""
        self.ok(self.run(self.bot.signup(self.who(name), skills=SKILLS[name], capacity="1")))
        self.run(self.bot.pause(self.who(name)))

    @rule(name=st.sampled_from(sorted(SKILLS)), capacity=st.sampled_from(["2", "3"]))
    def more_places_while_paused(self, name: str, capacity: str) -> None:
        """A mentor takes one place only and pauses (`one_place_and_pause`) unless paused already, then, still
        paused, takes more places: back, they may have a place for a request told "at capacity" (session 46)."""
        mid = self.member_id(name)
        profile = self.run(self.bot.store.get_mentor_profile(mid)) if mid is not None else None
        if profile is None:
            return
        if profile.status is MentorStatus.ACTIVE:
            self.one_place_and_pause(name)
        self.ok(self.run(self.bot.signup(self.who(name), skills=SKILLS[name], capacity=capacity)))

    def _expired_of(self, name: str) -> list[int]:
        mid = self.member_id(name)
        if mid is None:
            return []
        rows = self.fetch("SELECT id FROM offers WHERE mentor_id = ? AND status = 'expired' ORDER BY id", mid)
        return [int(r["id"]) for r in rows]

    @invariant()
    def stored_reasons_are_the_fresh_ones(self) -> None:
        self.run(self._same())

    async def _same(self) -> None:
        store = self.bot.store
        for request in await store.list_requests(COMMUNITY, [RequestStatus.WAITING]):
            mentee = await store.get_member(request.member_id)
            if mentee is None:
                continue
            fresh = await matchmaking.wait_reason(self.bot.core, request, mentee)
            self.require(
                _told(request.wait_reason) == _told(fresh),
                f"request {request.id} {request.skills}: stored {request.wait_reason}, afresh {fresh}",
            )


def _told(reason: str | None) -> Any:
    """A wait reason as what it tells: each cause's key, skills, date and flags (a reason of one cause and one of
    several read alike)."""
    data = json.loads(reason or "{}")
    parts = data.get("parts") if data.get("key") == "wait.mixed" else [data]
    return sorted(json.dumps(p, sort_keys=True) for p in parts or [])


def _run(engine: str, library: Library, examples: int, steps: int) -> None:
    run_machine(LateAnswerModel, engine, examples, steps, library=library)


def test_wait_truth_late_model_sqlite(library: Library) -> None:
    _run("sqlite", library, examples=50, steps=30)


@pytest.mark.postgres
async def test_wait_truth_late_model_postgresql(library: Library) -> None:
    await require_postgres()
    await asyncio.to_thread(_run, "postgresql", library, 8, 30)


@pytest.mark.fuzz_heavy
@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def test_wait_truth_late_model_heavy(library: Library, engine: str) -> None:
    if not HEAVY_EXAMPLES:
        pytest.skip("MENTORBOT_FUZZ_EXAMPLES is not set")
    if engine == "postgresql":
        await require_postgres()
    await asyncio.to_thread(_run, engine, library, HEAVY_EXAMPLES, HEAVY_STEPS)
