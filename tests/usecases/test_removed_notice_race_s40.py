"""The day's review, PostgreSQL: a request cancelled while a reload works out afresh why it waits is not told "still
open … cancel it".

A reload works out afresh the reasons of a removed skill's waiting requests in one unit (`reword_removed` →
`reword` → `store_reason`). A member who cancels that request on another process while the reload runs (after its
page of waiting requests was read, before its update) was sent "Your request #1 (social-listening) is still open …
Cancel this request with `/mentor cancel`": `store_reason` enqueued the notice whatever `set_wait_reason` said
(False: no longer waiting), after the cancel had superseded the request's notices. The notice is now written only
when that very change is stored: still waiting, its reason still the one read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from mentorbot.bot import Caller
from mentorbot.clock import ManualClock
from mentorbot.models import RequestStatus
from mentorbot.storage.postgres_engine import PostgresDatabase
from mentorbot.storage.store import Store
from mentorbot.usecases import matchmaking
from tests.conftest import store_on_same_database
from tests.usecases.conftest import COMMUNITY
from tests.usecases.test_leave_hunt import library_files, remove_skill
from tests.usecases.test_skills_removed_s40 import ADMIN, outbox_for, process

Who = Callable[..., Caller]


async def test_a_request_cancelled_during_the_reload_is_not_told_it_is_still_open(
    store: Store, clock: ManualClock, tmp_path: Path, who: Who, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not isinstance(store.db, PostgresDatabase):
        pytest.skip("the interleaving needs two connections that do not serialise (PostgreSQL)")
    skills, courses = library_files(tmp_path / "lib")
    a = process(store, clock, skills, courses, "A")
    other = store_on_same_database(store)
    await other.open(clock.now())
    try:
        b = process(other, clock, skills, courses, "B")
        await a.request(who("chiku"), skills="social-listening")
        remove_skill(skills, courses, "social-listening")
        clock.advance(timedelta(seconds=1))
        real = matchmaking.wait_reason
        fired = False

        async def cancel_meanwhile(core: Any, request: Any, mentee: Any, blocks: Any = None) -> str:
            nonlocal fired
            if not fired and core is a.core:
                fired = True
                await b.cancel(who("chiku"))  # the member cancels on process B; committed
            return await real(core, request, mentee, blocks)

        monkeypatch.setattr(matchmaking, "wait_reason", cancel_meanwhile)
        await a.admin_reload(ADMIN)
        assert fired
        member = await store.find_member(COMMUNITY, "U-chiku")
        assert member is not None
        [request] = await store.list_member_requests(member.id, open_only=False)
        assert request.status is RequestStatus.CANCELLED
        told = await outbox_for(a, "chiku")
        assert not [n for n in told if n.key and ":removed:" in n.key], "a cancelled request told it is still open"
    finally:
        await other.close()
