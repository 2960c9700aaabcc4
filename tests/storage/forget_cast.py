"""The member the forget tests forget: Zawadi, whose platform id, name and note must leave no trace."""

from __future__ import annotations

from typing import Any

from mentorbot.bot import Caller
from tests.usecases.conftest import COMMUNITY

HER = "U-zawadi"
NAME = "Zawadi Secretname"
CANARIES = (HER, "NOTECANARY", "Secretname")
"""What of her may be found in a text: her platform id (her mention), her note's canary and her surname."""


def who(name: str, **kwargs: Any) -> Caller:
    """A caller of the test community: ``who("zawadi")`` is her, under her full name; others are capitalised."""
    return Caller(COMMUNITY, f"U-{name}", NAME if name == "zawadi" else name.capitalize(), **kwargs)


def naming_her_text(text: str) -> bool:
    """Whether `text` holds anything of her (`CANARIES`)."""
    return any(canary in text for canary in CANARIES)
