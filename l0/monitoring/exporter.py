"""``TelemetryExporter``: JSON, JSON lines, CSV, log lines and metric dicts from :class:`Telemetry`."""

from __future__ import annotations

import csv
import io
from typing import Any

from .telemetry import Telemetry

__all__ = ["TelemetryExporter"]

_CSV_COLUMNS = ("stream_id", "session_id", "model", "started_at", "completed_at", "duration", "time_to_first_token",
                "token_count", "tokens_per_second", "avg_inter_token_latency", "model_retries", "network_retries",
                "total_retries", "guardrail_violations", "error_occurred", "error_message", "error_category",
                "completed", "aborted", "content_length")


def _blank(v: Any) -> Any:
    return "" if v is None else v


class TelemetryExporter:
    """Static converters; every method takes :class:`Telemetry` records."""

    @staticmethod
    def to_json(telemetry: Telemetry, *, indent: int | None = 2) -> str:
        return telemetry.model_dump_json(indent=indent)

    @staticmethod
    def to_dict(telemetry: Telemetry) -> dict[str, Any]:
        return telemetry.model_dump(mode="json")

    @staticmethod
    def to_jsonl(items: list[Telemetry]) -> str:
        """One compact JSON object per line, no trailing newline."""
        return "\n".join(t.model_dump_json() for t in items)

    @staticmethod
    def to_csv(items: list[Telemetry]) -> str:
        if not items:
            return ""
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(_CSV_COLUMNS)
        for t in items:
            tm, m = t.timing, t.metrics
            w.writerow([
                t.stream_id, _blank(t.session_id), _blank(t.model),
                tm.started_at.isoformat() if tm.started_at else "",
                tm.completed_at.isoformat() if tm.completed_at else "",
                _blank(tm.duration), _blank(tm.time_to_first_token), m.token_count, _blank(m.tokens_per_second),
                _blank(m.avg_inter_token_latency), t.retries.model_retries, t.retries.network_retries,
                t.retries.total_retries, len(t.guardrails.violations), t.error.occurred, _blank(t.error.message),
                t.error.category.value if t.error.category else "", t.completed, t.aborted, t.content_length,
            ])
        return out.getvalue()

    @staticmethod
    def to_log_format(t: Telemetry) -> str:
        parts = [f"stream_id={t.stream_id}"]
        if t.model:
            parts.append(f"model={t.model}")
        if t.timing.duration is not None:
            parts.append(f"duration={t.timing.duration:.3f}s")
        if t.timing.time_to_first_token is not None:
            parts.append(f"ttft={t.timing.time_to_first_token:.3f}s")
        parts.append(f"tokens={t.metrics.token_count}")
        if t.metrics.tokens_per_second is not None:
            parts.append(f"tokens_per_sec={t.metrics.tokens_per_second:.1f}")
        if t.retries.total_retries > 0:
            parts.append(f"retries={t.retries.total_retries}")
        if t.guardrails.violations:
            parts.append(f"violations={len(t.guardrails.violations)}")
        if t.error.occurred:
            parts.append(f"error={t.error.message}")
        parts.append(f"completed={t.completed}")
        if t.aborted:
            parts.append("aborted=true")
        return " ".join(parts)

    @staticmethod
    def to_metrics(t: Telemetry, *, prefix: str = "l0", labels: dict[str, str] | None = None) -> dict[str, Any]:
        base = {"stream_id": t.stream_id}
        if t.model:
            base["model"] = t.model
        if t.session_id:
            base["session_id"] = t.session_id
        base.update(labels or {})
        p = prefix
        out: dict[str, Any] = {}

        def put(name: str, value: Any, kind: str, extra: dict[str, str] | None = None) -> None:
            out[f"{p}_{name}"] = {"value": value, "type": kind, "labels": {**base, **(extra or {})}}

        put("tokens_total", t.metrics.token_count, "counter")
        put("retries_total", t.retries.total_retries, "counter")
        put("model_retries_total", t.retries.model_retries, "counter")
        put("network_retries_total", t.retries.network_retries, "counter")
        put("guardrail_violations_total", len(t.guardrails.violations), "counter")
        put("errors_total", 1 if t.error.occurred else 0, "counter",
            {"category": t.error.category.value} if t.error.category else None)
        put("completed_total", 1 if t.completed else 0, "counter")
        put("aborted_total", 1 if t.aborted else 0, "counter")
        if t.metrics.tokens_per_second is not None:
            put("tokens_per_second", t.metrics.tokens_per_second, "gauge")
        if t.timing.duration is not None:
            put("duration_seconds", t.timing.duration, "gauge")
        if t.timing.time_to_first_token is not None:
            put("ttft_seconds", t.timing.time_to_first_token, "gauge")
        if t.metrics.avg_inter_token_latency is not None:
            put("inter_token_latency_seconds", t.metrics.avg_inter_token_latency, "gauge")
        return out
