"""What a face asks for -> which function, point and v -> the command's result; remember after success.

Every face (the CLI, ``vjp shell``, the explorer) describes a command in a ``Request`` and
gives the ``Channels`` it owns; ``run`` resolves the function, point and v in the order of
DESIGN.md "Which function" (the argument, ``--example``, ``$VJP_EXPR``, the remembered
function, the default example), runs the command, hands the result to the face's ``show``
and remembers the function once that succeeded. It never prints by itself and never
exits: bad input is raised as a ``VjpError`` with a finished sentence.

Imports stay light: torch is imported only once a command has a checked problem to
compute, so help, ``examples``, parse errors and bad points stay fast.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .errors import ExitCode, InputError, VjpError

if TYPE_CHECKING:
    from . import sources, state
    from .parsing import Function
    from .problem import Problem
    from .results import ExampleList, FunctionList, Result

    Shown = Result | ExampleList | FunctionList | str

Progress = Callable[[int, int], None]


@dataclass(frozen=True, kw_only=True)
class Request:
    """One command as a face asks for it: the options of a command line, already typed."""

    command: str
    expr: str | None = None  # EXPR as typed; "-" reads it from stdin
    expr_file: str | None = None
    example: str | None = None
    at: tuple[str, ...] = ()  # --at texts; ("-",) reads points from stdin
    v: str | None = None
    vs: str | None = None
    u: str | None = None
    vars: str | None = None
    wrt: str | None = None  # --wrt: the inputs to differentiate (default: all)
    dtype: str = "float64"
    method: str = "auto"
    points: str | None = None
    on_error: str = "stop"
    atol: float = 1e-5
    rtol: float = 1e-3
    eps: float = 1e-6
    symbolic: bool = False  # jacobian --symbolic
    verbose: bool = False  # jacobian --verbose
    code: bool = False  # explain --code
    pitfall: str | None = None  # explain --pitfall
    name: str | None = None  # examples NAME


def _ignore(_: str) -> None:
    return None


@dataclass(kw_only=True)
class Channels:
    """What the face owns: its one printer, its notes, its streams."""

    show: Callable[[Shown], None]  # a result, the examples or the --code script, to show
    note: Callable[[str], None] = _ignore  # a note for stderr (--quiet drops them)
    warn: Callable[[str], None] = _ignore  # a warning, shown even with --quiet
    stdin: IO[str] | None = None  # None: the face has no stdin to give (vjp shell reads its commands there)
    stdout: IO[str] | None = None  # where many-point results stream
    fmt: str = "plain"  # streams format their own lines
    digits: int | None = None
    progress: Callable[[], Progress | None] = lambda: None
    env: Mapping[str, str] = field(default_factory=lambda: os.environ)
    state_path: Path | None = None  # None: last.json in the user's app directory


@dataclass
class Sources:
    """Where many points or cotangents come from: '-' (stdin) or a file path."""

    points: str | None = None
    vs: str | None = None


# ---- which function, at which point ----------------------------------------------------


@dataclass
class Prepared:
    chosen: sources.Chosen
    function: Function
    problem: Problem | None  # None while the points are still to come from a stream
    remembered: state.Remembered | None
    state_path: Path


def state_path() -> Path:
    """last.json in $VJP_STATE_DIR, else in the user's app directory."""
    from . import state

    return state.state_dir() / state.FILENAME


def expression_text(
    *, expr: str | None, expr_file: str | None, stdin: IO[str] | None, stdin_taken: bool = False
) -> str | None:
    """EXPR as typed, ``-`` for stdin, or --expr-file (components one per line allowed)."""
    if expr is not None and expr_file is not None:
        raise VjpError("give the expression either as EXPR or with --expr-file, not both")
    if expr != "-" and expr_file is None:
        return expr
    from .stream import read_all

    if expr_file is not None:
        try:
            with open(expr_file, encoding="utf-8-sig") as f:
                return read_all(f, f"--expr-file {expr_file}").strip()
        except OSError as e:
            raise VjpError(f"cannot read --expr-file {expr_file}: {e.strerror or e}") from None
    if expr == "-":
        if stdin is None:
            raise VjpError(f"EXPR '-' reads the expression from stdin, {_NO_STDIN}; pass --expr-file FILE")
        if stdin_taken:
            raise VjpError(
                "EXPR '-' reads the expression from stdin, but stdin already carries the points; "
                "put the expression in a file and pass --expr-file FILE"
            )
        return read_all(stdin, "the expression on stdin").lstrip("\ufeff").strip()
    return expr


_NO_STDIN = "but in vjp shell stdin carries the command lines"


def prepare(
    *,
    expr: str | None,
    example: str | None = None,
    at: tuple[str, ...] | list[str] | None = None,
    v: str | None = None,
    vars: str | None = None,
    wrt: str | None = None,
    dtype: str = "float64",
    uses_v: bool = True,
    typed_needs_typed_point: bool = False,
    streamed_at: bool = False,
    env: Mapping[str, str] | None = None,
    note: Callable[[str], None] = _ignore,
    warn: Callable[[str], None] = _ignore,
    path: Path | None = None,
) -> Prepared:
    """Resolve the function (and, unless the points stream in, the point) and check them.

    ``uses_v``: the command takes a cotangent. ``typed_needs_typed_point``: a typed
    function is evaluated only at a typed point (``jacobian`` is symbolic otherwise).
    ``streamed_at``: the points come later, one per line.
    """
    with loading():
        from . import sources, state
        from .parsing import parse, parse_names
        from .points import merge, parse_point
        from .problem import make_problem, parse_wrt

    env = os.environ if env is None else env
    path = path or state_path()
    remembered = None
    if not (expr is not None and (at or streamed_at)):
        remembered, warning = state.load(path)
        if warning:
            warn(warning)
    chosen = sources.choose(
        expr,
        example,
        None if streamed_at else (list(at) if at else None),
        v,
        vars,
        env,
        remembered,
        uses_v=uses_v,
        typed_needs_typed_point=typed_needs_typed_point or streamed_at,
        wrt=wrt,
    )
    for message in chosen.notes:
        note(message)
    names = parse_names(chosen.vars) if chosen.vars else None
    function = parse(chosen.expression, names)
    problem = None
    if not streamed_at:
        spec = merge([parse_point(t) for t in chosen.at]) if chosen.at else None
        problem = make_problem(function, spec, dtype, parse_wrt(chosen.wrt))
        for message in problem.notes:
            note(message)
        if problem.point is None:
            from .problem import scalar_assumption

            assumed = scalar_assumption(problem)
            if assumed:
                note(assumed)
    return Prepared(chosen, function, problem, remembered, path)


def remember(prep: Prepared, *, keep_point: bool = True, warn: Callable[[str], None] = _ignore) -> None:
    """Remember this function; a command without a point or v keeps the remembered ones."""
    from . import state

    c = prep.chosen
    old = prep.remembered
    same = old is not None and old.expression == c.expression and old.vars == c.vars
    at = c.at if (c.at and keep_point) else (old.at if same and old is not None else ())
    v = c.v if c.v is not None else (old.v if same and old is not None else None)
    wrt = c.wrt if c.wrt is not None else (old.wrt if same and old is not None else None)
    record = state.Remembered(c.expression, c.vars, at, v, wrt)
    if record != prep.remembered:
        warning = state.save(prep.state_path, record)
        if warning:
            warn(warning)


def need_point(problem: Problem, command: str) -> None:
    if problem.point is None:
        names = ",".join(problem.names) or "x"
        cmd = COMMANDS.get(command)
        many = cmd is not None and "points" in cmd.streams
        raise VjpError(
            f"{command} needs a point: pass --at with one value per input ({names}), e.g. --at "
            + ",".join("1" for _ in problem.names or ["x"])
            + (" (or --at - to read points from stdin)" if many else "")
        )


def cotangent(problem: Problem, text: str | None) -> tuple[float, ...] | None:
    from .points import parse_vector
    from .problem import check_cotangent

    return None if text is None else check_cotangent(problem, parse_vector(text))


def function_names() -> list[str]:
    """Every function spelling the expression language knows (completion, `vjp functions`)."""
    with loading():
        from . import catalogue

    return sorted(catalogue.callable_names() | {f"x.{m}" for m in catalogue.method_names()})


def example_names() -> list[str]:
    from . import examples

    return [e.name for e in examples.load()]


# ---- the engines, imported once the input is checked --------------------------------------


@contextmanager
def loading() -> Iterator[None]:
    """Heavy imports (the parser's catalogue, SymPy, torch) with the cyclic garbage collector paused.

    Importing makes hundreds of thousands of long-lived objects and no garbage worth finding,
    yet every few hundred allocations the collector would walk them, and each full collection
    all of them. Afterwards they are moved out of its way for good (``gc.freeze``): torch and
    SymPy leave about a million, which collections while results are made would walk again.
    Only a first import freezes: a long-lived process (``vjp shell``, the API in a notebook)
    does not freeze its own objects at every call.
    """
    modules = len(sys.modules)
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if len(sys.modules) != modules:
            gc.freeze()
        if enabled:
            gc.enable()


def engines() -> Any:
    """The torch side, imported only once the input has been checked."""
    with loading():
        from . import engines as eng
    return eng


def symbolic_jacobian(problem: Problem) -> Result:
    """SymPy's exact Jacobian as text, without evaluating anything (imports no torch)."""
    with loading():
        from . import symbolic
    from .problem import check_jacobian_size
    from .results import Header, SymbolicJacobianResult

    check_jacobian_size(problem)
    rows, _ = symbolic.jacobian(problem)
    text = [[symbolic.text(e) for e in row] for row in rows]
    return SymbolicJacobianResult(Header.of("jacobian", problem), text, exprs=rows)  # exprs: for --format latex


def status(result: Any) -> int:
    """The exit status a result implies: 1 when a check ran and the values disagree (its ``failed``)."""
    return ExitCode.CHECK_FAILED if getattr(result, "failed", False) else ExitCode.SUCCESS


# ---- the commands ----------------------------------------------------------------------------

Compute = Callable[[Request, Prepared, "Problem", Channels], "Shown"]


@dataclass(frozen=True)
class Command:
    """How the shared path treats one command."""

    compute: Compute
    streams: tuple[str, ...] = ()  # "points" (--at - / --points), "vs" (--v - / --vs)
    uses_v: Callable[[Request], bool] = lambda req: False
    symbolic_without_point: bool = False  # a typed function without --at is shown symbolically
    needs_point: bool = True


def _jacobian(req: Request, prep: Prepared, problem: Problem, ch: Channels) -> Shown:
    if req.symbolic or problem.point is None:
        return symbolic_jacobian(problem)
    return engines().jacobian(problem, req.method, ch.progress(), req.verbose)


def _product(req: Request, prep: Prepared, problem: Problem, ch: Channels) -> Shown:
    vec = cotangent(problem, prep.chosen.v)
    return engines().product(problem, vec)


def _grad(req: Request, prep: Prepared, problem: Problem, ch: Channels) -> Shown:
    from .shapes import fmt

    if problem.m != 1:
        raise InputError(
            f"grad is the gradient of a scalar function, and y has {problem.m} elements (shape "
            f"{fmt(problem.output_shape)}); use `vjp jacobian` for every row, `vjp product --v V` for one "
            "combination vᵀJ, or make y a scalar (sum(...), mean(...))"
        )
    return engines().product(problem, None, "grad")


def _check(req: Request, prep: Prepared, problem: Problem, ch: Channels) -> Shown:
    return engines().check(problem, req.atol, req.rtol, req.method, req.eps)


def _jvp(req: Request, prep: Prepared, problem: Problem, ch: Channels) -> Shown:
    from .points import parse_point
    from .problem import check_tangent

    if req.u is None:
        raise VjpError(
            f"jvp needs a tangent: pass --u with one value per input ({', '.join(problem.columns[:6])}), "
            "e.g. --u " + ",".join(["1"] + ["0"] * (problem.n - 1))
        )
    tangent = check_tangent(problem, parse_point(req.u, "--u"), "--u")
    vec = cotangent(problem, prep.chosen.v)
    return engines().jvp(problem, tangent, vec, req.atol, req.rtol)


def _hessian(req: Request, prep: Prepared, problem: Problem, ch: Channels) -> Shown:
    return engines().hessian(problem, req.atol, req.rtol)


def _graph(req: Request, prep: Prepared, problem: Problem, ch: Channels) -> Shown:
    return engines().graph(problem)


def _explain(req: Request, prep: Prepared, problem: Problem, ch: Channels) -> Shown:
    if req.code:
        from . import codegen

        return codegen.script(problem)
    # (not `from . import explain`: the package's `explain` is the API function)
    from .explain import explain, pitfall

    if req.pitfall is not None:
        return pitfall(problem, req.pitfall)
    return explain(problem, cotangent(problem, prep.chosen.v))


COMMANDS: dict[str, Command] = {
    "jacobian": Command(_jacobian, streams=("points",), symbolic_without_point=True, needs_point=False),
    "product": Command(_product, streams=("points", "vs"), uses_v=lambda req: True),
    "check": Command(_check, streams=("points",)),
    "grad": Command(_grad),
    "jvp": Command(_jvp, uses_v=lambda req: req.v is not None),
    "hessian": Command(_hessian),
    "graph": Command(_graph),
    "explain": Command(_explain, uses_v=lambda req: req.pitfall is None and not req.code),
}
# Commands about the language rather than a function (`examples`; `functions` from the
# operation catalogue) need no problem: they are answered by _LISTINGS.


def _examples(req: Request, ch: Channels) -> Shown:
    from . import examples as ex
    from .results import ExampleList

    items = ex.load()
    if req.name is not None:
        items = [ex.find(req.name, items)]
    return ExampleList(items)


def _functions(req: Request, ch: Channels) -> Shown:
    with loading():
        from . import catalogue
    from .results import FunctionList

    items = catalogue.listing()
    if req.name is not None:
        wanted = req.name.strip()
        hit = [f for f in items if f["name"] == wanted or wanted in f["spellings"] or f"x.{wanted}()" in f["spellings"]]
        if not hit:
            hit = [f for f in items if wanted.lower() in f["name"].lower() or any(wanted in s for s in f["spellings"])]
        if not hit:
            close = catalogue.suggest(wanted)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise VjpError(f"no function matches {wanted!r}{hint} (vjp functions lists them all)")
        items = hit
    return FunctionList(items)


_LISTINGS: dict[str, Callable[[Request, Channels], Shown]] = {"examples": _examples, "functions": _functions}


# ---- the shared path -------------------------------------------------------------------------


def run(req: Request, ch: Channels) -> int:
    """Run one command: resolve, compute, show, remember. Returns the exit status (0 or 1)."""
    if req.command in _LISTINGS:
        ch.show(_LISTINGS[req.command](req, ch))
        return ExitCode.SUCCESS
    cmd = COMMANDS[req.command]
    if req.command in ("check", "jvp", "hessian"):
        from .points import check_tolerances

        check_tolerances(req.atol, req.rtol, req.eps if req.command == "check" else None)
    src = _sources(req, cmd, ch)
    streamed = src.points is not None or src.vs is not None
    text = expression_text(
        expr=req.expr, expr_file=req.expr_file, stdin=ch.stdin, stdin_taken="-" in (src.points, src.vs)
    )
    prep = prepare(
        expr=text,
        example=req.example,
        at=req.at,
        v=None if req.v == "-" or not cmd.uses_v(req) else req.v,
        vars=req.vars,
        wrt=req.wrt,
        dtype=req.dtype,
        uses_v=cmd.uses_v(req),
        typed_needs_typed_point=cmd.symbolic_without_point,
        streamed_at=src.points is not None,
        env=ch.env,
        note=ch.note,
        warn=ch.warn,
        path=ch.state_path,
    )
    if streamed:
        return _stream(req, prep, src, ch)
    problem = prep.problem
    assert problem is not None
    if cmd.needs_point:
        need_point(problem, req.command)
    shown = cmd.compute(req, prep, problem, ch)
    ch.show(shown)
    remember(prep, warn=ch.warn)
    return status(shown)


def _sources(req: Request, cmd: Command, ch: Channels) -> Sources:
    """Where many points or cotangents come from, for the commands that stream."""
    src = Sources()
    at, v = list(req.at), req.v
    if "points" in cmd.streams:
        if at and "-" in at:
            if len(at) > 1:
                raise VjpError("--at - reads every point from stdin; do not combine it with other --at values")
            src.points = "-"
        if req.points is not None:
            if src.points is not None:
                raise VjpError("give the points either with --at - or with --points FILE, not both")
            src.points = req.points
    if "vs" in cmd.streams:
        if v == "-":
            src.vs = "-"
        if req.vs is not None:
            if src.vs is not None:
                raise VjpError("give the cotangents either with --v - or with --vs FILE, not both")
            src.vs = req.vs
    if src.points == "-" and src.vs == "-":
        raise VjpError("the points and the cotangents cannot both come from stdin; put one of them in a file")
    if ch.stdin is None and "-" in (src.points, src.vs):
        what = "--at -" if src.points == "-" else "--v -"
        raise InputError(f"{what} reads stdin, {_NO_STDIN}; put them in a file and pass --points FILE or --vs FILE")
    return src


def _stream(req: Request, prep: Prepared, src: Sources, ch: Channels) -> int:
    """Many points or cotangents: one result per line, written as blocks are computed."""
    from .pipeline import StreamRun

    out = ch.stdout or sys.stdout
    method = "auto" if req.command == "product" else req.method
    run = StreamRun(req.command, ch.fmt, ch.digits, out, method, req.on_error, ch.note, req.atol, req.rtol, req.eps)
    stdin: Any = ch.stdin
    try:
        if src.points is not None:
            fixed_v = prep.chosen.v if req.command == "product" else None
            from .problem import parse_wrt

            run.points(prep.function, req.dtype, src, stdin, fixed_v, parse_wrt(prep.chosen.wrt))
        else:
            assert prep.problem is not None
            need_point(prep.problem, req.command)
            run.cotangents(prep.problem, src.vs, stdin)  # type: ignore[arg-type]
    finally:
        out.flush()
    failed = run.finish()
    remember(prep, keep_point=src.points is None, warn=ch.warn)
    return ExitCode.CHECK_FAILED if failed else ExitCode.SUCCESS
