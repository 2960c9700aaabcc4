"""Parsing what members type into domain values: levels, capacity, languages, dates, ratings, ids.

Every function raises a localized `UserError` that says what was wrong and what is expected.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Final

from mentorbot.errors import FieldName, UserError
from mentorbot.i18n import LANGUAGES, Localized, Translator, language_names, load_catalog
from mentorbot.models import Level
from mentorbot.skills import normalize
from mentorbot.timezones import to_tzinfo

LEVEL_WORDS: dict[str, Level] = {
    "learning": Level.LEARNING,
    "learner": Level.LEARNING,
    "beginner": Level.LEARNING,
    "junior": Level.LEARNING,
    "mwanafunzi": Level.LEARNING,
    "anajifunza": Level.LEARNING,
    "practitioner": Level.PRACTITIONER,
    "intermediate": Level.PRACTITIONER,
    "mid": Level.PRACTITIONER,
    "mtendaji": Level.PRACTITIONER,
    "expert": Level.EXPERT,
    "advanced": Level.EXPERT,
    "senior": Level.EXPERT,
    "mtaalamu": Level.EXPERT,
}
LEVEL_ORDER: tuple[Level, ...] = (Level.LEARNING, Level.PRACTITIONER, Level.EXPERT)
"""Mentor levels from the first steps to the most experienced: a level's rank is its place here."""
COURSE_LEVEL_NAMES: tuple[str, ...] = ("beginner", "intermediate", "advanced")
"""The course levels (`courses.CourseLevel` values) of the same ranks: one vocabulary serves both."""
_DURATION_PART = re.compile(r"(\d{1,5})\s*(w|d|h|min|m)", re.IGNORECASE)
_DURATION = re.compile(r"^\+?\s*(?:\d{1,5}\s*(?:w|d|h|min|m)\s*)+$", re.IGNORECASE)
MAX_ID = 2**63 - 1
"""The largest id either engine stores (a signed 64-bit integer)."""
_NUMBER = re.compile(r"\d{1,19}")
"""A whole number as typed: decimal digits of any script (``12``, ``١٢``: Unicode category Nd, which `int` reads);
no sign, point, underscore, superscript or circled digit, at most 19 digits (an id's 63 bits)."""
MAX_UNTIL = timedelta(days=5 * 366)
"""How far ahead a pause may end: five years (a later date, or one past the calendar's end, is refused)."""
_UNIT = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}

# How much a member may type, checked by the use-cases and announced by the adapters' forms.
MAX_MENTOR_SKILLS = 15
"""Skills on one mentor profile."""
MAX_REQUEST_SKILLS = 5
"""Skills in one request."""
MAX_NOTE = 500
"""Characters of a request's note."""
MAX_BIO = 500
"""Characters of a mentor's bio."""
MAX_REASON = 300
"""Characters of a decline's reason."""
MAX_COMMENT = 1000
"""Characters of a mentorship's closing comment."""


@cache
def level_vocabulary() -> Mapping[str, int]:
    """Every word a member may type for a level -> its rank (0 learning/beginner, 1 practitioner/intermediate,
    2 expert/advanced), normalized (`skills.normalize`). One vocabulary for mentor levels and ``/courses
    level:``: the mentor and course level names, `LEVEL_WORDS`, and the catalogs' labels and extra words
    (``level.*``, ``courses.level.*``, ``courses.level_input.*``) in English and Swahili. A word given two
    ranks is a mistake in the catalogs (ValueError)."""
    words: dict[str, int] = {}

    def add(word: str, rank: int) -> None:
        key = normalize(word)
        if key and words.setdefault(key, rank) != rank:
            raise ValueError(f"the level word {word!r} means two levels")

    for rank, level in enumerate(LEVEL_ORDER):
        add(level.value, rank)
        add(COURSE_LEVEL_NAMES[rank], rank)
    for word, level in LEVEL_WORDS.items():
        add(word, LEVEL_ORDER.index(level))
    for lang in LANGUAGES:
        messages = load_catalog(lang)
        for rank, level in enumerate(LEVEL_ORDER):
            course = COURSE_LEVEL_NAMES[rank]
            add(messages[f"level.{level.value}"], rank)
            add(messages[f"courses.level.{course}"], rank)
            for word in messages[f"courses.level_input.{course}"].split(","):
                add(word, rank)
    return words


def level_rank(text: str) -> int | None:
    """The rank of a level typed in any of its words (`level_vocabulary`), None when it is not one."""
    return level_vocabulary().get(normalize(text))


def parse_mentor_level(text: str) -> Level:
    """A mentor's level in a skill (`models.Level`) from any level word, English or Swahili (``learning``,
    ``beginner``, ``mwanafunzi``, ``advanced``): the same words as ``/courses level:``."""
    rank = level_rank(text)
    if rank is None:
        raise UserError("input.bad_level", value=text.strip(), allowed=LEVEL_CHOICES)
    return LEVEL_ORDER[rank]


def level_choices(t: Translator) -> str:
    """The mentor levels as a refusal lists them for `t`'s reader: their words in the reader's language, each
    with the English word it stands for when that differs ("mwanafunzi (learning), mtendaji (practitioner),
    mtaalamu (expert)"; in English "learning, practitioner, expert"): either may be typed."""
    shown = []
    for level in LEVEL_ORDER:
        word = t(f"level.{level.value}")
        shown.append(word if normalize(word) == level.value else f"{word} ({level.value})")
    return ", ".join(shown)


LEVEL_CHOICES: Final = Localized(", ".join(level.value for level in LEVEL_ORDER), level_choices)
"""The ``allowed`` of ``input.bad_level``: `level_choices` in the reader's language."""


def parse_levels(
    text: str | None,
    skills: Sequence[str],
    default: Level = Level.PRACTITIONER,
    *,
    resolve: Callable[[str], str | None] | None = None,
) -> dict[str, Level]:
    """Levels for `skills` (slugs, in order) from what was typed.

    Accepted: nothing (all `default`); one level for every skill (``expert``); one level per skill in
    order (``expert, learning``); or ``skill:level`` pairs whose skills are among `skills`, named as the
    skills were (a slug, a label or an alias: `resolve` gives the slug a name stands for).
    """
    levels = dict.fromkeys(skills, default)
    value = (text or "").strip()
    if not value:
        return levels
    parts = [p.strip() for p in re.split(r"[,;]", value) if p.strip()]
    if all(":" in p or "=" in p for p in parts):
        for part in parts:
            slug, _, word = re.split(r"([:=])", part, maxsplit=1)
            typed = slug.strip()
            slug = (resolve(typed) if resolve is not None else None) or typed.lower()
            if slug not in levels:
                raise UserError("input.level_for_unknown_skill", skill=typed)
            levels[slug] = parse_mentor_level(word)
        return levels
    if len(parts) == 1:
        return dict.fromkeys(skills, parse_mentor_level(parts[0]))
    if len(parts) != len(skills):
        raise UserError("input.levels_count", levels=len(parts), count=len(skills))
    return {slug: parse_mentor_level(word) for slug, word in zip(skills, parts, strict=True)}


def whole_number(value: object) -> int | None:
    """`value` as a whole number (see `_NUMBER`: ``12``, `` ١٢ ``, or an int), else None: a fraction (``2.5``
    or the float 2.5), a sign, an underscore, a superscript, a bool or anything else is not one."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    text = str(value).strip()
    return int(text) if _NUMBER.fullmatch(text) else None


def parse_capacity(value: str | int | None, default: int) -> int:
    """A capacity from 1 to 10 (a whole number: ``2.5`` is refused, not rounded)."""
    if is_blank(value):
        return default
    number = whole_number(value)
    if number is None or not 1 <= number <= 10:
        raise UserError("input.bad_capacity", value=str(value).strip())
    return number


@cache
def language_words() -> dict[str, str]:
    """What a member may type for a language -> its ISO 639-1 code: the code itself, or the language's name in
    English or Swahili (``fr``, ``French``, ``Kifaransa``), in any case."""
    words: dict[str, str] = {}
    for lang in LANGUAGES:
        for code, name in language_names(lang).items():
            words.setdefault(code, code)
            words.setdefault(name.casefold(), code)
    return words


def parse_language(word: str) -> str | None:
    """The ISO 639-1 code of a language typed as its code or name, None when it is not one."""
    return language_words().get(" ".join(word.split()).casefold())


_LANGUAGE_JOINERS = frozenset({"and", "or", "plus", "with", "na", "au", "pamoja", "&", "+"})
"""Words that join languages in a list typed as a sentence (``English and Swahili``, ``Kiingereza na Kiswahili``):
skipped between two languages, never read as a language. Some are ISO codes (``na`` Nauru, ``or`` Odia), which a
list still names alone or between commas (``en, na``)."""


def parse_languages(text: str | None, default: str) -> tuple[str, ...]:
    """ISO 639-1 codes from codes or names typed (``en, sw``, ``English Kiswahili``, ``Norwegian Bokmål``,
    ``English and Swahili``, ``en/sw``), deduplicated; anything else is refused with the codes known
    (`input.bad_language`)."""
    value = (text or "").strip()
    if not value:
        return (default,)
    codes: list[str] = []
    for part in (p.strip() for p in re.split(r"[,;/]+", value) if p.strip()):
        whole = parse_language(part)
        if whole is not None:
            codes.append(whole)
            continue
        words = part.split()
        for index, word in enumerate(words):
            if word.casefold() in _LANGUAGE_JOINERS and 0 < index < len(words) - 1:
                continue
            code = parse_language(word)
            if code is None:
                known = sorted(set(language_words().values()))
                raise UserError("input.bad_language", value=word, allowed=", ".join(known))
            codes.append(code)
    return tuple(dict.fromkeys(codes))


def parse_duration(text: str) -> timedelta | None:
    """A duration as typed: ``3d``, ``2w``, ``+12h``, ``30m``, ``+1d12h``; None when `text` is not one."""
    try:
        parts = _duration_parts(text)
        return None if parts is None else timedelta(days=parts[0]) + parts[1]
    except OverflowError:  # thousands of parts: longer than any calendar
        return timedelta.max


def _duration_parts(text: str) -> tuple[int, timedelta] | None:
    """A duration as typed, in two parts: its days and weeks as a number of days, and its hours and minutes as
    time; None when `text` is not one."""
    value = text.strip()
    if not _DURATION.match(value):
        return None
    days, elapsed = 0, timedelta(0)
    for amount, unit in _DURATION_PART.findall(value):
        if unit.lower() in ("w", "d"):
            days += int(amount) * (7 if unit.lower() == "w" else 1)
        else:
            elapsed += timedelta(**{_UNIT[unit.lower()]: int(amount)})
    return days, elapsed


def _after(now: datetime, duration: str, timezone: str | None) -> datetime:
    """`now` moved on by a duration as typed (one `parse_duration` took, within `MAX_UNTIL`): its days and weeks as
    calendar days where the member lives (``2w`` from Monday 09:00 ends on a Monday 09:00 there, across a daylight
    saving change too, as the weekly timers count), its hours and minutes as time elapsed."""
    parts = _duration_parts(duration)
    assert parts is not None
    days, elapsed = parts
    if not days:
        # Time elapsed only: no wall clock to keep (a local time in the hour a fall-back change repeats would be
        # read as its first occurrence, an hour early, and "30m" told it is in the past).
        return now + elapsed
    zone = to_tzinfo(timezone or "UTC")
    local = now.astimezone(zone).replace(tzinfo=None) + timedelta(days=days)
    return local.replace(tzinfo=zone).astimezone(UTC) + elapsed


def parse_until(
    text: str | None, now: datetime, timezone: str | None = None, *, on_the_minute: bool = False
) -> datetime | None:
    """A pause end: a date (``2026-12-24``), a date and time, or a duration (``3d``, ``2w``, ``+12h``).

    Must be in the future, and at most `MAX_UNTIL` ahead. A date or time without a zone is read in `timezone`
    (the member's own). A duration's end is `now` moved on by it, to the second; with `on_the_minute`, on the
    minute (its seconds dropped), as every date is shown: the same ``3d`` typed seconds apart is then the same end,
    stored as it is told (`usecases.admin.pause`: the same pause again tells nobody twice). A date and time typed
    keep what was typed.
    """
    value = (text or "").strip()
    if not value:
        return None
    duration = parse_duration(value)
    if duration is not None:
        if duration > MAX_UNTIL:
            raise UserError("input.until_too_far", value=value, years=MAX_UNTIL.days // 366)
        until = _after(now, value, timezone)
        if on_the_minute:  # a duration of a minute or more still ends after `now` (one of none is refused below)
            until = until.replace(second=0, microsecond=0)
    else:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise UserError("input.bad_until", value=value) from None
        # A date or time typed without a zone means the member's own local time.
        local = parsed.replace(tzinfo=to_tzinfo(timezone or "UTC")) if parsed.tzinfo is None else parsed
        try:
            until = local.astimezone(UTC)
            if parsed.tzinfo is None and until <= now:
                # A time in the hour a fall-back change repeats, whose first occurrence is past: its second is
                # still to come (for any other time both readings are the same instant).
                until = local.replace(fold=1).astimezone(UTC)
        except OverflowError:  # the first or last day of the calendar, moved across a day boundary
            until = datetime.max.replace(tzinfo=UTC) if local.year > 1 else datetime.min.replace(tzinfo=UTC)
    if until - now > MAX_UNTIL:
        raise UserError("input.until_too_far", value=value, years=MAX_UNTIL.days // 366)
    if until <= now:
        raise UserError("input.until_in_past", value=value)
    return until


_STARS: Final = re.compile(r"([★⭐]\ufe0f?){1,5}[☆]*")
"""A rating in stars as members type them: one to five full stars (``★★★★``, ``⭐⭐⭐⭐``, the emoji perhaps with
its presentation selector), perhaps followed by empty ones (``★★★☆☆`` is 3)."""


def parse_rating(value: str | int | None) -> int | None:
    """An optional rating from 1 to 5: a whole number (as `parse_capacity`), or as many stars (`_STARS`)."""
    if is_blank(value):
        return None
    typed = value.strip() if isinstance(value, str) else ""
    if _STARS.fullmatch(typed) and len(typed.replace("\ufe0f", "")) <= 5:
        return sum(1 for c in typed if c in "★⭐")
    number = whole_number(value)
    if number is None or not 1 <= number <= 5:
        raise UserError("input.bad_rating", value=str(value).strip())
    return number


def is_blank(value: str | int | None) -> bool:
    """Whether an optional value was left out (None, or only spaces)."""
    return value is None or (isinstance(value, str) and not value.strip())


def only_id(ids: Sequence[int], *, none: str, several: str) -> int:
    """The id a member meant by giving none: the only one of `ids`. A `UserError` with message key `none` when
    there is none, `several` (listing them as ``#1, #2``) when there are more."""
    if not ids:
        raise UserError(none)
    if len(ids) > 1:
        # The hint names one of the reader's own ids, never an invented one.
        raise UserError(several, ids=", ".join(f"#{i}" for i in ids), example=ids[-1])
    return ids[0]


def parse_id(value: str | int | None, what: FieldName, *, listed_by: str | None = None) -> int:
    """A positive object id as typed (``12`` or ``#12``); `what` names the object for the message, and
    `listed_by` the admin command that lists such ids (a member's own are in ``/mentor status``)."""
    admin = {"listed_by": listed_by} if listed_by else {}
    if is_blank(value):
        raise UserError("input.missing_admin_id" if admin else "input.missing_id", what=what, **admin)
    number = whole_number(value.strip().removeprefix("#") if isinstance(value, str) else value)
    if number is None or not 0 < number <= MAX_ID:
        raise UserError("input.bad_admin_id" if admin else "input.bad_id", what=what, value=str(value).strip(), **admin)
    return number
