"""The command table: every command, its options, its use-case and what adapters need to know of it
(`Command.pace`, `read_only`, `form`), declared once."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import Final

from mentorbot.bot import Caller, MentorBot
from mentorbot.i18n import LANGUAGES, Localized, Translator, load_catalog
from mentorbot.replies import Outcome
from mentorbot.usecases.feedback import CHECKIN_ANSWERS

# ----------------------------------------------------------------------------------------------- table

Args = Mapping[str, str]
Handler = Callable[[MentorBot, Caller, Args], Awaitable[Outcome]]


@dataclass(frozen=True)
class Option:
    """One option of a command: its name as typed, other accepted names, and whether it must be given.

    A `free_text` option (a note, bio, comment, reason) takes whatever is typed, colons included: only another
    known option name of the command ends it (`commands.parsing`).

    A `numeric` option (a rating) filled by position takes a word only if it looks like a number (a digit,
    perhaps after a sign, ``#`` or a decimal point; or stars); any other word goes on to the next positional
    option, so ``/mentor end 1 great mentor`` is a comment with no rating. A word that looks like a number is
    still the option's, to be refused there if it is out of range (``/mentor end 1 7``).

    An option with `words` (a check-in's answer: ``ok``, ``help``…) takes a bare word that is one of them (in any
    case) even where an optional positional option comes before it, which is then left out: ``/mentor checkin
    help`` is the answer, the mentorship left to the use-case to find. Any other word fills the options in order.

    A `pairs` option (a mentor's levels) takes ``skill:level`` pairs: a ``word:`` (or ``word=``) typed in its value
    whose word is no option of the command nor close to one is part of the value, so a pair may follow a space
    or name a skill of two words (``levels:seo:expert, crisis comms:learning``); a near miss of an option name is
    still told (``levels:expert capacty:3``)."""

    name: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    free_text: bool = False
    numeric: bool = False
    words: tuple[str, ...] = ()
    pairs: bool = False


class Pace(StrEnum):
    """How long a command may take: what an adapter acknowledges before answering (declared once, per command)."""

    QUICK = "quick"
    """A read or a small change of the caller's own: answered well within every platform's deadline."""
    BUSY = "busy"
    """May match, tell others or read the whole programme: Discord defers the interaction at once."""
    SLOW = "slow"
    """Takes seconds (files to send, a whole matching round): acknowledged first everywhere (Slack says it is
    working on it, Discord defers), answered when done."""


@dataclass(frozen=True)
class Command:
    """One command: its path (``("mentor", "request")``), options, positional arguments and use-case.

    `positional` names the options that bare words fill, in order; with `greedy`, the last one takes every
    remaining word. `method` names the `MentorBot` use-case that `handler` calls (``None`` for help).

    What adapters need to know about it is declared here, once: its `pace`; whether it is `read_only` (it
    changes nothing another view shows, e.g. Slack's App Home is not republished after it); whether it opens a
    `form` on platforms that have them when input is left out (see `needs_form`).
    """

    path: tuple[str, ...]
    usage: str
    """How it is typed, in English (``/mentor request skills:<tags> [note:<text>]``): a `Localized` text, which a
    message fills in with the slots in its reader's language (`localized_usage`)."""
    help_key: str
    section: str
    handler: Handler | None
    method: str | None
    options: tuple[Option, ...] = ()
    positional: tuple[str, ...] = ()
    greedy: bool = False
    aliases: tuple[str, ...] = ()
    pace: Pace = Pace.QUICK
    read_only: bool = False
    form: bool = False
    _by_name: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for option in self.options:
            for name in (option.name, *option.aliases):
                self._by_name[name] = option.name

    @property
    def name(self) -> str:
        """How the command is written: ``/mentor request``."""
        return "/" + " ".join(self.path)

    def usage_for(self, t: Translator) -> str:
        """How it is typed, for `t`'s reader (``/mentor request skills:<ujuzi> [note:<maelezo>]`` in Swahili)."""
        return localized_usage(self.usage, t)

    @property
    def admin(self) -> bool:
        """Whether only admins may run it (the core checks; this only groups the help)."""
        return self.path[0] == "mentor-admin"

    @property
    def option_names(self) -> tuple[str, ...]:
        """Every name an option of the command is typed by, each option's own name then its aliases."""
        return tuple(self._by_name)

    def option(self, name: str) -> str | None:
        """The canonical option name for `name` (or one of its aliases), if the command has it."""
        return self._by_name.get(name.lower())

    def is_free_text(self, name: str) -> bool:
        """Whether the option `name` (canonical) takes free text (see `Option.free_text`)."""
        return any(o.name == name and o.free_text for o in self.options)

    def takes_pairs(self, name: str) -> bool:
        """Whether the option `name` (canonical) takes ``skill:level`` pairs (see `Option.pairs`)."""
        return any(o.name == name and o.pairs for o in self.options)

    def is_numeric(self, name: str) -> bool:
        """Whether the option `name` (canonical), filled by position, takes only a number (see `Option.numeric`)."""
        return any(o.name == name and o.numeric for o in self.options)

    def takes_word(self, name: str, word: str) -> bool:
        """Whether `word` is one of the words of the option `name` (canonical), in any case (see `Option.words`)."""
        return any(o.name == name and word.lower() in o.words for o in self.options)

    def is_optional(self, name: str) -> bool:
        """Whether the option `name` (canonical) may be left out."""
        return name not in self.required

    @property
    def required(self) -> tuple[str, ...]:
        """The names of the options that must be given."""
        return tuple(o.name for o in self.options if o.required)


_SLOT: Final = re.compile(r"(?:([a-z]+):)?<([^<>]+)>|\[([a-z]+)\]")
"""A slot of a usage line that a member fills in: ``<offer>``, ``skills:<tags>`` (with its option), ``[query]``."""


def localized_usage(usage: str, t: Translator) -> str:
    """A command's usage line (English) for `t`'s reader: command and option names stay as they are typed, each
    slot a member fills in is in the reader's words (``[comment:<maoni>]``, ``<ombi> <mshauri>``). A slot's word
    is ``commands.slot.<option>:<word>`` (the slot of that option), else ``commands.slot.<word>``; a slot
    without either (``<1-5>``, the values ``<ok|help>``, ``<en|sw>``) stays as it is. Each ``|`` alternative
    (``<date|3d|2w>``) is a slot word of its own."""

    def word(text: str, option: str | None) -> str:
        keys = ([f"commands.slot.{option}:{text}"] if option else []) + [f"commands.slot.{text}"]
        return next((t(key) for key in keys if t.has(key)), text)

    def slot(match: re.Match[str]) -> str:
        option, inner, bare = match.groups()
        if bare is not None:
            return f"[{word(bare, None)}]"
        words = "|".join(word(part, option) for part in inner.split("|"))
        return f"{option}:<{words}>" if option else f"<{words}>"

    return _SLOT.sub(slot, usage)


def _option_word(name: str, t: Translator) -> str:
    key = f"commands.option.{name}"
    return t(key) if t.has(key) else name


def option_word(name: str) -> Localized:
    """How a message names the option `name` that was left out (``commands.missing_argument``): the option
    itself in English (``skills``), the thing it gives in the reader's words elsewhere (``ujuzi``)."""
    return Localized(name, partial(_option_word, name))


def _yes(value: str | None) -> bool:
    if value is None:
        return False
    word = value.strip().lower()
    words = {"yes", "y", "true", "1", "confirm", "ndiyo", "ndio"}
    words.update(load_catalog(lang).get("common.yes", "").lower() for lang in LANGUAGES)
    return bool(word) and word in words


def _cmd(
    path: str,
    usage: str,
    help_key: str,
    section: str,
    method: str | None,
    handler: Handler | None,
    options: Sequence[Option] = (),
    positional: Sequence[str] = (),
    *,
    greedy: bool = False,
    aliases: Sequence[str] = (),
    pace: Pace = Pace.QUICK,
    read_only: bool = False,
    form: bool = False,
) -> Command:
    return Command(
        tuple(path.split()),
        Localized(usage, partial(localized_usage, usage)),
        help_key,
        section,
        handler,
        method,
        tuple(options),
        tuple(positional),
        greedy,
        tuple(aliases),
        pace,
        read_only,
        form,
    )


COMMANDS: Final[tuple[Command, ...]] = (
    _cmd(
        "mentor signup",
        "/mentor signup skills:<tags> [levels:<levels>] [capacity:<1-10>] [bio:<text>] [timezone:<zone>] "
        "[languages:<codes>]",
        "mentor_signup",
        "mentors",
        "signup",
        lambda bot, c, a: bot.signup(
            c,
            skills=a.get("skills"),
            levels=a.get("levels"),
            capacity=a.get("capacity"),
            bio=a.get("bio"),
            timezone=a.get("timezone"),
            languages=a.get("languages"),
        ),
        (
            Option("skills", aliases=("skill",)),
            Option("levels", aliases=("level",), pairs=True),
            Option("capacity"),
            Option("bio", free_text=True),
            Option("timezone", aliases=("tz",)),
            Option("languages", aliases=("language", "langs")),
        ),
        ("skills",),
        greedy=True,
        pace=Pace.BUSY,
        form=True,
    ),
    _cmd(
        "mentor request",
        "/mentor request skills:<tags> [note:<text>]",
        "mentor_request",
        "members",
        "request",
        lambda bot, c, a: bot.request(c, skills=a.get("skills"), note=a.get("note")),
        (Option("skills", required=True, aliases=("skill",)), Option("note", free_text=True)),
        ("skills",),
        greedy=True,
        pace=Pace.BUSY,
        form=True,
    ),
    _cmd(
        "mentor status",
        "/mentor status",
        "mentor_status",
        "members",
        "status",
        lambda bot, c, a: bot.status(c),
        read_only=True,
    ),
    _cmd(
        "mentor cancel",
        "/mentor cancel [request:<number>]",
        "mentor_cancel",
        "members",
        "cancel",
        lambda bot, c, a: bot.cancel(c, request_id=a.get("request")),
        (Option("request", aliases=("id",)),),
        ("request",),
        pace=Pace.BUSY,
    ),
    _cmd(
        "mentor accept",
        "/mentor accept <offer>",
        "mentor_accept",
        "mentors",
        "accept",
        lambda bot, c, a: bot.accept(c, offer_id=a["offer"]),
        (Option("offer", required=True, aliases=("id",)),),
        ("offer",),
        pace=Pace.BUSY,
    ),
    _cmd(
        "mentor decline",
        "/mentor decline <offer> [reason:<text>]",
        "mentor_decline",
        "mentors",
        "decline",
        lambda bot, c, a: bot.decline(c, offer_id=a["offer"], reason=a.get("reason")),
        (Option("offer", required=True, aliases=("id",)), Option("reason", free_text=True)),
        ("offer", "reason"),
        greedy=True,
        pace=Pace.BUSY,
    ),
    _cmd(
        "mentor end",
        "/mentor end [mentorship:<number>] [rating:<1-5>] [comment:<text>]",
        "mentor_end",
        "members",
        "end",
        lambda bot, c, a: bot.end(
            c, mentorship_id=a.get("mentorship"), rating=a.get("rating"), comment=a.get("comment")
        ),
        (Option("mentorship", aliases=("id",)), Option("rating", numeric=True), Option("comment", free_text=True)),
        ("mentorship", "rating", "comment"),
        greedy=True,
        pace=Pace.BUSY,
    ),
    _cmd(
        "mentor feedback",
        "/mentor feedback [mentorship:<number>] rating:<1-5> [comment:<text>]",
        "mentor_feedback",
        "members",
        "feedback",
        # Left out, the mentorship is the caller's only one waiting for their rating ("" is none given).
        lambda bot, c, a: bot.feedback(
            c, mentorship_id=a.get("mentorship") or "", rating=a.get("rating"), comment=a.get("comment")
        ),
        (Option("mentorship", aliases=("id",)), Option("rating", numeric=True), Option("comment", free_text=True)),
        ("mentorship", "rating", "comment"),
        greedy=True,
    ),
    _cmd(
        "mentor checkin",
        "/mentor checkin [mentorship:<number>] <ok|help>",
        "mentor_checkin",
        "members",
        "checkin",
        # Left out, the mentorship is the caller's only active one ("" is none given), as `/mentor end`'s.
        lambda bot, c, a: bot.checkin(c, mentorship_id=a.get("mentorship") or "", answer=a.get("answer")),
        (Option("mentorship", aliases=("id",)), Option("answer", required=True, words=tuple(CHECKIN_ANSWERS))),
        ("mentorship", "answer"),
        pace=Pace.BUSY,
    ),
    _cmd(
        "mentor pause",
        "/mentor pause [until:<date|3d|2w>]",
        "mentor_pause",
        "mentors",
        "pause",
        lambda bot, c, a: bot.pause(c, until=a.get("until")),
        (Option("until"),),
        ("until",),
        greedy=True,  # a date and a time: 2030-12-24 09:00
    ),
    _cmd(
        "mentor resume",
        "/mentor resume",
        "mentor_resume",
        "mentors",
        "resume",
        lambda bot, c, a: bot.resume(c),
        pace=Pace.BUSY,
    ),
    _cmd(
        "mentor language",
        "/mentor language <en|sw>",
        "mentor_language",
        "members",
        "set_language",
        lambda bot, c, a: bot.set_language(c, language=a["language"]),
        (Option("language", required=True, aliases=("lang",)),),
        ("language",),
        aliases=("lang",),
    ),
    _cmd(
        "mentor timezone",
        "/mentor timezone <zone>",
        "mentor_timezone",
        "members",
        "set_timezone",
        lambda bot, c, a: bot.set_timezone(c, timezone=a["timezone"]),
        (Option("timezone", required=True, aliases=("tz", "zone")),),
        ("timezone",),
        greedy=True,  # a zone may be a city of several words: São Paulo, Dar es Salaam
    ),
    _cmd(
        "mentor export",
        "/mentor export",
        "mentor_export",
        "members",
        "export",
        lambda bot, c, a: bot.export(c),
        pace=Pace.SLOW,
        read_only=True,
    ),
    _cmd(
        "mentor forget",
        "/mentor forget [confirm:yes]",
        "mentor_forget",
        "members",
        "forget",
        lambda bot, c, a: bot.forget(c, confirm=_yes(a.get("confirm"))),
        (Option("confirm"),),
        ("confirm",),
    ),
    _cmd("mentor help", "/mentor help", "mentor_help", "members", None, None, read_only=True),
    _cmd(
        "skills",
        "/skills [query] [page:<n>]",
        "skills",
        "members",
        "skills",
        lambda bot, c, a: bot.skills(c, query=a.get("query"), page=a.get("page")),
        (Option("query", aliases=("q", "search")), Option("page", aliases=("ukurasa",))),
        ("query",),
        greedy=True,
        read_only=True,
    ),
    _cmd(
        "courses",
        "/courses [skills:<tags>] [level:<level>] [free:yes] [format:<format>]",
        "courses",
        "members",
        "courses",
        lambda bot, c, a: (
            bot.suggest_course(c, url=a["suggest"], skills=a.get("skills"), title=a.get("title"), note=a.get("note"))
            if a.get("suggest", "").strip()
            else bot.courses(
                c, skills=a.get("skills"), level=a.get("level"), free=a.get("free"), format=a.get("format")
            )
        ),
        (
            Option("skills", aliases=("skill",)),
            Option("level"),
            Option("free"),
            Option("format"),
            # `/courses suggest:<url>` is `/courses suggest url:<url>` (Discord cannot have both `/courses` and
            # `/courses suggest`, so it offers this option; the inbox replays it through this table)
            Option("suggest"),
            Option("title", free_text=True),
            Option("note", free_text=True),
        ),
        ("skills",),
        greedy=True,
        read_only=True,
    ),
    _cmd(
        "courses suggest",
        "/courses suggest url:<url> skills:<tags> [title:<text>] [note:<text>]",
        "courses_suggest",
        "members",
        "suggest_course",
        lambda bot, c, a: bot.suggest_course(
            c, url=a.get("url"), skills=a.get("skills"), title=a.get("title"), note=a.get("note")
        ),
        (
            Option("url", required=True, aliases=("link",)),
            Option("skills", required=True, aliases=("skill",)),
            Option("title", free_text=True),
            Option("note", free_text=True),
        ),
        ("url", "skills"),
        greedy=True,
    ),
    _cmd(
        "courses vote",
        "/courses vote <resource> <helpful|not>",
        "courses_vote",
        "members",
        "vote_course",
        lambda bot, c, a: bot.vote_course(c, resource=a["resource"], helpful=a.get("answer")),
        (Option("resource", required=True, aliases=("id", "course")), Option("answer", required=True)),
        ("resource", "answer"),
        greedy=True,
    ),
    _cmd(
        "mentor-admin stats",
        "/mentor-admin stats [chart:supply|weekly|days]",
        "admin_stats",
        "admins",
        "admin_stats",
        lambda bot, c, a: bot.admin_stats(c, chart=a.get("chart")),
        (Option("chart"),),
        ("chart",),
        pace=Pace.SLOW,
        read_only=True,
    ),
    _cmd(
        "mentor-admin recruit",
        "/mentor-admin recruit [skill]",
        "admin_recruit",
        "admins",
        "admin_recruit",
        lambda bot, c, a: bot.admin_recruit(c, skill=a.get("skill")),
        (Option("skill", aliases=("skills",)),),
        ("skill",),
        greedy=True,
        pace=Pace.BUSY,
        read_only=True,
    ),
    _cmd(
        "mentor-admin waitlist",
        "/mentor-admin waitlist [page:<n>]",
        "admin_waitlist",
        "admins",
        "admin_waitlist",
        lambda bot, c, a: bot.admin_waitlist(c, page=a.get("page")),
        (Option("page", aliases=("ukurasa",)),),
        ("page",),
        pace=Pace.BUSY,
        read_only=True,
    ),
    _cmd(
        "mentor-admin match",
        "/mentor-admin match <request> <mentor> [force:yes]",
        "admin_match",
        "admins",
        "admin_match",
        lambda bot, c, a: bot.admin_match(c, request_id=a["request"], mentor=a["mentor"], force=_yes(a.get("force"))),
        (Option("request", required=True), Option("mentor", required=True), Option("force")),
        ("request", "mentor"),
        pace=Pace.BUSY,
    ),
    _cmd(
        "mentor-admin end",
        "/mentor-admin end <mentorship>",
        "admin_end",
        "admins",
        "admin_end",
        lambda bot, c, a: bot.admin_end(c, mentorship_id=a["mentorship"]),
        (Option("mentorship", required=True, aliases=("id",)),),
        ("mentorship",),
        pace=Pace.BUSY,
    ),
    _cmd(
        "mentor-admin pause",
        "/mentor-admin pause <mentor> [until:<date|3d|2w>]",
        "admin_pause",
        "admins",
        "admin_pause",
        lambda bot, c, a: bot.admin_pause(c, mentor=a["mentor"], until=a.get("until")),
        (Option("mentor", required=True), Option("until")),
        ("mentor", "until"),
        greedy=True,  # a date and a time, as `/mentor pause`'s
        pace=Pace.BUSY,
    ),
    _cmd(
        "mentor-admin round",
        "/mentor-admin round",
        "admin_round",
        "admins",
        "admin_round",
        lambda bot, c, a: bot.admin_round(c),
        pace=Pace.SLOW,
    ),
    _cmd(
        "mentor-admin reload",
        "/mentor-admin reload",
        "admin_reload",
        "admins",
        "admin_reload",
        lambda bot, c, a: bot.admin_reload(c),
        pace=Pace.BUSY,
    ),
    _cmd(
        "mentor-admin export",
        "/mentor-admin export",
        "admin_export",
        "admins",
        "admin_export",
        lambda bot, c, a: bot.admin_export(c),
        pace=Pace.SLOW,
        read_only=True,
    ),
    _cmd(
        "mentor-admin courses",
        "/mentor-admin courses",
        "admin_courses",
        "admins",
        "admin_courses",
        lambda bot, c, a: bot.admin_courses(c),
        pace=Pace.BUSY,
        read_only=True,
    ),
    _cmd(
        "mentor-admin approve",
        "/mentor-admin approve <suggestion>",
        "admin_approve",
        "admins",
        "admin_decide_suggestion",
        lambda bot, c, a: bot.admin_decide_suggestion(c, suggestion_id=a["suggestion"], approve=True),
        (Option("suggestion", required=True, aliases=("id",)),),
        ("suggestion",),
    ),
    _cmd(
        "mentor-admin reject",
        "/mentor-admin reject <suggestion> [reason:<text>]",
        "admin_reject",
        "admins",
        "admin_decide_suggestion",
        lambda bot, c, a: bot.admin_decide_suggestion(
            c, suggestion_id=a["suggestion"], approve=False, reason=a.get("reason"), withdraw=True
        ),
        (Option("suggestion", required=True, aliases=("id",)), Option("reason", free_text=True)),
        ("suggestion", "reason"),
        greedy=True,
    ),
    _cmd("mentor-admin help", "/mentor-admin help", "admin_help", "admins", None, None, read_only=True),
)

GROUPS: Final = frozenset(c.path[0] for c in COMMANDS if len(c.path) > 1) - {
    c.path[0] for c in COMMANDS if len(c.path) == 1
}
"""Top-level commands that need a subcommand (``mentor``, ``mentor-admin``). A command that is also a command
of its own (``/courses``) takes subcommands too (``/courses suggest``) without needing one."""

BY_PATH: Final[dict[tuple[str, ...], Command]] = {}
"""Every command by its path, and by each alias of its last word."""
for _command in COMMANDS:
    BY_PATH[_command.path] = _command
    for _alias in _command.aliases:
        BY_PATH[(*_command.path[:-1], _alias)] = _command


def find_command(path: str | Sequence[str]) -> Command | None:
    """The command at `path` (``"mentor request"``, ``"/courses"`` or ``("mentor", "request")``)."""
    parts = path.lstrip("/").split() if isinstance(path, str) else [p.lstrip("/") for p in path]
    return BY_PATH.get(tuple(p.lower() for p in parts))
