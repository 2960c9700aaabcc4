"""An Accept clicked in time, acknowledged, and recovered from the inbox after a crash and a long outage is applied
(session 34's outage hunt): the click counts as made when it was recorded (`Caller.answered_at`, set by
`SlackAdapter.recover`), and the offer's expiry waits for it (`OfferStore.expire_offer`), whether the restarted
process runs its timers or its recovery first. Before: the offer expired "without an answer" and the request went
to the next mentor."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mentorbot.models import OfferStatus, RequestStatus
from mentorbot_slack.adapter import SlackAdapter
from tests.slack.conftest import ALICE, BOB, DAVE, EN, Workspace, offered, unescape
from tests.slack.test_inbox import _die_after_ack


async def _restart_after(ws: Workspace, outage: timedelta, *, timers_first: bool) -> SlackAdapter:
    """The bot is down `outage`; the process that comes back runs its timers and its recovery in either order,
    then delivers what the dead process left in the outbox."""
    ws.clock.advance(outage)
    restarted = SlackAdapter(ws.bot, ws.bot.settings)
    if timers_first:
        await restarted.deliver(await ws.bot.run_due_jobs())
    await restarted.recover()
    await restarted.idle()
    if not timers_first:
        await restarted.deliver(await ws.bot.run_due_jobs())
    await restarted.deliver(await ws.bot.undelivered())
    return restarted


@pytest.mark.parametrize("timers_first", [False, True], ids=["recovery-first", "timers-first"])
async def test_an_accept_clicked_in_time_is_honoured_after_an_outage(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, timers_first: bool
) -> None:
    """Bob clicks Accept 47 h into his 48 h offer; Slack gets its 200 (the click is in the inbox) and the process
    dies before working on it. The bot is down 3 days. Bob mentors Alice; nobody is told the offer expired, and
    Dave is offered nothing."""
    ws = workspace
    offer = await offered(ws)
    ws.clock.advance(timedelta(hours=47))
    _die_after_ack(ws.adapter, monkeypatch)
    await ws.click(BOB, offer, "offer.accept")
    monkeypatch.undo()
    restarted = await _restart_after(ws, timedelta(days=3), timers_first=timers_first)
    try:
        got = await ws.bot.store.get_offer(1)
        assert got is not None and got.status is OfferStatus.ACCEPTED, "an accept made in time was refused"
        request = await ws.bot.store.get_request(1)
        assert request is not None and request.status is RequestStatus.MATCHED
        bob = [unescape(m.text or "") for m in ws.seen(BOB)]
        assert not any("expired" in text for text in bob), bob
        assert any(text.startswith(EN("offer.accepted", id=1)) or EN("offer.accepted", id=1) in text for text in bob)
        assert len(ws.dms(DAVE)) == 0, "Dave was offered the request Bob had accepted"
        assert any("mentor" in unescape(m.text or "") for m in ws.seen(ALICE, kind="dm"))
    finally:
        await restarted.aclose()


async def test_an_accept_clicked_after_the_deadline_and_recovered_is_still_late(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The record time decides both ways: a click recorded after the deadline is a late answer."""
    ws = workspace
    offer = await offered(ws)
    ws.clock.advance(timedelta(hours=48, minutes=1))
    _die_after_ack(ws.adapter, monkeypatch)
    await ws.click(BOB, offer, "offer.accept")
    monkeypatch.undo()
    restarted = await _restart_after(ws, timedelta(hours=1), timers_first=True)
    try:
        got = await ws.bot.store.get_offer(1)
        assert got is not None and got.status is OfferStatus.EXPIRED
    finally:
        await restarted.aclose()
