"""After a "not this person" decline, the DECLINED member's own waiting requests are told afresh why they wait, as the
decliner's are (docs/matching.md rule 5, which holds both ways; session 44's mutation hunt: UO2).

Amina mentors copywriting and paid social, three places: Xena's mentorship, Baraka's paid-social request offered to
her, Zed's copywriting request offered to her; Wanda's and then Baraka's copywriting requests wait ("every mentor is
at capacity"). Amina declines Baraka's offer "not this person": the place it held goes to Wanda's older request, and
Amina is full again, but her place will never be Baraka's. His copywriting request must say so (the mentor excluded
him), not go on promising an offer "as soon as a place frees up" (`offers._withdraw_both_ways`).
`test_wait_truth_s43` covers the decliner's own request only. On both engines."""

from __future__ import annotations

from mentorbot.bot import MentorBot
from mentorbot.models import MentorshipRequest, RequestStatus
from mentorbot.usecases.matchmaking import wait_reason
from tests.usecases.conftest import COMMUNITY, offer_id, to
from tests.usecases.test_capacity_lowered_s41 import Who


async def _open_request(bot: MentorBot, name: str, skill: str) -> MentorshipRequest:
    """Member `name`'s open request for `skill`."""
    member = await bot.store.find_member(COMMUNITY, f"U-{name}")
    assert member is not None
    [request] = [r for r in await bot.store.list_member_requests(member.id, open_only=True) if r.skills == (skill,)]
    return request


async def test_the_declined_members_waiting_request_is_told_afresh(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("amina"), skills="paid-social, copywriting", levels="expert", capacity="3")
    [xena] = to(await bot.request(who("xena"), skills="copywriting"), "amina")
    assert (await bot.accept(who("amina"), offer_id=offer_id(xena))).error is None
    [declined] = to(await bot.request(who("baraka"), skills="paid-social"), "amina")
    assert to(await bot.request(who("zed"), skills="copywriting"), "amina")  # her last free place
    await bot.request(who("wanda"), skills="copywriting")
    await bot.request(who("baraka"), skills="copywriting")
    assert "all_busy" in ((await _open_request(bot, "baraka", "copywriting")).wait_reason or "")
    out = await bot.decline(who("amina"), offer_id=offer_id(declined), reason="not this person")
    assert out.error is None, out.reply.text
    assert (await _open_request(bot, "wanda", "copywriting")).status is RequestStatus.OFFERED, "the freed place"
    request = await _open_request(bot, "baraka", "copywriting")
    assert request.status is RequestStatus.WAITING
    stored = request.wait_reason or ""
    assert "all_excluded" in stored and "all_busy" not in stored, stored
    baraka = await bot.store.find_member(COMMUNITY, "U-baraka")
    assert baraka is not None
    assert stored == await wait_reason(bot.core, request, baraka), "as worked out now"
