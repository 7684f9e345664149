"""Hostile input through every channel (issue 12): files, stdin, the state file, the
environment, and the state of the standard streams themselves.

Each case asserts the exit code, that the message is one line, and, for streams, the
exact result lines that must still come out: with --on-error skip every good line gets
its result and every bad line is named; with --on-error stop everything before the bad
line is out, complete, and the run ends with exit 2 naming the line.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograd_cli import state, stream

SEED = "x0**2+3*x1; x1**2+2*x0"
BEFORE = [(i % 7, i % 5) for i in range(300)]  # enough lines for the bulk path on both sides
AFTER = [(i % 3, i % 11) for i in range(300)]


def row(x0: int, x1: int) -> str:
    """The seed's Jacobian at (x0, x1), as the plain format prints it."""
    return f"{2 * x0}\t3\t2\t{2 * x1}"


def lines_of(points: list[tuple[int, int]], sep: str = ",") -> bytes:
    return "".join(f"{a}{sep}{b}\n" for a, b in points).encode()


def errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("vjp: error:")]


# ---- bad lines: one never ends the stream -------------------------------------------------------

# Each is one line of a plain stream (no header), in the bytes a file or a pipe would carry.
BAD_LINES: dict[str, bytes] = {
    "over-long line (limit lowered to 1,000 bytes here)": b"1," + b"2" * 2000,
    "JSON nested 100,000 deep": b'{"x0": ' + b"[" * 100_000 + b"]" * 100_000 + b', "x1": 1}',
    "400-digit JSON integer": b'{"x0": 1' + b"0" * 399 + b', "x1": 1}',
    "JSON integer past Python's 4,300 digits": b'{"x0": ' + b"7" * 5000 + b', "x1": 1}',
    "ragged JSON list": b'{"x0": [1, [2]], "x1": 1}',
    "JSON NaN": b'{"x0": NaN, "x1": 1}',
    "JSON with a string value": b'{"x0": "2", "x1": 1}',
    "vjp's own JSON with a string shape": (
        b'{"point": [1, 2], "shapes": {"inputs": {"x0": "ab", "x1": []}, "output": [2]}}'
    ),
    "vjp's own JSON with a negative size": (
        b'{"point": [1, 2], "shapes": {"inputs": {"x0": [-1], "x1": []}, "output": [2]}}'
    ),
    "not UTF-8 (Latin-1 e acute)": b"1,2 # caf\xe9",
    "a NUL byte": b"1,\x002",
    "underscore in a number": b"1_000,2",
    "Arabic-Indic digit": "\u0663,4".encode(),
    "fullwidth digit": "\uff13,4".encode(),
    "nan": b"nan,1",
    "inf": b"1,inf",
    "overflow to inf": b"1e999,1",
    "hexadecimal": b"0x10,1",
    "three values for two inputs": b"1,2,3",
    "one value for two inputs": b"7",
    "a point with a list": b"x0=[1,2],x1=3",
}


def _stream_input(bad: bytes) -> bytes:
    return lines_of(BEFORE) + bad + b"\n" + lines_of(AFTER)


@pytest.fixture
def short_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "MAX_LINE", 1000)


@pytest.mark.parametrize("channel", ["stdin", "file"])
@pytest.mark.parametrize("name", sorted(BAD_LINES))
def test_one_bad_line_skipped_every_good_line_out(vjp, tmp_path, short_lines, name, channel):
    data = _stream_input(BAD_LINES[name])
    bad_line = len(BEFORE) + 1
    if channel == "stdin":
        r = vjp("jacobian", SEED, "--at", "-", "--on-error", "skip", input=data)
    else:
        path = tmp_path / "points.txt"
        path.write_bytes(data)
        r = vjp("jacobian", SEED, "--points", str(path), "--on-error", "skip")
    assert r.code == 0, r
    # the bad line keeps its place: an empty line, so output line k is still input line k
    assert r.stdout.splitlines() == [row(*p) for p in BEFORE] + [""] + [row(*p) for p in AFTER]
    skipped = [line for line in r.stderr.splitlines() if line.startswith("vjp: skipped")]
    assert len(skipped) == 1 and skipped[0].startswith(f"vjp: skipped line {bad_line}: "), r.stderr
    assert len(skipped[0]) < 600, skipped[0]
    assert r.stderr.splitlines()[-1] == "vjp: 1 bad line skipped"
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("name", sorted(BAD_LINES))
def test_one_bad_line_stops_after_every_line_before_it(vjp, short_lines, name):
    r = vjp("jacobian", SEED, "--at", "-", "--format", "csv", input=_stream_input(BAD_LINES[name]))
    assert r.code == 2, r
    lines = r.stdout.splitlines()
    assert lines[0] == "x0,x1,d y0/d x0,d y0/d x1,d y1/d x0,d y1/d x1"
    assert [tuple(map(float, line.split(",")[:2])) for line in lines[1:]] == [(float(a), float(b)) for a, b in BEFORE]
    (message,) = r.stderr.splitlines()
    assert message.startswith(f"vjp: error: line {len(BEFORE) + 1}: "), message
    assert len(message) < 600, message


def test_a_real_over_long_line_is_skipped_to_its_end(tmp_path):
    """10,000,000 bytes is the real limit; the line after it is read as the next line."""
    path = tmp_path / "long.txt"
    with open(path, "wb") as f:
        f.write(b"1,2\n" + b"3" * (stream.MAX_LINE + 5) + b",4\n5,6\n")
    r = _process("jacobian", SEED, "--points", str(path), "--on-error", "skip", tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [row(1, 2), "", row(5, 6)]
    assert f"skipped line 2: longer than {stream.MAX_LINE:,} bytes" in r.stderr


CSV_BAD: dict[str, bytes] = {
    "CR inside a field": b"3\r,4",
    "field over the csv module's limit": b'"' + b"1" * 200_000 + b'",2',
    "unclosed quote": b'"3,4',
    "too few cells": b"3",
    "nan": b"nan,4",
    "1_000": b"1_000,4",
}


@pytest.mark.parametrize("name", sorted(CSV_BAD))
def test_bad_rows_under_a_csv_header(vjp, tmp_path, name):
    path = tmp_path / "points.csv"
    path.write_bytes(b"x1,x0\n" + lines_of([(b, a) for a, b in BEFORE]) + CSV_BAD[name] + b"\n" + b"6,5\n")
    r = vjp("jacobian", SEED, "--points", str(path), "--on-error", "skip")
    assert r.code == 0, r
    assert r.stdout.splitlines() == [*(row(*p) for p in BEFORE), "", row(5, 6)]
    skipped = [line for line in r.stderr.splitlines() if line.startswith("vjp: skipped")]
    assert len(skipped) == 1 and skipped[0].startswith(f"vjp: skipped line {len(BEFORE) + 2}: "), r.stderr


def test_cr_inside_the_csv_header_is_a_bad_line_then_plain_rows_read(vjp, tmp_path):
    path = tmp_path / "points.csv"
    path.write_bytes(b"x0,x1\r,y\n1,2\n3,4\n")
    r = vjp("jacobian", SEED, "--points", str(path), "--on-error", "skip")
    assert r.code == 0, r
    assert r.stdout.splitlines() == ["", row(1, 2), row(3, 4)]
    assert "line 1: not a CSV row: a CR or LF inside a field" in r.stderr
    r = vjp("jacobian", SEED, "--points", str(path))
    assert r.code == 2 and r.stdout == ""
    (message,) = r.stderr.splitlines()
    assert message.startswith("vjp: error: line 1: not a CSV row")


@pytest.mark.parametrize(
    ("name", "data", "said"),
    [
        ("UTF-16", "x0,x1\n1,2\n".encode("utf-16"), "UTF-16"),
        ("UTF-16 without a BOM", "x0,x1\n1,2\n".encode("utf-16-le"), "UTF-16"),
        ("UTF-32", "x0,x1\n1,2\n".encode("utf-32"), "UTF-32"),
        ("NUL bytes", b"\x00" * 5000, "NUL"),
    ],
)
def test_a_file_that_is_not_utf8_text_says_so(vjp, tmp_path, name, data, said):
    path = tmp_path / "points.csv"
    path.write_bytes(data)
    for mode in ("stop", "skip"):
        r = vjp("jacobian", SEED, "--points", str(path), "--on-error", mode)
        assert r.code == 2, r
        assert r.stdout == ""
        (message,) = r.stderr.splitlines()
        assert message.startswith("vjp: error: ") and said in message and "UTF-8" in message, message


def test_latin1_file_names_each_line_that_is_not_utf8(vjp, tmp_path):
    path = tmp_path / "points.csv"
    path.write_bytes("x0,x1\n1,2\n3,4 # température\n5,6\n".encode("latin-1"))
    r = vjp("jacobian", SEED, "--points", str(path), "--on-error", "skip")
    assert r.code == 0, r
    assert r.stdout.splitlines() == [row(1, 2), "", row(5, 6)]
    assert "vjp: skipped line 3: not UTF-8 text (byte 0xE9 at column 11)" in r.stderr


def test_non_decimal_values_are_refused_on_every_line_in_bulk_and_alone(vjp):
    """The old float() fast path took 1_000 and ٣ from line 2 on."""
    for bad in ("1_000,2", "\u0663,4", "nan,1", " inf,1", "1,2e", "--1,2", "1,0x1"):
        for before in (BEFORE[:1], BEFORE):
            data = lines_of(before) + bad.encode() + b"\n" + lines_of(AFTER)
            r = vjp("jacobian", SEED, "--at", "-", "--on-error", "skip", input=data)
            assert r.stdout.splitlines() == [row(*p) for p in before] + [""] + [row(*p) for p in AFTER], bad
            assert f"skipped line {len(before) + 1}:" in r.stderr, (bad, r.stderr)


def test_ragged_json_is_an_error_not_flattened(vjp):
    r = vjp("jacobian", "x*2", "--at", "-", input='{"x": [1, 2]}\n{"x": [1, [2]]}\n')
    assert r.code == 2, r
    assert r.stdout.splitlines() == ["2\t0\t0\t2"]
    (message,) = r.stderr.splitlines()
    assert "line 2" in message and "ragged" in message


def test_vjp_own_json_with_wrong_types_in_shapes(vjp):
    first = vjp("jacobian", "x*y", "--at", "x=[1,2],y=[3,4]", "--format", "json").stdout
    good = json.loads(first)
    for shapes in ('"ab"', "3", "null", "[1.5]", "[[2]]", '{"x": 2}'):
        bad = dict(good)
        bad["shapes"] = json.loads(f'{{"inputs": {{"x": {shapes}, "y": [2]}}, "output": [2]}}')
        r = vjp("jacobian", "x*y", "--at", "-", input=first + json.dumps(bad) + "\n")
        assert r.code == 2, (shapes, r)
        assert len(r.stdout.splitlines()) == 1
        (message,) = r.stderr.splitlines()
        assert "line 2" in message and '"shapes"' in message, message


# ---- an internal error in one block keeps the block's good lines --------------------------------


def _fails_at_13(monkeypatch: pytest.MonkeyPatch) -> None:
    from autograd_cli import batch

    real = batch.BatchEngine.jacobian

    def jacobian(self, points, **options):
        table = self._table(points)
        if bool((table[:, 0] == 13).any()):
            raise ZeroDivisionError("simulated bug at x0 = 13")
        return real(self, table, **options)

    monkeypatch.setattr(batch.BatchEngine, "jacobian", jacobian)


def test_internal_error_at_one_point_keeps_every_other_result(vjp, monkeypatch):
    _fails_at_13(monkeypatch)
    points = [(i, 1) for i in range(40)]
    r = vjp("jacobian", SEED, "--at", "-", "--on-error", "skip", input=lines_of(points))
    assert r.code == 70, r
    assert r.stdout.splitlines() == [row(*p) if p[0] != 13 else "" for p in points]
    assert "vjp: skipped line 14: internal error" in r.stderr
    (message,) = errors(r.stderr)
    assert "1 point hit an internal error" in message and "ZeroDivisionError" in message


def test_internal_error_while_formatting_keeps_the_csv_header_and_the_places(vjp, monkeypatch):
    """The block fails after its header was made: its halves are written under that header,
    and the failing point keeps its place as a row of empty cells."""
    from autograd_cli import blocktext

    real = blocktext.numbers_text

    def numbers_text(rows, sep, digits, *rest):  # rest: float32 (shortest float32 text)
        if bool((rows[:, 0] == 13).any()):
            raise ZeroDivisionError("simulated bug at x0 = 13")
        return real(rows, sep, digits, *rest)

    monkeypatch.setattr(blocktext, "numbers_text", numbers_text)
    points = [(i, 1) for i in range(40)]
    r = vjp("jacobian", SEED, "--at", "-", "--format", "csv", "--on-error", "skip", input=lines_of(points))
    assert r.code == 70, r
    lines = r.stdout.splitlines()
    assert lines[0] == "x0,x1,d y0/d x0,d y0/d x1,d y1/d x0,d y1/d x1"
    assert lines[1:] == [f"{a},{b},{2 * a},3,2,{2 * b}" if a != 13 else ",,,,," for a, b in points]


def test_internal_error_at_one_point_with_stop(vjp, monkeypatch):
    _fails_at_13(monkeypatch)
    points = [(i, 1) for i in range(40)]
    r = vjp("jacobian", SEED, "--at", "-", input=lines_of(points))
    assert r.code == 70, r
    assert r.stdout.splitlines() == [row(*p) for p in points[:13]]
    (message,) = r.stderr.splitlines()
    assert message.startswith("vjp: error: line 14: internal error") and "--traceback" in message


# ---- check options -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "option", [("--eps", "0"), ("--eps", "nan"), ("--eps", "-1e-6"), ("--atol", "-1"), ("--rtol", "inf")]
)
def test_check_tolerances_out_of_range_are_usage_errors(vjp, option):
    for at in (["--at", "2,3"], ["--at", "-"]):
        r = vjp("check", SEED, *at, *option, input="2,3\n")
        assert r.code == 2, r
        assert r.stdout == ""
        (message,) = r.stderr.splitlines()
        assert message.startswith(f"vjp: error: {option[0]} ") and "must be a finite number" in message


# ---- big points: in bulk, once ---------------------------------------------------------------------


def test_a_million_element_point_on_one_line(tmp_path):
    path = tmp_path / "big.txt"
    n = 1_000_000
    path.write_text("x=[" + ",".join("1.5" if i % 2 else "-2" for i in range(n)) + "]\n")
    r = _process("product", "sum(x**2)", "--at", "-", stdin=path, tmp=tmp_path, timeout=600)
    assert r.returncode == 0, r.stderr
    values = r.stdout.split()
    assert len(values) == n and values[:2] == ["-4", "3"]
    assert r.stderr == ""


# ---- the state file -----------------------------------------------------------------------------


def _state(tmp_path: Path) -> Path:
    d = tmp_path / "state"
    d.mkdir(exist_ok=True)
    return d / state.FILENAME


def _falls_back(r: subprocess.CompletedProcess, said: str) -> None:
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["expression"] == SEED  # the default example
    warning = [line for line in r.stderr.splitlines() if "warning" in line]
    assert len(warning) == 1 and said in warning[0], r.stderr
    assert len(r.stderr) < 1000, r.stderr


def test_state_file_that_is_a_fifo_does_not_block(tmp_path):
    path = _state(tmp_path)
    os.mkfifo(path)
    _falls_back(_process("product", "--format", "json", tmp=tmp_path, timeout=120), "FIFO")


def test_state_file_that_links_to_dev_zero_is_not_followed(tmp_path):
    path = _state(tmp_path)
    path.symlink_to("/dev/zero")
    _falls_back(_process("product", "--format", "json", tmp=tmp_path, timeout=120), "symbolic link")


def test_state_file_with_a_million_remembered_values(tmp_path):
    path = _state(tmp_path)
    path.write_text(json.dumps({"version": 1, "expression": "x0*x1", "vars": None, "at": ["1"] * 1_000_000, "v": None}))
    _falls_back(_process("product", "--format", "json", tmp=tmp_path, timeout=120), "ignoring")
    assert stat.S_ISREG(path.stat().st_mode)


def test_state_file_with_a_huge_remembered_point_is_quoted_short(vjp, tmp_path, monkeypatch):
    monkeypatch.setenv("VJP_STATE_DIR", str(tmp_path / "state"))
    path = _state(tmp_path)
    at = "x=[" + ",".join(["1"] * 300_000) + "]"
    path.write_text(json.dumps({"version": 1, "expression": "sum(x)", "vars": None, "at": [at], "v": None}))
    r = vjp("product", "--format", "json")
    assert r.code == 0, r
    assert json.loads(r.stdout)["vjp"] == [1.0] * 300_000
    assert all(len(line) < 300 for line in r.stderr.splitlines()), r.stderr[:500]


# ---- the environment ------------------------------------------------------------------------------


def test_env_values_are_quoted_short_in_messages(vjp):
    long = "1," * 60_000 + "1"
    r = vjp("product", SEED, "--v", "1,0", env={"VJP_AT": long})
    assert r.code == 2, r
    assert all(len(line) < 400 for line in r.stderr.splitlines()), r.stderr[:500]
    assert len(errors(r.stderr)) == 1
    r = vjp("jacobian", SEED, "--at", "2,3", env={"VJP_FORMAT": "x" * 100_000})
    assert r.code == 2 and len(r.stderr) < 300, r.stderr[:300]


def test_ascii_output_encoding_with_a_table(tmp_path):
    r = _process("jacobian", SEED, "--at", "2,3", "--format", "table", tmp=tmp_path, env={"PYTHONIOENCODING": "ascii"})
    assert r.returncode == 0, r.stderr
    assert r.stdout.isascii()
    assert "d/dx0" in r.stdout and "y0 = x0**2 + 3*x1" in r.stdout
    assert r.stderr == ""


@pytest.mark.parametrize("columns", ["0", "-3", "abc", "99999999999"])
def test_columns_that_are_no_width(tmp_path, columns):
    r = _process("jacobian", SEED, "--at", "2,3", "--format", "table", tmp=tmp_path, env={"COLUMNS": columns})
    assert r.returncode == 0, r.stderr
    assert "│ y₀ = x0**2 + 3*x1 │ 13 │" in r.stdout
    assert r.stderr == ""


# ---- the standard streams' own state ------------------------------------------------------------------


def _process(
    *args: str,
    tmp: Path,
    env: dict[str, str] | None = None,
    stdin: Path | None = None,
    timeout: float = 300,
    shell_suffix: str = "",
) -> subprocess.CompletedProcess:
    """vjp in a real process (python -m autograd_cli), with its state in ``tmp``."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("VJP_")}
    full["VJP_STATE_DIR"] = str(tmp / "state")
    full.update(env or {})
    cmd = [sys.executable, "-m", "autograd_cli", *args]
    if shell_suffix:
        import shlex

        line = " ".join(shlex.quote(c) for c in cmd) + " " + shell_suffix
        return subprocess.run(["bash", "-c", line], capture_output=True, text=True, env=full, timeout=timeout)
    with open(stdin if stdin is not None else os.devnull, "rb") as f:
        return subprocess.run(cmd, stdin=f, capture_output=True, text=True, env=full, timeout=timeout)


def test_stdout_closed(tmp_path):
    r = _process("jacobian", SEED, "--at", "2,3", tmp=tmp_path, shell_suffix=">&-")
    assert r.returncode == 2
    assert r.stderr == "vjp: error: cannot write the results to stdout: stdout is closed (>&-)\n"


def test_stdout_closed_while_streaming(tmp_path):
    r = _process("jacobian", SEED, "--at", "-", tmp=tmp_path, shell_suffix="<<< '1,2' >&-")
    assert r.returncode == 2
    assert r.stderr == "vjp: error: cannot write the results to stdout: stdout is closed (>&-)\n"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
@pytest.mark.parametrize("fmt", ["plain", "table", "json"])
def test_stdout_full(tmp_path, fmt):
    r = _process("jacobian", SEED, "--at", "2,3", "--format", fmt, tmp=tmp_path, shell_suffix="> /dev/full")
    assert r.returncode == 2
    assert r.stderr == "vjp: error: cannot write the results to stdout: No space left on device\n"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_help_to_a_full_stdout(tmp_path):
    r = _process("--help", tmp=tmp_path, shell_suffix="> /dev/full")
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "No space left on device" in r.stderr


def test_stderr_closed_keeps_the_results_and_the_exit_code(tmp_path):
    r = _process("jacobian", SEED, "--at", "2,3", tmp=tmp_path, shell_suffix="2>&-")
    assert r.returncode == 0 and r.stdout == "4\t3\n2\t6\n"
    r = _process("jacobian", "sin(", "--at", "2", tmp=tmp_path, shell_suffix="2>&-")
    assert r.returncode == 2 and r.stdout == ""
    r = _process("jacobian", SEED, "--at", "-", tmp=tmp_path, shell_suffix="--on-error skip 2>&- <<< $'1,2\\nx\\n3,4'")
    assert r.returncode == 0 and r.stdout.splitlines() == [row(1, 2), "", row(3, 4)]


def test_stdin_closed(tmp_path):
    r = _process("jacobian", SEED, "--at", "-", tmp=tmp_path, shell_suffix="<&-")
    assert r.returncode == 2 and r.stdout == ""
    (message,) = r.stderr.splitlines()
    assert message.startswith("vjp: error: stdin is closed")
    r = _process("jacobian", "-", "--at", "1,2", tmp=tmp_path, shell_suffix="<&-")
    assert r.returncode == 2 and "stdin is closed" in r.stderr and r.stderr.count("\n") == 1


@pytest.mark.parametrize("fmt", ["plain", "table", "json", "csv"])
def test_closed_pipe_exits_quietly_in_every_format(tmp_path, fmt):
    """`vjp ... | head -1`: the reader goes away; exit 0 and nothing on stderr, tables included."""
    points = tmp_path / "points.txt"
    points.write_bytes(lines_of([(i, 1) for i in range(100_000)]))
    r = _process(
        "jacobian",
        SEED,
        "--at",
        "-",
        "--format",
        fmt,
        tmp=tmp_path,
        shell_suffix=f"< {points} | head -c 10 > /dev/null; exit ${{PIPESTATUS[0]}}",
    )
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""


def test_ctrl_c_during_start_up(tmp_path):
    """SIGINT while vjp waits for --expr-file (a FIFO nobody writes): exit 130, one line."""
    fifo = tmp_path / "expr"
    os.mkfifo(fifo)
    env = {k: v for k, v in os.environ.items() if not k.startswith("VJP_")}
    env["VJP_STATE_DIR"] = str(tmp_path / "state")
    p = subprocess.Popen(
        [sys.executable, "-m", "autograd_cli", "jacobian", "--expr-file", str(fifo), "--at", "1"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    writer = None
    try:
        deadline = time.monotonic() + 120
        while writer is None:  # until vjp has the FIFO open: then it waits for the text
            try:
                writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                assert p.poll() is None and time.monotonic() < deadline, "vjp never opened the expression file"
                time.sleep(0.05)
        time.sleep(0.2)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=120)
    finally:
        if writer is not None:
            os.close(writer)
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 130, err
    assert err == "vjp: interrupted\n"
    assert out == ""
