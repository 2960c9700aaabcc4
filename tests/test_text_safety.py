"""Members' text shown to others cannot ping everyone, a role, or disguise a link as other words."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from mentorbot.text_safety import defuse_mentions

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
