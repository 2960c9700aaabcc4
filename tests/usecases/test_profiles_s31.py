"""Session 31 (docs walkthrough), on both engines:

- A mentor who gives UTC as their zone (``timezone:UTC``, ``/mentor timezone UTC``, or GMT, or ``UTC+0``) was
  shown "Time zone: not given" and matched as zone-unknown (no "same time zone" with a UTC mentee): UTC was also
  what a profile with no zone is stored with. That marker stays as it was (a profile stored before keeps its
  meaning), and a zone typed as UTC is now stored as ``UTC+00:00``, a zone like any other.
- A mentor signing up with 16 skills was told "a request can name at most 15": a profile's limit is told in its
  own words, in English and Swahili; a request's is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.i18n import translator
from mentorbot.inputs import MAX_MENTOR_SKILLS, MAX_REQUEST_SKILLS
from mentorbot.library import Library
from mentorbot.mentor_import import plan_import
from mentorbot.timezones import UTC_NAMES, ZONE_NOT_GIVEN, given_timezone, parse_timezone
from tests.usecases.conftest import COMMUNITY, to

Who = Callable[..., Caller]
EN = translator("en")
SW = translator("sw")

UTC_TYPED = ["UTC", "utc", "GMT", "Z", "UTC+0", "+00:00", "GMT-0", "Etc/UTC"]


def shown_zone(fields: object) -> str:
    shown = {field.name: field.value for field in fields}  # type: ignore[attr-defined]
    return str(shown[EN("status.timezone")])


# ------------------------------------------------------------------------------------------------ the rule


@pytest.mark.parametrize("typed", UTC_TYPED)
def test_a_zone_typed_as_utc_is_no_marker_of_none(typed: str) -> None:
    zone = given_timezone(typed)
    assert zone not in UTC_NAMES and zone != ZONE_NOT_GIVEN
    assert parse_timezone(zone) == zone, "what is stored reads back as itself"


def test_the_marker_of_no_zone_is_the_one_stored_before() -> None:
    assert ZONE_NOT_GIVEN == "UTC"
    assert sorted(UTC_NAMES) == [ZONE_NOT_GIVEN], "the marker alone: a zone typed in any other spelling is a zone"
    assert given_timezone("UTC") == "UTC+00:00"
    assert given_timezone("Africa/Nairobi") == "Africa/Nairobi" and given_timezone("UTC+3") == "UTC+03:00"


# --------------------------------------------------------------------------------------- signup and matching


@pytest.mark.parametrize("typed", ["UTC", "GMT", "UTC+0"])
async def test_a_mentor_who_types_utc_has_a_zone_and_is_matched_by_it(bot: MentorBot, who: Who, typed: str) -> None:
    signed = await bot.signup(who("baraka"), skills="seo", timezone=typed)
    assert signed.error is None
    assert shown_zone(signed.reply.fields) == "UTC+00:00"
    profile = await bot.mentor_profile(COMMUNITY, "U-baraka")
    assert profile is not None and profile.timezone == "UTC+00:00"
    await bot.set_timezone(who("amina"), timezone="UTC")
    offered = await bot.request(who("amina"), skills="seo")
    [offer] = to(offered, "baraka")
    assert EN("match.same_time") in offer.reply.plain_text


async def test_a_mentor_who_sets_utc_by_command_has_it_on_the_profile(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo")
    told = await bot.set_timezone(who("baraka"), timezone="UTC")
    assert told.reply.text == EN("timezone.set", zone="UTC+00:00")
    status = await bot.status(who("baraka"))
    assert EN("status.timezone_not_given") not in status.reply.plain_text
    assert "UTC+00:00" in status.reply.plain_text


async def test_utc_given_before_signing_up_is_the_new_profiles(bot: MentorBot, who: Who) -> None:
    await bot.set_timezone(who("baraka"), timezone="gmt")
    signed = await bot.signup(who("baraka"), skills="seo")
    assert shown_zone(signed.reply.fields) == "UTC+00:00"


async def test_a_mentor_who_gave_no_zone_is_still_unknown(bot: MentorBot, who: Who) -> None:
    signed = await bot.signup(who("baraka"), skills="seo")
    assert shown_zone(signed.reply.fields) == EN("status.timezone_not_given")
    profile = await bot.mentor_profile(COMMUNITY, "U-baraka")
    assert profile is not None and profile.timezone == ZONE_NOT_GIVEN
    await bot.set_timezone(who("amina"), timezone="UTC")
    offered = await bot.request(who("amina"), skills="seo")
    [offer] = to(offered, "baraka")
    assert EN("match.same_time") not in offer.reply.plain_text


async def test_a_mentor_in_utc_ranks_above_one_of_no_zone_for_a_utc_mentee(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("nozone"), skills="seo")
    await bot.signup(who("london"), skills="seo", timezone="UTC")
    await bot.set_timezone(who("amina"), timezone="UTC")
    offered = await bot.request(who("amina"), skills="seo")
    assert to(offered, "london") and not to(offered, "nozone")


# ------------------------------------------------------------------------------------------------- the import


def test_an_import_row_of_utc_has_a_zone_and_one_of_none_has_none(bot: MentorBot) -> None:
    plan = plan_import("user_id,skills,timezone\namina,seo,UTC\nbaraka,seo,\nchao,seo,GMT\n", bot, EN)
    assert not plan.errors
    zones = {user: profile.timezone for user, _, profile in plan.entries}
    assert zones == {"amina": "UTC+00:00", "baraka": ZONE_NOT_GIVEN, "chao": "UTC+00:00"}


# ------------------------------------------------------------------------------------------ too many skills


def skills(library: Library, count: int) -> str:
    slugs = [skill.slug for skill in library.taxonomy][:count]
    assert len(slugs) == count
    return ", ".join(slugs)


async def test_a_profile_of_too_many_skills_is_told_the_profiles_limit(
    bot: MentorBot, who: Who, library: Library
) -> None:
    count = MAX_MENTOR_SKILLS + 1
    refused = await bot.signup(who("baraka"), skills=skills(library, count))
    assert refused.error is not None
    assert refused.reply.text == EN("profile.too_many_skills", count=count, max=MAX_MENTOR_SKILLS)
    assert "request" not in refused.reply.text
    assert await bot.mentor_profile(COMMUNITY, "U-baraka") is None
    allowed = await bot.signup(who("baraka"), skills=skills(library, MAX_MENTOR_SKILLS))
    assert allowed.error is None


async def test_in_swahili_too(bot: MentorBot, who: Who, library: Library) -> None:
    await bot.set_language(who("baraka"), language="sw")
    count = MAX_MENTOR_SKILLS + 1
    refused = await bot.signup(who("baraka"), skills=skills(library, count))
    assert refused.reply.text == SW("profile.too_many_skills", count=count, max=MAX_MENTOR_SKILLS)
    assert SW("profile.too_many_skills", count=count, max=MAX_MENTOR_SKILLS) != EN(
        "profile.too_many_skills", count=count, max=MAX_MENTOR_SKILLS
    )
    assert "ombi" not in refused.reply.text


async def test_a_request_of_too_many_skills_is_told_the_requests_limit(
    bot: MentorBot, who: Who, library: Library
) -> None:
    count = MAX_REQUEST_SKILLS + 1
    refused = await bot.request(who("amina"), skills=skills(library, count))
    assert refused.reply.text == EN("input.too_many_skills", count=count, max=MAX_REQUEST_SKILLS)


def test_an_import_row_of_too_many_skills_is_told_the_profiles_limit(bot: MentorBot, library: Library) -> None:
    count = MAX_MENTOR_SKILLS + 1
    plan = plan_import(f'user_id,skills\namina,"{skills(library, count)}"\n', bot, EN)
    [error] = plan.errors
    assert EN("profile.too_many_skills", count=count, max=MAX_MENTOR_SKILLS) in error.message
