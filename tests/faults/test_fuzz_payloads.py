"""Fuzzing the translation of platform payloads (issue 12, point 5), with hypothesis.

Whatever bytes reach the Slack gate, and whatever JSON the Slack listeners and the Discord guard are handed,
the code that reads them answers (a bool, a route, a parsed command or a `UserError`) and never raises: a
malformed request gets 400/401 or a polite refusal, never an ERROR traceback. A few hundred examples in the
normal run; ``MENTORBOT_FUZZ_EXAMPLES=10000 pytest -m fuzz_heavy tests/faults`` runs that many.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorbot.commands import ParsedCommand
from mentorbot.errors import UserError
from mentorbot_discord.guard import has_user
from mentorbot_slack.gate import slack_payload, verify_signature
from mentorbot_slack.payloads import Apology, button_route, parse_command, stable_event_id, team_of
from tests.faults.conftest import HEAVY_EXAMPLES

NORMAL = 300

KEYS = st.sampled_from(
    ["type", "user", "id", "team", "team_id", "channel", "container", "response_url", "trigger_id", "text",
     "command", "user_id", "user_name", "channel_id", "member", "payload", "event", "message_ts", "view",
     "private_metadata", "actions", "value"]
)  # fmt: skip
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS | st.text(max_size=6), children, max_size=5),
    max_leaves=20,
)
bodies = st.dictionaries(KEYS, json_values, max_size=8)
form_bodies = st.dictionaries(KEYS, st.text(max_size=40), max_size=10)


def _slack_payload_readers(body: dict[str, Any]) -> None:
    """Every reader of an interaction body the Slack listeners use, on `body`."""
    assert isinstance(team_of(body), str)
    button_route(body)
    Apology.for_button(body)
    Apology.for_command(body)
    view = body.get("view")
    Apology.for_view(body, view if isinstance(view, dict) else {})
    stable_event_id("action", body.get("trigger_id"))


def _slack_command_readers(form: dict[str, str]) -> None:
    parsed = parse_command(form)
    assert isinstance(parsed, ParsedCommand | UserError)


def _gate(raw: bytes, content_type: str | None, headers: dict[str, str]) -> None:
    payload = slack_payload(raw, content_type)
    assert payload is None or isinstance(payload, dict)
    assert verify_signature("secret", raw, headers) in (True, False)


def _discord(data: Any) -> None:
    assert isinstance(has_user(data if isinstance(data, dict) else {"member": data}), bool)


raw_bodies = st.one_of(
    st.binary(max_size=200),
    bodies.map(lambda b: json.dumps(b).encode()),
    form_bodies.map(lambda f: urlencode(f).encode()),
    bodies.map(lambda b: urlencode({"payload": json.dumps(b)}).encode()),
)
headers = st.dictionaries(
    st.sampled_from(["X-Slack-Request-Timestamp", "X-Slack-Signature", "Content-Type"]), st.text(max_size=70)
)


def _examples(count: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    return settings(max_examples=count, deadline=None)


@_examples(NORMAL)
@given(body=bodies)
def test_slack_interaction_bodies_are_read_without_raising(body: dict[str, Any]) -> None:
    _slack_payload_readers(body)


@_examples(NORMAL)
@given(form=form_bodies)
def test_slack_command_bodies_parse_or_refuse(form: dict[str, str]) -> None:
    _slack_command_readers(form)


@_examples(NORMAL)
@given(raw=raw_bodies, content_type=st.none() | st.sampled_from(["application/json", "text/plain"]), head=headers)
def test_the_slack_gate_answers_for_any_bytes(raw: bytes, content_type: str | None, head: dict[str, str]) -> None:
    _gate(raw, content_type, head)


@_examples(NORMAL)
@given(data=json_values)
def test_discord_interactions_without_a_readable_user_are_recognised(data: Any) -> None:
    _discord(data)


@pytest.mark.fuzz_heavy
@given(body=bodies, form=form_bodies, raw=raw_bodies, head=headers, data=json_values)
def test_heavy_payload_fuzzing(
    body: dict[str, Any], form: dict[str, str], raw: bytes, head: dict[str, str], data: Any
) -> None:
    _slack_payload_readers(body)
    _slack_command_readers(form)
    _gate(raw, None, head)
    _discord(data)


test_heavy_payload_fuzzing = settings(max_examples=max(HEAVY_EXAMPLES, 1), deadline=None)(test_heavy_payload_fuzzing)
