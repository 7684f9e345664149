"""SymPy expressions -> numbers, through one table from SymPy node types to torch float64 ops.

Never ``lambdify``: each SymPy type the reference can produce has a rule here, so 1/0 and
log(-1) give inf and nan rather than exceptions, and a batch of points is one tensor.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import sympy
import torch

from . import symbolic

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
    # the inputs are real: SymPy's complex parts reduce to these (d|f|/dx brings arg(f) in)
    sympy.arg: lambda x: torch.where(x < 0, math.pi, 0.0).to(x.dtype),
    sympy.re: lambda x: x,
    sympy.im: torch.zeros_like,
    sympy.erf: torch.erf,
    sympy.erfc: torch.erfc,
    sympy.erfinv: torch.erfinv,
    sympy.loggamma: torch.lgamma,
    sympy.gamma: lambda x: (
        torch.exp(torch.lgamma(x)) * torch.where((x < 0) & (torch.floor(x).remainder(2) == 1), -1.0, 1.0).to(x.dtype)
    ),
    symbolic.sigmoid: torch.sigmoid,
    symbolic.relu: torch.relu,
    symbolic.softplus: torch.nn.functional.softplus,
    symbolic.floor: torch.floor,
    symbolic.ceil: torch.ceil,
    symbolic.trunc: torch.trunc,
    symbolic.round_half_even: torch.round,
    symbolic.stop_gradient: lambda x: x,
    sympy.floor: torch.floor,
    sympy.ceiling: torch.ceil,
    sympy.sec: lambda x: 1 / torch.cos(x),
    sympy.csc: lambda x: 1 / torch.sin(x),
    sympy.cot: lambda x: 1 / torch.tan(x),
    sympy.sinc: lambda x: torch.where(x == 0, torch.ones_like(x), torch.sin(x) / x),
}

_RELATIONS: dict[type, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    sympy.StrictLessThan: torch.lt,
    sympy.LessThan: torch.le,
    sympy.StrictGreaterThan: torch.gt,
    sympy.GreaterThan: torch.ge,
    sympy.Equality: torch.eq,
    sympy.Unequality: torch.ne,
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
        if value.dtype == torch.bool:
            return value.to(self.dtype)
        if not value.is_complex():
            return value
        small = value.imag.abs() <= 1e-12 * torch.clamp(value.real.abs(), min=1.0)
        return torch.where(small, value.real, torch.full_like(value.real, math.nan))

    def const(self, value: float) -> torch.Tensor:
        return torch.tensor(value, dtype=self.dtype)

    def _eval(self, e: sympy.Basic) -> torch.Tensor:  # noqa: C901 - one branch per SymPy type
        if e.is_Symbol:
            return self.values[e]
        if e is sympy.true:
            return torch.tensor(True)
        if e is sympy.false:
            return torch.tensor(False)
        if e is sympy.zoo or e is sympy.oo:
            return self.const(math.inf)  # complex infinity (tan(pi/2), 1/0): torch gives inf there
        if e.is_Number or e.is_NumberSymbol:
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
            gates = [a for a in args if isinstance(a, sympy.Heaviside)]
            acc = self(args[0]) if args[0] not in gates else self.const(1.0)
            for a in args[1:]:
                if a not in gates:
                    acc = acc * self(a)
            for g in gates:
                # a step's derivative gates the rest, as torch's relu/clamp backward does with where():
                # where the gate is 0 the product is 0, even if the rest is inf or nan there
                h = self(g)
                acc = torch.where(
                    h == 0, torch.zeros_like(h, dtype=acc.dtype if not acc.is_complex() else h.dtype), acc * h
                )
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
        if fn is sympy.polygamma:
            n = int(args[0])
            return torch.polygamma(n, self(args[1]))
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
            if len(args) > 1:  # derivatives of the delta: 0 away from 0, undefined at 0
                return torch.where(x == 0, self.const(math.nan), self.const(0.0))
            return torch.where(x == 0, self.const(math.inf), self.const(0.0))
        if fn in _RELATIONS:
            return _RELATIONS[fn](self(args[0]), self(args[1]))
        if fn is sympy.And or fn is sympy.Or:
            acc = self(args[0]).to(torch.bool)
            for a in args[1:]:
                acc = (acc & self(a).to(torch.bool)) if fn is sympy.And else (acc | self(a).to(torch.bool))
            return acc
        if fn is sympy.Not:
            return ~self(args[0]).to(torch.bool)
        if fn is sympy.Piecewise:
            return self._piecewise(args)
        if fn is sympy.re:
            x = self(args[0])
            return x.real if x.is_complex() else x
        if fn is sympy.im:
            x = self(args[0])
            return x.imag if x.is_complex() else torch.zeros_like(x)
        if isinstance(e, (sympy.Derivative, sympy.Subs)):
            raise ValueError(f"SymPy left a derivative unevaluated: {e}")
        raise ValueError(f"no numeric rule for the SymPy node {fn.__name__}")

    def _piecewise(self, pieces: Sequence[sympy.Basic]) -> torch.Tensor:
        """The first piece whose condition holds, element by element."""
        out: torch.Tensor | None = None
        taken: torch.Tensor | None = None
        for piece in pieces:
            value, cond = piece.args
            c = self(cond).to(torch.bool)
            v = self(value)
            if out is None or taken is None:
                nan = torch.full(torch.broadcast_shapes(v.shape, c.shape), math.nan, dtype=v.dtype)
                out, taken = torch.where(c, v, nan), c
                continue
            out = torch.where(c & ~taken, v, out)
            taken = taken | c
        assert out is not None
        return out


def _ratio(p: int, q: int) -> float:
    try:
        return p / q
    except OverflowError:
        return math.inf if (p > 0) == (q > 0) else -math.inf


def evaluate(exprs: Sequence[sympy.Expr], xs: Sequence[sympy.Symbol], point: Sequence[float]) -> list[float]:
    """Each expression's float64 value at the point (nan/inf where it is not finite)."""
    ev = Evaluator({x: torch.tensor(float(v), dtype=torch.float64) for x, v in zip(xs, point)})
    return [float(ev.real(e)) for e in exprs]


def point_values(problem: symbolic.Problem, points: torch.Tensor) -> dict[sympy.Symbol, torch.Tensor]:
    """Each input symbol's values at a batch of full flat points (P, n_all)."""
    env, _ = symbolic.symbols(problem)
    out: dict[sympy.Symbol, torch.Tensor] = {}
    k = 0
    for inp in problem.inputs:
        for e in env[inp.name].items:
            if isinstance(e, sympy.Symbol):
                out[e] = points[:, k]
            k += 1
    return out


__all__ = ["Evaluator", "evaluate", "point_values"]
