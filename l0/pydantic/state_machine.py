"""Models mirroring ``l0.state_machine``."""

from __future__ import annotations

from enum import Enum

from ._base import L0Model, register_enum

__all__ = ["RuntimeStateModel", "StateTransitionModel"]


@register_enum("l0.state_machine:RuntimeState")
class RuntimeStateModel(str, Enum):
    INIT = "init"
    WAITING_FOR_TOKEN = "waiting_for_token"
    STREAMING = "streaming"
    TOOL_CALL_DETECTED = "tool_call_detected"
    CONTINUATION_MATCHING = "continuation_matching"
    CHECKPOINT_VERIFYING = "checkpoint_verifying"
    RETRYING = "retrying"
    FALLBACK = "fallback"
    FINALIZING = "finalizing"
    COMPLETE = "complete"
    ERROR = "error"


class StateTransitionModel(L0Model):
    """``timestamp`` is in seconds (``time.time()``)."""

    __l0__ = "l0.state_machine:StateTransition"

    from_state: RuntimeStateModel
    to_state: RuntimeStateModel
    timestamp: float
