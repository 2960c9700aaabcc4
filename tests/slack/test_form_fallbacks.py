"""When a feedback form cannot open on Slack (``views.open`` fails: the click's trigger_id expired, Slack is down),
the member is told the command that does what the button would have done: the check-in's "End and give feedback"
points to ``/mentor end`` (``/mentor feedback`` refuses an active mentorship), the feedback button to
``/mentor feedback``."""

from __future__ import annotations

from datetime import timedelta

from mentorbot.models import MentorshipStatus
from tests.slack.conftest import ALICE, BOB, EN, SW, Workspace, offered, unescape


async def _checkin(ws: Workspace) -> dict[str, object]:
    """Bob mentors Alice (mentorship #1) and gets the check-in; returns its DM."""
    offer = await offered(ws)
    await ws.click(BOB, offer, "offer.accept")
    ws.clock.advance(timedelta(days=15))
    await ws.adapter.deliver(await ws.bot.run_due_jobs())
    await ws.settle()
    checkin = ws.dms(BOB)[-1]
    assert unescape(str(checkin["text"])).startswith(EN("checkin.title"))
    return checkin


async def test_the_checkin_end_fallback_points_to_the_end_command(workspace: Workspace) -> None:
    """Before: it said "`/mentor feedback 1 rating:<1-5> comment:<text>`", which answers "Mentorship #1 is still
    active" and ends nothing."""
    ws = workspace
    checkin = await _checkin(ws)
    ws.fake.fail_next("views.open", "expired_trigger_id")
    await ws.click(BOB, checkin, "checkin.end")
    told = ws.texts(BOB)[-1]
    assert told == EN("slack.modal.end_form_failed", id=1)
    assert "`/mentor end 1 rating:<1-5> [comment:<text>]`" in told and "/mentor feedback" not in told
    await ws.mentor(BOB, "end 1 rating:4")
    mentorship = await ws.bot.store.get_mentorship(1)
    assert mentorship is not None and mentorship.status is MentorshipStatus.ENDED


async def test_the_checkin_end_fallback_speaks_the_members_language(workspace: Workspace) -> None:
    ws = workspace
    checkin = await _checkin(ws)
    await ws.mentor(BOB, "language sw")
    ws.fake.fail_next("views.open", "expired_trigger_id")
    await ws.click(BOB, checkin, "checkin.end")
    told = ws.texts(BOB)[-1]
    assert told == SW("slack.modal.end_form_failed", id=1)
    assert "`/mentor end 1 rating:<1-5> [comment:<maoni>]`" in told


async def test_the_feedback_button_fallback_still_points_to_the_feedback_command(workspace: Workspace) -> None:
    ws = workspace
    offer = await offered(ws)
    await ws.click(BOB, offer, "offer.accept")
    await ws.mentor(ALICE, "end 1")
    notice = ws.dms(BOB)[-1]
    ws.fake.fail_next("views.open", "expired_trigger_id")
    await ws.click(BOB, notice, "feedback.open")
    assert ws.texts(BOB)[-1] == EN("feedback.form", id=1)
    await ws.mentor(BOB, "feedback 1 rating:5")
    assert ws.texts(BOB)[-1] == EN("feedback.thanks", id=1)
