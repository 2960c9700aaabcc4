"""Slack's ``user_change`` for an account that is there (``deleted: false``): `SlackAdapter._on_user_change`.

An account reactivated after a deactivation is a member back (`MentorBot.member_back`): the partner told they had
left is told they are back, once, and the mentorship's check-in goes out again. Any change keeps the stored name
fresh, so an admin's `/mentor-admin match` by name does not find a stale member. Before, only a deactivation was
acted on. On both engines (the core over the engine-parametrized store).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import pytest_asyncio

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.storage.store import Store
from tests.fakes.slack_web_api import FakeSlack
from tests.slack.conftest import ALICE, BOB, COMMUNITY, EN, Workspace, find_button, make_settings
from tests.slack.test_leavers_s32 import active_mentorships, timer_round, user_change


@pytest_asyncio.fixture
async def bot(store: Store, library: Library, slack_fake: FakeSlack, clock: ManualClock) -> AsyncIterator[MentorBot]:
    """The core on each engine (the root `store` fixture), instead of the Slack harness's SQLite file."""
    yield MentorBot(store, library, make_settings(slack_fake), clock, worker_id="slack-test")


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    """The workspace under its short name."""
    return workspace


async def _mentoring(ws: Workspace) -> int:
    """Bob mentors Alice; the mentorship's id (its check-in and notices delivered)."""
    await ws.mentor(BOB, "signup skills:seo levels:expert capacity:1")
    await ws.mentor(ALICE, "request skills:seo")
    [offer] = ws.dms(BOB)
    await ws.click(BOB, offer, "offer.accept", channel_id=ws.fake.dm_channel_of(BOB))
    [mentorship] = await active_mentorships(ws, BOB)
    await timer_round(ws)
    return mentorship


def checkin_dms(ws: Workspace, user: str) -> int:
    found = 0
    for message in ws.dms(user):
        try:
            find_button(message, "checkin.ok")
        except AssertionError:
            continue
        found += 1
    return found


async def test_an_account_reactivated_is_a_member_back(ws: Workspace) -> None:
    """Alice's account is deactivated by mistake and reactivated: Bob is told she left, then that she is back
    (once: a redelivery and a later profile edit tell him nothing more); the check-in that fell due meanwhile goes
    to both once she is back; a second deactivation later is told to Bob again."""
    mentorship = await _mentoring(ws)
    before = len(ws.texts(BOB))
    await user_change(ws, ws.fake.deactivate(ALICE), event_id="Ev0GONE00001")
    await timer_round(ws)
    left = EN("left.your_mentee", id=mentorship, other="<@U0ALICE01>")
    assert sum(left in t for t in ws.texts(BOB)[before:]) == 1

    ws.clock.advance(timedelta(days=15))
    await timer_round(ws)
    assert checkin_dms(ws, ALICE) == checkin_dms(ws, BOB) == 0, "no check-in while she is gone"

    reactivated = ws.fake.reactivate(ALICE)
    await user_change(ws, reactivated, event_id="Ev0BACK00001")
    await timer_round(ws)
    back = EN("left.back.your_mentee", id=mentorship, other="<@U0ALICE01>")
    assert sum(back in t for t in ws.texts(BOB)[before:]) == 1, ws.texts(BOB)[before:]
    assert checkin_dms(ws, ALICE) == checkin_dms(ws, BOB) == 1, "the check-in skipped meanwhile goes out"

    await user_change(ws, reactivated, event_id="Ev0BACK00001")  # Slack's redelivery
    await user_change(ws, ws.fake.user_change_event(ALICE))  # a later profile edit
    await timer_round(ws)
    assert sum(back in t for t in ws.texts(BOB)[before:]) == 1

    await user_change(ws, ws.fake.deactivate(ALICE), event_id="Ev0GONE00002")
    await timer_round(ws)
    assert sum(left in t for t in ws.texts(BOB)[before:]) == 2, "the second departure is told too"


async def test_a_changed_name_is_stored_and_a_stranger_gets_no_row(ws: Workspace) -> None:
    """Alice renames herself in Slack: her stored name follows, so an admin's match by her new name finds her and
    her old name no longer does. A user_change of someone who never used MentorBot stores nothing."""
    await ws.mentor(ALICE, "request skills:seo")
    assert (await ws.member(ALICE)).display_name == "alice"

    ws.fake.users[ALICE].name = "alicia"
    await user_change(ws, ws.fake.user_change_event(ALICE))
    assert (await ws.member(ALICE)).display_name == "alicia"
    found = await ws.bot.store.find_member_by_name(COMMUNITY, "alicia")
    assert found is not None and found.platform_user_id == ALICE
    assert await ws.bot.store.find_member_by_name(COMMUNITY, "alice") is None

    await user_change(ws, ws.fake.user_change_event(BOB))  # Bob never used MentorBot
    assert await ws.bot.store.find_member(COMMUNITY, BOB) is None
