"""A console session: who is acting, who is admin, the numbered actions, the clock; one line in, text out.

The session holds no business rule: shared commands go through `mentorbot.commands` to the core, buttons
through `execute_button`, and the replies and notifications (the DMs others would get) are rendered as text.
Console commands of its own: ``/as NAME``, ``/admin on|off``, ``/click N``, ``/clock [+48h]``, ``/help``,
``/quit``.
"""

from __future__ import annotations

import difflib
import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

from mentorbot.bot import Caller, MentorBot
from mentorbot.cli import write_private
from mentorbot.commands import (
    GROUPS,
    caller_language,
    error_outcome,
    execute,
    execute_button,
    help_reply,
    parse,
    suggesting,
)
from mentorbot.errors import UserError, unexpected
from mentorbot.i18n import Translator, translator
from mentorbot.inputs import whole_number
from mentorbot.models import console_user_id
from mentorbot.paging import reply_buttons
from mentorbot.replies import Attachment, Button, Field, Outcome, Reply
from mentorbot.usecases import insight
from mentorbot.usecases.timers import WEEKLY_CHECK_EVERY
from mentorbot_console.clock import OffsetClock, format_delta, parse_advance
from mentorbot_console.render import NumberedAction, mention_ids, render_notification, render_reply

log = logging.getLogger("mentorbot.console")

COMMUNITY: Final = "console"
"""The community id of everything done in the console."""

MAX_CLOCK_STEPS: Final = 500
_NAME: Final = re.compile(r"^\w[\w.-]{0,31}$")
CONSOLE_COMMANDS: Final = ("/as", "/admin", "/click", "/clock", "/help", "/quit", "/exit")
_CODE: Final = re.compile(r"`([^`\n]+)`")


def plain_text(text: str) -> str:
    """`text` as a terminal shows it: Markdown's inline code (`` `/mentor status` ``) without its backticks,
    which chat apps hide and a terminal would print."""
    return _CODE.sub(r"\1", text)


def valid_name(name: str) -> bool:
    """Whether `name` can name a console member (letters, digits, ``.``, ``-``, ``_``; up to 32), in its composed
    form (an ``ë`` typed as ``e`` and a combining diaeresis is a letter)."""
    return bool(_NAME.match(unicodedata.normalize("NFC", name)))


def _when(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True)
class _WeeklyEnsured:
    """When the session last made sure of the community's weekly timers, with members there (so the timers the
    schedule asks for exist from then on): the clock's time and offset, and the schedule settings then."""

    at: datetime
    offset: timedelta
    schedule: tuple[object, ...]


@dataclass(frozen=True)
class LineResult:
    """What one line printed, and whether it could be run (False: it could not be parsed or was refused
    by the console itself; a use-case's own refusal, such as an unknown skill, is still a run line)."""

    output: str
    ok: bool = True
    unsaved: int = 0
    """How many of the line's attachments (an export's files) could not be saved (`files_dir` unwritable)."""


class ConsoleSession:
    """The state of one console: acting member, admin flags, numbered actions per member, clock offset."""

    def __init__(
        self,
        bot: MentorBot,
        clock: OffsetClock,
        *,
        name: str = "guest",
        community: str = COMMUNITY,
        files_dir: Path | None = None,
    ) -> None:
        if not valid_name(name):
            raise ValueError(name)
        name = unicodedata.normalize("NFC", name)
        self.bot = bot
        self.clock = clock
        self.community = community
        self.user_id = console_user_id(name)
        self.display_name = name
        self._first: str | None = name  # looked up before the welcome or the first line: `_take_first_name`
        self.files_dir = files_dir or Path("data") / "console-files"
        self.admins: set[str] = set()
        self.finished = False
        self._unsaved = 0  # attachments of the current line that could not be saved
        self._actions: dict[str, list[Button]] = {}
        self._names: dict[str, str] = {}
        self._weekly: _WeeklyEnsured | None = None

    # ------------------------------------------------------------------ state

    @property
    def is_admin(self) -> bool:
        """Whether the acting member is an admin in this session (or by the settings' admin ids)."""
        return self.bot.is_admin(self.caller())

    @property
    def prompt(self) -> str:
        """``amina> `` (``amina [admin]> `` for an admin)."""
        return f"{self.display_name}{' [admin]' if self.is_admin else ''}> "

    def caller(self) -> Caller:
        """The acting member as the core sees them."""
        return Caller(self.community, self.user_id, self.display_name, is_admin=self.user_id in self.admins)

    def actions(self, user_id: str | None = None) -> list[Button]:
        """The numbered actions of a member (the acting one by default); number N is index N-1."""
        return list(self._actions.get(user_id or self.user_id, []))

    async def _t(self) -> Translator:
        """The acting member's translator for the console's own texts (no use-case ran: no `Outcome` tells the
        language): the console's one way to the core's `caller_language`."""
        return translator(await caller_language(self.bot, self.caller()))

    # ------------------------------------------------------------------ lines

    async def start(self, *, database: str = "", demo_summary: str | None = None) -> str:
        """The welcome text."""
        await self._take_first_name()
        t = await self._t()
        text = t("console.welcome", community=self.community, database=database or "—", name=self.display_name)
        return plain_text(text + (f"\n{demo_summary}" if demo_summary else ""))

    async def run_lines(self, lines: Iterable[str]) -> list[LineResult]:
        """Run lines in order (stops after ``/quit``)."""
        results = []
        for line in lines:
            if self.finished:
                break
            results.append(await self.run_line(line))
        return results

    async def run_line(self, line: str) -> LineResult:
        """Run one line: a console command, a shared command, or nothing (blank line, ``# comment``).

        A failure outside the core's error handler (the database unreachable, busy, full or read-only while
        the console reads a name or runs timers, or a bug) is the short localized line a member would see,
        logged with its reference (`errors.unexpected`): the terminal never shows a traceback.
        """
        self._unsaved = 0
        try:
            result = await self._run_line(line)
        except Exception:
            error = unexpected(log, "in a console line of %s", self.user_id)
            text = self.bot.render_error(error, translator(self.bot.settings.default_language))
            return LineResult(text, False, self._unsaved)
        return LineResult(plain_text(result.output), result.ok, self._unsaved)

    async def _run_line(self, line: str) -> LineResult:
        text = line.strip()
        if not text or text.startswith("#"):
            return LineResult("")
        await self._take_first_name()
        before = await self._run_due()
        word, _, rest = text.partition(" ")
        word = word.lower()
        rest = rest.strip()
        if word in ("/quit", "/exit", "quit", "exit"):
            self.finished = True
            result = LineResult((await self._t())("console.bye"))
        elif word == "/as":
            result = await self._switch(rest)
        elif word == "/admin":
            result = await self._admin(rest)
        elif word == "/help":
            result = await self._help()
        elif word == "/click":
            result = await self._click(rest)
        elif word == "/clock":
            result = await self._clock(rest)
        else:
            result = await self._shared(text)
        after = await self._run_due()
        output = "\n".join(part for part in (before, result.output, after) if part)
        return LineResult(output, result.ok)

    async def _shared(self, text: str) -> LineResult:
        caller = self.caller()
        try:
            parsed = parse(text)
        except UserError as error:
            if not text.startswith("/") and error.key.startswith("commands.unknown_command"):
                # "hello" is not a command at all: say how commands look, not "I don't know /hello".
                return await self._refused("console.no_slash")
            return LineResult(await self.show(await error_outcome(self.bot, caller, self._with_console(error))), False)
        return LineResult(await self.show(await execute(self.bot, caller, parsed)))

    @staticmethod
    def _with_console(error: UserError) -> UserError:
        """An unknown-command error that also suggests the console's own commands (``/clik`` → ``/click``)."""
        if not error.key.startswith("commands.unknown_command"):
            return error
        typed = str(error.params.get("command", ""))
        if typed.split(" ")[0].removeprefix("/") in GROUPS:
            return error  # "/mentor-admin foo" meant a bot command, not the console's "/admin"
        close = difflib.get_close_matches(typed.split(" ")[0].lower(), CONSOLE_COMMANDS, n=2, cutoff=0.6)
        if not close:
            return error
        # The bot's suggestions (as names, so that a guest who is no admin is then offered none of /mentor-admin's:
        # `commands.for_member`) and the console's own.
        return suggesting(typed, [*error.params.get("suggested", ()), *close])

    async def _refused(self, key: str, **params: object) -> LineResult:
        return LineResult((await self._t())(key, **params), False)

    async def _switch(self, name: str) -> LineResult:
        if not name:
            return await self._refused("console.as_usage")
        if not valid_name(name):
            return await self._refused("console.bad_name", name=name)
        await self._become(unicodedata.normalize("NFC", name))
        t = await self._t()
        text = t("console.as_done", name=self.display_name)
        if self.is_admin:
            text += " " + t("console.as_admin")
        return LineResult(text)

    async def _become(self, name: str) -> None:
        """Act as `name`: an existing member with the display name stored (``wanjiru`` is Wanjiru still), a new
        one with `name` as typed. The core saves the acting member's display name with every line, so a name
        taken as typed would rename the member."""
        member = await self.bot.store.find_member(self.community, console_user_id(name))
        self.user_id = console_user_id(name)
        self.display_name = member.display_name if member else name
        self._names[self.user_id] = self.display_name
        self._first = None

    async def _take_first_name(self) -> None:
        """The member the session started as (``--as wanjiru``) as `/as` takes them (`_become`), once: before the
        welcome, or the first line of a session that shows none."""
        if self._first is not None:
            await self._become(self._first)

    async def _admin(self, arg: str) -> LineResult:
        value = arg.lower()
        if value == "on":
            self.admins.add(self.user_id)
            return LineResult((await self._t())("console.admin_on", name=self.display_name))
        if value == "off":
            self.admins.discard(self.user_id)
            return LineResult((await self._t())("console.admin_off", name=self.display_name))
        return await self._refused("console.admin_usage")

    async def _help(self) -> LineResult:
        t = await self._t()
        shared = help_reply(t.lang, admin=True)
        console = Reply(
            t("console.help.intro"),
            title=t("console.help.title"),
            fields=(
                Field(
                    t("console.help.commands"),
                    "\n".join(
                        f"`{usage}` — {t(f'console.help.{key}')}"
                        for usage, key in (
                            ("/as NAME", "as"),
                            ("/admin on|off", "admin"),
                            ("/click N", "click"),
                            ("/clock [+48h|+30m|+14d]", "clock"),
                            ("/help", "help"),
                            ("/quit", "quit"),
                        )
                    ),
                ),
            ),
        )
        return LineResult(render_reply(shared, t, names={}) + "\n\n" + render_reply(console, t, names={}))

    async def _click(self, arg: str) -> LineResult:
        actions = self._actions.get(self.user_id, [])
        number = whole_number(arg)
        if number is None:
            return await self._refused("console.click_usage")
        if not 1 <= number <= len(actions):
            if not actions:
                return await self._refused("console.no_actions", name=self.display_name)
            listed = ", ".join(f"[{i}] {b.label}" for i, b in enumerate(actions, start=1))
            return await self._refused("console.no_such_action", number=number, name=self.display_name, actions=listed)
        button = actions[number - 1]
        outcome = await execute_button(self.bot, self.caller(), button.action, button.ref)
        return LineResult(await self.show(outcome))

    async def _clock(self, arg: str) -> LineResult:
        t = await self._t()
        if not arg:
            offset = format_delta(self.clock.offset)
            return LineResult(t("console.clock_now", now=_when(self.clock.now()), offset=offset))
        delta = parse_advance(arg, self.clock.now())
        if delta is None:
            return await self._refused("console.clock_usage")
        target = self.clock.now() + delta
        parts: list[str] = []
        # Step from one due timer (or cooldown's end) to the next, so an expiry that creates a new offer lets that
        # one expire too, and a request whose cooldown ends on the way is offered then, as the sweep would.
        for _ in range(MAX_CLOCK_STEPS):
            due = await self.bot.next_wake(communities=[self.community])
            if due is None or due > target:
                break
            self.clock.move_to(due)
            parts.append(await self._run_due())
        self.clock.move_to(target)
        parts.append(await self._run_due())
        head = t("console.clock_advanced", delta=format_delta(delta), now=_when(self.clock.now()))
        return LineResult("\n".join([head, *(p for p in parts if p)]))

    async def _run_due(self) -> str:
        """Run the community's due timers and deliver what is waiting in the outbox, as the running bot's timer
        loop does (`app.run_timers`): what the timers produce, and the notices another process wrote and left to
        the running bot (`mentorbot admin forget` from another shell) or a console that stopped before showing
        them. Only rows no process holds are claimed (`MentorBot.undelivered`): a notice this session wrote is
        its own until it is shown with the line that made it, and shown is delivered, so it is never shown twice.

        Only the console's own community: the database may be one a Slack or Discord bot serves too, whose timers
        (and the notices they write) are that bot's to run and deliver, never this terminal's."""
        await self._ensure_weekly()
        notes = await self.bot.run_due_jobs(communities=[self.community])
        notes += await self.bot.undelivered(communities=[self.community])
        if not notes:
            return ""
        return await self.show(Outcome(Reply(""), tuple(notes), language=(await self._t()).lang))

    async def _ensure_weekly(self) -> None:
        """Make sure the community has its weekly timers (the scheduled round, the digest) before timers run.

        The timer loop makes them at most once a minute of clock time, and only for a community with members: on a
        fresh database its first look comes before any member exists, and `/clock` steps only to times
        `next_wake` knows, so `/clock +8d` would jump over the first Monday. Looked at before and after every
        line and at each `/clock` step, a timer exists from the line that made the first member on, and `/clock`
        stops at it. Each look is a write transaction per timer (SQLite's write lock), so one is made only when it
        can matter: while the community has no member it is only read whether one came (with none, no timer is
        made); once made with members there, not again until the clock moves (a `/clock` step, or a minute of
        time, as the timer loop looks) or the schedule settings change. Nothing to do (no database access) when
        neither is scheduled."""
        settings = self.bot.settings
        wanted = [getattr(settings, name) for name in insight.WEEKLY.values()]
        if all(value is None for value in wanted):
            return
        schedule = (*wanted, settings.programme_timezone)
        now, known = self.clock.now(), self._weekly
        if (
            known is not None
            and known.schedule == schedule
            and known.offset == self.clock.offset
            and timedelta(0) <= now - known.at < WEEKLY_CHECK_EVERY
        ):
            return
        # Read before the timers are made: members there then are there when they are made, and so are the timers.
        members = await self.bot.store.count_members(self.community)
        if not members:
            self._weekly = None
            return
        await insight.ensure_weekly_jobs(self.bot.core, [self.community])
        self._weekly = _WeeklyEnsured(now, self.clock.offset, schedule)

    # ---------------------------------------------------------------- output

    async def show(self, outcome: Outcome) -> str:
        """The text of an outcome: the reply to the acting member, then each notification addressed to its
        recipient, with buttons numbered per recipient and attachments saved under `files_dir`."""
        if outcome.duplicate:
            return ""
        t = translator(outcome.language)  # the acting member's; each notification is framed in its recipient's
        replies = [outcome.reply, *outcome.held, *(n.reply for n in outcome.notifications)]
        ids = mention_ids(replies) | {n.platform_user_id for n in outcome.notifications}
        names = await self._names_for(ids)
        parts: list[str] = []
        reply = outcome.reply
        if reply.text or reply.title or reply.fields or reply.listings or reply.buttons or reply.attachments:
            parts.append(self._render(reply, self.user_id, t, names))
        for held in outcome.held:  # notices that could not reach the caller earlier
            parts.append(self._render(held, self.user_id, t, names))
        for note in outcome.notifications:
            # Its button hints and instructions in the recipient's language, like the message itself.
            theirs = translator(note.language)
            body = self._render(note.reply, note.platform_user_id, theirs, names)
            parts.append(render_notification(names.get(note.platform_user_id, note.platform_user_id), body, theirs))
        await self.bot.delivered(outcome.notifications)  # shown on this screen: delivered, as far as the outbox knows
        return "\n".join(parts)

    def _render(self, reply: Reply, user_id: str, t: Translator, names: dict[str, str]) -> str:
        actions = [NumberedAction(self._register(user_id, button), button) for button in reply_buttons(reply)]
        saved = [self._save(user_id, attachment, t) for attachment in reply.attachments]
        return render_reply(reply, t, names=names, actions=actions, saved=saved)

    def _register(self, user_id: str, button: Button) -> int:
        actions = self._actions.setdefault(user_id, [])
        for number, known in enumerate(actions, start=1):
            if (known.action, known.ref) == (button.action, button.ref):
                actions[number - 1] = button
                return number
        actions.append(button)
        return len(actions)

    def _save(self, user_id: str, attachment: Attachment, t: Translator) -> str:
        """Save an attachment under ``files_dir/<member>/`` as `mentorbot admin export` writes its files: readable
        by their owner only (0600, in folders made 0700, whatever the umask), written whole to a temporary file
        first (`write_private`). A file of that name from an earlier export is replaced, as is a symbolic link
        there, which is never followed."""
        folder = self.files_dir / user_id
        path = folder / Path(attachment.filename).name
        try:
            self.files_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            folder.mkdir(mode=0o700, exist_ok=True)
            write_private(path, attachment.content, replace=True)
        except OSError as exc:
            self._unsaved += 1
            return t("console.cannot_save", file=attachment.filename, path=str(path), reason=exc.strerror or str(exc))
        return t("console.saved", file=attachment.filename, path=str(path), size=len(attachment.content))

    async def _names_for(self, ids: Sequence[str] | set[str]) -> dict[str, str]:
        for user_id in ids:
            if user_id not in self._names:
                member = await self.bot.store.find_member(self.community, user_id)
                if member is not None:
                    self._names[user_id] = member.display_name
        return dict(self._names)
