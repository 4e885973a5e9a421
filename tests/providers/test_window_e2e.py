"""A document window end to end: 50 chunks through the real openai SDK and the fault server.

Every chunk is one request whose answer length is unique to the chunk
(``words=5+i``), so a chunk's text proves both that it is exact and that it
landed in the right slot. Some chunks get a fault (a cut connection, a 429, a
503, a malformed line, an error event, a truncated body, a stall); each of those
is retried alone and every other chunk is requested exactly once.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from l0.testing import FaultServer
from l0.types import Retry, Timeout
from l0.window import ChunkProcessConfig, DocumentChunk, DocumentWindow, WindowConfig, merge_results

pytestmark = pytest.mark.e2e

FAULTS = ["cut:after=3", "rate_limit:retry_after=0.05", "unavailable", "malformed:after=2",
          "error_event:after=2", "no_finish:after=3", "length:after=2", "stall:after=2"]


def spec(index: int) -> str:
    """The scenario of chunk ``index``: every 4th chunk gets the next fault, the others a clean answer."""
    fault = FAULTS[(index // 4) % len(FAULTS)] if index % 4 == 1 else "clean"
    sep = "," if ":" in fault else ":"
    return f"{fault}{sep}words={5 + index},id=chunk{index}"


@pytest.fixture
def document() -> str:
    """Exactly 50 windows of 40 estimated tokens (160 characters), 8 (32 characters) overlapping."""
    return "\n".join(f"Line {i:04d}: " + "lorem ipsum dolor sit amet " * 2 for i in range(96))


async def test_fifty_chunk_window_with_faults_is_exact(server: FaultServer, document: str) -> None:
    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url=server.base_url, api_key="test", max_retries=0)
    window = DocumentWindow(document, WindowConfig(size=40, overlap=8))
    assert window.total_chunks == 50
    retry = Retry(attempts=3, max_retries=6, base_delay=0.01, max_delay=0.05)
    timeout = Timeout(initial_token=2000, inter_token=300)

    def processor(chunk: DocumentChunk) -> ChunkProcessConfig:
        def factory() -> Any:
            return client.chat.completions.create(
                model=spec(chunk.index),
                messages=[{"role": "user", "content": f"Summarise:\n{chunk.content}"}],
                stream=True,
            )
        return ChunkProcessConfig(stream=factory, retry=retry, timeout=timeout)

    progress: list[int] = []
    results = await window.process_all(processor, concurrency=8, on_progress=lambda done, total, r: progress.append(done))

    assert [r.status for r in results] == ["success"] * window.total_chunks, [r.error for r in results if r.error]
    for chunk, result in zip(window, results):
        assert result.chunk is chunk
        assert result.content == server.expected_text(spec(chunk.index))
    assert merge_results(results, "\n") == "\n".join(server.expected_text(spec(c.index)) for c in window)
    assert progress == list(range(1, window.total_chunks + 1))

    per_chunk = Counter(rec.model for rec in server.requests)
    faulted = {spec(c.index) for c in window if not spec(c.index).startswith("clean")}
    assert len(faulted) >= 10
    for chunk in window:
        model = spec(chunk.index)
        assert per_chunk[model] == (2 if model in faulted else 1), model  # a fault costs one retry of that chunk alone
    sent = {rec.model: rec.messages[-1]["content"] for rec in server.requests}
    assert all(sent[spec(c.index)] == f"Summarise:\n{c.content}" for c in window)
