"""``mentorbot admin import-mentors FILE.csv``: many mentor profiles at once, all or nothing.

Columns (header row required, any order, names case-insensitive):

- ``user_id`` (required): the platform user id (Discord user id, Slack ``U…`` id, the name in the console, in
  any case: the console's ids are lower-cased, as ``/as`` does);
- ``name``: display name (default: the user id);
- ``skills`` (required): skills, comma- or semicolon-separated, as members type them;
- ``levels``: as in ``/mentor signup`` (``expert``; ``expert, learning``; ``seo:expert, copywriting:learning``);
- ``capacity``: 1–10 (default: the ``MENTORBOT_DEFAULT_CAPACITY`` setting);
- ``bio``, ``timezone`` (``Africa/Nairobi``, ``UTC+3``; default: none given, as ``/mentor signup`` stores it),
  ``languages`` (``en, sw``; default: the community default).

The defaults are a new mentor's. An existing one is updated under the rule of ``/mentor signup``: a column
left out, or a cell left empty, keeps what they have (their display name included), and a skill they keep
with no level given keeps its level (`storage.members.ImportedProfile`); the skills listed replace theirs.

Every row is checked with the same rules as ``/mentor signup`` before anything is written; one bad row (or
a bad header) is reported with its line number and nothing of the file is applied. A line break inside a cell
is one whatever its kind (Windows' CRLF, an old Mac's CR, LF). User ids a spreadsheet rounded (more than 15
digits, zeros after the 15th) are refused when the file has two or more such long ids and no long id that kept
its last digits; a single one is imported, with a warning (`ImportPlan.warnings`). A file whose every user id is
a Slack or Discord one going into the ``console`` community (``--community`` left out) is refused. As signup
does, a row may name
a skill an admin's reload took out of the taxonomy when its mentor holds it (`plan_import`'s `held`).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from mentorbot.bot import MentorBot
from mentorbot.errors import UserError
from mentorbot.i18n import Translator
from mentorbot.inputs import (
    LEVEL_ORDER,
    MAX_BIO,
    MAX_MENTOR_SKILLS,
    parse_capacity,
    parse_languages,
    parse_levels,
)
from mentorbot.models import CONSOLE_COMMUNITY, user_key
from mentorbot.storage.members import ImportedProfile
from mentorbot.text_safety import check_text
from mentorbot.timezones import ZONE_NOT_GIVEN, given_timezone
from mentorbot.usecases.profiles import PROFILE_TOO_MANY_SKILLS, resolve_skills

COLUMNS: Final = ("user_id", "name", "skills", "levels", "capacity", "bio", "timezone", "languages")
REQUIRED: Final = ("user_id", "skills")


@dataclass(frozen=True)
class RowError:
    """A problem with one line of the file (line 1 is the header)."""

    line: int
    message: str


@dataclass
class ImportPlan:
    """The validated entries (platform user id, display name or "" when the row gives none, profile) and the
    problems found."""

    entries: list[tuple[str, str, ImportedProfile]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    """The line of the file each entry was read from (the same order as `entries`)."""
    warnings: list[RowError] = field(default_factory=list)
    """What the admin is told about rows that are imported all the same (an id that may have been rounded)."""
    unknown_skill: list[str] = field(default_factory=list)
    """The user ids (as `entries` give them) of the rows refused for a skill the taxonomy does not have: a
    skill their mentor holds would be taken with `plan_import`'s `held`."""


def plan_import(
    text: str,
    bot: MentorBot,
    t: Translator,
    *,
    progress: Callable[[int], None] | None = None,
    community: str | None = None,
    held: Mapping[str, Iterable[str]] | None = None,
) -> ImportPlan:
    """Check every row of a mentors CSV; nothing is written. `progress(1)` is called after each row.

    With `community`, the user ids are those it stores (`models.user_key`: the console's in lower case), so
    ``Wanjiru`` and ``wanjiru`` are one member there; `Store.import_mentors` applies the same rule anyway.
    `held` gives the skills members hold now (by user id, as stored: `Store.mentor_skills_of`): a row may name one
    the taxonomy no longer has, as `/mentor signup` may (`profiles.resolve_skills`); any other unknown skill is
    refused with its suggestions, and its row's user id listed in `unknown_skill`."""
    plan = ImportPlan()
    first_line = text.partition("\n")[0]
    if ";" in first_line and "," not in first_line:
        # A spreadsheet's semicolon CSV, its headers quoted ("user_id";"skills") or not: said before the strict
        # read of the header, which would take its quotes for one left open.
        plan.errors.append(RowError(1, t("cli.import.semicolons", columns=", ".join(COLUMNS))))
        return plan
    try:
        header = next(csv.reader(io.StringIO(text, newline=""), strict=True), None)
    except csv.Error as exc:
        plan.errors.append(RowError(1, _csv_error(t, exc)))
        return plan
    if not header or not any(cell.strip() for cell in header):
        plan.errors.append(RowError(1, t("cli.import.no_header", columns=", ".join(COLUMNS))))
        return plan
    names = [cell.strip().lower() for cell in header]
    if len(names) == 1 and ";" in names[0]:
        plan.errors.append(RowError(1, t("cli.import.semicolons", columns=", ".join(COLUMNS))))
        return plan
    for index, name in enumerate(names):
        if name and name not in COLUMNS:
            plan.errors.append(RowError(1, t("cli.import.unknown_column", column=name, columns=", ".join(COLUMNS))))
        elif name and name in names[:index]:
            plan.errors.append(RowError(1, t("cli.import.duplicate_column", column=name)))
    for name in REQUIRED:
        if name not in names:
            plan.errors.append(RowError(1, t("cli.import.missing_column", column=name, columns=", ".join(COLUMNS))))
    if plan.errors:
        return plan
    seen: dict[str, int] = {}
    given: list[str] = []  # each entry's user id as the file gives it
    # strict: a quote left open is an error, not a field that swallows every later row.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    next(reader)
    while True:
        line = reader.line_num + 1  # the record's first line (a quoted field may run over several)
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            plan.errors.append(RowError(line, _csv_error(t, exc)))
            break
        if progress:
            progress(1)
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(names):
            plan.errors.append(RowError(line, t("cli.import.too_many_fields", count=len(cells), columns=len(names))))
            continue
        if any(cells[i].strip() for i, name in enumerate(names) if not name and i < len(cells)):
            plan.errors.append(RowError(line, t("cli.import.unnamed_value")))
            continue
        row = {
            name: (_one_kind_of_break(cells[i]).strip() if i < len(cells) else "")
            for i, name in enumerate(names)
            if name
        }
        key = user_key(community, row.get("user_id", "")) if community is not None else row.get("user_id", "")
        try:
            entry = _entry(row, bot, t, community, (held or {}).get(key, ()))
        except UserError as error:
            plan.errors.append(RowError(line, bot.render_error(error, t)))
            if error.key in _UNKNOWN_SKILL:
                plan.unknown_skill.append(key)
            continue
        raw, entry = entry[0], (key, *entry[1:])
        user_id = entry[0]
        if user_id in seen:
            plan.errors.append(RowError(line, t("cli.import.duplicate", user=user_id, line=seen[user_id])))
            continue
        seen[user_id] = line
        plan.entries.append(entry)
        plan.lines.append(line)
        given.append(raw)
    _refuse_rounded(plan, given, t)
    if community == CONSOLE_COMMUNITY and given and all(_PLATFORM_SHAPED.fullmatch(g) for g in given):
        # Slack or Discord ids into the console's community: --community forgotten (it is the default).
        plan.errors.append(RowError(plan.lines[0], t("cli.import.platform_ids_in_console", value=given[0])))
    return plan


def _one_kind_of_break(cell: str) -> str:
    """`cell` with its line breaks as LF: a spreadsheet on Windows saves CRLF inside a quoted cell (the csv module
    keeps it), an old Mac a lone CR; LF is what a bio holds (CR alone is a control character for `check_text`)."""
    return cell.replace("\r\n", "\n").replace("\r", "\n")


_LONG_NUMBER: Final = re.compile(r"[0-9]{16,}")
"""A number of more digits than a spreadsheet keeps (15 significant digits: Excel's precision)."""
_ROUNDED: Final = re.compile(r"[0-9]{15}0+")
"""A number a spreadsheet rounded to its 15 significant digits (Excel's precision): more than 15 digits, every
one after the 15th a zero (123456789012345678 saved as 123456789012345000)."""
_PLATFORM_SHAPED: Final = re.compile(r"[0-9]{17,20}|[UW](?=[A-Z0-9]*[0-9])[A-Z0-9]{6,}")
"""A Discord user id (a snowflake: 17 to 20 digits) or a Slack member id (``U…``/``W…``, capitals and digits)."""


def _refuse_rounded(plan: ImportPlan, given: list[str], t: Translator) -> None:
    """Refuse the entries whose user id a spreadsheet rounded (`_ROUNDED`): the file has at least two ids of more
    than 15 digits and every one is so (a spreadsheet rounds a whole column of numbers). About one real Discord
    id in a thousand ends in 000: one long id alone shows nothing, and is imported with a warning naming it (a
    file of one mentor so could otherwise never be imported); beside a long id that kept its last digits, the
    column was not rounded."""
    long_ids = {i for i, g in enumerate(given) if _LONG_NUMBER.fullmatch(g)}
    if not long_ids or not all(_ROUNDED.fullmatch(given[i]) for i in long_ids):
        return
    if len(long_ids) == 1:
        (only,) = long_ids
        plan.warnings.append(RowError(plan.lines[only], t("cli.import.rounded_id_kept", value=given[only])))
        return
    for i in sorted(long_ids):
        plan.errors.append(RowError(plan.lines[i], t("cli.import.rounded_id", value=given[i])))
    plan.errors.sort(key=lambda error: error.line)
    kept = [i for i in range(len(given)) if i not in long_ids]
    plan.entries = [plan.entries[i] for i in kept]
    plan.lines = [plan.lines[i] for i in kept]
    given[:] = [given[i] for i in kept]


_PLATFORM_IDS: Final = {"discord:": re.compile(r"[0-9]{15,22}"), "slack:": re.compile(r"[UW][A-Z0-9]{2,}")}
"""The user ids each platform gives (Discord's snowflakes; Slack's ``U…``/``W…``): a spreadsheet's ``1.23E+17``
for a Discord id, or a Slack display name, would make a mentor nobody can reach (as would an id a spreadsheet
rounded to 15 digits: `_ROUNDED`)."""


def _plain(value: str) -> bool:
    """No control character (newline, tab included) and no invisible format character (a zero-width space)."""
    return not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value)


_PROFILE_FIELDS: Final = ("capacity", "bio", "timezone", "languages")
_UNKNOWN_SKILL: Final = frozenset({"skills.unknown", "skills.unknown_no_suggestion"})
"""The errors of `Taxonomy.require_skills`: a skill the taxonomy does not have."""


def _entry(
    row: dict[str, str], bot: MentorBot, t: Translator, community: str | None, held: Iterable[str]
) -> tuple[str, str, ImportedProfile]:
    user_id = row.get("user_id", "")
    if not user_id:
        raise UserError("cli.import.missing_value", column="user_id")
    if any(ch.isspace() for ch in user_id) or not _plain(user_id) or len(user_id) > 100:
        raise UserError("cli.import.bad_user_id", value=user_id)
    for prefix, pattern in _PLATFORM_IDS.items():
        if community is not None and community.startswith(prefix) and not pattern.fullmatch(user_id):
            raise UserError(f"cli.import.bad_{prefix[:-1]}_id", value=user_id)
    name = row.get("name", "")  # none: a new member is named by the user id, an existing one keeps their name
    if not _plain(name) or len(name) > 100:
        raise UserError("cli.import.bad_name", value=name)
    if not row.get("skills"):
        raise UserError("cli.import.missing_value", column="skills")
    # The same rules as /mentor signup: skills resolved through the taxonomy (with suggestions), a skill the mentor
    # holds that the taxonomy lost taken as it is, levels, etc.
    slugs = resolve_skills(
        bot.core, row["skills"], t.lang, limit=MAX_MENTOR_SKILLS, held=held, too_many=PROFILE_TOO_MANY_SKILLS
    )
    levels, resolve = row.get("levels"), bot.library.taxonomy.slug_for
    # Which skills the levels name (as /mentor signup reads them): a skill named has the same level whether the
    # others default to the lowest or the highest; a skill an existing mentor keeps and the levels do not name
    # keeps its level.
    low = parse_levels(levels, slugs, LEVEL_ORDER[0], resolve=resolve)
    high = parse_levels(levels, slugs, LEVEL_ORDER[-1], resolve=resolve)
    profile = ImportedProfile(
        skills=parse_levels(levels, slugs, resolve=resolve),
        capacity=parse_capacity(row.get("capacity"), bot.settings.default_capacity),
        bio=check_text(row.get("bio"), field="bio", max_length=MAX_BIO),
        # UTC given is a zone; none given, the marker of none (as `/mentor signup` stores them)
        timezone=given_timezone(row["timezone"]) if row.get("timezone") else ZONE_NOT_GIVEN,
        languages=parse_languages(row.get("languages"), bot.settings.default_language),
        given=frozenset(column for column in _PROFILE_FIELDS if row.get(column)),
        levels_given=frozenset(slug for slug in slugs if low[slug] is high[slug]),
    )
    return user_id, name, profile


def _csv_error(t: Translator, exc: csv.Error) -> str:
    """What the csv module could not read, for the admin: a field over its size limit said as such (the csv
    module's own words name no column, and a quote left open is not the likely cause then)."""
    if "field larger than field limit" in str(exc):
        return t("cli.import.field_too_long", limit=csv.field_size_limit())
    return t("cli.import.bad_csv", reason=str(exc))
