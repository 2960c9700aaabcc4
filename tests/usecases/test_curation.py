"""The community curates (issue 15), on both engines: suggestions and the admins' review queue, helpful votes
(one per member per resource, changeable, also under concurrent clicks) and their effect on `/courses`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.commands import execute_button, run_command
from mentorbot.courses import CommunityCourse
from mentorbot.formatting import when
from mentorbot.i18n import translator
from mentorbot.recommendations import recommend, render_recommendations
from mentorbot.storage.store import SuggestionStatus
from mentorbot.usecases.curation import community_catalog
from tests.usecases.conftest import COMMUNITY, to

Who = Callable[..., Caller]
en = translator("en")
URL = "https://www.example.org/guides/whatsapp-for-small-business"


async def suggest(bot: MentorBot, who: Who, name: str = "amina", url: str = URL, **extra: str) -> str:
    outcome = await bot.suggest_course(
        who(name), url=url, skills=extra.get("skills", "whatsapp"), title=extra.get("title", "A WhatsApp guide")
    )
    return outcome.reply.text


async def test_suggestion_goes_to_the_review_queue_and_joins_the_catalog_when_approved(
    bot: MentorBot, who: Who
) -> None:
    text = (
        await bot.suggest_course(
            who("amina"), url=URL, skills="whatsapp", title="A WhatsApp guide", note="clear and practical"
        )
    ).reply.text
    assert text.startswith("Thank you! Suggestion #1")
    queue = (await bot.admin_courses(who("admin"))).reply
    assert [b.action for b in queue.buttons] == ["suggestion.approve", "suggestion.reject"]
    assert "A WhatsApp guide" in queue.plain_text and "clear and practical" in queue.plain_text
    assert not [c for c in await community_catalog(bot.core, COMMUNITY) if isinstance(c, CommunityCourse)]

    approve = queue.buttons[0]
    decided = await execute_button(bot, who("admin"), approve.action, approve.ref)
    assert decided.reply.text == en("curation.approved", id=1, title="A WhatsApp guide")
    [told] = to(decided, "amina")
    assert "was approved" in told.reply.text

    catalog = await community_catalog(bot.core, COMMUNITY)
    [added] = [c for c in catalog if isinstance(c, CommunityCourse)]
    assert (added.id, added.title, added.skills) == ("community-1", "A WhatsApp guide", ("whatsapp-marketing",))
    assert len(await community_catalog(bot.core, "other:guild")) == len(bot.library.catalog)


async def test_approved_suggestion_is_shown_suggested_by_the_community(bot: MentorBot, who: Who) -> None:
    await suggest(bot, who, skills="employer branding", title="Our employer brand notes")
    await bot.admin_decide_suggestion(who("admin"), suggestion_id=1, approve=True)
    catalog = await community_catalog(bot.core, COMMUNITY)
    found = recommend(catalog, bot.library.taxonomy, ["employer-branding"], limit=100)
    [item] = [i for i in found.items if i.course.id == "community-1"]
    rendered = render_recommendations(replace(found, items=(item,)), "en")
    assert "suggested by the community" in rendered.plain_text
    assert "imependekezwa na jumuiya" in render_recommendations(replace(found, items=(item,)), "sw").plain_text


async def test_a_second_decision_is_told_who_decided_first(bot: MentorBot, who: Who) -> None:
    await suggest(bot, who)
    rejected = await bot.admin_decide_suggestion(who("admin"), suggestion_id=1, approve=False, reason="paywalled")
    assert rejected.reply.text == en("curation.rejected", id=1, title="A WhatsApp guide")
    [told] = to(rejected, "amina")
    assert "paywalled" in told.reply.text
    again = await bot.admin_decide_suggestion(who("admin"), suggestion_id=1, approve=True)
    row = await bot.store.get_suggestion(COMMUNITY, 1)
    assert row is not None and row.status is SuggestionStatus.REJECTED and row.decided_at is not None
    first = when(row.decided_at, en)
    assert again.reply.text == en("curation.decided_rejected", id=1, admin="<@U-admin>", when=first)
    # A rejected address may be suggested again.
    assert (await suggest(bot, who, name="juma")).startswith("Thank you! Suggestion #2")


async def test_members_cannot_review(bot: MentorBot, who: Who) -> None:
    await suggest(bot, who)
    assert (await bot.admin_courses(who("juma"))).reply.text == "Only admins can do that."
    refused = await execute_button(bot, who("juma"), "suggestion.approve", "1")
    assert refused.reply.text == "Only admins can do that."


async def test_bad_addresses_duplicates_and_spam_are_refused_with_a_reason(bot: MentorBot, who: Who) -> None:
    catalog_url = bot.library.catalog.courses[0].url
    cases = {
        "ftp://example.org/x": "curation.bad_url",
        "https://localhost/x": "curation.bad_url",
        "https://127.0.0.1/course": "curation.bad_url",
        "https://bit.ly/3abc": "curation.shortened_url",
        "https://www.linkedin.com/learning/search?keywords=crisis": "curation.search_url",
        catalog_url + "?utm_source=x": "curation.in_catalog",
    }
    for url, key in cases.items():
        text = await suggest(bot, who, url=url)
        expected = en(key, url=url, title="t", provider="p", command="c")
        assert text.split("“")[0].split(" ")[0] == expected.split("“")[0].split(" ")[0]
    spam = await bot.suggest_course(who("amina"), url=URL, skills="seo", title="BUY FOLLOWERS now http://x.y")
    assert spam.reply.text == en("curation.spam")
    await suggest(bot, who)
    dup = await suggest(bot, who, name="juma", url=URL.replace("https://www.", "http://") + "/")
    assert dup == en("curation.already_pending", id=1)
    unknown = await suggest(bot, who, url="https://example.org/other", skills="basket weaving")
    assert "basket weaving" in unknown


async def test_suggestions_are_rate_limited_per_day(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    limit = bot.settings.suggestions_per_day
    for n in range(limit):
        assert (await suggest(bot, who, url=f"https://example.org/r/{n}")).startswith("Thank you!")
    refused = await suggest(bot, who, url="https://example.org/r/late")
    again = clock.now() + timedelta(hours=24, minutes=1)  # made at 09:00:00: one more is taken from 09:01
    assert refused == en("curation.rate_limited", count=limit, at=when(again, en))
    clock.advance(timedelta(hours=24, seconds=1))
    assert (await suggest(bot, who, url="https://example.org/r/late")).startswith("Thank you!")


async def test_votes_are_one_per_member_and_changeable(bot: MentorBot, who: Who) -> None:
    reply = (await bot.courses(who("amina"), skills="seo")).reply
    up = next(b for b in reply.buttons if b.action == "vote.up")
    first = await execute_button(bot, who("amina"), up.action, up.ref)
    course = bot.library.catalog.get(up.ref)
    assert course is not None
    assert first.reply.text == en("curation.voted_helpful", title=course.title)
    again = await execute_button(bot, who("amina"), up.action, up.ref)
    assert again.reply.text == en("curation.vote_unchanged", title=course.title)
    changed = await execute_button(bot, who("amina"), "vote.down", up.ref)
    assert changed.reply.text == en("curation.vote_changed_not_helpful", title=course.title)
    tallies = await bot.store.vote_tallies(COMMUNITY)
    assert (tallies[up.ref].helpful, tallies[up.ref].not_helpful) == (0, 1)
    typed = await run_command(bot, who("juma"), f"/courses vote {up.ref} helpful")
    assert typed.reply.text == en("curation.voted_helpful", title=course.title)
    assert (await bot.vote_course(who("juma"), resource="no-such-thing", helpful=True)).reply.text.startswith(
        "I don't know"
    )


async def test_courses_say_how_many_found_it_helpful_and_rank_with_votes(bot: MentorBot, who: Who) -> None:
    reply = (await bot.courses(who("amina"), skills="seo")).reply
    last = [b for b in reply.buttons if b.action == "vote.up"][-2]  # as focused as those before it
    for n in range(12):
        await bot.vote_course(who(f"m{n}"), resource=last.ref, helpful=True)
    voted = (await bot.courses(who("amina"), skills="seo")).reply
    assert "found helpful by 12 members" in voted.plain_text
    ups = [b.ref for b in voted.buttons if b.action == "vote.up"]
    assert ups.index(last.ref) < [b.ref for b in reply.buttons if b.action == "vote.up"].index(last.ref)
    queue = (await bot.admin_courses(who("admin"))).reply.plain_text
    assert "most helpful" in queue


async def test_forgetting_a_member_forgets_their_votes(bot: MentorBot, who: Who) -> None:
    await bot.vote_course(who("amina"), resource=bot.library.catalog.courses[0].id, helpful=True)
    await bot.forget(who("amina"), confirm=True)
    assert await bot.store.vote_tallies(COMMUNITY) == {}


async def test_concurrent_clicks_count_one_vote_per_member(bot: MentorBot, who: Who) -> None:
    resource = bot.library.catalog.courses[0].id
    await bot.vote_course(who("amina"), resource=resource, helpful=True)  # the member exists before the burst
    clicks = [bot.vote_course(who("amina"), resource=resource, helpful=i % 2 == 0) for i in range(8)]
    clicks += [bot.vote_course(who("juma"), resource=resource, helpful=True) for _ in range(4)]
    await asyncio.gather(*clicks)
    tally = (await bot.store.vote_tallies(COMMUNITY))[resource]
    assert tally.total == 2


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(clicks=st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.booleans()), min_size=1, max_size=12))
async def test_model_one_vote_per_member_and_the_last_one_counts(
    bot: MentorBot, who: Who, clicks: list[tuple[str, bool]]
) -> None:
    resource = bot.library.catalog.courses[1].id
    community = f"model:{id(clicks)}:{len(clicks)}:{hash(tuple(clicks))}"
    model: dict[str, bool] = {}
    for name, helpful in clicks:
        caller = Caller(community, f"U-{name}", name)
        await bot.vote_course(caller, resource=resource, helpful=helpful)
        model[name] = helpful
    tally = (await bot.store.vote_tallies(community))[resource]
    assert tally.total == len(model)
    assert tally.helpful == sum(model.values())


async def test_a_bad_suggestion_number_or_title_gets_its_message_not_the_apology(bot: MentorBot, who: Who) -> None:
    """Before: `approve abc` and a title over 150 characters raised KeyError ('field.suggestion', 'field.title')
    inside the error's own rendering, and the member got the generic apology."""
    admin = who("admin")
    bad = await run_command(bot, admin, "/mentor-admin approve abc")
    assert bad.reply.text == en("input.bad_admin_id", value="abc", what="suggestion", listed_by="/mentor-admin courses")
    missing = await bot.admin_decide_suggestion(admin, suggestion_id="", approve=True)
    assert missing.reply.text == en("input.missing_admin_id", what="suggestion", listed_by="/mentor-admin courses")
    sw = translator("sw")
    await bot.set_language(admin, language="sw")
    assert (await run_command(bot, admin, "/mentor-admin reject abc")).reply.text == sw(
        "input.bad_admin_id", value="abc", what="pendekezo", listed_by="/mentor-admin courses"
    )
    long = await bot.suggest_course(who("amina"), url=URL, skills="seo", title="t" * 151)
    assert long.reply.text == en("input.too_long", field="title", length=151, max=150)


async def test_addresses_of_no_public_site_or_with_an_impossible_port_are_refused(bot: MentorBot, who: Who) -> None:
    """Before: `http://localhost./x` and `https://e.org:99999/x` were queued for the admins."""
    for url in ("http://localhost./x", "https://intranet.local/x", "https://example.org:99999/x"):
        assert (await suggest(bot, who, url=url)) == en("curation.bad_url", url=url)
    assert (await suggest(bot, who, url="https://example.org:8443/guide")).startswith("Thank you!")
