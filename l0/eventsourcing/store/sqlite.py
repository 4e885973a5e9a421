"""``SQLiteEventStore``: the embedded durable default (standard-library ``sqlite3``).

One connection per store, used from one worker thread (off the event loop). WAL journal,
``synchronous=NORMAL`` (a committed batch survives a process crash; a power loss may lose the
last batches, never corrupt earlier ones). Appends run in ``BEGIN IMMEDIATE`` transactions, so
several processes can append to one stream: ``seq`` is ``max(seq) + 1`` read under the write lock,
and the primary key ``(stream_id, seq)`` rejects any duplicate.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, TypeVar

import orjson

from ..types import (
    CorruptEventError,
    EventEnvelope,
    RecordedEvent,
    Snapshot,
    StoreUnavailableError,
    event_from_dict,
    event_to_dict,
    snapshot_from_dict,
    snapshot_to_dict,
)
from .base import BaseEventStoreWithSnapshots, check_seq, check_stream_id

T = TypeVar("T")


def check_prefix(prefix: str) -> str:
    if not prefix or not all(c.isascii() and (c.isalnum() or c == "_") for c in prefix) or prefix[0].isdigit():
        raise ValueError(f"prefix must be an SQL identifier (letters, digits, '_'), got {prefix!r}")
    return prefix


class SQLiteEventStore(BaseEventStoreWithSnapshots):
    """Durable store in one SQLite file (``":memory:"`` works too). Tables ``{prefix}_events`` and
    ``{prefix}_snapshots``."""

    def __init__(self, path: str | Path = "./l0-events.sqlite3", prefix: str = "l0", ttl: float = 0,
                 *, busy_timeout_ms: int = 10_000) -> None:
        super().__init__(check_prefix(prefix), ttl)
        self.path = str(path)
        self.busy_timeout_ms = busy_timeout_ms
        self._conn: sqlite3.Connection | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._ev = f"{prefix}_events"
        self._snap = f"{prefix}_snapshots"

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="l0-sqlite-store")
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._call, fn, args)

    def _call(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        try:
            if self._conn is None:
                self._conn = self._connect()
            return fn(self._conn, *args)
        except sqlite3.OperationalError as e:
            raise StoreUnavailableError(f"SQLite store {self.path!r}: {e}") from e

    def _connect(self) -> sqlite3.Connection:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                               timeout=self.busy_timeout_ms / 1000)
        setup = (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",
            f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}",
            f"CREATE TABLE IF NOT EXISTS {self._ev} (stream_id TEXT NOT NULL, seq INTEGER NOT NULL, "
            "ts REAL NOT NULL, data BLOB NOT NULL, PRIMARY KEY (stream_id, seq)) WITHOUT ROWID",
            f"CREATE TABLE IF NOT EXISTS {self._snap} (stream_id TEXT NOT NULL, seq INTEGER NOT NULL, "
            "data BLOB NOT NULL, PRIMARY KEY (stream_id, seq)) WITHOUT ROWID",
        )
        # Switching a new file to WAL while other processes open it can report "database is locked"
        # at once, without SQLite's busy handler: retry the set-up within the same busy budget.
        deadline = time.monotonic() + self.busy_timeout_ms / 1000
        delay = 0.005
        for sql in setup:
            while True:
                try:
                    conn.execute(sql)
                    break
                except sqlite3.OperationalError as e:
                    if "locked" not in str(e) and "busy" not in str(e) or time.monotonic() >= deadline:
                        conn.close()
                        raise
                    time.sleep(delay)
                    delay = min(delay * 2, 0.1)
        return conn

    def _append_sync(self, conn: sqlite3.Connection, stream_id: str, events: list[RecordedEvent]) -> list[EventEnvelope]:
        conn.execute("BEGIN IMMEDIATE")
        try:
            last = conn.execute(f"SELECT MAX(seq) FROM {self._ev} WHERE stream_id = ?", (stream_id,)).fetchone()[0]
            start = 0 if last is None else last + 1
            # one statement per batch: SQLite splits the JSON array itself (no per-row bindings)
            conn.execute(
                f"INSERT INTO {self._ev} (stream_id, seq, ts, data) "
                "SELECT ?, ? + key, json_extract(value, '$.ts'), json(value) FROM json_each(?)",
                (stream_id, start, orjson.dumps([event_to_dict(e) for e in events])))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return [EventEnvelope(stream_id, start + i, e) for i, e in enumerate(events)]

    async def append(self, stream_id: str, event: RecordedEvent) -> EventEnvelope:
        return (await self._run(self._append_sync, check_stream_id(stream_id), [event]))[0]

    async def append_batch(self, stream_id: str, events: Iterable[RecordedEvent]) -> list[EventEnvelope]:
        events = list(events)
        if not events:
            check_stream_id(stream_id)
            return []
        return await self._run(self._append_sync, check_stream_id(stream_id), events)

    def _decode(self, stream_id: str, rows: list[tuple[int, bytes]]) -> list[EventEnvelope]:
        out = []
        for seq, data in rows:
            try:
                out.append(EventEnvelope(stream_id, seq, event_from_dict(orjson.loads(data))))
            except (ValueError, TypeError) as e:
                raise CorruptEventError(f"{self.path} table {self._ev} stream {stream_id!r} seq {seq}",
                                        f"{type(e).__name__}: {e}") from None
        return out

    def _select(self, conn: sqlite3.Connection, stream_id: str, after_seq: int, cutoff: float) -> list[tuple[int, bytes]]:
        return conn.execute(
            f"SELECT seq, data FROM {self._ev} WHERE stream_id = ? AND seq > ? AND ts >= ? ORDER BY seq",
            (stream_id, after_seq, cutoff),
        ).fetchall()

    def _cutoff(self) -> float:
        from ..types import now_ms

        return now_ms() - self.ttl if self.ttl else float("-inf")

    async def get_events(self, stream_id: str) -> list[EventEnvelope]:
        return await self.get_events_after(stream_id, -1)

    async def get_events_after(self, stream_id: str, after_seq: int) -> list[EventEnvelope]:
        check_stream_id(stream_id)
        rows = await self._run(self._select, stream_id, check_seq(after_seq), self._cutoff())
        return self._decode(stream_id, rows)

    def _last(self, conn: sqlite3.Connection, stream_id: str, cutoff: float) -> list[tuple[int, bytes]]:
        return conn.execute(
            f"SELECT seq, data FROM {self._ev} WHERE stream_id = ? AND ts >= ? ORDER BY seq DESC LIMIT 1",
            (stream_id, cutoff),
        ).fetchall()

    async def get_last_event(self, stream_id: str) -> EventEnvelope | None:
        rows = await self._run(self._last, check_stream_id(stream_id), self._cutoff())
        return self._decode(stream_id, rows)[0] if rows else None

    async def exists(self, stream_id: str) -> bool:
        return bool(await self._run(self._last, check_stream_id(stream_id), self._cutoff()))

    def _delete_sync(self, conn: sqlite3.Connection, stream_id: str) -> None:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(f"DELETE FROM {self._ev} WHERE stream_id = ?", (stream_id,))
        conn.execute(f"DELETE FROM {self._snap} WHERE stream_id = ?", (stream_id,))
        conn.execute("COMMIT")

    async def delete(self, stream_id: str) -> None:
        await self._run(self._delete_sync, check_stream_id(stream_id))

    def _streams(self, conn: sqlite3.Connection) -> list[str]:
        return [r[0] for r in conn.execute(f"SELECT DISTINCT stream_id FROM {self._ev} ORDER BY stream_id")]

    async def list_streams(self) -> list[str]:
        return await self._run(self._streams)

    def _save_snap(self, conn: sqlite3.Connection, snapshot: Snapshot) -> None:
        conn.execute(f"INSERT OR REPLACE INTO {self._snap} (stream_id, seq, data) VALUES (?, ?, ?)",
                     (snapshot.stream_id, snapshot.seq, orjson.dumps(snapshot_to_dict(snapshot))))

    async def save_snapshot(self, snapshot: Snapshot) -> None:
        check_stream_id(snapshot.stream_id)
        await self._run(self._save_snap, snapshot)

    def _get_snap(self, conn: sqlite3.Connection, stream_id: str, seq: int) -> Snapshot | None:
        row = conn.execute(
            f"SELECT data FROM {self._snap} WHERE stream_id = ? AND seq <= ? ORDER BY seq DESC LIMIT 1",
            (stream_id, seq),
        ).fetchone()
        return None if row is None else snapshot_from_dict(orjson.loads(row[0]))

    async def get_snapshot(self, stream_id: str) -> Snapshot | None:
        return await self._run(self._get_snap, check_stream_id(stream_id), 2**62)

    async def get_snapshot_before(self, stream_id: str, seq: int) -> Snapshot | None:
        return await self._run(self._get_snap, check_stream_id(stream_id), check_seq(seq, "seq"))

    def _close_sync(self, conn: sqlite3.Connection) -> None:
        conn.close()
        self._conn = None

    async def close(self) -> None:
        if self._pool is not None:
            if self._conn is not None:
                await self._run(self._close_sync)
            self._pool.shutdown(wait=True)
            self._pool = None
