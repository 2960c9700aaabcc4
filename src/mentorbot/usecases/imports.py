"""What an import of mentors (``mentorbot admin import-mentors``) changes for what is already in the database.

The import writes its rows in one transaction (`MemberStore.import_mentors`); a mentor it changes then gets what the
same change by ``/mentor signup`` gets: the waiting requests of skills they dropped, or of skills whose last free
place of theirs the new capacity took, are told afresh why they wait (`matchmaking.refresh_wait_reasons`), and their
offers not yet delivered are written again in a zone the import moved (`offer_messages.rewrite_unsent_offers`). Read the
mentors with `before_import` before the rows are written, and hand that to `after_import` once they are."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from mentorbot.models import MentorProfile, MentorStatus, user_key
from mentorbot.usecases.context import Core
from mentorbot.usecases.matchmaking import DEPARTURE_STALES, PAUSE_STALES, PAUSED_STALES, refresh_wait_reasons
from mentorbot.usecases.offer_messages import rewrite_unsent_offers


@dataclass(frozen=True)
class Before:
    """A mentor already here, as the import found them: their profile and their member row's zone."""

    profile: MentorProfile
    zone: str | None


async def before_import(core: Core, community: str, user_ids: Iterable[str]) -> dict[int, Before]:
    """The mentors of `community` among the file's `user_ids` (as its rows give them), by member id, before the
    import writes anything."""
    found: dict[int, Before] = {}
    for user_id in user_ids:
        member = await core.store.find_member(community, user_key(community, user_id))
        profile = await core.store.get_mentor_profile(member.id) if member else None
        if member is not None and profile is not None:
            found[member.id] = Before(profile, member.timezone)
    return found


async def after_import(core: Core, community: str, before: Mapping[int, Before]) -> None:
    """Once the import is written: refresh the wait reasons of the skills the mentors in `before` dropped (a
    departure's stale reasons, `DEPARTURE_STALES`), of the skills of those left with no free place (a pause's,
    `PAUSE_STALES`) and of paused ones given a free place (`PAUSED_STALES`: "at capacity" of theirs may be "paused… as
    soon as one is back"), and rewrite the unsent offers of those whose zone moved."""
    dropped: set[str] = set()
    full: set[str] = set()
    freed: set[str] = set()
    for member_id, was in before.items():
        member = await core.store.get_member(member_id)
        profile = await core.store.get_mentor_profile(member_id)
        if member is None or profile is None:
            continue
        dropped |= set(was.profile.skills) - set(profile.skills)
        if was.profile.free_places > 0 and profile.free_places <= 0:
            full |= set(profile.skills)
        elif was.profile.free_places <= 0 < profile.free_places and profile.status is not MentorStatus.ACTIVE:
            # A paused mentor's place gained: "at capacity" of theirs may be "paused… as soon as one is back".
            freed |= set(profile.skills)
        if member.timezone != was.zone:
            await rewrite_unsent_offers(core, member)
    await refresh_wait_reasons(core, community, sorted(dropped), DEPARTURE_STALES)
    await refresh_wait_reasons(core, community, sorted(full - dropped), PAUSE_STALES)
    await refresh_wait_reasons(core, community, sorted(freed - dropped - full), PAUSED_STALES)
