"""Text -> expression tree, by an allow-list grammar; never evaluates the user's text.

The input is tokenised with one regular expression and parsed by recursive descent. Only
the node types of ``expr.py``, the functions in ``FUNCTIONS`` and the constants in
``CONSTANTS`` can come out; everything else is a ``ParseError`` naming what was not
understood and where. No ``eval``, ``exec``, ``sympify``, ``parse_expr`` or ``lambdify``
ever sees the text. Length, nesting depth, literal size and the size of constant powers
are bounded so that no input can hang the tool or exhaust memory. Imports no torch and
no SymPy.
"""

from __future__ import annotations

import difflib
import math
import re
import sys
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

from .errors import ParseError
from .expr import (
    Add,
    Call,
    Const,
    Index,
    MatMul,
    Mul,
    Neg,
    Node,
    Num,
    Pow,
    Slice,
    Var,
    natural_sorted,
    to_text,
    variables,
)

# ---- bounds (README.md "Limits"; tests/test_bounds.py pins each one) ----
MAX_LENGTH = 1_000_000  # characters of expression text
MAX_DEPTH = 100  # nesting of parentheses, calls, unary signs and powers
MAX_LITERAL = 100  # characters in one number literal
MAX_EXPONENT = 400  # |e| in a literal such as 1e-300
MAX_CONST_BITS = 10_000  # exact constants below 2**10000 (about 3,010 digits): 2**9999 is the largest power of 2
MAX_COMPONENTS = 100_000
MAX_NAME = 64
MAX_MINMAX_ARGS = 64


@dataclass(frozen=True)
class FunctionSpec:
    """Arity and kind of an allow-listed function.

    kind: ``elementwise`` (maps elements), ``reduce`` (reduces, optional dim),
    ``softmax`` (keeps the shape, optional dim), ``dot``, ``minmax`` (elementwise with
    two or more arguments, a reduction with one).
    """

    min_args: int
    max_args: int
    kind: str
    doc: str

    @property
    def takes_dim(self) -> bool:
        return self.kind in ("reduce", "softmax", "minmax")


def _ew(doc: str, max_args: int = 1) -> FunctionSpec:
    return FunctionSpec(1, max_args, "elementwise", doc)


FUNCTIONS: dict[str, FunctionSpec] = {
    "sin": _ew("sine"),
    "cos": _ew("cosine"),
    "tan": _ew("tangent"),
    "asin": _ew("inverse sine"),
    "acos": _ew("inverse cosine"),
    "atan": _ew("inverse tangent"),
    "sinh": _ew("hyperbolic sine"),
    "cosh": _ew("hyperbolic cosine"),
    "tanh": _ew("hyperbolic tangent"),
    "asinh": _ew("inverse hyperbolic sine"),
    "acosh": _ew("inverse hyperbolic cosine"),
    "atanh": _ew("inverse hyperbolic tangent"),
    "exp": _ew("e to the power x"),
    "log": _ew("natural logarithm; log(x, b) is the base-b logarithm", 2),
    "log2": _ew("base-2 logarithm"),
    "log10": _ew("base-10 logarithm"),
    "sqrt": _ew("square root"),
    "abs": _ew("absolute value (gradient 0 at 0, as torch)"),
    "erf": _ew("error function"),
    "sigmoid": _ew("1/(1+exp(-x)), torch.sigmoid"),
    "relu": _ew("max(x, 0), torch.relu (gradient 0 at 0)"),
    "softplus": _ew("log(1+exp(x)), torch.nn.functional.softplus"),
    "atan2": FunctionSpec(2, 2, "elementwise", "atan2(y, x): angle of the point (x, y)"),
    "min": FunctionSpec(1, MAX_MINMAX_ARGS, "minmax", "min(a, b, ...) elementwise; min(x) of all elements"),
    "max": FunctionSpec(1, MAX_MINMAX_ARGS, "minmax", "max(a, b, ...) elementwise; max(x) of all elements"),
    "sum": FunctionSpec(1, 1, "reduce", "sum of elements (all, or along dim)"),
    "mean": FunctionSpec(1, 1, "reduce", "mean of elements (all, or along dim)"),
    "prod": FunctionSpec(1, 1, "reduce", "product of elements (all, or along dim)"),
    "norm": FunctionSpec(1, 1, "reduce", "Euclidean norm (all elements, or along dim)"),
    "logsumexp": FunctionSpec(1, 1, "reduce", "log(sum(exp(x))) computed stably (all, or along dim)"),
    "softmax": FunctionSpec(1, 1, "softmax", "exp(x)/sum(exp(x)) along dim (default: the last)"),
    "dot": FunctionSpec(2, 2, "dot", "dot(a, b): inner product of two vectors"),
}

CONSTANTS = {"pi": "pi", "E": "E", "e": "E"}

_TOKEN = re.compile(
    r"""
     (?P<ws>[ \t\r\f\v]+|\#[^\n]*)
    |(?P<nl>\n)
    |(?P<num>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<op>\*\*|[-+*/^@(),;\[\]=:])
    |(?P<bad>.)
    """,
    re.VERBOSE | re.DOTALL,
)

_LOOKALIKES = {
    "\u2212": "-",  # minus sign
    "\u2013": "-",
    "\u2014": "-",
    "\u00d7": "*",
    "\u00b7": "*",
    "\u22c5": "*",
    "\u2217": "*",
    "\u00f7": "/",
    "\u2044": "/",
    "\u00b2": "**2",
    "\u00b3": "**3",
    "\uff08": "(",
    "\uff09": ")",
    "\uff0c": ",",
    "\uff1b": ";",
    "\u03c0": "pi",
}


@dataclass(frozen=True)
class Function:
    """A parsed vector function: one tree per component, and its variables in order."""

    text: str
    components: tuple[Node, ...]
    names: tuple[str, ...]

    @cached_property
    def outputs(self) -> list[str]:
        """Each component printed back, once (row titles and JSON use them many times)."""
        return [to_text(c) for c in self.components]


def _describe_char(ch: str) -> str:
    code = f"U+{ord(ch):04X}"
    name = unicodedata.name(ch, "")
    if ch == "\x00":
        return f"NUL character ({code})"
    if unicodedata.category(ch).startswith("C"):
        return f"control character ({code}{' ' + name if name else ''})"
    return f"character {ch!r} ({code}{' ' + name if name else ''})"


def _bad_char(text: str, pos: int) -> ParseError:
    ch = text[pos]
    what = _describe_char(ch)
    if ch in _LOOKALIKES:
        hint = f"; write {_LOOKALIKES[ch]!r} instead"
    elif ch in "'\"":
        hint = "; strings are not part of the language"
    elif ch == ".":
        hint = "; attribute access is not part of the language, only numbers such as 0.5"
    elif ch == "!":
        hint = "; comparisons and factorials are not part of the language"
    elif ch.isalpha():
        hint = "; names use ASCII letters, digits and '_' only (a look-alike letter from another alphabet?)"
    elif ch in "{}<>|&%~$?`\\":
        hint = "; the language has + - * / ** ^ @, parentheses, calls f(x) and indexing x[i]"
    else:
        hint = ""
    return ParseError(f"unexpected {what}{hint}", text, pos)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str, int]] = []
        self.i = 0
        self.depth = 0
        self._tokenize()

    # -- tokens --------------------------------------------------------------
    def _tokenize(self) -> None:
        text = self.text
        out = self.tokens
        bracket = 0
        for m in _TOKEN.finditer(text):
            kind = m.lastgroup
            if kind == "ws":
                continue
            pos = m.start()
            value = m.group()
            if kind == "bad":
                raise _bad_char(text, pos)
            if kind == "nl":
                if bracket:
                    continue  # a newline inside brackets is only whitespace
                kind, value = "op", "\n"
            elif kind == "op":
                if value in "([":
                    bracket += 1
                elif value in ")]":
                    bracket = max(0, bracket - 1)
                elif value == "^":
                    value = "**"
            out.append((kind or "", value, pos))
        out.append(("end", "", len(text)))

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i]

    def take(self) -> tuple[str, str, int]:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def at_op(self, *ops: str) -> bool:
        kind, value, _ = self.tokens[self.i]
        return kind == "op" and value in ops

    def expect(self, op: str, context: str) -> None:
        kind, value, pos = self.peek()
        if kind == "op" and value == op:
            self.i += 1
            return
        raise self.error(f"expected {op!r} {context}, found {self._found(kind, value)}", pos)

    def error(self, message: str, pos: int) -> ParseError:
        return ParseError(message, self.text, pos)

    @staticmethod
    def _found(kind: str, value: str) -> str:
        if kind == "end":
            return "the end of the expression"
        if value == "\n":
            return "the end of the line"
        return repr(value)

    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(
                f"the expression is nested too deeply: more than {MAX_DEPTH} levels of "
                "parentheses, calls, signs or powers; split it into simpler pieces",
                pos,
            )

    # -- grammar -------------------------------------------------------------
    def components(self) -> list[Node]:
        comps: list[Node] = []
        while True:
            # blank lines and newlines between components are separators, not components
            while self.at_op("\n"):
                self.i += 1
            kind, value, pos = self.peek()
            if kind == "end":
                break
            if kind == "op" and value == ";":
                what = "an empty component: ';' at the start" if not comps else "an empty component between two ';'"
                raise self.error(f"{what}; each component between ';' must be an expression", pos)
            comps.append(self.sum())
            if len(comps) > MAX_COMPONENTS:
                raise self.error(f"more than {MAX_COMPONENTS:,} components", pos)
            kind, value, pos = self.peek()
            if kind == "end":
                break
            if kind == "op" and value == ";":
                self.i += 1
                while self.at_op("\n"):
                    self.i += 1
                if self.peek()[0] == "end":
                    raise self.error("a trailing ';' with no component after it; remove it", pos)
                continue
            if kind == "op" and value == "\n":
                continue
            raise self._unexpected(kind, value, pos)
        if not comps:
            raise ParseError("the expression is empty; give at least one component, e.g. 'x0**2 + x1'")
        return comps

    def _unexpected(self, kind: str, value: str, pos: int) -> ParseError:
        if kind in ("num", "name") or (kind == "op" and value == "("):
            prev = self.tokens[self.i - 1][1] if self.i else ""
            return self.error(
                f"missing operator between {prev!r} and {value!r}; multiplication needs '*', as in {prev}*{value}",
                pos,
            )
        if kind == "op" and value == ")":
            return self.error("unbalanced ')': there is no '(' to close", pos)
        if kind == "op" and value == "]":
            return self.error("unbalanced ']': there is no '[' to close", pos)
        if kind == "op" and value == "=":
            return self.error("'=' is only for dim=N inside a call; comparisons are not part of the language", pos)
        if kind == "op" and value == ",":
            return self.error("unexpected ','; separate components with ';'", pos)
        return self.error(f"unexpected {self._found(kind, value)}", pos)

    def sum(self) -> Node:
        terms = [self.product()]
        while self.at_op("+", "-"):
            _, op, _ = self.take()
            term = self.product()
            terms.append(Neg(term) if op == "-" else term)
        return terms[0] if len(terms) == 1 else Add(tuple(terms))

    def product(self) -> Node:
        node = self.unary()
        factors: list[Node] = [node]
        divide: list[bool] = [False]
        while self.at_op("*", "/", "@"):
            _, op, _ = self.take()
            rhs = self.unary()
            if op == "@":
                left = factors[0] if len(factors) == 1 else Mul(tuple(factors), tuple(divide))
                factors, divide = [MatMul(left, rhs)], [False]
            else:
                factors.append(rhs)
                divide.append(op == "/")
        return factors[0] if len(factors) == 1 else Mul(tuple(factors), tuple(divide))

    def unary(self) -> Node:
        if self.at_op("-", "+"):
            _, op, pos = self.take()
            self.enter(pos)
            arg = self.unary()
            self.depth -= 1
            return Neg(arg) if op == "-" else arg
        return self.power()

    def power(self) -> Node:
        base = self.postfix()
        if self.at_op("**"):
            _, _, pos = self.take()
            self.enter(pos)
            exp = self.unary()  # 2**-x and right-associative a**b**c, as in Python
            self.depth -= 1
            check_constant_power(base, exp, self.text, pos)
            return Pow(base, exp)
        return base

    def postfix(self) -> Node:
        node = self.atom()
        while self.at_op("["):
            _, _, pos = self.take()
            node = Index(node, self.index_items(pos))
        if self.at_op("("):
            _, _, pos = self.peek()
            raise self.error(f"{to_text(node)!r} is not a function; multiplication needs '*', e.g. x*(y+1)", pos)
        return node

    def index_items(self, open_pos: int) -> tuple[int | Slice, ...]:
        items: list[int | Slice] = []
        while True:
            parts: list[int | None] = []
            current: int | None = None
            while True:
                if self.at_op(":"):
                    self.i += 1
                    parts.append(current)
                    current = None
                    if len(parts) > 2:
                        raise self.error("a slice has at most start:stop:step", self.peek()[2])
                    continue
                if self.at_op(",", "]"):
                    break
                if current is not None or self.peek()[0] == "end":
                    kind, value, pos = self.peek()
                    raise self.error(f"expected ']' to close the index, found {self._found(kind, value)}", pos)
                current = self.int_literal("an index")
            if parts:
                parts.append(current)
                parts += [None] * (3 - len(parts))
                if parts[2] is not None and parts[2] <= 0:
                    raise self.error("a slice step must be positive", open_pos)
                items.append(Slice(parts[0], parts[1], parts[2]))
            elif current is None:
                raise self.error("an empty index; write x[0] or x[1, 2]", self.peek()[2])
            else:
                items.append(current)
            if self.at_op(","):
                self.i += 1
                continue
            self.expect("]", "to close the index")
            return tuple(items)

    def int_literal(self, what: str) -> int:
        sign = 1
        kind, value, pos = self.peek()
        if kind == "op" and value in "+-":
            self.i += 1
            sign = -1 if value == "-" else 1
            kind, value, pos = self.peek()
        if kind == "num" and value.isdigit() and len(value) > 9:
            raise self.error(f"{what} of {value} is too large (at most 9 digits)", pos)
        if kind != "num" or not value.isdigit():
            raise self.error(f"{what} must be a whole number such as 0, 2 or -1, found {self._found(kind, value)}", pos)
        self.i += 1
        return sign * int(value)

    def atom(self) -> Node:
        kind, value, pos = self.take()
        if kind == "num":
            return number(value, self.text, pos)
        if kind == "name":
            return self.name(value, pos)
        if kind == "op" and value == "(":
            self.enter(pos)
            inner = self.sum()
            self.expect(")", f"to close the '(' at column {pos + 1 - (self.text.rfind(chr(10), 0, pos) + 1)}")
            self.depth -= 1
            return inner
        self.i -= 1
        if kind == "end":
            raise self.error("the expression ends where a value was expected", pos)
        if value == "\n":
            raise self.error("the line ends where a value was expected", pos)
        if value == ";":
            raise self.error("';' where a value was expected", pos)
        if value in ")]":
            raise self.error(f"{value!r} where a value was expected", pos)
        if value == "**":
            raise self.error("'**' needs a value on its left", pos)
        if value in "*/@":
            raise self.error(f"{value!r} needs a value on its left", pos)
        raise self.error(f"unexpected {value!r}", pos)

    def name(self, value: str, pos: int) -> Node:
        if value.startswith("_"):
            raise self.error(f"names may not start with '_': {value!r}", pos)
        if len(value) > MAX_NAME:
            raise self.error(f"a name longer than {MAX_NAME} characters", pos)
        if self.at_op("("):
            return self.call(value, pos)
        if value in CONSTANTS:
            return Const(CONSTANTS[value])
        if value in FUNCTIONS:
            raise self.error(f"{value!r} is a function; call it with parentheses, e.g. {value}(x)", pos)
        return Var(value)

    def call(self, name: str, pos: int) -> Node:
        spec = FUNCTIONS.get(name)
        if spec is None:
            if name in CONSTANTS:
                raise self.error(f"{name!r} is a constant, not a function; multiply with '*'", pos)
            close = [name.lower()] if name.lower() in FUNCTIONS else difflib.get_close_matches(name, FUNCTIONS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise self.error(
                f"unknown function {name!r}{hint} (functions: {', '.join(sorted(FUNCTIONS))}); "
                "a variable next to '(' needs '*', e.g. x*(y+1)",
                pos,
            )
        self.take()  # '('
        self.enter(pos)
        args: list[Node] = []
        dim: int | None = None
        if not self.at_op(")"):
            while True:
                kind, value, kpos = self.peek()
                if kind == "name" and self.tokens[self.i + 1][1] == "=":
                    if value != "dim" or not spec.takes_dim:
                        raise self.error(f"{name}() takes no keyword {value!r}", kpos)
                    if dim is not None:
                        raise self.error(f"dim= is given twice in {name}()", kpos)
                    self.i += 2
                    dim = self.int_literal("dim")
                else:
                    if dim is not None:
                        raise self.error("positional argument after dim=", kpos)
                    args.append(self.sum())
                if self.at_op(","):
                    self.i += 1
                    continue
                self.expect(")", f"to close the call to {name}()")
                break
        else:
            self.take()
        self.depth -= 1
        if spec.takes_dim and dim is None and len(args) == 2 and spec.kind != "minmax":
            # sum(x, 0): a second positional argument is the dimension
            dim = _as_int(args[1])
            if dim is None:
                raise self.error(f"the second argument of {name}() is a dimension and must be a whole number", pos)
            args.pop()
        if not spec.min_args <= len(args) <= spec.max_args:
            want = str(spec.min_args) if spec.min_args == spec.max_args else f"{spec.min_args} to {spec.max_args}"
            plural = "" if want == "1" else "s"
            raise self.error(f"{name}() takes {want} argument{plural}, got {len(args)}", pos)
        if dim is not None and spec.kind == "minmax" and len(args) != 1:
            raise self.error(f"dim= applies to {name}(x) of one argument only", pos)
        return Call(name, tuple(args), dim)


def _as_int(node: Node) -> int | None:
    if isinstance(node, Num) and node.value.denominator == 1 and "." not in node.text and "e" not in node.text.lower():
        return int(node.value)
    if isinstance(node, Neg):
        inner = _as_int(node.arg)
        return None if inner is None else -inner
    return None


def number(text_value: str, text: str = "", pos: int = 0) -> Num:
    """A literal as an exact fraction, refused when it is too long or not finite."""
    if len(text_value) > MAX_LITERAL:
        raise ParseError(f"a number literal longer than {MAX_LITERAL} characters", text, pos)
    exponent = text_value.lower().partition("e")[2]
    if exponent and abs(int(exponent)) > MAX_EXPONENT:
        raise ParseError(
            f"the number {text_value} is out of range: exponents are limited to ±{MAX_EXPONENT}", text, pos
        )
    value = Fraction(text_value)
    try:
        finite = math.isfinite(float(value))
    except OverflowError:
        finite = False
    if not finite:
        raise ParseError(f"the number {text_value} is too large: it is not finite in float64", text, pos)
    return Num(value, text_value)


# ---- constant powers -------------------------------------------------------


def _const_value(node: Node) -> float | None:
    """Float value of a constant subtree (inf on overflow), or None if it has a variable.

    Deliberately in floats: it runs before the size bound is known to hold, so it must never
    compute a huge exact integer (build.exact_value computes exactly, once the bound holds).
    """
    try:
        if isinstance(node, Num):
            return _safe_float(node.value)
        if isinstance(node, Const):
            return math.pi if node.name == "pi" else math.e
        if isinstance(node, Neg):
            v = _const_value(node.arg)
            return None if v is None else -v
        if isinstance(node, Add):
            vals = [_const_value(t) for t in node.terms]
            if any(v is None for v in vals):
                return None
            return math.fsum(v for v in vals if v is not None)
        if isinstance(node, Mul):
            total = 1.0
            for f, d in zip(node.factors, node.divide):
                v = _const_value(f)
                if v is None:
                    return None
                total = total / v if d else total * v
            return total
        if isinstance(node, Pow):
            b, e = _const_value(node.base), _const_value(node.exp)
            if b is None or e is None:
                return None
            return _safe_pow(b, e)
    except (ZeroDivisionError, OverflowError, ValueError):
        return math.nan
    return None  # calls and indexing: not folded here


def _safe_float(value: Fraction) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _safe_pow(b: float, e: float) -> float:
    try:
        value = b**e
    except (OverflowError, ZeroDivisionError):
        return math.inf
    return math.nan if isinstance(value, complex) else float(value)


def _size_bits(value: Fraction) -> float:
    """log2 of the larger of numerator and denominator: the size of the exact value."""
    num, den = abs(value.numerator), value.denominator
    return max(math.log2(num) if num > 1 else 0.0, math.log2(den) if den > 1 else 0.0)


def growth(node: Node) -> float:
    """An upper bound, in bits, on the exact constants SymPy may fold together at ``node``.

    SymPy evaluates rational arithmetic exactly and flattens products (``2**5000*(2**5000*x)``
    holds ``2**10000``), distributes numbers over sums and integer powers over products
    (``(2**5000*x)**3`` holds ``2**15000``). Sums add about one bit; products add sizes;
    a constant power multiplies them. Function calls fold only inside their arguments.
    """
    if isinstance(node, Num):
        return _size_bits(node.value)
    if isinstance(node, (Const, Var)):
        return 0.0
    if isinstance(node, (Neg, Index)):
        return growth(node.arg if isinstance(node, Neg) else node.base)
    if isinstance(node, Add):
        return max(growth(t) for t in node.terms) + math.log2(len(node.terms))
    if isinstance(node, Mul):
        return sum(growth(f) for f in node.factors)
    if isinstance(node, MatMul):
        return growth(node.left) + growth(node.right)
    if isinstance(node, Call):
        return max((growth(a) for a in node.args), default=0.0)
    assert isinstance(node, Pow)
    base, exp = growth(node.base), growth(node.exp)
    b, e = _const_value(node.base), _const_value(node.exp)
    if b is not None and b in (0.0, 1.0, -1.0):
        return exp
    if e is None or math.isnan(e):
        return base + exp
    if base == 0.0:
        return exp
    return max(base * max(1.0, abs(e)), exp)


def _digits(bits: float) -> str:
    if not math.isfinite(bits):
        return "infinitely many"
    d = math.floor(bits * math.log10(2)) + 1  # 2**10000 has 3,011 digits
    if d > 1e15:
        return f"10^{math.log10(d):.0f}"
    return f"{d:,}"


def _refuse(node: Node, bits: float, text: str = "", pos: int | None = None) -> ParseError:
    shown = to_text(node)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return ParseError(
        f"the constants in {shown} are too large to compute exactly (about {_digits(bits)} digits; "
        f"the limit is {MAX_CONST_BITS * math.log10(2):,.0f} digits, {MAX_CONST_BITS:,} bits)",
        text,
        pos,
    )


def check_constant_power(base: Node, exp: Node, text: str = "", pos: int | None = None) -> None:
    """Refuse ``9**9**9**9`` as soon as it is read, before anything is computed."""
    node = Pow(base, exp)
    bits = growth(node)
    if bits >= MAX_CONST_BITS:
        raise _refuse(node, bits, text, pos)


def check_growth(node: Node) -> None:
    """Every subtree's constants stay within MAX_CONST_BITS (products and sums included)."""
    if isinstance(node, (Num, Const, Var)):
        return
    bits = growth(node)
    if bits < MAX_CONST_BITS:
        return
    for child in _children(node):  # name the smallest part that is too large
        if growth(child) >= MAX_CONST_BITS:
            check_growth(child)
    raise _refuse(node, bits)


def _children(node: Node) -> list[Node]:
    if isinstance(node, Neg):
        return [node.arg]
    if isinstance(node, Add):
        return list(node.terms)
    if isinstance(node, Mul):
        return list(node.factors)
    if isinstance(node, (Pow, MatMul)):
        return [node.base, node.exp] if isinstance(node, Pow) else [node.left, node.right]
    if isinstance(node, Call):
        return list(node.args)
    if isinstance(node, Index):
        return [node.base]
    return []


# ---- entry points ----------------------------------------------------------


def check_text(text: str) -> None:
    if len(text) > MAX_LENGTH:
        raise ParseError(
            f"the expression is {len(text):,} characters long; the limit is {MAX_LENGTH:,}. "
            "Split the work into several calls"
        )


def parse(text: str, names: list[str] | None = None) -> Function:
    """Parse a vector function; ``names`` (from --vars) fixes the variable order.

    >>> parse("x0**2+3*x1; x1**2+2*x0").names
    ('x0', 'x1')
    """
    check_text(text)
    limit = sys.getrecursionlimit()
    if limit < 4000:  # MAX_DEPTH levels take up to ~8 frames each in the descent
        sys.setrecursionlimit(4000)
    try:
        comps = _Parser(text).components()
        for comp in comps:
            check_growth(comp)
    except RecursionError:  # pragma: no cover - MAX_DEPTH stops the descent first
        raise ParseError(f"the expression is nested too deeply (more than {MAX_DEPTH} levels)") from None
    used = variables(comps)
    if names is None:
        order = natural_sorted(used)
    else:
        order = list(names)
        missing = natural_sorted(used - set(order))
        if missing:
            raise ParseError(
                f"--vars {','.join(order)} leaves out {', '.join(missing)}, which the expression uses; "
                "add them to --vars"
            )
    return Function(text, tuple(comps), tuple(order))


def parse_names(text: str) -> list[str]:
    """The --vars list: comma- or space-separated variable names, each at most once."""
    names = [n for n in re.split(r"[,\s]+", text.strip()) if n]
    if not names:
        raise ParseError("--vars is empty; give names such as --vars x0,x1")
    seen: set[str] = set()
    for n in names:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", n) or len(n) > MAX_NAME:
            raise ParseError(f"--vars: {n!r} is not a variable name (letters, digits and '_', starting with a letter)")
        if n in FUNCTIONS or n in CONSTANTS:
            raise ParseError(f"--vars: {n!r} is a function or constant name, not a variable")
        if n in seen:
            raise ParseError(f"--vars: {n!r} appears twice")
        seen.add(n)
    return names
