"""gunicorn settings for Slack HTTP mode with several worker processes over PostgreSQL (docs/deploy.md)::

    PROMETHEUS_MULTIPROC_DIR=/run/mentorbot/metrics MENTORBOT_SLACK__MODE=http \\
    MENTORBOT_DATABASE_URL=postgresql://… gunicorn -c deploy/gunicorn.conf.py 'mentorbot_slack.server:create_app'

Every worker serves ``/metrics`` on the one port, and a scrape reaches any of them. With ``PROMETHEUS_MULTIPROC_DIR``
(a folder of its own, writable by the service's user) each worker writes its metrics there and whichever worker
answers a scrape serves them all: counters summed over the workers, the database's figures the newest. The folder
is emptied when gunicorn starts (a previous run's counters would be added in), and a worker that exits has its
gauges dropped (prometheus-client's ``mark_process_dead``); its counts stay in the sums.
"""

from __future__ import annotations

import glob
import os
from typing import Any

worker_class = "aiohttp.GunicornWebWorker"
bind = "127.0.0.1:3000"  # --bind on the command line overrides it
workers = 4
graceful_timeout = 30  # above MENTORBOT_SHUTDOWN_GRACE_SECONDS (20 by default): the events in flight finish


def _metrics_folder() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def on_starting(server: Any) -> None:
    """Before the workers start: an empty metrics folder (made if missing)."""
    folder = _metrics_folder()
    if folder is None:
        return
    os.makedirs(folder, exist_ok=True)
    for leftover in glob.glob(os.path.join(folder, "*.db")):
        os.remove(leftover)


def child_exit(server: Any, worker: Any) -> None:
    """A worker exited: its gauges go (another worker's scrape sets them anew); its counters stay in the sums."""
    if _metrics_folder() is None:
        return
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
