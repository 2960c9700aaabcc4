"""A whole community driven through the use-cases, with a restart in the middle, on both engines.

30 mentors, 60 requests, declines, expiries, pauses, a restart (a new core over the same database), a
matching round and ends with feedback. Afterwards no mentor is above capacity, every request is matched,
waiting with a reason, cancelled or closed, and the admin stats agree with counts made from the tables.
"""

from __future__ import annotations

import random
from datetime import timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.models import RequestStatus
from mentorbot.replies import Notification
from mentorbot.settings import Settings
from mentorbot.storage.store import Store
from tests.conftest import store_on_same_database
from tests.usecases.conftest import COMMUNITY

SKILLS = [
    "crisis-communications",
    "brand-strategy",
    "content-creation",
    "copywriting",
    "short-form-video",
    "community-management",
    "social-listening",
    "paid-social",
    "analytics-reporting",
    "budgeting-roi",
]


def caller(name: str, **kwargs: object) -> Caller:
    return Caller(COMMUNITY, f"U-{name}", name, **kwargs)  # type: ignore[arg-type]


def offers_in(notes: tuple[Notification, ...] | list[Notification]) -> list[tuple[str, int]]:
    """(mentor user id, offer id) of every offer notification."""
    return [(n.platform_user_id, int(b.ref)) for n in notes for b in n.reply.buttons if b.action == "offer.accept"]


async def table_count(store: Store, sql: str) -> int:
    async with store.db.read() as conn:
        row = await conn.fetch_one(sql, COMMUNITY)
    return int(row["n"]) if row else 0


async def test_a_whole_community(store: Store, library: Library, settings: Settings, clock: ManualClock) -> None:
    rng = random.Random(2026)
    bot = MentorBot(store, library, settings, clock, worker_id="first")
    pending: list[tuple[str, int]] = []

    for i in range(30):
        skills = rng.sample(SKILLS, 3)
        outcome = await bot.signup(
            caller(f"mentor{i}"),
            skills=", ".join(skills),
            levels=", ".join(rng.choice(["learning", "practitioner", "expert"]) for _ in skills),
            capacity=rng.randint(1, 3),
            timezone=rng.choice(["Africa/Nairobi", "Europe/London", "UTC+5:30", "America/New_York"]),
            languages=rng.choice(["en", "en, sw", "sw"]),
        )
        pending += offers_in(outcome.notifications)
    for i in range(60):
        outcome = await bot.request(caller(f"member{i % 45}"), skills=", ".join(rng.sample(SKILLS, rng.randint(1, 3))))
        pending += offers_in(outcome.notifications)

    # First wave: a third declined, a third accepted, the rest left to expire.
    for user, oid in list(pending):
        roll = rng.random()
        name = user.removeprefix("U-")
        if roll < 0.33:
            pending += offers_in((await bot.decline(caller(name), offer_id=oid)).notifications)
        elif roll < 0.66:
            pending += offers_in((await bot.accept(caller(name), offer_id=oid)).notifications)
    await bot.pause(caller("mentor3"))
    await bot.pause(caller("mentor4"), until="2d")
    for i in range(5):
        await bot.cancel(caller(f"member{i}"))

    # Restart: offers fall due while the bot is down; the new process's timers catch up.
    await store.close()
    clock.advance(timedelta(hours=49))
    store2 = store_on_same_database(store)
    await store2.open(clock.now())
    bot = MentorBot(store2, library, settings, clock, worker_id="second")
    pending = offers_in(await bot.run_due_jobs())
    for user, oid in pending:
        await bot.accept(caller(user.removeprefix("U-")), offer_id=oid)

    await bot.resume(caller("mentor3"))
    round_outcome = await bot.admin_round(caller("admin"))
    assert "Matching round done" in round_outcome.reply.text
    for user, oid in offers_in(round_outcome.notifications):
        await bot.accept(caller(user.removeprefix("U-")), offer_id=oid)

    for ms in (await store2.list_mentorships(community=COMMUNITY, active_only=True))[::2]:
        mentee = await store2.get_member(ms.mentee_id)
        assert mentee is not None
        outcome = await bot.end(
            caller(mentee.display_name), mentorship_id=ms.id, rating=rng.randint(1, 5), comment="ok"
        )
        assert "has ended" in outcome.reply.text

    # Invariants.
    for member, profile in await store2.list_mentors(COMMUNITY):
        active = await store2.list_mentorships(member_id=member.id, active_only=True)
        active_as_mentor = [m for m in active if m.mentor_id == member.id]
        assert len(active_as_mentor) == profile.active_count <= profile.capacity, member.display_name
        assert profile.active_count + profile.pending_offers <= profile.capacity
    for request in await store2.list_requests(COMMUNITY, list(RequestStatus)):
        if request.status is RequestStatus.WAITING:
            assert request.wait_reason, f"request #{request.id} waits without a reason"
        elif request.status is RequestStatus.OFFERED:
            pending_offers = await store2.list_offers(request_id=request.id)
            assert sum(o.status.value == "pending" for o in pending_offers) == 1
        elif request.status is RequestStatus.MATCHED:
            assert any(m.request_id == request.id for m in await store2.list_mentorships(community=COMMUNITY))

    stats = await store2.stats(COMMUNITY)
    assert stats.members == await table_count(store2, "SELECT COUNT(*) AS n FROM members WHERE community = ?")
    assert stats.mentorships_active == await table_count(
        store2, "SELECT COUNT(*) AS n FROM mentorships WHERE community = ? AND status = 'active'"
    )
    assert stats.requests_waiting == await table_count(
        store2, "SELECT COUNT(*) AS n FROM requests WHERE community = ? AND status = 'waiting'"
    )
    assert stats.requests_open == await table_count(
        store2, "SELECT COUNT(*) AS n FROM requests WHERE community = ? AND status IN ('waiting', 'offered')"
    )
    assert stats.mentors_active + stats.mentors_paused == 30
    assert stats.mentorships_active > 0 and stats.acceptance_rate is not None
    feedback = await store2.list_feedback(COMMUNITY)
    assert feedback and all(f.rating is not None for f in feedback)
    await store2.close()


async def test_an_outcome_is_in_the_language_its_reply_is_written_in(bot: MentorBot) -> None:
    amina = Caller(COMMUNITY, "U-amina", "Amina")
    assert (await bot.status(amina)).language == "en"
    switched = await bot.set_language(amina, language="sw")
    assert switched.language == "sw", "the reply confirming the switch is Swahili, and so is its outcome"
    assert (await bot.status(amina)).language == "sw"
    refused = await bot.set_language(amina, language="xx")
    assert refused.error is not None and refused.language == "sw"
