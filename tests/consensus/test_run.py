"""``consensus()``: strategies, conflict resolution, options, errors, events, schema, telemetry."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

import l0
from l0 import Event, EventType
from l0.consensus import Consensus, ConsensusResult, consensus
from l0.events import ObservabilityEventType as E


def const(value: Any) -> Any:
    """A task returning ``value``."""

    async def task() -> Any:
        return value

    return task


def failing(message: str = "boom") -> Any:
    """A task raising ``RuntimeError(message)``."""

    async def task() -> Any:
        raise RuntimeError(message)

    return task


def tokens(*texts: str) -> Any:
    """A stream factory yielding ``texts`` as TOKEN events, then COMPLETE."""

    def factory() -> AsyncIterator[Event]:
        async def source() -> AsyncIterator[Event]:
            for t in texts:
                yield Event(type=EventType.TOKEN, text=t)
            yield Event(type=EventType.COMPLETE)

        return source()

    return factory


def new_tasks(before: set[asyncio.Task[Any]]) -> set[asyncio.Task[Any]]:
    """Tasks started since ``before`` that are still pending, except the loop's own finalizers of
    async generators abandoned by earlier tests (``aclose()`` of an async generator)."""
    return {t for t in asyncio.all_tasks() - before if type(t.get_coro()).__name__ != "async_generator_athrow"}


class Person(BaseModel):
    name: str
    age: int


# -- errors --------------------------------------------------------------------------------


async def test_empty_list_raises_runtime_error() -> None:
    with pytest.raises(RuntimeError, match=r"^No tasks provided$"):
        await consensus([])


async def test_one_task_raises_runtime_error() -> None:
    with pytest.raises(RuntimeError, match=r"^At least 2 tasks required for consensus$"):
        await consensus([const(1)])


async def test_weights_of_the_wrong_length() -> None:
    with pytest.raises(ValueError, match=r"^Weights must match number of tasks"):
        await consensus([const(1), const(1)], weights=[1.0])


async def test_all_tasks_failing() -> None:
    events: list[Any] = []
    with pytest.raises(ValueError, match=r"^All tasks failed, no consensus possible$"):
        await consensus([failing(), failing()], on_event=events.append)
    assert events[-1].type is E.CONSENSUS_END and events[-1].meta["status"] == "failed"


async def test_unknown_strategy_raises_before_any_task_runs() -> None:
    ran = []

    async def task() -> str:
        ran.append(1)
        return "x"

    with pytest.raises(ValueError, match=r"^Unknown strategy: nope"):
        await consensus([task, task], strategy="nope")
    assert ran == []


@pytest.mark.parametrize(
    ("kwargs", "exc", "pattern"),
    [
        ({"resolve_conflicts": "nope"}, ValueError, "resolve_conflicts must be one of"),
        ({"threshold": 1.5}, ValueError, "threshold must be a number between 0 and 1"),
        ({"threshold": "high"}, ValueError, "threshold must be a number between 0 and 1"),
        ({"minimum_agreement": -0.1}, ValueError, "minimum_agreement must be a number between 0 and 1"),
        ({"weights": [1, -1]}, ValueError, r"weights\[1\] must be a finite number >= 0"),
        ({"weights": [1, float("nan")]}, ValueError, r"weights\[1\] must be a finite number >= 0"),
        ({"weights": [1, "x"]}, ValueError, r"weights\[1\] must be a finite number >= 0"),
        ({"schema": dict}, TypeError, "schema must be a pydantic BaseModel subclass"),
        ({"on_event": 3}, TypeError, "on_event must be callable"),
    ],
)
async def test_bad_options_name_the_parameter(kwargs: dict[str, Any], exc: type, pattern: str) -> None:
    with pytest.raises(exc, match=pattern):
        await consensus([const(1), const(1)], **kwargs)


async def test_non_callable_task_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"tasks\[1\] must be a zero-argument callable"):
        await consensus([const(1), 2])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="tasks must be a list of callables"):
        await consensus("ab")  # type: ignore[arg-type]


# -- strategies ----------------------------------------------------------------------------


async def test_majority_picks_the_largest_group_and_reports_the_rest() -> None:
    r = await consensus([const("Paris"), const("Paris"), const("London"), failing()])
    assert (r.consensus, r.status, r.type) == ("Paris", "success", "text")
    assert r.confidence == pytest.approx(2 / 3)
    assert [(a.content, a.count, a.indices, a.type) for a in r.agreements] == [("Paris", 2, [0, 1], "exact")]
    assert len(r.disagreements) == 1
    d = r.disagreements[0]
    assert [(v.value, v.count, v.indices) for v in d.values] == [("London", 1, [2])]
    assert d.severity == "moderate"
    a = r.analysis
    assert (a.total_outputs, a.successful_outputs, a.failed_outputs, a.identical_outputs) == (4, 3, 1, 2)
    assert (a.total_agreements, a.total_disagreements, a.strategy, a.conflict_resolution) == (1, 1, "majority", "vote")
    assert len(a.similarity_matrix) == 3 and a.max_similarity == 1.0
    assert r.outputs[3].success is False and r.outputs[3].error == "boom" and r.outputs[3].value is None
    assert [o.similarities for o in r.outputs] == [*a.similarity_matrix, None]


async def test_majority_groups_similar_texts() -> None:
    r = await consensus([const("The answer is 42."), const("The answer is 42"), const("Bananas")])
    assert r.consensus == "The answer is 42."
    assert r.agreements[0].type == "similar" and r.agreements[0].indices == [0, 1]


async def test_majority_below_minimum_agreement_votes_with_partial_status() -> None:
    r = await consensus([const("apple"), const("banana"), const("cherry")])
    assert (r.consensus, r.status, r.agreements, r.disagreements) == ("apple", "partial", [], [])
    assert r.confidence == pytest.approx(1 / 3)


async def test_majority_fail_resolution_raises_with_the_ratio() -> None:
    with pytest.raises(ValueError, match=r"^No majority consensus: highest agreement 50% < 60%$"):
        await consensus([const("a"), const("b")], resolve_conflicts="fail")


async def test_majority_minimum_agreement_is_the_weighted_ratio() -> None:
    tasks = [const("x"), const("y"), const("z"), const("x"), const("y")]
    r = await consensus(tasks, threshold=1.0, minimum_agreement=0.4)
    assert (r.consensus, r.status, r.confidence) == ("x", "success", 0.4)
    assert r.analysis.identical_outputs == 3
    assert [d.severity for d in r.disagreements] == ["major", "major"]
    r = await consensus(tasks, threshold=1.0, minimum_agreement=0.4, weights=[1, 5, 1, 1, 1])
    assert r.consensus == "y" and r.confidence == pytest.approx(6 / 9)


async def test_weights_follow_task_indices_when_a_task_fails() -> None:
    r = await consensus([failing(), const("a"), const("b")], weights=[100, 1, 3], minimum_agreement=0.5)
    assert r.consensus == "b" and r.confidence == pytest.approx(0.75)


async def test_unanimous_success_and_its_failures() -> None:
    r = await consensus([const("a"), const("a"), const("a")], strategy="unanimous")
    assert (r.consensus, r.confidence, r.status) == ("a", 1.0, "success")
    assert r.agreements[0].type == "exact" and r.agreements[0].ratio == 1.0
    # A failed task breaks unanimity.
    r = await consensus([const("a"), const("a"), failing()], strategy="unanimous")
    assert (r.consensus, r.status) == ("a", "partial")
    with pytest.raises(ValueError, match=r"^No unanimous consensus: outputs differ beyond threshold$"):
        await consensus([const("a"), const("b")], strategy="unanimous", resolve_conflicts="fail")


async def test_unanimous_similar_outputs_agree_with_min_similarity_as_confidence() -> None:
    r = await consensus([const("hello world"), const("hello world!")], strategy="unanimous", threshold=0.9)
    assert r.status == "success" and r.agreements[0].type == "similar"
    assert r.confidence == pytest.approx(r.analysis.min_similarity)


async def test_conflict_resolutions() -> None:
    three = [const("apple"), const("banana"), const("cherry")]
    r = await consensus(three, strategy="unanimous", resolve_conflicts="merge")
    assert (r.consensus, r.confidence, r.status) == ("apple | banana | cherry", 0.5, "partial")
    r = await consensus([const("apple"), const("banana"), const("banana")], strategy="unanimous",
                        resolve_conflicts="best", weights=[3, 1, 1])
    assert (r.consensus, r.confidence) == ("apple", 0.6)
    r = await consensus([const("apple"), const("banana"), const("banana")], strategy="unanimous")
    assert (r.consensus, r.confidence) == ("banana", pytest.approx(2 / 3))
    r = await consensus([const({"a": 1}), const({"b": 2}), const({"a": 3})], resolve_conflicts="merge",
                        threshold=1.0)
    assert r.consensus == {"a": 3, "b": 2}
    r = await consensus([const([1, 2]), const([2, 3]), const([9])], resolve_conflicts="merge", threshold=1.0)
    assert r.consensus == [1, 2, 3, 9]
    r = await consensus(three, resolve_conflicts="best", weights=[0, 0, 0])
    assert (r.consensus, r.confidence) == ("apple", 0.0)


async def test_weighted_never_fails_and_ignores_minimum_agreement() -> None:
    r = await consensus([const("apple"), const("banana"), const("banana")], strategy="weighted",
                        weights=[3, 1, 1], minimum_agreement=1.0, resolve_conflicts="fail")
    assert (r.consensus, r.confidence, r.status) == ("apple", 0.6, "success")
    assert [(a.count, a.indices, a.type) for a in r.agreements] == [(1, [0], "similar")]


async def test_best_takes_the_first_successful_output() -> None:
    r = await consensus([failing(), const("b"), const("c")], strategy="best", weights=[1, 1, 9])
    assert (r.consensus, r.confidence) == ("b", 1.0)
    assert [(a.count, a.ratio, a.indices) for a in r.agreements] == [(1, 0.5, [1])]


async def test_similarity_compares_strings_without_quotes() -> None:
    # The reference compared reprs ('1991' vs '1990' scored 0.83 and agreed); the texts score 0.75.
    r = await consensus([const("1991"), const("1990")], strategy="unanimous")
    assert r.status == "partial"
    assert r.analysis.similarity_matrix[0][1] == pytest.approx(0.75)


async def test_none_and_mixed_types() -> None:
    r = await consensus([const(None), const(None)])
    assert r.consensus is None and r.outputs[0].text == ""
    r = await consensus([const(1), const(1.0), const(True)])
    assert r.status == "partial"  # compared exactly by repr: three different values


async def test_presets() -> None:
    same = [const("a"), const("a")]
    assert (await Consensus.strict(same)).confidence == 1.0
    with pytest.raises(ValueError, match="No unanimous consensus"):
        await Consensus.strict([const("a"), const("b")])
    assert (await Consensus.standard(same)).analysis.strategy == "majority"
    r = await Consensus.lenient([const("x"), const("y"), const("z")])
    assert (r.analysis.conflict_resolution, r.consensus) == ("merge", "x | y | z")
    r = await Consensus.best([const("x"), const("y")])
    assert (r.analysis.strategy, r.consensus) == ("best", "x")
    assert Consensus.run is consensus


# -- structured -----------------------------------------------------------------------------


async def test_dict_and_model_values_compare_by_stable_repr() -> None:
    r = await consensus([const({"b": 1, "a": [1, 2]}), const({"a": [1, 2], "b": 1}), const({"a": [9], "b": 7})],
                        threshold=0.95)
    assert r.consensus == {"a": [1, 2], "b": 1}
    assert r.outputs[0].text == "{'a': [1, 2], 'b': 1}" and r.outputs[0].data == {"b": 1, "a": [1, 2]}
    assert r.agreements[0].type == "exact" and r.analysis.identical_outputs == 2


async def test_schema_gives_field_level_agreement() -> None:
    r = await consensus([const(Person(name="a", age=1)), const(Person(name="a", age=2)),
                         const({"name": "b", "age": 2})], schema=Person)
    assert r.type == "structured" and isinstance(r.consensus, Person)
    fc = r.field_consensus
    assert fc is not None and list(fc.fields) == ["name", "age"]
    assert fc.fields["name"].value == "a" and fc.fields["name"].votes == {"'a'": 2, "'b'": 1}
    assert fc.fields["age"].value == 2 and fc.fields["age"].agreement == pytest.approx(2 / 3)
    assert fc.agreed_fields == [] and fc.disagreed_fields == ["name", "age"]
    assert fc.overall_agreement == pytest.approx(2 / 3)


async def test_schema_missing_field_counts_as_none_and_text_outputs_are_skipped() -> None:
    class M(BaseModel):
        a: int
        b: int | None = None

    r = await consensus([const({"a": 1, "b": 2}), const({"a": 1}), const("text")], schema=M)
    fc = r.field_consensus
    assert fc is not None
    assert fc.fields["a"].unanimous and fc.fields["a"].values == [1, 1]
    assert fc.fields["b"].votes == {"2": 1, "None": 1} and fc.agreed_fields == ["a"]


async def test_schema_parses_stream_text_into_the_model() -> None:
    a = '{"name": "Ada", "age": 36}'
    tasks = [lambda: l0.run(tokens(a)), lambda: l0.run(tokens("```json\n", a, "\n```")),
             lambda: l0.run(tokens("not json"))]
    r = await consensus(tasks, schema=Person)
    assert r.consensus == Person(name="Ada", age=36) and r.confidence == 1.0
    assert r.outputs[1].data == {"name": "Ada", "age": 36}
    assert r.outputs[2].success is False


# -- streams and telemetry -------------------------------------------------------------------


async def test_l0_streams_are_read_and_give_telemetry() -> None:
    tasks = [lambda: l0.run(tokens("Par", "is")), lambda: l0.run(tokens("Par", "is")),
             lambda: l0.run(tokens("Lon", "don"))]
    r = await consensus(tasks)
    assert r.consensus == "Paris" and r.confidence == pytest.approx(2 / 3)
    assert all(o.l0_result is not None and o.token_count == 2 for o in r.outputs)
    t = r.telemetry
    assert t is not None and (t.total_tokens, t.streams, t.total_retries) == (6, 3, 0)
    assert t.total_duration > 0 and t.avg_time_to_first_token >= 0 and t.avg_tokens_per_second > 0
    assert all(o.time_to_first_token_ms is not None for o in r.outputs)


async def test_retries_of_a_stream_are_counted() -> None:
    calls = {"n": 0}

    def flaky() -> AsyncIterator[Event]:
        calls["n"] += 1
        attempt = calls["n"]

        async def source() -> AsyncIterator[Event]:
            yield Event(type=EventType.TOKEN, text="Paris")
            if attempt == 1:
                raise ConnectionResetError("connection reset")
            yield Event(type=EventType.COMPLETE)

        return source()

    retry = l0.Retry(attempts=3, max_retries=3, base_delay=0.0, max_delay=0.0)
    r = await consensus([lambda: l0.run(flaky, retry=retry), lambda: l0.run(tokens("Paris"))])
    assert r.consensus == "Paris" and r.status == "success"
    assert r.outputs[0].retries == 1 and r.outputs[0].network_errors >= 1
    assert r.telemetry is not None and r.telemetry.total_retries == 1


async def test_raw_async_iterators_are_read_through_wrap() -> None:
    async def gen() -> AsyncIterator[Event]:
        for t in ("a", "b"):
            yield Event(type=EventType.TOKEN, text=t)
        yield Event(type=EventType.COMPLETE)

    r = await consensus([gen, gen])
    assert r.consensus == "ab" and r.outputs[0].token_count == 2


async def test_a_failing_stream_is_a_failed_output() -> None:
    def broken() -> AsyncIterator[Event]:
        async def source() -> AsyncIterator[Event]:
            yield Event(type=EventType.TOKEN, text="x")
            raise ValueError("model broke")

        return source()

    retry = l0.Retry(attempts=1, max_retries=0, base_delay=0.0, max_delay=0.0)
    r = await consensus([lambda: l0.run(broken, retry=retry), lambda: l0.run(tokens("ok"))])
    assert r.consensus == "ok" and r.outputs[0].success is False and "model broke" in (r.outputs[0].error or "")


async def test_structured_results_are_unwrapped() -> None:
    s1 = await l0.structured(Person, tokens('{"name": "Ada", "age": 36}'))
    s2 = await l0.structured(Person, tokens('{"name": "Ada", "age": 36}'))
    r = await consensus([const(s1), const(s2)], schema=Person)
    assert r.consensus == Person(name="Ada", age=36)
    assert r.outputs[0].structured_result is s1 and r.telemetry is not None and r.telemetry.streams == 2


async def test_plain_values_give_zero_stream_telemetry() -> None:
    r = await consensus([const("a"), const("a")])
    t = r.telemetry
    assert t is not None and (t.total_tokens, t.streams, t.avg_time_to_first_token) == (0, 0, 0.0)


# -- events ----------------------------------------------------------------------------------


async def test_events_in_order_with_snake_case_meta() -> None:
    events: list[Any] = []
    await consensus([const("Paris"), failing()], on_event=events.append)
    types = [e.type for e in events]
    assert types[0] is E.CONSENSUS_START and types[-2:] == [E.CONSENSUS_RESOLUTION, E.CONSENSUS_END]
    assert types.count(E.CONSENSUS_STREAM_START) == 2 and types.count(E.CONSENSUS_STREAM_END) == 2
    assert types.count(E.CONSENSUS_OUTPUT_COLLECTED) == 1
    ends = {e.meta["stream_index"]: e.meta for e in events if e.type is E.CONSENSUS_STREAM_END}
    assert ends[0]["status"] == "success" and ends[1] == {**ends[1], "status": "error", "error": "boom"}
    collected = next(e for e in events if e.type is E.CONSENSUS_OUTPUT_COLLECTED).meta
    assert collected == {"stream_index": 0, "length": 5, "has_errors": False}
    analysis = next(e for e in events if e.type is E.CONSENSUS_ANALYSIS).meta
    assert analysis["unique_results"] == 1 and analysis["total_results"] == 1
    assert analysis["similarity_matrix"] == [[1.0]] and analysis["strategy"] == "majority"
    assert events[-1].meta["status"] == "success" and events[-1].meta["confidence"] == 1.0
    assert len({e.stream_id for e in events}) == 1


async def test_a_failing_event_handler_never_breaks_consensus() -> None:
    def handler(event: Any) -> None:
        raise RuntimeError("handler broke")

    r = await consensus([const("a"), const("a")], on_event=handler)
    assert r.consensus == "a"


async def test_fail_resolution_emits_failed_end() -> None:
    events: list[Any] = []
    with pytest.raises(ValueError):
        await consensus([const("a"), const("b")], resolve_conflicts="fail", on_event=events.append)
    assert events[-1].type is E.CONSENSUS_END and events[-1].meta["status"] == "failed"


# -- concurrency and cancellation ------------------------------------------------------------


async def test_tasks_run_concurrently() -> None:
    started = asyncio.Event()
    waiting = []

    async def first() -> str:
        waiting.append(1)
        await started.wait()
        return "x"

    async def second() -> str:
        waiting.append(2)
        started.set()
        return "x"

    r = await asyncio.wait_for(consensus([first, second]), 5)
    assert r.consensus == "x" and sorted(waiting) == [1, 2]


async def test_cancelling_consensus_cancels_and_awaits_every_child() -> None:
    entered = asyncio.Event()
    finished: list[str] = []

    async def hang() -> str:
        try:
            entered.set()
            await asyncio.Event().wait()
            return "never"
        finally:
            await asyncio.sleep(0)  # cleanup that itself awaits must still complete
            finished.append("hang")

    before = set(asyncio.all_tasks())
    job = asyncio.ensure_future(consensus([hang, hang, const("a")]))
    await entered.wait()
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    assert finished == ["hang", "hang"]
    assert new_tasks(before) == set()


async def test_cancelling_consensus_closes_l0_streams() -> None:
    entered = asyncio.Event()
    closed: list[bool] = []

    def stalled() -> AsyncIterator[Event]:
        async def source() -> AsyncIterator[Event]:
            try:
                yield Event(type=EventType.TOKEN, text="x")
                entered.set()
                await asyncio.Event().wait()
            finally:
                closed.append(True)

        return source()

    streams: list[Any] = []

    async def task() -> Any:
        s = await l0.run(stalled)
        streams.append(s)
        return s

    before = set(asyncio.all_tasks())
    job = asyncio.ensure_future(consensus([task, task]))
    await entered.wait()
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    # The providers' iterators are closed (their connections released) before consensus returns.
    assert len(streams) == 2 and closed == [True, True]
    assert not any(s.state.completed for s in streams)
    assert new_tasks(before) == set()


async def test_a_child_cancelled_on_its_own_is_a_failed_output() -> None:
    async def self_cancel() -> str:
        raise asyncio.CancelledError

    r = await consensus([self_cancel, const("a"), const("a")])
    assert r.consensus == "a" and r.outputs[0].success is False and r.outputs[0].error == "cancelled"


async def test_result_type_and_no_leftover_tasks() -> None:
    before = set(asyncio.all_tasks())
    r = await consensus([const("a"), failing(), const("a")])
    assert isinstance(r, ConsensusResult)
    assert new_tasks(before) == set()


async def test_timeout_cancels_late_tasks_and_counts_them_as_failed() -> None:
    cleaned: list[str] = []

    async def hang() -> str:
        try:
            await asyncio.Event().wait()
        finally:
            cleaned.append("hang")
        return "never"

    events: list[Any] = []
    before = set(asyncio.all_tasks())
    r = await consensus([const("a"), const("a"), hang], timeout=5, on_event=events.append)
    assert r.consensus == "a" and r.confidence == 1.0 and cleaned == ["hang"]
    assert r.outputs[2].success is False and r.outputs[2].error == "timed out after 5 ms"
    ends = [e.meta for e in events if e.type is E.CONSENSUS_STREAM_END and e.meta["stream_index"] == 2]
    assert ends == [{"stream_index": 2, "duration_ms": 5, "status": "error", "error": "timed out after 5 ms"}]
    assert new_tasks(before) == set()
    with pytest.raises(ValueError, match="^All tasks failed"):
        await consensus([hang, hang], timeout=1)


async def test_timeout_is_validated() -> None:
    for bad in (0, -1, float("inf"), "5", True):
        with pytest.raises(ValueError, match="timeout must be a positive number of milliseconds or None"):
            await consensus([const(1), const(1)], timeout=bad)  # type: ignore[arg-type]
    r = await consensus([const(1), const(1)], timeout=10_000)
    assert r.consensus == 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["alpha", "beta", "gamma", "delta"]), min_size=2, max_size=7),
       st.lists(st.integers(1, 5), min_size=7, max_size=7))
def test_exact_majority_matches_a_weighted_count(answers: list[str], raw_weights: list[int]) -> None:
    """With threshold 1.0 the majority is the value with the greatest total weight (first of equals)."""
    weights = raw_weights[: len(answers)]
    totals: dict[str, int] = {}
    for a, w in zip(answers, weights):
        totals[a] = totals.get(a, 0) + w
    winner = max(totals, key=totals.__getitem__)
    share = totals[winner] / sum(weights)
    r = asyncio.run(consensus([const(a) for a in answers], threshold=1.0, weights=weights, minimum_agreement=0.0))
    assert r.consensus == winner and r.confidence == pytest.approx(share)
    assert sum(len(d.values) for d in r.disagreements) == sum(1 for a in answers if a != winner)
