"""Whether a feedback button's form may open is a mark on the core's answer (`Reply.form`), not a comparison of its
text with the ``feedback.form`` message: the adapters with forms (Slack, Discord) open the form exactly when the
feedback is the member's to give, and the text stays what the console shows (the command to type)."""

from __future__ import annotations

from collections.abc import Callable

from mentorbot.bot import Caller, MentorBot
from mentorbot.commands.running import form_may_open
from mentorbot.i18n import translator
from mentorbot.replies import Outcome, Reply
from tests.usecases.conftest import offer_id, to

Who = Callable[..., Caller]
EN = translator("en")


async def test_the_form_opens_only_while_the_feedback_is_the_members_to_give(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo", capacity=3)
    offered = await bot.request(who("amina"), skills="seo")
    await bot.accept(who("baraka"), offer_id=offer_id(to(offered, "baraka")[0]))
    await bot.end(who("amina"), mentorship_id=1)
    due = await bot.feedback_form(who("baraka"), mentorship_id="1")
    assert due.reply.form == "feedback" and due.reply.text == EN("feedback.form", id=1) and form_may_open(due)
    stranger = await bot.feedback_form(who("zawadi"), mentorship_id="1")
    assert stranger.error is not None and not form_may_open(stranger)
    await bot.feedback(who("baraka"), mentorship_id=1, rating="4")
    given = await bot.feedback_form(who("baraka"), mentorship_id="1")
    assert given.error is None and given.reply.form is None and not form_may_open(given)
    assert given.reply.text == EN("feedback.already", id=1)


def test_the_text_alone_does_not_open_a_form() -> None:
    """A reply that reads like the form's prompt (a stored answer replayed, or any use-case's text) opens nothing."""
    text = EN("feedback.form", id=1)
    assert not form_may_open(Outcome(Reply(text), language="en"))
    assert form_may_open(Outcome(Reply(text, form="feedback"), language="en"))
    assert not form_may_open(Outcome(Reply(text, form="feedback"), language="en", duplicate=True))
