"""Who may be offered a request again: the one definition of cooldowns and exclusions, used by live matching,
the sweep and matching rounds alike (docs/matching.md).

A mentor's past offers of a mentee's requests (`PairFact`) block the pair:
- a decline with a reason meaning "not this person" excludes the mentor from every request of that mentee, and
  one meaning "not this skill" from that mentee's requests sharing a skill with the declined one, for good;
- any other decline, an expiry and a withdrawal because the mentor paused put the pair on cooldown for
  `reoffer_after` from when it happened, for every request of that mentee (per (mentee, mentor): asking again,
  even for other skills, does not bring the same mentor back first);
- a pending offer blocks its own request (it is offered to them right now);
- a mentor who mentors the mentee now (an active mentorship, `MENTORING`) is blocked for every request of theirs,
  for as long as that mentorship lasts: a member asks for a new mentor, never for a second mentorship with the same
  one.

When no mentor is eligible otherwise, a cooldown that came from a *lapse* (an expiry or a pause withdrawal) is
lifted once the mentor has shown they are back since (resumed, updated their profile, answered an offer:
`mentor_profiles.back_at`): they may be offered the request at once (`Block.lifts_when_alone`). A decline's
cooldown is not: the mentor answered, and asking again within days would ignore that answer.

Pure: no store, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum


class DeclineReason(StrEnum):
    """The reasons a mentor can give when declining (any other text is kept as a note and means NOT_NOW)."""

    NOT_NOW = "not_now"
    NOT_MY_SKILL = "not_my_skill"
    NOT_THIS_PERSON = "not_this_person"


PAUSED = "paused"
"""The `reason_kind` of an offer withdrawn because its mentor paused."""

MENTORING = "mentoring"
"""The `status` of a `PairFact` that is not an offer but an active mentorship between the mentee and the mentor."""

EXCLUDING: frozenset[str] = frozenset({DeclineReason.NOT_MY_SKILL.value, DeclineReason.NOT_THIS_PERSON.value})

# What members type, normalised (lower case, letters and spaces only), for each reason, in English and Swahili.
_PHRASES: Mapping[DeclineReason, tuple[str, ...]] = {
    DeclineReason.NOT_MY_SKILL: (
        "not my skill",
        "not this skill",
        "wrong skill",
        "not my area",
        "not my field",
        "outside my skills",
        "si ujuzi wangu",
        "sio ujuzi wangu",
        "si fani yangu",
        "sio fani yangu",
    ),
    DeclineReason.NOT_THIS_PERSON: (
        "not this person",
        "not for me",
        "not a fit",
        "not a good fit",
        "conflict of interest",
        "si mtu huyu",
        "sio mtu huyu",
        "hatufai",
        "mgongano wa maslahi",
    ),
    DeclineReason.NOT_NOW: ("not now", "busy", "too busy", "si sasa", "sio sasa", "nina shughuli"),
}


def decline_reason(text: str | None) -> DeclineReason:
    """The reason a decline's text gives: a code (``not_my_skill``) or a phrase of `_PHRASES` at its start, in
    English or Swahili, in any case and punctuation; anything else (or nothing) is NOT_NOW."""
    if not text:
        return DeclineReason.NOT_NOW
    words = " ".join(re.sub(r"[^a-z]+", " ", text.lower()).split())
    for reason in DeclineReason:
        if words == reason.value.replace("_", " ") or words.startswith(reason.value.replace("_", " ") + " "):
            return reason
    for reason, phrases in _PHRASES.items():
        if any(words == p or words.startswith(p + " ") for p in phrases):
            return reason
    return DeclineReason.NOT_NOW


@dataclass(frozen=True)
class PairFact:
    """One offer of a mentee's request to a mentor, as eligibility reads it (`Store.pair_history`); or, with the
    status `MENTORING`, an active mentorship between them (its request, skills and start)."""

    mentee_id: int
    request_id: int
    request_skills: tuple[str, ...]
    mentor_id: int
    status: str
    reason_kind: str | None
    decided_at: datetime | None
    mentor_back_at: datetime | None = None


class BlockKind(StrEnum):
    """Why a mentor may not be offered a request now."""

    PENDING = "pending"
    EXCLUDED = "excluded"
    COOLDOWN = "cooldown"
    MENTORING = "mentoring"


@dataclass(frozen=True)
class Block:
    """A mentor blocked for a request: why, until when (cooldowns), whether the block lifts when no one else is
    eligible (a lapse's cooldown, the mentor back since), whether a cooldown came from a lapse only (it lifts once
    the mentor is back, `lapse`), and whether the mentor mentors the mentee now (`mentoring`: never lifted while
    the mentorship lasts, whatever else the pair's history says; the kind is `MENTORING` when nothing else blocks
    them)."""

    kind: BlockKind
    until: datetime | None = None
    lifts_when_alone: bool = False
    lapse: bool = False
    mentoring: bool = False


def _stronger(a: Block | None, b: Block) -> Block:
    if a is None:
        return b
    mentoring = a.mentoring or b.mentoring
    rank = {BlockKind.PENDING: 3, BlockKind.EXCLUDED: 2, BlockKind.COOLDOWN: 1, BlockKind.MENTORING: 0}
    if rank[a.kind] != rank[b.kind]:
        winner = a if rank[a.kind] > rank[b.kind] else b
    elif a.kind is BlockKind.COOLDOWN:
        until = max(a.until or b.until, b.until or a.until)  # type: ignore[type-var]
        winner = Block(BlockKind.COOLDOWN, until, a.lifts_when_alone and b.lifts_when_alone, a.lapse and b.lapse)
    else:
        winner = a
    return winner if winner.mentoring == mentoring else replace(winner, mentoring=mentoring)


def blocks_for(
    request_id: int,
    mentee_id: int,
    skills: Collection[str],
    history: Iterable[PairFact],
    *,
    now: datetime,
    reoffer_after: timedelta,
) -> dict[int, Block]:
    """The mentors blocked for one request (mentor id → `Block`), from the offers of its mentee's requests."""
    wanted = set(skills)
    out: dict[int, Block] = {}
    for fact in history:
        if fact.mentee_id != mentee_id:
            continue
        block: Block | None = None
        if fact.status == MENTORING:
            block = Block(BlockKind.MENTORING, mentoring=True)
        elif fact.status == "pending" and fact.request_id == request_id:
            block = Block(BlockKind.PENDING)
        elif (fact.status == "declined" and fact.reason_kind == DeclineReason.NOT_THIS_PERSON.value) or (
            fact.status == "declined"
            and fact.reason_kind == DeclineReason.NOT_MY_SKILL.value
            and wanted.intersection(fact.request_skills)
        ):
            block = Block(BlockKind.EXCLUDED)
        else:
            lapse = fact.status == "expired" or (fact.status == "withdrawn" and fact.reason_kind == PAUSED)
            if (lapse or fact.status == "declined") and fact.decided_at is not None:
                until = fact.decided_at + reoffer_after
                if now < until:
                    back = fact.mentor_back_at is not None and fact.mentor_back_at >= fact.decided_at
                    block = Block(BlockKind.COOLDOWN, until, lifts_when_alone=lapse and back, lapse=lapse)
        if block is not None:
            out[fact.mentor_id] = _stronger(out.get(fact.mentor_id), block)
    return out


def strict(blocks: Mapping[int, Block]) -> set[int]:
    """Every blocked mentor (the first pass of matching)."""
    return set(blocks)


def when_alone(blocks: Mapping[int, Block]) -> set[int]:
    """The mentors still blocked when no one else is eligible (a lapse's cooldown is lifted, not a mentorship)."""
    return {m for m, b in blocks.items() if not b.lifts_when_alone or b.mentoring}
