"""The switchable panes: the explanation steps, the torch code, the autograd graph, the symbolic Jacobian, a Hessian."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import ScrollableContainer, Vertical
from textual.widgets import Static, TabbedContent, TabPane

from ..engine_results import HessianResult
from .paint import hessian_renderable, pane_renderable
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

    def show(self, name: str, value: Any = None, error: str | None = None, drawn: Any = None) -> None:
        """What the engine gave for pane ``name`` (``drawn``: already laid out by the worker), or its error."""
        if error is not None:
            body: Any = Text(error, style="red")
            if name == "hessian":
                self.hessian = None
        else:
            if name == "hessian" and isinstance(value, HessianResult):
                self.hessian = value
                self.output = min(self.output, max(0, len(value.hessian) - 1))
            body = drawn if drawn is not None else pane_renderable(name, value, self.output)
        self.shown[name] = value if error is None else error
        self.query_one(f"#pane-{name}", Static).update(body)

    def next_output(self, step: int) -> None:
        """The Hessian of the next (or previous) output."""
        if self.hessian is None:
            return
        m = len(self.hessian.hessian)
        self.output = (self.output + step) % max(1, m)
        self.query_one("#pane-hessian", Static).update(hessian_renderable(self.hessian, self.output))

    @property
    def body_width(self) -> int:
        """The width a pane is drawn at."""
        return max(20, self.size.width - 2)
