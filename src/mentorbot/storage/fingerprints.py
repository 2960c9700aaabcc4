"""What each process sharing the database runs with, so that processes that disagree find out (session 41).

Several processes serve one database (Discord shards, Slack HTTP workers, hosts of a rolling restart). The shared
state they write is read with their own settings: a weekly timer one process sets for Monday and another moves to
Thursday, a minute apart, for ever; a live-matching process offering the requests a cohort programme keeps for its
round; an admins' notice one process wrote and another, with other ``MENTORBOT_ADMIN_IDS``, drops. Each process
therefore records its *fingerprint* (`Fingerprint`): the programme settings that must be the same everywhere
(`FINGERPRINT_SETTINGS`; never a token, a secret nor the database URL) and the SHA-256 of the skills and courses
files in service, in ``process_fingerprints`` (one row per worker id), at start-up and at each of its
once-a-minute looks (`usecases.library_follow`), and compares it with the rows of the other processes seen within
`LIVE_FOR` (`compare`: the `Disagreement`\\ s). A process gone stops refreshing its row, which then counts for
nothing; one that stops cleanly deletes it (`forget_fingerprint`).

What the comparison found is the process's `Agreement`, which the use-cases read (`usecases.context.Core`): while
the weekly schedule's settings differ (`WEEKLY_SETTINGS`) no process moves the weekly timers or rewrites the round
dates members were told; while ``MENTORBOT_MATCHING`` differs the sweep is off.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

from mentorbot.settings import ENV_PREFIX, Settings
from mentorbot.storage import rows
from mentorbot.storage.units import Transactions

LIVE_FOR: Final = timedelta(minutes=5)
"""How recently a process must have refreshed its row to count: it looks once a minute while its timers run (or
at a command), so a row older than this is a process gone (or one that serves nothing meanwhile)."""
PRUNE_AFTER: Final = timedelta(days=1)
"""A row older than this is deleted by any process's look (every start writes one under a new worker id)."""

FINGERPRINT_SETTINGS: Final = (
    "matching",
    "round_schedule",
    "digest",
    "programme_timezone",
    "offer_ttl_hours",
    "max_expired_offers",
    "late_expiry_grace_minutes",
    "reoffer_after_days",
    "repeat_pair_days",
    "max_open_requests",
    "default_capacity",
    "checkin_days",
    "checkin_repeat_days",
    "admin_ids",
    "default_language",
)
"""The settings whose disagreement between processes changes shared state: when the weekly timers are and whether
requests wait for them, how long an offer lasts and how many lapses pause a mentor (one process warns, another
pauses), how long a declined pair waits, the check-ins' times, who the admins are (their notices), the language a
member with none chosen reads. Never a secret: tokens and the database URL are not among them."""
FILE_SETTINGS: Final = ("skills_file", "courses_file")
"""The files whose content (SHA-256) must be the same in every process."""
WEEKLY_SETTINGS: Final = frozenset({"matching", "round_schedule", "digest", "programme_timezone"})
"""While any of these differs, no process moves the weekly timers or rewrites the round dates waiting members were
told (`usecases.insight.ensure_weekly_jobs`)."""


def env_name(setting: str) -> str:
    """A setting as the operator writes it: ``MENTORBOT_ROUND_SCHEDULE``."""
    return f"{ENV_PREFIX}{setting}".upper()


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's bytes (``unreadable`` when it cannot be read: then it differs from a readable one)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


def _text(value: object) -> str:
    """A setting's value as text, the same in every process for the same value: a list sorted and comma-joined, a
    whole number without ``.0``, none as an empty text."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ",".join(sorted(str(v) for v in value))
    if isinstance(value, float):
        return f"{value:g}" if value == int(value) else repr(value)
    return str(value)


def fingerprint_values(settings: Settings, files: Mapping[str, str]) -> dict[str, str]:
    """The values a process records: each of `FINGERPRINT_SETTINGS` as text, and `files` (setting → SHA-256 of the
    file in service)."""
    values = {name: _text(getattr(settings, name)) for name in FINGERPRINT_SETTINGS}
    values.update({name: files.get(name, "") for name in FILE_SETTINGS})
    return values


def digest_of(values: Mapping[str, str]) -> str:
    """One SHA-256 over all the values (equal digests: the processes agree)."""
    return hashlib.sha256(json.dumps(dict(sorted(values.items())), ensure_ascii=True).encode("ascii")).hexdigest()


@dataclass(frozen=True)
class Fingerprint:
    """One process's row: its worker id, when it last looked, and what it runs with."""

    worker_id: str
    seen_at: datetime
    digest: str
    values: Mapping[str, str]

    def admin_ids(self) -> list[str]:
        """Its ``MENTORBOT_ADMIN_IDS`` entries."""
        return [entry for entry in self.values.get("admin_ids", "").split(",") if entry]


@dataclass(frozen=True)
class Difference:
    """One setting (or file) two processes disagree on, with its value in each (a file's: its SHA-256)."""

    setting: str
    mine: str
    theirs: str

    @property
    def is_file(self) -> bool:
        """Whether it is a file's content, not a setting's value."""
        return self.setting in FILE_SETTINGS


@dataclass(frozen=True)
class Disagreement:
    """What this process and the processes of one other fingerprint (`workers`, all alike) disagree on."""

    mine: str
    theirs: str
    workers: tuple[str, ...]
    differences: tuple[Difference, ...]

    @property
    def key(self) -> str:
        """The same in both processes whichever finds it (the two digests, in order): it is told once."""
        low, high = sorted((self.mine, self.theirs))
        return hashlib.sha256(f"{low}:{high}".encode("ascii")).hexdigest()[:16]

    @property
    def settings(self) -> frozenset[str]:
        """The names of the settings and files that differ."""
        return frozenset(d.setting for d in self.differences)


def compare(mine: Mapping[str, str], digest: str, others: Sequence[Fingerprint]) -> tuple[Disagreement, ...]:
    """The disagreements of this process's values (`mine`, summed up as `digest`) with `others`' rows, one per
    other fingerprint, by its digest."""
    found: dict[str, list[Fingerprint]] = {}
    for other in others:
        if other.digest != digest:
            found.setdefault(other.digest, []).append(other)
    out = []
    for theirs, prints in sorted(found.items()):
        values = prints[0].values
        differences = tuple(
            Difference(name, mine.get(name, ""), values.get(name, ""))
            for name in (*FINGERPRINT_SETTINGS, *FILE_SETTINGS)
            if mine.get(name, "") != values.get(name, "")
        )
        if differences:
            out.append(Disagreement(digest, theirs, tuple(sorted(p.worker_id for p in prints)), differences))
    return tuple(out)


@dataclass(frozen=True)
class Agreement:
    """What this process's latest look found (`usecases.library_follow`): its disagreements with the other live
    processes, and a schema version above this release's (`schema_newer`: a newer release upgraded the database
    while this one runs)."""

    disagreements: tuple[Disagreement, ...] = ()
    schema_newer: int | None = None
    known: int = 0
    """The newest schema version this release knows (with `schema_newer`)."""
    peers: tuple[Fingerprint, ...] = field(default=())
    """The live rows of the other processes."""

    def differs(self, *settings: str) -> bool:
        """Whether any live process disagrees with this one on any of `settings`."""
        return any(d.settings.intersection(settings) for d in self.disagreements)

    @property
    def weekly_differs(self) -> bool:
        """Whether the weekly schedule's settings differ (`WEEKLY_SETTINGS`): no process moves the weekly timers."""
        return self.differs(*WEEKLY_SETTINGS)

    @property
    def matching_differs(self) -> bool:
        """Whether ``MENTORBOT_MATCHING`` differs: the sweep is off."""
        return self.differs("matching")


def _fingerprint(row: Mapping[str, object]) -> Fingerprint:
    try:
        values = json.loads(str(row["settings"]))
    except ValueError:
        values = {}
    return Fingerprint(
        str(row["worker_id"]),
        rows.ts(row["seen_at"]),
        str(row["digest"]),
        {str(k): str(v) for k, v in values.items()} if isinstance(values, dict) else {},
    )


class FingerprintStore(Transactions):
    """The processes' fingerprints (``process_fingerprints``)."""

    _recorded: set[str]
    """The worker ids this store recorded: one process's (earlier bots on the same store, as a test's restart
    makes, are this process's past, never another live process)."""

    async def record_fingerprint(self, worker_id: str, digest: str, values: Mapping[str, str], now: datetime) -> None:
        """Write (or refresh) `worker_id`'s row at `now`, and delete the rows no process refreshed for a day."""
        payload = json.dumps(dict(sorted(values.items())), ensure_ascii=False)
        async with self.transaction() as conn:
            await conn.execute(
                "INSERT INTO process_fingerprints (worker_id, seen_at, digest, settings) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (worker_id) DO UPDATE SET seen_at = excluded.seen_at, digest = excluded.digest, "
                "settings = excluded.settings",
                worker_id,
                now,
                digest,
                payload,
            )
            await conn.execute("DELETE FROM process_fingerprints WHERE seen_at < ?", now - PRUNE_AFTER)
        self._recorded.add(worker_id)

    async def live_fingerprints(self, since: datetime) -> list[Fingerprint]:
        """The rows of the other processes seen at or after `since`, by worker id (those this store recorded left
        out: they are this process's)."""
        async with self.read() as conn:
            found = await conn.fetch_all(
                "SELECT worker_id, seen_at, digest, settings FROM process_fingerprints WHERE seen_at >= ? "
                "ORDER BY worker_id",
                since,
            )
        return [_fingerprint(row) for row in found if str(row["worker_id"]) not in self._recorded]

    async def forget_fingerprint(self, worker_id: str) -> None:
        """Delete `worker_id`'s row (the process stops: it no longer counts)."""
        async with self.transaction() as conn:
            await conn.execute("DELETE FROM process_fingerprints WHERE worker_id = ?", worker_id)

    async def member_communities(self) -> list[str]:
        """Every community with members, by id."""
        async with self.read() as conn:
            found = await conn.fetch_all("SELECT DISTINCT community FROM members ORDER BY community")
        return [str(row["community"]) for row in found]

    async def applied_schema_version(self) -> int:
        """The schema version the database is at now (a newer release may have upgraded it since this one opened
        it)."""
        from mentorbot.storage.migrations import schema_version

        async with self.read() as conn:
            return await schema_version(conn, self.db.dialect)
