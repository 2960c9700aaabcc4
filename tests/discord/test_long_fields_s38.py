"""Session 38's limits hunt: a field value with a line longer than Discord's 1,024 characters lost its end.

A mentor's skills are one line of the "Skills you mentor" field of their status and signup answer; fifteen skills
with long (Swahili, or a community's descriptive) names pass 1,024 characters, and the renderer split a long value
at line ends only, clipping a longer line with "…": the last skills vanished on Discord without a word (Slack showed
them all). Such a line is now cut at word ends into continuation fields, never inside a mention."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from mentorbot.replies import Field, Reply
from mentorbot_discord.render import FIELD_VALUE_LIMIT, render
from tests.discord.test_long_replies_s33 import within_limits

LABEL = "Uboreshaji wa kampeni za matangazo ya kulipia kwenye mitandao ya kijamii {n}"


def _fields(reply: Reply) -> list[tuple[str, str]]:
    return [(f.name, f.value) for m in render(reply) for e in m.embeds for f in e.fields]


def test_fifteen_long_skill_names_on_one_line_are_all_shown() -> None:
    labels = [LABEL.format(n=n) for n in range(1, 16)]
    line = ", ".join(labels)
    assert len(line) > FIELD_VALUE_LIMIT
    reply = Reply("Hali yako", title="Hali", fields=(Field("Ujuzi unaofundisha", line), Field("Nafasi", "2")))
    within_limits(render(reply))
    fields = _fields(reply)
    skills = " ".join(value for name, value in fields if name != "Nafasi")
    assert "…" not in skills
    assert all(label in skills for label in labels), "every skill is shown, none cut off"
    assert fields[0][0] == "Ujuzi unaofundisha" and fields[-1] == ("Nafasi", "2"), "continued, then the next field"


words = st.one_of(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüñ,.", min_size=1, max_size=40),
    st.integers(10**17, 10**19).map(lambda n: f"<@{n}>"),
)
lines = st.lists(words, min_size=0, max_size=400).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(value=st.lists(lines, min_size=1, max_size=4).map("\n".join))
def test_a_field_value_is_shown_whole_in_order_and_never_cut_inside_a_mention(value: str) -> None:
    reply = Reply("", fields=(Field("Skills", value),))
    messages = render(reply)
    within_limits(messages)
    shown = [v for _, v in _fields(reply)]
    assert all(len(v) <= FIELD_VALUE_LIMIT for v in shown)
    assert " ".join(shown).split() == (value.split() or ["—"]), "every word whole, in order"
    for piece in shown:
        assert not re.search(r"<@[0-9]*$|^[0-9]*>", piece), f"a mention is cut: {piece[-30:]!r}"
