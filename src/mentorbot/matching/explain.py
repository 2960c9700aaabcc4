"""Why a mentor was chosen: the explanation stored with an offer, and its one line in a reader's language."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from mentorbot.formatting import places_text
from mentorbot.i18n import Translator
from mentorbot.models import Member, MentorProfile, Places
from mentorbot.timezones import UTC_NAMES, hours_apart, to_tzinfo

DATELINE_FROM = timedelta(hours=12)
"""Offsets further apart than this are nearer the other way round, across the date line: Kiritimati (UTC+14) and
Pago Pago (UTC-11), 25 h of offset apart, are 1 h apart across it (the same hour of the day plus one, a day apart)."""


@dataclass(frozen=True)
class Explanation:
    """Why a mentor was chosen, as data: rendered in each reader's language by `render_explanation`."""

    shared: tuple[tuple[str, str], ...]
    hours_apart: float | None
    places_taken: int
    capacity: int
    same_language: bool
    past_pairs: int
    places_held: int = 0
    """Places held by pending offers (`places_taken` counts mentorships only; explanations stored before
    this field counted both in `places_taken`)."""
    same_offset: bool | None = None
    """Whether the two zones had the same UTC offset when the mentor was chosen (`with_offsets`); None when not
    recorded (stored before session 39, a round's offers, or `hours_apart` unknown). `hours_apart` is the short way
    round, so 0 h apart is either the same zone or zones a day apart across the date line (UTC-11 and UTC+13: the same
    hours of the day on different dates); only equal offsets are "the same time zone"."""
    dateline: bool | None = None
    """Whether the short way round crosses the date line (offsets more than 12 h apart, `DATELINE_FROM`: Kiritimati
    and Pago Pago, 25 h of offset apart, are "1 h apart across the date line"); None when not recorded (stored before
    session 43, or `hours_apart` unknown): then no note, as before."""

    def to_json(self) -> str:
        """Compact JSON for storing with the offer."""
        return json.dumps(
            {
                "shared": [list(s) for s in self.shared],
                "hours": self.hours_apart,
                "taken": self.places_taken,
                "capacity": self.capacity,
                "lang": self.same_language,
                "past": self.past_pairs,
                "held": self.places_held,
            }
            | ({} if self.same_offset is None else {"offset": self.same_offset})
            | ({} if self.dateline is None else {"dateline": self.dateline}),
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> Explanation | None:
        """Read back a stored explanation (None for an empty or foreign one, e.g. a manual match)."""
        if not text:
            return None
        try:
            data: dict[str, Any] = json.loads(text)
            return cls(
                shared=tuple((str(s), str(lvl)) for s, lvl in data["shared"]),
                hours_apart=data["hours"],
                places_taken=int(data["taken"]),
                capacity=int(data["capacity"]),
                same_language=bool(data["lang"]),
                past_pairs=int(data["past"]),
                places_held=int(data.get("held") or 0),
                same_offset=None if data.get("offset") is None else bool(data["offset"]),
                dateline=None if data.get("dateline") is None else bool(data["dateline"]),
            )
        except (ValueError, KeyError, TypeError):
            return None


def with_offsets(explanation: Explanation, mentor_zone: str, mentee_zone: str | None, at: datetime) -> Explanation:
    """`explanation` with whether the mentor's and the mentee's zones have the same UTC offset at `at`
    (`Explanation.same_offset`) and whether the short way round between them crosses the date line
    (`Explanation.dateline`), when its hours apart are known (the score's `hours_apart` cannot tell the same zone
    from zones a day apart, nor 1 h apart from 23 or 25 h of offset apart)."""
    if explanation.hours_apart is None or not mentee_zone:
        return explanation
    same, dateline = _offsets(mentor_zone, mentee_zone, at)
    return replace(explanation, same_offset=same, dateline=dateline)


def _offsets(mentor_zone: str, mentee_zone: str, at: datetime) -> tuple[bool, bool]:
    """Whether two zones have the same UTC offset at `at`, and whether their offsets are more than
    `DATELINE_FROM` apart (the short way round crosses the date line)."""
    mentor = at.astimezone(to_tzinfo(mentor_zone)).utcoffset() or timedelta(0)
    mentee = at.astimezone(to_tzinfo(mentee_zone)).utcoffset() or timedelta(0)
    return mentor == mentee, abs(mentor - mentee) > DATELINE_FROM


@dataclass(frozen=True)
class Present:
    """The rows an explanation is worked out again from when it is shown (`as_shown`): the instant it is shown, the
    mentor's profile as it is now, and the mentee as the matching reads them (their member row's zone, and the
    language they are addressed in, `mentee_language`). None for a row no longer there (a member forgotten): the
    parts it decides are then told as stored."""

    at: datetime
    mentor: MentorProfile | None
    mentee: Member | None
    mentee_language: str


def as_shown(explanation: Explanation, present: Present, canonical: Callable[[str], str]) -> Explanation:
    """`explanation` as true at `present.at`: the hours apart (with `same_offset` and `dateline`) from the mentor's
    and the mentee's zones then, read as the matcher reads them (a profile's UTC: no zone given; a mentee with no
    zone: unknown); whether the mentor lists the mentee's language now; and the shared skills at the mentor's current
    levels, each stored slug as the taxonomy names it now (`canonical`: a skill a reload merged into another is
    that one, told once), those the mentor no longer has left out. The places and the past pairs stay as they were
    when the mentor was chosen (docs/matching.md). A part whose row is gone (`Present`) is told as stored."""
    mentor, mentee = present.mentor, present.mentee
    shared: dict[str, str] = {}
    for slug, level in explanation.shared:
        now = canonical(slug)
        if now in shared:
            continue
        if mentor is None:
            shared[now] = level
        elif (held := mentor.skills.get(now) or mentor.skills.get(slug)) is not None:
            shared[now] = held.value
    shown = replace(explanation, shared=tuple(shared.items()))
    if mentor is None or mentee is None:
        return shown
    shown = replace(shown, same_language=present.mentee_language in mentor.languages)
    if not mentee.timezone or mentor.timezone in UTC_NAMES:  # as `score_candidate` reads them
        return replace(shown, hours_apart=None, same_offset=None, dateline=None)
    apart = hours_apart(mentor.timezone, mentee.timezone, present.at)
    return with_offsets(replace(shown, hours_apart=apart), mentor.timezone, mentee.timezone, present.at)


def render_explanation(explanation: Explanation, t: Translator, skill_label: Any, *, for_mentee: bool = False) -> str:
    """One line: shared skills with levels, hours apart, language, places taken (in the reader's language).

    Every part is said, matching or not: the hours apart, or that they are unknown (a time zone is missing: the
    mentee's, or the mentor's profile's); the shared language, or that the mentee's is not among the mentor's (an
    explanation stores only whether it is, so the language is not named). The offer is read by its mentor; with
    `for_mentee`, the line is worded for the mentee instead (their `/mentor status`). `skill_label` maps a slug to
    its label in the reader's language. An explanation worked out again when shown (`as_shown`) whose mentor no
    longer holds any of its skills says nothing of skills.
    """
    skills = [
        t("match.skill_with_level", skill=skill_label(slug), level=t(f"level.{level}"))
        for slug, level in explanation.shared
    ]
    parts = [t("match.shares", skills=t.join(skills))] if skills else []
    parts.append(_apart(explanation, t))
    if explanation.same_language:
        parts.append(t("match.speaks_language"))
    else:
        parts.append(t("match.language_not_theirs" if for_mentee else "match.language_not_listed"))
    places = Places(explanation.capacity, explanation.places_taken, explanation.places_held)
    parts.append(t("match.places", places=places_text(places, t)))
    if explanation.past_pairs:
        parts.append(t("match.past_pairs", count=explanation.past_pairs))
    return "; ".join(parts)


def _apart(explanation: Explanation, t: Translator) -> str:
    """The time difference of an explanation: unknown (a zone is missing); none, as "the same time zone" only when
    the offsets are known to be equal, "the same hours of the day" otherwise (a day apart across the date line when
    known: UTC-11 and UTC+13); else in whole hours and minutes ("15 min apart", "5 h 30 min apart", "3 h apart"),
    never a rounded fraction of an hour (Kathmandu and Kolkata were "0.2 h apart"), "across the date line" when the
    short way round crosses it (`Explanation.dateline`: Kiritimati and Pago Pago "1 h apart across the date line")."""
    if explanation.hours_apart is None:
        return t("match.zone_unknown")
    hours, minutes = divmod(round(explanation.hours_apart * 60), 60)
    if not hours and not minutes:
        if explanation.same_offset is None:
            return t("match.same_hours")
        return t("match.same_time" if explanation.same_offset else "match.same_hours_dateline")
    across = "_dateline" if explanation.dateline else ""
    if not minutes:
        return t(f"match.hours_apart{across}", hours=str(hours))
    if not hours:
        return t(f"match.minutes_apart{across}", minutes=str(minutes))
    return t(f"match.hours_minutes_apart{across}", hours=str(hours), minutes=str(minutes))
