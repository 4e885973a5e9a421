"""Recording a live ``l0.run``: a wrapper around each stream factory and an ``on_event`` handler.

Only the public API is used: the wrapped factory resolves the provider's adapter itself
(``l0.adapters.resolve_adapter``) and hands ``l0.run`` plain ``l0.Event``s, recording each one
with its arrival time; the handler turns observability events into recorded decisions.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from types import AsyncGeneratorType
from typing import TYPE_CHECKING, Any, Callable

import orjson

from .types import (
    AttemptEvent,
    ChunkEvent,
    CompleteEvent,
    ContinuationEvent,
    DriftEvent,
    DriftEventResult,
    ErrorEvent,
    FallbackEvent,
    GuardrailEvent,
    GuardrailEventResult,
    RetryEvent,
    SourceEndEvent,
    StartEvent,
    TokenEvent,
    now_ms,
    serialize_error,
)

if TYPE_CHECKING:  # pragma: no cover
    from .recorder import EventRecorder


def wants_context(factory: Callable[..., Any]) -> bool:
    """Whether ``factory`` takes the ``StreamContext`` (as ``l0.run`` decides it)."""
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


def _jsonable(value: Any) -> Any:
    return orjson.loads(orjson.dumps(value, default=str))


def l0_event_to_dict(ev: Any) -> dict[str, Any]:
    """An ``l0.Event`` as a JSON-ready dict (fields that are None are left out)."""
    out: dict[str, Any] = {"type": ev.type.value if hasattr(ev.type, "value") else str(ev.type)}
    for name in ("text", "usage", "timestamp", "finish_reason"):
        value = getattr(ev, name)
        if value is not None:
            out[name] = value
    for name in ("data", "metadata"):
        value = getattr(ev, name)
        if value is not None:
            out[name] = _jsonable(value)
    if ev.payload is not None:
        p = ev.payload
        out["payload"] = {
            "content_type": p.content_type.value, "mime_type": p.mime_type, "base64": p.base64, "url": p.url,
            "data": None if p.data is None else __import__("base64").b64encode(p.data).decode(),
            "json": _jsonable(p.json), "metadata": _jsonable(p.metadata),
        }
    if ev.progress is not None:
        pr = ev.progress
        out["progress"] = {"percent": pr.percent, "step": pr.step, "total_steps": pr.total_steps,
                           "message": pr.message, "eta": pr.eta}
    if ev.error is not None:
        from dataclasses import asdict

        out["error"] = asdict(serialize_error(ev.error))
    return out


def l0_event_from_dict(data: dict[str, Any]) -> Any:
    """The inverse of :func:`l0_event_to_dict`."""
    from l0.types import ContentType, DataPayload, Event, EventType, Progress

    kwargs: dict[str, Any] = {"type": EventType(data["type"])}
    for name in ("text", "usage", "timestamp", "finish_reason", "data", "metadata"):
        if name in data:
            kwargs[name] = data[name]
    if "payload" in data:
        p = dict(data["payload"])
        p["content_type"] = ContentType(p["content_type"])
        if p.get("data") is not None:
            p["data"] = __import__("base64").b64decode(p["data"])
        kwargs["payload"] = DataPayload(**p)
    if "progress" in data:
        kwargs["progress"] = Progress(**data["progress"])
    if "error" in data:
        from .types import deserialize_error

        kwargs["error"] = deserialize_error(data["error"])
    return Event(**kwargs)


class LiveRun:
    """The recording side of one ``l0.run``."""

    def __init__(self, recorder: EventRecorder, user_on_event: Callable[..., Any] | None) -> None:
        self.rec = recorder
        self.user_on_event = user_on_event
        self.stream: Any = None
        self.attempts = 0
        self.tokens = 0
        self.reported = 0
        self.closed = False

    # --- sources ----------------------------------------------------------------------------

    def wrap_factory(self, factory: Any, index: int, adapter_hint: Any) -> Callable[..., Any]:
        takes_ctx = callable(factory) and wants_context(factory)
        live = self

        async def recorded_factory(ctx: Any) -> Any:
            live.attempts += 1
            checkpoint = ctx.checkpoint if getattr(ctx, "is_continuation", False) else ""
            live.rec.record_nowait(AttemptEvent(ts=now_ms(), attempt=live.attempts, fallback=index,
                                                checkpoint=checkpoint or ""))
            state = live.stream.state if live.stream is not None else None
            live.tokens = state.token_count if (state is not None and checkpoint) else 0
            opened = time.monotonic()
            try:
                if callable(factory):
                    raw = factory(ctx) if takes_ctx else factory()
                else:
                    raw = factory
                if type(raw) is not AsyncGeneratorType and inspect.isawaitable(raw):
                    raw = await raw
            except BaseException as e:
                live.source_end("open_error" if isinstance(e, Exception) else "closed", e, opened)
                raise
            return live.play_source(raw, adapter_hint, opened)

        return recorded_factory

    async def one_shot(self, raw: Any, index: int, adapter_hint: Any) -> Any:
        """A bare async iterator given to ``run``: recorded as one attempt; like ``l0.run`` with a
        bare iterator, it is never retried (it is not a factory)."""
        from contextlib import aclosing

        self.attempts += 1
        self.rec.record_nowait(AttemptEvent(ts=now_ms(), attempt=self.attempts, fallback=index))
        async with aclosing(self.play_source(raw, adapter_hint, time.monotonic())) as events:
            async for ev in events:
                yield ev

    def source_end(self, outcome: str, error: BaseException | None, since: float) -> None:
        self.rec.record_nowait(SourceEndEvent(
            ts=now_ms(), outcome=outcome,
            error=serialize_error(error) if outcome in ("error", "open_error") and error is not None else None,
            waited_ms=(time.monotonic() - since) * 1000.0))

    async def play_source(self, raw: Any, adapter_hint: Any, opened: float) -> Any:
        from l0.adapters import resolve_adapter
        from l0.adapters.event import EventPassthroughAdapter, coerce_item
        from l0.types import EventType

        token = EventType.TOKEN
        record = self.rec.record_nowait
        last = opened
        ended = False
        try:
            adapter = resolve_adapter(raw, adapter_hint)
            if type(adapter) is EventPassthroughAdapter:
                source = raw.__aiter__()
            else:
                source = adapter.wrap(raw)
                if inspect.isawaitable(source) and not hasattr(source, "__aiter__"):
                    source = await source
                source = source.__aiter__()
            async for item in source:
                ev = coerce_item(item)
                last = time.monotonic()
                if (ev.type is token and ev.text is not None and ev.data is None and ev.timestamp is None
                        and ev.metadata is None and ev.usage is None):
                    record(TokenEvent(ts=now_ms(), value=ev.text, index=self.tokens))
                    self.tokens += 1
                else:
                    record(ChunkEvent(ts=now_ms(), event=l0_event_to_dict(ev)))
                yield ev
            ended = True
            self.source_end("end", None, last)
        except GeneratorExit:
            if not ended:
                self.source_end("closed", None, last)
            raise
        except asyncio.CancelledError:
            self.source_end("closed", None, last)
            ended = True
            raise
        except Exception as e:
            self.source_end("error", e, last)
            ended = True
            raise

    # --- decisions, from lifecycle callbacks -------------------------------------------------
    # Callbacks fire only at decisions; an on_event handler would make the runtime build an
    # observability event at every check (about one per token with guardrails and drift on).

    def hooks(self, options: dict[str, Any]) -> dict[str, Any]:
        """``on_*`` arguments for ``l0.run``: ours first, then the user's (individual argument,
        else the ``callbacks=`` bundle's), whose result is returned so async ones are awaited."""
        bundle = options.get("callbacks")
        out: dict[str, Any] = {}
        for name in ("on_violation", "on_drift", "on_retry", "on_fallback", "on_resume", "on_error", "on_complete"):
            user = options.get(name)
            if user is None and bundle is not None:
                user = getattr(bundle, name, None)
            out[name] = self._chain(getattr(self, "_" + name), user)
        return out

    def _chain(self, mine: Callable[..., None], user: Callable[..., Any] | None) -> Callable[..., Any]:
        rec = self.rec

        def hook(*args: Any) -> Any:
            try:
                mine(*args)
            except Exception as e:  # a bug here must not break the stream
                rec._report(e)
            return None if user is None else user(*args)

        return hook

    def _at(self) -> int:
        return self.stream.state.token_count if self.stream is not None else 0

    def _on_violation(self, v: Any) -> None:
        from dataclasses import asdict, is_dataclass

        d = _jsonable(asdict(v) if is_dataclass(v) else dict(vars(v)))
        self.rec.record_nowait(GuardrailEvent(ts=now_ms(), at=self._at(), result=GuardrailEventResult(
            violations=[d], should_retry=bool(d.get("recoverable", False)),
            should_halt=not d.get("recoverable", True))))

    def _on_drift(self, types: Any, confidence: Any) -> None:
        self.rec.record_nowait(DriftEvent(ts=now_ms(), at=self._at(), result=DriftEventResult(
            True, [str(t) for t in types or ()], float(confidence or 0.0))))

    def _on_retry(self, attempt: int, reason: str) -> None:
        from l0.errors import categorize_error
        from l0.types import ErrorCategory

        errors = self.stream.errors if self.stream is not None else []
        network = bool(errors) and categorize_error(errors[-1]) is ErrorCategory.NETWORK
        self.rec.record_nowait(RetryEvent(ts=now_ms(), reason=str(reason), attempt=int(attempt),
                                          counts_toward_limit=not network))

    def _on_fallback(self, from_index: int, reason: str) -> None:
        self.rec.record_nowait(FallbackEvent(ts=now_ms(), to=int(from_index) + 1))

    def _on_resume(self, checkpoint: str, token_count: int) -> None:
        self.rec.record_nowait(ContinuationEvent(ts=now_ms(), checkpoint=checkpoint or "", at=int(token_count)))

    def _on_error(self, err: BaseException, will_retry: bool, will_fallback: bool) -> None:
        from l0.errors import get_failure_type, get_recovery_strategy

        self.rec.record_nowait(ErrorEvent(
            ts=now_ms(), error=serialize_error(err), failure_type=get_failure_type(err).value,
            recovery_strategy=get_recovery_strategy(will_retry, will_fallback).value,
            policy=orjson.dumps({"willRetry": will_retry, "willFallback": will_fallback}).decode()))
        if not will_retry and not will_fallback:
            self._kick()

    def _on_complete(self, state: Any) -> None:
        self.rec.record_nowait(CompleteEvent(ts=now_ms(), content=state.content, token_count=state.token_count))
        self._kick()

    def _kick(self) -> None:
        rec = self.rec
        if rec._pending and (rec._task is None or rec._task.done()):
            rec._task = asyncio.get_running_loop().create_task(rec._drain())

    def _forward_errors(self) -> None:
        """Store failures so far, sent to the user's ``on_event`` as CALLBACK_ERROR events."""
        errors = self.rec.errors
        while self.reported < len(errors):
            err = errors[self.reported]
            self.reported += 1
            if self.user_on_event is None:
                continue
            from l0.events import ObservabilityEvent, ObservabilityEventType

            out = ObservabilityEvent(
                type=ObservabilityEventType.CALLBACK_ERROR, ts=now_ms(), stream_id=self.rec.stream_id,
                context={}, meta={"callback": "eventsourcing.recorder", "error": f"{type(err).__name__}: {err}",
                                  "recordingStreamId": self.rec.stream_id})
            try:
                result = self.user_on_event(out)
                if inspect.isawaitable(result):
                    asyncio.ensure_future(result)
            except Exception:  # the user's handler failing must not break the stream either
                pass


async def start_recording(recorder: EventRecorder, stream: Any, options: dict[str, Any]) -> tuple[LiveRun, Any]:
    import l0

    from .recorder import serialize_options

    opts = dict(options)
    live = LiveRun(recorder, opts.get("on_event"))
    adapter_hint = opts.pop("adapter", None)
    fallbacks = list(opts.pop("fallbacks", None) or ())
    recorder.record_nowait(StartEvent(ts=now_ms(), options=serialize_options({**opts, "fallbacks": fallbacks})))
    def wrap(source: Any, index: int) -> Any:
        if callable(source):
            return live.wrap_factory(source, index, adapter_hint)
        return live.one_shot(source, index, adapter_hint)

    primary = wrap(stream, 0)
    wrapped = [wrap(f, i + 1) for i, f in enumerate(fallbacks)]
    opts.update(live.hooks(opts))
    previous = recorder.on_error

    def on_error(err: BaseException) -> None:
        if previous is not None:
            previous(err)
        live._forward_errors()

    recorder.on_error = on_error
    result = await l0.run(primary, fallbacks=wrapped or None, **opts)
    live.stream = result
    return live, result
