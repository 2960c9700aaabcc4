"""Session 32's console defects (the simulation hunt).

1. `/clock` on a fresh database jumped over the first scheduled round and the first digest: the weekly timers are
   made only for communities with members, at most once a minute of clock time, and the session's first look
   came before any member existed, so `/clock +8d` never stopped at the first Monday.
2. A script saved as UTF-8 with a byte-order mark had its first line refused (``\\ufeff/as Wanjiru``) and the rest
   ran as ``guest``; a CRLF script's lines were echoed with a stray carriage return.
3. Ctrl-C and Ctrl-D at the prompt left the next prompt (or the shell's) on the same line.
4. (The review's R8, /tmp/hunt/review/r7.) The fix of 1 made sure of the weekly timers before and after every line:
   up to four write transactions a line with a round and a digest scheduled, SQLite's write lock taken with nothing
   to change. They are looked at only when it can matter: while the community has no member yet (then only read),
   when the clock moved (`/clock`, or a minute of time), when the schedule settings changed.
"""

from __future__ import annotations

import builtins
import io
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mentorbot.app import open_bot
from mentorbot.clock import ManualClock
from mentorbot.models import JobKind, RequestStatus
from mentorbot_console import repl
from mentorbot_console.clock import OffsetClock
from mentorbot_console.repl import run_console
from mentorbot_console.session import ConsoleSession
from tests.console.conftest import console_settings, ok
from tests.console.conftest import console_translator as translator

SATURDAY = datetime(2026, 1, 10, 10, 0, tzinfo=UTC)
"""A fresh database's first session starts on a Saturday: the first Monday it must stop at is 2026-01-12 (an offer
made now expires after that Monday's timers, so nothing else stops the clock before them)."""
FIRST_MONDAY_ROUND = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)


async def _session(tmp_path: Path, **settings: Any) -> AsyncIterator[ConsoleSession]:
    clock = OffsetClock(ManualClock(SATURDAY))
    async with open_bot(console_settings(tmp_path, admin_ids=["boss"], **settings), clock=clock) as bot:
        yield ConsoleSession(bot, clock, files_dir=tmp_path / "files")


@pytest.fixture
async def rounds(tmp_path: Path) -> AsyncIterator[ConsoleSession]:
    """A console on a fresh database whose community matches in weekly rounds, Mondays at 09:00 UTC."""
    async for session in _session(tmp_path, matching="rounds", round_schedule="mon 09:00"):
        yield session


@pytest.fixture
async def digest(tmp_path: Path) -> AsyncIterator[ConsoleSession]:
    """A console on a fresh database with a weekly digest, Mondays at 08:00 UTC."""
    async for session in _session(tmp_path, digest="mon 08:00"):
        yield session


async def test_clock_runs_the_first_scheduled_round_on_a_fresh_database(rounds: ConsoleSession) -> None:
    t = translator("en")
    await ok(rounds, "/as boss")
    await ok(rounds, "/mentor status")
    await ok(rounds, "/as wanjiru")
    await ok(rounds, "/mentor signup skills:seo capacity:2")
    await ok(rounds, "/as amina")
    await ok(rounds, "/mentor request skills:seo")
    output = await ok(rounds, "/clock +3d")
    assert t("schedule.round_title") in output, output  # the admin's report of Monday's round
    store = rounds.bot.store
    amina = await store.find_member("console", "amina")
    assert amina is not None
    (request,) = await store.list_member_requests(amina.id, open_only=True)
    assert request.status is RequestStatus.OFFERED  # the round offered it to Wanjiru on the way
    (offer,) = await store.list_offers(request_id=request.id)
    assert offer.created_at == FIRST_MONDAY_ROUND  # at the round's time, not a week late
    next_due = await store.next_job_due(["console"])
    assert next_due is not None and next_due > FIRST_MONDAY_ROUND


async def test_clock_sends_the_first_digest_on_a_fresh_database(digest: ConsoleSession) -> None:
    t = translator("en")
    title = t("digest.title", since="", until="").split("(")[0].strip()
    await ok(digest, "/as boss")
    await ok(digest, "/mentor status")
    await ok(digest, "/as wanjiru")
    await ok(digest, "/mentor signup skills:seo capacity:1")
    await ok(digest, "/as amina")
    await ok(digest, "/mentor request skills:seo")
    output = await ok(digest, "/clock +3d")
    assert output.count(title) == 1, output  # Monday 2026-01-12's digest, once


async def test_the_first_member_of_a_line_gets_the_weekly_timers_at_once(rounds: ConsoleSession) -> None:
    """The timer exists after the line that made the community's first member, not a minute of clock time later."""
    await ok(rounds, "/as wanjiru")
    assert await rounds.bot.store.next_job_due(["console"]) is None  # no member yet: no timer
    await ok(rounds, "/mentor signup skills:seo")
    assert await rounds.bot.store.next_job_due(["console"]) == FIRST_MONDAY_ROUND
    assert await _pending_kinds(rounds) == [JobKind.ROUND.value]


async def _pending_kinds(session: ConsoleSession) -> list[str]:
    async with session.bot.store.db.read() as conn:
        rows = await conn.fetch_all("SELECT kind FROM jobs WHERE status = 'pending' ORDER BY id")
    return [str(row["kind"]) for row in rows]


# ------------------------------------------------------------- the weekly timers: looked at only when it can matter


@pytest.fixture
async def both(tmp_path: Path) -> AsyncIterator[ConsoleSession]:
    """A console on a fresh database with a weekly round (Mondays 09:00) and a digest (Mondays 08:00)."""
    async for session in _session(tmp_path, matching="rounds", round_schedule="mon 09:00", digest="mon 08:00"):
        yield session


def _count_ensures(session: ConsoleSession, monkeypatch: pytest.MonkeyPatch) -> list[JobKind]:
    """Each write transaction that makes sure of a weekly timer (`ScheduleStore.ensure_weekly`), by its kind."""
    store = session.bot.store
    real = store.ensure_weekly
    made: list[JobKind] = []

    async def ensure_weekly(kind: JobKind, *args: Any, **kwargs: Any) -> int:
        made.append(kind)
        return await real(kind, *args, **kwargs)

    monkeypatch.setattr(store, "ensure_weekly", ensure_weekly)
    return made


async def test_lines_take_no_write_lock_for_weekly_timers_that_exist(
    both: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/tmp/hunt/review/r7. Before: every line made sure of both timers before and after it, four write
    transactions a line (SQLite's write lock taken with nothing to change): a 1,202-line script took a third longer."""
    await ok(both, "/as boss")
    assert await _pending_kinds(both) == []
    await ok(both, "/mentor status")  # the community's first member (a command makes its caller one)
    assert sorted(await _pending_kinds(both)) == sorted([JobKind.ROUND.value, JobKind.DIGEST.value])
    made = _count_ensures(both, monkeypatch)
    await ok(both, "/as wanjiru")
    await ok(both, "/mentor signup skills:seo capacity:2")
    for name in ("amina", "baraka", "chausiku", "daudi", "eshe"):
        await ok(both, f"/as {name}")
        await ok(both, "/mentor status")
    await ok(both, "/mentor request skills:seo")
    assert made == [], "the timers exist, the clock stood, the schedule is the same"


async def test_the_weekly_timers_are_looked_at_again_when_the_clock_moves(
    both: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    await ok(both, "/as wanjiru")
    await ok(both, "/mentor signup skills:seo capacity:2")
    made = _count_ensures(both, monkeypatch)
    await ok(both, "/clock +1h")
    assert made, "a /clock looks again"
    made.clear()
    await ok(both, "/mentor status")
    assert made == []
    clock = both.clock.base
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(minutes=2))  # time passing, as the timer loop looks once a minute of it
    await ok(both, "/mentor status")
    assert made


async def test_a_changed_schedule_moves_the_round_at_the_next_line(both: ConsoleSession) -> None:
    await ok(both, "/as wanjiru")
    await ok(both, "/mentor signup skills:seo capacity:2")
    assert await both.bot.store.next_job_due(["console"]) == datetime(2026, 1, 12, 8, 0, tzinfo=UTC)
    core = both.bot.core
    core.settings = core.settings.model_copy(update={"round_schedule": "sun 07:00", "digest": None})
    await ok(both, "/mentor status")
    assert await both.bot.store.next_job_due(["console"]) == datetime(2026, 1, 11, 7, 0, tzinfo=UTC)


# ------------------------------------------------------------------------------------------ scripts: BOM, CRLF


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_script_with_a_byte_order_mark_runs_its_first_line(tmp_path: Path, newline: str) -> None:
    settings = console_settings(tmp_path)
    lines = ["/as Wanjiru", "/mentor signup skills:seo", "/mentor status"]
    script = io.StringIO("\ufeff" + newline.join(lines) + newline)
    out, err = io.StringIO(), io.StringIO()
    status = run_console(settings, stdin=script, stdout=out, stderr=err, interactive=False)
    text = out.getvalue()
    assert status == 0, text + err.getvalue()
    assert "\ufeff" not in text
    assert "\r" not in text  # echoed without a stray carriage return
    assert "guest> /as Wanjiru\n" in text
    assert "Wanjiru> /mentor signup skills:seo\n" in text
    assert "Wanjiru> /mentor status\n" in text
    assert "guest> /mentor" not in text


# ------------------------------------------------------------------------------------------ Ctrl-C and Ctrl-D


def _keys(out: io.StringIO, keys: list[type[BaseException] | str]) -> Callable[[object], str]:
    """A stand-in for `input`: writes the prompt where the terminal would, then gives each of `keys` in turn (a
    line, or the exception Ctrl-C or Ctrl-D raises)."""
    pending = list(keys)

    def fake_input(prompt: object = "") -> str:
        out.write(str(prompt))
        key = pending.pop(0)
        if isinstance(key, str):
            out.write(key + "\n")  # the terminal echoes a typed line and its Enter
            return key
        raise key()

    return fake_input


def test_ctrl_c_and_ctrl_d_end_the_prompts_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(repl, "HISTORY_FILE", tmp_path / "history")
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(builtins, "input", _keys(out, [KeyboardInterrupt, "/as amina", EOFError]))
    status = run_console(console_settings(tmp_path), stdout=out, stderr=err, interactive=True)
    assert status == 0
    text = out.getvalue()
    assert "guest> \nguest> /as amina\n" in text, repr(text)  # Ctrl-C: a fresh prompt on its own line
    assert text.endswith("amina> \n"), repr(text)  # Ctrl-D: the shell's prompt comes on a new line


def test_ctrl_c_while_a_line_runs_ends_its_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(repl, "HISTORY_FILE", tmp_path / "history")
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(builtins, "input", _keys(out, ["/mentor status", EOFError]))
    original = ConsoleSession.run_line

    async def interrupted(self: ConsoleSession, line: str) -> object:
        if line == "/mentor status":
            raise KeyboardInterrupt
        return await original(self, line)

    monkeypatch.setattr(ConsoleSession, "run_line", interrupted)
    status = run_console(console_settings(tmp_path), stdout=out, stderr=err, interactive=True)
    assert status == 0
    assert "guest> /mentor status\n\nguest> \n" in out.getvalue(), repr(out.getvalue())
