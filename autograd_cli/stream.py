"""Many points (or cotangents) from a stream: stdin lines, CSV/TSV files, JSON Lines.

Lines are read in blocks as they arrive (``os.read`` returns what is there), so a slow
producer gets each answer as soon as its line is complete, and a fast one gets large
vectorised blocks; memory stays bounded by the block size. The inputs' shapes come from
the first point (a tensor point such as ``x=[0,2,8]``, a JSON object, or a CSV header
naming ``x[0],x[1],...``); every later point must have the same shapes. Imports no torch.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from collections.abc import Iterator
from typing import IO, NamedTuple

from .errors import InputError, VjpError
from .parsing import Function
from .points import PointSpec, Value, parse_point, parse_vector
from .problem import Problem, assign, check_cotangent, make_problem
from .shapes import Shape, fmt, numel

READ_BYTES = 1 << 16
MAX_LINE = 10_000_000

_SPLIT = re.compile(r"[,\s]+")
_PLAIN_NUMBERS = re.compile(r"[-+0-9.eE][-+0-9.eE,\s]*")
_LABEL = re.compile(r"([A-Za-z][A-Za-z0-9_]*)(?:\[([0-9, ]+)\])?")


class Item(NamedTuple):
    """One line's parsed values (flat), or the error that line gave."""

    line: int
    values: tuple[float, ...] | None
    error: str | None = None


# ---- reading lines as they arrive ----------------------------------------------------


def lines_from_fd(fd: int, block: int = 4096) -> Iterator[list[tuple[int, str]]]:
    """Blocks of (line number, text) as they arrive on a file descriptor, at most ``block`` each."""
    pending = b""
    number = 0
    first = True
    while True:
        data = os.read(fd, READ_BYTES)
        if not data:
            break
        if first and data.startswith(b"\xef\xbb\xbf"):  # a byte-order mark, as spreadsheets write
            data = data[3:]
        first = False
        pending += data
        cut = pending.rfind(b"\n")
        if cut < 0:
            if len(pending) > MAX_LINE:
                raise InputError(f"line {number + 1} is longer than {MAX_LINE:,} bytes")
            continue
        complete = pending[:cut].decode("utf-8", errors="replace").split("\n")
        pending = pending[cut + 1 :]
        for start in range(0, len(complete), block):
            part = complete[start : start + block]
            yield list(zip(range(number + 1, number + 1 + len(part)), part))
            number += len(part)
    if pending.strip():
        yield [(number + 1, pending.decode("utf-8", errors="replace"))]


def lines_from_text(stream: IO[str], block: int = 4096) -> Iterator[list[tuple[int, str]]]:
    """The same for a text stream without a file descriptor (tests, StringIO)."""
    out: list[tuple[int, str]] = []
    for number, line in enumerate(stream, start=1):
        out.append((number, line.rstrip("\r\n").lstrip("\ufeff") if number == 1 else line.rstrip("\r\n")))
        if len(out) >= block:
            yield out
            out = []
    if out:
        yield out


def open_lines(stream: IO[str], block: int = 4096) -> Iterator[list[tuple[int, str]]]:
    """Blocks of lines from stdin or an opened file: by file descriptor when there is one."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation, ValueError):
        return lines_from_text(stream, block)
    return lines_from_fd(fd, block)


def read_all(stream: IO[str], what: str, limit: int = 2_000_000) -> str:
    """The whole of a small stream (an expression file or EXPR '-'), bounded."""
    text = stream.read(limit + 1)
    if len(text) > limit:
        raise InputError(f"{what} is longer than {limit:,} characters")
    return text


def _strip(text: str) -> str:
    if "#" in text:
        text = text[: text.index("#")]
    return text.strip()


# ---- points ----------------------------------------------------------------------------


def _nested_shape(value: object) -> Shape:
    shape: list[int] = []
    while isinstance(value, list):
        shape.append(len(value))
        value = value[0] if value else None
    return tuple(shape)


def _flat_numbers(value: object) -> tuple[float, ...]:
    out: list[float] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            if not math.isfinite(item):
                raise InputError("values must be finite numbers")
            out.append(float(item))
        else:
            raise InputError(f"{json.dumps(item)} is not a number")
    return tuple(out)


def _finite(token: str) -> float:
    try:
        v = float(token)
    except ValueError:
        raise InputError(f"{token!r} is not a number") from None
    if not math.isfinite(v):
        raise InputError(f"{token} is not a finite number")
    return v


class PointLines:
    """Turns point lines into flat points for one function.

    Accepted per line: ``2,3`` or ``2 3`` (values in input order, tensors flattened),
    ``x0=2,x1=3`` and ``x=[0,2,8]`` (as --at), ``{"x0": 2, "x1": 3}`` or vjp's own JSON
    output (its ``point`` and ``shapes``), and CSV/TSV rows under a header naming the
    variables or vjp's column labels (``x[0]``, ``x[1,0]``). ``#`` starts a comment.
    """

    def __init__(self, function: Function, dtype: str) -> None:
        self.function = function
        self.dtype = dtype
        self.problem: Problem | None = None
        self.header: list[int | None] | None = None  # per column: the input element it holds
        self.delimiter = ","
        self.n = 0

    # the first point fixes the problem (its inputs' shapes)
    def _start(self, body: str) -> bool:
        """Set up the problem from the first line; True if the line was a header."""
        if body[0] == "{":
            obj = self._json_object(body)
            shape_info = obj.get("shapes")
            shapes = shape_info.get("inputs") if isinstance(shape_info, dict) else None
            if "point" in obj and isinstance(shapes, dict):
                named = {}
                flat = _flat_numbers(obj["point"])
                k = 0
                for name in self.function.names:
                    shape = tuple(shapes.get(name, ()))
                    named[name] = Value(shape, flat[k : k + numel(shape)])
                    k += numel(shape)
                spec = PointSpec((), named)
            elif "point" in obj:
                spec = None
            else:
                spec = PointSpec(
                    (),
                    {n: Value(_nested_shape(v), _flat_numbers(v)) for n, v in obj.items() if n in self.function.names},
                )
            self._set(make_problem(self.function, spec, self.dtype))
            return False
        if not _PLAIN_NUMBERS.fullmatch(body) and self._header(body):
            return True
        if _PLAIN_NUMBERS.fullmatch(body):
            self._set(make_problem(self.function, None, self.dtype))
        else:
            self._set(make_problem(self.function, parse_point(body, "line"), self.dtype))
        return False

    def _set(self, problem: Problem) -> None:
        self.problem = problem
        self.n = problem.n

    def _header(self, body: str) -> bool:
        """A CSV/TSV header: cells naming inputs (``x0``, ``x``, ``x[1,0]``) are read, others ignored.

        So vjp's own CSV output, whose first columns are the point, reads back as points.
        """
        delimiter = "\t" if "\t" in body else ","
        cells = [c.strip() for c in next(csv.reader([body], delimiter=delimiter))]
        matches = [_LABEL.fullmatch(c) for c in cells]
        used = [m for m in matches if m is not None and m.group(1) in self.function.names]
        if not used:
            return False
        # shapes from the labels: x[2] means x has at least 3 elements along that axis
        shapes: dict[str, list[int]] = {}
        for match in used:
            name, index = match.group(1), match.group(2)
            idx = [int(i) for i in index.split(",")] if index else []
            current = shapes.setdefault(name, [0] * len(idx))
            if len(current) != len(idx):
                raise InputError(f"the header indexes {name} with different numbers of indices")
            shapes[name] = [max(c, i + 1) for c, i in zip(current, idx)]
        named = {n: Value(tuple(s), (0.0,) * numel(tuple(s))) for n, s in shapes.items()}
        missing = [n for n in self.function.names if n not in named]
        if missing:
            raise InputError(f"the header has no column for {', '.join(missing)}")
        self._set(make_problem(self.function, PointSpec((), named), self.dtype))
        assert self.problem is not None
        position = {label: k for k, label in enumerate(self.problem.columns)}
        self.header = []
        for cell, m in zip(cells, matches):
            target = position.get(cell) if m is not None and m.group(1) in self.function.names else None
            if m is not None and m.group(1) in self.function.names and target is None:
                raise InputError(f"the header column {cell!r} is not an element of {m.group(1)}")
            self.header.append(target)
        targets = [t for t in self.header if t is not None]
        if sorted(targets) != list(range(self.problem.n)):
            raise InputError("the header must name every input element once")
        self.delimiter = delimiter
        return True

    def parse(self, number: int, text: str) -> Item | None:
        """The line's point, an error, or None for a blank, comment or header line."""
        if self.header is None and self.problem is not None and "#" not in text:
            # the common case, first: plain numbers in input order
            try:
                values = tuple(map(float, _SPLIT.split(text.strip())))
                if len(values) == self.n and all(map(math.isfinite, values)):
                    return Item(number, values)
            except ValueError:
                pass
        body = _strip(text)
        if not body:
            return None
        try:
            if self.problem is None and self._start(body):
                return None
            return Item(number, self._values(body))
        except VjpError as e:
            return Item(number, None, f"line {number}: {e}")

    def _values(self, body: str) -> tuple[float, ...]:
        problem = self.problem
        assert problem is not None
        if self.header is not None:
            cells = next(csv.reader([body], delimiter=self.delimiter))
            if len(cells) != len(self.header):
                raise InputError(f"{len(cells)} cells under a header of {len(self.header)} columns")
            out = [0.0] * problem.n
            for k, cell in zip(self.header, cells):
                if k is not None:
                    out[k] = _finite(cell.strip())
            return tuple(out)
        if body[0] == "{":
            return self._json_values(self._json_object(body))
        if _PLAIN_NUMBERS.fullmatch(body):
            tokens = [t for t in _SPLIT.split(body) if t]
            try:
                values = tuple(map(float, tokens))
            except ValueError:
                values = tuple(_finite(t) for t in tokens)
            if not all(map(math.isfinite, values)):
                values = tuple(_finite(t) for t in tokens)
            if len(values) != self.n:
                raise InputError(
                    f"{len(values)} value{'s' if len(values) != 1 else ''} for {problem.n} input"
                    f"{'s' if problem.n != 1 else ''} ({', '.join(problem.columns[:8])}"
                    f"{', ...' if problem.n > 8 else ''})"
                )
            return values
        spec = parse_point(body, "the point")
        inputs, flat = assign(problem.function, spec)
        for got, want in zip(inputs, problem.inputs):
            if got.shape != want.shape:
                raise InputError(f"{got.name} has shape {fmt(got.shape)} here but {fmt(want.shape)} in the first point")
        assert flat is not None
        return flat

    @staticmethod
    def _json_object(body: str) -> dict[str, object]:
        try:
            obj = json.loads(body)
        except json.JSONDecodeError as e:
            raise InputError(f"not valid JSON ({e.msg})") from None
        if not isinstance(obj, dict):
            raise InputError("a JSON line must be an object")
        return obj

    def _json_values(self, obj: dict[str, object]) -> tuple[float, ...]:
        problem = self.problem
        assert problem is not None
        if "point" in obj:  # vjp's own JSON output: the flat point in input order
            flat = _flat_numbers(obj["point"])
            if len(flat) != problem.n:
                raise InputError(f"'point' has {len(flat)} values for {problem.n} inputs")
            return flat
        out: list[float] = []
        for inp in problem.inputs:
            if inp.name not in obj:
                raise InputError(f"no value for {inp.name}")
            value = obj[inp.name]
            if _nested_shape(value) != inp.shape:
                raise InputError(
                    f"{inp.name} has shape {fmt(_nested_shape(value))} here but {fmt(inp.shape)} in the first point"
                )
            out.extend(_flat_numbers(value))
        return tuple(out)


class VectorLines:
    """Cotangent lines for ``product``: flat numbers, a nested list, or ``{"v": [...]}``."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem

    def parse(self, number: int, text: str) -> Item | None:
        body = _strip(text)
        if not body:
            return None
        try:
            if body[0] == "{":
                obj = PointLines._json_object(body)
                if "v" not in obj:
                    raise InputError('a JSON line for v needs a "v" key')
                flat = _flat_numbers(obj["v"])
                value = Value(_nested_shape(obj["v"]) or (len(flat),), flat)
            elif _PLAIN_NUMBERS.fullmatch(body):
                tokens = [t for t in _SPLIT.split(body) if t]
                value = Value((len(tokens),), tuple(_finite(t) for t in tokens))
            elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_\[\], \t]*", body) and number == 1:
                return None  # a header line such as 'v y0,v y1'
            else:
                value = parse_vector(body, "v")
            return Item(number, check_cotangent(self.problem, value, "v"))
        except VjpError as e:
            return Item(number, None, f"line {number}: {e}")
