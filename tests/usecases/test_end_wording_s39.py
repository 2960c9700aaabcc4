"""What a member is told after a mentorship ends (session 39), on both engines.

Before: the other party's notice said "ended" twice, "Mentorship #1 has been ended by your partner. Thank you for
taking part!" then "Mentorship #1 with <@U-amina> has ended. How did it go? …" (the same after `end.notice_admin`
and `end.mentee_left`, in English and Swahili). Now the feedback ask that follows a line saying it ended is
``feedback.asked_after``: which mentorship, with whom, and how to rate it, without saying again that it ended.
And `/mentor end comment:"…"` with no rating, after the partner had ended it, kept the comment but answered only
"Mentorship #1 has already ended. Would you rate it?…": now the answer says the comment was kept, and how to add the
rating (``end.comment_kept``).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.i18n import Translator, translator
from mentorbot.replies import Notification
from mentorbot.storage.store import Store
from tests.usecases.conftest import offer_id, to

Who = Callable[..., Caller]
EN = translator("en")
SW = translator("sw")
LANGS = {"en": EN, "sw": SW}
AMINA = "<@U-amina>"
BARAKA = "<@U-baraka>"


async def _matched(bot: MentorBot, who: Who) -> None:
    """Mentorship #1: Baraka mentors Amina."""
    await bot.signup(who("baraka"), skills="seo", capacity=2)
    offered = await bot.request(who("amina"), skills="seo")
    accepted = await bot.accept(who("baraka"), offer_id=offer_id(to(offered, "baraka")[0]))
    assert accepted.error is None


def _notice(notes: list[Notification]) -> Notification:
    """The one notice with the feedback button among a member's notifications."""
    [notice] = [n for n in notes if any(b.action == "feedback.open" for b in n.reply.buttons)]
    return notice


def _said_once(t: Translator, told: str, other: str, text: str) -> None:
    """`text` is the line `told` then the feedback ask naming mentorship #1 and `other`, with no second "ended"."""
    assert text.splitlines() == [told, t("feedback.asked_after", id=1, other=other)]
    assert t("feedback.asked", id=1, other=other) not in text
    assert other in text and "#1" in text.splitlines()[1]


# ------------------------------------------------------------------------------- 1. the other party's notice


@pytest.mark.parametrize("lang", ["en", "sw"])
async def test_the_partner_is_told_once_that_it_ended(bot: MentorBot, who: Who, lang: str) -> None:
    t = LANGS[lang]
    await _matched(bot, who)
    await bot.set_language(who("baraka"), language=lang)
    ended = await bot.end(who("amina"), rating=5)
    notice = _notice(to(ended, "baraka"))
    _said_once(t, t("end.notice", id=1), AMINA, notice.reply.text)
    assert [b.action for b in notice.reply.buttons] == ["feedback.open"]
    if lang == "en":
        assert notice.reply.text.count("ended") == 1, notice.reply.text
        assert "has ended" not in notice.reply.text
    else:
        assert "umekwisha" not in notice.reply.text, notice.reply.text


@pytest.mark.parametrize("lang", ["en", "sw"])
async def test_both_parties_are_told_once_that_an_admin_ended_it(bot: MentorBot, who: Who, lang: str) -> None:
    t = LANGS[lang]
    await _matched(bot, who)
    await bot.set_language(who("amina"), language=lang)
    await bot.set_language(who("baraka"), language=lang)
    ended = await bot.admin_end(who("admin", is_admin=True), mentorship_id=1)
    assert ended.error is None
    _said_once(t, t("end.notice_admin", id=1), BARAKA, _notice(to(ended, "amina")).reply.text)
    _said_once(t, t("end.notice_admin", id=1), AMINA, _notice(to(ended, "baraka")).reply.text)


@pytest.mark.parametrize("lang", ["en", "sw"])
async def test_the_mentor_of_a_mentee_who_left_is_told_once(bot: MentorBot, who: Who, lang: str) -> None:
    t = LANGS[lang]
    await _matched(bot, who)
    await bot.set_language(who("baraka"), language=lang)
    gone = await bot.forget(who("amina"), confirm=True)
    assert gone.error is None
    text = _notice(to(gone, "baraka")).reply.text
    _said_once(t, t("end.mentee_left", id=1), t("common.member_left"), text)


def test_the_ask_after_keeps_the_promise_and_says_no_end() -> None:
    """The form after an end line still says who reads a rating (only admins, not the partner), and no "ended"."""
    en = EN("feedback.asked_after", id=1, other=AMINA)
    sw = SW("feedback.asked_after", id=1, other=AMINA)
    assert "partner" in en and "mwenzako" in sw
    assert "ended" not in en and "umekwisha" not in sw
    assert "/mentor feedback 1" in en and "/mentor feedback 1" in sw


# ------------------------------------------------------------------------- 2. a late comment with no rating


@pytest.mark.parametrize("lang", ["en", "sw"])
@pytest.mark.parametrize("numbered", [True, False])
async def test_a_late_comment_alone_is_said_to_be_kept(
    bot: MentorBot, who: Who, store: Store, lang: str, numbered: bool
) -> None:
    t = LANGS[lang]
    await _matched(bot, who)
    await bot.set_language(who("amina"), language=lang)
    assert (await bot.end(who("baraka"), rating=4)).error is None
    late = await bot.end(who("amina"), mentorship_id=1 if numbered else None, comment="late comment")
    assert late.error is None
    assert late.reply.text == t("end.comment_kept", id=1)
    assert [b.action for b in late.reply.buttons] == ["feedback.open"]
    amina = await store.find_member("test:guild", "U-amina")
    assert amina is not None
    [kept] = [f for f in await store.list_feedback() if f.author_id == amina.id]
    assert (kept.rating, kept.comment) == (None, "late comment")
    # The rating added as the answer says keeps the comment.
    rated = await bot.feedback(who("amina"), mentorship_id=1, rating=5)
    assert rated.reply.text == t("feedback.thanks", id=1)
    [given] = [f for f in await store.list_feedback() if f.author_id == amina.id]
    assert (given.rating, given.comment) == (5, "late comment")


def test_the_kept_comment_answer_says_how_to_rate() -> None:
    en = EN("end.comment_kept", id=1)
    sw = SW("end.comment_kept", id=1)
    assert "comment" in en and "kept" in en and "rating:<1-5>" in en
    assert "/mentor feedback 1 rating:<1-5>" in en and "/mentor feedback 1 rating:<1-5>" in sw
