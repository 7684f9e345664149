"""The `vjp` command line: Typer wiring only. Options -> request.run -> render; the only module that exits.

Each command declares its options (shared declarations below) and hands them to ``_run``:
the request layer resolves the function and computes, ``_show`` prints, ``_guard`` turns
errors into one line and an exit status. Imports stay light at the top (no torch, no
SymPy, no Rich): ``vjp --help``, ``vjp examples`` and parse errors never pay for them.
"""

from __future__ import annotations

import functools
import os
import sys
import traceback as tb
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from typer.core import TyperCommand, TyperGroup

from . import __version__
from .errors import ExitCode, ParseError, VjpError

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
    latex = "latex"
    markdown = "markdown"
    dot = "dot"


class View(StrEnum):
    auto = "auto"
    numbers = "numbers"
    heat = "heat"


class Method(StrEnum):
    auto = "auto"
    rows = "rows"
    batched = "batched"
    jacrev = "jacrev"
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
    leaf = "leaf"
    inplace = "inplace"
    no_grad = "no-grad"
    detach = "detach"


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
WrtOpt = Annotated[
    str | None,
    typer.Option(
        "--wrt",
        help="Differentiate only these inputs, in this order (e.g. --wrt W,b); the others are constants. "
        "Default: every input.",
        show_default=False,
    ),
]
FormatOpt = Annotated[
    Format | None,
    typer.Option(
        "--format",
        "-f",
        help="Output format (a format that does not fit the command is refused, naming those that do: "
        "dot is for graph only; latex and markdown for tables and matrices). Default: $VJP_FORMAT, "
        "else table on a terminal and plain tab-separated numbers when piped.",
        show_default=False,
        case_sensitive=False,
    ),
]
PlotOpt = Annotated[
    str | None,
    typer.Option(
        "--plot",
        metavar="FILE",
        help="Also draw the result as a heatmap into FILE, by its extension: .png, .svg or .pdf "
        "('-': PNG to stdout, instead of the text). Needs matplotlib: pip install 'autograd-cli[plot]'.",
        show_default=False,
    ),
]
GraphPlotOpt = Annotated[
    str | None,
    typer.Option(
        "--plot",
        metavar="FILE",
        help="Also draw the graph into FILE, by its extension: .svg, .png or .pdf ('-': PNG to stdout, "
        "instead of the text), with Graphviz's dot program (pip install 'autograd-cli[plot]' and Graphviz).",
        show_default=False,
    ),
]
ViewOpt = Annotated[
    View,
    typer.Option(
        "--view",
        help="In the terminal: numbers, or a heat picture (colours; characters with NO_COLOR), "
        "or auto (the picture when the numbers do not fit).",
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
        "batched (all rows in one is_grads_batched call), jacrev (all rows through one vmapped vjp, as "
        "torch.func.jacrev), forward (forward-mode columns), auto (rows for small cases, else jacrev or forward).",
        case_sensitive=False,
    ),
]


@dataclass
class Output:
    fmt: str
    digits: int | None
    quiet: bool
    plot: str | None = None  # --plot FILE ('-': PNG on stdout)
    view: str = "auto"  # --view, for tables of matrices


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


def _output(
    fmt: Format | None,
    digits: int | None,
    quiet: bool,
    command: str,
    plot: str | None = None,
    view: View = View.auto,
) -> Output:
    """The output options, checked before any work: a format that does not fit the command, a
    picture that cannot be made, or --view heat with a text format is a usage error."""
    from . import formats

    name = fmt.value if fmt is not None else os.environ.get("VJP_FORMAT", "").strip().lower()
    if name and name not in Format.__members__:
        _fail(f"$VJP_FORMAT={name[:40]!r} is not a format; use one of {', '.join(Format.__members__)}")
    if fmt is not None and not formats.fits(command, name):
        _fail(formats.misfit_message(command, name))
    if fmt is None and name and not formats.fits(command, name):
        name = ""  # $VJP_FORMAT is a default for every command; where it does not fit, the usual default
    if view is View.heat:
        if fmt is not None and name != "table":
            _fail(
                f"--view heat draws a picture in the terminal, which --format {name} has no room for; drop one of them"
            )
        name = "table"
    if not name:
        name = "table" if sys.stdout.isatty() else "plain"
    if plot is not None:
        _check_plot(plot, command, fmt)
    return Output(name, digits, quiet, plot, view.value)


def _check_plot(target: str, command: str, fmt: Format | None) -> None:
    """Refuse a picture that cannot be made before anything is computed."""
    from . import plot

    try:
        if command == "graph":
            from . import dot

            plot.picture_format(target)
            dot.require()
        else:
            plot.picture_format(target)
            plot.require_matplotlib()
    except VjpError as e:
        _fail(str(e))
    if target == "-":
        if sys.stdout.isatty():
            _fail("--plot - writes PNG bytes to stdout, which is a terminal; redirect it (> j.png) or name a file")
        if fmt is not None:
            _fail(f"--plot - writes the picture to stdout, so --format {fmt.value} has nowhere to go; drop one of them")


# ---- the one path every command takes ---------------------------------------------------------

# Set by `vjp shell` while it runs a line: its stdin carries the command lines, not points.
_STDIN_IS_FREE = True


def _show(out: Output, shown: Any) -> None:
    """The one place results are printed: notes to stderr, the result to stdout (and --plot's picture)."""
    from . import render

    for message in getattr(shown, "notes", ()):
        _note(out, message)
    if out.plot is not None and not isinstance(shown, str):
        _picture(out, shown)
        if out.plot == "-":
            return
    render.show(shown, out.fmt, out.digits, sys.stdout, out.view)
    sys.stdout.flush()


def _picture(out: Output, shown: Any) -> None:
    """--plot: a heatmap (matplotlib), or the graph drawn by Graphviz; a note says where it went."""
    from . import plot
    from .engine_results import GraphResult
    from .results import SymbolicJacobianResult

    assert out.plot is not None
    if isinstance(shown, SymbolicJacobianResult):
        raise plot.PlotError("--plot draws the Jacobian at a point; add --at with one value per input")
    if isinstance(shown, GraphResult):
        from . import dot

        fmt = plot.picture_format(out.plot)
        data = dot.render(dot.to_dot(shown), fmt)
        where = plot.write_bytes(data, out.plot, sys.stdout.buffer, fmt)
    else:
        sys.stdout.flush()
        where = plot.write(shown, out.plot, sys.stdout.buffer)
    if out.plot != "-":
        _note(out, f"wrote {where}")


def _progress(out: Output) -> Any:
    if not sys.stderr.isatty() or out.quiet or os.environ.get("NO_COLOR"):
        return None
    from . import render

    return render.progress_reporter(sys.stderr)


def _plain_value(value: Any) -> Any:
    return value.value if isinstance(value, StrEnum) else str(value) if isinstance(value, Path) else value


def _run(command: str, options: Output | None, traceback: bool, /, **fields: Any) -> None:
    """Every command's body: its options -> a Request -> request.run -> exit status.

    ``fields`` are the command's own options, by their Request names; enums are turned
    into their values, paths into strings and the --at list into a tuple.
    """
    from .request import Channels, Request, run

    out = options or _output(None, None, False, command)
    values: dict[str, Any] = {k: _plain_value(v) for k, v in fields.items()}
    values["at"] = tuple(values.get("at") or ())
    if out.plot is not None and (
        "-" in values["at"] or values.get("points") or values.get("vs") or values.get("v") == "-"
    ):
        _fail("--plot draws the result at one point; with many points use --format csv or json (and plot those)")
    req = Request(command=command, **values)
    channels = Channels(
        show=lambda shown: _show(out, shown),
        note=lambda message: _note(out, message),
        warn=lambda message: _note(None, f"warning: {message}"),
        stdin=sys.stdin if _STDIN_IS_FREE else None,
        stdout=sys.stdout,
        fmt=out.fmt,
        digits=out.digits,
        progress=lambda: _progress(out),
    )
    code = _guard(_debug(traceback), lambda: run(req, channels))
    if code:
        raise typer.Exit(code)


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
    wrt: WrtOpt = None,
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
    plot: PlotOpt = None,
    view: ViewOpt = View.auto,
    dtype: DTypeOpt = DType.float64,
    quiet: QuietOpt = False,
    traceback: TracebackOpt = False,
) -> None:
    """The full Jacobian at a point, built row by row from one-hot backward calls.

    Without a point (no --at), the symbolic Jacobian from SymPy. With --at - or --points,
    one Jacobian per point.
    """
    _run(
        "jacobian",
        _output(fmt, digits, quiet, "jacobian", plot, view),
        traceback,
        expr=expr,
        expr_file=expr_file,
        example=example,
        at=at,
        vars=vars_,
        wrt=wrt,
        method=method,
        symbolic=symbolic,
        verbose=verbose,
        points=points,
        on_error=on_error,
        dtype=dtype,
    )


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
    wrt: WrtOpt = None,
    points: PointsOpt = None,
    on_error: OnErrorOpt = OnError.stop,
    expr_file: ExprFileOpt = None,
    fmt: FormatOpt = None,
    digits: DigitsOpt = None,
    plot: PlotOpt = None,
    dtype: DTypeOpt = DType.float64,
    quiet: QuietOpt = False,
    traceback: TracebackOpt = False,
) -> None:
    """vᵀJ: x.grad after one y.backward(v)."""
    _run(
        "product",
        _output(fmt, digits, quiet, "product", plot),
        traceback,
        expr=expr,
        expr_file=expr_file,
        example=example,
        at=at,
        v=v,
        vs=vs,
        vars=vars_,
        wrt=wrt,
        points=points,
        on_error=on_error,
        dtype=dtype,
    )


app.command("vjp", help="The same as `product`: vᵀJ, x.grad after one y.backward(v).")(product)


@app.command()
def grad(
    expr: ExprArg = None,
    at: AtOpt = None,
    example: ExampleOpt = None,
    vars_: VarsOpt = None,
    wrt: WrtOpt = None,
    expr_file: ExprFileOpt = None,
    fmt: FormatOpt = None,
    digits: DigitsOpt = None,
    dtype: DTypeOpt = DType.float64,
    quiet: QuietOpt = False,
    traceback: TracebackOpt = False,
) -> None:
    """The gradient of a scalar function: x.grad after y.backward() (torch's implicit gradient of 1)."""
    _run(
        "grad",
        _output(fmt, digits, quiet, "grad"),
        traceback,
        expr=expr,
        expr_file=expr_file,
        example=example,
        at=at,
        vars=vars_,
        wrt=wrt,
        dtype=dtype,
    )


@app.command()
def check(
    expr: ExprArg = None,
    at: AtOpt = None,
    example: ExampleOpt = None,
    vars_: VarsOpt = None,
    wrt: WrtOpt = None,
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
    plot: PlotOpt = None,
    dtype: DTypeOpt = DType.float64,
    quiet: QuietOpt = False,
    traceback: TracebackOpt = False,
) -> None:
    """y.sum().backward() == y.backward(ones_like(y)) == 1ᵀJ == SymPy's d(Σy)/dx, and the Jacobian
    from autograd == SymPy's == central finite differences? Exit 1 if not."""
    _run(
        "check",
        _output(fmt, digits, quiet, "check", plot),
        traceback,
        expr=expr,
        expr_file=expr_file,
        example=example,
        at=at,
        vars=vars_,
        wrt=wrt,
        atol=atol,
        rtol=rtol,
        eps=eps,
        method=method,
        points=points,
        on_error=on_error,
        dtype=dtype,
    )


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
    wrt: WrtOpt = None,
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
    _run(
        "jvp",
        _output(fmt, digits, quiet, "jvp"),
        traceback,
        expr=expr,
        expr_file=expr_file,
        example=example,
        at=at,
        u=u,
        v=v,
        vars=vars_,
        wrt=wrt,
        atol=atol,
        rtol=rtol,
        dtype=dtype,
    )


@app.command()
def hessian(
    expr: ExprArg = None,
    at: AtOpt = None,
    example: ExampleOpt = None,
    vars_: VarsOpt = None,
    wrt: WrtOpt = None,
    expr_file: ExprFileOpt = None,
    atol: Annotated[float, typer.Option("--atol", help="Absolute tolerance of the checks.")] = 1e-5,
    rtol: Annotated[float, typer.Option("--rtol", help="Relative tolerance of the checks.")] = 1e-3,
    fmt: FormatOpt = None,
    digits: DigitsOpt = None,
    plot: PlotOpt = None,
    view: ViewOpt = View.auto,
    dtype: DTypeOpt = DType.float64,
    quiet: QuietOpt = False,
    traceback: TracebackOpt = False,
) -> None:
    """The Hessian of each output by double backward, checked for symmetry and against SymPy."""
    _run(
        "hessian",
        _output(fmt, digits, quiet, "hessian", plot, view),
        traceback,
        expr=expr,
        expr_file=expr_file,
        example=example,
        at=at,
        vars=vars_,
        wrt=wrt,
        atol=atol,
        rtol=rtol,
        dtype=dtype,
    )


@app.command()
def graph(
    expr: ExprArg = None,
    at: AtOpt = None,
    example: ExampleOpt = None,
    vars_: VarsOpt = None,
    wrt: WrtOpt = None,
    expr_file: ExprFileOpt = None,
    fmt: FormatOpt = None,
    plot: GraphPlotOpt = None,
    dtype: DTypeOpt = DType.float64,
    quiet: QuietOpt = False,
    traceback: TracebackOpt = False,
) -> None:
    """The autograd graph of y: grad_fn nodes, their next_functions, AccumulateGrad at the leaves."""
    _run(
        "graph",
        _output(fmt, None, quiet, "graph", plot),
        traceback,
        expr=expr,
        expr_file=expr_file,
        example=example,
        at=at,
        vars=vars_,
        wrt=wrt,
        dtype=dtype,
    )


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
    wrt: WrtOpt = None,
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
            "scalar (backward() on a non-scalar y), retain (a second backward without retain_graph), leaf (a "
            "non-leaf's .grad is None), inplace (in-place ops autograd refuses), no-grad (nothing to backpropagate), "
            "detach (a value used but not differentiated).",
            case_sensitive=False,
        ),
    ] = None,
    fmt: FormatOpt = None,
    dtype: DTypeOpt = DType.float64,
    quiet: QuietOpt = False,
    traceback: TracebackOpt = False,
) -> None:
    """What autograd does, step by step, for your function: leaves, forward, one-hot rows, vᵀJ."""
    _run(
        "explain",
        _output(fmt, None, quiet, "explain"),
        traceback,
        expr=expr,
        expr_file=expr_file,
        example=example,
        at=at,
        v=v,
        vars=vars_,
        wrt=wrt,
        code=code,
        pitfall=pitfall,
        dtype=dtype,
    )


@app.command()
def examples(
    name: Annotated[str | None, typer.Argument(help="Show one example.", show_default=False)] = None,
    fmt: FormatOpt = None,
    traceback: TracebackOpt = False,
) -> None:
    """The named examples of examples.toml (use one with --example NAME)."""
    _run("examples", _output(fmt, None, False, "examples"), traceback, name=name)


@app.command()
def shell(
    on_error: Annotated[
        OnError,
        typer.Option(
            "--on-error",
            help="When a line fails: skip it and go on (the exit status is the worst of all lines), or stop there.",
        ),
    ] = OnError.skip,
) -> None:
    """Many command lines in one process (torch loads once): a prompt on a terminal, else one command line
    per line of stdin. Each line is a vjp command without the leading `vjp`."""
    from . import shell as face

    raise typer.Exit(face.run(on_error.value))


@app.command()
def functions(
    name: Annotated[
        str | None,
        typer.Argument(help="Show the functions matching a name (sum, torch.sum, x.sum).", show_default=False),
    ] = None,
    fmt: FormatOpt = None,
    traceback: TracebackOpt = False,
) -> None:
    """Every operation the expression language knows: its spellings (bare, torch., F., np., jnp., methods),
    the torch function it runs as, and whether SymPy has a symbolic form of it."""
    _run("functions", _output(fmt, None, False, "functions"), traceback, name=name)


class Pane(StrEnum):
    steps = "steps"
    code = "code"
    graph = "graph"
    symbolic = "symbolic"
    hessian = "hessian"


@app.command()
def explore(
    expr: ExprArg = None,
    at: AtOpt = None,
    v: Annotated[
        str | None,
        typer.Option("--v", help="The cotangent v to start with (one weight per output).", show_default=False),
    ] = None,
    example: ExampleOpt = None,
    vars_: VarsOpt = None,
    wrt: WrtOpt = None,
    expr_file: ExprFileOpt = None,
    pane: Annotated[
        Pane,
        typer.Option("--pane", help="The pane to open with: steps, code (explain --code), graph, symbolic, hessian."),
    ] = Pane.steps,
    dtype: DTypeOpt = DType.float64,
    traceback: TracebackOpt = False,
) -> None:
    """A full-screen live explorer: edit the function, move the point and v, watch J, vᵀJ and the checks.

    Keys: ←/→ or +/- nudge the selected input, [ and ] change the step, 1-5 switch panes,
    ? shows every key, q quits. On leaving, the function, point and v are remembered.
    """

    def body() -> int:
        from .explore.app import run as explore_run  # Textual is imported by this command only

        return explore_run(
            expr=expr,
            expr_file=str(expr_file) if expr_file is not None else None,
            example=example,
            at=tuple(at or ()),
            v=v,
            vars=vars_,
            wrt=wrt,
            dtype=dtype.value,
            pane=pane.value,
            note=lambda message: _note(None, message),
            warn=lambda message: _note(None, f"warning: {message}"),
        )

    code = _guard(_debug(traceback), body)
    if code:
        raise typer.Exit(code)


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


# ---- one command line, in this process (vjp shell) -------------------------------------------------


class _Commands(MutableMapping[str, Any]):
    """The group's commands, each built from its Typer declaration when first asked for.

    Typer builds every command's Click parameters (evaluating each signature's annotations)
    before a command line is even parsed; a command line runs one command, so only that one
    is built. Listing the names builds nothing; help, which shows them all, builds them all.
    """

    def __init__(self, infos: list[Any]) -> None:
        self._infos = {typer.main.get_command_name(info.name or info.callback.__name__): info for info in infos}
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            info = self._infos[name]  # KeyError for an unknown name, as a dict
            self._built[name] = typer.main.get_command_from_info(
                info, pretty_exceptions_short=app.pretty_exceptions_short, rich_markup_mode=app.rich_markup_mode
            )
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._infos.setdefault(name, None)
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._infos[name]
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._infos)

    def __len__(self) -> int:
        return len(self._infos)


@functools.cache
def click_app() -> Any:
    """The Click group behind ``app``, built once; its commands are built as they are used."""
    import copy

    bare = copy.copy(app)  # the group itself (callback, --version, completion options) without its commands
    bare.registered_commands = []
    group: Any = typer.main.get_command(bare)  # a VjpGroup: the app has a callback
    group.commands = _Commands(app.registered_commands)
    return group


def invoke(args: list[str]) -> int:
    """Run one vjp command line in this process, as ``vjp`` would; its exit status.

    Used by ``vjp shell``: stdin carries the shell's own lines, so commands may not read it.
    """
    global _STDIN_IS_FREE
    _STDIN_IS_FREE = False
    try:
        click_app().main(args, prog_name="vjp", standalone_mode=True)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else ExitCode.USAGE)
    finally:
        _STDIN_IS_FREE = True
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _quiet_broken_pipe()
    return ExitCode.SUCCESS


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
    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)  # the names only: nothing is built to list them

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
        click_app()(prog_name="vjp")  # as app(...) does, with the commands built as needed
    finally:
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _quiet_broken_pipe()
