"""Session 42: `/mentor checkin` without a mentorship number. `/mentor checkin help` (a member with one active
mentorship) answered "/mentor checkin needs its answer": `help` was taken as the mentorship. The number may be left
out now, as `/mentor end`'s may: the caller's only active mentorship; several are listed to choose from
(``checkin.which``), none is said (``checkin.nothing_active``; active ones in another server of the deployment are
named, ``elsewhere.checkin_nothing_here``). A first word that is an answer (`ok`, `help`, `sawa`…) is the answer.
Both engines."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.commands.running import run_command
from mentorbot.i18n import translator
from mentorbot.storage.store import Store
from tests.usecases.conftest import COMMUNITY, offer_id, to
from tests.usecases.test_other_community2_s33 import ANOTHER_SERVER, THIS_SERVER, B, baraka, mentoring_in

Who = Callable[..., Caller]
EN = translator("en")
SW = translator("sw")


async def _mentoring(bot: MentorBot, who: Who, mentee: str) -> int:
    """Baraka mentors `mentee`: the mentorship's id."""
    if await bot.mentor_profile(COMMUNITY, "U-baraka") is None:
        await bot.signup(who("baraka"), skills="seo", capacity="5")
    [note] = [n for n in to(await bot.request(who(mentee), skills="seo"), "baraka") if n.reply.buttons]
    accepted = await bot.accept(who("baraka"), offer_id=offer_id(note))
    assert accepted.error is None, accepted.reply.text
    return max(m.id for m in await bot.store.list_mentorships(active_only=True))


@pytest.mark.parametrize(("line", "key"), [("help", "checkin.help_sent"), ("ok", "checkin.noted")])
async def test_checkin_without_a_number_answers_the_only_active_mentorship(
    bot: MentorBot, who: Who, line: str, key: str
) -> None:
    await bot.status(who("admin"))
    mentorship = await _mentoring(bot, who, "amina")
    out = await run_command(bot, who("amina"), f"/mentor checkin {line}")
    assert out.error is None, out.reply.text
    assert out.reply.text == EN(key, id=mentorship)
    assert bool(to(out, "admin")) is (line == "help"), "the admins are told of a call for help only"


async def test_the_other_answer_words_and_the_numbered_forms_work_as_before(bot: MentorBot, who: Who) -> None:
    mentorship = await _mentoring(bot, who, "amina")
    noted = EN("checkin.noted", id=mentorship)
    for line in ("sawa", "going-well", "OK", f"{mentorship} ok", f"#{mentorship} ok", f"ok mentorship:{mentorship}"):
        out = await run_command(bot, who("amina"), f"/mentor checkin {line}")
        assert out.reply.text == noted, (line, out.reply.text)
    direct = await bot.checkin(who("baraka"), mentorship_id="", answer="ok")
    assert direct.reply.text == noted, "the mentor too; none given by a call of the core"


async def test_several_active_mentorships_are_listed_to_choose_from(bot: MentorBot, who: Who) -> None:
    first = await _mentoring(bot, who, "amina")
    second = await _mentoring(bot, who, "juma")
    out = await run_command(bot, who("baraka"), "/mentor checkin help")
    assert out.error is not None and out.error.key == "checkin.which"
    assert out.reply.text == EN("checkin.which", ids=f"#{first}, #{second}", example=second, answer="help")
    assert f"`/mentor checkin {second} help`" in out.reply.text
    assert not out.notifications, "nobody told"


async def test_none_active_is_said(bot: MentorBot, who: Who) -> None:
    out = await run_command(bot, who("amina"), "/mentor checkin ok")
    assert out.error is not None and out.error.key == "checkin.nothing_active"
    assert out.reply.text == EN("checkin.nothing_active")


async def test_none_active_here_names_those_of_another_server(bot: MentorBot, store: Store) -> None:
    await bot.status(baraka(B))
    there = await mentoring_in(bot, "discord:1000000000000000001")
    out = await bot.checkin(baraka(B), mentorship_id="", answer="ok")
    assert out.reply.text == EN(
        "elsewhere.checkin_nothing_here", count=1, ids=f"#{there.id}", here=THIS_SERVER, where=ANOTHER_SERVER
    )


async def test_a_bad_answer_is_still_told_and_an_answer_still_needed(bot: MentorBot, who: Who) -> None:
    await _mentoring(bot, who, "amina")
    assert (await run_command(bot, who("amina"), "/mentor checkin 1 maybe")).reply.text == EN(
        "checkin.bad_answer", value="maybe"
    )
    missing = await run_command(bot, who("amina"), "/mentor checkin")
    assert missing.error is not None and missing.error.key == "commands.missing_argument"
    assert "answer" in missing.reply.text


def test_the_new_texts_exist_in_both_languages() -> None:
    for t in (EN, SW):
        which = t("checkin.which", ids="#1, #2", example=2, answer="help")
        assert "#1, #2" in which and "`/mentor checkin 2 help`" in which
        assert t("checkin.nothing_active")
        for count in (1, 2):
            text = t("elsewhere.checkin_nothing_here", count=count, ids="#3", here="h", where="w")
            assert "#3" in text and "/mentor checkin" in text
    params = {"ids": "#1", "example": 1, "answer": "ok"}
    assert EN("checkin.which", **params) != SW("checkin.which", **params)
