"""The skills picker of the signup and request forms with a 150-skill taxonomy (an external select whose
options the app loads), and the community of Slack Connect members and Enterprise Grid org-wide installs."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Option, OptionGroup
from slack_sdk.models.views import View

from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.ratelimit import RateLimiter
from mentorbot_slack.payloads import click_record, installation_of, submission_record
from mentorbot_slack.views import ModalContext, feedback_modal, request_modal, signup_modal, skill_options
from tests.big_taxonomy import big_library, generated_slug
from tests.fakes.slack_ids import TEAM_ID
from tests.fakes.slack_signing import (
    app_home_opened,
    block_actions,
    block_suggestion,
    slash_command,
    view_submission,
)
from tests.slack.conftest import (
    ALICE,
    BOB,
    DAVE,
    EN,
    Workspace,
    number_state,
    skills_state,
    text_state,
    unescape,
)

PAST_100 = [generated_slug(number) for number in range(136, 151)]  # the mentor's 15 skills, all past the 100th
GUEST = "U0GUEST001"  # a Slack Connect member from another organisation, in the host's shared channel
GUEST_TEAM = "T0GUEST001"
GUEST_ORG = "E0GUEST001"
ORG = "E0MENTORORG"  # the Enterprise Grid organisation of an org-wide install
OTHER_TEAM = "T0SALES001"  # another workspace of that organisation
SW = translator("sw")


@pytest.fixture
def library(tmp_path: Path) -> Library:
    """The 150-skill taxonomy instead of the shipped one."""
    return big_library(tmp_path)


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


async def load_options(ws: Workspace, view: dict[str, Any], typed: str, user: str = ALICE, **fields: Any) -> Any:
    response = await ws.slack.block_suggestion(
        value=typed, private_metadata=view["private_metadata"], callback_id=view["callback_id"], user_id=user, **fields
    )
    assert response.status == 200
    return response.json()


def option_values(answer: dict[str, Any]) -> list[str]:
    options = answer.get("options") or [o for g in answer.get("option_groups", []) for o in g["options"]]
    return [o["value"] for o in options]


# ------------------------------------------------------------------------------------------- the picker


async def test_skills_past_the_100th_are_preselected_and_survive_reopening_and_saving(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(ALICE, f"signup skills:{', '.join(PAST_100)} levels:expert capacity:2")
    assert EN("signup.created") in (ws.last(ALICE).text or "")

    await ws.mentor(ALICE, "signup")
    view = ws.fake.modals_of(ALICE)[-1].view
    select = inputs(view)["skills"]["element"]
    assert select["type"] == "multi_external_select" and select["max_selected_items"] == 15
    assert [o["value"] for o in select["initial_options"]] == PAST_100
    View(**view).validate_json()

    # Slack submits the preselected options unless the member removes one: saved with a new capacity.
    state = {"skills": skills_state(*(o["value"] for o in select["initial_options"])), "capacity": number_state("3")}
    response = await ws.submit(ALICE, view, state)
    assert (response.status, response.text) == (200, "")
    profile = await ws.bot.store.get_mentor_profile((await ws.member(ALICE)).id)
    assert profile is not None and sorted(profile.skills) == sorted(PAST_100) and profile.capacity == 3


async def test_the_options_load_finds_any_skill_by_slug_label_or_alias_in_the_members_language(
    workspace: Workspace,
) -> None:
    ws = workspace
    await ws.mentor(BOB, "language sw")
    await ws.mentor(BOB, "request")
    view = ws.fake.modals_of(BOB)[-1].view
    assert json.loads(view["private_metadata"])["lang"] == "sw"
    for typed in ("partnership deals 149", generated_slug(149), "Mazungumzo ya ushirikiano na washawishi 149"):
        answer = await load_options(ws, view, typed, BOB)
        assert option_values(answer)[0] == generated_slug(149), typed
    [first] = [o for o in (await load_options(ws, view, "deals 149", BOB))["options"]]
    assert first["text"]["text"] == "Mazungumzo ya ushirikiano na washawishi 149"

    everything = await load_options(ws, view, "", BOB)  # nothing typed: the first 100, grouped by category
    assert len(option_values(everything)) == 100
    labels = [g["label"]["text"] for g in everything["option_groups"]]
    assert SW("skills.category.strategy") in labels
    for group in everything["option_groups"]:
        OptionGroup(label=group["label"]["text"], options=[Option(**o) for o in group["options"]]).to_dict()
    assert option_values(await load_options(ws, view, "zzzz-nothing", BOB)) == []


async def test_the_options_load_answers_within_slacks_budget(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(ALICE, "request")
    view = ws.fake.modals_of(ALICE)[-1].view
    started = time.perf_counter()
    for typed in ("", "p", "partner", "deals 1", "negotiation 15", "zz"):
        await load_options(ws, view, typed)
    over_http = (time.perf_counter() - started) / 6
    assert over_http < 0.5, f"{over_http:.3f} s per options load over HTTP (Slack allows 3)"
    taxonomy, t = ws.bot.library.taxonomy, translator("en")
    started = time.perf_counter()
    for _ in range(100):
        skill_options(taxonomy, "negotiation 14", t)
    assert (time.perf_counter() - started) / 100 < 0.01, "the search is pure and in memory: well under 10 ms"


async def test_options_loads_are_rate_limited_per_member(workspace: Workspace, clock: ManualClock) -> None:
    ws = workspace
    await ws.mentor(ALICE, "request")
    view = ws.fake.modals_of(ALICE)[-1].view
    ws.adapter.options_limiter = RateLimiter(2, clock)
    assert option_values(await load_options(ws, view, "deals"))
    assert option_values(await load_options(ws, view, "deals"))
    assert option_values(await load_options(ws, view, "deals")) == [], "over the limit: no options"
    assert option_values(await load_options(ws, view, "deals", BOB)), "another member has a bucket of their own"


def test_every_modal_is_a_valid_slack_view(library: Library) -> None:
    taxonomy = library.taxonomy
    for lang in ("en", "sw"):
        t = translator(lang)
        meta = ModalContext("C0GENERAL1", "https://hooks.slack.com/x", lang=lang)
        for view in (
            signup_modal(taxonomy, t, meta),
            signup_modal(taxonomy, t, meta, typed={"capacity": "3", "bio": "hi"}),
            request_modal(taxonomy, t, meta, typed={"note": "help"}),
            feedback_modal(t, ModalContext("C1", None, "feedback.open", "12", lang)),
        ):
            View(**view).validate_json()
        answer = skill_options(taxonomy, "", t)
        assert sum(len(g["options"]) for g in answer["option_groups"]) == 100


# ------------------------------------------------------------------------------------ Slack Connect, Grid


def test_the_installation_of_each_real_payload_shape() -> None:
    """Slack Connect: the clicker's and submitter's own team is elsewhere; the installation is the host's.
    Org-wide install: the organisation, from whichever of its workspaces."""
    connect = [
        block_actions(action_id="mentorbot:offer.accept:1", user_id=GUEST, user_team_id=GUEST_TEAM),
        view_submission(
            callback_id="mentorbot:request", user_id=GUEST, user_team_id=GUEST_TEAM, enterprise_id=GUEST_ORG
        ),
        block_suggestion(user_id=GUEST, user_team_id=GUEST_TEAM, enterprise_id=GUEST_ORG),
        app_home_opened(user_id=GUEST, is_ext_shared_channel=True),
    ]
    for payload in connect:
        assert installation_of(payload.data) == TEAM_ID, payload.data.get("type")
    submission = connect[1].data
    assert submission["team"]["id"] == GUEST_TEAM and submission["view"]["app_installed_team_id"] == TEAM_ID
    org_wide = [
        slash_command(team_id=OTHER_TEAM, enterprise_id=ORG, is_enterprise_install=True),
        block_actions(action_id="x", team_id=OTHER_TEAM, enterprise_id=ORG, is_enterprise_install=True),
        view_submission(callback_id="x", team_id=OTHER_TEAM, enterprise_id=ORG, is_enterprise_install=True),
        block_suggestion(team_id=OTHER_TEAM, enterprise_id=ORG, is_enterprise_install=True),
        app_home_opened(team_id=OTHER_TEAM, enterprise_id=ORG, is_enterprise_install=True),
    ]
    for payload in org_wide:
        assert installation_of(payload.data) == ORG, payload.data.get("type") or payload.data.get("command")
    # A workspace of an organisation, installed in that workspace only: the workspace.
    assert installation_of(slash_command(enterprise_id=ORG).data) == TEAM_ID
    # What the inbox keeps of a click or a submission still names the installation after a restart.
    click = click_record(connect[0].data)
    assert installation_of(click) == TEAM_ID
    record = submission_record(submission, submission["view"], "request")
    assert installation_of({**record["body"], "view": record["view"]}) == TEAM_ID
    grid = org_wide[2].data
    record = submission_record(grid, grid["view"], "signup")
    assert installation_of({**record["body"], "view": record["view"]}) == ORG


async def test_a_slack_connect_member_is_enrolled_in_the_host_community_and_finds_its_mentors(
    workspace: Workspace,
) -> None:
    ws = workspace
    ws.fake.add_user(GUEST, name="guest", real_name="Gita Guest", tz="Europe/Berlin")
    await ws.mentor(BOB, f"signup skills:{generated_slug(140)} levels:expert")
    await ws.mentor(ALICE, "request")  # any modal: its metadata says where to answer
    view = ws.fake.modals_of(ALICE)[-1].view

    # The guest loads the picker's options and submits the form from the host's shared channel.
    answer = await load_options(ws, view, "deals 140", GUEST, user_team_id=GUEST_TEAM, enterprise_id=GUEST_ORG)
    assert option_values(answer)[0] == generated_slug(140)
    response = await ws.slack.view_submission(
        callback_id=view["callback_id"],
        private_metadata=view["private_metadata"],
        view_id=view["id"],
        blocks=view["blocks"],
        state_values={"skills": {"value": skills_state(generated_slug(140))}, "note": {"value": text_state(None)}},
        user_id=GUEST,
        user_name="guest",
        user_team_id=GUEST_TEAM,
        enterprise_id=GUEST_ORG,
    )
    await ws.settle()
    assert (response.status, response.text) == (200, "")
    guest = await ws.member(GUEST)  # in the host's community
    assert await ws.bot.store.find_member(f"slack:{GUEST_TEAM}", GUEST) is None
    assert await ws.bot.store.find_member(f"slack:{GUEST_ORG}", GUEST) is None
    [offer] = ws.dms(BOB)
    assert unescape(str(offer["text"])).startswith(EN("offer.title", id=1))
    assert guest.id

    # Bob accepts; the guest's App Home (an event of the host's installation) shows the mentorship.
    await ws.click(BOB, offer, "offer.accept")
    await ws.send(app_home_opened(user_id=GUEST, is_ext_shared_channel=True))
    assert "#1" in ws.home_text(GUEST)


async def test_an_org_wide_install_is_one_community_across_the_organisations_workspaces(
    workspace: Workspace,
) -> None:
    ws = workspace
    grid = {"enterprise_id": ORG, "is_enterprise_install": True}
    await ws.mentor(BOB, f"signup skills:{generated_slug(130)} levels:expert", team_id=TEAM_ID, **grid)
    await ws.mentor(DAVE, f"request skills:{generated_slug(130)}", team_id=OTHER_TEAM, **grid)
    [offer] = ws.dms(BOB)
    assert unescape(str(offer["text"])).startswith(EN("offer.title", id=1))
    assert await ws.bot.store.find_member(f"slack:{ORG}", BOB) is not None
    assert await ws.bot.store.find_member(f"slack:{TEAM_ID}", BOB) is None
    response = await ws.slack.block_actions(
        action_id=offer["blocks"][-1]["elements"][0]["action_id"],
        user_id=BOB,
        user_name="bob",
        message=offer,
        team_id=OTHER_TEAM,
        enterprise_id=ORG,
        is_enterprise_install=True,
    )
    await ws.settle()
    assert response.status == 200
    assert "accepted" in ws.texts(BOB)[-1].lower() or "mentorship" in ws.texts(BOB)[-1].lower()


# ------------------------------------------------------------------------------------------ invariants

_BIG: dict[str, Library] = {}


def _big(factory: pytest.TempPathFactory) -> Library:
    if "library" not in _BIG:
        _BIG["library"] = big_library(factory.mktemp("big"))
    return _BIG["library"]


@settings(max_examples=80, deadline=None)
@given(
    chosen=st.lists(st.integers(min_value=0, max_value=149), max_size=15, unique=True),
    query=st.text(alphabet="abcdegilnoprstu 0123456789-", max_size=10),
    lang=st.sampled_from(["en", "sw"]),
)
def test_the_picker_keeps_every_chosen_skill_and_offers_only_matches(
    tmp_path_factory: pytest.TempPathFactory, chosen: list[int], query: str, lang: str
) -> None:
    """Whatever a mentor's skills and their places in the taxonomy, the form preselects exactly them (so saving
    it unchanged keeps them); whatever is typed, the options are at most 100 skills, each matching the query,
    labelled in the member's language, and valid Block Kit."""
    taxonomy = _big(tmp_path_factory).taxonomy
    t = translator(lang)
    slugs = [taxonomy.skills[i].slug for i in chosen]
    view = signup_modal(taxonomy, t, ModalContext(lang=lang), profile=None, typed=None)
    select = inputs(view)["skills"]["element"]
    select_with = signup_modal(taxonomy, t, ModalContext(lang=lang), profile=_profile(slugs))
    initial = inputs(select_with)["skills"]["element"].get("initial_options", [])
    assert [o["value"] for o in initial] == slugs and "initial_options" not in select
    View(**select_with).validate_json()
    answer = skill_options(taxonomy, query, t)
    values = option_values(answer)
    assert len(values) <= 100 and len(set(values)) == len(values)
    assert sorted(values) == sorted(s.slug for s in taxonomy.search(query, limit=100))  # grouped by category
    labels = {o["value"]: o["text"]["text"] for o in answer.get("options", [])}
    labels |= {o["value"]: o["text"]["text"] for g in answer.get("option_groups", []) for o in g["options"]}
    assert all(labels[v] == taxonomy.get(v).label(lang)[:75] for v in values)  # type: ignore[union-attr]


@settings(max_examples=80, deadline=None)
@given(
    home=st.sampled_from(["T0MENTOR01", GUEST_TEAM, "T0THIRD001"]),
    org=st.sampled_from([None, ORG, GUEST_ORG]),
    kind=st.sampled_from(["click", "submit", "options", "home"]),
)
def test_a_member_of_any_home_team_acts_in_the_hosts_installation(home: str, org: str | None, kind: str) -> None:
    """The invariant of Slack Connect: whatever the member's home team and organisation, an event of the host
    workspace's installation belongs to the host's community (and its inbox record too)."""
    if kind == "click":
        data = block_actions(action_id="x", user_team_id=home, enterprise_id=None).data
        assert installation_of(click_record(data)) == TEAM_ID
    elif kind == "submit":
        data = view_submission(callback_id="x", user_team_id=home, enterprise_id=org).data
        record = submission_record(data, data["view"], "request")
        assert installation_of({**record["body"], "view": record["view"]}) == TEAM_ID
    elif kind == "options":
        data = block_suggestion(user_team_id=home, enterprise_id=org).data
    else:
        data = app_home_opened(user_id=GUEST, is_ext_shared_channel=home != TEAM_ID).data
    assert installation_of(data) == TEAM_ID


def _profile(slugs: list[str]) -> Any:
    """A mentor profile with these skills (only what the form reads: since session 30 their levels too, shown in
    the form as ``slug:level`` pairs, and the languages, which prefill its languages input)."""
    from types import SimpleNamespace

    from mentorbot.models import Level

    return SimpleNamespace(skills=dict.fromkeys(slugs, Level.PRACTITIONER), capacity=2, bio="", languages=("en",))


def test_a_form_opened_with_values_past_its_bounds_is_still_a_view_slack_takes(library: Library) -> None:
    """`/mentor signup capacity:15 bio:<600 characters>` opens the form with what was typed; Slack refuses a view
    whose initial value is past its input's bounds (capacity 1–10, a bio of 500). The capacity is left empty for
    the member to give, the bio is cut to its 500 characters, in view to edit before sending."""
    t = translator("en")
    view = signup_modal(library.taxonomy, t, ModalContext(lang="en"), typed={"capacity": "15", "bio": "b" * 600})
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    capacity = next(e for e in inputs.values() if e["type"] == "number_input")
    assert "initial_value" not in capacity
    bio = next(e for e in inputs.values() if e.get("multiline") and e.get("max_length") == 500)
    assert len(bio["initial_value"]) <= 500
