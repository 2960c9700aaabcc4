"""Discord's time-zone picker offers only zones the command accepts (session 43's parity hunt).

Before: typing ``Turkey`` in `/mentor timezone` (or `/mentor signup`'s ``timezone``) offered one choice, ``Turkey``,
which the command then refused ("'Turkey' is not a time zone I know…"): 39 of the 570 names offered were old names
without a region (``Japan``, ``Egypt``, ``GB``, ``EST``, ``CET``…) that the core refuses, as Slack and the console
refuse them typed. Now the picker offers what the core stores as it is; a city's or country's own zone is still found
by its region name (``Istanbul``, ``Tokyo``)."""

from __future__ import annotations

import zoneinfo

import pytest

from mentorbot.errors import UserError
from mentorbot.i18n import translator
from mentorbot.timezones import parse_timezone
from mentorbot_discord.slash import _zones
from tests.discord.helpers import MENTEE_USER_ID, Members

EN = translator("en")


def test_every_zone_offered_is_one_the_command_stores_as_it_is() -> None:
    offered = {zone for _, zone in _zones()}
    assert offered, "the picker offers zones"
    assert {"Japan", "Turkey", "Egypt", "GB", "EST", "CET"}.isdisjoint(offered)
    assert {"Asia/Tokyo", "Europe/Istanbul", "Africa/Cairo", "Europe/London", "UTC"} <= offered
    for zone in offered:
        assert parse_timezone(zone) == zone, zone
    refused = []
    for name in zoneinfo.available_timezones() - offered:
        try:
            if parse_timezone(name) == name and not name.startswith("Etc/GMT"):
                refused.append(name)
        except UserError:
            pass
    assert refused == [], "a zone the command accepts as it is is left out of the picker"


@pytest.mark.parametrize("typed", ["Turkey", "Japan", "Egypt", "GB", "EST", "Istanbul", "tokyo", "Nairobi"])
async def test_the_first_choice_offered_is_accepted(members: Members, typed: str) -> None:
    choices = await members.complete("mentor timezone", "timezone", typed, user=MENTEE_USER_ID)
    for choice in choices:
        assert parse_timezone(str(choice["value"])) == choice["value"], (typed, choice)
    if choices:
        picked = str(choices[0]["value"])
        shown = await members.slash("mentor timezone", {"timezone": picked}, user=MENTEE_USER_ID)
        assert EN("input.bad_timezone", value=picked) not in shown.text
        assert picked in shown.text
