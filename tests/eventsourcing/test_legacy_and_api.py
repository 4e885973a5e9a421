"""The legacy module ``l0.event_sourcing`` (the top-level names), the facade, adapters, wrappers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import l0
import l0.event_sourcing as legacy
import l0.eventsourcing as es

LEGACY_NAMES = (
    "EventEnvelope", "EventRecorder", "EventReplayer", "EventSourcing", "EventStore", "EventStoreWithSnapshots",
    "InMemoryEventStore", "RecordedEvent", "RecordedEventType", "ReplayCallbacks", "ReplayComparison",
    "ReplayedState", "ReplayResult", "SerializedError", "Snapshot", "StreamMetadata",
)


def test_top_level_names_come_from_the_legacy_module():
    for name in LEGACY_NAMES:
        assert getattr(l0, name) is getattr(legacy, name), name


def test_legacy_is_a_facade_over_one_implementation():
    assert legacy.InMemoryEventStore is es.InMemoryEventStore
    assert legacy.EventReplayer is es.EventReplayer
    assert issubclass(legacy.EventRecorder, es.EventRecorder)
    assert legacy.RecordedEventType is es.RecordedEventType


def test_import_l0_does_not_import_event_sourcing():
    code = "import sys, l0; print(any(m.startswith('l0.event') and m != 'l0.events' for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


async def test_legacy_record_and_replay_into_l0_events_and_state():
    store = legacy.EventSourcing.create_store()
    rec = legacy.EventSourcing.create_recorder(store)
    assert rec.stream_id.startswith("l0-") and len(rec.stream_id) == 15
    await rec.record_start({"model": "m"})
    for i, t in enumerate(["Hel", "lo"]):
        await rec.record_token(t, i)
    await rec.record_retry("net", 1, False)
    await rec.record_error(legacy.SerializedError("E", "boom"), "network", "retry", {"maxRetries": 3})
    await rec.record_complete("Hello", 2)
    envs = await store.get_events(rec.stream_id)
    assert envs[1].event.data == {"value": "Hel", "index": 0}
    assert envs[1].event.type is legacy.RecordedEventType.TOKEN

    result = await legacy.replay(rec.stream_id, store)
    tokens: list[str] = []
    result.set_callbacks(legacy.ReplayCallbacks(on_token=tokens.append))
    events = [ev async for ev in result.stream]
    assert [e.type.value for e in events] == ["token", "token", "error", "complete"]
    assert events[0].text == "Hel" and events[0].timestamp == envs[1].event.ts
    assert str(events[2].error) == "boom"
    assert tokens == ["Hel", "lo"]
    assert result.state.content == "Hello" and result.state.completed
    assert result.state.network_retry_count == 1
    assert result.original_options["model"] == "m"
    assert result.is_replay and result.errors and str(result.errors[0]) == "boom"
    meta = await legacy.get_stream_metadata(store, rec.stream_id)
    assert meta.token_count == 2 and meta.completed and meta.has_error
    again = await legacy.replay(rec.stream_id, store, fire_callbacks=False)
    async for _ in again.stream:
        pass
    assert legacy.compare_replays(result.state, again.state).identical


async def test_legacy_errors_and_shapes():
    store = legacy.InMemoryEventStore()
    with pytest.raises(ValueError, match="Stream not found: gone"):
        await legacy.replay("gone", store)
    rec = legacy.EventRecorder(store)
    with pytest.raises(TypeError, match="takes a dict"):
        await rec.record_start(None)
    with pytest.raises(TypeError):
        await rec.record_retry("r", 1)  # counts_toward_limit is required in the legacy API
    ev = legacy.RecordedEvent(legacy.RecordedEventType.TOKEN, 5.0, {"value": "x", "index": 0})
    env = await store.append("s", ev)
    assert env.seq == 0 and (await store.get_events("s"))[0].event.data["value"] == "x"
    assert legacy.Snapshot("s", 1, {"content": "x"}, 1.0).state == {"content": "x"}


async def test_legacy_records_into_durable_stores(tmp_path: Path):
    store = legacy.EventSourcing.sqlite(tmp_path / "l.sqlite3")
    await store.append("s", legacy.RecordedEvent(legacy.RecordedEventType.TOKEN, 5.0, {"value": "x", "index": 0}))
    got = (await store.get_events("s"))[0].event
    assert got == es.TokenEvent(ts=5.0, value="x", index=0) and got.data == {"value": "x", "index": 0}
    await store.close()


async def test_new_facade_factories_and_adapters(tmp_path: Path):
    ES = es.EventSourcing
    assert isinstance(ES.memory(), es.InMemoryEventStore)
    f = ES.file(tmp_path / "f")
    assert isinstance(f, es.FileEventStore)
    assert {"memory", "file", "sqlite", "postgres"} <= set(ES.list_adapters())
    store = await ES.create(es.StorageAdapterConfig("sqlite", str(tmp_path / "a.sqlite3")))
    assert isinstance(store, es.SQLiteEventStore)
    await store.close()
    with pytest.raises(ValueError, match='Unknown storage adapter type: "nope". Available adapters: memory'):
        await ES.create(es.StorageAdapterConfig("nope"))
    ES.register_adapter("mine", lambda c: es.InMemoryEventStore(prefix=c.prefix))
    assert (await ES.create(es.StorageAdapterConfig("mine", prefix="p"))).prefix == "p"
    assert ES.unregister_adapter("mine") and not ES.unregister_adapter("mine")
    sid = ES.generate_id()
    assert len(sid) == 36 and sid[14] == "7"  # UUIDv7
    await f.close()


async def test_composite_and_ttl_wrappers(tmp_path: Path):
    a, b = es.InMemoryEventStore(), es.SQLiteEventStore(tmp_path / "c.sqlite3")
    comp = es.CompositeEventStore([a, b])
    await comp.append_batch("s", [es.TokenEvent(ts=es.now_ms(), value="x")])
    await comp.append("s", es.TokenEvent(ts=es.now_ms(), value="y"))
    assert [e.event.value for e in await b.get_events("s")] == ["x", "y"]
    assert (await comp.get_last_event("s")).seq == 1

    class Down(es.InMemoryEventStore):
        async def append(self, stream_id, event):
            raise ConnectionError("down")

    broken = es.CompositeEventStore([a, Down()])
    with pytest.raises(es.CompositeStoreError, match="append failed on 1 of 2 stores") as info:
        await broken.append("s", es.TokenEvent())
    assert info.value.succeeded_indices == [0] and info.value.failed_indices == [1]
    with pytest.raises(ValueError, match="at least one store"):
        es.CompositeEventStore([])

    ttl = es.TTLEventStore(a, 60_000)
    await a.append("old", es.TokenEvent(ts=es.now_ms() - 120_000))
    assert not await ttl.exists("old") and await ttl.get_events("old") == []
    await a.append("fresh", es.TokenEvent(ts=es.now_ms()))
    assert await ttl.exists("fresh")
    with pytest.raises(ValueError, match="ttl_ms must be"):
        es.TTLEventStore(a, 0)
    await comp.close()


async def test_compare_events_names_the_first_difference():
    one = [es.EventEnvelope("a", i, es.TokenEvent(ts=i, value=v, index=i)) for i, v in enumerate("abc")]
    two = [es.EventEnvelope("b", i, es.TokenEvent(ts=i + 9, value=v, index=i)) for i, v in enumerate("abX")]
    same = es.compare_events(one, one[:])
    assert same.identical and same.first_difference is None
    cmp = es.compare_events(one, two)
    assert not cmp.identical and cmp.first_difference == 2
    assert cmp.differences == ["event 2 differs (TOKEN vs TOKEN): value: 'c' vs 'X'"]
    shorter = es.compare_events(one, one[:2])
    assert shorter.first_difference == 2 and "only the first recording has it (TOKEN)" in shorter.differences[0]
    timed = es.compare_events(one, [es.EventEnvelope("a", e.seq, es.TokenEvent(ts=e.event.ts + 1, value=e.event.value,
                                                                                   index=e.seq)) for e in one],
                              timing=True)
    assert timed.first_difference == 0


def test_compare_replays_ignores_timestamps_on_request():
    s1 = es.ReplayedState(content="abc", start_ts=1.0)
    s2 = es.ReplayedState(content="abd", start_ts=2.0)
    cmp = es.compare_replays(s1, s2)
    assert cmp.differences[0] == "content differs at character 2: 'c' vs 'd'"
    assert any(d.startswith("start_ts") for d in cmp.differences)
    assert es.compare_replays(es.ReplayedState(start_ts=1), es.ReplayedState(start_ts=2), timestamps=False).identical


def test_error_round_trip_keeps_classification():
    import httpx

    from l0.errors import categorize_error

    class APIConnectionError(Exception):
        pass

    APIConnectionError.__module__ = "openai"
    for original in (httpx.ReadError("peer closed"), APIConnectionError("Connection error."),
                     l0.Error("cut", code="STREAM_TRUNCATED")):
        back = es.deserialize_error(es.serialize_error(original))
        assert type(back).__name__ == type(original).__name__
        assert str(back) == str(original)
        assert categorize_error(back) == categorize_error(original)


def test_recorder_arguments_are_checked():
    store = es.InMemoryEventStore()
    with pytest.raises(TypeError, match="EventStore protocol"):
        es.EventRecorder(object())
    with pytest.raises(ValueError, match="batch_size must be an int >= 1"):
        es.EventRecorder(store, batch_size=0)
    with pytest.raises(ValueError, match="flush_ms must be"):
        es.EventRecorder(store, flush_ms=-1)
