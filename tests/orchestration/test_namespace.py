"""The orchestration names load lazily from ``import l0``; ``l0.parallel`` is both module and function."""

from __future__ import annotations

import inspect
import subprocess
import sys

import l0
from l0.parallel._support import RUN_OPTION_NAMES

NAMES = {
    "l0.parallel": ["AggregatedTelemetry", "Parallel", "ParallelOptions", "ParallelResult", "RaceResult", "batched",
                    "parallel", "race", "sequential"],
    "l0.pool": ["OperationPool", "PoolOptions", "PoolStats", "create_pool"],
    "l0.pipeline": ["FAST_PIPELINE", "PRODUCTION_PIPELINE", "RELIABLE_PIPELINE", "Pipeline", "PipelineOptions",
                    "PipelineResult", "PipelineStep", "StepContext", "StepResult", "chain_pipelines",
                    "create_branch_step", "create_pipeline", "create_step", "parallel_pipelines", "pipe"],
}


def test_import_l0_does_not_import_orchestration():
    code = "import sys, l0; print(sorted(m for m in sys.modules if m.startswith('l0.')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = eval(out.stdout)  # noqa: S307 - our own subprocess output
    for module in NAMES:
        assert not any(m == module or m.startswith(module + ".") for m in loaded), loaded


def test_every_name_is_top_level():
    for module, names in NAMES.items():
        for name in names:
            assert name in l0.__all__
            assert getattr(l0, name) is not None


def test_parallel_is_module_and_callable_in_any_import_order():
    code = """
import asyncio, l0
import l0.parallel as p
assert p.race is l0.race
from l0 import parallel
async def main():
    r1 = await l0.parallel([lambda: 1])
    r2 = await parallel([lambda: 2])
    r3 = await p.parallel([lambda: 3])
    print(r1.results, r2.results, r3.results)
asyncio.run(main())
"""
    for prefix in ("", "l0.parallel\n"):  # first access through the attribute, or through the import
        out = subprocess.run([sys.executable, "-c", prefix.replace("l0.parallel\n", "import l0; l0.parallel\n") + code],
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == "[1] [2] [3]"


def test_run_option_names_match_l0_run():
    params = set(inspect.signature(l0.run).parameters) - {"stream"}
    assert params == RUN_OPTION_NAMES
