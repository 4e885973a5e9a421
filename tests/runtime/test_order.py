"""The canonical event and callback orders of core.md §8.5 (a)-(k)."""

from __future__ import annotations

import l0
from l0 import Event, EventType, Retry


class Boom_(Exception):
    """A model-category error."""


PREAMBLE = ["O:STREAM_INIT", "O:ADAPTER_WRAP_START", "O:ADAPTER_DETECTED", "O:STREAM_READY", "O:ADAPTER_WRAP_END"]


async def test_a_clean_run(rec, scripted):
    stream = await l0.run(scripted(["Hello", " wor", "ld!"]), **rec.kwargs())
    assert rec.names() == ["O:SESSION_START"]
    await rec.consume(stream)
    assert rec.names() == [
        "O:SESSION_START", "C:on_start", *PREAMBLE,
        "C:on_stream_event", "Y:token", "C:on_stream_event", "Y:token", "C:on_stream_event", "Y:token",
        "Y:complete", "O:COMPLETE", "C:on_complete",
    ]
    assert rec.calls("on_start") == [(1, False, False)]
    assert rec.meta("ADAPTER_DETECTED") == [{"adapterId": "event"}]
    assert rec.meta("COMPLETE") == [{"tokenCount": 3, "contentLength": 12}]
    # COMPLETE is the last observability event of a successful session; the session events come before it.
    assert [n for k, n, _ in rec.log if k == "O"][-3:] == ["SESSION_SUMMARY", "SESSION_END", "COMPLETE"]
    assert rec.meta("SESSION_END")[0]["success"] is True
    assert [n for _, n, _ in rec.log][-2:] == ["COMPLETE", "on_complete"]
    assert stream.state.content == "Hello world!"


async def test_a_with_timeout_inserts_timeout_events(rec, scripted):
    stream = await l0.run(scripted(["a", "b"]), timeout=l0.Timeout(initial_token=5000, inter_token=10000), **rec.kwargs())
    await rec.consume(stream)
    names = rec.names()
    assert names[names.index("O:STREAM_READY") + 1] == "O:TIMEOUT_START"
    assert names[names.index("O:TIMEOUT_START") + 1] == "O:ADAPTER_WRAP_END"
    assert names.index("O:TIMEOUT_RESET") == names.index("C:on_stream_event") - 1
    assert names.count("O:TIMEOUT_RESET") == 1
    assert rec.meta("TIMEOUT_START") == [{"timeoutType": "initial", "configuredMs": 5000}]
    assert rec.meta("TIMEOUT_RESET") == [{"timeoutType": "inter", "configuredMs": 10000, "tokenIndex": 0}]


async def test_b_retry(rec, scripted, fast_retry):
    factory = scripted(["a", Boom_("boom")], ["ok"])
    stream = await l0.run(factory, retry=fast_retry, **rec.kwargs())
    await rec.consume(stream)
    assert rec.names() == [
        "O:SESSION_START", "C:on_start", *PREAMBLE, "C:on_stream_event", "Y:token",
        "C:on_error", "O:ERROR", "O:RETRY_START", "C:on_retry", "O:RETRY_ATTEMPT",
        "O:CHECKPOINT_SAVED", "C:on_checkpoint", "O:RETRY_END",
        # Restart mode: the consumer is told to discard the "a" it was shown before the new text starts.
        "O:ATTEMPT_START", "C:on_start", "Y:reset", *PREAMBLE, "C:on_stream_event", "Y:token",
        "Y:complete", "O:COMPLETE", "C:on_complete",
    ]
    assert rec.calls("on_error")[0][1:] == (True, False)
    err = rec.meta("ERROR")[0]
    assert err["errorCode"] is None and err["failureType"] == "unknown" and err["recoveryStrategy"] == "retry"
    assert err["policy"]["attempt"] == 1 and err["policy"]["maxRetries"] == 6
    assert rec.meta("RETRY_START") == [{"attempt": 1, "maxAttempts": 6}]
    assert rec.calls("on_retry") == [(1, "boom")]
    assert rec.meta("RETRY_ATTEMPT") == [{"attempt": 1, "reason": "boom", "isNetwork": False}]
    assert rec.meta("CHECKPOINT_SAVED") == [{"checkpoint": "a", "tokenCount": 1}]
    assert rec.calls("on_checkpoint") == [("a", 1)]
    assert rec.meta("RETRY_END") == [{"success": False}]
    assert rec.meta("ATTEMPT_START") == [{"attempt": 2, "isRetry": True, "isFallback": False}]
    assert rec.calls("on_start") == [(1, False, False), (2, True, False)]
    assert stream.state.content == "ok"
    assert stream.state.resumed is True
    assert len(stream.errors) == 1


async def test_b_network_error_comes_first(rec, scripted, fast_retry):
    stream = await l0.run(scripted(["a", ConnectionResetError("connection reset by peer")], ["ok"]),
                          retry=fast_retry, **rec.kwargs())
    await rec.consume(stream)
    names = rec.names()
    assert names.index("O:NETWORK_ERROR") < names.index("C:on_error")
    assert rec.meta("RETRY_ATTEMPT")[0]["isNetwork"] is True
    assert stream.state.network_retry_count == 1 and stream.state.model_retry_count == 0
    assert stream.state.network_errors and isinstance(stream.state.network_errors[0], ConnectionResetError)


async def test_c_fallback(rec, scripted):
    primary = scripted(["a", Boom_("p1")], ["b", Boom_("p2")])
    fallback = scripted(["fb"])
    stream = await l0.run(primary, fallbacks=[fallback], retry=Retry(attempts=1, base_delay=0.0), **rec.kwargs())
    await rec.consume(stream)
    names = rec.names()
    second_error = [i for i, n in enumerate(names) if n == "C:on_error"][1]
    assert names[second_error:second_error + 9] == [
        "C:on_error", "O:ERROR", "O:FALLBACK_END", "O:FALLBACK_START", "O:FALLBACK_MODEL_SELECTED",
        "C:on_fallback", "C:on_start", "Y:reset", "O:STREAM_INIT",
    ]
    assert names[-5:] == ["Y:token", "Y:complete", "O:FALLBACK_END", "O:COMPLETE", "C:on_complete"]
    assert rec.calls("on_error")[1][1:] == (False, True)
    assert rec.meta("ERROR")[1]["recoveryStrategy"] == "fallback"
    assert rec.meta("FALLBACK_END") == [{"index": 0}, {"index": 1}]
    assert rec.meta("FALLBACK_START") == [{"fromIndex": 0, "toIndex": 1, "reason": "previous_failed"}]
    assert rec.meta("FALLBACK_MODEL_SELECTED") == [{"index": 1}]
    assert rec.calls("on_fallback") == [(0, "previous_failed")]
    assert rec.calls("on_start")[-1] == (1, False, True)
    # Fixed: the fallback's text is not appended to the failed primary's.
    assert stream.state.content == "fb"
    assert stream.state.fallback_index == 1


async def test_d_everything_exhausted(rec, scripted):
    stream = await l0.run(scripted([Boom_("x")]), fallbacks=[scripted([Boom_("y")])],
                          retry=Retry(attempts=0, base_delay=0.0), **rec.kwargs())
    try:
        await rec.consume(stream)
    except Boom_ as exc:
        assert str(exc) == "y"
    else:
        raise AssertionError("the last error must be raised")
    names = rec.names()
    assert names[-4:] == ["C:on_error", "O:ERROR", "O:FALLBACK_END", "O:RETRY_GIVE_UP"]
    assert rec.calls("on_error")[-1][1:] == (False, False)
    assert rec.meta("ERROR")[-1]["recoveryStrategy"] == "halt"
    assert rec.meta("RETRY_GIVE_UP") == [{"attempts": 0, "lastError": "y"}]
    assert rec.log[-1][1] == "SESSION_END" and rec.log[-1][2]["success"] is False
    assert [str(e) for e in stream.errors] == ["x", "y"]


async def test_f_timeout_then_retry(rec, fast_retry):
    import asyncio

    calls = {"n": 0}

    def factory():
        calls["n"] += 1
        first = calls["n"] == 1

        async def source():
            yield Event(type=EventType.TOKEN, text="a")
            if first:
                await asyncio.sleep(10)
            yield Event(type=EventType.COMPLETE)

        return source()

    stream = await l0.run(factory, timeout=l0.Timeout(initial_token=1000, inter_token=100), retry=fast_retry,
                          **rec.kwargs())
    await rec.consume(stream)
    names = rec.names()
    i = names.index("O:TIMEOUT_TRIGGERED")
    assert names[i:i + 9] == ["O:TIMEOUT_TRIGGERED", "C:on_timeout", "C:on_error", "O:ERROR", "O:RETRY_START",
                              "C:on_retry", "O:RETRY_ATTEMPT", "O:CHECKPOINT_SAVED", "C:on_checkpoint"]
    assert "O:NETWORK_ERROR" not in names
    meta = rec.meta("TIMEOUT_TRIGGERED")[0]
    assert meta["timeoutType"] == "inter" and meta["configuredMs"] == 100 and meta["elapsedMs"] >= 100
    kind, elapsed = rec.calls("on_timeout")[0]
    assert kind == "inter_token" and elapsed >= 0.1
    assert rec.meta("ERROR")[0]["failureType"] == "timeout"
    assert isinstance(stream.errors[0], l0.TimeoutError)
    assert stream.state.network_retry_count == 1
    assert stream.state.content == "a"


async def test_h_abort_mid_stream(rec, scripted):
    stream = await l0.run(scripted(["a", "b", "c", "d"]), **rec.kwargs())
    seen = []
    async for ev in stream:
        seen.append(ev.text)
        if len(seen) == 2:
            stream.abort()
    assert seen == ["a", "b"]
    names = rec.names()
    assert names[-3:] == ["O:ABORT_REQUESTED", "C:on_abort", "O:ABORT_COMPLETED"]
    assert rec.calls("on_abort") == [(2, 2)]
    assert rec.meta("ABORT_COMPLETED") == [{"tokenCount": 2, "contentLength": 2}]
    assert "O:COMPLETE" not in names and "O:ERROR" not in names
    assert stream.state.aborted is True and stream.state.completed is False


async def test_i_tool_calls_streamed(rec, scripted):
    fragments = [
        Event(type=EventType.TOOL_CALL, data={"index": 0, "id": "call_1", "name": "get", "arguments": '{"a":'}),
        Event(type=EventType.TOOL_CALL, data={"index": 0, "id": None, "name": None, "arguments": "1}"}),
    ]
    stream = await l0.run(scripted(fragments), **rec.kwargs())
    await rec.consume(stream)
    assert rec.names()[-9:] == [
        "O:TOOL_REQUESTED", "O:TOOL_START", "C:on_tool_call", "Y:tool_call", "Y:tool_call",
        "O:TOOL_COMPLETED", "Y:complete", "O:COMPLETE", "C:on_complete",
    ]
    assert rec.meta("TOOL_REQUESTED") == [{"toolName": "get", "toolCallId": "call_1", "arguments": {"_raw": '{"a":'}}]
    assert rec.calls("on_tool_call") == [("get", "call_1", {"_raw": '{"a":'})]
    assert rec.meta("TOOL_COMPLETED") == [{"toolCallId": "call_1", "status": "success"}]


async def test_j_tool_calls_buffered(rec, scripted):
    fragments = [
        Event(type=EventType.TOOL_CALL, data={"index": 0, "id": "call_1", "name": "get", "arguments": '{"a":'}),
        Event(type=EventType.TOOL_CALL, data={"index": 0, "id": None, "name": None, "arguments": "1}"}),
    ]
    yielded = []
    stream = await l0.run(scripted(fragments), buffer_tool_calls=True, **rec.kwargs())
    async for ev in stream:
        rec.log.append(("Y", ev.type.value, ev.text))
        yielded.append(ev)
    assert rec.names()[-8:] == [
        "O:TOOL_REQUESTED", "O:TOOL_START", "C:on_tool_call", "O:TOOL_COMPLETED", "Y:tool_call", "Y:complete",
        "O:COMPLETE", "C:on_complete",
    ]
    names = rec.names()
    assert names.index("O:TOOL_REQUESTED") < names.index("C:on_tool_call") < names.index("O:TOOL_COMPLETED")
    assert names.index("O:TOOL_COMPLETED") < names.index("Y:tool_call") < names.index("O:COMPLETE")
    assert rec.calls("on_tool_call") == [("get", "call_1", {"a": 1})]
    calls = [e for e in yielded if e.type is EventType.TOOL_CALL]
    assert len(calls) == 1 and calls[0].data == {"id": "call_1", "name": "get", "arguments": '{"a":1}'}


async def test_k_should_retry_veto(rec, scripted):
    retry = Retry(base_delay=0.0, should_retry=lambda err, state, attempt, category: False)
    stream = await l0.run(scripted([Boom_("no")]), retry=retry, **rec.kwargs())
    try:
        await rec.consume(stream)
    except Boom_:
        pass
    names = rec.names()
    i = names.index("O:RETRY_FN_START")
    assert names[i:i + 4] == ["O:RETRY_FN_START", "O:RETRY_FN_RESULT", "C:on_error", "O:ERROR"]
    assert rec.meta("RETRY_FN_START") == [{"attempt": 0, "category": "model", "defaultShouldRetry": True}]
    result = rec.meta("RETRY_FN_RESULT")[0]
    assert result["userResult"] is False and result["finalShouldRetry"] is False
    assert rec.calls("on_error")[0][1:] == (False, False)


async def test_k_should_retry_hook_raising_vetoes(rec, scripted):
    def hook(err, state, attempt, category):
        raise RuntimeError("hook broke")

    stream = await l0.run(scripted([Boom_("no")]), retry=Retry(base_delay=0.0, should_retry=hook), **rec.kwargs())
    try:
        await rec.consume(stream)
    except Boom_:
        pass
    assert rec.meta("RETRY_FN_ERROR")[0]["error"] == "hook broke"
    assert rec.meta("RETRY_FN_ERROR")[0]["finalShouldRetry"] is False


async def test_k_async_should_retry_is_awaited(scripted):
    async def hook(err, state, attempt, category):
        return attempt < 1

    stream = await l0.run(scripted([Boom_("x")], [Boom_("y")], ["ok"]), retry=Retry(base_delay=0.0, should_retry=hook))
    try:
        await stream.read()
    except Boom_ as exc:
        assert str(exc) == "y"
    assert len(stream.errors) == 2


async def test_e_guardrail_violation_then_retry(rec, scripted, fast_retry, Rule, Violation):
    def verdict(text, completed):
        if completed and text == "bad":
            return [Violation("no-bad", "bad output")]
        return []

    rule = Rule("no-bad", verdict)
    stream = await l0.run(scripted(["bad"], ["good"]), guardrails=[rule], retry=fast_retry, **rec.kwargs())
    await rec.consume(stream)
    names = rec.names()
    i = names.index("O:GUARDRAIL_PHASE_START")
    assert names[i - 1] == "Y:token"
    assert names[i:i + 13] == [
        "O:GUARDRAIL_PHASE_START", "O:GUARDRAIL_RULE_START", "O:GUARDRAIL_RULE_RESULT", "O:GUARDRAIL_RULE_END",
        "O:GUARDRAIL_CALLBACK_START", "C:on_violation", "O:GUARDRAIL_CALLBACK_END", "O:GUARDRAIL_PHASE_END",
        "C:on_error", "O:ERROR", "O:RETRY_START", "C:on_retry", "O:RETRY_ATTEMPT",
    ]
    # Fixed: the failed attempt's COMPLETE event is not delivered (only the successful one).
    assert names.count("Y:complete") == 1
    assert names[-3:] == ["Y:complete", "O:COMPLETE", "C:on_complete"]
    err = rec.meta("ERROR")[0]
    assert err["errorCode"] == "GUARDRAIL_VIOLATION" and err["recoveryStrategy"] == "retry"
    assert rec.calls("on_retry") == [(1, "Guardrail violation: bad output")]
    phase_start = rec.meta("GUARDRAIL_PHASE_START")
    assert phase_start[0] == {"phase": "post", "ruleCount": 1}
    results = rec.meta("GUARDRAIL_RULE_RESULT")
    assert results[0]["passed"] is False and results[0]["violation"]["message"] == "bad output"
    assert results[1]["passed"] is True
    assert stream.state.content == "good" and stream.state.completed
    assert rule.sessions == 2  # a fresh session per attempt


async def test_e_non_recoverable_violation_halts(rec, scripted, Rule, Violation):
    rule = Rule("x", lambda text, done: [Violation("x", "fatal stuff", recoverable=False)] if done else [])
    stream = await l0.run(scripted(["a"]), guardrails=[rule], retry=Retry(base_delay=0.0), **rec.kwargs())
    try:
        await rec.consume(stream)
    except l0.Error as exc:
        assert exc.code.value == "FATAL_GUARDRAIL_VIOLATION"
        assert str(exc) == "Fatal guardrail violation: fatal stuff"
    else:
        raise AssertionError("must raise")
    names = rec.names()
    assert names[-5:] == ["O:GUARDRAIL_PHASE_END", "C:on_error", "O:ERROR", "O:FALLBACK_END", "O:RETRY_GIVE_UP"]
    assert rec.meta("RETRY_GIVE_UP") == [{"attempts": 0, "lastError": "Fatal guardrail violation: fatal stuff"}]
    assert stream.state.completed is False


async def test_e_warning_violation_completes(rec, scripted, Rule, Violation):
    rule = Rule("w", lambda text, done: [Violation("w", "meh", severity="warning")] if done else [])
    stream = await l0.run(scripted(["a"]), guardrails=[rule], **rec.kwargs())
    await rec.consume(stream)
    assert rec.meta("GUARDRAIL_PHASE_END")[0]["passed"] is False
    assert rec.names()[-3:] == ["Y:complete", "O:COMPLETE", "C:on_complete"]
    assert len(stream.state.violations) == 1


async def test_g_resume_from_checkpoint(rec, scripted, fast_retry):
    first = ["Hello", " world", " this", " is", " a", " test", ConnectionResetError("connection reset by peer")]
    second = [" test", " continued", " end"]
    stream = await l0.run(scripted(first, second), continue_from_last_good_token=True, retry=fast_retry,
                          **rec.kwargs())
    await rec.consume(stream)
    names = rec.names()
    fifth = [i for i, n in enumerate(names) if n == "Y:token"][4]
    assert names[fifth - 3:fifth + 1] == ["O:CHECKPOINT_SAVED", "C:on_checkpoint", "C:on_stream_event", "Y:token"]
    i = names.index("O:NETWORK_ERROR")
    assert names[i:i + 18] == [
        "O:NETWORK_ERROR", "O:CONNECTION_DROPPED", "C:on_error", "O:ERROR", "O:RETRY_START", "C:on_retry",
        "O:RETRY_ATTEMPT", "O:CHECKPOINT_SAVED", "C:on_checkpoint", "O:RETRY_END", "O:ATTEMPT_START", "C:on_start",
        "O:CONTINUATION_START", "O:RESUME_START", "C:on_resume", "Y:token", "O:STREAM_INIT",
        "O:ADAPTER_WRAP_START",
    ]
    j = names.index("O:STREAM_READY", i)
    assert names[j:j + 3] == ["O:STREAM_READY", "O:NETWORK_RECOVERY", "O:CONNECTION_RESTORED"]
    checkpoint = "Hello world this is a test"
    assert rec.meta("CONTINUATION_START") == [{"checkpointLength": len(checkpoint)}]
    assert rec.meta("RESUME_START") == [{"checkpoint": checkpoint, "tokenCount": 6}]
    assert rec.calls("on_resume") == [(checkpoint, 6)]
    tokens = [t for kind, n, t in rec.log if kind == "Y" and n == "token"]
    assert "".join(tokens) == "Hello world this is a test continued end"
    assert tokens[6] == ""  # the resume marker
    state = stream.state
    assert state.content == "Hello world this is a test continued end"
    assert rec.meta("COMPLETE") == [{"tokenCount": 8, "contentLength": 40}]
    assert state.continuation_used and state.deduplication_applied and state.resumed
    assert state.overlap_removed == " test"
    assert state.resume_point == checkpoint


async def test_token_observability_events_are_opt_in(rec, scripted):
    stream = await l0.run(scripted(["a", "b"]), **rec.kwargs())
    await rec.consume(stream)
    assert rec.meta("TOKEN") == []
    rec.log.clear()
    stream = await l0.run(scripted(["a", "b"]), token_events=True, **rec.kwargs())
    await rec.consume(stream)
    assert rec.meta("TOKEN") == [{"index": 0, "text": "a"}, {"index": 1, "text": "b"}]
    names = rec.names()
    assert names.index("O:TOKEN") < names.index("C:on_stream_event") < names.index("Y:token")
