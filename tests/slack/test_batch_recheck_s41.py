"""Session 41's ordering hunt, on Slack: a timer round's batch, claimed, and a member's command before the batch
reaches one of its rows. Before, the batch sent every row as claimed: the stale version went out after the newer
one and, the newer one having recorded where its message is, edited it back (a withdrawal edited back into a live
offer, an ended mentorship's notice into a live check-in); a mentee was told "offered" after "cancelled" or after the
introduction. Now `Delivery._notify_one` asks, right before its Slack call, whether the row is still this batch's to
send (`app.still_to_send`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.slack.conftest import ALICE, BOB, DAVE, EN, Workspace, offered, unescape
from tests.slack.test_retries import bot  # noqa: F401  (three tries)


def actions(message: dict[str, Any]) -> list[str]:
    return [
        e["action_id"] for b in message.get("blocks", []) for e in b.get("elements", []) if e.get("type") == "button"
    ]


def live(messages: list[dict[str, Any]], action: str) -> list[str]:
    """The texts of `messages` that still carry a button of `action` (``offer.accept``, ``checkin.ok``)."""
    return [unescape(str(m["text"]))[:80] for m in messages if any(f"mentorbot:{action}" in a for a in actions(m))]


OFFERED = EN("request.now_offered", id=1).split(":")[0]
"""How "a mentor has just been offered your request #1" starts."""


def offered_told(ws: Workspace, user: str, since: int) -> list[str]:
    return [t for t in ws.texts(user)[since:] if t.startswith(OFFERED)]


async def test_a_retried_offer_in_a_batch_does_not_overwrite_its_withdrawal(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo")
    ws.fake.fail_next("chat.postMessage", "service_unavailable", status=503)
    await ws.mentor(ALICE, "request skills:seo")
    assert ws.dms(BOB) == []
    ws.clock.advance(timedelta(minutes=2))
    batch = await ws.bot.undelivered(communities=["slack:"])  # the timer loop's round: the offer's retry
    assert [n.key for n in batch] == ["offer:1"]
    await ws.mentor(ALICE, "cancel")  # meanwhile: the offer withdrawn, its new version sent at once
    await ws.adapter.deliver(batch)
    [dm] = ws.dms(BOB)
    assert unescape(str(dm["text"])).startswith(EN("offer.withdrawn", id=1).split(":")[0]), dm["text"]
    assert not live(ws.dms(BOB), "offer.accept")
    assert [m.kind for m in ws.seen(BOB) if m.kind in ("dm", "update")] == ["dm"], "no edit back into the offer"


async def test_a_rounds_offer_to_the_next_mentor_is_not_sent_after_the_cancel(workspace: Workspace) -> None:
    ws = workspace
    await offered(ws)
    ws.clock.advance(timedelta(days=3))
    batch = await ws.bot.run_due_jobs(communities=["slack:"])  # offer 1 expires, handed on to Dave (offer 2)
    assert "offer:2" in [n.key for n in batch]
    await ws.mentor(ALICE, "cancel")
    await ws.adapter.deliver(batch)
    assert not live(ws.dms(DAVE), "offer.accept"), "Dave's offer of a cancelled request"


async def test_the_mentee_is_not_told_offered_after_cancelling(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo")
    await ws.mentor(BOB, "pause 1d")
    await ws.mentor(ALICE, "request skills:seo")
    ws.clock.advance(timedelta(days=2))
    batch = await ws.bot.run_due_jobs(communities=["slack:"], sweep=True)  # the pause ends, the request is offered
    assert {"offer:1", "request:1:offer:1"} <= {n.key for n in batch}
    since = len(ws.texts(ALICE))
    await ws.mentor(ALICE, "cancel")
    await ws.adapter.deliver(batch)
    assert not offered_told(ws, ALICE, since)
    assert not live(ws.dms(BOB), "offer.accept")
    assert any(t.startswith(EN("resume.automatic").split(":")[0]) for t in ws.texts(BOB)), "the rest still goes"


async def test_an_offer_accepted_before_its_batch_reaches_it_is_not_sent(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo")
    await ws.mentor(BOB, "pause 1d")
    await ws.mentor(ALICE, "request skills:seo")
    ws.clock.advance(timedelta(days=2))
    batch = await ws.bot.run_due_jobs(communities=["slack:"], sweep=True)
    since = len(ws.texts(ALICE))
    await ws.mentor(BOB, "accept 1")  # typed (or from the App Home) before the offer's DM went out
    await ws.adapter.deliver(batch)
    assert not live(ws.dms(BOB), "offer.accept"), "a live offer after the introduction"
    assert not offered_told(ws, ALICE, since), "offered after the introduction"


async def test_an_ended_mentorships_notice_is_not_edited_back_into_a_check_in(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo")
    await ws.mentor(ALICE, "request skills:seo")
    await ws.mentor(BOB, "accept 1")
    ws.clock.advance(timedelta(days=15))
    batch = await ws.bot.run_due_jobs(communities=["slack:"])
    assert [n.key for n in batch] == ["checkin:1", "checkin:1"]
    await ws.mentor(BOB, "end 1 rating:5")
    await ws.adapter.deliver(batch)
    assert not live(ws.dms(ALICE), "checkin."), "Alice's check-in, live, after the end"
    assert not live(ws.dms(BOB), "checkin."), "Bob's check-in, live, after he ended it"
    assert any(m.kind == "dm" and "ended" in (m.text or "") for m in ws.seen(ALICE)), "Alice is told it ended"
