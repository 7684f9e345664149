"""Lines of Python wrapped to a width so that they still read, and parse, as the same Python.

A transcript's code (``vjp explain``) is drawn in a panel as wide as the terminal. Cropping
it (``requires_gra``) or folding it mid-name would show code that is not Python, so a line
too long is broken where Python allows: statements joined by ``;`` go on lines of their own,
a trailing comment moves below its code, and a statement breaks after a comma or an opening
bracket, or before a binary operator, inside brackets (implicit line joining); outside
brackets a break ends with a backslash. Continuation lines are indented four spaces.
Tokens are never split: a single token longer than the width stays whole on its line.
"""

from __future__ import annotations

import io
import keyword
import textwrap
import tokenize

CONTINUATION = "    "
_OPEN, _CLOSE = "([{", ")]}"
_BINARY = {"+", "-", "*", "/", "//", "%", "@", "&", "|", "^", "<<", ">>", "==", "!=", "<", ">", "<=", ">="}
_COMPOUND = {"for", "if", "while", "with", "def", "class", "elif", "else", "try", "except", "finally", "async"}
_OPERAND_END = (tokenize.NAME, tokenize.NUMBER, tokenize.STRING)


def wrap(line: str, width: int) -> list[str]:
    """``line`` as lines of at most ``width`` characters where Python allows breaking it."""
    if len(line) <= width:
        return [line]
    tokens = _tokens(line)
    if tokens is None:
        return [line]
    indent = line[: len(line) - len(line.lstrip())]
    comment = ""
    code_end = len(line)
    if tokens and tokens[-1].type == tokenize.COMMENT:
        comment = tokens[-1].string
        code_end = tokens[-1].start[1]
        tokens = tokens[:-1]
    code = line[:code_end].rstrip()
    out: list[str] = []
    if code.strip():
        for statement in _statements(code, tokens):
            out += _wrap_statement(statement, indent, width)
    if comment:
        out = _place_comment(out, comment, indent, width)
    return out


def wrap_lines(lines: list[str], width: int) -> list[str]:
    """Each line wrapped with :func:`wrap`."""
    return [piece for line in lines for piece in wrap(line, width)]


def _tokens(line: str) -> list[tokenize.TokenInfo] | None:
    """The line's tokens (no layout tokens), or None when it is not a line of Python on its own."""
    try:
        raw = list(tokenize.generate_tokens(io.StringIO(line.strip() + "\n").readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None
    skip = {tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.INDENT, tokenize.DEDENT}
    offset = len(line) - len(line.lstrip())
    return [
        tokenize.TokenInfo(t.type, t.string, (1, t.start[1] + offset), (1, t.end[1] + offset), line)
        for t in raw
        if t.type not in skip
    ]


def _statements(code: str, tokens: list[tokenize.TokenInfo]) -> list[str]:
    """``a; b`` as ``a`` and ``b`` (not when the line is a compound statement, ``for ...: a; b``)."""
    if tokens and tokens[0].string in _COMPOUND:
        return [code.strip()]
    cuts = [t.start[1] for t in tokens if t.string == ";" and _depth_before(tokens, t) == 0]
    pieces, start = [], 0
    for cut in cuts:
        pieces.append(code[start:cut].strip())
        start = cut + 1
    pieces.append(code[start:].strip())
    return [p for p in pieces if p]


def _depth_before(tokens: list[tokenize.TokenInfo], stop: tokenize.TokenInfo) -> int:
    depth = 0
    for t in tokens:
        if t is stop:
            break
        depth += (t.string in _OPEN) - (t.string in _CLOSE) if t.type == tokenize.OP else 0
    return depth


_TIGHT = {"*", "/", "//", "%", "@"}  # binds closer than + and -: break before these last


def _breaks(statement: str) -> list[tuple[int, int, int]]:
    """(offset, depth, kind): where a new line may start in ``statement``, the bracket depth there,
    and how good a place it is (0: after a comma or an assignment's =; 1: after an opening bracket
    or before + and -; 2: before * / @ %)."""
    tokens = _tokens(statement) or []
    out: list[tuple[int, int, int]] = []
    depth = 0
    previous: tokenize.TokenInfo | None = None
    for k, t in enumerate(tokens):
        if t.type == tokenize.OP:
            operand_before = previous is not None and (
                (previous.type in _OPERAND_END and not keyword.iskeyword(previous.string)) or previous.string in _CLOSE
            )
            if t.string in _BINARY and operand_before and k > 0:
                out.append((t.start[1], depth, 2 if t.string in _TIGHT else 1))  # before a binary operator
            if t.string in _OPEN:
                depth += 1
                if k + 1 < len(tokens) and tokens[k + 1].string not in _CLOSE:
                    out.append((t.end[1], depth, 1))  # after an opening bracket
            elif t.string in _CLOSE:
                depth -= 1
            elif t.string == "," and k + 1 < len(tokens):
                out.append((t.end[1], depth, 0))  # after a comma
            elif t.string == "=" and depth == 0 and k + 1 < len(tokens):
                out.append((t.end[1], depth, 0))  # after an assignment's =
            elif t.string == "." and previous is not None and previous.string in _CLOSE:
                out.append((t.start[1], depth, 1))  # before a method called on a call's result
        previous = t
    return out


def _wrap_statement(statement: str, indent: str, width: int) -> list[str]:
    """One statement (no comment) as lines: each as full as it can be while breaking at a good place
    (the shallowest, best kind of break in the line's second half; the last that fits otherwise)."""
    breaks = _breaks(statement)
    lines: list[str] = []
    start = 0
    prefix = indent
    while True:
        rest = statement[start:]
        later = [b for b in breaks if b[0] > start]
        if len(prefix) + len(rest.strip()) <= width or not later:
            lines.append(prefix + rest.strip())
            return lines

        size = {b: len(prefix) + len(statement[start : b[0]].strip()) + (2 if b[1] == 0 else 0) for b in later}
        fitting = [b for b in later if size[b] <= width]
        if fitting:
            half = [b for b in fitting if size[b] >= (width + len(prefix)) // 2] or fitting
            offset, depth, _ = min(half, key=lambda b: (b[1], b[2], -b[0]))
        else:
            offset, depth, _ = later[0]
        lines.append(prefix + statement[start:offset].strip() + (" \\" if depth == 0 else ""))
        start = offset
        prefix = indent + CONTINUATION


def _place_comment(code: list[str], comment: str, indent: str, width: int) -> list[str]:
    """The comment after the last code line when it fits there, else on lines of its own below it."""
    if code and len(code[-1]) + 2 + len(comment) <= width and not code[-1].endswith("\\"):
        return [*code[:-1], code[-1] + "  " + comment]
    body = comment[1:].strip()
    room = max(10, width - len(indent) - 4)
    pieces: list[str] = []
    for item in body.split("; "):  # `a.grad = [..]; b.grad = [..]`: one item to a line when they do not fit
        joined = f"{pieces[-1]}; {item}" if pieces else item
        if pieces and len(joined) <= room:
            pieces[-1] = joined
        else:
            pieces += textwrap.wrap(item, room, break_long_words=False, break_on_hyphens=False) or [""]
    return [*code, f"{indent}# {pieces[0]}", *(f"{indent}#   {p}" for p in pieces[1:])]
