"""The store contract: every built-in store behaves the same behind the ``EventStore`` protocol."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from l0.eventsourcing import (
    BatchEventStore,
    CompleteEvent,
    EventStore,
    EventStoreWithSnapshots,
    GuardrailEvent,
    GuardrailEventResult,
    InMemoryEventStore,
    RecordedEventType,
    Snapshot,
    StartEvent,
    TokenEvent,
    append_many,
    event_from_dict,
    event_to_dict,
    now_ms,
)


def tokens(n: int, start: int = 0) -> list[TokenEvent]:
    return [TokenEvent(ts=now_ms(), value=f"t{i}", index=i) for i in range(start, start + n)]


async def test_protocols(any_store):
    assert isinstance(any_store, EventStore)
    assert isinstance(any_store, EventStoreWithSnapshots)
    assert isinstance(any_store, BatchEventStore)


async def test_append_assigns_consecutive_seqs_from_zero(any_store, sid):
    envs = [await any_store.append(sid, e) for e in tokens(3)]
    assert [e.seq for e in envs] == [0, 1, 2]
    batch = await any_store.append_batch(sid, tokens(4, 3))
    assert [e.seq for e in batch] == [3, 4, 5, 6]
    got = await any_store.get_events(sid)
    assert [e.seq for e in got] == list(range(7))
    assert [e.event.value for e in got] == [f"t{i}" for i in range(7)]
    assert all(e.stream_id == sid for e in got)


async def test_round_trip_keeps_every_field(any_store, sid):
    start = StartEvent(ts=1.5)
    start.options.model = "m"
    start.options.metadata = {"k": [1, 2]}
    guard = GuardrailEvent(ts=2.5, at=3, result=GuardrailEventResult([{"rule": "r", "message": "x"}], True, False))
    done = CompleteEvent(ts=3.5, content="héllo 🌍", token_count=2)
    await any_store.append_batch(sid, [start, guard, done])
    got = [e.event for e in await any_store.get_events(sid)]
    assert got == [start, guard, done]


async def test_unknown_stream_reads_empty(any_store, sid):
    assert await any_store.get_events(sid) == []
    assert await any_store.get_events_after(sid, 5) == []
    assert await any_store.get_last_event(sid) is None
    assert await any_store.exists(sid) is False


async def test_exists_last_and_after(any_store, sid):
    await any_store.append_batch(sid, tokens(10))
    assert await any_store.exists(sid)
    last = await any_store.get_last_event(sid)
    assert last.seq == 9 and last.event.value == "t9"
    after = await any_store.get_events_after(sid, 6)
    assert [e.seq for e in after] == [7, 8, 9]
    assert [e.seq for e in await any_store.get_events_after(sid, -1)] == list(range(10))
    assert await any_store.get_events_after(sid, 9) == []


async def test_after_seq_across_index_blocks(any_store, sid):
    await any_store.append_batch(sid, tokens(700))
    after = await any_store.get_events_after(sid, 600)
    assert [e.seq for e in after] == list(range(601, 700))
    assert after[0].event.value == "t601"


async def test_delete_and_list_streams(any_store, sid):
    other = sid + "-b"
    await any_store.append(sid, TokenEvent(ts=now_ms(), value="a"))
    await any_store.append(other, TokenEvent(ts=now_ms(), value="b"))
    streams = await any_store.list_streams()
    assert {sid, other} <= set(streams)
    await any_store.delete(sid)
    assert not await any_store.exists(sid)
    assert await any_store.get_events(sid) == []
    assert sid not in await any_store.list_streams()
    assert other in await any_store.list_streams()
    env = await any_store.append(sid, TokenEvent(ts=now_ms(), value="again"))
    assert env.seq == 0


async def test_snapshots(any_store, sid):
    assert await any_store.get_snapshot(sid) is None
    for seq in (9, 19, 29):
        await any_store.save_snapshot(Snapshot(sid, seq, now_ms(), f"c{seq}", seq + 1, ""))
    assert (await any_store.get_snapshot(sid)).seq == 29
    assert (await any_store.get_snapshot_before(sid, 25)).content == "c19"
    assert await any_store.get_snapshot_before(sid, 5) is None


@pytest.mark.parametrize("kind", ["memory", "file", "sqlite", "postgres"])
async def test_ttl_hides_expired_events(kind, store_factory, sid):
    store = await store_factory(kind, ttl=60_000)
    await store.append_batch(sid, [TokenEvent(ts=now_ms() - 120_000, value="old"),
                                   TokenEvent(ts=now_ms(), value="new")])
    assert [e.event.value for e in await store.get_events(sid)] == ["new"]
    assert [e.event.value for e in await store.get_events_after(sid, -1)] == ["new"]
    assert await store.exists(sid)
    await store.append(sid + "x", TokenEvent(ts=now_ms() - 120_000, value="old"))
    assert not await store.exists(sid + "x")
    assert await store.get_last_event(sid + "x") is None


async def test_bad_input_is_named(any_store):
    with pytest.raises((TypeError, ValueError), match="stream_id"):
        await any_store.append("", TokenEvent())
    with pytest.raises(TypeError, match="stream_id"):
        await any_store.get_events(None)
    with pytest.raises(TypeError, match="after_seq"):
        await any_store.get_events_after("x", "3")


async def test_append_many_falls_back_to_single_appends(sid):
    class Plain:
        """A store with only the protocol's seven methods."""

        def __init__(self):
            self.inner = InMemoryEventStore()

        async def append(self, stream_id, event):
            return await self.inner.append(stream_id, event)

        async def get_events(self, stream_id):
            return await self.inner.get_events(stream_id)

        async def exists(self, stream_id):
            return await self.inner.exists(stream_id)

        async def get_last_event(self, stream_id):
            return await self.inner.get_last_event(stream_id)

        async def get_events_after(self, stream_id, after_seq):
            return await self.inner.get_events_after(stream_id, after_seq)

        async def delete(self, stream_id):
            await self.inner.delete(stream_id)

        async def list_streams(self):
            return await self.inner.list_streams()

    store = Plain()
    assert isinstance(store, EventStore) and not isinstance(store, BatchEventStore)
    envs = await append_many(store, sid, tokens(3))
    assert [e.seq for e in envs] == [0, 1, 2]


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["TOKEN", "COMPLETE", "RETRY"]), texts, st.integers(0, 10**6)),
                max_size=8))
def test_event_dict_round_trip(items):
    for kind, text, n in items:
        data = {"TOKEN": {"type": "TOKEN", "ts": 1.0, "value": text, "index": n},
                "COMPLETE": {"type": "COMPLETE", "ts": 2.0, "content": text, "token_count": n},
                "RETRY": {"type": "RETRY", "ts": 3.0, "reason": text, "attempt": n, "counts_toward_limit": False}}[kind]
        ev = event_from_dict(data)
        assert ev.type is RecordedEventType(kind)
        assert event_from_dict(event_to_dict(ev)) == ev


def test_event_from_dict_rejects_garbage():
    with pytest.raises(ValueError, match="unknown event type 'NOPE'"):
        event_from_dict({"type": "NOPE"})
    with pytest.raises(ValueError, match=r"unknown field\(s\) \['bogus'\] for RETRY"):
        event_from_dict({"type": "RETRY", "bogus": 1, "ts": 0})
    with pytest.raises(TypeError, match="JSON object"):
        event_from_dict([1])
