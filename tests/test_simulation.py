"""`mentorbot simulate`: a seeded community played through the real core (issue 13, "How to prove it").

What these tests prove: a seed always gives the same figures (twice on one engine, and the same on SQLite and
PostgreSQL); whatever the seed and size, no mentor ever holds more than their capacity and the figures add up;
the command prints them as JSON and refuses a database that already holds a simulation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorbot.bot import MentorBot
from mentorbot.cli import main
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.settings import Settings
from mentorbot.simulation import START, SimulationError, SimulationResult, SimulationSpec, run_simulation, simulate
from mentorbot.storage.store import Store

SMALL = SimulationSpec(days=10, members=60, mentors=10, seed=7)


def _settings(tmp_path: Path, name: str = "sim.sqlite3") -> Settings:
    return Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / name}")  # type: ignore[call-arg]


def check_figures(result: SimulationResult) -> None:
    """The invariant (nobody over capacity) and the bookkeeping every run must satisfy."""
    assert result.mentors_over_capacity == 0
    assert result.matched + result.cancelled + result.stranded <= result.requests_made
    assert result.offers_accepted + result.offers_declined + result.offers_expired + result.offers_withdrawn <= (
        result.offers
    )
    assert result.mentorships == result.offers_accepted  # no admin matches in a simulation
    assert result.mentorships_ended <= result.mentorships
    assert result.requests_waited_with_room <= result.requests_made
    assert result.longest_wait_with_room_hours <= result.wait_with_room_hours
    assert result.stranded_with_room <= result.stranded
    assert sum(result.decline_reasons.values()) == result.offers_declined
    if result.days_to_match_median is not None:
        assert result.days_to_match_p90 is not None
        assert 0 <= result.days_to_match_median <= result.days_to_match_p90 <= result.days


async def test_a_seed_gives_the_same_figures_twice(tmp_path: Path) -> None:
    first = await run_simulation(_settings(tmp_path, "a.sqlite3"), SMALL)
    second = await run_simulation(_settings(tmp_path, "b.sqlite3"), SMALL)
    assert first.as_json() == second.as_json()
    assert first.requests_made > 0 and first.offers > 0 and first.matched > 0
    check_figures(first)
    other = await run_simulation(_settings(tmp_path, "c.sqlite3"), SimulationSpec(days=10, members=60, mentors=10))
    assert other.as_json() != first.as_json()


async def test_the_same_seed_gives_the_same_figures_on_every_engine(store: Store, tmp_path: Path) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    clock = ManualClock(START)
    bot = MentorBot(store, Library(settings.skills_file, settings.courses_file), settings, clock)
    on_engine = await simulate(bot, clock, SMALL)
    on_sqlite = await run_simulation(_settings(tmp_path, "ref.sqlite3"), SMALL)
    assert on_engine.as_json() == on_sqlite.as_json()


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 10_000),
    members=st.integers(5, 60),
    mentors=st.integers(1, 10),
    days=st.integers(1, 8),
)
async def test_no_mentor_is_ever_over_capacity_and_the_figures_add_up(
    tmp_path: Path, seed: int, members: int, mentors: int, days: int
) -> None:
    path = tmp_path / f"prop-{seed}-{members}-{mentors}-{days}.sqlite3"
    path.unlink(missing_ok=True)
    spec = SimulationSpec(days=days, members=members, mentors=mentors, seed=seed)
    check_figures(await run_simulation(_settings(tmp_path, path.name), spec))


async def test_a_database_that_holds_a_simulation_is_refused(tmp_path: Path) -> None:
    tiny = SimulationSpec(days=1, members=5, mentors=2)
    await run_simulation(_settings(tmp_path), tiny)
    with pytest.raises(SimulationError) as refused:
        await run_simulation(_settings(tmp_path), tiny)
    assert refused.value.key == "not_empty"


async def test_a_database_that_holds_a_community_is_refused(tmp_path: Path) -> None:
    """Before: `simulate --database` on a real community's database added its members, timers and messages
    beside the community's own (a bot running on it would then run them)."""
    from mentorbot.app import open_bot
    from mentorbot.demo import seed_demo

    async with open_bot(_settings(tmp_path, "real.sqlite3")) as bot:
        await seed_demo(bot, "console")
    with pytest.raises(SimulationError) as refused:
        await run_simulation(_settings(tmp_path, "real.sqlite3"), SimulationSpec(days=1, members=5, mentors=2))
    assert refused.value.key == "not_empty_other"


def _invoke(args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.chdir(tmp_path)  # no .env of the machine
    return CliRunner().invoke(main, ["simulate", *args])


def test_the_command_prints_the_figures_as_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["--days", "7", "--members", "40", "--mentors", "8", "--seed", "3", "--json"]
    result = _invoke(args, tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    figures = data["figures"]
    assert (figures["days"], figures["members"], figures["mentors"], figures["seed"]) == (7, 40, 8, 3)
    assert figures["mentors_over_capacity"] == 0
    for key in (
        "requests_made",
        "matched",
        "days_to_match_median",
        "days_to_match_p90",
        "longest_wait_with_room_hours",
        "stranded",
        "offers_per_accept",
        "feedback_from_mentees",
        "feedback_from_mentors",
    ):
        assert key in figures, key
    assert data["speed"]["days_per_second"] > 0
    assert not list(tmp_path.iterdir()), "the temporary database is removed"


def test_the_command_prints_a_report_and_refuses_a_used_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'kept.sqlite3'}"
    args = ["--days", "2", "--members", "10", "--mentors", "3", "--database", url]
    first = _invoke(args, tmp_path, monkeypatch)
    assert first.exit_code == 0, first.output
    assert "Mentors over capacity: 0" in first.stdout and "simulated days per second" in first.stdout
    again = _invoke(args, tmp_path, monkeypatch)
    assert again.exit_code == 2
    assert "already holds the community" in again.stderr
