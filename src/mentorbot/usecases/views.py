"""Pure reply builders: data in, `Reply` values out, in the reader's language. No I/O here.

The use-cases read what a reply shows (profiles, requests, offers, stats) and hand it to these builders, so
what a member sees can be read, and tested, apart from how it was found.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from mentorbot import formatting, paging
from mentorbot.courses import Course
from mentorbot.i18n import Translator, translator
from mentorbot.matching import Explanation, render_explanation
from mentorbot.matching.explain import Present, as_shown
from mentorbot.models import (
    Member,
    MentorProfile,
    Mentorship,
    MentorshipRequest,
    MentorStatus,
    Offer,
    mention_of,
)
from mentorbot.recommendations import render_introduction_courses, vote_buttons
from mentorbot.replies import Button, ButtonStyle, Field, Listing, Reply
from mentorbot.skills import Taxonomy
from mentorbot.storage.insight import SkillBalance
from mentorbot.storage.store import Stats
from mentorbot.text_safety import defuse_mentions, shown_name
from mentorbot.timezones import UTC_NAMES

ASKED_ON_SHOWN_FROM: Final = 2
"""How many calendar days (in the mentor's zone) before its offer a request must have been asked for the offer to
say when it was asked (counted as the mentor counts "days ago" from the dates they see: before session 38, whole
24-hour periods, so a request of 23:30 on the 6th offered at 00:30 on the 9th read "2 days ago"). A younger one was
asked today or yesterday, as a mentor takes any offer to be (most are made within minutes of the request, or after one
48-hour offer lapsed), so saying it would only lengthen the message; from two days on a note's "next week" may
no longer be next week, and the mentor reads the date before the note."""
GAPS_SHOWN = 5
"""How many skill gaps (demand over supply) the stats view lists."""
DECLINES_SHOWN = 8
"""How many decline reasons (the most frequent) the stats view lists; the CSV export has every one."""


def when(value: datetime, t: Translator | None = None, zone: str | None = None) -> str:
    """An instant as its reader reads it, in their zone when known (see `formatting.when`)."""
    return formatting.when(value, t, zone)


def mention(member: Member | None, t: Translator | None = None) -> str:
    """How a member is named to another member: a platform mention adapters understand; for a member who has
    deleted their data, "a member who has left" in `t`'s language (a dash without `t`)."""
    if member is None:
        return t("common.member_left") if t is not None else "—"
    return mention_of(member.platform_user_id)


def skill_label(taxonomy: Taxonomy, slug: str, lang: str) -> str:
    """A skill's label in `lang`: a slug a reload renamed (kept as an alias of the new one) is the new skill's
    label, as in text stored before the rename (an offer's explanation); the slug itself if the taxonomy no longer
    has it."""
    skill = taxonomy.get(slug) or taxonomy.resolve(slug)
    return skill.label(lang) if skill else slug


def skill_labels(taxonomy: Taxonomy, slugs: Sequence[str], lang: str) -> str:
    """Skill labels joined for a sentence, as the reader's language lists them ("SEO, Copywriting and Paid
    social": `Translator.join`)."""
    return translator(lang).join([skill_label(taxonomy, s, lang) for s in slugs])


def explanation_line(
    text: str, t: Translator, taxonomy: Taxonomy, *, for_mentee: bool = False, present: Present | None = None
) -> str:
    """A stored match explanation as one line in the reader's language ("" for none, e.g. a manual match): as its
    mentor reads it in the offer, or, with `for_mentee`, as the mentee reads it in their status. With `present` (the
    rows as they are now), what may have changed since the offer was made is worked out from them (`as_shown`: the
    time difference, the language, the shared skills at the mentor's levels); without, the line is told as stored."""
    explanation = Explanation.from_json(text)
    if explanation is None:
        return ""
    if present is not None:
        explanation = as_shown(explanation, present, lambda slug: skill_slug(taxonomy, slug))
    return render_explanation(explanation, t, lambda slug: skill_label(taxonomy, slug, t.lang), for_mentee=for_mentee)


def skill_slug(taxonomy: Taxonomy, slug: str) -> str:
    """The slug a stored slug names now: a slug a reload renamed or merged (kept as an alias of the new one) is the
    new skill's; the slug itself if the taxonomy no longer has it."""
    skill = taxonomy.get(slug) or taxonomy.resolve(slug)
    return skill.slug if skill else slug


# ------------------------------------------------------------------------------------------ profiles


PAUSE_REASONS: Final[Mapping[str, tuple[str, ...]]] = {
    "expired_offers": ("status.paused_for_expiry", "status.resume_available"),  # `timers`: offers lapsed
    "unreachable": ("status.paused_unreachable", "status.resume_reachable"),  # `usecases.unreachable`: DMs refused
    "admin": ("status.paused_by_admin", "status.resume_admin"),  # `/mentor-admin pause`: `/mentor resume` ends it too
    "left": ("status.paused_left",),  # `usecases.departures`: no longer a member; the text says how to come back
}
"""What a paused mentor's status says of each pause reason (`MentorProfile.pause_reason`): why, then how to come
back. None (their own pause) or a reason not listed says only how to come back (``status.resume_ready``)."""


def pause_keys(profile: MentorProfile) -> tuple[str, ...]:
    """The messages a paused mentor's availability tells after "paused": why (`PAUSE_REASONS`), and how to come
    back, which for a pause until a date (their own or an admin's) is that offers start again then, or
    `/mentor resume` sooner."""
    keys = PAUSE_REASONS.get(profile.pause_reason or "", ("status.resume_ready",))
    if profile.paused_until and keys[-1] in ("status.resume_ready", "status.resume_admin"):
        keys = (*keys[:-1], "status.resume_sooner")
    return keys


def profile_fields(
    profile: MentorProfile, t: Translator, taxonomy: Taxonomy, zone: str | None = None
) -> tuple[Field, ...]:
    """A mentor profile as fields: skills with levels, places, zone, languages, availability, bio (dates in
    `zone`, the reader's, when known)."""
    skills = ", ".join(
        t("match.skill_with_level", skill=skill_label(taxonomy, slug, t.lang), level=t(f"level.{level.value}"))
        for slug, level in profile.skills.items()
    )
    status = t("status.mentor_active")
    if profile.status is MentorStatus.PAUSED:
        status = t("status.mentor_paused")
        if profile.paused_until:
            status = t("status.mentor_paused_until", until=when(profile.paused_until, t, zone))
        status += " — " + "; ".join(t(key) for key in pause_keys(profile))
    fields = [
        Field(t("status.skills"), skills or "—"),
        Field(
            t("status.capacity"),
            formatting.places_text(profile.places, t),
            inline=True,
        ),
        # A profile's UTC is what signup stores when no zone was given; the matcher reads it as unknown too.
        Field(
            t("status.timezone"),
            t("status.timezone_not_given") if profile.timezone in UTC_NAMES else profile.timezone,
            inline=True,
        ),
        Field(t("status.languages"), ", ".join(t.language(code) for code in profile.languages), inline=True),
        Field(t("status.availability"), status, inline=True),
    ]
    if profile.bio:
        fields.append(Field(t("status.bio"), defuse_mentions(profile.bio)))
    return tuple(fields)


def profile_saved(profile: MentorProfile, created: bool, t: Translator, taxonomy: Taxonomy) -> Reply:
    """The answer to a signup or a profile update."""
    return Reply(
        t("signup.created" if created else "signup.updated"),
        title=t("signup.title"),
        fields=profile_fields(profile, t, taxonomy, formatting.zone_of(None, profile)),
    )


# ------------------------------------------------------------------------------------- wait reasons


MIXED: Final = "wait.mixed"
"""The key of a stored wait reason whose skills wait for different causes: its ``parts`` give each cause (a key,
its skills and, for a cooldown, its end), its ``until`` the first date among them (`matchmaking.reason_of`)."""

PAUSED_TEXTS: Final[Mapping[str, str]] = {
    "wait.all_busy": "busy_or_paused",
    "wait.all_cooldown": "paused_cooldown",
    "wait.own_mentor": "own_mentor_paused",
    "wait.all_excluded": "all_excluded_paused",
    "wait.excluded_by_member": "excluded_by_member_paused",
    "wait.excluded_mixed": "excluded_mixed_paused",
}
"""The text a cause flagged ``"paused": true`` (`matchmaking._cause`) is told with, in every family (``wait``,
``wait_admin``, ``wait_now``, ``wait_part``, ``round_why``…): some mentors at capacity and the others paused, every
mentor paused with those who could take it on cooldown, or the member's own mentor the only one who could take it now,
or every active mentor excluded (by their decline, the member's, or both), and another paused who may be offered it
once back (session 46). Its key stays the code exports and metrics read (`storage.reports.wait_reason_code`,
`metrics.WAIT_REASONS`)."""


REMOVED_TEXTS: Final[Mapping[str, str]] = {"wait.no_mentor": "skill_removed", "wait.no_other_mentor": "skill_removed"}
"""The text a cause flagged ``"removed": true`` (`matchmaking.reason_of`: no mentor, or none but the member asking,
offers a skill the skills file no longer has) is told with, in every family: the skill is no longer offered in the
community, nobody can sign up for it, cancel and ask for another (not "you'll get an offer as soon as one signs
up", nor the admins' "recruit a mentor for it"). Its key stays the code exports and metrics read, as the paused
variants' (`PAUSED_TEXTS`). Told so only while the skills file still lacks every one of its skills (`removed_now`):
a skill put back is "no mentor offers it yet" again, before its reason is worked out afresh."""


def gone_skills(taxonomy: Taxonomy, skills: Sequence[str]) -> list[str]:
    """The skills of `skills` no skill of the taxonomy answers to any more (taken out of the skills file, no alias
    keeping them), in order."""
    return [slug for slug in skills if taxonomy.resolve(slug) is None]


def removed_now(data: Mapping[str, Any], taxonomy: Taxonomy | None) -> bool:
    """Whether a stored cause is told as a removed skill's (`REMOVED_TEXTS`): flagged so, and (with a `taxonomy`)
    none of its skills back in the skills file."""
    if not data.get("removed") or str(data.get("key")) not in REMOVED_TEXTS:
        return False
    return taxonomy is None or len(gone_skills(taxonomy, list(data.get("skills", [])))) == len(data.get("skills", []))


def text_code(data: Mapping[str, Any], taxonomy: Taxonomy | None = None) -> str:
    """The code a stored cause is told with: its key's (``all_busy``…), or its paused variant's (`PAUSED_TEXTS`),
    or its removed skill's (`REMOVED_TEXTS`, `removed_now`)."""
    key = str(data["key"])
    if data.get("paused") and key in PAUSED_TEXTS:
        return PAUSED_TEXTS[key]
    if removed_now(data, taxonomy):
        return REMOVED_TEXTS[key]
    return key.removeprefix("wait.")


def removed_told(reason: str | None) -> set[str]:
    """The skills a stored wait reason tells as no longer offered (its causes flagged ``"removed": true``, of its
    live part in a cohort programme: `live_reason`)."""
    data = live_reason(reason)
    if not data:
        return set()
    parts = data.get("parts") if data.get("key") == MIXED else [data]
    return {
        str(skill)
        for part in (parts if isinstance(parts, list) else [])
        if isinstance(part, dict) and part.get("removed") and str(part.get("key")) in REMOVED_TEXTS
        for skill in part.get("skills", [])
    }


def removed_stale(reason: str | None, taxonomy: Taxonomy) -> bool:
    """Whether a stored wait reason says otherwise of a skill than the skills file does now: "no mentor offers it"
    (or none but the member asking) of a skill the file no longer has, or "no longer offered" of one it has again;
    or no reason at all. What a reload or a start worked out afresh (`matchmaking.reword_removed`)."""
    if not reason:
        return True
    data = live_reason(reason)
    if not data:
        return False
    parts = data.get("parts") if data.get("key") == MIXED else [data]
    for part in parts if isinstance(parts, list) else []:
        if not isinstance(part, dict) or str(part.get("key")) not in REMOVED_TEXTS:
            continue
        skills = [str(s) for s in part.get("skills", [])]
        gone = gone_skills(taxonomy, skills)
        if (len(gone) < len(skills)) if part.get("removed") else bool(gone):
            return True
    return False


def wait_reason_text(
    reason: str | None, t: Translator, taxonomy: Taxonomy, *, admin: bool = False, zone: str | None = None
) -> str:
    """A stored wait reason (a JSON message reference, see `matchmaking.wait_reason`) in the reader's language,
    its date (a cooldown's end, the next round) in the reader's `zone` when known. With `admin`, the admin's
    wording of it (``wait_admin.*``: no promise of an offer to the reader) when the catalog has one, and of a
    cohort programme's "for now" part (``wait_now_admin.*``: of the member, not to them). A reason of several
    causes (``wait.mixed``) tells each with its own skills, one clause each (``wait_part.*``)."""
    unknown = "wait_admin.unknown" if admin else "wait.unknown"
    if not reason:
        return t(unknown)
    try:
        data = json.loads(reason)
        key = str(data["key"])
        if key.startswith("wait."):
            key = "wait." + text_code(data, taxonomy)
        if admin and key.startswith("wait.") and t.has("wait_admin." + key.removeprefix("wait.")):
            key = "wait_admin." + key.removeprefix("wait.")
        text = t(key, **_reason_args(data, t, taxonomy, zone, admin=admin))
        now = data.get("now")  # a cohort programme's next round: what stands in the request's way meanwhile
        if isinstance(now, dict):
            code = text_code(now, taxonomy) if "key" in now else ""
            now_key = "wait_now_admin." + code if admin and t.has("wait_now_admin." + code) else "wait_now." + code
            if t.has(now_key):
                text += " " + t(now_key, **_reason_args(now, t, taxonomy, zone, admin=admin))
        return text
    except (ValueError, KeyError, TypeError, AttributeError):
        return t(unknown)


def live_reason(reason: str | None) -> dict[str, Any] | None:
    """A stored wait reason as data when it is a live one: itself, or what a cohort programme's next round stores as
    standing in the way meanwhile (``now``); None for a next round with nothing in the way, or no reason."""
    try:
        data = json.loads(reason or "")
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("key") == "wait.next_round":
        return data.get("now") if isinstance(data, dict) and isinstance(data.get("now"), dict) else None
    return data


def reason_codes(reason: str | Mapping[str, Any] | None) -> set[str]:
    """The codes of the causes a wait reason (stored, or as data) tells (``all_busy``, ``no_mentor``…, as
    `storage.reports.wait_reason_code` gives them): its key's, or each part's for one of several causes
    (``wait.mixed``); ``{""}`` for none or one that cannot be read."""
    data: Any = reason
    if not isinstance(reason, Mapping):
        try:
            data = json.loads(reason or "")
        except ValueError:
            return {""}
    if not isinstance(data, Mapping) or "key" not in data:
        return {""}
    parts = data.get("parts")
    if data["key"] == MIXED and isinstance(parts, list):
        return {str(p.get("key", "")).rpartition(".")[2] for p in parts if isinstance(p, dict)} or {""}
    return {str(data["key"]).rpartition(".")[2]}


def reason_group(reason: str) -> str:
    """The stored wait reason `reason` as the admin's round report groups it: a cohort programme's next round by
    what stands in the way meanwhile (with nothing in the way, one group per round, whatever the skills: the line
    names none), the skills in a fixed order (a reason of several causes, each cause's too) and a date to the
    minute, so that requests waiting for the same reason make one line (not one per order the skills were asked
    in, or per second)."""
    try:
        data = json.loads(reason)
    except ValueError:
        return reason
    if not isinstance(data, dict):
        return reason
    data = live_reason(reason) or data
    try:
        group = _group(data, skills=data.get("key") != "wait.next_round")
        if data.get("key") == MIXED:
            group["parts"] = sorted((_group(p) for p in data["parts"]), key=lambda p: json.dumps(p))
    except (ValueError, KeyError, TypeError, AttributeError):
        return reason
    return json.dumps(group)


def _group(data: Mapping[str, Any], *, skills: bool = True) -> dict[str, Any]:
    """One cause as `reason_group` groups it: its key (and whether paused mentors share it, or its skills are no
    longer in the skills file), its skills in a fixed order, its date to the minute."""
    group: dict[str, Any] = {"key": data.get("key")} | ({"paused": True} if data.get("paused") else {})
    if data.get("removed"):
        group["removed"] = True
    if skills:
        group["skills"] = sorted(str(s) for s in data.get("skills", []))
    if data.get("until"):
        group["until"] = datetime.fromisoformat(str(data["until"])).replace(second=0, microsecond=0).isoformat()
    return group


def wait_until(reason: str | None) -> datetime | None:
    """When a stored wait reason with a date ends (a cooldown lifting, the next round), else None."""
    try:
        data = json.loads(reason or "")
        return datetime.fromisoformat(str(data["until"])) if isinstance(data, dict) and data.get("until") else None
    except (ValueError, KeyError, TypeError):
        return None


def live_until(reason: str | None) -> datetime | None:
    """When what stands in a waiting request's way ends (a cooldown lifting), from its live reason (`live_reason`):
    in a cohort programme the date of its "for now" part, not the next round's; None for no such date."""
    data = live_reason(reason)
    try:
        return datetime.fromisoformat(str(data["until"])) if data and data.get("until") else None
    except (ValueError, TypeError):
        return None


def _reason_args(
    data: Mapping[str, Any],
    t: Translator,
    taxonomy: Taxonomy,
    zone: str | None,
    *,
    admin: bool = False,
    clauses: str = "wait_part",
) -> dict[str, str]:
    """The values a wait reason's message is filled with: its skills, its date in `zone`, and for a reason of
    several causes (``wait.mixed``) those causes, one clause each (`clauses`, the admin's wording with `admin`)."""
    args = {"skills": skill_labels(taxonomy, data.get("skills", []), t.lang)}
    if data.get("until"):
        args["until"] = when(datetime.fromisoformat(str(data["until"])), t, zone)
    if data.get("key") == MIXED:
        args["reasons"] = _clauses(data["parts"], t, taxonomy, zone, admin=admin, family=clauses)
    return args


def _clauses(
    parts: Sequence[Mapping[str, Any]], t: Translator, taxonomy: Taxonomy, zone: str | None, *, admin: bool, family: str
) -> str:
    """The causes of a reason of several, one clause each with its own skills (``<family>.<code>``, or the admin's
    ``<family>_admin.<code>`` when there is one), joined into one sentence."""
    if not isinstance(parts, list) or not parts:
        raise ValueError("a reason of several causes without its parts")
    said = []
    for part in parts:
        code = text_code(part, taxonomy)
        key = f"{family}_admin.{code}" if admin and t.has(f"{family}_admin.{code}") else f"{family}.{code}"
        said.append(t(key, **_reason_args(part, t, taxonomy, zone)))
    return "; ".join(said)


WHY_LINES: Final = 12
"""The most reasons an admin is told requests wait for, in a round's report or a digest (the rest in one line)."""


def why_lines(groups: Mapping[str, int], t: Translator, taxonomy: Taxonomy, zone: str | None = None) -> list[str]:
    """Why requests wait, for an admin (a round's report, the weekly digest): `groups` counts the waiting requests
    by grouped reason (`reason_group`); what an admin can act on first (a cohort's next round with nothing in the
    way, or a reason not recorded, after it), the most common first, at most `WHY_LINES`, the rest counted in one
    line."""
    ranked = sorted(groups.items(), key=lambda r: (not _actionable(r[0]), -r[1], r[0]))
    lines = [round_why(reason, count, t, taxonomy, zone) for reason, count in ranked[:WHY_LINES]]
    rest = sum(count for _, count in ranked[WHY_LINES:])
    if rest:
        lines.append(t("round.why_more", count=rest))
    return lines


def _actionable(group: str) -> bool:
    """Whether a grouped wait reason is one an admin can act on: not a cohort's next round with nothing in the way,
    nor a reason not recorded."""
    try:
        data = json.loads(group)
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("key") not in (None, "wait.next_round")


def round_why(reason: str, count: int, t: Translator, taxonomy: Taxonomy, zone: str | None = None) -> str:
    """Why `count` requests a round left waiting wait (a stored wait reason), said to the admin: what they can
    act on (recruit, free places, wait until a cooldown ends); for a reason of several causes, each with its own
    skills (``round_why_part.*``)."""
    try:
        data = json.loads(reason)
        key = "round_why." + text_code(data, taxonomy) if str(data["key"]).startswith("wait.") else str(data["key"])
        return t(key, count=count, **_reason_args(data, t, taxonomy, zone, clauses="round_why_part"))
    except (ValueError, KeyError, TypeError, AttributeError):
        return t("round_why.unknown", count=count)


def request_waiting(
    request: MentorshipRequest, reason: str | None, t: Translator, taxonomy: Taxonomy, zone: str | None = None
) -> Reply:
    """The answer to a new request that found no mentor yet: its id, skills and why it waits (a date in the
    mentee's `zone`)."""
    return Reply(
        t("request.waiting", id=request.id, skills=skill_labels(taxonomy, request.skills, t.lang))
        + "\n"
        + wait_reason_text(reason, t, taxonomy, zone=zone)
    )


def still_waiting(
    request: MentorshipRequest, reason: str | None, t: Translator, taxonomy: Taxonomy, zone: str | None = None
) -> Reply:
    """The notice to a mentee whose request went back to waiting (an offer declined or expired)."""
    text = t("request.still_waiting", id=request.id) + "\n" + wait_reason_text(reason, t, taxonomy, zone=zone)
    return Reply(text)


# ------------------------------------------------------------------------- offers and introductions


def offer_message(
    offer: Offer,
    request: MentorshipRequest,
    mentee: Member,
    t: Translator,
    taxonomy: Taxonomy,
    *,
    zone: str | None = None,
    present: Present | None = None,
) -> Reply:
    """The offer a mentor receives: who asks, for what, when (for a request asked `ASKED_ON_SHOWN_FROM` calendar
    days or more before the offer, in the mentor's zone), their note, why them, until when (dates in the mentor's
    `zone` when known), with Accept and Decline. The request's age is counted to the offer's making, so the
    message reads the same when it is built again later (a held offer shown in a new language); why them is worked
    out again from `present` when given (the rows when it is built again: `explanation_line`)."""
    fields = [Field(t("offer.skills"), skill_labels(taxonomy, request.skills, t.lang))]
    age = formatting.days_between(request.created_at, offer.created_at, zone)
    if age >= ASKED_ON_SHOWN_FROM:
        asked = t("offer.asked_on_value", day=formatting.day(request.created_at, zone), count=age)
        fields.append(Field(t("offer.asked_on"), asked))
    if request.note:
        fields.append(Field(t("offer.note"), defuse_mentions(request.note)))
    fields += [
        Field(t("offer.why"), explanation_line(offer.explanation, t, taxonomy, present=present) or "—"),
        Field(t("offer.expires"), when(offer.expires_at, t, zone), inline=True),
    ]
    return Reply(
        t("offer.text", mentee=mention(mentee, t), id=offer.id),
        title=t("offer.title", id=offer.id),
        fields=tuple(fields),
        buttons=(
            Button("offer.accept", str(offer.id), t("offer.accept"), ButtonStyle.PRIMARY),
            Button("offer.decline", str(offer.id), t("offer.decline"), ButtonStyle.DANGER),
        ),
    )


def introduction(
    mentorship: Mentorship,
    *,
    role: str,
    other: Member,
    mentor_bio: str,
    note: str,
    courses: Sequence[Course],
    t: Translator,
    taxonomy: Taxonomy,
) -> Reply:
    """The introduction one party of a new mentorship receives (`role`: ``"mentee"`` or ``"mentor"``): the
    other party, the shared skills, the mentor's bio (to the mentee), the request's note (to the mentor) and a
    few courses to start with. A pair matched by an admin is told so (never that the mentor accepted)."""
    fields = [Field(t("intro.skills"), skill_labels(taxonomy, mentorship.skills, t.lang))]
    if role == "mentee" and mentor_bio:
        fields.append(Field(t("intro.mentor_bio"), defuse_mentions(mentor_bio)))
    if role == "mentor" and note:
        fields.append(Field(t("offer.note"), defuse_mentions(note)))
    text_key = f"intro.text_{role}_admin" if mentorship.by_admin else f"intro.text_{role}"
    course_field = render_introduction_courses(courses, t.lang)
    if course_field is not None:
        fields.append(course_field)
    return Reply(
        t(text_key, other=mention(other, t), id=mentorship.id),
        title=t("intro.title"),
        fields=tuple(fields),
        buttons=vote_buttons(list(enumerate(courses, start=1)), t.lang),
    )


def checkin(mentorship: Mentorship, other: Member | None, t: Translator) -> Reply:
    """The check-in message each party of a mentorship receives after a while, with three buttons: going
    well, end and give feedback, need help from an admin."""
    ref = str(mentorship.id)
    return Reply(
        t("checkin.text", other=mention(other, t), id=mentorship.id),
        title=t("checkin.title"),
        buttons=(
            Button("checkin.ok", ref, t("checkin.going_well"), ButtonStyle.PRIMARY),
            Button("checkin.end", ref, t("checkin.end_feedback")),
            Button("checkin.help", ref, t("checkin.need_help"), ButtonStyle.DANGER),
        ),
    )


def feedback_button(mentorship_id: int, t: Translator) -> Button:
    """The button that opens the feedback form (on platforms with forms; others get the command to type)."""
    return Button("feedback.open", str(mentorship_id), t("feedback.button"), ButtonStyle.PRIMARY)


def feedback_asked(mentorship: Mentorship, other: Member | None, t: Translator) -> Reply:
    """The notice to the party who did not end a mentorship: it ended, and how to give feedback."""
    return Reply(
        t("feedback.asked", id=mentorship.id, other=mention(other, t)), buttons=(feedback_button(mentorship.id, t),)
    )


# -------------------------------------------------------------------------------------------- status


@dataclass(frozen=True)
class RequestView:
    """An open request with its pending offer and that offer's mentor, when it has one."""

    request: MentorshipRequest
    offer: Offer | None = None
    mentor: Member | None = None
    waiting_since: datetime | None = None
    """When it went back on the waitlist after its mentorship ended (`RequestStore.reopened_at`); None: since it was
    asked."""
    present: Present | None = None
    """The rows its offer's "why" is worked out from when shown (the mentor's profile and the mentee now:
    `explanation_line`); None: told as stored."""


@dataclass(frozen=True)
class OfferView:
    """A pending offer made to the member, with its request and mentee."""

    offer: Offer
    request: MentorshipRequest | None
    mentee: Member | None


@dataclass(frozen=True)
class MentorshipView:
    """An active mentorship with the other party."""

    mentorship: Mentorship
    other: Member | None


@dataclass(frozen=True)
class StatusData:
    """Everything the status view shows of one member."""

    member: Member
    profile: MentorProfile | None
    requests: Sequence[RequestView]
    offers: Sequence[OfferView]
    mentorships: Sequence[MentorshipView]


def request_line(item: RequestView, t: Translator, taxonomy: Taxonomy, zone: str | None = None) -> str:
    """One open request: offered to whom until when (in the reader's `zone` when known) and why (as true now, from
    `item.present`), or waiting since when (the day it was asked, or went back on the waitlist, as the admin's
    waitlist dates it) and why."""
    request = item.request
    skills = skill_labels(taxonomy, request.skills, t.lang)
    if item.offer is not None:
        return t(
            "status.request_offered",
            id=request.id,
            skills=skills,
            mentor=shown_name(item.mentor.display_name) if item.mentor else "—",
            expires=when(item.offer.expires_at, t, zone),
            why=explanation_line(item.offer.explanation, t, taxonomy, for_mentee=True, present=item.present),
        )
    return t(
        "status.request_waiting_since",
        id=request.id,
        skills=skills,
        since=formatting.day(item.waiting_since or request.created_at, zone),
        reason=wait_reason_text(request.wait_reason, t, taxonomy, zone=zone),  # never "" (none yet: wait.unknown)
    )


def offer_line(item: OfferView, t: Translator, taxonomy: Taxonomy, zone: str | None = None) -> str:
    """One pending offer made to the member: its id, mentee, skills and deadline (in the reader's `zone`)."""
    offer = item.offer
    return t(
        "status.offer_line",
        id=offer.id,
        mentee=mention(item.mentee, t),
        skills=skill_labels(taxonomy, item.request.skills if item.request else (), t.lang),
        expires=when(offer.expires_at, t, zone),
    )


def mentorship_line(
    entry: MentorshipView, member: Member, t: Translator, taxonomy: Taxonomy, zone: str | None = None
) -> str:
    """One active mentorship of `member`: its id, their role, the other party, the skills, since when."""
    mentorship = entry.mentorship
    role = "status.role_mentor" if mentorship.mentor_id == member.id else "status.role_mentee"
    return t(
        "status.mentorship_line",
        id=mentorship.id,
        role=t(role),
        other=mention(entry.other, t),
        skills=skill_labels(taxonomy, mentorship.skills, t.lang),
        since=formatting.day(mentorship.started_at, zone),
    )


def status(data: StatusData, t: Translator, taxonomy: Taxonomy, *, section: str | None = None, start: int = 0) -> Reply:
    """The status view of one member: profile, then open requests, pending offers (with buttons) and
    mentorships as lists of `paging.STATUS_PAGE_SIZE` entries; list `section` shows the page from `start`."""
    member = data.member
    zone = formatting.zone_of(member, data.profile)
    fields: list[Field] = []
    buttons: list[Button] = []
    if data.profile:
        fields.extend(profile_fields(data.profile, t, taxonomy, zone))

    def page(source: str, name_key: str, lines: Sequence[str]) -> Listing:
        return paging.listing(
            t(name_key),
            lines,
            start=start if source == section else 0,
            page_size=paging.STATUS_PAGE_SIZE,
            source=source,
            empty=t("status.none"),
            lang=t.lang,
        )

    listings = [page("requests", "status.requests", [request_line(item, t, taxonomy, zone) for item in data.requests])]
    if data.profile:
        offers = page("offers", "status.offers", [offer_line(item, t, taxonomy, zone) for item in data.offers])
        listings.append(offers)
        for item in data.offers[offers.start : offers.start + len(offers.entries)]:
            ref, number = str(item.offer.id), item.offer.id
            buttons.append(Button("offer.accept", ref, t("offer.accept_id", id=number), ButtonStyle.PRIMARY))
            buttons.append(Button("offer.decline", ref, t("offer.decline_id", id=number), ButtonStyle.DANGER))
    mentorship_lines = [mentorship_line(entry, member, t, taxonomy, zone) for entry in data.mentorships]
    listings.append(page("mentorships", "status.mentorships", mentorship_lines))
    return Reply(
        t("status.text", language=t.language(t.lang)),
        title=t("status.title", name=member.display_name),
        fields=tuple(fields),
        buttons=tuple(buttons),
        listings=tuple(listings),
    )


# --------------------------------------------------------------------------------------------- admin


def median_match(value: timedelta | None, t: Translator) -> str:
    """A median time to match as the stats and the digest say it: in hours, one decimal (``1.0 h``), or "—"."""
    if value is None:
        return t("stats.none")
    return t("stats.hours", hours=f"{value.total_seconds() / 3600:.1f}")


def gap_lines(
    data: Stats, t: Translator, taxonomy: Taxonomy, balance: Sequence[SkillBalance] | None = None
) -> list[str]:
    """The skills short of mentors, widest gap first, at most `GAPS_SHOWN`: with `balance` (the supply chart's
    numbers, `Insight.balance`), those with more waiting requests than free places, as the chart counts them;
    without it, those whose open requests outnumber the active mentors who offer them. A skill with as many
    mentors (or places) as requests, or more, is no gap."""
    if balance is not None:
        short = [b for b in balance if b.waiting > b.free_places]
        short.sort(key=lambda b: (-(b.waiting - b.free_places), -b.waiting, b.skill))
        return [
            t(
                "stats.gap_places_line",
                skill=skill_label(taxonomy, b.skill, t.lang),
                waiting=t("stats.waiting_requests", count=b.waiting),
                count=b.free_places,
            )
            for b in short[:GAPS_SHOWN]
        ]
    gaps = sorted(
        (
            (slug, demand, data.skill_supply.get(slug, 0))
            for slug, demand in data.skill_demand.items()
            if demand > data.skill_supply.get(slug, 0)
        ),
        key=lambda g: (-(g[1] - g[2]), -g[1], g[0]),
    )[:GAPS_SHOWN]
    return [
        t(
            "stats.gap_line",
            skill=skill_label(taxonomy, slug, t.lang),
            demand=t("stats.asking", count=demand),
            count=supply,
        )
        for slug, demand, supply in gaps
    ]


def whole_percent(share: float) -> str:
    """A share (0–1) as a whole percentage that never rounds to a limit it did not reach: 199 accepted of 200 is
    99%, not 100%; 1 of 1,000 is 1%, not 0%. A half rounds up, as people round: 1 of 8 is 13%, as 3 of 8 is 38%
    (Python's `round` takes a half to the even number: 12%)."""
    percent = int((Decimal(repr(share)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if percent >= 100 and share < 1:
        percent = 99
    elif percent <= 0 and share > 0:
        percent = 1
    return f"{percent}%"


def stats(data: Stats, t: Translator, taxonomy: Taxonomy, *, balance: Sequence[SkillBalance] | None = None) -> Reply:
    """Programme health: members, mentors (active, paused and, when there are, those who left the community),
    requests, mentorships, time to match, acceptance, feedback and the skills where demand most exceeds supply
    (`gap_lines`: with `balance`, waiting requests against free places, the supply chart's numbers)."""
    median = median_match(data.median_time_to_match, t)
    rate = t("stats.none") if data.acceptance_rate is None else whole_percent(data.acceptance_rate)
    # Feedback only in aggregate: how many ratings, their average, how many comments (never who wrote them).
    feedback = t("stats.none")
    if data.average_rating is not None:
        feedback = t(
            "stats.feedback_value",
            ratings=t("stats.ratings_count", count=data.ratings),
            average=f"{data.average_rating:.1f}",
            comments=t("stats.comments_count", count=data.comments),
        )
    elif data.comments:  # comments given on ending, before any rating: counted, not hidden behind "—"
        feedback = t("stats.feedback_unrated", comments=t("stats.comments_count", count=data.comments))
    gaps = gap_lines(data, t, taxonomy, balance)
    gaps_title, no_gap = (
        (t("stats.gaps"), t("stats.none")) if balance is None else (t("stats.gaps_places"), t("stats.gaps_none"))
    )
    # Decline reasons in aggregate, most frequent first: admins see them, requesters never do.
    decline_lines = [
        t("stats.decline_line", reason=defuse_mentions(reason) or t("stats.no_reason"), count=count)
        for reason, count in sorted(data.decline_reasons.items(), key=lambda r: (-r[1], r[0]))[:DECLINES_SHOWN]
    ]
    # Mentors who left the community are no supply: counted apart from the paused, and named only when there are.
    mentors = t(
        "stats.mentors_value",
        active=t("stats.active", count=data.mentors_active),
        paused=t("stats.paused", count=data.mentors_paused),
    )
    if data.mentors_left:
        mentors = t("stats.mentors_value_left", mentors=mentors, left=t("stats.left", count=data.mentors_left))
    fields = (
        Field(t("stats.members"), str(data.members), inline=True),
        Field(t("stats.mentors"), mentors, inline=True),
        Field(
            t("stats.requests"),
            t(
                "stats.requests_value",
                open=t("stats.open", count=data.requests_open),
                waiting=t("stats.waiting", count=data.requests_waiting),
            ),
            inline=True,
        ),
        Field(t("stats.mentorships"), str(data.mentorships_active), inline=True),
        Field(t("stats.median_match"), median, inline=True),
        Field(t("stats.acceptance"), rate, inline=True),
        Field(t("stats.feedback"), feedback, inline=True),
        Field(t("stats.places"), formatting.places_text(data.places, t), inline=True),
        Field(gaps_title, "\n".join(gaps) or no_gap),
        Field(t("stats.declines"), "\n".join(decline_lines) or t("stats.none")),
    )
    return Reply(t("stats.text"), title=t("stats.title"), fields=fields)


def waitlist_line(
    request: MentorshipRequest,
    mentee: Member | None,
    t: Translator,
    taxonomy: Taxonomy,
    zone: str | None = None,
    since: datetime | None = None,
) -> str:
    """One waiting request as the admin reads it: id, mentee, skills, since when (in `zone`: `since`, when it went
    back on the waitlist after its mentorship ended, else the day it was asked), why it waits."""
    return t(
        "waitlist.line",
        id=request.id,
        member=shown_name(mentee.display_name) if mentee else "—",
        skills=skill_labels(taxonomy, request.skills, t.lang),
        since=formatting.day(since or request.created_at, zone),
        reason=wait_reason_text(request.wait_reason, t, taxonomy, admin=True, zone=zone),
    )


def waitlist(
    entries: Sequence[tuple[MentorshipRequest, Member | None]],
    t: Translator,
    taxonomy: Taxonomy,
    zone: str | None = None,
    *,
    start: int = 0,
    reopened: Mapping[int, datetime] | None = None,
) -> Reply:
    """The waiting requests, oldest first, each with its mentee, skills, age (a date in the admin's `zone`) and
    why it waits, worded for the admin, as pages of `paging.PAGE_SIZE` (the one from `start`); and how to match
    one by hand."""
    if not entries:
        return Reply(t("waitlist.empty"), title=t("waitlist.title", count=0))
    back = reopened or {}
    lines = [waitlist_line(request, mentee, t, taxonomy, zone, back.get(request.id)) for request, mentee in entries]
    page = paging.listing(
        t("lists.waitlist"),
        lines,
        start=start,
        page_size=paging.PAGE_SIZE,
        source="waitlist",
        empty=t("waitlist.empty"),
        lang=t.lang,
    )
    return Reply(t("admin.match_hint"), title=t("waitlist.title", count=len(lines)), listings=(page,))
