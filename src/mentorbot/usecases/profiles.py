"""Mentor profiles and availability: sign up or update, pause, resume; and the member's language."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Final

from mentorbot.errors import UserError
from mentorbot.formatting import places_text, zone_of
from mentorbot.i18n import LANGUAGES, Translator, translator
from mentorbot.inputs import (
    LEVEL_ORDER,
    MAX_BIO,
    MAX_MENTOR_SKILLS,
    parse_capacity,
    parse_language,
    parse_languages,
    parse_levels,
    parse_until,
)
from mentorbot.models import Level, MentorProfile, MentorStatus, NewMentorProfile
from mentorbot.replies import Reply
from mentorbot.skills import normalize, parse_tags
from mentorbot.storage.store import InUse, ProfileInUse
from mentorbot.text_safety import check_text
from mentorbot.timezones import ZONE_NOT_GIVEN, given_timezone
from mentorbot.usecases import views
from mentorbot.usecases.context import Context, Core
from mentorbot.usecases.departures import LEFT
from mentorbot.usecases.matchmaking import (
    DEPARTURE_STALES,
    PAUSE_STALES,
    PAUSED_STALES,
    refresh_wait_reasons,
    rematch,
    withdraw_for_pause,
)
from mentorbot.usecases.mentorships import elsewhere, here
from mentorbot.usecases.offer_messages import rewrite_unsent_offers
from mentorbot.usecases.unreachable import UNREACHABLE


def resolve_skills(
    core: Core,
    text: str | Sequence[str] | None,
    lang: str,
    *,
    limit: int | None = None,
    held: Iterable[str] = (),
    too_many: str = "input.too_many_skills",
) -> list[str]:
    """Skill slugs from what a member typed (a comma list or a list of tags), deduplicated, in the order typed; a
    localized `UserError` for no skills, an unknown tag (with suggestions) or more than `limit` skills (the message
    `too_many`, given ``count`` and ``max``: a request's by default, `PROFILE_TOO_MANY_SKILLS` a profile's). A slug of
    `held` (the skills a mentor has now) that the taxonomy no longer has (an admin's reload removed it) is taken
    as it is: a mentor keeps a skill they hold, in a form that shows it or typed again, until they drop it."""
    tags = parse_tags(text or "") if isinstance(text, str) or text is None else [t for t in text if t.strip()]
    if not tags:
        raise UserError("input.no_skills")
    taxonomy = core.library.taxonomy
    gone = {normalize(slug): slug for slug in held if taxonomy.get(slug) is None}
    kept = {tag: gone[key] for tag in tags if (key := normalize(tag)) in gone and taxonomy.resolve(tag) is None}
    taxonomy.require_skills([tag for tag in tags if tag not in kept], lang)  # the first unknown tag is refused
    slugs = list(dict.fromkeys(kept.get(tag) or taxonomy.slug_for(tag) or tag for tag in tags))
    if limit is not None and len(slugs) > limit:
        raise UserError(too_many, max=limit, count=len(slugs))
    return slugs


PROFILE_TOO_MANY_SKILLS = "profile.too_many_skills"
"""The message for a mentor profile (`/mentor signup`, a mentors file) of more skills than `MAX_MENTOR_SKILLS`."""


async def require_mentor(ctx: Context, elsewhere_keys: Sequence[tuple[MentorStatus, str]] = ()) -> MentorProfile:
    """The caller's mentor profile, or a `UserError` saying they are not a mentor: "sign up" (``mentor.not_a_mentor``)
    when they are no mentor anywhere, else the first message of `elsewhere_keys` whose status they have as a mentor
    in other communities of the same platform (`_elsewhere_with`): signing up here would make a second profile, not
    do there what they asked. The other communities are read only on this refusal."""
    profile = await ctx.core.store.get_mentor_profile(ctx.member.id)
    if profile is None:
        for status, key in elsewhere_keys:
            found = await _elsewhere_with(ctx, status)
            if found:
                where = elsewhere(ctx.t, ctx.member.community, len(found))
                raise UserError(key, here=here(ctx.t, ctx.member.community), where=where, count=len(found))
        raise UserError("mentor.not_a_mentor")
    return profile


async def signup(
    ctx: Context,
    *,
    skills: str | Sequence[str] | None,
    levels: str | None = None,
    capacity: str | int | None = None,
    bio: str | None = None,
    timezone: str | None = None,
    languages: str | None = None,
) -> Reply:
    """Become a mentor, or update the mentor profile (fields left out keep their value, and so does the level of
    a skill kept that `levels` does not name: `new_levels`; a skill the mentor holds that an admin's reload took
    out of the taxonomy may be named again: `resolve_skills`). A mentor who gains a skill or a place, or who let
    a request lapse that still waits (an update shows they are back), is offered waiting requests at once; the
    wait reasons of a paused one's new skills are told afresh ("all paused", not "no mentor"), and so are those of
    every skill of a mentor whose lower capacity took their last free place, as after a pause (a cooldown of theirs
    is no longer why a request waits). A zone typed that changes the member's rewrites their offers still to reach
    them in it (`rewrite_unsent_offers`). An update that would drop something in use (a capacity below the places
    taken and held, a skill an active mentorship or a pending offer relies on) is refused with what is in the way;
    nothing active is ever dropped silently."""
    core = ctx.core
    existing = await core.store.get_mentor_profile(ctx.member.id)
    if skills is None or (isinstance(skills, str) and not skills.strip()):
        if existing is None:
            raise UserError("input.no_skills")
        slugs = list(existing.skills)
    else:
        held = existing.skills if existing else ()
        slugs = resolve_skills(
            core, skills, ctx.lang, limit=MAX_MENTOR_SKILLS, held=held, too_many=PROFILE_TOO_MANY_SKILLS
        )
    level_map = new_levels(levels, slugs, existing.skills if existing else {}, core.library.taxonomy.slug_for)
    new_capacity = parse_capacity(capacity, existing.capacity if existing else core.settings.default_capacity)
    new_bio = check_text(bio, field="bio", max_length=MAX_BIO) if bio is not None else None
    zone = given_timezone(timezone) if timezone else None  # UTC given is a zone, not the marker of none
    # A platform that reports the member's zone (Slack) is followed at every command (`Store.member_as_seen`): a
    # zone typed here would be undone at the next one, so the platform's is kept, and the mentor told so.
    zone_ignored = zone is not None and bool(ctx.caller.timezone) and zone != ctx.caller.timezone
    if ctx.caller.timezone and zone is not None:
        zone = None
    langs = parse_languages(languages, ctx.lang) if languages else None
    profile = NewMentorProfile(
        skills=level_map,
        capacity=new_capacity,
        bio=new_bio if new_bio is not None else (existing.bio if existing else ""),
        # A new mentor's zone: typed here, else the platform's, else the one given with `/mentor timezone`; else
        # the marker of none (`ZONE_NOT_GIVEN`), which the profile shows as not given and the matcher reads as
        # unknown.
        timezone=zone
        or (existing.timezone if existing else (ctx.caller.timezone or ctx.member.timezone or ZONE_NOT_GIVEN)),
        languages=langs or (existing.languages if existing else (ctx.lang,)),
    )
    try:
        saved, created = await core.store.save_mentor_profile(ctx.member.id, profile, core.clock.now())
    except ProfileInUse as refused:
        in_use = refused.in_use
        # A form points the refusal at what to change: the capacity when only it stands in the way.
        only_capacity = in_use.over_capacity and not in_use.mentorship_skills and not in_use.offers_uncovered
        where = {"field": "capacity"} if only_capacity else {}
        step = _way_on(ctx, in_use, list(existing.skills) if existing else [], slugs)
        if step:
            raise UserError("profile.in_use_next", details=in_use_text(in_use, ctx), next=step, **where) from None
        raise UserError("profile.in_use", details=in_use_text(in_use, ctx), **where) from None
    now = core.clock.now()
    # An update shows the mentor is back (docs/matching.md, rule 4): `lifted` when a request they let lapse still
    # waits, which may now go to them at once.
    lifted = await core.store.mark_back(
        ctx.member.id, now, lapsed_since=now - timedelta(days=core.settings.reoffer_after_days)
    )
    if zone and zone != ctx.member.timezone:
        # The zone typed is where the mentor lives: every date shown to them uses it (`formatting.zone_of`), their
        # offers still to reach them too, written again in it (as `/mentor timezone` does).
        await core.store.set_member_timezone(ctx.member.id, zone)
        await rewrite_unsent_offers(core, replace(ctx.member, timezone=zone))
    gained = set(saved.skills) - set(existing.skills if existing else {})
    more_room = existing is None or saved.capacity > existing.capacity
    if saved.status is MentorStatus.ACTIVE and (gained or more_room or lifted):
        ctx.tell(await rematch(core, ctx.caller.community, saved.skills))
    elif saved.status is not MentorStatus.ACTIVE:
        if gained:
            # A paused mentor of a skill nobody (else) offered: its requests wait for them now ("paused", not "no
            # mentor", nor "no other mentor" when its requester mentors it).
            stales = PAUSE_STALES | {"no_mentor", "no_other_mentor"}
            await refresh_wait_reasons(core, ctx.caller.community, sorted(gained), stales)
        kept = sorted(set(saved.skills) - gained)
        if kept and existing is not None and existing.free_places <= 0 < saved.free_places:
            # A paused mentor's place gained (a higher capacity): "at capacity" of theirs may be "paused… as soon as
            # one is back" now (docs/matching.md rule 14, `_back_with_place`).
            await refresh_wait_reasons(core, ctx.caller.community, kept, PAUSED_STALES)
    dropped = sorted(set(existing.skills if existing else {}) - set(saved.skills))
    await refresh_wait_reasons(core, ctx.caller.community, dropped, DEPARTURE_STALES)
    if existing is not None and existing.free_places > 0 and saved.free_places == 0:
        # A lower capacity took the mentor's last free place: as after a pause, "they can be asked again after
        # <date>" (a cooldown of theirs with a place free) or "your own mentor has a place" may be untrue now.
        await refresh_wait_reasons(core, ctx.caller.community, sorted(saved.skills), PAUSE_STALES)
    reply = views.profile_saved(saved, created, ctx.t, core.library.taxonomy)
    if dropped:
        reply = replace(
            reply, text=reply.text + "\n" + _dropped_text(ctx, existing.skills if existing else {}, saved.skills)
        )
    if zone_ignored:
        reply = replace(reply, text=reply.text + "\n" + ctx.t("timezone.from_platform", zone=ctx.caller.timezone))
    return reply


def _dropped_text(ctx: Context, before: Mapping[str, Level], after: Mapping[str, Level]) -> str:
    """What an update that dropped skills (in `before`, the profile's skills and levels, not in `after`; nothing in
    use: that is refused) says of them: their names, and, when it also added skills (most who meet this typed one
    skill to add it, as the admins' recruitment draft says), the command that keeps them too, each dropped skill at
    the level it had (named when it was not the default, which a skill named again would get), while the whole list
    fits in a profile."""
    t, labels = ctx.t, ctx.core.labels
    dropped = [slug for slug in before if slug not in after]
    added = [slug for slug in after if slug not in before]
    if added and len(before) + len(added) <= MAX_MENTOR_SKILLS:
        whole = {**before, **after}
        levels = ",".join(f"{slug}:{before[slug].value}" for slug in dropped if before[slug] is not Level.PRACTITIONER)
        command = ", ".join(whole) + (f" levels:{levels}" if levels else "")
        return t("profile.dropped_keep", dropped=labels(dropped, t.lang), skills=command)
    return t("profile.dropped", dropped=labels(dropped, t.lang))


def new_levels(
    levels: str | None, slugs: Sequence[str], current: Mapping[str, Level], resolve: Callable[[str], str | None]
) -> dict[str, Level]:
    """The levels of a profile of skills `slugs` after `levels` was given (`inputs.parse_levels`): a level
    given for a skill is its level; a skill given none keeps its `current` level, a new one gets the default.
    So one level for all, or one per skill in order, sets every skill, and ``seo:learning`` changes SEO alone
    (a profile update changes only what it names). Which skills `levels` names is read by parsing it with the
    lowest and the highest level as the default: a skill named has the same level either way."""
    defaults = parse_levels(None, slugs)
    result = {slug: current.get(slug, defaults[slug]) for slug in slugs}
    if levels and levels.strip():
        low = parse_levels(levels, slugs, LEVEL_ORDER[0], resolve=resolve)
        high = parse_levels(levels, slugs, LEVEL_ORDER[-1], resolve=resolve)
        result |= {slug: low[slug] for slug in slugs if low[slug] is high[slug]}
    return result


def _way_on(ctx: Context, in_use: InUse, current: Sequence[str], typed: Sequence[str]) -> str | None:
    """The next step after a profile update refused for skills in use (`current`: the mentor's skills, `typed`:
    the new list), in the caller's words; None when no skill stands in the way (the capacity alone, or an offer
    whose "accept or decline it first" says it). ``skills:`` replaces the whole list, and most who meet this
    typed one skill to add it: a list that adds the new skills (`typed` beyond `current`) is answered with the
    command that keeps the current ones too (or, when that is more than a profile holds, the ones in use), and
    the mentorships in the way to end instead; a list that only drops skills, with the mentorships to end first."""
    if not in_use.mentorship_skills and not in_use.offers_uncovered:
        return None
    t, labels = ctx.t, ctx.core.labels
    ids = t.join([f"#{number}" for number in sorted(in_use.mentorship_skills)])
    count = len(in_use.mentorship_skills)
    used = {slug for skills in in_use.mentorship_skills.values() for slug in skills}
    added = [slug for slug in typed if slug not in current]
    if added:
        whole = [*current, *added]
        if len(whole) > MAX_MENTOR_SKILLS and not in_use.offers_uncovered:
            whole = list(dict.fromkeys([*(slug for slug in current if slug in used), *typed]))
        if len(whole) <= MAX_MENTOR_SKILLS:
            kept = [slug for slug in whole if slug not in typed]
            said = {"added": labels(added, t.lang), "kept": labels(kept, t.lang), "skills": ", ".join(whole)}
            if count:
                return t("profile.keep_or_end", ids=ids, count=count, **said)
            return t("profile.keep", **said)
    if not count:
        return None
    dropped = [slug for slug in current if slug in used]
    return t("profile.end_first", dropped=labels(dropped, t.lang), ids=ids, count=count)


def in_use_text(in_use: InUse, ctx: Context) -> str:
    """What stands in the way of a profile update, in the caller's words."""
    return in_use_words(in_use, ctx.t, ctx.core.labels)


def in_use_words(in_use: InUse, t: Translator, labels: Callable[[Sequence[str], str], str]) -> str:
    """What stands in the way of a profile update in `t`'s language (`labels`: skill slugs as words)."""
    parts: list[str] = []
    if in_use.over_capacity:
        parts.append(t("profile.capacity_in_use", capacity=in_use.capacity, places=places_text(in_use.places, t)))
    for mentorship_id, skills in in_use.mentorship_skills.items():
        parts.append(t("profile.skill_in_use", id=mentorship_id, skills=labels(skills, t.lang)))
    parts.extend(t("profile.offer_in_use", id=offer_id) for offer_id in in_use.offers_uncovered)
    return "; ".join(parts)


async def pause(ctx: Context, *, until: str | None = None) -> Reply:
    """Stop receiving offers, optionally until a date or for a duration (a command recovered after the bot was down
    is read from when it was typed: one whose end has passed pauses nothing and says so). Pending offers are
    withdrawn at once and their requests passed on (`matchmaking.withdraw_for_pause`), in the same unit of work. The
    pause holds in the caller's community only: where their platform user is an active mentor in another community
    of the deployment, the answer says so; one who is no mentor here is pointed at their active profile there (or
    told that the one there is paused already), not told to sign up here."""
    core = ctx.core
    profile = await require_mentor(ctx, _PAUSE_ELSEWHERE)
    now = core.clock.now()
    # Read in the zone it is shown in, from when it was typed (a command recovered after the bot was down).
    end = parse_until(until, ctx.caller.answered(now), zone_of(ctx.member, profile))
    if end is not None and end <= now:
        text = ctx.t("pause.over_while_down", until=views.when(end, ctx.t, zone_of(ctx.member, profile)))
        now_stands = "pause.over_active" if profile.status is MentorStatus.ACTIVE else "pause.over_paused"
        return Reply(text + " " + ctx.t(now_stands))
    # One paused because their direct messages are refused keeps that reason: it is what their status tells them to
    # do, and a dated pause's end would make them active while still unreachable. `/mentor resume` is their way back.
    if not await core.store.set_mentor_status(
        ctx.member.id, MentorStatus.PAUSED, now, paused_until=end, unless_reason=UNREACHABLE
    ):
        text = ctx.t("pause.own_unreachable") + "\n" + ctx.t("pause.unreachable_fix")
        return Reply(text + await _elsewhere_line(ctx, MentorStatus.ACTIVE, "elsewhere.pause_active"))
    notes, lines = await withdraw_for_pause(core, ctx.member)
    ctx.tell(notes)
    if end:
        text = ctx.t("pause.done_until", until=views.when(end, ctx.t, zone_of(ctx.member, profile)))
    else:
        text = ctx.t("pause.done")
    if lines:
        text += "\n" + ctx.t("pause.withdrawn", count=len(lines)) + "\n" + "\n".join(f"• {line}" for line in lines)
    return Reply(text + await _elsewhere_line(ctx, MentorStatus.ACTIVE, "elsewhere.pause_active"))


async def resume(ctx: Context) -> Reply:
    """Receive offers again; waiting requests are matched at once. A pause or a resume holds in the caller's
    community only: when their platform user is a mentor still paused in another community of the deployment (the
    DMs of both name none), the answer says so, and one who is no mentor here is pointed there (or told that the
    one there is active already: nothing to resume)."""
    core = ctx.core
    profile = await require_mentor(ctx, _RESUME_ELSEWHERE)
    await core.store.mark_back(ctx.member.id, core.clock.now())
    if profile.status is MentorStatus.ACTIVE:
        # Already active: still a sign they are around, so requests they let lapse may come back to them.
        ctx.tell(await rematch(core, ctx.caller.community, profile.skills))
        return Reply(
            ctx.t("resume.already") + await _elsewhere_line(ctx, MentorStatus.PAUSED, "elsewhere.resume_paused")
        )
    await core.store.set_mentor_status(ctx.member.id, MentorStatus.ACTIVE, core.clock.now())
    ctx.tell(await rematch(core, ctx.caller.community, profile.skills))
    return Reply(ctx.t("resume.done") + await _elsewhere_line(ctx, MentorStatus.PAUSED, "elsewhere.resume_paused"))


_PAUSE_ELSEWHERE: Final = (
    (MentorStatus.ACTIVE, "elsewhere.pause_not_here"),
    (MentorStatus.PAUSED, "elsewhere.pause_paused_not_here"),
)
"""`/mentor pause` where the caller is no mentor (`require_mentor`): their active profile elsewhere to pause there,
else their paused one: nothing to pause."""
_RESUME_ELSEWHERE: Final = (
    (MentorStatus.PAUSED, "elsewhere.resume_not_here"),
    (MentorStatus.ACTIVE, "elsewhere.resume_active_not_here"),
)
"""`/mentor resume` where the caller is no mentor: their paused profile elsewhere to resume there, else their active
one: nothing to resume."""


async def _elsewhere_with(ctx: Context, status: MentorStatus) -> list[int]:
    """The member ids of the caller's platform user in the deployment's other communities of the same platform
    where they are a mentor of `status`; not where they were paused for leaving the community (`departures.LEFT`):
    there is no resuming there while they are away."""
    found = await ctx.core.store.same_user_elsewhere(ctx.member)
    return [other.member.id for other in found if other.mentor_status is status and other.pause_reason != LEFT]


async def _elsewhere_line(ctx: Context, status: MentorStatus, key: str) -> str:
    """A line more for a pause's or a resume's answer (message `key`, said of where the caller's platform user is a
    mentor of `status` in other communities), or nothing when there is none (one community: the answer as ever)."""
    found = await _elsewhere_with(ctx, status)
    if not found:
        return ""
    return "\n" + ctx.t(key, where=elsewhere(ctx.t, ctx.member.community, len(found)))


async def set_timezone(ctx: Context, *, timezone: str) -> Reply:
    """The member's time zone (``Africa/Nairobi``, ``UTC+3``): times are shown to them in it, and mentors close
    to their hours rank first for their requests; a mentor's profile takes it too. Where the platform reports the
    member's zone (Slack's profile), that one is kept: the member is told to change it there. Their offers whose
    message has not reached them yet are written again with the new zone's times (`rewrite_unsent_offers`)."""
    zone = given_timezone(timezone or "")  # UTC given is a zone, not the marker of none
    if ctx.caller.timezone:
        return Reply(ctx.t("timezone.from_platform", zone=ctx.caller.timezone))
    await ctx.core.store.set_timezone(ctx.member.id, zone)
    await rewrite_unsent_offers(ctx.core, replace(ctx.member, timezone=zone))
    return Reply(ctx.t("timezone.set", zone=zone))


async def set_language(ctx: Context, *, language: str) -> Reply:
    """Choose the language of the bot's replies to this member (its code, or its name: ``Kiswahili``).

    Their offers still pending whose message has not reached them yet (held for their next command, or pending
    in the outbox) are written again in the new language in this unit of work
    (`offer_messages.rewrite_unsent_offers`): the reply shows a held one so, and the outbox delivers a pending one
    so. Other notices keep their words."""
    code = parse_language(language or "") or (language or "").strip().lower()
    if code not in LANGUAGES:
        allowed = ", ".join(f"{c} ({ctx.t.language(c)})" for c in LANGUAGES)
        raise UserError("language.unknown", value=(language or "").strip(), allowed=allowed)
    store = ctx.core.store
    was = ctx.core.lang_of(ctx.member)
    await store.set_language(ctx.member.id, code)
    ctx.t = translator(code)
    if code == was:
        return Reply(ctx.t("language.set"))
    await rewrite_unsent_offers(ctx.core, replace(ctx.member, language=code))
    return Reply(ctx.t("language.set"))
