"""`/mentor signup` and `/mentor request` without enough input open a modal; refusals are field errors."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from mentorbot.models import RequestStatus
from mentorbot.ratelimit import RateLimiter
from mentorbot.replies import Outcome
from tests.fakes.slack_ids import DEFAULT_CHANNEL_ID
from tests.fakes.slack_signing import view_submission
from tests.slack.conftest import (
    ALICE,
    BOB,
    COMMUNITY,
    EN,
    Workspace,
    number_state,
    skills_state,
    text_state,
)


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The input blocks of a view by block id."""
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


async def test_signup_modal_lists_the_taxonomy_and_remembers_where_it_was_opened(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(ALICE, "signup")
    [modal] = ws.fake.modals_of(ALICE)
    view = modal.view
    assert view["title"]["text"] == EN("slack.modal.signup_title")
    assert view["submit"]["text"] == EN("slack.modal.submit_signup")
    blocks = inputs(view)
    assert list(blocks) == ["skills", "levels", "capacity", "languages", "bio"]
    select = blocks["skills"]["element"]
    assert select["type"] == "multi_external_select" and select["min_query_length"] == 0
    # The picker loads its options from the app: with nothing typed, the whole (small) taxonomy, by category.
    loaded = await ws.slack.block_suggestion(value="", private_metadata=view["private_metadata"], user_id=ALICE)
    assert loaded.status == 200
    groups = loaded.json()["option_groups"]
    offered = [o["value"] for g in groups for o in g["options"]]
    assert sorted(offered) == sorted(s.slug for s in ws.bot.library.taxonomy.skills)
    labels = {o["value"]: o["text"]["text"] for g in groups for o in g["options"]}
    assert labels["crisis-communications"] == "Crisis communications"
    assert blocks["capacity"]["element"]["type"] == "number_input"
    assert blocks["bio"]["element"]["max_length"] == 500
    meta = json.loads(view["private_metadata"])
    assert meta["channel"] == DEFAULT_CHANNEL_ID and meta["response_url"].startswith(ws.fake.url)
    assert ws.seen(ALICE) == [], "opening the modal is the answer"


async def test_signup_submitted_saves_the_profile_and_answers_in_the_channel(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(ALICE, "signup capacity:3 bio:Brand person")  # typed values prefill the modal
    [modal] = ws.fake.modals_of(ALICE)
    blocks = inputs(modal.view)
    assert blocks["capacity"]["element"]["initial_value"] == "3"
    assert blocks["bio"]["element"]["initial_value"] == "Brand person"

    response = await ws.submit(
        ALICE,
        modal.view,
        {
            "skills": skills_state("brand-strategy", "crisis-communications"),
            "levels": text_state("brand-strategy:expert"),
            "capacity": number_state("3"),
            "bio": text_state("Brand person"),
        },
    )
    assert (response.status, response.text) == (200, "")
    [reply] = ws.seen(ALICE)
    assert reply.kind == "response_url" and reply.channel == DEFAULT_CHANNEL_ID
    assert EN("signup.created") in (reply.text or "")
    member = await ws.member(ALICE)
    profile = await ws.bot.store.get_mentor_profile(member.id)
    assert profile is not None
    assert {k: v.value for k, v in profile.skills.items()} == {
        "brand-strategy": "expert",
        "crisis-communications": "practitioner",
    }
    assert (profile.capacity, profile.bio, profile.timezone) == (3, "Brand person", "Africa/Nairobi")

    # A mentor's /mentor signup opens the modal filled with the profile; with options it updates directly.
    await ws.mentor(ALICE, "signup")
    again = inputs(ws.fake.modals_of(ALICE)[-1].view)
    assert {o["value"] for o in again["skills"]["element"]["initial_options"]} == {
        "crisis-communications",
        "brand-strategy",
    }
    assert again["capacity"]["element"]["initial_value"] == "3"
    await ws.mentor(ALICE, "signup capacity:4")
    assert EN("signup.updated") in (ws.last(ALICE).text or "")
    assert len(ws.fake.modals_of(ALICE)) == 2


async def test_signup_refusals_come_back_as_field_errors(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(ALICE, "signup")
    [modal] = ws.fake.modals_of(ALICE)
    cases = [
        (
            {"levels": text_state("guru")},
            "levels",
            EN("input.bad_level", value="guru", allowed="learning, practitioner, expert"),
        ),
        ({"levels": text_state("expert, learning, expert")}, "levels", EN("input.levels_count", levels=3, count=1)),
        ({"capacity": number_state("11")}, "capacity", EN("input.bad_capacity", value="11")),
        ({"bio": text_state("x" * 501)}, "bio", EN("input.too_long", field="bio", max=500, length=501)),
        ({"skills": skills_state()}, "skills", EN("input.no_skills")),
    ]
    for values, block, message in cases:
        state = {"skills": skills_state("seo"), **values}
        response = await ws.submit(ALICE, modal.view, state)
        assert response.status == 200
        assert response.json() == {"response_action": "errors", "errors": {block: message}}, block
    # Each refusal rolled its whole command back: not even her member row (this was her first command) is kept.
    assert await ws.bot.store.find_member(COMMUNITY, ALICE) is None
    assert ws.seen(ALICE) == [], "errors are shown in the modal only"


async def test_request_modal_opens_without_skills_and_submits(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo levels:expert")
    await ws.mentor(ALICE, "request note:help with our launch")
    [modal] = ws.fake.modals_of(ALICE)
    assert modal.view["callback_id"] == "mentorbot:request"
    assert modal.view["title"]["text"] == EN("slack.modal.request_title")
    blocks = inputs(modal.view)
    assert list(blocks) == ["skills", "note"]
    assert blocks["skills"]["element"]["max_selected_items"] == 5
    assert blocks["note"]["element"]["initial_value"] == "help with our launch"

    response = await ws.submit(
        ALICE, modal.view, {"skills": skills_state("seo"), "note": text_state("help with our launch")}
    )
    assert (response.status, response.text) == (200, "")
    assert ws.texts(ALICE) == [EN("request.offered", id=1, skills="SEO")]
    [offer] = ws.dms(BOB)
    assert "help with our launch" in offer["text"]


async def test_request_refusals_come_back_as_field_errors(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(ALICE, "request")
    [modal] = ws.fake.modals_of(ALICE)
    unknown = await ws.submit(ALICE, modal.view, {"skills": skills_state("seoo")})
    assert unknown.json()["errors"] == {"skills": EN("skills.unknown", tag="seoo", suggestions="seo (SEO)")}
    control = await ws.submit(ALICE, modal.view, {"skills": skills_state("seo"), "note": text_state("a\x07b")})
    assert control.json()["errors"] == {"note": EN("input.control_characters", field="note")}
    for skill in ("seo", "copywriting", "paid-social"):
        await ws.submit(ALICE, modal.view, {"skills": skills_state(skill)})
    duplicate = await ws.submit(ALICE, modal.view, {"skills": skills_state("seo")})
    assert duplicate.json()["errors"] == {"skills": EN("request.duplicate", id=1)}
    limit = await ws.submit(ALICE, modal.view, {"skills": skills_state("leadership")})
    assert limit.json()["errors"] == {"skills": EN("request.limit", count=3)}


async def test_a_verdict_later_than_the_budget_closes_the_modal_and_comes_as_a_message(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = workspace
    await ws.mentor(ALICE, "request")
    [modal] = ws.fake.modals_of(ALICE)
    ws.adapter.ack_budget = 0.05
    request = ws.bot.request

    async def slow_request(*args: Any, **kwargs: Any) -> Outcome:
        await asyncio.sleep(0.2)
        return await request(*args, **kwargs)

    monkeypatch.setattr(ws.bot, "request", slow_request)
    response = await ws.submit(ALICE, modal.view, {"skills": skills_state("seoo")})
    assert (response.status, response.text) == (200, ""), "the modal closed: no field error can be shown now"
    [reply] = ws.seen(ALICE)
    assert reply.kind == "response_url" and reply.channel == DEFAULT_CHANNEL_ID
    assert reply.text == EN("skills.unknown", tag="seoo", suggestions="seo (SEO)")


async def test_a_redelivered_submission_is_handled_once(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(ALICE, "request")
    [modal] = ws.fake.modals_of(ALICE)
    payload = view_submission(
        callback_id="mentorbot:request",
        private_metadata=modal.view["private_metadata"],
        view_id=modal.view["id"],
        blocks=modal.view["blocks"],
        state_values={"skills": {"value": skills_state("seo")}},
        user_id=ALICE,
        user_name="alice",
        trigger_id=ws.fake.new_trigger_id(ALICE),
    )
    first = await ws.send(payload)
    again = await ws.send(payload, retry_num=1, retry_reason="timeout")
    assert (first.status, again.status) == (200, 200) and again.text == ""
    requests = await ws.bot.store.list_requests(None, list(RequestStatus))
    assert len(requests) == 1
    assert len(ws.texts(ALICE)) == 1


async def test_opening_a_form_counts_against_the_rate_limit(workspace: Workspace) -> None:
    """Before: `/mentor request` with nothing typed opened the form (a database read and a views.open call) 40
    times a minute under a limit of 3, since only a use-case counted. Now each opening counts, and past the limit
    the member gets the refusal instead of a form."""
    ws = workspace
    ws.bot.rate_limiter = RateLimiter(3, ws.clock)
    before = len(ws.calls("views.open"))
    for _ in range(6):
        await ws.mentor(ALICE, "request")
    assert len(ws.calls("views.open")) - before == 3
    assert any("going a bit fast" in text for text in ws.texts(ALICE))
