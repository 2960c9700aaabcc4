"""Held notices and the versions of a keyed message (both engines).

A mentor whose DMs are refused (left the server, DMs closed) has their offer held; when it expires, its
"expired" version (same key, ``offer:<id>``) replaces it: the member's next command shows only the newest
version of each key, never the dead offer with live Accept / Decline buttons. The key reaches the held row on
every path that holds (`hold_undelivered` with or without an outbox row, `retry_later`'s last try,
`hold_again`); notices without a key are all shown, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.replies import Notification, Reply, reply_to_json
from mentorbot.storage.store import Store
from tests.usecases.conftest import COMMUNITY, make_settings, to

Who = Callable[..., Caller]
EXPIRED = timedelta(hours=49)  # past an offer's expiry


async def offer_to_gone(bot: MentorBot, who: Who) -> Notification:
    """An offer to "gone", written to the outbox and not delivered yet."""
    await bot.signup(who("gone"), skills="seo")
    [offer] = to(await bot.request(who("amina"), skills="seo"), "gone")
    assert offer.key == "offer:1"
    return offer


async def expire(bot: MentorBot, clock: ManualClock, *, refused: bool, after: timedelta = EXPIRED) -> Notification:
    """Let the offer expire (`after` from now); its new version to "gone" is held (`refused`) or delivered."""
    clock.advance(after)
    notes = await bot.run_due_jobs()
    [expired] = [n for n in notes if n.platform_user_id == "U-gone"]
    assert expired.key == "offer:1" and not expired.reply.buttons
    if refused:
        await bot.hold_undelivered(expired)
    await bot.delivered(notes)
    return expired


async def statuses(store: Store, member_id: int) -> list[tuple[str | None, str]]:
    async with store.read() as conn:
        rows = await conn.fetch_all("SELECT message_key, status FROM outbox WHERE member_id = ? ORDER BY id", member_id)
    return [(r["message_key"], str(r["status"])) for r in rows]


async def test_a_held_offer_is_replaced_by_its_held_expiry(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    offer = await offer_to_gone(bot, who)
    await bot.hold_undelivered(offer)  # Discord 50007: DMs closed, or the mentor left the server
    await bot.delivered([offer])
    expired = await expire(bot, clock, refused=True)
    gone = await bot.store.find_member(COMMUNITY, "U-gone")
    assert gone is not None
    assert await statuses(bot.store, gone.id) == [("offer:1", "superseded"), ("offer:1", "held")]
    held = (await bot.status(who("gone"))).held
    assert held == (expired.reply,), "only the newest version of the key: the expiry, without the dead offer"
    assert (await bot.status(who("gone"))).held == ()


async def test_a_held_offer_is_replaced_by_its_delivered_expiry(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    offer = await offer_to_gone(bot, who)
    await bot.hold_undelivered(offer)
    await bot.delivered([offer])
    await expire(bot, clock, refused=False)  # the DMs are open again: the expiry reached the mentor
    assert (await bot.status(who("gone"))).held == (), "the expired offer is never shown again"


async def test_a_held_notification_without_an_outbox_row_keeps_its_key(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    offer = await offer_to_gone(bot, who)
    await bot.delivered([offer])
    await bot.hold_undelivered(replace(offer, outbox_id=None))  # held as a row of its own
    expired = await expire(bot, clock, refused=True)
    assert (await bot.status(who("gone"))).held == (expired.reply,)


async def test_an_offer_held_after_its_last_try_is_replaced_by_its_expiry(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    offer = await offer_to_gone(bot, who)
    last_try = replace(offer, attempts=make_settings().delivery_attempts)
    assert await bot.retry_later(last_try) is False  # held for the member's next command
    await bot.delivered([offer])
    expired = await expire(bot, clock, refused=True)
    assert (await bot.status(who("gone"))).held == (expired.reply,)


async def test_an_offer_without_an_outbox_row_held_by_retry_later_is_replaced_by_its_expiry(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    offer = await offer_to_gone(bot, who)
    await bot.delivered([offer])
    assert await bot.retry_later(replace(offer, outbox_id=None)) is False  # no row to retry: held at once
    expired = await expire(bot, clock, refused=True)
    assert (await bot.status(who("gone"))).held == (expired.reply,)


async def test_a_notice_held_again_keeps_its_key(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    offer = await offer_to_gone(bot, who)
    await bot.hold_undelivered(offer)
    await bot.delivered([offer])
    shown = (await bot.status(who("gone"))).held
    assert shown == (offer.reply,)
    assert await bot.hold_again(COMMUNITY, "U-gone", shown) == 1  # the adapter could show it nowhere
    expired = await expire(bot, clock, refused=True)
    assert (await bot.status(who("gone"))).held == (expired.reply,)


async def test_a_notice_is_not_held_again_over_a_newer_version(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    offer = await offer_to_gone(bot, who)
    await bot.hold_undelivered(offer)
    await bot.delivered([offer])
    clock.advance(EXPIRED - timedelta(minutes=2))
    shown = (await bot.status(who("gone"))).held
    await expire(bot, clock, refused=False, after=timedelta(minutes=2))  # while the adapter failed to show it
    assert await bot.hold_again(COMMUNITY, "U-gone", shown) == 0
    assert (await bot.status(who("gone"))).held == ()


async def test_notices_without_a_key_are_all_shown(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await bot.signup(who("gone"), skills="seo")
    gone = await bot.store.find_member(COMMUNITY, "U-gone")
    assert gone is not None
    for text in ("one", "two"):
        note = Notification(gone.id, "U-gone", Reply(text), community=COMMUNITY, language="en")
        await bot.hold_undelivered(note)
    shown = (await bot.status(who("gone"))).held
    assert [h.text for h in shown] == ["one", "two"]
    assert await bot.hold_again(COMMUNITY, "U-gone", shown) == 2
    assert [h.text for h in (await bot.status(who("gone"))).held] == ["one", "two"]


async def test_versions_held_before_the_fix_show_only_the_newest(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await bot.signup(who("gone"), skills="seo")
    gone = await bot.store.find_member(COMMUNITY, "U-gone")
    assert gone is not None
    async with bot.store.transaction() as conn:  # rows an older version left: both versions of offer:7 held
        for key, text in (("offer:7", "offer"), (None, "note"), ("offer:7", "expired")):
            await conn.execute(
                "INSERT INTO outbox (member_id, platform_user_id, community, language, message_key, payload, status, "
                "created_at) VALUES (?, 'U-gone', ?, 'en', ?, ?, 'held', ?)",
                gone.id,
                COMMUNITY,
                key,
                reply_to_json(Reply(text)),
                clock.now(),
            )
    assert [h.text for h in (await bot.status(who("gone"))).held] == ["note", "expired"]
