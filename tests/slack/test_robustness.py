"""Signatures, redeliveries, rate limits, closed DMs, timers and health."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import aiohttp
import pytest

from mentorbot.formatting import when
from mentorbot.replies import Notification, Reply
from tests.conftest import held_payloads
from tests.fakes.slack_ids import DEFAULT_CHANNEL_ID
from tests.fakes.slack_signing import slash_command
from tests.slack.conftest import ALICE, BOB, DAVE, EN, Workspace, unescape


@pytest.mark.parametrize(
    "tamper",
    [{"signing_secret": "wrong"}, {"signature": "v0=" + "0" * 64}, {"timestamp": -301}],
    ids=["wrong-secret", "forged", "stale"],
)
async def test_a_bad_or_stale_signature_gets_401_and_touches_nothing(
    workspace: Workspace, tamper: dict[str, object]
) -> None:
    ws = workspace
    if "timestamp" in tamper:
        tamper = {"timestamp": int(time.time()) - 301}
    payload = slash_command(command="/mentor", text="request skills:seo", user_id=ALICE, user_name="alice")
    response = await ws.send(payload, **tamper)
    assert response.status == 401
    assert ws.fake.calls == [] and ws.fake.response_posts == []
    assert await ws.bot.store.find_member("slack:T0MENTOR01", ALICE) is None


async def test_url_verification_and_health(workspace: Workspace) -> None:
    ws = workspace
    challenge = await ws.slack.url_verification("abc123")
    assert challenge.status == 200 and challenge.json() == {"challenge": "abc123"}
    async with aiohttp.ClientSession() as session, session.get(ws.base_url + "/healthz") as health:
        assert health.status == 200 and await health.json() == {"ok": True}


@pytest.mark.parametrize("answer_budget", [0.0, 1.0], ids=["answer-after", "answer-in-ack"])
async def test_a_redelivered_command_is_handled_once(workspace: Workspace, answer_budget: float) -> None:
    ws = workspace
    ws.adapter.answer_budget = answer_budget
    payload = slash_command(
        command="/mentor",
        text="request skills:seo",
        user_id=ALICE,
        user_name="alice",
        response_url=ws.fake.new_response_url(ALICE, DEFAULT_CHANNEL_ID),
        trigger_id=ws.fake.new_trigger_id(ALICE),
    )
    first = await ws.send(payload)
    again = await ws.send(payload, retry_num=1, retry_reason="http_timeout")
    assert first.status == 200 and (again.status, again.text) == (200, ""), "the redelivery is only acknowledged"
    member = await ws.member(ALICE)
    assert len(await ws.bot.store.list_member_requests(member.id)) == 1
    assert len(ws.texts(ALICE)) == 1


async def test_a_rate_limited_call_is_retried_after_retry_after(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo")
    ws.fake.rate_limit("chat.postMessage", times=1, retry_after=1)
    await ws.mentor(ALICE, "request skills:seo")
    first, second = ws.calls("chat.postMessage")
    assert (first.status, first.error) == (429, "ratelimited")
    assert second.ok and second.time - first.time >= 1.0
    [offer] = ws.dms(BOB)
    assert unescape(offer["text"]).startswith(EN("offer.title", id=1))


async def test_closed_dms_fall_back_to_the_last_channel_and_are_logged(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo", channel_id="C0MENTORS1")
    ws.fake.close_dms(BOB)
    with caplog.at_level(logging.WARNING, logger="mentorbot.slack"):
        await ws.mentor(ALICE, "request skills:seo")
    assert any("direct message to U0BOB0001 failed (messages_tab_disabled)" in r.getMessage() for r in caplog.records)
    offer = ws.last(BOB)
    assert offer.kind == "ephemeral" and offer.channel == "C0MENTORS1"
    assert unescape(offer.text or "").split("\n", 1) == [
        EN("slack.dm.fallback"),
        unescape(offer.text or "").split("\n", 1)[1],
    ]
    assert unescape(offer.text or "").split("\n", 1)[1].startswith(EN("offer.title", id=1))
    assert offer.blocks is not None and offer.blocks[0]["elements"][0]["text"] == EN("slack.dm.fallback")

    # Accepting from the ephemeral message replaces it through the click's response_url.
    message = {"ts": offer.ts, "text": offer.text, "blocks": offer.blocks}
    await ws.click(BOB, message, "offer.accept", channel_id="C0MENTORS1", is_ephemeral=True)
    replaced = ws.fake.response_posts[-1]
    assert replaced.replace_original and unescape(replaced.text or "").endswith(EN("offer.accepted", id=1))
    intro = ws.seen(BOB, kind="ephemeral")[-1]
    assert intro.channel == "C0MENTORS1" and unescape(intro.text or "").split("\n", 1)[1].startswith(EN("intro.title"))


async def test_with_no_channel_known_the_notice_is_held_for_the_next_command(workspace: Workspace) -> None:
    """Bob's offer is refused and no channel is known to fall back to: he is paused as unreachable, and what that
    says (refused too, at the timer loop's next round) is held and shown with his next command."""
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo", channel_id=ws.fake.dm_channel_of(BOB))  # used only in the DM
    ws.fake.close_dms(BOB, error="user_disabled", at="open")
    await ws.mentor(ALICE, "request skills:seo")
    ws.clock.advance(timedelta(seconds=1))
    await ws.adapter.deliver(await ws.bot.undelivered(communities=["slack:"]))
    assert ws.seen(BOB, kind="dm") == [] and ws.seen(BOB, kind="ephemeral") == []
    await ws.mentor(BOB, "status", channel_id="C0MENTORS1")
    status, held = ws.seen(BOB)[-2:]
    assert unescape(status.text or "").startswith(EN("status.title", name="bob"))
    assert held.kind == "response_url"
    assert unescape(held.text or "").split("\n", 1)[1].startswith(EN("pause.unreachable")), "after the note"
    assert EN("offer.withdrawn_paused_unreachable", id=1) in unescape(held.text or "")
    assert held.blocks is not None and held.blocks[0]["elements"][0]["text"] == EN("slack.dm.held")
    assert not [b for b in held.blocks if b["type"] == "actions"], "no Accept button for a withdrawn offer"


async def test_many_held_notices_are_shown_in_as_few_posts_as_slack_takes(workspace: Workspace) -> None:
    """Seven offers held for Bob (Slack failing on their last try) are shown with his next answer packed together,
    not in a post each: a response_url takes five posts only, and before, the sixth and seventh offers were marked
    shown and never seen. Every offer keeps its Accept button, and block ids stay unique in each message."""
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo capacity:10", channel_id=ws.fake.dm_channel_of(BOB))
    ws.bot.core.settings = ws.bot.settings.model_copy(update={"delivery_attempts": 1})  # the first try is the last
    ws.fake.fail_next("chat.postMessage", "internal_error", status=500, times=7)
    for i in range(7):
        mentee = f"U0MENT{i:04d}"
        ws.fake.add_user(mentee, name=f"mentee{i}", real_name=f"Mentee {i}", tz="Africa/Nairobi")
        await ws.mentor(mentee, "request skills:seo")
    before = len(ws.seen(BOB))
    await ws.mentor(BOB, "status", channel_id="C0MENTORS1")
    shown = ws.seen(BOB)[before:]
    assert len(shown) <= 5 and all(m.kind == "response_url" for m in shown)
    accepts = set()
    for m in shown[1:]:
        assert m.blocks is not None and len(m.blocks) <= 50
        ids = [b["block_id"] for b in m.blocks if "block_id" in b]
        assert len(ids) == len(set(ids))
        accepts |= {e["action_id"] for b in m.blocks if b["type"] == "actions" for e in b["elements"]}
    assert {f"mentorbot:offer.accept:{n}" for n in range(1, 8)} <= accepts


async def test_the_timer_loop_delivers_expiries_and_the_next_offer(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo levels:expert")
    await ws.mentor(DAVE, "signup skills:seo levels:learning")
    await ws.mentor(ALICE, "request skills:seo")
    [offer] = ws.dms(BOB)
    ws.clock.advance(timedelta(hours=49))
    async with ws.adapter.running(interval=0.05):
        await ws.fake.wait_for_call("chat.update")
        await ws.fake.wait_until(lambda: bool(ws.dms(DAVE)), what="Dave's offer")
    assert ws.dms(BOB)[0]["ts"] == offer["ts"]
    assert unescape(ws.dms(BOB)[0]["text"]) == EN("offer.expired_notice", id=1)
    assert unescape(ws.dms(DAVE)[0]["text"]).startswith(EN("offer.title", id=2))


async def test_timer_notices_for_other_platforms_are_held_not_sent(workspace: Workspace) -> None:
    ws = workspace
    stranger = await ws.bot.store.ensure_member("discord:1", "42", "Zawadi", ws.clock.now())
    await ws.adapter.deliver([Notification(stranger.id, "42", Reply("hello"), community="discord:1", language="en")])
    assert ws.fake.calls == []
    assert await held_payloads(ws.bot.store, stranger.id, ws.clock.now()) != []


async def test_users_info_failing_leaves_the_member_a_plain_member(workspace: Workspace) -> None:
    ws = workspace
    ws.fake.fail_next("users.info", "user_not_found")
    # waitlist: answered in the acknowledgement (stats, which sends a chart, is acknowledged "working on it" first)
    await ws.command("U0CAROL01", "/mentor-admin", "waitlist")
    assert ws.texts("U0CAROL01") == [EN("common.not_admin")]


async def test_work_in_flight_finishes_before_shutdown(workspace: Workspace) -> None:
    ws = workspace
    async with ws.adapter.running(timers=False):
        response = await ws.slack.slash_command(command="/skills", text="", user_id=ALICE, user_name="alice")
        assert response.status == 200
    assert ws.fake.response_posts, "the reply was sent before running() returned"


async def test_check_ins_and_waitlist_notices_arrive_by_dm(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo")
    await ws.mentor(ALICE, "request skills:seo")
    await ws.click(BOB, ws.dms(BOB)[0], "offer.decline")
    [waiting] = ws.dms(ALICE)
    # Bob declined: on cooldown for Alice's requests (docs/matching.md) until 3 days from now, told in her zone.
    until = when(ws.clock.now() + timedelta(days=3), EN, "Africa/Nairobi")
    assert unescape(waiting["text"]) == (
        EN("request.still_waiting", id=1) + "\n" + EN("wait.all_cooldown", skills="SEO", until=until)
    )
    await ws.mentor(DAVE, "signup skills:seo")
    [offer] = ws.dms(DAVE)
    # Each change of a waiting request is a DM of its own (session 33: an edit notified nobody).
    assert [unescape(m["text"]) for m in ws.dms(ALICE)][1:] == [EN("request.now_offered", id=1)], "a new DM"
    await ws.click(DAVE, offer, "offer.accept")
    ws.clock.advance(timedelta(days=14, minutes=1))
    await ws.adapter.deliver(await ws.bot.run_due_jobs())
    for user, other in ((ALICE, DAVE), (DAVE, ALICE)):
        checkin = unescape(ws.dms(user)[-1]["text"])
        assert checkin == EN("checkin.title") + "\n" + EN("checkin.text", other=f"<@{other}>", id=1)


def test_a_held_notice_as_large_as_a_message_still_fits_under_its_note() -> None:
    """Found by review: a held reply of 50 blocks got the note on top: 51, which Slack refuses."""
    from mentorbot.replies import Field
    from mentorbot_slack.blocks import packed

    huge = Reply("x", fields=tuple(Field(f"f{n}", "v" * 40) for n in range(200)))
    for body, _ in packed([huge, Reply("small")], note="kept for you"):
        assert len(body["blocks"]) <= 50
