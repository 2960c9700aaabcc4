"""What each person is finally shown when a message of theirs did not reach them before the state it told changed
(session 36's hunt "what each person finally sees"; every test failed before its fix, on both engines):

- a mentor's held offer (DMs closed) was shown, Accept and Decline buttons live, beside the reply of their own
  command that ended it (`/mentor pause`, `/mentor accept`, `/mentor decline`): the held notices were taken before
  the command's own notifications were written, and an answer superseded nothing of the mentor's;
- a mentee's "your request is waiting again" (``request:R:after:O``) was never superseded: shown with "cancelled",
  beside the introduction, or sent by a restart after the introduction;
- a mentee whose "a mentor has been offered your request" never reached them (held, or left unsent by a process
  that died) and whose request was then handed on to another mentor was never told it is offered: that notice was
  superseded when the offer ended and a hand-on tells the mentee nothing.
"""

from __future__ import annotations

from datetime import timedelta

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.models import OfferStatus, RequestStatus
from mentorbot.replies import Outcome
from tests.usecases.conftest import to
from tests.usecases.test_answered_in_time_s34 import _outbox_status, member_id, offers_in, restart_round
from tests.usecases.test_departures_s32 import Who

EN = translator("en")


async def held_offer(bot: MentorBot, who: Who) -> int:
    """Baraka mentors SEO and his DMs are closed: Amina's request is offered to him, its DM held."""
    await bot.delivered((await bot.signup(who("baraka"), skills="seo")).notifications)
    asked = await bot.request(who("amina"), skills="seo")
    [offer] = offers_in(asked.notifications, "baraka")
    for note in to(asked, "baraka"):
        await bot.hold_undelivered(note)
    await bot.delivered(asked.notifications)
    return offer


def live_offers_shown(outcome: Outcome) -> list[str]:
    """The held notices shown with a command's reply that carry an offer's Accept button."""
    return [held.plain_text for held in outcome.held if any(b.action == "offer.accept" for b in held.buttons)]


async def test_a_mentors_pause_does_not_show_the_offer_it_withdrew(bot: MentorBot, who: Who) -> None:
    offer = await held_offer(bot, who)
    paused = await bot.pause(who("baraka"))
    assert paused.error is None
    withdrawn = await bot.store.get_offer(offer)
    assert withdrawn is not None and withdrawn.status is OfferStatus.WITHDRAWN
    assert live_offers_shown(paused) == []


async def test_a_mentors_accept_does_not_show_the_offer_it_accepted(bot: MentorBot, who: Who) -> None:
    offer = await held_offer(bot, who)
    accepted = await bot.accept(who("baraka"), offer_id=offer)
    assert accepted.error is None
    assert live_offers_shown(accepted) == []
    later = await bot.status(who("baraka"))
    assert live_offers_shown(later) == [], "nor at the next command"


async def test_a_mentors_decline_does_not_show_the_offer_it_declined(bot: MentorBot, who: Who) -> None:
    offer = await held_offer(bot, who)
    declined = await bot.decline(who("baraka"), offer_id=offer)
    assert declined.error is None
    assert live_offers_shown(declined) == []
    baraka = await member_id(bot, "baraka")
    assert await _outbox_status(bot.store, baraka, f"offer:{offer}") == ["superseded"]


async def waiting_again(bot: MentorBot, who: Who, *, hold: bool) -> None:
    """Baraka declines Amina's request; no one else mentors SEO, so she is told it waits again: held (DMs closed)
    or, without `hold`, never sent (the process died before sending it)."""
    await bot.delivered((await bot.signup(who("baraka"), skills="seo")).notifications)
    asked = await bot.request(who("amina"), skills="seo")
    await bot.delivered(asked.notifications)
    [offer] = offers_in(asked.notifications, "baraka")
    declined = await bot.decline(who("baraka"), offer_id=offer)
    [waiting] = to(declined, "amina")
    assert waiting.key == f"request:1:after:{offer}"
    if hold:
        await bot.hold_undelivered(waiting)
        await bot.delivered(declined.notifications)


async def test_a_held_waiting_again_is_not_shown_with_the_cancel(bot: MentorBot, who: Who) -> None:
    await waiting_again(bot, who, hold=True)
    cancelled = await bot.cancel(who("amina"), request_id=1)
    assert cancelled.error is None
    assert [held.plain_text for held in cancelled.held] == []


async def test_a_held_waiting_again_is_not_shown_beside_the_introduction(bot: MentorBot, who: Who) -> None:
    await waiting_again(bot, who, hold=True)
    signed = await bot.signup(who("chao"), skills="seo")
    for note in to(signed, "amina"):
        await bot.hold_undelivered(note)
    await bot.delivered(signed.notifications)
    [offer] = offers_in(signed.notifications, "chao")
    accepted = await bot.accept(who("chao"), offer_id=offer)
    for note in to(accepted, "amina"):
        await bot.hold_undelivered(note)
    await bot.delivered(accepted.notifications)
    shown = [held.plain_text for held in (await bot.status(who("amina"))).held]
    assert len(shown) == 1 and "waiting again" not in shown[0], shown  # the introduction only


async def test_a_restart_does_not_send_waiting_again_after_the_introduction(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await waiting_again(bot, who, hold=False)
    clock.advance(timedelta(minutes=10))  # the dead process's claim ran out; no process recovered the row yet
    signed = await bot.signup(who("chao"), skills="seo")
    await bot.delivered(signed.notifications)
    [offer] = offers_in(signed.notifications, "chao")
    accepted = await bot.accept(who("chao"), offer_id=offer)
    assert accepted.error is None
    await bot.delivered(accepted.notifications)
    request = await bot.store.get_request(1)
    assert request is not None and request.status is RequestStatus.MATCHED
    late = await restart_round(bot, restarted=True)
    assert to(late, "amina") == []
    amina = await member_id(bot, "amina")
    assert await _outbox_status(bot.store, amina, "request:1:after:1") == ["superseded"]


async def offered_unheard(bot: MentorBot, who: Who, clock: ManualClock, *, hold: bool) -> Outcome:
    """Amina waits (no SEO mentor); Baraka signs up and is offered her request, and her "Good news" is held (DMs
    closed) or never sent (the process died); Chao signs up; Baraka declines, so the request goes to Chao."""
    asked = await bot.request(who("amina"), skills="seo")
    await bot.delivered(asked.notifications)
    signed = await bot.signup(who("baraka"), skills="seo")
    [good_news] = to(signed, "amina")
    assert good_news.reply.text == EN("request.now_offered", id=1)
    if hold:
        await bot.hold_undelivered(good_news)
        await bot.delivered(signed.notifications)
    else:
        await bot.delivered(to(signed, "baraka"))
    [offer] = offers_in(signed.notifications, "baraka")
    await bot.delivered((await bot.signup(who("chao"), skills="seo")).notifications)
    clock.advance(timedelta(minutes=3))
    declined = await bot.decline(who("baraka"), offer_id=offer)
    request = await bot.store.get_request(1)
    assert request is not None and request.status is RequestStatus.OFFERED
    return declined


async def test_a_mentee_whose_offered_notice_was_held_hears_of_the_hand_on(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    declined = await offered_unheard(bot, who, clock, hold=True)
    [told] = to(declined, "amina")
    assert told.reply.text == EN("request.now_offered", id=1)
    [chao_offer] = offers_in(declined.notifications, "chao")
    assert told.key == f"request:1:offer:{chao_offer}"
    await bot.delivered(declined.notifications)
    assert [held.plain_text for held in (await bot.courses(who("amina"))).held] == [], "the stale one is not shown"


async def test_a_mentee_whose_offered_notice_a_dead_process_left_hears_of_the_hand_on(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    declined = await offered_unheard(bot, who, clock, hold=False)
    assert [note.reply.text for note in to(declined, "amina")] == [EN("request.now_offered", id=1)]
    await bot.delivered(declined.notifications)
    assert to(await restart_round(bot, restarted=True), "amina") == [], "the superseded one is never sent"


async def test_a_mentee_who_heard_of_the_offer_is_not_told_of_the_hand_on(bot: MentorBot, who: Who) -> None:
    """As before: the hand-on to another mentor is not news to a mentee told the request is offered."""
    asked = await bot.request(who("amina"), skills="seo")
    await bot.delivered(asked.notifications)
    signed = await bot.signup(who("baraka"), skills="seo")
    await bot.delivered(signed.notifications)
    [offer] = offers_in(signed.notifications, "baraka")
    await bot.delivered((await bot.signup(who("chao"), skills="seo")).notifications)
    declined = await bot.decline(who("baraka"), offer_id=offer)
    assert offers_in(declined.notifications, "chao")
    assert to(declined, "amina") == []
