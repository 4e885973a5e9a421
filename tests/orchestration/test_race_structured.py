"""``race`` over structured streams: useful at the first complete, validated field."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import BaseModel

import l0
from l0.parallel import race


class Person(BaseModel):
    name: str
    age: int


VALID = ('{"name": ', '"Ada"', ', "age": ', "36}")
INVALID = ('{"name": ', "42", ', "age": ', '"old"}')  # every field fails validation


def structured(source, schema=Person):
    return lambda: l0.structured_stream(schema, source)


async def test_fast_invalid_loses_to_slower_valid(leaks, h):
    """The invalid candidate streams everything first, yet the valid one wins."""
    gate = asyncio.Event()
    fast_bad = h.Source(INVALID)
    slow_good = h.Source(VALID, before_first=gate)
    errors = []

    def on_error(exc, i):
        errors.append((type(exc).__name__, i))
        gate.set()  # the valid candidate sends its tokens only after the invalid one failed

    result = await race([structured(fast_bad), structured(slow_good)], on_error=on_error)
    assert result.winner_index == 1
    assert isinstance(result.value, l0.StructuredStreamResult)
    data = (await result.value.validate()).data
    assert (data.name, data.age) == ("Ada", 36)
    assert errors == [("ValueError", 0)]
    assert fast_bad.closed == slow_good.closed == 1
    await leaks.assert_clean()


async def test_first_valid_field_wins_not_first_token(leaks, h):
    """Candidate 0 sends tokens first but its first field is still open; candidate 1 completes a field first."""
    hold0 = asyncio.Event()
    hold1 = asyncio.Event()
    first = h.Source(('{"name": "Gr', 'ace", "age": 85}'), after_first=hold0)   # token first, no field yet
    second = h.Source(('{"name": "Ada",', ' "age": 36}'), before_first=hold1)

    async def drive():
        await first.first_sent.wait()   # candidate 0 has a token but no complete field
        hold1.set()                     # candidate 1's first token completes "name"

    driver = asyncio.ensure_future(drive())
    result = await race([structured(first), structured(second)])
    await driver
    assert result.winner_index == 1
    assert (await result.value.validate()).data == Person(name="Ada", age=36)
    assert first.closed == 1 and not hold0.is_set()  # cancelled while blocked after its first token
    await leaks.assert_clean()


async def test_winner_is_read_to_its_end_and_losers_cancelled(leaks, h):
    loser = h.stalled()
    winner = h.Source(VALID)
    result = await race([structured(loser), structured(winner)])
    assert result.winner_index == 1
    validated = await result.value.validate()
    assert validated.data == Person(name="Ada", age=36)
    assert result.value.state.content == "".join(VALID)
    assert loser.opened == loser.closed == 1 and winner.closed == 1
    telemetry = result.aggregated_telemetry
    assert telemetry is not None and telemetry.stream_count == 2 and telemetry.total_tokens == len(VALID)
    await leaks.assert_clean()


async def test_bare_result_and_structured_vs_plain_stream(leaks, h):
    """A task may return the StructuredStreamResult alone; it races plain l0 streams too."""
    gate = asyncio.Event()

    async def bare():
        _, res = await l0.structured_stream(Person, h.Source(VALID))
        return res

    plain = h.Source(("x",), before_first=gate)
    result = await race([{"stream": plain}, bare])
    assert result.winner_index == 1
    assert (await result.value.validate()).data.age == 36
    assert plain.closed == 1
    await leaks.assert_clean()


async def test_no_field_but_valid_whole_wins_only_as_fallback(leaks, h):
    """``{}`` for a model with defaults has no field; it wins only when nothing better comes."""

    class Opt(BaseModel):
        note: str = "none"

    alone = await race([structured(h.Source(("{", "}")), Opt)])
    assert alone.winner_index == 0 and (await alone.value.validate()).data.note == "none"

    gate = asyncio.Event()
    empty = h.Source(("{", "}"))
    better = h.Source(('{"note": "hi"}',), before_first=gate)

    async def drive():
        await empty.first_sent.wait()
        for _ in range(5):
            await asyncio.sleep(0)
        gate.set()

    driver = asyncio.ensure_future(drive())
    result = await race([structured(empty, Opt), structured(better, Opt)])
    await driver
    assert result.winner_index == 1
    assert (await result.value.validate()).data.note == "hi"
    await leaks.assert_clean()


async def test_failing_candidates(leaks, h):
    errors = []

    async def broken():
        raise ConnectionError("boom")

    result = await race([broken, structured(h.Source(VALID))], on_error=lambda e, i: errors.append((str(e), i)))
    assert result.winner_index == 1
    assert errors == [("boom", 0)]

    with pytest.raises(ValueError, match="Schema validation failed"):
        await race([structured(h.Source(INVALID)), structured(h.Source(("not json",)))])
    await leaks.assert_clean()


async def test_winner_invalid_as_a_whole_raises(leaks, h):
    """Won at a valid first field, the winner is still validated at its end: an invalid whole raises."""
    errors = []
    source = h.Source(('{"name": "Ada",', ' "age": "old"}'))
    with pytest.raises(ValueError, match="Schema validation failed"):
        await race([structured(source), structured(h.stalled())], on_error=lambda e, i: errors.append(i))
    assert errors == [0]
    assert source.closed == 1
    await leaks.assert_clean()


async def test_hedging_with_structured_candidates(leaks, h):
    first = h.Source(VALID)
    second = h.Source(VALID)
    result = await race([structured(first), structured(second)], hedge_after=60_000)
    assert result.winner_index == 0 and second.calls == 0
    assert result.aggregated_telemetry.stream_count == 1

    stall = h.stalled()
    backup = h.Source(VALID)
    hedged = await race([structured(stall), structured(backup)], hedge_after=2)
    assert hedged.winner_index == 1 and stall.closed == 1
    await leaks.assert_clean()


async def test_cancelling_race_cancels_structured_candidates(leaks, h):
    a, b = h.stalled(), h.stalled()
    task = asyncio.ensure_future(race([structured(a), structured(b)]))
    while a.opened + b.opened < 2:
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert a.closed == b.closed == 1
    await leaks.assert_clean()


async def test_array_schema_first_item_wins(leaks, h):
    gate = asyncio.Event()
    slow = h.Source(("[1, 2, 3]",), before_first=gate)
    items = h.Source(("[7,", " 8]"))
    result = await race([structured(slow, list[int]), structured(items, list[int])])
    assert result.winner_index == 1 and (await result.value.validate()).data == [7, 8]
    assert slow.closed == 1
    await leaks.assert_clean()


async def test_json_schema_invalid_first_field_does_not_win(leaks, h):
    """A dict (JSON Schema) candidate whose completed field is invalid has no useful field yet."""
    schema = {"type": "object", "properties": {"n": {"type": "integer"}, "s": {"type": "string"}},
              "required": ["n", "s"]}
    hold0, hold1 = asyncio.Event(), asyncio.Event()
    bad_first = h.Source(('{"n": "x",', ' "s": "a"}'), after_first=hold0)   # "n" complete but invalid
    good = h.Source(('{"n": 1,', ' "s": "b"}'), before_first=hold1)

    async def drive():
        await bad_first.first_sent.wait()   # candidate 0's invalid field has been parsed
        hold1.set()

    driver = asyncio.ensure_future(drive())
    result = await race([structured(bad_first, schema), structured(good, schema)])
    await driver
    assert result.winner_index == 1
    assert (await result.value.validate()).data == {"n": 1, "s": "b"}
    assert bad_first.closed == 1 and not hold0.is_set()
    await leaks.assert_clean()


async def test_tokens_without_a_complete_field_lose_to_plain_token(leaks, h):
    """A structured candidate still inside its first field is not useful; a plain stream's token is."""
    hold = asyncio.Event()
    gate = asyncio.Event()
    slow_field = h.Source(('{"name": "Ad', 'a", "age": 36}'), after_first=hold)
    plain = h.Source(("hello",), before_first=gate)

    async def drive():
        await slow_field.first_sent.wait()
        gate.set()

    driver = asyncio.ensure_future(drive())
    result = await race([structured(slow_field), {"stream": plain}])
    await driver
    assert result.winner_index == 1 and result.value.state.content == "hello"
    assert slow_field.closed == 1
    await leaks.assert_clean()


async def test_invalid_list_field_is_not_a_valid_field(leaks, h):
    """A list field whose items fail leaves a snapshot without fields: not useful."""

    class Tagged(BaseModel):
        tags: list[int]
        name: str

    hold0, hold1 = asyncio.Event(), asyncio.Event()
    bad_list = h.Source(('{"tags": ["x"], ', '"name": "a"}'), after_first=hold0)
    good = h.Source(('{"tags": [1], ', '"name": "b"}'), before_first=hold1)

    async def drive():
        await bad_list.first_sent.wait()
        hold1.set()

    driver = asyncio.ensure_future(drive())
    result = await race([structured(bad_list, Tagged), structured(good, Tagged)])
    await driver
    assert result.winner_index == 1
    assert (await result.value.validate()).data == Tagged(tags=[1], name="b")
    assert bad_list.closed == 1
    await leaks.assert_clean()
