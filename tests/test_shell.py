"""`vjp shell`: command lines from stdin answered in order with the one-shot command's output,
the worst exit status, --on-error stop, the built-in words, completion, and the prompt
itself driven through prompt_toolkit's pipe input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_cli import shell

SEED = "x0**2+3*x1; x1**2+2*x0"


def run_shell(lines: str, *args: str, env: dict[str, str] | None = None, timeout: float = 180):
    full = dict(os.environ)
    full.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "autograd_cli", "shell", *args],
        input=lines,
        capture_output=True,
        text=True,
        env=full,
        timeout=timeout,
    )


def test_the_acceptance_case(isolated_home):
    p = run_shell(f"jacobian '{SEED}' --at 2,3\nproduct --v 0,1\n")
    assert p.returncode == 0, p.stderr
    assert p.stdout == "4\t3\n2\t6\n2\t6\n"
    assert "Traceback" not in p.stderr


def test_lines_answer_as_the_one_shot_command_does(vjp, isolated_home):
    lines = [
        ("check", SEED, "--at", "2,3", "--format", "json"),
        ("jacobian", "A @ x", "--at", "A=[[1,2],[3,4]], x=[5,6]", "--format", "csv"),
        ("explain", SEED, "--at", "2,3", "--v", "1,2", "--format", "plain"),
        ("examples", "polar"),
        ("hessian", "x0**2*x1", "--at", "2,3"),
    ]
    import shlex

    p = run_shell("".join(shlex.join(line) + "\n" for line in lines))
    assert p.returncode == 0, p.stderr
    expected = "".join(vjp(*line).stdout for line in lines)
    assert p.stdout == expected


def test_exit_status_is_the_worst_line_and_errors_do_not_stop(isolated_home):
    lines = "jacobian 'sin(' --at 1\njacobian x0 --at 1\ncheck x0**3 --at 1 --eps 0.1 --atol 0 --rtol 0 --format json\n"
    p = run_shell(lines)
    assert p.returncode == 2, p.stderr
    out = p.stdout.splitlines()
    assert out[0] == "1" and json.loads(out[1])["match"] is False
    assert p.stderr.count("vjp: error:") == 1
    p = run_shell("jacobian x0 --at 1\ncheck x0**3 --at 1 --eps 0.1 --atol 0 --rtol 0\n")
    assert p.returncode == 1


def test_on_error_stop_stops_at_the_first_failure(isolated_home):
    p = run_shell("jacobian x0 --at 1\njacobian 'sin(' --at 1\njacobian x0*2 --at 1\n", "--on-error", "stop")
    assert p.returncode == 2
    assert p.stdout == "1\n"


def test_remembered_function_flows_between_lines_and_out_of_the_shell(vjp, isolated_home):
    p = run_shell("jacobian 'r*cos(theta); r*sin(theta)' --at r=2,theta=0 --quiet\nproduct --v 0,1\n")
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[-1] == "0\t2"
    assert "your last command" in p.stderr
    assert vjp("product", "--v", "1,0").stdout == "1\t0\n"  # the next one-shot call goes on from the shell


def test_words_of_the_shell(isolated_home):
    lines = [
        "help",
        "help jacobian",
        "",
        "   ",
        "# a comment",
        "vjp jacobian x0*2 --at 3 # a trailing comment",
        "exit",
        "jacobian x0*5 --at 1",
    ]
    p = run_shell("\n".join(lines) + "\n")
    assert p.returncode == 0, p.stderr
    assert "vjp shell" in p.stdout and "help COMMAND" in p.stdout
    assert "Usage: vjp jacobian" in p.stdout
    assert p.stdout.endswith("\n2\n")  # the line before exit ran; the one after did not
    p = run_shell("quit\njacobian x0 --at 1\n")
    assert p.stdout == "" and p.returncode == 0


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ("jacobian 'x0 --at 1", "close the quote"),
        ("shell", "vjp shell already"),
        ("jacobian x0 --at -", "stdin carries the command lines"),
        ("jacobian - --at 1", "stdin carries the command lines"),
        ("product x0*x1 --at 1,2 --v -", "stdin carries the command lines"),
        ("bogus", "No such command"),
        ("jacobian x0 --at 1 --method magic", "magic"),
    ],
)
def test_bad_lines_say_one_thing_and_the_shell_goes_on(isolated_home, line, needle):
    p = run_shell(f"{line}\njacobian x0*2 --at 1\n")
    assert p.returncode == 2
    assert p.stdout == "2\n"
    assert needle in p.stderr and "Traceback" not in p.stderr


def test_points_from_a_file_work_in_the_shell(isolated_home, tmp_path):
    points = tmp_path / "points.csv"
    points.write_text("2,3\n1,1\n")
    p = run_shell(f"jacobian '{SEED}' --points {points}\n")
    assert p.returncode == 0, p.stderr
    assert p.stdout == "4\t3\t2\t6\n2\t3\t2\t2\n"


def test_an_internal_error_is_seventy_and_the_shell_goes_on(monkeypatch, capsys, isolated_home):
    from autograd_cli import engines

    def boom(*args, **kwargs):
        raise ZeroDivisionError("simulated bug")

    monkeypatch.setattr(engines, "jacobian", boom)
    code = shell.run_lines([f"jacobian '{SEED}' --at 2,3\n", "examples seed --format json\n"])
    assert code == 70
    captured = capsys.readouterr()
    assert "ZeroDivisionError" in captured.err and json.loads(captured.out)["examples"][0]["name"] == "seed"


def test_ctrl_c_during_a_line_stops_a_piped_shell(monkeypatch, capsys, isolated_home):
    from autograd_cli import engines

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(engines, "jacobian", interrupted)
    code = shell.run_lines([f"jacobian '{SEED}' --at 2,3\n", "examples\n"])
    assert code == 130
    assert "interrupted" in capsys.readouterr().err


# ---- completion ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "replace"),
    [
        ("jac", ["jacobian"], 3),
        ("", ["check", "examples", "explain"], 0),
        ("he", ["help", "hessian"], 2),
        ("help pro", ["product"], 3),
        ("vjp pro", ["product"], 3),
        ("jacobian x0 --me", ["--method"], 4),
        ("jacobian x0 --method ", ["auto", "rows", "batched", "jacrev", "forward"], 0),
        ("jacobian --example s", ["seed", "softmax3", "spherical", "square", "square-scalar"], 1),
        ("examples po", ["polar"], 2),
        ("jacobian 'si", ["sin", "sinh"], 2),
        ('jacobian "x0 + soft', ["softmax", "softplus"], 4),
        ("jacobian sig", ["sigmoid"], 3),
        ("product x --at 1 --v", ["--v", "--vars", "--vs"], 3),
        ("explain x0 --pitfall r", ["retain"], 1),
        ("'jac", [], 0),
        ("jacobian 'sin(x0) + ", [], 0),
    ],
)
def test_completion(text, expected, replace):
    found, n = shell.suggestions(text)
    assert n == replace
    if text == "":
        assert set(expected) <= set(found) and "exit" in found and "shell" not in found
    elif text.endswith("--method "):
        assert sorted(found) == sorted(expected)
    elif not expected:
        assert found == []
    else:
        assert set(expected) <= set(found), found
        assert all(f.startswith(text[len(text) - n :]) for f in found), found


def test_split_words_knows_quotes():
    assert shell.split_words("jacobian 'x0 + s") == (["jacobian"], "x0 + s", True)
    assert shell.split_words('jacobian "a b" --at ') == (["jacobian", "a b", "--at"], "", False)


# ---- the prompt, through prompt_toolkit's pipe input ---------------------------------------------------


def test_the_prompt_runs_lines_keeps_history_cancels_and_leaves(capfd, isolated_home, tmp_path, monkeypatch):
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    monkeypatch.setenv("VJP_STATE_DIR", str(tmp_path / "state"))
    with create_pipe_input() as keys:
        keys.send_text(f"jacobian '{SEED}' --at 2,3\r")
        keys.send_text("jacobian 'x0*1000\x03")  # Ctrl-C: this line is cancelled, never run
        keys.send_text("product --v 0,1\r")
        keys.send_text("jacobian 'sin(' --at 1\r")  # an error: the prompt comes back
        keys.send_text("product --v 1,0\r")
        keys.send_text("\x04")  # Ctrl-D leaves
        code = shell.interactive(input=keys, output=DummyOutput())
    assert code == 0
    out = capfd.readouterr()
    assert out.out.splitlines()[1:] == ["4\t3", "2\t6", "2\t6", "4\t3"]
    assert "x0*1000" not in out.out and "vjp: error:" in out.err
    history = (tmp_path / "state" / shell.HISTORY).read_text()
    assert "product --v 0,1" in history and "x0*1000" not in history


def test_the_prompt_exit_word(capfd, isolated_home):
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    with create_pipe_input() as keys:
        keys.send_text("exit\r")
        keys.send_text("jacobian x0 --at 1\r")
        assert shell.interactive(input=keys, output=DummyOutput()) == 0
    assert capfd.readouterr().out.count("\n") == 1  # the greeting only


def test_history_falls_back_to_memory(monkeypatch, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("VJP_STATE_DIR", str(blocker / "sub"))
    from prompt_toolkit.history import InMemoryHistory

    assert isinstance(shell._history(), InMemoryHistory)
    assert "no history" in capsys.readouterr().err


def test_shell_is_in_help(vjp):
    r = vjp("--help")
    assert "shell" in r.stdout
    assert Path(shell.__file__).name == "shell.py"


def test_ctrl_c_never_leaves_a_module_half_imported(tmp_path, monkeypatch):
    """An interrupt that lands inside an import waits for the import, then cancels the line."""
    import signal
    import time

    module = tmp_path / "vjp_slow_module_for_test.py"
    module.write_text(
        "import os, signal, time\n"
        "os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C arrives while this module is being imported\n"
        "time.sleep(0.2)\n"
        "COMPLETE = True\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt), shell.imports_finish_first():
        import vjp_slow_module_for_test  # noqa: F401

        time.sleep(5)  # the held interrupt arrives here, after the import
    assert sys.modules["vjp_slow_module_for_test"].COMPLETE is True
    assert signal.getsignal(signal.SIGINT) is before
    with pytest.raises(KeyboardInterrupt), shell.imports_finish_first():
        os.kill(os.getpid(), signal.SIGINT)  # outside an import: at once
        time.sleep(5)
