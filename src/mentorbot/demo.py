"""A sample community for trying MentorBot (``mentorbot console --demo``): mentors across the whole skill
taxonomy, a paused mentor and a few requests, one of them waiting.

Seeding goes through the use-cases (signup, pause, language, request), like real members would, and is
idempotent: a demo member who already exists is left as they are, so running it twice changes nothing and
what you did with a demo member in the console is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from mentorbot.bot import Caller, MentorBot
from mentorbot.models import RequestStatus


@dataclass(frozen=True)
class DemoMentor:
    """A sample mentor: skills with levels (``slug:level`` pairs), capacity, zone, languages, bio."""

    name: str
    skills: str
    levels: str
    capacity: int
    timezone: str
    languages: str
    bio: str
    language: str | None = None
    paused: bool = False


@dataclass(frozen=True)
class DemoRequest:
    """A sample member asking for a mentor."""

    name: str
    skills: str
    note: str
    language: str | None = None


MENTORS: Final[tuple[DemoMentor, ...]] = (
    DemoMentor(
        "Wanjiru",
        "crisis-communications, stakeholder-communication, brand-strategy, pr-media-relations, social-media-law",
        "crisis-communications:expert, stakeholder-communication:expert, brand-strategy:practitioner,"
        " pr-media-relations:expert, social-media-law:practitioner",
        2,
        "Africa/Nairobi",
        "en, sw",
        "Head of communications at a Nairobi telco; has steered three product-recall crises.",
    ),
    DemoMentor(
        "Baraka",
        "paid-social, analytics-reporting, budgeting-roi, whatsapp-marketing",
        "paid-social:expert, analytics-reporting:practitioner, budgeting-roi:practitioner, whatsapp-marketing:expert",
        3,
        "Africa/Dar_es_Salaam",
        "sw, en",
        "Anaendesha kampeni za matangazo ya kulipia kwa chapa za rejareja Afrika Mashariki.",
        language="sw",
    ),
    DemoMentor(
        "Amani",
        "content-creation, short-form-video, copywriting, creators-ugc, visual-design, ai-tools",
        "content-creation:expert, short-form-video:expert, copywriting:practitioner, creators-ugc:expert,"
        " visual-design:practitioner, ai-tools:practitioner",
        2,
        "Africa/Kampala",
        "en, sw",
        "Creator-turned-producer: short video series for NGOs and consumer brands.",
    ),
    DemoMentor(
        "Chioma",
        "community-management, social-customer-care, employee-advocacy, employer-branding, accessibility,"
        " personal-branding",
        "community-management:expert, social-customer-care:expert, employee-advocacy:practitioner,"
        " employer-branding:practitioner, accessibility:practitioner, personal-branding:practitioner",
        2,
        "Africa/Lagos",
        "en",
        "Built a 40,000-member brand community and the care team that answers it.",
    ),
    DemoMentor(
        "Priya",
        "seo, lead-generation, email-marketing",
        "seo:expert, lead-generation:expert, email-marketing:practitioner",
        2,
        "Asia/Kolkata",
        "en",
        "B2B growth marketer: search, gated content and nurture programmes.",
    ),
    DemoMentor(
        "Lucas",
        "social-listening, analytics-reporting",
        "social-listening:expert, analytics-reporting:expert",
        2,
        "Europe/Lisbon",
        "en, pt",
        "Insights lead; turns social listening into board-ready reports.",
        paused=True,
    ),
    DemoMentor(
        "Sofia",
        "influencer-marketing, social-commerce, brand-strategy",
        "influencer-marketing:expert, social-commerce:practitioner, brand-strategy:expert",
        2,
        "Europe/Madrid",
        "en, es",
        "Brand strategist who runs creator programmes for fashion labels.",
    ),
    DemoMentor(
        "Kofi",
        "leadership, social-media-strategy, budgeting-roi",
        "leadership:expert, social-media-strategy:expert, budgeting-roi:expert",
        3,
        "Africa/Accra",
        "en",
        "Director of a 12-person social team; happy to talk hiring, budgets and strategy.",
    ),
    DemoMentor(
        "Neema",
        "copywriting, email-marketing, content-creation",
        "copywriting:expert, email-marketing:expert, content-creation:practitioner",
        2,
        "Africa/Dar_es_Salaam",
        "sw, en",
        "Mwandishi wa matangazo kwa Kiswahili na Kiingereza kwa zaidi ya miaka kumi.",
        language="sw",
    ),
    DemoMentor(
        "Mei",
        "social-commerce, short-form-video, influencer-marketing",
        "social-commerce:expert, short-form-video:practitioner, influencer-marketing:practitioner",
        2,
        "Asia/Singapore",
        "en",
        "Launched live-shopping for a beauty brand across three markets.",
    ),
)

REQUESTS: Final[tuple[DemoRequest, ...]] = (
    DemoRequest(
        "Amina",
        "crisis-communications, brand-strategy",
        "A campaign of ours drew a backlash; I need to plan our response and protect the brand.",
    ),
    DemoRequest(
        "Juma",
        "paid-social",
        "Nataka kujifunza kupanga bajeti ya matangazo ya kulipia kwenye TikTok na Instagram.",
        language="sw",
    ),
    DemoRequest("Zuri", "seo, lead-generation", "Our blog gets traffic but no sign-ups."),
    DemoRequest("Tendai", "social-listening", "Setting up listening for a product launch next month."),
)


@dataclass(frozen=True)
class DemoSummary:
    """What the community holds after seeding, and how many demo members this run created."""

    mentors: int
    open_requests: int
    created: int


def _caller(community: str, name: str) -> Caller:
    return Caller(community, name.lower(), name)


async def seed_demo(bot: MentorBot, community: str) -> DemoSummary:
    """Add the sample mentors and requests that are not there yet; notifications are not delivered."""
    created = 0
    for mentor in MENTORS:
        caller = _caller(community, mentor.name)
        if await bot.store.find_member(community, caller.user_id) is not None:
            continue
        created += 1
        if mentor.language and mentor.language != bot.settings.default_language:
            await bot.set_language(caller, language=mentor.language)
        await bot.signup(
            caller,
            skills=mentor.skills,
            levels=mentor.levels,
            capacity=mentor.capacity,
            bio=mentor.bio,
            timezone=mentor.timezone,
            languages=mentor.languages,
        )
        if mentor.paused:
            await bot.pause(caller)
    for request in REQUESTS:
        caller = _caller(community, request.name)
        if await bot.store.find_member(community, caller.user_id) is not None:
            continue
        created += 1
        if request.language and request.language != bot.settings.default_language:
            await bot.set_language(caller, language=request.language)
        await bot.request(caller, skills=request.skills, note=request.note)
    mentors = sum((await bot.store.count_mentors(community)).values())
    open_requests = len(await bot.store.list_requests(community, [RequestStatus.WAITING, RequestStatus.OFFERED]))
    return DemoSummary(mentors, open_requests, created)
