"""The user-facing pytest plugin, exercised in a separate pytest process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

USER_TEST = '''
import pytest
from openai import AsyncOpenAI

pytest_plugins = ["l0.testing.pytest_plugin"]


@pytest.mark.asyncio
async def test_cut_then_clean(fault_server):
    client = AsyncOpenAI(base_url=fault_server.base_url, api_key="t", max_retries=0)
    with pytest.raises(Exception):
        stream = await client.chat.completions.create(model="cut:after=2", messages=[], stream=True)
        async for _ in stream:
            pass
    assert len(fault_server.requests) == 1


def test_reset_between_tests(fault_server):
    assert fault_server.requests == []
'''


def test_plugin_fixtures_work_in_a_user_suite(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(USER_TEST)
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}  # only what a minimal user suite loads
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "asyncio", "-o", "asyncio_mode=strict",
         "--rootdir", str(tmp_path), str(tmp_path / "test_user.py")],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 passed" in proc.stdout
