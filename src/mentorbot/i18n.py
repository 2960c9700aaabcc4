"""Message catalogs: every user-facing text, in English and Swahili.

Catalogs are TOML files under ``mentorbot/locales/<lang>/<namespace>.toml``, and under
``locales/<lang>/`` of every package registered in the entry-point group ``mentorbot.locales`` (an
adapter's own texts: ``discord``, ``slack``, ``console``); a key is
``<namespace>.<key>`` (nested tables join with dots). A file whose name starts with ``_`` adds no
namespace: its top-level tables are namespaces of their own (the core's many small ones live in
``_core.toml``). Placeholders use ``str.format`` syntax
(``{skill}``). A test checks that every language has the same keys and the same placeholders.

Plurals: a message whose words agree with a number is a table of CLDR plural forms, chosen by its ``count``
parameter with Babel's plural rules for the catalog's language (English and Swahili both have ``one`` and
``other``)::

    [pause.withdrawn]
    one = "Your pending offer was withdrawn:"
    other = "Your {count} pending offers were withdrawn:"

Each language's catalog decides its own forms (Swahili agreement follows the noun's class: *ofa yako
iliyokuwa ikisubiri*, *ofa zako 2 zilizokuwa zikisubiri*; *mshauri 1*, *washauri 3*); a language may also give a
plain string where the number changes nothing. In the flat catalog the forms are keys of their own
(``pause.withdrawn.one``).
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.metadata import entry_points
from importlib.resources.abc import Traversable
from typing import Any, Final

from babel import Locale

LANGUAGES: Final = ("en", "sw")
DEFAULT_LANGUAGE: Final = "en"
LOCALES_GROUP: Final = "mentorbot.locales"
"""The entry-point group of packages that bring message catalogs of their own (``locales/<lang>/*.toml``)."""
PLURAL_FORMS: Final = ("zero", "one", "two", "few", "many", "other")
"""CLDR's plural categories: a catalog table whose keys are only these (with ``other``) is one plural message."""


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


def is_plural_table(table: Mapping[str, Any]) -> bool:
    """Whether a catalog table is one message's plural forms (only CLDR categories, ``other`` among them)."""
    return "other" in table and all(key in PLURAL_FORMS and isinstance(v, str) for key, v in table.items())


@cache
def plural_forms_needed(lang: str) -> frozenset[str]:
    """The plural forms `lang`'s grammar distinguishes (CLDR, through Babel): ``{"one", "other"}`` for en and sw."""
    return frozenset(Locale.parse(lang).plural_form.tags | {"other"})


def plural_form(lang: str, count: Any) -> str:
    """The CLDR plural category of `count` in `lang` (``"one"`` for 1 in English and Swahili)."""
    return str(Locale.parse(lang).plural_form(count))


def plural_keys(catalog: Mapping[str, str]) -> dict[str, frozenset[str]]:
    """The plural messages of a flat catalog: message key -> the forms it gives (``{"one", "other"}``)."""
    out: dict[str, set[str]] = {}
    for key in catalog:
        base, _, form = key.rpartition(".")
        if form in PLURAL_FORMS and f"{base}.other" in catalog:
            out.setdefault(base, set()).add(form)
    return {key: frozenset(forms) for key, forms in out.items()}


@cache
def language_names(lang: str) -> Mapping[str, str]:
    """ISO 639-1 language codes -> their names in `lang` (CLDR through Babel: ``sw`` is "Swahili" in English,
    "Kiswahili" in Swahili)."""
    names = Locale.parse(lang).languages
    return {code: name for code, name in names.items() if len(code) == 2 and code.isalpha()}


def language_name(code: str, lang: str) -> str:
    """How a reader of `lang` names the language `code` (``sw``: "Swahili" in English, "Kiswahili" in
    Swahili); the code itself when CLDR has no name for it."""
    return language_names(lang).get(code) or language_names(DEFAULT_LANGUAGE).get(code) or code


class Localized(str):
    """A message parameter that reads differently in each language: the string itself is its English text (what
    tests compare, logs show and what a reader gets when no translator fills it in), and `Translator` fills it in
    with ``render(translator)``, in the reader's language. So an error raised before the reader's language is
    known (a command's usage, the level words a refusal lists) still reaches them in it."""

    render: Callable[[Translator], str]

    def __new__(cls, english: str, render: Callable[[Translator], str]) -> Localized:
        text = super().__new__(cls, english)
        text.render = render
        return text

    def __reduce__(self) -> tuple[type[Localized], tuple[str, Callable[[Translator], str]]]:
        return (Localized, (str(self), self.render))  # copied or pickled with its rendering


@dataclass(frozen=True)
class Translator:
    """Looks up and fills messages for one language, falling back to English for safety."""

    lang: str = DEFAULT_LANGUAGE

    def __call__(self, key: str, /, **params: Any) -> str:
        """The message `key` in this language, with `params` filled in; a plural message in the form its
        ``count`` parameter needs."""
        template = self._template(self.lang, key, params)
        if template is None:
            template = self._template(DEFAULT_LANGUAGE, key, params)
        if template is None:
            raise KeyError(key)
        if not params:
            return template
        filled = {name: value.render(self) if isinstance(value, Localized) else value for name, value in params.items()}
        return template.format(**filled)

    @staticmethod
    def _template(lang: str, key: str, params: Mapping[str, Any]) -> str | None:
        catalog = load_catalog(lang)
        template = catalog.get(key)
        if template is not None or f"{key}.other" not in catalog:
            return template
        if "count" not in params:
            raise KeyError(f"{key} is a plural message: give its count")
        return catalog.get(f"{key}.{plural_form(lang, params['count'])}") or catalog[f"{key}.other"]

    def has(self, key: str) -> bool:
        """Whether the catalog (of this language or English) has `key` (a plain or a plural message)."""
        langs = {self.lang, DEFAULT_LANGUAGE}
        return any(key in load_catalog(lang) or f"{key}.other" in load_catalog(lang) for lang in langs)

    def language(self, code: str) -> str:
        """The name of the language `code` for this reader (``English``, ``Kiswahili``, ``French``)."""
        return language_name(code, self.lang)

    def join(self, items: Sequence[str]) -> str:
        """Items listed as a sentence lists them, for this reader: ``a``, ``a and b``, ``a, b and c`` (Swahili
        ``a, b na c``; the words are ``common.list_and``)."""
        if len(items) <= 1:
            return "".join(items)
        return self("common.list_and", first=", ".join(items[:-1]), last=items[-1])


def translator(lang: str | None) -> Translator:
    """A translator for `lang`, or for English when `lang` is unknown or empty."""
    return Translator(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
