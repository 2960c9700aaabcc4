"""Done when: a mentorship goes from `/mentor signup` to `/mentor end` entirely through signed HTTP requests,
and every message the fake Web API received is what a member would see."""

from __future__ import annotations

import pytest

from mentorbot.models import MentorshipStatus
from tests.slack.conftest import (
    ALICE,
    BOB,
    EN,
    Workspace,
    number_state,
    skills_state,
    text_state,
    unescape,
)


@pytest.mark.parametrize("answer_in_ack", [1.0, 0.0], ids=["answer-in-ack", "answer-after-ack"])
async def test_a_mentorship_from_signup_to_end_over_signed_http(workspace: Workspace, answer_in_ack: float) -> None:
    """In both modes: commands answered in their acknowledgement (the default) or through their response_url."""
    ws = workspace
    ws.adapter.answer_budget = answer_in_ack
    answered = "ack" if answer_in_ack else "response_url"

    # Bob types /mentor signup: the command is acknowledged with an empty 200 and a modal opens.
    ack = await ws.mentor(BOB, "signup")
    assert (ack.status, ack.text) == (200, "")
    [modal] = ws.fake.modals_of(BOB)
    assert modal.view["callback_id"] == "mentorbot:signup"
    assert modal.view["title"]["text"] == EN("slack.modal.signup_title")

    submitted = await ws.submit(
        BOB,
        modal.view,
        {
            "skills": skills_state("seo", "copywriting"),
            "levels": text_state("expert"),
            "capacity": number_state("2"),
            "bio": text_state("Ten years of SEO for <b>NGOs</b> & startups"),
        },
    )
    assert (submitted.status, submitted.text) == (200, "")  # an empty ack closes the modal
    [welcome] = ws.texts(BOB)
    assert EN("signup.created") in welcome and "SEO (expert)" in welcome

    # Alice asks for a mentor in the channel; Bob gets the offer by DM with Accept and Decline buttons.
    await ws.mentor(ALICE, "request skills:seo note:launching our new site")
    [offered] = ws.texts(ALICE)
    assert offered.startswith(EN("request.offered", id=1, skills="SEO"))
    [offer_dm] = ws.dms(BOB)
    assert unescape(offer_dm["text"]).startswith(EN("offer.title", id=1))
    assert EN("offer.text", mentee=f"<@{ALICE}>") in unescape(offer_dm["text"])
    assert "launching our new site" in unescape(offer_dm["text"])

    # Bob accepts with one click: the offer message becomes its outcome; both are introduced.
    await ws.click(BOB, offer_dm, "offer.accept")
    [update] = ws.calls("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (ws.fake.dm_channel_of(BOB), offer_dm["ts"])
    [accepted_dm, intro_for_bob] = ws.dms(BOB)
    assert unescape(accepted_dm["text"]).startswith(EN("offer.title", id=1) + "\n" + EN("offer.accepted", id=1))
    assert "actions" not in {b["type"] for b in accepted_dm["blocks"]}, "the buttons are gone"
    assert EN("intro.text_mentor", other=f"<@{ALICE}>", id=1) in unescape(intro_for_bob["text"])
    [intro_for_alice] = ws.dms(ALICE)
    intro_text = unescape(intro_for_alice["text"])
    assert EN("intro.text_mentee", other=f"<@{BOB}>", id=1) in intro_text
    assert "Ten years of SEO for <b>NGOs</b> & startups" in intro_text

    # Alice's status, then she ends the mentorship with feedback; Bob is told.
    await ws.mentor(ALICE, "status")
    status = ws.texts(ALICE)[-1]
    assert EN("status.mentorship_line", id=1, role=EN("status.role_mentee"), other=f"<@{BOB}>", skills="SEO",
              since="2026-01-05") in status
    await ws.mentor(ALICE, "end rating:5 comment:Really helpful")
    assert ws.texts(ALICE)[-1] == EN("end.done", id=1)
    assert unescape(ws.dms(BOB)[-1]["text"]).startswith(EN("end.notice", id=1) + "\n")
    mentorship = await ws.bot.store.get_mentorship(1)
    assert mentorship is not None and mentorship.status is MentorshipStatus.ENDED

    # Everything each member saw, in order, how it reached them, and how it begins.
    assert ws.kinds(BOB) == ["response_url", "dm", "update", "dm", "dm"]
    assert [t.splitlines()[0] for t in ws.texts(BOB)] == [
        EN("signup.title"),
        EN("offer.title", id=1),
        EN("offer.title", id=1),
        EN("intro.title"),
        EN("end.notice", id=1),
    ]
    assert ws.texts(BOB)[2] == EN("offer.title", id=1) + "\n" + EN("offer.accepted", id=1)
    assert ws.kinds(ALICE) == [answered, "dm", answered, answered]
    assert [t.splitlines()[0] for t in ws.texts(ALICE)] == [
        EN("request.offered", id=1, skills="SEO"),
        EN("intro.title"),
        EN("status.title", name="alice"),
        EN("end.done", id=1),
    ]
    assert ws.texts(ALICE)[1] == unescape(intro_for_alice["text"])
    # Every Web API call is one of these, and every message call succeeded.
    assert set(ws.fake.methods_called) <= {
        "auth.test",
        "users.info",
        "views.open",
        "views.publish",
        "chat.postMessage",
        "chat.update",
    }
    assert all(c.ok for c in ws.fake.calls), [c for c in ws.fake.calls if not c.ok]
    # No text anywhere is exception text or a raw message key.
    for user in (ALICE, BOB):
        for text in ws.texts(user):
            assert "Traceback" not in text and "offer.text" not in text

    # The App Home of both shows the state after the last change.
    assert EN("status.none") in ws.home_text(ALICE)
    assert EN("status.title", name="bob") in ws.home_text(BOB)
