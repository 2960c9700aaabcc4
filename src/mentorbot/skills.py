"""The skills taxonomy: the tags mentors offer, members ask for and courses teach.

The taxonomy lives in ``config/skills.toml`` (one ``[[skill]]`` table per skill). A member can type a skill
by its slug, its English or Swahili label or any alias, in any case and with any spacing or punctuation
(``"Crisis-Comms!"`` is ``crisis-communications``). Unknown tags get up to three "did you mean" suggestions.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Final

from pydantic import AfterValidator, AliasChoices, BaseModel, ConfigDict, Field, StringConstraints
from pydantic import ValidationError as PydanticValidationError

from mentorbot import defaults, paging
from mentorbot.config_errors import validation_problems
from mentorbot.errors import ConfigFileError, UserError
from mentorbot.i18n import LANGUAGES, Translator, load_catalog, translator
from mentorbot.replies import Reply

SEARCH_LIMIT: Final = 25
"""Discord shows at most 25 autocomplete choices."""

_SLUG_RE: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SUGGEST_CUTOFF: Final = 0.75
_TAG_SEPARATORS: Final = re.compile(r"[,;\n]")


SUGGEST_MAX: Final = 80
"""The longest tag "did you mean" compares with the skills' names (the longest name is under 50 characters)."""


def normalize(text: str) -> str:
    """The form tags are compared in: casefolded, accents stripped, only letters and digits kept."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum())


def word_starts(text: str) -> tuple[str, frozenset[int]]:
    """`text` normalized (as `normalize`) with the offsets in it at which its words begin: where ``"paid
    social"`` becomes ``"paidsocial"``, ``{0, 4}``. An accent stripped does not split a word."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept: list[str] = []
    starts: set[int] = set()
    between = True
    for ch in decomposed:
        if ch.isalnum():
            if between:
                starts.add(len(kept))
            kept.append(ch)
            between = False
        elif not unicodedata.combining(ch):
            between = True
    return "".join(kept), frozenset(starts)


def parse_tags(text: str) -> list[str]:
    """Split a typed list of skills (``"crisis comms, paid social;SEO"``) into trimmed, non-empty tags."""
    return [tag for part in _TAG_SEPARATORS.split(text) if (tag := part.strip())]


def _check_slug(value: str) -> str:
    if not _SLUG_RE.fullmatch(value):
        raise ValueError(f"must be lowercase letters, digits and single hyphens, like 'paid-social' (got {value!r})")
    return value


def _check_name(value: str) -> str:
    if not normalize(value):
        raise ValueError(f"must contain a letter or a digit (got {value!r})")
    return value


Slug = Annotated[str, AfterValidator(_check_slug)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(_check_name)]


class Labels(BaseModel):
    """A skill's display name in each language."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    en: Name
    sw: Name


class Skill(BaseModel):
    """One skill of the taxonomy. In the file, `labels` is written ``label = { en = "...", sw = "..." }``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    slug: Slug
    category: Slug
    labels: Labels = Field(validation_alias=AliasChoices("label", "labels"))
    aliases: tuple[Name, ...] = ()

    def label(self, lang: str) -> str:
        """The display name in `lang`, English for any language without a label."""
        return self.labels.sw if lang == "sw" else self.labels.en

    def names(self) -> list[tuple[str, str]]:
        """Every name the skill answers to, as ``(field, text)`` pairs in file terms."""
        return [
            ("slug", self.slug),
            ("label.en", self.labels.en),
            ("label.sw", self.labels.sw),
            *((f"aliases[{i}]", alias) for i, alias in enumerate(self.aliases)),
        ]


@dataclass(frozen=True)
class UnknownTag:
    """A tag that names no skill, with the closest skills (best first)."""

    tag: str
    suggestions: list[Skill]


@dataclass(frozen=True)
class ResolvedTags:
    """The skills a list of tags names (deduplicated, in input order) and the tags that name none."""

    skills: list[Skill]
    unknown: list[UnknownTag]


class TaxonomyError(ValueError):
    """Two skills share a slug or a name. `index` is the 0-based position of the later skill."""

    def __init__(self, index: int, skill: Skill, field: str, reason: str) -> None:
        super().__init__(f"{_entry(index, skill.slug)}, field '{field}': {reason}")
        self.index = index
        self.skill = skill
        self.field = field
        self.reason = reason


def _entry(index: int, slug: object) -> str:
    """How an error names an entry: ``skill #3 (paid-social)`` (1-based, as a person counts)."""
    return f"skill #{index + 1} ({slug})" if isinstance(slug, str) and slug else f"skill #{index + 1}"


def _inside(part: str, whole: str, starts: frozenset[int]) -> bool:
    """Whether `part` is in `whole` beginning at one of its word `starts` (``"ads"`` in ``"paidads"`` at 4,
    not in ``"leads"``)."""
    return any(whole.startswith(part, start) for start in starts)


def _similarity(query: tuple[str, frozenset[int]], name: tuple[str, frozenset[int]]) -> float:
    """How close an unknown tag is to a skill name (both as `word_starts` gives them), from 0 to 1. A part of
    one counts only from a word's beginning: ``"google ads"`` is not close to ``"leads"``, nor ``"wordpress"``
    to ``"press"``."""
    (typed, typed_starts), (known, known_starts) = query, name
    if typed == known:
        return 1.0
    if known.startswith(typed) and len(typed) >= 3:
        return 0.9
    if len(typed) >= 3 and _inside(typed, known, known_starts):
        return 0.8
    ends = frozenset(start for start in typed_starts if start) | {len(typed)}
    if len(known) >= 3 and any(typed.startswith(known, start) and start + len(known) in ends for start in typed_starts):
        return 0.8
    return difflib.SequenceMatcher(None, typed, known).ratio()


def read_config_toml(path: Path | str) -> dict[str, Any]:
    """The data of an admin's TOML file (the skills file, the courses file), or `ConfigFileError` naming the file.

    Read as UTF-8 with or without a byte-order mark: Notepad before 2019 and PowerShell 5's ``Set-Content -Encoding
    UTF8`` write one, which is no part of the text (tomllib would refuse it "at line 1, column 1", where the admin
    sees nothing wrong; the ``.env`` and the mentors CSV are read past it too). A TOML syntax error names its line:
    tomllib says "(at line 3, column 7)", or "(at end of document)" (a list or inline table left open at the end),
    which is given the document's last line.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigFileError(path, None, None, f"cannot read the file ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise ConfigFileError(path, None, None, f"not UTF-8 text ({exc.reason})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = f"at end of document, line {len(text.splitlines()) or 1}"
        reason = " ".join(str(exc).replace("at end of document", where).split())
        raise ConfigFileError(path, None, None, f"TOML syntax error: {reason}") from None


class Taxonomy:
    """The validated set of skills, with lookup by any name, suggestions and search."""

    def __init__(self, skills: Iterable[Skill]) -> None:
        """Index `skills`; raises `TaxonomyError` when two share a slug or any name."""
        self.skills: tuple[Skill, ...] = tuple(skills)
        self._by_slug: dict[str, Skill] = {}
        self._by_name: dict[str, Skill] = {}
        self._worded: dict[str, tuple[tuple[str, frozenset[int]], ...]] = {}
        slug_index: dict[str, int] = {}
        owners: dict[str, tuple[int, str, str]] = {}  # normalized name -> (skill index, field, text)
        for index, skill in enumerate(self.skills):
            first = slug_index.setdefault(skill.slug, index)
            if first != index:
                reason = f"duplicate slug {skill.slug!r}, already used by {_entry(first, skill.slug)}"
                raise TaxonomyError(index, skill, "slug", reason)
            worded: dict[str, frozenset[int]] = {}
            for field, text in skill.names():
                key, starts = word_starts(text)  # the key is `normalize(text)`
                worded[key] = worded.get(key, frozenset()) | starts
                owner, owner_field, owner_text = owners.setdefault(key, (index, field, text))
                if owner != index:
                    reason = (
                        f"{text!r} clashes with {owner_text!r} ({owner_field}) of"
                        f" {_entry(owner, self.skills[owner].slug)}: a name must lead to one skill only"
                    )
                    raise TaxonomyError(index, skill, field, reason)
                self._by_name[key] = skill
            self._by_slug[skill.slug] = skill
            self._worded[skill.slug] = tuple(worded.items())
        self.slugs: frozenset[str] = frozenset(self._by_slug)

    @classmethod
    def from_skills(cls, skills: Iterable[Skill]) -> Taxonomy:
        """A taxonomy of `skills` (for tests and code that builds skills itself)."""
        return cls(skills)

    @classmethod
    def load(cls, path: Path | str) -> Taxonomy:
        """Read and validate a skills file; a problem raises `ConfigFileError` naming entry and field, with every
        entry's problems (`ConfigFileError.problems`)."""
        data = read_config_toml(path)
        extra = sorted(set(data) - {"skill"})
        if extra:
            raise ConfigFileError(path, None, extra[0], "unknown top-level key; skills are [[skill]] tables")
        entries = data.get("skill")
        if entries is None:
            raise ConfigFileError(path, None, "skill", "no skills defined: add [[skill]] tables")
        if not isinstance(entries, list):
            raise ConfigFileError(path, None, "skill", "must be an array of tables, written [[skill]]")
        if not entries:
            raise ConfigFileError(path, None, "skill", "no skills defined: add [[skill]] tables")

        skills: list[Skill] = []
        problems: list[ConfigFileError] = []  # every entry's, so that the admin fixes them in one pass
        for index, raw in enumerate(entries):
            slug = raw.get("slug") if isinstance(raw, dict) else None
            try:
                skills.append(Skill.model_validate(raw))
            except PydanticValidationError as exc:
                problems += [
                    ConfigFileError(path, _entry(index, slug), field, reason)
                    for field, reason in validation_problems(exc)
                ]
        if problems:  # the checks across entries (a slug or alias used twice) need every entry valid
            raise ConfigFileError.of(problems)
        try:
            return cls(skills)
        except TaxonomyError as exc:
            raise ConfigFileError(path, _entry(exc.index, exc.skill.slug), exc.field, exc.reason) from None

    def __contains__(self, item: object) -> bool:
        if isinstance(item, Skill):
            return self._by_slug.get(item.slug) == item
        return isinstance(item, str) and item in self._by_slug

    def __len__(self) -> int:
        return len(self.skills)

    def __iter__(self) -> Iterator[Skill]:
        return iter(self.skills)

    def get(self, slug: str) -> Skill | None:
        """The skill with exactly this slug."""
        return self._by_slug.get(slug)

    def resolve(self, tag: str) -> Skill | None:
        """The skill `tag` names (slug, either label or an alias, ignoring case, spacing and punctuation)."""
        return self._by_name.get(normalize(tag))

    def slug_for(self, tag: str) -> str | None:
        """The slug of the skill `tag` names (see `resolve`), or None."""
        skill = self.resolve(tag)
        return skill.slug if skill is not None else None

    def suggest(self, tag: str, limit: int = 3) -> list[Skill]:
        """Up to `limit` skills whose names are close to `tag`, best first; none when nothing is close, or when
        `tag` is longer than `SUGGEST_MAX` characters (no name is near it, and comparing it with every name
        would hold the event loop: a 6,000-character tag took 1.3 s)."""
        query = word_starts(tag)
        if not query[0] or limit <= 0 or len(query[0]) > SUGGEST_MAX:
            return []
        scored: list[tuple[float, int, Skill]] = []
        for position, skill in enumerate(self.skills):
            score = max(_similarity(query, name) for name in self._worded[skill.slug])
            if score >= _SUGGEST_CUTOFF:
                scored.append((-score, position, skill))
        scored.sort(key=lambda item: item[:2])
        return [skill for _, _, skill in scored[:limit]]

    def resolve_many(self, tags: Iterable[str]) -> ResolvedTags:
        """Resolve every tag: known skills once each in input order, unknown tags once each. Only the first
        unknown tag, the one a member is told about, gets suggestions: working them out for every tag of a long
        list of unknown ones held the event loop for seconds."""
        skills: dict[str, Skill] = {}
        unknown: dict[str, UnknownTag] = {}
        for tag in tags:
            if not tag.strip():
                continue
            skill = self.resolve(tag)
            if skill is not None:
                skills.setdefault(skill.slug, skill)
            elif (key := normalize(tag) or tag) not in unknown:
                unknown[key] = UnknownTag(tag.strip(), [] if unknown else self.suggest(tag))
        return ResolvedTags(list(skills.values()), list(unknown.values()))

    def require_skills(self, tags: Iterable[str], lang: str) -> list[Skill]:
        """The skills `tags` name; the first unknown tag raises a `UserError` in the member's language.

        The error is ``skills.unknown`` (params `tag`, `suggestions` rendered as
        ``"paid-social (Paid social), ..."``) or ``skills.unknown_no_suggestion`` (param `tag`).
        """
        resolved = self.resolve_many(tags)
        if resolved.unknown:
            first = resolved.unknown[0]
            if first.suggestions:
                suggestions = ", ".join(f"{s.slug} ({s.label(lang)})" for s in first.suggestions)
                raise UserError("skills.unknown", tag=first.tag, suggestions=suggestions)
            raise UserError("skills.unknown_no_suggestion", tag=first.tag)
        return resolved.skills

    def search(self, query: str, limit: int = SEARCH_LIMIT) -> list[Skill]:
        """Skills for ``/skills [query]`` and autocomplete: exact, then prefix, then matches beginning at a later
        word of any name (``"ads"`` finds "paid ads", not "leads"), each group in file order; an empty query
        lists every skill."""
        wanted = normalize(query)
        if not wanted:
            return list(self.skills[: max(limit, 0)])
        tiers: tuple[list[Skill], list[Skill], list[Skill]] = ([], [], [])
        for skill in self.skills:
            names = self._worded[skill.slug]
            if any(name == wanted for name, _ in names):
                tiers[0].append(skill)
            elif any(name.startswith(wanted) for name, _ in names):
                tiers[1].append(skill)
            elif any(_inside(wanted, name, starts) for name, starts in names):
                tiers[2].append(skill)
        return [*tiers[0], *tiers[1], *tiers[2]][: max(limit, 0)]


_CATEGORY_PREFIX: Final = "skills.category."


def named_categories() -> tuple[str, ...]:
    """The skill categories every language's message catalog names (``skills.category.<category>``), in the
    English catalog's order: /skills shows each by that name. Another category is shown by its slug, title-cased,
    in every language (`unnamed_categories` warns of it: a typo, or a community's own group whose name a package of
    the ``mentorbot.locales`` entry points could bring)."""
    english = [key.removeprefix(_CATEGORY_PREFIX) for key in load_catalog("en") if key.startswith(_CATEGORY_PREFIX)]
    return tuple(name for name in english if all(_CATEGORY_PREFIX + name in load_catalog(lang) for lang in LANGUAGES))


def unnamed_categories(path: str | Path, taxonomy: Taxonomy) -> list[ConfigFileError]:
    """The skills of `taxonomy` (read from `path`) whose category no message catalog names: a warning each, for
    ``mentorbot config check`` (not a refusal: a community's own group is shown by its slug, as before; a typo,
    "contnet", would make a group of its own)."""
    categories = named_categories()
    return [
        ConfigFileError(
            path, _entry(index, skill.slug), "category", _unnamed_category_reason(skill.category, categories)
        )
        for index, skill in enumerate(taxonomy)
        if skill.category not in categories
    ]


def _unnamed_category_reason(category: str, categories: Sequence[str]) -> str:
    close = difflib.get_close_matches(category, categories, n=1, cutoff=0.6)
    meant = f": did you mean {close[0]!r}?" if close else "."
    return (
        f"category {category!r} has no name in the message catalogs{meant} /skills shows it as "
        f"{category.replace('-', ' ').capitalize()!r} in every language; the named ones: {', '.join(categories)}"
    )


def default_skills_path() -> Path:
    """The packaged default taxonomy (a copy of the repository's ``config/skills.toml``)."""
    return defaults.skills_path()


def render_skill_list(skills: Sequence[Skill], lang: str, query: str | None, *, start: int = 0) -> Reply:
    """The ``/skills [query]`` reply: every skill found as a list (by category when nothing was asked, best
    match first otherwise), one entry per skill with its category and aliases, a page from `start`."""
    t = translator(lang)
    title = t("skills.list.title_query", query=query) if query else t("skills.list.title")
    if not skills:
        text = t("skills.no_match", query=query) if query else t("skills.list.empty")
        return Reply(text=text, title=title)
    ordered = list(skills)
    if not query:
        categories = list(dict.fromkeys(skill.category for skill in ordered))
        ordered.sort(key=lambda skill: categories.index(skill.category))
    lines = []
    for skill in ordered:
        names = {"label": skill.label(lang), "slug": skill.slug, "category": category_name(skill.category, t)}
        if skill.aliases:
            lines.append(t("lists.skill_line_aliases", aliases=", ".join(skill.aliases), **names))
        else:
            lines.append(t("lists.skill_line", **names))
    page = paging.listing(
        "",  # the reply's title names the list already
        lines,
        start=start,
        page_size=paging.PAGE_SIZE,
        source="skills",
        query=query or "",
        empty=t("skills.list.empty"),
        lang=lang,
    )
    return Reply(text=t("skills.list.hint"), title=title, listings=(page,))


def category_name(category: str, t: Translator) -> str:
    """A skill category's name in `t`'s language (its catalog entry, else the slug written as words)."""
    key = f"skills.category.{category}"
    return t(key) if t.has(key) else category.replace("-", " ").capitalize()
