"""Socket Mode: the same adapter over the fake's websocket (no signing secret, no public URL)."""

from __future__ import annotations

from tests.fakes.slack_fixtures import ConnectSocketMode
from tests.fakes.slack_ids import APP_TOKEN, DEFAULT_CHANNEL_ID
from tests.fakes.slack_signing import app_home_opened, slash_command, view_submission
from tests.slack.conftest import ALICE, BOB, EN, Workspace, skills_state, text_state, unescape


async def test_socket_mode_round_trip(workspace: Workspace, slack_socket_mode_connect: ConnectSocketMode) -> None:
    ws = workspace
    socket = ws.fake.socket_mode
    await slack_socket_mode_connect(ws.adapter.app)
    [opened] = ws.calls("apps.connections.open")
    assert opened.token == APP_TOKEN

    command = slash_command(
        command="/mentor",
        text="signup skills:seo levels:expert",
        user_id=BOB,
        user_name="bob",
        response_url=ws.fake.new_response_url(BOB, DEFAULT_CHANNEL_ID),
        trigger_id=ws.fake.new_trigger_id(BOB),
    )
    ack = await socket.push_and_wait_ack(command)
    assert ack.payload in (None, {})  # acknowledged at once, answered through the response_url
    await ws.settle()
    assert EN("signup.created") in ws.texts(BOB)[0]

    await socket.push_and_wait_ack(
        slash_command(command="/mentor", text="signup", user_id=BOB, trigger_id=ws.fake.new_trigger_id(BOB))
    )
    await ws.settle()
    [modal] = ws.fake.modals_of(BOB)
    submitted = await socket.push_and_wait_ack(
        view_submission(
            callback_id="mentorbot:signup",
            view_id=modal.id,
            blocks=modal.view["blocks"],
            private_metadata=modal.view["private_metadata"],
            state_values={"skills": {"value": skills_state("seo")}, "levels": {"value": text_state("guru")}},
            user_id=BOB,
            user_name="bob",
        )
    )
    assert submitted.payload == {
        "response_action": "errors",
        "errors": {"levels": EN("input.bad_level", value="guru", allowed="learning, practitioner, expert")},
    }

    await socket.push_and_wait_ack(
        slash_command(
            command="/mentor",
            text="request skills:seo",
            user_id=ALICE,
            user_name="alice",
            response_url=ws.fake.new_response_url(ALICE, DEFAULT_CHANNEL_ID),
            trigger_id=ws.fake.new_trigger_id(ALICE),
        )
    )
    await ws.settle()
    [offer] = ws.dms(BOB)
    assert unescape(offer["text"]).startswith(EN("offer.title", id=1))

    before = len(ws.calls("views.publish"))
    home = await socket.push_and_wait_ack(app_home_opened(user_id=BOB, event_id="Ev0SOCKET001"), retry_attempt=0)
    assert home.payload is None  # events are acknowledged with the envelope id alone
    await ws.fake.wait_for_call("views.publish", count=before + 1)
    await ws.settle()
    assert EN("offer.accept_id", id=1) in ws.home_text(BOB)
    await socket.push_and_wait_ack(app_home_opened(user_id=BOB, event_id="Ev0SOCKET001"), retry_attempt=1)
    await ws.settle()
    assert len(ws.calls("views.publish")) == before + 1, "a redelivered envelope is handled once"
