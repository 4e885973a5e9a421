"""One process of the Redis fleet test: waits for "go" on stdin, runs N streams, prints a JSON summary.

argv: redis_url prefix base_url model streams
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any


async def main(redis_url: str, prefix: str, base_url: str, model: str, streams: int) -> None:
    from openai import AsyncOpenAI

    import l0
    from l0.events import ObservabilityEventType as O
    from l0.ratelimit import RateLimit, RedisCoordinator

    coordinator = RedisCoordinator(redis_url, prefix=prefix, timeout=1.0)
    waits: list[float] = []
    degraded: list[str] = []

    def on_event(event: Any) -> None:
        if event.type is O.RATE_LIMIT_WAIT_START:
            waits.append(event.meta["waitMs"])
        elif event.type is O.RATE_LIMIT_DEGRADED:
            degraded.append(event.meta["error"])

    client = AsyncOpenAI(base_url=base_url, api_key="fleet", max_retries=0)
    wrapped = l0.wrap(client, rate_limit=RateLimit(coordinator=coordinator), on_event=on_event,
                      retry=l0.Retry(attempts=3, max_retries=10, base_delay=0.05, max_delay=0.1))
    await coordinator.reserve("warm-up", 0)  # connect before "go"
    print("ready", flush=True)
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    assert line.strip() == "go", line

    async def one() -> str:
        stream = await wrapped.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}],
                                                       stream=True)
        return await stream.read()

    texts = await asyncio.gather(*(one() for _ in range(streams)))
    await client.close()
    await coordinator.aclose()
    print(json.dumps({"texts": list(texts), "waits": waits, "degraded": degraded}), flush=True)


if __name__ == "__main__":
    url, prefix, base, model, n = sys.argv[1:6]
    asyncio.run(main(url, prefix, base, model, int(n)))
