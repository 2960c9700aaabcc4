"""Digest hunt (session 41): a lapse is one durable fact (a row of ``offer_lapses``, migration 0029), and the admins'
figures read it. On both engines.

Before:
1. a mentor paused for lapses on three days who then clicked Decline on the expired offers (a late answer:
   `OfferStore.decline_expired` makes each declined, decided then) vanished from the weekly digest's "Mentors who
   let offers lapse" (it counted offers still ``expired``), which listed "Travelling (3)" under decline reasons
   instead, while the mentor stayed paused for those lapses (docs/matching.md rule 10: an answer after the expiry
   does not undo that lapse);
2. an Accept recorded before the deadline and handled after another process's timer expired the offer (the
   in-time path, docs/reliability.md "An answer recorded in time is in time") left that offer expired, its lapse
   counted, and matched the request through a second offer: the stats read a 50 % acceptance rate for one mentor
   who accepted the one offer they had, the digest named them among those who let offers lapse, and
   ``mentorbot_offers{outcome="sent"}`` counted two offers. The original offer is accepted now, decided at the
   answer's time, and its lapse taken back.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.metrics import OFFERS
from mentorbot.models import OfferStatus, RequestStatus
from mentorbot.observability import refresh
from mentorbot.replies import Reply
from mentorbot.storage import migrations
from mentorbot.storage.migrations import available_migrations
from mentorbot.storage.store import Store
from tests.conftest import store_on_same_database
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to

EN = translator("en")
TTL = timedelta(hours=48)
LAPSES = "Mentors who let offers lapse"
DECLINES = "Decline reasons"


def who(name: str, **kwargs: object) -> Caller:
    return Caller(COMMUNITY, f"U-{name}", name.capitalize(), **kwargs)  # type: ignore[arg-type]


def fields(reply: Reply) -> dict[str, str]:
    return {f.name: f.value for f in reply.fields}


def offers_to(notes: object, name: str) -> list[int]:
    return [offer_id(n) for n in to(notes, name) if any(b.action == "offer.accept" for b in n.reply.buttons)]  # type: ignore[arg-type]


async def digest_bot(store: Store, library: Library, clock: ManualClock) -> MentorBot:
    """A bot whose admins get the digest on Mondays at 08:00 (UTC), its timer scheduled; the clock on Monday
    2026-01-05 09:00."""
    bot = MentorBot(store, library, make_settings(digest="mon 08:00"), clock, worker_id="w1")
    await bot.set_language(who("admin"), language="en")
    await bot.run_due_jobs()
    return bot


async def next_digest(bot: MentorBot, clock: ManualClock) -> dict[str, str]:
    """The fields of the digest of Monday 2026-01-12 08:00 (the week from 2026-01-05 08:00)."""
    clock.advance(datetime(2026, 1, 12, 8, tzinfo=UTC) - clock.now())
    [digest] = [n.reply for n in await bot.run_due_jobs() if n.reply.attachments]
    return fields(digest)


async def profile_row(store: Store) -> dict[str, object]:
    async with store.db.read() as conn:
        row = await conn.fetch_one("SELECT status, pause_reason, expired_streak, last_lapse_at FROM mentor_profiles")
    assert row is not None
    return dict(row)


async def lapsed_at(store: Store, offer: int) -> object:
    """When `offer` lapsed against its mentor (its row of ``offer_lapses``), or None."""
    async with store.db.read() as conn:
        row = await conn.fetch_one("SELECT lapsed_at FROM offer_lapses WHERE offer_id = ?", offer)
    return None if row is None else row["lapsed_at"]


# ------------------------------------------------------------- 1. a late decline does not undo the lapse


async def test_a_late_decline_keeps_the_lapses_that_paused_the_mentor_in_the_digest(
    store: Store, library: Library, clock: ManualClock
) -> None:
    bot = await digest_bot(store, library, clock)
    await bot.signup(who("baraka"), skills="seo", capacity="3")
    offers: list[int] = []
    for day, name in enumerate(("amina", "eshe", "faraji")):  # an offer a day: Mon, Tue, Wed
        clock.advance(datetime(2026, 1, 5 + day, 9, 30, tzinfo=UTC) - clock.now())
        await bot.run_due_jobs()
        offers += offers_to(await bot.request(who(name), skills="seo"), "baraka")
    for day in range(3):  # each lapses on its own day: Wed, Thu, Fri
        clock.advance(datetime(2026, 1, 7 + day, 9, 31, tzinfo=UTC) - clock.now())
        await bot.run_due_jobs()
    assert (await profile_row(store))["pause_reason"] == "expired_offers"
    clock.advance(timedelta(hours=2))
    for offer in offers:  # Baraka answers them, late: "Travelling"
        assert (await bot.decline(who("baraka"), offer_id=offer, reason="Travelling")).error is None
    for offer in offers:
        got = await store.get_offer(offer)
        assert got is not None and got.status is OfferStatus.DECLINED
        assert await lapsed_at(store, offer) is not None, "the late answer does not undo the lapse"
    assert (await profile_row(store))["pause_reason"] == "expired_offers"

    digest = await next_digest(bot, clock)
    assert digest[LAPSES] == "<@U-baraka> (3)", digest[LAPSES]
    assert digest[DECLINES] == "Travelling (3)", digest[DECLINES]


async def test_a_lapse_counts_in_the_week_it_happened_and_its_late_decline_in_the_week_of_the_answer(
    store: Store, library: Library, clock: ManualClock
) -> None:
    """The offer lapses on Saturday (this week's digest names the lapse); Baraka declines it on Tuesday (next week's
    digest has the decline, and no lapse: the lapse is not counted twice, nor moved to the week of the answer)."""
    bot = await digest_bot(store, library, clock)
    await bot.signup(who("baraka"), skills="seo")
    clock.advance(datetime(2026, 1, 8, 9, tzinfo=UTC) - clock.now())
    [offer] = offers_to(await bot.request(who("amina"), skills="seo"), "baraka")
    clock.advance(TTL + timedelta(minutes=1))
    await bot.run_due_jobs()
    first = await next_digest(bot, clock)
    assert first[LAPSES] == "<@U-baraka> (1)" and first[DECLINES] == "—", first

    clock.advance(timedelta(days=1))
    assert (await bot.decline(who("baraka"), offer_id=offer, reason="Travelling")).error is None
    clock.advance(datetime(2026, 1, 19, 8, tzinfo=UTC) - clock.now())
    [digest] = [n.reply for n in await bot.run_due_jobs() if n.reply.attachments]
    second = fields(digest)
    assert second[LAPSES] == "—" and second[DECLINES] == "Travelling (1)", second


# --------------------------------------------------- 2. an answer recorded in time accepts the offer it answered


async def test_an_accept_recorded_in_time_accepts_the_original_offer_and_takes_its_lapse_back(
    store: Store, library: Library, clock: ManualClock
) -> None:
    bot = await digest_bot(store, library, clock)
    await bot.signup(who("baraka"), skills="seo", capacity="2")
    [offer] = offers_to(await bot.request(who("amina"), skills="seo"), "baraka")
    made = clock.now()
    clicked = made + timedelta(hours=47)  # Baraka clicks Accept 47 h into the 48 h offer
    clock.advance(TTL + timedelta(minutes=1))  # another process's timer expires it on time, the click unseen
    await bot.run_due_jobs()
    expired = await store.get_offer(offer)
    assert expired is not None and expired.status is OfferStatus.EXPIRED
    assert (await profile_row(store))["expired_streak"] == 1

    out = await bot.accept(who("baraka", answered_at=clicked), offer_id=offer)
    assert out.error is None and out.reply.text == EN("offer.accepted", id=offer), out.reply.text
    everything = await store.list_offers()
    assert [(o.id, o.status) for o in everything] == [(offer, OfferStatus.ACCEPTED)], "no second offer"
    assert everything[0].decided_at == clicked, "decided when the answer was made"
    assert await lapsed_at(store, offer) is None
    request = await store.get_request(expired.request_id)
    assert request is not None and request.status is RequestStatus.MATCHED
    [mentorship] = await store.list_mentorships(active_only=True)
    assert mentorship.request_id == expired.request_id
    profile = await profile_row(store)
    assert (profile["expired_streak"], profile["last_lapse_at"]) == (0, None), "the lapse is taken back"
    mentor = await store.get_mentor_profile(mentorship.mentor_id)
    assert mentor is not None and (mentor.pending_offers, mentor.active_count) == (0, 1)

    stats = fields((await bot.admin_stats(who("admin"))).reply)
    assert stats["Acceptance rate"] == "100%", stats["Acceptance rate"]
    assert await refresh(bot)
    assert OFFERS.labels("sent")._value.get() == 1
    assert OFFERS.labels("accepted")._value.get() == 1
    assert OFFERS.labels("expired")._value.get() == 0
    digest = await next_digest(bot, clock)
    assert digest[LAPSES] == "—", digest[LAPSES]


async def test_a_decline_recorded_in_time_after_the_expiry_is_no_lapse(
    store: Store, library: Library, clock: ManualClock
) -> None:
    bot = await digest_bot(store, library, clock)
    await bot.signup(who("baraka"), skills="seo")
    [offer] = offers_to(await bot.request(who("amina"), skills="seo"), "baraka")
    clicked = clock.now() + TTL - timedelta(minutes=1)
    clock.advance(TTL + timedelta(minutes=1))
    await bot.run_due_jobs()
    out = await bot.decline(who("baraka", answered_at=clicked), offer_id=offer, reason="Travelling")
    assert out.error is None, out.reply.text
    got = await store.get_offer(offer)
    assert got is not None and got.status is OfferStatus.DECLINED and got.decided_at == clicked
    assert await lapsed_at(store, offer) is None
    profile = await profile_row(store)
    assert (profile["expired_streak"], profile["last_lapse_at"]) == (0, None)
    digest = await next_digest(bot, clock)
    assert digest[LAPSES] == "—" and digest[DECLINES] == "Travelling (1)", digest


async def test_an_accept_recorded_in_time_whose_request_went_on_is_no_lapse_either(
    store: Store, library: Library, clock: ManualClock
) -> None:
    """The expiry handed the request to Dave before Baraka's in-time Accept was handled: the offer stays expired
    (nothing to accept), but Baraka answered in time, so it is no lapse of his."""
    bot = await digest_bot(store, library, clock)
    await bot.signup(who("baraka"), skills="seo", levels="expert")
    await bot.signup(who("dave"), skills="seo", levels="learning")
    [offer] = offers_to(await bot.request(who("amina"), skills="seo"), "baraka")
    clicked = clock.now() + TTL - timedelta(minutes=1)
    clock.advance(TTL + timedelta(minutes=1))
    assert offers_to(await bot.run_due_jobs(), "dave")
    out = await bot.accept(who("baraka", answered_at=clicked), offer_id=offer)
    assert out.error is None, out.reply.text
    got = await store.get_offer(offer)
    assert got is not None and got.status is OfferStatus.EXPIRED
    assert await lapsed_at(store, offer) is None
    assert (await profile_row(store))["expired_streak"] == 0
    digest = await next_digest(bot, clock)
    assert digest[LAPSES] == "—", digest[LAPSES]


async def test_a_late_accept_keeps_the_lapse(store: Store, library: Library, clock: ManualClock) -> None:
    """An Accept made after the deadline is a late answer: the offer stays expired and lapsed (rule 10), the request
    offered to the mentor afresh."""
    bot = await digest_bot(store, library, clock)
    await bot.signup(who("baraka"), skills="seo")
    [offer] = offers_to(await bot.request(who("amina"), skills="seo"), "baraka")
    clock.advance(TTL + timedelta(minutes=1))
    await bot.run_due_jobs()
    out = await bot.accept(who("baraka"), offer_id=offer)
    assert out.error is None, out.reply.text
    got = await store.get_offer(offer)
    assert got is not None and got.status is OfferStatus.EXPIRED
    assert await lapsed_at(store, offer) is not None
    digest = await next_digest(bot, clock)
    assert digest[LAPSES] == "<@U-baraka> (1)", digest[LAPSES]


async def test_undelivered_and_late_expiries_are_no_lapse(store: Store, library: Library, clock: ManualClock) -> None:
    """An expiry run long after the deadline (the bot was down) is no lapse: no ``lapsed_at``, nothing in the
    digest."""
    bot = MentorBot(store, library, make_settings(digest="mon 08:00"), clock, worker_id="w1")
    await bot.set_language(who("admin"), language="en")
    await bot.run_due_jobs()
    await bot.signup(who("baraka"), skills="seo")
    notes = await bot.request(who("amina"), skills="seo")
    await bot.delivered(notes.notifications)
    [offer] = offers_to(notes, "baraka")
    clock.advance(TTL + timedelta(hours=2))  # the bot was down past the grace
    await bot.run_due_jobs()
    got = await store.get_offer(offer)
    assert got is not None and got.status is OfferStatus.EXPIRED
    assert await lapsed_at(store, offer) is None
    digest = await next_digest(bot, clock)
    assert digest[LAPSES] == "—", digest[LAPSES]


# ------------------------------------------------------------------ 3. the rows of before: 0029's backfill


async def test_0029_backfills_the_lapses_of_the_expired_offers(
    engine_store: Store, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database at 0028 with an offer expired on time, one that never reached its mentor and one still pending:
    0029 gives the first its lapse (when it expired), not the others."""
    everything = available_migrations(engine_store.db.dialect)
    with monkeypatch.context() as patch:
        patch.setattr(migrations, "available_migrations", lambda d: [m for m in everything if m.version <= 28])
        assert await engine_store.open(clock.now()) == 28
    store = engine_store
    now = clock.now()
    mentor = await store.ensure_member(COMMUNITY, "U-baraka", "Baraka", now)
    mentees = [await store.ensure_member(COMMUNITY, f"U-{n}", n.capitalize(), now) for n in ("amina", "eshe", "faraji")]
    ids: list[int] = []
    async with store.transaction() as conn:
        for mentee in mentees:
            request = await conn.fetch_one(
                "INSERT INTO requests (member_id, community, status, note, created_at, updated_at) "
                "VALUES (?, ?, 'waiting', '', ?, ?) RETURNING id",
                mentee.id,
                COMMUNITY,
                now,
                now,
            )
            assert request is not None
            offer = await conn.fetch_one(
                "INSERT INTO offers (request_id, mentor_id, status, score, explanation, created_at, expires_at) "
                "VALUES (?, ?, 'pending', 1, '', ?, ?) RETURNING id",
                request["id"],
                mentor.id,
                now,
                now + TTL,
            )
            assert offer is not None
            ids.append(int(offer["id"]))
        expired_at = now + TTL + timedelta(minutes=1)
        await conn.execute("UPDATE offers SET status = 'expired', decided_at = ? WHERE id = ?", expired_at, ids[0])
        await conn.execute(
            "UPDATE offers SET status = 'expired', decided_at = ?, reason_kind = 'undelivered' WHERE id = ?",
            expired_at,
            ids[1],
        )
    await store.close()

    upgraded = store_on_same_database(store)
    try:
        assert await upgraded.open(clock.now()) == everything[-1].version
        assert await lapsed_at(upgraded, ids[0]) is not None
        got = await upgraded.get_offer(ids[0])
        assert got is not None and got.decided_at is not None
        assert await lapsed_at(upgraded, ids[0]) in (got.decided_at, upgraded.db.to_db_time(got.decided_at))
        assert await lapsed_at(upgraded, ids[1]) is None, "never reached: no lapse"
        assert await lapsed_at(upgraded, ids[2]) is None, "still pending"
    finally:
        await upgraded.close()
