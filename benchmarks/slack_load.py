"""The load process of the Slack benchmark: signed slash commands over HTTP, bounded in count and time.

Run as ``python -m benchmarks.slack_load PLAN.json``; prints one JSON line. Only loopback URLs are used. With a
``pair`` in the plan (another server's URL and its bodies per phase), the one-at-a-time phases alternate between
the two servers request by request, so that a figure and its floor are measured side by side.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from tests.fakes.slack_signing import compute_signature


def _check_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if not (host.startswith("127.") or host in ("localhost", "::1")):
        raise SystemExit(f"refusing to load a non-loopback address: {host}")


async def _post(
    session: aiohttp.ClientSession, url: str, body: str, secret: str, starts: list[float]
) -> tuple[float, bool]:
    """POST one signed body: its latency, and whether the acknowledgement carried an answer (a message). The
    moment it was sent is appended to `starts` (``time.monotonic``: one clock for every process of the machine,
    so the benchmark can compare it with when the fake Slack received the answer)."""
    ts = int(time.time())
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": compute_signature(secret, ts, body),
    }
    starts.append(time.monotonic())
    start = time.perf_counter()
    async with session.post(url, data=body.encode(), headers=headers) as response:
        answer = await response.read()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}")
    return time.perf_counter() - start, answer.startswith(b"{") and b'"text"' in answer


async def run(plan: dict[str, Any]) -> dict[str, Any]:
    url, secret, bodies = plan["url"], plan["secret"], plan["bodies"]
    _check_loopback(url)
    deadline = time.perf_counter() + float(plan["max_seconds"])
    out: dict[str, Any] = {}
    pair: dict[str, Any] | None = plan.get("pair")
    if pair is not None:
        _check_loopback(pair["url"])
    async with (
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as session,
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as pair_session,
    ):
        one_by_one = int(plan["single"])
        gap = float(plan.get("gap", 0))
        again = int(plan.get("again", 0))
        for name, part in (("single", bodies[:one_by_one]), ("again", bodies[one_by_one : one_by_one + again])):
            latencies_one: list[float] = []
            starts_one: list[float] = []
            flags_one: list[bool] = []
            paired: list[float] = []
            pair_bodies = pair["bodies"][name] if pair is not None else []
            for i, body in enumerate(part):
                if time.perf_counter() > deadline:
                    break
                # With a pair (the floor's server), each step sends one request to each, alone, the previous
                # request's work done, which goes first alternating: both meet the machine in the same state.
                order = ("ours", "pair") if i % 2 == 0 else ("pair", "ours")
                for who in order:
                    if who == "pair" and i >= len(pair_bodies):
                        continue
                    await asyncio.sleep(gap)  # the previous request's work done: one request at a time, alone
                    if who == "ours":
                        latency, with_answer = await _post(session, url, body, secret, starts_one)
                        latencies_one.append(latency)
                        flags_one.append(with_answer)
                    else:
                        assert pair is not None
                        latency, _ = await _post(pair_session, pair["url"], pair_bodies[i], secret, [])
                        paired.append(latency)
            out[name] = latencies_one
            out[f"{name}_starts"] = starts_one
            out[f"{name}_in_ack"] = flags_one
            out[f"{name}_answered"] = sum(flags_one)
            out[f"{name}_pair"] = paired
    connections = int(plan["connections"])
    queue = list(enumerate(bodies[one_by_one + again :]))
    queue.reverse()  # popped from the end: sent in order
    sent: dict[int, tuple[float, float, bool]] = {}
    done = 0
    answered = 0
    errors = 0
    latencies: list[float] = []

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections)) as session:

        async def worker() -> None:
            nonlocal done, answered, errors
            while queue and time.perf_counter() < deadline:
                index, body = queue.pop()
                try:
                    starts: list[float] = []
                    latency, with_answer = await _post(session, url, body, secret, starts)
                    sent[index] = (starts[0], latency, with_answer)
                    latencies.append(latency)
                    done += 1
                    answered += with_answer
                except (TimeoutError, aiohttp.ClientError, RuntimeError):
                    errors += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        out["elapsed"] = time.perf_counter() - start
    out.update(done=done, answered=answered, errors=errors, latencies=latencies)
    # Per load body, in order (None for one not sent): when it was sent, its latency, whether the ack answered.
    out["load"] = [sent.get(i) for i in range(len(bodies) - one_by_one - again)]
    return out


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as fh:
        plan = json.load(fh)
    print(json.dumps(asyncio.run(run(plan))))


if __name__ == "__main__":
    main()
