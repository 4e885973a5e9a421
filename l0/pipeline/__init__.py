"""Chain l0 streams: each step's output feeds the next step's prompt (``pipe``, ``Pipeline``).

Steps may return full ``l0.run`` options (per-step retry, timeout, guardrails,
fallbacks); callbacks may be async and are awaited; a pipeline timeout or
cancellation cancels and closes the running step's stream. See
``docs/pipeline.md``.
"""

from __future__ import annotations

from ._run import (
    Pipeline, chain_pipelines, create_branch_step, create_pipeline, create_step, parallel_pipelines, pipe,
)
from ._types import (
    FAST_PIPELINE, PRODUCTION_PIPELINE, RELIABLE_PIPELINE, PipelineOptions, PipelineResult, PipelineStep,
    StepContext, StepResult,
)

__all__ = ["pipe", "Pipeline", "PipelineStep", "PipelineOptions", "PipelineResult", "StepContext", "StepResult",
           "create_pipeline", "create_step", "chain_pipelines", "parallel_pipelines", "create_branch_step",
           "FAST_PIPELINE", "RELIABLE_PIPELINE", "PRODUCTION_PIPELINE"]
