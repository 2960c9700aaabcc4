"""The Slack app uninstalled from a workspace (session 41, reproductions under /tmp/hunt/uninstall/slack).

Before: an offer Bob had when the app was uninstalled (he could answer nothing: Slack sends an uninstalled app no
click) expired as a counted lapse (his streak up, a row of ``offer_lapses``); and an offer held meanwhile was never
sent once the app worked again: the request stalled until the deadline. Now ``app_uninstalled`` /
``tokens_revoked`` records the outage (`MentorBot.community_lost`), and a process started with a working token ends
it (`SlackAdapter.confirm_installed`, run by `SlackAdapter.running`), sending the offers held meanwhile.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from mentorbot.models import OfferStatus
from mentorbot.retries import Alarm
from tests.fakes.slack_signing import event_callback
from tests.slack.conftest import ALICE, BOB, Workspace, unescape


async def rnd(ws: Workspace, advance: timedelta) -> None:
    ws.clock.advance(advance)
    notes = await ws.bot.run_due_jobs(communities=["slack:"])
    notes += await ws.bot.undelivered(communities=["slack:"])
    if notes:
        await ws.adapter.deliver(notes)
    await ws.settle()


async def uninstall(ws: Workspace) -> str:
    """Slack says the app was uninstalled, and refuses its token from then on; the good token, to put back."""
    response = await ws.send(event_callback({"type": "app_uninstalled", "event_ts": "1700000000.000100"}))
    assert response.status == 200
    await ws.settle()
    good = ws.fake.bot_token
    ws.fake.bot_token = "xoxb-new-install"
    return good


@pytest.fixture(autouse=True)
def _no_alarm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mentorbot_slack.delivery.TOKEN_ALARM", Alarm())


async def test_an_offer_open_while_the_app_was_uninstalled_is_no_lapse(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo levels:expert")
    await ws.mentor(ALICE, "request skills:seo")
    assert len(ws.dms(BOB)) == 1, "the offer reached Bob before the app was uninstalled"
    await uninstall(ws)
    for _ in range(50):
        await rnd(ws, timedelta(hours=1))
    bob = await ws.member(BOB)
    profile = await ws.bot.store.get_mentor_profile(bob.id)
    assert profile is not None and profile.expired_streak == 0
    async with ws.bot.store.read() as conn:
        assert await conn.fetch_all("SELECT * FROM offer_lapses") == []
    assert (await ws.bot.store.list_offers())[0].status is OfferStatus.EXPIRED


async def test_reinstalled_the_offer_held_meanwhile_goes_out(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo levels:expert")
    await ws.mentor(ALICE, "status")
    good = await uninstall(ws)
    await ws.mentor(ALICE, "request skills:seo")
    for _ in range(18):
        await rnd(ws, timedelta(minutes=10))
    assert ws.dms(BOB) == []
    ws.fake.bot_token = good  # reinstalled, and the process started again with a token Slack takes
    async with ws.adapter.running(timers=False):
        await ws.settle()
        await rnd(ws, timedelta(seconds=1))
    [offer] = ws.dms(BOB)
    assert "offer #1" in unescape(offer["text"]).lower()
    assert any(b.get("type") == "actions" for b in offer.get("blocks", [])), "the live offer, with its buttons"
    assert [o.status for o in await ws.bot.store.list_offers()] == [OfferStatus.PENDING]
