"""Running commands: a parsed command or a clicked button to its use-case, parse errors and help as replies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from mentorbot.bot import Caller, MentorBot
from mentorbot.commands.parsing import ParsedCommand, for_member, parse, parse_slash
from mentorbot.commands.table import COMMANDS
from mentorbot.errors import UserError
from mentorbot.i18n import translator
from mentorbot.inputs import is_blank
from mentorbot.models import MentorshipStatus
from mentorbot.paging import PAGE_ACTION, STATUS_SOURCES, decode, page_command, position_of
from mentorbot.replies import Button, Field, Outcome, Reply

# --------------------------------------------------------------------------------------------- execute


async def caller_language(bot: MentorBot, caller: Caller) -> str:
    """The language to answer `caller` in before any use-case ran (parse errors, help)."""
    member = await bot.store.find_member(caller.community, caller.user_id)
    return bot.lang_of(member)


async def error_outcome(bot: MentorBot, caller: Caller, error: UserError) -> Outcome:
    """A parsing error (or any `UserError` raised outside the core) as the reply the caller sees. It counts
    against the caller's rate limit: over it, the answer is the rate limit's refusal."""
    refused = await bot.rate_limited(caller)
    if refused is not None:
        return refused
    lang = await caller_language(bot, caller)
    if not bot.is_admin(caller):
        error = for_member(error)
    return Outcome(Reply(bot.render_error(error, translator(lang))), error=error, language=lang)


async def execute(bot: MentorBot, caller: Caller, parsed: ParsedCommand) -> Outcome:
    """Run a parsed command: call its use-case with the typed values, or answer with the help."""
    command = parsed.command
    if command.handler is None:
        refused = await bot.rate_limited(caller)  # help runs no use-case: it counts here
        if refused is not None:
            return refused
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
    ``/mentor signup`` with nothing typed, or without skills by a member who is not a mentor yet; or a
    ``/mentor feedback`` without a rating (`asks_for_rating`: the feedback form of the mentorship
    `feedback_form_target` finds)."""
    command = parsed.command
    if asks_for_rating(parsed):
        return True
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


def asks_for_rating(parsed: ParsedCommand) -> bool:
    """Whether `parsed` is ``/mentor feedback`` without a rating: an adapter with forms opens the feedback form
    (the one the Give feedback button opens) instead of answering with the command to type."""
    return parsed.command.method == "feedback" and is_blank(parsed.args.get("rating"))


async def feedback_form_target(bot: MentorBot, caller: Caller, parsed: ParsedCommand) -> str | Outcome:
    """The mentorship whose feedback form a typed ``/mentor feedback`` without a rating (`asks_for_rating`)
    opens, as the core finds it: the number typed, or the caller's only ended mentorship still waiting for their
    rating. When there is none to open, the core's answer instead: nothing to rate, several to choose from
    (listed), a number that is not one, over the rate limit, a mentorship of theirs still active (``/mentor end``
    rates it). (The core names the mentorship in its refusal of a missing rating, ``feedback.rating_required``;
    whether it is the caller's and still to rate is the form's own question, `MentorBot.feedback_form`, as for the
    button.)"""
    outcome = await bot.feedback(caller, mentorship_id=parsed.args.get("mentorship") or "", rating=None)
    error = outcome.error
    if error is None or error.key != "feedback.rating_required" or not isinstance(error.params.get("id"), int):
        return outcome
    wanted: int = error.params["id"]
    mentorship = await bot.store.get_mentorship(wanted)
    member = await bot.store.find_member(caller.community, caller.user_id)
    ours = mentorship is not None and member is not None and member.id in (mentorship.mentor_id, mentorship.mentee_id)
    if ours and mentorship is not None and mentorship.status is not MentorshipStatus.ENDED:
        active = UserError("feedback.still_active", id=wanted)  # its form's submission would be refused so
        return Outcome(
            Reply(bot.render_error(active, translator(outcome.language))), error=active, language=outcome.language
        )
    return str(wanted)


# --------------------------------------------------------------------------------------------- buttons

BUTTON_ACTIONS: Final = (
    "offer.accept",
    "offer.decline",
    "forget.confirm",
    "feedback.open",
    "checkin.ok",
    "checkin.end",
    "checkin.help",
    PAGE_ACTION,
    "vote.up",
    "vote.down",
    "suggestion.approve",
    "suggestion.reject",
)
"""Every `Button.action` the core emits; `execute_button` handles each."""

FORM_ACTIONS: Final = frozenset({"feedback.open", "checkin.end"})
"""Buttons that open the feedback form on platforms with forms (Slack and Discord modals): the form's
submission goes to `submit_feedback_form`. Elsewhere `execute_button` runs them (the command to type, or the
end without a rating followed by the feedback button)."""

ITEM_ACTIONS: Final = frozenset({"vote.up", "vote.down", "suggestion.approve", "suggestion.reject"})
"""Buttons that act on one item of a list (a course's vote, a suggestion's approval): their answer is shown
beside the clicked message, which stays as it is, so the list's other items can still be acted on. Every other
action's answer replaces the clicked message (an offer accepted, a check-in answered, a page turned)."""


def needs_admin(action: str, ref: str) -> bool:
    """Whether a button's use-case is an admin's (a suggestion's approval, the waitlist's pages): an adapter that
    cannot see the clicker's rights where it was clicked (Discord's DMs carry no server permissions) must ask the
    platform for them first."""
    if action in ("suggestion.approve", "suggestion.reject"):
        return True
    page = decode(ref) if action == PAGE_ACTION else None
    return page is not None and page.source == "waitlist"


_BUTTON_COMMANDS: Final[Mapping[str, str]] = {
    "offer.accept": "/mentor accept {ref}",
    "offer.decline": "/mentor decline {ref}",
    "forget.confirm": "/mentor forget confirm:yes",
    "checkin.end": "/mentor end {ref}",
    "checkin.ok": "/mentor checkin {ref} ok",
    "checkin.help": "/mentor checkin {ref} help",
    "feedback.open": "/mentor feedback {ref}",
    "vote.up": "/courses vote {ref} helpful",
    "vote.down": "/courses vote {ref} not",
    "suggestion.approve": "/mentor-admin approve {ref}",
    "suggestion.reject": "/mentor-admin reject {ref}",
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
    if button.action == PAGE_ACTION:
        return page_command(button.ref)
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
    if action == "feedback.open":
        return await bot.feedback_form(caller, mentorship_id=ref)
    if action == "checkin.ok":
        return await bot.checkin(caller, mentorship_id=ref, answer="ok")
    if action == "checkin.end":
        return await bot.end(caller, mentorship_id=ref)
    if action == "checkin.help":
        return await bot.checkin(caller, mentorship_id=ref, answer="help")
    if action == PAGE_ACTION:
        return await _page(bot, caller, ref)
    if action in ("vote.up", "vote.down"):
        return await bot.vote_course(caller, resource=ref, helpful=action == "vote.up")
    if action in ("suggestion.approve", "suggestion.reject"):
        return await bot.admin_decide_suggestion(caller, suggestion_id=ref, approve=action == "suggestion.approve")
    return await error_outcome(bot, caller, UserError("commands.unknown_action"))


async def _page(bot: MentorBot, caller: Caller, ref: str) -> Outcome:
    """A paging button: the page it names, of the list it names (`paging.PageRef`), read afresh."""
    page = decode(ref)
    if page is None:
        return await error_outcome(bot, caller, UserError("paging.unknown_list"))
    if page.source == "waitlist":  # paged by position: the page after (before) the request its button names
        return await bot.admin_waitlist(caller, start=str(position_of(page)))
    if page.source == "skills":
        return await bot.skills(caller, query=page.query or None, start=page.start)
    if page.source in STATUS_SOURCES:
        return await bot.status(caller, section=page.source, start=page.start)
    return await error_outcome(bot, caller, UserError("paging.unknown_list"))


async def submit_feedback_form(
    bot: MentorBot, caller: Caller, action: str, ref: str, rating: str | None, comment: str | None
) -> Outcome:
    """A submitted feedback form (opened by a `FORM_ACTIONS` button): ``checkin.end`` ends the mentorship
    with the rating and comment (or, once the other party has ended it, gives them as feedback: see the `end`
    use-case); ``feedback.open`` gives feedback on one that has ended."""
    if action == "checkin.end":
        return await bot.end(caller, mentorship_id=ref, rating=rating, comment=comment)
    return await bot.feedback(caller, mentorship_id=ref, rating=rating, comment=comment)


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
            f"`{c.usage_for(t)}` — {t(f'commands.help.{c.help_key}')}"
            for c in COMMANDS
            if c.section == section and c.handler is not None
        ]
        fields.append(Field(t(f"commands.help.{section}"), "\n".join(lines)))
    return Reply(t("commands.help.intro"), title=t("commands.help.title"), fields=tuple(fields))


def form_may_open(asked: Outcome) -> bool:
    """Whether the core's answer to a feedback button (`MentorBot.feedback_form`) lets the form open: it does
    (`Reply.form`) only when the mentorship is the member's and their feedback is still to give; otherwise (not
    theirs, given already, over the rate limit) it says why, and that is the click's answer. One test for every
    adapter that opens a feedback form (Discord, Slack)."""
    return asked.error is None and not asked.duplicate and asked.reply.form == "feedback"
