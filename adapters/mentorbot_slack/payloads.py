"""Reading Slack's payloads: whose workspace, which member, which event id, where a reply goes, the command typed."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from mentorbot.commands import ParsedCommand, parse_slash
from mentorbot.errors import UserError
from mentorbot.replies import Reply
from mentorbot_slack.blocks import message
from mentorbot_slack.delivery import ReplyRoute
from mentorbot_slack.plugin import COMMUNITY_PREFIX
from mentorbot_slack.views import ModalContext

_ESCAPED_MENTION: Final = re.compile(r"<@([UW][A-Z0-9]+)\|[^>]*>")


def community_of(team_id: str) -> str:
    """The core's community id of a Slack workspace."""
    return f"{COMMUNITY_PREFIX}{team_id}"


@dataclass(frozen=True)
class UserFacts:
    """What users.info tells about a member: workspace admin or owner, and their time zone."""

    is_admin: bool = False
    timezone: str | None = None


def stable_event_id(kind: str, stable_id: object) -> str | None:
    """The core's event id of a Slack delivery (``slack:command:<trigger_id>``), so a redelivery is handled once."""
    return f"slack:{kind}:{stable_id}" if isinstance(stable_id, str) and stable_id else None


def _object(body: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """`body[key]` when it is an object, else an empty one (a payload is read defensively, never trusted)."""
    value = body.get(key)
    return value if isinstance(value, Mapping) else {}


def _string(value: Any) -> str | None:
    """`value` when it is a non-empty string, else None."""
    return value if isinstance(value, str) and value else None


def team_of(body: Mapping[str, Any]) -> str:
    """The workspace of an interaction payload (``team.id``, else the user's ``team_id``)."""
    return _string(_object(body, "team").get("id")) or _string(_object(body, "user").get("team_id")) or ""


@dataclass(frozen=True)
class Apology:
    """Who to apologise to, and where, if the work on one interaction fails unexpectedly."""

    community: str
    route: ReplyRoute

    @classmethod
    def for_command(cls, body: Mapping[str, Any]) -> Apology:
        """To the member who ran a slash command: through its response_url, else ephemerally in its channel."""
        route = ReplyRoute(
            str(body.get("user_id", "")),
            response_url=_string(body.get("response_url")),
            channel_id=_string(body.get("channel_id")),
        )
        return cls(community_of(str(body.get("team_id", ""))), route)

    @classmethod
    def for_button(cls, body: Mapping[str, Any]) -> Apology:
        """To the member who clicked: where the click's own reply would go (`button_route`)."""
        return cls(community_of(team_of(body)), button_route(body))

    @classmethod
    def for_view(cls, body: Mapping[str, Any], view: Mapping[str, Any]) -> Apology:
        """To the member who submitted a modal: where it was opened from (its ``private_metadata``)."""
        user = _object(body, "user")
        meta = ModalContext.load(view.get("private_metadata"))
        route = ReplyRoute(str(user.get("id", "")), response_url=meta.response_url, channel_id=meta.channel_id)
        return cls(community_of(team_of(body)), route)


def user_of(body: Mapping[str, Any]) -> Mapping[str, Any]:
    """The member of an interaction payload (``user``), an empty object when there is none."""
    return _object(body, "user")


def click_record(body: Mapping[str, Any]) -> dict[str, Any]:
    """What the inbox keeps of a click (``block_actions``) to process it again after a crash: who clicked
    which of our buttons, where (its message and response_url), and its trigger. Not the clicked message's
    blocks, which can be large and are not needed."""
    kept = {
        k: body[k] for k in ("type", "trigger_id", "response_url", "user", "team", "container", "channel") if k in body
    }
    actions = body.get("actions")
    first = actions[0] if isinstance(actions, list) and actions and isinstance(actions[0], Mapping) else {}
    return {"kind": "button", **kept, "actions": [{"action_id": str(first.get("action_id", ""))}]}


def submission_record(body: Mapping[str, Any], view: Mapping[str, Any], method: str) -> dict[str, Any]:
    """What the inbox keeps of a submitted signup or request modal (`method`): who submitted it, and the
    submitted values with the modal's private metadata (where it was opened from)."""
    return {
        "kind": "view",
        "method": method,
        "body": {k: body[k] for k in ("type", "trigger_id", "user", "team") if k in body},
        "view": {k: view[k] for k in ("callback_id", "private_metadata", "state") if k in view},
    }


def parse_command(body: Mapping[str, Any]) -> ParsedCommand | UserError:
    """A slash command's body parsed (once per request) with the shared parser, required options allowed to be
    missing (a form may ask for them); the parsing error instead when it is not a valid command."""
    # With "escape channels, users and links" on, Slack sends <@U123|name>: the core knows <@U123>.
    text = _ESCAPED_MENTION.sub(r"<@\1>", str(body.get("text", "")))
    try:
        return parse_slash(str(body.get("command", "")), text, allow_missing=True)
    except UserError as error:
        return error


def button_route(body: Mapping[str, Any]) -> ReplyRoute:
    """Where the reply to a click goes: its message's response_url and channel, else (App Home) a modal."""
    user, container = _object(body, "user"), _object(body, "container")
    on_message = container.get("type") == "message"
    channel = _string(_object(body, "channel").get("id")) or _string(container.get("channel_id"))
    return ReplyRoute(
        str(user.get("id", "")),
        response_url=_string(body.get("response_url")) if on_message else None,
        channel_id=channel if on_message else None,
        trigger_id=None if on_message else _string(body.get("trigger_id")),
    )


def ephemeral(reply: Reply) -> dict[str, Any]:
    """`reply` as an answer only the member who acted sees (an acknowledgement or a response_url post)."""
    return {**message(reply), "response_type": "ephemeral"}
