"""The problem as a runnable plain-torch script (``vjp explain --code``).

The script rebuilds the function with torch calls written out, runs the seed's row loop
(one ``y.backward(e_i, retain_graph=True)`` per row, ``x.grad`` read and zeroed) and
prints the Jacobian as a JSON list of rows on its last line. Names the user chose are
kept unless Python would not accept them; the script's own names start with ``_``, which
user variables never do. Subtrees without variables are written as tensor literals of
the value vjp's own build gives them (so ``1/0`` is ``inf``, as in torch, not a Python
ZeroDivisionError).
"""

from __future__ import annotations

import keyword
import math
from fractions import Fraction

from .expr import Add, Call, Const, Index, MatMul, Mul, Neg, Node, Num, Pow, Slice, Var, variables
from .problem import Problem
from .shapes import Shape, infer

_TORCH = {
    "sin": "torch.sin",
    "cos": "torch.cos",
    "tan": "torch.tan",
    "asin": "torch.asin",
    "acos": "torch.acos",
    "atan": "torch.atan",
    "sinh": "torch.sinh",
    "cosh": "torch.cosh",
    "tanh": "torch.tanh",
    "asinh": "torch.asinh",
    "acosh": "torch.acosh",
    "atanh": "torch.atanh",
    "exp": "torch.exp",
    "log2": "torch.log2",
    "log10": "torch.log10",
    "sqrt": "torch.sqrt",
    "abs": "torch.abs",
    "erf": "torch.erf",
    "sigmoid": "torch.sigmoid",
    "relu": "torch.relu",
    "softplus": "torch.nn.functional.softplus",
}
_RESERVED = {"torch", "json", "math", "print", "range", "float"}  # names the script itself uses
_ADD, _MUL, _NEG, _POW, _ATOM = 10, 20, 30, 40, 50


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


class _Writer:
    def __init__(self, problem: Problem, names: dict[str, str], dtype: str) -> None:
        self.shapes = {i.name: i.shape for i in problem.inputs}
        self.names = names
        self.dtype = dtype

    def shape(self, node: Node) -> Shape:
        return infer(node, self.shapes)

    def const_tensor(self, node: Node) -> str:
        """A subtree without variables: a tensor literal of its value, so 1/0 is inf, not an exception."""
        import torch

        from .build import Builder  # only here: constants are folded exactly as vjp's own graph does

        value = Builder({}, getattr(torch, self.dtype)).compile(node)
        tensor = value if isinstance(value, torch.Tensor) else torch.tensor(value, dtype=getattr(torch, self.dtype))
        return f"torch.tensor({_float(float(tensor))}, dtype=torch.{self.dtype})"

    def code(self, node: Node) -> tuple[str, int]:
        """(text, precedence) of ``node`` as Python."""
        if isinstance(node, Neg) and isinstance(node.arg, Num):
            return "-" + _literal(node.arg.value), _NEG
        if not variables([node]) and not isinstance(node, (Num, Const)):
            return self.const_tensor(node), _ATOM
        if isinstance(node, Num):
            return _literal(node.value), _ATOM
        if isinstance(node, Const):
            return ("math.pi" if node.name == "pi" else "math.e"), _ATOM
        if isinstance(node, Var):
            return self.names[node.name], _ATOM
        if isinstance(node, Neg):
            return "-" + self.wrap(node.arg, _NEG), _NEG
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
            return f"{self.wrap(node.left, _MUL)} @ {self.wrap(node.right, _POW)}", _MUL
        if isinstance(node, Pow):
            return f"{self.wrap(node.base, _ATOM)}**{self.wrap(node.exp, _ATOM)}", _POW
        if isinstance(node, Index):
            items = ", ".join(str(i) if isinstance(i, int) else _slice(i) for i in node.index)
            return f"{self.wrap(node.base, _ATOM)}[{items}]", _ATOM
        if isinstance(node, Call):
            return self.call(node), _ATOM
        raise TypeError(node)

    def wrap(self, node: Node, above: int) -> str:
        text, prec = self.code(node)
        return f"({text})" if prec < above else text

    def tensor_arg(self, node: Node) -> str:
        text, _ = self.code(node)
        if not variables([node]):
            return self.const_tensor(node) if not text.startswith("torch.tensor(") else text
        return text

    def call(self, node: Call) -> str:
        name, dim = node.name, node.dim
        args = [self.code(a)[0] for a in node.args]
        if name in _TORCH:
            return f"{_TORCH[name]}({args[0]})"
        if name == "log":
            if len(args) == 1:
                return f"torch.log({self.tensor_arg(node.args[0])})"
            return f"torch.log({self.tensor_arg(node.args[0])}) / torch.log({self.tensor_arg(node.args[1])})"
        if name == "atan2":
            return f"torch.atan2({self.tensor_arg(node.args[0])}, {self.tensor_arg(node.args[1])})"
        if name in ("max", "min") and len(args) > 1:
            fn = "torch.maximum" if name == "max" else "torch.minimum"
            acc = self.tensor_arg(node.args[0])
            for a in node.args[1:]:
                acc = f"{fn}({acc}, {self.tensor_arg(a)})"
            return acc
        if name == "dot":
            return f"torch.dot({args[0]}, {args[1]})"
        x = args[0]
        ndim = len(self.shape(node.args[0]))
        all_dims = f"dim={tuple(range(ndim))!r}" if dim is None else f"dim={dim}"
        if name in ("max", "min"):
            fn = "torch.amax" if name == "max" else "torch.amin"
            return x if ndim == 0 else f"{fn}({x}, {all_dims})"
        if name == "sum":
            return f"torch.sum({x})" if dim is None else f"torch.sum({x}, dim={dim})"
        if name == "mean":
            return f"torch.mean({x})" if dim is None else f"torch.mean({x}, dim={dim})"
        if name == "prod":
            return f"torch.prod({x})" if dim is None else f"torch.prod({x}, dim={dim})"
        if name == "norm":
            return f"torch.linalg.vector_norm({x})" if dim is None else f"torch.linalg.vector_norm({x}, dim={dim})"
        if name == "logsumexp":
            return x if ndim == 0 else f"torch.logsumexp({x}, {all_dims})"
        if name == "softmax":
            return f"torch.softmax({x}, dim={-1 if dim is None else dim})"
        raise ValueError(f"no torch code for {name}()")


def _slice(s: Slice) -> str:
    parts = ["" if s.start is None else str(s.start), "" if s.stop is None else str(s.stop)]
    if s.step is not None:
        parts.append(str(s.step))
    return ":".join(parts)


def python_names(names: tuple[str, ...]) -> dict[str, str]:
    """The user's variable names, made safe as Python names (``lambda`` -> ``lambda_``)."""
    out: dict[str, str] = {}
    taken = set(names) | _RESERVED
    for n in names:
        safe = n
        while keyword.iskeyword(safe) or safe in _RESERVED or (safe != n and safe in taken):
            safe += "_"
        out[n] = safe
        taken.add(safe)
    return out


def script(problem: Problem) -> str:
    """A runnable Python script that rebuilds the function in plain torch and prints J as JSON."""
    assert problem.point is not None
    names = python_names(problem.names)
    dtype = problem.dtype
    writer = _Writer(problem, names, dtype)
    comps = [writer.code(c)[0] for c in problem.function.components]
    lines = [
        "# Generated by `vjp explain --code`: the Jacobian of",
        *[f"#   {problem.row_title(i) if problem.scalar_components else problem.rows[0]}" for i in range(len(comps))][
            :20
        ],
        "# built row by row from one-hot backward calls, as in vjp's method 'rows'.",
        "import json",
        "import math",
        "",
        "import torch",
        "",
    ]
    values = problem.point_values()
    if problem.single_leaf:
        point = ", ".join(_float(v) for v in problem.point)
        lines.append(f"_x = torch.tensor([{point}], dtype=torch.{dtype}, requires_grad=True)  # the leaf")
        if names:
            targets = ", ".join(names[n] for n in problem.names)
            lines.append(f"{targets}{',' if len(names) == 1 else ''} = _x.unbind(0)")
        leaves = ["_x"]
    else:
        leaves = []
        for inp in problem.inputs:
            nested = values[inp.name].nested()
            lines.append(
                f"{names[inp.name]} = torch.tensor({_nested_literal(nested)}, dtype=torch.{dtype}, requires_grad=True)"
            )
            leaves.append(names[inp.name])
    if len(comps) == 1:
        lines.append(f"_y = {_as_tensor(comps[0], writer, problem, 0)}")
    elif problem.scalar_components:
        lines.append("_y = torch.stack([")
        lines += [f"    {_as_tensor(c, writer, problem, i)}," for i, c in enumerate(comps)]
        lines.append("])")
    else:
        lines.append("_y = torch.cat([")
        lines += [f"    ({_as_tensor(c, writer, problem, i)}).reshape(-1)," for i, c in enumerate(comps)]
        lines.append("])")
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


def _as_tensor(code: str, writer: _Writer, problem: Problem, i: int) -> str:
    """A component made only of numbers still has to be a tensor for stack/backward."""
    comp = problem.function.components[i]
    if not variables([comp]):
        return writer.const_tensor(comp)
    return code


def _nested_literal(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_nested_literal(v) for v in value) + "]"
    return _float(float(value))  # type: ignore[arg-type]
