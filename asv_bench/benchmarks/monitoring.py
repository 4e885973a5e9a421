"""Monitoring overhead on the full-stack scenario (guardrails + drift + checkpoints), by backend.

``variant``: ``plain`` (no monitoring), ``telemetry`` (``run(monitoring=True)``:
per-run telemetry from the final State, event bus off), ``noop_handler`` (an
``on_event`` that does nothing: what the runtime spends once events flow),
``noop_wants`` (the same declaring the built-in handlers' ``wants``),
``monitor``, ``otel`` (real SDK, in-memory exporters), ``sentry`` (real SDK,
a transport that drops envelopes), ``prometheus``. A variant whose packages
or features are missing in the commit under test is skipped.
"""

from __future__ import annotations

from .common import BACKENDS, LoopMixin, require_scenario

VARIANTS = ["plain", "telemetry", "noop_handler", "noop_wants", "monitor", "otel", "sentry", "prometheus"]


class TimeFullStackMonitoring(LoopMixin):
    params = (BACKENDS, VARIANTS, [2_000])
    param_names = ["backend", "variant", "tokens"]
    timeout = 300
    number = 1

    def setup(self, backend: str, variant: str, n: int) -> None:
        sc = require_scenario(backend, "full")
        try:
            from l0._bench import monitoring as bench
        except ImportError as exc:
            raise NotImplementedError(f"l0._bench.monitoring not available: {exc}") from None
        try:
            table = bench.variants()
        except ImportError as exc:
            raise NotImplementedError(f"monitoring extras missing: {exc}") from None
        if variant not in table:
            raise NotImplementedError(f"variant {variant!r} not in this commit")
        make, self.monitoring = table[variant]
        self.handler = make() if make else None
        self.bench = bench
        self.sc = sc
        self._open_loop()
        self.loop.run_until_complete(bench._once(200, self.handler, self.monitoring, collect=False))

    def time_stream(self, backend: str, variant: str, n: int) -> None:
        self.loop.run_until_complete(self.bench._once(n, self.handler, self.monitoring, collect=False))
