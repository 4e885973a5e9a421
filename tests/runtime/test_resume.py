"""Resume without loss or duplication: the overlap is decided across token boundaries."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import l0
from l0 import Event, EventType, Retry
from l0.continuation import ContinuationConfig, DeduplicationOptions
from l0.runtime import StreamContext

FAST = dict(retry=Retry(base_delay=0.0, max_delay=0.0), continue_from_last_good_token=True)
TEXT = "The quick brown fox jumps over the lazy dog."


def cut(text: str, points: list[int]) -> list[str]:
    """Split ``text`` at the given offsets."""
    bounds = [0, *sorted(set(p for p in points if 0 < p < len(text))), len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:])]


async def consumer_text(stream) -> str:
    parts = []
    async for ev in stream:
        if ev.type is EventType.TOKEN and ev.text:
            parts.append(ev.text)
    return "".join(parts)


@pytest.mark.parametrize("fail_after", [5, 10, 20])
async def test_restart_from_scratch_split_everywhere(scripted, fail_after):
    """The retry repeats the whole text (a zero-arg factory); every 2-way split of the repeat is deduped."""
    head = TEXT[:fail_after]
    for split in range(1, len(TEXT)):
        first = [head[:3], head[3:], ConnectionResetError("connection reset by peer")]
        second = cut(TEXT, [split])
        stream = await l0.run(scripted([t for t in first if t != ""], second), **FAST)
        seen = await consumer_text(stream)
        assert seen == TEXT, (fail_after, split, seen)
        assert stream.state.content == TEXT


async def test_overlap_split_at_every_pair_of_positions(scripted):
    checkpoint = "The quick brown fox "
    continuation = "fox jumps over the lazy dog."
    for a, b in itertools.combinations(range(1, 12), 2):
        second = cut(continuation, [a, b])
        stream = await l0.run(scripted([checkpoint, ConnectionResetError("connection reset")], second), **FAST)
        seen = await consumer_text(stream)
        assert seen == "The quick brown fox jumps over the lazy dog.", (a, b, seen)
        assert stream.state.overlap_removed == "fox "


@settings(max_examples=60, deadline=None)
@given(
    fail_at=st.integers(min_value=1, max_value=len(TEXT) - 1),
    restart_at=st.integers(min_value=0, max_value=len(TEXT) - 1),
    splits=st.lists(st.integers(min_value=1, max_value=len(TEXT) - 1), max_size=6),
)
async def test_resume_property(fail_at, restart_at, splits):
    """Whatever the model repeats (from any earlier point) and however it is split, nothing is doubled."""
    restart_at = min(restart_at, fail_at)
    calls = {"n": 0}

    def factory():
        calls["n"] += 1
        attempt = calls["n"]

        async def source():
            if attempt == 1:
                for piece in cut(TEXT[:fail_at], [3, 9]):
                    yield Event(type=EventType.TOKEN, text=piece)
                raise ConnectionResetError("connection reset")
            for piece in cut(TEXT[restart_at:], [s - restart_at for s in splits]):
                yield Event(type=EventType.TOKEN, text=piece)
            yield Event(type=EventType.COMPLETE)

        return source()

    stream = await l0.run(factory, **FAST)
    seen = await consumer_text(stream)
    overlap = fail_at - restart_at
    if overlap == 0 or overlap >= 2:
        assert seen == TEXT
    assert stream.state.content == seen


async def test_no_overlap_releases_at_first_token(scripted):
    """With a prefilled continuation the first token cannot match: nothing is held back."""
    order = []

    def on_token(text):
        order.append(text)

    stream = await l0.run(scripted(["abc def", ConnectionResetError("connection reset")], ["XYZ", " more"]),
                          callbacks=l0.LifecycleCallbacks(on_token=on_token), **FAST)
    async for ev in stream:
        if ev.text == "XYZ":
            assert order[-1] == "XYZ"
    assert stream.state.content == "abc defXYZ more"
    assert stream.state.overlap_removed is None and stream.state.deduplication_applied


async def test_dedupe_case_insensitive(scripted):
    config = ContinuationConfig(deduplication_options=DeduplicationOptions(case_sensitive=False))
    stream = await l0.run(scripted(["Hello World", ConnectionResetError("connection reset")], ["WOR", "LD again"]),
                          retry=Retry(base_delay=0.0), continue_from_last_good_token=config)
    assert await consumer_text(stream) == "Hello World again"


async def test_dedupe_disabled_keeps_repeat(scripted):
    config = ContinuationConfig(deduplicate=False)
    stream = await l0.run(scripted(["Hello world", ConnectionResetError("connection reset")], [" world", "!"]),
                          retry=Retry(base_delay=0.0), continue_from_last_good_token=config)
    assert await stream.read() == "Hello world world!"


async def test_overlap_decided_by_non_text_event(scripted):
    tool = Event(type=EventType.TOOL_CALL, data={"index": 0, "id": "c1", "name": "f", "arguments": "{}"})
    stream = await l0.run(scripted(["Hello world", ConnectionResetError("connection reset")], ["wor", tool, "ld"]),
                          **FAST)
    seen = []
    async for ev in stream:
        seen.append((ev.type.value, ev.text))
    # The held "wor" could still have become "world": the tool call decides it with what arrived (no overlap >= 2
    # that is complete), so it is released before the tool call, in order.
    kinds = [k for k, _ in seen]
    assert kinds.index("tool_call") > max(i for i, (k, t) in enumerate(seen) if t == "wor")


async def test_factory_receives_context(scripted):
    contexts: list[StreamContext] = []
    calls = {"n": 0}

    def factory(ctx: StreamContext):
        contexts.append(ctx)
        calls["n"] += 1
        n = calls["n"]

        async def source():
            if n == 1:
                yield Event(type=EventType.TOKEN, text="Once upon")
                raise ConnectionResetError("connection reset")
            yield Event(type=EventType.TOKEN, text=" a time")
            yield Event(type=EventType.COMPLETE)

        return source()

    stream = await l0.run(factory, build_continuation_prompt=lambda cp: f"continue after: {cp}", **FAST)
    assert await stream.read() == "Once upon a time"
    assert [c.attempt for c in contexts] == [0, 1]
    assert contexts[0].is_continuation is False and contexts[0].checkpoint == ""
    second = contexts[1]
    assert second.is_continuation and second.checkpoint == "Once upon"
    assert second.continuation_prompt == "continue after: Once upon"
    assert second.retry_count == 1 and isinstance(second.previous_error, ConnectionResetError)


async def test_zero_arg_factory_still_works(scripted):
    stream = await l0.run(scripted(["x"]))
    assert await stream.read() == "x"


async def test_failed_checkpoint_validation_resets_checkpoint(scripted, Rule, Violation):
    """Fixed: a checkpoint that fails validation is dropped, not left stale in state.checkpoint."""
    rule = Rule("no-bad", lambda text, done: [Violation("no-bad", "bad")] if "BAD" in text else [])
    stream = await l0.run(scripted(["ok BAD", ConnectionResetError("connection reset")], ["fresh"]),
                          guardrails=[rule], retry=Retry(base_delay=0.0, max_delay=0.0),
                          continue_from_last_good_token=True)
    # The network error leaves checkpoint "ok BAD"; validation rejects it, so the retry starts fresh.
    assert await stream.read() == "fresh"
    assert stream.state.checkpoint == ""
    assert stream.state.continuation_used is False


async def test_periodic_checkpoint_interval(scripted):
    saved = []
    config = ContinuationConfig(checkpoint_interval=2)
    stream = await l0.run(scripted(list("abcde")), continue_from_last_good_token=config,
                          on_checkpoint=lambda cp, n: saved.append((cp, n)))
    assert await stream.read() == "abcde"
    assert saved == [("ab", 2), ("abcd", 4)]
    assert stream.state.checkpoint == "abcd"


async def test_checks_run_on_tokens_released_by_the_dedupe_buffer(rec, scripted):
    """Tokens that pass through the resume buffer still get the first-token work and due checks."""
    config = ContinuationConfig(checkpoint_interval=2)
    stream = await l0.run(scripted(["ab", "cd", ConnectionResetError("connection reset")], ["cd", "ef", "gh"]),
                          retry=Retry(base_delay=0.0), continue_from_last_good_token=config,
                          timeout=l0.Timeout(initial_token=5000, inter_token=5000), **rec.kwargs())
    await rec.consume(stream)
    assert stream.state.content == "abcdefgh"
    assert len(rec.meta("TIMEOUT_RESET")) == 2  # once per attempt
    periodic = [m for m in rec.meta("CHECKPOINT_SAVED") if "checkpointLength" in m]
    assert [m["tokenCount"] for m in periodic] == [2, 4]


@settings(max_examples=200, deadline=None)
@given(
    checkpoint=st.text(alphabet="ab c", max_size=12),
    continuation=st.text(alphabet="ab c", min_size=1, max_size=16),
    splits=st.lists(st.integers(min_value=1, max_value=15), max_size=5),
    case_sensitive=st.booleans(),
)
def test_overlap_buffer_matches_whole_text_dedupe(checkpoint, continuation, splits, case_sensitive):
    """Fed in any pieces, the buffer removes exactly what detect_overlap removes from the whole text."""
    from l0.continuation import detect_overlap
    from l0.runtime._resume import OverlapBuffer

    options = DeduplicationOptions(case_sensitive=case_sensitive)
    buf = OverlapBuffer(checkpoint, options)
    out = []
    for piece in cut(continuation, splits):
        if buf.decided:
            out.append(piece)
            continue
        released = buf.feed(Event(type=EventType.TOKEN, text=piece), piece)
        if released is not None:
            out.extend(e.text for e in released)
    if not buf.decided:
        out.extend(e.text for e in buf.flush())
    expected = detect_overlap(checkpoint, continuation, options)
    assert "".join(out) == expected.deduplicated


async def test_fallback_resumes_from_checkpoint():
    seen_ctx = []

    def primary():
        async def source():
            yield Event(type=EventType.TOKEN, text="The quick ")
            err = RuntimeError("forbidden")
            err.status_code = 403  # FATAL: straight to the fallback
            raise err

        return source()

    def fallback(ctx):
        seen_ctx.append(ctx)

        async def source():
            start = len(ctx.checkpoint) if ctx.is_continuation else 0
            for piece in ("The quick ", "brown fox."):
                if start >= len(piece):
                    start -= len(piece)
                    continue
                yield Event(type=EventType.TOKEN, text=piece[start:])
                start = 0
            yield Event(type=EventType.COMPLETE)

        return source()

    stream = await l0.run(primary, fallbacks=[fallback], **FAST)
    assert await consumer_text(stream) == "The quick brown fox."
    assert stream.state.content == "The quick brown fox."
    assert seen_ctx[0].is_continuation and seen_ctx[0].checkpoint == "The quick " and seen_ctx[0].fallback_index == 1
