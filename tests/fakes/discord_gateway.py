# ruff: noqa: ASYNC109  (the test API takes timeout= arguments on purpose: await record.wait_callback(2.0))
"""The fake Discord gateway: a websocket speaking gateway v10 (JSON encoding, optional transport compression).

What it does, following the gateway documentation:

* sends HELLO (op 10) with ``heartbeat_interval`` on connect and answers each HEARTBEAT (op 1) with
  HEARTBEAT_ACK (op 11);
* IDENTIFY (op 2) with the right token starts a session: READY (guilds unavailable, ``session_id``,
  ``resume_gateway_url``, user, application), then one GUILD_CREATE per guild. A wrong token closes
  with 4004, a second IDENTIFY with 4005, disallowed privileged intents with 4014, and anything but a
  heartbeat before identifying with 4003;
* RESUME (op 6) of a resumable session replays the events the client missed and sends RESUMED; an
  unknown or closed session gets INVALID_SESSION (op 9, ``d: false``). A client closing with 1000/1001
  ends its session, like on Discord;
* REQUEST_GUILD_MEMBERS (op 8) is answered with one GUILD_MEMBERS_CHUNK;
* transport compression from the URL query: ``compress=zlib-stream`` (one zlib stream per connection,
  each payload flushed with Z_SYNC_FLUSH so it ends in ``00 00 ff ff``) and ``compress=zstd-stream``
  (one zstd stream, each payload a flushed block; needs ``zstandard`` or ``compression.zstd``, which is
  exactly when discord.py asks for it). ``encoding`` must be ``json`` and ``v`` 10.

Every payload received and sent is recorded as a :class:`GatewayFrame`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.discord_models import JSON, ChangeSignal, DiscordWorld, GatewayFrame

# Gateway opcodes.
OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE_UPDATE = 3
OP_VOICE_STATE_UPDATE = 4
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_GUILD_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

# Intents.
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT

# Close codes.
CLOSE_UNKNOWN_ERROR = 4000
CLOSE_UNKNOWN_OPCODE = 4001
CLOSE_DECODE_ERROR = 4002
CLOSE_NOT_AUTHENTICATED = 4003
CLOSE_AUTHENTICATION_FAILED = 4004
CLOSE_ALREADY_AUTHENTICATED = 4005
CLOSE_INVALID_SEQ = 4007
CLOSE_INVALID_API_VERSION = 4012
CLOSE_DISALLOWED_INTENTS = 4014

SESSION_ENDING_CLIENT_CLOSE_CODES = (1000, 1001)


class _Compressor:
    """Transport compression of one connection: every payload is flushed so it can be decoded alone."""

    def __init__(self, kind: str | None) -> None:
        self.kind = kind
        self._encode: Callable[[bytes], bytes] | None = None
        if kind is None:
            return
        if kind == "zlib-stream":
            zobj = zlib.compressobj()
            self._encode = lambda data: zobj.compress(data) + zobj.flush(zlib.Z_SYNC_FLUSH)
        elif kind == "zstd-stream":
            self._encode = _zstd_stream_encoder()
        else:
            raise ValueError(f"unsupported gateway compression {kind!r}")

    def encode(self, text: str) -> str | bytes:
        """Text frames without compression, binary frames with it."""
        if self._encode is None:
            return text
        return self._encode(text.encode("utf-8"))


def _zstd_stream_encoder() -> Callable[[bytes], bytes]:
    try:
        import zstandard  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        pass
    else:
        cobj = zstandard.ZstdCompressor().compressobj()
        flush_block = zstandard.COMPRESSOBJ_FLUSH_BLOCK
        return lambda data: cobj.compress(data) + cobj.flush(flush_block)
    try:
        from compression.zstd import ZstdCompressor  # type: ignore[import-not-found,unused-ignore]
    except ImportError as exc:
        raise ValueError("zstd-stream needs the zstandard package or Python 3.14's compression.zstd") from exc
    compressor: Any = ZstdCompressor()
    return lambda data: bytes(compressor.compress(data, mode=ZstdCompressor.FLUSH_BLOCK))


@dataclass
class GatewaySession:
    """A gateway session started by IDENTIFY; it outlives its connection while it can be resumed."""

    session_id: str
    token: str
    intents: int
    identify: dict[str, JSON]
    seq: int = 0
    history: list[dict[str, JSON]] = field(default_factory=list)
    resumable: bool = True
    resumed_count: int = 0
    connection: GatewayConnection | None = None


class GatewayConnection:
    """One websocket connection to the gateway."""

    def __init__(
        self,
        connection_id: int,
        ws: web.WebSocketResponse,
        compressor: _Compressor,
        path: str,
        query: dict[str, str],
        recorder: Callable[[GatewayFrame, bool], None],
        clock: Callable[[], float],
    ) -> None:
        self.id = connection_id
        self.ws = ws
        self.path = path
        self.query = query
        self.compression = compressor.kind
        self._compressor = compressor
        self._recorder = recorder
        self._clock = clock
        self._lock = asyncio.Lock()
        self.session: GatewaySession | None = None
        self.received: list[GatewayFrame] = []
        self.sent: list[GatewayFrame] = []
        self.close_code: int | None = None
        self.closed_by_server = False

    @property
    def open(self) -> bool:
        """Whether the websocket is still open."""
        return not self.ws.closed

    async def send(self, payload: dict[str, JSON]) -> None:
        """Encode (and compress) one payload and send it; record it as sent."""
        async with self._lock:
            if self.ws.closed:
                raise ConnectionResetError(f"gateway connection {self.id} is closed")
            frame = GatewayFrame(
                self.id, payload["op"], payload.get("d"), payload.get("s"), payload.get("t"), self._clock()
            )
            self.sent.append(frame)
            self._recorder(frame, False)
            data = self._compressor.encode(json.dumps(payload, separators=(",", ":")))
            if isinstance(data, bytes):
                await self.ws.send_bytes(data)
            else:
                await self.ws.send_str(data)

    async def close(self, code: int, message: str = "") -> None:
        """Close the websocket from the server side with a gateway close code."""
        self.closed_by_server = True
        self.close_code = code
        await self.ws.close(code=code, message=message.encode("utf-8"))


class FakeGateway:
    """The gateway half of the fake: serves websocket connections and dispatches events to sessions."""

    def __init__(
        self,
        world: DiscordWorld,
        signal: ChangeSignal,
        *,
        heartbeat_interval_ms: int = 41_250,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.world = world
        self.signal = signal
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.allowed_privileged_intents = PRIVILEGED_INTENTS
        """Privileged intents "enabled in the developer portal"; others close the connection with 4014."""
        self.url = ""
        """The gateway URL (set when the server starts)."""
        self.resume_url = ""
        """The ``resume_gateway_url`` sent in READY (a different path of the same server)."""
        self.received: list[GatewayFrame] = []
        self.sent: list[GatewayFrame] = []
        self.sessions: dict[str, GatewaySession] = {}
        self.connections: list[GatewayConnection] = []
        self._clock = clock
        self._ids = itertools.count(1)

    # ------------------------------------------------------------------------------------------ state

    @property
    def current_connection(self) -> GatewayConnection | None:
        """The newest open connection with a session (where events go), if any."""
        for conn in reversed(self.connections):
            if conn.open and conn.session is not None:
                return conn
        return None

    @property
    def current_session(self) -> GatewaySession | None:
        """The session of :attr:`current_connection`, else the newest resumable session."""
        conn = self.current_connection
        if conn is not None:
            return conn.session
        resumable = [s for s in self.sessions.values() if s.resumable]
        return resumable[-1] if resumable else None

    def ops_received(self, op: int) -> list[GatewayFrame]:
        """All received payloads with this opcode, oldest first."""
        return [f for f in self.received if f.op == op]

    def events_sent(self, event: str) -> list[GatewayFrame]:
        """All dispatched events of this name, oldest first."""
        return [f for f in self.sent if f.op == OP_DISPATCH and f.t == event]

    def _record(self, frame: GatewayFrame, received: bool) -> None:
        (self.received if received else self.sent).append(frame)
        self.signal.notify()

    # -------------------------------------------------------------------------------------- test API

    async def wait_for_connection(self, timeout: float = 5.0) -> GatewayConnection:
        """Wait until a client has identified or resumed on an open connection."""
        return await self.signal.wait_for(
            lambda: self.current_connection, timeout, "an identified gateway client"
        )

    async def wait_for_op(
        self,
        op: int,
        *,
        count: int = 1,
        timeout: float = 5.0,
        check: Callable[[GatewayFrame], bool] | None = None,
    ) -> GatewayFrame:
        """Wait until ``count`` payloads with opcode ``op`` (passing ``check``) arrived; return the last."""

        def found() -> GatewayFrame | None:
            frames = [f for f in self.received if f.op == op and (check is None or check(f))]
            return frames[count - 1] if len(frames) >= count else None

        return await self.signal.wait_for(found, timeout, f"{count} gateway op {op} payload(s)")

    async def dispatch(self, event: str, data: JSON, *, session: GatewaySession | None = None) -> int:
        """Send a DISPATCH (op 0) event to a session (default: the current one); returns its sequence number.

        If the session has no open connection the event is kept and replayed when the client resumes.
        """
        target = session or self.current_session
        if target is None:
            raise RuntimeError("fake Discord: no gateway session to dispatch to (is the bot connected?)")
        target.seq += 1
        payload: dict[str, JSON] = {"op": OP_DISPATCH, "d": data, "s": target.seq, "t": event}
        target.history.append(payload)
        conn = target.connection
        if conn is not None and conn.open:
            with contextlib.suppress(ConnectionResetError):
                await conn.send(payload)
        return target.seq

    async def send_op(self, op: int, d: JSON = None) -> GatewayConnection:
        """Send a non-dispatch payload (e.g. op 7 RECONNECT) on the current connection."""
        conn = self.current_connection
        if conn is None:
            raise RuntimeError("fake Discord: no identified gateway connection")
        await conn.send({"op": op, "d": d, "s": None, "t": None})
        return conn

    async def request_reconnect(self) -> GatewayConnection:
        """Send RECONNECT (op 7): the client should close and RESUME on ``resume_gateway_url``."""
        return await self.send_op(OP_RECONNECT)

    async def invalidate_session(self, *, resumable: bool = False) -> GatewayConnection:
        """Send INVALID_SESSION (op 9); with ``resumable=False`` the session is gone for good."""
        conn = self.current_connection
        if conn is not None and conn.session is not None and not resumable:
            conn.session.resumable = False
        return await self.send_op(OP_INVALID_SESSION, resumable)

    async def drop_connection(self, code: int = CLOSE_UNKNOWN_ERROR) -> GatewayConnection:
        """Close the current connection from the server side (4000 lets the client resume)."""
        conn = self.current_connection
        if conn is None:
            raise RuntimeError("fake Discord: no identified gateway connection")
        await conn.close(code, "closed by the fake")
        return conn

    async def close_all(self, code: int = 1001) -> None:
        """Close every open connection (used when the fake stops)."""
        for conn in list(self.connections):
            if conn.open:
                with contextlib.suppress(Exception):
                    await conn.close(code, "fake Discord is stopping")

    # ------------------------------------------------------------------------------------- websocket

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """The aiohttp handler for the gateway (and resume) URL."""
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        query = dict(request.query)
        try:
            compressor = _Compressor(query.get("compress"))
        except ValueError:
            compressor = _Compressor(None)
            bad_compression = True
        else:
            bad_compression = False
        conn = GatewayConnection(
            next(self._ids), ws, compressor, request.path, query, self._record, self._clock
        )
        self.connections.append(conn)
        self.signal.notify()
        try:
            if bad_compression:
                await conn.close(CLOSE_DECODE_ERROR, "unsupported compress value")
                return ws
            if query.get("encoding", "json") != "json":
                await conn.close(CLOSE_DECODE_ERROR, "only encoding=json is supported")
                return ws
            if query.get("v", "10") != "10":
                await conn.close(CLOSE_INVALID_API_VERSION, "Invalid API version")
                return ws
            await conn.send(
                {
                    "op": OP_HELLO,
                    "d": {"heartbeat_interval": self.heartbeat_interval_ms},
                    "s": None,
                    "t": None,
                }
            )
            async for msg in ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    break
                try:
                    raw = msg.data if isinstance(msg.data, str) else bytes(msg.data).decode("utf-8")
                    payload = json.loads(raw)
                    op = int(payload["op"])
                except (ValueError, KeyError, TypeError):
                    await conn.close(CLOSE_DECODE_ERROR, "Decode error")
                    break
                frame = GatewayFrame(
                    conn.id, op, payload.get("d"), payload.get("s"), payload.get("t"), self._clock()
                )
                conn.received.append(frame)
                self._record(frame, True)
                await self._on_payload(conn, op, payload.get("d"))
                if not conn.open:
                    break
        except ConnectionResetError:
            pass
        finally:
            if conn.close_code is None:
                conn.close_code = ws.close_code
            session = conn.session
            if session is not None and session.connection is conn:
                session.connection = None
                if not conn.closed_by_server and conn.close_code in SESSION_ENDING_CLIENT_CLOSE_CODES:
                    session.resumable = False
            self.signal.notify()
        return ws

    async def _on_payload(self, conn: GatewayConnection, op: int, d: JSON) -> None:
        if op == OP_HEARTBEAT:
            await conn.send({"op": OP_HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == OP_IDENTIFY:
            await self._identify(conn, d or {})
        elif op == OP_RESUME:
            await self._resume(conn, d or {})
        elif conn.session is None:
            await conn.close(CLOSE_NOT_AUTHENTICATED, "Not authenticated")
        elif op == OP_REQUEST_GUILD_MEMBERS:
            await self._request_members(conn.session, d or {})
        elif op in (OP_PRESENCE_UPDATE, OP_VOICE_STATE_UPDATE):
            pass  # recorded only
        else:
            await conn.close(CLOSE_UNKNOWN_OPCODE, "Unknown opcode")

    async def _identify(self, conn: GatewayConnection, d: dict[str, JSON]) -> None:
        if conn.session is not None:
            await conn.close(CLOSE_ALREADY_AUTHENTICATED, "Already authenticated")
            return
        if d.get("token") != self.world.token:
            await conn.close(CLOSE_AUTHENTICATION_FAILED, "Authentication failed")
            return
        intents = int(d.get("intents") or 0)
        if intents & PRIVILEGED_INTENTS & ~self.allowed_privileged_intents:
            await conn.close(CLOSE_DISALLOWED_INTENTS, "Disallowed intent(s)")
            return
        session = GatewaySession(uuid.uuid4().hex, str(d["token"]), intents, dict(d))
        self.sessions[session.session_id] = session
        session.connection = conn
        conn.session = session
        world = self.world
        ready: dict[str, JSON] = {
            "v": 10,
            "user": world.bot_user.private_payload(),
            "guilds": [{"id": str(gid), "unavailable": True} for gid in world.guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_url,
            "application": {"id": str(world.application_id), "flags": 0},
            "private_channels": [],
        }
        if "shard" in d:
            ready["shard"] = d["shard"]
        await self.dispatch("READY", ready, session=session)
        for guild_id in list(world.guilds):
            await self.dispatch("GUILD_CREATE", self._guild_create(guild_id, intents), session=session)
        self.signal.notify()

    def _guild_create(self, guild_id: int, intents: int) -> dict[str, JSON]:
        data = self.world.guild_create_payload(guild_id)
        if not intents & INTENT_GUILD_PRESENCES:
            # Without GUILD_PRESENCES Discord only sends the bot's own member (and voice users).
            data["members"] = [m for m in data["members"] if int(m["user"]["id"]) == self.world.bot_user.id]
        return data

    async def _resume(self, conn: GatewayConnection, d: dict[str, JSON]) -> None:
        if conn.session is not None:
            await conn.close(CLOSE_ALREADY_AUTHENTICATED, "Already authenticated")
            return
        session = self.sessions.get(str(d.get("session_id")))
        if session is None or not session.resumable or d.get("token") != session.token:
            await conn.send({"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        seq = int(d.get("seq") or 0)
        if seq > session.seq:
            await conn.close(CLOSE_INVALID_SEQ, "Invalid seq")
            return
        old = session.connection
        if old is not None and old is not conn and old.open:
            await old.close(CLOSE_UNKNOWN_ERROR, "session resumed elsewhere")
        session.connection = conn
        conn.session = session
        session.resumed_count += 1
        for payload in [p for p in session.history if int(p["s"]) > seq]:
            await conn.send(payload)
        await self.dispatch("RESUMED", {}, session=session)
        self.signal.notify()

    async def _request_members(self, session: GatewaySession, d: dict[str, JSON]) -> None:
        guild_ids = d.get("guild_id")
        raw_ids: list[JSON] = guild_ids if isinstance(guild_ids, list) else [guild_ids]
        for raw_id in raw_ids:
            guild = self.world.guilds.get(int(raw_id)) if raw_id is not None else None
            if guild is None:
                continue
            query = str(d.get("query") or "").lower()
            limit = int(d.get("limit") or 0)
            wanted = [int(u) for u in d.get("user_ids") or []]
            members = []
            for member in guild.members:
                user = self.world.user(member.user_id)
                if wanted and member.user_id not in wanted:
                    continue
                if query and not user.username.lower().startswith(query):
                    continue
                members.append(self.world.member_payload(guild.id, member.user_id))
            if limit:
                members = members[:limit]
            chunk: dict[str, JSON] = {
                "guild_id": str(guild.id),
                "members": members,
                "chunk_index": 0,
                "chunk_count": 1,
            }
            found = {int(m["user"]["id"]) for m in members}
            not_found = [str(u) for u in wanted if u not in found]
            if not_found:
                chunk["not_found"] = not_found
            if d.get("presences"):
                chunk["presences"] = []
            if d.get("nonce") is not None:
                chunk["nonce"] = d["nonce"]
            await self.dispatch("GUILD_MEMBERS_CHUNK", chunk, session=session)
