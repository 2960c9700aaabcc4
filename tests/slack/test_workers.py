"""Several Slack workers over one database (issue 12, point 2): the offer DM one worker posted is edited, not posted
again, when another worker (or the same one restarted) expires the offer or the mentor accepts through it.

Each worker is a `MentorBot` on its own `Store` over the same SQLite file and its own `SlackAdapter` served on
loopback, all against the one fake Slack: what the fake's Web API saw is what the member saw.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from mentorbot.bot import MentorBot
from mentorbot.library import Library
from mentorbot_slack.adapter import SlackAdapter
from tests.conftest import store_on_same_database
from tests.fakes.slack_http_app import SlackClient
from tests.fakes.slack_ids import SIGNING_SECRET
from tests.fakes.slack_web_api import start_loopback_site
from tests.slack.conftest import BOB, EN, Workspace, home_click, offered, record_acks, unescape


@asynccontextmanager
async def another_worker(ws: Workspace, library: Library, name: str) -> AsyncIterator[Workspace]:
    """A second worker process: its own store over `ws`'s database, its own bot and adapter, the same fake Slack."""
    store = store_on_same_database(ws.bot.store)
    await store.open(ws.clock.now())
    bot = MentorBot(store, library, ws.bot.settings, ws.clock, worker_id=name)
    adapter = SlackAdapter(bot, bot.settings)
    app = adapter.web_app()
    app.middlewares.append(record_acks(ws.fake))
    runner, base_url = await start_loopback_site(app)
    slack = SlackClient(base_url + "/slack/events", signing_secret=SIGNING_SECRET, fake=ws.fake)
    try:
        yield Workspace(ws.fake, adapter, slack, bot, ws.clock, base_url)
    finally:
        await adapter.idle()
        await adapter.aclose()
        await slack.close()
        await runner.cleanup()
        await store.close()


async def expire_through(worker: Workspace) -> None:
    """The offer's timer runs in `worker`, which delivers what it produces."""
    worker.clock.advance(timedelta(hours=48, minutes=1))
    await worker.adapter.deliver(await worker.bot.run_due_jobs())


def posted_to(ws: Workspace, user: str) -> int:
    """How many chat.postMessage calls went to `user`'s DM."""
    return sum(1 for call in ws.calls("chat.postMessage") if call.params.get("channel") == user)


def assert_edited_in_place(ws: Workspace, offer: dict[str, object], text: str, *, then: int = 0) -> None:
    """Bob's offer DM (the first message in his DM) was edited to start with `text` by chat.update, not posted
    again; `then` more DMs followed it (an introduction)."""
    [update] = ws.calls("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (ws.fake.dm_channel_of(BOB), offer["ts"])
    edited, *after = ws.dms(BOB)
    assert edited["ts"] == offer["ts"] and unescape(edited["text"]).startswith(text)
    assert "actions" not in {b["type"] for b in edited["blocks"]}, "the buttons are gone"
    assert (posted_to(ws, BOB), len(after)) == (1 + then, then), "the offer was not posted a second time"


async def test_an_expiry_run_by_another_worker_edits_the_offer_dm(workspace: Workspace, library: Library) -> None:
    offer = await offered(workspace)
    async with another_worker(workspace, library, "slack-worker-b") as worker_b:
        await expire_through(worker_b)
    assert_edited_in_place(workspace, offer, EN("offer.expired_notice", id=1))


async def test_an_accept_typed_through_another_worker_edits_the_offer_dm(
    workspace: Workspace, library: Library
) -> None:
    offer = await offered(workspace)
    async with another_worker(workspace, library, "slack-worker-b") as worker_b:
        await worker_b.mentor(BOB, "accept 1")
    assert_edited_in_place(workspace, offer, EN("offer.title", id=1) + "\n" + EN("offer.accepted", id=1), then=1)
    assert unescape(workspace.dms(BOB)[-1]["text"]).startswith(EN("intro.title"))


async def test_an_app_home_click_through_another_worker_edits_the_offer_dm(
    workspace: Workspace, library: Library
) -> None:
    offer = await offered(workspace)
    async with another_worker(workspace, library, "slack-worker-b") as worker_b:
        await worker_b.send(home_click(BOB, "bob", "mentorbot:offer.decline:1", "1", "T-HOME-1"))
    assert_edited_in_place(workspace, offer, EN("offer.declined", id=1))


async def test_a_restarted_worker_edits_the_offer_dm_it_posted_before(workspace: Workspace, library: Library) -> None:
    offer = await offered(workspace)
    await workspace.adapter.aclose()  # the first process is gone; only the database remembers its DM
    async with another_worker(workspace, library, "slack-restarted") as restarted:
        await expire_through(restarted)
    assert_edited_in_place(workspace, offer, EN("offer.expired_notice", id=1))
