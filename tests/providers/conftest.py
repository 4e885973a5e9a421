"""Fixtures for the provider tests: the in-process fault server, real SDK clients,
and the fault x mode x SDK summary table printed at the end of the session.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_LOG", "CRITICAL")

from l0.testing import FaultServer  # noqa: E402

_MATRIX: dict[tuple[str, str, str], str] = {}


@pytest.fixture(scope="session")
def fault_server_session() -> Iterator[FaultServer]:
    """One background-thread fault server for the whole session."""
    with FaultServer() as server:
        yield server


@pytest.fixture
def server(fault_server_session: FaultServer) -> FaultServer:
    """The session server with fault counters, queue and request log cleared."""
    fault_server_session.reset()
    return fault_server_session


@pytest.fixture
def openai_client(server: FaultServer) -> Any:
    """A real ``openai.AsyncOpenAI`` pointed at the fault server, SDK retries off."""
    from openai import AsyncOpenAI

    return AsyncOpenAI(base_url=server.base_url, api_key="test", max_retries=0)


@pytest.fixture(scope="session")
def litellm_session() -> Any:
    """``litellm``, imported once (slow import), quiet and offline."""
    import litellm

    litellm.suppress_debug_info = True
    litellm.telemetry = False
    return litellm


@pytest.fixture
def matrix_cell(request: pytest.FixtureRequest) -> Any:
    """Call ``matrix_cell(fault, mode, sdk)`` to put this test's outcome in the summary table."""

    def mark(fault: str, mode: str, sdk: str) -> None:
        request.node.user_properties.append(("l0_matrix", (fault, mode, sdk)))

    return mark


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for key, cell in report.user_properties:
        if key != "l0_matrix":
            continue
        if report.when == "call" or report.outcome != "passed":
            previous = _MATRIX.get(cell)
            if previous in (None, "passed"):
                _MATRIX[cell] = report.outcome


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _MATRIX:
        return
    faults = sorted({c[0] for c in _MATRIX}, key=_fault_order)
    columns = sorted({(c[2], c[1]) for c in _MATRIX}, key=lambda c: (c[0] != "openai", c))
    header = ["fault"] + [f"{sdk}/{mode}" for sdk, mode in columns]
    rows = [header]
    for fault in faults:
        row = [fault]
        for sdk, mode in columns:
            outcome = _MATRIX.get((fault, mode, sdk))
            row.append({"passed": "ok", None: "-"}.get(outcome, str(outcome).upper()))
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    tr = terminalreporter
    tr.write_sep("=", "l0 provider e2e matrix (fault x mode x SDK)")
    for i, row in enumerate(rows):
        tr.write_line("  ".join(cell.ljust(w) for cell, w in zip(row, widths)))
        if i == 0:
            tr.write_line("  ".join("-" * w for w in widths))


_ORDER = ["clean", "cut", "cut_overlap", "stall", "rate_limit", "unavailable", "malformed", "slow_first", "error_event",
          "no_finish", "length", "tool_cut", "fallback"]


def _fault_order(name: str) -> tuple[int, str]:
    return (_ORDER.index(name) if name in _ORDER else len(_ORDER), name)
