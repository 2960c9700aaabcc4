"""A member's display name shown to others (`text_safety.shown_name`) and a member's web address shown to others
(`text_safety.defuse_url`): neither reorders, hides, mentions nor disguises a link, and ordinary names are intact."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from mentorbot.text_safety import defuse_mentions, defuse_url, has_invisible_characters, shown_name
from tests.test_text_safety import BIDI_CONTROLS, EMOJI, HIDDEN

_RENDERED_MASKED_LINK = re.compile(r"\[[^\]]*\]\((?:https?://|<)")
_LIVE_MENTION = re.compile(r"<@!?&?[0-9A-Za-z]+>|<!\w")


@pytest.mark.parametrize("hidden", list(BIDI_CONTROLS + HIDDEN))
def test_a_name_loses_its_bidi_controls_and_invisible_characters(hidden: str) -> None:
    """Before: a mentor named "Tor\\u202e" showed the rest of the mentee's status line right to left."""
    assert shown_name(f"Tor{hidden}") == "Tor"
    assert shown_name(f"A{hidden}mina") == "Amina"


@pytest.mark.parametrize(
    "name",
    [
        *EMOJI,
        "Amina 👩‍💻",
        "Baraka ❤️‍🔥",
        "Wanjiru 🇰🇪",
        "Neema Mwakasege",  # Swahili
        "Zawadi wa Pwani",
        "Nyokabi Kamau-Otieno",
        "فاطمة الزهراء",  # Arabic
        "عبد الله",
        "می\u200cخواهم",  # Persian: a zero-width non-joiner between letters
        "क्\u200dष",  # Devanagari: a joiner after a virama
        "प्रिया शर्मा",  # Devanagari
        "ශ්\u200dරී",  # Sinhala
        "O'Brien (she/her)",
        "José Ñúñez",
    ],
)
def test_ordinary_names_are_shown_as_they_are(name: str) -> None:
    assert shown_name(name) == name


def test_a_masked_link_name_shows_its_address() -> None:
    """Before: an admin's `/mentor-admin pause` answer made a mentor named "[Undo](https://evil.example)" a link."""
    shown = shown_name("[Undo](https://evil.example)")
    assert not _RENDERED_MASKED_LINK.search(shown)
    assert "Undo" in shown and "https://evil.example" in shown


@pytest.mark.parametrize("name", ["<@123456789012345678>", "<@U0CAROL01>", "<@&42>", "@everyone", "<!channel>"])
def test_a_name_mentions_no_one(name: str) -> None:
    assert not _LIVE_MENTION.search(shown_name(name))
    assert "@everyone" not in shown_name(name)


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("cas\u200dino", "casino"),  # a joiner between ASCII letters joins nothing
        ("\u200dhello", "hello"),
        ("👩\u200d\u200d💻", "👩💻"),  # a run of joiners: none is the one writing needs
        ("é\u200d\u200b", "é"),
        ("hi \U000e0067\U000e0062\U000e007f", "hi "),  # tags not after a black flag
    ],
)
def test_joiners_and_tags_out_of_place_are_dropped(name: str, shown: str) -> None:
    assert shown_name(name) == shown


@given(st.text(alphabet=st.one_of(st.characters(codec="utf-8"), st.sampled_from(BIDI_CONTROLS + HIDDEN)), max_size=40))
@example("a\u202eb\u200d\u200dc")
@example("🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f\u200d")
def test_a_shown_name_holds_no_needless_format_character(name: str) -> None:
    shown = shown_name(name)
    bare = shown.replace("\u200b", "")  # the zero-width spaces `defuse_mentions` puts into a mention
    assert not has_invisible_characters(bare)
    assert shown == defuse_mentions(bare)
    assert shown_name(shown) == shown, "showing a shown name again changes nothing"


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cf",)), max_size=40))
def test_a_name_without_format_characters_is_only_defused(name: str) -> None:
    assert shown_name(name) == (defuse_mentions(name) if name.strip() else "—")


def test_format_characters_kept_are_only_joiners_and_flag_tags() -> None:
    shown = shown_name("🏴󠁧󠁢󠁳󠁣󠁴󠁿 \u202eA\u2066👩‍💻\u200b")
    kept = {ch for ch in shown if unicodedata.category(ch) == "Cf"}
    assert kept <= {"\u200d", *(chr(c) for c in range(0xE0020, 0xE0080))}
    assert shown == "🏴󠁧󠁢󠁳󠁣󠁴󠁿 A👩‍💻"


# --- a member's web address -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "https://www.example.org/guide?by=<@123456789012345678>&x=1",
            "https://www.example.org/guide?by=%3C@123456789012345678%3E&x=1",
        ),
        ("https://example.org/<@U0CAROL01>/x", "https://example.org/%3C@U0CAROL01%3E/x"),
        ("https://example.org/a#<@&42>.", "https://example.org/a#%3C@&42%3E."),
        ("https://example.org/<!channel>", "https://example.org/%3C!channel%3E"),
        ("https://example.org/course?a=1&b=%3C", "https://example.org/course?a=1&b=%3C"),
    ],
)
def test_an_address_keeps_no_angle_bracket(url: str, shown: str) -> None:
    """Before: a suggestion's `https://…?by=<@id>` reached `/courses` as a live mention of that member."""
    assert defuse_url(url) == shown
    assert defuse_url(shown) == shown


@given(st.text(alphabet=st.sampled_from(list("<>@!&U0123abc/?=#%")), max_size=40))
def test_no_address_mentions_anyone(path: str) -> None:
    shown = defuse_url("https://example.org/" + path)
    assert "<" not in shown and ">" not in shown


@pytest.mark.parametrize("name", ["\u202e\u200b", "\u2066\u2069", "", "   "])
def test_a_name_of_only_invisible_characters_is_shown_as_a_dash(name: str) -> None:
    """The review: `shown_name` emptied such a name, and an admin read " is paused and has been told."."""
    assert shown_name(name) == "—"
