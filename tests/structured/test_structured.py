"""structured(), structured_object(), structured_array() through the real runtime."""

from __future__ import annotations

from typing import Optional

import pytest
from structured_helpers import Outputs, ReAsk, token_stream
from pydantic import BaseModel, Field, ValidationError, field_validator

from l0._structured import (
    MINIMAL_STRUCTURED,
    RECOMMENDED_STRUCTURED,
    STRICT_STRUCTURED,
    AutoCorrectInfo,
    StructuredResult,
    TruncatedOutputError,
    structured,
    structured_array,
    structured_object,
)
from l0.types import Event, EventType, Retry


class User(BaseModel):
    """Test model."""

    name: str
    age: int = Field(ge=0)
    tags: list[str] = []


GOOD = '{"name": "Ada", "age": 36, "tags": ["math"]}'


async def test_valid_output_is_validated():
    r = await structured(User, Outputs(GOOD))
    assert isinstance(r, StructuredResult)
    assert r.data == User(name="Ada", age=36, tags=["math"])
    assert r.raw == GOOD and not r.corrected and r.corrections == []
    assert r.state is not None and r.state.content == GOOD
    assert r.structured_state.validation_failures == 0
    assert not r.truncated


async def test_llm_wrapping_is_corrected_and_reported():
    text = "Sure! Here it is:\n```json\n{'name': 'Ada', 'age': 36, // years\n 'tags': ['math',],}\n```\nEnjoy."
    seen: list[AutoCorrectInfo] = []
    r = await structured(User, Outputs(text), on_auto_correct=seen.append)
    assert r.data.name == "Ada" and r.data.tags == ["math"]
    assert r.corrected
    assert {"fix_quotes", "remove_comments", "remove_trailing_comma"} <= set(r.corrections)
    assert r.structured_state.correction_types == list(dict.fromkeys(r.corrections))
    assert seen and seen[0].original == text and seen[0].corrected == r.raw


async def test_auto_correct_off_fails_on_malformed_output():
    with pytest.raises(ValueError, match="Schema validation failed after all retries") as info:
        await structured(User, Outputs("{'name': 'Ada', 'age': 36}"), auto_correct=False)
    assert isinstance(info.value.__cause__, ValidationError)


async def test_each_retry_calls_the_factory_afresh():
    factory = Outputs('{"name": "Ada", "age": -1}', GOOD)
    failures: list[tuple[int, int]] = []
    retries: list[tuple[int, str]] = []
    r = await structured(
        User, factory, retry=Retry(attempts=3),
        on_validation_error=lambda e, n: failures.append((e.error_count(), n)),
        on_retry=lambda n, reason: retries.append((n, reason)),
    )
    assert factory.calls == 2
    assert r.data.age == 36
    assert failures == [(1, 1)]
    assert retries == [(1, "Validation failed: 1 errors")]
    assert r.structured_state.validation_failures == 1
    assert len(r.structured_state.validation_errors) == 1


async def test_reask_factory_receives_the_validation_error():
    factory = ReAsk('{"name": "Ada"}', GOOD)
    r = await structured(User, factory, retry=Retry(attempts=2))
    assert r.data.age == 36
    first, second = factory.contexts
    assert first.validation_error is None
    assert "age" in second.validation_error and "Field required" in second.validation_error


async def test_raw_iterator_is_not_replayed():
    stream = token_stream('{"name": "Ada"}')
    with pytest.raises(ValueError, match="not retried") as info:
        await structured(User, stream, retry=Retry(attempts=3))
    assert "Schema validation failed after all retries" in str(info.value)


async def test_raw_iterator_single_attempt_succeeds():
    r = await structured(User, token_stream(GOOD))
    assert r.data.name == "Ada"


async def test_fallback_after_primary_attempts():
    primary = Outputs('{"name": 1}')
    fallback = Outputs(GOOD)
    r = await structured(User, primary, fallbacks=[fallback], retry=Retry(attempts=2))
    assert primary.calls == 2 and fallback.calls == 1
    assert r.data.name == "Ada"
    assert r.structured_state.validation_failures == 2


async def test_stream_error_moves_to_the_next_source(monkeypatch):
    import l0.runtime._runner

    async def no_wait(_delay):
        return None

    # the runtime retries the stream error itself first (default Retry): skip its backoff
    monkeypatch.setattr(l0.runtime._runner, "sleep", no_wait)

    def broken():
        async def gen():
            yield Event(type=EventType.TOKEN, text="{")
            raise KeyError("boom")

        return gen()

    r = await structured(User, broken, fallbacks=[Outputs(GOOD)], retry=Retry(attempts=2))
    assert r.data.name == "Ada"
    assert any(isinstance(e, KeyError) for e in r.errors)


async def test_truncated_output_that_repairs_is_flagged():
    class Loose(BaseModel):
        name: str
        tags: list[str] = []

    cut = '{"name": "Ada", "tags": ["math", "log'
    r = await structured(Loose, Outputs(cut, finish="length"))
    assert r.data.tags == ["math", "log"]
    assert r.truncated and r.finish_reason == "length"
    assert {"close_string", "close_bracket", "close_brace"} <= set(r.corrections)


async def test_truncated_output_that_fails_is_reported_as_truncation():
    cut = '{"name": "Ada", "tags": ["math", "log'
    with pytest.raises(TruncatedOutputError, match="truncated") as info:
        await structured(User, Outputs(cut, finish="length"))
    err = info.value
    assert err.finish_reason == "length" and err.content_length == len(cut)
    assert isinstance(err.validation_error, ValidationError)
    assert "Schema validation failed" not in str(err)


async def test_complete_json_with_length_finish_is_a_schema_error():
    with pytest.raises(ValueError, match="Schema validation failed") as info:
        await structured(User, Outputs('{"name": "Ada"}', finish="length"))
    assert not isinstance(info.value, TruncatedOutputError)


async def test_truncation_reask_mentions_the_cut():
    factory = ReAsk('{"name": "Ada", "tags": ["m', GOOD)

    async def cut_then_good(ctx):
        factory.contexts.append(ctx)
        if len(factory.contexts) == 1:
            async for ev in token_stream('{"name": "Ada", "tags": ["m', finish="length"):
                yield ev
        else:
            async for ev in token_stream(GOOD):
                yield ev

    r = await structured(User, cut_then_good, retry=Retry(attempts=2))
    assert r.data.age == 36 and not r.truncated
    assert "cut off" in factory.contexts[1].validation_error


async def test_strict_mode_rejects_unknown_fields():
    with pytest.raises(ValueError, match="extra_forbidden|Extra"):
        await structured(User, Outputs('{"name": "Ada", "age": 1, "x": 2}'), strict_mode=True)
    r = await structured(User, Outputs(GOOD), strict_mode=True)
    assert r.data.name == "Ada"


async def test_json_schema_dict():
    schema = {
        "title": "Person",
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
        "required": ["name", "age"],
    }
    r = await structured(schema, Outputs("```json\n{'name': 'Ada', 'age': 36}\n```"))
    assert r.data == {"name": "Ada", "age": 36}
    with pytest.raises(ValueError, match="Value must be >= 0") as info:
        await structured(schema, Outputs('{"name": "Ada", "age": -4}'))
    line = info.value.__cause__.errors()[0]
    assert line["loc"] == ("age",) and line["type"] == "json_schema"


async def test_wrapped_json_schema():
    from l0.json_schema import (
        SimpleJSONSchemaAdapter,
        register_json_schema_adapter,
        unregister_json_schema_adapter,
        wrap_json_schema,
    )

    register_json_schema_adapter(SimpleJSONSchemaAdapter())
    try:
        unified = wrap_json_schema({"type": "array", "items": {"type": "integer"}})
        r = await structured(unified, Outputs("[1, 2, 3"))
        assert r.data == [1, 2, 3]
        with pytest.raises(ValueError, match="Expected integer"):
            await structured(unified, Outputs('[1, "x"]'))
    finally:
        unregister_json_schema_adapter()


async def test_typeadapter_schema():
    r = await structured(list[User], Outputs(f"[{GOOD}, {GOOD}"))
    assert [u.name for u in r.data] == ["Ada", "Ada"]


async def test_structured_object():
    r = await structured_object({"name": str, "age": (int, 0)}, Outputs('{"name": "Ada"}'))
    assert r.data.name == "Ada" and r.data.age == 0
    assert type(r.data).__name__ == "DynamicObject"
    with pytest.raises(TypeError, match="shape must be a non-empty dict"):
        await structured_object({}, Outputs("{}"))


async def test_structured_array():
    r = await structured_array(User, Outputs(f"Here you go: [{GOOD}, {GOOD},]"))
    assert len(r.data) == 2 and r.corrected
    with pytest.raises(ValueError, match="Array validation failed after all retries") as info:
        await structured_array(User, Outputs(f'[{GOOD}, {{"name": "Bo", "age": -1}}]'))
    assert info.value.__cause__.errors()[0]["loc"][:2] == (1, "age")
    with pytest.raises(ValueError, match="list_type|array"):
        await structured_array(User, Outputs(GOOD))


async def test_structured_array_strict_items():
    with pytest.raises(ValueError):
        await structured_array(User, Outputs('[{"name": "Ada", "age": "36"}]'), strict_mode=True)
    r = await structured_array(User, Outputs('[{"name": "Ada", "age": "36"}]'))
    assert r.data[0].age == 36


async def test_zero_tokens_detected():
    with pytest.raises(ValueError, match="Zero-token output detected"):
        await structured(User, Outputs("   "), detect_zero_tokens=True)


async def test_monitoring_telemetry():
    r = await structured(User, Outputs('{"name": 1}', GOOD), retry=Retry(attempts=2), monitoring=True)
    t = r.telemetry
    assert t.schema_name == "User" and t.validation_attempts == 2 and t.validation_failures == 1
    assert t.validation_success and t.validation_time_ms is not None
    assert (await structured(User, Outputs(GOOD))).telemetry is None


async def test_structured_events():
    events = []
    await structured(User, Outputs("{'name': 'Ada', 'age': 1}"), on_event=events.append)
    types = [e.type.value for e in events]
    ours = [t for t in types if t in ("PARSE_START", "AUTO_CORRECT_START", "AUTO_CORRECT_END",
                                     "SCHEMA_VALIDATION_START", "SCHEMA_VALIDATION_END", "PARSE_END")]
    assert ours == ["PARSE_START", "AUTO_CORRECT_START", "AUTO_CORRECT_END",
                    "SCHEMA_VALIDATION_START", "SCHEMA_VALIDATION_END", "PARSE_END"]
    by_type = {e.type.value: e.meta for e in events}
    assert by_type["AUTO_CORRECT_END"] == {"corrected": True, "corrections": ["fix_quotes"]}
    assert by_type["SCHEMA_VALIDATION_START"] == {"schema_type": "pydantic", "schema_name": "User"}
    assert by_type["SCHEMA_VALIDATION_END"]["valid"] is True


async def test_failing_callbacks_do_not_break_structured():
    def bad(*_):
        raise RuntimeError("callback bug")

    r = await structured(User, Outputs("{'name': 1}", GOOD), retry=Retry(attempts=2),
                         on_validation_error=bad, on_retry=bad, on_auto_correct=bad)
    assert r.data.name == "Ada"


async def test_field_validators_run_on_the_final_object():
    class Shout(BaseModel):
        word: str

        @field_validator("word")
        @classmethod
        def upper(cls, v: str) -> str:
            return v.upper()

    r = await structured(Shout, Outputs('{"word": "hi"}'))
    assert r.data.word == "HI"


async def test_bad_arguments():
    with pytest.raises(TypeError, match="stream must be a stream factory"):
        await structured(User, 42)
    with pytest.raises(TypeError, match="schema must be"):
        await structured({"foo": 1}, Outputs(GOOD))
    with pytest.raises(TypeError, match="fallbacks must be a list"):
        await structured(User, Outputs(GOOD), fallbacks=Outputs(GOOD))


def test_presets():
    assert (MINIMAL_STRUCTURED.auto_correct, MINIMAL_STRUCTURED.attempts) == (False, 1)
    assert (RECOMMENDED_STRUCTURED.auto_correct, RECOMMENDED_STRUCTURED.attempts) == (True, 2)
    assert (STRICT_STRUCTURED.strict_mode, STRICT_STRUCTURED.attempts) == (True, 3)


def test_result_abort():
    r = StructuredResult(data=None, raw="")
    assert not r.is_aborted
    r.abort()
    assert r.is_aborted


async def test_optional_nested_model():
    class Inner(BaseModel):
        x: int

    class Outer(BaseModel):
        inner: Optional[Inner] = None
        items: list[Inner] = []

    r = await structured(Outer, Outputs('{"inner": {"x": 1}, "items": [{"x": 2}, {"x": 3'))
    assert r.data.items[-1].x == 3


async def test_every_source_kind():
    async def coroutine_factory():
        return token_stream(GOOD)

    async def strings():
        yield GOOD[:10]
        yield GOOD[10:]

    for source in (coroutine_factory, coroutine_factory(), strings, strings(), token_stream(GOOD)):
        r = await structured(User, source)
        assert r.data.name == "Ada", source


def test_structured_output_alias():
    from l0._structured import structured_output

    assert structured_output is structured


async def test_reask_error_is_kept_per_source():
    primary = ReAsk('{"name": 1}')
    fallback = ReAsk('{"name": 2}', GOOD)
    r = await structured(User, primary, fallbacks=[fallback], retry=Retry(attempts=2))
    assert r.data.name == "Ada"
    assert [c.validation_error is None for c in primary.contexts] == [True, False]
    assert [c.validation_error is None for c in fallback.contexts] == [True, False]
