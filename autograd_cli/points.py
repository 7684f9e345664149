"""Values typed for --at, --v and --u: numbers, nested lists and tensor constructors.

``--at 2,3`` assigns in variable order; ``--at x1=3,x0=2`` by name; ``--at "x=[0,2,8]"``
or ``--at "x=ones(2,2)"`` gives a tensor. Every number must be a finite decimal. Imports
no torch: values are flat tuples of floats with a shape.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from .errors import InputError
from .shapes import MAX_ELEMENTS, Shape, fmt, numel

CONSTRUCTORS = ("ones", "zeros", "arange", "linspace", "eye", "full")
MAX_DEPTH = 32  # nesting of [ ] in one value
MAX_TEXT = 10_000_000

_TOKEN = re.compile(
    r"""
     (?P<ws>[ \t\r\n]+)
    |(?P<num>[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
    |(?P<name>[+-]?[A-Za-z_][A-Za-z0-9_]*)
    |(?P<op>[\[\](),=])
    |(?P<bad>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Value:
    """A tensor value: row-major flat data and a shape (``()`` for a scalar)."""

    shape: Shape
    data: tuple[float, ...]

    def nested(self) -> object:
        """The value as nested lists (a float for a scalar), as ``tensor.tolist()``."""
        return nest(list(self.data), self.shape)


def nest(flat: list[float], shape: Shape) -> object:
    from .results import _nest

    return _nest(flat, shape)


@dataclass(frozen=True)
class PointSpec:
    """What the user typed: values by position or by name (never both)."""

    positional: tuple[Value, ...] = ()
    named: dict[str, Value] = field(default_factory=dict)
    text: str = ""

    @property
    def empty(self) -> bool:
        return not self.positional and not self.named


def _number(token: str, option: str) -> float:
    value = float(token)
    if not math.isfinite(value):
        raise InputError(f"{option}: {token} is not a finite number")
    return value


class _Reader:
    def __init__(self, text: str, option: str) -> None:
        if len(text) > MAX_TEXT:
            raise InputError(f"{option}: the value is {len(text):,} characters long; the limit is {MAX_TEXT:,}")
        self.option = option
        self.text = text
        self.tokens: list[tuple[str, str, int]] = []
        for m in _TOKEN.finditer(text):
            kind = m.lastgroup or ""
            if kind == "ws":
                continue
            if kind == "bad":
                ch = m.group()
                raise self.error(f"unexpected character {ch!r}", m.start())
            self.tokens.append((kind, m.group(), m.start()))
        self.tokens.append(("end", "", len(text)))
        self.i = 0

    def error(self, message: str, pos: int | None = None) -> InputError:
        where = f" at column {pos + 1}" if pos is not None and len(self.text) > 1 else ""
        return InputError(f"{self.option} {self.text!r}: {message}{where}. {_examples(self.option)}")

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i]

    def at(self, value: str) -> bool:
        return self.tokens[self.i][1] == value and self.tokens[self.i][0] == "op"

    def expect(self, value: str) -> None:
        kind, got, pos = self.peek()
        if kind != "op" or got != value:
            raise self.error(f"expected {value!r}, found {got!r}" if got else f"expected {value!r} at the end", pos)
        self.i += 1

    def items(self, allow_names: bool) -> tuple[list[Value], dict[str, Value]]:
        positional: list[Value] = []
        named: dict[str, Value] = {}
        while self.peek()[0] != "end":
            kind, value, pos = self.peek()
            nxt = self.tokens[self.i + 1]
            if kind == "name" and nxt[0] == "op" and nxt[1] == "=":
                if not allow_names:
                    raise self.error(f"names are not used here ({value}=...); give the values in order", pos)
                self.i += 2
                if value in named:
                    raise self.error(f"{value} is given twice", pos)
                named[value] = self.value()
            else:
                positional.append(self.value())
            if self.at(","):
                self.i += 1
                if self.peek()[0] == "end":
                    raise self.error("a trailing ','", self.peek()[2])
        if positional and named:
            raise self.error("give values either all by name (x=1,y=2) or all in order (1,2), not mixed")
        return positional, named

    def value(self) -> Value:
        kind, token, pos = self.peek()
        if kind == "num":
            self.i += 1
            return Value((), (_number(token, self.option),))
        if kind == "op" and token == "[":
            return self.nested()
        if kind == "name" and token[0] not in "+-" and self.tokens[self.i + 1][1] == "(":
            return self.constructor()
        if kind == "name":
            word = token.lstrip("+-").lower()
            if word in ("nan", "inf", "infinity"):
                raise self.error(f"{token!r} is not a finite number; only finite decimal numbers are accepted", pos)
            hint = {
                "pi": "only finite decimal numbers are accepted (3.141592653589793 for pi)",
                "e": "only finite decimal numbers are accepted (2.718281828459045 for e)",
            }.get(word, "expected a number, a list [..] or ones/zeros/arange/linspace/eye/full(...)")
            raise self.error(f"{token!r} is not a number; {hint}", pos)
        if kind == "end":
            raise self.error("a value is missing at the end", pos)
        raise self.error(f"unexpected {token!r}", pos)

    def nested(self, depth: int = 1) -> Value:
        start = self.peek()[2]
        if depth > MAX_DEPTH:
            raise self.error(f"lists nested more than {MAX_DEPTH} deep", start)
        self.expect("[")
        items: list[Value] = []
        while not self.at("]"):
            if self.peek()[0] == "end":
                raise self.error("'[' is not closed", start)
            kind, token, pos = self.peek()
            if kind == "num":
                self.i += 1
                items.append(Value((), (_number(token, self.option),)))
            elif kind == "op" and token == "[":
                items.append(self.nested(depth + 1))
            else:
                raise self.error(f"unexpected {token!r} in a list", pos)
            if self.at(","):
                self.i += 1
        self.expect("]")
        if not items:
            raise self.error("an empty list", start)
        shape = items[0].shape
        if any(item.shape != shape for item in items):
            raise self.error("the list is ragged: its rows have different lengths or depths", start)
        data: list[float] = []
        for item in items:
            data.extend(item.data)
        full_shape = (len(items), *shape)
        if numel(full_shape) > MAX_ELEMENTS:
            raise self.error(f"more than {MAX_ELEMENTS:,} elements")
        return Value(full_shape, tuple(data))

    def constructor(self) -> Value:
        _, name, pos = self.peek()
        if name not in CONSTRUCTORS:
            raise self.error(f"unknown constructor {name}(); use one of {', '.join(CONSTRUCTORS)}", pos)
        self.i += 2
        args: list[float | tuple[int, ...]] = []
        while not self.at(")"):
            kind, token, apos = self.peek()
            if kind == "end":
                raise self.error(f"expected ')' to close {name}(", apos)
            if kind == "num":
                self.i += 1
                args.append(_number(token, self.option))
            elif kind == "op" and token in "([":
                close = ")" if token == "(" else "]"
                self.i += 1
                dims: list[int] = []
                while not self.at(close):
                    k2, t2, p2 = self.peek()
                    if k2 == "end":
                        raise self.error(f"expected {close!r} to close the size", p2)
                    if k2 != "num":
                        raise self.error(f"expected a size, found {t2!r}", p2)
                    dims.append(self._size(t2, p2))
                    self.i += 1
                    if self.at(","):
                        self.i += 1
                self.i += 1
                args.append(tuple(dims))
            else:
                raise self.error(f"unexpected {token!r} in {name}()", apos)
            if self.at(","):
                self.i += 1
        self.expect(")")
        return self._build(name, args, pos)

    def _size(self, token: str, pos: int) -> int:
        shown = token if len(token) <= 24 else token[:21] + "..."
        if token.startswith("-"):
            raise self.error(f"a size must not be negative, found {shown}", pos)
        if not token.isdigit():
            raise self.error(f"a size must be a whole number, found {shown}", pos)
        if len(token) > 9 or int(token) > MAX_ELEMENTS:
            raise self.error(f"a size of {shown} is too large: the limit is {MAX_ELEMENTS:,} elements", pos)
        return int(token)

    def _build(self, name: str, args: list[float | tuple[int, ...]], pos: int) -> Value:
        if name in ("ones", "zeros"):
            shape = self._checked(name, self._sizes(name, args, pos))
            return Value(shape, (1.0 if name == "ones" else 0.0,) * numel(shape))
        if name == "full":
            if len(args) < 2 or isinstance(args[-1], tuple):
                raise self.error("full(size..., value): e.g. full(2, 2, 7) or full((2, 2), 7)", pos)
            shape = self._checked(name, self._sizes(name, args[:-1], pos))
            return Value(shape, (float(args[-1]),) * numel(shape))
        if name == "eye":
            dims = self._sizes(name, args, pos)
            if len(dims) not in (1, 2):
                raise self.error("eye(n) or eye(n, m)", pos)
            rows, cols = self._checked(name, (dims[0], dims[-1]))
            return Value((rows, cols), tuple(1.0 if r == c else 0.0 for r in range(rows) for c in range(cols)))
        nums = [a for a in args if not isinstance(a, tuple)]
        if len(nums) != len(args):
            raise self.error(f"{name}() takes numbers", pos)
        return self._arange(nums, pos) if name == "arange" else self._linspace(nums, pos)

    def _sizes(self, name: str, items: list[float | tuple[int, ...]], pos: int) -> Shape:
        if len(items) == 1 and isinstance(items[0], tuple):
            return items[0]
        out: list[int] = []
        for a in items:
            if isinstance(a, tuple) or not math.isfinite(a) or a != int(a) or a < 0:
                raise self.error(f"{name}() takes whole-number sizes", pos)
            if a > MAX_ELEMENTS:
                raise self.error(f"{name}(): a size of {a:g} is too large: the limit is {MAX_ELEMENTS:,} elements", pos)
            out.append(int(a))
        return tuple(out)

    def _checked(self, name: str, shape: Shape) -> Shape:
        if numel(shape) > MAX_ELEMENTS:
            raise self.error(f"{name}{fmt(shape)} has {numel(shape):,} elements; the limit is {MAX_ELEMENTS:,}")
        return shape

    def _arange(self, nums: list[float], pos: int) -> Value:
        if not 1 <= len(nums) <= 3:
            raise self.error("arange(end), arange(start, end) or arange(start, end, step)", pos)
        start, end = (0.0, nums[0]) if len(nums) == 1 else (nums[0], nums[1])
        step = nums[2] if len(nums) == 3 else 1.0
        if step == 0:
            raise self.error("arange() step must not be 0", pos)
        span = (end - start) / step
        if not math.isfinite(span) or span > MAX_ELEMENTS:
            raise self.error(f"arange() would make too many elements: the limit is {MAX_ELEMENTS:,}", pos)
        count = max(0, math.ceil(span))
        self._checked("arange", (count,))
        return Value((count,), tuple(start + i * step for i in range(count)))

    def _linspace(self, nums: list[float], pos: int) -> Value:
        if len(nums) != 3 or nums[2] != int(nums[2]) or nums[2] < 0:
            raise self.error("linspace(start, end, steps) with a whole number of steps", pos)
        start, end, n = nums[0], nums[1], int(nums[2])
        self._checked("linspace", (n,))
        if n == 1:
            return Value((1,), (start,))
        # start*(1-t) + end*t stays finite wherever start and end are (end - start may not)
        return Value((n,), tuple(start * (1 - i / (n - 1)) + end * (i / (n - 1)) for i in range(n)))


def _examples(option: str) -> str:
    if option.startswith("--v"):
        return "Examples: --v 1,0  --v '[[1,0],[0,1]]'  --v 'ones(3)'"
    if option.startswith("--u"):
        return "Examples: --u 1,0  --u x=1,y=0"
    if option.startswith(("line", "the point")):
        return "A point is e.g. 2,3 or x0=2,x1=3"
    return "Examples: --at 2,3  --at x1=3,x0=2  --at 'x=[0,2,8]'  --at 'x=ones(2,2)'"


def parse_point(text: str, option: str = "--at", allow_names: bool = True) -> PointSpec:
    """Parse one --at (or --u) text into values by position or by name."""
    if not text.strip():
        raise InputError(f"{option} is empty. {_examples(option)}")
    positional, named = _Reader(text, option).items(allow_names)
    return PointSpec(tuple(positional), named, text)


def merge(specs: list[PointSpec], option: str = "--at") -> PointSpec:
    """Several --at options: all by name (merged), or exactly one by position."""
    if len(specs) == 1:
        return specs[0]
    named: dict[str, Value] = {}
    for spec in specs:
        if spec.positional:
            raise InputError(
                f"{option} is given {len(specs)} times; values in order ({spec.text!r}) need a single {option}. "
                f"Give one {option} with all values, or name each value (x=...)"
            )
        for name, value in spec.named.items():
            if name in named:
                raise InputError(f"{option}: {name} is given twice")
            named[name] = value
    return PointSpec((), named, ", ".join(s.text for s in specs))


def parse_vector(text: str, option: str = "--v") -> Value:
    """A cotangent (--v) or other unnamed value: flat numbers or one nested list/constructor."""
    if not text.strip():
        raise InputError(f"{option} is empty. {_examples(option)}")
    positional, _ = _Reader(text, option).items(allow_names=False)
    if len(positional) == 1:
        return positional[0]
    if any(v.shape for v in positional):
        raise InputError(
            f"{option} {text!r}: mixes lists and numbers; give flat numbers (1,0) or one list ([[1,0],[0,1]])"
        )
    return Value((len(positional),), tuple(v.data[0] for v in positional))
