"""The problem as runnable plain-torch code (``vjp explain --code`` and explain's steps).

The script rebuilds the function with the torch calls vjp itself runs (each call's code
comes from the catalogue's ``emit``, the same form the builder executes, so the code shown
is the code that ran), runs the row loop (one ``y.backward(e_i, retain_graph=True)`` per
row, the leaves' ``.grad`` read and zeroed) and prints the Jacobian as a JSON list of rows
on its last line. The user's names are kept unless Python or the script needs them
(``lambda`` -> ``lambda_``, ``torch`` -> ``torch_``); the script's own names start with
``_``, which user names never do. Subtrees without variables are written as tensor
literals of the value vjp's own build gives them (so ``1/0`` is ``inf``, as in torch).
"""

from __future__ import annotations

import keyword
import math
from fractions import Fraction
from typing import Any

from .catalogue.core import DTYPE, TAttr, TCall, TConst, TIn, TList, TMethod, TOp
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
    variables,
    walk,
)
from .problem import Problem

_RESERVED = {"torch", "json", "math", "print", "range", "float", "F", "len", "list", "int"}
_CMP, _LOGIC, _ADD, _MUL, _NEG, _POW, _ATOM = 4, 6, 10, 20, 30, 40, 50
_OP_PREC = {"+": _ADD, "-": _ADD, "*": _MUL, "/": _MUL, "@": _MUL, "**": _POW}


def _float(value: float) -> str:
    if math.isnan(value):
        return "float('nan')"
    if math.isinf(value):
        return "float('inf')" if value > 0 else "-float('inf')"
    return repr(value)


def _literal(v: Fraction) -> str:
    if v.denominator == 1 and abs(v.numerator) < 2**53:
        return str(v.numerator)
    try:
        return _float(float(v))
    except OverflowError:
        return "float('inf')"


def pyliteral(value: Any) -> str:
    """A Python value of the torch code (a dim, a tuple of sizes, 'sum', inf) as source text."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, Fraction):
        return _literal(value)
    if isinstance(value, tuple):
        inner = ", ".join(pyliteral(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(pyliteral(v) for v in value) + "]"
    return repr(value)


def python_names(names: tuple[str, ...] | list[str], taken_extra: set[str] | None = None) -> dict[str, str]:
    """The user's names, made safe as Python names (``lambda`` -> ``lambda_``, ``torch`` -> ``torch_``)."""
    out: dict[str, str] = {}
    reserved = _RESERVED | (taken_extra or set())
    taken = set(names) | reserved
    for n in names:
        safe = n
        while keyword.iskeyword(safe) or safe in reserved or (safe != n and safe in taken):
            safe += "_"
        out[n] = safe
        taken.add(safe)
    return out


class Writer:
    """Python source for the nodes of one problem, with the names the script uses."""

    def __init__(self, problem: Problem, names: dict[str, str]) -> None:
        self.problem = problem
        self.names = names
        self.dtype = problem.dtype
        self.uses_f = False
        self.uses_math = False

    def const_tensor(self, node: Node) -> str:
        """A subtree without variables: a tensor literal of its value, so 1/0 is inf, not an exception."""
        import torch

        from .build import Builder

        value = Builder(self.problem, getattr(torch, self.dtype)).compile(node)
        tensor = value if isinstance(value, torch.Tensor) else torch.tensor(value, dtype=getattr(torch, self.dtype))
        return self.tensor_literal(tensor.tolist())

    def tensor_literal(self, value: Any) -> str:
        return f"torch.tensor({pyliteral(value)}, dtype=torch.{self.dtype})"

    def code(self, node: Node) -> tuple[str, int]:  # noqa: C901 - one branch per node type
        """(text, precedence) of ``node`` as Python."""
        info = self.problem.info(node) if self.problem.analysis is not None else None
        if isinstance(node, Neg) and isinstance(node.arg, Num):
            return "-" + _literal(node.arg.value), _NEG
        if (
            info is not None
            and info.kind == "static"
            and not isinstance(info.value, (str, bool, tuple))
            and info.value is not None
        ):
            if isinstance(node, Num):
                return _literal(node.value), _ATOM
            if isinstance(node, Const):
                return self._const(node), _ATOM
            if _has_input(node):  # x.shape[0]: a whole number, written as the number it is
                return pyliteral(info.value if not isinstance(info.value, Fraction) else _frac(info.value)), _ATOM
            return self.const_tensor(node), _ATOM
        if info is not None and info.kind == "static" and isinstance(info.value, tuple):
            return pyliteral([_frac(v) if isinstance(v, Fraction) else v for v in info.value]), _ATOM
        if isinstance(node, (Str, Lit)):
            return repr(node.value), _ATOM
        if isinstance(node, Var):
            return self.names[node.name], _ATOM
        if isinstance(node, Local):
            return self.names["#" + node.key], _ATOM
        if not _has_input(node) and isinstance(node, (Neg, Add, Mul, Pow, MatMul)):
            return self.const_tensor(node), _ATOM
        if isinstance(node, Neg):
            return "-" + self.wrap(node.arg, _NEG), _NEG
        if isinstance(node, Not):
            return "~" + self.wrap(node.arg, _NEG), _NEG
        if isinstance(node, Add):
            parts = [self.wrap(node.terms[0], _ADD)]
            for t in node.terms[1:]:
                parts.append(" - " + self.wrap(t.arg, _MUL) if isinstance(t, Neg) else " + " + self.wrap(t, _ADD))
            return "".join(parts), _ADD
        if isinstance(node, Mul):
            parts = [self.wrap(node.factors[0], _MUL)]
            for f, div in zip(node.factors[1:], node.divide[1:]):
                parts.append(("/" if div else "*") + self.wrap(f, _POW if div else _NEG + 1))
            return "".join(parts), _MUL
        if isinstance(node, MatMul):
            return f"{self.tensor_operand(node.left, _MUL)} @ {self.tensor_operand(node.right, _POW)}", _MUL
        if isinstance(node, Pow):
            return f"{self.wrap(node.base, _ATOM)}**{self.wrap(node.exp, _ATOM)}", _POW
        if isinstance(node, Compare):
            return f"{self.wrap(node.left, _ADD)} {node.op} {self.wrap(node.right, _ADD)}", _CMP
        if isinstance(node, Logic):
            return f"({self.code(node.left)[0]}) {node.op} ({self.code(node.right)[0]})", _LOGIC
        if isinstance(node, Seq):
            if info is not None and info.kind == "seq":
                from .infer import _literal_shape, literal_values

                shape = _literal_shape(info)
                if shape is not None:
                    import torch

                    return self.tensor_literal(torch.tensor(literal_values(info)).reshape(shape).tolist()), _ATOM
            return "[" + ", ".join(self.code(i)[0] for i in node.items) + "]", _ATOM
        if isinstance(node, Index):
            return self.index(node), _ATOM
        if isinstance(node, Call):
            return self.call(node), _ATOM
        if isinstance(node, Const):
            return self._const(node), _ATOM
        if isinstance(node, Num):
            return _literal(node.value), _ATOM
        raise TypeError(node)

    def _const(self, node: Const) -> str:
        self.uses_math = True
        return {"pi": "math.pi", "E": "math.e", "inf": "math.inf"}[node.name]

    def tensor_operand(self, node: Node, above: int) -> str:
        """An operand that must be a tensor (of @): a list of numbers becomes torch.tensor(...)."""
        text, prec = self.code(node)
        info = self.problem.info(node)
        if info.kind == "static":
            return f"torch.tensor({text}, dtype=torch.{self.dtype})"
        return f"({text})" if prec < above else text

    def wrap(self, node: Node, above: int) -> str:
        text, prec = self.code(node)
        return f"({text})" if prec < above else text

    def index(self, node: Index) -> str:
        base_info = self.problem.info(node.base)
        base = self.wrap(node.base, _ATOM)
        if base_info.kind in ("pair", "seq"):
            return f"{base}[{self.code(node.index[0])[0]}]"  # type: ignore[arg-type]
        items = []
        for it in node.index:
            if isinstance(it, Ellipsis_):
                items.append("...")
            elif isinstance(it, NewAxis):
                items.append("None")
            elif isinstance(it, Slice):
                parts = ["" if p is None else self.code(p)[0] for p in (it.start, it.stop)]
                if it.step is not None:
                    parts.append(self.code(it.step)[0])
                items.append(":".join(parts))
            else:
                items.append(self.code(it)[0])
        return f"{base}[{', '.join(items)}]"

    def call(self, node: Call) -> str:
        b = self.problem.bound(node)
        args: dict[str, Any] = {}
        for key, arg in node.args:
            info = b.infos.get(key)
            if info is None:
                continue
            if info.kind == "seq" and isinstance(arg, Seq):
                args[key] = [self.operand(i) for i in arg.items]
            else:
                args[key] = self.operand(arg)
        return self.ir(b.op.emit(b), args)[0]

    def operand(self, node: Node) -> str:
        text, _prec = self.code(node)
        return text

    def ir(self, e: Any, args: dict[str, Any]) -> tuple[str, int]:
        if isinstance(e, TIn):
            value = args[e.name]
            if e.item is not None:
                value = value[e.item]
            return value, _ATOM if _is_atom(value) else _ADD
        if isinstance(e, TConst):
            return self.tensor_literal(e.value), _ATOM
        if e is DTYPE:
            return f"torch.{self.dtype}", _ATOM
        if isinstance(e, TList):
            return "[" + ", ".join(self.ir(i, args)[0] for i in e.items) + "]", _ATOM
        if isinstance(e, (TCall, TMethod)):
            pos = [self.ir(a, args)[0] for a in e.args]
            kw = [f"{k}={self.ir(a, args)[0]}" for k, a in e.kwargs]
            inner = ", ".join(pos + kw)
            if isinstance(e, TCall):
                fn = e.fn
                if fn.startswith("F."):
                    self.uses_f = True
                elif fn.startswith("nn.functional."):
                    fn = "torch." + fn
                return f"{fn}({inner})", _ATOM
            recv, prec = self.ir(e.recv, args)
            recv = f"({recv})" if prec < _ATOM else recv
            return f"{recv}.{e.name}({inner})", _ATOM
        if isinstance(e, TAttr):
            recv, prec = self.ir(e.recv, args)
            recv = f"({recv})" if prec < _ATOM else recv
            return f"{recv}.{e.name}", _ATOM
        if isinstance(e, TOp):
            parts = [self.ir(a, args) for a in e.args]
            if e.op == "neg":
                t, p = parts[0]
                return "-" + (f"({t})" if p < _NEG else t), _NEG
            prec = _OP_PREC[e.op]
            (lt, lp), (rt, rp) = parts
            left = f"({lt})" if lp < prec else lt
            right = f"({rt})" if (rp <= prec and e.op != "**") or rp < prec else rt
            return f"{left} {e.op} {right}", prec
        if isinstance(e, (list, tuple)):
            return pyliteral(type(e)(_plain(i) for i in e)), _ATOM
        return pyliteral(e), _ATOM


def _plain(e: Any) -> Any:
    return e


def _frac(v: Fraction) -> int | float:
    return int(v) if v.denominator == 1 else float(v)


def _is_atom(text: str) -> bool:
    depth = 0
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0 and ch in " +-*/@<>=&|~":
            return False
    return True


def _has_input(node: Node) -> bool:
    return any(isinstance(n, (Var, Local)) for n in walk(node))


def statement_names(problem: Problem) -> dict[str, str]:
    """Python names for every input and intermediate (``#key`` for an intermediate)."""
    user = [*problem.names]
    for st in problem.function.statements:
        if st.name not in user:
            user.append(st.name)
    safe = python_names(user)
    out = dict(safe)
    counts: dict[str, int] = {}
    for st in problem.function.statements:
        counts[st.name] = counts.get(st.name, 0) + 1
        out["#" + st.key] = safe[st.name]
    return out


def forward_lines(problem: Problem, names: dict[str, str], output: str) -> tuple[list[str], Writer]:
    """The statements and the output line: ``y = x + 2`` ... ``_y = out``."""
    writer = Writer(problem, names)
    lines = [f"{names['#' + st.key]} = {writer.code(st.value)[0]}" for st in problem.function.statements]
    comps = [_as_tensor(writer, problem, i) for i in range(len(problem.function.components))]
    if len(comps) == 1:
        lines.append(f"{output} = {comps[0]}")
    elif problem.scalar_components:
        lines.append(f"{output} = torch.stack([" + ", ".join(comps) + "])")
    else:
        lines.append(f"{output} = torch.cat([" + ", ".join(f"({c}).reshape(-1)" for c in comps) + "])")
    return lines, writer


def script(problem: Problem) -> str:
    """A runnable Python script that rebuilds the function in plain torch and prints J as JSON."""
    assert problem.point is not None
    names = statement_names(problem)
    dtype = problem.dtype
    body, writer = forward_lines(problem, names, "_y")
    lines = [
        "# Generated by `vjp explain --code`: the Jacobian of",
        *[
            f"#   {problem.row_title(i) if problem.scalar_components else problem.rows[0]}"
            for i in range(len(problem.function.components))
        ][:20],
        "# built row by row from one-hot backward calls, as in vjp's method 'rows'.",
        "import json",
        "import math",
        "",
        "import torch",
    ]
    if writer.uses_f:
        lines.append("import torch.nn.functional as F")
    lines.append("")
    values = problem.point_values()
    leaf_inputs = problem.leaf_inputs
    if problem.single_leaf and leaf_inputs:
        point = ", ".join(_float(v) for inp in leaf_inputs for v in values[inp.name].data)
        lines.append(f"_x = torch.tensor([{point}], dtype=torch.{dtype}, requires_grad=True)  # the leaf")
        targets = ", ".join(names[i.name] for i in leaf_inputs)
        lines.append(f"{targets}{',' if len(leaf_inputs) == 1 else ''} = _x.unbind(0)")
        leaves = ["_x"]
    else:
        leaves = []
        for inp in leaf_inputs:
            nested = values[inp.name].nested()
            lines.append(
                f"{names[inp.name]} = torch.tensor({_nested_literal(nested)}, dtype=torch.{dtype}, requires_grad=True)"
            )
            leaves.append(names[inp.name])
    for inp in problem.const_inputs:
        nested = values[inp.name].nested()
        if inp.kind == "index":
            lines.append(
                f"{names[inp.name]} = torch.tensor({_int_literal(nested)}, dtype=torch.int64)"
                "  # class indices: a constant"
            )
        else:
            lines.append(
                f"{names[inp.name]} = torch.tensor({_nested_literal(nested)}, dtype=torch.{dtype})"
                "  # a constant: no gradient"
            )
    lines += body
    lines += [
        f"_leaves = [{', '.join(leaves)}]",
        "_rows = []",
        "for _i in range(_y.numel()):",
        "    _e = torch.zeros(_y.numel(), dtype=_y.dtype)",
        "    _e[_i] = 1.0",
        "    if _y.requires_grad:",
        "        _y.backward(_e.reshape(_y.shape), retain_graph=True)",
        "    _grads = [_t.grad if _t.grad is not None else torch.zeros_like(_t) for _t in _leaves]",
        "    _row = [_v for _g in _grads for _v in _g.reshape(-1).tolist()]",
        "    _rows.append(_row)",
        "    for _t in _leaves:",
        "        if _t.grad is not None:",
        "            _t.grad.zero_()",
        "print(json.dumps(_rows))",
    ]
    return "\n".join(lines) + "\n"


def _as_tensor(writer: Writer, problem: Problem, i: int) -> str:
    """A component made only of numbers still has to be a tensor for stack/backward."""
    comp = problem.function.components[i]
    if not variables([comp]) and not any(isinstance(n, Local) for n in walk(comp)):
        return writer.const_tensor(comp)
    text = writer.code(comp)[0]
    if problem.info(comp).kind == "static":
        return f"torch.tensor({text}, dtype=torch.{problem.dtype})"
    return text


def _nested_literal(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_nested_literal(v) for v in value) + "]"
    return _float(float(value))  # type: ignore[arg-type]


def _int_literal(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_int_literal(v) for v in value) + "]"
    return str(int(value))  # type: ignore[call-overload]


__all__ = ["Writer", "forward_lines", "python_names", "script", "statement_names"]
