"""Top-level names: lazy, and ``l0.consensus`` works as the function and as the module."""

from __future__ import annotations

import inspect
import subprocess
import sys

import l0

NAMES = {
    "l0.consensus": ["Agreement", "Consensus", "ConsensusAnalysis", "ConsensusOutput", "ConsensusPreset",
                     "ConsensusResult", "Disagreement", "DisagreementValue", "FieldAgreement", "FieldConsensus",
                     "FieldConsensusInfo", "consensus"],
    "l0.state_machine": ["RuntimeState", "RuntimeStates", "StateMachine", "StateTransition", "create_state_machine"],
    "l0.metrics": ["Metrics", "MetricsSnapshot", "create_metrics", "get_global_metrics", "reset_global_metrics"],
}


def run_python(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_import_l0_does_not_import_these_modules() -> None:
    loaded = run_python("import sys, l0; print(sorted(m for m in sys.modules if m.startswith('l0.')))")
    for module in NAMES:
        assert f"'{module}'" not in loaded
    assert "rapidfuzz" not in run_python("import sys, l0; print(sorted(sys.modules))")


def test_every_name_resolves_from_l0() -> None:
    for module, names in NAMES.items():
        for name in names:
            assert name in l0.__all__
            value = getattr(l0, name)
            if name != "consensus":
                assert value is getattr(sys.modules[module], name)


def test_consensus_is_the_function_and_the_module_in_any_import_order() -> None:
    code_attr_first = (
        "import asyncio, l0\n"
        "f = l0.consensus\n"
        "import l0.consensus as m\n"
        "async def t(): return 'a'\n"
        "r = asyncio.run(l0.consensus([t, t]))\n"
        "print(r.consensus, m.Consensus.__name__, f is m, l0.consensus.quick_consensus(['a']))\n"
    )
    code_module_first = (
        "import asyncio, l0.consensus\n"
        "from l0 import consensus\n"
        "async def t(): return 'b'\n"
        "r = asyncio.run(consensus([t, t], strategy='best'))\n"
        "print(r.consensus, consensus.Consensus.__name__)\n"
    )
    assert run_python(code_attr_first) == "a Consensus True True"
    assert run_python(code_module_first) == "b Consensus"


def test_consensus_signature_is_visible() -> None:
    import l0.consensus as m

    assert list(inspect.signature(l0.consensus).parameters) == list(inspect.signature(m.consensus).parameters)
    assert callable(m) and m.consensus is m.Consensus.run
