"""Where this process sent each keyed direct message, so that a later notification can update it in place.

A `Notification` with a `key` (``offer:12``) is a message an adapter may have to change later (the offer's
buttons go when it expires). Adapters remember where they sent it (a Slack channel and ts, a Discord DM
channel and message id) in a `SentMessages`: the most recently remembered ones, up to a bound, in memory.
A process that did not send the message (a restart, another worker) simply sends a new one.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from cachetools import LRUCache

Where = TypeVar("Where")


class SentMessages(Generic[Where]):
    """A bounded map from (member's platform user id, message key) to where the message is (`Where`)."""

    def __init__(self, size: int) -> None:
        """Remember at most `size` messages; the least recently used one is forgotten first."""
        self._where: LRUCache[tuple[str, str], Where] = LRUCache(maxsize=size)

    def remember(self, user_id: str, key: str, where: Where) -> None:
        """Remember that `user_id`'s message `key` is at `where`."""
        self._where[(user_id, key)] = where

    def get(self, user_id: str, key: str) -> Where | None:
        """Where `user_id`'s message `key` is, if this process sent it (and still remembers it)."""
        return self._where.get((user_id, key))

    def forget(self, user_id: str, key: str) -> None:
        """Forget `user_id`'s message `key` (it could not be updated: the next one is sent anew)."""
        self._where.pop((user_id, key), None)

    def __len__(self) -> int:
        """How many messages are remembered."""
        return len(self._where)
