"""A mentor's last free place taken other than by live matching's offer also ends a cooldown date told to waiting
members (session 43's review of the day: docs/matching.md rule 14). Before, only `_offer_best` told the waiting
requests afresh: an admin's match, an answer recorded in time (`accept_in_time`: the place its expiry freed taken
again) and a cohort programme's admin round each left "can be asked again after <date>" of a mentor now full. On
both engines."""

from __future__ import annotations

from datetime import timedelta

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.storage.store import Store
from mentorbot.usecases.matchmaking import next_round_reason, round_obstacle
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to
from tests.usecases.test_capacity_lowered_s41 import Who, fresh_reason, reason
from tests.usecases.test_wait_truth_s43 import baraka_declined_amina


async def test_admin_match_takes_last_place(bot: MentorBot, who: Who) -> None:
    await baraka_declined_amina(bot, who, capacity=1)
    await bot.request(who("bob"), skills="brand-strategy")  # nobody mentors it: Bob waits
    bob = await bot.store.find_member(COMMUNITY, "U-bob")
    [br] = await bot.store.list_member_requests(bob.id, open_only=True)
    out = await bot.admin_match(who("admin", is_admin=True), request_id=br.id, mentor="baraka", force=True)
    assert out.error is None, out.error
    profile = await bot.store.get_mentor_profile((await bot.store.find_member(COMMUNITY, "U-baraka")).id)
    assert profile.free_places == 0
    stored = await reason(bot, "amina")
    assert stored == await fresh_reason(bot, "amina"), (stored, await fresh_reason(bot, "amina"))


async def test_in_time_accept_takes_last_place_back(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await baraka_declined_amina(bot, who, capacity=1)
    [o] = to(await bot.request(who("bob"), skills="seo"), "baraka")  # his last place: Amina told "at capacity"
    assert "all_busy" in await reason(bot, "amina")
    offer = await bot.store.get_offer(offer_id(o))
    clock.advance(timedelta(hours=48, minutes=30))
    await bot.run_due_jobs()  # Bob's offer expires: the place is free again, Amina told Baraka's cooldown date
    assert "all_cooldown" in await reason(bot, "amina"), await reason(bot, "amina")
    out = await bot.accept(who("baraka", answered_at=offer.expires_at - timedelta(minutes=5)), offer_id=offer.id)
    assert out.error is None, out.reply.plain_text
    baraka = await bot.store.find_member(COMMUNITY, "U-baraka")
    assert (await bot.store.get_mentor_profile(baraka.id)).free_places == 0, out.reply.plain_text
    stored = await reason(bot, "amina")
    assert stored == await fresh_reason(bot, "amina"), (stored, await fresh_reason(bot, "amina"))


async def test_cohort_admin_round_takes_last_place(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    bot = MentorBot(store, library, make_settings(matching="rounds", round_schedule="mon 10:00"), clock, worker_id="w")
    await bot.signup(who("baraka"), skills="seo", levels="expert", capacity="1")
    await bot.request(who("amina"), skills="seo")
    out = await bot.admin_round(who("admin", is_admin=True))
    [o] = to(out, "baraka")
    assert (await bot.decline(who("baraka"), offer_id=offer_id(o), reason="not now")).error is None
    before = await reason(bot, "amina")
    await bot.request(who("bob"), skills="seo")
    out = await bot.admin_round(who("admin", is_admin=True))  # Bob's request takes Baraka's last place
    assert to(out, "baraka")
    amina = await bot.store.find_member(COMMUNITY, "U-amina")
    [req] = await bot.store.list_member_requests(amina.id, open_only=True)
    fresh = next_round_reason(bot.core, req, await round_obstacle(bot.core, req, amina))
    assert "all_cooldown" in before
    assert req.wait_reason == fresh, (req.wait_reason, fresh)

