"""Issue 11, items 5-7, 10: hostile errors, findings after a resume, restart discards, COMPLETE last."""

from __future__ import annotations

import asyncio

import pytest

import l0
from l0 import Event, EventType, Retry
from l0.guardrails import custom_pattern_rule

FAST = Retry(base_delay=0.0, max_delay=0.0)


class HostileDrop(ConnectionResetError):
    """A network error whose __str__ and __repr__ raise."""

    def __str__(self) -> str:
        raise RuntimeError("no str for you")

    def __repr__(self) -> str:
        raise RuntimeError("no repr for you")


class HostileModel(Exception):
    """A model-category error whose __str__ returns a non-str and whose __repr__ raises."""

    def __str__(self):  # type: ignore[override]
        return 42

    def __repr__(self) -> str:
        raise ValueError("no repr")


def two_attempts(first: list, second: list):
    """A factory (taking the context) playing ``first`` then ``second``; exceptions are raised."""

    def factory(ctx=None):
        script = first if factory.calls == 0 else second
        factory.calls += 1

        async def source():
            for item in script:
                if isinstance(item, BaseException):
                    raise item
                yield Event(type=EventType.TOKEN, text=item)
            yield Event(type=EventType.COMPLETE)

        return source()

    factory.calls = 0
    return factory


# -- 5. an error whose __str__/__repr__ raises is classified and retried ---------------------------

@pytest.mark.parametrize("error", [HostileDrop(), HostileModel()], ids=["network", "model"])
async def test_hostile_error_is_classified_and_retried(error, caplog):
    events, retries, errors = [], [], []
    factory = two_attempts(["a", error], ["a", "b"])
    caplog.set_level("DEBUG", logger="l0")
    stream = await l0.run(factory, retry=FAST, on_event=events.append,
                          on_retry=lambda n, reason: retries.append(reason),
                          on_error=lambda e, r, f: errors.append((e, r)))
    assert await stream.read() == "ab"
    assert factory.calls == 2 and errors == [(error, True)]
    assert retries == [f"<{type(error).__name__} (str() failed)>"]
    meta = [e.meta for e in events if e.type.value == "ERROR"]
    assert meta and meta[0]["error"] == retries[0]
    shown = repr(stream.state)  # the state's repr survives the error it holds
    if isinstance(error, ConnectionResetError):
        assert "network_errors=[<HostileDrop (repr() failed)>]" in shown
    assert "Stream error: <" in caplog.text


async def test_hostile_error_that_exhausts_retries_reaches_the_consumer():
    error = HostileDrop()
    events = []
    stream = await l0.run(two_attempts([error], [error]), retry=Retry(attempts=1, max_retries=1, base_delay=0.0,
                                                                      max_delay=0.0), on_event=events.append)
    with pytest.raises(HostileDrop):
        await stream.read()
    give_up = [e.meta for e in events if e.type.value == "RETRY_GIVE_UP"]
    assert give_up[0]["lastError"] == "<HostileDrop (str() failed)>"


async def test_hostile_callback_error_is_reported_safely():
    events = []

    def on_start(*_):
        raise HostileModel()

    stream = await l0.run(two_attempts(["a"], ["a"]), on_start=on_start, on_event=events.append)
    assert await stream.read() == "a"
    cb = [e.meta for e in events if e.type.value == "CALLBACK_ERROR"]
    assert cb == [{"callback": "on_start", "error": "<HostileModel (str() failed)>", "errorType": "HostileModel"}]


def test_error_classification_never_calls_a_raising_str():
    from l0.errors import NetworkError, categorize_error, get_error_code

    class Code:
        def __str__(self):
            raise RuntimeError

    err = HostileDrop()
    err.errno = Code()  # type: ignore[attr-defined]
    assert categorize_error(err).value == "network"
    assert NetworkError.analyze(err).retryable
    assert get_error_code(err) == "<Code (str() failed)>"


# -- 6. a finding in the text kept by a resume is reported once ------------------------------------

async def test_warning_before_a_drop_is_reported_once_after_resume(rec):
    first = [("bad " if i == 3 else f"w{i} ") for i in range(30)] + [ConnectionResetError("dropped")]
    second = [f"w{i} " for i in range(30, 40)]
    factory = two_attempts(first, second)
    seen = []
    stream = await l0.run(factory, guardrails=[custom_pattern_rule([r"\bbad\b"], severity="warning")],
                          continue_from_last_good_token=True, retry=FAST, on_violation=seen.append)
    await stream.read()
    assert factory.calls == 2 and stream.state.continuation_used
    assert len(stream.state.violations) == 1 and len(seen) == 1
    assert seen[0].position == stream.state.content.index("bad")


async def test_a_new_finding_after_resume_is_still_reported():
    first = ["bad "] + [f"w{i} " for i in range(1, 30)] + [ConnectionResetError("dropped")]
    second = ["x ", "bad ", "y "]
    seen = []
    stream = await l0.run(two_attempts(first, second),
                          guardrails=[custom_pattern_rule([r"\bbad\b"], severity="warning")],
                          continue_from_last_good_token=True, retry=FAST, on_violation=seen.append,
                          on_event=lambda e: None)  # with the bus on: the per-rule path
    await stream.read()
    assert [v.position for v in seen] == [0, stream.state.content.rindex("bad")]
