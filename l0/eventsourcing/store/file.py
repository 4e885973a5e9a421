"""``FileEventStore``: one append-only JSON-lines file per stream.

Each append writes whole lines with one ``write`` on an ``O_APPEND`` descriptor under an exclusive
``fcntl.flock`` of the stream's file (so several processes can append to one stream), after
checking the file's size against what this store last saw: lines appended by another process are
counted (only those), so an append is O(1) amortised. A last line without its newline is a write
torn by a crash: readers ignore it and the next append cuts it off. Reads are lock-free and use a
sparse index of line offsets (one per ``INDEX_STEP`` events), so reading k events after a seq is
O(k). All I/O runs in one worker thread per store, off the event loop.

Durability: with ``fsync=False`` (default) each append reaches the OS before it returns, which
survives a crash of the process; ``fsync=True`` also calls ``os.fsync`` once per append or batch,
which survives a power loss at the cost of a disk flush per batch.
"""

from __future__ import annotations

import asyncio
import os
from collections import OrderedDict
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
    event_from_dict,
    event_to_dict,
    snapshot_from_dict,
    snapshot_to_dict,
    validate_stream_id,
)
from .base import BaseEventStoreWithSnapshots, check_seq

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no cross-process lock
    fcntl = None  # type: ignore[assignment]

T = TypeVar("T")
INDEX_STEP = 256
_SUFFIX = ".jsonl"
_SNAP_SUFFIX = ".snapshots.jsonl"
_MAX_OPEN = 64


class _Tail:
    """What this store knows of one stream's file: its size, the next seq, sparse offsets."""

    __slots__ = ("size", "next_seq", "index")

    def __init__(self) -> None:
        self.size = 0
        self.next_seq = 0
        self.index: list[int] = []  # index[i] = offset of the line of seq i * INDEX_STEP


class FileEventStore(BaseEventStoreWithSnapshots):
    """Durable store in a directory, no server needed. See the module docstring for guarantees."""

    def __init__(self, base_path: str | os.PathLike[str] = "./l0-events", prefix: str = "l0", ttl: float = 0,
                 *, fsync: bool = False) -> None:
        super().__init__(prefix, ttl)
        if not isinstance(fsync, bool):
            raise TypeError(f"fsync must be a bool, got {fsync!r}")
        self.base_path = Path(base_path)
        self.base_path.mkdir(parents=True, exist_ok=True)
        self.fsync = fsync
        self._tails: dict[str, _Tail] = {}
        self._fds: OrderedDict[str, int] = OrderedDict()
        self._pool: ThreadPoolExecutor | None = None

    validate_stream_id = staticmethod(validate_stream_id)

    def _path(self, stream_id: str) -> Path:
        return self.base_path / f"{validate_stream_id(stream_id)}{_SUFFIX}"

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="l0-file-store")
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    # --- appends (worker thread) -----------------------------------------------------------

    def _fd(self, stream_id: str) -> int:
        fd = self._fds.get(stream_id)
        if fd is not None:
            self._fds.move_to_end(stream_id)
            return fd
        fd = os.open(self._path(stream_id), os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        self._fds[stream_id] = fd
        if len(self._fds) > _MAX_OPEN:
            _, old = self._fds.popitem(last=False)
            os.close(old)
        return fd

    def _catch_up(self, stream_id: str, fd: int, tail: _Tail) -> None:
        """Count the lines appended since ``tail.size`` (another process, or a fresh store) and cut
        a torn last line. Called with the exclusive lock held."""
        size = os.fstat(fd).st_size
        if size == tail.size:
            return
        if size < tail.size:  # deleted and recreated elsewhere: start over
            tail.__init__()  # type: ignore[misc]
        pos = tail.size
        with open(os.dup(fd), "rb") as f:
            f.seek(pos)
            data = f.read(size - pos)
        start = 0
        while True:
            nl = data.find(b"\n", start)
            if nl < 0:
                break
            if tail.next_seq % INDEX_STEP == 0:
                tail.index.append(pos + start)
            tail.next_seq += 1
            start = nl + 1
        if start < len(data):
            os.ftruncate(fd, pos + start)
        tail.size = pos + start

    def _append_sync(self, stream_id: str, events: list[RecordedEvent]) -> list[EventEnvelope]:
        fd = self._fd(stream_id)
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            tail = self._tails.get(stream_id)
            if tail is None:
                tail = self._tails[stream_id] = _Tail()
            self._catch_up(stream_id, fd, tail)
            seq = tail.next_seq
            envs = []
            chunks = []
            offset = tail.size
            for event in events:
                line = orjson.dumps({"stream_id": stream_id, "seq": seq, "event": event_to_dict(event)}) + b"\n"
                if seq % INDEX_STEP == 0:
                    tail.index.append(offset)
                chunks.append(line)
                offset += len(line)
                envs.append(EventEnvelope(stream_id, seq, event))
                seq += 1
            data = b"".join(chunks)
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            if self.fsync:
                os.fsync(fd)
            tail.size = offset
            tail.next_seq = seq
            return envs
        except BaseException:
            self._tails.pop(stream_id, None)  # re-read the file next time
            raise
        finally:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)

    async def append(self, stream_id: str, event: RecordedEvent) -> EventEnvelope:
        self._path(stream_id)
        return (await self._run(self._append_sync, stream_id, [event]))[0]

    async def append_batch(self, stream_id: str, events: Iterable[RecordedEvent]) -> list[EventEnvelope]:
        self._path(stream_id)
        events = list(events)
        if not events:
            return []
        return await self._run(self._append_sync, stream_id, events)

    # --- reads (worker thread) -------------------------------------------------------------

    def _read_sync(self, stream_id: str, after_seq: int, last_only: bool = False) -> list[EventEnvelope]:
        path = self._path(stream_id)
        try:
            f = open(path, "rb")
        except FileNotFoundError:
            return []
        with f:
            start_seq = 0
            tail = self._tails.get(stream_id)
            if tail is None and (after_seq >= 0 or last_only):
                tail = self._tails[stream_id] = self._index_sync(f)
            want = after_seq + 1
            if tail is not None and tail.index and (want > 0 or last_only):
                block = len(tail.index) - 1 if last_only else min(want // INDEX_STEP, len(tail.index) - 1)
                start_seq = block * INDEX_STEP
                f.seek(tail.index[block])
            data = f.read()
        lines = data.split(b"\n")
        torn = lines.pop()  # b"" when the file ends with a newline, else a torn last line
        del torn
        if last_only and lines:
            start_seq += len(lines) - 1
            lines = lines[-1:]
        out: list[EventEnvelope] = []
        seq = start_seq
        for n, line in enumerate(lines):
            if seq >= want:
                try:
                    raw = orjson.loads(line)
                    env = EventEnvelope(stream_id, raw["seq"], event_from_dict(raw["event"]))
                except (ValueError, TypeError, KeyError) as e:
                    raise CorruptEventError(f"{path}: event seq {seq}", f"{type(e).__name__}: {e}") from None
                if env.seq != seq:
                    raise CorruptEventError(f"{path}: event seq {seq}", f"line holds seq {env.seq}")
                out.append(env)
            seq += 1
        return out

    @staticmethod
    def _index_sync(f: Any) -> _Tail:
        """Sparse offsets of a file this store has not written yet (a scan, once)."""
        tail = _Tail()
        data = f.read()
        f.seek(0)
        start = 0
        while True:
            nl = data.find(b"\n", start)
            if nl < 0:
                break
            if tail.next_seq % INDEX_STEP == 0:
                tail.index.append(start)
            tail.next_seq += 1
            start = nl + 1
        tail.size = start
        return tail

    async def get_events(self, stream_id: str) -> list[EventEnvelope]:
        return self._live(await self._run(self._read_sync, stream_id, -1))

    async def get_events_after(self, stream_id: str, after_seq: int) -> list[EventEnvelope]:
        return self._live(await self._run(self._read_sync, stream_id, check_seq(after_seq)))

    async def get_last_event(self, stream_id: str) -> EventEnvelope | None:
        envs = self._live(await self._run(self._read_sync, stream_id, -1, True))
        return envs[-1] if envs else None

    async def exists(self, stream_id: str) -> bool:
        if self.ttl:
            return await self.get_last_event(stream_id) is not None
        path = self._path(stream_id)
        try:
            return path.stat().st_size > 0
        except FileNotFoundError:
            return False

    def _delete_sync(self, stream_id: str) -> None:
        fd = self._fds.pop(stream_id, None)
        if fd is not None:
            os.close(fd)
        self._tails.pop(stream_id, None)
        for p in (self._path(stream_id), self.base_path / f"{stream_id}{_SNAP_SUFFIX}"):
            try:
                p.unlink()
            except FileNotFoundError:
                pass

    async def delete(self, stream_id: str) -> None:
        self._path(stream_id)
        await self._run(self._delete_sync, stream_id)

    async def list_streams(self) -> list[str]:
        return sorted(p.name[: -len(_SUFFIX)] for p in self.base_path.glob(f"*{_SUFFIX}")
                      if not p.name.endswith(_SNAP_SUFFIX))

    # --- snapshots: an append-only JSON-lines file per stream --------------------------------

    def _snap_path(self, stream_id: str) -> Path:
        return self.base_path / f"{validate_stream_id(stream_id)}{_SNAP_SUFFIX}"

    def _save_snapshot_sync(self, snapshot: Snapshot) -> None:
        line = orjson.dumps(snapshot_to_dict(snapshot)) + b"\n"
        fd = os.open(self._snap_path(snapshot.stream_id), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, line)
            if self.fsync:
                os.fsync(fd)
        finally:
            os.close(fd)

    def _snapshots_sync(self, stream_id: str) -> list[Snapshot]:
        try:
            data = self._snap_path(stream_id).read_bytes()
        except FileNotFoundError:
            return []
        out = []
        for line in data.split(b"\n")[:-1]:
            try:
                out.append(snapshot_from_dict(orjson.loads(line)))
            except (ValueError, TypeError) as e:
                raise CorruptEventError(f"{self._snap_path(stream_id)}", f"bad snapshot line: {e}") from None
        return out

    async def save_snapshot(self, snapshot: Snapshot) -> None:
        await self._run(self._save_snapshot_sync, snapshot)

    async def get_snapshot(self, stream_id: str) -> Snapshot | None:
        snaps = await self._run(self._snapshots_sync, stream_id)
        return max(snaps, key=lambda s: s.seq) if snaps else None

    async def get_snapshot_before(self, stream_id: str, seq: int) -> Snapshot | None:
        check_seq(seq, "seq")
        snaps = [s for s in await self._run(self._snapshots_sync, stream_id) if s.seq <= seq]
        return max(snaps, key=lambda s: s.seq) if snaps else None

    def _close_sync(self) -> None:
        while self._fds:
            os.close(self._fds.popitem()[1])

    async def close(self) -> None:
        if self._pool is not None:
            await self._run(self._close_sync)
            self._pool.shutdown(wait=True)
            self._pool = None
