"""Session 41's ordering hunt: a timer-loop batch re-checks each outbox row right before it is sent.

A timer round claims its notifications, then sends them one at a time (a Slack outage's backlog, rate limits: many
seconds). Before, every row went out as claimed: a member's command that superseded one meanwhile (a newer version of
its key, or a change of what it speaks of) did not stop it, so the stale version went out after the newer one, and,
the newer one having recorded where its message is, edited it back (an offer withdrawn edited back into a live offer;
a mentee told "offered" after "cancelled" or after the introduction). Now the adapters ask, right before each platform
call, whether the row is still theirs to send (`app.still_to_send` → `MentorBot.still_to_send` →
`OutboxStore.still_to_send`: still pending, still this process's claim at this try, and not out of date): a row no
longer theirs is skipped and nothing is marked; one out of date is superseded. On both engines."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

from mentorbot.app import Sending, still_to_send
from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.replies import Notification, Reply
from tests.usecases.conftest import to

Who = Callable[..., Caller]


async def send_batch(bot: MentorBot, notes: Sequence[Notification]) -> list[Notification]:
    """What an adapter's delivery does (Slack `Delivery.notify`, Discord `MentorBotClient.deliver`): each note, right
    before its platform call, re-checked; those still to send are "sent" (returned) and reported at once."""
    sent: list[Notification] = []
    async with Sending(bot) as sending:
        for note in notes:
            if not sending.may_send(note):
                continue
            if await still_to_send(note):
                sent.append(note)
            sending.took(note)  # a note skipped by the re-check is not reported: nothing is marked
            await sending.report()
    return sent


async def statuses(bot: MentorBot) -> dict[int, str]:
    async with bot.store.read() as conn:
        rows = await conn.fetch_all("SELECT id, status FROM outbox ORDER BY id")
    return {int(r["id"]): str(r["status"]) for r in rows}


def keyed(notes: Sequence[Notification], key: str) -> Notification:
    [found] = [n for n in notes if n.key == key]
    return found


async def paused_then_swept(bot: MentorBot, who: Who, clock: ManualClock) -> list[Notification]:
    """Baraka paused, Amina's request waits; the pause ends and the timer round offers it: the round's batch (the
    pause's end and the offer to Baraka; "a mentor has been offered your request" to Amina), claimed, not sent."""
    await bot.delivered((await bot.signup(who("baraka"), skills="seo")).notifications)
    await bot.delivered((await bot.pause(who("baraka"), until="1d")).notifications)
    await bot.delivered((await bot.request(who("amina"), skills="seo")).notifications)
    clock.advance(timedelta(days=2))
    batch = await bot.run_due_jobs(sweep=True)
    assert {n.key for n in batch} >= {"offer:1", "request:1:offer:1"}
    return batch


async def test_a_row_superseded_by_a_newer_version_while_its_batch_runs_is_not_sent(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """The hunt's first case: the offer's retry in a batch, its withdrawal (the request cancelled) written and sent
    by the command meanwhile; before, the batch sent the offer after its withdrawal."""
    await bot.delivered((await bot.signup(who("baraka"), skills="seo")).notifications)
    asked = await bot.request(who("amina"), skills="seo")
    offer = keyed(asked.notifications, "offer:1")
    assert await bot.retry_later(offer, retry_after=60)  # Slack was down: tried again later
    await bot.delivered([n for n in asked.notifications if n is not offer])
    clock.advance(timedelta(minutes=2))
    batch = await bot.undelivered()
    assert [n.key for n in batch] == ["offer:1"]
    cancelled = await bot.cancel(who("amina"))
    withdrawn = keyed(to(cancelled, "baraka"), "offer:1")
    assert await send_batch(bot, cancelled.notifications) == list(cancelled.notifications)
    assert await send_batch(bot, batch) == [], "the batch's offer was superseded by its withdrawal: not sent"
    rows = await statuses(bot)
    assert rows[batch[0].outbox_id or 0] == "superseded" and rows[withdrawn.outbox_id or 0] == "delivered"


async def test_a_mentees_offered_notice_is_dropped_once_the_request_is_cancelled(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """The sweep's "a mentor has been offered your request", claimed by the round, is spared by the cancel's
    supersession (a row a live process holds is its to deliver); the re-check drops it: the request has moved on."""
    batch = await paused_then_swept(bot, who, clock)
    await bot.cancel(who("amina"))
    sent = await send_batch(bot, batch)
    assert {n.key for n in sent} == {None}, f"only the pause's end goes out: {[n.key for n in sent]}"
    rows = await statuses(bot)
    for key in ("offer:1", "request:1:offer:1"):
        assert rows[keyed(batch, key).outbox_id or 0] == "superseded", key


async def test_an_offer_answered_before_its_batch_reaches_it_is_not_sent(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Baraka accepts (typed, or from the App Home) the offer whose DM is still in the round's batch: neither the
    live offer nor Amina's "offered" goes out after the introduction."""
    batch = await paused_then_swept(bot, who, clock)
    accepted = await bot.accept(who("baraka"), offer_id=1)
    assert accepted.error is None
    sent = await send_batch(bot, batch)
    assert {n.key for n in sent} == {None}
    rows = await statuses(bot)
    assert rows[keyed(batch, "offer:1").outbox_id or 0] == "superseded"
    assert rows[keyed(batch, "request:1:offer:1").outbox_id or 0] == "superseded"


async def test_a_waiting_again_notice_is_dropped_once_the_request_is_offered_anew(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Offer 1 expires in a round: "your request is waiting again" in its batch; a mentor signs up meanwhile and the
    request is offered to them: "waiting again" is no longer where it stands."""
    await bot.delivered((await bot.signup(who("baraka"), skills="seo")).notifications)
    await bot.delivered((await bot.request(who("amina"), skills="seo")).notifications)
    clock.advance(timedelta(hours=49))
    batch = await bot.run_due_jobs()
    waiting = keyed(batch, "request:1:after:1")
    signed = await bot.signup(who("chao"), skills="seo")
    assert any(n.key == "request:1:offer:2" for n in signed.notifications), "offered to Chao"
    assert await send_batch(bot, signed.notifications) == list(signed.notifications)
    sent = await send_batch(bot, batch)
    assert waiting not in sent
    assert (await statuses(bot))[waiting.outbox_id or 0] == "superseded"


async def test_a_check_in_is_not_sent_after_its_mentorship_ended(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await bot.delivered((await bot.signup(who("baraka"), skills="seo")).notifications)
    await bot.delivered((await bot.request(who("amina"), skills="seo")).notifications)
    await bot.delivered((await bot.accept(who("baraka"), offer_id=1)).notifications)
    clock.advance(timedelta(days=15))
    batch = await bot.run_due_jobs()
    checkins = [n for n in batch if n.key == "checkin:1"]
    assert len(checkins) == 2
    ended = await bot.end(who("baraka"), mentorship_id=1, rating=5)
    assert ended.error is None
    await send_batch(bot, ended.notifications)
    assert not [n for n in await send_batch(bot, batch) if n.key == "checkin:1"]


async def test_fresh_rows_and_notes_without_a_row_are_sent_and_marked(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    batch = await paused_then_swept(bot, who, clock)
    live = Notification(
        batch[0].member_id, batch[0].platform_user_id, Reply("a live reply"), community="x", language="en"
    )
    sent = await send_batch(bot, [*batch, live])
    assert sent == [*batch, live]
    rows = await statuses(bot)
    assert all(rows[n.outbox_id or 0] == "delivered" for n in batch)


async def test_a_row_no_longer_this_claims_is_skipped_and_left_as_it_is(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Released for a retry, claimed again since by this process (its lease ran out: another try), or by another:
    not this batch's to send, nor to mark."""
    batch = await paused_then_swept(bot, who, clock)
    offer = keyed(batch, "offer:1")
    notice = keyed(batch, "request:1:offer:1")
    assert await bot.retry_later(notice, retry_after=1)
    assert await send_batch(bot, [notice]) == []
    clock.advance(timedelta(minutes=6))  # the round's claims ran out: claimed again, a new try
    again = await bot.undelivered()
    assert {n.key: n.attempts for n in again if n.key} == {"offer:1": 2, "request:1:offer:1": 2}
    assert await send_batch(bot, [offer, notice]) == [], "the old claims' notes are not sent"
    assert {(await statuses(bot))[n.outbox_id or 0] for n in (offer, notice)} == {"pending"}, "nor marked"
    clock.advance(timedelta(minutes=6))
    other = MentorBot(bot.store, bot.library, bot.settings, clock, worker_id="other")
    taken = await other.undelivered()
    assert await send_batch(bot, again) == []
    assert await send_batch(other, taken) == taken


async def test_a_row_a_dead_process_left_is_not_recovered_once_out_of_date(
    bot: MentorBot, who: Callable[..., Caller], clock: ManualClock
) -> None:
    """The heavy final-view model's find (session 41): a timer round's batch (the expired offer's hand-on: a live
    offer to Dave) died with its process, Dave declined the offer by command meanwhile, and the restart recovered
    the batch's row and sent Dave the offer with its live Accept, though it was declined. A recovered row is now
    re-checked as a batch's is (`MentorBot.undelivered`): out of date, it is superseded, not sent."""
    await bot.delivered((await bot.signup(who("bob"), skills="seo", levels="expert")).notifications)
    await bot.delivered((await bot.signup(who("dave"), skills="seo", levels="learning")).notifications)
    asked = await bot.request(who("amina"), skills="seo")
    await bot.delivered(asked.notifications)
    clock.advance(timedelta(hours=49))
    batch = await bot.run_due_jobs()  # claimed by this process, which dies before sending it
    [handed] = [n for n in batch if n.platform_user_id == "U-dave" and n.key and n.key.startswith("offer:")]
    offer = int(handed.key.removeprefix("offer:"))  # type: ignore[union-attr]
    other = MentorBot(bot.store, bot.library, bot.settings, clock, worker_id="other")
    declined = await other.decline(who("dave"), offer_id=offer)
    assert declined.error is None
    await other.delivered(declined.notifications)
    clock.advance(timedelta(minutes=10))  # the dead process's lease runs out
    restarted = MentorBot(bot.store, bot.library, bot.settings, clock, worker_id="restarted")
    recovered = await restarted.undelivered()
    live = [n for n in recovered if any(b.action == "offer.accept" and b.ref == str(offer) for b in n.reply.buttons)]
    assert live == [], "a declined offer is not sent with its Accept"
