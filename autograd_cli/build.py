"""Expression tree -> a torch function of the input tensors.

Arithmetic nodes compile to torch operators; calls compile through the catalogue: each
op's ``emit`` gives its torch code (``torch.cumsum(x, dim=1)``, ``x.exp()``), which runs
here exactly as ``explain --code`` prints it. Every op is an ordinary differentiable torch
op, so autograd records a real graph, ``torch.vmap`` can batch it over points and
``torch.func`` can take its Jacobian. Constant subtrees are computed once, at build time,
in the problem's dtype. Statements (``y = x + 2``) run once, in order, into a frame that
later nodes read, so an intermediate used twice is computed once, as in the user's code.
"""

from __future__ import annotations

import math
import operator
from array import array
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import torch

from .catalogue.core import DTYPE, TAttr, TCall, TConst, TIn, TList, TMethod, TOp
from .expr import (
    Add,
    Call,
    Compare,
    Const,
    Index,
    Lit,
    Local,
    Logic,
    MatMul,
    Mul,
    Neg,
    Node,
    Not,
    Num,
    Pow,
    Seq,
    Str,
    Var,
    children,
)
from .infer import as_float, power
from .problem import Problem

Tensor = torch.Tensor
Frame = list[Any]
Fn = Callable[[Frame], Any]
Compiled = Fn | float | Tensor  # a function of the frame, or a constant

DTYPES = {"float64": torch.float64, "float32": torch.float32}
LONG_SUM = 64  # sums with more terms run as one stack-and-sum

_BINARY = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
    "@": operator.matmul,
}
_COMPARE = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


def resolve(path: str) -> Callable[..., Any]:
    """A torch function from a dotted path of the catalogue (``torch.nn.functional.relu``, ``F.relu``).

    Only catalogue strings reach here, never the user's text: the parser resolved the
    user's spelling to a catalogue entry first.
    """
    parts = path.split(".")
    if parts[0] == "F":
        parts = ["torch", "nn", "functional", *parts[1:]]
    elif parts[0] == "nn":
        parts = ["torch", *parts]
    if parts[0] != "torch":
        raise ValueError(f"not a torch path: {path}")
    obj: Any = torch
    for p in parts[1:]:
        obj = getattr(obj, p)
    return obj


_as_float = as_float
_power = power


def const_value(node: Const) -> float:
    from .catalogue import CONSTANTS

    return CONSTANTS.get(node.text or node.name, (node.name, math.e if node.name == "E" else math.pi))[1]


def exact_value(node: Node) -> Fraction | float | None:
    """The value of a constant subtree of numbers, + - * / ** (None if it calls functions)."""
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Const):
        return const_value(node)
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
    """Compiles nodes to closures over the frame: the inputs (in input order), then the
    intermediates of the statements (in order)."""

    def __init__(self, problem: Problem, dtype: torch.dtype) -> None:
        self.problem = problem
        self.dtype = dtype
        self.slots: dict[str, int] = {name: k for k, name in enumerate(problem.names)}
        for j, st in enumerate(problem.function.statements):
            self.slots["#" + st.key] = len(problem.names) + j
        self.memo: dict[int, Compiled] = {}

    def tensor(self, c: Any) -> Tensor:
        if isinstance(c, Tensor):
            if c.is_floating_point() and c.dtype != self.dtype and not c.requires_grad:
                return c.to(self.dtype)
            return c
        if isinstance(c, bool):
            return torch.tensor(c)
        return torch.tensor(_as_float(c), dtype=self.dtype)

    def lift(self, c: Compiled) -> Fn:
        if callable(c):
            return c
        value = c
        return lambda v: value

    def compile(self, node: Node) -> Compiled:
        hit = self.memo.get(id(node))
        if hit is None:
            if type(node) is Var:  # the most common node: a slot of the frame
                k = self.slots[node.name]
                hit = lambda v: v[k]  # noqa: E731
            else:
                hit = self._compile(node)
            self.memo[id(node)] = hit
        return hit

    def _compile(self, node: Node) -> Compiled:
        if isinstance(node, (Num, Const)):
            value = _as_float(node.value) if isinstance(node, Num) else const_value(node)
            if self.dtype != torch.float64:
                # forward mode promotes a Python float's tangent to float64 (a torch quirk): a
                # float32 problem keeps its constants as float32 tensors instead
                return self.tensor(value)
            return value
        if isinstance(node, (Lit, Str)):
            return node.value  # type: ignore[return-value]
        if isinstance(node, Var):
            k = self.slots[node.name]
            return lambda v: v[k]
        if isinstance(node, Local):
            k = self.slots["#" + node.key]
            return lambda v: v[k]
        info = self.problem.info(node) if self.problem.analysis is not None else None
        if info is not None and info.kind == "static":
            value = info.value
            if isinstance(value, (int, float, Fraction)) and not isinstance(value, bool):
                # a number known now (2**700, x.shape[0] - 1): a constant tensor of the problem's dtype
                return self.tensor(_as_float(value))
            return value
        if isinstance(node, Seq):
            return self._literal(node)
        if isinstance(node, Mul) and len(node.factors) > 2:
            node = self._fold_prefix(node)
        if isinstance(node, Call):
            return self._call(node)
        if isinstance(node, Index):
            return self._index(node)
        parts_nodes = self._children(node)
        compiled = [self.compile(c) for c in parts_nodes]
        if all(not callable(c) for c in compiled) and not isinstance(node, (Compare, Logic, Not)):
            # a constant subtree: computed now, exactly where it can be ((2**5000)**(1/7) is
            # finite though 2**5000 is not a float64), else with torch's IEEE rules (1/0 is inf)
            exact = exact_value(node)
            if exact is not None:
                return self.tensor(exact)
            fn = self._op(node, [self.lift(self._tensor_part(c)) for c in compiled])
            return fn([])
        return self._op(node, compiled)

    def _literal(self, node: Seq) -> Tensor:
        from .infer import literal_values

        info = self.problem.info(node)
        from .infer import _literal_shape

        shape = _literal_shape(info)
        if shape is None:
            raise ValueError("a list of tensors used as a tensor")
        return torch.tensor(literal_values(info), dtype=self.dtype).reshape(shape)

    def _fold_prefix(self, node: Mul) -> Mul:
        """``2**1024/2**1023*x``: a run of constant factors in front is one constant, as Python
        computes it (exactly), not factor by factor through float overflow."""
        from .expr import variables

        k = 0
        while k < len(node.factors) and not variables([node.factors[k]]) and exact_value(node.factors[k]) is not None:
            k += 1
        if k < 2 or k == len(node.factors):
            return node
        value = exact_value(Mul(node.factors[:k], node.divide[:k]))
        if not isinstance(value, Fraction):
            return node
        folded = Mul((Num(value, str(value)), *node.factors[k:]), (False, *node.divide[k:]))
        if self.problem.analysis is not None:  # the folded node reads the original's Infos
            from .shapes import static

            self.problem.analysis.infos[id(folded)] = self.problem.info(node)
            self.problem.analysis.infos[id(folded.factors[0])] = static(value)
        return folded

    @staticmethod
    def _children(node: Node) -> list[Node]:
        if isinstance(node, Add):
            return [t.arg if isinstance(t, Neg) else t for t in node.terms]
        return children(node)

    def _tensor_part(self, p: Any) -> Any:
        return self.tensor(p) if isinstance(p, (float, int)) and not isinstance(p, bool) else p

    def _op(self, node: Node, parts: list[Any]) -> Fn:  # noqa: C901 - one branch per node type
        """A closure for ``node`` over already compiled children (functions or constants)."""

        def val(p: Any) -> Fn:
            return p if callable(p) else (lambda v: p)

        if isinstance(node, (Add, Mul)) and not callable(parts[0]):
            # a constant first term starts the chain as a tensor, so 1/0*x is inf, not ZeroDivisionError
            parts = [self.tensor(parts[0]), *parts[1:]]

        if isinstance(node, Neg):
            (a,) = parts
            fa = val(a)
            return lambda v: -fa(v)
        if isinstance(node, Not):
            (a,) = parts
            fa = val(a)
            return lambda v: ~fa(v)
        if isinstance(node, Add):
            # a - b runs as a subtraction, not a + (-b), as hand-written torch would
            signs = [isinstance(t, Neg) for t in node.terms]
            fns = [val(p) for p in parts]
            first, rest = fns[0], list(zip(fns[1:], signs[1:]))
            if signs[0]:
                first = _negated(first)

            def add(v: Frame) -> Tensor:
                acc = first(v)
                for f, neg in rest:
                    acc = acc - f(v) if neg else acc + f(v)
                return acc

            if len(fns) <= LONG_SUM:
                return add
            tensor = self.tensor

            def long_sum(v: Frame) -> Tensor:
                # thousands of terms: one stack and one sum, not a chain of thousands of adds
                # (the same value; backward walks two nodes instead of one per term)
                terms = [tensor(f(v)) for f in fns]
                terms = [-t if neg else t for t, neg in zip(terms, signs)]
                return torch.stack(torch.broadcast_tensors(*terms)).sum(0)

            return long_sum
        if isinstance(node, Mul):
            fns = [val(p) for p in parts]
            head, tail = fns[0], list(zip(fns[1:], node.divide[1:]))

            def mul(v: Frame) -> Tensor:
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
            if isinstance(exp, int) and not isinstance(exp, bool):
                ei = exp
                return lambda v: torch.pow(fb(v), ei)
            fe = val(exp)
            if isinstance(base, (float, int)) and not isinstance(base, bool):
                b = float(base)
                return lambda v: torch.pow(b, fe(v))
            return lambda v: torch.pow(fb(v), fe(v))
        if isinstance(node, MatMul):
            fl, fr = (val(self._tensor_part(p)) for p in parts)
            return lambda v: torch.matmul(fl(v), fr(v))
        if isinstance(node, Compare):
            fl, fr = (val(p) for p in parts)
            cmp = _COMPARE[node.op]
            return lambda v: cmp(fl(v), fr(v))
        if isinstance(node, Logic):
            fl, fr = (val(p) for p in parts)
            if node.op == "&":
                return lambda v: fl(v) & fr(v)
            return lambda v: fl(v) | fr(v)
        raise TypeError(node)

    def _index(self, node: Index) -> Compiled:
        base = self.compile(node.base)
        fa = self.lift(base)
        analysis = self.problem.analysis
        assert analysis is not None
        base_info = analysis.infos[id(node.base)]
        if base_info.kind in ("pair", "seq"):
            k = self._static(node.index[0])
            return lambda v: fa(v)[k]
        plan: list[Any]
        sources: list[Any]
        plan, sources = analysis.bound[id(node)]  # type: ignore[misc]
        from .shapes import Adv

        parts: list[Any] = []
        dynamic = False
        for p, src in zip(plan, sources):
            if isinstance(p, Adv):
                if p.values is not None:
                    parts.append(torch.tensor(p.values, dtype=torch.int64).reshape(p.shape))
                else:
                    assert src is not None
                    parts.append(self.lift(self.compile(src)))
                    dynamic = True
            else:
                parts.append(p)
        if not dynamic:
            key = tuple(parts)
            if not callable(base):
                return self.tensor(base)[key]
            return lambda v: fa(v)[key]
        makers = [p if callable(p) else _constant(p) for p in parts]
        return lambda v: fa(v)[tuple(m(v) for m in makers)]

    def _static(self, node: Any) -> int:
        value = self.problem.info(node).value
        return int(value)

    # -- calls through the catalogue ---------------------------------------------------------------
    def _call(self, node: Call) -> Compiled:
        b = self.problem.bound(node)
        args: dict[str, Any] = {}
        for key, arg in node.args:
            info = b.infos.get(key)
            if info is None:
                continue
            if info.kind == "seq":
                args[key] = [self.compile(item) for item in arg.items] if isinstance(arg, Seq) else []
            else:
                args[key] = self.compile(arg)
        code = b.op.emit(b)
        fn = self.ir(code, args)
        if callable(fn):
            if b.op.constant:
                return fn([])  # torch.ones(3): computed once
            return fn
        return fn

    def ir(self, e: Any, args: dict[str, Any]) -> Any:  # noqa: C901 - one branch per form
        """The torch code form of the catalogue as a closure (or a constant)."""
        if isinstance(e, TIn):
            value = args[e.name]
            if e.item is not None:
                value = value[e.item]
            return value
        if isinstance(e, TConst):
            return torch.tensor(e.value, dtype=self.dtype)
        if e is DTYPE:
            return self.dtype
        if isinstance(e, TList):
            items = [self.lift(self._tensor_part(self.ir(i, args))) for i in e.items]
            return lambda v: [f(v) for f in items]
        if isinstance(e, (TCall, TMethod)):
            pos = [self.ir(a, args) for a in e.args]
            kw = [(k, self.ir(a, args)) for k, a in e.kwargs]
            if isinstance(e, TCall):
                fn = resolve(e.fn)
                recv: Any = None
            else:
                recv = self.lift(self.ir(e.recv, args))
                name = e.name
            dynamic_pos = [callable(p) for p in pos]
            dynamic_kw = [callable(p) for _, p in kw]
            if isinstance(e, TCall) and not any(dynamic_pos) and not any(dynamic_kw):
                pos = [self._tensor_part(p) if isinstance(p, float) and i == 0 else p for i, p in enumerate(pos)]
                return fn(*pos, **dict(kw))
            pfs = [p if d else _constant(p) for p, d in zip(pos, dynamic_pos)]
            kfs = [(k, p if d else _constant(p)) for (k, p), d in zip(kw, dynamic_kw)]
            if isinstance(e, TCall):
                if not kfs:
                    if len(pfs) == 1:
                        (f0,) = pfs
                        return lambda v: fn(f0(v))
                    return lambda v: fn(*[f(v) for f in pfs])
                return lambda v: fn(*[f(v) for f in pfs], **{k: f(v) for k, f in kfs})
            return lambda v: getattr(recv(v), name)(*[f(v) for f in pfs], **{k: f(v) for k, f in kfs})
        if isinstance(e, TAttr):
            r = self.lift(self.ir(e.recv, args))
            attr = e.name
            return lambda v: getattr(r(v), attr)
        if isinstance(e, TOp):
            fs = [self.lift(self.ir(a, args)) for a in e.args]
            if e.op == "neg":
                (f0,) = fs
                return lambda v: -f0(v)
            op = _BINARY[e.op]
            fa, fb = fs
            return lambda v: op(fa(v), fb(v))
        if isinstance(e, (list, tuple)):
            return type(e)(self.ir(i, args) for i in e)
        return e


def _literal(info: Any) -> bool:
    from .infer import _literal_shape

    return _literal_shape(info) is not None


_KEEP_LEAF_ELEMENTS = 1 << 20  # leaves up to this size are kept as a template to copy (8 MB in float64)


class Built:
    """The problem's function in torch: leaves (the differentiated inputs), constants (the
    others), and ``of_leaves(*leaves) -> y`` with the constants of the problem's point."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.dtype = DTYPES[problem.dtype]
        builder = Builder(problem, self.dtype)
        self._steps = [builder.lift(builder.compile(s.value)) for s in problem.function.statements]
        self._parts = [builder.lift(builder.compile(c)) for c in problem.function.components]
        self._builder = builder
        leaf_names = problem.leaf_names
        self._leaf_pos = {name: k for k, name in enumerate(leaf_names)}
        self._const_pos = {inp.name: k for k, inp in enumerate(problem.const_inputs)}
        self._consts: list[Tensor] | None = None
        self._leaf_values: list[Tensor] | None = None  # the point's leaves, made once (see leaves)

    # the frame: every input in input order, then the intermediates
    def _frame(self, leaves: Sequence[Tensor], consts: Sequence[Tensor]) -> Frame:
        problem = self.problem
        if problem.single_leaf and leaves:
            elements = list(leaves[0].unbind(0)) if len(leaves) == 1 and leaves[0].ndim == 1 else list(leaves)
        else:
            elements = list(leaves)
        if problem.single_leaf and not problem.has_constants and len(elements) == len(problem.names):
            return elements
        frame: Frame = []
        for inp in problem.inputs:
            k = self._leaf_pos.get(inp.name)
            frame.append(elements[k] if k is not None else consts[self._const_pos[inp.name]])
        return frame

    def evaluate(self, frame: Frame) -> Tensor:
        for step in self._steps:
            frame.append(step(frame))
        outs = [self._builder.tensor(p(frame)) for p in self._parts]
        if len(outs) == 1:
            return outs[0]
        if all(o.ndim == 0 for o in outs):
            return torch.stack(outs)
        return torch.cat([o.reshape(-1) for o in outs])

    def __call__(self, *values: Tensor) -> Tensor:
        """y for every input's value (scalars or tensors, in input order)."""
        return self.evaluate(list(values))

    def component_outputs(self, leaves: Sequence[Tensor]) -> list[Tensor]:
        """Each component's own output tensor (before they are stacked into y)."""
        frame = self._frame(leaves, self.constants())
        for step in self._steps:
            frame.append(step(frame))
        return [self._builder.tensor(p(frame)) for p in self._parts]

    def with_constants(self, leaves: Sequence[Tensor], consts: Sequence[Tensor]) -> Tensor:
        """y from the leaves (one x for scalar inputs) and the constants (in input order)."""
        return self.evaluate(self._frame(leaves, consts))

    def of_leaves(self, *leaves: Tensor) -> Tensor:
        """y as a function of the leaf tensors alone: the constants are the problem point's."""
        return self.with_constants(leaves, self.constants())

    def probe(self, nodes: Sequence[Node]) -> Callable[[Sequence[Tensor], Sequence[Tensor]], list[Any]]:
        """A function (leaves, constants) -> the values of ``nodes`` (lists of tensors stay lists)."""
        b = self._builder
        fns: list[Any] = []
        for node in nodes:
            info = self.problem.info(node)
            if isinstance(node, Seq) and info.kind == "seq" and not _literal(info):
                items = [b.lift(b.compile(i)) for i in node.items]
                fns.append(lambda f, items=items: [g(f) for g in items])
            else:
                fns.append(b.lift(b.compile(node)))

        def run(leaves: Sequence[Tensor], consts: Sequence[Tensor]) -> list[Any]:
            frame = self._frame(leaves, consts)
            for step in self._steps:
                frame.append(step(frame))
            return [f(frame) for f in fns]

        return run

    def constants(self, point: Sequence[float] | None = None) -> list[Tensor]:
        """The inputs that are not differentiated, as plain tensors (class indices as int64)."""
        if point is None and self._consts is not None:
            return self._consts
        problem = self.problem
        if not problem.const_inputs:
            return []
        flat = list(problem.point if point is None else point)  # type: ignore[arg-type]
        starts: dict[str, int] = {}
        k = 0
        for inp in problem.inputs:
            starts[inp.name] = k
            k += inp.numel
        out: list[Tensor] = []
        for inp in problem.const_inputs:
            values = flat[starts[inp.name] : starts[inp.name] + inp.numel] if flat else [0.0] * inp.numel
            if inp.kind == "index":
                t = torch.tensor([int(v) for v in values], dtype=torch.int64).reshape(inp.shape)
            else:
                t = torch.tensor(values, dtype=self.dtype).reshape(inp.shape)
            out.append(t)
        if point is None:
            self._consts = out
        return out

    def leaves(self, point: Sequence[float] | None = None, requires_grad: bool = True) -> list[Tensor]:
        """Fresh leaf tensors at the point: one ``x`` for scalar inputs, else one per differentiated input.

        ``point`` is the full flat point (every input, in input order). At the problem's own
        point the tensors are made from its floats once; each call gets fresh copies."""
        if point is None and self.problem.n <= _KEEP_LEAF_ELEMENTS:
            if self._leaf_values is None:
                self._leaf_values = self._new_leaves(None, False)
            return [t.clone().requires_grad_(requires_grad) for t in self._leaf_values]
        return self._new_leaves(point, requires_grad)

    def _new_leaves(self, point: Sequence[float] | None, requires_grad: bool) -> list[Tensor]:
        problem = self.problem
        flat = problem.leaf_point(list(point) if point is not None else None)
        if problem.single_leaf:
            return [_tensor(flat, self.dtype).requires_grad_(requires_grad)]
        out: list[Tensor] = []
        k = 0
        for inp in problem.leaf_inputs:
            t = _tensor(flat[k : k + inp.numel], self.dtype).reshape(inp.shape)
            out.append(t.requires_grad_(requires_grad))
            k += inp.numel
        return out


def _tensor(values: Sequence[float], dtype: torch.dtype) -> Tensor:
    """``torch.tensor(values, dtype=dtype)``; millions of Python floats go through a C array of
    doubles, which takes a fraction of the time (the same numbers: float32 rounds the same doubles)."""
    if len(values) < 4096:
        return torch.tensor(values, dtype=dtype)
    return torch.frombuffer(array("d", values), dtype=torch.float64).to(dtype)


__all__ = ["Builder", "Built", "exact_value", "resolve"]
