"""Issue 14, "Words", through the use-cases on both engines: hints with the reader's own ids, notifications
wholly in their recipient's language, language names and ISO 639-1 languages, one vocabulary of levels,
/courses (free:no, a level with no course, mentorships' skills), exports that are data. English and Swahili."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.i18n import Translator, load_catalog
from mentorbot.replies import Outcome
from tests.usecases.conftest import offer_id, to

Who = Callable[..., Caller]
EN, SW = Translator("en"), Translator("sw")


def _csv(outcome: Outcome, name: str) -> list[dict[str, str]]:
    [attachment] = [a for a in outcome.reply.attachments if a.filename == name]
    return list(csv.DictReader(io.StringIO(attachment.content.decode("utf-8"))))


# ------------------------------------------------------------------------------------ hints with real ids


@pytest.mark.parametrize("lang", ["en", "sw"])
async def test_which_request_hint_names_the_readers_own_ids(bot: MentorBot, who: Who, lang: str) -> None:
    amina = who("amina")
    await bot.set_language(amina, language=lang)
    ids = [
        int((await bot.request(amina, skills=skill)).reply.text.split("#")[1].split()[0])
        for skill in ("seo", "copywriting", "paid-social")
    ]
    answer = await bot.cancel(amina)
    assert answer.error is not None and answer.error.key == "cancel.which"
    listed = ", ".join(f"#{i}" for i in ids)
    assert answer.reply.text == Translator(lang)("cancel.which", ids=listed, example=ids[-1])
    assert f"({listed})" in answer.reply.text and f"`/mentor cancel request:{ids[-1]}`" in answer.reply.text
    assert "request:12" not in answer.reply.text


@pytest.mark.parametrize("lang", ["en", "sw"])
async def test_which_mentorship_hint_names_the_readers_own_ids(bot: MentorBot, who: Who, lang: str) -> None:
    mentor = who("baraka")
    await bot.set_language(mentor, language=lang)
    await bot.signup(mentor, skills="seo, copywriting", capacity=3)
    for name, skill in (("amina", "seo"), ("chao", "copywriting")):
        [offer] = to(await bot.request(who(name), skills=skill), "baraka")
        await bot.accept(mentor, offer_id=offer_id(offer))
    answer = await bot.end(mentor)
    assert answer.error is not None and answer.error.key == "end.which"
    assert "`/mentor end mentorship:2`" in answer.reply.text and "(#1, #2)" in answer.reply.text
    assert "mentorship:3" not in answer.reply.text


# ------------------------------------------------------------------- a notification in its reader's words


async def test_a_swahili_requester_sends_an_english_mentor_an_offer_all_in_english(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo", timezone="Africa/Nairobi")
    amina = who("amina")
    await bot.set_language(amina, language="sw")
    outcome = await bot.request(amina, skills="seo", note="Nahitaji msaada")
    assert outcome.language == "sw" and outcome.reply.text.startswith("Ombi #1")
    [offer] = to(outcome, "baraka")
    assert offer.language == "en"
    texts = [offer.reply.title or "", offer.reply.text, *(f.name for f in offer.reply.fields)]
    texts += [b.label for b in offer.reply.buttons]
    english_words = set(load_catalog("en").values())
    swahili_only = {v for k, v in load_catalog("sw").items() if v != load_catalog("en").get(k)}
    assert "Mentorship offer #1" in texts and "Accept" in texts and "Decline" in texts
    assert not [text for text in texts if text in swahili_only and text not in english_words]
    assert "Nahitaji msaada" in offer.reply.plain_text  # her note as she wrote it


# ----------------------------------------------------------------------------------------- languages


@pytest.mark.parametrize(
    ("lang", "names"), [("en", "English, Swahili, French"), ("sw", "Kiingereza, Kiswahili, Kifaransa")]
)
async def test_status_shows_language_names_not_codes(bot: MentorBot, who: Who, lang: str, names: str) -> None:
    baraka = who("baraka")
    await bot.set_language(baraka, language=lang)
    await bot.signup(baraka, skills="seo", languages="en, Kiswahili, french")
    status = await bot.status(baraka)
    [languages] = [f for f in status.reply.fields if f.name == Translator(lang)("status.languages")]
    assert languages.value == names
    own = {"en": "English", "sw": "Kiswahili"}[lang]
    assert status.reply.text == Translator(lang)("status.text", language=own)


@pytest.mark.parametrize("lang", ["en", "sw"])
async def test_unknown_languages_are_refused_with_the_list(bot: MentorBot, who: Who, lang: str) -> None:
    baraka = who("baraka")
    await bot.set_language(baraka, language=lang)
    answer = await bot.signup(baraka, skills="seo", languages="xx,yy")
    assert answer.error is not None and answer.error.key == "input.bad_language"
    assert answer.error.params["value"] == "xx"
    assert "en, eo, es" in answer.reply.text and ", sw, " in answer.reply.text
    assert await bot.store.get_mentor_profile((await bot.store.find_member("test:guild", "U-baraka")).id) is None  # type: ignore[union-attr]
    three_letters = await bot.signup(baraka, skills="seo", languages="eng")
    assert three_letters.error is not None and three_letters.error.key == "input.bad_language"


async def test_the_reply_language_can_be_named(bot: MentorBot, who: Who) -> None:
    answer = await bot.set_language(who("amina"), language="Kiswahili")
    assert answer.error is None and answer.language == "sw"
    refused = await bot.set_language(who("amina"), language="French")
    assert refused.error is not None and "sw (Kiswahili)" in refused.reply.text


# -------------------------------------------------------------------------------------------- levels


@pytest.mark.parametrize("word", ["mwanafunzi", "learning", "beginner", "Ngazi ya mwanzo", "anajifunza"])
async def test_one_vocabulary_of_levels_for_mentors_and_courses(bot: MentorBot, who: Who, word: str) -> None:
    signed = await bot.signup(who("baraka"), skills="seo", levels=word)
    assert signed.error is None
    profile = await bot.store.get_mentor_profile((await bot.store.find_member("test:guild", "U-baraka")).id)  # type: ignore[union-attr]
    assert profile is not None and profile.skills["seo"].value == "learning"
    courses = await bot.courses(who("amina"), skills="seo", level=word)
    assert courses.error is None, courses.reply.text


async def test_a_level_pair_names_its_skill_as_the_skills_were_named(bot: MentorBot, who: Who) -> None:
    """A `skill:level` pair takes the skill's label or alias too, as `skills:` does; a skill not listed is
    named as it was typed."""
    signed = await bot.signup(who("baraka"), skills="ppc, crisis comms", levels="ppc:expert, Crisis comms:learning")
    assert signed.error is None, signed.reply.text
    profile = await bot.store.get_mentor_profile((await bot.store.find_member("test:guild", "U-baraka")).id)  # type: ignore[union-attr]
    assert profile is not None
    assert {slug: level.value for slug, level in profile.skills.items()} == {
        "paid-social": "expert",
        "crisis-communications": "learning",
    }
    refused = await bot.signup(who("baraka"), skills="ppc", levels="SEO:expert")
    assert refused.error is not None and refused.error.key == "input.level_for_unknown_skill"
    assert refused.error.params["skill"] == "SEO"


# ------------------------------------------------------------------------------------------- courses


async def test_free_no_shows_only_paid_courses(bot: MentorBot, who: Who) -> None:
    catalog = bot.library.catalog
    for skill in ("seo", "paid-social", "analytics-reporting"):
        costs = {c.free for c in catalog.for_skill(skill)}
        if costs == {True, False}:
            break
    else:
        pytest.skip("no skill with both free and paid courses in the shipped catalog")
    for lang, no in (("en", "no"), ("sw", "hapana")):
        paid = await bot.courses(who("amina"), skills=skill, free=no)
        assert paid.error is None and paid.reply.fields
        reasons = [f.value.splitlines()[0] for f in paid.reply.fields]
        assert all(Translator("en")("courses.reason_free") not in r.split("; ") for r in reasons), (lang, reasons)
        both = await bot.courses(who("amina"), skills=skill, free="any")
        assert len(both.reply.fields) >= len(paid.reply.fields)


@pytest.mark.parametrize("lang", ["en", "sw"])
async def test_a_level_with_no_course_says_so(bot: MentorBot, who: Who, lang: str) -> None:
    amina = who("amina")
    await bot.set_language(amina, language=lang)
    catalog = bot.library.catalog
    taxonomy = bot.library.taxonomy
    found = None
    for skill in taxonomy.skills:
        levels = {c.level.value for c in catalog.for_skill(skill.slug)}
        missing = [lv for lv in ("beginner", "intermediate", "advanced") if lv not in levels]
        if levels and missing:
            found = (skill, missing[0])
            break
    assert found is not None
    skill, level = found
    t = Translator(lang)
    answer = await bot.courses(amina, skills=skill.slug, level=level)
    assert answer.reply.text == t("courses.level_missing", skills=skill.label(lang), level=t(f"courses.level.{level}"))
    assert t("courses.intro") not in answer.reply.text


async def test_courses_without_skills_use_active_mentorships(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="crisis-communications")
    [offer] = to(await bot.request(who("amina"), skills="crisis comms"), "baraka")
    await bot.accept(who("baraka"), offer_id=offer_id(offer))
    for name in ("amina", "baraka"):  # no open request left: the mentorship's skills, for both sides
        answer = await bot.courses(who(name))
        assert answer.reply.title == EN("courses.title", skills="Crisis communications"), name
        assert answer.reply.text.startswith(EN("courses.from_requests", skills="Crisis communications"))


# ------------------------------------------------------------------------------------------- exports


async def test_exports_are_data(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo", timezone="Africa/Nairobi", bio='=HYPERLINK("http://x")')
    await bot.request(who("amina"), skills="paid-social", note="@SUM(A1:A9) please")
    [offer] = to(await bot.request(who("chao"), skills="seo", note="+1 for help"), "baraka")
    await bot.decline(who("baraka"), offer_id=offer_id(offer), reason="-busy")
    admin = who("admin", is_admin=True)
    exported = await bot.admin_export(admin)
    members = {row["platform_user_id"]: row for row in _csv(exported, "members.csv")}
    assert members["U-baraka"]["timezone"] == "Africa/Nairobi", "the profile's zone fills the member's"
    requests = _csv(exported, "requests.csv")
    assert [r["wait_reason"] for r in requests] == ["no_mentor", "all_cooldown"]
    assert requests[0]["note"] == "'@SUM(A1:A9) please" and requests[1]["note"] == "'+1 for help"
    [declined] = _csv(exported, "offers.csv")
    assert declined["decline_reason"] == "'-busy"
    for name in ("members.csv", "requests.csv", "offers.csv", "mentorships.csv", "feedback.csv"):
        for row in _csv(exported, name):
            for value in row.values():
                assert not value.startswith(("=", "+", "-", "@")), (name, value)
                assert not value.startswith("{"), (name, value)

    mine = await bot.export(who("baraka"))
    data = json.loads(mine.reply.attachments[0].content)
    assert data["member"]["timezone"] == "Africa/Nairobi"
    [received] = data["offers_received"]
    assert isinstance(received["explanation"], dict), "no JSON string inside the JSON document"
    hers = json.loads((await bot.export(who("amina"))).reply.attachments[0].content)
    assert hers["requests"][0]["wait_reason"] == "no_mentor"


# --------------------------------------------------------------------------------------------- plurals


@pytest.mark.parametrize("lang", ["en", "sw"])
async def test_replies_agree_with_their_numbers(bot: MentorBot, who: Who, lang: str) -> None:
    baraka = who("baraka")
    await bot.set_language(baraka, language=lang)
    await bot.signup(baraka, skills="seo", capacity=3)
    await bot.request(who("amina"), skills="seo")
    t = Translator(lang)
    status = await bot.status(baraka)
    places = t("places.taken", taken=0, capacity=3, count=0) + t("places.held", count=1)
    assert places in status.reply.plain_text
    paused = await bot.pause(baraka)  # pausing withdraws the pending offer (issue 13, rule 2)
    assert t("pause.withdrawn", count=1) in paused.reply.text
    assert paused.reply.text.count("\n• ") == 1
    assert (
        "Your pending offer was withdrawn" if lang == "en" else "Ofa yako iliyokuwa ikisubiri imeondolewa"
    ) in paused.reply.text
