"""Stream sources for structured output: factories, re-ask, single-use iterators."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any

__all__ = ["Source", "make_source", "accepts_context"]


def accepts_context(fn: Callable[..., Any]) -> bool:
    """True if ``fn`` takes the StreamContext: the runtime's rule (a required
    positional parameter, ``*args``, or an optional one named ``ctx``,
    ``context`` or ``stream_context``)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return False
    for p in sig.parameters.values():
        if p.kind is p.VAR_POSITIONAL:
            return True
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            return p.default is p.empty or p.name in ("ctx", "context", "stream_context")
    return False


def _is_iterator_like(obj: Any) -> bool:
    return hasattr(obj, "__anext__") or hasattr(obj, "__aiter__") or inspect.isawaitable(obj)


class Source:
    """One stream source (the primary or a fallback) of a structured call.

    ``factory`` is what the runtime receives. A user factory is called afresh
    for every attempt; when it accepts an argument it gets the runtime's
    ``StreamContext`` with ``validation_error`` set to the previous attempt's
    validation error (re-ask). A raw async iterator or coroutine can be
    consumed once only, so ``replayable`` is False: structured output makes
    one attempt with it instead of replaying recorded output as if it were a
    new generation.
    """

    def __init__(self, obj: Any, parameter: str) -> None:
        self.validation_error: str | None = None
        if callable(obj) and not _is_iterator_like(obj):
            self.replayable = True
            user = obj
            if accepts_context(user):

                def factory(ctx: Any = None) -> Any:
                    return user(self._context(ctx))

                self.factory: Callable[..., Any] = factory
            else:
                self.factory = user
        elif _is_iterator_like(obj):
            self.replayable = False
            self.factory = obj  # the runtime hands a raw stream out once
        else:
            raise TypeError(
                f"{parameter} must be a stream factory (a callable returning an async iterator or a coroutine "
                f"resolving to one), an async iterator, or a coroutine; got {type(obj).__name__}"
            )

    def _context(self, ctx: Any) -> Any:
        if ctx is None:
            from l0.runtime._context import StreamContext

            ctx = StreamContext()
        if self.validation_error is None:
            return ctx
        if dataclasses.is_dataclass(ctx) and not isinstance(ctx, type):
            return dataclasses.replace(ctx, validation_error=self.validation_error)
        try:
            ctx.validation_error = self.validation_error
        except AttributeError:  # pragma: no cover - an exotic context object
            pass
        return ctx


def make_source(obj: Any, parameter: str) -> Source:
    """Wrap ``obj`` as a :class:`Source`; ``TypeError`` naming ``parameter`` if it is none."""
    return Source(obj, parameter)
