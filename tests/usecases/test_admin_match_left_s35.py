"""Session 35: an admin's match of a mentor who left the community, and an admin command that names no mentor.

- `/mentor-admin match <request> <mentor>` of a mentor paused as one who left (`departures.LEFT`) told the admin
  only "… is paused", which `force:yes` overrides: the mentee was then introduced to someone who is gone. Now it is
  refused with its own message saying they left, `force:yes` or not, and nothing changes.
- An admin command with an empty mentor was told "Say which mentor, by its number: `/mentor status` shows yours."
  (a member's own numbered items); now it is told how to name a mentor."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.i18n import translator
from mentorbot.models import MentorStatus, RequestStatus
from mentorbot.storage.store import AcceptResult
from mentorbot.usecases.departures import LEFT
from tests.usecases.conftest import COMMUNITY, to

Who = Callable[..., Caller]
EN = translator("en")
SW = translator("sw")


async def _nothing_changed(bot: MentorBot, request_id: int) -> None:
    assert not await bot.store.list_mentorships(community=COMMUNITY), "no mentorship made"
    request = await bot.store.get_request(request_id)
    assert request is not None and request.status is RequestStatus.WAITING, "the request still waits"
    profile = await bot.mentor_profile(COMMUNITY, "U-baraka")
    assert profile is not None and profile.status is MentorStatus.PAUSED and profile.pause_reason == LEFT


@pytest.mark.parametrize("force", [False, True])
async def test_a_mentor_who_left_is_refused_whether_forced_or_not(bot: MentorBot, who: Who, force: bool) -> None:
    await bot.signup(who("baraka"), skills="seo", capacity=2)
    await bot.member_left(COMMUNITY, "U-baraka")
    await bot.request(who("amina"), skills="seo")
    refused = await bot.admin_match(who("admin"), request_id=1, mentor="baraka", force=force)
    assert refused.error is not None and refused.error.key == "admin.match_left"
    assert refused.reply.text == EN("admin.match_left", name="Baraka")
    assert "left the community" in refused.reply.text and "force:yes" in refused.reply.text
    assert not refused.notifications, "nobody is told anything"
    assert not to(refused, "amina") and not to(refused, "baraka")
    await _nothing_changed(bot, 1)


async def test_a_full_mentor_who_left_is_told_as_left_not_as_full(bot: MentorBot, who: Who) -> None:
    """Leaving is what stands in the way: "no free place, end one of their mentorships" would send the admin the
    wrong way."""
    await bot.signup(who("baraka"), skills="seo", capacity=1)
    await bot.request(who("chao"), skills="seo")
    await bot.accept(who("baraka"), offer_id=1)
    await bot.member_left(COMMUNITY, "U-baraka")
    await bot.request(who("amina"), skills="seo")
    refused = await bot.admin_match(who("admin"), request_id=2, mentor="baraka", force=True)
    assert refused.error is not None and refused.error.key == "admin.match_left"
    assert len(await bot.store.list_mentorships(community=COMMUNITY)) == 1


@pytest.mark.parametrize("force", [False, True])
async def test_a_mentor_who_leaves_during_the_match_is_refused_as_left(
    bot: MentorBot, who: Who, force: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The mentor leaves between the use-case's checks and the store's match: the store refuses (paused, not
    forced), and the checks run again say they left, `force:yes` or not."""
    await bot.signup(who("baraka"), skills="seo", capacity=2)
    await bot.request(who("amina"), skills="seo")  # offered to Baraka: the match takes that offer's place
    baraka = await bot.store.find_member(COMMUNITY, "U-baraka")
    assert baraka is not None
    original = bot.store.manual_match
    calls: list[int] = []

    async def leaving_meanwhile(request_id: int, mentor_id: int, now: datetime, **kwargs: Any) -> AcceptResult | None:
        if not calls:
            await bot.store.set_mentor_status(mentor_id, MentorStatus.PAUSED, now, reason=LEFT, unless_same=True)
            await bot.store.withdraw_for_pause(mentor_id, now)
        calls.append(request_id)
        return await original(request_id, mentor_id, now, **kwargs)

    monkeypatch.setattr(bot.store, "manual_match", leaving_meanwhile)
    refused = await bot.admin_match(who("admin"), request_id=1, mentor="baraka", force=force)
    assert refused.error is not None and refused.error.key == "admin.match_left", refused.reply.text
    assert calls == [1], "the store is not asked again"
    assert not await bot.store.list_mentorships(community=COMMUNITY)


async def test_a_paused_mentor_is_still_matched_with_force(bot: MentorBot, who: Who) -> None:
    """An ordinary pause (their own, an admin's) stays what `force:yes` overrides."""
    await bot.signup(who("baraka"), skills="seo", capacity=2)
    await bot.admin_pause(who("admin"), mentor="baraka")
    await bot.request(who("amina"), skills="seo")
    refused = await bot.admin_match(who("admin"), request_id=1, mentor="baraka")
    assert refused.error is not None and refused.error.key == "admin.refused"
    forced = await bot.admin_match(who("admin"), request_id=1, mentor="baraka", force=True)
    assert forced.error is None and "overriding: mentor paused" in forced.reply.text
    assert to(forced, "amina") and to(forced, "baraka")


async def test_the_left_refusal_reads_in_swahili(bot: MentorBot, who: Who) -> None:
    text = SW("admin.match_left", name="Baraka")
    assert "Baraka" in text and "force:yes" in text and text != EN("admin.match_left", name="Baraka")


@pytest.mark.parametrize("mentor", ["  ", "@", "<@>", ""])
async def test_an_admin_command_naming_no_mentor_is_told_how_to_name_one(bot: MentorBot, who: Who, mentor: str) -> None:
    await bot.signup(who("baraka"), skills="seo", capacity=2)
    await bot.request(who("amina"), skills="seo")
    for outcome in (
        await bot.admin_pause(who("admin"), mentor=mentor),
        await bot.admin_match(who("admin"), request_id=1, mentor=mentor),
    ):
        assert outcome.error is not None and outcome.error.key == "admin.missing_mentor"
        assert outcome.reply.text == EN("admin.missing_mentor")
        assert "by its number" not in outcome.reply.text and "/mentor status" not in outcome.reply.text
    profile = await bot.mentor_profile(COMMUNITY, "U-baraka")
    assert profile is not None and profile.status is MentorStatus.ACTIVE
    assert SW("admin.missing_mentor") != EN("admin.missing_mentor")


async def test_a_departed_mentor_who_came_back_is_an_ordinary_paused_mentor(bot: MentorBot, who: Who) -> None:
    """Back in the community (any command of theirs), a mentor paused as one who left stays paused until they
    resume, an ordinary pause since session 36: an admin's match is refused as for any paused mentor (not as one who
    left), and after `/mentor resume` the match goes ahead."""
    await bot.signup(who("baraka"), skills="seo", capacity=2)
    await bot.member_left(COMMUNITY, "U-baraka")
    await bot.request(who("amina"), skills="seo")
    await bot.status(who("baraka"))
    refused = await bot.admin_match(who("admin"), request_id=1, mentor="baraka")
    assert refused.error is not None and refused.error.key != "admin.match_left", refused.reply.text
    assert "paused" in refused.reply.text
    resumed = await bot.resume(who("baraka"))
    assert resumed.error is None, resumed.reply.text
    matched = await bot.admin_match(who("admin"), request_id=1, mentor="baraka")
    assert matched.error is None, matched.reply.text
    assert to(matched, "amina") and to(matched, "baraka")


async def test_the_store_refuses_a_forced_match_of_a_mentor_who_left(bot: MentorBot, who: Who) -> None:
    """The store's own compare-and-set: a pause forced is any pause but a departure, so a mentor who leaves between
    the admin's checks and the match is not matched (the use-case's check raced)."""
    await bot.signup(who("baraka"), skills="seo", capacity=2)
    await bot.signup(who("chao"), skills="seo", capacity=2)
    await bot.pause(who("chao"))
    assert (await bot.request(who("amina"), skills="seo")).error is None
    assert (await bot.request(who("zawadi"), skills="seo")).error is None
    await bot.pause(who("baraka"))
    await bot.member_left(COMMUNITY, "U-baraka")
    baraka = await bot.store.find_member(COMMUNITY, "U-baraka")
    chao = await bot.store.find_member(COMMUNITY, "U-chao")
    assert baraka is not None and chao is not None
    now = bot.clock.now()
    waiting = await bot.store.list_requests(COMMUNITY, [RequestStatus.WAITING])
    assert len(waiting) == 2
    assert await bot.store.manual_match(waiting[0].id, baraka.id, now, forced=("paused",)) is None
    matched = await bot.store.manual_match(waiting[1].id, chao.id, now, forced=("paused",))
    assert matched is not None, "an ordinary pause is still forced"
