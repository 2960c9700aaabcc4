"""A model of when mentors answer (session 35): random sequences of requests, answers and time passing, with the
timers run or not yet run, on both engines. The programme model (`test_programme_model.py`) answers offers rarely and
always runs the timers when time passes, so an offer whose time is up was never still pending when its mentor
clicked; this one keeps three mentors of one skill busy and lets the timers lag (the loop's next tick; a process
started after an outage, before its first timer round).

The rules it proves, after every step:
- a mentor's Accept of one of their pending offers, overdue or not, accepts it (or is refused as mentoring that
  mentee already): it never expires the offer, never grows their lapse streak and never pauses them (an offer is
  open until its expiry runs);
- a Decline of a pending offer declines it, and never grows the streak;
- an Accept or a Decline of an offer that had expired (the timer ran) leaves it expired or declined (never
  accepted after all), and never grows the streak either;
and, as in the programme model, no mentor over capacity, the counters agree with the rows, one active mentorship
and one pending offer per request, no paused mentor holding an offer.

Run on the code before the fix, the first rule fails within the CI run (an Accept 49 h after its offer, the timers
not run: the click expired the offer and counted the lapse). ``MENTORBOT_FUZZ_EXAMPLES=500 pytest -m fuzz_heavy``
runs the heavy one.
"""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import rule

from mentorbot.library import Library
from tests.conftest import require_postgres
from tests.usecases.model_plumbing import ProgrammeMachine, run_machine
from tests.usecases.test_programme_model import Model

HEAVY_EXAMPLES = int(os.environ.get("MENTORBOT_FUZZ_EXAMPLES") or 0)
MENTORS = ("m0", "m1", "m2")
MENTEES = ("a0", "a1", "a2", "a3", "a4", "a5")
PROFILE = "SELECT status, expired_streak FROM mentor_profiles WHERE member_id = ?"


class AnswerModel(ProgrammeMachine):
    """Three mentors of SEO (two places each), six mentees asking for it, answers at any time."""

    engine = "sqlite"
    library: Library

    worker_id = "answers"

    # The programme model's invariants, shared (each runs after every step here too).
    require = Model.require
    mentor_places = Model.mentor_places
    offers = Model.offers
    no_mentor_over_capacity = Model.no_mentor_over_capacity
    counters_match_rows = Model.counters_match_rows
    one_active_mentorship_per_request = Model.one_active_mentorship_per_request
    one_pending_offer_per_request = Model.one_pending_offer_per_request
    no_paused_mentor_holds_an_offer = Model.no_paused_mentor_holds_an_offer

    def __init__(self) -> None:
        super().__init__()
        for name in MENTORS:
            self.run(self.bot.signup(self.who(name), skills="seo", capacity="2"))

    def offers_with(self, status: str) -> list[Any]:
        return self.fetch(
            "SELECT o.id, m.platform_user_id FROM offers o JOIN members m ON m.id = o.mentor_id "
            "WHERE o.status = ? ORDER BY o.id",
            status,
        )

    def answer(self, status: str, pick: int, accepting: bool, reason: str | None) -> None:
        """The mentor of one offer of `status` answers it; the rules on what the answer may do."""
        rows = self.offers_with(status)
        if not rows:
            return
        row = rows[pick % len(rows)]
        offer, name = int(row["id"]), str(row["platform_user_id"])[2:]
        mid = self.member_id(name)
        [before] = self.fetch(PROFILE, mid)
        if accepting:
            self.run(self.bot.accept(self.who(name), offer_id=offer))
        else:
            self.run(self.bot.decline(self.who(name), offer_id=offer, reason=reason))
        [after] = self.fetch(PROFILE, mid)
        [now] = self.fetch("SELECT status FROM offers WHERE id = ?", offer)
        what = f"{name}'s {'accept' if accepting else 'decline'} of {status} offer {offer}"
        if status == "pending":
            allowed = ("accepted", "pending") if accepting else ("declined",)
            self.require(now["status"] in allowed, f"{what} left it {now['status']}")
        else:
            self.require(now["status"] in ("expired", "declined"), f"{what} left it {now['status']}")
        self.require(
            int(after["expired_streak"]) <= int(before["expired_streak"])
            and (after["status"] != "paused" or before["status"] == "paused"),
            f"{what} counted a lapse: {dict(before)} -> {dict(after)}",
        )

    @rule(name=st.sampled_from(MENTEES))
    def request(self, name: str) -> None:
        self.run(self.bot.request(self.who(name), skills="seo"))

    @rule(pick=st.integers(0, 7), accepting=st.booleans())
    def answer_pending(self, pick: int, accepting: bool) -> None:
        self.answer("pending", pick, accepting, "busy this week")

    @rule(pick=st.integers(0, 7), accepting=st.booleans(), reason=st.sampled_from([None, "not this person"]))
    def answer_expired(self, pick: int, accepting: bool, reason: str | None) -> None:
        self.answer("expired", pick, accepting, reason)

    @rule(minutes=st.sampled_from([5, 60, 12 * 60, 47 * 60, 49 * 60]))
    def time_passes(self, minutes: int) -> None:
        """Time passes; the timers have not run yet."""
        self.clock.advance(timedelta(minutes=minutes))

    @rule()
    def timers_run(self) -> None:
        self.run(self.bot.run_due_jobs())

    @rule(pick=st.integers(0, 5), by_mentor=st.booleans())
    def end(self, pick: int, by_mentor: bool) -> None:
        active = self.fetch("SELECT id, mentor_id, mentee_id FROM mentorships WHERE status = 'active' ORDER BY id")
        if active:
            m = active[pick % len(active)]
            who_id = int(m["mentor_id"] if by_mentor else m["mentee_id"])
            [user] = self.fetch("SELECT platform_user_id FROM members WHERE id = ?", who_id)
            self.run(self.bot.end(self.who(str(user["platform_user_id"])[2:]), mentorship_id=int(m["id"])))

    @rule(name=st.sampled_from(MENTORS))
    def resume(self, name: str) -> None:
        self.run(self.bot.resume(self.who(name)))


def _run_answers(engine: str, library: Library, examples: int, steps: int) -> None:
    run_machine(AnswerModel, engine, examples, steps, library=library)


def test_answer_timing_model_sqlite(library: Library) -> None:
    _run_answers("sqlite", library, examples=60, steps=30)


@pytest.mark.postgres
async def test_answer_timing_model_postgresql(library: Library) -> None:
    await require_postgres()
    # The machine runs its own event loop: off this test's.
    await asyncio.to_thread(_run_answers, "postgresql", library, 20, 30)


@pytest.mark.fuzz_heavy
def test_answer_timing_model_heavy(library: Library) -> None:
    if not HEAVY_EXAMPLES:
        pytest.skip("MENTORBOT_FUZZ_EXAMPLES is not set")
    _run_answers("sqlite", library, examples=HEAVY_EXAMPLES, steps=50)
