"""Why a mentor was chosen: the explanation stored with an offer, and its one line in a reader's language."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from mentorbot.formatting import places_text
from mentorbot.i18n import Translator
from mentorbot.models import Places
from mentorbot.timezones import to_tzinfo


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
            | ({} if self.same_offset is None else {"offset": self.same_offset}),
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
            )
        except (ValueError, KeyError, TypeError):
            return None


def with_offsets(explanation: Explanation, mentor_zone: str, mentee_zone: str | None, at: datetime) -> Explanation:
    """`explanation` with whether the mentor's and the mentee's zones have the same UTC offset at `at`
    (`Explanation.same_offset`), when its hours apart are known (the score's `hours_apart` cannot tell the same zone
    from zones a day apart)."""
    if explanation.hours_apart is None or not mentee_zone:
        return explanation
    mentor = at.astimezone(to_tzinfo(mentor_zone)).utcoffset()
    mentee = at.astimezone(to_tzinfo(mentee_zone)).utcoffset()
    return replace(explanation, same_offset=mentor == mentee)


def render_explanation(explanation: Explanation, t: Translator, skill_label: Any, *, for_mentee: bool = False) -> str:
    """One line: shared skills with levels, hours apart, language, places taken (in the reader's language).

    Every part is said, matching or not: the hours apart, or that they are unknown (a time zone is missing: the
    mentee's, or the mentor's profile's); the shared language, or that the mentee's is not among the mentor's (an
    explanation stores only whether it is, so the language is not named). The offer is read by its mentor; with
    `for_mentee`, the line is worded for the mentee instead (their `/mentor status`). `skill_label` maps a slug to
    its label in the reader's language.
    """
    skills = [
        t("match.skill_with_level", skill=skill_label(slug), level=t(f"level.{level}"))
        for slug, level in explanation.shared
    ]
    parts = [t("match.shares", skills=t.join(skills))]
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
    never a rounded fraction of an hour (Kathmandu and Kolkata were "0.2 h apart")."""
    if explanation.hours_apart is None:
        return t("match.zone_unknown")
    hours, minutes = divmod(round(explanation.hours_apart * 60), 60)
    if not hours and not minutes:
        if explanation.same_offset is None:
            return t("match.same_hours")
        return t("match.same_time" if explanation.same_offset else "match.same_hours_dateline")
    if not minutes:
        return t("match.hours_apart", hours=str(hours))
    if not hours:
        return t("match.minutes_apart", minutes=str(minutes))
    return t("match.hours_minutes_apart", hours=str(hours), minutes=str(minutes))
