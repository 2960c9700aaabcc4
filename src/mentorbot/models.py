"""The domain's records, as the store returns them: plain frozen dataclasses with a few derived facts."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Final

CONSOLE_COMMUNITY: Final = "console"
"""The console's community: its user ids are names, kept in one case (lower)."""


def console_user_id(name: str) -> str:
    """A console member's id: their name in lower case and in Unicode's composed form (NFC), so that ``Wanjiru`` is
    ``wanjiru`` and a ``zoë`` typed with a combining diaeresis is the ``zoë`` typed with a precomposed one."""
    return unicodedata.normalize("NFC", name).lower()


def user_key(community: str, user_id: str) -> str:
    """`user_id` as stored and compared in `community`: the console's names as `console_user_id` makes them
    (``/as Wanjiru`` is ``wanjiru``); a platform's ids (Discord, Slack) exactly as given, as they are
    case-sensitive."""
    return console_user_id(user_id) if community == CONSOLE_COMMUNITY else user_id


def mention_of(platform_user_id: str) -> str:
    """The platform mention of a member by their platform user id (``<@U123>``), as the core writes it in the
    texts it sends (adapters render it)."""
    return f"<@{platform_user_id}>"


CHECKIN_KEY: Final = "checkin:"
"""What the outbox key of a mentorship's check-in starts with (`checkin_key`)."""


def checkin_key(mentorship_id: int, occurrence: int = 1) -> str:
    """The key of a mentorship's `occurrence`-th check-in to each party (`timers.send_checkin`): ``checkin:<id>``
    for the first (as ever), ``checkin:<id>:<n>`` for each later one, so that it is posted as a direct message of its
    own, not edited into the one before (an edit makes no sound). A newer version of a key (the mentorship's end:
    `usecases.mentorships.end_notices`) edits that check-in in place. Buttons carry the mentorship's number, not the
    key: an answer to any of them acts on the mentorship."""
    base = f"{CHECKIN_KEY}{mentorship_id}"
    return base if occurrence <= 1 else f"{base}:{occurrence}"


HELP_KEY: Final = "checkin-help:"
"""What the outbox key of a member's call for help to an admin starts with (`feedback._help_key`)."""
DIGEST_KEY: Final = "admin-digest:"
"""What the outbox key of a weekly digest to an admin starts with (`insight.digest_key`)."""
ROUND_KEY: Final = "admin-round:"
"""What the outbox key of a scheduled round's report to an admin starts with (`insight.round_key`)."""

ADMIN_ONLY_KEY_PREFIXES: tuple[str, ...] = (HELP_KEY, DIGEST_KEY, ROUND_KEY)
"""What the outbox keys of the notices a community's admins get as its admins start with: one held for a member (DMs
closed) is shown only while they are still an admin there (`handler._take_held`), one a process left undelivered is
dropped by the recovery when its recipient no longer is (`MentorBot.undelivered`), and only these are searched for what
a forgotten member typed (`storage.privacy`: they quote members). The notices' builders: `feedback.checkin_help` (a
member's call for help, ``checkin-help:<mentorship>:<member>:h<hour>``, `feedback._help_key`), `insight.digest` (the
weekly digest, ``admin-digest:<community>:<until>``, `insight.digest_key`) and `insight.scheduled_round` (the scheduled
round's report, ``admin-round:<community>:<when>``, `insight.round_key`). Each digest and report has a key of its own (a
repeated key would have the adapters edit the earlier message into the new one)."""


def admin_only(key: str | None) -> bool:
    """Whether an outbox key is an admins' notice's (`ADMIN_ONLY_KEY_PREFIXES`)."""
    return key is not None and key.startswith(ADMIN_ONLY_KEY_PREFIXES)


class Level(StrEnum):
    """How well a mentor knows a skill (learning, practitioner, expert); weights the match score.

    Not a course's level: that is `mentorbot.courses.CourseLevel` (beginner, intermediate, advanced).
    """

    LEARNING = "learning"
    PRACTITIONER = "practitioner"
    EXPERT = "expert"


class MentorStatus(StrEnum):
    """Whether a mentor receives offers."""

    ACTIVE = "active"
    PAUSED = "paused"


LEFT_COMMUNITY: Final = "left"
"""The pause reason (`MentorProfile.pause_reason`) of a mentor who is no longer a member of the community
(`usecases.departures`; beside ``admin``, ``expired_offers`` and ``unreachable``, and none for an ordinary pause): no
supply, neither active nor paused (`skill_mentors`, `ReportStore.stats`), until they are seen again
(`usecases.returns.came_back`), which makes it an ordinary pause. Its one home: storage (`storage.events`) and the
use-cases (`usecases.departures.LEFT`) both import it."""


class RequestStatus(StrEnum):
    """Where a request stands. WAITING and OFFERED are the open states."""

    WAITING = "waiting"
    OFFERED = "offered"
    MATCHED = "matched"
    CANCELLED = "cancelled"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        """Whether the request still looks for a mentor."""
        return self in (RequestStatus.WAITING, RequestStatus.OFFERED)


OPEN_REQUEST_STATUSES: tuple[str, ...] = (RequestStatus.WAITING.value, RequestStatus.OFFERED.value)


class OfferStatus(StrEnum):
    """An offer's life: PENDING until accepted, declined, expired or withdrawn."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class MentorshipStatus(StrEnum):
    """An introduced pair: ACTIVE until either party ends it."""

    ACTIVE = "active"
    ENDED = "ended"


class JobKind(StrEnum):
    """Timers kept in the database."""

    OFFER_EXPIRY = "offer_expiry"
    CHECKIN = "checkin"
    RESUME = "resume"
    ROUND = "round"
    """The scheduled optimal round of one community (`Settings.round_schedule`)."""
    DIGEST = "digest"
    """The admins' weekly digest of one community (`Settings.digest`)."""


@dataclass(frozen=True)
class Member:
    """Someone in a community; `platform_user_id` is the Discord/Slack/console user id."""

    id: int
    community: str
    platform_user_id: str
    display_name: str
    language: str | None
    created_at: datetime
    timezone: str | None = None
    last_channel: str | None = None


@dataclass(frozen=True)
class Places:
    """A mentor's places, counted one way everywhere (offer text, status, App Home, stats): `taken` by active
    mentorships, `held` by pending offers, of `capacity`. Summed over mentors for the programme's stats."""

    capacity: int
    taken: int
    held: int

    @property
    def free(self) -> int:
        """Places neither taken nor held (never below zero)."""
        return max(0, self.capacity - self.taken - self.held)

    def __add__(self, other: Places) -> Places:
        return Places(self.capacity + other.capacity, self.taken + other.taken, self.held + other.held)


@dataclass(frozen=True)
class MentorProfile:
    """A member who mentors: skills with levels, capacity and availability."""

    member_id: int
    skills: dict[str, Level]
    capacity: int
    bio: str
    timezone: str
    languages: tuple[str, ...]
    status: MentorStatus
    paused_until: datetime | None
    pause_reason: str | None
    active_count: int
    pending_offers: int
    expired_streak: int
    last_offered_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @property
    def free_places(self) -> int:
        """Places neither taken by a mentorship nor held by a pending offer."""
        return self.places.free

    @property
    def places(self) -> Places:
        """The mentor's places, counted the one way every view shows them."""
        return Places(self.capacity, self.active_count, self.pending_offers)


@dataclass(frozen=True)
class MentorshipRequest:
    """A member's ask for a mentor in 1–5 skills."""

    id: int
    member_id: int
    community: str
    skills: tuple[str, ...]
    note: str
    status: RequestStatus
    wait_reason: str | None
    created_at: datetime
    updated_at: datetime
    matched_at: datetime | None


@dataclass(frozen=True)
class Offer:
    """A request offered to one mentor, with the explanation of why them."""

    id: int
    request_id: int
    mentor_id: int
    status: OfferStatus
    score: float
    explanation: str
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None
    decline_reason: str | None
    reason_kind: str | None = None


@dataclass(frozen=True)
class Mentorship:
    """A mentor and a mentee introduced by an accepted offer (or an admin's manual match)."""

    id: int
    request_id: int
    mentor_id: int
    mentee_id: int
    skills: tuple[str, ...]
    status: MentorshipStatus
    started_at: datetime
    ended_at: datetime | None
    checkin_sent_at: datetime | None
    community: str = ""
    matched_by_admin: int | None = None
    """The admin who matched the pair by hand (None: the mentor accepted an offer)."""
    forced: tuple[str, ...] = ()
    """The live matcher's checks the admin overrode with ``force:yes`` (``skill``, ``paused``)."""

    @property
    def by_admin(self) -> bool:
        """Whether an admin matched the pair (rather than the mentor accepting an offer)."""
        return self.matched_by_admin is not None


@dataclass(frozen=True)
class Feedback:
    """A rating and comment left when a mentorship ends; only admins see it, never the partner."""

    id: int
    mentorship_id: int | None
    author_id: int | None
    skills: tuple[str, ...]
    rating: int | None
    comment: str | None
    created_at: datetime


@dataclass(frozen=True)
class Job:
    """A timer row: run `kind` for `ref_id` once `due_at` has passed."""

    id: int
    kind: JobKind
    ref_id: int
    due_at: datetime
    attempts: int


@dataclass(frozen=True)
class NewMentorProfile:
    """What signup writes: the mentor-editable part of a profile."""

    skills: dict[str, Level]
    capacity: int
    bio: str
    timezone: str
    languages: tuple[str, ...] = field(default=("en",))
