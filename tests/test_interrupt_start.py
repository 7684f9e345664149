"""Ctrl-C during start-up (issue 12): exit 130 and the one line ``vjp: interrupted``, never a traceback.

The interrupt is made to land deterministically: a ``sitecustomize`` (found through PYTHONPATH,
imported by Python before vjp's first line) puts an import hook first in ``sys.meta_path``
that sends the process SIGINT when a chosen module is about to be imported, and leaves a
mark so the test knows it fired. Each module of the start-up path is tried in turn, for
``python -m autograd_cli`` and for the ``vjp`` console script (a copy of the wrapper pip
writes). Python's own start-up, before the package's first line, is not vjp's to handle:
the control case shows that an interrupt there is still the interpreter's traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SITECUSTOMIZE = """
import os, signal, sys

_target = os.environ.get("VJP_TEST_SIGINT_ON")


class _Interrupt:
    def find_spec(self, name, path=None, target=None):
        global _target
        if _target is not None and name == _target:
            _target = None
            with open(os.environ["VJP_TEST_SIGINT_MARK"], "w") as mark:
                mark.write(name)
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C arrives as this module is about to be imported
        return None


sys.meta_path.insert(0, _Interrupt())
"""

# the console-script wrapper pip writes for [project.scripts] vjp = "autograd_cli.channels:main"
CONSOLE_SCRIPT = """\
import re
import sys
from autograd_cli.channels import main
if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])
    sys.exit(main())
"""

# modules imported on the way to a result, in order: the package's own, Typer, the request
# layer, then torch and the engines
STAGES = [
    "autograd_cli.channels",
    "autograd_cli.errors",
    "autograd_cli.cli",
    "typer",
    "autograd_cli.request",
    "autograd_cli.parsing",
    "torch",
    "autograd_cli.engines",
]


def _run(tmp_path: Path, form: str, target: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    hook = tmp_path / "hook"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(SITECUSTOMIZE)
    mark = tmp_path / "mark"
    if mark.exists():
        mark.unlink()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VJP_")}
    env["VJP_STATE_DIR"] = str(tmp_path / "state")
    env["PYTHONPATH"] = os.pathsep.join([str(hook), str(ROOT)])
    env["VJP_TEST_SIGINT_ON"] = target
    env["VJP_TEST_SIGINT_MARK"] = str(mark)
    args = ["product", "sum(x**2)", "--at", "x=[1,2]"]
    if form == "-m":
        cmd = [sys.executable, "-m", "autograd_cli", *args]
    else:
        script = tmp_path / "bin" / "vjp"
        script.parent.mkdir(exist_ok=True)
        script.write_text(CONSOLE_SCRIPT)
        cmd = [sys.executable, str(script), *args]
    p = subprocess.run(cmd, cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, timeout=120)
    return p, mark


@pytest.mark.parametrize("form", ["-m", "vjp"])
@pytest.mark.parametrize("target", STAGES)
def test_ctrl_c_while_importing_gives_130_and_one_line(tmp_path, form, target):
    p, mark = _run(tmp_path, form, target)
    assert mark.read_text() == target, "the interrupt was never sent: the hook did not see that import"
    assert "Traceback" not in p.stderr, p.stderr
    assert p.returncode == 130, p.stderr
    assert p.stderr == "vjp: interrupted\n"
    assert p.stdout == ""


@pytest.mark.parametrize("form", ["-m", "vjp"])
def test_without_the_interrupt_the_hook_changes_nothing(tmp_path, form):
    p, mark = _run(tmp_path, form, "no.such.module")
    assert not mark.exists()
    assert (p.returncode, p.stdout, p.stderr) == (0, "2\t4\n", "")


def test_control_before_the_package_runs_it_is_the_interpreters_traceback(tmp_path):
    """The hook really interrupts: before the package's first line (Python's own start-up, and
    finding the package) nothing of vjp runs yet, and the interpreter prints its traceback."""
    p, mark = _run(tmp_path, "-m", "autograd_cli")
    assert mark.read_text() == "autograd_cli"
    assert "KeyboardInterrupt" in p.stderr
    assert p.returncode != 0
