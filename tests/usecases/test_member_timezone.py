"""`/mentor timezone`: a member whose platform reports no time zone (Discord, the console) gives theirs, so the
matcher's time-zone closeness works for them too (found by a spec review: a Discord mentee scored every mentor
alike on it), and times are shown to them in it."""

from __future__ import annotations

from collections.abc import Callable

from mentorbot.bot import Caller, MentorBot
from mentorbot.i18n import translator
from tests.usecases.conftest import COMMUNITY, to

Who = Callable[..., Caller]
EN = translator("en")


async def test_a_member_who_gives_their_zone_is_matched_with_a_mentor_near_it(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("lima"), skills="seo", timezone="America/Lima")
    await bot.signup(who("nairobi"), skills="seo", timezone="Africa/Nairobi")
    told = await bot.set_timezone(who("amina"), timezone="Africa/Kampala")
    assert told.error is None and told.reply.text == EN("timezone.set", zone="Africa/Kampala")
    amina = await bot.store.find_member(COMMUNITY, "U-amina")
    assert amina is not None and amina.timezone == "Africa/Kampala"
    offered = await bot.request(who("amina"), skills="seo")
    [offer] = to(offered, "nairobi")
    assert EN("match.same_time") in offer.reply.plain_text, "the closeness is seen"
    assert not to(offered, "lima")


async def test_a_mentor_who_gives_their_zone_has_it_on_the_profile_too(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo")
    await bot.set_timezone(who("baraka"), timezone="UTC+3")
    profile = await bot.mentor_profile(COMMUNITY, "U-baraka")
    assert profile is not None and profile.timezone == "UTC+03:00"


async def test_a_zone_the_platform_reports_is_kept_and_a_bad_one_refused(bot: MentorBot, who: Who) -> None:
    slack = await bot.set_timezone(who("chao", timezone="Europe/London"), timezone="Asia/Tokyo")
    assert slack.reply.text == EN("timezone.from_platform", zone="Europe/London")
    chao = await bot.store.find_member(COMMUNITY, "U-chao")
    assert chao is not None and chao.timezone == "Europe/London"
    bad = await bot.set_timezone(who("dina"), timezone="Mars/Olympus")
    assert bad.error is not None and "Mars/Olympus" in bad.reply.text


async def test_a_mentor_who_gave_no_zone_is_shown_none_given_not_utc(bot: MentorBot, who: Who) -> None:
    """Signup stores UTC when no zone is given and the matcher reads it as unknown: the profile says "not given"
    and how to set it, rather than a UTC the mentor never chose."""
    signed = await bot.signup(who("baraka"), skills="seo")
    shown = {field.name: field.value for field in signed.reply.fields}
    assert shown[EN("status.timezone")] == EN("status.timezone_not_given")
    await bot.set_timezone(who("baraka"), timezone="Africa/Nairobi")
    status = await bot.status(who("baraka"))
    assert "Africa/Nairobi" in status.reply.plain_text
    assert EN("status.timezone_not_given") not in status.reply.plain_text
