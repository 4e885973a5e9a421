"""The fault-injecting server itself, driven through the real openai SDK (no l0 runtime)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from l0.testing import FAULTS, FaultServer, Scenario, build_plan, numbered_text, word
from l0.testing.scenario import continuation_prefix, resume_index, split_answer

USER = [{"role": "user", "content": "count for me"}]


async def collect(client: Any, model: str, messages: list[Any] = USER, **kw: Any) -> tuple[str, str | None, Any]:
    """(text, finish_reason, error) of one raw SDK stream."""
    parts: list[str] = []
    finish = None
    try:
        stream = await client.chat.completions.create(model=model, messages=messages, stream=True, **kw)
        async for ch in stream:
            for choice in ch.choices:
                if choice.delta.content:
                    parts.append(choice.delta.content)
                if choice.finish_reason:
                    finish = choice.finish_reason
    except Exception as exc:  # noqa: BLE001 - the error is the observation
        return "".join(parts), finish, exc
    return "".join(parts), finish, None


# -- scenario parsing and plans ------------------------------------------------------------


def test_parse_round_trip_and_aliases() -> None:
    sc = Scenario.parse("cut:after=5,words=12,times=2")
    assert (sc.fault, sc.after, sc.words, sc.times) == ("cut", 5, 12, 2)
    assert Scenario.parse(sc.to_spec()) == sc
    assert Scenario.parse("429").fault == "rate_limit"
    assert Scenario.parse("truncated").fault == "no_finish"
    assert Scenario.parse("stall:times=all").times == -1
    assert Scenario.parse("clean:tools=2").words == 0
    assert Scenario.parse("gpt-4o-mini") == Scenario(id="gpt-4o-mini")


def test_parse_rejects_bad_values() -> None:
    with pytest.raises(ValueError, match="after"):
        Scenario.parse("cut:after=x")
    with pytest.raises(ValueError, match="key=value"):
        Scenario.parse("cut:after")
    with pytest.raises(ValueError, match="fault must be one of"):
        Scenario(fault="explode")
    with pytest.raises(TypeError, match="spec must be a str"):
        Scenario.parse(5)  # type: ignore[arg-type]


def test_numbered_text() -> None:
    assert numbered_text(3) == "w0001 w0002 w0003"
    assert numbered_text(3, start=1) == " w0002 w0003"
    assert word(12) == "w0012"


def test_continuation_prefix_rules() -> None:
    assert continuation_prefix(USER) is None
    prefill = [*USER, {"role": "assistant", "content": "w0001 w0002"}]
    assert continuation_prefix(prefill) == "w0001 w0002"
    prompt = [*prefill, {"role": "user", "content": "Please continue."}]
    assert continuation_prefix(prompt) == "w0001 w0002"
    new_turn = [*prefill, {"role": "user", "content": "Now something else"}]
    assert continuation_prefix(new_turn) is None


def test_plan_resumes_after_prefix_with_overlap() -> None:
    sc = Scenario(words=6)
    msgs = [*USER, {"role": "assistant", "content": "w0001 w0002 w0003"}]
    assert "".join(build_plan(sc, msgs).text_chunks) == " w0004 w0005 w0006"
    assert "".join(build_plan(sc.with_(overlap=2), msgs).text_chunks) == " w0002 w0003 w0004 w0005 w0006"
    assert resume_index(["a", " b"], "a b c") == 2


def test_split_answer_keeps_all_text() -> None:
    text = "Hello  world,\nthis is l0. "
    assert "".join(split_answer(text)) == text
    assert split_answer("   ") == ["   "]


# -- faults through the real SDK ----------------------------------------------------------


async def test_clean_stream_and_usage(server: FaultServer, openai_client: Any) -> None:
    text, finish, err = await collect(openai_client, "clean:words=7", stream_options={"include_usage": True})
    assert (text, finish, err) == (numbered_text(7), "stop", None)
    assert server.requests[-1].chunks_sent == 7


@pytest.mark.parametrize(
    ("spec", "kind"),
    [
        ("cut:after=3", "APIConnectionError|RemoteProtocolError"),
        ("malformed:after=3", "JSONDecodeError"),
        ("error_event:after=3", "APIError"),
        ("rate_limit:retry_after=0.2", "RateLimitError"),
        ("unavailable", "InternalServerError"),
    ],
)
async def test_erroring_faults(server: FaultServer, openai_client: Any, spec: str, kind: str) -> None:
    text, finish, err = await collect(openai_client, spec)
    assert type(err).__name__ in kind.split("|")  # openai 3.x wraps httpx errors, 1.x/2.x do not
    assert finish is None
    expected = numbered_text(3) if "after=3" in spec else ""
    assert text == expected
    again = await collect(openai_client, spec)
    assert again == (numbered_text(30), "stop", None)


async def test_rate_limit_headers(server: FaultServer, openai_client: Any) -> None:
    _, _, err = await collect(openai_client, "rate_limit:retry_after=0.25")
    assert err.response.headers["retry-after-ms"] == "250"
    assert float(err.response.headers["retry-after"]) == 0.25


async def test_silent_truncations(server: FaultServer, openai_client: Any) -> None:
    assert await collect(openai_client, "no_finish:after=4") == (numbered_text(4), None, None)
    assert await collect(openai_client, "length:after=4") == (numbered_text(4), "length", None)


async def test_stall_keeps_socket_open(server: FaultServer) -> None:
    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url=server.base_url, api_key="t", max_retries=0, timeout=0.3)
    start = time.monotonic()
    text, _, err = await collect(client, "stall:after=2")
    assert text == numbered_text(2)
    assert type(err).__name__ in ("APITimeoutError", "ReadTimeout")
    assert time.monotonic() - start >= 0.3


async def test_slow_first_token(server: FaultServer, openai_client: Any) -> None:
    start = time.monotonic()
    text, _, _ = await collect(openai_client, "slow_first:first_delay=0.2,words=3")
    assert text == numbered_text(3)
    assert time.monotonic() - start >= 0.2


async def test_tool_call_deltas_and_cut_mid_arguments(server: FaultServer, openai_client: Any) -> None:
    spec = "cut:tools=2,after=4"
    args: dict[int, str] = {}
    with pytest.raises(Exception) as info:
        stream = await openai_client.chat.completions.create(model=spec, messages=USER, stream=True)
        async for ch in stream:
            for tc in ch.choices[0].delta.tool_calls or ():
                args[tc.index] = args.get(tc.index, "") + (tc.function.arguments or "")
    assert type(info.value).__name__ in ("APIConnectionError", "RemoteProtocolError")
    full = server.expected_tool_calls(spec)[0].arguments
    assert args[0] and full.startswith(args[0]) and args[0] != full
    args.clear()
    stream = await openai_client.chat.completions.create(model=spec, messages=USER, stream=True)
    finish = None
    async for ch in stream:
        for tc in ch.choices[0].delta.tool_calls or ():
            args[tc.index] = args.get(tc.index, "") + (tc.function.arguments or "")
        finish = ch.choices[0].finish_reason or finish
    assert [args[0], args[1]] == [c.arguments for c in server.expected_tool_calls(spec)]
    assert server.expected_tool_calls(spec)[1].parsed["city"] == "Lagos"
    assert finish == "tool_calls"


async def test_continuation_resumes_numbered_words(server: FaultServer, openai_client: Any) -> None:
    msgs = [*USER, {"role": "assistant", "content": numbered_text(5)}, {"role": "user", "content": "continue"}]
    text, finish, _ = await collect(openai_client, "clean:words=8", msgs)
    assert text == numbered_text(8, start=5)
    assert server.requests[-1].resumed_at == 5


# -- selection: header, queue, model, counters --------------------------------------------


async def test_header_and_queue_take_precedence(server: FaultServer, openai_client: Any) -> None:
    server.push("cut:after=1", Scenario(fault="length", after=2))
    assert (await collect(openai_client, "clean"))[2] is not None
    assert (await collect(openai_client, "clean"))[1] == "length"
    assert (await collect(openai_client, "clean"))[1] == "stop"
    res = await collect(openai_client, "clean", extra_headers={"X-L0-Fault": "no_finish:after=2"})
    assert res == (numbered_text(2), None, None)
    assert [r.source for r in server.requests] == ["queue", "queue", "model", "header"]


async def test_times_counts_per_scenario_and_reset(server: FaultServer, openai_client: Any) -> None:
    for _ in range(2):
        assert (await collect(openai_client, "cut:after=1,times=2"))[2] is not None
    assert (await collect(openai_client, "cut:after=1,times=2"))[2] is None
    server.reset()
    assert (await collect(openai_client, "cut:after=1,times=2"))[2] is not None
    assert (await collect(openai_client, "unavailable:times=all"))[2] is not None
    assert (await collect(openai_client, "unavailable:times=all"))[2] is not None


async def test_non_streaming_and_tools(server: FaultServer, openai_client: Any) -> None:
    res = await openai_client.chat.completions.create(model="clean:words=4", messages=USER)
    assert res.choices[0].message.content == numbered_text(4)
    res = await openai_client.chat.completions.create(model="clean:tools=1", messages=USER)
    assert res.choices[0].message.tool_calls[0].function.name == "get_weather"
    assert res.choices[0].finish_reason == "tool_calls"


async def test_custom_answer_and_api_key() -> None:
    from openai import AsyncOpenAI, AuthenticationError

    answer = "The quick brown fox jumps over the lazy dog."
    async with FaultServer(answer=answer, api_key="sk-local") as srv:
        good = AsyncOpenAI(base_url=srv.base_url, api_key="sk-local", max_retries=0)
        assert (await collect(good, "clean"))[0] == answer == srv.expected_text()
        bad = AsyncOpenAI(base_url=srv.base_url, api_key="nope", max_retries=0)
        assert isinstance((await collect(bad, "clean"))[2], AuthenticationError)


def test_server_lifecycle_errors() -> None:
    srv = FaultServer()
    with pytest.raises(RuntimeError, match="not started"):
        _ = srv.url
    with srv:
        with pytest.raises(RuntimeError, match="already started"):
            srv.start()
    srv.stop()
    with pytest.raises(TypeError, match="answer"):
        FaultServer(answer=3)  # type: ignore[arg-type]


def test_fault_catalogue_is_documented() -> None:
    assert set(FAULTS) >= {"clean", "cut", "stall", "rate_limit", "unavailable", "malformed", "slow_first",
                           "error_event", "no_finish", "length"}
    assert all(isinstance(v, str) and v for v in FAULTS.values())


@settings(max_examples=100, deadline=None)
@given(words=st.integers(min_value=0, max_value=40), data=st.data())
def test_continuing_any_prefix_gives_the_exact_rest(words: int, data: st.DataObject) -> None:
    scenario = Scenario(words=words)
    full = numbered_text(words)
    k = data.draw(st.integers(min_value=0, max_value=words))
    prefix = numbered_text(k)
    msgs = [*USER, {"role": "assistant", "content": prefix}]
    plan = build_plan(scenario, msgs)
    assert plan.resumed_at == k
    assert prefix + "".join(plan.text_chunks) == full
