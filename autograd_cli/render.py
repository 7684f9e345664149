"""Results -> Rich renderables and Rich-free text (JSON, CSV, TSV, the bare piped format, Markdown).

The only module that imports Rich, and only when a table or progress bar is drawn, so
piped output and machine formats start fast. Numbers: JSON keeps full float precision
and spells non-finite values as the strings "NaN", "Infinity", "-Infinity" (RFC 8259 has
no bare NaN); text formats print the shortest round-trip form, or ``--digits``
significant digits.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import IO, TYPE_CHECKING, Any

from .numtext import in_dtype as in_dtype
from .numtext import num as num
from .numtext import point_text
from .results import ExampleList, FunctionList, Header, Result, SymbolicJacobianResult

if TYPE_CHECKING:  # the engines' results: imported where a numeric result is shown (see engine_results)
    from .engine_results import HessianResult, JacobianResult, ProductResult

FORMATS = ("table", "json", "csv", "tsv", "plain", "latex", "markdown", "dot")  # formats.FITS: which fits which command
TABLE_DIGITS = 6
MAX_TABLE_ROWS = 40
MAX_TABLE_COLS = 12


# ---- numbers -------------------------------------------------------------------


def shown_numbers(result: Any) -> Any:
    """``result`` with its numbers as text will show them: in float32, the shortest decimal that
    float32 reads back (0.1, not 0.10000000149011612); float64 as it is."""
    if result.header.dtype != "float32":
        return result  # (as floattext.shown does, without importing it)
    from .floattext import shown

    return shown(result, result.header.dtype)


def json_safe(value: Any) -> Any:
    """Replace nan/inf by strings, recursively, so the output is valid RFC 8259 JSON."""
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def to_json(obj: dict[str, Any]) -> str:
    return json.dumps(json_safe(obj), ensure_ascii=False, allow_nan=False)


# ---- machine formats -------------------------------------------------------------


def csv_header_and_row(result: Result, digits: int | None) -> tuple[list[str], list[str]]:
    """One header row and one data row: the point, then the result flattened."""
    from .engine_results import CheckResult, HessianResult, JacobianResult, JvpResult, ProductResult

    h = result.header
    head = list(h.all_columns or h.columns)
    row = [num(v, digits) for v in (h.point or [])]

    def add(names: list[str], values: Iterable[float]) -> None:
        head.extend(names)
        row.extend(num(v, digits) for v in values)

    if isinstance(result, JacobianResult):
        for i, r in enumerate(h.rows):
            add([f"d {r}/d {c}" for c in h.columns], result.jacobian[i])
    elif isinstance(result, ProductResult):
        if result.v is not None:
            add([f"v {r}" for r in h.rows], result.v)
        add([f"vjp {c}" for c in h.columns], result.vjp)
    elif isinstance(result, CheckResult):
        for key in ("sum_backward", "ones_backward", "column_sums", "symbolic"):
            add([f"{key} {c}" for c in h.columns], getattr(result, key))
        head += ["match", "max_abs_diff"]
        row += ["true" if result.match else "false", num(result.max_abs_diff, digits)]
    elif isinstance(result, JvpResult):
        add([f"u {c}" for c in h.columns], result.u)
        add([f"jvp {r}" for r in h.rows], result.jvp)
    elif isinstance(result, HessianResult):
        for i, r in enumerate(h.rows):
            for a, ca in enumerate(h.columns):
                add([f"d2 {r}/d {ca} d {cb}" for cb in h.columns], result.hessian[i][a])
    else:
        raise ValueError(f"--format csv/tsv is not available for {h.command}; use json or table")
    return head, row


def delimited(rows: Iterable[list[str]], delimiter: str) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    writer.writerows(rows)
    return buf.getvalue()


def to_text(result: Result, fmt: str, digits: int | None) -> str:
    """Every format but ``table``: the text to write to stdout (numbers as short as the dtype allows,
    but JSON's, which keep every bit: see :mod:`floattext`)."""
    if fmt == "json":
        return to_json(result.to_dict()) + "\n"
    result = shown_numbers(result)
    if fmt in ("latex", "markdown"):
        from . import formats

        return formats.text(result, fmt, digits)
    if fmt == "dot":
        from . import dot
        from .engine_results import GraphResult

        if isinstance(result, GraphResult):
            return dot.to_dot(result)
    if isinstance(result, SymbolicJacobianResult):
        if fmt in ("csv", "tsv"):
            head = ["output", *result.header.columns]
            body = [[r, *row] for r, row in zip(result.header.rows, result.jacobian)]
            return delimited([head, *body], "," if fmt == "csv" else "\t")
        return "".join("\t".join(row) + "\n" for row in result.jacobian)
    if fmt in ("csv", "tsv"):
        from .engine_results import GraphResult, NarrativeResult

        if not isinstance(result, (GraphResult, NarrativeResult)):
            return delimited(list(csv_header_and_row(result, digits)), "," if fmt == "csv" else "\t")
    return plain(result, digits)


def to_chunks(result: Result, fmt: str, digits: int | None) -> Iterable[str]:
    """:func:`to_text` in pieces where that saves memory: the plain format, and CSV/TSV of a
    product (one point of millions of elements: its labels and numbers, never all at once)."""
    if fmt == "plain" and not isinstance(result, SymbolicJacobianResult):
        return plain_chunks(shown_numbers(result), digits)
    if fmt in ("csv", "tsv") and not isinstance(result, SymbolicJacobianResult):
        from .engine_results import ProductResult

        if isinstance(result, ProductResult):
            return product_delimited_chunks(shown_numbers(result), "," if fmt == "csv" else "\t", digits)
    return (to_text(result, fmt, digits),)


def product_delimited_chunks(result: ProductResult, sep: str, digits: int | None) -> Iterator[str]:
    """What ``delimited(csv_header_and_row(result))`` writes, in pieces: the header (the point's
    labels, ``v y...``, ``vjp x...``), then the numbers."""
    h = result.header
    head: list[Iterator[str]] = [_label_cells(h.all_columns or h.columns, sep)]
    row: list[Iterator[str]] = [_number_cells(h.point or [], sep, digits)]
    if result.v is not None:
        head.append(_label_cells((f"v {r}" for r in h.rows), sep))
        row.append(_number_cells(result.v, sep, digits))
    head.append(_label_cells((f"vjp {c}" for c in h.columns), sep))
    row.append(_number_cells(result.vjp, sep, digits))
    for line in (head, row):
        first = True
        for cells in line:
            for k, piece in enumerate(cells):
                if k == 0 and not first:
                    yield sep
                first = False
                yield piece
        yield "\n"


def _label_cells(labels: Iterable[str], sep: str) -> Iterator[str]:
    """Labels as CSV/TSV cells (quoted as the csv module quotes them), ``sep`` between, in pieces."""
    it = iter(labels)
    first = True
    while part := list(islice(it, CHUNK)):
        text = "\0".join(part)
        if text.count("\0") != len(part) - 1 or any(ch in text for ch in (sep, '"', "\n")):
            text = sep.join('"' + c.replace('"', '""') + '"' if _needs_quotes(c, sep) else c for c in part)
        else:  # the common case (x[3], vjp x[3]): nothing to quote
            text = text.replace("\0", sep)
        yield text if first else sep + text
        first = False


def _needs_quotes(cell: str, sep: str) -> bool:
    return sep in cell or '"' in cell or "\n" in cell  # as csv.writer with lineterminator="\n"


def _number_cells(values: Sequence[float], sep: str, digits: int | None) -> Iterator[str]:
    """Numbers as ``num`` writes them, ``sep`` between, in pieces (no line end)."""
    if not len(values):
        return
    pieces = number_chunks(values, len(values), sep, digits)
    last = next(pieces)
    for piece in pieces:
        yield last
        last = piece
    yield last[:-1]  # the line's "\n"


CHUNK = 1 << 16  # numbers formatted at a time: text for a million numbers is never built in one piece


def number_chunks(
    values: Sequence[float], width: int, sep: str = "\t", digits: int | None = None, chunk: int | None = None
) -> Iterator[str]:
    """``len(values) // width`` lines of ``width`` numbers, each as ``num`` writes it, in pieces of
    about ``chunk`` numbers (joined, the pieces are the text; write them as they come).

    Each piece is one %-format (``%r`` is the shortest round-trip repr, as ``num``); then a
    whole number's ``.0`` is dropped (only a whole number's repr ends in ``.0``) and ``-0``
    becomes ``0`` (a field reads ``-0`` only for -0.0: a minus sign elsewhere starts a
    field or an exponent, and exponents have two digits). So the text is the same as
    joining ``num`` of each value, at a fraction of the cost for millions.
    """
    if width <= 0:
        return
    chunk = chunk or CHUNK
    field = "%r" if digits is None else f"%.{digits}g"
    stop = len(values) - len(values) % width
    if width <= chunk:  # whole lines at a time
        step = (chunk // width) * width
        line = sep.join([field] * width) + "\n"
        for a in range(0, stop, step):
            part = values[a : min(a + step, stop)]
            yield _tidy((line * (len(part) // width)) % tuple(part), sep, digits)
        return
    for start in range(0, stop, width):  # lines longer than a piece: each in pieces
        end = start + width
        for a in range(start, end, chunk):
            b = min(a + chunk, end)
            after = "\n" if b == end else sep
            if digits is None:  # a list's repr is each float's repr, ", " between (a third faster than %r)
                text = str(list(values[a:b]))[1:-1].replace(", ", sep) + after
            else:
                text = ((field + sep) * (b - a - 1) + field + after) % tuple(values[a:b])
            yield _tidy(text, sep, digits)


def _tidy(text: str, sep: str, digits: int | None) -> str:
    if digits is None:
        text = text.replace(".0" + sep, sep).replace(".0\n", "\n")
    if "-0" in text:
        text = text.replace("-0" + sep, "0" + sep).replace("-0\n", "0\n")
    return text


def number_lines(values: Sequence[float], width: int, sep: str = "\t", digits: int | None = None) -> str:
    """:func:`number_chunks` as one string."""
    return "".join(number_chunks(values, width, sep, digits))


def plain(result: Result, digits: int | None) -> str:
    """The bare piped format: numbers separated by tabs, one row per line."""
    return "".join(plain_chunks(result, digits))


def plain_chunks(result: Result, digits: int | None) -> Iterator[str]:
    """:func:`plain` in pieces, so that a vector of millions is written without its whole text in memory."""
    from .engine_results import (
        CheckResult,
        GraphResult,
        HessianResult,
        JacobianResult,
        JvpResult,
        NarrativeResult,
        ProductResult,
    )

    def line(values: Sequence[float]) -> Iterable[str]:
        return number_chunks(values, len(values), "\t", digits) if len(values) else ("\n",)

    if isinstance(result, JacobianResult):
        for r in result.jacobian:
            yield from line(r)
    elif isinstance(result, ProductResult):
        yield from line(result.vjp)
    elif isinstance(result, CheckResult):
        for k in ("sum_backward", "ones_backward", "column_sums", "symbolic"):
            yield f"{k}\t"
            yield from line(getattr(result, k))
        for entry in result.differences:
            yield f"differs\t{entry['row']}\t{entry['column']}\t"
            yield from line([entry["autograd"], entry["symbolic"], entry["finite_difference"]])
        yield f"match\t{'PASS' if result.match else 'FAIL'}\n"
    elif isinstance(result, JvpResult):
        yield from line(result.jvp)
        if result.v is not None:
            yield f"match\t{'PASS' if result.match else 'FAIL'}\n"
    elif isinstance(result, HessianResult):
        yield "\n".join("".join("".join(line(r)) for r in h) for h in result.hessian)
    elif isinstance(result, GraphResult):
        yield "".join(f"{'  ' * depth}{label}\n" for depth, label in graph_lines(result.tree))
    elif isinstance(result, NarrativeResult):
        yield narrative_text(result)
    else:
        raise TypeError(result)


def graph_lines(tree: dict[str, Any], depth: int = 0) -> Iterable[tuple[int, str]]:
    """(depth, label) for each node of the grad_fn tree, parents first."""
    stack = [(tree, depth)]
    while stack:
        node, d = stack.pop()
        yield d, _graph_label(node)
        stack.extend((child, d + 1) for child in reversed(node.get("children", [])))


def _graph_label(node: dict[str, Any]) -> str:
    label = str(node["name"])
    if "variable" in node:
        label += f" ({node['variable']}, shape {tuple(node.get('shape', ()))})"
    if node.get("repeat"):
        label += "  (shared: drawn above)"
    return label


def narrative_text(result: Any) -> str:
    out: list[str] = []
    for step in result.steps:
        out.append(f"== {step.title}")
        out += [f"    {c}" for c in step.code]
        out += [f"  -> {o}" for o in step.outcome]
        if step.text:
            out.append(f"  {step.text}")
        out.append("")
    return "\n".join(out)


# ---- Rich renderables --------------------------------------------------------------
#
# As rich-cli's render_* functions: each builds renderables and returns them; ``show`` is
# the one place that prints, and the shell, the explorer and the Python API's __rich__
# show the very same objects.


def console(stream: IO[str]):  # type: ignore[no-untyped-def]
    """A Rich console; with NO_COLOR set (any value), no escape codes at all, bold included."""
    import os

    from rich.console import Console

    if os.environ.get("NO_COLOR"):
        return Console(file=stream, highlight=False, soft_wrap=False, color_system=None)
    return Console(file=stream, highlight=False, soft_wrap=False)


def _clip(n: int, limit: int) -> list[int | None]:
    """Indices to show out of n: all, or the first and last few around a None gap."""
    if n <= limit:
        return list(range(n))
    half = limit // 2
    return [*range(half), None, *range(n - (limit - half - 1), n)]


Parts = list[Any]  # Rich renderables, shown one under the other


def renderable(result: Result, digits: int | None = None, view: str = "auto") -> Any:
    """``result`` as one Rich renderable (a Group of titles, tables, trees and verdicts).

    ``view`` (a Jacobian or Hessians): ``numbers``, ``heat`` (a heat picture), or ``auto``:
    numbers when they fit the console it is shown on, else the picture (see :class:`MatrixView`).
    """
    from rich.console import Group

    from .engine_results import (
        CheckResult,
        GraphResult,
        HessianResult,
        JacobianResult,
        JvpResult,
        NarrativeResult,
        ProductResult,
    )

    d = TABLE_DIGITS if digits is None else digits
    result = shown_numbers(result)
    if view != "numbers" and isinstance(result, (JacobianResult, HessianResult)):
        return Group(MatrixView(result, d, digits, view))
    builders: dict[type, Callable[[Any, int, int | None], Parts]] = {
        JacobianResult: _jacobian_parts,
        SymbolicJacobianResult: _jacobian_parts,
        ProductResult: _product_parts,
        CheckResult: _check_parts,
        JvpResult: _jvp_parts,
        HessianResult: _hessian_parts,
        GraphResult: _graph_parts,
    }
    build = builders.get(type(result), _narrative_parts if isinstance(result, NarrativeResult) else None)
    if build is None:
        raise TypeError(result)
    return Group(*build(result, d, digits))


def _title(text: str) -> Any:
    from rich.text import Text

    return Text(text, style="bold")


def _dim(text: str) -> Any:
    from rich.text import Text

    return Text(text, style="dim")


class Col:
    """A column of a :class:`Fitted` table: header, cells, how they sit and whether they may wrap."""

    def __init__(
        self, header: str, cells: list[str], justify: str = "right", wrap: bool = False, style: str | None = None
    ) -> None:
        self.header, self.cells, self.justify, self.wrap, self.style = header, cells, justify, wrap, style

    def spec(self) -> Any:
        from rich.cells import cell_len

        from .layout import Column

        return Column(self.header, self.cells, self.wrap, cell_len)


def label(header: str, cells: list[str]) -> Col:
    """A row-label column: bold, left, wrapped at spaces when the width asks for it."""
    return Col(header, cells, justify="left", wrap=True, style="bold")


class Fitted:
    """A table that fits the console it is drawn on, without cutting a number, name or header.

    ``labels`` are repeated in every piece; ``values`` are split over several tables when they
    do not fit, or drawn one entry per line (see :func:`layout.plan`); a dim line says which.
    A row whose cells are all ``…`` stands for rows left out.
    """

    def __init__(
        self, labels: list[Col], values: list[Col], title: str | None = None, long_headers: tuple[str, str] = ("", "")
    ) -> None:
        self.labels, self.values, self.title, self.long_headers = labels, values, title, long_headers

    @property
    def rows(self) -> int:
        return max((len(c.cells) for c in (*self.labels, *self.values)), default=0)

    def plan(self, width: int) -> Any:
        from .layout import plan

        return plan([c.spec() for c in self.labels], [c.spec() for c in self.values], width)

    def __rich_console__(self, console: Any, options: Any) -> Any:
        p = self.plan(options.max_width)
        if p.kind in ("long", "stacked"):
            yield self._long(p)
        else:
            for k, group in enumerate(p.groups):
                yield self._table(p, group, self.title if k == 0 else None)
        if p.note:
            yield _dim(p.note)

    def _column(self, t: Any, c: Col, width: int, header: str | None = None) -> None:
        t.add_column(
            c.header if header is None else header,
            justify=c.justify,
            style=c.style,
            width=width,
            no_wrap=not c.wrap,
            overflow="fold",
        )

    def _table(self, p: Any, group: list[int], title: str | None) -> Any:
        from rich.table import Table

        t = Table(title=title, title_justify="left")
        for c, w in zip(self.labels, p.label_widths):
            self._column(t, c, w)
        for j in group:
            self._column(t, self.values[j], p.value_widths[j])
        for i in range(self.rows):
            lead = [_break_label(c.cells[i], w) for c, w in zip(self.labels, p.label_widths)]
            t.add_row(*lead, *(self.values[j].cells[i] for j in group))
        return t

    def _long(self, p: Any) -> Any:
        """Each row: its labels on a line, then one indented line per entry (header, value)."""
        from rich.cells import cell_len
        from rich.console import Group
        from rich.padding import Padding
        from rich.table import Table
        from rich.text import Text

        from .layout import GAP, INDENT

        hw, vw = p.long_widths
        text = any(c.wrap for c in self.values)
        out: Parts = [_title(self.title)] if self.title else []
        for i in range(self.rows):
            lead = [c.cells[i] for c in self.labels if c.cells[i]]
            out.append(Text("  ".join(lead) or " ", style="bold"))
            if all(s == "…" for s in lead):
                continue
            if p.kind == "stacked":  # headers too long to share a line with their values
                for c in self.values:
                    head = " ".join(c.header.split())
                    # a header that fits the line but not after the indent is indented less, not folded
                    indent = max(1, min(INDENT, p.width - cell_len(head)))
                    out.append(Padding(Text(head, style="dim"), (0, 0, 0, indent)))
                    out.append(Padding(Text(c.cells[i], overflow="fold"), (0, 0, 0, 2 * INDENT)))
                continue
            grid = Table.grid(padding=(0, GAP))
            grid.add_column(style="dim", width=hw, overflow="fold")
            grid.add_column(justify="left" if text else "right", width=vw, no_wrap=not text, overflow="fold")
            for c in self.values:
                grid.add_row(" ".join(c.header.split()), c.cells[i])
            out.append(Padding(grid, (0, 0, 0, INDENT), expand=False))
        return Group(*out)


def _break_label(text: str, width: int) -> str:
    """A label too wide for its column breaks first where it has two spaces: ``y[0]  (y = ...)``
    puts the row's name on a line of its own, then the formula."""
    from rich.cells import cell_len

    if cell_len(text) > width and "  " in text:
        return text.replace("  ", "\n", 1)
    return text


def _matrix_fit(
    h: Header, cells: list[list[str]], first: list[str], extra: list[str] | None = None, text: bool = False
) -> Fitted:
    """Rows: each output's title (and ``extra``, its value); columns: ∂/∂ each input (clipped when large)."""
    rows_shown = _clip(len(cells), MAX_TABLE_ROWS)
    cols_shown = _clip(len(cells[0]) if cells else 0, MAX_TABLE_COLS)
    titles = ["…" if i is None else h.titles[i] for i in rows_shown]
    values: list[Col] = []
    if extra is not None:
        values.append(Col(first[1], ["…" if i is None else extra[i] for i in rows_shown]))
    for j in cols_shown:
        values.append(
            Col(
                "…" if j is None else f"∂/∂{h.columns[j]}",
                ["…" if i is None or j is None else cells[i][j] for i in rows_shown],
                wrap=text,
            )
        )
    return Fitted([label(first[0], titles)], values, long_headers=("", "value"))


def _clipped_note(h: Header, m: int) -> Parts:
    if m > MAX_TABLE_ROWS or len(h.columns) > MAX_TABLE_COLS:
        return [
            _dim(
                f"showing up to {MAX_TABLE_ROWS} rows and {MAX_TABLE_COLS} columns of {m} x "
                f"{len(h.columns)}; --format csv, tsv or json prints every entry"
            )
        ]
    return []


def _jacobian_fit(result: JacobianResult, d: int) -> Fitted:
    h = result.header
    cells = [[num(v, d) for v in row] for row in result.jacobian]
    value = [num(v, d) for v in h.value] if h.value is not None else None
    return _matrix_fit(h, cells, ["output", h.y], value)


def _jacobian_parts(result: Any, d: int, digits: int | None) -> Parts:
    h = result.header
    if isinstance(result, SymbolicJacobianResult):
        return [
            _title("Symbolic Jacobian (SymPy)"),
            _matrix_fit(h, result.jacobian, ["output"], text=True),
            *_clipped_note(h, len(result.jacobian)),
        ]
    parts: Parts = [
        _title(f"Jacobian{in_dtype(h)} at {point_text(h, digits)}"),
        _jacobian_fit(result, d),
        *_clipped_note(h, len(result.jacobian)),
        _dim(f"method: {result.method} — {result.method_detail}"),
    ]
    if result.determinant is not None:
        parts.append(f"det J = {num(result.determinant, d)}")
    if result.rank is not None:
        parts.append(f"rank J = {result.rank}, condition number = {num(result.condition or math.nan, d)}")
    return parts


def _cells(shown: list[int | None], cell: Callable[[int], str]) -> list[str]:
    """One cell per shown index, ``…`` for the gap that :func:`_clip` leaves."""
    return ["…" if i is None else cell(i) for i in shown]


def _product_parts(result: Any, d: int, digits: int | None) -> Parts:
    h = result.header
    at = point_text(h, digits)
    parts: Parts = []
    if result.v is not None:
        parts.append(_title(f"{h.y}.backward(v){in_dtype(h)} at {at}"))
        rows = _clip(len(h.rows), MAX_TABLE_ROWS)
        value = h.value or [math.nan] * len(h.rows)
        parts.append(
            Fitted(
                [label("output", _cells(rows, lambda i: h.titles[i]))],
                [
                    Col(h.y, _cells(rows, lambda i: num(value[i], d))),
                    Col("v", _cells(rows, lambda i: num(result.v[i], d))),
                ],
            )
        )
    else:
        parts.append(_title(f"{h.y}.backward(){in_dtype(h)} at {at}"))
    parts += _gradient_parts(result, d)
    if result.v is None:
        parts.append(_dim(f"{h.y} is a scalar, so backward() used an implicit gradient of 1"))
    return parts


def _gradient_parts(result: Any, d: int) -> Parts:
    """vᵀJ, each input in its own shape: scalars and vectors as rows (input, value, grad), a matrix
    (or a tensor, as rows of its last dimension) as a small matrix of its gradient."""
    from .formats import grad_layout

    h = result.header
    point = h.leaf_point or [math.nan] * len(h.columns)
    flat, matrices = grad_layout(result)
    parts: Parts = []
    if flat:
        shown = [flat[j] if j is not None else None for j in _clip(len(flat), MAX_TABLE_ROWS)]
        parts.append(
            Fitted(
                [label("input", _cells(shown, lambda j: h.columns[j]))],
                [
                    Col("value", _cells(shown, lambda j: num(point[j], d))),
                    Col("vᵀJ = grad", _cells(shown, lambda j: num(result.vjp[j], d))),
                ],
            )
        )
    for name, shape, start in matrices:
        parts += _grad_matrix(name, shape, result.vjp[start : start + math.prod(shape)], d)
    return parts


def _grad_matrix(name: str, shape: tuple[int, ...], grad: list[float], d: int) -> Parts:
    """``name.grad`` as a matrix: one row per index of the leading dimensions, one column per last index."""
    cols = shape[-1]
    lead = _indices(shape[:-1])
    rows = _clip(len(lead), MAX_TABLE_ROWS)
    stars = ":," * (len(shape) - 1)
    values = [
        Col(
            "…" if j is None else f"{name}[{stars}{j}]",
            ["…" if r is None or j is None else num(grad[r * cols + j], d) for r in rows],
        )
        for j in _clip(cols, MAX_TABLE_COLS)
    ]
    labels = [label("", _cells(rows, lambda r: f"{name}[{','.join(map(str, lead[r]))},:]"))]
    return [_title(f"{name}.grad  (vᵀJ for {name}, shape {shape})"), Fitted(labels, values, long_headers=("", "grad"))]


def _indices(shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Every index of ``shape``, row-major."""
    out: list[tuple[int, ...]] = [()]
    for size in shape:
        out = [(*idx, i) for idx in out for i in range(size)]
    return out


def _verdict(ok: bool, detail: str) -> Any:
    from rich.text import Text

    verdict = Text("PASS", style="bold green") if ok else Text("FAIL", style="bold red")
    verdict.append("  " + detail, style="none")
    return verdict


def _check_parts(result: Any, d: int, digits: int | None) -> Parts:
    h = result.header
    y = h.y
    heads = (f"{y}.sum()\n.backward()", f"{y}.backward(\nones_like({y}))", "1ᵀJ\n(column sums)", f"SymPy\nd(Σ{y})/dx")
    keys = ("sum_backward", "ones_backward", "column_sums", "symbolic")
    shown = _clip(len(h.columns), MAX_TABLE_ROWS)

    def column(key: str) -> list[str]:
        return _cells(shown, lambda j: num(getattr(result, key)[j], d))

    four = Fitted(
        [label("input", _cells(shown, lambda j: h.columns[j]))], [Col(head, column(k)) for head, k in zip(heads, keys)]
    )
    parts: Parts = [_title(f"d(Σ{h.y})/dx four ways{in_dtype(h)} at {point_text(h, digits)}"), four]
    if result.jacobian is not None:
        entries = len(h.rows) * len(h.columns)
        parts.append(
            f"Jacobian ({len(h.rows)} x {len(h.columns)}): autograd ({result.method}) vs SymPy vs central "
            f"differences (eps={num(result.eps)}): {entries - len(result.differences)} of {entries} entries agree"
        )
        if result.differences:
            diffs = result.differences[:MAX_TABLE_ROWS]
            parts.append(
                Fitted(
                    [label("output", [e["row"] for e in diffs]), label("input", [e["column"] for e in diffs])],
                    [
                        Col("autograd", [num(e["autograd"], d) for e in diffs]),
                        Col("SymPy", [num(e["symbolic"], d) for e in diffs]),
                        Col("finite diff.", [num(e["finite_difference"], d) for e in diffs]),
                        Col(
                            "",
                            [e.get("why") or ("at a kink (expected)" if e["at_kink"] else "") for e in diffs],
                            "left",
                            wrap=True,
                        ),
                    ],
                    title="entries that differ",
                )
            )
            if len(result.differences) > MAX_TABLE_ROWS:
                parts.append(_dim(f"... and {len(result.differences) - MAX_TABLE_ROWS} more (see --format json)"))
    parts.append(
        _verdict(
            result.match,
            f"max |difference| = {num(result.max_abs_diff, 3)} (tolerance |a-b| <= atol + rtol*|b|, "
            f"atol={num(result.atol)}, rtol={num(result.rtol)})",
        )
    )
    return parts


def _jvp_parts(result: Any, d: int, digits: int | None) -> Parts:
    h = result.header
    cols = _clip(len(h.columns), MAX_TABLE_ROWS)
    ut = Fitted(
        [label("input", _cells(cols, lambda j: h.columns[j]))], [Col("u", _cells(cols, lambda j: num(result.u[j], d)))]
    )
    rows = _clip(len(h.rows), MAX_TABLE_ROWS)
    value = h.value or [math.nan] * len(h.rows)
    t = Fitted(
        [label("output", _cells(rows, lambda i: h.titles[i]))],
        [Col(h.y, _cells(rows, lambda i: num(value[i], d))), Col("J·u", _cells(rows, lambda i: num(result.jvp[i], d)))],
    )
    parts: Parts = [_title(f"J·u by forward mode{in_dtype(h)} at {point_text(h, digits)}"), ut, t, _dim(result.method)]
    if result.v is not None:
        parts.append(
            _verdict(
                bool(result.match),
                f"vᵀ(Ju) = {num(result.vT_jvp, d)} and (vᵀJ)u = {num(result.vjp_u, d)} "
                f"(reverse mode, {h.y}.backward(v))",
            )
        )
    return parts


def _hessian_fit(result: Any, i: int, d: int) -> Fitted:
    """Output i's Hessian: rows and columns ∂/∂ each input (clipped when large)."""
    h = result.header
    rows = _clip(len(h.columns), MAX_TABLE_ROWS)
    cols = _clip(len(h.columns), MAX_TABLE_COLS)
    first = label("", ["…" if r is None else f"∂/∂{h.columns[r]}" for r in rows])
    values = [
        Col(
            "…" if j is None else f"∂/∂{h.columns[j]}",
            ["…" if r is None or j is None else num(result.hessian[i][r][j], d) for r in rows],
        )
        for j in cols
    ]
    return Fitted([first], values, long_headers=("", "value"))


def _hessian_parts(result: Any, d: int, digits: int | None) -> Parts:
    h = result.header
    parts: Parts = [_title(f"Hessians{in_dtype(h)} at {point_text(h, digits)}")]
    for i in range(min(len(h.rows), MAX_TABLE_ROWS)):
        parts.append(_title(f"∂²{h.rows[i]}: {h.titles[i]}"))
        parts.append(_hessian_fit(result, i, d))
    if len(h.rows) > MAX_TABLE_ROWS:
        parts.append(_dim(f"... {len(h.rows) - MAX_TABLE_ROWS} more outputs (see --format json)"))
    parts += [
        _dim(result.method),
        _verdict(result.symmetric, "symmetric: H = Hᵀ within tolerance"),
        _verdict(result.match, "equal to SymPy's exact second derivatives"),
    ]
    return parts


def _graph_parts(result: Any, d: int, digits: int | None) -> Parts:
    from rich.tree import Tree

    h = result.header
    root = Tree(_graph_label(result.tree))
    stack = [(result.tree, root)]
    while stack:
        node, branch = stack.pop()
        for child in node.get("children", []):
            sub = branch.add(_graph_label(child))
            stack.append((child, sub))
    return [
        _title(f"The autograd graph of y{in_dtype(h)} at {point_text(h, digits)} ({result.nodes} grad_fn nodes)"),
        root,
        _dim("backward() starts at y.grad_fn and follows next_functions; AccumulateGrad adds into the leaf's .grad"),
    ]


class Code:
    """Lines of Python, wrapped where Python allows (see :mod:`codewrap`) to the width they are drawn at."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.syntax import Syntax

        from .codewrap import wrap_lines

        text = "\n".join(wrap_lines(self.lines, options.max_width))
        yield Syntax(text, "python", theme="ansi_dark", background_color="default", word_wrap=True)


class StepPanel:
    """A step in a frame, its title in the top border when it fits there, else as its first line."""

    def __init__(self, title: str, inner: Parts) -> None:
        self.title, self.inner = title, inner

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.cells import cell_len
        from rich.console import Group
        from rich.panel import Panel

        if cell_len(self.title) + 6 <= options.max_width:
            yield Panel(Group(*self.inner), title=self.title, title_align="left")
        else:
            yield Panel(Group(_title(self.title), *self.inner))


def _narrative_parts(result: Any, d: int, digits: int | None) -> Parts:
    from rich.table import Table
    from rich.text import Text

    parts: Parts = []
    for step in result.steps:
        inner: Parts = []
        if step.code:
            inner.append(Code(list(step.code)))
        if step.outcome:  # "→ " hangs: a long outcome wraps under its own text
            outcomes = Table.grid(padding=(0, 1))
            outcomes.add_column(style="cyan", width=1)
            outcomes.add_column(style="cyan")
            for o in step.outcome:
                outcomes.add_row("→", o)
            inner.append(outcomes)
        if step.text:
            inner.append(Text(step.text))
        parts.append(StepPanel(step.title, inner))
    if getattr(result, "wrong", None) is not None:
        h = result.header
        rows = _clip(len(h.rows), MAX_TABLE_ROWS)
        parts.append(
            Fitted(
                [label("output", _cells(rows, lambda i: h.titles[i]))],
                [
                    Col(
                        "wrong",
                        _cells(rows, lambda i: "  ".join(num(v, d) for v in result.wrong[i])),
                        wrap=True,
                        style="red",
                    ),
                    Col(
                        "right",
                        _cells(rows, lambda i: "  ".join(num(v, d) for v in result.right[i])),
                        wrap=True,
                        style="green",
                    ),
                ],
                title="rows without zeroing (wrong) | with zeroing (right)",
            )
        )
    return parts


def examples_renderable(listing: ExampleList) -> Any:
    items = listing.items
    return Fitted(
        [label("name", [e.name + (" (default)" if e.default else "") for e in items])],
        [
            Col("expression", [e.expression for e in items], "left", wrap=True),
            Col("--at", [e.at or "" for e in items], "left", wrap=True),
            Col("--v", [e.v or "" for e in items], "left", wrap=True),
            Col("description", [e.description for e in items], "left", wrap=True),
        ],
        title="Examples (vjp jacobian --example NAME)",
    )


def functions_renderable(listing: FunctionList) -> Any:
    """The catalogue as a table that fits the terminal (split or one line per entry, never a
    spelling cut in two: spellings wrap at the spaces between them)."""
    items = listing.items
    return Fitted(
        [label("name", [f["name"] for f in items])],
        [
            Col("spellings", [" ".join(f["spellings"]) for f in items], "left", wrap=True),
            Col("torch", [f["torch"] for f in items], "left", wrap=True),
            Col("SymPy", ["yes" if f["symbolic"] else "no" for f in items], "left"),
            Col("what it is", [f["description"] for f in items], "left", wrap=True),
        ],
        title="Functions (vjp functions NAME for one; --format json for all fields)",
    )


def functions_text(listing: FunctionList, fmt: str) -> str:
    if fmt == "json":
        return to_json(listing.to_dict()) + "\n"
    rows = [
        [f["name"], " ".join(f["spellings"]), f["torch"], "yes" if f["symbolic"] else "no", f["description"]]
        for f in listing.items
    ]
    if fmt == "plain":
        return "".join("\t".join(r) + "\n" for r in rows)
    return delimited([["name", "spellings", "torch", "symbolic", "description"], *rows], "," if fmt == "csv" else "\t")


def examples_text(listing: ExampleList, fmt: str) -> str:
    if fmt == "json":
        return to_json(listing.to_dict()) + "\n"
    if fmt in ("latex", "markdown"):
        from . import formats

        return formats.examples_text(listing.items, fmt)
    rows = [[e.name, e.expression, e.at or "", e.v or "", e.description] for e in listing.items]
    if fmt == "plain":
        return "".join("\t".join(r) + "\n" for r in rows)
    return delimited([["name", "expression", "at", "v", "description"], *rows], "," if fmt == "csv" else "\t")


# ---- Markdown (Jupyter's _repr_markdown_) -------------------------------------------------


def markdown(result: Result, digits: int | None = None) -> str:
    """A Markdown view: a title, GitHub tables labelled as the terminal tables are, the verdict
    (``--format markdown``); a graph or a walk-through as its plain text in a code block."""
    from . import formats
    from .engine_results import GraphResult, NarrativeResult

    result = shown_numbers(result)
    if isinstance(result, (GraphResult, NarrativeResult)):
        return "```\n" + plain(result, digits) + "```\n"
    return formats.markdown(result, digits)


# ---- heat pictures: a matrix too large to read as numbers ---------------------------------------

HEAT_LINES = 40  # terminal lines a picture may take


class MatrixView:
    """A Jacobian (or each Hessian) as numbers, or as a heat picture when the numbers do not fit.

    The choice is made when Rich draws it, from the console it is drawn on: its width, and
    whether it has colour (without colour, NO_COLOR or a pipe, the picture is characters).
    """

    def __init__(self, result: JacobianResult | HessianResult, d: int, digits: int | None, view: str) -> None:
        self.result, self.d, self.digits, self.view = result, d, digits, view

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.console import Group

        from .engine_results import JacobianResult

        r, width = self.result, options.max_width
        if not wants_heat(r, width, self.view, self.d):
            build = _jacobian_parts if isinstance(r, JacobianResult) else _hessian_parts
            yield Group(*build(r, self.d, self.digits))
            return
        yield Group(*heat_parts(r, self.d, self.digits, width, console.color_system is not None))


NUMBER_LINES = 60  # terminal lines a matrix's numbers may take (split or long) before auto draws a picture


def wants_heat(result: Result, width: int, view: str, d: int) -> bool:
    """``heat``: always; ``numbers``: never; ``auto``: for a large matrix, or one whose numbers, split
    to fit the terminal, would take more than NUMBER_LINES lines (a table a bit too wide is split)."""
    from .engine_results import HessianResult, JacobianResult

    if view != "auto":
        return view == "heat"
    if isinstance(result, HessianResult):
        matrices = result.hessian
    else:
        assert isinstance(result, JacobianResult)
        matrices = [result.jacobian]
    for matrix in matrices:
        m, n = len(matrix), len(matrix[0]) if matrix else 0
        if m > MAX_TABLE_ROWS or n > MAX_TABLE_COLS:
            return True
    if isinstance(result, HessianResult):
        fits = [_hessian_fit(result, i, d) for i in range(len(matrices))]
    else:
        fits = [_jacobian_fit(result, d)]
    return any(f.plan(width).lines > NUMBER_LINES for f in fits)


def heat_parts(result: Any, d: int, digits: int | None, width: int, colour: bool) -> Parts:
    """The heat picture of a Jacobian (or of each Hessian), with titles, legend and verdicts."""
    from .engine_results import JacobianResult

    h = result.header
    at = point_text(h, digits)
    if len(at) > width:  # a hundred inputs: the picture is the point, not the title
        at = at[: max(10, width - 30)].rsplit(",", 1)[0] + f", … ({len(h.columns)} inputs)"
    if isinstance(result, JacobianResult):
        parts: Parts = [
            _title(f"Jacobian{in_dtype(h)} at {at}"),
            heat_picture(result.jacobian, h.rows, h.columns, width, colour),
            _dim(f"method: {result.method} — {result.method_detail}"),
        ]
        if result.determinant is not None:
            parts.append(f"det J = {num(result.determinant, d)}")
        if result.rank is not None:
            parts.append(f"rank J = {result.rank}, condition number = {num(result.condition or math.nan, d)}")
        return parts
    parts = [_title(f"Hessians{in_dtype(h)} at {at}")]
    names = list(h.columns)
    for i, hess in enumerate(result.hessian[:MAX_TABLE_ROWS]):
        parts.append(_title(f"∂²{h.rows[i]}: {h.titles[i]}"))
        parts.append(heat_picture(hess, names, names, width, colour))
    if len(h.rows) > MAX_TABLE_ROWS:
        parts.append(_dim(f"... {len(h.rows) - MAX_TABLE_ROWS} more outputs (see --format json)"))
    parts += [
        _dim(result.method),
        _verdict(result.symmetric, "symmetric: H = Hᵀ within tolerance"),
        _verdict(result.match, "equal to SymPy's exact second derivatives"),
    ]
    return parts


def heat_picture(
    matrix: list[list[float]], rows: list[str], cols: list[str], width: int, colour: bool, lines: int = HEAT_LINES
) -> Any:
    """The matrix as coloured half blocks (two rows per line), or ``heat.density_text`` without colour."""
    from rich.console import Group
    from rich.style import Style
    from rich.text import Text

    from . import heat

    if not colour:
        return Text(heat.density_text(matrix, rows, cols, width, lines).rstrip("\n"))
    m, n = len(matrix), len(matrix[0]) if matrix else 0
    lay = heat.layout(m, n, rows, width, lines, 2)
    p = heat.fit(matrix, math.ceil(m / lay.row_step), math.ceil(n / lay.col_step))
    g, cw = lay.gutter, lay.cell_width
    pairs = [(p.cells[k], p.cells[k + 1] if k + 1 < len(p.cells) else None) for k in range(0, len(p.cells), 2)]
    labels = heat.row_label_lines(rows, p.row_step, len(pairs), 2)
    ruler = heat.column_ruler(cols, p.col_step, len(p.cells[0]) if p.cells else 0, cw)
    out = [Text(" " * (g + 1) + ruler, style="dim")]

    def rgb(c: tuple[int, int, int] | None) -> str | None:
        return None if c is None else f"rgb({c[0]},{c[1]},{c[2]})"

    for label, (top, bottom) in zip(labels, pairs):
        line = Text()  # no base style: it would tint every cell
        line.append(f"{label[: g - 1]:>{g - 1}} │", style="dim")
        for c in range(len(top)):
            up = heat.colour(top[c], p.vmax)
            down = heat.colour(bottom[c], p.vmax) if bottom is not None else None
            if up is None and down is None:
                line.append(" " * cw)
            elif up is None:
                line.append("▄" * cw, style=Style(color=rgb(down)))
            else:
                line.append("▀" * cw, style=Style(color=rgb(up), bgcolor=rgb(down)))
        line.append("│", style="dim")
        out.append(line)
    out.append(heat_legend(p))
    return Group(*out)


def heat_legend(p: Any) -> Any:
    """The colour scale: -max, the blue steps, 0, the red steps, +max; then what blank and gold mean."""
    from rich.style import Style
    from rich.text import Text

    from . import heat

    legend = Text(f"{num(-p.vmax, 3)} ")
    for lv in [*range(-heat.LEVELS, 0), *range(1, heat.LEVELS + 1)]:
        c = heat.level_colour(lv)
        assert c is not None
        legend.append("█", style=Style(color=f"rgb({c[0]},{c[1]},{c[2]})"))
        if lv == -1:
            legend.append(" 0 ")
    legend.append(f" {num(p.vmax, 3)}   blank: exactly 0   ")
    g = heat.NONFINITE
    legend.append("█", style=Style(color=f"rgb({g[0]},{g[1]},{g[2]})"))
    legend.append(" nan/inf\n")
    legend.append(heat.describe(p) + " (all: --format csv)", style="dim")
    return legend


# ---- the one printer ----------------------------------------------------------------------

Shown = Result | ExampleList | FunctionList | str


def text(obj: Shown, fmt: str, digits: int | None = None) -> str:
    """Every format but ``table``, as text: what goes to stdout."""
    if isinstance(obj, str):
        return obj
    if isinstance(obj, ExampleList):
        return examples_text(obj, fmt)
    if isinstance(obj, FunctionList):
        return functions_text(obj, fmt)
    return to_text(obj, fmt, digits)


def show(obj: Shown, fmt: str, digits: int | None = None, stream: IO[str] | None = None, view: str = "auto") -> None:
    """Write ``obj`` to ``stream`` (stdout): a Rich renderable for ``table``, text otherwise.

    A plain string (the ``--code`` script) is written as it is, whatever the format.
    """
    out = stream or sys.stdout
    if fmt != "table" or isinstance(obj, str):
        for piece in to_chunks(obj, fmt, digits) if isinstance(obj, Result) else (text(obj, fmt, digits),):
            out.write(piece)
        return
    if isinstance(obj, FunctionList):
        shown = functions_renderable(obj)
    else:
        shown = examples_renderable(obj) if isinstance(obj, ExampleList) else renderable(obj, digits, view)
    console(out).print(shown)


def table(result: Result, stream: IO[str], digits: int | None) -> None:
    """Draw ``result`` with Rich on ``stream``."""
    show(result, "table", digits, stream)


# ---- progress ------------------------------------------------------------------------


def progress_reporter(stream: IO[str], delay: float = 0.5) -> Callable[[int, int], None]:
    """A callback that shows a Rich progress bar on ``stream`` once work outlasts ``delay``."""
    start = time.monotonic()
    state: dict[str, Any] = {}

    def report(done: int, total: int) -> None:
        if "bar" not in state:
            if time.monotonic() - start < delay or done >= total:
                return
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            bar = Progress(
                TextColumn("Jacobian rows (one backward each)"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=console(stream),
                transient=True,
            )
            bar.start()
            state["bar"] = bar
            state["task"] = bar.add_task("rows", total=total)
        bar = state["bar"]
        bar.update(state["task"], completed=done)
        if done >= total:
            bar.stop()

    return report
