"""Session 32: the fake Slack refuses what real Slack refuses (docs.slack.dev Block Kit reference), so a test that
passes against it proves the app's payloads would be taken.

Each check refuses a payload just past a limit and takes one at it: element options (checkboxes and radio
buttons up to 10, an overflow menu 2-5, descriptions up to 75, a select's options plain_text only, option
groups), button and option URLs, confirmation dialogs, a modal with an input block but no submit, a view over
250 kB, an options load's answer and a slash command's acknowledgement (checked by the fake's client).
"""

from __future__ import annotations

import json
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from tests.fakes.slack_fixtures import ServeSlackApp
from tests.fakes.slack_http_app import SlackClient, make_bolt_app
from tests.fakes.slack_ids import SIGNING_SECRET
from tests.fakes.slack_limits import (
    VIEW_BYTES_MAX,
    VIEW_TOO_LARGE,
    message_problems,
    options_problems,
    view_problems,
)
from tests.fakes.slack_web_api import FakeSlack, start_loopback_site
from tests.slack.conftest import record_acks

ALICE = "U0ALICE01"


def pt(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def md(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def opt(i: int, **extra: Any) -> dict[str, Any]:
    return {"text": pt(f"o{i}"), "value": f"v{i}", **extra}


def in_actions(element: dict[str, Any]) -> dict[str, Any]:
    return {"blocks": [{"type": "actions", "elements": [{"action_id": "a", **element}]}]}


AT = "[json-pointer:/blocks/0/elements/0"


def test_checkboxes_and_radio_buttons_take_up_to_ten_options() -> None:
    for kind in ("checkboxes", "radio_buttons"):
        assert message_problems(in_actions({"type": kind, "options": [opt(i) for i in range(11)]})) == [
            f"must provide between 1 and 10 items {AT}/options]"
        ]
        assert message_problems(in_actions({"type": kind, "options": []})) == [
            f"must provide between 1 and 10 items {AT}/options]"
        ]
        # their options may be mrkdwn, unlike a select's
        ten = [opt(i) for i in range(9)] + [{"text": md("*bold*"), "value": "b", "description": md("d" * 75)}]
        assert message_problems(in_actions({"type": kind, "options": ten})) == []


def test_an_overflow_menu_takes_two_to_five_options() -> None:
    for count in (1, 6):
        assert message_problems(in_actions({"type": "overflow", "options": [opt(i) for i in range(count)]})) == [
            f"must provide between 2 and 5 items {AT}/options]"
        ]
    for count in (2, 5):
        assert message_problems(in_actions({"type": "overflow", "options": [opt(i) for i in range(count)]})) == []


def test_an_option_description_takes_up_to_75_characters() -> None:
    too_long = in_actions({"type": "static_select", "options": [opt(0, description=pt("d" * 76))]})
    assert message_problems(too_long) == [f"must be less than 76 characters {AT}/options/0/description/text]"]
    assert message_problems(in_actions({"type": "static_select", "options": [opt(0, description=pt("d" * 75))]})) == []


def test_a_select_or_an_overflow_menu_takes_plain_text_options_only() -> None:
    mrkdwn_option = {"text": md("*x*"), "value": "v"}
    for kind in ("static_select", "multi_static_select"):
        assert message_problems(in_actions({"type": kind, "options": [mrkdwn_option]})) == [
            f"failed to match all allowed schemas {AT}/options/0/text]"
        ]
        assert message_problems(in_actions({"type": kind, "options": [opt(0)], "initial_options": [mrkdwn_option]}))
    assert message_problems(in_actions({"type": "overflow", "options": [opt(0), mrkdwn_option]})) == [
        f"failed to match all allowed schemas {AT}/options/1/text]"
    ]
    assert message_problems(in_actions({"type": "static_select", "options": [opt(0)], "initial_option": opt(0)})) == []


def test_option_groups_labels_up_to_75_and_up_to_100_options_each() -> None:
    bad = in_actions(
        {"type": "static_select", "option_groups": [{"label": pt("L" * 76), "options": [opt(i) for i in range(101)]}]}
    )
    assert message_problems(bad) == [
        f"must be less than 76 characters {AT}/option_groups/0/label/text]",
        f"no more than 100 items allowed {AT}/option_groups/0/options]",
    ]
    mrkdwn_label = in_actions({"type": "static_select", "option_groups": [{"label": md("L"), "options": [opt(0)]}]})
    assert message_problems(mrkdwn_label) == [f"failed to match all allowed schemas {AT}/option_groups/0/label]"]
    good = in_actions(
        {"type": "static_select", "option_groups": [{"label": pt("L" * 75), "options": [opt(i) for i in range(100)]}]}
    )
    assert message_problems(good) == []


def test_a_button_url_takes_up_to_3000_characters() -> None:
    def button(url: str) -> dict[str, Any]:
        return in_actions({"type": "button", "text": pt("b"), "url": url})

    assert message_problems(button("https://e.org/" + "x" * 2987)) == [f"must be less than 3001 characters {AT}/url]"]
    assert message_problems(button("https://e.org/" + "x" * 2986)) == []
    overflow = {"type": "overflow", "options": [opt(0), opt(1, url="https://e.org/" + "x" * 2987)]}
    assert message_problems(in_actions(overflow)) == [f"must be less than 3001 characters {AT}/options/1/url]"]


def test_a_confirmation_dialog_within_its_limits() -> None:
    def confirm(title: int, text: int, yes: int, no: int) -> dict[str, Any]:
        dialog = {"title": pt("t" * title), "text": md("x" * text), "confirm": pt("c" * yes), "deny": pt("d" * no)}
        return in_actions({"type": "button", "text": pt("b"), "confirm": dialog})

    assert message_problems(confirm(101, 301, 31, 31)) == [
        f"must be less than 101 characters {AT}/confirm/title/text]",
        f"must be less than 301 characters {AT}/confirm/text/text]",
        f"must be less than 31 characters {AT}/confirm/confirm/text]",
        f"must be less than 31 characters {AT}/confirm/deny/text]",
    ]
    assert message_problems(confirm(100, 300, 30, 30)) == []
    no_deny = in_actions(
        {"type": "button", "text": pt("b"), "confirm": {"title": pt("t"), "text": pt("x"), "confirm": pt("c")}}
    )
    assert message_problems(no_deny) == [f"failed to match all allowed schemas {AT}/confirm/deny]"]
    select = in_actions({"type": "static_select", "options": [opt(0)], "confirm": {"title": md("t")}})
    assert len(message_problems(select)) == 4, "title plain_text only; text, confirm and deny missing"


def test_a_modal_with_an_input_block_needs_a_submit_button() -> None:
    form: dict[str, Any] = {
        "type": "modal",
        "title": pt("t"),
        "blocks": [
            {
                "type": "input",
                "block_id": "b",
                "label": pt("l"),
                "element": {"type": "plain_text_input", "action_id": "v"},
            }
        ],
    }
    assert view_problems(form) == [
        "must provide a submit button when the view has an input block [json-pointer:/view/submit]"
    ]
    assert view_problems({**form, "submit": pt("Save")}) == []
    shown_only = {"type": "modal", "title": pt("t"), "blocks": [{"type": "section", "text": md("x")}]}
    assert view_problems(shown_only) == [], "a modal showing text only needs no submit"


def test_a_view_over_250_kb_is_too_large() -> None:
    def home(size: int) -> dict[str, Any]:
        """A Home tab of sections whose compact JSON is `size` bytes (the last section's text takes the rest)."""
        view: dict[str, Any] = {
            "type": "home",
            "blocks": [{"type": "section", "text": md("x" * 2990)} for _ in range(82)],
        }
        view["blocks"].append({"type": "section", "text": md("")})
        rest = size - len(json.dumps(view, separators=(",", ":")).encode())
        view["blocks"][-1]["text"]["text"] = "é" * (rest // 2) + "y" * (rest % 2)  # two bytes each in UTF-8
        assert len(json.dumps(view, separators=(",", ":"), ensure_ascii=False).encode()) == size
        return view

    too_large = view_problems(home(VIEW_BYTES_MAX + 1))
    assert too_large[0].startswith(VIEW_TOO_LARGE) and too_large[0].endswith("[json-pointer:/view]")
    assert view_problems(home(VIEW_BYTES_MAX)) == []


def test_an_options_load_answer_within_the_options_limits() -> None:
    assert options_problems({"options": [opt(i) for i in range(101)]}) == [
        "no more than 100 items allowed [json-pointer:/options]"
    ]
    assert options_problems({"options": [{"text": pt("t" * 76), "value": "v" * 151}]}) == [
        "must be less than 76 characters [json-pointer:/options/0/text/text]",
        "must be less than 151 characters [json-pointer:/options/0/value]",
    ]
    assert options_problems({"options": [{"text": md("t"), "value": ""}]}) == [
        "failed to match all allowed schemas [json-pointer:/options/0/text]",
        "must be more than 0 characters [json-pointer:/options/0/value]",
    ]
    assert options_problems({"option_groups": [{"label": pt("L" * 76), "options": [opt(i) for i in range(101)]}]}) == [
        "must be less than 76 characters [json-pointer:/option_groups/0/label/text]",
        "no more than 100 items allowed [json-pointer:/option_groups/0/options]",
    ]
    assert options_problems({"options": [opt(i) for i in range(100)]}) == []
    assert options_problems({"options": []}) == [], "no match: no options"
    assert options_problems({"option_groups": [{"label": pt("L" * 75), "options": [opt(i) for i in range(100)]}]}) == []


# ------------------------------------------------------------------ what the app answers in its HTTP response


async def test_the_client_refuses_an_options_answer_slack_would_refuse(
    slack_fake: FakeSlack, slack_http_app_server: ServeSlackApp
) -> None:
    app = make_bolt_app(slack_fake)

    @app.options("value")
    async def load(ack: AsyncAck, body: dict[str, Any]) -> None:
        count = 101 if body["value"] == "many" else 3
        await ack(options=[opt(i) for i in range(count)])

    slack = await slack_http_app_server(app)
    fine = await slack.block_suggestion(value="few", user_id=ALICE)
    assert fine.status == 200 and fine.problems == () and len(fine.json()["options"]) == 3
    assert slack.refused == []
    many = await slack.block_suggestion(value="many", user_id=ALICE)
    assert many.status == 200 and many.problems == ("no more than 100 items allowed [json-pointer:/options]",)
    assert [r.response for r in slack.refused] == [many]
    assert slack.refused[0].payload.data["type"] == "block_suggestion"


async def test_a_slash_command_acknowledgement_slack_would_refuse_is_refused_and_not_seen(
    slack_fake: FakeSlack,
) -> None:
    app = make_bolt_app(slack_fake)

    @app.command("/mentor")
    async def mentor(ack: AsyncAck, command: dict[str, Any]) -> None:
        text = "x" * (3001 if command["text"] == "long" else 10)
        await ack(text="answer", blocks=[{"type": "section", "text": md(text)}], response_type="ephemeral")

    web_app = app.web_app(path="/slack/events")
    web_app.middlewares.append(record_acks(slack_fake))
    runner, url = await start_loopback_site(web_app)
    slack = SlackClient(url + "/slack/events", signing_secret=SIGNING_SECRET, fake=slack_fake)
    try:
        fine = await slack.slash_command(text="short", user_id=ALICE)
        assert fine.problems == () and slack.refused == []
        assert [(m.kind, m.text) for m in slack_fake.messages_seen_by(ALICE)] == [("ack", "answer")]
        refused = await slack.slash_command(text="long", user_id=ALICE)
        assert refused.status == 200
        assert refused.problems == ("must be less than 3001 characters [json-pointer:/blocks/0/text/text]",)
        assert [r.response for r in slack.refused] == [refused]
        assert len(slack_fake.messages_seen_by(ALICE)) == 1, "Slack shows the member none of a refused answer"
    finally:
        await slack.close()
        await runner.cleanup()
