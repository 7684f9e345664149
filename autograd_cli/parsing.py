"""Text -> expression tree, by an allow-list grammar; never evaluates the user's text.

The input is tokenised with one regular expression and parsed by recursive descent into
the nodes of ``expr.py``. Names resolve only through the operation catalogue (``torch.sin``,
``F.relu``, ``np.dot``, ``x.sum(dim=1)``, ``x.T``) and its constants; anything else that
is called or dotted is a ``ParseError`` naming what was not understood and where, so
``x.__class__``, ``torch.load(...)`` or ``getattr`` never reach Python. No ``eval``,
``exec``, ``getattr``, ``sympify``, ``parse_expr`` or ``lambdify`` ever sees the text.
Length, nesting depth, literal size and the size of constant powers are bounded so that
no input can hang the tool or exhaust memory. Imports no torch and no SymPy.
"""

from __future__ import annotations

import math
import re
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

from . import catalogue
from .catalogue.core import BindError, bind
from .catalogue.registry import Entry, Overload
from .errors import ParseError
from .expr import (
    Add,
    Assign,
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
    children,
    natural_sorted,
    to_text,
)

# ---- bounds (README.md "Limits"; tests/test_bounds.py pins each one) ----
MAX_LENGTH = 1_000_000  # characters of expression text
MAX_DEPTH = 100  # nesting of parentheses, calls, methods, unary signs and powers
MAX_LITERAL = 100  # characters in one number literal
MAX_EXPONENT = 400  # |e| in a literal such as 1e-300
MAX_CONST_BITS = 10_000  # exact constants below 2**10000 (about 3,010 digits): 2**9999 is the largest power of 2
MAX_COMPONENTS = 100_000
MAX_NAME = 64
MAX_MINMAX_ARGS = 64
MAX_STRING = 200  # characters of a string option (an einsum spec)
MAX_ARGS = 64  # arguments of one call

CONSTANTS = catalogue.CONSTANTS

_TOKEN = re.compile(
    r"""
     (?P<ws>[ \t\r\f\v]+|\#[^\n]*)
    |(?P<nl>\n)
    |(?P<num>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<str>'[ !"\#-&(-\[\]-~]*'|"[ !\#-&(-\[\]-~]*")
    |(?P<op>\*\*|\.\.\.|->|==|!=|<=|>=|//|[-+*/^@(),;\[\]=:.<>&|~%])
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
    "\u2264": "<=",
    "\u2265": ">=",
    "\u2260": "!=",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
}


@dataclass(frozen=True)
class Function:
    """A parsed vector function: its statements, one tree per output, and its inputs in order.

    ``statements`` are the ``name = expr`` lines (each defines a Local); ``components`` the
    outputs; ``names`` the inputs; ``declared`` the inputs a ``lambda``/``def`` listed, which
    are the differentiated ones by default (the others are data it closes over).
    """

    text: str
    components: tuple[Node, ...]
    names: tuple[str, ...]
    statements: tuple[Assign, ...] = ()
    declared: tuple[str, ...] | None = None
    output_labels: tuple[str | None, ...] = field(default=())
    # every call and subscript the parser made, in the order it made them (None: not known,
    # as for a Function made by hand); the checks that only ask "is there one such?" read it
    made: tuple[Call | Index, ...] | None = field(default=None, compare=False, repr=False)

    @cached_property
    def outputs(self) -> list[str]:
        """Each component printed back, once (row titles and JSON use them many times)."""
        return [to_text(c) for c in self.components]

    @cached_property
    def calls(self) -> list[Call | Index]:
        """Every call and subscript in the statements and components, found in one walk (the
        checks after parsing read only these)."""
        out: list[Call | Index] = []
        stack: list[Node] = [*reversed(self.components), *(s.value for s in reversed(self.statements))]
        while stack:  # walk()'s order (parents first, in reading order), without a generator per node
            node = stack.pop()
            if type(node) is Call or type(node) is Index:
                out.append(node)
            stack.extend(reversed(children(node)))
        return out

    @cached_property
    def local_values(self) -> dict[str, Node]:
        return {s.key: s.value for s in self.statements}


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
        hint = "; a string ends on its line with the same quote and holds printable ASCII without backslashes"
    elif ch == "!":
        hint = "; '!=' compares; factorials are not part of the language"
    elif ch.isalpha():
        hint = "; names use ASCII letters, digits and '_' only (a look-alike letter from another alphabet?)"
    elif ch in "{}$?`\\":
        hint = (
            "; the language has + - * / ** ^ @, comparisons, calls f(x), methods x.f(), lists [a, b] and indexing x[i]"
        )
    else:
        hint = ""
    return ParseError(f"unexpected {what}{hint}", text, pos)


Token = tuple[str, str, int]
_COMPARISONS = frozenset(("<", "<=", ">", ">=", "==", "!="))
_POSTFIX = frozenset(("[", ".", "("))
_ENDS_EXPRESSION = frozenset((",", ")", ";", "\n", "]", ":"))  # what may follow a whole expression
_AFTER_SUM = _COMPARISONS | {"&", "|"}  # what may follow a sum inside a comparison
_ADDITIVE = frozenset(("+", "-"))
_MULTIPLICATIVE = frozenset(("*", "/", "@", "//", "%"))
_UNARY = frozenset(("-", "+", "~"))
_AUGMENTED = ("+", "-", "*", "/", "@", "**")
_KEYWORDS = frozenset(("lambda", "def", "not", "and", "or", "if", "else", "for", "in", "is", "import"))
_STATEMENT_OPS = frozenset(("=", *_AUGMENTED))  # name = ..., name += ...


class _Parser:
    def __init__(self, text: str, names: Sequence[str] | None = None) -> None:
        self.text = text
        self.tokens: list[Token] = []
        self.i = 0
        self.depth = 0
        self.locals: dict[str, str] = {}  # name -> current key
        self.local_count: dict[str, int] = {}
        self.statements: list[Assign] = []
        self.made: list[Call | Index] = []
        self.inputs_seen: set[str] = set()
        self.declared: list[str] | None = None
        self.vars = set(names or ())
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
            elif kind == "str" and len(value) > MAX_STRING + 2:
                raise ParseError(f"a string longer than {MAX_STRING} characters", text, pos)
            out.append((kind or "", value, pos))
        out.extend([("end", "", len(text))] * 4)  # peek(k) never runs past the end
        # each token's operator text ("" for numbers, names and strings): the hot test of the descent
        self.ops = [value if kind == "op" else "\0" for kind, value, _ in out]

    def peek(self, k: int = 0) -> Token:
        return self.tokens[self.i + k]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def at_op(self, *ops: str) -> bool:
        return self.ops[self.i] in ops

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

    def leave(self) -> None:
        self.depth -= 1

    # -- components and statements ----------------------------------------------
    def components(self) -> tuple[list[Node], list[str | None]]:  # noqa: C901 - separators, headers, statements
        comps: list[Node] = []
        labels: list[str | None] = []
        last_assigned: Local | None = None
        first = True
        while True:
            while self.at_op("\n"):
                self.i += 1
            kind, value, pos = self.peek()
            if kind == "end":
                break
            if kind == "op" and value == ";":
                what = "an empty component: ';' at the start" if first else "an empty component between two ';'"
                raise self.error(f"{what}; each component between ';' must be an expression", pos)
            if first and kind == "name" and value in ("lambda", "def") and self._is_header(value):
                self.header(value, pos)
                first = False
                continue
            first = False
            node, assigned = self.statement()
            if assigned is not None:
                last_assigned = assigned
            elif node is not None:
                if isinstance(node, Seq) and node.brackets in ("[]", "()") and node.items:
                    comps.extend(node.items)  # [a, b] or (a, b): the outputs
                    labels.extend([None] * len(node.items))
                else:
                    comps.append(node)
                    labels.append(None)
            if len(comps) > MAX_COMPONENTS or len(self.statements) > MAX_COMPONENTS:
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
        if not comps and last_assigned is not None:
            comps.append(last_assigned)  # all statements: the last one assigned is the output
            labels.append(last_assigned.name)
        if not comps:
            raise ParseError("the expression is empty; give at least one component, e.g. 'x0**2 + x1'")
        return comps, labels

    def _is_header(self, word: str) -> bool:
        """``lambda x: ...``/``lambda x, W: ...`` or ``def f(...):`` (a variable may still be called lambda)."""
        nxt, after = self.peek(1), self.peek(2)
        if word == "lambda":
            return nxt[0] == "name" and after[:2] in (("op", ","), ("op", ":"))
        return nxt[0] == "name" and after[:2] == ("op", "(")

    def header(self, word: str, pos: int) -> None:
        """``lambda x, W: body`` or ``def f(x, W):`` then statements and ``return``: the inputs, in order."""
        self.i += 1
        params: list[str] = []
        if word == "def":
            kind, value, npos = self.take()
            if kind != "name":
                raise self.error("expected a function name after def", npos)
            self.expect("(", "after the function name")
            close = ")"
        else:
            close = ":"
        while not self.at_op(close):
            kind, value, ppos = self.take()
            if kind != "name" or value.startswith("_") or value in catalogue.RESERVED:
                raise self.error(f"expected a parameter name, found {self._found(kind, value)}", ppos)
            if value in params:
                raise self.error(f"the parameter {value!r} is listed twice", ppos)
            params.append(value)
            if self.at_op(","):
                self.i += 1
            elif not self.at_op(close):
                k2, v2, p2 = self.peek()
                raise self.error(f"expected ',' or {close!r} in the {word} header, found {self._found(k2, v2)}", p2)
        self.i += 1
        if word == "def":
            self.expect(":", "after def f(...)")
        if not params:
            raise self.error(f"{word} lists no inputs; write e.g. lambda x: x**2", pos)
        self.declared = params

    def statement(self) -> tuple[Node | None, Local | None]:
        kind, value, pos = self.peek()
        if kind != "name" or (value != "return" and self.ops[self.i + 1] not in _STATEMENT_OPS):
            return self.tuple_or_expr(), None  # the common case: an expression
        if value == "return":
            self.i += 1
            return self.tuple_or_expr(), None
        if (
            kind == "name"
            and self.peek(1)[:2] == ("op", "=")
            and self.peek(2)[:2] == ("name", "lambda")
            and self.peek(3)[0] == "name"
        ):
            # f = lambda x: body, as JAX examples write it: the lambda gives the inputs, its body the output
            if self.statements or self.declared is not None:
                raise self.error("a lambda may only give the inputs once, at the start", self.peek(2)[2])
            self._check_name(value, pos)
            self.i += 2
            _, word, lpos = self.peek()
            self.header(word, lpos)
            return self.tuple_or_expr(), None
        if kind == "name" and self.peek(1)[:2] == ("op", "="):
            return None, self.assignment(value, pos)
        if (
            kind == "name"
            and self.peek(1)[0] == "op"
            and self.peek(1)[1] in _AUGMENTED
            and self.peek(2)[:2] == ("op", "=")
        ):
            return None, self.augmented(value, pos)
        return self.tuple_or_expr(), None

    def assignment(self, name: str, pos: int) -> Local:
        self._check_target(name, pos)
        self.i += 2
        value = self.tuple_or_expr()
        n = self.local_count.get(name, 0) + 1
        self.local_count[name] = n
        key = name if n == 1 else f"{name}#{n}"
        self.statements.append(Assign(key, name, value))
        self.locals[name] = key
        return Local(key, name)

    def _check_target(self, name: str, pos: int) -> None:
        self._check_name(name, pos)
        if name in catalogue.CONSTANTS or name in catalogue.RESERVED:
            raise self.error(f"{name!r} is a name of the language; pick another name for the intermediate", pos)

    def augmented(self, name: str, pos: int) -> Local:
        """``a += b`` (-=, *=, /=, @=, **=): ``a = a + b``, the same values and gradients."""
        self._check_target(name, pos)
        _, op, _ = self.peek(1)
        self.i += 3
        current = self.locals.get(name)
        left: Node = Local(current, name) if current is not None else Var(name)
        if current is None:
            self.inputs_seen.add(name)
        right = self.expression()
        if op == "+":
            value: Node = Add((left, right))
        elif op == "-":
            value = Add((left, Neg(right)))
        elif op in ("*", "/"):
            value = Mul((left, right), (False, op == "/"))
        elif op == "@":
            value = MatMul(left, right)
        else:
            value = Pow(left, right)
        n = self.local_count.get(name, 0) + 1
        self.local_count[name] = n
        key = name if n == 1 else f"{name}#{n}"
        self.statements.append(Assign(key, name, value))
        self.locals[name] = key
        return Local(key, name)

    def tuple_or_expr(self) -> Node:
        """An expression, or ``a, b`` (a bare tuple, as after return)."""
        node = self.expression()
        if not self.at_op(","):
            return node
        items = [node]
        while self.at_op(","):
            self.i += 1
            if self.peek()[0] == "end" or self.at_op(";", "\n"):
                break
            items.append(self.expression())
        return Seq(tuple(items), "()")

    def _unexpected(self, kind: str, value: str, pos: int) -> ParseError:
        if kind in ("num", "name", "str") or (kind == "op" and value == "("):
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
            return self.error(
                "'=' assigns a name on its own line (y = x + 2), or a keyword inside a call; compare with '=='", pos
            )
        if kind == "op" and value == ",":
            return self.error("unexpected ','; separate components with ';'", pos)
        return self.error(f"unexpected {self._found(kind, value)}", pos)

    # -- expressions, loosest first ------------------------------------------------
    def expression(self) -> Node:
        kind, value, pos = self.tokens[self.i]
        if kind in ("name", "num") and self.ops[self.i + 1] in _ENDS_EXPRESSION and value not in _KEYWORDS:
            return self.postfix()  # a lone name or number (most arguments): no operator can follow
        if kind != "name" or value not in _KEYWORDS:
            return self.comparison()
        if value in ("lambda", "def") and self._is_header(value):
            raise self.error(f"'{value}' may only start the expression, giving its inputs (lambda x, W: ...)", pos)
        if value in ("not", "and", "or", "if", "else", "for", "in", "is", "import"):
            hint = {
                "not": "; for a mask write ~(x > 0)",
                "and": "; for masks write (a > 0) & (b > 0)",
                "or": "; for masks write (a > 0) | (b > 0)",
                "if": "; write torch.where(condition, a, b)",
            }.get(value, "")
            raise self.error(f"the Python keyword {value!r} is not part of the language{hint}", pos)
        return self.comparison()

    def comparison(self) -> Node:
        left = self.sum()
        if self.ops[self.i] not in _AFTER_SUM:
            return left  # the common case: no mask operators, two grammar levels fewer
        left = self._bit_or_from(self._bit_and_from(left))
        if self.ops[self.i] in _COMPARISONS:
            _, op, _pos = self.take()
            right = self.bit_or()
            if self.at_op("<", "<=", ">", ">=", "==", "!="):
                raise self.error("chained comparisons are not supported; write (a < b) & (b < c)", self.peek()[2])
            return Compare(op, left, right)
        return left

    def bit_or(self) -> Node:
        return self._bit_or_from(self.bit_and())

    def _bit_or_from(self, node: Node) -> Node:
        while self.ops[self.i] == "|":
            self.i += 1
            node = Logic("|", node, self.bit_and())
        return node

    def bit_and(self) -> Node:
        return self._bit_and_from(self.sum())

    def _bit_and_from(self, node: Node) -> Node:
        while self.ops[self.i] == "&":
            self.i += 1
            node = Logic("&", node, self.sum())
        return node

    def sum(self) -> Node:
        terms = [self.product()]
        while self.ops[self.i] in _ADDITIVE:
            _, op, _ = self.take()
            term = self.product()
            terms.append(Neg(term) if op == "-" else term)
        return terms[0] if len(terms) == 1 else Add(tuple(terms))

    def product(self) -> Node:
        node = self.unary()
        factors: list[Node] = [node]
        divide: list[bool] = [False]
        while self.ops[self.i] in _MULTIPLICATIVE:
            _, op, pos = self.take()
            if op in ("//", "%"):
                what = "floor division '//'" if op == "//" else "'%'"
                raise self.error(
                    f"{what} is not supported (its gradient is 0 or 1 almost everywhere); "
                    "use floor(a/b) or a - b*floor(a/b)",
                    pos,
                )
            rhs = self.unary()
            if op == "@":
                left = factors[0] if len(factors) == 1 else Mul(tuple(factors), tuple(divide))
                factors, divide = [MatMul(left, rhs)], [False]
            else:
                factors.append(rhs)
                divide.append(op == "/")
        return factors[0] if len(factors) == 1 else Mul(tuple(factors), tuple(divide))

    def unary(self) -> Node:
        if self.ops[self.i] in _UNARY:
            _, op, pos = self.take()
            self.enter(pos)
            arg = self.unary()
            self.leave()
            if op == "~":
                return Not(arg)
            return Neg(arg) if op == "-" else arg
        return self.power()

    def power(self) -> Node:
        base = self.postfix()
        if self.ops[self.i] == "**":
            _, _, pos = self.take()
            self.enter(pos)
            exp = self.unary()  # 2**-x and right-associative a**b**c, as in Python
            self.leave()
            check_constant_power(base, exp, self.text, pos)
            return Pow(base, exp)
        return base

    def postfix(self) -> Node:
        start = self.depth
        node = self.atom()
        while True:
            op = self.ops[self.i]
            if op not in _POSTFIX:
                break
            if op == "[":
                _, _, pos = self.take()
                self.enter(pos)
                node = Index(node, self.index_items(pos))
                self.made.append(node)
            elif op == ".":
                _, _, pos = self.take()
                self.enter(pos)
                node = self.member(node, pos)
            elif op == "(":
                _, _, pos = self.peek()
                raise self.error(f"{to_text(node)!r} is not a function; multiplication needs '*', e.g. x*(y+1)", pos)
            else:
                break
        self.depth = start
        return node

    def member(self, receiver: Node, dot: int) -> Node:
        """``receiver.name`` (an attribute of the catalogue, such as .T) or ``receiver.name(...)`` (a method)."""
        kind, name, pos = self.take()
        if kind != "name":
            raise self.error(f"expected a method or attribute name after '.', found {self._found(kind, name)}", pos)
        self._check_name(name, pos)
        if self.at_op("("):
            entry = catalogue.lookup("method", name)
            if entry is None:
                return self._unknown(f".{name}()", "method", pos, receiver)
            paren = self.peek()[2]
            positional, keywords = self.arguments(f".{name}", paren)
            return self.make_call(entry, name, "method", [receiver, *positional], keywords, pos)
        entry = catalogue.lookup("attr", name)
        if entry is None:
            if catalogue.lookup("method", name) is not None:
                raise self.error(f".{name} is a method: call it, as in x.{name}()", pos)
            return self._unknown(f".{name}", "attr", pos, receiver)
        return self.make_call(entry, name, "attr", [receiver], [], pos)

    def _unknown(self, what: str, form: str, pos: int, receiver: Node | None = None) -> Node:
        name = what.strip(".()")
        close = catalogue.suggest(name, "method")
        hint = f"; did you mean {', '.join('.' + c for c in close)}?" if close else ""
        kind = "method" if form == "method" else "attribute"
        raise self.error(f"the {kind} {what} is not supported{hint} (see `vjp functions`)", pos)

    def index_items(self, open_pos: int) -> tuple[Node | Slice | NewAxis | Ellipsis_, ...]:
        items: list[Node | Slice | NewAxis | Ellipsis_] = []
        while True:
            if self.at_op("]") and not items:
                raise self.error("an empty index; write x[0] or x[1, 2]", self.peek()[2])
            if self.at_op("..."):
                self.i += 1
                items.append(Ellipsis_())
            elif self.peek()[:2] == ("name", "None"):
                self.i += 1
                items.append(NewAxis())
            else:
                parts: list[Node | None] = []
                current: Node | None = None
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
                    current = self.expression()
                if parts:
                    parts.append(current)
                    parts += [None] * (3 - len(parts))
                    items.append(Slice(parts[0], parts[1], parts[2]))
                elif current is None:
                    raise self.error("an empty index item; write x[0] or x[1, 2]", self.peek()[2])
                else:
                    items.append(current)
            if self.at_op(","):
                self.i += 1
                continue
            self.expect("]", "to close the index")
            return tuple(items)

    def atom(self) -> Node:
        kind, value, pos = self.take()
        if kind == "num":
            return number(value, self.text, pos)
        if kind == "str":
            return Str(value[1:-1])
        if kind == "name":
            return self.name(value, pos)
        if kind == "op" and value in ("(", "["):
            return self.bracket(value, pos)
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
        if value in ("*", "/", "@", "//", "%", "&", "|", "<", ">", "<=", ">=", "==", "!="):
            raise self.error(f"{value!r} needs a value on its left", pos)
        if value == "=":
            raise self.error("'=' where a value was expected", pos)
        if value == "...":
            raise self.error("'...' is only for indexing, as in x[..., 0]", pos)
        raise self.error(f"unexpected {value!r}", pos)

    def bracket(self, open_: str, pos: int) -> Node:
        """``( expr )``, a tuple ``(a, b)`` or ``()``, a list ``[a, b]`` or ``[]``."""
        close = ")" if open_ == "(" else "]"
        self.enter(pos)
        items: list[Node] = []
        trailing = False
        while not self.at_op(close):
            if self.peek()[0] == "end":
                where = pos + 1 - (self.text.rfind(chr(10), 0, pos) + 1)
                self.expect(close, f"to close the {open_!r} at column {where}")
            items.append(self.expression())
            trailing = False
            if self.at_op(","):
                self.i += 1
                trailing = True
            elif not self.at_op(close):
                where = pos + 1 - (self.text.rfind(chr(10), 0, pos) + 1)
                self.expect(close, f"to close the {open_!r} at column {where}")
        self.i += 1
        self.leave()
        if open_ == "(" and len(items) == 1 and not trailing:
            return items[0]
        return Seq(tuple(items), open_ + close)

    def name(self, value: str, pos: int) -> Node:
        if value[0] == "_" or len(value) > MAX_NAME:
            self._check_name(value, pos)
        if value in catalogue.MODULE_ROOTS and self.at_op(".") and value not in self.vars:
            return self.dotted(value, pos)
        if self.at_op("("):
            return self.call(value, pos)
        if value in ("True", "False", "None"):
            return Lit(None if value == "None" else value == "True")
        if value in self.locals:
            return Local(self.locals[value], value)
        if value in CONSTANTS and value not in self.vars and not (self.declared and value in self.declared):
            return Const(CONSTANTS[value][0], value)
        if value == "return":
            raise self.error("'return' may only start a line (return y)", pos)
        self.inputs_seen.add(value)
        return Var(value)

    def dotted(self, root: str, pos: int) -> Node:
        """``torch.nn.functional.relu`` and friends: the longest dotted name the catalogue knows."""
        parts = [root]
        while self.at_op(".") and self.peek(1)[0] == "name":
            self.i += 1
            _, part, ppos = self.take()
            self._check_name(part, ppos)
            parts.append(part)
            text = ".".join(parts)
            if text in CONSTANTS and not self.at_op("(", "."):
                return Const(CONSTANTS[text][0], text)
            if self.at_op("(") or not self.at_op("."):
                break
        text = ".".join(parts)
        if self.at_op("("):
            return self.call(text, pos)
        if text in CONSTANTS:
            return Const(CONSTANTS[text][0], text)
        if catalogue.lookup("call", text) is not None:
            raise self.error(f"{text!r} is a function; call it with parentheses, e.g. {text}(x)", pos)
        return self._unknown_name(text, pos)

    def _unknown_name(self, text: str, pos: int) -> Node:
        close = catalogue.suggest(text)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        module = text.rpartition(".")[0]
        known = any(t.startswith(module + ".") for t in catalogue.callable_names())
        if not known and module.count(".") >= 1:
            hint = f"; the module {module} is not part of the language"
        raise self.error(f"{text} is not supported{hint} (see `vjp functions` for what is)", pos)

    def call(self, name: str, pos: int) -> Node:
        entry = catalogue.lookup("call", name)
        if entry is None:
            if name in CONSTANTS:
                raise self.error(f"{name!r} is a constant, not a function; multiply with '*'", pos)
            if "." in name:
                return self._unknown_name(name, pos)
            close = catalogue.suggest(name)
            if name.lower() in catalogue.bare_names():
                close = [name.lower()]
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise self.error(
                f"unknown function {name!r}{hint} (see `vjp functions`); "
                "a variable next to '(' needs '*', e.g. x*(y+1)",
                pos,
            )
        i = self.i
        kind, value, _ = self.tokens[i + 1]
        if (
            self.ops[i + 2] == ")"
            and kind in ("name", "num")
            and self.depth < MAX_DEPTH
            and value not in _KEYWORDS
            and value not in catalogue.MODULE_ROOTS
        ):
            # f(x) or f(2): one lone name or number, the most common call (the full path below
            # gives the same node; a module name such as torch goes there for its message)
            self.i = i + 1
            arg = self.atom()
            self.i += 1
            return self.make_call(entry, name, "call", [arg], [], pos)
        positional, keywords = self.arguments(name, self.tokens[i][2])
        return self.make_call(entry, name, "call", positional, keywords, pos)

    def arguments(self, name: str, paren: int) -> tuple[list[Node], list[tuple[str, Node]]]:
        self.expect("(", f"after {name}")
        self.enter(paren)
        positional: list[Node] = []
        keywords: list[tuple[str, Node]] = []
        while not self.at_op(")"):
            kind, value, kpos = self.peek()
            if kind == "end":
                self.expect(")", f"to close the call to {name}()")
            if kind == "name" and self.ops[self.i + 1] == "=":
                self._check_name(value, kpos)
                self.i += 2
                if any(k == value for k, _ in keywords):
                    raise self.error(f"{value}= is given twice in {name}()", kpos)
                keywords.append((value, self.expression()))
            else:
                if keywords:
                    raise self.error("a positional argument after a keyword argument", kpos)
                if self.at_op("*"):
                    raise self.error("'*' unpacking is not supported; list the arguments", kpos)
                positional.append(self.expression())
            if len(positional) + len(keywords) > MAX_ARGS:
                count = len(positional) + len(keywords)
                while self.at_op(",") and self.peek(1)[1] != ")":  # count them all for the message
                    self.i += 1
                    self.expression()
                    count += 1
                raise self.error(f"{name}() takes at most {MAX_ARGS} arguments, got {count}", paren - len(name))
            if self.at_op(","):
                self.i += 1
                continue
            self.expect(")", f"to close the call to {name}()")
            break
        else:
            self.i += 1
        self.leave()
        return positional, keywords

    def make_call(
        self,
        entry: Entry | Overload,
        text: str,
        form: str,
        positional: list[Node],
        keywords: list[tuple[str, Node]],
        pos: int,
    ) -> Call:
        display = f".{text}" if form != "call" else text
        try:
            if isinstance(entry, Overload):
                key = entry.choose(positional, keywords)
                spelling = entry.spelling
            else:
                key = entry.op
                spelling = entry.spelling
            op = catalogue.OPS[key]
            sig = spelling.sig or op.sig
            args, shown = bind(display, sig, positional, keywords)
        except BindError as e:
            raise self.error(str(e), pos) from None
        if len(positional) > MAX_MINMAX_ARGS:
            raise self.error(f"{display}() takes at most {MAX_MINMAX_ARGS} arguments", pos)
        call = Call(key, text, args, shown, form)
        self.made.append(call)
        return call

    def _check_name(self, value: str, pos: int) -> None:
        if value.startswith("_"):
            raise self.error(f"names may not start with '_': {value!r}", pos)
        if len(value) > MAX_NAME:
            raise self.error(f"a name longer than {MAX_NAME} characters", pos)


def number(text_value: str, text: str = "", pos: int = 0) -> Num:
    """A literal as an exact fraction, refused when it is too long or not finite."""
    if len(text_value) > MAX_LITERAL:
        raise ParseError(f"a number literal longer than {MAX_LITERAL} characters", text, pos)
    exponent = text_value.lower().partition("e")[2]
    if exponent and abs(int(exponent)) > MAX_EXPONENT:
        raise ParseError(
            f"the number {text_value} is out of range: exponents are limited to ±{MAX_EXPONENT}", text, pos
        )
    if len(text_value) < 300 and text_value.isascii() and text_value.isdigit():
        return Num(Fraction(int(text_value)), text_value)  # an integer literal: exact and finite
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
            return CONSTANTS.get(node.text or node.name, (node.name, math.nan))[1] if node.name != "E" else math.e
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


_NO_GROWTH = frozenset({Var, Local, Const, Str, Lit})


def growth(node: Node, memo: dict[int, float] | None = None) -> float:
    """An upper bound, in bits, on the exact constants SymPy may fold together at ``node``.

    SymPy evaluates rational arithmetic exactly and flattens products (``2**5000*(2**5000*x)``
    holds ``2**10000``), distributes numbers over sums and integer powers over products
    (``(2**5000*x)**3`` holds ``2**15000``). Sums add about one bit; products add sizes;
    a constant power multiplies them. Function calls fold only inside their arguments.
    """
    kind = type(node)
    if kind in _NO_GROWTH:
        return 0.0  # a variable, an intermediate, a named constant: nothing exact to fold
    if kind is Num:
        return _size_bits(node.value)  # type: ignore[union-attr, arg-type]
    if kind is Call:
        return max([growth(n) for _, n in node.args], default=0.0)  # type: ignore[union-attr]
    if isinstance(node, Add):
        return max([growth(t) for t in node.terms]) + math.log2(len(node.terms))
    if isinstance(node, Mul):
        return sum([growth(f) for f in node.factors])
    if isinstance(node, MatMul):
        return growth(node.left) + growth(node.right)
    if isinstance(node, Pow):
        base, exp = growth(node.base), growth(node.exp)
        b, e = _const_value(node.base), _const_value(node.exp)
        if b is not None and b in (0.0, 1.0, -1.0):
            return exp
        if e is None or math.isnan(e):
            return base + exp
        if base == 0.0:
            return exp
        return max(base * max(1.0, abs(e)), exp)
    kids = children(node)
    return max((growth(k) for k in kids), default=0.0)


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
    if isinstance(node, (Num, Const, Var, Local, Str, Lit)):
        return
    bits = growth(node)
    if bits < MAX_CONST_BITS:
        return
    for child in children(node):  # name the smallest part that is too large
        if growth(child) >= MAX_CONST_BITS:
            check_growth(child)
    raise _refuse(node, bits)


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
    parser = _Parser(text, names)
    try:
        comps, labels = parser.components()
        for node in [*comps, *(s.value for s in parser.statements)]:
            check_growth(node)
    except RecursionError:  # pragma: no cover - MAX_DEPTH stops the descent first
        raise ParseError(f"the expression is nested too deeply (more than {MAX_DEPTH} levels)") from None
    used = set(parser.inputs_seen)  # every Var the parser made, recorded as it made it
    declared = parser.declared
    if names is not None:
        order = list(names)
        missing = natural_sorted(used - set(order))
        if missing:
            raise ParseError(
                f"--vars {','.join(order)} leaves out {', '.join(missing)}, which the expression uses; "
                "add them to --vars"
            )
    elif declared is not None:
        order = list(declared) + natural_sorted(used - set(declared))
    else:
        order = natural_sorted(used)
    return Function(
        text,
        tuple(comps),
        tuple(order),
        tuple(parser.statements),
        tuple(declared) if declared is not None else None,
        tuple(labels),
        tuple(parser.made),
    )


def parse_names(text: str) -> list[str]:
    """The --vars list: comma- or space-separated variable names, each at most once."""
    names = [n for n in re.split(r"[,\s]+", text.strip()) if n]
    if not names:
        raise ParseError("--vars is empty; give names such as --vars x0,x1")
    seen: set[str] = set()
    bare = catalogue.bare_names()
    for n in names:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", n) or len(n) > MAX_NAME:
            raise ParseError(f"--vars: {n!r} is not a variable name (letters, digits and '_', starting with a letter)")
        if n in bare or n in ("pi", "E", "inf", "True", "False", "None", "lambda", "def", "return"):
            raise ParseError(f"--vars: {n!r} is a function or constant name, not a variable")
        if n in seen:
            raise ParseError(f"--vars: {n!r} appears twice")
        seen.add(n)
    return names


__all__ = ["CONSTANTS", "Function", "parse", "parse_names"]
