"""A place kept for a mentor's second overdue expiry, taken by a request handed on in the same timer round
(found by session 35's heavy programme model; fixed in session 36).

The heavy programme model (``MENTORBOT_FUZZ_EXAMPLES=400 -m fuzz_heavy tests/usecases/test_programme_model.py``) found
this sequence: in one timer round, mentor m2's offer expired while another of m2's offers was overdue too, so its
freed place was kept from the waiting requests (the other expiry might pause m2); then another mentor's expired
offer handed its request on, and that request took m2's kept place ahead of an older waiting request m2 could have
had ("fairness: offer 38 of request 9 went to mentor 2 while the older request 8 waits"). It failed on session 34's
and 35's code. A first fix (offer nothing new to a mentor holding an overdue offer) was not kept: with two processes
expiring offers at once, each left its handed-on request waiting for the sweep
(`tests/usecases/test_timers_s31.py::test_two_expiries_in_two_processes_both_pass_their_request_on`). Now a mentor's
overdue offers expire together, in the first one's unit (`usecases.expiry.expire_offer`), and their freed places go
to the oldest waiting requests at once when no expiry paused them: no place is kept across units."""

from __future__ import annotations

from mentorbot.library import Library
from tests.usecases.test_programme_model import Model

FOUND = [
    "state.request(name='a3', skills=('seo', 'copywriting'))",
    "state.request(name='a3', skills=('seo',))",
    "state.time_passes(hours=1)",
    "state.signup(capacity=2, name='m2', skills=('seo', 'copywriting'))",
    "state.time_passes(hours=49)",
    "state.time_passes(hours=80)",
    "state.time_passes(hours=24)",
    "state.time_passes(hours=24)",
    "state.signup(capacity=3, name='m0', skills=('seo',))",
    "state.time_passes(hours=49)",
    "state.signup(capacity=3, name='m1', skills=('seo',))",
    "state.signup(capacity=3, name='m0', skills=('seo',))",
    "state.request(name='a2', skills=('seo',))",
    "state.signup(capacity=1, name='m0', skills=('seo',))",
    "state.request(name='a3', skills=('seo', 'copywriting'))",
    "state.time_passes(hours=1)",
    "state.time_passes(hours=12)",
    "state.time_passes(hours=1)",
    "state.time_passes(hours=1)",
    "state.time_passes(hours=49)",
    "state.signup(capacity=1, name='m1', skills=('seo', 'copywriting'))",
    "state.time_passes(hours=80)",
    "state.time_passes(hours=80)",
    "state.signup(capacity=3, name='m2', skills=('copywriting',))",
    "state.time_passes(hours=1)",
    "state.request(name='a2', skills=('seo',))",
    "state.request(name='a0', skills=('copywriting',))",
    "state.signup(capacity=2, name='m0', skills=('seo',))",
    "state.signup(capacity=2, name='m2', skills=('seo', 'copywriting'))",
    "state.request(name='a0', skills=('seo', 'copywriting'))",
    "state.request(name='a3', skills=('seo', 'copywriting'))",
    "state.signup(capacity=1, name='m0', skills=('copywriting',))",
    "state.time_passes(hours=24)",
    "state.signup(capacity=1, name='m2', skills=('seo',))",
    "state.request(name='a1', skills=('seo', 'copywriting'))",
    "state.request(name='a3', skills=('seo', 'copywriting'))",
    "state.request(name='a3', skills=('copywriting',))",
    "state.request(name='a3', skills=('seo',))",
    "state.request(name='a3', skills=('copywriting',))",
    "state.time_passes(hours=12)",
    "state.time_passes(hours=49)",
    "state.signup(capacity=2, name='m2', skills=('seo',))",
    "state.time_passes(hours=24)",
    "state.time_passes(hours=24)",
    "state.request(name='a1', skills=('seo',))",
    "state.request(name='a1', skills=('seo',))",
    "state.request(name='a3', skills=('seo',))",
    "state.request(name='a3', skills=('copywriting',))",
    "state.request(name='a4', skills=('seo',))",
    "state.time_passes(hours=49)",
    "state.time_passes(hours=80)",
    "state.time_passes(hours=1)",
    "state.request(name='a3', skills=('seo', 'copywriting'))",
    "state.time_passes(hours=80)",
]
"""The sequence as hypothesis printed it (not shrunk further: each step's state is the model's own)."""


def test_the_heavy_models_sequence_keeps_oldest_first(library: Library) -> None:
    class Machine(Model):
        pass

    Machine.engine = "sqlite"
    Machine.library = library
    state = Machine()
    try:
        for step in FOUND:
            eval(step, {"state": state})  # the model's own rules, each with its fairness check
            state.no_mentor_over_capacity()
            state.counters_match_rows()
            state.one_pending_offer_per_request()
            state.liveness()
    finally:
        state.teardown()
