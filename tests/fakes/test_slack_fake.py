"""The fake Slack and its helpers, proven against the real slack_bolt ``AsyncApp`` and slack_sdk.

Every test runs on 127.0.0.1 only: the fake Web API / Socket Mode server and the Bolt app server.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltRequest, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

# The fixtures (slack_fake, slack_http_app_server, slack_socket_mode_connect) come from the plugin that
# tests/conftest.py registers; only their types are imported here.
from tests.fakes.slack_fixtures import ConnectSocketMode, ServeSlackApp
from tests.fakes.slack_http_app import make_bolt_app
from tests.fakes.slack_ids import (
    APP_TOKEN,
    BOT_USER_ID,
    DEFAULT_CHANNEL_ID,
    DEFAULT_USER_ID,
    SIGNING_SECRET,
    TEAM_ID,
)
from tests.fakes.slack_signing import (
    app_home_opened,
    block_actions,
    compute_signature,
    is_valid_signature,
    multi_static_select_state,
    plain_text_input_state,
    signed_headers,
    slash_command,
    static_select_state,
    view_submission,
)
from tests.fakes.slack_web_api import FakeSlack

ALICE = DEFAULT_USER_ID
BOB = "U0BOB0001"


@pytest.fixture(autouse=True)
def _members(slack_fake: FakeSlack) -> None:
    slack_fake.add_user(ALICE, name="alice", tz="Europe/Berlin", locale="de-DE")
    slack_fake.add_user(BOB, name="bob", is_admin=True, is_owner=True, tz="America/New_York")


# --------------------------------------------------------------------------------------------------
# signing helpers


def test_signature_matches_slacks_documented_example() -> None:
    # The worked example from https://docs.slack.dev/authentication/verifying-requests-from-slack
    body = (
        "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
        "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
        "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
        "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    )
    assert (
        compute_signature("8f742231b10e8888abcd99yyyzzz85a5", 1531420618, body)
        == "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    )


def test_signed_headers_pass_slack_sdks_verifier_and_stale_or_tampered_fail() -> None:
    payload = slash_command(text="hello")
    verifier = SignatureVerifier(SIGNING_SECRET)
    headers = payload.headers()
    assert verifier.is_valid_request(payload.body, headers)
    assert is_valid_signature(payload.body, headers)
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"

    stale = payload.headers(timestamp=int(time.time()) - 301)
    assert not verifier.is_valid_request(payload.body, stale)
    assert not is_valid_signature(payload.body, stale)
    assert not verifier.is_valid_request(payload.body + "x", headers)
    assert not verifier.is_valid_request(payload.body, payload.headers(signing_secret="wrong"))

    retry = signed_headers(payload.body, retry_num=2, retry_reason="http_timeout")
    assert retry["X-Slack-Retry-Num"] == "2"
    assert retry["X-Slack-Retry-Reason"] == "http_timeout"


def test_payload_shapes_follow_slacks_documentation() -> None:
    command = slash_command(command="/mentor", text="find", user_id=BOB, response_url="http://127.0.0.1:1/r")
    for key in (
        "token",
        "team_id",
        "channel_id",
        "user_id",
        "user_name",
        "command",
        "text",
        "response_url",
        "trigger_id",
        "api_app_id",
    ):
        assert key in command.data
    assert command.body.startswith("token=")
    assert command.envelope_type == "slash_commands"

    click = block_actions(action_id="accept_match", value="m-1", block_id="match_actions")
    assert click.body.startswith("payload=")
    assert click.envelope_type == "interactive"
    assert click.data["type"] == "block_actions"
    assert click.data["actions"][0] | {"action_ts": None} == {
        "type": "button",
        "action_id": "accept_match",
        "block_id": "match_actions",
        "text": {"type": "plain_text", "text": "Button", "emoji": True},
        "value": "m-1",
        "action_ts": None,
    }
    for key in ("user", "team", "channel", "container", "message", "response_url", "trigger_id"):
        assert key in click.data

    submission = view_submission(
        callback_id="profile_modal",
        private_metadata='{"round": 3}',
        state_values={
            "topics": {"topics_select": multi_static_select_state(["paid_social", ("seo", "SEO")])},
            "bio": {"bio_input": plain_text_input_state("hi")},
            "role": {"role_select": static_select_state("mentor", "Mentor")},
        },
    )
    view = submission.data["view"]
    assert view["callback_id"] == "profile_modal"
    assert view["private_metadata"] == '{"round": 3}'
    assert [o["value"] for o in view["state"]["values"]["topics"]["topics_select"]["selected_options"]] == [
        "paid_social",
        "seo",
    ]


# --------------------------------------------------------------------------------------------------
# the Web API fake on its own (slack_sdk client)


async def test_web_api_records_calls_and_answers_like_slack(slack_fake: FakeSlack) -> None:
    client = slack_fake.web_client()
    auth = await client.auth_test()
    assert (auth["user_id"], auth["team_id"], auth["bot_id"]) == (BOT_USER_ID, TEAM_ID, slack_fake.bot_id)
    assert auth.headers["X-OAuth-Scopes"]

    bob = await client.users_info(user=BOB)  # a GET with a query string
    assert bob["user"]["is_admin"] and bob["user"]["is_owner"]
    assert bob["user"]["tz"] == "America/New_York"
    assert "locale" not in bob["user"]  # Slack only includes it when asked
    alice = await client.users_info(user=ALICE, include_locale=True)
    assert alice["user"]["locale"] == "de-DE"
    assert alice["user"]["tz_offset"] in (3600, 7200)

    opened = await client.conversations_open(users=ALICE)
    dm = opened["channel"]["id"]
    assert dm == slack_fake.dm_channel_of(ALICE) and dm.startswith("D")
    posted = await client.chat_postMessage(channel=dm, text="Welcome!")  # JSON body
    assert posted["channel"] == dm and posted["message"]["text"] == "Welcome!"
    form = await client.api_call("chat.postMessage", data={"channel": ALICE, "text": "form-encoded"})
    assert form["channel"] == dm  # posting to a user id lands in the app's DM with them

    assert [c.method for c in slack_fake.calls] == [
        "auth.test",
        "users.info",
        "users.info",
        "conversations.open",
        "chat.postMessage",
        "chat.postMessage",
    ]
    call = slack_fake.calls_to("chat.postMessage")[1]
    assert call.params == {"channel": ALICE, "text": "form-encoded"}
    assert call.token == slack_fake.bot_token and call.ok
    assert [m.text for m in slack_fake.messages_seen_by(ALICE, kind="dm")] == ["Welcome!", "form-encoded"]


async def test_web_api_rejects_bad_tokens_and_unknown_methods(slack_fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as bad:
        await slack_fake.web_client("xoxb-wrong").auth_test()
    assert bad.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as app_token:
        await slack_fake.web_client(APP_TOKEN).chat_postMessage(channel=ALICE, text="x")
    assert app_token.value.response["error"] == "not_allowed_token_type"
    with pytest.raises(SlackApiError) as unknown:
        await slack_fake.web_client().api_call("mentorship.match")
    assert unknown.value.response["error"] == "unknown_method"
    assert [(c.method, c.error) for c in slack_fake.calls] == [
        ("auth.test", "invalid_auth"),
        ("chat.postMessage", "not_allowed_token_type"),
        ("mentorship.match", "unknown_method"),
    ]
    assert (await slack_fake.web_client(APP_TOKEN).apps_connections_open(app_token=APP_TOKEN))[
        "url"
    ].startswith("ws://127.0.0.1:")


async def test_scripted_failures_stubs_and_unknown_hooks(slack_fake: FakeSlack) -> None:
    client = slack_fake.web_client()
    slack_fake.fail_next("users.info", "internal_error")
    with pytest.raises(SlackApiError) as failed:
        await client.users_info(user=ALICE)
    assert failed.value.response["error"] == "internal_error"
    assert (await client.users_info(user=ALICE))["user"]["name"] == "alice"  # only the next call failed

    slack_fake.stub("team.info", {"ok": True, "team": {"id": TEAM_ID, "name": "Stubbed"}})
    assert (await client.team_info())["team"]["name"] == "Stubbed"

    unknown_hook = await AsyncWebhookClient(f"{slack_fake.url}/response/not-issued").send(text="hi")
    assert unknown_hook.status_code == 404 and slack_fake.response_posts == []


async def test_rate_limited_call_without_retry_handler_raises(slack_fake: FakeSlack) -> None:
    slack_fake.rate_limit("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as limited:
        await AsyncWebClient(token="xoxb-test", base_url=slack_fake.api_url).chat_postMessage(
            channel=ALICE, text="x"
        )
    assert limited.value.response.status_code == 429
    assert limited.value.response["error"] == "ratelimited"
    assert limited.value.response.headers["Retry-After"] == "7"


async def test_closed_dms_surface_as_slack_api_errors(slack_fake: FakeSlack) -> None:
    client = slack_fake.web_client()
    slack_fake.close_dms(BOB)
    dm = (await client.conversations_open(users=BOB))["channel"]["id"]  # still opens, as on Slack
    with pytest.raises(SlackApiError) as closed:
        await client.chat_postMessage(channel=dm, text="Your match is ready")
    assert closed.value.response["error"] == "messages_tab_disabled"
    assert slack_fake.messages_seen_by(BOB) == []

    slack_fake.close_dms(ALICE, error="user_disabled", at="open")
    with pytest.raises(SlackApiError) as disabled:
        await client.conversations_open(users=ALICE)
    assert disabled.value.response["error"] == "user_disabled"

    slack_fake.open_dms(BOB)
    await client.chat_postMessage(channel=dm, text="Now it works")
    assert [m.text for m in slack_fake.messages_seen_by(BOB)] == ["Now it works"]


# --------------------------------------------------------------------------------------------------
# the real Bolt AsyncApp over HTTP


async def test_signed_slash_command_acks_then_responds(
    slack_fake: FakeSlack,
    slack_http_app_server: ServeSlackApp,
) -> None:
    app = make_bolt_app(slack_fake)

    @app.command("/mentor")
    async def mentor(
        ack: AsyncAck, respond: AsyncRespond, client: AsyncWebClient, command: dict[str, Any]
    ) -> None:
        await ack("Looking for a mentor…")
        await respond(text="Found 3 mentors", response_type="ephemeral")
        await client.chat_postEphemeral(
            channel=command["channel_id"], user=command["user_id"], text="Tip: /mentor help"
        )

    slack = await slack_http_app_server(app)
    response = await slack.slash_command(command="/mentor", text="find", user_id=ALICE)

    assert response.status == 200
    # ack(text) is the HTTP response itself (Bolt answers a bare text ack as text/plain; Slack shows it)
    assert response.text == "Looking for a mentor…"
    assert response.headers["Content-Type"].startswith("text/plain")
    post = await slack_fake.wait_for_response_post()
    assert (post.user_id, post.text, post.response_type) == (ALICE, "Found 3 mentors", "ephemeral")
    ephemeral = await slack_fake.wait_for_call("chat.postEphemeral")
    assert ephemeral.params["user"] == ALICE and ephemeral.ok
    assert [(m.kind, m.text) for m in slack_fake.messages_seen_by(ALICE)] == [
        ("response_url", "Found 3 mentors"),
        ("ephemeral", "Tip: /mentor help"),
    ]
    assert slack_fake.methods_called == ["auth.test", "chat.postEphemeral"]  # Bolt's lazy auth.test first


@pytest.mark.parametrize(
    "tamper",
    [
        {"signing_secret": "not-the-secret"},
        {"signature": "v0=" + "0" * 64},
        {"timestamp_offset": -301},  # more than five minutes old
        {"timestamp_offset": +301},  # or in the future
    ],
    ids=["wrong-secret", "forged-signature", "stale", "future"],
)
async def test_unverifiable_requests_get_401_and_never_reach_the_handler(
    slack_fake: FakeSlack,
    slack_http_app_server: ServeSlackApp,
    tamper: dict[str, Any],
) -> None:
    app = make_bolt_app(slack_fake, process_before_response=True)
    ran: list[str] = []

    @app.command("/mentor")
    async def mentor(ack: AsyncAck) -> None:
        ran.append("mentor")
        await ack()

    slack = await slack_http_app_server(app)
    if "timestamp_offset" in tamper:
        tamper = {"timestamp": int(time.time()) + tamper["timestamp_offset"]}
    rejected = await slack.send(slash_command(), **tamper)
    assert rejected.status == 401
    assert ran == [] and slack_fake.calls == []

    accepted = await slack.send(slash_command(), timestamp=int(time.time()) - 240)  # within the window
    assert accepted.status == 200 and ran == ["mentor"]


async def test_block_actions_click_updates_the_message(
    slack_fake: FakeSlack,
    slack_http_app_server: ServeSlackApp,
) -> None:
    app = make_bolt_app(slack_fake)
    match_blocks: list[dict[str, Any]] = [
        {"type": "section", "block_id": "intro", "text": {"type": "mrkdwn", "text": "Meet Bob!"}},
        {
            "type": "actions",
            "block_id": "match_actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "accept_match",
                    "text": {"type": "plain_text", "text": "Accept"},
                    "value": "match-42",
                }
            ],
        },
    ]
    posted = await app.client.chat_postMessage(channel=ALICE, text="Meet Bob!", blocks=match_blocks)

    @app.action("accept_match")
    async def accept(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        value = body["actions"][0]["value"]
        await client.chat_update(
            channel=body["channel"]["id"], ts=body["message"]["ts"], text=f"Accepted {value}", blocks=[]
        )

    slack = await slack_http_app_server(app)
    response = await slack.block_actions(
        action_id="accept_match",
        value="match-42",
        block_id="match_actions",
        user_id=ALICE,
        message=posted["message"],
    )
    assert response.status == 200 and response.text == ""

    update = await slack_fake.wait_for_call("chat.update")
    assert update.params["ts"] == posted["ts"] and update.params["text"] == "Accepted match-42"
    assert slack_fake.messages[(posted["channel"], posted["ts"])]["text"] == "Accepted match-42"
    assert [(m.kind, m.text) for m in slack_fake.messages_seen_by(ALICE)] == [
        ("dm", "Meet Bob!"),
        ("update", "Accepted match-42"),
    ]


async def test_view_submission_errors_are_returned_in_the_http_response(
    slack_fake: FakeSlack,
    slack_http_app_server: ServeSlackApp,
) -> None:
    app = make_bolt_app(slack_fake)
    seen: dict[str, Any] = {}

    @app.view("profile_modal")
    async def save_profile(ack: AsyncAck, view: dict[str, Any]) -> None:
        values = view["state"]["values"]
        seen["topics"] = [o["value"] for o in values["topics"]["topics_select"]["selected_options"]]
        seen["role"] = values["role"]["role_select"]["selected_option"]["value"]
        seen["metadata"] = view["private_metadata"]
        bio = values["bio"]["bio_input"]["value"] or ""
        if len(bio) < 10:
            await ack(response_action="errors", errors={"bio": "Tell us a bit more (10+ characters)."})
            return
        await ack()

    slack = await slack_http_app_server(app)
    response = await slack.view_submission(
        callback_id="profile_modal",
        private_metadata="round-7",
        state_values={
            "topics": {"topics_select": multi_static_select_state(["paid_social", "copywriting"])},
            "bio": {"bio_input": plain_text_input_state("Hi")},
            "role": {"role_select": static_select_state("mentor", "Mentor")},
        },
    )
    assert response.status == 200
    assert response.json() == {
        "response_action": "errors",
        "errors": {"bio": "Tell us a bit more (10+ characters)."},
    }
    assert seen == {"topics": ["paid_social", "copywriting"], "role": "mentor", "metadata": "round-7"}


async def test_app_home_opened_publishes_home_and_url_verification_is_answered(
    slack_fake: FakeSlack,
    slack_http_app_server: ServeSlackApp,
) -> None:
    app = make_bolt_app(slack_fake)
    retries: list[list[str]] = []

    @app.event("app_home_opened")
    async def home(event: dict[str, Any], client: AsyncWebClient, request: AsyncBoltRequest) -> None:
        retries.append(list(request.headers.get("x-slack-retry-num", [])))
        await client.views_publish(
            user_id=event["user"],
            view={"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi!"}}]},
        )

    slack = await slack_http_app_server(app)
    challenge = await slack.url_verification("challenge-123")
    assert challenge.status == 200 and challenge.json() == {"challenge": "challenge-123"}

    assert (await slack.app_home_opened(user_id=ALICE)).status == 200
    published = await slack_fake.wait_for_call("views.publish")
    assert published.params["user_id"] == ALICE and published.ok
    home_view = slack_fake.home_view_of(ALICE)
    assert home_view is not None and home_view["type"] == "home"

    redelivery = await slack.send(app_home_opened(user_id=ALICE), retry_num=1, retry_reason="http_timeout")
    assert redelivery.status == 200
    await slack_fake.wait_for_call("views.publish", count=2)
    assert retries == [[], ["1"]]


async def test_rate_limited_call_is_retried_after_retry_after(
    slack_fake: FakeSlack,
    slack_http_app_server: ServeSlackApp,
) -> None:
    app = make_bolt_app(slack_fake, retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)])

    @app.command("/mentor")
    async def mentor(ack: AsyncAck, client: AsyncWebClient, command: dict[str, Any]) -> None:
        await ack()
        await client.chat_postMessage(channel=command["user_id"], text="Your match is Bob")

    slack_fake.rate_limit("chat.postMessage", times=1, retry_after=1)
    slack = await slack_http_app_server(app)
    assert (await slack.slash_command(user_id=ALICE)).status == 200

    retried = await slack_fake.wait_for_call("chat.postMessage", count=2, within=5)
    first = slack_fake.calls_to("chat.postMessage")[0]
    assert (first.status, first.error) == (429, "ratelimited")
    assert (retried.status, retried.ok) == (200, True)
    assert retried.time - first.time >= 1.0  # slack_sdk waited Retry-After (plus jitter)
    assert [m.text for m in slack_fake.messages_seen_by(ALICE)] == ["Your match is Bob"]


async def test_closed_dm_error_reaches_the_listener(
    slack_fake: FakeSlack,
    slack_http_app_server: ServeSlackApp,
) -> None:
    app = make_bolt_app(slack_fake, process_before_response=True)
    errors: list[str] = []

    @app.command("/mentor")
    async def mentor(ack: AsyncAck, client: AsyncWebClient) -> None:
        try:
            dm = await client.conversations_open(users=BOB)
            await client.chat_postMessage(channel=dm["channel"]["id"], text="You have a mentee")
        except SlackApiError as e:
            errors.append(e.response["error"])
            await ack("Could not DM Bob")
            return
        await ack("Done")

    slack_fake.close_dms(BOB)
    slack = await slack_http_app_server(app)
    response = await slack.slash_command(user_id=ALICE)
    assert response.text == "Could not DM Bob"
    assert errors == ["messages_tab_disabled"]


async def test_modal_opened_with_a_users_trigger_is_attributed_and_updatable(
    slack_fake: FakeSlack,
    slack_http_app_server: ServeSlackApp,
) -> None:
    app = make_bolt_app(slack_fake, process_before_response=True)
    modal = {
        "type": "modal",
        "callback_id": "profile_modal",
        "title": {"type": "plain_text", "text": "Your profile"},
        "blocks": [],
    }

    @app.command("/mentor")
    async def mentor(ack: AsyncAck, client: AsyncWebClient, body: dict[str, Any]) -> None:
        await ack()
        opened = await client.views_open(trigger_id=body["trigger_id"], view=modal)
        await client.views_update(
            view_id=opened["view"]["id"], hash=opened["view"]["hash"], view=modal | {"private_metadata": "v2"}
        )
        with pytest.raises(SlackApiError) as stale:  # the old hash is now out of date
            await client.views_update(view_id=opened["view"]["id"], hash=opened["view"]["hash"], view=modal)
        assert stale.value.response["error"] == "hash_conflict"

    slack = await slack_http_app_server(app)
    assert (await slack.slash_command(user_id=BOB)).status == 200
    [opened] = slack_fake.modals_of(BOB)
    assert opened.view["callback_id"] == "profile_modal" and opened.view["private_metadata"] == "v2"
    assert slack_fake.methods_called[-3:] == ["views.open", "views.update", "views.update"]


async def test_respond_replace_original_edits_the_clicked_message(
    slack_fake: FakeSlack,
    slack_http_app_server: ServeSlackApp,
) -> None:
    app = make_bolt_app(slack_fake)
    posted = await app.client.chat_postMessage(channel=BOB, text="Join the round?")

    @app.action("join_round")
    async def join(ack: AsyncAck, respond: AsyncRespond) -> None:
        await ack()
        await respond(text="You joined round 7", replace_original=True)

    slack = await slack_http_app_server(app)
    await slack.block_actions(action_id="join_round", user_id=BOB, message=posted["message"])
    post = await slack_fake.wait_for_response_post()
    assert post.replace_original and post.text == "You joined round 7"
    assert slack_fake.messages[(posted["channel"], posted["ts"])]["text"] == "You joined round 7"
    assert [m.kind for m in slack_fake.messages_seen_by(BOB)] == ["dm", "response_url"]


# --------------------------------------------------------------------------------------------------
# Socket Mode


async def test_socket_mode_round_trip(slack_fake: FakeSlack) -> None:
    app = AsyncApp(client=slack_fake.web_client())  # Socket Mode needs no signing secret

    @app.command("/mentor")
    async def mentor(ack: AsyncAck, command: dict[str, Any]) -> None:
        await ack(f"Hi {command['user_name']}, {command['text']}")

    @app.view("profile_modal")
    async def save_profile(ack: AsyncAck) -> None:
        await ack(response_action="errors", errors={"bio": "Required"})

    handler = AsyncSocketModeHandler(app, app_token=APP_TOKEN)
    try:
        await handler.connect_async()  # type: ignore[no-untyped-call]
        await slack_fake.socket_mode.wait_connected()
        assert slack_fake.socket_mode.sent[0]["type"] == "hello"
        opened = slack_fake.calls_to("apps.connections.open")
        assert len(opened) == 1 and opened[0].token == APP_TOKEN

        ack = await slack_fake.socket_mode.push_and_wait_ack(slash_command(text="ready?", user_name="alice"))
        assert ack.payload == {"text": "Hi alice, ready?"}
        envelope = slack_fake.socket_mode.sent[1]
        assert envelope["type"] == "slash_commands" and envelope["accepts_response_payload"] is True
        assert ack.envelope_id == envelope["envelope_id"]

        submitted = await slack_fake.socket_mode.push_and_wait_ack(
            view_submission(callback_id="profile_modal")
        )
        assert submitted.payload == {"response_action": "errors", "errors": {"bio": "Required"}}
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]


async def test_socket_mode_events_api_envelope_via_fixture(
    slack_fake: FakeSlack,
    slack_socket_mode_connect: ConnectSocketMode,
) -> None:
    app = AsyncApp(client=slack_fake.web_client())
    retry_nums: list[list[str]] = []

    @app.event("app_home_opened")
    async def home(event: dict[str, Any], client: AsyncWebClient, request: AsyncBoltRequest) -> None:
        retry_nums.append(list(request.headers.get("x-slack-retry-num", [])))
        await client.views_publish(user_id=event["user"], view={"type": "home", "blocks": []})

    await slack_socket_mode_connect(app)
    ack = await slack_fake.socket_mode.push_and_wait_ack(app_home_opened(user_id=BOB), retry_attempt=2)
    assert ack.payload is None  # events are acked with the envelope id alone
    assert slack_fake.socket_mode.sent[-1]["accepts_response_payload"] is False
    await slack_fake.wait_for_call("views.publish")
    assert slack_fake.home_view_of(BOB) is not None
    assert retry_nums == [["2"]]


# --------------------------------------------------------------------------------------------------
# Slack's limits


def _section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


async def test_web_api_refuses_blocks_over_slacks_limits(slack_fake: FakeSlack) -> None:
    client = slack_fake.web_client()
    button = {"type": "button", "text": {"type": "plain_text", "text": "b" * 76}, "action_id": "a" * 256}
    refused: list[tuple[list[dict[str, Any]], list[str]]] = [
        ([_section("x")] * 51, ["no more than 50 items allowed [json-pointer:/blocks]"]),
        ([_section("x" * 3001)], ["must be less than 3001 characters [json-pointer:/blocks/0/text/text]"]),
        (
            [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}],
            ["must be less than 2001 characters [json-pointer:/blocks/0/fields/0/text]"],
        ),
        (
            [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
            ["must be less than 151 characters [json-pointer:/blocks/0/text/text]"],
        ),
        (
            [{"type": "actions", "block_id": "i" * 256, "elements": [button]}],
            [
                "must be less than 256 characters [json-pointer:/blocks/0/block_id]",
                "must be less than 256 characters [json-pointer:/blocks/0/elements/0/action_id]",
                "must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]",
            ],
        ),
        (
            [{"type": "divider", "block_id": "same"}, _section("x", block_id="same")],
            ["Block ID needs to be unique [json-pointer:/blocks/1/block_id]"],
        ),
    ]
    for blocks, problems in refused:
        for method, args in (("chat.postMessage", {}), ("chat.postEphemeral", {"user": ALICE})):
            with pytest.raises(SlackApiError) as error:
                await client.api_call(method, json={"channel": ALICE, "text": "t", "blocks": blocks, **args})
            answer = error.value.response
            assert (answer["error"], answer["errors"]) == ("invalid_blocks", problems)
            assert answer["response_metadata"]["messages"] == [f"[ERROR] {p}" for p in problems]
    assert slack_fake.messages == {} and slack_fake.seen == []

    at_the_limits = [_section("x" * 3000, block_id="b" * 255)] + [{"type": "divider"}] * 49
    posted = await client.chat_postMessage(channel=ALICE, text="t", blocks=at_the_limits)
    with pytest.raises(SlackApiError) as update:
        await client.chat_update(channel=posted["channel"], ts=posted["ts"], text="t", blocks=[_section("")])
    assert update.value.response["errors"] == ["must be more than 0 characters [json-pointer:/blocks/0/text/text]"]
    assert slack_fake.messages[(posted["channel"], posted["ts"])]["blocks"] == at_the_limits


async def test_text_over_40000_characters_is_truncated_with_a_warning(slack_fake: FakeSlack) -> None:
    client = slack_fake.web_client()
    posted = await client.chat_postMessage(channel=ALICE, text="x" * 40_001)
    assert posted["ok"] and posted["response_metadata"]["warnings"] == ["message_truncated"]
    assert posted["message"]["text"] == "x" * 40_000
    ephemeral = await client.chat_postEphemeral(channel=ALICE, user=ALICE, text="y" * 40_001)
    assert ephemeral["warning"] == "message_truncated"
    updated = await client.chat_update(channel=posted["channel"], ts=posted["ts"], text="z" * 40_001)
    assert updated["text"] == "z" * 40_000
    assert [len(m.text or "") for m in slack_fake.messages_seen_by(ALICE)] == [40_000] * 3
    assert len(slack_fake.calls_to("chat.postMessage")[0].params["text"]) == 40_001  # as the app sent it
    exact = await client.chat_postMessage(channel=ALICE, text="x" * 40_000)
    assert "warning" not in exact.data and "response_metadata" not in exact.data


async def test_views_over_slacks_limits_are_invalid_arguments(slack_fake: FakeSlack) -> None:
    client = slack_fake.web_client()
    modal = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "t" * 25},
        "submit": {"type": "plain_text", "text": "s" * 25},
        "close": {"type": "plain_text", "text": "c" * 25},
        "private_metadata": "m" * 3001,
        "blocks": [{"type": "divider"}] * 101,
    }
    with pytest.raises(SlackApiError) as opened:
        await client.views_open(trigger_id=slack_fake.new_trigger_id(ALICE), view=modal)
    assert opened.value.response["error"] == "invalid_arguments"
    assert opened.value.response["response_metadata"]["messages"] == [
        "[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]",
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]",
        "[ERROR] must be less than 25 characters [json-pointer:/view/submit/text]",
        "[ERROR] must be less than 25 characters [json-pointer:/view/close/text]",
        "[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]",
    ]
    fits = {**modal, "title": {"type": "plain_text", "text": "t" * 24}, "blocks": [{"type": "divider"}] * 100}
    fits |= {"submit": {"type": "plain_text", "text": "s" * 24}, "close": None, "private_metadata": "m" * 3000}
    view = (await client.views_open(trigger_id=slack_fake.new_trigger_id(ALICE), view=fits))["view"]
    with pytest.raises(SlackApiError) as updated:
        await client.views_update(view_id=view["id"], view={**fits, "blocks": [_section("x" * 3001)]})
    assert updated.value.response["response_metadata"]["messages"] == [
        "[ERROR] must be less than 3001 characters [json-pointer:/view/blocks/0/text/text]"
    ]
    home = {"type": "home", "blocks": [{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}]}
    with pytest.raises(SlackApiError) as published:
        await client.views_publish(user_id=ALICE, view=home)
    assert published.value.response["response_metadata"]["messages"] == [
        "[ERROR] failed to match all allowed schemas [json-pointer:/view/blocks/0/text]"
    ]
    assert [v.view["blocks"] for v in slack_fake.views.values()] == [fits["blocks"]]


async def test_trigger_id_expires_three_seconds_after_it_was_issued(slack_fake: FakeSlack) -> None:
    client = slack_fake.web_client()
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Profile"}, "blocks": []}
    slack_fake.trigger_id_lifetime = 0.2
    late = slack_fake.new_trigger_id(ALICE)
    on_time = slack_fake.new_trigger_id(ALICE)
    assert (await client.views_open(trigger_id=on_time, view=modal))["ok"]
    await asyncio.sleep(0.25)
    with pytest.raises(SlackApiError) as expired:
        await client.views_open(trigger_id=late, view=modal)
    assert expired.value.response["error"] == "expired_trigger_id"
    assert len(slack_fake.modals_of(ALICE)) == 1
    assert FakeSlack().trigger_id_lifetime == 3.0


async def test_response_url_takes_five_posts_within_thirty_minutes(slack_fake: FakeSlack) -> None:
    hook = AsyncWebhookClient(slack_fake.new_response_url(ALICE, DEFAULT_CHANNEL_ID))
    for n in range(5):
        assert (await hook.send(text=f"post {n}")).status_code == 200
    used = await hook.send(text="sixth")
    assert (used.status_code, used.body) == (404, "used_url")
    invalid = await AsyncWebhookClient(slack_fake.new_response_url(ALICE)).send(text="t", blocks=[_section("")])
    assert (invalid.status_code, invalid.body) == (400, "invalid_blocks")
    long = await AsyncWebhookClient(slack_fake.new_response_url(ALICE)).send(text="x" * 40_001)
    assert long.status_code == 200
    slack_fake.response_url_lifetime = 0.0
    expired = await AsyncWebhookClient(slack_fake.new_response_url(ALICE)).send(text="late")
    assert (expired.status_code, expired.body) == (404, "expired_url")
    assert [p.text for p in slack_fake.response_posts] == [f"post {n}" for n in range(5)] + ["x" * 40_000]
    assert [(p.status, p.error) for p in slack_fake.refused_response_posts] == [
        (404, "used_url"),
        (400, "invalid_blocks"),
        (404, "expired_url"),
    ]
    assert len(slack_fake.messages_seen_by(ALICE)) == 6
