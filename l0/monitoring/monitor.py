"""``Monitor``: collects a :class:`Telemetry` per stream from observability events (wire it to ``on_event``)."""

from __future__ import annotations

import logging
import random
from collections import deque
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from l0.events import ObservabilityEventType, _wants_of_self

from ._meta import event_name, meta_get
from .config import MonitoringConfig
from .run_telemetry import WANTS, RunCollector, RunTelemetry, skip, violation_fields
from .telemetry import ErrorCategory, Telemetry

__all__ = ["Monitor"]

logger = logging.getLogger("l0.monitoring")

_CATEGORIES = {c.value for c in ErrorCategory}


def _dt(ts: float | None) -> datetime | None:
    return datetime.fromtimestamp(ts, tz=timezone.utc) if ts is not None else None


class Monitor:
    """Telemetry for every stream whose events it receives: ``l0.run(..., on_event=monitor.handle_event)``.

    Streams are told apart by ``event.stream_id``, so one monitor serves
    concurrent streams. Finished records go to a bounded buffer
    (``config.buffer_size``) and to ``on_complete``. Meta keys are read in
    camelCase (the runtime) and snake_case alike.
    """

    def __init__(self, config: MonitoringConfig | None = None, *,
                 on_complete: Callable[[Telemetry], None] | None = None) -> None:
        if config is not None and not isinstance(config, MonitoringConfig):
            raise TypeError(f"config must be a MonitoringConfig or None, got {type(config).__name__}")
        if on_complete is not None and not callable(on_complete):
            raise TypeError(f"on_complete must be callable or None, got {type(on_complete).__name__}")
        self.config = config or MonitoringConfig()
        self.on_complete = on_complete
        self._live: dict[str, RunCollector] = {}
        self._sampled: dict[str, bool] = {}
        self._records: dict[str, Telemetry] = {}
        self._buffer: deque[Telemetry] = deque(maxlen=self.config.buffer_size)
        self._latest: str | None = None
        self._rules_checked: dict[str, int] = {}
        self._errors: dict[str, dict[str, Any]] = {}

    wants_passed_checks = False  # of rule and drift results, the findings only (RULE_START counts the checks)

    @property
    def wants(self) -> frozenset[ObservabilityEventType]:
        """The event types this monitor reads (see ``l0.events.SelectiveHandler``).

        GUARDRAIL_RULE_START (one per rule per check, for ``guardrails.rules_checked``)
        only with ``config.metrics.collect_guardrails``; nothing while ``config.enabled`` is False
        (read when a run starts).
        """
        if not self.config.enabled:
            return frozenset()
        if self.config.metrics.collect_guardrails:
            return WANTS | {ObservabilityEventType.GUARDRAIL_RULE_START}
        return WANTS

    def __call__(self, event: Any) -> None:
        self.handle_event(event)

    @_wants_of_self
    def handle_event(self, event: Any) -> None:
        cfg = self.config
        if not cfg.enabled or (skip(event) and event.type != "GUARDRAIL_RULE_START"):
            return
        sid = event.stream_id
        name = event_name(event)
        sampled = self._sampled.get(sid)
        if sampled is None:
            rate = cfg.sampling.rate
            sampled = self._sampled[sid] = rate >= 1.0 or random.random() < rate
        if not sampled:
            # An unsampled stream is still followed cheaply, so errors and slow streams can be kept at the end.
            if name in ("ERROR", "RETRY_GIVE_UP") and cfg.sampling.sample_errors:
                self._sampled[sid] = sampled = True
        collector = self._live.get(sid)
        if collector is None:
            collector = self._live[sid] = RunCollector(sid)
        self._latest = sid
        if name == "GUARDRAIL_RULE_START":
            self._rules_checked[sid] = self._rules_checked.get(sid, 0) + 1
        elif name == "ERROR":
            self._errors[sid] = dict(event.meta)
        if name != "SESSION_END":
            collector.observe(event)
            return
        given = event.meta.get("telemetry")
        run = given if isinstance(given, RunTelemetry) else collector.observe(event)
        self._live.pop(sid, None)
        keep = self._sampled.pop(sid, False)
        if not keep and cfg.sampling.sample_slow and run is not None and run.duration is not None \
                and run.duration >= cfg.sampling.slow_threshold:
            keep = True
        if run is not None and keep:
            self._finalize(self._build(sid, run))
        self._rules_checked.pop(sid, None)
        self._errors.pop(sid, None)

    def _build(self, sid: str, run: RunTelemetry) -> Telemetry:
        cfg = self.config.metrics
        t = Telemetry(stream_id=sid, session_id=sid, model=run.model, metadata=dict(run.metadata))
        if cfg.collect_timing:
            t.timing.started_at = _dt(run.started_at)
            t.timing.completed_at = _dt(run.ended_at)
            t.timing.duration = run.duration
            t.timing.time_to_first_token = run.time_to_first_token
            if cfg.inter_token_latency and run.avg_inter_token_time is not None:
                t.timing.inter_token_latencies = [run.avg_inter_token_time]
        if cfg.collect_retries:
            t.retries.attempt = run.attempts
            t.retries.total_retries = run.total_retries
            t.retries.network_retries = run.network_retries
            t.retries.model_retries = run.model_retries
            t.retries.last_error = run.last_error
        if cfg.collect_guardrails:
            t.guardrails.rules_checked = self._rules_checked.get(sid, 0)
            t.guardrails.violations = [{"rule": r, "count": n} for r, n in run.violations_by_rule.items()]
            t.guardrails.passed = run.violations == 0
        err = self._errors.get(sid)
        if cfg.collect_errors and err is not None:
            t.error.occurred = True
            t.error.message = meta_get(err, "error")
            code = meta_get(err, "error_code")
            t.error.code = str(code) if code is not None else None
            strategy = meta_get(err, "recovery_strategy")
            t.error.recoverable = strategy in ("retry", "fallback") and not run.failed
            category = meta_get(err, "category") or meta_get(err, "failure_type")
            if category in _CATEGORIES:
                t.error.category = ErrorCategory(category)
                t.retries.last_error_category = t.error.category
            elif run.network_errors:
                t.error.category = ErrorCategory.NETWORK
        t.metrics.token_count = run.token_count
        t.content_length = run.content_length
        t.completed = run.completed
        t.aborted = run.aborted
        t.finalize()
        if run.tokens_per_second is not None:
            t.metrics.tokens_per_second = run.tokens_per_second
        return t

    def _finalize(self, t: Telemetry) -> None:
        self._buffer.append(t)
        self._records[t.stream_id] = t
        if len(self._records) > self._buffer.maxlen:  # type: ignore[operator]
            alive = {r.stream_id for r in self._buffer}
            self._records = {k: v for k, v in self._records.items() if k in alive}
        if self.on_complete is not None:
            try:
                self.on_complete(t)
            except Exception:
                logger.warning("Monitor on_complete callback raised (ignored)", exc_info=True)

    def get_telemetry(self, stream_id: str | None = None) -> Telemetry | None:
        """A stream's telemetry (finished or in progress); without an ID, the stream touched last."""
        sid = stream_id if stream_id is not None else self._latest
        if sid is None:
            return self._buffer[-1] if self._buffer else None
        if sid in self._records:
            return self._records[sid]
        live = self._live.get(sid)
        if live is None:
            return self._buffer[-1] if stream_id is None and self._buffer else None
        snapshot = RunCollector(sid)
        snapshot._t = type(live._t)(**{f: getattr(live._t, f) for f in live._t.__dataclass_fields__})
        snapshot._start = live._start
        snapshot._first_token_ts = live._first_token_ts
        snapshot._last_token_ts = live._last_token_ts
        snapshot._tokens_seen = live._tokens_seen
        return self._build(sid, snapshot.finish())

    def get_all_telemetry(self) -> list[Telemetry]:
        return list(self._buffer)

    def clear(self) -> None:
        self._live.clear()
        self._sampled.clear()
        self._records.clear()
        self._buffer.clear()
        self._rules_checked.clear()
        self._errors.clear()
        self._latest = None

    def get_aggregate_metrics(self) -> dict[str, Any]:
        items = list(self._buffer)
        if not items:
            return {}
        n = len(items)
        tokens = sum(t.metrics.token_count for t in items)
        durations = [t.timing.duration for t in items if t.timing.duration is not None]
        ttfts = [t.timing.time_to_first_token for t in items if t.timing.time_to_first_token is not None]
        tps = [t.metrics.tokens_per_second for t in items if t.metrics.tokens_per_second is not None]
        errors = sum(1 for t in items if t.error.occurred)
        completed = sum(1 for t in items if t.completed)
        return {
            "count": n,
            "total_tokens": tokens,
            "total_duration": sum(durations),
            "total_retries": sum(t.retries.total_retries for t in items),
            "error_count": errors,
            "error_rate": errors / n,
            "completed_count": completed,
            "completion_rate": completed / n,
            "avg_tokens": tokens / n,
            "avg_duration": sum(durations) / len(durations) if durations else 0.0,
            "avg_ttft": sum(ttfts) / len(ttfts) if ttfts else 0.0,
            "avg_tokens_per_sec": sum(tps) / len(tps) if tps else 0.0,
        }
