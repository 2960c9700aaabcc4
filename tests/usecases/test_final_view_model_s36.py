"""A model of what each person was last shown (session 36's hunt "what each person finally sees"): random sequences
of requests, answers, cancels, pauses, resumes and time passing with the timers run, each notification drawn a
delivery fate per recipient, on both engines. The three defects `test_final_view_s36.py` pins (commit 3190423) were
fixed against the rule it proves.

The model keeps each member's screen: per message, the last version of it they were shown, in the order shown:
- a notification delivered (`MentorBot.delivered`) is shown when delivered, in its outcome's order;
- a notification held (`MentorBot.hold_undelivered`: DMs closed) is shown with that member's next command
  (`Outcome.held`), after the command's reply and before the command's own notifications (as the console adapter
  shows them), in the order the outbox returns them, each under the key of the row it was taken from;
- a notification lost to a dying process is left pending, claimed by it; the process is replaced (a new worker
  id) once its claims ran out (the clock moves on by the lease), and a later restart round (`restart_round` of
  `test_answered_in_time_s34.py`, another worker id) delivers what it recovers (the platform takes it then);
- a command's reply is shown when it is about an offer or a request: an accept's or a decline's of the offer (a
  version of ``offer:<id>``), a new request's (it is offered, or waits: ``request:<R>:reply:<status>``) and a
  cancel's of the request. Status and pause replies are not counted (neither takes a message's place).
A message is its key (``offer:<O>`` to the mentor; ``request:<R>:offer:<O>`` "a mentor has been offered your
request", ``request:<R>:after:<O>`` "your request is waiting again", ``mentorship:<M>`` the introduction), or for the
unkeyed "request #R was closed because mentorship #M covers it", that request's.

The rule: what each person was last shown about an offer or a request agrees with its state in the database, unless
a newer message about it is still on its way to them, that is in the outbox for them, pending or held, written after
the version on their screen (rows are ordered by (created_at, id): SQLite gives a pruned newest row's id again).
Checked after every step:
- mentor: for every offer, when the last version of ``offer:<O>`` its mentor was shown carries its Accept button,
  the offer is pending, or a newer row of ``offer:<O>`` is pending or held for them;
- mentee: for every request matched, cancelled or closed, the last message about it its mentee was shown (its
  ``request:<R>:…`` notices, the new request's or the cancel's reply, the introduction of its mentorship, the
  "closed" notice) says it ended (not "now offered", "waiting again", nor the request's own "offered" / "waiting"),
  or a newer message about it is pending or held for them;
and at each command, of the held notices it shows: none is older than a version of its key already written for
that member (`take_held_keyed` shows the newest of each key; a command writes its own notifications first).
Once everything was delivered, or held and shown (the `restart` rule with ``everyone_looks``: a restart round, then
every member with held notices runs `/mentor status`), no allowance is left.

The same rule for requests still open (`open_states`: an offered request's mentee last shown "offered", a waiting
one's "waiting") holds too. It found, as an expected failure first, that a request offered anew (the sweep's or a
resume's `matchmaking.requeue_quietly`) superseded nothing of the request, so a held "waiting again" was shown with
the mentee's next command after the "now offered" that reached them. Shrunk (SQLite; a0 asks SEO, mentors m0 and
m1): ``request(a0, seo)`` all delivered; ``answer(m0 declines offer 1)``, m1's offer 2 held; ``time_passes(49 h)``,
a0's "request #1 is waiting again" held (offer 2 expired unsent); ``restart(everyone_looks)``: the restart's sweep
offers it to m1 again and delivers a0's "now offered", then a0's `/mentor status` shows the held "waiting again".
Fixed the same session: an offer made supersedes the request's notices not reached their mentee yet
(`OfferStore.create_offer`, `create_offers`).

A command between a batch's claim and its send (`command_during_batch`, session 41): a timer round claims its
batch, a member's command runs and its notifications go out, then the batch is sent as the adapters send it, each
row re-checked right before its platform call (`app.still_to_send`). With the re-check disabled (every claimed row
sent, as before session 41) it fails within the CI examples on SQLite: a0's offer 1 expires in the round, which
hands the request on to m1 (offer 2, in the batch); a0 cancels before the batch is sent, and m1 is last shown offer 2
with its Accept button though it was withdrawn (the batch's stale version after the withdrawal). With only the
ownership part of the re-check (a row superseded or taken over is skipped, but none is dropped as out of date), m2
declines offer 4 by command before the batch reaches it and is then shown it live (the decline's supersession spares
a row its live process claims).

Session 42: a mentor pauses until they resume or for a day (the pause's end a timer, whose round sweeps waiting
requests to them: the mentees' "offered" in its batch), and one or two commands run during a batch. The hunt's find,
replayed on both engines (`HANDED_ON_DURING_BATCH`, open states; too rare for the drawn examples): a request offered
by a batch and declined before the batch reached the mentee's "offered", handed on to a mentor just back; the
hand-on told her nothing (the batch holds her notice) and the re-check dropped the notice (its offer ended), so she
was last shown "waiting" while it was offered. The notice is now out of date only once the request has no pending
offer (`outbox._out_of_date`); with the re-check disabled the CI examples still fail (a declined offer's Accept).

Not asserted (never promised): a row a process still claims is being delivered by it, in order
(docs/reliability.md, "The outbox"): the product tells a dead writer only by its claim having run out, so a
process that dies is replaced only after its lease. A held notice is dropped unseen after 90 days
(`HELD_NOTICE_RETENTION`): the model's members come back long before. A status reply, an adapter's in-place edit
and the buttons of `/mentor status` are not messages of the model; its mentees mentor nothing, and no admin acts.

On the code before commit 3190423 (``git archive 3190423^``, this file copied in, ``PYTHONPATH`` at the copy) the CI
run fails on SQLite (a held offer shown, Accept live, with the reply of the decline that ended it).
``MENTORBOT_FUZZ_EXAMPLES=300 pytest -m fuzz_heavy`` runs the heavy one.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from mentorbot.app import Sending, still_to_send
from mentorbot.bot import MentorBot
from mentorbot.library import Library
from mentorbot.replies import Notification, Outcome, Reply, reply_from_json
from tests.conftest import require_postgres
from tests.usecases.model_plumbing import ProgrammeMachine, run_machine
from tests.usecases.test_answered_in_time_s34 import restart_round
from tests.usecases.test_programme_model import HEAVY_EXAMPLES, _dt

MENTORS = {"m0": ("seo", 2), "m1": ("seo,copywriting", 1), "m2": ("copywriting", 1)}
MENTEES = ("a0", "a1", "a2", "a3")
PEOPLE = (*MENTORS, *MENTEES)
FATES = ("delivered", "held", "lost")
CLOSED = re.compile(r"Your request #(\d+) was closed because mentorship #\d+")
SAYS = {"offer": "offered", "after": "waiting", "cancel": "ended", "closed": "ended"}
"""What a message about request R says of it, by the third part of its topic (``request:<R>:<part>…``; the new
request's reply is ``request:<R>:reply:<offered|waiting>``, the introduction says "ended")."""
STATE = {"waiting": "waiting", "offered": "offered", "matched": "ended", "cancelled": "ended", "closed": "ended"}

fates_of = st.lists(st.sampled_from(FATES), min_size=len(PEOPLE), max_size=len(PEOPLE))
skill_sets = st.sampled_from(["seo", "copywriting", "seo,copywriting"])


@dataclass(frozen=True)
class Shown:
    """One message as a member was shown it: when (the model's sequence), its topic (its key, or the reply's),
    what it said, and its watermark: when the outbox row it came from was written and its id, or, for a reply, the
    time it was shown and the newest id then. Rows are in the order they were written by (created_at, id): SQLite
    gives the id of a pruned newest row again, so the id alone is not."""

    seq: int
    topic: str
    reply: Reply
    watermark: tuple[datetime, int]


def topic_of(key: str | None, reply: Reply) -> str | None:
    """The message a notification is a version of: its key, or for an unkeyed "closed as covered", the request's."""
    if key is not None:
        return key
    found = CLOSED.match(reply.text)
    return f"request:{found.group(1)}:closed" if found else None


def says_of(topic: str) -> str:
    """What a message about a request says of it: "offered", "waiting" or "ended" (`SAYS`)."""
    if topic.startswith("mentorship:"):
        return "ended"
    parts = topic.split(":")
    return parts[3] if parts[2] == "reply" else SAYS[parts[2]]


def live_accept(reply: Reply, offer: int) -> bool:
    return any(b.action == "offer.accept" and b.ref == str(offer) for b in reply.buttons)


class FinalViewModel(ProgrammeMachine):
    """Three mentors of SEO and copywriting, four mentees; every message's fate drawn per recipient."""

    engine = "sqlite"
    library: Library
    open_states = False
    """Also the open states (`test_final_view_model_open_states`): an offered request's mentee was not last shown
    "waiting", a waiting one's not "offered"."""

    worker_id = "model-0"

    def __init__(self) -> None:
        super().__init__()
        self.generation = 0
        self.seq = 0
        self.screens: dict[str, dict[str, Shown]] = {name: {} for name in PEOPLE}
        self.log: list[str] = []
        for name, (skills, capacity) in MENTORS.items():
            signed = self.run(self.bot.signup(self.who(name), skills=skills, capacity=str(capacity)))
            self.run(self.bot.delivered(signed.notifications))

    # ------------------------------------------------------------------------------------------- the screens

    def now_mark(self) -> tuple[datetime, int]:
        [row] = self.fetch("SELECT MAX(id) AS n FROM outbox")
        return (self.clock.now(), int(row["n"] or 0))

    def row_mark(self, row_id: int | None) -> tuple[datetime, int]:
        [row] = self.fetch("SELECT created_at FROM outbox WHERE id = ?", row_id)
        return (_dt(row["created_at"]), int(row_id or 0))

    def show(self, name: str, topic: str | None, reply: Reply, watermark: tuple[datetime, int]) -> None:
        if topic is None:
            return
        self.seq += 1
        self.screens[name][topic] = Shown(self.seq, topic, reply, watermark)

    def lease(self) -> timedelta:
        return timedelta(seconds=self.bot.settings.lease_seconds + 1)

    def die(self) -> None:
        """The process died before delivering some of what it wrote: another takes over once its claims ran out."""
        self.clock.advance(self.lease())
        self.generation += 1
        self.bot = MentorBot(
            self.bot.store, self.library, self.bot.settings, self.clock, worker_id=f"model-{self.generation}"
        )

    def deliver(self, notes: tuple[Notification, ...] | list[Notification], fates: list[str]) -> None:
        """Each recipient's notifications delivered, held (DMs closed) or lost (the process dies before sending)."""
        delivered: list[Notification] = []
        died = False
        for note in notes:
            name = note.platform_user_id.removeprefix("U-")
            fate = fates[PEOPLE.index(name)]
            if fate == "delivered":
                delivered.append(note)
                self.show(name, topic_of(note.key, note.reply), note.reply, self.row_mark(note.outbox_id))
            elif fate == "held":
                self.run(self.bot.hold_undelivered(note))
            else:
                died = True
        self.run(self.bot.delivered(delivered))
        if died:
            self.die()

    def command(self, name: str, coro: Any, fates: list[str], about: str | None = None) -> Outcome:
        """Run a member's command: its reply (when `about` names what it is about), then the held notices it
        shows, then its notifications, each by its recipient's fate."""
        mid = self.member_id(name)
        held = (
            {
                int(r["id"]): r
                for r in self.fetch(
                    "SELECT id, message_key, payload, created_at FROM outbox WHERE member_id = ? AND status = 'held'",
                    mid,
                )
            }
            if mid is not None
            else {}
        )
        outcome: Outcome = self.run(coro)
        self.log.append(
            f"{name}: {outcome.reply.text[:70]!r} held={len(outcome.held)} notes={len(outcome.notifications)}"
        )
        if about is not None and outcome.error is None:
            self.show(name, about, outcome.reply, self.now_mark())
        if outcome.held:
            # The held rows this command took: delivered now, in the order the outbox returns them.
            ids = ",".join(map(str, sorted(held) or [0]))
            found = self.fetch(f"SELECT id FROM outbox WHERE status = 'delivered' AND id IN ({ids})")
            taken = sorted(int(r["id"]) for r in found)
            assert len(taken) == len(outcome.held), (taken, outcome.held)
            for row_id, reply in zip(taken, outcome.held, strict=True):
                row = held[row_id]
                assert reply_from_json(str(row["payload"])) == reply
                # Shown now: no newer version of it may have been written already (`take_held_keyed` shows the
                # newest of each key only; a command writes its own notifications before taking the held ones).
                mark = (_dt(row["created_at"]), row_id)
                if row["message_key"] is not None:
                    versions = self.fetch(
                        "SELECT id, status, created_at FROM outbox WHERE member_id = ? AND message_key = ?",
                        mid,
                        row["message_key"],
                    )
                    newer = [dict(n) for n in versions if (_dt(n["created_at"]), int(n["id"])) > mark]
                    assert not newer, (
                        f"{name} was shown the held {row['message_key']} (row {row_id}) while a newer version of it "
                        f"was written already: {newer}\n" + "\n".join(self.log[-12:])
                    )
                self.show(name, topic_of(row["message_key"], reply), reply, mark)
        self.deliver(outcome.notifications, fates)
        return outcome

    # ------------------------------------------------------------------------------------------- rules

    @rule(name=st.sampled_from(MENTEES), skills=skill_sets, fates=fates_of)
    def request(self, name: str, skills: str, fates: list[str]) -> None:
        before = self.newest_request()
        mid = self.member_id(name)
        outcome = self.command(name, self.bot.request(self.who(name), skills=skills), fates)
        after = self.newest_request()
        if outcome.error is None and after > before:
            [row] = self.fetch("SELECT member_id, status FROM requests WHERE id = ?", after)
            assert mid is None or int(row["member_id"]) == mid
            self.show(name, f"request:{after}:reply:{row['status']}", outcome.reply, self.now_mark())

    def newest_request(self) -> int:
        [row] = self.fetch("SELECT MAX(id) AS n FROM requests")
        return int(row["n"] or 0)

    @rule(name=st.sampled_from(tuple(MENTORS)), pick=st.integers(0, 5), accepting=st.booleans(), fates=fates_of)
    def answer(self, name: str, pick: int, accepting: bool, fates: list[str]) -> None:
        """A mentor accepts or declines one of their pending offers (another mentor's, when they hold none)."""
        pending = self.pending_of(name)
        if not pending:
            holders = [other for other in MENTORS if self.pending_of(other)]
            if not holders:
                return
            name = holders[pick % len(holders)]
            pending = self.pending_of(name)
        offer = pending[pick % len(pending)]
        caller = self.who(name)
        coro = (
            self.bot.accept(caller, offer_id=offer)
            if accepting
            else self.bot.decline(caller, offer_id=offer, reason="busy this week")
        )
        self.command(name, coro, fates, about=f"offer:{offer}")

    @rule(name=st.sampled_from(MENTEES), pick=st.integers(0, 5), fates=fates_of)
    def cancel(self, name: str, pick: int, fates: list[str]) -> None:
        mid = self.member_id(name)
        if mid is None:
            return
        open_ = self.fetch(
            "SELECT id FROM requests WHERE member_id = ? AND status IN ('waiting', 'offered') ORDER BY id", mid
        )
        if open_:
            target = int(open_[pick % len(open_)]["id"])
            self.command(
                name, self.bot.cancel(self.who(name), request_id=target), fates, about=f"request:{target}:cancel"
            )

    @rule(name=st.sampled_from(tuple(MENTORS)), until=st.sampled_from((None, "1d")), fates=fates_of)
    def pause(self, name: str, fates: list[str], until: str | None = None) -> None:
        """A mentor pauses, until they resume or for a day (session 42): the pause's end is a timer, whose round
        sweeps the waiting requests to them, their mentees' "offered" in the round's batch."""
        self.command(name, self.bot.pause(self.who(name), until=until), fates)

    @rule(name=st.sampled_from(tuple(MENTORS)), fates=fates_of)
    def resume(self, name: str, fates: list[str]) -> None:
        self.command(name, self.bot.resume(self.who(name)), fates)

    @rule(name=st.sampled_from(PEOPLE))
    def look(self, name: str) -> None:
        """A member runs `/mentor status`: their held notices are shown with it."""
        if self.member_id(name) is not None:
            self.command(name, self.bot.status(self.who(name)), ["delivered"] * len(PEOPLE))

    @rule(hours=st.sampled_from([1, 12, 49]), fates=fates_of)
    def time_passes(self, hours: int, fates: list[str]) -> None:
        """Time passes and this process's timers run (expiries, the sweep); not the recovery of the outbox."""
        self.clock.advance(timedelta(hours=hours))
        self.deliver(self.run(self.bot.run_due_jobs()), fates)

    @rule(
        hours=st.sampled_from([12, 49]),
        sweep=st.booleans(),
        acts=st.lists(st.sampled_from(("cancel", "answer", "pause", "resume")), min_size=1, max_size=2),
        mentee=st.sampled_from(MENTEES),
        mentor=st.sampled_from(tuple(MENTORS)),
        pick=st.integers(0, 5),
        accepting=st.booleans(),
        fates=fates_of,
        batch_fates=fates_of,
    )
    def command_during_batch(
        self,
        hours: int,
        sweep: bool,
        acts: list[str],
        mentee: str,
        mentor: str,
        pick: int,
        accepting: bool,
        fates: list[str],
        batch_fates: list[str],
    ) -> None:
        """A command between a batch's claim and its send (session 41): time passes and a timer round claims its
        batch (expiries handing requests on, the sweep's offers, "offered", "waiting again"), then, while the
        adapter is still sending the batch's first rows, a member's command runs and its notifications are sent at
        once; then the batch reaches its rows, sent as the adapters send them (`send_batch`). When the command's
        process died (a "lost" fate), the batch died with it: its rows are recovered by a later restart. Since
        session 42, one or two commands: a mentor back (`resume`) whom the batch's offer, declined next, is handed
        on to, while the mentee's "offered" is still in the batch (kept: the request is still offered)."""
        self.clock.advance(timedelta(hours=hours))
        batch = self.run(self.bot.run_due_jobs(sweep=sweep))
        generation = self.generation
        for act in acts:
            if act == "cancel":
                self.cancel(mentee, pick, fates)
            elif act == "answer":
                self.answer(mentor, pick, accepting, fates)
            elif act == "pause":
                self.pause(mentor, fates)
            else:
                self.resume(mentor, fates)
            if self.generation != generation:
                self.log.append(f"a batch of {len(batch)} died with its process")
                return
        self.log.append(f"a batch of {len(batch)} sent after {acts}: {[n.key for n in batch]}")
        self.send_batch(batch, batch_fates)

    def send_batch(self, batch: list[Notification], fates: list[str]) -> None:
        """A timer round's batch sent as the adapters send it (Slack `Delivery.notify`, Discord
        `MentorBotClient.deliver`): in an `app.Sending`, each notification re-checked right before its platform call
        (`app.still_to_send`); those still to send then meet their recipient's fate."""

        async def still() -> list[Notification]:
            kept: list[Notification] = []
            async with Sending(self.bot):
                for note in batch:
                    if await still_to_send(note):
                        kept.append(note)
            return kept

        self.deliver(self.run(still()), fates)

    @rule(everyone_looks=st.booleans())
    def restart(self, everyone_looks: bool) -> None:
        """A restart round once the dead processes' claims ran out: the timers, then what they left, delivered.
        With `everyone_looks`, every member with held notices then runs a command: nothing is left on its way."""
        self.clock.advance(self.lease())
        for note in self.run(restart_round(self.bot, restarted=True)):
            name = note.platform_user_id.removeprefix("U-")
            self.show(name, topic_of(note.key, note.reply), note.reply, self.row_mark(note.outbox_id))
        self.log.append("restart round")
        if everyone_looks:
            for name in PEOPLE:
                mid = self.member_id(name)
                if mid is not None and self.fetch(
                    "SELECT 1 AS x FROM outbox WHERE member_id = ? AND status = 'held'", mid
                ):
                    self.look(name)

    # ------------------------------------------------------------------------------------------- the rule

    def on_their_way(self) -> dict[int, list[tuple[tuple[datetime, int], str]]]:
        """member id -> the (mark, topic) of the messages still to reach them: pending or held."""
        out: dict[int, list[tuple[tuple[datetime, int], str]]] = {}
        rows = self.fetch(
            "SELECT id, member_id, message_key, payload, created_at FROM outbox WHERE status IN ('pending', 'held')"
        )
        for r in rows:
            topic = topic_of(r["message_key"], reply_from_json(str(r["payload"])))
            if topic is not None:
                out.setdefault(int(r["member_id"]), []).append(((_dt(r["created_at"]), int(r["id"])), topic))
        return out

    @invariant()
    def screens_agree_with_the_database(self) -> None:
        names = {
            int(r["id"]): str(r["platform_user_id"]).removeprefix("U-")
            for r in self.fetch("SELECT id, platform_user_id FROM members")
        }
        coming = self.on_their_way()

        def newer(member: int, topics: set[str] | None, prefix: str | None, after: tuple[datetime, int]) -> bool:
            return any(
                mark > after
                and ((topics is not None and topic in topics) or (prefix is not None and topic.startswith(prefix)))
                for mark, topic in coming.get(member, [])
            )

        for o in self.fetch("SELECT id, mentor_id, status FROM offers ORDER BY id"):
            offer, mentor = int(o["id"]), int(o["mentor_id"])
            shown = self.screens[names[mentor]].get(f"offer:{offer}")
            if shown is None or not live_accept(shown.reply, offer) or o["status"] == "pending":
                continue
            assert newer(mentor, {f"offer:{offer}"}, None, shown.watermark), (
                f"{names[mentor]} was last shown offer {offer} with its Accept button (row {shown.watermark[1]}), "
                f"but it is {o['status']} and nothing newer is on its way to them\n" + "\n".join(self.log[-12:])
            )
        of_request: dict[int, set[str]] = {}
        for m in self.fetch("SELECT id, request_id FROM mentorships WHERE request_id IS NOT NULL"):
            of_request.setdefault(int(m["request_id"]), set()).add(f"mentorship:{int(m['id'])}")
        for r in self.fetch("SELECT id, member_id, status FROM requests ORDER BY id"):
            request, mentee = int(r["id"]), int(r["member_id"])
            prefix = f"request:{request}:"
            intros = of_request.get(request, set())
            about = [s for t, s in self.screens[names[mentee]].items() if t.startswith(prefix) or t in intros]
            if not about:
                continue
            last = max(about, key=lambda s: s.seq)
            says = says_of(last.topic)
            state = STATE[str(r["status"])]
            if says == state or (state != "ended" and not self.open_states):
                continue
            assert newer(mentee, intros, prefix, last.watermark), (
                f"{names[mentee]}'s request {request} is {r['status']}, but the last they were shown of it is "
                f"{last.topic} (it says {says}): {last.reply.text!r}, and nothing newer is on its way to them\n"
                + "\n".join(self.log[-12:])
            )


def _run_final_view(
    engine: str, library: Library, examples: int, steps: int, *, open_states: bool = False, shrink: bool = True
) -> None:
    run_machine(FinalViewModel, engine, examples, steps, library=library, shrink=shrink, open_states=open_states)


def test_final_view_model_sqlite(library: Library) -> None:
    _run_final_view("sqlite", library, examples=120, steps=30)


@pytest.mark.postgres
async def test_final_view_model_postgresql(library: Library) -> None:
    await require_postgres()
    # The machine runs its own event loop: off this test's.
    await asyncio.to_thread(_run_final_view, "postgresql", library, 40, 30)


def test_final_view_model_open_states(library: Library) -> None:
    _run_final_view("sqlite", library, examples=60, steps=30, open_states=True)


HANDED_ON_DURING_BATCH = [
    "state.pause(name='m0', until='1d', fates=ALL)",
    "state.pause(name='m1', fates=ALL)",
    "state.request(name='a0', skills='seo', fates=ALL)",
    "state.command_during_batch(hours=49, sweep=True, acts=['resume', 'answer'], mentee='a0', mentor='m1', pick=0, "
    "accepting=False, fates=ALL, batch_fates=ALL)",
    "state.answer(name='m1', pick=0, accepting=True, fates=ALL)",
]
"""Session 42's hunt, as the model's steps (open states): a0's request waits, both SEO mentors paused; m0's pause ends
in a timer round, whose sweep offers it to m0 (offer 1, and a0's "offered", in the batch); meanwhile m1 is back and
m0 declines by command, handing it on to m1 (offer 2), a0 told nothing: the batch holds her "offered". Before, the
batch's re-check dropped that notice (offer 1 no longer pending): a0 was last shown "waiting" while it was offered to
m1. Rare in the drawn examples (two pauses of SEO's two mentors, one dated, then two commands in one batch)."""


def _replay(engine: str, library: Library, steps: list[str]) -> None:
    class Machine(FinalViewModel):
        pass

    Machine.engine = engine
    Machine.library = library
    Machine.open_states = True
    state = Machine()
    try:
        for step in steps:
            eval(step, {"state": state, "ALL": ["delivered"] * len(PEOPLE)})
            state.screens_agree_with_the_database()
    finally:
        state.teardown()


def test_final_view_model_handed_on_during_batch_sqlite(library: Library) -> None:
    _replay("sqlite", library, HANDED_ON_DURING_BATCH)


@pytest.mark.postgres
async def test_final_view_model_handed_on_during_batch_postgresql(library: Library) -> None:
    await require_postgres()
    await asyncio.to_thread(_replay, "postgresql", library, HANDED_ON_DURING_BATCH)


@pytest.mark.fuzz_heavy
def test_final_view_model_heavy(library: Library) -> None:
    if not HEAVY_EXAMPLES:
        pytest.skip("MENTORBOT_FUZZ_EXAMPLES is not set")
    _run_final_view("sqlite", library, examples=HEAVY_EXAMPLES, steps=50)
