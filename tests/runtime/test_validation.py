"""Bad configuration fails at call time with a clear message naming the parameter."""

from __future__ import annotations

import pytest

import l0
from l0 import LifecycleCallbacks, Retry, Timeout


async def gen():
    yield l0.Event(type=l0.EventType.COMPLETE)


def factory():
    return gen()


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"stream": 42}, TypeError, "stream must be a stream factory"),
        ({"stream": "text"}, TypeError, "stream must be a stream factory"),
        ({"fallbacks": [factory, 3]}, TypeError, r"fallbacks\[1\]"),
        ({"fallbacks": factory}, TypeError, "fallbacks must be a list"),
        ({"retry": {"attempts": 3}}, TypeError, "retry must be a l0.Retry"),
        ({"timeout": 5000}, TypeError, "timeout must be a l0.Timeout"),
        ({"adapter": "nope"}, ValueError, "adapter: unknown adapter name"),
        ({"adapter": 3}, TypeError, "adapter must be"),
        ({"guardrails": [object()]}, TypeError, r"guardrails\[0\]"),
        ({"drift_detector": 1}, TypeError, "drift_detector"),
        ({"context": [1]}, TypeError, "context must be a dict"),
        ({"on_event": 1}, TypeError, "on_event must be callable"),
        ({"on_start": "x"}, TypeError, "on_start must be callable"),
        ({"callbacks": {"on_start": print}}, TypeError, "callbacks must be a LifecycleCallbacks"),
        ({"callbacks": LifecycleCallbacks(on_token=1)}, TypeError, "callbacks.on_token must be callable"),
        ({"continue_from_last_good_token": "yes"}, TypeError, "continue_from_last_good_token"),
        ({"build_continuation_prompt": "x"}, TypeError, "build_continuation_prompt"),
        ({"truncation": "sometimes"}, ValueError, "truncation must be one of"),
        ({"keep_raw_chunks": -1}, ValueError, "keep_raw_chunks"),
        ({"check_intervals": {"guardrail": 3}}, TypeError, "check_intervals"),
    ],
)
async def test_bad_arguments_raise_at_call_time(kwargs, exc, match):
    kwargs = dict(kwargs)
    stream = kwargs.pop("stream", factory)
    with pytest.raises(exc, match=match):
        await l0.run(stream, **kwargs)


async def test_timeout_in_seconds_is_refused():
    with pytest.raises(ValueError, match="looks like seconds"):
        await l0.run(factory, timeout=Timeout(initial_token=0.5))


async def test_mutated_timeout_is_rechecked():
    timeout = Timeout()
    with pytest.raises(ValueError, match="inter_token"):
        timeout.inter_token = 2.5
        await l0.run(factory, timeout=timeout)


async def test_negative_attempts_refused():
    with pytest.raises(ValueError, match="attempts"):
        await l0.run(factory, retry=Retry(attempts=-1))


async def test_mutated_retry_is_rechecked():
    retry = Retry()
    with pytest.raises(ValueError, match="max_retries must be >= 0"):
        retry.max_retries = -2
        await l0.run(factory, retry=retry)


async def test_on_token_is_accepted_by_run():
    seen = []

    async def src():
        yield l0.Event(type=l0.EventType.TOKEN, text="a")
        yield l0.Event(type=l0.EventType.COMPLETE)

    stream = await l0.run(lambda: src(), on_token=seen.append)
    await stream.read()
    assert seen == ["a"]


async def test_check_intervals_dict_accepted():
    stream = await l0.run(factory, check_intervals={"guardrails": 3})
    await stream.read()


async def test_nothing_runs_before_iteration():
    calls = []

    def f():
        calls.append(1)
        return gen()

    stream = await l0.run(f)
    assert calls == []
    await stream.read()
    assert calls == [1]


async def test_factory_returning_non_iterable_is_clear():
    stream = await l0.run(lambda: 42, adapter="event", retry=Retry(base_delay=0.0))
    with pytest.raises(TypeError, match="not an async iterator"):
        await stream.read()
    assert len(stream.errors) == 1


async def test_coroutine_factory_is_awaited():
    async def make():
        return gen()

    stream = await l0.run(make)
    assert await stream.read() == ""
