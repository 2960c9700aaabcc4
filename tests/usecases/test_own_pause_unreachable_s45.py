"""Session 45: a mentor paused as unreachable (the platform refuses his direct messages for good,
`usecases.unreachable`) who types `/mentor pause` keeps that reason. Both engines.

Before, his own pause replaced the reason `unreachable` with none (and `until:3d` scheduled a resume): his status no
longer told him to let MentorBot send him direct messages, and three days later he was made active, offered
requests whose direct messages the platform would refuse again. Now his pause changes nothing and says why he is
paused and what to do, as an admin's pause of him does (session 44); `/mentor resume` is still his way back.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.i18n import translator
from mentorbot.models import MentorStatus
from tests.usecases.conftest import COMMUNITY, to

Who = Callable[..., Caller]
EN = translator("en")


async def _unreachable_baraka(bot: MentorBot, who: Who) -> int:
    """Baraka, offered Amina's request, whose offer DM the platform refuses for good: paused as unreachable."""
    await bot.signup(who("baraka"), skills="seo", capacity=2)
    out = await bot.request(who("amina"), skills="seo")
    for note in to(out, "baraka"):
        await bot.hold_undelivered(note, refused=True)
    member = await bot.store.find_member(COMMUNITY, "U-baraka")
    assert member is not None
    profile = await bot.store.get_mentor_profile(member.id)
    assert profile is not None and profile.status is MentorStatus.PAUSED and profile.pause_reason == "unreachable"
    return member.id


@pytest.mark.parametrize("until", [None, "3d", "2030-01-01"])
async def test_his_own_pause_keeps_the_reason_and_says_what_to_do(bot: MentorBot, who: Who, until: str | None) -> None:
    member_id = await _unreachable_baraka(bot, who)

    paused = await bot.pause(who("baraka"), until=until)

    assert paused.error is None
    assert paused.reply.text == EN("pause.own_unreachable") + "\n" + EN("pause.unreachable_fix")
    profile = await bot.store.get_mentor_profile(member_id)
    assert profile is not None
    assert (profile.status, profile.pause_reason, profile.paused_until) == (MentorStatus.PAUSED, "unreachable", None)
    async with bot.store.read() as conn:
        jobs = await conn.fetch_all(
            "SELECT kind FROM jobs WHERE ref_id = ? AND kind = 'resume' AND status = 'pending'", member_id
        )
    assert jobs == [], "no resume scheduled: he is made active by `/mentor resume` only"


async def test_resume_is_still_his_way_back(bot: MentorBot, who: Who) -> None:
    member_id = await _unreachable_baraka(bot, who)
    await bot.pause(who("baraka"), until="3d")

    assert (await bot.resume(who("baraka"))).error is None

    profile = await bot.store.get_mentor_profile(member_id)
    assert profile is not None and profile.status is MentorStatus.ACTIVE and profile.pause_reason is None


async def test_a_mentor_paused_for_another_reason_pauses_as_ever(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo", capacity=2)
    await bot.pause(who("baraka"))
    again = await bot.pause(who("baraka"), until="3d")
    assert again.error is None
    member = await bot.store.find_member(COMMUNITY, "U-baraka")
    assert member is not None
    profile = await bot.store.get_mentor_profile(member.id)
    assert profile is not None and profile.paused_until is not None and profile.pause_reason is None


async def test_he_is_told_he_is_still_active_in_another_server(bot: MentorBot) -> None:
    """Session 45's review: Discord's "allow direct messages from this server's members" is per server, so Baraka
    is unreachable in B and active in A; his pause in B changes nothing and says so, and that A still sends him offers,
    as every pause's answer does."""
    a, b = "discord:1000000000000000001", "discord:2000000000000000002"
    for community in (a, b):
        assert (await bot.signup(Caller(community, "111", "Baraka"), skills="seo", capacity="2")).error is None
    out = await bot.request(Caller(b, "222", "Mentee"), skills="seo")
    for note in [n for n in out.notifications if n.platform_user_id == "111"]:
        await bot.hold_undelivered(note, refused=True)
    in_b = await bot.store.find_member(b, "111")
    assert in_b is not None
    profile = await bot.store.get_mentor_profile(in_b.id)
    assert profile is not None and profile.pause_reason == "unreachable"

    paused = await bot.pause(Caller(b, "111", "Baraka"))

    assert paused.reply.text == "\n".join(
        [
            EN("pause.own_unreachable"),
            EN("pause.unreachable_fix"),
            EN("elsewhere.pause_active", where=EN("elsewhere.where.server", count=1)),
        ]
    )
