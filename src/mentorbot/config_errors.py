"""Turning pydantic's validation errors on config files (skills, courses) into a field and a readable reason."""

from __future__ import annotations

import re
from typing import Any, Final

from pydantic import ValidationError

_FIELD_PREFIX_RE: Final = re.compile(r"[a-z_]+(?:\[\d+\])?")


def first_validation_problem(exc: ValidationError) -> tuple[str | None, str]:
    """The field (in file terms, e.g. ``label.sw`` or ``skills[2]``) and the reason of the first validation error."""
    error = exc.errors()[0]
    field = ""
    for part in error["loc"]:
        field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else str(part))
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    match error["type"]:
        case "missing":
            reason = "is required"
        case "extra_forbidden":
            reason = "unknown field"
        case "enum":
            reason = f"must be one of {ctx.get('expected', '')} (got {error['input']!r})"
        case "value_error":
            reason = str(ctx.get("error", error["msg"]))
        case _:
            reason = error["msg"]
    # Validators that check one item of a list, or a field from the whole entry, say which one.
    prefix, sep, rest = reason.partition(": ")
    if sep and _FIELD_PREFIX_RE.fullmatch(prefix) and (not field or prefix.startswith(field)):
        field, reason = prefix, rest
    return field or None, " ".join(reason.split())
