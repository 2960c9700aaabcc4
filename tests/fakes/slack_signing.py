"""Build the HTTP requests Slack sends to an app, and sign them exactly as Slack does.

Signing (https://docs.slack.dev/authentication/verifying-requests-from-slack): Slack takes the raw
request body, forms the base string ``v0:{timestamp}:{body}``, computes HMAC-SHA256 over it with the
app's signing secret and sends ``X-Slack-Signature: v0=<hex digest>`` together with
``X-Slack-Request-Timestamp: <unix seconds>``. Receivers reject a timestamp more than five minutes
away from their clock.

Payloads are built from the JSON templates in ``tests/fixtures/slack`` (shaped like the examples in
Slack's documentation) with the fields a test cares about overridden:

* slash commands: ``application/x-www-form-urlencoded`` form fields;
* interactions (``block_actions``, ``view_submission``): a form with one field ``payload`` whose
  value is the JSON interaction payload;
* Events API: a JSON body (``event_callback`` envelope, or ``url_verification``).

Slack Connect and Enterprise Grid (shaped like the payloads in slack_bolt's own tests and Slack's docs):

* a *Slack Connect* member (``user_team_id``: their home workspace, not the one MentorBot is installed in)
  clicks with ``team.id`` = the host and ``user.team_id`` = their own; submits a modal (or loads its
  options) with ``team`` = their own workspace (and organisation) and ``view.app_installed_team_id`` = the
  host;
* an *org-wide* (Enterprise Grid) install (``enterprise_id`` with ``is_enterprise_install=True``): slash
  commands carry ``enterprise_id`` and ``is_enterprise_install=true`` besides the workspace's ``team_id``;
  interactions ``enterprise`` / ``team.enterprise_id`` and ``is_enterprise_install: true``; events the
  organisation in ``authorizations[0]``.

Each builder returns a :class:`SlackPayload` that knows both its HTTP body and its Socket Mode
envelope type and payload, so the same payload can be sent over HTTP or pushed over the fake
websocket.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlencode

from tests.fakes.slack_ids import (
    APP_ID,
    BOT_USER_ID,
    DEFAULT_CHANNEL_ID,
    DEFAULT_CHANNEL_NAME,
    DEFAULT_USER_ID,
    DEFAULT_USER_NAME,
    SIGNING_SECRET,
    TEAM_DOMAIN,
    TEAM_ID,
    VERIFICATION_TOKEN,
    dm_channel_id_for,
)

FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "slack"

# A response_url / trigger_id used when a test does not pass one. The URL points at the discard port
# on loopback, so an app that calls respond() with it fails fast and never leaves the machine; use
# FakeSlack.new_response_url() for one whose posts are recorded.
UNSET_RESPONSE_URL = "http://127.0.0.1:9/response/unset"
UNSET_TRIGGER_ID = "13345224609.738474920.8088930838d88f008e0"

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"
STALE_AFTER_SECONDS = 60 * 5

EnvelopeType = Literal["slash_commands", "interactive", "events_api"]

_counter = itertools.count(1)


@cache
def _template(name: str) -> dict[str, Any]:
    with (FIXTURES_DIR / name).open(encoding="utf-8") as fh:
        loaded: dict[str, Any] = json.load(fh)
    return loaded


def load_fixture(name: str) -> dict[str, Any]:
    """Return a fresh deep copy of the JSON fixture ``tests/fixtures/slack/<name>``."""
    return copy.deepcopy(_template(name))


def _next_ts() -> str:
    return f"{int(time.time())}.{next(_counter):06d}"


# --------------------------------------------------------------------------------------------------
# Signing


def compute_signature(signing_secret: str, timestamp: int | str, body: str | bytes) -> str:
    """Return Slack's ``v0=`` signature of ``body`` sent at ``timestamp``."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    base = b"v0:" + str(timestamp).encode("ascii") + b":" + raw
    digest = hmac.new(signing_secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
    return f"v0={digest}"


def signed_headers(
    body: str | bytes,
    *,
    signing_secret: str = SIGNING_SECRET,
    content_type: str | None = None,
    timestamp: int | None = None,
    signature: str | None = None,
    retry_num: int | None = None,
    retry_reason: str | None = None,
) -> dict[str, str]:
    """Headers Slack sends with ``body``: signature, timestamp and optionally retry information.

    Args:
        body: The exact body that will be sent (the signature covers these bytes).
        signing_secret: The secret to sign with; pass a wrong one for a bad-signature test.
        content_type: ``Content-Type`` to add, if any.
        timestamp: Unix seconds to claim; defaults to now. Pass ``now - 301`` for a stale request.
        signature: Send this value instead of the computed signature (malformed-signature tests).
        retry_num: Adds ``X-Slack-Retry-Num`` (Events API redeliveries: 1, 2, 3).
        retry_reason: Adds ``X-Slack-Retry-Reason`` (e.g. ``http_timeout``, ``http_error``).
    """
    ts = int(time.time()) if timestamp is None else timestamp
    headers = {
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": signature
        if signature is not None
        else compute_signature(signing_secret, ts, body),
    }
    if content_type is not None:
        headers["Content-Type"] = content_type
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
    if retry_reason is not None:
        headers["X-Slack-Retry-Reason"] = retry_reason
    return headers


def is_valid_signature(
    body: str | bytes,
    headers: Mapping[str, str],
    *,
    signing_secret: str = SIGNING_SECRET,
    now: float | None = None,
) -> bool:
    """Verify a request the way Slack documents receivers should (used to test the helpers)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    timestamp = lowered.get("x-slack-request-timestamp")
    signature = lowered.get("x-slack-signature")
    if timestamp is None or signature is None or not timestamp.isdigit():
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > STALE_AFTER_SECONDS:
        return False
    return hmac.compare_digest(compute_signature(signing_secret, timestamp, body), signature)


# --------------------------------------------------------------------------------------------------
# Payloads


@dataclass(frozen=True)
class SlackPayload:
    """A request as Slack sends it to an app.

    Attributes:
        envelope_type: The Socket Mode envelope type carrying the same request.
        data: The logical payload: slash-command fields, interaction payload or event envelope.
            This is also the Socket Mode envelope's ``payload``.
        body: The HTTP body exactly as Slack posts it.
        content_type: The HTTP ``Content-Type``.
    """

    envelope_type: EnvelopeType
    data: dict[str, Any]
    body: str
    content_type: str

    def headers(self, **signing: Any) -> dict[str, str]:
        """Signed headers for this body; keyword arguments go to :func:`signed_headers`."""
        return signed_headers(self.body, content_type=self.content_type, **signing)


def _form_payload(envelope_type: EnvelopeType, fields: dict[str, str]) -> SlackPayload:
    return SlackPayload(envelope_type, fields, urlencode(fields), FORM_CONTENT_TYPE)


def _interaction_payload(payload: dict[str, Any]) -> SlackPayload:
    body = urlencode({"payload": json.dumps(payload, separators=(",", ":"))})
    return SlackPayload("interactive", payload, body, FORM_CONTENT_TYPE)


def _json_payload(payload: dict[str, Any]) -> SlackPayload:
    return SlackPayload("events_api", payload, json.dumps(payload, separators=(",", ":")), JSON_CONTENT_TYPE)


def slash_command(
    *,
    command: str = "/mentor",
    text: str = "",
    user_id: str = DEFAULT_USER_ID,
    user_name: str = DEFAULT_USER_NAME,
    channel_id: str = DEFAULT_CHANNEL_ID,
    channel_name: str = DEFAULT_CHANNEL_NAME,
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = APP_ID,
    response_url: str = UNSET_RESPONSE_URL,
    trigger_id: str = UNSET_TRIGGER_ID,
    token: str = VERIFICATION_TOKEN,
    enterprise_id: str | None = None,
    is_enterprise_install: bool = False,
    extra: Mapping[str, str] | None = None,
) -> SlackPayload:
    """A slash command invocation (form-encoded, as Slack posts it); `enterprise_id` for a workspace of an
    Enterprise Grid organisation, with `is_enterprise_install` when the app is installed org-wide."""
    fields: dict[str, str] = {str(k): str(v) for k, v in load_fixture("slash_command.json").items()}
    fields.update(
        token=token,
        team_id=team_id,
        team_domain=team_domain,
        channel_id=channel_id,
        channel_name=channel_name,
        user_id=user_id,
        user_name=user_name,
        command=command,
        text=text,
        api_app_id=api_app_id,
        response_url=response_url,
        trigger_id=trigger_id,
    )
    if enterprise_id is not None:
        fields.update(enterprise_id=enterprise_id, enterprise_name="MentorBot Test Org")
    fields["is_enterprise_install"] = "true" if is_enterprise_install else "false"
    if extra:
        fields.update(extra)
    return _form_payload("slash_commands", fields)


def block_actions(
    *,
    action_id: str,
    value: str = "",
    block_id: str = "actions",
    button_text: str = "Button",
    user_id: str = DEFAULT_USER_ID,
    user_name: str = DEFAULT_USER_NAME,
    channel_id: str | None = None,
    channel_name: str = "directmessage",
    message: Mapping[str, Any] | None = None,
    message_ts: str = "1700000000.000100",
    is_ephemeral: bool = False,
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = APP_ID,
    response_url: str = UNSET_RESPONSE_URL,
    trigger_id: str = UNSET_TRIGGER_ID,
    token: str = VERIFICATION_TOKEN,
    user_team_id: str | None = None,
    enterprise_id: str | None = None,
    is_enterprise_install: bool = False,
) -> SlackPayload:
    """A ``block_actions`` interaction: a user clicked a button in a message.

    ``user_team_id``: the clicker's home workspace when it is not ``team_id`` (a Slack Connect member clicking
    in the host's shared channel or DM); ``enterprise_id`` / ``is_enterprise_install``: see the module doc.

    ``channel_id`` defaults to the app's DM with the user. ``message`` replaces the template's
    message (pass the message the fake recorded to click a button the app really posted); its
    ``ts`` wins over ``message_ts``.
    """
    payload = load_fixture("block_actions.json")
    channel = channel_id if channel_id is not None else dm_channel_id_for(user_id)
    if message is not None:
        payload["message"] = copy.deepcopy(dict(message))
        message_ts = str(payload["message"].get("ts", message_ts))
    payload["message"]["ts"] = message_ts
    payload["user"] = {"id": user_id, "username": user_name, "name": user_name, "team_id": user_team_id or team_id}
    payload["team"] = {"id": team_id, "domain": team_domain}
    _grid(payload, enterprise_id, is_enterprise_install)
    payload["api_app_id"] = api_app_id
    payload["token"] = token
    payload["container"] = {
        "type": "message",
        "message_ts": message_ts,
        "channel_id": channel,
        "is_ephemeral": is_ephemeral,
    }
    payload["channel"] = {"id": channel, "name": channel_name}
    payload["response_url"] = response_url
    payload["trigger_id"] = trigger_id
    payload["actions"] = [
        {
            "type": "button",
            "action_id": action_id,
            "block_id": block_id,
            "text": {"type": "plain_text", "text": button_text, "emoji": True},
            "value": value,
            "action_ts": _next_ts(),
        }
    ]
    return _interaction_payload(payload)


# ---- view state values (what Slack puts under view.state.values[block_id][action_id])


def _option(value: str, text: str | None = None) -> dict[str, Any]:
    return {
        "text": {"type": "plain_text", "text": text if text is not None else value, "emoji": True},
        "value": value,
    }


def plain_text_input_state(value: str | None) -> dict[str, Any]:
    """State of a ``plain_text_input`` (``value`` is ``None`` when the optional input was left empty)."""
    return {"type": "plain_text_input", "value": value}


def static_select_state(value: str | None, text: str | None = None) -> dict[str, Any]:
    """State of a ``static_select``; ``None`` means nothing was selected."""
    return {"type": "static_select", "selected_option": None if value is None else _option(value, text)}


def multi_static_select_state(values: Iterable[str | tuple[str, str]]) -> dict[str, Any]:
    """State of a ``multi_static_select``; items are values or ``(value, text)`` pairs."""
    options = [_option(v) if isinstance(v, str) else _option(v[0], v[1]) for v in values]
    return {"type": "multi_static_select", "selected_options": options}


def view_submission(
    *,
    callback_id: str,
    state_values: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
    private_metadata: str = "",
    view_id: str = "V0PROFILE01",
    view_hash: str = "1700000000.AbCdEf12",
    blocks: list[dict[str, Any]] | None = None,
    title: str | None = None,
    external_id: str = "",
    user_id: str = DEFAULT_USER_ID,
    user_name: str = DEFAULT_USER_NAME,
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = APP_ID,
    trigger_id: str = UNSET_TRIGGER_ID,
    token: str = VERIFICATION_TOKEN,
    user_team_id: str | None = None,
    enterprise_id: str | None = None,
    is_enterprise_install: bool = False,
) -> SlackPayload:
    """A ``view_submission`` interaction: a user pressed a modal's submit button.

    ``user_team_id``: a Slack Connect member's home workspace (then ``team`` and ``view.team_id`` are theirs
    and ``view.app_installed_team_id`` is ``team_id``, the host); ``enterprise_id`` / ``is_enterprise_install``:
    see the module doc.

    ``state_values`` maps ``block_id → action_id → state`` (build states with
    :func:`plain_text_input_state`, :func:`static_select_state`, :func:`multi_static_select_state`);
    when omitted, the template's multi_static_select / plain_text_input / static_select values stay.
    """
    payload = load_fixture("view_submission.json")
    view = payload["view"]
    home_team = user_team_id or team_id
    view.update(
        id=view_id,
        root_view_id=view_id,
        team_id=home_team,
        callback_id=callback_id,
        private_metadata=private_metadata,
        hash=view_hash,
        app_id=api_app_id,
        external_id=external_id,
        app_installed_team_id=team_id,
    )
    if state_values is not None:
        view["state"] = {"values": copy.deepcopy({k: dict(v) for k, v in state_values.items()})}
    if blocks is not None:
        view["blocks"] = copy.deepcopy(blocks)
    if title is not None:
        view["title"] = {"type": "plain_text", "text": title, "emoji": True}
    payload["user"] = {"id": user_id, "username": user_name, "name": user_name, "team_id": home_team}
    payload["team"] = {"id": home_team, "domain": team_domain if home_team == team_id else "connect-guest"}
    _grid(payload, enterprise_id, is_enterprise_install)
    payload["api_app_id"] = api_app_id
    payload["trigger_id"] = trigger_id
    payload["token"] = token
    return _interaction_payload(payload)


def block_suggestion(
    *,
    value: str = "",
    action_id: str = "value",
    block_id: str = "skills",
    callback_id: str = "mentorbot:signup",
    private_metadata: str = "",
    view_id: str = "V0PROFILE01",
    user_id: str = DEFAULT_USER_ID,
    user_name: str = DEFAULT_USER_NAME,
    team_id: str = TEAM_ID,
    api_app_id: str = APP_ID,
    token: str = VERIFICATION_TOKEN,
    user_team_id: str | None = None,
    enterprise_id: str | None = None,
    is_enterprise_install: bool = False,
) -> SlackPayload:
    """A ``block_suggestion`` interaction: Slack loads the options of an external select in an open modal
    while the member types `value` (answered in the HTTP response: ``{"options": [...]}`` or
    ``{"option_groups": [...]}``). ``user_team_id`` etc. as in :func:`view_submission`."""
    payload = load_fixture("block_suggestion.json")
    home_team = user_team_id or team_id
    view = payload["view"]
    view.update(
        id=view_id,
        root_view_id=view_id,
        team_id=home_team,
        callback_id=callback_id,
        private_metadata=private_metadata,
        app_id=api_app_id,
        app_installed_team_id=team_id,
    )
    payload.update(value=value, action_id=action_id, block_id=block_id, api_app_id=api_app_id, token=token)
    payload["container"] = {"type": "view", "view_id": view_id}
    payload["user"] = {"id": user_id, "username": user_name, "name": user_name, "team_id": home_team}
    payload["team"] = {"id": home_team, "domain": "mentorbot-test" if home_team == team_id else "connect-guest"}
    _grid(payload, enterprise_id, is_enterprise_install)
    return _interaction_payload(payload)


def _grid(payload: dict[str, Any], enterprise_id: str | None, is_enterprise_install: bool) -> None:
    """An interaction payload of a workspace in Enterprise Grid organisation `enterprise_id` (installed
    org-wide with `is_enterprise_install`): ``enterprise``, ``team.enterprise_id``, ``is_enterprise_install``."""
    if enterprise_id is not None:
        payload["enterprise"] = {"id": enterprise_id, "name": "MentorBot Test Org"}
        payload["team"]["enterprise_id"] = enterprise_id
        payload["team"]["enterprise_name"] = "MentorBot Test Org"
    payload["is_enterprise_install"] = is_enterprise_install


def event_callback(
    event: Mapping[str, Any],
    *,
    event_id: str | None = None,
    event_time: int | None = None,
    team_id: str = TEAM_ID,
    api_app_id: str = APP_ID,
    bot_user_id: str = BOT_USER_ID,
    token: str = VERIFICATION_TOKEN,
    enterprise_id: str | None = None,
    is_enterprise_install: bool = False,
    is_ext_shared_channel: bool = False,
) -> SlackPayload:
    """An Events API ``event_callback`` envelope around ``event`` (JSON body). With `enterprise_id`, from a
    workspace of that organisation (installed org-wide with `is_enterprise_install`: ``authorizations[0]``
    then names the organisation, and no workspace)."""
    payload = load_fixture("event_app_home_opened.json")
    payload["event"] = copy.deepcopy(dict(event))
    payload.update(
        token=token,
        team_id=team_id,
        context_team_id=team_id,
        api_app_id=api_app_id,
        event_id=event_id if event_id is not None else f"Ev{next(_counter):09d}",
        event_time=event_time if event_time is not None else int(time.time()),
    )
    payload["authorizations"] = [
        {
            "enterprise_id": enterprise_id,
            "team_id": None if is_enterprise_install else team_id,
            "user_id": bot_user_id,
            "is_bot": True,
            "is_enterprise_install": is_enterprise_install,
        }
    ]
    payload["enterprise_id"] = enterprise_id
    payload["context_enterprise_id"] = enterprise_id
    payload["is_ext_shared_channel"] = is_ext_shared_channel
    return _json_payload(payload)


def app_home_opened(
    *,
    user_id: str = DEFAULT_USER_ID,
    channel_id: str | None = None,
    tab: Literal["home", "messages"] = "home",
    view: Mapping[str, Any] | None = None,
    event_id: str | None = None,
    event_time: int | None = None,
    **envelope: Any,
) -> SlackPayload:
    """An ``app_home_opened`` event callback (``view`` is the currently published Home, if any); `envelope`
    goes to :func:`event_callback` (``team_id``, ``enterprise_id``, ``is_enterprise_install``)."""
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": channel_id if channel_id is not None else dm_channel_id_for(user_id),
        "tab": tab,
        "event_ts": _next_ts(),
    }
    if view is not None:
        event["view"] = copy.deepcopy(dict(view))
    return event_callback(event, event_id=event_id, event_time=event_time, **envelope)


def url_verification(challenge: str | None = None, *, token: str = VERIFICATION_TOKEN) -> SlackPayload:
    """The ``url_verification`` handshake Slack sends when an Events API Request URL is saved."""
    payload = load_fixture("url_verification.json")
    payload["token"] = token
    if challenge is not None:
        payload["challenge"] = challenge
    return _json_payload(payload)
