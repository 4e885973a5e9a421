"""Parse, correct and validate one output text (``_parse_and_validate``)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from l0._backend import JsonStreamState
from l0._repair import repair
from l0._utils import auto_correct_json, extract_json, extract_json_from_markdown, is_valid_json
from l0.events import EventBus, ObservabilityEventType

from ._schema import SchemaHandle
from ._types import AutoCorrectInfo

__all__ = ["Parsed", "parse_and_validate"]

logger = logging.getLogger("l0")
E = ObservabilityEventType


@dataclass
class Parsed:
    """A validated value with the text it came from and what was corrected."""

    data: Any
    raw: str
    corrected: bool
    corrections: list[str] = field(default_factory=list)
    validation_ms: float = 0.0


def _call_quietly(fn: Callable[..., Any] | None, *args: Any) -> None:
    if fn is None:
        return
    try:
        fn(*args)
    except Exception:  # a failing user callback never breaks structured output
        logger.warning("structured callback %r raised (ignored)", getattr(fn, "__name__", fn), exc_info=True)


def _incomplete(text: str) -> bool:
    st = JsonStreamState()
    i = min((k for k in (text.find("{"), text.find("[")) if k >= 0), default=0)
    st.feed(text[i:])
    return st.error is None and st.started and not st.complete


def correct_text(
    text: str,
    auto_correct: bool,
    on_auto_correct: Callable[[AutoCorrectInfo], None] | None,
    bus: EventBus,
    report: dict[str, Any] | None = None,
) -> tuple[str, bool, list[str]]:
    """Extraction and auto-correction of ``text``: ``(text, corrected, corrections)``.

    ``report["closed"]`` is set to whether the JSON value was incomplete (cut
    off), None when that is unknown (nothing could be repaired).
    """
    original = text
    corrected = False
    corrections: list[str] = []
    if report is not None:
        report["closed"] = None
    if not auto_correct:
        # only a fence is stripped, and only around text that is not JSON already
        # (a JSON string may itself contain a fenced code block)
        stripped = text.strip()
        if not is_valid_json(stripped):
            fenced = extract_json_from_markdown(text)
            if fenced != stripped:
                text, corrected, corrections = fenced, True, ["strip_markdown_fence"]
            else:
                text = stripped
        else:
            text = stripped
        if report is not None:
            report["closed"] = _incomplete(text)
        return text, corrected, corrections
    bus.emit(E.AUTO_CORRECT_START)
    r = repair(text)
    if r.success:
        text, corrected, corrections = r.text, r.text != text.strip(), list(r.corrections)
        if report is not None:
            report["closed"] = r.closed
    else:
        text = extract_json_from_markdown(text)
        extracted = extract_json(original)
        if extracted != original:
            r2 = auto_correct_json(extracted, track_corrections=True)
            if r2.success:
                text, corrected = r2.text, True
                corrections = ["extract_json", *[c for c in r2.corrections if c != "extract_json"]]
                r = r2
    if corrected:
        _call_quietly(
            on_auto_correct,
            AutoCorrectInfo(original=original, corrected=text, corrections=list(corrections), success=r.success),
        )
    bus.emit(E.AUTO_CORRECT_END, corrected=corrected, corrections=list(corrections))
    return text, corrected, corrections


def parse_and_validate(
    text: str,
    handle: SchemaHandle,
    *,
    auto_correct: bool,
    strict_mode: bool,
    on_auto_correct: Callable[[AutoCorrectInfo], None] | None,
    bus: EventBus,
    schema_name: str | None = None,
    validate: Callable[[str], Any] | None = None,
    report: dict[str, Any] | None = None,
) -> Parsed:
    """Extract, correct and validate; a failure raises ``pydantic.ValidationError``.

    ``validate`` replaces the handle's text validation (used by structured_array).
    """
    bus.emit(E.PARSE_START, content_length=len(text))
    started = time.perf_counter()
    text, corrected, corrections = correct_text(text, auto_correct, on_auto_correct, bus, report)
    bus.emit(E.SCHEMA_VALIDATION_START, schema_type=handle.kind, schema_name=schema_name or handle.name)
    v_start = time.perf_counter()
    try:
        data = validate(text) if validate is not None else handle.validate_text(text, strict_mode)
    except Exception:
        now = time.perf_counter()
        bus.emit(E.SCHEMA_VALIDATION_END, valid=False, duration_ms=(now - v_start) * 1000.0)
        bus.emit(E.PARSE_END, success=False, duration_ms=(now - started) * 1000.0)
        raise
    now = time.perf_counter()
    v_ms = (now - v_start) * 1000.0
    bus.emit(E.SCHEMA_VALIDATION_END, valid=True, duration_ms=v_ms)
    bus.emit(E.PARSE_END, success=True, duration_ms=(now - started) * 1000.0)
    return Parsed(data, text, corrected, corrections, v_ms)
