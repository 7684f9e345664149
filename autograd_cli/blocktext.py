"""Results at many points as text, a whole block at a time: CSV/TSV, plain, JSON Lines, tables.

No result object per point on the common path: a block's numbers go from one tensor to
text through one %-format of the whole block (``%r`` is Python's shortest round-trip
repr, the same text ``render.num`` and ``json.dumps`` write). A point whose printed values
are not all finite, every ``check`` point and every table go through the single-point
result records instead, so their text is exactly what the same point alone prints.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from functools import cached_property
from typing import IO, Any

import torch

from .engine_results import CheckResult, JacobianResult, ProductResult
from .results import Header, Result, method_detail


def numbers_text(rows: torch.Tensor, sep: str, digits: int | None, float32: bool = False) -> str:
    """(P, k) numbers as P lines of k fields, each as ``render.num`` writes it.

    Shortest round-trip repr without a trailing ``.0`` (or ``digits`` significant digits),
    ``0`` for -0, ``nan``, ``inf``, ``-inf``; with ``float32``, the shortest text that float32
    reads back (``floattext``), as a float32 result prints alone.
    """
    count, width = rows.shape
    if count == 0:
        return ""
    if width == 0:
        return "\n" * count
    from .render import number_lines

    # + 0.0 turns -0.0 into 0.0 (IEEE), so no field reads "-0"
    values = (rows.to(torch.float64) + 0.0).reshape(-1).tolist()
    if float32 and digits is None:
        from .floattext import shortest32_all

        values = shortest32_all(values)
    return number_lines(values, width, sep, digits)


def _nested(shape: tuple[int, ...]) -> str:
    """A %-template of a nested list of that shape, as json.dumps spaces it: [[%r, %r], [%r, %r]]."""
    if not shape:
        return "%r"
    return "[" + ", ".join([_nested(shape[1:])] * shape[0]) + "]"


def _escape(text: str) -> str:
    return text.replace("%", "%%")


class BlockWriter:
    """Writes one result per point, a block at a time, in input order.

    JSON Lines repeat the single-point object's keys (the line for a point is the same
    text ``--format json`` prints for that point alone); CSV/TSV print the header once;
    the bare format prints one line per point; tables print one table per point.
    """

    def __init__(
        self,
        command: str,
        header: Header | Callable[[], Header],
        fmt: str,
        digits: int | None,
        stream: IO[str],
        method: str,
        atol: float = 1e-5,
        rtol: float = 1e-3,
    ) -> None:
        self.command = command
        self._header = header
        self.fmt = fmt
        self.digits = digits
        self.stream = stream
        self.method = method
        self.atol, self.rtol = atol, rtol
        self.wrote_header = False
        self.failed = 0
        self.count = 0
        self._head_text = ""  # the CSV/TSV header, made with the first block and written before it
        self._cells = 0  # the header's cells: an empty row of as many stands for a skipped line

    @cached_property
    def header(self) -> Header:
        """The labels of every row and column: made only for formats that print them (a point
        of 10 million elements has 10 million column labels, which plain output never needs)."""
        return self._header if isinstance(self._header, Header) else self._header()

    @cached_property
    def _json_head(self) -> str:
        base = self.header.to_dict()
        for key in ("point", "value", "dtype"):
            base.pop(key)
        return _escape(json.dumps(base, ensure_ascii=False, allow_nan=False)[:-1] + ", ")

    # -- one block -> what to write ------------------------------------------------------------
    def prepare(self, block: Any, notes: dict[int, list[str]]) -> str | list[Result]:
        """The block's text (or, for tables, its result records); ``notes[i]`` are point i's notes.

        Nothing is written here, so a block that fails to format can be retried in pieces.
        """
        count = len(block)
        if self.command == "check" or self.fmt in ("latex", "markdown"):
            results = [self.result(block, i, notes.get(i, [])) for i in range(count)]
            failed = sum(1 for r in results if isinstance(r, CheckResult) and not r.match)
            out: str | list[Result] = results if self.fmt == "table" else self._records_text(results)
        elif self.fmt == "table":
            out = [self.result(block, i, notes.get(i, [])) for i in range(count)]
            failed = 0
        elif self.fmt == "json":
            out, failed = self._json(block, notes), 0
        else:
            out, failed = self._delimited(block), 0
        self.failed += failed
        self.count += count
        return out

    def write(self, prepared: str | list[Result], gaps: int = 0) -> None:
        """Write a prepared block, after the header (the first time) and ``gaps`` lines that
        stand for skipped input lines just before it."""
        if isinstance(prepared, str):
            before = self._head_text + self.gap_line * gaps
            self._head_text = ""
            if before:
                self.stream.write(before)
            if prepared:  # apart: a block's text is megabytes, not copied again
                self.stream.write(prepared)
        else:
            from . import render

            for result in prepared:
                render.table(result, self.stream, self.digits)
        self.stream.flush()

    @property
    def gap_line(self) -> str:
        """What stands for a skipped input line, so that output line k stays input line k:
        an empty line in the bare format, a row of empty cells in CSV/TSV; nothing in JSON
        Lines (each object carries its ``point``), tables, LaTeX and Markdown."""
        if self.fmt == "plain":
            return "\n"
        if self.fmt in ("csv", "tsv") and self.wrote_header:
            if self._cells == 1:
                return '""\n'  # as csv.writer writes a row of one empty cell
            return ("," if self.fmt == "csv" else "\t") * (self._cells - 1) + "\n"
        return ""

    # -- plain, CSV and TSV ------------------------------------------------------------------------
    def _head(self) -> None:
        """The CSV/TSV header row, the first time only (kept for ``write``)."""
        if self.fmt not in ("csv", "tsv") or self.wrote_header:
            return
        from .render import delimited

        h = self.header
        head = list(h.columns)
        if self.command == "jacobian":
            head += [f"d {r}/d {c}" for r in h.rows for c in h.columns]
        elif self.command == "product":
            if self._has_v:
                head += [f"v {r}" for r in h.rows]
            head += [f"vjp {c}" for c in h.columns]
        else:
            for key in ("sum_backward", "ones_backward", "column_sums", "symbolic"):
                head += [f"{key} {c}" for c in h.columns]
            head += ["match", "max_abs_diff"]
        self._set_head(delimited([head], "," if self.fmt == "csv" else "\t"), len(head))

    def _set_head(self, text: str, cells: int) -> None:
        """Keep the header to write before the first block (so a block that fails to format
        and is computed again in halves does not lose it)."""
        self.wrote_header = True
        self._head_text, self._cells = text, cells

    _has_v = False

    def _delimited(self, block: Any) -> str:
        count = len(block)
        t = block.tensors
        if self.command == "jacobian":
            result = t["jacobians"].reshape(count, -1)
        else:
            result = t["vjps"]
        float32 = result.dtype == torch.float32
        if self.fmt == "plain":
            return numbers_text(result, "\t", self.digits, float32)
        parts = [block.points, *([block.vs] if self.command == "product" and block.vs is not None else []), result]
        self._has_v = self.command == "product" and block.vs is not None
        rows = torch.cat([p.to(torch.float64).reshape(count, -1) for p in parts], dim=1)
        self._head()
        return numbers_text(rows, "," if self.fmt == "csv" else "\t", self.digits, float32)

    def _records_text(self, results: list[Result]) -> str:
        """check's points (one line each) and LaTeX/Markdown (a block each), from the records a
        single point prints."""
        from .numtext import num
        from .render import csv_header_and_row, delimited, shown_numbers

        if self.fmt != "json":  # JSON keeps every bit; text is as short as the dtype allows
            results = [shown_numbers(res) for res in results]
        if self.fmt in ("latex", "markdown"):
            from . import formats
            from .numtext import point_text

            if self.fmt == "markdown":
                return "".join(formats.text(res, "markdown", self.digits) + "\n" for res in results)
            return "".join(  # which point each block of equations is at
                f"% at {point_text(res.header, self.digits)}\n{formats.text(res, 'latex', self.digits)}"
                for res in results
            )
        if self.fmt == "plain":
            lines = []
            for res in results:
                assert isinstance(res, CheckResult)
                values = "\t".join(num(v, self.digits) for v in res.sum_backward)
                lines.append(("PASS" if res.match else "FAIL") + "\t" + values + "\n")
            return "".join(lines)
        if self.fmt == "json":
            from .render import to_json

            return "".join(to_json(res.to_dict()) + "\n" for res in results)
        rows = []
        sep = "," if self.fmt == "csv" else "\t"
        for res in results:
            head, row = csv_header_and_row(res, self.digits)
            if not self.wrote_header:
                self._set_head(delimited([head], sep), len(head))
            rows.append(row)
        return delimited(rows, sep)

    # -- JSON Lines ------------------------------------------------------------------------------
    def _json(self, block: Any, notes: dict[int, list[str]]) -> str:
        """Finite points through one template for the block; the others through their record."""
        count = len(block)
        template, rows = self._json_template(block)
        fast = torch.isfinite(rows).all(dim=1)
        for i in notes:
            fast[i] = False
        slow = (~fast).nonzero().flatten().tolist()
        if not slow:
            return (template * count) % tuple(rows.reshape(-1).tolist())
        from .render import to_json

        out: list[str] = []
        start = 0
        for i in [*slow, count]:
            if i > start:  # the finite run before point i
                out.append((template * (i - start)) % tuple(rows[start:i].reshape(-1).tolist()))
            if i < count:
                out.append(to_json(self.result(block, i, notes.get(i, [])).to_dict()) + "\n")
            start = i + 1
        return "".join(out)

    def _json_template(self, block: Any) -> tuple[str, torch.Tensor]:
        """One point's JSON line as a %-template, and the (P, k) numbers that fill it, in order."""
        h = self.header
        count = len(block)
        t = block.tensors
        n, m = len(h.columns), len(h.rows)
        flat = _nested((n,))
        head = self._json_head + f'"point": {flat}, "value": {_nested((m,))}, "dtype": ' + _escape(json.dumps(h.dtype))
        parts = [block.points, t["values"]]
        if self.command == "jacobian":
            body = f', "jacobian": {_nested((m, n))}, "method": ' + _escape(json.dumps(self.method))
            parts.append(t["jacobians"])
            if "determinants" in t:
                body += ', "determinant": %r'
                parts.append(t["determinants"])
        else:
            has_v = block.vs is not None
            v = _nested((m,)) if has_v else "null"
            grads = ", ".join(
                _escape(json.dumps(name, ensure_ascii=False)) + ": " + _nested(tuple(shape))
                for name, shape in h.input_shapes.items()
            )
            method = _escape(json.dumps("y.backward(v)" if has_v else "y.backward()"))
            body = f', "v": {v}, "vjp": {flat}, "grads": {{{grads}}}, "method": {method}'
            parts += [*([block.vs] if has_v else []), t["vjps"], t["vjps"]]
        template = head + body + ', "notes": []}\n'
        rows = torch.cat([p.to(torch.float64).reshape(count, -1) for p in parts], dim=1)
        return template, rows

    # -- one point as a record (tables, check, and points with non-finite values) -----------------
    def result(self, block: Any, i: int, notes: list[str]) -> Result:
        h = replace(self.header, point=block.point_list(i), value=block.values[i])
        if self.command == "jacobian":
            det = block.determinants[i] if block.determinants is not None else None
            res: Result = JacobianResult(h, block.jacobians[i], self.method, method_detail(self.method, h), det)
        elif self.command == "product":
            v = block.vs[i].tolist() if block.vs is not None else None
            res = ProductResult(h, v, block.vjps[i], "y.backward(v)" if v is not None else "y.backward()")
        else:
            verdict = block.verdicts[i]
            res = CheckResult(
                h,
                block.sum_backward[i],
                block.ones_backward[i],
                block.column_sums[i],
                block.symbolic[i],
                verdict.match,
                verdict.max_abs_diff,
                self.atol,
                self.rtol,
                self.method,
                jacobian=block.jacobian[i],
                symbolic_jacobian=None if block.symbolic_jacobian is None else block.symbolic_jacobian[i],
                finite_differences=None if block.finite_differences is None else block.finite_differences[i],
                eps=verdict.eps,
                differences=verdict.differences,
                undefined=verdict.undefined,
            )
        if notes:
            object.__setattr__(res, "notes", notes)  # frozen: the notes belong to this point
        return res
