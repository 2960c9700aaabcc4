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

"Unknown Guild" is an answer about the server, and one answer only: the yeses kept for that server's members are
dropped (they were the bot's view of a server it is not in), and the server is remembered as said gone
(`Membership.said_gone`) until Discord answers a lookup there with a member or "Unknown Member", which only a server
the bot is in can give, or the bot is added to it (`Membership.joined`). The client does not take one such answer as
final for an offer (Discord may be wrong for a moment): see `MentorBotClient._withhold_offer`.

When Discord cannot answer for now (no answer within the time limit, a rate limit, a 5xx, the network), that server's
lookups are not asked for `QUIET_AFTER_UNKNOWN`, or the longer ``Retry-After`` Discord gave: they answer "unknown" at
once, so a batch of offers waits for one time limit, not one each. discord.py waits out a rate limit of up to 30
seconds in-process and retries 500/502/504/524 after sleeping; the time limit bounds the lookup then, and discord.py's
request is left to finish rather than cancelled (cancelled while it sleeps out a global rate limit, it would leave
every later request of the client waiting for good): a late yes is kept. One request per member at a time.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

import aiohttp
import discord

from mentorbot.clock import Clock, within

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
QUIET_AFTER_UNKNOWN: Final = timedelta(seconds=30)
"""How long a server's lookups are not asked after Discord could not answer one (unless it asked for longer)."""
QUIET_MAX: Final = timedelta(minutes=15)
"""The longest quiet a ``Retry-After`` sets (a Cloudflare ban may ask for an hour)."""
KEPT_MAX: Final = 10_000
"""At most this many answers are kept: past it, the oldest goes first (`Membership._keep`)."""


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
        self._quiet: dict[int, datetime] = {}
        """Guild id → until when its lookups are not asked (Discord could not answer one)."""
        self._asking: dict[tuple[int, int], asyncio.Task[Lookup]] = {}
        """Lookups sent to Discord and not answered yet, by (guild id, user id)."""
        self._gone: set[int] = set()
        """Guilds whose last lookup answered that the bot is not in them (`said_gone`)."""

    async def is_member(self, guild_id: int, user_id: int, *, fresh: bool = False) -> bool | None:
        """Whether `user_id` is a member of `guild_id`: True, False (Discord says "Unknown Member"), or None when it
        cannot be told now (any other answer, a server the bot is not in included). A yes younger than the TTL is
        taken as it is, unless `fresh`."""
        found = await self.lookup(guild_id, user_id, fresh=fresh)
        return True if found is Lookup.MEMBER else False if found is Lookup.LEFT else None

    async def lookup(self, guild_id: int, user_id: int, *, fresh: bool = False) -> Lookup:
        """What Discord says of `user_id` in `guild_id` (`Lookup`). A yes younger than the TTL is taken as it is,
        unless `fresh`; while the server's lookups are quiet (see the module), "unknown" at once."""
        key = (guild_id, user_id)
        now = self._clock.now()
        seen = self._seen.get(key)
        if not fresh and within(seen, now, self._ttl):
            return Lookup.MEMBER
        if self.quiet(guild_id):
            log.debug("member lookup of %s in guild %s not asked: Discord could not answer lately", user_id, guild_id)
            return Lookup.UNKNOWN
        asking = self._asking.get(key)
        if asking is None:
            asking = asyncio.ensure_future(self._ask(guild_id, user_id))
            self._asking[key] = asking
            asking.add_done_callback(lambda task: self._answered(key, task))
        # Not wait_for: at the time limit, discord.py's request is left to finish (see the module).
        await asyncio.wait({asking}, timeout=self._timeout)
        if not asking.done():
            log.info("could not tell whether %s is a member of guild %s: no answer in time", user_id, guild_id)
            self._quieten(guild_id, None)
            return Lookup.UNKNOWN
        return asking.result()

    def said_gone(self, guild_id: int) -> bool:
        """Whether Discord's last answer to a lookup in `guild_id` was that the bot is not in it ("Unknown Guild",
        "Missing Access"), and the bot was not added to it since (`joined`). Asks nothing."""
        return guild_id in self._gone

    def joined(self, guild_id: int) -> None:
        """The bot was added to `guild_id` (again): it is no longer said gone."""
        self._gone.discard(guild_id)

    def quiet(self, guild_id: int) -> bool:
        """Whether lookups in `guild_id` are not asked now: Discord could not answer one lately (see the module)."""
        until = self._quiet.get(guild_id)
        if until is None:
            return False
        now = self._clock.now()
        if now < until <= now + QUIET_MAX:  # a quiet longer than the longest: the clock stepped back since
            return True
        del self._quiet[guild_id]
        return False

    def _answered(self, key: tuple[int, int], task: asyncio.Task[Lookup]) -> None:
        """Discord's request for `key` ended (the task's result is taken by its callers in time, if any)."""
        if self._asking.get(key) is task:
            del self._asking[key]
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.warning("member lookup of %s in guild %s failed", key[1], key[0], exc_info=exc)

    def close(self) -> None:
        """Cancel the lookups still waiting for Discord (the client is closing)."""
        for asking in list(self._asking.values()):
            asking.cancel()
        self._asking.clear()

    async def _ask(self, guild_id: int, user_id: int) -> Lookup:
        """Ask Discord (see `lookup`); a yes is kept, and an answer of Discord's that says to wait quiets the server's
        lookups, whenever it comes."""
        key = (guild_id, user_id)
        try:
            await self._http.get_member(guild_id, user_id)
        except discord.HTTPException as exc:
            gone = exc.status in (403, 404) and exc.code in GUILD_GONE_CODES
            if isinstance(exc, discord.NotFound) or gone:
                self._seen.pop(key, None)
            if isinstance(exc, discord.NotFound) and exc.code == UNKNOWN_MEMBER:
                self._gone.discard(guild_id)  # only a server the bot is in knows its members
                return Lookup.LEFT
            if gone:
                log.info("member lookup of %s in guild %s: code %s, the bot is not in it", user_id, guild_id, exc.code)
                self._server_gone(guild_id)
                return Lookup.GUILD_GONE
            log.info("member lookup of %s in guild %s: %s, code %s (unknown)", user_id, guild_id, exc.status, exc.code)
            if exc.status == 429 or exc.status >= 500:
                self._quieten(guild_id, _retry_after(exc) if exc.status == 429 else None)
            return Lookup.UNKNOWN
        except discord.RateLimited as exc:
            log.info("could not tell whether %s is a member of guild %s: rate limited", user_id, guild_id)
            self._quieten(guild_id, exc.retry_after)
            return Lookup.UNKNOWN
        except (TimeoutError, aiohttp.ClientError) as exc:
            log.info("could not tell whether %s is a member of guild %s: %s", user_id, guild_id, type(exc).__name__)
            self._quieten(guild_id, None)
            return Lookup.UNKNOWN
        self._gone.discard(guild_id)
        self._keep(key, self._clock.now())
        return Lookup.MEMBER

    def _server_gone(self, guild_id: int) -> None:
        """Discord said the bot is not in `guild_id`: the yeses kept for its members are dropped, so the next lookup
        of any of them asks (see the module)."""
        # Said gone already, no yes was kept there since (a yes forgets it): nothing to drop.
        if guild_id not in self._gone:
            self._seen = {key: at for key, at in self._seen.items() if key[0] != guild_id}
            self._gone.add(guild_id)

    def _quieten(self, guild_id: int, retry_after: float | None) -> None:
        """Discord could not answer a lookup in `guild_id`: its lookups are not asked for `QUIET_AFTER_UNKNOWN`, or
        `retry_after` seconds when longer (at most `QUIET_MAX`)."""
        wait = QUIET_AFTER_UNKNOWN
        if retry_after is not None:
            wait = max(wait, min(timedelta(seconds=retry_after), QUIET_MAX))
        now = self._clock.now()
        until, was = now + wait, self._quiet.get(guild_id)
        if was is not None and was >= until:
            return
        self._quiet[guild_id] = until
        if was is None or was <= now:  # said once per quiet, not at each late answer that lengthens it
            log.info(
                "member lookups in guild %s not asked for %d s: Discord could not answer; offers go out as before",
                guild_id,
                wait.total_seconds(),
            )

    def _keep(self, key: tuple[int, int], now: datetime) -> None:
        """Keep that `key` (guild, user) is a member as of `now`, as the newest answer: past `KEPT_MAX`, the oldest
        goes (one more lookup, at most), at a constant cost however many were seen within the time to live."""
        self._seen.pop(key, None)
        self._seen[key] = now
        while len(self._seen) > KEPT_MAX:
            del self._seen[next(iter(self._seen))]


def _retry_after(exc: discord.HTTPException) -> float | None:
    """The ``Retry-After`` (seconds) of a 429 that discord.py did not wait out itself (no ``Via`` header: Cloudflare's),
    or None."""
    headers: Any = getattr(exc.response, "headers", None)
    value = headers.get("Retry-After") if headers is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
