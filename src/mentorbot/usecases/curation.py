"""The community curates its catalog: members suggest resources, admins approve or reject them, and everyone
marks resources helpful or not.

- ``/courses suggest url:<url> skills:<tags> [title] [note]`` checks the address (a web page of its own: not a
  search, not a link shortener, its host plain ASCII as the address bar shows it, not already in the catalog or
  suggested), the skills and the texts, limits
  each member to `Settings.suggestions_per_day`, and queues it for the admins.
- ``/mentor-admin courses`` is the review queue (Approve / Reject buttons on each suggestion) and the
  community's most and least helpful resources per skill.
- ``/mentor-admin reject <n>`` of an approved suggestion withdraws it: rejected after all, out of the community's
  catalog at once. One none of whose skills the taxonomy still has (a reload removed them) is not approved.
- Approved suggestions join the community's catalog on top of the file (`community_catalog`, which ``/courses``,
  votes, introductions and the admins' lists read), shown "suggested by the community".
- The Helpful / Not helpful buttons under ``/courses`` and introductions cast one vote per member per resource,
  changeable (`CurationStore.vote`); the ranking reads the community's tallies (`recommendations.helpful_share`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final
from urllib.parse import urlsplit

from mentorbot.courses import (
    COMMUNITY_ID_PREFIX,
    Catalog,
    CommunityCourse,
    Cost,
    Course,
    CourseLevel,
    Format,
    Tally,
    ascii_host,
    host_problem,
    is_search_url,
    url_key,
    url_keys,
    url_problem,
)
from mentorbot.errors import UserError, unexpected
from mentorbot.formatting import when, zone_of
from mentorbot.i18n import translator
from mentorbot.inputs import MAX_NOTE, parse_id
from mentorbot.models import mention_of
from mentorbot.recommendations import helpful_share, recommend
from mentorbot.recommendations import shown_title as shown_course_title
from mentorbot.replies import Button, ButtonStyle, Field, Reply
from mentorbot.storage.store import Suggestion, SuggestionStatus
from mentorbot.text_safety import (
    check_text,
    comparable,
    defuse_link_opener,
    defuse_mentions,
    defuse_url,
    encode_angle_brackets,
)
from mentorbot.usecases import views
from mentorbot.usecases.context import Context, Core
from mentorbot.usecases.profiles import resolve_skills

log = logging.getLogger("mentorbot")

MAX_URL: Final = 500
MAX_TITLE: Final = 150
MAX_SUGGESTION_SKILLS: Final = 5
QUEUE_LIMIT: Final = 10
"""Suggestions shown at once in the review queue (with two buttons each: Discord allows 25 buttons)."""
RATE_WINDOW: Final = timedelta(hours=24)
MIN_VOTES_FOR_RANKING: Final = 3
SUGGEST_ATTEMPTS: Final = 3
"""How often a suggestion is tried when its address meets another suggestion that is gone when read again."""
"""A resource needs this many votes before the admins' most / least helpful lists show it."""

SHORTENERS: Final = frozenset(
    {"bit.ly", "tinyurl.com", "t.co", "goo.gl", "ow.ly", "is.gd", "buff.ly", "cutt.ly", "rebrand.ly", "shorturl.at"}
)
"""Link shorteners hide where a link goes: a suggestion names the resource's own address."""
_LINK: Final = re.compile(r"https?://|www\.", re.IGNORECASE)
_REPEATS: Final = re.compile(r"(.)\1{7,}")
_SPAM_WORDS: Final = re.compile(
    r"\b(casino|betting|bet now|crypto giveaway|earn \$|make money fast|buy followers|free followers|viagra)\b",
    re.IGNORECASE,
)


# ------------------------------------------------------------------------------------------- the catalog


async def community_catalog(core: Core, community: str) -> Catalog:
    """The file catalog with the community's approved suggestions after it, each for the skills the taxonomy
    still has (a suggestion none of whose skills is left is not shown). A stored suggestion that cannot be a
    catalog entry (an address the rule refuses, stored before the rule) is left out with a warning in the log:
    one bad row never takes down the community's catalog."""
    approved = await core.store.list_suggestions(community, SuggestionStatus.APPROVED)
    catalog = core.library.catalog
    if not approved:
        return catalog
    known = {url_key(course.url) for course in catalog}
    extra: list[Course] = []
    for suggestion in approved:
        skills = _taught(core, suggestion)
        if not skills:
            continue
        try:
            course = _as_course(suggestion, skills)
            if url_key(course.url) in known:
                continue
        except ValueError as exc:  # pydantic's ValidationError is one, as is urlsplit's
            log.warning(
                "approved suggestion #%s of %s left out of the catalog: %s",
                suggestion.id,
                community,
                " ".join(str(exc).split()),
            )
            continue
        extra.append(course)
    return Catalog([*catalog.courses, *extra], source=catalog.source)


def _taught(core: Core, suggestion: Suggestion) -> tuple[str, ...]:
    """The suggestion's skills as the taxonomy has them now: a slug renamed since (kept as an alias of its
    skill) is read as its skill's slug; a skill removed since is left out."""
    taxonomy = core.library.taxonomy
    found = (taxonomy.get(slug) or taxonomy.resolve(slug) for slug in suggestion.skills)
    return tuple(dict.fromkeys(skill.slug for skill in found if skill is not None))


def _as_course(suggestion: Suggestion, skills: tuple[str, ...]) -> CommunityCourse:
    """The catalog entry of an approved suggestion, its member-typed title defused (`shown_title`) and its address
    with ``<`` and ``>`` encoded (`text_safety.defuse_url`: one stored before `check_url` encoded them) once for
    every place that shows it: ``/courses``, introductions, votes, the admins' helpful lists."""
    url = defuse_url(suggestion.url)
    return CommunityCourse(
        id=suggestion.resource,
        title=shown_title(suggestion),
        provider=urlsplit(url).hostname or url,
        url=url,
        skills=skills,
        level=CourseLevel.INTERMEDIATE,
        format=Format.READING_LIST,
        cost=Cost.PAID,
        duration="varies",
        language="en",
        suggestion_id=suggestion.id,
    )


def shown_title(suggestion: Suggestion) -> str:
    """A suggestion's title as anyone is shown it: typed by a member, so its mentions and masked links are made
    inert (`text_safety.defuse_mentions`) and a lone ``[`` in it opens none that something after it closes
    (`text_safety.defuse_link_opener`)."""
    return defuse_link_opener(defuse_mentions(suggestion.title))


# ------------------------------------------------------------------------------------------- suggesting


def check_url(text: str | None) -> str:
    """The suggested address, trimmed; a `UserError` saying why when it cannot be a resource's page: the
    catalog file's rule (`courses.url_problem`; a host in ASCII, `courses.host_problem`, refused with how to
    type an international domain), and, for a member's suggestion, a public site's page (no user name, no IP
    address, no local host), no longer than MAX_URL, not shortened, not a search, without a square bracket. Each ``<``
    and ``>`` in it is percent-encoded (`text_safety.encode_angle_brackets`) before anything else, so that neither the
    address kept nor one quoted in a refusal carries a mention (``…?by=<@U0CAROL01>``); ``<https://…>``, Discord's
    form without a preview, is read without its angle brackets. An address the catalog file's rule takes (which
    refuses a space) with a ``[`` or ``]`` is refused with why (`curation.url_brackets`): after its title on a
    Discord introduction's line, ``…/guide](https://evil.example)`` closed a masked link the title opened; ``%5B``
    and ``%5D`` are the same page, and parentheses (Wikipedia's ``…/Crisis_(disambiguation)``) are taken."""
    url = encode_angle_brackets((text or "").strip().strip("<>"))
    if not url:
        raise UserError("curation.url_missing")
    if url_problem(url) is not None:
        raise UserError("curation.bad_url", url=_shown_url(url))
    if "[" in url or "]" in url:
        raise UserError("curation.url_brackets")
    if host_problem(url) is not None:
        raise _lookalike(url)
    parts = urlsplit(url)
    host = (parts.hostname or "").casefold().rstrip(".")
    if (
        len(url) > MAX_URL
        or parts.username
        or host.replace(".", "").isdigit()
        or host == "localhost"
        or host.endswith((".localhost", ".local", ".internal"))
    ):
        raise UserError("curation.bad_url", url=_shown_url(url))
    if host.removeprefix("www.") in SHORTENERS:
        raise UserError("curation.shortened_url", url=url)
    if is_search_url(url):
        raise UserError("curation.search_url", url=url)
    return url


async def _suggest_again_at(core: Core, member_id: int, now: datetime, limit: int) -> datetime:
    """When a member at the suggestion limit can suggest again: once fewer than `limit` of their suggestions lie in
    the window (`RATE_WINDOW`, a rolling 24 hours, not a calendar day), when the one `limit` from the newest leaves
    it (the oldest of the window when they made `limit`; a later one when the limit was lowered since). A suggestion
    counts until exactly 24 hours after it (`Store.suggestions_since` counts from `since` inclusive), so the time
    told is the next whole minute after: the minute a member reads is one at which the suggestion is taken. Read
    only on a refusal (`Store.suggestion_times_since`)."""
    made = await core.store.suggestion_times_since(member_id, now - RATE_WINDOW)
    # Fewer than counted (one deleted since the count): the oldest read still tells a time the window has room by.
    leaves = (made[-limit] if len(made) >= limit else made[0]) if made else now
    return (leaves + RATE_WINDOW).replace(second=0, microsecond=0) + timedelta(minutes=1)


def _lookalike(url: str) -> UserError:
    """The refusal of an address whose host is not plain ASCII (`courses.host_problem`): what to type instead, with
    the host's ``xn--`` form when it has one (the site a browser would open)."""
    host = urlsplit(url).hostname or ""
    ascii_form = ascii_host(host)
    if ascii_form is None:
        return UserError("curation.lookalike_host", url=_shown_url(url))
    return UserError("curation.lookalike_host_ascii", url=_shown_url(url), ascii=ascii_form)


def _shown_url(url: str) -> str:
    """A refused address as its refusal quotes it: its start, each character that cannot be shown (a control
    character, a lone surrogate) as U+FFFD."""
    return "".join(ch if ch.isprintable() else "\ufffd" for ch in url[:80])


def _check_spam(*texts: str) -> None:
    """A `UserError` when a text holds a link, a long run of one character or a sales word, seen through what
    hides them (`text_safety.comparable`: invisible characters, fullwidth letters, odd spaces); a run of spaces or
    line breaks counts as typed."""
    for typed in texts:
        text = comparable(typed)
        if _LINK.search(text) or _REPEATS.search(text) or _REPEATS.search(typed) or _SPAM_WORDS.search(text):
            raise UserError("curation.spam")


async def suggest(
    ctx: Context, *, url: str | None, skills: str | None, title: str | None = None, note: str | None = None
) -> Reply:
    """Queue a resource for the admins' review; refused with a reason when the address is no resource's page,
    already in the catalog or suggested, when a text looks like spam, or past the member's daily limit."""
    core = ctx.core
    address = check_url(url)
    slugs = resolve_skills(core, skills, ctx.lang, limit=MAX_SUGGESTION_SKILLS, too_many="curation.too_many_skills")
    if not slugs:
        raise UserError("curation.skills_missing")
    name = check_text(title, field="title", max_length=MAX_TITLE) or address
    text = check_text(note, field="note", max_length=MAX_NOTE)
    _check_spam(name if title else "", text)
    key = url_key(address)
    for course in core.library.catalog:
        if url_key(course.url) == key:
            raise await _in_catalog(ctx, course)
    community = ctx.caller.community
    existing = await core.store.find_suggestion_by_url(community, *url_keys(address))
    if existing is not None:
        raise UserError(f"curation.already_{existing.status.value}", id=existing.id)
    now = core.clock.now()
    # Two suggestions at once (two processes): the second counts after the first is saved, as a request does.
    await core.store.lock_member(ctx.member.id)
    limit = core.settings.suggestions_per_day
    if await core.store.suggestions_since(ctx.member.id, now - RATE_WINDOW) >= limit:
        again = await _suggest_again_at(core, ctx.member.id, now, limit)
        zone = zone_of(ctx.member, await core.store.get_mentor_profile(ctx.member.id))
        raise UserError("curation.rate_limited", count=limit, at=when(again, ctx.t, zone))
    made: Suggestion | None = None
    for _ in range(SUGGEST_ATTEMPTS):
        made = await core.store.suggest_course(
            community, ctx.member.id, url=address, url_key=key, title=name, skills=slugs, note=text, now=now
        )
        if made is not None:
            break
        # Another member suggested it a moment ago (between the check above and this insert): theirs, read again,
        # is the one to name, with its id and state. Gone again (rejected meanwhile: a rejected address may be
        # suggested again), this one is tried once more.
        existing = await core.store.find_suggestion_by_url(community, *url_keys(address))
        if existing is not None:
            raise UserError(f"curation.already_{existing.status.value}", id=existing.id)
    if made is None:
        raise unexpected(
            log, "suggesting %s in %s kept meeting a suggestion that was gone", key, community, exc_info=False
        )
    return Reply(ctx.t("curation.suggested", id=made.id, title=shown_title(made), skills=core.labels(slugs, ctx.lang)))


async def _in_catalog(ctx: Context, course: Course) -> UserError:
    """The refusal of a suggestion of `course`, a resource of the catalog file: with a ``/courses`` that lists it,
    for the caller as `/courses` ranks (the community's catalog and votes, the caller's language). `/courses` alone
    shows only how to ask, or the best for the caller's requests, so the answer names a query: each of its skills
    alone, then all of them, then with its format, then with its level too (`_course_queries`), the first whose
    best (`recommendations.DEFAULT_LIMIT`) hold it. When none does (more alike resources rank above it), it is said
    to be there, for its skills, without a promise that a query lists it. Read only on this refusal."""
    core = ctx.core
    community = ctx.caller.community
    catalog = await community_catalog(core, community)
    votes = await core.store.vote_tallies(community)
    queries = _course_queries(course)
    for skills, level, format in queries:
        found = recommend(
            catalog, core.library.taxonomy, skills, level=level, format=format, lang=ctx.lang, votes=votes
        )
        if any(item.course.id == course.id for item in found.items):
            command = _courses_command(skills, level, format)
            return UserError("curation.in_catalog", title=course.title, provider=course.provider, command=command)
    return UserError(
        "curation.in_catalog_unlisted",
        title=course.title,
        provider=course.provider,
        skills=core.labels(course.skills, ctx.lang),
        command=_courses_command(course.skills[:1], None, None),
    )


def _course_queries(course: Course) -> list[tuple[tuple[str, ...], CourseLevel | None, Format | None]]:
    """The ``/courses`` queries that may list `course`, shortest first: each of its skills alone, then all of them
    (a course teaching more of those asked ranks first), with its format, then with its level too."""
    skills = tuple(course.skills)
    queries: list[tuple[tuple[str, ...], CourseLevel | None, Format | None]] = [
        ((slug,), None, None) for slug in skills
    ]
    if len(skills) > 1:
        queries.append((skills, None, None))
    queries.append((skills, None, course.format))
    queries.append((skills, course.level, course.format))
    return queries


def _courses_command(skills: Sequence[str], level: CourseLevel | None, format: Format | None) -> str:
    """The ``/courses`` command of a query, as a member types it (the slugs and values `/courses` reads)."""
    command = f"/courses skills:{', '.join(skills)}"
    if format is not None:
        command += f" format:{format.value}"
    if level is not None:
        command += f" level:{level.value}"
    return command


# ------------------------------------------------------------------------------------------- reviewing


def _suggestion_field(core: Core, suggestion: Suggestion, lang: str) -> Field:
    t = translator(lang)
    lines = [defuse_url(suggestion.url)]  # stored before `check_url` encoded ``<`` and ``>``: shown encoded
    if host_problem(suggestion.url) is not None:  # stored before the rule: shown with the host a browser opens
        host = ascii_host(urlsplit(suggestion.url).hostname or "") or "?"
        lines.append(t("curation.queue_lookalike", host=host))
    lines.append(t("curation.queue_skills", skills=core.labels(suggestion.skills, lang)))
    if suggestion.note:
        lines.append(t("curation.queue_note", note=defuse_mentions(suggestion.note)))
    return Field(t("curation.queue_item", id=suggestion.id, title=shown_title(suggestion)), "\n".join(lines))


async def review_queue(ctx: Context) -> Reply:
    """``/mentor-admin courses``: the pending suggestions (oldest first) with Approve / Reject buttons, then the
    most and least helpful resources per skill by the community's votes (titled "most helpful" only when no skill
    has a least helpful one)."""
    core = ctx.core
    community = ctx.caller.community
    pending = await core.store.list_suggestions(community, SuggestionStatus.PENDING)
    shown = pending[:QUEUE_LIMIT]
    fields = [_suggestion_field(core, s, ctx.lang) for s in shown]
    buttons = tuple(
        button
        for s in shown
        for button in (
            Button("suggestion.approve", str(s.id), ctx.t("curation.approve", id=s.id), ButtonStyle.PRIMARY),
            Button("suggestion.reject", str(s.id), ctx.t("curation.reject", id=s.id), ButtonStyle.DANGER),
        )
    )
    catalog = await community_catalog(core, community)
    helpful, least = helpful_summary(core, catalog, await core.store.vote_tallies(community), ctx.lang)
    if helpful:
        title = ctx.t("curation.helpful_title" if least else "curation.helpful_title_most")
        fields.append(Field(title, "\n".join(helpful)))
    if pending:
        text = ctx.t("curation.queue_text", count=len(pending), shown=len(shown))
    else:
        text = ctx.t("curation.queue_empty")
    return Reply(text, title=ctx.t("curation.queue_title"), fields=tuple(fields), buttons=buttons)


def helpful_lines(core: Core, catalog: Catalog, tallies: dict[str, Tally], lang: str) -> list[str]:
    """Per skill (taxonomy order) with at least one resource voted on MIN_VOTES_FOR_RANKING times: the most
    helpful resource and, when another one qualifies with a lower share (`helpful_share`), the least helpful
    one."""
    return helpful_summary(core, catalog, tallies, lang)[0]


def helpful_summary(core: Core, catalog: Catalog, tallies: dict[str, Tally], lang: str) -> tuple[list[str], bool]:
    """`helpful_lines`, and whether one of them names a least helpful resource."""
    t = translator(lang)
    lines: list[str] = []
    least = False
    for skill in core.library.taxonomy.skills:
        voted = [
            (helpful_share(tallies[c.id]), c, tallies[c.id])
            for c in catalog.for_skill(skill.slug)
            if c.id in tallies and tallies[c.id].total >= MIN_VOTES_FOR_RANKING
        ]
        if not voted:
            continue
        voted.sort(key=lambda entry: (-entry[0], entry[1].id))
        best = voted[0]
        line = t("curation.most_helpful", skill=skill.label(lang), **_shown(best[1], best[2]))
        if len(voted) > 1 and voted[-1][0] < best[0]:  # as helpful as the best is not "least helpful"
            worst = voted[-1]
            line += " · " + t("curation.least_helpful", **_shown(worst[1], worst[2]))
            least = True
        lines.append(line)
    return lines, least


def _shown(course: Course, tally: Tally) -> dict[str, object]:
    return {"title": shown_course_title(course), "helpful": tally.helpful, "total": tally.total}


async def decide(
    ctx: Context, *, suggestion_id: str | int, approve: bool, reason: str | None = None, withdraw: bool = False
) -> Reply:
    """Approve or reject a pending suggestion (its button, or ``/mentor-admin approve|reject <n>``); a rejection
    typed by an admin (`withdraw`) of an approved one withdraws it from the community's catalog (`withdraw_approved`):
    a stale Reject button of a review queue shown before another admin approved it is told who approved it instead.
    A suggestion none of whose skills the taxonomy still has is not approved: it would be shown nowhere; nor is one
    whose address's host is not plain ASCII, queued before `check_url` refused it (a lookalike site). A second
    decision, by anyone, is told who decided first, and when. The member who suggested it is told."""
    core = ctx.core
    wanted = parse_id(suggestion_id, "suggestion", listed_by="/mentor-admin courses")
    why = check_text(reason, field="reason", max_length=300) or None
    community = ctx.caller.community
    if approve:
        found = await core.store.get_suggestion(community, wanted)
        if found is not None and found.status is SuggestionStatus.PENDING and not _taught(core, found):
            raise UserError(
                "curation.skills_gone", id=wanted, skills=ctx.t.join([f"`{slug}`" for slug in found.skills])
            )
        if found is not None and found.status is SuggestionStatus.PENDING and host_problem(found.url) is not None:
            # Queued before the rule (`check_url`): approved, it would be left out of the catalog anyway.
            raise UserError("curation.lookalike_not_approved", id=wanted)
    admin = ctx.member.platform_user_id  # as forgetting the admin finds it (`decided_by`)
    decided = await core.store.decide_suggestion(
        community, wanted, approve=approve, admin=admin, reason=why, now=core.clock.now()
    )
    if decided is None:
        found = await core.store.get_suggestion(community, wanted)
        if found is None:
            raise UserError("curation.no_suggestion", id=wanted)
        if withdraw and not approve and found.status is SuggestionStatus.APPROVED:
            return await withdraw_approved(ctx, found, why)
        return _decided_first(ctx, found)
    await _tell_author(ctx, decided, "curation.told_approved" if approve else "curation.told_rejected", why)
    done = "curation.approved" if approve else "curation.rejected"
    return Reply(ctx.t(done, id=decided.id, title=shown_title(decided)))


async def withdraw_approved(ctx: Context, approved: Suggestion, reason: str | None) -> Reply:
    """``/mentor-admin reject <n>`` of an approved suggestion: rejected after all (a compare-and-set on
    ``approved``, recording who, when and why), so `community_catalog`, and with it ``/courses`` and
    introductions, leave it out from now on. The admin is told who approved it; its author is told it is out."""
    core = ctx.core
    withdrawn = await core.store.withdraw_suggestion(
        approved.community, approved.id, admin=ctx.member.platform_user_id, reason=reason, now=core.clock.now()
    )
    if withdrawn is None:  # withdrawn by another admin a moment ago
        again = await core.store.get_suggestion(approved.community, approved.id)
        if again is None:
            raise UserError("curation.no_suggestion", id=approved.id)
        return _decided_first(ctx, again)
    await _tell_author(ctx, withdrawn, "curation.told_withdrawn", reason)
    approver, at = _decider(ctx, approved)
    return Reply(ctx.t("curation.withdrawn", id=withdrawn.id, title=shown_title(withdrawn), admin=approver, when=at))


async def _tell_author(ctx: Context, decided: Suggestion, key: str, reason: str | None) -> None:
    """Tell the member who made `decided` (when they are still here) what became of it, with the admins' reason
    when it was turned down or withdrawn."""
    core = ctx.core
    if decided.member_id is None:
        return
    member = await core.store.get_member(decided.member_id)
    if member is None:
        return
    t = translator(core.lang_of(member))
    text = t(key, title=shown_title(decided), id=decided.id)
    if reason and decided.status is SuggestionStatus.REJECTED:
        text += "\n" + t("curation.told_reason", reason=reason)
    # One key for every word on this suggestion: a newer one supersedes an older one not delivered yet.
    ctx.tell([core.notify(member, Reply(text), key=f"suggestion:{decided.id}")])


def _decider(ctx: Context, decided: Suggestion) -> tuple[str, str]:
    """Who decided `decided` and when, as the admin reading it is shown them: the deciding admin's mention (as
    `views.mention` names a member; "a member who has left" once they deleted their data, which clears
    ``decided_by``) and the time in the zone the reader reads the programme's dates in (`Core.admin_zone`)."""
    name = mention_of(decided.decided_by) if decided.decided_by else views.mention(None, ctx.t)
    at = when(decided.decided_at, ctx.t, ctx.core.admin_zone(ctx.member)) if decided.decided_at is not None else "—"
    return name, at


def _decided_first(ctx: Context, found: Suggestion) -> Reply:
    """The answer to a decision on a suggestion decided already: how, by whom and when."""
    if found.status is SuggestionStatus.PENDING:  # not reached: only a decided one fails the compare-and-set
        return Reply(ctx.t("curation.already_pending", id=found.id))
    admin, at = _decider(ctx, found)
    return Reply(ctx.t(f"curation.decided_{found.status.value}", id=found.id, admin=admin, when=at))


# ------------------------------------------------------------------------------------------- voting


async def vote(ctx: Context, *, resource: str, helpful: bool) -> Reply:
    """Mark a resource helpful or not: one vote per member per resource; voting again changes it. A member
    does not vote on the resource they suggested themselves. A resource not in the catalog is refused as
    `_not_in_catalog` tells."""
    core = ctx.core
    community = ctx.caller.community
    catalog = await community_catalog(core, community)
    course = catalog.get(resource.strip())
    if course is None:
        raise await _not_in_catalog(core, community, resource.strip())
    if isinstance(course, CommunityCourse):
        suggested = await core.store.get_suggestion(community, course.suggestion_id)
        if suggested is not None and suggested.member_id == ctx.member.id:
            raise UserError("curation.own_suggestion", title=shown_course_title(course))
    before = await core.store.member_vote(community, course.id, ctx.member.id)
    await core.store.vote(community, course.id, ctx.member.id, helpful=helpful, now=core.clock.now())
    if before is None:
        key = "curation.voted_helpful" if helpful else "curation.voted_not_helpful"
    elif before == helpful:
        key = "curation.vote_unchanged"
    else:
        key = "curation.vote_changed_helpful" if helpful else "curation.vote_changed_not_helpful"
    return Reply(ctx.t(key, title=shown_course_title(course)))


async def _not_in_catalog(core: Core, community: str, resource: str) -> UserError:
    """The refusal of a vote for `resource`, which the community's catalog does not have (now). A vote button stays
    under a list after a reload or an admin took its resource out: one known to have been in the catalog (an
    approved suggestion withdrawn, or none of whose skills a reload left; a file entry the community voted on) is
    "no longer in the catalog"; one that could be a file entry a reload removed, as well as a typo, is "not in the
    catalog" and may no longer be; anything else (no resource's id; a suggestion never approved) is unknown. Each
    points to ``/courses``, the current list."""
    shown = resource[:80]
    number = resource.removeprefix(COMMUNITY_ID_PREFIX)
    if number != resource:
        if number.isascii() and number.isdigit() and len(number) <= _MAX_ID_DIGITS:
            found = await core.store.get_suggestion(community, int(number))
            if found is not None and (
                found.status is SuggestionStatus.REJECTED
                or (found.status is SuggestionStatus.APPROVED and not _taught(core, found))
            ):
                return UserError("curation.resource_gone", resource=shown_title(found))
        return UserError("curation.no_resource", resource=shown)
    if not _RESOURCE_ID.fullmatch(resource):
        return UserError("curation.no_resource", resource=shown)
    if resource in await core.store.vote_tallies(community):
        return UserError("curation.resource_gone", resource=shown)
    return UserError("curation.resource_not_listed", resource=shown)


_RESOURCE_ID: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
"""The form of a catalog file entry's id (`courses.CourseId`): what a vote button of one carries."""
_MAX_ID_DIGITS: Final = 9
"""A suggestion number longer than this is no suggestion's (and would not fit the database's integer)."""


def parse_vote(answer: str | None) -> bool:
    """``helpful`` / ``yes`` / ``up`` (or Swahili ``inasaidia`` / ``ndiyo``) is True; ``not`` / ``no`` / ``down``
    (``haisaidii`` / ``hapana``) is False; a `UserError` otherwise."""
    word = " ".join((answer or "").strip().casefold().replace("-", " ").split())
    if word in _HELPFUL:
        return True
    if word in _NOT_HELPFUL:
        return False
    raise UserError("curation.bad_vote", value=(answer or "").strip())


_HELPFUL: Final = frozenset({"helpful", "yes", "y", "up", "+1", "inasaidia", "ndiyo", "ndio"})
_NOT_HELPFUL: Final = frozenset({"not helpful", "not", "no", "n", "down", "-1", "haisaidii", "hapana"})
