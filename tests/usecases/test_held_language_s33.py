"""Notices still waiting for a member follow their `/mentor language` (both engines).

A mentor whose DMs are closed has their offer held for their next command; a notice may also still be pending
in the outbox (its process died before delivering it). When the member switches language, an offer still pending
to them is written again in the new language (text, fields and Accept / Decline), in the unit of work of the
switch: the reply to the switch shows it in the new language, and a recovery delivers a pending one so. Its row,
key and button ids stay. A notice that cannot be rebuilt from the database (an introduction, an ended offer's
notice) is shown as it was written; a member who did not switch sees nothing change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.replies import Notification, Reply
from tests.usecases.conftest import offer_id, to

Who = Callable[..., Caller]
SW = translator("sw")
EN = translator("en")
EXPIRED = timedelta(hours=49)  # past an offer's expiry
LEASE_GONE = timedelta(minutes=3)  # past the outbox lease of the process that wrote a notification


async def offer_to(bot: MentorBot, who: Who, mentor: str, mentee: str) -> Notification:
    """`mentor` signs up for SEO (one place); `mentee` asks for SEO and the offer goes to `mentor`."""
    await bot.signup(who(mentor), skills="seo", capacity=1)
    [offer] = to(await bot.request(who(mentee), skills="seo"), mentor)
    return offer


def assert_swahili_offer(shown: Reply, number: int) -> None:
    """`shown` is offer `number` in Swahili, its buttons answering that offer."""
    assert shown.title == SW("offer.title", id=number)
    assert [f.name for f in shown.fields] == [SW("offer.skills"), SW("offer.why"), SW("offer.expires")]
    assert [(b.action, b.ref, b.label) for b in shown.buttons] == [
        ("offer.accept", str(number), SW("offer.accept")),
        ("offer.decline", str(number), SW("offer.decline")),
    ]
    assert "looking for a mentor" not in shown.text


async def test_a_held_offer_is_shown_in_the_new_language_and_its_buttons_work(bot: MentorBot, who: Who) -> None:
    offer = await offer_to(bot, who, "baraka", "amina")
    assert offer.reply.title == EN("offer.title", id=offer_id(offer))
    await bot.hold_undelivered(offer)  # Baraka's DMs are closed
    await bot.delivered([offer])

    switched = await bot.set_language(who("baraka"), language="sw")

    assert switched.language == "sw" and switched.reply.text == SW("language.set")
    [shown] = switched.held
    assert_swahili_offer(shown, offer_id(offer))
    assert (await bot.status(who("baraka"))).held == (), "shown once"
    [accept] = [b for b in shown.buttons if b.action == "offer.accept"]
    accepted = await bot.accept(who("baraka"), offer_id=accept.ref)
    assert accepted.error is None
    assert accepted.reply.text == SW("offer.accepted", id=offer_id(offer))


async def test_a_pending_offer_is_delivered_in_the_new_language(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    offer = await offer_to(bot, who, "baraka", "amina")  # written; its process dies before delivering it

    await bot.set_language(who("baraka"), language="sw")
    clock.advance(LEASE_GONE)
    [again] = to(await bot.undelivered(), "baraka")

    assert again.outbox_id == offer.outbox_id and again.key == offer.key
    assert again.language == "sw"
    assert_swahili_offer(again.reply, offer_id(offer))


async def test_a_notice_that_cannot_be_rebuilt_is_shown_as_written(bot: MentorBot, who: Who) -> None:
    offer = await offer_to(bot, who, "baraka", "amina")
    await bot.delivered([offer])
    accepted = await bot.accept(who("baraka"), offer_id=offer_id(offer))
    [intro] = to(accepted, "amina")  # Amina's introduction: her DMs are closed
    await bot.hold_undelivered(intro)
    await bot.delivered(accepted.notifications)

    switched = await bot.set_language(who("amina"), language="sw")

    assert switched.reply.text == SW("language.set")
    assert switched.held == (intro.reply,), "an introduction is not rebuilt: shown as it was written"


async def test_an_ended_offer_notice_is_shown_as_written(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    offer = await offer_to(bot, who, "baraka", "amina")
    await bot.hold_undelivered(offer)
    await bot.delivered([offer])
    clock.advance(EXPIRED)
    notes = await bot.run_due_jobs()
    [expired] = to(notes, "baraka")  # the offer's newer version: its expiry, held too
    await bot.hold_undelivered(expired)
    await bot.delivered(notes)

    switched = await bot.set_language(who("baraka"), language="sw")

    assert switched.held == (expired.reply,), "no live offer comes back over its expiry, in any language"


async def test_a_member_who_did_not_switch_sees_their_offer_as_written(bot: MentorBot, who: Who) -> None:
    baraka = await offer_to(bot, who, "baraka", "amina")
    chloe = await offer_to(bot, who, "chloe", "dora")  # Baraka's one place is taken: Dora's request goes to Chloe
    for offer in (baraka, chloe):
        await bot.hold_undelivered(offer)
    await bot.delivered([baraka, chloe])

    await bot.set_language(who("baraka"), language="sw")
    shown = await bot.status(who("chloe"))

    assert shown.language == "en"
    assert shown.held == (chloe.reply,)
    assert shown.held[0].title == EN("offer.title", id=offer_id(chloe))


async def test_an_offer_switched_and_held_again_keeps_its_key(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    offer = await offer_to(bot, who, "baraka", "amina")
    await bot.hold_undelivered(offer)
    await bot.delivered([offer])
    [shown] = (await bot.set_language(who("baraka"), language="sw")).held
    # The adapter could show it nowhere (the reply's route used up): held again, as it was shown.
    assert await bot.hold_again(offer.community, offer.platform_user_id, [shown]) == 1
    clock.advance(EXPIRED)
    notes = await bot.run_due_jobs()
    [expired] = to(notes, "baraka")
    await bot.hold_undelivered(expired)
    await bot.delivered(notes)

    held = (await bot.status(who("baraka"))).held

    assert held == (expired.reply,), "the Swahili offer held again is replaced by its expiry, never shown again"
    number = offer_id(offer)  # Baraka is the only mentor: the request waits again, and he may take it after all
    waiting = SW("offer.expired_unsent_waiting", id=number) + " " + SW("offer.take_it_after_all", id=number)
    assert held[0].text == waiting
