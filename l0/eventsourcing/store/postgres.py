"""``PostgresEventStore``: one store shared by many processes on many machines (``asyncpg``).

Per-stream ordering under concurrent writers: every append (one event or a batch) runs in one
transaction that bumps the stream's counter row in ``{prefix}_streams`` with an upsert (a row lock,
so writers of one stream queue up there while other streams proceed) and inserts the events at
the seqs it returned; the primary key ``(stream_id, seq)`` is the last guard against a duplicate.
A committed append is never lost or doubled; a failed one leaves nothing behind.

Needs ``pip install 'l0[postgres]'``. A server that is down raises
:class:`~l0.eventsourcing.StoreUnavailableError`; the pool reconnects when it is back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import orjson

from ..types import (
    CorruptEventError,
    EventEnvelope,
    RecordedEvent,
    Snapshot,
    StoreUnavailableError,
    event_from_dict,
    event_to_dict,
    now_ms,
    snapshot_from_dict,
    snapshot_to_dict,
)
from .base import BaseEventStoreWithSnapshots, check_seq, check_stream_id
from .sqlite import check_prefix

try:
    import asyncpg
except ImportError:  # pragma: no cover - exercised by the missing-extra test in a subprocess
    asyncpg = None


def _require_asyncpg() -> Any:
    if asyncpg is None:
        raise ImportError("PostgresEventStore needs asyncpg: pip install 'l0[postgres]'")
    return asyncpg


def _down_errors() -> tuple[type[BaseException], ...]:
    pg = _require_asyncpg()
    return (OSError, asyncio.TimeoutError, pg.PostgresConnectionError, pg.InterfaceError,
            pg.CannotConnectNowError, pg.AdminShutdownError, pg.ConnectionDoesNotExistError)


class PostgresEventStore(BaseEventStoreWithSnapshots):
    """Store in PostgreSQL. ``dsn`` as for ``asyncpg.connect``; ``pool`` an existing
    ``asyncpg.Pool`` instead (not closed by :meth:`close`). Tables are created on first use."""

    def __init__(self, dsn: str | None = None, prefix: str = "l0", ttl: float = 0, *, pool: Any = None,
                 min_size: int = 1, max_size: int = 10, connect_timeout: float = 5.0) -> None:
        super().__init__(check_prefix(prefix), ttl)
        _require_asyncpg()
        if dsn is None and pool is None:
            raise ValueError("PostgresEventStore needs dsn='postgresql://user@host:port/db' or pool=")
        self.dsn = dsn
        self._pool = pool
        self._own_pool = pool is None
        self._min, self._max, self._timeout = min_size, max_size, connect_timeout
        self._ready = False
        self._lock = asyncio.Lock()
        self._st = f"{prefix}_streams"
        self._ev = f"{prefix}_events"
        self._snap = f"{prefix}_snapshots"

    def _where(self) -> str:
        if self.dsn is None:
            return "PostgreSQL pool"
        tail = self.dsn.rsplit("@", 1)[-1]  # never echo a password
        return f"PostgreSQL at {tail}"

    async def _setup(self) -> Any:
        async with self._lock:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(self.dsn, min_size=self._min, max_size=self._max,
                                                       timeout=self._timeout)
            if not self._ready:
                async with self._pool.acquire() as conn, conn.transaction():
                    # concurrent first users (other processes) must not race on CREATE TABLE
                    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"l0-es-schema-{self.prefix}")
                    await conn.execute(
                        f"CREATE TABLE IF NOT EXISTS {self._st} (stream_id TEXT PRIMARY KEY, next_seq BIGINT NOT NULL)")
                    await conn.execute(
                        f"CREATE TABLE IF NOT EXISTS {self._ev} (stream_id TEXT NOT NULL, seq BIGINT NOT NULL, "
                        "ts DOUBLE PRECISION NOT NULL, data TEXT NOT NULL, PRIMARY KEY (stream_id, seq))")
                    await conn.execute(
                        f"CREATE TABLE IF NOT EXISTS {self._snap} (stream_id TEXT NOT NULL, seq BIGINT NOT NULL, "
                        "data TEXT NOT NULL, PRIMARY KEY (stream_id, seq))")
                self._ready = True
        return self._pool

    async def _with(self, fn: Any) -> Any:
        try:
            pool = self._pool if self._ready else await self._setup()
            async with pool.acquire(timeout=self._timeout) as conn:
                return await fn(conn)
        except _down_errors() as e:
            raise StoreUnavailableError(f"{self._where()} is unreachable: {type(e).__name__}: {e}") from e

    async def append(self, stream_id: str, event: RecordedEvent) -> EventEnvelope:
        return (await self.append_batch(stream_id, [event]))[0]

    async def append_batch(self, stream_id: str, events: Iterable[RecordedEvent]) -> list[EventEnvelope]:
        check_stream_id(stream_id)
        events = list(events)
        if not events:
            return []
        n = len(events)
        ts = [e.ts for e in events]
        data = [orjson.dumps(event_to_dict(e)).decode() for e in events]

        async def op(conn: Any) -> int:
            async with conn.transaction():
                end = await conn.fetchval(
                    f"INSERT INTO {self._st} AS s (stream_id, next_seq) VALUES ($1, $2) "
                    "ON CONFLICT (stream_id) DO UPDATE SET next_seq = s.next_seq + EXCLUDED.next_seq "
                    "RETURNING next_seq", stream_id, n)
                start = end - n
                await conn.execute(
                    f"INSERT INTO {self._ev} (stream_id, seq, ts, data) "
                    "SELECT $1, s, t, d FROM unnest($2::bigint[], $3::float8[], $4::text[]) AS u(s, t, d)",
                    stream_id, list(range(start, end)), ts, data)
                return start  # type: ignore[no-any-return]

        start = await self._with(op)
        return [EventEnvelope(stream_id, start + i, e) for i, e in enumerate(events)]

    def _decode(self, stream_id: str, rows: list[Any]) -> list[EventEnvelope]:
        out = []
        for seq, data in rows:
            try:
                out.append(EventEnvelope(stream_id, seq, event_from_dict(orjson.loads(data))))
            except (ValueError, TypeError) as e:
                raise CorruptEventError(f"{self._where()} table {self._ev} stream {stream_id!r} seq {seq}",
                                        f"{type(e).__name__}: {e}") from None
        return out

    def _cutoff(self) -> float:
        return now_ms() - self.ttl if self.ttl else float("-inf")

    async def get_events(self, stream_id: str) -> list[EventEnvelope]:
        return await self.get_events_after(stream_id, -1)

    async def get_events_after(self, stream_id: str, after_seq: int) -> list[EventEnvelope]:
        check_stream_id(stream_id)
        check_seq(after_seq)
        rows = await self._with(lambda c: c.fetch(
            f"SELECT seq, data FROM {self._ev} WHERE stream_id = $1 AND seq > $2 AND ts >= $3 ORDER BY seq",
            stream_id, after_seq, self._cutoff()))
        return self._decode(stream_id, [tuple(r) for r in rows])

    async def get_last_event(self, stream_id: str) -> EventEnvelope | None:
        check_stream_id(stream_id)
        rows = await self._with(lambda c: c.fetch(
            f"SELECT seq, data FROM {self._ev} WHERE stream_id = $1 AND ts >= $2 ORDER BY seq DESC LIMIT 1",
            stream_id, self._cutoff()))
        return self._decode(stream_id, [tuple(r) for r in rows])[0] if rows else None

    async def exists(self, stream_id: str) -> bool:
        return await self.get_last_event(stream_id) is not None

    async def delete(self, stream_id: str) -> None:
        check_stream_id(stream_id)

        async def op(conn: Any) -> None:
            async with conn.transaction():
                await conn.execute(f"DELETE FROM {self._ev} WHERE stream_id = $1", stream_id)
                await conn.execute(f"DELETE FROM {self._snap} WHERE stream_id = $1", stream_id)
                await conn.execute(f"DELETE FROM {self._st} WHERE stream_id = $1", stream_id)

        await self._with(op)

    async def list_streams(self) -> list[str]:
        rows = await self._with(lambda c: c.fetch(f"SELECT stream_id FROM {self._st} ORDER BY stream_id"))
        return [r[0] for r in rows]

    async def save_snapshot(self, snapshot: Snapshot) -> None:
        check_stream_id(snapshot.stream_id)
        await self._with(lambda c: c.execute(
            f"INSERT INTO {self._snap} (stream_id, seq, data) VALUES ($1, $2, $3) "
            "ON CONFLICT (stream_id, seq) DO UPDATE SET data = EXCLUDED.data",
            snapshot.stream_id, snapshot.seq, orjson.dumps(snapshot_to_dict(snapshot)).decode()))

    async def get_snapshot_before(self, stream_id: str, seq: int) -> Snapshot | None:
        check_stream_id(stream_id)
        check_seq(seq, "seq")
        data = await self._with(lambda c: c.fetchval(
            f"SELECT data FROM {self._snap} WHERE stream_id = $1 AND seq <= $2 ORDER BY seq DESC LIMIT 1",
            stream_id, seq))
        return None if data is None else snapshot_from_dict(orjson.loads(data))

    async def get_snapshot(self, stream_id: str) -> Snapshot | None:
        return await self.get_snapshot_before(stream_id, 2**62)

    async def close(self) -> None:
        if self._pool is not None and self._own_pool:
            await self._pool.close()
        self._pool = None
        self._ready = False
