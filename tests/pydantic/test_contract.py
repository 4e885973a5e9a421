"""Import contract and property tests of l0.pydantic."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

import l0.pydantic as P
from l0.guardrails import GuardrailViolation
from l0.types import Progress, State

CODE = """
import sys, l0
assert "l0.pydantic" not in sys.modules, "import l0 imported l0.pydantic"
import l0.pydantic
heavy = sorted(m for m in ("l0.runtime", "l0.consensus", "l0.guardrails", "l0.drift") if m in sys.modules)
assert not heavy, heavy
print(len(l0.pydantic.__all__))
"""


def test_import_l0_does_not_load_it_and_it_loads_no_runtime() -> None:
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "88"


text = st.text(max_size=20)
maybe_float = st.none() | st.floats(allow_nan=False, allow_infinity=False)
violations = st.builds(GuardrailViolation, rule=text, message=text,
                       severity=st.sampled_from(["warning", "error", "fatal"]), recoverable=st.booleans(),
                       position=st.none() | st.integers(0, 10**6), timestamp=maybe_float,
                       context=st.none() | st.dictionaries(text, st.integers() | text, max_size=3),
                       suggestion=st.none() | text)
states = st.builds(State, content=text, checkpoint=text, token_count=st.integers(0, 10**6),
                   model_retry_count=st.integers(0, 9), violations=st.lists(violations, max_size=3),
                   drift_detected=st.booleans(), completed=st.booleans(), first_token_at=maybe_float,
                   last_progress=st.none() | st.builds(Progress, percent=maybe_float, message=st.none() | text),
                   resume_from=st.none() | st.integers(0, 100), finish_reason=st.none() | text)


@settings(max_examples=60, deadline=None)
@given(states)
def test_state_round_trips_through_json(state: State) -> None:
    model = P.StateModel.from_l0(state)
    assert P.StateModel.model_validate_json(model.model_dump_json()).to_l0() == state
