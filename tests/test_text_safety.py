"""Members' text shown to others cannot ping everyone, a role, or disguise a link as other words, nor hide or
reorder itself with invisible formatting characters."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mentorbot.errors import UserError
from mentorbot.text_safety import check_text, defuse_mentions

# Discord renders `[words](address)` in embeds and messages as `words` linking to `address`.
_RENDERED_MASKED_LINK = re.compile(r"\[[^\]]*\]\((?:https?://|<)")


def test_a_masked_link_in_a_note_shows_its_address() -> None:
    """Before: a mentee's note `[Accept your offer here](https://evil.example)` went unchanged into the mentor's
    offer, where Discord shows only "Accept your offer here", linking anywhere."""
    shown = defuse_mentions("[Accept your offer here](https://evil.example)")
    assert not _RENDERED_MASKED_LINK.search(shown)
    assert "https://evil.example" in shown and "Accept your offer here" in shown


def test_broadcasts_and_roles_stay_defused() -> None:
    shown = defuse_mentions("@everyone <!channel> <@&123> @here")
    assert "@everyone" not in shown and "<!channel>" not in shown and "<@&123>" not in shown and "@here" not in shown


def test_a_member_mention_typed_by_a_member_is_shown_not_rendered() -> None:
    """Before: `<@U0CAROL01>` in a note showed in the mentor's offer as a live mention of Carol (Slack), and
    `<@123>` / `<@!123>` could ping on Discord; only the bot's own mentions (not defused) render."""
    shown = defuse_mentions("ask <@U0CAROL01>, <@W0ORG01>, <@123456789012345678> or <@!123>")
    assert not re.search(r"<@!?[0-9A-Za-z]+>", shown)
    assert "U0CAROL01" in shown and "123456789012345678" in shown


@given(st.text(alphabet=st.sampled_from(list("[]() hxtps:/<>ab.\u200b")), max_size=60))
def test_no_text_renders_a_masked_link_once_defused(text: str) -> None:
    assert not _RENDERED_MASKED_LINK.search(defuse_mentions(text))


# --- invisible format characters (session 31) -------------------------------------------------------------------

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""Arabic letter mark, left-to-right / right-to-left marks, embeddings, overrides, pop, isolates."""
HIDDEN = "\u200b\u2060\ufeff\u00ad\u180e\u2061\u2062\u2063\u2064\u206a\u206f\U000e0001\U000e0041"
"""Zero-width space, word joiner, byte order mark, soft hyphen, Mongolian vowel separator, invisible maths
operators, deprecated format characters, a language tag and a tag letter (hidden text, out of a flag)."""
REFUSED = BIDI_CONTROLS + HIDDEN
EMOJI = (
    "👩‍💻",  # woman technologist: a ZWJ sequence
    "🧑🏾‍🏫",  # teacher with a skin tone
    "👨‍👩‍👧‍👦",
    "❤️‍🔥",  # heart, variation selector, ZWJ, fire
    "🏳️‍🌈",
    "👁️‍🗨️",
    "🇰🇪",
    "🇹🇿",
    "🇺🇬",
    "👍🏽",
    "1️⃣",
    "#️⃣",
    "✅",
    "🙂",
    "🏴󠁧󠁢󠁥󠁮󠁧󠁿",  # England: a flag tag sequence
    "🏴󠁧󠁢󠁳󠁣󠁴󠁿",  # Scotland
    "🏴󠁧󠁢󠁷󠁬󠁳󠁿",  # Wales
)
PLAIN = st.characters(categories=("Lu", "Ll", "Lt", "Lm", "Lo", "Nd", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po"))


def refusal(text: str) -> str | None:
    try:
        check_text(text, field="note", max_length=10_000)
    except UserError as error:
        return error.key
    return None


@pytest.mark.parametrize("hidden", list(REFUSED))
def test_each_bidi_control_and_invisible_character_is_refused_naming_the_field(hidden: str) -> None:
    """Before: `check_text` refused only Cc, so "Hi \\u202eredro siht\\u202c" reached a mentor's offer reversed."""
    with pytest.raises(UserError) as raised:
        check_text(f"Hi {hidden}there", field="bio", max_length=100)
    assert raised.value.key == "input.invisible_characters"
    assert raised.value.params["field"] == "bio"


@pytest.mark.parametrize(
    "text",
    [
        *EMOJI,
        "می\u200cخواهم یاد بگیرم",  # Persian: a zero-width non-joiner between letters
        "क्\u200dष",  # Devanagari: a joiner after a virama
        "ന്\u200d ആണ്",  # Malayalam: a chillu written with a joiner at the end of a word
        "ශ්\u200dරී ලංකා",  # Sinhala
        "Nataka kujifunza SEO 👩‍💻🇰🇪",
    ],
)
def test_emoji_and_scripts_that_need_a_joiner_pass(text: str) -> None:
    assert check_text(text, field="note", max_length=200) == text


@pytest.mark.parametrize(
    "text",
    [
        "cas\u200dino",  # a joiner between ASCII letters joins nothing
        "cas\u200cino",
        "\u200dhello",  # at the start
        "👩\u200d\u200d💻",  # a run of joiners
        "é\u200d\u200b",
        "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067",  # tags without their cancel tag
        "hi \U000e0067\U000e0062\U000e007f",  # tags not after a black flag
        "🏴\U000e0049\U000e0047\U000e004e\U000e004f\U000e0052\U000e0045\U000e007f",  # capital tag letters: hidden text
    ],
)
def test_joiners_and_tags_out_of_place_are_refused(text: str) -> None:
    assert refusal(text) == "input.invisible_characters"


@settings(max_examples=300)
@given(
    st.text(alphabet=st.one_of(st.characters(codec="utf-8"), st.sampled_from(REFUSED + "\u200c\u200d")), max_size=40)
)
@example("a\u202eb")
@example("👩\u200b💻")
def test_no_accepted_text_holds_a_bidi_control_or_a_zero_width_space(text: str) -> None:
    try:
        accepted = check_text(text, field="note", max_length=10_000)
    except UserError:
        return
    assert not any(ch in accepted for ch in REFUSED)
    assert all(
        unicodedata.category(ch) != "Cf" or ch in "\u200c\u200d" or "\U000e0020" <= ch <= "\U000e007f"
        for ch in accepted
    )


@settings(max_examples=300)
@given(st.lists(st.one_of(PLAIN, st.just(" "), st.sampled_from(EMOJI)), max_size=40).map("".join))
def test_letters_digits_punctuation_spaces_and_emoji_are_accepted(text: str) -> None:
    assert check_text(text, field="note", max_length=10_000) == text.strip()


@given(st.text(alphabet=st.sampled_from(list("@<>!&[]() hereveryonchal:U12^|\u200b")), max_size=60))
def test_defusing_twice_changes_nothing(text: str) -> None:
    """Titles are defused where the catalog entry is built and again where courses are rendered."""
    once = defuse_mentions(text)
    assert defuse_mentions(once) == once
