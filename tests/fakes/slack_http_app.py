"""Serve a real slack_bolt ``AsyncApp`` over HTTP on 127.0.0.1 and post signed Slack requests to it.

``AsyncApp.web_app(path=…)`` is Bolt's own aiohttp application (the one ``app.start()`` runs), so the
requests go through Bolt's aiohttp adapter, signature verification and ack handling exactly as in
production. (``AsyncSlackRequestHandler`` is Bolt's adapter for *other* ASGI frameworks such as
Starlette/FastAPI; with aiohttp, ``web_app()`` is the adapter.)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler

from tests.fakes.slack_ids import DEFAULT_CHANNEL_ID, DEFAULT_USER_ID, SIGNING_SECRET, dm_channel_id_for
from tests.fakes.slack_limits import message_problems, options_problems
from tests.fakes.slack_signing import (
    SlackPayload,
    app_home_opened,
    block_actions,
    block_suggestion,
    event_callback,
    signed_headers,
    slash_command,
    url_verification,
    view_submission,
)
from tests.fakes.slack_web_api import FakeSlack, start_loopback_site

DEFAULT_EVENTS_PATH = "/slack/events"


def make_bolt_app(
    fake: FakeSlack,
    *,
    signing_secret: str = SIGNING_SECRET,
    retry_handlers: list[AsyncRetryHandler] | None = None,
    **app_kwargs: Any,
) -> AsyncApp:
    """A real Bolt ``AsyncApp`` whose Web API client talks to ``fake``.

    The token is given only through the client (giving ``token=`` as well makes Bolt log a warning
    and ignore it). Extra keyword arguments go to ``AsyncApp`` (e.g. ``process_before_response``).
    """
    return AsyncApp(
        signing_secret=signing_secret,
        client=fake.web_client(retry_handlers=retry_handlers),
        **app_kwargs,
    )


@dataclass(frozen=True)
class SlackHttpResponse:
    """What the app answered Slack's request with."""

    status: int
    headers: Mapping[str, str]
    text: str
    problems: tuple[str, ...] = ()
    """What Slack refuses in the answer (`answer_problems`): a refused answer is shown to no one."""

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.text)


@dataclass(frozen=True)
class RefusedAnswer:
    """An answer of the app Slack would refuse: the request's payload, the app's answer and the problems."""

    payload: SlackPayload
    response: SlackHttpResponse


def answer_problems(payload: SlackPayload, status: int, content_type: str, text: str) -> list[str]:
    """What Slack refuses in the app's HTTP answer to `payload`, checked as Slack checks it: a slash command's
    acknowledgement as a message (`message_problems`: Slack shows the member none of it), an options load's
    (``block_suggestion``) as its options (`options_problems`: the menu offers none). Only a JSON answer of
    HTTP 200 is checked (a plain-text acknowledgement is shown as it is; an empty one shows nothing)."""
    if status != 200 or not content_type.startswith("application/json") or not text.strip():
        return []
    try:
        body = json.loads(text)
    except json.JSONDecodeError:
        return ["the answer is not valid JSON [json-pointer:/]"]
    if payload.envelope_type == "slash_commands":
        return message_problems(body) if isinstance(body, dict) else ["failed to match all allowed schemas"]
    if payload.envelope_type == "interactive" and payload.data.get("type") == "block_suggestion":
        return options_problems(body)
    return []


class SlackAppServer:
    """A Bolt ``AsyncApp`` served by aiohttp on a free 127.0.0.1 port."""

    def __init__(self, app: AsyncApp, *, path: str = DEFAULT_EVENTS_PATH) -> None:
        """Prepare serving ``app`` at ``path``; :meth:`start` listens."""
        self.app = app
        self.path = path
        self._runner: web.AppRunner | None = None
        self._url: str | None = None

    async def start(self) -> None:
        """Listen on a free loopback port."""
        if self._runner is None:
            self._runner, self._url = await start_loopback_site(self.app.web_app(path=self.path))

    async def close(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    @property
    def events_url(self) -> str:
        """The Request URL Slack would be configured with, e.g. ``http://127.0.0.1:1234/slack/events``."""
        if self._url is None:
            raise RuntimeError("SlackAppServer is not started")
        return self._url + self.path


class SlackClient:
    """Posts requests to an app's Request URL the way Slack's servers do (signed, right content type).

    When built with the ``fake``, the convenience methods fill ``response_url`` and ``trigger_id``
    with ones the fake issued for the acting user, so ``respond()`` posts and ``views.open`` calls are
    attributed to that user (``fake.messages_seen_by(user)``, ``fake.modals_of(user)``).

    An answer Slack would refuse (`answer_problems`: a slash command's acknowledgement over Block Kit's limits,
    an options load's answer over the options' limits) has its ``problems`` in the `SlackHttpResponse` and is
    kept in :attr:`refused`.
    """

    def __init__(
        self, events_url: str, *, signing_secret: str = SIGNING_SECRET, fake: FakeSlack | None = None
    ):
        """Target ``events_url``, signing with ``signing_secret``."""
        self.events_url = events_url
        self.signing_secret = signing_secret
        self.fake = fake
        self.refused: list[RefusedAnswer] = []
        """The answers Slack would refuse, in order."""
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def send(
        self,
        payload: SlackPayload,
        *,
        signing_secret: str | None = None,
        timestamp: int | None = None,
        signature: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> SlackHttpResponse:
        """POST ``payload``, signed (see :func:`tests.fakes.slack_signing.signed_headers`).

        Negative tests: ``signing_secret="wrong"`` or ``signature="v0=00"`` for a bad signature,
        ``timestamp=int(time.time()) - 301`` for a stale request; ``retry_num``/``retry_reason`` add
        Slack's redelivery headers.
        """
        headers = signed_headers(
            payload.body,
            signing_secret=signing_secret if signing_secret is not None else self.signing_secret,
            content_type=payload.content_type,
            timestamp=timestamp,
            signature=signature,
            retry_num=retry_num,
            retry_reason=retry_reason,
        )
        if extra_headers:
            headers.update(extra_headers)
        response = await self.post_raw(payload.body.encode("utf-8"), headers)
        content_type = next((v for k, v in response.headers.items() if k.lower() == "content-type"), "")
        problems = answer_problems(payload, response.status, content_type, response.text)
        if not problems:
            return response
        refused = SlackHttpResponse(response.status, response.headers, response.text, tuple(problems))
        self.refused.append(RefusedAnswer(payload, refused))
        return refused

    async def post_raw(self, body: bytes, headers: Mapping[str, str]) -> SlackHttpResponse:
        """POST raw bytes with exactly ``headers`` (no signing)."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        async with self._session.post(self.events_url, data=body, headers=dict(headers)) as resp:
            text = await resp.text()
            return SlackHttpResponse(resp.status, dict(resp.headers), text)

    # ---- convenience: build, fill from the fake, sign, send

    async def slash_command(self, **fields: Any) -> SlackHttpResponse:
        """Send :func:`~tests.fakes.slack_signing.slash_command` built from ``fields``."""
        if self.fake is not None:
            user_id = fields.get("user_id", DEFAULT_USER_ID)
            channel_id = fields.get("channel_id", DEFAULT_CHANNEL_ID)
            fields.setdefault("response_url", self.fake.new_response_url(user_id, channel_id))
            fields.setdefault("trigger_id", self.fake.new_trigger_id(user_id))
        return await self.send(slash_command(**fields))

    async def block_actions(self, **fields: Any) -> SlackHttpResponse:
        """Send :func:`~tests.fakes.slack_signing.block_actions` (a button click) built from ``fields``."""
        if self.fake is not None:
            user_id = fields.get("user_id", DEFAULT_USER_ID)
            channel_id = fields.get("channel_id") or dm_channel_id_for(user_id)
            message = fields.get("message")
            message_ts = str(message["ts"]) if message is not None else fields.get("message_ts")
            fields.setdefault(
                "response_url", self.fake.new_response_url(user_id, channel_id, message_ts=message_ts)
            )
            fields.setdefault("trigger_id", self.fake.new_trigger_id(user_id))
        return await self.send(block_actions(**fields))

    async def view_submission(self, **fields: Any) -> SlackHttpResponse:
        """Send :func:`~tests.fakes.slack_signing.view_submission` built from ``fields``."""
        if self.fake is not None:
            fields.setdefault("trigger_id", self.fake.new_trigger_id(fields.get("user_id", DEFAULT_USER_ID)))
        return await self.send(view_submission(**fields))

    async def block_suggestion(self, **fields: Any) -> SlackHttpResponse:
        """Send :func:`~tests.fakes.slack_signing.block_suggestion` (an options load) built from ``fields``."""
        return await self.send(block_suggestion(**fields))

    async def event(self, event: Mapping[str, Any], **fields: Any) -> SlackHttpResponse:
        """Send an Events API ``event_callback`` wrapping ``event``."""
        return await self.send(event_callback(event, **fields))

    async def app_home_opened(self, **fields: Any) -> SlackHttpResponse:
        """Send an ``app_home_opened`` event."""
        return await self.send(app_home_opened(**fields))

    async def url_verification(self, challenge: str | None = None) -> SlackHttpResponse:
        """Send the ``url_verification`` handshake."""
        return await self.send(url_verification(challenge))
