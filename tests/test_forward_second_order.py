"""Forward mode (`vjp jvp`), Hessians (`vjp hessian`), the autograd graph (`vjp graph`), and the
determinant / rank / condition number of square Jacobians (`vjp jacobian`).

References: J·u against J @ u with J from engines.compute_jacobian; Hessians against
torch.autograd.functional.hessian of each output and against SymPy Hessians of hand-written
SymPy expressions; the graph against a tree walked here from a hand-written torch graph;
determinants against the closed forms (r for polar, r² sin θ for spherical) and torch.linalg.
"""

from __future__ import annotations

import json
import math

import pytest
import sympy
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd_cli import engines
from autograd_cli.build import Built
from autograd_cli.parsing import parse
from autograd_cli.points import parse_point
from autograd_cli.problem import Problem, make_problem

SEED = "x0**2+3*x1; x1**2+2*x0"


def make(text: str, at: str, dtype: str = "float64", names: list[str] | None = None) -> Problem:
    return make_problem(parse(text, names), parse_point(at), dtype)


def few(n: int) -> settings:
    return settings(
        max_examples=n, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
    )


def close_lists(a: list[float], b: list[float], rel: float = 1e-10, abs_: float = 1e-10) -> bool:
    return len(a) == len(b) and all(math.isclose(x, y, rel_tol=rel, abs_tol=abs_) for x, y in zip(a, b))


# ---- random smooth functions, as text -----------------------------------------------------

SCALAR_LEAVES = st.sampled_from(["x0", "x1", "x2", "0.5", "2", "1.5", "pi"])
SMOOTH_UNARY = ["sin", "cos", "tanh", "sigmoid", "softplus", "atan", "exp"]


def _extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds(lambda op, a, b: f"({a}) {op} ({b})", st.sampled_from("+-*"), children, children),
        st.builds(lambda f, a: f"{f}({a})", st.sampled_from(SMOOTH_UNARY), children),
        st.builds(lambda a, k: f"({a})**{k}", children, st.sampled_from(["2", "3"])),
        st.builds(lambda a: f"-({a})", children),
    )


SCALAR_EXPR = st.recursive(SCALAR_LEAVES, _extend, max_leaves=6)
COORD = st.floats(-1.5, 1.5, allow_nan=False, allow_infinity=False)


@st.composite
def scalar_problems(draw: st.DrawFn) -> tuple[str, str]:
    comps = draw(st.lists(SCALAR_EXPR, min_size=1, max_size=3))
    text = "; ".join(comps)
    # every variable appears, so the inputs are x0, x1, x2 whatever the components use
    text = text + "; x0*0 + x1*0 + x2*0" if draw(st.booleans()) else text + " + 0*x0 + 0*x1 + 0*x2"
    point = draw(st.lists(COORD, min_size=3, max_size=3))
    return text, ",".join(repr(v) for v in point)


def _vec(values: list[float]) -> str:
    return "[" + ",".join(repr(v) for v in values) + "]"


def _mat(values: list[float], k: int) -> str:
    return "[" + ",".join(_vec(values[r * k : (r + 1) * k]) for r in range(k)) + "]"


TENSOR_TEMPLATES = [
    "x*w + sin(x)",
    "A @ x",
    "softmax(x)*w",
    "sum(x*w)*tanh(sum(x))",
    "x[0]*w + x**2",
    "A @ tanh(x) + w; sum(A*A)",
    "logsumexp(x)*w",
]


@st.composite
def tensor_problems(draw: st.DrawFn) -> tuple[str, str]:
    template = draw(st.sampled_from(TENSOR_TEMPLATES))
    k = draw(st.integers(2, 3))
    vals = draw(st.lists(COORD, min_size=2 * k + k * k, max_size=2 * k + k * k))
    parts = [f"x={_vec(vals[:k])}"]
    if "w" in template:
        parts.append(f"w={_vec(vals[k : 2 * k])}")
    if "A" in template:
        parts.append(f"A={_mat(vals[2 * k :], k)}")
    return template, ", ".join(parts)


def _bounded(jac: torch.Tensor) -> bool:
    return bool(torch.isfinite(jac).all()) and (jac.numel() == 0 or float(jac.abs().max()) < 1e6)


# ---- jvp ------------------------------------------------------------------------------------


def _check_jvp(text: str, at: str, u_values: list[float]) -> None:
    p = make(text, at)
    _, jac, _ = engines.compute_jacobian(p, "rows")
    if not _bounded(jac):
        return
    u = tuple(u_values[: p.n])
    result = engines.jvp(p, u)
    expected = (jac.to(torch.float64) @ torch.tensor(u, dtype=torch.float64)).tolist()
    scale = max(1.0, float(jac.abs().sum()))
    assert result.u == list(u)
    assert len(result.jvp) == p.m
    for got, want in zip(result.jvp, expected):
        assert abs(got - want) <= 1e-12 * scale, (text, at, u, result.jvp, expected)


U_VALUES = st.lists(st.floats(-2, 2, allow_nan=False, allow_infinity=False), min_size=30, max_size=30)


@few(40)
@given(scalar_problems(), U_VALUES)
def test_jvp_is_jac_times_u_for_random_functions(case: tuple[str, str], u: list[float]) -> None:
    _check_jvp(*case, u)


@few(30)
@given(tensor_problems(), U_VALUES)
def test_jvp_is_jac_times_u_for_tensor_variables(case: tuple[str, str], u: list[float]) -> None:
    _check_jvp(*case, u)


def test_jvp_with_v_checks_vt_ju_against_vtj_u(vjp) -> None:
    data = vjp(
        "jvp", "r*cos(theta); r*sin(theta)", "--at", "r=2,theta=0.5", "--u", "1,0.25", "--v", "1,-3", "--format", "json"
    ).json()
    p = make("r*cos(theta); r*sin(theta)", "r=2,theta=0.5")
    _, jac, _ = engines.compute_jacobian(p)
    u = torch.tensor([1.0, 0.25], dtype=torch.float64)
    v = torch.tensor([1.0, -3.0], dtype=torch.float64)
    assert data["command"] == "jvp"
    assert close_lists(data["jvp"], (jac @ u).tolist(), 1e-12, 1e-12)
    assert close_lists(data["vjp"], (v @ jac).tolist(), 1e-12, 1e-12)
    assert data["v"] == [1.0, -3.0] and data["u"] == [1.0, 0.25]
    assert data["match"] is True
    assert math.isclose(data["vT_jvp"], data["vjp_u"], rel_tol=1e-12, abs_tol=1e-12)
    assert math.isclose(data["vT_jvp"], float(v @ jac @ u), rel_tol=1e-12, abs_tol=1e-12)


def test_jvp_with_v_for_tensor_variables(vjp) -> None:
    data = vjp(
        "jvp", "x*y", "--at", "x=[0,2,8], y=[5,1,7]", "--u", "x=[1,0,2], y=[0,1,0]", "--v", "1,2,3", "--format", "json"
    ).json()
    # z = x*y: J·u = y*u_x + x*u_y
    assert data["u"] == [1.0, 0.0, 2.0, 0.0, 1.0, 0.0]
    assert data["jvp"] == [5.0, 2.0, 14.0]
    assert data["match"] is True and data["vT_jvp"] == data["vjp_u"] == 5.0 + 4.0 + 42.0


def test_jvp_without_v_has_no_check_keys(vjp) -> None:
    data = vjp("jvp", SEED, "--at", "2,3", "--u", "1,0", "--format", "json").json()
    assert data["jvp"] == [4.0, 2.0]  # the first column of J
    assert data.get("match") is None and data.get("vT_jvp") is None


def test_jvp_u_by_name_is_put_in_column_order(vjp) -> None:
    data = vjp("jvp", "r*cos(theta); r*sin(theta)", "--at", "r=2,theta=0.5", "--u", "theta=1,r=0", "--format", "json")
    d = data.json()
    assert d["u"] == [0.0, 1.0]
    assert close_lists(d["jvp"], [-2 * math.sin(0.5), 2 * math.cos(0.5)], 1e-12, 1e-12)


def test_jvp_mismatch_exits_1(vjp) -> None:
    """float32 J·u and vᵀJ round differently; with zero tolerance the check must fail, and say so."""
    r = vjp(
        "jvp", "sin(x0)*x1; exp(x1)", "--at", "0.3,0.7", "--u", "0.1,0.3", "--v", "0.7,0.9",
        "--dtype", "float32", "--atol", "0", "--rtol", "0", "--format", "json",
    )  # fmt: skip
    data = json.loads(r.stdout)
    assert data["vT_jvp"] != data["vjp_u"]
    assert data["match"] is False and r.code == 1


def test_jvp_wrong_length_u_names_both_counts(vjp) -> None:
    r = vjp("jvp", SEED, "--at", "2,3", "--u", "1,2,3")
    assert r.code == 2, r
    assert "3 values" in r.stderr and "2 inputs" in r.stderr and "--u" in r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""


def test_jvp_missing_u_is_a_usage_error(vjp) -> None:
    r = vjp("jvp", SEED, "--at", "2,3")
    assert r.code == 2, r
    assert "--u" in r.stderr and "Traceback" not in r.stderr


def test_jvp_renders_a_table(vjp) -> None:
    r = vjp("jvp", SEED, "--at", "2,3", "--u", "1,0", "--v", "1,1", "--format", "table")
    assert r.code == 0, r
    assert "J·u" in r.stdout and "PASS" in r.stdout


# ---- hessian --------------------------------------------------------------------------------


def functional_hessians(p: Problem) -> list[torch.Tensor]:
    """torch.autograd.functional.hessian of each output element, over the flattened inputs."""
    built = Built(p)
    leaves = built.leaves(requires_grad=False)
    shapes = [t.shape for t in leaves]
    sizes = [t.numel() for t in leaves]
    z0 = torch.cat([t.reshape(-1) for t in leaves]).to(torch.float64)

    def output(i: int):
        def f(z: torch.Tensor) -> torch.Tensor:
            parts = [q.reshape(s) for q, s in zip(torch.split(z, sizes), shapes)]
            return built.of_leaves(*parts).reshape(-1)[i]

        return f

    return [torch.autograd.functional.hessian(output(i), z0) for i in range(p.m)]


HESSIAN_CASES = [
    (SEED, "2,3"),
    ("x0**2*x1 + sin(x1)", "2,3"),
    ("exp(x0*x1) - x2**3*x0; log(x0 + x1**2)*x2", "0.5,1.5,-0.7"),
    ("sigmoid(x0)*tanh(x1); atan2(x0, x1) + sqrt(x0**2 + x1**2)", "0.3,1.2"),
    ("x*y", "x=[1,2], y=[3,4]"),
    ("softmax(x)*w", "x=[0.1,-0.4,0.3], w=[1,2,3]"),
    ("norm(x)*sum(A@x)", "x=[1,-2], A=[[1,2],[3,4]]"),
    ("A @ x", "A=[[1,2],[3,4]], x=[5,6]"),
    ("logsumexp(x); prod(x)", "x=[0.5,1,-1]"),
]


@pytest.mark.parametrize(("text", "at"), HESSIAN_CASES)
def test_hessian_equals_torch_functional_hessian(vjp, text: str, at: str) -> None:
    r = vjp("hessian", text, "--at", at, "--format", "json")
    assert r.code == 0, r
    data = r.json()
    p = make(text, at)
    refs = functional_hessians(p)
    hs = data["hessian"]
    assert len(hs) == p.m
    for h, ref in zip(hs, refs):
        assert len(h) == p.n and all(len(row) == p.n for row in h)
        assert torch.allclose(torch.tensor(h, dtype=torch.float64), ref, rtol=1e-10, atol=1e-10), (h, ref)
        assert torch.allclose(torch.tensor(h), torch.tensor(h).T, rtol=1e-10, atol=1e-12)
    assert data["symmetric"] is True and data["match"] is True
    assert len(data["symbolic"]) == p.m


r_, th = sympy.symbols("r theta", real=True)
X = sympy.symbols("x0 x1 x2", real=True)


def _sig(a: sympy.Expr) -> sympy.Expr:
    return 1 / (1 + sympy.exp(-a))


SYMPY_CASES = [
    ("x0**2*x1 + sin(x1)", "2,3", [X[0] ** 2 * X[1] + sympy.sin(X[1])], X[:2], (2, 3)),
    (
        "exp(x0*x1) - x2**3*x0; log(x0 + x1**2)*x2",
        "0.5,1.5,-0.7",
        [sympy.exp(X[0] * X[1]) - X[2] ** 3 * X[0], sympy.log(X[0] + X[1] ** 2) * X[2]],
        X,
        (sympy.Rational(1, 2), sympy.Rational(3, 2), sympy.Rational(-7, 10)),
    ),
    (
        "sigmoid(x0)*tanh(x1); softplus(x0 - x1)*x0",
        "0.3,1.2",
        [_sig(X[0]) * sympy.tanh(X[1]), sympy.log(1 + sympy.exp(X[0] - X[1])) * X[0]],
        X[:2],
        (sympy.Rational(3, 10), sympy.Rational(6, 5)),
    ),
    (
        "r*cos(theta); r*sin(theta)",
        "r=2,theta=0.5",
        [r_ * sympy.cos(th), r_ * sympy.sin(th)],
        (r_, th),
        (2, sympy.Rational(1, 2)),
    ),
]


@pytest.mark.parametrize(("text", "at", "exprs", "syms", "values"), SYMPY_CASES)
def test_hessian_equals_sympy(vjp, text: str, at: str, exprs: list, syms: tuple, values: tuple) -> None:
    data = vjp("hessian", text, "--at", at, "--format", "json").json()
    subs = dict(zip(syms, values))
    for h, expr in zip(data["hessian"], exprs, strict=True):
        exact = sympy.hessian(expr, syms).subs(subs)
        ref = [[float(sympy.N(exact[i, j], 30)) for j in range(len(syms))] for i in range(len(syms))]
        for row, ref_row in zip(h, ref):
            assert close_lists(row, ref_row, 1e-10, 1e-12), (text, h, ref)
    assert data["symmetric"] is True and data["match"] is True


def test_hessian_of_a_linear_function_is_zero(vjp) -> None:
    data = vjp("hessian", "3*x0 - x1; 2", "--at", "1,2", "--format", "json").json()
    assert data["hessian"] == [[[0.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]]]


def test_hessian_shape_is_m_by_n_by_n(vjp) -> None:
    data = vjp("hessian", "x*y; sum(x)**2", "--at", "x=[1,2,3], y=[4,5,6]", "--format", "json").json()
    h = data["hessian"]
    assert len(h) == 4  # 3 elements of x*y, then the scalar
    assert all(len(m) == 6 and all(len(row) == 6 for row in m) for m in h)
    assert h[3] == [[2.0] * 3 + [0.0] * 3] * 3 + [[0.0] * 6] * 3


def test_hessian_not_finite_is_a_note_not_a_crash(vjp) -> None:
    r = vjp("hessian", "sqrt(x0)*x1", "--at", "0,1", "--format", "json")
    assert r.code in (0, 1), r
    assert "Traceback" not in r.stderr
    assert "non-finite" in r.stderr
    data = json.loads(r.stdout)  # valid JSON: non-finite values are strings
    assert float(data["hessian"][0][0][0]) == -math.inf
    assert any("non-finite" in n for n in data["notes"])


def test_hessian_table_renders_one_table_per_output(vjp) -> None:
    r = vjp("hessian", SEED, "--at", "2,3", "--format", "table")
    assert r.code == 0, r
    assert "∂²y0" in r.stdout and "∂²y1" in r.stdout and "symmetric" in r.stdout


# ---- graph ----------------------------------------------------------------------------------


def walk_tree(fn: object, names: dict[int, str], seen: set[int] | None = None) -> dict:
    """The documented tree of a grad_fn, walked here from torch's own next_functions."""
    seen = set() if seen is None else seen
    out: dict = {"name": type(fn).__name__}
    var = getattr(fn, "variable", None)
    if var is not None:
        out["variable"] = names[id(var)]
        out["shape"] = list(var.shape)
    if id(fn) in seen:
        out["repeat"] = True
        out["children"] = []
        return out
    seen.add(id(fn))
    out["children"] = [walk_tree(n, names, seen) for n, _ in fn.next_functions if n is not None]  # type: ignore[attr-defined]
    return out


DETAIL_KEYS = ("id", "outputs", "saved", "value")  # what each node holds at the point (for --format dot)


def structure(tree: dict) -> dict:
    """The tree without the per-node details: names, variables, shapes, repeats, children."""
    out = {k: v for k, v in tree.items() if k not in DETAIL_KEYS}
    out["children"] = [structure(c) for c in tree.get("children", [])]
    return out


def nodes_of(tree: dict) -> list[dict]:
    out = [tree]
    for c in tree.get("children", []):
        out.extend(nodes_of(c))
    return out


def test_graph_of_the_seed_is_torchs_graph(vjp) -> None:
    data = vjp("graph", SEED, "--at", "2,3", "--format", "json").json()
    x = torch.tensor([2.0, 3.0], dtype=torch.float64, requires_grad=True)
    x0, x1 = x.unbind(0)
    y = torch.stack([x0**2 + 3 * x1, x1**2 + 2 * x0])
    expected = walk_tree(y.grad_fn, {id(x): "x"})
    tree = structure(data["graph"])
    assert tree == expected
    assert tree["name"] == "StackBackward0"
    assert data["graph"]["outputs"] == [{"shape": [2], "value": [13.0, 13.0]}]  # y at the point
    all_nodes = nodes_of(tree)
    leaves = [n for n in all_nodes if n["name"] == "AccumulateGrad"]
    assert leaves == [{"name": "AccumulateGrad", "variable": "x", "shape": [2], "children": []}]
    unbinds = [n for n in all_nodes if n["name"] == "UnbindBackward0"]
    assert len(unbinds) == 4
    assert sum(1 for n in unbinds if n.get("repeat")) == 3
    assert data["nodes"] == len([n for n in all_nodes if not n.get("repeat")]) == 9


@pytest.mark.parametrize(
    ("text", "at", "shapes"),
    [
        ("x*w + sin(x)", "x=[1,2,3], w=[0.5,-1,2]", {"x": [3], "w": [3]}),
        ("A @ x", "A=[[1,2],[3,4]], x=[5,6]", {"A": [2, 2], "x": [2]}),
        ("x*y", "x=[0,2,8], y=[5,1,7]", {"x": [3], "y": [3]}),
    ],
)
def test_graph_has_one_accumulate_grad_per_tensor_variable(vjp, text: str, at: str, shapes: dict) -> None:
    data = vjp("graph", text, "--at", at, "--format", "json").json()
    leaves = [n for n in nodes_of(data["graph"]) if n["name"] == "AccumulateGrad" and not n.get("repeat")]
    assert sorted(n["variable"] for n in leaves) == sorted(shapes)
    for n in leaves:
        assert n["shape"] == shapes[n["variable"]]
    assert data["nodes"] == len([n for n in nodes_of(data["graph"]) if not n.get("repeat")])


def test_graph_of_a_constant_function_has_no_grad_fn(vjp) -> None:
    r = vjp("graph", "2; 3", "--vars", "x0", "--at", "1", "--format", "json")
    data = r.json()
    assert "no grad_fn" in data["graph"]["name"]
    assert data["graph"]["children"] == [] and data["nodes"] == 0
    table = vjp("graph", "2; 3", "--vars", "x0", "--at", "1", "--format", "table")
    assert table.code == 0 and "no grad_fn" in table.stdout


def test_graph_table_renders_a_tree(vjp) -> None:
    r = vjp("graph", SEED, "--at", "2,3", "--format", "table")
    assert r.code == 0, r
    assert r.stdout.splitlines()[1].strip() == "StackBackward0"
    assert "├── AddBackward0" in r.stdout and "└──" in r.stdout
    assert "AccumulateGrad (x, shape (2,))" in r.stdout
    assert r.stdout.count("UnbindBackward0") == 4 and "shared" in r.stdout


# ---- determinant, rank, condition number ----------------------------------------------------


@pytest.mark.parametrize("theta", ["0.5", "2", "-1.25"])
def test_polar_determinant_is_r(vjp, theta: str) -> None:
    data = vjp("jacobian", "r*cos(theta); r*sin(theta)", "--at", f"r=2,theta={theta}", "--format", "json").json()
    assert math.isclose(data["determinant"], 2.0, rel_tol=1e-12)


@pytest.mark.parametrize(("r", "theta", "phi"), [(2.0, 1.0, 0.5), (0.7, 2.5, -1.0)])
def test_spherical_determinant_is_r2_sin_theta(vjp, r: float, theta: float, phi: float) -> None:
    text = "r*sin(theta)*cos(phi); r*sin(theta)*sin(phi); r*cos(theta)"
    at = f"r={r},theta={theta},phi={phi}"
    data = vjp("jacobian", text, "--at", at, "--vars", "r,theta,phi", "--format", "json").json()
    assert data["inputs"] == ["r", "theta", "phi"]
    assert math.isclose(data["determinant"], r**2 * math.sin(theta), rel_tol=1e-12)
    # the default (alphabetical) order phi, r, theta is a cyclic permutation of the columns: same det
    alpha = vjp("jacobian", text, "--at", at, "--format", "json").json()
    assert alpha["inputs"] == ["phi", "r", "theta"]
    assert math.isclose(alpha["determinant"], r**2 * math.sin(theta), rel_tol=1e-12)


def test_spherical_example_determinant(vjp) -> None:
    data = vjp("jacobian", "--example", "spherical", "--format", "json").json()
    assert math.isclose(data["determinant"], 4 * math.sin(1.0), rel_tol=1e-12)


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ("r*cos(theta); r*sin(theta)", "r=2,theta=0.5"),
        ("x0*x1; 2*x0*x1", "1,2"),  # singular: rank 1
        ("exp(x0)*x2; x1**2 - x0; sin(x2)*x1", "0.1,0.2,0.3"),
        ("A @ x", "A=[[1,2],[3,4]], x=[5,6]"),  # 2 x 6: no determinant at all
        ("softmax(x)", "x=[1,2,3]"),  # square and singular (columns of softmax's J sum to 0)
    ],
)
def test_verbose_rank_and_condition_are_torch_linalg(vjp, text: str, at: str) -> None:
    data = vjp("jacobian", text, "--at", at, "--verbose", "--format", "json").json()
    jac = torch.tensor(data["jacobian"], dtype=torch.float64)
    if jac.shape[0] != jac.shape[1]:
        assert "determinant" not in data and "rank" not in data and "condition_number" not in data
        return
    assert math.isclose(data["determinant"], float(torch.linalg.det(jac)), rel_tol=1e-9, abs_tol=1e-12)
    assert data["rank"] == int(torch.linalg.matrix_rank(jac))
    cond = float(torch.linalg.cond(jac))
    got = float(data["condition_number"])
    assert got == cond or math.isclose(got, cond, rel_tol=1e-9)


def test_singular_rank(vjp) -> None:
    data = vjp("jacobian", "x0*x1; 2*x0*x1", "--at", "1,2", "--verbose", "--format", "json").json()
    assert data["rank"] == 1 and data["determinant"] == 0.0


def test_rank_and_condition_only_with_verbose(vjp) -> None:
    data = vjp("jacobian", SEED, "--at", "2,3", "--format", "json").json()
    assert data["determinant"] == 18.0
    assert "rank" not in data and "condition_number" not in data


def test_non_square_has_no_determinant(vjp) -> None:
    data = vjp("jacobian", "x0*x1; x1; x0+x1", "--at", "1,2", "--format", "json", "--verbose").json()
    assert "determinant" not in data
    table = vjp("jacobian", "x0*x1; x1; x0+x1", "--at", "1,2", "--format", "table")
    assert "det J" not in table.stdout
    square = vjp("jacobian", SEED, "--at", "2,3", "--format", "table", "--verbose")
    assert "det J = 18" in square.stdout
