"""Session 42's hunt: the batch re-check and a hand-on, together, told a mentee nothing of their request's new offer.

A timer round's batch claims the mentee's "a mentor has just been offered your request #1" (``request:1:offer:1``)
beside the offer to Baraka. Baraka declines offer 1 before the batch reaches that notice: the decline's supersession
spares it (a live process holds it), so `OutboxStore.offered_unheard` finds no superseded row and the hand-on to Dave
tells the mentee nothing (she will hear it from the batch). Before, the batch's re-check (`OutboxStore.still_to_send`,
`outbox._out_of_date`) then dropped that very row as out of date, offer 1 being no longer pending: she never heard the
request was offered, and her last word stayed "waiting" while it was offered to Dave (docs/reliability.md: "When the
ended offer's 'offered' never reached the mentee and the request goes straight to another mentor, the mentee is told
it is offered"). The notice names no mentor nor offer, so it stays true after a hand-on: it is out of date only once
the request has no pending offer at all (it waits again, is matched, cancelled or closed). On both engines."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.replies import Notification
from tests.usecases.conftest import to
from tests.usecases.test_batch_recheck_s41 import keyed, paused_then_swept, send_batch, statuses

Who = Callable[..., Caller]
NOTICE = "request:1:offer:1"


def offered_to_amina(notes: list[Notification]) -> list[Notification]:
    """Amina's notices that her request #1 is offered (by any offer)."""
    return [n for n in to(notes, "amina") if (n.key or "").startswith("request:1:offer:")]


async def declined_and_handed_on(bot: MentorBot, who: Who, clock: ManualClock) -> list[Notification]:
    """The round's batch (offer 1 to Baraka, Amina's "offered", claimed); Dave signs up; the batch sends Baraka's
    offer, and Baraka declines it at once: the request is handed on to Dave (offer 2), sent at once. The rest of the
    batch, still to send."""
    batch = await paused_then_swept(bot, who, clock)
    await bot.delivered((await bot.signup(who("dave"), skills="seo")).notifications)
    first = [keyed(batch, "offer:1")]
    assert await send_batch(bot, first) == first
    declined = await bot.decline(who("baraka"), offer_id=1)
    assert declined.error is None
    assert [n.key for n in to(declined, "dave")] == ["offer:2"], "handed on to Dave"
    assert offered_to_amina(list(declined.notifications)) == [], "she will hear it from the batch: it holds it"
    assert await send_batch(bot, declined.notifications) == list(declined.notifications)
    return [n for n in batch if n.key != "offer:1"]


async def test_a_handed_on_requests_offered_notice_still_reaches_the_mentee(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    rest = await declined_and_handed_on(bot, who, clock)
    sent = await send_batch(bot, rest)
    assert [n.key for n in offered_to_amina(sent)] == [NOTICE], (
        "Amina's request is offered to Dave: she is told it is offered (the batch's notice, still true)"
    )
    assert (await statuses(bot))[keyed(rest, NOTICE).outbox_id or 0] == "delivered"
    async with bot.store.read() as conn:
        told = await conn.fetch_all(
            "SELECT message_key FROM outbox WHERE platform_user_id = 'U-amina' AND status = 'delivered' "
            "AND message_key LIKE 'request:1:offer:%'"
        )
    assert [r["message_key"] for r in told] == [NOTICE], "told once, not once more by the hand-on"


@pytest.mark.parametrize("then", ["dave accepts", "dave declines", "amina cancels"])
async def test_the_offered_notice_is_still_dropped_once_the_request_has_no_pending_offer(
    bot: MentorBot, who: Who, clock: ManualClock, then: str
) -> None:
    """The other direction: after the hand-on, the request matched (Dave accepts), waiting again (Dave declines too,
    no one else) or cancelled before the batch reaches the notice: "offered" is no longer so, and is dropped."""
    rest = await declined_and_handed_on(bot, who, clock)
    if then == "dave accepts":
        done = await bot.accept(who("dave"), offer_id=2)
    elif then == "dave declines":
        done = await bot.decline(who("dave"), offer_id=2)
    else:
        done = await bot.cancel(who("amina"), request_id=1)
    assert done.error is None
    await send_batch(bot, done.notifications)
    sent = await send_batch(bot, rest)
    assert offered_to_amina(sent) == [], f"{then}: the request has no pending offer, its 'offered' is out of date"
    assert (await statuses(bot))[keyed(rest, NOTICE).outbox_id or 0] == "superseded"


async def test_the_offered_notice_is_dropped_when_the_declined_request_waits_again(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """No one to hand it on to: Baraka's decline puts the request back on the waitlist ("waiting again", sent at
    once); the batch's "offered", claimed before, is not sent after it."""
    batch = await paused_then_swept(bot, who, clock)
    first = [keyed(batch, "offer:1")]
    assert await send_batch(bot, first) == first
    declined = await bot.decline(who("baraka"), offer_id=1)
    assert declined.error is None
    assert "request:1:after:1" in {n.key for n in to(declined, "amina")}
    await send_batch(bot, declined.notifications)
    sent = await send_batch(bot, [n for n in batch if n.key != "offer:1"])
    assert offered_to_amina(sent) == []
    assert (await statuses(bot))[keyed(batch, NOTICE).outbox_id or 0] == "superseded"
