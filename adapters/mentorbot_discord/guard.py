"""Interactions whose payload MentorBot cannot read: refused with a localized message, never a crash.

* An INTERACTION_CREATE without its user (``member.user`` in a server, ``user`` in a DM) makes discord.py raise
  while parsing the gateway event, which would end the gateway connection. `guard_interactions` wraps the
  client's parser: such an interaction is answered with ``discord.unreadable_interaction`` and not parsed, and
  any other parse failure is logged without ending the connection.
* A slash command whose option carries a value of another kind than the command declares (a number in the
  skills option, 2.5 in an integer option: a client with an outdated command list, or a forged payload) is
  found by `mistyped_option` before discord.py converts it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final

import discord
from discord import app_commands

from mentorbot.i18n import Translator

log = logging.getLogger("mentorbot.discord")

CALLBACK_CHANNEL_MESSAGE: Final = 4
EPHEMERAL: Final = 64
_GROUPS: Final = (discord.AppCommandOptionType.subcommand.value, discord.AppCommandOptionType.subcommand_group.value)


def has_user(data: Mapping[str, Any]) -> bool:
    """Whether an interaction payload names who acted: ``member.user`` (in a server) or ``user`` (in a DM)."""
    member = data.get("member")
    user = member.get("user") if isinstance(member, Mapping) else data.get("user")
    return isinstance(user, Mapping) and "id" in user


def guard_interactions(client: discord.Client, t: Callable[[], Translator]) -> None:
    """Wrap `client`'s INTERACTION_CREATE parser (see the module): refuse an interaction without its user with
    ``discord.unreadable_interaction`` in `t`'s language, and keep the connection up when parsing fails."""
    parsers: dict[str, Callable[[Any], None]] = client._connection.parsers
    parse = parsers["INTERACTION_CREATE"]
    pending: set[asyncio.Task[None]] = set()

    def guarded(data: Any) -> None:
        if not isinstance(data, Mapping) or not has_user(data):
            log.warning("interaction %s names no user; refused", data.get("id") if isinstance(data, Mapping) else "?")
            task = asyncio.get_running_loop().create_task(refuse(client, data, t()))
            pending.add(task)
            task.add_done_callback(pending.discard)
            return
        try:
            parse(data)
        except Exception:
            log.exception("could not read interaction %s; the gateway connection stays up", data.get("id"))

    parsers["INTERACTION_CREATE"] = guarded


async def refuse(client: discord.Client, data: Any, t: Translator) -> None:
    """Answer an unreadable interaction with a short ephemeral message, if it carries its id and token."""
    if not isinstance(data, Mapping) or not data.get("id") or not data.get("token"):
        return
    route = discord.http.Route(
        "POST",
        "/interactions/{interaction_id}/{interaction_token}/callback",
        interaction_id=data["id"],
        interaction_token=data["token"],
    )
    message = {"content": t("discord.unreadable_interaction"), "flags": EPHEMERAL}
    try:
        await client.http.request(route, json={"type": CALLBACK_CHANNEL_MESSAGE, "data": message})
    except discord.HTTPException as exc:
        log.info("could not refuse interaction %s: %s %s", data["id"], exc.status, exc.code)


def option_leaves(options: Any) -> Iterator[Mapping[str, Any]]:
    """The options given in a slash command payload's ``options`` (inside its subcommand and group)."""
    for option in options if isinstance(options, list) else []:
        if isinstance(option, Mapping):
            if option.get("type") in _GROUPS:
                yield from option_leaves(option.get("options"))
            else:
                yield option


def mistyped_option(command: app_commands.Command[Any, ..., Any], data: Mapping[str, Any] | None) -> str | None:
    """The name of the first option of a slash command's payload `data` whose type is not the one `command`
    declares (None when every option is as declared)."""
    declared = {p.display_name: p.type.value for p in command.parameters}
    for option in option_leaves((data or {}).get("options")):
        expected = declared.get(str(option.get("name")))
        if expected is not None and option.get("type") != expected:
            return str(option.get("name"))
    return None
