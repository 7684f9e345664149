"""The expression tree the parser builds: small immutable nodes and a printer.

Every later stage (shapes, torch build, SymPy, explain --code) walks this one tree, so
nothing downstream ever sees the user's text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True, slots=True)
class Num:
    """A decimal literal, kept exactly (``value``) and as typed (``text``)."""

    value: Fraction
    text: str


@dataclass(frozen=True, slots=True)
class Const:
    """A named constant: ``pi`` or ``E``."""

    name: str


@dataclass(frozen=True, slots=True)
class Var:
    name: str


@dataclass(frozen=True, slots=True)
class Neg:
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
class Call:
    """An allow-listed function; ``dim`` is the optional reduction dimension."""

    name: str
    args: tuple[Node, ...]
    dim: int | None = None


@dataclass(frozen=True, slots=True)
class Slice:
    start: int | None
    stop: int | None
    step: int | None


@dataclass(frozen=True, slots=True)
class Index:
    """``base[i, j]`` with integer literals or slices."""

    base: Node
    index: tuple[int | Slice, ...]


Node = Num | Const | Var | Neg | Add | Mul | MatMul | Pow | Call | Index

# Binding strength, loosest first; used by the printer to place parentheses.
_ADD, _MUL, _NEG, _POW, _ATOM = 10, 20, 30, 40, 50


def _prec(node: Node) -> int:
    if isinstance(node, Add):
        return _ADD
    if isinstance(node, (Mul, MatMul)):
        return _MUL
    if isinstance(node, Neg):
        return _NEG
    if isinstance(node, Pow):
        return _POW
    if isinstance(node, Num) and node.value < 0:
        return _NEG
    return _ATOM


def _wrap(node: Node, above: int) -> str:
    text = to_text(node)
    return f"({text})" if _prec(node) < above else text


def _slice_text(item: int | Slice) -> str:
    if isinstance(item, int):
        return str(item)
    parts = ["" if item.start is None else str(item.start), "" if item.stop is None else str(item.stop)]
    if item.step is not None:
        parts.append(str(item.step))
    return ":".join(parts)


def to_text(node: Node) -> str:
    """Print ``node`` in the input language, spaced the way SymPy prints (``x0**2 + 3*x1``)."""
    if isinstance(node, Num):
        return node.text
    if isinstance(node, (Var, Const)):
        return node.name
    if isinstance(node, Neg):
        return "-" + _wrap(node.arg, _NEG)
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
    if isinstance(node, Call):
        args = [to_text(a) for a in node.args]
        if node.dim is not None:
            args.append(f"dim={node.dim}")
        return f"{node.name}({', '.join(args)})"
    if isinstance(node, Index):
        return f"{_wrap(node.base, _ATOM)}[{', '.join(_slice_text(i) for i in node.index)}]"
    raise TypeError(f"not an expression node: {node!r}")


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree in reading order (parents before children), without recursion."""
    stack: list[Node] = [node]
    while stack:
        item = stack.pop()
        yield item
        if isinstance(item, Neg):
            stack.append(item.arg)
        elif isinstance(item, Add):
            stack.extend(reversed(item.terms))
        elif isinstance(item, Mul):
            stack.extend(reversed(item.factors))
        elif isinstance(item, MatMul):
            stack.extend((item.right, item.left))
        elif isinstance(item, Pow):
            stack.extend((item.exp, item.base))
        elif isinstance(item, Call):
            stack.extend(reversed(item.args))
        elif isinstance(item, Index):
            stack.append(item.base)


def variables(nodes: tuple[Node, ...] | list[Node]) -> set[str]:
    """The variable names used anywhere in ``nodes``."""
    return {n.name for root in nodes for n in walk(root) if isinstance(n, Var)}


_CHUNKS = re.compile(r"([0-9]+)")


def natural_key(name: str) -> tuple[object, ...]:
    """Sort key: ``x2`` before ``x10``; otherwise alphabetical."""
    parts = _CHUNKS.split(name)
    key = tuple((0, int(p), "") if i % 2 else (1, p.casefold(), p) for i, p in enumerate(parts))
    return (*key, (2, 0, name))  # x01 and x1 tie above: the name itself decides


def natural_sorted(names: set[str] | list[str]) -> list[str]:
    return sorted(names, key=natural_key)
