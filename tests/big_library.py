"""A library with a 150-skill taxonomy (the shipped skills and made-up ones), for tests of long lists."""

from __future__ import annotations

import re
from pathlib import Path

from mentorbot.library import Library
from mentorbot.settings import Settings

SKILLS = 150


def shipped_count() -> int:
    """How many skills the shipped taxonomy has."""
    shipped = Settings(_env_file=None).skills_file.read_text(encoding="utf-8")  # type: ignore[call-arg]
    return len(re.findall(r"^\[\[skill\]\]", shipped, flags=re.MULTILINE))


def big_library(folder: Path, size: int = SKILLS) -> Library:
    """The shipped courses over the shipped skills plus made-up ones up to `size` skills, written in `folder`."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    shipped = settings.skills_file.read_text(encoding="utf-8")
    count = len(re.findall(r"^\[\[skill\]\]", shipped, flags=re.MULTILINE))
    made = "".join(
        f'\n[[skill]]\nslug = "made-skill-{i:03d}"\ncategory = "growth"\n'
        f'label = {{ en = "Made skill {i:03d}", sw = "Ujuzi wa kubuni {i:03d}" }}\n'
        for i in range(size - count)
    )
    path = folder / "skills.toml"
    path.write_text(shipped + made, encoding="utf-8")
    return Library(path, settings.courses_file)
