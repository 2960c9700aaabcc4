"""Typed commands: the one parser of ``/mentor …``, ``/mentor-admin …``, ``/skills …`` and ``/courses …``.

Shared by every adapter that receives commands as text (Slack's slash commands, the console), and usable by
adapters with typed options (Discord) through `find_command` + `ParsedCommand` + `execute`. No business rule
lives here: a command is parsed into option values (strings) and handed to the matching `MentorBot` use-case,
which validates them.

Syntax (the same everywhere):

- options are ``key:value`` or ``key=value``; ``skills:seo, copywriting`` names several skills;
- a value with spaces is quoted (``note:"need help with a launch"``, ``'…'``, ``“…”``, ``‘…’``), or simply
  typed on: words after an option belong to it until the next ``key:`` (``note:need help with a launch``);
- words before the first option fill the command's positional arguments in order
  (``/mentor decline 12 too busy this month`` → offer 12, reason "too busy this month");
- a quote opens only at the start of a word or of a value, so apostrophes (``I'm``) need no escaping.

Errors are `UserError`s in the ``commands`` namespace: unknown command (with "did you mean"), unknown option
(listing the allowed ones), an option given twice, a missing required argument, an unclosed quote.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from mentorbot.bot import Caller, MentorBot
from mentorbot.errors import UserError
from mentorbot.i18n import LANGUAGES, load_catalog, translator
from mentorbot.replies import Button, Field, Outcome, Reply

# ----------------------------------------------------------------------------------------------- tokens

_KEY: Final = re.compile(r"([A-Za-z][A-Za-z0-9_-]*)([:=])")
_QUOTES: Final[Mapping[str, str]] = {
    '"': '"“”',
    "“": '”"“',
    "”": '”"“',
    "'": "'’‘",
    "‘": "’'‘",
    "’": "’'‘",
}


@dataclass(frozen=True)
class Token:
    """One word of a command line: `key` is set for ``key:value`` words (then `text` is the value)."""

    text: str
    key: str | None = None
    quoted: bool = False


def tokenize(line: str) -> list[Token]:
    """Split a command line into words and ``key:value`` options, honouring quotes.

    Raises `UserError` ``commands.unbalanced_quotes`` when a quote is never closed.
    """
    tokens: list[Token] = []
    i, n = 0, len(line)
    while i < n:
        if line[i].isspace():
            i += 1
            continue
        key: str | None = None
        match = _KEY.match(line, i)
        if match and not line.startswith("//", match.end()):  # a URL (https://…) is not an option
            key = match.group(1).lower()
            i = match.end()
        parts: list[str] = []
        quoted = False
        at_start = True
        while i < n and not line[i].isspace():
            char = line[i]
            if at_start and char in _QUOTES:
                closers = _QUOTES[char]
                end = next((j for j in range(i + 1, n) if line[j] in closers), -1)
                if end < 0:
                    raise UserError("commands.unbalanced_quotes", quote=char)
                parts.append(line[i + 1 : end])
                quoted = True
                i = end + 1
            else:
                parts.append(char)
                i += 1
            at_start = False
        tokens.append(Token("".join(parts), key, quoted))
    return tokens


# ----------------------------------------------------------------------------------------------- table

Args = Mapping[str, str]
Handler = Callable[[MentorBot, Caller, Args], Awaitable[Outcome]]


@dataclass(frozen=True)
class Option:
    """One option of a command: its name as typed, other accepted names, and whether it must be given."""

    name: str
    required: bool = False
    aliases: tuple[str, ...] = ()


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

    @property
    def admin(self) -> bool:
        """Whether only admins may run it (the core checks; this only groups the help)."""
        return self.path[0] == "mentor-admin"

    def option(self, name: str) -> str | None:
        """The canonical option name for `name` (or one of its aliases), if the command has it."""
        return self._by_name.get(name.lower())

    @property
    def required(self) -> tuple[str, ...]:
        """The names of the options that must be given."""
        return tuple(o.name for o in self.options if o.required)


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
        usage,
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
            Option("levels", aliases=("level",)),
            Option("capacity"),
            Option("bio"),
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
        (Option("skills", required=True, aliases=("skill",)), Option("note")),
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
        (Option("offer", required=True, aliases=("id",)), Option("reason")),
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
        (Option("mentorship", aliases=("id",)), Option("rating"), Option("comment")),
        ("mentorship", "rating", "comment"),
        greedy=True,
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
        "/skills [query]",
        "skills",
        "members",
        "skills",
        lambda bot, c, a: bot.skills(c, query=a.get("query")),
        (Option("query", aliases=("q", "search")),),
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
        lambda bot, c, a: bot.courses(
            c, skills=a.get("skills"), level=a.get("level"), free=a.get("free"), format=a.get("format")
        ),
        (Option("skills", aliases=("skill",)), Option("level"), Option("free"), Option("format")),
        ("skills",),
        greedy=True,
        read_only=True,
    ),
    _cmd(
        "mentor-admin stats",
        "/mentor-admin stats",
        "admin_stats",
        "admins",
        "admin_stats",
        lambda bot, c, a: bot.admin_stats(c),
        pace=Pace.BUSY,
        read_only=True,
    ),
    _cmd(
        "mentor-admin waitlist",
        "/mentor-admin waitlist",
        "admin_waitlist",
        "admins",
        "admin_waitlist",
        lambda bot, c, a: bot.admin_waitlist(c),
        pace=Pace.BUSY,
        read_only=True,
    ),
    _cmd(
        "mentor-admin match",
        "/mentor-admin match <request> <mentor>",
        "admin_match",
        "admins",
        "admin_match",
        lambda bot, c, a: bot.admin_match(c, request_id=a["request"], mentor=a["mentor"]),
        (Option("request", required=True), Option("mentor", required=True)),
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
    _cmd("mentor-admin help", "/mentor-admin help", "admin_help", "admins", None, None, read_only=True),
)

GROUPS: Final = frozenset(c.path[0] for c in COMMANDS if len(c.path) > 1)
"""Top-level commands that take a subcommand (``mentor``, ``mentor-admin``)."""

_BY_PATH: Final[dict[tuple[str, ...], Command]] = {}
for _command in COMMANDS:
    _BY_PATH[_command.path] = _command
    for _alias in _command.aliases:
        _BY_PATH[(*_command.path[:-1], _alias)] = _command


def find_command(path: str | Sequence[str]) -> Command | None:
    """The command at `path` (``"mentor request"``, ``"/courses"`` or ``("mentor", "request")``)."""
    parts = path.lstrip("/").split() if isinstance(path, str) else [p.lstrip("/") for p in path]
    return _BY_PATH.get(tuple(p.lower() for p in parts))


# ----------------------------------------------------------------------------------------------- parse


@dataclass(frozen=True)
class ParsedCommand:
    """A command and its option values as typed (strings); `missing` lists required options not given."""

    command: Command
    args: Mapping[str, str] = field(default_factory=dict)
    missing: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """How the command is written: ``/mentor request``."""
        return self.command.name

    def complete(self) -> ParsedCommand:
        """This command, if every required option was given; else `UserError` ``commands.missing_argument``."""
        if self.missing:
            command = self.command
            raise UserError(
                "commands.missing_argument", command=command.name, option=self.missing[0], usage=command.usage
            )
        return self


def _suggest(word: str, choices: Sequence[str], n: int = 3) -> list[str]:
    return difflib.get_close_matches(word.lower(), list(choices), n=n, cutoff=0.6)


def _unknown_command(words: Sequence[str]) -> UserError:
    head = words[0] if words else ""
    sub = words[1] if len(words) > 1 else ""
    found: list[str] = []
    typed = f"/{head}"
    if head in GROUPS:
        typed = f"/{head} {sub}"
        subs = {c.path[1]: c.name for c in COMMANDS if c.path[0] == head and len(c.path) > 1}
        found = [subs[s] for s in _suggest(sub, list(subs))]
    else:
        if sub:  # "/mentr status": compare both words with the two-word commands first
            pairs = {" ".join(c.path): c.name for c in COMMANDS if len(c.path) > 1}
            found = [pairs[s] for s in _suggest(f"{head} {sub}", list(pairs))]
            if found:
                typed = f"/{head} {sub}"
        if not found:
            singles: dict[str, str] = {}
            for command in COMMANDS:
                singles.setdefault(command.path[0], "/" + command.path[0])
            for command in COMMANDS:
                if len(command.path) > 1:
                    singles.setdefault(command.path[1], command.name)
            found = list(dict.fromkeys(singles[s] for s in _suggest(head, list(singles))))
    if found:
        return UserError("commands.unknown_command", command=typed, suggestions=", ".join(f"`{s}`" for s in found))
    return UserError("commands.unknown_command_no_suggestion", command=typed)


def parse(line: str, *, allow_missing: bool = False) -> ParsedCommand:
    """Parse a whole command line (``/mentor request skills:seo note:"launch plan"``; the slash is optional).

    Raises `UserError` (namespace ``commands``) for anything that is not a valid command. With
    `allow_missing`, required options left out are listed in `ParsedCommand.missing` instead (Slack opens
    a modal for them).
    """
    tokens = tokenize(line)
    if not tokens:
        raise UserError("commands.empty")
    words: list[str] = []
    for token in tokens[:2]:
        if token.key is not None or token.quoted:
            break
        words.append(token.text.lstrip("/").lower() if not words else token.text.lower())
    if not words:
        raise _unknown_command([tokens[0].text.lower()])
    head = words[0]
    if head in GROUPS:
        if len(tokens) == 1:
            return ParsedCommand(_BY_PATH[(head, "help")])
        if len(words) < 2:
            raise UserError("commands.missing_subcommand", command="/" + head)
        found = _BY_PATH.get((head, words[1]))
        if found is None:
            raise _unknown_command(words)
        command, rest = found, tokens[2:]
    else:
        found = _BY_PATH.get((head,))
        if found is None:
            raise _unknown_command(words)
        command, rest = found, tokens[1:]
    return _bind(command, rest, allow_missing=allow_missing)


def parse_slash(command: str, text: str, *, allow_missing: bool = False) -> ParsedCommand:
    """Parse a slash command as platforms deliver it: the command name and the text typed after it.

    ``parse_slash("/mentor", "request skills:seo")`` is ``parse("/mentor request skills:seo")``.
    """
    return parse(f"/{command.strip().lstrip('/')} {text}", allow_missing=allow_missing)


def _bind(command: Command, tokens: Sequence[Token], *, allow_missing: bool) -> ParsedCommand:
    args: dict[str, str] = {}
    bare: list[str] = []
    current: str | None = None
    for token in tokens:
        if token.key is not None:
            name = command.option(token.key)
            if name is None:
                raise _unknown_option(command, token.key)
            if name in args:
                raise UserError("commands.duplicate_option", option=name, usage=command.usage)
            args[name] = token.text.strip() if not token.quoted else token.text
            current = name
        elif current is not None:
            args[current] = f"{args[current]} {token.text}" if args[current] else token.text
        else:
            bare.append(token.text)
    if bare:
        if not command.positional:
            raise UserError("commands.too_many_arguments", extra=" ".join(bare), usage=command.usage)
        names = list(command.positional)
        values = list(bare)
        if len(values) > len(names):
            if not command.greedy:
                raise UserError(
                    "commands.too_many_arguments", extra=" ".join(values[len(names) :]), usage=command.usage
                )
            values = [*values[: len(names) - 1], " ".join(values[len(names) - 1 :])]
        for name, value in zip(names, values, strict=False):
            if name in args:
                raise UserError("commands.duplicate_option", option=name, usage=command.usage)
            args[name] = value
    parsed = ParsedCommand(command, args, tuple(name for name in command.required if not args.get(name, "").strip()))
    return parsed if allow_missing else parsed.complete()


def _unknown_option(command: Command, key: str) -> UserError:
    if not command.options:
        return UserError("commands.no_options", command=command.name, option=key, usage=command.usage)
    allowed = ", ".join(f"{o.name}:" for o in command.options)
    names = [name for o in command.options for name in (o.name, *o.aliases)]
    close = _suggest(key, names, n=1)
    if close:
        suggestion = f"{command.option(close[0])}:"
        return UserError(
            "commands.unknown_option", option=key, command=command.name, suggestion=suggestion, allowed=allowed
        )
    return UserError("commands.unknown_option_no_suggestion", option=key, command=command.name, allowed=allowed)


# --------------------------------------------------------------------------------------------- execute


async def caller_language(bot: MentorBot, caller: Caller) -> str:
    """The language to answer `caller` in before any use-case ran (parse errors, help)."""
    member = await bot.store.find_member(caller.community, caller.user_id)
    return bot.lang_of(member)


async def error_outcome(bot: MentorBot, caller: Caller, error: UserError) -> Outcome:
    """A parsing error (or any `UserError` raised outside the core) as the reply the caller sees."""
    lang = await caller_language(bot, caller)
    return Outcome(Reply(bot.render_error(error, translator(lang))), error=error, language=lang)


async def execute(bot: MentorBot, caller: Caller, parsed: ParsedCommand) -> Outcome:
    """Run a parsed command: call its use-case with the typed values, or answer with the help."""
    command = parsed.command
    if command.handler is None:
        lang = await caller_language(bot, caller)
        return Outcome(help_reply(lang, admin=command.admin or bot.is_admin(caller)), language=lang)
    return await command.handler(bot, caller, parsed.args)


async def run_command(bot: MentorBot, caller: Caller, line: str) -> Outcome:
    """Parse and run one command line; a parsing error becomes the localized reply."""
    try:
        parsed = parse(line)
    except UserError as error:
        return await error_outcome(bot, caller, error)
    return await execute(bot, caller, parsed)


async def run_slash(bot: MentorBot, caller: Caller, command: str, text: str) -> Outcome:
    """`run_command` for a slash command and the text typed after it (Slack)."""
    try:
        parsed = parse_slash(command, text)
    except UserError as error:
        return await error_outcome(bot, caller, error)
    return await execute(bot, caller, parsed)


async def needs_form(bot: MentorBot, caller: Caller, parsed: ParsedCommand) -> bool:
    """Whether an adapter with forms (Slack's modals) should ask for `parsed`'s input in one instead of running
    it: a `Command.form` command with a required option left out (``/mentor request`` without skills), or a
    ``/mentor signup`` with nothing typed, or without skills by a member who is not a mentor yet."""
    command = parsed.command
    if not command.form:
        return False
    if parsed.missing:
        return True
    if command.method != "signup":
        return False
    if not parsed.args:
        return True
    if parsed.args.get("skills", "").strip():
        return False
    return await bot.mentor_profile(caller.community, caller.user_id) is None


# --------------------------------------------------------------------------------------------- buttons

BUTTON_ACTIONS: Final = ("offer.accept", "offer.decline", "forget.confirm")
"""Every `Button.action` the core emits; `execute_button` handles each."""

_BUTTON_COMMANDS: Final[Mapping[str, str]] = {
    "offer.accept": "/mentor accept {ref}",
    "offer.decline": "/mentor decline {ref}",
    "forget.confirm": "/mentor forget confirm:yes",
}


def parse_custom_id(custom_id: str) -> tuple[str, str] | None:
    """``("offer.accept", "42")`` from a button's ``mentorbot:offer.accept:42``; None if not ours."""
    prefix, _, rest = custom_id.partition(":")
    action, _, ref = rest.rpartition(":")
    if prefix != "mentorbot" or not action:
        return None
    return action, ref


def button_command(button: Button) -> str | None:
    """The command that does the same as `button` (``/mentor accept 42``), for text-only adapters."""
    template = _BUTTON_COMMANDS.get(button.action)
    return template.format(ref=button.ref) if template else None


async def execute_button(bot: MentorBot, caller: Caller, action: str, ref: str) -> Outcome:
    """Run the use-case behind a clicked button (`Button.action` and `Button.ref`)."""
    if action == "offer.accept":
        return await bot.accept(caller, offer_id=ref)
    if action == "offer.decline":
        return await bot.decline(caller, offer_id=ref)
    if action == "forget.confirm":
        if ref != caller.user_id:
            return await error_outcome(bot, caller, UserError("commands.not_your_button"))
        return await bot.forget(caller, confirm=True)
    return await error_outcome(bot, caller, UserError("commands.unknown_action"))


# ------------------------------------------------------------------------------------------------ help

HELP_SECTIONS: Final = ("members", "mentors", "admins")


def help_reply(lang: str, *, admin: bool = False) -> Reply:
    """Every command with its usage and what it does, grouped for members, mentors and (if `admin`) admins."""
    t = translator(lang)
    fields = []
    for section in HELP_SECTIONS:
        if section == "admins" and not admin:
            continue
        lines = [
            f"`{c.usage}` — {t(f'commands.help.{c.help_key}')}"
            for c in COMMANDS
            if c.section == section and c.handler is not None
        ]
        fields.append(Field(t(f"commands.help.{section}"), "\n".join(lines)))
    return Reply(t("commands.help.intro"), title=t("commands.help.title"), fields=tuple(fields))
