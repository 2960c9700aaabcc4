"""Session 41 (calendar hunt): `mentorbot simulate` plays the days just before it runs.

Before: every simulation started on 2026-01-05 (`simulation.START`), so `mentorbot admin stats --db FILE
--community simulation`, which the README points to, read those dates against the real time: "the oldest open
request has waited 289 days", and the weekly chart's last twelve weeks were empty. A run now starts on the
Monday, 00:00 UTC, that leaves its `--days` ending before today (`simulation.start_for`), and a seed still gives
the same figures whenever it runs: the simulated mentors live in zones without daylight saving time, so a
pause of ten days is ten times 24 hours on any date, and the run starts on a Monday as before."""

from __future__ import annotations

import os
import re
import sqlite3
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from mentorbot.bot import MentorBot
from mentorbot.cli import main
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.settings import Settings
from mentorbot.simulation import START, TIMEZONES, SimulationSpec, run_simulation, simulate, start_for
from mentorbot.storage.store import Store

SMALL = SimulationSpec(days=10, members=60, mentors=10, seed=7)


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 12, 7, 8, 49, tzinfo=UTC),  # a Monday
        datetime(2026, 12, 7, 0, 0, tzinfo=UTC),  # a Monday's first instant
        datetime(2026, 12, 6, 23, 59, tzinfo=UTC),  # a Sunday's last minute
        datetime(2028, 3, 1, 12, 0, tzinfo=UTC),  # after a leap day
    ],
)
@pytest.mark.parametrize("days", [1, 7, 10, 90, 365])
def test_a_run_starts_on_a_monday_and_ends_before_now(now: datetime, days: int) -> None:
    start = start_for(days, now)
    assert start.tzinfo is UTC and start.weekday() == 0 and start.time() == time(0)
    end = start + timedelta(days=days)
    assert end <= now, "every simulated day is in the past"
    assert now - end < timedelta(days=8), "and recent: at most a week and a day before now"


def test_the_simulated_mentors_zones_have_no_daylight_saving_time() -> None:
    """What makes the figures independent of the dates: a pause's days are calendar days where the mentor lives,
    and a clock change on the way would move its end by an hour (and with it the offers that follow)."""
    for name in TIMEZONES:
        zone = ZoneInfo(name)
        offsets = {datetime(2026, month, 1, 12, tzinfo=UTC).astimezone(zone).utcoffset() for month in range(1, 13)}
        assert len(offsets) == 1, name


def _settings(tmp_path: Path, name: str) -> Settings:
    return Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / name}")  # type: ignore[call-arg]


async def test_a_seed_gives_the_same_figures_whenever_it_runs(store: Store, tmp_path: Path) -> None:
    """On each engine from the former fixed start, and on SQLite from the starts of runs on other days: across a
    leap day, and across the dates Europe changes its clocks."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    clock = ManualClock(START)
    bot = MentorBot(store, Library(settings.skills_file, settings.courses_file), settings, clock)
    reference = (await simulate(bot, clock, SMALL)).as_json()
    assert reference["requests_made"] > 0 and reference["matched"] > 0
    for n, now in enumerate(
        [
            datetime(2028, 3, 8, 10, 0, tzinfo=UTC),  # from Monday 2028-02-21: 29 February
            datetime(2027, 4, 6, 10, 0, tzinfo=UTC),  # from Monday 2027-03-22: Europe's clocks go forward
            datetime(2026, 11, 3, 10, 0, tzinfo=UTC),  # from Monday 2026-10-19: Europe's clocks go back
        ]
    ):
        run = await run_simulation(_settings(tmp_path, f"run{n}.sqlite3"), SMALL, now=now)
        assert run.as_json() == reference, now


def test_admin_stats_reads_a_simulated_database_as_recent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's `mentorbot admin stats --db FILE --community simulation` on what `simulate --database` left."""
    for name in list(os.environ):
        if name.startswith("MENTORBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "sim.sqlite3"
    days = 28
    args = ["--days", str(days), "--members", "80", "--mentors", "5", "--seed", "2", "--database", f"sqlite:///{path}"]
    ran = CliRunner().invoke(main, ["simulate", *args])
    assert ran.exit_code == 0, ran.output
    now = datetime.now(UTC)
    with sqlite3.connect(path) as conn:
        first, last = conn.execute("SELECT MIN(created_at), MAX(created_at) FROM requests").fetchone()
        still_open = conn.execute("SELECT COUNT(*) FROM requests WHERE status IN ('waiting', 'offered')").fetchone()[0]
    asked = [datetime.fromisoformat(first), datetime.fromisoformat(last)]
    assert now - timedelta(days=days + 8) < asked[0] <= asked[1] < now, asked
    stats = CliRunner().invoke(
        main, ["admin", "stats", "--db", str(path), "--community", "simulation", "--chart-name", "weekly"]
    )
    assert stats.exit_code == 0, stats.output
    assert "No request in these weeks." not in stats.output, stats.output
    assert still_open, "the seed leaves open requests, whose wait the stats tell"
    waited = re.search(r"the oldest open request has waited (\d+) days?", stats.output)
    assert waited is not None, stats.output
    assert int(waited.group(1)) <= days + 8, stats.output
