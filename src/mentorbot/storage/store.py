"""The store contract: every read and every state change of the mentorship domain, behind one `Store`.

One implementation over the `Database` port serves both engines (SQLite and PostgreSQL); the contract
suite in ``tests/storage`` runs against both. Every state change is a compare-and-set (an UPDATE whose
WHERE clause names the state it expects) inside one transaction, so two clicks, two processes or a crash
can never double-book a mentor, accept an offer twice or lose a request. Transactions that change a
request take their locks in the one order written in `mentorbot.storage.locks`.

`Store` is composed of one part per aggregate, each in its own module:

- `members`: members and their mentor profiles;
- `candidates`: eligible mentors for a request (ranked inside the database) and a matching round's pool;
- `requests`, `offers`, `mentorships`: the lifecycle of a request, an offer and a mentorship;
- `privacy`: forgetting a member;
- `jobs`: timers; `events`: processed platform events (clicks, forms, home opens);
- `inbox`: platform events recorded before their acknowledgement; `outbox`: notifications to deliver, and held ones;
- `message_refs`: where each keyed direct message was posted, so any process edits it in place;
- `reports`: statistics and exports;
- `curation`: resources members suggest for the community's catalog, and their helpful votes;
- `fingerprints`: what each process sharing the database runs with, so that processes that disagree find out;
- `outages`: when each community was out of MentorBot's reach (the bot removed, the app uninstalled).

Everything callers use is importable from here.
"""

from __future__ import annotations

from datetime import datetime

from mentorbot.courses import Tally
from mentorbot.matching.score import Candidate, PoolMentor, PoolRequest, RoundPool, ScoreParams
from mentorbot.storage.candidates import CandidateStore
from mentorbot.storage.curation import CurationStore, Suggestion, SuggestionStatus
from mentorbot.storage.database import Database, sqlite_path
from mentorbot.storage.elsewhere import ElsewhereStore
from mentorbot.storage.events import EventStore
from mentorbot.storage.fingerprints import FingerprintStore
from mentorbot.storage.inbox import InboxEvent, InboxStore
from mentorbot.storage.insight import InsightStore
from mentorbot.storage.jobs import JobStore
from mentorbot.storage.library_state import LibraryStateStore
from mentorbot.storage.members import InUse, MemberStore, ProfileInUse
from mentorbot.storage.mentorships import AcceptResult, FeedbackResult, MentorshipStore
from mentorbot.storage.message_refs import MessageRefStore
from mentorbot.storage.migrations import check_schema, migrate
from mentorbot.storage.offers import ExpireResult, NewOffer, OfferStore
from mentorbot.storage.outages import OutageStore
from mentorbot.storage.outbox import OutboxStore
from mentorbot.storage.privacy import ForgetResult, PrivacyStore
from mentorbot.storage.reports import EXPORT_QUERIES, ReportStore, Stats
from mentorbot.storage.requests import CancelResult, DuplicateRequest, LimitReached, RequestStore
from mentorbot.storage.schedules import ScheduleStore

__all__ = [
    "EXPORT_QUERIES",
    "AcceptResult",
    "CancelResult",
    "Candidate",
    "DuplicateRequest",
    "ExpireResult",
    "FeedbackResult",
    "ForgetResult",
    "InUse",
    "InboxEvent",
    "LimitReached",
    "NewOffer",
    "PoolMentor",
    "PoolRequest",
    "ProfileInUse",
    "RoundPool",
    "ScoreParams",
    "Stats",
    "Store",
    "Suggestion",
    "SuggestionStatus",
    "Tally",
    "create_database",
]


def create_database(url: str, *, flush_before_ack: bool = False) -> Database:
    """The engine for a database URL: ``sqlite:///…`` or ``postgresql://…`` (`flush_before_ack`: see
    `PostgresDatabase`; SQLite's records are always as durable as its WAL with ``synchronous = NORMAL``)."""
    scheme = url.split(":", 1)[0].lower()
    if scheme in ("sqlite", "sqlite3"):
        from mentorbot.storage.sqlite_engine import SqliteDatabase

        return SqliteDatabase(sqlite_path(url))
    if scheme in ("postgresql", "postgres"):
        from mentorbot.storage.postgres_engine import PostgresDatabase

        return PostgresDatabase(url, flush_before_ack=flush_before_ack)
    raise ValueError(f"unsupported database URL scheme {scheme!r}: use sqlite:/// or postgresql://")


class Store(
    MemberStore,
    CandidateStore,
    RequestStore,
    OfferStore,
    MentorshipStore,
    PrivacyStore,
    JobStore,
    EventStore,
    InboxStore,
    OutboxStore,
    MessageRefStore,
    ReportStore,
    CurationStore,
    InsightStore,
    ScheduleStore,
    LibraryStateStore,
    ElsewhereStore,
    FingerprintStore,
    OutageStore,
):
    """Async store of members, mentor profiles, requests, offers, mentorships, feedback, jobs and events."""

    def __init__(self, db: Database) -> None:
        self.db = db
        # Distinct mentor time zones, cached for ranking in SQL (`find_top_candidates`). Only a hint: a zone
        # missing from it ranks with the largest bonus and is reported, and the caller refreshes and re-ranks.
        self._timezones: tuple[str, ...] | None = None
        self._recorded: set[str] = set()

    @classmethod
    def from_url(cls, url: str, *, flush_before_ack: bool = False) -> Store:
        """A store over the engine that `url` names (not yet opened)."""
        return cls(create_database(url, flush_before_ack=flush_before_ack))

    async def open(self, now: datetime, *, upgrade: bool = True) -> int:
        """Connect and apply pending migrations; return the schema version. Without `upgrade` (a command that
        only reads), the schema must be this code's already (`check_schema`): nothing is changed."""
        await self.db.open()
        return await migrate(self.db, now) if upgrade else await check_schema(self.db)

    async def close(self) -> None:
        """Release the engine's connections."""
        await self.db.close()
