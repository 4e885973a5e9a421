"""Re-exports of the pipeline names (the reference's ``l0.api.pipeline`` path)."""

from __future__ import annotations

from l0.pipeline import (
    FAST_PIPELINE, PRODUCTION_PIPELINE, RELIABLE_PIPELINE, Pipeline, PipelineOptions,
    PipelineResult, PipelineStep, StepContext, StepResult, chain_pipelines, create_branch_step,
    create_pipeline, create_step, parallel_pipelines, pipe,
)

__all__ = [
    "FAST_PIPELINE", "PRODUCTION_PIPELINE", "RELIABLE_PIPELINE", "Pipeline", "PipelineOptions",
    "PipelineResult", "PipelineStep", "StepContext", "StepResult", "chain_pipelines",
    "create_branch_step", "create_pipeline", "create_step", "parallel_pipelines", "pipe",
]
