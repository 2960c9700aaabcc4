"""Session 45's mutation hunt of session 44's code (/tmp/hunt/mut45): what the forget reads of a held notice.

Mutants that survived: the attached files not read (`forgotten.notice_strings` with ``file`` for ``files``), a
CSV's content decoded without its byte-order mark (the waitlist CSV is written with one), JSON files not read, and
a member forgotten and back still counted as forgotten. Each test kills one of them; both engines.
"""

from __future__ import annotations

import json

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.replies import Attachment, Reply
from mentorbot.storage.store import Store
from tests.storage.forget_cast import HER, NAME, who
from tests.storage.test_forget_hold_again_s44 import outbox_naming_her
from tests.usecases.conftest import COMMUNITY, make_settings


async def _held_then_forget(store: Store, library: Library, clock: ManualClock, late: Reply) -> MentorBot:
    bot = MentorBot(store, library, make_settings(), clock, worker_id="w")
    admin = who("admin", is_admin=True)
    await bot.status(admin)
    await bot.request(who("zawadi"), skills="seo")
    assert await bot.hold_again(COMMUNITY, "U-admin", [late]) == 1  # a late answer, held under a late-answer: key
    assert (await bot.forget(who("zawadi"), confirm=True)).error is None
    return bot


async def test_a_waitlist_csv_naming_her_goes_with_her_forget(
    store: Store, library: Library, clock: ManualClock
) -> None:
    """F1 (files not read as files) and F6 (content decoded as ascii): the waitlist CSV (utf-8-sig, as
    admin.waitlist_csv writes it) names her only in the file."""
    csv = f"request,member,skills\n1,{NAME},SEO\n".encode("utf-8-sig")
    late = Reply("The waitlist is attached.", attachments=(Attachment("waitlist.csv", csv, "text/csv"),))
    bot = await _held_then_forget(store, library, clock, late)
    assert await outbox_naming_her(store) == []
    assert (await bot.status(who("admin", is_admin=True))).held == ()


async def test_a_json_file_naming_her_goes_with_her_forget(store: Store, library: Library, clock: ManualClock) -> None:
    """F2 (application/json not read): a JSON file naming her."""
    data = json.dumps({"mentorships": [{"mentee": NAME}]}).encode()
    late = Reply("Your data is attached.", attachments=(Attachment("mentorbot-export.json", data, "application/json"),))
    bot = await _held_then_forget(store, library, clock, late)
    assert (await bot.status(who("admin", is_admin=True))).held == ()


async def test_a_late_answer_mentioning_her_once_she_is_back_is_held(
    store: Store, library: Library, clock: ManualClock
) -> None:
    """F4 (members back still counted as forgotten): back as a member, her mention is no forgotten member's."""
    bot = MentorBot(store, library, make_settings(), clock, worker_id="w")
    await bot.status(who("kim"))
    await bot.request(who("zawadi"), skills="seo")
    assert (await bot.forget(who("zawadi"), confirm=True)).error is None
    await bot.status(who("zawadi"))  # she is back
    answer = Reply(f"Request #2 of <@{HER}> is waiting")
    assert await bot.hold_again(COMMUNITY, "U-kim", [answer]) == 1
