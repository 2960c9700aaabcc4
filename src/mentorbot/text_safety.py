"""Text typed by members and shown to others: checked on the way in, defused on the way out.

Members' text is stored as typed. When it is shown to someone else it is rendered so that it cannot
mention everyone, a role or another member on Discord (``@everyone``, ``@here``, ``<@&role>``, ``<@id>``) or
Slack (``<!channel>``, ``<!here>``, ``<!everyone>``, ``<!subteam^…>``, ``<@U…>``), nor disguise a link as other
words (Discord's masked link ``[Accept your offer](https://…)``, in a note an offer shows a mentor): the address
is shown as typed, the link's words beside it. Slack's own link form (``<url|words>``) is escaped by the Slack
adapter with every ``<``.
"""

from __future__ import annotations

import re
import unicodedata

from mentorbot.errors import FieldName, UserError

_ZWSP = "\u200b"
_BROADCAST = re.compile(r"@(everyone|here|channel)", re.IGNORECASE)
_SLACK_SPECIAL = re.compile(r"<!([^>]*)>")
_DISCORD_ROLE = re.compile(r"<@&(\d+)>")
_USER_MENTION = re.compile(r"<@(!?[0-9A-Za-z]+)>")
_MASKED_LINK = re.compile(r"\]\s*\(")
_ALLOWED_CONTROLS = {"\n", "\t"}


def has_control_characters(text: str) -> bool:
    """Whether `text` holds control characters other than newline and tab."""
    return any(unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS for ch in text)


def has_broken_characters(text: str) -> bool:
    """Whether `text` holds a lone surrogate (half of an emoji, say): not text any database can store."""
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def storable(text: str) -> str:
    """`text` with each lone surrogate replaced by U+FFFD (a pair of surrogates becomes the character it encodes)."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def check_text(text: str | None, *, field: FieldName, max_length: int, required: bool = False) -> str:
    """`text` trimmed, or a localized `UserError` when it is empty (if required), too long, has control
    characters or a lone surrogate. `field` is a message key suffix naming the field for the user (``note``…)."""
    value = (text or "").strip()
    if not value:
        if required:
            raise UserError("input.empty", field=field)
        return ""
    if has_control_characters(value):
        raise UserError("input.control_characters", field=field)
    if has_broken_characters(value):
        raise UserError("input.broken_characters", field=field)
    if len(value) > max_length:
        raise UserError("input.too_long", field=field, max=max_length, length=len(value))
    return value


def defuse_mentions(text: str) -> str:
    """`text` with mass mentions, role mentions, member mentions and masked links made inert for Discord and
    Slack (a member's typed ``<@U…>`` would show as the bot quoting that member, and may ping them)."""
    text = _BROADCAST.sub(lambda m: "@" + _ZWSP + m.group(1), text)
    text = _SLACK_SPECIAL.sub(lambda m: "<" + _ZWSP + "!" + m.group(1) + ">", text)
    text = _MASKED_LINK.sub(lambda m: "]" + _ZWSP + m.group(0)[1:], text)
    text = _DISCORD_ROLE.sub(lambda m: "<@" + _ZWSP + "&" + m.group(1) + ">", text)
    return _USER_MENTION.sub(lambda m: "<" + _ZWSP + "@" + m.group(1) + ">", text)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP's CSV injection list)."""


def spreadsheet_safe(value: object) -> object:
    """A CSV cell a spreadsheet shows as typed: text beginning with ``=``, ``+``, ``-``, ``@``, a tab or a
    carriage return gets a leading ``'`` (which spreadsheets hide), so a member's note can never run as a
    formula in an admin's export. Anything that is not text is left alone."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
