"""Whether a Slack user is still a member of the workspace (their account not deactivated), asked of Slack.

Slack takes a direct message to a deactivated account without an error (``chat.postMessage`` answers ``ok``:
slackapi/python-slack-sdk#1156), so no refusal tells MentorBot that a member is gone, and a deactivated mentor
would be offered every request first, each offer waiting out its 48 hours. ``users.info`` tells: the user with
``deleted: true`` (deactivated by an admin, or by SCIM), or ``user_not_found``. Slack also says it as it happens,
with the ``user_change`` event (``users:read`` scope), which carries the same user object (`Membership.saw`).

`Membership.lookup` asks ``users.info``, with a time limit, and keeps a "still a member" for `MEMBER_TTL`, so that
offers going out add few calls; a "gone" is never kept (a reactivated account is a member again at once), and a
``user_change`` replaces what is kept. Any other answer (another error, the bot's token refused, a rate limit, the
network, the time limit) is `Lookup.UNKNOWN`: callers then do what they did before. After Slack's own trouble only
(a rate limit, a 5xx or one of `SLACK_STRUGGLING`, the network, the time limit: `slack_is_struggling`), for
`QUIET_AFTER_UNKNOWN` (or a longer ``Retry-After``, at most `QUIET_MAX`) every lookup not answered by what is kept is
`Lookup.UNKNOWN` at once, without asking, so that a batch of offers sent while Slack rate-limits or does not answer
waits for one time limit, not one (or two: mentor and mentee) per offer. An error about the one user asked
(``user_not_visible``: a Slack Connect member the bot may not see) or about the app (a scope or token refused) comes
at once and says nothing of anyone else: the next lookup is asked (before, it silenced every lookup for 30 seconds,
and a deactivated member's offer went out unasked).

``user_not_found`` is taken as gone for any user id, a Slack Connect member's included: the error carries no user
object, a Slack user id does not say which organisation it belongs to, and a member's row does not record one, so
nothing cheap tells an external member from one of the workspace: one Slack answers ``user_not_found`` for is taken
as gone like any other (their data kept; ``/mentor resume`` and ``/mentor request`` pick up again if they come back).

What is kept is only the membership: the admin flags and time zone a command needs are the adapter's
(`SlackAdapter.user_facts`), read when the member acts, which says nothing of whether they are still there when an
offer goes out later.
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

from mentorbot.clock import Clock, within
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
"""At most this many answers are kept: past it, the oldest goes first (`Membership._keep`)."""


SLACK_STRUGGLING: Final = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
"""Slack's error codes for its own trouble (a rate limit, a failure on its side), whatever the HTTP status."""


def slack_is_struggling(status: int, error: str | None) -> bool:
    """Whether a ``users.info`` error is Slack's trouble, which the next lookups would meet too (a rate limit, a
    5xx, `SLACK_STRUGGLING`), rather than an answer about the one user asked (``user_not_visible``) or the app's
    own standing (a token or scope refused): only the former quiets the lookups, for each of the latter comes at
    once and tells nothing of anyone else."""
    return status == 429 or status >= 500 or error in SLACK_STRUGGLING


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
        if not fresh and within(seen, now, self._ttl):
            return Lookup.MEMBER
        if self._quiet_until is not None and now < self._quiet_until <= now + QUIET_MAX:  # else: stepped back
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
            if slack_is_struggling(exc.response.status_code, error):
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
        """Keep that `user_id` is a member as of `now`, as the newest answer: past `KEPT_MAX`, the oldest goes (one
        more lookup for that member, at most), at a constant cost however many were seen within the time to live."""
        self._seen.pop(user_id, None)
        self._seen[user_id] = now
        while len(self._seen) > KEPT_MAX:
            del self._seen[next(iter(self._seen))]
