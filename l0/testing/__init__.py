"""Rehearse provider failures locally: an OpenAI-compatible server that injects faults.

Example::

    from openai import AsyncOpenAI
    from l0.testing import FaultServer

    with FaultServer() as server:
        client = AsyncOpenAI(base_url=server.base_url, api_key="test", max_retries=0)
        # model="cut:after=5" cuts the first request's connection after 5 chunks;
        # the retry gets the clean answer server.expected_text("cut:after=5").

See ``docs/testing.md`` for the fault catalogue.
"""

from __future__ import annotations

from l0.testing.scenario import (
    FAULTS,
    Scenario,
    ToolCallSpec,
    build_plan,
    numbered_chunks,
    numbered_text,
    word,
)
from l0.testing.server import FaultServer, RequestRecord

__all__ = [
    "FAULTS",
    "FaultServer",
    "RequestRecord",
    "Scenario",
    "ToolCallSpec",
    "build_plan",
    "numbered_chunks",
    "numbered_text",
    "word",
]
