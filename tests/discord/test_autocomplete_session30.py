"""Autocomplete choices the commands that receive them can read (real discord.py against the fake Discord).

Before: `/mentor-admin recruit` handed a chosen value's short codes (``~k3f``) to the core unread, so the name
Discord sends in some clients was refused; `/skills query` and recruit's one skill were offered comma lists
(the multi-skill completer) that `/skills` cannot search; and time zones were compared by lowercasing only, so
``São Paulo``, ``Bogotá`` or ``Zürich`` offered nothing."""

from __future__ import annotations

import pytest

from mentorbot.bot import MentorBot
from mentorbot.i18n import translator
from mentorbot.timezones import city_zone
from mentorbot_discord.picks import CODE_MARK, codes_of
from tests.discord.helpers import MENTEE_USER_ID, Members
from tests.fakes.discord_models import MODERATOR_USER_ID

EN = translator("en")


async def test_recruit_reads_short_codes(members: Members, bot: MentorBot) -> None:
    """A value or name carrying codes (an older choice, a client sending the name) names the skills it codes."""
    taxonomy = bot.library.taxonomy
    codes = codes_of(taxonomy).by_slug
    creators = taxonomy.get("creators-ugc")
    assert creators is not None
    for typed in (
        f"{codes['whatsapp-marketing']},{codes['ai-tools']},creators-ugc",
        f"{codes['whatsapp-marketing']},{codes['ai-tools']}, {creators.label('sw')}",
        codes["seo"],
    ):
        shown = await members.slash("mentor-admin recruit", {"skill": typed}, user=MODERATOR_USER_ID)
        assert shown.text.startswith(EN("recruit.title")), (typed, shown.text)
        assert CODE_MARK not in shown.text and "/mentor signup skills:" in shown.text, shown.text


@pytest.mark.parametrize(("path", "option"), [("skills", "query"), ("mentor-admin recruit", "skill")])
async def test_one_skill_options_offer_one_skill(members: Members, path: str, option: str) -> None:
    user = MODERATOR_USER_ID
    for typed in ("seo, cri", "whatsapp-marketing, ai-tools, creators", ", ".join(["crisis-communications"] * 8)):
        for choice in await members.complete(path, option, typed, user=user):
            for text in (str(choice["name"]), str(choice["value"])):
                assert "," not in text and CODE_MARK not in text, (typed, choice)
    [first, *_] = await members.complete(path, option, "cri", user=user)
    assert first == {"name": "Crisis communications", "value": "crisis-communications"}


async def test_the_skills_query_chosen_from_the_autocomplete_finds_its_skill(members: Members) -> None:
    for typed in ("cri", "mgogoro", "paid"):
        [first, *_] = await members.complete("skills", "query", typed)
        for sent in (first["value"], first["name"]):  # Discord sends the value, or in some clients the name
            shown = await members.slash("skills", {"query": sent})
            assert str(first["name"]) in shown.text, (sent, shown.text)
            assert EN("skills.no_match", query=sent) not in shown.text


async def test_the_request_completer_still_offers_lists(members: Members) -> None:
    listed = await members.complete("mentor request", "skills", "seo, crisis")
    assert listed[0] == {"name": "SEO, Crisis communications", "value": "seo, crisis-communications"}


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("São Paulo", "America/Sao_Paulo"),
        ("sao paulo", "America/Sao_Paulo"),
        ("Bogotá", "America/Bogota"),
        ("Zürich", "Europe/Zurich"),
        ("ZÜRICH", "Europe/Zurich"),
        ("Port au Prince", "America/Port-au-Prince"),
        ("dar es", "Africa/Dar_es_Salaam"),
        ("america/são", "America/Sao_Paulo"),
        ("Nairobi", "Africa/Nairobi"),
    ],
)
async def test_timezones_complete_whatever_the_accents(members: Members, typed: str, zone: str) -> None:
    choices = await members.complete("mentor timezone", "timezone", typed)
    assert choices and choices[0] == {"name": zone, "value": zone}, (typed, choices[:3])
    shown = await members.slash("mentor timezone", {"timezone": choices[0]["value"]}, user=MENTEE_USER_ID)
    assert zone in shown.text


async def test_a_typed_citys_zone_comes_first(members: Members) -> None:
    """A city with an old and a new name (Buenos Aires): the one the core reads it as first."""
    wanted = city_zone("Buenos Aires")
    assert wanted is not None
    choices = await members.complete("mentor timezone", "timezone", "Buenos Aires")
    assert choices[0]["value"] == wanted
    assert len({c["value"] for c in choices}) == len(choices)
    offsets = await members.complete("mentor timezone", "timezone", "GMT+3")
    assert offsets[0]["value"] == "UTC+03:00"
    assert not any(str(c["value"]).startswith("Etc/GMT+") for c in offsets)
