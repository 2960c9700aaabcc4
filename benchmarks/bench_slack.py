"""Slack end to end: the real Slack app in HTTP mode on loopback, against a bare slack_bolt app (the floor).

Both apps are served by Bolt's aiohttp adapter on 127.0.0.1 with the same settings
(``process_before_response=True``, as MentorBot runs). A separate load process (``benchmarks.slack_load``)
posts signed ``/courses`` and ``/mentor status`` requests exactly as Slack does (tests/fakes/slack_signing.py),
each with its own ``trigger_id`` (a shared one would make every request after the first a redelivery, which the
core rightly ignores): first one at a time (single-request latency), then over 50 connections, bounded in count
and time. The fake Slack Web API (tests/fakes/slack_web_api.py) answers users.info and receives the answers
posted to each ``response_url``. The floor's handler only acks. The notes count the acknowledgements that carried
an answer (with `SlackAdapter.answer_budget` above 0) and say when all the work the acknowledgements left running
was done. Profile rows take the single-request acknowledgement's gap to the floor apart: the inbox record, each
server's handling in this process (`handling_timer`), and a last load of first contacts one at a time whose work
is held back (`HOLD`).
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
GAP = 0.02
"""Seconds between two requests sent one at a time: the previous one's work is done, so the latency is that of a
request alone (sent back to back, each acknowledgement would also wait for the steps of the previous command's
work already scheduled on the same event loop)."""
USERS = 200
HOLD = 0.005
"""Seconds the command's work is held back after the acknowledgement in the measurement of what that work costs
the acknowledgement end to end (`bench_slack`'s ``held`` load: a measurement only, not how MentorBot runs)."""


def handling_timer(times: list[float]) -> Any:
    """An aiohttp middleware appending to `times` the seconds from a request's handler being called to its
    response returned: the serving process's own share of an acknowledgement (what Slack waits for, less the
    network and the time the client takes to read the answer)."""
    from aiohttp import web

    @web.middleware
    async def timed(request: web.Request, handler: Any) -> web.StreamResponse:
        start = time.perf_counter()
        try:
            response: web.StreamResponse = await handler(request)
            return response
        finally:
            times.append(time.perf_counter() - start)

    return timed


def _adapter_missing() -> str | None:
    try:
        import tests.fakes.slack_web_api  # noqa: F401

        import mentorbot_slack.adapter  # noqa: F401
    except ImportError as exc:
        return f"adapter not present ({exc.name})"
    return None


def _load(url: str, secret: str, bodies: list[str], single: int, pair: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run the load process: `single` bodies one at a time, the next `single` one at a time again (the same
    members, now known), then the rest over `CONNECTIONS` connections. `pair` (the floor's URL and its bodies per
    one-at-a-time phase): those phases alternate request by request with the floor's server (``single_pair``,
    ``again_pair``: the floor's latencies measured side by side)."""
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
                "gap": GAP,
                "pair": pair,
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


def _answer_times(run: dict[str, Any], phase: str, hooks: list[str], posts: dict[str, float]) -> list[float]:
    """Seconds from sending each request of `phase` to the member having its answer: the acknowledgement when it
    carried the answer, else the first post to its response_url (requests never answered are left out)."""
    out = []
    if phase == "load":
        sent = run["load"]
    else:
        sent = list(zip(run[f"{phase}_starts"], run[phase], run[f"{phase}_in_ack"], strict=True))
    for hook, item in zip(hooks, sent, strict=False):
        if item is None:
            continue
        start, latency, in_ack = item
        if in_ack:
            out.append(latency)
        elif hook in posts:
            out.append(posts[hook] - start)
    return out


async def bench_slack(requests: int, engine: str = "sqlite", workspace: Workspace | None = None) -> list[Row]:
    """The Slack rows on `engine` (the core's store: a SQLite file, or a fresh PostgreSQL schema).

    Three loads of the same shape: the floor (a bare Bolt app that only acks), MentorBot acknowledging every
    command at once (``MENTORBOT_SLACK__ANSWER_IN_ACK_SECONDS=0``: the acknowledgement path alone, issue 12's
    figures) and MentorBot as configured by default (the answer in the acknowledgement when it is ready within
    the budget); then a fourth, one at a time only, acknowledged at once with each command's work held back
    `HOLD` seconds (a measurement only). Each MentorBot load is by members it has not seen before."""
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
    runs: dict[str, dict[str, Any]] = {}
    answers: dict[str, dict[str, list[float]]] = {}
    settled: dict[str, float] = {}
    cpu: dict[str, float] = {}
    """Seconds of this (the serving) process's CPU per request sent, by load (until its work was done)."""
    recorded: list[float] = []
    records: dict[str, list[float]] = {}
    """Seconds each inbox record took, by load, in the order of the requests (one at a time first)."""
    handled: dict[str, list[float]] = {"ours": [], "floor": []}
    handling: dict[str, dict[str, list[float]]] = {}
    """Seconds each request's handling took in this process, by load, for MentorBot's server and the floor's."""
    try:
        async with bench_store(engine, space, "slack") as bench:
            store = bench.store
            fake = FakeSlack()
            await fake.start()
            runners = []
            adapter: SlackAdapter | None = None
            try:
                users = [f"U{i:08d}" for i in range(USERS * 3)]
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
                # The inbox record inside each acknowledgement, timed in this process (the p50's profile).
                record_event = bot.record_event

                async def timed_record(*args: Any) -> int | None:
                    start = time.perf_counter()
                    try:
                        return await record_event(*args)
                    finally:
                        recorded.append(time.perf_counter() - start)

                bot.record_event = timed_record  # type: ignore[method-assign,assignment]
                adapter = SlackAdapter(bot, settings)
                default_budget = adapter.answer_budget
                ours_app = adapter.web_app()
                ours_app.middlewares.append(handling_timer(handled["ours"]))
                runner, base = await start_loopback_site(ours_app)
                runners.append(runner)

                bare = AsyncApp(signing_secret=SIGNING_SECRET, client=fake.web_client(), process_before_response=True)

                async def only_ack(ack: AsyncAck) -> None:
                    await ack()

                bare.command("/courses")(only_ack)
                bare.command("/mentor")(only_ack)
                floor_app = bare.web_app(path="/slack/events")
                floor_app.middlewares.append(handling_timer(handled["floor"]))
                floor_runner, floor_base = await start_loopback_site(floor_app)
                runners.append(floor_runner)

                single = min(SINGLE, requests // 4)

                def bodies(first_user: int) -> tuple[list[str], list[str]]:
                    """First contacts one at a time, the same members again, then the load; with the hook id of
                    each body's response_url."""
                    order = [*range(single), *range(single), *range(single, requests)]
                    out, hooks = [], []
                    for i in order:
                        user = users[first_user + i % USERS]
                        command, text = ("/courses", "crisis communications, seo") if i % 2 else ("/mentor", "status")
                        response_url = fake.new_response_url(user)
                        payload = slash_command(
                            command=command,
                            text=text,
                            user_id=user,
                            response_url=response_url,
                            trigger_id=fake.new_trigger_id(user),  # its own, as Slack gives: not a redelivery
                        )
                        out.append(payload.body)
                        hooks.append(response_url.rsplit("/", 1)[-1])
                    return out, hooks

                loop = asyncio.get_running_loop()
                floor_bodies, _ = bodies(0)
                cpu_start = time.process_time()
                runs["floor"] = await loop.run_in_executor(
                    None, _load, floor_base + "/slack/events", SIGNING_SECRET, floor_bodies, single
                )
                cpu["floor"] = (time.process_time() - cpu_start) / _sent(runs["floor"])
                start_work = adapter._start

                def held(work: Any, apology: Any = None, slot: Any = None) -> None:
                    async def later() -> None:
                        await asyncio.sleep(HOLD)
                        await work

                    start_work(later(), apology, slot)

                # "held": the first contacts one at a time again (new members), acknowledged at once with the
                # command's work held back `HOLD` seconds: what that work, started once the response is written,
                # costs the acknowledgement end to end on this machine. A measurement only.
                modes = (("at_once", 0.0, 0), ("default", default_budget, USERS), ("held", 0.0, 2 * USERS))
                for mode, budget, first_user in modes:
                    adapter.answer_budget = budget
                    adapter._start = held if mode == "held" else start_work  # type: ignore[method-assign]
                    mode_bodies, hooks = bodies(first_user)
                    if mode == "held":
                        mode_bodies = mode_bodies[:single]  # one at a time only: no members seen before, no load
                    pair = None
                    if mode in ("at_once", "held"):  # its one-at-a-time requests alternate with the floor's
                        # The floor's own bodies again: a bare Bolt app keeps nothing of a request, and each body
                        # is signed when it is sent.
                        pair = {
                            "url": floor_base + "/slack/events",
                            "bodies": {"single": floor_bodies[:single], "again": floor_bodies[single : 2 * single]},
                        }
                    recorded.clear()
                    for times in handled.values():
                        times.clear()
                    started, cpu_start = time.perf_counter(), time.process_time()
                    run = await loop.run_in_executor(
                        None, _load, base + "/slack/events", SIGNING_SECRET, mode_bodies, single, pair
                    )
                    await asyncio.wait_for(adapter.idle(), timeout=MAX_SECONDS)
                    settled[mode] = time.perf_counter() - started
                    # Less the floor's share: the requests paired with it are served by this process too.
                    paired = len(run.get("single_pair", [])) + len(run.get("again_pair", []))
                    cpu[mode] = (time.process_time() - cpu_start - paired * cpu["floor"]) / _sent(run)
                    posts: dict[str, float] = {}
                    for post in fake.response_posts:
                        posts.setdefault(post.hook_id, post.time)
                    runs[mode] = run
                    records[mode] = list(recorded)
                    handling[mode] = {server: list(times) for server, times in handled.items()}
                    answers[mode] = {
                        "single": _answer_times(run, "single", hooks[:single], posts),
                        "load": _answer_times(run, "load", hooks[2 * single :], posts),
                    }
            finally:
                if adapter is not None:
                    await adapter.aclose()
                for runner in runners:
                    await runner.cleanup()
                await fake.close()
    finally:
        if own:
            space.close()
    return _rows(label, runs, answers, settled, default_budget, cpu, records, handling)


def _sent(run: dict[str, Any]) -> int:
    """Requests a load sent to its own server: one at a time (twice), then under load (answered or failed)."""
    return max(1, len(run.get("single", [])) + len(run.get("again", [])) + int(run["done"]) + int(run["errors"]))


def _rate(run: dict[str, Any]) -> float:
    return run["done"] / run["elapsed"] if run["elapsed"] else 0.0


def _ms(values: list[float], pct: float | None = None) -> float:
    return (median(values) if pct is None else percentile(values, pct)) * 1000


def _rows(
    label: str,
    runs: dict[str, dict[str, Any]],
    answers: dict[str, dict[str, list[float]]],
    settled: dict[str, float],
    budget: float,
    cpu: dict[str, float],
    records: dict[str, list[float]],
    handling: dict[str, dict[str, list[float]]],
) -> list[Row]:
    """The rows of one engine's loads: the floor's, MentorBot's three (acknowledged at once, by default, and at
    once with the work held back) and the profile rows of the single-request acknowledgement."""
    floor, now, default, held = runs["floor"], runs["at_once"], runs["default"], runs["held"]
    rate, floor_rate, default_rate = _rate(now), _rate(floor), _rate(default)
    # The one-at-a-time figures against the floor's requests sent alternately with them (`_load`'s pair).
    p50, floor_p50 = _ms(now["single"]), _ms(now["single_pair"])
    load_answers = answers["default"]["load"]
    ack_p99_default = _ms(default["latencies"], 99)
    return [
        Row(
            "Slack",
            f"Slack HTTP, requests per second ({CONNECTIONS} connections), acknowledged at once ({label})",
            rate,
            "/s",
            floor_rate,
            "bare bolt app, ack only",
            "≥ 0.8× floor",
            rate >= 0.8 * floor_rate,
            better="higher",
            note=f"{now['done']} acked ({now['answered']} of them refused as busy: MENTORBOT_MAX_INFLIGHT), "
            f"{now['errors']} errors; all work done {settled['at_once']:.1f} s after the load started; "
            f"acknowledgement under load p50 {_ms(now['latencies']):.2f} ms, p99 {_ms(now['latencies'], 99):.2f} ms "
            f"(floor {_ms(floor['latencies']):.2f} / {_ms(floor['latencies'], 99):.2f} ms); issue 12 asks ≥ 0.5×",
        ),
        Row(
            "Slack",
            f"Slack HTTP, single-request acknowledgement p50, acknowledged at once ({label})",
            p50,
            "ms",
            floor_p50,
            "bare bolt app p50",
            "≤ 2 ms",
            p50 <= 2.0,
            note=f"{len(now['single'])} requests one at a time ({GAP * 1000:.0f} ms apart), each by a member not seen "
            f"before (so with a users.info call); recorded in the inbox before the acknowledgement; alternating "
            f"request by request with the floor's (its p50 measured on its own before: {_ms(floor['single']):.3f} ms)",
        ),
        Row(
            "Slack",
            f"Slack HTTP, the inbox record inside a single-request acknowledgement, p50 ({label})",
            _ms(records["at_once"][: len(now["single"])]),
            "ms",
            p50 - floor_p50,
            "the acknowledgement's p50 less the floor's",
            note="`MentorBot.record_event` timed in the serving process for the same one-at-a-time requests: the "
            "part of the gap to the bare Bolt app spent recording the command (one statement: a round trip on "
            "PostgreSQL); the rest is the adapter's own work and, end to end, the extra wake-ups it costs",
        ),
        Row(
            "Slack",
            f"Slack HTTP, the serving process's handling of a single-request acknowledgement, p50 ({label})",
            _ms(handling["at_once"]["ours"][: len(now["single"])]),
            "ms",
            _ms(handling["at_once"]["floor"][: len(now["single_pair"])]),
            "the bare bolt app's handling p50",
            note="from the request's handler being called to its response returned, in the serving process (an "
            "aiohttp middleware on both apps), for the same one-at-a-time requests and the floor's paired with "
            "them: the handler's part of what Slack waits for (aiohttp's parsing before it and the response's "
            "write after it, the same code for both apps, are not in it). The rest of the end-to-end gap is "
            "outside the handler: the processes' wake-ups, and the work begun after the response (next row)",
        ),
        Row(
            "Slack",
            f"Slack HTTP, single-request acknowledgement p50, the command's work held back {HOLD * 1000:.0f} ms "
            f"(a measurement only) ({label})",
            _ms(held["single"]),
            "ms",
            _ms(held["single_pair"]),
            "bare bolt app p50",
            note=f"{len(held['single'])} more first contacts one at a time, acknowledged at once, each command's work "
            f"started {HOLD * 1000:.0f} ms after its acknowledgement instead of at once (MentorBot never runs so; the "
            "task is still created, and the work then ends nearer the next request, the floor's paired one or ours). "
            f"Gap to the bare app: {_ms(held['single']) - _ms(held['single_pair']):.3f} ms, against "
            f"{p50 - floor_p50:.3f} ms with the work started at once: the difference is what that work, begun once "
            "the response is written, costs the load process's reading of it when the load, the bot and the "
            "database share this machine's cores",
        ),
        Row(
            "Slack",
            f"Slack HTTP, single-request acknowledgement p99, acknowledged at once ({label})",
            _ms(now["single"], 99),
            "ms",
            _ms(now["single_pair"], 99),
            "bare bolt app p99",
        ),
        Row(
            "Slack",
            f"Slack HTTP, single-request acknowledgement p50, members seen before, acknowledged at once ({label})",
            _ms(now["again"]),
            "ms",
            _ms(now["again_pair"]),
            "bare bolt app p50",
            note=f"the same {len(now['again'])} members again, one at a time (users.info cached)",
        ),
        Row(
            "Slack",
            f"Slack HTTP, time to the member's answer p50, one at a time, answer in the acknowledgement ({label})",
            _ms(answers["default"]["single"]),
            "ms",
            _ms(answers["at_once"]["single"]),
            "acknowledged at once, answered through the response_url",
            note=f"the default (MENTORBOT_SLACK__ANSWER_IN_ACK_SECONDS={budget:g}): {default['single_answered']} of "
            f"{len(default['single'])} answered in the acknowledgement; p99 "
            f"{_ms(answers['default']['single'], 99):.2f} ms (acknowledged at once: "
            f"{_ms(answers['at_once']['single'], 99):.2f} ms)",
        ),
        Row(
            "Slack",
            f"Slack HTTP, acknowledgement p99 under {CONNECTIONS} connections, answer in the acknowledgement ({label})",
            ack_p99_default,
            "ms",
            _ms(floor["latencies"], 99),
            "bare bolt app p99",
            "≤ 1,500 ms (half of Slack's 3 s)",
            ack_p99_default <= 1500,
            note=f"{default['done']} acked, {default['answered']} with the answer, {default['errors']} errors; "
            f"answers per second {default_rate:,.0f} ({default_rate / floor_rate if floor_rate else 0:.2f}× the "
            f"floor's acks); time to the answer under load p50 {_ms(load_answers):.0f} ms, p99 "
            f"{_ms(load_answers, 99):.0f} ms; all work done {settled['default']:.1f} s after the load started",
        ),
        Row(
            "Slack",
            f"Slack HTTP, the serving process's CPU per command, answer in the acknowledgement ({label})",
            cpu["default"] * 1000,
            "ms",
            cpu["floor"] * 1000,
            "bare bolt app's CPU per ack",
            note=f"this process's CPU clock over each load, until its work was done, per request sent (one at a "
            f"time and under load; the floor's requests paired with them taken out); it also serves the fake "
            f"Slack's users.info; acknowledged at once: "
            f"{cpu['at_once'] * 1000:.3f} ms per request, most refused as busy. With the load process on the other "
            "core, this is what bounds the rate: a command costs this many times a bare acknowledgement",
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
