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
