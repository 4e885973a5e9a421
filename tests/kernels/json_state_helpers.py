"""Shared by the JsonStreamState tests: the observable attributes and a full snapshot of a state."""

from __future__ import annotations

ATTRS = (
    "error",
    "error_offset",
    "offset",
    "depth",
    "max_depth",
    "complete",
    "complete_at_end",
    "started",
    "in_string",
    "escape_next",
    "open_braces",
    "close_braces",
    "open_brackets",
    "close_brackets",
    "stack",
    "expecting",
    "token_start",
)


def snapshot(state) -> dict:
    """Every observable attribute plus the closing plan (or its ValueError message)."""
    snap = {name: getattr(state, name) for name in ATTRS}
    try:
        snap["plan"] = state.closing_plan()
    except ValueError as exc:
        snap["plan"] = ("ValueError", str(exc))
    return snap
