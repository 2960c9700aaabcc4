"""Session 40: a return told while another process runs the check-in timer that its departure would skip.

Session 39's reviewer suspected it and it is so on PostgreSQL: process A is told that Amina is back
(`returns.came_back`): it clears her departure markers and reads the check-in timer's state, "pending" (due now,
not claimed yet), so it leaves the timer as it is. Before A commits, process B claims that timer and runs it: it
still reads her departure marker (A's delete is not committed), skips the check-in as one for a member who is gone,
and marks the timer done. A commits. Nothing is pending any more: the check-in skipped is never sent (the next
process start's `resume_checkins` was the only way back), and no later one follows it. A now reads the timer's state
with the row locked (``FOR UPDATE``): B's claim passes over it (``SKIP LOCKED``) until A commits, and takes it at the
next round, when the marker is gone; one B claimed first is seen running and scheduled again. SQLite has one writer at
a time: B's claim waits for A's commit. Both engines run the test."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.models import JobKind
from mentorbot.storage.store import Store
from tests.conftest import store_on_same_database
from tests.usecases.conftest import COMMUNITY, make_settings
from tests.usecases.test_checkin_repeat_s39 import both, checkins, day_by_day, matched

Who = Callable[..., Caller]


async def test_a_checkin_due_as_a_member_comes_back_is_sent_once(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    other = store_on_same_database(store)
    await other.open(clock.now())
    try:
        a = MentorBot(store, library, make_settings(), clock, worker_id="A")
        b = MentorBot(other, library, make_settings(), clock, worker_id="B")
        start = clock.now()
        mentorship = await matched(a, who)
        assert list(await day_by_day([a], clock, start, 40)) == [14]
        await a.member_left(COMMUNITY, "U-amina")
        clock.advance(start + timedelta(days=44) - clock.now())  # the second check-in is due, not run yet
        assert await store.job_status(JobKind.CHECKIN, mentorship) == "pending"

        read = asyncio.Event()
        b_ran = asyncio.Event()
        real = store.job_status

        async def job_status(kind: JobKind, ref_id: int, **kwargs: Any) -> Any:
            status = await real(kind, ref_id, **kwargs)
            if kind is JobKind.CHECKIN:
                read.set()
                with contextlib.suppress(TimeoutError):  # SQLite: B waits for this unit's commit
                    await asyncio.wait_for(b_ran.wait(), 3)
            return status

        store.job_status = job_status  # type: ignore[method-assign]
        back = asyncio.create_task(a.member_back(COMMUNITY, "U-amina", "Amina"))
        await read.wait()
        sent = checkins(await b.run_due_jobs())
        b_ran.set()
        await back
        del store.job_status
        clock.advance(timedelta(seconds=1))
        for bot in (a, b):
            sent += checkins(await bot.run_due_jobs())
        assert sorted(f"{n.platform_user_id}@{n.key}" for n in sent) == both(f"checkin:{mentorship}:2")
        assert list(await day_by_day([a, b], clock, start, 80)) == [74], "the next, 30 days after it"
    finally:
        await other.close()
