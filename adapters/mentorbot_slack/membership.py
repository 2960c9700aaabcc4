"""Whether a Slack user is still a member of the workspace (their account not deactivated), asked of Slack.

Slack takes a direct message to a deactivated account without an error (``chat.postMessage`` answers ``ok``:
slackapi/python-slack-sdk#1156), so no refusal tells MentorBot that a member is gone, and a deactivated mentor
would be offered every request first, each offer waiting out its 48 hours. ``users.info`` tells: the user with
``deleted: true`` (deactivated by an admin, or by SCIM), or ``user_not_found``. Slack also says it as it happens,
with the ``user_change`` event (``users:read`` scope), which carries the same user object (`Membership.saw`).

`Membership.lookup` asks ``users.info``, with a time limit, and keeps a "still a member" for `MEMBER_TTL`, so that
offers going out add few calls; a "gone" is never kept (a reactivated account is a member again at once), and a
``user_change`` replaces what is kept. Any other answer (another error, the bot's token refused, a rate limit, the
network, the time limit) is `Lookup.UNKNOWN`: callers then do what they did before; and for `QUIET_AFTER_UNKNOWN`
(or a longer ``Retry-After``, at most `QUIET_MAX`) every lookup not answered by what is kept is `Lookup.UNKNOWN` at
once, without asking, so that a batch of offers sent while Slack rate-limits or does not answer waits for one time
limit, not one (or two: mentor and mentee) per offer. What is kept is only the
membership: the admin flags and time zone a command needs are the adapter's (`SlackAdapter.user_facts`), read when
the member acts, which says nothing of whether they are still there when an offer goes out later.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from mentorbot.clock import Clock
from mentorbot_slack.web_api import retry_after_of

log = logging.getLogger("mentorbot.slack")

USER_GONE: Final = "user_not_found"
"""``users.info``'s error for a user id the workspace does not (or no longer) know."""
MEMBER_TTL: Final = timedelta(minutes=5)
"""How long a "still a member" answer is trusted without asking again."""
LOOKUP_TIMEOUT: Final = 3.0
"""The longest wait (seconds) for ``users.info``'s answer (a short rate limit waited out included)."""
QUIET_AFTER_UNKNOWN: Final = timedelta(seconds=30)
"""After an answer that tells nothing (see the module), how long lookups are not asked of Slack."""
QUIET_MAX: Final = timedelta(minutes=15)
"""The longest quiet a ``Retry-After`` can ask for."""
KEPT_MAX: Final = 10_000
"""Past this many kept answers, the stale ones are dropped."""


class Lookup(StrEnum):
    """What Slack said of a user (`Membership.lookup`)."""

    MEMBER = "member"
    GONE = "gone"
    """Deactivated (``deleted: true``), or unknown to the workspace (``user_not_found``)."""
    UNKNOWN = "unknown"
    """It cannot be told now (another error, the network, the time limit)."""


def state_of(user: Mapping[str, Any]) -> Lookup:
    """What a ``users.info`` user object (or a ``user_change`` event's) says: gone when it is deactivated."""
    return Lookup.GONE if user.get("deleted") is True else Lookup.MEMBER


class Membership:
    """Members of the workspace, as Slack last said (see the module)."""

    def __init__(
        self,
        client: AsyncWebClient,
        clock: Clock,
        *,
        ttl: timedelta = MEMBER_TTL,
        timeout: float = LOOKUP_TIMEOUT,
    ) -> None:
        """Ask through `client`; `clock` dates the answers kept for `ttl`."""
        self._client = client
        self._clock = clock
        self._ttl = ttl
        self._timeout = timeout
        self._seen: dict[str, datetime] = {}
        """User id → when Slack last said they are a member."""
        self._quiet_until: datetime | None = None
        """Until when lookups are not asked of Slack (after an answer that told nothing)."""

    async def lookup(self, user_id: str, *, fresh: bool = False) -> Lookup:
        """Whether `user_id` is still a member of the workspace (`Lookup`). A "member" younger than the TTL is taken
        as it is, unless `fresh` (after a refused direct message)."""
        now = self._clock.now()
        seen = self._seen.get(user_id)
        if not fresh and seen is not None and now - seen < self._ttl:
            return Lookup.MEMBER
        if self._quiet_until is not None and now < self._quiet_until:
            return Lookup.UNKNOWN
        try:
            answer = await asyncio.wait_for(self._client.users_info(user=user_id), self._timeout)
        except SlackApiError as exc:
            data = exc.response.data
            error = data.get("error") if isinstance(data, dict) else None
            if error == USER_GONE:
                self._seen.pop(user_id, None)
                return Lookup.GONE
            log.info("could not tell whether %s is still a member: %s", user_id, error or exc.response.status_code)
            after = retry_after_of(exc.response.headers)
            self._quiet(now, timedelta(seconds=after) if after is not None else None)
            return Lookup.UNKNOWN
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
            log.info("could not tell whether %s is still a member: %s", user_id, type(exc).__name__)
            self._quiet(now, None)
            return Lookup.UNKNOWN
        user = answer.get("user")
        if not isinstance(user, Mapping):
            return Lookup.UNKNOWN
        return self.saw(user, user_id=user_id)

    def saw(self, user: Mapping[str, Any], *, user_id: str | None = None) -> Lookup:
        """Keep what a user object says (a ``users.info`` answer, a ``user_change`` event's `user`): a member is
        kept as seen now, a deactivated account forgotten. What it says."""
        uid = user_id or user.get("id")
        state = state_of(user)
        if not isinstance(uid, str) or not uid:
            return state
        if state is Lookup.GONE:
            self._seen.pop(uid, None)
        else:
            self._keep(uid, self._clock.now())
        return state

    def _quiet(self, now: datetime, retry_after: timedelta | None) -> None:
        """Ask Slack nothing more for a while (see the module): `QUIET_AFTER_UNKNOWN`, or `retry_after` when longer,
        at most `QUIET_MAX`."""
        quiet = min(max(QUIET_AFTER_UNKNOWN, retry_after or timedelta(0)), QUIET_MAX)
        self._quiet_until = now + quiet

    def _keep(self, user_id: str, now: datetime) -> None:
        if len(self._seen) >= KEPT_MAX:
            self._seen = {k: at for k, at in self._seen.items() if now - at < self._ttl}
        self._seen[user_id] = now

