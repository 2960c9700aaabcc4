"""The few facts every view words the same way: a mentor's places, and an instant in its reader's time zone.

Pure functions of data and a `Translator`: the offer text, the status view (and Slack's App Home), the stats
and the notices all call these, so a place or a deadline is never counted or shown two ways.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from mentorbot.i18n import Translator
from mentorbot.models import Member, MentorProfile, Places
from mentorbot.timezones import UTC_NAMES, to_tzinfo


def places_text(places: Places, t: Translator) -> str:
    """``2 of 3 taken, 1 held by a pending offer`` (the held part only when something is held)."""
    # Swahili's verb agrees with the places taken (nafasi 1 imechukuliwa, 2 zimechukuliwa); English needs no form.
    text = t("places.taken", taken=places.taken, capacity=places.capacity, count=places.taken)
    if places.held:
        text += t("places.held", count=places.held)
    return text


def zone_of(member: Member | None, profile: MentorProfile | None = None) -> str | None:
    """The time zone a member lives in, when known: the one their platform reports or they typed, else their
    mentor profile's unless that is the UTC default. None when unknown (times are then shown in UTC)."""
    if member is not None and member.timezone and member.timezone not in UTC_NAMES:
        return member.timezone
    if profile is not None and profile.timezone and profile.timezone not in UTC_NAMES:
        return profile.timezone
    return None


def when(value: datetime, t: Translator | None = None, zone: str | None = None) -> str:
    """An instant as its reader reads it: ``2026-12-24 12:00 (Africa/Nairobi)`` in their zone when known (the
    zone named), ``2026-12-24 09:00 UTC`` otherwise; worded in `t`'s language.

    A wall time that happens twice in the zone (the hour clocks go back: 01:30 BST, then 01:30 GMT) is told with
    the UTC offset of the one meant, ``2026-10-25 01:30 UTC+01:00 (Europe/London)``: two instants never read the
    same (to the minute), and a deadline there is not taken for the later of the two."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if zone and zone not in UTC_NAMES:
        local = aware.astimezone(to_tzinfo(zone))
        text = local.strftime("%Y-%m-%d %H:%M")
        if _repeated(local):
            offset = _offset_text(local)
            return t("time.in_zone_offset", at=text, offset=offset, zone=zone) if t else f"{text} {offset} ({zone})"
        return t("time.in_zone", at=text, zone=zone) if t else f"{text} ({zone})"
    text = aware.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    return t("time.utc", at=text) if t else f"{text} UTC"


def _repeated(local: datetime) -> bool:
    """Whether `local`'s wall time happens twice in its zone (the other reading of it, `fold`, is another offset)."""
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


def _offset_text(local: datetime) -> str:
    """`local`'s UTC offset as ``UTC+01:00`` / ``UTC-04:00`` (``UTC+10:30``; seconds only when it has them)."""
    offset = local.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes, seconds = divmod(int(abs(offset).total_seconds()), 60)
    text = f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    return f"{text}:{seconds:02d}" if seconds else text


def _local_date(value: datetime, zone: str | None) -> date:
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(to_tzinfo(zone) if zone and zone not in UTC_NAMES else UTC).date()


def day(value: datetime, zone: str | None = None) -> str:
    """The date of an instant in the reader's zone (UTC when unknown): ``2026-12-24``."""
    return _local_date(value, zone).strftime("%Y-%m-%d")


def days_between(earlier: datetime, later: datetime, zone: str | None = None) -> int:
    """How many calendar days lie between two instants in the reader's zone (UTC when unknown): 1 from 23:30 on
    the 6th to 00:30 on the 7th, as the reader counts "days ago" from the dates they see."""
    return (_local_date(later, zone) - _local_date(earlier, zone)).days
