"""engines against independent references: SymPy's exact derivatives (computed here, not through
autograd_cli.symbolic), torch.autograd.functional.jacobian, and the seed documents' numbers.

Random expressions come from hypothesis strategies that build the text and the SymPy expression
side by side, so the reference never goes through the package's parser or SymPy translation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pytest
import sympy
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from autograd_cli import engines, parsing, points, problem
from autograd_cli.build import Built
from autograd_cli.errors import InputError, VjpError

METHODS = ("rows", "batched", "forward", "auto")


def examples(n: int) -> settings:
    """hypothesis settings: no deadline (torch and SymPy are slow to warm up), n examples."""
    return settings(
        max_examples=n, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
    )


def make(text: str, at: str | None = None, dtype: str = "float64", names: list[str] | None = None) -> problem.Problem:
    function = parsing.parse(text, names)
    return problem.make_problem(function, points.parse_point(at) if at else None, dtype)


def functional_jacobian(p: problem.Problem) -> torch.Tensor:
    """torch.autograd.functional.jacobian of the same built function, as an (m, n) matrix."""
    built = Built(p)
    leaves = tuple(built.leaves(requires_grad=False))
    parts = torch.autograd.functional.jacobian(built.of_leaves, leaves)
    return torch.cat([part.reshape(p.m, -1) for part in parts], dim=1)


# ---- numbers out of SymPy, independently of autograd_cli.symbolic ------------------------


def _heaviside(v: float, at_zero: float = 0.5) -> float:
    return 1.0 if v > 0 else 0.0 if v < 0 else at_zero


def _sign(v: float) -> float:
    return 1.0 if v > 0 else -1.0 if v < 0 else 0.0


_NUMERIC = [{"Heaviside": _heaviside, "sign": _sign}, "math"]


def sympy_numbers(exprs: Sequence[sympy.Expr], symbols: Sequence[sympy.Symbol], point: Sequence[float]) -> list | None:
    """float values of ``exprs`` at the point, or None where the comparison would say nothing.

    None where a value is undefined, complex, not finite or larger than 1e6, and where the problem
    is ill-conditioned: a function applied to an argument larger than 1e3 (sin(exp(2*exp(3))) has
    no correct float64 value that two implementations could agree on).
    These are trusted, test-built expressions: lambdify is fine here (the package must never use it
    on user text).
    """
    arguments = {a for e in exprs for f in e.atoms(sympy.Function, sympy.Pow) for a in f.args if not a.is_Number}
    everything = [*exprs, *arguments]
    try:
        # building the function may re-evaluate an unevaluated Max(x, zoo), which SymPy refuses
        fn = sympy.lambdify(list(symbols), everything, modules=_NUMERIC, dummify=True)
        values = fn(*point)
    except (ValueError, OverflowError, ZeroDivisionError, TypeError):
        return None
    out = []
    for k, v in enumerate(values):
        if isinstance(v, complex) or not math.isfinite(v) or abs(v) > (1e6 if k < len(exprs) else 1e3):
            return None
        out.append(float(v))
    return out[: len(exprs)]


# ---- random scalar expressions: (text, SymPy) built side by side ---------------------------

X = [sympy.Symbol(f"x{i}", real=True) for i in range(4)]
NAMES = [f"x{i}" for i in range(4)]


def _sigmoid(a: sympy.Expr) -> sympy.Expr:
    return 1 / (1 + sympy.exp(-a))


def _softplus(a: sympy.Expr) -> sympy.Expr:
    return sympy.log(1 + sympy.exp(a))


UNARY: list[tuple[str, Callable[[sympy.Expr], sympy.Expr]]] = [
    ("sin", sympy.sin),
    ("cos", sympy.cos),
    ("exp", sympy.exp),
    ("log", sympy.log),
    ("sqrt", sympy.sqrt),
    ("tanh", sympy.tanh),
    ("sigmoid", _sigmoid),
    ("softplus", _softplus),
    ("atan", sympy.atan),
    ("sinh", sympy.sinh),
    ("cosh", sympy.cosh),
    ("asinh", sympy.asinh),
    ("abs", sympy.Abs),
    ("erf", sympy.erf),
]

LEAVES = st.one_of(
    st.sampled_from([(n, s) for n, s in zip(NAMES, X)]),
    st.sampled_from(
        [
            ("2", sympy.Integer(2)),
            ("3", sympy.Integer(3)),
            ("0.5", sympy.Rational(1, 2)),
            ("1.5", sympy.Rational(3, 2)),
            ("pi", sympy.pi),
        ]
    ),
)

Pair = tuple[str, sympy.Expr]


def _binary(op: str, a: Pair, b: Pair) -> Pair:
    sym = {"+": a[1] + b[1], "-": a[1] - b[1], "*": a[1] * b[1], "/": a[1] / b[1]}[op]
    return f"({a[0]}) {op} ({b[0]})", sym


def _power(a: Pair, k: tuple[str, sympy.Expr], caret: bool) -> Pair:
    return f"({a[0]}){'^' if caret else '**'}{k[0]}", a[1] ** k[1]


EXPONENTS = [
    ("2", sympy.Integer(2)),
    ("3", sympy.Integer(3)),
    ("-1", sympy.Integer(-1)),
    ("-2", sympy.Integer(-2)),
    ("0.5", sympy.Rational(1, 2)),
    ("1.5", sympy.Rational(3, 2)),
]


def _extend(children: st.SearchStrategy[Pair]) -> st.SearchStrategy[Pair]:
    return st.one_of(
        st.builds(_binary, st.sampled_from("+-*/"), children, children),
        st.builds(_power, children, st.sampled_from(EXPONENTS), st.booleans()),
        # a variable exponent on a positive base
        st.builds(lambda a, b: (f"exp({a[0]})**({b[0]})", sympy.exp(a[1]) ** b[1]), children, children),
        st.builds(lambda f, a: (f"{f[0]}({a[0]})", f[1](a[1])), st.sampled_from(UNARY), children),
        st.builds(lambda a: (f"-({a[0]})", -a[1]), children),
        # unevaluated: SymPy refuses to build Max/Min of constants it cannot compare (sqrt(-2), zoo)
        st.builds(lambda a, b: (f"max({a[0]}, {b[0]})", sympy.Max(a[1], b[1], evaluate=False)), children, children),
        st.builds(lambda a, b: (f"min({a[0]}, {b[0]})", sympy.Min(a[1], b[1], evaluate=False)), children, children),
    )


SCALAR_EXPR = st.recursive(LEAVES, _extend, max_leaves=7)

# Points: hypothesis likes 0, 1 and equal coordinates; a fixed irrational offset per variable
# moves them off the places where a function is not differentiable (|x| at 0, max at a tie).
OFFSETS = [0.0123 * math.sqrt(2) * (i + 1) for i in range(4)]
COORD = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)
SCALAR_POINT = st.lists(COORD, min_size=4, max_size=4).map(lambda xs: [x + o for x, o in zip(xs, OFFSETS)])


@dataclass
class Case:
    """A function with its exact (SymPy) value and Jacobian at a point where both are finite."""

    text: str
    problem: problem.Problem
    value: list[float]
    jacobian: list[list[float]]


def _point_text(values: Sequence[float]) -> str:
    return ",".join(repr(float(v)) for v in values)


def scalar_case(components: list[Pair], point: list[float]) -> Case | None:
    """The case, or None where the exact values are undefined or too large to compare well."""
    ys = [c[1] for c in components]
    try:
        jac = sympy.Matrix(ys).jacobian(X)
    except ValueError:  # e.g. Heaviside of a complex constant, from max(x0, sqrt(-2))
        return None
    numbers = sympy_numbers([*ys, *jac], X, point)
    if numbers is None:
        return None
    m = len(ys)
    text = "; ".join(c[0] for c in components)
    p = make(text, _point_text(point), names=NAMES)
    value, flat = numbers[:m], numbers[m:]
    return Case(text, p, value, [flat[i * 4 : (i + 1) * 4] for i in range(m)])


SCALAR_CASE = st.builds(scalar_case, st.lists(SCALAR_EXPR, min_size=1, max_size=3), SCALAR_POINT)


def close(got: torch.Tensor, want: torch.Tensor | list, what: str, rtol: float = 1e-6) -> None:
    want_t = torch.as_tensor(want, dtype=torch.float64).reshape(got.shape)
    scale = 1.0 + float(want_t.abs().max()) if want_t.numel() else 1.0
    torch.testing.assert_close(got.double(), want_t, rtol=rtol, atol=1e-9 * scale, msg=lambda m: f"{what}: {m}")


@examples(100)
@given(SCALAR_CASE)
def test_scalar_expressions_match_sympy_and_torch_functional(case: Case | None) -> None:
    assume(case is not None)
    assert case is not None
    p = case.problem
    y_ref = torch.tensor(case.value, dtype=torch.float64)
    j_ref = torch.tensor(case.jacobian, dtype=torch.float64)
    assume(bool(torch.isfinite(functional_jacobian(p)).all()))  # overflow inside the graph: no comparison
    for method in METHODS:
        y, jac, ran = engines.compute_jacobian(p, method)
        assert ran in ("rows", "batched", "forward")
        assert jac.shape == (p.m, p.n) and jac.dtype == torch.float64
        close(y.reshape(-1), y_ref, f"y of {case.text} ({method})")
        close(jac, j_ref, f"J of {case.text} by {method} vs SymPy")
        close(jac, functional_jacobian(p), f"J of {case.text} by {method} vs torch.autograd.functional.jacobian")


# ---- random tensor expressions: x (3,), W (2, 3), s () --------------------------------------

XV = [sympy.Symbol(f"x[{i}]", real=True) for i in range(3)]
WM = [sympy.Symbol(f"W[{i},{j}]", real=True) for i in range(2) for j in range(3)]
S = sympy.Symbol("s", real=True)
TENSOR_NAMES = ["x", "W", "s"]
TENSOR_SYMBOLS = [*XV, *WM, S]


@dataclass(frozen=True)
class T:
    """A tensor expression: its text, shape and SymPy elements (row-major)."""

    text: str
    shape: tuple[int, ...]
    items: tuple[sympy.Expr, ...]


def _rows(t: T) -> list[tuple[sympy.Expr, ...]]:
    return [t.items[i * t.shape[1] : (i + 1) * t.shape[1]] for i in range(t.shape[0])]


def _ew(fn: tuple[str, Callable[[sympy.Expr], sympy.Expr]], a: T) -> T:
    return T(f"{fn[0]}({a.text})", a.shape, tuple(fn[1](e) for e in a.items))


def _same(op: str, a: T, b: T) -> T:
    f = {"+": lambda u, v: u + v, "-": lambda u, v: u - v, "*": lambda u, v: u * v}[op]
    return T(f"({a.text}) {op} ({b.text})", a.shape, tuple(f(u, v) for u, v in zip(a.items, b.items)))


def _by_scalar(op: str, a: T, c: T) -> T:
    (k,) = c.items
    f = {"+": lambda u: u + k, "*": lambda u: u * k, "/": lambda u: u / (1 + k**2)}[op]
    text = f"({a.text}) / (1 + ({c.text})**2)" if op == "/" else f"({a.text}) {op} ({c.text})"
    return T(text, a.shape, tuple(f(u) for u in a.items))


def _softmax(items: Sequence[sympy.Expr]) -> list[sympy.Expr]:
    exps = [sympy.exp(e) for e in items]
    return [e / sympy.Add(*exps) for e in exps]


def _reduce(name: str, items: Sequence[sympy.Expr]) -> sympy.Expr:
    return {
        "sum": lambda: sympy.Add(*items),
        "mean": lambda: sympy.Add(*items) / len(items),
        "prod": lambda: sympy.Mul(*items),
        "norm": lambda: sympy.sqrt(sympy.Add(*[e**2 for e in items])),
        "logsumexp": lambda: sympy.log(sympy.Add(*[sympy.exp(e) for e in items])),
        # unevaluated: SymPy's Max/Min compare their arguments symbolically, which is slow
        "max": lambda: sympy.Max(*items, evaluate=False),
        "min": lambda: sympy.Min(*items, evaluate=False),
    }[name]()


TENSOR_UNARY = [
    ("sin", sympy.sin),
    ("cos", sympy.cos),
    ("tanh", sympy.tanh),
    ("sigmoid", _sigmoid),
    ("softplus", _softplus),
    ("atan", sympy.atan),
]
REDUCE = ["sum", "mean", "prod", "norm", "logsumexp", "max", "min"]

X_T = T("x", (3,), tuple(XV))
W_T = T("W", (2, 3), tuple(WM))
S_T = T("s", (), (S,))


def _leaves() -> dict[str, st.SearchStrategy[T]]:
    return {
        "scalar": st.one_of(
            st.just(S_T),
            st.sampled_from([T(f"x[{i}]", (), (XV[i],)) for i in (0, 1, -1)]),
            st.sampled_from([T(f"W[{i},{j}]", (), (WM[i * 3 + j],)) for i in range(2) for j in range(3)]),
        ),
        "vec3": st.one_of(
            st.just(X_T), st.sampled_from([T(f"W[{i}]", (3,), tuple(WM[i * 3 : i * 3 + 3])) for i in (0, 1)])
        ),
        "vec2": st.sampled_from([T("x[1:]", (2,), tuple(XV[1:])), T("W[:, 2]", (2,), (WM[2], WM[5]))]),
        "mat": st.just(W_T),
    }


def _grow(c: dict[str, st.SearchStrategy[T]]) -> dict[str, st.SearchStrategy[T]]:
    """One level deeper: each kind built from the kinds one level below (so the depth is bounded)."""
    scalar, vec3, vec2, mat = c["scalar"], c["vec3"], c["vec2"], c["mat"]
    fn, reduce = st.sampled_from(TENSOR_UNARY), st.sampled_from(REDUCE)
    return {
        "scalar": st.one_of(
            scalar,
            st.builds(lambda r, a: T(f"{r}({a.text})", (), (_reduce(r, a.items),)), reduce, st.one_of(vec3, mat)),
            st.builds(
                lambda a, b: T(
                    f"dot({a.text}, {b.text})", (), (sympy.Add(*[u * v for u, v in zip(a.items, b.items)]),)
                ),
                vec3,
                vec3,
            ),
            st.builds(
                lambda a, b: T(
                    f"({a.text}) @ ({b.text})", (), (sympy.Add(*[u * v for u, v in zip(a.items, b.items)]),)
                ),
                vec2,
                vec2,
            ),
            st.builds(lambda a: T(f"({a.text})[1]", (), (a.items[1],)), vec3),
            st.builds(_ew, fn, scalar),
            st.builds(_same, st.sampled_from("+-*"), scalar, scalar),
        ),
        "vec3": st.one_of(
            vec3,
            st.builds(_ew, fn, vec3),
            st.builds(_same, st.sampled_from("+-*"), vec3, vec3),
            st.builds(_by_scalar, st.sampled_from(["+", "*", "/"]), vec3, scalar),
            st.builds(lambda a: T(f"softmax({a.text})", (3,), tuple(_softmax(a.items))), vec3),
            # (2,) @ (2, 3): a row vector times a matrix
            st.builds(
                lambda v, m: T(
                    f"({v.text}) @ ({m.text})",
                    (3,),
                    tuple(sympy.Add(*[v.items[i] * m.items[i * 3 + j] for i in range(2)]) for j in range(3)),
                ),
                vec2,
                mat,
            ),
            # broadcasting a (1,) slice against a (3,) vector
            st.builds(lambda a: T(f"({a.text})[-1:] * ({a.text})", (3,), tuple(a.items[2] * e for e in a.items)), vec3),
            st.builds(
                lambda r, m: T(f"{r}({m.text}, dim=0)", (3,), tuple(_reduce(r, col) for col in zip(*_rows(m)))),
                reduce,
                mat,
            ),
        ),
        "vec2": st.one_of(
            vec2,
            st.builds(
                lambda m, v: T(
                    f"({m.text}) @ ({v.text})",
                    (2,),
                    tuple(sympy.Add(*[a * b for a, b in zip(r, v.items)]) for r in _rows(m)),
                ),
                mat,
                vec3,
            ),
            st.builds(
                lambda r, m: T(f"{r}({m.text}, dim=1)", (2,), tuple(_reduce(r, row) for row in _rows(m))),
                reduce,
                mat,
            ),
            st.builds(lambda a: T(f"({a.text})[1:]", (2,), a.items[1:]), vec3),
            st.builds(lambda m: T(f"({m.text})[:, 2]", (2,), (m.items[2], m.items[5])), mat),
            st.builds(_ew, fn, vec2),
            st.builds(_same, st.sampled_from("+-*"), vec2, vec2),
            st.builds(_by_scalar, st.sampled_from(["+", "*"]), vec2, scalar),
        ),
        "mat": st.one_of(
            mat,
            st.builds(_ew, fn, mat),
            st.builds(_same, st.sampled_from("+-*"), mat, mat),
            st.builds(_by_scalar, st.sampled_from(["*", "/"]), mat, scalar),
            # (2, 3) * (3,): a row broadcast down the matrix
            st.builds(
                lambda m, v: T(
                    f"({m.text}) * ({v.text})", (2, 3), tuple(e * v.items[k % 3] for k, e in enumerate(m.items))
                ),
                mat,
                vec3,
            ),
            st.builds(lambda m: T(f"softmax({m.text})", (2, 3), tuple(e for r in _rows(m) for e in _softmax(r))), mat),
            st.builds(
                lambda m: T(
                    f"softmax({m.text}, dim=0)",
                    (2, 3),
                    tuple(_softmax([m.items[j], m.items[3 + j]])[i] for i in range(2) for j in range(3)),
                ),
                mat,
            ),
        ),
    }


def _tensor_grammar(depth: int) -> dict[str, st.SearchStrategy[T]]:
    """Scalars, vectors of 3 and of 2, and 2x3 matrices over x (3,), W (2, 3) and s, at most ``depth`` deep."""
    g = _leaves()
    for _ in range(depth):
        g = _grow(g)
    return g


TENSOR = _tensor_grammar(3)
ANY_TENSOR = st.one_of(TENSOR["scalar"], TENSOR["vec3"], TENSOR["vec2"], TENSOR["mat"])
TENSOR_POINT = st.lists(st.floats(-1.5, 1.5, allow_nan=False), min_size=10, max_size=10).map(
    lambda xs: [x + 0.0071 * math.sqrt(3) * (i + 1) for i, x in enumerate(xs)]
)


def tensor_case(components: list[T], point: list[float]) -> Case | None:
    ys = [e for c in components for e in c.items]
    jac = sympy.Matrix(ys).jacobian(TENSOR_SYMBOLS)
    numbers = sympy_numbers([*ys, *jac], TENSOR_SYMBOLS, point)
    if numbers is None:
        return None
    x, w, s = point[:3], point[3:9], point[9]
    at = f"x={x!r}, W={[w[:3], w[3:]]!r}, s={s!r}"
    text = "; ".join(c.text for c in components)
    p = make(text, at, names=TENSOR_NAMES)
    m, n = len(ys), len(TENSOR_SYMBOLS)
    assert (p.m, p.n) == (m, n), f"{text}: the problem is {p.m}x{p.n}, the reference {m}x{n}"
    value, flat = numbers[:m], numbers[m:]
    return Case(text, p, value, [flat[i * n : (i + 1) * n] for i in range(m)])


TENSOR_CASE = st.builds(tensor_case, st.lists(ANY_TENSOR, min_size=1, max_size=2), TENSOR_POINT)


@examples(60)
@given(TENSOR_CASE)
def test_tensor_expressions_all_methods_agree_with_sympy(case: Case | None) -> None:
    assume(case is not None)
    assert case is not None
    p = case.problem
    j_ref = torch.tensor(case.jacobian, dtype=torch.float64)
    functional = functional_jacobian(p)
    close(functional, j_ref, f"torch.autograd.functional.jacobian of {case.text} vs SymPy (the reference itself)")
    results = {}
    for method in METHODS:
        y, jac, _ = engines.compute_jacobian(p, method)
        close(y.reshape(-1), case.value, f"y of {case.text} ({method})")
        results[method] = jac
        close(jac, j_ref, f"J of {case.text} by {method} vs SymPy")
    for method in METHODS[1:]:
        torch.testing.assert_close(results[method], results["rows"], msg=lambda m, k=method: f"{k} vs rows: {m}")


# ---- vᵀJ: engines.product is v @ J ------------------------------------------------------------

ANY_CASE = st.one_of(SCALAR_CASE, TENSOR_CASE)


@examples(60)
@given(ANY_CASE, st.data())
def test_vjp_equals_v_times_jacobian(case: Case | None, data: st.DataObject) -> None:
    assume(case is not None)
    assert case is not None
    p = case.problem
    v = data.draw(st.lists(st.floats(-3, 3, allow_nan=False), min_size=p.m, max_size=p.m), label="v")
    _, jac, _ = engines.compute_jacobian(p, "batched")
    assume(bool(torch.isfinite(jac).all()))
    result = engines.product(p, tuple(v))
    assert result.v == list(v)
    assert len(result.vjp) == p.n
    want = torch.tensor(v, dtype=torch.float64) @ jac
    close(torch.tensor(result.vjp), want, f"vjp(v) of {case.text}", rtol=1e-7)
    # and against the exact Jacobian
    close(
        torch.tensor(result.vjp),
        torch.tensor(v, dtype=torch.float64) @ torch.tensor(case.jacobian, dtype=torch.float64),
        "vs SymPy",
    )


def test_vjp_of_one_hot_v_picks_a_row() -> None:
    p = make("x0**2+3*x1; x1**2+2*x0", "2,3")
    assert engines.product(p, (1.0, 0.0)).vjp == [4.0, 3.0]
    assert engines.product(p, (0.0, 1.0)).vjp == [2.0, 6.0]
    assert engines.product(p, (1.0, 1.0)).vjp == [6.0, 9.0]


def test_vjp_takes_v_in_the_output_shape() -> None:
    p = make("A*2", "A=[[1,2],[3,4]]")
    r = engines.product(p, (1.0, 2.0, 3.0, 4.0))
    assert r.vjp == [2.0, 4.0, 6.0, 8.0]
    assert r.grads() == {"A": [[2.0, 4.0], [6.0, 8.0]]}


# ---- the sum-vs-ones check -----------------------------------------------------------------------


@examples(40)
@given(ANY_CASE)
def test_check_matches_for_smooth_functions(case: Case | None) -> None:
    assume(case is not None)
    assert case is not None
    result = engines.check(case.problem)
    vectors = [result.sum_backward, result.ones_backward, result.column_sums, result.symbolic]
    assume(all(math.isfinite(v) for vec in vectors for v in vec))
    assert result.match, f"{case.text}: {vectors}"
    exact = torch.tensor(case.jacobian, dtype=torch.float64).sum(dim=0)
    for name, vec in zip(("sum_backward", "ones_backward", "column_sums", "symbolic"), vectors):
        assert len(vec) == case.problem.n
        close(torch.tensor(vec, dtype=torch.float64), exact, f"{name} of {case.text} vs 1ᵀJ from SymPy")
    assert result.max_abs_diff <= 1e-6 * (1 + float(exact.abs().max()))


def test_check_on_the_worked_example() -> None:
    r = engines.check(make("x0**2+3*x1; x1**2+2*x0", "2,3"))
    assert r.match
    assert r.sum_backward == r.ones_backward == r.column_sums == [6.0, 9.0]
    assert r.symbolic == [6.0, 9.0]
    assert r.max_abs_diff == 0.0


# ---- the seed documents' numbers ----------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_seed_jacobian(method: str, dtype: str) -> None:
    p = make("x0**2+3*x1; x1**2+2*x0", "2,3", dtype)
    y, jac, ran = engines.compute_jacobian(p, method)
    assert jac.tolist() == [[4.0, 3.0], [2.0, 6.0]]
    assert y.tolist() == [13.0, 13.0]
    assert jac.dtype == y.dtype == getattr(torch, dtype)
    if method == "auto":
        assert ran == "rows"  # a small teaching case shows the seed's loop


def test_seed_jacobian_result_record() -> None:
    r = engines.jacobian(make("x0**2+3*x1; x1**2+2*x0", "2,3"))
    assert r.jacobian == [[4.0, 3.0], [2.0, 6.0]]
    assert r.method == "rows"
    assert r.header.value == [13.0, 13.0]
    assert r.notes == []
    assert r.determinant == pytest.approx(18.0)


def test_seed_z_equals_x_times_y() -> None:
    p = make("x*y", "x=[0,2,8], y=[5,1,7]")
    r = engines.product(p, (1.0, 1.0, 1.0))
    assert r.grads() == {"x": [5.0, 1.0, 7.0], "y": [0.0, 2.0, 8.0]}
    assert r.vjp == [5.0, 1.0, 7.0, 0.0, 2.0, 8.0]
    _, jac, _ = engines.compute_jacobian(p, "rows")
    assert jac[:, :3].tolist() == torch.diag(torch.tensor([5.0, 1.0, 7.0])).tolist()  # dz/dx = diag(y)
    assert jac[:, 3:].tolist() == torch.diag(torch.tensor([0.0, 2.0, 8.0])).tolist()  # dz/dy = diag(x)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_seed_mean_implicit_scalar_backward(dtype: str) -> None:
    p = make("mean((x+2)*(x+2)*3)", "x=ones(2,2)", dtype)
    r = engines.product(p, None)  # out.backward(): no v for a scalar
    assert r.v is None
    assert r.vjp == [4.5] * 4
    assert r.grads() == {"x": [[4.5, 4.5], [4.5, 4.5]]}
    assert r.header.value == [27.0]


def test_seed_two_dot() -> None:
    p = make("2*dot(x,x)", "x=arange(4)")
    for method in METHODS:
        _, jac, _ = engines.compute_jacobian(p, method)
        assert jac.tolist() == [[0.0, 4.0, 8.0, 12.0]]
    assert engines.product(p, None).vjp == [0.0, 4.0, 8.0, 12.0]


def test_seed_two_x_squared_with_ones() -> None:
    p = make("2*x**2", "x=arange(4)")
    r = engines.product(p, (1.0, 1.0, 1.0, 1.0))
    assert r.vjp == [0.0, 4.0, 8.0, 12.0]
    assert r.grads() == {"x": [0.0, 4.0, 8.0, 12.0]}


def test_seed_scalar_form_of_the_tensor_examples() -> None:
    """The same seeds written with scalar variables, as examples.toml has them."""
    p = make("x0*y0; x1*y1; x2*y2", "x0=0,x1=2,x2=8,y0=5,y1=1,y2=7")
    assert engines.product(p, (1.0, 1.0, 1.0)).vjp == [5.0, 1.0, 7.0, 0.0, 2.0, 8.0]
    p = make("2*x0**2; 2*x1**2; 2*x2**2; 2*x3**2", "0,1,2,3")
    assert engines.product(p, (1.0, 1.0, 1.0, 1.0)).vjp == [0.0, 4.0, 8.0, 12.0]


# ---- the implicit gradient: only for a scalar ---------------------------------------------------


def _torch_reason() -> str:
    x = torch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError) as err:
        (x * 2).backward()
    return str(err.value).strip().splitlines()[0]


@pytest.mark.parametrize(("text", "at"), [("x*2", "x=[1,2]"), ("x0; x1", "1,2"), ("A*2", "A=ones(2,2)")])
def test_non_scalar_without_v_is_an_input_error_quoting_torch(text: str, at: str) -> None:
    reason = _torch_reason()
    assert "grad can be implicitly created only for scalar outputs" in reason
    with pytest.raises(InputError) as err:
        engines.product(make(text, at), None)
    message = str(err.value)
    assert reason in message
    assert "--v" in message  # says how to fix it


# ---- non-finite points: computed, with notes, never an exception -------------------------------


@pytest.mark.parametrize(
    ("text", "at", "word"),
    [("1/x0", "0", "inf"), ("log(x0)", "-1", "nan"), ("sqrt(x0)", "0", "inf"), ("x0*log(x1)", "1,0", "inf")],
)
def test_non_finite_points_give_notes(text: str, at: str, word: str) -> None:
    p = make(text, at)
    for method in METHODS:
        engines.compute_jacobian(p, method)  # no exception
    jac = engines.jacobian(p)
    assert not all(math.isfinite(v) for v in [*jac.header.value, *(c for r in jac.jacobian for c in r)])
    assert jac.notes and any(word in n for n in jac.notes), jac.notes
    prod = engines.product(p, (1.0,))
    assert prod.notes, "product at a non-finite point says so"


def test_one_over_zero_value_and_jacobian() -> None:
    r = engines.jacobian(make("1/x0", "0"))
    assert r.header.value == [math.inf]
    assert r.jacobian == [[-math.inf]]
    assert any("y0" in n and "inf" in n for n in r.notes)
    assert any("Jacobian" in n for n in r.notes)


def test_log_of_negative_is_nan_with_a_note() -> None:
    r = engines.jacobian(make("log(x0)", "-1"))
    assert math.isnan(r.header.value[0])
    assert r.jacobian == [[-1.0]]  # torch's 1/x is still computed
    assert any("nan" in n for n in r.notes)


@pytest.mark.parametrize(("text", "at"), [("1/x0", "0"), ("log(x0)", "-1"), ("sqrt(x0)", "0")])
def test_check_at_non_finite_points_does_not_raise(text: str, at: str) -> None:
    r = engines.check(make(text, at))
    assert len(r.sum_backward) == 1


def test_check_notes_a_non_finite_gradient() -> None:
    """sqrt at 0: y is 0 but every gradient is inf. jacobian and product report that; so must check."""
    p = make("sqrt(x0)", "0")
    assert engines.jacobian(p).notes
    assert engines.product(p, None).notes
    r = engines.check(p)
    assert r.sum_backward == [math.inf]
    assert r.notes, "check shows inf gradients without a note on them"


@pytest.mark.parametrize("text", ["x0/0", "x0*log(0)", "tan(pi/2)*x0"])
def test_check_with_a_constant_pole_does_not_crash(text: str) -> None:
    """SymPy turns 1/0 and log(0) into zoo (complex infinity); the check must still give numbers."""
    p = make(text, "1")
    for method in METHODS:
        engines.compute_jacobian(p, method)
    r = engines.check(p)
    assert len(r.symbolic) == 1


def test_methods_agree_on_finite_entries_at_a_singular_point() -> None:
    """sqrt at 0: 0*inf is nan in reverse mode (rows) and in forward mode in different cells."""
    p = make("sqrt(x)", "x=[0,1]")
    results = {m: engines.compute_jacobian(p, m)[1] for m in METHODS}
    for jac in results.values():
        assert jac[0, 0] == math.inf and jac[1, 1] == 0.5
        assert not bool(torch.isfinite(jac[0]).all())


# ---- which method ran: the rows engine is the seed's loop -----------------------------------------


@pytest.fixture
def backward_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[torch.Tensor | None, bool | None]]:
    calls: list[tuple[torch.Tensor | None, bool | None]] = []
    real = torch.Tensor.backward

    def spy(self: torch.Tensor, gradient: torch.Tensor | None = None, retain_graph: bool | None = None, **kw):  # type: ignore[no-untyped-def]
        calls.append((None if gradient is None else gradient.detach().clone(), retain_graph))
        return real(self, gradient, retain_graph, **kw)

    monkeypatch.setattr(torch.Tensor, "backward", spy)
    return calls


def test_rows_is_one_one_hot_backward_per_output(backward_calls: list) -> None:
    p = make("x0*x1; x1*x2; x0 + x2", "1,2,3")
    _, jac, ran = engines.compute_jacobian(p, "rows")
    assert ran == "rows"
    assert len(backward_calls) == p.m == 3
    for i, (gradient, retain) in enumerate(backward_calls):
        assert gradient is not None and gradient.tolist() == torch.eye(3)[i].tolist()  # e_i
        assert retain is True
    assert jac.tolist() == [[2.0, 1.0, 0.0], [0.0, 3.0, 2.0], [1.0, 0.0, 1.0]]


def test_rows_on_a_tensor_output_seeds_in_the_output_shape(backward_calls: list) -> None:
    p = make("A*x", "A=ones(2,3), x=[1,2,3]")
    engines.compute_jacobian(p, "rows")
    assert len(backward_calls) == 6
    assert all(g is not None and g.shape == (2, 3) and g.sum() == 1 for g, _ in backward_calls)


def test_auto_runs_the_seed_loop_on_the_worked_example(backward_calls: list) -> None:
    p = make("x0**2+3*x1; x1**2+2*x0", "2,3")
    _, _, ran = engines.compute_jacobian(p, "auto")
    assert ran == "rows"
    assert len(backward_calls) == 2


def test_batched_is_one_vectorised_grad_call(backward_calls: list, monkeypatch: pytest.MonkeyPatch) -> None:
    grads: list[dict] = []
    real = torch.autograd.grad

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        grads.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(torch.autograd, "grad", spy)
    p = make("x0*x1; x1*x2; x0 + x2", "1,2,3")
    _, jac, ran = engines.compute_jacobian(p, "batched")
    assert ran == "batched"
    assert backward_calls == []
    assert len(grads) == 1 and grads[0].get("is_grads_batched") is True
    assert jac.tolist() == [[2.0, 1.0, 0.0], [0.0, 3.0, 2.0], [1.0, 0.0, 1.0]]


def test_forward_calls_no_backward(backward_calls: list) -> None:
    _, jac, ran = engines.compute_jacobian(make("x0*x1; x1*x2", "1,2,3"), "forward")
    assert ran == "forward"
    assert backward_calls == []
    assert jac.tolist() == [[2.0, 1.0, 0.0], [0.0, 3.0, 2.0]]


def test_rows_reports_progress() -> None:
    seen: list[tuple[int, int]] = []
    engines.compute_jacobian(make("x0; x1; x0*x1", "1,2"), "rows", progress=lambda i, m: seen.append((i, m)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_auto_vectorises_many_components_and_agrees_with_rows() -> None:
    text = "; ".join(f"2*x{i}**2 + x{(i + 1) % 40}" for i in range(40))
    p = make(text, ",".join(str(i / 10) for i in range(40)))
    _, jac_auto, ran = engines.compute_jacobian(p, "auto")
    assert ran != "rows"
    _, jac_rows, _ = engines.compute_jacobian(p, "rows")
    torch.testing.assert_close(jac_auto, jac_rows)
    want = torch.diag(torch.tensor([0.4 * i for i in range(40)], dtype=torch.float64))
    want += torch.roll(torch.eye(40, dtype=torch.float64), 1, dims=1)
    torch.testing.assert_close(jac_rows, want)


@pytest.mark.parametrize("method", ["batched", "forward"])
def test_vectorised_methods_in_several_blocks(method: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Large Jacobians go through the one-hot basis in blocks; small blocks must give the same J."""
    p = make("x*x*2 + sum(x)*x[0]; softmax(x)", "x=[0.5,-1,2,0.25,1.5,-0.75,3]")
    _, want, _ = engines.compute_jacobian(p, "rows")
    monkeypatch.setattr(engines, "_BLOCK_ELEMENTS", 30)  # blocks of 2 rows or columns
    _, got, _ = engines.compute_jacobian(p, method)
    torch.testing.assert_close(got, want)
    torch.testing.assert_close(got, functional_jacobian(p))


def test_unknown_method_is_an_input_error() -> None:
    with pytest.raises(InputError, match="rows"):
        engines.compute_jacobian(make("x0", "1"), "reverse")


def test_engines_without_a_point_raise_a_clean_error() -> None:
    """Problem.point is optional (a symbolic Jacobian needs none); the numeric engines must say so."""
    p = make("x0**2")
    assert p.point is None
    for call in (
        lambda: engines.compute_jacobian(p, "rows"),
        lambda: engines.product(p, (1.0,)),
        lambda: engines.check(p),
    ):
        with pytest.raises(VjpError):
            call()


def test_product_with_a_wrong_length_v_is_an_input_error() -> None:
    p = make("x0**2; x0", "1")
    with pytest.raises(VjpError, match="3"):
        engines.product(p, (1.0, 2.0, 3.0))


@pytest.mark.parametrize("method", METHODS)
def test_float32_problem_gives_float32_results(method: str) -> None:
    p = make("x0*sin(1) + pi; x1**2 / 3", "0.5,1.5", "float32")
    y, jac, _ = engines.compute_jacobian(p, method)
    assert y.dtype == jac.dtype == torch.float32
    torch.testing.assert_close(jac, torch.tensor([[math.sin(1), 0.0], [0.0, 1.0]], dtype=torch.float32))


@pytest.mark.parametrize("method", METHODS)
def test_constant_output_has_a_zero_jacobian(method: str) -> None:
    p = make("3; x0*0 + 1", "1,2", names=["x0", "x1"])
    y, jac, _ = engines.compute_jacobian(p, method)
    assert y.tolist() == [3.0, 1.0]
    assert jac.tolist() == [[0.0, 0.0], [0.0, 0.0]]
