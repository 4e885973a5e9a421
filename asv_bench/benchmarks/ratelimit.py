"""The rate-limit coordinator (``l0.ratelimit``): the cost of one attempt's check.

``TimeReserve``: 100 ``reserve()`` calls of the in-process coordinator, no cooldown, with and
without request/token buckets. ``TimeRunRateLimit``: 50 runs of a 20-token ``l0.run`` with and
without ``rate_limit`` (the difference is the per-attempt overhead the runtime pays).
"""

from __future__ import annotations

from .common import BACKENDS, LoopMixin, use_backend


class TimeReserve(LoopMixin):
    params = (BACKENDS, ["plain", "buckets"])
    param_names = ["backend", "limits"]

    def setup(self, backend: str, limits: str) -> None:
        use_backend(backend)
        try:
            from l0.ratelimit import InProcessCoordinator, Limit
        except ImportError as exc:
            raise NotImplementedError(f"l0.ratelimit not in this commit: {exc}") from None
        default = Limit(requests_per_minute=1e12, tokens_per_minute=1e15) if limits == "buckets" else None
        self.coord = InProcessCoordinator(default_limit=default)
        self._open_loop()

    def time_reserve(self, backend: str, limits: str) -> None:
        self.loop.run_until_complete(self._many())

    async def _many(self) -> None:
        reserve = self.coord.reserve
        for _ in range(100):
            await reserve("http://bench/v1|m|-", 100)


class TimeRunRateLimit(LoopMixin):
    params = (BACKENDS, ["off", "in-process"])
    param_names = ["backend", "rate_limit"]

    def setup(self, backend: str, rate_limit: str) -> None:
        l0 = use_backend(backend)
        try:
            from l0.ratelimit import InProcessCoordinator, RateLimit
        except ImportError as exc:
            raise NotImplementedError(f"l0.ratelimit not in this commit: {exc}") from None
        self.l0 = l0
        self.rl = (RateLimit(key="http://bench/v1|m|-", coordinator=InProcessCoordinator())
                   if rate_limit != "off" else None)
        event, token, complete = l0.Event, l0.EventType.TOKEN, l0.EventType.COMPLETE

        async def source():  # type: ignore[no-untyped-def]
            for _ in range(20):
                yield event(type=token, text="w ")
            yield event(type=complete)

        self.source = source
        self._open_loop()

    def time_run(self, backend: str, rate_limit: str) -> None:
        self.loop.run_until_complete(self._many())

    async def _many(self) -> None:
        for _ in range(50):
            stream = await self.l0.run(self.source, rate_limit=self.rl)
            await stream.read()
