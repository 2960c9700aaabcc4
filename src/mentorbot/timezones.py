"""Time zones as members type them: an IANA name (``Africa/Nairobi``), a UTC offset (``UTC+3``, ``+05:30``), or
the city of exactly one IANA name (``Nairobi``, ``São Paulo``)."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from importlib import resources
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from mentorbot.errors import UserError

OFFSET_TYPED: Final = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
"""A UTC offset as members type it (``UTC+3``, ``GMT-05:30``, ``+3``), read by `parse_timezone`."""


def parse_timezone(text: str) -> str:
    """A canonical time zone string (IANA name or ``UTC+HH:MM``); `UserError` when not understood.

    UTC typed as a word (``utc``, ``GMT``, ``Z``) reads as ``UTC``, which is also what a mentor profile with no
    zone holds (`ZONE_NOT_GIVEN`): a zone a member gives is stored as `given_timezone` reads it."""
    value = text.strip()
    if value.upper() in ("UTC", "GMT", "Z"):
        return "UTC"
    match = OFFSET_TYPED.match(value)
    if match:
        sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
        if hours > 14 or minutes >= 60:
            raise UserError("input.bad_timezone", value=value)
        return f"UTC{sign}{hours:02d}:{minutes:02d}"
    if "/" in value:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a region's folder (America/Argentina)
            return _known_name(value)
        return value
    return _known_name(value)


def _known_name(value: str) -> str:
    """`value` as one of the IANA names, whatever its case; a region that holds several names (``America``,
    ``America/Argentina``) is refused with ``input.timezone_region`` naming a few, anything else with
    ``input.bad_timezone``."""
    names = available_timezones()
    lowered = {name.lower(): name for name in names}
    key = value.lower().strip("/")
    if key in lowered and "/" in key:
        return lowered[key]
    inside = sorted(name for name in names if name.lower().startswith(key + "/")) if key else []
    if inside:
        region = inside[0][: len(key)]
        raise UserError("input.timezone_region", value=region, examples=", ".join(inside[:3]))
    if (city := city_zone(value)) is not None:
        return city
    raise UserError("input.bad_timezone", value=value)


def zone_key(text: str) -> str:
    """`text` in the form time zone names are compared in: casefolded, accents stripped, spaces and hyphens as
    the names' underscores (``São Paulo`` → ``sao_paulo``, as in ``America/Sao_Paulo``)."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[\s_-]+", "_", plain)


def city_zone(text: str) -> str | None:
    """The one zone of ``zone.tab`` (`_cities`) whose city is `text` (``Nairobi``, ``dar es salaam``, ``Bogotá``), or
    None when none or several are. A city is a name's last part."""
    key = zone_key(text)
    if not key or "/" in key:
        return None
    found = _cities().get(key, ())
    return found[0] if len(found) == 1 else None


@lru_cache(maxsize=1)
def _cities() -> dict[str, tuple[str, ...]]:
    """Each zone of the time zone database's own list of zones by country (``zone.tab``) by its city's `zone_key`
    (``sao_paulo`` → ``America/Sao_Paulo``). Not every IANA name: the old aliases' last parts are regions, not
    cities (``Australia/Victoria``, ``US/Samoa``, ``Brazil/East``), and would take a city of that name elsewhere."""
    known = available_timezones()
    cities: dict[str, list[str]] = {}
    for name in _country_zones():
        if name in known:
            cities.setdefault(zone_key(name.rsplit("/", 1)[1]), []).append(name)
    return {key: tuple(names) for key, names in cities.items()}


def _country_zones() -> list[str]:
    """The zone names of ``zone.tab`` (one line per zone of each country: code, coordinates, name, comment), from
    the tzdata package MentorBot depends on; none when it cannot be read (a city then is not understood)."""
    try:
        text = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, OSError):
        return []
    return [parts[2] for line in text.splitlines() if not line.startswith("#") and len(parts := line.split("\t")) > 2]


@lru_cache(maxsize=1024)
def to_tzinfo(name: str) -> tzinfo:
    """The tzinfo for a canonical time zone string (unknown names fall back to UTC)."""
    match = OFFSET_TYPED.match(name)
    if match:
        sign = 1 if match.group(1) == "+" else -1
        return timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0)))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return UTC


ZONE_NOT_GIVEN: Final = "UTC"
"""What a mentor profile with no zone holds (the column cannot be empty; Discord and the console report none, and
a mentor need not type one). Shown as not given, matched as unknown: a mentor in Nairobi who typed no zone is not
"3 h apart" from a mentee there. A zone given as UTC is stored otherwise (`given_timezone`), so it is a zone."""

UTC_GIVEN: Final = "UTC+00:00"
"""A zone given as UTC (``UTC``, ``GMT``, ``Z``, ``UTC+0``), as it is stored: not `ZONE_NOT_GIVEN`."""

UTC_NAMES: Final = frozenset({ZONE_NOT_GIVEN})
"""A profile's zone that says nothing (`ZONE_NOT_GIVEN`): the views show it as not given, the matcher reads it as
unknown. Every other zone, UTC given as ``UTC+00:00`` or ``Etc/UTC`` included, is a zone."""


def given_timezone(text: str) -> str:
    """The zone a member gives (`/mentor signup`, `/mentor timezone`, a mentors file), as it is stored: as
    `parse_timezone` reads it, except that UTC typed as a word (or as ``UTC-0``) is `UTC_GIVEN` rather than the
    marker of no zone (`ZONE_NOT_GIVEN`); `UserError` when not understood."""
    zone = parse_timezone(text)
    return UTC_GIVEN if zone in (ZONE_NOT_GIVEN, "UTC-00:00") else zone


@lru_cache(maxsize=4096)
def hours_apart(a: str, b: str, at: datetime) -> float:
    """How many hours apart two time zones are at instant `at` (0–12, the short way round). Cached: a matching
    round asks it for thousands of pairs at one instant, among a dozen zones."""
    offset_a = at.astimezone(to_tzinfo(a)).utcoffset() or timedelta(0)
    offset_b = at.astimezone(to_tzinfo(b)).utcoffset() or timedelta(0)
    # Offsets run from UTC-12 to UTC+14: two can be more than a day apart (Kiritimati and Pago Pago, 25 h), the
    # same hours of the day one day apart.
    diff = abs((offset_a - offset_b).total_seconds()) / 3600 % 24
    return min(diff, 24 - diff)
