"""Run one corpus case through `vjp jacobian ... --format json` in-process and judge the answer.

Shared by tests/test_corpus.py, tests/test_opinfo_corpus.py and tests/corpus/report.py. A case
carries its own expected answer (value and Jacobian blocks per differentiated input), computed
by torch directly; this module only runs the CLI and compares.

Outcomes: ``right`` (exit 0 and the numbers agree), ``wrong`` (exit 0, numbers or columns
differ), ``refused`` (exit 2: vjp said the input is not in its language), ``error`` (any
other exit, or an exception).
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from typer.testing import CliRunner

NONFINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def number(v: object) -> float:
    """A JSON number, or vjp's/our spelling of a non-finite one ("NaN", "Infinity", "-Infinity")."""
    if isinstance(v, str):
        return NONFINITE[v]
    assert isinstance(v, int | float) and not isinstance(v, bool), v
    return float(v)


def spell(v: float) -> float | str:
    """The inverse of `number`: non-finite floats as strings so JSON stays RFC 8259."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


@dataclass
class Case:
    """One expression at one point with its expected answer.

    `blocks` maps each differentiated input, in the order a user would expect the columns
    (the `--wrt` order, else vjp's own input order), to its m x n_i block of the Jacobian.
    """

    id: str
    group: str
    expr: str
    at: list[str]
    value: list[float]
    blocks: dict[str, list[list[float]]]
    wrt: list[str] | None = None
    dtype: str = "float64"
    source: str = ""
    rtol: float = 1e-6
    atol: float = 1e-9

    def argv(self) -> list[str]:
        args = ["jacobian", self.expr]
        for a in self.at:
            args += ["--at", a]
        if self.wrt is not None:
            args += ["--wrt", ",".join(self.wrt)]
        if self.dtype != "float64":
            args += ["--dtype", self.dtype]
        return [*args, "--format", "json"]

    def command_line(self) -> str:
        """The command as a user would type it (for messages)."""
        import shlex

        return "vjp " + " ".join(shlex.quote(a) for a in self.argv())


@dataclass
class Outcome:
    status: str  # right | wrong | refused | error
    message: str = ""
    details: dict = field(default_factory=dict)


def close(got: float, want: float, rtol: float, atol: float) -> bool:
    """Equal within tolerance; non-finite entries must match exactly (nan == nan, inf == inf)."""
    if math.isnan(want) or math.isnan(got):
        return math.isnan(want) and math.isnan(got)
    if math.isinf(want) or math.isinf(got):
        return got == want
    return abs(got - want) <= atol + rtol * abs(want)


def column_inputs(columns: Sequence[str]) -> list[tuple[str, int]]:
    """vjp's column labels (x[0,1], x[0,2], y, ...) grouped into (input name, number of columns)."""
    groups: list[tuple[str, int]] = []
    for label in columns:
        name = label.split("[", 1)[0]
        if groups and groups[-1][0] == name:
            groups[-1] = (name, groups[-1][1] + 1)
        else:
            groups.append((name, 1))
    return groups


def expected_rows(case: Case, groups: list[tuple[str, int]]) -> list[list[float]] | str:
    """The expected Jacobian with its columns in vjp's input order, or why the columns cannot match."""
    want_names = list(case.blocks)
    got_names = [name for name, _ in groups]
    if sorted(got_names) != sorted(want_names):
        return f"columns are for inputs {got_names}, expected {want_names} (differentiated inputs)"
    if case.wrt is not None and got_names != case.wrt:
        return f"columns are in the order {got_names}, expected the --wrt order {case.wrt}"
    rows: list[list[float]] = [[] for _ in case.value]
    for name, count in groups:
        block = case.blocks[name]
        if block and len(block[0]) != count:
            return f"{count} columns for {name}, expected {len(block[0])}"
        for i, row in enumerate(rows):
            row.extend(block[i] if block else [])
    return rows


def first_difference(got: list[list[float]], want: list[list[float]], rtol: float, atol: float) -> str:
    """'' when every entry agrees, else how many differ and the first of them."""
    bad = []
    for i, (grow, wrow) in enumerate(zip(got, want)):
        if len(grow) != len(wrow):
            return f"row {i} has {len(grow)} entries, expected {len(wrow)}"
        bad += [(i, j, g, w) for j, (g, w) in enumerate(zip(grow, wrow)) if not close(g, w, rtol, atol)]
    if not bad:
        return ""
    i, j, g, w = bad[0]
    return f"{len(bad)} Jacobian entries differ; first: J[{i}][{j}] = {g!r}, expected {w!r}"


def compare(case: Case, d: dict) -> Outcome:
    """Judge vjp's JSON answer against the case's expected value and Jacobian."""
    jac = d.get("jacobian")
    if not isinstance(jac, list):
        return Outcome("wrong", f"no 'jacobian' list in the JSON (keys: {sorted(d)})")
    got = [[number(v) for v in row] for row in jac]
    m = len(case.value)
    if len(got) != m:
        return Outcome("wrong", f"{len(got)} Jacobian rows, expected {m} (one per output element)")
    want = expected_rows(case, column_inputs(d.get("columns") or d.get("inputs") or []))
    if isinstance(want, str):
        return Outcome("wrong", want)
    diff = first_difference(got, want, case.rtol, case.atol)
    if diff:
        return Outcome("wrong", diff)
    value = d.get("value")
    if isinstance(value, list):
        vals = [number(v) for v in value]
        if len(vals) != m:
            return Outcome("wrong", f"value has {len(vals)} entries, expected {m}")
        for k, (g, w) in enumerate(zip(vals, case.value)):
            if not close(g, w, case.rtol, case.atol):
                return Outcome("wrong", f"value[{k}] = {g!r}, expected {w!r} (the Jacobian agrees)")
    return Outcome("right")


_cli: object = None


def invoke(argv: list[str]) -> tuple[int, str, str]:
    """Run `vjp ARGV` in-process with CliRunner's isolated streams: (exit code, stdout, stderr).

    The Click command is built from `autograd_cli.cli.app` once; Typer rebuilds it on every
    CliRunner.invoke, which costs more than vjp's own work on a refused expression.
    """
    global _cli
    if _cli is None:
        import typer

        from autograd_cli.cli import app

        _cli = typer.main.get_command(app)
    runner = CliRunner()
    with runner.isolation() as streams:
        try:
            _cli.main(args=argv, prog_name="vjp")  # type: ignore[attr-defined]
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        out, err = streams[0].getvalue(), streams[1].getvalue()
    return code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def run(case: Case) -> Outcome:
    """Run the case's command line in-process and judge it."""
    try:
        code, stdout, stderr = invoke(case.argv())
    except Exception as e:  # an exception escaping the CLI is itself a finding
        return Outcome("error", f"{type(e).__name__}: {e}")
    if code == 2:
        return Outcome("refused", first_error(stderr))
    if code != 0:
        return Outcome("error", f"exit {code}: {first_error(stderr)}")
    try:
        d = json.loads(stdout)
    except json.JSONDecodeError as e:
        return Outcome("error", f"stdout is not JSON ({e}): {stdout[:200]!r}")
    return compare(case, d)


def first_error(stderr: str) -> str:
    for line in stderr.splitlines():
        if line.startswith("vjp: error: "):
            return line[len("vjp: error: ") :]
    return stderr.strip().splitlines()[0] if stderr.strip() else "(no message)"


_TOKEN = re.compile(r"[A-Za-z_][A-Za-z_0-9]*|\d+\.?\d*(?:[eE][-+]?\d+)?|\*\*|//|==|!=|<=|>=|->|\S")


def failing_token(case: Case, message: str) -> str:
    """The token where vjp stopped, for grouping refusals: from '(at column N)', else a short message."""
    found = re.findall(r"at (?:line (\d+), )?column (\d+)\)", message) or re.findall(
        r"at (?:line (\d+), )?column (\d+)", message
    )
    if found:
        m = found[-1]
        lines = case.expr.split("\n")
        line = int(m[0] or 1) - 1
        col = int(m[1]) - 1
        text = lines[line] if 0 <= line < len(lines) else ""
        if 0 <= col < len(text):
            t = _TOKEN.match(text, col)
            return repr(t.group(0) if t else text[col])
    m = re.search(r"No such option: (--[\w-]+)", message)
    if m:
        return f"option {m.group(1)}"
    m = re.search(r"unknown function '([^']+)'", message)
    if m:
        return f"unknown function {m.group(1)!r}"
    return re.sub(r"'[^']*'|\d+(\.\d+)?", "_", message)[:70]
