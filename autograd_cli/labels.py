"""Element labels (``x[3]``, ``W[1,0]``, ``y0``) made on demand.

A point of ten million elements has ten million column labels; built eagerly as strings
they took seconds and most of a gigabyte, while a table shows a few dozen of them and the
plain format none. :class:`Labels` is a read-only sequence of those strings that makes
each one when it is asked for: indexing, slicing, iterating, ``len`` and ``==`` (with a
list too) behave as they do on the list it stands for. JSON and other whole listings
iterate it, which makes every label once, as they are written.

Stdlib only: problem, results and render all use it.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from itertools import product
from typing import Any, overload

Shape = tuple[int, ...]


def _size(shape: Shape) -> int:
    out = 1
    for s in shape:
        out *= s
    return out


def _label(prefix: str, shape: Shape, k: int) -> str:
    """The label of flat (row-major) element ``k`` of ``prefix`` of ``shape``."""
    if not shape:
        return prefix
    if len(shape) == 1:
        return f"{prefix}[{k}]"
    index = []
    for s in reversed(shape):
        k, r = divmod(k, s)
        index.append(r)
    return f"{prefix}[{','.join(map(str, reversed(index)))}]"


def _labels(prefix: str, shape: Shape) -> Iterator[str]:
    if not shape:
        yield prefix
    elif len(shape) == 1:
        yield from (f"{prefix}[{i}]" for i in range(shape[0]))
    else:
        yield from (f"{prefix}[{','.join(map(str, index))}]" for index in product(*map(range, shape)))


class Labels(Sequence[str]):
    """The labels of the elements of named tensors, one after the other, made when asked for.

    ``parts``: (prefix, shape) pairs; a scalar (shape ``()``) is labelled by its prefix alone.
    ``first``: a replacement for the label at index 0 (a title), if any.
    """

    __slots__ = ("_first", "_len", "_parts", "_starts")

    def __init__(self, parts: Sequence[tuple[str, Shape]], first: str | None = None) -> None:
        self._parts = tuple((str(p), tuple(s)) for p, s in parts)
        starts = []
        total = 0
        for _, shape in self._parts:
            starts.append(total)
            total += _size(shape)
        self._starts = starts
        self._len = total
        self._first = first

    def __len__(self) -> int:
        return self._len

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self._at(k) for k in range(*index.indices(self._len))]
        k = index.__index__()
        if k < 0:
            k += self._len
        if not 0 <= k < self._len:
            raise IndexError("label index out of range")
        return self._at(k)

    def _at(self, k: int) -> str:
        if k == 0 and self._first is not None:
            return self._first
        part = bisect.bisect_right(self._starts, k) - 1
        prefix, shape = self._parts[part]
        return _label(prefix, shape, k - self._starts[part])

    def __iter__(self) -> Iterator[str]:
        first = self._first is not None
        for prefix, shape in self._parts:
            for label in _labels(prefix, shape):
                if first:
                    first = False
                    yield self._first  # type: ignore[misc]
                else:
                    yield label

    def __contains__(self, value: object) -> bool:
        return any(label == value for label in self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Labels):
            if (self._parts, self._first) == (other._parts, other._first):
                return True
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        if isinstance(other, (list, tuple)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None  # type: ignore[assignment]  # as a list's

    def __add__(self, other: Sequence[str]) -> list[str]:
        return [*self, *other]

    def __radd__(self, other: Sequence[str]) -> list[str]:
        return [*other, *self]

    def __repr__(self) -> str:
        if self._len <= 20:
            return repr(list(self))
        return f"Labels({list(self[:3])!r} ... {self._len:,} labels)"

    def __reduce__(self) -> tuple[Any, ...]:
        return Labels, (self._parts, self._first)

    def concat(self, other: Labels) -> Labels:
        """These labels, then ``other``'s (neither may replace its first label)."""
        assert self._first is None and other._first is None
        return Labels(self._parts + other._parts)

    def with_first(self, first: str) -> Labels:
        """The same labels, the first one replaced by ``first``."""
        return Labels(self._parts, first)


def index_labels(prefix: str, shape: Shape) -> Labels:
    """``x`` for a scalar; ``x[0]``, ``x[1]``... or ``W[0,0]``, ``W[0,1]``... for a tensor, row-major."""
    return Labels([(prefix, shape)])
