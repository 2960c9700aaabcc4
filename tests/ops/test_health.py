"""``/healthz``, ``/readyz`` and ``/metrics`` of the ops server (``MENTORBOT_METRICS_PORT``), in process:
readiness fails while the database is unreachable and while a platform is not connected; the metrics parse."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from mentorbot.app import open_bot
from mentorbot.logcontext import log_context
from mentorbot.observability import READINESS, JsonFormatter, logging_handler, redact, serve_ops
from mentorbot.settings import load_settings
from mentorbot.usecases.context import Caller
from tests.slack.test_runner import free_port


async def test_readiness_follows_the_database_and_the_platforms(tmp_path: Path) -> None:
    saved = READINESS.platforms()
    READINESS._platforms.clear()  # adapters run in-process by other tests leave their state in the process's one
    settings = load_settings(env_file=None, database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with open_bot(settings) as bot, serve_ops(bot, "127.0.0.1", port), aiohttp.ClientSession() as http:
        await bot.request(Caller("console", "U1", "One"), skills="seo")
        async with http.get(base + "/readyz") as response:
            assert response.status == 200
        READINESS.expect("discord-test")
        try:
            async with http.get(base + "/readyz") as response:
                assert response.status == 503 and (await response.json())["platforms"]["discord-test"] is False
            READINESS.connected("discord-test")
            async with http.get(base + "/readyz") as response:
                assert response.status == 200
            async with http.get(base + "/metrics") as response:
                families = {f.name: f for f in text_string_to_metric_families(await response.text())}
            assert families["mentorbot_commands"].type == "counter"
            samples = families["mentorbot_commands"].samples
            assert any(s.labels == {"command": "request", "outcome": "ok"} for s in samples)
            waiting = {s.labels["reason"]: s.value for s in families["mentorbot_requests_waiting"].samples}
            assert sum(waiting.values()) >= 1
            await bot.store.close()  # the database goes away
            async with http.get(base + "/readyz") as response:
                body = await response.json()
                assert response.status == 503 and body["database"] is False
            async with http.get(base + "/healthz") as response:
                assert response.status == 200  # alive all the same
            async with http.get(base + "/metrics") as response:
                text = await response.text()
            assert "mentorbot_database_up 0.0" in text
        finally:
            READINESS._platforms.clear()
            READINESS._platforms.update(saved)


def test_json_logs_carry_the_context_and_mask_secrets() -> None:
    record = logging.LogRecord(
        "mentorbot.x", logging.INFO, __file__, 1, "token %s url %s", ("xoxb-123-abc", "postgresql://bob:pw@db/x"), None
    )
    with log_context(community="slack:T1", command="request", correlation_id="abc123"):
        line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["level"] == "INFO" and entry["logger"] == "mentorbot.x"
    assert entry["community"] == "slack:T1" and entry["command"] == "request" and entry["correlation_id"] == "abc123"
    assert "xoxb-123" not in line and ":pw@" not in line
    assert redact("MENTORBOT_X password=hunter2&a=1") == "MENTORBOT_X password=********&a=1"


def test_text_logs_mask_secrets_too() -> None:
    """Before: only the JSON lines were masked, and `text` is the default format: a Slack token or a database
    password in a message, or in a traceback, was written as it was."""
    stream = io.StringIO()
    handler = logging_handler("text")
    handler.setStream(stream)  # type: ignore[attr-defined]
    logger = logging.getLogger("mentorbot.secret-test")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("token %s url %s", "xoxb-123-abc", "postgresql://bob:hunter2@db/x")
        try:
            raise RuntimeError("cannot connect to postgresql://bob:hunter2@db/x")
        except RuntimeError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    shown = stream.getvalue()
    assert "xoxb-123" not in shown and "hunter2" not in shown, shown
    assert "Traceback" in shown and "********" in shown


def test_the_waiting_gauge_has_one_series_per_kind_of_reason() -> None:
    """Before: its label was the stored reason, with the skills and a cooldown's date: a new series for every
    cooldown, without bound."""
    from mentorbot.observability import waiting_by_reason

    cooldown = '{"key": "wait.all_cooldown", "skills": ["seo"], "until": "2026-12-0%dT09:00:00+00:00"}'
    rows = [{"reason": cooldown % day, "n": 1} for day in range(1, 8)]
    rows += [{"reason": '{"key": "wait.all_busy", "skills": ["seo", "copywriting"]}', "n": 2}]
    rows += [{"reason": "none", "n": 3}]
    assert waiting_by_reason(rows) == {"all_cooldown": 7, "all_busy": 2, "none": 3}


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_a_retry_loops_warning_during_an_outage_is_one_line_without_a_traceback(log_format: str) -> None:
    """asyncpg's pool logs a warning with a traceback each time it fails to restore its minimum size while
    PostgreSQL is away: the log keeps its one line, the error folded in. Other warnings keep their tracebacks."""
    stream = io.StringIO()
    handler = logging_handler(log_format)
    handler.setStream(stream)  # type: ignore[attr-defined]
    pool, ours = logging.getLogger("asyncpg.pool"), logging.getLogger("mentorbot.test")
    kept: list[logging.LogRecord] = []
    other = logging.Handler()
    other.emit = kept.append  # type: ignore[method-assign]
    for logger in (pool, ours):
        logger.addHandler(handler)
        logger.addHandler(other)
        logger.propagate = False
    try:
        try:
            raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")
        except ConnectionRefusedError:
            pool.warning("Failed to restore the pool connection floor; retrying", exc_info=True)
        shown = stream.getvalue()
        assert shown.count("\n") == 1 and "Traceback" not in shown, shown
        assert "retrying: ConnectionRefusedError: [Errno 111] Connect call failed" in shown
        assert kept[-1].exc_info is not None, "another handler still gets the traceback"
        try:
            raise RuntimeError("a bug")
        except RuntimeError:
            ours.warning("something else", exc_info=True)
        assert "Traceback" in stream.getvalue(), "other warnings keep their traceback"
    finally:
        for logger in (pool, ours):
            logger.removeHandler(handler)
            logger.removeHandler(other)
            logger.propagate = True
