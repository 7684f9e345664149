"""Shared fixtures: every test runs with its own HOME, so nothing remembered leaks between tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autograd_cli.cli import app

VJP_ENV = ("VJP_EXPR", "VJP_AT", "VJP_V", "VJP_FORMAT", "VJP_VARS", "VJP_DEBUG", "NO_COLOR", "FORCE_COLOR")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.delenv("VJP_STATE_DIR", raising=False)
    for name in VJP_ENV:
        monkeypatch.delenv(name, raising=False)
    return home


class Run:
    """What a CLI call gave: exit code, stdout, stderr (and stdout parsed as JSON on demand)."""

    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.code, self.stdout, self.stderr = code, stdout, stderr

    def json(self) -> dict:
        assert self.code == 0, f"exit {self.code}: {self.stderr}"
        return json.loads(self.stdout)

    def __repr__(self) -> str:
        return f"Run(code={self.code}, stdout={self.stdout[:300]!r}, stderr={self.stderr[:300]!r})"


@pytest.fixture
def vjp():
    """Call the CLI in-process through Typer's CliRunner: vjp("jacobian", "x0", "--at", "1")."""
    runner = CliRunner()

    def call(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Run:
        result = runner.invoke(app, list(args), input=input, env=env, catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    return call


@pytest.fixture
def vjp_process(isolated_home: Path):
    """Run the real console command in a subprocess, as a user would."""

    def call(*args: str, input: str | None = None, env: dict[str, str] | None = None, timeout: float = 120) -> Run:
        full_env = dict(os.environ)
        full_env.update(env or {})
        p = subprocess.run(
            [sys.executable, "-m", "autograd_cli", *args],
            input=input,
            capture_output=True,
            text=True,
            env=full_env,
            timeout=timeout,
        )
        return Run(p.returncode, p.stdout, p.stderr)

    return call
