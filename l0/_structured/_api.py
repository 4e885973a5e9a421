"""``structured``, ``structured_object`` and ``structured_array``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import TypeAdapter, ValidationError, create_model

from l0._jsonparse import loads
from l0._safe import safe_str
from l0.events import EventBus

from ._schema import SchemaHandle, json_invalid_error, make_handle
from ._sources import make_source
from ._types import AutoCorrectInfo, StructuredResult, StructuredState, StructuredTelemetry, TruncatedOutputError
from ._validate import _call_quietly, parse_and_validate

if TYPE_CHECKING:  # pragma: no cover
    from l0.adapters import Adapter
    from l0.events import ObservabilityEvent
    from l0.types import AwaitableStreamSource, Retry, Timeout

__all__ = ["structured", "structured_object", "structured_array", "start_run", "is_truncated"]

T = TypeVar("T")
logger = logging.getLogger("l0")

_NOT_REPLAYED = (
    " (the stream was given as an async iterator or coroutine, which can be consumed only once, so it was "
    "not retried; pass a callable that creates a new stream to enable retries)"
)


async def start_run(factory: Callable[..., Any], *, on_event: Any, adapter: Any, timeout: Any) -> Any:
    """Start one runtime stream (``l0.run``) for a factory."""
    import l0

    # truncation is judged here, after repair: a cut that still yields valid data is not a failure
    return await l0.run(factory, on_event=on_event, adapter=adapter, timeout=timeout, truncation="ignore")


def is_truncated(state: Any, closed: bool | None = None) -> bool:
    """The output was cut: the runtime saw ``finish_reason == "length"`` or no
    terminal signal, and the JSON was incomplete (``closed`` from repair;
    None when unknown)."""
    if state is None or closed is False:
        return False
    return bool(getattr(state, "truncated", False)) or getattr(state, "finish_reason", None) == "length"


def _truncation_error(state: Any, text: str, cause: Exception | None) -> TruncatedOutputError:
    reason = getattr(state, "finish_reason", None)
    detail = f"finish_reason={reason!r}" if reason else "the stream ended without a terminal signal"
    msg = f"Structured output was truncated ({detail}) after {len(text)} characters"
    if cause is not None:
        msg += f"; the truncated output did not validate: {cause}"
    return TruncatedOutputError(msg, finish_reason=reason, content_length=len(text), validation_error=cause)


def _reask_message(err: Exception, truncated: bool) -> str:
    if truncated:
        return f"The previous output was cut off (too long) before the JSON was complete. {safe_str(err)}"
    return safe_str(err)


async def _run_structured(
    handle: SchemaHandle,
    stream: Any,
    *,
    fallbacks: list[Any] | None,
    auto_correct: bool,
    strict_mode: bool,
    retry: Any,
    timeout: Any,
    detect_zero_tokens: bool,
    monitoring: bool,
    on_validation_error: Callable[[ValidationError, int], None] | None,
    on_auto_correct: Callable[[AutoCorrectInfo], None] | None,
    on_retry: Callable[[int, str], None] | None,
    on_event: Any,
    adapter: Any,
    schema_name: str,
    failure_prefix: str,
    validate: Callable[[str], Any] | None = None,
) -> StructuredResult[Any]:
    attempts = 1 if retry is None else getattr(retry, "attempts", 1)
    if not isinstance(attempts, int) or isinstance(attempts, bool) or attempts < 1:
        raise ValueError(f"retry.attempts must be a positive int, got {attempts!r}")
    if fallbacks is not None and not isinstance(fallbacks, (list, tuple)):
        raise TypeError(f"fallbacks must be a list of stream factories or None, got {type(fallbacks).__name__}")
    sources = [make_source(stream, "stream")]
    sources += [make_source(f, f"fallbacks[{i}]") for i, f in enumerate(fallbacks or ())]
    bus = EventBus(on_event)
    errors: list[Exception] = []
    validation_errors: list[ValidationError] = []
    failures = 0
    tried = 0
    last_error: Exception | None = None
    not_replayed = False
    for index, source in enumerate(sources):
        n = attempts if source.replayable else 1
        last_source = index == len(sources) - 1
        for attempt in range(n):
            tried += 1
            try:
                result = await start_run(source.factory, on_event=on_event, adapter=adapter, timeout=timeout)
                text = await result.read()
                state = result.state
                if detect_zero_tokens and not text.strip():
                    raise ValueError("Zero-token output detected")
            except Exception as exc:
                errors.append(exc)
                last_error = exc
                if attempt < n - 1:
                    _call_quietly(on_retry, attempt + 1, safe_str(exc))
                break
            report: dict[str, Any] = {}
            try:
                parsed = parse_and_validate(
                    text, handle, auto_correct=auto_correct, strict_mode=strict_mode,
                    on_auto_correct=on_auto_correct, bus=bus, schema_name=schema_name, validate=validate,
                    report=report,
                )
            except ValidationError as exc:
                truncated = is_truncated(state, report.get("closed"))
                failures += 1
                validation_errors.append(exc)
                errors.append(exc)
                last_error = _truncation_error(state, text, exc) if truncated else exc
                if not source.replayable and attempts > 1:
                    not_replayed = True
                _call_quietly(on_validation_error, exc, attempt + 1)
                source.validation_error = _reask_message(exc, truncated)
                if attempt == n - 1 and last_source:
                    break
                reason = "Output truncated" if truncated else "Validation failed"
                _call_quietly(on_retry, attempt + 1, f"{reason}: {exc.error_count()} errors")
                continue
            truncated = is_truncated(state, report.get("closed"))
            sstate = StructuredState(
                validation_failures=failures,
                auto_corrections=1 if parsed.corrected else 0,
                validation_errors=validation_errors,
                correction_types=list(dict.fromkeys(parsed.corrections)),
                validation_time_ms=parsed.validation_ms,
            )
            telemetry = None
            if monitoring:
                telemetry = StructuredTelemetry(
                    schema_name=schema_name,
                    validation_attempts=tried,
                    validation_failures=failures,
                    auto_corrections=sstate.auto_corrections,
                    correction_types=list(sstate.correction_types),
                    validation_success=True,
                    validation_time_ms=parsed.validation_ms,
                )
            return StructuredResult(
                data=parsed.data,
                raw=parsed.raw,
                corrected=parsed.corrected,
                corrections=parsed.corrections,
                state=state,
                structured_state=sstate,
                telemetry=telemetry,
                errors=errors,
                truncated=truncated,
                finish_reason=getattr(state, "finish_reason", None),
            )
    if isinstance(last_error, TruncatedOutputError):
        if not_replayed:
            last_error.args = (last_error.args[0] + _NOT_REPLAYED,)
        raise last_error
    if isinstance(last_error, ValidationError):
        raise ValueError(f"{failure_prefix}: {last_error}{_NOT_REPLAYED if not_replayed else ''}") from last_error
    if last_error is not None:
        raise last_error
    raise RuntimeError("All attempts exhausted with no error recorded")  # pragma: no cover


async def structured(
    schema: Any,
    stream: AwaitableStreamSource,
    *,
    fallbacks: list[AwaitableStreamSource] | None = None,
    auto_correct: bool = True,
    strict_mode: bool = False,
    retry: Retry | None = None,
    timeout: Timeout | None = None,
    detect_zero_tokens: bool = False,
    monitoring: bool = False,
    on_validation_error: Callable[[ValidationError, int], None] | None = None,
    on_auto_correct: Callable[[AutoCorrectInfo], None] | None = None,
    on_retry: Callable[[int, str], None] | None = None,
    on_event: Callable[[ObservabilityEvent], Any] | None = None,
    adapter: Adapter | str | None = None,
) -> StructuredResult[Any]:
    """Run ``stream`` and validate its output against ``schema``.

    ``schema`` is a Pydantic model, any type Pydantic can validate, or a JSON
    Schema dict. ``retry.attempts`` (default 1) is the number of attempts per
    stream source; each attempt calls the factory afresh, and a factory that
    accepts an argument gets a ``StreamContext`` whose ``validation_error``
    holds the previous failure (re-ask). Then the ``fallbacks`` are tried.
    Raises ``ValueError("Schema validation failed after all retries: ...")``,
    :class:`TruncatedOutputError` when the last output was cut by the
    provider and did not validate, or the stream's own error.
    """
    handle = make_handle(schema)
    return await _run_structured(
        handle, stream, fallbacks=fallbacks, auto_correct=auto_correct, strict_mode=strict_mode, retry=retry,
        timeout=timeout, detect_zero_tokens=detect_zero_tokens, monitoring=monitoring,
        on_validation_error=on_validation_error, on_auto_correct=on_auto_correct, on_retry=on_retry,
        on_event=on_event, adapter=adapter, schema_name=handle.name,
        failure_prefix="Schema validation failed after all retries",
    )


def _object_model(shape: dict[str, Any]) -> Any:
    if not isinstance(shape, dict) or not shape:
        raise TypeError(
            "shape must be a non-empty dict mapping field names to a type or a (type, default) tuple, "
            f"got {shape!r}"
        )
    fields: dict[str, Any] = {}
    for name, spec in shape.items():
        if not isinstance(name, str):
            raise TypeError(f"shape keys must be str field names, got {name!r}")
        if isinstance(spec, tuple):
            if len(spec) != 2:
                raise TypeError(f"shape[{name!r}] must be a type or a (type, default) tuple, got {spec!r}")
            fields[name] = spec
        else:
            fields[name] = (spec, ...)
    return create_model("DynamicObject", **fields)  # type: ignore[call-overload]


async def structured_object(
    shape: dict[str, Any],
    stream: AwaitableStreamSource,
    *,
    fallbacks: list[AwaitableStreamSource] | None = None,
    auto_correct: bool = True,
    strict_mode: bool = False,
    retry: Retry | None = None,
    timeout: Timeout | None = None,
    detect_zero_tokens: bool = False,
    monitoring: bool = False,
    on_validation_error: Callable[[ValidationError, int], None] | None = None,
    on_auto_correct: Callable[[AutoCorrectInfo], None] | None = None,
    on_retry: Callable[[int, str], None] | None = None,
    on_event: Callable[[ObservabilityEvent], Any] | None = None,
    adapter: Adapter | str | None = None,
) -> StructuredResult[Any]:
    """:func:`structured` with a model built from ``shape`` (``{"name": str, "age": (int, 0)}``)."""
    return await structured(
        _object_model(shape), stream, fallbacks=fallbacks, auto_correct=auto_correct, strict_mode=strict_mode,
        retry=retry, timeout=timeout, detect_zero_tokens=detect_zero_tokens, monitoring=monitoring,
        on_validation_error=on_validation_error, on_auto_correct=on_auto_correct, on_retry=on_retry,
        on_event=on_event, adapter=adapter,
    )


async def structured_array(
    item_schema: Any,
    stream: AwaitableStreamSource,
    *,
    fallbacks: list[AwaitableStreamSource] | None = None,
    auto_correct: bool = True,
    strict_mode: bool = False,
    retry: Retry | None = None,
    timeout: Timeout | None = None,
    detect_zero_tokens: bool = False,
    monitoring: bool = False,
    on_validation_error: Callable[[ValidationError, int], None] | None = None,
    on_auto_correct: Callable[[AutoCorrectInfo], None] | None = None,
    on_retry: Callable[[int, str], None] | None = None,
    on_event: Callable[[ObservabilityEvent], Any] | None = None,
    adapter: Adapter | str | None = None,
) -> StructuredResult[list[Any]]:
    """Run ``stream`` and validate a JSON array whose items match ``item_schema``.

    ``strict_mode`` validates the items in Pydantic strict mode. Errors carry
    the item index in their location.
    """
    item = make_handle(item_schema, "item_schema")
    item_name = item.name
    schema_name = f"list[{item_name}]"
    typed: TypeAdapter[Any] | None = None
    if item.kind == "pydantic":
        typed = TypeAdapter(list[getattr(item, "model", None) or getattr(item, "tp")])  # type: ignore[misc]

    def validate(text: str) -> Any:
        try:
            parsed = loads(text)
        except ValueError as exc:
            raise json_invalid_error(schema_name, exc, text) from None
        if not isinstance(parsed, list):
            raise ValidationError.from_exception_data(
                "Expected array", [{"type": "list_type", "loc": (), "input": parsed}]
            )
        if typed is not None:
            return typed.validate_python(parsed, strict=strict_mode or None)
        return [item.validate_value(x, strict_mode) for x in parsed]

    handle = make_handle(list[Any])
    return await _run_structured(
        handle, stream, fallbacks=fallbacks, auto_correct=auto_correct, strict_mode=strict_mode, retry=retry,
        timeout=timeout, detect_zero_tokens=detect_zero_tokens, monitoring=monitoring,
        on_validation_error=on_validation_error, on_auto_correct=on_auto_correct, on_retry=on_retry,
        on_event=on_event, adapter=adapter, schema_name=schema_name,
        failure_prefix="Array validation failed after all retries", validate=validate,
    )
