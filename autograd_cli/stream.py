"""Many points (or cotangents) from a stream: stdin lines, CSV/TSV files, JSON Lines.

Bytes are read as they arrive (``os.read`` returns what is there), so a slow producer gets
each answer as soon as its line is complete and a fast one gets large blocks; memory stays
bounded by the block size. A block of plain numeric lines (``2,3``, ``2\\t3``, ``2 3``, under
a CSV header or not) is parsed in bulk; anything else line by line. The inputs' shapes come
from the first point (a tensor point such as ``x=[0,2,8]``, a JSON object, or a CSV header
naming ``x[0],x[1],...``); every later point must have the same shapes.

Whatever a line holds, it gives a point or a ``Bad`` naming its line: an over-long line,
bytes that are not UTF-8, a CR inside a field, JSON nested 100,000 deep or a 400-digit
number never end the stream. Only a stream that is not text at all (UTF-16, NUL bytes) or
cannot be read is an error for the whole stream. Imports no torch.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any, NamedTuple

from .errors import InputError, VjpError
from .parsing import Function
from .points import DECIMAL, MAX_DEPTH, PointSpec, Value, floats, parse_point, parse_vector, shorten
from .problem import Problem, assign, check_cotangent, make_problem
from .shapes import MAX_ELEMENTS, Shape, fmt, numel

READ_BYTES = 1 << 20
MAX_LINE = 10_000_000

_SPLIT = re.compile(r"[,\s]+")
_PLAIN_NUMBERS = re.compile(r"[-+0-9.eE][-+0-9.eE,\s]*")
_LABEL = re.compile(r"([A-Za-z][A-Za-z0-9_]*)(?:\[([0-9, ]+)\])?")
_VECTOR_HEADER = re.compile(r"[A-Za-z_][A-Za-z0-9_\[\], \t]*")
_NUMBER_BYTES = b"0123456789.eE+-"


class Bad(NamedTuple):
    """A line that gave no point: its number and the sentence that says why."""

    line: int
    message: str


class Lines(NamedTuple):
    """Whole lines as read: ``size`` lines numbered from ``first``, each ending in a newline
    (the last line of a stream may lack it)."""

    first: int
    data: bytes
    size: int


class Points(NamedTuple):
    """Good points in line order: their line numbers and their values, ``width`` per point."""

    lines: range | list[int]
    values: array[float]
    width: int

    def __len__(self) -> int:
        return len(self.lines)


Piece = Points | Bad


# ---- reading lines as they arrive ----------------------------------------------------


def _chunks(stream: Any, what: str) -> Iterator[bytes]:
    """The stream's bytes as they arrive: by file descriptor when it has one."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation, ValueError):
        fd = None
    try:
        if fd is not None:
            while data := os.read(fd, READ_BYTES):
                yield data
            return
        raw = getattr(stream, "buffer", None)
        if raw is not None:  # a binary buffer without a descriptor (tests' BytesIO)
            read = getattr(raw, "read1", raw.read)
            while data := read(READ_BYTES):
                yield data
            return
        while text := stream.read(READ_BYTES // 4):  # a text stream (StringIO)
            yield text.encode("utf-8", "surrogateescape")
    except OSError as e:
        raise InputError(f"cannot read {what}: {e.strerror or e}") from None


_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def _not_text(data: bytes, what: str) -> str | None:
    """Why the stream, judged from its first bytes, is not UTF-8 text at all (else None)."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return (
                f"{what} is {name} (it starts with a {name} byte-order mark), not UTF-8; save it as UTF-8, "
                f"e.g. iconv -f {name} -t UTF-8"
            )
    sample = data[:4096]
    if sample.count(0) * 4 >= len(sample) > 0:
        if not sample.strip(b"\x00"):
            return f"{what} is not text: its first {len(sample):,} bytes are all NUL; vjp reads UTF-8 text"
        return (
            f"{what} is not UTF-8 text: {sample.count(0):,} of its first {len(sample):,} bytes are NUL "
            "(UTF-16 without a byte-order mark?); save it as UTF-8, e.g. iconv -f UTF-16 -t UTF-8"
        )
    return None


def read_lines(stream: Any, what: str = "the input") -> Iterator[Lines | Bad]:
    """Blocks of whole lines as they arrive; an over-long line is a ``Bad`` and is skipped.

    A stream that is not text (UTF-16, NUL bytes) raises ``InputError``: no line of it
    could be read. A UTF-8 byte-order mark at the start is dropped.
    """
    pending = bytearray()
    number = 0  # lines finished so far
    skipping = False  # inside an over-long line: drop its bytes up to its end
    first = True
    for data in _chunks(stream, what):
        if first:
            if len(data) < 4 and not data.endswith(b"\n"):  # judge on a few bytes more
                pending += data
                continue
            first = False
            data = bytes(pending) + data
            pending.clear()
            why = _not_text(data, what)
            if why:
                raise InputError(why)
            if data.startswith(b"\xef\xbb\xbf"):  # a byte-order mark, as spreadsheets write
                data = data[3:]
        if skipping:
            cut = data.find(b"\n")
            if cut < 0:
                continue
            data = data[cut + 1 :]
            skipping = False
            number += 1
        pending += data
        cut = pending.rfind(b"\n")
        if cut >= 0:
            block = bytes(pending[: cut + 1])
            del pending[: cut + 1]
            count = block.count(b"\n")
            yield Lines(number + 1, block, count)
            number += count
        if len(pending) > MAX_LINE:
            yield Bad(number + 1, f"line {number + 1}: longer than {MAX_LINE:,} bytes")
            pending.clear()
            skipping = True
    if first and pending:
        why = _not_text(bytes(pending), what)
        if why:
            raise InputError(why)
        if pending.startswith(b"\xef\xbb\xbf"):
            del pending[:3]
    if pending and not skipping:
        yield Lines(number + 1, bytes(pending), 1)


def _split(lines: Lines) -> list[bytes]:
    """The block's lines without their line ends."""
    parts = lines.data.split(b"\n")
    if lines.data.endswith(b"\n"):
        parts.pop()
    return parts


def _decode(raw: bytes, number: int) -> str | Bad:
    """One line as text (its CR LF or LF line end removed), or why it is not UTF-8 text."""
    if raw.endswith(b"\r"):
        raw = raw[:-1]
    if len(raw) > MAX_LINE:
        return Bad(number, f"line {number}: longer than {MAX_LINE:,} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        byte = raw[e.start]
        return Bad(
            number,
            f"line {number}: not UTF-8 text (byte 0x{byte:02X} at column {e.start + 1}); "
            "save the file as UTF-8 (from Latin-1: iconv -f LATIN1 -t UTF-8)",
        )
    if "\x00" in text:
        return Bad(number, f"line {number}: a NUL character, so not a line of text")
    return text


def read_all(stream: IO[str], what: str, limit: int = 2_000_000) -> str:
    """The whole of a small stream (an expression file or EXPR '-'), bounded."""
    from . import channels

    if channels.is_closed(stream):
        raise InputError(f"{what}: stdin is closed (<&-); give it the text, or use --expr-file FILE")
    try:
        text = stream.read(limit + 1)
    except UnicodeDecodeError as e:
        raise InputError(f"{what} is not UTF-8 text (byte 0x{e.object[e.start]:02X}); save it as UTF-8") from None
    except OSError as e:
        raise InputError(f"cannot read {what}: {e.strerror or e}") from None
    if len(text) > limit:
        raise InputError(f"{what} is longer than {limit:,} characters")
    if "\x00" in text:
        raise InputError(f"{what} holds NUL characters: it is not text (UTF-16? convert it: iconv -f UTF-16 -t UTF-8)")
    return text


def _strip(text: str) -> str:
    if "#" in text:
        text = text[: text.index("#")]
    return text.strip()


# ---- numbers in bulk -------------------------------------------------------------------


def bulk_numbers(data: bytes, width: int, sep: bytes | None = None) -> array[float] | None:
    """Every line of ``data`` as ``width`` decimal numbers, or None if any line is not that.

    One pass of C-level byte operations checks that each line is exactly ``width``
    numbers separated by one ``sep`` (``,``, a tab or a space), so a block of machine
    written CSV/TSV never goes through Python line by line. Lines with anything else
    (a comment, a blank line, ``nan``, ``1_000``, a quote) return None: the caller then
    reads them one at a time and names the bad ones.
    """
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")
    if not data.endswith(b"\n"):
        data += b"\n"
    count = data.count(b"\n")
    rest = data.translate(None, _NUMBER_BYTES)  # the separators and line ends, nothing else
    if width == 1:
        if rest != b"\n" * count:
            return None
        tokens = data.split(b"\n")
    else:
        if sep is None:
            sep = rest[:1]
        if sep not in (b",", b"\t", b" ") or rest != (sep * (width - 1) + b"\n") * count:
            return None
        tokens = data.replace(b"\n", sep).split(sep)
    tokens.pop()  # after the last line end
    return floats(tokens)


def _decimal(token: str) -> float:
    """A finite decimal number, as --at accepts them: no '_', no nan or inf, ASCII digits only."""
    if not DECIMAL.fullmatch(token):
        raise InputError(f"{shorten(token, 40)!r} is not a number")
    value = float(token)
    if not math.isfinite(value):
        raise InputError(f"{shorten(token, 40)} is not a finite number")
    return value


def _plain(body: str) -> list[float] | None:
    """Numbers separated by commas or blanks (``2,3``, ``2 3``), or None if the line is something else."""
    if not _PLAIN_NUMBERS.fullmatch(body):
        return None
    return [_decimal(t) for t in _SPLIT.split(body) if t]


# ---- JSON ----------------------------------------------------------------------------------


def _no_constant(name: str) -> float:
    raise InputError(f"{name} is not a finite number")


# ints as floats: a 400-digit integer becomes inf (refused as not finite), never a bigint
_JSON = json.JSONDecoder(parse_int=float, parse_constant=_no_constant)


def json_object(body: str) -> dict[str, Any]:
    """One JSON object, whatever the line holds: bad JSON, deep nesting and huge numbers are InputErrors."""
    try:
        obj = _JSON.decode(body)
    except json.JSONDecodeError as e:
        raise InputError(f"not valid JSON ({e.msg} at column {e.colno})") from None
    except RecursionError:
        raise InputError(f"the JSON is nested too deeply (vjp reads lists up to {MAX_DEPTH} deep)") from None
    except ValueError as e:  # a number Python will not convert
        raise InputError(f"a number in the JSON cannot be read ({shorten(str(e), 80)})") from None
    if not isinstance(obj, dict):
        raise InputError('a JSON line must be an object, e.g. {"x0": 2, "x1": 3}')
    return obj


def _json_number(value: object, what: str) -> float:
    if type(value) is not float:  # ints arrive as floats (parse_int=float); bool, str, None do not
        shown = shorten(json.dumps(value), 40) if not isinstance(value, (list, dict)) else type(value).__name__
        raise InputError(f"{what}: {shown} is not a number")
    if not math.isfinite(value):
        raise InputError(f"{what}: a value is not a finite number (too large for float64?)")
    return value


def json_tensor(value: object, what: str) -> tuple[Shape, list[float]]:
    """A JSON number or nested list as (shape, flat values); ragged or mixed lists are refused."""
    if not isinstance(value, list):
        return (), [_json_number(value, what)]
    shape: list[int] = []
    level: list[Any] = [value]
    while isinstance(level[0], list):
        size = len(level[0])
        if size == 0:
            raise InputError(f"{what}: an empty list")
        following: list[Any] = []
        for item in level:
            if not isinstance(item, list) or len(item) != size:
                raise InputError(f"{what}: the list is ragged: its rows have different lengths or depths")
            following.extend(item)
        shape.append(size)
        if len(shape) > MAX_DEPTH:
            raise InputError(f"{what}: lists nested more than {MAX_DEPTH} deep")
        if len(following) > MAX_ELEMENTS:
            raise InputError(f"{what}: more than {MAX_ELEMENTS:,} elements")
        level = following
    flat = []
    for item in level:
        if isinstance(item, list):
            raise InputError(f"{what}: the list is ragged: its rows have different lengths or depths")
        flat.append(_json_number(item, what))
    return tuple(shape), flat


def _json_shapes(obj: dict[str, Any], names: tuple[str, ...]) -> dict[str, Shape]:
    """The input shapes of vjp's own JSON output (its ``shapes``), checked."""
    shapes = obj.get("shapes")
    inputs = shapes.get("inputs") if isinstance(shapes, dict) else None
    if not isinstance(inputs, dict):
        raise InputError('"shapes" must be an object with "inputs": {name: [sizes]}, as vjp writes it')
    out: dict[str, Shape] = {}
    for name in names:
        shape = inputs.get(name)
        if not (
            isinstance(shape, list)
            and len(shape) <= MAX_DEPTH
            and all(type(s) is float and s.is_integer() and 0 <= s <= MAX_ELEMENTS for s in shape)
        ):
            got = "nothing" if shape is None else shorten(json.dumps(shape), 40)
            raise InputError(f'"shapes" gives {got} for {name}; a shape is a list of sizes such as [3] or []')
        out[name] = tuple(int(s) for s in shape)
        if numel(out[name]) > MAX_ELEMENTS:
            raise InputError(f'"shapes" gives {name} more than {MAX_ELEMENTS:,} elements')
    return out


def _json_point(obj: dict[str, Any], width: int | None) -> list[float]:
    """The flat ``point`` of vjp's own JSON output."""
    shape, flat = json_tensor(obj["point"], '"point"')
    if len(shape) > 1:
        raise InputError('"point" must be a flat list of numbers, as vjp writes it')
    if width is not None and len(flat) != width:
        raise InputError(f'"point" has {len(flat)} values for {width} inputs')
    return flat


# ---- points -------------------------------------------------------------------------------


class PointLines:
    """Turns point lines into flat points for one function.

    Accepted per line: ``2,3`` or ``2 3`` (values in input order, tensors flattened),
    ``x0=2,x1=3`` and ``x=[0,2,8]`` (as --at), ``{"x0": 2, "x1": 3}`` or vjp's own JSON
    output (its ``point`` and ``shapes``), and CSV/TSV rows under a header naming the
    variables or vjp's column labels (``x[0]``, ``x[1,0]``). ``#`` starts a comment.
    """

    def __init__(self, function: Function, dtype: str, wrt: tuple[str, ...] | None = None) -> None:
        self.function = function
        self.dtype = dtype
        self.problem: Problem | None = None
        self.header: list[int | None] | None = None  # per column: the input element it holds
        self.delimiter = ","
        self.n = 0
        self.wrt = wrt  # --wrt: which inputs are differentiated (every point still gives every input)
        self._order: list[tuple[int, int]] = []  # (target, column) pairs under a header

    # -- a block of lines -> good points and bad lines, in order -------------------------------
    def block(self, lines: Lines) -> list[Piece]:
        """The block's points (in bulk where the lines are plain) and bad lines, in line order."""
        if self.problem is not None:
            return _known(self, lines)
        out: list[Piece] = []
        raws = _split(lines)
        for k, raw in enumerate(raws):
            number = lines.first + k
            item = self.line(number, raw)
            if isinstance(item, Bad):
                out.append(item)
            elif item is not None:
                out.append(Points([number], array("d", item), self.n))
            if self.problem is not None:  # set by this line: the rest of the block may go in bulk
                rest = raws[k + 1 :]
                if rest:
                    out = _joined(out, _known(self, Lines(number + 1, b"\n".join(rest) + b"\n", len(rest))))
                break
        return out

    @property
    def width(self) -> int:
        return self.n

    def bulk(self, data: bytes, count: int) -> array[float] | None:
        if self.header is None:
            return bulk_numbers(data, self.n)
        table = bulk_numbers(data, len(self.header), self.delimiter.encode())
        if table is None:
            return None
        width = len(self.header)
        if width == self.n and self._order == [(k, k) for k in range(self.n)]:
            return table
        out = array("d", bytes(8 * self.n * count))
        for target, column in self._order:
            out[target :: self.n] = table[column::width]
        return out

    # -- one line ----------------------------------------------------------------------------------
    def line(self, number: int, raw: bytes) -> list[float] | Bad | None:
        """One line's values, a Bad, or None for a blank, comment or header line."""
        text = _decode(raw, number)
        if isinstance(text, Bad):
            return text
        body = _strip(text)
        if not body:
            return None
        try:
            if self.problem is None:
                return self._start(body)
            return self._values(body)
        except VjpError as e:
            return Bad(number, f"line {number}: {e}")
        except (RecursionError, MemoryError):
            return Bad(number, f"line {number}: too large or too deeply nested to read")

    def _start(self, body: str) -> list[float] | None:
        """Set up the problem from the first point; None if the line was a header."""
        if body[0] == "{":
            obj = json_object(body)
            if "point" in obj:  # vjp's own JSON output
                flat = _json_point(obj, None)
                if "shapes" in obj:
                    shapes = _json_shapes(obj, self.function.names)
                    if sum(numel(s) for s in shapes.values()) != len(flat):
                        raise InputError(f'"point" has {len(flat)} values but "shapes" gives a different number')
                    named, k = {}, 0
                    for name in self.function.names:
                        size = numel(shapes[name])
                        named[name] = Value(shapes[name], tuple(flat[k : k + size]))
                        k += size
                    self._set(self._problem(PointSpec((), named)))
                else:
                    self._set(self._problem(None))
                    if len(flat) != self.n:
                        raise InputError(f'"point" has {len(flat)} values for {self.n} inputs')
                return flat
            named = {}
            for name in self.function.names:
                if name in obj:
                    shape, flat = json_tensor(obj[name], name)
                    named[name] = Value(shape, tuple(flat))
            self._set(self._problem(PointSpec((), named)))
            return self._json_values(obj)
        plain = _PLAIN_NUMBERS.fullmatch(body) is not None
        if not plain and "=" not in body and self._header(body):  # no label has '=': x=[...] is a point
            return None
        if plain:
            values = _plain(body)
            assert values is not None
            problem = self._problem(None)
            if len(values) != self._width(problem):
                raise InputError(_count_message(len(values), problem))
            self._set(problem)
            return values
        spec = parse_point(body, "the point")
        problem = self._problem(spec)
        self._set(problem)
        assert problem.point is not None
        return list(problem.point)

    def _problem(self, spec: PointSpec | None) -> Problem:
        """The function's problem for the shapes of the first point (every problem is made here)."""
        return make_problem(self.function, spec, self.dtype, self.wrt)

    @staticmethod
    def _width(problem: Problem) -> int:
        return problem.n_all  # every input's values come on each line, constants too

    @staticmethod
    def _labels(problem: Problem) -> Sequence[str]:
        """The point's column labels, in the order of a line's values."""
        return problem.all_columns

    def _set(self, problem: Problem) -> None:
        self.problem = problem
        self.n = self._width(problem)  # the values each line gives

    def _header(self, body: str) -> bool:
        """A CSV/TSV header: cells naming inputs (``x0``, ``x``, ``x[1,0]``) are read, others ignored.

        So vjp's own CSV output, whose first columns are the point, reads back as points.
        """
        delimiter = "\t" if "\t" in body else ","
        cells = [c.strip() for c in _cells(body, delimiter)]
        matches = [_LABEL.fullmatch(c) for c in cells]
        used = [m for m in matches if m is not None and m.group(1) in self.function.names]
        if not used:
            return False
        # shapes from the labels: x[2] means x has at least 3 elements along that axis
        shapes: dict[str, list[int]] = {}
        for match in used:
            name, index = match.group(1), match.group(2)
            parts = [i.strip() for i in index.split(",")] if index else []
            if len(parts) > MAX_DEPTH or not all(i.isdigit() and len(i) < 9 for i in parts):
                raise InputError(f"the header column {shorten(match.group(0), 40)!r} is not an element label")
            idx = [int(i) for i in parts]
            current = shapes.setdefault(name, [0] * len(idx))
            if len(current) != len(idx):
                raise InputError(f"the header indexes {name} with different numbers of indices")
            shapes[name] = [max(c, i + 1) for c, i in zip(current, idx)]
        if any(numel(tuple(s)) > len(cells) for s in shapes.values()):
            raise InputError("the header must name every input element once")
        named = {n: Value(tuple(s), (0.0,) * numel(tuple(s))) for n, s in shapes.items()}
        missing = [n for n in self.function.names if n not in named]
        if missing:
            raise InputError(f"the header has no column for {', '.join(missing)}")
        problem = self._problem(PointSpec((), named))
        position = {label: k for k, label in enumerate(self._labels(problem))}
        header: list[int | None] = []
        for cell, m in zip(cells, matches):
            named_input = m is not None and m.group(1) in self.function.names
            target = position.get(cell) if named_input else None
            if named_input and target is None:
                raise InputError(f"the header column {shorten(cell, 40)!r} is not an element of {m.group(1)}")  # type: ignore[union-attr]
            header.append(target)
        targets = [t for t in header if t is not None]
        if sorted(targets) != list(range(self._width(problem))):
            raise InputError("the header must name every input element once")
        self._set(problem)
        self.header = header
        self.delimiter = delimiter
        self._order = sorted((t, k) for k, t in enumerate(header) if t is not None)
        return True

    def _values(self, body: str) -> list[float]:
        problem = self.problem
        assert problem is not None
        if self.header is not None:
            cells = _cells(body, self.delimiter)
            if len(cells) != len(self.header):
                raise InputError(f"{len(cells)} cells under a header of {len(self.header)} columns")
            out = [0.0] * self.n
            for target, column in self._order:
                out[target] = _decimal(cells[column].strip())
            return out
        if body[0] == "{":
            return self._json_values(json_object(body))
        plain = _plain(body)
        if plain is not None:
            if len(plain) != self.n:
                raise InputError(_count_message(len(plain), problem))
            return plain
        spec = parse_point(body, "the point")
        inputs, flat = assign(problem.function, spec)
        for got, want in zip(inputs, problem.inputs):
            if got.shape != want.shape:
                raise InputError(f"{got.name} has shape {fmt(got.shape)} here but {fmt(want.shape)} in the first point")
        assert flat is not None
        return list(flat)

    def _json_values(self, obj: dict[str, Any]) -> list[float]:
        problem = self.problem
        assert problem is not None
        if "point" in obj:  # vjp's own JSON output: the flat point in input order
            if "shapes" in obj:
                shapes = _json_shapes(obj, self.function.names)
                for inp in problem.inputs:
                    if shapes[inp.name] != inp.shape:
                        raise InputError(
                            f"{inp.name} has shape {fmt(shapes[inp.name])} here but {fmt(inp.shape)} in the first point"
                        )
            return _json_point(obj, self.n)
        if all(not i.shape for i in problem.inputs):  # scalars only: the common case, checked in one pass
            try:
                values = [obj[name] for name in problem.names]
            except KeyError:
                values = []
            if values and all(type(v) is float and math.isfinite(v) for v in values):
                return values
        out: list[float] = []
        for inp in problem.inputs:
            if inp.name not in obj:
                raise InputError(f"no value for {inp.name}")
            shape, flat = json_tensor(obj[inp.name], inp.name)
            if shape != inp.shape:
                raise InputError(f"{inp.name} has shape {fmt(shape)} here but {fmt(inp.shape)} in the first point")
            out.extend(flat)
        return out


def _cells(body: str, delimiter: str) -> list[str]:
    """The cells of one CSV/TSV row; csv's own complaints (a CR inside a field, a field over
    its size limit, an unclosed quote) become InputErrors."""
    try:
        rows = list(csv.reader([body], delimiter=delimiter, strict=True))
    except csv.Error as e:
        text = str(e)
        if "new-line" in text:
            why = "a CR or LF inside a field"
        elif "field limit" in text:
            why = f"a field longer than csv's limit of {csv.field_size_limit():,} characters"
        else:
            why = shorten(text, 80)
        raise InputError(f"not a CSV row: {why}") from None
    return rows[0] if rows else []


def _count_message(count: int, problem: Problem) -> str:
    return (
        f"{count} value{'s' if count != 1 else ''} for {problem.n_all} input"
        f"{'s' if problem.n_all != 1 else ''} ({', '.join(problem.all_columns[:8])}"
        f"{', ...' if problem.n_all > 8 else ''})"
    )


class VectorLines:
    """Cotangent lines for ``product``: flat numbers, a nested list, or ``{"v": [...]}``."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.width = problem.m

    def block(self, lines: Lines) -> list[Piece]:
        if lines.first > 1:
            return _known(self, lines)
        raws = _split(lines)  # the first line may be a header ('v y0,v y1'): read it alone
        out = _each(self, lines.first, raws[:1])
        if len(raws) > 1:
            out += _known(self, Lines(lines.first + 1, b"\n".join(raws[1:]) + b"\n", len(raws) - 1))
        return out

    def bulk(self, data: bytes, count: int) -> array[float] | None:
        return bulk_numbers(data, self.width)

    def line(self, number: int, raw: bytes) -> tuple[float, ...] | Bad | None:
        text = _decode(raw, number)
        if isinstance(text, Bad):
            return text
        body = _strip(text)
        if not body:
            return None
        try:
            if body[0] == "{":
                obj = json_object(body)
                if "v" not in obj:
                    raise InputError('a JSON line for v needs a "v" key')
                shape, flat = json_tensor(obj["v"], "v")
                value = Value(shape or (len(flat),), tuple(flat))
            elif _PLAIN_NUMBERS.fullmatch(body):
                flat = _plain(body) or []
                value = Value((len(flat),), tuple(flat))
            elif number == 1 and _VECTOR_HEADER.fullmatch(body):
                return None  # a header line such as 'v y0,v y1'
            else:
                value = parse_vector(body, "v")
            return check_cotangent(self.problem, value, "v")
        except VjpError as e:
            return Bad(number, f"line {number}: {e}")
        except (RecursionError, MemoryError):
            return Bad(number, f"line {number}: too large or too deeply nested to read")


def _known(parser: PointLines | VectorLines, lines: Lines) -> list[Piece]:
    """Lines whose shapes are known: in bulk, else in halves (so a few bad lines among many
    keep the rest in bulk), else line by line."""
    values = parser.bulk(lines.data, lines.size)
    if values is not None:
        return [Points(range(lines.first, lines.first + lines.size), values, parser.width)]
    raws = _split(lines)
    if len(raws) <= 64 or (parser.bulk(raws[0], 1) is None and parser.bulk(raws[-1], 1) is None):
        return _each(parser, lines.first, raws)  # few lines, or not plain numbers (JSON Lines, x=[...])
    half = len(raws) // 2
    first = _known(parser, Lines(lines.first, b"\n".join(raws[:half]) + b"\n", half))
    second = _known(parser, Lines(lines.first + half, b"\n".join(raws[half:]) + b"\n", len(raws) - half))
    return _joined(first, second)


def _joined(first: list[Piece], second: list[Piece]) -> list[Piece]:
    """Two runs of pieces, the points at the seam made one run (one vectorised call, not two)."""
    a, b = (first[-1], second[0]) if first and second else (None, None)
    if isinstance(a, Points) and isinstance(b, Points):
        return [*first[:-1], Points([*a.lines, *b.lines], a.values + b.values, a.width), *second[1:]]
    return first + second


def _each(parser: PointLines | VectorLines, first: int, raws: list[bytes]) -> list[Piece]:
    """Line by line: runs of good points, and bad lines."""
    out: list[Piece] = []
    numbers: list[int] = []
    values = array("d")
    for k, raw in enumerate(raws):
        item = parser.line(first + k, raw)
        if item is None:
            continue
        if isinstance(item, Bad):
            if numbers:
                out.append(Points(numbers, values, parser.width))
                numbers, values = [], array("d")
            out.append(item)
        else:
            numbers.append(first + k)
            values.extend(item)
    if numbers:
        out.append(Points(numbers, values, parser.width))
    return out


def pieces(parser: PointLines | VectorLines, blocks: Iterable[Lines | Bad]) -> Iterator[Piece]:
    """The good points and bad lines of a stream, in order, block by block."""
    for block in blocks:
        if isinstance(block, Bad):
            yield block
        else:
            yield from parser.block(block)
