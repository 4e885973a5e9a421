"""``pipe``/``Pipeline``: chaining, results and units, conditions, errors, run options, timeout, cancellation."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

import l0
from l0.pipeline import (
    FAST_PIPELINE, PRODUCTION_PIPELINE, RELIABLE_PIPELINE, Pipeline, PipelineOptions, PipelineResult, PipelineStep,
    StepContext, StepResult, chain_pipelines, create_branch_step, create_pipeline, create_step, parallel_pipelines,
    pipe,
)


def echo_step(h, name, suffix, **kw):
    """A step streaming ``input + suffix`` token by token."""
    return PipelineStep(name=name, fn=lambda x, ctx: h.Source(tuple(f"{x}{suffix}")), **kw)


async def test_steps_chain_and_results_are_recorded(h):
    before = int(time.time() * 1000)
    result = await pipe([echo_step(h, "one", "1"), echo_step(h, "two", "2", transform=lambda c, ctx: c.upper())],
                        "x", PipelineOptions(name="p", metadata={"k": 1}))
    assert isinstance(result, PipelineResult)
    assert result.status == "success" and result.error is None
    assert result.output == "X12" and result.name == "p" and result.metadata == {"k": 1}
    one, two = result.steps
    assert isinstance(one, StepResult)
    assert (one.step_name, one.step_index, one.input, one.output, one.raw_content, one.status) == (
        "one", 0, "x", "x1", "x1", "success")
    assert one.token_count == 2 and two.raw_content == "x12" and two.output == "X12"
    for r in (one, two, result):  # integer milliseconds since the epoch, camelCase names
        assert isinstance(r.startTime, int) and isinstance(r.endTime, int) and isinstance(r.duration, int)
        assert before <= r.startTime <= r.endTime and r.duration == r.endTime - r.startTime


async def test_context_carries_previous_results_and_metadata(h):
    seen = []

    def fn(x, ctx):
        assert isinstance(ctx, StepContext)
        seen.append((ctx.step_index, ctx.total_steps, [r.step_name for r in ctx.previous_results], ctx.metadata))
        return h.Source(("y",))

    await pipe([PipelineStep("a", fn), PipelineStep("b", fn)], "x", PipelineOptions(metadata={"m": 1}))
    assert seen == [(0, 2, [], {"m": 1}), (1, 2, ["a"], {"m": 1})]


async def test_condition_skips_and_passes_input_through(h):
    async def no(x, ctx):  # async conditions are awaited
        return False

    result = await pipe([echo_step(h, "skip", "!", condition=no), echo_step(h, "run", "?")], "in")
    assert [s.status for s in result.steps] == ["skipped", "success"]
    assert result.steps[0].output == "in" and result.output == "in?"


async def test_stop_on_error(h):
    errors = []
    bad = PipelineStep("bad", lambda x, ctx: {"stream": h.Source(error=ValueError("boom")), "retry": h.NO_RETRY},
                       on_error=lambda e, ctx: errors.append(("step", str(e), ctx.step_index)))
    opts = PipelineOptions(on_error=lambda e, i: errors.append(("pipe", str(e), i)))
    result = await pipe([echo_step(h, "a", "1"), bad, echo_step(h, "c", "3")], "x", opts)
    assert result.status == "error" and isinstance(result.error, ValueError)
    assert [s.status for s in result.steps] == ["success", "error"]
    assert result.output == "x1"
    assert errors == [("step", "boom", 1), ("pipe", "boom", 1)]


async def test_continue_on_error_is_partial(h):
    bad = PipelineStep("bad", lambda x, ctx: {"stream": h.Source(error=ValueError("boom")), "retry": h.NO_RETRY})
    result = await pipe([bad, echo_step(h, "c", "3")], "x", RELIABLE_PIPELINE)
    assert result.status == "partial" and [s.status for s in result.steps] == ["error", "success"]
    assert result.steps[1].input == "x" and result.output == "x3"


async def test_all_steps_failing_keeps_the_input_as_output(h):
    bad = PipelineStep("bad", lambda x, ctx: {"stream": h.Source(error=ValueError("no")), "retry": h.NO_RETRY})
    result = await pipe([bad, bad], "x", RELIABLE_PIPELINE)
    assert result.status == "partial" and result.output == "x"


async def test_empty_pipeline():
    result = await pipe([], "x")
    assert result.status == "success" and result.output == "x" and result.steps == []


async def test_step_run_options_apply(h):
    flaky = h.Source(("ok",), error=ConnectionError("drop"), fail_first=1)
    result = await pipe([PipelineStep("r", lambda x, ctx: {"stream": flaky, "retry": h.FAST_RETRY})], "x")
    assert result.status == "success" and result.output == "ok" and flaky.calls == 2
    # a per-step timeout (ms) is honoured: the stalled first attempt times out, the fallback answers
    step = PipelineStep("t", lambda x, ctx: {"stream": h.stalled(), "timeout": l0.Timeout(initial_token=10),
                                             "fallbacks": [h.Source(("fb",))], "retry": h.NO_RETRY})
    result = await pipe([step], "x")
    assert result.output == "fb"


async def test_step_guardrails_apply(h):
    from l0.guardrails import GuardrailRule, GuardrailViolation

    def check(state):
        if state.completed and "bad" in state.content:
            return [GuardrailViolation(rule="nobad", message="bad word", severity="error", recoverable=False)]
        return []

    rule = GuardrailRule(name="nobad", check=check)
    step = PipelineStep("g", lambda x, ctx: {"stream": h.Source(("bad",)), "guardrails": [rule], "retry": h.NO_RETRY})
    result = await pipe([step], "x")
    assert result.status == "error" and "bad word" in str(result.error)


async def test_step_may_return_stream_async_fn_or_factory(h):
    async def fn(x, ctx):
        return await l0.run(h.Source(("s",)))

    result = await pipe([PipelineStep("s", fn), PipelineStep("f", lambda x, ctx: h.Source((x, "f")))], "x")
    assert result.output == "sf"


async def test_bad_step_returns(h):
    r1 = await pipe([PipelineStep("n", lambda x, ctx: 42)], "x")
    assert isinstance(r1.error, TypeError) and "step 'n'" in str(r1.error)
    r2 = await pipe([PipelineStep("d", lambda x, ctx: {"retry": None})], "x")
    assert isinstance(r2.error, ValueError) and "without a 'stream' key" in str(r2.error)
    r3 = await pipe([PipelineStep("u", lambda x, ctx: {"stream": h.Source(), "temperature": 0})], "x")
    assert isinstance(r3.error, TypeError) and "'temperature'" in str(r3.error)


async def test_async_callbacks_are_awaited(h):
    calls = []

    def recorder(name):
        async def cb(*args):
            await asyncio.sleep(0)
            calls.append(name)
        return cb

    opts = PipelineOptions(on_start=recorder("start"), on_progress=recorder("progress"),
                           on_complete=recorder("complete"))
    step = echo_step(h, "a", "1", on_complete=recorder("step_complete"))
    await pipe([step], "x", opts)
    assert calls == ["start", "progress", "step_complete", "complete"]


async def test_failing_callback_is_logged_not_raised(h, caplog):
    def broken(*_):
        raise RuntimeError("cb failed")

    with caplog.at_level(logging.WARNING, logger="l0"):
        result = await pipe([echo_step(h, "a", "1", on_complete=broken)], "x", PipelineOptions(on_start=broken))
    assert result.status == "success"
    assert "pipeline on_start callback" in caplog.text and "step 'a' on_complete" in caplog.text


async def test_pipeline_timeout_cancels_and_closes_the_step(leaks, h):
    stall = h.stalled()
    seen = []
    step = PipelineStep("slow", lambda x, ctx: stall, on_error=lambda e, ctx: seen.append(ctx.cancelled))
    result = await pipe([echo_step(h, "a", "1"), step], "x", PipelineOptions(timeout=0.005))
    assert result.status == "error"
    assert type(result.error) is TimeoutError and str(result.error) == "Pipeline timeout after 0.005s"
    assert [s.status for s in result.steps] == ["success", "error"]
    assert result.steps[1].error is result.error and result.output == "x1"
    assert stall.opened == stall.closed == 1 and seen == [True]
    await leaks.assert_clean()


async def test_cancelling_pipe_closes_the_running_stream(leaks, h):
    stall = h.stalled()
    run = asyncio.ensure_future(pipe([PipelineStep("s", lambda x, ctx: stall)], "x"))
    for _ in range(10):
        await asyncio.sleep(0)
    assert stall.opened == 1
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert stall.closed == 1
    await leaks.assert_clean()


async def test_validation(h):
    with pytest.raises(TypeError, match=r"steps\[0\] must be a PipelineStep"):
        await pipe([lambda x: x], "x")
    with pytest.raises(TypeError, match="fn must be callable"):
        PipelineStep("a", 3)
    with pytest.raises(ValueError, match="timeout must be a number of seconds"):
        PipelineOptions(timeout=0)
    with pytest.raises(TypeError, match="on_start must be callable"):
        PipelineOptions(on_start="x")


async def test_pipeline_class(h):
    p = create_pipeline([echo_step(h, "a", "1")], PipelineOptions(name="P", metadata={"v": 1}))
    assert isinstance(p, Pipeline) and p.name == "P"
    assert p.add_step(echo_step(h, "b", "2")) is p and [s.name for s in p.steps] == ["a", "b"]
    assert p.get_step("b").name == "b" and p.get_step("zz") is None
    clone = p.clone()
    clone.options.metadata["v"] = 2
    assert p.options.metadata == {"v": 1}
    assert p.remove_step("a") is p and [s.name for s in p.steps] == ["b"]
    assert [s.name for s in clone.steps] == ["a", "b"]
    assert (await clone.run("x")).output == "x12"


async def test_chain_and_parallel_pipelines(h, leaks):
    a = Pipeline([echo_step(h, "a", "1")], PipelineOptions(name="A"))
    b = Pipeline([echo_step(h, "b", "2")], PipelineOptions(name="B", stop_on_error=False))
    chained = chain_pipelines(a, b, Pipeline([]))
    assert chained.name == "A -> B" and chained.options.stop_on_error is True
    assert (await chained.run("x")).output == "x12"

    async def combine(results):
        return [r.output for r in results]

    assert await parallel_pipelines([a, b], "y", combine) == ["y1", "y2"]
    assert await parallel_pipelines([a], "z", lambda rs: rs[0].output) == "z1"
    await leaks.assert_clean()


async def test_create_step_and_branch(h):
    prompts = []

    def factory(prompt):
        prompts.append(prompt)
        return h.Source((prompt,))()

    step = create_step("s", lambda x: f"<{x}>", factory, transform=lambda c, ctx: c + "!")
    assert (await pipe([step], "q")).output == "<q>!"
    assert prompts == ["<q>"]

    async def is_long(x, ctx):
        return len(x) > 3

    yes = echo_step(h, "yes", "+", transform=lambda c, ctx: c.upper())
    no = echo_step(h, "no", "-")
    branch = create_branch_step("br", is_long, yes, no)
    assert (await pipe([branch], "long")).output == "LONG+"
    assert (await pipe([branch], "ab")).output == "ab-"


async def test_presets():
    assert FAST_PIPELINE.stop_on_error is True and FAST_PIPELINE.timeout is None
    assert RELIABLE_PIPELINE.stop_on_error is False and RELIABLE_PIPELINE.timeout is None
    assert PRODUCTION_PIPELINE.stop_on_error is False and PRODUCTION_PIPELINE.timeout == 300.0


async def test_top_level_names():
    for name in ("pipe", "Pipeline", "PipelineStep", "PipelineOptions", "PipelineResult", "StepContext", "StepResult",
                 "create_pipeline", "create_step", "chain_pipelines", "parallel_pipelines", "create_branch_step",
                 "FAST_PIPELINE", "RELIABLE_PIPELINE", "PRODUCTION_PIPELINE"):
        assert getattr(l0, name) is getattr(l0.pipeline, name)


async def test_cancelling_parallel_pipelines_closes_every_stream(leaks, h):
    stalls = [h.stalled(), h.stalled()]
    pipes = [Pipeline([PipelineStep(f"s{i}", lambda x, ctx, s=s: s)]) for i, s in enumerate(stalls)]
    run = asyncio.ensure_future(parallel_pipelines(pipes, "x", list))
    for _ in range(10):
        await asyncio.sleep(0)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert [(s.opened, s.closed) for s in stalls] == [(1, 1), (1, 1)]
    await leaks.assert_clean()


async def test_helper_validation():
    with pytest.raises(TypeError, match="chain_pipelines takes Pipeline objects"):
        chain_pipelines("nope")
    with pytest.raises(TypeError, match="combiner must be callable"):
        await parallel_pipelines([], "x", None)
    with pytest.raises(TypeError, match="if_true must be a PipelineStep"):
        create_branch_step("b", lambda x, c: True, None, None)
    with pytest.raises(TypeError, match="prompt_fn must be callable"):
        create_step("s", None, lambda p: p)
