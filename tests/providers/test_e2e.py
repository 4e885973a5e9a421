"""End to end: real openai SDK and real litellm, wrapped by l0, against the fault server.

Every fault runs in restart mode (``read()`` is exactly the clean text) and in
resume mode (``continue_from_last_good_token=True``: the TOKEN events the
consumer sees, joined, are exactly the clean text). The outcome of each cell
goes into the fault x mode x SDK table printed at the end of the session.
"""

from __future__ import annotations

from typing import Any

import pytest

import l0
from l0.client import completion_factory
from l0.testing import FaultServer, Scenario, numbered_text
from l0.types import EventType, Retry, Timeout

pytestmark = pytest.mark.e2e

USER = [{"role": "user", "content": "Count from one, one word per token."}]
CUT = 12
SDKS = ["openai", "litellm"]
MODES = ["restart", "resume"]

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


async def open_stream(sdk: str, server: FaultServer, model: str, litellm: Any, *, fallbacks: list[str] | None = None,
                      **options: Any) -> Any:
    """An l0 Stream for ``model`` through the real SDK ``sdk``."""
    if sdk == "openai":
        from openai import AsyncOpenAI

        client = l0.wrap(AsyncOpenAI(base_url=server.base_url, api_key="test", max_retries=0),
                         fallbacks=fallbacks, **options)
        return await client.chat.completions.create(model=model, messages=USER, stream=True)

    def factory(name: str) -> Any:
        return completion_factory(
            litellm.acompletion, model="openai/" + name, api_base=server.base_url, api_key="test",
            messages=USER, stream=True, max_retries=0, num_retries=0,
        )

    fbs = [factory(name) for name in fallbacks or ()]
    return await l0.run(factory(model), fallbacks=fbs or None, adapter="litellm", **options)


async def tokens_of(stream: Any) -> list[str]:
    """The text of every TOKEN event the consumer receives."""
    return [ev.text async for ev in stream if ev.type == EventType.TOKEN and ev.text]


@pytest.fixture(params=SDKS)
def sdk(request: pytest.FixtureRequest) -> str:
    """The SDK under test (litellm is imported once per session, only if a litellm leg runs)."""
    return request.param


@pytest.fixture
def litellm_module(request: pytest.FixtureRequest) -> Any:
    """litellm if the current leg uses it, else None (keeps openai-only runs free of the slow import)."""
    if "litellm" in request.node.callspec.params.get("sdk", ""):
        return request.getfixturevalue("litellm_session")
    return None


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fault", list(FAULTS))
async def test_fault_matrix(fault: str, mode: str, sdk: str, server: FaultServer, litellm_module: Any,
                            matrix_cell: Any) -> None:
    matrix_cell(fault, mode, sdk)
    spec = FAULTS[fault]
    clean = server.expected_text(spec)
    stream = await open_stream(
        sdk, server, spec, litellm_module, retry=fast_retry(), timeout=timeouts(fault),
        continue_from_last_good_token=(mode == "resume"),
    )
    if mode == "restart":
        assert await stream.read() == clean
    else:
        assert "".join(await tokens_of(stream)) == clean
        assert stream.state.content == clean
    expected_requests = 1 if fault == "clean" else 2
    assert len(server.requests) == expected_requests
    if fault == "rate_limit":
        waited = server.requests[1].received_at - server.requests[0].received_at
        assert waited >= 0.2
    if mode == "resume" and fault in MID_STREAM:
        # The server repeats `overlap` words when continuing; l0 must drop exactly those.
        assert server.requests[1].resumed_at == CUT - Scenario.parse(spec).overlap
    if mode == "restart" and fault != "clean":
        assert server.requests[1].resumed_at is None


@pytest.mark.parametrize("mode", MODES)
async def test_fallback_to_second_model(mode: str, sdk: str, server: FaultServer, litellm_module: Any,
                                        matrix_cell: Any) -> None:
    matrix_cell("fallback", mode, sdk)
    stream = await open_stream(
        sdk, server, "unavailable:times=all", litellm_module, fallbacks=["backup-model"],
        retry=Retry(attempts=1, max_retries=1, base_delay=0.01, max_delay=0.02),
        continue_from_last_good_token=(mode == "resume"),
    )
    text = await stream.read()
    assert text == numbered_text(30)
    assert stream.state.fallback_index == 1
    assert [r.model.removeprefix("openai/") for r in server.requests][-1] == "backup-model"
    assert all(r.status == 503 for r in server.requests[:-1])


@pytest.mark.parametrize("mode", MODES)
async def test_tool_call_cut_mid_arguments_is_restarted(mode: str, sdk: str, server: FaultServer,
                                                        litellm_module: Any, matrix_cell: Any) -> None:
    matrix_cell("tool_cut", mode, sdk)
    spec = "cut:tools=2,after=5"
    seen: list[tuple[str, str, dict[str, Any]]] = []
    stream = await open_stream(
        sdk, server, spec, litellm_module, retry=fast_retry(), buffer_tool_calls=True,
        continue_from_last_good_token=(mode == "resume"),
        on_tool_call=lambda name, call_id, args: seen.append((name, call_id, args)),
    )
    events = [ev async for ev in stream]
    expected = server.expected_tool_calls(spec)
    assert seen == [(c.name, c.id, c.parsed) for c in expected]
    calls = [ev.data for ev in events if ev.type == EventType.TOOL_CALL]
    assert [(c["id"], c["name"], c["arguments"]) for c in calls] == [(c.id, c.name, c.arguments) for c in expected]
    assert len(server.requests) == 2
    assert server.requests[1].resumed_at is None
    assert stream.state.finish_reason == "tool_calls"


async def test_truncation_is_reported_when_not_retried(sdk: str, server: FaultServer, litellm_module: Any) -> None:
    stream = await open_stream(sdk, server, f"length:after={CUT}", litellm_module,
                               retry=Retry(attempts=0, max_retries=0))
    try:
        await stream.read()
    except Exception:  # noqa: BLE001 - a raised truncation is an acceptable report
        pass
    assert stream.state.truncated or stream.state.finish_reason == "length"
    assert len(server.requests) == 1


async def test_usage_and_metadata_reach_the_complete_event(server: FaultServer, openai_client: Any) -> None:
    client = l0.wrap(openai_client)
    stream = await client.chat.completions.create(
        model="clean:words=5", messages=USER, stream=True, stream_options={"include_usage": True}
    )
    done = [ev async for ev in stream if ev.type == EventType.COMPLETE]
    assert done and done[-1].usage["output_tokens"] == 5
    assert done[-1].finish_reason == "stop"
    assert done[-1].metadata["model"] == "clean:words=5"
    assert stream.state.finish_reason == "stop"


async def test_non_streaming_passes_through(server: FaultServer, openai_client: Any) -> None:
    client = l0.wrap(openai_client)
    res = await client.chat.completions.create(model="clean:words=3", messages=USER)
    assert res.choices[0].message.content == numbered_text(3)
    assert client.unwrapped is openai_client
    assert (await client.models.list()).data[0].id == "l0-test"


async def test_text_then_tool_call_cut_is_restarted_not_continued(sdk: str, server: FaultServer,
                                                                  litellm_module: Any) -> None:
    spec = "cut:tools=1,words=6,after=8"
    seen: list[tuple[str, str, dict[str, Any]]] = []
    stream = await open_stream(sdk, server, spec, litellm_module, retry=fast_retry(), buffer_tool_calls=True,
                               continue_from_last_good_token=True,
                               on_tool_call=lambda name, call_id, args: seen.append((name, call_id, args)))
    assert "".join(await tokens_of(stream)) == numbered_text(6)
    assert stream.state.content == numbered_text(6)
    (call,) = server.expected_tool_calls(spec)
    assert seen == [(call.name, call.id, call.parsed)]
    assert [r.resumed_at for r in server.requests] == [None, None]
    assert len(server.requests[1].messages) == len(USER)


async def test_raw_chunks_only_when_asked(server: FaultServer, openai_client: Any) -> None:
    plain = await l0.wrap(openai_client).chat.completions.create(model="clean:words=6", messages=USER, stream=True)
    await plain.read()
    assert plain.raw() == []
    kept = await l0.wrap(openai_client, keep_raw_chunks=4).chat.completions.create(
        model="clean:words=6", messages=USER, stream=True)
    await kept.read()
    raw = kept.raw()
    assert 0 < len(raw) <= 4
    assert type(raw[-1]).__name__ == "ChatCompletionChunk"


async def test_reasoning_deltas_keep_the_watchdog_alive(sdk: str, server: FaultServer, litellm_module: Any) -> None:
    spec = "clean:reasoning=5,delay=0.1,words=3"
    stream = await open_stream(sdk, server, spec, litellm_module, retry=Retry(attempts=0, max_retries=0),
                               timeout=Timeout(initial_token=300, inter_token=300))
    events = [ev async for ev in stream]
    thoughts = [ev.data["content"] for ev in events if ev.type == EventType.MESSAGE]
    assert thoughts == [f"thinking step {i}. " for i in range(1, 6)]
    assert stream.state.content == numbered_text(3)
    assert len(server.requests) == 1


async def test_resume_carries_across_retries_and_into_the_fallback(sdk: str, server: FaultServer,
                                                                   litellm_module: Any) -> None:
    stream = await open_stream(sdk, server, "cut:after=5,times=all", litellm_module, fallbacks=["backup"],
                               retry=Retry(attempts=1, max_retries=1, base_delay=0.01, max_delay=0.02),
                               continue_from_last_good_token=True)
    assert "".join(await tokens_of(stream)) == numbered_text(30)
    assert stream.state.fallback_index == 1
    assert [r.resumed_at for r in server.requests] == [None, 5, 10]
    assert server.requests[-1].model.removeprefix("openai/") == "backup"
