"""The switchable panes: the explanation steps, the torch code, the autograd graph, the symbolic Jacobian, a Hessian."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import ScrollableContainer, Vertical
from textual.widgets import Static, TabbedContent, TabPane

from .. import render
from ..results import HessianResult
from .worker import PANES

TITLES = {  # keys 1-5 show them in this order
    "steps": "Steps",
    "code": "Code",
    "graph": "Graph",
    "symbolic": "Symbolic J",
    "hessian": "Hessian",
}
WHAT = {
    "steps": "vjp explain",
    "code": "vjp explain --code",
    "graph": "vjp graph",
    "symbolic": "vjp jacobian --symbolic",
    "hessian": "vjp hessian",
}


def one_hessian(result: HessianResult, i: int) -> HessianResult:
    """The Hessian of output ``i`` alone, as the engine computed it."""
    h = result.header
    header = replace(h, rows=[h.rows[i]], titles=[h.titles[i]], value=None if h.value is None else [h.value[i]])
    return replace(result, header=header, hessian=[result.hessian[i]], symbolic=[result.symbolic[i]])


class Panes(Vertical):
    """Tabs over one pane each; only the pane on show is computed (and again when the function or point moves)."""

    DEFAULT_CSS = """
    Panes { height: 1fr; }
    Panes TabbedContent { height: 1fr; }
    Panes TabPane { padding: 0 0; height: 1fr; }
    Panes ScrollableContainer { height: 1fr; }
    Panes .pane-body { width: 100%; }
    Panes #pane-code, Panes #pane-graph { width: auto; min-width: 100%; }
    """

    def __init__(self, initial: str = "steps", id: str | None = None) -> None:
        super().__init__(id=id)
        self.initial = initial
        self.output = 0  # the output whose Hessian is shown
        self.hessian: HessianResult | None = None
        self.shown: dict[str, Any] = {}  # pane -> what it shows (for tests and re-drawing)

    def compose(self) -> ComposeResult:
        with TabbedContent(initial=self.initial, id="tabs"):
            for name in PANES:
                with TabPane(TITLES[name], id=name):
                    with ScrollableContainer(id=f"scroll-{name}"):
                        yield Static(
                            Text(f"{WHAT[name]}: computing…", style="dim"), id=f"pane-{name}", classes="pane-body"
                        )

    @property
    def active(self) -> str:
        return self.query_one(TabbedContent).active or self.initial

    def switch(self, name: str) -> None:
        self.query_one(TabbedContent).active = name

    def show(self, name: str, value: Any = None, error: str | None = None) -> None:
        """What the engine gave for pane ``name``, or its error."""
        if error is not None:
            body: Any = Text(error, style="red")
            if name == "hessian":
                self.hessian = None
        elif name == "code":
            body = Syntax(str(value), "python", theme="ansi_dark", background_color="default", word_wrap=False)
        elif name == "hessian" and isinstance(value, HessianResult):
            self.hessian = value
            body = self._hessian_body()
        else:
            body = render.renderable(value)
        self.shown[name] = value if error is None else error
        self.query_one(f"#pane-{name}", Static).update(body)

    def next_output(self, step: int) -> None:
        """The Hessian of the next (or previous) output."""
        if self.hessian is None:
            return
        m = len(self.hessian.hessian)
        self.output = (self.output + step) % max(1, m)
        self.query_one("#pane-hessian", Static).update(self._hessian_body())

    def _hessian_body(self) -> Any:
        from rich.console import Group

        assert self.hessian is not None
        m = len(self.hessian.hessian)
        self.output = min(self.output, m - 1) if m else 0
        if not m:
            return Text("no outputs", style="dim")
        head = Text(f"output {self.output + 1} of {m}  (< and > choose the output)", style="dim")
        return Group(head, render.renderable(one_hessian(self.hessian, self.output)))
