"""The Slack adapter: slack_bolt's `AsyncApp` wired to the core, and nothing else.

Every Slack request becomes a `Caller` and one core call; the `Outcome` becomes Slack messages:

======================================  ==============================================================
Slack                                   core
======================================  ==============================================================
``/mentor``, ``/mentor-admin``,         `commands.parse_slash` + `commands.execute` (the parser the
``/skills``, ``/courses``               console uses); ``/mentor signup`` / ``request`` without enough
                                        input open a modal instead
modal submitted                         `MentorBot.signup` / `MentorBot.request`; a refusal becomes a
                                        field error (``ack(response_action="errors")``)
button clicked (``mentorbot:…``)        `commands.execute_button` (offer accept / decline, forget)
``app_home_opened``                     `MentorBot.home_view` published as the App Home tab
``user_change`` (account deactivated)   `MentorBot.member_left` (`membership`: Slack takes DMs to a
                                        deactivated account, so nothing else would say it)
timers                                  `MentorBot.run_due_jobs` → `SlackAdapter.deliver`
======================================  ==============================================================

Slack wants every request acknowledged within three seconds, and the HTTP response (or the Socket Mode
envelope's ack) *is* that acknowledgement. Bolt runs with ``process_before_response=True``: the response goes
as soon as the listener returns, with no polling. Each listener starts the work as a task of its own (counted,
so that shutdown and `SlackAdapter.idle` wait for it) and returns as soon as it knows what the acknowledgement
carries (an `AckSlot`, decided by the work or by a budget):

- a slash command is parsed once and answered in its acknowledgement (Slack's immediate response, ephemeral)
  when its plain answer is ready within `SlackAdapter.answer_budget` (``MENTORBOT_SLACK__ANSWER_IN_ACK_SECONDS``,
  1 s by default); past it, or with 0, it is acknowledged empty and answered through its ``response_url``. A
  command the table declares slow (`Command.pace` is `Pace.SLOW`) is acknowledged with a "working on it" line in
  the member's language and answered through its ``response_url``;
- a modal submission waits (up to `ACK_BUDGET`) for the core's verdict, so that a refusal is shown on its field
  (``response_action: errors``); past the budget the modal closes and the verdict comes as a message;
- clicks and events are acknowledged at once, empty (Slack shows nothing from those acknowledgements).

Notifications, App Home refreshes and updates of other messages always come after the acknowledgement.

A command, click or form submission over the member's rate limit is refused before anything is recorded
(`MentorBot.admit`, which takes no token; the member's language is read only then): in the acknowledgement for a
command, on the form's first field for a submission, where the click's reply would go for a click. The others
are recorded, and their use-case takes their token.

Each interaction carries a stable id (``trigger_id``, or the event's ``event_id``) as `Caller.event_id`, so
Slack's redeliveries are handled once.

When the adapter itself fails (a bug, a dependency down), the member is not left without an answer: the
acknowledgement goes at once and they get the core's apology (``common.apology``) ephemerally, carrying a
correlation id that is logged with the traceback. The exception's text is never shown. An interaction that could
not be recorded is acknowledged all the same, with that apology (or the database's "try again in a minute");
one recorded that meets a database failure that passes by itself is told it is saved (``common.db_saved``): it
stays recorded, and `SlackAdapter.recover` does it once the database is back. Not a form that could not open
(the recovery cannot open one): the member is told nothing was changed, and it is done (`_form_not_opened`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from mentorbot.app import every, run_timers
from mentorbot.bot import Caller, MentorBot
from mentorbot.commands import (
    FORM_ACTIONS,
    ITEM_ACTIONS,
    Pace,
    ParsedCommand,
    error_outcome,
    execute,
    execute_button,
    needs_admin,
    needs_form,
    parse_custom_id,
    submit_feedback_form,
)
from mentorbot.commands.running import asks_for_rating, feedback_form_target, form_may_open
from mentorbot.errors import UserError, database_failure, unexpected
from mentorbot.formatting import zone_of
from mentorbot.i18n import Translator, translator
from mentorbot.inputs import MAX_COMMENT, parse_id
from mentorbot.observability import BusyRefusals, add_ops_routes
from mentorbot.paging import PAGE_ACTION
from mentorbot.ratelimit import RateLimiter, member_key
from mentorbot.replies import Notification, Outcome, Reply
from mentorbot.settings import Settings
from mentorbot.storage.database import DatabaseOutcomeUnknown
from mentorbot.storage.inbox import InboxEvent
from mentorbot.text_safety import check_text
from mentorbot.usecases.handler import PASSING_FAILURES
from mentorbot_slack.acks import ACK_BUDGET, AckSlot
from mentorbot_slack.blocks import ACTION_PREFIX, swap_notice
from mentorbot_slack.delivery import (
    ANSWERING_LATE,
    SEND_ERRORS,
    Delivery,
    KeyedDM,
    LateAnswer,
    ReplyRoute,
    failure_reason,
    is_dm,
    transient,
)
from mentorbot_slack.gate import slack_payload, verify_signature
from mentorbot_slack.membership import Lookup
from mentorbot_slack.payloads import (
    Apology,
    UserFacts,
    button_route,
    click_record,
    clicked_notice_of,
    community_of,
    ephemeral,
    installation_of,
    parse_command,
    stable_event_id,
    submission_record,
    user_of,
)
from mentorbot_slack.plugin import COMMUNITY_PREFIX
from mentorbot_slack.views import (
    COMMENT,
    FEEDBACK_CALLBACK,
    REQUEST_CALLBACK,
    SIGNUP_CALLBACK,
    SKILLS,
    VALUE,
    ModalContext,
    error_block,
    feedback_modal,
    input_blocks,
    read_submission,
    request_modal,
    signup_modal,
    skill_options,
    submitted_languages,
    submitted_levels,
    typed_for_form,
)
from mentorbot_slack.web_api import make_client, pooled_session, retry_handlers

log = logging.getLogger("mentorbot.slack")

SLASH_COMMANDS: Final = ("/mentor", "/mentor-admin", "/skills", "/courses")
EVENTS_PATH: Final = "/slack/events"
HEALTH_PATH: Final = "/healthz"
USER_FACTS_TTL: Final = 300.0
"""Seconds a member's users.info facts (admin, time zone) are reused before asking Slack again."""
_NOT_A_FULL_MEMBER: Final = ("is_restricted", "is_ultra_restricted", "is_stranger", "deleted", "is_bot")
"""users.info flags of an account whose admin flags give no rights here: guests (single- and multi-channel), a
member of another organisation met in a Slack Connect channel, a deactivated account, a bot."""
RESPONSE_URL_LIFE: Final = timedelta(minutes=29)
"""How old a recorded interaction may be for its recovery to answer it where it was sent (its response_url, an
ephemeral): Slack takes posts to a response_url for 30 minutes, less a minute's margin. An older one is answered by
DM, under the late answer's line (`delivery.ANSWERING_LATE`)."""
RECORDED_AT: Final[ContextVar[datetime | None]] = ContextVar("slack_recorded_at", default=None)
"""Set (by `SlackAdapter.recover`) in the task of a recovered interaction: when it was recorded, which its callers
carry (`Caller.answered_at`), so an answer to an offer sent before its deadline counts as made in time however late
the recovery runs it. None in a live interaction's task."""
ROLE_UNCHECKED: Final = "slack.role.unchecked"
"""What an admin command (or an admin's button) is answered when users.info failed for a passing reason and the
settings do not make the member an admin: Slack could not say their role just now, nothing was done, try again
(`SlackAdapter.role_unchecked`). Never "Only admins can do that." to a workspace admin Slack did not answer about."""
OPTIONS_PER_COMMAND: Final = 6
"""The skills picker's options loads a member may make per command of their rate limit (one per pause in
typing, so a few per skill picked)."""


async def clicked_dm(bot: MentorBot, caller: Caller, action: str, ref: str) -> KeyedDM | None:
    """The keyed direct message of `caller` that a button `action` on `ref` is on when clicked on one (`KeyedDM`:
    an edit of it Slack fails for a passing reason is made later, from the outbox): an offer's, ``offer:<ref>``; a
    check-in's or a request for feedback's, the mentorship's latest check-in (`MentorBot.button_message_key`). None
    for any other button, a `ref` that is no number, or when the database could not say (logged: the click's answer
    is shown all the same). Whether the message clicked is that key's direct message is `Delivery._edit_later`'s
    to check."""
    try:
        key = await bot.button_message_key(action, ref)
    except Exception as exc:
        log.warning(
            "could not look up the message of button %s %s for %s: %s",
            action,
            ref,
            caller.user_id,
            failure_reason(exc),
            exc_info=database_failure(exc) is None,
        )
        return None
    return KeyedDM(caller.community, caller.user_id, key) if key is not None else None


class SlackAdapter:
    """MentorBot on Slack: a Bolt `AsyncApp` (`app`) for Socket Mode or HTTP, and the delivery of messages."""

    def __init__(self, bot: MentorBot, settings: Settings, *, client: AsyncWebClient | None = None) -> None:
        """Register the listeners; `client` defaults to one built from the settings, over a connection pool of
        the adapter's own (created inside the event loop; `aclose` closes it)."""
        self.bot = bot
        self.settings = settings
        self._session = pooled_session() if client is None else None
        self.client = client or make_client(settings, self._session)
        secret = settings.slack.signing_secret.get_secret_value() if settings.slack.signing_secret else ""
        self.signing_secret = secret
        self.app = AsyncApp(
            client=self.client,
            signing_secret=secret,
            logger=logging.getLogger("slack_bolt.mentorbot"),  # a library: its DEBUG lines carry replies
            # Respond as soon as the listener returns: each listener hands its work to a task of its own
            # (`_start`). With False, Bolt would poll for the ack every 10 ms instead.
            process_before_response=True,
        )
        self.delivery = Delivery(bot, self.client, retry_handlers=retry_handlers())
        self.ack_budget = ACK_BUDGET
        self.answer_budget = settings.slack.answer_in_ack_seconds
        self._facts: dict[str, tuple[float, UserFacts]] = {}
        # Slack loads the picker's options as the member types: a bucket of its own, so typing in a form
        # never uses up the member's commands.
        self.options_limiter = RateLimiter(settings.rate_limit_per_minute * OPTIONS_PER_COMMAND, bot.clock)
        self._in_flight = 0
        self._refusals = BusyRefusals("slack", log)
        self._idle = asyncio.Event()
        self._idle.set()
        self._tasks: set[asyncio.Task[None]] = set()
        for command in SLASH_COMMANDS:
            self.app.command(command)(self._on_command)
        self.app.action(re.compile("^" + re.escape(ACTION_PREFIX)))(self._on_button)
        self.app.view(SIGNUP_CALLBACK)(self._on_signup_submitted)
        self.app.view(REQUEST_CALLBACK)(self._on_request_submitted)
        self.app.view(FEEDBACK_CALLBACK)(self._on_feedback_submitted)
        self.app.event("app_home_opened")(self._on_home_opened)
        self.app.event("app_uninstalled")(self._on_removed)
        self.app.event("tokens_revoked")(self._on_removed)
        self.app.event("user_change")(self._on_user_change)
        # Every modal input's action id is VALUE; the skills picker is the only one whose options load.
        self.app.options(VALUE)(self._on_skill_options)

    # ---------------------------------------------------------------- lifecycle

    def _start(
        self, work: Coroutine[Any, Any, None], apology: Apology | None = None, slot: AckSlot | None = None
    ) -> None:
        """Run `work` in a task of its own, counted in flight from now on (so shutdown and tests can wait for it:
        `idle`). An unexpected failure releases the `slot` (the acknowledgement goes at once), is logged with a
        correlation id and its traceback, and with an `apology` the member is told (see `apologise`): for a
        recorded interaction (`Apology.recorded`) that met a database failure that passes, that it is saved and
        done once the database is back (``common.db_saved``; nothing on a recovery's run)."""
        self._in_flight += 1
        self._idle.clear()
        task = asyncio.create_task(self._run(work, apology, slot))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, work: Coroutine[Any, Any, None], apology: Apology | None, slot: AckSlot | None) -> None:
        try:
            await work
        except Exception:
            if slot is not None:
                slot.release()
            who = apology.route.user_id if apology else "-"
            error = unexpected(log, "in a Slack interaction of %s", who)
            if apology is not None and apology.recorded and error.key in PASSING_FAILURES:
                # The database failed before the core ran (a read of the adapter's own) or after: the interaction
                # is still recorded, and the recovery processes it once the database is back.
                if apology.retry:
                    return
                error = UserError("common.db_saved", correlation_id=error.params["correlation_id"])
            if apology is not None:
                await self.apologise(apology, error)
        finally:
            if slot is not None:
                slot.release()
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    async def _acknowledge(
        self,
        ack: AsyncAck,
        work: Coroutine[Any, Any, None],
        apology: Apology,
        slot: AckSlot | None = None,
        budget: float = 0.0,
    ) -> None:
        """Start `work`, then acknowledge: with what it puts in `slot` within `budget` seconds, else empty. With no
        budget, nothing yields to the event loop between the task's creation and the HTTP response (Bolt acks
        before its listener's task first runs): the work never runs ahead of the acknowledgement."""
        self._start(work, apology, slot)
        body = await slot.wait(min(budget, self.ack_budget)) if slot is not None else None
        await ack(body or "")

    async def apologise(self, apology: Apology, error: UserError) -> None:
        """Show the core's apology (`error`, made by `mentorbot.errors.unexpected`) to the member, only to them, in
        their language when it can still be read. Never raises: a failure here is logged with the same id."""
        correlation_id = error.params.get("correlation_id")
        try:
            try:
                who = Caller(apology.community, apology.route.user_id, apology.route.user_id)
                t = await self.delivery.translator_for(who)
            except Exception:
                log.warning("could not read the language of %s [%s]", apology.route.user_id, correlation_id)
                t = translator(self.settings.default_language)
            await self.delivery.reply(apology.route, Reply(self.bot.render_error(error, t)), t=t)
        except Exception:
            log.exception("could not apologise to %s [%s]", apology.route.user_id, correlation_id)

    async def aclose(self) -> None:
        """Close the adapter's connection pool (after `running`; calls made later open their own connections)."""
        if self._session is not None:
            await self._session.close()

    async def idle(self) -> None:
        """Wait until no interaction is being worked on (the work Slack's acks leave running)."""
        await self._idle.wait()

    @asynccontextmanager
    async def running(self, *, timers: bool = True, interval: float = 15.0) -> AsyncIterator[SlackAdapter]:
        """While inside, run the recovery of commands a dead process recorded (`recover`, every `interval`
        seconds) and, with `timers`, the timer loop delivering through this adapter (without it, the process's
        shared loop delivers: `mentorbot run`'s `Dispatcher`); on exit, stop them and let the interactions in
        flight finish (up to ten seconds). The recovery runs either way: every process serving Slack answers
        what a dead one acknowledged (each command claimed by one process). A workspace recorded as out of reach that
        this process's token works in is back (`confirm_installed`)."""
        tasks = [asyncio.create_task(every(interval, self.recover, "recovering recorded Slack commands"))]
        self._start(self.confirm_installed())
        if timers:
            # Only Slack communities' timers: a Discord process on the same database delivers its own.
            tasks.append(
                asyncio.create_task(
                    run_timers(self.bot, self.deliver, interval=interval, communities=(COMMUNITY_PREFIX,))
                )
            )
        try:
            yield self
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            try:
                async with asyncio.timeout(self.settings.shutdown_grace_seconds):
                    await self.idle()
            except TimeoutError:
                log.warning("stopping with %s Slack interaction(s) still running", self._in_flight)

    # ---------------------------------------------------------------- HTTP mode

    async def handle_http(self, request: web.Request) -> web.Response:
        """Slack's commands, interactivity and events (one Request URL). The gate refuses what Slack did not sign
        (401) or a body that is not a Slack payload (400), and parses the body once; Bolt dispatches that payload.
        It is handed over as Bolt's Socket Mode requests are (a parsed body), the one form of request Bolt does not
        verify or parse again: the gate has done both, and Bolt's HTTP parser loses a slash command whose text
        contains the word "payload"."""
        body = await request.read()
        if not verify_signature(self.signing_secret, body, request.headers):
            log.info("refused an HTTP request without a valid Slack signature from %s", request.remote)
            return web.Response(status=401)
        payload = slack_payload(body, request.content_type)
        if payload is None:
            log.info("refused a signed HTTP request whose body is not a Slack payload from %s", request.remote)
            return web.Response(status=400)
        headers: dict[str, str | Sequence[str]] = dict(request.headers)
        bolt_request = AsyncBoltRequest(body=payload, query=request.query_string, headers=headers, mode="socket_mode")
        bolt_response = await self.app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    def web_app(self) -> web.Application:
        """The aiohttp application of HTTP mode: ``POST /slack/events`` and ``GET /healthz``."""
        return build_web_app(lambda: self)

    # ---------------------------------------------------------------- who is calling

    async def user_facts(self, user_id: str) -> UserFacts:
        """users.info about `user_id` (cached for a few minutes); nothing known if Slack does not answer. A failure
        that passes (`delivery.transient`: a 5xx, a rate limit longer than waited out, the network) is
        `UserFacts.unknown`: whether they are an admin is not known (`role_unchecked`); any failure is not cached, so
        the next interaction asks again. A refusal for good (``user_not_found``) leaves them a plain member."""
        now = time.monotonic()
        cached = self._facts.get(user_id)
        if cached and cached[0] > now:
            return cached[1]
        try:
            answer = await self.client.users_info(user=user_id)
        except SEND_ERRORS as exc:
            log.warning("users.info for %s failed: %s", user_id, failure_reason(exc))
            return UserFacts(unknown=transient(exc) is not None)
        user: Mapping[str, Any] = answer.get("user") or {}
        # A guest's, a deactivated account's or another organisation's member's flags (Slack Connect) are never
        # this workspace's admin rights: only a full member's are.
        full_member = not any(user.get(flag) for flag in _NOT_A_FULL_MEMBER)
        facts = UserFacts(
            is_admin=full_member and bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")),
            timezone=user.get("tz") or None,
        )
        if len(self._facts) > 10_000:
            self._facts.clear()
        self._facts[user_id] = (now + USER_FACTS_TTL, facts)
        return facts

    async def role_unchecked(self, caller: Caller, facts: UserFacts, admin_only: bool) -> Outcome | None:
        """For an admin's command or button (`admin_only`), when users.info failed for a passing reason
        (`UserFacts.unknown`) and the settings do not make the caller an admin (`MentorBot.is_admin`): the core is not
        asked, which would refuse a workspace admin as no admin. The member is told Slack could not say their role
        just now and nothing was done (`ROLE_UNCHECKED`, in their language; it counts against their rate limit, as a
        refusal does). None when the core decides: a member's command, a role Slack told, an admin by the settings."""
        if not admin_only or not facts.unknown or self.bot.is_admin(caller):
            return None
        log.info("an admin interaction of %s not run: Slack could not say whether they are an admin", caller.user_id)
        return await error_outcome(self.bot, caller, UserError(ROLE_UNCHECKED))

    def known_facts(self, user_id: str) -> UserFacts:
        """What users.info said about `user_id` a short while ago (`user_facts`'s cache), without asking Slack:
        nothing known when it is not cached."""
        cached = self._facts.get(user_id)
        return cached[1] if cached and cached[0] > time.monotonic() else UserFacts()

    async def caller(
        self,
        team_id: str,
        user_id: str,
        name: str | None,
        *,
        channel: str | None,
        event_id: str | None,
        inbox_id: int | None = None,
        facts: UserFacts | None = None,
    ) -> Caller:
        """The core's `Caller` for a Slack member. `is_admin` is Slack's own fact (workspace admin or owner,
        from users.info, unless `facts` are given); the core adds the settings' admin ids itself. In a recovered
        interaction's task, it carries the time the interaction was recorded (`RECORDED_AT`)."""
        facts = facts if facts is not None else await self.user_facts(user_id)
        return Caller(
            community=community_of(team_id),
            user_id=user_id,
            display_name=name or user_id,
            is_admin=facts.is_admin,
            event_id=event_id,
            channel=None if is_dm(channel) else channel,
            timezone=facts.timezone,
            inbox_id=inbox_id,
            answered_at=RECORDED_AT.get() if inbox_id is not None else None,
        )

    # ---------------------------------------------------------------- outcomes

    async def finish(
        self,
        caller: Caller,
        route: ReplyRoute,
        outcome: Outcome,
        *,
        read_only: bool = False,
        reply: bool = True,
        slot: AckSlot | None = None,
    ) -> None:
        """Show the outcome to the caller (`answer`; unless `reply` is false: a click already updated its
        message), then `follow_up`."""
        if outcome.duplicate:
            return
        if reply:
            await self.answer(caller, route, outcome, slot)
        await self.follow_up(caller, route, outcome, read_only=read_only)

    async def answer(self, caller: Caller, route: ReplyRoute, outcome: Outcome, slot: AckSlot | None = None) -> None:
        """Show the outcome's reply to the caller, only to them: in the acknowledgement if `slot` still takes it
        and the reply is plain (no files to send first, no held notices to show after it), else through
        `Delivery.reply`, with a note on the files."""
        if slot is not None:
            if not outcome.reply.attachments and not outcome.held and slot.offer(ephemeral(outcome.reply)):
                return
            slot.release()
        t = translator(outcome.language)
        note = None
        if outcome.reply.attachments:
            sent = await self.delivery.send_files(caller.user_id, outcome.reply)
            files = len(outcome.reply.attachments)
            note = t("slack.files.sent", count=files) if sent else t("slack.files.failed", count=files)
        await self.delivery.reply(route, outcome.reply, t=t, note=note)

    async def follow_up(self, caller: Caller, route: ReplyRoute, outcome: Outcome, *, read_only: bool = False) -> None:
        """After the answer: the notices held for the caller, the outcome's notifications, and the App Homes
        concerned refreshed. After a `read_only` command (`Command.read_only`) that told nobody, the Home tab
        is not published again (app_home_opened publishes it afresh whenever it is opened). It comes after the
        answer, so a failure here (the database went away) is logged, not shown: the change is made and the
        notifications wait in the outbox for its recovery."""
        try:
            await self._follow_up(caller, route, outcome, read_only=read_only)
        except Exception as exc:
            log.warning(
                "after answering %s: %s; the outbox delivers the rest later",
                caller.user_id,
                failure_reason(exc),
                exc_info=database_failure(exc) is None,
            )

    async def _follow_up(self, caller: Caller, route: ReplyRoute, outcome: Outcome, *, read_only: bool) -> None:
        if outcome.held:
            t = translator(outcome.language)
            await self.delivery.reply_held(
                caller.community, route, outcome.held, t=t, note=t("slack.dm.held"), keys=outcome.held_keys
            )
        await self.delivery.notify(outcome.notifications)
        if outcome.error is None and (outcome.notifications or not read_only):
            # outcome.language is the caller's language after the command (set_language answers in the new one).
            await self.delivery.publish_home(caller.community, caller.user_id, lang=outcome.language)
            others = [n for n in outcome.notifications if n.platform_user_id != caller.user_id]
            await self.delivery.refresh_homes_of(others)
            await self._refresh_concerned(outcome.notifications, caller)

    async def deliver(self, notes: Sequence[Notification]) -> None:
        """Deliver notifications the timers produced (expired offers, check-ins, pause ends), then refresh the
        App Homes concerned. Notices for members of other platforms cannot go through Slack: they are held."""
        ours: list[Notification] = []
        for note in notes:
            if note.community.startswith(COMMUNITY_PREFIX):
                ours.append(note)
            else:
                who, where = note.member_id, note.community
                log.warning("timer notice for member %s of %s is not Slack's; holding it", who, where)
                await self.bot.hold_undelivered(note)
        await self.delivery.notify(ours)
        await self.delivery.refresh_homes_of(ours)
        await self._refresh_concerned(ours)

    async def _refresh_concerned(self, notes: Sequence[Notification], caller: Caller | None = None) -> None:
        """Refresh the App Homes of the members `notes` change without a message (`MentorBot.concerned_by`: a
        mentee whose request went to another mentor), the caller's own being refreshed already."""
        for member in await self.bot.concerned_by(notes):  # reads nothing when no note is about an offer
            mine = caller is not None and member.platform_user_id == caller.user_id
            if member.community.startswith(COMMUNITY_PREFIX) and not mine:
                await self.delivery.publish_home(
                    member.community, member.platform_user_id, lang=self.bot.lang_of(member)
                )

    # ---------------------------------------------------------------- slash commands

    def _busy(self) -> bool:
        """Whether `MENTORBOT_MAX_INFLIGHT` interactions are being worked on already: a new one is refused."""
        if self._in_flight < self.settings.max_inflight:
            self._refusals.accepting(self._in_flight)
            return False
        self._refusals.refused(self._in_flight, self.settings.max_inflight)
        return True

    def _busy_reply(self) -> Reply:
        return Reply(translator(self.settings.default_language)("slack.ack.busy"))

    async def _on_command(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        if self._busy():
            # Never queue without limit: refused at once, in the acknowledgement, before anything is recorded.
            await ack(ephemeral(self._busy_reply()))
            return
        team_id, user_id = installation_of(body), str(body.get("user_id", ""))
        if (refused := await self._over_limit(team_id, user_id)) is not None:
            await ack(ephemeral(refused.reply))  # over the rate limit: refused in the acknowledgement, unrecorded
            return
        try:
            inbox_id = await self.record(body)
        except Exception as exc:
            self.bot.not_recorded(community_of(team_id), user_id)
            # Nothing was recorded, so nothing will be done: said at once, in the acknowledgement (Slack would
            # show its own error for a 500).
            await ack(ephemeral(self._unrecorded(exc, "a command", user_id)))
            return
        if inbox_id is None:
            self.bot.not_recorded(community_of(team_id), user_id)
            await ack("")  # Slack delivered it before: it is (being) answered
            return
        slot = AckSlot()
        parsed = parse_command(body)
        slow = isinstance(parsed, ParsedCommand) and parsed.command.pace is Pace.SLOW
        budget = self.ack_budget if slow else self.answer_budget
        work = self.command(body, slot, parsed, inbox_id=inbox_id)
        await self._acknowledge(ack, work, Apology.for_command(body).pending(), slot, budget)

    async def _over_limit(self, team_id: str, user_id: str) -> Outcome | None:
        """Before an interaction is recorded: the core's refusal when the member is over their rate limit
        (`MentorBot.admit`, which takes no token and reads the database only to refuse, in the member's language),
        for the acknowledgement to carry with nothing recorded; None when it may be recorded (its use-case then
        takes its token)."""
        refused = await self.bot.admit(community_of(team_id), user_id)
        if refused is not None:
            log.debug("an interaction of %s is over the rate limit: refused, not recorded", user_id)
        return refused

    def _unrecorded(self, exc: Exception, what: str, user_id: str) -> Reply:
        """What to tell a member whose interaction (`what`: a command, a click, a form) could not be recorded
        (`exc`, logged by `unexpected` with a correlation id): when the database failed, its short "try again in
        a minute" (one log line); any other failure (a bug, a driver error the engine does not classify) is logged
        with its traceback and gets the apology (``common.apology``). Either carries the id, in the default
        language (the member's cannot be read), and is said instead of Slack's error for a 500."""
        error = unexpected(log, "recording %s of %s", what, user_id, exc_info=exc)
        return Reply(self.bot.render_error(error, translator(self.settings.default_language)))

    async def record(self, body: Mapping[str, Any]) -> int | None:
        """Record a slash command in the core's inbox before it is acknowledged (so a crash loses nothing
        Slack got a 200 for); its inbox id, or None when Slack delivered it before."""
        payload = {k: v for k, v in body.items() if isinstance(v, str)}
        team_id, user_id = installation_of(body), str(body.get("user_id", ""))
        return await self._record("command", body.get("trigger_id"), team_id, user_id, payload)

    async def _record(
        self, kind: str, stable_id: object, team_id: str, user_id: str, payload: Mapping[str, Any]
    ) -> int | None:
        """Record one interaction of `user_id` (`payload`: what `recover` needs to process it again) in the inbox,
        under the event id its `Caller.event_id` carries."""
        event_id = stable_event_id(kind, stable_id) or f"slack:{kind}:{team_id}:{uuid.uuid4().hex}"
        return await self.bot.record_event(
            event_id, community_of(team_id), user_id, json.dumps(payload, ensure_ascii=False)
        )

    async def _finish_event(self, inbox_id: int | None) -> None:
        """The member was shown the answer to a recorded interaction: it is done (never processed again). When
        that cannot be written (the database went away meanwhile), it is logged, not shown: the member has their
        answer, and the recovery shows it again after the lease (at least once, never lost)."""
        if inbox_id is None:
            return
        try:
            await self.bot.finish_event(inbox_id)
        except Exception as exc:
            log.warning(
                "could not mark recorded event %s done (%s): it is answered again after its lease",
                inbox_id,
                failure_reason(exc),
                exc_info=database_failure(exc) is None,
            )

    async def recover(self) -> int:
        """Process the interactions (commands, clicks, form submissions) a dead process recorded and never
        processed, or processed and never answered (their lease ran out). A processed one only gets its stored
        answer (`MentorBot.recorded_answer`); one still to process runs again. Either is answered through its
        response_url (valid 30 minutes), else ephemerally in its channel, else by DM; no form is opened (a form
        needs a fresh trigger): missing input is said instead. One older than `RESPONSE_URL_LIFE` (MentorBot was
        down longer) is answered only by DM, under a line saying it is the late answer to what the member sent and
        when (`_late`); a DM refused holds it for their next command. Its caller carries the time it was recorded
        (`RECORDED_AT`): an Accept sent before the offer's deadline is in time. How many."""
        events = await self.bot.unprocessed_events(communities=(COMMUNITY_PREFIX,))
        for event in events:
            payload = json.loads(event.payload)
            kind = str(payload.get("kind", "command"))  # commands are recorded as Slack sent them
            answer = self.bot.recorded_answer(event)
            log.info(
                "%s %s recorded before a restart (attempt %s): %s",
                kind,
                event.event_id,
                event.attempts,
                "answering it" if answer else "processing it",
            )
            if kind == "button":
                work = self.button(payload, inbox_id=event.id, answer=answer, retry=True)
                apology = Apology.for_button(payload).pending(retry=True)
            elif kind == "view":
                body, view = payload["body"], payload["view"]
                work = self._submitted(body, view, str(payload["method"]), AckSlot.gone(), event.id, answer, retry=True)
                apology = Apology.for_view(body, view).pending(retry=True)
            else:
                work = self.command(payload, inbox_id=event.id, forms=False, answer=answer, retry=True)
                apology = Apology.for_command(payload).pending(retry=True)
            # The task copies the context now: every reply of its work (and its apology) knows it is late, and its
            # caller when it was recorded (an answer to an offer is judged at that time: `Caller.answered_at`).
            form = ModalContext.load(payload["view"].get("private_metadata")) if kind == "view" else None
            late = ANSWERING_LATE.set(await self._late(event, form))
            recorded_at = RECORDED_AT.set(event.created_at)
            try:
                self._start(work, apology)
            finally:
                RECORDED_AT.reset(recorded_at)
                ANSWERING_LATE.reset(late)
        return len(events)

    def _url_issued_now(self) -> int:
        """The moment a form opens, as its `ModalContext.url_issued`: the interaction whose response_url it carries
        came within Slack's three seconds (its trigger_id opens the form)."""
        return int(self.bot.clock.now().timestamp())

    def _past_url_life(self, meta: ModalContext) -> bool:
        """Whether the response_url a form carries (`meta`) was issued `RESPONSE_URL_LIFE` or more before now (the
        form submitted, or its submission recovered, that much later): Slack no longer takes posts to it."""
        if meta.response_url is None or meta.url_issued is None:
            return False
        return self.bot.clock.now() - datetime.fromtimestamp(meta.url_issued, UTC) >= RESPONSE_URL_LIFE

    def form_late(self, meta: ModalContext, body: Mapping[str, Any], view: Mapping[str, Any]) -> LateAnswer | None:
        """How a form submitted now is answered when its response_url (the command's or click's that opened it,
        `ModalContext.url_issued`) is past its life (`_past_url_life`): by direct message, under a line saying why it
        comes there (`LateAnswer.live`), held for the member's next command when their DMs refuse it; never through
        the dead response_url, nor as an ephemeral. None while the response_url takes posts."""
        if not self._past_url_life(meta):
            return None
        return LateAnswer(self.bot.clock.now(), community_of(installation_of({**body, "view": view})), live=True)

    async def _late(self, event: InboxEvent, form: ModalContext | None = None) -> LateAnswer | None:
        """How a recovered `event` is answered late (`delivery.LateAnswer`): when it was sent, in the member's time
        zone (users.info's, else the one stored for them; UTC when neither is known); None while its response_url
        still takes posts (`RESPONSE_URL_LIFE`). A submitted `form`'s response_url is the one that opened it, older
        than the submission (`_past_url_life`)."""
        sent_at = event.created_at
        if sent_at is None:
            return None
        past = form is not None and self._past_url_life(form)
        if not past and self.bot.clock.now() - sent_at < RESPONSE_URL_LIFE:
            return None
        zone = (await self.user_facts(event.platform_user_id)).timezone
        if not zone:
            try:
                zone = zone_of(await self.bot.store.find_member(event.community, event.platform_user_id))
            except Exception as exc:
                log.warning(
                    "could not read the time zone of %s: %s",
                    event.platform_user_id,
                    failure_reason(exc),
                    exc_info=database_failure(exc) is None,
                )
        return LateAnswer(sent_at, event.community, zone or None)

    async def command(
        self,
        body: Mapping[str, Any],
        slot: AckSlot | None = None,
        parsed: ParsedCommand | UserError | None = None,
        *,
        inbox_id: int | None = None,
        forms: bool = True,
        answer: Outcome | None = None,
        retry: bool = False,
    ) -> None:
        """One slash command (`parsed` already, else parsed here): open a modal or run it, answer ephemerally:
        through the response_url, or in the acknowledgement while `slot` takes it (see the module's docstring).
        With `inbox_id` (recorded by `record`), the event is marked done once the member was shown the answer
        (whatever path answers it); with `answer`, the command was processed before a restart: only its stored
        answer is shown."""
        if answer is not None:
            route = ReplyRoute(
                str(body["user_id"]), response_url=body.get("response_url"), channel_id=body.get("channel_id")
            )
            await self.show_answer(community_of(installation_of(body)), route, answer)
        elif not await self._command(body, slot, parsed, inbox_id=inbox_id, forms=forms, retry=retry):
            return  # processed by another process meanwhile: it answers
        await self._finish_event(inbox_id)

    async def show_answer(self, community: str, route: ReplyRoute, answer: Outcome) -> None:
        """Show a stored answer (`MentorBot.recorded_answer`) to a member of `community`, and the notices held
        with it. Its notifications are outbox rows of their own, delivered by the outbox's recovery."""
        t = translator(answer.language)
        await self.delivery.reply(route, answer.reply, t=t)
        if answer.held:
            await self.delivery.reply_held(
                community, route, answer.held, t=t, note=t("slack.dm.held"), keys=answer.held_keys
            )

    async def _command(
        self,
        body: Mapping[str, Any],
        slot: AckSlot | None,
        parsed: ParsedCommand | UserError | None,
        *,
        inbox_id: int | None,
        forms: bool,
        retry: bool = False,
    ) -> bool:
        """Run and answer one command; False when it is not done: processed by another process already, or kept to
        be processed again once the database is back (`Outcome.settled`)."""
        slot = slot or AckSlot.gone()
        if parsed is None:
            parsed = parse_command(body)
        user_id = str(body["user_id"])
        channel = body.get("channel_id")
        route = ReplyRoute(user_id, response_url=body.get("response_url"), channel_id=channel)

        async def caller_of(facts: UserFacts | None = None) -> Caller:
            return await self.caller(
                installation_of(body),
                user_id,
                body.get("user_name"),
                channel=channel,
                event_id=stable_event_id("command", body.get("trigger_id")),
                inbox_id=inbox_id,
                facts=facts,
            )

        if forms and isinstance(parsed, ParsedCommand) and (parsed.command.form or asks_for_rating(parsed)):
            # A form opens with the command's trigger_id, valid three seconds: users.info (whose rate limits are
            # waited out) is not waited for first; what it tells (admin, time zone) is not needed to show a form.
            asker = await caller_of(self.known_facts(user_id))
            try:
                answered = await self._form(asker, parsed, body, route, slot)
            except Exception as exc:
                await self._form_not_opened(exc, Apology.for_command(body), slot)
                return True
            if answered:
                return True
        facts = await self.user_facts(user_id)
        caller = await caller_of(facts)
        try:
            if isinstance(parsed, UserError):
                raise parsed
            parsed.complete()  # a required option left out is an error now
        except UserError as error:
            await self.finish(caller, route, await error_outcome(self.bot, caller, error), slot=slot)
            return True
        admin_only = parsed.command.admin and parsed.command.handler is not None  # not /mentor-admin help
        if (unchecked := await self.role_unchecked(caller, facts, admin_only)) is not None:
            await self.finish(caller, route, unchecked, slot=slot)
            return True
        method = parsed.command.method
        if parsed.command.pace is Pace.SLOW:
            t = await self.delivery.translator_for(caller)
            slot.offer(ephemeral(Reply(t("slack.ack.working"))))
        outcome = await execute(self.bot, caller, parsed)
        if outcome.duplicate or (retry and not outcome.settled):
            # Another process has it; or a recovered command met the database's failure again: the member was told
            # it is saved the first time, and it stays recorded for the next try.
            return False
        await self.answer(caller, route, outcome, slot)
        if outcome.error is None and method in ("accept", "decline"):
            try:
                offer_id = parse_id(parsed.args.get("offer"), "offer")
            except UserError:
                pass  # the core read the id its own way; without one of ours, there is no message to update
            else:
                offer_dm = await clicked_dm(self.bot, caller, f"offer.{method}", str(offer_id))
                if offer_dm is not None:
                    await self._update_offer_dm(caller, offer_dm, outcome.reply)
        await self.follow_up(caller, route, outcome, read_only=parsed.command.read_only)
        return outcome.settled

    async def _form(
        self, asker: Caller, parsed: ParsedCommand, body: Mapping[str, Any], route: ReplyRoute, slot: AckSlot
    ) -> bool:
        """Open the command's form when it needs one (`needs_form`); whether that answered the command (the form
        opened, or the member is over their rate limit)."""
        if not await needs_form(self.bot, asker, parsed):
            return False
        if asks_for_rating(parsed):
            return await self._typed_feedback_form(asker, parsed, body, route, slot)
        t = await self.delivery.translator_for(asker)
        try:
            # What was typed is refused as the command typed in full would refuse it, not left out of the form or
            # cut to fit it; the time zone, which the form does not show, goes with its submission, and the languages
            # prefill the form's languages input.
            carried = typed_for_form(parsed.command.method, parsed.args, t.lang)
        except UserError as error:
            await self.finish(asker, route, await error_outcome(self.bot, asker, error), slot=slot)
            return True
        # Opening a form reads the database and calls Slack: it counts against the member's rate limit.
        if (refused := await self.bot.rate_limited(asker)) is not None:
            await self.finish(asker, route, refused, slot=slot)
            return True
        slot.release()  # the modal is the answer
        await self._open_modal(asker, parsed, body, t, carried)
        return True

    async def _typed_feedback_form(
        self, asker: Caller, parsed: ParsedCommand, body: Mapping[str, Any], route: ReplyRoute, slot: AckSlot
    ) -> bool:
        """``/mentor feedback`` typed without a rating (`asks_for_rating`): the feedback form the Give feedback
        button opens, for the mentorship the core finds (`feedback_form_target`: the one typed, or the member's
        only one waiting for their rating), a typed comment in it. When there is none to open (nothing to rate,
        which one, not theirs, given already, still active), the core's answer instead. Whether that answered the
        command (False: another process has it, or it is saved to be run again once the database is back)."""
        comment = parsed.args.get("comment")
        try:
            # A comment the core would refuse is refused now, not cut to fit the form's input.
            check_text(comment, field="comment", max_length=MAX_COMMENT)
        except UserError as error:
            await self.finish(asker, route, await error_outcome(self.bot, asker, error), slot=slot)
            return True
        target = await feedback_form_target(self.bot, asker, parsed)
        if isinstance(target, Outcome):
            if target.duplicate:
                return False
            await self.finish(asker, route, target, read_only=True, slot=slot)
            return target.settled
        asked = await self.bot.feedback_form(asker, mentorship_id=target)
        if asked.duplicate:
            return False
        if not form_may_open(asked):
            await self.finish(asker, route, asked, read_only=True, slot=slot)
            return asked.settled
        slot.release()  # the modal is the answer
        meta = ModalContext(
            asker.channel or body.get("channel_id"),
            body.get("response_url"),
            "feedback.open",
            target,
            url_issued=self._url_issued_now(),
        )
        t = translator(asked.language)
        await self._show_feedback_modal(str(body.get("trigger_id", "")), t, meta, route, asker.user_id, comment)
        await self.follow_up(asker, route, asked, read_only=True)  # the notices held for the member
        return True

    async def _form_not_opened(self, exc: Exception, apology: Apology, slot: AckSlot | None = None) -> None:
        """A form that could not open because of `exc` (the database failed on a read before it, or a bug): nothing
        was done, and the recovery could not open it either (a form needs a fresh trigger; without one the command
        is only missing its input). So it is not "saved": the member is told what `errors.unexpected` makes of it
        (the database's "nothing was changed: try again in a minute", or the apology), and the caller marks the
        interaction done."""
        if slot is not None:
            slot.release()
        error = unexpected(log, "opening a form for %s", apology.route.user_id, exc_info=exc)
        await self.apologise(apology, error)

    async def _open_modal(
        self, caller: Caller, parsed: ParsedCommand, body: Mapping[str, Any], t: Translator, carried: Mapping[str, str]
    ) -> None:
        meta = ModalContext(
            caller.channel or body.get("channel_id"),
            body.get("response_url"),
            lang=t.lang,
            timezone=carried.get("timezone"),
            languages=carried.get("languages"),
            url_issued=self._url_issued_now(),
        )
        skills = self.bot.library.taxonomy
        if parsed.command.method == "signup":
            profile = await self.bot.mentor_profile(caller.community, caller.user_id)
            view = signup_modal(skills, t, meta, profile=profile, typed=parsed.args)
        else:
            view = request_modal(skills, t, meta, typed=parsed.args)
        try:
            await self.client.views_open(trigger_id=str(body.get("trigger_id", "")), view=view)
        except SEND_ERRORS as exc:
            log.warning(
                "could not open the %s modal for %s: %s", parsed.command.method, caller.user_id, failure_reason(exc)
            )
            route = ReplyRoute(caller.user_id, response_url=body.get("response_url"), channel_id=body.get("channel_id"))
            notice = t("slack.modal.open_failed", usage=parsed.command.usage)
            await self.delivery.reply(route, Reply(notice), t=t)

    # ---------------------------------------------------------------- modals

    async def _on_signup_submitted(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        await self._on_submitted(ack, body, view, "signup")

    async def _on_request_submitted(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        await self._on_submitted(ack, body, view, "request")

    async def _on_submitted(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], method: str) -> None:
        """A signup or request modal submitted: refused when too much is in flight (the modal stays open with
        the notice on its first field), else recorded in the inbox, then run within the acknowledgement's
        budget (`_submitted`). Submitted past its response_url's life (`form_late`), every reply its work makes
        goes by direct message (`delivery.ANSWERING_LATE`, which the work's task copies when it starts)."""
        late = ANSWERING_LATE.set(self.form_late(ModalContext.load(view.get("private_metadata")), body, view))
        try:
            await self._take_submission(ack, body, view, method)
        finally:
            ANSWERING_LATE.reset(late)

    async def _take_submission(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], method: str) -> None:
        if self._busy():
            block = error_block(None, input_blocks(view))
            await ack({"response_action": "errors", "errors": {block: self._busy_reply().text}})
            return
        record = submission_record(body, view, method)
        user_id = str(user_of(body).get("id", ""))
        team_id = installation_of(body)
        if (refused := await self._over_limit(team_id, user_id)) is not None:
            # Over the rate limit: nothing recorded; the form stays open, the refusal on its field, to be sent again.
            block = error_block(refused.error, input_blocks(view))
            await ack({"response_action": "errors", "errors": {block: refused.reply.plain_text}})
            return
        try:
            inbox_id = await self._record("view", body.get("trigger_id"), team_id, user_id, record)
        except Exception as exc:
            self.bot.not_recorded(community_of(team_id), user_id)
            refusal = self._unrecorded(exc, "a form", user_id)
            if isinstance(database_failure(exc), DatabaseOutcomeUnknown):
                # Perhaps recorded (then answered once the database is back): the form closes, so that it is not
                # sent a second time at once, and the notice goes where the form was opened from.
                await ack("")
                t = translator(self.settings.default_language)
                self._start(self.delivery.reply(Apology.for_view(body, view).route, refusal, t=t))
                return
            # Nothing recorded: the form stays open, the notice on its first field, to be sent again.
            block = error_block(None, input_blocks(view))
            await ack({"response_action": "errors", "errors": {block: refusal.text}})
            return
        if inbox_id is None:
            self.bot.not_recorded(community_of(team_id), user_id)
            await ack("")
            return
        slot = AckSlot()
        work = self._submitted(body, view, method, slot, inbox_id)
        await self._acknowledge(ack, work, Apology.for_view(body, view).pending(), slot, self.ack_budget)

    async def _on_feedback_submitted(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        await self._on_submitted(ack, body, view, "feedback")

    async def _submitted(
        self,
        body: Mapping[str, Any],
        view: Mapping[str, Any],
        method: str,
        slot: AckSlot,
        inbox_id: int | None = None,
        answer: Outcome | None = None,
        retry: bool = False,
    ) -> None:
        """A modal submitted: the use-case runs before the acknowledgement, so that a refusal can be shown on its
        field; an empty acknowledgement closes the modal (so does a failure: the apology follows, see `_run`).
        With `answer`, it was processed before a restart: only the stored answer is shown."""
        user: Mapping[str, Any] = body.get("user") or {}
        user_id = str(user.get("id", ""))
        meta = ModalContext.load(view.get("private_metadata"))
        route = ReplyRoute(user_id, response_url=meta.response_url, channel_id=meta.channel_id)
        if answer is not None:
            await self.show_answer(community_of(installation_of({**body, "view": view})), route, answer)
            await self._finish_event(inbox_id)
            return
        values = read_submission(view)
        caller = await self.caller(
            installation_of({**body, "view": view}),
            user_id,
            user.get("name") or user.get("username"),
            channel=meta.channel_id,
            event_id=stable_event_id("view", body.get("trigger_id")),
            inbox_id=inbox_id,
        )
        if method == "signup":
            outcome = await self.bot.signup(
                caller,
                skills=values.skills,
                levels=submitted_levels(meta, values),
                capacity=values.capacity,
                bio=values.bio or "",
                timezone=meta.timezone,
                languages=submitted_languages(meta, values),
            )
        elif method == "feedback":
            outcome = await submit_feedback_form(
                self.bot, caller, meta.action or "feedback.open", meta.ref or "", values.rating, values.comment
            )
        else:
            outcome = await self.bot.request(caller, skills=values.skills, note=values.note)
        if outcome.duplicate or (retry and not outcome.settled):
            slot.release()
            return
        if outcome.error is not None and outcome.settled:
            block = error_block(outcome.error, input_blocks(view))
            if slot.offer({"response_action": "errors", "errors": {block: outcome.reply.plain_text}}):
                await self._finish_event(inbox_id)
                return
            # Past the budget the modal has closed already: the refusal comes as a message where it was opened.
        # Not settled (saved, to be run again once the database is back): the form closes, so that it is not sent a
        # second time, and the notice goes where it was opened from.
        slot.release()
        # A feedback form's answer replaces the message whose button opened it (a check-in, the request for
        # feedback), its buttons gone, as a click's answer does.
        replaced = (
            outcome.error is None and outcome.settled and await self._replace_form_origin(caller, meta, outcome.reply)
        )
        # Answered late (recovered), a message changed in place is not seen: the answer goes by DM all the same. Not
        # for a form only submitted late (`LateAnswer.live`): the member is there, the message before their eyes.
        late = ANSWERING_LATE.get()
        await self.finish(caller, route, outcome, reply=not replaced or (late is not None and not late.live))
        if outcome.settled:
            await self._finish_event(inbox_id)

    async def _replace_form_origin(self, caller: Caller, meta: ModalContext, reply: Reply) -> bool:
        """Turn the message whose button opened a form (`ModalContext.message_ts`) into `reply`: an ephemeral one
        through the click's response_url, one in a channel or the DMs with chat.update (`caller`'s keyed direct
        message, `clicked_dm`: an edit Slack fails for a passing reason is made later, from the outbox). False when
        there is none or it could not."""
        if meta.message_ts is None:
            return False
        if meta.ephemeral:
            if not meta.response_url:
                return False
            return await self.delivery.respond(meta.response_url, {**ephemeral(reply), "replace_original": True})
        if meta.channel_id is None:
            return False
        keyed = await clicked_dm(self.bot, caller, meta.action or "", meta.ref or "")
        return await self.delivery.update(meta.channel_id, meta.message_ts, reply, keyed=keyed)

    # ---------------------------------------------------------------- buttons

    async def _on_button(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        if self._busy():
            await ack()
            # Slack shows nothing from a click's acknowledgement: the refusal goes where the click's reply would.
            self._start(
                self.delivery.reply(
                    button_route(body), self._busy_reply(), t=translator(self.settings.default_language)
                )
            )
            return
        user_id = str(user_of(body).get("id", ""))
        installation = installation_of(body)
        if (refused := await self._over_limit(installation, user_id)) is not None:
            await ack()
            # Over the rate limit: nothing recorded; the refusal goes where the click's reply would (only to them).
            self._start(self.delivery.reply(button_route(body), refused.reply, t=translator(refused.language)))
            return
        try:
            inbox_id = await self._record("action", body.get("trigger_id"), installation, user_id, click_record(body))
        except Exception as exc:
            self.bot.not_recorded(community_of(installation), user_id)
            refusal = self._unrecorded(exc, "a click", user_id)
            # Nothing recorded, nothing done: acknowledged (a 500 would only mark the button failed) and the
            # clicker told where the click's reply would go.
            await ack()
            self._start(self.delivery.reply(button_route(body), refusal, t=translator(self.settings.default_language)))
            return
        if inbox_id is None:
            self.bot.not_recorded(community_of(installation), user_id)
            await ack()
            return
        await self._acknowledge(ack, self.button(body, inbox_id=inbox_id), Apology.for_button(body).pending())

    async def button(
        self,
        body: Mapping[str, Any],
        *,
        inbox_id: int | None = None,
        answer: Outcome | None = None,
        retry: bool = False,
    ) -> None:
        """A click on one of the core's buttons (offer accept / decline, forget confirm). With `inbox_id`, the
        click is marked done once answered; with `answer`, it was processed before a restart: only the stored
        answer is shown (the clicked message and the offer's DM updated with it)."""
        actions: Sequence[Mapping[str, Any]] = body.get("actions") or []
        ids = parse_custom_id(str(actions[0].get("action_id", ""))) if actions else None
        if ids is None:
            await self._finish_event(inbox_id)
            return
        action, ref = ids
        user: Mapping[str, Any] = body.get("user") or {}
        user_id = str(user.get("id", ""))
        container: Mapping[str, Any] = body.get("container") or {}
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
        if action in FORM_ACTIONS:  # the form is the answer; its submission is an interaction of its own
            try:
                await self._open_feedback_form(body, action, ref, user_id, channel, button_route(body))
            except Exception as exc:
                await self._form_not_opened(exc, Apology.for_button(body))
            await self._finish_event(inbox_id)
            return
        facts = await self.user_facts(user_id)
        caller = await self.caller(
            installation_of(body),
            user_id,
            user.get("name") or user.get("username"),
            channel=channel,
            event_id=stable_event_id("action", body.get("trigger_id")),
            inbox_id=inbox_id,
            facts=facts,
        )
        if answer is not None:
            outcome = answer
        elif (unchecked := await self.role_unchecked(caller, facts, needs_admin(action, ref))) is not None:
            outcome = unchecked  # Slack could not say whether they are an admin: nothing done
        else:
            outcome = await execute_button(self.bot, caller, action, ref)
        if outcome.duplicate or (retry and not outcome.settled):
            return  # another process has it, or the database failed again (the member was told the first time)
        await self._show_click(body, caller, action, ref, outcome)
        if outcome.settled:
            await self._finish_event(inbox_id)

    async def _show_click(
        self,
        body: Mapping[str, Any],
        caller: Caller,
        action: str,
        ref: str,
        outcome: Outcome,
        *,
        read_only: bool = False,
    ) -> None:
        route = button_route(body)
        if outcome.error is not None:
            await self.finish(caller, route, outcome)  # refused: only the clicker sees why
            return
        # The clicked message turns into the outcome (its buttons gone); so does the offer's DM when the click
        # came from elsewhere (the App Home tab, a /mentor status reply).
        container: Mapping[str, Any] = body.get("container") or {}
        on_message = container.get("type") == "message"
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
        updated = paged_home = False
        clicked = (str(channel), str(container.get("message_ts"))) if on_message else None
        notice = clicked_notice_of(body) if on_message else None
        keyed = await clicked_dm(self.bot, caller, action, ref)
        if action in ITEM_ACTIONS:
            pass  # one item of a list acted on (a vote, an approval): the answer goes beside it, the list stays
        elif action == PAGE_ACTION and (body.get("view") or {}).get("type") == "home":
            # The Home tab shows the page asked for.
            updated = paged_home = await self._page_home(caller.user_id, outcome)
        elif notice is not None:
            # One of several held notices shown together (`blocks.packed`): that notice alone turns into the
            # answer; the others (an introduction shown once) stay. Without the message's blocks, or with no room
            # for the answer in it, the answer goes beside the message, which stays whole.
            updated = await self._swap_notice(body, notice, outcome.reply, route, clicked)
        elif on_message and container.get("is_ephemeral") and route.response_url:
            replaced = {**ephemeral(outcome.reply), "replace_original": True}
            updated = await self.delivery.respond(route.response_url, replaced)
        elif clicked and channel and container.get("message_ts"):
            # A keyed DM (an offer's, a check-in's: `clicked_dm`): an edit Slack fails for a passing reason is made
            # later, from the outbox.
            updated = await self.delivery.update(*clicked, outcome.reply, keyed=keyed)
        if action.startswith("offer.") and keyed is not None:
            await self._update_offer_dm(caller, keyed, outcome.reply, clicked=clicked)
        # Answered late (`delivery.ANSWERING_LATE`), a message changed in place is not seen: the answer goes by DM
        # all the same (not a page of the Home tab, which shows it whenever it is opened).
        if not updated or (ANSWERING_LATE.get() is not None and not paged_home):
            await self.delivery.reply(route, outcome.reply, t=translator(outcome.language))
        # A page turned is a read: the Home tab it was turned on is not published again (at page 1).
        await self.finish(caller, route, outcome, reply=False, read_only=read_only or action == PAGE_ACTION)

    async def _swap_notice(
        self,
        body: Mapping[str, Any],
        notice: int,
        reply: Reply,
        route: ReplyRoute,
        clicked: tuple[str, str] | None,
    ) -> bool:
        """Turn notice `notice` of the pack of held notices a click came from into `reply` (`blocks.swap_notice`),
        the message's other notices kept: an ephemeral pack through the click's response_url, one in a channel or
        the DMs with chat.update. False when it could not (the answer is then shown beside the message)."""
        container: Mapping[str, Any] = body.get("container") or {}
        blocks = (body.get("message") or {}).get("blocks")
        swapped = swap_notice(blocks, notice, reply) if isinstance(blocks, list) else None
        if swapped is None:
            return False
        if container.get("is_ephemeral"):
            if not route.response_url:
                return False
            return await self.delivery.respond(
                route.response_url, {**swapped, "response_type": "ephemeral", "replace_original": True}
            )
        return clicked is not None and await self.delivery.edit(*clicked, swapped)

    async def _update_offer_dm(
        self, caller: Caller, offer_dm: KeyedDM, reply: Reply, *, clicked: tuple[str, str] | None = None
    ) -> None:
        """The offer's direct message `offer_dm` (`clicked_dm`; wherever the answer was given; unless it is the
        `clicked` one, updated already) turns into `reply`, its buttons gone; an edit Slack fails for a passing reason
        is made later, from the outbox (`Delivery.update`'s `KeyedDM`). The accept or decline is committed by now, so
        a failure here (the database went away before the message could be found) is logged, never shown: telling
        the member that nothing was changed would be untrue."""
        try:
            where = await self.delivery.sent.get(offer_dm.community, offer_dm.user_id, offer_dm.key)
            if where is not None and where != clicked:
                await self.delivery.update(*where, reply, keyed=offer_dm)
        except Exception as exc:
            log.warning(
                "could not update the message %s for %s: %s",
                offer_dm.key,
                caller.user_id,
                failure_reason(exc),
                exc_info=database_failure(exc) is None,
            )

    async def _page_home(self, user_id: str, outcome: Outcome) -> bool:
        """A paging button of the App Home: the Home tab is published again with the page asked for."""
        return await self.delivery.publish_home_page(user_id, outcome.reply, translator(outcome.language))

    async def _open_feedback_form(
        self, body: Mapping[str, Any], action: str, ref: str, user_id: str, channel: Any, route: ReplyRoute
    ) -> None:
        """A feedback button: the feedback modal opens (its submission is `_on_feedback_submitted`), with the click's
        trigger_id, valid three seconds: without waiting on users.info (see `_command`). The core is asked first
        (`MentorBot.feedback_form`, counted against the member's rate limit): a mentorship that is not theirs, or
        whose feedback they gave already, gets its answer instead, as a click's (so an old button's message turns
        into "already given"), and no form whose input would be discarded."""
        user: Mapping[str, Any] = body.get("user") or {}
        name = user.get("name") or user.get("username")
        caller = await self.caller(
            installation_of(body), user_id, name, channel=channel, event_id=None, facts=self.known_facts(user_id)
        )
        asked = await self.bot.feedback_form(caller, mentorship_id=ref)
        if not form_may_open(asked):
            await self._show_click(body, caller, action, ref, asked, read_only=True)
            return
        t = translator(asked.language)
        container: Mapping[str, Any] = body.get("container") or {}
        # The message the button is on, for the submission's answer to replace: not one of several held notices
        # (the form's answer cannot rebuild the others), nor the App Home (no message).
        origin = container.get("message_ts") if container.get("type") == "message" else None
        if origin is not None and clicked_notice_of(body) is not None:
            origin = None
        meta = ModalContext(
            str(channel) if channel else None,
            route.response_url,
            action,
            ref,
            message_ts=str(origin) if origin else None,
            ephemeral=bool(container.get("is_ephemeral")),
            url_issued=self._url_issued_now(),
        )
        await self._show_feedback_modal(str(body.get("trigger_id", "")), t, meta, route, user_id)
        # The notices held for the member, which the core handed over with its answer.
        await self.follow_up(caller, route, asked, read_only=True)

    async def _show_feedback_modal(
        self,
        trigger_id: str,
        t: Translator,
        meta: ModalContext,
        route: ReplyRoute,
        user_id: str,
        comment: str | None = None,
    ) -> None:
        """Open the feedback form of `meta` (prefilled with a typed `comment`); when Slack refuses, or the click is
        answered late (`delivery.ANSWERING_LATE`: its trigger, valid three seconds, is long gone), the command that
        does what the form would have instead."""
        view = feedback_modal(t, meta)
        if comment and comment.strip():
            for block in view["blocks"]:
                if block.get("block_id") == COMMENT:
                    block["element"]["initial_value"] = comment.strip()
        if ANSWERING_LATE.get() is None:
            try:
                await self.client.views_open(trigger_id=trigger_id, view=view)
            except SEND_ERRORS as exc:
                log.warning("could not open the feedback form for %s: %s", user_id, failure_reason(exc))
            else:
                return
        # The command that does what the form would have: the check-in's "End and give feedback" ends the
        # mentorship (`/mentor feedback` refuses an active one), the feedback button gives feedback.
        ref = meta.ref or ""
        ending = meta.action == "checkin.end"
        hint = t("slack.modal.end_form_failed", id=ref) if ending else t("feedback.form", id=ref)
        await self.delivery.reply(route, Reply(hint), t=t)

    async def _on_skill_options(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """The skills picker of a signup or request form loads its options: the skills matching what the
        member typed, in the language the form was opened in (`views.skill_options`). Answered from memory in
        the acknowledgement itself, well within Slack's three seconds; nothing is recorded (it changes
        nothing). Over the member's options budget, or for another input, no options."""
        if body.get("block_id") != SKILLS:
            await ack(options=[])
            return
        user_id = str(user_of(body).get("id", ""))
        community = community_of(installation_of(body))
        if self.options_limiter.check(member_key(community, user_id)) is not None:
            log.info("skill options for %s not loaded: over the rate limit", user_id)
            await ack(options=[])
            return
        meta = ModalContext.load((body.get("view") or {}).get("private_metadata"))
        t = translator(meta.lang or self.settings.default_language)
        query = body.get("value")
        answer = skill_options(self.bot.library.taxonomy, query if isinstance(query, str) else "", t)
        await ack(**answer)

    # ---------------------------------------------------------------- App Home

    async def _on_home_opened(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        """The Home tab opened: publish the member's status (`MentorBot.home_view`, which also recognises
        Slack's redeliveries of the event), or the welcome for someone who has not used the bot yet. Bolt
        acknowledges the event when this returns; the view is published after."""
        if event.get("tab") != "home" or not event.get("user"):
            return
        community = community_of(installation_of(body))
        if not self.bot.home_allowed(community, str(event["user"])):
            log.info("App Home of %s not refreshed: over the rate limit", event["user"])
            return
        home = self.delivery.publish_home(
            community, str(event["user"]), event_id=stable_event_id("event", body.get("event_id"))
        )
        self._start(home)

    async def _on_removed(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        """The app was uninstalled from a workspace, or its tokens revoked: one clear ERROR line for the
        operator (never a token). Nothing is deleted: the community's data stays, and what the bot would say
        there is retried from the outbox and, after its last try (`delivery.APP_AUTH_ERRORS`), held for each
        member's next command, which only a reinstalled app receives. The outage is recorded (`_record_lost`): offers
        open meanwhile expire as no lapse of their mentors'; a process started with a working token ends it
        (`confirm_installed`)."""
        log.error(
            "Slack says MentorBot was %s in %s: nothing can be sent there until it is installed again (its data is "
            "kept; notifications wait in the outbox, then are held for the members' next commands)",
            "uninstalled" if event.get("type") == "app_uninstalled" else "disconnected (its tokens were revoked)",
            community_of(installation_of(body)),
        )
        self._start(self._record_lost(community_of(installation_of(body))))

    async def _record_lost(self, community: str) -> None:
        """Record that MentorBot is out of `community` (`MentorBot.community_lost`): its members cannot answer the
        offers open meanwhile, which then expire as no lapse of their mentors'. A failure is logged."""
        try:
            await self.bot.community_lost(community)
        except Exception as exc:
            log.warning(
                "could not record that MentorBot is out of %s: %s",
                community,
                failure_reason(exc),
                exc_info=database_failure(exc) is None,
            )

    async def confirm_installed(self) -> None:
        """This process started with a bot token Slack takes (`runner.check_token` refuses one it does not): a
        workspace recorded as out of reach (`MentorBot.community_lost`: uninstalled, its tokens revoked) that this
        token is installed in is back (`MentorBot.community_back`): the outage ends and the offers held meanwhile go
        out again. One read; Slack is asked (``auth.test``) which workspace the token is for only when some Slack
        workspace is recorded out. A failure is logged: the offers held stay for their mentors' next commands."""
        try:
            out = await self.bot.store.communities_out(COMMUNITY_PREFIX)
            if not out:
                return
            found = await self.client.auth_test()
            enterprise = found.get("enterprise_id") if found.get("is_enterprise_install") else None
            community = community_of(str(enterprise or found.get("team_id") or ""))
            if community in out:
                log.info("MentorBot works in %s again: the offers held meanwhile go out", community)
                await self.bot.community_back(community)
        except Exception as exc:
            log.warning(
                "could not check whether MentorBot is back in a Slack workspace: %s",
                failure_reason(exc),
                exc_info=database_failure(exc) is None and not isinstance(exc, SlackApiError),
            )

    async def _on_user_change(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        """A member's account changed (Slack sends it for every profile edit in the workspace): what it says is
        kept (`Membership.saw`); an account deactivated (``deleted: true``) is a member gone from the
        installation's community (`MentorBot.member_left`), any other is a member there: their stored name follows
        the profile's, and one reported gone is back (`MentorBot.member_back`: an account reactivated). Each in a
        task of its own: Bolt acknowledges the event when this returns. A redelivery, a departure reported already,
        or a return told already, changes nothing."""
        user = event.get("user")
        if not isinstance(user, Mapping) or not isinstance(user.get("id"), str) or not user["id"]:
            return
        community = community_of(installation_of(body))
        if self.delivery.membership.saw(user) is not Lookup.GONE:
            # The name as a command's or a click's caller gets it (Slack's ``user_name``, the user's ``name``).
            profile = user.get("profile")
            shown = profile.get("display_name") if isinstance(profile, Mapping) else None
            name = next((n for n in (user.get("name"), user.get("real_name"), shown) if isinstance(n, str) and n), "")
            self._start(self._present(community, str(user["id"]), name))
            return
        log.info("the account of %s was deactivated: recording their departure from %s", user["id"], community)
        self._start(self._departed(community, str(user["id"])))

    async def _present(self, community: str, user_id: str, name: str) -> None:
        """Record that `user_id` is a member of `community`, named `name` (`MentorBot.member_back`); a failure is
        logged: their next command keeps their name, and shows they are back, all the same."""
        try:
            await self.bot.member_back(community, user_id, name)
        except Exception as exc:
            log.warning(
                "could not record that %s is a member of %s: %s",
                user_id,
                community,
                failure_reason(exc),
                exc_info=database_failure(exc) is None,
            )

    async def _departed(self, community: str, user_id: str) -> None:
        """Record that `user_id` left `community` (`Delivery.report_departure`); a failure is logged: the next look
        at them (an offer going out, a refused message) finds them gone again."""
        try:
            await self.delivery.report_departure(community, user_id)
        except Exception as exc:
            log.warning(
                "could not record that %s left %s: %s",
                user_id,
                community,
                failure_reason(exc),
                exc_info=database_failure(exc) is None,
            )


def build_web_app(get_adapter: Callable[[], SlackAdapter | None]) -> web.Application:
    """HTTP mode's aiohttp application: Slack's Request URL at ``/slack/events`` and ``/healthz``.

    `get_adapter` returns the adapter, or None while it is starting (the gunicorn factory creates the
    application before the adapter's store is open); requests then get 503 and Slack retries.
    """

    async def events(request: web.Request) -> web.StreamResponse:
        adapter = get_adapter()
        if adapter is None:
            return web.json_response({"ok": False, "error": "starting"}, status=503)
        return await adapter.handle_http(request)

    async def healthz(_request: web.Request) -> web.StreamResponse:
        ready = get_adapter() is not None
        return web.json_response({"ok": ready}, status=200 if ready else 503)

    def get_bot() -> MentorBot | None:
        adapter = get_adapter()
        return adapter.bot if adapter is not None else None

    app = web.Application()
    app.router.add_post(EVENTS_PATH, events)
    app.router.add_get(HEALTH_PATH, healthz)
    # /readyz (database reachable, Slack connected) and /metrics; /healthz stays the one above (503 while starting).
    add_ops_routes(app, get_bot, health=False)
    return app
