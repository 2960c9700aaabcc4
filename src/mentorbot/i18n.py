"""Message catalogs: every user-facing text, in English and Swahili.

Catalogs are TOML files under ``mentorbot/locales/<lang>/<namespace>.toml``, and under
``locales/<lang>/`` of every package registered in the entry-point group ``mentorbot.locales`` (an
adapter's own texts: ``discord``, ``slack``, ``console``); a key is
``<namespace>.<key>`` (nested tables join with dots). A file whose name starts with ``_`` adds no
namespace: its top-level tables are namespaces of their own (the core's many small ones live in
``_core.toml``). Placeholders use ``str.format`` syntax
(``{skill}``). A test checks that every language has the same keys and the same placeholders.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.metadata import entry_points
from importlib.resources.abc import Traversable
from typing import Any, Final

LANGUAGES: Final = ("en", "sw")
DEFAULT_LANGUAGE: Final = "en"
LOCALES_GROUP: Final = "mentorbot.locales"
"""The entry-point group of packages that bring message catalogs of their own (``locales/<lang>/*.toml``)."""


def _flatten(prefix: str, table: Mapping[str, Any], out: dict[str, str]) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            _flatten(full, value, out)
        elif isinstance(value, str):
            out[full] = value
        else:
            raise ValueError(f"message {full!r} must be a string, not {type(value).__name__}")


def catalog_folders(lang: str) -> list[Traversable]:
    """The folders holding `lang`'s catalogs: the core's, then those of the registered packages (by name)."""
    packages = ["mentorbot", *(entry.module for entry in sorted(entry_points(group=LOCALES_GROUP), key=_by_name))]
    return [folder for folder in (resources.files(p) / "locales" / lang for p in packages) if folder.is_dir()]


def _by_name(entry: Any) -> str:
    return str(entry.name)


def catalog_files(lang: str) -> list[Traversable]:
    """Every catalog file of `lang` (``<namespace>.toml``) in `catalog_folders`."""
    return [
        entry
        for folder in catalog_folders(lang)
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".toml")
    ]


@cache
def load_catalog(lang: str) -> Mapping[str, str]:
    """All messages of one language, keyed ``namespace.key``."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    out: dict[str, str] = {}
    for entry in catalog_files(lang):
        namespace = entry.name.removesuffix(".toml")
        prefix = "" if namespace.startswith("_") else namespace
        _flatten(prefix, tomllib.loads(entry.read_text(encoding="utf-8")), out)
    return out


def placeholders(template: str) -> frozenset[str]:
    """The names of the ``{placeholders}`` in a message template."""
    return frozenset(name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name)


@dataclass(frozen=True)
class Translator:
    """Looks up and fills messages for one language, falling back to English for safety."""

    lang: str = DEFAULT_LANGUAGE

    def __call__(self, key: str, /, **params: Any) -> str:
        """The message `key` in this language, with `params` filled in."""
        template = load_catalog(self.lang).get(key)
        if template is None:
            template = load_catalog(DEFAULT_LANGUAGE)[key]
        return template.format(**params) if params else template

    def has(self, key: str) -> bool:
        """Whether the catalog (of this language or English) has `key`."""
        return key in load_catalog(self.lang) or key in load_catalog(DEFAULT_LANGUAGE)


def translator(lang: str | None) -> Translator:
    """A translator for `lang`, or for English when `lang` is unknown or empty."""
    return Translator(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
