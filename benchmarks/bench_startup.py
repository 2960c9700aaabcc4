"""Start-up and memory, each in a fresh process.

* Console ready: from spawning ``mentorbot console`` (on a new SQLite file) until it has read its first
  command. Floor, same run: spawning the bare interpreter (``python -c pass``) until it exits. The child
  also reports whether discord.py or slack_bolt were imported (the console must not import them).
* RSS after serving: a process opens the bot on the generated main community, serves a few hundred
  `/mentor status`, `/courses` and match rankings, then reports its resident set size. Floor: the RSS of
  the bare interpreter.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.report import Row

PLATFORM_MODULES = ("discord", "slack_bolt", "slack_sdk")

_CONSOLE = """
import atexit, sys
def _report():
    found = [m for m in {modules!r} if m in sys.modules]
    sys.stderr.write("BENCH-MODULES " + ",".join(found) + "\\n")
atexit.register(_report)
sys.argv = ["mentorbot", "console", "--db", sys.argv[1]]
from mentorbot.cli import main
main()
"""

_RSS = """
import asyncio, json, sys, time
from datetime import timedelta
from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.matching import top_ranked
from mentorbot.models import RequestStatus
from mentorbot.settings import Settings
from mentorbot.storage.sqlite_engine import SqliteDatabase
from mentorbot.storage.store import Store
from benchmarks.generate import NOW

def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

async def main(path, community, count):
    settings = Settings(_env_file=None, rate_limit_per_minute=1_000_000)
    store = Store(SqliteDatabase(path))
    await store.open(NOW)
    bot = MentorBot(store, Library(settings.skills_file, settings.courses_file), settings, ManualClock(NOW))
    waiting = await store.list_requests(community, [RequestStatus.WAITING])
    served = 0
    for request in waiting[:count]:
        mentee = await store.get_member(request.member_id)
        caller = Caller(community, mentee.platform_user_id, mentee.display_name)
        await bot.status(caller)
        await bot.courses(caller)
        await top_ranked(store, community, request.skills, exclude_member=mentee.id, request_id=request.id,
                         repeat_since=NOW - timedelta(days=180), mentee_language=bot.lang_of(mentee),
                         mentee_timezone=mentee.timezone, at=NOW)
        served += 3
    stats = await store.stats(community)
    await store.close()
    print(json.dumps({"rss_mb": rss_mb(), "served": served, "members": stats.members}))

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
"""

_BARE_RSS = """
for line in open("/proc/self/status"):
    if line.startswith("VmRSS:"):
        print(int(line.split()[1]) / 1024)
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENTORBOT_")}
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def _time_until(args: list[str], marker: str | None, stdin: str, cwd: Path) -> tuple[float, str, int]:
    """Seconds from spawning until a stdout line contains `marker` (or until exit when None)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd, env=_env()
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(stdin)
    proc.stdin.flush()
    ready: float | None = None
    if marker is not None:
        for line in proc.stdout:
            if marker in line:
                ready = time.perf_counter() - start
                break
    _, err = proc.communicate(timeout=60)
    if ready is None:
        ready = time.perf_counter() - start
    return ready, err, proc.returncode


def bench_console(repeats: int = 5) -> list[Row]:
    """Console start-up rows."""
    with tempfile.TemporaryDirectory(prefix="mentorbot-bench-console-") as tmp:
        folder = Path(tmp)
        floor = [_time_until([sys.executable, "-c", "pass"], None, "", folder)[0] for _ in range(repeats)]
        times: list[float] = []
        modules = ""
        for i in range(repeats):
            db = folder / f"console-{i}.sqlite3"
            code = _CONSOLE.format(modules=PLATFORM_MODULES)
            ready, err, status = _time_until([sys.executable, "-c", code, str(db)], "/quit", "/quit\n", folder)
            if status != 0 or "BENCH-MODULES" not in err:
                reason = err.strip().splitlines()[-1] if err.strip() else f"exit status {status}"
                return [Row("Start-up", "Console ready", None, "s", skipped=f"console not runnable: {reason}")]
            times.append(ready)
            modules = err.split("BENCH-MODULES", 1)[1].splitlines()[0].strip()
    value = statistics.median(times)
    return [
        Row(
            "Start-up",
            "Console ready (first command read)",
            value,
            "s",
            statistics.median(floor),
            "bare python",
            "≤ 0.5 s, no discord/slack_bolt",
            value <= 0.5 and not modules,
            note=f"platform SDKs imported: {modules or 'none'}",
        )
    ]


def bench_rss(sqlite_path: Path, community: str, count: int = 300) -> list[Row]:
    """RSS after serving the generated community from a fresh process."""
    with tempfile.TemporaryDirectory(prefix="mentorbot-bench-rss-") as tmp:
        bare = subprocess.run(
            [sys.executable, "-c", _BARE_RSS], capture_output=True, text=True, cwd=tmp, env=_env(), check=True
        )
        done = subprocess.run(
            [sys.executable, "-c", _RSS, str(sqlite_path), community, str(count)],
            capture_output=True,
            text=True,
            cwd=tmp,
            env=_env(),
            check=False,
        )
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit status {done.returncode}"
        return [Row("Memory", "RSS after serving", None, "MB", skipped=tail)]
    data = json.loads(done.stdout.strip().splitlines()[-1])
    rss = float(data["rss_mb"])
    return [
        Row(
            "Memory",
            f"RSS after serving the {data['members']:,}-member community",
            rss,
            "MB",
            float(bare.stdout.strip()),
            "bare python",
            "≤ 150 MB",
            rss <= 150,
            note=f"{data['served']} commands served (status, courses, match)",
        )
    ]
