"""Expression tree -> a torch function of the input tensors, through one table of ops.

The built function is plain torch: every op it runs is an ordinary differentiable torch
op, so autograd records a real graph, ``torch.vmap`` can batch it over points and
``torch.func`` can take its Jacobian. Constant subtrees are computed once, at build time,
in the problem's dtype.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import torch

from .expr import Add, Call, Const, Index, MatMul, Mul, Neg, Node, Num, Pow, Slice, Var, variables
from .problem import Problem

Tensor = torch.Tensor
Fn = Callable[[Sequence[Tensor]], Tensor]
Compiled = Fn | float | Tensor  # a function of the inputs, or a constant

DTYPES = {"float64": torch.float64, "float32": torch.float32}
LONG_SUM = 64  # sums with more terms run as one stack-and-sum


def _log(x: Tensor, base: Tensor | None = None) -> Tensor:
    return torch.log(x) if base is None else torch.log(x) / torch.log(base)


# One op per allow-listed elementwise function. Caveats: abs and relu have gradient 0 at 0;
# softplus follows torch's threshold (linear above 20), as the user's torch code would.
ELEMENTWISE: dict[str, Callable[..., Tensor]] = {
    "sin": torch.sin,
    "cos": torch.cos,
    "tan": torch.tan,
    "asin": torch.asin,
    "acos": torch.acos,
    "atan": torch.atan,
    "sinh": torch.sinh,
    "cosh": torch.cosh,
    "tanh": torch.tanh,
    "asinh": torch.asinh,
    "acosh": torch.acosh,
    "atanh": torch.atanh,
    "exp": torch.exp,
    "log": _log,
    "log2": torch.log2,
    "log10": torch.log10,
    "sqrt": torch.sqrt,
    "abs": torch.abs,
    "erf": torch.erf,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "softplus": torch.nn.functional.softplus,
    "atan2": torch.atan2,
}


def _dims(x: Tensor, dim: int | None) -> Any:
    return tuple(range(x.ndim)) if dim is None else dim


def _logsumexp(x: Tensor, dim: int | None) -> Tensor:
    return x if x.ndim == 0 else torch.logsumexp(x, dim=_dims(x, dim))


def _prod(x: Tensor, dim: int | None) -> Tensor:
    return torch.prod(x) if dim is None else torch.prod(x, dim=dim)


def _amax(x: Tensor, dim: int | None) -> Tensor:
    return x if x.ndim == 0 else torch.amax(x, dim=_dims(x, dim))


def _amin(x: Tensor, dim: int | None) -> Tensor:
    return x if x.ndim == 0 else torch.amin(x, dim=_dims(x, dim))


REDUCTIONS: dict[str, Callable[[Tensor, int | None], Tensor]] = {
    "sum": lambda x, d: torch.sum(x) if d is None else torch.sum(x, dim=d),
    "mean": lambda x, d: torch.mean(x) if d is None else torch.mean(x, dim=d),
    "prod": _prod,
    "norm": lambda x, d: torch.linalg.vector_norm(x, dim=d),
    "logsumexp": _logsumexp,
    "max": _amax,  # one argument: a reduction (ties share the gradient, as in torch)
    "min": _amin,
    "softmax": lambda x, d: torch.softmax(x, dim=-1 if d is None else d),
}

ELEMENTWISE_N: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "max": torch.maximum,  # ties share the gradient equally, as in torch
    "min": torch.minimum,
}


def _as_float(v: Fraction | float) -> float:
    if isinstance(v, float):
        return v
    try:
        return float(v)
    except OverflowError:
        return math.inf if v > 0 else -math.inf


def _power(b: Fraction | float, e: Fraction | float) -> Fraction | float:
    """b**e exactly for rational b and integer e (sizes are bounded by the parser), else by logs."""
    if isinstance(b, Fraction) and isinstance(e, Fraction) and e.denominator == 1:
        if b == 0 and e < 0:
            return math.inf
        return b ** int(e)
    fe = _as_float(e)
    if fe.is_integer() and abs(fe) < 2**31:  # (-pi)**2: a negative base is fine with a whole exponent
        try:
            return _as_float(b) ** int(fe)
        except ZeroDivisionError:
            return math.inf
        except OverflowError:
            return math.inf if _as_float(b) > 0 or int(fe) % 2 == 0 else -math.inf
    if b == 0:
        return 0.0 if fe > 0 else (1.0 if fe == 0 else math.inf)
    if b < 0:
        return math.nan  # a negative base to a fractional power is not real; torch gives nan
    log_b = math.log(b.numerator) - math.log(b.denominator) if isinstance(b, Fraction) else math.log(b)
    try:
        return math.exp(fe * log_b)
    except OverflowError:
        return math.inf


def exact_value(node: Node) -> Fraction | float | None:
    """The value of a constant subtree of numbers, + - * / ** (None if it calls functions)."""
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Const):
        return math.pi if node.name == "pi" else math.e
    if isinstance(node, Neg):
        v = exact_value(node.arg)
        return None if v is None else -v
    if isinstance(node, Add):
        values = [exact_value(t) for t in node.terms]
        if any(v is None for v in values):
            return None
        if all(isinstance(v, Fraction) for v in values):
            return sum((v for v in values if isinstance(v, Fraction)), Fraction(0))
        return math.fsum(_as_float(v) for v in values if v is not None)
    if isinstance(node, Mul):
        return _exact_product(node)
    if isinstance(node, Pow):
        b, e = exact_value(node.base), exact_value(node.exp)
        if b is None or e is None or any(isinstance(v, float) and not math.isfinite(v) for v in (b, e)):
            return None  # leave IEEE corner cases to torch
        return _power(b, e)
    return None


def _exact_product(node: Mul) -> Fraction | float | None:
    acc: Fraction | float = Fraction(1)
    for factor, div in zip(node.factors, node.divide):
        v = exact_value(factor)
        if v is None:
            return None
        if isinstance(acc, Fraction) and isinstance(v, Fraction) and not (div and v == 0):
            acc = acc / v if div else acc * v
            continue
        a, b = _as_float(acc), _as_float(v)
        if div and b == 0:
            acc = math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a) * math.copysign(1, b)
        else:
            acc = a / b if div else a * b
    return acc


def _negated(f: Fn) -> Fn:
    return lambda v: -f(v)


def _constant(value: Any) -> Fn:
    return lambda v: value


class Builder:
    """Compiles nodes to closures over the list of input tensors (in input order)."""

    def __init__(self, index: dict[str, int], dtype: torch.dtype) -> None:
        self.index = index
        self.dtype = dtype

    def tensor(self, c: float | Fraction | Tensor) -> Tensor:
        if isinstance(c, Tensor):
            return c if c.dtype == self.dtype or c.requires_grad else c.to(self.dtype)
        return torch.tensor(_as_float(c), dtype=self.dtype)

    def lift(self, c: Compiled) -> Fn:
        if callable(c):
            return c
        value = c
        return lambda v: value  # type: ignore[return-value]

    def compile(self, node: Node) -> Compiled:
        if isinstance(node, (Num, Const)):
            value = _as_float(node.value) if isinstance(node, Num) else (math.pi if node.name == "pi" else math.e)
            if self.dtype != torch.float64:
                # forward mode promotes a Python float's tangent to float64 (a torch quirk): a
                # float32 problem keeps its constants as float32 tensors instead
                return self.tensor(value)
            return value
        if isinstance(node, Var):
            k = self.index[node.name]
            return lambda v: v[k]
        if isinstance(node, Mul) and len(node.factors) > 2:
            node = self._fold_prefix(node)
        children = self._children(node)
        compiled = [self.compile(c) for c in children]
        if all(not callable(c) for c in compiled):
            # a constant subtree: computed now, exactly where it can be ((2**5000)**(1/7) is
            # finite though 2**5000 is not a float64), else with torch's IEEE rules (1/0 is inf)
            exact = exact_value(node)
            if exact is not None:
                return self.tensor(exact)
            fn = self._op(node, [self.lift(self.tensor(c)) for c in compiled])  # type: ignore[arg-type]
            return fn(())
        return self._op(node, [self.lift(c) if callable(c) or isinstance(c, Tensor) else c for c in compiled])

    @staticmethod
    def _fold_prefix(node: Mul) -> Mul:
        """``2**1024/2**1023*x``: a run of constant factors in front is one constant, as Python
        computes it (exactly), not factor by factor through float overflow."""
        k = 0
        while k < len(node.factors) and not variables([node.factors[k]]):
            k += 1
        if k < 2 or k == len(node.factors):
            return node
        value = exact_value(Mul(node.factors[:k], node.divide[:k]))
        if not isinstance(value, Fraction):
            return node
        return Mul((Num(value, str(value)), *node.factors[k:]), (False, *node.divide[k:]))

    @staticmethod
    def _children(node: Node) -> list[Node]:
        if isinstance(node, Neg):
            return [node.arg]
        if isinstance(node, Add):
            return [t.arg if isinstance(t, Neg) else t for t in node.terms]
        if isinstance(node, Mul):
            return list(node.factors)
        if isinstance(node, MatMul):
            return [node.left, node.right]
        if isinstance(node, Pow):
            return [node.base, node.exp]
        if isinstance(node, Call):
            return list(node.args)
        if isinstance(node, Index):
            return [node.base]
        raise TypeError(node)

    def _op(self, node: Node, parts: list[Any]) -> Fn:  # noqa: C901 - one branch per node type
        """A closure for ``node`` over already compiled children (functions or Python floats)."""

        def val(p: Any) -> Fn:
            return p if callable(p) else (lambda v: p)

        if isinstance(node, (Add, Mul)) and not callable(parts[0]):
            # a constant first term starts the chain as a tensor, so 1/0*x is inf, not ZeroDivisionError
            parts = [self.tensor(parts[0]), *parts[1:]]

        if isinstance(node, Neg):
            (a,) = parts
            fa = val(a)
            return lambda v: -fa(v)
        if isinstance(node, Add):
            # a - b runs as a subtraction, not a + (-b), as hand-written torch would
            signs = [isinstance(t, Neg) for t in node.terms]
            fns = [val(p) for p in parts]
            first, rest = fns[0], list(zip(fns[1:], signs[1:]))
            if signs[0]:
                first = _negated(first)

            def add(v: Sequence[Tensor]) -> Tensor:
                acc = first(v)
                for f, neg in rest:
                    acc = acc - f(v) if neg else acc + f(v)
                return acc

            if len(fns) <= LONG_SUM:
                return add
            tensor = self.tensor

            def long_sum(v: Sequence[Tensor]) -> Tensor:
                # thousands of terms: one stack and one sum, not a chain of thousands of adds
                # (the same value; backward walks two nodes instead of one per term)
                terms = [tensor(f(v)) for f in fns]
                terms = [-t if neg else t for t, neg in zip(terms, signs)]
                return torch.stack(torch.broadcast_tensors(*terms)).sum(0)

            return long_sum
        if isinstance(node, Mul):
            fns = [val(p) for p in parts]
            head, tail = fns[0], list(zip(fns[1:], node.divide[1:]))

            def mul(v: Sequence[Tensor]) -> Tensor:
                acc = head(v)
                for f, div in tail:
                    acc = acc / f(v) if div else acc * f(v)
                return acc

            return mul
        if isinstance(node, Pow):
            base, exp = parts
            fb = val(base)
            if isinstance(exp, float):
                e: float | int = int(exp) if exp.is_integer() and abs(exp) < 2**31 else exp
                return lambda v: torch.pow(fb(v), e)
            fe = val(exp)
            if isinstance(base, float):
                b = base
                return lambda v: torch.pow(b, fe(v))
            return lambda v: torch.pow(fb(v), fe(v))
        if isinstance(node, MatMul):
            fl, fr = (val(self._tensor_part(p)) for p in parts)
            return lambda v: torch.matmul(fl(v), fr(v))
        if isinstance(node, Index):
            (a,) = parts
            fa = val(a)
            key = tuple(slice(i.start, i.stop, i.step) if isinstance(i, Slice) else i for i in node.index)
            return lambda v: fa(v)[key]
        if isinstance(node, Call):
            return self._call(node, parts)
        raise TypeError(node)

    def _tensor_part(self, p: Any) -> Any:
        return self.tensor(p) if isinstance(p, float) else p

    def _call(self, node: Call, parts: list[Any]) -> Fn:
        name, dim = node.name, node.dim
        fns = [p if callable(p) else _constant(self._tensor_part(p)) for p in parts]
        if name == "dot":
            fa, fb = fns
            return lambda v: torch.dot(fa(v), fb(v))
        if name in ELEMENTWISE_N and len(fns) > 1:
            op = ELEMENTWISE_N[name]

            def fold(v: Sequence[Tensor]) -> Tensor:
                acc = fns[0](v)
                for f in fns[1:]:
                    acc = op(acc, f(v))
                return acc

            return fold
        if name in REDUCTIONS:
            red = REDUCTIONS[name]
            (fa,) = fns
            return lambda v: red(fa(v), dim)
        ew = ELEMENTWISE[name]
        if len(fns) == 1:
            (fa,) = fns
            return lambda v: ew(fa(v))
        fa, fb = fns
        return lambda v: ew(fa(v), fb(v))


class Built:
    """The problem's function in torch: ``f(*inputs) -> y`` and the flat-output view."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.dtype = DTYPES[problem.dtype]
        builder = Builder({n: i for i, n in enumerate(problem.names)}, self.dtype)
        self._parts = [builder.lift(builder.compile(c)) for c in problem.function.components]
        self._builder = builder

    def __call__(self, *values: Tensor) -> Tensor:
        """y for the given input values (scalars or tensors, in input order)."""
        outs = [self._builder.tensor(p(values)) for p in self._parts]
        if len(outs) == 1:
            return outs[0]
        if all(o.ndim == 0 for o in outs):
            return torch.stack(outs)
        return torch.cat([o.reshape(-1) for o in outs])

    def of_leaves(self, *leaves: Tensor) -> Tensor:
        """y as a function of the leaf tensors: one vector x when all inputs are scalars."""
        if self.problem.single_leaf:
            (x,) = leaves
            return self(*x.unbind(0))
        return self(*leaves)

    def leaves(self, point: Sequence[float] | None = None, requires_grad: bool = True) -> list[Tensor]:
        """Fresh leaf tensors at the point: one ``x`` for scalar inputs, else one per variable."""
        problem = self.problem
        flat = list(problem.point if point is None else point)  # type: ignore[arg-type]
        if problem.single_leaf:
            return [torch.tensor(flat, dtype=self.dtype, requires_grad=requires_grad)]
        out: list[Tensor] = []
        k = 0
        for inp in problem.inputs:
            t = torch.tensor(flat[k : k + inp.numel], dtype=self.dtype).reshape(inp.shape)
            out.append(t.requires_grad_(requires_grad))
            k += inp.numel
        return out
