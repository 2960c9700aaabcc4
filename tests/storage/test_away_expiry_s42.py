"""Session 42: an offer that expired while its community was out of MentorBot's reach (session 41, migration 0030)
is marked so (`reason_kind` ``away``, `matching.eligibility.AWAY`), and no lapse wherever a lapse is recognised: the
pair's cooldown (an unsent offer's: lifted whenever no one else is eligible, `eligibility.blocks_for` through
`Store.pair_history` and `mentorships.check_pairs`) and "back since a lapse" (`Store.mark_back`). An offer that never
reached its mentor stays ``undelivered``, its outage read too (`ExpireResult.away`: no "take it after all" while the
community is still out). Both engines."""

from __future__ import annotations

from datetime import timedelta

from mentorbot.clock import ManualClock
from mentorbot.matching.eligibility import AWAY, UNDELIVERED, BlockKind, blocks_for
from mentorbot.models import Level, NewMentorProfile
from mentorbot.storage.mentorships import check_pairs
from mentorbot.storage.store import Store

C = "test:community"
HOUR = timedelta(hours=1)
REOFFER = timedelta(days=3)


async def _pair(store: Store, clock: ManualClock) -> tuple[int, int, int]:
    """A mentor, a mentee and her request: their ids."""
    mentor = (await store.ensure_member(C, "u-mentor", "Mentor", clock.now())).id
    await store.save_mentor_profile(
        mentor, NewMentorProfile({"seo": Level.EXPERT}, 2, "bio", "UTC", ("en",)), clock.now()
    )
    mentee = (await store.ensure_member(C, "u-mentee", "Mentee", clock.now())).id
    request = await store.create_request(mentee, C, ["seo"], "", clock.now(), max_open=3)
    return mentor, mentee, request.id


async def test_an_offer_expired_during_an_outage_is_marked_away_and_blocks_only_while_someone_else_can_take_it(
    store: Store, clock: ManualClock
) -> None:
    mentor, mentee, request = await _pair(store, clock)
    offer = await store.create_offer(request, mentor, 1.0, "", clock.now(), clock.now() + 48 * HOUR)
    assert offer is not None
    clock.advance(HOUR)
    assert await store.community_lost(C, clock.now())
    clock.advance(47 * HOUR)
    result = await store.expire_offer(offer.id, clock.now(), max_expired=3, late_after=timedelta(minutes=10))
    assert result is not None and result.reached and result.away is not None and result.away.still
    assert not result.counted and result.offer.reason_kind == AWAY
    stored = await store.get_offer(offer.id)
    assert stored is not None and stored.reason_kind == AWAY
    await store.community_back(C, clock.now())
    clock.advance(HOUR)
    # No lapse for "back since a lapse": being back lifts nothing it did not block.
    assert not await store.mark_back(mentor, clock.now(), lapsed_since=clock.now() - REOFFER)
    # The pair: a cooldown lifted whenever no one else is eligible, though the mentor is back since (or not).
    history = await store.pair_history([mentee])
    block = blocks_for(request, mentee, ["seo"], history, now=clock.now(), reoffer_after=REOFFER)[mentor]
    assert (block.kind, block.lifts_when_alone, block.lapse) == (BlockKind.COOLDOWN, True, False)
    async with store.db.transaction() as conn:
        checked = await check_pairs(conn, store.db.dialect, [(request, mentor)], clock.now(), REOFFER)
    assert checked[(request, mentor)].block == block and checked[(request, mentor)].refused() == []
    assert await store.create_offer(
        request, mentor, 1.0, "", clock.now(), clock.now() + 48 * HOUR, reoffer_after=REOFFER
    )


async def test_an_unreached_offer_expired_during_an_outage_stays_undelivered_with_its_outage_read(
    store: Store, clock: ManualClock
) -> None:
    mentor, _, request = await _pair(store, clock)
    assert await store.community_lost(C, clock.now())
    offer = await store.create_offer(request, mentor, 1.0, "", clock.now(), clock.now() + 48 * HOUR)
    assert offer is not None
    assert await store.hold_notice(mentor, '{"text": "offer"}', clock.now(), key=f"offer:{offer.id}")
    clock.advance(48 * HOUR)
    result = await store.expire_offer(offer.id, clock.now(), max_expired=3)
    assert result is not None and not result.reached and not result.counted
    assert result.away is not None and result.away.still, "read for an unreached offer too"
    assert result.offer.reason_kind == UNDELIVERED


async def test_an_offer_of_a_community_never_out_is_marked_nothing(store: Store, clock: ManualClock) -> None:
    mentor, _, request = await _pair(store, clock)
    assert await store.community_lost("test:other", clock.now())
    offer = await store.create_offer(request, mentor, 1.0, "", clock.now(), clock.now() + HOUR)
    assert offer is not None
    clock.advance(HOUR)
    result = await store.expire_offer(offer.id, clock.now(), max_expired=3)
    assert result is not None and result.away is None and result.counted and result.offer.reason_kind is None
