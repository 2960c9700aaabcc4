"""An app factory for HTTP mode with several worker processes (gunicorn with aiohttp workers).

::

    MENTORBOT_SLACK__MODE=http MENTORBOT_DATABASE_URL=postgresql://… \\
    gunicorn 'mentorbot_slack.server:create_app' --worker-class aiohttp.GunicornWebWorker \\
        --bind 0.0.0.0:3000 --workers 4

Each worker opens its own store connection pool, serves ``/slack/events`` and ``/healthz``, and runs the
timer loop: timers are claimed with a lease in the database, so each runs once whichever worker gets it,
and a redelivered Slack event is recognised in any worker (``processed_events``). Use PostgreSQL for
several workers; SQLite serialises writers and suits one process.

``/metrics`` is served by whichever worker a scrape reaches: set ``PROMETHEUS_MULTIPROC_DIR`` and start gunicorn
with ``-c deploy/gunicorn.conf.py`` (it empties the folder at start and drops an exited worker's gauges), and each
worker serves every worker's metrics (`mentorbot.metrics`); without it, each serves only its own counters.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from mentorbot.app import configure_logging, open_bot
from mentorbot.settings import Settings, SettingsError, load_settings
from mentorbot_slack.adapter import SlackAdapter, build_web_app
from mentorbot_slack.plugin import check_settings
from mentorbot_slack.runner import check_token

log = logging.getLogger("mentorbot.slack")

WORKER_BOOT_ERROR = 3
"""The exit code gunicorn reads as a worker that cannot boot (its arbiter then stops, not restarting it forever)."""


async def create_app(settings: Settings | None = None, *, timers: bool = True) -> web.Application:
    """The HTTP-mode application of one worker: the store opens on startup and closes on shutdown. A bot token
    Slack refuses (`check_token`) ends the worker's start with one line in the log and `WORKER_BOOT_ERROR`."""
    the_settings = settings or load_settings()
    if settings is None:
        configure_logging(the_settings)
    check_settings(the_settings.slack.model_copy(update={"mode": "http"}))
    holder: list[SlackAdapter] = []

    async def lifespan(_app: web.Application) -> AsyncIterator[None]:
        async with open_bot(the_settings, peers=True) as bot:
            adapter = SlackAdapter(bot, the_settings)
            try:
                try:
                    await check_token(adapter.client, the_settings)
                except SettingsError as refused:
                    log.error("%s", refused)
                    # gunicorn's "worker failed to boot": the arbiter stops instead of starting workers forever.
                    raise SystemExit(WORKER_BOOT_ERROR) from None
                async with adapter.running(timers=timers):
                    holder.append(adapter)
                    try:
                        yield
                    finally:
                        holder.clear()
            finally:
                await adapter.aclose()

    app = build_web_app(lambda: holder[0] if holder else None)
    app.cleanup_ctx.append(lifespan)
    return app
