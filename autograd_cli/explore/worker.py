"""The explorer's computations, run off the UI thread through the command line's own core.

``run`` turns one :class:`Ask` (a :class:`~.model.Setup`, the pane on show) into
:class:`Outcome` records, stage by stage, each handed to ``post`` as soon as it is ready:
the problem (``request.prepare``, the CLI's path), the Jacobian (``engines.jacobian``),
vᵀJ (``engines.product``), the sum-vs-ones check (``engines.check``), then the open pane
(``explain``, ``codegen.script``, ``engines.graph``, ``request.symbolic_jacobian``,
``engines.hessian``). Every number the explorer shows comes from these records.

A newer ask cancels an older one, which stops at its next stage and posts nothing more;
an ask cancelled while waiting never starts. The fast stages (problem, J, vᵀJ) and the slow
ones (the check with SymPy and finite differences, the panes) each run one at a time under
their own lock, so a newer point's J need not wait for an older point's check.
Nothing here imports Textual: the app wires ``post`` and ``cancelled`` to its worker.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import request
from ..errors import ParseError, VjpError, bug_location
from .model import Setup

if TYPE_CHECKING:
    from ..problem import Problem

PANES = ("steps", "code", "graph", "symbolic", "hessian")
SHOWN_WAIT = 0.25  # seconds the pane waits for the screen to show J, vᵀJ and the check
MAX_HESSIAN = 40_000  # entries (m * n * n) the explorer computes; `vjp hessian` goes further

_CORE = threading.Lock()  # the problem, J and vᵀJ: one at a time (2 cores, torch's own threads)
_SLOW = threading.Lock()  # the check and the panes


@dataclass(frozen=True)
class Ask:
    """What to compute: ``core`` (problem, J, vᵀJ, check) and then ``pane``, or only the pane."""

    generation: int
    setup: Setup
    pane: str | None = None
    output: int = 0  # the output whose Hessian the hessian pane shows
    core: bool = True
    width: int = 80  # the pane's width, to draw it at


@dataclass(frozen=True)
class Outcome:
    """One stage's result (``value``) or its error, a finished sentence for the field it belongs to."""

    generation: int
    stage: str  # "names", "problem", "jacobian", "product", "check", "pane", "done"
    value: Any = None
    error: str | None = None
    excerpt: str | None = None  # a parse error's line with a caret under it
    internal: bool = False  # a bug in vjp, not the user's input
    pane: str | None = None


Post = Callable[[Outcome], None]


def run(ask: Ask, post: Post, cancelled: Callable[[], bool], shown: Callable[[], bool] = lambda: True) -> None:
    """Compute ``ask`` stage by stage, posting each outcome; stop quietly once cancelled.

    ``shown``: whether the screen has taken J, vᵀJ and the check. The pane (long, pure-Python
    drawing that holds the GIL) starts once they are shown, or after ``SHOWN_WAIT`` seconds."""

    def send(outcome: Outcome) -> bool:
        if cancelled():
            return False
        post(outcome)
        return True

    found = _locked(_CORE, cancelled, lambda: _core(ask, send, cancelled))
    if found is not None:
        _locked(_SLOW, cancelled, lambda: _slow(ask, found, send, cancelled, shown))
    if not cancelled():
        post(Outcome(ask.generation, "done"))


def _locked(lock: threading.Lock, cancelled: Callable[[], bool], body: Callable[[], Any]) -> Any:
    """``body()`` holding ``lock``; None without running it if cancelled while waiting."""
    while not lock.acquire(timeout=0.01):
        if cancelled():
            return None
    try:
        return None if cancelled() else body()
    finally:
        lock.release()


Found = tuple["Problem", tuple[float, ...] | None]


def _core(ask: Ask, send: Callable[[Outcome], bool], cancelled: Callable[[], bool]) -> Found | None:
    """The fast stages: the inputs' names, the problem, J and vᵀJ. Returns the problem and v for the rest."""
    gen = ask.generation
    if _attempt(gen, "names", lambda: input_names(ask.setup), send) is None:
        return None
    prep = _attempt(gen, "problem", lambda: prepare(ask.setup), send)
    if prep is None or cancelled():
        return None
    problem = prep.problem
    try:
        v = request.cotangent(problem, prep.chosen.v)
        v_error = None
    except VjpError as e:
        v, v_error = None, e
    if ask.core:
        eng = request.engines()
        _attempt(gen, "jacobian", lambda: eng.jacobian(problem), send)
        if v_error is not None:
            send(Outcome(gen, "product", error=str(v_error)))
        elif not cancelled():
            _attempt(gen, "product", lambda: eng.product(problem, v), send)
    return problem, v


def _slow(
    ask: Ask,
    found: Found,
    send: Callable[[Outcome], bool],
    cancelled: Callable[[], bool],
    shown: Callable[[], bool] = lambda: True,
) -> None:
    """The stages that may take long (SymPy, finite differences, the panes), under their own lock, so a
    newer input's J and vᵀJ need not wait for an older input's check."""
    problem, v = found
    gen = ask.generation
    if ask.core:
        _attempt(gen, "check", lambda: request.engines().check(problem), send)
    pane = ask.pane
    if ask.core and pane is not None:
        waited = 0.0
        while not shown() and not cancelled() and waited < SHOWN_WAIT:  # let the screen draw the numbers first
            time.sleep(0.002)
            waited += 0.002
    if pane is not None and not cancelled():
        _attempt(gen, "pane", lambda: painted(pane_content(problem, pane, v, ask.output), pane, ask), send, pane)


def painted(value: Any, pane: str, ask: Ask) -> tuple[Any, Any, int]:
    """The pane's record, its lines drawn here rather than on the UI thread, and the width they were drawn at."""
    from . import paint

    drawn = paint.lines(paint.pane_renderable(pane, value, ask.output), ask.width, wide=pane in ("code", "graph"))
    return value, drawn, ask.width


def _attempt(
    gen: int, stage: str, compute: Callable[[], Any], send: Callable[[Outcome], bool], pane: str | None = None
) -> Any:
    """Run one stage: its value posted, or its error (a bug says so, and where)."""
    try:
        value = compute()
    except VjpError as e:
        send(Outcome(gen, stage, error=str(e), excerpt=e.excerpt() if isinstance(e, ParseError) else None, pane=pane))
        return None
    except RecursionError:
        send(Outcome(gen, stage, error="the expression is too deeply nested to process; simplify it", pane=pane))
        return None
    except Exception as e:  # a bug: said in the app, which carries on
        from .. import __version__

        send(
            Outcome(
                gen,
                stage,
                error=f"internal error{bug_location(e)}: {e.__class__.__name__}: {e}. This is a bug in vjp "
                f"{__version__}; please report it with the function and point shown",
                internal=True,
                pane=pane,
            )
        )
        return None
    send(Outcome(gen, stage, value=value, pane=pane))
    return value


# ---- the stages -------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _names(expression: str, vars: str | None, wrt: str | None = None) -> tuple[tuple[str, ...], str | None, str | None]:
    """The function's inputs, the --vars still in force (dropped once they leave a variable out), and the
    --wrt still in force (dropped once it names an input the function no longer has: then every input is
    differentiated, as without --wrt)."""
    from ..parsing import parse, parse_names
    from ..problem import parse_wrt

    names = parse(expression).names
    if vars is not None:
        order = parse_names(vars)
        if set(names) <= set(order):
            names, kept_vars = tuple(order), vars
        else:
            kept_vars = None
    else:
        kept_vars = None
    chosen = parse_wrt(wrt)
    kept_wrt = wrt if chosen is not None and set(chosen) <= set(names) else None
    return tuple(names), kept_vars, kept_wrt


# the explorer never reads the remembered function while it runs (EXPR and --at are always given,
# but a function without inputs has no --at); the app remembers on leaving, with the real path
_NO_STATE = Path("/nonexistent/vjp-explore/last.json")


def input_names(setup: Setup) -> tuple[str, ...]:
    """The function's inputs, in order: known as soon as the text parses, before any shape is checked."""
    return _names(setup.expression, setup.vars, setup.wrt)[0]


def wrt_in_force(setup: Setup) -> str | None:
    """--wrt while every input it names is still an input of the function."""
    return _names(setup.expression, setup.vars, setup.wrt)[2]


def prepare(setup: Setup) -> request.Prepared:
    """The checked problem, by the CLI's own path: EXPR, ``--at`` (every input by name), ``--v`` and ``--wrt``."""
    names, vars, wrt = _names(setup.expression, setup.vars, setup.wrt)
    at = setup.at_text(names)
    return request.prepare(
        expr=setup.expression,
        at=(at,) if at else None,
        v=setup.v.strip() or None,
        vars=vars,
        wrt=wrt,
        dtype=setup.dtype,
        env={},
        path=_NO_STATE,
    )


def pane_content(problem: Problem, pane: str, v: tuple[float, ...] | None, output: int) -> Any:
    """The record (or the script) a pane shows, from the engine the matching command uses."""
    if pane == "steps":
        from ..explain import explain

        return explain(problem, v)
    if pane == "code":
        from .. import codegen

        return codegen.script(problem)
    if pane == "graph":
        return request.engines().graph(problem)
    if pane == "symbolic":
        return request.symbolic_jacobian(problem)
    if pane == "hessian":
        size = problem.m * problem.n * problem.n
        if size > MAX_HESSIAN:
            raise VjpError(
                f"the Hessians of {problem.m} outputs over {problem.n} inputs are {size:,} entries; the explorer "
                f"computes up to {MAX_HESSIAN:,}. `vjp hessian` computes them all"
            )
        return request.engines().hessian(problem)
    raise ValueError(f"no pane {pane!r}")
