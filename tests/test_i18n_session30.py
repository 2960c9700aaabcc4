"""What a Swahili (and an English) member reads, fixed in session 30, on both engines where the store is used:

1. usage lines and help keep command and option names as typed but give the slots a member fills in in the
   reader's words (``skills:<ujuzi>``, ``[comment:<maoni>]``, ``<ombi> <mshauri>``), and a required option left
   out is named in them; English is exactly as before;
2. a level that is no level lists the reader's level words ("mwanafunzi (learning), …");
3. Swahili says *mahusiano ya ushauri* for "mentorships", never a bare *ushauri* ("advice");
4. lists of skills read as the language lists them: "A, B and C", "A, B na C" (one joiner, `Translator.join`);
5. a suggestion of an address another member suggested a moment earlier names theirs, with its real id and state
   (it said ``#?``);
and a course in a language the catalogs do not name shows its CLDR name, not its code.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.commands import COMMANDS, find_command, help_reply, parse, run_command
from mentorbot.courses import url_key
from mentorbot.errors import UserError
from mentorbot.i18n import LANGUAGES, Localized, Translator, load_catalog, translator
from mentorbot.inputs import parse_mentor_level
from mentorbot.library import Library
from mentorbot.recommendations import render_language
from mentorbot.settings import Settings
from mentorbot.storage.store import Store, Suggestion, SuggestionStatus
from mentorbot.usecases.handler import render_error

COMMUNITY = "test:guild"
EN, SW = Translator("en"), Translator("sw")
URL = "https://example.org/great-seo-course"
OTHER = "https://example.org/other-seo-notes"


@pytest.fixture(scope="module")
def library() -> Library:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    return Library(settings.skills_file, settings.courses_file)


@pytest.fixture
def bot(store: Store, library: Library, clock: ManualClock) -> MentorBot:
    settings = Settings(_env_file=None, admin_ids=["U-admin"], rate_limit_per_minute=10_000)  # type: ignore[call-arg]
    return MentorBot(store, library, settings, clock, worker_id="test-worker")


def who(name: str, **kwargs: Any) -> Caller:
    return Caller(COMMUNITY, f"U-{name}", name.capitalize(), **kwargs)


async def speaking(bot: MentorBot, name: str, lang: str, **kwargs: Any) -> Caller:
    caller = who(name, **kwargs)
    await bot.set_language(caller, language=lang)
    return caller


def error_of(line: str) -> UserError:
    with pytest.raises(UserError) as caught:
        parse(line)
    return caught.value


# ------------------------------------------------------------------------------------------ 1. usage


ENGLISH_SLOTS = re.compile(
    r"<(tags|levels?|text|zone|codes|number|n|date|offer|mentorship|request|mentor|resource|suggestion|url|format)"
    r"[>|]|\[(query|skill)\]"
)


def test_english_usage_is_the_table_s_own() -> None:
    for command in COMMANDS:
        assert command.usage_for(EN) == str(command.usage), command.name
    assert find_command("/mentor end").usage_for(EN) == (  # type: ignore[union-attr]
        "/mentor end [mentorship:<number>] [rating:<1-5>] [comment:<text>]"
    )


def test_swahili_usage_has_swahili_slots_and_the_same_option_names() -> None:
    for command in COMMANDS:
        swahili = command.usage_for(SW)
        assert not ENGLISH_SLOTS.search(swahili), f"{command.name}: {swahili}"
        assert re.findall(r"([a-z]+):", swahili) == re.findall(r"([a-z]+):", command.usage), command.name
        assert swahili.startswith(command.name)
    usages = {c.name: c.usage_for(SW) for c in COMMANDS}
    assert usages["/mentor request"] == "/mentor request skills:<ujuzi> [note:<maelezo>]"
    assert usages["/mentor end"] == "/mentor end [mentorship:<namba>] [rating:<1-5>] [comment:<maoni>]"
    assert usages["/mentor checkin"] == "/mentor checkin [mentorship:<namba>] <ok|help>"  # the values typed stay
    assert usages["/mentor pause"] == "/mentor pause [until:<tarehe|3d|2w>]"
    assert usages["/mentor-admin match"] == "/mentor-admin match <ombi> <mshauri> [force:yes]"
    assert usages["/skills"] == "/skills [utafutaji] [page:<namba>]"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_help_shows_the_readers_usage(lang: str) -> None:
    text = help_reply(lang, admin=True).plain_text
    t = translator(lang)
    for command in COMMANDS:
        if command.handler is not None:
            assert f"`{command.usage_for(t)}`" in text
    if lang == "sw":
        assert "<tags>" not in text and "<text>" not in text and "[comment:<maoni>]" in text


def test_every_required_option_has_a_word_in_every_language() -> None:
    for command in COMMANDS:
        for name in command.required:
            for lang in LANGUAGES:
                assert f"commands.option.{name}" in load_catalog(lang), f"{lang}: {command.name} {name}"
            assert load_catalog("en")[f"commands.option.{name}"] == name  # English names the option itself


def test_parse_errors_keep_their_english_params_and_read_in_swahili() -> None:
    error = error_of("/mentor request")
    assert error.params["option"] == "skills"
    assert error.params["usage"] == "/mentor request skills:<tags> [note:<text>]"
    assert (
        render_error(error, EN)
        == "/mentor request needs its skills. Usage: /mentor request skills:<tags> [note:<text>]"
    )
    assert render_error(error, SW) == (
        "/mentor request inahitaji ujuzi. Matumizi: /mentor request skills:<ujuzi> [note:<maelezo>]"
    )
    too_many = error_of("/mentor accept 1 2")
    assert render_error(too_many, SW).endswith("Matumizi: /mentor accept <ofa>")
    assert render_error(too_many, EN).endswith("Usage: /mentor accept <offer>")


async def test_a_swahili_member_reads_usage_and_the_match_hint_in_swahili(bot: MentorBot) -> None:
    amina = await speaking(bot, "amina", "sw")
    missing = await run_command(bot, amina, "/mentor request")
    assert missing.reply.text == (
        "/mentor request inahitaji ujuzi. Matumizi: /mentor request skills:<ujuzi> [note:<maelezo>]"
    )
    accept = await run_command(bot, amina, "/mentor accept")
    assert accept.reply.text == "/mentor accept inahitaji ofa. Matumizi: /mentor accept <ofa>"
    english = await run_command(bot, await speaking(bot, "juma", "en"), "/mentor accept")
    assert english.reply.text == "/mentor accept needs its offer. Usage: /mentor accept <offer>"
    admin = await speaking(bot, "admin", "sw", is_admin=True)
    await bot.request(amina, skills="seo")
    waitlist = await bot.admin_waitlist(admin)
    assert "`/mentor-admin match <ombi> <mshauri>`" in waitlist.reply.text


def test_slacks_form_fallback_gets_the_usage_in_the_members_language() -> None:
    """The Slack adapter passes ``parsed.command.usage`` to ``slack.modal.open_failed`` with the member's
    translator: the usage fills itself in for that reader."""
    usage = find_command("/mentor request").usage  # type: ignore[union-attr]
    assert isinstance(usage, Localized)
    assert SW("slack.modal.open_failed", usage=usage).endswith("/mentor request skills:<ujuzi> [note:<maelezo>]")
    assert EN("slack.modal.open_failed", usage=usage).endswith("/mentor request skills:<tags> [note:<text>]")


# ------------------------------------------------------------------------------------------ 2. levels


def test_a_bad_level_lists_the_readers_level_words() -> None:
    with pytest.raises(UserError) as caught:
        parse_mentor_level("guru")
    assert render_error(caught.value, EN) == "'guru' is not a level. Use one of: learning, practitioner, expert."
    assert render_error(caught.value, SW) == (
        "'guru' si kiwango. Tumia kimoja kati ya: mwanafunzi (learning), mtendaji (practitioner), mtaalamu (expert)."
    )
    assert caught.value.params["allowed"] == "learning, practitioner, expert"


async def test_a_swahili_mentor_signing_up_with_a_bad_level_reads_swahili_words(bot: MentorBot) -> None:
    baraka = await speaking(bot, "baraka", "sw")
    out = await bot.signup(baraka, skills="seo", levels="guru")
    assert "mwanafunzi (learning), mtendaji (practitioner), mtaalamu (expert)" in out.reply.text
    juma = await speaking(bot, "juma", "en")
    out = await bot.signup(juma, skills="seo", levels="guru")
    assert out.reply.text == "'guru' is not a level. Use one of: learning, practitioner, expert."


# ------------------------------------------------------------------------------------------ 3. mentorships

BARE_USHAURI = re.compile(r"(?<!wa )(?<!ya )\bushauri\b")


@pytest.mark.parametrize(
    "key",
    [
        "forget.confirm",
        "admin.exported.one",
        "admin.exported.other",
        "courses.from_requests",
        "commands.help.mentor_status",
        "commands.help.courses",
        "commands.help.admin_export",
    ],
)
def test_mentorships_are_mahusiano_ya_ushauri(key: str) -> None:
    text = load_catalog("sw")[key]
    assert "mahusiano" in text and not BARE_USHAURI.search(text), text


def test_ongoing_mentorships_agree_with_their_class() -> None:
    assert "mahusiano yako ya ushauri yanayoendelea" in SW("courses.from_requests", skills="SEO")
    assert "mahusiano yako ya ushauri yanayoendelea" in SW("commands.help.courses")


# ------------------------------------------------------------------------------------------ 4. lists


def label(bot: MentorBot, slug: str, lang: str) -> str:
    skill = bot.library.taxonomy.get(slug)
    assert skill is not None
    return skill.label(lang)


@pytest.mark.parametrize(
    ("lang", "items", "expected"),
    [
        ("en", [], ""),
        ("en", ["A"], "A"),
        ("en", ["A", "B"], "A and B"),
        ("en", ["A", "B", "C"], "A, B and C"),
        ("sw", ["A", "B"], "A na B"),
        ("sw", ["A", "B", "C", "D"], "A, B, C na D"),
    ],
)
def test_one_list_joiner(lang: str, items: list[str], expected: str) -> None:
    assert translator(lang).join(items) == expected


@pytest.mark.parametrize(
    ("lang", "skills"),
    [
        ("en", "SEO (practitioner), Copywriting (practitioner) and Paid social (practitioner)"),
        (
            "sw",
            "SEO (kuboresha tovuti kwenye injini za utafutaji) (mtendaji), Uandishi wa matangazo (mtendaji) na "
            "Matangazo ya kulipia mitandaoni (mtendaji)",
        ),
    ],
)
async def test_three_skills_read_as_a_list(bot: MentorBot, lang: str, skills: str) -> None:
    mentor = await speaking(bot, "mentor", lang)
    member = await speaking(bot, "member", lang)
    await bot.signup(mentor, skills="seo, copywriting, paid-social", capacity=3)
    asked = await bot.request(member, skills="seo, copywriting, paid-social")
    t = translator(lang)
    [offer] = [n for n in asked.notifications if n.platform_user_id == "U-mentor"]
    [why] = [f.value for f in offer.reply.fields if f.name == t("offer.why")]
    assert why.startswith(t("match.shares", skills=skills))
    labels = t.join([label(bot, s, lang) for s in ("seo", "copywriting", "paid-social")])
    assert f"({labels})" in asked.reply.text  # "Request #1 (SEO, Copywriting and Paid social) is in!"
    other = await speaking(bot, "other", lang)
    waiting = await bot.request(other, skills="crisis-communications, brand-strategy, influencer-marketing")
    names = t.join([label(bot, s, lang) for s in ("crisis-communications", "brand-strategy", "influencer-marketing")])
    assert names in waiting.reply.text
    recruit = await bot.admin_recruit(await speaking(bot, "admin", lang, is_admin=True))
    assert (" and " if lang == "en" else " na ") in recruit.reply.text.splitlines()[-1]


# ------------------------------------------------------------------------------------------ 5. suggestions


def _racing(store: Store, before: Callable[[], Awaitable[None]]) -> Callable[..., Awaitable[Suggestion | None]]:
    """`store.suggest_course` as it runs when `before` (another member's suggestion) lands between the use-case's
    check and its insert: once, then the store's own."""
    original = store.suggest_course
    calls: list[object] = []

    async def suggest_course(*args: Any, **kwargs: Any) -> Suggestion | None:
        calls.append(args)
        if len(calls) == 1:
            await before()
        return await original(*args, **kwargs)

    return suggest_course


@pytest.mark.parametrize(("approve", "status"), [(False, SuggestionStatus.PENDING), (True, SuggestionStatus.APPROVED)])
async def test_a_suggestion_that_loses_the_race_names_the_winner(
    bot: MentorBot, store: Store, clock: ManualClock, monkeypatch: pytest.MonkeyPatch, approve: bool, status: Any
) -> None:
    amina = await speaking(bot, "amina", "sw")
    await speaking(bot, "baraka", "en")
    baraka_id = (await store.find_member(COMMUNITY, "U-baraka")).id  # type: ignore[union-attr]
    original = store.suggest_course
    padding = await original(
        COMMUNITY,
        baraka_id,
        url=OTHER,
        url_key=url_key(OTHER),
        title="Other",
        skills=["seo"],
        note="",
        now=clock.now(),
    )  # so that the winner's id is not 1
    assert padding is not None

    async def baraka_first() -> None:
        won = await original(
            COMMUNITY,
            baraka_id,
            url=URL,
            url_key=url_key(URL),
            title="Great SEO",
            skills=["seo"],
            note="",
            now=clock.now(),
        )
        assert won is not None and won.id == 2
        if approve:
            await store.decide_suggestion(
                COMMUNITY, won.id, approve=True, admin="U-admin", reason=None, now=clock.now()
            )

    monkeypatch.setattr(store, "suggest_course", _racing(store, baraka_first))
    out = await bot.suggest_course(amina, url=URL, skills="seo", title="Great SEO")
    assert "#?" not in out.reply.text
    assert out.reply.text == SW(f"curation.already_{status.value}", id=2)
    # (the rival's row was written in the refused command's own transaction here, so it is gone with it)


async def test_a_suggestion_whose_rival_is_gone_when_read_again_is_tried_again(
    bot: MentorBot, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rival was rejected between the insert and the read (a rejected address may be suggested again): the
    member's own suggestion is made."""
    amina = await speaking(bot, "amina", "en")
    original = store.suggest_course
    calls: list[object] = []

    async def lost_then_won(*args: Any, **kwargs: Any) -> Suggestion | None:
        calls.append(args)
        return None if len(calls) == 1 else await original(*args, **kwargs)

    monkeypatch.setattr(store, "suggest_course", lost_then_won)
    out = await bot.suggest_course(amina, url=URL, skills="seo", title="Great SEO")
    assert out.reply.text.startswith("Thank you! Suggestion #1"), out.reply.text
    assert len(calls) == 2


# ------------------------------------------------------------------------------------------ minor


def test_a_course_language_the_catalogs_do_not_name_gets_its_cldr_name() -> None:
    assert (render_language("fr", "en"), render_language("fr", "sw")) == ("French", "Kifaransa")
    assert render_language("qq", "en") == "QQ"
