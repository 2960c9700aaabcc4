"""users.info's answers about one user (`mentorbot_slack.membership`): an error about that user alone, such as
``user_not_visible`` (a Slack Connect member the bot may not see), says nothing about anyone else. Before, it was
taken like a rate limit: every lookup went quiet for 30 seconds, so right after it a deactivated member's lookup
answered "unknown" without asking Slack, and their offer went out. Lookups go quiet only while Slack rate-limits,
fails on its side (5xx) or cannot be reached."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError

from mentorbot.clock import ManualClock
from mentorbot.models import RequestStatus
from mentorbot_slack.membership import Lookup, Membership
from tests.slack.conftest import ALICE, BOB, Workspace
from tests.slack.test_leavers_s32 import live_offers, requests_of, timer_round, users_info_about


class _Answer:
    def __init__(self, data: dict[str, Any], status: int, headers: dict[str, str] | None = None) -> None:
        self.data, self.status_code, self.headers = data, status, headers or {}


class _Slack:
    """users.info answering, per user id, an error code (with its HTTP status), an exception, or the user."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    async def users_info(self, *, user: str) -> dict[str, Any]:
        self.asked.append(user)
        answer = self.answers.get(user, {"deleted": False})
        if isinstance(answer, tuple):
            error, status = answer
            raise SlackApiError(error, _Answer({"ok": False, "error": error}, status))  # type: ignore[no-untyped-call]
        if isinstance(answer, BaseException):
            raise answer
        if answer == "slow":
            await asyncio.sleep(1)
        return {"ok": True, "user": {"id": user, "deleted": answer == "deleted"}}


def membership(slack: _Slack) -> Membership:
    clock = ManualClock(datetime(2026, 12, 6, 9, 0, tzinfo=UTC))
    return Membership(slack, clock, timeout=0.05)  # type: ignore[arg-type]


@pytest.mark.parametrize("error", ["user_not_visible", "too_many_users", "missing_scope", "invalid_auth"])
async def test_an_error_slack_answers_at_once_leaves_the_next_lookups_asked(error: str) -> None:
    slack = _Slack({"UEXT": (error, 200), "ULEFT": "deleted"})
    lookups = membership(slack)
    assert await lookups.lookup("UEXT") is Lookup.UNKNOWN, "nobody is taken for gone on it"
    assert await lookups.lookup("ULEFT") is Lookup.GONE, "a deactivated member right after is asked and found gone"
    assert await lookups.lookup("UHOME") is Lookup.MEMBER
    assert slack.asked == ["UEXT", "ULEFT", "UHOME"]
    assert await lookups.lookup("UEXT") is Lookup.UNKNOWN and slack.asked[-1] == "UEXT", "asked again next time"


@pytest.mark.parametrize(
    "failure",
    [
        ("ratelimited", 429),
        ("internal_error", 500),
        ("service_unavailable", 503),
        ("fatal_error", 200),
        aiohttp.ClientConnectionError("refused"),
        "slow",
    ],
    ids=["429", "500", "503", "fatal_error", "network", "time limit"],
)
async def test_a_rate_limit_a_failure_of_slack_or_the_network_still_quiets_the_lookups(failure: Any) -> None:
    slack = _Slack({"U1": failure, "ULEFT": "deleted"})
    lookups = membership(slack)
    assert await lookups.lookup("U1") is Lookup.UNKNOWN
    assert await lookups.lookup("ULEFT") is Lookup.UNKNOWN
    assert slack.asked == ["U1"], "one lookup waited for; the next answered at once"


async def test_user_not_found_is_still_a_member_gone() -> None:
    slack = _Slack({"UGONE": ("user_not_found", 200)})
    lookups = membership(slack)
    assert await lookups.lookup("UGONE") is Lookup.GONE
    assert await lookups.lookup("UHOME") is Lookup.MEMBER and slack.asked == ["UGONE", "UHOME"]


async def test_a_mentor_slack_does_not_show_leaves_the_next_lookup_of_a_deactivated_mentee_asked(
    workspace: Workspace,
) -> None:
    """Through the adapter: the offer of Alice's request to Bob asks users.info about Bob (``user_not_visible``:
    unknown, so the offer may go), then about Alice, whose account was deactivated (the event missed): she is
    found gone, her request cancelled, and Bob gets no offer of it."""
    ws = workspace
    await ws.mentor(ALICE, "help")  # her users.info facts are read now, not with her request
    await ws.mentor(BOB, "signup skills:seo levels:expert")
    ws.fake.deactivate(ALICE)  # its user_change never reaches the bot
    ws.fake.fail_next("users.info", "user_not_visible")
    asked = users_info_about(ws, ALICE)
    await ws.mentor(ALICE, "request skills:seo")
    await timer_round(ws)
    assert users_info_about(ws, ALICE) > asked, "Slack was asked about Alice"
    assert live_offers(ws, BOB) == [], "no Accept button for a deactivated member's request"
    assert await requests_of(ws, ALICE) == [RequestStatus.CANCELLED]
