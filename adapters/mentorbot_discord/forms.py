"""The feedback form: a Discord modal opened by the feedback button (``feedback.open``) and by the check-in's
"end and give feedback" (``checkin.end``). Its labels come from the core's catalogs in the member's language;
its submission goes to the core through `MentorBotClient.submit_form` (recorded in the inbox like a command,
as ``/mentor feedback`` or ``/mentor end``, so a crash after the submit loses nothing).

No form is kept in memory (discord.py would keep each opened modal, keyed by its custom id alone, for its timeout,
and drop any submission it does not hold): a submission is read from its payload (`submission`: what the form is
for in its custom id, the answers in its fields). So a form is taken when it is submitted after a restart, to
another process, after any time, and when both people of a mentorship have the same form open.

The rating is picked from a list (1 to 5: a string select in a Label, which Discord's modals take since 2025), so it
cannot be mistyped: a refused rating would close the form and lose the comment written with it. A form opened before
this (its rating a text input) is still read, the refusal of a bad rating then giving the comment back (see
`MentorBotClient.submit_form`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import discord

from mentorbot.commands import FORM_ACTIONS
from mentorbot.i18n import Translator
from mentorbot.inputs import MAX_COMMENT
from mentorbot.replies import clip

TITLE_LIMIT: Final = 45
LABEL_LIMIT: Final = 45
PLACEHOLDER_LIMIT: Final = 100
RATINGS: Final = ("1", "2", "3", "4", "5")
"""The ratings the form offers, as a string select's options (each shown with as many stars)."""
RATING: Final = "rating"
COMMENT: Final = "comment"
CUSTOM_ID: Final = re.compile(r"mentorbot-form:(?P<action>[a-z_.]+):(?P<ref>[^:]+)(?::(?P<guild>[0-9]+))?")


class FeedbackModal(discord.ui.Modal):
    """A rating (1–5, picked from a list) and an optional comment for one mentorship, each in a Label; `action` says
    what the submission does (the check-in's "end and give feedback" takes no rating: it may be left unpicked).
    Opened stopped: it is never kept in memory (see the module), and its submission is read by `submission`."""

    def __init__(self, action: str, ref: str, guild_id: int | None, t: Translator) -> None:
        title = t("feedback.end_title") if action == "checkin.end" else t("feedback.form_title")
        super().__init__(
            title=clip(f"{title} #{ref}", TITLE_LIMIT),
            custom_id=f"mentorbot-form:{action}:{ref}" + (f":{guild_id}" if guild_id is not None else ""),
            timeout=None,  # never waited for in memory: the submission is read from its payload
        )
        required = action != "checkin.end"
        self.rating: discord.ui.Select[FeedbackModal] = discord.ui.Select(
            custom_id=RATING,
            placeholder="1-5",
            options=[discord.SelectOption(label=f"{value} {'★' * int(value)}", value=value) for value in RATINGS],
            min_values=1 if required else 0,
            max_values=1,
            required=required,
        )
        self.comment: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(
            # The privacy promise is past a label's 45 characters: it goes in the placeholder.
            placeholder=clip(t("feedback.comment_hint"), PLACEHOLDER_LIMIT),
            custom_id=COMMENT,
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=min(MAX_COMMENT, 4000),
        )
        for label, item in (("feedback.rating_label", self.rating), ("feedback.comment_label_short", self.comment)):
            self.add_item(discord.ui.Label(text=clip(t(label), LABEL_LIMIT), component=item))
        self.stop()  # sent, never stored: discord.py keeps only the modals not yet finished


@dataclass(frozen=True)
class FormSubmission:
    """A submitted feedback form, as its payload says: what it is for, and the answers (None when left empty)."""

    action: str
    ref: str
    guild_id: int | None
    rating: str | None
    comment: str | None


def submission(data: Mapping[str, Any]) -> FormSubmission | None:
    """The feedback form a modal submission's `data` carries (its ``custom_id`` and its answers, inside Label
    components as Discord sends them now, or inside action rows as before: a text input's ``value``, a string
    select's first of its ``values``), or None for another modal."""
    match = CUSTOM_ID.fullmatch(str(data.get("custom_id", "")))
    if match is None or match["action"] not in FORM_ACTIONS:
        return None
    values: dict[str, str] = {}
    for component in _list(data.get("components")):
        if not isinstance(component, Mapping):
            continue
        inner = _list(component.get("components")) if "components" in component else [component.get("component")]
        for item in inner:
            if not isinstance(item, Mapping):
                continue
            picked = item.get("values")
            if isinstance(item.get("value"), str):
                values[str(item.get("custom_id"))] = item["value"]
            elif isinstance(picked, list) and picked and isinstance(picked[0], str):
                values[str(item.get("custom_id"))] = picked[0]
    guild = match["guild"]
    return FormSubmission(
        match["action"],
        match["ref"],
        int(guild) if guild else None,
        values.get(RATING, "").strip() or None,
        values.get(COMMENT, "").strip() or None,
    )


def _list(value: Any) -> list[Any]:
    """`value` when it is a list, else empty (a payload of another shape is read as holding no answers)."""
    return value if isinstance(value, list) else []
