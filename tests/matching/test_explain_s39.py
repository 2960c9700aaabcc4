"""Session 39: an offer's "why you" line tells the time difference truly (docs/matching.md, "The explanation says
every part"), found by the ranking hunt.

Before: a mentor in UTC-11 and a mentee in UTC+13 (24 hours of offset apart, the same hours of the day on different
dates) were told "same time zone"; Kathmandu (UTC+5:45) and Kolkata (UTC+5:30), 15 minutes apart, "0.2 h apart"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import Translator, translator
from mentorbot.library import Library
from mentorbot.matching import Explanation, render_explanation
from mentorbot.matching.explain import with_offsets
from mentorbot.storage.store import Store
from tests.usecases.conftest import COMMUNITY, make_settings, to

Who = Callable[..., Caller]
EN = translator("en")
SW = translator("sw")
AT = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
PLAIN = Explanation(
    shared=(("seo", "expert"),), hours_apart=0.0, places_taken=0, capacity=3, same_language=True, past_pairs=0
)


def line(explanation: Explanation, t: Translator) -> str:
    return render_explanation(explanation, t, lambda slug: slug)


@pytest.mark.parametrize("t", [EN, SW], ids=["en", "sw"])
def test_offsets_a_day_apart_are_the_same_hours_of_the_day_not_the_same_zone(t: Translator) -> None:
    dateline = with_offsets(PLAIN, "UTC-11", "UTC+13", AT)
    assert dateline.same_offset is False
    assert t("match.same_time") not in line(dateline, t)
    assert t("match.same_hours_dateline") in line(dateline, t)
    same = with_offsets(PLAIN, "UTC+03:00", "Africa/Nairobi", AT)
    assert same.same_offset is True
    assert t("match.same_time") in line(same, t)
    assert t("match.same_hours") not in line(same, t) and t("match.same_hours_dateline") not in line(same, t)


def test_whether_offsets_agree_is_stored_and_read_back() -> None:
    for same in (True, False):
        stored = replace(PLAIN, same_offset=same)
        assert Explanation.from_json(stored.to_json()) == stored
    # An explanation stored before (or without zones: a time zone is missing) reads as it was written.
    assert Explanation.from_json(PLAIN.to_json()) == PLAIN
    assert "offset" not in PLAIN.to_json()
    assert with_offsets(replace(PLAIN, hours_apart=None), "UTC+3", None, AT).same_offset is None


def test_an_explanation_that_does_not_know_whether_the_offsets_agree_says_only_what_is_sure() -> None:
    """0 h apart without the offsets (stored before session 39): the same hours of the day, true either way."""
    assert PLAIN.same_offset is None
    told = line(PLAIN, EN).split("; ")
    assert EN("match.same_hours") in told
    assert EN("match.same_time") not in told and EN("match.same_hours_dateline") not in told


@pytest.mark.parametrize(
    ("hours", "en", "sw"),
    [
        (0.25, "15 min apart", "tofauti ya dakika 15"),
        (0.5, "30 min apart", "tofauti ya dakika 30"),
        (0.75, "45 min apart", "tofauti ya dakika 45"),
        (1.0, "1 h apart", "tofauti ya saa 1"),
        (2.75, "2 h 45 min apart", "tofauti ya saa 2 na dakika 45"),
        (5.5, "5 h 30 min apart", "tofauti ya saa 5 na dakika 30"),
        (12.0, "12 h apart", "tofauti ya saa 12"),
    ],
)
def test_a_gap_under_an_hour_is_told_in_minutes(hours: float, en: str, sw: str) -> None:
    explanation = replace(PLAIN, hours_apart=hours)
    assert en in line(explanation, EN).split("; ")
    assert sw in line(explanation, SW).split("; ")
    assert " 0." not in line(explanation, EN)


# --------------------------------------------------------------------------- through live matching


@pytest.fixture
def library() -> Library:
    settings = make_settings()
    return Library(settings.skills_file, settings.courses_file)


@pytest.fixture
def who() -> Who:
    def make(name: str, **kwargs: object) -> Caller:
        return Caller(COMMUNITY, f"U-{name}", name.capitalize(), **kwargs)  # type: ignore[arg-type]

    return make


@pytest.fixture
def bot(store: Store, library: Library, clock: ManualClock) -> MentorBot:
    return MentorBot(store, library, make_settings(), clock, worker_id="test-worker")


@pytest.mark.parametrize(
    ("mentor_zone", "mentee_zone", "told", "not_told"),
    [
        ("UTC-11", "UTC+13", "same hours of the day, a day apart", "same time zone"),
        ("UTC+3", "Africa/Nairobi", "same time zone", "same hours of the day"),
        ("Asia/Kolkata", "Asia/Kathmandu", "15 min apart", "0.2 h apart"),
    ],
)
async def test_the_offer_tells_its_mentor_the_time_difference_truly(
    bot: MentorBot, who: Who, mentor_zone: str, mentee_zone: str, told: str, not_told: str
) -> None:
    await bot.signup(who("m1"), skills="seo", capacity="3", timezone=mentor_zone)
    await bot.set_timezone(who("amina"), timezone=mentee_zone)
    out = await bot.request(who("amina"), skills="seo")
    [offer] = to(out, "m1")
    assert told in offer.reply.plain_text and not_told not in offer.reply.plain_text, offer.reply.plain_text
    status = (await bot.status(who("amina"))).reply
    text = "\n".join([status.plain_text, *(str(e) for listing in status.listings for e in listing.entries)])
    assert told in text and not_told not in text, text


@pytest.mark.parametrize(
    ("mentor_zone", "mentee_zone", "told", "not_told"),
    [
        ("UTC+3", "Africa/Nairobi", "same time zone", "same hours of the day"),
        ("UTC-11", "UTC+13", "same hours of the day, a day apart", "same time zone"),
    ],
)
async def test_a_rounds_offer_tells_the_time_difference_as_a_live_one(
    store: Store,
    library: Library,
    clock: ManualClock,
    who: Who,
    mentor_zone: str,
    mentee_zone: str,
    told: str,
    not_told: str,
) -> None:
    """A round's offers did not record whether the zones have the same offset: two members in Nairobi read "same
    hours of the day" (true, less than a live offer says)."""
    bot = MentorBot(store, library, make_settings(matching="rounds", round_schedule="mon 10:00"), clock, worker_id="w")
    await bot.signup(who("m1"), skills="seo", capacity="3", timezone=mentor_zone)
    await bot.set_timezone(who("amina"), timezone=mentee_zone)
    await bot.request(who("amina"), skills="seo")
    out = await bot.admin_round(who("admin", is_admin=True))
    [offer] = to(out, "m1")
    assert told in offer.reply.plain_text and not_told not in offer.reply.plain_text, offer.reply.plain_text
