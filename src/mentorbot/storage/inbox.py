"""The inbox: platform events recorded before they are acknowledged, processed exactly once.

An event goes through three states:

``pending``
    `record_event` wrote it (claimed by the receiving process) before the platform got its acknowledgement; a
    redelivery of the same event id is recognised there.
``answering``
    A use-case that changes something claimed the row (`begin_processing`, a compare-and-set) and stored its
    answer on it (`store_answer`) inside its own unit of work, so the event's changes commit exactly once and
    its answer survives the process. A use-case that changes nothing (a read, a refusal) skips this state:
    running it again is harmless.
``done``
    The adapter showed the answer to the member (`finish_event`).

Recording is on the acknowledgement's path, so it is kept short: the records waiting at the same moment are one
multi-row ``INSERT`` committed on its own (`group_commit.GroupCommit`), on the engine's express lane
(`Database.express_one`: one round trip on PostgreSQL), which does not queue behind the units of work in
progress. A connection lost during that statement leaves its outcome unknown; the same statement, made
idempotent, is sent again to learn it (`InboxStore._record_batch`).

A process that dies before ``done`` leaves the row ``pending`` or ``answering``; once its lease runs out,
`claim_unprocessed` hands it to a process serving its community, which processes it again (``pending``) or
delivers the stored answer (``answering``).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from mentorbot.storage.database import DatabaseError, DatabaseOutcomeUnknown, Row
from mentorbot.storage.group_commit import GroupCommit
from mentorbot.storage.rows import ts
from mentorbot.storage.sql import claim_expired
from mentorbot.storage.units import Transactions

_COLUMNS = "(event_id, community, platform_user_id, payload, claimed_by, claimed_until, created_at)"
_RECORD = f"INSERT INTO inbox {_COLUMNS} VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING RETURNING id"
_RETURNING = " RETURNING id, event_id"
_OURS_AGAIN = (
    " ON CONFLICT (event_id) DO UPDATE SET event_id = excluded.event_id"
    " WHERE inbox.created_at = excluded.created_at AND inbox.claimed_by = excluded.claimed_by"
)
"""A record sent again after its outcome was lost: a row the lost attempt wrote (same time, same process) is
returned as if inserted now; one of an earlier delivery (another time) is left alone and not returned."""
RESOLVE_SECONDS = 1.5
"""How long recording keeps trying to learn whether a record whose connection was lost got in, before the
acknowledgement says it is not known (Slack waits 3 s for it)."""
_PAUSES = (0.0, 0.05, 0.1, 0.2, 0.4)
"""Pauses before each attempt to send a lost record again (the last one repeats)."""
log = logging.getLogger("mentorbot.storage")


@dataclass(frozen=True)
class _Record:
    """One event to record (`InboxStore.record_event`'s arguments)."""

    event_id: str
    community: str
    platform_user_id: str
    payload: str
    worker: str
    claimed_until: datetime
    now: datetime

    def values(self) -> tuple[object, ...]:
        return (
            self.event_id,
            self.community,
            self.platform_user_id,
            self.payload,
            self.worker,
            self.claimed_until,
            self.now,
        )


@dataclass(frozen=True)
class InboxEvent:
    """A recorded platform event: the adapter's own `payload` (what it needs to process it again)."""

    id: int
    event_id: str
    community: str
    platform_user_id: str
    payload: str
    attempts: int
    created_at: datetime | None = None
    """When the event was recorded (the recovery gives up on one only when it is both old and tried often)."""
    answer: str | None = None
    """The stored answer (``replies.answer_to_json``) of an event whose use-case committed but whose answer was
    not shown yet: deliver it, do not process the event again. None for an event still to process."""


class InboxStore(Transactions):
    """Platform events received, and which were processed."""

    async def record_event(
        self,
        event_id: str,
        community: str,
        platform_user_id: str,
        payload: str,
        now: datetime,
        worker: str,
        *,
        lease: timedelta,
    ) -> int | None:
        """Record an event before acknowledging it, claimed by `worker` for `lease`; its inbox id, or None when
        the same event id was recorded before (a redelivery: acknowledge it and do nothing). Committed when this
        returns: with the other records waiting at the same moment, on the express lane; inside a unit of work,
        with the unit."""
        record = _Record(event_id, community, platform_user_id, payload, worker, now + lease, now)
        if self.in_unit_of_work():
            async with self.transaction() as conn:
                row = await conn.fetch_one(_RECORD, *record.values())
            return int(row["id"]) if row is not None else None
        recorder: GroupCommit[_Record, int | None] | None = getattr(self, "_inbox_recorder", None)
        if recorder is None:
            recorder = self._inbox_recorder = GroupCommit(self._record_batch)
        return await recorder.submit(record)

    async def _record_batch(self, records: Sequence[_Record]) -> list[int | None]:
        """One ``INSERT`` of every record, committed on its own on the express lane (`Database.express_one`); the
        inbox id of each (None for an event id recorded before, or earlier in the same batch).

        When the connection was lost during it (`DatabaseOutcomeUnknown`), the records may or may not be there:
        the statement is sent again, as an upsert that also returns a row this very attempt wrote (same
        ``created_at`` and ``claimed_by``), until it gets through or `RESOLVE_SECONDS` have passed (then the
        doubt is raised, and the member told so). Nothing is ever recorded twice: the event id is unique."""
        first: dict[str, _Record] = {}
        for record in records:
            first.setdefault(record.event_id, record)
        rows = [r.values() for r in first.values()]
        head = f"INSERT INTO inbox {_COLUMNS} VALUES " + ", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * len(rows))
        params = [value for row in rows for value in row]
        try:
            found = await self.db.express_one(head + " ON CONFLICT (event_id) DO NOTHING" + _RETURNING, *params)
        except DatabaseOutcomeUnknown as doubt:
            found = await self._resolve(head + _OURS_AGAIN + _RETURNING, params, doubt)
        ids = {str(r["event_id"]): int(r["id"]) for r in found}
        return [ids.get(r.event_id) if first[r.event_id] is r else None for r in records]

    async def _resolve(self, sql: str, params: Sequence[object], doubt: DatabaseOutcomeUnknown) -> list[Row]:
        """Send the records again (`sql`: the upsert that returns the rows of the lost attempt too) until the
        database answers, for at most `RESOLVE_SECONDS`; past that, raise `doubt`."""
        deadline = time.monotonic() + RESOLVE_SECONDS
        log.warning("recording events: the connection was lost during the insert (%s); sending it again", doubt)
        for attempt in itertools.count():
            await asyncio.sleep(_PAUSES[min(attempt, len(_PAUSES) - 1)])
            try:
                async with asyncio.timeout(max(deadline - time.monotonic(), 0.01)):
                    return await self.db.express_one(sql, *params)
            except (DatabaseError, TimeoutError) as exc:
                if time.monotonic() >= deadline:
                    log.error("recording events: not known whether they were recorded (%s)", exc)
                    raise doubt from exc
        raise AssertionError("unreachable")  # pragma: no cover

    async def begin_processing(self, inbox_id: int) -> bool:
        """First step of a use-case's unit of work on a recorded event: claim it as processed (a compare-and-set
        that also makes a concurrent process running the same event wait, on PostgreSQL, for this transaction).
        False when it was processed already: the caller must roll back and report a duplicate."""
        async with self.transaction(quick=True) as conn:
            changed = await conn.execute(
                "UPDATE inbox SET status = 'answering' WHERE id = ? AND status = 'pending'", inbox_id
            )
        return changed == 1

    async def store_answer(self, inbox_id: int, answer: str, now: datetime, worker: str, *, lease: timedelta) -> None:
        """Last step of the same unit of work: keep the event's `answer` for the adapter (or, after a crash, any
        process) to show, claimed by `worker` for `lease` from `now`."""
        async with self.transaction(quick=True) as conn:
            await conn.execute(
                "UPDATE inbox SET answer = ?, claimed_by = ?, claimed_until = ? WHERE id = ?",
                answer,
                worker,
                now + lease,
                inbox_id,
            )

    async def finish_event(self, inbox_id: int, now: datetime) -> bool:
        """The member was shown the answer to a recorded event (or it needed none): it is done, never processed
        or answered again, its payload and answer emptied; the platform user id goes too when no member of its
        community has it (nothing is kept of someone who is no member; above all, the event was their
        ``/mentor forget``: `PrivacyStore.forget_member` leaves that one event to its unit of work, whose recovery
        after a crash still needs the id to answer them). False when it was done already."""
        async with self.transaction(quick=True) as conn:
            changed = await conn.execute(
                "UPDATE inbox SET status = 'done', done_at = ?, payload = '', answer = NULL, "
                "platform_user_id = CASE WHEN EXISTS (SELECT 1 FROM members m WHERE m.community = inbox.community "
                "AND m.platform_user_id = inbox.platform_user_id) THEN inbox.platform_user_id ELSE '' END "
                "WHERE id = ? AND status IN ('pending', 'answering')",
                now,
                inbox_id,
            )
        return changed == 1

    async def claim_unprocessed(
        self,
        now: datetime,
        worker: str,
        *,
        lease: timedelta,
        limit: int = 50,
        communities: Sequence[str] | None = None,
    ) -> list[InboxEvent]:
        """Claim for `worker` the recorded events whose process died before processing or answering them (lease
        run out), oldest first; each is claimed by one worker at a time. An event with an `InboxEvent.answer` was
        processed: only its answer is to be shown."""
        async with self.transaction() as conn:
            found = await claim_expired(
                conn,
                "inbox",
                now=now,
                worker=worker,
                lease=lease,
                limit=limit,
                communities=communities,
                skip_locked=self.db.skip_locked,
                statuses=("pending", "answering"),
            )
        return [
            InboxEvent(
                int(r["id"]),
                str(r["event_id"]),
                str(r["community"]),
                str(r["platform_user_id"]),
                str(r["payload"]),
                int(r["attempts"]),
                ts(r["created_at"]),
                r["answer"] if r["status"] == "answering" else None,
            )
            for r in found
        ]

    async def count_unprocessed(self) -> int:
        """How many recorded events are not done yet: not processed, or not answered (health checks, tests)."""
        async with self.read() as conn:
            row = await conn.fetch_one("SELECT COUNT(*) AS n FROM inbox WHERE status IN ('pending', 'answering')")
        return int(row["n"]) if row else 0

    async def prune_inbox(self, before: datetime) -> int:
        """Drop processed events older than `before` (a redelivery comes within minutes)."""
        async with self.transaction() as conn:
            return await conn.execute("DELETE FROM inbox WHERE status = 'done' AND done_at < ?", before)
