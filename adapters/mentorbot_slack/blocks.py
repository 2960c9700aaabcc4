"""The core's neutral `Reply` as Slack Block Kit, within Slack's size limits.

A reply becomes: a header (its title), a section (its text), sections for its fields (inline fields side by
side, up to ten per section), and actions blocks for its buttons. Every message also carries `text`, the plain
fallback Slack shows in notifications and screen readers.

Text from the core is written for every platform: backticks, plain URLs and ``<@U…>`` member mentions. Only
``&``, ``<`` and ``>`` mean something else to Slack, so they are escaped, except in member mentions, so that
nothing typed by a member can become a link, a channel mention or a broadcast.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final

from mentorbot.replies import Button, ButtonStyle, Field, Reply, clip

Block = dict[str, Any]

HEADER_MAX: Final = 150
SECTION_TEXT_MAX: Final = 3000
FIELD_TEXT_MAX: Final = 2000
FIELDS_PER_SECTION: Final = 10
BUTTONS_PER_ACTIONS: Final = 25
BUTTON_TEXT_MAX: Final = 75
FALLBACK_TEXT_MAX: Final = 3000
MESSAGE_BLOCKS_MAX: Final = 50
HOME_BLOCKS_MAX: Final = 100

ACTION_PREFIX: Final = "mentorbot:"
"""Every button's `action_id` is its `Button.custom_id` (``mentorbot:offer.accept:42``)."""

_MENTION: Final = re.compile(r"(<@[UW][A-Z0-9]+>)")


def escape(text: str) -> str:
    """`text` safe for Slack's mrkdwn: ``& < >`` escaped, member mentions (``<@U123>``) kept."""
    parts = _MENTION.split(text)
    return "".join(
        part if i % 2 else part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        for i, part in enumerate(parts)
    )


def plain(text: str, limit: int = SECTION_TEXT_MAX) -> dict[str, Any]:
    """A ``plain_text`` text object."""
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def mrkdwn(text: str, limit: int = SECTION_TEXT_MAX) -> dict[str, Any]:
    """An ``mrkdwn`` text object of core text (escaped, then cut to `limit`)."""
    return {"type": "mrkdwn", "text": clip(escape(text), limit)}


def section(text: str) -> Block:
    """A section block showing `text`."""
    return {"type": "section", "text": mrkdwn(text)}


def context(text: str) -> Block:
    """A small-print context block."""
    return {"type": "context", "elements": [mrkdwn(text)]}


def _field_text(field: Field) -> str:
    return f"*{escape(field.name)}*\n" + escape(field.value)


def field_blocks(fields: Sequence[Field]) -> list[Block]:
    """Sections for `fields`: consecutive inline fields share a section (up to ten), others get their own."""
    blocks: list[Block] = []
    inline: list[Field] = []

    def flush() -> None:
        for start in range(0, len(inline), FIELDS_PER_SECTION):
            chunk = inline[start : start + FIELDS_PER_SECTION]
            blocks.append(
                {
                    "type": "section",
                    "fields": [{"type": "mrkdwn", "text": clip(_field_text(f), FIELD_TEXT_MAX)} for f in chunk],
                }
            )
        inline.clear()

    for field in fields:
        if field.inline:
            inline.append(field)
            continue
        flush()
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": clip(_field_text(field), SECTION_TEXT_MAX)}}
        )
    flush()
    return blocks


def button_element(button: Button) -> dict[str, Any]:
    """A Block Kit button for a core `Button`: its `action_id` is the button's stable custom id."""
    element: dict[str, Any] = {
        "type": "button",
        "action_id": button.custom_id,
        "text": plain(button.label, BUTTON_TEXT_MAX),
        "value": button.ref,
    }
    if button.style is not ButtonStyle.SECONDARY:
        element["style"] = button.style.value
    return element


def button_blocks(buttons: Sequence[Button], *, block_prefix: str = "mentorbot-actions") -> list[Block]:
    """Actions blocks for `buttons` (at most 25 per block)."""
    return [
        {
            "type": "actions",
            "block_id": f"{block_prefix}-{start // BUTTONS_PER_ACTIONS}",
            "elements": [button_element(b) for b in buttons[start : start + BUTTONS_PER_ACTIONS]],
        }
        for start in range(0, len(buttons), BUTTONS_PER_ACTIONS)
    ]


def reply_blocks(reply: Reply, *, buttons: bool = True, max_blocks: int = MESSAGE_BLOCKS_MAX) -> list[Block]:
    """The blocks of `reply` (its buttons too, unless `buttons` is false)."""
    blocks: list[Block] = []
    if reply.title:
        blocks.append({"type": "header", "text": plain(reply.title, HEADER_MAX)})
    if reply.text:
        blocks.append(section(reply.text))
    blocks.extend(field_blocks(reply.fields))
    actions = button_blocks(reply.buttons) if buttons else []
    room = max_blocks - len(actions)
    if len(blocks) > room:
        blocks = [*blocks[: room - 1], section("…")]
    return blocks + actions


def fallback_text(reply: Reply) -> str:
    """The plain text Slack shows in notifications (and where blocks cannot be shown)."""
    return clip(escape(reply.plain_text or reply.title or ""), FALLBACK_TEXT_MAX) or "…"


def message(reply: Reply, *, buttons: bool = True, note: str | None = None) -> dict[str, Any]:
    """``text`` and ``blocks`` arguments for chat.postMessage / chat.update / chat.postEphemeral / respond.

    `note` adds a small-print line first (for example why a message arrives here and not by DM).
    """
    blocks = reply_blocks(reply, buttons=buttons, max_blocks=MESSAGE_BLOCKS_MAX - (1 if note else 0))
    if note:
        blocks.insert(0, context(note))
    return {"text": fallback_text(reply), "blocks": blocks}
