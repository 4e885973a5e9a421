"""Re-exports of the state machine names (the reference's ``l0.api.state_machine`` path)."""

from __future__ import annotations

from l0.state_machine import RuntimeState, RuntimeStates, StateMachine, StateTransition, create_state_machine

__all__ = [
    "RuntimeState", "RuntimeStates", "StateMachine", "StateTransition", "create_state_machine",
]
