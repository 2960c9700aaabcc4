"""Skills autocomplete that keeps working however many skills are typed.

Discord fills an option with the chosen autocomplete choice, and a choice's name and value are at most 100
characters each. Completing a comma-separated list with the whole list as the value (as before) goes silent
after four or five long slugs. Here the last item is completed and the earlier ones are carried in the
shortest form that fits:

- while the whole list fits, it is written out: value ``seo, paid-social``, name ``SEO, Paid social``;
- past 100 characters, every earlier skill becomes its short code (``~k3f``: ``~`` and three or four letters
  or digits, fixed for a slug within a taxonomy), and only the new one is written out:
  value ``~k3f,~0pq,paid-social``, name ``~k3f,~0pq, Paid social``. Fifteen skills take at most 80 characters.

Discord sends the value, or in some clients the name (after editing another option, for instance): both read
the same, because the command turns the codes back into slugs (`expand`) before the core reads the list, and
the core reads slugs and labels alike. Typing on after a choice works the same way: earlier items are read as
codes, slugs, labels or aliases.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Final

from discord import app_commands

from mentorbot.skills import Skill, Taxonomy

CODE_MARK: Final = "~"
CHOICE_LIMIT: Final = 100
AUTOCOMPLETE_LIMIT: Final = 25
_ALPHABET: Final = "0123456789abcdefghijklmnopqrstuvwxyz"


def _digest(slug: str, length: int) -> str:
    number = int.from_bytes(hashlib.blake2b(slug.encode(), digest_size=8).digest(), "big")
    out = []
    for _ in range(length):
        number, rest = divmod(number, len(_ALPHABET))
        out.append(_ALPHABET[rest])
    return "".join(out)


class SkillCodes:
    """The short code of every skill of one taxonomy, both ways. A code is ``~`` and three characters of a
    hash of the slug (four, or more, for the few that would clash with another code or read as a skill name),
    so a slug keeps its code when other skills are added or removed, except for the rare clash."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        """Give every skill of `taxonomy` its code."""
        self.by_slug: dict[str, str] = {}
        self.by_code: dict[str, str] = {}
        pending = sorted(taxonomy.slugs)
        length = 3
        while pending:
            wanted: dict[str, list[str]] = {}
            for slug in pending:
                wanted.setdefault(_digest(slug, length), []).append(slug)
            pending = []
            for code, slugs in wanted.items():
                if len(slugs) == 1 and code not in self.by_code and taxonomy.resolve(code) is None:
                    self.by_code[code] = slugs[0]
                    self.by_slug[slugs[0]] = CODE_MARK + code
                else:
                    pending.extend(slugs)
            length += 1

    def slug(self, token: str) -> str | None:
        """The slug a code (``~k3f``) stands for; None when `token` is not a code of this taxonomy."""
        token = token.strip()
        if not token.startswith(CODE_MARK):
            return None
        return self.by_code.get(token[len(CODE_MARK) :].casefold())


@lru_cache(maxsize=4)
def codes_of(taxonomy: Taxonomy) -> SkillCodes:
    """The codes of `taxonomy` (computed once per loaded taxonomy; a reload makes a new one)."""
    return SkillCodes(taxonomy)


def expand(text: str | None, taxonomy: Taxonomy) -> str | None:
    """A typed or chosen skills list with its codes turned back into slugs (``~k3f,seo`` → ``paid-social, seo``);
    anything else is left for the core to read (and refuse, with suggestions, if it names no skill)."""
    if text is None or CODE_MARK not in text:
        return text
    codes = codes_of(taxonomy)
    return ", ".join(codes.slug(part) or part.strip() for part in text.split(",") if part.strip())


def _earlier(parts: list[str], taxonomy: Taxonomy) -> list[tuple[str, Skill | None]]:
    """The items before the one being typed: each as typed, with the skill it names (None: none)."""
    codes = codes_of(taxonomy)
    found: list[tuple[str, Skill | None]] = []
    for part in parts:
        text = part.strip()
        if not text:
            continue
        slug = codes.slug(text)
        found.append((text, taxonomy.get(slug) if slug else taxonomy.resolve(text)))
    return found


def complete(taxonomy: Taxonomy, current: str, lang: str) -> list[app_commands.Choice[str]]:
    """Up to 25 choices completing the last item of `current` (a comma-separated list) from the taxonomy
    (slugs, labels in either language and aliases match), each choice the whole list in at most 100
    characters, name (labels in `lang`) and value (slugs) alike; skills already in the list are not offered."""
    *before, last = current.split(",")
    earlier = _earlier(before, taxonomy)
    chosen = {skill.slug for _, skill in earlier if skill is not None}
    codes = codes_of(taxonomy)
    choices: list[app_commands.Choice[str]] = []
    for skill in taxonomy.search(last.strip(), limit=AUTOCOMPLETE_LIMIT + len(chosen)):
        if skill.slug in chosen:
            continue
        plain_value = ", ".join([*(s.slug if s else text for text, s in earlier), skill.slug])
        plain_name = ", ".join([*(s.label(lang) if s else text for text, s in earlier), skill.label(lang)])
        short = ",".join(codes.by_slug[s.slug] if s else text for text, s in earlier)
        value = plain_value if len(plain_value) <= CHOICE_LIMIT else f"{short},{skill.slug}"
        name = plain_name if len(plain_name) <= CHOICE_LIMIT else f"{short}, {skill.label(lang)}"
        if len(value) > CHOICE_LIMIT:
            value = f"{short},{codes.by_slug[skill.slug]}"
        if len(name) > CHOICE_LIMIT:
            name = value
        if len(value) > CHOICE_LIMIT:
            continue  # earlier items typed as long unknown words: nothing short enough to offer
        choices.append(app_commands.Choice(name=name, value=value))
        if len(choices) == AUTOCOMPLETE_LIMIT:
            break
    return choices
