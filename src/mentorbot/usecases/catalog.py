"""The skills taxonomy and the course catalog, as members browse them."""

from __future__ import annotations

from mentorbot import paging
from mentorbot.recommendations import courses_command
from mentorbot.replies import Reply
from mentorbot.skills import render_skill_list
from mentorbot.usecases.context import Context
from mentorbot.usecases.curation import community_catalog


async def skills(
    ctx: Context, *, query: str | None = None, page: str | int | None = None, start: str | int | None = None
) -> Reply:
    """The skill taxonomy, or every skill matching a query, a page at a time (typed `page` from 1, or entry
    `start` from a paging button)."""
    taxonomy = ctx.core.library.taxonomy
    first = paging.start_of(page, start, paging.PAGE_SIZE)
    found = taxonomy.search(query or "", limit=len(taxonomy))
    return render_skill_list(found, ctx.lang, query or None, start=first)


async def courses(
    ctx: Context,
    *,
    skills: str | None = None,
    level: str | None = None,
    free: str | bool | None = None,
    format: str | None = None,
) -> Reply:
    """Top courses for the skills (or, when none are given, the skills of the caller's open requests and of
    their active mentorships, as mentee or mentor), from the file catalog and the community's approved
    suggestions, ranked with the community's helpful votes."""
    library = ctx.core.library
    community = ctx.caller.community
    gaps: list[str] = []
    if not (skills or "").strip():
        for request in await ctx.core.store.list_member_requests(ctx.member.id, open_only=True):
            gaps.extend(request.skills)
        for mentorship in await ctx.core.store.list_mentorships(member_id=ctx.member.id, active_only=True):
            gaps.extend(mentorship.skills)
    return courses_command(
        await community_catalog(ctx.core, community),
        library.taxonomy,
        skills=skills,
        level=level,
        free=free,
        format=format,
        open_request_skills=gaps,
        lang=ctx.lang,
        votes=await ctx.core.store.vote_tallies(community),
    )
