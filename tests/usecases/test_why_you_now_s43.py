"""Session 43: the "why you" line of a pending offer tells what is true when it is shown (the why-you hunt), on both
engines (docs/matching.md, "The explanation says every part").

The explanation is stored with the offer when it is made (`matching.explain.Explanation`) and was rendered
unchanged for as long as the offer was pending: in the mentee's `/mentor status`, and in the mentor's offer message
written again for a new zone or language (`offer_messages.rewrite_unsent_offers`). Before, it said what was no
longer true: "time difference unknown (a time zone is missing)" after the mentee gave her zone (and in a mentor's
rewritten offer that named his new zone two lines lower), "3 h apart" across a DST change, "same time zone" after
one of them moved, "doesn't list your language" after the mentee switched language or the mentor added hers, a
level or a skill the mentor no longer has, and after a skills merge "Audio shows (expert) and Audio shows
(learning)". Now the time difference, the language and the shared skills (at the mentor's current levels) are
worked out from the current rows when the line is shown; the places stay as they were when the mentor was chosen.
Offsets 23 or 25 h apart (Kiritimati UTC+14 and Pago Pago UTC-11) were "1 h apart" with nothing about the date.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import Translator, translator
from mentorbot.library import Library
from mentorbot.matching import Explanation, explain, render_explanation
from mentorbot.matching.explain import with_offsets
from mentorbot.models import Level, Member, MentorProfile, MentorStatus
from mentorbot.replies import Outcome, Reply
from mentorbot.skills import Taxonomy
from mentorbot.storage.store import Store
from mentorbot.timezones import hours_apart
from mentorbot.usecases import views
from tests.storage.test_suggestion_skills_follow_reload import (  # noqa: F401  (skills_file: a fixture)
    ADMIN,
    edit,
    member,
    merge_podcasting,
    skills_file,
)
from tests.usecases.conftest import COMMUNITY, make_settings, to

Who = Callable[..., Caller]
EN = translator("en")
SW = translator("sw")
AT = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
PLAIN = Explanation(
    shared=(("seo", "expert"),), hours_apart=1.0, places_taken=0, capacity=3, same_language=True, past_pairs=0
)


def offer_why(outcome: Outcome, name: str, t: Translator = EN) -> str:
    """The "why you" field of the offer message to member `name`."""
    [note] = [n for n in to(outcome, name) if any(b.action == "offer.accept" for b in n.reply.buttons)]
    return why_field(note.reply, t)


def why_field(reply: Reply, t: Translator) -> str:
    [why] = [f.value for f in reply.fields if f.name == t("offer.why")]
    return why


async def request_lines(bot: MentorBot, caller: Caller) -> str:
    """The open-request lines of `caller`'s `/mentor status`."""
    reply = (await bot.status(caller)).reply
    return "\n".join(str(entry) for entry in reply.listings[0].entries)


def parts(line: str) -> list[str]:
    """The parts of a status line's explanation (inside its last parentheses)."""
    return line[line.index("(shares") + 1 if "(shares" in line else line.index("(mnashiriki") + 1 : -1].split("; ")


# ------------------------------------------------------------------------------------------ the time difference


async def test_the_mentees_status_tells_the_hours_once_she_gives_her_zone(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("m1"), skills="seo", capacity="3", timezone="Europe/London")
    asked = await bot.request(who("amina"), skills="seo")  # no zone yet (Discord, the console)
    assert EN("match.zone_unknown") in offer_why(asked, "m1")
    await bot.set_timezone(who("amina"), timezone="Africa/Nairobi")
    line = await request_lines(bot, who("amina"))
    assert "(Africa/Nairobi)" in line
    assert EN("match.zone_unknown") not in line and "3 h apart" in parts(line), line


async def test_the_mentees_status_follows_her_move_to_another_zone(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("m1"), skills="seo", capacity="3", timezone="Africa/Nairobi")
    await bot.set_timezone(who("amina"), timezone="Africa/Nairobi")
    assert EN("match.same_time") in offer_why(await bot.request(who("amina"), skills="seo"), "m1")
    await bot.set_timezone(who("amina"), timezone="America/New_York")
    line = await request_lines(bot, who("amina"))
    assert EN("match.same_time") not in line and "8 h apart" in parts(line), line


async def test_a_dst_change_while_pending_is_told(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    clock.current = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)  # London on GMT, Nairobi UTC+3
    await bot.signup(who("m1"), skills="seo", capacity="3", timezone="Europe/London")
    await bot.set_timezone(who("amina"), timezone="Africa/Nairobi")
    assert "3 h apart" in offer_why(await bot.request(who("amina"), skills="seo"), "m1")
    clock.advance(timedelta(hours=40))  # London on BST, the 48 h offer still pending
    assert hours_apart("Europe/London", "Africa/Nairobi", clock.now()) == 2.0
    line = await request_lines(bot, who("amina"))
    assert "2 h apart" in parts(line) and "3 h apart" not in line, line


async def test_the_same_zone_is_no_longer_told_after_the_offsets_diverge(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    clock.current = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    await bot.signup(who("m1"), skills="seo", capacity="3", timezone="Europe/London")
    await bot.set_timezone(who("amina"), timezone="UTC")  # UTC given: a zone (UTC+00:00)
    assert EN("match.same_time") in offer_why(await bot.request(who("amina"), skills="seo"), "m1")
    clock.advance(timedelta(hours=18))  # London on BST
    line = await request_lines(bot, who("amina"))
    assert EN("match.same_time") not in line and "1 h apart" in parts(line), line


async def test_a_mentors_held_offer_written_again_for_his_new_zone_tells_the_hours(bot: MentorBot, who: Who) -> None:
    await bot.delivered((await bot.signup(who("baraka"), skills="seo", capacity="3")).notifications)  # no zone
    await bot.set_timezone(who("amina"), timezone="Africa/Nairobi")
    asked = await bot.request(who("amina"), skills="seo")
    assert EN("match.zone_unknown") in offer_why(asked, "baraka")
    for note in to(asked, "baraka"):
        await bot.hold_undelivered(note)  # his DMs closed: shown with his next command
    await bot.delivered(asked.notifications)
    shown = await bot.set_timezone(who("baraka"), timezone="Africa/Nairobi")
    [offer] = [h for h in shown.held if any(b.action == "offer.accept" for b in h.buttons)]
    assert "(Africa/Nairobi)" in offer.plain_text
    why = why_field(offer, EN)
    assert EN("match.zone_unknown") not in why and EN("match.same_time") in why.split("; "), why


async def test_a_mentors_offer_written_again_in_swahili_tells_the_hours_in_swahili(bot: MentorBot, who: Who) -> None:
    await bot.delivered((await bot.signup(who("baraka"), skills="seo", capacity="3")).notifications)
    await bot.set_language(who("baraka"), language="sw")
    await bot.set_timezone(who("amina"), timezone="Europe/London")
    asked = await bot.request(who("amina"), skills="seo")
    assert SW("match.zone_unknown") in offer_why(asked, "baraka", SW)
    for note in to(asked, "baraka"):
        await bot.hold_undelivered(note)
    await bot.delivered(asked.notifications)
    shown = await bot.set_timezone(who("baraka"), timezone="Africa/Nairobi")
    [offer] = [h for h in shown.held if any(b.action == "offer.accept" for b in h.buttons)]
    why = why_field(offer, SW)
    assert SW("match.hours_apart", hours="3") in why.split("; ") and SW("match.zone_unknown") not in why, why


# ------------------------------------------------------------------------------------------ the language


async def test_the_mentees_status_follows_her_change_of_language(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("m1"), skills="seo", capacity="3", timezone="Africa/Nairobi", languages="sw")
    asked = await bot.request(who("amina"), skills="seo")  # she reads English, the community's default
    assert EN("match.language_not_listed") in offer_why(asked, "m1")
    await bot.set_language(who("amina"), language="sw")
    line = await request_lines(bot, who("amina"))
    assert SW("match.language_not_theirs") not in line and SW("match.speaks_language") in parts(line), line


async def test_the_mentees_status_follows_the_mentor_adding_her_language(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("m1"), skills="seo", capacity="3", languages="sw")
    assert EN("match.language_not_listed") in offer_why(await bot.request(who("amina"), skills="seo"), "m1")
    await bot.signup(who("m1"), skills="seo", languages="sw, en")
    line = await request_lines(bot, who("amina"))
    assert EN("match.language_not_theirs") not in line and EN("match.speaks_language") in parts(line), line


# ------------------------------------------------------------------------------------------ the shared skills


async def test_a_lowered_level_is_told_at_its_new_level(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("m1"), skills="seo", levels="expert", capacity="3")
    assert "SEO (expert)" in offer_why(await bot.request(who("amina"), skills="seo"), "m1")
    await bot.signup(who("m1"), skills="seo", levels="learning")
    line = await request_lines(bot, who("amina"))
    assert "SEO (expert)" not in line and parts(line)[0] == "shares SEO (learning)", line


async def test_a_dropped_skill_is_no_longer_told_shared(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("m1"), skills="seo, copywriting", levels="expert, expert", capacity="3")
    asked = await bot.request(who("amina"), skills="seo, copywriting")
    assert "Copywriting (expert)" in offer_why(asked, "m1")
    await bot.signup(who("m1"), skills="seo")
    line = await request_lines(bot, who("amina"))
    assert "Copywriting" not in parts(line)[0] and parts(line)[0] == "shares SEO (expert)", line


@pytest.fixture
def reload_bot(store: Store, clock: ManualClock, skills_file: Path) -> MentorBot:  # noqa: F811
    """A bot whose skills file the test edits and reloads (podcasting and audio-shows added)."""
    courses = skills_file.with_name("courses.toml")
    settings = make_settings(skills_file=skills_file, courses_file=courses)
    return MentorBot(store, Library(skills_file, courses), settings, clock)


async def test_a_merged_skill_is_told_once_at_the_level_the_mentor_keeps(
    reload_bot: MentorBot,
    skills_file: Path,  # noqa: F811
) -> None:
    bot = reload_bot
    await bot.signup(member("baraka"), skills="podcasting, audio-shows", levels="expert, learning", capacity="3")
    asked = await bot.request(member("amina"), skills="podcasting, audio-shows")
    assert "Podcasting (expert) and Audio shows (learning)" in offer_why(asked, "baraka")
    edit(skills_file, merge_podcasting)
    await bot.admin_reload(ADMIN)
    baraka = await bot.store.find_member(COMMUNITY, "U-baraka")
    assert baraka is not None
    profile = await bot.store.get_mentor_profile(baraka.id)
    assert profile is not None and dict(profile.skills) == {"audio-shows": Level.EXPERT}
    line = await request_lines(bot, member("amina"))
    assert parts(line)[0] == "shares Audio shows (expert)", line


# ------------------------------------------------------------------------------------------ the date line


async def test_offsets_25_h_apart_are_told_across_the_date_line(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("m1"), skills="seo", capacity="3", timezone="Pacific/Kiritimati")  # UTC+14
    await bot.set_timezone(who("amina"), timezone="Pacific/Pago_Pago")  # UTC-11
    why = offer_why(await bot.request(who("amina"), skills="seo"), "m1")
    assert EN("match.hours_apart_dateline", hours="1") in why.split("; "), why
    assert EN("match.hours_apart_dateline", hours="1") == "1 h apart across the date line"
    await bot.set_language(who("amina"), language="sw")
    line = await request_lines(bot, who("amina"))
    assert SW("match.hours_apart_dateline", hours="1") in parts(line), line


@pytest.mark.parametrize("t", [EN, SW], ids=["en", "sw"])
@pytest.mark.parametrize(
    ("mentor", "mentee", "told"),
    [
        ("UTC+12:00", "UTC-11:00", ("match.hours_apart_dateline", {"hours": "1"})),  # 23 h
        ("UTC+14:00", "UTC-11:00", ("match.hours_apart_dateline", {"hours": "1"})),  # 25 h
        ("UTC+13:45", "UTC-10:00", ("match.minutes_apart_dateline", {"minutes": "15"})),  # 23 h 45 min
        ("UTC+14:00", "UTC+01:00", ("match.hours_apart_dateline", {"hours": "11"})),  # 13 h, the short way 11 h
        ("UTC+12:00", "UTC+00:00", ("match.hours_apart", {"hours": "12"})),  # 12 h: either way
        ("UTC+05:45", "UTC-05:00", ("match.hours_minutes_apart", {"hours": "10", "minutes": "45"})),
        ("UTC-11:00", "UTC+13:00", ("match.same_hours_dateline", {})),  # 24 h, as before
    ],
)
def test_the_short_way_round_across_the_date_line_is_said(
    t: Translator, mentor: str, mentee: str, told: tuple[str, dict[str, str]]
) -> None:
    explanation = with_offsets(replace(PLAIN, hours_apart=hours_apart(mentor, mentee, AT)), mentor, mentee, AT)
    key, args = told
    assert t(key, **args) in render_explanation(explanation, t, lambda slug: slug).split("; ")
    assert Explanation.from_json(explanation.to_json()) == explanation


# ------------------------------------------------------------------------------------------ stored rows, the cost


def test_explanations_stored_before_read_as_they_were_and_without_current_rows(taxonomy: Taxonomy) -> None:
    old = json.dumps({"shared": [["seo", "expert"]], "hours": 1.0, "taken": 1, "capacity": 3, "lang": True, "past": 0})
    told = views.explanation_line(old, EN, taxonomy)
    assert told.split("; ")[:3] == ["shares SEO (expert)", "1 h apart", EN("match.speaks_language")]
    assert Explanation.from_json(old) == replace(PLAIN, places_taken=1)
    assert "dateline" not in PLAIN.to_json()
    # A mentor or a mentee no longer there (forgotten): the parts as stored.
    for present in (
        explain.Present(AT, None, None, "en"),
        explain.Present(AT, None, _member("sw", "Africa/Nairobi"), "sw"),
    ):
        assert views.explanation_line(old, EN, taxonomy, present=present) == told
    gone = explain.Present(AT, _profile({"seo": Level.LEARNING}, "Europe/London", ("en",)), None, "en")
    assert views.explanation_line(old, EN, taxonomy, present=gone).split("; ")[:3] == [
        "shares SEO (learning)",
        "1 h apart",
        EN("match.speaks_language"),
    ]


def test_as_shown_works_the_parts_out_again_and_keeps_the_places() -> None:
    stored = Explanation((("seo", "expert"), ("copywriting", "expert")), None, 2, 3, False, 1, places_held=1)
    present = explain.Present(
        AT, _profile({"seo": Level.PRACTITIONER}, "Europe/London", ("sw", "en")), _member("en", "Africa/Nairobi"), "en"
    )
    shown = explain.as_shown(stored, present, lambda slug: slug)
    assert shown == replace(
        stored,
        shared=(("seo", "practitioner"),),
        hours_apart=3.0,
        same_offset=False,
        dateline=False,
        same_language=True,
    )
    # A mentor who gave no zone (a profile's UTC) is unknown, as the matcher reads it.
    no_zone = replace(present, mentor=_profile({"seo": Level.EXPERT}, "UTC", ("en",)))
    assert explain.as_shown(stored, no_zone, lambda slug: slug).hours_apart is None


async def test_the_status_reads_each_mentors_profile_once(bot: MentorBot, who: Who, store: Store) -> None:
    await bot.signup(who("m1"), skills="seo, copywriting", capacity="3", timezone="Europe/London")
    await bot.set_timezone(who("amina"), timezone="Africa/Nairobi")
    await bot.request(who("amina"), skills="seo")
    await bot.request(who("amina"), skills="copywriting")
    reads: list[int] = []
    original = store.get_mentor_profile

    async def counted(member_id: int) -> MentorProfile | None:
        reads.append(member_id)
        return await original(member_id)

    store.get_mentor_profile = counted  # type: ignore[method-assign]
    lines = (await request_lines(bot, who("amina"))).splitlines()
    assert len(lines) == 2 and all("3 h apart" in parts(line) for line in lines), lines
    m1 = await store.find_member(COMMUNITY, "U-m1")
    assert m1 is not None and reads.count(m1.id) == 1, reads


def _profile(skills: dict[str, Level], zone: str, languages: tuple[str, ...]) -> MentorProfile:
    return MentorProfile(
        member_id=9,
        skills=skills,
        capacity=3,
        bio="",
        timezone=zone,
        languages=languages,
        status=MentorStatus.ACTIVE,
        paused_until=None,
        pause_reason=None,
        active_count=0,
        pending_offers=1,
        expired_streak=0,
        last_offered_at=None,
        created_at=AT,
        updated_at=AT,
    )


def _member(language: str, zone: str | None) -> Member:
    return Member(8, COMMUNITY, "U-x", "X", language, AT, timezone=zone)
