"""End to end: ``consensus`` over three "models" of the fault server, through the real openai SDK."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydantic import BaseModel

import l0
from l0.events import ObservabilityEventType as E
from l0.testing import FaultServer, Scenario, numbered_text

pytestmark = pytest.mark.e2e

USER = [{"role": "user", "content": "Count from one, one word per token."}]


def wrapped(openai_client: Any) -> Any:
    """The real SDK client wrapped by l0 with a tiny backoff."""
    return l0.wrap(openai_client, retry=l0.Retry(attempts=3, max_retries=4, base_delay=0.01, max_delay=0.05))


def ask(client: Any, model: str) -> Any:
    """A consensus task: one streaming chat completion of ``model``."""
    return lambda: client.chat.completions.create(model=model, messages=USER, stream=True)


async def test_consensus_over_three_models(server: FaultServer, openai_client: Any) -> None:
    client = wrapped(openai_client)
    models = ["clean:words=30,id=a", "cut:after=12,words=30,id=b", "clean:words=6,id=c"]
    events: list[Any] = []
    r = await l0.consensus([ask(client, m) for m in models], on_event=events.append)
    assert r.consensus == numbered_text(30) and r.status == "success"
    assert r.confidence == pytest.approx(2 / 3)
    assert r.agreements[0].indices == [0, 1]
    assert [v.indices for v in r.disagreements[0].values] == [[2]]
    # Telemetry comes from the three l0 streams: the cut model was retried once.
    assert [o.token_count for o in r.outputs] == [30, 30, 6]
    assert r.outputs[1].retries == 1 and r.outputs[0].retries == 0
    t = r.telemetry
    assert t is not None and (t.streams, t.total_tokens, t.total_retries) == (3, 66, 1)
    assert t.avg_time_to_first_token > 0 and t.avg_tokens_per_second > 0
    assert sorted(rec.model for rec in server.requests) == sorted([*models, models[1]])
    assert [e.type for e in events].count(E.CONSENSUS_OUTPUT_COLLECTED) == 3


async def test_a_model_that_always_fails_is_a_failed_output(server: FaultServer, openai_client: Any) -> None:
    client = wrapped(openai_client)
    models = ["clean:id=a", "clean:id=b", "unavailable:times=all,id=c"]
    r = await l0.consensus([ask(client, m) for m in models], strategy="unanimous")
    assert r.status == "partial" and r.consensus == numbered_text(30)
    assert r.outputs[2].success is False and r.analysis.failed_outputs == 1


async def test_structured_consensus_with_a_schema(server: FaultServer, openai_client: Any) -> None:
    class City(BaseModel):
        city: str
        country: str

    paris = '{"city": "Paris", "country": "France"}'
    lyon = '{"city": "Lyon", "country": "France"}'
    server.push(Scenario(answer=paris), Scenario(answer=paris), Scenario(answer=lyon))
    client = wrapped(openai_client)
    # Requests take the queued answers in arrival order; any order gives two Paris and one Lyon.
    r = await l0.consensus([ask(client, "m") for _ in range(3)], schema=City, threshold=0.95)
    assert r.type == "structured" and r.consensus == City(city="Paris", country="France")
    fc = r.field_consensus
    assert fc is not None and fc.agreed_fields == ["country"] and fc.fields["city"].value == "Paris"
    assert sorted(o.value.city for o in r.outputs) == ["Lyon", "Paris", "Paris"]


async def test_cancelling_consensus_closes_every_stream(server: FaultServer, openai_client: Any) -> None:
    client = wrapped(openai_client)
    models = ["clean:id=a", "clean:id=b", "stall:after=3,stall=30,id=c"]
    ended = asyncio.Event()
    finished: list[int] = []

    def on_event(event: Any) -> None:
        if event.type is E.CONSENSUS_STREAM_END:
            finished.append(event.meta["stream_index"])
            if len(finished) == 2:
                ended.set()

    before = set(asyncio.all_tasks())
    job = asyncio.ensure_future(l0.consensus([ask(client, m) for m in models], on_event=on_event))
    await asyncio.wait_for(ended.wait(), 10)
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(job, 5)  # well within the 30 s stall: the stalled stream was not waited for
    assert sorted(finished) == [0, 1]
    leftover = {t for t in asyncio.all_tasks() - before
                if type(t.get_coro()).__name__ != "async_generator_athrow"}
    assert leftover == set()
