"""Message refs: where the platform message carrying a keyed notification (``offer:42``) was posted.

An adapter that posts a keyed direct message records its location here (an adapter-encoded text: a Slack
channel and ts, a Discord DM channel and message id), so that a later notification with the same key edits
that message, whichever process delivers it: another worker, another shard, or this one after a restart.
A ref belongs to a member (``members(id) ON DELETE CASCADE``): forgetting them forgets their refs.
"""

from __future__ import annotations

from datetime import datetime

from mentorbot.storage.units import Transactions


class MessageRefStore(Transactions):
    """Where each member's keyed direct messages are, by (community, platform user id, message key)."""

    async def remember_message(self, community: str, user_id: str, key: str, location: str, now: datetime) -> bool:
        """Record that `user_id`'s message `key` in `community` is at `location` (replacing any earlier one);
        False when `user_id` is no member of `community` (then nothing is recorded)."""
        async with self.transaction() as conn:
            row = await conn.fetch_one(
                "INSERT INTO message_refs (community, platform_user_id, message_key, member_id, location, stored_at) "
                "SELECT community, platform_user_id, ?, id, ?, ? FROM members "
                "WHERE community = ? AND platform_user_id = ? "
                "ON CONFLICT (community, platform_user_id, message_key) "
                "DO UPDATE SET location = excluded.location, stored_at = excluded.stored_at "
                "RETURNING message_key",
                key,
                location,
                now,
                community,
                user_id,
            )
        return row is not None

    async def message_location(self, community: str, user_id: str, key: str) -> str | None:
        """Where `user_id`'s message `key` in `community` is, if any process recorded it."""
        async with self.read() as conn:
            row = await conn.fetch_one(
                "SELECT location FROM message_refs WHERE community = ? AND platform_user_id = ? AND message_key = ?",
                community,
                user_id,
                key,
            )
        return str(row["location"]) if row else None

    async def forget_message(self, community: str, user_id: str, key: str, location: str | None = None) -> bool:
        """Forget where `user_id`'s message `key` is (it could not be edited: the next one is posted anew).
        With `location`, only if the ref still points there (another process may have recorded a newer one).
        Whether a ref was forgotten."""
        only_there = "" if location is None else " AND location = ?"
        args = () if location is None else (location,)
        async with self.transaction() as conn:
            changed = await conn.execute(
                "DELETE FROM message_refs WHERE community = ? AND platform_user_id = ? AND message_key = ?"
                + only_there,
                community,
                user_id,
                key,
                *args,
            )
        return changed > 0

    async def prune_message_refs(self, before: datetime) -> int:
        """Drop refs recorded before `before` (a notice that old is not updated any more); how many."""
        async with self.transaction() as conn:
            return await conn.execute("DELETE FROM message_refs WHERE stored_at < ?", before)
