"""Issue 11 item 7 through the real ``openai`` SDK: ``l0.wrap(client)`` (restart mode by default)
tells an ``async for`` consumer what to discard after a mid-stream cut."""

from __future__ import annotations

from typing import Any

import l0
from l0.testing import Scenario


async def test_wrapped_client_restart_emits_reset_before_the_new_text(server: Any, openai_client: Any) -> None:
    server.push(Scenario(fault="cut", after=5))
    model = Scenario().to_spec()
    client = l0.wrap(openai_client, retry=l0.Retry(attempts=2, max_retries=2, base_delay=0.0, max_delay=0.0))
    stream = await client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}],
                                                  stream=True)
    shown = ""
    resets = []
    async for ev in stream:
        if ev.is_reset:
            resets.append(ev.data)
            assert ev.data["discard"] == len(shown)  # exactly what was shown so far
            shown = ""
        elif ev.is_token and ev.text:
            shown += ev.text
    assert len(resets) == 1 and resets[0]["reason"] == "retry" and resets[0]["tokens"] == 5
    assert shown == stream.state.content == server.expected_text(model)


async def test_sdk_stall_is_interrupted_when_each_read_is_its_own_task(server: Any, openai_client: Any) -> None:
    """Issue 11 item 2 through httpx/anyio: a stalled SDK read inside ``asyncio.wait_for`` is interrupted."""
    import asyncio

    server.push(Scenario(fault="stall", after=5))
    model = Scenario().to_spec()
    client = l0.wrap(openai_client, timeout=l0.Timeout(initial_token=2000, inter_token=300),
                     retry=l0.Retry(attempts=2, max_retries=2, base_delay=0.0, max_delay=0.0))
    stream = await client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}],
                                                  stream=True)
    loop = asyncio.get_running_loop()
    started = loop.time()
    while True:
        try:
            await asyncio.wait_for(stream.__anext__(), 30.0)
        except StopAsyncIteration:
            break
    assert [type(e) for e in stream.errors] == [l0.TimeoutError]
    assert stream.state.content == server.expected_text(model)
    assert loop.time() - started < 10.0  # interrupted at ~0.3 s, not after the server's stall
