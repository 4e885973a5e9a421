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


# -- 7. restart mode: the consumer is told in band what to discard ---------------------------------

class Screen:
    """What a UI built from the events shows: tokens appended, RESET erases the last ``discard`` chars."""

    def __init__(self) -> None:
        self.text = ""
        self.resets: list[dict] = []

    def apply(self, ev: Event) -> None:
        if ev.is_reset:
            self.resets.append(ev.data)
            n = ev.data["discard"]
            assert 0 < n <= len(self.text)
            self.text = self.text[:-n]
        elif ev.is_token and ev.text:
            self.text += ev.text


async def show(stream) -> Screen:
    screen = Screen()
    async for ev in stream:
        screen.apply(ev)
    return screen


async def test_restart_after_a_mid_stream_fault_says_what_to_discard():
    factory = two_attempts(["Hel", "lo ", ConnectionResetError("cut")], ["Hello ", "world"])
    stream = await l0.run(factory, retry=FAST)
    events = [ev async for ev in stream]
    kinds = [ev.type.value for ev in events]
    assert kinds == ["token", "token", "reset", "token", "token", "complete"]
    assert events[2].data == {"discard": 6, "tokens": 2, "reason": "retry"}
    assert events[2].text is None and not events[2].is_token
    assert stream.state.content == "Hello world"


async def test_no_reset_when_nothing_was_shown_or_text_is_kept():
    stream = await l0.run(two_attempts([ConnectionResetError("cut")], ["ok"]), retry=FAST)
    assert [ev.type.value for ev in [e async for e in stream]] == ["token", "complete"]
    first = ["a "] * 5 + [ConnectionResetError("cut")]
    stream = await l0.run(two_attempts(first, ["b"]), retry=FAST, continue_from_last_good_token=True)
    assert not any(ev.is_reset for ev in [e async for e in stream])


async def test_token_only_consumers_are_unaffected():
    stream = await l0.run(two_attempts(["x", ConnectionResetError("cut")], ["y"]), retry=FAST)
    assert [ev.text async for ev in stream if ev.is_token] == ["x", "y"]
    stream = await l0.run(two_attempts(["x", ConnectionResetError("cut")], ["y"]), retry=FAST)
    assert await l0.consume_stream(stream) == "xy"  # documented: joins every attempt's tokens


async def test_fallback_reset(scripted):
    primary = scripted(["p1 ", "p2 ", ConnectionResetError("cut")])
    stream = await l0.run(primary, fallbacks=[scripted(["fb"])], retry=Retry(attempts=0, max_retries=0))
    screen = await show(stream)
    assert screen.resets == [{"discard": 6, "tokens": 2, "reason": "fallback"}]
    assert screen.text == stream.state.content == "fb"


async def test_rejected_checkpoint_reset(Rule):
    """Resume mode, but the checkpoint fails a guardrail: the text restarts and the consumer is told."""
    bad = Rule("no_bad", lambda text, done: [Violation("no_bad", "bad")] if "BAD" in text else [])
    first = ["ok "] * 3 + ["BAD "] + [ConnectionResetError("cut")]
    calls = []

    def factory(ctx=None):
        calls.append(ctx)
        return two_attempts(first, ["fine"])(None) if len(calls) == 1 else two_attempts(["fine"], [])(None)

    stream = await l0.run(factory, guardrails=[bad], retry=FAST, continue_from_last_good_token=True,
                          check_intervals=l0.CheckIntervals(guardrails=100))
    screen = await show(stream)
    assert screen.resets and screen.resets[0]["reason"] == "checkpoint_rejected"
    assert screen.text == stream.state.content == "fine"


async def test_token_stopped_by_its_check_is_not_counted_as_shown(Rule):
    """A guardrail at the due token raises: that token never reached the consumer, so it is not discarded."""
    rule = Rule("no_bad", lambda text, done: [Violation("no_bad", "bad")] if "BAD" in text else [])
    factory = two_attempts(["one ", "two ", "BAD "], ["clean"])
    stream = await l0.run(factory, guardrails=[rule], retry=FAST, check_intervals=l0.CheckIntervals(guardrails=1))
    events = [ev async for ev in stream]
    shown = "".join(ev.text for ev in events[:events.index(next(e for e in events if e.is_reset))] if ev.is_token)
    reset = next(ev for ev in events if ev.is_reset)
    assert shown == "one two " and reset.data["discard"] == len(shown) and reset.data["tokens"] == 2
    assert (await show_events(events)) == "clean" == stream.state.content


async def show_events(events) -> str:
    screen = Screen()
    for ev in events:
        screen.apply(ev)
    return screen.text


class Violation:
    """A minimal violation for the Rule fixture."""

    def __init__(self, rule: str, message: str, severity: str = "error") -> None:
        self.rule, self.message, self.severity, self.recoverable, self.position = rule, message, severity, True, None


try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - hypothesis is in the dev extra
    raise

_WORD = st.text(alphabet="abXY é🙂", min_size=0, max_size=4)
_ATTEMPT = st.tuples(st.lists(_WORD, max_size=6), st.sampled_from(["ok", "cut", "bad"]))


@settings(max_examples=60, deadline=None)
@given(attempts=st.lists(_ATTEMPT, min_size=1, max_size=4), interval=st.integers(1, 3),
       fallback=st.booleans())
def test_property_screen_always_equals_final_text(attempts, interval, fallback):
    """Whatever fails how (network cut, guardrail at a due token), a UI applying RESET shows state.content."""
    import asyncio as _asyncio

    scripts = []
    for words, ending in attempts:
        script: list = list(words)
        if ending == "cut":
            script.append(ConnectionResetError("cut"))
        elif ending == "bad":
            script.append("Z")  # the guardrail below rejects any Z
        scripts.append(script)
    scripts.append(["end"])

    def factory():
        script = scripts[min(factory.calls, len(scripts) - 1)]
        factory.calls += 1

        async def source():
            for item in script:
                if isinstance(item, BaseException):
                    raise item
                yield Event(type=EventType.TOKEN, text=item)
            yield Event(type=EventType.COMPLETE)

        return source()

    factory.calls = 0

    class NoZ:
        name = "no_z"
        streaming = True

        def check(self, state):
            return [Violation("no_z", "Z")] if "Z" in state.content else []

    async def main():
        kwargs = dict(guardrails=[NoZ()], check_intervals=l0.CheckIntervals(guardrails=interval))
        if fallback:
            stream = await l0.run(factory, fallbacks=[factory] * 6, retry=Retry(attempts=0, max_retries=0), **kwargs)
        else:
            stream = await l0.run(factory, retry=Retry(attempts=8, max_retries=8, base_delay=0.0, max_delay=0.0),
                                  **kwargs)
        screen = await show(stream)
        return screen.text, stream.state.content

    shown, content = _asyncio.run(main())
    assert shown == content
