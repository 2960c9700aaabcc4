"""The App Home tab: published on app_home_opened and after each change, once per event."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest

from tests.fakes.slack_signing import app_home_opened, event_callback
from tests.slack.conftest import ALICE, BOB, COMMUNITY, EN, SW, Workspace


async def test_a_newcomer_sees_a_welcome_and_is_not_enrolled(workspace: Workspace) -> None:
    ws = workspace
    response = await ws.slack.app_home_opened(user_id=ALICE)
    assert response.status == 200
    published = await ws.fake.wait_for_call("views.publish")
    await ws.settle()
    assert published.params["user_id"] == ALICE and published.ok
    text = ws.home_text(ALICE)
    assert EN("slack.home.welcome_title") in text and EN("slack.home.welcome_text") in text
    assert await ws.bot.store.find_member("slack:T0MENTOR01", ALICE) is None


async def test_the_home_shows_profile_requests_offers_and_mentorships(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo levels:expert capacity:2 bio:SEO lead")
    await ws.mentor(ALICE, "request skills:seo, paid social note:launch")
    await ws.mentor(ALICE, "request skills:paid-social")
    # Both were refreshed after the change: Alice's requests with where each stands and why, Bob's offer.
    alice = ws.home_text(ALICE)
    assert EN("status.title", name="alice") in alice
    assert "#1 SEO and Paid social: offered to bob until 2026-01-07 12:00 (Africa/Nairobi)" in alice, "her Slack zone"
    assert "#2 Paid social: waiting. " + EN("wait.no_mentor", skills="Paid social") in alice
    bob = ws.home_text(BOB)
    assert "Skills you mentor" in bob and "SEO (expert)" in bob and "SEO lead" in bob
    assert f"#1 from <@{ALICE}>: SEO and Paid social (answer by 2026-01-07 12:00 (Africa/Nairobi))" in bob
    assert EN("offer.accept_id", id=1) in bob and EN("offer.decline_id", id=1) in bob

    publishes = len(ws.calls("views.publish"))
    await ws.slack.app_home_opened(user_id=BOB)
    await ws.fake.wait_for_call("views.publish", count=publishes + 1)
    await ws.settle()
    assert ws.home_text(BOB) == bob


async def test_a_redelivered_event_is_handled_once_and_the_messages_tab_is_ignored(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo")
    publishes = len(ws.calls("views.publish"))
    event = app_home_opened(user_id=BOB, event_id="Ev0HOME00001")
    assert (await ws.send(event)).status == 200
    await ws.fake.wait_for_call("views.publish", count=publishes + 1)
    for retry in (1, 2):
        response = await ws.send(event, retry_num=retry, retry_reason="http_timeout")
        assert response.status == 200
    await ws.slack.app_home_opened(user_id=BOB, tab="messages")
    await ws.settle()
    assert len(ws.calls("views.publish")) == publishes + 1


async def test_a_newcomers_redelivered_event_publishes_the_same_welcome_again(workspace: Workspace) -> None:
    # The core answers "nothing to show" both for a redelivery and for a newcomer: for a newcomer the adapter
    # publishes the welcome either way, which is harmless (the same view again) and enrols nobody.
    ws = workspace
    event = app_home_opened(user_id=ALICE, event_id="Ev0HOME00002")
    assert (await ws.send(event)).status == 200
    await ws.fake.wait_for_call("views.publish")
    assert (await ws.send(event, retry_num=1, retry_reason="http_timeout")).status == 200
    await ws.fake.wait_for_call("views.publish", count=2)
    await ws.settle()
    first_view, second_view = (call.params["view"] for call in ws.calls("views.publish"))
    assert first_view == second_view
    assert EN("slack.home.welcome_title") in ws.home_text(ALICE)
    assert await ws.bot.store.find_member(COMMUNITY, ALICE) is None


async def test_the_home_follows_the_members_language_and_timers(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo")
    await ws.mentor(BOB, "language sw")
    assert SW("slack.home.hint") in ws.home_text(BOB)
    await ws.mentor(ALICE, "request skills:seo")
    assert SW("status.offers") in ws.home_text(BOB)

    ws.clock.advance(timedelta(hours=49))
    notes = await ws.bot.run_due_jobs()
    await ws.adapter.deliver(notes)
    assert "#1 SEO: waiting." in ws.home_text(ALICE), "the expired offer put the request back on the waitlist"
    # Bob is the only SEO mentor: his notice says the request is back on the waitlist, and how to take it after all.
    waiting = SW("offer.expired_waiting", id=1) + " " + SW("offer.take_it_after_all", id=1)
    assert ws.texts(BOB, kind="update")[-1] == waiting


async def test_app_home_opens_count_against_the_rate_limit(workspace: Workspace) -> None:
    ws = workspace
    ws.bot.rate_limiter.per_minute = 2
    for _ in range(3):
        assert (await ws.slack.app_home_opened(user_id=ALICE)).status == 200
        await ws.settle()
    assert len(ws.calls("views.publish")) == 2, "the third open is over the limit: nothing published"
    await ws.mentor(ALICE, "help")
    assert EN("common.rate_limited", count=30) in ws.texts(ALICE)[-1], "help counts too"


@pytest.mark.parametrize("kind", ["app_uninstalled", "tokens_revoked"])
async def test_the_app_removed_from_a_workspace_is_one_clear_error_line(
    workspace: Workspace, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Slack tells the app it was uninstalled, or its tokens revoked: the operator reads one ERROR line naming the
    workspace (not a token); nothing is deleted."""
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo")
    event: dict[str, Any] = {"type": kind, "event_ts": "1700000000.000100"}
    if kind == "tokens_revoked":
        event["tokens"] = {"bot": ["U0BOT00001"]}
    with caplog.at_level(logging.ERROR, logger="mentorbot"):
        response = await ws.send(event_callback(event))
        await ws.settle()
    assert response.status == 200
    [line] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert COMMUNITY in line.getMessage() and "xox" not in line.getMessage()
    assert await ws.bot.store.find_member(COMMUNITY, BOB) is not None
