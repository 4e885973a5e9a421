"""Recorded events, envelopes, snapshots, replayed state and their (de)serialisation.

Timestamps (``ts``) are float milliseconds since the epoch. ``seq`` is 0-based per stream.
Every event serialises to a flat dict with snake_case keys (``{"type": "TOKEN", "ts": ..., "value":
..., "index": ...}``) and back with :func:`event_from_dict`; this is the format of every store.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import asdict, dataclass, field, fields
from enum import Enum
from typing import Any, Union

from uuid6 import uuid7


class RecordedEventType(str, Enum):
    """Kind of a recorded event (each value equals its name).

    The first ten are the reference's. ``ATTEMPT``, ``CHUNK`` and ``SOURCE_END`` are l0's
    additions: what the provider sent to each attempt, so that a recording can be re-run
    through :func:`l0.run` (:func:`l0.eventsourcing.replay_run`).
    """

    START = "START"
    TOKEN = "TOKEN"
    CHECKPOINT = "CHECKPOINT"
    GUARDRAIL = "GUARDRAIL"
    DRIFT = "DRIFT"
    RETRY = "RETRY"
    FALLBACK = "FALLBACK"
    CONTINUATION = "CONTINUATION"
    COMPLETE = "COMPLETE"
    ERROR = "ERROR"
    ATTEMPT = "ATTEMPT"
    CHUNK = "CHUNK"
    SOURCE_END = "SOURCE_END"


def now_ms() -> float:
    """Milliseconds since the epoch (float)."""
    return time.time() * 1000.0


def generate_stream_id() -> str:
    """A new stream id: a UUIDv7 string (time-ordered, so ids sort by creation time)."""
    return str(uuid7())


@dataclass
class SerializedOptions:
    """The serialisable part of a run's options, stored in the START event."""

    prompt: str | None = None
    model: str | None = None
    retry: dict[str, Any] | None = None
    timeout: dict[str, Any] | None = None
    check_intervals: dict[str, Any] | None = None
    continue_from_checkpoint: bool = False
    detect_drift: bool = False
    detect_zero_tokens: bool = False
    fallback_count: int = 0
    guardrail_count: int = 0
    metadata: dict[str, Any] | None = None


@dataclass
class SerializedError:
    """An exception as data: ``name`` is the class name, ``message`` its ``str``."""

    name: str
    message: str
    code: str | None = None
    stack: str | None = None
    metadata: dict[str, Any] | None = None


@dataclass
class GuardrailEventResult:
    violations: list[dict[str, Any]] = field(default_factory=list)
    should_retry: bool = False
    should_halt: bool = False


@dataclass
class DriftEventResult:
    detected: bool = False
    types: list[str] = field(default_factory=list)
    confidence: float = 0.0


class _LegacyData:
    """``event.data``: the fields other than ``type``/``ts`` as a dict (the shape of the legacy
    ``l0.event_sourcing.RecordedEvent.data``), so code written for either reads both."""

    __slots__ = ()

    @property
    def data(self) -> dict[str, Any]:
        return {f.name: _data_value(getattr(self, f.name)) for f in fields(self)  # type: ignore[arg-type]
                if f.name not in ("type", "ts")}


def _data_value(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__") and not isinstance(value, type):
        return asdict(value)
    return value


@dataclass
class StartEvent(_LegacyData):
    type: RecordedEventType = RecordedEventType.START
    ts: float = 0.0
    options: SerializedOptions = field(default_factory=SerializedOptions)


@dataclass
class TokenEvent(_LegacyData):
    """One token as the provider delivered it (``index`` 0-based over the whole run)."""

    type: RecordedEventType = RecordedEventType.TOKEN
    ts: float = 0.0
    value: str = ""
    index: int = 0


@dataclass
class CheckpointEvent(_LegacyData):
    type: RecordedEventType = RecordedEventType.CHECKPOINT
    ts: float = 0.0
    at: int = 0
    content: str = ""


@dataclass
class GuardrailEvent(_LegacyData):
    type: RecordedEventType = RecordedEventType.GUARDRAIL
    ts: float = 0.0
    at: int = 0
    result: GuardrailEventResult = field(default_factory=GuardrailEventResult)


@dataclass
class DriftEvent(_LegacyData):
    type: RecordedEventType = RecordedEventType.DRIFT
    ts: float = 0.0
    at: int = 0
    result: DriftEventResult = field(default_factory=DriftEventResult)


@dataclass
class RetryEvent(_LegacyData):
    type: RecordedEventType = RecordedEventType.RETRY
    ts: float = 0.0
    reason: str = ""
    attempt: int = 1
    counts_toward_limit: bool = True


@dataclass
class FallbackEvent(_LegacyData):
    type: RecordedEventType = RecordedEventType.FALLBACK
    ts: float = 0.0
    to: int = 0


@dataclass
class ContinuationEvent(_LegacyData):
    type: RecordedEventType = RecordedEventType.CONTINUATION
    ts: float = 0.0
    checkpoint: str = ""
    at: int = 0


@dataclass
class CompleteEvent(_LegacyData):
    type: RecordedEventType = RecordedEventType.COMPLETE
    ts: float = 0.0
    content: str = ""
    token_count: int = 0


@dataclass
class ErrorEvent(_LegacyData):
    type: RecordedEventType = RecordedEventType.ERROR
    ts: float = 0.0
    error: SerializedError = field(default_factory=lambda: SerializedError("Error", ""))
    failure_type: str = ""
    recovery_strategy: str = ""
    policy: str = ""


@dataclass
class AttemptEvent(_LegacyData):
    """A provider stream was opened (l0 addition): ``attempt`` 1-based over the run,
    ``fallback`` the index of the factory (0 = primary), ``checkpoint`` the resume text."""

    type: RecordedEventType = RecordedEventType.ATTEMPT
    ts: float = 0.0
    attempt: int = 1
    fallback: int = 0
    checkpoint: str = ""


@dataclass
class ChunkEvent(_LegacyData):
    """A non-token item of a provider stream (l0 addition), as :func:`event_to_dict` of the l0
    ``Event`` (tool calls, data, progress, messages, the provider's own COMPLETE)."""

    type: RecordedEventType = RecordedEventType.CHUNK
    ts: float = 0.0
    event: dict[str, Any] = field(default_factory=dict)


@dataclass
class SourceEndEvent(_LegacyData):
    """How a provider stream ended (l0 addition): ``outcome`` is ``"end"`` (exhausted),
    ``"error"`` (it raised ``error``) or ``"closed"`` (the runtime stopped reading it, e.g. on a
    timeout or a guardrail); ``waited_ms`` is the time since its last item."""

    type: RecordedEventType = RecordedEventType.SOURCE_END
    ts: float = 0.0
    outcome: str = "end"
    error: SerializedError | None = None
    waited_ms: float = 0.0


RecordedEvent = Union[
    StartEvent, TokenEvent, CheckpointEvent, GuardrailEvent, DriftEvent, RetryEvent, FallbackEvent,
    ContinuationEvent, CompleteEvent, ErrorEvent, AttemptEvent, ChunkEvent, SourceEndEvent,
]

EVENT_CLASSES: dict[RecordedEventType, type] = {
    RecordedEventType.START: StartEvent,
    RecordedEventType.TOKEN: TokenEvent,
    RecordedEventType.CHECKPOINT: CheckpointEvent,
    RecordedEventType.GUARDRAIL: GuardrailEvent,
    RecordedEventType.DRIFT: DriftEvent,
    RecordedEventType.RETRY: RetryEvent,
    RecordedEventType.FALLBACK: FallbackEvent,
    RecordedEventType.CONTINUATION: ContinuationEvent,
    RecordedEventType.COMPLETE: CompleteEvent,
    RecordedEventType.ERROR: ErrorEvent,
    RecordedEventType.ATTEMPT: AttemptEvent,
    RecordedEventType.CHUNK: ChunkEvent,
    RecordedEventType.SOURCE_END: SourceEndEvent,
}


_TYPED = frozenset(EVENT_CLASSES.values())


@dataclass
class EventEnvelope:
    """An event as stored: its stream and its 0-based position in it."""

    stream_id: str
    seq: int
    event: RecordedEvent


@dataclass
class Snapshot:
    """The folded state of a stream up to and including ``seq``."""

    stream_id: str
    seq: int
    ts: float
    content: str
    token_count: int
    checkpoint: str
    violations: list[dict[str, Any]] = field(default_factory=list)
    drift_detected: bool = False
    retry_attempts: int = 0
    network_retry_count: int = 0
    fallback_index: int = 0
    start_ts: float = 0.0  # l0 addition: the START time, so a replay from a snapshot keeps it


@dataclass
class ReplayedState:
    content: str = ""
    token_count: int = 0
    checkpoint: str = ""
    violations: list[dict[str, Any]] = field(default_factory=list)
    drift_detected: bool = False
    retry_attempts: int = 0
    network_retry_count: int = 0
    fallback_index: int = 0
    completed: bool = False
    error: SerializedError | None = None
    start_ts: float = 0.0
    end_ts: float = 0.0


@dataclass
class ReplayOptions:
    stream_id: str
    speed: float = 0.0
    fire_callbacks: bool = False
    from_seq: int = 0
    to_seq: int | None = None


@dataclass
class RecordOptions:
    """Options of :class:`~l0.eventsourcing.EventRecorder` (read by it, unlike the reference's)."""

    stream_id: str | None = None
    save_snapshots: bool = False
    snapshot_interval: int = 100


@dataclass
class StreamMetadata:
    stream_id: str
    event_count: int
    token_count: int
    start_ts: float
    end_ts: float
    completed: bool
    has_error: bool
    options: SerializedOptions | None = None


# --- errors -------------------------------------------------------------------------------------


class EventStoreError(Exception):
    """Base of the event-sourcing errors."""


class StreamNotFoundError(EventStoreError, LookupError, ValueError):
    """A stream id with no events in the store (a ``ValueError`` too, as the reference raised)."""

    def __init__(self, stream_id: str, store: str = "") -> None:
        where = f" (in {store})" if store else ""
        super().__init__(f"Stream not found: {stream_id}{where}")
        self.stream_id = stream_id


class CorruptEventError(EventStoreError, ValueError):
    """A stored row or line that is not a valid event (``where`` names the file/line or row)."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"Corrupted event at {where}: {reason}")
        self.where = where
        self.reason = reason


class StoreUnavailableError(EventStoreError, ConnectionError):
    """The store cannot be reached (server down, connection lost)."""


class InvalidStreamIdError(EventStoreError, ValueError):
    """A stream id that is not a non-empty string of ``[A-Za-z0-9_-]`` (at most 200 chars)."""


def _valid_id_char(c: str) -> bool:
    return c.isascii() and (c.isalnum() or c in "_-")


def validate_stream_id(stream_id: Any) -> str:
    """Return ``stream_id`` if it is a valid id, else raise :class:`InvalidStreamIdError`
    (``TypeError`` when it is not a str)."""
    if not isinstance(stream_id, str):
        raise TypeError(f"stream_id must be a non-empty str, got {stream_id!r}")
    if not stream_id or len(stream_id) > 200 or not all(
        _valid_id_char(c) for c in stream_id
    ):
        raise InvalidStreamIdError(
            f"stream_id must be a non-empty str of letters, digits, '_' or '-' (at most 200), got {stream_id!r}"
        )
    return stream_id


# --- (de)serialisation --------------------------------------------------------------------------


def serialize_error(error: BaseException, *, with_cause: bool = True) -> SerializedError:
    """An exception as :class:`SerializedError`.

    ``metadata`` keeps what re-raising an equivalent exception needs (:func:`deserialize_error`):
    the class chain (``mro``: module and name of each class), ``status_code``/``errno``/``code``,
    and the ``__cause__`` (one level).
    """
    code = getattr(error, "code", None)
    code = getattr(code, "value", code)
    meta: dict[str, Any] = {}
    user_meta = getattr(error, "metadata", None)
    if isinstance(user_meta, dict):
        meta.update(user_meta)
    meta["mro"] = [[c.__module__, c.__name__] for c in type(error).__mro__ if c not in (BaseException, object)]
    for attr in ("status_code", "status", "errno", "timeout_type", "timeout_seconds", "elapsed_seconds"):
        try:
            value = getattr(error, attr, None)
        except Exception:
            value = None
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            meta[attr] = value
    if with_cause and error.__cause__ is not None:
        meta["cause"] = asdict(serialize_error(error.__cause__, with_cause=False))
    stack = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return SerializedError(
        name=type(error).__name__,
        message=str(error),
        code=None if code is None else str(code),
        stack=stack,
        metadata=meta,
    )


_SYNTHETIC: dict[tuple[tuple[str, str], ...], type] = {}


def _synthetic_class(chain: list[list[str]]) -> type:
    """A stand-in class whose MRO has the recorded names and modules, so that l0's error
    classification (by class name and module) treats it like the original."""
    key = tuple((m, n) for m, n in chain)
    cls = _SYNTHETIC.get(key)
    if cls is not None:
        return cls
    base: type = Exception
    for module, name in reversed(chain):
        if (module, name) in (("builtins", "Exception"),):
            continue
        if module == "builtins":
            import builtins

            found = getattr(builtins, name, None)
            if isinstance(found, type) and issubclass(found, Exception) and issubclass(found, base):
                base = found
                continue
        base = type(name, (base,), {"__module__": module, "__qualname__": name})
    _SYNTHETIC[key] = base
    return base


def deserialize_error(se: SerializedError | dict[str, Any]) -> Exception:
    """An exception equivalent to the recorded one.

    ``l0.Error`` is rebuilt as itself; any other class is a stand-in with the same class names
    and modules in its MRO (so ``type(e).__name__`` and l0's retry classification match), the
    same ``str``, ``code``, ``status_code`` and ``__cause__``. ``original_type``, ``stack`` and
    ``metadata`` are set as attributes.
    """
    if isinstance(se, dict):
        se = SerializedError(**se)
    meta = dict(se.metadata or {})
    chain = meta.pop("mro", None) or [["builtins", "Exception"]]
    cause = meta.pop("cause", None)
    exc: Exception
    if chain and chain[0] == ["l0.errors", "Error"] and se.code:
        from l0.errors import Error

        try:
            exc = Error(se.message, code=se.code)
        except ValueError:
            exc = Exception(se.message)
    elif chain and chain[0][1] == "TimeoutError" and chain[0][0].split(".")[0] == "l0" and "timeout_type" in meta:
        from l0.runtime import TimeoutError as L0TimeoutError

        exc = L0TimeoutError(se.message, meta.pop("timeout_type"), meta.pop("timeout_seconds", 0.0),
                             meta.pop("elapsed_seconds", None))
    else:
        cls = _synthetic_class(chain)
        try:
            exc = cls(se.message)
        except Exception:
            exc = _synthetic_class([["builtins", "Exception"]])(se.message)
        if se.code is not None:
            exc.code = se.code  # type: ignore[attr-defined]
    for attr in ("status_code", "status", "errno"):
        if attr in meta:
            setattr(exc, attr, meta.pop(attr))
    exc.original_type = se.name  # type: ignore[attr-defined]
    exc.stack = se.stack  # type: ignore[attr-defined]
    exc.metadata = meta or None  # type: ignore[attr-defined]
    if cause is not None:
        exc.__cause__ = deserialize_error(cause)
    return exc


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    return value


def event_to_dict(event: RecordedEvent) -> dict[str, Any]:
    """A recorded event as a flat JSON-ready dict (``type`` as its string value)."""
    cls = type(event)
    if cls not in _TYPED:
        # a legacy ``l0.event_sourcing.RecordedEvent(type, ts, data)``: stored as the typed event
        return event_to_dict(event_from_dict({"type": _plain(event.type), "ts": event.ts, **(event.data or {})}))
    if cls is TokenEvent:  # the common case, without asdict's deep copy
        return {"type": "TOKEN", "ts": event.ts, "value": event.value, "index": event.index}  # type: ignore[union-attr]
    out = asdict(event)
    out["type"] = _plain(event.type)
    return out


def _build(cls: type, data: Any) -> Any:
    if data is None or isinstance(data, cls):
        return data
    if not isinstance(data, dict):
        raise TypeError(f"expected an object for {cls.__name__}, got {type(data).__name__}")
    return cls(**data)


def event_from_dict(data: Any) -> RecordedEvent:
    """The inverse of :func:`event_to_dict`. Raises ``ValueError``/``TypeError`` naming the
    problem on anything else."""
    if not isinstance(data, dict):
        raise TypeError(f"an event must be a JSON object, got {type(data).__name__}")
    kind = data.get("type")
    try:
        etype = RecordedEventType(kind)
    except ValueError:
        raise ValueError(f"unknown event type {kind!r}") from None
    if etype is RecordedEventType.TOKEN:
        return TokenEvent(ts=float(data.get("ts", 0.0)), value=data.get("value", ""), index=data.get("index", 0))
    cls = EVENT_CLASSES[etype]
    kwargs = {k: v for k, v in data.items() if k != "type"}
    names = {f.name for f in fields(cls)}
    unknown = set(kwargs) - names
    if unknown:
        raise ValueError(f"unknown field(s) {sorted(unknown)} for {etype.value} event")
    if etype is RecordedEventType.START:
        kwargs["options"] = _build(SerializedOptions, kwargs.get("options")) or SerializedOptions()
    elif etype is RecordedEventType.GUARDRAIL:
        kwargs["result"] = _build(GuardrailEventResult, kwargs.get("result")) or GuardrailEventResult()
    elif etype is RecordedEventType.DRIFT:
        kwargs["result"] = _build(DriftEventResult, kwargs.get("result")) or DriftEventResult()
    elif etype in (RecordedEventType.ERROR, RecordedEventType.SOURCE_END) and "error" in kwargs:
        kwargs["error"] = _build(SerializedError, kwargs["error"])
    return cls(**kwargs)  # type: ignore[no-any-return]


def envelope_to_dict(env: EventEnvelope) -> dict[str, Any]:
    return {"stream_id": env.stream_id, "seq": env.seq, "event": event_to_dict(env.event)}


def envelope_from_dict(data: Any) -> EventEnvelope:
    if not isinstance(data, dict) or "seq" not in data or "event" not in data:
        raise ValueError("an envelope must be an object with 'stream_id', 'seq' and 'event'")
    return EventEnvelope(str(data.get("stream_id", "")), int(data["seq"]), event_from_dict(data["event"]))


def snapshot_to_dict(s: Snapshot) -> dict[str, Any]:
    return asdict(s)


def snapshot_from_dict(data: dict[str, Any]) -> Snapshot:
    return Snapshot(**data)
