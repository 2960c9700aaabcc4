"""Session 40 (long-run hunt): the adapters' "still a member" caches hold at most `KEPT_MAX` answers, at a constant
cost each.

Each rebuilt the whole cache, dropping only the answers older than its time to live, whenever it held `KEPT_MAX`
(10,000): with more members than that seen within five minutes (on Slack, every ``user_change`` of the workspace is
one: an admin's bulk profile change, a directory sync) nothing was dropped, every later answer walked the whole
cache again on the event loop (10,000 more took 31 s here, blocking acknowledgements and the Socket Mode heartbeat),
and the cap held nothing. The oldest answer kept now goes first: one more lookup for that member, at most."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from mentorbot.clock import ManualClock

START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_slack_keeps_at_most_its_cap_at_a_constant_cost() -> None:
    from mentorbot_slack.membership import KEPT_MAX, Lookup, Membership

    membership = Membership(None, ManualClock(START))  # type: ignore[arg-type]
    began = time.perf_counter()
    for n in range(3 * KEPT_MAX):
        assert membership.saw({"id": f"U{n}", "deleted": False}) is Lookup.MEMBER
    assert time.perf_counter() - began < 2.0
    assert len(membership._seen) == KEPT_MAX
    assert f"U{3 * KEPT_MAX - 1}" in membership._seen and "U0" not in membership._seen, "the oldest went first"


def test_discord_keeps_at_most_its_cap_at_a_constant_cost() -> None:
    from mentorbot_discord.membership import KEPT_MAX, Membership

    membership = Membership(None, ManualClock(START))  # type: ignore[arg-type]
    began = time.perf_counter()
    for n in range(3 * KEPT_MAX):
        membership._keep((1, n), START)
    assert time.perf_counter() - began < 2.0
    assert len(membership._seen) == KEPT_MAX
    assert (1, 3 * KEPT_MAX - 1) in membership._seen and (1, 0) not in membership._seen


def test_a_member_seen_again_is_kept_as_the_newest() -> None:
    from mentorbot_discord.membership import KEPT_MAX, Membership

    membership = Membership(None, ManualClock(START))  # type: ignore[arg-type]
    for n in range(KEPT_MAX):
        membership._keep((1, n), START)
    membership._keep((1, 0), START)  # seen again: not the oldest any more
    membership._keep((1, KEPT_MAX), START)
    assert (1, 0) in membership._seen and (1, 1) not in membership._seen
