"""``_internal_run``: argument validation (at call time) and the start of a run."""

from __future__ import annotations

import inspect
import logging
from operator import is_not
from types import FunctionType
from collections import deque
from collections.abc import Callable
from typing import Any

from l0._backend import hot_iterate
from l0.adapters._registry import get_adapter, get_registered_adapters
from l0.events import EventBus
from l0.events import ObservabilityEventType as O
from l0.types import CheckIntervals, Retry, Timeout

from ._callbacks import LifecycleCallbacks, merge_callbacks
from ._engine import drive
from ._runner import Runner
from ._stream import Stream

__all__ = ["_internal_run", "validate", "start", "TRUNCATION_POLICIES", "DEFAULT_RAW_LIMIT"]

logger = logging.getLogger("l0")

TRUNCATION_POLICIES = ("retry", "error", "ignore")
DEFAULT_RAW_LIMIT = 10_000

_CALLBACK_ARGS: tuple[str, ...] = ("on_start", "on_complete", "on_error", "on_stream_event", "on_violation", "on_retry",
                  "on_fallback", "on_resume", "on_checkpoint", "on_timeout", "on_abort", "on_drift",
                  "on_tool_call", "on_token")


_NONES = (None,) * len(_CALLBACK_ARGS)
_CO_VARARGS = inspect.CO_VARARGS


def _wants_context(factory: Callable[..., Any]) -> bool:
    """Whether a stream factory takes the :class:`StreamContext` (decided once, from its signature)."""
    code = getattr(factory, "__code__", None)
    if type(factory) is FunctionType and code is not None:
        # Fast path for plain functions (inspect.signature costs ~10 us per run).
        if code.co_flags & _CO_VARARGS:
            return True
        if code.co_argcount == 0:
            return False
        defaults = factory.__defaults__ or ()
        first = code.co_varnames[0]
        return code.co_argcount > len(defaults) or first in ("ctx", "context", "stream_context")
    try:
        sig = inspect.signature(factory)
    except (TypeError, ValueError):
        return False
    for p in sig.parameters.values():
        if p.kind is p.VAR_POSITIONAL:
            return True
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            return p.default is p.empty or p.name in ("ctx", "context", "stream_context")
    return False


def _is_single_source(obj: Any) -> bool:
    return hasattr(obj, "__aiter__") or inspect.isawaitable(obj)


class _OneShot:
    """Factory over a raw stream object: it can be handed out once only."""

    __slots__ = ("_obj", "_used")

    def __init__(self, obj: Any) -> None:
        self._obj = obj
        self._used = False

    def __call__(self) -> Any:
        if self._used:
            from l0.errors import Error, ErrorCode

            err = Error("the stream was already consumed by an earlier attempt and cannot be read again; "
                        "pass a stream factory to l0.run() to allow retries", code=ErrorCode.INVALID_STREAM)
            err.l0_retryable = False  # type: ignore[attr-defined]
            raise err
        self._used = True
        return self._obj


def _source(value: Any, name: str) -> tuple[Callable[..., Any], bool, bool]:
    """``(factory, wants_context, single_use)`` for a ``stream``/``fallbacks`` entry."""
    if type(value) is FunctionType:
        return value, _wants_context(value), False
    if callable(value) and not hasattr(value, "__aiter__"):
        return value, _wants_context(value), False
    if _is_single_source(value):
        return _OneShot(value), False, True
    raise TypeError(
        f"{name} must be a stream factory (a callable returning an async iterator, or a coroutine resolving "
        f"to one) or an async iterable, got {type(value).__name__}"
    )


_DEFAULT_RETRY: Retry | None = None
_DEFAULT_INTERVALS: CheckIntervals | None = None
_CHECKED_TIMEOUT: tuple[Timeout, Any, Any] | None = None


def _default_retry() -> Retry:
    global _DEFAULT_RETRY
    # The runtime only reads its Retry, so one default instance serves every run.
    if _DEFAULT_RETRY is None:
        _DEFAULT_RETRY = Retry()
    return _DEFAULT_RETRY


def _check_retry(retry: Any) -> Retry:
    if retry is None:
        return _default_retry()
    if not isinstance(retry, Retry):
        raise TypeError(f"retry must be a l0.Retry or None, got {type(retry).__name__}")
    for field in ("attempts", "max_retries"):
        value = getattr(retry, field)
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"retry.{field} must be an int, got {type(value).__name__} ({value!r})")
        if value < 0:
            raise ValueError(f"retry.{field} must be >= 0, got {value}")
    for field in ("base_delay", "max_delay"):
        value = getattr(retry, field)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value < 0:
            raise ValueError(f"retry.{field} must be a non-negative number of seconds, got {value!r}")
    for field in ("should_retry", "calculate_delay"):
        value = getattr(retry, field)
        if value is not None and not callable(value):
            raise TypeError(f"retry.{field} must be callable or None, got {type(value).__name__}")
    return retry


def _check_timeout(timeout: Any) -> Timeout | None:
    if timeout is None:
        return None
    global _CHECKED_TIMEOUT
    if not isinstance(timeout, Timeout):
        raise TypeError(f"timeout must be a l0.Timeout (milliseconds) or None, got {type(timeout).__name__}")
    initial, inter = timeout.initial_token, timeout.inter_token
    last = _CHECKED_TIMEOUT
    if last is not None and last[0] is timeout and last[1] is initial and last[2] is inter:
        return timeout  # the same object with the same values passed these checks last time
    # Re-run the field checks: the object may have been mutated after construction.
    Timeout(initial_token=initial, inter_token=inter)
    _CHECKED_TIMEOUT = (timeout, initial, inter)
    return timeout


def _check_intervals(value: Any) -> CheckIntervals:
    global _DEFAULT_INTERVALS
    if value is None:
        # Only read by the runtime (never handed out), so one default instance serves every run.
        if _DEFAULT_INTERVALS is None:
            _DEFAULT_INTERVALS = CheckIntervals()
        return _DEFAULT_INTERVALS
    if isinstance(value, dict):
        try:
            return CheckIntervals(**value)
        except TypeError as exc:
            raise TypeError(f"check_intervals: {exc}") from None
    if not isinstance(value, CheckIntervals):
        raise TypeError(f"check_intervals must be a l0.CheckIntervals, a dict or None, got {type(value).__name__}")
    return CheckIntervals(value.guardrails, value.drift, value.checkpoint)


def _check_adapter(adapter: Any) -> Any:
    if adapter is None:
        return None
    if isinstance(adapter, str):
        if get_adapter(adapter) is None:
            raise ValueError(f"adapter: unknown adapter name {adapter!r}; registered: "
                             f"{', '.join(get_registered_adapters()) or '(none)'}")
        return adapter
    if not callable(getattr(adapter, "wrap", None)):
        raise TypeError(f"adapter must be an adapter name, an object with wrap(stream), or None, "
                        f"got {type(adapter).__name__}")
    return adapter


def _check_continuation(value: Any) -> Any:
    from l0.continuation import ContinuationConfig

    if value is None or value is False:
        return None
    if value is True:
        return ContinuationConfig()
    if isinstance(value, ContinuationConfig):
        return value if value.enabled else None
    raise TypeError(f"continue_from_last_good_token must be a bool or a ContinuationConfig, got {type(value).__name__}")


def _check_rules(rules: Any) -> list[Any]:
    if rules is None:
        return []
    if not isinstance(rules, (list, tuple)):
        raise TypeError(f"guardrails must be a list of GuardrailRule or None, got {type(rules).__name__}")
    for i, rule in enumerate(rules):
        if isinstance(rule, type):
            raise TypeError(f"guardrails[{i}] must be a GuardrailRule instance, got the class {rule.__name__} "
                            f"(call it or use a rule factory such as l0.guardrails.json_rule())")
        if inspect.iscoroutinefunction(getattr(rule, "check", None)):
            raise TypeError(f"guardrails[{i}] ({getattr(rule, 'name', '?')!r}): check is an async function; "
                            f"guardrail checks run synchronously and must return a list of GuardrailViolation")
        if not (callable(getattr(rule, "new_session", None)) or callable(getattr(rule, "check", None))):
            raise TypeError(f"guardrails[{i}] must be a GuardrailRule (with check or new_session), "
                            f"got {type(rule).__name__}")
        if not isinstance(getattr(rule, "name", None), str):
            raise TypeError(f"guardrails[{i}] must have a str name")
    return list(rules)


def _check_drift(drift: Any) -> None:
    if isinstance(drift, type):
        raise TypeError(f"drift_detector must be a DriftDetector instance or None, got the class {drift.__name__} "
                        f"(call it: {drift.__name__}())")
    if not (callable(getattr(drift, "new_session", None)) or callable(getattr(drift, "check", None))):
        raise TypeError(f"drift_detector must be a DriftDetector or None, got {type(drift).__name__}")
    for name in ("new_session", "check"):
        if inspect.iscoroutinefunction(getattr(drift, name, None)):
            raise TypeError(f"drift_detector {type(drift).__name__}.{name} is an async function; "
                            f"drift checks run synchronously")


def _raw_store(value: Any) -> Any:
    if value is None or value is False:
        return None
    if value is True:
        return deque(maxlen=DEFAULT_RAW_LIMIT)
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return deque(maxlen=value)
    raise ValueError(f"keep_raw_chunks must be a bool or a positive int (the most chunks kept), got {value!r}")


def _check_monitoring(value: Any) -> Any:
    if value is None or value is False:
        return None
    from l0.monitoring.run_telemetry import TelemetryOptions

    return TelemetryOptions.of(value)


def validate(stream: Any, options: dict[str, Any], *, single_use: bool = False) -> dict[str, Any]:
    """Check every argument of a run now and return the runner's configuration.

    Checks run in a fixed order (the first bad argument is the one reported);
    an argument left at its default skips its check, whose result is known.
    """
    get = options.get
    factory, wants, one_shot = _source(stream, "stream")
    streams = [(factory, wants, one_shot or single_use)]
    fallbacks = get("fallbacks")
    if fallbacks is not None:
        if not isinstance(fallbacks, (list, tuple)):
            raise TypeError(f"fallbacks must be a list of stream factories or None, got {type(fallbacks).__name__}")
        for i, fb in enumerate(fallbacks):
            fb_factory, fb_wants, fb_once = _source(fb, f"fallbacks[{i}]")
            streams.append((fb_factory, fb_wants, fb_once))
    drift = get("drift_detector")
    if drift is not None:
        _check_drift(drift)
    context = get("context")
    if context is not None and not isinstance(context, dict):
        raise TypeError(f"context must be a dict or None, got {type(context).__name__}")
    on_event = get("on_event")
    if on_event is not None and not callable(on_event):
        raise TypeError(f"on_event must be callable or None, got {type(on_event).__name__}")
    build = get("build_continuation_prompt")
    if build is not None and not callable(build):
        raise TypeError(f"build_continuation_prompt must be callable or None, got {type(build).__name__}")
    truncation = get("truncation", "retry")
    if truncation not in TRUNCATION_POLICIES:
        raise ValueError(f"truncation must be one of {', '.join(TRUNCATION_POLICIES)}, got {truncation!r}")
    bundle = get("callbacks")
    if bundle is None and not any(map(is_not, map(get, _CALLBACK_ARGS), _NONES)):
        callbacks: dict[str, Any] = {}
    else:
        callbacks = merge_callbacks(bundle, {k: v for k in _CALLBACK_ARGS if (v := get(k)) is not None})
    rules = get("guardrails")
    retry = get("retry")
    timeout = get("timeout")
    adapter = get("adapter")
    continuation = get("continue_from_last_good_token", False)
    rate_limit = get("rate_limit")
    if rate_limit is not None:
        from l0.ratelimit._core import coerce_rate_limit

        rate_limit = coerce_rate_limit(rate_limit)
    return {
        "streams": streams,
        "guardrails": [] if rules is None else _check_rules(rules),
        "drift_detector": drift,
        "retry": _default_retry() if retry is None else _check_retry(retry),
        "timeout": None if timeout is None else _check_timeout(timeout),
        "check_intervals": _check_intervals(get("check_intervals")),
        "adapter": None if adapter is None else _check_adapter(adapter),
        "on_event": on_event,
        "context": context,
        "buffer_tool_calls": bool(get("buffer_tool_calls", False)),
        "continuation": None if continuation is False or continuation is None else _check_continuation(continuation),
        "build_continuation_prompt": build,
        "callbacks": callbacks,
        "truncation": truncation,
        "keep_raw_chunks": get("keep_raw_chunks", False),
        "token_events": bool(get("token_events", False)),
        "monitoring": _check_monitoring(get("monitoring")),
        "rate_limit": rate_limit,
    }


def start(cfg: dict[str, Any]) -> Stream[Any]:
    """Build the runner and its stream; emits SESSION_START. No factory is called yet."""
    collector, on_event = None, cfg["on_event"]
    if cfg.get("monitoring") is not None:
        from l0.monitoring.run_telemetry import attach

        collector, on_event = attach(cfg["monitoring"], on_event)
        cfg = {**cfg, "on_event": on_event}
    bus = EventBus(on_event, cfg["context"])
    keep = cfg["keep_raw_chunks"]
    stream = _launch(Runner(cfg, bus, None if keep is False or keep is None else _raw_store(keep)))
    if collector is not None:
        collector.bind(stream)
        stream._telemetry = collector
    return stream


def _launch(run: Runner) -> Stream[Any]:
    # The consumer iterates the hot iterator, which runs drive() and serves plain tokens itself.
    gen = hot_iterate(drive(run))
    run.gen = gen
    stream: Stream[Any] = Stream(gen, run.state, run.abort, errors=run.errors, raw_chunks=run.raw_chunks)
    stream._runner = run
    if run.bus.enabled:
        run.emit(O.SESSION_START, attempt=1, isRetry=False, isFallback=False)
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("Starting L0 stream: %s", run.bus.stream_id)
    return stream


async def _internal_run(
    stream: Any,
    *,
    fallbacks: list[Any] | None = None,
    guardrails: list[Any] | None = None,
    drift_detector: Any = None,
    retry: Retry | None = None,
    timeout: Timeout | None = None,
    check_intervals: CheckIntervals | None = None,
    adapter: Any = None,
    on_event: Callable[..., Any] | None = None,
    context: dict[str, Any] | None = None,
    buffer_tool_calls: bool = False,
    continue_from_last_good_token: Any = False,
    build_continuation_prompt: Callable[[str], str] | None = None,
    callbacks: LifecycleCallbacks | None = None,
    on_start: Callable[..., Any] | None = None,
    on_complete: Callable[..., Any] | None = None,
    on_error: Callable[..., Any] | None = None,
    on_stream_event: Callable[..., Any] | None = None,
    on_violation: Callable[..., Any] | None = None,
    on_retry: Callable[..., Any] | None = None,
    on_fallback: Callable[..., Any] | None = None,
    on_resume: Callable[..., Any] | None = None,
    on_checkpoint: Callable[..., Any] | None = None,
    on_timeout: Callable[..., Any] | None = None,
    on_abort: Callable[..., Any] | None = None,
    on_drift: Callable[..., Any] | None = None,
    on_tool_call: Callable[..., Any] | None = None,
    on_token: Callable[..., Any] | None = None,
    truncation: str = "retry",
    keep_raw_chunks: bool | int = False,
    token_events: bool = False,
    monitoring: Any = None,
    rate_limit: Any = None,
) -> Stream[Any]:
    """Validate everything, emit SESSION_START and return the :class:`Stream` (lazy: nothing runs yet)."""
    if (fallbacks is None and guardrails is None and drift_detector is None and retry is None and timeout is None
            and check_intervals is None and adapter is None and on_event is None and context is None
            and buffer_tool_calls is False and continue_from_last_good_token is False
            and build_continuation_prompt is None and callbacks is None and on_start is None and on_complete is None
            and on_error is None and on_stream_event is None and on_violation is None and on_retry is None
            and on_fallback is None and on_resume is None and on_checkpoint is None and on_timeout is None
            and on_abort is None and on_drift is None and on_tool_call is None and on_token is None
            and truncation == "retry" and keep_raw_chunks is False and token_events is False
            and monitoring is None):
        # Every option at its default: only the stream needs checking (the common case, kept cheap).
        runner = Runner.plain([_source(stream, "stream")], EventBus(), _DEFAULT_RETRY or _default_retry())
        if rate_limit is not None:
            from l0.ratelimit._core import coerce_rate_limit

            config = coerce_rate_limit(rate_limit)
            if config is not None:
                runner.rate_gate = config.gate(1)
        return _launch(runner)
    options = dict(locals())
    options.pop("stream")
    return start(validate(stream, options))
