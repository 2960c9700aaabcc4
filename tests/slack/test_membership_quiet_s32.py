"""Slack's membership lookups (`mentorbot_slack.membership`) go quiet after an answer that tells nothing: while
Slack rate-limits (or does not answer), a batch of offers waits for one lookup's time limit, not one per offer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError

from mentorbot.clock import ManualClock
from mentorbot_slack.membership import QUIET_AFTER_UNKNOWN, QUIET_MAX, Lookup, Membership


class _Answer:
    def __init__(self, data: dict[str, Any], status: int, headers: dict[str, str]) -> None:
        self.data, self.status_code, self.headers = data, status, headers


class _Slack:
    """users.info answering what the test queues: a rate limit, or a user."""

    def __init__(self) -> None:
        self.calls = 0
        self.retry_after: str | None = None

    async def users_info(self, *, user: str) -> dict[str, Any]:
        self.calls += 1
        if self.retry_after is not None:
            answer = _Answer({"ok": False, "error": "ratelimited"}, 429, {"Retry-After": self.retry_after})
            raise SlackApiError("ratelimited", answer)  # type: ignore[no-untyped-call]
        return {"ok": True, "user": {"id": user, "deleted": False}}


async def test_after_a_rate_limit_lookups_are_not_asked_until_the_quiet_ends() -> None:
    clock = ManualClock(datetime(2026, 12, 6, 9, 0, tzinfo=UTC))
    slack = _Slack()
    membership = Membership(slack, clock)  # type: ignore[arg-type]
    slack.retry_after = "1"
    assert await membership.lookup("U1") is Lookup.UNKNOWN
    assert [await membership.lookup(f"U{i}") for i in range(2, 12)] == [Lookup.UNKNOWN] * 10
    assert slack.calls == 1, "one lookup asked; the ten others answered unknown at once"
    slack.retry_after = None
    clock.advance(QUIET_AFTER_UNKNOWN - timedelta(seconds=1))
    assert await membership.lookup("U2") is Lookup.UNKNOWN and slack.calls == 1
    clock.advance(timedelta(seconds=2))
    assert await membership.lookup("U2") is Lookup.MEMBER and slack.calls == 2


async def test_a_longer_retry_after_is_honoured_up_to_the_cap() -> None:
    clock = ManualClock(datetime(2026, 12, 6, 9, 0, tzinfo=UTC))
    slack = _Slack()
    membership = Membership(slack, clock)  # type: ignore[arg-type]
    slack.retry_after = "120"
    assert await membership.lookup("U1") is Lookup.UNKNOWN
    slack.retry_after = None
    clock.advance(timedelta(seconds=60))
    assert await membership.lookup("U1") is Lookup.UNKNOWN and slack.calls == 1
    clock.advance(timedelta(seconds=61))
    assert await membership.lookup("U1") is Lookup.MEMBER and slack.calls == 2
    slack.retry_after = "86400"  # a day: capped
    assert await membership.lookup("U9", fresh=True) is Lookup.UNKNOWN
    slack.retry_after = None
    clock.advance(QUIET_MAX + timedelta(seconds=1))
    assert await membership.lookup("U9") is Lookup.MEMBER


async def test_a_member_kept_is_still_a_member_during_the_quiet() -> None:
    clock = ManualClock(datetime(2026, 12, 6, 9, 0, tzinfo=UTC))
    slack = _Slack()
    membership = Membership(slack, clock)  # type: ignore[arg-type]
    assert await membership.lookup("U1") is Lookup.MEMBER
    slack.retry_after = "5"
    assert await membership.lookup("U2") is Lookup.UNKNOWN
    assert await membership.lookup("U1") is Lookup.MEMBER, "kept for five minutes, quiet or not"
