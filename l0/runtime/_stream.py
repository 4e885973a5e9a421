"""``Stream`` (what ``run()`` returns) and ``LazyStream`` (what ``wrap(raw_stream)`` returns)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any, Generic, TypeVar

from l0.types import Event, State

__all__ = ["Stream", "LazyStream"]

ChunkT = TypeVar("ChunkT")


class Stream(Generic[ChunkT]):
    """The result of ``l0.run``: an async iterator of :class:`~l0.types.Event`.

    ``state`` is live, ``errors`` lists every attempt error so far, ``abort()``
    stops the stream (also interrupting a wait for the provider). ``async
    with`` aborts only if the body leaves before the stream finished.
    ``aiter(stream)`` hands out the runtime's hot iterator itself (see
    ``l0._backend.hot_iterate``), so iteration adds no extra layer.
    """

    __slots__ = ("_iterator", "_runner", "_raw_chunks", "_telemetry", "state", "abort", "errors")

    def __init__(self, iterator: AsyncIterator[Event], state: State, abort: Callable[[], None],
                 errors: list[BaseException] | None = None, raw_chunks: Any = None) -> None:
        self._iterator = iterator
        self._runner: Any = None
        self._raw_chunks = raw_chunks
        self._telemetry: Any = None
        self.state = state
        self.abort = abort
        self.errors = errors if errors is not None else []

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._iterator

    def __anext__(self) -> Any:
        return self._iterator.__anext__()

    async def __aenter__(self) -> Stream[ChunkT]:
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        runner = self._runner
        unfinished = runner is not None and not runner.finished
        if unfinished or (runner is None and exc_type is not None):
            self.abort()
        closer = getattr(self._iterator, "aclose", None)
        if closer is not None and unfinished:
            await closer()
        return False

    async def read(self) -> str:
        """Consume the rest of the stream and return the final text (re-raises the stream's error)."""
        async for _ in self._iterator:
            pass
        return self.state.content

    def raw(self) -> list[ChunkT]:
        """Provider chunks kept so far (only with ``keep_raw_chunks``; bounded)."""
        chunks = self._raw_chunks
        return list(chunks) if chunks is not None else []

    @property
    def completed(self) -> bool:
        return self.state.completed

    @property
    def telemetry(self) -> Any:
        """The run's :class:`~l0.monitoring.RunTelemetry` once it ended (``run(monitoring=True)``), else None."""
        collector = self._telemetry
        return collector.result() if collector is not None else None


class LazyStream(Generic[ChunkT]):
    """A stream over one raw async iterator, started on first use (``wrap(raw_stream)``).

    The iterator can be read only once, so a failed attempt is not retried
    (the reference re-read the exhausted iterator and returned empty text):
    the error is raised. Fallback-free, retry-free; timeouts, guardrails,
    drift, callbacks and tool-call handling apply.
    """

    __slots__ = ("_stream", "_options", "_runner", "_started")

    def __init__(self, stream: Any, *, guardrails: list[Any] | None = None, timeout: Any = None,
                 adapter: Any = None, on_event: Callable[..., Any] | None = None,
                 on_token: Callable[[str], Any] | None = None,
                 on_tool_call: Callable[[str, str, dict[str, Any]], Any] | None = None,
                 on_violation: Callable[[Any], Any] | None = None, context: dict[str, Any] | None = None,
                 buffer_tool_calls: bool = False, **run_options: Any) -> None:
        from ._run import validate

        options = dict(guardrails=guardrails, timeout=timeout, adapter=adapter, on_event=on_event,
                       on_token=on_token, on_tool_call=on_tool_call, on_violation=on_violation, context=context,
                       buffer_tool_calls=buffer_tool_calls, **run_options)
        self._options = validate(stream, options, single_use=True)
        self._stream = stream
        self._runner: Stream[ChunkT] | None = None
        self._started = False

    def _start(self) -> Stream[ChunkT]:
        if self._runner is None:
            from ._run import start

            self._runner = start(self._options)
            self._started = True
        return self._runner

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._start().__aiter__()

    def __anext__(self) -> Any:
        return self._start().__anext__()

    async def __aenter__(self) -> LazyStream[ChunkT]:
        self._start()
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        if self._runner is None:
            return False
        return await self._runner.__aexit__(exc_type, exc, tb)

    async def read(self) -> str:
        return await self._start().read()

    @property
    def state(self) -> State:
        return self._runner.state if self._runner is not None else State()

    @property
    def errors(self) -> list[BaseException]:
        return self._runner.errors if self._runner is not None else []

    def abort(self) -> None:
        if self._runner is not None:
            self._runner.abort()

    def raw(self) -> list[ChunkT]:
        return self._runner.raw() if self._runner is not None else []

    @property
    def telemetry(self) -> Any:
        return self._runner.telemetry if self._runner is not None else None
