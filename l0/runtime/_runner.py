"""The run-level orchestration around the hot loop: attempt preamble, opening the
source, due checks, completion, and recovery (retry / fallback / give up).

Nothing here runs per token except through :meth:`Runner.due` (at check
cadence) and :meth:`Runner.handle` (non-token events and the resume prelude).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import time
from collections.abc import Mapping, Sequence
from types import AsyncGeneratorType, MappingProxyType
from typing import Any

from l0._backend import ContentBuffer
from l0._safe import safe_str
from l0.adapters._registry import resolve_adapter
from l0.adapters.event import AdaptedEvent, EventPassthroughAdapter, StreamItemError, coerce_item
from l0.errors import truncation_error
from l0.events import ObservabilityEventType as O
from l0.retry import RetryManager
from l0.types import CheckIntervals, Event, EventType, Retry, State, Timeout
from l0.types._state import LiveState

from . import _checks
from ._callbacks import call_safely
from ._context import StreamContext
from ._engine import Attempt
from ._resume import OverlapBuffer
from ._watchdog import TimeoutError, Watchdog, interrupt

logger = logging.getLogger("l0")

sleep = asyncio.sleep  # module attribute so tests can inject a fake clock

_TOKEN = EventType.TOKEN
_COMPLETE = EventType.COMPLETE
_FROM_CFG: Any = object()
_LIST_FIELDS = ("violations", "network_errors", "data_outputs")
# What Runner.due_rest continues with after Runner.due_now returned -1.
_RESUME_CKPT, _RESUME_GUARD, _RESUME_DRIFT = 1, 2, 3
# The events of every guardrail check (per phase and per rule): a handler reading none of them lets the
# runtime take the quiet path (no events, idle sessions dropped).
_GUARD_CHECK_EVENTS = (O.GUARDRAIL_PHASE_START, O.GUARDRAIL_PHASE_END, O.GUARDRAIL_RULE_START,
                       O.GUARDRAIL_RULE_RESULT, O.GUARDRAIL_RULE_END)

def _state_factory() -> Any:
    """A function returning a fresh ``LiveState()``, cheaper than the dataclass ``__init__`` when possible.

    The runtime's state is a :class:`~l0.types._state.LiveState` (``token_count``
    follows the content buffer). ``LiveState()`` with no arguments is a fixed set of immutable defaults, three
    empty lists and an empty buffer; copying a template of its ``__dict__``
    (same keys, same order) costs about half. Used only when a probe shows the
    copy is exactly what ``State()`` builds; otherwise ``State`` itself.
    """
    probe = LiveState()
    attrs = getattr(probe, "__dict__", None)
    if (attrs is None or type(probe).__setattr__ is not object.__setattr__
            or type(attrs.get("buffer")) is not ContentBuffer or len(attrs["buffer"]) != 0):
        return LiveState
    for name, value in attrs.items():
        if name == "buffer":
            continue
        if name in _LIST_FIELDS:
            if type(value) is not list or value:
                return LiveState
        elif not (value is None or type(value) in (bool, int, float, str)):
            return LiveState
    if sum(1 for name in _LIST_FIELDS if name in attrs) != len(_LIST_FIELDS):
        return LiveState
    template = dict(attrs)
    new = object.__new__

    def make_state() -> State:
        state = new(LiveState)
        fields = state.__dict__
        fields.update(template)
        fields["buffer"] = ContentBuffer()
        fields["violations"] = []
        fields["network_errors"] = []
        fields["data_outputs"] = []
        return state

    copy = make_state()
    if list(copy.__dict__) != list(attrs) or repr(copy) != repr(probe) or copy.__getstate__() != probe.__getstate__():
        return LiveState
    return make_state


_new_state = _state_factory()


class Runner:
    """One ``run()``: configuration, the live :class:`State`, the bus, retry counters and the source list."""

    # Defaults read from the class until a run assigns them (fewer stores per run). The first
    # group is the configuration of a run with every option at its default (see ``plain``).
    guardrails: Sequence[Any] = ()
    drift_detector: Any = None
    timeout: Timeout | None = None
    intervals = CheckIntervals()
    adapter_hint: Any = None
    context: dict[str, Any] | None = None
    buffer_tool_calls = False
    continuation: Any = None
    build_prompt: Any = None
    cbs: Mapping[str, Any] = MappingProxyType({})
    truncation = "retry"
    raw_chunks: Any = None
    token_events = False
    # Which high-volume per-check events the bus's handler reads (EventBus.wants); each False skips building them.
    ckpt_events = False
    guard_events = False  # every guardrail check's events (the per-rule path; idle sessions kept)
    guard_findings = False  # GUARDRAIL_RULE_RESULT of the rules that failed (also on the quiet path)
    drift_events = False  # every drift check's DRIFT_CHECK_RESULT (the general path)
    drift_findings = False  # DRIFT_CHECK_RESULT with detected=True
    token_callback: Any = None
    rate_gate: Any = None  # l0.ratelimit.Gate: the one rate-limit seam (before_attempt / after_error)

    gen: Any = None
    stop_generator: Any = None
    finished = False
    aborted = False
    stream_index = 0
    attempt_number = 0
    attempt_count = 0
    pending_resume: str | None = None
    previous_error: BaseException | None = None
    current: Attempt | None = None
    net_failed = False
    dropped = False
    checkpoints_created = 0
    derived_count = True  # the state's token_count follows its buffer (LiveState): appending counts
    started_ms = 0.0
    _abort_interrupt: Any = None
    backoff_task: asyncio.Future[Any] | None = None
    held_back = 0  # chars appended by the token whose due check raised: never delivered
    discard: Event | None = None  # the RESET event the next attempt yields first
    loop_time: Any = time.monotonic

    def __init__(self, cfg: dict[str, Any], bus: Any = None, raw_chunks: Any = _FROM_CFG) -> None:
        if bus is None:
            bus = cfg["bus"]
        if raw_chunks is _FROM_CFG:
            raw_chunks = cfg["raw_chunks"]
        self.state = _new_state()
        self.streams: list[tuple[Any, bool, bool]] = cfg["streams"]
        self.guardrails: list[Any] = cfg["guardrails"]
        self.drift_detector = cfg["drift_detector"]
        self.retry: Retry = cfg["retry"]
        self.timeout = cfg["timeout"]
        self.intervals = cfg["check_intervals"]
        self.adapter_hint = cfg["adapter"]
        self.bus = bus
        self.emit = bus.emit
        self.context = cfg["context"]
        self.buffer_tool_calls: bool = cfg["buffer_tool_calls"]
        self.continuation = cfg["continuation"]
        self.build_prompt = cfg["build_continuation_prompt"]
        self.cbs: dict[str, Any] = cfg["callbacks"]
        self.truncation: str = cfg["truncation"]
        self.raw_chunks: Any = raw_chunks
        self.errors: list[BaseException] = []
        rate_limit = cfg.get("rate_limit")
        if rate_limit is not None:
            self.rate_gate = rate_limit.gate(len(self.streams))
        if bus.enabled:
            self.started_ms = time.time() * 1000.0
            self.token_events: bool = cfg["token_events"] and bus.wants(O.TOKEN)
            wants = bus.wants
            self.ckpt_events = wants(O.CHECKPOINT_SAVED)
            passed = bus.passed_checks
            self.guard_findings = wants(O.GUARDRAIL_RULE_RESULT)
            self.guard_events = any(wants(t) for t in _GUARD_CHECK_EVENTS) and (
                passed or any(wants(t) for t in _GUARD_CHECK_EVENTS if t is not O.GUARDRAIL_RULE_RESULT))
            self.drift_findings = wants(O.DRIFT_CHECK_RESULT)
            self.drift_events = self.drift_findings and passed
        else:
            self.token_events = False
        self.token_callback = self._make_token_callback() if self.cbs or self.token_events else None

    @classmethod
    def plain(cls, streams: list[tuple[Any, bool, bool]], bus: Any, retry: Retry) -> Runner:
        """A runner with every option at its default: the same as ``Runner(validate(stream, {}))``.

        ``retry`` is the default :class:`Retry` instance.
        """
        self = cls.__new__(cls)
        self.state = _new_state()
        self.streams = streams
        self.retry = retry
        self.bus = bus
        self.emit = bus.emit
        self.errors = []
        if bus.enabled:
            self.started_ms = time.time() * 1000.0
        return self

    @functools.cached_property
    def retry_mgr(self) -> RetryManager:
        """Retry counters and decisions; built when first needed (a run that never fails never needs it)."""
        return RetryManager(self.retry)

    # -- callbacks ------------------------------------------------------------------------------

    def callback_failed(self, name: str, exc: BaseException) -> None:
        text = safe_str(exc)
        logger.warning("Callback %s raised %s: %s (ignored; the stream goes on)", name, type(exc).__name__, text)
        if self.bus.enabled:
            self.emit(O.CALLBACK_ERROR, callback=name, error=text, errorType=type(exc).__name__)

    async def fire(self, name: str, *args: Any) -> None:
        cb = self.cbs.get(name)
        if cb is not None:
            pending = call_safely(self.callback_failed, name, cb, args)
            if pending is not None:
                wd = self.current.watchdog if self.current is not None else None
                if wd is None:
                    await pending
                else:
                    await self._paused(wd, pending)

    def fire_sync(self, name: str, *args: Any) -> None:
        """For callers that cannot await (``abort()``): an async callback is scheduled as a task."""
        cb = self.cbs.get(name)
        if cb is None:
            return
        pending = call_safely(self.callback_failed, name, cb, args)
        if pending is not None:
            try:
                task = asyncio.get_running_loop().create_task(pending)
            except RuntimeError:
                pending.close()
                return
            _BACKGROUND.add(task)
            task.add_done_callback(_BACKGROUND.discard)

    def _make_token_callback(self) -> Any:
        on_event = self.cbs.get("on_event")
        on_token = self.cbs.get("on_token")
        if on_event is None and on_token is None and not self.token_events:
            return None
        report = self.callback_failed
        emit = self.emit if self.token_events else None
        state = self.state

        def token_callback(ev: Event, text: str) -> Any:
            if emit is not None:
                emit(O.TOKEN, index=state.token_count - 1, text=text)
            first = call_safely(report, "on_event", on_event, (ev,)) if on_event is not None else None
            second = call_safely(report, "on_token", on_token, (text,)) if on_token is not None else None
            if first is None:
                return second
            if second is None:
                return first
            return _both(first, second)

        return token_callback

    async def settle(self, att: Attempt, pending: Any) -> None:
        """Await an async token callback; time spent in user code does not count as provider silence."""
        if att.watchdog is None:
            await pending
        else:
            await self._paused(att.watchdog, pending)

    async def _paused(self, wd: Watchdog, pending: Any) -> None:
        wd.paused = True
        try:
            await pending
        finally:
            wd.paused = False
            wd.mark = self.loop_time()

    # -- attempt preamble -----------------------------------------------------------------------

    async def begin_attempt(self) -> Attempt | None:
        state = self.state
        if self.aborted:
            if self.bus.enabled:
                self.emit(O.ABORT_COMPLETED, tokenCount=state.token_count, contentLength=len(state.buffer))
            self.session_end(success=False, aborted=True)
            return None
        self.attempt_number += 1
        self.attempt_count += 1
        att = Attempt(self.attempt_count - 1, self.attempt_number, self.stream_index)
        self.current = att
        self.held_back = 0
        state.truncated = False
        if att.is_retry:
            self.emit(O.ATTEMPT_START, attempt=att.number, isRetry=True, isFallback=att.is_fallback)
        if "on_start" in self.cbs:
            await self.fire("on_start", att.number, att.is_retry, att.is_fallback)
        resume = self.pending_resume
        prompt = None
        if resume is not None:
            self.pending_resume = None
        if resume:
            if self._checkpoint_valid(resume):
                self.emit(O.CONTINUATION_START, checkpointLength=len(resume))
                self.emit(O.RESUME_START, checkpoint=resume, tokenCount=state.token_count)
                await self.fire("on_resume", resume, state.token_count)
                state.resume_point = resume
                state.resume_from = len(resume)
                state.continuation_used = True
                att.resuming = True
                att.checkpoint = resume
                if state.violations:
                    # The new attempt's sessions read the kept text again: what they find there was reported.
                    att.reported = {_checks.violation_key(v) for v in state.violations}
                cont = self.continuation
                if cont.deduplicate:
                    att.dedupe = OverlapBuffer(resume, cont.deduplication_options)
                if self.build_prompt is not None:
                    prompt = self.build_prompt(resume)
            else:
                self.reset_content("checkpoint_rejected")
        if self.streams[self.stream_index][1]:
            # Only a factory that takes an argument ever sees the context.
            att.context = StreamContext(
                attempt=att.index,
                retry_count=self.retry_mgr.total_retries,
                fallback_index=self.stream_index,
                checkpoint=att.checkpoint,
                continuation_prompt=prompt,
                is_continuation=att.resuming,
                previous_error=self.previous_error,
            )
        if self.continuation is None and not self.guardrails and self.drift_detector is None:
            att.schedule(state.token_count)
        else:
            self._prepare_checks(att)
        return att

    def _checkpoint_valid(self, checkpoint: str) -> bool:
        cont = self.continuation
        if not cont.validate_checkpoint or not self.guardrails:
            return True
        probe = State(content=checkpoint)
        valid = True
        for index, rule in enumerate(self.guardrails):
            if not getattr(rule, "streaming", True):
                continue
            violations = _checks.new_session(rule).check(probe) or []
            bad = [v for v in violations if getattr(v, "severity", "error") in ("error", "fatal")]
            if bad:
                valid = False
                if self.guard_findings:
                    self.emit(O.GUARDRAIL_RULE_RESULT, index=index, ruleId=rule.name, passed=False,
                              violation=_checks.violation_dict(bad[0]))
        return valid

    def _prepare_checks(self, att: Attempt) -> None:
        n = self.state.token_count
        if self.continuation is not None:
            step = self.continuation.checkpoint_interval
            att.ckpt_len = len(self.state.buffer)
            if "on_checkpoint" in self.cbs or self.ckpt_events:
                att.next_ckpt = (n // step + 1) * step
            else:
                # Nobody watches the periodic checkpoints: read the last one off the buffer's token
                # ends when it is needed (see _read_checkpoint) instead of stopping every few tokens.
                att.ckpt_from = n
        if self.guardrails:
            sessions = [(rule, _checks.new_session(rule)) for rule in self.guardrails]
            att.guard_all = sessions
            # Sessions idle from the start are left out unless someone watches the per-rule events.
            quiet = not self.guard_events
            att.guard_stream = [(r, s) for r, s in sessions if getattr(r, "streaming", True)
                                and not (quiet and getattr(s, "streaming_idle", False))]
            if att.guard_stream:
                step = self.intervals.guardrails
                att.next_guard = (n // step + 1) * step
        if self.drift_detector is not None:
            att.drift_session = session = _checks.new_drift_session(self.drift_detector)
            att.drift_fast = _checks.fast_drift_scan(session)
            att.drift_pos = len(self.state.buffer)
            step = self.intervals.drift
            att.next_drift = (n // step + 1) * step
        att.schedule(n)

    # -- opening the source ---------------------------------------------------------------------

    async def open_attempt(self, att: Attempt) -> Any:
        emit = self.emit
        enabled = self.bus.enabled
        gate = self.rate_gate
        if gate is not None:
            # Before the factory sends anything: wait out the key's cooldown/bucket (abort() cuts it short).
            await gate.before_attempt(self.stream_index, self.stream_index + 1 < len(self.streams), emit,
                                      self.abortable_sleep)
            if self.aborted:
                return None
        if enabled:
            emit(O.STREAM_INIT)
        factory, wants_context, _ = self.streams[self.stream_index]
        raw = factory(att.context) if wants_context else factory()
        if type(raw) is not AsyncGeneratorType and inspect.isawaitable(raw):
            raw = await raw
        att.raw = raw
        if enabled:
            emit(O.ADAPTER_WRAP_START)
        adapter = resolve_adapter(raw, self.adapter_hint)
        att.adapter = adapter
        if enabled:
            emit(O.ADAPTER_DETECTED, adapterId=getattr(adapter, "name", type(adapter).__name__))
            emit(O.STREAM_READY)
        if self.net_failed:
            self.net_failed = False
            emit(O.NETWORK_RECOVERY, attempt=att.number, fallbackIndex=self.stream_index)
        if self.dropped:
            self.dropped = False
            emit(O.CONNECTION_RESTORED, attempt=att.number, fallbackIndex=self.stream_index)
        timeout = self.timeout
        if timeout is not None and enabled:
            emit(O.TIMEOUT_START, timeoutType="initial", configuredMs=timeout.initial_token)
        if type(adapter) is EventPassthroughAdapter:
            if not hasattr(raw, "__aiter__"):
                raise StreamItemError(f"the stream factory returned {type(raw).__name__}, not an async iterator")
            source = raw.__aiter__()
            att.coerce = self._coerce_passthrough
        else:
            source = adapter.wrap(raw)
            if inspect.isawaitable(source) and not hasattr(source, "__aiter__"):
                source = await source
            source = source.__aiter__()
            att.coerce = self._coerce_adapted
        att.source = source
        if enabled:
            emit(O.ADAPTER_WRAP_END)
        loop = asyncio.get_running_loop()
        if type(loop).time is asyncio.BaseEventLoop.time:
            self.loop_time = time.monotonic
        else:
            self.loop_time = loop.time
        if timeout is not None and (timeout.initial_token is not None or timeout.inter_token is not None):
            att.watchdog = Watchdog(loop, timeout.initial_token_seconds, timeout.inter_token_seconds, self.gen)
        att.live = True
        return source

    def _coerce_passthrough(self, item: Any) -> Event:
        if isinstance(item, AdaptedEvent) and self.raw_chunks is not None and item.raw_chunk is not None:
            self.raw_chunks.append(item.raw_chunk)
        return coerce_item(item)

    def _coerce_adapted(self, item: Any) -> Event:
        if isinstance(item, Event):
            return item
        if isinstance(item, AdaptedEvent):
            if self.raw_chunks is not None and item.raw_chunk is not None:
                self.raw_chunks.append(item.raw_chunk)
            return item.event
        raise StreamItemError(f"adapter wrap() must yield l0.Event or AdaptedEvent, got {type(item).__name__}")

    # -- tokens and other events outside the hot loop -------------------------------------------

    async def handle(self, att: Attempt, ev: Any) -> Event | None:
        """Process one event outside the hot loop; return the event to yield, or None."""
        if not isinstance(ev, Event):
            ev = att.coerce(ev)
        t = ev.type
        if t is _TOKEN or t == "token":
            text = ev.text
            if text:
                state = self.state
                state.buffer.append(text)
                if self.derived_count:
                    n = state.token_count
                else:
                    state.token_count = n = state.token_count + 1
                if n == att.next_due:
                    await self.due(att, ev, text)
                elif self.token_callback is not None:
                    pending = self.token_callback(ev, text)
                    if pending is not None:
                        await self.settle(att, pending)
            return ev
        if t is _COMPLETE:
            _checks.complete_event(att, ev)
            return None
        return ev if await _checks.other_event(self, att, ev) else None

    def _first_token(self, att: Attempt, n: int, now: float) -> None:
        att.first_pending = False
        state = self.state
        if state.first_token_at is None:
            state.first_token_at = now
        if self.timeout is not None and self.bus.enabled:  # once per attempt: EventBus.emit filters it
            self.emit(O.TIMEOUT_RESET, timeoutType="inter", configuredMs=self.timeout.inter_token, tokenIndex=n - 1)

    async def due(self, att: Attempt, ev: Event, text: str) -> int:
        """A check is due at this token: first-token work, checkpoint, callbacks, guardrails, drift."""
        try:
            state = self.state
            n = state.token_count
            now = time.time()
            state.last_token_at = now
            if att.first_pending:
                self._first_token(att, n, now)
            if n == att.next_ckpt:
                att.next_ckpt += self.continuation.checkpoint_interval
                await self.periodic_checkpoint(att)
            if self.token_callback is not None:
                pending = self.token_callback(ev, text)
                if pending is not None:
                    await self.settle(att, pending)
            if n == att.next_guard:
                att.next_guard += self.intervals.guardrails
                await _checks.guardrail_phase(self, att, final=False)
            if n == att.next_drift:
                att.next_drift += self.intervals.drift
                await _checks.drift_check(self, att)
            return att.schedule(n)
        except BaseException:
            self.hold_back()
            raise

    def due_now(self, att: Attempt) -> int:
        """:meth:`due` for the hot loop, synchronously (no token callback in fast mode).

        Called right after the due token was appended and counted. Returns the
        next due token count, or -1 when something must be awaited (a callback
        for a checkpoint, a violation or drift): the work done so far is
        recorded in ``att.resume`` / ``att.pending`` and the engine finishes
        it with :meth:`due_rest`. Errors (a violation that retries or halts, a
        rule that raises) propagate as attempt errors, as from :meth:`due`.
        """
        try:
            state = self.state
            n = att.next_due  # the hot loop calls this exactly at that count (== state.token_count)
            now = time.time()
            state.last_token_at = now
            if att.first_pending:
                self._first_token(att, n, now)
            if n == att.next_ckpt:
                if "on_checkpoint" in self.cbs:
                    att.resume = _RESUME_CKPT
                    return -1
                att.next_ckpt += self.continuation.checkpoint_interval
                self.checkpoint_now(att)
            if n == att.next_guard:
                att.next_guard += self.intervals.guardrails
                found, t0 = _checks.guardrail_scan(self, att, final=False)
                if found:
                    state.violations.extend(found)
                    if "on_violation" in self.cbs:
                        att.resume = _RESUME_GUARD
                        att.pending = (found, t0)
                        return -1
                if found or self.guard_events:
                    _checks.guardrail_close(self, found, t0)
            if n == att.next_drift:
                att.next_drift += self.intervals.drift
                fast = att.drift_fast
                if fast is not None and not self.drift_events:
                    # The common case inline: a built-in session, nobody listening to events, no drift.
                    buf = state.buffer
                    delta = buf.since(att.drift_pos)
                    att.drift_pos = len(buf)
                    kernel = att.drift_kernel
                    if kernel is not None and kernel(buf, delta, True) == 0:
                        hit = None  # a settled session's kernel found nothing (the usual outcome)
                    else:
                        types = fast(state, delta, True, kernel is not None)
                        hit = _checks.drift_found(self, types) if types else None
                        att.drift_kernel = att.drift_session.settled_kernel()
                else:
                    hit = _checks.drift_scan(self, att)
                if hit is not None and "on_drift" in self.cbs:
                    att.resume = _RESUME_DRIFT
                    att.pending = hit
                    return -1
            return att.schedule(n)
        except BaseException:
            self.hold_back()
            raise

    async def due_rest(self, att: Attempt) -> int:
        """Finish what :meth:`due_now` left to await; the next due token count."""
        try:
            n = self.state.token_count
            stage, pending = att.resume, att.pending
            att.resume, att.pending = 0, None
            if stage == _RESUME_CKPT:
                att.next_ckpt += self.continuation.checkpoint_interval
                await self.periodic_checkpoint(att)
                if n == att.next_guard:
                    att.next_guard += self.intervals.guardrails
                    await _checks.guardrail_phase(self, att, final=False)
            elif stage == _RESUME_GUARD:
                found, t0 = pending
                await _checks.guardrail_callbacks(self, found)
                _checks.guardrail_close(self, found, t0)
            if stage == _RESUME_DRIFT:
                await self.fire("on_drift", *pending)
            elif n == att.next_drift:
                att.next_drift += self.intervals.drift
                await _checks.drift_check(self, att)
            return att.schedule(n)
        except BaseException:
            self.hold_back()
            raise

    def hold_back(self) -> None:
        """A due check at the last appended token raised: that token never reached the consumer."""
        buf = self.state.buffer
        count = buf.token_count
        if count:
            self.held_back = len(buf) - (buf.token_end(count - 2) if count > 1 else 0)

    def _read_checkpoint(self, att: Attempt) -> None:
        """The periodic checkpoints an attempt passed without stopping: the last one's length and the count.

        Each counted token is one append to the content buffer, so the token
        counted as number ``k`` ends at ``buffer.token_end(k - n - 1)`` (with ``n``
        the count now).
        """
        state = self.state
        n = state.token_count
        step = self.continuation.checkpoint_interval
        last = n // step * step
        if last > att.ckpt_from:
            buf = state.buffer
            index = buf.token_count - 1 - (n - last)
            if index >= 0:
                att.ckpt_len = buf.token_end(index)
                self.checkpoints_created += last // step - att.ckpt_from // step
        att.ckpt_from = -1

    def checkpoint_now(self, att: Attempt) -> None:
        """Record a periodic checkpoint (its length: materializing the text every few tokens would be O(n^2))."""
        state = self.state
        att.ckpt_len = len(state.buffer)
        self.checkpoints_created += 1
        if self.ckpt_events:
            self.emit(O.CHECKPOINT_SAVED, tokenCount=state.token_count, checkpointLength=att.ckpt_len)

    async def periodic_checkpoint(self, att: Attempt) -> None:
        self.checkpoint_now(att)
        if "on_checkpoint" in self.cbs:
            state = self.state
            await self.fire("on_checkpoint", state.buffer.slice(0, att.ckpt_len), state.token_count)

    def dedupe_decided(self, att: Attempt) -> None:
        dd = att.dedupe
        state = self.state
        state.deduplication_applied = True
        if dd.overlap:
            state.overlap_removed = dd.overlap
            logger.debug("Deduplication removed %d chars overlap", len(dd.overlap))
        att.dedupe = None

    # -- end of an attempt ----------------------------------------------------------------------

    async def end_of_stream(self, att: Attempt) -> list[Event]:
        if self.bus.enabled:
            self.emit(O.FINALIZATION_START, tokenCount=self.state.token_count)
        if att.tool_seen or att.tool_buf:
            return await _checks.finish_tool_calls(self, att)
        return []

    async def finalize(self, att: Attempt) -> None:
        state = self.state
        complete = att.complete_event
        if complete is None and att.inband_error is not None:
            error = att.inband_error
            raise error if isinstance(error, BaseException) else RuntimeError(safe_str(error))
        reason = None
        if complete is None:
            reason = "no_terminal_signal"
        elif att.finish_reason == "length":
            reason = "length"
        state.finish_reason = att.finish_reason
        if reason is not None:
            state.truncated = True
            self.emit(O.STREAM_TRUNCATED, reason=reason, finishReason=att.finish_reason,
                      tokenCount=state.token_count, contentLength=len(state.buffer), action=self.truncation)
            if self.truncation != "ignore":
                err = truncation_error(reason, finish_reason=att.finish_reason, checkpoint=state.checkpoint,
                                       token_count=state.token_count, content_length=len(state.buffer),
                                       context=self.context)
                if self.truncation == "error":
                    err.l0_retryable = False  # type: ignore[attr-defined]
                raise err
        state.completed = True
        if state.first_token_at is not None:
            state.last_token_at = now = time.time()
            state.duration = now - state.first_token_at
        if att.guard_all:
            try:
                await _checks.guardrail_phase(self, att, final=True)
            except BaseException:
                state.completed = False
                raise
        if att.drift_session is not None and len(state.buffer) > att.drift_pos and self.bus.enabled:
            self.emit(O.DRIFT_CHECK_SKIPPED, reason="stream_ended_before_interval",
                      pendingChars=len(state.buffer) - att.drift_pos)
        if self.continuation is not None:
            if att.ckpt_from >= 0:
                self._read_checkpoint(att)
            state.checkpoint = state.buffer.slice(0, att.ckpt_len)
        if self.bus.enabled:
            self.emit(O.FINALIZATION_END, tokenCount=state.token_count, contentLength=len(state.buffer))

    async def complete(self, att: Attempt) -> None:
        state = self.state
        if self.bus.enabled:
            if att.fallback_index > 0:
                self.emit(O.FALLBACK_END, index=att.fallback_index)
            # COMPLETE is the last event of a successful session (consumers stop listening there).
            self.session_end(success=True)
            self.emit(O.COMPLETE, tokenCount=state.token_count, contentLength=len(state.buffer))
        else:
            self.finished = True
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("Stream complete: %d tokens", state.token_count)
        if "on_complete" in self.cbs:
            await self.fire("on_complete", state)

    def close_session(self) -> None:
        """The generator ended without a terminal path (closed early, cancelled): end the session once."""
        if self.finished:
            return
        if self.aborted and self.bus.enabled:
            state = self.state
            self.emit(O.ABORT_COMPLETED, tokenCount=state.token_count, contentLength=len(state.buffer))
        self.session_end(success=False, aborted=self.aborted)

    def session_end(self, *, success: bool, aborted: bool = False) -> None:
        self.finished = True
        if not self.bus.enabled:
            return
        state = self.state
        self.emit(O.SESSION_SUMMARY, tokenCount=state.token_count, startTs=self.started_ms, endTs=time.time() * 1000.0,
                  driftDetected=state.drift_detected, guardrailViolations=len(state.violations),
                  fallbackDepth=self.stream_index, retryCount=self.retry_mgr.total_retries,
                  checkpointsCreated=self.checkpoints_created)
        self.emit(O.SESSION_END, success=success, aborted=aborted, totalAttempts=self.attempt_count)

    async def close_attempt(self, att: Attempt) -> None:
        att.live = False
        self._abort_interrupt = None  # claimed or not, it belonged to this attempt's wait
        wd = att.watchdog
        if wd is not None:
            wd.close()
        if att.exhausted:
            return
        for obj in (att.source, att.raw):
            closer = getattr(obj, "aclose", None)
            if closer is None:
                continue
            try:
                await closer()
            except Exception:  # noqa: BLE001 - the attempt is over either way
                logger.debug("closing the source of attempt %d failed", att.index, exc_info=True)
            if att.source is att.raw:
                break

    # -- interruption (timeout watchdog, abort) -------------------------------------------------

    def claim_cancel(self, att: Attempt) -> bool:
        """True if the CancelledError being handled was caused by this attempt's watchdog or by abort().

        Anyone else's cancellation (an outer deadline, ``task.cancel()``), even one
        landing in the same loop iteration as the watchdog, is not claimed and propagates.
        """
        wd = att.watchdog
        if wd is not None and wd.interrupt is not None:
            if wd.claim():
                self._abort_interrupt = None
                return True
        intr = self._abort_interrupt
        if intr is not None:
            self._abort_interrupt = None
            return intr.claim()
        return False

    def pending_interrupt(self, att: Attempt) -> BaseException | None:
        wd = att.watchdog
        if wd is None or wd.fired is None:
            return None
        kind = wd.fired
        limit = wd.limit_for(kind)
        what = "first token" if kind == "initial" else "next token"
        return TimeoutError(f"Timeout waiting for {what} (timeout={limit}s)",
                            "initial_token" if kind == "initial" else "inter_token", limit, wd.elapsed)

    def abort(self) -> None:
        if self.aborted or self.finished:
            return
        self.aborted = True
        state = self.state
        state.aborted = True
        if self.stop_generator is not None:
            self.stop_generator()
        self.emit(O.ABORT_REQUESTED, source="user")
        self.fire_sync("on_abort", state.token_count, len(state.buffer))
        if self.backoff_task is not None:
            self.backoff_task.cancel()
        att = self.current
        gen = self.gen
        if att is not None and att.live and gen is not None and gen.ag_await is not None:
            # The consumer (whichever task reads the stream) is blocked waiting: interrupt the wait.
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return
            self._abort_interrupt = interrupt(gen, loop)

    # -- recovery -------------------------------------------------------------------------------

    async def abortable_sleep(self, delay: float) -> bool:
        """Sleep before an attempt; False when ``abort()`` cut it short.

        ``abort()`` cancels the sleep task, never the waiting task, so any
        ``CancelledError`` seen here is someone else's and propagates.
        """
        task = asyncio.ensure_future(sleep(delay))
        self.backoff_task = task
        try:
            await asyncio.wait((task,))
        except asyncio.CancelledError:
            task.cancel()
            raise
        finally:
            self.backoff_task = None
        if not task.cancelled():
            task.result()  # an injected sleep that failed
        return not self.aborted

    def reset_content(self, reason: str) -> None:
        """Start the text over; the consumer is told how much of what it was shown to discard."""
        state = self.state
        shown = len(state.buffer) - self.held_back
        if shown > 0:
            tokens = state.token_count - (1 if self.held_back else 0)
            if self.discard is not None:  # not yet delivered: the consumer still holds the earlier text too
                shown += self.discard.data["discard"]
                tokens += self.discard.data["tokens"]
            self.discard = Event(type=EventType.RESET, data={"discard": shown, "tokens": tokens, "reason": reason})
        self.held_back = 0
        state.content = ""
        state.token_count = 0
        state.checkpoint = ""
        state.completed = False
        state.violations = []

    async def recover(self, att: Attempt, err: BaseException) -> None:
        """Decide and perform what follows a failed attempt; raises ``err`` when everything is exhausted."""
        from . import _recovery

        await _recovery.recover(self, att, err)


_BACKGROUND: set[asyncio.Task[Any]] = set()


async def _both(first: Any, second: Any) -> None:
    await first
    await second
