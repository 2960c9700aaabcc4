"""Typed commands: the one parser of ``/mentor …``, ``/mentor-admin …``, ``/skills …`` and ``/courses …``.

Shared by every adapter that receives commands as text (Slack's slash commands, the console), and usable by
adapters with typed options (Discord) through `find_command` + `ParsedCommand` + `execute`. No business rule
lives here: a command is parsed into option values (strings) and handed to the matching `MentorBot` use-case,
which validates them.

Syntax (the same everywhere):

- options are ``key:value`` or ``key=value``; ``skills:seo, copywriting`` names several skills;
- a value with spaces is quoted (``note:"need help with a launch"``, ``'…'``, ``“…”``, ``‘…’``), or simply
  typed on: words after a free-text option belong to it until the next ``key:`` (``note:need help with a
  launch``); after another option of the usage's order they go on to the next one still empty, as typed without
  its name (``/mentor end mentorship:1 5 great`` → mentorship 1, rating 5, comment "great"), and stay its own only
  when none is left after it (``until:2026-12-24 09:00``);
- words before the first option fill the command's positional arguments in order
  (``/mentor decline 12 too busy this month`` → offer 12, reason "too busy this month");
- a quote opens only at the start of a word or of a value, so apostrophes (``I'm``) need no escaping.

Errors are `UserError`s in the ``commands`` namespace: unknown command (with "did you mean"), unknown option
(listing the allowed ones), an option given twice, a missing required argument, an unclosed quote.

The package: `table` (every command and its metadata), `parsing` (a line to a `ParsedCommand`) and `running`
(a parsed command or a clicked button to its use-case; help). Adapters import from here.
"""

from mentorbot.commands.parsing import ParsedCommand, Token, parse, parse_slash, suggesting, tokenize
from mentorbot.commands.running import (
    BUTTON_ACTIONS,
    FORM_ACTIONS,
    ITEM_ACTIONS,
    button_command,
    caller_language,
    error_outcome,
    execute,
    execute_button,
    help_reply,
    needs_admin,
    needs_form,
    parse_custom_id,
    run_command,
    run_slash,
    submit_feedback_form,
)
from mentorbot.commands.table import COMMANDS, GROUPS, Command, Option, Pace, find_command

__all__ = [
    "BUTTON_ACTIONS",
    "COMMANDS",
    "FORM_ACTIONS",
    "GROUPS",
    "ITEM_ACTIONS",
    "Command",
    "Option",
    "Pace",
    "ParsedCommand",
    "Token",
    "button_command",
    "caller_language",
    "error_outcome",
    "execute",
    "execute_button",
    "find_command",
    "help_reply",
    "needs_admin",
    "needs_form",
    "parse",
    "parse_custom_id",
    "parse_slash",
    "run_command",
    "run_slash",
    "submit_feedback_form",
    "suggesting",
    "tokenize",
]
