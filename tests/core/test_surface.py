"""Every public name of the core modules resolves, and the top-level namespace re-exports them."""

from __future__ import annotations

import importlib

import pytest

import l0

MODULES = ["l0.types", "l0.errors", "l0.events", "l0.retry", "l0.continuation", "l0.logging", "l0.state"]


@pytest.mark.parametrize("module", MODULES)
def test_all_names_resolve(module: str) -> None:
    mod = importlib.import_module(module)
    for name in mod.__all__:
        assert getattr(mod, name) is not None, name


@pytest.mark.parametrize(
    ("name", "module"),
    [("State", "l0.types"), ("Event", "l0.types"), ("Retry", "l0.types"), ("Timeout", "l0.types"),
     ("CheckIntervals", "l0.types"), ("ERROR_TYPE_DELAY_DEFAULTS", "l0.types"), ("Error", "l0.errors"),
     ("NetworkError", "l0.errors"), ("NetworkErrorType", "l0.errors"), ("EventBus", "l0.events"),
     ("ObservabilityEventType", "l0.events"), ("ContinuationConfig", "l0.continuation"),
     ("OverlapResult", "l0.continuation"), ("enable_debug", "l0.logging")],
)
def test_top_level_reexports(name: str, module: str) -> None:
    assert getattr(l0, name) is getattr(importlib.import_module(module), name)


def test_module_level_error_helpers_exist() -> None:
    import l0.errors as e

    for name in ("get_error_category", "categorize_error", "is_retryable", "is_error", "is_l0_error",
                 "is_connection_dropped", "is_fetch_error", "is_econnreset", "is_econnrefused", "is_sse_aborted",
                 "is_no_bytes", "is_partial_chunks", "is_runtime_killed", "is_background_throttle", "is_dns_error",
                 "is_ssl_error", "is_timeout_error", "is_network_error", "analyze_network_error",
                 "describe_network_error", "create_network_error", "is_stream_interrupted", "suggest_retry_delay",
                 "_categorize_error"):
        assert callable(getattr(e, name)), name
    for name in ("is_connection_dropped", "is_fetch_error", "is_econnreset", "is_econnrefused", "is_sse_aborted",
                 "is_no_bytes", "is_partial_chunks", "is_runtime_killed", "is_background_throttle", "is_dns",
                 "is_ssl", "is_timeout", "check", "analyze", "describe", "is_stream_interrupted", "suggest_delay",
                 "create", "_get_error_code", "_get_type_delay"):
        assert callable(getattr(e.NetworkError, name)), name
