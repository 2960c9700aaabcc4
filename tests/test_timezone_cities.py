"""A time zone typed as its city (``Nairobi``, ``São Paulo``, ``dar es salaam``) is the one IANA name of that city:
members who do not know the ``Area/City`` form (the Discord autocomplete's suggestion not picked, the console, Slack's
signup text) are not refused."""

from __future__ import annotations

import pytest

from mentorbot.errors import UserError
from mentorbot.timezones import city_zone, parse_timezone


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Nairobi", "Africa/Nairobi"),
        ("dar es salaam", "Africa/Dar_es_Salaam"),
        ("Dar-es-Salaam", "Africa/Dar_es_Salaam"),
        ("São Paulo", "America/Sao_Paulo"),
        ("Bogotá", "America/Bogota"),
        ("ZÜRICH", "Europe/Zurich"),
        ("  Kampala ", "Africa/Kampala"),
        ("Apia", "Pacific/Apia"),
        ("Mahe", "Indian/Mahe"),
        # An old and a new name of one zone: the new one.
        ("Buenos Aires", "America/Argentina/Buenos_Aires"),
        ("Indianapolis", "America/Indiana/Indianapolis"),
    ],
)
def test_a_city_is_its_zone(typed: str, zone: str) -> None:
    assert parse_timezone(typed) == zone


def test_names_and_offsets_read_as_before() -> None:
    assert parse_timezone("africa/nairobi") == "Africa/Nairobi"
    assert parse_timezone("UTC+3") == "UTC+03:00"
    assert parse_timezone("utc") == "UTC"


@pytest.mark.parametrize("typed", ["Atlantis", "West", "nairob", "Etc", "", "Victoria", "Samoa", "East"])
def test_no_city_or_several_zones_is_refused(typed: str) -> None:
    """The old aliases' last parts are regions, not cities: ``Victoria`` (the capital of Seychelles) is not
    Australia/Victoria, ``Samoa`` not US/Samoa (a day apart from Samoa's Pacific/Apia), ``East`` not Brazil/East
    (found by the review). Cities come from the database's list of zones by country (``zone.tab``)."""
    with pytest.raises(UserError):
        parse_timezone(typed)


def test_the_etc_names_are_no_cities() -> None:
    assert city_zone("GMT+3") is None and city_zone("Zulu") is None
