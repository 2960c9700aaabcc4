"""A forget takes only what names the forgotten member (session 34's review): another member's notice that merely
contains words the forgotten member also typed (a skill's label as a note, a common decline reason) stays, so a
mentor's held offer still reaches them and its expiry is not counted as their lapse. An admins' notice (the weekly
digest) that quotes a text they typed still goes: `tests/storage/test_forget_leftovers_s34.py`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.replies import Notification
from tests.usecases.conftest import COMMUNITY, offer_id, to

Who = Callable[..., Caller]


async def held_offer(bot: MentorBot, who: Who, note: str) -> Notification:
    """Chausiku asks for brand strategy with `note`; Baraka's offer is held (his DMs are closed)."""
    await bot.signup(who("baraka"), skills="brand-strategy", capacity="3")
    asked = await bot.request(who("chausiku"), skills="brand-strategy", note=note)
    [offer] = [n for n in to(asked, "baraka") if any(b.action == "offer.accept" for b in n.reply.buttons)]
    await bot.hold_undelivered(offer, refused=False)
    return offer


async def kept(bot: MentorBot, offer: Notification) -> bool:
    async with bot.store.read() as conn:
        found = await conn.fetch_all(
            "SELECT payload FROM outbox WHERE message_key = ? AND status = 'held'", offer.key or ""
        )
    return any(str(row["payload"]) for row in found)


async def test_a_note_that_is_a_skills_label_takes_no_one_elses_offer(bot: MentorBot, who: Who) -> None:
    offer = await held_offer(bot, who, "I need help with my shop's product pages")
    await bot.request(who("amina"), skills="seo", note="Brand strategy")
    assert (await bot.forget(who("amina"), confirm=True)).error is None
    assert await kept(bot, offer), "Baraka's held offer about Chausiku's request stays"
    shown = await bot.status(who("baraka"))
    assert any(offer.reply.text == n.text for n in shown.held)


async def test_a_common_decline_reason_takes_no_offer_quoting_another_note(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("amina"), skills="seo", capacity="3")
    [first] = to(await bot.request(who("eli"), skills="seo", note="n1"), "amina")
    assert (await bot.decline(who("amina"), offer_id=offer_id(first), reason="on holiday")).error is None
    offer = await held_offer(bot, who, "I'll be on holiday in March, so April on")
    assert (await bot.forget(who("amina"), confirm=True)).error is None
    assert await kept(bot, offer)


async def test_the_held_offer_kept_expires_as_never_reached(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    offer = await held_offer(bot, who, "launch")
    await bot.request(who("amina"), skills="seo", note="Brand strategy")
    assert (await bot.forget(who("amina"), confirm=True)).error is None
    clock.advance(timedelta(hours=48, minutes=5))
    await bot.run_due_jobs()
    expired = await bot.store.get_offer(offer_id(offer))
    baraka = await bot.store.find_member(COMMUNITY, "U-baraka")
    assert expired is not None and baraka is not None
    profile = await bot.store.get_mentor_profile(baraka.id)
    assert profile is not None and profile.expired_streak == 0, "an offer that never reached him is no lapse"
