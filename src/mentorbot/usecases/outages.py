"""A community out of MentorBot's reach, and back (session 41).

The platform says MentorBot can no longer act in a community: the Discord bot was removed from the server
(GUILD_DELETE), the Slack app uninstalled or its tokens revoked. Its members cannot answer its offers meanwhile
(Discord refuses the answer, Slack sends the app nothing), so `community_lost` records the outage
(`storage.outages`): an offer whose life overlaps it expires as no lapse of its mentor's (no streak, no row of
``offer_lapses``, no pause, and no "take it after all" while the community is still out: `usecases.expiry`).

`community_back` ends it (the bot added back, GUILD_CREATE; a Slack process started with a working token), and
puts the offers held meanwhile (their mentor never had them, still pending and not overdue) back in the outbox, to
be delivered now rather than with their mentor's next command (`OutboxStore.release_held_offers`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from mentorbot.usecases.context import Core

log = logging.getLogger("mentorbot")


@dataclass(frozen=True)
class Back:
    """What `community_back` changed."""

    ended: bool
    """An outage was open, and ended now."""
    released: int
    """How many held offers went back to the outbox, to be delivered."""


async def community_lost(core: Core, community: str) -> bool:
    """Record that `community` is out of MentorBot's reach from now; False when it already was."""
    lost = await core.store.community_lost(community, core.clock.now())
    if lost:
        log.info("recorded that %s is out of MentorBot's reach: offers open meanwhile count against no one", community)
    return lost


async def community_back(core: Core, community: str) -> Back:
    """`community` is within MentorBot's reach again: its outage ends and the offers held meanwhile go out again."""
    now = core.clock.now()
    ended = await core.store.community_back(community, now)
    released = await core.store.release_held_offers(community, now)
    if ended or released:
        log.info("%s is within MentorBot's reach again: %s held offer(s) go out again", community, released)
    return Back(ended, released)
