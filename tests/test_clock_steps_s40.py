"""Session 40 (clock hunt): a process's wall clock stepped back (NTP stepping a clock that ran ahead, a VM resumed)
stretched what it timed in memory by the length of the step.

1. The rate limiter's buckets refilled by ``now - updated``: after a step back of an hour that was an hour of
   negative refill, and a member who had sent one command was told "wait 3546 seconds" for an hour (Slack's
   pickers and Discord's autocomplete, on their own limiters, went silent as long).
2. The timer loop's sweep, prunes and weekly-timer check, and the reload follower, ran when ``now - last`` reached
   their interval: after the step, not for an hour (docs/reliability.md promises a reload is followed within a
   minute).
3. The adapters' membership caches took a "member" seen before the step as fresh for the step's length too, and a
   "quiet" window (no lookups asked) lasted the step's length longer.

Each now takes a clock that went back as time elapsed: the interval is over, the bucket's refill starts again from
the new time, the cache's answer is asked again. Timers in the database are not concerned: they run when due by the
clock of the process that claims them (docs/deploy.md, keep clocks synchronised).
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock, within
from mentorbot.library import Library
from mentorbot.ratelimit import RateLimiter
from mentorbot.settings import Settings
from mentorbot.storage.sqlite_engine import SqliteDatabase
from mentorbot.storage.store import Store
from mentorbot.usecases import timers as timers_module

ROOT = Path(__file__).resolve().parents[1]
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
PODCASTING = '\n[[skill]]\nslug = "podcasting"\ncategory = "content"\nlabel = { en = "Podcasting", sw = "Podikasti" }\n'


def back(clock: ManualClock, step: timedelta) -> None:
    """Step `clock` back by `step`, as NTP does (ManualClock only moves forward by `advance`)."""
    clock.current -= step


# ------------------------------------------------------------------------------------------------ 1. rate limits


def test_a_step_back_does_not_lock_a_member_out() -> None:
    clock = ManualClock(START)
    limiter = RateLimiter(20, clock)
    assert limiter.check("c:u") is None
    back(clock, HOUR)
    assert limiter.peek("c:u") is None
    assert limiter.admit("c:u") is None
    assert limiter.check("c:u") is None


def test_after_a_step_back_the_limit_still_holds_and_refills_from_the_new_time() -> None:
    clock = ManualClock(START)
    limiter = RateLimiter(3, clock)
    back(clock, HOUR)
    assert [limiter.check("c:u") for _ in range(3)] == [None, None, None]
    assert limiter.check("c:u") == 20  # one token every 20 s
    clock.advance(timedelta(seconds=20))
    assert limiter.check("c:u") is None


def test_an_admission_counted_before_a_step_back_is_not_held_for_the_step() -> None:
    clock = ManualClock(START)
    limiter = RateLimiter(1, clock)
    assert limiter.admit("c:u") is None  # its use-case never takes its token (a crash)
    back(clock, HOUR)
    clock.advance(timedelta(seconds=61))  # past the admission's time to live, counted from the new time
    assert limiter.admit("c:u") is None


# ------------------------------------------------------------------------------- 2. the timer loop and reloads


def test_within() -> None:
    assert not within(None, START, HOUR)
    assert within(START, START + timedelta(minutes=59), HOUR)
    assert not within(START, START + HOUR, HOUR)
    assert not within(START, START - timedelta(seconds=1), HOUR)  # the clock went back: over


@pytest.fixture
async def bot(tmp_path: Path) -> Any:
    clock = ManualClock(START)
    skills, courses = tmp_path / "skills.toml", tmp_path / "courses.toml"
    shutil.copy(ROOT / "config/skills.toml", skills)
    shutil.copy(ROOT / "config/courses.toml", courses)
    store = Store(SqliteDatabase(str(tmp_path / "bot.sqlite3")))
    await store.open(clock.now())

    def process(name: str, process_clock: ManualClock) -> MentorBot:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            admin_ids=["U-admin"],
            skills_file=skills,
            courses_file=courses,
        )
        return MentorBot(store, Library(skills, courses), settings, process_clock, worker_id=name)

    yield process, clock, skills
    await store.close()


async def test_the_timer_loop_sweeps_prunes_and_looks_at_weekly_timers_after_a_step_back(
    bot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    process, clock, _ = bot
    one = process("P", clock)
    counts = {"sweep": 0, "weekly": 0, "prune": 0}
    real_sweep = one._timers.sweep
    real_weekly = timers_module.insight.ensure_weekly_jobs
    real_prune = one.store.prune_jobs

    async def sweep(*args: Any, **kwargs: Any) -> Any:
        counts["sweep"] += 1
        return await real_sweep(*args, **kwargs)

    async def weekly(*args: Any, **kwargs: Any) -> Any:
        counts["weekly"] += 1
        return await real_weekly(*args, **kwargs)

    async def prune(*args: Any, **kwargs: Any) -> Any:
        counts["prune"] += 1
        return await real_prune(*args, **kwargs)

    monkeypatch.setattr(one._timers, "sweep", sweep)
    monkeypatch.setattr(timers_module.insight, "ensure_weekly_jobs", weekly)
    monkeypatch.setattr(one.store, "prune_jobs", prune)
    await one.run_due_jobs()
    assert counts == {"sweep": 1, "weekly": 1, "prune": 1}
    back(clock, HOUR)
    clock.advance(timedelta(seconds=15))
    await one.run_due_jobs()
    assert counts == {"sweep": 2, "weekly": 2, "prune": 2}
    for _ in range(4 * 11):  # rounds every 15 s for 11 minutes: a sweep every 10 minutes, weekly every minute
        clock.advance(timedelta(seconds=15))
        await one.run_due_jobs()
    assert counts["sweep"] == 3
    assert counts["weekly"] == 13
    assert counts["prune"] == 2


async def test_a_reload_is_followed_within_a_minute_by_a_process_whose_clock_stepped_back(bot: Any) -> None:
    process, clock_a, skills = bot
    clock_b = ManualClock(START)
    a, b = process("A", clock_a), process("B", clock_b)
    await b.run_due_jobs()  # B has looked
    back(clock_b, HOUR)
    with skills.open("a", encoding="utf-8") as file:
        file.write(PODCASTING)
    clock_a.advance(timedelta(seconds=1))
    clock_b.advance(timedelta(seconds=1))
    await a.admin_reload(Caller("test:guild", "U-admin", "Admin"))
    clock_b.advance(timedelta(minutes=1))
    await b.run_due_jobs()
    assert b.library.taxonomy.get("podcasting") is not None


# --------------------------------------------------------------------------------- 3. the adapters' lookups


class _Slack:
    """users.info: a member, or Slack rate-limiting (429, Retry-After 1 s)."""

    def __init__(self) -> None:
        self.calls = 0
        self.limited = False

    async def users_info(self, *, user: str) -> dict[str, Any]:
        from slack_sdk.errors import SlackApiError

        self.calls += 1
        if self.limited:
            answer = type("Answer", (), {"data": {"ok": False, "error": "ratelimited"}, "status_code": 429})()
            answer.headers = {"Retry-After": "1"}
            raise SlackApiError("ratelimited", answer)  # type: ignore[no-untyped-call]
        return {"ok": True, "user": {"id": user, "deleted": False}}


async def test_slack_asks_again_after_a_step_back() -> None:
    from mentorbot_slack.membership import Lookup, Membership

    clock = ManualClock(START)
    slack = _Slack()
    membership = Membership(slack, clock)  # type: ignore[arg-type]
    assert await membership.lookup("U1") is Lookup.MEMBER
    back(clock, HOUR)
    slack.limited = True
    assert await membership.lookup("U1") is Lookup.UNKNOWN, "a yes from before the step is asked again"
    assert slack.calls == 2
    slack.limited = False
    clock.advance(timedelta(seconds=31))  # the quiet over, counted from the new time
    back(clock, HOUR)  # and a quiet begun before a step back is not stretched by it
    assert await membership.lookup("U1") is Lookup.MEMBER
    assert slack.calls == 3


def test_discord_asks_again_after_a_step_back() -> None:
    from mentorbot_discord.membership import Membership

    clock = ManualClock(START)
    membership = Membership(None, clock)  # type: ignore[arg-type]
    membership._quieten(1, None)
    assert membership.quiet(1)
    back(clock, HOUR)
    assert not membership.quiet(1), "a quiet begun before a step back is not stretched by it"


def test_a_member_at_their_limit_is_let_through_a_minute_after_a_step_back() -> None:
    """The day's review: the first fix moved the bucket's time back in `check` only; adapters ask `admit` first, and
    a refusal never reaches `check`, so a member at their limit was refused for the step's length all the same."""
    clock = ManualClock(START)
    limiter = RateLimiter(1, clock)
    assert limiter.check("c:u") is None
    back(clock, HOUR)
    clock.advance(timedelta(seconds=61))
    assert limiter.admit("c:u") is None
