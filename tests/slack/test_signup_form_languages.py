"""The Slack signup form has a languages input: a mentor who signs up through the form (the route docs/slack.md
recommends) sets the languages they mentor in there, instead of being stored with the bot's reply language only.
It is prefilled with the languages typed with the command or the profile's (``fr, sw``), optional (left empty,
the current ones are kept), labelled in the member's language, and read by the core (`inputs.parse_languages`): a
code it does not know is the core's refusal, shown on that input (found by the SPEC hunt)."""

from __future__ import annotations

from typing import Any

import pytest

from mentorbot.errors import UserError
from mentorbot.inputs import parse_languages
from mentorbot.models import MentorProfile
from tests.slack.conftest import ALICE, BOB, COMMUNITY, EN, SW, Workspace, number_state, skills_state, text_state


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The input blocks of a view by block id."""
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


async def profile_of(ws: Workspace, user: str) -> MentorProfile:
    profile = await ws.bot.mentor_profile(COMMUNITY, user)
    assert profile is not None
    return profile


def bad_language(value: str) -> str:
    """The core's refusal of a language it does not know, in English."""
    with pytest.raises(UserError) as refused:
        parse_languages(value, "en")
    return EN(refused.value.key, **refused.value.params)


async def test_a_new_mentor_sets_languages_in_the_form(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(ALICE, "signup")
    [modal] = ws.fake.modals_of(ALICE)
    field = inputs(modal.view)["languages"]
    assert field["label"]["text"] == EN("status.languages")
    assert field["hint"]["text"] == EN("slack.modal.languages_hint")
    assert field["optional"] is True and field["element"]["type"] == "plain_text_input"
    assert "initial_value" not in field["element"], "nothing to prefill for a new mentor"
    assert list(inputs(modal.view)) == ["skills", "levels", "capacity", "languages", "bio"]
    done = await ws.submit(
        ALICE, modal.view, {"skills": skills_state("seo"), "languages": text_state("English, Kiswahili")}
    )
    assert (done.status, done.text) == (200, "")
    assert (await profile_of(ws, ALICE)).languages == ("en", "sw")


async def test_the_form_is_prefilled_with_typed_languages_then_with_the_profiles(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(ALICE, "signup languages:fr, Kiswahili bio:Brand person")
    [typed] = ws.fake.modals_of(ALICE)
    assert inputs(typed.view)["languages"]["element"]["initial_value"] == "fr, sw"
    await ws.submit(ALICE, typed.view, {"skills": skills_state("brand-strategy"), "languages": text_state("fr, sw")})
    assert (await profile_of(ws, ALICE)).languages == ("fr", "sw")

    await ws.mentor(ALICE, "signup")
    reopened = ws.fake.modals_of(ALICE)[-1]
    assert inputs(reopened.view)["languages"]["element"]["initial_value"] == "fr, sw"
    await ws.submit(
        ALICE,
        reopened.view,
        {"skills": skills_state("brand-strategy"), "capacity": number_state("2"), "languages": text_state("en")},
    )
    profile = await profile_of(ws, ALICE)
    assert (profile.languages, profile.capacity) == (("en",), 2)


async def test_left_empty_the_languages_stay_as_they_were(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo languages:sw, en")
    await ws.mentor(BOB, "signup")
    modal = ws.fake.modals_of(BOB)[-1]
    await ws.submit(BOB, modal.view, {"skills": skills_state("seo"), "languages": text_state(None)})
    assert (await profile_of(ws, BOB)).languages == ("sw", "en")


async def test_a_form_without_the_languages_input_keeps_the_typed_ones(workspace: Workspace) -> None:
    """A form opened before the input existed (its state has none) gives the languages typed with the command."""
    ws = workspace
    await ws.mentor(ALICE, "signup languages:fr, sw bio:Brand person")
    [modal] = ws.fake.modals_of(ALICE)
    view = {**modal.view, "blocks": [b for b in modal.view["blocks"] if b.get("block_id") != "languages"]}
    await ws.submit(ALICE, view, {"skills": skills_state("brand-strategy"), "bio": text_state("Brand person")})
    assert (await profile_of(ws, ALICE)).languages == ("fr", "sw")


async def test_a_language_the_core_does_not_know_is_refused_on_the_languages_input(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo languages:sw")
    await ws.mentor(BOB, "signup")
    modal = ws.fake.modals_of(BOB)[-1]
    refused = await ws.submit(BOB, modal.view, {"skills": skills_state("seo"), "languages": text_state("en, xx")})
    assert refused.status == 200
    assert refused.json() == {"response_action": "errors", "errors": {"languages": bad_language("en, xx")}}
    assert (await profile_of(ws, BOB)).languages == ("sw",), "nothing changed"

    await ws.mentor(ALICE, "signup")
    [first] = ws.fake.modals_of(ALICE)
    refused = await ws.submit(ALICE, first.view, {"skills": skills_state("seo"), "languages": text_state("Klingon")})
    assert refused.json()["errors"] == {"languages": bad_language("Klingon")}
    assert await ws.bot.mentor_profile(COMMUNITY, ALICE) is None


async def test_the_languages_input_speaks_the_members_language(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(ALICE, "language sw")
    await ws.mentor(ALICE, "signup")
    [modal] = ws.fake.modals_of(ALICE)
    field = inputs(modal.view)["languages"]
    assert field["label"]["text"] == SW("status.languages") == "Lugha"
    assert field["hint"]["text"] == SW("slack.modal.languages_hint")
    assert SW("slack.modal.languages_hint") != EN("slack.modal.languages_hint")
    await ws.submit(ALICE, modal.view, {"skills": skills_state("seo"), "languages": text_state(None)})
    assert (await profile_of(ws, ALICE)).languages == ("sw",), "a new mentor's: the language of the bot's replies"
