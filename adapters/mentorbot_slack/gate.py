"""The HTTP gate in front of Bolt: a request not signed by Slack, or whose body is not one of Slack's payloads,
is refused here with 401 or 400 before Bolt reads it; what passes is handed to Bolt already parsed (`slack_payload`).

Bolt verifies signatures too, but a non-numeric ``X-Slack-Request-Timestamp``, a body that is not UTF-8 or not
the JSON it expects become a 500 with an ERROR traceback there. The gate answers those with a status and one
INFO line, and a signed body missing what every listener reads (the member, the workspace, the event) with 400.

The body is parsed once, here: Bolt's own parser (HTTP mode) would read it a second time, and it reads a form
whose text merely contains the word "payload" (a slash command's text, a channel's name) as an empty body, so
that command would reach no listener.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Mapping
from typing import Any, Final, cast
from urllib.parse import parse_qsl

_TIMESTAMP: Final = re.compile(r"[0-9]{1,12}")
_SIGNATURE: Final = re.compile(r"v0=[0-9a-f]{64}")
STALE_AFTER: Final = 300
"""Seconds a request's timestamp may be away from our clock (Slack's own rule)."""


def verify_signature(secret: str, body: bytes, headers: Mapping[str, str], now: float | None = None) -> bool:
    """Whether `body` carries a valid, fresh Slack signature (``X-Slack-Signature``: HMAC-SHA256 of
    ``v0:<X-Slack-Request-Timestamp>:<body>``). A missing, non-numeric or stale timestamp is simply invalid."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not secret or not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > STALE_AFTER:
        return False
    digest = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest("v0=" + digest, signature)


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def slack_payload(body: bytes, content_type: str | None) -> dict[str, Any] | None:
    """The payload of a (signed) body, as Bolt's listeners read it, when it has the shape of a Slack request every
    listener can read: a slash command (the form) with its member and workspace, an interaction (the ``payload=``
    JSON) with its type and member, an Events API envelope with its type (and, for ``event_callback``, the
    event), or Slack's SSL check. None for anything else."""
    try:
        text = body.decode("utf-8")
        if content_type == "application/json" or text.startswith("{"):
            envelope = json.loads(text)
            if (
                isinstance(envelope, dict)
                and _text(envelope.get("type"))
                and (envelope["type"] != "event_callback" or isinstance(envelope.get("event"), dict))
            ):
                return envelope
            return None
        form = dict(parse_qsl(text, keep_blank_values=True))
        if "payload" in form:
            payload = json.loads(form["payload"])
            user = payload.get("user") if isinstance(payload, dict) else None
            if isinstance(user, dict) and _text(payload.get("type")) and _text(user.get("id")):
                return cast(dict[str, Any], payload)
            return None
        if "command" in form:
            return form if all(_text(form.get(name)) for name in ("command", "user_id", "team_id")) else None
        return form if form.get("ssl_check") == "1" else None
    except (UnicodeDecodeError, ValueError):
        return None
