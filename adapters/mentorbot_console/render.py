"""Replies as terminal text: title, text, fields, listings (one entry a line, then which of how many: a terminal
has no size limit, so a page is shown whole), numbered actions, saved attachments; mentions as @name."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from mentorbot import paging
from mentorbot.commands import button_command
from mentorbot.i18n import Translator
from mentorbot.replies import Button, Reply

MENTION = re.compile(r"<@([^<>\s]+)>")
_INLINE_WIDTH = 70


@dataclass(frozen=True)
class NumberedAction:
    """A button as the console shows it: `/click number` runs it."""

    number: int
    button: Button


def mention_ids(replies: Iterable[Reply]) -> set[str]:
    """The platform user ids mentioned (``<@id>``) anywhere in `replies`."""
    found: set[str] = set()
    for reply in replies:
        listed = [text for listing in reply.listings for text in (listing.name, *listing.entries)]
        fields = [text for f in reply.fields for text in (f.name, f.value)]
        for text in (reply.title or "", reply.text, *fields, *listed):
            found.update(MENTION.findall(text))
    return found


def render_mentions(text: str, names: Mapping[str, str]) -> str:
    """`text` with each ``<@id>`` written ``@Name`` (the id itself when the name is unknown)."""
    return MENTION.sub(lambda m: "@" + names.get(m.group(1), m.group(1)), text)


def indent(text: str, prefix: str = "   ") -> str:
    """Every line of `text` indented by `prefix`."""
    return "\n".join(prefix + line if line else line for line in text.splitlines())


def render_reply(
    reply: Reply,
    t: Translator,
    *,
    names: Mapping[str, str],
    actions: Sequence[NumberedAction] = (),
    saved: Sequence[str] = (),
) -> str:
    """One reply as text lines."""
    lines: list[str] = []
    if reply.title:
        lines.append(f"== {render_mentions(reply.title, names)} ==")
    if reply.text:
        lines.extend(render_mentions(reply.text, names).splitlines())
    for item in reply.fields:
        name = render_mentions(item.name, names)
        value = render_mentions(item.value, names)
        if "\n" in value or len(name) + len(value) > _INLINE_WIDTH:
            lines.append(f"  {name}:")
            lines.extend(f"    {line}" for line in value.splitlines())
        else:
            lines.append(f"  {name}: {value}")
    for listing in reply.listings:
        if listing.name:  # a listing the reply's title already names has none
            lines.append(f"  {render_mentions(listing.name, names)}:")
        for entry in listing.entries or (listing.empty,):
            lines.extend(f"    {line}" for line in render_mentions(entry, names).splitlines())
        if summary := paging.summary(listing):
            lines.append(f"    {render_mentions(summary, names)}")
    for action in actions:
        line = f"  [{action.number}] {action.button.label}"
        command = button_command(action.button)
        if command:
            line += f"  ({t('commands.or_command', command=command)})"
        lines.append(line)
    if actions:
        lines.append("  " + t("console.click_hint"))
    lines.extend(f"  {line}" for line in saved)
    return "\n".join(lines)


def render_notification(name: str, body: str, t: Translator) -> str:
    """A message delivered to another member's DMs: ``→ to @name:`` and the message indented."""
    return t("console.to", name=name) + "\n" + indent(body)
