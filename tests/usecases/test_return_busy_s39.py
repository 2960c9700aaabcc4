"""A mentor who left and comes back (paused: `left`) beside a full one: the request told "every mentor is at
capacity" while the one who left was no mentor of the skill is told afresh, "at capacity or paused", at their
return (`returns.RETURN_STALES`; before, it kept the untrue reason until the next sweep or match)."""

from __future__ import annotations

import json
from collections.abc import Callable

from mentorbot.bot import Caller, MentorBot
from tests.usecases.conftest import COMMUNITY

Who = Callable[..., Caller]


async def _reason(bot: MentorBot, request_id: int) -> dict[str, object]:
    request = await bot.store.get_request(request_id)
    assert request is not None and request.wait_reason is not None
    return dict(json.loads(request.wait_reason))


async def test_a_full_mentor_and_one_back_from_leaving_are_told_both(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo", capacity=1)
    await bot.signup(who("dalila"), skills="seo", capacity=1)
    await bot.member_left(COMMUNITY, "U-dalila")
    offered = await bot.request(who("zawadi"), skills="seo")  # Baraka's one place, held by the offer
    assert offered.error is None
    await bot.request(who("amina"), skills="seo")
    before = await _reason(bot, 2)
    assert before.get("key") == "wait.all_busy" and not before.get("paused"), before
    await bot.member_back(COMMUNITY, "U-dalila")
    after = await _reason(bot, 2)
    assert after.get("key") == "wait.all_busy" and after.get("paused") is True, after
