"""Session 43 (review 42): an in-time answer that takes back the auto-pause its lapse brought (`_forgive_lapse`,
the reply saying the profile takes requests again: ``offer.in_time.unpaused``) left the expiry's "we've paused your
mentor profile… request #3: back on the waitlist" notice in the outbox: it had no key, so nothing superseded it nor
found it out of date, and it was delivered after the reply (or, DMs closed, shown with the mentor's next command).

The notice has a key of its own now (``pause:<mentor>:<offer>``, the offer whose expiry paused them), and the
un-pause supersedes it in its own transaction while it has not reached the mentor: a batch that claimed it drops it
(`still_to_send`), a held one is not shown, a recovery does not claim it. One already delivered stays so: the reply's
"takes requests again" line corrects it. A pause not taken back (an in-time answer to an earlier lapse) keeps it.
Accept, decline, and an accept whose request went on to another mentor (`forgive_lapse`). Both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.models import MentorStatus
from mentorbot.replies import Notification
from mentorbot.storage.store import Store
from tests.usecases.conftest import to
from tests.usecases.test_digest_lapses_s41 import digest_bot, offers_to, profile_row, who

EN = translator("en")
PAUSED = "paused your mentor profile"


async def _paused(store: Store, library: Library, clock: ManualClock) -> tuple[MentorBot, list[int], Notification]:
    """`test_in_time_review_s41.paused_by_a_third_lapse`, keeping the pause notice the third expiry's batch claimed
    (not sent yet): the bot, Baraka's three offers, that notice."""
    bot = await digest_bot(store, library, clock)
    await bot.signup(who("baraka"), skills="seo", capacity="4")
    offers: list[int] = []
    for day, name in enumerate(("amina", "eshe", "faraji")):
        clock.advance(datetime(2026, 1, 5 + day, 9, 30, tzinfo=UTC) - clock.now())
        await bot.run_due_jobs()
        offers += offers_to(await bot.request(who(name), skills="seo"), "baraka")
    for day in range(2):
        clock.advance(datetime(2026, 1, 7 + day, 9, 31, tzinfo=UTC) - clock.now())
        await bot.run_due_jobs()
    clock.advance(datetime(2026, 1, 9, 9, 31, tzinfo=UTC) - clock.now())
    batch = await bot.run_due_jobs()  # the third lapse pauses him
    assert (await profile_row(store))["status"] == "paused"
    [notice] = [n for n in to(batch, "baraka") if PAUSED in n.reply.text]
    assert "request #3: back on the waitlist" in notice.reply.text
    return bot, offers, notice


async def _status(store: Store, notice: Notification) -> str:
    async with store.db.read() as conn:
        row = await conn.fetch_one("SELECT status FROM outbox WHERE id = ?", notice.outbox_id)
    assert row is not None
    return str(row["status"])


async def _in_time(store: Store, offer: int) -> datetime:
    found = await store.get_offer(offer)
    assert found is not None
    return found.expires_at - timedelta(minutes=5)


async def test_the_pause_notice_is_keyed_by_its_mentor_and_the_offer_that_paused_him(
    store: Store, library: Library, clock: ManualClock
) -> None:
    bot, offers, notice = await _paused(store, library, clock)
    baraka = await store.find_member(notice.community, "U-baraka")
    assert baraka is not None
    assert notice.key == f"pause:{baraka.id}:{offers[2]}"
    assert await bot.still_to_send(notice), "nothing took the pause back: it is told"


async def test_an_in_time_accept_that_unpauses_supersedes_the_pause_notice_a_batch_holds(
    store: Store, library: Library, clock: ManualClock
) -> None:
    bot, offers, notice = await _paused(store, library, clock)
    out = await bot.accept(who("baraka", answered_at=await _in_time(store, offers[2])), offer_id=offers[2])
    assert out.error is None, out.reply.plain_text
    assert EN("offer.in_time.unpaused") in out.reply.text
    assert (await profile_row(store))["status"] == MentorStatus.ACTIVE.value
    assert not await bot.still_to_send(notice), "the pause the reply says is over is not announced after it"
    assert await _status(store, notice) == "superseded"
    assert not [n for n in to(out, "baraka") if PAUSED in n.reply.text]


async def test_an_in_time_decline_that_unpauses_supersedes_the_pause_notice(
    store: Store, library: Library, clock: ManualClock
) -> None:
    bot, offers, notice = await _paused(store, library, clock)
    out = await bot.decline(who("baraka", answered_at=await _in_time(store, offers[2])), offer_id=offers[2])
    assert out.error is None, out.reply.plain_text
    assert EN("offer.in_time.unpaused") in out.reply.text
    assert not await bot.still_to_send(notice)
    assert await _status(store, notice) == "superseded"


async def test_a_held_pause_notice_is_not_shown_once_the_pause_is_taken_back(
    store: Store, library: Library, clock: ManualClock
) -> None:
    bot, offers, notice = await _paused(store, library, clock)
    await bot.hold_undelivered(notice, refused=True)  # his DMs are closed
    assert await _status(store, notice) == "held"
    out = await bot.accept(who("baraka", answered_at=await _in_time(store, offers[2])), offer_id=offers[2])
    assert out.error is None, out.reply.plain_text
    assert await _status(store, notice) == "superseded"
    shown = [reply.plain_text for reply in out.held]
    later = await bot.status(who("baraka"))
    shown += [reply.plain_text for reply in later.held]
    assert not [text for text in shown if PAUSED in text], shown


async def test_a_pause_notice_left_by_a_dead_process_is_not_recovered_once_the_pause_is_taken_back(
    store: Store, library: Library, clock: ManualClock
) -> None:
    """The accept's request went on to another mentor meanwhile (`OfferStore.forgive_lapse`: the offer stays
    expired, the lapse and the pause go), the batch's claim on the notice run out."""
    bot, offers, notice = await _paused(store, library, clock)
    await bot.signup(who("dave"), skills="seo")  # request #3 is offered to him
    clock.advance(timedelta(minutes=10))  # the batch's process died: its claim ran out
    out = await bot.accept(who("baraka", answered_at=await _in_time(store, offers[2])), offer_id=offers[2])
    assert out.error is None, out.reply.plain_text
    assert EN("offer.in_time.unpaused") in out.reply.text
    assert (await profile_row(store))["status"] == MentorStatus.ACTIVE.value
    assert await _status(store, notice) == "superseded"
    assert not [n for n in await bot.undelivered() if PAUSED in n.reply.text]


async def test_a_pause_notice_already_delivered_stays_so(store: Store, library: Library, clock: ManualClock) -> None:
    bot, offers, notice = await _paused(store, library, clock)
    await bot.delivered([notice])
    out = await bot.accept(who("baraka", answered_at=await _in_time(store, offers[2])), offer_id=offers[2])
    assert out.error is None, out.reply.plain_text
    assert EN("offer.in_time.unpaused") in out.reply.text, "the reply is what corrects it"
    assert await _status(store, notice) == "delivered"


async def test_an_in_time_answer_to_an_earlier_lapse_keeps_the_pause_and_its_notice(
    store: Store, library: Library, clock: ManualClock
) -> None:
    bot, offers, notice = await _paused(store, library, clock)
    out = await bot.decline(who("baraka", answered_at=await _in_time(store, offers[0])), offer_id=offers[0])
    assert out.error is None, out.reply.plain_text
    assert EN("offer.in_time.unpaused") not in out.reply.text
    assert (await profile_row(store))["status"] == "paused"
    assert await bot.still_to_send(notice)
    assert await _status(store, notice) == "pending"
