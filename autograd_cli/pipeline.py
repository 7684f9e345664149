"""Streams of points or cotangents -> one result per line, in input order, block by block.

A bad line either stops the run (``on_error="stop"``: every good line before it has been
computed and written, then a ``VjpError`` names the line) or is reported and skipped.
Notes go to the ``note`` callback; the CLI decides where they are printed.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import IO, Any

from .errors import InputError, VjpError
from .parsing import Function
from .points import parse_vector
from .problem import Problem, check_cotangent
from .stream import Item, PointLines, VectorLines, open_lines

MAX_NOTES = 20


@dataclass
class Sources:
    """Where many points or cotangents come from: '-' (stdin) or a file path."""

    points: str | None = None
    vs: str | None = None


def open_input(path: str, stdin: IO[str]) -> Any:
    """A context manager: stdin for '-' (left open), else the file."""

    class _Keep:
        def __enter__(self) -> IO[str]:
            return stdin

        def __exit__(self, *exc: object) -> None:
            return None

    if path == "-":
        return _Keep()
    try:
        return open(path, encoding="utf-8-sig", errors="replace")
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror or e}") from None


class StreamRun:
    """Runs ``command`` (jacobian, product, check) over a stream of points or cotangents."""

    def __init__(
        self,
        command: str,
        fmt: str,
        digits: int | None,
        out: IO[str],
        method: str,
        on_error: str,
        note: Callable[[str], None],
        atol: float = 1e-5,
        rtol: float = 1e-3,
        eps: float = 1e-6,
    ) -> None:
        self.eps = eps
        self.command = command
        self.fmt, self.digits, self.out = fmt, digits, out
        self.method = method
        self.stop = on_error == "stop"
        self.note = note
        self.atol, self.rtol = atol, rtol
        self.engine: Any = None
        self.writer: Any = None
        self.skipped = 0
        self.notes_seen = 0

    # -- computing and writing ------------------------------------------------------------
    def _setup(self, problem: Problem) -> None:
        from . import batch, render
        from .results import Header

        # torch and SymPy leave millions of long-lived objects; without this, the garbage
        # collector walks them all again and again while result lists are being made
        gc.freeze()

        self.engine = batch.BatchEngine(problem, self.method, command_needs_jacobian=self.command != "product")
        header = Header.of(self.command, problem)
        self.writer = render.BatchWriter(
            self.command, header, self.fmt, self.digits, self.out, self.engine.method, self.atol, self.rtol
        )

    def compute(self, problem: Problem, items: list[Item], vs: list[tuple[float, ...]] | None) -> None:
        if not items:
            return
        if self.engine is None:
            self._setup(problem)
        from .results import point_notes

        size = self.engine.block_size()
        for start in range(0, len(items), size):
            chunk = items[start : start + size]
            points = [it.values for it in chunk]
            vchunk = vs[start : start + size] if vs is not None else None
            if self.command == "jacobian":
                block = self.engine.jacobian(points)
            elif self.command == "product":
                block = self.engine.product(points, vchunk)
            else:
                block = self.engine.check(points, self.atol, self.rtol, self.eps)
            notes: list[list[str]] = []
            for i, it in enumerate(chunk):
                notes_here: list[str] = list(block.verdicts[i].notes) if block.verdicts else []
                if (block.finite is not None and not block.finite[i]) or block.verdicts:
                    jac = block.jacobians if block.jacobians is not None else block.jacobian
                    notes_here += point_notes(
                        problem,
                        block.values[i],
                        jac[i] if jac is not None else None,
                        vjp=block.vjps[i] if block.vjps is not None else None,
                        grad=block.sum_backward[i] if block.sum_backward is not None else None,
                    )
                for message in notes_here:
                    if self.notes_seen < MAX_NOTES:
                        self.note(f"line {it.line}: {message}")
                    self.notes_seen += 1
                notes.append(notes_here)
            self.writer.write(block, notes)

    def bad(self, item: Item) -> None:
        self.skipped += 1
        if self.stop:
            raise InputError(f"{item.error} (the lines after it were not read; --on-error skip goes past bad lines)")
        self.note(f"skipped {item.error}")

    def feed(self, problem: Problem | None, rows: list[tuple[Item, tuple[float, ...] | None]]) -> None:
        """Compute the good rows in order; at a bad one, flush what came before, then report it."""
        good: list[Item] = []
        vs: list[tuple[float, ...] | None] = []
        for item, v in rows:
            if item.error is not None:
                assert problem is not None or not good
                if good and problem is not None:
                    self.compute(problem, good, self._vs(vs))
                good, vs = [], []
                self.bad(item)
                continue
            good.append(item)
            vs.append(v)
        if good and problem is not None:
            self.compute(problem, good, self._vs(vs))

    @staticmethod
    def _vs(vs: list[tuple[float, ...] | None]) -> list[tuple[float, ...]] | None:
        return None if not vs or vs[0] is None else [v for v in vs if v is not None]

    # -- the two shapes of stream -----------------------------------------------------------
    def points(
        self, function: Function, dtype: str, sources: Sources, stdin: IO[str], fixed_v: str | None = None
    ) -> None:
        """Many points (and, with ``sources.vs``, one cotangent per point, line by line)."""
        parser = PointLines(function, dtype)
        fixed: tuple[float, ...] | None = None
        with ExitStack() as stack:
            assert sources.points is not None
            f = stack.enter_context(open_input(sources.points, stdin))
            vlines: Iterator[tuple[int, str]] | None = None
            if sources.vs is not None:
                vf = stack.enter_context(open_input(sources.vs, stdin))
                vlines = (pair for block in open_lines(vf) for pair in block)
            vparser: VectorLines | None = None
            ready = False
            for lines in open_lines(f):
                rows: list[tuple[Item, tuple[float, ...] | None]] = []
                for number, text in lines:
                    item = parser.parse(number, text)
                    if item is None:
                        continue
                    problem = parser.problem
                    v: tuple[float, ...] | None = None
                    if item.error is None and problem is not None:
                        if not ready:  # the first point fixed the shapes: now v can be checked
                            ready = True
                            if fixed_v is not None:
                                fixed = check_cotangent(problem, parse_vector(fixed_v))
                            elif self.command == "product" and vlines is None and problem.m != 1:
                                raise InputError(
                                    f"product needs --v: y has {problem.m} elements, and torch refuses y.backward() "
                                    'without a gradient ("grad can be implicitly created only for scalar outputs"). '
                                    "Pass --v V for every point, or --vs FILE with one v per point"
                                )
                        v = fixed
                        if vlines is not None:
                            vparser = vparser or VectorLines(problem)
                            vitem = _next_item(vlines, vparser)
                            if vitem is None:
                                item = Item(number, None, f"line {number}: no cotangent left for this point in --vs")
                            elif vitem.error is not None:
                                item = Item(number, None, f"{vitem.error} of the cotangents")
                            else:
                                v = vitem.values
                    rows.append((item, v))
                self.feed(parser.problem, rows)
            if vlines is not None and parser.problem is not None:
                vparser = vparser or VectorLines(parser.problem)
                extra = _next_item(vlines, vparser)
                if extra is not None:
                    self.bad(
                        Item(
                            extra.line,
                            None,
                            f"line {extra.line} of the cotangents: --vs has more lines than there are points",
                        )
                    )

    def cotangents(self, problem: Problem, source: str, stdin: IO[str]) -> None:
        """One point, many cotangents: one vᵀJ per line."""
        vparser = VectorLines(problem)
        assert problem.point is not None
        with open_input(source, stdin) as f:
            for lines in open_lines(f):
                rows: list[tuple[Item, tuple[float, ...] | None]] = []
                for number, text in lines:
                    item = vparser.parse(number, text)
                    if item is None:
                        continue
                    if item.error is not None:
                        rows.append((item, None))
                    else:
                        rows.append((Item(number, problem.point), item.values))
                self.feed(problem, rows)

    def finish(self) -> bool:
        """Report the summary; True when a check failed at some point.

        Every line bad (nothing computed) is an error even with --on-error skip.
        """
        if self.writer is None and self.skipped:
            raise InputError(f"no point could be read: all {self.skipped} line(s) were bad")
        if self.writer is None and not self.skipped:
            self.note("no points were read")
        if self.skipped and not self.stop:
            self.note(f"{self.skipped} bad line{'s' if self.skipped != 1 else ''} skipped")
        if self.notes_seen > MAX_NOTES:
            self.note(f"{self.notes_seen - MAX_NOTES} more notes about non-finite values (--format json has them all)")
        failed = self.writer is not None and self.command == "check" and self.writer.failed > 0
        if failed:
            self.note(f"{self.writer.failed} of {self.writer.count} points FAIL the check")
        return failed


def _next_item(lines: Iterator[tuple[int, str]], parser: VectorLines) -> Item | None:
    for number, text in lines:
        item = parser.parse(number, text)
        if item is not None:
            return item
    return None


__all__ = ["Sources", "StreamRun", "VjpError"]
