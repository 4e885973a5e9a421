"""``pipe``, ``Pipeline`` and the pipeline helpers."""

from __future__ import annotations

import asyncio
import copy
import inspect
import time
from collections.abc import Callable
from typing import Any, Generic

from l0.parallel._support import call_back, cancel_and_wait, is_l0_stream
from l0.parallel._tasks import run_options

from ._types import PipelineOptions, PipelineResult, PipelineStep, StepContext, StepResult, TInput, TOutput

__all__ = ["pipe", "Pipeline", "create_pipeline", "create_step", "chain_pipelines", "parallel_pipelines",
           "create_branch_step"]


def _now_ms() -> int:
    return int(time.time() * 1000)


async def _maybe_await(value: Any) -> Any:
    if inspect.isawaitable(value):
        return await value
    return value


async def _open(returned: Any, step: PipelineStep[Any, Any]) -> Any:
    """What a step's ``fn`` returned -> an l0 stream (run options go to ``l0.run``)."""
    if is_l0_stream(returned):
        return returned
    import l0

    if isinstance(returned, dict):
        options = dict(run_options(returned, f"the dict returned by step {step.name!r}"))
        return await l0.run(options.pop("stream"), **options)
    if callable(returned):
        return await l0.run(returned)
    raise TypeError(f"step {step.name!r}: fn must return a stream factory, an l0 stream or a dict of l0.run options "
                    f"with a 'stream' key, got {type(returned).__name__}")


class _Run:
    """One run of a pipeline: the results so far and the step in progress."""

    __slots__ = ("steps", "opts", "results", "output", "status", "error", "current")

    def __init__(self, steps: list[PipelineStep[Any, Any]], opts: PipelineOptions, input: Any) -> None:
        self.steps = steps
        self.opts = opts
        self.results: list[StepResult[Any]] = []
        self.output = input
        self.status = "success"
        self.error: Exception | None = None
        self.current: tuple[int, Any, int, StepContext] | None = None  # index, input, start ms, ctx

    async def run_steps(self) -> None:
        opts = self.opts
        n = len(self.steps)
        value = self.output
        for i, step in enumerate(self.steps):
            ctx = StepContext(step_index=i, total_steps=n, previous_results=list(self.results),
                              metadata=dict(opts.metadata))
            start = _now_ms()
            self.current = (i, value, start, ctx)
            await call_back(opts.on_progress, "pipeline on_progress", i, n)
            try:
                if step.condition is not None and not await _maybe_await(step.condition(value, ctx)):
                    end = _now_ms()
                    self.results.append(StepResult(step.name, i, value, value, "", "skipped", None, end - start,
                                                   start, end))
                    self.current = None
                    continue
                stream = await _open(await _maybe_await(step.fn(value, ctx)), step)
                async with stream:
                    content = await stream.read()
                tokens = stream.state.token_count
                output = content if step.transform is None else await _maybe_await(step.transform(content, ctx))
            except Exception as exc:  # noqa: BLE001 - recorded in the step's result
                end = _now_ms()
                self.current = None
                self.results.append(StepResult(step.name, i, value, None, "", "error", exc, end - start, start, end))
                await call_back(step.on_error, f"step {step.name!r} on_error", exc, ctx)
                await call_back(opts.on_error, "pipeline on_error", exc, i)
                self.error = exc
                if opts.stop_on_error:
                    self.status = "error"
                    return
                self.status = "partial"
                continue
            end = _now_ms()
            self.current = None
            result = StepResult(step.name, i, value, output, content, "success", None, end - start, start, end, tokens)
            self.results.append(result)
            await call_back(step.on_complete, f"step {step.name!r} on_complete", result, ctx)
            value = self.output = output

    async def interrupted(self, exc: Exception) -> None:
        """The pipeline timed out: record the step in progress as an error."""
        self.status = "error"
        self.error = exc
        if self.current is None:
            return
        i, value, start, ctx = self.current
        self.current = None
        end = _now_ms()
        step = self.steps[i]
        self.results.append(StepResult(step.name, i, value, None, "", "error", exc, end - start, start, end))
        ctx.cancelled = True
        await call_back(step.on_error, f"step {step.name!r} on_error", exc, ctx)
        await call_back(self.opts.on_error, "pipeline on_error", exc, i)


def _check_steps(steps: Any) -> list[PipelineStep[Any, Any]]:
    if isinstance(steps, (str, bytes, dict)) or not hasattr(steps, "__iter__"):
        raise TypeError(f"steps must be a list of PipelineStep, got {type(steps).__name__}")
    out = list(steps)
    for i, step in enumerate(out):
        if not isinstance(step, PipelineStep):
            raise TypeError(f"steps[{i}] must be a PipelineStep, got {type(step).__name__}")
    return out


async def pipe(steps: list[PipelineStep[Any, Any]], input: Any, options: PipelineOptions | None = None
               ) -> PipelineResult[Any]:
    """Run ``steps`` in order, each step's output being the next one's input.

    A failing step is recorded (``status="error"``); with ``stop_on_error``
    the pipeline stops there (status ``"error"``), otherwise it goes on with
    the same input (status ``"partial"``). ``options.timeout`` (seconds)
    bounds the whole pipeline: on expiry the running step's stream is
    cancelled and closed, and the error is ``TimeoutError("Pipeline timeout
    after {t}s")``. Cancelling ``pipe`` cancels and closes the running step.
    """
    items = _check_steps(steps)
    if options is not None and not isinstance(options, PipelineOptions):
        raise TypeError(f"options must be a PipelineOptions or None, got {type(options).__name__}")
    opts = options or PipelineOptions()
    start = _now_ms()
    run = _Run(items, opts, input)
    await call_back(opts.on_start, "pipeline on_start", input)
    if opts.timeout is None:
        await run.run_steps()
    else:
        try:
            await asyncio.wait_for(run.run_steps(), opts.timeout)
        except asyncio.TimeoutError:
            await run.interrupted(TimeoutError(f"Pipeline timeout after {opts.timeout}s"))
    end = _now_ms()
    result = PipelineResult(name=opts.name, output=run.output, steps=run.results, status=run.status,
                            error=run.error, duration=end - start, startTime=start, endTime=end,
                            metadata=dict(opts.metadata))
    await call_back(opts.on_complete, "pipeline on_complete", result)
    return result


class Pipeline(Generic[TInput, TOutput]):
    """A reusable list of steps with options; ``await pipeline.run(input)``."""

    def __init__(self, steps: list[PipelineStep[Any, Any]] | None = None,
                 options: PipelineOptions | None = None) -> None:
        self._steps = _check_steps(steps or [])
        if options is not None and not isinstance(options, PipelineOptions):
            raise TypeError(f"options must be a PipelineOptions or None, got {type(options).__name__}")
        self._options = options or PipelineOptions()

    @property
    def name(self) -> str | None:
        return self._options.name

    @property
    def steps(self) -> list[PipelineStep[Any, Any]]:
        return self._steps

    @property
    def options(self) -> PipelineOptions:
        return self._options

    async def run(self, input: TInput) -> PipelineResult[TOutput]:
        return await pipe(self._steps, input, self._options)

    def add_step(self, step: PipelineStep[Any, Any]) -> Pipeline[TInput, TOutput]:
        if not isinstance(step, PipelineStep):
            raise TypeError(f"step must be a PipelineStep, got {type(step).__name__}")
        self._steps.append(step)
        return self

    def remove_step(self, name: str) -> Pipeline[TInput, TOutput]:
        self._steps = [s for s in self._steps if s.name != name]
        return self

    def get_step(self, name: str) -> PipelineStep[Any, Any] | None:
        return next((s for s in self._steps if s.name == name), None)

    def clone(self) -> Pipeline[TInput, TOutput]:
        steps = [copy.copy(s) for s in self._steps]
        for s in steps:
            s.metadata = dict(s.metadata)
        options = copy.copy(self._options)
        options.metadata = dict(options.metadata)
        return Pipeline(steps, options)


def create_pipeline(steps: list[PipelineStep[Any, Any]] | None = None,
                    options: PipelineOptions | None = None) -> Pipeline[Any, Any]:
    return Pipeline(steps, options)


def create_step(name: str, prompt_fn: Callable[[Any], str], stream_factory: Callable[[str], Any],
                transform: Callable[[str, StepContext], Any] | None = None) -> PipelineStep[Any, Any]:
    """A step whose stream is ``stream_factory(prompt_fn(input))`` (called once per attempt)."""
    if not callable(prompt_fn):
        raise TypeError(f"prompt_fn must be callable, got {type(prompt_fn).__name__}")
    if not callable(stream_factory):
        raise TypeError(f"stream_factory must be callable, got {type(stream_factory).__name__}")

    def fn(input: Any, ctx: StepContext) -> Callable[[], Any]:
        return lambda: stream_factory(prompt_fn(input))

    return PipelineStep(name=name, fn=fn, transform=transform)


def chain_pipelines(*pipelines: Pipeline[Any, Any]) -> Pipeline[Any, Any]:
    """One pipeline with every step of ``pipelines`` in order, named ``"a -> b"``; other options are not kept."""
    steps: list[PipelineStep[Any, Any]] = []
    for p in pipelines:
        if not isinstance(p, Pipeline):
            raise TypeError(f"chain_pipelines takes Pipeline objects, got {type(p).__name__}")
        steps.extend(p.steps)
    name = " -> ".join(p.name for p in pipelines if p.name)
    return Pipeline(steps, PipelineOptions(name=name or None))


async def parallel_pipelines(pipelines: list[Pipeline[Any, Any]], input: Any,
                             combiner: Callable[[list[PipelineResult[Any]]], Any]) -> Any:
    """Run every pipeline on ``input`` at once; return ``combiner(results)`` (awaited if async).

    Cancelling it cancels and awaits every pipeline.
    """
    if not callable(combiner):
        raise TypeError(f"combiner must be callable, got {type(combiner).__name__}")
    for p in pipelines:
        if not isinstance(p, Pipeline):
            raise TypeError(f"parallel_pipelines takes Pipeline objects, got {type(p).__name__}")
    tasks = [asyncio.ensure_future(p.run(input)) for p in pipelines]
    try:
        results = list(await asyncio.gather(*tasks))
    except BaseException:
        await cancel_and_wait(tasks)
        raise
    return await _maybe_await(combiner(results))


_BRANCH = "_l0_branch"


def create_branch_step(name: str, condition: Callable[[Any, StepContext], Any], if_true: PipelineStep[Any, Any],
                       if_false: PipelineStep[Any, Any]) -> PipelineStep[Any, Any]:
    """A step running ``if_true``'s or ``if_false``'s ``fn`` and ``transform`` by ``condition`` (sync or async)."""
    if not callable(condition):
        raise TypeError(f"condition must be callable, got {type(condition).__name__}")
    for label, step in (("if_true", if_true), ("if_false", if_false)):
        if not isinstance(step, PipelineStep):
            raise TypeError(f"{label} must be a PipelineStep, got {type(step).__name__}")

    async def fn(input: Any, ctx: StepContext) -> Any:
        chosen = if_true if await _maybe_await(condition(input, ctx)) else if_false
        ctx.__dict__[_BRANCH] = chosen
        return await _maybe_await(chosen.fn(input, ctx))

    async def transform(content: str, ctx: StepContext) -> Any:
        chosen = ctx.__dict__.pop(_BRANCH, None)
        if chosen is None or chosen.transform is None:
            return content
        return await _maybe_await(chosen.transform(content, ctx))

    return PipelineStep(name=name, fn=fn, transform=transform)
