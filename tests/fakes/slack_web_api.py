"""A fake of Slack's Web API, ``response_url`` receiver and Socket Mode endpoint on 127.0.0.1.

One aiohttp server on a free loopback port serves:

* ``/api/<method>``: the Web API. Accepts GET query strings, form-encoded and JSON bodies (the
  Python SDK mixes all three: ``auth.test`` is a POST with a query string, ``users.info`` a GET,
  ``chat.postMessage`` a JSON POST). The token comes from ``Authorization: Bearer …`` or a ``token``
  parameter. Every call is recorded (:class:`RecordedCall`).
* ``/response/<id>``: ``response_url`` hooks issued by :meth:`FakeSlack.new_response_url`; posts are
  recorded (:class:`ResponseUrlPost`).
* ``/socket-mode/link/``: the Socket Mode websocket (:mod:`tests.fakes.slack_socket_mode`), whose
  one-time URLs ``apps.connections.open`` hands out.

Point slack_sdk / slack_bolt at it with ``AsyncWebClient(token=…, base_url=fake.api_url)``
(``fake.web_client()`` builds one); Bolt copies the client's ``base_url`` into every per-request
client and Socket Mode's ``apps.connections.open`` uses the same client.

Answers follow Slack's documented response shapes. What the app sends is held to Slack's documented
limits (:mod:`tests.fakes.slack_limits`): blocks that break one are refused with ``invalid_blocks``
(``chat.postMessage``, ``chat.postEphemeral``, ``chat.update``; a ``response_url`` answers HTTP 400
``invalid_blocks``), a view that breaks one with ``invalid_arguments`` (``views.open``, ``views.update``,
``views.publish``), each problem listed in ``response_metadata.messages`` with its JSON pointer; a ``text``
over 40,000 characters is cut to 40,000 and posted with the ``message_truncated`` warning. A trigger_id works
for ``views.open`` for 3 seconds after it was issued (then ``expired_trigger_id``); a response_url takes 5 posts
within 30 minutes (then HTTP 404 ``used_url`` / ``expired_url``: Slack documents the limits, not these
answers). What is *not* modelled: channel membership, scopes (every bot-token call is allowed), pagination.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from aiohttp import web
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack_ids import (
    APP_ID,
    APP_TOKEN,
    BOT_ID,
    BOT_NAME,
    BOT_SCOPES,
    BOT_TOKEN,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    TEAM_NAME,
    dm_channel_id_for,
)
from tests.fakes.slack_limits import (
    TRUNCATED_MESSAGE,
    TRUNCATED_WARNING,
    message_problems,
    truncated,
    view_problems,
)
from tests.fakes.slack_signing import load_fixture
from tests.fakes.slack_socket_mode import FakeSocketMode

# Error codes Slack returns when an app cannot reach a person by DM. Slack has no per-user
# "block this app" switch like Discord's closed DMs; these are the documented cases:
#   chat.postMessage  messages_tab_disabled  the app's App Home Messages tab is off, so it cannot
#                                            DM anyone (conversations.open still succeeds)
#   conversations.open user_disabled         the person's account was deactivated
#   conversations.open user_not_visible      the caller may not see that user (guest restrictions)
#   conversations.open cannot_dm_bot         the target is a bot user
#   chat.postMessage  restricted_action      a workspace preference forbids the post
DM_CLOSED_ERROR = "messages_tab_disabled"
USER_DISABLED_ERROR = "user_disabled"

SeenKind = Literal["dm", "ephemeral", "update", "response_url", "ack"]


@dataclass(frozen=True)
class RecordedCall:
    """One Web API call the fake received.

    Attributes:
        method: API method, e.g. ``chat.postMessage``.
        params: Query, form and JSON parameters merged (``token`` removed; JSON-in-form fields such
            as ``blocks`` or ``view`` decoded).
        time: ``time.monotonic()`` when the request arrived.
        token: The token used, if any.
        http_method: ``GET`` or ``POST``.
        status: HTTP status answered (200, or 429 when rate limited).
        response: The JSON body answered.
    """

    method: str
    params: dict[str, Any]
    time: float
    token: str | None
    http_method: str
    status: int
    response: dict[str, Any]

    @property
    def ok(self) -> bool:
        """Whether the fake answered ``"ok": true``."""
        return bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        """The ``error`` code answered, if any."""
        error = self.response.get("error")
        return str(error) if error is not None else None


@dataclass(frozen=True)
class ResponseUrlPost:
    """One post the app made to a ``response_url`` issued by the fake.

    ``body`` is the message as Slack posts it (a ``text`` over 40,000 characters cut to 40,000). A refused
    post (in :attr:`FakeSlack.refused_response_posts`) has the HTTP ``status`` and the ``error`` answered.
    """

    hook_id: str
    user_id: str | None
    channel_id: str | None
    body: dict[str, Any]
    time: float
    status: int = 200
    error: str | None = None

    @property
    def response_type(self) -> str:
        """``ephemeral`` (Slack's default) or ``in_channel``."""
        return str(self.body.get("response_type") or "ephemeral")

    @property
    def replace_original(self) -> bool:
        """Whether the post replaces the message the interaction came from."""
        return _truthy(self.body.get("replace_original"))

    @property
    def delete_original(self) -> bool:
        """Whether the post deletes the message the interaction came from."""
        return _truthy(self.body.get("delete_original"))

    @property
    def text(self) -> str | None:
        """The posted ``text``."""
        text = self.body.get("text")
        return None if text is None else str(text)

    @property
    def blocks(self) -> list[dict[str, Any]] | None:
        """The posted ``blocks``."""
        blocks = self.body.get("blocks")
        return blocks if isinstance(blocks, list) else None


@dataclass(frozen=True)
class SeenMessage:
    """Something a user saw from the app.

    ``kind`` is ``dm`` (chat.postMessage into their DM), ``ephemeral`` (chat.postEphemeral to them),
    ``update`` (chat.update of a message in their DM) or ``response_url`` (a post to a response_url
    issued for them).
    """

    user_id: str
    kind: SeenKind
    channel: str | None
    ts: str | None
    text: str | None
    blocks: list[dict[str, Any]] | None
    time: float
    raw: dict[str, Any] = field(repr=False)


@dataclass
class FakeUser:
    """A workspace member as ``users.info`` describes it."""

    id: str
    name: str
    real_name: str
    is_admin: bool = False
    is_owner: bool = False
    is_primary_owner: bool = False
    is_restricted: bool = False
    is_stranger: bool = False
    """A member of another organisation met in a Slack Connect channel (their flags are their own organisation's)."""
    is_bot: bool = False
    deleted: bool = False
    tz: str = "UTC"
    tz_label: str | None = None
    locale: str = "en-US"
    email: str | None = None

    def to_api(self, *, team_id: str, include_locale: bool) -> dict[str, Any]:
        """The ``user`` object of a ``users.info`` answer."""
        user = load_fixture("users_info_user.json")
        offset = ZoneInfo(self.tz).utcoffset(datetime.now(UTC).replace(tzinfo=None))
        tz_label = self.tz_label or datetime.now(ZoneInfo(self.tz)).tzname() or self.tz
        user.update(
            id=self.id,
            team_id=team_id,
            name=self.name,
            deleted=self.deleted,
            real_name=self.real_name,
            tz=self.tz,
            tz_label=tz_label,
            tz_offset=int(offset.total_seconds()) if offset is not None else 0,
            is_admin=self.is_admin,
            is_owner=self.is_owner,
            is_primary_owner=self.is_primary_owner,
            is_restricted=self.is_restricted,
            is_bot=self.is_bot,
            locale=self.locale,
        )
        if self.is_stranger:
            user["is_stranger"] = True
        profile = user["profile"]
        profile.update(
            real_name=self.real_name,
            real_name_normalized=self.real_name,
            display_name=self.name,
            display_name_normalized=self.name,
            email=self.email if self.email is not None else f"{self.name}@example.test",
            team=team_id,
        )
        if not include_locale:
            del user["locale"]
        return user


@dataclass
class FakeView:
    """A modal or Home tab view the app opened or published."""

    id: str
    type: str
    user_id: str | None
    view: dict[str, Any]
    hash: str
    external_id: str = ""


@dataclass
class ApiRequest:
    """A parsed Web API request, handed to method handlers (including :meth:`FakeSlack.stub` ones)."""

    method: str
    params: dict[str, Any]
    token: str | None
    http_method: str


@dataclass
class ApiResult:
    """What a method handler answers."""

    body: dict[str, Any]
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


ApiHandler = Callable[[ApiRequest], Awaitable[ApiResult] | ApiResult]
"""A method handler for :meth:`FakeSlack.stub`: sync or async, from request to result."""


@dataclass
class _DmBlock:
    error: str
    at: Literal["open", "post"]


@dataclass
class _Hook:
    """A response_url the fake issued: whom it answers, when it was issued, how many posts it took."""

    user_id: str | None
    channel_id: str | None
    message_ts: str | None
    issued_at: float
    posts: int = 0


@dataclass(frozen=True)
class _Trigger:
    user_id: str
    issued_at: float


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("1", "true")) or value == 1


def _error(code: str, **extra: Any) -> ApiResult:
    return ApiResult({"ok": False, "error": code, **extra})


def _invalid_blocks(params: Mapping[str, Any]) -> ApiResult | None:
    """Slack's ``invalid_blocks`` answer to a message whose blocks break a limit, else ``None``."""
    problems = message_problems(dict(params))
    if not problems:
        return None
    return _error("invalid_blocks", errors=problems, response_metadata={"messages": [f"[ERROR] {p}" for p in problems]})


def _invalid_view(view: Mapping[str, Any]) -> ApiResult | None:
    """Slack's ``invalid_arguments`` answer to a view that breaks a limit, else ``None``."""
    problems = view_problems(dict(view))
    if not problems:
        return None
    return _error("invalid_arguments", response_metadata={"messages": [f"[ERROR] {p}" for p in problems]})


def _warn_truncated(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` with the warning Slack adds to an answer when it cut a message's text."""
    return {
        **body,
        "warning": TRUNCATED_WARNING,
        "response_metadata": {"warnings": [TRUNCATED_WARNING], "messages": [TRUNCATED_MESSAGE]},
    }


_JSON_FIELDS = ("blocks", "attachments", "view", "metadata", "user_auth_blocks")


async def start_loopback_site(app: web.Application) -> tuple[web.AppRunner, str]:
    """Serve ``app`` on a free 127.0.0.1 port; return the runner and ``http://127.0.0.1:<port>``."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}"


class FakeSlack:
    """Slack's Web API, response_url hooks and Socket Mode, faked on one loopback server.

    Use as ``async with FakeSlack() as fake:`` or via the ``slack_fake`` fixture.
    """

    def __init__(
        self,
        *,
        bot_token: str = BOT_TOKEN,
        app_token: str = APP_TOKEN,
        team_id: str = TEAM_ID,
        team_domain: str = TEAM_DOMAIN,
        team_name: str = TEAM_NAME,
        bot_user_id: str = BOT_USER_ID,
        bot_id: str = BOT_ID,
        bot_name: str = BOT_NAME,
        app_id: str = APP_ID,
    ) -> None:
        """Configure the fake workspace; :meth:`start` serves it."""
        self.bot_token = bot_token
        self.app_token = app_token
        self.team_id = team_id
        self.team_domain = team_domain
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.app_id = app_id

        self.socket_mode = FakeSocketMode(app_id=app_id)
        """The Socket Mode endpoint (push envelopes, await acks)."""
        self.calls: list[RecordedCall] = []
        """Every Web API call, in arrival order."""
        self.response_posts: list[ResponseUrlPost] = []
        """Every post to a response_url issued by :meth:`new_response_url`."""
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        """Messages the app posted and still exist, by ``(channel, ts)``."""
        self.views: dict[str, FakeView] = {}
        """Modals and Home tabs by view id."""
        self.users: dict[str, FakeUser] = {}
        """Workspace members ``users.info`` knows (the bot user is added automatically)."""
        self.seen: list[SeenMessage] = []
        """What each user saw from the app, in order (see :meth:`messages_seen_by`)."""
        self.refused_response_posts: list[ResponseUrlPost] = []
        """Posts to an issued response_url that Slack refuses (used up, expired, invalid blocks), in order."""
        self.trigger_id_lifetime = 3.0
        """Seconds after :meth:`new_trigger_id` during which ``views.open`` takes the trigger_id."""
        self.response_url_lifetime = 30 * 60.0
        """Seconds after :meth:`new_response_url` during which the response_url takes posts."""
        self.response_url_posts = 5
        """How many posts a response_url takes."""

        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        self._changed = asyncio.Condition()
        self._ts_counter = itertools.count(1)
        self._id_counter = itertools.count(1)
        self._rate_limits: dict[str, list[int]] = {}
        self._failures: dict[str, list[tuple[int, str]]] = {}
        self._stubs: dict[str, ApiHandler] = {}
        self._dm_blocks: dict[str, _DmBlock] = {}
        self._opened_dms: set[str] = set()
        self._hooks: dict[str, _Hook] = {}
        self._triggers: dict[str, _Trigger] = {}
        self._handlers: dict[str, Callable[[ApiRequest], ApiResult]] = {
            "auth.test": self._auth_test,
            "apps.connections.open": self._apps_connections_open,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "conversations.open": self._conversations_open,
            "users.info": self._users_info,
            "views.open": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
        }
        self.add_user(bot_user_id, name=bot_name, real_name="MentorBot", is_bot=True)

    # ------------------------------------------------------------------------------------------
    # lifecycle

    async def start(self) -> None:
        """Start serving on a free 127.0.0.1 port."""
        if self._runner is not None:
            return
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/response/{hook_id}", self._handle_response_url)
        self.socket_mode.attach(app)
        self._runner, self._url = await start_loopback_site(app)
        self.socket_mode.set_base_url(self._url)

    async def close(self) -> None:
        """Stop serving (closes Socket Mode websockets first). Close apps and handlers before this."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> FakeSlack:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        if self._url is None:
            raise RuntimeError("FakeSlack is not started")
        return self._url

    @property
    def api_url(self) -> str:
        """The Web API base URL to give slack_sdk: ``http://127.0.0.1:<port>/api/``."""
        return self.url + "/api/"

    def web_client(
        self, token: str | None = None, *, retry_handlers: list[AsyncRetryHandler] | None = None
    ) -> AsyncWebClient:
        """An ``AsyncWebClient`` pointed at the fake (bot token unless ``token`` is given).

        ``retry_handlers`` replaces slack_sdk's default list (which only retries connection errors);
        pass ``[AsyncRateLimitErrorRetryHandler(max_retry_count=…)]`` to retry HTTP 429s.
        """
        if retry_handlers is None:
            return AsyncWebClient(token=token or self.bot_token, base_url=self.api_url)
        return AsyncWebClient(token=token or self.bot_token, base_url=self.api_url, retry_handlers=retry_handlers)

    # ------------------------------------------------------------------------------------------
    # test controls

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        is_admin: bool = False,
        is_owner: bool = False,
        is_primary_owner: bool = False,
        is_restricted: bool = False,
        is_stranger: bool = False,
        is_bot: bool = False,
        deleted: bool = False,
        tz: str = "UTC",
        tz_label: str | None = None,
        locale: str = "en-US",
        email: str | None = None,
    ) -> FakeUser:
        """Add (or replace) a workspace member known to ``users.info`` and ``conversations.open``."""
        display = name if name is not None else user_id.lower()
        user = FakeUser(
            id=user_id,
            name=display,
            real_name=real_name if real_name is not None else display.title(),
            is_admin=is_admin,
            is_owner=is_owner,
            is_primary_owner=is_primary_owner,
            is_restricted=is_restricted,
            is_stranger=is_stranger,
            is_bot=is_bot,
            deleted=deleted,
            tz=tz,
            tz_label=tz_label,
            locale=locale,
            email=email,
        )
        self.users[user_id] = user
        return user

    def deactivate(self, user_id: str) -> dict[str, Any]:
        """A workspace admin deactivates ``user_id``'s account; returns the ``user_change`` event Slack then sends
        to apps with ``users:read`` (push it with ``event_callback``).

        As on Slack, ``users.info`` still answers, with ``deleted: true``, and
        ``chat.postMessage`` to the account still succeeds (slackapi/python-slack-sdk#1156: Slack does not refuse
        it); ``conversations.open`` answers ``user_disabled``.
        """
        self.users[user_id].deleted = True
        return self.user_change_event(user_id)

    def reactivate(self, user_id: str) -> dict[str, Any]:
        """Undo :meth:`deactivate`; returns the ``user_change`` event Slack sends."""
        self.users[user_id].deleted = False
        return self.user_change_event(user_id)

    def user_change_event(self, user_id: str) -> dict[str, Any]:
        """The ``user_change`` event (its ``event`` object) for ``user_id`` as ``users.info`` describes them now."""
        user = self.users[user_id].to_api(team_id=self.team_id, include_locale=False)
        return {"type": "user_change", "user": user, "cache_ts": int(time.time()), "event_ts": f"{time.time():.6f}"}

    def rate_limit(self, method: str, *, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with HTTP 429 and ``Retry-After``."""
        self._rate_limits.setdefault(method, []).extend([retry_after] * times)

    def fail_next(self, method: str, error: str, *, times: int = 1, status: int = 200) -> None:
        """Answer the next ``times`` calls of ``method`` with ``{"ok": false, "error": error}``."""
        self._failures.setdefault(method, []).extend([(status, error)] * times)

    def close_dms(self, user_id: str, *, error: str = DM_CLOSED_ERROR, at: Literal["open", "post"] = "post") -> None:
        """Make DMs to ``user_id`` fail.

        With ``at="post"`` (default) ``conversations.open`` still succeeds and ``chat.postMessage``
        to the DM (by ``D…`` or ``U…`` id) answers ``error`` (``messages_tab_disabled`` by
        default). With ``at="open"`` ``conversations.open`` fails too, e.g.
        ``close_dms(uid, error="user_disabled", at="open")`` for a deactivated account.
        """
        self._dm_blocks[user_id] = _DmBlock(error=error, at=at)

    def open_dms(self, user_id: str) -> None:
        """Undo :meth:`close_dms`."""
        self._dm_blocks.pop(user_id, None)

    def stub(self, method: str, handler: ApiHandler | Mapping[str, Any]) -> None:
        """Answer ``method`` with a fixed JSON body or a handler (overrides built-in handlers)."""
        if isinstance(handler, Mapping):
            body = dict(handler)
            self._stubs[method] = lambda _request: ApiResult(dict(body))
        else:
            self._stubs[method] = handler

    def new_response_url(
        self, user_id: str | None = None, channel_id: str | None = None, *, message_ts: str | None = None
    ) -> str:
        """Issue a ``response_url`` whose posts are recorded and attributed to ``user_id``.

        With ``message_ts``, ``replace_original`` / ``delete_original`` posts also change the stored
        message ``(channel_id, message_ts)``.
        """
        hook_id = uuid.uuid4().hex
        self._hooks[hook_id] = _Hook(user_id, channel_id, message_ts, time.monotonic())
        return f"{self.url}/response/{hook_id}"

    def new_trigger_id(self, user_id: str) -> str:
        """Issue a ``trigger_id`` so that views opened with it are attributed to ``user_id``.

        Like Slack's, it expires :attr:`trigger_id_lifetime` (3) seconds after it was issued: issue it when the
        request that carries it is sent.
        """
        trigger_id = f"{next(self._id_counter)}.{int(time.time())}.{uuid.uuid4().hex[:20]}"
        self._triggers[trigger_id] = _Trigger(user_id, time.monotonic())
        return trigger_id

    # ------------------------------------------------------------------------------------------
    # inspection

    def calls_to(self, method: str) -> list[RecordedCall]:
        """The recorded calls of ``method``, in order."""
        return [c for c in self.calls if c.method == method]

    @property
    def methods_called(self) -> list[str]:
        """The methods called, in order (``auth.test`` included: Bolt calls it on first use)."""
        return [c.method for c in self.calls]

    def messages_seen_by(self, user_id: str, *, kind: SeenKind | None = None) -> list[SeenMessage]:
        """What ``user_id`` saw from the app (DMs, ephemerals, DM updates, response_url posts)."""
        return [m for m in self.seen if m.user_id == user_id and (kind is None or m.kind == kind)]

    def dm_channel_of(self, user_id: str) -> str:
        """The app's DM channel id with ``user_id`` (what ``conversations.open`` returns)."""
        return dm_channel_id_for(user_id)

    def messages_in(self, channel: str) -> list[dict[str, Any]]:
        """Stored messages in ``channel``, oldest first."""
        return [m for (ch, _ts), m in sorted(self.messages.items(), key=lambda kv: kv[0][1]) if ch == channel]

    def home_view_of(self, user_id: str) -> dict[str, Any] | None:
        """The Home tab view last published for ``user_id``."""
        homes = [v for v in self.views.values() if v.type == "home" and v.user_id == user_id]
        return homes[-1].view if homes else None

    def modals_of(self, user_id: str) -> list[FakeView]:
        """Modals opened with a trigger issued for ``user_id`` (in opening order)."""
        return [v for v in self.views.values() if v.type == "modal" and v.user_id == user_id]

    async def wait_until(self, predicate: Callable[[], bool], *, within: float = 5.0, what: str = "") -> None:
        """Wait until ``predicate()`` holds; it is re-checked after every call and response_url post.

        Bolt runs listeners after it acknowledged (unless ``process_before_response=True``), so
        assertions on what a listener did must wait for it.
        """
        try:
            async with asyncio.timeout(within):
                async with self._changed:
                    await self._changed.wait_for(predicate)
        except TimeoutError:
            raise AssertionError(
                f"fake Slack: timed out after {within}s waiting for {what or predicate!r}; "
                f"calls so far: {self.methods_called}"
            ) from None

    async def wait_for_call(
        self,
        method: str,
        *,
        count: int = 1,
        where: Callable[[RecordedCall], bool] | None = None,
        within: float = 5.0,
    ) -> RecordedCall:
        """Wait for the ``count``-th call of ``method`` (matching ``where``) and return it."""

        def matching() -> list[RecordedCall]:
            return [c for c in self.calls_to(method) if where is None or where(c)]

        await self.wait_until(lambda: len(matching()) >= count, within=within, what=f"{count}× {method}")
        return matching()[count - 1]

    async def wait_for_response_post(self, *, count: int = 1, within: float = 5.0) -> ResponseUrlPost:
        """Wait for the ``count``-th post to an issued response_url and return it."""
        await self.wait_until(
            lambda: len(self.response_posts) >= count, within=within, what=f"{count} response_url post(s)"
        )
        return self.response_posts[count - 1]

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ------------------------------------------------------------------------------------------
    # HTTP handlers

    async def _handle_api(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except json.JSONDecodeError:
                    body = None
                if isinstance(body, dict):
                    params.update(body)
            elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                params.update({k: v for k, v in form.items() if isinstance(v, str)})
        for name in _JSON_FIELDS:
            value = params.get(name)
            if isinstance(value, str) and value[:1] in ("[", "{"):
                with contextlib.suppress(json.JSONDecodeError):
                    params[name] = json.loads(value)
        token = params.pop("token", None)
        auth_header = request.headers.get("Authorization", "")
        if auth_header.startswith("Bearer "):
            token = auth_header.removeprefix("Bearer ").strip()
        api_request = ApiRequest(method=method, params=params, token=token, http_method=request.method)

        result = await self._dispatch(api_request)
        self.calls.append(
            RecordedCall(
                method=method,
                params=params,
                time=arrived,
                token=token,
                http_method=request.method,
                status=result.status,
                response=result.body,
            )
        )
        await self._notify()
        return web.json_response(result.body, status=result.status, headers=result.headers)

    async def _dispatch(self, request: ApiRequest) -> ApiResult:
        method = request.method
        pending_limits = self._rate_limits.get(method)
        if pending_limits:
            retry_after = pending_limits.pop(0)
            return ApiResult({"ok": False, "error": "ratelimited"}, 429, {"Retry-After": str(retry_after)})
        stub = self._stubs.get(method)
        handler = self._handlers.get(method)
        if stub is None and handler is None:
            return _error("unknown_method", req_method=method)
        if request.token is None:
            return _error("not_authed")
        if request.token not in (self.bot_token, self.app_token):
            return _error("invalid_auth")
        wants_app_token = method.startswith("apps.connections.")
        if (request.token == self.app_token) != wants_app_token:
            return _error("not_allowed_token_type")
        pending_failures = self._failures.get(method)
        if pending_failures:
            status, code = pending_failures.pop(0)
            return ApiResult({"ok": False, "error": code}, status)
        if stub is not None:
            outcome = stub(request)
            result = await outcome if inspect.isawaitable(outcome) else outcome
        else:
            assert handler is not None
            result = handler(request)
        if request.token == self.bot_token:
            result.headers.setdefault("X-OAuth-Scopes", BOT_SCOPES)
        return result

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        hook_id = request.match_info["hook_id"]
        hook = self._hooks.get(hook_id)
        if hook is None:
            return web.Response(status=404, text="no_service")
        user_id, channel_id, message_ts = hook.user_id, hook.channel_id, hook.message_ts
        try:
            body = await request.json() if request.content_type == "application/json" else dict(await request.post())
        except json.JSONDecodeError:
            return web.Response(status=400, text="invalid_payload")
        if not isinstance(body, dict):
            return web.Response(status=400, text="invalid_payload")
        refusal: tuple[int, str] | None = None
        if time.monotonic() - hook.issued_at > self.response_url_lifetime:
            refusal = 404, "expired_url"
        elif hook.posts >= self.response_url_posts:
            refusal = 404, "used_url"
        elif message_problems(body):
            refusal = 400, "invalid_blocks"
        if refusal is not None:
            status, error = refusal
            self.refused_response_posts.append(
                ResponseUrlPost(hook_id, user_id, channel_id, body, time.monotonic(), status, error)
            )
            await self._notify()
            return web.Response(status=status, text=error)
        hook.posts += 1
        body = truncated(body) or body
        post = ResponseUrlPost(hook_id, user_id, channel_id, body, time.monotonic())
        self.response_posts.append(post)
        if channel_id is not None and message_ts is not None and (channel_id, message_ts) in self.messages:
            if post.delete_original:
                del self.messages[(channel_id, message_ts)]
            elif post.replace_original:
                message = self.messages[(channel_id, message_ts)]
                message["text"] = post.text or ""
                if post.blocks is not None:
                    message["blocks"] = post.blocks
        if user_id is not None:
            self._see(user_id, "response_url", channel_id, message_ts, body)
        await self._notify()
        return web.Response(text="ok")

    # ------------------------------------------------------------------------------------------
    # method implementations

    def _see(self, user_id: str, kind: SeenKind, channel: str | None, ts: str | None, raw: dict[str, Any]) -> None:
        text = raw.get("text")
        blocks = raw.get("blocks")
        self.seen.append(
            SeenMessage(
                user_id=user_id,
                kind=kind,
                channel=channel,
                ts=ts,
                text=None if text is None else str(text),
                blocks=blocks if isinstance(blocks, list) else None,
                time=time.monotonic(),
                raw=raw,
            )
        )

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts_counter):06d}"

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}0{next(self._id_counter):08d}"

    def _auth_test(self, _request: ApiRequest) -> ApiResult:
        return ApiResult(
            {
                "ok": True,
                "url": f"https://{self.team_domain}.slack.com/",
                "team": self.team_name,
                "user": self.bot_name,
                "team_id": self.team_id,
                "user_id": self.bot_user_id,
                "bot_id": self.bot_id,
                "is_enterprise_install": False,
            }
        )

    def _apps_connections_open(self, _request: ApiRequest) -> ApiResult:
        return ApiResult({"ok": True, "url": self.socket_mode.issue_url()})

    def _resolve_channel(self, channel: str) -> tuple[str, str | None]:
        """Map a channel argument to (channel id, DM user id or None); a user id means their DM."""
        if channel.startswith(("U", "W")):
            return dm_channel_id_for(channel), channel if channel in self.users else None
        if channel.startswith("D"):
            user_id = "U" + channel[1:]
            return channel, user_id if user_id in self.users else None
        return channel, None

    def _bot_message(self, ts: str, params: Mapping[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {
            "user": self.bot_user_id,
            "type": "message",
            "ts": ts,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "text": str(params.get("text") or ""),
            "team": self.team_id,
            "bot_profile": {
                "id": self.bot_id,
                "app_id": self.app_id,
                "name": self.bot_name,
                "deleted": False,
                "team_id": self.team_id,
            },
        }
        for key in ("blocks", "attachments", "metadata", "thread_ts"):
            if params.get(key):
                message[key] = params[key]
        return message

    def _chat_post_message(self, request: ApiRequest) -> ApiResult:
        params = request.params
        raw_channel = str(params.get("channel") or "")
        if not raw_channel:
            return _error("channel_not_found")
        if not (params.get("text") or params.get("blocks") or params.get("attachments")):
            return _error("no_text")
        channel, dm_user = self._resolve_channel(raw_channel)
        if raw_channel.startswith(("U", "W", "D")) and dm_user is None:
            return _error("channel_not_found")
        if dm_user is not None:
            block = self._dm_blocks.get(dm_user)
            if block is not None:
                return _error(block.error)
        refused = _invalid_blocks(params)
        if refused is not None:
            return refused
        cut = truncated(params)
        params = cut or params
        ts = self._next_ts()
        message = self._bot_message(ts, params)
        self.messages[(channel, ts)] = message
        if dm_user is not None:
            self._see(dm_user, "dm", channel, ts, params)
        body = {"ok": True, "channel": channel, "ts": ts, "message": message}
        return ApiResult(_warn_truncated(body) if cut else body)

    def _chat_post_ephemeral(self, request: ApiRequest) -> ApiResult:
        params = request.params
        channel = str(params.get("channel") or "")
        user_id = str(params.get("user") or "")
        if not channel:
            return _error("channel_not_found")
        if user_id not in self.users:
            return _error("user_not_found")
        if not (params.get("text") or params.get("blocks") or params.get("attachments")):
            return _error("no_text")
        refused = _invalid_blocks(params)
        if refused is not None:
            return refused
        cut = truncated(params)
        ts = self._next_ts()
        self._see(user_id, "ephemeral", self._resolve_channel(channel)[0], ts, cut or params)
        body = {"ok": True, "message_ts": ts}
        return ApiResult(_warn_truncated(body) if cut else body)

    def _chat_update(self, request: ApiRequest) -> ApiResult:
        params = request.params
        channel, dm_user = self._resolve_channel(str(params.get("channel") or ""))
        ts = str(params.get("ts") or "")
        message = self.messages.get((channel, ts))
        if message is None:
            return _error("message_not_found")
        if message.get("bot_id") != self.bot_id:
            return _error("cant_update_message")
        refused = _invalid_blocks(params)
        if refused is not None:
            return refused
        cut = truncated(params)
        params = cut or params
        if "text" in params:
            message["text"] = str(params["text"] or "")
        for key in ("blocks", "attachments", "metadata"):
            if key in params:
                message[key] = params[key]
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        if dm_user is not None:
            self._see(dm_user, "update", channel, ts, params)
        body = {"ok": True, "channel": channel, "ts": ts, "text": message["text"], "message": message}
        return ApiResult(_warn_truncated(body) if cut else body)

    def _conversations_open(self, request: ApiRequest) -> ApiResult:
        params = request.params
        if params.get("channel"):
            channel = str(params["channel"])
            if self._resolve_channel(channel)[1] is None:
                return _error("channel_not_found")
            return ApiResult({"ok": True, "no_op": True, "already_open": True, "channel": {"id": channel}})
        users = [u.strip() for u in str(params.get("users") or "").split(",") if u.strip()]
        if not users:
            return _error("users_list_not_supplied")
        if len(users) > 8:
            return _error("too_many_users")
        for user_id in users:
            user = self.users.get(user_id)
            if user is None:
                return _error("user_not_found")
            if user.is_bot:
                return _error("cannot_dm_bot")
            if user.deleted:
                return _error(USER_DISABLED_ERROR)
            block = self._dm_blocks.get(user_id)
            if block is not None and block.at == "open":
                return _error(block.error)
        if len(users) > 1:
            return ApiResult({"ok": True, "channel": {"id": "G" + "".join(u[1:4] for u in sorted(users))}})
        user_id = users[0]
        channel = dm_channel_id_for(user_id)
        already_open = channel in self._opened_dms
        self._opened_dms.add(channel)
        body: dict[str, Any] = {"ok": True}
        if already_open:
            body.update(no_op=True, already_open=True)
        if _truthy(params.get("return_im")):
            body["channel"] = {
                "id": channel,
                "created": int(time.time()),
                "is_im": True,
                "is_org_shared": False,
                "user": user_id,
                "is_user_deleted": False,
                "priority": 0,
            }
        else:
            body["channel"] = {"id": channel}
        return ApiResult(body)

    def _users_info(self, request: ApiRequest) -> ApiResult:
        user = self.users.get(str(request.params.get("user") or ""))
        if user is None:
            return _error("user_not_found")
        include_locale = _truthy(request.params.get("include_locale"))
        return ApiResult({"ok": True, "user": user.to_api(team_id=self.team_id, include_locale=include_locale)})

    def _view_body(self, view_id: str, view: Mapping[str, Any], view_hash: str, **extra: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view.get("type"),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": view_hash,
            "title": view.get("title"),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": self.app_id,
            "external_id": view.get("external_id", ""),
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        body.update(extra)
        return body

    def _new_hash(self) -> str:
        return f"{int(time.time())}.{uuid.uuid4().hex[:8]}"

    def _views_open(self, request: ApiRequest) -> ApiResult:
        trigger_id = str(request.params.get("trigger_id") or "")
        view = request.params.get("view")
        if not trigger_id:
            return _error("invalid_arguments", response_metadata={"messages": ["[ERROR] missing trigger_id"]})
        if not isinstance(view, dict) or view.get("type") != "modal":
            return _error("invalid_arguments", response_metadata={"messages": ["[ERROR] view must be a modal"]})
        trigger = self._triggers.get(trigger_id)
        if trigger is not None and time.monotonic() - trigger.issued_at > self.trigger_id_lifetime:
            return _error("expired_trigger_id")
        refused = _invalid_view(view)
        if refused is not None:
            return refused
        view_id = self._next_id("V")
        view_hash = self._new_hash()
        body = self._view_body(view_id, view, view_hash)
        self.views[view_id] = FakeView(
            view_id,
            "modal",
            trigger.user_id if trigger is not None else None,
            body,
            view_hash,
            str(view.get("external_id", "")),
        )
        return ApiResult({"ok": True, "view": body})

    def _views_update(self, request: ApiRequest) -> ApiResult:
        params = request.params
        view = params.get("view")
        if not isinstance(view, dict):
            return _error("invalid_arguments")
        target: FakeView | None = None
        if params.get("view_id"):
            target = self.views.get(str(params["view_id"]))
        elif params.get("external_id"):
            target = next((v for v in self.views.values() if v.external_id == params["external_id"]), None)
        else:
            return _error("invalid_arguments")
        if target is None:
            return _error("not_found")
        if params.get("hash") and params["hash"] != target.hash:
            return _error("hash_conflict")
        refused = _invalid_view(view)
        if refused is not None:
            return refused
        target.hash = self._new_hash()
        target.view = self._view_body(target.id, view, target.hash)
        target.external_id = str(view.get("external_id", target.external_id))
        return ApiResult({"ok": True, "view": target.view})

    def _views_publish(self, request: ApiRequest) -> ApiResult:
        params = request.params
        user_id = str(params.get("user_id") or "")
        view = params.get("view")
        if user_id not in self.users:
            return _error("user_not_found")
        if not isinstance(view, dict) or view.get("type") != "home":
            return _error("invalid_arguments", response_metadata={"messages": ["[ERROR] view must be home"]})
        current = next((v for v in self.views.values() if v.type == "home" and v.user_id == user_id), None)
        if current is not None and params.get("hash") and params["hash"] != current.hash:
            return _error("hash_conflict")
        refused = _invalid_view(view)
        if refused is not None:
            return refused
        view_id = current.id if current is not None else self._next_id("V")
        view_hash = self._new_hash()
        body = self._view_body(view_id, view, view_hash)
        self.views[view_id] = FakeView(view_id, "home", user_id, body, view_hash)
        return ApiResult({"ok": True, "view": body})
