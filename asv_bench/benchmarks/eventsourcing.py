"""Event sourcing (``l0.eventsourcing``): store append and replay, recording overhead.

``TimeAppend``/``TimeReplay``: events appended in batches of 256 (as the recorder writes them)
and read back and folded, per store and size; a flat time per event across sizes is the O(1)
append / O(n) replay claim. ``TimeRecordedRun``: a 2,000-token ``full`` scenario stream with
and without recording into SQLite.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from .common import BACKENDS, LoopMixin, check_length, require_scenario, use_backend

STORES = ["memory", "file", "sqlite"]
SIZES = [1_000, 100_000, 1_000_000]


def _es():
    try:
        import l0.eventsourcing as es
    except ImportError as exc:
        raise NotImplementedError(f"l0.eventsourcing not available: {exc}") from None
    return es


class _StoreBench(LoopMixin):
    timeout = 600
    number = 1

    def _store(self, kind: str):
        es = _es()
        self.tmp = Path(tempfile.mkdtemp(prefix="l0-asv-es-"))
        if kind == "memory":
            return es.InMemoryEventStore()
        if kind == "file":
            return es.FileEventStore(self.tmp / "files")
        return es.SQLiteEventStore(self.tmp / "events.sqlite3")

    def _events(self, n: int):
        es = _es()
        return [es.TokenEvent(ts=1.7e12 + i, value=f"w{i % 997} ", index=i) for i in range(n)]

    def teardown(self, *params: object) -> None:
        store = getattr(self, "store", None)
        if store is not None and not self.loop.is_closed():
            self.loop.run_until_complete(store.close())
        super().teardown(*params)
        shutil.rmtree(getattr(self, "tmp", ""), ignore_errors=True)


class TimeAppend(_StoreBench):
    """Append ``size`` events (batches of 256) to a new stream."""

    params = (STORES, SIZES)
    param_names = ["store", "size"]

    def setup(self, store: str, size: int) -> None:
        check_length(size)
        self._open_loop()
        self.store = self._store(store)
        self.events = self._events(size)
        self.n = 0

    def time_append(self, store: str, size: int) -> None:
        self.n += 1
        sid, events, append = f"s{self.n}", self.events, self.store.append_batch

        async def run() -> None:
            for i in range(0, len(events), 256):
                await append(sid, events[i:i + 256])

        self.loop.run_until_complete(run())


class TimeReplay(_StoreBench):
    """Read a stored stream of ``size`` events and fold it (``replay_to_state``)."""

    params = (STORES, SIZES)
    param_names = ["store", "size"]

    def setup(self, store: str, size: int) -> None:
        check_length(size)
        self._open_loop()
        self.store = self._store(store)
        events = self._events(size)

        async def fill() -> None:
            for i in range(0, size, 256):
                await self.store.append_batch("s", events[i:i + 256])

        self.loop.run_until_complete(fill())
        self.replayer = _es().EventReplayer(self.store)

    def time_replay_to_state(self, store: str, size: int) -> None:
        self.loop.run_until_complete(self.replayer.replay_to_state("s", use_snapshots=False))


class TimeRecordedRun(LoopMixin):
    """A 2,000-token ``full`` stream (guardrails, drift, checkpoints), recorded into SQLite or not."""

    params = (BACKENDS, ["off", "sqlite"])
    param_names = ["backend", "recording"]
    timeout = 300
    number = 1

    def setup(self, backend: str, recording: str) -> None:
        self.sc = require_scenario(backend, "full")
        self.l0 = use_backend(backend)
        self.es = _es()
        self._open_loop()
        self.tmp = Path(tempfile.mkdtemp(prefix="l0-asv-rec-"))
        self.n = 0

    def time_run(self, backend: str, recording: str) -> None:
        self.n += 1
        kw = self.sc.scenario_kwargs("full")
        source = self.sc.token_factory(2000)

        async def run() -> None:
            if recording == "off":
                await (await self.l0.run(source, **kw)).read()
                return
            store = self.es.SQLiteEventStore(self.tmp / f"r{self.n}.sqlite3")
            rec = self.es.EventRecorder(store, batch_size=256, flush_ms=50)
            await (await rec.run(source, **kw)).read()
            await rec.close()
            await store.close()

        self.loop.run_until_complete(run())

    def teardown(self, *params: object) -> None:
        super().teardown(*params)
        shutil.rmtree(getattr(self, "tmp", ""), ignore_errors=True)
