"""The attempt engine: the per-attempt object and the per-token hot path.

:func:`drive` owns all control flow of a run: attempts, retries, fallbacks,
the resume dedupe, due checks, non-token events, the end of the source,
errors, cancellation and timeouts. For the plain token loop it yields a
``Handoff`` and the hot iterator (``l0._backend.hot_iterate``, what a
:class:`~l0.runtime.Stream` hands its consumer) pulls from the source itself.
Per plain token that is O(1) work: a type check, an append to the content
buffer (which counts the token for the run's ``LiveState``; a plain ``State``
gets a counter store), one integer compare against the next due check and
(with a timeout) a timestamp store only when the source makes the consumer wait. At a due check the hot iterator calls
``Runner.due_now`` itself (``hand.due``) and comes back only if a callback
must be awaited. Everything else comes back to ``drive``;
the rarer work (checks, tool calls, completion, errors) lives in
:class:`~l0.runtime._runner.Runner`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from functools import partial
from typing import TYPE_CHECKING, Any

from l0._backend import Handoff
from l0.types import Event, EventType

if TYPE_CHECKING:  # pragma: no cover
    from ._runner import Runner

__all__ = ["Attempt", "drive", "NEVER"]

NEVER = 1 << 62  # a token count no stream reaches: "no check due"


class Attempt:
    """Everything that belongs to one attempt and dies with it."""

    __slots__ = (
        "index", "number", "fallback_index", "is_retry", "is_fallback", "context",
        "raw", "source", "adapter", "coerce", "watchdog", "exhausted", "live",
        "resuming", "checkpoint", "dedupe",
        "first_pending", "next_due", "next_ckpt", "next_guard", "next_drift", "ckpt_len", "ckpt_from",
        "guard_stream", "guard_all", "guard_pos", "drift_session", "drift_fast", "drift_kernel", "drift_pos",
        "resume", "pending", "complete_event", "finish_reason", "inband_error", "reported",
        "tool_seen", "tool_args", "tool_ids", "tool_buf",
    )

    def __init__(self, index: int, number: int, fallback_index: int) -> None:
        self.index = index
        self.number = number
        self.fallback_index = fallback_index
        self.is_retry = number > 1
        self.is_fallback = fallback_index > 0
        self.context: Any = None
        self.raw: Any = None
        self.source: Any = None
        self.adapter: Any = None
        self.coerce: Any = None
        self.watchdog: Any = None
        self.exhausted = False
        self.live = False
        self.resuming = False
        self.checkpoint = ""
        self.dedupe: Any = None
        self.first_pending = True
        self.next_due = NEVER
        self.next_ckpt = NEVER
        self.next_guard = NEVER
        self.next_drift = NEVER
        self.ckpt_len = 0
        self.ckpt_from = -1  # >= 0: periodic checkpoints are read off the buffer from this token count on
        self.guard_stream: list[tuple[Any, Any]] = []
        self.guard_all: list[tuple[Any, Any]] = []
        self.guard_pos = 0  # content offset of the previous streaming guardrail check (sessions start at 0)
        self.drift_session: Any = None
        self.drift_fast: Any = None
        self.drift_kernel: Any = None  # a settled built-in session's kernel scan (mask 0: nothing found)
        self.drift_pos = 0
        self.resume = 0  # what Runner.due_rest must finish (0: nothing)
        self.pending: Any = None
        self.complete_event: Event | None = None
        self.finish_reason: str | None = None
        self.inband_error: Any = None
        self.reported: set[Any] | None = None  # resuming: findings already reported for the kept text
        self.tool_seen: dict[str, str] | None = None
        self.tool_args: dict[Any, list[str]] | None = None
        self.tool_ids: dict[Any, str] | None = None
        self.tool_buf: dict[Any, dict[str, Any]] | None = None

    def schedule(self, n: int) -> int:
        """Recompute the next token count at which some check is due."""
        due = self.next_ckpt
        if self.next_guard < due:
            due = self.next_guard
        if self.next_drift < due:
            due = self.next_drift
        if self.first_pending and n + 1 < due:
            due = n + 1
        self.next_due = due
        return due


class _AttrSetter:
    """Stands in for ``state.__dict__`` when the state's attributes are not plain dict entries."""

    __slots__ = ("_obj",)

    def __init__(self, obj: Any) -> None:
        self._obj = obj

    def __setitem__(self, name: str, value: Any) -> None:
        setattr(self._obj, name, value)


def _attr_store(state: Any) -> Any:
    """The mapping the hot loop writes ``token_count`` into.

    ``State`` keeps its fields in a materialized ``__dict__`` (its ``content``
    setter writes there), where a dict store costs half an attribute store.
    Used only when that is exactly what ``setattr`` would do.
    """
    cls = type(state)
    attrs = getattr(state, "__dict__", None)
    if (attrs is not None and cls.__setattr__ is object.__setattr__ and "token_count" in attrs
            and not hasattr(getattr(cls, "token_count", None), "__set__")):
        return attrs
    return _AttrSetter(state)


async def drive(run: Runner) -> AsyncIterator[Event]:
    """Yield the events of a run: attempts, retries and fallbacks; ``Handoff`` for the plain token loop.

    Run under ``hot_iterate``: at ``yield hand`` it resumes with ``hand.done``
    (source ended or abort), ``hand.item`` (an item to handle here), or the
    source's exception thrown in. With a token callback it iterates the
    source itself.
    """
    state = run.state
    # A LiveState counts tokens itself (its buffer's count): nothing to store per token.
    fields = None if getattr(type(state), "derived_token_count", False) else _attr_store(state)
    run.derived_count = fields is None
    append = state.buffer.append
    TOKEN = EventType.TOKEN
    EventT = Event
    aborted = False
    hand = Handoff(EventT, TOKEN)
    hand.append = append
    hand.fields = fields

    def stop() -> None:
        nonlocal aborted
        aborted = True
        hand.aborted = True

    run.stop_generator = stop
    try:
        while True:
            att = await run.begin_attempt()
            if att is None:
                return
            err: BaseException | None = None
            if run.discard is not None:
                # Restarting after text was shown: say so in band, before the new attempt's first token.
                reset, run.discard = run.discard, None
                yield reset
            try:
                if att.resuming:
                    yield EventT(type=TOKEN, text="")
                it = None if aborted else await run.open_attempt(att)
                wd = att.watchdog
                coerce = att.coerce
                tokcb = run.token_callback
                if it is not None and att.dedupe is not None:
                    now = run.loop_time
                    dd = att.dedupe
                    async for ev in it:
                        if type(ev) is not EventT:
                            ev = coerce(ev)
                        text = ev.text
                        if ev.type is TOKEN or ev.type == "token":
                            out = dd.feed(ev, text) if text else [ev]
                        else:
                            out = dd.flush()
                            out.append(ev)
                        if out is not None:
                            for item in out:
                                item = await run.handle(att, item)
                                if item is not None:
                                    yield item
                                if aborted:
                                    break
                        if wd is not None:
                            wd.mark = now()
                        if aborted or dd.decided:
                            break
                    else:
                        att.exhausted = True
                        for item in dd.flush():
                            item = await run.handle(att, item)
                            if item is not None:
                                yield item
                            if aborted:
                                break
                    run.dedupe_decided(att)
                n = state.token_count
                next_due = att.schedule(n)
                if it is None or aborted or att.exhausted:
                    pass
                elif tokcb is None:
                    # Fast mode: the hot iterator (l0._backend.hot_iterate) serves plain tokens itself and
                    # hands back everything else: an item to handle here, the end of the source or an
                    # abort (hand.done), or the source's exception (thrown in at the yield).
                    hand.it = it
                    hand.coerce = coerce
                    hand.watchdog = wd
                    hand.clock = now = run.loop_time
                    hand.due = partial(run.due_now, att)
                    while True:
                        hand.n = n
                        hand.next_due = next_due
                        yield hand
                        if hand.done:
                            break
                        ev = hand.item
                        hand.item = None
                        n = hand.n
                        next_due = hand.next_due  # hand.due may have moved it on
                        if hand.appended:
                            # The hot iterator appended this token and ran Runner.due_now, which left
                            # something to await.
                            hand.appended = False
                            next_due = await run.due_rest(att)
                            yield ev
                            if wd is not None:
                                wd.mark = now()
                            if aborted:
                                break
                            continue
                        try:
                            kind = ev.type
                        except AttributeError:  # not an Event: AdaptedEvent, ...
                            ev = coerce(ev)
                            kind = ev.type
                        if kind is TOKEN:
                            text = ev.text
                            if text:
                                append(text)
                                n += 1
                                if fields is not None:
                                    fields["token_count"] = n
                                if n == next_due:
                                    next_due = await run.due(att, ev, text)
                            yield ev
                        else:
                            out = await run.handle(att, ev)
                            n = state.token_count
                            next_due = att.next_due
                            if out is not None:
                                yield out
                        if wd is not None:
                            wd.mark = now()
                        if aborted:
                            break
                else:
                    # With a token callback every token takes the slow path anyway: iterate here.
                    now = run.loop_time
                    async for ev in it:
                        try:
                            kind = ev.type
                        except AttributeError:  # not an Event: str, AdaptedEvent, ... (cheaper than a type test)
                            ev = coerce(ev)
                            kind = ev.type
                        if kind is TOKEN:
                            text = ev.text
                            if text:
                                append(text)
                                n += 1
                                if fields is not None:
                                    fields["token_count"] = n
                                if n == next_due:
                                    next_due = await run.due(att, ev, text)
                                else:
                                    r = tokcb(ev, text)
                                    if r is not None:
                                        await run.settle(att, r)
                            yield ev
                        else:
                            out = await run.handle(att, ev)
                            n = state.token_count
                            next_due = att.next_due
                            if out is not None:
                                yield out
                        if wd is not None:
                            wd.mark = now()
                        if aborted:
                            break
                if aborted:
                    continue
                att.exhausted = True
                for ev in await run.end_of_stream(att):
                    yield ev
                await run.finalize(att)
                if att.complete_event is not None:
                    yield att.complete_event
                await run.complete(att)
                return
            except asyncio.CancelledError:
                if run.claim_cancel(att):
                    err = run.pending_interrupt(att)
                    if err is None:
                        continue
                else:
                    raise
            except Exception as exc:  # noqa: BLE001 - every attempt error goes through recovery
                err = exc
            finally:
                hand.it = hand.coerce = hand.watchdog = hand.item = hand.due = None
                hand.appended = False
                await run.close_attempt(att)
            await run.recover(att, err)
    finally:
        run.close_session()
