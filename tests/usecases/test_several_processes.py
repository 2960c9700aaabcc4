"""Four processes over one database race through the programme (issue 12, point 5): signups, requests, accepts,
declines, expiries and optimal rounds at once. Afterwards the invariants hold and every notification written to
the outbox was delivered exactly once (no process died here, so at-least-once must be exactly once)."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.replies import Notification, Outcome
from mentorbot.settings import Settings
from mentorbot.storage.store import Store
from mentorbot.usecases.handler import OUTBOX_LEASE
from tests.conftest import store_on_same_database
from tests.usecases.conftest import COMMUNITY, make_settings

SKILLS = ["seo", "paid-social", "copywriting"]


async def test_four_processes_keep_the_invariants_and_deliver_each_notification_once(
    store: Store, library: Library, clock: ManualClock
) -> None:
    settings: Settings = make_settings(offer_ttl_hours=1.0)
    stores = [store, *(store_on_same_database(store) for _ in range(3))]
    for other in stores[1:]:
        await other.open(clock.now())
    bots = [MentorBot(s, library, settings, clock, worker_id=f"p{i}") for i, s in enumerate(stores)]
    delivered: Counter[int] = Counter()

    async def deliver(bot: MentorBot, notes: tuple[Notification, ...] | list[Notification]) -> None:
        for note in notes:
            assert note.outbox_id is not None
            delivered[note.outbox_id] += 1
        await bot.delivered(notes)

    async def run(bot: MentorBot, outcome: Outcome) -> None:
        await deliver(bot, outcome.notifications)

    rng = random.Random(7)
    try:
        # Mentors sign up through every process at once.
        async def signup(i: int) -> None:
            bot, caller = bots[i % 4], Caller(COMMUNITY, f"U-m{i}", f"m{i}")
            await run(bot, await bot.signup(caller, skills=rng.choice(SKILLS), capacity=str(rng.randint(1, 2))))

        await asyncio.gather(*(signup(i) for i in range(6)))

        async def mentee(i: int) -> None:
            bot = bots[i % 4]
            await run(bot, await bot.request(Caller(COMMUNITY, f"U-a{i}", f"a{i}"), skills=rng.choice(SKILLS)))

        async def mentor_acts(i: int) -> None:
            bot = bots[(i + 1) % 4]
            me = await bot.store.find_member(COMMUNITY, f"U-m{i}")
            assert me is not None
            for offer in await bot.store.list_offers(mentor_id=me.id):
                caller = Caller(COMMUNITY, f"U-m{i}", f"m{i}")
                action = bot.accept if rng.random() < 0.6 else bot.decline
                await run(bot, await action(caller, offer_id=offer.id))

        async def admin_round(i: int) -> None:
            bot = bots[i % 4]
            await run(bot, await bot.admin_round(Caller(COMMUNITY, "U-admin", "admin")))

        for wave in range(3):
            await asyncio.gather(
                *(mentee(wave * 10 + i) for i in range(10)),
                *(mentor_acts(i) for i in range(6)),
                admin_round(wave),
            )
            clock.advance(timedelta(hours=1, minutes=5))  # pending offers expire: four processes race for them
            notes = await asyncio.gather(*(bot.run_due_jobs() for bot in bots))
            for bot, batch in zip(bots, notes, strict=True):
                await deliver(bot, batch)
        clock.advance(OUTBOX_LEASE * 2)
        assert [await bot.undelivered() for bot in bots] == [[], [], [], []], "nothing was left undelivered"
    finally:
        for other in stores[1:]:
            await other.close()

    assert delivered, "the load produced notifications"
    assert max(delivered.values()) == 1, "each notification delivered exactly once"
    assert await store.count_undelivered() == 0
    async with store.read() as conn:
        over = await conn.fetch_all(
            "SELECT p.member_id FROM mentor_profiles p WHERE p.active_count + p.pending_offers > p.capacity "
            "OR p.active_count <> (SELECT COUNT(*) FROM mentorships m WHERE m.mentor_id = p.member_id "
            "AND m.status = 'active') OR p.pending_offers <> (SELECT COUNT(*) FROM offers o "
            "WHERE o.mentor_id = p.member_id AND o.status = 'pending')"
        )
        doubled = await conn.fetch_all("SELECT request_id FROM mentorships GROUP BY request_id HAVING COUNT(*) > 1")
        offered = await conn.fetch_all(
            "SELECT r.id FROM requests r WHERE r.status = 'offered' AND "
            "(SELECT COUNT(*) FROM offers o WHERE o.request_id = r.id AND o.status = 'pending') <> 1"
        )
    assert (over, doubled, offered) == ([], [], [])
