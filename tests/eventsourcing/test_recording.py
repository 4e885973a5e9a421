"""Record -> replay of live ``l0.run`` streams through the real openai SDK and the fault server.

Every fault, in restart and resume mode: the re-run of the recording (``replay_run``) gives the
same text, the same l0 events, the same observability events and callbacks and the same final
state as the live run, and the two recordings compare identical event by event.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

import l0
from l0.eventsourcing import (
    EventRecorder,
    InMemoryEventStore,
    RecordedEventType,
    ReplayDivergedError,
    SQLiteEventStore,
    StreamNotFoundError,
    check_replay,
    compare_events,
    compare_replays,
    export_recording,
    load_recording,
    replay,
    replay_run,
)
from l0.testing import FaultServer, numbered_text

FAULTS = {
    "clean": "clean",
    "cut": "cut:after=6",
    "cut_overlap": "cut:after=6,overlap=2",
    "stall": "stall:after=6",
    "rate_limit": "rate_limit:retry_after=0.01",
    "unavailable": "unavailable",
    "malformed": "malformed:after=6",
    "slow_first": "slow_first:first_delay=2",
    "error_event": "error_event:after=6",
    "no_finish": "no_finish:after=6",
    "length": "length:after=6",
}
TIMED = {"stall", "slow_first"}


@pytest.fixture(scope="module")
def fault_server():
    """One fault server for the module (background thread)."""
    with FaultServer() as server:
        yield server


@pytest.fixture
def server(fault_server: FaultServer) -> FaultServer:
    fault_server.reset()
    return fault_server


def options(fault: str, mode: str) -> dict[str, Any]:
    """The run options shared by the live run and its replay."""
    return dict(
        retry=l0.Retry(attempts=3, max_retries=6, base_delay=0.001, max_delay=0.002),
        # generous enough that a loaded machine does not time out where the recording did not
        timeout=l0.Timeout(initial_token=300, inter_token=300) if fault in TIMED else None,
        continue_from_last_good_token=mode == "resume",
    )


def factory_for(server: FaultServer, model: str) -> Any:
    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url=server.base_url, api_key="test", max_retries=0)

    def factory(ctx):
        messages = [{"role": "user", "content": "count"}]
        if ctx.is_continuation:
            messages.append({"role": "assistant", "content": ctx.checkpoint})
        return client.chat.completions.create(model=model, messages=messages, stream=True)

    return factory


class Observed:
    """Everything a consumer can see of one run: events, observability types, callbacks."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []
        self.obs: list[str] = []
        self.calls: list[tuple[Any, ...]] = []
        self.error: str | None = None
        self.state: Any = None

    def callbacks(self) -> dict[str, Any]:
        return dict(
            on_event=lambda e: self.obs.append(e.type.value),
            on_retry=lambda attempt, reason: self.calls.append(("retry", attempt, reason)),
            on_resume=lambda checkpoint, n: self.calls.append(("resume", checkpoint, n)),
            on_complete=lambda state: self.calls.append(("complete", state.content)),
            on_error=lambda err, *rest: self.calls.append(("error", type(err).__name__, str(err))),
        )

    async def consume(self, stream: Any) -> None:
        try:
            async for ev in stream:
                self.events.append((ev.type.value, ev.text, ev.finish_reason, ev.usage))
        except Exception as e:  # the run may fail for good; the replay must fail alike
            self.error = f"{type(e).__name__}: {e}"
        s = stream.state
        self.state = (s.content, s.token_count, s.model_retry_count, s.network_retry_count, s.fallback_index,
                      s.completed, s.resumed, s.checkpoint, s.truncated, s.finish_reason, len(stream.errors))


def assert_same(live: Observed, again: Observed) -> None:
    assert again.events == live.events
    assert again.state == live.state
    assert again.error == live.error
    assert again.calls == live.calls
    assert again.obs == live.obs


@pytest.mark.parametrize("mode", ["restart", "resume"])
@pytest.mark.parametrize("fault", list(FAULTS))
async def test_fault_record_replay_round_trip(fault: str, mode: str, server: FaultServer, tmp_path: Path):
    store = SQLiteEventStore(tmp_path / "rec.sqlite3")
    opts = options(fault, mode)
    live = Observed()
    rec = EventRecorder(store, batch_size=32, flush_ms=5)
    stream = await rec.run(factory_for(server, FAULTS[fault]), **opts, **live.callbacks())
    await live.consume(stream)
    await rec.close()
    assert rec.errors == []
    assert live.state[0] == numbered_text(30), "the live run itself recovers"

    again = Observed()
    rec2 = EventRecorder(InMemoryEventStore(), batch_size=1 << 20)
    speed = 1.0 if fault in TIMED else 0.0
    stream2 = await replay_run(rec.stream_id, store, speed=speed, record_to=rec2, **opts, **again.callbacks())
    await again.consume(stream2)
    await rec2.close()
    assert_same(live, again)
    if fault in TIMED:
        assert "TIMEOUT_TRIGGERED" in again.obs, "the replay stalls, so the runtime's own timeout fires again"
    original = await store.get_events(rec.stream_id)
    cmp = compare_events(original, await rec2.store.get_events(rec2.stream_id))
    assert cmp.identical, cmp.differences
    # the reference-style fold of the recording gives the live final state
    folded = (await replay(rec.stream_id, store)).state
    assert folded.content == live.state[0] and folded.completed
    assert folded.retry_attempts + folded.network_retry_count == live.state[2] + live.state[3]
    await store.close()


async def test_stall_at_speed_zero_raises_the_recorded_timeout(server: FaultServer):
    store = InMemoryEventStore()
    opts = options("stall", "restart")
    live = Observed()
    rec = EventRecorder(store)
    await live.consume(await rec.run(factory_for(server, FAULTS["stall"]), **opts))
    await rec.close()
    again = Observed()
    await again.consume(await replay_run(rec.stream_id, store, speed=0, **opts))
    assert again.events == live.events and again.state == live.state


async def test_check_replay_turns_a_recording_into_a_regression_test(server: FaultServer, tmp_path: Path):
    store = InMemoryEventStore()
    opts = options("cut", "resume")
    rec = EventRecorder(store)
    await (await rec.run(factory_for(server, FAULTS["cut"]), **opts)).read()
    await rec.close()
    fixture = tmp_path / "fixtures" / "cut-resume.jsonl"
    n = await export_recording(store, rec.stream_id, fixture)
    assert n == len(load_recording(fixture))
    result = await check_replay(str(fixture), **opts)
    assert result.identical
    # the same code with other options no longer matches, and the message names the event
    with pytest.raises(AssertionError, match=r"event \d+ differs"):
        await check_replay(str(fixture), **options("cut", "restart"))


async def test_replay_that_asks_for_more_than_was_recorded_is_named(server: FaultServer):
    store = InMemoryEventStore()
    rec = EventRecorder(store)
    await (await rec.run(factory_for(server, "clean"))).read()
    await rec.close()

    def reject_once():
        seen = []

        def check(state, *_):
            if not seen and state.completed:
                seen.append(1)
                return [l0.GuardrailViolation(rule="r", message="again", severity="error", recoverable=True)]
            return []

        return l0.GuardrailRule(name="r", check=check)

    stream = await replay_run(rec.stream_id, store, guardrails=[reject_once()],
                              retry=l0.Retry(base_delay=0.001, max_delay=0.002))
    with pytest.raises(ReplayDivergedError, match="opened provider stream 2 but the recording has 1"):
        await stream.read()


async def test_unknown_stream_and_bad_arguments(tmp_path: Path):
    store = InMemoryEventStore()
    with pytest.raises(StreamNotFoundError, match="Stream not found: nope"):
        await replay_run("nope", store)
    with pytest.raises(StreamNotFoundError, match="Stream not found: nope"):
        await replay("nope", store)
    from l0.eventsourcing import EventReplayer

    with pytest.raises(StreamNotFoundError, match=r"Stream not found: nope \(in InMemoryEventStore\)"):
        await EventReplayer(store).replay_to_state("nope")
    with pytest.raises(ValueError, match="speed must be a number >= 0"):
        await replay_run("nope", store, speed=-1)
    with pytest.raises(TypeError, match="do not pass fallbacks"):
        await replay_run("x", store, fallbacks=[])
    with pytest.raises(TypeError, match="without a store"):
        await replay_run("just-an-id")


class BrokenStore(InMemoryEventStore):
    """A store that is down: every write fails."""

    async def append_batch(self, stream_id, events):
        raise ConnectionError("store is down")


async def test_a_failing_store_never_breaks_the_live_stream(server: FaultServer):
    seen: list[Any] = []
    rec = EventRecorder(BrokenStore(), batch_size=4)
    stream = await rec.run(factory_for(server, "cut:after=6"), on_event=seen.append,
                           retry=l0.Retry(base_delay=0.001, max_delay=0.002))
    assert await stream.read() == numbered_text(30)
    await asyncio.sleep(0)
    assert rec.errors and isinstance(rec.errors[0], ConnectionError)
    reported = [e for e in seen if e.type.value == "CALLBACK_ERROR"]
    assert reported and reported[0].meta["callback"] == "eventsourcing.recorder"
    assert "store is down" in reported[0].meta["error"]
    from l0.eventsourcing import RecordingError

    with pytest.raises(RecordingError, match="not written: ConnectionError: store is down"):
        await rec.close()


async def test_snapshots_shorten_replay_to_state(tmp_path: Path, server: FaultServer):
    from l0.eventsourcing import EventReplayer, RecordOptions

    store = SQLiteEventStore(tmp_path / "s.sqlite3")
    rec = EventRecorder(store, batch_size=8, options=RecordOptions(save_snapshots=True, snapshot_interval=10))
    text = await (await rec.run(factory_for(server, "clean"))).read()
    await rec.close()
    snap = await store.get_snapshot(rec.stream_id)
    assert snap is not None and snap.seq >= 10
    replayer = EventReplayer(store)
    with_snap = await replayer.replay_to_state(rec.stream_id)
    without = await replayer.replay_to_state(rec.stream_id, use_snapshots=False)
    assert with_snap.content == without.content == text
    assert compare_replays(with_snap, without).identical
    await store.close()


async def test_reference_replay_result_callbacks_and_ranges():
    from l0.eventsourcing import EventReplayer

    store = InMemoryEventStore()
    rec = EventRecorder(store)
    await rec.record_start({"model": "m"})
    for i, t in enumerate(["a", "b", "c"]):
        await rec.record_token(t, i)
    await rec.record_retry("net", 1, counts_toward_limit=False)
    await rec.record_guardrail(3, {"violations": [{"rule": "x"}], "should_retry": True})
    await rec.record_complete("abc", 3)
    result = await replay(rec.stream_id, store, fire_callbacks=True)
    got: list[Any] = []
    result.set_callbacks(on_token=got.append, on_violation=lambda v: got.append(v),
                         on_retry=lambda a, r: got.append((a, r)))
    envs = [e async for e in result]
    assert [e.seq for e in envs] == list(range(7))
    assert got == ["a", "b", "c", (1, "net"), {"rule": "x"}]
    assert result.state.content == "abc" and result.state.network_retry_count == 1 and result.state.completed
    part = await replay(rec.stream_id, store, from_seq=1, to_seq=2)
    assert [e.seq async for e in part] == [1, 2]
    tokens = [t async for t in EventReplayer(store).replay_tokens(rec.stream_id)]
    assert tokens == ["a", "b", "c"]
    with pytest.raises(TypeError, match=r"unknown option\(s\) \['bogus'\]"):
        await rec.record_start({"bogus": 1})


def test_recorded_event_types_keep_the_reference_values():
    assert [t.value for t in RecordedEventType][:10] == [
        "START", "TOKEN", "CHECKPOINT", "GUARDRAIL", "DRIFT", "RETRY", "FALLBACK", "CONTINUATION", "COMPLETE", "ERROR"]


async def test_a_bare_iterator_is_recorded_once_and_not_retried():
    async def cut():
        yield l0.Event(l0.EventType.TOKEN, "a")
        raise ConnectionError("connection reset")

    store = InMemoryEventStore()
    rec = EventRecorder(store)
    stream = await rec.run(cut(), retry=l0.Retry(base_delay=0.001, max_delay=0.002))
    with pytest.raises(ConnectionError):
        await stream.read()
    await rec.close()
    kinds = [e.event.type.value for e in await store.get_events(rec.stream_id)]
    assert kinds.count("ATTEMPT") == 1 and "TOKEN" in kinds and kinds.count("SOURCE_END") == 1
