"""Session 42: an offer that expired while its community was out of MentorBot's reach (`eligibility.AWAY`) is no
lapse: its cooldown is an unsent offer's (`UNDELIVERED`), lifted whenever no one else is eligible whether or not the
mentor is back since, and the hand-on right after it never goes straight back to them (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mentorbot.matching.eligibility import (
    AWAY,
    HAND_ON_GRACE,
    NO_LAPSE,
    UNDELIVERED,
    BlockKind,
    PairFact,
    blocks_for,
    when_alone,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
REOFFER = timedelta(days=3)


def fact(kind: str | None, decided: datetime, back: datetime | None = None, request_id: int = 1) -> PairFact:
    return PairFact(1, request_id, ("seo",), 7, "expired", kind, decided, mentor_back_at=back)


@pytest.mark.parametrize("kind", [AWAY, UNDELIVERED])
def test_a_no_lapse_expiry_lifts_when_alone_whether_or_not_the_mentor_is_back(kind: str) -> None:
    for back in (None, NOW - timedelta(days=2), NOW):
        blocks = blocks_for(1, 1, ["seo"], [fact(kind, NOW - timedelta(days=1), back)], now=NOW, reoffer_after=REOFFER)
        assert (blocks[7].kind, blocks[7].lifts_when_alone, blocks[7].lapse) == (BlockKind.COOLDOWN, True, False)
        assert when_alone(blocks) == set()


def test_an_away_expiry_is_not_handed_straight_back() -> None:
    blocks = blocks_for(1, 1, ["seo"], [fact(AWAY, NOW)], now=NOW, reoffer_after=REOFFER)
    assert blocks[7].kind is BlockKind.JUST_ENDED and blocks[7].until == NOW + HAND_ON_GRACE
    assert when_alone(blocks) == {7}


def test_an_ordinary_expiry_is_still_a_lapse_lifted_only_once_back() -> None:
    blocks = blocks_for(1, 1, ["seo"], [fact(None, NOW - timedelta(days=1))], now=NOW, reoffer_after=REOFFER)
    assert (blocks[7].lifts_when_alone, blocks[7].lapse) == (False, True)
    assert {AWAY, UNDELIVERED} == NO_LAPSE
