"""The process's Prometheus metrics, defined once: imported by `observability` (which serves and fills them) and,
without it, by `errors` (a database failure is counted where it is classified). It imports nothing of MentorBot, so
any module may count here."""

from __future__ import annotations

from typing import Final

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY: Final = CollectorRegistry(auto_describe=True)
"""The process's metrics (not prometheus-client's global registry: nothing else registers here)."""

COMMANDS: Final = Counter(
    "mentorbot_commands", "Use-cases run, by use-case and outcome", ["command", "outcome"], registry=REGISTRY
)
COMMAND_SECONDS: Final = Histogram(
    "mentorbot_command_seconds",
    "Time to run a use-case (its transaction included), by use-case",
    ["command"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
NOTIFICATIONS: Final = Counter(
    "mentorbot_notifications",
    "Notifications this process delivered, held for the member's next command, or failed for now (retried)",
    ["outcome"],
    registry=REGISTRY,
)
DATABASE_ERRORS: Final = Counter(
    "mentorbot_database_errors", "Failures of the database met by this process, by kind", ["kind"], registry=REGISTRY
)
OFFERS: Final = Gauge(
    "mentorbot_offers",
    "Offers in the database by outcome (sent counts every offer ever made), read at scrape time",
    ["outcome"],
    registry=REGISTRY,
)
REQUESTS_WAITING: Final = Gauge(
    "mentorbot_requests_waiting",
    "Requests waiting for a mentor, by the reason they wait",
    ["reason"],
    registry=REGISTRY,
)
TIMER_LAG: Final = Gauge(
    "mentorbot_timer_lag_seconds", "How long the oldest due timer has been waiting (0: none is late)", registry=REGISTRY
)
BUSY_REFUSALS: Final = Counter(
    "mentorbot_busy_refusals",
    "Interactions refused as busy (MENTORBOT_MAX_INFLIGHT being worked on already), by platform",
    ["platform"],
    registry=REGISTRY,
)
DATABASE_UP: Final = Gauge(
    "mentorbot_database_up", "1 when the last scrape could read the database, else 0", registry=REGISTRY
)
