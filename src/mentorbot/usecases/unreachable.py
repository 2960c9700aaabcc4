"""A mentor the platform will not carry direct messages to (they left the Discord server, closed their DMs, blocked
the bot, were deactivated on Slack): paused as unreachable, so their offers stop holding places nobody will answer.

An adapter reports a direct message the platform refused for good with `MentorBot.hold_undelivered(note,
refused=True)` (`refused`). When that notice is an offer still pending (key ``offer:<id>``) to its own mentor, in
one unit of work: the mentor is paused with the reason `UNREACHABLE` (a compare-and-set: only an active mentor,
only while that offer is still pending, after the store's locks in its one order: `Store.set_mentor_status`), every
pending offer of theirs is withdrawn and its request handed on at once (`matchmaking.withdraw_for_pause`, as any
pause does), and the mentor is told once, with how to fix it and ``/mentor resume`` (their DMs fail: that notice is
held for their next command). Without it, each offer waited out its whole time, and only lapses on three different
days paused them. Anything else refused (another notice, an offer decided meanwhile, a mentor paused already) is
held, as it always was (`hold`); so is a notice that failed only for a transient reason, even after its last try
(`MentorBot.retry_later`): a platform down for hours pauses nobody.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Final

from mentorbot.i18n import translator
from mentorbot.models import MentorStatus, OfferStatus
from mentorbot.replies import Notification, Reply, reply_to_json
from mentorbot.usecases.context import Core
from mentorbot.usecases.handler import retrying
from mentorbot.usecases.matchmaking import withdraw_for_pause
from mentorbot.usecases.offer_messages import offer_of

log = logging.getLogger("mentorbot")

UNREACHABLE: Final = "unreachable"
"""The pause reason (`MentorProfile.pause_reason`) of a mentor paused because an offer's direct message was refused
for good (beside ``admin`` and ``expired_offers``; none for a mentor's own pause)."""
IMMEDIATELY: Final = timedelta(0)
"""The outbox lease of what a pause as unreachable writes: the adapter that reported the refusal is in the middle
of delivering something else, so the next round of the timer loop of any process serving the community claims it
(`MentorBot.undelivered`): this process's at once (`MentorBot.wake_timers`), not after its interval (15 s)."""


async def hold(core: Core, notification: Notification) -> bool:
    """Keep `notification` for its member's next command (`Store.hold_notice`: its outbox row, held by this process,
    goes to 'held'; one with no row is written held). False when its row was not this process's to hold."""
    return await core.store.hold_notice(
        notification.member_id,
        reply_to_json(notification.reply),
        core.clock.now(),
        key=notification.key,
        outbox_id=notification.outbox_id,
        worker=core.worker_id,
    )


async def refused(core: Core, notification: Notification) -> list[Notification] | None:
    """The platform refused `notification` for good: a pending offer's to its own mentor pauses them as unreachable
    (`pause_unreachable`), in one unit of work, run again when a concurrent one aborted it (PostgreSQL). What the
    pause says, written to the outbox and claimable at once (`IMMEDIATELY`): the offer's new version (its withdrawal)
    is among it and supersedes the refused one (`OutboxStore.enqueue`), so nothing is to be held. None when nothing
    was paused: the caller holds `notification` (`hold`), as for any other refusal."""
    if offer_of(notification.key) is None:
        return None
    store = core.store

    async def unit() -> list[Notification] | None:
        async with store.unit_of_work():
            notes = await pause_unreachable(core, notification.member_id, notification.key)
            if notes is None:
                return None
            return await store.enqueue(notes, core.clock.now(), core.worker_id, lease=IMMEDIATELY)

    return await retrying(core, unit, f"the refusal of {notification.key}")


async def pause_unreachable(core: Core, mentor_id: int, key: str | None) -> list[Notification] | None:
    """Pause mentor `mentor_id` as unreachable because the direct message of offer `key` (``offer:<id>``) was refused,
    inside the caller's unit of work: only when it is their own offer, still pending, and they are active. Their
    pending offers are withdrawn and handed on (each offer's message gets a new version under its key), and they get
    one notice. The notifications, or None when nothing changed (an offer decided meanwhile, already paused: a
    dated pause keeps its date, a second refusal does nothing)."""
    store = core.store
    offer_id = offer_of(key)
    if offer_id is None:
        return None
    offer = await store.get_offer(offer_id)
    if offer is None or offer.mentor_id != mentor_id or offer.status is not OfferStatus.PENDING:
        return None
    # The check above is read before any lock; the compare-and-set reads it again after them (an accept, an expiry
    # or another refusal committed meanwhile leaves the mentor as it found them).
    paused = await store.set_mentor_status(
        mentor_id,
        MentorStatus.PAUSED,
        core.clock.now(),
        reason=UNREACHABLE,
        expect=MentorStatus.ACTIVE,
        while_pending=offer_id,
    )
    mentor = await store.get_member(mentor_id) if paused else None
    if mentor is None:
        return None
    withdrawn_notes, lines = await withdraw_for_pause(core, mentor, by="unreachable")
    log.warning(
        "member %s cannot be reached by direct message (offer %s refused): paused, %s pending offer(s) handed on",
        mentor_id,
        offer_id,
        len(lines),
    )
    t = translator(core.lang_of(mentor))
    text = "\n".join([t("pause.unreachable"), *(f"• {line}" for line in lines), t("pause.unreachable_fix")])
    return [core.notify(mentor, Reply(text)), *withdrawn_notes]
