"""An offer DM posted before a long token outage loses its buttons once its held new version is shown (session 41).

Before: Slack refused the bot token (the app uninstalled, a token revoked) for longer than the retries; the offer's
"expired" version (same key, ``offer:<id>``) could not edit the DM, was retried, then held after its last try, and
shown only in the reply to the mentor's next command (`Delivery.reply_held`): the DM posted before the outage kept
its live Accept / Decline buttons for good. Now the held version carries its key (`Outcome.held_keys`), and the
adapter edits the DM recorded for that key (`message_refs`) into it as it shows it; the reply still shows it. A
failed edit is logged and the reply shown all the same.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest

from mentorbot.models import OfferStatus
from mentorbot.retries import Alarm
from tests.slack.conftest import ALICE, BOB, Workspace, unescape


@pytest.fixture(autouse=True)
def _no_alarm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mentorbot_slack.delivery.TOKEN_ALARM", Alarm())


def buttons(message: dict[str, Any]) -> list[str]:
    return [
        e["action_id"].split(":")[1]
        for b in message.get("blocks", [])
        for e in b.get("elements", [])
        if e.get("type") == "button"
    ]


async def rnd(ws: Workspace, advance: timedelta) -> None:
    ws.clock.advance(advance)
    notes = await ws.bot.run_due_jobs(communities=["slack:"])
    notes += await ws.bot.undelivered(communities=["slack:"])
    if notes:
        await ws.adapter.deliver(notes)
    await ws.settle()


async def offer_expired_during_an_outage(ws: Workspace) -> str:
    """Bob's offer DM posted, then the token refused past the offer's expiry and every retry of its "expired"
    version (held after its last try); the good token, to put back."""
    await ws.mentor(BOB, "signup skills:seo levels:expert")
    await ws.mentor(ALICE, "request skills:seo")
    [dm] = ws.dms(BOB)
    assert "offer.accept" in buttons(dm), "the live offer reached Bob before the outage"
    good = ws.fake.bot_token
    ws.fake.bot_token = "xoxb-refused"  # every call of the adapter's token is refused: invalid_auth
    for _ in range(60):
        await rnd(ws, timedelta(hours=1))
    assert [o.status for o in await ws.bot.store.list_offers()] == [OfferStatus.EXPIRED]
    bob = await ws.member(BOB)
    assert await ws.bot.store.has_held_notices(bob.id), "the expiry was held after its last try"
    [dm] = ws.dms(BOB)
    assert "offer.accept" in buttons(dm), "nothing could edit the DM meanwhile"
    return good


async def test_the_offer_dm_loses_its_buttons_when_its_held_expiry_is_shown(workspace: Workspace) -> None:
    ws = workspace
    good = await offer_expired_during_an_outage(ws)
    ws.fake.bot_token = good
    before = len(ws.seen(BOB))
    await ws.mentor(BOB, "status")
    [dm] = ws.dms(BOB)
    assert buttons(dm) == [], "the offer DM was edited into its held version: no Accept / Decline left"
    assert "expired" in unescape(dm["text"]).lower()
    shown = "\n".join(unescape(s.text or "") for s in ws.seen(BOB)[before:] if s.kind != "update")
    assert "expired" in shown.lower(), "the reply still shows the held notice"
    bob = await ws.member(BOB)
    assert not await ws.bot.store.has_held_notices(bob.id)


async def test_a_failed_edit_is_logged_and_the_reply_still_shows_the_notice(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    ws = workspace
    good = await offer_expired_during_an_outage(ws)
    ws.fake.bot_token = good
    ws.fake.fail_next("chat.update", "message_not_found")
    before = len(ws.seen(BOB))
    with caplog.at_level(logging.WARNING, logger="mentorbot"):
        await ws.mentor(BOB, "status")
    [dm] = ws.dms(BOB)
    assert "offer.accept" in buttons(dm), "the edit was refused"
    shown = "\n".join(unescape(s.text or "") for s in ws.seen(BOB)[before:])
    assert "expired" in shown.lower(), "the reply still shows the held notice"
    assert any("could not update" in r.getMessage() for r in caplog.records)
    bob = await ws.member(BOB)
    assert not await ws.bot.store.has_held_notices(bob.id), "shown, so not held again"
