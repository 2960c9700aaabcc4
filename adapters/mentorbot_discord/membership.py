"""Whether a user is still a member of a server, asked of Discord.

MentorBot has the guilds intent only (no privileged members intent), so the gateway never says that a member left,
was kicked or was banned; and a DM refused with code 50007 may mean DMs closed, the bot blocked, or no server shared
any more (a member who left one server but shares another is not refused at all). Discord answers a member lookup,
``GET /guilds/{guild}/members/{user}``, without any intent: the member, or 404 with code 10007 "Unknown Member" for
someone who is not (or no longer) in the server. `Membership.is_member` asks it, with a time limit, and keeps a
yes for `MEMBER_TTL` so that ordinary traffic (offers going out) adds few REST calls; a no is never kept (a member
who comes back is a member at once). A lookup in a server the bot is not in (any more: removed from it, or the server
deleted) answers 404 "Unknown Guild" (10004) or 403 "Missing Access" (50001): `Membership.lookup` tells that apart
(`Lookup.GUILD_GONE`): the server, not the member, is gone. Any other answer (another error, a rate limit, the
network, the time limit) is "unknown": callers then do what they did before.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

import aiohttp
import discord

from mentorbot.clock import Clock

log = logging.getLogger("mentorbot.discord")

UNKNOWN_MEMBER: Final = 10007
"""Discord's error code for a user who is not a member of the server asked about."""
GUILD_GONE_CODES: Final = frozenset({10004, 50001})
"""Discord's error codes of a member lookup in a server the bot is not in: "Unknown Guild" (removed from it, or the
server deleted) and "Missing Access"."""
MEMBER_TTL: Final = timedelta(minutes=5)
"""How long a "still a member" answer is trusted without asking again."""
LOOKUP_TIMEOUT: Final = 1.5
"""The longest wait (seconds) for Discord's answer: a click's first callback has 3 seconds in all."""
KEPT_MAX: Final = 10_000
"""Past this many kept answers, the stale ones are dropped."""


class Lookup(StrEnum):
    """What Discord said of a member of a server (`Membership.lookup`)."""

    MEMBER = "member"
    LEFT = "left"
    """Not (or no longer) a member: "Unknown Member"."""
    GUILD_GONE = "guild_gone"
    """The bot is not in the server (any more): "Unknown Guild" or "Missing Access". Nothing is known of the member."""
    UNKNOWN = "unknown"
    """It cannot be told now (another error, a rate limit, the network, the time limit)."""


class Membership:
    """Members of servers, as Discord last said (see the module)."""

    def __init__(
        self,
        http: discord.http.HTTPClient,
        clock: Clock,
        *,
        ttl: timedelta = MEMBER_TTL,
        timeout: float = LOOKUP_TIMEOUT,
    ) -> None:
        self._http = http
        self._clock = clock
        self._ttl = ttl
        self._timeout = timeout
        self._seen: dict[tuple[int, int], datetime] = {}
        """(guild id, user id) → when Discord last said they are a member."""

    async def is_member(self, guild_id: int, user_id: int, *, fresh: bool = False) -> bool | None:
        """Whether `user_id` is a member of `guild_id`: True, False (Discord says "Unknown Member"), or None when it
        cannot be told now (any other answer, a server the bot is not in included). A yes younger than the TTL is
        taken as it is, unless `fresh`."""
        found = await self.lookup(guild_id, user_id, fresh=fresh)
        return True if found is Lookup.MEMBER else False if found is Lookup.LEFT else None

    async def lookup(self, guild_id: int, user_id: int, *, fresh: bool = False) -> Lookup:
        """What Discord says of `user_id` in `guild_id` (`Lookup`). A yes younger than the TTL is taken as it is,
        unless `fresh`."""
        key = (guild_id, user_id)
        now = self._clock.now()
        seen = self._seen.get(key)
        if not fresh and seen is not None and now - seen < self._ttl:
            return Lookup.MEMBER
        try:
            await asyncio.wait_for(self._http.get_member(guild_id, user_id), self._timeout)
        except discord.HTTPException as exc:
            gone = exc.status in (403, 404) and exc.code in GUILD_GONE_CODES
            if isinstance(exc, discord.NotFound) or gone:
                self._seen.pop(key, None)
            if isinstance(exc, discord.NotFound) and exc.code == UNKNOWN_MEMBER:
                return Lookup.LEFT
            if gone:
                log.info("member lookup of %s in guild %s: code %s, the bot is not in it", user_id, guild_id, exc.code)
                return Lookup.GUILD_GONE
            log.info("member lookup of %s in guild %s: %s, code %s (unknown)", user_id, guild_id, exc.status, exc.code)
            return Lookup.UNKNOWN
        except (TimeoutError, discord.RateLimited, aiohttp.ClientError) as exc:
            log.info("could not tell whether %s is a member of guild %s: %s", user_id, guild_id, type(exc).__name__)
            return Lookup.UNKNOWN
        self._keep(key, now)
        return Lookup.MEMBER

    def _keep(self, key: tuple[int, int], now: datetime) -> None:
        if len(self._seen) >= KEPT_MAX:
            self._seen = {k: at for k, at in self._seen.items() if now - at < self._ttl}
        self._seen[key] = now
