"""The expression tree the parser builds: small immutable nodes and a printer.

Every later stage (shapes, torch build, SymPy, explain --code) walks this one tree, so
nothing downstream ever sees the user's text. Calls name an operation of the catalogue
(``op``) and keep how the user spelled it (``spelling``, e.g. ``F.relu`` or the method
``.relu``) and laid out its arguments, so the tree prints back as it was written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction


@dataclass(frozen=True, slots=True)
class Num:
    """A decimal literal, kept exactly (``value``) and as typed (``text``)."""

    value: Fraction
    text: str


@dataclass(frozen=True, slots=True)
class Const:
    """A named constant: ``pi``, ``E``, ``inf`` (``text`` is the spelling, e.g. ``math.pi``)."""

    name: str
    text: str = ""


@dataclass(frozen=True, slots=True)
class Lit:
    """``True``, ``False`` or ``None``."""

    value: bool | None


@dataclass(frozen=True, slots=True)
class Str:
    """A string option such as ``'sum'`` or an einsum spec; never parsed as code."""

    value: str


@dataclass(frozen=True, slots=True)
class Var:
    """An input of the function."""

    name: str


@dataclass(frozen=True, slots=True)
class Local:
    """An intermediate defined by ``name = expr``; ``key`` is unique when a name is assigned twice."""

    key: str
    name: str


@dataclass(frozen=True, slots=True)
class Neg:
    arg: Node


@dataclass(frozen=True, slots=True)
class Not:
    """``~mask`` (or ``not``): the logical negation of a comparison."""

    arg: Node


@dataclass(frozen=True, slots=True)
class Add:
    """``terms[0] + terms[1] + ...``; a subtraction is an added ``Neg``."""

    terms: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Mul:
    """``factors[0] * factors[1] / factors[2] ...``: ``divide[i]`` marks a divisor."""

    factors: tuple[Node, ...]
    divide: tuple[bool, ...]


@dataclass(frozen=True, slots=True)
class MatMul:
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Pow:
    base: Node
    exp: Node


@dataclass(frozen=True, slots=True)
class Compare:
    """``left op right`` with op one of ``< <= > >= == !=``: a boolean mask."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Logic:
    """``a & b`` or ``a | b`` on masks."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Seq:
    """A list ``[a, b]`` or tuple ``(a, b)`` literal: an argument (sizes, tensors) or the outputs."""

    items: tuple[Node, ...]
    brackets: str = "[]"


@dataclass(frozen=True, slots=True)
class Call:
    """An operation of the catalogue.

    ``op``: the catalogue key; ``spelling``: what the user wrote (``torch.sum``, ``sum``, or
    ``sum`` with ``form="method"`` for ``x.sum()``, ``T`` with ``form="attr"`` for ``x.T``);
    ``args``: the bound parameters by the operation's own names, in signature order;
    ``shown``: the arguments as laid out (``None`` label for a positional one), for printing
    back. A method's receiver is ``shown[0]``.
    """

    op: str
    spelling: str
    args: tuple[tuple[str, Node], ...]
    shown: tuple[tuple[str | None, Node], ...] = field(default=(), compare=False)
    form: str = "call"  # "call" f(x), "method" x.f(), "attr" x.T

    def arg(self, name: str) -> Node | None:
        for key, node in self.args:
            if key == name:
                return node
        return None

    @property
    def method(self) -> bool:
        return self.form != "call"


@dataclass(frozen=True, slots=True)
class Slice:
    start: Node | None
    stop: Node | None
    step: Node | None


@dataclass(frozen=True, slots=True)
class NewAxis:
    """``None`` inside an index: a new axis of size 1."""


@dataclass(frozen=True, slots=True)
class Ellipsis_:  # noqa: N801 - ``...`` in an index
    pass


@dataclass(frozen=True, slots=True)
class Index:
    """``base[i, j]``: whole numbers (static expressions), slices, ``None``, ``...``, or a mask."""

    base: Node
    index: tuple[Node | Slice | NewAxis | Ellipsis_, ...]


Node = (
    Num | Const | Lit | Str | Var | Local | Neg | Not | Add | Mul | MatMul | Pow | Compare | Logic | Seq | Call | Index
)


@dataclass(frozen=True, slots=True)
class Assign:
    """A statement ``name = value``; ``key`` is the Local key it defines."""

    key: str
    name: str
    value: Node


# Binding strength, loosest first; used by the printer to place parentheses.
_CMP, _LOGIC, _ADD, _MUL, _NEG, _POW, _ATOM = 4, 6, 10, 20, 30, 40, 50


def _prec(node: object) -> int:
    if isinstance(node, Logic):
        return _LOGIC
    if isinstance(node, Compare):
        return _CMP
    if isinstance(node, Add):
        return _ADD
    if isinstance(node, (Mul, MatMul)):
        return _MUL
    if isinstance(node, (Neg, Not)):
        return _NEG
    if isinstance(node, Pow):
        return _POW
    if isinstance(node, Num) and node.value < 0:
        return _NEG
    return _ATOM


def _wrap(node: Node, above: int) -> str:
    text = to_text(node)
    return f"({text})" if _prec(node) < above else text


def _item_text(item: Node | Slice | NewAxis | Ellipsis_) -> str:
    if isinstance(item, NewAxis):
        return "None"
    if isinstance(item, Ellipsis_):
        return "..."
    if isinstance(item, Slice):
        parts = ["" if item.start is None else to_text(item.start), "" if item.stop is None else to_text(item.stop)]
        if item.step is not None:
            parts.append(to_text(item.step))
        return ":".join(parts)
    return to_text(item)


def _call_text(node: Call) -> str:
    shown = node.shown or tuple((None, n) for _, n in node.args)
    parts = [to_text(n) if label is None else f"{label}={to_text(n)}" for label, n in shown]
    if node.form == "attr":
        return f"{_wrap(shown[0][1], _ATOM)}.{node.spelling}"
    if node.form == "method":
        return f"{_wrap(shown[0][1], _ATOM)}.{node.spelling}({', '.join(parts[1:])})"
    return f"{node.spelling}({', '.join(parts)})"


def to_text(node: Node) -> str:  # noqa: C901 - one branch per node type
    """Print ``node`` in the input language, spaced the way SymPy prints (``x0**2 + 3*x1``)."""
    if isinstance(node, Num):
        return node.text
    if isinstance(node, Const):
        return node.text or node.name
    if isinstance(node, Lit):
        return repr(node.value)
    if isinstance(node, Str):
        return repr(node.value)
    if isinstance(node, (Var, Local)):
        return node.name
    if isinstance(node, Neg):
        return "-" + _wrap(node.arg, _NEG)
    if isinstance(node, Not):
        return "~" + _wrap(node.arg, _NEG)
    if isinstance(node, Add):
        out = [_wrap(node.terms[0], _ADD)]
        for term in node.terms[1:]:
            if isinstance(term, Neg):
                out.append(" - " + _wrap(term.arg, _MUL))
            else:
                out.append(" + " + _wrap(term, _ADD))
        return "".join(out)
    if isinstance(node, Mul):
        out = [_wrap(node.factors[0], _MUL)]
        for factor, div in zip(node.factors[1:], node.divide[1:]):
            # a divisor that is itself a product needs parentheses: a/(b*c)
            out.append(("/" if div else "*") + _wrap(factor, _POW if div else _NEG + 1))
        return "".join(out)
    if isinstance(node, MatMul):
        return f"{_wrap(node.left, _MUL)} @ {_wrap(node.right, _POW)}"
    if isinstance(node, Pow):
        return f"{_wrap(node.base, _ATOM)}**{_wrap(node.exp, _ATOM)}"
    if isinstance(node, Compare):
        return f"{_wrap(node.left, _ADD)} {node.op} {_wrap(node.right, _ADD)}"
    if isinstance(node, Logic):
        return f"{_wrap(node.left, _LOGIC)} {node.op} {_wrap(node.right, _LOGIC + 1)}"
    if isinstance(node, Seq):
        inner = ", ".join(to_text(i) for i in node.items)
        if node.brackets == "()" and len(node.items) == 1:
            inner += ","
        return node.brackets[0] + inner + node.brackets[1]
    if isinstance(node, Call):
        return _call_text(node)
    if isinstance(node, Index):
        return f"{_wrap(node.base, _ATOM)}[{', '.join(_item_text(i) for i in node.index)}]"
    raise TypeError(f"not an expression node: {node!r}")


_LEAVES = frozenset({Var, Num, Const, Local, Str, Lit})


def children(node: Node) -> list[Node]:
    """The direct subexpressions of ``node``, in reading order."""
    kind = type(node)
    if kind in _LEAVES:
        return []
    if kind is Call:
        return [n for _, n in node.args]  # type: ignore[union-attr]
    if isinstance(node, (Neg, Not)):
        return [node.arg]
    if isinstance(node, Add):
        return list(node.terms)
    if isinstance(node, Mul):
        return list(node.factors)
    if isinstance(node, MatMul):
        return [node.left, node.right]
    if isinstance(node, Pow):
        return [node.base, node.exp]
    if isinstance(node, (Compare, Logic)):
        return [node.left, node.right]
    if isinstance(node, Seq):
        return list(node.items)
    if isinstance(node, Call):
        return [n for _, n in node.args]
    if isinstance(node, Index):
        out: list[Node] = [node.base]
        for item in node.index:
            if isinstance(item, Slice):
                out.extend(p for p in (item.start, item.stop, item.step) if p is not None)
            elif not isinstance(item, (NewAxis, Ellipsis_)):
                out.append(item)
        return out
    return []


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree in reading order (parents before children), without recursion."""
    stack: list[Node] = [node]
    while stack:
        item = stack.pop()
        yield item
        stack.extend(reversed(children(item)))


def variables(nodes: tuple[Node, ...] | list[Node]) -> set[str]:
    """The input names used anywhere in ``nodes`` (intermediates are not inputs)."""
    return {n.name for root in nodes for n in walk(root) if isinstance(n, Var)}


def locals_used(nodes: tuple[Node, ...] | list[Node]) -> set[str]:
    """The keys of the intermediates used anywhere in ``nodes``."""
    return {n.key for root in nodes for n in walk(root) if isinstance(n, Local)}


_CHUNKS = re.compile(r"([0-9]+)")


def natural_key(name: str) -> tuple[object, ...]:
    """Sort key: ``x2`` before ``x10``; otherwise alphabetical."""
    parts = _CHUNKS.split(name)
    key = tuple((0, int(p), "") if i % 2 else (1, p.casefold(), p) for i, p in enumerate(parts))
    return (*key, (2, 0, name))  # x01 and x1 tie above: the name itself decides


def natural_sorted(names: set[str] | list[str]) -> list[str]:
    return sorted(names, key=natural_key)
