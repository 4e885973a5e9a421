"""``consensus()``: run the tasks concurrently, compare their outputs, apply the strategy.

Each task is a zero-argument callable returning a value or an awaitable. A
task may also return an ``l0`` stream (``await l0.run(...)``, a wrapped
client's ``create(stream=True)``), a ``StructuredResult`` or a raw async
iterator (read through ``l0.wrap``): streams are read to the end here, their
text is the output and their state gives the telemetry. Every task runs in
its own asyncio task; cancelling ``consensus`` cancels and awaits them all.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import l0
from l0._utils import safe_json_parse
from l0.events import EventBus, ObservabilityEventType

from ._compare import (
    group_by_similarity,
    model_dump,
    severity,
    similarity_matrix,
    stable_repr,
    text_similarity,
)
from ._types import (
    CONFLICT_RESOLUTIONS,
    STRATEGIES,
    Agreement,
    ConsensusAnalysis,
    ConsensusOutput,
    ConsensusResult,
    ConsensusTelemetry,
    Disagreement,
    DisagreementValue,
    FieldAgreement,
    FieldConsensus,
)

__all__ = ["consensus"]

E = ObservabilityEventType


def _check_options(tasks: Any, strategy: Any, threshold: Any, resolve_conflicts: Any, weights: Any,
                   minimum_agreement: Any, schema: Any, on_event: Any, timeout: Any) -> tuple[list[Any], list[float]]:
    if isinstance(tasks, (str, bytes)) or not hasattr(tasks, "__iter__"):
        raise TypeError(f"tasks must be a list of callables, got {type(tasks).__name__}")
    tasks = list(tasks)
    if not tasks:
        raise RuntimeError("No tasks provided")
    if len(tasks) < 2:
        raise RuntimeError("At least 2 tasks required for consensus")
    for i, task in enumerate(tasks):
        if not callable(task):
            raise TypeError(f"tasks[{i}] must be a zero-argument callable (e.g. an async function), "
                            f"got {type(task).__name__}")
    if strategy not in STRATEGIES:
        raise ValueError(f"Unknown strategy: {strategy} (expected one of {', '.join(STRATEGIES)})")
    if resolve_conflicts not in CONFLICT_RESOLUTIONS:
        raise ValueError(f"resolve_conflicts must be one of {', '.join(CONFLICT_RESOLUTIONS)}, "
                         f"got {resolve_conflicts!r}")
    for name, value in (("threshold", threshold), ("minimum_agreement", minimum_agreement)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} must be a number between 0 and 1, got {value!r}")
    if weights is None:
        w = [1.0] * len(tasks)
    else:
        w = list(weights)
        if len(w) != len(tasks):
            raise ValueError(f"Weights must match number of tasks ({len(w)} weights for {len(tasks)} tasks)")
        for i, x in enumerate(w):
            if isinstance(x, bool) or not isinstance(x, (int, float)) or not 0.0 <= x < float("inf"):
                raise ValueError(f"weights[{i}] must be a finite number >= 0, got {x!r}")
        w = [float(x) for x in w]
    if schema is not None and not (isinstance(schema, type) and hasattr(schema, "model_fields")):
        raise TypeError(f"schema must be a pydantic BaseModel subclass or None, got {schema!r}")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                                or not 0 < timeout < float("inf")):
        raise ValueError(f"timeout must be a positive number of milliseconds or None, got {timeout!r}")
    if on_event is not None and not callable(on_event):
        raise TypeError(f"on_event must be callable or None, got {type(on_event).__name__}")
    return tasks, w


# A stream or structured result can only exist once its module is imported: look them
# up in sys.modules instead of importing the runtime for tasks that return plain values.
def _is_l0_stream(result: Any) -> bool:
    runtime = sys.modules.get("l0.runtime")
    return runtime is not None and isinstance(result, (runtime.Stream, runtime.LazyStream))


def _is_structured_result(result: Any) -> bool:
    structured = sys.modules.get("l0._structured")
    return structured is not None and isinstance(result, structured.StructuredResult)


class _Child:
    """What one task produced: its value, and the stream state it came from (if any)."""

    __slots__ = ("value", "state", "l0_result", "structured_result")

    def __init__(self) -> None:
        self.value: Any = None
        self.state: Any = None
        self.l0_result: Any = None
        self.structured_result: Any = None


async def _read_stream(child: _Child, stream: Any) -> str:
    child.l0_result = stream
    try:
        # ``async with`` aborts the stream (and closes its connection) if we are cancelled midway.
        async with stream:
            return await stream.read()
    finally:
        child.state = stream.state  # a LazyStream has its real state only once started


async def _produce(child: _Child, task: Callable[[], Any], schema: Any) -> None:
    result = task()
    if inspect.isawaitable(result):
        result = await result
    if _is_l0_stream(result):
        text = await _read_stream(child, result)
        child.value = _parse(text, schema) if schema is not None else text
    elif _is_structured_result(result):
        child.structured_result = result
        child.state = result.state
        child.value = result.data
    elif hasattr(result, "__aiter__"):
        text = await _read_stream(child, l0.wrap(result))
        child.value = _parse(text, schema) if schema is not None else text
    else:
        child.value = result


def _parse(text: str, schema: Any) -> Any:
    return schema.model_validate(safe_json_parse(text)["data"])


def _output(index: int, child: _Child, weight: float, started: float, duration_ms: float,
            error: BaseException | None) -> ConsensusOutput:
    if error is not None:
        out = ConsensusOutput(index=index, text="", value=None, success=False,
                              error=str(error) or type(error).__name__, duration_ms=duration_ms, weight=weight)
    else:
        value = child.value
        data = model_dump(value)
        if isinstance(data, dict):
            text = stable_repr(data)
        else:
            data = None
            text = "" if value is None else str(value)
        out = ConsensusOutput(index=index, text=text, value=value, success=True, data=data,
                              duration_ms=duration_ms, weight=weight)
    out.l0_result = child.l0_result
    out.structured_result = child.structured_result
    state = child.state
    if state is not None:
        out.token_count = state.token_count
        out.retries = state.model_retry_count + state.network_retry_count
        out.network_errors = len(state.network_errors)
        out.violations = len(state.violations)
        if state.first_token_at is not None:
            out.time_to_first_token_ms = max(0.0, (state.first_token_at - started) * 1000.0)
    return out


async def _collect(index: int, task: Callable[[], Any], weight: float, schema: Any, bus: EventBus) -> ConsensusOutput:
    bus.emit(E.CONSENSUS_STREAM_START, stream_index=index)
    child = _Child()
    started, t0 = time.time(), time.perf_counter()
    try:
        await _produce(child, task, schema)
    except Exception as e:  # a failing task is a failed output, never a failed consensus
        ms = (time.perf_counter() - t0) * 1000.0
        bus.emit(E.CONSENSUS_STREAM_END, stream_index=index, duration_ms=ms, status="error",
                 error=str(e) or type(e).__name__)
        return _output(index, child, weight, started, ms, e)
    ms = (time.perf_counter() - t0) * 1000.0
    bus.emit(E.CONSENSUS_STREAM_END, stream_index=index, duration_ms=ms, status="success")
    out = _output(index, child, weight, started, ms, None)
    bus.emit(E.CONSENSUS_OUTPUT_COLLECTED, stream_index=index, length=len(out.text), has_errors=False)
    return out


async def _cancel_all(children: Sequence[asyncio.Future[Any]]) -> None:
    """Cancel every child and wait until all have finished, even if we are cancelled again."""
    for c in children:
        c.cancel()
    pending = [c for c in children if not c.done()]
    while pending:
        try:
            await asyncio.wait(pending)
        except asyncio.CancelledError:
            pass
        pending = [c for c in pending if not c.done()]


async def _run_all(tasks: list[Any], weights: list[float], schema: Any, bus: EventBus,
                   timeout: float | None) -> list[ConsensusOutput]:
    children = [asyncio.ensure_future(_collect(i, t, weights[i], schema, bus)) for i, t in enumerate(tasks)]
    try:
        _, late = await asyncio.wait(children, timeout=None if timeout is None else timeout / 1000.0)
        if late:
            await _cancel_all(list(late))
    except BaseException:
        await _cancel_all(children)
        raise
    outputs = []
    for i, c in enumerate(children):
        if c.cancelled():  # timed out, or cancelled by someone else while we were not: a failed output
            error = f"timed out after {timeout:g} ms" if c in late else "cancelled"
            bus.emit(E.CONSENSUS_STREAM_END, stream_index=i, duration_ms=timeout if c in late else 0.0,
                     status="error", error=error)
            outputs.append(ConsensusOutput(index=i, text="", value=None, success=False, error=error,
                                           weight=weights[i], duration_ms=timeout if c in late else 0.0))
            continue
        exc = c.exception()
        if exc is not None:  # BaseException that is not an Exception (KeyboardInterrupt, SystemExit)
            await _cancel_all(children)
            raise exc
        outputs.append(c.result())
    return outputs


def _vote(values: list[Any], keys: list[str]) -> tuple[Any, float]:
    counts: dict[str, int] = {}
    for k in keys:
        counts[k] = counts.get(k, 0) + 1
    best = max(counts, key=counts.__getitem__)
    return values[keys.index(best)], counts[best] / len(keys)


def _merge(values: list[Any]) -> Any:
    if all(isinstance(v, dict) for v in values):
        merged: dict[Any, Any] = {}
        for v in values:
            merged.update(v)
        return merged
    if all(isinstance(v, list) for v in values):
        seen: dict[str, Any] = {}
        for v in values:
            for item in v:
                seen.setdefault(stable_repr(item), item)
        return list(seen.values())
    return " | ".join(dict.fromkeys(str(v) for v in values))


def _resolve_conflict(values: list[Any], keys: list[str], resolution: str, weights: list[float]) -> tuple[Any, float]:
    if resolution == "vote":
        return _vote(values, keys)
    if resolution == "merge":
        return _merge(values), 0.5
    if resolution == "best":
        best = max(range(len(values)), key=weights.__getitem__)
        total = sum(weights)
        return values[best], (weights[best] / total if total > 0 else 0.0)
    raise ValueError(f"Consensus conflict with resolve_conflicts={resolution!r}")


def _field_consensus(schema: Any, values: list[Any]) -> FieldConsensus:
    rows = [d for d in (model_dump(v) for v in values) if isinstance(d, dict)]
    n = len(rows)
    fields: dict[str, FieldAgreement] = {}
    agreed, disagreed = [], []
    for name in schema.model_fields:
        seen = [r.get(name) for r in rows]
        votes: dict[str, int] = {}
        first: dict[str, Any] = {}
        for v in seen:
            k = stable_repr(v)
            votes[k] = votes.get(k, 0) + 1
            first.setdefault(k, v)
        if not votes:
            continue
        top = max(votes, key=votes.__getitem__)
        agreement = votes[top] / n
        unanimous = votes[top] == n
        fields[name] = FieldAgreement(path=name, value=first[top], agreement=agreement, votes=votes,
                                      values=seen, unanimous=unanimous, confidence=agreement)
        (agreed if unanimous else disagreed).append(name)
    overall = sum(f.agreement for f in fields.values()) / len(fields) if fields else 0.0
    return FieldConsensus(fields=fields, overall_agreement=overall, agreed_fields=agreed, disagreed_fields=disagreed)


def _telemetry(outputs: list[ConsensusOutput], duration_ms: float) -> ConsensusTelemetry:
    streams = [o for o in outputs if o.l0_result is not None or o.structured_result is not None]
    rates = [o.token_count / (o.duration_ms / 1000.0) for o in streams if o.duration_ms > 0 and o.token_count]
    ttfts = [o.time_to_first_token_ms for o in streams if o.time_to_first_token_ms is not None]
    return ConsensusTelemetry(
        total_tokens=sum(o.token_count for o in outputs),
        total_duration=duration_ms,
        total_retries=sum(o.retries for o in outputs),
        total_network_errors=sum(o.network_errors for o in outputs),
        total_violations=sum(o.violations for o in outputs),
        avg_tokens_per_second=sum(rates) / len(rates) if rates else 0.0,
        avg_time_to_first_token=sum(ttfts) / len(ttfts) if ttfts else 0.0,
        streams=len(streams),
    )


async def consensus(
    tasks: Sequence[Callable[[], Any]],
    *,
    strategy: str = "majority",
    threshold: float = 0.8,
    resolve_conflicts: str = "vote",
    weights: Sequence[float] | None = None,
    minimum_agreement: float = 0.6,
    schema: Any = None,
    on_event: Callable[..., Any] | None = None,
    timeout: float | None = None,
) -> ConsensusResult[Any]:
    """Run every task concurrently and agree on one output (see ``docs/consensus.md``).

    ``timeout`` (ms, an addition) bounds the whole run: tasks still running
    then are cancelled and count as failed outputs.

    Raises ``RuntimeError`` for fewer than 2 tasks, ``ValueError`` for bad
    options, when every task failed, or when ``resolve_conflicts="fail"`` and
    the strategy found no agreement.
    """
    tasks, w = _check_options(tasks, strategy, threshold, resolve_conflicts, weights, minimum_agreement,
                              schema, on_event, timeout)
    bus = EventBus(on_event)
    t0 = time.perf_counter()
    bus.emit(E.CONSENSUS_START, task_count=len(tasks), strategy=strategy)

    def elapsed() -> float:
        return (time.perf_counter() - t0) * 1000.0

    try:
        outputs = await _run_all(tasks, w, schema, bus, timeout)
    except BaseException:
        bus.emit(E.CONSENSUS_END, status="cancelled", duration_ms=elapsed())
        raise
    ok = [o for o in outputs if o.success]
    if not ok:
        bus.emit(E.CONSENSUS_END, status="failed", duration_ms=elapsed())
        raise ValueError("All tasks failed, no consensus possible")

    n = len(ok)
    values = [o.value for o in ok]
    # A structured output's text is already the stable repr of its data.
    keys = [o.text if o.data is not None else stable_repr(o.value) for o in ok]
    matrix = similarity_matrix([v if isinstance(v, str) else k for v, k in zip(values, keys)], text_similarity)
    upper = [matrix[i][j] for i in range(n) for j in range(i + 1, n)]
    avg, lo, hi = (sum(upper) / len(upper), min(upper), max(upper)) if upper else (1.0, 1.0, 1.0)
    for o, row in zip(ok, matrix):
        o.similarities = row
    unique = len(set(keys))
    bus.emit(E.CONSENSUS_ANALYSIS, agreement_ratio=avg, strategy=strategy, unique_results=unique, total_results=n,
             similarity_matrix=matrix, average_similarity=avg)

    sw = [o.weight for o in ok]
    indices = [o.index for o in ok]
    agreements: list[Agreement] = []
    disagreements: list[Disagreement] = []
    status = "success"
    failure: str | None = None
    value: Any = None
    confidence = 0.0

    if strategy == "unanimous":
        if all(matrix[0][j] >= threshold for j in range(n)) and n == len(outputs):
            value, confidence = values[0], lo
            agreements.append(Agreement(content=value, count=n, ratio=1.0, indices=indices,
                                        type="exact" if unique == 1 else "similar"))
        else:
            failure = "No unanimous consensus: outputs differ beyond threshold"
    elif strategy in ("majority", "weighted"):
        groups = group_by_similarity(matrix, threshold)
        gw = [sum(sw[k] for k in g) for g in groups]
        win = max(range(len(groups)), key=gw.__getitem__)
        total = sum(sw)
        ratio = gw[win] / total if total > 0 else 0.0
        g = groups[win]
        if strategy == "weighted":
            value, confidence = values[g[0]], ratio
            agreements.append(Agreement(content=value, count=len(g), ratio=ratio, indices=[indices[k] for k in g],
                                        type="similar"))
        elif ratio >= minimum_agreement:
            value, confidence = values[g[0]], ratio
            same = all(keys[k] == keys[g[0]] for k in g)
            agreements.append(Agreement(content=value, count=len(g), ratio=ratio, indices=[indices[k] for k in g],
                                        type="exact" if same else "similar"))
            sev = severity(ratio)
            for i, other in enumerate(groups):
                if i != win:
                    disagreements.append(Disagreement(
                        values=[DisagreementValue(value=values[k], count=1, indices=[indices[k]]) for k in other],
                        severity=sev))  # type: ignore[arg-type]
        else:
            failure = f"No majority consensus: highest agreement {ratio:.0%} < {minimum_agreement:.0%}"
    else:  # best
        value, confidence = values[0], 1.0
        agreements.append(Agreement(content=value, count=1, ratio=1.0 / n, indices=[indices[0]], type="exact"))

    if failure is not None:
        if resolve_conflicts == "fail":
            bus.emit(E.CONSENSUS_END, status="failed", duration_ms=elapsed())
            raise ValueError(failure)
        value, confidence = _resolve_conflict(values, keys, resolve_conflicts, sw)
        status = "partial"

    field_consensus = _field_consensus(schema, values) if schema is not None else None
    bus.emit(E.CONSENSUS_RESOLUTION, method=strategy, confidence=confidence)
    duration = elapsed()
    analysis = ConsensusAnalysis(
        total_outputs=len(outputs), successful_outputs=n, failed_outputs=len(outputs) - n,
        identical_outputs=n - unique + 1 if unique < n else 0, similarity_matrix=matrix,
        average_similarity=avg, min_similarity=lo, max_similarity=hi, total_agreements=len(agreements),
        total_disagreements=len(disagreements), strategy=strategy, conflict_resolution=resolve_conflicts,
        duration_ms=duration,
    )
    bus.emit(E.CONSENSUS_END, status=status, confidence=confidence, duration_ms=duration)
    return ConsensusResult(
        consensus=value, confidence=confidence, outputs=outputs, agreements=agreements,
        disagreements=disagreements, analysis=analysis, type="structured" if schema is not None else "text",
        field_consensus=field_consensus, status=status,  # type: ignore[arg-type]
        telemetry=_telemetry(outputs, duration),
    )
