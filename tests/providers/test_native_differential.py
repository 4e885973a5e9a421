"""Differential e2e: the native transport against the openai SDK path, fault by fault.

For every fault of the fault server, in restart and resume mode, with retries
on (the run recovers) and off (the error reaches the consumer), the same
request goes once through ``l0.wrap(client)`` (the SDK reads the body) and once
through ``l0.wrap(client, transport="native")``. Everything the consumer can
observe must be identical: the events, the final state, the raised error
(class, message, status, body, rate-limit headers, cause), the observability
events that carry the retry decisions, and the requests the server received.
Only wall-clock values (timestamps, elapsed times, delays) and the adapter id
are left out.
"""

from __future__ import annotations

from typing import Any

import pytest

import l0
from l0.testing import FaultServer
from l0.types import Retry, Timeout

USER = [{"role": "user", "content": "Count from one, one word per token."}]
CUT = 12
# Every fault of the fault server (the same table as test_e2e.py).
FAULTS: dict[str, str] = {
    "clean": "clean",
    "cut": f"cut:after={CUT}",
    "cut_overlap": f"cut:after={CUT},overlap=3",
    "stall": f"stall:after={CUT}",
    "rate_limit": "rate_limit:retry_after=0.2",
    "unavailable": "unavailable",
    "malformed": f"malformed:after={CUT}",
    "slow_first": "slow_first:first_delay=3",
    "error_event": f"error_event:after={CUT}",
    "no_finish": f"no_finish:after={CUT}",
    "length": f"length:after={CUT}",
}


def fast_retry() -> Retry:
    """Tiny backoff so the suite stays fast (Retry-After hints still win)."""
    return Retry(attempts=3, max_retries=6, base_delay=0.01, max_delay=0.05)


def timeouts(case: str) -> Timeout:
    """Short watchdog budgets for the stall/slow faults, generous ones otherwise."""
    if case in ("stall", "slow_first"):
        return Timeout(initial_token=600, inter_token=300)
    return Timeout(initial_token=5000, inter_token=5000)

pytestmark = pytest.mark.e2e

TRANSPORTS = ("sdk", "native")
CASES = {**FAULTS, "tool_cut": "cut:tools=2,after=5", "text_then_tool_cut": "cut:tools=1,words=6,after=8",
         "reasoning_cut": f"cut:reasoning=4,after={CUT}", "length_usage": f"length:after={CUT}"}
_TIMING = {"ts", "startTs", "endTs", "elapsedMs", "delayMs", "durationMs", "delay", "duration", "timestamp",
           "elapsed", "waitMs", "retryAfterMs"}
_HEADERS = ("retry-after", "retry-after-ms", "x-ratelimit-limit-requests", "x-ratelimit-remaining-requests",
            "x-ratelimit-reset-requests", "content-type")


def event_view(ev: Any) -> tuple:
    """Everything a consumer sees in one l0 event, except its timestamp."""
    err = ev.error
    return (str(ev.type), ev.text, ev.data, ev.payload, ev.progress, ev.usage, ev.finish_reason, ev.metadata,
            None if err is None else (type(err), str(err)))


def meta_view(value: Any) -> Any:
    """Observability meta without wall-clock values (and without the adapter's name)."""
    if isinstance(value, dict):
        return {k: meta_view(v) for k, v in value.items() if k not in _TIMING and k != "adapterId"}
    if isinstance(value, list):
        return [meta_view(v) for v in value]
    return value


def error_view(exc: BaseException | None) -> tuple | None:
    """Class, message, HTTP status, body, rate-limit headers and cause of a raised error."""
    if exc is None:
        return None
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    picked = {h: headers.get(h) for h in _HEADERS} if headers is not None else None
    cause = exc.__cause__
    return (type(exc), str(exc), getattr(exc, "status_code", None), getattr(exc, "body", None), picked,
            None if cause is None else type(cause).__name__)


def state_view(state: Any) -> dict[str, Any]:
    """The final state, except its clock readings."""
    skip = {"first_token_at", "last_token_at", "duration", "buffer"}
    out = {}
    for name in type(state).__dataclass_fields__:
        if name in skip:
            continue
        value = getattr(state, name)
        if name == "network_errors":
            value = [(type(e).__name__, str(e)) if isinstance(e, BaseException) else repr(e) for e in value]
        out[name] = value
    return out


async def transcript(server: FaultServer, transport: str, spec: str, *, mode: str, retry: Retry,
                     timeout: Timeout, fallbacks: list[str] | None = None) -> dict[str, Any]:
    """Run one request through ``transport`` and record everything observable."""
    from openai import AsyncOpenAI

    server.reset()
    observed: list[Any] = []
    calls: list[tuple[str, str, dict[str, Any]]] = []
    client = l0.wrap(
        AsyncOpenAI(base_url=server.base_url, api_key="test", max_retries=0),
        transport=transport, retry=retry, timeout=timeout, fallbacks=fallbacks, buffer_tool_calls=True,
        continue_from_last_good_token=(mode == "resume"), on_event=observed.append,
        on_tool_call=lambda name, call_id, args: calls.append((name, call_id, args)),
    )
    stream = await client.chat.completions.create(
        model=spec, messages=USER, stream=True, stream_options={"include_usage": True})
    events: list[tuple] = []
    error: BaseException | None = None
    try:
        async for ev in stream:
            events.append(event_view(ev))
    except Exception as exc:  # noqa: BLE001 - the error is part of the transcript
        error = exc
    return {
        "events": events,
        "error": error_view(error),
        "state": state_view(stream.state),
        "observability": [(str(o.type), meta_view(o.meta)) for o in observed],
        "tool_calls": calls,
        "requests": [(r.model, r.scenario.fault, r.faulted, r.status, r.resumed_at, len(r.messages),
                      r.messages[-1]) for r in server.requests],
    }


def assert_same(sdk: dict[str, Any], native: dict[str, Any]) -> None:
    """Field by field, so a failure names what differs."""
    for key in sdk:
        assert native[key] == sdk[key], key


@pytest.mark.parametrize("mode", ["restart", "resume"])
@pytest.mark.parametrize("case", list(CASES))
async def test_native_matches_sdk_when_retrying(case: str, mode: str, server: FaultServer, matrix_cell: Any) -> None:
    if case in FAULTS or case == "tool_cut":
        matrix_cell(case, mode, "native=sdk")
    spec = CASES[case]
    runs = {t: await transcript(server, t, spec, mode=mode, retry=fast_retry(), timeout=timeouts(case))
            for t in TRANSPORTS}
    assert_same(runs["sdk"], runs["native"])
    assert runs["native"]["error"] is None
    assert runs["native"]["state"]["completed"]


@pytest.mark.parametrize("mode", ["restart", "resume"])
@pytest.mark.parametrize("case", list(CASES))
async def test_native_matches_sdk_when_the_error_reaches_the_consumer(case: str, mode: str,
                                                                       server: FaultServer) -> None:
    spec = CASES[case]
    runs = {t: await transcript(server, t, spec, mode=mode, retry=Retry(attempts=0, max_retries=0),
                                timeout=timeouts(case)) for t in TRANSPORTS}
    assert_same(runs["sdk"], runs["native"])
    if case not in ("clean", "length_usage", "length", "slow_first"):
        assert runs["native"]["error"] is not None, runs["native"]


@pytest.mark.parametrize("mode", ["restart", "resume"])
async def test_native_matches_sdk_across_fallbacks(mode: str, server: FaultServer, matrix_cell: Any) -> None:
    matrix_cell("fallback", mode, "native=sdk")
    retry = Retry(attempts=1, max_retries=1, base_delay=0.01, max_delay=0.02)
    runs = {t: await transcript(server, t, "cut:after=5,times=all", mode=mode, retry=retry,
                                timeout=timeouts("cut"), fallbacks=["backup"]) for t in TRANSPORTS}
    assert_same(runs["sdk"], runs["native"])
    assert runs["native"]["state"]["fallback_index"] == 1


async def test_rate_limit_error_is_the_sdk_class_with_its_headers(server: FaultServer) -> None:
    import openai

    run = await transcript(server, "native", "rate_limit:retry_after=2", mode="restart",
                           retry=Retry(attempts=0, max_retries=0), timeout=timeouts("rate_limit"))
    cls, message, status, body, headers, _ = run["error"]
    assert issubclass(cls, openai.RateLimitError)
    assert status == 429 and "Rate limit reached" in message
    assert body["code"] == "rate_limit_exceeded"
    assert headers["retry-after"] == "2" and headers["retry-after-ms"] == "2000"
