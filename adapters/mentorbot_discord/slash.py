"""The slash commands: typed Discord options in, one core use-case call out.

Every command is a one-liner handing its options to `MentorBot` through `MentorBotClient.run_command`,
which builds the `Caller`, acknowledges in time and renders the `Outcome`. Names and descriptions here are
Discord metadata (shown in Discord's command picker, which has no Swahili); everything sent to members comes
from the message catalogs.

`command_list()` builds fresh command objects: the running client and ``mentorbot discord sync`` (which
needs no database) register the same definitions.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any, Final

import discord
from discord import app_commands

from mentorbot.bot import Caller, MentorBot
from mentorbot.commands import Command, Pace, find_command
from mentorbot.courses import CourseLevel, Format
from mentorbot.errors import UserError
from mentorbot.i18n import LANGUAGES
from mentorbot.replies import Outcome
from mentorbot.timezones import OFFSET_TYPED, city_zone, parse_timezone, zone_key
from mentorbot_discord.picks import AUTOCOMPLETE_LIMIT, expand
from mentorbot_discord.ports import Interaction, client_of
from mentorbot_discord.render import given_back

Choice = app_commands.Choice

MANAGE_SERVER: Final = discord.Permissions(manage_guild=True)
GUILDS_ONLY: Final = app_commands.AppCommandContext(guild=True, dm_channel=False, private_channel=False)
"""Every command acts in a server's programme: none is offered in DMs (a DM has no community)."""
GUILD_INSTALL: Final = app_commands.AppInstallationType(guild=True, user=False)

LANGUAGE_NAMES: Final = {"en": "English", "sw": "Kiswahili"}
LANGUAGE_CHOICES: Final = [Choice(name=LANGUAGE_NAMES.get(code, code), value=code) for code in LANGUAGES]
CHART_CHOICES: Final = [
    Choice(name="supply against demand per skill", value="supply"),
    Choice(name="requests and matches per week", value="weekly"),
    Choice(name="days to match", value="days"),
]
LEVEL_CHOICES: Final = [Choice(name=level.value, value=level.value) for level in CourseLevel]
FORMAT_CHOICES: Final = [Choice(name=fmt.value.replace("-", " "), value=fmt.value) for fmt in Format]
COST_CHOICES: Final = [
    Choice(name="free only", value="yes"),
    Choice(name="paid only", value="no"),
    Choice(name="either", value="any"),
]
"""`/courses free`, as `free:yes`, `free:no` and `free:any` are typed on Slack (a true/false option could not ask
for paid ones only)."""
CHECKIN_CHOICES: Final = [Choice(name="Going well", value="ok"), Choice(name="Need help from an admin", value="help")]

PAGE_HELP: Final = "Which page of a long list (1 is the first)"
SKILLS_HELP: Final = "Skills, comma-separated (e.g. crisis-communications, paid social)"


def core_command(interaction: Interaction) -> Command | None:
    """The core's entry in the command table for the slash command being run (same names on Discord)."""
    command = interaction.command
    return find_command(command.qualified_name) if command is not None else None


async def _run(
    interaction: Interaction, call: Callable[[MentorBot, Caller], Awaitable[Outcome]], *, path: str | None = None
) -> None:
    """Run `call` for the slash command; deferred at once unless the table says it is quick (`Command.pace`), and
    not recorded first when it is a quick read (`Command.read_only`). `path`: the core command `call` stands for,
    when it is not the slash command's own (an option standing for another command)."""
    command = find_command(path) if path is not None else core_command(interaction)
    slow = command is not None and command.pace is not Pace.QUICK
    read_only = command is not None and command.read_only
    await client_of(interaction).run_command(interaction, call, slow=slow, read_only=read_only)


# ------------------------------------------------------------------------------------------ autocomplete


async def complete_skills(interaction: Interaction, current: str) -> list[Choice[str]]:
    """Skills from the taxonomy for the tag being typed (the last of a comma-separated list)."""
    return await client_of(interaction).skill_choices(interaction, current)


async def complete_skill(interaction: Interaction, current: str) -> list[Choice[str]]:
    """Skills from the taxonomy for an option that takes one skill (`/skills query`, `/mentor-admin recruit`):
    what was typed is completed as one item (a comma is no separator here), so each choice is that one skill,
    never a list nor a short code (``~k3f``) the command could not read."""
    return await client_of(interaction).skill_choices(interaction, current.replace(",", " "))


@cache
def _zones() -> tuple[tuple[str, str], ...]:
    """Every IANA name the command accepts as it is (`timezones.parse_timezone`), with its `zone_key`
    (``America/Sao_Paulo`` → ``america/sao_paulo``): not the old names without a region that the core refuses
    (``Japan``, ``EST``, ``GB``: offered, they were refused once picked; session 43's parity hunt), nor the
    ``Etc/GMT±N`` names (their sign is the reverse of what they seem to say: ``Etc/GMT+3`` is three hours *behind*
    UTC)."""
    names = sorted(zoneinfo.available_timezones())
    return tuple(
        (zone_key(z), z) for z in names if (not z.startswith("Etc/GMT") or z == "Etc/GMT") and _accepted_as_is(z)
    )


def _accepted_as_is(zone: str) -> bool:
    """Whether the core stores `zone` as it is when it is typed (not refused, not read as another name)."""
    try:
        return parse_timezone(zone) == zone
    except UserError:
        return False


async def complete_timezone(interaction: Interaction, current: str) -> list[Choice[str]]:
    """IANA time zones containing what was typed, compared as `timezones.zone_key` reads both (case, accents,
    and spaces or hyphens for the names' underscores aside: ``são paulo`` → ``America/Sao_Paulo``), those whose
    name or city starts with it first; the one zone of a typed city (`timezones.city_zone`, as the core reads
    it) before them, and an offset (``GMT+3``, ``+3``) first of all as the core reads it (``UTC+03:00``)."""
    wanted = zone_key(current)
    if wanted:
        found = [(key, z) for key, z in _zones() if wanted in key]
        found.sort(key=lambda kz: (not kz[0].startswith(wanted), not kz[0].rsplit("/", 1)[-1].startswith(wanted)))
        zones = [z for _, z in found]
    else:
        zones = ["UTC", "Africa/Nairobi", "Europe/London"]
    for first in (city_zone(current), _offset(current)):
        if first is not None:
            zones = [first, *(z for z in zones if z != first)]
    return [Choice(name=z, value=z) for z in zones[:AUTOCOMPLETE_LIMIT]]


def _offset(typed: str) -> str | None:
    """What was typed as a UTC offset the core accepts (``UTC+03:00``), or None when it is not one."""
    if not OFFSET_TYPED.match(typed.strip()):
        return None
    try:
        return parse_timezone(typed)
    except UserError:
        return None


# ----------------------------------------------------------------------------------------------- /mentor


class MentorGroup(app_commands.Group, name="mentor", description="Peer mentorship: find a mentor, or mentor others"):
    """``/mentor …``: what members and mentors do."""

    def __init__(self) -> None:
        super().__init__(guild_only=True, allowed_contexts=GUILDS_ONLY, allowed_installs=GUILD_INSTALL)

    @app_commands.command(name="signup", description="Become a mentor, or update your mentor profile")
    @app_commands.describe(
        skills=SKILLS_HELP,
        levels="learning, practitioner or expert: one for all, one per skill, or skill:level pairs",
        capacity="How many mentees at once (1-10)",
        bio="A few words about you, shown to your mentees",
        timezone="Your time zone, e.g. Africa/Nairobi or UTC+3",
        languages="Languages you mentor in, as codes (e.g. en, sw)",
    )
    @app_commands.autocomplete(skills=complete_skills, timezone=complete_timezone)
    async def signup(
        self,
        interaction: Interaction,
        skills: str | None = None,
        levels: str | None = None,
        capacity: app_commands.Range[int, 1, 10] | None = None,
        bio: app_commands.Range[str, 1, 500] | None = None,
        timezone: str | None = None,
        languages: str | None = None,
    ) -> None:
        await _run(
            interaction,
            lambda bot, caller: bot.signup(
                caller,
                skills=expand(skills, bot.library.taxonomy),
                levels=levels,
                capacity=capacity,
                bio=bio,
                timezone=timezone,
                languages=languages,
            ),
        )

    @app_commands.command(name="request", description="Ask for a mentor in 1-5 skills")
    @app_commands.describe(skills=SKILLS_HELP, note="What you want help with (mentors see it)")
    @app_commands.autocomplete(skills=complete_skills)
    async def request(
        self, interaction: Interaction, skills: str, note: app_commands.Range[str, 1, 500] | None = None
    ) -> None:

        async def call(bot: MentorBot, caller: Caller) -> Outcome:
            outcome = await bot.request(caller, skills=expand(skills, bot.library.taxonomy) or "", note=note)
            return given_back(outcome, "discord.given_back.note", note)  # refused: the note, to paste again

        await _run(interaction, call)

    @app_commands.command(name="status", description="Your profile, open requests, offers and mentorships")
    async def status(self, interaction: Interaction) -> None:
        await _run(interaction, lambda bot, caller: bot.status(caller))

    @app_commands.command(name="cancel", description="Withdraw an open request")
    @app_commands.describe(request="The request number (needed when you have several)")
    async def cancel(self, interaction: Interaction, request: app_commands.Range[int, 1] | None = None) -> None:
        await _run(interaction, lambda bot, caller: bot.cancel(caller, request_id=request))

    @app_commands.command(name="accept", description="Accept an offer made to you")
    @app_commands.describe(offer="The offer number")
    async def accept(self, interaction: Interaction, offer: app_commands.Range[int, 1]) -> None:
        await _run(interaction, lambda bot, caller: bot.accept(caller, offer_id=offer))

    @app_commands.command(name="decline", description="Decline an offer made to you")
    @app_commands.describe(offer="The offer number", reason="Why (optional, for the admins)")
    async def decline(
        self,
        interaction: Interaction,
        offer: app_commands.Range[int, 1],
        reason: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        await _run(interaction, lambda bot, caller: bot.decline(caller, offer_id=offer, reason=reason))

    @app_commands.command(name="end", description="Close a mentorship, with an optional rating and comment")
    @app_commands.describe(
        mentorship="The mentorship number (needed when you have several)",
        rating="How it went, 1 to 5",
        comment="A comment only admins read; your partner doesn't see it",
    )
    async def end(
        self,
        interaction: Interaction,
        mentorship: app_commands.Range[int, 1] | None = None,
        rating: app_commands.Range[int, 1, 5] | None = None,
        comment: app_commands.Range[str, 1, 1000] | None = None,
    ) -> None:
        await _run(
            interaction,
            lambda bot, caller: bot.end(caller, mentorship_id=mentorship, rating=rating, comment=comment),
        )

    @app_commands.command(
        name="feedback", description="Rate a mentorship that has ended (once each: you and your partner)"
    )
    @app_commands.describe(
        mentorship="The mentorship number (none: the one waiting for your rating)",
        rating="How it went, 1 to 5",
        comment="A comment only admins read; your partner doesn't see it",
    )
    async def feedback(
        self,
        interaction: Interaction,
        rating: app_commands.Range[int, 1, 5],
        mentorship: app_commands.Range[int, 1] | None = None,
        comment: app_commands.Range[str, 1, 1000] | None = None,
    ) -> None:
        await _run(
            interaction,
            lambda bot, caller: bot.feedback(caller, mentorship_id=mentorship, rating=rating, comment=comment),
        )

    @app_commands.command(name="checkin", description="Answer a check-in: going well, or ask an admin for help")
    @app_commands.describe(
        answer="Going well, or ask an admin for help",
        mentorship="The mentorship number; empty for your only active one",
    )
    @app_commands.choices(answer=CHECKIN_CHOICES)
    async def checkin(
        self, interaction: Interaction, answer: str, mentorship: app_commands.Range[int, 1] | None = None
    ) -> None:
        # Discord puts a required option before the optional ones: the answer first, the number when there are several.
        number = "" if mentorship is None else mentorship
        await _run(interaction, lambda bot, caller: bot.checkin(caller, mentorship_id=number, answer=answer))

    @app_commands.command(name="pause", description="Stop receiving offers for now")
    @app_commands.describe(until="A date (2026-12-24) or a duration (3d, 2w); empty until you resume")
    async def pause(self, interaction: Interaction, until: str | None = None) -> None:
        await _run(interaction, lambda bot, caller: bot.pause(caller, until=until))

    @app_commands.command(name="resume", description="Receive offers again")
    async def resume(self, interaction: Interaction) -> None:
        await _run(interaction, lambda bot, caller: bot.resume(caller))

    @app_commands.command(name="language", description="The language MentorBot replies to you in")
    @app_commands.describe(language="English or Kiswahili")
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def language(self, interaction: Interaction, language: str) -> None:
        await _run(interaction, lambda bot, caller: bot.set_language(caller, language=language))

    @app_commands.command(name="timezone", description="Your time zone: times in it, mentors near your hours first")
    @app_commands.describe(timezone="Your time zone, e.g. Africa/Nairobi or UTC+3")
    @app_commands.autocomplete(timezone=complete_timezone)
    async def timezone(self, interaction: Interaction, timezone: str) -> None:
        await _run(interaction, lambda bot, caller: bot.set_timezone(caller, timezone=timezone))

    @app_commands.command(name="export", description="Everything MentorBot stores about you, as a JSON file")
    async def export(self, interaction: Interaction) -> None:
        await _run(interaction, lambda bot, caller: bot.export(caller))

    @app_commands.command(name="forget", description="Delete your data (asks you to confirm)")
    async def forget(self, interaction: Interaction) -> None:
        await _run(interaction, lambda bot, caller: bot.forget(caller))


# ----------------------------------------------------------------------------------------- /mentor-admin


class AdminGroup(
    app_commands.Group,
    name="mentor-admin",
    description="Run the mentorship programme (admins)",
    default_permissions=MANAGE_SERVER,
):
    """``/mentor-admin …``: hidden from members by default (Manage Server); the core checks again on use."""

    def __init__(self) -> None:
        super().__init__(guild_only=True, allowed_contexts=GUILDS_ONLY, allowed_installs=GUILD_INSTALL)

    @app_commands.command(name="stats", description="Programme health, with a chart")
    @app_commands.describe(chart="Which chart to draw (supply against demand by default)")
    @app_commands.choices(chart=CHART_CHOICES)
    async def stats(self, interaction: Interaction, chart: str | None = None) -> None:
        await _run(interaction, lambda bot, caller: bot.admin_stats(caller, chart=chart))

    @app_commands.command(name="recruit", description="Draft a message recruiting mentors for the scarcest skills")
    @app_commands.describe(skill="One skill to recruit for (the scarcest ones by default)")
    @app_commands.autocomplete(skill=complete_skill)
    async def recruit(self, interaction: Interaction, skill: str | None = None) -> None:
        await _run(
            interaction,
            lambda bot, caller: bot.admin_recruit(caller, skill=expand(skill, bot.library.taxonomy)),
        )

    @app_commands.command(name="waitlist", description="Waiting requests and why each waits")
    @app_commands.describe(page=PAGE_HELP)
    async def waitlist(self, interaction: Interaction, page: app_commands.Range[int, 1, 10_000] | None = None) -> None:
        await _run(interaction, lambda bot, caller: bot.admin_waitlist(caller, page=page))

    @app_commands.command(name="match", description="Match a request to a mentor by hand")
    @app_commands.describe(
        request="The request number",
        mentor="The mentor",
        force="Match even without a shared skill or while the mentor is paused (recorded)",
    )
    async def match(
        self,
        interaction: Interaction,
        request: app_commands.Range[int, 1],
        mentor: discord.User,
        force: bool | None = None,
    ) -> None:
        who = str(mentor.id)
        await _run(
            interaction,
            lambda bot, caller: bot.admin_match(caller, request_id=request, mentor=who, force=bool(force)),
        )

    @app_commands.command(name="end", description="End a mentorship")
    @app_commands.describe(mentorship="The mentorship number")
    async def end(self, interaction: Interaction, mentorship: app_commands.Range[int, 1]) -> None:
        await _run(interaction, lambda bot, caller: bot.admin_end(caller, mentorship_id=mentorship))

    @app_commands.command(name="pause", description="Pause a mentor (they are told)")
    @app_commands.describe(mentor="The mentor", until="A date (2026-12-24) or a duration (3d, 2w)")
    async def pause(self, interaction: Interaction, mentor: discord.User, until: str | None = None) -> None:
        who = str(mentor.id)
        await _run(interaction, lambda bot, caller: bot.admin_pause(caller, mentor=who, until=until))

    @app_commands.command(name="round", description="Match every waiting request at once, optimally")
    async def round(self, interaction: Interaction) -> None:
        await _run(interaction, lambda bot, caller: bot.admin_round(caller))

    @app_commands.command(name="reload", description="Re-read the skills and courses files")
    async def reload(self, interaction: Interaction) -> None:
        await _run(interaction, lambda bot, caller: bot.admin_reload(caller))

    @app_commands.command(name="export", description="CSV files of members, requests, offers, mentorships, feedback")
    async def export(self, interaction: Interaction) -> None:
        await _run(interaction, lambda bot, caller: bot.admin_export(caller))

    @app_commands.command(name="courses", description="Suggested resources to review, and the most helpful ones")
    async def courses(self, interaction: Interaction) -> None:
        await _run(interaction, lambda bot, caller: bot.admin_courses(caller))

    @app_commands.command(name="approve", description="Add a suggested resource to the community's catalog")
    @app_commands.describe(suggestion="The suggestion number")
    async def approve(self, interaction: Interaction, suggestion: app_commands.Range[int, 1]) -> None:
        await _run(
            interaction,
            lambda bot, caller: bot.admin_decide_suggestion(caller, suggestion_id=suggestion, approve=True),
        )

    @app_commands.command(name="reject", description="Turn a suggested resource down")
    @app_commands.describe(suggestion="The suggestion number", reason="Why (the member is told)")
    async def reject(
        self,
        interaction: Interaction,
        suggestion: app_commands.Range[int, 1],
        reason: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        await _run(
            interaction,
            lambda bot, caller: bot.admin_decide_suggestion(
                caller, suggestion_id=suggestion, approve=False, reason=reason, withdraw=True
            ),
        )


# --------------------------------------------------------------------------------- /courses and /skills


def _courses_command() -> app_commands.Command[Any, ..., None]:
    @app_commands.command(name="courses", description="Trusted courses and resources for skills")
    @app_commands.describe(
        skills=SKILLS_HELP + "; empty: your open requests",
        level="Your level",
        free="Free only, paid only, or either",
        format="Only this kind of resource",
        suggest="Suggest a resource instead: its web address (with skills, and a title and note if you like)",
        title="With suggest: the resource's title",
        note="With suggest: why it helps (the admins see it)",
    )
    @app_commands.choices(level=LEVEL_CHOICES, format=FORMAT_CHOICES, free=COST_CHOICES)
    @app_commands.autocomplete(skills=complete_skills)
    @app_commands.guild_only()
    @app_commands.allowed_installs(guilds=True, users=False)
    async def courses(
        interaction: Interaction,
        skills: str | None = None,
        level: str | None = None,
        free: str | None = None,
        format: str | None = None,
        suggest: app_commands.Range[str, 1, 500] | None = None,
        title: app_commands.Range[str, 1, 150] | None = None,
        note: app_commands.Range[str, 1, 500] | None = None,
    ) -> None:
        if suggest is not None:  # Discord has no `/courses suggest` next to `/courses`: an option stands for it
            await _run(
                interaction,
                lambda bot, caller: bot.suggest_course(
                    caller, url=suggest, skills=expand(skills, bot.library.taxonomy), title=title, note=note
                ),
                path="courses suggest",  # a write, recorded first: not the quick read `/courses` is
            )
            return
        await _run(
            interaction,
            lambda bot, caller: bot.courses(
                caller, skills=expand(skills, bot.library.taxonomy), level=level, free=free, format=format
            ),
        )

    return courses


def _skills_command() -> app_commands.Command[Any, ..., None]:
    @app_commands.command(name="skills", description="The skills MentorBot knows, or those matching a query")
    @app_commands.describe(query="A word to look for (a name, a tag or an alias)", page=PAGE_HELP)
    @app_commands.autocomplete(query=complete_skill)
    @app_commands.guild_only()
    @app_commands.allowed_installs(guilds=True, users=False)
    async def skills(
        interaction: Interaction, query: str | None = None, page: app_commands.Range[int, 1, 10_000] | None = None
    ) -> None:
        await _run(interaction, lambda bot, caller: bot.skills(caller, query=query, page=page))

    return skills


def command_list() -> list[app_commands.Group | app_commands.Command[Any, ..., Any]]:
    """Fresh instances of every MentorBot slash command, ready for a `CommandTree`."""
    return [MentorGroup(), AdminGroup(), _courses_command(), _skills_command()]
