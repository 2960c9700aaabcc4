"""An in-time answer to the offer whose lapse paused its mentor leaves the expiry's "we've paused your mentor
profile" notice alone when it does not take that pause back: an admin paused him since (session 44's mutation hunt:
O7).

The in-time answer takes back the lapse (`offers._forgive_lapse`), and the pause that lapse brought only while the
mentor is still paused for lapses: an admin's pause since is the reason now, and stays. The notice still to reach him
is then still true (he is paused) and is not superseded: only a pause taken back supersedes it
(`outbox.supersede_pause_notice`). `test_pause_notice_unpaused_s43` covers a pause taken back, and an answer to
another offer. Both engines."""

from __future__ import annotations

from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.storage.store import Store
from tests.usecases.test_digest_lapses_s41 import profile_row, who
from tests.usecases.test_pause_notice_unpaused_s43 import _in_time, _paused, _status

EN = translator("en")


async def test_an_admins_pause_since_keeps_the_pause_notice_after_an_in_time_decline(
    store: Store, library: Library, clock: ManualClock
) -> None:
    bot, offers, notice = await _paused(store, library, clock)
    paused = await bot.admin_pause(who("admin"), mentor="baraka")
    assert paused.error is None, paused.reply.plain_text
    assert (await profile_row(store))["pause_reason"] == "admin"
    out = await bot.decline(who("baraka", answered_at=await _in_time(store, offers[2])), offer_id=offers[2])
    assert out.error is None, out.reply.plain_text
    assert EN("offer.in_time.unpaused") not in out.reply.text
    row = await profile_row(store)
    assert (row["status"], row["pause_reason"]) == ("paused", "admin")
    assert await bot.still_to_send(notice), "he is still paused: the notice is still true"
    assert await _status(store, notice) == "pending"


async def test_an_admins_pause_since_keeps_the_pause_notice_after_an_in_time_accept(
    store: Store, library: Library, clock: ManualClock
) -> None:
    bot, offers, notice = await _paused(store, library, clock)
    assert (await bot.admin_pause(who("admin"), mentor="baraka")).error is None
    out = await bot.accept(who("baraka", answered_at=await _in_time(store, offers[2])), offer_id=offers[2])
    assert out.error is None, out.reply.plain_text
    assert EN("offer.in_time.unpaused") not in out.reply.text
    assert (await profile_row(store))["status"] == "paused"
    assert await bot.still_to_send(notice)
    assert await _status(store, notice) == "pending"
