"""Session 42: a member mention typed into a suggested resource's address (``…?by=<@id>``, Slack's ``<@U…>``, a role's
``<@&id>``) was accepted as typed and shown raw in the admins' review queue, ``/courses`` and introductions: a live
mention of that member on every reader's screen. Now `check_url` percent-encodes ``<`` and ``>`` (``%3C``, ``%3E``:
the link still opens the same page), and a suggestion stored before is shown encoded the same way
(`text_safety.defuse_url`), on both engines."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.courses import url_key
from mentorbot.i18n import translator
from mentorbot.replies import Reply
from mentorbot.storage.store import SuggestionStatus
from mentorbot.usecases.curation import check_url
from tests.usecases.conftest import COMMUNITY, offer_id, to

Who = Callable[..., Caller]
EN = translator("en")
TYPED = "https://www.example.org/guide?by=<@123456789012345678>&x=1"
SHOWN = "https://www.example.org/guide?by=%3C@123456789012345678%3E&x=1"


def everything(reply: Reply) -> str:
    return "\n".join([reply.text, reply.title or "", *(f"{f.name}\n{f.value}" for f in reply.fields)])


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        (TYPED, SHOWN),
        ("https://example.org/<@U0CAROL01>/notes", "https://example.org/%3C@U0CAROL01%3E/notes"),
        ("https://example.org/notes#<@&42>.", "https://example.org/notes#%3C@&42%3E."),
        ("<https://example.org/notes>", "https://example.org/notes"),  # Discord's no-preview form: as before
    ],
)
def test_an_address_is_kept_with_its_angle_brackets_encoded(typed: str, shown: str) -> None:
    assert check_url(typed) == shown


async def test_a_mention_in_a_suggested_address_is_shown_inert_everywhere(bot: MentorBot, who: Who) -> None:
    typed, shown = TYPED.replace("guide", "paid-social"), SHOWN.replace("guide", "paid-social")
    said = await bot.suggest_course(who("zed"), url=typed, skills="paid-social", title="Paid social notes")
    assert said.error is None, said.reply.text
    [stored] = await bot.store.list_suggestions(COMMUNITY, SuggestionStatus.PENDING)
    assert stored.url == shown
    queue = await bot.admin_courses(who("admin"))
    assert "<@123456789012345678>" not in everything(queue.reply)
    assert shown in everything(queue.reply)
    await bot.admin_decide_suggestion(who("admin"), suggestion_id=1, approve=True)
    listed = await bot.courses(who("amina"), skills="paid-social")
    assert shown in everything(listed.reply)
    assert "<@123456789012345678>" not in everything(listed.reply)
    await bot.signup(who("chao"), skills="paid-social", levels="expert")
    [offer] = to(await bot.request(who("amina"), skills="paid social"), "chao")
    accepted = await bot.accept(who("chao"), offer_id=offer_id(offer))
    for name in ("amina", "chao"):
        [intro] = to(accepted, name)
        assert shown in intro.reply.plain_text
        assert "<@123456789012345678>" not in intro.reply.plain_text


async def test_a_refusal_quotes_the_address_encoded(bot: MentorBot, who: Who) -> None:
    """A refused address is quoted to the member who typed it: a mention in it would still ping on Discord."""
    for url in ("https://bit.ly/<@123456789012345678>x", "https://example.org/search?q=<@123456789012345678>x"):
        refused = await bot.suggest_course(who("zed"), url=url, skills="seo", title="Guide")
        assert refused.error is not None
        assert "<@123456789012345678>" not in refused.reply.text
        assert "%3C@123456789012345678%3E" in refused.reply.text


async def test_a_suggestion_stored_before_is_shown_encoded(bot: MentorBot, who: Who) -> None:
    """A row queued or approved before `check_url` encoded the brackets is shown encoded in the queue and lists."""
    await bot.courses(who("zed"))  # Zed is a member
    zed = await bot.store.find_member(COMMUNITY, "U-zed")
    assert zed is not None
    raw = "https://example.org/old-notes?by=<@U0CAROL01>"
    shown = "https://example.org/old-notes?by=%3C@U0CAROL01%3E"
    made = await bot.store.suggest_course(
        COMMUNITY,
        zed.id,
        url=raw,
        url_key=url_key(raw),
        title="Old notes",
        skills=["paid-social"],
        note="",
        now=bot.core.clock.now(),
    )
    assert made is not None
    queue = await bot.admin_courses(who("admin"))
    assert "<@U0CAROL01>" not in everything(queue.reply) and shown in everything(queue.reply)
    await bot.admin_decide_suggestion(who("admin"), suggestion_id=made.id, approve=True)
    listed = await bot.courses(who("amina"), skills="paid-social")
    assert "<@U0CAROL01>" not in everything(listed.reply) and shown in everything(listed.reply)
