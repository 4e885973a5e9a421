"""Overhead of monitoring on the 2,000-token full-stack scenario (guardrails + drift + checkpoints).

``python -m l0._bench.monitoring`` prints the median process-CPU time per run
of: the scenario without monitoring, with ``monitoring=True`` (per-run
telemetry), with a ``Monitor``, with OpenTelemetry (real SDK, in-memory span
exporter and metric reader), with Sentry (real SDK, tracing on, a transport
that drops envelopes), with Prometheus, and with all of them; ``noop_handler``
(an ``on_event`` that does nothing) shows what the runtime itself spends once
anyone listens to its events, the floor under every handler (it declares no
``wants``, so it gets every event); ``noop_wants`` is the same no-op declaring
the built-in handlers' event types (``l0.events.SelectiveHandler``). Variants run
interleaved so machine noise hits each alike. Ratios are against the plain
run measured in the same process.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import time
from collections.abc import Callable
from typing import Any

from l0._bench.scenarios import scenario_kwargs, token_factory


def _otel() -> Any:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from l0.monitoring import OpenTelemetry

    spans = InMemorySpanExporter()
    tp = TracerProvider()
    tp.add_span_processor(SimpleSpanProcessor(spans))
    mp = MeterProvider(metric_readers=[InMemoryMetricReader()])
    ot = OpenTelemetry(tp.get_tracer("bench"), mp.get_meter("bench"))

    runs = [0]

    def handler(event: Any) -> None:
        ot.handle_event(event)
        if event.type == "SESSION_END":
            runs[0] += 1
            if runs[0] % 500 == 0:  # keep the in-memory exporter from growing over many runs
                spans.clear()

    handler.wants = ot.wants  # type: ignore[attr-defined]  # a wrapper declares what it passes on
    handler.wants_passed_checks = False  # type: ignore[attr-defined]
    return handler


def _sentry() -> Any:
    import sentry_sdk
    from sentry_sdk.transport import Transport

    from l0.monitoring import Sentry

    class Drop(Transport):
        def capture_envelope(self, envelope: Any) -> None:
            pass

    sentry_sdk.init(dsn="http://public@127.0.0.1:9/1", transport=Drop, traces_sample_rate=1.0,
                    default_integrations=False)
    return Sentry(sentry_sdk).handle_event


def _noop(event: Any) -> None:
    return None


def _noop_wants(event: Any) -> None:
    return None


def variants() -> dict[str, tuple[Callable[[], Any] | None, bool]]:
    """``name -> (handler factory or None, monitoring=)``."""
    from l0.monitoring import Monitor, PrometheusExporter, combine_events
    from l0.monitoring.run_telemetry import WANTS

    _noop_wants.wants = WANTS  # type: ignore[attr-defined]
    _noop_wants.wants_passed_checks = False  # type: ignore[attr-defined]

    prom = PrometheusExporter()
    otel, sentry, monitor = _otel(), _sentry(), Monitor()
    return {
        "plain": (None, False),
        "telemetry": (None, True),
        "noop_handler": (lambda: _noop, False),
        "noop_wants": (lambda: _noop_wants, False),
        "monitor": (lambda: monitor, False),
        "otel": (lambda: otel, True),
        "sentry": (lambda: sentry, True),
        "prometheus": (lambda: prom, True),
        "all": (lambda: combine_events(monitor, otel, sentry, prom), True),
    }


async def _once(n: int, handler: Any, monitoring: bool, collect: bool = True) -> float:
    import l0

    kw = scenario_kwargs("full")
    factory = token_factory(n)
    if collect:
        gc.collect()
    t0 = time.process_time()
    stream = await l0.run(factory, on_event=handler, monitoring=monitoring or None, **kw)
    async for _ev in stream:
        pass
    return time.process_time() - t0


async def measure(n: int, reps: int) -> dict[str, float]:
    table = variants()
    times: dict[str, list[float]] = {k: [] for k in table}
    for name, (make, mon) in table.items():  # warm-up
        await _once(n, make() if make else None, mon)
    for _ in range(reps):
        for name, (make, mon) in table.items():
            times[name].append(await _once(n, make() if make else None, mon))
    return {k: statistics.median(v) for k, v in times.items()}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tokens", type=int, default=2000)
    p.add_argument("--reps", type=int, default=31)
    args = p.parse_args(argv)
    import l0

    med = asyncio.run(measure(args.tokens, args.reps))
    base = med["plain"]
    print(f"l0 {l0.__version__} backend={l0.__backend__}: full stack, {args.tokens} tokens, "
          f"median process CPU of {args.reps} interleaved runs")
    print(f"{'variant':<12} {'ms/run':>9} {'vs plain':>9}")
    for name, v in med.items():
        print(f"{name:<12} {v * 1000:9.3f} {v / base - 1:+9.1%}")


if __name__ == "__main__":
    main()
