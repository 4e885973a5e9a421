"""l0.run end to end: the reference's published scenarios, by backend and stream length.

Each class times one scenario of ``l0/_bench/scenarios.py`` (the same code the
comparison script runs against the reference): a source yielding ``l0.Event``
TOKEN objects with zero delay, consumed with ``async for``. Stream length is
a parameter, so a per-token cost that grows with the stream (O(n) work per
check, O(n^2) per stream) shows as a rising time/length ratio across commits.
"""

from __future__ import annotations

from .common import BACKENDS, LENGTHS, LoopMixin, check_length, require_scenario


class _Scenario(LoopMixin):
    scenario = "core"
    params = (BACKENDS, LENGTHS)
    param_names = ["backend", "tokens"]
    timeout = 900
    number = 1
    repeat = (1, 5, 30.0)

    def setup(self, backend: str, n: int) -> None:
        check_length(n)
        self.sc = require_scenario(backend, self.scenario)
        self._open_loop()
        self.loop.run_until_complete(self.sc.run_stream(self.scenario, 200, collect=False))

    def time_stream(self, backend: str, n: int) -> None:
        self.loop.run_until_complete(self.sc.run_stream(self.scenario, n, collect=False))


class TimeRawIteration(_Scenario):
    """Baseline: ``async for`` over the source alone (no l0.run)."""

    scenario = "raw"


class TimeCore(_Scenario):
    """``l0.run`` with no features."""

    scenario = "core"


class TimeCoreTimeouts(_Scenario):
    """``l0.run`` + ``Timeout(5000, 10000)``: one watchdog per attempt, not wait_for per token."""

    scenario = "timeouts"


class TimeJsonGuardrail(_Scenario):
    """``l0.run`` + ``json_rule()``."""

    scenario = "json"


class TimeAllGuardrails(_Scenario):
    """``l0.run`` + json, markdown and zero_output rules."""

    scenario = "guardrails"


class TimeDrift(_Scenario):
    """``l0.run`` + ``DriftDetector()`` (O(window) per check)."""

    scenario = "drift"


class TimeFullStack(_Scenario):
    """All guardrails + drift + checkpoints."""

    scenario = "full"


class TimeFullStackTimeouts(_Scenario):
    """Full stack + timeouts."""

    scenario = "full_timeouts"


class PeakMemFullStack(LoopMixin):
    """Peak RSS of one 1M-token full-stack stream of distinct token strings (~6 MB of text)."""

    params = (BACKENDS,)
    param_names = ["backend"]
    timeout = 900

    def setup(self, backend: str) -> None:
        check_length(1_000_000)
        self.sc = require_scenario(backend, "full")
        self._open_loop()

    def peakmem_full_stack_1m(self, backend: str) -> None:
        self.loop.run_until_complete(self.sc.run_stream("full", 1_000_000, collect=False))


class TrackRuntimeText(LoopMixin):
    """Correctness canary: what l0.run yields and keeps equals the source (must be 0 on both backends)."""

    params = (BACKENDS, ["core", "full_timeouts"])
    param_names = ["backend", "scenario"]
    unit = "errors"

    def setup(self, backend: str, scenario: str) -> None:
        self.sc = require_scenario(backend, scenario)
        self._open_loop()

    def track_output_errors(self, backend: str, scenario: str) -> int:
        n = 5_000
        _, seen, stream = self.loop.run_until_complete(self.sc.run_stream(scenario, n, collect=False))
        bad = int(self.sc.check_result(scenario, n, seen, stream) is not None)
        expected = "".join(self.sc.token_text(i) for i in range(n))
        return bad + int(stream.state.content != expected)
