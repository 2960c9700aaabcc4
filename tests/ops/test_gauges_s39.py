"""Session 39's gauges of what an operator watches, read from the database at scrape time (`observability.refresh`, in
its one read transaction), on both engines and against the test's clock:

- ``mentorbot_mentorships_active``: mentorships in progress (status ``active``), not the ended ones;
- ``mentorbot_outbox_pending{state}``: the outbox's notifications not delivered yet, as the store tells them apart:
  ``due`` (pending, its claim run out or its retry wait over: any process may claim it now, `claim_undelivered`),
  ``retrying`` (released after a failed try, its wait not over), ``delivering`` (claimed by a process whose claim
  runs), ``held`` (kept for the member's next command); delivered and superseded rows are not counted;
- ``mentorbot_outbox_oldest_due_seconds``: how long the notification due the longest has been due and unclaimed
  (0 when none): delivery stuck;
- ``mentorbot_inbox_pending`` and ``mentorbot_inbox_oldest_seconds``: recorded platform events not done (``pending``:
  not processed; ``answering``: processed, the answer not shown yet), and the age of the oldest (0 when none)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.observability import REGISTRY, refresh
from mentorbot.replies import Notification, Reply, reply_to_json
from mentorbot.storage.store import Store
from tests.usecases.conftest import COMMUNITY, make_settings

WORKER = "worker-a"
LEASE = timedelta(minutes=2)


def sample(name: str, **labels: str) -> float | None:
    """The value the process's registry serves for `name` (None: no such series)."""
    return REGISTRY.get_sample_value(name, labels)


def outbox_states() -> dict[str, float | None]:
    return {s: sample("mentorbot_outbox_pending", state=s) for s in ("due", "retrying", "delivering", "held")}


def served(store: Store, clock: ManualClock) -> Any:
    """What `refresh` reads of a running bot: its store and its clock."""
    return SimpleNamespace(store=store, clock=clock)


@pytest.fixture
def bot(store: Store, clock: ManualClock) -> MentorBot:
    settings = make_settings()
    return MentorBot(store, Library(settings.skills_file, settings.courses_file), settings, clock, worker_id=WORKER)


def member(name: str) -> Caller:
    return Caller(COMMUNITY, f"U-{name}", name.capitalize())


async def _matched(bot: MentorBot, mentee: str) -> None:
    """`mentee` asks; the mentor offered the request accepts: a mentorship starts."""
    outcome = await bot.request(member(mentee), skills="seo")
    [(mentor, offer)] = [
        (n.platform_user_id, b.ref)
        for n in outcome.notifications
        for b in n.reply.buttons
        if b.action == "offer.accept"
    ]
    accepted = await bot.accept(Caller(COMMUNITY, mentor, mentor), offer_id=offer)
    assert accepted.error is None, accepted.error


async def test_active_mentorships_are_counted_and_ended_ones_not(bot: MentorBot) -> None:
    for name in ("mentor1", "mentor2"):
        assert (await bot.signup(member(name), skills="seo", capacity=1)).error is None
    assert await refresh(bot)
    assert sample("mentorbot_mentorships_active") == 0
    await _matched(bot, "amina")
    await _matched(bot, "bola")
    assert await refresh(bot)
    assert sample("mentorbot_mentorships_active") == 2
    ended = await bot.end(member("amina"), rating="5")
    assert ended.error is None, ended.error
    assert await refresh(bot)
    assert sample("mentorbot_mentorships_active") == 1, "an ended mentorship is not in progress"
    assert len(await bot.store.list_mentorships(active_only=True)) == 1


def _note(member_id: int, text: str, key: str | None = None) -> Notification:
    return Notification(member_id, "U-amina", Reply(text), key, community=COMMUNITY, language="en")


async def test_the_outbox_by_state_and_how_long_the_oldest_due_one_has_waited(store: Store, clock: ManualClock) -> None:
    bot = served(store, clock)
    assert await refresh(bot)
    assert outbox_states() == {"due": 0, "retrying": 0, "delivering": 0, "held": 0}
    assert sample("mentorbot_outbox_oldest_due_seconds") == 0

    t0 = clock.now()
    amina = await store.ensure_member(COMMUNITY, "U-amina", "Amina", t0)
    # Written by a process that died at once: claimable when its 2-minute claim runs out.
    await store.enqueue([_note(amina.id, "orphan")], t0, "worker-dead", lease=LEASE)
    # Failed once, to be tried again in 1 minute.
    [retried] = await store.enqueue([_note(amina.id, "retried")], t0, WORKER, lease=LEASE)
    assert await store.release_for_retry(retried, WORKER, t0 + timedelta(minutes=1))
    # Failed once, to be tried again in an hour.
    [later] = await store.enqueue([_note(amina.id, "later")], t0, WORKER, lease=LEASE)
    assert await store.release_for_retry(later, WORKER, t0 + timedelta(hours=1))
    # Delivered, and an older version of a key superseded by a newer one: neither is pending.
    [done] = await store.enqueue([_note(amina.id, "done")], t0, WORKER, lease=LEASE)
    assert await store.mark_delivered([done], t0, WORKER) == 1
    await store.enqueue([_note(amina.id, "old version", key="offer:1")], t0, WORKER, lease=LEASE)
    # Held for the member's next command (DMs closed).
    assert await store.hold_notice(amina.id, reply_to_json(Reply("held")), t0)

    clock.advance(timedelta(minutes=5))
    # Being delivered by a live process (its claim runs until t0 + 7 min): the newer version of offer:1.
    await store.enqueue([_note(amina.id, "new version", key="offer:1")], clock.now(), WORKER, lease=LEASE)
    assert await refresh(bot)
    assert outbox_states() == {"due": 2, "retrying": 1, "delivering": 1, "held": 1}
    assert sum(v or 0 for s, v in outbox_states().items() if s != "held") == await store.count_undelivered()
    # The orphan has been due since its claim ran out (t0 + 2 min), the retried one since t0 + 1 min: 4 minutes.
    assert sample("mentorbot_outbox_oldest_due_seconds") == 4 * 60

    clock.advance(timedelta(seconds=30))
    assert await refresh(bot)
    assert sample("mentorbot_outbox_oldest_due_seconds") == 4 * 60 + 30, "it grows while no process claims them"

    # A process claims them (the recovery): none is due, both are being delivered.
    claimed = await store.claim_undelivered(clock.now(), WORKER, lease=LEASE)
    assert {n.reply.text for n in claimed} == {"orphan", "retried"}
    assert await refresh(bot)
    assert outbox_states() == {"due": 0, "retrying": 1, "delivering": 3, "held": 1}
    assert sample("mentorbot_outbox_oldest_due_seconds") == 0


async def test_the_inbox_events_not_done_and_the_age_of_the_oldest(store: Store, clock: ManualClock) -> None:
    bot = served(store, clock)
    assert await refresh(bot)
    assert sample("mentorbot_inbox_pending") == 0
    assert sample("mentorbot_inbox_oldest_seconds") == 0

    t0 = clock.now()
    finished = await store.record_event("ev-finished", COMMUNITY, "U-amina", "{}", t0, WORKER, lease=LEASE)
    recorded = await store.record_event("ev-recorded", COMMUNITY, "U-amina", "{}", t0, WORKER, lease=LEASE)
    clock.advance(timedelta(seconds=30))
    answering = await store.record_event("ev-answering", COMMUNITY, "U-bola", "{}", clock.now(), WORKER, lease=LEASE)
    assert finished is not None and recorded is not None and answering is not None
    assert await store.finish_event(finished, clock.now())
    assert await store.begin_processing(answering)  # its use-case committed; the answer is not shown yet
    await store.store_answer(answering, '{"text": "ok"}', clock.now(), WORKER, lease=LEASE)

    clock.advance(timedelta(seconds=60))
    assert await refresh(bot)
    assert sample("mentorbot_inbox_pending") == 2 == await store.count_unprocessed()
    assert sample("mentorbot_inbox_oldest_seconds") == 90, "the oldest not done: ev-recorded, 90 s ago"

    assert await store.finish_event(recorded, clock.now())
    assert await refresh(bot)
    assert sample("mentorbot_inbox_pending") == 1
    assert sample("mentorbot_inbox_oldest_seconds") == 60
    assert await store.finish_event(answering, clock.now())
    assert await refresh(bot)
    assert sample("mentorbot_inbox_pending") == 0
    assert sample("mentorbot_inbox_oldest_seconds") == 0


async def test_the_gauges_are_read_in_refreshs_one_read_transaction(
    store: Store, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[int] = []
    read: Callable[[], AbstractAsyncContextManager[Any]] = store.db.read

    def counting() -> AbstractAsyncContextManager[Any]:
        opened.append(1)
        return read()

    monkeypatch.setattr(store.db, "read", counting)
    assert await refresh(served(store, clock))
    assert len(opened) == 1
    for name in ("mentorbot_mentorships_active", "mentorbot_outbox_oldest_due_seconds", "mentorbot_inbox_pending"):
        assert sample(name) == 0, name


def test_the_new_gauges_keep_the_newest_figure_over_several_workers() -> None:
    from mentorbot import metrics

    for gauge in (
        metrics.MENTORSHIPS_ACTIVE,
        metrics.OUTBOX_PENDING,
        metrics.OUTBOX_OLDEST_DUE,
        metrics.INBOX_PENDING,
        metrics.INBOX_OLDEST,
    ):
        assert gauge._multiprocess_mode == "livemostrecent", gauge._name
