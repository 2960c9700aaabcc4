"""Builders for Discord payloads: messages, and interactions shaped like the discord-api-docs examples.

The interaction builders produce the documented Interaction object (API v10): slash commands with
typed options (including subcommands and subcommand groups), autocomplete with a focused option,
message component clicks carrying the message they are on, and modal submits, each either in a
guild (``member`` with its ``permissions`` string) or in a DM with the bot (``user``).
``FakeDiscord.push_interaction`` then stamps a fresh id and token on them.

Recorded example payloads live in ``tests/fixtures/discord/`` (see :func:`load_fixture`).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from tests.fakes.discord_models import (
    GENERAL_CHANNEL_ID,
    GUILD_ID,
    INTERACTION_APPLICATION_COMMAND,
    INTERACTION_AUTOCOMPLETE,
    INTERACTION_MESSAGE_COMPONENT,
    INTERACTION_MODAL_SUBMIT,
    JSON,
    MENTEE_USER_ID,
    DiscordWorld,
    iso_now,
)

FIXTURES_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "discord"

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
APP_PERMISSIONS_GUILD = "2248473465835073"
APP_PERMISSIONS_DM = "442368"

# Application command option types.
OPTION_SUB_COMMAND = 1
OPTION_SUB_COMMAND_GROUP = 2
OPTION_STRING = 3
OPTION_INTEGER = 4
OPTION_BOOLEAN = 5
OPTION_USER = 6
OPTION_CHANNEL = 7
OPTION_ROLE = 8
OPTION_NUMBER = 10

# Component types.
COMPONENT_ACTION_ROW = 1
COMPONENT_BUTTON = 2
COMPONENT_STRING_SELECT = 3
COMPONENT_TEXT_INPUT = 4
COMPONENT_LABEL = 18

CommandLookup = Callable[[str, int | None], tuple[int, int | None] | None]
"""Maps (top-level command name, guild id of the interaction) to (command id, command guild id or None)."""


def load_fixture(name: str) -> dict[str, JSON]:
    """Load a recorded payload from ``tests/fixtures/discord/`` (``.json`` may be omitted); a fresh copy."""
    path = FIXTURES_DIR / (name if name.endswith(".json") else f"{name}.json")
    with path.open(encoding="utf-8") as fh:
        data: dict[str, JSON] = json.load(fh)
    return data


def error_payload(code: int, message: str) -> dict[str, JSON]:
    """Discord's JSON error body."""
    return {"message": message, "code": code}


def missing_keys(expected: JSON, actual: JSON, path: str = "") -> list[str]:
    """Key paths in ``expected`` but not in ``actual`` (dicts recursively; lists and id maps by first item).

    Used to prove that builder output has at least the shape of a recorded fixture.
    """
    missing: list[str] = []
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [path or "<root>"]
        if expected and all(key.isdigit() for key in expected):  # a map keyed by snowflakes (``resolved``)
            if actual:
                missing.extend(missing_keys(next(iter(expected.values())), next(iter(actual.values())), path))
            return missing
        for key, value in expected.items():
            sub = f"{path}.{key}" if path else key
            if key not in actual:
                missing.append(sub)
            else:
                missing.extend(missing_keys(value, actual[key], sub))
    elif isinstance(expected, list) and expected:
        if not isinstance(actual, list):
            return [path]
        if actual:
            missing.extend(missing_keys(expected[0], actual[0], f"{path}[0]"))
    return missing


# ---------------------------------------------------------------------------------------------- options


def option(name: str, type: int, value: JSON, *, focused: bool = False) -> dict[str, JSON]:
    """One interaction data option with a value (``focused`` marks the option being autocompleted)."""
    data: dict[str, JSON] = {"name": name, "type": type, "value": value}
    if focused:
        data["focused"] = True
    return data


def string_option(name: str, value: str, *, focused: bool = False) -> dict[str, JSON]:
    """A STRING (3) option."""
    return option(name, OPTION_STRING, value, focused=focused)


def integer_option(name: str, value: int, *, focused: bool = False) -> dict[str, JSON]:
    """An INTEGER (4) option."""
    return option(name, OPTION_INTEGER, value, focused=focused)


def boolean_option(name: str, value: bool) -> dict[str, JSON]:
    """A BOOLEAN (5) option."""
    return option(name, OPTION_BOOLEAN, value)


def number_option(name: str, value: float, *, focused: bool = False) -> dict[str, JSON]:
    """A NUMBER (10) option."""
    return option(name, OPTION_NUMBER, value, focused=focused)


def user_option(name: str, user_id: int) -> dict[str, JSON]:
    """A USER (6) option; the builders add the user (and member) to ``data.resolved``."""
    return option(name, OPTION_USER, str(user_id))


def to_options(values: Mapping[str, JSON] | Sequence[dict[str, JSON]] | None) -> list[dict[str, JSON]]:
    """Options from a mapping (types inferred: bool 5, int 4, float 10, str 3; dicts kept) or a list."""
    if values is None:
        return []
    if not isinstance(values, Mapping):
        return [dict(v) for v in values]
    result: list[dict[str, JSON]] = []
    for name, value in values.items():
        if isinstance(value, dict) and "type" in value:
            result.append({**value, "name": name})
        elif isinstance(value, bool):
            result.append(boolean_option(name, value))
        elif isinstance(value, int):
            result.append(integer_option(name, value))
        elif isinstance(value, float):
            result.append(number_option(name, value))
        elif isinstance(value, str):
            result.append(string_option(name, value))
        else:
            raise TypeError(f"cannot infer the option type of {name}={value!r}; pass an option dict")
    return result


def nest_command_path(path: str, options: list[dict[str, JSON]]) -> tuple[str, list[dict[str, JSON]]]:
    """Split ``"mentor admin settings"`` into the command name and options nesting group and subcommand."""
    parts = path.split()
    if not 1 <= len(parts) <= 3:
        raise ValueError(f"a command path has 1 to 3 words, not {path!r}")
    nested = options
    if len(parts) >= 2:
        nested = [{"name": parts[-1], "type": OPTION_SUB_COMMAND, "options": nested}]
    if len(parts) == 3:
        nested = [{"name": parts[1], "type": OPTION_SUB_COMMAND_GROUP, "options": nested}]
    return parts[0], nested


def _leaf_options(options: list[dict[str, JSON]]) -> Iterator[dict[str, JSON]]:
    for opt in options:
        if opt.get("type") in (OPTION_SUB_COMMAND, OPTION_SUB_COMMAND_GROUP):
            yield from _leaf_options(opt.get("options", []))
        else:
            yield opt


# --------------------------------------------------------------------------------------------- messages


def number_components(components: list[dict[str, JSON]], start: int = 1) -> int:
    """Give every component without one a numeric ``id`` (Discord numbers them); returns the next id."""
    next_id = start
    for component in components:
        if "id" not in component:
            component["id"] = next_id
        next_id = max(next_id, int(component["id"])) + 1
        for key in ("components",):
            if isinstance(component.get(key), list):
                next_id = number_components(component[key], next_id)
        for key in ("component", "accessory"):
            if isinstance(component.get(key), dict):
                next_id = number_components([component[key]], next_id)
    return next_id


def message_payload(
    *,
    message_id: int,
    channel_id: int,
    author: dict[str, JSON],
    content: str = "",
    guild_id: int | None = None,
    flags: int = 0,
    embeds: list[JSON] | None = None,
    components: list[dict[str, JSON]] | None = None,
    attachments: list[dict[str, JSON]] | None = None,
    message_type: int = 0,
    webhook_id: int | None = None,
    application_id: int | None = None,
    interaction_metadata: dict[str, JSON] | None = None,
) -> dict[str, JSON]:
    """A message object (the fields of the documented Message Structure that a bot's messages carry)."""
    comps = copy.deepcopy(components or [])
    number_components(comps)
    data: dict[str, JSON] = {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "author": author,
        "content": content,
        "timestamp": iso_now(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": attachments or [],
        "embeds": embeds or [],
        "pinned": False,
        "type": message_type,
        "flags": flags,
        "components": comps,
    }
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    if webhook_id is not None:
        data["webhook_id"] = str(webhook_id)
    if application_id is not None:
        data["application_id"] = str(application_id)
    if interaction_metadata is not None:
        data["interaction_metadata"] = interaction_metadata
    return data


def button_message(
    world: DiscordWorld,
    custom_id: str,
    *,
    channel_id: int,
    message_id: int,
    guild_id: int | None,
    label: str = "Button",
) -> dict[str, JSON]:
    """A message from the bot with one action row holding one button (for clicks on unknown messages)."""
    row = {
        "type": COMPONENT_ACTION_ROW,
        "components": [{"type": COMPONENT_BUTTON, "style": 1, "label": label, "custom_id": custom_id}],
    }
    return message_payload(
        message_id=message_id,
        channel_id=channel_id,
        guild_id=guild_id,
        author=world.bot_user.payload(),
        content="",
        components=[row],
        application_id=world.application_id,
    )


# ----------------------------------------------------------------------------------------- interactions


class InteractionBuilder:
    """Builds documented Interaction objects for the users, guilds and commands of a :class:`DiscordWorld`.

    By default the invoking user is the mentee, in the default guild's #general. Pass ``dm=True`` for
    a DM with the bot. ``id`` and ``token`` are placeholders until ``push_interaction`` stamps them.
    """

    def __init__(self, world: DiscordWorld, command_lookup: CommandLookup | None = None) -> None:
        self.world = world
        self._command_lookup = command_lookup

    def base(
        self,
        interaction_type: int,
        data: dict[str, JSON] | None,
        *,
        user_id: int = MENTEE_USER_ID,
        guild_id: int = GUILD_ID,
        channel_id: int | None = None,
        dm: bool = False,
        locale: str = "en-US",
    ) -> dict[str, JSON]:
        """The fields every interaction has, for a guild member or (``dm=True``) a DM with the bot."""
        world = self.world
        payload: dict[str, JSON] = {
            "id": "0",
            "application_id": str(world.application_id),
            "type": interaction_type,
        }
        if data is not None:
            payload["data"] = data
        if dm:
            channel = world.dm_channel_payload(user_id)
            payload.update(
                {
                    "channel": channel,
                    "channel_id": channel["id"],
                    "user": world.user(user_id).payload(),
                    "app_permissions": APP_PERMISSIONS_DM,
                    "authorizing_integration_owners": {"0": "0"},
                    "context": 1,
                }
            )
        else:
            guild = world.guild(guild_id)
            chan_id = (
                channel_id if channel_id is not None else (guild.channels[0].id if guild.channels else 0)
            )
            chan = guild.channel(chan_id)
            if chan is None:
                raise KeyError(f"guild {guild_id} has no channel {chan_id}")
            payload.update(
                {
                    "guild": guild.partial_payload(),
                    "guild_id": str(guild_id),
                    "guild_locale": guild.preferred_locale,
                    "channel": chan.payload(guild_id),
                    "channel_id": str(chan_id),
                    "member": world.member_payload(guild_id, user_id, with_permissions=True),
                    "app_permissions": APP_PERMISSIONS_GUILD,
                    "authorizing_integration_owners": {"0": str(guild_id)},
                    "context": 0,
                }
            )
        payload.update(
            {
                "token": "",
                "version": 1,
                "locale": locale,
                "entitlements": [],
                "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
            }
        )
        return payload

    def _command_data(
        self,
        path: str,
        options: Mapping[str, JSON] | Sequence[dict[str, JSON]] | None,
        *,
        guild_id: int | None,
        command_id: int | None,
        command_guild_id: int | None,
    ) -> dict[str, JSON]:
        name, nested = nest_command_path(path, to_options(options))
        found = self._command_lookup(name, guild_id) if self._command_lookup else None
        if command_id is None:
            command_id = found[0] if found else self.world.snowflakes.next()
        if command_guild_id is None and found is not None:
            command_guild_id = found[1]
        data: dict[str, JSON] = {"id": str(command_id), "name": name, "type": 1}
        if nested:
            data["options"] = nested
        if command_guild_id is not None:
            data["guild_id"] = str(command_guild_id)
        resolved = self._resolved(nested, guild_id)
        if resolved:
            data["resolved"] = resolved
        return data

    def _resolved(self, options: list[dict[str, JSON]], guild_id: int | None) -> dict[str, JSON]:
        users: dict[str, JSON] = {}
        members: dict[str, JSON] = {}
        for opt in _leaf_options(options):
            if opt.get("type") != OPTION_USER:
                continue
            user_id = int(opt["value"])
            users[str(user_id)] = self.world.user(user_id).payload()
            if guild_id is not None and self.world.guild(guild_id).member(user_id) is not None:
                member = self.world.member_payload(guild_id, user_id, with_permissions=True)
                for key in ("user", "deaf", "mute"):
                    member.pop(key, None)
                members[str(user_id)] = member
        resolved: dict[str, JSON] = {}
        if users:
            resolved["users"] = users
        if members:
            resolved["members"] = members
        return resolved

    def slash(
        self,
        path: str,
        options: Mapping[str, JSON] | Sequence[dict[str, JSON]] | None = None,
        *,
        user_id: int = MENTEE_USER_ID,
        guild_id: int = GUILD_ID,
        channel_id: int | None = None,
        dm: bool = False,
        command_id: int | None = None,
        command_guild_id: int | None = None,
        locale: str = "en-US",
    ) -> dict[str, JSON]:
        """A slash command (type 2), e.g. ``slash("mentor request", {"skills": "seo"})``.

        ``path`` is the command, optionally followed by a subcommand group and/or subcommand. The
        command id (and, for guild commands, ``data.guild_id``, which discord.py needs to find guild
        commands) come from the commands the bot synced to the fake, when it did.
        """
        data = self._command_data(
            path,
            options,
            guild_id=None if dm else guild_id,
            command_id=command_id,
            command_guild_id=command_guild_id,
        )
        return self.base(
            INTERACTION_APPLICATION_COMMAND,
            data,
            user_id=user_id,
            guild_id=guild_id,
            channel_id=channel_id,
            dm=dm,
            locale=locale,
        )

    def autocomplete(
        self,
        path: str,
        focused: str,
        value: JSON,
        options: Mapping[str, JSON] | Sequence[dict[str, JSON]] | None = None,
        *,
        focused_type: int = OPTION_STRING,
        user_id: int = MENTEE_USER_ID,
        guild_id: int = GUILD_ID,
        channel_id: int | None = None,
        dm: bool = False,
        command_id: int | None = None,
        command_guild_id: int | None = None,
    ) -> dict[str, JSON]:
        """An autocomplete interaction (type 4): the user is typing ``value`` into option ``focused``."""
        opts = to_options(options)
        opts.append(option(focused, focused_type, value, focused=True))
        data = self._command_data(
            path,
            opts,
            guild_id=None if dm else guild_id,
            command_id=command_id,
            command_guild_id=command_guild_id,
        )
        data["version"] = str(self.world.snowflakes.next())
        return self.base(
            INTERACTION_AUTOCOMPLETE, data, user_id=user_id, guild_id=guild_id, channel_id=channel_id, dm=dm
        )

    def _component_context(
        self,
        message: dict[str, JSON] | None,
        custom_id: str,
        guild_id: int,
        channel_id: int | None,
        dm: bool,
        user_id: int,
    ) -> tuple[dict[str, JSON], int | None]:
        if message is not None:
            chan = int(message["channel_id"])
            return message, chan
        chan_id = self.world.dm_channel_id(user_id) if dm else (channel_id or GENERAL_CHANNEL_ID)
        msg = button_message(
            self.world,
            custom_id,
            channel_id=chan_id,
            message_id=self.world.snowflakes.next(),
            guild_id=None if dm else guild_id,
        )
        return msg, chan_id

    def button(
        self,
        custom_id: str,
        *,
        message: dict[str, JSON] | None = None,
        user_id: int = MENTEE_USER_ID,
        guild_id: int = GUILD_ID,
        channel_id: int | None = None,
        dm: bool = False,
    ) -> dict[str, JSON]:
        """A button click (type 3) on ``message`` (e.g. a message the bot sent, as the fake recorded it).

        Without ``message`` a bot message holding just this button is made up. discord.py needs the
        message: it rebuilds the view (and finds dynamic items) from the message's components.
        """
        msg, chan = self._component_context(message, custom_id, guild_id, channel_id, dm, user_id)
        component_id = _find_component_id(msg.get("components", []), custom_id)
        data: dict[str, JSON] = {"custom_id": custom_id, "component_type": COMPONENT_BUTTON}
        if component_id is not None:
            data["id"] = component_id
        payload = self.base(
            INTERACTION_MESSAGE_COMPONENT,
            data,
            user_id=user_id,
            guild_id=guild_id,
            channel_id=None if dm else chan,
            dm=dm,
        )
        payload["message"] = copy.deepcopy(msg)
        return payload

    def string_select(
        self,
        custom_id: str,
        values: Sequence[str],
        *,
        message: dict[str, JSON],
        user_id: int = MENTEE_USER_ID,
        guild_id: int = GUILD_ID,
        dm: bool = False,
    ) -> dict[str, JSON]:
        """A string select (type 3, component_type 3) choice on ``message``."""
        data: dict[str, JSON] = {
            "custom_id": custom_id,
            "component_type": COMPONENT_STRING_SELECT,
            "values": list(values),
        }
        component_id = _find_component_id(message.get("components", []), custom_id)
        if component_id is not None:
            data["id"] = component_id
        payload = self.base(
            INTERACTION_MESSAGE_COMPONENT,
            data,
            user_id=user_id,
            guild_id=guild_id,
            channel_id=None if dm else int(message["channel_id"]),
            dm=dm,
        )
        payload["message"] = copy.deepcopy(message)
        return payload

    def modal_submit(
        self,
        custom_id: str,
        values: Mapping[str, str],
        *,
        message: dict[str, JSON] | None = None,
        user_id: int = MENTEE_USER_ID,
        guild_id: int = GUILD_ID,
        channel_id: int | None = None,
        dm: bool = False,
        in_action_rows: bool = False,
        selected: Mapping[str, Sequence[str]] | None = None,
    ) -> dict[str, JSON]:
        """A modal submit (type 5) with text input values by custom_id.

        Inputs come wrapped in Label components (type 18), as Discord sends them now; pass
        ``in_action_rows=True`` for the older action-row form. ``message`` is set when the modal was
        opened from a component. ``selected``: the values picked in string selects, by custom_id, each sent in its
        Label as ``{"type": 3, "id", "custom_id", "values"}`` (developers/components/reference.mdx, "String Select
        Interaction Response Structure": ``type``, not ``component_type``, in a modal), after the text inputs.
        """
        components: list[dict[str, JSON]] = []
        next_id = 1
        answers: list[tuple[str, dict[str, JSON]]] = [
            (input_id, {"type": COMPONENT_TEXT_INPUT, "value": value}) for input_id, value in values.items()
        ]
        answers += [
            (select_id, {"type": COMPONENT_STRING_SELECT, "values": list(picked)})
            for select_id, picked in (selected or {}).items()
        ]
        for input_id, answer in answers:
            text_input = {"type": answer["type"], "id": next_id + 1, "custom_id": input_id}
            text_input.update({key: value for key, value in answer.items() if key != "type"})
            if in_action_rows:
                components.append({"type": COMPONENT_ACTION_ROW, "id": next_id, "components": [text_input]})
            else:
                components.append({"type": COMPONENT_LABEL, "id": next_id, "component": text_input})
            next_id += 2
        data: dict[str, JSON] = {"custom_id": custom_id, "components": components}
        payload = self.base(
            INTERACTION_MODAL_SUBMIT, data, user_id=user_id, guild_id=guild_id, channel_id=channel_id, dm=dm
        )
        if message is not None:
            payload["message"] = copy.deepcopy(message)
        return payload


def _find_component_id(components: list[dict[str, JSON]], custom_id: str) -> int | None:
    for component in components:
        if component.get("custom_id") == custom_id:
            value = component.get("id")
            return int(value) if value is not None else None
        children = list(component.get("components") or [])
        for key in ("component", "accessory"):
            if isinstance(component.get(key), dict):
                children.append(component[key])
        found = _find_component_id(children, custom_id)
        if found is not None:
            return found
    return None
