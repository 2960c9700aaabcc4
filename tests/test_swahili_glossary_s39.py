"""Every Swahili text of the message catalogs keeps docs/swahili-style.md's glossary: none of the words it rules out
(a Swahili hunt, session 39: a partner's "rate it" read *kuutathmini*, the forget's confirmation "bot").

The words are matched as parts of words, so their verb and noun forms are caught too (*kuutathmini*, *boti*)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CATALOGS = sorted([*ROOT.glob("src/mentorbot/locales/sw/*.toml"), *ROOT.glob("adapters/*/locales/sw/*.toml")])

RULED_OUT = {
    "tathmini": "a rating is *ukadiriaji*",
    r"\bbot\b|\bboti\b|roboti": "the bot is *MentorBot*",
    "mapumziko": "a pause is *usitishaji*",
    "kulinganisha|kulinganishwa": "to match is *kuunganisha*",
    r"\bafya\b": "programme health is *Hali ya programu*",
    "endelevu": "ongoing is *inaendelea*",
}


def texts(table: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for key, value in table.items():
        if isinstance(value, dict):
            yield from texts(value, f"{prefix}{key}.")
        elif isinstance(value, str):
            yield f"{prefix}{key}", value


PLATFORM_LABELS = re.compile(r"Bot User OAuth Token|\bBot, Reset Token")
"""Names the platforms' own pages show in English, quoted so that the admin finds them (Slack's app settings,
Discord's Developer Portal): not Swahili words."""


def without_code(text: str) -> str:
    """The text without what is typed as code (`/mentor …`, a setting's name) and the platforms' own labels: those
    are not Swahili words."""
    return PLATFORM_LABELS.sub("", re.sub(r"`[^`]*`", "", text))


def test_the_catalogs_are_found() -> None:
    assert len(CATALOGS) > 20


@pytest.mark.parametrize("word", RULED_OUT)
def test_no_swahili_text_uses_a_word_the_glossary_rules_out(word: str) -> None:
    found = [
        f"{path.relative_to(ROOT)}: {key} = {text!r}"
        for path in CATALOGS
        for key, text in texts(tomllib.loads(path.read_text(encoding="utf-8")))
        if re.search(word, without_code(text), re.IGNORECASE)
    ]
    assert not found, f"{RULED_OUT[word]} (docs/swahili-style.md):\n" + "\n".join(found)
