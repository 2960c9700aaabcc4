"""The waitlist's CSV lists a request's skills as a list ("SEO, Paid social"), not as a sentence ("SEO and Paid
social"): a spreadsheet's column is split at its commas."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from mentorbot.bot import Caller, MentorBot


async def test_the_csv_skills_column_is_a_comma_list(bot: MentorBot, who: Callable[..., Caller]) -> None:
    for number in range(30):  # more than a page: the typed command attaches the whole waitlist
        await bot.request(who(f"m{number}"), skills="seo, paid social, copywriting")
    outcome = await bot.admin_waitlist(who("admin"))
    [attachment] = [a for a in outcome.reply.attachments if a.filename.endswith(".csv")]
    rows = list(csv.reader(io.StringIO(attachment.content.decode("utf-8-sig"))))
    assert rows[1][2] == "SEO, Paid social, Copywriting"
