"""``python -m l0 demo`` and the CLI dispatcher."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from l0 import __main__ as cli
from l0 import demo


@pytest.mark.parametrize(
    ("fault", "mode", "marker"),
    [
        ("tour", "resume", "resuming after 45 tokens"),
        ("stall", "restart", "no next token within"),
        ("no_finish", "resume", "stream ended early"),
        ("guardrail", "resume", "guardrail custom_pattern"),
        ("none", "resume", "final text intact"),
        ("cut", "restart", "chars shown above are discarded (RESET event, reason: retry)"),
    ],
)
def test_demo_recovers_and_exits_zero(fault: str, mode: str, marker: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc = demo.main(["--fault", fault, "--mode", mode, "--speed", "0", "--no-color"])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert marker in out
    assert "final text intact" in out


def test_demo_prints_the_runs_telemetry(capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 15: the demo ends with the run's telemetry summary (stream.telemetry), retries counted."""
    rc = demo.main(["--fault", "cut", "--mode", "resume", "--speed", "0", "--no-color"])
    out = capsys.readouterr().out
    assert rc == 0, out
    line = next(x for x in out.splitlines() if "telemetry:" in x)
    assert "retries=1" in line and "ttft=" in line and "tokens/s=" in line


@pytest.mark.parametrize("fault", ["rate_limit", "unavailable", "slow_first"])
def test_demo_says_nothing_is_discarded_when_nothing_was_shown(fault: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 11 item 9: a retry before any token has no text to discard, and the demo says nothing about it."""
    rc = demo.main(["--fault", fault, "--mode", "restart", "--speed", "0", "--no-color"])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "-> retrying" in out and "discarded" not in out and "restarts" not in out


def test_demo_remote_endpoint(capsys: pytest.CaptureFixture[str], server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    rc = demo.main(["--base-url", server.base_url, "--model", "clean:words=12", "--no-color"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "w0012" in out and "(no injected faults)" in out


def test_demo_without_openai_prints_install_hint(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "openai", None)
    assert demo.main(["--no-color"]) == 2
    assert "pip install 'l0[openai]'" in capsys.readouterr().err


def test_demo_without_aiohttp_prints_install_hint(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "aiohttp", None)
    assert demo.main(["--no-color"]) == 2
    assert "pip install aiohttp" in capsys.readouterr().err


def test_demo_rejects_bad_options() -> None:
    with pytest.raises(SystemExit):
        demo.main(["--fault", "meteor"])
    with pytest.raises(SystemExit):
        demo.main(["--speed", "-1"])


def test_cli_dispatch(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli.main([]) == 2
    assert cli.main(["--help"]) == 0
    assert "demo" in capsys.readouterr().out
    assert cli.main(["frobnicate"]) == 2
    assert "unknown command" in capsys.readouterr().err
    seen: list[list[str]] = []
    fake = type(sys)("l0._bench.cli")
    fake.main = lambda argv: seen.append(argv) or 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "l0._bench.cli", fake)
    assert cli.main(["bench", "--quick"]) == 0
    assert seen == [["--quick"]]


def test_cli_bench_missing_harness(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "l0._bench.cli", None)
    assert cli.main(["bench"]) == 2
    assert "not available" in capsys.readouterr().err


def test_python_dash_m_l0_demo_subprocess() -> None:
    proc = subprocess.run([sys.executable, "-m", "l0", "demo", "--fault", "cut", "--speed", "0", "--no-color"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "final text intact" in proc.stdout


@pytest.mark.parametrize("fault", ["tour", "malformed"])
def test_demo_with_the_native_transport(fault: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc = demo.main(["--fault", fault, "--transport", "native", "--speed", "0", "--no-color"])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "transport: native" in out
    assert "final text intact" in out
