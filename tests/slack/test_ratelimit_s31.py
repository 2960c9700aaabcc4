"""Session 31: a command, click or form submission over the member's rate limit writes nothing on Slack.

Before: the adapter recorded every interaction in the inbox (one write transaction) before the core checked the
limit, then marked it done (a second one): ten commands under a limit of 3 left ten inbox rows, so the limit did
not protect the database (SQLite has one writer) from a scripted flood. Now the adapter asks the core first
(`MentorBot.admit`, which takes no token) and answers a refusal at once, with nothing recorded.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from mentorbot.models import RequestStatus
from mentorbot.ratelimit import RateLimiter
from tests.slack.conftest import (
    ACK,
    ALICE,
    BOB,
    COMMUNITY,
    EN,
    SW,
    Workspace,
    offered,
    skills_state,
    text_state,
    unescape,
)

REFUSAL = "going a bit fast"


async def inbox_rows(ws: Workspace) -> int:
    """How many interactions the inbox holds (done or not)."""
    async with ws.bot.store.db.read() as conn:
        row = await conn.fetch_one("SELECT COUNT(*) AS n FROM inbox")
    assert row is not None
    return int(row["n"])


def refusals(ws: Workspace, user: str) -> list[str]:
    return [t for t in ws.texts(user) if REFUSAL in t or "Unaenda kwa kasi" in t]


async def test_commands_over_the_limit_write_no_inbox_row(workspace: Workspace) -> None:
    ws = workspace
    ws.bot.rate_limiter = RateLimiter(3, ws.clock)
    for _ in range(10):
        await ws.mentor(ALICE, "request skills:seo note:" + "x" * 400)
    assert await inbox_rows(ws) == 3, "only the three commands the limit lets through are recorded"
    refused = refusals(ws, ALICE)
    assert len(refused) == 7
    assert refused[-1] == EN("common.rate_limited", count=20)
    acks = [unescape(m.text or "") for m in ws.seen(ALICE, kind=ACK)]
    assert acks == refused, "each refusal is the command's acknowledgement"
    assert ws.bot.rate_limiter.check(f"{COMMUNITY}:{ALICE}") is not None, "the three took a token each, no more"


async def test_a_member_under_the_limit_is_counted_once_per_command(workspace: Workspace) -> None:
    """The adapter's question takes no token: the use-case takes the one token of the command, as before."""
    ws = workspace
    ws.bot.rate_limiter = RateLimiter(3, ws.clock)
    for _ in range(3):
        await ws.mentor(ALICE, "help")
    assert refusals(ws, ALICE) == [], "three commands under a limit of three are all answered"
    await ws.mentor(ALICE, "help")
    assert len(refusals(ws, ALICE)) == 1
    assert await inbox_rows(ws) == 3


async def test_a_concurrent_flood_records_no_more_than_the_limit(workspace: Workspace) -> None:
    """Ten commands sent at once: each is asked about before any of them ran, so the ones let through are counted
    as they are let through (not only once their use-case takes its token)."""
    ws = workspace
    ws.bot.rate_limiter = RateLimiter(3, ws.clock)
    name = ws.fake.users[ALICE].name
    sent = [ws.slack.slash_command(command="/mentor", text="help", user_id=ALICE, user_name=name) for _ in range(10)]
    responses = await asyncio.gather(*sent)
    await ws.settle()
    assert all(r.status == 200 for r in responses)
    assert await inbox_rows(ws) == 3
    assert len(refusals(ws, ALICE)) == 7


async def test_the_refusal_is_in_the_members_language(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(ALICE, "language sw")
    ws.bot.rate_limiter = RateLimiter(1, ws.clock)
    await ws.mentor(ALICE, "help")
    await ws.mentor(ALICE, "help")
    assert ws.texts(ALICE)[-1] == SW("common.rate_limited", count=60)


async def test_clicks_over_the_limit_write_no_inbox_row(workspace: Workspace) -> None:
    ws = workspace
    offer = await offered(ws)
    before = await inbox_rows(ws)
    ws.bot.rate_limiter = RateLimiter(2, ws.clock)
    await ws.mentor(BOB, "help")
    await ws.mentor(BOB, "help")
    for _ in range(3):
        await ws.click(BOB, offer, "offer.accept")
    assert await inbox_rows(ws) == before + 2, "the clicks over the limit are not recorded"
    assert await ws.bot.store.list_mentorships() == [], "nothing was accepted"
    refusal = ws.last(BOB)
    assert refusal.kind == "response_url" and refusal.raw["response_type"] == "ephemeral"
    assert unescape(refusal.text or "") == EN("common.rate_limited", count=30)
    assert len(refusals(ws, BOB)) == 3
    assert ws.calls("chat.update") == [], "the offer's message keeps its buttons"
    ws.clock.advance(timedelta(seconds=30))
    await ws.click(BOB, offer, "offer.accept")
    assert len(await ws.bot.store.list_mentorships()) == 1, "once the bucket refills, the click is taken"
    assert await inbox_rows(ws) == before + 3


async def test_form_submissions_over_the_limit_write_no_inbox_row(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo levels:expert")
    await ws.mentor(ALICE, "request")
    view: dict[str, Any] = ws.fake.modals_of(ALICE)[-1].view
    before = await inbox_rows(ws)
    ws.bot.rate_limiter = RateLimiter(1, ws.clock)
    await ws.mentor(ALICE, "help")
    seen = len(ws.seen(ALICE))
    for _ in range(4):
        response = await ws.submit(ALICE, view, {"skills": skills_state("seo"), "note": text_state("hi")})
        assert response.status == 200
        assert response.json() == {
            "response_action": "errors",
            "errors": {"skills": EN("common.rate_limited", count=60)},
        }, "the form stays open with the refusal on its first field"
    assert await inbox_rows(ws) == before + 1, "only the help was recorded"
    assert len(ws.seen(ALICE)) == seen, "the refusal is shown in the form only"
    assert await ws.bot.store.list_requests(None, list(RequestStatus)) == []


async def test_the_options_loads_still_have_their_own_bucket(workspace: Workspace) -> None:
    """Typing in a form does not use up commands, and commands over the limit do not stop the picker."""
    ws = workspace
    await ws.mentor(ALICE, "request")
    view = ws.fake.modals_of(ALICE)[-1].view
    ws.bot.rate_limiter = RateLimiter(1, ws.clock)
    await ws.mentor(ALICE, "help")
    loaded = await ws.slack.block_suggestion(value="seo", private_metadata=view["private_metadata"], user_id=ALICE)
    assert loaded.status == 200
    answer = loaded.json()
    options = answer.get("options") or [o for g in answer.get("option_groups", []) for o in g["options"]]
    assert "seo" in [o["value"] for o in options]
