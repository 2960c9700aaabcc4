"""Session 46 (/tmp/hunt/s45-review/test_bracket_duplicate.py): an address approved with raw square brackets
(before session 45) is shown with them percent-encoded, and a member told to type ``%5B``/``%5D`` does; that form is
now the same page (`courses.url_key`), not a new suggestion of it. Both engines."""

from __future__ import annotations

from collections.abc import Callable

from mentorbot.bot import Caller, MentorBot
from mentorbot.courses import url_key
from mentorbot.storage.store import SuggestionStatus
from tests.usecases.conftest import COMMUNITY

Who = Callable[..., Caller]
RAW = "https://www.example.org/guide?tags[]=seo"
ENCODED = "https://www.example.org/guide?tags%5B%5D=seo"


async def _stored(bot: MentorBot, who: Who, url: str, key: str) -> int:
    """A suggestion of `url` stored under `key` (as an earlier release keyed it); its id."""
    await bot.courses(who("zed"))
    zed = await bot.store.find_member(COMMUNITY, "U-zed")
    assert zed is not None
    made = await bot.store.suggest_course(
        COMMUNITY,
        zed.id,
        url=url,
        url_key=key,
        title="SEO tags guide",
        skills=["seo"],
        note="",
        now=bot.core.clock.now(),
    )
    assert made is not None
    return made.id


async def _stored_raw(bot: MentorBot, who: Who) -> int:
    """A suggestion of `RAW` stored as before session 45 (its key from the raw address); its id."""
    return await _stored(bot, who, RAW, url_key(RAW))


async def test_the_encoded_form_of_an_approved_address_is_the_same_page(bot: MentorBot, who: Who) -> None:
    made = await _stored_raw(bot, who)
    await bot.admin_decide_suggestion(who("admin"), suggestion_id=made, approve=True)
    listed = await bot.courses(who("amina"), skills="seo")
    assert ENCODED in "\n".join(f"{f.name}\n{f.value}" for f in listed.reply.fields)  # what members see and copy
    raw_again = await bot.suggest_course(who("amina"), url=RAW, skills="seo", title="Tags guide")
    assert raw_again.error is not None and raw_again.error.key == "curation.url_brackets"  # told to type %5B %5D
    again = await bot.suggest_course(who("amina"), url=ENCODED, skills="seo", title="Tags guide")
    assert again.error is not None, again.reply.text
    assert await bot.store.list_suggestions(COMMUNITY, SuggestionStatus.PENDING) == []


async def test_the_encoded_form_of_a_pending_address_is_the_same_suggestion(bot: MentorBot, who: Who) -> None:
    await _stored_raw(bot, who)
    again = await bot.suggest_course(who("amina"), url=ENCODED.replace("%5D", "%5d"), skills="seo", title="Tags")
    assert again.error is not None, again.reply.text
    assert len(await bot.store.list_suggestions(COMMUNITY, SuggestionStatus.PENDING)) == 1


LEGACY_KEY = "example.org/guide?tags%5B%5D=seo"
"""`ENCODED`'s key as stored before session 46 read ``%5B``/``%5D`` as brackets (its review: the same address typed
again was a new suggestion of the page, listed twice once both were approved)."""


async def _stored_encoded(bot: MentorBot, who: Who) -> int:
    """A suggestion of `ENCODED` stored under its key of before session 46; its id."""
    assert url_key(ENCODED, brackets=False) == LEGACY_KEY
    return await _stored(bot, who, ENCODED, LEGACY_KEY)


async def test_an_address_suggested_encoded_before_is_still_pending(bot: MentorBot, who: Who) -> None:
    await _stored_encoded(bot, who)
    again = await bot.suggest_course(who("amina"), url=ENCODED, skills="seo", title="Tags guide")
    assert again.error is not None and again.error.key == "curation.already_pending", again.reply.text
    assert len(await bot.store.list_suggestions(COMMUNITY, SuggestionStatus.PENDING)) == 1


async def test_an_address_suggested_encoded_before_and_approved_is_listed_once(bot: MentorBot, who: Who) -> None:
    made = await _stored_encoded(bot, who)
    await bot.admin_decide_suggestion(who("admin"), suggestion_id=made, approve=True)
    again = await bot.suggest_course(who("amina"), url=ENCODED, skills="seo", title="Tags guide")
    assert again.error is not None and again.error.key == "curation.already_approved", again.reply.text
    assert not await bot.store.list_suggestions(COMMUNITY, SuggestionStatus.PENDING)


LOWER = "https://www.example.org/guide?tags%5b%5d=seo"


async def test_an_address_suggested_encoded_before_is_known_in_the_other_case(bot: MentorBot, who: Who) -> None:
    """Stored with ``%5B`` before session 46, typed now with ``%5b`` (or the other way): the same page (the day's
    second review)."""
    for first, then in ((ENCODED, LOWER), (LOWER, ENCODED)):
        await _stored(bot, who, first, url_key(first, brackets=False))
        again = await bot.suggest_course(who("amina"), url=then, skills="seo", title="Tags guide")
        assert again.error is not None and again.error.key == "curation.already_pending", again.reply.text
        [pending] = await bot.store.list_suggestions(COMMUNITY, SuggestionStatus.PENDING)
        await bot.admin_decide_suggestion(who("admin"), suggestion_id=pending.id, approve=False)
