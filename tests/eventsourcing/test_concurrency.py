"""Concurrent writers: nothing lost, nothing doubled, per-stream order kept, on every store.

Writers on one stream use separate store objects (separate connections, threads and file
descriptors), and for the durable stores separate processes too.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from l0.eventsourcing import FileEventStore, SQLiteEventStore, TokenEvent, now_ms

from .conftest import STORE_KINDS


def ev(writer: int, i: int) -> TokenEvent:
    return TokenEvent(ts=now_ms(), value=f"{writer}:{i}", index=i)


def check_stream(envs: list[Any], writers: list[int], per_writer: int) -> None:
    """Seqs are 0..n-1 exactly once; every writer's events are all there, in its own order."""
    assert [e.seq for e in envs] == list(range(len(writers) * per_writer))
    by_writer: dict[int, list[int]] = {}
    for e in envs:
        w, i = e.event.value.split(":")
        by_writer.setdefault(int(w), []).append(int(i))
    assert sorted(by_writer) == sorted(writers)
    for w in writers:
        assert by_writer[w] == list(range(per_writer)), f"writer {w} lost, doubled or reordered events"


@pytest.mark.parametrize("kind", STORE_KINDS)
async def test_50_writers_on_50_streams_and_10_writers_on_one(kind: str, store_factory, sid: str):
    shared = kind == "memory"
    main = await store_factory(kind)
    stores = [main] * 10 if shared else [main] + [await store_factory(kind) for _ in range(9)]
    if kind == "file":  # the other writers open the same directory
        stores = [main] + [FileEventStore(main.base_path) for _ in range(9)]
    elif kind == "sqlite":
        stores = [main] + [SQLiteEventStore(main.path) for _ in range(9)]
    per = 40
    streams = [f"{sid}-{k}" for k in range(50)]

    async def own_stream(k: int) -> None:
        store = stores[k % len(stores)]
        for i in range(0, per, 4):
            await store.append_batch(streams[k], [ev(k, j) for j in range(i, i + 4)])

    async def shared_stream(w: int) -> None:
        store = stores[w]
        for i in range(per):
            if i % 3 == 0:
                await store.append_batch(f"{sid}-one", [ev(w, i)])
            else:
                await store.append(f"{sid}-one", ev(w, i))

    await asyncio.gather(*(own_stream(k) for k in range(50)), *(shared_stream(w) for w in range(10)))
    for k in range(50):
        check_stream(await main.get_events(streams[k]), [k], per)
    check_stream(await main.get_events(f"{sid}-one"), list(range(10)), per)
    if not shared:
        for s in stores[1:]:
            await s.close()


WRITER = """
import asyncio, sys
from l0.eventsourcing import FileEventStore, SQLiteEventStore, TokenEvent, now_ms
kind, where, stream, w, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])

async def main():
    store = FileEventStore(where) if kind == "file" else SQLiteEventStore(where)
    for i in range(n):
        await store.append(stream, TokenEvent(ts=now_ms(), value=f"{w}:{i}", index=i))
    await store.close()

asyncio.run(main())
"""


@pytest.mark.parametrize("kind", ["file", "sqlite"])
async def test_writer_processes_on_one_stream(kind: str, tmp_path: Path, sid: str):
    where = str(tmp_path / ("files" if kind == "file" else "db.sqlite3"))
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, kind, where, sid, str(w), "60"]) for w in range(3)]
    for p in procs:
        assert p.wait(timeout=60) == 0
    store = FileEventStore(where) if kind == "file" else SQLiteEventStore(where)
    check_stream(await store.get_events(sid), [0, 1, 2], 60)
    # a store that saw none of it appends after the others' events
    env = await store.append(sid, ev(9, 0))
    assert env.seq == 180
    await store.close()
