"""The one table: every operation by key, and every spelling (``torch.sum``, ``np.sum``,
``x.sum()``, ``sum``) to the operation it means.

A spelling maps to one operation, or to an overload: a chooser that picks the operation
from how the call is written (``torch.max(x)`` reduces, ``torch.max(x, 1)`` gives values
and indices, ``torch.max(x, y)`` is the elementwise maximum), as the library itself does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..expr import Node
from .core import Op, Spelling

OPS: dict[str, Op] = {}


@dataclass(frozen=True)
class Entry:
    op: str
    spelling: Spelling


@dataclass(frozen=True)
class Overload:
    """``choose(positional, keywords)`` returns the key of the op this call means (or raises
    core.BindError with a finished sentence when the call is ambiguous)."""

    spelling: Spelling
    choose: Callable[[Sequence[Node], Sequence[tuple[str, Node]]], str]
    ops: tuple[str, ...]


SPELLINGS: dict[tuple[str, str], Entry | Overload] = {}


def register(op: Op, spellings: Sequence[Spelling]) -> Op:
    """Add ``op`` under each of its spellings; a spelling may only mean one thing."""
    if op.key in OPS:
        raise ValueError(f"op {op.key!r} is declared twice")
    op = op.with_spellings(spellings)
    OPS[op.key] = op
    for s in spellings:
        key = (s.form, s.text)
        if key in SPELLINGS:
            raise ValueError(f"spelling {s.text!r} ({s.form}) of {op.key!r} is taken by {SPELLINGS[key]}")
        SPELLINGS[key] = Entry(op.key, s)
    return op


def overload(
    spellings: Sequence[Spelling],
    ops: Sequence[str],
    choose: Callable[[Sequence[Node], Sequence[tuple[str, Node]]], str],
) -> None:
    """Spellings whose meaning depends on the arguments, among ``ops``."""
    for s in spellings:
        key = (s.form, s.text)
        if key in SPELLINGS:
            raise ValueError(f"spelling {s.text!r} ({s.form}) is taken by {SPELLINGS[key]}")
        SPELLINGS[key] = Overload(s, choose, tuple(ops))
        for k in ops:
            OPS[k] = OPS[k].with_spellings([*OPS[k].spellings, s])


def lookup(form: str, text: str) -> Entry | Overload | None:
    return SPELLINGS.get((form, text))
