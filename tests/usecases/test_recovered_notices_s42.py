"""A request's notice that a dead process left is not recovered once the request ended (session 42, both engines).

Found by the heavy final-view model (``MENTORBOT_FUZZ_EXAMPLES=150 -m fuzz_heavy``, on the code of commit 122ad81
too): a timer round's batch claims the mentee's "a mentor has just been offered your request #1"; she cancels the
request meanwhile (the cancel's supersession spares the row: a live process holds it), and that process dies before
its batch reaches the row. The restart recovers it, re-checked for live buttons only (`MentorBot.undelivered`: a
request's notices are recovered in order, each change a message of its own, session 33), and sent "offered" after
"cancelled": her last word about a cancelled request. A recovered request notice ("offered", "waiting again") is now
out of date once its request ended (cancelled, matched, closed): what ended it was told by the change (the cancel's
reply, the introduction, the "closed" notice). One still open is recovered as before, in order
(`test_request_notices_s33.py`)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.usecases.handler import OUTBOX_LEASE
from tests.usecases.conftest import to
from tests.usecases.test_batch_recheck_s41 import keyed, paused_then_swept, statuses

Who = Callable[..., Caller]


@pytest.mark.parametrize("ended_by", ["cancel", "accept"])
async def test_a_dead_batchs_offered_notice_is_not_recovered_after_the_request_ended(
    bot: MentorBot, who: Who, clock: ManualClock, ended_by: str
) -> None:
    batch = await paused_then_swept(bot, who, clock)  # claimed by this process, which dies before sending it
    notice = keyed(batch, "request:1:offer:1")
    other = MentorBot(bot.store, bot.library, bot.settings, clock, worker_id="other")
    if ended_by == "cancel":
        done = await other.cancel(who("amina"), request_id=1)
    else:
        done = await other.accept(who("baraka"), offer_id=1)
    assert done.error is None
    await other.delivered(done.notifications)
    clock.advance(OUTBOX_LEASE + OUTBOX_LEASE)  # the dead process's claims ran out
    restarted = MentorBot(bot.store, bot.library, bot.settings, clock, worker_id="restarted")
    recovered = await restarted.undelivered()
    assert [n.key for n in to(recovered, "amina")] == [], f"request {ended_by}: 'offered' is not told after it"
    assert (await statuses(bot))[notice.outbox_id or 0] == "superseded"


async def test_a_dead_batchs_offered_notice_is_recovered_while_the_request_is_open(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """The other direction: Baraka declines and the request waits again ("waiting again", told live): the dead
    batch's "offered" is recovered, the request's notices in order (session 33), as before."""
    batch = await paused_then_swept(bot, who, clock)
    notice = keyed(batch, "request:1:offer:1")
    other = MentorBot(bot.store, bot.library, bot.settings, clock, worker_id="other")
    declined = await other.decline(who("baraka"), offer_id=1)
    assert declined.error is None
    clock.advance(OUTBOX_LEASE + OUTBOX_LEASE)
    restarted = MentorBot(bot.store, bot.library, bot.settings, clock, worker_id="restarted")
    recovered = to(await restarted.undelivered(), "amina")
    assert [n.outbox_id for n in recovered][:1] == [notice.outbox_id]
    assert [n.key for n in recovered] == ["request:1:offer:1", "request:1:after:1"]
