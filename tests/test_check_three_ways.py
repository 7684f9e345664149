"""`vjp check`: the autograd Jacobian against SymPy's exact one and central finite differences.

Independent references: torch.autograd.functional.jacobian of the built function (for the three
Jacobians check reports), and, for the deliberately failing comparison, the float32/float64
rounding gap measured here. Kinks, skipped references and streaming are checked through the CLI.
"""

from __future__ import annotations

import json
import math
import signal
from collections.abc import Iterator

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd_cli import engines
from autograd_cli.build import Built
from autograd_cli.parsing import parse
from autograd_cli.points import parse_point
from autograd_cli.problem import Problem, make_problem

SEED = "x0**2+3*x1; x1**2+2*x0"


def make(text: str, at: str, dtype: str = "float64") -> Problem:
    return make_problem(parse(text), parse_point(at), dtype)


def reference_jacobian(p: Problem) -> torch.Tensor:
    built = Built(p)
    leaves = tuple(built.leaves(requires_grad=False))
    parts = torch.autograd.functional.jacobian(built.of_leaves, leaves)
    return torch.cat([part.reshape(p.m, -1) for part in parts], dim=1).to(torch.float64)


@pytest.fixture
def alarm() -> Iterator[None]:
    """A generous guard against a hang (not a time assertion): 60 s, then fail."""

    def timeout(signum: int, frame: object) -> None:
        raise TimeoutError("vjp check did not finish within 60 s")

    old = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(60)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


# ---- smooth random functions: everything agrees ---------------------------------------------

LEAVES = st.sampled_from(["x0", "x1", "x2", "0.5", "2", "1.5"])
SMOOTH = ["sin", "cos", "tanh", "sigmoid", "atan", "exp", "softplus"]


def _extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds(lambda op, a, b: f"({a}) {op} ({b})", st.sampled_from("+-*"), children, children),
        st.builds(lambda f, a: f"{f}({a})", st.sampled_from(SMOOTH), children),
        st.builds(lambda a: f"({a})**2", children),
        st.builds(lambda a, b: f"({a})/(2 + cos({b}))", children, children),
    )


EXPR = st.recursive(LEAVES, _extend, max_leaves=5)
COORD = st.floats(-1.5, 1.5, allow_nan=False, allow_infinity=False)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(EXPR, min_size=1, max_size=3), st.lists(COORD, min_size=3, max_size=3))
def test_smooth_random_functions_match_three_ways(comps: list[str], point: list[float]) -> None:
    text = "; ".join(comps) + " + 0*x0 + 0*x1 + 0*x2"
    p = make(text, ",".join(repr(v) for v in point))
    ref = reference_jacobian(p)
    if not torch.isfinite(ref).all() or float(ref.abs().max()) > 1e4:
        return  # not a fair finite-difference problem; nothing to compare
    result = engines.check(p)
    assert result.differences == [], (text, point, result.differences)
    assert result.match is True, (text, point, result.notes)
    assert result.symbolic_jacobian is not None and result.finite_differences is not None
    tol = dict(rtol=1e-9, atol=1e-9)
    assert torch.allclose(torch.tensor(result.jacobian, dtype=torch.float64), ref, rtol=1e-12, atol=1e-12)
    assert torch.allclose(torch.tensor(result.symbolic_jacobian, dtype=torch.float64), ref, **tol)
    assert torch.allclose(torch.tensor(result.finite_differences, dtype=torch.float64), ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    ("text", "at"),
    [
        (SEED, "2,3"),
        ("x*w + sin(x)", "x=[1,2,3], w=[0.5,-1,2]"),
        ("A @ x", "A=[[1,2],[3,4]], x=[5,6]"),
        ("softmax(x)*w; logsumexp(x)", "x=[0.1,-0.4,0.3], w=[1,2,3]"),
        ("norm(x)*prod(x); mean(A, 0)", "x=[1,-2], A=[[1,2],[3,4]]"),
        ("atan2(x0, x1); log(x0, 2); sqrt(x0)*x1", "0.5,2"),
    ],
)
def test_smooth_functions_match_through_the_cli(vjp, text: str, at: str) -> None:
    r = vjp("check", text, "--at", at, "--format", "json")
    assert r.code == 0, r
    data = r.json()
    ref = reference_jacobian(make(text, at))
    assert data["match"] is True and data["differences"] == []
    for key, tol in (("jacobian", 1e-12), ("symbolic_jacobian", 1e-9), ("finite_differences", 1e-5)):
        got = torch.tensor(data[key], dtype=torch.float64)
        assert got.shape == ref.shape, key
        assert torch.allclose(got, ref, rtol=tol, atol=tol), (key, data[key], ref)
    assert (data["atol"], data["rtol"], data["eps"]) == (1e-5, 1e-3, 1e-6)
    table = vjp("check", text, "--at", at, "--format", "table")
    assert table.code == 0 and "PASS" in table.stdout
    assert "entries that differ" not in table.stdout


def test_options_are_echoed_and_used(vjp) -> None:
    options = ["--eps", "1e-3", "--atol", "1e-4", "--rtol", "1e-2", "--format", "json"]
    data = vjp("check", "sin(x0)*x1", "--at", "0.3,0.7", *options).json()
    assert (data["atol"], data["rtol"], data["eps"]) == (1e-4, 1e-2, 1e-3)
    # a central difference with eps = 1e-3 is off by about eps²/6 * f''': visible, but within tolerance
    fd = data["finite_differences"][0][0]
    exact = math.cos(0.3) * 0.7
    assert fd != exact and abs(fd - exact) < 1e-6
    assert math.isclose(fd, (math.sin(0.301) - math.sin(0.299)) * 0.7 / 2e-3, rel_tol=1e-9)


# ---- a comparison that must fail ----------------------------------------------------------------


def test_float32_against_float64_with_tiny_tolerance_fails(vjp) -> None:
    text, at = "sin(x0)*x1; exp(x1)*x0", "0.3,0.7"
    r = vjp("check", text, "--at", at, "--dtype", "float32", "--atol", "1e-12", "--rtol", "1e-12", "--format", "json")
    assert r.code == 1, r
    data = json.loads(r.stdout)
    assert data["match"] is False and data["dtype"] == "float32"
    diffs = data["differences"]
    assert diffs, data
    auto, exact = data["jacobian"], data["symbolic_jacobian"]
    # independently: which entries does float32 round away from float64 by more than the tolerance?
    p64 = reference_jacobian(make(text, at, "float64"))
    gaps = {
        (data["rows"][i], data["columns"][j])
        for i in range(2)
        for j in range(2)
        if abs(auto[i][j] - float(p64[i, j])) > 1e-12 + 1e-12 * abs(float(p64[i, j]))
    }
    assert {(d["row"], d["column"]) for d in diffs} == gaps
    for d in diffs:
        assert d["row"] in data["rows"] and d["column"] in data["columns"]
        i, j = data["rows"].index(d["row"]), data["columns"].index(d["column"])
        assert d["autograd"] == auto[i][j] and d["symbolic"] == exact[i][j]
        assert d["finite_difference"] == data["finite_differences"][i][j]
        assert d["at_kink"] is False
    table = vjp(
        "check", text, "--at", at, "--dtype", "float32", "--atol", "1e-12", "--rtol", "1e-12", "--format", "table"
    )
    assert table.code == 1
    assert "entries that differ" in table.stdout and "FAIL" in table.stdout
    assert "y0" in table.stdout and "x0" in table.stdout


def test_same_function_float64_default_tolerance_passes(vjp) -> None:
    r = vjp("check", "sin(x0)*x1; exp(x1)*x0", "--at", "0.3,0.7", "--format", "json")
    assert r.code == 0 and r.json()["differences"] == []


# ---- kinks ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "at", "named"),
    [
        ("abs(x0)", "0", ["abs(x0) is not differentiable at this point: its argument is 0"]),
        ("relu(x1)*2 + x0", "1,0", ["relu(x1) is not differentiable"]),
        ("max(x0, x1)", "1.5,1.5", ["max(x0, x1) is not differentiable", "tie"]),
        ("min(x0, x1, 2)", "2,3", ["min(x0, x1, 2) is not differentiable", "tie"]),
        ("abs(x0) + relu(x1); max(x0, x1)", "0,0", ["abs(x0)", "relu(x1)", "max(x0, x1)"]),
        ("max(x)", "x=[1,3,3]", ["max(x) is not differentiable", "tie"]),
    ],
)
def test_kinks_are_named_and_do_not_fail(vjp, text: str, at: str, named: list[str]) -> None:
    r = vjp("check", text, "--at", at, "--format", "json")
    assert r.code == 0, r
    data = r.json()
    assert data["match"] is True
    notes = "\n".join(data["notes"])
    for fragment in named:
        assert fragment in notes, (fragment, notes)
        assert fragment in r.stderr
    assert "does not fail the check" in notes
    assert all(d["at_kink"] is True for d in data["differences"])


def test_kink_differences_are_listed_in_the_table(vjp) -> None:
    r = vjp("check", "abs(x0) + relu(x1); max(x0, x1)", "--at", "0,0", "--format", "table")
    assert r.code == 0, r
    assert "entries that differ" in r.stdout and "kink" in r.stdout and "PASS" in r.stdout


def test_abs_at_zero_differs_from_finite_differences(vjp) -> None:
    data = vjp("check", "abs(x0)", "--at", "0", "--format", "json").json()
    # torch: d|x|/dx at 0 is 0; the central difference (|eps| - |-eps|)/2eps is 0 as well
    assert data["jacobian"] == [[0.0]]
    rel = vjp("check", "relu(x0)", "--at", "0", "--format", "json").json()
    assert rel["jacobian"] == [[0.0]] and rel["finite_differences"] == [[0.5]]
    assert rel["differences"] == [
        {"row": "y0", "column": "x0", "autograd": 0.0, "symbolic": 0.0, "finite_difference": 0.5, "at_kink": True}
    ]


def test_no_kink_note_away_from_the_kink(vjp) -> None:
    r = vjp("check", "abs(x0) + relu(x1); max(x0, x1)", "--at", "0.5,-0.3", "--format", "json")
    data = r.json()
    assert data["notes"] == [] and data["differences"] == [] and "not differentiable" not in r.stderr


def test_a_kink_does_not_hide_a_real_failure_elsewhere(vjp) -> None:
    r = vjp(
        "check", "abs(x0); sin(x1)*exp(x0)", "--at", "0,0.7",
        "--dtype", "float32", "--atol", "1e-12", "--rtol", "1e-12", "--format", "json",
    )  # fmt: skip
    data = json.loads(r.stdout)
    assert r.code == 1 and data["match"] is False
    assert any(d["row"] == "y1" and d["at_kink"] is False for d in data["differences"])


# ---- references too big to compute --------------------------------------------------------


def test_huge_problem_skips_sympy_and_finite_differences_with_notes(vjp, alarm) -> None:
    r = vjp("check", "sum(A@x)", "--at", "A=ones(300,300), x=ones(300)", "--format", "json")
    assert r.code == 0, r
    data = r.json()
    notes = "\n".join(data["notes"])
    assert "SymPy reference was skipped" in notes and "finite differences were skipped" in notes
    assert "skipped" in r.stderr
    assert data["symbolic_jacobian"] is None and data["finite_differences"] is None
    jac = data["jacobian"]
    assert len(jac) == 1 and len(jac[0]) == 300 * 300 + 300
    # d sum(A@x)/dA[i,j] = x[j] = 1 and d/dx[j] = sum_i A[i,j] = 300
    assert set(jac[0][: 300 * 300]) == {1.0} and set(jac[0][300 * 300 :]) == {300.0}
    assert data["match"] is True


def test_sympy_skipped_but_finite_differences_still_compared(vjp, alarm) -> None:
    r = vjp("check", "sum(A@x)", "--at", "A=ones(80,80), x=ones(80)", "--format", "json")
    assert r.code == 0, r
    data = r.json()
    assert any("SymPy reference was skipped" in n for n in data["notes"])
    assert data["symbolic_jacobian"] is None
    fd = torch.tensor(data["finite_differences"], dtype=torch.float64)
    auto = torch.tensor(data["jacobian"], dtype=torch.float64)
    assert fd.shape == auto.shape == (1, 80 * 80 + 80)
    assert torch.allclose(fd, auto, rtol=1e-6, atol=1e-6)
    assert data["match"] is True and data["differences"] == []


# ---- many points ----------------------------------------------------------------------------


def _same(a: object, b: object, path: str = "") -> None:
    if isinstance(a, float) or isinstance(b, float):
        fa, fb = float(a), float(b)  # type: ignore[arg-type]
        assert fa == fb or math.isclose(fa, fb, rel_tol=1e-9, abs_tol=1e-12), (path, a, b)
    elif isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), (path, sorted(a), sorted(b))
        for k in a:
            _same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), (path, a, b)
        for k, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{path}[{k}]")
    else:
        assert a == b, (path, a, b)


@pytest.mark.parametrize(
    ("text", "points"),
    [
        ("abs(x0) + relu(x1); max(x0, x1)*x0**2", ["2,3", "0,0", "-1.5,0.25", "0.5,0.5"]),
        ("x*w + sin(x)", ["x=[1,2], w=[3,4]", "x=[0,0], w=[1,-1]"]),
    ],
)
def test_streamed_check_equals_single_point_check(vjp, text: str, points: list[str]) -> None:
    streamed = vjp("check", text, "--at", "-", "--format", "json", input="\n".join(points) + "\n")
    assert streamed.code == 0, streamed
    lines = [json.loads(line) for line in streamed.stdout.splitlines() if line.strip()]
    assert len(lines) == len(points)
    for line, point in zip(lines, points):
        single = vjp("check", text, "--at", point, "--format", "json").json()
        _same(line, single)


def test_streamed_check_fails_if_any_point_fails(vjp) -> None:
    r = vjp(
        "check", "sin(x0)*x1", "--at", "-", "--dtype", "float32", "--atol", "1e-12", "--rtol", "1e-12",
        "--format", "json", input="0,0\n0.3,0.7\n",
    )  # fmt: skip
    assert r.code == 1, r
    lines = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    assert [d["match"] for d in lines] == [True, False]
