"""Why a member waits stays true when a mentor's last free place goes to an offer, and after a "not this person"
decline (session 43's hunt of what waiting members are told; docs/matching.md rules 5 and 14). On both engines.

1. Baraka, the only SEO mentor, declined Amina "not now" (a cooldown): she is told he can be asked again after a date.
   Then offers of other members' requests took his last free place: the stored reason (her status, the admins'
   waitlist) still promised the date, on which nothing would come, for up to the cooldown's three days. Only a pause,
   a capacity change or a departure told the waiting requests afresh; an offer did not (`after_last_place`).
2. Amina, a mentor, waits for SEO, whose only mentor Baraka is full ("an offer as soon as a place frees up"). She
   declines Baraka's own request "not this person", which holds both ways: his place will never be hers. Her request
   went on promising it; the admins' waitlist said "at capacity", pointing them at capacity that would change nothing.
"""

from __future__ import annotations

from mentorbot.bot import MentorBot
from tests.usecases.conftest import COMMUNITY, offer_id, to
from tests.usecases.test_capacity_lowered_s41 import Who, fresh_reason, reason


async def baraka_declined_amina(bot: MentorBot, who: Who, capacity: int) -> None:
    await bot.signup(who("baraka"), skills="seo", levels="expert", capacity=str(capacity))
    [declined] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    assert (await bot.decline(who("baraka"), offer_id=offer_id(declined), reason="not now")).error is None
    assert "all_cooldown" in await reason(bot, "amina")


async def test_offers_taking_the_last_free_place_end_the_promised_date(bot: MentorBot, who: Who) -> None:
    await baraka_declined_amina(bot, who, capacity=2)
    assert to(await bot.request(who("bob"), skills="seo"), "baraka")  # one place left: the date still holds
    assert "all_cooldown" in await reason(bot, "amina")
    assert to(await bot.request(who("carol"), skills="seo"), "baraka")  # his last free place
    stored = await reason(bot, "amina")
    assert "all_busy" in stored and "all_cooldown" not in stored, stored
    assert stored == await fresh_reason(bot, "amina")


async def test_one_place_taken_by_an_offer_then_accepted(bot: MentorBot, who: Who) -> None:
    await baraka_declined_amina(bot, who, capacity=1)
    [taken] = to(await bot.request(who("bob"), skills="seo"), "baraka")
    assert (await bot.accept(who("baraka"), offer_id=offer_id(taken))).error is None
    stored = await reason(bot, "amina")
    assert stored == await fresh_reason(bot, "amina") and "all_cooldown" not in stored, stored


async def test_the_freed_place_going_to_an_older_request_beside_own_mentor(bot: MentorBot, who: Who) -> None:
    """Chris (SEO, brand strategy; one place) mentors Amina. Baraka (SEO, one place) declines Amina's SEO request "not
    now"; the place it freed goes to Bob's older request. Both SEO mentors are full: no date (rule 14)."""
    await bot.signup(who("chris"), skills="seo, brand-strategy", levels="expert", capacity="1")
    [c] = to(await bot.request(who("amina"), skills="brand-strategy"), "chris")
    assert (await bot.accept(who("chris"), offer_id=offer_id(c))).error is None
    await bot.signup(who("baraka"), skills="seo", levels="expert", capacity="1")
    [b] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    await bot.request(who("bob"), skills="seo")  # waits: Baraka's one place is held
    out = await bot.decline(who("baraka"), offer_id=offer_id(b), reason="not now")
    assert out.error is None and to(out, "baraka"), "Bob's request is offered the freed place"
    member = await bot.store.find_member(COMMUNITY, "U-amina")
    assert member is not None
    [waiting] = [r for r in await bot.store.list_member_requests(member.id, open_only=True) if r.skills == ("seo",)]
    assert "all_cooldown" not in (waiting.wait_reason or ""), waiting.wait_reason
    assert "all_busy" in (waiting.wait_reason or "")


async def test_a_not_this_person_decline_tells_the_decliners_own_request_afresh(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo", levels="expert", capacity="1")
    [x] = to(await bot.request(who("xena"), skills="seo"), "baraka")
    assert (await bot.accept(who("baraka"), offer_id=offer_id(x))).error is None
    await bot.signup(who("amina"), skills="paid-social", levels="expert", capacity="1")
    await bot.request(who("amina"), skills="seo")
    assert "all_busy" in await reason(bot, "amina")
    [offer] = to(await bot.request(who("baraka"), skills="paid-social"), "amina")
    assert (await bot.decline(who("amina"), offer_id=offer_id(offer), reason="not this person")).error is None
    stored = await reason(bot, "amina")
    assert "excluded_by_member" in stored, stored
    assert stored == await fresh_reason(bot, "amina")
