"""Session 45's mutation hunt (/tmp/hunt/mut45): the store's accept refuses a pair the MENTEE excluded
(docs/matching.md rule 5, `offers._NOT_EXCLUDED` both ways), and an admin's pause when the mentor changed between its
read and its write (`admin.pause`: a mentor paused as unreachable meanwhile keeps the reason; another admin's pause
with another end is no "already paused"). Both engines.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.models import MentorStatus, OfferStatus
from tests.usecases.conftest import COMMUNITY
from tests.usecases.test_excluded_by_mentee_expiry_s44 import _offer_of_a_pair_the_mentee_excluded
from tests.usecases.test_skill_decline_s42 import status


async def test_an_offer_the_mentee_excluded_is_not_accepted(bot: MentorBot, who: Who) -> None:
    offer = await _offer_of_a_pair_the_mentee_excluded(bot, who)
    await bot.accept(who("m"), offer_id=offer)
    assert await status(bot, offer) is not OfferStatus.ACCEPTED


EN = translator("en")
Who = Callable[..., Caller]


async def _id(bot: MentorBot, name: str) -> int:
    member = await bot.store.find_member(COMMUNITY, f"U-{name}")
    assert member is not None
    return member.id


def _meanwhile(bot: MentorBot, **first: Any) -> None:
    """Before the admin's pause writes, the mentor is paused otherwise (`first`), as by a concurrent process."""
    original = bot.store.set_mentor_status
    done: list[bool] = []

    async def racing(member_id: int, status: MentorStatus, now: Any, **kwargs: Any) -> bool:
        if kwargs.get("reason") == "admin" and not done:
            done.append(True)
            assert await original(member_id, MentorStatus.PAUSED, now, **first)
        return await original(member_id, status, now, **kwargs)

    bot.store.set_mentor_status = racing  # type: ignore[method-assign]


async def test_a_mentor_paused_as_unreachable_meanwhile_keeps_the_reason(bot: MentorBot, who: Who) -> None:
    """A4: read active, paused as unreachable (a refused offer DM) before the admin's write: the reason stays."""
    await bot.admin_stats(who("admin"))
    await bot.signup(who("baraka"), skills="seo", capacity=2)
    _meanwhile(bot, reason="unreachable", expect=MentorStatus.ACTIVE)
    paused = await bot.admin_pause(who("admin"), mentor="baraka", until="3d")
    profile = await bot.store.get_mentor_profile(await _id(bot, "baraka"))
    assert profile is not None and profile.pause_reason == "unreachable"
    assert paused.reply.text == EN("admin_pause.unreachable", name="Baraka")


async def test_another_admins_pause_meanwhile_with_another_end_is_not_already_paused(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """A3: read active, paused by another admin for 1d before this admin's 3d write: the 3d pause is made, not
    'already paused' (which would leave the 1d end the admin never asked for)."""
    await bot.admin_stats(who("admin"))
    await bot.signup(who("baraka"), skills="seo", capacity=2)
    other_end = clock.now().replace(second=0, microsecond=0) + timedelta(days=1)
    _meanwhile(bot, reason="admin", paused_until=other_end, expect=MentorStatus.ACTIVE)
    paused = await bot.admin_pause(who("admin"), mentor="baraka", until="3d")
    assert paused.reply.text != EN("admin.already_paused", name="Baraka")
    profile = await bot.store.get_mentor_profile(await _id(bot, "baraka"))
    assert profile is not None and profile.paused_until != other_end
