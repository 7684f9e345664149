"""The explorer's App and screen: layout (CSS), keys (BINDINGS), and the loop edit -> worker -> widgets.

Each edit makes a new :class:`~.model.Setup` and a new generation; a Textual thread worker
(``worker.run``) computes it with the CLI's request layer and engines, and posts each stage
as it is ready. Outcomes of an older generation are dropped, so what is on screen always
belongs to the newest input; while the text does not parse, the last good result stays.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Input, Static
from textual.worker import get_current_worker

from .. import request
from ..engine_results import JacobianResult, ProductResult
from ..errors import VjpError
from ..numtext import num
from .commands import ExplorerCommands
from .expression import ExpressionField
from .help import HelpScreen
from .inputs import InputsPanel, InputsTable
from .jacobian import JacobianView
from .messages import Computed, CotangentEdited, ExpressionEdited, ValueEdited
from .model import DEFAULT_VALUE, Setup, one_hot, one_hot_text
from .panes import Panes
from .product import ProductPanel
from .worker import PANES, Ask, Outcome, wrt_in_force
from .worker import run as compute

VIEWS = ("auto", "numbers", "heat")


class ExploreApp(App[None]):
    """``vjp explore``: the function, the point, v; J, vᵀJ, the check; and the panes."""

    TITLE = "vjp explore"
    CSS = """
    Screen { layout: vertical; }
    #status { height: 1; padding: 0 1; color: $text-muted; }
    #status.-stale { color: $warning; }
    #body { height: 1fr; }
    #main { width: 3fr; height: 100%; overflow-y: auto; }
    #top-row { height: auto; }
    #inputs { width: 30; }
    #jacobian { width: 1fr; }
    #panes { width: 2fr; }
    Screen.-narrow #body { layout: vertical; }
    Screen.-narrow #main { width: 100%; height: auto; max-height: 65%; }
    Screen.-narrow #panes { width: 100%; height: 1fr; min-height: 5; }
    """
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (150, "-wide")]  # noqa: RUF012 - Textual reads it from the class
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("e", "go('expression')", "Expr", show=False),
        Binding("i", "go('inputs-table')", "Inputs", show=False),
        Binding("v", "go('v')", "v", show=False),
        Binding("j", "go('jacobian-table')", "J", show=False),
        *(Binding(str(k + 1), f"pane('{name}')", name.title(), show=False) for k, name in enumerate(PANES)),
        Binding("w", "view", "View"),
        Binding("less_than_sign", "output(-1)", "Prev output", show=False, key_display="<"),
        Binding("greater_than_sign", "output(1)", "Next output", show=False, key_display=">"),
        Binding("r", "reset", "Reset", show=False),
        Binding("escape", "leave_field", "Leave field", key_display="esc"),
    ]
    COMMANDS = App.COMMANDS | {ExplorerCommands}

    def __init__(self, setup: Setup, *, pane: str = "steps", notes: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.setup = setup
        self.start = setup
        self.initial_pane = pane
        self.notes = notes
        self.generation = 0
        self.names: tuple[str, ...] = ()
        self.prepared: request.Prepared | None = None  # of the newest generation, once it parsed
        self.good: request.Prepared | None = None  # the newest one whose Jacobian was computed
        self.good_v: str | None = None  # its v, when vᵀJ was computed with it
        self.results: dict[str, Any] = {}  # stage -> the newest record shown
        self.errors: dict[str, str] = {}  # stage -> the newest error shown
        self.busy = False
        self.checked = 0  # the newest generation whose check the screen has taken
        self.outputs: int | None = None  # the number of outputs of the newest function that parsed

    def compose(self) -> ComposeResult:
        yield ExpressionField(self.setup.expression)
        yield Static(id="status", markup=False)
        with Horizontal(id="body"):
            with Vertical(id="main"):
                with Horizontal(id="top-row"):
                    yield InputsPanel(id="inputs")
                    yield JacobianView(id="jacobian")
                yield ProductPanel(self.setup.v, id="product")
            yield Panes(self.initial_pane, id="panes")
        yield Footer()

    def on_mount(self) -> None:
        for note in self.notes:
            self.notify(note, timeout=6)
        self.query_one(InputsTable).focus()
        self.call_after_refresh(self.recompute)  # once laid out: the pane is drawn at its real width

    # ---- computing --------------------------------------------------------------------------

    def recompute(self, core: bool = True) -> None:
        """Compute the current setup (a new generation), or only the pane on show (``core`` False)."""
        if core:
            self.generation += 1
        panes = self.query_one(Panes)
        ask = Ask(
            self.generation, self.setup, pane=panes.active, output=panes.output, core=core, width=panes.body_width
        )
        self.busy = True
        self.run_worker(
            lambda: self._work(ask),
            thread=True,
            exclusive=True,
            group="core" if core else "pane",
            exit_on_error=False,
            name=f"compute {ask.generation}",
        )

    def _work(self, ask: Ask) -> None:
        me = get_current_worker()

        def post(outcome: Outcome) -> None:
            self.post_message(Computed(outcome))

        compute(ask, post, lambda: me.is_cancelled, lambda: self.checked >= ask.generation)

    def on_computed(self, message: Computed) -> None:
        o = message.outcome
        if o.generation != self.generation:
            return  # an older input's result: the screen shows the newest only
        handler: dict[str, Callable[[Outcome], None]] = {
            "names": self._names,
            "problem": self._problem,
            "jacobian": self._jacobian,
            "product": self._product,
            "check": self._check,
            "pane": self._pane,
            "done": self._done,
        }
        handler[o.stage](o)
        if o.internal and o.error:
            self.notify(o.error, title="internal error", severity="error", timeout=15)

    def _names(self, o: Outcome) -> None:
        if o.error is not None:
            self._problem(o)
            return
        self.names = o.value
        self.query_one(InputsPanel).show(self.setup, self.names)

    def _problem(self, o: Outcome) -> None:
        field = self.query_one(ExpressionField)
        if o.error is not None:
            field.show_error(o.error, o.excerpt)
            self.prepared = None
            self._status(stale=True)
            return
        field.show_error(None)
        self.prepared = o.value
        problem = o.value.problem
        if problem is not None:
            changed = self.outputs is not None and problem.m != self.outputs
            self.outputs = problem.m
            if changed and not self.query_one("#v", Input).has_focus and self._follow_outputs(problem.m):
                self.recompute()

    def _follow_outputs(self, m: int) -> bool:
        """The function now has ``m`` outputs: a one-hot (or no) v of the old length becomes e_row of the new
        length (no v for a scalar). A v the user typed that is not one-hot stays, and its error is said."""
        text = self.setup.v.strip()
        try:
            old = tuple(float(t) for t in text.split(",")) if text else ()
        except ValueError:
            return False
        if len(old) == m or (not old and m == 1):
            return False
        row = one_hot(old) if old else 0
        if row is None:
            return False
        v = one_hot_text(m, min(row, m - 1)) if m > 1 else ""
        self.setup = replace(self.setup, v=v)
        self.query_one(ProductPanel).set_v(v)
        return True

    def _jacobian(self, o: Outcome) -> None:
        if o.error is not None:
            self.errors["jacobian"] = o.error
            self.query_one(ExpressionField).show_error(o.error)
            return
        self.errors.pop("jacobian", None)
        self.results["jacobian"] = o.value
        self.good = self.prepared
        row = self._row()
        self.query_one(JacobianView).show(o.value, row)

    def _row(self) -> int | None:
        product = self.results.get("product")
        jac = self.results.get("jacobian")
        if not isinstance(product, ProductResult) or product.v is None or not isinstance(jac, JacobianResult):
            return None
        if product.header.rows != jac.header.rows:
            return None
        return one_hot(tuple(product.v))

    def _product(self, o: Outcome) -> None:
        panel = self.query_one(ProductPanel)
        if o.error is not None:
            self.results.pop("product", None)
            self.good_v = None
            panel.show_product(None, o.error)
        else:
            self.results["product"] = o.value
            self.good_v = self.setup.v.strip() or None
            panel.show_product(o.value)
        self.query_one(JacobianView).pick(self._row())

    def _check(self, o: Outcome) -> None:
        self.checked = o.generation  # the pane's worker may start drawing now
        if o.value is not None:
            self.results["check"] = o.value
        self.query_one(ProductPanel).show_check(o.value, o.error)

    def _pane(self, o: Outcome) -> None:
        assert o.pane is not None
        value, drawn, width = o.value if o.error is None else (None, None, None)
        panes = self.query_one(Panes)
        panes.show(o.pane, value, o.error, drawn)
        if width is not None and width != panes.body_width:
            self.recompute(core=False)  # the pane changed width while it was drawn: draw it again

    def _done(self, o: Outcome) -> None:
        self.busy = False
        self._status(stale=self.prepared is None)

    def _status(self, stale: bool) -> None:
        """One line: y at the point, the sizes; or that the screen shows the last good function."""
        status = self.query_one("#status", Static)
        status.set_class(stale, "-stale")
        jac = self.results.get("jacobian")
        if not isinstance(jac, JacobianResult):
            status.update("no result yet" if stale else "")
            return
        h = jac.header
        values = h.value or []
        few = 4 if len(values) > 4 else len(values)  # the status is one line
        shown = ", ".join(num(v, 6) for v in values[:few]) + (", …" if len(values) > few else "")
        m, n = len(h.rows), len(h.columns)
        line = f"y = ({shown})  ·  {m} output{'s' * (m != 1)} × {n} input{'s' * (n != 1)}"
        if self.setup.wrt is not None and not stale:
            try:
                kept = wrt_in_force(self.setup)
            except VjpError:  # (the text does not parse: then the screen is stale)
                kept = None
            line += f"  ·  --wrt {kept}" if kept is not None else f"  ·  --wrt {self.setup.wrt} off (not an input now)"
        if stale:
            line = f"showing the last good function: {h.expression}"
        status.update(line)

    # ---- edits ------------------------------------------------------------------------------

    def on_expression_edited(self, message: ExpressionEdited) -> None:
        self.setup = replace(self.setup, expression=message.text)
        self.recompute()

    def on_value_edited(self, message: ValueEdited) -> None:
        self.setup = self.setup.with_value(message.name, message.value)
        self.query_one(InputsPanel).show(self.setup, self.names)
        self.recompute()

    def on_cotangent_edited(self, message: CotangentEdited) -> None:
        if message.text == self.setup.v:
            return
        self.setup = replace(self.setup, v=message.text)
        self.query_one(ProductPanel).set_v(message.text)
        self.recompute()

    def on_resize(self, event: events.Resize) -> None:
        """The pane was drawn at the old width: draw it again once the layout is done."""
        if self.prepared is not None:
            self.call_after_refresh(self.recompute, False)

    def on_tabbed_content_tab_activated(self, event: Any) -> None:
        if self.prepared is not None or self.good is not None:
            self.recompute(core=False)

    # ---- actions ------------------------------------------------------------------------------

    def action_go(self, widget_id: str) -> None:
        self.query_one(f"#{widget_id}").focus()

    def action_pane(self, name: str) -> None:
        self.query_one(Panes).switch(name)

    def action_view(self) -> None:
        view = self.query_one(JacobianView)
        self.set_view(VIEWS[(VIEWS.index(view.view) + 1) % len(VIEWS)])

    def set_view(self, name: str) -> None:
        view = self.query_one(JacobianView)
        view.view = name
        if view.result is not None:
            view.show(view.result, view.row)
        self.notify(f"Jacobian view: {name}", timeout=2)

    def action_output(self, step: int) -> None:
        self.query_one(Panes).next_output(step)

    def action_step(self, direction: int) -> None:
        self.query_one(InputsPanel).change_step(direction)

    def action_reset(self) -> None:
        self.setup = replace(self.setup, values=dict(self.start.values))
        self.query_one(InputsPanel).show(self.setup, self.names)
        self.recompute()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``esc`` is offered (in the footer) only while typing in a field."""
        if action == "leave_field":
            return True if isinstance(self.focused, Input) else None
        return True

    def action_leave_field(self) -> None:
        if isinstance(self.focused, Input):
            self.query_one(InputsTable).focus()

    def example_list(self) -> list[Any]:
        from .. import examples

        return examples.load()

    def load_example(self, name: str) -> None:
        from .. import examples

        ex = examples.find(name)
        self.query_one("#expression", Input).value = ex.expression
        self.setup = replace(self.setup, expression=ex.expression, vars=ex.vars, v=ex.v or self.setup.v)
        if ex.at:
            try:
                prep = request.prepare(expr=ex.expression, at=(ex.at,), vars=ex.vars, env={}, path=Path(os.devnull))
            except VjpError as e:
                self.notify(str(e), severity="error")
            else:
                if prep.problem is not None and prep.problem.point is not None:
                    self.setup = replace(self.setup, values={**self.setup.values, **prep.problem.point_values()})
        self.query_one(ProductPanel).set_v(self.setup.v)
        self.recompute()

    # ---- leaving ----------------------------------------------------------------------------

    def remember(self, first: request.Prepared, warn: Callable[[str], None] = lambda message: None) -> bool:
        """On leaving, remember the newest function whose Jacobian was shown, at its point, with its v
        (through request.remember, as every command does); ``first`` is how the explorer was started."""
        if self.good is None:
            return False
        chosen = replace(self.good.chosen, v=self.good_v)
        request.remember(
            replace(self.good, chosen=chosen, state_path=first.state_path, remembered=first.remembered), warn=warn
        )
        return True


# ---- the CLI's entry ----------------------------------------------------------------------------


def setup_of(prep: request.Prepared) -> Setup:
    """The explorer's first setup: the resolved function, its point (1 for each input without one) and v."""
    problem = prep.problem
    assert problem is not None
    values = problem.point_values() if problem.point is not None else {n: DEFAULT_VALUE for n in problem.names}
    v = prep.chosen.v
    if v is None and problem.m > 1:
        v = one_hot_text(problem.m, 0)  # a one-hot v shows which row vᵀJ picks
    return Setup(prep.chosen.expression, values, v or "", prep.chosen.vars, prep.chosen.wrt, problem.dtype)


def run(
    *,
    expr: str | None,
    expr_file: str | None = None,
    example: str | None = None,
    at: tuple[str, ...] = (),
    v: str | None = None,
    vars: str | None = None,
    wrt: str | None = None,
    dtype: str = "float64",
    pane: str = "steps",
    env: Mapping[str, str] | None = None,
    note: Callable[[str], None] = lambda message: None,
    warn: Callable[[str], None] = lambda message: None,
) -> int:
    """Resolve the function as any command does, run the app, and remember where it stopped."""
    if expr == "-":
        raise VjpError(
            "vjp explore reads the keyboard, not stdin; pass the expression as EXPR or with --expr-file FILE"
        )
    if not (sys.stdin.isatty() and sys.__stderr__ is not None and sys.__stderr__.isatty()):  # Textual draws on stderr
        raise VjpError(
            "vjp explore is a full-screen app and needs a terminal; for results in a pipe use "
            "vjp jacobian, product or check"
        )
    if pane not in PANES:
        raise VjpError(f"--pane {pane!r} is not one of {', '.join(PANES)}")
    text = request.expression_text(expr=expr, expr_file=expr_file, stdin=None)
    notes: list[str] = []
    prep = request.prepare(
        expr=text, example=example, at=at, v=v, vars=vars, wrt=wrt, dtype=dtype, env=env, note=notes.append, warn=warn
    )
    app = ExploreApp(setup_of(prep), pane=pane, notes=tuple(notes))
    app.run()
    for message in notes:  # which function was used, when it was not typed: shown in the app, and on stderr
        note(message)
    app.remember(prep, warn)
    return 0 if app.return_code in (None, 0) else 70
