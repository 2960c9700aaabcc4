"""Session 44, a Slack lifecycle hunt (the real slack_bolt app against the fake Web API, signed requests):

- a workspace admin whose ``users.info`` fails for a passing reason (a 5xx, a 429 longer than waited out) is not
  told "Only admins can do that.": an admin command (or an admin's button) gets "I couldn't check your Slack role
  just now", nothing is done, and the failed look-up is not kept (the next command asks Slack again); a member's
  commands are not affected, nor an admin by ``MENTORBOT_ADMIN_IDS`` (who needs no word from Slack);
- an offer's direct message whose edit into "You accepted" Slack failed for a passing reason (429, 503) is edited
  later from the outbox, after the ``Retry-After``, by any process (a restart too): its Accept / Decline do not
  stay live for good;
- a form (modal) submitted more than 30 minutes after it opened is answered by direct message (or held), never
  through the command's dead response_url nor as an ephemeral: the form carries when its response_url was issued.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest

from mentorbot.bot import MentorBot
from mentorbot.models import MentorshipStatus
from mentorbot_slack.adapter import SlackAdapter
from mentorbot_slack.views import METADATA_MAX, ModalContext
from tests.fakes.slack_ids import DEFAULT_CHANNEL_ID
from tests.slack.conftest import ALICE, BOB, CAROL, EN, EVE, SW, Workspace, offered, skills_state, unescape
from tests.slack.test_inbox import _die_after_ack

ROLE_UNCHECKED = EN("slack.role.unchecked")
NOT_ADMIN = EN("common.not_admin")


def _fail_users_info(ws: Workspace, failure: str) -> None:
    """users.info fails once for a passing reason: an HTTP 500, or a 429 whose Retry-After (30 s) is longer than
    the adapter waits out in-process (`web_api.RATE_LIMIT_WAIT_MAX`)."""
    ws.adapter._facts.clear()
    if failure == "500":
        ws.fake.fail_next("users.info", "internal_error", status=500)
    else:
        ws.fake.rate_limit("users.info", retry_after=30)


# ---------------------------------------------------------------- an admin whose role Slack could not tell


@pytest.mark.parametrize("failure", ["500", "429"])
async def test_a_workspace_admin_is_not_told_they_are_no_admin_when_users_info_fails(
    workspace: Workspace, failure: str
) -> None:
    ws = workspace
    _fail_users_info(ws, failure)
    await ws.command(CAROL, "/mentor-admin", "waitlist")
    assert ws.texts(CAROL) == [ROLE_UNCHECKED], "told to try again, not that she is no admin"
    assert await ws.bot.store.count_unprocessed() == 0, "answered: nothing left for the recovery"
    # The failed look-up is not kept: the same command a moment later asks Slack again, and works.
    asked = len(ws.calls("users.info"))
    await ws.command(CAROL, "/mentor-admin", "waitlist")
    assert len(ws.calls("users.info")) == asked + 1
    answer = ws.texts(CAROL)[-1]
    assert answer not in (ROLE_UNCHECKED, NOT_ADMIN), answer


async def test_the_role_notice_is_in_the_members_language(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(CAROL, "language sw")
    _fail_users_info(ws, "500")
    await ws.command(CAROL, "/mentor-admin", "round")
    assert ws.texts(CAROL)[-1] == SW("slack.role.unchecked")


async def test_a_members_command_is_not_affected_by_a_failing_users_info(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo")
    _fail_users_info(ws, "500")
    await ws.mentor(ALICE, "request skills:seo")
    assert ws.texts(ALICE)[-1] == EN("request.offered", id=1, skills="SEO")


async def test_an_admin_by_the_settings_needs_no_word_from_slack(workspace: Workspace) -> None:
    ws = workspace
    _fail_users_info(ws, "500")
    await ws.command(EVE, "/mentor-admin", "waitlist")
    assert ws.texts(EVE)[-1] not in (ROLE_UNCHECKED, NOT_ADMIN)


async def test_a_refusal_slack_means_still_leaves_a_plain_member(workspace: Workspace) -> None:
    """users.info refusing for good (``user_not_found``) is no passing failure: the member is no admin, as before."""
    ws = workspace
    ws.adapter._facts.clear()
    ws.fake.fail_next("users.info", "user_not_found")
    await ws.command(CAROL, "/mentor-admin", "waitlist")
    assert ws.texts(CAROL) == [NOT_ADMIN]


async def test_an_admins_button_is_not_refused_when_users_info_fails(workspace: Workspace) -> None:
    ws = workspace
    await ws.command(ALICE, "/courses", "suggest url:https://www.example.org/guide skills:whatsapp title:A guide")
    await ws.command(CAROL, "/mentor-admin", "courses")
    queue = {**ws.fake.response_posts[-1].body, "ts": "1700000002.000001"}
    _fail_users_info(ws, "429")
    posts = len(ws.fake.response_posts)
    await ws.click(CAROL, queue, "suggestion.approve", channel_id=DEFAULT_CHANNEL_ID, is_ephemeral=True)
    told = [unescape(p.text or "") for p in ws.fake.response_posts[posts:]]
    assert told == [ROLE_UNCHECKED], told
    # Nothing was decided: the suggestion is still in the queue, and approved once Slack answers.
    await ws.click(CAROL, queue, "suggestion.approve", channel_id=DEFAULT_CHANNEL_ID, is_ephemeral=True)
    assert ROLE_UNCHECKED not in unescape(ws.fake.response_posts[-1].text or "")
    assert NOT_ADMIN not in unescape(ws.fake.response_posts[-1].text or "")


# ---------------------------------------------------------------- an offer's DM edit that Slack failed for now


def live_buttons(message: Mapping[str, Any]) -> list[str]:
    return [e["action_id"] for b in message.get("blocks", []) if b["type"] == "actions" for e in b["elements"]]


def offer_dm(ws: Workspace, offer: Mapping[str, Any]) -> dict[str, Any]:
    return next(m for m in ws.dms(BOB) if m["ts"] == offer["ts"])


async def timer_round(ws: Workspace, bot: MentorBot | None = None, adapter: SlackAdapter | None = None) -> None:
    """One round of the timer loop: what is due, and what the outbox has to deliver."""
    bot, adapter = bot or ws.bot, adapter or ws.adapter
    notes = await bot.run_due_jobs(communities=["slack:"])
    notes += await bot.undelivered(communities=["slack:"])
    if notes:
        await adapter.deliver(notes)
    await adapter.idle()


def fail_chat_update(ws: Workspace, failure: str) -> None:
    if failure == "429":
        ws.fake.rate_limit("chat.update", retry_after=60)
    else:
        ws.fake.fail_next("chat.update", "service_unavailable", status=503)


@pytest.mark.parametrize("failure", ["429", "503"])
async def test_an_accepted_offers_dm_is_edited_later_when_slack_failed_the_edit(
    workspace: Workspace, failure: str
) -> None:
    ws = workspace
    offer = await offered(ws)
    fail_chat_update(ws, failure)
    seen = len(ws.seen(BOB))
    await ws.click(BOB, offer, "offer.accept")
    assert live_buttons(offer_dm(ws, offer)), "Slack failed the edit: still the offer, for now"
    # Bob is told all the same, beside the message.
    assert any(EN("offer.accepted", id=1) in unescape(m.text or "") for m in ws.seen(BOB)[seen:])
    await timer_round(ws)
    assert live_buttons(offer_dm(ws, offer)), "not before the Retry-After (and the outbox's backoff)"
    ws.clock.advance(timedelta(minutes=5))
    await timer_round(ws)
    edited = offer_dm(ws, offer)
    assert live_buttons(edited) == []
    assert EN("offer.accepted", id=1) in unescape(edited["text"]), edited["text"]
    assert await ws.bot.store.count_undelivered() == 0


async def test_a_typed_accept_edits_the_offers_dm_later_when_slack_failed_the_edit(workspace: Workspace) -> None:
    ws = workspace
    offer = await offered(ws)
    fail_chat_update(ws, "503")
    await ws.mentor(BOB, "accept 1")
    assert live_buttons(offer_dm(ws, offer))
    ws.clock.advance(timedelta(minutes=5))
    await timer_round(ws)
    assert live_buttons(offer_dm(ws, offer)) == []


async def test_the_edit_survives_a_restart(workspace: Workspace) -> None:
    """The edit waits in the outbox, not in the process: another process (a restart) makes it."""
    ws = workspace
    offer = await offered(ws)
    fail_chat_update(ws, "429")
    await ws.click(BOB, offer, "offer.accept")
    ws.clock.advance(timedelta(minutes=5))
    other = MentorBot(ws.bot.store, ws.bot.library, ws.bot.settings, ws.clock, worker_id="slack-restarted")
    restarted = SlackAdapter(other, other.settings)
    try:
        await timer_round(ws, other, restarted)
    finally:
        await restarted.aclose()
    assert live_buttons(offer_dm(ws, offer)) == []


async def test_a_stale_decline_after_the_failed_edit_changes_nothing(workspace: Workspace) -> None:
    ws = workspace
    offer = await offered(ws)
    fail_chat_update(ws, "429")
    await ws.click(BOB, offer, "offer.accept")
    ws.clock.advance(timedelta(days=1))
    await ws.click(BOB, offer, "offer.decline")  # Bob's Slack still showed the old copy
    mentorship = await ws.bot.store.get_mentorship(1)
    assert mentorship is not None and mentorship.status is MentorshipStatus.ACTIVE


async def test_an_edit_slack_refuses_for_good_is_not_retried(workspace: Workspace) -> None:
    ws = workspace
    offer = await offered(ws)
    ws.fake.fail_next("chat.update", "message_not_found")
    await ws.click(BOB, offer, "offer.accept")
    updates = len(ws.calls("chat.update"))
    ws.clock.advance(timedelta(minutes=5))
    await timer_round(ws)
    assert len(ws.calls("chat.update")) == updates, "nothing to retry: the message is not there"
    assert await ws.bot.store.count_undelivered() == 0


# ---------------------------------------------------------------- a form submitted past its response_url's life


async def test_a_form_submitted_after_30_minutes_is_answered_by_dm(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo")
    await ws.mentor(ALICE, "request")
    [modal] = ws.fake.modals_of(ALICE)
    ws.fake.response_url_lifetime = 0.0  # the command's response_url is now 31 minutes old
    ws.clock.advance(timedelta(minutes=31))
    seen = len(ws.seen(ALICE))
    response = await ws.submit(ALICE, modal.view, {"skills": skills_state("seo")})
    assert (response.status, response.text) == (200, "")
    assert ws.fake.refused_response_posts == [], "never the dead response_url"
    assert not ws.calls("chat.postEphemeral"), "nor an ephemeral"
    [answer] = ws.seen(ALICE)[seen:]
    assert answer.kind == "dm"
    text = unescape(answer.text or "")
    assert text.startswith(EN("slack.late_form.preface")), text
    assert EN("request.offered", id=1, skills="SEO") in text


async def test_a_form_submitted_within_30_minutes_is_answered_where_it_was_opened(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo")
    await ws.mentor(ALICE, "request")
    [modal] = ws.fake.modals_of(ALICE)
    ws.clock.advance(timedelta(minutes=20))
    seen = len(ws.seen(ALICE))
    await ws.submit(ALICE, modal.view, {"skills": skills_state("seo")})
    assert [m.kind for m in ws.seen(ALICE)[seen:]] == ["response_url"]


async def test_a_late_forms_answer_whose_dm_is_refused_is_held(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo")
    await ws.mentor(ALICE, "request")
    [modal] = ws.fake.modals_of(ALICE)
    ws.fake.response_url_lifetime = 0.0
    ws.clock.advance(timedelta(minutes=45))
    ws.fake.fail_next("chat.postMessage", "messages_tab_disabled")
    seen = len(ws.seen(ALICE))
    await ws.submit(ALICE, modal.view, {"skills": skills_state("seo")})
    assert ws.seen(ALICE)[seen:] == [] and ws.fake.refused_response_posts == []
    ws.fake.response_url_lifetime = 30 * 60.0
    await ws.mentor(ALICE, "status")
    shown = "\n".join(unescape(m.text or "") for m in ws.seen(ALICE)[seen:])
    assert EN("request.offered", id=1, skills="SEO") in shown, shown


async def test_a_form_recovered_soon_after_it_was_sent_but_opened_long_before_is_answered_by_dm(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Recorded 28 minutes after the form opened, recovered 5 minutes later: the submission is young, its
    response_url (the command's) is not."""
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo")
    await ws.mentor(ALICE, "request")
    [modal] = ws.fake.modals_of(ALICE)
    ws.clock.advance(timedelta(minutes=28))
    _die_after_ack(ws.adapter, monkeypatch)
    monkeypatch.setattr(ws.adapter, "ack_budget", 0.0)
    await ws.submit(ALICE, modal.view, {"skills": skills_state("seo")})
    monkeypatch.undo()
    ws.fake.response_url_lifetime = 0.0
    ws.clock.advance(timedelta(minutes=5))
    seen = len(ws.seen(ALICE))
    restarted = SlackAdapter(ws.bot, ws.bot.settings)
    try:
        assert await restarted.recover() == 1
        await restarted.idle()
    finally:
        await restarted.aclose()
    assert ws.fake.refused_response_posts == [] and not ws.calls("chat.postEphemeral")
    [answer] = ws.seen(ALICE)[seen:]
    assert answer.kind == "dm" and EN("request.offered", id=1, skills="SEO") in unescape(answer.text or "")


def test_the_forms_metadata_carries_when_its_response_url_was_issued() -> None:
    url = "https://hooks.slack.com/commands/T0/1/" + "x" * 80
    meta = ModalContext("C0GENERAL1", url, lang="en", url_issued=1_800_000_000, levels="seo:expert," * 400)
    loaded = ModalContext.load(meta.dump())
    assert loaded.url_issued == 1_800_000_000 and loaded.response_url == url
    assert len(meta.dump()) <= METADATA_MAX, "within Slack's 3000 characters (the levels left out)"
    assert ModalContext.load('{"issued": "soon"}').url_issued is None
