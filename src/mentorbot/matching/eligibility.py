"""Who may be offered a request again: the one definition of cooldowns and exclusions, used by live matching,
the sweep and matching rounds alike (docs/matching.md).

A mentor's past offers of a mentee's requests (`PairFact`) block the pair:
- a decline with a reason meaning "not this person" excludes the mentor from every request of that mentee, and
  one meaning "not this skill" from that mentee's requests sharing a skill with the declined one, for good;
- a decline "not this person" holds both ways: the member who declined, as a mentor, a request of the mentor now
  asked is not offered to them either (`PairFact.by_mentee`, `Block.by_mentee`). A personal conflict is the pair's;
  "not this skill" is about the skill and holds one way only, and so does every cooldown;
- any other decline, an expiry and a withdrawal because the mentor paused put the pair on cooldown for
  `reoffer_after` from when it happened, for every request of that mentee (per (mentee, mentor): asking again,
  even for other skills, does not bring the same mentor back first);
- a pending offer blocks its own request (it is offered to them right now);
- the mentor who has just declined a request or let its offer expire is left out of that request's hand-on for
  `HAND_ON_GRACE` from then (`BlockKind.JUST_ENDED`), whatever the cooldown: with a cooldown shorter than that
  (``MENTORBOT_REOFFER_AFTER_DAYS=0``), the request would otherwise go straight back to them and the next mentor
  never be asked; a later sweep or round may offer it to them again;
- a mentor who mentors the mentee now (an active mentorship, `MENTORING`) is blocked for every request of theirs,
  for as long as that mentorship lasts: a member asks for a new mentor, never for a second mentorship with the same
  one.

When no mentor is eligible otherwise, a cooldown that came from a *lapse* (an expiry or a pause withdrawal) is
lifted once the mentor has shown they are back since (resumed, updated their profile, answered an offer:
`mentor_profiles.back_at`): they may be offered the request at once (`Block.lifts_when_alone`). A decline's
cooldown is not: the mentor answered, and asking again within days would ignore that answer. An offer whose message
never reached its mentor (`UNDELIVERED`) puts the pair on the same cooldown, always lifted when no one else is
eligible: without it, a mentor the platform cannot reach (who is never paused for it) ranked first again at every
hand-on and held the request another offer's time each turn. So does one that expired while its community was out of
MentorBot's reach (`AWAY`): no lapse either, its mentor could not answer it.

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

UNDELIVERED = "undelivered"
"""The `reason_kind` of an offer that expired while its message had not reached its mentor (`OfferStore.expire_offer`):
not a lapse of theirs (not counted towards an auto-pause), and its cooldown is lifted whenever no other mentor is
eligible: mentors who can be reached are asked first, and the request goes back to this one when no one else can
take it."""

AWAY = "away"
"""The `reason_kind` of an offer that reached its mentor and expired while its community was out of MentorBot's reach
at some time during its life (the bot removed from the server, the app uninstalled: `storage.outages`,
`OfferStore.expire_offer`): its mentor could not answer it, so it is no lapse of theirs, and they are told "It doesn't
count as an offer you left unanswered". Its cooldown is `UNDELIVERED`'s: lifted whenever no other mentor is eligible,
whether or not the mentor showed they are back since (before session 42 it was a lapse's, lifted only once they were
back: the only mentor of a request was blocked for days after the community was back, for an offer they never could
answer)."""

NO_LAPSE: frozenset[str] = frozenset({UNDELIVERED, AWAY})
"""The `reason_kind`s of an expired offer that is no lapse of its mentor's (`blocks_for`, `Store.mark_back`)."""

MENTORING = "mentoring"
"""The `status` of a `PairFact` that is not an offer but an active mentorship between the mentee and the mentor."""

HAND_ON_GRACE = timedelta(minutes=1)
"""How long the mentor who declined a request or let its offer expire is left out of that request whatever the
cooldown (`BlockKind.JUST_ENDED`): far longer than the hand-on that follows in the same unit of work takes, and no
longer than a zero cooldown (``MENTORBOT_REOFFER_AFTER_DAYS=0``) should mean. A sweep or round after it may offer
the request to them again."""

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

# Words after an exclusion phrase that say it is for the time being ("not for me this month", "hatufai kwa sasa"):
# the decline is then NOT_NOW. Matched as whole words of the normalised text, in English and Swahili. An exclusion
# is never lifted, so a reason that could be read either way is read as the one that can be taken back.
_FOR_NOW: tuple[str, ...] = (
    # English: "now", "right now", "at the moment", "this week", "until March", "not my area yet"…
    "now",
    "currently",
    "presently",
    "today",
    "tonight",
    "tomorrow",
    "yet",
    "lately",
    "temporarily",
    "later",
    "until",
    "till",
    "til",
    "at the moment",
    "at the minute",
    "at present",
    "for the moment",
    "for the time being",
    "for a while",
    "for a bit",
    "these days",
    "at this time",
    "at this point",
    *(
        f"{when} {unit}"
        for when in ("this", "next", "coming")
        for unit in ("week", "weekend", "month", "year", "quarter", "term", "semester", "season", "cycle", "round")
    ),
    # Swahili: "sasa" (now: kwa sasa, sasa hivi), "leo" (today), "wiki hii" (this week), "mwezi ujao" (next month),
    # "hadi"/"mpaka" (until), "bado" (yet), "kwa muda" (for a while), "siku hizi" (these days)…
    "sasa",
    "leo",
    "kesho",
    "baadaye",
    "hadi",
    "mpaka",
    "bado",
    "kwa muda",
    "siku hizi",
    "wakati huu",
    "kipindi hiki",
    *(f"{unit} {which}" for unit in ("wiki", "juma") for which in ("hii", "ijayo")),
    *(f"{unit} {which}" for unit in ("mwezi", "mwaka", "msimu", "muhula") for which in ("huu", "ujao")),
)
# Words that say it is for good after all ("not this person, not now and not ever"): they win over `_FOR_NOW`.
_FOR_GOOD: tuple[str, ...] = (
    "ever",
    "forever",
    "never",
    "permanently",
    "for good",
    "kamwe",
    "milele",
    "daima",
)


def _has(words: str, phrases: Iterable[str]) -> bool:
    """Whether one of `phrases` is among `words` (normalised text) as whole words."""
    padded = f" {words} "
    return any(f" {p} " in padded for p in phrases)


_QUALIFIER_WORDS = 6
"""Within how many words after an exclusion phrase, in its own clause, words saying it is for now must begin ("not
a fit for my schedule for the time being"); words further on are the explanation."""


def _opens_with(words: str, phrases: Iterable[str]) -> bool:
    """Whether `words` (normalised text) begin with one of `phrases` as whole words."""
    return any(words == p or words.startswith(p + " ") for p in phrases)


def _begins_within(words: str, phrases: Iterable[str], limit: int) -> bool:
    """Whether one of `phrases` is among `words` (normalised text) as whole words, beginning within its first
    `limit` words, words of `_LEADING` ("right", "not", "maybe") not counted."""
    split, counted = words.split(), 0
    for start, word in enumerate(split):
        tail = " ".join(split[start:])
        if _opens_with(tail, phrases):
            return True
        counted += word not in _LEADING
        if counted >= limit:
            return False
    return False


_CLAUSE_END = re.compile(r"[.,;:!?()\[\]/\u2013\u2014]|\s-\s|\s-|-\s")


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^a-z]+", " ", text.lower()).split())


def _for_now(text: str, phrase: str) -> bool:
    """Whether the words right after an exclusion `phrase` at the start of `text` say it is for the time being (and
    not for good after all): in the phrase's own clause, within a few words ("not a fit for my schedule this week"),
    or opening the next clause ("not this person, for now", "not for me, sorry - this month"). A reason that goes on
    to explain itself ("Not this person, he reports to me now", "conflict of interest: she is currently my direct
    report") keeps the exclusion: a mentor who declined someone for good is never offered them again because an
    explanation mentioned a time."""
    clauses = [words for part in _CLAUSE_END.split(text) if (words := _words(part))]
    if not clauses or not _opens_with(clauses[0], (phrase,)):
        return False  # the phrase itself runs past the clause's end ("not-my-skill"): nothing qualifies it
    rest = clauses[0][len(phrase) :].strip()
    following = clauses[1] if len(clauses) > 1 else ""
    for_now = _begins_within(rest, _FOR_NOW, _QUALIFIER_WORDS) or _opens_with_for_now(following)
    return for_now and not _has(rest, _FOR_GOOD) and not _has(following, _FOR_GOOD)


_LEADING = frozenset(
    {
        # "…, for now", "…, at least this month", "…, not yet", "…, maybe next month", "…, ask me again next week"
        *("for", "just", "right", "only", "at", "least", "not", "no", "maybe", "perhaps", "probably", "possibly"),
        *("again", "ask", "me", "try", "please"),
        # "…, si sasa", "…, labda mwezi ujao", "…, kwa sasa"
        *("kwa", "angalau", "tu", "si", "sio", "siyo", "labda", "pengine", "huenda", "tena", "tafadhali"),
    }
)
"""Words that may come before a time word opening a clause: a negation or a hedge of the time ("…, not now",
"…, maybe later") says the decline is for now all the more."""


def _opens_with_for_now(words: str) -> bool:
    """Whether `words` (a clause's opening) begin with a word or phrase of `_FOR_NOW`, after words such as "for" or
    "just" ("for now", "just this week"); "she is now my report" does not."""
    split = words.split()
    while True:
        text = " ".join(split)
        if _opens_with(text, _FOR_NOW):
            return True
        if not split or split[0] not in _LEADING:
            return False
        split = split[1:]


def decline_reason(text: str | None) -> DeclineReason:
    """The reason a decline's text gives: a code (``not_my_skill``) or a phrase of `_PHRASES` at its start, in
    English or Swahili, in any case and punctuation; anything else (or nothing) is NOT_NOW. An exclusion (not my
    skill, not this person) followed, in its own clause and within a few words, by words saying it is for the time
    being (`_FOR_NOW`: "Not for me this month", "not my area right now", "hatufai kwa sasa") is NOT_NOW too, unless
    they also say it is for good (`_FOR_GOOD`); an explanation after a comma or a dash is not read so."""
    if not text:
        return DeclineReason.NOT_NOW
    words = _words(text)
    leads = [(reason, (reason.value.replace("_", " "),)) for reason in DeclineReason]
    for reason, phrases in [*leads, *_PHRASES.items()]:
        for phrase in phrases:
            if _opens_with(words, (phrase,)):
                if reason.value in EXCLUDING and _for_now(text, phrase):
                    return DeclineReason.NOT_NOW
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
    by_mentee: bool = False
    """The other way round: the mentee, as a mentor, was offered a request of `mentor_id` and declined it (`status`,
    `reason_kind`; `request_id` 0, no skills). Only a decline "not this person" blocks then, for every request of the
    mentee; any other is about the mentee's skills or time as a mentor and blocks nothing here."""


class BlockKind(StrEnum):
    """Why a mentor may not be offered a request now."""

    PENDING = "pending"
    EXCLUDED = "excluded"
    COOLDOWN = "cooldown"
    MENTORING = "mentoring"
    JUST_ENDED = "just_ended"
    """The mentor declined this very request or let its offer expire less than `HAND_ON_GRACE` ago, and no cooldown
    blocks them (it was shorter): left out of its hand-on even when no one else is eligible, until `until`."""


@dataclass(frozen=True)
class Block:
    """A mentor blocked for a request: why, until when (cooldowns), whether the block lifts when no one else is
    eligible (a lapse's cooldown, the mentor back since), whether a cooldown came from a lapse only (it lifts once
    the mentor is back, `lapse`), and whether the mentor mentors the mentee now (`mentoring`: never lifted while
    the mentorship lasts, whatever else the pair's history says; the kind is `MENTORING` when nothing else blocks
    them). An exclusion that comes only from the mentee's own decline of the mentor, "not this person", is
    `by_mentee` (what the mentee and the admins are told differs: the mentor said nothing); one the mentor made too is
    not."""

    kind: BlockKind
    until: datetime | None = None
    lifts_when_alone: bool = False
    lapse: bool = False
    mentoring: bool = False
    by_mentee: bool = False


_RANK = {
    BlockKind.PENDING: 4,
    BlockKind.EXCLUDED: 3,
    BlockKind.JUST_ENDED: 2,
    BlockKind.COOLDOWN: 1,
    BlockKind.MENTORING: 0,
}
_DATED = frozenset({BlockKind.JUST_ENDED, BlockKind.COOLDOWN})


def _stronger(a: Block | None, b: Block) -> Block:
    if a is None:
        return b
    mentoring = a.mentoring or b.mentoring
    if a.kind in _DATED and b.kind in _DATED:
        # Both dated: the later end, and lifted when alone only if both are (a JUST_ENDED block never is).
        until = max(a.until or b.until, b.until or a.until)  # type: ignore[type-var]
        kind = max(a.kind, b.kind, key=_RANK.__getitem__)
        winner = Block(kind, until, a.lifts_when_alone and b.lifts_when_alone, a.lapse and b.lapse)
    elif _RANK[a.kind] != _RANK[b.kind]:
        winner = a if _RANK[a.kind] > _RANK[b.kind] else b
    else:
        # Two exclusions: the mentee's own only when neither is the mentor's.
        winner = a if a.by_mentee == b.by_mentee else replace(a, by_mentee=False)
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
    """The mentors blocked for one request (mentor id → `Block`), from the offers of its mentee's requests and the
    mentee's own declines "not this person" of the mentors' requests (`PairFact.by_mentee`)."""
    wanted = set(skills)
    out: dict[int, Block] = {}
    for fact in history:
        if fact.mentee_id != mentee_id:
            continue
        block: Block | None = None
        if fact.by_mentee:
            # The mentee's decline of the mentor's request: only "not this person" is about the pair.
            if fact.status == "declined" and fact.reason_kind == DeclineReason.NOT_THIS_PERSON.value:
                block = Block(BlockKind.EXCLUDED, by_mentee=True)
        elif fact.status == MENTORING:
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
            # An expiry that is no lapse of the mentor's: its message never reached them (`UNDELIVERED`), or its
            # community was out of MentorBot's reach meanwhile (`AWAY`).
            unsent = fact.status == "expired" and fact.reason_kind in NO_LAPSE
            lapse = (fact.status == "expired" and not unsent) or (
                fact.status == "withdrawn" and fact.reason_kind == PAUSED
            )
            if (lapse or unsent or fact.status == "declined") and fact.decided_at is not None:
                until = fact.decided_at + reoffer_after
                just_ended = fact.request_id == request_id and now < fact.decided_at + HAND_ON_GRACE
                if now < until and unsent and just_ended:
                    # The hand-on right after it never goes straight back to them, as after any expiry.
                    block = Block(BlockKind.JUST_ENDED, fact.decided_at + HAND_ON_GRACE)
                elif now < until:
                    back = fact.mentor_back_at is not None and fact.mentor_back_at >= fact.decided_at
                    # An offer its mentor never saw, or could not answer, is no lapse, and its cooldown is lifted
                    # whenever no one else is eligible: other mentors, who can be reached, are asked first meanwhile.
                    block = Block(BlockKind.COOLDOWN, until, lifts_when_alone=unsent or (lapse and back), lapse=lapse)
                elif just_ended and fact.status in ("declined", "expired"):
                    block = Block(BlockKind.JUST_ENDED, fact.decided_at + HAND_ON_GRACE)
        if block is not None:
            out[fact.mentor_id] = _stronger(out.get(fact.mentor_id), block)
    return out


def strict(blocks: Mapping[int, Block]) -> set[int]:
    """Every blocked mentor (the first pass of matching)."""
    return set(blocks)


def when_alone(blocks: Mapping[int, Block]) -> set[int]:
    """The mentors still blocked when no one else is eligible (a lapse's cooldown is lifted, not a mentorship nor
    the mentor who has just ended an offer of the request, `BlockKind.JUST_ENDED`)."""
    return {m for m, b in blocks.items() if not b.lifts_when_alone or b.mentoring}
