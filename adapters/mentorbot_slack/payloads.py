"""Reading Slack's payloads: whose workspace, which member, which event id, where a reply goes, the command typed."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

from mentorbot.commands import ParsedCommand, parse_slash
from mentorbot.errors import UserError
from mentorbot.replies import Reply
from mentorbot_slack.blocks import clicked_notice, message
from mentorbot_slack.delivery import ReplyRoute
from mentorbot_slack.plugin import COMMUNITY_PREFIX
from mentorbot_slack.views import ModalContext

_ESCAPED_MENTION: Final = re.compile(r"<@([UW][A-Z0-9]+)\|[^>]*>")
_INSTALLATION_KEPT: Final = ("team", "enterprise", "is_enterprise_install", "authorizations")
"""What an inbox record keeps to find its installation again (`installation_of`)."""
_CLICK_KEPT: Final = ("type", "trigger_id", "response_url", "user", "container", "channel", *_INSTALLATION_KEPT)
_SUBMISSION_KEPT: Final = ("type", "trigger_id", "user", *_INSTALLATION_KEPT)
_VIEW_KEPT: Final = ("callback_id", "private_metadata", "state", "app_installed_team_id")


def community_of(team_id: str) -> str:
    """The core's community id of a Slack workspace."""
    return f"{COMMUNITY_PREFIX}{team_id}"


@dataclass(frozen=True)
class UserFacts:
    """What users.info tells about a member: workspace admin or owner, and their time zone."""

    is_admin: bool = False
    timezone: str | None = None
    unknown: bool = False
    """users.info failed for a passing reason (a 5xx, a rate limit longer than waited out, the network): whether
    the member is a workspace admin is not known, so `is_admin` is no answer (`SlackAdapter.role_unchecked`)."""


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
    """The workspace an interaction payload names first (``team.id``, else the user's ``team_id``). For the
    community of the payload use `installation_of`: in a Slack Connect channel this can be the user's own team."""
    return _string(_object(body, "team").get("id")) or _string(_object(body, "user").get("team_id")) or ""


def _truthy(value: Any) -> bool:
    """A Slack flag: ``true`` in JSON payloads, the string ``"true"`` in a slash command's form."""
    return value is True or value == "true"


def _enterprise_of(body: Mapping[str, Any]) -> str | None:
    """The Enterprise Grid organisation a payload names (``enterprise.id``, ``enterprise_id``, or
    ``team.enterprise_id`` in view submissions)."""
    enterprise = body.get("enterprise")
    if isinstance(enterprise, str) and enterprise:
        return enterprise
    return (
        _string(_object(body, "enterprise").get("id"))
        or _string(body.get("enterprise_id"))
        or _string(_object(body, "team").get("enterprise_id"))
    )


def installation_of(body: Mapping[str, Any]) -> str:
    """The Slack installation a payload belongs to: the workspace where MentorBot is installed, or the
    Enterprise Grid organisation for an org-wide install. It is the member's community, whatever their home team.

    In order (the fields Bolt reads, the installation's before the actor's):

    1. ``authorizations[0]`` (Events API): its ``enterprise_id`` for an org-wide install, else its ``team_id``;
    2. ``is_enterprise_install`` (``"true"`` in a slash command's form): the organisation's id
       (``enterprise_id``, ``enterprise.id`` or ``team.enterprise_id``), so every workspace of the
       organisation is one community;
    3. ``view.app_installed_team_id``: a modal (submission, options load, click) opened in a Slack Connect
       channel carries the member's own ``team``, and the host workspace here;
    4. the payload's own workspace: ``team.id`` of an interaction (a click on the bot's message in a shared
       channel names the host there, the clicker's team in ``user.team_id``), ``team_id`` of a command or an
       event, and last the user's ``team_id``.
    """
    authorizations = body.get("authorizations")
    if isinstance(authorizations, list) and authorizations and isinstance(authorizations[0], Mapping):
        first = authorizations[0]
        if _truthy(first.get("is_enterprise_install")) and _string(first.get("enterprise_id")):
            return str(first["enterprise_id"])
        if _string(first.get("team_id")):
            return str(first["team_id"])
    if _truthy(body.get("is_enterprise_install")):
        enterprise = _enterprise_of(body)
        if enterprise:
            return enterprise
    view = _object(body, "view")
    installed = _string(view.get("app_installed_team_id"))
    if installed:
        return installed
    return (
        _string(_object(body, "team").get("id"))
        or _string(body.get("team_id"))
        or _string(_object(body, "user").get("team_id"))
        or _string(view.get("team_id"))
        or ""
    )


@dataclass(frozen=True)
class Apology:
    """Who to apologise to, and where, if the work on one interaction fails unexpectedly."""

    community: str
    route: ReplyRoute
    recorded: bool = False
    """The interaction is recorded in the inbox, pending until it is answered: after a failure of the database that
    passes by itself it is processed again once the database is back (`SlackAdapter.recover`), so the member is
    told it is saved (``common.db_saved``), not that nothing was changed."""
    retry: bool = False
    """A recovery's run of a recorded interaction: such a failure is only logged (the member was told the first
    time; it stays recorded for the next try), as the core does for a retried command."""

    def pending(self, *, retry: bool = False) -> Apology:
        """This apology for a recorded interaction (see `recorded`); `retry` for a recovery's run of it."""
        return replace(self, recorded=True, retry=retry)

    @classmethod
    def for_command(cls, body: Mapping[str, Any]) -> Apology:
        """To the member who ran a slash command: through its response_url, else ephemerally in its channel."""
        route = ReplyRoute(
            str(body.get("user_id", "")),
            response_url=_string(body.get("response_url")),
            channel_id=_string(body.get("channel_id")),
        )
        return cls(community_of(installation_of(body)), route)

    @classmethod
    def for_button(cls, body: Mapping[str, Any]) -> Apology:
        """To the member who clicked: where the click's own reply would go (`button_route`)."""
        return cls(community_of(installation_of(body)), button_route(body))

    @classmethod
    def for_view(cls, body: Mapping[str, Any], view: Mapping[str, Any]) -> Apology:
        """To the member who submitted a modal: where it was opened from (its ``private_metadata``)."""
        user = _object(body, "user")
        meta = ModalContext.load(view.get("private_metadata"))
        route = ReplyRoute(str(user.get("id", "")), response_url=meta.response_url, channel_id=meta.channel_id)
        return cls(community_of(installation_of({**body, "view": view})), route)


def user_of(body: Mapping[str, Any]) -> Mapping[str, Any]:
    """The member of an interaction payload (``user``), an empty object when there is none."""
    return _object(body, "user")


def click_record(body: Mapping[str, Any]) -> dict[str, Any]:
    """What the inbox keeps of a click (``block_actions``) to process it again after a crash: who clicked
    which of our buttons, where (its message and response_url), and its trigger. Not the clicked message's
    blocks, which can be large and are not needed."""
    kept = {k: body[k] for k in _CLICK_KEPT if k in body}
    actions = body.get("actions")
    first = actions[0] if isinstance(actions, list) and actions and isinstance(actions[0], Mapping) else {}
    installed = _object(body, "view").get("app_installed_team_id")
    if installed:  # a click in a modal opened from a Slack Connect channel: the installation is there
        kept["view"] = {"app_installed_team_id": installed}
    return {"kind": "button", **kept, "actions": [{"action_id": str(first.get("action_id", ""))}]}


def submission_record(body: Mapping[str, Any], view: Mapping[str, Any], method: str) -> dict[str, Any]:
    """What the inbox keeps of a submitted signup or request modal (`method`): who submitted it, and the
    submitted values with the modal's private metadata (where it was opened from)."""
    return {
        "kind": "view",
        "method": method,
        "body": {k: body[k] for k in _SUBMISSION_KEPT if k in body},
        "view": {k: view[k] for k in _VIEW_KEPT if k in view},
    }


def unescape_typed(text: str) -> str:
    """A slash command's text as the member typed it: Slack sends ``&``, ``<`` and ``>`` typed in it as ``&amp;``,
    ``&lt;`` and ``&gt;`` (its formatting rules, "Escaping text"; with ``should_escape: false`` too), which are
    undone here, ``&amp;`` last (so that a typed ``&lt;`` stays ``&lt;``). Modal inputs and button values come as
    typed, and are not unescaped."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def parse_command(body: Mapping[str, Any]) -> ParsedCommand | UserError:
    """A slash command's body parsed (once per request) with the shared parser, required options allowed to be
    missing (a form may ask for them); the parsing error instead when it is not a valid command. Its text is read
    as the member typed it (`unescape_typed`)."""
    # With "escape channels, users and links" on, Slack sends <@U123|name>: the core knows <@U123>. Only Slack's own
    # angle brackets are mentions: what the member typed comes escaped, and is unescaped after.
    text = unescape_typed(_ESCAPED_MENTION.sub(r"<@\1>", str(body.get("text", ""))))
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


def clicked_notice_of(body: Mapping[str, Any]) -> int | None:
    """The notice a click came from when its message packs several held notices (`blocks.packed`), else None:
    read from the clicked block's id, or from the message's blocks when the click names another block."""
    actions = body.get("actions")
    action = actions[0] if isinstance(actions, list) and actions and isinstance(actions[0], Mapping) else {}
    blocks = _object(body, "message").get("blocks")
    return clicked_notice(blocks if isinstance(blocks, list) else [], action.get("block_id"), action.get("action_id"))


def ephemeral(reply: Reply) -> dict[str, Any]:
    """`reply` as an answer only the member who acted sees (an acknowledgement or a response_url post)."""
    return {**message(reply), "response_type": "ephemeral"}
