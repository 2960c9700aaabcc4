"""The offer's Accept and Decline buttons: the right mentor, anyone else, double clicks, the App Home tab."""

from __future__ import annotations

import asyncio

from mentorbot.models import MentorshipStatus
from tests.fakes.slack_ids import DEFAULT_CHANNEL_ID
from tests.slack.conftest import (
    ALICE,
    BOB,
    DAVE,
    EN,
    Workspace,
    find_button,
    home_click,
    offered,
    unescape,
)


async def test_offer_buttons_carry_the_offer_id(workspace: Workspace) -> None:
    ws = workspace
    offer = await offered(ws)
    accept, decline = find_button(offer, "offer.accept"), find_button(offer, "offer.decline")
    assert (accept["action_id"], accept["value"], accept["style"]) == ("mentorbot:offer.accept:1", "1", "primary")
    assert (decline["action_id"], decline["value"], decline["style"]) == ("mentorbot:offer.decline:1", "1", "danger")
    assert (accept["text"]["text"], decline["text"]["text"]) == (EN("offer.accept"), EN("offer.decline"))


async def test_decline_click_updates_the_message_and_offers_the_next_mentor(workspace: Workspace) -> None:
    ws = workspace
    offer = await offered(ws)
    await ws.click(BOB, offer, "offer.decline")
    [update] = ws.calls("chat.update")
    assert update.params["ts"] == offer["ts"]
    assert unescape(ws.dms(BOB)[0]["text"]) == EN("offer.declined", id=1)
    [dave_offer] = ws.dms(DAVE)
    assert unescape(dave_offer["text"]).startswith(EN("offer.title", id=2))
    assert ws.kinds(BOB)[-1] == "update", "the click's answer is the updated message itself"


async def test_a_click_by_anyone_else_is_refused_ephemerally(workspace: Workspace) -> None:
    ws = workspace
    offer = await offered(ws)
    await ws.click(DAVE, offer, "offer.accept", channel_id=ws.fake.dm_channel_of(BOB))
    refusal = ws.last(DAVE)
    assert refusal.kind == "response_url" and refusal.raw["response_type"] == "ephemeral"
    assert refusal.raw["replace_original"] is False
    assert unescape(refusal.text or "") == EN("offer.not_yours", id=1)
    assert ws.calls("chat.update") == []
    assert unescape(ws.dms(BOB)[0]["text"]) == unescape(str(offer["text"])), "Bob's offer is untouched"
    assert await ws.bot.store.list_mentorships() == []


async def test_a_double_click_makes_one_mentorship(workspace: Workspace) -> None:
    ws = workspace
    offer = await offered(ws)
    button = find_button(offer, "offer.accept")
    clicks = [
        ws.slack.block_actions(action_id=button["action_id"], value="1", user_id=BOB, user_name="bob", message=offer)
        for _ in range(2)
    ]
    responses = await asyncio.gather(*clicks)
    assert [r.status for r in responses] == [200, 200]
    await ws.settle()
    [mentorship] = await ws.bot.store.list_mentorships()
    assert mentorship.status is MentorshipStatus.ACTIVE
    assert len(ws.calls("chat.update")) == 1
    intros = [t for t in ws.texts(ALICE, kind="dm") if EN("intro.title") in t]
    assert len(intros) == 1
    assert EN("offer.already_accepted", id=1) in ws.texts(BOB, kind="response_url")


async def test_a_redelivered_click_does_nothing_twice(workspace: Workspace) -> None:
    ws = workspace
    offer = await offered(ws)
    button = find_button(offer, "offer.accept")
    trigger = ws.fake.new_trigger_id(BOB)
    for _ in range(2):
        await ws.slack.block_actions(
            action_id=button["action_id"], value="1", user_id=BOB, user_name="bob", message=offer, trigger_id=trigger
        )
        await ws.settle()
    assert len(ws.calls("chat.update")) == 1
    assert [m.kind for m in ws.seen(BOB)].count("response_url") == 1, "only Bob's signup reply; no refusal"


async def test_accept_from_the_app_home_tab(workspace: Workspace) -> None:
    ws = workspace
    offer = await offered(ws)
    home = ws.fake.home_view_of(BOB)
    assert home is not None
    assert EN("offer.accept_id", id=1) in ws.home_text(BOB)
    button = find_button(home, "offer.accept")
    trigger = ws.fake.new_trigger_id(BOB)
    response = await ws.send(home_click(BOB, "bob", button["action_id"], button["value"], trigger))
    assert response.status == 200
    [notice] = ws.fake.modals_of(BOB)  # a Home click has no channel: the answer is a small modal
    assert notice.view["title"]["text"] == EN("slack.modal.notice_title")
    assert EN("offer.accepted", id=1) in str(notice.view["blocks"])
    assert unescape(ws.dms(BOB)[0]["text"]) == EN("offer.title", id=1) + "\n" + EN("offer.accepted", id=1)
    assert offer["ts"] == ws.dms(BOB)[0]["ts"], "the offer's DM was updated in place"
    home_text = ws.home_text(BOB)
    assert EN("offer.accept_id", id=1) not in home_text
    assert f"#1 {EN('status.role_mentor')} <@{ALICE}>: SEO" in home_text


async def test_accept_from_a_status_reply_updates_it_and_the_offer_dm(workspace: Workspace) -> None:
    ws = workspace
    offer = await offered(ws)
    await ws.mentor(BOB, "status")
    status = ws.fake.response_posts[-1]
    message = {**status.body, "ts": "1700000002.000001"}
    await ws.click(BOB, message, "offer.accept", channel_id=DEFAULT_CHANNEL_ID, is_ephemeral=True)
    replaced = ws.fake.response_posts[-1]
    accepted = EN("offer.title", id=1) + "\n" + EN("offer.accepted", id=1)
    assert replaced.replace_original and unescape(replaced.text or "") == accepted
    assert ws.dms(BOB)[0]["ts"] == offer["ts"] and unescape(ws.dms(BOB)[0]["text"]) == accepted


async def test_next_on_the_app_home_shows_the_next_page_and_stays_there(workspace: Workspace) -> None:
    """Bob mentors 11 members: his Home tab shows 10, with Next. Clicking it publishes page 2, and nothing
    publishes page 1 over it afterwards (the click is a read: before, the refresh after every click did)."""
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo levels:expert capacity:10")
    await ws.mentor(DAVE, "signup skills:copywriting levels:expert capacity:10")
    for i in range(10):
        mentee = f"U0MENT{i:04d}"
        ws.fake.add_user(mentee, name=f"mentee{i}", real_name=f"Mentee {i}", tz="Africa/Nairobi")
        await ws.mentor(mentee, "request skills:seo")
        await ws.mentor(BOB, f"accept {i + 1}")
    await ws.mentor(BOB, "request skills:copywriting")
    await ws.mentor(DAVE, "accept 11")
    await ws.slack.app_home_opened(user_id=BOB)
    await ws.settle()
    assert "Showing 1–10 of 11" in ws.home_text(BOB)
    home = ws.fake.home_view_of(BOB)
    assert home is not None
    button = find_button(home, "list.page")
    trigger = ws.fake.new_trigger_id(BOB)
    await ws.send(home_click(BOB, "bob", button["action_id"], button["value"], trigger))
    await ws.settle()
    assert "Showing 11–11 of 11" in ws.home_text(BOB)
