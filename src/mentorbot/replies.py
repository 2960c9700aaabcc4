"""Platform-neutral replies: what the core asks an adapter to show, and to whom.

Adapters render these (Discord embeds and components, Slack Block Kit, console text). Every reply has a
plain-text form (`Reply.plain_text`) so any adapter can fall back to it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mentorbot.errors import UserError


class ButtonStyle(StrEnum):
    """How prominent a button is; adapters map it to their own styles."""

    PRIMARY = "primary"
    DANGER = "danger"
    SECONDARY = "secondary"


@dataclass(frozen=True)
class Button:
    """A one-click action. `action` names the use-case (``"offer.accept"``), `ref` the object id."""

    action: str
    ref: str
    label: str
    style: ButtonStyle = ButtonStyle.SECONDARY

    @property
    def custom_id(self) -> str:
        """A stable id that survives restarts, e.g. ``mentorbot:offer.accept:42``."""
        return f"mentorbot:{self.action}:{self.ref}"


@dataclass(frozen=True)
class Field:
    """A labelled value shown under the reply's text (embed field, Block Kit section field)."""

    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True)
class Attachment:
    """A file to send along (a JSON export, a CSV, a chart). `description` is its alt text: what a picture
    shows, for readers who cannot see it (Slack's alt text, Discord's attachment description)."""

    filename: str
    content: bytes
    mime_type: str
    description: str | None = None


@dataclass(frozen=True)
class Listing:
    """One page of a list that may be longer than a message (the waitlist, a member's open requests, the
    skills): shown as a list, one entry per block / field / line, never cut inside an entry.

    `entries` are this page's entries (each at most `paging.ENTRY_MAX` characters), the first being entry
    number `start` (0-based) of `total`. `source` names the list for its paging buttons and commands
    (`paging.PAGE_ACTION`; ``"waitlist"``, ``"skills"``, ``"requests"``…), `query` what it was filtered by.
    An adapter shows as many entries as its platform's limits allow (all of them, usually), then the line
    `paging.summary` writes ("showing 1–25 of 200") and the buttons of `paging.buttons`, in `lang`.
    """

    name: str
    entries: tuple[str, ...]
    total: int
    start: int = 0
    source: str = ""
    query: str = ""
    page_size: int = 25
    empty: str = ""
    lang: str = "en"

    @property
    def plain_text(self) -> str:
        """The page as plain text: its name, then one entry a line (or the empty text)."""
        body = "\n".join(self.entries) if self.entries else self.empty
        return f"{self.name}\n{body}" if self.name else body


@dataclass(frozen=True)
class Reply:
    """One message: text, optional title, fields, listings, buttons and attachments."""

    text: str
    title: str | None = None
    fields: tuple[Field, ...] = ()
    buttons: tuple[Button, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    listings: tuple[Listing, ...] = ()
    """Lists shown after the fields, each a page of its own (see `Listing`)."""
    form: str | None = None
    """The form this answer lets an adapter with forms open instead of showing the text (``"feedback"``: the
    feedback button's answer when the feedback is the member's to give; `commands.running.form_may_open`). The
    text is what a platform without forms shows: the command to type. Not kept with a stored answer: a replayed
    answer cannot open a form (the platform's trigger is gone), so its text is shown."""

    @property
    def plain_text(self) -> str:
        """The whole reply as plain text, for adapters (or fallbacks) without rich formatting."""
        parts: list[str] = []
        if self.title:
            parts.append(self.title)
        if self.text:
            parts.append(self.text)
        parts.extend(f"{f.name}: {f.value}" for f in self.fields)
        parts.extend(listing.plain_text for listing in self.listings)
        return "\n".join(parts)


@dataclass(frozen=True)
class Notification:
    """A message for another member (or the caller) delivered by direct message.

    `member_id` is the core's member id; `platform_user_id`, `community` (``slack:T1``, ``discord:42``,
    ``console``) and `language` (the recipient's, in which `reply` is already written) let the adapter route
    and frame it without reading the store. `key` names the message (e.g. ``"offer:42"``) so an adapter can
    later update it in place.
    """

    member_id: int
    platform_user_id: str
    reply: Reply
    key: str | None = None
    community: str = field(kw_only=True)
    language: str = field(kw_only=True)
    outbox_id: int | None = field(default=None, kw_only=True)
    """The notification's row in the outbox (None before it is written): adapters report it delivered."""
    attempts: int = field(default=1, kw_only=True, compare=False)
    """How many times its outbox row has been claimed for delivery, this try included (`MentorBot.retry_later`
    reads it to space the tries and to stop after `Settings.delivery_attempts`)."""


def _reply_data(reply: Reply) -> dict[str, Any]:
    return {
        "text": reply.text,
        "title": reply.title,
        "fields": [[f.name, f.value, f.inline] for f in reply.fields],
        "buttons": [[b.action, b.ref, b.label, b.style.value] for b in reply.buttons],
        "listings": [
            [x.name, list(x.entries), x.total, x.start, x.source, x.query, x.page_size, x.empty, x.lang]
            for x in reply.listings
        ],
        # Files travel with a notification through the outbox (the digest's chart), base64 in the JSON.
        "files": [
            [a.filename, a.mime_type, base64.b64encode(a.content).decode("ascii"), a.description]
            for a in reply.attachments
        ],
    }


def _reply_of(data: Mapping[str, Any]) -> Reply:
    return Reply(
        text=data["text"],
        title=data["title"],
        fields=tuple(Field(n, v, bool(i)) for n, v, i in data["fields"]),
        buttons=tuple(Button(a, r, label, ButtonStyle(st)) for a, r, label, st in data["buttons"]),
        # Answers stored before listings existed have none.
        listings=tuple(
            Listing(name, tuple(entries), total, start, source, query, size, empty, lang)
            for name, entries, total, start, source, query, size, empty, lang in data.get("listings", [])
        ),
        attachments=tuple(
            Attachment(name, base64.b64decode(content), mime, description)
            for name, mime, content, description in data.get("files", [])
        ),
    )


def reply_to_json(reply: Reply) -> str:
    """A reply as JSON, its attachments included (a notification's files wait in the outbox with it)."""
    return json.dumps(_reply_data(reply), ensure_ascii=False)


def reply_from_json(payload: str) -> Reply:
    """A reply stored by `reply_to_json`."""
    return _reply_of(json.loads(payload))


@dataclass(frozen=True)
class Outcome:
    """The result of a use-case: the reply to the caller and the notifications to send to others."""

    reply: Reply
    language: str = field(kw_only=True)
    """The caller's language, in which `reply` is written (adapters frame the reply in it, without a lookup)."""
    notifications: tuple[Notification, ...] = field(default_factory=tuple)
    duplicate: bool = False
    """True when the platform delivered this event before: nothing was done and nothing should be sent."""
    held: tuple[Reply, ...] = ()
    """Notices for the caller that could not reach them by direct message earlier: show them with the reply."""
    held_keys: tuple[str | None, ...] = ()
    """The message key of each of `held` (``offer:42``; None for an unkeyed notice), in the same order; empty when
    not known (an answer stored before keys were kept). An adapter that records where it posted each keyed message
    edits that message into the held version as it shows it (`held_with_keys`): an offer DM sent before a long
    outage loses its buttons once its held expiry is shown."""
    error: UserError | None = None
    """Set when the use-case refused or failed (nothing changed): its message key and parameters, so an
    adapter can tell a refusal from a success (e.g. point a form's error at the right field). `reply` already
    carries the localized text."""
    settled: bool = True
    """False when the platform event stays recorded to be processed again (the database was unreachable or busy:
    the member is told it will be done once it is back): the adapter must not mark its inbox row done."""

    def held_with_keys(self) -> list[tuple[str | None, Reply]]:
        """Each held notice with its message key (None when unkeyed, or not known: `held_keys`)."""
        keys = self.held_keys if len(self.held_keys) == len(self.held) else (None,) * len(self.held)
        return list(zip(keys, self.held, strict=True))


def answer_to_json(outcome: Outcome) -> str:
    """The answer of a use-case as the inbox keeps it until it is shown (`storage.inbox`): the reply, the held
    notices shown with it and the caller's language. Not its notifications: those are outbox rows already."""
    return json.dumps(
        {
            "reply": _reply_data(outcome.reply),
            "held": [_reply_data(h) for h in outcome.held],
            "held_keys": list(outcome.held_keys),
            "language": outcome.language,
        },
        ensure_ascii=False,
    )


def answer_from_json(payload: str) -> Outcome:
    """An answer stored by `answer_to_json`, as the `Outcome` to show again (without notifications)."""
    data = json.loads(payload)
    return Outcome(
        _reply_of(data["reply"]),
        held=tuple(_reply_of(h) for h in data["held"]),
        held_keys=tuple(None if k is None else str(k) for k in data.get("held_keys", ())),
        language=str(data["language"]),
    )


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending with an ellipsis (``…``) when something was cut.

    Adapters use it to keep the core's text within their platform's size limits (Discord embeds, Slack blocks).
    """
    return text if len(text) <= limit else text[: limit - 1] + "…"
