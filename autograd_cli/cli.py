"""The `vjp` command line: options -> core -> render. The only module that prints errors and exits.

Imports stay light at the top (no torch, no SymPy, no Rich): ``vjp --help``, ``vjp
examples`` and parse errors never pay for them. Engines are imported inside the commands
that need them, after the input has been parsed and checked.
"""

from __future__ import annotations

import gc
import os
import sys
import traceback as tb
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from typer.core import TyperCommand, TyperGroup

from . import __version__
from .errors import ExitCode, ParseError, VjpError

if TYPE_CHECKING:  # the core is imported when a command runs, not for --help
    from . import sources, state
    from .parsing import Function
    from .problem import Problem

T = TypeVar("T")

app = typer.Typer(
    name="vjp",
    help=(
        "Jacobians and vector-Jacobian products of a typed vector function, computed by "
        "PyTorch autograd and checked against SymPy.\n\n"
        'Example: vjp jacobian "x0**2+3*x1; x1**2+2*x0" --at 2,3'
    ),
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    tsv = "tsv"
    plain = "plain"


class Method(StrEnum):
    auto = "auto"
    rows = "rows"
    batched = "batched"
    forward = "forward"


class DType(StrEnum):
    float64 = "float64"
    float32 = "float32"


class OnError(StrEnum):
    stop = "stop"
    skip = "skip"


class Pitfall(StrEnum):
    accumulate = "accumulate"
    scalar = "scalar"
    retain = "retain"


# ---- options, declared once and shared by every command ----------------------------

ExprArg = Annotated[
    str | None,
    typer.Argument(
        metavar="EXPR",
        help="The function: components separated by ';' (e.g. \"x0**2+3*x1; x1**2+2*x0\"). "
        "Omitted: --example, $VJP_EXPR, your last function, or the default example. "
        "An expression starting with '-' works as is, or after '--'.",
        show_default=False,
    ),
]


def _example_names(incomplete: str) -> list[str]:
    """Shell completion for --example: the names in examples.toml."""
    from . import examples

    return [e.name for e in examples.load() if e.name.startswith(incomplete)]


ExampleOpt = Annotated[
    str | None,
    typer.Option("--example", "-e", help="Use a named example (see `vjp examples`).", autocompletion=_example_names),
]
AtOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--at",
        "-a",
        help="The point: values in variable order (2,3), by name (x1=3,x0=2), or tensors "
        "(x=[0,2,8], x=ones(2,2), x=arange(4)). Repeat for several variables.",
        show_default=False,
    ),
]
VarsOpt = Annotated[str | None, typer.Option("--vars", help="Variable order, e.g. x0,x1 (may add unused inputs).")]
FormatOpt = Annotated[
    Format | None,
    typer.Option(
        "--format",
        "-f",
        help="Output format. Default: $VJP_FORMAT, else table on a terminal and plain "
        "tab-separated numbers when piped.",
        show_default=False,
        case_sensitive=False,
    ),
]
DigitsOpt = Annotated[
    int | None,
    typer.Option("--digits", "-d", min=1, max=17, help="Significant digits in text output (tables default to 6)."),
]
DTypeOpt = Annotated[DType, typer.Option("--dtype", help="Leaf tensor dtype.", case_sensitive=False)]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No notes on stderr (errors still show).")]
TracebackOpt = Annotated[
    bool, typer.Option("--traceback", help="Show Python tracebacks (also VJP_DEBUG=1), for bug reports.")
]
MethodOpt = Annotated[
    Method,
    typer.Option(
        "--method",
        "-m",
        help="How Jacobian rows are computed: rows (one backward per row, the seed's loop), "
        "batched (all rows in one vectorised call), forward (forward-mode columns), "
        "auto (rows for small cases).",
        case_sensitive=False,
    ),
]


@dataclass
class Output:
    fmt: str
    digits: int | None
    quiet: bool


def _debug(flag: bool) -> bool:
    return flag or os.environ.get("VJP_DEBUG", "") not in ("", "0")


def _note(out: Output | None, message: str) -> None:
    if out is None or not out.quiet:
        sys.stderr.write(f"vjp: {_printable(message)}\n")


def _fail(message: str, code: int = ExitCode.USAGE, excerpt: str | None = None) -> NoReturn:
    sys.stderr.write(f"vjp: error: {_printable(message)}\n")
    if excerpt:
        sys.stderr.write(excerpt + "\n")
    raise typer.Exit(code)


def _guard(debug: bool, body: Callable[[], T]) -> T:
    """Run a command body: VjpError -> its message and exit code; anything else is a bug (70)."""
    try:
        return body()
    except typer.Exit:
        raise
    except VjpError as e:
        if debug:
            raise
        _fail(str(e), e.exit_code, e.excerpt() if isinstance(e, ParseError) else None)
    except KeyboardInterrupt:
        sys.stderr.write("vjp: interrupted\n")
        raise typer.Exit(130) from None
    except BrokenPipeError:
        _quiet_broken_pipe()
        raise typer.Exit(0) from None
    except RecursionError:
        if debug:
            raise
        _fail("the expression is too deeply nested to process; simplify it")
    except Exception as e:
        if debug:
            raise
        where = tb.extract_tb(e.__traceback__)[-1] if e.__traceback__ else None
        loc = f" at {Path(where.filename).name}:{where.lineno}" if where else ""
        _fail(
            f"internal error{loc}: {e.__class__.__name__}: {e}. This is a bug in vjp {__version__}; "
            "please report it with the command you ran and the output of the same command with --traceback",
            ExitCode.SOFTWARE,
        )


def _quiet_broken_pipe() -> None:
    # the reader went away (vjp ... | head): stop writing, and do not complain at exit
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _output(fmt: Format | None, digits: int | None, quiet: bool) -> Output:
    name = fmt.value if fmt is not None else os.environ.get("VJP_FORMAT", "").strip().lower()
    if name and name not in Format.__members__:
        _fail(f"$VJP_FORMAT={name!r} is not a format; use one of {', '.join(Format.__members__)}")
    if not name:
        name = "table" if sys.stdout.isatty() else "plain"
    return Output(name, digits, quiet)


# ---- which function, at which point ----------------------------------------------------


@dataclass
class Prepared:
    chosen: sources.Chosen
    function: Function
    problem: Problem | None  # None while the points are still to come from a stream
    remembered: state.Remembered | None
    state_path: Path


def _expression_text(expr: str | None, expr_file: Path | None, stdin_taken: bool) -> str | None:
    """EXPR as typed, ``-`` for stdin, or --expr-file (components one per line allowed)."""
    from .stream import read_all

    if expr is not None and expr_file is not None:
        raise VjpError("give the expression either as EXPR or with --expr-file, not both")
    if expr_file is not None:
        try:
            with open(expr_file, encoding="utf-8-sig", errors="replace") as f:
                return read_all(f, f"--expr-file {expr_file}").strip()
        except OSError as e:
            raise VjpError(f"cannot read --expr-file {expr_file}: {e.strerror or e}") from None
    if expr == "-":
        if stdin_taken:
            raise VjpError(
                "EXPR '-' reads the expression from stdin, but stdin already carries the points; "
                "put the expression in a file and pass --expr-file FILE"
            )
        return read_all(sys.stdin, "the expression on stdin").lstrip("\ufeff").strip()
    return expr


def _prepare(
    out: Output,
    expr: str | None,
    example: str | None,
    at: list[str] | None,
    v: str | None,
    vars_: str | None,
    dtype: str,
    uses_v: bool = True,
    typed_needs_typed_point: bool = False,
    streamed_at: bool = False,
) -> Prepared:
    """Resolve the function (and, unless the points stream in, the point) and check them."""
    from . import sources, state
    from .parsing import parse, parse_names
    from .points import merge, parse_point
    from .problem import make_problem

    path = state.state_dir() / state.FILENAME
    remembered = None
    if not (expr is not None and (at or streamed_at)):
        remembered, warning = state.load(path)
        if warning:
            _note(None, f"warning: {warning}")
    chosen = sources.choose(
        expr,
        example,
        None if streamed_at else at,
        v,
        vars_,
        os.environ,
        remembered,
        uses_v=uses_v,
        typed_needs_typed_point=typed_needs_typed_point or streamed_at,
    )
    for message in chosen.notes:
        _note(out, message)
    names = parse_names(chosen.vars) if chosen.vars else None
    function = parse(chosen.expression, names)
    problem = None
    if not streamed_at:
        spec = merge([parse_point(t) for t in chosen.at]) if chosen.at else None
        problem = make_problem(function, spec, dtype)
    return Prepared(chosen, function, problem, remembered, path)


def _remember(prep: Prepared, keep_point: bool = True) -> None:
    """Remember this function; a command without a point or v keeps the remembered ones."""
    from . import state

    c = prep.chosen
    old = prep.remembered
    same = old is not None and old.expression == c.expression and old.vars == c.vars
    at = c.at if (c.at and keep_point) else (old.at if same and old is not None else ())
    v = c.v if c.v is not None else (old.v if same and old is not None else None)
    record = state.Remembered(c.expression, c.vars, at, v)
    if record != prep.remembered:
        warning = state.save(prep.state_path, record)
        if warning:
            _note(None, f"warning: {warning}")


def _engines() -> Any:
    """The torch side, imported only once the input has been checked."""
    from . import engines

    # torch and SymPy leave about a million long-lived objects; freezing them keeps each
    # garbage collection from walking them all again while results are computed
    gc.freeze()
    return engines


def _emit(out: Output, result: Any) -> None:
    from . import render

    for message in result.notes:
        _note(out, message)
    render.emit(result, out.fmt, out.digits)
    sys.stdout.flush()


def _at_point(
    out: Output,
    command: str,
    expr: str | None,
    example: str | None,
    at: list[str] | None,
    v: str | None,
    vars_: str | None,
    dtype: str,
    uses_v: bool,
) -> tuple[Prepared, Problem]:
    """The function at one point, for commands that need one (jvp, hessian, graph, explain)."""
    prep = _prepare(out, expr, example, at, v, vars_, dtype, uses_v=uses_v)
    assert prep.problem is not None
    _need_point(prep.problem, command)
    return prep, prep.problem


def _cotangent(problem: Problem, text: str | None) -> tuple[float, ...] | None:
    from .points import parse_vector
    from .problem import check_cotangent

    return None if text is None else check_cotangent(problem, parse_vector(text))


def _need_point(problem: Problem, command: str) -> None:
    if problem.point is None:
        names = ",".join(problem.names) or "x"
        raise VjpError(
            f"{command} needs a point: pass --at with one value per input ({names}), e.g. --at "
            + ",".join("1" for _ in problem.names or ["x"])
            + " (or --at - to read points from stdin)"
        )


# ---- many points ------------------------------------------------------------------------


def _sources(at: list[str] | None, points: Path | None, v: str | None = None, vs: Path | None = None) -> Any:
    from .pipeline import Sources

    src = Sources()
    if at and "-" in at:
        if len(at) > 1:
            raise VjpError("--at - reads every point from stdin; do not combine it with other --at values")
        src.points = "-"
    if points is not None:
        if src.points is not None:
            raise VjpError("give the points either with --at - or with --points FILE, not both")
        src.points = str(points)
    if v == "-":
        src.vs = "-"
    if vs is not None:
        if src.vs is not None:
            raise VjpError("give the cotangents either with --v - or with --vs FILE, not both")
        src.vs = str(vs)
    if src.points == "-" and src.vs == "-":
        raise VjpError("the points and the cotangents cannot both come from stdin; put one of them in a file")
    return src


def _stream(
    command: str,
    out: Output,
    prep: Prepared,
    src: Any,
    method: str,
    on_error: str,
    dtype: str,
    fixed_v: str | None = None,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    eps: float = 1e-6,
) -> None:
    from .pipeline import StreamRun

    run = StreamRun(
        command, out.fmt, out.digits, sys.stdout, method, on_error, lambda m: _note(out, m), atol, rtol, eps
    )
    try:
        if src.points is not None:
            run.points(prep.function, dtype, src, sys.stdin, fixed_v)
        else:
            assert prep.problem is not None
            _need_point(prep.problem, command)
            run.cotangents(prep.problem, src.vs, sys.stdin)
    finally:
        sys.stdout.flush()
    failed = run.finish()
    _remember(prep, keep_point=src.points is None)
    if failed:
        raise typer.Exit(ExitCode.CHECK_FAILED)


# ---- commands ----------------------------------------------------------------------------

PointsOpt = Annotated[
    Path | None,
    typer.Option(
        "--points",
        "-P",
        help="Many points from a file: CSV/TSV (a header naming the variables is honoured) or "
        "JSON Lines; one result per point. '-' reads stdin, as --at - does.",
        show_default=False,
    ),
]
OnErrorOpt = Annotated[
    OnError,
    typer.Option("--on-error", help="With many points: stop at a bad line (exit 2), or skip it and go on."),
]
ExprFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--expr-file", help="Read the expression from a file (components one per line allowed).", show_default=False
    ),
]


@app.command()
def jacobian(
    expr: ExprArg = None,
    at: AtOpt = None,
    example: ExampleOpt = None,
    vars_: VarsOpt = None,
    method: MethodOpt = Method.auto,
    symbolic: Annotated[
        bool, typer.Option("--symbolic", "-s", help="Show SymPy's exact Jacobian, even when a point is known.")
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", help="For a square Jacobian, also its rank and condition number.")
    ] = False,
    points: PointsOpt = None,
    on_error: OnErrorOpt = OnError.stop,
    expr_file: ExprFileOpt = None,
    fmt: FormatOpt = None,
    digits: DigitsOpt = None,
    dtype: DTypeOpt = DType.float64,
    quiet: QuietOpt = False,
    traceback: TracebackOpt = False,
) -> None:
    """The full Jacobian at a point, built row by row from one-hot backward calls.

    Without a point (no --at), the symbolic Jacobian from SymPy. With --at - or --points,
    one Jacobian per point.
    """
    out = _output(fmt, digits, quiet)

    def body() -> None:
        src = _sources(at, points)
        text = _expression_text(expr, expr_file, src.points == "-")
        prep = _prepare(
            out,
            text,
            example,
            at,
            None,
            vars_,
            dtype.value,
            uses_v=False,
            typed_needs_typed_point=True,
            streamed_at=src.points is not None,
        )
        if src.points is not None:
            _stream("jacobian", out, prep, src, method.value, on_error.value, dtype.value)
            return
        problem = prep.problem
        assert problem is not None
        engines = _engines()

        if symbolic or problem.point is None:
            from .results import SymbolicJacobianResult

            header, rows = engines.symbolic_jacobian(problem)
            _emit(out, SymbolicJacobianResult(header, rows))
        else:
            from . import render

            show = sys.stderr.isatty() and not quiet and not os.environ.get("NO_COLOR")
            progress = render.progress_reporter(sys.stderr) if show else None
            _emit(out, engines.jacobian(problem, method.value, progress, verbose))
        _remember(prep)

    _guard(_debug(traceback), body)


@app.command()
def product(
    expr: ExprArg = None,
    at: AtOpt = None,
    v: Annotated[
        str | None,
        typer.Option(
            "--v",
            help="The cotangent v: one weight per output (1,0), or the output's shape ([[1,0],[0,1]], ones(3)). "
            "Omitted for a scalar output: an implicit 1, as torch. '-' reads one v per line from stdin.",
            show_default=False,
        ),
    ] = None,
    vs: Annotated[
        Path | None,
        typer.Option(
            "--vs",
            help="Many cotangents from a file, one per line (paired line by line with the points).",
            show_default=False,
        ),
    ] = None,
    example: ExampleOpt = None,
    vars_: VarsOpt = None,
    points: PointsOpt = None,
    on_error: OnErrorOpt = OnError.stop,
    expr_file: ExprFileOpt = None,
    fmt: FormatOpt = None,
    digits: DigitsOpt = None,
    dtype: DTypeOpt = DType.float64,
    quiet: QuietOpt = False,
    traceback: TracebackOpt = False,
) -> None:
    """vᵀJ: x.grad after one y.backward(v)."""
    out = _output(fmt, digits, quiet)

    def body() -> None:
        src = _sources(at, points, v, vs)
        text = _expression_text(expr, expr_file, "-" in (src.points, src.vs))
        fixed_v = None if v == "-" else v
        prep = _prepare(out, text, example, at, fixed_v, vars_, dtype.value, streamed_at=src.points is not None)
        if src.points is not None or src.vs is not None:
            _stream("product", out, prep, src, "auto", on_error.value, dtype.value, prep.chosen.v)
            return
        problem = prep.problem
        assert problem is not None
        _need_point(problem, "product")
        vec = _cotangent(problem, prep.chosen.v)
        engines = _engines()

        _emit(out, engines.product(problem, vec))
        _remember(prep)

    _guard(_debug(traceback), body)


@app.command()
def check(
    expr: ExprArg = None,
    at: AtOpt = None,
    example: ExampleOpt = None,
    vars_: VarsOpt = None,
    atol: Annotated[float, typer.Option("--atol", help="Absolute tolerance, as torch.autograd.gradcheck.")] = 1e-5,
    rtol: Annotated[float, typer.Option("--rtol", help="Relative tolerance, as torch.autograd.gradcheck.")] = 1e-3,
    eps: Annotated[
        float, typer.Option("--eps", help="Finite-difference step, as torch.autograd.gradcheck (float64, central).")
    ] = 1e-6,
    method: MethodOpt = Method.auto,
    points: PointsOpt = None,
    on_error: OnErrorOpt = OnError.stop,
    expr_file: ExprFileOpt = None,
    fmt: FormatOpt = None,
    digits: DigitsOpt = None,
    dtype: DTypeOpt = DType.float64,
    quiet: QuietOpt = False,
    traceback: TracebackOpt = False,
) -> None:
    """y.sum().backward() == y.backward(ones_like(y)) == 1ᵀJ == SymPy's d(Σy)/dx, and the Jacobian
    from autograd == SymPy's == central finite differences? Exit 1 if not."""
    out = _output(fmt, digits, quiet)

    def body() -> None:
        src = _sources(at, points)
        text = _expression_text(expr, expr_file, src.points == "-")
        prep = _prepare(
            out, text, example, at, None, vars_, dtype.value, uses_v=False, streamed_at=src.points is not None
        )
        if src.points is not None:
            _stream("check", out, prep, src, method.value, on_error.value, dtype.value, atol=atol, rtol=rtol, eps=eps)
            return
        problem = prep.problem
        assert problem is not None
        _need_point(problem, "check")
        engines = _engines()

        result = engines.check(problem, atol, rtol, method.value, eps)
        _emit(out, result)
        _remember(prep)
        if not result.match:
            raise typer.Exit(ExitCode.CHECK_FAILED)

    _guard(_debug(traceback), body)


@app.command()
def jvp(
    expr: ExprArg = None,
    at: AtOpt = None,
    u: Annotated[
        str | None,
        typer.Option(
            "--u", help="The tangent u: one value per input, in order (1,0) or by name (x0=1,x1=0).", show_default=False
        ),
    ] = None,
    v: Annotated[
        str | None,
        typer.Option("--v", help="Also check vᵀ(Ju) = (vᵀJ)u with this cotangent.", show_default=False),
    ] = None,
    example: ExampleOpt = None,
    vars_: VarsOpt = None,
    expr_file: ExprFileOpt = None,
    atol: Annotated[float, typer.Option("--atol", help="Absolute tolerance of the vᵀ(Ju) check.")] = 1e-5,
    rtol: Annotated[float, typer.Option("--rtol", help="Relative tolerance of the vᵀ(Ju) check.")] = 1e-3,
    fmt: FormatOpt = None,
    digits: DigitsOpt = None,
    dtype: DTypeOpt = DType.float64,
    quiet: QuietOpt = False,
    traceback: TracebackOpt = False,
) -> None:
    """J·u by forward mode (dual numbers), without building J; with --v, check vᵀ(Ju) = (vᵀJ)u."""
    out = _output(fmt, digits, quiet)

    def body() -> None:
        prep, problem = _at_point(
            out,
            "jvp",
            _expression_text(expr, expr_file, False),
            example,
            at,
            v,
            vars_,
            dtype.value,
            v is not None,
        )
        if u is None:
            raise VjpError(
                f"jvp needs a tangent: pass --u with one value per input ({', '.join(problem.columns[:6])}), "
                "e.g. --u " + ",".join(["1"] + ["0"] * (problem.n - 1))
            )
        from .points import parse_point
        from .problem import check_tangent

        tangent = check_tangent(problem, parse_point(u, "--u"), "--u")
        vec = _cotangent(problem, v)
        engines = _engines()

        result = engines.jvp(problem, tangent, vec, atol, rtol)
        _emit(out, result)
        _remember(prep)
        if result.match is False:
            raise typer.Exit(ExitCode.CHECK_FAILED)

    _guard(_debug(traceback), body)


@app.command()
def hessian(
    expr: ExprArg = None,
    at: AtOpt = None,
    example: ExampleOpt = None,
    vars_: VarsOpt = None,
    expr_file: ExprFileOpt = None,
    atol: Annotated[float, typer.Option("--atol", help="Absolute tolerance of the checks.")] = 1e-5,
    rtol: Annotated[float, typer.Option("--rtol", help="Relative tolerance of the checks.")] = 1e-3,
    fmt: FormatOpt = None,
    digits: DigitsOpt = None,
    dtype: DTypeOpt = DType.float64,
    quiet: QuietOpt = False,
    traceback: TracebackOpt = False,
) -> None:
    """The Hessian of each output by double backward, checked for symmetry and against SymPy."""
    out = _output(fmt, digits, quiet)

    def body() -> None:
        prep, problem = _at_point(
            out,
            "hessian",
            _expression_text(expr, expr_file, False),
            example,
            at,
            None,
            vars_,
            dtype.value,
            False,
        )
        engines = _engines()

        result = engines.hessian(problem, atol, rtol)
        _emit(out, result)
        _remember(prep)
        if not (result.symmetric and result.match):
            raise typer.Exit(ExitCode.CHECK_FAILED)

    _guard(_debug(traceback), body)


@app.command()
def graph(
    expr: ExprArg = None,
    at: AtOpt = None,
    example: ExampleOpt = None,
    vars_: VarsOpt = None,
    expr_file: ExprFileOpt = None,
    fmt: FormatOpt = None,
    dtype: DTypeOpt = DType.float64,
    quiet: QuietOpt = False,
    traceback: TracebackOpt = False,
) -> None:
    """The autograd graph of y: grad_fn nodes, their next_functions, AccumulateGrad at the leaves."""
    out = _output(fmt, None, quiet)

    def body() -> None:
        prep, problem = _at_point(
            out,
            "graph",
            _expression_text(expr, expr_file, False),
            example,
            at,
            None,
            vars_,
            dtype.value,
            False,
        )
        engines = _engines()

        _emit(out, engines.graph(problem))
        _remember(prep)

    _guard(_debug(traceback), body)


@app.command()
def explain(
    expr: ExprArg = None,
    at: AtOpt = None,
    v: Annotated[
        str | None,
        typer.Option("--v", help="Also show how vᵀJ is the v-weighted sum of the rows.", show_default=False),
    ] = None,
    example: ExampleOpt = None,
    vars_: VarsOpt = None,
    expr_file: ExprFileOpt = None,
    code: Annotated[
        bool,
        typer.Option(
            "--code", help="Print only a runnable plain-torch script that rebuilds the function and prints J as JSON."
        ),
    ] = False,
    pitfall: Annotated[
        Pitfall | None,
        typer.Option(
            "--pitfall",
            help="Show a classic mistake, with torch's real behaviour: accumulate (no zeroing between rows), "
            "scalar (backward() on a non-scalar y), retain (a second backward without retain_graph).",
            case_sensitive=False,
        ),
    ] = None,
    fmt: FormatOpt = None,
    dtype: DTypeOpt = DType.float64,
    quiet: QuietOpt = False,
    traceback: TracebackOpt = False,
) -> None:
    """What autograd does, step by step, for your function: leaves, forward, one-hot rows, vᵀJ."""
    out = _output(fmt, None, quiet)

    def body() -> None:
        prep, problem = _at_point(
            out,
            "explain",
            _expression_text(expr, expr_file, False),
            example,
            at,
            v,
            vars_,
            dtype.value,
            pitfall is None and not code,
        )
        if code:
            from . import codegen

            sys.stdout.write(codegen.script(problem))
            _remember(prep)
            return
        from . import explain as ex

        if pitfall is not None:
            result: Any = ex.pitfall(problem, pitfall.value)
        else:
            result = ex.explain(problem, _cotangent(problem, prep.chosen.v))
        _emit(out, result)
        _remember(prep)

    _guard(_debug(traceback), body)


@app.command()
def examples(
    name: Annotated[str | None, typer.Argument(help="Show one example.", show_default=False)] = None,
    fmt: FormatOpt = None,
    traceback: TracebackOpt = False,
) -> None:
    """The named examples of examples.toml (use one with --example NAME)."""
    out = _output(fmt, None, False)

    def body() -> None:
        from . import examples as ex
        from . import render

        items = ex.load()
        if name is not None:
            items = [ex.find(name, items)]
        render.examples(items, out.fmt)

    _guard(_debug(traceback), body)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"vjp {__version__}\n")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Jacobians and vector-Jacobian products of a typed vector function, by PyTorch autograd."""


# ---- an expression that starts with '-' --------------------------------------------------


def _expression_first(command: Any, args: list[str], help_names: tuple[str, ...] = ("-h", "--help")) -> list[str]:
    """Move the EXPR out of the way of option parsing.

    ``vjp jacobian -- "-x0**2" --at 1`` and ``vjp jacobian "-x0**2" --at 1`` both mean the
    expression ``-x0**2``: a token after ``--`` is the expression and the options after it
    still count; a token that starts with '-' but is no option of the command is taken
    as the expression, not reported as "No such option".
    """
    value_opts: set[str] = set()
    known: set[str] = set(help_names)
    for p in command.params:
        opts = list(getattr(p, "opts", [])) + list(getattr(p, "secondary_opts", []))
        known.update(opts)
        if getattr(p, "param_type_name", "") == "option" and not getattr(p, "is_flag", False):
            value_opts.update(opts)
    out: list[str] = []
    expr: str | None = None
    i = 0
    while i < len(args):
        tok = args[i]
        if tok == "--":
            rest = args[i + 1 :]
            if rest and expr is None:
                expr, rest = rest[0], rest[1:]
            out.extend(rest)
            break
        if tok in value_opts and i + 1 < len(args):
            out += [tok, args[i + 1]]
            i += 2
            continue
        if expr is None and tok.split("=", 1)[0] not in known and _looks_like_expr(tok):
            expr = tok
        else:
            out.append(tok)
        i += 1
    if expr is not None:
        out += ["--", expr]
    return out


def _looks_like_expr(tok: str) -> bool:
    """'-x0**2', '-sin(x)', '-1': a minus sign, then something an expression can start with."""
    return len(tok) > 1 and tok[0] == "-" and (tok[1].isalnum() or tok[1] in "(.")


def _printable(text: str) -> str:
    """Control characters from the command line, escaped: none reaches the terminal raw."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def _one_line(error: Any, args: list[str]) -> Any:
    """Click's usage error as one line, ``vjp: error: ...``, with a hint where one helps."""
    from typer._click.exceptions import NoSuchOption, UsageError

    hint = ""
    ctx = error.ctx
    if isinstance(error, NoSuchOption) and error.option_name.startswith("-") and not error.possibilities:
        name, command = error.option_name, ctx.info_name if ctx is not None else "jacobian"
        hint = f"; if {name!r} is an expression, put it after '--': vjp {command} -- \"{name}\" --at ..."
    where = f" (see 'vjp {ctx.info_name} --help')" if ctx is not None and ctx.info_name not in (None, "vjp") else ""
    message = _printable(f"{error.format_message()}{hint}{where}")

    class OneLineError(UsageError):
        def show(self, file: Any = None) -> None:
            sys.stderr.write(f"vjp: error: {message}\n")

    return OneLineError(message, ctx)


class VjpCommand(TyperCommand):
    """Expressions may start with '-'; usage errors print as one line."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        from typer._click.exceptions import NoArgsIsHelpError, UsageError

        try:
            return super().parse_args(ctx, _expression_first(self, list(args), tuple(ctx.help_option_names)))
        except NoArgsIsHelpError:
            raise
        except UsageError as e:
            raise _one_line(e, args) from None


class VjpGroup(TyperGroup):
    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        from typer._click.exceptions import UsageError

        try:
            return super().resolve_command(ctx, args)
        except UsageError as e:
            raise _one_line(e, args) from None

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        from typer._click.exceptions import NoArgsIsHelpError, UsageError

        try:
            return super().parse_args(ctx, args)
        except NoArgsIsHelpError:
            raise
        except UsageError as e:
            raise _one_line(e, args) from None


app.info.cls = VjpGroup
for _info in app.registered_commands:
    _info.cls = VjpCommand


def main() -> None:
    """Console entry point."""
    import warnings

    # torch warns on stderr when NumPy is not installed; vjp never needs NumPy
    warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
    if sys.getrecursionlimit() < 4000:
        sys.setrecursionlimit(4000)
    try:
        app(prog_name="vjp")
    finally:
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _quiet_broken_pipe()
