"""Parsing a typed command line into a `ParsedCommand` (the syntax is described in `mentorbot.commands`)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from mentorbot.commands.table import BY_PATH, COMMANDS, GROUPS, Command, option_word
from mentorbot.errors import UserError
from mentorbot.inputs import level_rank

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
    """One word of a command line: `key` is set for ``key:value`` words (then `text` is the value).

    `raw` is the word exactly as typed (key, quotes and all) and `gap` the whitespace before it, so free text
    can be given back as typed; `unclosed` marks a word that opens a quote nobody closes (its `text` is then
    the word as typed)."""

    text: str
    key: str | None = None
    quoted: bool = False
    raw: str = ""
    gap: str = ""
    unclosed: bool = False


def tokenize(line: str) -> list[Token]:
    """Split a command line into words and ``key:value`` options, honouring quotes.

    Raises `UserError` ``commands.unbalanced_quotes`` when a quote is never closed.
    """
    tokens = _scan(line)
    for token in tokens:
        if token.unclosed:
            raise UserError("commands.unbalanced_quotes", quote=token.text.removeprefix(f"{token.key}:")[:1])
    return tokens


def _scan(line: str) -> list[Token]:
    """`tokenize` without its verdict on quotes: a word opening a quote nobody closes is kept as typed, marked
    `Token.unclosed` (inside free text it is just text; elsewhere `parse` refuses it)."""
    tokens: list[Token] = []
    i, n = 0, len(line)
    previous_end = 0
    while i < n:
        if line[i].isspace():
            i += 1
            continue
        start = i
        key: str | None = None
        match = _KEY.match(line, i)
        if match and not line.startswith("//", match.end()):  # a URL (https://…) is not an option
            key = match.group(1).lower()
            i = match.end()
        parts: list[str] = []
        quoted = unclosed = False
        at_start = True
        while i < n and not line[i].isspace():
            char = line[i]
            if at_start and char in _QUOTES:
                closers = _QUOTES[char]
                end = next((j for j in range(i + 1, n) if line[j] in closers), -1)
                if end < 0:
                    unclosed = True
                    parts.append(char)
                    i += 1
                    at_start = False  # what follows an unclosed quote is text, never a quote of its own
                    continue
                parts.append(line[i + 1 : end])
                quoted = True
                i = end + 1
            else:
                parts.append(char)
                i += 1
            at_start = False
        tokens.append(Token("".join(parts), key, quoted, line[start:i], line[previous_end:start], unclosed))
        previous_end = i
    return tokens


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
                "commands.missing_argument",
                command=command.name,
                option=option_word(self.missing[0]),
                usage=command.usage,
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
        if not found:  # a group's own word, then nothing near: name the group's commands
            listed = ", ".join(f"`{name}`" for name in sorted(subs))
            return UserError("commands.unknown_subcommand", command=typed, group=f"/{head}", subcommands=listed)
    else:
        if sub:  # "/mentr status": compare both words with the two-word commands first
            pairs = {" ".join(c.path): c.name for c in COMMANDS if len(c.path) > 1 and c.path[0] in GROUPS}
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
    return suggesting(typed, found)


def suggesting(typed: str, found: Sequence[str]) -> UserError:
    """ "I don't know `typed`": with the commands in `found` (``suggested``, for `for_member`), or with none."""
    if found:
        suggestions = ", ".join(f"`{s}`" for s in found)
        return UserError("commands.unknown_command", command=typed, suggestions=suggestions, suggested=tuple(found))
    return UserError("commands.unknown_command_no_suggestion", command=typed)


def for_member(error: UserError) -> UserError:
    """`error` as a member who is no admin is told it: an unknown command's suggestions without the
    ``/mentor-admin`` commands, which they may not run (none left: no suggestion)."""
    suggested = error.params.get("suggested")
    if error.key != "commands.unknown_command" or not isinstance(suggested, tuple):
        return error
    return suggesting(str(error.params["command"]), [s for s in suggested if not str(s).startswith("/mentor-admin")])


def parse(line: str, *, allow_missing: bool = False) -> ParsedCommand:
    """Parse a whole command line (``/mentor request skills:seo note:"launch plan"``; the slash is optional).

    Raises `UserError` (namespace ``commands``) for anything that is not a valid command. With
    `allow_missing`, required options left out are listed in `ParsedCommand.missing` instead (Slack opens
    a modal for them).
    """
    tokens = _scan(line)
    if not tokens:
        raise UserError("commands.empty")
    words: list[str] = []
    for token in tokens[:2]:
        if token.key is not None or token.quoted or token.unclosed:
            break
        words.append(token.text.lstrip("/").lower() if not words else token.text.lower())
    if not words:
        _refuse_unclosed(tokens[0])
        raise _unknown_command([tokens[0].text.lower()])
    head = words[0]
    if (head,) in BY_PATH and len(words) > 1 and (head, words[1]) in BY_PATH:  # /courses suggest, /courses vote
        return _bind(BY_PATH[(head, words[1])], tokens[2:], allow_missing=allow_missing)
    if head in GROUPS:
        if len(tokens) == 1:
            return ParsedCommand(BY_PATH[(head, "help")])
        if len(words) < 2:
            raise UserError("commands.missing_subcommand", command="/" + head)
        found = BY_PATH.get((head, words[1]))
        if found is None:
            raise _unknown_command(words)
        command, rest = found, tokens[2:]
    else:
        found = BY_PATH.get((head,))
        if found is None:
            raise _unknown_command(words)
        command, rest = found, tokens[1:]
    return _bind(command, rest, allow_missing=allow_missing)


def parse_slash(command: str, text: str, *, allow_missing: bool = False) -> ParsedCommand:
    """Parse a slash command as platforms deliver it: the command name and the text typed after it.

    ``parse_slash("/mentor", "request skills:seo")`` is ``parse("/mentor request skills:seo")``.
    """
    return parse(f"/{command.strip().lstrip('/')} {text}", allow_missing=allow_missing)


def _refuse_unclosed(token: Token) -> None:
    if token.unclosed:
        quote = next(char for char in token.raw.removeprefix(f"{token.key}:") if char in _QUOTES)
        raise UserError("commands.unbalanced_quotes", quote=quote)


_NUMBER_LIKE: Final = re.compile(r"[+\-−#]?[.,]?\d|[★☆⭐]")
_STARS: Final = re.compile(r"[★☆⭐]")
"""How a word that a member means as a number starts (``4``, ``-1``, ``#2``, ``.5``, ``٤``), or a rating in
stars (``★★★★``): a `numeric` option filled by position takes such a word, and leaves any other to the next
option."""


def _bind(command: Command, tokens: Sequence[Token], *, allow_missing: bool) -> ParsedCommand:
    """Bind the words after the command to its options. Inside free text (a note, bio, comment or reason,
    `Option.free_text`) only a known option name at a word boundary starts a new option: ``help:`` or an
    unclosed quote is part of the text, which is kept as typed (spaces included), as is a quote nobody closes
    at the start of its value (``note:"hello world``); a quote that is closed there still quotes.

    Bare words before the first option fill the positional options in order (the last one every remaining
    word, when the command is `greedy`); a `numeric` option that is not the last takes only a word that looks
    like a number (`Option.numeric`), else it is left out and the word fills the next one. After a positional
    option given as ``key:value`` that is not free text, bare words go on to the positional options still empty
    after it in the same way (`_passed_on`: ``/mentor feedback rating:5 thanks a lot``, as Discord's typed options
    would be); with none left after it they are still its own (``until:2030-12-24 09:00``, ``skills:web design``)."""
    args: dict[str, str] = {}
    positional = command.positional
    by_position: dict[str, str] = {}
    extra: list[str] = []  # bare words beyond the positional options of a command that is not greedy
    slot = 0  # the positional option the next bare word fills
    current: str | None = None
    origin: str | None = None  # the ``key:value`` option whose following words are being passed on
    passed_from: dict[str, str] = {}  # a positional option filled by words passed on → the option they followed
    for token in tokens:
        if current is not None and (after := _passed_on(command, current, token, args, by_position)) is not None:
            origin = current
            current, slot = None, after  # ``/mentor end mentorship:1 5 great``: the rating, then the comment
        if current is None:
            slot = _slot_for(command, slot, token)
            in_free_text = command.greedy and slot == len(positional) - 1 and command.is_free_text(positional[slot])
        else:
            in_free_text = command.is_free_text(current)
        name = command.option(token.key) if token.key is not None else None
        if name is None and current is not None and _pair_in(command, current, token):
            args[current] = f"{args[current]} {token.raw.strip()}" if args[current] else token.raw.strip()
            continue
        if token.key is not None and (name is not None or not in_free_text):
            if name is None or not command.is_free_text(name):
                _refuse_unclosed(token)  # a quote nobody closes is text in free text, its first word too
            if name is None:
                raise _unknown_option(command, token.key)
            if name in args:
                raise UserError("commands.duplicate_option", option=name, usage=command.usage)
            if name in passed_from and not _NUMBER_LIKE.match(args[passed_from[name]].strip()):
                # Named after all: the words passed on were the option they followed (``mentor:Bob Smith until:3d``);
                # not a number's, which takes no words (``offer:4 busy reason:later`` gives the reason twice).
                _fold_back(command, passed_from, by_position, args, passed_from[name])
            args[name] = token.text.strip() if not token.quoted else token.text
            current, origin = name, None
            continue
        if not in_free_text:
            _refuse_unclosed(token)
        text = token.raw if in_free_text else token.text
        if current is not None and in_free_text:
            args[current] = args[current] + token.gap + text if args[current] else text
        elif current is not None:
            args[current] = f"{args[current]} {text}" if args[current] else text
        elif slot >= len(positional) and (passed := _passed_number(command, token, args, by_position)) is not None:
            by_position[passed] = text  # ``/mentor checkin ok 2``, Discord's order: the number the answer passed
        elif slot >= len(positional):
            extra.append(text)
        else:
            target = positional[slot]
            if origin is not None:
                passed_from[target] = origin
            if target not in by_position:
                by_position[target] = text
            elif in_free_text:
                by_position[target] += token.gap + text
            else:
                by_position[target] += f" {text}"
            if not (command.greedy and slot == len(positional) - 1):
                slot += 1
    if extra:
        raise UserError("commands.too_many_arguments", extra=" ".join(extra), usage=command.usage)
    for name, value in by_position.items():
        if name in args:
            raise UserError("commands.duplicate_option", option=name, usage=command.usage)
        args[name] = value
    parsed = ParsedCommand(command, args, tuple(name for name in command.required if not args.get(name, "").strip()))
    return parsed if allow_missing else parsed.complete()


def _slot_for(command: Command, slot: int, token: Token) -> int:
    """The positional option (its index) that the word `token` would fill, `slot` being the next one free: a
    `numeric` option before the last is passed over for a bare word that does not look like a number, and the
    optional options before one whose `words` the bare word is one of (``/mentor checkin help``: the answer,
    `Option.words`). A ``key:value`` word passes over none, so an unknown option there is still told (``ratng:4``)."""
    positional = command.positional
    last = len(positional) - 1
    if token.key is not None:
        return slot
    word = token.text.strip()
    while slot < last and command.is_numeric(positional[slot]) and not _NUMBER_LIKE.match(word):
        slot += 1
    if _STARS.match(word):  # only ever a rating: ``/mentor end ★★★★★ thanks``, the mentorship left out
        for ahead in range(slot, len(positional)):
            if command.is_numeric(positional[ahead]):
                return ahead
            if not command.is_optional(positional[ahead]):
                break
    for ahead in range(slot, len(positional)):
        if command.takes_word(positional[ahead], word):
            return ahead
        if not command.is_optional(positional[ahead]):
            break
    return slot


def _fold_back(
    command: Command, passed_from: dict[str, str], by_position: dict[str, str], args: dict[str, str], origin: str
) -> None:
    """The words passed on from the ``key:value`` option `origin` (`_passed_on`) given back to it, in the order they
    were typed: an option they filled is named later in the line, so they were `origin`'s own words after all
    (``/mentor-admin pause mentor:Bob Smith until:3d`` is the mentor "Bob Smith", as before session 43)."""
    for name in command.positional:
        if passed_from.get(name) == origin and name in by_position:
            words = by_position.pop(name)
            args[origin] = f"{args[origin]} {words}" if args[origin] else words
            del passed_from[name]


def _passed_on(
    command: Command, current: str, token: Token, args: Mapping[str, str], by_position: Mapping[str, str]
) -> int | None:
    """The positional option (its index) from which the bare word `token` typed after the ``key:value`` option
    `current` is bound as a positional word: the first still empty after `current` in the command's positional
    order, when `current` is a positional option that is not free text. ``None``: the word is `current`'s (a
    ``key:value`` word; free text; an option that bare words do not fill, ``tz:Dar es Salaam``; none empty after
    it, ``until:2030-12-24 09:00``; nothing typed after its colon yet, ``mentorship: 1``: its first word is its
    value)."""
    positional = command.positional
    if token.key is not None or current not in positional or command.is_free_text(current) or not args[current]:
        return None
    return next(
        (
            index
            for index in range(positional.index(current) + 1, len(positional))
            if positional[index] not in args and positional[index] not in by_position
        ),
        None,
    )


def _passed_number(
    command: Command, token: Token, args: Mapping[str, str], by_position: Mapping[str, str]
) -> str | None:
    """The optional positional option a later option's word passed over (`_slot_for`), still empty, for a number
    typed once every positional option is passed: ``/mentor checkin ok 2`` (Discord's order)."""
    if token.key is not None or not _NUMBER_LIKE.match(token.text.strip()):
        return None
    for index, name in enumerate(command.positional):
        later = command.positional[index + 1 :]
        if (
            name not in args
            and name not in by_position
            and command.is_optional(name)
            and any(command.takes_word(other, by_position.get(other, "")) for other in later)
        ):
            return name
    return None


def _pair_in(command: Command, current: str, token: Token) -> bool:
    """Whether the ``word:value`` `token`, typed in the value of the option `current`, is a ``skill:level`` pair of
    it (`Option.pairs`): its word is no option of the command, and its value a level word (``reels:expert``, of
    "instagram reels", though *reels* is near *levels*), or, its word not close to an option name either, a word
    that is no number (``copywriting:learnin``, refused as a level after). ``capacty:3`` is a near miss and
    ``uwezo:3`` an option guessed, both told (`_unknown_option`): a level is never a number."""
    if token.key is None or not command.takes_pairs(current) or token.quoted or token.unclosed:
        return False
    value = re.split(r"[,;]", token.text, maxsplit=1)[0].strip()  # ``reels:expert,seo:learning``
    if level_rank(value) is not None:
        return True
    return not _NUMBER_LIKE.match(value) and not _suggest(token.key, command.option_names, n=1)


def _unknown_option(command: Command, key: str) -> UserError:
    if not command.options:
        return UserError("commands.no_options", command=command.name, option=key, usage=command.usage)
    allowed = ", ".join(f"{o.name}:" for o in command.options)
    close = _suggest(key, command.option_names, n=1)
    if close:
        suggestion = f"{command.option(close[0])}:"
        return UserError(
            "commands.unknown_option", option=key, command=command.name, suggestion=suggestion, allowed=allowed
        )
    return UserError("commands.unknown_option_no_suggestion", option=key, command=command.name, allowed=allowed)
