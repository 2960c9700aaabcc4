"""Session 40: notices held for a member, shown in a notice modal, still say what their buttons do.

A click on the App Home tab has no channel and no response_url: its answer, and the notices held for the member
with it, open a notice modal (`delivery.reply_held`). A modal shows no buttons, so before, a held offer showed no
Accept / Decline there, no command to type instead, and not the line saying why it was held. Now each held
notice is followed by the command a member types for each of its buttons (`commands.button_command`, as the
console shows them), under the held note.
"""

from __future__ import annotations

from datetime import timedelta

from mentorbot.bot import Caller
from mentorbot.commands import button_command
from mentorbot.replies import Button, ButtonStyle, Reply
from mentorbot_slack.delivery import ReplyRoute
from tests.slack.conftest import (
    ALICE,
    BOB,
    COMMUNITY,
    DAVE,
    EN,
    SW,
    Workspace,
    blocks_text,
    home_click,
    unescape,
)


def modal_texts(ws: Workspace, user: str) -> list[str]:
    return [unescape(blocks_text(modal.view["blocks"])) for modal in ws.fake.modals_of(user)]


async def test_a_held_offer_shown_in_a_notice_modal_says_the_commands_of_its_buttons(workspace: Workspace) -> None:
    """Slack failed offer #1 to Bob on every try: it is held. He declines offer #2 on his App Home: the answer and
    the held offer open in notice modals, the offer with the commands for Accept and Decline and the held note."""
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo,copywriting levels:expert capacity:2")
    tries = ws.bot.settings.delivery_attempts
    ws.fake.fail_next("chat.postMessage", "service_unavailable", status=503, times=tries)
    await ws.mentor(ALICE, "request skills:seo")
    for _ in range(tries - 1):
        ws.clock.advance(timedelta(hours=1))
        await ws.adapter.deliver(await ws.bot.undelivered(communities=["slack:"]))
    bob = await ws.member(BOB)
    assert await ws.bot.store.has_held_notices(bob.id), "offer #1 is held"
    await ws.mentor(DAVE, "request skills:copywriting")
    assert len(ws.dms(BOB)) == 1, "offer #2 reached Bob's DMs"

    await ws.send(home_click(BOB, "bob", "mentorbot:offer.decline:2", "2", ws.fake.new_trigger_id(BOB)))

    assert not await ws.bot.store.has_held_notices(bob.id), "shown"
    held = next(text for text in modal_texts(ws, BOB) if EN("offer.title", id=1) in text)
    assert EN("slack.dm.held") in held, "why they come here"
    accept, decline = "/mentor accept 1", "/mentor decline 1"
    assert EN("slack.modal.held_button", label=EN("offer.accept"), command=accept) in held
    assert EN("slack.modal.held_button", label=EN("offer.decline"), command=decline) in held
    assert held.index(EN("slack.dm.held")) < held.index(EN("offer.title", id=1)) < held.index(accept)
    assert held.index(accept) < held.index(decline), "after the notice they belong to, in its buttons' order"


async def test_the_notice_modal_says_each_notices_commands_after_it_in_the_members_language(
    workspace: Workspace,
) -> None:
    """Through the adapter's delivery and the fake Slack: two held notices, one with buttons (one of which has no
    command: it is left out), one without; the note first."""
    ws = workspace
    await ws.bot.signup(Caller(COMMUNITY, BOB, "bob"), skills="seo")
    offer = Reply(
        "Alice asks for SEO.",
        title="Offer #7",
        buttons=(
            Button("offer.accept", "7", "Kubali", ButtonStyle.PRIMARY),
            Button("offer.decline", "7", "Kataa", ButtonStyle.DANGER),
            Button("no.such.action", "7", "?"),
        ),
    )
    intro = Reply("Meet <@U0ALICE001>.", title="Intro")
    assert button_command(offer.buttons[2]) is None
    note = SW("slack.dm.held")
    route = ReplyRoute(BOB, trigger_id=ws.fake.new_trigger_id(BOB))
    await ws.adapter.delivery.reply_held(COMMUNITY, route, [offer, intro], t=SW, note=note)

    [text] = modal_texts(ws, BOB)
    accept = SW("slack.modal.held_button", label="Kubali", command="/mentor accept 7")
    decline = SW("slack.modal.held_button", label="Kataa", command="/mentor decline 7")
    assert text.index(note) < text.index("Offer #7") < text.index(accept) < text.index(decline) < text.index("Intro")
    assert "no.such.action" not in text and "?" not in text.split("Intro")[0].split(decline)[1]
    assert text.count("/mentor") == 2, "the intro has no buttons: no command after it"
