"""Streams of points or cotangents -> one result per line, in input order, block by block.

A bad line either stops the run (``on_error="stop"``: every good line before it has been
computed and written, then a ``VjpError`` names the line) or is reported and skipped.
An unexpected failure while computing a block does not take the block's good points with
it: the block is computed again in halves, down to single points, and only the point that
fails is reported (as an internal error: exit 70 at the end, once every other point has
its result). Notes go to the ``note`` callback; the CLI decides where they are printed.
"""

from __future__ import annotations

import gc
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import IO, Any

from . import __version__
from .errors import InputError, InternalError, VjpError
from .parsing import Function
from .points import check_tolerances, parse_vector
from .problem import Problem, check_cotangent
from .request import Sources  # (defined there: deciding whether a command streams needs no stream machinery)
from .stream import Bad, Piece, PointLines, Points, VectorLines, pieces, read_lines

MAX_NOTES = 20


def open_input(path: str, stdin: IO[str] | None) -> Any:
    """A context manager giving a binary-readable stream: stdin for '-' (left open), else the file."""
    from . import channels

    class _Keep:
        def __enter__(self) -> Any:
            return stdin

        def __exit__(self, *exc: object) -> None:
            return None

    if path == "-":
        if stdin is None or channels.is_closed(stdin):
            raise InputError(
                "stdin is closed (<&-), so there are no points to read from it; pipe them in "
                "(... | vjp ... --at -) or pass --points FILE"
            )
        return _Keep()
    try:
        return open(path, "rb", buffering=0)
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror or e}") from None


def _what(path: str) -> str:
    return "stdin" if path == "-" else path


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
        check_tolerances(atol, rtol, eps)
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
        self.internal: list[str] = []
        self.gaps = 0  # skipped point lines not yet stood for in the output (see BlockWriter.gap_line)
        self._threads: int | None = None

    # -- computing and writing ------------------------------------------------------------
    def _setup(self, problem: Problem) -> None:
        from . import batch
        from .blocktext import BlockWriter
        from .results import Header

        # torch and SymPy leave millions of long-lived objects; without this, the garbage
        # collector walks them all again and again while result lists are being made
        gc.freeze()
        # A block's tensor operations take microseconds; torch's intra-op threads only add
        # their hand-over (and, on a busy machine, contention: 2x slower end to end with
        # 2 threads here). Parsing and formatting, the bulk of the work, run in this thread.
        import torch

        self._threads = torch.get_num_threads()
        torch.set_num_threads(1)

        self.engine = batch.BatchEngine(problem, self.method, command_needs_jacobian=self.command != "product")
        self.writer = BlockWriter(
            self.command,
            lambda: Header.of(self.command, problem),
            self.fmt,
            self.digits,
            self.out,
            self.engine.method,
            self.atol,
            self.rtol,
        )

    def compute(self, problem: Problem, points: Points, vs: Points | None = None) -> None:
        """Compute and write a run of good points, in blocks the engine can vectorise."""
        if not len(points):
            return
        if self.engine is None:
            self._setup(problem)
        import torch

        n = points.width
        table = torch.frombuffer(points.values, dtype=torch.float64).reshape(len(points), n) if n else None
        if table is None:
            table = torch.zeros(len(points), 0, dtype=torch.float64)
        vtable = None
        if vs is not None:
            vtable = torch.frombuffer(vs.values, dtype=torch.float64).reshape(len(vs), vs.width) if vs.width else None
            if vtable is None:
                vtable = torch.zeros(len(vs), 0, dtype=torch.float64)
        size = self.engine.block_size()
        lines = list(points.lines) if not isinstance(points.lines, range) else points.lines
        for start in range(0, len(points), size):
            end = start + size
            self._part(problem, lines[start:end], table[start:end], None if vtable is None else vtable[start:end])

    def _part(self, problem: Problem, lines: Any, table: Any, vtable: Any) -> None:
        """One vectorised block; on an unexpected failure, its halves, down to single points."""
        try:
            block, notes = self._block(problem, lines, table, vtable)
            prepared = self.writer.prepare(block, notes)
        except VjpError:
            raise
        except Exception as e:
            if len(lines) > 1:
                half = len(lines) // 2
                self._part(problem, lines[:half], table[:half], None if vtable is None else vtable[:half])
                self._part(problem, lines[half:], table[half:], None if vtable is None else vtable[half:])
                return
            self._internal(lines[0], e)
            return
        for line, messages in notes.items():
            for message in messages:
                if self.notes_seen < MAX_NOTES:
                    self.note(f"line {lines[line]}: {message}")
                self.notes_seen += 1
        self.writer.write(prepared, self.gaps)
        self.gaps = 0

    def _block(self, problem: Problem, lines: Any, table: Any, vtable: Any) -> tuple[Any, dict[int, list[str]]]:
        from .results import point_notes

        if self.command == "jacobian":
            # plain, CSV and TSV print no determinant
            block = self.engine.jacobian(table, determinants=self.fmt not in ("plain", "csv", "tsv"))
        elif self.command == "product":
            block = self.engine.product(table, vtable)
        else:
            block = self.engine.check(table, self.atol, self.rtol, self.eps)
        notes: dict[int, list[str]] = {}
        odd = (~block.finite).nonzero().flatten().tolist()
        for i in sorted(set(odd) | (set(range(len(block))) if block.verdicts else set())):
            here: list[str] = list(block.verdicts[i].notes) if block.verdicts else []
            jac = block.jacobians if block.jacobians is not None else block.jacobian
            here += point_notes(
                problem,
                block.values[i],
                jac[i] if jac is not None else None,
                vjp=block.vjps[i] if block.vjps is not None else None,
                grad=block.sum_backward[i] if block.sum_backward is not None else None,
            )
            if here:
                notes[i] = here
        return block, notes

    def _internal(self, line: int, error: Exception) -> None:
        """A point that fails alone: a bug in vjp, reported with its line; the stream goes on."""
        from .errors import bug_location

        what = f"{error.__class__.__name__}: {error}" if str(error) else error.__class__.__name__
        message = (
            f"line {line}: internal error{bug_location(error)}: {what}. This is a bug in vjp {__version__}; "
            "please report it with the command you ran, this line of input and the output of the same command "
            "with --traceback"
        )
        if self.stop:
            raise InternalError(message) from error
        self.internal.append(message)
        self.skipped += 1
        self.gaps += 1
        self.note(f"skipped {message}")

    def bad(self, item: Bad, point_line: bool = True) -> None:
        """A line that gave no point: stop, or report it and (for a point's line) keep its place
        in the output, so that the results after it stay on their own lines."""
        self.skipped += 1
        if self.stop:
            raise InputError(f"{item.message} (the lines after it were not read; --on-error skip goes past bad lines)")
        self.gaps += point_line
        self.note(f"skipped {item.message}")

    def flush_gaps(self) -> None:
        """The places of skipped lines after the last result (once a result has been written)."""
        if self.gaps and self.writer is not None:
            self.writer.write("", self.gaps)
            self.gaps = 0

    def feed(self, problem: Problem | None, piece: Piece, vs: Points | None = None) -> None:
        if isinstance(piece, Bad):
            self.bad(piece)
        elif problem is not None:
            self.compute(problem, piece, vs)

    # -- the two shapes of stream -----------------------------------------------------------
    def points(
        self,
        function: Function,
        dtype: str,
        sources: Sources,
        stdin: IO[str] | None,
        fixed_v: str | None = None,
        wrt: tuple[str, ...] | None = None,
    ) -> None:
        """Many points (and, with ``sources.vs``, one cotangent per point, line by line)."""
        parser = PointLines(function, dtype, wrt)
        fixed: tuple[float, ...] | None = None
        with ExitStack() as stack:
            stack.callback(self.close)
            assert sources.points is not None
            f = stack.enter_context(open_input(sources.points, stdin))
            cotangents: _Cotangents | None = None
            if sources.vs is not None:
                vf = stack.enter_context(open_input(sources.vs, stdin))
                cotangents = _Cotangents(read_lines(vf, _what(sources.vs)))
            ready = False
            for piece in pieces(parser, read_lines(f, _what(sources.points))):
                problem = parser.problem
                if problem is not None and not ready:  # the first point fixed the shapes: now v can be checked
                    ready = True
                    if fixed_v is not None:
                        fixed = check_cotangent(problem, parse_vector(fixed_v))
                    elif self.command == "product" and cotangents is None and problem.m != 1:
                        raise InputError(
                            f"product needs --v: y has {problem.m} elements, and torch refuses y.backward() "
                            'without a gradient ("grad can be implicitly created only for scalar outputs"). '
                            "Pass --v V for every point, or --vs FILE with one v per point"
                        )
                    if cotangents is not None:
                        cotangents.start(problem)
                if cotangents is not None and problem is None:
                    cotangents.early += 1
                    self.feed(problem, piece)
                elif cotangents is not None:
                    for part, vs in cotangents.pair(piece):
                        self.feed(problem, part, vs)
                elif fixed is not None and isinstance(piece, Points):
                    self.feed(problem, piece, _repeat(fixed, len(piece)))
                else:
                    self.feed(problem, piece)
            if cotangents is not None and parser.problem is not None:
                extra = cotangents.left()
                if extra is not None:
                    self.bad(
                        Bad(extra, f"line {extra} of the cotangents: --vs has more lines than there are points"),
                        point_line=False,
                    )
            self.flush_gaps()

    def cotangents(self, problem: Problem, source: str, stdin: IO[str] | None) -> None:
        """One point, many cotangents: one vᵀJ per line."""
        from array import array

        vparser = VectorLines(problem)
        assert problem.point is not None
        point = array("d", problem.point)
        with ExitStack() as stack:
            stack.callback(self.close)
            f = stack.enter_context(open_input(source, stdin))
            for piece in pieces(vparser, read_lines(f, _what(source))):
                if isinstance(piece, Bad):
                    self.bad(piece)
                    continue
                self.compute(problem, Points(piece.lines, point * len(piece), problem.n_all), piece)
            self.flush_gaps()

    def close(self) -> None:
        """Give torch back the threads it had (``vjp shell`` runs other commands after a stream)."""
        if self._threads is not None:
            import torch

            torch.set_num_threads(self._threads)
            self._threads = None

    def finish(self) -> bool:
        """Report the summary; True when a check failed at some point.

        Every line bad (nothing computed) is an error even with --on-error skip; a point that
        hit an internal error makes the run end with exit 70 once every other point is out.
        """
        if self.writer is None and self.skipped and not self.internal:
            raise InputError(f"no point could be read: all {self.skipped} line(s) were bad")
        if self.writer is None and not self.skipped:
            self.note("no points were read")
        if self.skipped and not self.stop:
            self.note(f"{self.skipped} bad line{'s' if self.skipped != 1 else ''} skipped")
        if self.notes_seen > MAX_NOTES:
            self.note(f"{self.notes_seen - MAX_NOTES} more notes about non-finite values (--format json has them all)")
        if self.internal:
            count = len(self.internal)
            raise InternalError(
                f"{count} point{'s' if count != 1 else ''} hit an internal error (every other point has its "
                f"result); the first: {self.internal[0]}"
            )
        failed = self.writer is not None and self.command == "check" and self.writer.failed > 0
        if failed:
            self.note(f"{self.writer.failed} of {self.writer.count} points FAIL the check")
        return failed


def _repeat(v: tuple[float, ...], count: int) -> Points:
    from array import array

    return Points(range(count), array("d", v) * count, len(v))


class _Cotangents:
    """The cotangents of ``--vs``/``--v -``, paired line by line with the points' lines.

    Every data line of the points (good or bad) takes the next cotangent line, so one bad
    line on either side never shifts the pairs after it.
    """

    def __init__(self, blocks: Iterator[Any]) -> None:
        self.blocks = blocks
        self.items: Iterator[tuple[int, Any]] | None = None
        self.early = 0  # bad point lines before the first good one: their cotangents are skipped

    def start(self, problem: Problem) -> None:
        self.items = self._items(VectorLines(problem))
        for _ in range(self.early):
            self._next()

    def _items(self, parser: VectorLines) -> Iterator[tuple[int, Any]]:
        for piece in pieces(parser, self.blocks):
            if isinstance(piece, Bad):
                yield piece.line, piece
                continue
            w = piece.width
            for k, line in enumerate(piece.lines):
                yield line, piece.values[k * w : (k + 1) * w]

    def _next(self) -> tuple[int, Any] | None:
        assert self.items is not None
        return next(self.items, None)

    def pair(self, piece: Piece) -> Iterator[tuple[Piece, Points | None]]:
        """The piece split where a cotangent is bad or missing, each good run with its cotangents."""
        from array import array

        if isinstance(piece, Bad):
            self._next()  # its cotangent goes with it
            yield piece, None
            return
        n, good_values, vs = piece.width, array("d"), array("d")
        good_lines: list[int] = []
        queue: deque[Bad] = deque()
        width = 0
        for k, line in enumerate(piece.lines):
            item = self._next()
            if item is None:
                queue.append(Bad(line, f"line {line}: no cotangent left for this point in --vs"))
            elif isinstance(item[1], Bad):
                queue.append(Bad(line, f"line {item[0]} of the cotangents: {_after_line(item[1].message)}"))
            else:
                width = len(item[1])
                if queue:
                    if good_lines:
                        yield Points(good_lines, good_values, n), Points(good_lines, vs, width)
                        good_lines, good_values, vs = [], array("d"), array("d")
                    while queue:
                        yield queue.popleft(), None
                good_lines.append(line)
                good_values.extend(piece.values[k * n : (k + 1) * n])
                vs.extend(item[1])
                continue
            if good_lines:
                yield Points(good_lines, good_values, n), Points(good_lines, vs, width)
                good_lines, good_values, vs = [], array("d"), array("d")
        if good_lines:
            yield Points(good_lines, good_values, n), Points(good_lines, vs, width)
        while queue:
            yield queue.popleft(), None

    def left(self) -> int | None:
        """The line of a cotangent left over after the last point, if any."""
        item = self._next() if self.items is not None else None
        return None if item is None else item[0]


def _after_line(message: str) -> str:
    """'line 3: ...' -> '...'."""
    head, _, rest = message.partition(": ")
    return rest if head.startswith("line ") and rest else message


__all__ = ["Sources", "StreamRun", "VjpError"]
