"""Session 41, the day's review of the process fingerprints (`library_follow.Peers`): only a process that serves a
platform counts as a peer, and the admins' notice shows each community only its own admin ids.

Before:
- `mentorbot admin forget` (a one-off command) and a console session on the bot's database recorded fingerprints
  with their own settings: an admin's shell, the console's ``--lang sw``, the console's ``/clock +2d`` (its rows
  dated two days ahead, and its prune deleting the bot's row). The running bot then held back its weekly timers,
  logged an error and told every community's admins the processes disagree, for a process that serves nothing.
- The notice printed the whole ``MENTORBOT_ADMIN_IDS`` of both processes to every community's admins: another
  workspace's team id and admin user ids included.
Now `open_bot` records a fingerprint only with ``peers`` (`mentorbot run`, a Slack HTTP worker), and the notice shows
the entries that apply to the recipients' community (or that they are the same there). Both engines."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from mentorbot.app import open_bot
from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.settings import load_settings
from mentorbot.storage.fingerprints import Disagreement, compare, digest_of, fingerprint_values
from mentorbot.usecases.library_follow import disagreement_text
from tests.usecases.conftest import COMMUNITY

Who = Callable[..., Caller]
EN = translator("en")


async def fingerprint_rows(bot: MentorBot) -> list[str]:
    async with bot.store.read() as conn:
        rows = await conn.fetch_all("SELECT worker_id FROM process_fingerprints ORDER BY worker_id")
    return [str(row["worker_id"]) for row in rows]


async def test_only_a_serving_process_records_its_fingerprint(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    clock = ManualClock()
    caller = Caller(COMMUNITY, "U-amina", "Amina")
    for options in ({}, {"upgrade": False}):  # the console, an import, a simulation; a one-off command
        async with open_bot(load_settings(env_file=None, database_url=url), clock=clock, **options) as bot:
            await bot.status(caller)
            assert await fingerprint_rows(bot) == [], options
    async with open_bot(load_settings(env_file=None, database_url=url), clock=clock, peers=True) as bot:
        await bot.status(caller)
        assert await fingerprint_rows(bot) == [bot.worker_id]
        async with open_bot(
            load_settings(env_file=None, database_url=url, default_language="sw"), clock=clock
        ) as console:
            await console.status(caller)
        assert await fingerprint_rows(bot) == [bot.worker_id]
        assert bot.disagreements() == []


def admins_disagreement(mine: list[str], theirs: list[str]) -> Disagreement:
    ours = fingerprint_values(load_settings(env_file=None, admin_ids=mine), {})
    other = fingerprint_values(load_settings(env_file=None, admin_ids=theirs), {})
    [found] = compare(ours, digest_of(ours), [_peer("B", other)])
    return found


def _peer(worker: str, values: dict[str, str]) -> object:
    from datetime import UTC, datetime

    from mentorbot.storage.fingerprints import Fingerprint

    return Fingerprint(worker, datetime(2026, 1, 5, tzinfo=UTC), digest_of(values), values)


def test_the_notice_shows_a_community_only_its_own_admin_ids() -> None:
    one, two = "slack:T0001AAA", "slack:T0002BBB"
    found = admins_disagreement(
        [f"{one}:U0001ANA", f"{two}:U0002BOB"], [f"{one}:U0001ANA", f"{two}:U0002BOB", f"{two}:U0003CYY"]
    )
    here = disagreement_text(found, "A", EN, None, one)
    assert "T0002BBB" not in here and "U0002BOB" not in here and "U0003CYY" not in here, here
    assert EN("drift.admins_elsewhere", setting="MENTORBOT_ADMIN_IDS") in here
    there = disagreement_text(found, "A", EN, None, two)
    assert "T0001AAA" not in there and "U0001ANA" not in there and f"{two}:U0003CYY" in there, there
