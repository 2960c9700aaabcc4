"""A 150-skill taxonomy for tests of pickers and autocomplete that must scale with the taxonomy.

The shipped skills (so the shipped course catalog still validates against it) and generated ones up to 150, with
long slugs and labels, in five extra categories: skill number 101 and later sit past every limit of 100
(Slack's static select, Discord's choice values).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from mentorbot.library import Library
from mentorbot.settings import Settings

SIZE = 150
GENERATED_CATEGORIES = ("influencer-programmes", "community-operations", "creative-production", "research", "growth")


def generated_slug(number: int) -> str:
    """The slug of generated skill `number` (after the shipped ones, up to 150): long, like real compound skills."""
    return f"cross-platform-influencer-partnership-negotiation-{number:03d}"


def write_big_taxonomy(directory: Path) -> Path:
    """Write the 150-skill skills file into `directory`; its path."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    text = Path(settings.skills_file).read_text(encoding="utf-8")
    shipped = len(tomllib.loads(text)["skill"])
    for number in range(shipped + 1, SIZE + 1):
        category = GENERATED_CATEGORIES[number % len(GENERATED_CATEGORIES)]
        text += (
            f'\n[[skill]]\nslug = "{generated_slug(number)}"\ncategory = "{category}"\n'
            f'label = {{ en = "Influencer partnership negotiation {number}",'
            f' sw = "Mazungumzo ya ushirikiano na washawishi {number}" }}\n'
            f'aliases = ["partnership deals {number}"]\n'
        )
    path = directory / "skills-150.toml"
    path.write_text(text, encoding="utf-8")
    return path


def big_library(directory: Path) -> Library:
    """A `Library` of the 150-skill taxonomy and the shipped courses."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    library = Library(write_big_taxonomy(directory), settings.courses_file)
    assert len(library.taxonomy) == SIZE
    return library
