"""What follows a failed attempt: the retry decision, backoff, checkpoint/resume
or reset, the next fallback, or giving up (core.md §4, §8.4 error path)."""

from __future__ import annotations

import inspect
import logging
import time
from typing import TYPE_CHECKING

from l0._safe import safe_str
from l0.errors import NetworkError, categorize_error, error_code_value, get_failure_type, get_recovery_strategy
from l0.events import ObservabilityEventType as O
from l0.types import ErrorCategory

from . import _runner

if TYPE_CHECKING:  # pragma: no cover
    from ._engine import Attempt
    from ._runner import Runner

logger = logging.getLogger("l0")

_NETWORKISH = (ErrorCategory.NETWORK, ErrorCategory.TRANSIENT)


async def recover(run: Runner, att: Attempt, err: BaseException) -> None:
    state = run.state
    emit = run.emit
    run.errors.append(err)
    run.previous_error = err
    text = safe_str(err)  # the source's error: its __str__ may raise
    logger.debug("Stream error: %s", text)
    if isinstance(err, _runner.TimeoutError):
        kind = "initial" if err.timeout_type == "initial_token" else "inter"
        configured = run.timeout.initial_token if kind == "initial" else run.timeout.inter_token
        emit(O.TIMEOUT_TRIGGERED, timeoutType=kind, elapsedMs=err.elapsed_seconds * 1000.0, configuredMs=configured)
        await run.fire("on_timeout", err.timeout_type, err.elapsed_seconds)
    if run.rate_gate is not None:
        # An overload answer starts the cooldown every stream on the same key waits for.
        await run.rate_gate.after_error(run.stream_index, err, emit)
    if att.watchdog is None and state.first_token_at is not None:
        state.last_token_at = state.last_token_at or time.time()
    category = categorize_error(err)
    if category is ErrorCategory.NETWORK:
        state.network_errors.append(err)
        run.net_failed = True
        analysis = NetworkError.analyze(err)
        emit(O.NETWORK_ERROR, error=text, code=analysis.type, retryable=analysis.retryable)
        if att.exhausted is False and state.token_count > 0 and NetworkError.is_stream_interrupted(err, state.token_count):
            run.dropped = True
            emit(O.CONNECTION_DROPPED, error=text, tokenCount=state.token_count)
    mgr = run.retry_mgr
    if getattr(err, "l0_retryable", True) is False or run.streams[run.stream_index][2]:
        decision = False
    else:
        decision = mgr.should_retry(err, state)
    hook = run.retry.should_retry
    if decision and hook is not None:
        decision = await _ask_hook(run, hook, err, category)
    will_fallback = not decision and run.stream_index + 1 < len(run.streams)
    await run.fire("on_error", err, decision, will_fallback)
    if run.bus.enabled:
        streams = len(run.streams)
        emit(O.ERROR, error=text, errorCode=error_code_value(err), failureType=get_failure_type(err).value,
             recoveryStrategy=get_recovery_strategy(decision, will_fallback).value,
             policy={"retryEnabled": run.retry.max_retries > 0, "fallbackEnabled": streams > 1,
                     "maxRetries": run.retry.max_retries, "maxFallbacks": streams - 1,
                     "attempt": att.number, "fallbackIndex": run.stream_index})
    if decision:
        emit(O.RETRY_START, attempt=mgr.total_retries + 1, maxAttempts=run.retry.max_retries)
        mgr.record_attempt(err)
        state.model_retry_count = mgr.model_retry_count
        state.network_retry_count = mgr.network_retry_count
        await run.fire("on_retry", mgr.total_retries, text)
        emit(O.RETRY_ATTEMPT, attempt=mgr.total_retries, reason=text, isNetwork=category is ErrorCategory.NETWORK)
        delay = mgr.get_delay(err)
        if delay > 0:
            await _backoff(run, delay)
        if run.aborted:
            return  # abort() during the backoff: keep what was delivered and end the stream
        await _carry_over(run)
        state.resumed = True
        emit(O.RETRY_END, success=False)
        return
    emit(O.FALLBACK_END, index=run.stream_index)
    if run.stream_index + 1 < len(run.streams):
        run.stream_index += 1
        index = run.stream_index
        state.fallback_index = index
        logger.debug("Trying fallback %d", index)
        emit(O.FALLBACK_START, fromIndex=index - 1, toIndex=index, reason="previous_failed")
        emit(O.FALLBACK_MODEL_SELECTED, index=index)
        await run.fire("on_fallback", index - 1, "previous_failed")
        run.attempt_number = 0
        if run.continuation is not None and len(state.buffer):
            await _carry_over(run)
        else:
            run.reset_content("fallback")
        return
    emit(O.RETRY_GIVE_UP, attempts=mgr.total_retries, lastError=text)
    run.session_end(success=False)
    raise err


async def _backoff(run: Runner, delay: float) -> None:
    """Sleep before the next attempt; ``abort()`` cuts the sleep short."""
    await run.abortable_sleep(delay)


async def _carry_over(run: Runner) -> None:
    """Checkpoint everything delivered so far, then resume from it or start over."""
    state = run.state
    if run.held_back and run.continuation is not None:
        # The token whose check failed never reached the consumer: it is not part of what was delivered.
        buf = state.buffer
        buf.truncate(len(buf) - run.held_back)
        run.held_back = 0
    checkpoint = state.buffer.content
    state.checkpoint = checkpoint
    run.checkpoints_created += 1
    emit = run.emit
    emit(O.CHECKPOINT_SAVED, checkpoint=checkpoint, tokenCount=state.token_count)
    await run.fire("on_checkpoint", checkpoint, state.token_count)
    if run.continuation is not None and checkpoint:
        run.pending_resume = checkpoint
        logger.debug("Continuing from checkpoint (%d chars)", len(checkpoint))
    else:
        run.reset_content("retry")


async def _ask_hook(run: Runner, hook: object, err: BaseException, category: ErrorCategory) -> bool:
    mgr = run.retry_mgr
    attempt = mgr.network_retry_count if category in _NETWORKISH else mgr.model_retry_count
    emit = run.emit
    emit(O.RETRY_FN_START, attempt=attempt, category=category.value, defaultShouldRetry=True)
    t0 = time.perf_counter()
    try:
        result = hook(err, run.state, attempt, category)  # type: ignore[operator]
        if inspect.isawaitable(result):
            result = await result
    except Exception as exc:  # noqa: BLE001 - a raising hook vetoes the retry
        emit(O.RETRY_FN_ERROR, attempt=attempt, category=category.value, error=safe_str(exc), finalShouldRetry=False,
             durationMs=(time.perf_counter() - t0) * 1000.0)
        return False
    final = bool(result)
    emit(O.RETRY_FN_RESULT, attempt=attempt, category=category.value, userResult=final, finalShouldRetry=final,
         durationMs=(time.perf_counter() - t0) * 1000.0)
    return final
