# ruff: noqa: N803 - the references take the expressions' variable names, upper case for matrices
"""build.Built against torch written by hand: every allow-listed function and operator, both dtypes.

Each case is an expression, the torch a user would write for it, and (implicitly) a point taken
from ``POINT`` for the variables the expression uses. The built function must give the same
values, the same shape, the same dtype and the same gradients as the hand-written torch.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import pytest
import torch
from torch.nn.functional import softplus

from autograd_cli import parsing, points, problem
from autograd_cli.build import Built

DTYPES = {"float64": torch.float64, "float32": torch.float32}

# Values of every variable a case may use (tensors as nested lists). x is positive so that x**y,
# log(x) and sqrt(x) are defined; no two entries tie, so min/max have one clear winner.
POINT: dict[str, object] = {
    "x0": 0.7,
    "x1": 1.3,
    "x2": -0.4,
    "s": 1.7,
    "x": [0.5, 1.2, 0.8],
    "y": [1.1, -0.4, 2.0],
    "z": [0.3, -1.1],
    "b": [[0.25], [-0.5]],
    "A": [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]],
    "B": [[1.0, 0.5], [-1.5, 2.0], [0.25, -0.75]],
    "T": [[[0.1, 0.2, 0.3], [-0.4, 0.5, 0.6]], [[0.7, -0.8, 0.9], [1.0, 1.1, -1.2]]],
    "U": [[[0.3, -0.1], [0.2, 0.4], [-0.5, 0.6]], [[0.7, 0.8], [-0.9, 1.0], [1.1, -1.2]]],
    "u": [0.3, -0.6, 0.9, -1.2, 1.5],
}


def make(text: str, dtype: str = "float64", point: dict[str, object] | None = None) -> problem.Problem:
    """The problem for ``text`` at ``point`` (default: ``POINT``), values given by name."""
    function = parsing.parse(text)
    values = POINT if point is None else point
    at = ", ".join(f"{name}={values[name]}" for name in function.names)
    return problem.make_problem(function, points.parse_point(at), dtype)


def inputs_of(p: problem.Problem, requires_grad: bool = False) -> dict[str, torch.Tensor]:
    """Fresh tensors for the problem's inputs, by name, in the problem's dtype."""
    out = {}
    for name, value in p.point_values().items():
        t = torch.tensor(value.data, dtype=DTYPES[p.dtype]).reshape(value.shape)
        out[name] = t.requires_grad_(requires_grad)
    return out


def compare(text: str, reference: Callable[..., torch.Tensor], dtype: str, point: dict | None = None) -> None:
    """Built(text) and ``reference`` agree in value, shape, dtype and gradient of the sum."""
    p = make(text, dtype, point)
    built = Built(p)
    want_dtype = DTYPES[dtype]

    ins = inputs_of(p, requires_grad=True)
    got = built(*[ins[n] for n in p.names])
    ref_ins = inputs_of(p, requires_grad=True)
    want = reference(**ref_ins)
    assert got.dtype == want_dtype, f"{text}: built y has dtype {got.dtype}, the problem is {dtype}"
    assert want.dtype == want_dtype  # the reference itself is written in the problem's dtype
    torch.testing.assert_close(got, want, equal_nan=True, msg=lambda m: f"{text} ({dtype}): {m}")

    # the same graph: gradients of the sum agree for every input that the reference uses
    leaves = [ins[n] for n in p.names]
    ref_leaves = [ref_ins[n] for n in p.names]
    if want.requires_grad:
        g_got = torch.autograd.grad(got.sum(), leaves, allow_unused=True)
        g_want = torch.autograd.grad(want.sum(), ref_leaves, allow_unused=True)
        for name, a, b in zip(p.names, g_got, g_want):
            a = torch.zeros_like(ins[name]) if a is None else a
            b = torch.zeros_like(ref_ins[name]) if b is None else b
            assert a.dtype == want_dtype
            torch.testing.assert_close(a, b, equal_nan=True, msg=lambda m, n=name: f"{text} d/d{n} ({dtype}): {m}")

    # the leaves/of_leaves path gives the same y as calling with the values
    y = built.of_leaves(*built.leaves())
    assert y.dtype == want_dtype
    torch.testing.assert_close(y, want.detach(), equal_nan=True)


# ---- one case per allow-listed elementwise function -------------------------------------

# name -> (hand-written torch, a few points inside its domain)
ELEMENTWISE: dict[str, tuple[Callable[[torch.Tensor], torch.Tensor], list[float]]] = {
    "sin": (torch.sin, [0.3, -0.7, 2.0]),
    "cos": (torch.cos, [0.3, -0.7, 2.0]),
    "tan": (torch.tan, [0.3, -0.7, 1.2]),
    "asin": (torch.asin, [0.3, -0.6, 0.9]),
    "acos": (torch.acos, [0.3, -0.6, 0.9]),
    "atan": (torch.atan, [0.3, -0.7, 3.0]),
    "sinh": (torch.sinh, [0.3, -0.7, 2.0]),
    "cosh": (torch.cosh, [0.3, -0.7, 2.0]),
    "tanh": (torch.tanh, [0.3, -0.7, 2.0]),
    "asinh": (torch.asinh, [0.3, -0.7, 2.0]),
    "acosh": (torch.acosh, [1.5, 2.5, 4.0]),
    "atanh": (torch.atanh, [0.3, -0.6, 0.9]),
    "exp": (torch.exp, [0.3, -0.7, 2.0]),
    "log": (torch.log, [0.3, 2.5, 7.0]),
    "log2": (torch.log2, [0.3, 2.5, 7.0]),
    "log10": (torch.log10, [0.3, 2.5, 7.0]),
    "sqrt": (torch.sqrt, [0.3, 2.5, 7.0]),
    "abs": (torch.abs, [0.3, -0.7, 2.0]),
    "erf": (torch.erf, [0.3, -0.7, 2.0]),
    "sigmoid": (torch.sigmoid, [0.3, -0.7, 2.0]),
    "relu": (torch.relu, [0.3, -0.7, 2.0]),
    "softplus": (softplus, [0.3, -0.7, 25.0]),  # 25 > torch's threshold of 20: linear there
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_scalar_input(name: str, dtype: str) -> None:
    fn, values = ELEMENTWISE[name]
    for v in values:
        compare(f"{name}(x0)", lambda x0: fn(x0), dtype, {"x0": v})


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_tensor_input(name: str, dtype: str) -> None:
    fn, values = ELEMENTWISE[name]
    compare(f"{name}(x)", lambda x: fn(x), dtype, {"x": values})
    # a 2-D input and a composition with an operator around it
    grid = [values, list(reversed(values))]
    compare(f"2*{name}(A) - 1", lambda A: 2 * fn(A) - 1, dtype, {"A": grid})


# ---- operators, reductions, products, indexing: (expression, hand-written torch) ---------

CASES: list[tuple[str, Callable[..., torch.Tensor]]] = [
    # scalar arithmetic and precedence
    ("x0 + x1", lambda x0, x1: x0 + x1),
    ("x0 - x1 - 2", lambda x0, x1: (x0 - x1) - 2),
    ("x0*x1", lambda x0, x1: x0 * x1),
    ("x0/x1/2", lambda x0, x1: (x0 / x1) / 2),
    ("x0/x1*3", lambda x0, x1: (x0 / x1) * 3),
    ("x0**x1", lambda x0, x1: x0**x1),
    ("x0^3", lambda x0: x0**3),
    ("x0**0.5 + x0**-2", lambda x0: x0**0.5 + x0**-2),
    ("-x0", lambda x0: -x0),
    ("-x0**2", lambda x0: -(x0**2)),
    ("2**-x0", lambda x0: 2 ** (-x0)),
    ("x0**x1**2", lambda x0, x1: x0 ** (x1**2)),
    ("(x0 + x1)*(x0 - x1)", lambda x0, x1: (x0 + x1) * (x0 - x1)),
    ("1e-3*x0 + 0.5", lambda x0: 1e-3 * x0 + 0.5),
    ("pi*x0 + E", lambda x0: math.pi * x0 + math.e),
    ("math.e**x0", lambda x0: math.e**x0),
    ("x0**2+3*x1; x1**2+2*x0", lambda x0, x1: torch.stack([x0**2 + 3 * x1, x1**2 + 2 * x0])),
    ("x0; x1; x0*x1*x2", lambda x0, x1, x2: torch.stack([x0, x1, x0 * x1 * x2])),
    ("log(x1, 2) + log(x1, x0)", lambda x0, x1: torch.log(x1) / math.log(2) + torch.log(x1) / torch.log(x0)),
    ("atan2(x0, x2)", lambda x0, x2: torch.atan2(x0, x2)),
    ("max(x0, x1); min(x0, x1)", lambda x0, x1: torch.stack([torch.maximum(x0, x1), torch.minimum(x0, x1)])),
    (
        "max(x0, x1, x2, 1)",
        lambda x0, x1, x2: torch.maximum(torch.maximum(torch.maximum(x0, x1), x2), torch.tensor(1.0)),
    ),
    ("min(x2, 0.5)", lambda x2: torch.minimum(x2, torch.tensor(0.5))),
    # tensors, elementwise, broadcasting
    ("x + y", lambda x, y: x + y),
    ("x - y", lambda x, y: x - y),
    ("x*y", lambda x, y: x * y),
    ("x/y", lambda x, y: x / y),
    ("x**y", lambda x, y: x**y),
    ("x**2 - 1", lambda x: x**2 - 1),
    ("2*x**2", lambda x: 2 * x**2),
    ("x*s + s", lambda x, s: x * s + s),
    ("A*x", lambda A, x: A * x),  # (2, 3) * (3,)
    ("A + b", lambda A, b: A + b),  # (2, 3) + (2, 1)
    ("A*x + b*s", lambda A, b, s, x: A * x + b * s),
    ("mean((x+2)*(x+2)*3)", lambda x: ((x + 2) * (x + 2) * 3).mean()),
    ("max(x, y); min(x, 0.9)", lambda x, y: torch.cat([torch.maximum(x, y), torch.minimum(x, torch.tensor(0.9))])),
    ("atan2(y, x)", lambda x, y: torch.atan2(y, x)),
    ("log(x, 3)", lambda x: torch.log(x) / math.log(3)),
    # reductions, without and with dim (keyword, positional, negative)
    ("sum(A)", lambda A: A.sum()),
    ("sum(A, dim=0)", lambda A: A.sum(dim=0)),
    ("sum(A, 1)", lambda A: A.sum(dim=1)),
    ("mean(A)", lambda A: A.mean()),
    ("mean(A, dim=-1)", lambda A: A.mean(dim=-1)),
    ("prod(x)", lambda x: x.prod()),
    ("prod(A)", lambda A: A.prod()),
    ("prod(A, dim=0)", lambda A: A.prod(dim=0)),
    ("norm(x)", lambda x: torch.linalg.vector_norm(x)),
    ("norm(A)", lambda A: torch.sqrt((A * A).sum())),
    ("norm(A, dim=1)", lambda A: torch.sqrt((A * A).sum(dim=1))),
    ("logsumexp(x)", lambda x: torch.logsumexp(x, dim=0)),
    ("logsumexp(A)", lambda A: torch.log(torch.exp(A).sum())),
    ("logsumexp(A, dim=0)", lambda A: torch.logsumexp(A, dim=0)),
    ("max(x)", lambda x: x.max()),
    ("min(A)", lambda A: A.min()),
    ("max(A, dim=1)", lambda A: A.max(dim=1).values),
    ("min(A, dim=0)", lambda A: A.min(dim=0).values),
    ("sum(x0) + mean(x0) + prod(x0) + norm(x0)", lambda x0: x0 + x0 + x0 + x0.abs()),
    ("softmax(x0) + logsumexp(x0) + max(x0) + min(x0)", lambda x0: 1 + x0 + x0 + x0),
    ("sum(T, dim=1)", lambda T: T.sum(dim=1)),
    ("prod(T, dim=0)", lambda T: T.prod(dim=0)),
    ("norm(T, dim=-1)", lambda T: torch.linalg.vector_norm(T, dim=-1)),
    ("logsumexp(T, dim=2)", lambda T: torch.logsumexp(T, dim=2)),
    ("max(T, dim=1)", lambda T: T.amax(dim=1)),
    ("mean(T)", lambda T: T.mean()),
    ("softmax(T, dim=1)", lambda T: torch.softmax(T, dim=1)),
    ("T * x", lambda T, x: T * x),  # (2, 2, 3) * (3,)
    ("T + A", lambda A, T: T + A),  # (2, 2, 3) + (2, 3)
    ("softmax(x)", lambda x: torch.softmax(x, dim=0)),
    ("softmax(A)", lambda A: torch.softmax(A, dim=-1)),
    ("softmax(A, dim=0)", lambda A: torch.softmax(A, dim=0)),
    ("softmax(A, dim=-1)", lambda A: torch.exp(A) / torch.exp(A).sum(dim=-1, keepdim=True)),
    # dot and @ : 1-D@1-D, 2-D@1-D, 1-D@2-D, 2-D@2-D, batched
    ("dot(x, y)", lambda x, y: torch.dot(x, y)),
    ("2*dot(x, x)", lambda x: 2 * torch.dot(x, x)),
    ("x @ y", lambda x, y: x @ y),
    ("A @ x", lambda A, x: A @ x),
    ("z @ A", lambda A, z: z @ A),
    ("A @ B", lambda A, B: A @ B),
    ("T @ B", lambda B, T: T @ B),  # (2, 2, 3) @ (3, 2)
    ("T @ U", lambda T, U: torch.matmul(T, U)),  # (2, 2, 3) @ (2, 3, 2)
    ("T @ x", lambda T, x: T @ x),  # (2, 2, 3) @ (3,)
    ("softmax(A @ x) * 2", lambda A, x: torch.softmax(A @ x, dim=0) * 2),
    # indexing and slices
    ("x[0]", lambda x: x[0]),
    ("x[-1]", lambda x: x[-1]),
    ("A[1, 2]", lambda A: A[1, 2]),
    ("A[1]", lambda A: A[1]),
    ("A[0][1]", lambda A: A[0][1]),
    ("A[:, 1]", lambda A: A[:, 1]),
    ("A[-1, :2]", lambda A: A[-1, :2]),
    ("A[:, ::2]", lambda A: A[:, ::2]),
    ("u[1:]", lambda u: u[1:]),
    ("u[:-1]", lambda u: u[:-1]),
    ("u[::2]", lambda u: u[::2]),
    ("u[1:4:2]", lambda u: u[1:4:2]),
    ("u[-2:]", lambda u: u[-2:]),
    ("T[1, 0, 2]", lambda T: T[1, 0, 2]),
    ("T[:, 1]", lambda T: T[:, 1]),
    ("(x*2)[1]", lambda x: (x * 2)[1]),
    ("x[0]*x[1] - x[2]", lambda x: x[0] * x[1] - x[2]),
    # several components: scalars are stacked, tensors flattened and concatenated
    ("sum(x); x*2", lambda x: torch.cat([x.sum().reshape(1), (x * 2).reshape(-1)])),
    ("A; x", lambda A, x: torch.cat([A.reshape(-1), x])),
    ("x[0]; 3; x[1]", lambda x: torch.stack([x[0], torch.tensor(3.0, dtype=x.dtype), x[1]])),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("text", "reference"), CASES, ids=[c[0] for c in CASES])
def test_built_equals_hand_written_torch(text: str, reference: Callable[..., torch.Tensor], dtype: str) -> None:
    def ref(**kw: torch.Tensor) -> torch.Tensor:
        # plain Python constants in the references are promoted the way torch promotes them
        out = reference(**kw)
        return out.to(DTYPES[dtype]) if out.dtype != DTYPES[dtype] and not out.requires_grad else out

    compare(text, ref, dtype)


FIRST_LANGUAGE = (
    "sin cos tan asin acos atan sinh cosh tanh asinh acosh atanh exp log log2 log10 sqrt abs erf sigmoid "
    "relu softplus atan2 min max sum mean prod norm logsumexp softmax dot"
).split()


def test_every_function_of_the_first_language_is_covered_and_still_bare() -> None:
    """The functions of vjp's first language keep their bare spellings and have a build case here
    (every catalogue op is covered by tests/test_catalogue.py)."""
    from autograd_cli import catalogue

    used = set(ELEMENTWISE)
    for text, _ in CASES:
        used |= set(re.findall(r"([a-z][a-z0-9]*)\(", text))
    missing = sorted(set(FIRST_LANGUAGE) - used)
    assert not missing, f"no build test for {missing}"
    assert set(FIRST_LANGUAGE) <= catalogue.bare_names()


# ---- dtype: a float32 problem gives float32 everywhere ----------------------------------

FLOAT32_CONSTANT_CASES = [
    "x0 + 1",
    "pi*x0 + E",
    "sin(1)*x0",
    "x0*(1/3)",
    "2**x0",
    "x0**0.5",
    "x0**sin(1)",
    "exp(2)**x0",
    "log(x0, 2)",
    "atan2(1, x0)",
    "max(x0, 1)",
    "min(2, x0, x1)",
    "1; x0",
    "x0/3; 7",
    "x0*0 + 3",
    "1e-3 + x0*x1",
    "sqrt(2)*x0 - cos(pi)",
]


@pytest.mark.parametrize("text", FLOAT32_CONSTANT_CASES)
def test_float32_scalar_inputs_with_constants_stay_float32(text: str) -> None:
    p = make(text, "float32")
    built = Built(p)
    (x,) = built.leaves()
    assert x.dtype == torch.float32
    y = built.of_leaves(x)
    assert y.dtype == torch.float32, f"{text}: y is {y.dtype}"
    (g,) = torch.autograd.grad(y.sum(), x, allow_unused=True, materialize_grads=True)
    assert g.dtype == torch.float32
    # and the same numbers as float64, to float32 precision
    y64 = Built(make(text, "float64")).of_leaves(*Built(make(text, "float64")).leaves())
    torch.testing.assert_close(y.double(), y64, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("text", ["x*2 + 1", "sum(A*x) + pi", "A @ x - 0.5", "softmax(x*0.1); norm(A, dim=0)", "3; x"])
def test_float32_tensor_inputs_with_constants_stay_float32(text: str) -> None:
    built = Built(make(text, "float32"))
    leaves = built.leaves()
    assert all(t.dtype == torch.float32 for t in leaves)
    assert built.of_leaves(*leaves).dtype == torch.float32


# ---- constant subtrees: IEEE results, never a Python exception ------------------------------

CONSTANTS = [
    ("1/0*x0", math.inf),
    ("x0*(1/0)", math.inf),
    ("-1/0 + x0", -math.inf),
    ("0/0 + x0", math.nan),
    ("0**-1*x0", math.inf),
    ("(-8)**(1/3)*x0", math.nan),  # not real: torch's nan
    ("2**-2*x0", 0.5),
    ("0**0*x0", 2.0),
    ("log(0) + x0", -math.inf),
    ("sqrt(-1)*x0", math.nan),
    # a negative non-rational base to an integer power is real
    ("(-pi)**2*x0", 2 * math.pi**2),
    ("(1 - pi)**3*x0", 2 * (1 - math.pi) ** 3),
    ("(-E)**-1*x0", -2 / math.e),
    ("(-0.5)**2*x0", 0.5),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("text", "want"), CONSTANTS, ids=[c[0] for c in CONSTANTS])
def test_constant_subtrees_at_x0_equal_2(text: str, want: float, dtype: str) -> None:
    built = Built(make(text, dtype, {"x0": 2.0}))
    y = built.of_leaves(*built.leaves())
    assert y.dtype == DTYPES[dtype]
    got = y.item()
    if math.isnan(want) or math.isinf(want):
        assert got == want or (math.isnan(want) and math.isnan(got)), f"{text}: {got}"
    else:
        assert got == pytest.approx(want, rel=1e-6), f"{text}: {got}"


@pytest.mark.parametrize(
    ("dtype", "text"),
    [("float64", "2**1024/2**1023*x0"), ("float32", "2**200/2**199*x0"), ("float32", "2**128*2**-127*x0")],
)
def test_a_constant_prefix_of_a_product_is_the_same_as_in_parentheses(dtype: str, text: str) -> None:
    """a/b*x is (a/b)*x, as Python reads it (2**1024/2**1023*x is 2.0*x in hand-written torch):
    an integer constant prefix must not overflow the dtype on its own."""
    prefix, _, _ = text.rpartition("*")
    values = []
    for form in (text, f"({prefix})*x0"):
        built = Built(make(form, dtype, {"x0": 2.0}))
        values.append(built.of_leaves(*built.leaves()).item())
    assert values[0] == values[1], f"{text} = {values[0]} but ({prefix})*x0 = {values[1]}"


# ---- leaves: what autograd sees ----------------------------------------------------------


def test_scalar_inputs_are_one_leaf_vector_as_in_the_seed() -> None:
    p = make("x0**2+3*x1; x1**2+2*x0", point={"x0": 2, "x1": 3})
    assert p.single_leaf
    built = Built(p)
    (x,) = built.leaves()
    assert x.is_leaf and x.requires_grad and x.shape == (2,) and x.dtype == torch.float64
    assert x.tolist() == [2.0, 3.0]
    y = built.of_leaves(x)
    assert y.tolist() == [13.0, 13.0]
    assert y.grad_fn is not None  # a real graph, not numbers
    y.backward(torch.tensor([1.0, 0.0], dtype=torch.float64))
    assert x.grad.tolist() == [4.0, 3.0]


def test_tensor_inputs_are_one_leaf_each_in_their_own_shape() -> None:
    p = make("x*y; A[0]", point={"x": [0, 2, 8], "y": [5, 1, 7], "A": [[1, 2, 3], [4, 5, 6]]})
    assert not p.single_leaf
    built = Built(p)
    leaves = built.leaves()
    assert [n for n in p.names] == ["A", "x", "y"]
    assert [tuple(t.shape) for t in leaves] == [(2, 3), (3,), (3,)]
    assert all(t.is_leaf and t.requires_grad for t in leaves)
    y = built.of_leaves(*leaves)
    assert y.tolist() == [0.0, 2.0, 56.0, 1.0, 2.0, 3.0]
    no_grad = built.leaves(requires_grad=False)
    assert not any(t.requires_grad for t in no_grad)
    # another point, flat in input order
    other = built.leaves([0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6])
    assert built.of_leaves(*other).tolist() == [4.0, 10.0, 18.0, 0.0, 0.0, 0.0]


def test_scalar_and_tensor_inputs_mixed() -> None:
    p = make("x*s", point={"x": [1, 2], "s": 3})
    built = Built(p)
    leaves = built.leaves()
    assert [tuple(t.shape) for t in leaves] == [(), (2,)]  # s, x in natural order
    y = built.of_leaves(*leaves)
    y.backward(torch.ones(2, dtype=torch.float64))
    assert leaves[0].grad.item() == 3.0
    assert leaves[1].grad.tolist() == [3.0, 3.0]


def test_batching_over_points_with_vmap() -> None:
    """The built function is plain torch: torch.vmap runs it over a batch of points."""
    built = Built(make("x0**2+3*x1; x1**2+2*x0", point={"x0": 2, "x1": 3}))
    xs = torch.tensor([[2.0, 3.0], [1.0, 0.0], [-1.0, 2.0]], dtype=torch.float64)
    ys = torch.vmap(built.of_leaves)(xs)
    want = torch.stack([xs[:, 0] ** 2 + 3 * xs[:, 1], xs[:, 1] ** 2 + 2 * xs[:, 0]], dim=1)
    torch.testing.assert_close(ys, want)


@pytest.mark.parametrize("method", ["rows", "batched", "forward"])
def test_a_long_sum_runs_as_one_stack_and_sum_with_the_same_numbers(method):
    """Sums of more than LONG_SUM terms are built as stack+sum: same value and gradient as term by term."""
    from autograd_cli import build, engines

    terms = [
        f"{(i % 7) - 3}*x{i % 5}**2" if i % 3 else f"-sin(x{i % 5})*x{(i + 1) % 5}" for i in range(3 * build.LONG_SUM)
    ]
    p = make(" + ".join(terms), point={f"x{k}": float(k + 1) for k in range(5)})
    x = torch.tensor([1.0, 2, 3, 4, 5], dtype=torch.float64, requires_grad=True)
    by_hand = sum(
        ((i % 7) - 3) * x[i % 5] ** 2 if i % 3 else -torch.sin(x[i % 5]) * x[(i + 1) % 5] for i in range(len(terms))
    )
    (grad,) = torch.autograd.grad(by_hand, x)
    y, jac, _ = engines.compute_jacobian(p, method)
    torch.testing.assert_close(y.reshape(()), by_hand.detach())
    torch.testing.assert_close(jac.reshape(-1), grad)
