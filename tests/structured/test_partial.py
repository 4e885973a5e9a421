"""Partial objects while streaming: PartialParser and structured_stream."""

from __future__ import annotations

import json
import random
from typing import Any, Optional

import pytest
from structured_helpers import Outputs, token_stream
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field, field_validator, model_validator
from structured_corpus import CLEAN_DOCS, ORDERS, PRODUCT, Order, Product

import l0._structured._partial as partial_mod
from l0._structured import PartialParser, TruncatedOutputError, structured_stream
from l0._structured._schema import make_handle


def _chunks(text: str, rng: random.Random, lo: int = 1, hi: int = 7) -> list[str]:
    out, i = [], 0
    while i < len(text):
        k = rng.randint(lo, hi)
        out.append(text[i : i + k])
        i += k
    return out


def _run(schema: Any, chunks: list[str]) -> tuple[PartialParser, list[Any]]:
    snaps: list[Any] = []
    p = PartialParser(make_handle(schema), lambda s: snaps.append(_freeze(s)))
    for c in chunks:
        p.feed(c)
    return p, snaps


def _freeze(snapshot: Any) -> Any:
    """A deep copy as plain data, so later in-place growth does not change it."""
    if isinstance(snapshot, BaseModel):
        return snapshot.model_dump(exclude_unset=True)
    return json.loads(json.dumps(snapshot, default=lambda m: m.model_dump()))


@pytest.mark.parametrize("seed", range(4))
def test_model_snapshots_grow_field_by_field(twin, seed):
    doc = CLEAN_DOCS["product"]
    p, snaps = _run(Product, _chunks(doc, random.Random(seed)))
    assert not p.active
    final = Product.model_validate_json(doc).model_dump(exclude_unset=True)
    assert snaps[-1] == final
    # fields appear in document order, and a field once present never changes value,
    # except list fields and nested models, which grow item by item / field by field
    order = list(PRODUCT)
    for before, after in zip(snaps, snaps[1:]):
        assert set(before) <= set(after)
        for key, value in before.items():
            if isinstance(value, list):
                assert after[key][: len(value)] == value
            elif isinstance(value, dict):
                assert {k: after[key][k] for k in value} == value
            else:
                assert after[key] == value
    assert {"w": 1.25} in [s.get("dims") for s in snaps]
    firsts = [next(k for k in s if k not in prev) for prev, s in zip([{}] + snaps, snaps) if set(s) - set(prev)]
    assert firsts == [k for k in order if k in firsts]


def test_every_single_char_split(twin):
    doc = CLEAN_DOCS["product_compact"]
    p, snaps = _run(Product, list(doc))
    assert snaps[-1] == Product.model_validate_json(doc).model_dump(exclude_unset=True)
    assert p.updates == len(snaps)


def test_list_field_items_stream_one_by_one(twin):
    class Recipe(BaseModel):
        title: str
        steps: list[str]

    doc = '{"title": "Tea", "steps": ["boil, then wait", "pour ]", "steep"], "x": 1}'
    _, snaps = _run(Recipe, list(doc))
    steps = [s.get("steps") for s in snaps]
    assert steps == [None, ["boil, then wait"], ["boil, then wait", "pour ]"],
                     ["boil, then wait", "pour ]", "steep"], ["boil, then wait", "pour ]", "steep"]]


def test_top_level_array_items(twin):
    doc = "Here:\n```json\n" + CLEAN_DOCS["orders"] + "\n```"
    p, snaps = _run(list[Order], _chunks(doc, random.Random(1)))
    assert [len(s) for s in snaps] == [1, 2, 3]
    assert snaps[-1] == [Order.model_validate(o).model_dump() for o in ORDERS]


def test_dict_and_json_schema_snapshots(twin):
    _, snaps = _run(dict[str, int], list('{"a": 1, "b": 2}'))
    assert snaps == [{"a": 1}, {"a": 1, "b": 2}]
    schema = {"type": "object", "properties": {"n": {"type": "integer"}, "xs": {"type": "array",
              "items": {"type": "string"}}}}
    _, snaps = _run(schema, list('{"n": 3, "xs": ["p", "q"]}'))
    assert snaps == [{"n": 3}, {"n": 3, "xs": ["p"]}, {"n": 3, "xs": ["p", "q"]}, {"n": 3, "xs": ["p", "q"]}]


def test_invalid_values_are_left_out_and_validators_see_complete_values(twin):
    seen: list[str] = []

    class M(BaseModel):
        name: str = Field(min_length=3)
        code: str = ""

        @field_validator("code")
        @classmethod
        def record(cls, v: str) -> str:
            seen.append(v)
            return v.upper()

        @model_validator(mode="after")
        def whole(self) -> M:
            raise AssertionError("model validators never see partial objects")

    doc = '{"name": "ab", "code": "xyz-123", "other": 1}'
    p, snaps = _run(M, list(doc))
    assert seen == ["xyz-123"]
    assert snaps == [{"code": "XYZ-123"}]
    assert len(p.errors) == 1


def test_syntax_error_stops_partial_parsing(twin):
    p, snaps = _run(Product, list("{\"id\": 1, 'name': 'x', \"stock\": 2}"))
    assert snaps == [{"id": 1}]
    assert not p.active


def test_preamble_and_trailing_text_are_ignored(twin):
    p, snaps = _run(Product, list('Sure, {"id": 1} and later {"id": 2}'))
    assert snaps == [{"id": 1}]
    assert not p.active


def test_each_value_is_parsed_once(twin, monkeypatch):
    """O(delta) per token: the parser reads only completed values, never the whole buffer."""
    parsed: list[int] = []
    real = partial_mod._loads
    monkeypatch.setattr(partial_mod, "_loads", lambda t: (parsed.append(len(t)), real(t))[1])
    items = [{"id": i, "tags": ["x" * (i % 7)], "note": "n" * 20} for i in range(300)]
    doc = json.dumps({"title": "t", "items": items})

    class Doc(BaseModel):
        title: str
        items: list[dict[str, Any]]

    p, _ = _run(Doc, _chunks(doc, random.Random(3)))
    # every item once, then the finished "items" member once: about twice the text, never quadratic
    assert sum(parsed) <= 2 * len(doc) + 64
    assert p.updates == 1 + 300 + 1


@settings(max_examples=60, deadline=None)
@given(
    value=st.dictionaries(
        st.text(min_size=1, max_size=6),
        st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                     lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=4), c, max_size=3),
                     max_leaves=10),
        max_size=6,
    ),
    seed=st.integers(0, 1000),
    indent=st.sampled_from([None, 2]),
)
@example(value={"0": -9223372036854775809}, seed=0, indent=None)  # beyond 64 bits: orjson would give a float
def test_final_snapshot_equals_the_document(value, seed, indent):
    doc = json.dumps(value, indent=indent)
    _, snaps = _run(dict[str, Any], _chunks(doc, random.Random(seed)))
    if value:
        assert snaps[-1] == value
    else:
        assert snaps == []


# --- structured_stream ------------------------------------------------------------------------

class Article(BaseModel):
    """Streamed model."""

    title: str
    tags: list[str]
    words: Optional[int] = None


ARTICLE = '```json\n{"title": "On streams", "tags": ["json", "llm", "state"], "words": 1200}\n```'


async def test_structured_stream_events_partials_and_validate():
    snaps: list[Any] = []
    events, result = await structured_stream(Article, Outputs(ARTICLE, chunk=3), on_partial=lambda s: snaps.append(
        s.model_dump(exclude_unset=True)))
    tokens = []
    async for ev in events:
        if ev.is_token:
            tokens.append(ev.text)
            assert result.partial is None or isinstance(result.partial, BaseModel)
    assert "".join(tokens) == ARTICLE
    assert snaps[0] == {"title": "On streams"}
    assert snaps[-1] == {"title": "On streams", "tags": ["json", "llm", "state"], "words": 1200}
    final = await result.validate()
    assert final.data == Article(title="On streams", tags=["json", "llm", "state"], words=1200)
    assert final.corrected and "strip_markdown_fence" in final.corrections
    assert await result.validate() is final


async def test_partials_iterator():
    _, result = await structured_stream(Article, Outputs(ARTICLE, chunk=2))
    seen = [s.model_dump(exclude_unset=True) async for s in result.partials()]
    assert [len(s.get("tags") or []) for s in seen] == [0, 1, 2, 3, 3, 3]
    assert (await result.validate()).data.words == 1200


async def test_validate_drains_an_unconsumed_stream():
    _, result = await structured_stream(Article, Outputs(ARTICLE))
    final = await result.validate()
    assert final.data.title == "On streams"
    assert result.partial is not None


async def test_stream_validation_failure_and_truncation():
    _, result = await structured_stream(Article, Outputs('{"title": 5}'))
    with pytest.raises(ValueError, match="Schema validation failed"):
        await result.validate()
    _, result = await structured_stream(Article, Outputs('{"title": "x", "ta', finish="length"))
    with pytest.raises(TruncatedOutputError):
        await result.validate()
    assert result.truncated
    _, result = await structured_stream(Article, Outputs('{"title": "x", "tags": ["a', finish="length"))
    final = await result.validate()
    assert final.truncated and final.data.tags == ["a"]


async def test_stream_raw_iterator_and_failing_partial_callback():
    def boom(_):
        raise RuntimeError("ui bug")

    events, result = await structured_stream(Article, token_stream(ARTICLE), on_partial=boom)
    async for _ in events:
        pass
    assert (await result.validate()).data.tags == ["json", "llm", "state"]


async def test_stream_abort():
    events, result = await structured_stream(Article, Outputs(ARTICLE, chunk=1))
    n = 0
    async for _ in events:
        n += 1
        if n == 3:
            result.abort()
    assert result.is_aborted
    assert n < len(ARTICLE)


async def test_runtime_retry_mid_stream_rebuilds_partial_state(monkeypatch):
    import l0.runtime._runner

    async def no_wait(_delay):
        return None

    monkeypatch.setattr(l0.runtime._runner, "sleep", no_wait)
    calls = 0

    def flaky():
        nonlocal calls
        calls += 1
        first = calls == 1

        async def gen():
            if first:
                async for ev in token_stream('{"title": "Draft", "tags": ["x", "y"', chunk=4, finish=None):
                    if ev.is_complete:
                        raise ConnectionResetError("connection reset by peer")
                    yield ev
            else:
                async for ev in token_stream(ARTICLE, chunk=4):
                    yield ev

        return gen()

    snaps: list[Any] = []
    events, result = await structured_stream(Article, flaky, on_partial=lambda s: snaps.append(
        s.model_dump(exclude_unset=True)))
    async for _ in events:
        pass
    assert calls == 2
    assert {"title": "Draft"} in snaps
    assert snaps[-1] == {"title": "On streams", "tags": ["json", "llm", "state"], "words": 1200}
    assert result.partial.title == "On streams"
    assert (await result.validate()).data.words == 1200


def test_partial_model_of_frozen_model_with_default_factory(twin):
    from pydantic import ConfigDict

    class Frozen(BaseModel):
        model_config = ConfigDict(frozen=True, extra="forbid")
        xs: list[int] = Field(default_factory=list)
        name: str = Field(default="n", min_length=1)

    _, snaps = _run(Frozen, list('{"xs": [1, 2], "name": ""}'))
    assert snaps == [{"xs": [1]}, {"xs": [1, 2]}, {"xs": [1, 2]}]


def test_schema_without_partial_form_disables_partials(twin, monkeypatch):
    handle = make_handle(Product)

    def broken():
        raise TypeError("no partial form")

    monkeypatch.setattr(handle, "new_snapshot", broken)
    p = PartialParser(handle)
    p.feed('{"id": 1, ')
    assert not p.active and p.updates == 0 and isinstance(p.errors[0], TypeError)


def test_list_field_validator_sees_the_complete_list(twin):
    seen: list[list[int]] = []

    class Totals(BaseModel):
        plain: list[int]
        checked: list[int]
        bounded: list[int] = Field(max_length=2)

        @field_validator("checked")
        @classmethod
        def record(cls, v: list[int]) -> list[int]:
            seen.append(list(v))
            return v

    p, snaps = _run(Totals, list('{"plain": [1, 2], "checked": [3, 4, 5], "bounded": [6, 7, 8]}'))
    assert seen == [[3, 4, 5]]
    # "bounded" streams its items, but the complete list breaks max_length: it is left out at the end
    assert snaps[-2] == {"plain": [1, 2], "checked": [3, 4, 5], "bounded": [6, 7, 8]}
    assert snaps[-1] == {"plain": [1, 2], "checked": [3, 4, 5]}
    assert len(p.errors) == 1


def test_nested_model_fields_stream(twin):
    seen: list[str] = []

    class Address(BaseModel):
        city: str
        zip: str = Field(pattern=r"^[0-9]+$")

        @model_validator(mode="after")
        def whole(self) -> Address:
            seen.append(self.city)
            return self

    class Person(BaseModel):
        name: str
        address: Optional[Address] = None
        note: str = ""

    doc = '{"name": "Ada", "address": {"city": "London", "zip": "x1", "extra": {"a": [1]}}, "note": "n"}'
    p, snaps = _run(Person, list(doc))
    assert snaps[:2] == [{"name": "Ada"}, {"name": "Ada", "address": {"city": "London"}}]
    # the invalid zip is never shown; the complete address fails validation and is removed
    assert snaps[-2] == {"name": "Ada"}
    assert snaps[-1] == {"name": "Ada", "note": "n"}
    assert seen == []  # the nested model validator never saw a partial address
    assert len(p.errors) == 2

    p, snaps = _run(Person, list(doc.replace("x1", "12")))
    assert snaps[-1] == {"name": "Ada", "address": {"city": "London", "zip": "12"}, "note": "n"}
    assert seen == ["London"] and isinstance(p.snapshot.address, Address)


def test_nested_json_schema_object_streams(twin):
    schema = {"type": "object", "properties": {"cfg": {"type": "object", "properties": {
        "a": {"type": "integer"}, "b": {"type": "string"}}}}}
    _, snaps = _run(schema, list('{"cfg": {"a": 1, "b": "x"}}'))
    assert snaps == [{"cfg": {"a": 1}}, {"cfg": {"a": 1, "b": "x"}}, {"cfg": {"a": 1, "b": "x"}}]


def test_streamed_list_with_an_invalid_item_is_removed_at_the_end(twin):
    class L(BaseModel):
        xs: list[int]
        ys: list[int] = []

    p, snaps = _run(L, list('{"xs": [1, "a", 3], "ys": []}'))
    assert snaps == [{"xs": [1]}, {"xs": [1, 3]}, {}, {"ys": []}]
    assert len(p.errors) == 1
    # memory: only the text of the current item is kept while a list streams
    p2 = PartialParser(make_handle(L))
    p2.feed('{"xs": [')
    for i in range(1000):
        p2.feed(f"{i}, ")
    assert len(p2._pieces) < 10 and len(p2.snapshot.xs) == 1000
