"""Slack end to end: the real Slack app in HTTP mode on loopback, against a bare slack_bolt app (the floor).

Both apps are served by Bolt's aiohttp adapter on 127.0.0.1 with the same settings
(``process_before_response=True``, as MentorBot runs). A separate load process (``benchmarks.slack_load``)
posts signed ``/courses`` and ``/mentor status`` requests exactly as Slack does (tests/fakes/slack_signing.py),
each with its own ``trigger_id`` (a shared one would make every request after the first a redelivery, which the
core rightly ignores): first one at a time (single-request latency), then over 50 connections, bounded in count
and time. The fake Slack Web API (tests/fakes/slack_web_api.py) answers users.info and receives the answers
posted to each ``response_url``. The floor's handler only acks. The notes count the acknowledgements that carried
an answer (with `SlackAdapter.answer_budget` above 0) and say when all the work the acknowledgements left running
was done.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.engines import Workspace, bench_store
from benchmarks.report import Row, median, percentile, skipped

CONNECTIONS = 50
ROOT = Path(__file__).resolve().parent.parent
MAX_SECONDS = 60
LABEL = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
SINGLE = 200
USERS = 200


def _adapter_missing() -> str | None:
    try:
        import tests.fakes.slack_web_api  # noqa: F401

        import mentorbot_slack.adapter  # noqa: F401
    except ImportError as exc:
        return f"adapter not present ({exc.name})"
    return None


def _load(url: str, secret: str, bodies: list[str], single: int) -> dict[str, Any]:
    """Run the load process: `single` bodies one at a time, the next `single` one at a time again (the same
    members, now known), then the rest over `CONNECTIONS` connections."""
    root = Path(__file__).resolve().parent.parent
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as fh:
        json.dump(
            {
                "url": url,
                "secret": secret,
                "bodies": bodies,
                "connections": CONNECTIONS,
                "single": single,
                "again": single,
                "max_seconds": MAX_SECONDS,
            },
            fh,
        )
        plan = fh.name
    try:
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.slack_load", plan],
            capture_output=True,
            text=True,
            cwd=root,
            timeout=MAX_SECONDS * 3,
            check=False,
        )
    finally:
        Path(plan).unlink(missing_ok=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "load process failed")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


async def bench_slack(requests: int, engine: str = "sqlite", workspace: Workspace | None = None) -> list[Row]:
    """The Slack rows on `engine` (the core's store: a SQLite file, or a fresh PostgreSQL schema)."""
    label = LABEL[engine]
    missing = _adapter_missing()
    if missing:
        return [skipped("Slack", f"Slack end to end ({label})", missing)]
    from slack_bolt.async_app import AsyncAck, AsyncApp
    from tests.fakes.slack_ids import BOT_TOKEN, SIGNING_SECRET
    from tests.fakes.slack_signing import slash_command
    from tests.fakes.slack_web_api import FakeSlack, start_loopback_site

    from benchmarks.generate import NOW
    from mentorbot.bot import MentorBot
    from mentorbot.clock import ManualClock
    from mentorbot.library import Library
    from mentorbot.settings import Settings
    from mentorbot_slack.adapter import SlackAdapter

    own = workspace is None
    space = workspace or Workspace()
    try:
        async with bench_store(engine, space, "slack") as bench:
            store = bench.store
            fake = FakeSlack()
            await fake.start()
            runners = []
            adapter: SlackAdapter | None = None
            try:
                users = [f"U{i:08d}" for i in range(USERS)]
                for i, user in enumerate(users):
                    fake.add_user(user, name=f"user{i}", real_name=f"User {i}", tz="Africa/Nairobi")
                overrides: dict[str, Any] = {
                    "rate_limit_per_minute": 1_000_000,
                    "slack": {
                        "bot_token": BOT_TOKEN,
                        "signing_secret": SIGNING_SECRET,
                        "mode": "http",
                        "api_url": fake.api_url,
                    },
                }
                settings = Settings(_env_file=None, **overrides)  # type: ignore[call-arg]
                library = Library(settings.skills_file, settings.courses_file)
                bot = MentorBot(store, library, settings, ManualClock(NOW))
                adapter = SlackAdapter(bot, settings)
                runner, base = await start_loopback_site(adapter.web_app())
                runners.append(runner)

                bare = AsyncApp(signing_secret=SIGNING_SECRET, client=fake.web_client(), process_before_response=True)

                async def only_ack(ack: AsyncAck) -> None:
                    await ack()

                bare.command("/courses")(only_ack)
                bare.command("/mentor")(only_ack)
                floor_runner, floor_base = await start_loopback_site(bare.web_app(path="/slack/events"))
                runners.append(floor_runner)

                def body(i: int) -> str:
                    user = users[i % len(users)]
                    command, text = ("/courses", "crisis communications, seo") if i % 2 else ("/mentor", "status")
                    payload = slash_command(
                        command=command,
                        text=text,
                        user_id=user,
                        response_url=fake.new_response_url(user),
                        trigger_id=fake.new_trigger_id(user),  # its own, as Slack gives: not a redelivery
                    )
                    return payload.body

                single = min(SINGLE, requests // 4)

                def bodies() -> list[str]:
                    """First contacts one at a time, the same members again, then the load."""
                    order = [*range(single), *range(single), *range(single, requests)]
                    return [body(i) for i in order]

                loop = asyncio.get_running_loop()
                floor = await loop.run_in_executor(
                    None, _load, floor_base + "/slack/events", SIGNING_SECRET, bodies(), single
                )
                started = time.perf_counter()
                real = await loop.run_in_executor(None, _load, base + "/slack/events", SIGNING_SECRET, bodies(), single)
                await asyncio.wait_for(adapter.idle(), timeout=MAX_SECONDS)
                settled = time.perf_counter() - started
                posted = len(fake.response_posts)
            finally:
                if adapter is not None:
                    await adapter.aclose()
                for runner in runners:
                    await runner.cleanup()
                await fake.close()
    finally:
        if own:
            space.close()
    rate = real["done"] / real["elapsed"] if real["elapsed"] else 0.0
    floor_rate = floor["done"] / floor["elapsed"] if floor["elapsed"] else 0.0
    p50, floor_p50 = median(real["single"]) * 1000, median(floor["single"]) * 1000
    p99, floor_p99 = percentile(real["single"], 99) * 1000, percentile(floor["single"], 99) * 1000
    again_p50, floor_again_p50 = median(real["again"]) * 1000, median(floor["again"]) * 1000
    load_p50, floor_load_p50 = median(real["latencies"]) * 1000, median(floor["latencies"]) * 1000
    load_p99, floor_load_p99 = percentile(real["latencies"], 99) * 1000, percentile(floor["latencies"], 99) * 1000
    return [
        Row(
            "Slack",
            f"Slack HTTP, requests per second ({CONNECTIONS} connections) ({label})",
            rate,
            "/s",
            floor_rate,
            "bare bolt app, ack only",
            "≥ 50% of floor",
            rate >= 0.5 * floor_rate,
            better="higher",
            note=f"{real['done']} acked ({real['answered']} with the answer in the acknowledgement), "
            f"{real['errors']} errors; all work done {settled:.1f} s after the load started "
            f"({posted} replies through a response_url); floor {floor['done']} acked; acknowledgement under load "
            f"p50 {load_p50:.2f} ms, p99 {load_p99:.2f} ms (floor {floor_load_p50:.2f} / {floor_load_p99:.2f} ms)",
        ),
        Row(
            "Slack",
            f"Slack HTTP, single-request latency p50 ({label})",
            p50,
            "ms",
            floor_p50,
            "bare bolt app p50",
            "≤ 2 ms",
            p50 <= 2.0,
            note=f"{len(real['single'])} requests one at a time, each by a member not seen before (so with a "
            f"users.info call); {real['single_answered']} answered in the acknowledgement",
        ),
        Row(
            "Slack",
            f"Slack HTTP, single-request latency p99 ({label})",
            p99,
            "ms",
            floor_p99,
            "bare bolt app p99",
        ),
        Row(
            "Slack",
            f"Slack HTTP, single-request latency p50, members seen before ({label})",
            again_p50,
            "ms",
            floor_again_p50,
            "bare bolt app p50",
            note=f"the same {len(real['again'])} members again, one at a time (users.info cached); "
            f"{real['again_answered']} answered in the acknowledgement",
        ),
    ]


_RUN = """
import atexit, sys
def _report():
    found = [m for m in ("discord",) if m in sys.modules]
    sys.stderr.write("BENCH-MODULES " + ",".join(found) + "\\n")
atexit.register(_report)
sys.argv = ["mentorbot", "run"]
from mentorbot.cli import main
main()
"""


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _time_to_healthz(fake_api_url: str, folder: Path, limit: float = 30.0) -> float:
    """Seconds from spawning ``mentorbot run`` (Slack, HTTP mode, on the fake) until /healthz answers 200."""
    import os

    import aiohttp
    from tests.fakes.slack_ids import BOT_TOKEN, SIGNING_SECRET

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENTORBOT_")}
    root = ROOT
    env.update(
        PYTHONPATH=str(root),
        MENTORBOT_DATABASE_URL=f"sqlite:///{folder / f'run-{port}.sqlite3'}",
        MENTORBOT_SLACK__BOT_TOKEN=BOT_TOKEN,
        MENTORBOT_SLACK__SIGNING_SECRET=SIGNING_SECRET,
        MENTORBOT_SLACK__MODE="http",
        MENTORBOT_SLACK__HOST="127.0.0.1",
        MENTORBOT_SLACK__PORT=str(port),
        MENTORBOT_SLACK__API_URL=fake_api_url,
    )
    start = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _RUN,
        cwd=folder,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with aiohttp.ClientSession() as session:
            while time.perf_counter() - start < limit:
                if proc.returncode is not None:
                    raise RuntimeError(f"mentorbot run exited with status {proc.returncode}")
                try:
                    async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                        if response.status == 200:
                            return time.perf_counter() - start
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.005)
        raise RuntimeError("the Slack HTTP server did not answer /healthz in time")
    finally:
        if proc.returncode is None:
            proc.terminate()
            await proc.wait()


async def bench_slack_ready(repeats: int = 3) -> list[Row]:
    """Time to a ready Slack HTTP server, from process start (floor: the bare interpreter)."""
    missing = _adapter_missing()
    if missing:
        return [skipped("Start-up", "Slack HTTP server ready", missing)]
    from tests.fakes.slack_web_api import FakeSlack

    floor = []
    for _ in range(repeats):
        start = time.perf_counter()
        bare = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
        await bare.wait()
        floor.append(time.perf_counter() - start)
    with tempfile.TemporaryDirectory(prefix="mentorbot-bench-slack-run-") as tmp:
        fake = FakeSlack()
        await fake.start()
        try:
            times = [await _time_to_healthz(fake.api_url, Path(tmp)) for _ in range(repeats)]
        except RuntimeError as exc:
            return [skipped("Start-up", "Slack HTTP server ready", str(exc))]
        finally:
            await fake.close()
    return [
        Row(
            "Start-up",
            "Slack HTTP server ready (/healthz answers)",
            median(times),
            "s",
            median(floor),
            "bare python",
            note="`mentorbot run` in HTTP mode against the fake Slack, from process start",
        )
    ]
