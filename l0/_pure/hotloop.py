"""Pure twin of the hot loop: ``hot_iterate`` runs the per-token fast path beside the runtime.

The runtime's engine (``l0.runtime._engine.drive``) owns all control flow. When
it reaches the plain token loop of an attempt it yields a :class:`Handoff`
instead of iterating the source itself; the hot iterator then pulls from the
source directly and serves plain tokens (content append, token count, watchdog
mark) without a round trip through the engine. Anything else goes back to the
engine: the item (``hand.item``, ``hand.done = False``), the end of the source
or an abort (``hand.done = True``), or the source's exception (thrown in). The
engine handles it and yields the handoff again to resume fast mode.

Compiled twin: ``l0._speedups.hotloop``.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

__all__ = ["Handoff", "hot_iterate"]


class Handoff:
    """What the engine hands the hot iterator (and what comes back).

    Set by the engine before it yields the handoff: ``it`` (the source's async
    iterator), ``coerce`` (item -> Event), ``append`` (the content buffer's),
    ``fields`` (mapping that receives ``token_count``, or None when the state
    counts by itself), ``n`` (token count),
    ``next_due`` (token count at which a check is due), ``due`` (None, or a
    callable run at that token once it is appended and counted, returning
    the next due count or -1), ``watchdog`` (or None) and ``clock`` (its time
    source). ``aborted`` is set by ``abort()``. Set by the hot iterator when it
    hands control back: ``n``, ``done``, ``item`` and ``appended`` (the item
    is a token already appended, counted and checked by ``due``, which
    returned -1).
    """

    __slots__ = ("event_type", "token_type", "it", "coerce", "append", "fields", "n", "next_due",
                 "watchdog", "clock", "aborted", "done", "item", "due", "appended")

    def __init__(self, event_type: type, token_type: Any) -> None:
        self.event_type = event_type
        self.token_type = token_type
        self.it: Any = None
        self.coerce: Any = None
        self.append: Any = None
        self.fields: Any = None
        self.n = 0
        self.next_due = 0
        self.watchdog: Any = None
        self.clock: Any = None
        self.aborted = False
        self.done = False
        self.item: Any = None
        self.due: Any = None
        self.appended = False


def hot_iterate(drive: AsyncGenerator[Any, None]) -> AsyncIterator[Any]:
    """The async iterator a stream hands its consumer: ``drive``'s events, plain tokens served directly.

    ``drive`` is the runtime's engine generator; it yields events, or a
    :class:`Handoff` to switch to fast mode. The result supports ``__anext__``,
    ``aclose()`` (closes ``drive``) and ``ag_await`` (not None while waiting
    for the source or the engine, which the timeout watchdog reads).
    """
    return _iterate(drive)


async def _iterate(drive: AsyncGenerator[Any, None]) -> AsyncGenerator[Any, None]:
    asend = drive.asend
    athrow = drive.athrow
    try:
        ev = await asend(None)
        while True:
            if ev.__class__ is not Handoff:
                yield ev
                ev = await asend(None)
                continue
            hand = ev
            TOKEN = hand.token_type
            append = hand.append
            fields = hand.fields
            if fields is None:  # the state counts by itself: store into a throwaway dict
                fields = {}
            wd = hand.watchdog
            now = hand.clock
            n = hand.n
            due = hand.next_due
            check = hand.due
            hand.done = False
            failed: BaseException | None = None
            try:
                if wd is None:
                    # The loop below differs by the watchdog store only (no per-token branch).
                    async for ev in hand.it:
                        try:
                            kind = ev.type
                        except AttributeError:  # not an Event (cheaper than a type test on every token)
                            if ev.__class__ is not str:
                                break
                            ev = hand.coerce(ev)
                            kind = ev.type
                        if kind is not TOKEN:
                            break
                        text = ev.text
                        if text:
                            if n + 1 == due:
                                if check is None:
                                    break
                                append(text)
                                n += 1
                                fields["token_count"] = n
                                due = check()
                                if due < 0:
                                    hand.appended = True
                                    break
                            else:
                                append(text)
                                n += 1
                                fields["token_count"] = n
                        yield ev
                        if hand.aborted:
                            hand.done = True
                            break
                    else:
                        hand.done = True
                        ev = None
                else:
                    async for ev in hand.it:
                        try:
                            kind = ev.type
                        except AttributeError:
                            if ev.__class__ is not str:
                                break
                            ev = hand.coerce(ev)
                            kind = ev.type
                        if kind is not TOKEN:
                            break
                        text = ev.text
                        if text:
                            if n + 1 == due:
                                if check is None:
                                    break
                                append(text)
                                n += 1
                                fields["token_count"] = n
                                due = check()
                                if due < 0:
                                    hand.appended = True
                                    break
                            else:
                                append(text)
                                n += 1
                                fields["token_count"] = n
                        yield ev
                        wd.mark = now()
                        if hand.aborted:
                            hand.done = True
                            break
                    else:
                        hand.done = True
                        ev = None
            except GeneratorExit:
                raise
            except BaseException as exc:  # noqa: BLE001 - the source's error (or cancellation) belongs to the engine
                failed = exc
            hand.n = n
            hand.next_due = due
            if failed is not None:
                # Thrown in outside the except block so the engine's own errors get no implicit __context__.
                hand.item = None
                ev = await athrow(failed)
                failed = None
                continue
            hand.item = None if hand.done else ev
            ev = await asend(None)
    except StopAsyncIteration:
        return
    finally:
        await drive.aclose()
