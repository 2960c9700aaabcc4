"""Session 33: long replies and big files reach Discord whole, or say what did not.

A reply's text longer than an embed's description (4,096 characters) used to be clipped there: an admin's
Swahili `/mentor-admin reload` report naming many removed skills lost every skill from the 8th on, and the
"why the rest wait" lines of `/mentor-admin round` went the same way, while Slack showed them all. The text is
now cut at line ends into as many embeds as it needs (a line longer than a description at word ends, never
inside a mention), spread over as many messages as Discord's 6,000 characters and 10 embeds a message need.

`/mentor-admin export` attached its CSV files as they were: a year of a big community (offers.csv alone some
20 MB) is over Discord's upload limit (10 MiB a file on a server without boosts), which Discord answers with
``413`` "Request entity too large" (40005), and the admin saw nothing but "MentorBot is thinking…". Files that
fit are now sent (at most 10 a message, and no more than the limit together), and each file too big is named in
a line of the reply, in the admin's language, with the command that writes it on the server instead.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import discord
import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.replies import Attachment, Button, Field, Reply
from mentorbot.settings import Settings
from mentorbot.storage.store import Store
from mentorbot.usecases import admin
from mentorbot_discord.client import MentorBotClient
from mentorbot_discord.render import DESCRIPTION_LIMIT, DiscordMessage, render
from tests.discord.helpers import COMMUNITY, MENTEE_USER_ID, MODERATOR_USER_ID, Members, message_text
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.discord_limits import FormErrors, check_message

MIB = 1024 * 1024
MENTION = re.compile(r"<@!?([0-9]+)>")


def payload(message: DiscordMessage) -> dict[str, Any]:
    """The JSON body discord.py sends for `message` (what the fake's limits check)."""
    body: dict[str, Any] = {"embeds": [e.to_dict() for e in message.embeds]}
    if message.content:
        body["content"] = message.content
    if message.view is not None:
        body["components"] = message.view.to_components()
    return body


def within_limits(messages: list[DiscordMessage]) -> None:
    for i, message in enumerate(messages):
        errors = FormErrors()
        check_message(errors, payload(message), files=len(message.files))
        assert not errors, f"message {i}: {errors.as_json()}"
        assert message.content or message.embeds or message.files, f"message {i} is empty"


def shown_descriptions(messages: list[DiscordMessage]) -> str:
    return "\n".join(e.description or "" for m in messages for e in m.embeds)


def in_order(text: str, parts: list[str]) -> bool:
    at = 0
    for part in parts:
        found = text.find(part, at)
        if found < 0:
            return False
        at = found + len(part)
    return True


# ------------------------------------------------------------------------------------- long text


def test_a_reply_of_seven_thousand_characters_is_shown_whole_in_order_within_every_limit() -> None:
    lines = [f"• line {i:03d}: <@{1_200_000_000_000_000_000 + i}> waits, " + "sababu ndefu " * 8 for i in range(48)]
    text = "\n".join(lines)
    assert 6_500 < len(text) < 8_000
    messages = render(Reply(text, title="Report", buttons=(Button("x.y", "1", "OK"),)))

    within_limits(messages)
    shown = shown_descriptions(messages)
    assert all(line in shown for line in lines), "every line is shown, none cut"
    assert in_order(shown, lines)
    embeds = [e for m in messages for e in m.embeds]
    assert len(embeds) >= 2 and all(len(e.description or "") <= DESCRIPTION_LIMIT for e in embeds)
    assert embeds[0].title == "Report" and all(e.title is None for e in embeds[1:]), "only the first is titled"
    first, *rest = messages
    mentions = [f"<@{m}>" for m in MENTION.findall(text)]
    assert first.content is not None and first.content.startswith("Report · <@")
    named = [f"<@{m}>" for m in MENTION.findall(first.content)]
    assert named == mentions[: len(named)], "the members it mentions, in order, as many as the line holds"
    assert all(m.content is None for m in rest), "the content line is the first message's only"
    assert messages[-1].view is not None and all(m.view is None for m in messages[:-1]), "buttons come last"


def test_a_plain_text_reply_over_a_description_is_split_not_clipped() -> None:
    lines = [f"skill 'regional-influencer-partnerships-{i:02d}' " + "haiko tena kwenye faili " * 20 for i in range(12)]
    messages = render(Reply("\n".join(lines)))
    within_limits(messages)
    shown = shown_descriptions(messages)
    assert in_order(shown, lines) and "…" not in shown


def test_a_line_longer_than_a_description_is_cut_at_word_ends_and_never_inside_a_mention() -> None:
    words = [f"<@{1_200_000_000_000_000_000 + i}>" if i % 7 == 0 else f"neno{i}" for i in range(1_200)]
    line = " ".join(words)
    assert len(line) > 2 * DESCRIPTION_LIMIT
    messages = render(Reply(f"head\n{line}\ntail", title="T"))
    within_limits(messages)
    descriptions = [e.description or "" for m in messages for e in m.embeds]
    assert "\n".join(descriptions).split() == ["head", *words, "tail"], "every word whole, in order"
    for description in descriptions:
        assert not re.search(r"<@[0-9]*$|^[0-9]*>", description), f"a mention is cut: {description[-30:]!r}"


def test_a_long_text_with_fields_shows_the_text_then_every_field_within_limits() -> None:
    lines = [f"line {i}: " + "x" * 90 for i in range(70)]  # about 7,000 characters
    fields = tuple(Field(f"Field {i}", "\n".join(lines[:9])) for i in range(12))
    messages = render(Reply("\n".join(lines), title="Big", fields=fields))

    within_limits(messages)
    assert in_order(shown_descriptions(messages), lines)
    names = [f.name for m in messages for e in m.embeds for f in e.fields]
    assert names == [f"Field {i}" for i in range(12)]
    embeds = [e for m in messages for e in m.embeds]
    first_field = next(i for i, e in enumerate(embeds) if e.fields)
    assert all(not e.fields for e in embeds[:first_field]) and all(
        not e.description for e in embeds[first_field + 1 :]
    ), "the text comes first, then the fields"
    assert messages[0].content == "Big"


def test_a_short_reply_is_unchanged() -> None:
    [plain] = render(Reply("Request #1 is cancelled."))
    assert plain.content == "Request #1 is cancelled." and plain.embeds == []
    [rich] = render(Reply("text", title="Title"))
    assert [(e.title, e.description) for e in rich.embeds] == [("Title", "text")]


# ------------------------------------------------------------------------------------- big files


def csv_file(name: str, size: int) -> Attachment:
    return Attachment(name, b"x" * size, "text/csv")


def test_files_too_big_are_left_out_and_named_in_the_readers_language() -> None:
    files = (csv_file("members.csv", MIB // 2), csv_file("offers.csv", 3 * MIB), csv_file("feedback.csv", 100))
    for lang in ("en", "sw"):
        t = translator(lang)
        messages = render(
            Reply("Here are 3 CSV files.", attachments=files), lang=lang, upload_limit=MIB, community=COMMUNITY
        )
        within_limits(messages)
        sent = [f.filename for m in messages for f in m.files]
        assert sorted(sent) == ["feedback.csv", "members.csv"]
        shown = "\n".join(m.content or "" for m in messages) + shown_descriptions(messages)
        line = t("discord.export_too_big", file="offers.csv", size="3 MB", limit="1 MB", community=COMMUNITY)
        assert "Here are 3 CSV files." in shown and line in shown
        assert f"mentorbot admin export DIR --community {COMMUNITY}" in line


def test_a_file_too_big_that_is_no_export_says_so_without_the_command() -> None:
    messages = render(Reply("Your data", attachments=(csv_file("mentorbot-export.json", 2 * MIB),)), upload_limit=MIB)
    assert [f for m in messages for f in m.files] == []
    shown = "\n".join(m.content or "" for m in messages)
    assert translator("en")("discord.file_too_big", file="mentorbot-export.json", size="2 MB", limit="1 MB") in shown
    assert "mentorbot admin" not in shown


def test_files_that_fit_are_spread_over_messages_within_the_limit_and_ten_a_message() -> None:
    files = tuple(csv_file(f"f{i:02d}.csv", 400 * 1024) for i in range(14))
    messages = render(Reply("Files", attachments=files, buttons=(Button("x.y", "1", "OK"),)), upload_limit=MIB)
    within_limits(messages)
    assert [f.filename for m in messages for f in m.files] == [a.filename for a in files], "all, once, in order"
    for message in messages:
        assert len(message.files) <= 10
        assert sum(len(a.content) for a in files if a.filename in {f.filename for f in message.files}) <= MIB
    assert messages[0].content == "Files" and messages[0].view is not None


# ------------------------------------------------------------------------------- through the fake

EXTRA = [f"regional-influencer-partnerships-{i:02d}" for i in range(12)]


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    """The shipped skills plus twelve long-named ones (taken out again by the reload test)."""
    shipped = Settings(_env_file=None)  # type: ignore[call-arg]
    skills, courses = tmp_path / "skills.toml", tmp_path / "courses.toml"
    extra = "".join(
        f'\n[[skill]]\nslug = "{slug}"\ncategory = "strategy"\n'
        f'label = {{ en = "Influencer partnerships {i}", sw = "Ushirikiano na washawishi {i}" }}\n'
        for i, slug in enumerate(EXTRA)
    )
    skills.write_text(Path(shipped.skills_file).read_text(encoding="utf-8") + extra, encoding="utf-8")
    shutil.copyfile(shipped.courses_file, courses)
    yield Library(skills, courses)


def interaction_refusals(world: FakeDiscord) -> list[tuple[str, int, Any]]:
    return [
        (c.path, c.status, c.response)
        for c in world.rest_calls
        if c.status >= 400 and re.match(r"/(interactions|webhooks)/", c.path)
    ]


async def test_a_swahili_reload_report_naming_twelve_removed_skills_reaches_the_admin_whole(
    world: FakeDiscord, members: Members, bot: MentorBot, library: Library
) -> None:
    for i, slug in enumerate(EXTRA):
        await bot.signup(Caller(COMMUNITY, str(1_300_000_000_000_000_000 + i), f"Mentor {i}"), skills=slug)
    await members.slash("mentor language", {"language": "sw"}, user=MODERATOR_USER_ID)
    shipped = Settings(_env_file=None)  # type: ignore[call-arg]
    shutil.copyfile(shipped.skills_file, library.skills_file)  # the twelve are taken out of the file

    shown = await members.slash("mentor-admin reload", user=MODERATOR_USER_ID)

    text = "\n".join(shown.texts)
    assert [slug for slug in EXTRA if slug not in text] == [], "every removed skill is named"
    assert in_order(text, EXTRA)
    assert interaction_refusals(world) == []
    assert len(shown.messages) >= 1 and all(len(message_text(m)) for m in shown.messages)


async def test_an_export_too_big_for_discord_sends_the_files_that_fit_and_names_the_one_that_does_not(
    world: FakeDiscord, members: Members, bot: MentorBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = admin.export_csv

    async def a_big_year(store: Store, community: str | None) -> dict[str, bytes]:
        files = await real(store, community)
        columns = len(next(csv.reader(io.StringIO(files["offers.csv"].decode("utf-8-sig")))))
        row = (",".join(["y" * 200] * columns) + "\r\n").encode()
        files["offers.csv"] += row * (11 * MIB // len(row) + 1)  # a year of a big community: over 10 MiB
        return files

    monkeypatch.setattr(admin, "export_csv", a_big_year)
    await members.slash("mentor request", {"skills": "seo"})

    shown = await members.slash("mentor-admin export", user=MODERATOR_USER_ID)

    uploads = [f.filename for c in world.calls("POST", r"/webhooks/\d+/.+") for f in c.files]
    assert sorted(uploads) == ["feedback.csv", "members.csv", "mentorships.csv", "requests.csv"]
    text = "\n".join(shown.texts)
    assert text.startswith("Here are 5 CSV files")
    assert "offers.csv" in text and "too big" in text and "mentorbot admin export DIR --community discord:" in text
    assert interaction_refusals(world) == []
    assert not any(int(m.get("flags") or 0) & 128 for m in shown.messages), "nothing left at 'thinking…'"


async def test_the_fake_refuses_a_file_over_the_upload_limit_as_discord_does(
    world: FakeDiscord, client: MentorBotClient
) -> None:
    world.rest.attachment_size_limit = 1_000
    user = await client.fetch_user(MENTEE_USER_ID)
    sent = await user.send(file=discord.File(io.BytesIO(b"x" * 1_000), filename="fits.csv"))
    assert [a.filename for a in sent.attachments] == ["fits.csv"]
    with pytest.raises(discord.HTTPException) as refused:
        await user.send(file=discord.File(io.BytesIO(b"x" * 1_001), filename="big.csv"))
    assert (refused.value.status, refused.value.code) == (413, 40005)
