"""Slack members whose account was deactivated (`membership`, `Delivery._left`, `SlackAdapter._on_user_change`).

Slack takes a direct message to a deactivated account without an error (slackapi/python-slack-sdk#1156; the fake
does the same), so no refusal says a member is gone: before, a deactivated mentee's request was offered, accepted
and made a mentorship, a deactivated mentor got every request first (each waiting out 48 hours), and their partner
was never told. Now users.info is asked before an offer goes out and after a refused DM, and the ``user_change``
event reports a deactivation as it happens: both run `MentorBot.member_left`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from mentorbot.models import MentorStatus, RequestStatus
from mentorbot.usecases.departures import LEFT
from mentorbot.usecases.unreachable import UNREACHABLE
from tests.fakes.slack_signing import event_callback
from tests.slack.conftest import ALICE, BOB, CAROL, DAVE, EN, EVE, Workspace, find_button, unescape
from tests.slack.test_manifest import items_under


async def timer_round(ws: Workspace, advance: timedelta = timedelta(seconds=1)) -> None:
    """One round of the timer loop, as `app.run_timers` runs it: the jobs due, then the outbox."""
    ws.clock.advance(advance)
    notes = await ws.bot.run_due_jobs(communities=["slack:"])
    notes += await ws.bot.undelivered(communities=["slack:"])
    if notes:
        await ws.adapter.deliver(notes)
    await ws.settle()


def live_offers(ws: Workspace, user: str) -> list[dict[str, Any]]:
    """The messages in `user`'s DM that still carry an offer's Accept button."""
    found = []
    for message in ws.dms(user):
        try:
            find_button(message, "offer.accept")
        except AssertionError:
            continue
        found.append(message)
    return found


async def mentor_status(ws: Workspace, user: str) -> tuple[MentorStatus, str | None]:
    profile = await ws.bot.store.get_mentor_profile((await ws.member(user)).id)
    assert profile is not None
    return profile.status, profile.pause_reason


async def requests_of(ws: Workspace, user: str) -> list[RequestStatus]:
    return [r.status for r in await ws.bot.store.list_member_requests((await ws.member(user)).id)]


async def active_mentorships(ws: Workspace, user: str) -> list[int]:
    member = await ws.member(user)
    return [m.id for m in await ws.bot.store.list_mentorships(member_id=member.id, active_only=True)]


def users_info_about(ws: Workspace, user: str) -> int:
    return sum(1 for c in ws.calls("users.info") if c.params.get("user") == user)


async def user_change(ws: Workspace, event: dict[str, Any], event_id: str | None = None) -> None:
    response = await ws.send(event_callback(event, event_id=event_id))
    assert response.status == 200


# ---------------------------------------------------------------- before an offer goes out


async def test_a_deactivated_mentees_waiting_request_is_not_offered_nor_made_a_mentorship(ws: Workspace) -> None:
    """Alice asked, then her account was deactivated (the user_change event missed: the bot was down). When Bob
    signs up, the offer of her request is not sent: users.info says she is gone, her request is cancelled."""
    await ws.mentor(ALICE, "request skills:seo")
    ws.fake.deactivate(ALICE)  # its user_change never reaches the bot
    await ws.mentor(BOB, "signup skills:seo levels:expert")
    await timer_round(ws)
    assert live_offers(ws, BOB) == [], "no Accept button for a deactivated member's request"
    assert await requests_of(ws, ALICE) == [RequestStatus.CANCELLED]
    assert await active_mentorships(ws, BOB) == []
    assert await mentor_status(ws, BOB) == (MentorStatus.ACTIVE, None)


async def test_a_deactivated_mentor_is_not_offered_and_the_request_goes_on_at_once(ws: Workspace) -> None:
    """Bob, the better fit, was deactivated: Alice's request goes to Dave at once, not after Bob's 48 hours."""
    await ws.mentor(BOB, "signup skills:seo levels:expert capacity:5")
    await ws.mentor(DAVE, "signup skills:seo levels:learning")
    ws.fake.deactivate(BOB)
    await ws.mentor(ALICE, "request skills:seo")
    await timer_round(ws)
    assert live_offers(ws, BOB) == []
    assert await mentor_status(ws, BOB) == (MentorStatus.PAUSED, LEFT)
    [offer] = live_offers(ws, DAVE)
    assert "<@U0ALICE01>" in unescape(offer["text"])
    await ws.mentor(CAROL, "request skills:seo")  # a later request does not go to Bob either
    assert live_offers(ws, BOB) == [] and len(live_offers(ws, DAVE)) == 2


async def test_a_still_a_member_answer_is_kept_five_minutes(ws: Workspace) -> None:
    """Offers to the same mentor within five minutes ask users.info about them once."""
    await ws.mentor(BOB, "signup skills:seo levels:expert capacity:5")
    asked = users_info_about(ws, BOB)
    await ws.mentor(ALICE, "request skills:seo")
    assert users_info_about(ws, BOB) == asked + 1
    await ws.mentor(CAROL, "request skills:seo")
    assert len(live_offers(ws, BOB)) == 2 and users_info_about(ws, BOB) == asked + 1
    ws.clock.advance(timedelta(minutes=6))
    await ws.mentor(EVE, "request skills:seo")
    assert len(live_offers(ws, BOB)) == 3 and users_info_about(ws, BOB) == asked + 2


async def test_users_info_failing_sends_the_offer_as_before(ws: Workspace) -> None:
    """When Slack cannot say (users.info fails), the offer goes out: nobody is reported gone on a guess."""
    await ws.mentor(BOB, "signup skills:seo levels:expert")
    ws.fake.fail_next("users.info", "internal_error", status=500, times=20)
    await ws.mentor(ALICE, "request skills:seo")
    assert len(live_offers(ws, BOB)) == 1
    assert await mentor_status(ws, BOB) == (MentorStatus.ACTIVE, None)


# ---------------------------------------------------------------- the user_change event


async def test_user_change_deactivated_tells_the_partner_and_frees_nothing_else(ws: Workspace) -> None:
    """Alice's account is deactivated during her mentorship with Bob: Slack's user_change says so, Bob is told once
    (a redelivery tells him nothing more), and the mentorship stays for him to end. A profile edit changes nothing."""
    await ws.mentor(BOB, "signup skills:seo levels:expert capacity:1")
    await ws.mentor(ALICE, "request skills:seo")
    [offer] = ws.dms(BOB)
    await ws.click(BOB, offer, "offer.accept", channel_id=ws.fake.dm_channel_of(BOB))
    [mentorship] = await active_mentorships(ws, BOB)
    await timer_round(ws)
    before = len(ws.texts(BOB))

    await user_change(ws, ws.fake.user_change_event(ALICE))  # a profile edit: still a member
    await timer_round(ws)
    assert ws.texts(BOB)[before:] == []

    event = ws.fake.deactivate(ALICE)
    await user_change(ws, event, event_id="Ev0GONE00001")
    await timer_round(ws)
    told = EN("left.your_mentee", id=mentorship, other="<@U0ALICE01>")
    assert [t for t in ws.texts(BOB)[before:] if told in t], ws.texts(BOB)[before:]
    assert await active_mentorships(ws, BOB) == [mentorship]

    await user_change(ws, event, event_id="Ev0GONE00001")  # Slack's redelivery
    await user_change(ws, ws.fake.user_change_event(ALICE))  # another change of the deactivated account
    await timer_round(ws)
    assert sum(told in t for t in ws.texts(BOB)[before:]) == 1


async def test_user_change_deactivated_mentor_is_paused_and_their_offer_handed_on(ws: Workspace) -> None:
    await ws.mentor(BOB, "signup skills:seo levels:expert")
    await ws.mentor(DAVE, "signup skills:seo levels:learning")
    await ws.mentor(ALICE, "request skills:seo")
    assert len(live_offers(ws, BOB)) == 1
    await user_change(ws, ws.fake.deactivate(BOB))
    await timer_round(ws)
    assert await mentor_status(ws, BOB) == (MentorStatus.PAUSED, LEFT)
    assert live_offers(ws, BOB) == [], "Bob's offer DM lost its buttons"
    assert len(live_offers(ws, DAVE)) == 1, "Alice's request went to Dave at once"


async def test_a_reactivated_member_is_offered_again(ws: Workspace) -> None:
    """A "gone" is never kept: Alice, deactivated then reactivated, asks again and Bob gets her offer."""
    await ws.mentor(ALICE, "request skills:seo")
    await user_change(ws, ws.fake.deactivate(ALICE))
    await timer_round(ws)
    assert await requests_of(ws, ALICE) == [RequestStatus.CANCELLED]
    await user_change(ws, ws.fake.reactivate(ALICE))
    await ws.mentor(BOB, "signup skills:seo levels:expert")
    await ws.mentor(ALICE, "request skills:seo")
    [offer] = live_offers(ws, BOB)
    assert "<@U0ALICE01>" in unescape(offer["text"])
    assert sorted(await requests_of(ws, ALICE)) == sorted([RequestStatus.CANCELLED, RequestStatus.OFFERED])


def test_the_manifest_subscribes_to_user_change() -> None:
    assert "user_change" in items_under("bot_events")


# ---------------------------------------------------------------- refused direct messages


@pytest.mark.parametrize("code", ["user_not_found", "user_disabled"])
async def test_a_refusal_saying_the_account_is_not_there_falls_back_to_no_channel(ws: Workspace, code: str) -> None:
    """users.info still says Bob is a member, but Slack refuses his DM as an account that is not there: no ephemeral
    in his last channel (he could not see it); he is paused as unreachable and the request goes on to Dave."""
    await ws.mentor(BOB, "signup skills:seo levels:expert", channel_id="C0MENTORS1")
    await ws.mentor(DAVE, "signup skills:seo levels:learning")
    ws.fake.close_dms(BOB, error=code)
    await ws.mentor(ALICE, "request skills:seo")
    await timer_round(ws)
    assert ws.seen(BOB, kind="ephemeral") == []
    assert await mentor_status(ws, BOB) == (MentorStatus.PAUSED, UNREACHABLE)
    assert len(live_offers(ws, DAVE)) == 1


async def test_a_refused_dm_asks_slack_afresh_and_finds_the_member_gone(ws: Workspace) -> None:
    """Bob was a member a minute ago (kept), then his account was removed (users.info: user_not_found) with no event:
    the refused offer DM makes the adapter ask again, and Bob left, not unreachable; Dave gets the request."""
    await ws.mentor(BOB, "signup skills:seo levels:expert capacity:5", channel_id="C0MENTORS1")
    await ws.mentor(DAVE, "signup skills:seo levels:learning")
    await ws.mentor(ALICE, "request skills:seo")  # Bob's membership asked and kept
    assert len(live_offers(ws, BOB)) == 1
    del ws.fake.users[BOB]  # chat.postMessage to him now answers channel_not_found
    ws.clock.advance(timedelta(minutes=1))
    await ws.mentor(CAROL, "request skills:seo")
    await timer_round(ws)
    assert await mentor_status(ws, BOB) == (MentorStatus.PAUSED, LEFT)
    assert ws.seen(BOB, kind="ephemeral") == [], "no fallback for an account that is gone"
    assert {unescape(m["text"]).split("\n")[1][:12] for m in live_offers(ws, DAVE)} == {"<@U0ALICE01>", "<@U0CAROL01>"}


async def test_a_refused_check_in_of_a_removed_mentee_tells_the_mentor(ws: Workspace) -> None:
    """Alice's account is gone (users.info: user_not_found) and her check-in is refused: Bob is told she left."""
    await ws.mentor(BOB, "signup skills:seo levels:expert capacity:1")
    await ws.mentor(ALICE, "request skills:seo")
    [offer] = ws.dms(BOB)
    await ws.click(BOB, offer, "offer.accept", channel_id=ws.fake.dm_channel_of(BOB))
    [mentorship] = await active_mentorships(ws, BOB)
    await timer_round(ws)
    del ws.fake.users[ALICE]
    told = EN("left.your_mentee", id=mentorship, other="<@U0ALICE01>")
    for _ in range(20):
        await timer_round(ws, timedelta(days=1))
        if any(told in t for t in ws.texts(BOB)):
            break
    assert any(told in t for t in ws.texts(BOB)), ws.texts(BOB)


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    """The workspace under its short name."""
    return workspace
