"""``race``: plain tasks win by finishing, l0 streams by their first token; losers cancelled and awaited."""

from __future__ import annotations

import asyncio

import pytest

import l0
from l0.parallel import RaceResult, race


def value_task(v, gate=None, log=None):
    async def task():
        try:
            if gate is not None:
                await gate.wait()
            return v
        finally:
            if log is not None:
                log.append(v)
    return task


def failing(exc):
    async def task():
        raise exc
    return task


async def test_leak_check_catches_a_leak(leaks):
    """The leak check itself works (a task left running is reported)."""
    stray = asyncio.ensure_future(asyncio.Event().wait())
    with pytest.raises(AssertionError, match="leaked tasks"):
        await leaks.assert_clean()
    stray.cancel()


async def test_plain_first_finished_wins_and_losers_are_awaited(leaks):
    log = []
    result = await race([value_task("slow", asyncio.Event(), log), value_task("fast", None, log)])
    assert isinstance(result, RaceResult)
    assert (result.value, result.winner_index) == ("fast", 1)
    assert log == ["fast", "slow"]  # the loser's finally ran before race returned
    assert result.aggregated_telemetry is None
    await leaks.assert_clean()


async def test_failures_are_skipped_until_a_success():
    errors = []
    result = await race([failing(ValueError("a")), value_task("ok")], on_error=lambda e, i: errors.append((str(e), i)))
    assert result.value == "ok" and result.winner_index == 1
    assert errors == [("a", 0)]


async def test_all_failing_raises_the_last_error():
    errors = []

    async def on_error(e, i):
        errors.append(i)

    with pytest.raises(KeyError):
        await race([failing(ValueError("a")), failing(KeyError("b"))], on_error=on_error)
    assert errors == [0, 1]


async def test_no_tasks():
    with pytest.raises(RuntimeError, match="No tasks provided"):
        await race([])


async def test_simultaneous_finish_picks_lowest_index():
    for _ in range(5):
        assert (await race([value_task(0), value_task(1), value_task(2)])).winner_index == 0


async def test_invalid_arguments():
    with pytest.raises(ValueError, match="hedge_after must be a number of milliseconds"):
        await race([value_task(1)], hedge_after=-1)
    with pytest.raises(TypeError, match="on_error must be callable"):
        await race([value_task(1)], on_error=3)
    with pytest.raises(TypeError, match=r"tasks\[0\]"):
        await race([None])


async def test_stream_wins_at_first_token_not_at_finish(leaks, h):
    """A finishes last but sends its first token first: it wins, B is cancelled and closed."""
    rest = asyncio.Event()
    a = h.Source(("a1", "a2"), after_first=rest)
    b_gate = asyncio.Event()
    b = h.Source(("b1", "b2"), before_first=b_gate)

    async def release_b_then_rest():
        await a.first_sent.wait()
        b_gate.set()  # B could now finish completely before A ...
        await asyncio.sleep(0)
        rest.set()  # ... and only then A goes on

    helper = asyncio.ensure_future(release_b_then_rest())
    result = await race([{"stream": a}, {"stream": b}])
    await helper
    assert result.winner_index == 0
    assert result.value.state.content == "a1a2" and result.value.state.completed
    assert b.opened == b.closed == 1 and a.closed == 1
    t = result.aggregated_telemetry
    assert t.stream_count == 2 and t.total_tokens >= 2
    await leaks.assert_clean()


async def test_stalled_stream_loses_to_a_streaming_one(leaks, h):
    stall, live = h.stalled(), h.Source(("x", "y", "z"))
    result = await race([lambda: l0.run(stall), lambda: l0.run(live)])
    assert result.winner_index == 1 and result.value.state.content == "xyz"
    assert stall.opened == stall.closed == 1  # closed before race returned
    assert result.aggregated_telemetry.stream_count == 2
    assert result.aggregated_telemetry.total_tokens == 3
    await leaks.assert_clean()


async def test_stream_failing_before_first_token_does_not_win(h):
    errors = []
    bad = h.Source(error=ValueError("no"))
    result = await race([{"stream": bad, "retry": h.NO_RETRY}, {"stream": h.Source(("ok",))}],
                        on_error=lambda e, i: errors.append(i))
    assert result.winner_index == 1 and errors == [0]


async def test_winner_failing_after_first_token_raises(h):
    errors = []
    bad = h.Source(("t1", "t2"), error=ValueError("late"), tokens_before_error=1)
    with pytest.raises(ValueError, match="late"):
        await race([{"stream": bad, "retry": h.NO_RETRY}, {"stream": h.stalled()}],
                   on_error=lambda e, i: errors.append(i))
    assert errors == [0]


async def test_mixed_plain_value_beats_stalled_stream(leaks, h):
    stall = h.stalled()
    result = await race([{"stream": stall}, value_task("plain")])
    assert result.value == "plain" and stall.opened == stall.closed == 1
    await leaks.assert_clean()


async def test_hedge_fast_primary_costs_one_request(h):
    first, second = h.Source(("p",)), h.Source(("s",))
    result = await race([{"stream": first}, {"stream": second}], hedge_after=60_000)
    assert result.winner_index == 0 and result.value.state.content == "p"
    assert second.calls == 0  # never started


async def test_hedge_starts_next_after_silence(leaks, h):
    stall, backup = h.stalled(), h.Source(("b",))
    result = await race([{"stream": stall}, {"stream": backup}], hedge_after=2)
    assert result.winner_index == 1 and backup.calls == 1
    assert stall.opened == stall.closed == 1
    await leaks.assert_clean()


async def test_hedge_starts_next_at_once_when_running_ones_failed(h):
    bad, backup = h.Source(error=ValueError("x")), h.Source(("b",))
    result = await race([{"stream": bad, "retry": h.NO_RETRY}, {"stream": backup}], hedge_after=60_000)
    assert result.winner_index == 1  # did not wait 60 s


async def test_hedge_plain_tasks_all_failing():
    with pytest.raises(ValueError, match="two"):
        await race([failing(KeyError("one")), failing(ValueError("two"))], hedge_after=60_000)


async def test_cancelling_race_closes_every_candidate(leaks, h):
    stalls = [h.stalled() for _ in range(3)]
    run = asyncio.ensure_future(race([{"stream": s} for s in stalls]))
    for _ in range(10):
        await asyncio.sleep(0)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert [(s.opened, s.closed) for s in stalls] == [(1, 1)] * 3
    await leaks.assert_clean()


async def test_cancelling_race_while_reading_winner(leaks, h):
    rest = asyncio.Event()
    a = h.Source(("a", "b"), after_first=rest)
    run = asyncio.ensure_future(race([{"stream": a}, {"stream": h.stalled()}]))
    await a.first_sent.wait()
    for _ in range(5):
        await asyncio.sleep(0)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert a.opened == a.closed == 1
    await leaks.assert_clean()


async def test_top_level_names():
    assert l0.race is race
    assert (await l0.Parallel.race([value_task(5)])).value == 5


async def test_empty_completion_does_not_beat_a_streaming_candidate(h):
    gate = asyncio.Event()
    empty, live = h.Source(()), h.Source(("real",), before_first=gate)

    async def open_gate():
        await asyncio.sleep(0)
        gate.set()

    helper = asyncio.ensure_future(open_gate())
    result = await race([{"stream": empty}, {"stream": live}])
    await helper
    assert result.winner_index == 1 and result.value.state.content == "real"


async def test_empty_completion_wins_when_nothing_better_comes(h):
    bad = h.Source(error=ValueError("x"))
    result = await race([{"stream": h.Source(())}, {"stream": bad, "retry": h.NO_RETRY}])
    assert result.winner_index == 0 and result.value.state.content == ""


async def test_simultaneous_first_tokens_close_the_second(leaks, h):
    a, b = h.Source(("a", "a2")), h.Source(("b", "b2"))
    result = await race([{"stream": a}, {"stream": b}])
    assert result.winner_index == 0 and result.value.state.content == "aa2"
    assert a.closed == 1 and b.opened == b.closed == 1
    await leaks.assert_clean()
