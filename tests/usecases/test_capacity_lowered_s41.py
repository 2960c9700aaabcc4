"""Session 41 (midflight hunt): a mentor who lowers their capacity to the places they have taken tells the waiting
requests afresh why they wait, as a pause does (`matchmaking.refresh_wait_reasons`, `PAUSE_STALES`).

Chris is full; Baraka declined Amina (a cooldown) with a place still free. Amina waited because "Baraka can be asked
again after <date>". Baraka then lowered his capacity to his places taken: no mentor has a free place, yet her
request kept the cooldown's reason (and its date, when nothing would come) until something else touched it."""

from __future__ import annotations

from collections.abc import Callable

from mentorbot.bot import Caller, MentorBot
from mentorbot.usecases.matchmaking import wait_reason
from tests.usecases.conftest import COMMUNITY, offer_id, to

Who = Callable[..., Caller]


async def reason(bot: MentorBot, name: str) -> str:
    """The stored wait reason of the member's one open request."""
    member = await bot.store.find_member(COMMUNITY, f"U-{name}")
    assert member is not None
    [request] = await bot.store.list_member_requests(member.id, open_only=True)
    return request.wait_reason or ""


async def fresh_reason(bot: MentorBot, name: str) -> str:
    """The wait reason of the member's one open request worked out now."""
    member = await bot.store.find_member(COMMUNITY, f"U-{name}")
    assert member is not None
    [request] = await bot.store.list_member_requests(member.id, open_only=True)
    return await wait_reason(bot.core, request, member)


async def amina_waits_on_barakas_cooldown(bot: MentorBot, who: Who, capacity: int) -> None:
    await bot.signup(who("chris"), skills="seo", levels="expert", capacity="1")
    [first] = to(await bot.request(who("carl"), skills="seo"), "chris")
    await bot.accept(who("chris"), offer_id=offer_id(first))
    await bot.signup(who("baraka"), skills="seo", levels="expert", capacity=str(capacity))
    [taken] = to(await bot.request(who("bob"), skills="seo"), "baraka")
    await bot.accept(who("baraka"), offer_id=offer_id(taken))
    [declined] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    await bot.decline(who("baraka"), offer_id=offer_id(declined))
    assert "all_cooldown" in await reason(bot, "amina")


async def test_no_free_place_left_tells_the_waiting_afresh(bot: MentorBot, who: Who) -> None:
    await amina_waits_on_barakas_cooldown(bot, who, capacity=2)
    await bot.signup(who("baraka"), skills=None, capacity="1")  # his one place is taken: he has none free
    stored = await reason(bot, "amina")
    assert "all_cooldown" not in stored and "all_busy" in stored, stored
    assert stored == await fresh_reason(bot, "amina")
    status = (await bot.status(who("amina"))).reply.plain_text
    assert "asked again" not in status, status


async def test_a_place_still_free_keeps_the_cooldown(bot: MentorBot, who: Who) -> None:
    await amina_waits_on_barakas_cooldown(bot, who, capacity=3)
    before = await reason(bot, "amina")
    await bot.signup(who("baraka"), skills=None, capacity="2")  # one place still free: the cooldown is still why
    assert await reason(bot, "amina") == before == await fresh_reason(bot, "amina")
