"""What a mentee is told about their waiting request after the first notice (both engines).

Every notice of a request was keyed ``request:<id>``: the adapters edit the earlier message of a key in place (no
new message, no sound), and the outbox supersedes an undelivered row by a newer one of its key. So after the first
DM, "offered to a new mentor" and "waiting again" silently rewrote that DM, or were dropped before delivery. Each
change of the request is now a notice of its own: ``request:<id>:offer:<offer id>`` when it is offered,
``request:<id>:after:<offer id>`` when it waits again after that offer ended; unkeyed when the offer is gone with
its forgotten mentor. A reason worked out afresh while nothing happened to the request tells nobody.
"""

from __future__ import annotations

from collections.abc import Callable

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.replies import Notification
from mentorbot.usecases.handler import OUTBOX_LEASE
from tests.usecases.conftest import offer_id, to

Who = Callable[..., Caller]
EN = translator("en")
WAITING_AGAIN = EN("request.still_waiting", id=1) + "\n"
NOW_OFFERED = EN("request.now_offered", id=1)


async def _offered_declined_offered_paused(bot: MentorBot, who: Who) -> tuple[list[Notification], list[int]]:
    """Amina's request #1 goes to Baraka, who declines; to Chao, who signs up and pauses: what Amina is told, in
    order, and the two offers' ids."""
    await bot.signup(who("baraka"), skills="seo", capacity=1)
    first = await bot.request(who("amina"), skills="seo")
    [offer] = to(first, "baraka")
    first_id = offer_id(offer)
    told = to(first, "amina")
    told += to(await bot.decline(who("baraka"), offer_id=first_id, reason="Fully booked"), "amina")
    signed = await bot.signup(who("chao"), skills="seo", capacity=1)
    [second] = to(signed, "chao")
    told += to(signed, "amina")
    told += to(await bot.pause(who("chao")), "amina")
    return told, [first_id, offer_id(second)]


async def test_each_change_of_a_waiting_request_is_a_notice_of_its_own(bot: MentorBot, who: Who) -> None:
    """Waiting again after a decline, offered to a new mentor, waiting again after a pause withdrew that offer:
    three notices under three keys, one per event, so each arrives as a new message."""
    told, (first, second) = await _offered_declined_offered_paused(bot, who)

    assert [n.reply.text.startswith(WAITING_AGAIN) for n in told] == [True, False, True]
    assert told[1].reply.text == NOW_OFFERED
    assert [n.key for n in told] == [
        f"request:1:after:{first}",
        f"request:1:offer:{second}",
        f"request:1:after:{second}",
    ]


async def test_an_undelivered_notice_is_not_swallowed_by_the_next_change(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Nothing delivered yet (the process died; the platform was down): every notice of the request is still
    there to deliver, in order, none superseded by the next change's notice."""
    told, _ = await _offered_declined_offered_paused(bot, who)
    assert len(told) == 3
    clock.advance(OUTBOX_LEASE + OUTBOX_LEASE)

    recovered = to(await bot.undelivered(), "amina")

    assert [n.outbox_id for n in recovered] == [n.outbox_id for n in told]
    assert [n.reply.text for n in recovered] == [n.reply.text for n in told]


async def test_waiting_again_after_its_mentor_is_forgotten_is_a_new_notice(bot: MentorBot, who: Who) -> None:
    """The mentor holding the offer deletes their data: the offer is gone with them, and the mentee's "waiting
    again" is a message of its own, not an edit of the "good news" before it."""
    await bot.signup(who("baraka"), skills="seo", capacity=1)
    first = await bot.request(who("amina"), skills="seo")
    await bot.decline(who("baraka"), offer_id=offer_id(to(first, "baraka")[0]), reason="Fully booked")
    signed = await bot.signup(who("dan"), skills="seo", capacity=1)
    [good_news] = to(signed, "amina")

    gone = await bot.forget(who("dan"), confirm=True)

    [waiting] = to(gone, "amina")
    assert waiting.reply.text.startswith(WAITING_AGAIN)
    assert waiting.key is None or waiting.key != good_news.key


async def test_a_reason_worked_out_afresh_tells_the_mentee_nothing(bot: MentorBot, who: Who) -> None:
    """A paused mentor's place freed changes why a request waits (every mentor at capacity → all paused, one back
    would have a place) but nothing happened to the request itself: no message (the mentee sees the new reason in
    their status). The pause before it changed nothing she is told: a paused mentor of one place who mentors someone
    has no place once back (docs/matching.md rule 14, session 45)."""
    await bot.signup(who("baraka"), skills="seo", capacity=1)
    first = await bot.request(who("eve"), skills="seo")
    assert (await bot.accept(who("baraka"), offer_id=offer_id(to(first, "baraka")[0]))).error is None
    [mentorship] = await bot.store.list_mentorships(community="test:guild")
    waiting = await bot.request(who("amina"), skills="seo")
    assert to(waiting, "baraka") == []

    paused = await bot.pause(who("baraka"))

    assert to(paused, "amina") == []
    shown = (await bot.status(who("amina"))).reply.plain_text
    assert EN("wait.all_busy", skills="SEO") in shown

    ended = await bot.end(who("eve"), mentorship_id=mentorship.id)
    assert ended.error is None

    assert to(ended, "amina") == []
    shown = (await bot.status(who("amina"))).reply.plain_text
    assert EN("wait.all_paused", skills="SEO") in shown
