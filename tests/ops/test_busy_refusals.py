"""Interactions refused as busy (``MENTORBOT_MAX_INFLIGHT``): every one counted in the metric, the log told at
most once per interval (when refusals begin, then how many were refused since its last line, then that the busy
spell is over)."""

from __future__ import annotations

import logging

import pytest

from mentorbot.observability import REGISTRY, BusyRefusals

LOGGER = "mentorbot.test.busy"


def _count() -> float:
    return REGISTRY.get_sample_value("mentorbot_busy_refusals_total", {"platform": "slack"}) or 0.0


def test_a_busy_spell_is_counted_in_full_and_logged_once_per_interval(caplog: pytest.LogCaptureFixture) -> None:
    now = [100.0]
    refusals = BusyRefusals("slack", logging.getLogger(LOGGER), every=10.0, clock=lambda: now[0])
    before = _count()
    caplog.set_level(logging.INFO, LOGGER)
    for i in range(1_000):  # a burst over 5 seconds, accepting one in ten near the limit: no line for either
        if i % 10:
            refusals.refused(in_flight=200, limit=200)
        else:
            refusals.accepting(in_flight=199)
        now[0] += 0.005
    assert _count() - before == 900, "the metric counts every refusal"
    assert caplog.messages == [
        "200 Slack interactions in flight (MENTORBOT_MAX_INFLIGHT=200): refusing new ones until there are fewer"
    ]
    now[0] = 111.0  # the interval has passed: the next refusal says how many were refused since
    refusals.refused(in_flight=200, limit=200)
    assert caplog.messages[1] == (
        "200 Slack interactions in flight (MENTORBOT_MAX_INFLIGHT=200): 900 refused since the last of these lines "
        "(11 s ago)"
    )
    refusals.refused(in_flight=200, limit=200)
    now[0] = 125.0  # accepted again after the interval: the spell is over, and its last refusal is told
    refusals.accepting(in_flight=150)
    assert caplog.messages[2] == (
        "150 Slack interactions in flight: accepting again; 1 refused since the last of these lines (14 s ago)"
    )
    refusals.accepting(in_flight=150)
    now[0] = 3_700.0  # an hour later a new burst begins: told as a beginning, not as part of the last one
    refusals.refused(in_flight=200, limit=200)
    assert caplog.messages[3].endswith("refusing new ones until there are fewer")
    assert len(caplog.messages) == 4
    assert _count() - before == 903


def test_a_spell_whose_refusals_were_all_told_ends_quietly(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    refusals = BusyRefusals("slack", logging.getLogger(LOGGER), every=10.0, clock=lambda: now[0])
    caplog.set_level(logging.WARNING, LOGGER)
    refusals.refused(in_flight=5, limit=5)
    now[0] = 30.0
    refusals.accepting(in_flight=1)
    assert len(caplog.messages) == 1, "nothing refused since the first line: no warning for the spell's end"
