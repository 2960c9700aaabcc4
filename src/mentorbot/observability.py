"""What an operator sees of a running bot: Prometheus metrics, structured logs, health and readiness.

- **Metrics** (prometheus-client, one `REGISTRY` per process, or every gunicorn worker's with
  ``PROMETHEUS_MULTIPROC_DIR``: `metrics`; served at ``/metrics``): commands by use-case and
  outcome, their latency, notifications delivered / held / failed, database errors, interactions refused as busy
  (`BusyRefusals`; all counted in this process), and figures read from the database at scrape time
  (`refresh`): offers by outcome, requests waiting by reason, the timer lag, the mentorships in progress, the
  outbox's notifications not delivered yet by state and how long the one due the longest has waited, the inbox's
  events not done yet and the age of the oldest. Labels hold use-case names, outcomes, reasons, states, kinds and
  platforms only: never a member id or name.
- **Logs**: plain text by default; ``MENTORBOT_LOG_FORMAT=json`` writes one JSON object per line with the level,
  the logger, the event, and the correlation id, community and command of the use-case being run
  (`log_context`). Anything that looks like a token or a password is masked (`redact`).
- **Health**: ``/healthz`` answers 200 while the process is alive; ``/readyz`` 200 only when the database
  answers, every platform adapter of the process is connected (`Readiness`) and the database's schema is not a newer
  release's (``problems``); it lists the settings other processes sharing the database disagree on
  (``disagreements``, `storage.fingerprints`), which do not make it unready. Slack's HTTP mode serves them
  on its own server; other modes on ``MENTORBOT_METRICS_PORT`` (`serve_ops`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, Protocol

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from mentorbot.errors import PASSING_LISTEN_ERRORS
from mentorbot.logcontext import CONTEXT as _CONTEXT
from mentorbot.metrics import (
    BUSY_REFUSALS as BUSY_REFUSALS,
)
from mentorbot.metrics import (
    COMMAND_SECONDS as COMMAND_SECONDS,
)
from mentorbot.metrics import (
    COMMANDS as COMMANDS,
)
from mentorbot.metrics import (
    DATABASE_ERRORS as DATABASE_ERRORS,
)
from mentorbot.metrics import (
    DATABASE_UP as DATABASE_UP,
)
from mentorbot.metrics import (
    INBOX_OLDEST as INBOX_OLDEST,
)
from mentorbot.metrics import (
    INBOX_PENDING as INBOX_PENDING,
)
from mentorbot.metrics import (
    MENTORSHIPS_ACTIVE as MENTORSHIPS_ACTIVE,
)
from mentorbot.metrics import (
    NOTIFICATIONS as NOTIFICATIONS,
)
from mentorbot.metrics import (
    OFFERS as OFFERS,
)
from mentorbot.metrics import (
    OUTBOX_OLDEST_DUE as OUTBOX_OLDEST_DUE,
)
from mentorbot.metrics import (
    OUTBOX_PENDING as OUTBOX_PENDING,
)
from mentorbot.metrics import (
    OUTBOX_STATES as OUTBOX_STATES,
)
from mentorbot.metrics import (
    REGISTRY as REGISTRY,
)
from mentorbot.metrics import (
    REQUESTS_WAITING as REQUESTS_WAITING,
)
from mentorbot.metrics import (
    TIMER_LAG as TIMER_LAG,
)
from mentorbot.storage.reports import wait_reason_code
from mentorbot.storage.rows import opt_ts

if TYPE_CHECKING:
    from aiohttp import web

    from mentorbot.clock import Clock
    from mentorbot.replies import Outcome
    from mentorbot.storage.store import Store


class Served(Protocol):
    """What the metrics and the readiness check read of the running bot (`mentorbot.bot.MentorBot` is one)."""

    @property
    def store(self) -> Store: ...

    @property
    def clock(self) -> Clock: ...


log = logging.getLogger("mentorbot.ops")

# ------------------------------------------------------------------------------------------------ metrics


class BusyRefusals:
    """The interactions one platform adapter refuses as busy (past ``MENTORBOT_MAX_INFLIGHT``), told to an operator.

    Every refusal is counted in ``mentorbot_busy_refusals_total``. The log is told at most once per `every` seconds,
    since a burst refused by the thousand would otherwise write a line each: once when refusals begin, then with
    how many were refused since its last line, and, once `every` seconds have passed and an interaction is accepted
    again, that the busy spell is over (so the next refusal begins a new one).
    """

    def __init__(
        self, platform: str, logger: logging.Logger, *, every: float = 10.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """Refusals of `platform` (the metric's label: "slack", "discord"), told on `logger`."""
        self.platform = platform
        self.logger = logger
        self.every = every
        self._clock = clock
        self._last: float | None = None
        """When the log was last told of this busy spell (None: not busy)."""
        self._unlogged = 0
        self._counter = BUSY_REFUSALS.labels(platform)  # the series exists, at 0, before the first refusal

    def refused(self, in_flight: int, limit: int) -> None:
        """One interaction was refused with `in_flight` being worked on (`limit`: the setting)."""
        self._counter.inc()
        self._unlogged += 1
        now = self._clock()
        name = self.platform.capitalize()
        if self._last is None:
            self.logger.warning(
                "%s %s interactions in flight (MENTORBOT_MAX_INFLIGHT=%s): refusing new ones until there are fewer",
                in_flight,
                name,
                limit,
            )
        elif now - self._last >= self.every:
            self.logger.warning(
                "%s %s interactions in flight (MENTORBOT_MAX_INFLIGHT=%s): %s refused since the last of these lines "
                "(%.0f s ago)",
                in_flight,
                name,
                limit,
                self._unlogged,
                now - self._last,
            )
        else:
            return
        self._last, self._unlogged = now, 0

    def accepting(self, in_flight: int) -> None:
        """An interaction was accepted (`in_flight` being worked on). During a busy spell, once `every` seconds have
        passed since the log was last told, the spell is over: the log is told how many were refused since."""
        if self._last is None:
            return
        now = self._clock()
        if now - self._last < self.every:
            return  # still in the spell: refusing and accepting in turns near the limit writes no line each
        if self._unlogged:
            self.logger.warning(
                "%s %s interactions in flight: accepting again; %s refused since the last of these lines (%.0f s ago)",
                in_flight,
                self.platform.capitalize(),
                self._unlogged,
                now - self._last,
            )
        else:
            self.logger.info("%s %s interactions in flight: accepting again", in_flight, self.platform.capitalize())
        self._last, self._unlogged = None, 0


OFFER_OUTCOMES: Final = ("sent", "accepted", "declined", "expired", "withdrawn", "pending")


def outcome_label(outcome: Outcome) -> str:
    """How a use-case ended, for the ``outcome`` label."""
    if outcome.duplicate:
        return "duplicate"
    error = outcome.error
    if error is None:
        return "ok"
    if error.key == "common.rate_limited":
        return "rate_limited"
    if error.key.startswith("common.db_"):
        return "database_error"
    if error.key == "common.apology":
        return "error"
    return "refused"


@contextmanager
def observe_command(name: str) -> Iterator[Callable[[Outcome], None]]:
    """Time a use-case and count it; call the yielded function with its `Outcome` (an exception counts as an
    error). Sets the log context's command and a fresh correlation id for the use-case's log lines."""
    started = time.perf_counter()
    label = ["error"]
    token = _CONTEXT.set({**_CONTEXT.get(), "command": name, "correlation_id": uuid.uuid4().hex[:10]})
    try:
        yield lambda outcome: label.__setitem__(0, outcome_label(outcome))
    finally:
        _CONTEXT.reset(token)
        COMMAND_SECONDS.labels(name).observe(time.perf_counter() - started)
        COMMANDS.labels(name, label[0]).inc()


_WAITING_SQL: Final = (
    "SELECT COALESCE(wait_reason, 'none') AS reason, COUNT(*) AS n FROM requests "
    "WHERE status = 'waiting' GROUP BY COALESCE(wait_reason, 'none')"
)


_OUTBOX_SQL: Final = (
    "SELECT COALESCE(SUM(CASE WHEN status = 'held' THEN 1 ELSE 0 END), 0) AS held, "
    "COALESCE(SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), 0) AS pending, "
    "COALESCE(SUM(CASE WHEN status = 'pending' AND claimed_until < ? THEN 1 ELSE 0 END), 0) AS due, "
    "COALESCE(SUM(CASE WHEN status = 'pending' AND claimed_until < ? THEN 0 "
    "WHEN status = 'pending' AND claimed_by IS NULL THEN 1 ELSE 0 END), 0) AS retrying, "
    "MIN(CASE WHEN status = 'pending' AND claimed_until < ? THEN claimed_until END) AS oldest_due "
    "FROM outbox WHERE status IN ('pending', 'held')"
)
"""The outbox's rows not delivered yet (the index ``outbox_pending``), its three arguments the time now, told apart
as the store does (`metrics.OUTBOX_STATES`): held for the member's next command; pending and due, any process may
claim it (`storage.sql.claim_expired`: its claim ran out, or its retry wait is over); pending and released for a
retry whose wait is not over (no holder: `OutboxStore.release_for_retry`); the other pending ones are being
delivered by the process whose claim runs. ``oldest_due``: the earliest moment a due row fell due (its
``claimed_until``), so that a row just back from a retry wait does not read as stuck for the time it waited."""

_INBOX_SQL: Final = (
    "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM inbox WHERE status IN ('pending', 'answering')"
)
"""The inbox's events not done (the index ``inbox_pending``): not processed yet (``pending``) or processed and not
answered (``answering``), as `InboxStore.count_unprocessed` counts them; and when the oldest was recorded."""

_ACTIVE_MENTORSHIPS_SQL: Final = "SELECT COUNT(*) AS n FROM mentorships WHERE status = 'active'"
"""The mentorships in progress (``active``; ``ended`` is the other status)."""


def seconds_since(now: datetime, moment: Any) -> float:
    """Seconds from `moment` (a database time: a datetime, or SQLite's ISO text; None for none) to `now`; 0 when
    there is none, or it is not past."""
    at = opt_ts(moment)
    return 0.0 if at is None else max((now - at).total_seconds(), 0.0)


def waiting_by_reason(rows: Iterable[Any]) -> dict[str, int]:
    """Waiting requests by the kind of their reason (``all_busy``, ``all_cooldown``, ``none``…): a fixed set of
    label values, not the stored reason, whose skills and cooldown date would make a new series each."""
    out: dict[str, int] = {}
    for row in rows:
        kind = wait_reason_code(str(row["reason"])) or "none"
        out[kind] = out.get(kind, 0) + int(row["n"])
    return out


async def refresh(bot: Served) -> bool:
    """Read the database's figures into the gauges (one read transaction); False (and ``database_up`` 0) when
    the database cannot be read."""
    now = bot.clock.now()
    at = bot.store.db.to_db_time(now)
    try:
        async with bot.store.db.read() as conn:
            offers = await conn.fetch_all("SELECT status, COUNT(*) AS n FROM offers GROUP BY status")
            waiting = await conn.fetch_all(_WAITING_SQL)
            due = await conn.fetch_one(
                "SELECT MIN(due_at) AS due FROM jobs WHERE status IN ('pending', 'running') AND due_at <= ?", at
            )
            mentorships = await conn.fetch_one(_ACTIVE_MENTORSHIPS_SQL)
            outbox = await conn.fetch_one(_OUTBOX_SQL, at, at, at)
            inbox = await conn.fetch_one(_INBOX_SQL)
    except Exception as exc:
        DATABASE_UP.set(0)
        DATABASE_ERRORS.labels(getattr(exc, "kind", "failed")).inc()
        log.warning("metrics: cannot read the database: %s", exc)
        return False
    DATABASE_UP.set(1)
    counts = {str(row["status"]): int(row["n"]) for row in offers}
    OFFERS.labels("sent").set(sum(counts.values()))
    for outcome in OFFER_OUTCOMES[1:]:
        OFFERS.labels(outcome).set(counts.get(outcome, 0))
    REQUESTS_WAITING.clear()
    for reason, n in waiting_by_reason(waiting).items():
        REQUESTS_WAITING.labels(reason).set(n)
    TIMER_LAG.set(seconds_since(now, due["due"] if due else None))
    MENTORSHIPS_ACTIVE.set(int(mentorships["n"]) if mentorships else 0)
    states = dict.fromkeys(OUTBOX_STATES, 0)
    if outbox is not None:
        due_now, retrying = int(outbox["due"]), int(outbox["retrying"])
        states.update(
            due=due_now,
            retrying=retrying,
            delivering=int(outbox["pending"]) - due_now - retrying,
            held=int(outbox["held"]),
        )
    for state, n in states.items():
        OUTBOX_PENDING.labels(state).set(n)
    OUTBOX_OLDEST_DUE.set(seconds_since(now, outbox["oldest_due"] if outbox else None))
    INBOX_PENDING.set(int(inbox["n"]) if inbox else 0)
    INBOX_OLDEST.set(seconds_since(now, inbox["oldest"] if inbox else None))
    return True


# --------------------------------------------------------------------------------------------------- logs


_SECRETS: Final = (
    re.compile(r"\bx(?:ox[abposr]|app)-[A-Za-z0-9-]+"),  # Slack tokens
    re.compile(r"\b[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}"),  # Discord bot tokens
    re.compile(r"(?<=://)([^:/@\s]*):\S*(?=@)"),  # user:password@ in URLs, up to the last "@" (as mask_url_password)
    re.compile(r"(?i)(password|secret|token)=[^&\s]+"),
)
_URL_SECRETS: Final = (
    # Discord: an interaction's token in its callback and follow-up addresses, a webhook's token in its own.
    re.compile(r"(?i)(/(?:interactions|webhooks)/\d+/)[^/\s'\"?#<>]+"),
    # Slack: a response_url (hooks.slack.com/commands/…, /actions/…) or an incoming webhook (/services/…).
    re.compile(r"(?i)(\bhttps?://hooks\.slack(?:-gov)?\.com/)[^\s'\",<>]+"),
)
_TOKEN_FIELD: Final = re.compile(
    r"""(?ix)
    ( (?P<q>['"]) (?:[a-z_]*_)? (?:token|secret|password) (?P=q) \s* : \s* )   # 'token': or "bot_token":
    (?P<v>['"]) (?:\\.|(?!(?P=v)).)* (?P=v)                                    # its quoted value
    """
)
"""A token in a dict or JSON text (``'token': '…'``, ``"access_token": "…"``): Discord's gateway payloads carry
each interaction's token, Slack's payloads their verification token."""


def redact(text: str) -> str:
    """`text` with tokens and passwords masked: Slack and Discord tokens, a URL's password, ``token=…``, the
    token in a Discord interaction or webhook address (``/interactions/<id>/********``), a Slack response_url or
    webhook (``https://hooks.slack.com/********``), and a quoted ``'token': '…'`` field."""
    text = _SECRETS[0].sub("********", text)
    text = _SECRETS[1].sub("********", text)
    text = _SECRETS[2].sub(r"\1:********", text)
    text = _SECRETS[3].sub(r"\1=********", text)
    for pattern in _URL_SECRETS:
        text = pattern.sub(r"\1********", text)
    return _TOKEN_FIELD.sub(r"\1\g<v>********\g<v>", text)


LIBRARY_LOGGERS: Final = ("discord", "slack_sdk", "slack_bolt", "aiohttp", "asyncpg", "aiosqlite", "urllib3")
"""The platform and network libraries whose DEBUG lines carry what the log must not: discord.py logs each
interaction's callback address (its token) and the gateway's payloads, slack_sdk every response_url it posts to
and the bodies it sends, Bolt (its logger ``slack_bolt.mentorbot``) each acknowledgement's body, a member's reply;
aiosqlite two lines per statement. Their DEBUG lines never reach this process's log (`LibraryDebugFilter`), whatever
``MENTORBOT_LOG_LEVEL`` says: it makes MentorBot's own lines DEBUG, the libraries stay at INFO
(`quiet_libraries`)."""


def is_library(name: str) -> bool:
    """Whether the logger `name` is one of `LIBRARY_LOGGERS` or under one (``discord.gateway``)."""
    return any(name == library or name.startswith(library + ".") for library in LIBRARY_LOGGERS)


def quiet_libraries(level: int) -> None:
    """Set each of `LIBRARY_LOGGERS` to `level`, but never below INFO: ``MENTORBOT_LOG_LEVEL=DEBUG`` does not make
    a library log its DEBUG lines (nor pay for formatting them)."""
    for library in LIBRARY_LOGGERS:
        logging.getLogger(library).setLevel(max(level, logging.INFO))


class LibraryDebugFilter(logging.Filter):
    """Drops the DEBUG lines of `LIBRARY_LOGGERS` at this process's handler, however their loggers were set (by
    `quiet_libraries`, or by anyone who set the root logger to DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """False for a library's record below INFO."""
        return record.levelno >= logging.INFO or not is_library(record.name)


RETRYING_LOGGERS: Final = frozenset({"asyncpg.pool"})
"""Loggers whose warnings with a traceback are a library's own retry loop during an outage (asyncpg's pool
restoring its minimum size while PostgreSQL is away, once a second or so): one line each is enough."""


def folded(record: logging.LogRecord) -> logging.LogRecord:
    """`record` as this process's log shows it: a `RETRYING_LOGGERS` warning with a traceback becomes one line, the
    error folded in (``…; retrying: ConnectionRefusedError: [Errno 111] …``), on a copy (another handler still
    gets the traceback); any other record as it is."""
    if record.name not in RETRYING_LOGGERS or record.levelno >= logging.ERROR or not record.exc_info:
        return record
    try:
        error = record.exc_info[1]
        line = record.getMessage() + (f": {type(error).__name__}: {error}" if error is not None else "")
    except Exception:  # a message or an error that cannot be rendered: shown as logged
        return record
    copy = logging.makeLogRecord(record.__dict__)
    copy.msg, copy.args, copy.exc_info, copy.exc_text = line, None, None, None
    return copy


class TextFormatter(logging.Formatter):
    """The plain-text line (``MENTORBOT_LOG_FORMAT=text``, the default), a retry loop's traceback folded
    (`folded`), secrets masked as in the JSON lines (`redact`: tokens, a URL's password, also in a traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as text, secrets masked."""
        return redact(super().format(folded(record)))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, event, the use-case's context, and the exception."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON, secrets masked."""
        record = folded(record)
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "event": redact(record.getMessage()),
        }
        entry.update(_CONTEXT.get())
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class ContextFilter(logging.Filter):
    """Adds the use-case's context to plain-text records (``%(context)s``) and masks secrets in them."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always True: it only decorates."""
        context = _CONTEXT.get()
        record.context = "".join(f" [{k}={v}]" for k, v in context.items() if k != "community")
        return True


def logging_handler(log_format: str) -> logging.Handler:
    """The stderr handler for ``MENTORBOT_LOG_FORMAT`` (``text`` or ``json``)."""
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s%(context)s"))
    handler.addFilter(LibraryDebugFilter())
    handler.addFilter(ContextFilter())
    return handler


# ------------------------------------------------------------------------------------------------- health


class Readiness:
    """Which platform adapters of this process are connected (adapters report it: `connected`)."""

    def __init__(self) -> None:
        self._platforms: dict[str, bool] = {}

    def expect(self, name: str) -> None:
        """`name` runs in this process: not ready until it says it is connected."""
        self._platforms.setdefault(name, False)

    def connected(self, name: str, up: bool = True) -> None:
        """The adapter `name` connected to its platform (or lost it)."""
        self._platforms[name] = up

    def platforms(self) -> dict[str, bool]:
        """Each platform of this process and whether it is connected."""
        return dict(self._platforms)


READINESS: Final = Readiness()
"""The process's readiness (one bot per process)."""

READY_TIMEOUT: Final = 2.0
"""Seconds the database has to answer a readiness probe."""


async def database_ready(bot: Served) -> bool:
    """Whether the database answers a trivial read within `READY_TIMEOUT`."""
    try:
        async with asyncio.timeout(READY_TIMEOUT), bot.store.db.read() as conn:
            await conn.fetch_one("SELECT 1 AS one")
    except Exception as exc:
        DATABASE_ERRORS.labels(getattr(exc, "kind", "timeout" if isinstance(exc, TimeoutError) else "failed")).inc()
        return False
    return True


def _said(bot: Served | None, name: str) -> list[str]:
    """What the bot's method `name` says, when it has one (`MentorBot.not_ready`: why it should get no traffic, a
    schema a newer release upgraded; `MentorBot.disagreements`: the settings other processes sharing the database
    run with otherwise, shown but no reason to be taken out of service)."""
    said = getattr(bot, name, None)
    return [str(line) for line in said()] if callable(said) else []


def add_ops_routes(app: web.Application, get_bot: Callable[[], Served | None], *, health: bool = True) -> None:
    """``/healthz`` (alive; unless `health` is False: the app has its own), ``/readyz`` (database and platforms)
    and ``/metrics`` on `app`. `get_bot` returns the bot, or None while the process is starting."""
    from aiohttp import web  # here, not at import: the console never serves HTTP (0.1 s of its start-up)

    async def healthz(_request: web.Request) -> web.StreamResponse:
        return web.json_response({"ok": True, "started": get_bot() is not None})

    async def readyz(_request: web.Request) -> web.StreamResponse:
        bot = get_bot()
        database = bot is not None and await database_ready(bot)
        platforms = READINESS.platforms()
        problems = _said(bot, "not_ready")
        ready = database and all(platforms.values()) and not problems
        body: dict[str, object] = {"ok": ready, "database": database, "platforms": platforms}
        if problems:
            body["problems"] = problems
        disagreements = _said(bot, "disagreements")
        if disagreements:
            body["disagreements"] = disagreements
        return web.json_response(body, status=200 if ready else 503)

    async def metrics_page(_request: web.Request) -> web.StreamResponse:
        bot = get_bot()
        if bot is not None:
            await refresh(bot)
        response = web.Response(body=generate_latest(REGISTRY))
        response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
        response.charset = "utf-8"
        return response

    if health:
        app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_page)


class MetricsPortError(Exception):
    """The ops server cannot listen on ``MENTORBOT_METRICS_HOST``:``MENTORBOT_METRICS_PORT`` (the port is taken,
    or the address is not this machine's): a setting to change, not a failure of an adapter."""

    def __init__(self, host: str, port: int, reason: str, *, passing: bool = False) -> None:
        super().__init__(f"cannot listen on {host}:{port}: {reason}")
        self.host = host
        self.port = port
        self.reason = reason
        self.passing = passing
        """Whether it may pass by itself (`settings.PASSING_LISTEN_ERRORS`): `mentorbot run` then exits 1."""


@asynccontextmanager
async def serve_ops(bot: Served, host: str, port: int | None) -> AsyncIterator[None]:
    """While inside, serve ``/healthz``, ``/readyz`` and ``/metrics`` on `host`:`port` (nothing when `port` is
    None: ``MENTORBOT_METRICS_PORT`` unset). `MetricsPortError` when it cannot listen there."""
    if port is None:
        yield
        return
    import os

    from aiohttp import web

    app = web.Application()
    add_ops_routes(app, lambda: bot)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    try:
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as exc:
            reason = os.strerror(exc.errno) if isinstance(exc.errno, int) and exc.errno > 0 else str(exc)
            passing = exc.errno in PASSING_LISTEN_ERRORS
            raise MetricsPortError(host, port, reason or type(exc).__name__, passing=passing) from None
        log.info("metrics and health on http://%s:%s/metrics", host, port)
        yield
    finally:
        await runner.cleanup()
