"""structured() end to end: the real openai SDK against the local fault server."""

from __future__ import annotations

from typing import Any

import pytest
from openai import AsyncOpenAI
from pydantic import BaseModel

from l0._structured import TruncatedOutputError, structured, structured_stream
from l0.testing import FaultServer
from l0.types import Retry

ANSWER = '```json\n{"name": "Ada Lovelace", "born": 1815, "fields": ["mathematics", "computing", "poetry"]}\n```'


class Person(BaseModel):
    """What the fake model answers."""

    name: str
    born: int
    fields: list[str]


def _factory(client: AsyncOpenAI, model: str, seen: list[Any]):
    def factory(ctx):
        seen.append(ctx)
        messages = [{"role": "user", "content": "Who was Ada Lovelace? JSON please."}]
        if ctx.validation_error:
            messages.append({"role": "user", "content": f"Your last answer was wrong: {ctx.validation_error}"})
        return client.chat.completions.create(model=model, messages=messages, stream=True)

    return factory


async def test_structured_over_openai_sdk():
    async with FaultServer(answer=ANSWER) as server:
        client = AsyncOpenAI(base_url=server.base_url, api_key="test", max_retries=0)
        seen: list[Any] = []
        r = await structured(Person, _factory(client, "gpt-4o-mini", seen))
    assert r.data == Person(name="Ada Lovelace", born=1815, fields=["mathematics", "computing", "poetry"])
    assert r.corrections == ["strip_markdown_fence"] and not r.truncated
    assert r.finish_reason == "stop"


async def test_length_cut_is_a_truncation_then_reask_recovers():
    async with FaultServer(answer=ANSWER) as server:
        client = AsyncOpenAI(base_url=server.base_url, api_key="test", max_retries=0)
        seen: list[Any] = []
        with pytest.raises(TruncatedOutputError) as info:
            await structured(Person, _factory(client, "length:after=4", seen))
        assert info.value.finish_reason == "length"

        server.reset()
        seen.clear()
        r = await structured(Person, _factory(client, "length:after=4", seen), retry=Retry(attempts=2))
        assert r.data.born == 1815 and not r.truncated
        assert seen[0].validation_error is None
        assert seen[1].validation_error.startswith("The previous output was cut off")
        assert [req.faulted for req in server.requests] == [True, False]


async def test_partials_over_openai_sdk():
    async with FaultServer(answer=ANSWER) as server:
        client = AsyncOpenAI(base_url=server.base_url, api_key="test", max_retries=0)
        _, result = await structured_stream(Person, _factory(client, "gpt-4o-mini", []))
        names = []
        async for snapshot in result.partials():
            names.append(sorted(snapshot.model_fields_set))
        final = await result.validate()
    assert names[0] == ["name"] and names[-1] == ["born", "fields", "name"]
    assert final.data.fields[-1] == "poetry"
