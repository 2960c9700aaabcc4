"""Where each keyed direct message was posted, so that a later notification updates it in place, from any process.

A `Notification` with a `key` (``offer:12``) is a message an adapter may have to change later (the offer's
buttons go when it expires). Adapters record where they posted it (a Slack channel and ts, a Discord DM
channel and message id) in `SentMessages`, the port over the store's message refs
(`mentorbot.storage.message_refs`): another worker, another shard or this process after a restart finds the
message and edits it instead of posting a new one. Each adapter brings its `Codec`: how its location type is
written as the text the store keeps.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from mentorbot.clock import Clock
from mentorbot.storage.message_refs import MessageRefStore

Where = TypeVar("Where")
A = TypeVar("A")
B = TypeVar("B")

log = logging.getLogger("mentorbot")


@dataclass(frozen=True)
class Codec(Generic[Where]):
    """How an adapter's location (`Where`) is written as text, and read back (`decode` raises ValueError on
    text it did not write)."""

    encode: Callable[[Where], str]
    decode: Callable[[str], Where]


def pair_codec(first: Callable[[str], A], second: Callable[[str], B]) -> Codec[tuple[A, B]]:
    """A location of two parts as ``first:second`` (a Slack ``C123:1700000000.0001``, a Discord ``987:654``);
    `first` and `second` read each part back (and raise ValueError on a bad one). The first part must not
    contain a colon."""

    def encode(where: tuple[A, B]) -> str:
        return f"{where[0]}:{where[1]}"

    def decode(text: str) -> tuple[A, B]:
        head, colon, tail = text.partition(":")
        if not (head and colon and tail):
            raise ValueError(f"not a two-part location: {text!r}")
        return first(head), second(tail)

    return Codec(encode, decode)


class SentMessages(Generic[Where]):
    """Where each member's keyed direct messages are: (community, platform user id, key) → `Where`."""

    def __init__(self, store: MessageRefStore, clock: Clock, codec: Codec[Where]) -> None:
        """Record and find locations in `store`, stamped by `clock`, written with `codec`."""
        self._store = store
        self._clock = clock
        self._codec = codec

    async def remember(self, community: str, user_id: str, key: str, where: Where) -> None:
        """Record that `user_id`'s message `key` in `community` is at `where`."""
        await self._store.remember_message(community, user_id, key, self._codec.encode(where), self._clock.now())

    async def get(self, community: str, user_id: str, key: str) -> Where | None:
        """Where `user_id`'s message `key` in `community` is, if any process recorded it."""
        text = await self._store.message_location(community, user_id, key)
        if text is None:
            return None
        try:
            return self._codec.decode(text)
        except ValueError:
            log.warning("unreadable location %r of message %s; it will be sent anew", text, key)
            return None

    async def forget(self, community: str, user_id: str, key: str, where: Where | None = None) -> None:
        """Forget `user_id`'s message `key` (it could not be updated: the next one is sent anew); with `where`,
        only if no process has recorded a newer location since."""
        location = None if where is None else self._codec.encode(where)
        await self._store.forget_message(community, user_id, key, location)
