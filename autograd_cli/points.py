"""Values typed for --at, --v and --u: numbers, nested lists and tensor constructors.

``--at 2,3`` assigns in variable order; ``--at x1=3,x0=2`` by name; ``--at "x=[0,2,8]"``
or ``--at "x=ones(2,2)"`` gives a tensor. Every number must be a finite decimal. Imports
no torch: values are flat tuples of floats with a shape.
"""

from __future__ import annotations

import math
import re
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

from .errors import InputError
from .shapes import MAX_ELEMENTS, Shape, fmt, nest, numel

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
_BLANK = re.compile(r"[ \t\r\n]+")

# One decimal number, as --at accepts it (ASCII digits only; no '_', no nan/inf, no hex).
DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# What a list of plain numbers may contain: read in bulk when its shape is regular.
_LIST_CHARS = re.compile(r"[\[\]0-9eE.+\-,\s]*")
_BRACKET = re.compile(r"[\[\]]")
_SPACED_NUMBERS = re.compile(rb"[0-9.eE+\-]\s+[0-9.eE+\-]")


@dataclass(frozen=True)
class Value:
    """A tensor value: row-major flat data and a shape (``()`` for a scalar)."""

    shape: Shape
    data: tuple[float, ...]

    def nested(self) -> object:
        """The value as nested lists (a float for a scalar), as ``tensor.tolist()``."""
        return nest(list(self.data), self.shape)


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
        raise InputError(f"{option}: {shorten(token, 40)} is not a finite number")
    return value


def shorten(text: str, limit: int = 120) -> str:
    """``text``, or its start and end around '...' when it is longer than ``limit`` characters.

    Messages quote what the user gave; a 9 MB point is quoted by its first and last few dozen
    characters, not echoed whole to the terminal.
    """
    if len(text) <= limit:
        return text
    keep = max(8, limit // 2 - 10)
    return f"{text[:keep]} ...({len(text) - 2 * keep:,} characters)... {text[-keep:]}"


def floats(tokens: list[str] | list[bytes]) -> array[float] | None:
    """Decimal tokens as floats, or None when one is not a finite decimal number.

    The tokens must already be known to hold only the characters of decimal numbers
    (0-9 . e E + -): for those, Python's float() accepts exactly the decimal grammar.
    """
    try:
        values = array("d", map(float, tokens))
    except ValueError:
        return None
    # nan cannot be spelled with these characters; inf only as an overflow such as 1e999
    if values and not (math.isfinite(max(values)) and math.isfinite(min(values))):
        return None
    return values


_NUMBER_CHARS = b"0123456789eE.+-"
_BLANKS = b" \t\r\n\x0b\x0c"
_AS_ZERO = bytes.maketrans(_NUMBER_CHARS, b"0" * len(_NUMBER_CHARS))


def _regular_skeleton(shape: Shape) -> bytes:
    """The brackets and commas of a list of that shape, numbers left out: [[,],[,]] for (2, 2)."""
    inner = b"[" + b"," * (shape[-1] - 1) + b"]"
    for size in reversed(shape[:-1]):
        inner = b"[" + b",".join([inner] * size) + b"]"
    return inner


def _guess_shape(skeleton: bytes) -> Shape | None:
    """The shape a regular list would have, read from its first rows (checked by the caller)."""
    depth = len(skeleton) - len(skeleton.lstrip(b"["))
    if depth == 0 or depth > MAX_DEPTH:
        return None
    shape = [0] * depth
    shape[-1] = skeleton.count(b",", depth - 1, skeleton.find(b"]")) + 1
    for level in range(depth - 2, -1, -1):  # from the innermost lists outwards
        end = skeleton.find(b"]" * (depth - level))  # where the first list at this level ends
        if end < 0:
            return None
        shape[level] = skeleton.count(b"]" * (depth - level - 1) + b",", level, end) + 1
    return tuple(shape)


def bulk_list(text: str, start: int) -> tuple[Value, int] | None:
    """The nested list of plain numbers at ``text[start]`` (a '['), read in bulk, and where it ends.

    None when the list is anything but numbers in a regular shape (names, constructors,
    ragged rows, numbers separated only by blanks, a trailing comma...): the token reader
    then reads it one token at a time and reports exactly what is wrong.
    """
    run = _LIST_CHARS.match(text, start)
    assert run is not None
    depth = 0
    end = -1
    for m in _BRACKET.finditer(text, start, run.end()):
        depth += 1 if m.group() == "[" else -1
        if depth == 0:
            end = m.end()
            break
        if depth > MAX_DEPTH:
            return None
    if end < 0:
        return None
    body = text[start:end].encode("ascii")  # _LIST_CHARS are ASCII
    if _SPACED_NUMBERS.search(body):  # [1 2 3]: blanks as separators, read token by token
        return None
    body = body.translate(None, _BLANKS)
    zeros = body.translate(_AS_ZERO)
    if b"]0" in zeros or b"0[" in zeros:  # a number outside a slot: [[1,2]3,[4,5]]
        return None
    skeleton = body.translate(None, _NUMBER_CHARS)
    shape = _guess_shape(skeleton)
    if shape is None or numel(shape) > MAX_ELEMENTS or skeleton != _regular_skeleton(shape):
        return None
    values = floats(body.replace(b"[", b"").replace(b"]", b"").split(b","))  # an empty slot fails here
    if values is None:
        return None
    return Value(shape, tuple(values)), end


class _Reader:
    """Reads values from the text token by token, as they are needed (a 9 MB line is not
    turned into millions of token objects first); lists of plain numbers are read in bulk."""

    def __init__(self, text: str, option: str) -> None:
        if len(text) > MAX_TEXT:
            raise InputError(f"{option}: the value is {len(text):,} characters long; the limit is {MAX_TEXT:,}")
        self.option = option
        self.text = text
        self.pos = 0  # where the next token starts (after blanks)
        self._next: tuple[str, str, int] | None = None  # the token at self.pos, once read
        self._next_end = 0

    def error(self, message: str, pos: int | None = None) -> InputError:
        where = f" at column {pos + 1}" if pos is not None and len(self.text) > 1 else ""
        return InputError(f"{self.option} {shorten(self.text)!r}: {message}{where}. {_examples(self.option)}")

    def _read(self, pos: int) -> tuple[tuple[str, str, int], int]:
        """The token starting at or after ``pos``, and where it ends."""
        m = _BLANK.match(self.text, pos)
        pos = m.end() if m else pos
        if pos >= len(self.text):
            return ("end", "", len(self.text)), pos
        m = _TOKEN.match(self.text, pos)
        assert m is not None  # (?P<bad>.) matches any character
        kind = m.lastgroup or ""
        if kind == "bad":
            raise self.error(f"unexpected character {m.group()!r}", pos)
        return (kind, m.group(), pos), m.end()

    def peek(self) -> tuple[str, str, int]:
        if self._next is None:
            self._next, self._next_end = self._read(self.pos)
        return self._next

    def peek2(self) -> tuple[str, str, int]:
        """The token after the next one."""
        self.peek()
        return self._read(self._next_end)[0]

    def advance(self, count: int = 1) -> None:
        for _ in range(count):
            self.peek()
            self.pos, self._next = self._next_end, None

    def seek(self, pos: int) -> None:
        self.pos, self._next = pos, None

    def at(self, value: str) -> bool:
        kind, token, _ = self.peek()
        return kind == "op" and token == value

    def expect(self, value: str) -> None:
        kind, got, pos = self.peek()
        if kind != "op" or got != value:
            raise self.error(f"expected {value!r}, found {got!r}" if got else f"expected {value!r} at the end", pos)
        self.advance()

    def items(self, allow_names: bool) -> tuple[list[Value], dict[str, Value]]:
        positional: list[Value] = []
        named: dict[str, Value] = {}
        while self.peek()[0] != "end":
            kind, value, pos = self.peek()
            try:
                nxt = self.peek2()
            except InputError:  # pi/4: the '/' is read by the constant expression, not as a token
                nxt = ("bad", "", pos)
            if kind == "name" and nxt[0] == "op" and nxt[1] == "=":
                if not allow_names:
                    raise self.error(f"names are not used here ({value}=...); give the values in order", pos)
                self.advance(2)
                if value in named:
                    raise self.error(f"{value} is given twice", pos)
                named[value] = self.value()
            else:
                positional.append(self.value())
            if self.at(","):
                self.advance()
                if self.peek()[0] == "end":
                    raise self.error("a trailing ','", self.peek()[2])
        if positional and named:
            raise self.error("give values either all by name (x=1,y=2) or all in order (1,2), not mixed")
        return positional, named

    def _span(self, pos: int) -> int:
        """Where the value starting at ``pos`` ends: the next ',' ']' or ')' outside brackets."""
        depth = 0
        for k in range(pos, len(self.text)):
            ch = self.text[k]
            if ch in "([":
                depth += 1
            elif ch in ")]":
                if depth == 0:
                    return k
                depth -= 1
            elif ch == "," and depth == 0:
                return k
        return len(self.text)

    def _expression(self, pos: int) -> float | None:
        """A constant expression such as pi/4 or 2*sqrt(3) (read by the language's own safe
        parser), or None when the value here is a plain number."""
        end = self._span(pos)
        span = self.text[pos:end].strip()
        if not span or DECIMAL.fullmatch(span) or not _looks_constant(span):
            return None  # numbers, space-separated numbers (2 -3), nan, unknown words: the plain reader's messages
        value = constant_value(span, self.option)
        self.seek(end)
        return value

    def value(self) -> Value:
        kind, token, pos = self.peek()
        if kind == "op" and token == "[":
            return self.nested()
        if kind in ("num", "name") or (kind == "op" and token == "("):
            folded = self._expression(pos)
            if folded is not None:
                return Value((), (folded,))
        if kind == "name" and self.peek2()[1] == "(":
            return self.constructor()
        if kind == "num":
            self.advance()
            return Value((), (_number(token, self.option),))
        if kind == "name":
            word = token.lstrip("+-").lower()
            if word in ("nan", "inf", "infinity"):
                raise self.error(f"{token!r} is not a finite number; only finite decimal numbers are accepted", pos)
            hint = {
                "pi": "only finite decimal numbers are accepted (3.141592653589793 for pi)",
                "e": "only finite decimal numbers are accepted (2.718281828459045 for e)",
            }.get(word, "expected a number, a list [..] or ones/zeros/arange/linspace/eye/full(...)")
            raise self.error(f"{shorten(token, 40)!r} is not a number; {hint}", pos)
        if kind == "end":
            raise self.error("a value is missing at the end", pos)
        raise self.error(f"unexpected {token!r}", pos)

    def nested(self) -> Value:
        """A nested list: in bulk when it is plain numbers in a regular shape, else token by token."""
        start = self.peek()[2]
        bulk = bulk_list(self.text, start)
        if bulk is not None:
            value, end = bulk
            if numel(value.shape) > MAX_ELEMENTS:
                raise self.error(f"more than {MAX_ELEMENTS:,} elements")
            self.seek(end)
            return value
        shape, data = self._nested(1)
        return Value(shape, tuple(data))

    def _nested(self, depth: int) -> tuple[Shape, list[float]]:
        start = self.peek()[2]
        if depth > MAX_DEPTH:
            raise self.error(f"lists nested more than {MAX_DEPTH} deep", start)
        self.expect("[")
        data: list[float] = []
        count = 0
        inner: Shape | None = None
        while not self.at("]"):
            kind, token, pos = self.peek()
            if kind == "end":
                raise self.error("'[' is not closed", start)
            folded = self._expression(pos) if kind in ("num", "name") or token == "(" else None
            if folded is not None:
                data.append(folded)
                shape: Shape = ()
            elif kind == "num":
                self.advance()
                data.append(_number(token, self.option))
                shape = ()
            elif kind == "op" and token == "[":
                shape, sub = self._nested(depth + 1)
                data.extend(sub)
            else:
                raise self.error(f"unexpected {shorten(token, 40)!r} in a list", pos)
            if inner is None:
                inner = shape
            elif shape != inner:
                raise self.error("the list is ragged: its rows have different lengths or depths", start)
            count += 1
            if len(data) > MAX_ELEMENTS:
                raise self.error(f"more than {MAX_ELEMENTS:,} elements")
            if self.at(","):
                self.advance()
        self.expect("]")
        if inner is None:
            raise self.error("an empty list", start)
        return (count, *inner), data

    def constructor(self) -> Value:
        _, name, pos = self.peek()
        if name not in CONSTRUCTORS:
            raise self.error(f"unknown constructor {name}(); use one of {', '.join(CONSTRUCTORS)}", pos)
        self.advance(2)
        args: list[float | tuple[int, ...]] = []
        while not self.at(")"):
            kind, token, apos = self.peek()
            if kind == "end":
                raise self.error(f"expected ')' to close {name}(", apos)
            if kind == "num":
                self.advance()
                args.append(_number(token, self.option))
            elif kind == "op" and token in "([":
                close = ")" if token == "(" else "]"
                self.advance()
                dims: list[int] = []
                while not self.at(close):
                    k2, t2, p2 = self.peek()
                    if k2 == "end":
                        raise self.error(f"expected {close!r} to close the size", p2)
                    if k2 != "num":
                        raise self.error(f"expected a size, found {t2!r}", p2)
                    dims.append(self._size(t2, p2))
                    self.advance()
                    if self.at(","):
                        self.advance()
                self.advance()
                args.append(tuple(dims))
            else:
                raise self.error(f"unexpected {token!r} in {name}()", apos)
            if self.at(","):
                self.advance()
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
            data = [0.0] * (rows * cols)
            diagonal = min(rows, cols)
            data[0 : diagonal * (cols + 1) : cols + 1] = [1.0] * diagonal
            return Value((rows, cols), tuple(data))
        nums = [a for a in args if not isinstance(a, tuple)]
        if len(nums) != len(args):
            raise self.error(f"{name}() takes numbers", pos)
        return self._arange(nums, pos) if name == "arange" else self._linspace(nums, pos)

    def _sizes(self, name: str, items: list[float | tuple[int, ...]], pos: int) -> Shape:
        if len(items) > MAX_DEPTH or (len(items) == 1 and isinstance(items[0], tuple) and len(items[0]) > MAX_DEPTH):
            raise self.error(f"{name}() with more than {MAX_DEPTH} dimensions", pos)
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
        if count and start == int(start) and step == int(step) and abs(start) + count * abs(step) < 2**53:
            # whole numbers: exactly start + i*step, made without a float operation per element
            first, by = int(start), int(step)
            return Value((count,), tuple(map(float, range(first, first + count * by, by))))
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


def check_tolerances(atol: float, rtol: float, eps: float | None = None) -> None:
    """--atol and --rtol must be finite and >= 0, --eps (the finite-difference step) finite and > 0.

    Otherwise a correct gradient would FAIL its check (or nan would PASS nothing), which
    is a usage error, not a finding about the function.
    """
    for name, value in (("--atol", atol), ("--rtol", rtol)):
        if not (math.isfinite(value) and value >= 0):
            raise InputError(
                f"{name} must be a finite number >= 0 (as in torch.autograd.gradcheck), not {value!r}; "
                f"e.g. {name} {'1e-5' if name == '--atol' else '1e-3'}"
            )
    if eps is not None and not (math.isfinite(eps) and eps > 0):
        raise InputError(
            f"--eps (the finite-difference step) must be a finite number > 0, not {eps!r}; e.g. --eps 1e-6"
        )


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


_MATH: dict[str, Callable[..., float]] = {
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "asin": math.asin,
    "acos": math.acos,
    "atan": math.atan,
    "sinh": math.sinh,
    "cosh": math.cosh,
    "tanh": math.tanh,
    "exp": math.exp,
    "log": math.log,
    "log2": math.log2,
    "log10": math.log10,
    "log1p": math.log1p,
    "expm1": math.expm1,
    "sqrt": math.sqrt,
    "abs": abs,
    "atan2": math.atan2,
    "hypot": math.hypot,
    "pow": math.pow,
}


_CONSTANT_HINTS = re.compile(
    r"[*/]"  # pi/4, 2*sqrt(3)
    r"|[0-9.)][+-]|[+-]\s"  # 1+2 or 1 + 2 (but '2 -3' stays two numbers)
    r"|\b(?:pi|E|tau)\b"  # the constants
    r"|\b(?:math|np|numpy|torch)\.[A-Za-z]"  # math.pi, np.sqrt(2)
)


def _looks_constant(span: str) -> bool:
    """Whether a value is written as a constant expression rather than a plain number."""
    if _CONSTANT_HINTS.search(span):
        return True
    call = re.match(r"\s*([A-Za-z_]\w*)\s*\(", span)
    return call is not None and call.group(1) in _MATH


def _constant(n: object, text: str, option: str) -> float | Fraction:
    """The value of a parsed constant expression (numbers, constants, + - * / **, math functions)."""
    from . import catalogue
    from .expr import Add, Call, Const, Mul, Neg, Num, Pow

    def value(n: object) -> float | Fraction:
        return _constant(n, text, option)

    if isinstance(n, Num):
        return n.value
    if isinstance(n, Const):
        return catalogue.CONSTANTS.get(n.text or n.name, (n.name, math.e))[1]
    if isinstance(n, Neg):
        return -value(n.arg)
    if isinstance(n, Add):
        return sum((value(t) for t in n.terms), Fraction(0))
    if isinstance(n, Mul):
        acc: float | Fraction = Fraction(1)
        for f, div in zip(n.factors, n.divide):
            v = value(f)
            acc = acc / v if div else acc * v
        return acc
    if isinstance(n, Pow):
        b, e = value(n.base), value(n.exp)
        if isinstance(b, Fraction) and isinstance(e, Fraction) and e.denominator == 1 and abs(e) <= 4096:
            return b ** int(e)
        return float(b) ** float(e)
    if isinstance(n, Call):
        fn = (
            _MATH.get(n.spelling.rsplit(".", 1)[-1])
            if n.spelling.split(".")[0] in ("math", "np", "numpy", "torch", n.spelling)
            else None
        )
        if fn is None:
            raise InputError(
                f"{option}: {n.spelling}() is not one of the maths functions a value may use ({', '.join(_MATH)})"
            )
        return fn(*(float(value(a)) for _, a in n.args))
    raise InputError(f"{option}: {shorten(text, 60)!r} is not a constant expression of numbers")


def constant_value(text: str, option: str = "--at") -> float:
    """A number written as a constant expression (pi/4, 2*sqrt(3), -1e-3*E), read by the
    expression language's parser (never eval) and computed with Python's math."""
    from .errors import ParseError
    from .expr import Var, walk
    from .parsing import parse

    try:
        function = parse(text)
    except ParseError as e:
        raise InputError(f"{option}: {shorten(text, 60)!r} is not a number or a constant expression: {e}") from None
    if len(function.components) != 1 or function.statements:
        raise InputError(f"{option}: {shorten(text, 60)!r} is not one number")
    (node,) = function.components
    names = sorted({n.name for n in walk(node) if isinstance(n, Var)})
    if names:
        hint = " (Euler's number is E)" if "e" in names else ""
        raise InputError(f"{option}: {shorten(text, 60)!r} uses {', '.join(names)}; a value must be a constant{hint}")

    try:
        out = float(_constant(node, text, option))
    except ZeroDivisionError:
        raise InputError(f"{option}: {shorten(text, 60)!r} divides by zero; a value must be a finite number") from None
    except (OverflowError, ValueError) as e:
        raise InputError(f"{option}: {shorten(text, 60)!r} has no finite value ({e})") from None
    if not math.isfinite(out):
        raise InputError(f"{option}: {shorten(text, 60)!r} is not finite")
    return out
