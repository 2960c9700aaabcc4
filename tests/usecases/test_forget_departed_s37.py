"""A mentor who deletes their data while their mentee has left the community does not put the departed mentee's
request back on the waitlist (found by session 37's heavy extended programme model, session 36's code the same:
"departed a0 in test:guild has open requests [{'id': 1, 'status': 'waiting'}]"). A member reported gone holds no
open request; they ask again when back. A mentee still in the community gets their request back as before."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.models import RequestStatus
from tests.usecases.conftest import COMMUNITY, offer_id, to


async def mentored(bot: MentorBot, who: Callable[..., Caller]) -> int:
    """Amina mentors Baraka in SEO: the id of his request."""
    await bot.signup(who("amina"), skills="seo", capacity="3")
    asked = await bot.request(who("baraka"), skills="seo")
    [offer] = to(asked, "amina")
    await bot.accept(who("amina"), offer_id=offer_id(offer))
    [request] = await bot.store.list_requests(COMMUNITY, [RequestStatus.MATCHED])
    return request.id


@pytest.mark.parametrize("left", [True, False])
async def test_a_forgotten_mentors_departed_mentee_gets_no_request_back(
    bot: MentorBot, who: Callable[..., Caller], left: bool
) -> None:
    request_id = await mentored(bot, who)
    if left:
        await bot.member_left(COMMUNITY, "U-baraka")
    await bot.forget(who("amina"), confirm=True)
    request = await bot.store.get_request(request_id)
    assert request is not None
    if left:
        assert request.status is RequestStatus.MATCHED, "a departed member's request stays as it was"
        assert await bot.store.list_requests(COMMUNITY, [RequestStatus.WAITING, RequestStatus.OFFERED]) == []
    else:
        assert request.status is RequestStatus.WAITING, "a mentee still here waits again for another mentor"
