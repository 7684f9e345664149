"""Kinds and shapes of every subexpression, from the inputs' shapes, before torch runs.

Walks the parsed function once: evaluates what is known now (numbers, ``x.shape[0]``,
dims, string options), binds each call's arguments to its operation in the catalogue and
runs the operation's shape rule. The result, an ``Analysis``, tells the builder, the SymPy
reference and the code writer each node's Info and each call's ``Bound``. A shape mistake
is a ShapeError naming both shapes, reported before torch is imported.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from . import catalogue
from .catalogue import core
from .catalogue.core import Bound
from .errors import ShapeError
from .expr import (
    Add,
    Call,
    Compare,
    Const,
    Ellipsis_,
    Index,
    Lit,
    Local,
    Logic,
    MatMul,
    Mul,
    Neg,
    NewAxis,
    Node,
    Not,
    Num,
    Pow,
    Seq,
    Slice,
    Str,
    Var,
    to_text,
)
from .shapes import (
    MAX_ELEMENTS,
    Adv,
    Info,
    Shape,
    bounded,
    broadcast,
    fmt,
    index_shape,
    matmul_shape,
    numel,
    short,
    static,
    tensor,
)

TENSOR_PARAM_KINDS = (core.TENSOR, core.OPTIONAL_TENSOR, core.INDEX, core.SCALAR, core.ANY)


def _where(node: Node) -> str:
    return short(to_text(node), 60)


class Analysis:
    """Infos of a function's nodes for given input Infos (``infos``/``bound`` are keyed by id)."""

    def __init__(self, function: Any, inputs: dict[str, Info], dtype: str = "float64") -> None:
        self.function = function
        self.inputs = inputs
        self.dtype = dtype
        self.infos: dict[int, Info] = {}
        self.bound: dict[int, Bound] = {}
        self.locals: dict[str, Info] = {}
        self.index_uses: dict[str, list[Bound]] = {}  # input name -> the calls using it as class indices
        self.float_targets: set[str] = set()  # inputs an INDEX parameter reads as probabilities
        self.index_bounds: dict[str, list[tuple[int, str]]] = {}  # input -> sizes of the axes it indexes
        for st in function.statements:
            self.locals[st.key] = self.infer(st.value)
        self.outputs = [self.infer(c) for c in function.components]

    # -- per node ------------------------------------------------------------------------------
    def info(self, node: Node) -> Info:
        return self.infos[id(node)]

    def infer(self, node: Node) -> Info:
        key = id(node)
        hit = self.infos.get(key)
        if hit is not None:
            return hit
        info = self.inputs[node.name] if type(node) is Var else self._infer(node)
        self.infos[key] = info
        return info

    def _infer(self, node: Node) -> Info:  # noqa: C901 - one branch per node type
        kind = type(node)  # the common nodes first, by identity (a 1,000-component function has 11,000)
        if kind is Var:
            return self.inputs[node.name]  # type: ignore[union-attr]
        if kind is Call:
            return self._call(node)  # type: ignore[arg-type]
        if isinstance(node, Num):
            return static(node.value)
        if isinstance(node, (Add, Mul)):
            parts = node.terms if isinstance(node, Add) else node.factors
            infos = [self.infer(p) for p in parts]
            folded = _fold_static(node, infos)
            if folded is not None:
                return folded
            shape: Shape = ()
            first = parts[0]
            for p, i in zip(parts, infos):
                t = self._operand(i, p, node, "+" if isinstance(node, Add) else "*")
                shape = (
                    broadcast(shape, t.shape, _where(node), (_where(first), _where(p))) if shape != t.shape else shape
                )
            return tensor(shape)
        if isinstance(node, Pow):
            b, e = self.infer(node.base), self.infer(node.exp)
            if b.numeric and e.numeric:
                return static(_static_pow(b.value, e.value))
            tb = self._operand(b, node.base, node, "**")
            te = self._operand(e, node.exp, node, "**")
            if tb.shape == te.shape:  # the common case needs no message text
                return tensor(tb.shape)
            return tensor(broadcast(tb.shape, te.shape, _where(node), (_where(node.base), _where(node.exp))))
        if isinstance(node, Const):
            return static(catalogue.CONSTANTS.get(node.text or node.name, (node.name, math.e))[1])
        if isinstance(node, Lit):
            return static(node.value)
        if isinstance(node, Str):
            return static(node.value)
        if isinstance(node, Var):
            return self.inputs[node.name]
        if isinstance(node, Local):
            return self.locals[node.key]
        if isinstance(node, Neg):
            a = self.infer(node.arg)
            if a.numeric:
                return static(-a.value)
            return self._operand(a, node.arg, node, "-")
        if isinstance(node, Not):
            a = self.infer(node.arg)
            if a.kind == "static" and isinstance(a.value, bool):
                return static(not a.value)
            if a.kind != "bool":
                raise ShapeError(f"~ negates a mask such as (x > 0), got {a.describe()} in {_where(node)}")
            return a
        if isinstance(node, MatMul):
            a = self._operand(self.infer(node.left), node.left, node, "@")
            c = self._operand(self.infer(node.right), node.right, node, "@")
            return tensor(matmul_shape(a.shape, c.shape, _where(node), _where(node.left), _where(node.right)))
        if isinstance(node, Compare):
            a, c = self.infer(node.left), self.infer(node.right)
            if a.numeric and c.numeric:
                return static(_compare(node.op, a.value, c.value))
            ta = self._operand(a, node.left, node, node.op)
            tc = self._operand(c, node.right, node, node.op)
            return Info("bool", broadcast(ta.shape, tc.shape, _where(node)))
        if isinstance(node, Logic):
            a, c = self.infer(node.left), self.infer(node.right)
            for i, part in ((a, node.left), (c, node.right)):
                if i.kind != "bool" and not (i.kind == "static" and isinstance(i.value, bool)):
                    raise ShapeError(
                        f"{node.op} combines masks such as (x > 0), got {i.describe()} ({_where(part)}) "
                        f"in {_where(node)}"
                    )
            return Info("bool", broadcast(a.shape, c.shape, _where(node)))
        if isinstance(node, Seq):
            return Info("seq", (), None, tuple(self.infer(i) for i in node.items))
        if isinstance(node, Index):
            return self._index(node)
        if isinstance(node, Call):
            return self._call(node)
        raise TypeError(node)

    def _operand(self, info: Info, part: Node, node: Node, op: str) -> Info:
        """An operand of an arithmetic operator: a tensor, a mask, a number, or a list of numbers."""
        if info.kind in ("tensor", "bool"):
            return info
        if info.numeric:
            return tensor(())
        if info.kind == "seq":
            shape = _literal_shape(info)
            if shape is None:
                raise ShapeError(
                    f"{_where(part)} is a list of tensors; in {_where(node)} write torch.stack([...]) to make it "
                    "a tensor"
                )
            return tensor(shape)
        if info.kind == "index":
            raise ShapeError(
                f"{_where(part)} holds whole-number class indices (for a loss), so it cannot take part in {op} "
                f"in {_where(node)}; give that input another name for arithmetic"
            )
        if info.kind == "pair":
            raise ShapeError(
                f"{_where(part)} is a (values, indices) pair, as torch returns it; take .values (or [0]) "
                f"in {_where(node)}"
            )
        raise ShapeError(f"{_where(part)} is {info.describe()}, not a tensor, in {_where(node)}")

    # -- indexing --------------------------------------------------------------------------------
    def _index(self, node: Index) -> Info:
        base = self.infer(node.base)
        if base.kind == "pair" or base.kind == "seq" or (base.kind == "static" and isinstance(base.value, tuple)):
            if len(node.index) != 1 or isinstance(node.index[0], (NewAxis, Ellipsis_)):
                raise ShapeError(f"{_where(node)}: index a pair, list or shape with one whole number")
            item = node.index[0]
            items: tuple[Any, ...] = (
                base.items if base.kind in ("pair", "seq") else tuple(static(v) for v in base.value)
            )
            if isinstance(item, Slice):
                if base.kind == "static":
                    s = slice(
                        *(
                            self._static_int(p, node, "a slice bound") if p is not None else None
                            for p in (item.start, item.stop, item.step)
                        )
                    )
                    return static(tuple(base.value[s]))
                raise ShapeError(f"{_where(node)}: slicing a pair or list is not supported")
            k = self._static_int(item, node, "an index")
            if not -len(items) <= k < len(items):
                raise ShapeError(f"index {k} is out of range in {_where(node)}: it has {len(items)} items")
            part = items[k]
            if part.kind == "index":
                raise ShapeError(f"{_where(node)} are whole-number positions with no gradient; take [0] (.values)")
            return part
        if not base.is_tensor:
            raise ShapeError(f"{_where(node.base)} is {base.describe()}; only tensors can be indexed in {_where(node)}")
        shape = base.shape if base.kind != "static" else ()
        items_ = list(node.index)
        ell = [i for i, it in enumerate(items_) if isinstance(it, Ellipsis_)]
        if len(ell) > 1:
            raise ShapeError(f"only one '...' in an index, in {_where(node)}")
        consumed = sum(1 for it in items_ if not isinstance(it, (NewAxis, Ellipsis_)))
        if consumed > len(shape):
            raise ShapeError(f"too many indices in {_where(node)}: {consumed} given for a tensor of shape {fmt(shape)}")
        plan: list[Any] = []
        sources: list[Node | None] = []
        axis = 0
        for it in items_:
            if isinstance(it, Ellipsis_):
                span = len(shape) - consumed
                plan.extend([slice(None)] * span)
                sources.extend([None] * span)
                axis += span
                continue
            if isinstance(it, NewAxis):
                plan.append(None)
                sources.append(None)
                continue
            size = shape[axis]
            if isinstance(it, Slice):
                parts = [
                    self._static_int(p, node, "a slice bound") if p is not None else None
                    for p in (it.start, it.stop, it.step)
                ]
                if parts[2] is not None and parts[2] <= 0:
                    raise ShapeError(
                        f"a slice step must be positive in {_where(node)} (torch has no negative steps; use flip)"
                    )
                plan.append(slice(*parts))
                sources.append(None)
            else:
                plan.append(self._index_item(it, node, axis, size))
                sources.append(it)
            axis += 1
        out = index_shape(shape, plan)
        self.bound[id(node)] = (plan, sources)  # type: ignore[assignment]
        return tensor(bounded(out, _where(node))) if base.kind != "bool" else Info("bool", out)

    def _index_item(self, it: Node, node: Index, axis: int, size: int) -> Any:
        """A whole number, or an array of them (a list, range(...), or an input of class indices)."""
        info = self.infer(it)

        def check(values: Sequence[int]) -> None:
            for k in values:
                if not -size <= k < size:
                    raise ShapeError(
                        f"index {k} is out of range in {_where(node)}: dimension {axis} has size {size}, "
                        f"so the index must be in {-size}..{size - 1}"
                    )

        if info.kind == "index":
            if isinstance(it, Var):
                self.index_bounds.setdefault(it.name, []).append((size, _where(node)))
            return Adv(info.shape, None)
        if (info.kind == "static" and isinstance(info.value, tuple)) or info.kind == "seq":
            value = _static_value(info)
            shape_ = _literal_shape(info) if info.kind == "seq" else (len(info.value),)
            flat = _flatten(value) if value is not _NOT_STATIC else None
            if shape_ is None or flat is None or not all(_is_whole(v) for v in flat):
                raise ShapeError(f"an index array must hold whole numbers, got {_where(it)} in {_where(node)}")
            ints = [int(v) for v in flat]
            check(ints)
            return Adv(shape_, tuple(ints))
        if info.kind in ("bool", "tensor"):
            what = "a mask" if info.kind == "bool" else "a tensor of floats"
            raise ShapeError(
                f"indexing with {what} ({_where(it)}) is not supported in {_where(node)}: the result's shape depends "
                "on the values; use torch.where(mask, x, 0) instead (an input of whole numbers works as an index array)"
            )
        k = self._static_int(it, node, "an index")
        check([k])
        return k

    def index_plan(self, node: Index) -> tuple[list[Any], list[Node | None]]:
        return self.bound[id(node)]  # type: ignore[return-value]

    def _static_int(self, node: Node, where: Node, what: str) -> int:
        info = self.infer(node)
        v = info.value
        if info.kind == "static" and isinstance(v, Fraction) and v.denominator == 1:
            v = int(v)
        if info.kind != "static" or isinstance(v, bool) or not isinstance(v, int):
            raise ShapeError(
                f"{what} must be a whole number known before the computation, got {_where(node)} in {_where(where)}"
            )
        if abs(v) > 10**9:
            raise ShapeError(f"{what} of {v} is too large in {_where(where)}")
        return v

    # -- calls ------------------------------------------------------------------------------------
    def _call(self, node: Call) -> Info:
        op = catalogue.OPS[node.op]
        entry = catalogue.lookup(node.form, node.spelling)
        spelling = entry.spelling if entry is not None else None
        sig = (spelling.sig if spelling is not None and spelling.sig else None) or op.sig
        infos: dict[str, Info] = {}
        values: dict[str, Any] = {}
        given = dict(node.args)
        for p in sig:
            key = p.key
            if key not in given:
                if not p.required:
                    values[key] = p.default
                    if p.kind in TENSOR_PARAM_KINDS:
                        infos[key] = static(None) if p.default is None else static(p.default)
                continue
            arg = given[key]
            info = self.infer(arg)
            infos[key] = info
            if p.kind in TENSOR_PARAM_KINDS:
                self._tensor_param(p, info, arg, node)
                if p.kind == core.INDEX and isinstance(arg, Var):
                    pass
            elif p.kind == core.TENSORS:
                if info.kind != "seq":
                    raise ShapeError(
                        f"{node.spelling}() takes a list of tensors for {p.name}, such as [a, b], "
                        f"got {info.describe()} "
                        f"in {_where(node)}"
                    )
            elif p.kind == core.NESTED:
                pass
            else:
                values[key] = self._static_param(p, info, arg, node)
        if spelling is not None and spelling.family == "math":
            folded = _python_math(node, spelling.text, infos)
            if folded is not None:
                return folded
        b = Bound(node, op, infos, values, dtype=self.dtype)
        b.extra["family"] = spelling.family if spelling is not None else "bare"
        b.extra["native"] = bool(spelling is not None and spelling.native)
        b.extra["sig"] = sig
        out = op.shape(b)
        b.out = out
        self.bound[id(node)] = b
        target = given.get("target")
        if isinstance(target, Var) and any(p.kind == core.INDEX for p in sig):
            if b.extra.get("indices", True):
                self.index_uses.setdefault(target.name, []).append(b)
            else:
                self.float_targets.add(target.name)
        if out.kind in ("tensor", "bool", "index") and numel(out.shape) > MAX_ELEMENTS:
            bounded(out.shape, b.where)  # names the call (printing it is slow: only when refusing)
        return out

    def _tensor_param(self, p: core.Param, info: Info, arg: Node, node: Call) -> None:
        if p.kind == core.ANY:
            return
        if info.kind == "static" and info.value is None:
            if p.kind == core.OPTIONAL_TENSOR or not p.required:
                return
        if p.kind == core.INDEX and info.kind in ("index", "tensor"):
            return
        if info.is_tensor:
            if info.kind == "static" and isinstance(info.value, bool) and p.kind != core.TENSOR:
                return
            return
        if info.kind == "seq" and _literal_shape(info) is not None:
            return  # a list of numbers is a constant tensor
        if info.kind == "pair":
            raise ShapeError(
                f"{_where(arg)} is a (values, indices) pair, as torch returns it; take .values (or [0]) "
                f"in {_where(node)}"
            )
        raise ShapeError(f"the argument {p.name} of {_where(node)} must be a tensor, got {info.describe()}")

    def _static_param(self, p: core.Param, info: Info, arg: Node, node: Call) -> Any:  # noqa: C901 - one branch per kind
        """The Python value of a parameter that must be known now (a dim, sizes, alpha, 'sum')."""
        value = _static_value(info)
        where = f"{node.spelling}(): {p.name}"
        if value is _NOT_STATIC:
            raise ShapeError(
                f"{where} must be known before the computation (a number, not a tensor), got {_where(arg)}"
            )
        kind = p.kind
        if kind == core.NONE:
            if value is not None:
                raise ShapeError(f"{where} is only accepted as None here, got {_where(arg)}")
            return None
        if value is None and not p.required and p.default is None:
            return None
        if kind in (core.DIM, core.INT):
            if isinstance(value, bool) and kind == core.DIM:
                return value  # torch.std(x, False): the op's shape rule reads it as unbiased
            return _as_int(value, where)
        if kind == core.DIMS:
            if isinstance(value, bool):
                return value  # torch.std(x, True): the op's shape rule reads it as unbiased
            if isinstance(value, (tuple, list)):
                return tuple(_as_int(v, where) for v in value)
            return _as_int(value, where)
        if kind == core.INTS:
            if isinstance(value, (tuple, list)):
                if len(value) == 1 and isinstance(value[0], (tuple, list)):
                    value = value[0]
                return tuple(_as_int(v, where) for v in value)
            return (_as_int(value, where),)
        if kind == core.NUMBER:
            if isinstance(value, bool) or not isinstance(value, (int, float, Fraction)):
                raise ShapeError(f"{where} must be a number, got {_where(arg)}")
            return value
        if kind == core.BOOL:
            if not isinstance(value, bool):
                raise ShapeError(f"{where} must be True or False, got {_where(arg)}")
            return value
        if kind == core.STR:
            if not isinstance(value, str):
                raise ShapeError(
                    f"{where} must be a string such as {p.choices[0]!r}, got {_where(arg)}"
                    if p.choices
                    else f"{where} must be a string"
                )
            if p.choices and value not in p.choices:
                raise ShapeError(f"{where} must be one of {', '.join(repr(c) for c in p.choices)}, got {value!r}")
            return value
        if kind == core.ORD:
            if isinstance(value, str):
                if value not in ("fro", "nuc"):
                    raise ShapeError(f"{where} must be a number, inf, 'fro' or 'nuc', got {value!r}")
                return value
            if isinstance(value, bool) or not isinstance(value, (int, float, Fraction)):
                raise ShapeError(f"{where} must be a number, inf, 'fro' or 'nuc', got {_where(arg)}")
            return float(value) if not isinstance(value, int) else value
        return value  # STATIC


_NOT_STATIC = object()


def _static_value(info: Info) -> Any:
    if info.kind == "static":
        return info.value
    if info.kind == "seq":
        items = [_static_value(i) for i in info.items]
        if any(i is _NOT_STATIC for i in items):
            return _NOT_STATIC
        return tuple(items)
    return _NOT_STATIC


def _python_math(node: Call, spelling: str, infos: dict[str, Info]) -> Info | None:
    """math.sqrt(2) on numbers is Python's own number (correctly rounded), as the user's code gets."""
    args = [info for info in infos.values() if not (info.kind == "static" and info.value is None)]
    if not args or not all(i.numeric for i in args):
        return None
    fn = getattr(math, spelling.split(".", 1)[1])  # a catalogue spelling, never the user's text
    try:
        return static(float(fn(*(float(i.value) for i in args))))
    except (ValueError, OverflowError, ZeroDivisionError):
        return None  # math would raise (math.log(0)): torch's IEEE answer (-inf) is computed instead


def _flatten(value: Any) -> list[Any]:
    if isinstance(value, (tuple, list)):
        return [v for item in value for v in _flatten(item)]
    return [value]


def _is_whole(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return True
    return isinstance(v, Fraction) and v.denominator == 1


def _as_int(value: Any, where: str) -> int:
    if isinstance(value, Fraction) and value.denominator == 1:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ShapeError(f"{where} must be a whole number, got {value!r}")
    if abs(value) > 10**9:
        raise ShapeError(f"{where} of {value} is too large")
    return value


def _literal_shape(info: Info) -> Shape | None:
    """The shape of a (nested) list of numbers, or None when it holds anything else."""
    if info.numeric:
        return ()
    if info.kind != "seq" or not info.items:
        return None
    shapes = [_literal_shape(i) for i in info.items]
    if any(s is None for s in shapes) or any(s != shapes[0] for s in shapes):
        return None
    first = shapes[0]
    assert first is not None
    return (len(shapes), *first)


def literal_values(info: Info) -> list[float]:
    if info.kind == "static":
        return [float(info.value)]
    return [v for i in info.items for v in literal_values(i)]


def _fold_static(node: Add | Mul, infos: list[Info]) -> Info | None:
    """Whole numbers and other constants known now (``x.shape[0] - 1``) stay numbers."""
    if not all(i.numeric for i in infos):
        return None
    values = [i.value for i in infos]
    try:
        if isinstance(node, Add):
            if all(isinstance(v, (int, Fraction)) for v in values):
                return static(sum((Fraction(v) for v in values), Fraction(0)))
            return static(math.fsum(float(v) for v in values))
        acc: Any = Fraction(1)
        for v, div in zip(values, node.divide):
            if isinstance(acc, Fraction) and isinstance(v, (int, Fraction)) and not (div and v == 0):
                acc = acc / Fraction(v) if div else acc * Fraction(v)
            else:
                a, c = float(acc), float(v)
                acc = (a / c if c else math.copysign(math.inf, a) if a else math.nan) if div else a * c
        return static(acc)
    except (OverflowError, ZeroDivisionError):
        return static(math.nan)


def _static_pow(b: Any, e: Any) -> Any:
    """b**e exactly for rational b and integer e (sizes are bounded by the parser), else by logs,
    so (2**5000)**(1/7) is finite though 2**5000 is not a float64."""
    b = Fraction(b) if isinstance(b, int) else b
    e = Fraction(e) if isinstance(e, int) else e
    return power(b, e)


def as_float(v: Fraction | float) -> float:
    if isinstance(v, float):
        return v
    try:
        return float(v)
    except OverflowError:
        return math.inf if v > 0 else -math.inf


def power(b: Fraction | float, e: Fraction | float) -> Fraction | float:
    """b**e exactly for rational b and integer e, else by logs (inf on overflow, nan when not real)."""
    if isinstance(b, Fraction) and isinstance(e, Fraction) and e.denominator == 1:
        if b == 0 and e < 0:
            return math.inf
        return b ** int(e)
    fe = as_float(e)
    if fe.is_integer() and abs(fe) < 2**31:  # (-pi)**2: a negative base is fine with a whole exponent
        try:
            return as_float(b) ** int(fe)
        except ZeroDivisionError:
            return math.inf
        except OverflowError:
            return math.inf if as_float(b) > 0 or int(fe) % 2 == 0 else -math.inf
    if b == 0:
        return 0.0 if fe > 0 else (1.0 if fe == 0 else math.inf)
    if b < 0:
        return math.nan  # a negative base to a fractional power is not real; torch gives nan
    if math.isinf(as_float(b)) and not isinstance(b, Fraction):
        return math.inf if fe > 0 else 0.0
    log_b = math.log(b.numerator) - math.log(b.denominator) if isinstance(b, Fraction) else math.log(b)
    try:
        return math.exp(fe * log_b)
    except OverflowError:
        return math.inf


def _compare(op: str, a: Any, c: Any) -> bool:
    return {"<": a < c, "<=": a <= c, ">": a > c, ">=": a >= c, "==": a == c, "!=": a != c}[op]


def index_candidates(function: Any) -> set[str]:
    """Inputs passed straight to a parameter of integers (cross_entropy's target)."""
    out: set[str] = set()
    for node in function.calls if function.made is None else function.made:  # a set: any order
        if isinstance(node, Call):
            op = catalogue.OPS[node.op]
            index_keys = [p.key for p in op.sig if p.kind == core.INDEX]
            if index_keys:
                for key, arg in node.args:
                    if key in index_keys and isinstance(arg, Var):
                        out.add(arg.name)
        elif isinstance(node, Index):
            out.update(it.name for it in node.index if isinstance(it, Var))
    return out


__all__ = ["Analysis", "index_candidates", "literal_values"]
