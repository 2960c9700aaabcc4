"""`Outcome.held` carries each held notice's message key (`Outcome.held_keys`, session 41; both engines).

An offer DM posted before a long token outage: its "expired" version (key ``offer:<id>``) is held after its last
try and shown with the mentor's next command. The adapter edits the DM recorded for that key into it (Slack:
`tests/slack/test_held_edit_s41.py`), so the outcome says which key each held notice is the version of; an unkeyed
notice has None. The keys go with the answer the inbox stores (shown again after a restart), and an answer stored
before they were kept reads as having none.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.replies import Notification, Outcome, Reply, answer_from_json, answer_to_json
from mentorbot.storage.store import Store
from tests.usecases.conftest import COMMUNITY, make_settings
from tests.usecases.test_held_versions import expire, offer_to_gone

Who = Callable[..., Caller]


async def test_held_notices_come_with_their_keys(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    offer = await offer_to_gone(bot, who)
    await bot.delivered([offer])  # the offer DM was posted
    gone = await bot.store.find_member(COMMUNITY, "U-gone")
    assert gone is not None
    await bot.hold_undelivered(Notification(gone.id, "U-gone", Reply("plain"), community=COMMUNITY, language="en"))
    expired = replace(await expire(bot, clock, refused=False), attempts=make_settings().delivery_attempts)
    async with bot.store.transaction() as conn:  # the expiry's edit was not delivered: it is back in the outbox
        await conn.execute("UPDATE outbox SET status = 'pending' WHERE id = ?", expired.outbox_id)
    assert await bot.retry_later(expired) is False  # its last try failed: held
    outcome = await bot.status(who("gone"))
    assert outcome.held == (Reply("plain"), expired.reply)
    assert outcome.held_keys == (None, "offer:1")
    assert outcome.held_with_keys() == [(None, Reply("plain")), ("offer:1", expired.reply)]
    again = await bot.status(who("gone"))
    assert again.held == () and again.held_keys == ()


async def test_a_detached_command_carries_the_keys_too(bot: MentorBot, who: Who, store: Store) -> None:
    await bot.status(who("admin"))
    admin = await store.find_member(COMMUNITY, "U-admin")
    assert admin is not None
    note = Notification(admin.id, "U-admin", Reply("review"), key="suggestion:7", community=COMMUNITY, language="en")
    await bot.hold_undelivered(note)
    outcome = await bot.admin_export(who("admin", is_admin=True))
    assert outcome.held == (Reply("review"),) and outcome.held_keys == ("suggestion:7",)


def test_the_stored_answer_keeps_the_keys() -> None:
    outcome = Outcome(Reply("ok"), held=(Reply("a"), Reply("b")), held_keys=("offer:3", None), language="sw")
    back = answer_from_json(answer_to_json(outcome))
    assert back.held == outcome.held and back.held_keys == ("offer:3", None)
    old = json.loads(answer_to_json(outcome))
    del old["held_keys"]  # stored before the keys were kept
    before = answer_from_json(json.dumps(old))
    assert before.held_keys == () and before.held_with_keys() == [(None, Reply("a")), (None, Reply("b"))]
