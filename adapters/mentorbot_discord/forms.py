"""The feedback form: a Discord modal opened by the feedback button (``feedback.open``) and by the check-in's
"end and give feedback" (``checkin.end``). Its labels come from the core's catalogs in the member's language;
its submission goes to the core through `MentorBotClient.submit_form` (recorded in the inbox like a command,
as ``/mentor feedback`` or ``/mentor end``, so a crash after the submit loses nothing)."""

from __future__ import annotations

from typing import Any, Final

import discord

from mentorbot.i18n import Translator
from mentorbot.inputs import MAX_COMMENT
from mentorbot.replies import clip
from mentorbot_discord.ports import client_of

TITLE_LIMIT: Final = 45
LABEL_LIMIT: Final = 45
RATING: Final = "rating"
COMMENT: Final = "comment"


class FeedbackModal(discord.ui.Modal):
    """A rating (1–5) and an optional comment for one mentorship; `action` says what the submission does."""

    def __init__(self, action: str, ref: str, guild_id: int | None, t: Translator) -> None:
        title = t("feedback.end_title") if action == "checkin.end" else t("feedback.form_title")
        super().__init__(
            title=clip(f"{title} #{ref}", TITLE_LIMIT),
            custom_id=f"mentorbot-form:{action}:{ref}" + (f":{guild_id}" if guild_id is not None else ""),
            timeout=15 * 60,
        )
        self.action = action
        self.ref = ref
        self.guild_id = guild_id
        self.rating: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(
            label=clip(t("feedback.rating_label"), LABEL_LIMIT),
            custom_id=RATING,
            min_length=1,
            max_length=1,
            required=action != "checkin.end",
            placeholder="1-5",
        )
        self.comment: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(
            label=clip(t("feedback.comment_label"), LABEL_LIMIT),
            custom_id=COMMENT,
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=min(MAX_COMMENT, 4000),
        )
        self.add_item(self.rating)
        self.add_item(self.comment)

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        rating = self.rating.value.strip() or None
        comment = self.comment.value.strip() or None
        await client_of(interaction).submit_form(interaction, self.action, self.ref, self.guild_id, rating, comment)
