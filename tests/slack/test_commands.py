"""Every slash command through signed HTTP: the shared parser, the core, ephemeral replies, DMs."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
from typing import Any

import pytest

from mentorbot.models import MentorStatus, RequestStatus
from mentorbot.replies import Outcome
from tests.fakes.slack_ids import DEFAULT_CHANNEL_ID, TEAM_ID
from tests.fakes.slack_web_api import FakeSlack
from tests.slack.conftest import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    EN,
    EVE,
    SW,
    Uploads,
    Workspace,
    find_button,
    unescape,
)


async def mentors(ws: Workspace) -> None:
    """Bob and Dave mentor SEO; Bob also copywriting."""
    await ws.mentor(BOB, "signup skills:seo, copywriting levels:expert capacity:2")
    await ws.mentor(DAVE, "signup skills:seo levels:practitioner")


async def test_replies_are_ephemeral_through_the_response_url(workspace: Workspace) -> None:
    ws = workspace
    response = await ws.command(ALICE, "/skills")
    assert (response.status, response.text) == (200, "")  # acknowledged at once, answered after
    [post] = ws.fake.response_posts
    assert post.response_type == "ephemeral" and post.user_id == ALICE
    assert ws.texts(ALICE)[0].startswith(EN("skills.list.title"))
    assert post.blocks is not None and post.blocks[0]["type"] == "header"


async def test_with_an_answer_budget_quick_answers_come_in_the_acknowledgement(workspace: Workspace) -> None:
    ws = workspace
    ws.adapter.answer_budget = 1.0
    response = await ws.command(ALICE, "/skills")
    answer = response.json()  # Slack's immediate response: shown only to Alice, no response_url needed
    assert response.status == 200 and answer["response_type"] == "ephemeral"
    assert unescape(answer["text"]).startswith(EN("skills.list.title"))
    assert answer["blocks"][0]["type"] == "header"
    assert ws.fake.response_posts == []
    assert ws.kinds(ALICE) == ["ack"]

    # Buttons in an answer carried by the acknowledgement work like any other: the click replaces it.
    await ws.mentor(BOB, "signup skills:seo")
    await ws.mentor(ALICE, "request skills:seo")
    await ws.mentor(BOB, "status")
    status = ws.last(BOB, kind="ack")
    message = {**status.raw, "ts": "1700000002.000001"}
    await ws.click(BOB, message, "offer.accept", channel_id=DEFAULT_CHANNEL_ID, is_ephemeral=True)
    replaced = ws.fake.response_posts[-1]
    accepted = EN("offer.title", id=1) + "\n" + EN("offer.accepted", id=1)
    assert replaced.replace_original and unescape(replaced.text or "") == accepted
    assert unescape(ws.dms(BOB)[0]["text"]) == accepted, "the offer's DM too"

    # Typed accept and decline answer in the acknowledgement and still turn the offer's DM into the outcome.
    await ws.mentor(DAVE, "signup skills:copywriting")
    await ws.mentor(ALICE, "request skills:copywriting")
    await ws.mentor(DAVE, "decline 2")
    # Dave is the only copywriting mentor: the request is back on the waitlist, and the answer says so.
    assert ws.texts(DAVE, kind="ack")[-1] == EN("offer.declined_waiting", id=2)
    assert unescape(ws.dms(DAVE)[0]["text"]) == EN("offer.declined_waiting", id=2)
    assert ws.kinds(ALICE) == ["ack", "ack", "dm", "ack", "dm"], "intro and waiting notice by DM"


async def test_an_answer_later_than_the_budget_comes_through_the_response_url(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = workspace
    ws.adapter.answer_budget = 0.05
    skills = ws.bot.skills

    async def slow_skills(*args: Any, **kwargs: Any) -> Outcome:
        await asyncio.sleep(0.3)
        return await skills(*args, **kwargs)

    monkeypatch.setattr(ws.bot, "skills", slow_skills)
    started = time.monotonic()
    response = await ws.slack.slash_command(command="/skills", user_id=ALICE, user_name="alice")
    assert (response.status, response.text) == (200, "")  # acknowledged once the budget ran out
    assert time.monotonic() - started < 0.3
    await ws.settle()
    [post] = ws.fake.response_posts
    assert post.response_type == "ephemeral" and post.user_id == ALICE
    assert ws.texts(ALICE)[0].startswith(EN("skills.list.title"))


async def test_follow_ups_never_hold_the_acknowledgement(workspace: Workspace) -> None:
    ws = workspace
    ws.adapter.answer_budget = 1.0
    await ws.mentor(BOB, "signup skills:seo")
    ws.fake.rate_limit("chat.postMessage", times=1, retry_after=1)  # Bob's offer DM waits a second
    started = time.monotonic()
    response = await ws.slack.slash_command(
        command="/mentor", text="request skills:seo", user_id=ALICE, user_name="alice"
    )
    assert time.monotonic() - started < 0.5
    assert unescape(response.json()["text"]) == EN("request.offered", id=1, skills="SEO")
    await ws.settle()
    [offer] = ws.dms(BOB)
    assert unescape(offer["text"]).startswith(EN("offer.title", id=1))


async def test_a_command_whose_form_holds_the_word_payload_is_answered(workspace: Workspace) -> None:
    """Bolt's HTTP parser reads any form containing "payload" as an interaction and, finding no ``payload=`` field,
    as an empty body: such a command reached no listener (Slack's "dispatch_failed"). The gate hands Bolt the
    form it parsed, so the text, the channel's name or the member's name may hold the word."""
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo")
    await ws.mentor(ALICE, "request skills:seo note:our payload of ads is late", channel_name="payload-team")
    assert ws.texts(ALICE)[-1] == EN("request.offered", id=1, skills="SEO")
    [offer] = ws.dms(BOB)
    assert "our payload of ads is late" in unescape(offer["text"])
    await ws.command(ALICE, "/courses", "skills:seo", channel_name="payload-team")
    assert ws.texts(ALICE)[-1].startswith(EN("courses.title", skills="SEO"))


async def test_skills_courses_and_help(workspace: Workspace) -> None:
    ws = workspace
    await ws.command(ALICE, "/skills", "crisis")
    assert ws.texts(ALICE)[-1].startswith(EN("skills.list.title_query", query="crisis"))
    assert "Crisis communications" in ws.texts(ALICE)[-1]

    await ws.command(ALICE, "/courses", "skills:seo free:yes")
    courses = ws.texts(ALICE)[-1]
    assert courses.startswith(EN("courses.title", skills="SEO")) and "http" in courses

    await ws.mentor(ALICE, "help")
    help_text = ws.texts(ALICE)[-1]
    assert help_text.startswith(EN("commands.help.title"))
    assert "/mentor request skills:<tags> [note:<text>]" in help_text
    assert EN("commands.help.admins") not in help_text

    await ws.mentor(ALICE)  # /mentor alone is the help too
    assert ws.texts(ALICE)[-1] == help_text

    await ws.command(CAROL, "/mentor-admin", "help")
    assert EN("commands.help.admins") in ws.texts(CAROL)[-1], "workspace admins see the admin commands"


async def test_parse_errors_are_localized_replies(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(ALICE, "stauts")
    assert ws.texts(ALICE)[-1] == EN(
        "commands.unknown_command", command="/mentor stauts", suggestions="`/mentor status`"
    )
    await ws.mentor(ALICE, "accept")
    assert ws.texts(ALICE)[-1] == EN(
        "commands.missing_argument", command="/mentor accept", option="offer", usage="/mentor accept <offer>"
    )
    await ws.mentor(ALICE, 'request skills:"seo note:never closed')  # outside free text: refused
    assert ws.texts(ALICE)[-1] == EN("commands.unbalanced_quotes", quote='"')
    assert await ws.bot.store.list_requests(None, list(RequestStatus)) == []


async def test_signup_request_cancel_and_status_typed(workspace: Workspace) -> None:
    ws = workspace
    await mentors(ws)
    assert ws.texts(BOB)[0].startswith(EN("signup.title") + "\n" + EN("signup.created"))
    await ws.mentor(BOB, "signup capacity:3")
    assert ws.texts(BOB)[-1].startswith(EN("signup.title") + "\n" + EN("signup.updated"))

    await ws.mentor(ALICE, "request skills:copywriting")
    assert ws.texts(ALICE)[-1] == EN("request.offered", id=1, skills="Copywriting")
    await ws.mentor(ALICE, "request paid social, seo note:launch week")  # bare words fill skills
    await ws.mentor(ALICE, "status")
    status = ws.texts(ALICE)[-1]
    assert status.startswith(EN("status.title", name="alice"))
    assert "#1 Copywriting: offered to bob" in status and "#2 Paid social and SEO: offered to" in status

    await ws.mentor(ALICE, "cancel")
    assert ws.texts(ALICE)[-1] == EN("cancel.which", ids="#1, #2", example=2)
    await ws.mentor(ALICE, "cancel 1")
    assert ws.texts(ALICE)[-1] == EN("cancel.done", id=1)
    # Bob's offer for the cancelled request turns into "withdrawn" in place.
    withdrawn = unescape(ws.dms(BOB)[0]["text"])
    assert withdrawn == EN("offer.withdrawn", id=1)


async def test_the_caller_carries_only_slacks_own_admin_fact(workspace: Workspace) -> None:
    ws = workspace
    carol = await ws.adapter.caller(TEAM_ID, CAROL, "carol", channel=None, event_id=None)
    eve = await ws.adapter.caller(TEAM_ID, EVE, "eve", channel=None, event_id=None)
    assert carol.is_admin, "a workspace admin, as users.info says"
    assert not eve.is_admin, "MENTORBOT_ADMIN_IDS are the core's to add (see test_admin_commands)"


async def test_accept_and_decline_typed_update_the_offer_message(workspace: Workspace) -> None:
    ws = workspace
    await mentors(ws)
    await ws.mentor(ALICE, "request skills:seo")
    [offer] = ws.dms(BOB)
    assert unescape(offer["text"]).startswith(EN("offer.title", id=1))

    await ws.mentor(BOB, "decline 1 too busy this month")
    assert ws.texts(BOB, kind="response_url")[-1] == EN("offer.declined", id=1)
    assert unescape(ws.dms(BOB)[0]["text"]) == EN("offer.declined", id=1), "the offer DM shows the outcome"
    [dave_offer] = ws.dms(DAVE)
    assert unescape(dave_offer["text"]).startswith(EN("offer.title", id=2))

    await ws.mentor(DAVE, "accept #2")
    accepted = EN("offer.title", id=2) + "\n" + EN("offer.accepted", id=2)
    assert ws.texts(DAVE, kind="response_url")[-1] == accepted
    assert unescape(ws.dms(DAVE)[0]["text"]) == accepted
    assert EN("intro.text_mentee", other=f"<@{DAVE}>", id=1) in unescape(ws.dms(ALICE)[-1]["text"])
    await ws.mentor(BOB, "accept 1")
    assert ws.texts(BOB, kind="response_url")[-1] == EN("offer.already_declined", id=1)


async def test_pause_resume_end_and_language(workspace: Workspace) -> None:
    ws = workspace
    await mentors(ws)
    await ws.mentor(BOB, "pause 3d")
    assert ws.texts(BOB)[-1] == EN("pause.done_until", until="2026-01-08 12:00 (Africa/Nairobi)")
    await ws.mentor(BOB, "resume")
    assert ws.texts(BOB)[-1] == EN("resume.done")

    await ws.mentor(ALICE, "request skills:copywriting")
    await ws.mentor(BOB, "accept 1")
    await ws.mentor(BOB, "end 1 4 good sessions")  # positional: mentorship, rating, comment
    assert ws.texts(BOB)[-1] == EN("end.done", id=1)
    assert unescape(ws.dms(ALICE)[-1]["text"]).startswith(EN("end.notice", id=1) + "\n")

    await ws.mentor(ALICE, "language sw")
    assert ws.texts(ALICE)[-1] == SW("language.set")
    await ws.mentor(ALICE, "stauts")
    assert ws.texts(ALICE)[-1] == SW(
        "commands.unknown_command", command="/mentor stauts", suggestions="`/mentor status`"
    )
    await ws.mentor(ALICE, "request")  # the modal speaks Swahili too
    [modal] = ws.fake.modals_of(ALICE)
    assert modal.view["title"]["text"] == SW("slack.modal.request_title")
    assert SW("slack.home.hint") in ws.home_text(ALICE)


async def test_export_sends_the_file_by_dm(workspace: Workspace, uploads: Uploads) -> None:
    ws = workspace
    await ws.mentor(ALICE, "request skills:seo")
    response = await ws.mentor(ALICE, "export")
    assert unescape(response.json()["text"]) == EN("slack.ack.working"), "a slow command says it is on it"
    reply = ws.last(ALICE)
    assert reply.kind == "response_url"
    # The note above the answer is the first line of the plain text too (screen readers read only that).
    assert unescape(reply.text or "").splitlines()[1:] == EN("export.done").splitlines()
    assert EN("slack.files.sent", count=1) in json.dumps(reply.blocks, ensure_ascii=False)
    [completed] = uploads.completed
    assert completed["channel_id"] == ws.fake.dm_channel_of(ALICE)
    assert completed["initial_comment"] == EN("export.done")
    data = json.loads(uploads.files["mentorbot-export.json"])
    assert data["member"]["display_name"] == "alice"


async def test_export_failure_is_said_without_details(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(ALICE, "export")  # the fake has no file upload: the upload fails
    assert EN("slack.files.failed", count=1) in json.dumps(ws.last(ALICE).blocks, ensure_ascii=False)


async def test_forget_asks_then_the_button_deletes(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(ALICE, "request skills:seo")
    await ws.mentor(ALICE, "forget")
    confirm = ws.fake.response_posts[-1]
    assert unescape(confirm.text or "") == EN("forget.confirm")
    button = find_button(confirm.body, "forget.confirm")
    assert button["style"] == "danger" and button["text"]["text"] == EN("forget.confirm_button")

    message = {**confirm.body, "ts": "1700000001.000001"}
    await ws.click(ALICE, message, "forget.confirm", channel_id=DEFAULT_CHANNEL_ID, is_ephemeral=True)
    done = ws.fake.response_posts[-1]
    assert done.replace_original and unescape(done.text or "") == EN("forget.done")
    assert await ws.bot.store.find_member("slack:T0MENTOR01", ALICE) is None


async def test_someone_elses_forget_button_does_nothing(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(ALICE, "forget")
    confirm = ws.fake.response_posts[-1]
    message = {**confirm.body, "ts": "1700000001.000001"}
    await ws.click(BOB, message, "forget.confirm", channel_id=DEFAULT_CHANNEL_ID, is_ephemeral=True)
    refusal = ws.fake.response_posts[-1]
    assert not refusal.replace_original and refusal.user_id == BOB
    assert unescape(refusal.text or "") == EN("commands.not_your_button")
    assert await ws.bot.store.find_member("slack:T0MENTOR01", ALICE) is not None


async def test_admin_commands(workspace: Workspace, uploads: Uploads) -> None:
    ws = workspace
    await mentors(ws)
    await ws.command(ALICE, "/mentor-admin", "stats")
    assert ws.texts(ALICE)[-1] == EN("common.not_admin")

    await ws.command(CAROL, "/mentor-admin", "stats")  # a workspace admin (users.info)
    assert ws.texts(CAROL)[-1].split("\n", 1)[1].startswith(EN("stats.title")), "after the note on the chart"
    await ws.command(EVE, "/mentor-admin", "stats")  # an admin by MENTORBOT_ADMIN_IDS
    assert ws.texts(EVE)[-1].split("\n", 1)[1].startswith(EN("stats.title")), "after the note on the chart"

    await ws.mentor(BOB, "pause")
    await ws.mentor(DAVE, "pause")
    await ws.mentor(ALICE, "request skills:seo")
    await ws.command(CAROL, "/mentor-admin", "waitlist")
    assert ws.texts(CAROL)[-1].startswith(EN("waitlist.title", count=1))
    await ws.command(CAROL, "/mentor-admin", "round")
    assert ws.texts(CAROL)[-1].startswith(
        EN(
            "round.done",
            offered=EN("round.offers_sent", count=0),
            waiting=EN("round.still_waiting", count=1),
        )
    )

    await ws.command(CAROL, "/mentor-admin", "match 1 @dave")
    assert ws.texts(CAROL)[-1].startswith("Request #1 can't go to dave: dave is paused.")
    await ws.command(CAROL, "/mentor-admin", "match 1 @dave force:yes")
    forced = EN("admin.forced_paused")
    assert ws.texts(CAROL)[-1] == EN("admin.matched_forced", id=1, mentor="dave", mentorship=1, forced=forced)
    assert EN("intro.text_mentor_admin", other=f"<@{ALICE}>", id=1) in unescape(ws.dms(DAVE)[-1]["text"])

    await ws.command(CAROL, "/mentor-admin", f"pause <@{BOB}|bob>")  # an escaped mention works too
    assert ws.texts(CAROL)[-1] == EN("admin.paused", name="bob")
    assert unescape(ws.dms(BOB)[-1]["text"]) == EN("pause.by_admin")

    await ws.command(CAROL, "/mentor-admin", "end 1")
    # Session 38: in an admin's words (before: the party's "end.done", "has ended. Thank you!").
    assert ws.texts(CAROL)[-1] == EN("admin_end.done", id=1, mentor="dave", mentee="alice")
    assert unescape(ws.dms(ALICE)[-1]["text"]).startswith(EN("end.notice_admin", id=1) + "\n")

    await ws.command(CAROL, "/mentor-admin", "reload")
    assert ws.texts(CAROL)[-1].startswith("Reloaded: ")

    await ws.command(CAROL, "/mentor-admin", "export")
    assert unescape(ws.last(CAROL).text or "").splitlines()[1:] == EN("admin.exported", count=5).splitlines()
    completed = uploads.completed[-1]
    assert completed["channel_id"] == ws.fake.dm_channel_of(CAROL)
    rows = list(csv.DictReader(io.StringIO(uploads.files["members.csv"].decode())))
    assert {r["display_name"] for r in rows} == {"alice", "bob", "carol", "dave", "eve"}
    bob = await ws.member(BOB)
    profile = await ws.bot.store.get_mentor_profile(bob.id)
    assert profile is not None and profile.status is MentorStatus.PAUSED


async def test_admin_stats_uploads_the_chart_with_its_alt_text(workspace: Workspace, uploads: Uploads) -> None:
    ws = workspace
    await mentors(ws)
    await ws.mentor(ALICE, "request skills:paid-social")
    await ws.command(CAROL, "/mentor-admin", "stats chart:supply")
    assert ws.texts(CAROL)[-1].split("\n", 1)[1].startswith(EN("stats.title")), "after the note on the chart"
    picture = uploads.files["mentorbot-supply.png"]
    assert picture.startswith(b"\x89PNG\r\n\x1a\n") and len(picture) > 5_000
    [asked] = [r for r in uploads.requested if r["filename"] == "mentorbot-supply.png"]
    assert str(asked["alt_txt"]).startswith("Bar chart. " + EN("insight.supply_title"))
    assert "Paid social: free places 0, waiting requests 1" in str(asked["alt_txt"])


async def test_admin_recruit_drafts_the_message(workspace: Workspace) -> None:
    ws = workspace
    await mentors(ws)
    await ws.mentor(ALICE, "request skills:paid-social")
    await ws.command(CAROL, "/mentor-admin", "recruit")
    command = "/mentor signup skills:paid-social"
    assert EN("recruit.draft", skills="Paid social", waiting=1, count=1, command=command) in ws.texts(CAROL)[-1]
    await ws.command(ALICE, "/mentor-admin", "recruit")
    assert ws.texts(ALICE)[-1] == EN("common.not_admin")


async def test_a_notification_with_a_chart_is_posted_then_uploaded_into_the_dm(
    workspace: Workspace, uploads: Uploads
) -> None:
    from mentorbot.replies import Attachment, Reply

    ws = workspace
    await ws.mentor(EVE, "status")  # Eve becomes a member
    eve = await ws.member(EVE)
    chart = Attachment("mentorbot-supply.png", b"\x89PNG\r\n\x1a\n-chart", "image/png", description="Bar chart. x")
    note = ws.bot.core.notify(eve, Reply("Your week", title="Digest", attachments=(chart,)))
    await ws.adapter.delivery.notify([note])
    assert "Your week" in unescape(ws.dms(EVE)[-1]["text"])
    assert uploads.files["mentorbot-supply.png"] == chart.content
    [asked] = uploads.requested
    assert asked["alt_txt"] == "Bar chart. x"
    assert uploads.completed[-1]["channel_id"] == ws.fake.dm_channel_of(EVE)


@pytest.mark.parametrize("flag", ["is_restricted", "is_stranger", "deleted"])
async def test_a_guest_or_another_organisations_admin_is_no_admin_here(
    workspace: Workspace, slack_fake: FakeSlack, flag: str
) -> None:
    """An admin flag counts only on a full member of the workspace: a guest's, a deactivated account's, or that of
    a member of another organisation met in a Slack Connect channel (whose flags are their own organisation's)
    gives no /mentor-admin rights over this community."""
    slack_fake.add_user("U0GUEST", name="guest", is_admin=True, is_owner=True, **{flag: True})
    guest = await workspace.adapter.caller(TEAM_ID, "U0GUEST", "guest", channel=None, event_id=None)
    assert not guest.is_admin
