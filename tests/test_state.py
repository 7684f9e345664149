"""Which function a command uses (DESIGN.md "Which function"), and the remembered-state file:
broken files are ignored with one warning line, writes are atomic, concurrent writers never
leave a broken file."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest
import typer

from autograd_cli import state

SEED = "x0**2+3*x1; x1**2+2*x0"
POLAR = "r*cos(theta); r*sin(theta)"


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "state"
    monkeypatch.setenv("VJP_STATE_DIR", str(d))
    return d


def run_json(vjp, *args: str, env: dict[str, str] | None = None) -> tuple[dict, str]:
    r = vjp(*args, "--format", "json", env=env)
    assert r.code == 0, r
    assert "Traceback" not in r.stderr
    return json.loads(r.stdout), r.stderr


def remember(vjp, *args: str) -> None:
    r = vjp(*args, "--format", "json")
    assert r.code == 0, r


def leftovers(d: Path) -> list[str]:
    """Files in the state directory other than the state file itself (temporary files)."""
    return sorted(p.name for p in d.iterdir() if p.name != state.FILENAME) if d.exists() else []


def warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "warning" in line.lower()]


# ---- which function ----------------------------------------------------------------------------


def test_fresh_machine_uses_the_default_example_and_says_so(vjp, state_dir):
    d, err = run_json(vjp, "product")
    assert d["expression"] == SEED
    assert d["point"] == [2.0, 3.0] and d["v"] == [1.0, 0.0] and d["vjp"] == [4.0, 3.0]
    assert "default example" in err and "seed" in err
    d, err = run_json(vjp, "check")
    assert d["column_sums"] == [6.0, 9.0] and d["match"] is True


def test_typed_function_and_point_print_no_notes(vjp, state_dir):
    r = vjp("jacobian", SEED, "--at", "2,3")
    assert r.code == 0 and r.stderr == ""


def test_remembered_function_and_point(vjp, state_dir):
    remember(vjp, "jacobian", "x0*x1", "--at", "2,5")
    d, err = run_json(vjp, "product", "--v", "1")
    assert d["expression"] == "x0*x1"
    assert d["point"] == [2.0, 5.0] and d["vjp"] == [5.0, 2.0]
    assert "last command" in err and "x0*x1" in err
    d, _ = run_json(vjp, "check")
    assert d["expression"] == "x0*x1" and d["sum_backward"] == [5.0, 2.0]


def test_remembered_beats_the_default(vjp, state_dir):
    remember(vjp, "jacobian", "x0-x1", "--at", "1,1")
    d, err = run_json(vjp, "jacobian")
    assert d["expression"] == "x0-x1"
    assert "default" not in err


def test_vjp_expr_beats_remembered(vjp, state_dir):
    remember(vjp, "jacobian", "x0*x1", "--at", "2,5")
    d, err = run_json(vjp, "product", "--at", "1,2", "--v", "1", env={"VJP_EXPR": "x0+3*x1"})
    assert d["expression"] == "x0+3*x1" and d["vjp"] == [1.0, 3.0]
    assert "VJP_EXPR" in err


def test_example_beats_vjp_expr_and_remembered(vjp, state_dir):
    remember(vjp, "jacobian", "x0*x1", "--at", "2,5")
    d, err = run_json(vjp, "jacobian", "--example", "polar", env={"VJP_EXPR": "x0+3*x1"})
    assert d["expression"] == POLAR
    assert d["inputs"] == ["r", "theta"] and d["point"] == [2.0, 0.5]
    assert "example polar" in err


def test_argument_beats_everything(vjp, state_dir):
    remember(vjp, "jacobian", "x0*x1", "--at", "2,5")
    env = {"VJP_EXPR": "x0+3*x1", "VJP_AT": "9,9"}
    d, err = run_json(vjp, "jacobian", "x0-x1", "--example", "polar", "--at", "1,2", env=env)
    assert d["expression"] == "x0-x1" and d["point"] == [1.0, 2.0]
    assert "using" not in err


def test_typed_function_without_point_is_symbolic_not_remembered_point(vjp, state_dir):
    remember(vjp, "jacobian", "x0*x1", "--at", "2,5")
    r = vjp("jacobian", "x0*x1", "--format", "json")
    assert r.code == 0, r
    assert "point" not in json.loads(r.stdout) or json.loads(r.stdout)["point"] in (None, [])


def test_remembered_variable_order(vjp, state_dir):
    remember(vjp, "jacobian", "x0*x1", "--vars", "x1,x0", "--at", "2,5")
    d, _ = run_json(vjp, "product", "--v", "1")
    assert d["inputs"] == ["x1", "x0"] and d["point"] == [2.0, 5.0] and d["vjp"] == [5.0, 2.0]


def test_failed_command_is_not_remembered(vjp, state_dir):
    remember(vjp, "jacobian", "x0*x1", "--at", "2,5")
    assert vjp("jacobian", "sin(", "--at", "1").code == 2
    assert vjp("jacobian", "x0+x1", "--at", "1,2,3").code == 2
    d, _ = run_json(vjp, "jacobian")
    assert d["expression"] == "x0*x1" and d["point"] == [2.0, 5.0]


# ---- which point, which v --------------------------------------------------------------------------


def test_at_order_option_env_remembered_example(vjp, state_dir):
    remember(vjp, "jacobian", "x0*x1", "--at", "2,5")
    d, err = run_json(vjp, "product", "--v", "1")
    assert d["point"] == [2.0, 5.0] and "last command" in err
    d, err = run_json(vjp, "product", "--v", "1", env={"VJP_AT": "3,4"})
    assert d["point"] == [3.0, 4.0] and "VJP_AT" in err
    d, err = run_json(vjp, "product", "--v", "1", "--at", "7,8", env={"VJP_AT": "3,4"})
    assert d["point"] == [7.0, 8.0]
    d, err = run_json(vjp, "product", "--example", "polar")
    assert d["point"] == [2.0, 0.5] and "example polar" in err
    d, err = run_json(vjp, "product", "--example", "polar", env={"VJP_AT": "1,0"})
    assert d["point"] == [1.0, 0.0] and "VJP_AT" in err


def test_v_order_option_env_remembered_example(vjp, state_dir):
    remember(vjp, "product", "x0*x1; x0+x1", "--at", "1,2", "--v", "1,0")
    d, err = run_json(vjp, "product")
    assert d["v"] == [1.0, 0.0] and d["vjp"] == [2.0, 1.0]
    assert "last command" in err
    d, err = run_json(vjp, "product", env={"VJP_V": "0,1"})
    assert d["v"] == [0.0, 1.0] and d["vjp"] == [1.0, 1.0] and "VJP_V" in err
    d, _ = run_json(vjp, "product", "--v", "1,1", env={"VJP_V": "0,1"})
    assert d["v"] == [1.0, 1.0] and d["vjp"] == [3.0, 2.0]
    d, err = run_json(vjp, "product", "--example", "polar")
    assert d["v"] == [1.0, 0.0] and "example polar" in err
    d, _ = run_json(vjp, "product", "--example", "polar", env={"VJP_V": "0,1"})
    assert d["v"] == [0.0, 1.0]


def test_vjp_expr_with_vjp_at_and_vjp_v(vjp, state_dir):
    env = {"VJP_EXPR": "x0*x1; x0", "VJP_AT": "2,3", "VJP_V": "1,1"}
    d, err = run_json(vjp, "product", env=env)
    assert d["expression"] == "x0*x1; x0" and d["point"] == [2.0, 3.0] and d["v"] == [1.0, 1.0]
    assert d["vjp"] == [4.0, 2.0]
    for name in ("VJP_EXPR", "VJP_AT", "VJP_V"):
        assert name in err


def test_quiet_silences_the_notes(vjp, state_dir):
    r = vjp("product", "--quiet")
    assert r.code == 0 and r.stderr == ""


# ---- where the state lives -------------------------------------------------------------------------


def test_state_goes_to_the_app_dir_by_default(vjp, isolated_home):
    path = Path(typer.get_app_dir("vjp")) / state.FILENAME
    assert str(path).startswith(str(isolated_home))
    assert not path.exists()
    remember(vjp, "jacobian", "x0*x1", "--at", "2,5")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["expression"] == "x0*x1" and data["at"] == ["2,5"]
    assert leftovers(path.parent) == []


def test_vjp_state_dir_overrides(vjp, state_dir, isolated_home):
    remember(vjp, "jacobian", "x0*x1", "--at", "2,5")
    assert json.loads((state_dir / state.FILENAME).read_text())["expression"] == "x0*x1"
    assert not (Path(typer.get_app_dir("vjp")) / state.FILENAME).exists()


# ---- broken state files: one warning line, never a crash ---------------------------------------

BROKEN = {
    "truncated": b'{"version": 1, "expression": "x0*',
    "empty": b"",
    "whitespace": b"  \n\n\t",
    "binary": bytes(range(256)) * 4,
    "nul": b"\x00" * 64,
    "invalid-utf8": b'{"version": 1, "expression": "\xff\xfe"}',
    "list": b"[1, 2, 3]",
    "string": b'"x0*x1"',
    "null": b"null",
    "number": b"42",
    "empty-object": b"{}",
    "expression-not-a-string": b'{"version": 1, "expression": 5}',
    "at-not-a-list": b'{"version": 1, "expression": "x0", "at": "1"}',
    "at-list-of-numbers": b'{"version": 1, "expression": "x0", "at": [1]}',
    "v-not-a-string": b'{"version": 1, "expression": "x0", "v": [1]}',
    "future-version": b'{"version": 99, "expression": "x0"}',
    "nan-token": b'{"version": 1, "expression": "x0", "at": [NaN]}',
    "deeply-nested": b"[" * 100_000 + b"]" * 100_000,
}


def _assert_ignored_with_one_warning(r, path: Path) -> None:
    assert r.code == 0, r
    assert "Traceback" not in r.stderr
    found = warnings(r.stderr)
    assert len(found) == 1, r.stderr
    assert path.name in found[0]
    assert found[0].startswith("vjp: ")
    assert len(found[0]) < 400, found[0]
    d = json.loads(r.stdout)
    assert d["expression"] == SEED  # fell back to the default example


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_state_file_is_ignored_with_one_warning(vjp, state_dir, name):
    state_dir.mkdir()
    path = state_dir / state.FILENAME
    path.write_bytes(BROKEN[name])
    r = vjp("product", "--format", "json")
    _assert_ignored_with_one_warning(r, path)
    # the successful command replaced the broken file with a good one
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["expression"] == SEED
    r = vjp("product", "--format", "json")
    assert r.code == 0 and warnings(r.stderr) == []


def test_huge_state_file_is_ignored(vjp, state_dir):
    state_dir.mkdir()
    path = state_dir / state.FILENAME
    with open(path, "wb") as f:
        f.truncate(state.MAX_BYTES + 1)  # sparse: costs no disk
    _assert_ignored_with_one_warning(vjp("product", "--format", "json"), path)


def test_unreadable_state_file_is_ignored(vjp, state_dir):
    state_dir.mkdir()
    path = state_dir / state.FILENAME
    path.write_text(json.dumps({"version": 1, "expression": "x0*x1", "vars": None, "at": ["2,5"], "v": None}))
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running with privileges that read a mode-000 file (root)")
        _assert_ignored_with_one_warning(vjp("product", "--format", "json"), path)
    finally:
        path.chmod(0o600)


def test_directory_in_place_of_the_state_file(vjp, state_dir):
    path = state_dir / state.FILENAME
    path.mkdir(parents=True)
    r = vjp("product", "--format", "json")
    assert r.code == 0, r
    assert "Traceback" not in r.stderr
    assert json.loads(r.stdout)["expression"] == SEED
    found = warnings(r.stderr)
    assert 1 <= len(found) <= 2 and all(line.startswith("vjp: ") for line in found), r.stderr
    # a typed command still works; it only cannot remember
    r = vjp("jacobian", "x0*x1", "--at", "2,5", "--format", "json")
    assert r.code == 0, r
    assert json.loads(r.stdout)["jacobian"] == [[5.0, 2.0]]
    assert len(warnings(r.stderr)) == 1
    assert path.is_dir()


def test_state_dir_is_a_file(vjp, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    monkeypatch.setenv("VJP_STATE_DIR", str(blocker))
    r = vjp("jacobian", "x0*x1", "--at", "2,5", "--format", "json")
    assert r.code == 0, r
    assert json.loads(r.stdout)["jacobian"] == [[5.0, 2.0]]
    assert len(warnings(r.stderr)) == 1 and "Traceback" not in r.stderr
    r = vjp("product", "--format", "json")
    assert r.code == 0 and json.loads(r.stdout)["expression"] == SEED


def test_read_only_state_dir(vjp, state_dir):
    remember(vjp, "jacobian", "x0*x1", "--at", "2,5")
    state_dir.chmod(0o500)
    try:
        if os.access(state_dir, os.W_OK):
            pytest.skip("running with privileges that write a read-only directory (root)")
        r = vjp("jacobian", "x0+x1", "--at", "1,1", "--format", "json")
        assert r.code == 0 and len(warnings(r.stderr)) == 1
    finally:
        state_dir.chmod(0o700)


# ---- atomic writes ---------------------------------------------------------------------------------


def _good_state(vjp, state_dir: Path) -> bytes:
    remember(vjp, "jacobian", "x0*x1", "--at", "2,5")
    return (state_dir / state.FILENAME).read_bytes()


def test_failed_rename_keeps_the_old_file(vjp, state_dir, monkeypatch):
    old = _good_state(vjp, state_dir)

    def fail(*args, **kwargs):
        raise OSError(errno.EIO, "simulated I/O error")

    monkeypatch.setattr(os, "replace", fail)
    monkeypatch.setattr(os, "rename", fail)
    r = vjp("jacobian", "x0+x1", "--at", "1,1", "--format", "json")
    assert r.code == 0, r
    assert json.loads(r.stdout)["jacobian"] == [[1.0, 1.0]]
    assert len(warnings(r.stderr)) == 1
    assert (state_dir / state.FILENAME).read_bytes() == old
    assert leftovers(state_dir) == []


def test_failed_fsync_keeps_the_old_file(vjp, state_dir, monkeypatch):
    old = _good_state(vjp, state_dir)

    def fail(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", fail)
    r = vjp("jacobian", "x0+x1", "--at", "1,1", "--format", "json")
    assert r.code == 0, r
    assert (state_dir / state.FILENAME).read_bytes() == old
    assert leftovers(state_dir) == []


def test_disk_full_half_way_through_the_write_keeps_the_old_file(vjp, state_dir, monkeypatch):
    old = _good_state(vjp, state_dir)

    def half_dump(obj, f, *args, **kwargs):
        f.write(json.dumps(obj)[:10])
        f.flush()
        raise OSError(errno.ENOSPC, "No space left on device")

    fake_json = types.SimpleNamespace(**{k: getattr(json, k) for k in ("loads", "dumps", "load", "JSONDecodeError")})
    fake_json.dump = half_dump
    monkeypatch.setattr(state, "json", fake_json)
    r = vjp("jacobian", "x0+x1", "--at", "1,1", "--format", "json")
    assert r.code == 0, r
    assert len(warnings(r.stderr)) == 1
    assert (state_dir / state.FILENAME).read_bytes() == old
    assert leftovers(state_dir) == []


def test_interrupt_during_the_write_leaves_no_temporary_file(vjp, state_dir, monkeypatch):
    """Ctrl-C between writing the temporary file and renaming it: old file intact, no debris."""
    old = _good_state(vjp, state_dir)

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupt)
    r = vjp("jacobian", "x0+x1", "--at", "1,1", "--format", "json")
    assert r.code != 0 or r.stdout
    assert "Traceback" not in r.stderr
    assert (state_dir / state.FILENAME).read_bytes() == old
    assert leftovers(state_dir) == [], "the temporary file was left behind"


def test_save_and_load_round_trip(tmp_path):
    path = tmp_path / "deep" / "dir" / state.FILENAME
    record = state.Remembered("x*y", "x,y", ("x=[0,2,8]", "y=[5,1,7]"), "1,1,1")
    assert state.save(path, record) is None
    assert state.load(path) == (record, None)
    assert leftovers(path.parent) == []


# ---- concurrent writers -------------------------------------------------------------------------------


def _check_state_file(path: Path, written: set[str]) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["expression"] in written
    loaded, warning = state.load(path)
    assert warning is None and loaded is not None and loaded.expression in written


def test_concurrent_vjp_processes_never_leave_a_broken_file(tmp_path):
    """Six real `vjp` processes at once, four times over, each remembering a different function.

    `explain --code` remembers its function like every command but needs no torch, so the
    processes are cheap and reach the write at nearly the same moment.
    """
    d = tmp_path / "shared-state"
    env = dict(os.environ, VJP_STATE_DIR=str(d))
    env.pop("VJP_DEBUG", None)
    written: set[str] = set()
    for round_ in range(4):
        procs = []
        for k in range(6):
            expr = f"x0*{k + 1}+x1*{round_ + 1}"
            written.add(expr)
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "autograd_cli", "explain", expr, "--at", f"{k},1", "--code"],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        for proc in procs:
            _, err = proc.communicate(timeout=180)
            assert proc.returncode == 0, err
            assert "warning" not in err.lower(), err
        _check_state_file(d / state.FILENAME, written)
        assert leftovers(d) == []
    # and the file is usable by the next command
    loaded, _ = state.load(d / state.FILENAME)
    assert loaded is not None and loaded.expression in written


def test_concurrent_jacobian_processes(tmp_path):
    """Two full `vjp jacobian` runs (torch and all) finishing together."""
    d = tmp_path / "shared-state"
    env = dict(os.environ, VJP_STATE_DIR=str(d))
    env.pop("VJP_DEBUG", None)
    exprs = ["x0*x1", "x0+x1"]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "autograd_cli", "jacobian", e, "--at", "2,5", "--format", "json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for e in exprs
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
        json.loads(out)
    _check_state_file(d / state.FILENAME, set(exprs))
    assert leftovers(d) == []


_HAMMER = r"""
import sys
from pathlib import Path
from autograd_cli import state
path, tag, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
pad = "0" * 20000  # big enough that a write is not one syscall
for i in range(count):
    warning = state.save(path, state.Remembered(f"x0*{tag}", None, (f"{i}",), pad))
    if warning:
        print(warning, file=sys.stderr)
        sys.exit(3)
"""


def test_many_writers_and_a_reader_never_see_a_broken_file(tmp_path):
    """Writers racing through state.save while the reader loads again and again."""
    path = tmp_path / "race" / state.FILENAME
    tags = [str(k) for k in range(4)]
    procs = [
        subprocess.Popen([sys.executable, "-c", _HAMMER, str(path), tag, "150"], stderr=subprocess.PIPE, text=True)
        for tag in tags
    ]
    seen = 0
    problems = []
    deadline = time.monotonic() + 120
    while any(p.poll() is None for p in procs) and time.monotonic() < deadline:
        loaded, warning = state.load(path)
        if warning is not None:
            problems.append(warning)
        elif loaded is not None:
            seen += 1
            assert loaded.expression in {f"x0*{t}" for t in tags}
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    assert problems == []
    assert seen > 0
    _check_state_file(path, {f"x0*{t}" for t in tags})
    assert leftovers(path.parent) == []
