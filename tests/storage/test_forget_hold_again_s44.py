"""Session 44's forget hunt (/tmp/hunt/forget): a notice held again after a forget (both engines).

A command takes its member's held notices (their rows marked delivered: `OutboxStore.take_held_keyed`); an adapter
that can show them nowhere holds them again (`MentorBot.hold_again` → `OutboxStore.hold_notices_again`), each under
the key of the delivered row with the same content. A forget in between empties that row (`privacy._forget_notices`),
so no row had the content any more and the notice was held afresh under a `late-answer:` key: the mentor's offer
came back whole, her mention, her note and live Accept / Decline for an offer withdrawn. Now a notice whose row the
forget emptied is never held again (the forget leaves a digest of what it emptied, `outbox.forgotten_notice_marker`),
nor one that names a member forgotten and not back (their mention: a late answer the adapter read before the
forget); a late answer naming nobody forgotten is held as before.
"""

from __future__ import annotations

import json
from datetime import timedelta

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.replies import Reply, reply_to_json
from mentorbot.storage.store import Store
from tests.storage.forget_cast import HER, NAME, naming_her_text, who
from tests.usecases.conftest import COMMUNITY, make_settings, to


def naming_her(replies: tuple[Reply, ...] | list[Reply]) -> list[str]:
    texts = [reply_to_json(r) for r in replies]
    return [t for t in texts if naming_her_text(t)]


async def outbox_naming_her(store: Store) -> list[tuple[str, str | None]]:
    async with store.read() as conn:
        rows = await conn.fetch_all("SELECT status, message_key, payload FROM outbox ORDER BY id")
    return [(str(r["status"]), r["message_key"]) for r in rows if naming_her_text(str(r["payload"]))]


async def taken_offer(bot: MentorBot) -> tuple[Reply, ...]:
    """mo's held offer of zawadi's request, taken by his `/mentor status` (its row now delivered)."""
    await bot.signup(who("mo"), skills="visual-design", capacity="3")
    r = await bot.request(who("zawadi"), skills="visual-design", note="NOTECANARY I am Zawadi from Kisumu")
    [offer] = to(r, "mo")
    await bot.hold_undelivered(offer)  # its DM failed past its last try
    taken = await bot.status(who("mo"))
    assert len(taken.held) == 1 and "NOTECANARY" in reply_to_json(taken.held[0])
    assert [b.action for b in taken.held[0].buttons][:1] == ["offer.accept"]
    return taken.held


async def test_an_offer_taken_before_her_forget_is_not_held_again_after_it(
    store: Store, library: Library, clock: ManualClock
) -> None:
    """/tmp/hunt/forget/test_hold_again_resurrects.py."""
    bot = MentorBot(store, library, make_settings(), clock, worker_id="w")
    held = await taken_offer(bot)
    assert (await bot.forget(who("zawadi"), confirm=True)).error is None
    assert await bot.hold_again(COMMUNITY, "U-mo", held) == 0
    assert (await bot.status(who("mo"))).held == ()
    assert await outbox_naming_her(store) == []


async def test_nor_once_she_is_back(store: Store, library: Library, clock: ManualClock) -> None:
    """Back as a new member (the same platform user) before the adapter holds it again: her mention names a member
    again, but the row the forget emptied is still known by its digest."""
    bot = MentorBot(store, library, make_settings(), clock, worker_id="w")
    held = await taken_offer(bot)
    assert (await bot.forget(who("zawadi"), confirm=True)).error is None
    await bot.status(who("zawadi"))  # she is back
    assert await bot.hold_again(COMMUNITY, "U-mo", held) == 0
    assert (await bot.status(who("mo"))).held == ()


async def test_a_late_answer_naming_her_by_name_taken_before_her_forget_is_not_held_again(
    store: Store, library: Library, clock: ManualClock
) -> None:
    """An admin's late answer (its own `late-answer:` key) saying her display name and no mention: the forget empties
    it as it searches late answers for her name; held again after it, nothing shows it was about her but the
    digest."""
    bot = MentorBot(store, library, make_settings(), clock, worker_id="w")
    admin = who("admin", is_admin=True)
    await bot.status(admin)
    await bot.request(who("zawadi"), skills="seo")
    late = Reply(f"Waiting: {NAME}, for SEO")
    assert await bot.hold_again(COMMUNITY, "U-admin", [late]) == 1
    shown = (await bot.status(admin)).held
    assert shown == (late,)
    assert (await bot.forget(who("zawadi"), confirm=True)).error is None
    assert await bot.hold_again(COMMUNITY, "U-admin", shown) == 0
    assert (await bot.status(admin)).held == ()
    assert await outbox_naming_her(store) == []


async def test_a_late_answer_with_her_mention_is_not_held_after_her_forget(
    store: Store, library: Library, clock: ManualClock
) -> None:
    """An answer the adapter read before the forget (no outbox row ever had it), held after it: not held while it
    mentions her; one naming nobody forgotten (nor a platform user never forgotten) is held as before."""
    bot = MentorBot(store, library, make_settings(), clock, worker_id="w")
    await bot.status(who("kim"))
    await bot.request(who("zawadi"), skills="seo")
    assert (await bot.forget(who("zawadi"), confirm=True)).error is None
    naming = Reply(f"Request #1 of <@{HER}> is waiting")
    clean = Reply("Your language is now English; <@U-stranger> says hello")
    assert await bot.hold_again(COMMUNITY, "U-kim", [naming, clean]) == 1
    shown = (await bot.status(who("kim"))).held
    assert shown == (clean,) and naming_her(shown) == []


async def test_the_digest_is_all_that_is_kept_of_an_emptied_notice(
    store: Store, library: Library, clock: ManualClock
) -> None:
    """The delivered row keeps its key and state with an empty payload (as before); the marker holds no text of
    hers, and goes with the day-old event ids."""
    bot = MentorBot(store, library, make_settings(), clock, worker_id="w")
    await taken_offer(bot)
    assert (await bot.forget(who("zawadi"), confirm=True)).error is None
    async with store.read() as conn:
        rows = [dict(r) for r in await conn.fetch_all("SELECT * FROM processed_events")]
    markers = [r for r in rows if str(r["event_id"]).startswith("forgotten-notice:")]
    assert len(markers) == 1
    assert not naming_her_text(json.dumps(markers, default=str))
    clock.advance(timedelta(days=1, minutes=1))
    await store.prune_events(clock.now() - timedelta(days=1))
    async with store.read() as conn:
        left = await conn.fetch_all("SELECT event_id FROM processed_events")
    assert not [r for r in left if str(r["event_id"]).startswith("forgotten-notice:")]


async def test_in_one_batch_only_the_emptied_notice_is_left_out(
    store: Store, library: Library, clock: ManualClock
) -> None:
    """Session 45: the forget markers of a batch are looked up in one query; each payload is still judged by its own
    marker. The emptied offer is left out, a late answer naming nobody forgotten is held, whichever order."""
    bot = MentorBot(store, library, make_settings(), clock, worker_id="w")
    held = await taken_offer(bot)
    assert (await bot.forget(who("zawadi"), confirm=True)).error is None
    other = Reply(text="Your profile is saved. LATECANARY")
    mo = (await bot.status(who("mo"))).held
    assert mo == ()
    assert await bot.hold_again(COMMUNITY, "U-mo", (other, *held)) == 1
    again = (await bot.status(who("mo"))).held
    assert [reply_to_json(r) for r in again] == [reply_to_json(other)]
