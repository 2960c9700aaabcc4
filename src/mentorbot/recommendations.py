"""Course recommendations: ranking the catalog for a member's skills, and rendering the answer.

Ranking (`recommend`): a course must teach at least one requested skill and pass the hard filters
(free only, paid only, format; when a certificate is asked for, its cost is the certificate's: one free to learn
whose certificate costs money is paid, out of free only and into paid only). A resource in another
language than the reader's and than English (a Swahili help page for an English reader) comes after every other;
then courses that teach more of the requested skills come first; among those, resources in the reader's
language come first (Swahili resources for Swahili readers), then, for a reader of another language than
English, the members' suggestions (of a language nobody vouched for), then the English resources; for an
English reader a suggestion ranks with the English resources (`_language_place`); then the level fit (exact
level first, adjacent next, then the others: part of the order, so neither focus nor votes ever put an adjacent
level before an exact one); then a focused course (few skills besides the requested ones) and the community's
helpful votes add to the score. Votes count through a prior (`helpful_share`: PRIOR_VOTES imaginary votes, half
of them helpful), so one vote does not dominate and more helpful votes never rank a resource lower. Ties go to
free courses, then to the course id, so the order is deterministic. The top places keep one for each requested
skill some course teaches, so a query for three skills never answers for two of them only, and, when a level was
asked, one for the best course at that level (`_spread`): "none is at that level" is said only when no course
passing the filters is. Each result carries the facts of its one-line reason, rendered in the member's language.

A resource suggested by a member and approved by an admin (`CommunityCourse`) has no level, format, cost or
language anyone vouched for: it earns no level points, is never last as in a language the reader may not read,
comes after the resources known to be in the reader's language and before the English ones for a reader of
another language than English (with the English ones for an English reader), and a cost or format filter leaves
it out (it may not be what was asked for); its reason says nothing of its level or cost. Its title, typed by a
member, is shown defused (`shown_title`): a mention or masked link in it stays inert.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Final

from mentorbot.courses import (
    Catalog,
    CommunityCourse,
    Course,
    CourseLevel,
    Duration,
    Format,
    Tally,
    language_display_name,
)
from mentorbot.errors import UserError
from mentorbot.i18n import LANGUAGES, Translator, translator
from mentorbot.i18n import load_catalog as load_messages
from mentorbot.inputs import COURSE_LEVEL_NAMES, level_rank
from mentorbot.replies import Button, Field, Reply
from mentorbot.skills import Skill, Taxonomy, normalize, parse_tags
from mentorbot.text_safety import defuse_link_opener, defuse_mentions, defuse_url

DEFAULT_LIMIT: Final = 5
INTRODUCTION_LIMIT: Final = 3
NEAREST_LIMIT: Final = 3

# Score weights. Coverage dominates: one more requested skill (COVERAGE_WEIGHT) outweighs the most that
# focus, level fit and votes together can add (FOCUS_WEIGHT + LEVEL_WEIGHT * 2 + VOTE_WEIGHT < COVERAGE_WEIGHT).
# A step of level fit (LEVEL_WEIGHT: exact over adjacent, adjacent over far) outweighs the largest difference
# in focus (under FOCUS_WEIGHT, focus being in (0, 1]); the order (`_order`) also puts the level fit before the
# score, so votes cannot overturn it either: a member who asks for a level gets it first.
COVERAGE_WEIGHT: Final = 10.0
FOCUS_WEIGHT: Final = 2.0
LEVEL_WEIGHT: Final = 2.5
VOTE_WEIGHT: Final = 2.0
PRIOR_VOTES: Final = 4
"""Imaginary votes (half helpful) every resource starts with: one member's vote moves it a little, many a lot."""
NO_VOTES: Final = Tally()


def helpful_share(tally: Tally) -> float:
    """The share of helpful votes, with PRIOR_VOTES imaginary ones half helpful: 0.5 with no votes, strictly
    rising with each helpful vote and falling with each not-helpful one, always between 0 and 1."""
    return (tally.helpful + PRIOR_VOTES / 2) / (tally.total + PRIOR_VOTES)


class LevelFit(StrEnum):
    """How a course's level relates to the level asked for."""

    ANY = "any"
    """No level was asked for."""
    EXACT = "exact"
    ADJACENT = "adjacent"
    FAR = "far"
    UNKNOWN = "unknown"
    """The resource's level is not known (a community suggestion)."""


@dataclass(frozen=True)
class Reason:
    """The facts behind one recommendation, rendered by `render_reason` as one localized line."""

    covered: tuple[str, ...]
    """The requested skill slugs the course teaches, in the order they were asked for."""
    level: CourseLevel
    level_fit: LevelFit
    asked_level: CourseLevel | None
    free: bool
    price: str | None
    helpful: int = 0
    """How many members of the community found it helpful."""
    paid_certificate: bool = False
    community: bool = False
    """Suggested by a member and approved by an admin (not from the catalog file)."""


@dataclass(frozen=True)
class RecommendedCourse:
    """One ranked course with its score (higher is better) and its reason."""

    course: Course
    score: float
    reason: Reason


@dataclass(frozen=True)
class Recommendations:
    """The answer to a course query.

    `items` are the ranked courses (at most the limit). When `items` is empty, `nearest_skills` are
    skills close to the requested ones that do have courses passing the filters, and `without_filters`
    counts the courses for the requested skills that the filters excluded. Empty `skills` means nothing
    was asked: render it as "how to ask".
    """

    skills: tuple[Skill, ...]
    level: CourseLevel | None = None
    free_only: bool = False
    format: Format | None = None
    items: tuple[RecommendedCourse, ...] = ()
    nearest_skills: tuple[Skill, ...] = ()
    without_filters: int = 0
    paid_only: bool = False
    at_level: int = 0
    """How many of the courses passing the filters (shown or not) are at the level asked for."""


@dataclass(frozen=True)
class CourseQuery:
    """A parsed ``/courses`` command: skills (possibly none), level, free-only flag and format."""

    skills: tuple[Skill, ...]
    level: CourseLevel | None = None
    free_only: bool = False
    format: Format | None = None
    paid_only: bool = False
    """``free:no``: only courses that are not free (the member asked for paid ones, certificates and the like)."""


# --- ranking -------------------------------------------------------------------------------------


def vouched(course: Course) -> bool:
    """Whether the course's level, format, cost and language come from the catalog file (not a member's
    suggestion, which says nothing of them)."""
    return not isinstance(course, CommunityCourse)


def _level_fit(course: Course, asked: CourseLevel | None) -> LevelFit:
    if not vouched(course):
        return LevelFit.UNKNOWN
    if asked is None:
        return LevelFit.ANY
    distance = abs(course.level.rank - asked.rank)
    return LevelFit.EXACT if distance == 0 else LevelFit.ADJACENT if distance == 1 else LevelFit.FAR


_LEVEL_POINTS: Final[Mapping[LevelFit, float]] = {
    LevelFit.ANY: 0.0,
    LevelFit.EXACT: 2.0,
    LevelFit.ADJACENT: 1.0,
    LevelFit.FAR: 0.0,
    LevelFit.UNKNOWN: 0.0,
}


def _passes(course: Course, free_only: bool, format: Format | None, paid_only: bool = False) -> bool:
    """Whether `course` passes the hard filters. A certificate asked for is what the cost filters judge: one free
    to learn whose certificate costs money (`paid_certificate`) is paid then (out of free only, into paid only);
    with no certificate asked for, free to learn is free."""
    if not vouched(course):
        return not (free_only or paid_only or format is not None)
    free = course.free and not (format is Format.CERTIFICATE and course.paid_certificate)
    return (free or not free_only) and (not free or not paid_only) and (format is None or course.format is format)


SHARED_LANGUAGE: Final = "en"
"""The language the catalog's readers share: a Swahili reader is offered English resources (after the Swahili
ones); an English reader is not offered a Swahili one before the English ones."""


def _foreign(course: Course, lang: str) -> bool:
    """Whether the course is known to be in another language than the reader's (a suggestion's language is
    unknown)."""
    return vouched(course) and course.language != lang


def _unreadable(course: Course, lang: str) -> bool:
    """Whether the course is in neither the reader's language nor English, which the catalog's readers share
    (a Swahili reader is offered English resources; an English reader may not read Swahili)."""
    return _foreign(course, lang) and course.language != SHARED_LANGUAGE


def _language_place(course: Course, lang: str) -> int:
    """Where a resource the reader may read sorts by its language (after the skills it covers): 0 known to be in
    the reader's language, 1 a member's suggestion, whose language nobody vouched for (it may be the reader's, it
    may not), 2 known to be in English for a reader of another language. So a Swahili reader sees the Swahili
    resources, then the suggestions, then the English resources. For a reader of English (`SHARED_LANGUAGE`) a
    suggestion sorts with the English resources (0) and competes with them on its focus and votes: the catalog is
    in English but for a few pages, and a suggestion placed after every English resource would hardly ever be
    shown."""
    if not vouched(course):
        return 0 if lang == SHARED_LANGUAGE else 1
    return 0 if course.language == lang else 2


def _rank(
    course: Course, requested: Sequence[str], asked: CourseLevel | None, tally: Tally = NO_VOTES
) -> RecommendedCourse | None:
    """Score `course` for the requested slugs, or None when it teaches none of them."""
    covered = tuple(slug for slug in requested if slug in course.skills)
    if not covered:
        return None
    fit = _level_fit(course, asked)
    focus = len(covered) / len(course.skills)
    score = (
        COVERAGE_WEIGHT * len(covered)
        + FOCUS_WEIGHT * focus
        + LEVEL_WEIGHT * _LEVEL_POINTS[fit]
        + VOTE_WEIGHT * helpful_share(tally)
    )
    reason = Reason(
        covered,
        course.level,
        fit,
        asked,
        course.free,
        course.price,
        tally.helpful,
        course.paid_certificate,
        isinstance(course, CommunityCourse),
    )
    return RecommendedCourse(course, round(score, 6), reason)


def _fit_place(reason: Reason) -> int:
    """Where a level fit sorts: exact (or no level asked) first, adjacent next, then far and unknown (a
    suggestion's level nobody vouched for)."""
    if reason.asked_level is None:
        return 0
    return _FIT_PLACES.get(reason.level_fit, 2)


_FIT_PLACES: Final[Mapping[LevelFit, int]] = {LevelFit.ANY: 0, LevelFit.EXACT: 0, LevelFit.ADJACENT: 1}


def _order(lang: str) -> Callable[[RecommendedCourse], tuple[bool, int, int, int, float, bool, str]]:
    """The resources in a language the reader may not read last (`_unreadable`); then most requested skills
    covered first; then the resources in the reader's language, then suggestions, then English ones for a reader
    of another language (`_language_place`); then the level fit (`_fit_place`); then the score, free ones, the
    id."""

    def key(item: RecommendedCourse) -> tuple[bool, int, int, int, float, bool, str]:
        course = item.course
        covered = -len(item.reason.covered)
        return (
            _unreadable(course, lang),
            covered,
            _language_place(course, lang),
            _fit_place(item.reason),
            -item.score,
            not course.free,
            course.id,
        )

    return key


def _spread(ranked: Sequence[RecommendedCourse], limit: int) -> tuple[RecommendedCourse, ...]:
    """The top `limit` of `ranked` (in its order), keeping a place for each requested skill a ranked course
    teaches and, when a level was asked, one for the best course at that level: first, in rank order, each
    course that teaches a skill none picked before it teaches; then, when none of those is at the level asked
    for, the best course at that level (more skills covered may rank courses at other levels above it), in a
    free place or, when every place is taken, in the place of the lowest ranked pick whose skills the others
    still teach (else of the lowest ranked pick: the level's place outweighs a skill's); then the best of the
    rest."""
    if limit <= 0:
        return ()
    picked: list[RecommendedCourse] = []
    taught: set[str] = set()
    for item in ranked:
        if len(picked) >= limit:
            break
        if not taught.issuperset(item.reason.covered):
            picked.append(item)
            taught.update(item.reason.covered)
    exact = next((item for item in ranked if item.reason.level_fit is LevelFit.EXACT), None)
    if exact is not None and all(item.reason.level_fit is not LevelFit.EXACT for item in picked):
        if len(picked) >= limit:
            picked.remove(_weakest(picked, exact))
        picked.append(exact)
    chosen = {id(item) for item in picked}
    for item in ranked:
        if len(picked) >= limit:
            break
        if id(item) not in chosen:
            picked.append(item)
    place = {id(item): position for position, item in enumerate(ranked)}
    return tuple(sorted(picked, key=lambda item: place[id(item)]))


def _weakest(picked: Sequence[RecommendedCourse], joining: RecommendedCourse) -> RecommendedCourse:
    """The pick (`picked` in rank order) to give up for `joining`: the lowest ranked one whose skills the other
    picks and `joining` still teach, else the lowest ranked one."""
    for item in reversed(picked):
        others = {slug for other in (*picked, joining) if other is not item for slug in other.reason.covered}
        if others.issuperset(item.reason.covered):
            return item
    return picked[-1]


def recommend(
    catalog: Catalog,
    taxonomy: Taxonomy,
    skills: Sequence[str],
    *,
    level: CourseLevel | str | None = None,
    free_only: bool = False,
    format: Format | str | None = None,
    limit: int = DEFAULT_LIMIT,
    lang: str = "en",
    paid_only: bool = False,
    votes: Mapping[str, Tally] | None = None,
) -> Recommendations:
    """The top `limit` courses for `skills` (any names the taxonomy resolves; unknown ones raise a
    localized `UserError` in `lang`), preferring `level`, keeping only free courses when `free_only`, only
    paid ones when `paid_only`, and only `format` when given, using the community's `votes` by resource id.
    With no skills, returns an empty result meaning "how to ask"."""
    resolved = tuple(taxonomy.require_skills(skills, lang)) if skills else ()
    asked = CourseLevel(level) if level is not None else None
    wanted_format = Format(format) if format is not None else None
    if not resolved:
        return Recommendations((), asked, free_only, wanted_format, paid_only=paid_only)
    requested = [skill.slug for skill in resolved]
    ranked: list[RecommendedCourse] = []
    excluded = 0
    # Only the courses teaching a requested skill can rank (the catalog's index, not the whole catalog); each
    # once, however many of the skills it teaches. The sort below is total, so the order read does not matter.
    teaching = {course.id: course for slug in requested for course in catalog.for_skill(slug)}
    for course in teaching.values():
        item = _rank(course, requested, asked, (votes or {}).get(course.id, NO_VOTES))
        if item is None:
            continue
        if _passes(course, free_only, wanted_format, paid_only):
            ranked.append(item)
        else:
            excluded += 1
    ranked.sort(key=_order(lang))
    items = _spread(ranked, max(limit, 0))
    if items:
        at_level = sum(1 for item in ranked if item.reason.level_fit is LevelFit.EXACT)
        return Recommendations(resolved, asked, free_only, wanted_format, items, paid_only=paid_only, at_level=at_level)
    nearest = nearest_skills(
        catalog, taxonomy, resolved, free_only=free_only, format=wanted_format, paid_only=paid_only
    )
    return Recommendations(resolved, asked, free_only, wanted_format, (), tuple(nearest), excluded, paid_only)


def nearest_skills(
    catalog: Catalog,
    taxonomy: Taxonomy,
    skills: Sequence[Skill],
    *,
    free_only: bool = False,
    format: Format | None = None,
    limit: int = NEAREST_LIMIT,
    paid_only: bool = False,
) -> list[Skill]:
    """Other skills that have courses passing the filters: those in the same category as one of
    `skills` first, then any other; more matching courses first, then taxonomy order."""
    asked = {skill.slug for skill in skills}
    categories = {skill.category for skill in skills}
    candidates: list[tuple[bool, int, int, Skill]] = []
    for position, skill in enumerate(taxonomy.skills):
        if skill.slug in asked:
            continue
        count = sum(1 for c in catalog.for_skill(skill.slug) if _passes(c, free_only, format, paid_only))
        if count:
            candidates.append((skill.category not in categories, -count, position, skill))
    candidates.sort(key=lambda entry: entry[:3])
    return [skill for *_, skill in candidates[: max(limit, 0)]]


def courses_for_introduction(
    catalog: Catalog,
    skills: Sequence[str],
    limit: int = INTRODUCTION_LIMIT,
    lang: str = "en",
    votes: Mapping[str, Tally] | None = None,
) -> list[Course]:
    """Up to `limit` courses for a new mentorship's shared skill slugs, for a reader of `lang`, using the
    community's `votes` by resource id.

    Each shared skill gets a course before any skill gets a second; within that, courses teaching more
    of the shared skills (as ``/courses`` does, `_order`: after those in a language the reader may not read),
    then the resources in the reader's language, suggestions and English ones as ``/courses`` places them
    (`_language_place`), then degrees last (an introduction suggests something to start
    together), then focus and the community's helpful votes, weighed as ``/courses`` weighs them (`_rank`: a
    resource many members found unhelpful no longer leads), then free ones come first.
    """
    shared = list(dict.fromkeys(skills))
    tallies = votes or {}
    ranked: list[tuple[tuple[bool, int, int, bool, float, bool, str], Course]] = []
    for course in catalog:
        covered = [slug for slug in shared if slug in course.skills]
        if covered:
            focus = len(covered) / len(course.skills)
            liked = helpful_share(tallies.get(course.id, NO_VOTES))
            key = (
                _unreadable(course, lang),
                -len(covered),
                _language_place(course, lang),
                course.format is Format.DEGREE,
                -round(FOCUS_WEIGHT * focus + VOTE_WEIGHT * liked, 6),
                not course.free,
                course.id,
            )
            ranked.append((key, course))
    ranked.sort(key=lambda entry: entry[0])
    ordered = [course for _, course in ranked]
    picked: list[Course] = []
    taught: set[str] = set()
    for course in ordered:
        if len(picked) >= limit:
            break
        new = {slug for slug in shared if slug in course.skills} - taught
        if new:
            picked.append(course)
            taught |= new
    for course in ordered:
        if len(picked) >= limit:
            break
        if course not in picked:
            picked.append(course)
    return picked


# --- parsing what members type -------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return [word for part in text.split(",") if (word := normalize(part))]


@cache
def _vocabulary(kind: str) -> Mapping[str, str]:
    """Normalized words members may type for a `kind` ("level" or "format") -> canonical value."""
    values: Iterable[str] = [v.value for v in (CourseLevel if kind == "level" else Format)]
    out: dict[str, str] = {}
    for value in values:
        out[normalize(value)] = value
        for lang in LANGUAGES:
            messages = load_messages(lang)
            out.setdefault(normalize(messages[f"courses.{kind}.{value}"]), value)
            for word in _words(messages[f"courses.{kind}_input.{value}"]):
                out.setdefault(word, value)
    return out


def _allowed(kind: str, values: Iterable[str], t: Translator) -> str:
    shown: list[str] = []
    for value in values:
        label = t(f"courses.{kind}.{value}")
        shown.append(value if normalize(label) == normalize(value) else f"{value} ({label})")
    return ", ".join(shown)


def parse_course_level(text: str | None, lang: str = "en") -> CourseLevel | None:
    """The level a member typed (English or Swahili words), None when blank; a localized `UserError`
    (``courses.bad_level``, listing the allowed values) otherwise."""
    if text is None or not normalize(text):
        return None
    rank = level_rank(text)  # the one vocabulary of levels, shared with mentor levels
    if rank is None:
        allowed = _allowed("level", [v.value for v in CourseLevel], translator(lang))
        raise UserError("courses.bad_level", value=text.strip(), allowed=allowed)
    return CourseLevel(COURSE_LEVEL_NAMES[rank])


def parse_format(text: str | None, lang: str = "en") -> Format | None:
    """The format a member typed (English or Swahili words), None when blank; a localized `UserError`
    (``courses.bad_format``, listing the allowed values) otherwise."""
    if text is None or not normalize(text):
        return None
    value = _vocabulary("format").get(normalize(text))
    if value is None:
        allowed = _allowed("format", [v.value for v in Format], translator(lang))
        raise UserError("courses.bad_format", value=text.strip(), allowed=allowed)
    return Format(value)


@cache
def _free_words() -> Mapping[str, bool | None]:
    out: dict[str, bool | None] = {}
    for lang in LANGUAGES:
        messages = load_messages(lang)
        for answer, flag in (("yes", True), ("no", False), ("any", None)):
            for word in _words(messages[f"courses.free_input.{answer}"]):
                out.setdefault(word, flag)
    return out


def parse_cost(text: str | bool | None, lang: str = "en") -> bool | None:
    """What the member asked of a course's cost: True free only (``free:yes``), False paid only
    (``free:no``), None either (blank, ``free:any``); English or Swahili words. A localized `UserError`
    (``courses.bad_free``) for anything else."""
    if text is None or isinstance(text, bool):
        return True if text else None
    if not normalize(text):
        return None
    if normalize(text) not in _free_words():
        t = translator(lang)
        answers = ("yes", "no", "any")
        allowed = ", ".join(word for a in answers for word in _words(t(f"courses.free_input.{a}"))[:1])
        raise UserError("courses.bad_free", value=text.strip(), allowed=allowed)
    return _free_words()[normalize(text)]


_PUNCTUATION_JOINS: Final = "&+/"
"""Characters that join two skills as "and" does (``seo & email``, ``seo+email``, ``seo/email``)."""
_MOST_JOINED: Final = 6
"""The most pieces (between joining words) one skill's name is tried across: the shipped taxonomy's names have at
most three ("Uhusiano na umma na vyombo vya habari"); the limit keeps a long typed list from costing more."""


@cache
def _joins() -> re.Pattern[str]:
    """What joins two skills in a typed list besides a comma: the word "and" of each language (taken from
    ``common.list_and``, "{first} and {last}", Swahili "na") between spaces, or ``&``, ``+``, ``/``."""
    words = {
        " ".join(load_messages(lang)["common.list_and"].replace("{first}", " ").replace("{last}", " ").split())
        for lang in LANGUAGES
    }
    spoken = "|".join(re.escape(word) for word in sorted(words) if word)
    return re.compile(rf"(\s+(?:{spoken})\s+|\s*[{re.escape(_PUNCTUATION_JOINS)}]\s*)", re.IGNORECASE)


def _tags_of(taxonomy: Taxonomy, part: str) -> list[str] | None:
    """The tags `part` names as one skill (a whole name or alias), or as its space-separated words that each name
    one (``"seo copywriting"``); None when it does neither."""
    text = part.strip()
    if not text:
        return None
    if taxonomy.resolve(text) is not None:
        return [text]
    words = text.split()
    if len(words) > 1 and all(taxonomy.resolve(word) for word in words):
        return words
    return None


def _split_joined(taxonomy: Taxonomy, part: str) -> list[str]:
    """The tags of one comma-separated part: skills joined with "and" / "na" / ``&`` / ``+`` / ``/`` are read as
    several when every piece names a skill; the longest names are tried first, so a name that holds "and"
    ("PR and media relations", "hiring and coaching") stays one skill. A part read no way is one tag (refused with
    suggestions by the taxonomy)."""
    pieces = _joins().split(part)  # chunk, join, chunk, join, … chunk
    chunks = len(pieces) // 2 + 1
    # read[i]: the tags of the chunks from i on, or None when they cannot be read; filled from the end.
    read: dict[int, list[str] | None] = {chunks: []}
    for start in range(chunks - 1, -1, -1):
        read[start] = None
        for end in range(min(chunks, start + _MOST_JOINED), start, -1):
            rest = read[end]
            if rest is None:
                continue
            tags = _tags_of(taxonomy, "".join(pieces[2 * start : 2 * end - 1]))
            if tags is not None:
                read[start] = tags + rest
                break
    return read[0] or [part]


def parse_skills(taxonomy: Taxonomy, text: str | None, lang: str = "en") -> list[Skill]:
    """The skills in typed text: comma/semicolon separated, or joined with "and" (Swahili "na"), ``&``, ``+`` or
    ``/`` (a name that holds "and" wins whole: `_split_joined`); a part that names no skill but whose
    space-separated words each do (``"seo copywriting"``) counts as those skills. Unknown tags raise
    the taxonomy's localized `UserError` with suggestions."""
    tags: list[str] = []
    for part in parse_tags(text or ""):
        tags.extend(_split_joined(taxonomy, part))
    return taxonomy.require_skills(tags, lang) if tags else []


def parse_course_query(
    taxonomy: Taxonomy,
    *,
    skills: str | None = None,
    level: str | None = None,
    free: str | bool | None = None,
    format: str | None = None,
    lang: str = "en",
) -> CourseQuery:
    """Parse the raw option strings of ``/courses`` as members type them; bad values raise a localized
    `UserError` (unknown skill with suggestions, or a bad level/free/format listing the allowed values)."""
    cost = parse_cost(free, lang)
    return CourseQuery(
        skills=tuple(parse_skills(taxonomy, skills, lang)),
        level=parse_course_level(level, lang),
        free_only=cost is True,
        format=parse_format(format, lang),
        paid_only=cost is False,
    )


def courses_command(
    catalog: Catalog,
    taxonomy: Taxonomy,
    *,
    skills: str | None = None,
    level: str | None = None,
    free: str | bool | None = None,
    format: str | None = None,
    open_request_skills: Sequence[str] = (),
    lang: str = "en",
    limit: int = DEFAULT_LIMIT,
    votes: Mapping[str, Tally] | None = None,
) -> Reply:
    """The whole ``/courses [skills] [level] [free] [format]`` command, from raw typed strings to a reply.

    With no skills typed, recommends for `open_request_skills` (the slugs of the member's open requests:
    their skill gaps; a slug renamed since, kept as an alias, is read as its skill's slug, and slugs the taxonomy
    no longer names are skipped); with none of those either, the reply explains how to ask. Bad input raises a
    localized `UserError`.
    """
    query = parse_course_query(taxonomy, skills=skills, level=level, free=free, format=format, lang=lang)
    slugs = [skill.slug for skill in query.skills]
    from_requests = False
    if not slugs:
        found = (taxonomy.get(slug) or taxonomy.resolve(slug) for slug in open_request_skills)
        slugs = list(dict.fromkeys(skill.slug for skill in found if skill is not None))
        from_requests = bool(slugs)
    result = recommend(
        catalog,
        taxonomy,
        slugs,
        level=query.level,
        free_only=query.free_only,
        format=query.format,
        limit=limit,
        lang=lang,
        paid_only=query.paid_only,
        votes=votes,
    )
    return render_recommendations(result, lang, from_requests=from_requests)


# --- rendering -----------------------------------------------------------------------------------


def render_duration(duration: Duration, lang: str) -> str:
    """A duration in words (``"6 hours"``, ``"miezi 3–6"``, ``"self-paced"``)."""
    t = translator(lang)
    if duration.kind is not None or duration.unit is None:
        return t(f"courses.duration.{duration.kind or 'varies'}")
    amount = f"{duration.low}–{duration.high}" if duration.high is not None else str(duration.low)
    # A range agrees with its upper end ("1–2 hours", "miezi 3–6"), as CLDR's plural ranges do in en and sw.
    count = duration.high if duration.high is not None else duration.low
    return t(f"courses.duration.{duration.unit.value}", count=count, n=amount)


def render_language(code: str, lang: str) -> str:
    """The name of a course language (``"Kiingereza"``): the catalogs' own name, else CLDR's in `lang`
    (``fr``: "French", "Kifaransa"; a code with no two-letter form too, ``luo``: "Luo", "Kijaluo"), else its code
    (``XX``)."""
    t = translator(lang)
    key = f"courses.language.{code}"
    if t.has(key):
        return t(key)
    name = t.language(code)
    if name != code:
        return name
    return language_display_name(code, t.lang) or code.upper()


def render_reason(reason: Reason, lang: str, labels: Mapping[str, str] | None = None) -> str:
    """One line: what the course covers, its level against the asked one, and its cost.

    `labels` maps skill slugs to their labels in `lang`; a slug without a label is shown as it is.
    """
    t = translator(lang)
    level = t(f"courses.level.{reason.level.value}")
    covered = [(labels or {}).get(slug, slug) for slug in reason.covered]
    parts = [t("courses.reason_covers", skills=t.join(covered))]
    if not reason.community:  # a community suggestion's level and cost are not known (its meta line says whose)
        parts += [_level_part(reason, level, t), _cost_part(reason, t)]
    if reason.helpful:
        parts.append(t("curation.found_helpful", count=reason.helpful))
    return "; ".join(parts)


def _level_part(reason: Reason, level: str, t: Translator) -> str:
    if reason.level_fit is LevelFit.ANY or reason.asked_level is None:
        return t("courses.reason_level", level=level)
    if reason.level_fit is LevelFit.EXACT:
        return t("courses.reason_level_exact", level=level)
    return t("courses.reason_level_other", level=level, asked=t(f"courses.level.{reason.asked_level.value}"))


def _cost_part(reason: Reason, t: Translator) -> str:
    if reason.free and reason.paid_certificate:
        return t("curation.free_paid_certificate")
    if reason.free:
        return t("courses.reason_free")
    if reason.price:
        return t("courses.reason_paid_price", price=reason.price)
    return t("courses.reason_paid")


def shown_title(course: Course) -> str:
    """A resource's title as it is shown: a community resource's, typed by a member, with its mentions and masked
    links made inert (`text_safety.defuse_mentions`) and no lone ``[`` to open a masked link something after it on
    the line closes (`text_safety.defuse_link_opener`), both of which change an already defused title no further;
    the catalog file's as written."""
    if isinstance(course, CommunityCourse):
        return defuse_link_opener(defuse_mentions(course.title))
    return course.title


def shown_url(course: Course) -> str:
    """A resource's address as it is shown, a catalog file's as a member's: with ``<``, ``>``, ``[`` and ``]``
    percent-encoded (`text_safety.defuse_url`; the same page), so that it mentions no one and neither closes nor
    opens a masked link with the title on its line."""
    return defuse_url(course.url)


def _meta(course: Course, lang: str) -> str:
    t = translator(lang)
    if isinstance(course, CommunityCourse):
        return t("curation.suggested_by_community")
    return t(
        "courses.meta",
        format=t(f"courses.format.{course.format.value}"),
        duration=render_duration(course.parsed_duration, lang),
        language=render_language(course.language, lang),
    )


def render_how_to_ask(lang: str) -> Reply:
    """The reply when no skill was given and the member has no open requests."""
    t = translator(lang)
    return Reply(text=t("courses.how_to_ask"), title=t("courses.how_to_ask_title"))


def render_recommendations(result: Recommendations, lang: str, *, from_requests: bool = False) -> Reply:
    """The ``/courses`` reply: one field per course (title, reason, format/duration/language, URL), or
    "nothing found" with the nearest skills that have courses, or "how to ask" when no skills."""
    if not result.skills:
        return render_how_to_ask(lang)
    t = translator(lang)
    labels = ", ".join(skill.label(lang) for skill in result.skills)
    label_of = {skill.slug: skill.label(lang) for skill in result.skills}
    title = t("courses.title", skills=labels)
    if result.items:
        text = t("courses.from_requests", skills=labels) if from_requests else t("courses.intro")
        shown_at_level = any(item.reason.level_fit is LevelFit.EXACT for item in result.items)
        if result.level is not None and not result.at_level and not shown_at_level:
            # Nothing at the level asked passed the filters: say so, rather than call other levels the best
            # matches.
            filtered = result.free_only or result.paid_only or result.format is not None
            key = "courses.level_missing_filtered" if filtered else "courses.level_missing"
            missing = t(key, skills=labels, level=t(f"courses.level.{result.level.value}"))
            text = f"{t('courses.from_requests', skills=labels)}\n{missing}" if from_requests else missing
        fields = tuple(
            Field(
                name=t("courses.item_name", rank=rank, title=shown_title(item.course), provider=item.course.provider),
                value="\n".join(
                    (render_reason(item.reason, lang, label_of), _meta(item.course, lang), shown_url(item.course))
                ),
            )
            for rank, item in enumerate(result.items, start=1)
        )
        buttons = vote_buttons([(rank, item.course) for rank, item in enumerate(result.items, start=1)], lang)
        return Reply(text=text, title=title, fields=fields, buttons=buttons)

    filters: list[str] = []
    if result.free_only:
        filters.append(t("courses.filter_free"))
    if result.paid_only:
        filters.append(t("courses.filter_paid"))
    if result.format is not None:
        filters.append(t("courses.filter_format", format=t(f"courses.format.{result.format.value}")))
    lines: list[str] = []
    if from_requests:
        lines.append(t("courses.from_requests", skills=labels))
    if filters:
        lines.append(t("courses.none_found_filtered", skills=labels, filters=", ".join(filters)))
    else:
        lines.append(t("courses.none_found", skills=labels))
    if result.without_filters:
        lines.append(t("courses.without_filters", count=result.without_filters))
    if result.nearest_skills:
        nearest = ", ".join(f"{skill.label(lang)} (`{skill.slug}`)" for skill in result.nearest_skills)
        lines.append(t("courses.nearest", skills=nearest, example=_example(result.nearest_skills[0], result)))
    elif not result.without_filters:
        lines.append(t("courses.nearest_none"))
    return Reply(text="\n".join(lines), title=title)


def _example(skill: Skill, result: Recommendations) -> str:
    """What follows ``/courses skills:`` in the nearest-skill hint: the skill's slug with the filters its courses
    were counted with (``social-media-strategy format:degree free:no``), so following it lists what was counted."""
    options = [skill.slug]
    if result.format is not None:
        options.append(f"format:{result.format.value}")
    if result.free_only or result.paid_only:
        options.append("free:yes" if result.free_only else "free:no")
    return " ".join(options)


def vote_buttons(numbered: Sequence[tuple[int, Course]], lang: str) -> tuple[Button, ...]:
    """Helpful / not helpful buttons for each numbered resource of a list (``vote.up`` / ``vote.down``, the
    resource id as ref)."""
    t = translator(lang)
    return tuple(
        button
        for rank, course in numbered
        for button in (
            Button("vote.up", course.id, t("curation.button_helpful", rank=rank)),
            Button("vote.down", course.id, t("curation.button_not_helpful", rank=rank)),
        )
    )


def render_introduction_courses(courses: Sequence[Course], lang: str) -> Field | None:
    """A short field for a mentorship introduction: one line per course (title, provider, cost, URL);
    None when there are no courses to suggest."""
    if not courses:
        return None
    t = translator(lang)
    lines = [
        f"{rank}. "
        + t(
            "courses.introduction_item",
            title=shown_title(course),
            provider=course.provider,
            cost=_introduction_cost(course, t),
            url=shown_url(course),
        )
        for rank, course in enumerate(courses, start=1)
    ]
    return Field(name=t("courses.introduction_title"), value="\n".join(lines))


def _introduction_cost(course: Course, t: Translator) -> str:
    if not vouched(course):
        return t("curation.suggested_by_community")
    return t("courses.reason_free") if course.free else t("courses.reason_paid")
