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
timers                                  `MentorBot.run_due_jobs` → `SlackAdapter.deliver`
======================================  ==============================================================

Commands and clicks are acknowledged at once (Slack allows three seconds) and the work is done after;
modal submissions are answered once the core has validated them (that is how field errors reach Slack).
Each interaction carries a stable id (``trigger_id``, or the event's ``event_id``) as `Caller.event_id`, so
Slack's redeliveries are handled once.

When the adapter itself fails after acknowledging (a bug, a dependency down), the member is not left without an
answer: they get the core's apology (``common.apology``) ephemerally, carrying a correlation id that is logged
with the traceback. The exception's text is never shown.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Final

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from mentorbot.app import run_timers
from mentorbot.bot import Caller, MentorBot
from mentorbot.commands import (
    ParsedCommand,
    caller_language,
    error_outcome,
    execute,
    execute_button,
    parse_custom_id,
    parse_slash,
)
from mentorbot.errors import UserError
from mentorbot.i18n import translator
from mentorbot.inputs import parse_id
from mentorbot.replies import Notification, Outcome, Reply
from mentorbot.settings import Settings
from mentorbot_slack.blocks import ACTION_PREFIX, message
from mentorbot_slack.delivery import SEND_ERRORS, Delivery, ReplyRoute, failure_reason, is_dm
from mentorbot_slack.views import (
    REQUEST_CALLBACK,
    SIGNUP_CALLBACK,
    ModalContext,
    error_block,
    input_blocks,
    read_submission,
    request_modal,
    signup_modal,
)

log = logging.getLogger("mentorbot.slack")

SLASH_COMMANDS: Final = ("/mentor", "/mentor-admin", "/skills", "/courses")
EVENTS_PATH: Final = "/slack/events"
HEALTH_PATH: Final = "/healthz"
USER_FACTS_TTL: Final = 300.0
"""Seconds a member's users.info facts (admin, time zone) are reused before asking Slack again."""
RATE_LIMIT_RETRIES: Final = 3

# Commands that change nothing shown on the App Home tab (it is not republished after them).
_READ_ONLY: Final = frozenset({None, "skills", "courses", "export", "admin_stats", "admin_waitlist", "admin_export"})
_MODAL_COMMANDS: Final = frozenset({"signup", "request"})
_ESCAPED_MENTION: Final = re.compile(r"<@([UW][A-Z0-9]+)\|[^>]*>")


def community_of(team_id: str) -> str:
    """The core's community id of a Slack workspace."""
    return f"slack:{team_id}"


def retry_handlers() -> list[AsyncRetryHandler]:
    """Retry connection errors once and HTTP 429s (after ``Retry-After``) up to three times."""
    return [AsyncConnectionErrorRetryHandler(), AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)]


def api_base_url(url: str | None) -> str:
    """The Web API base URL: Slack's, or ``MENTORBOT_SLACK__API_URL`` (with the trailing slash slack_sdk needs)."""
    if not url:
        return AsyncWebClient.BASE_URL
    return url if url.endswith("/") else url + "/"


def make_client(settings: Settings) -> AsyncWebClient:
    """The Web API client for the bot token, honouring ``API_URL`` and retrying rate-limited calls."""
    token = settings.slack.bot_token.get_secret_value() if settings.slack.bot_token else None
    return AsyncWebClient(token=token, base_url=api_base_url(settings.slack.api_url), retry_handlers=retry_handlers())


@dataclass(frozen=True)
class UserFacts:
    """What users.info tells about a member: workspace admin or owner, and their time zone."""

    is_admin: bool = False
    timezone: str | None = None


def _event_id(kind: str, stable_id: object) -> str | None:
    return f"slack:{kind}:{stable_id}" if isinstance(stable_id, str) and stable_id else None


def _team_id(body: Mapping[str, Any]) -> str:
    """The workspace of an interaction payload (``team.id``, else the user's ``team_id``)."""
    user: Mapping[str, Any] = body.get("user") or {}
    return str((body.get("team") or {}).get("id") or user.get("team_id", ""))


@dataclass(frozen=True)
class Apology:
    """Who to apologise to, and where, if the work on one interaction fails unexpectedly."""

    community: str
    route: ReplyRoute

    @classmethod
    def for_command(cls, body: Mapping[str, Any]) -> Apology:
        """To the member who ran a slash command: through its response_url, else ephemerally in its channel."""
        route = ReplyRoute(
            str(body.get("user_id", "")), response_url=body.get("response_url"), channel_id=body.get("channel_id")
        )
        return cls(community_of(str(body.get("team_id", ""))), route)

    @classmethod
    def for_button(cls, body: Mapping[str, Any]) -> Apology:
        """To the member who clicked: where the click's own reply would go (`button_route`)."""
        return cls(community_of(_team_id(body)), button_route(body))

    @classmethod
    def for_view(cls, body: Mapping[str, Any], view: Mapping[str, Any]) -> Apology:
        """To the member who submitted a modal: where it was opened from (its ``private_metadata``)."""
        user: Mapping[str, Any] = body.get("user") or {}
        meta = ModalContext.load(view.get("private_metadata"))
        route = ReplyRoute(str(user.get("id", "")), response_url=meta.response_url, channel_id=meta.channel_id)
        return cls(community_of(_team_id(body)), route)


def button_route(body: Mapping[str, Any]) -> ReplyRoute:
    """Where the reply to a click goes: its message's response_url and channel, else (App Home) a modal."""
    user: Mapping[str, Any] = body.get("user") or {}
    container: Mapping[str, Any] = body.get("container") or {}
    on_message = container.get("type") == "message"
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    return ReplyRoute(
        str(user.get("id", "")),
        response_url=body.get("response_url") if on_message else None,
        channel_id=channel if on_message else None,
        trigger_id=None if on_message else body.get("trigger_id"),
    )


class SlackAdapter:
    """MentorBot on Slack: a Bolt `AsyncApp` (`app`) for Socket Mode or HTTP, and the delivery of messages."""

    def __init__(self, bot: MentorBot, settings: Settings, *, client: AsyncWebClient | None = None) -> None:
        """Register the listeners; `client` defaults to one built from the settings (tests pass their own)."""
        self.bot = bot
        self.settings = settings
        self.client = client or make_client(settings)
        secret = settings.slack.signing_secret.get_secret_value() if settings.slack.signing_secret else ""
        self.app = AsyncApp(
            client=self.client,
            signing_secret=secret,
            logger=logging.getLogger("mentorbot.slack.bolt"),
            process_before_response=False,
        )
        self.delivery = Delivery(bot, self.client, retry_handlers=retry_handlers())
        self._facts: dict[str, tuple[float, UserFacts]] = {}
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        for command in SLASH_COMMANDS:
            self.app.command(command)(self._on_command)
        self.app.action(re.compile("^" + re.escape(ACTION_PREFIX)))(self._on_button)
        self.app.view(SIGNUP_CALLBACK)(self._on_signup_submitted)
        self.app.view(REQUEST_CALLBACK)(self._on_request_submitted)
        self.app.event("app_home_opened")(self._on_home_opened)

    # ---------------------------------------------------------------- lifecycle

    @asynccontextmanager
    async def _working(self, apology: Apology | None = None) -> AsyncIterator[None]:
        """Count one piece of work in flight (so shutdown and tests can wait for it). An unexpected failure is
        logged with a correlation id and its traceback; with an `apology`, the member is told (see `apologise`)."""
        self._in_flight += 1
        self._idle.clear()
        try:
            yield
        except Exception:
            correlation_id = uuid.uuid4().hex[:10]
            who = apology.route.user_id if apology else "-"
            log.exception("unexpected error [%s] in a Slack interaction of %s", correlation_id, who)
            if apology is not None:
                await self.apologise(apology, correlation_id)
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    async def apologise(self, apology: Apology, correlation_id: str) -> None:
        """Show the core's apology (``common.apology`` with `correlation_id`) to the member, only to them, in
        their language when it can still be read. Never raises: a failure here is logged with the same id."""
        try:
            try:
                who = Caller(apology.community, apology.route.user_id, apology.route.user_id)
                lang = await caller_language(self.bot, who)
            except Exception:
                log.warning("could not read the language of %s [%s]", apology.route.user_id, correlation_id)
                lang = self.settings.default_language
            t = translator(lang)
            await self.delivery.reply(apology.route, Reply(t("common.apology", correlation_id=correlation_id)), t=t)
        except Exception:
            log.exception("could not apologise to %s [%s]", apology.route.user_id, correlation_id)

    async def idle(self) -> None:
        """Wait until no interaction is being worked on (the work Slack's acks leave running)."""
        await self._idle.wait()

    @asynccontextmanager
    async def running(self, *, timers: bool = True, interval: float = 15.0) -> AsyncIterator[SlackAdapter]:
        """Run the timer loop (delivering through this adapter) while inside; on exit, stop it and let the
        interactions in flight finish (up to ten seconds)."""
        task = asyncio.create_task(run_timers(self.bot, self.deliver, interval=interval)) if timers else None
        try:
            yield self
        finally:
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            try:
                async with asyncio.timeout(10.0):
                    await self.idle()
            except TimeoutError:
                log.warning("stopping with %s Slack interaction(s) still running", self._in_flight)

    # ---------------------------------------------------------------- HTTP mode

    async def handle_http(self, request: web.Request) -> web.Response:
        """Slack's commands, interactivity and events (one Request URL); Bolt verifies the signature."""
        bolt_request = await to_bolt_request(request)
        bolt_response = await self.app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    def web_app(self) -> web.Application:
        """The aiohttp application of HTTP mode: ``POST /slack/events`` and ``GET /healthz``."""
        return build_web_app(lambda: self)

    # ---------------------------------------------------------------- who is calling

    async def user_facts(self, user_id: str) -> UserFacts:
        """users.info about `user_id` (cached for a few minutes); nothing known if Slack does not answer."""
        now = time.monotonic()
        cached = self._facts.get(user_id)
        if cached and cached[0] > now:
            return cached[1]
        try:
            answer = await self.client.users_info(user=user_id)
        except SEND_ERRORS as exc:
            log.warning("users.info for %s failed: %s", user_id, failure_reason(exc))
            return UserFacts()
        user: Mapping[str, Any] = answer.get("user") or {}
        facts = UserFacts(
            is_admin=bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")),
            timezone=user.get("tz") or None,
        )
        if len(self._facts) > 10_000:
            self._facts.clear()
        self._facts[user_id] = (now + USER_FACTS_TTL, facts)
        return facts

    async def caller(
        self, team_id: str, user_id: str, name: str | None, *, channel: str | None, event_id: str | None
    ) -> Caller:
        """The core's `Caller` for a Slack member. `is_admin` is Slack's own fact (workspace admin or owner,
        from users.info); the core adds the settings' admin ids itself."""
        facts = await self.user_facts(user_id)
        return Caller(
            community=community_of(team_id),
            user_id=user_id,
            display_name=name or user_id,
            is_admin=facts.is_admin,
            event_id=event_id,
            channel=None if is_dm(channel) else channel,
            timezone=facts.timezone,
        )

    # ---------------------------------------------------------------- outcomes

    async def finish(
        self, caller: Caller, route: ReplyRoute, outcome: Outcome, *, method: str | None = "", reply: bool = True
    ) -> None:
        """Show the outcome to the caller (unless `reply` is false: a click already updated its message),
        deliver its notifications and refresh the App Homes concerned. `method` names the use-case (None for
        the help): after read-only ones, the Home tab is not published again."""
        if outcome.duplicate:
            return
        t = translator(await caller_language(self.bot, caller))
        if reply:
            note = None
            if outcome.reply.attachments:
                sent = await self.delivery.send_files(caller.user_id, outcome.reply)
                note = t("slack.files.sent") if sent else t("slack.files.failed")
            await self.delivery.reply(route, outcome.reply, t=t, note=note)
        for held in outcome.held:
            await self.delivery.reply(route, held, t=t, note=t("slack.dm.held"))
        await self.delivery.notify(outcome.notifications)
        if outcome.error is None and (outcome.notifications or method not in _READ_ONLY):
            users = [caller.user_id, *(n.platform_user_id for n in outcome.notifications)]
            await self.delivery.refresh_homes(caller.community, users)

    async def deliver(self, notes: Sequence[Notification]) -> None:
        """Deliver notifications the timers produced (expired offers, check-ins, pause ends), then refresh the
        App Homes concerned. Notices for members of other platforms cannot go through Slack: they are held."""
        ours: list[Notification] = []
        for note in notes:
            member = await self.bot.store.get_member(note.member_id)
            if member is not None and member.community.startswith("slack:"):
                ours.append(note)
            elif member is not None:
                log.warning("timer notice for member %s of %s is not Slack's; holding it", member.id, member.community)
                await self.bot.hold_undelivered(note)
        await self.delivery.notify(ours)
        await self.delivery.refresh_homes_of(ours)

    # ---------------------------------------------------------------- slash commands

    async def _on_command(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        async with self._working(Apology.for_command(body)):
            await ack()
            await self.command(body)

    async def command(self, body: Mapping[str, Any]) -> None:
        """One slash command: parse it with the shared parser, open a modal or run it, answer ephemerally."""
        user_id = str(body["user_id"])
        channel = body.get("channel_id")
        route = ReplyRoute(user_id, response_url=body.get("response_url"), channel_id=channel)
        caller = await self.caller(
            str(body["team_id"]),
            user_id,
            body.get("user_name"),
            channel=channel,
            event_id=_event_id("command", body.get("trigger_id")),
        )
        name = str(body.get("command", ""))
        # With "escape channels, users and links" on, Slack sends <@U123|name>: the core knows <@U123>.
        text = _ESCAPED_MENTION.sub(r"<@\1>", str(body.get("text", "")))
        try:
            parsed = parse_slash(name, text, allow_missing=True)
            if await self._wants_modal(caller, parsed):
                await self._open_modal(caller, parsed, body)
                return
            if parsed.missing:
                parse_slash(name, text)  # raises the "missing argument" error
        except UserError as error:
            await self.finish(caller, route, await error_outcome(self.bot, caller, error))
            return
        outcome = await execute(self.bot, caller, parsed)
        method = parsed.command.method
        if outcome.error is None and method in ("accept", "decline"):
            # The offer's direct message (if this process sent it) loses its buttons, as after a click.
            try:
                offer_id = parse_id(parsed.args.get("offer"), "offer")
            except UserError:
                pass  # the core read the id its own way; without one of ours, there is no message to update
            else:
                await self.delivery.update_keyed(user_id, f"offer:{offer_id}", outcome.reply)
        await self.finish(caller, route, outcome, method=method)

    async def _wants_modal(self, caller: Caller, parsed: ParsedCommand) -> bool:
        """`/mentor request` without skills, `/mentor signup` with nothing typed (or no skills, for a member
        who is not a mentor yet) are completed in a modal."""
        method = parsed.command.method
        if method not in _MODAL_COMMANDS:
            return False
        if method == "request":
            return "skills" in parsed.missing
        if not parsed.args:
            return True
        if parsed.args.get("skills", "").strip():
            return False
        return await self.bot.mentor_profile(caller.community, caller.user_id) is None

    async def _open_modal(self, caller: Caller, parsed: ParsedCommand, body: Mapping[str, Any]) -> None:
        t = translator(await caller_language(self.bot, caller))
        meta = ModalContext(caller.channel or body.get("channel_id"), body.get("response_url"))
        skills = self.bot.library.taxonomy.skills
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
        async with self._working(Apology.for_view(body, view)):
            await self._submitted(ack, body, view, "signup")

    async def _on_request_submitted(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        async with self._working(Apology.for_view(body, view)):
            await self._submitted(ack, body, view, "request")

    async def _submitted(self, ack: AsyncAck, body: Mapping[str, Any], view: Mapping[str, Any], method: str) -> None:
        """A modal submitted: run the use-case first, so that a refusal can be shown on its field."""
        user: Mapping[str, Any] = body.get("user") or {}
        user_id = str(user.get("id", ""))
        team_id = _team_id(body)
        meta = ModalContext.load(view.get("private_metadata"))
        values = read_submission(view)
        try:
            caller = await self.caller(
                team_id,
                user_id,
                user.get("name") or user.get("username"),
                channel=meta.channel_id,
                event_id=_event_id("view", body.get("trigger_id")),
            )
            if method == "signup":
                outcome = await self.bot.signup(
                    caller, skills=values.skills, levels=values.levels, capacity=values.capacity, bio=values.bio or ""
                )
            else:
                outcome = await self.bot.request(caller, skills=values.skills, note=values.note)
        except Exception:
            await ack()  # never leave the member with a spinning modal (the apology follows: see `_working`)
            raise
        if outcome.error is not None:
            block = error_block(outcome.error, input_blocks(view))
            await ack(response_action="errors", errors={block: outcome.reply.plain_text})
            return
        await ack()
        route = ReplyRoute(user_id, response_url=meta.response_url, channel_id=meta.channel_id)
        await self.finish(caller, route, outcome, method=method)

    # ---------------------------------------------------------------- buttons

    async def _on_button(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        async with self._working(Apology.for_button(body)):
            await ack()
            await self.button(body)

    async def button(self, body: Mapping[str, Any]) -> None:
        """A click on one of the core's buttons (offer accept / decline, forget confirm)."""
        actions: Sequence[Mapping[str, Any]] = body.get("actions") or []
        ids = parse_custom_id(str(actions[0].get("action_id", ""))) if actions else None
        if ids is None:
            return
        action, ref = ids
        user: Mapping[str, Any] = body.get("user") or {}
        user_id = str(user.get("id", ""))
        container: Mapping[str, Any] = body.get("container") or {}
        on_message = container.get("type") == "message"
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
        route = button_route(body)
        caller = await self.caller(
            _team_id(body),
            user_id,
            user.get("name") or user.get("username"),
            channel=channel,
            event_id=_event_id("action", body.get("trigger_id")),
        )
        outcome = await execute_button(self.bot, caller, action, ref)
        if outcome.duplicate:
            return
        t = translator(await caller_language(self.bot, caller))
        if outcome.error is not None:
            await self.finish(caller, route, outcome)  # refused: only the clicker sees why
            return
        # The clicked message turns into the outcome (its buttons gone); so does the offer's DM when the click
        # came from elsewhere (the App Home tab, a /mentor status reply).
        updated = False
        clicked = (str(channel), str(container.get("message_ts"))) if on_message else None
        if on_message and container.get("is_ephemeral") and route.response_url:
            replaced = {**message(outcome.reply), "response_type": "ephemeral", "replace_original": True}
            updated = await self.delivery.respond(route.response_url, replaced)
        elif clicked and channel and container.get("message_ts"):
            updated = await self.delivery.update(*clicked, outcome.reply)
        offer_dm = self.delivery.remembered(user_id, f"offer:{ref}") if action.startswith("offer.") else None
        if offer_dm is not None and offer_dm != clicked:
            await self.delivery.update(*offer_dm, outcome.reply)
        if not updated:
            await self.delivery.reply(route, outcome.reply, t=t)
        await self.finish(caller, route, outcome, method=action, reply=False)

    # ---------------------------------------------------------------- App Home

    async def _on_home_opened(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        """The Home tab opened: publish the member's status (`MentorBot.home_view`, which also recognises
        Slack's redeliveries of the event), or the welcome for someone who has not used the bot yet."""
        async with self._working():
            if event.get("tab") != "home" or not event.get("user"):
                return
            team_id = str(body.get("team_id") or (body.get("authorizations") or [{}])[0].get("team_id", ""))
            await self.delivery.publish_home(
                community_of(team_id), str(event["user"]), event_id=_event_id("event", body.get("event_id"))
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

    app = web.Application()
    app.router.add_post(EVENTS_PATH, events)
    app.router.add_get(HEALTH_PATH, healthz)
    return app
