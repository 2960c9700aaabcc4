"""A fake Slack Socket Mode endpoint, mounted on the fake Web API's aiohttp server.

The protocol (https://docs.slack.dev/apis/events-api/using-socket-mode):

1. the app calls ``apps.connections.open`` with its app-level (``xapp-``) token and gets a one-time
   ``wss://…/link/?ticket=…`` URL (here ``ws://127.0.0.1:<port>/socket-mode/link/?ticket=…``);
2. it opens a websocket there; Slack first sends ``{"type": "hello", …}``;
3. Slack sends envelopes ``{"envelope_id", "type", "payload", "accepts_response_payload", …}`` with
   ``type`` ``slash_commands``, ``interactive`` or ``events_api``; the payload is the same data the
   HTTP request would carry (slash-command fields as a dict, the interaction payload, or the
   ``event_callback`` envelope);
4. the app acknowledges within three seconds with ``{"envelope_id": …}`` plus an optional
   ``payload`` (the same body the app would return in the HTTP response, e.g. ``response_action``);
5. Slack may send ``{"type": "disconnect", "reason": "refresh_requested" | "warning" | …}``.

Tests push envelopes with :meth:`FakeSocketMode.push` and await the app's acknowledgement with
:meth:`FakeSocketMode.wait_for_ack` (or both at once with :meth:`FakeSocketMode.push_and_wait_ack`).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from tests.fakes.slack_ids import APP_ID
from tests.fakes.slack_signing import EnvelopeType, SlackPayload, load_fixture

SOCKET_MODE_PATH = "/socket-mode/link/"

# Slack only waits for a response payload on these interactive payload types.
_INTERACTIVE_TYPES_ACCEPTING_RESPONSE = {"view_submission", "block_suggestion"}


@dataclass(frozen=True)
class SocketModeAck:
    """An acknowledgement the app sent over the websocket.

    Attributes:
        envelope_id: The envelope it acknowledges.
        payload: The response payload (``None`` for a bare ack), e.g. ``{"text": …}`` or
            ``{"response_action": "errors", "errors": {…}}``.
        raw: The whole message as received.
        time: ``time.monotonic()`` when it arrived.
    """

    envelope_id: str
    payload: dict[str, Any] | None
    raw: dict[str, Any]
    time: float


class FakeSocketMode:
    """The Socket Mode side of the fake Slack: one-time tickets, ``hello``, envelopes and acks."""

    def __init__(self, *, app_id: str = APP_ID) -> None:
        """Create the endpoint; :meth:`attach` mounts it on an aiohttp application."""
        self._app_id = app_id
        self._ws_base: str | None = None
        self._tickets: set[str] = set()
        self._connections: list[web.WebSocketResponse] = []
        self._changed = asyncio.Condition()
        self.connection_count = 0
        """How many websocket connections were accepted so far (reconnects included)."""
        self.rejected_connections = 0
        """Connection attempts refused for an unknown or already used ticket."""
        self.sent: list[dict[str, Any]] = []
        """Every message the fake sent (hello, envelopes, disconnects), in order."""
        self.received: list[dict[str, Any]] = []
        """Every JSON message the app sent, in order."""
        self.acks: list[SocketModeAck] = []
        """The app's acknowledgements, in arrival order."""

    # ---- wiring

    def attach(self, app: web.Application) -> None:
        """Mount the websocket route on ``app`` and close open sockets when it shuts down."""
        app.router.add_get(SOCKET_MODE_PATH, self._handle)
        app.on_shutdown.append(self._on_shutdown)

    def set_base_url(self, http_base_url: str) -> None:
        """Tell the endpoint where its server listens (``http://127.0.0.1:<port>``)."""
        self._ws_base = "ws" + http_base_url.removeprefix("http")

    def issue_url(self) -> str:
        """Issue a one-time websocket URL, as ``apps.connections.open`` does."""
        if self._ws_base is None:
            raise RuntimeError("FakeSocketMode is not attached to a started server")
        ticket = uuid.uuid4().hex
        self._tickets.add(ticket)
        return f"{self._ws_base}{SOCKET_MODE_PATH}?ticket={ticket}&app_id={self._app_id}"

    # ---- state

    @property
    def open_connections(self) -> int:
        """How many websockets are open right now."""
        return sum(1 for ws in self._connections if not ws.closed)

    async def wait_until(self, predicate: Callable[[], bool], *, within: float = 5.0, what: str = "") -> None:
        """Wait until ``predicate()`` holds (re-checked whenever the socket state changes)."""
        try:
            async with asyncio.timeout(within):
                async with self._changed:
                    await self._changed.wait_for(predicate)
        except TimeoutError:
            raise AssertionError(
                f"fake Socket Mode: timed out after {within}s waiting for {what or predicate!r}; "
                f"open connections: {self.open_connections}, received: {self.received!r}"
            ) from None

    async def wait_connected(self, *, count: int = 1, within: float = 5.0) -> None:
        """Wait until at least ``count`` websockets are open."""
        await self.wait_until(
            lambda: self.open_connections >= count, within=within, what=f"{count} open connection(s)"
        )

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ---- sending

    def _current_socket(self) -> web.WebSocketResponse:
        for ws in reversed(self._connections):
            if not ws.closed:
                return ws
        raise AssertionError("fake Socket Mode: no app is connected (did the handler call connect_async()?)")

    async def _send(self, message: dict[str, Any]) -> None:
        await self._current_socket().send_str(json.dumps(message))
        self.sent.append(message)

    async def push(
        self,
        envelope_type: EnvelopeType,
        payload: dict[str, Any] | SlackPayload,
        *,
        envelope_id: str | None = None,
        accepts_response_payload: bool | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> str:
        """Send an envelope to the connected app and return its ``envelope_id``.

        Args:
            envelope_type: ``slash_commands``, ``interactive`` or ``events_api``.
            payload: The envelope payload, or a :class:`SlackPayload` (its ``data`` is used).
            envelope_id: Defaults to a fresh UUID.
            accepts_response_payload: Defaults to what Slack sets for the type (true for slash
                commands, view submissions and block suggestions).
            retry_attempt: ``events_api`` only: redelivery number (Bolt maps it to X-Slack-Retry-Num).
            retry_reason: ``events_api`` only: redelivery reason (e.g. ``timeout``).
        """
        data = payload.data if isinstance(payload, SlackPayload) else payload
        if accepts_response_payload is None:
            accepts_response_payload = envelope_type == "slash_commands" or (
                envelope_type == "interactive" and data.get("type") in _INTERACTIVE_TYPES_ACCEPTING_RESPONSE
            )
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id if envelope_id is not None else str(uuid.uuid4()),
            "payload": data,
            "type": envelope_type,
            "accepts_response_payload": accepts_response_payload,
        }
        if envelope_type == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason
        await self._send(envelope)
        return str(envelope["envelope_id"])

    async def wait_for_ack(self, envelope_id: str, *, within: float = 5.0) -> SocketModeAck:
        """Wait for the app's acknowledgement of ``envelope_id`` (Slack allows three seconds)."""
        await self.wait_until(
            lambda: any(a.envelope_id == envelope_id for a in self.acks),
            within=within,
            what=f"the ack of envelope {envelope_id}",
        )
        return next(a for a in self.acks if a.envelope_id == envelope_id)

    async def push_and_wait_ack(
        self, payload: SlackPayload, *, within: float = 5.0, **push_options: Any
    ) -> SocketModeAck:
        """Push ``payload`` in an envelope of its own type and return the app's acknowledgement."""
        envelope_id = await self.push(payload.envelope_type, payload, **push_options)
        return await self.wait_for_ack(envelope_id, within=within)

    async def send_disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the app to reconnect, as Slack does before recycling a connection."""
        await self._send({"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake"}})

    async def close_connections(self) -> None:
        """Close every open websocket from the server side."""
        for ws in list(self._connections):
            if not ws.closed:
                await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")

    async def _on_shutdown(self, _app: web.Application) -> None:
        await self.close_connections()

    # ---- websocket handler

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            self.rejected_connections += 1
            return web.Response(status=401, text="invalid_ticket")
        self._tickets.discard(ticket)
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._connections.append(ws)
        self.connection_count += 1
        hello = load_fixture("socket_mode_hello.json")
        hello["num_connections"] = self.open_connections
        hello["connection_info"] = {"app_id": self._app_id}
        await ws.send_str(json.dumps(hello))
        self.sent.append(hello)
        await self._notify()
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    message = json.loads(msg.data)
                except json.JSONDecodeError:
                    continue
                if not isinstance(message, dict):
                    continue
                self.received.append(message)
                if "envelope_id" in message:
                    payload = message.get("payload")
                    self.acks.append(
                        SocketModeAck(
                            envelope_id=str(message["envelope_id"]),
                            payload=payload if isinstance(payload, dict) else None,
                            raw=message,
                            time=time.monotonic(),
                        )
                    )
                await self._notify()
        finally:
            await self._notify()
        return ws
