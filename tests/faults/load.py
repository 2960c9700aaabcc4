"""The load and the checks of the fault tests: `mentorbot run` (Slack HTTP mode) as a real process against the
fake Slack, members sending signed commands to it, and what must hold afterwards.

The test process serves the fake Slack (`FakeSlack`) on loopback and starts ``mentorbot run`` as a subprocess
(`BotProcess`) pointed at it (``MENTORBOT_SLACK__API_URL``), on a SQLite file or a PostgreSQL database of its own
(`Database`), with short leases (``MENTORBOT_LEASE_SECONDS``), a short timer interval and a short sweep. Members
send signed ``/mentor signup`` and ``/mentor request`` commands (a few at a time, sending again, with a new
trigger id, what got no HTTP 200), then the mentors click Accept on offer DMs (`Run.traffic`), while the test
does its harm beside it (``test_kill.py``: SIGKILL and restart; ``test_pg_restart.py``: PostgreSQL goes away and
comes back). Once everything settled (`Run.wait_settled`):

- every command Slack got a 200 for is applied (its inbox row done, its member signed up or asking) and
  answered (the 200 carried the answer, or the fake saw a post to its response_url): `Run.check_commands`;
- the invariants hold (`violations`);
- every outbox row is delivered (or superseded, still pending, by a newer version with its key), and reached
  its member exactly once (`Run.check_notifications`): one ``chat.postMessage`` per member and key (later
  versions edit it), one per unkeyed notification; a second post is allowed only for a row some process claimed
  again after a crash or an outage (its ``attempts`` > 1), and counted. A mentee's notice about a request
  (``request:<id>:…``: "offered", "waiting again") that the request's next change superseded before any process
  could deliver it (`storage.outbox.supersede_request_notices`: out of date, by design) is expected nowhere.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from mentorbot.i18n import translator
from mentorbot.replies import reply_from_json
from mentorbot_slack.blocks import message
from tests.fakes.slack_http_app import SlackClient
from tests.fakes.slack_ids import BOT_TOKEN, SIGNING_SECRET
from tests.fakes.slack_web_api import FakeSlack
from tests.slack.conftest import find_button

LEASE_SECONDS = 1.5
"""The inbox and outbox lease in the process (MENTORBOT_LEASE_SECONDS): what a dead process left waits this long."""
TIMER_INTERVAL = 0.3
"""Seconds between the process's timer rounds (recovery of the inbox and the outbox)."""
WORKING = translator("en")("slack.ack.working")
BUSY = translator("en")("slack.ack.busy")
"""The refusal past `MENTORBOT_MAX_INFLIGHT`, in the acknowledgement: nothing was recorded, so the member types the
command again (a loaded machine makes the work slower, so more commands are in flight at once)."""
"""A slow command's acknowledgement: not its answer (that follows through the response_url)."""
QUIET_FOR = 3.5
"""Seconds everything must stay settled before the end checks: longer than the process's sweep round (3 s)."""
SETTLE_WITHIN = 45.0
"""Seconds the process has, after the last restart, to answer and deliver everything."""


@dataclass(frozen=True)
class Load:
    """How hard one run pushes: members (a third sign up as mentors), faults (kills, or database outages),
    commands in flight at once."""

    members: int
    faults: int
    concurrency: int = 6


@dataclass
class Command:
    """One slash command a member sent (one attempt: a new trigger id each time)."""

    user: str
    text: str
    trigger_id: str
    hook_id: str
    acked: bool = False
    ack_text: str = ""
    acked_at: float = 0.0
    refused: bool = False
    """Slack got a 200 whose answer asks the member to try again (the member typed it again): not owed."""


@dataclass
class Figures:
    """What one run measured (printed, and recorded in docs/reliability.md)."""

    kills: int = 0
    restarts: int = 0
    busy: int = 0
    """Commands refused in the acknowledgement as busy (`MENTORBOT_MAX_INFLIGHT`): nothing recorded, typed again."""
    attempts: int = 0
    acked: int = 0
    applied: int = 0
    answered: int = 0
    clicks: int = 0
    clicks_acked: int = 0
    outbox_rows: int = 0
    delivered: int = 0
    superseded: int = 0
    posts: int = 0
    duplicated: int = 0
    duplicated_live: int = 0
    """Of `duplicated`, those with no fault between the two posts: the row was claimed again because its delivery
    took longer than the lease (a saturated machine; the lease is 1.5 s here, 120 s by default). At-least-once, by
    design; a row posted twice within one claim (never claimed again) is a failure of `check_notifications`."""
    lost: int = 0
    checks: list[str] = field(default_factory=list)


class Database:
    """Read access to the bot's database from the test (the bot may be down or running)."""

    def __init__(self, engine: str, url: str, path: Path | None) -> None:
        self.engine, self.url, self.path = engine, url, path

    @property
    def name(self) -> str:
        """The PostgreSQL database's name (the last part of its URL)."""
        return self.url.rsplit("/", 1)[1]

    async def rows(self, sql: str) -> list[tuple[Any, ...]]:
        if self.path is not None:
            with sqlite3.connect(self.path) as connection:
                return [tuple(row) for row in connection.execute(sql).fetchall()]
        connection = await asyncpg.connect(self.url)
        try:
            return [tuple(row) for row in await connection.fetch(sql)]
        finally:
            await connection.close()

    async def integrity(self) -> str:
        """SQLite's ``PRAGMA integrity_check`` (``ok``), or ``ok`` on PostgreSQL (the server checks its own)."""
        if self.path is None:
            return "ok"
        return str((await self.rows("PRAGMA integrity_check"))[0][0])


INVARIANTS = {
    "a mentor over capacity": ("SELECT member_id FROM mentor_profiles WHERE active_count + pending_offers > capacity"),
    "a mentor's active_count is not their active mentorships": (
        "SELECT p.member_id FROM mentor_profiles p WHERE p.active_count <> "
        "(SELECT COUNT(*) FROM mentorships m WHERE m.mentor_id = p.member_id AND m.status = 'active')"
    ),
    "a mentor's pending_offers is not their pending offers": (
        "SELECT p.member_id FROM mentor_profiles p WHERE p.pending_offers <> "
        "(SELECT COUNT(*) FROM offers o WHERE o.mentor_id = p.member_id AND o.status = 'pending')"
    ),
    "a request with two mentorships": "SELECT request_id FROM mentorships GROUP BY request_id HAVING COUNT(*) > 1",
    "a request with two accepted offers": (
        "SELECT request_id FROM offers WHERE status = 'accepted' GROUP BY request_id HAVING COUNT(*) > 1"
    ),
    "an accepted offer without its mentorship": (
        "SELECT o.id FROM offers o WHERE o.status = 'accepted' AND NOT EXISTS "
        "(SELECT 1 FROM mentorships m WHERE m.request_id = o.request_id AND m.mentor_id = o.mentor_id)"
    ),
    "an expired offer whose mentor mentors the request": (
        "SELECT o.id FROM offers o WHERE o.status = 'expired' AND EXISTS "
        "(SELECT 1 FROM mentorships m WHERE m.request_id = o.request_id AND m.mentor_id = o.mentor_id)"
    ),
    "an offered request without exactly one pending offer": (
        "SELECT r.id FROM requests r WHERE r.status = 'offered' AND "
        "(SELECT COUNT(*) FROM offers o WHERE o.request_id = r.id AND o.status = 'pending') <> 1"
    ),
    "a pending offer of a request that is not offered": (
        "SELECT o.id FROM offers o JOIN requests r ON r.id = o.request_id "
        "WHERE o.status = 'pending' AND r.status <> 'offered'"
    ),
    "a matched request without its mentorship": (
        "SELECT r.id FROM requests r WHERE r.status = 'matched' AND NOT EXISTS "
        "(SELECT 1 FROM mentorships m WHERE m.request_id = r.id)"
    ),
}


async def violations(db: Database) -> dict[str, list[Any]]:
    """Each invariant broken, with the ids that break it (empty: all hold)."""
    found: dict[str, list[Any]] = {}
    for name, sql in INVARIANTS.items():
        rows = await db.rows(sql)
        if rows:
            found[name] = [row[0] for row in rows]
    return found


class BotProcess:
    """``mentorbot run`` as a subprocess, started and SIGKILLed by the test."""

    def __init__(self, env: dict[str, str], cwd: Path, base_url: str) -> None:
        self.env, self.cwd, self.base_url = env, cwd, base_url
        self.log = cwd / "bot.log"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                *[sys.executable, "-m", "mentorbot.cli", "run", "--timer-interval", str(TIMER_INTERVAL)],
                cwd=self.cwd,
                env=self.env,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )
        async with aiohttp.ClientSession() as session, asyncio.timeout(30):
            while True:
                assert self.process.returncode is None, f"mentorbot run exited:\n{self.tail()}"
                try:
                    async with session.get(self.base_url + "/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientConnectionError:
                    pass
                await asyncio.sleep(0.05)

    async def kill(self) -> None:
        assert self.process is not None and self.process.returncode is None, f"the bot died:\n{self.tail()}"
        os.kill(self.process.pid, signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:]) if self.log.exists() else ""


def bot_env(fake: FakeSlack, database_url: str, port: int) -> dict[str, str]:
    """The subprocess's environment: the machine's, without any MENTORBOT_* of the developer's, plus ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENTORBOT_")}
    env.update(
        MENTORBOT_DATABASE_URL=database_url,
        MENTORBOT_SLACK__BOT_TOKEN=BOT_TOKEN,
        MENTORBOT_SLACK__SIGNING_SECRET=SIGNING_SECRET,
        MENTORBOT_SLACK__MODE="http",
        MENTORBOT_SLACK__HOST="127.0.0.1",
        MENTORBOT_SLACK__PORT=str(port),
        MENTORBOT_SLACK__API_URL=fake.api_url,
        MENTORBOT_RATE_LIMIT_PER_MINUTE="100000",
        MENTORBOT_LEASE_SECONDS=str(LEASE_SECONDS),
        MENTORBOT_SWEEP_MINUTES="0.05",
        MENTORBOT_LOG_LEVEL="INFO",
    )
    return env


class Run:
    """One run under load: the fake Slack, the bot process, the members, what they sent and what was measured.
    A fault test adds its faults (kills, outages) beside `traffic` and then runs the checks."""

    PREFIX = "KILL"
    """The members' ids are ``U0<PREFIX>0001``…"""
    CHANNEL = "C0KILL"
    SPREAD_PER_FAULT = 2.0
    """Seconds of traffic per fault (a restart takes about one)."""

    def __init__(self, fake: FakeSlack, bot: BotProcess, db: Database, load: Load, seed: int) -> None:
        self.fake, self.bot, self.db, self.load = fake, bot, db, load
        self.random = random.Random(seed)
        self.slack = SlackClient(bot.base_url + "/slack/events", signing_secret=SIGNING_SECRET, fake=fake)
        self.users = [f"U0{self.PREFIX}{i:04d}" for i in range(load.members)]
        self.mentors = set(self.users[: load.members // 3])
        self.commands: list[Command] = []
        self.figures = Figures()
        self.clicked: set[tuple[str, str]] = set()
        self.kill_times: list[float] = []
        """When the process was killed."""
        self.fault_times: list[float] = []
        """When a fault struck (a kill, a database outage): a notification posted twice with none between its
        posts was claimed again by a live process after its lease ran out (`Figures.duplicated_live`)."""
        for user in self.users:
            fake.add_user(user, name=user.lower(), real_name=f"Member {user[-4:]}", tz="Africa/Nairobi")

    async def send(self, user: str, text: str) -> None:
        """Send `text` as ``/mentor`` until Slack gets a 200 (a member types it again when nothing answers), for up
        to a minute: a restart on a busy machine takes seconds (60 tries 0.1 s apart were sometimes too few)."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            response_url = self.fake.new_response_url(user, self.CHANNEL)
            command = Command(user, text, self.fake.new_trigger_id(user), response_url.rsplit("/", 1)[1])
            self.commands.append(command)
            try:
                response = await self.slack.slash_command(
                    command="/mentor",
                    text=text,
                    user_id=user,
                    user_name=user.lower(),
                    channel_id=self.CHANNEL,
                    response_url=response_url,
                    trigger_id=command.trigger_id,
                )
            except (aiohttp.ClientError, TimeoutError):
                await asyncio.sleep(0.1)
                continue
            if response.status == 200:
                command.acked = True
                command.acked_at = time.monotonic()
                command.ack_text = str(response.json().get("text") or "") if response.text else ""
                if not await self.must_retry(command):
                    return
            await asyncio.sleep(0.1)
        raise AssertionError(f"{user} {text!r} never got a 200:\n{self.bot.tail()}")

    async def must_retry(self, command: Command) -> bool:
        """Whether the member types `command` again although Slack got a 200 for it: only when the acknowledgement
        refused it as busy (a run whose other answers ask to try again, such as the database's, says so)."""
        if command.ack_text == BUSY:
            command.refused = True
            await asyncio.sleep(0.4)
            return True
        return False

    async def click_accepts(self) -> None:
        """Each mentor clicks Accept on the offer DMs still showing the button (at most once each)."""
        for (channel, ts), posted in list(self.fake.messages.items()):
            user = "U" + channel[1:]
            if user not in self.mentors or (channel, ts) in self.clicked:
                continue
            try:
                button = find_button(posted, "offer.accept")
            except AssertionError:
                continue
            self.clicked.add((channel, ts))
            try:
                response = await self.slack.block_actions(
                    action_id=button["action_id"],
                    value=button.get("value", ""),
                    button_text=button["text"]["text"],
                    user_id=user,
                    user_name=user.lower(),
                    message=posted,
                )
            except (aiohttp.ClientError, TimeoutError):
                continue
            finally:
                self.figures.clicks += 1
            self.figures.clicks_acked += response.status == 200

    async def traffic(self) -> None:
        """Every member's signup or request, a few at a time, spread over the faults in random order; meanwhile
        the mentors click Accept on the offers they got."""
        gate = asyncio.Semaphore(self.load.concurrency)
        spread = self.load.faults * self.SPREAD_PER_FAULT

        async def one(user: str) -> None:
            await asyncio.sleep(self.random.uniform(0, spread))
            async with gate:
                text = "signup skills:seo capacity:2" if user in self.mentors else "request skills:seo"
                await self.send(user, text)

        sending = asyncio.gather(*(one(user) for user in self.users))
        while not sending.done():
            await asyncio.wait([sending], timeout=0.5)
            await self.click_accepts()
        await sending

    # ------------------------------------------------------------------ the end

    def answers(self, command: Command) -> list[str]:
        """Every answer `command` got, in order: the acknowledgement's text, then its response_url posts."""
        texts = [command.ack_text] if command.ack_text and command.ack_text != WORKING else []
        return texts + [post.text or "" for post in self.fake.response_posts if post.hook_id == command.hook_id]

    def answered(self, command: Command) -> bool:
        return bool(self.answers(command))

    async def settled(self) -> bool:
        pending_inbox = await self.db.rows("SELECT COUNT(*) FROM inbox WHERE status <> 'done'")
        pending_outbox = await self.db.rows(
            "SELECT COUNT(*) FROM outbox WHERE status NOT IN ('delivered', 'superseded')"
        )
        acked = [c for c in self.commands if c.acked and not c.refused]
        return pending_inbox[0][0] == 0 and pending_outbox[0][0] == 0 and all(self.answered(c) for c in acked)

    async def wait_settled(self) -> None:
        """Wait until everything is done and stays so for longer than a sweep round (`QUIET_FOR`): a sweep that
        offers a waiting request just after an apparent settle writes new outbox rows the checks would catch
        half-delivered."""
        quiet_since: float | None = None
        try:
            async with asyncio.timeout(SETTLE_WITHIN):
                while True:
                    if not await self.settled():
                        quiet_since = None
                    elif quiet_since is None:
                        quiet_since = time.monotonic()
                    elif time.monotonic() - quiet_since >= QUIET_FOR:
                        return
                    await asyncio.sleep(0.25)
        except TimeoutError:
            pass  # the checks below say what is missing

    async def check_commands(self) -> None:
        inbox = {row[0]: row[1] for row in await self.db.rows("SELECT event_id, status FROM inbox")}
        done = {event_id for event_id, status in inbox.items() if status == "done"}
        mentors = {
            row[0]
            for row in await self.db.rows(
                "SELECT m.platform_user_id FROM mentor_profiles p JOIN members m ON m.id = p.member_id"
            )
        }
        asking = {
            row[0]
            for row in await self.db.rows(
                "SELECT m.platform_user_id FROM requests r JOIN members m ON m.id = r.member_id"
            )
        }
        acked = [c for c in self.commands if c.acked and not c.refused]
        f = self.figures
        f.attempts, f.acked = len(self.commands), len(acked)
        unapplied = [
            c
            for c in acked
            if f"slack:command:{c.trigger_id}" not in done or c.user not in (mentors if "signup" in c.text else asking)
        ]
        refused_busy = [c for c in self.commands if c.acked and c.ack_text == BUSY]
        recorded_busy = [c for c in refused_busy if f"slack:command:{c.trigger_id}" in inbox]
        assert not recorded_busy, f"refused as busy, yet recorded: {recorded_busy[:5]}"
        f.busy = len(refused_busy)
        unanswered = [c for c in acked if not self.answered(c)]
        f.applied, f.answered = len(acked) - len(unapplied), len(acked) - len(unanswered)
        said = [(c, inbox.get(f"slack:command:{c.trigger_id}"), self.answers(c)) for c in unapplied[:5]]
        assert not unapplied, f"acknowledged but not applied (command, inbox status, answers): {said}"
        # A command applied before a fault whose answer was not yet posted is answered after it: its answer was
        # stored with its changes (docs/reliability.md, "The inbox").
        assert not unanswered, f"acknowledged but not answered: {unanswered[:5]}\n{self.bot.tail()}"

    async def check_notifications(self) -> None:
        """Each outbox row delivered and posted once per member and key (see the module's docstring)."""
        rows = await self.db.rows("SELECT platform_user_id, message_key, payload, status, attempts FROM outbox")
        posts: dict[tuple[str, str], list[float]] = {}
        for call in self.fake.calls_to("chat.postMessage"):
            if call.ok and str(call.params.get("channel", "")).startswith("U"):
                posts.setdefault((str(call.params["channel"]), str(call.params.get("text"))), []).append(call.time)
        groups: dict[tuple[str, str], list[tuple[str, int]]] = {}
        statuses_of: dict[tuple[str, str], set[str]] = {}
        for user, key, payload, status, attempts in rows:
            text = message(reply_from_json(payload))["text"]
            groups.setdefault((user, key or f"unkeyed:{text}"), []).append((text, attempts))
            statuses_of.setdefault((user, key or f"unkeyed:{text}"), set()).add(str(status))
        # Request notices superseded before any process delivered them: none expected (the module's docstring).
        outdated = {g for g, found in statuses_of.items() if g[1].startswith("request:") and found == {"superseded"}}
        f = self.figures
        f.outbox_rows = len(rows)
        f.delivered = sum(1 for row in rows if row[3] == "delivered")
        f.superseded = sum(1 for row in rows if row[3] == "superseded")
        problems: list[str] = []
        for (user, key), versions in groups.items():
            texts = {text for text, _ in versions}
            times = sorted(t for text in texts for t in posts.get((user, text), []))
            seen = len(times)
            expected = len(versions) if key.startswith("unkeyed:") else 0 if (user, key) in outdated else 1
            f.posts += seen
            if seen < expected:
                f.lost += expected - seen
                other = [  # how else it reached the member, if it did
                    f"{call.method} ok={call.ok} {call.params.get('channel')}"
                    for call in self.fake.calls
                    if any(str(call.params.get("text")) == text for text in texts)
                ]
                row_key = None if key.startswith("unkeyed:") else key
                statuses = [row[3:] for row in rows if row[0] == user and row[1] == row_key]
                problems.append(
                    f"{user} {key}: posted {seen} time(s), expected {expected}; "
                    f"rows (status, attempts) {statuses}; other calls with its text {other}; texts {texts}"
                )
            elif seen > expected:
                f.duplicated += seen - expected
                if not any(times[0] < fault < times[-1] for fault in self.fault_times):
                    f.duplicated_live += seen - expected  # no fault between: claimed again after a slow delivery
                if all(attempts == 1 for _, attempts in versions):  # nobody claimed it again: no crash excuses it
                    problems.append(f"{user} {key}: posted {seen} time(s) by one process")
        stuck = [(row[0], row[1], row[3], row[4]) for row in rows if row[3] not in ("delivered", "superseded")]
        assert not stuck, f"outbox rows not delivered (member, key, status, attempts): {stuck[:10]}"
        assert not problems, "\n".join(problems[:10])
