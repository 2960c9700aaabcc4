"""A mentee is never told "a mentor has been offered your request" after the request is cancelled or closed
(session 35). On both engines.

Before: the notice was superseded, while undelivered, when its offer expired, was declined or was withdrawn by a
pause (session 34, `release_offer`), but not when the offer was withdrawn because its request ended: cancelled by
the mentee, or closed because a mentorship from another request of theirs covered it. Held (the mentee's DMs
closed) it was shown at their next command, after "Request #2 cancelled"; left unsent by a process that died, the
restart delivered it after "closed".
"""

from __future__ import annotations

from datetime import timedelta

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.models import OfferStatus
from tests.usecases.conftest import to
from tests.usecases.test_answered_in_time_s34 import _outbox_status, member_id, offers_in, restart_round
from tests.usecases.test_departures_s32 import Who

EN = translator("en")


async def test_a_held_now_offered_notice_is_not_shown_after_the_request_is_cancelled(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Amina's DMs are closed: the "Good news" is held for her next command. She cancels the request: the cancel's
    reply comes alone, and her status shows no held "Good news"."""
    await bot.delivered((await bot.request(who("amina"), skills="seo")).notifications)
    signed = await bot.signup(who("baraka"), skills="seo")
    [good_news] = to(signed, "amina")
    assert good_news.reply.plain_text == EN("request.now_offered", id=1)
    await bot.delivered(to(signed, "baraka"))
    await bot.hold_undelivered(good_news)
    [offer] = offers_in(signed.notifications, "baraka")
    cancelled = await bot.cancel(who("amina"), request_id=1)
    assert cancelled.error is None
    assert all(EN("request.now_offered", id=1) not in held.plain_text for held in cancelled.held)
    await bot.delivered(cancelled.notifications)
    amina = await member_id(bot, "amina")
    assert await _outbox_status(bot.store, amina, f"request:1:offer:{offer}") == ["superseded"]
    got = await bot.store.get_offer(offer)
    assert got is not None and got.status is OfferStatus.WITHDRAWN
    status = await bot.status(who("amina"))
    assert all(EN("request.now_offered", id=1) not in held.plain_text for held in status.held)


async def test_a_now_offered_notice_a_dead_process_left_is_not_sent_after_the_request_closed(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Amina asks for SEO and copywriting (offered to Baraka, his one place) and then for SEO alone (it waits). Chao
    signs up for SEO: the second request is offered to him, and the process dies before telling Amina. Baraka
    accepts the first: the second request is closed as covered and Chao's offer withdrawn. The restart does not tell
    her Chao was "just" offered the closed request."""
    await bot.delivered((await bot.signup(who("baraka"), skills="seo, copywriting", capacity="1")).notifications)
    first = await bot.request(who("amina"), skills="seo, copywriting")
    await bot.delivered(first.notifications)
    [to_baraka] = offers_in(first.notifications, "baraka")
    second = await bot.request(who("amina"), skills="seo")
    await bot.delivered(second.notifications)
    signed = await bot.signup(who("chao"), skills="seo")
    assert EN("request.now_offered", id=2) in [n.reply.plain_text for n in to(signed, "amina")]
    await bot.delivered(to(signed, "chao"))
    [to_chao] = offers_in(signed.notifications, "chao")
    clock.advance(timedelta(minutes=10))  # the dead writer's claim ran out
    accepted = await bot.accept(who("baraka"), offer_id=to_baraka)
    assert accepted.error is None
    await bot.delivered(accepted.notifications)
    amina = await member_id(bot, "amina")
    assert await _outbox_status(bot.store, amina, f"request:2:offer:{to_chao}") == ["superseded"]
    notes = await restart_round(bot, restarted=True)
    assert all(EN("request.now_offered", id=2) not in n.reply.plain_text for n in to(notes, "amina"))


async def test_a_delivered_now_offered_notice_stays_when_the_request_is_cancelled(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """What reached her is history: only undelivered notices are superseded."""
    await bot.delivered((await bot.request(who("amina"), skills="seo")).notifications)
    signed = await bot.signup(who("baraka"), skills="seo")
    await bot.delivered(signed.notifications)
    [offer] = offers_in(signed.notifications, "baraka")
    assert (await bot.cancel(who("amina"), request_id=1)).error is None
    amina = await member_id(bot, "amina")
    assert await _outbox_status(bot.store, amina, f"request:1:offer:{offer}") == ["delivered"]


async def test_a_held_now_offered_notice_is_not_shown_after_the_accept(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """An accept ends the offer too (a review of session 35 found it left out): Amina's held "Good news … you'll hear
    when a mentor accepts it" is not shown beside her introduction."""
    await bot.delivered((await bot.request(who("amina"), skills="seo")).notifications)
    signed = await bot.signup(who("baraka"), skills="seo")
    [good_news] = to(signed, "amina")
    await bot.delivered(to(signed, "baraka"))
    await bot.hold_undelivered(good_news)
    [offer] = offers_in(signed.notifications, "baraka")
    accepted = await bot.accept(who("baraka"), offer_id=offer)
    assert accepted.error is None
    await bot.delivered(accepted.notifications)
    amina = await member_id(bot, "amina")
    assert await _outbox_status(bot.store, amina, f"request:1:offer:{offer}") == ["superseded"]
    status = await bot.status(who("amina"))
    assert all(EN("request.now_offered", id=1) not in held.plain_text for held in status.held)


async def test_a_now_offered_notice_a_dead_process_left_is_not_sent_after_the_accept(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await bot.delivered((await bot.request(who("amina"), skills="seo")).notifications)
    signed = await bot.signup(who("baraka"), skills="seo")
    await bot.delivered(to(signed, "baraka"))
    [offer] = offers_in(signed.notifications, "baraka")
    clock.advance(timedelta(minutes=10))  # the dead writer's claim ran out
    accepted = await bot.accept(who("baraka"), offer_id=offer)
    assert accepted.error is None
    await bot.delivered(accepted.notifications)
    notes = await restart_round(bot, restarted=True)
    assert all(EN("request.now_offered", id=1) not in n.reply.plain_text for n in to(notes, "amina"))
