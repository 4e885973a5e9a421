"""Crash safety and clear errors: torn and corrupted lines/rows, a PostgreSQL server that goes away."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import l0
from l0.eventsourcing import (
    CorruptEventError,
    EventRecorder,
    FileEventStore,
    InvalidStreamIdError,
    SQLiteEventStore,
    StoreUnavailableError,
    TokenEvent,
    now_ms,
)

from .conftest import make_postgres, need_postgres


def toks(n: int, start: int = 0) -> list[TokenEvent]:
    return [TokenEvent(ts=now_ms(), value=f"t{i}", index=i) for i in range(start, start + n)]


async def test_file_torn_last_line_is_ignored_then_cut(tmp_path: Path):
    store = FileEventStore(tmp_path)
    await store.append_batch("s", toks(3))
    path = tmp_path / "s.jsonl"
    with open(path, "ab") as f:  # a crash in the middle of a write
        f.write(b'{"stream_id":"s","seq":3,"event":{"type":"TOK')
    fresh = FileEventStore(tmp_path)
    assert [e.seq for e in await fresh.get_events("s")] == [0, 1, 2]
    assert (await fresh.get_last_event("s")).seq == 2
    env = await fresh.append("s", TokenEvent(ts=now_ms(), value="after"))
    assert env.seq == 3
    assert [e.event.value for e in await fresh.get_events("s")] == ["t0", "t1", "t2", "after"]
    assert path.read_bytes().count(b"\n") == 4
    await store.close()
    await fresh.close()


async def test_file_corrupted_line_names_file_and_seq(tmp_path: Path):
    store = FileEventStore(tmp_path)
    await store.append_batch("s", toks(3))
    path = tmp_path / "s.jsonl"
    lines = path.read_bytes().split(b"\n")
    lines[1] = b"garbage"
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(CorruptEventError, match=r"s\.jsonl: event seq 1"):
        await FileEventStore(tmp_path).get_events("s")
    await store.close()


async def test_file_store_rejects_path_like_ids(tmp_path: Path):
    store = FileEventStore(tmp_path)
    with pytest.raises(InvalidStreamIdError, match="stream_id must be a non-empty str of letters"):
        await store.append("../evil", TokenEvent())
    assert not (tmp_path.parent / "evil.jsonl").exists()


async def test_file_fsync_policy_and_no_lock_files(tmp_path: Path):
    store = FileEventStore(tmp_path, fsync=True)
    await store.append_batch("s", toks(5))
    await store.save_snapshot(l0.eventsourcing.Snapshot("s", 4, now_ms(), "x", 5, ""))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.jsonl", "s.snapshots.jsonl"]
    assert await store.list_streams() == ["s"]
    with pytest.raises(TypeError, match="fsync must be a bool"):
        FileEventStore(tmp_path, fsync="always")
    await store.close()


async def test_sqlite_corrupted_row_is_named(tmp_path: Path):
    db = tmp_path / "e.sqlite3"
    store = SQLiteEventStore(db)
    await store.append_batch("s", toks(3))
    await store.close()
    con = sqlite3.connect(db)
    con.execute("UPDATE l0_events SET data = ? WHERE seq = 1", (b"{not json",))
    con.commit()
    con.close()
    store = SQLiteEventStore(db)
    with pytest.raises(CorruptEventError, match="stream 's' seq 1"):
        await store.get_events("s")
    assert [e.seq for e in await store.get_events_after("s", 1)] == [2]
    await store.close()


async def test_sqlite_uses_wal(tmp_path: Path):
    store = SQLiteEventStore(tmp_path / "w.sqlite3")
    await store.append("s", TokenEvent())
    mode = await store._run(lambda conn: conn.execute("PRAGMA journal_mode").fetchone()[0])
    assert mode == "wal"
    await store.close()
    with pytest.raises(ValueError, match="prefix must be an SQL identifier"):
        SQLiteEventStore(tmp_path / "x.sqlite3", prefix="bad;name")


async def test_sqlite_unopenable_path_is_store_unavailable(tmp_path: Path):
    (tmp_path / "dir.sqlite3").mkdir()
    store = SQLiteEventStore(tmp_path / "dir.sqlite3")
    with pytest.raises(StoreUnavailableError, match="SQLite store"):
        await store.append("s", TokenEvent())
    await store.close()


async def test_postgres_corrupted_row_is_named(sid: str):
    store = await make_postgres()
    await store.append_batch(sid, toks(3))
    await store._with(lambda c: c.execute("UPDATE l0test_events SET data = 'nope' WHERE stream_id = $1 AND seq = 1", sid))
    with pytest.raises(CorruptEventError, match=f"stream '{sid}' seq 1"):
        await store.get_events(sid)
    await store.close()


async def test_postgres_unreachable_is_a_clear_error():
    pytest.importorskip("asyncpg")
    from l0.eventsourcing import PostgresEventStore

    store = PostgresEventStore("postgresql://nobody:secret@127.0.0.1:1/none", connect_timeout=2)
    with pytest.raises(StoreUnavailableError, match=r"PostgreSQL at 127\.0\.0\.1:1/none is unreachable") as info:
        await store.append("s", TokenEvent())
    assert "secret" not in str(info.value)
    await store.close()


def _ctl(var: str) -> None:
    cmd = os.environ.get(var)
    if not cmd:
        pytest.fail(f"{var} is not set: source .ci/services/postgres.sh")
    subprocess.run(cmd, shell=True, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)


async def test_postgres_stopped_and_restarted_during_a_recording(sid: str):
    """The server goes away mid-stream: the stream is unaffected, the failure is reported, and
    the buffered events are written once the server is back (nothing lost or doubled)."""
    need_postgres()
    store = await make_postgres()
    await store.append(sid + "-warm", TokenEvent())  # pool and tables ready
    stop_at, restart_at = 10, 25
    release = asyncio.Event()

    async def source():
        for i in range(40):
            if i == stop_at:
                await asyncio.to_thread(_ctl, "L0_TEST_POSTGRES_STOP")
            if i == restart_at:
                await asyncio.to_thread(_ctl, "L0_TEST_POSTGRES_START")
                release.set()
            yield l0.Event(l0.EventType.TOKEN, f"w{i} ")
            await asyncio.sleep(0.005)
        yield l0.Event(l0.EventType.COMPLETE)

    seen = []
    rec = EventRecorder(store, stream_id=sid, batch_size=4, flush_ms=5)
    try:
        stream = await rec.run(source, on_event=seen.append)
        text = await stream.read()
    finally:
        if not release.is_set():
            await asyncio.to_thread(_ctl, "L0_TEST_POSTGRES_START")
    assert text == "".join(f"w{i} " for i in range(40))
    assert any(isinstance(e, StoreUnavailableError) for e in rec.errors), rec.errors
    assert any(e.type.value == "CALLBACK_ERROR" and e.meta["callback"] == "eventsourcing.recorder" for e in seen)
    for _ in range(50):  # the pool reconnects; the recorder retries what is buffered
        try:
            await rec.flush()
            break
        except Exception:
            await asyncio.sleep(0.1)
    envs = await store.get_events(sid)
    assert [e.seq for e in envs] == list(range(len(envs)))
    values = [e.event.value for e in envs if e.event.type.value == "TOKEN"]
    assert values == [f"w{i} " for i in range(40)]
    assert len(envs) == rec.seq
    await store.close()


def test_file_store_survives_a_crash_at_any_byte(tmp_path: Path):
    """Cutting the file at every offset (a crash mid-write): reads give the complete lines before
    the cut, never an error, and the next append continues right after them."""
    import asyncio as aio

    async def build() -> bytes:
        store = FileEventStore(tmp_path / "src")
        await store.append_batch("s", toks(4))
        await store.close()
        return (tmp_path / "src" / "s.jsonl").read_bytes()

    data = aio.run(build())
    ends = [i + 1 for i, b in enumerate(data) if b == 0x0A]

    async def at(cut: int) -> None:
        d = tmp_path / f"cut{cut}"
        d.mkdir()
        (d / "s.jsonl").write_bytes(data[:cut])
        store = FileEventStore(d)
        complete = sum(1 for e in ends if e <= cut)
        assert [e.seq for e in await store.get_events("s")] == list(range(complete))
        env = await store.append("s", TokenEvent(ts=now_ms(), value="next"))
        assert env.seq == complete
        assert [e.seq for e in await FileEventStore(d).get_events("s")] == list(range(complete + 1))
        await store.close()

    async def all_cuts() -> None:
        for cut in range(0, len(data) + 1, 7):
            await at(cut)

    aio.run(all_cuts())


def test_postgres_store_without_asyncpg_names_the_extra():
    code = ("import sys; sys.modules['asyncpg'] = None\n"
            "from l0.eventsourcing import PostgresEventStore\n"
            "try:\n    PostgresEventStore('postgresql://x@127.0.0.1/db')\n"
            "except ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "pip install 'l0[postgres]'" in out
