"""Session 45: a suggested address with square brackets. ``https://www.example.org/crisis-guide](https://evil.example/sign)``
suggested with the title ``[Mentorship agreement: …`` made, once approved, a Discord masked link to evil.example in
every introduction of its skill. Now `check_url` refuses an address holding ``[`` or ``]`` with a message saying
why (an address with parentheses, Wikipedia's, is taken), and an address stored before is shown with its brackets
percent-encoded, its title opening no bracket it does not close: on both engines."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.courses import url_key
from mentorbot.errors import UserError
from mentorbot.i18n import translator
from mentorbot.replies import Reply
from mentorbot.storage.store import SuggestionStatus
from mentorbot.usecases.curation import check_url
from tests.usecases.conftest import COMMUNITY, offer_id, to

Who = Callable[..., Caller]
MASKED_WEB_LINK = re.compile(r"\[[^\]]*\]\(\s*<?https?://")
TITLE = "[Mentorship agreement: both of you sign it before the first call"
URL = "https://www.example.org/crisis-guide](https://evil.example/sign)"


def everything(reply: Reply) -> str:
    return "\n".join([reply.text, reply.title or "", *(f"{f.name}\n{f.value}" for f in reply.fields)])


@pytest.mark.parametrize(
    "url",
    [
        URL,
        "https://www.example.org/guide?x[]=1",
        "https://www.example.org/[guide]",
        "<https://www.example.org/crisis-guide](https://evil.example/sign)>",
        "https://www.example.org/a]",
    ],
)
def test_an_address_with_square_brackets_is_refused(url: str) -> None:
    with pytest.raises(UserError) as refused:
        check_url(url)
    assert refused.value.key == "curation.url_brackets"


@pytest.mark.parametrize(
    "url",
    [
        "https://en.wikipedia.org/wiki/Crisis_(disambiguation)",
        "https://www.example.org/guide_(2nd_edition)/part(1)",
        "https://www.example.org/guide%5B1%5D",
    ],
)
def test_an_address_with_parentheses_or_encoded_brackets_is_taken(url: str) -> None:
    assert check_url(url) == url


@pytest.mark.parametrize("url", ["https://www.example.org/a b", "https://www.example.org/a\tb"])
def test_an_address_with_a_space_is_still_refused(url: str) -> None:
    with pytest.raises(UserError) as refused:
        check_url(url)
    assert refused.value.key == "curation.bad_url"


@pytest.mark.parametrize("lang", ["en", "sw"])
async def test_the_refusal_says_why_and_makes_no_link(bot: MentorBot, who: Who, lang: str) -> None:
    await bot.set_language(who("zed"), language=lang)
    refused = await bot.suggest_course(who("zed"), url=URL, skills="crisis-communications", title=TITLE)
    assert refused.error is not None and refused.error.key == "curation.url_brackets"
    assert refused.reply.text == translator(lang)("curation.url_brackets")
    assert "[" in refused.reply.text and "]" in refused.reply.text  # it names the characters
    assert not MASKED_WEB_LINK.search(refused.reply.text)
    assert await bot.store.list_suggestions(COMMUNITY, SuggestionStatus.PENDING) == []


async def test_a_wikipedia_address_is_suggested(bot: MentorBot, who: Who) -> None:
    url = "https://en.wikipedia.org/wiki/Crisis_(disambiguation)"
    said = await bot.suggest_course(who("zed"), url=url, skills="crisis-communications", title="Crisis (Wikipedia)")
    assert said.error is None, said.reply.text
    [stored] = await bot.store.list_suggestions(COMMUNITY, SuggestionStatus.PENDING)
    assert stored.url == url


async def test_a_suggestion_stored_before_makes_no_masked_link(bot: MentorBot, who: Who) -> None:
    """A row queued before `check_url` refused brackets: the queue, `/courses` and both introductions show its
    address with ``%5B``/``%5D`` and its title's lone ``[`` neutralised."""
    await bot.courses(who("zed"))  # Zed is a member
    zed = await bot.store.find_member(COMMUNITY, "U-zed")
    assert zed is not None
    made = await bot.store.suggest_course(
        COMMUNITY,
        zed.id,
        url=URL,
        url_key=url_key(URL),
        title=TITLE,
        skills=["paid-social"],
        note="",
        now=bot.core.clock.now(),
    )
    assert made is not None
    shown = "https://www.example.org/crisis-guide%5D(https://evil.example/sign)"
    queue = await bot.admin_courses(who("admin"))
    assert shown in everything(queue.reply) and URL not in everything(queue.reply)
    await bot.admin_decide_suggestion(who("admin"), suggestion_id=made.id, approve=True)
    listed = await bot.courses(who("amina"), skills="paid-social")
    assert shown in everything(listed.reply)
    assert not MASKED_WEB_LINK.search(everything(listed.reply))
    await bot.signup(who("chao"), skills="paid-social", levels="expert")
    [offer] = to(await bot.request(who("amina"), skills="paid social"), "chao")
    accepted = await bot.accept(who("chao"), offer_id=offer_id(offer))
    for name in ("amina", "chao"):
        [intro] = to(accepted, name)
        text = everything(intro.reply)
        assert "Mentorship agreement" in text and shown in text, text
        assert not MASKED_WEB_LINK.search(text), text
