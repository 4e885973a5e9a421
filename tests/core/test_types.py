"""Core types: events, state, retry/timeout/interval configuration."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

import l0
from l0 import _backend
from l0.types import (
    DEFAULT_RETRY_ON,
    ERROR_TYPE_DELAY_DEFAULTS,
    EXPONENTIAL_RETRY,
    MINIMAL_RETRY,
    RECOMMENDED_RETRY,
    RETRY_DEFAULTS,
    STRICT_RETRY,
    BackoffStrategy,
    CheckIntervals,
    ContentType,
    DataPayload,
    ErrorCategory,
    ErrorTypeDelays,
    Event,
    EventType,
    Progress,
    Retry,
    RetryableErrorType,
    State,
    Timeout,
)

STATE_FIELDS = [
    "content", "checkpoint", "token_count", "model_retry_count", "network_retry_count", "fallback_index",
    "violations", "drift_detected", "completed", "aborted", "first_token_at", "last_token_at", "duration",
    "resumed", "network_errors", "data_outputs", "last_progress", "resume_point", "resume_from",
    "continuation_used", "deduplication_applied", "overlap_removed", "truncated", "finish_reason",
]


# -- enums ----------------------------------------------------------------------------------------


def test_enum_values() -> None:
    assert [e.value for e in EventType] == [
        "token", "message", "data", "progress", "tool_call", "error", "complete", "reset"]
    assert [c.value for c in ContentType] == ["text", "image", "audio", "video", "file", "json", "binary"]
    assert [c.value for c in ErrorCategory] == [
        "network", "transient", "model", "content", "provider", "fatal", "internal"]
    assert [s.value for s in BackoffStrategy] == [
        "exponential", "linear", "fixed", "full-jitter", "fixed-jitter"]
    assert [t.value for t in RetryableErrorType] == [
        "zero_output", "guardrail_violation", "drift", "incomplete", "network_error", "timeout",
        "rate_limit", "server_error", "truncated"]
    assert DEFAULT_RETRY_ON == list(RetryableErrorType)


# -- Event ----------------------------------------------------------------------------------------


def test_event_fields_and_slots() -> None:
    names = [f.name for f in dataclasses.fields(Event)]
    assert names[:8] == ["type", "text", "data", "payload", "progress", "error", "usage", "timestamp"]
    assert names[8:] == ["finish_reason", "metadata"]
    e = Event(EventType.TOKEN, "hi")
    assert not hasattr(e, "__dict__")
    with pytest.raises(AttributeError):
        e.unknown = 1  # type: ignore[attr-defined]
    assert Event(EventType.COMPLETE) == Event(type=EventType.COMPLETE)


@pytest.mark.parametrize("kind", list(EventType))
def test_event_predicates_enum_and_string(kind: EventType) -> None:
    props = ["is_token", "is_message", "is_data", "is_progress", "is_tool_call", "is_error", "is_complete",
             "is_reset"]
    expected = props[list(EventType).index(kind)]
    for ev in (Event(kind), Event(kind.value)):  # type: ignore[arg-type]
        assert [p for p in props if getattr(ev, p)] == [expected]


def test_data_payload_metadata_properties() -> None:
    p = DataPayload(ContentType.IMAGE, metadata={"width": 3, "height": 4, "duration": 1.5, "size": 9,
                                                 "filename": "a.png", "seed": 7, "model": "m"})
    assert (p.width, p.height, p.duration, p.size, p.filename, p.seed, p.model) == (3, 4, 1.5, 9, "a.png", 7, "m")
    empty = DataPayload(ContentType.TEXT)
    assert empty.width is None and empty.model is None
    assert [f.name for f in dataclasses.fields(DataPayload)] == [
        "content_type", "mime_type", "base64", "url", "data", "json", "metadata"]


def test_progress_defaults() -> None:
    assert Progress() == Progress(None, None, None, None, None)
    assert [f.name for f in dataclasses.fields(Progress)] == ["percent", "step", "total_steps", "message", "eta"]


# -- State ----------------------------------------------------------------------------------------


def test_state_fields_in_order_with_defaults() -> None:
    assert [f.name for f in dataclasses.fields(State)] == STATE_FIELDS
    s = State()
    assert s.content == "" and s.checkpoint == "" and s.token_count == 0
    assert s.violations == [] and s.network_errors == [] and s.data_outputs == []
    assert s.first_token_at is None and s.resume_from is None and s.truncated is False
    assert State().violations is not State().violations


def test_state_buffer_is_backend_kernel() -> None:
    s = State()
    assert isinstance(s.buffer, _backend.ContentBuffer)
    assert len(s.buffer) == 0 and s.buffer.token_count == 0


def test_state_content_semantics() -> None:
    s = State(content="x")
    assert s.content == "x" and s.buffer.token_count == 1
    s.buffer.append("yz")
    s.buffer.append("")
    assert s.content == "xyz" and len(s.buffer) == 3
    s.content = "new"
    assert s.content == "new" and s.buffer.token_count == 1
    s.content += "!"
    assert s.content == "new!"
    s.content = ""
    assert s.content == "" and s.buffer.token_count == 0
    with pytest.raises(TypeError, match="State.content must be str, got int"):
        s.content = 5  # type: ignore[assignment]
    with pytest.raises(TypeError):
        State(content=None)  # type: ignore[arg-type]


def test_state_eq_compares_text_not_token_boundaries() -> None:
    a, b = State(), State(content="ab")
    a.buffer.append("a")
    a.buffer.append("b")
    assert a == b
    b.token_count = 2
    assert a != b


def test_state_repr_shortens_long_text() -> None:
    s = State(content="x" * 1000)
    text = repr(s)
    assert text.startswith("State(content='xxx") and "(+920 chars)" in text
    assert len(text) < 1000
    assert "checkpoint=''" in repr(State())


def test_state_copy_pickle_replace_asdict() -> None:
    s = State(content="hello", token_count=2, violations=[])
    s.buffer.append(" world")
    for clone in (copy.copy(s), copy.deepcopy(s), pickle.loads(pickle.dumps(s))):
        assert clone == s and clone.buffer is not s.buffer
        clone.buffer.append("!")
        assert s.content == "hello world"
    r = dataclasses.replace(s, token_count=9)
    assert r.content == "hello world" and r.token_count == 9
    assert dataclasses.asdict(State(content="a"))["content"] == "a"


def test_state_helpers_in_l0_state(monkeypatch: pytest.MonkeyPatch) -> None:
    from l0 import state as st

    clock = iter([100.0, 101.5, 103.0])
    monkeypatch.setattr(st.time, "time", lambda: next(clock))
    s = st.create_state()
    st.append_token(s, "a")
    st.append_token(s, "b")
    assert (s.first_token_at, s.last_token_at, s.token_count, s.content) == (100.0, 101.5, 2, "ab")
    st.update_checkpoint(s)
    assert s.checkpoint == "ab"
    st.mark_completed(s)
    assert s.completed and s.duration == 1.5
    empty = st.create_state()
    st.mark_completed(empty)
    assert empty.completed and empty.duration is None


# -- Retry ----------------------------------------------------------------------------------------


def test_retry_defaults_filled() -> None:
    r = Retry()
    assert (r.attempts, r.max_retries, r.base_delay, r.max_delay, r.strategy) == (
        3, 6, 1.0, 10.0, BackoffStrategy.FIXED_JITTER)
    assert r.error_type_delays is None and r.retry_on is None
    assert r.should_retry is None and r.calculate_delay is None
    assert r.honor_retry_after is True and r.max_retry_after == 300.0
    assert RETRY_DEFAULTS.network_max_delay == 30.0 and RETRY_DEFAULTS.retry_on == tuple(RetryableErrorType)
    with pytest.raises(dataclasses.FrozenInstanceError):
        RETRY_DEFAULTS.attempts = 1  # type: ignore[misc]


def test_retry_field_order() -> None:
    assert [f.name for f in dataclasses.fields(Retry)] == [
        "attempts", "max_retries", "base_delay", "max_delay", "strategy", "error_type_delays", "retry_on",
        "should_retry", "calculate_delay", "honor_retry_after", "max_retry_after"]


@pytest.mark.parametrize(
    ("factory", "expected"),
    [
        ("minimal", (2, 4, 1.0, 10.0, BackoffStrategy.LINEAR)),
        ("recommended", (3, 6, 1.0, 10.0, BackoffStrategy.FIXED_JITTER)),
        ("strict", (3, 6, 1.0, 10.0, BackoffStrategy.FULL_JITTER)),
        ("exponential", (4, 8, 1.0, 10.0, BackoffStrategy.EXPONENTIAL)),
        ("mobile", (3, 6, 1.0, 15.0, BackoffStrategy.FULL_JITTER)),
        ("edge", (3, 6, 0.5, 5.0, BackoffStrategy.FIXED_JITTER)),
    ],
)
def test_retry_presets(factory: str, expected: tuple) -> None:
    r = getattr(Retry, factory)()
    assert (r.attempts, r.max_retries, r.base_delay, r.max_delay, r.strategy) == expected
    assert isinstance(r.error_type_delays, ErrorTypeDelays)
    assert getattr(Retry, factory)() is not r


def test_mobile_and_edge_delays() -> None:
    m = Retry.mobile().error_type_delays
    assert (m.background_throttle, m.timeout, m.connection_dropped, m.dns_error) == (15.0, 3.0, 2.5, 3.0)
    e = Retry.edge().error_type_delays
    assert (e.runtime_killed, e.timeout, e.fetch_error) == (2.0, 1.5, 0.5)


def test_preset_constants_equal_factories_and_are_read_only() -> None:
    pairs = [(MINIMAL_RETRY, "minimal"), (RECOMMENDED_RETRY, "recommended"), (STRICT_RETRY, "strict"),
             (EXPONENTIAL_RETRY, "exponential")]
    for preset, factory in pairs:
        assert preset == getattr(Retry, factory)()
        assert isinstance(preset, Retry)
        assert repr(preset).startswith("Retry(")
        with pytest.raises(AttributeError, match=f"Retry.{factory}"):
            preset.attempts = 10  # type: ignore[misc]
        mutable = copy.copy(preset)
        mutable.attempts = 10
        assert type(mutable) is Retry and preset.attempts != 10
        assert pickle.loads(pickle.dumps(preset)) is preset
    assert l0.MINIMAL_RETRY is MINIMAL_RETRY


def test_retry_string_strategy_coerced() -> None:
    assert Retry(strategy="exponential").strategy is BackoffStrategy.EXPONENTIAL  # type: ignore[arg-type]
    assert Retry(strategy="FULL_JITTER").strategy is BackoffStrategy.FULL_JITTER  # type: ignore[arg-type]
    assert Retry(retry_on=["timeout"]).retry_on == [RetryableErrorType.TIMEOUT]  # type: ignore[list-item]
    assert Retry(error_type_delays={"dns_error": 9}).error_type_delays.dns_error == 9.0  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"attempts": -1}, ValueError, r"Retry\.attempts must be >= 0, got -1"),
        ({"max_retries": -3}, ValueError, r"Retry\.max_retries must be >= 0"),
        ({"attempts": 1.5}, TypeError, r"Retry\.attempts must be an int, got float"),
        ({"attempts": True}, TypeError, r"Retry\.attempts must be an int, got bool"),
        ({"base_delay": -0.1}, ValueError, r"Retry\.base_delay must be >= 0 seconds"),
        ({"max_delay": float("nan")}, ValueError, r"Retry\.max_delay must be a finite"),
        ({"base_delay": "1"}, TypeError, r"Retry\.base_delay must be a number of seconds"),
        ({"strategy": "sometimes"}, ValueError, r"Retry\.strategy must be a BackoffStrategy or one of"),
        ({"retry_on": ["nope"]}, ValueError, r"Retry\.retry_on has unknown error type 'nope'"),
        ({"retry_on": "timeout"}, TypeError, r"Retry\.retry_on must be a list"),
        ({"should_retry": 3}, TypeError, r"Retry\.should_retry must be callable"),
        ({"calculate_delay": "x"}, TypeError, r"Retry\.calculate_delay must be callable"),
        ({"error_type_delays": 5}, TypeError, r"Retry\.error_type_delays must be"),
        ({"error_type_delays": {"dns_error": -1}}, ValueError, r"ErrorTypeDelays\.dns_error must be >= 0"),
        ({"max_retry_after": -1}, ValueError, r"Retry\.max_retry_after must be >= 0"),
        ({"honor_retry_after": 1}, TypeError, r"Retry\.honor_retry_after must be a bool"),
    ],
)
def test_retry_bad_input(kwargs: dict, exc: type, match: str) -> None:
    with pytest.raises(exc, match=match):
        Retry(**kwargs)


def test_retry_has_no_max_attempts() -> None:
    with pytest.raises(TypeError):
        Retry(max_attempts=5)  # type: ignore[call-arg]


def test_error_type_delays_defaults() -> None:
    d = ErrorTypeDelays()
    assert dataclasses.asdict(d) == dataclasses.asdict(ERROR_TYPE_DELAY_DEFAULTS)
    assert len(dataclasses.fields(d)) == 13
    assert ErrorTypeDelays(ssl_error=None, dns_error=0).dns_error == 0.0


# -- Timeout / CheckIntervals ----------------------------------------------------------------------


def test_timeout_defaults_ms() -> None:
    t = Timeout()
    assert (t.initial_token, t.inter_token) == (5000, 10000)
    assert (t.initial_token_seconds, t.inter_token_seconds) == (5.0, 10.0)
    off = Timeout(initial_token=None, inter_token=250)
    assert off.initial_token_seconds is None and off.inter_token_seconds == 0.25
    with pytest.raises(ValueError, match="must be > 0"):
        Timeout(initial_token=0)
    assert Timeout(initial_token=1500.0).initial_token == 1500.0


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"initial_token": 0.5}, ValueError,
         r"Timeout\.initial_token=0\.5 looks like seconds; Timeout fields are milliseconds \(use 500\)"),
        ({"inter_token": 10.0}, ValueError, r"Timeout\.inter_token=10\.0 looks like seconds.*use 10000"),
        ({"initial_token": -1}, ValueError, r"Timeout\.initial_token must be > 0 milliseconds \(None disables it\), got -1"),
        ({"inter_token": "5000"}, TypeError, r"Timeout\.inter_token must be an int number of milliseconds"),
        ({"initial_token": True}, TypeError, r"Timeout\.initial_token must be an int"),
        ({"initial_token": float("inf")}, ValueError, r"Timeout\.initial_token must be a finite"),
    ],
)
def test_timeout_bad_input(kwargs: dict, exc: type, match: str) -> None:
    with pytest.raises(exc, match=match):
        Timeout(**kwargs)


def test_check_intervals() -> None:
    c = CheckIntervals()
    assert (c.guardrails, c.drift, c.checkpoint) == (15, 25, 20)
    with pytest.raises(ValueError, match=r"CheckIntervals\.guardrails must be a positive int \(>= 1\), got 0"):
        CheckIntervals(guardrails=0)
    with pytest.raises(TypeError, match=r"CheckIntervals\.drift must be an int, got float"):
        CheckIntervals(drift=2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="checkpoint"):
        CheckIntervals(checkpoint=-4)


# -- module surface --------------------------------------------------------------------------------


def test_aliases_and_lazy_runtime_names() -> None:
    import l0.types as t

    for name in ("RawStream", "AwaitableStream", "StreamFactory", "AwaitableStreamFactory", "StreamSource",
                 "AwaitableStreamSource"):
        assert getattr(t, name) is not None
    assert {"Stream", "LazyStream", "StreamContext"} <= set(dir(t))
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        t.Nope  # noqa: B018
    assert State.__module__ == "l0.types" and Retry.__module__ == "l0.types"


def test_replace_on_preset_gives_plain_retry() -> None:
    changed = dataclasses.replace(MINIMAL_RETRY, attempts=7)
    assert type(changed) is Retry and changed.attempts == 7 and changed.strategy is BackoffStrategy.LINEAR
    changed.attempts = 1
    assert MINIMAL_RETRY.attempts == 2


def test_runtime_names_load_lazily_from_l0_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import types as pytypes

    import l0.types as t

    fake = pytypes.ModuleType("l0.runtime")
    fake.Stream, fake.LazyStream, fake.StreamContext = object(), object(), object()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "l0.runtime", fake)
    saved = {n: t.__dict__.pop(n) for n in ("Stream", "LazyStream", "StreamContext") if n in t.__dict__}
    try:
        for name in ("Stream", "LazyStream", "StreamContext"):
            assert getattr(t, name) is getattr(fake, name)
            assert t.__dict__[name] is getattr(fake, name)  # cached after the first access
    finally:
        for name in ("Stream", "LazyStream", "StreamContext"):
            t.__dict__.pop(name, None)
        t.__dict__.update(saved)


def test_retry_assignment_is_validated_too() -> None:
    r = Retry()
    with pytest.raises(ValueError, match=r"Retry\.attempts must be >= 0, got -1"):
        r.attempts = -1
    with pytest.raises(ValueError, match=r"Retry\.strategy must be"):
        r.strategy = "never"  # type: ignore[assignment]
    r.strategy = "linear"  # type: ignore[assignment]
    r.max_delay = None  # type: ignore[assignment]
    assert r.strategy is BackoffStrategy.LINEAR and r.max_delay == 10.0 and r.attempts == 3


def test_timeout_and_intervals_assignment_validated() -> None:
    t = Timeout()
    with pytest.raises(ValueError, match="looks like seconds"):
        t.inter_token = 2.5  # type: ignore[assignment]
    t.inter_token = None
    assert t.inter_token_seconds is None
    c = CheckIntervals()
    with pytest.raises(ValueError, match=r"CheckIntervals\.drift"):
        c.drift = 0
    assert c.drift == 25
