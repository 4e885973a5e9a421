"""Provider transports over loopback (``l0/native.py``, ``l0/_bench/sdk_throughput.py``).

``TimeSSEDecode``: the SSE kernel alone, decoding an OpenAI chunk stream fed in
4 KiB pieces. ``TimeLoopbackStream``: client-process CPU for one stream from the
fault server (run in a subprocess, so only the client is timed) through the
openai SDK (``sdk``), the SDK with l0 (``sdk+l0``), the native transport with l0
(``native+l0``) and the raw floor (``floor``: httpx + orjson, no SDK, no l0).
``TrackPacedStreamsPerCore``: streams of 1,000 chunks/s one core carries at the
measured client CPU per chunk, 50 paced streams at once.
"""

from __future__ import annotations

import asyncio
import importlib
import json
from typing import Any

from .common import BACKENDS, MAX_TOKENS, LoopMixin, Tuned, check_length, kernel, use_backend

WORKLOADS = ["sdk", "sdk+l0", "native+l0", "floor"]


def _bench_module() -> Any:
    try:
        mod = importlib.import_module("l0._bench.sdk_throughput")
        importlib.import_module("openai")
        importlib.import_module("l0.native")
    except ImportError as exc:
        raise NotImplementedError(f"native transport benchmark not available: {exc}") from None
    if not hasattr(mod, "run_paced"):
        raise NotImplementedError("this commit has no paced provider benchmark")
    return mod


def _sse_body(chunks: int) -> bytes:
    head = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    out = []
    for i in range(chunks):
        chunk = {**head, "choices": [{"index": 0, "delta": {"content": f" w{i:04d}"}, "finish_reason": None}]}
        out.append(b"data: " + json.dumps(chunk).encode() + b"\n\n")
    return b"".join(out) + b"data: [DONE]\n\n"


class TimeSSEDecode(Tuned):
    """SSEDecoder.feed over a chat-completions body, 4 KiB per feed."""

    params = (BACKENDS, [2_000, 20_000])
    param_names = ["backend", "chunks"]

    def setup(self, backend: str, chunks: int) -> None:
        check_length(chunks)
        (self.decoder,) = kernel(backend, "sse", "SSEDecoder")
        body = _sse_body(chunks)
        self.pieces = [body[i:i + 4096] for i in range(0, len(body), 4096)]

    def time_decode(self, backend: str, chunks: int) -> None:
        feed = self.decoder().feed
        for piece in self.pieces:
            feed(piece)


class TimeLoopbackStream(LoopMixin):
    """Client CPU for one stream of ``chunks`` one-word chunks from the fault server over loopback."""

    params = (BACKENDS, WORKLOADS, [2_000, 20_000])
    param_names = ["backend", "workload", "chunks"]
    timeout = 600

    def setup(self, backend: str, workload: str, chunks: int) -> None:
        check_length(chunks)
        use_backend(backend)
        mod = _bench_module()
        import l0
        from openai import AsyncOpenAI

        self._open_loop()
        self.proc, base_url = mod.start_server()
        client = AsyncOpenAI(base_url=base_url, api_key="bench", max_retries=0)
        self.model = f"clean:words={chunks}"
        token = l0.EventType.TOKEN
        if workload == "floor":
            self.floor = mod._floor_reader(base_url)

            async def read() -> int:
                return await self.floor(self.model)
        elif workload == "sdk":
            async def read() -> int:
                n = 0
                stream = await client.chat.completions.create(model=self.model, messages=mod.MESSAGES, stream=True)
                async for ch in stream:
                    if ch.choices and ch.choices[0].delta.content:
                        n += 1
                return n
        else:
            wrapped = l0.wrap(client, transport="native" if workload == "native+l0" else "sdk")

            async def read() -> int:
                n = 0
                stream = await wrapped.chat.completions.create(model=self.model, messages=mod.MESSAGES, stream=True)
                async for ev in stream:
                    if ev.type is token:
                        n += 1
                return n

        self.read = read
        if self.loop.run_until_complete(read()) != chunks:
            raise RuntimeError(f"{workload} did not read {chunks} tokens")

    def teardown(self, *params: object) -> None:
        floor = getattr(self, "floor", None)
        if floor is not None:
            self.loop.run_until_complete(floor.aclose())
        super().teardown(*params)
        proc = getattr(self, "proc", None)
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)

    def time_stream(self, backend: str, workload: str, chunks: int) -> None:
        self.loop.run_until_complete(self.read())


class TrackPacedStreamsPerCore:
    """Streams of 1,000 chunks/s one core carries (1e6 / (1000 x client CPU µs per chunk)), 50 paced streams."""

    params = (BACKENDS, ["sdk+l0", "native+l0"])
    param_names = ["backend", "workload"]
    unit = "streams"
    timeout = 900

    def setup(self, backend: str, workload: str) -> None:
        use_backend(backend)
        self.mod = _bench_module()

    def track_streams_per_core(self, backend: str, workload: str) -> float:
        chunks = 50 if MAX_TOKENS else 1000
        paced = asyncio.run(self.mod.run_paced(chunks, (50,)))
        (row,) = [r for r in paced["rows"] if r["workload"] == workload]
        return round(row["streams_per_core"], 1)
