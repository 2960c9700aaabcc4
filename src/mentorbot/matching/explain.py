"""Why a mentor was chosen: the explanation stored with an offer, and its one line in a reader's language."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mentorbot.formatting import places_text
from mentorbot.i18n import Translator
from mentorbot.models import Places


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
            },
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
            )
        except (ValueError, KeyError, TypeError):
            return None


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
    if explanation.hours_apart is None:
        parts.append(t("match.zone_unknown"))
    else:
        hours = round(explanation.hours_apart, 1)
        parts.append(t("match.same_time") if hours == 0 else t("match.hours_apart", hours=f"{hours:g}"))
    if explanation.same_language:
        parts.append(t("match.speaks_language"))
    else:
        parts.append(t("match.language_not_theirs" if for_mentee else "match.language_not_listed"))
    places = Places(explanation.capacity, explanation.places_taken, explanation.places_held)
    parts.append(t("match.places", places=places_text(places, t)))
    if explanation.past_pairs:
        parts.append(t("match.past_pairs", count=explanation.past_pairs))
    return "; ".join(parts)
