"""Pytest fixtures for the fault server. Enable with ``pytest_plugins = ["l0.testing.pytest_plugin"]``.

* ``l0_fault_server`` (session): one :class:`~l0.testing.FaultServer` in a background thread;
* ``fault_server`` (function): the same server with counters, queue and request log reset.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from l0.testing.server import FaultServer


@pytest.fixture(scope="session")
def l0_fault_server() -> Iterator[FaultServer]:
    """A fault server shared by the whole session."""
    with FaultServer() as server:
        yield server


@pytest.fixture
def fault_server(l0_fault_server: FaultServer) -> FaultServer:
    """The session fault server, reset for this test."""
    l0_fault_server.reset()
    return l0_fault_server
