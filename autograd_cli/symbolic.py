"""Expression tree -> SymPy, exact derivatives, and SymPy -> numbers through one table.

This is the independent reference: SymPy differentiates the same tree that ``build.py``
turns into torch. Tensor variables expand to one real symbol per element (``x[0]``,
``A[1,2]``), so tensor functions have exact Jacobians too. SymPy objects are built
directly from the tree; no user text is ever given to ``sympify`` or ``parse_expr``.
Numbers come out through ``evaluate``, a table from SymPy node types to torch float64
ops (never ``lambdify``), so 1/0 and log(-1) give inf and nan rather than exceptions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

import sympy
import torch

from .errors import VjpError
from .expr import Add, Call, Const, Index, MatMul, Mul, Neg, Node, Num, Pow, Slice, Var
from .problem import Problem
from .shapes import Shape, broadcast, element_ops, index_shape, matmul_shape, numel


class sigmoid(sympy.Function):  # noqa: N801 - named as the user types it
    """1/(1 + exp(-x)); derivative sigmoid(x)*(1 - sigmoid(x))."""

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, x: sympy.Expr, **kwargs: Any) -> sympy.Expr:
        return 1 / (1 + sympy.exp(-x))


class softplus(sympy.Function):  # noqa: N801
    """log(1 + exp(x)); derivative sigmoid(x). torch is linear above 20, within 2e-9."""

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return sigmoid(self.args[0])


class relu(sympy.Function):  # noqa: N801
    """max(x, 0); derivative Heaviside(x) with value 0 at 0, as torch."""

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return sympy.Heaviside(self.args[0], 0)


_UNARY: dict[str, Callable[[Any], sympy.Expr]] = {
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "asin": sympy.asin,
    "acos": sympy.acos,
    "atan": sympy.atan,
    "sinh": sympy.sinh,
    "cosh": sympy.cosh,
    "tanh": sympy.tanh,
    "asinh": sympy.asinh,
    "acosh": sympy.acosh,
    "atanh": sympy.atanh,
    "exp": sympy.exp,
    "log": sympy.log,
    "log2": lambda x: sympy.log(x, 2),
    "log10": lambda x: sympy.log(x, 10),
    "sqrt": sympy.sqrt,
    "abs": sympy.Abs,
    "erf": sympy.erf,
    "sigmoid": sigmoid,
    "relu": relu,
    "softplus": softplus,
}


@dataclass(frozen=True)
class SymTensor:
    """A tensor of SymPy expressions: shape and row-major elements."""

    shape: Shape
    items: tuple[sympy.Expr, ...]

    def at(self, flat_index: int) -> sympy.Expr:
        return self.items[flat_index]


def _strides(shape: Shape) -> list[int]:
    out = [1] * len(shape)
    for i in range(len(shape) - 2, -1, -1):
        out[i] = out[i + 1] * shape[i + 1]
    return out


def _expand(t: SymTensor, shape: Shape) -> tuple[sympy.Expr, ...]:
    """t's elements broadcast to ``shape`` (torch rules), row-major."""
    if t.shape == shape:
        return t.items
    if not t.shape:
        return t.items * numel(shape)
    pad = (1,) * (len(shape) - len(t.shape)) + t.shape
    strides = _strides(pad)
    out: list[sympy.Expr] = []
    for flat in range(numel(shape)):
        k, rem = 0, flat
        for axis in range(len(shape) - 1, -1, -1):
            i = rem % shape[axis]
            rem //= shape[axis]
            if pad[axis] != 1:
                k += i * strides[axis]
        out.append(t.items[k])
    return tuple(out)


def _zipwith(parts: list[SymTensor], op: Callable[..., sympy.Expr], node: Node) -> SymTensor:
    shape = parts[0].shape
    for p in parts[1:]:
        shape = broadcast(shape, p.shape, node)
    cols = [_expand(p, shape) for p in parts]
    return SymTensor(shape, tuple(op(*args) for args in zip(*cols)))


def _reduce(t: SymTensor, dim: int | None, op: Callable[[list[sympy.Expr]], sympy.Expr]) -> SymTensor:
    if dim is None or not t.shape:
        return SymTensor((), (op(list(t.items)),))
    d = dim % len(t.shape)
    outer, size, inner = numel(t.shape[:d]), t.shape[d], numel(t.shape[d + 1 :])
    items = []
    for o in range(outer):
        for i in range(inner):
            items.append(op([t.items[(o * size + k) * inner + i] for k in range(size)]))
    return SymTensor(t.shape[:d] + t.shape[d + 1 :], tuple(items))


def _softmax(t: SymTensor, dim: int | None) -> SymTensor:
    if not t.shape:
        return SymTensor((), (sympy.Integer(1),))
    d = (-1 if dim is None else dim) % len(t.shape)
    outer, size, inner = numel(t.shape[:d]), t.shape[d], numel(t.shape[d + 1 :])
    items: list[sympy.Expr] = [sympy.Integer(0)] * numel(t.shape)
    for o in range(outer):
        for i in range(inner):
            idx = [(o * size + k) * inner + i for k in range(size)]
            exps = [sympy.exp(t.items[j]) for j in idx]
            total = sympy.Add(*exps)
            for j, e in zip(idx, exps):
                items[j] = e / total
    return SymTensor(t.shape, tuple(items))


def _matmul(a: SymTensor, b: SymTensor, node: Node) -> SymTensor:
    shape = matmul_shape(a.shape, b.shape, node)
    a2 = a if len(a.shape) > 1 else SymTensor((1, a.shape[0]), a.items)
    b2 = b if len(b.shape) > 1 else SymTensor((b.shape[0], 1), b.items)
    batch = broadcast(a2.shape[:-2], b2.shape[:-2], node)
    n, k, p = a2.shape[-2], a2.shape[-1], b2.shape[-1]
    ea = _expand(a2, (*batch, n, k))
    eb = _expand(b2, (*batch, k, p))
    items: list[sympy.Expr] = []
    for bi in range(numel(batch)):
        oa, ob = bi * n * k, bi * k * p
        for r in range(n):
            for c in range(p):
                items.append(sympy.Add(*[ea[oa + r * k + j] * eb[ob + j * p + c] for j in range(k)]))
    return SymTensor(shape, tuple(items))


def _index(t: SymTensor, index: tuple[int | Slice, ...], node: Node) -> SymTensor:
    out_shape = index_shape(t.shape, index, node)
    axes: list[list[int]] = []
    for axis, size in enumerate(t.shape):
        if axis < len(index):
            item = index[axis]
            if isinstance(item, int):
                axes.append([item % size])
            else:
                axes.append(list(range(*slice(item.start, item.stop, item.step).indices(size))))
        else:
            axes.append(list(range(size)))
    strides = _strides(t.shape)
    flat = [0]
    for axis, picks in enumerate(axes):
        flat = [f + i * strides[axis] for f in flat for i in picks]
    return SymTensor(out_shape, tuple(t.items[f] for f in flat))


def _num(node: Num) -> sympy.Expr:
    v = node.value
    return sympy.Integer(v.numerator) if v.denominator == 1 else sympy.Rational(v.numerator, v.denominator)


def to_sympy(node: Node, env: dict[str, SymTensor]) -> SymTensor:
    """The SymPy value of ``node``, given each variable's symbols."""
    if isinstance(node, Num):
        return SymTensor((), (_num(node),))
    if isinstance(node, Const):
        return SymTensor((), (sympy.pi if node.name == "pi" else sympy.E,))
    if isinstance(node, Var):
        return env[node.name]
    if isinstance(node, Neg):
        t = to_sympy(node.arg, env)
        return SymTensor(t.shape, tuple(-e for e in t.items))
    if isinstance(node, Add):
        parts = [to_sympy(t, env) for t in node.terms]
        if all(not p.shape for p in parts):
            return SymTensor((), (sympy.Add(*[p.items[0] for p in parts]),))
        return _zipwith(parts, lambda *xs: sympy.Add(*xs), node)
    if isinstance(node, Mul):
        parts = [to_sympy(f, env) for f in node.factors]
        divs = node.divide

        def mul(*xs: sympy.Expr) -> sympy.Expr:
            return sympy.Mul(*[1 / x if d else x for x, d in zip(xs, divs)])

        if all(not p.shape for p in parts):
            return SymTensor((), (mul(*[p.items[0] for p in parts]),))
        return _zipwith(parts, mul, node)
    if isinstance(node, Pow):
        return _zipwith([to_sympy(node.base, env), to_sympy(node.exp, env)], sympy.Pow, node)
    if isinstance(node, MatMul):
        return _matmul(to_sympy(node.left, env), to_sympy(node.right, env), node)
    if isinstance(node, Index):
        return _index(to_sympy(node.base, env), node.index, node)
    if isinstance(node, Call):
        return _call(node, [to_sympy(a, env) for a in node.args])
    raise TypeError(node)


def _minmax(kind: type, args: tuple[sympy.Expr, ...]) -> sympy.Expr:
    """Max/Min; when SymPy cannot order the arguments (max(x, softplus(2))), left unevaluated
    two at a time, so that differentiating it never has to order them either."""
    try:
        return kind(*args)
    except ValueError:
        acc = args[0]
        for a in args[1:]:
            acc = kind(acc, a, evaluate=False)
        return acc


def _max(*args: sympy.Expr) -> sympy.Expr:
    return _minmax(sympy.Max, args)


def _min(*args: sympy.Expr) -> sympy.Expr:
    return _minmax(sympy.Min, args)


def _call(node: Call, args: list[SymTensor]) -> SymTensor:
    name, dim = node.name, node.dim
    if name == "log" and len(args) == 2:
        return _zipwith(args, lambda x, b: sympy.log(x) / sympy.log(b), node)
    if name in _UNARY:
        fn = _UNARY[name]
        (a,) = args
        return SymTensor(a.shape, tuple(fn(e) for e in a.items))
    if name == "atan2":
        return _zipwith(args, sympy.atan2, node)
    if name in ("max", "min") and len(args) > 1:
        return _zipwith(args, _max if name == "max" else _min, node)
    if name == "dot":
        a, b = args
        return SymTensor((), (sympy.Add(*[x * y for x, y in zip(a.items, b.items)]),))
    (a,) = args
    if name == "softmax":
        return _softmax(a, dim)
    reducers: dict[str, Callable[[list[sympy.Expr]], sympy.Expr]] = {
        "sum": lambda xs: sympy.Add(*xs),
        "mean": lambda xs: sympy.Add(*xs) / len(xs),
        "prod": lambda xs: sympy.Mul(*xs),
        "norm": lambda xs: sympy.sqrt(sympy.Add(*[x**2 for x in xs])),
        "logsumexp": lambda xs: sympy.log(sympy.Add(*[sympy.exp(x) for x in xs])),
        "max": lambda xs: _max(*xs),
        "min": lambda xs: _min(*xs),
    }
    return _reduce(a, dim, reducers[name])


# ---- the problem in SymPy ----------------------------------------------------


def symbols(problem: Problem) -> tuple[dict[str, SymTensor], list[sympy.Symbol]]:
    """One real symbol per input element, named as the Jacobian's columns."""
    env: dict[str, SymTensor] = {}
    flat: list[sympy.Symbol] = []
    labels = iter(problem.columns)
    for inp in problem.inputs:
        syms = tuple(sympy.Symbol(next(labels), real=True) for _ in range(inp.numel))
        env[inp.name] = SymTensor(inp.shape, syms)
        flat.extend(syms)
    return env, flat


MAX_ELEMENT_OPS = 50_000  # element expressions SymPy builds for tensor variables
MAX_DERIVATIVES = 10_000  # SymPy diffs of single terms (0.1-1 ms each): a few seconds at most


T = TypeVar("T")


class SymbolicReferenceError(VjpError):
    """The exact SymPy reference cannot be had: too large to compute, or SymPy gave up."""


def _guarded(fn: Callable[[Problem], T]) -> Callable[[Problem], T]:
    """SymPy raising on a corner of its own (a complex constant such as sqrt(-2) inside Max,
    Heaviside of a non-real number) means no exact reference, not a crash."""

    def wrapper(problem: Problem) -> T:
        try:
            return fn(problem)
        except (VjpError, RecursionError):
            raise
        except (ValueError, TypeError, ArithmeticError, AttributeError, NotImplementedError) as e:
            raise SymbolicReferenceError(
                f"SymPy could not work with this function ({e.__class__.__name__}: {e})"
            ) from e

    wrapper.__doc__ = fn.__doc__
    wrapper.__name__ = fn.__name__
    return wrapper


@_guarded
@lru_cache(maxsize=4)
def outputs(problem: Problem) -> tuple[list[sympy.Expr], list[sympy.Symbol]]:
    """Every output element as a SymPy expression (flattened y), and the input symbols."""
    shapes = {i.name: i.shape for i in problem.inputs}
    cost = sum(element_ops(c, shapes)[1] for c in problem.function.components)
    if cost > MAX_ELEMENT_OPS:
        raise SymbolicReferenceError(
            f"the exact SymPy form would expand to about {cost:,} element operations (the limit is "
            f"{MAX_ELEMENT_OPS:,}); use a point (--at) for numbers from autograd instead"
        )
    env, flat = symbols(problem)
    out: list[sympy.Expr] = []
    for comp in problem.function.components:
        out.extend(to_sympy(comp, env).items)
    return out, flat


class _Budget:
    """Counts single differentiations of small terms against MAX_DERIVATIVES."""

    def __init__(self) -> None:
        self.used = 0

    def spend(self, count: int) -> None:
        self.used += count
        if self.used > MAX_DERIVATIVES:
            raise SymbolicReferenceError(
                f"the exact SymPy derivatives need more than {MAX_DERIVATIVES:,} differentiations of terms"
            )


def _diff(term: sympy.Expr, x: sympy.Symbol) -> sympy.Expr:
    """d term/dx; nan where SymPy finds no real derivative (Max with a non-real constant)."""
    try:
        return sympy.diff(term, x)
    except (ValueError, TypeError):
        return sympy.nan


def partials(expr: sympy.Expr, budget: _Budget) -> dict[sympy.Symbol, sympy.Expr]:
    """{x: d expr/dx} for the symbols expr contains, a sum differentiated term by term.

    SymPy's diff of a sum walks every term for every symbol; here each term is
    differentiated only by its own symbols, so sum(A@x) costs 2 small diffs per term.
    """
    terms = expr.args if expr.is_Add else (expr,)
    parts: dict[sympy.Symbol, list[sympy.Expr]] = {}
    for term in terms:
        free = term.free_symbols
        budget.spend(len(free))
        for x in free:
            parts.setdefault(x, []).append(_diff(term, x))
    return {x: sympy.Add(*d) for x, d in parts.items()}


@_guarded
@lru_cache(maxsize=4)
def jacobian(problem: Problem) -> tuple[list[list[sympy.Expr]], list[sympy.Symbol]]:
    """The exact Jacobian: each row differentiated only by the symbols it contains."""
    ys, xs = outputs(problem)
    budget = _Budget()
    zero = sympy.Integer(0)
    rows: list[list[sympy.Expr]] = []
    for y in ys:
        d = partials(y, budget)
        rows.append([d.get(x, zero) for x in xs])
    return rows, xs


def gradient_of_sum(problem: Problem) -> tuple[list[sympy.Expr], list[sympy.Symbol]]:
    """d(sum of all outputs)/dx: SymPy's Jacobian summed down each column."""
    rows, xs = jacobian(problem)
    return [sympy.Add(*[row[j] for row in rows]) for j in range(len(xs))], xs


@_guarded
def hessians(problem: Problem) -> tuple[list[list[list[sympy.Expr]]], list[sympy.Symbol]]:
    """The exact Hessian of each output element."""
    rows, xs = jacobian(problem)
    budget = _Budget()
    zero = sympy.Integer(0)
    out = []
    for row in rows:
        second = [partials(g, budget) if g != zero else {} for g in row]
        out.append([[d.get(x, zero) for x in xs] for d in second])
    return out, xs


# ---- numbers out: SymPy -> torch float64, through one table -------------------

_EVAL_UNARY: dict[type, Callable[[torch.Tensor], torch.Tensor]] = {
    sympy.sin: torch.sin,
    sympy.cos: torch.cos,
    sympy.tan: torch.tan,
    sympy.asin: torch.asin,
    sympy.acos: torch.acos,
    sympy.atan: torch.atan,
    sympy.sinh: torch.sinh,
    sympy.cosh: torch.cosh,
    sympy.tanh: torch.tanh,
    sympy.asinh: torch.asinh,
    sympy.acosh: torch.acosh,
    sympy.atanh: torch.atanh,
    sympy.exp: torch.exp,
    sympy.Abs: torch.abs,
    sympy.sign: torch.sign,
    sympy.erf: torch.erf,
    sigmoid: torch.sigmoid,
    relu: torch.relu,
    softplus: torch.nn.functional.softplus,
    sympy.sec: lambda x: 1 / torch.cos(x),
    sympy.csc: lambda x: 1 / torch.sin(x),
    sympy.cot: lambda x: 1 / torch.tan(x),
}


class Evaluator:
    """Evaluates SymPy expressions at points, in float64, sharing common subexpressions.

    ``values`` maps each symbol to a tensor (a scalar, or a batch of points).
    """

    def __init__(self, values: dict[sympy.Symbol, torch.Tensor]) -> None:
        self.values = values
        self.memo: dict[sympy.Basic, torch.Tensor] = {}
        self.dtype = torch.float64

    def __call__(self, expr: sympy.Basic) -> torch.Tensor:
        hit = self.memo.get(expr)
        if hit is None:
            try:
                hit = self._eval(expr)
            except RuntimeError:  # a real-only torch op met a complex constant: not a real number
                hit = self.const(math.nan)
            self.memo[expr] = hit
        return hit

    def real(self, expr: sympy.Basic) -> torch.Tensor:
        """The value as a real tensor: nan where it is not real (as torch's own answer would be)."""
        value = self(expr)
        if not value.is_complex():
            return value
        small = value.imag.abs() <= 1e-12 * torch.clamp(value.real.abs(), min=1.0)
        return torch.where(small, value.real, torch.full_like(value.real, math.nan))

    def const(self, value: float) -> torch.Tensor:
        return torch.tensor(value, dtype=self.dtype)

    def _eval(self, e: sympy.Basic) -> torch.Tensor:  # noqa: C901 - one branch per SymPy type
        if e.is_Symbol:
            return self.values[e]
        if e is sympy.zoo or e is sympy.oo:
            return self.const(math.inf)  # complex infinity (tan(pi/2), 1/0): torch gives inf there
        if e.is_Number or e.is_NumberSymbol:
            if e is sympy.zoo or e is sympy.oo:
                return self.const(math.inf)
            if e is sympy.S.NegativeInfinity:
                return self.const(-math.inf)
            if e is sympy.nan:
                return self.const(math.nan)
            if e.is_Rational and not e.is_Integer:
                return self.const(_ratio(e.p, e.q))
            try:
                return self.const(float(e))
            except OverflowError:
                return self.const(math.inf if e > 0 else -math.inf)
        if e is sympy.I:
            # a constant SymPy wrote through complex numbers (log(-1) = I*pi; atan2(2, sigmoid(2))
            # = -I*log(...)): carried as complex, real again where the imaginary part cancels
            return torch.tensor(1j, dtype=torch.complex128)
        args = e.args
        if e.is_Add:
            acc = self(args[0])
            for a in args[1:]:
                acc = acc + self(a)
            return acc
        if e.is_Mul:
            acc = self(args[0])
            for a in args[1:]:
                acc = acc * self(a)
            return acc
        if e.is_Pow:
            base, exp = args
            if exp == sympy.Rational(1, 2):
                return torch.sqrt(self(base))
            if exp == -1:
                return 1 / self(base)
            if exp.is_Integer and abs(int(exp)) < 2**31:
                return torch.pow(self(base), int(exp))
            return torch.pow(self(base), self(exp))
        fn = type(e)
        if fn in _EVAL_UNARY:
            return _EVAL_UNARY[fn](self(args[0]))
        if fn is sympy.log:
            x = self(args[0])
            return torch.log(x) if len(args) == 1 else torch.log(x) / torch.log(self(args[1]))
        if fn is sympy.atan2:
            return torch.atan2(self(args[0]), self(args[1]))
        if fn in (sympy.Max, sympy.Min):
            op = torch.maximum if fn is sympy.Max else torch.minimum
            acc = self(args[0])
            for a in args[1:]:
                acc = op(acc, self(a))
            return acc
        if fn is sympy.Heaviside:
            x = self(args[0])
            at_zero = self(args[1]) if len(args) > 1 else self.const(0.5)
            return torch.heaviside(x, at_zero.to(x.dtype).expand_as(x) if x.ndim else at_zero)
        if fn is sympy.DiracDelta:
            x = self(args[0])
            return torch.where(x == 0, self.const(math.inf), self.const(0.0))
        if isinstance(e, sympy.Derivative) or isinstance(e, sympy.Subs):
            raise ValueError(f"SymPy left a derivative unevaluated: {e}")
        raise ValueError(f"no numeric rule for the SymPy node {fn.__name__}")


def _ratio(p: int, q: int) -> float:
    try:
        return p / q
    except OverflowError:
        return math.inf if (p > 0) == (q > 0) else -math.inf


def evaluate(exprs: Sequence[sympy.Expr], xs: Sequence[sympy.Symbol], point: Sequence[float]) -> list[float]:
    """Each expression's float64 value at the point (nan/inf where it is not finite)."""
    ev = Evaluator({x: torch.tensor(float(v), dtype=torch.float64) for x, v in zip(xs, point)})
    return [float(ev.real(e)) for e in exprs]


def text(expr: sympy.Basic) -> str:
    """SymPy's own printing: ``2*x0``, ``cos(r)``."""
    return str(expr)
