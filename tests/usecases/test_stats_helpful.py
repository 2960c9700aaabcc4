"""Issue 15: the admins' stats show the most and least helpful resources per skill by the community's votes,
on both engines, in English and Swahili; the rule (a resource counts from `MIN_VOTES_FOR_RANKING` votes, the
most helpful has the highest share, the least the lowest) as a property."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorbot.bot import Caller, MentorBot
from mentorbot.courses import Tally
from mentorbot.i18n import translator
from mentorbot.recommendations import helpful_share
from mentorbot.replies import Reply
from mentorbot.usecases.curation import MIN_VOTES_FOR_RANKING, helpful_lines

Who = Callable[..., Caller]
EN = translator("en")
SW = translator("sw")


def helpful_field(reply: Reply, title: str) -> str:
    """The value of the stats' helpful field (exactly one)."""
    [field] = [f for f in reply.fields if f.name == title]
    return field.value


async def cast(bot: MentorBot, who: Who, resource: str, helpful: int, not_helpful: int, *, first: int = 0) -> None:
    """`helpful` then `not_helpful` votes on `resource` by distinct members m<first>, m<first+1>, …"""
    for n in range(helpful + not_helpful):
        await bot.vote_course(who(f"m{first + n}"), resource=resource, helpful=n < helpful)


async def test_stats_show_the_most_and_least_helpful_resources_per_skill(bot: MentorBot, who: Who) -> None:
    seo = [c for c in bot.library.catalog.for_skill("seo")]
    liked, disliked, too_few = seo[0], seo[1], seo[2]
    await cast(bot, who, liked.id, 3, 0)
    await cast(bot, who, disliked.id, 1, 2, first=10)
    await cast(bot, who, too_few.id, 0, MIN_VOTES_FOR_RANKING - 1, first=20)  # below the threshold: not ranked
    reply = (await bot.admin_stats(who("admin"))).reply
    value = helpful_field(reply, EN("insight.helpful_title"))
    seo_line = next(line for line in value.splitlines() if line.startswith("SEO: "))
    assert EN("curation.most_helpful", skill="SEO", title=liked.title, helpful=3, total=3) in seo_line
    assert EN("curation.least_helpful", title=disliked.title, helpful=1, total=3) in seo_line
    assert too_few.title not in value
    # The same lines the review queue shows (one rule, two views).
    queue = (await bot.admin_courses(who("admin"))).reply
    assert value == helpful_field(queue, EN("curation.helpful_title"))
    # The stats' other fields and the chart are still there, the helpful field before the chart.
    names = [f.name for f in reply.fields]
    assert names.index(EN("insight.helpful_title")) == names.index(EN("insight.supply_title")) - 1
    assert names[0] == EN("stats.members") and reply.attachments


async def test_stats_in_swahili_name_the_resources_in_swahili(bot: MentorBot, who: Who) -> None:
    [first, second] = bot.library.catalog.for_skill("copywriting")[:2]
    await cast(bot, who, first.id, 2, 1)
    await cast(bot, who, second.id, 3, 0, first=10)
    await bot.set_language(who("admin"), language="sw")
    reply = (await bot.admin_stats(who("admin"))).reply
    value = helpful_field(reply, SW("insight.helpful_title"))
    skill = bot.library.taxonomy.get("copywriting")
    assert skill is not None
    line = next(ln for ln in value.splitlines() if ln.startswith(skill.label("sw") + ": "))
    assert line == (
        SW("curation.most_helpful", skill=skill.label("sw"), title=second.title, helpful=3, total=3)
        + " · "
        + SW("curation.least_helpful", title=first.title, helpful=2, total=3)
    )


async def test_stats_without_enough_votes_say_none_is_ranked(bot: MentorBot, who: Who) -> None:
    resource = bot.library.catalog.courses[0].id
    await cast(bot, who, resource, MIN_VOTES_FOR_RANKING - 1, 0)
    reply = (await bot.admin_stats(who("admin"))).reply
    assert helpful_field(reply, EN("insight.helpful_title")) == EN("insight.helpful_none", count=MIN_VOTES_FOR_RANKING)
    await bot.set_language(who("admin"), language="sw")
    swahili = (await bot.admin_stats(who("admin"))).reply
    assert helpful_field(swahili, SW("insight.helpful_title")) == SW(
        "insight.helpful_none", count=MIN_VOTES_FOR_RANKING
    )


def test_the_none_ranked_line_has_both_plural_forms_in_both_languages() -> None:
    for t in (EN, SW):
        assert t("insight.helpful_none", count=1) != t("insight.helpful_title")
        assert "3" in t("insight.helpful_none", count=3)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    votes=st.dictionaries(
        st.integers(min_value=0, max_value=11), st.tuples(st.integers(0, 6), st.integers(0, 6)), max_size=12
    )
)
def test_the_named_resources_are_the_best_and_worst_that_qualify(
    bot: MentorBot, votes: dict[int, tuple[int, int]]
) -> None:
    """For every skill: a line exactly when a resource has enough votes; its most helpful resource has the
    highest share of those that qualify, its least helpful (named only when two qualify and one is found less helpful
    than the best: session 38) the lowest."""
    catalog = bot.library.catalog
    pool = list(catalog.for_skill("seo")[:6]) + list(catalog.for_skill("copywriting")[:6])
    tallies = {pool[i % len(pool)].id: Tally(up, down) for i, (up, down) in votes.items()}
    lines = helpful_lines(bot.core, catalog, tallies, "en")
    for skill in bot.library.taxonomy.skills:
        qualifying = [
            c for c in catalog.for_skill(skill.slug) if c.id in tallies and tallies[c.id].total >= MIN_VOTES_FOR_RANKING
        ]
        line = next((ln for ln in lines if ln.startswith(f"{skill.label('en')}: ")), None)
        assert (line is not None) == bool(qualifying), skill.slug
        if line is None:
            continue
        shares = {c.title: helpful_share(tallies[c.id]) for c in qualifying}
        most = line.split("most helpful “", 1)[1].split("”", 1)[0]
        assert shares[most] == max(shares.values())
        if len(qualifying) > 1 and min(shares.values()) < max(shares.values()):
            least = line.split("least helpful “", 1)[1].split("”", 1)[0]
            assert shares[least] == min(shares.values())
        else:
            assert "least helpful" not in line
