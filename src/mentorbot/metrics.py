"""The process's Prometheus metrics, defined once: imported by `observability` (which serves and fills them) and,
without it, by `errors` (a database failure is counted where it is classified). It imports nothing of MentorBot, so
any module may count here.

Several processes behind one port (gunicorn's workers) set ``PROMETHEUS_MULTIPROC_DIR`` to a folder of their own,
wiped before the server starts (``deploy/gunicorn.conf.py`` does it, and drops a dead worker's gauges): then the
metrics are prometheus-client's multiprocess ones, each process writing its values to files there, and `REGISTRY`
collects them all, so whichever worker a scrape reaches serves the sums over every worker (counters, histograms)
and the newest figures read from the database (the gauges: ``livemostrecent``). Without it, nothing changes: one
process, its own registry.
"""

from __future__ import annotations

import logging
import os
from typing import Final

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, values

_FOLDER_VARIABLES: Final = ("PROMETHEUS_MULTIPROC_DIR", "prometheus_multiproc_dir")


def _multiprocess_folder() -> str | None:
    """The folder of multiprocess mode, made if missing; None for one process. prometheus-client turns the mode on
    whenever the variable is present, even empty, and then cannot start: an empty value, or a folder that cannot be
    made (a read-only system), is one process's metrics instead, said in one warning, rather than a crash at start."""
    folder = next((os.environ[name] for name in _FOLDER_VARIABLES if name in os.environ), None)
    if folder is None:
        return None
    problem = None if folder.strip() else "it is empty"
    if problem is None:
        try:
            os.makedirs(folder, exist_ok=True)  # its files are opened as the metrics are made, below
        except OSError as exc:
            problem = f"the folder cannot be made ({exc.strerror or type(exc).__name__})"
    if problem is None:
        return folder
    for name in _FOLDER_VARIABLES:
        os.environ.pop(name, None)
    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
    logging.getLogger("mentorbot").warning(
        "PROMETHEUS_MULTIPROC_DIR is set but %s: metrics are this process's own (see docs/deploy.md, Metrics)", problem
    )
    return None


_FOLDER: Final = _multiprocess_folder()
MULTIPROCESS: Final = _FOLDER is not None and bool(getattr(values.ValueClass, "_multiprocess", False))
"""Whether prometheus-client keeps values in files shared by processes (it decides when it is first imported, from
``PROMETHEUS_MULTIPROC_DIR``)."""


def _registries() -> tuple[CollectorRegistry, CollectorRegistry | None]:
    """The registry to serve, and the one the metrics below register in: the same one, or (multiprocess mode) a
    registry that collects every process's files, the metrics registering nowhere (their values are in the files)."""
    if not MULTIPROCESS:
        own = CollectorRegistry(auto_describe=True)
        return own, own
    from prometheus_client import multiprocess

    collecting = CollectorRegistry()
    multiprocess.MultiProcessCollector(collecting)  # type: ignore[no-untyped-call]
    return collecting, None


_REGISTRIES: Final = _registries()
REGISTRY: Final = _REGISTRIES[0]
"""The process's metrics (not prometheus-client's global registry: nothing else registers here); with
``PROMETHEUS_MULTIPROC_DIR``, every process's, read from the folder."""
_OWN: Final = _REGISTRIES[1]

WAIT_REASONS: Final = (
    "no_mentor",
    "no_other_mentor",
    "all_busy",
    "all_paused",
    "all_asked",  # legacy, no longer produced: see below
    "all_cooldown",
    "all_excluded",
    "excluded_by_member",
    "excluded_mixed",
    "own_mentor",
    "next_round",
    "mixed",
    "none",
)
"""The label values of `REQUESTS_WAITING` (the kinds of wait reason: a fixed set). ``all_asked`` is legacy: stored by
versions before issue 13's re-offer cooldown (migration 0011), no longer produced; kept for the requests a database may
still hold with it (and so that the exported label set stays the same)."""


class _WaitingGauge(Gauge):
    """`REQUESTS_WAITING`: cleared, then set, at each scrape. In multiprocess mode a cleared label set would keep
    its last value in the files (prometheus-client cannot clear there): each reason is set to 0 instead, newer than
    any value another process wrote, so a reason no longer met reads 0 whichever worker is scraped."""

    def clear(self) -> None:
        """Remove every label set (one process), or set every reason to 0 (multiprocess mode)."""
        if not MULTIPROCESS:
            super().clear()
            return
        with self._lock:
            known = {labels[0] for labels in self._metrics}
        for reason in (*WAIT_REASONS, *sorted(known - set(WAIT_REASONS))):
            self.labels(reason).set(0)


COMMANDS: Final = Counter(
    "mentorbot_commands", "Use-cases run, by use-case and outcome", ["command", "outcome"], registry=_OWN
)
COMMAND_SECONDS: Final = Histogram(
    "mentorbot_command_seconds",
    "Time to run a use-case (its transaction included), by use-case",
    ["command"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=_OWN,
)
NOTIFICATIONS: Final = Counter(
    "mentorbot_notifications",
    "Notifications this process delivered, held for the member's next command, or failed for now (retried)",
    ["outcome"],
    registry=_OWN,
)
DATABASE_ERRORS: Final = Counter(
    "mentorbot_database_errors", "Failures of the database met by this process, by kind", ["kind"], registry=_OWN
)
OFFERS: Final = Gauge(
    "mentorbot_offers",
    "Offers in the database by outcome (sent: all of them; a forget removes a member's), read at scrape time",
    ["outcome"],
    registry=_OWN,
    multiprocess_mode="livemostrecent",
)
REQUESTS_WAITING: Final = _WaitingGauge(
    "mentorbot_requests_waiting",
    "Requests waiting for a mentor, by the reason they wait",
    ["reason"],
    registry=_OWN,
    multiprocess_mode="livemostrecent",
)
TIMER_LAG: Final = Gauge(
    "mentorbot_timer_lag_seconds",
    "How long the oldest due timer has been waiting (0: none is late)",
    registry=_OWN,
    multiprocess_mode="livemostrecent",
)
BUSY_REFUSALS: Final = Counter(
    "mentorbot_busy_refusals",
    "Interactions refused as busy (MENTORBOT_MAX_INFLIGHT being worked on already), by platform",
    ["platform"],
    registry=_OWN,
)
DATABASE_UP: Final = Gauge(
    "mentorbot_database_up",
    "1 when the last scrape could read the database, else 0",
    registry=_OWN,
    multiprocess_mode="livemostrecent",
)
MENTORSHIPS_ACTIVE: Final = Gauge(
    "mentorbot_mentorships_active",
    "Mentorships in progress (started, not ended), read at scrape time",
    registry=_OWN,
    multiprocess_mode="livemostrecent",
)
OUTBOX_STATES: Final = ("due", "retrying", "delivering", "held")
"""The label values of `OUTBOX_PENDING`: a notification not delivered yet is due (pending and claimable now: its
claim ran out, its retry wait is over, or it was handed over), waiting for its retry (released after a failed try,
its wait not over), being delivered (claimed by a process whose claim runs), or held for the member's next command."""
OUTBOX_PENDING: Final = Gauge(
    "mentorbot_outbox_pending",
    "Notifications in the outbox not delivered yet, by state: due (any process may claim it now), retrying (waiting "
    "for its next try), delivering (claimed by a process), held (for the member's next command)",
    ["state"],
    registry=_OWN,
    multiprocess_mode="livemostrecent",
)
OUTBOX_OLDEST_DUE: Final = Gauge(
    "mentorbot_outbox_oldest_due_seconds",
    "How long the notification due the longest has been due with no process claiming it (0: none is due)",
    registry=_OWN,
    multiprocess_mode="livemostrecent",
)
INBOX_PENDING: Final = Gauge(
    "mentorbot_inbox_pending",
    "Platform events recorded in the inbox and not done yet (not processed, or processed and not answered)",
    registry=_OWN,
    multiprocess_mode="livemostrecent",
)
INBOX_OLDEST: Final = Gauge(
    "mentorbot_inbox_oldest_seconds",
    "Age of the oldest platform event recorded in the inbox and not done yet (0: none)",
    registry=_OWN,
    multiprocess_mode="livemostrecent",
)
