"""End to end through the real ``anthropic`` SDK against the fault server's Anthropic mode.

Every fault runs in restart mode (``read()`` is exactly the clean text) and in
resume mode (continuation by assistant prefill: the TOKEN events the consumer
sees, joined, are exactly the clean text). The outcome of each cell goes into
the fault x mode x SDK table printed at the end of the session.
"""

from __future__ import annotations

from typing import Any

import anthropic
import pytest

import l0
from l0.adapters.anthropic import AnthropicAdapter
from l0.client import messages_factory, prefill_messages
from l0.testing import FaultServer, Scenario, numbered_text
from l0.types import EventType, Retry, Timeout

pytestmark = pytest.mark.e2e

USER = [{"role": "user", "content": "Count from one, one word per token."}]
CUT = 12
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
MID_STREAM = {"cut", "cut_overlap", "stall", "malformed", "error_event", "no_finish", "length"}


def fast_retry() -> Retry:
    """Tiny backoff so the suite stays fast (Retry-After hints still win)."""
    return Retry(attempts=3, max_retries=6, base_delay=0.01, max_delay=0.05)


def timeouts(fault: str) -> Timeout:
    """Short watchdog budgets for the stall/slow faults, generous ones otherwise."""
    if fault in ("stall", "slow_first"):
        return Timeout(initial_token=600, inter_token=300)
    return Timeout(initial_token=5000, inter_token=5000)


def client_for(server: FaultServer) -> Any:
    """A real ``anthropic.AsyncAnthropic`` pointed at the fault server, SDK retries off."""
    return anthropic.AsyncAnthropic(base_url=server.anthropic_base_url, api_key="test", max_retries=0)


async def open_stream(server: FaultServer, model: str, **options: Any) -> Any:
    """An l0 Stream over ``messages.create(stream=True)`` for ``model`` (the adapter is auto-detected)."""
    create = client_for(server).messages.create
    return await l0.run(messages_factory(create, model=model, max_tokens=1024, messages=USER, stream=True),
                        **options)


@pytest.mark.parametrize("mode", ["restart", "resume"])
@pytest.mark.parametrize("fault", list(FAULTS))
async def test_fault_matrix(fault: str, mode: str, server: FaultServer, matrix_cell: Any) -> None:
    matrix_cell(fault, mode, "anthropic")
    spec = FAULTS[fault]
    clean = server.expected_text(spec)
    stream = await open_stream(server, spec, retry=fast_retry(), timeout=timeouts(fault),
                               continue_from_last_good_token=(mode == "resume"))
    if mode == "restart":
        assert await stream.read() == clean
    else:
        assert "".join([ev.text async for ev in stream if ev.type == EventType.TOKEN and ev.text]) == clean
        assert stream.state.content == clean
    assert stream.state.finish_reason == "stop"
    assert len(server.requests) == (1 if fault == "clean" else 2)
    if fault == "rate_limit":
        assert server.requests[1].received_at - server.requests[0].received_at >= 0.2
    if mode == "resume" and fault in MID_STREAM:
        assert server.requests[1].resumed_at == CUT - Scenario.parse(spec).overlap
        assert server.requests[1].messages[-1]["role"] == "assistant"
    if mode == "restart" and fault != "clean":
        assert server.requests[1].resumed_at is None


@pytest.mark.parametrize("mode", ["restart", "resume"])
async def test_tool_use_cut_mid_input_is_restarted(mode: str, server: FaultServer, matrix_cell: Any) -> None:
    matrix_cell("tool_cut", mode, "anthropic")
    spec = "cut:tools=2,after=5"
    seen: list[tuple[str, str, dict[str, Any]]] = []
    stream = await open_stream(server, spec, retry=fast_retry(), buffer_tool_calls=True,
                               continue_from_last_good_token=(mode == "resume"),
                               on_tool_call=lambda name, call_id, args: seen.append((name, call_id, args)))
    events = [ev async for ev in stream]
    expected = server.expected_tool_calls(spec)
    ids = ["toolu_" + c.id.removeprefix("call_") for c in expected]
    assert seen == [(c.name, i, c.parsed) for c, i in zip(expected, ids)]
    calls = [ev.data for ev in events if ev.type == EventType.TOOL_CALL]
    assert [(c["id"], c["name"], c["arguments"]) for c in calls] == [
        (i, c.name, c.arguments) for c, i in zip(expected, ids)]
    assert [r.resumed_at for r in server.requests] == [None, None]
    assert stream.state.finish_reason == "tool_calls"


async def test_max_tokens_is_truncation(server: FaultServer) -> None:
    stream = await open_stream(server, f"length:after={CUT}", retry=Retry(attempts=0, max_retries=0))
    try:
        await stream.read()
    except Exception:  # noqa: BLE001 - a raised truncation is an acceptable report
        pass
    assert stream.state.finish_reason == "length"
    assert stream.state.truncated
    assert len(server.requests) == 1


async def test_in_band_overloaded_error_is_retried_as_transient(server: FaultServer) -> None:
    errors: list[BaseException] = []
    stream = await open_stream(server, f"error_event:after={CUT}", retry=fast_retry(),
                               callbacks=l0.LifecycleCallbacks(on_error=lambda e, *a: errors.append(e)))
    assert await stream.read() == numbered_text(30)
    (err,) = errors
    assert isinstance(err, anthropic.APIStatusError)
    assert err.status_code == 529 and err.body["error"]["type"] == "overloaded_error"
    assert l0.errors.categorize_error(err) == l0.ErrorCategory.TRANSIENT  # type: ignore[attr-defined]
    assert len(server.requests) == 2


async def test_rate_limit_is_the_sdk_error_with_retry_after(server: FaultServer) -> None:
    stream = await open_stream(server, "rate_limit:retry_after=2", retry=Retry(attempts=0, max_retries=0))
    with pytest.raises(anthropic.RateLimitError) as info:
        await stream.read()
    assert info.value.response.headers["retry-after"] == "2"
    from l0.retry import retry_after_hint

    assert retry_after_hint(info.value) == 2.0


async def test_thinking_deltas_keep_the_watchdog_alive(server: FaultServer) -> None:
    stream = await open_stream(server, "clean:reasoning=5,delay=0.1,words=3", retry=Retry(attempts=0, max_retries=0),
                               timeout=Timeout(initial_token=300, inter_token=300))
    events = [ev async for ev in stream]
    thoughts = [ev.data["content"] for ev in events if ev.type == EventType.MESSAGE]
    assert thoughts == [f"thinking step {i}. " for i in range(1, 6)]
    assert stream.state.content == numbered_text(3)


async def test_usage_metadata_and_detection(server: FaultServer) -> None:
    raw = await client_for(server).messages.create(model="clean:words=5", max_tokens=64, messages=USER, stream=True)
    assert AnthropicAdapter().detect(raw)
    assert l0.adapters.detect_adapter(raw).name == "anthropic"
    stream = await l0.run(lambda: raw, retry=Retry(attempts=0, max_retries=0))
    done = [ev async for ev in stream if ev.type == EventType.COMPLETE]
    assert done[-1].usage == {"input_tokens": 7, "output_tokens": 5, "total_tokens": 12}
    assert done[-1].finish_reason == "stop"
    assert done[-1].metadata["stop_reason"] == "end_turn"
    assert done[-1].metadata["model"] == "clean:words=5"
    assert done[-1].metadata["provider"] == "anthropic"


def test_prefill_strips_trailing_whitespace() -> None:
    assert prefill_messages(USER, "w0001 w0002 \n") == [*USER, {"role": "assistant", "content": "w0001 w0002"}]


def test_messages_factory_checks_its_argument() -> None:
    with pytest.raises(TypeError, match="create must be callable"):
        messages_factory("nope", model="m")  # type: ignore[arg-type]


def test_adapter_rejects_bad_options() -> None:
    with pytest.raises(TypeError, match="raw_chunks must be a bool"):
        AnthropicAdapter(raw_chunks=1)  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["restart", "resume"])
async def test_wrapped_anthropic_client_resumes_by_prefill(mode: str, server: FaultServer) -> None:
    wrapped = l0.wrap(client_for(server), retry=fast_retry(), continue_from_last_good_token=(mode == "resume"))
    stream = await wrapped.messages.create(model="cut:after=7", max_tokens=256, messages=USER, stream=True)
    assert await stream.read() == numbered_text(30)
    assert [r.resumed_at for r in server.requests] == [None, 7 if mode == "resume" else None]
    if mode == "resume":
        assert server.requests[1].messages[-1] == {"role": "assistant", "content": numbered_text(7)}
    assert wrapped.api_key == "test"  # other attributes are forwarded to the client


def test_native_transport_is_refused_for_anthropic(server: FaultServer) -> None:
    from l0.native import NativeTransportNotSupportedError

    with pytest.raises(NativeTransportNotSupportedError, match="chat completions only"):
        l0.wrap(client_for(server), transport="native")


async def test_dict_events_and_zero_usage_are_kept() -> None:
    async def events() -> Any:
        yield {"type": "message_start", "message": {"id": "m1", "model": "x", "usage": {"input_tokens": 0,
                                                                                     "output_tokens": 3}}}
        yield {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "hi"}}
        yield {"type": "message_delta", "delta": {"stop_reason": "refusal"}, "usage": {"output_tokens": 0}}

    out = [ev async for ev in AnthropicAdapter(raw_chunks=False).wrap(events())]
    assert [e.text for e in out if e.type == EventType.TOKEN] == ["hi"]
    assert out[-1].usage == {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0}
    assert out[-1].finish_reason == "content_filter"
