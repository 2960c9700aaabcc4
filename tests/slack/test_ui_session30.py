"""Session 30's hunt of the Slack adapter's interactive surfaces, fixed:

1. a click in one of several held notices shown together (`blocks.packed`) changes that notice alone: the others
   (an introduction shown once) stay, in an ephemeral pack and in one posted to the DMs;
2. options typed before a form opens are never dropped or cut: the languages and time zone go with the signup
   form's submission, and a value the core would refuse (a capacity of 20, a note of 607 characters) is refused
   with the core's own words instead of a form without it;
3. the signup form shows the mentor's levels as ``slug:level`` pairs, and a pair changes that skill alone;
4. a skill an admin's reload removed stays preselected in the form and kept when it is saved;
5. a reply's text over a section's 3,000 characters is split into sections at line ends, never cut;
6. a feedback button opens no form once feedback is given (it says so), and the form's answer replaces the
   message its button was on (the request for feedback, a check-in), its buttons gone.
"""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from mentorbot.library import Library
from mentorbot.replies import Field, Reply
from mentorbot_slack.blocks import MESSAGE_BLOCKS_MAX, SECTION_TEXT_MAX, message, packed, swap_notice
from mentorbot_slack.delivery import failure_reason
from tests.fakes.slack_limits import message_problems
from tests.fakes.slack_web_api import ApiRequest, ApiResult
from tests.slack.conftest import (
    ALICE,
    BOB,
    COMMUNITY,
    DAVE,
    EN,
    EVE,
    Workspace,
    blocks_text,
    find_button,
    number_state,
    offered,
    skills_state,
    text_state,
    unescape,
)

ELSEWHERE = "C0NOTMEMBER"


def headers(blocks: list[dict[str, Any]] | None) -> list[str]:
    return [b["text"]["text"] for b in blocks or [] if b.get("type") == "header"]


def buttons(blocks: list[dict[str, Any]] | None) -> list[str]:
    return [e["action_id"] for b in blocks or [] if b.get("type") == "actions" for e in b["elements"]]


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


async def profile_of(ws: Workspace, user: str) -> Any:
    profile = await ws.bot.store.get_mentor_profile((await ws.member(user)).id)
    assert profile is not None
    return profile


# ------------------------------------------------------------------------------- 1. a click in a pack


async def held_for_alice(ws: Workspace) -> None:
    """Alice's introduction and her check-in are held: her DMs refuse the app and the bot is in no channel of
    hers."""
    offer = await offered(ws)
    ws.fake.close_dms(ALICE)
    ws.fake.stub("chat.postEphemeral", {"ok": False, "error": "not_in_channel"})
    await ws.click(BOB, offer, "offer.accept")
    ws.clock.advance(timedelta(days=15))
    await ws.adapter.deliver(await ws.bot.run_due_jobs())
    await ws.settle()
    assert await ws.bot.store.has_held_notices((await ws.member(ALICE)).id)


async def test_a_click_in_an_ephemeral_pack_of_held_notices_changes_that_notice_alone(workspace: Workspace) -> None:
    ws = workspace
    await held_for_alice(ws)
    before = len(ws.fake.response_posts)
    await ws.mentor(ALICE, "status", channel_id=ELSEWHERE)
    pack = ws.fake.response_posts[-1]
    assert len(ws.fake.response_posts) - before == 2, "the answer, then the held notices in one message"
    assert headers(pack.blocks) == [EN("intro.title"), EN("checkin.title")]
    votes = [a for a in buttons(pack.blocks) if a.startswith("mentorbot:vote.")]
    assert votes and "mentorbot:checkin.ok:1" in buttons(pack.blocks)

    clicked = {"ts": "1700000000.000999", "blocks": pack.blocks, "text": pack.body.get("text")}
    await ws.click(ALICE, clicked, "checkin.ok", channel_id=ELSEWHERE, is_ephemeral=True)
    answer = ws.fake.response_posts[-1]
    assert answer.replace_original
    assert headers(answer.blocks) == [EN("intro.title")], "the introduction is still there"
    assert [a for a in buttons(answer.blocks) if a.startswith("mentorbot:vote.")] == votes
    assert not [a for a in buttons(answer.blocks) if a.startswith("mentorbot:checkin.")], "the check-in answered"
    assert EN("checkin.noted", id=1) in unescape(blocks_text(answer.blocks or []))
    assert message_problems({"blocks": answer.blocks}) == []


async def test_a_click_in_a_pack_whose_blocks_slack_did_not_send_is_answered_beside_it(workspace: Workspace) -> None:
    """Slack may send a click in an ephemeral message without the message: the pack cannot be rebuilt, so the
    answer goes beside it and the pack stays whole (never replaced by the answer alone)."""
    ws = workspace
    await held_for_alice(ws)
    await ws.mentor(ALICE, "status", channel_id=ELSEWHERE)
    pack = ws.fake.response_posts[-1]
    [block_id] = [b["block_id"] for b in pack.blocks or [] if "mentorbot:checkin.ok:1" in buttons([b])]
    button = find_button({"blocks": pack.blocks}, "checkin.ok")
    await ws.slack.block_actions(
        action_id=button["action_id"],
        value=button["value"],
        block_id=block_id,
        user_id=ALICE,
        user_name="alice",
        channel_id=ELSEWHERE,
        is_ephemeral=True,
    )
    await ws.settle()
    answer = ws.fake.response_posts[-1]
    assert not answer.replace_original
    assert unescape(answer.text or "") == EN("checkin.noted", id=1)


async def test_a_click_in_a_pack_posted_to_the_dms_changes_that_notice_alone(workspace: Workspace) -> None:
    ws = workspace
    await held_for_alice(ws)
    ws.fake.open_dms(ALICE)
    ws.fake.response_url_posts = 1  # the answer takes the command's response_url: the pack goes to her DMs
    await ws.mentor(ALICE, "status", channel_id=ELSEWHERE)
    ws.fake.response_url_posts = 5
    pack = ws.dms(ALICE)[-1]
    assert headers(pack["blocks"]) == [EN("intro.title"), EN("checkin.title")]
    await ws.click(ALICE, copy.deepcopy(pack), "checkin.ok")
    now = ws.dms(ALICE)[-1]
    assert now["ts"] == pack["ts"] and headers(now["blocks"]) == [EN("intro.title")]
    assert not [a for a in buttons(now["blocks"]) if a.startswith("mentorbot:checkin.")]
    assert [a for a in buttons(now["blocks"]) if a.startswith("mentorbot:vote.")]
    assert EN("checkin.noted", id=1) in unescape(blocks_text(now["blocks"]))


def test_an_answer_that_does_not_fit_beside_the_other_notices_is_not_swapped_in() -> None:
    big = Reply("big", fields=tuple(Field(f"f{i}", "x", inline=False) for i in range(45)))
    small = Reply("small", buttons=())
    [(body, held)] = packed([big, small], note="kept for you")
    assert held == [big, small] and len(body["blocks"]) <= MESSAGE_BLOCKS_MAX
    room = MESSAGE_BLOCKS_MAX - (len(body["blocks"]) - 1)
    fits = swap_notice(body["blocks"], 1, Reply("answer"))
    assert fits is not None and message_problems(fits) == [] and len(fits["blocks"]) <= MESSAGE_BLOCKS_MAX
    assert blocks_text(fits["blocks"]).startswith("kept for you\nbig")
    too_big = Reply("answer", fields=tuple(Field(f"g{i}", "y", inline=False) for i in range(room + 1)))
    assert swap_notice(body["blocks"], 1, too_big) is None
    assert swap_notice(body["blocks"], 2, Reply("answer")) is None, "no such notice"


# ------------------------------------------------------------------------------- 2. typed before a form


async def test_languages_and_time_zone_typed_before_the_signup_form_are_kept(workspace: Workspace) -> None:
    ws = workspace
    # Where Slack tells the zone, the typed one reaches the core, which keeps Slack's and says so.
    await ws.mentor(BOB, "signup languages:fr timezone:Europe/Paris")
    view = ws.fake.modals_of(BOB)[-1].view
    await ws.submit(BOB, view, {"skills": skills_state("seo")})
    assert EN("timezone.from_platform", zone="Africa/Nairobi") in ws.texts(BOB)[-1]
    assert (await profile_of(ws, BOB)).languages == ("fr",)

    # Slack tells no zone for Dave: the typed one is his profile's.
    ws.fake.stub("users.info", {"ok": True, "user": {"id": DAVE, "name": "dave"}})
    await ws.mentor(DAVE, "signup languages:fr, Kiswahili timezone:Europe/Paris capacity:3")
    view = ws.fake.modals_of(DAVE)[-1].view
    meta = json.loads(view["private_metadata"])
    assert (meta["languages"], meta["timezone"]) == ("fr, sw", "Europe/Paris")
    assert inputs(view)["capacity"]["element"]["initial_value"] == "3"
    done = await ws.submit(DAVE, view, {"skills": skills_state("seo"), "capacity": number_state("3")})
    assert (done.status, done.text) == (200, "")
    profile = await profile_of(ws, DAVE)
    assert (profile.languages, profile.timezone, profile.capacity) == (("fr", "sw"), "Europe/Paris", 3)


async def test_a_typed_value_the_core_refuses_is_refused_instead_of_a_form_without_it(workspace: Workspace) -> None:
    ws = workspace
    long_bio = "b" * 600
    cases = {
        "signup capacity:20": EN("input.bad_capacity", value="20"),
        "signup capacity:abc": EN("input.bad_capacity", value="abc"),
        f"signup bio:{long_bio}": EN("input.too_long", field=EN("field.bio"), length=600, max=500),
        "signup languages:xx": None,
        "signup timezone:Mars/Olympus": EN("input.bad_timezone", value="Mars/Olympus"),
    }
    for typed, told in cases.items():
        await ws.mentor(BOB, typed)
        assert not ws.fake.modals_of(BOB), f"{typed}: no form"
        said = ws.texts(BOB)[-1]
        assert said == told if told else said.startswith(EN("input.bad_language", value="xx", allowed="")[:30])
    assert await ws.bot.mentor_profile(COMMUNITY, BOB) is None


async def test_a_typed_note_too_long_for_the_request_form_is_refused_as_typed_with_skills(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo levels:expert")
    note = ("word " * 120).strip() + " THE-END"
    await ws.mentor(ALICE, f"request skills:seo note:{note}")
    typed_in_full = ws.texts(ALICE)[-1]
    assert typed_in_full == EN("input.too_long", field=EN("field.note"), length=len(note), max=500)
    await ws.mentor(ALICE, f"request note:{note}")
    assert not ws.fake.modals_of(ALICE), "no form that would cut the note"
    assert ws.texts(ALICE)[-1] == typed_in_full
    await ws.mentor(ALICE, "request note:Launching our site")  # one that fits opens the form with it
    [modal] = ws.fake.modals_of(ALICE)
    assert inputs(modal.view)["note"]["element"]["initial_value"] == "Launching our site"


# ------------------------------------------------------------------------------- 3. levels in the form


async def test_the_signup_form_shows_the_levels_and_a_pair_changes_that_skill_alone(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo, copywriting, paid-social levels:expert capacity:3")
    await ws.mentor(BOB, "signup")
    view = ws.fake.modals_of(BOB)[-1].view
    prefilled = inputs(view)["levels"]["element"]["initial_value"]
    assert sorted(prefilled.split(", ")) == ["copywriting:expert", "paid-social:expert", "seo:expert"]
    edited = prefilled.replace("seo:expert", "seo:learning")
    chosen = skills_state("seo", "copywriting", "paid-social")
    done = await ws.submit(BOB, view, {"skills": chosen, "levels": text_state(edited), "capacity": number_state("3")})
    assert (done.status, done.text) == (200, "")
    levels = {slug: level.value for slug, level in (await profile_of(ws, BOB)).skills.items()}
    assert levels == {"seo": "learning", "copywriting": "expert", "paid-social": "expert"}

    # The member only types their change: the others keep theirs.
    await ws.mentor(BOB, "signup")
    view = ws.fake.modals_of(BOB)[-1].view
    await ws.submit(BOB, view, {"skills": chosen, "levels": text_state("copywriting:practitioner")})
    levels = {slug: level.value for slug, level in (await profile_of(ws, BOB)).skills.items()}
    assert levels == {"seo": "learning", "copywriting": "practitioner", "paid-social": "expert"}

    # A skill unpicked whose prefilled pair was left as it was is dropped, its pair with it; a skill picked
    # without a pair gets the default.
    await ws.mentor(BOB, "signup")
    view = ws.fake.modals_of(BOB)[-1].view
    prefilled = inputs(view)["levels"]["element"]["initial_value"]
    chosen = skills_state("seo", "copywriting", "email-marketing")
    done = await ws.submit(BOB, view, {"skills": chosen, "levels": text_state(prefilled)})
    assert (done.status, done.text) == (200, "")
    levels = {slug: level.value for slug, level in (await profile_of(ws, BOB)).skills.items()}
    assert levels == {"seo": "learning", "copywriting": "practitioner", "email-marketing": "practitioner"}

    # A pair the member typed for a skill not picked is still refused on the levels field.
    await ws.mentor(BOB, "signup")
    view = ws.fake.modals_of(BOB)[-1].view
    refused = await ws.submit(BOB, view, {"skills": chosen, "levels": text_state("paid-social:expert")})
    assert "levels" in json.loads(refused.text)["errors"]


# ------------------------------------------------------------------------------- 4. a removed skill


def library_with(ws: Workspace, tmp_path: Path, extra: str) -> tuple[Path, str]:
    """The shipped skills with `extra` skills (TOML) as the bot's library: the skills file's path and the shipped
    skills' text (to write back, as an admin's new file without them)."""
    shipped = Path(ws.bot.library.skills_file).read_text(encoding="utf-8")
    skills, courses = tmp_path / "skills.toml", tmp_path / "courses.toml"
    courses.write_text(Path(ws.bot.library.courses_file).read_text(encoding="utf-8"), encoding="utf-8")
    skills.write_text(shipped + extra, encoding="utf-8")
    ws.bot.library = Library(skills, courses)
    return skills, shipped


def skill_toml(slug: str, en: str, sw: str) -> str:
    return f'\n[[skill]]\nslug = "{slug}"\ncategory = "content"\nlabel = {{ en = "{en}", sw = "{sw}" }}\n'


async def test_a_skill_removed_by_a_reload_stays_in_the_form_and_is_kept_when_it_is_saved(
    workspace: Workspace, tmp_path: Path
) -> None:
    ws = workspace
    skills, shipped = library_with(ws, tmp_path, skill_toml("podcasting", "Podcasting", "Podikasti"))
    await ws.mentor(BOB, "signup skills:seo, podcasting levels:expert")
    await ws.mentor(ALICE, "request skills:podcasting")
    await ws.click(BOB, ws.dms(BOB)[-1], "offer.accept")  # mentorship #1 uses podcasting
    skills.write_text(shipped, encoding="utf-8")
    await ws.command(EVE, "/mentor-admin", "reload")
    assert ws.bot.library.taxonomy.get("podcasting") is None

    await ws.mentor(BOB, "signup")
    view = ws.fake.modals_of(BOB)[-1].view
    options = inputs(view)["skills"]["element"]["initial_options"]
    assert {o["value"]: o["text"]["text"] for o in options} == {"seo": "SEO", "podcasting": "podcasting"}
    assert "podcasting:expert" in inputs(view)["levels"]["element"]["initial_value"]
    done = await ws.submit(BOB, view, {"skills": skills_state("podcasting", "seo"), "bio": text_state("New bio")})
    assert (done.status, done.text) == (200, ""), "no refusal about a skill the mentor cannot see"
    profile = await profile_of(ws, BOB)
    assert (sorted(profile.skills), profile.bio) == (["podcasting", "seo"], "New bio")


# ------------------------------------------------------------------------------- 5. long texts


def test_a_reply_text_past_a_section_is_split_at_line_ends_and_never_cut() -> None:
    lines = [f"⚠️ `extra-skill-{i}` is no longer in the skills file & <used> by {i} mentors." * 4 for i in range(40)]
    body = message(Reply("\n".join(lines), title="Reloaded"))
    sections = [b["text"]["text"] for b in body["blocks"] if b["type"] == "section"]
    assert len(sections) > 1 and all(len(text) <= SECTION_TEXT_MAX for text in sections)
    assert unescape("\n".join(sections)) == "\n".join(lines), "every line whole, in order"
    assert message_problems(body) == []

    huge = message(Reply("\n".join(f"line {i} " + "x" * 300 for i in range(700))))
    assert len(huge["blocks"]) <= MESSAGE_BLOCKS_MAX and message_problems(huge) == []
    one_line = message(Reply("word " * 2000))  # no line end: cut at word ends
    assert all(len(b["text"]["text"]) <= SECTION_TEXT_MAX for b in one_line["blocks"])
    assert " ".join(b["text"]["text"].strip() for b in one_line["blocks"]) == ("word " * 2000).strip()


async def test_an_admins_reload_report_names_every_removed_skill(workspace: Workspace, tmp_path: Path) -> None:
    ws = workspace
    extra = "".join(skill_toml(f"extra-skill-{i}", f"Extra {i}", f"Ziada {i}") for i in range(12))
    skills, shipped = library_with(ws, tmp_path, extra)
    await ws.mentor(BOB, "signup skills:" + ", ".join(f"extra-skill-{i}" for i in range(12)))
    skills.write_text(shipped, encoding="utf-8")
    await ws.command(EVE, "/mentor-admin", "reload")
    shown = unescape(blocks_text(ws.last(EVE).blocks or []))
    assert [i for i in range(12) if f"`extra-skill-{i}`" in shown] == list(range(12))


# ------------------------------------------------------------------------------- 6. feedback given once


async def ended_by_alice(ws: Workspace) -> dict[str, Any]:
    """Mentorship #1 (Bob mentors Alice), ended by Alice with a rating: Bob's request for feedback."""
    await ws.click(BOB, await offered(ws), "offer.accept")
    await ws.mentor(ALICE, "end 1 rating:4")
    notice = copy.deepcopy(ws.dms(BOB)[-1])
    find_button(notice, "feedback.open")
    return notice


async def test_the_feedback_form_answer_replaces_the_notice_and_no_form_opens_again(workspace: Workspace) -> None:
    ws = workspace
    notice = await ended_by_alice(ws)
    await ws.click(BOB, notice, "feedback.open")
    [modal] = ws.fake.modals_of(BOB)
    await ws.submit(BOB, modal.view, {"rating": number_state("5"), "comment": text_state("Great mentee")})
    now = next(m for m in ws.dms(BOB) if m["ts"] == notice["ts"])
    assert unescape(now["text"]) == EN("feedback.thanks", id=1) and not buttons(now["blocks"]), "its button gone"

    await ws.click(BOB, notice, "feedback.open")  # the button of a copy of the old notice (another device)
    assert len(ws.fake.modals_of(BOB)) == 1, "no form whose comment would be discarded"
    assert ws.texts(BOB)[-1] == EN("feedback.already", id=1)
    assert [(f.rating, f.comment) for f in await ws.bot.store.list_feedback("slack:T0MENTOR01")] == [
        (4, None),
        (5, "Great mentee"),
    ]


async def test_feedback_typed_first_leaves_the_button_without_a_form(workspace: Workspace) -> None:
    ws = workspace
    notice = await ended_by_alice(ws)
    await ws.mentor(BOB, "feedback 1 rating:3")
    await ws.click(BOB, notice, "feedback.open")
    assert not ws.fake.modals_of(BOB)
    now = next(m for m in ws.dms(BOB) if m["ts"] == notice["ts"])
    assert unescape(now["text"]) == EN("feedback.already", id=1) and not buttons(now["blocks"])


async def test_a_feedback_button_of_someone_else_opens_no_form(workspace: Workspace) -> None:
    ws = workspace
    notice = await ended_by_alice(ws)
    await ws.click(DAVE, notice, "feedback.open")
    assert not ws.fake.modals_of(DAVE)
    assert ws.texts(DAVE)[-1] == EN("feedback.not_yours", id=1)


async def test_a_checkins_end_form_answer_replaces_the_checkin(workspace: Workspace) -> None:
    ws = workspace
    await ws.click(BOB, await offered(ws), "offer.accept")
    ws.clock.advance(timedelta(days=15))
    await ws.adapter.deliver(await ws.bot.run_due_jobs())
    await ws.settle()
    checkin = copy.deepcopy(ws.dms(ALICE)[-1])
    await ws.click(ALICE, checkin, "checkin.end")
    [modal] = ws.fake.modals_of(ALICE)
    await ws.submit(ALICE, modal.view, {"rating": number_state("4"), "comment": text_state(None)})
    now = next(m for m in ws.dms(ALICE) if m["ts"] == checkin["ts"])
    assert not buttons(now["blocks"]), "the check-in's three buttons are gone"
    assert unescape(now["text"]).startswith(EN("end.done", id=1)[:20])


async def test_a_feedback_form_opened_from_an_ephemeral_answer_replaces_it(workspace: Workspace) -> None:
    ws = workspace
    await ended_by_alice(ws)
    await ws.mentor(BOB, "end 1")  # ended already: "would you rate it?", with the button, only to Bob
    asked = ws.fake.response_posts[-1]
    clicked = {"ts": "1700000000.000777", "blocks": asked.blocks, "text": asked.body.get("text")}
    await ws.click(BOB, clicked, "feedback.open", is_ephemeral=True)
    [modal] = ws.fake.modals_of(BOB)
    assert json.loads(modal.view["private_metadata"])["ephemeral"] is True
    await ws.submit(BOB, modal.view, {"rating": number_state("5"), "comment": text_state(None)})
    answer = ws.fake.response_posts[-1]
    assert answer.replace_original and unescape(answer.text or "") == EN("feedback.thanks", id=1)


# ------------------------------------------------------------------------------- found on the way


async def test_a_users_info_answer_that_is_not_json_is_a_failure_like_any_other(workspace: Workspace) -> None:
    """users.info answered with an HTML 500 page (found with a fake user without a zone): the failure's reason for
    the log read the error code from a body that was not JSON, and that crash made the command an apology. Now it
    is logged as the HTTP status, and the command goes on without Slack's facts."""
    ws = workspace

    def broken(_request: ApiRequest) -> ApiResult:
        raise RuntimeError("the server fell over")

    ws.fake.stub("users.info", broken)
    await ws.mentor(ALICE, "status")
    assert ws.texts(ALICE)[-1].startswith(EN("status.title", name="alice")), ws.texts(ALICE)[-1]
    response = AsyncSlackResponse(
        client=None, http_verb="GET", api_url="x", req_args={}, data="<html>500</html>", headers={}, status_code=500
    )
    assert failure_reason(SlackApiError("failed", response)) == "500"
