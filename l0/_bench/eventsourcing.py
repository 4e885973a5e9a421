"""Event-sourcing throughput and recording overhead.

``python -m l0._bench.eventsourcing`` prints, per store (memory, file, SQLite, and PostgreSQL when
``L0_TEST_POSTGRES_DSN`` is set) and size (10^3, 10^5, 10^6 events by default): append throughput
(batches of 256, as the recorder writes them; and one event per call at the smallest size), the
time to read a stream back and fold it (``replay_to_state``), and reading the last 1,000 events
after a seq (``get_events_after``: O(k), flat across sizes). Then the recording overhead on a
2,000-token stream with every feature on (guardrails, drift, checkpoints), recorded into SQLite:
through the real openai SDK against the local fault server (the full stack), and on an in-memory
source (the worst case: nothing but l0 per token). Times are process CPU time (all threads,
the store's worker thread included) unless marked wall; medians of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from l0.eventsourcing import (
    EventRecorder,
    EventReplayer,
    FileEventStore,
    InMemoryEventStore,
    SQLiteEventStore,
    TokenEvent,
    now_ms,
)

BATCH = 256


def _stores(tmp: Path, kinds: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind in kinds:
        if kind == "memory":
            out[kind] = lambda i: InMemoryEventStore()
        elif kind == "file":
            out[kind] = lambda i: FileEventStore(tmp / f"files-{i}")
        elif kind == "sqlite":
            out[kind] = lambda i: SQLiteEventStore(tmp / f"db-{i}.sqlite3")
        elif kind == "postgres":
            dsn = os.environ.get("L0_TEST_POSTGRES_DSN")
            if not dsn:
                print("postgres: skipped (set L0_TEST_POSTGRES_DSN, e.g. source .ci/services/postgres.sh)")
                continue
            from l0.eventsourcing import PostgresEventStore

            out[kind] = lambda i, dsn=dsn: PostgresEventStore(dsn, prefix="l0bench")
    return out


def _events(n: int) -> list[TokenEvent]:
    ts = now_ms()
    return [TokenEvent(ts=ts + i * 0.01, value=f"w{i % 997} ", index=i) for i in range(n)]


async def _store_row(make: Any, n: int, run: int) -> dict[str, float]:
    gc.collect()
    gc.disable()  # a collection pass over the 10^6 live events would be timed otherwise
    try:
        return await _store_row_timed(make, n, run)
    finally:
        gc.enable()


async def _store_row_timed(make: Any, n: int, run: int) -> dict[str, float]:
    store = make(run)
    sid = f"bench-{os.getpid()}-{n}-{run}-{time.time_ns()}"
    events = _events(n)
    t0 = time.process_time()
    for i in range(0, n, BATCH):
        await store.append_batch(sid, events[i:i + BATCH])
    append = time.process_time() - t0
    t0 = time.process_time()
    state = await EventReplayer(store).replay_to_state(sid, use_snapshots=False)
    replay = time.process_time() - t0
    assert state.token_count == n, (state.token_count, n)
    del state
    # untimed: a worker-thread store frees the previous call's result (10^6 objects) only when
    # its thread runs the next call
    await store.get_last_event(sid)
    t0 = time.process_time()
    tail = await store.get_events_after(sid, n - 1001)
    after = time.process_time() - t0
    assert len(tail) == min(1000, n)
    single = None
    if n <= 1000:
        sid2 = sid + "-single"
        t0 = time.process_time()
        for e in events:
            await store.append(sid2, e)
        single = time.process_time() - t0
        await store.delete(sid2)
    await store.delete(sid)
    await store.close()
    return {"append": append, "replay": replay, "after": after, "single": single or 0.0}


async def store_table(kinds: list[str], sizes: list[int], repeat: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="l0-es-bench-"))
    try:
        stores = _stores(tmp, kinds)
        print(f"{'store':<9}{'events':>10}{'append ev/s':>14}{'us/ev':>8}{'replay ev/s':>14}{'us/ev':>8}"
              f"{'after(1k) ms':>14}{'single-append ev/s':>20}")
        for kind, make in stores.items():
            for n in sizes:
                reps = repeat if n <= 100_000 else 1
                rows = [await _store_row(make, n, r) for r in range(reps)]
                med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
                single = f"{1000 / med['single']:>20,.0f}" if med["single"] else f"{'':>20}"
                print(f"{kind:<9}{n:>10,}{n / med['append']:>14,.0f}{med['append'] / n * 1e6:>8.2f}"
                      f"{n / med['replay']:>14,.0f}{med['replay'] / n * 1e6:>8.2f}{med['after'] * 1000:>14.2f}{single}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


async def _full_stack_once(server: Any, store: Any, i: int) -> tuple[float, float]:
    import l0
    from openai import AsyncOpenAI

    from l0._bench.scenarios import scenario_kwargs

    client = AsyncOpenAI(base_url=server.base_url, api_key="test", max_retries=0)
    model = "clean:words=2000"

    def factory() -> Any:
        return client.chat.completions.create(model=model, messages=[{"role": "user", "content": "x"}], stream=True)

    kw = scenario_kwargs("full")
    w0, c0 = time.perf_counter(), time.process_time()
    if store is not None:
        rec = EventRecorder(store, batch_size=BATCH, flush_ms=50)
        stream = await rec.run(factory, **kw)
    else:
        stream = await l0.run(factory, **kw)
    text = await stream.read()
    if store is not None:
        await rec.close()
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    assert stream.state.token_count == 2000, stream.state.token_count
    assert len(text) > 0
    await client.close()
    return cpu, wall


async def _synthetic_once(store: Any) -> float:
    import l0

    from l0._bench.scenarios import scenario_kwargs, token_factory

    kw = scenario_kwargs("full")
    c0 = time.process_time()
    if store is not None:
        rec = EventRecorder(store, batch_size=BATCH, flush_ms=50)
        stream = await rec.run(token_factory(2000), **kw)
    else:
        stream = await l0.run(token_factory(2000), **kw)
    await stream.read()
    if store is not None:
        await rec.close()
    return time.process_time() - c0


async def overhead(repeat: int) -> None:
    from l0.testing import FaultServer

    tmp = Path(tempfile.mkdtemp(prefix="l0-es-over-"))
    # one long-lived store, as in production: its set-up (connection, tables) is not per stream
    store = SQLiteEventStore(tmp / "recordings.sqlite3")
    try:
        async with FaultServer() as server:
            for i in range(2):  # warm-up: imports, connections, code paths
                await _full_stack_once(server, None, i)
                await _full_stack_once(server, store, i)
            plain, rec = [], []
            for i in range(repeat):
                plain.append(await _full_stack_once(server, None, i))
                rec.append(await _full_stack_once(server, store, i))
        pc, rc = statistics.median(c for c, _ in plain), statistics.median(c for c, _ in rec)
        pw, rw = statistics.median(w for _, w in plain), statistics.median(w for _, w in rec)
        print("\nrecording overhead, 2,000-token 'full' stream (guardrails + drift + checkpoints), into an open"
              " SQLite store, batch 256 / 50 ms")
        print(f"  openai SDK + fault server (full stack): CPU {pc * 1e3:.1f} ms -> {rc * 1e3:.1f} ms "
              f"(+{(rc / pc - 1) * 100:.1f}%), wall {pw * 1e3:.1f} ms -> {rw * 1e3:.1f} ms (+{(rw / pw - 1) * 100:.1f}%)")
        for _ in range(2):
            await _synthetic_once(None)
            await _synthetic_once(store)
        sp, sr = [], []
        for _ in range(repeat):
            sp.append(await _synthetic_once(None))
            sr.append(await _synthetic_once(store))
        a, b = statistics.median(sp), statistics.median(sr)
        per_token = (b - a) / 2000 * 1e6
        print(f"  in-memory source (l0 alone, worst case): CPU {a * 1e3:.2f} ms -> {b * 1e3:.2f} ms "
              f"(+{(b / a - 1) * 100:.0f}%), i.e. {per_token:.2f} us per token recorded "
              f"= {per_token / 1000 * 100:.2f}% of a 1,000 tok/s stream's time budget")
    finally:
        await store.close()
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m l0._bench.eventsourcing", description=__doc__.split("\n\n")[0])
    p.add_argument("--stores", default="memory,file,sqlite,postgres")
    p.add_argument("--sizes", default="1000,100000,1000000")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--skip-overhead", action="store_true")
    args = p.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    asyncio.run(store_table(args.stores.split(","), sizes, args.repeat))
    if not args.skip_overhead:
        asyncio.run(overhead(args.repeat))


if __name__ == "__main__":
    main()
