"""Results -> text: Rich tables, JSON, CSV, TSV and the bare piped format.

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
from collections.abc import Callable, Iterable
from typing import IO, Any

from .results import CheckResult, Header, JacobianResult, ProductResult, Result, SymbolicJacobianResult

FORMATS = ("table", "json", "csv", "tsv", "plain")
TABLE_DIGITS = 6
MAX_TABLE_ROWS = 40
MAX_TABLE_COLS = 12


# ---- numbers -------------------------------------------------------------------


def num(v: float, digits: int | None = None) -> str:
    """``4`` rather than ``4.0``; shortest round-trip form, or ``digits`` significant digits."""
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if digits is not None:
        text = f"{v:.{digits}g}"
    else:
        text = repr(float(v))
        if text.endswith(".0"):
            text = text[:-2]
    return "0" if text == "-0" else text


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
    h = result.header
    head = list(h.columns)
    row = [num(v, digits) for v in (h.point or [])]
    if isinstance(result, JacobianResult):
        for i, r in enumerate(h.rows):
            head += [f"d {r}/d {c}" for c in h.columns]
            row += [num(v, digits) for v in result.jacobian[i]]
    elif isinstance(result, ProductResult):
        if result.v is not None:
            head += [f"v {r}" for r in h.rows]
            row += [num(v, digits) for v in result.v]
        head += [f"vjp {c}" for c in h.columns]
        row += [num(v, digits) for v in result.vjp]
    elif isinstance(result, CheckResult):
        for key in ("sum_backward", "ones_backward", "column_sums", "symbolic"):
            head += [f"{key} {c}" for c in h.columns]
            row += [num(v, digits) for v in getattr(result, key)]
        head += ["match", "max_abs_diff"]
        row += ["true" if result.match else "false", num(result.max_abs_diff, digits)]
    return head, row


def delimited(rows: Iterable[list[str]], delimiter: str) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    writer.writerows(rows)
    return buf.getvalue()


def to_text(result: Result, fmt: str, digits: int | None) -> str:
    """Every format but ``table``: the text to write to stdout."""
    if fmt == "json":
        return to_json(result.to_dict()) + "\n"
    if isinstance(result, SymbolicJacobianResult):
        if fmt in ("csv", "tsv"):
            head = ["output", *result.header.columns]
            body = [[r, *row] for r, row in zip(result.header.rows, result.jacobian)]
            return delimited([head, *body], "," if fmt == "csv" else "\t")
        return "".join("\t".join(row) + "\n" for row in result.jacobian)
    if fmt in ("csv", "tsv"):
        return delimited(list(csv_header_and_row(result, digits)), "," if fmt == "csv" else "\t")
    return plain(result, digits)


def plain(result: Result, digits: int | None) -> str:
    """The bare piped format: numbers separated by tabs, one row per line."""

    def line(values: Iterable[float]) -> str:
        return "\t".join(num(v, digits) for v in values) + "\n"

    if isinstance(result, JacobianResult):
        return "".join(line(r) for r in result.jacobian)
    if isinstance(result, ProductResult):
        return line(result.vjp)
    if isinstance(result, CheckResult):
        out = [
            f"{k}\t" + line(getattr(result, k)) for k in ("sum_backward", "ones_backward", "column_sums", "symbolic")
        ]
        out.append(f"match\t{'PASS' if result.match else 'FAIL'}\n")
        return "".join(out)
    raise TypeError(result)


# ---- Rich tables -----------------------------------------------------------------


def _console(stream: IO[str]):  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(file=stream, highlight=False, soft_wrap=False)


def _point_text(h: Header, digits: int | None) -> str:
    if h.point is None:
        return ""
    if not h.tensor_inputs:
        return ", ".join(f"{n} = {num(v, digits)}" for n, v in zip(h.inputs, h.point))
    parts = []
    k = 0
    for name, shape in h.input_shapes.items():
        size = math.prod(shape)
        vals = h.point[k : k + size]
        k += size
        shown = ", ".join(num(v, digits) for v in vals[:8]) + (", …" if size > 8 else "")
        parts.append(f"{name} = [{shown}] {tuple(shape)}" if shape else f"{name} = {shown}")
    return "; ".join(parts)


def _clip(n: int, limit: int) -> list[int | None]:
    """Indices to show out of n: all, or the first and last few around a None gap."""
    if n <= limit:
        return list(range(n))
    half = limit // 2
    return [*range(half), None, *range(n - (limit - half - 1), n)]


def table(result: Result, stream: IO[str], digits: int | None) -> None:
    from rich.table import Table
    from rich.text import Text

    console = _console(stream)
    d = TABLE_DIGITS if digits is None else digits
    h = result.header
    rows_shown = _clip(len(h.rows), MAX_TABLE_ROWS)
    cols_shown = _clip(len(h.columns), MAX_TABLE_COLS)
    at = _point_text(h, digits)

    if isinstance(result, (JacobianResult, SymbolicJacobianResult)):
        symbolic = isinstance(result, SymbolicJacobianResult)
        console.print(Text("Symbolic Jacobian (SymPy)" if symbolic else f"Jacobian at {at}", style="bold"))
        t = Table()
        t.add_column("output", style="bold", no_wrap=True, overflow="fold")
        if not symbolic:
            t.add_column("y", justify="right")
        for j in cols_shown:
            t.add_column("…" if j is None else f"∂/∂{h.columns[j]}", justify="right" if not symbolic else "left")
        for i in rows_shown:
            if i is None:
                t.add_row("…", *(["…"] * (len(cols_shown) + (0 if symbolic else 1))))
                continue
            cells = [("…" if j is None else _cell(result.jacobian[i][j], d)) for j in cols_shown]
            if symbolic:
                t.add_row(h.titles[i], *cells)
            else:
                assert h.value is not None
                t.add_row(h.titles[i], num(h.value[i], d), *cells)
        console.print(t)
        if isinstance(result, JacobianResult):
            console.print(Text(f"method: {result.method} — {result.method_detail}", style="dim"))
            if result.determinant is not None:
                console.print(f"det J = {num(result.determinant, d)}")
            if result.rank is not None:
                console.print(f"rank J = {result.rank}, condition number = {num(result.condition or math.nan, d)}")
        _clipped_note(console, len(h.rows), len(h.columns))
        return

    if isinstance(result, ProductResult):
        if result.v is not None:
            console.print(Text(f"y.backward(v) at {at}", style="bold"))
            vt = Table()
            vt.add_column("output", style="bold")
            vt.add_column("y", justify="right")
            vt.add_column("v", justify="right")
            assert h.value is not None
            for i in rows_shown:
                if i is None:
                    vt.add_row("…", "…", "…")
                else:
                    vt.add_row(h.titles[i], num(h.value[i], d), num(result.v[i], d))
            console.print(vt)
        if result.v is None:
            console.print(Text(f"y.backward() at {at}", style="bold"))
        gt = Table()
        gt.add_column("input", style="bold")
        gt.add_column("value", justify="right")
        gt.add_column("vᵀJ = grad", justify="right")
        assert h.point is not None
        for j in _clip(len(h.columns), MAX_TABLE_ROWS):
            if j is None:
                gt.add_row("…", "…", "…")
            else:
                gt.add_row(h.columns[j], num(h.point[j], d), num(result.vjp[j], d))
        console.print(gt)
        if result.v is None:
            console.print(Text("y is a scalar, so backward() used an implicit gradient of 1", style="dim"))
        return

    if isinstance(result, CheckResult):
        console.print(Text(f"d(Σy)/dx four ways at {at}", style="bold"))
        t = Table()
        t.add_column("input", style="bold")
        for name in ("y.sum()\n.backward()", "y.backward(\nones_like(y))", "1ᵀJ\n(column sums)", "SymPy\nd(Σy)/dx"):
            t.add_column(name, justify="right", no_wrap=True)
        for j in _clip(len(h.columns), MAX_TABLE_ROWS):
            if j is None:
                t.add_row(*(["…"] * 5))
                continue
            t.add_row(
                h.columns[j],
                *(num(getattr(result, k)[j], d) for k in ("sum_backward", "ones_backward", "column_sums", "symbolic")),
            )
        console.print(t)
        verdict = Text("PASS", style="bold green") if result.match else Text("FAIL", style="bold red")
        verdict.append(
            f"  max |difference| = {num(result.max_abs_diff, 3)} (tolerance |a-b| <= atol + rtol*|b|, "
            f"atol={num(result.atol)}, rtol={num(result.rtol)})",
            style="none",
        )
        console.print(verdict)
        return
    raise TypeError(result)


def _cell(v: Any, digits: int) -> str:
    return v if isinstance(v, str) else num(v, digits)


def _clipped_note(console: Any, m: int, n: int) -> None:
    if m > MAX_TABLE_ROWS or n > MAX_TABLE_COLS:
        console.print(
            f"[dim]showing up to {MAX_TABLE_ROWS} rows and {MAX_TABLE_COLS} columns of {m} x {n}; "
            "--format csv, tsv or json prints every entry[/dim]"
        )


def emit(result: Result, fmt: str, digits: int | None, stream: IO[str] | None = None) -> None:
    """Write ``result`` to ``stream`` (stdout) in format ``fmt``."""
    out = stream or sys.stdout
    if fmt == "table":
        table(result, out, digits)
    else:
        out.write(to_text(result, fmt, digits))


# ---- examples ----------------------------------------------------------------------


def examples(items: list[Any], fmt: str, stream: IO[str] | None = None) -> None:
    out = stream or sys.stdout
    if fmt == "json":
        out.write(to_json({"examples": [e.to_dict() for e in items]}) + "\n")
        return
    if fmt in ("csv", "tsv", "plain"):
        rows = [[e.name, e.expression, e.at or "", e.v or "", e.description] for e in items]
        if fmt == "plain":
            out.write("".join("\t".join(r) + "\n" for r in rows))
        else:
            out.write(
                delimited([["name", "expression", "at", "v", "description"], *rows], "," if fmt == "csv" else "\t")
            )
        return
    from rich.table import Table

    t = Table(title="Examples (vjp jacobian --example NAME)", title_justify="left")
    for col in ("name", "expression", "--at", "--v", "description"):
        t.add_column(col, overflow="fold")
    for e in items:
        t.add_row(e.name + (" (default)" if e.default else ""), e.expression, e.at or "", e.v or "", e.description)
    _console(out).print(t)


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
                console=_console(stream),
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


# ---- many points: one result per point, streamed ------------------------------------------


class BatchWriter:
    """Writes one result per point as blocks arrive, in input order.

    JSON Lines repeat the single-point object's keys (the line for a point is the same
    text ``--format json`` prints for that point alone); CSV/TSV print the header once;
    the bare format prints one line per point; tables print one table per point.
    """

    def __init__(
        self,
        command: str,
        header: Header,
        fmt: str,
        digits: int | None,
        stream: IO[str],
        method: str,
        atol: float = 1e-5,
        rtol: float = 1e-3,
    ) -> None:
        self.command = command
        self.header = header
        self.fmt = fmt
        self.digits = digits
        self.stream = stream
        self.method = method
        self.atol, self.rtol = atol, rtol
        self.wrote_header = False
        self.failed = 0
        self.count = 0
        base = header.to_dict()
        base.pop("point")
        base.pop("value")
        base.pop("dtype")
        self._json_head = to_json(base)[:-1] + ", "
        self._dtype = json.dumps(header.dtype)
        self._names = header.inputs
        self._scalar_inputs = not header.tensor_inputs

    # one Result per point, for tables and for points with non-finite values
    def results(self, block: Any) -> list[Result]:
        from .results import close, max_abs_diff

        out: list[Result] = []
        for i, point in enumerate(block.points):
            h = _replace(self.header, point=point, value=block.values[i])
            if block.jacobians is not None:
                det = block.determinants[i] if block.determinants is not None else None
                res: Result = JacobianResult(h, block.jacobians[i], self.method, "", det)
            elif block.vjps is not None:
                v = block.vs[i] if block.vs is not None else None
                res = ProductResult(h, v, block.vjps[i], "y.backward(v)" if v is not None else "y.backward()")
            else:
                vecs = [block.sum_backward[i], block.ones_backward[i], block.column_sums[i], block.symbolic[i]]
                match = all(close(a, b, self.atol, self.rtol) for vec in vecs[1:] for a, b in zip(vec, vecs[0]))
                res = CheckResult(h, *vecs, match, max_abs_diff(vecs), self.atol, self.rtol, self.method)
            out.append(res)
        return out

    def write(self, block: Any, notes: list[list[str]] | None = None) -> None:
        """Write a block; ``notes[i]`` are point i's notes (they go into its JSON object)."""
        count = len(block.points)
        notes = notes or [[] for _ in range(count)]
        if self.command == "check":
            results = self.results(block)
            self.failed += sum(1 for r in results if isinstance(r, CheckResult) and not r.match)
        self.count += count
        if self.fmt == "table":
            for i, res in enumerate(self.results(block)):
                _set_notes(res, notes[i])
                table(res, self.stream, self.digits)
        elif self.fmt == "json":
            fast = self._fast_json(block) if self.command != "check" else None
            lines = []
            slow: list[Result] | None = None
            for i in range(count):
                if fast is not None and not notes[i]:
                    lines.append(fast(i))
                    continue
                slow = slow or self.results(block)
                _set_notes(slow[i], notes[i])
                lines.append(to_json(slow[i].to_dict()) + "\n")
            self.stream.write("".join(lines))
        elif self.fmt in ("csv", "tsv"):
            rows = []
            for res in self.results(block):
                head, row = csv_header_and_row(res, self.digits)
                if not self.wrote_header:
                    rows.append(head)
                    self.wrote_header = True
                rows.append(row)
            self.stream.write(delimited(rows, "," if self.fmt == "csv" else "\t"))
        else:
            self.stream.write("".join(self._plain_lines(block)))
        self.stream.flush()

    def _fast_json(self, block: Any) -> Callable[[int], str] | None:
        """The JSON line of a point with finite values, from one %-template per line.

        It is the same text as ``to_json(result.to_dict())``: ``%r`` of a float is the
        repr json.dumps writes (a test pins the equality).
        """
        h = self.header
        n, m = len(h.columns), len(h.rows)

        def floats(k: int) -> str:
            return "[" + ", ".join(["%r"] * k) + "]"

        head = self._json_head.replace("%", "%%") + f'"point": {floats(n)}, "value": {floats(m)}, "dtype": '
        head += self._dtype.replace("%", "%%") + ", "
        if block.jacobians is not None:
            keys = ["values", "jacobians"]
            body = '"jacobian": [' + ", ".join([floats(n)] * m) + '], "method": ' + json.dumps(self.method)
            if block.determinants is not None:
                keys.append("determinants")
                body += ', "determinant": %r'
        elif block.vjps is not None and self._scalar_inputs:
            keys = ["values"]
            if block.vs is not None:
                keys.append("vs_tensor")
                block.tensors["vs_tensor"] = _tensor_like(block, block.vs)
            keys.append("vjps")
            keys.append("vjps")
            grads = "{" + ", ".join(json.dumps(name).replace("%", "%%") + ": %r" for name in h.inputs) + "}"
            v = floats(m) if block.vs is not None else "null"
            method = json.dumps("y.backward(v)" if block.vs is not None else "y.backward()")
            body = f'"v": {v}, "vjp": {floats(n)}, "grads": {grads}, "method": {method}'
        else:
            return None
        template = head + body + ', "notes": []}\n'
        rows = block.flat_rows(keys)
        return lambda i: template % tuple(rows[i])

    def _plain_lines(self, block: Any) -> list[str]:
        d = self.digits
        if block.jacobians is not None:
            return ["\t".join(num(v, d) for row in jac for v in row) + "\n" for jac in block.jacobians]
        if block.vjps is not None:
            return ["\t".join(num(v, d) for v in g) + "\n" for g in block.vjps]
        return [self._plain_line(r) for r in self.results(block)]

    def _plain_line(self, res: Result) -> str:
        d = self.digits
        if isinstance(res, JacobianResult):
            return "\t".join(num(v, d) for row in res.jacobian for v in row) + "\n"
        if isinstance(res, ProductResult):
            return "\t".join(num(v, d) for v in res.vjp) + "\n"
        assert isinstance(res, CheckResult)
        return ("PASS" if res.match else "FAIL") + "\t" + "\t".join(num(v, d) for v in res.sum_backward) + "\n"


def _tensor_like(block: Any, rows: list[list[float]]) -> Any:
    """A tensor of ``rows`` in the block's own dtype (the block carries torch already)."""
    values = block.tensors["values"]
    return values.new_tensor(rows)


def _set_notes(result: Result, notes: list[str]) -> None:
    if notes:
        object.__setattr__(result, "notes", notes)  # frozen: the notes belong to this point


def _replace(header: Header, **changes: Any) -> Header:
    from dataclasses import replace

    return replace(header, **changes)
