"""End-to-end harness for the Slack adapter: the real slack_bolt app against the fake Slack.

The adapter (`SlackAdapter`, built from settings whose ``API_URL`` points at the fake Web API) is served
over HTTP on 127.0.0.1 exactly as in HTTP mode (``/slack/events`` and ``/healthz``); tests post requests
signed with the signing secret as Slack does, through `Workspace`, then wait for the work the adapter does
after acknowledging (`SlackAdapter.idle`). The core is a `MentorBot` on SQLite in tmp_path with a
`ManualClock`.

A slash command answered in its acknowledgement (Slack's immediate response, shown only to the member who typed
it) is what the member sees too: the harness records it with what the fake Web API saw, as kind ``ack``, at the
moment the adapter answered (`record_acks`), unless Slack would refuse it (`message_problems`: the member then
sees none of it). An acknowledgement or an options load's answer Slack would refuse fails the test that made it
(`SlackClient.refused`, checked when the `workspace` closes).
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlencode

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.payload import Payload

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.models import Member
from mentorbot.settings import Settings
from mentorbot.storage.sqlite_engine import SqliteDatabase
from mentorbot.storage.store import Store
from mentorbot_slack.adapter import SlackAdapter
from tests.fakes.slack_http_app import SlackClient, SlackHttpResponse
from tests.fakes.slack_ids import BOT_TOKEN, DEFAULT_CHANNEL_ID, SIGNING_SECRET, TEAM_ID
from tests.fakes.slack_limits import message_problems
from tests.fakes.slack_signing import (
    FORM_CONTENT_TYPE,
    SlackPayload,
    block_actions,
    multi_static_select_state,
    plain_text_input_state,
)
from tests.fakes.slack_web_api import (
    ApiRequest,
    ApiResult,
    FakeSlack,
    RecordedCall,
    SeenKind,
    SeenMessage,
    start_loopback_site,
)

ALICE = "U0ALICE01"  # a member looking for a mentor
BOB = "U0BOB0001"  # a mentor
CAROL = "U0CAROL01"  # a workspace admin (from users.info)
DAVE = "U0DAVE001"  # a second mentor
EVE = "U0EVE0001"  # an admin by the settings' admin ids
COMMUNITY = f"slack:{TEAM_ID}"
EN = translator("en")
SW = translator("sw")


def make_settings(fake: FakeSlack, **overrides: Any) -> Settings:
    """Settings for the adapter under test, isolated from the machine's environment and .env. Commands are
    acknowledged at once and answered through their response_url (``answer_in_ack_seconds=0``), so a scenario
    sees every answer arrive the same way; the default (the answer in the acknowledgement) has tests of its
    own, and the whole mentorship lifecycle runs in both modes (test_lifecycle.py)."""
    slack: dict[str, Any] = {
        "bot_token": BOT_TOKEN,
        "signing_secret": SIGNING_SECRET,
        "mode": "http",
        "api_url": fake.api_url,
        "answer_in_ack_seconds": 0.0,
    }
    slack.update(overrides.pop("slack", {}))
    values: dict[str, Any] = {"admin_ids": [EVE], "rate_limit_per_minute": 10_000, "slack": slack}
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def library() -> Library:
    """The shipped skills and courses."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    return Library(settings.skills_file, settings.courses_file)


@pytest.fixture
def members(slack_fake: FakeSlack) -> None:
    """The workspace's people, as users.info describes them."""
    slack_fake.add_user(ALICE, name="alice", real_name="Alice Achieng", tz="Africa/Nairobi")
    slack_fake.add_user(BOB, name="bob", real_name="Bob Baraka", tz="Africa/Nairobi")
    slack_fake.add_user(CAROL, name="carol", real_name="Carol Chao", is_admin=True, tz="Europe/London")
    slack_fake.add_user(DAVE, name="dave", real_name="Dave Dube", tz="America/New_York")
    slack_fake.add_user(EVE, name="eve", real_name="Eve Eze", tz="UTC")


@pytest_asyncio.fixture
async def bot(tmp_path: Path, library: Library, slack_fake: FakeSlack, clock: ManualClock) -> AsyncIterator[MentorBot]:
    """The core on a fresh SQLite file."""
    store = Store(SqliteDatabase(str(tmp_path / "mentorbot.sqlite3")))
    await store.open(clock.now())
    try:
        yield MentorBot(store, library, make_settings(slack_fake), clock, worker_id="slack-test")
    finally:
        await store.close()


@dataclass
class Workspace:
    """One Slack workspace with MentorBot installed: the fake Slack, the adapter and signed requests."""

    fake: FakeSlack
    adapter: SlackAdapter
    slack: SlackClient
    bot: MentorBot
    clock: ManualClock
    base_url: str

    # ---------------------------------------------------------------- sending

    async def settle(self) -> None:
        """Wait until the adapter finished the work it does after acknowledging."""
        await self.adapter.idle()

    async def command(self, user: str, command: str, text: str = "", **fields: Any) -> SlackHttpResponse:
        """A signed slash command by `user`; returns Slack's HTTP answer once the adapter's work is done."""
        name = self.fake.users[user].name
        fields.setdefault("channel_id", DEFAULT_CHANNEL_ID)
        response = await self.slack.slash_command(command=command, text=text, user_id=user, user_name=name, **fields)
        assert response.status == 200, response.text
        await self.settle()
        return response

    async def mentor(self, user: str, text: str = "", **fields: Any) -> SlackHttpResponse:
        """``/mentor <text>``."""
        return await self.command(user, "/mentor", text, **fields)

    async def click(self, user: str, message: Mapping[str, Any], action: str, **fields: Any) -> SlackHttpResponse:
        """`user` clicks the button whose action id starts with `action` in a message the app posted."""
        button = find_button(message, action)
        response = await self.slack.block_actions(
            action_id=button["action_id"],
            value=button.get("value", ""),
            button_text=button["text"]["text"],
            user_id=user,
            user_name=self.fake.users[user].name,
            message=message,
            channel_id=fields.pop("channel_id", None),
            **fields,
        )
        assert response.status == 200, response.text
        await self.settle()
        return response

    async def submit(self, user: str, view: Mapping[str, Any], values: Mapping[str, Any]) -> SlackHttpResponse:
        """`user` submits the modal `view` (as opened) with `values` (block id → state)."""
        response = await self.slack.view_submission(
            callback_id=view["callback_id"],
            private_metadata=view.get("private_metadata", ""),
            view_id=view["id"],
            blocks=view["blocks"],
            state_values={block: {"value": state} for block, state in values.items()},
            user_id=user,
            user_name=self.fake.users[user].name,
        )
        await self.settle()
        return response

    async def send(self, payload: SlackPayload, **signing: Any) -> SlackHttpResponse:
        """Any payload, signed (keyword arguments go to `SlackClient.send`)."""
        response = await self.slack.send(payload, **signing)
        await self.settle()
        return response

    # ---------------------------------------------------------------- what members saw

    def seen(self, user: str, *, kind: str | None = None) -> list[SeenMessage]:
        """Everything `user` saw from the app (DMs, ephemerals, updates, response_url posts), in order."""
        return self.fake.messages_seen_by(user, kind=kind)  # type: ignore[arg-type]

    def texts(self, user: str, *, kind: str | None = None) -> list[str]:
        """The texts of what `user` saw, as Slack shows them (mrkdwn escapes undone)."""
        return [unescape(m.text or "") for m in self.seen(user, kind=kind)]

    def kinds(self, user: str) -> list[str]:
        """How each thing `user` saw reached them (ack, dm, ephemeral, update, response_url)."""
        return [m.kind for m in self.seen(user)]

    def last(self, user: str, *, kind: str | None = None) -> SeenMessage:
        """The last thing `user` saw."""
        seen = self.seen(user, kind=kind)
        assert seen, f"{user} saw nothing"
        return seen[-1]

    def dms(self, user: str) -> list[dict[str, Any]]:
        """The messages in `user`'s DM with the app, as they are now (updates applied), oldest first."""
        return self.fake.messages_in(self.fake.dm_channel_of(user))

    def calls(self, method: str) -> list[RecordedCall]:
        """The Web API calls of `method`."""
        return self.fake.calls_to(method)

    def home_text(self, user: str) -> str:
        """All the text of `user`'s App Home tab, joined."""
        view = self.fake.home_view_of(user)
        assert view is not None, f"no App Home published for {user}"
        return unescape(blocks_text(view["blocks"]))

    async def member(self, user: str) -> Member:
        """The core's member for a Slack user."""
        found = await self.bot.store.find_member(COMMUNITY, user)
        assert found is not None, f"{user} is not a member"
        return found


async def offered(ws: Workspace) -> dict[str, object]:
    """Bob and Dave mentor SEO; Alice asks; Bob (the better fit) gets offer #1. Returns Bob's offer DM."""
    await ws.mentor(BOB, "signup skills:seo levels:expert")
    await ws.mentor(DAVE, "signup skills:seo levels:learning")
    await ws.mentor(ALICE, "request skills:seo")
    [offer] = ws.dms(BOB)
    assert unescape(str(offer["text"])).startswith(EN("offer.title", id=1))
    return offer


def unescape(text: str) -> str:
    """Slack's mrkdwn escapes undone: what a member reads."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def find_button(message: Mapping[str, Any], action: str) -> dict[str, Any]:
    """The button of `message` whose action id starts with ``mentorbot:<action>``."""
    for block in message.get("blocks", []):
        for element in block.get("elements", []):
            if element.get("type") == "button" and element["action_id"].startswith(f"mentorbot:{action}"):
                return dict(element)
    raise AssertionError(f"no {action} button in {message.get('text')!r}")


def blocks_text(blocks: list[dict[str, Any]]) -> str:
    """Every text in `blocks` (headers, sections, fields, context, button labels), one per line."""
    out: list[str] = []
    for block in blocks:
        if "text" in block and isinstance(block["text"], dict):
            out.append(block["text"]["text"])
        out.extend(f["text"] for f in block.get("fields", []))
        for element in block.get("elements", []):
            text = element.get("text")
            out.append(text["text"] if isinstance(text, dict) else str(text or ""))
    return "\n".join(out)


def skills_state(*slugs: str) -> dict[str, Any]:
    """A multi-select state with these skills chosen."""
    return multi_static_select_state(list(slugs))


def text_state(value: str | None) -> dict[str, Any]:
    """A text input's state."""
    return plain_text_input_state(value)


def number_state(value: str | None) -> dict[str, Any]:
    """A number input's state."""
    return {"type": "number_input", "value": value}


def home_click(user: str, name: str, action_id: str, value: str, trigger_id: str) -> SlackPayload:
    """A button click on the App Home tab (a view container: no channel, message or response_url)."""
    data = dict(block_actions(action_id=action_id, value=value, user_id=user, user_name=name).data)
    data["container"] = {"type": "view", "view_id": "V0HOME0001"}
    data["view"] = {"id": "V0HOME0001", "type": "home", "callback_id": "mentorbot:home"}
    data["trigger_id"] = trigger_id
    for key in ("channel", "message", "response_url"):
        data.pop(key, None)
    body = urlencode({"payload": json.dumps(data, separators=(",", ":"))})
    return SlackPayload("interactive", data, body, FORM_CONTENT_TYPE)


ACK: Any = cast(SeenKind, "ack")
"""The kind of a slash command's answer carried by its acknowledgement (Slack's immediate response)."""


def record_acks(fake: FakeSlack) -> Any:
    """An aiohttp middleware recording each slash command's non-empty acknowledgement as seen by its member,
    unless Slack would refuse it (its blocks past Block Kit's limits, `message_problems`): Slack shows none of
    a refused one."""

    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        response = await handler(request)
        if not isinstance(response, web.Response) or response.content_type != "application/json":
            return response
        if request.content_type != FORM_CONTENT_TYPE:
            return response
        form = await request.post()
        body = response.body  # bytes, or the payload Bolt's aiohttp adapter made of its str
        if "command" in form and isinstance(body, bytes | Payload):
            raw = json.loads(body.decode())
            if not isinstance(raw, dict) or message_problems(raw):
                return response
            blocks = raw.get("blocks")
            fake.seen.append(
                SeenMessage(
                    user_id=str(form["user_id"]),
                    kind=ACK,
                    channel=str(form.get("channel_id") or "") or None,
                    ts=None,
                    text=raw.get("text"),
                    blocks=blocks if isinstance(blocks, list) else None,
                    time=time.monotonic(),
                    raw=raw,
                )
            )
        return response

    return middleware


@pytest_asyncio.fixture
async def workspace(
    slack_fake: FakeSlack, bot: MentorBot, clock: ManualClock, members: None
) -> AsyncIterator[Workspace]:
    """MentorBot's Slack adapter served over HTTP on loopback, with the fake workspace's members."""
    adapter = SlackAdapter(bot, bot.settings)
    app = adapter.web_app()
    app.middlewares.append(record_acks(slack_fake))
    runner, base_url = await start_loopback_site(app)
    slack = SlackClient(base_url + "/slack/events", signing_secret=SIGNING_SECRET, fake=slack_fake)
    try:
        yield Workspace(slack_fake, adapter, slack, bot, clock, base_url)
    finally:
        await adapter.idle()
        await adapter.aclose()
        await slack.close()
        await runner.cleanup()
    refused = [(r.payload.envelope_type, r.payload.data.get("type"), r.response.problems) for r in slack.refused]
    assert not refused, f"Slack would refuse these answers of the app: {refused}"


@dataclass
class Uploads:
    """Files the app uploaded (files_upload_v2: get an upload URL, post the bytes, complete the upload)."""

    files: dict[str, bytes]
    """Uploaded content by file name."""
    completed: list[dict[str, Any]]
    """The parameters of each files.completeUploadExternal call (``files`` decoded)."""
    requested: list[dict[str, Any]] = field(default_factory=list)
    """The parameters of each files.getUploadURLExternal call (file name, length, alt text)."""


@pytest_asyncio.fixture
async def uploads(slack_fake: FakeSlack) -> AsyncIterator[Uploads]:
    """Teach the fake Slack file uploads (it does not model them) and record what is uploaded."""
    received = Uploads({}, [])
    names: dict[str, str] = {}
    ids = itertools.count(1)

    async def upload(request: web.Request) -> web.Response:
        received.files[names[request.match_info["file_id"]]] = await request.read()
        return web.Response(text="OK - 1")

    server = web.Application()
    server.router.add_post("/upload/{file_id}", upload)
    runner, url = await start_loopback_site(server)

    def get_upload_url(request: ApiRequest) -> ApiResult:
        file_id = f"F{next(ids):08d}"
        received.requested.append(dict(request.params))
        names[file_id] = str(request.params["filename"])
        return ApiResult({"ok": True, "upload_url": f"{url}/upload/{file_id}", "file_id": file_id})

    def complete(request: ApiRequest) -> ApiResult:
        params = dict(request.params)
        params["files"] = json.loads(params["files"]) if isinstance(params["files"], str) else params["files"]
        received.completed.append(params)
        return ApiResult({"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in params["files"]]})

    slack_fake.stub("files.getUploadURLExternal", get_upload_url)
    slack_fake.stub("files.completeUploadExternal", complete)
    try:
        yield received
    finally:
        await runner.cleanup()
