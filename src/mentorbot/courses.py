"""The course catalog: trusted courses, certificates, degrees, coaching, communities and reading lists.

The catalog lives in ``config/courses.toml`` (one ``[[course]]`` table per resource; the file's header
documents every field). Each entry names the taxonomy skills it teaches by slug. Loading is pure:
`load_catalog` either returns a complete, validated `Catalog` or raises `ConfigFileError` naming the file,
the entry and the field, so a caller that reloads simply keeps its previous catalog when a new file is bad.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Final, Literal
from urllib.parse import urlsplit

from babel.core import Locale, get_global
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic import ValidationError as PydanticValidationError

from mentorbot import defaults
from mentorbot.config_errors import validation_problems
from mentorbot.errors import ConfigFileError
from mentorbot.skills import Taxonomy, read_config_toml

_ID_RE: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_LANGUAGE_RE: Final = re.compile(r"[a-z]{2,3}")
_TWO_LETTERS_RE: Final = re.compile(r"[a-z]{2}")
_DURATION_RE: Final = re.compile(
    r"(?P<low>\d+)(?:\s*[-–]\s*(?P<high>\d+))?\s+(?P<unit>hour|day|week|month|year)s?", re.IGNORECASE
)


class CourseLevel(StrEnum):
    """How much experience a resource expects, from least to most."""

    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"

    @property
    def rank(self) -> int:
        """0 for beginner, 1 for intermediate, 2 for advanced."""
        return _LEVEL_ORDER.index(self)


_LEVEL_ORDER: Final = (CourseLevel.BEGINNER, CourseLevel.INTERMEDIATE, CourseLevel.ADVANCED)


class Format(StrEnum):
    """What kind of resource it is. In files and commands `reading list` may also be written with a hyphen."""

    COURSE = "course"
    CERTIFICATE = "certificate"
    DEGREE = "degree"
    COACHING = "coaching"
    COMMUNITY = "community"
    READING_LIST = "reading-list"
    PEOPLE = "people"
    """Curated lists of practitioners to follow (on X, LinkedIn, Threads…)."""


class Cost(StrEnum):
    """Whether a resource is free or paid (a paid one may state its price)."""

    FREE = "free"
    PAID = "paid"


class DurationKind(StrEnum):
    """The words a duration may be instead of a number of units."""

    ONGOING = "ongoing"
    SELF_PACED = "self-paced"
    VARIES = "varies"


class DurationUnit(StrEnum):
    """The units of a measured duration."""

    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True)
class Duration:
    """A parsed duration: either a `kind` word, or `low` (to `high`) `unit`s."""

    kind: DurationKind | None = None
    low: int = 0
    high: int | None = None
    unit: DurationUnit | None = None


def parse_duration(text: str) -> Duration:
    """Parse ``"6 hours"``, ``"3-6 months"``, ``"ongoing"``, ``"self-paced"`` or ``"varies"``.

    Raises `ValueError` (with the accepted forms) for anything else.
    """
    cleaned = " ".join(text.strip().casefold().replace("_", "-").split())
    for kind in DurationKind:
        if cleaned in (kind.value, kind.value.replace("-", " ")):
            return Duration(kind=kind)
    match = _DURATION_RE.fullmatch(cleaned)
    if match is None:
        raise ValueError(f"must be like '6 hours', '3-6 months', 'ongoing', 'self-paced' or 'varies' (got {text!r})")
    low = int(match["low"])
    high = int(match["high"]) if match["high"] else None
    if low <= 0 or (high is not None and high <= low):
        raise ValueError(f"must be a positive number or a rising range like '3-6 months' (got {text!r})")
    return Duration(low=low, high=high, unit=DurationUnit(match["unit"].casefold()))


def _normalize_choice(value: Any) -> Any:
    """Let files and commands write choices in any case, with spaces or underscores for hyphens."""
    if isinstance(value, str):
        return "-".join(value.strip().casefold().replace("_", " ").replace("-", " ").split())
    return value


ID_MAX: Final = 50
"""The longest resource id its vote buttons carry everywhere: Discord refuses a message whose button ids pass 100
characters (``mentorbot:vote.down:<id>:<server id>``), so a longer id's vote buttons are left out there.
`mentorbot catalog check` warns of one (and `--strict`, for the shipped catalog, fails); loading a file does not
refuse it, so a catalog that loaded before keeps loading."""


def _check_id(value: str) -> str:
    if not _ID_RE.fullmatch(value):
        raise ValueError(f"must be lowercase letters, digits and single hyphens, like 'hubspot-seo' (got {value!r})")
    return value


COMMUNITY_ID_PREFIX: Final = "community-"
"""The ids of the community's approved suggestions (``community-12``): no catalog file entry may use it."""


def port_problem(url: str) -> bool:
    """Whether `url` names a port that cannot exist (``https://e.org:99999/x``)."""
    try:
        port = urlsplit(url).port
    except ValueError:
        return True
    return port == 0


def url_problem(value: str) -> str | None:
    """Why `value` cannot be a resource's address, None when it can: the one rule for a catalog file's entry
    and a member's suggestion (which adds its own checks on top, `usecases.curation.check_url`), with
    `host_problem` after it. An address is an http:// or https:// one, with a host of at least two dot-separated
    names, none of them empty (``https://.org/x`` has none before its dot), and a possible port; it holds no
    space, no control or invisible formatting character and no lone surrogate, no backslash before its path (a
    browser reads ``https://evil.example\\@example.org/`` as a page of evil.example, Python as one of example.org),
    and Python can take it apart (``https://[example.org`` cannot)."""
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
    except ValueError:
        return f"must be a full web address like 'https://example.org/course' (got {value!r})"
    if parts.scheme not in ("http", "https"):
        shown = f"'{parts.scheme}:'" if parts.scheme else "none"
        return f"must be an http:// or https:// address (scheme is {shown}, in {value!r})"
    names = host.removesuffix(".").split(".")
    if (
        len(names) < 2
        or not all(names)
        or any(ch.isspace() or unicodedata.category(ch) in _UNSEEN for ch in value)
        or "\\" in parts.netloc
        or port_problem(value)
    ):
        return f"must be a full web address like 'https://example.org/course' (got {value!r})"
    return None


_ASCII_HOST: Final = re.compile(r"[a-z0-9.-]*", re.IGNORECASE)
"""The characters of a host as a browser's address bar shows a site it would not mistake: ASCII letters, digits,
hyphens and dots; an international domain in its ``xn--`` (punycode) form. (How the names and dots are placed
is `url_problem`'s to check.)"""


def host_problem(value: str) -> str | None:
    """Why the host of `value` (an address `url_problem` accepts) cannot be shown as it is, None when it can: a
    host holds ASCII letters, digits, hyphens and dots only (`_ASCII_HOST`). A lookalike letter from another
    script passes one site off as another (``www.cоursera.org`` with a Cyrillic ``о``), and a fraction slash
    (U+2044) makes ``google.com⁄search.evil.example`` read as a Google page of the host evil.example; an
    international domain is written in its ``xn--`` form (`ascii_host` gives it), as the address bar shows it."""
    try:
        host = urlsplit(value).hostname or ""
    except ValueError:
        return None  # url_problem's to say
    if _ASCII_HOST.fullmatch(host):
        return None
    ascii_form = ascii_host(host)
    written = f"; its xn-- form is {ascii_form!r}" if ascii_form else ""
    return (
        f"the host {host!r} must be ASCII letters, digits, hyphens and dots: a letter of another script can pass a "
        f"site off as another; write an international domain in its xn-- form as the browser's address bar shows "
        f"it{written} (in {value!r})"
    )


def ascii_host(host: str) -> str | None:
    """`host` in its ASCII (IDNA, ``xn--``) form as a browser would reach it (``www.xn--cursera-9ig.org`` for
    ``www.cоursera.org``), None when it has none (a name IDNA refuses, a label too long)."""
    try:
        encoded = host.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    return encoded if encoded and _ASCII_HOST.fullmatch(encoded) else None


_UNSEEN: Final = frozenset({"Cc", "Cf", "Cs"})
"""Control characters (NUL, bell…), invisible formatting ones (zero-width space, right-to-left override…) and
lone surrogates: no address holds them as typed, and a database may refuse them."""


def _check_url(value: str) -> str:
    problem = url_problem(value) or host_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _check_duration(value: str) -> str:
    parse_duration(value)
    return value


@cache
def two_letter_codes() -> Mapping[str, str]:
    """The ISO 639 codes that have a two-letter (ISO 639-1) equivalent, each to it: CLDR's language aliases (read
    through Babel) whose replacement is a bare two-letter code. ISO 639-2/T and 639-3 codes (``swa``, ``eng``,
    ``fra``), 639-2/B ones (``fre``, ``ger``), the main individual language of a macrolanguage (``swh`` → ``sw``)
    and retired two-letter codes (``iw`` → ``he``)."""
    aliases: Mapping[str, str] = get_global("language_aliases")
    return {
        code: alias
        for code, alias in aliases.items()
        if _LANGUAGE_RE.fullmatch(code) and _TWO_LETTERS_RE.fullmatch(alias)
    }


_NO_LANGUAGE: Final = frozenset({"mis", "mul", "und", "zxx"})
"""ISO 639's special codes, which CLDR names but which name no language a resource is taught in (uncoded,
multiple, undetermined, no linguistic content)."""


@cache
def _language_names() -> Mapping[str, str]:
    """CLDR's English names of the ISO 639 codes it knows as languages (through Babel), the special codes left
    out."""
    names: Mapping[str, str] = Locale("en").languages
    return {code: name for code, name in names.items() if _LANGUAGE_RE.fullmatch(code) and code not in _NO_LANGUAGE}


@cache
def known_language_codes() -> frozenset[str]:
    """The ISO 639 codes a course's `language` may be: those CLDR (through Babel) names as languages (``sw``,
    ``luo``, ``kln``), and CLDR's aliases of them (``swa``, ``swh``, ``iw``, ``kik``)."""
    names = _language_names()
    aliases: Mapping[str, str] = get_global("language_aliases")
    aliased = {code for code, alias in aliases.items() if _LANGUAGE_RE.fullmatch(code) and _base(alias) in names}
    return frozenset(names) | aliased


def _base(tag: str) -> str:
    """The language part of a CLDR tag (``sr`` of ``sr_Latn``)."""
    return tag.split("_", 1)[0]


def language_display_name(code: str, lang: str) -> str | None:
    """CLDR's name, for a reader of `lang`, of a course's language `code` that may have no two-letter form
    (``luo``: "Luo", Swahili "Kijaluo"), else its English name, else None. An alias is named as the language it
    stands for."""
    if code not in known_language_codes():
        return None
    aliases: Mapping[str, str] = get_global("language_aliases")
    canonical = code if code in _language_names() else _base(aliases.get(code, code))
    names: Mapping[str, str] = Locale.parse(lang).languages
    return names.get(canonical) or _language_names().get(canonical)


def _swapped(value: str) -> list[str]:
    """The known codes `value` is with two letters side by side swapped (``ws`` → ``sw``), for a "did you mean"."""
    known = known_language_codes()
    found = (value[:i] + value[i + 1] + value[i] + value[i + 2 :] for i in range(len(value) - 1))
    return list(dict.fromkeys(code for code in found if code != value and code in known))


def _check_language(value: str) -> str:
    """The language code as the catalog keeps it: an ISO 639 code; one with a two-letter equivalent becomes that
    code (``swa`` → ``sw``), since ranking, `catalog check` and the reader's language all compare two-letter codes;
    a code without one (``luo``) stays as written. A two-letter code no language has (every ISO 639-1 code is one
    CLDR knows, `known_language_codes`) is refused, with the code it likely is when its two letters are swapped
    (``ws``: did you mean ``sw``?). A three-letter one is not checked so: ISO 639-3 names some 7,900 languages and
    CLDR a few hundred, and many spoken where the bot is used are not among them (Lango ``laj``, Haya ``hay``); only
    the codes that name no language (`_NO_LANGUAGE`) are refused."""
    if not _LANGUAGE_RE.fullmatch(value):
        raise ValueError(f"must be a lowercase ISO 639 language code like 'en' or 'sw' (got {value!r})")
    if value in _NO_LANGUAGE or (len(value) == 2 and value not in known_language_codes()):
        likely = _swapped(value)
        hint = f"; did you mean {', '.join(repr(code) for code in likely)}?" if likely else ""
        raise ValueError(
            f"must be the ISO 639 code of a language, like 'en' or 'sw': no language has the code {value!r}{hint}"
        )
    return two_letter_codes().get(value, value)


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
CourseId = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_check_id)]
Url = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_check_url)]
DurationText = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_check_duration)]
LanguageCode = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_check_language)]
CourseLevelField = Annotated[CourseLevel, BeforeValidator(_normalize_choice)]
FormatField = Annotated[Format, BeforeValidator(_normalize_choice)]
CostField = Annotated[Cost, BeforeValidator(_normalize_choice)]


class Course(BaseModel):
    """One entry of the catalog.

    `skills` are taxonomy slugs, the skill the resource focuses on first, each once. When validated with
    ``context={"taxonomy": taxonomy}`` every slug must be in that taxonomy. A validation error names the first bad
    slug; `skill_problems` names them all (`load_catalog` reports each).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: CourseId
    title: Text
    provider: Text
    url: Url
    skills: tuple[str, ...]
    level: CourseLevelField
    format: FormatField
    cost: CostField
    price: Text | None = None
    duration: DurationText
    language: LanguageCode
    paid_certificate: bool = False
    """Free to learn (audit), with a certificate that costs money: only with ``cost = "free"``."""
    region: Literal["east-africa"] | None = None
    """Set for a resource from or for East Africa (`mentorbot catalog check` counts them)."""

    @field_validator("skills")
    @classmethod
    def _check_skills(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        if not value:
            raise ValueError("must name at least one skill slug")
        taxonomy = info.context.get("taxonomy") if isinstance(info.context, dict) else None
        for field, reason in skill_problems(value, taxonomy if isinstance(taxonomy, Taxonomy) else None)[:1]:
            raise ValueError(f"{field}: {reason}")
        return value

    # The price and the certificate are checked against the cost field by field (the cost is validated before
    # them), not once the whole entry is valid: an entry's other problems do not hide theirs.
    @field_validator("price")
    @classmethod
    def _check_price(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("cost") is Cost.FREE:
            raise ValueError('a free resource has no price; remove it or set cost = "paid"')
        return value

    @field_validator("paid_certificate")
    @classmethod
    def _check_paid_certificate(cls, value: bool, info: ValidationInfo) -> bool:
        cost = info.data.get("cost")
        if value and cost is not None and cost is not Cost.FREE:
            raise ValueError('only for a resource that is free to learn (cost = "free")')
        return value

    @property
    def free(self) -> bool:
        """Whether the resource costs nothing."""
        return self.cost is Cost.FREE

    @property
    def parsed_duration(self) -> Duration:
        """The duration, parsed."""
        return parse_duration(self.duration)


class CommunityCourse(Course):
    """A resource a member suggested and an admin approved: part of one community's catalog only, shown
    "suggested by the community". Its level, format, cost and language are not vouched for."""

    suggestion_id: int


@dataclass(frozen=True)
class Tally:
    """A community's helpful / not helpful votes on one resource."""

    helpful: int = 0
    not_helpful: int = 0

    @property
    def total(self) -> int:
        """Every vote cast on the resource."""
        return self.helpful + self.not_helpful


def skill_problems(skills: object, taxonomy: Taxonomy | None) -> list[tuple[str, str]]:
    """Every problem of a course's skill slugs (as a file writes them), each with its field (``skills[2]``): a slug
    listed twice and, with a `taxonomy`, a slug it does not have (an alias names the slug to write, a typo the
    close ones). Not a list of strings: nothing here (the model's validation says what is wrong)."""
    if not isinstance(skills, list | tuple):
        return []
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for index, slug in enumerate(skills):
        if not isinstance(slug, str):
            continue
        if slug in seen:
            problems.append((f"skills[{index}]", f"{slug!r} is listed twice"))
        elif taxonomy is not None and taxonomy.get(slug) is None:
            problems.append((f"skills[{index}]", _unknown_skill_reason(slug, taxonomy)))
        seen.add(slug)
    return problems


def _unknown_skill_reason(slug: str, taxonomy: Taxonomy) -> str:
    """Why `slug` is refused: an alias names the slug to use; otherwise suggest close slugs."""
    skill = taxonomy.resolve(slug)
    if skill is not None:
        return f"{slug!r} is not a skill slug; write {skill.slug!r}"
    suggestions = taxonomy.suggest(slug)
    if suggestions:
        return f"unknown skill {slug!r}; did you mean {', '.join(repr(s.slug) for s in suggestions)}?"
    return f"unknown skill {slug!r}; the skills are listed in the skills file (mentorbot /skills)"


@dataclass(frozen=True)
class SkillCoverage:
    """How many catalog entries teach one skill, and how many of them are free."""

    slug: str
    total: int
    free: int

    @property
    def paid(self) -> int:
        """Entries for the skill that cost money."""
        return self.total - self.free


class Catalog:
    """A validated, immutable set of courses with lookup by id and by skill."""

    def __init__(self, courses: Iterable[Course], source: Path | None = None) -> None:
        """Index `courses`; raises `ValueError` when two share an id (`load_catalog` reports it per entry)."""
        self.courses: tuple[Course, ...] = tuple(courses)
        self.source = source
        self._by_id: dict[str, Course] = {}
        self._by_skill: dict[str, list[Course]] = {}
        for course in self.courses:
            if course.id in self._by_id:
                raise ValueError(f"duplicate course id {course.id!r}")
            self._by_id[course.id] = course
            for slug in course.skills:
                self._by_skill.setdefault(slug, []).append(course)

    def __len__(self) -> int:
        return len(self.courses)

    def __iter__(self) -> Iterator[Course]:
        return iter(self.courses)

    def get(self, course_id: str) -> Course | None:
        """The course with this id."""
        return self._by_id.get(course_id)

    def for_skill(self, slug: str) -> tuple[Course, ...]:
        """Every course that teaches `slug`, in file order."""
        return tuple(self._by_skill.get(slug, ()))

    @property
    def skills_covered(self) -> frozenset[str]:
        """The slugs that at least one course teaches."""
        return frozenset(self._by_skill)

    def coverage(self, taxonomy: Taxonomy) -> list[SkillCoverage]:
        """Per taxonomy skill (in taxonomy order): how many courses teach it, and how many are free."""
        rows: list[SkillCoverage] = []
        for skill in taxonomy.skills:
            courses = self._by_skill.get(skill.slug, [])
            rows.append(SkillCoverage(skill.slug, len(courses), sum(1 for c in courses if c.free)))
        return rows


def _entry(index: int, course_id: object) -> str:
    """How an error names an entry: ``course #3 (hubspot-seo)`` (1-based, as a person counts)."""
    return f"course #{index + 1} ({course_id})" if isinstance(course_id, str) and course_id else f"course #{index + 1}"


def load_catalog(path: Path | str, taxonomy: Taxonomy | None) -> Catalog:
    """Read and validate a courses file against `taxonomy` (None: its skills are not checked, for
    `library.check_files` to report the file's other problems when the skills file itself is broken).

    Returns a complete new `Catalog`, or raises `ConfigFileError` naming the file, the entry and the field, with
    every entry's problems (`ConfigFileError.problems`): unreadable file, TOML syntax error, missing or unknown
    field, unknown skill slug, duplicate id, a URL that is not http(s), ... Nothing else changes, so callers keep
    their previous catalog on error.
    """
    path = Path(path)
    data = read_config_toml(path)

    extra = sorted(set(data) - {"course"})
    if extra:
        raise ConfigFileError(path, None, extra[0], "unknown top-level key; courses are [[course]] tables")
    entries = data.get("course")
    if not isinstance(entries, list) or not entries:
        raise ConfigFileError(path, None, "course", "no courses defined: add [[course]] tables")

    courses: list[Course] = []
    problems: list[ConfigFileError] = []  # every entry's, so that the admin fixes them in one pass
    first_index: dict[str, int] = {}
    for index, raw in enumerate(entries):
        if not isinstance(raw, dict):
            problems.append(ConfigFileError(path, _entry(index, None), None, "must be a table, written [[course]]"))
            continue
        where = _entry(index, _written_id(raw.get("id")) or raw.get("id"))
        found: list[tuple[str | None, str]] = []
        course: Course | None = None
        try:
            course = Course.model_validate(raw, context={"taxonomy": taxonomy})
        except PydanticValidationError as exc:
            found += validation_problems(exc)
        # The validation names an entry's first bad skill slug only: every one is told (each once).
        found += [problem for problem in skill_problems(raw.get("skills"), taxonomy) if problem not in found]
        found.sort(key=_field_place)
        # The id's clash with another entry's is told whatever else is wrong with either (an id that is no id
        # is its own problem, told above).
        course_id = course.id if course is not None else _written_id(raw.get("id"))
        if course_id is not None and course_id.startswith(COMMUNITY_ID_PREFIX):
            reason = f"ids starting with {COMMUNITY_ID_PREFIX!r} are kept for the community's approved suggestions"
            found.append(("id", reason + "; rename this entry"))
        if course_id is not None and (first := first_index.setdefault(course_id, index)) != index:
            found.append(("id", f"duplicate id {course_id!r}, already used by {_entry(first, course_id)}"))
        problems += [ConfigFileError(path, where, field, reason) for field, reason in found]
        if course is not None and not found:
            courses.append(course)
    if problems:
        raise ConfigFileError.of(problems)
    return Catalog(courses, source=path)


def _written_id(value: object) -> str | None:
    """The id an entry that failed validation is known by in the file, when it is one (as validation keeps it:
    stripped), for the duplicate-id check; None when it is no id (that is told as the entry's own problem)."""
    if not isinstance(value, str):
        return None
    stripped = value.strip()
    return stripped if _ID_RE.fullmatch(stripped) else None


def _field_place(problem: tuple[str | None, str]) -> int:
    """Where an entry's problem is told: in the order of the entry's fields (``skills[3]`` with ``skills``), a
    problem of no known field (an unknown one, the entry as a whole) after them."""
    field = problem[0] or ""
    base = re.match(r"[a-z_]*", field)
    order = list(Course.model_fields)
    name = base[0] if base else ""
    return order.index(name) if name in order else len(order)


def default_courses_path() -> Path:
    """The packaged default catalog (a copy of the repository's ``config/courses.toml``)."""
    return defaults.courses_path()


# --- addresses: how two URLs are compared, and which ones are not a resource's own page -------------------

_TRACKING_PARAMS: Final = frozenset({"fbclid", "gclid", "igshid", "mc_cid", "mc_eid", "ref", "si"})
_SEARCH_PARAMS: Final = frozenset({"q", "query", "keywords", "search", "s", "k", "term"})
_SEARCH_PATH: Final = re.compile(r"(^|/)(search|results)(/results)?/?$", re.IGNORECASE)
_OWN_PAGE_FORMATS: Final = frozenset({Format.CERTIFICATE, Format.DEGREE})
"""Formats whose entry must point at the programme's own page, not at a school's or academy's homepage (a
course collection, a community or a coaching service may be a whole site)."""


_ENCODED_BRACKET: Final = re.compile("%5([bd])", re.IGNORECASE)
"""A percent-encoded square bracket (``%5B``, ``%5D``, either case), read by `url_key` as the bracket itself."""


def _brackets(text: str) -> str:
    """`text` with each percent-encoded square bracket (`_ENCODED_BRACKET`) the bracket itself."""
    return _ENCODED_BRACKET.sub(lambda m: "[" if m[1] in "bB" else "]", text)


def url_key(url: str, *, brackets: bool = True) -> str:
    """The form two addresses are compared in: no scheme, no ``www.``, lowercase host without the dot a fully
    qualified one ends with (``academy.hubspot.com.``, as `usecases.curation.check_url` reads it), no trailing
    slash, no fragment, no tracking parameters (``utm_*``, ``fbclid``…), the other parameters sorted, and a
    percent-encoded square bracket in the path or the parameters read as the bracket (``%5B``, ``%5D``): a member's
    address is shown so (`text_safety.defuse_url`) and typed so (`curation.url_brackets` tells them to), and one
    stored with raw brackets (before session 45, or in a courses file) is the same page. A suggestion's key stored
    with raw brackets matches as it is; one stored with ``%5B`` or ``%5D`` (typed so before session 46) is its
    address's key with `brackets` False, which `url_keys` gives too."""
    decode = _brackets if brackets else str
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").casefold().rstrip(".").removeprefix("www.")
    path = decode(parts.path).rstrip("/")
    params = sorted(
        decode(p)
        for p in parts.query.split("&")
        if p and not p.casefold().startswith("utm_") and p.split("=", 1)[0].casefold() not in _TRACKING_PARAMS
    )
    return host + path + ("?" + "&".join(params) if params else "")


def url_keys(url: str) -> tuple[str, ...]:
    """The keys a suggestion of `url` may be stored under: its `url_key`, and, when they differ, the keys it had
    before session 46 read ``%5B`` and ``%5D`` as brackets, typed in capitals or not (a suggestion typed so then is
    the same page; one typed with both cases mixed in one address is not looked for)."""
    upper = _ENCODED_BRACKET.sub(lambda m: "%5" + m[1].upper(), url)
    lower = _ENCODED_BRACKET.sub(lambda m: "%5" + m[1].lower(), url)
    keys = [url_key(url), url_key(url, brackets=False), url_key(upper, brackets=False), url_key(lower, brackets=False)]
    return tuple(dict.fromkeys(keys))


def is_search_url(url: str) -> bool:
    """Whether `url` is a search-results page (``/search?keywords=…``) rather than a resource."""
    parts = urlsplit(url)
    keys = {p.split("=", 1)[0].casefold() for p in parts.query.split("&") if p}
    return bool(_SEARCH_PATH.search(parts.path)) or bool(keys & _SEARCH_PARAMS)


def is_homepage(url: str) -> bool:
    """Whether `url` is a site's front page (no path, or only ``/``)."""
    parts = urlsplit(url)
    return parts.path.strip("/") == "" and not parts.query


@dataclass(frozen=True)
class UrlProblem:
    """A catalog entry whose address is not the resource's own page: `kind` is ``search``, ``homepage`` or
    ``shared`` (with `others`, the ids of the entries with the same address)."""

    course_id: str
    kind: str
    url: str
    others: tuple[str, ...] = ()


def url_problems(catalog: Catalog) -> list[UrlProblem]:
    """Entries pointing at search results, at a homepage (for a certificate or a degree, which have a page of
    their own), or at the same address as another entry."""
    problems: list[UrlProblem] = []
    by_key: dict[str, list[str]] = {}
    for course in catalog:
        by_key.setdefault(url_key(course.url), []).append(course.id)
        if is_search_url(course.url):
            problems.append(UrlProblem(course.id, "search", course.url))
        elif course.format in _OWN_PAGE_FORMATS and is_homepage(course.url):
            problems.append(UrlProblem(course.id, "homepage", course.url))
    for course in catalog:
        sharing = by_key[url_key(course.url)]
        if len(sharing) > 1:
            others = tuple(other for other in sharing if other != course.id)
            problems.append(UrlProblem(course.id, "shared", course.url, others))
    return problems
