"""The fake Discord REST API (``/api/v10/...``): what a bot using discord.py calls, recorded.

Routes: the current user and users, the gateway URLs, the current application, global and guild
application commands (bulk overwrite keeps ids stable by name and type), interaction callbacks with
Discord's deadlines, interaction webhooks (follow-ups, ``@original``), DM channels, channel messages
(closed DMs answer 403/50007), guilds and guild members. JSON and ``multipart/form-data`` bodies
(``payload_json`` plus files) are parsed. Anything else is recorded as an unknown route and answered
404 in Discord's error shape (``{"message": "404: Not Found", "code": 0}``).

What the bot sends is held to Discord's documented limits (:mod:`tests.fakes.discord_limits`): a message
create or edit, an interaction callback (message, update, autocomplete result, modal), a follow-up or its
edit that breaks one is refused as Discord refuses it, ``400`` Invalid Form Body (50035) with the
``errors`` object naming each field, and nothing is stored. A message whose content is only blank is
empty to Discord (``400``/50006). A file over the upload limit (`DiscordRestApi.attachment_size_limit`, 10 MiB
as on a server without boosts) makes the whole request ``413`` Request entity too large (40005).

`DiscordRestApi.fail_next` makes the next calls of a route fail with a status (a 5xx, or a 429 rate limit with
its ``retry_after``), as Discord does when it is down or limiting.
"""

from __future__ import annotations

import copy
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import BodyPartReader, hdrs, web

from tests.fakes.discord_limits import (
    ATTACHMENT_SIZE_MAX,
    FormErrors,
    check_choices,
    check_message,
    check_modal,
    too_large,
)
from tests.fakes.discord_models import (
    CALLBACK_AUTOCOMPLETE_RESULT,
    CALLBACK_CHANNEL_MESSAGE,
    CALLBACK_DEFERRED_CHANNEL_MESSAGE,
    CALLBACK_DEFERRED_UPDATE_MESSAGE,
    CALLBACK_MODAL,
    CALLBACK_PONG,
    CALLBACK_UPDATE_MESSAGE,
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    INTERACTION_APPLICATION_COMMAND,
    INTERACTION_AUTOCOMPLETE,
    INTERACTION_MESSAGE_COMPONENT,
    INTERACTION_MODAL_SUBMIT,
    INTERACTION_PING,
    JSON,
    CallbackRecord,
    ChangeSignal,
    DiscordWorld,
    InteractionRecord,
    RecordedFile,
    RestCall,
    iso_now,
)
from tests.fakes.discord_payloads import error_payload, message_payload, number_components

API_PREFIX = "/api/v10"

# JSON error codes (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json).
GENERAL_ERROR = 0
UNKNOWN_APPLICATION = 10002
UNKNOWN_CHANNEL = 10003
UNKNOWN_GUILD = 10004
UNKNOWN_MEMBER = 10007
UNKNOWN_MESSAGE = 10008
UNKNOWN_USER = 10013
UNKNOWN_WEBHOOK = 10015
UNKNOWN_INTERACTION = 10062
REQUEST_ENTITY_TOO_LARGE = 40005
INTERACTION_ALREADY_ACKNOWLEDGED = 40060
MISSING_ACCESS = 50001
CANNOT_SEND_EMPTY_MESSAGE = 50006
CANNOT_SEND_MESSAGES_TO_USER = 50007
INVALID_WEBHOOK_TOKEN = 50027
INVALID_RECIPIENTS = 50033
INVALID_FORM_BODY = 50035

ERROR_MESSAGES = {
    UNKNOWN_APPLICATION: "Unknown Application",
    UNKNOWN_CHANNEL: "Unknown Channel",
    UNKNOWN_GUILD: "Unknown Guild",
    UNKNOWN_MEMBER: "Unknown Member",
    UNKNOWN_MESSAGE: "Unknown Message",
    UNKNOWN_USER: "Unknown User",
    UNKNOWN_WEBHOOK: "Unknown Webhook",
    UNKNOWN_INTERACTION: "Unknown interaction",
    REQUEST_ENTITY_TOO_LARGE: "Request entity too large",
    INTERACTION_ALREADY_ACKNOWLEDGED: "Interaction has already been acknowledged",
    MISSING_ACCESS: "Missing Access",
    CANNOT_SEND_EMPTY_MESSAGE: "Cannot send an empty message",
    CANNOT_SEND_MESSAGES_TO_USER: "Cannot send messages to this user",
    INVALID_WEBHOOK_TOKEN: "Invalid Webhook Token",
    INVALID_RECIPIENTS: "Invalid Recipient(s)",
    INVALID_FORM_BODY: "Invalid Form Body",
}

ALLOWED_CALLBACKS = {
    INTERACTION_PING: {CALLBACK_PONG},
    INTERACTION_APPLICATION_COMMAND: {
        CALLBACK_CHANNEL_MESSAGE,
        CALLBACK_DEFERRED_CHANNEL_MESSAGE,
        CALLBACK_MODAL,
    },
    INTERACTION_MESSAGE_COMPONENT: {
        CALLBACK_CHANNEL_MESSAGE,
        CALLBACK_DEFERRED_CHANNEL_MESSAGE,
        CALLBACK_DEFERRED_UPDATE_MESSAGE,
        CALLBACK_UPDATE_MESSAGE,
        CALLBACK_MODAL,
    },
    INTERACTION_AUTOCOMPLETE: {CALLBACK_AUTOCOMPLETE_RESULT},
    INTERACTION_MODAL_SUBMIT: {
        CALLBACK_CHANNEL_MESSAGE,
        CALLBACK_DEFERRED_CHANNEL_MESSAGE,
        CALLBACK_DEFERRED_UPDATE_MESSAGE,
        CALLBACK_UPDATE_MESSAGE,
    },
}

COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")
MESSAGE_FIELDS = ("content", "embeds", "components", "poll", "sticker_ids")

Result = tuple[int, JSON]
Handler = Callable[..., Awaitable[Result]]


def error(status: int, code: int, message: str | None = None, errors: JSON = None) -> Result:
    """An error answer in Discord's JSON shape."""
    body = error_payload(code, message or ERROR_MESSAGES.get(code, "Error"))
    if errors is not None:
        body["errors"] = errors
    return status, body


def form_error(field_path: list[str | int], code: str, message: str) -> Result:
    """400 Invalid Form Body with Discord's nested ``errors`` object for one field."""
    errors: JSON = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(field_path):
        errors = {str(part): errors}
    return error(400, INVALID_FORM_BODY, errors=errors)


def invalid_form(errors: FormErrors) -> Result:
    """400 Invalid Form Body (50035) with the nested ``errors`` object of every field that broke a limit."""
    return error(400, INVALID_FORM_BODY, errors=errors.as_json())


def message_limits(
    body: JSON, files: list[RecordedFile], *, file_size_max: int = ATTACHMENT_SIZE_MAX
) -> Result | None:
    """Discord's answer to a message body (create or edit) that breaks a limit, else ``None``: a file over
    `file_size_max` first (``413``/40005: Discord refuses the request before reading its form), then the
    form's fields (``400``/50035)."""
    if too_large([len(f.data) for f in files], file_size_max):
        return error(413, REQUEST_ENTITY_TOO_LARGE)
    errors = FormErrors()
    check_message(errors, body, files=len(files))
    return invalid_form(errors) if errors else None


@dataclass
class ScriptedFailure:
    """The next `times` calls of `method` on a path fully matching `path` answer `status` (see `fail_next`)."""

    method: str
    path: re.Pattern[str]
    status: int
    times: int
    retry_after: float
    headers: dict[str, str] = field(default_factory=dict)
    global_limit: bool = False
    """A 429 of the bot's global rate limit (every route), not of one route."""

    def answer(self) -> tuple[int, JSON, dict[str, str]]:
        """Discord's answer: a 429 with ``retry_after`` (body and header) as Discord's edge sends it (with
        `global_limit`, marked global in its body and its ``X-RateLimit-Global`` and ``X-RateLimit-Scope``
        headers), else the status in Discord's error shape."""
        if self.status == 429:
            body: JSON = {
                "message": "You are being rate limited.",
                "retry_after": self.retry_after,
                "global": self.global_limit,
            }
            # discord.py reads a 429 without a Via header as a Cloudflare ban (it then does not wait).
            headers = {"Retry-After": f"{self.retry_after:g}", "Via": "1.1 google", "X-RateLimit-Scope": "user"}
            if self.global_limit:
                headers |= {"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"}
            return 429, body, {**headers, **self.headers}
        return self.status, error_payload(GENERAL_ERROR, f"{self.status}: Server Error"), dict(self.headers)


@dataclass(frozen=True)
class Route:
    """One REST route: method, path pattern below /api/v10, handler, and whether it needs the bot token."""

    method: str
    pattern: re.Pattern[str]
    handler: Handler
    auth: bool = True


class DiscordRestApi:
    """Serves and records the REST API of the fake; the state behind it is public for tests to inspect."""

    def __init__(
        self, world: DiscordWorld, signal: ChangeSignal, *, clock: Callable[[], float] = time.monotonic
    ):
        self.world = world
        self.signal = signal
        self.clock = clock
        self.base_url = ""
        """``http://127.0.0.1:PORT`` (set when the server starts)."""
        self.gateway_url = ""
        """The URL ``GET /gateway`` and ``GET /gateway/bot`` return (set when the server starts)."""
        self.attachment_size_limit = ATTACHMENT_SIZE_MAX
        """Bytes each file of a request may have (a server without boosts): over it, ``413``/40005."""
        self.interaction_deadline = 3.0
        """Seconds after creation within which the first callback must arrive (else 404/10062)."""
        self.token_lifetime = 15 * 60.0
        """Seconds after creation during which the interaction token works for webhooks (follow-ups)."""
        self.calls: list[RestCall] = []
        self.interactions: dict[int, InteractionRecord] = {}
        self.messages: dict[int, dict[str, JSON]] = {}
        self.dms: dict[int, list[dict[str, JSON]]] = {}
        self.global_commands: list[dict[str, JSON]] = []
        self.guild_commands: dict[int, list[dict[str, JSON]]] = {}
        self._command_ids: dict[tuple[int | None, str, int], int] = {}
        self.failures: list[ScriptedFailure] = []
        """Failures still to answer (`fail_next`), oldest first."""
        self.token_refused = False
        """Whether every call that needs the bot token answers 401, as for a token reset or revoked."""
        self.routes = self._build_routes()

    def fail_next(
        self,
        method: str,
        path: str,
        *,
        status: int = 500,
        times: int = 1,
        retry_after: float = 1.0,
        headers: dict[str, str] | None = None,
        global_limit: bool = False,
    ) -> None:
        """Answer the next `times` calls of `method` on a path (below /api/v10) fully matching the regex `path`
        with `status` (a 429 carries `retry_after` seconds; with `global_limit`, of the global rate limit), before
        any routing or authentication."""
        self.failures.append(
            ScriptedFailure(method, re.compile(path), status, times, retry_after, dict(headers or {}), global_limit)
        )

    def _scripted_failure(self, call: RestCall) -> tuple[int, JSON, dict[str, str]] | None:
        for failure in self.failures:
            if failure.method == call.method and failure.path.fullmatch(call.path):
                failure.times -= 1
                if failure.times <= 0:
                    self.failures.remove(failure)
                return failure.answer()
        return None

    # ---------------------------------------------------------------------------------------- routing

    def _build_routes(self) -> list[Route]:
        sf = r"(?P<{}>\d+)"
        app = sf.format("app_id")
        guild = sf.format("guild_id")
        channel = sf.format("channel_id")
        token = r"(?P<token>[^/]+)"
        msg = r"(?P<message_id>@original|\d+)"
        table: list[tuple[str, str, Handler, bool]] = [
            ("GET", r"/users/@me", self._get_me, True),
            ("GET", rf"/users/{sf.format('user_id')}", self._get_user, True),
            ("POST", r"/users/@me/channels", self._create_dm, True),
            ("GET", r"/gateway", self._get_gateway, False),
            ("GET", r"/gateway/bot", self._get_gateway_bot, True),
            ("GET", r"/oauth2/applications/@me", self._get_application, True),
            ("GET", r"/applications/@me", self._get_application, True),
            ("GET", rf"/applications/{app}/commands", self._get_commands, True),
            ("PUT", rf"/applications/{app}/commands", self._put_commands, True),
            ("POST", rf"/applications/{app}/commands", self._post_command, True),
            (
                "DELETE",
                rf"/applications/{app}/commands/{sf.format('command_id')}",
                self._delete_command,
                True,
            ),
            ("GET", rf"/applications/{app}/guilds/{guild}/commands", self._get_commands, True),
            ("PUT", rf"/applications/{app}/guilds/{guild}/commands", self._put_commands, True),
            ("POST", rf"/applications/{app}/guilds/{guild}/commands", self._post_command, True),
            (
                "DELETE",
                rf"/applications/{app}/guilds/{guild}/commands/{sf.format('command_id')}",
                self._delete_command,
                True,
            ),
            ("POST", rf"/interactions/{sf.format('interaction_id')}/{token}/callback", self._callback, False),
            ("POST", rf"/webhooks/{app}/{token}", self._post_followup, False),
            ("GET", rf"/webhooks/{app}/{token}/messages/{msg}", self._get_webhook_message, False),
            ("PATCH", rf"/webhooks/{app}/{token}/messages/{msg}", self._edit_webhook_message, False),
            ("DELETE", rf"/webhooks/{app}/{token}/messages/{msg}", self._delete_webhook_message, False),
            ("GET", rf"/channels/{channel}", self._get_channel, True),
            ("POST", rf"/channels/{channel}/messages", self._post_message, True),
            ("GET", rf"/channels/{channel}/messages/{sf.format('message_id')}", self._get_message, True),
            ("PATCH", rf"/channels/{channel}/messages/{sf.format('message_id')}", self._edit_message, True),
            (
                "DELETE",
                rf"/channels/{channel}/messages/{sf.format('message_id')}",
                self._delete_message,
                True,
            ),
            ("GET", rf"/guilds/{guild}", self._get_guild, True),
            ("GET", rf"/guilds/{guild}/channels", self._get_guild_channels, True),
            ("GET", rf"/guilds/{guild}/roles", self._get_guild_roles, True),
            ("GET", rf"/guilds/{guild}/members/{sf.format('user_id')}", self._get_member, True),
        ]
        return [Route(m, re.compile(f"^{p}$"), h, a) for m, p, h, a in table]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """The aiohttp catch-all handler: parse, record, route, answer."""
        full_path = request.path
        path = full_path[len(API_PREFIX) :] if full_path.startswith(API_PREFIX + "/") else full_path
        payload, body, files = await _read_body(request)
        call = RestCall(
            method=request.method,
            path=path,
            query=dict(request.query),
            headers={k: v for k, v in request.headers.items()},
            json=payload,
            body=body,
            files=files,
            at=self.clock(),
        )
        self.calls.append(call)
        headers: dict[str, str] = {}
        if (scripted := self._scripted_failure(call)) is not None:
            status, response, headers = scripted
        else:
            status, response = await self._route(call, under_api=full_path.startswith(API_PREFIX + "/"))
        call.status, call.response = status, response
        self.signal.notify()
        if status == 204 or response is None:
            return web.Response(status=status, headers=headers)
        # Exactly "application/json" (no charset), as Discord sends it: discord.py compares it verbatim.
        body = json.dumps(response).encode("utf-8")
        return web.Response(status=status, body=body, headers={**headers, hdrs.CONTENT_TYPE: "application/json"})

    async def _route(self, call: RestCall, *, under_api: bool) -> Result:
        path_matched = False
        if under_api:
            for route in self.routes:
                match = route.pattern.match(call.path)
                if match is None:
                    continue
                path_matched = True
                if route.method != call.method:
                    continue
                authorization = call.headers.get(hdrs.AUTHORIZATION)
                if route.auth and (self.token_refused or authorization != f"Bot {self.world.token}"):
                    return error(401, GENERAL_ERROR, "401: Unauthorized")
                return await route.handler(call, **match.groupdict())
        call.known_route = False
        if path_matched:
            return error(405, GENERAL_ERROR, "405: Method Not Allowed")
        return error(404, GENERAL_ERROR, "404: Not Found")

    @property
    def unknown_calls(self) -> list[RestCall]:
        """Requests that matched no route (answered 404/405)."""
        return [c for c in self.calls if not c.known_route]

    # -------------------------------------------------------------------------------------- helpers

    def _check_app(self, app_id: str) -> Result | None:
        if int(app_id) != self.world.application_id:
            return error(403, MISSING_ACCESS)
        return None

    def _new_message(self, **kwargs: JSON) -> dict[str, JSON]:
        message = message_payload(message_id=self.world.snowflakes.next(), **kwargs)
        self.messages[int(message["id"])] = message
        return message

    def _attachments(self, call: RestCall, channel_id: int) -> list[dict[str, JSON]]:
        described = {}
        for att in (call.json or {}).get("attachments") or []:
            if isinstance(att, dict) and "id" in att:
                described[str(att["id"])] = att
        result = []
        for index, file in enumerate(call.files):
            att_id = self.world.snowflakes.next()
            meta = described.get(str(index), {})
            result.append(
                {
                    "id": str(att_id),
                    "filename": meta.get("filename") or file.filename,
                    "description": meta.get("description"),
                    "content_type": file.content_type,
                    "size": len(file.data),
                    "url": f"{self.base_url}/attachments/{channel_id}/{att_id}/{file.filename}",
                    "proxy_url": f"{self.base_url}/attachments/{channel_id}/{att_id}/{file.filename}",
                    "ephemeral": False,
                }
            )
        return result

    def _apply_edit(self, message: dict[str, JSON], call: RestCall) -> dict[str, JSON]:
        body = call.json or {}
        if "content" in body:
            message["content"] = body["content"] or ""
        if "embeds" in body:
            message["embeds"] = body["embeds"] or []
        if "components" in body:
            comps = copy.deepcopy(body["components"] or [])
            number_components(comps)
            message["components"] = comps
        if "poll" in body:
            message["poll"] = body["poll"]
        if "attachments" in body or call.files:
            keep_ids = {str(a.get("id")) for a in body.get("attachments") or [] if isinstance(a, dict)}
            kept = [a for a in message.get("attachments", []) if str(a["id"]) in keep_ids]
            message["attachments"] = kept + self._attachments(call, int(message["channel_id"]))
        if "flags" in body and body["flags"] is not None:
            message["flags"] = (int(message.get("flags") or 0) & (FLAG_EPHEMERAL | FLAG_LOADING)) | int(
                body["flags"]
            )
        message["flags"] = int(message.get("flags") or 0) & ~FLAG_LOADING
        message["edited_timestamp"] = iso_now()
        return message

    @staticmethod
    def _is_empty(body: JSON, files: list[RecordedFile]) -> bool:
        body = body or {}
        content = body.get("content")
        # Discord trims the content: a blank one sends nothing.
        fields = {**body, "content": content.strip() if isinstance(content, str) else content}
        return not files and not any(fields.get(key) for key in MESSAGE_FIELDS)

    # --------------------------------------------------------------------------------- users/gateway

    async def _get_me(self, call: RestCall) -> Result:
        return 200, self.world.bot_user.private_payload()

    async def _get_user(self, call: RestCall, user_id: str) -> Result:
        user = self.world.users.get(int(user_id))
        return (200, user.payload()) if user else error(404, UNKNOWN_USER)

    async def _get_gateway(self, call: RestCall) -> Result:
        return 200, {"url": self.gateway_url}

    async def _get_gateway_bot(self, call: RestCall) -> Result:
        limit = {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
        return 200, {"url": self.gateway_url, "shards": 1, "session_start_limit": limit}

    async def _get_application(self, call: RestCall) -> Result:
        return 200, self.world.application_payload()

    # -------------------------------------------------------------------------------------- commands

    def _command_list(self, guild_id: str | None) -> list[dict[str, JSON]] | None:
        if guild_id is None:
            return self.global_commands
        if int(guild_id) not in self.world.guilds:
            return None
        return self.guild_commands.setdefault(int(guild_id), [])

    def _validate_command(self, index: int, command: JSON) -> Result | None:
        if not isinstance(command, dict):
            return form_error([index], "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        cmd_type = int(command.get("type") or 1)
        name = command.get("name")
        if (
            not isinstance(name, str)
            or not COMMAND_NAME.match(name)
            or (cmd_type == 1 and name != name.lower())
        ):
            return form_error([index, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        if cmd_type == 1:
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description) <= 100:
                return form_error(
                    [index, "description"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
                )
            return self._validate_options([index, "options"], command.get("options") or [])
        return None

    def _validate_options(self, where: list[str | int], options: list[JSON]) -> Result | None:
        seen_optional = False
        for i, opt in enumerate(options):
            name = opt.get("name") if isinstance(opt, dict) else None
            if not isinstance(name, str) or not COMMAND_NAME.match(name) or name != name.lower():
                return form_error(
                    [*where, i, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Option name is invalid"
                )
            description = opt.get("description")
            if not isinstance(description, str) or not 1 <= len(description) <= 100:
                return form_error(
                    [*where, i, "description"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
                )
            if opt.get("type") in (1, 2):
                problem = self._validate_options([*where, i, "options"], opt.get("options") or [])
                if problem:
                    return problem
                continue
            if opt.get("required"):
                if seen_optional:
                    return form_error(
                        [*where, i, "required"],
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    )
            else:
                seen_optional = True
        return None

    def _stored_command(self, command: dict[str, JSON], guild_id: str | None) -> dict[str, JSON]:
        cmd_type = int(command.get("type") or 1)
        scope = int(guild_id) if guild_id else None
        key = (scope, str(command["name"]), cmd_type)
        if key not in self._command_ids:
            self._command_ids[key] = self.world.snowflakes.next()
        stored: dict[str, JSON] = {
            "id": str(self._command_ids[key]),
            "application_id": str(self.world.application_id),
            "version": str(self.world.snowflakes.next()),
            "type": cmd_type,
            "name": command["name"],
            "name_localizations": command.get("name_localizations"),
            "description": command.get("description", ""),
            "description_localizations": command.get("description_localizations"),
            "default_member_permissions": command.get("default_member_permissions"),
            "dm_permission": command.get("dm_permission", True),
            "contexts": command.get("contexts"),
            "integration_types": command.get("integration_types") or [0],
            "nsfw": bool(command.get("nsfw", False)),
        }
        if command.get("options"):
            stored["options"] = copy.deepcopy(command["options"])
        if guild_id is not None:
            stored["guild_id"] = str(guild_id)
        return stored

    async def _get_commands(self, call: RestCall, app_id: str, guild_id: str | None = None) -> Result:
        problem = self._check_app(app_id)
        if problem:
            return problem
        commands = self._command_list(guild_id)
        return (200, commands) if commands is not None else error(404, UNKNOWN_GUILD)

    async def _put_commands(self, call: RestCall, app_id: str, guild_id: str | None = None) -> Result:
        problem = self._check_app(app_id)
        if problem:
            return problem
        commands = self._command_list(guild_id)
        if commands is None:
            return error(404, UNKNOWN_GUILD)
        body = call.json
        if not isinstance(body, list):
            return form_error([], "BASE_TYPE_ARRAY", "Must be an array")
        for index, command in enumerate(body):
            problem = self._validate_command(index, command)
            if problem:
                return problem
        commands[:] = [self._stored_command(c, guild_id) for c in body]
        return 200, commands

    async def _post_command(self, call: RestCall, app_id: str, guild_id: str | None = None) -> Result:
        problem = self._check_app(app_id)
        if problem:
            return problem
        commands = self._command_list(guild_id)
        if commands is None:
            return error(404, UNKNOWN_GUILD)
        problem = self._validate_command(0, call.json)
        if problem:
            return problem
        stored = self._stored_command(call.json, guild_id)
        for i, existing in enumerate(commands):
            if existing["id"] == stored["id"]:
                commands[i] = stored
                return 200, stored
        commands.append(stored)
        return 201, stored

    async def _delete_command(
        self, call: RestCall, app_id: str, command_id: str, guild_id: str | None = None
    ) -> Result:
        problem = self._check_app(app_id)
        if problem:
            return problem
        commands = self._command_list(guild_id)
        if commands is None:
            return error(404, UNKNOWN_GUILD)
        for i, existing in enumerate(commands):
            if existing["id"] == command_id:
                del commands[i]
                return 204, None
        return error(404, 10063, "Unknown application command")

    # ---------------------------------------------------------------------------------- interactions

    def register_interaction(self, record: InteractionRecord) -> None:
        """Make an interaction known to the callback and webhook routes."""
        self.interactions[record.id] = record

    def _interaction_by_token(self, token: str) -> InteractionRecord | None:
        return next((r for r in self.interactions.values() if r.token == token), None)

    @staticmethod
    def _interaction_user(record: InteractionRecord) -> dict[str, JSON]:
        payload = record.payload
        user: dict[str, JSON] = payload["member"]["user"] if "member" in payload else payload["user"]
        return user

    @staticmethod
    def _interaction_channel_id(record: InteractionRecord) -> int:
        payload = record.payload
        return int(payload.get("channel_id") or payload["channel"]["id"])

    def _interaction_message(
        self, record: InteractionRecord, content: str, flags: int, **extra: JSON
    ) -> dict[str, JSON]:
        payload = record.payload
        metadata = {
            "id": str(record.id),
            "type": record.type,
            "user": self._interaction_user(record),
            "authorizing_integration_owners": payload.get("authorizing_integration_owners", {}),
        }
        return self._new_message(
            channel_id=self._interaction_channel_id(record),
            guild_id=int(payload["guild_id"]) if payload.get("guild_id") else None,
            author=self.world.bot_user.payload(),
            content=content,
            flags=flags,
            message_type=20 if record.type == INTERACTION_APPLICATION_COMMAND else 0,
            webhook_id=self.world.application_id,
            application_id=self.world.application_id,
            interaction_metadata=metadata,
            **extra,
        )

    def _component_message(self, record: InteractionRecord) -> dict[str, JSON] | None:
        raw = record.payload.get("message")
        if not isinstance(raw, dict):
            return None
        message_id = int(raw["id"])
        if message_id not in self.messages:
            self.messages[message_id] = copy.deepcopy(raw)
        return self.messages[message_id]

    async def _callback(self, call: RestCall, interaction_id: str, token: str) -> Result:
        record = self.interactions.get(int(interaction_id))
        if record is None or record.token != token:
            return error(404, UNKNOWN_INTERACTION)
        body = call.json if isinstance(call.json, dict) else {}
        cb_type = body.get("type")
        data = body.get("data")
        elapsed = self.clock() - record.created_at

        def answer(result: Result) -> Result:
            status, response = result
            code = response.get("code") if status >= 400 and isinstance(response, dict) else None
            record.callbacks.append(CallbackRecord(cb_type, data, status, code, elapsed, list(call.files)))
            return result

        if record.callback is not None:
            return answer(error(400, INTERACTION_ALREADY_ACKNOWLEDGED))
        if record.invalidated or elapsed > self.interaction_deadline:
            record.invalidated = True
            return answer(error(404, UNKNOWN_INTERACTION))
        if not isinstance(cb_type, int) or cb_type not in ALLOWED_CALLBACKS.get(record.type, set()):
            return answer(
                form_error(
                    ["type"],
                    "INTERACTION_RESPONSE_TYPE_INVALID",
                    f"Callback type {cb_type!r} is not valid for interaction type {record.type}",
                )
            )
        problem = self._validate_callback_data(record, cb_type, data or {}, call.files)
        if problem:
            return answer(problem)

        data = data or {}
        message: dict[str, JSON] | None = None
        if cb_type == CALLBACK_CHANNEL_MESSAGE:
            message = self._interaction_message(
                record,
                data.get("content") or "",
                int(data.get("flags") or 0),
                embeds=data.get("embeds") or [],
                components=data.get("components") or [],
                attachments=self._attachments(call, self._interaction_channel_id(record)),
            )
            record.original = message
        elif cb_type == CALLBACK_DEFERRED_CHANNEL_MESSAGE:
            message = self._interaction_message(
                record, "", (int(data.get("flags") or 0) & FLAG_EPHEMERAL) | FLAG_LOADING
            )
            record.original = message
        elif cb_type in (CALLBACK_DEFERRED_UPDATE_MESSAGE, CALLBACK_UPDATE_MESSAGE):
            message = self._component_message(record)
            if message is not None and cb_type == CALLBACK_UPDATE_MESSAGE:
                self._apply_edit(message, RestCall("PATCH", call.path, {}, {}, json=data, files=call.files))
            record.original = message

        status = 200 if call.query.get("with_response", "").lower() in ("1", "true") else 204
        answer((status, None))
        if status == 204:
            return 204, None
        callback: dict[str, JSON] = {"id": str(record.id), "type": record.type}
        if message is not None:
            flags = int(message.get("flags") or 0)
            callback["response_message_id"] = message["id"]
            callback["response_message_loading"] = bool(flags & FLAG_LOADING)
            callback["response_message_ephemeral"] = bool(flags & FLAG_EPHEMERAL)
        response: dict[str, JSON] = {"interaction": callback}
        resource: dict[str, JSON] = {"type": cb_type}
        if message is not None and cb_type in (CALLBACK_CHANNEL_MESSAGE, CALLBACK_UPDATE_MESSAGE):
            resource["message"] = message
        response["resource"] = resource
        return 200, response

    def _validate_callback_data(
        self, record: InteractionRecord, cb_type: int, data: dict[str, JSON], files: list[RecordedFile]
    ) -> Result | None:
        if too_large([len(f.data) for f in files], self.attachment_size_limit):
            return error(413, REQUEST_ENTITY_TOO_LARGE)
        errors = FormErrors()
        if cb_type in (CALLBACK_CHANNEL_MESSAGE, CALLBACK_UPDATE_MESSAGE):
            check_message(errors, data, files=len(files), at=["data"])
        elif cb_type == CALLBACK_AUTOCOMPLETE_RESULT:
            check_choices(errors, data)
        elif cb_type == CALLBACK_MODAL:
            check_modal(errors, data)
        if errors:
            return invalid_form(errors)
        if cb_type == CALLBACK_CHANNEL_MESSAGE and self._is_empty(data, files):
            return error(400, CANNOT_SEND_EMPTY_MESSAGE)
        if (
            cb_type in (CALLBACK_DEFERRED_UPDATE_MESSAGE, CALLBACK_UPDATE_MESSAGE)
            and "message" not in record.payload
        ):
            return form_error(
                ["type"], "INTERACTION_RESPONSE_TYPE_INVALID", "Interaction has no message to update"
            )
        return None

    def _webhook_record(self, app_id: str, token: str) -> tuple[InteractionRecord | None, Result | None]:
        record = self._interaction_by_token(token)
        if record is None or int(app_id) != self.world.application_id:
            return None, error(404, UNKNOWN_WEBHOOK)
        if self.clock() - record.created_at > self.token_lifetime:
            return None, error(401, INVALID_WEBHOOK_TOKEN)
        if record.invalidated or record.callback is None:
            return None, error(404, UNKNOWN_WEBHOOK)
        return record, None

    def _webhook_message(self, record: InteractionRecord, message_id: str) -> dict[str, JSON] | None:
        if message_id == "@original":
            return None if record.original_deleted else record.original
        return next((m for m in record.followups if m["id"] == message_id), None)

    async def _post_followup(self, call: RestCall, app_id: str, token: str) -> Result:
        record, problem = self._webhook_record(app_id, token)
        if record is None:
            return problem or error(404, UNKNOWN_WEBHOOK)
        body = call.json if isinstance(call.json, dict) else {}
        refused = message_limits(body, call.files, file_size_max=self.attachment_size_limit)
        if refused is not None:
            return refused
        if self._is_empty(body, call.files):
            return error(400, CANNOT_SEND_EMPTY_MESSAGE)
        original = record.original
        if (
            original is not None
            and record.callback is not None
            and record.callback.type == CALLBACK_DEFERRED_CHANNEL_MESSAGE
            and int(original.get("flags") or 0) & FLAG_LOADING
        ):
            # Discord: the first follow-up after a deferred response edits the loading original; its
            # ephemeral state stays what the defer chose.
            edit_body = {k: v for k, v in body.items() if k != "flags"}
            message = self._apply_edit(
                original, RestCall("PATCH", call.path, {}, {}, json=edit_body, files=call.files)
            )
            message["edited_timestamp"] = None
        else:
            channel_id = self._interaction_channel_id(record)
            payload = record.payload
            message = self._new_message(
                channel_id=channel_id,
                guild_id=int(payload["guild_id"]) if payload.get("guild_id") else None,
                author=self.world.bot_user.payload(),
                content=body.get("content") or "",
                flags=int(body.get("flags") or 0) & FLAG_EPHEMERAL,
                embeds=body.get("embeds") or [],
                components=body.get("components") or [],
                attachments=self._attachments(call, channel_id),
                webhook_id=self.world.application_id,
                application_id=self.world.application_id,
            )
        record.followups.append(message)
        return 200, message

    async def _get_webhook_message(self, call: RestCall, app_id: str, token: str, message_id: str) -> Result:
        record, problem = self._webhook_record(app_id, token)
        if record is None:
            return problem or error(404, UNKNOWN_WEBHOOK)
        message = self._webhook_message(record, message_id)
        return (200, message) if message is not None else error(404, UNKNOWN_MESSAGE)

    async def _edit_webhook_message(self, call: RestCall, app_id: str, token: str, message_id: str) -> Result:
        record, problem = self._webhook_record(app_id, token)
        if record is None:
            return problem or error(404, UNKNOWN_WEBHOOK)
        message = self._webhook_message(record, message_id)
        if message is None:
            return error(404, UNKNOWN_MESSAGE)
        refused = message_limits(call.json, call.files, file_size_max=self.attachment_size_limit)
        if refused is not None:
            return refused
        return 200, self._apply_edit(message, call)

    async def _delete_webhook_message(
        self, call: RestCall, app_id: str, token: str, message_id: str
    ) -> Result:
        record, problem = self._webhook_record(app_id, token)
        if record is None:
            return problem or error(404, UNKNOWN_WEBHOOK)
        message = self._webhook_message(record, message_id)
        if message is None:
            return error(404, UNKNOWN_MESSAGE)
        if message_id == "@original":
            record.original_deleted = True
        self.messages.pop(int(message["id"]), None)
        return 204, None

    # --------------------------------------------------------------------------------- DMs/channels

    async def _create_dm(self, call: RestCall) -> Result:
        body = call.json if isinstance(call.json, dict) else {}
        try:
            user_id = int(body.get("recipient_id"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return form_error(["recipient_id"], "BASE_TYPE_REQUIRED", "This field is required")
        if user_id not in self.world.users:
            return error(400, INVALID_RECIPIENTS)
        return 200, self.world.dm_channel_payload(user_id)

    def _channel_kind(self, channel_id: int) -> tuple[str, int | None]:
        """("dm", user id), ("guild", guild id) or ("unknown", None)."""
        user_id = self.world.dm_recipient(channel_id)
        if user_id is not None:
            return "dm", user_id
        guild, channel = self.world.find_channel(channel_id)
        if guild is not None and channel is not None:
            return "guild", guild.id
        return "unknown", None

    async def _get_channel(self, call: RestCall, channel_id: str) -> Result:
        kind, owner = self._channel_kind(int(channel_id))
        if kind == "dm" and owner is not None:
            return 200, self.world.dm_channel_payload(owner)
        if kind == "guild" and owner is not None:
            channel = self.world.guild(owner).channel(int(channel_id))
            assert channel is not None
            return 200, channel.payload(owner)
        return error(404, UNKNOWN_CHANNEL)

    async def _post_message(self, call: RestCall, channel_id: str) -> Result:
        chan = int(channel_id)
        kind, owner = self._channel_kind(chan)
        if kind == "unknown" or owner is None:
            return error(404, UNKNOWN_CHANNEL)
        if kind == "dm" and owner in self.world.closed_dm_user_ids:
            return error(403, CANNOT_SEND_MESSAGES_TO_USER)
        body = call.json if isinstance(call.json, dict) else {}
        refused = message_limits(body, call.files, file_size_max=self.attachment_size_limit)
        if refused is not None:
            return refused
        if self._is_empty(body, call.files):
            return error(400, CANNOT_SEND_EMPTY_MESSAGE)
        message = self._new_message(
            channel_id=chan,
            guild_id=owner if kind == "guild" else None,
            author=self.world.bot_user.payload(),
            content=body.get("content") or "",
            flags=int(body.get("flags") or 0),
            embeds=body.get("embeds") or [],
            components=body.get("components") or [],
            attachments=self._attachments(call, chan),
        )
        if kind == "dm":
            self.dms.setdefault(owner, []).append(message)
        return 200, message

    def _channel_message(self, channel_id: str, message_id: str) -> dict[str, JSON] | None:
        message = self.messages.get(int(message_id))
        if message is None or message["channel_id"] != channel_id:
            return None
        return message

    async def _get_message(self, call: RestCall, channel_id: str, message_id: str) -> Result:
        message = self._channel_message(channel_id, message_id)
        return (200, message) if message is not None else error(404, UNKNOWN_MESSAGE)

    async def _edit_message(self, call: RestCall, channel_id: str, message_id: str) -> Result:
        message = self._channel_message(channel_id, message_id)
        if message is None:
            return error(404, UNKNOWN_MESSAGE)
        refused = message_limits(call.json, call.files, file_size_max=self.attachment_size_limit)
        if refused is not None:
            return refused
        return 200, self._apply_edit(message, call)

    async def _delete_message(self, call: RestCall, channel_id: str, message_id: str) -> Result:
        message = self._channel_message(channel_id, message_id)
        if message is None:
            return error(404, UNKNOWN_MESSAGE)
        del self.messages[int(message_id)]
        return 204, None

    # ---------------------------------------------------------------------------------------- guilds

    async def _get_guild(self, call: RestCall, guild_id: str) -> Result:
        guild = self.world.guilds.get(int(guild_id))
        if guild is None:
            return error(404, UNKNOWN_GUILD)
        data = guild.guild_payload()
        data["approximate_member_count"] = len(guild.members)
        return 200, data

    async def _get_guild_channels(self, call: RestCall, guild_id: str) -> Result:
        guild = self.world.guilds.get(int(guild_id))
        if guild is None:
            return error(404, UNKNOWN_GUILD)
        return 200, [c.payload(guild.id) for c in guild.channels]

    async def _get_guild_roles(self, call: RestCall, guild_id: str) -> Result:
        guild = self.world.guilds.get(int(guild_id))
        if guild is None:
            return error(404, UNKNOWN_GUILD)
        return 200, [r.payload() for r in guild.roles]

    async def _get_member(self, call: RestCall, guild_id: str, user_id: str) -> Result:
        guild = self.world.guilds.get(int(guild_id))
        if guild is None:
            return error(404, UNKNOWN_GUILD)
        if guild.member(int(user_id)) is None:
            return error(404, UNKNOWN_MEMBER)
        return 200, self.world.member_payload(guild.id, int(user_id))


async def _read_body(request: web.Request) -> tuple[JSON, bytes, list[RecordedFile]]:
    """Decode a request body: JSON, or multipart/form-data with ``payload_json`` and files."""
    if request.content_type.startswith("multipart/"):
        payload: JSON = None
        files: list[RecordedFile] = []
        reader = await request.multipart()
        while True:
            part = await reader.next()
            if part is None:
                break
            if not isinstance(part, BodyPartReader):
                continue
            if part.name == "payload_json":
                payload = json.loads(await part.text())
            else:
                data = await part.read(decode=True)
                files.append(
                    RecordedFile(
                        field=part.name or "",
                        filename=part.filename or "",
                        content_type=part.headers.get(hdrs.CONTENT_TYPE),
                        data=bytes(data),
                    )
                )
        return payload, b"", files
    body = await request.read()
    if not body:
        return None, body, []
    try:
        return json.loads(body), body, []
    except ValueError:
        return None, body, []
