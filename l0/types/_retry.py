"""Retry configuration: categories, strategies, per-error-type delays, ``Retry`` and its presets."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, fields
from enum import Enum
from typing import Any

from ._validate import check_callable, check_int, check_seconds


class ErrorCategory(str, Enum):
    """How an error is handled by the retry logic (see ``l0.errors.categorize_error``)."""

    NETWORK = "network"
    TRANSIENT = "transient"
    MODEL = "model"
    CONTENT = "content"
    PROVIDER = "provider"
    FATAL = "fatal"
    INTERNAL = "internal"


class BackoffStrategy(str, Enum):
    """Backoff formula used between retries (see ``l0.retry``)."""

    EXPONENTIAL = "exponential"
    LINEAR = "linear"
    FIXED = "fixed"
    FULL_JITTER = "full-jitter"
    FIXED_JITTER = "fixed-jitter"


class RetryableErrorType(str, Enum):
    """Error kinds a ``Retry.retry_on`` allow-list may name.

    ``TRUNCATED`` is an addition: a stream that ended without a terminal
    signal or with ``finish_reason="length"``.
    """

    ZERO_OUTPUT = "zero_output"
    GUARDRAIL_VIOLATION = "guardrail_violation"
    DRIFT = "drift"
    INCOMPLETE = "incomplete"
    NETWORK_ERROR = "network_error"
    TIMEOUT = "timeout"
    RATE_LIMIT = "rate_limit"
    SERVER_ERROR = "server_error"
    TRUNCATED = "truncated"


DEFAULT_RETRY_ON: list[RetryableErrorType] = list(RetryableErrorType)


@dataclass(frozen=True)
class RetryDefaults:
    """The defaults ``Retry()`` fills in (``network_max_delay`` is informational)."""

    attempts: int = 3
    max_retries: int = 6
    base_delay: float = 1.0
    max_delay: float = 10.0
    network_max_delay: float = 30.0
    backoff: BackoffStrategy = BackoffStrategy.FIXED_JITTER
    retry_on: tuple[RetryableErrorType, ...] = tuple(RetryableErrorType)


RETRY_DEFAULTS = RetryDefaults()


@dataclass(frozen=True)
class ErrorTypeDelayDefaults:
    """Default base delay in seconds per network error type."""

    connection_dropped: float = 1.0
    fetch_error: float = 0.5
    econnreset: float = 1.0
    econnrefused: float = 2.0
    sse_aborted: float = 0.5
    no_bytes: float = 0.5
    partial_chunks: float = 0.5
    runtime_killed: float = 2.0
    background_throttle: float = 5.0
    dns_error: float = 3.0
    ssl_error: float = 0.0
    timeout: float = 1.0
    unknown: float = 1.0


ERROR_TYPE_DELAY_DEFAULTS = ErrorTypeDelayDefaults()


@dataclass
class ErrorTypeDelays:
    """Base delay in seconds per network error type; ``None`` takes the default."""

    connection_dropped: float | None = None
    fetch_error: float | None = None
    econnreset: float | None = None
    econnrefused: float | None = None
    sse_aborted: float | None = None
    no_bytes: float | None = None
    partial_chunks: float | None = None
    runtime_killed: float | None = None
    background_throttle: float | None = None
    dns_error: float | None = None
    ssl_error: float | None = None
    timeout: float | None = None
    unknown: float | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                value = getattr(ERROR_TYPE_DELAY_DEFAULTS, f.name)
            setattr(self, f.name, check_seconds("ErrorTypeDelays", f.name, value))


def _coerce_strategy(value: Any) -> BackoffStrategy:
    if isinstance(value, BackoffStrategy):
        return value
    if isinstance(value, str):
        try:
            return BackoffStrategy(value)
        except ValueError:
            pass
        try:
            return BackoffStrategy[value.upper().replace("-", "_")]
        except KeyError:
            pass
    valid = ", ".join(repr(s.value) for s in BackoffStrategy)
    raise ValueError(f"Retry.strategy must be a BackoffStrategy or one of {valid}, got {value!r}")


def _coerce_retry_on(value: Any) -> list[RetryableErrorType]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(
            f"Retry.retry_on must be a list of RetryableErrorType (or their string values), got {value!r}"
        )
    out: list[RetryableErrorType] = []
    for item in value:
        try:
            out.append(item if isinstance(item, RetryableErrorType) else RetryableErrorType(item))
        except ValueError:
            valid = ", ".join(repr(t.value) for t in RetryableErrorType)
            raise ValueError(f"Retry.retry_on has unknown error type {item!r}; expected one of {valid}") from None
    return out


@dataclass(eq=False)
class Retry:
    """Retry policy. Delays are in seconds.

    ``None`` for ``attempts``, ``max_retries``, ``base_delay``, ``max_delay`` or
    ``strategy`` takes the value from :data:`RETRY_DEFAULTS`. Bad values raise
    ``TypeError``/``ValueError`` naming the field, at construction.

    Additions (after the reference fields): ``honor_retry_after`` (use a
    server's ``Retry-After`` hint as a lower bound of the delay) and
    ``max_retry_after`` (the ceiling in seconds for such a hint).
    """

    attempts: int | None = None
    max_retries: int | None = None
    base_delay: float | None = None
    max_delay: float | None = None
    strategy: BackoffStrategy | None = None
    error_type_delays: ErrorTypeDelays | None = None
    retry_on: list[RetryableErrorType] | None = None
    should_retry: Callable[..., bool | Awaitable[bool]] | None = None
    calculate_delay: Callable[..., float] | None = None
    honor_retry_after: bool = True
    max_retry_after: float = 300.0

    def __setattr__(self, name: str, value: Any) -> None:
        # Every assignment is checked, in __init__ and later (``retry.attempts = -1`` fails too).
        check = _RETRY_CHECKS.get(name)
        object.__setattr__(self, name, value if check is None else check(value))

    def __eq__(self, other: object) -> bool:
        # Compares as a Retry, so the read-only presets equal their factory's result.
        if not isinstance(other, Retry):
            return NotImplemented
        return all(getattr(self, f.name) == getattr(other, f.name) for f in fields(Retry))

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def minimal(cls) -> Retry:
        """2 attempts, 4 retries in total, linear backoff."""
        return cls(attempts=2, max_retries=4, base_delay=1.0, max_delay=10.0,
                   strategy=BackoffStrategy.LINEAR, error_type_delays=ErrorTypeDelays())

    @classmethod
    def recommended(cls) -> Retry:
        """3 attempts, 6 retries in total, fixed-jitter backoff."""
        return cls(attempts=3, max_retries=6, base_delay=1.0, max_delay=10.0,
                   strategy=BackoffStrategy.FIXED_JITTER, error_type_delays=ErrorTypeDelays())

    @classmethod
    def strict(cls) -> Retry:
        """3 attempts, 6 retries in total, full-jitter backoff."""
        return cls(attempts=3, max_retries=6, base_delay=1.0, max_delay=10.0,
                   strategy=BackoffStrategy.FULL_JITTER, error_type_delays=ErrorTypeDelays())

    @classmethod
    def exponential(cls) -> Retry:
        """4 attempts, 8 retries in total, exponential backoff."""
        return cls(attempts=4, max_retries=8, base_delay=1.0, max_delay=10.0,
                   strategy=BackoffStrategy.EXPONENTIAL, error_type_delays=ErrorTypeDelays())

    @classmethod
    def mobile(cls) -> Retry:
        """Full jitter up to 15 s, longer delays for throttled/dropped connections."""
        return cls(attempts=3, max_retries=6, base_delay=1.0, max_delay=15.0,
                   strategy=BackoffStrategy.FULL_JITTER,
                   error_type_delays=ErrorTypeDelays(background_throttle=15.0, timeout=3.0, connection_dropped=2.5))

    @classmethod
    def edge(cls) -> Retry:
        """Short delays (0.5 s base, 5 s cap) for edge runtimes."""
        return cls(attempts=3, max_retries=6, base_delay=0.5, max_delay=5.0,
                   strategy=BackoffStrategy.FIXED_JITTER,
                   error_type_delays=ErrorTypeDelays(runtime_killed=2.0, timeout=1.5))


def _with_default(default: Any, check: Any) -> Any:
    return lambda value: check(default if value is None else value)


def _check_error_type_delays(value: Any) -> ErrorTypeDelays | None:
    if value is None or isinstance(value, ErrorTypeDelays):
        return value
    if isinstance(value, dict):
        return ErrorTypeDelays(**value)
    raise TypeError(
        f"Retry.error_type_delays must be an ErrorTypeDelays, a dict of its fields, or None, got {type(value).__name__}"
    )


def _check_bool(name: str) -> Any:
    def check(value: Any) -> bool:
        if not isinstance(value, bool):
            raise TypeError(f"Retry.{name} must be a bool, got {type(value).__name__}")
        return value

    return check


_D = RETRY_DEFAULTS
_RETRY_CHECKS: dict[str, Any] = {
    "attempts": _with_default(_D.attempts, lambda v: check_int("Retry", "attempts", v, minimum=0)),
    "max_retries": _with_default(_D.max_retries, lambda v: check_int("Retry", "max_retries", v, minimum=0)),
    "base_delay": _with_default(_D.base_delay, lambda v: check_seconds("Retry", "base_delay", v)),
    "max_delay": _with_default(_D.max_delay, lambda v: check_seconds("Retry", "max_delay", v)),
    "strategy": _with_default(_D.backoff, _coerce_strategy),
    "error_type_delays": _check_error_type_delays,
    "retry_on": lambda v: None if v is None else _coerce_retry_on(v),
    "should_retry": lambda v: check_callable("Retry", "should_retry", v),
    "calculate_delay": lambda v: check_callable("Retry", "calculate_delay", v),
    "honor_retry_after": _check_bool("honor_retry_after"),
    "max_retry_after": lambda v: check_seconds("Retry", "max_retry_after", v),
}


class _PresetRetry(Retry):
    """A read-only shared preset (``MINIMAL_RETRY`` ...): mutating it would change every user's policy."""

    _frozen = False

    def __new__(cls, *args: Any, **kwargs: Any) -> Retry:
        if args or kwargs:
            # dataclasses.replace(PRESET, ...) builds through the class: give back a plain Retry.
            return Retry(*args, **kwargs)
        return super().__new__(cls)

    def __setattr__(self, name: str, value: Any) -> None:
        if self._frozen:
            raise AttributeError(
                f"{self._name} is a shared read-only preset; use Retry.{self._factory}() "
                f"or copy.copy({self._name}) for a copy you can change"
            )
        super().__setattr__(name, value)

    def __repr__(self) -> str:
        return "Retry" + super().__repr__()[len(type(self).__qualname__):]

    def __copy__(self) -> Retry:
        return Retry(**{f.name: getattr(self, f.name) for f in fields(self)})

    def __deepcopy__(self, memo: dict[int, Any]) -> Retry:
        import copy

        return Retry(**{f.name: copy.deepcopy(getattr(self, f.name), memo) for f in fields(self)})

    def __reduce__(self) -> tuple[Any, ...]:
        return (_preset, (self._name,))


def _make_preset(name: str, factory: str) -> Retry:
    base = getattr(Retry, factory)()
    preset = _PresetRetry.__new__(_PresetRetry)
    object.__setattr__(preset, "_name", name)
    object.__setattr__(preset, "_factory", factory)
    _PresetRetry.__init__(preset, **{f.name: getattr(base, f.name) for f in fields(base)})
    object.__setattr__(preset, "_frozen", True)
    return preset


def _preset(name: str) -> Retry:
    return globals()[name]


MINIMAL_RETRY: Retry = _make_preset("MINIMAL_RETRY", "minimal")
RECOMMENDED_RETRY: Retry = _make_preset("RECOMMENDED_RETRY", "recommended")
STRICT_RETRY: Retry = _make_preset("STRICT_RETRY", "strict")
EXPONENTIAL_RETRY: Retry = _make_preset("EXPONENTIAL_RETRY", "exponential")
