"""Samples for the differential test of the catalogue (tests/test_catalogue_differential.py).

Every operation of autograd_cli/catalogue has one to three samples: an expression with one
call to ``f`` (the placeholder for each spelling: ``f(A, dim=1)`` becomes ``torch.sum(A,
dim=1)``, ``np.sum(A, axis=1)``, ``A.sum(dim=1)``...), the input values (with a kink or a
domain edge where the op has one), and a reference: torch called directly, written by hand.
Keywords use the operation's own parameter names (``dim``, ``keepdim``, ``correction``);
the test writes each spelling's name for them (np's ``axis``, ``keepdims``, ``ddof``), and
leaves a sample out for a spelling that has no such parameter.

Where a library means something else by a name, ``refs`` gives that family its own reference:
the library's documented meaning, reproduced with torch. ``refused`` lists families whose
library refuses the call (torch.cumsum of a matrix needs dim), which vjp must refuse too.

At a kink a library without gradients (NumPy) has no derivative to follow, and vjp gives
torch's choice for every spelling (relu'(0) = 0, clamp's bounds included); the references
pin torch's choice there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F  # noqa: N812

Ref = Callable[..., torch.Tensor]

# families (Spelling.family) that mean the same thing, named once
FAMILY_GROUPS: dict[str, tuple[str, ...]] = {
    "NP": ("np", "jnp"),
    "NPLA": ("np.linalg", "jnp.linalg"),
    "TORCH": ("torch", "method"),
}


def _families(names: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for n in names:
        out.update(FAMILY_GROUPS.get(n, (n,)))
    return frozenset(out)


@dataclass(frozen=True, eq=False)
class Sample:
    name: str
    expr: str  # one call to f: the spelling under test
    ref: Ref  # torch, by hand: the inputs by name -> the value
    inputs: dict[str, Any]
    wrt: tuple[str, ...] | None = None  # the differentiated inputs (default: every non-integer one)
    index: tuple[str, ...] = ()  # integer inputs: class targets, index arrays (constants)
    refs: dict[str, Ref] = field(default_factory=dict)  # a family's own meaning
    refused: frozenset[str] = frozenset()  # families whose library refuses this call
    only: frozenset[str] | None = None  # the families this sample is written for

    def applies(self, family: str) -> bool:
        return self.only is None or family in self.only

    def refuses(self, family: str) -> bool:
        return family in self.refused

    def reference(self, family: str) -> Ref:
        return self.refs.get(family, self.ref)

    def differentiated(self) -> tuple[str, ...]:
        return self.wrt or tuple(n for n in self.inputs if n not in self.index)


def S(  # noqa: N802 - a declaration helper, like the catalogue's P
    name: str,
    expr: str,
    ref: Ref,
    *,
    wrt: tuple[str, ...] | None = None,
    index: tuple[str, ...] = (),
    refs: dict[str, Ref] | None = None,
    refused: Iterable[str] = (),
    only: Iterable[str] | None = None,
    **inputs: Any,
) -> Sample:
    expanded = {fam: fn for key, fn in (refs or {}).items() for fam in _families([key])}
    return Sample(
        name,
        expr,
        ref,
        inputs,
        wrt,
        index,
        expanded,
        _families(refused),
        None if only is None else _families(only),
    )


SAMPLES: dict[str, tuple[Sample, ...]] = {}


def add(key: str, *samples: Sample) -> None:
    assert key not in SAMPLES, key
    names = [s.name for s in samples]
    assert len(set(names)) == len(names), (key, names)
    SAMPLES[key] = samples


# the shape queries and static values: whole numbers known before the computation
STATIC_OPS = frozenset({"shape", "ndim", "numel", "len", "size", "range", "list", "float"})
# operations whose every call is refused (a sample pins the refusal)
REFUSED_ONLY = frozenset({"pair.indices"})

# ---- values ---------------------------------------------------------------------------------------------

GEN = [[-1.5, -0.5, 0.0], [0.5, 1.0, 2.0]]
UNIT = [[-1.0, -0.5, 0.0], [0.25, 0.9, 1.0]]  # ±1: the edges of asin, atanh, erfinv
POS = [[0.0, 0.25, 1.0], [2.0, 4.0, -1.0]]  # 0: the edge of sqrt and log; -1 outside
STEPS = [[-1.5, -1.0, -0.25], [0.0, 0.75, 2.0]]  # whole numbers: the jumps of floor and ceil
HALVES = [[-1.5, -0.5, 0.5], [1.5, 2.5, 0.25]]  # round half to even
X5 = [-1.5, -0.5, 0.0, 0.5, 2.0]
M23 = [[0.5, -1.0, 2.0], [1.5, 0.0, -0.25]]
N23 = [[1.0, 2.0, -0.5], [0.25, -1.5, 3.0]]
M32 = [[1.0, -2.0], [0.5, 3.0], [-1.0, 0.25]]
A22 = [[2.0, 1.0], [0.5, 3.0]]
B22 = [[1.0, -1.0], [2.0, 0.5]]
A33 = [[2.0, -1.0, 0.5], [1.0, 3.0, -2.0], [0.0, 1.5, 1.0]]
SINGULAR = [[1.0, 2.0], [2.0, 4.0]]
T234 = [
    [[0.5, -1.0, 2.0, 1.0], [1.5, 0.0, -0.25, 3.0], [2.0, -2.0, 0.75, -0.5]],
    [[1.0, 0.25, -1.5, 0.5], [-0.75, 2.5, 1.0, -1.0], [0.0, 1.25, -2.0, 2.25]],
]
TIES = [[1.0, 3.0, 3.0], [2.0, -1.0, 2.0]]  # a maximum tied in row 0, a minimum... in row 1

# ---- elementwise: one argument -------------------------------------------------------------------------


def unary(key: str, fn: Ref, values: Any, name: str = "edges", **opts: Any) -> None:
    add(key, S(name, "f(x)", lambda x: fn(x), x=values, **opts))


unary("sin", torch.sin, GEN)
unary("cos", torch.cos, GEN)
unary("tan", torch.tan, GEN)
unary("asin", torch.asin, UNIT)
unary("acos", torch.acos, UNIT)
unary("atan", torch.atan, GEN)
unary("sinh", torch.sinh, GEN)
unary("cosh", torch.cosh, GEN)
unary("tanh", torch.tanh, GEN)
unary("asinh", torch.asinh, GEN)
unary("acosh", torch.acosh, [[1.0, 1.5, 3.0], [0.5, 2.0, 10.0]])
unary("atanh", torch.atanh, UNIT)
unary("exp", torch.exp, GEN)
unary("exp2", torch.exp2, GEN)
unary("expm1", torch.expm1, GEN)
unary("log2", torch.log2, POS)
unary("log10", torch.log10, POS)
unary("log1p", torch.log1p, [[-1.0, -0.5, 0.0], [1.0, 3.0, -2.0]])
unary("sqrt", torch.sqrt, POS)
unary("rsqrt", torch.rsqrt, POS)
unary("square", torch.square, GEN)
unary("reciprocal", torch.reciprocal, GEN)
unary("torch.log", torch.log, POS)
add(
    "log",
    S("edges", "f(x)", lambda x: torch.log(x), x=POS),
    S("base", "f(x, b)", lambda x, b: torch.log(x) / torch.log(b), x=[0.5, 2.0, 8.0], b=[2.0, 10.0, 0.5]),
)
unary("abs", torch.abs, GEN, name="kink0")
unary("neg", torch.neg, GEN)
unary("sign", torch.sign, GEN, name="jump0")
unary("floor", torch.floor, STEPS)
unary("ceil", torch.ceil, STEPS)
unary("trunc", torch.trunc, STEPS)
unary("frac", torch.frac, STEPS)
unary("sympy.frac", lambda x: x - torch.floor(x), STEPS)  # SymPy's frac(-1.25) is 0.75, torch's -0.25
add(
    "round",
    S("halves", "f(x)", lambda x: torch.round(x), x=HALVES),
    S(
        "decimals",
        "f(x, decimals=1)",
        lambda x: torch.round(x, decimals=1),
        x=[[0.25, -1.35, 2.0], [0.05, 3.14159, -0.75]],
    ),
)
unary("erf", torch.erf, GEN)
unary("erfc", torch.erfc, GEN)
unary("erfinv", torch.erfinv, UNIT)
unary("lgamma", torch.lgamma, [[0.0, -1.0, 0.5], [1.0, 2.5, -1.5]])
unary("digamma", torch.digamma, [[0.0, -1.0, 0.5], [1.0, 2.5, -1.5]])
unary("sinc", torch.sinc, GEN, name="at0")  # torch's and NumPy's: normalised, sin(πx)/(πx)


def _unnormalised_sinc(x: torch.Tensor) -> torch.Tensor:
    """SymPy's sinc: sin(x)/x, 1 at 0 (where its derivative is 0)."""
    safe = torch.where(x == 0, torch.ones_like(x), x)
    return torch.where(x == 0, torch.ones_like(x), torch.sin(safe) / safe)


unary("sympy.sinc", _unnormalised_sinc, GEN, name="at0")
unary("sigmoid", torch.sigmoid, [[-40.0, -0.5, 0.0], [0.5, 1.0, 40.0]])
unary("entr", torch.special.entr, [[0.0, -0.5, 0.5], [1.0, 2.0, 0.25]])
add(
    "logit",
    S("edges", "f(x)", lambda x: torch.logit(x), x=[[0.0, 0.25, 0.5], [0.75, 1.0, 1.5]]),
    S("eps", "f(x, eps=0.25)", lambda x: torch.logit(x, eps=0.25), x=[[0.1, 0.25, 0.5], [0.75, 0.9, 0.3]]),
)

# ---- elementwise: two arguments (y broadcast along rows) -----------------------------------------------

PAIR_X = [[1.0, -1.0, 0.0], [0.0, 0.5, -2.0]]


def binary(key: str, fn: Ref, y: Any, name: str, x: Any = PAIR_X, **more: Sample) -> None:
    add(key, S(name, "f(x, y)", lambda x, y: fn(x, y), x=x, y=y), *more.values())


binary("atan2", torch.atan2, [0.0, 0.0, 2.0], "origin")
binary("hypot", torch.hypot, [0.0, 0.0, 2.0], "origin")
binary("logaddexp", torch.logaddexp, [1.0, 0.0, 30.0], "ties")
binary("logaddexp2", torch.logaddexp2, [1.0, 0.0, 30.0], "ties")
binary("xlogy", torch.xlogy, [0.0, 1.0, 3.0], "zeros", x=[[0.0, 0.0, 1.0], [2.0, 0.5, -1.0]])
binary("xlog1py", torch.special.xlog1py, [-1.0, 0.0, 3.0], "edges", x=[[0.0, 0.0, 1.0], [2.0, 0.5, -1.0]])
binary("maximum", torch.maximum, [1.0, 0.0, 0.0], "ties")
binary("minimum", torch.minimum, [1.0, 0.0, 0.0], "ties")
binary("fmax", torch.fmax, [1.0, 0.0, 0.0], "ties")
binary("fmin", torch.fmin, [1.0, 0.0, 0.0], "ties")
binary("copysign", torch.copysign, [1.0, -0.0, -3.0], "zeros")
binary(
    "add",
    torch.add,
    [1.0, 0.0, 3.0],
    "plain",
    alpha=S("alpha", "f(x, y, alpha=2.5)", lambda x, y: torch.add(x, y, alpha=2.5), x=PAIR_X, y=[1.0, 0.0, 3.0]),
)
binary(
    "sub",
    torch.sub,
    [1.0, 0.0, 3.0],
    "plain",
    alpha=S("alpha", "f(x, y, alpha=-0.5)", lambda x, y: torch.sub(x, y, alpha=-0.5), x=PAIR_X, y=[1.0, 0.0, 3.0]),
)
binary("mul", torch.mul, [1.0, 0.0, 3.0], "plain")
binary("div", torch.div, [2.0, 0.0, -4.0], "by0")
add(
    "pow",
    S("tensors", "f(x, y)", lambda x, y: torch.pow(x, y), x=[[0.0, 0.5, 2.0], [-1.5, 4.0, 0.0]], y=[2.0, 0.5, -1.0]),
    S("square", "f(x, 2)", lambda x: torch.pow(x, 2), x=GEN),
    S("root", "f(x, 0.5)", lambda x: torch.pow(x, 0.5), x=POS),
)
add(
    "float_power",
    S(
        "tensors",
        "f(x, y)",
        lambda x, y: torch.float_power(x, y),
        x=[[0.5, 1.0, 2.0], [3.0, 4.0, 0.25]],
        y=[2.0, 0.5, -1.0],
    ),
)
add(
    "lerp",
    S("tensors", "f(x, y, w)", lambda x, y, w: torch.lerp(x, y, w), x=PAIR_X, y=[1.0, 2.0, -1.0], w=[0.0, 0.5, 1.0]),
    S("number", "f(x, y, 0.25)", lambda x, y: torch.lerp(x, y, 0.25), x=PAIR_X, y=[1.0, 2.0, -1.0]),
)
add(
    "where",
    S("switch", "f(x > 0, x, y)", lambda x, y: torch.where(x > 0, x, y), x=X5, y=[2.0, 1.0, -1.0, 0.5, 3.0]),
    S("leaky", "f(x >= 0, x, 0.01 * x)", lambda x: torch.where(x >= 0, x, 0.01 * x), x=X5),
)
add(
    "where.method",
    S("switch", "f(x, x > 0, y)", lambda x, y: x.where(x > 0, y), x=X5, y=[2.0, 1.0, -1.0, 0.5, 3.0]),
)
CLAMP_X = [-2.0, -1.0, 0.0, 0.5, 1.0, 2.0]
add(
    "clamp",
    S("bounds", "f(x, -1.0, 1.0)", lambda x: torch.clamp(x, -1.0, 1.0), x=CLAMP_X),
    S("min", "f(x, min=0.0)", lambda x: torch.clamp(x, min=0.0), x=CLAMP_X),
    S(
        "tensors",
        "f(x, lo, hi)",
        lambda x, lo, hi: torch.clamp(x, lo, hi),
        x=X5,
        lo=[-1.0, 0.0, -0.5, 1.0, 0.0],
        hi=[1.0, 1.0, 0.5, 2.0, 1.0],
    ),
    # a tensor bound next to a number (torch.clamp itself wants both of one kind)
    S(
        "mixed",
        "f(x, lo, 1.0)",
        lambda x, lo: torch.clamp(x, lo, torch.tensor(1.0, dtype=x.dtype)),
        x=X5,
        lo=[-1.0, 0.0, -0.5, 1.0, 0.0],
    ),
)
add("clamp_min", S("bound", "f(x, 0.0)", lambda x: torch.clamp_min(x, 0.0), x=CLAMP_X))
add("clamp_max", S("bound", "f(x, 1.0)", lambda x: torch.clamp_max(x, 1.0), x=CLAMP_X))

# ---- reductions ----------------------------------------------------------------------------------------

add(
    "sum",
    S("all", "f(A)", lambda A: torch.sum(A), A=M23),
    S("dim", "f(A, dim=1, keepdim=True)", lambda A: torch.sum(A, dim=1, keepdim=True), A=M23),
    S(
        "aliases", "f(A, axis=0, keepdims=True)", lambda A: torch.sum(A, dim=0, keepdim=True), A=M23
    ),  # torch takes np's names
    # dim=(): every dim for torch; no axis at all for NumPy and JAX (refused rather than guessed)
    S("nodims", "f(A, dim=())", lambda A: torch.sum(A, dim=()), A=M23, refused=("NP",)),
    # Python's sum of a list adds its items; torch.sum and jnp.sum take one tensor only; np.sum
    # would sum every element of the stacked array, and vjp refuses it rather than guess
    S("list", "f([x, y])", lambda x, y: x + y, x=[1.0, 2.0], y=[0.5, -3.0], refused=("TORCH", "NP")),
)
add(
    "mean",
    S("all", "f(A)", lambda A: torch.mean(A), A=M23),
    S("dims", "f(T, dim=(0, 2))", lambda T: torch.mean(T, dim=(0, 2)), T=T234),
)
add(
    "prod",
    S("zero", "f(A)", lambda A: torch.prod(A), A=M23),  # one element is 0: torch's special backward
    S("dim", "f(A, 1, keepdim=True)", lambda A: torch.prod(A, 1, keepdim=True), A=[[0.0, 2.0, 0.0], [1.5, -1.0, 2.0]]),
)
for _key, _fn in (("amax", torch.amax), ("amin", torch.amin)):
    add(
        _key,
        S("ties", "f(A)", lambda A, fn=_fn: fn(A), A=[[1.0, 3.0, 3.0], [-1.0, 3.0, -1.0]]),  # ties share the gradient
        S("dim", "f(A, dim=1)", lambda A, fn=_fn: fn(A, dim=1), A=TIES),
        S("dims", "f(T, dim=(0, 2), keepdim=True)", lambda T, fn=_fn: fn(T, dim=(0, 2), keepdim=True), T=T234),
    )
for _key, _fn in (("max.dim", torch.max), ("min.dim", torch.min)):
    add(
        _key,
        S("values", "f(A, 1).values", lambda A, fn=_fn: fn(A, 1).values, A=TIES),  # a tie: torch picks one index
        S("first", "f(A, dim=0, keepdim=True)[0]", lambda A, fn=_fn: fn(A, dim=0, keepdim=True)[0], A=TIES),
    )
for _key, _fn in (("max.n", torch.maximum), ("min.n", torch.minimum)):
    add(
        _key,
        S("ties", "f(x, y)", lambda x, y, fn=_fn: fn(x, y), x=[1.0, -1.0, 0.0], y=[1.0, 0.0, -2.0]),
        S(
            "three",
            "f(x, y, 0.5)",
            lambda x, y, fn=_fn: fn(fn(x, y), torch.tensor(0.5, dtype=x.dtype)),
            x=[1.0, -1.0, 0.5],
            y=[1.0, 0.0, -2.0],
        ),
        S("list", "f([x, y])", lambda x, y, fn=_fn: fn(x, y), x=[1.0, -1.0, 0.0], y=[2.0, 0.0, -2.0]),
    )
for _key, _fn in (("max.ambiguous", torch.maximum), ("min.ambiguous", torch.minimum)):
    add(
        _key,
        S("scalar", "f(x, 0)", lambda x, fn=_fn: fn(x, torch.zeros_like(x)), x=0.0),  # a tie: half each
        # torch would read 1 as a dim, maths as a number: refused, naming both
        S("matrix", "f(A, 1)", lambda A: A, A=M23, refused=("bare",)),
    )
add(
    "logsumexp",
    S("dim", "f(A, 1)", lambda A: torch.logsumexp(A, 1), A=[[1.0, 1.0, 1.0], [-50.0, 0.0, 50.0]]),
    S("keepdim", "f(T, dim=(0, 2), keepdim=True)", lambda T: torch.logsumexp(T, dim=(0, 2), keepdim=True), T=T234),
    # torch has no default dim; jax's and the bare name's is every element
    S("all", "f(A)", lambda A: torch.logsumexp(A, dim=(0, 1)), A=M23, refused=("torch", "method", "special")),
)
for _key, _fn in (("std", torch.std), ("var", torch.var)):
    add(
        _key,
        # torch divides by n - 1, NumPy by n; the bare name is refused as ambiguous
        S(
            "default",
            "f(A)",
            lambda A, fn=_fn: fn(A),
            A=M23,
            refs={"NP": lambda A, fn=_fn: fn(A, correction=0)},
            refused=("bare",),
        ),
        S(
            "correction",
            "f(A, dim=1, correction=0, keepdim=True)",
            lambda A, fn=_fn: fn(A, dim=1, correction=0, keepdim=True),
            A=M23,
        ),
        S("constant", "f(x, 0, True)", lambda x, fn=_fn: fn(x, 0, True), x=[1.5, 1.5, 1.5]),  # std 0: nan gradient
        S("unbiased", "f(A, unbiased=False)", lambda A, fn=_fn: fn(A, unbiased=False), A=M23),
    )
add(
    "cumsum",
    S("dim", "f(A, dim=1)", lambda A: torch.cumsum(A, dim=1), A=M23),
    # NumPy runs over the flattened array without an axis; torch needs dim
    S("flat", "f(A)", lambda A: torch.cumsum(A.reshape(-1), dim=0), A=M23, refused=("torch", "method", "bare")),
)
add(
    "cumprod",
    S("zeros", "f(A, dim=1)", lambda A: torch.cumprod(A, dim=1), A=[[2.0, 0.0, 3.0], [0.0, 0.0, 1.5]]),
    S("flat", "f(A)", lambda A: torch.cumprod(A.reshape(-1), dim=0), A=M23, refused=("torch", "method", "bare")),
)


def _np_median(x: torch.Tensor, dim: int | None = None) -> torch.Tensor:
    """NumPy's median: the mean of the two middle elements of the sorted values."""
    if dim is None:
        x, dim = x.reshape(-1), 0
    s = torch.sort(x, dim=dim).values
    n = s.shape[dim]
    return (s.select(dim, (n - 1) // 2) + s.select(dim, n // 2)) / 2


add(
    "median",
    # torch's median is the lower middle element; NumPy's (and the bare name's) the mean of the two
    S("even", "f(x)", lambda x: torch.median(x), x=[3.0, 1.0, 4.0, 2.0], refs={"NP": _np_median, "bare": _np_median}),
    S(
        "ties",
        "f(x)",
        lambda x: torch.median(x),
        x=[1.0, 2.0, 2.0, 5.0, 0.0],
        refs={"NP": _np_median, "bare": _np_median},
    ),
    S(
        "dim",
        "f(A, 1).values",
        lambda A: torch.median(A, 1).values,
        A=[[3.0, 1.0, 4.0, 2.0], [0.0, 0.5, -1.0, 2.0]],
        only=("TORCH",),
    ),
    S(
        "axis",
        "f(A, dim=1)",
        lambda A: _np_median(A, 1),
        A=[[3.0, 1.0, 4.0, 2.0], [0.0, 0.5, -1.0, 2.0]],
        only=("NP", "bare"),
    ),
)
add(
    "sort",
    S("pair", "f(A, 1).values", lambda A: torch.sort(A, 1).values, A=TIES, only=("TORCH",)),
    S("descending", "f(x, descending=True)[0]", lambda x: torch.sort(x, descending=True)[0], x=X5, only=("TORCH",)),
    S("values", "f(A, dim=0)", lambda A: torch.sort(A, dim=0).values, A=TIES, only=("NP",)),  # np.sort: the values
)

# ---- products and linear algebra -------------------------------------------------------------------------

X3 = [0.5, -1.5, 2.0]
Y3 = [1.0, 0.25, -0.5]
add(
    "matmul",
    S("matrices", "f(A, B)", lambda A, B: torch.matmul(A, B), A=M23, B=M32),
    S(
        "batch",
        "f(T, x)",
        lambda T, x: torch.matmul(T, x),
        T=[[[1.0, 2.0], [0.5, -1.0]], [[0.0, 1.0], [3.0, 0.25]]],
        x=[1.5, -2.0],
    ),
    S("vectors", "f(x, y)", lambda x, y: torch.matmul(x, y), x=X3, y=Y3),
)
add("mm", S("matrices", "f(A, B)", lambda A, B: torch.mm(A, B), A=M23, B=M32))
add("mv", S("matvec", "f(A, x)", lambda A, x: torch.mv(A, x), A=M23, x=X3))
add(
    "bmm",
    S(
        "batch",
        "f(T, U)",
        lambda T, U: torch.bmm(T, U),
        T=[[[1.0, 2.0]], [[0.5, -1.0]]],
        U=[[[1.0], [3.0]], [[2.0], [-0.5]]],
    ),
)
add("dot", S("vectors", "f(x, y)", lambda x, y: torch.dot(x, y), x=X3, y=Y3))


def _np_dot(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """np.dot: a product of numbers, matrix products up to 2-D, else a sum over a's last axis
    and b's second-to-last."""
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if b.ndim == 1:
        return torch.einsum("...i,i->...", a, b)
    return torch.tensordot(a, b, dims=([a.ndim - 1], [b.ndim - 2]))


add(
    "np.dot",
    S("matvec", "f(A, x)", lambda A, x: _np_dot(A, x), A=M23, x=X3),
    S(
        "stacked",
        "f(T, B)",
        lambda T, B: _np_dot(T, B),
        T=[[[1.0, 2.0], [0.5, -1.0]], [[0.0, 1.0], [3.0, 0.25]]],
        B=[[[1.0, 0.5, 2.0], [-1.0, 0.0, 1.5]], [[0.25, 1.0, -2.0], [3.0, 1.0, 0.5]]],
    ),
    S("number", "f(c, x)", lambda c, x: _np_dot(c, x), c=2.5, x=X3),
)
add(
    "inner",
    S("matrices", "f(A, B)", lambda A, B: torch.inner(A, B), A=M23, B=N23),
    S("number", "f(c, x)", lambda c, x: torch.inner(c, x), c=-1.5, x=X3),
)
add(
    "outer",
    S("vectors", "f(x, y)", lambda x, y: torch.outer(x, y), x=X3, y=[1.0, -2.0]),
    # np.outer flattens its arguments; torch.outer takes vectors only
    S(
        "matrix",
        "f(A, y)",
        lambda A, y: torch.outer(A.reshape(-1), y),
        A=A22,
        y=[1.0, -2.0],
        refused=("torch", "method", "bare"),
    ),
)
add("kron", S("matrices", "f(A, B)", lambda A, B: torch.kron(A, B), A=A22, B=[[0.0, 1.0, 2.0], [1.5, -1.0, 0.5]]))
add(
    "cross",
    S("dim", "f(a, b, dim=1)", lambda a, b: torch.linalg.cross(a, b, dim=1), a=M23, b=N23),
    # without dim: torch.cross (and x.cross) use the first dim of size 3, torch.linalg.cross
    # and np.cross the last
    S(
        "default",
        "f(a, b)",
        lambda a, b: torch.linalg.cross(a, b, dim=0),
        a=A33,
        b=[[1.0, 0.5, -1.0], [0.0, 2.0, 1.0], [1.5, -0.5, 0.25]],
        refs={
            "NP": lambda a, b: torch.linalg.cross(a, b, dim=-1),
            "linalg": lambda a, b: torch.linalg.cross(a, b, dim=-1),
        },
    ),
)
add(
    "tensordot",
    S("default", "f(A, B)", lambda A, B: torch.tensordot(A, B), A=M23, B=N23),
    S("one", "f(A, B, dims=1)", lambda A, B: torch.tensordot(A, B, dims=1), A=M23, B=M32),
    S(
        "axes",
        "f(A, B, dims=([1, 0], [0, 1]))",
        lambda A, B: torch.tensordot(A, B, dims=([1, 0], [0, 1])),
        A=M23,
        B=M32,
    ),
)
add(
    "einsum",
    S("matvec", "f('ij,j->i', A, x)", lambda A, x: torch.einsum("ij,j->i", A, x), A=M23, x=X3),
    S("implicit", "f('ij,kj', A, B)", lambda A, B: torch.einsum("ij,kj->ik", A, B), A=M23, B=N23),
    S(
        "ellipsis",
        "f('...ij,...jk->...ik', T, U)",
        lambda T, U: torch.einsum("...ij,...jk->...ik", T, U),
        T=[[[1.0, 2.0], [0.5, -1.0]], [[0.0, 1.0], [3.0, 0.25]]],
        U=[[[1.0], [3.0]], [[2.0], [-0.5]]],
    ),
)
add("multi_dot", S("three", "f([A, B, C])", lambda A, B, C: torch.linalg.multi_dot([A, B, C]), A=M23, B=M32, C=B22))
add(
    "vecdot",
    S("last", "f(x, y)", lambda x, y: torch.linalg.vecdot(x, y), x=M23, y=N23),
    S("dim", "f(x, y, dim=0)", lambda x, y: torch.linalg.vecdot(x, y, dim=0), x=M23, y=N23),
)
ZERO_ROW = [[0.0, 0.0, 0.0], [1.0, -2.0, 2.0]]
add(
    "vector_norm",
    S("zero", "f(x)", lambda x: torch.linalg.vector_norm(x), x=[0.0, 0.0, 0.0]),  # the cone point
    S("ord1", "f(A, 1, dim=1)", lambda A: torch.linalg.vector_norm(A, 1, dim=1), A=ZERO_ROW),
    S("inf", "f(x, ord=float('inf'))", lambda x: torch.linalg.vector_norm(x, ord=float("inf")), x=[3.0, -3.0, 1.0]),
    S("nodims", "f(A, dim=())", lambda A: torch.linalg.vector_norm(A, dim=()), A=M23),  # torch: every dim
)
add(
    "matrix_norm",
    S("fro", "f(A)", lambda A: torch.linalg.matrix_norm(A), A=M23),
    S("nuc", "f(A, ord='nuc')", lambda A: torch.linalg.matrix_norm(A, ord="nuc"), A=M23),
    S("ord1", "f(A, 1, keepdim=True)", lambda A: torch.linalg.matrix_norm(A, 1, keepdim=True), A=M23),
    S("dims", "f(T, dim=(0, 2))", lambda T: torch.linalg.matrix_norm(T, dim=(0, 2)), T=T234),
)
add(
    "linalg.norm",
    S("matrix", "f(A)", lambda A: torch.linalg.norm(A), A=M23),
    S("spectral", "f(A, 2)", lambda A: torch.linalg.norm(A, 2), A=M23),
    S("rows", "f(A, 1, dim=1)", lambda A: torch.linalg.norm(A, 1, dim=1), A=ZERO_ROW),
    S("tensor", "f(T)", lambda T: torch.linalg.norm(T), T=T234),  # no ord, 3-D: the 2-norm of every element
    S("inf", "f(x, float('inf'))", lambda x: torch.linalg.norm(x, float("inf")), x=[3.0, -3.0, 1.0]),
)
add(
    "norm",
    S("all", "f(A)", lambda A: torch.norm(A), A=ZERO_ROW),
    # torch.norm's p=1 is the 1-norm of all elements, not the matrix 1-norm
    S("p1", "f(A, 1)", lambda A: torch.norm(A, 1), A=M23),
    S("dim", "f(A, dim=1, keepdim=True)", lambda A: torch.norm(A, dim=1, keepdim=True), A=ZERO_ROW),
    S("nuc", "f(A, p='nuc')", lambda A: torch.norm(A, p="nuc"), A=M23),
)
add(
    "norm.bare",
    S("all", "f(A)", lambda A: torch.linalg.vector_norm(A), A=M23),
    S("zero", "f(x, dim=0)", lambda x: torch.linalg.vector_norm(x, dim=0), x=[0.0, 0.0]),
    S("p", "f(A, p=1)", lambda A: torch.linalg.vector_norm(A, 1), A=M23),
)
add(
    "norm.ambiguous",
    S("vector", "f(x, 1)", lambda x: torch.linalg.vector_norm(x, 1), x=[0.0, -1.5, 2.0]),
    S("matrix", "f(A, 1)", lambda A: A, A=M23, refused=("bare",)),  # the order p, or dim 1?
)
add(
    "det",
    # det 0: torch's gradient here is 0, not the adjugate [[4, -2], [-2, 1]] (a torch quirk, pinned)
    S("singular", "f(A)", lambda A: torch.linalg.det(A), A=SINGULAR),
    S("3x3", "f(A)", lambda A: torch.linalg.det(A), A=A33),
)
add(
    "logdet",
    S("positive", "f(A)", lambda A: torch.logdet(A), A=A22),
    S("negative", "f(A)", lambda A: torch.logdet(A), A=[[0.0, 1.0], [1.0, 0.5]]),  # det < 0: nan
)
add(
    "slogdet",
    S("logabsdet", "f(A).logabsdet", lambda A: torch.linalg.slogdet(A).logabsdet, A=[[0.0, 1.0], [1.0, 0.5]]),
    S("index", "f(A)[1]", lambda A: torch.linalg.slogdet(A)[1], A=A33),
)
add("inv", S("matrix", "f(A)", lambda A: torch.linalg.inv(A), A=A33))
add("inverse", S("matrix", "f(A)", lambda A: torch.inverse(A), A=A22))
add(
    "solve",
    S("vector", "f(A, b)", lambda A, b: torch.linalg.solve(A, b), A=A22, b=[1.0, -2.0]),
    S("matrix", "f(A, B)", lambda A, B: torch.linalg.solve(A, B), A=A22, B=M23),
    # a batch of matrices with b of shape (..., n): torch reads b as a batch of vectors; NumPy 2
    # and JAX read it as matrices (only a 1-D b is a vector)
    S(
        "batch",
        "f(A, b)",
        lambda A, b: torch.linalg.solve(A, b),
        A=[[[2.0, 1.0], [0.5, 3.0]], [[1.0, -1.0], [2.0, 0.5]]],
        b=[[1.0, -2.0], [0.5, 1.5]],
        refs={"NPLA": lambda A, b: torch.linalg.solve(A, b.unsqueeze(0).expand(2, 2, 2))},
    ),
)
add("matrix_exp", S("matrix", "f(A)", lambda A: torch.linalg.matrix_exp(A), A=[[0.0, 1.0], [-0.5, 0.25]]))
add(
    "matrix_power",
    S("cube", "f(A, 3)", lambda A: torch.linalg.matrix_power(A, 3), A=A22),
    S("zero", "f(A, 0) * A.sum()", lambda A: torch.linalg.matrix_power(A, 0) * A.sum(), A=A22),
    S("inverse", "f(A, -1)", lambda A: torch.linalg.matrix_power(A, -1), A=A22),
)
add("trace", S("matrix", "f(A)", lambda A: torch.trace(A), A=M23))
add(
    "diag",
    S("embed", "f(x)", lambda x: torch.diag(x), x=X3),
    S("extract", "f(A, 1)", lambda A: torch.diag(A, 1), A=M23),
    S("below", "f(x, diagonal=-1)", lambda x: torch.diag(x, diagonal=-1), x=[1.0, 2.0]),
)
add(
    "diagonal",
    S("main", "f(A)", lambda A: torch.diagonal(A), A=M23),
    S("dims", "f(T, offset=1, dim1=1, dim2=2)", lambda T: torch.diagonal(T, offset=1, dim1=1, dim2=2), T=T234),
)
for _key, _fn in (("tril", torch.tril), ("triu", torch.triu)):
    add(
        _key,
        S("main", "f(A)", lambda A, fn=_fn: fn(A), A=A33),
        S("offset", "f(A, diagonal=-1)", lambda A, fn=_fn: fn(A, diagonal=-1), A=M23),
    )
add(
    "dist",
    S("equal", "f(x, y)", lambda x, y: torch.dist(x, y), x=X3, y=X3),  # distance 0: the cone point
    S("p1", "f(x, y, 1)", lambda x, y: torch.dist(x, y, 1), x=X3, y=[0.5, 0.0, 1.0]),
)
add(
    "cdist",
    S(
        "rows", "f(a, b)", lambda a, b: torch.cdist(a, b), a=M23, b=[[0.5, -1.0, 2.0], [0.0, 1.0, 1.0]]
    ),  # a zero distance
    S("p1", "f(a, b, p=1.0)", lambda a, b: torch.cdist(a, b, p=1.0), a=M23, b=N23),
)

# ---- moving elements: reshape, transpose, join ------------------------------------------------------------

add(
    "reshape",
    S("tuple", "f(A, (3, 2))", lambda A: torch.reshape(A, (3, 2)), A=M23),
    S("sizes", "f(A, 3, -1)", lambda A: torch.reshape(A, (3, -1)), A=M23),
)
add(
    "flatten",
    S("all", "f(T)", lambda T: torch.flatten(T), T=T234),
    S("start", "f(T, 1)", lambda T: torch.flatten(T, 1), T=T234),
)
add(
    "ravel",
    S("all", "f(T)", lambda T: torch.ravel(T), T=T234),
    S("scalar", "f(c) * 2", lambda c: torch.ravel(c) * 2, c=1.5),
)
S113 = [[[1.0], [2.0], [-0.5]]]
add(
    "squeeze",
    S("all", "f(S)", lambda S: torch.squeeze(S), S=S113),
    S("dim", "f(S, 2)", lambda S: torch.squeeze(S, 2), S=S113),
    # a dim of size 2: torch leaves it, NumPy refuses
    S("not1", "f(A, 0)", lambda A: torch.squeeze(A, 0), A=M23, refused=("NP",)),
)
add(
    "unsqueeze",
    S("front", "f(x, 0)", lambda x: torch.unsqueeze(x, 0), x=X3),
    S("back", "f(A, -1)", lambda A: torch.unsqueeze(A, -1), A=M23),
    # np.expand_dims takes a tuple of axes; torch.unsqueeze one dim
    S("axes", "f(x, (0, 2))", lambda x: x.reshape(1, 3, 1), x=X3, refused=("torch", "method", "bare")),
)
add("transpose", S("dims", "f(T, 0, 2)", lambda T: torch.transpose(T, 0, 2), T=T234))
add(
    "np.transpose",
    S("reverse", "f(T)", lambda T: T.permute(2, 1, 0), T=T234),
    S("axes", "f(T, (1, 0, 2))", lambda T: T.permute(1, 0, 2), T=T234),
)
add(
    "permute",
    S("tuple", "f(T, (2, 0, 1))", lambda T: torch.permute(T, (2, 0, 1)), T=T234),
    S("sizes", "f(T, 1, 2, 0)", lambda T: torch.permute(T, (1, 2, 0)), T=T234),
)
add(
    "t",
    S("matrix", "f(A)", lambda A: torch.t(A), A=M23),
    S("vector", "f(x)", lambda x: torch.t(x), x=X3),
)
add(
    "T",
    S("matrix", "f(A)", lambda A: A.T, A=M23),
    S("reverse", "f(T)", lambda T: T.permute(2, 1, 0), T=T234),  # torch warns: .T of 3-D reverses every dim
)
add("mT", S("batch", "f(T)", lambda T: T.mT, T=T234))
add(
    "movedim",
    S("one", "f(T, 0, 2)", lambda T: torch.movedim(T, 0, 2), T=T234),
    S("two", "f(T, (0, 1), (2, 0))", lambda T: torch.movedim(T, (0, 1), (2, 0)), T=T234),
)
add(
    "flip",
    S("dims", "f(A, (1,))", lambda A: torch.flip(A, (1,)), A=M23),
    # NumPy flips every axis without one; torch.flip needs dims
    S("all", "f(A)", lambda A: torch.flip(A, (0, 1)), A=M23, refused=("torch", "method", "bare")),
)
add("fliplr", S("matrix", "f(A)", lambda A: torch.fliplr(A), A=M23))
add("flipud", S("matrix", "f(A)", lambda A: torch.flipud(A), A=M23))
add(
    "cat",
    S("rows", "f([A, B])", lambda A, B: torch.cat([A, B]), A=M23, B=[[1.0, 2.0, 3.0]]),
    S("cols", "f([A, B], dim=1)", lambda A, B: torch.cat([A, B], dim=1), A=M23, B=M32[:2]),
)
add(
    "stack",
    S("rows", "f([x, y])", lambda x, y: torch.stack([x, y]), x=X3, y=Y3),
    S("last", "f([A, B], dim=-1)", lambda A, B: torch.stack([A, B], dim=-1), A=M23, B=N23),
)
add(
    "hstack",
    S("vectors", "f([x, y])", lambda x, y: torch.hstack([x, y]), x=X3, y=[1.0, -1.0]),
    S("matrices", "f([A, B])", lambda A, B: torch.hstack([A, B]), A=M23, B=B22),
)
add(
    "vstack",
    S("vectors", "f([x, y])", lambda x, y: torch.vstack([x, y]), x=X3, y=Y3),
    S("matrices", "f([A, x])", lambda A, x: torch.vstack([A, x]), A=M23, x=X3),
)
add(
    "expand",
    S("sizes", "f(c, 2, 3)", lambda c: c.expand(2, 3), c=[[1.5], [-2.0]]),
    S("keep", "f(c, 4, -1, 3)", lambda c: c.expand(4, -1, 3), c=[[1.5], [-2.0]]),
)
add("broadcast_to", S("shape", "f(c, (2, 3))", lambda c: torch.broadcast_to(c, (2, 3)), c=[[1.5], [-2.0]]))
add("repeat", S("counts", "f(x, 2, 2)", lambda x: x.repeat(2, 2), x=[1.5, -2.0]))
add(
    "tile",
    S("counts", "f(x, (2, 2))", lambda x: torch.tile(x, (2, 2)), x=[1.5, -2.0]),
    S("fewer", "f(A, (2,))", lambda A: torch.tile(A, (2,)), A=M23),
)

# ---- the shape queries and static values (a separate test) -----------------------------------------------

add(
    "shape",
    S("first", "x.sum() * f(x)[0]", lambda x: x.sum() * 2, x=M23),
    S("last", "x.sum() * f(x)[-1]", lambda x: x.sum() * 3, x=M23),
)
add("ndim", S("matrix", "x.sum() * f(x)", lambda x: x.sum() * 2, x=M23))
add("numel", S("matrix", "x.sum() * f(x)", lambda x: x.sum() * 6, x=M23))
add("len", S("matrix", "x.sum() / f(x)", lambda x: x.sum() / 2, x=M23))
add(
    "size",
    S("dim", "x.sum() * f(x, 1)", lambda x: x.sum() * 3, x=M23),
    S("all", "x.sum() * f(x)[0]", lambda x: x.sum() * 2, x=M23),
)
add(
    "range",
    S("stop", "x[list(f(2))]", lambda x: x[[0, 1]], x=X3),
    S("start", "x[list(f(1, 3))]", lambda x: x[[1, 2]], x=X3),
)
add("list", S("range", "x[f(range(1, 3))]", lambda x: x[[1, 2]], x=X3))
add(
    "float",
    S("number", "x * f(2)", lambda x: x * 2.0, x=X3),
    S("inf", "torch.clamp(x, max=f('inf'))", lambda x: torch.clamp(x, max=float("inf")), x=X3),
    S("tensor", "f(x)", lambda x: x, x=1.5, refused=("bare",)),  # a Python float has no gradient
)

# ---- constants, the gradient stop, copies ---------------------------------------------------------------

add(
    "tensor", S("numbers", "f([1.5, -2.0, 0.5]) * x", lambda x: torch.tensor([1.5, -2.0, 0.5], dtype=x.dtype) * x, x=X3)
)
add(
    "array",
    S(
        "numbers",
        "f([[1.0, 2.0, 3.0], [0.0, -1.0, 0.5]]) * x",
        lambda x: torch.tensor([[1.0, 2.0, 3.0], [0.0, -1.0, 0.5]], dtype=x.dtype) * x,
        x=X3,
    ),
    S("stack", "f([x, y * 2])", lambda x, y: torch.stack([x, y * 2]), x=X3, y=Y3),  # JAX traces the tensors through
)
add("Matrix", S("entries", "f([x0 * x1, x0 + x1])", lambda x0, x1: torch.stack([x0 * x1, x0 + x1]), x0=2.0, x1=-3.0))
add("ones", S("sizes", "x + f(2, 3)", lambda x: x + torch.ones(2, 3, dtype=x.dtype), x=M23))
add("zeros", S("sizes", "x * 2 + f(2, 3)", lambda x: x * 2, x=M23))
add("full", S("fill", "x * f((2, 3), 1.5)", lambda x: x * 1.5, x=M23))
add("ones_like", S("like", "x * f(x)", lambda x: x * torch.ones_like(x), x=M23))
add("zeros_like", S("like", "x + f(x)", lambda x: x + torch.zeros_like(x), x=M23))
add("full_like", S("like", "x * f(x, -0.5)", lambda x: x * torch.full_like(x, -0.5), x=M23))
add(
    "eye",
    S("square", "x @ f(3)", lambda x: x @ torch.eye(3, dtype=x.dtype), x=M23),
    S("rect", "x * f(2, 3)", lambda x: x * torch.eye(2, 3, dtype=x.dtype), x=M23),
)
add(
    "arange",
    S("stop", "x * f(3)", lambda x: x * torch.arange(3, dtype=x.dtype), x=X3),
    S("step", "x * f(0.5, 2.0, 0.5)", lambda x: x * torch.arange(0.5, 2.0, 0.5, dtype=x.dtype), x=X3),
)
add(
    "linspace",
    S("steps", "x * f(0.0, 1.0, 3)", lambda x: x * torch.linspace(0.0, 1.0, 3, dtype=x.dtype), x=X3),
    # np.linspace has 50 steps by default; torch.linspace needs steps
    S(
        "default",
        "f(-1.0, 1.0) @ x",
        lambda x: torch.linspace(-1.0, 1.0, 50, dtype=x.dtype) @ x,
        x=[0.01 * k for k in range(50)],
        refused=("torch",),
    ),
)
add("detach", S("half", "x * f(x)", lambda x: x * x.detach(), x=X3))
add("clone", S("copy", "f(x) * x", lambda x: x.clone() * x, x=X3))
add("contiguous", S("same", "f(x.T) * 2", lambda x: x.T.contiguous() * 2, x=M23))
add("cast.float", S("float32", "f(x) * 3", lambda x: x.float() * 3, x=[0.1, -1.5, 2.0]))
add("cast.double", S("float64", "f(x) * 3", lambda x: x.double() * 3, x=[0.1, -1.5, 2.0]))
add(
    "pair.values",
    S("max", "f(torch.max(A, 1))", lambda A: torch.max(A, 1).values, A=TIES),
    S("sort", "f(torch.sort(x))", lambda x: torch.sort(x).values, x=X5),
)
add("pair.indices", S("max", "f(torch.max(A, 1))", lambda A: A, A=TIES, refused=("method",)))  # positions: no gradient
add(
    "pair.sign",
    S(
        "slogdet",
        "f(torch.linalg.slogdet(A)) * A.sum()",
        lambda A: torch.linalg.slogdet(A).sign * A.sum(),
        A=[[0.0, 1.0], [1.0, 0.5]],
    ),
)
add("pair.logabsdet", S("slogdet", "f(torch.linalg.slogdet(A))", lambda A: torch.linalg.slogdet(A).logabsdet, A=A33))

# ---- activations ---------------------------------------------------------------------------------------

ACT = [[-3.0, -1.0, -0.5, 0.0], [0.5, 1.0, 3.0, 6.0]]  # the kinks of relu, hardtanh, hardswish, relu6


def act(key: str, ref: Ref, *more: Sample, x: Any = ACT, refs: dict[str, Ref] | None = None) -> None:
    add(key, S("kinks", "f(x)", lambda x: ref(x), x=x, refs=refs), *more)


act("relu", F.relu)
act("relu6", F.relu6)
act("leaky_relu", F.leaky_relu, S("slope", "f(x, 0.2)", lambda x: F.leaky_relu(x, 0.2), x=ACT))
act("elu", F.elu, S("alpha", "f(x, alpha=0.5)", lambda x: F.elu(x, alpha=0.5), x=ACT))
act("selu", F.selu)
act("celu", F.celu, S("alpha", "f(x, 2.0)", lambda x: F.celu(x, 2.0), x=ACT))
act("gelu", F.gelu, S("tanh", "f(x, approximate='tanh')", lambda x: F.gelu(x, approximate="tanh"), x=ACT))
act("silu", F.silu)
act("mish", F.mish)
act("softsign", F.softsign)
act("logsigmoid", F.logsigmoid, x=[[-40.0, -1.0, -0.5, 0.0], [0.5, 1.0, 3.0, 40.0]])
act("hardtanh", F.hardtanh, S("bounds", "f(x, -0.5, 3.0)", lambda x: F.hardtanh(x, -0.5, 3.0), x=ACT))
act("hardswish", F.hardswish)
act("hardsigmoid", F.hardsigmoid)
act("tanhshrink", F.tanhshrink)
act("softshrink", F.softshrink, S("lambd", "f(x, 1.0)", lambda x: F.softshrink(x, 1.0), x=ACT))
act("hardshrink", F.hardshrink, S("lambd", "f(x, lambd=1.0)", lambda x: F.hardshrink(x, lambd=1.0), x=ACT))
# torch's softplus is linear above threshold; jax.nn.softplus is log(1 + exp(x)) everywhere
SOFTPLUS_X = [[-30.0, -1.0, 0.0], [1.0, 19.0, 25.0]]
act(
    "softplus",
    F.softplus,
    S("beta", "f(x, beta=2.0, threshold=5.0)", lambda x: F.softplus(x, beta=2.0, threshold=5.0), x=SOFTPLUS_X),
    x=SOFTPLUS_X,
    refs={"jax.nn": lambda x: torch.logaddexp(x, torch.zeros_like(x))},
)
add(
    "jax.gelu",
    S("default", "f(x)", lambda x: F.gelu(x, approximate="tanh"), x=ACT),  # approximate=True by default
    S("exact", "f(x, approximate=False)", lambda x: F.gelu(x), x=ACT),
)


def _legacy_softmax_dim(x: torch.Tensor) -> int:
    """torch.nn.functional.softmax without dim (deprecated): dim 0 for 0-, 1- and 3-D, else 1."""
    return 0 if x.ndim in (0, 1, 3) else 1


for _key, _fn in (("softmax", torch.softmax), ("log_softmax", torch.log_softmax), ("softmin", F.softmin)):
    _refs: dict[str, Ref] = {
        "F": lambda x, fn=_fn: fn(x, _legacy_softmax_dim(x)),
        "bare": lambda x, fn=_fn: fn(x, -1),
        "jax.nn": lambda x, fn=_fn: fn(x, -1),
        # jax.scipy.special.softmax (SciPy's): every element when axis is None, its default
        "jax.scipy.special": lambda x, fn=_fn: fn(x.reshape(-1), 0).reshape(x.shape),
    }
    add(
        _key,
        S("dim", "f(A, dim=1)", lambda A, fn=_fn: fn(A, 1), A=[[1.0, 1.0, 1.0], [-50.0, 0.0, 50.0]]),
        S("nodim", "f(x)", lambda x: x, x=T234, refs=_refs, refused=("torch", "method", "special")),
        S("nodim2", "f(x)", lambda x: x, x=M23, refs=_refs, refused=("torch", "method", "special")),
    )
add(
    "normalize",
    S("rows", "f(A)", lambda A: F.normalize(A), A=ZERO_ROW),  # a zero row: eps keeps it finite
    S("p1", "f(A, p=1.0, dim=0)", lambda A: F.normalize(A, p=1.0, dim=0), A=M23),
)
add(
    "standardize",
    # JAX: variance = mean(x²) - mean(x)², then (x - mean) / sqrt(variance + epsilon)
    S(
        "last",
        "f(A)",
        lambda A: (
            (A - A.mean(-1, keepdim=True))
            * torch.rsqrt((A * A).mean(-1, keepdim=True) - A.mean(-1, keepdim=True) ** 2 + 1e-5)
        ),
        A=M23,
    ),
    S(
        "axis",
        "f(A, dim=0, eps=0.5)",
        lambda A: (
            (A - A.mean(0, keepdim=True))
            * torch.rsqrt((A * A).mean(0, keepdim=True) - A.mean(0, keepdim=True) ** 2 + 0.5)
        ),
        A=M23,
    ),
)

# ---- layers ----------------------------------------------------------------------------------------------

W32 = [[1.0, -0.5, 0.25], [0.0, 2.0, -1.0]]
add(
    "linear",
    S("bias", "f(x, W, b)", lambda x, W, b: F.linear(x, W, b), x=M23, W=W32, b=[0.5, -1.0]),
    S("nobias", "f(x, W)", lambda x, W: F.linear(x, W), x=X3, W=W32),
)
add(
    "bilinear",
    S(
        "bias",
        "f(a, c, W, b)",
        lambda a, c, W, b: F.bilinear(a, c, W, b),
        a=A22,
        c=M23,
        W=[[[1.0, 0.5, -1.0], [0.0, 2.0, 0.25]], [[-0.5, 1.0, 0.0], [1.5, -1.0, 0.5]]],
        b=[0.25, -0.5],
    ),
)
add(
    "layer_norm",
    S(
        "affine",
        "f(x, (3,), w, b)",
        lambda x, w, b: F.layer_norm(x, (3,), w, b),
        x=M23,
        w=[1.0, 0.5, 2.0],
        b=[0.0, 1.0, -1.0],
    ),
    S("whole", "f(x, (2, 3), eps=0.01)", lambda x: F.layer_norm(x, (2, 3), eps=0.01), x=M23),
)
add(
    "cosine_similarity",
    S("rows", "f(a, b)", lambda a, b: F.cosine_similarity(a, b), a=ZERO_ROW, b=N23),  # a zero row: eps
    S("dim0", "f(a, b, dim=0)", lambda a, b: F.cosine_similarity(a, b, dim=0), a=M23, b=N23),
)
add(
    "cosine_embedding_loss",
    # y = 1: 1 - cos; y = -1: max(0, cos - margin), with its kink where cos = margin
    S("targets", "f(a, b, y)", lambda a, b, y: F.cosine_embedding_loss(a, b, y), a=M23, b=N23, y=[1, -1], index=("y",)),
    S(
        "margin",
        "f(a, b, y, margin=0.5, reduction='none')",
        lambda a, b, y: F.cosine_embedding_loss(a, b, y, margin=0.5, reduction="none"),
        a=[[1.0, 0.0], [1.0, 1.0]],
        b=[[0.5, 0.8660254037844386], [1.0, -1.0]],
        y=[-1, -1],
        index=("y",),
    ),
)
add(
    "pairwise_distance",
    S("rows", "f(a, b)", lambda a, b: F.pairwise_distance(a, b), a=M23, b=[[0.5, -1.0, 2.0], [0.0, 1.0, 1.0]]),
    S("p1", "f(a, b, p=1.0, keepdim=True)", lambda a, b: F.pairwise_distance(a, b, p=1.0, keepdim=True), a=M23, b=N23),
)

# ---- losses ----------------------------------------------------------------------------------------------

PRED = [[0.5, -1.0, 2.0], [1.5, 0.0, -0.25]]
TARGET = [[0.5, 0.0, 1.5], [1.0, 0.0, 0.75]]  # equal to PRED in two places: |x - y| has its kink
add(
    "mse_loss",
    S("mean", "f(x, y)", lambda x, y: F.mse_loss(x, y), x=PRED, y=TARGET),
    S("none", "f(x, y, reduction='none')", lambda x, y: F.mse_loss(x, y, reduction="none"), x=PRED, y=TARGET),
    # torch 2.13's weight: the input's shape, and the mean divides by sum(weight)
    S(
        "weight",
        "f(x, y, weight=w)",
        lambda x, y, w: F.mse_loss(x, y, weight=w),
        x=PRED,
        y=TARGET,
        w=[[1.0, 2.0, 0.5], [0.0, 1.5, 1.0]],
    ),
    S(
        "weight_shape",
        "f(x, y, weight=w)",
        lambda x, y, w: x,
        x=PRED,
        y=TARGET,
        w=[1.0, 2.0, 0.5],
        refused=("F", "bare"),
    ),
)
add(
    "l1_loss",
    S("kinks", "f(x, y)", lambda x, y: F.l1_loss(x, y), x=PRED, y=TARGET),
    S("sum", "f(x, y, reduction='sum')", lambda x, y: F.l1_loss(x, y, reduction="sum"), x=PRED, y=TARGET),
)
add(
    "smooth_l1_loss",
    S("beta", "f(x, y, beta=0.5)", lambda x, y: F.smooth_l1_loss(x, y, beta=0.5), x=PRED, y=TARGET),  # |d| = beta
    S(
        "zero",
        "f(x, y, reduction='none', beta=0.0)",
        lambda x, y: F.smooth_l1_loss(x, y, reduction="none", beta=0.0),
        x=PRED,
        y=TARGET,
    ),
)
add(
    "huber_loss",
    S("delta", "f(x, y, delta=0.5)", lambda x, y: F.huber_loss(x, y, delta=0.5), x=PRED, y=TARGET),
    S("sum", "f(x, y, reduction='sum')", lambda x, y: F.huber_loss(x, y, reduction="sum"), x=PRED, y=TARGET),
)
PROB = [[0.0, 0.25, 0.5], [0.9, 1.0, 0.1]]  # 0 and 1: torch clamps the logs at -100
LABEL = [[0.0, 1.0, 0.5], [1.0, 1.0, 0.0]]
add(
    "binary_cross_entropy",
    S("edges", "f(p, t)", lambda p, t: F.binary_cross_entropy(p, t), p=PROB, t=LABEL),
    S(
        "weight",
        "f(p, t, w, reduction='sum')",
        lambda p, t, w: F.binary_cross_entropy(p, t, w, reduction="sum"),
        p=[[0.2, 0.25, 0.5], [0.9, 0.6, 0.1]],
        t=LABEL,
        w=[1.0, 2.0, 0.5],
        wrt=("p", "t"),
    ),
    # torch does not differentiate the weights: a refusal, not an internal error
    S("weight_diff", "f(p, t, w)", lambda p, t, w: p, p=PROB, t=LABEL, w=[1.0, 2.0, 0.5], refused=("F", "bare")),
)
add(
    "binary_cross_entropy_with_logits",
    S("logits", "f(z, t)", lambda z, t: F.binary_cross_entropy_with_logits(z, t), z=PRED, t=LABEL),
    S(
        "pos_weight",
        "f(z, t, pos_weight=pw, reduction='none')",
        lambda z, t, pw: F.binary_cross_entropy_with_logits(z, t, pos_weight=pw, reduction="none"),
        z=PRED,
        t=LABEL,
        pw=[1.0, 3.0, 0.5],
        wrt=("z", "t"),
    ),
    S(
        "weight",
        "f(z, t, w)",
        lambda z, t, w: F.binary_cross_entropy_with_logits(z, t, w),
        z=PRED,
        t=LABEL,
        w=[1.0, 3.0, 0.5],
        wrt=("z", "t"),
    ),
    S(
        "pos_weight_diff",
        "f(z, t, pos_weight=pw)",
        lambda z, t, pw: z,
        z=PRED,
        t=LABEL,
        pw=[1.0, 3.0, 0.5],
        refused=("F", "bare"),
    ),
)
LOGP = [[-1.2, -0.8, -1.5], [-0.1, -3.0, -2.5]]
add(
    "kl_div",
    S(
        "batchmean",
        "f(x, q, reduction='batchmean')",
        lambda x, q: F.kl_div(x, q, reduction="batchmean"),
        x=LOGP,
        q=[[0.0, 0.5, 0.5], [0.9, 0.1, 0.0]],
    ),
    S(
        "log_target",
        "f(x, y, reduction='sum', log_target=True)",
        lambda x, y: F.kl_div(x, y, reduction="sum", log_target=True),
        x=LOGP,
        y=[[-0.5, -1.0, -2.0], [-0.1, -3.0, -0.7]],
    ),
)
SCORES = [[1.0, 2.0, 0.5], [0.0, -1.0, 3.0], [0.5, 0.5, 0.5]]
add(
    "cross_entropy",
    S("classes", "f(z, t)", lambda z, t: F.cross_entropy(z, t), z=SCORES, t=[2, 0, 1], index=("t",)),
    S(
        "options",
        "f(z, t, weight=w, ignore_index=1, label_smoothing=0.1)",
        lambda z, t, w: F.cross_entropy(z, t, weight=w, ignore_index=1, label_smoothing=0.1),
        z=SCORES,
        t=[2, 1, 0],
        w=[1.0, 2.0, 0.5],
        index=("t",),
        wrt=("z",),
    ),
    S(
        "probabilities",
        "f(z, p, reduction='none')",
        lambda z, p: F.cross_entropy(z, p, reduction="none"),
        z=SCORES,
        p=[[0.2, 0.3, 0.5], [1.0, 0.0, 0.0], [0.0, 0.5, 0.5]],
        wrt=("z",),
    ),
)
add(
    "nll_loss",
    S("classes", "f(x, t)", lambda x, t: F.nll_loss(x, t), x=LOGP, t=[2, 0], index=("t",)),
    S(
        "weight",
        "f(x, t, w, reduction='sum')",
        lambda x, t, w: F.nll_loss(x, t, w, reduction="sum"),
        x=LOGP,
        t=[1, 1],
        w=[1.0, 2.0, 0.5],
        index=("t",),
        wrt=("x",),
    ),
    S(
        "weight_diff",
        "f(x, t, w)",
        lambda x, t, w: x,
        x=LOGP,
        t=[1, 1],
        w=[1.0, 2.0, 0.5],
        index=("t",),
        refused=("F", "bare"),
    ),
)

# ---- math.*: Python's own functions on numbers ------------------------------------------------------------

MATH_NUMBERS: dict[str, tuple[float, ...]] = {
    **{f"math.{n}": (0.7,) for n in ("sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh")},
    **{f"math.{n}": (0.7,) for n in ("atanh", "exp", "expm1", "log1p", "sqrt", "erf", "erfc", "fabs", "lgamma")},
    **{f"math.{n}": (2.5,) for n in ("acosh", "log2", "log10", "floor", "ceil", "trunc")},
    "math.log": (2.5,),
    "math.pow": (1.5, 2.5),
    "math.atan2": (0.5, -1.5),
    "math.hypot": (0.5, -1.5),
}
