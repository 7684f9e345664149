"""symbolic: the SymPy reference the check compares with. Exact Jacobians as text, element symbols
for tensor variables, numbers out through the Evaluator (inf/nan, never an exception), agreement
with torch at random points, and symmetric Hessians."""

from __future__ import annotations

import math

import pytest
import sympy
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from autograd_cli import engines, parsing, points, problem, symbolic, symeval
from autograd_cli.build import Built


def make(text: str, at: str | None = None, names: list[str] | None = None) -> problem.Problem:
    function = parsing.parse(text, names)
    return problem.make_problem(function, points.parse_point(at) if at else None)


def jacobian_text(text: str, at: str | None = None) -> list[list[str]]:
    rows, _ = symbolic.jacobian(make(text, at))
    return [[symbolic.text(e) for e in row] for row in rows]


def exact_jacobian(p: problem.Problem) -> torch.Tensor:
    rows, xs = symbolic.jacobian(p)
    assert p.point is not None
    return torch.tensor([symeval.evaluate(row, xs, p.point) for row in rows], dtype=torch.float64)


# ---- exact Jacobians as SymPy prints them ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("x0**2", [["2*x0"]]),
        ("x0**2+3*x1; x1**2+2*x0", [["2*x0", "3"], ["2", "2*x1"]]),
        ("sin(x0)*x1", [["x1*cos(x0)", "sin(x0)"]]),
        ("exp(2*x0)", [["2*exp(2*x0)"]]),
        ("log(r)", [["1/r"]]),
        ("r*cos(t); r*sin(t)", [["cos(t)", "-r*sin(t)"], ["sin(t)", "r*cos(t)"]]),
        ("x0^3 - x0", [["3*x0**2 - 1"]]),
        ("5", [[]]),
    ],
)
def test_symbolic_jacobian_strings(text: str, want: list[list[str]]) -> None:
    assert jacobian_text(text) == want


def test_symbolic_jacobian_of_ml_functions() -> None:
    assert jacobian_text("sigmoid(x0)") == [["(1 - sigmoid(x0))*sigmoid(x0)"]]
    assert jacobian_text("softplus(x0)") == [["sigmoid(x0)"]]
    assert jacobian_text("relu(x0)") == [["Heaviside(x0, 0)"]]  # 0 at 0, as torch
    assert jacobian_text("abs(x0)") == [["sign(x0)"]]


def test_variables_are_real_symbols_in_input_order() -> None:
    rows, xs = symbolic.jacobian(make("b*a + c", names=["c", "a", "b"]))
    assert [str(x) for x in xs] == ["c", "a", "b"]
    assert all(x.is_real for x in xs)
    assert [symbolic.text(e) for e in rows[0]] == ["1", "b", "a"]


# ---- tensor variables expand to element symbols -----------------------------------------------


def test_tensor_variables_expand_to_element_symbols() -> None:
    p = make("x*y", "x=[0,2,8], y=[5,1,7]")
    env, flat = symbolic.symbols(p)
    assert [str(s) for s in flat] == ["x[0]", "x[1]", "x[2]", "y[0]", "y[1]", "y[2]"] == p.columns
    assert env["x"].shape == (3,)
    assert jacobian_text("x*y", "x=[0,2,8], y=[5,1,7]") == [
        ["y[0]", "0", "0", "x[0]", "0", "0"],
        ["0", "y[1]", "0", "0", "x[1]", "0"],
        ["0", "0", "y[2]", "0", "0", "x[2]"],
    ]


def test_matrix_variables_use_two_indices() -> None:
    p = make("A @ x", "A=[[1,2],[3,4]], x=[1,1]")
    ys, xs = symbolic.outputs(p)
    assert [str(x) for x in xs] == ["A[0,0]", "A[0,1]", "A[1,0]", "A[1,1]", "x[0]", "x[1]"]
    assert [symbolic.text(y) for y in ys] == ["A[0,0]*x[0] + A[0,1]*x[1]", "A[1,0]*x[0] + A[1,1]*x[1]"]
    assert jacobian_text("A @ x", "A=[[1,2],[3,4]], x=[1,1]") == [
        ["x[0]", "x[1]", "0", "0", "A[0,0]", "A[0,1]"],
        ["0", "0", "x[0]", "x[1]", "A[1,0]", "A[1,1]"],
    ]


def test_seed_mean_symbolically() -> None:
    rows = jacobian_text("mean((x+2)*(x+2)*3)", "x=ones(2,2)")
    assert rows == [["3*x[0,0]/2 + 3", "3*x[0,1]/2 + 3", "3*x[1,0]/2 + 3", "3*x[1,1]/2 + 3"]]
    assert exact_jacobian(make("mean((x+2)*(x+2)*3)", "x=ones(2,2)")).tolist() == [[4.5, 4.5, 4.5, 4.5]]


def test_seed_two_dot_symbolically() -> None:
    assert jacobian_text("2*dot(x,x)", "x=arange(4)") == [["4*x[0]", "4*x[1]", "4*x[2]", "4*x[3]"]]
    grad, xs = symbolic.gradient_of_sum(make("2*dot(x,x)", "x=arange(4)"))
    assert symeval.evaluate(grad, xs, [0, 1, 2, 3]) == [0.0, 4.0, 8.0, 12.0]


# A point for every variable the tensor cases use (no ties, so max/min are differentiable).
TENSOR_AT = {
    "x": "[0.5, -1.2, 0.8]",
    "y": "[1.1, 0.4, -2.0]",
    "A": "[[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]",
    "T": "[[[0.1, 0.2, 0.3], [-0.4, 0.5, 0.6]], [[0.7, -0.8, 0.9], [1.0, 1.1, -1.2]]]",
    "U": "[[[0.3, -0.1], [0.2, 0.4], [-0.5, 0.6]], [[0.7, 0.8], [-0.9, 1.0], [1.1, -1.2]]]",
}

TENSOR_CASES = [
    "softmax(x)",
    "softmax(A, dim=0)",
    "softmax(A)",
    "A @ x",
    "x @ y",
    "T @ U",
    "T @ x",
    "norm(x)",
    "norm(A, dim=1)",
    "logsumexp(x)",
    "logsumexp(A, dim=0)",
    "prod(x)",
    "prod(A, dim=1)",
    "max(A, dim=0)",
    "min(x)",
    "sum(A, 1)",
    "mean(A, dim=0)",
    "dot(x, y)",
    "x[1:]*x[0]",
    "A[:, ::2] * 2",
    "T[1, :, 0]",
    "A*x + y",
    "sigmoid(x) * softplus(y); relu(A)",
    "max(x, y); min(A, 0.2)",
    "atan2(x, y) + log(x*x, 3)",
]


@pytest.mark.parametrize("text", TENSOR_CASES)
def test_tensor_jacobian_evaluates_to_torch(text: str) -> None:
    function = parsing.parse(text)
    at = ", ".join(f"{n}={TENSOR_AT[n]}" for n in function.names)
    p = make(text, at)
    _, jac, _ = engines.compute_jacobian(p, "rows")
    exact = exact_jacobian(p)
    assert exact.shape == (p.m, p.n)
    torch.testing.assert_close(exact, jac)
    ys, xs = symbolic.outputs(p)
    torch.testing.assert_close(
        torch.tensor(symeval.evaluate(ys, xs, p.point), dtype=torch.float64),
        Built(p).of_leaves(*Built(p).leaves(requires_grad=False)).reshape(-1),
    )


# ---- the Evaluator: inf and nan, never an exception -----------------------------------------

Z = sympy.Symbol("z", real=True)


@pytest.mark.parametrize(
    ("expr", "at", "want"),
    [
        (1 / Z, 0.0, math.inf),
        (-1 / Z, 0.0, -math.inf),
        (Z**-2, 0.0, math.inf),
        (sympy.log(Z), 0.0, -math.inf),
        (sympy.log(Z), -1.0, math.nan),
        (sympy.sqrt(Z), -1.0, math.nan),
        (1 / sympy.sqrt(Z), 0.0, math.inf),
        (sympy.atanh(Z), 1.0, math.inf),
        (sympy.exp(Z), 1000.0, math.inf),
        (sympy.oo * Z, 1.0, math.inf),
        (Z + sympy.nan, 1.0, math.nan),
        (sympy.Integer(1) / 2 + Z, 1.0, 1.5),
    ],
)
def test_evaluator_gives_inf_and_nan_at_symbols(expr: sympy.Expr, at: float, want: float) -> None:
    (got,) = symeval.evaluate([expr], [Z], [at])
    assert got == want or (math.isnan(want) and math.isnan(got)), f"{expr} at {at}: {got}"


@pytest.mark.parametrize(
    "expr",
    [
        sympy.Integer(1) / 0,  # zoo
        sympy.log(0),  # zoo
        sympy.log(-1),  # I*pi
        sympy.sqrt(-1),  # I
        Z / 0,  # zoo*z
        sympy.log(0) * Z,
    ],
    ids=["1/0", "log(0)", "log(-1)", "sqrt(-1)", "z/0", "z*log(0)"],
)
def test_evaluator_gives_non_finite_numbers_for_constant_poles(expr: sympy.Expr) -> None:
    """SymPy folds 1/0 and log(0) to complex infinity (zoo): that is a number too, not a crash."""
    (got,) = symeval.evaluate([expr], [Z], [1.0])
    assert not math.isfinite(got)


def test_evaluator_on_a_batch_of_points() -> None:
    ev = symeval.Evaluator({Z: torch.tensor([0.0, 1.0, 2.0, -1.0], dtype=torch.float64)})
    assert ev(1 / Z).tolist()[:3] == [math.inf, 1.0, 0.5]
    got = ev(sympy.log(Z)).tolist()
    assert got[:3] == [-math.inf, 0.0, math.log(2)] and math.isnan(got[3])


@pytest.mark.parametrize(
    "text", ["max(x0, softplus(2))", "min(x0, relu(2))", "max(x0, softplus(1), 0)", "max(x0, log(0))", "min(x0, 1/0)"]
)
def test_symbolic_max_min_of_constants_sympy_cannot_compare(text: str) -> None:
    """SymPy's Max/Min raise ValueError ("not comparable") for softplus(2), relu(2) or zoo arguments."""
    p = make(text, "1")
    rows, xs = symbolic.jacobian(p)  # no exception
    (got,) = symeval.evaluate(rows[0], xs, [1.0])
    _, jac, _ = engines.compute_jacobian(p, "rows")
    assert got == jac.item(), text


def test_symbolic_max_of_a_complex_constant_does_not_raise() -> None:
    p = make("max(x0, sqrt(-2))", "1")
    rows, xs = symbolic.jacobian(p)
    symeval.evaluate(rows[0], xs, [1.0])


# ---- agreement with torch at random points (text-only expressions through the parser) ---------

NAMES = ["x0", "x1", "x2"]
FUNCS = [
    "sin",
    "cos",
    "tan",
    "exp",
    "log",
    "log2",
    "log10",
    "sqrt",
    "tanh",
    "sinh",
    "cosh",
    "atan",
    "asinh",
    "erf",
    "sigmoid",
    "softplus",
    "relu",
    "abs",
]

TEXT_LEAVES = st.sampled_from([*NAMES, "2", "0.5", "3", "pi", "E"])


def _text_extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds(lambda a, op, b: f"({a}) {op} ({b})", children, st.sampled_from(["+", "-", "*", "/"]), children),
        st.builds(lambda a, k: f"({a})**{k}", children, st.sampled_from(["2", "3", "-1", "0.5", "x1"])),
        st.builds(lambda f, a: f"{f}({a})", st.sampled_from(FUNCS), children),
        st.builds(lambda a, b: f"atan2({a}, {b})", children, children),
        st.builds(lambda a, b: f"log({a}, {b})", children, children),
        st.builds(lambda a: f"-({a})", children),
    )


TEXT_EXPR = st.recursive(TEXT_LEAVES, _text_extend, max_leaves=6)
POINT = st.lists(st.floats(-2, 2, allow_nan=False), min_size=3, max_size=3).map(
    lambda xs: [x + 0.0173 * math.sqrt(5) * (i + 1) for i, x in enumerate(xs)]
)


def props(n: int) -> settings:
    return settings(
        max_examples=n, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
    )


def _problem(components: list[str], point: list[float]) -> problem.Problem:
    return make("; ".join(components), ",".join(repr(v) for v in point), names=NAMES)


@props(80)
@given(st.lists(TEXT_EXPR, min_size=1, max_size=3), POINT)
def test_symbolic_agrees_with_torch_at_random_points(components: list[str], point: list[float]) -> None:
    p = _problem(components, point)
    y, jac, _ = engines.compute_jacobian(p, "rows")
    assume(bool(torch.isfinite(y).all() and torch.isfinite(jac).all()))
    assume(float(jac.abs().max()) < 1e6 and float(y.abs().max()) < 1e8)
    ys, xs = symbolic.outputs(p)
    # a constant pole (log(2, log(2, 2)) is log(2)/0) is SymPy's unsigned zoo: its own tests cover that
    assume(not any(y.has(sympy.zoo, sympy.nan) for y in ys))
    values = torch.tensor(symeval.evaluate(ys, xs, point), dtype=torch.float64)
    # atan2 on its branch cut: SymPy folds tan(pi) to an exact 0 (atan2(0, -x) = pi), torch's
    # float tan(pi) is -1.2e-16 (atan2 = -pi); both are right, so such draws are not compared
    on_cut = any("atan2(" in c for c in components) and not torch.allclose(values, y.reshape(-1), rtol=1e-7, atol=1e-9)
    assume(not on_cut)
    torch.testing.assert_close(values, y.reshape(-1), rtol=1e-7, atol=1e-9)
    exact = exact_jacobian(p)
    scale = 1 + float(jac.abs().max())
    torch.testing.assert_close(exact, jac, rtol=1e-6, atol=1e-9 * scale)
    grad, gxs = symbolic.gradient_of_sum(p)
    assert gxs == xs
    torch.testing.assert_close(
        torch.tensor(symeval.evaluate(grad, gxs, point), dtype=torch.float64),
        jac.sum(dim=0),
        rtol=1e-6,
        atol=1e-9 * scale,
    )


# ---- Hessians ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["x0**2*x1 + sin(x0*x1)", "exp(x0)*log(x1); x0/x1", "sigmoid(x0*x1) + softplus(x1)", "atan2(x0, x1)"]
)
def test_hessians_are_symmetric_exactly(text: str) -> None:
    hessians, xs = symbolic.hessians(make(text))
    assert len(hessians) == len(parsing.parse(text).components)
    for h in hessians:
        assert len(h) == len(xs) and all(len(row) == len(xs) for row in h)
        for i in range(len(xs)):
            for j in range(i):
                assert sympy.simplify(h[i][j] - h[j][i]) == 0, f"{text}: H[{i}][{j}] != H[{j}][{i}]"


def test_hessian_of_a_tensor_function() -> None:
    p = make("dot(x, x) * 2", "x=[1,2,3]")
    (h,), _ = symbolic.hessians(p)
    assert [[symbolic.text(e) for e in row] for row in h] == [["4", "0", "0"], ["0", "4", "0"], ["0", "0", "4"]]


@props(30)
@given(TEXT_EXPR, POINT)
def test_hessians_are_symmetric_and_match_torch(text: str, point: list[float]) -> None:
    assume("relu" not in text and "abs" not in text)  # piecewise: second derivatives are distributions
    p = _problem([text], point)
    built = Built(p)
    x = torch.tensor(point, dtype=torch.float64)
    want = torch.autograd.functional.hessian(lambda v: built.of_leaves(v), x)
    assume(bool(torch.isfinite(want).all()) and float(want.abs().max()) < 1e6)
    assume(bool(torch.isfinite(built.of_leaves(x))))
    (h,), xs = symbolic.hessians(p)
    assume(not any(e.has(sympy.zoo, sympy.nan) for row in h for e in row))
    got = torch.tensor([symeval.evaluate(row, xs, point) for row in h], dtype=torch.float64)
    torch.testing.assert_close(got, got.T, rtol=1e-9, atol=1e-12 * (1 + float(got.abs().max())))
    torch.testing.assert_close(got, want, rtol=1e-6, atol=1e-9 * (1 + float(want.abs().max())))


def test_abs_of_a_two_argument_log_evaluates_arg() -> None:
    # d|f|/dx brings SymPy's arg(f) in: CI's hypothesis run found abs(log(x0, x1)) had no rule
    point = [0.038683976010746364, 0.07736795202149273, 0.1160519280322391]
    p = _problem(["abs(log(x0, x1))"], point)
    _, jac, _ = engines.compute_jacobian(p, "rows")
    rows, xs = symbolic.jacobian(p)
    values = torch.tensor(symeval.evaluate([d for row in rows for d in row], xs, point), dtype=torch.float64)
    torch.testing.assert_close(values, jac.reshape(-1), rtol=1e-7, atol=1e-9)
