"""v and vᵀJ = x.grad after one y.backward(v); and y.sum().backward() == y.backward(ones_like(y)) == 1ᵀJ."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Static

from ..engine_results import CheckResult, ProductResult
from ..numtext import num
from .messages import CotangentEdited

DIGITS = 6


class ProductPanel(Vertical):
    """The cotangent v (editable), vᵀJ per input, and the sum-vs-ones check, from engines.product and engines.check."""

    DEFAULT_CSS = """
    ProductPanel { height: auto; border: round $primary 50%; }
    ProductPanel:focus-within { border: round $primary; }
    ProductPanel > #v-row { height: 1; layout: horizontal; }
    ProductPanel > #v-row > #v-label { width: auto; padding: 0 1 0 0; }
    ProductPanel > #v-row > #v { width: 1fr; }
    ProductPanel > #v-error { display: none; color: $error; }
    ProductPanel.-error > #v-error { display: block; }
    ProductPanel > #grads-scroll { height: auto; max-height: 14; }
    """

    def __init__(self, v: str, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "vᵀJ = x.grad after y.backward(v)"
        self.v = v
        self.product: ProductResult | None = None
        self.check: CheckResult | None = None
        self.product_error: str | None = None
        self.check_error: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="v-row"):
            yield Static("v =", id="v-label")
            yield Input(self.v, id="v", compact=True, placeholder="one weight per output, e.g. 1,0")
        yield Static(id="v-error", markup=False)
        with VerticalScroll(id="grads-scroll"):
            yield Static(id="grads")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if event.input.id == "v" and event.value != self.v:
            self.v = event.value
            self.post_message(CotangentEdited(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()

    def set_v(self, text: str) -> None:
        """v chosen elsewhere (a Jacobian row picked): the field follows without posting it back."""
        self.v = text
        field = self.query_one("#v", Input)
        if field.value != text:
            with field.prevent(Input.Changed):
                field.value = text

    def show_product(self, result: ProductResult | None, error: str | None = None) -> None:
        self.product, self.product_error = result, error
        self.set_class(error is not None, "-error")
        if error is not None:
            self.query_one("#v-error", Static).update(error)
        self._draw()

    def show_check(self, result: CheckResult | None, error: str | None = None) -> None:
        self.check, self.check_error = result, error
        self._draw()

    def _draw(self) -> None:
        self.query_one("#grads", Static).update(self.renderable())

    def renderable(self) -> Any:
        """One table: per input, vᵀJ and the three ways to d(Σy)/dx; then the verdict.

        Plain text in columns rather than a Rich Table: a hundred rows lay out in a millisecond."""
        p, c = self.product, self.check
        first = p if p is not None else c
        if first is None:
            return Text("computing…", style="dim")
        header = first.header
        vjp = p.vjp if p is not None and p.header.columns == header.columns else None
        same = c is not None and c.header.columns == header.columns
        columns: list[list[str]] = [
            ["input", *header.columns],
            ["vᵀJ", *([num(x, DIGITS) for x in vjp] if vjp is not None else ["·" for _ in header.columns])],
        ]
        for title, key in (
            ("y.sum().backward()", "sum_backward"),
            ("y.backward(ones)", "ones_backward"),
            ("1ᵀJ col sums", "column_sums"),
        ):
            values = getattr(c, key) if same and c is not None else None
            shown = [num(x, DIGITS) for x in values] if values else ["·" for _ in header.columns]
            columns.append([title, *shown])
        widths = [max(len(cell) for cell in col) for col in columns]
        out = Text(no_wrap=True, overflow="ellipsis")
        for r in range(len(columns[0])):
            if r:
                out.append("\n")
            cells = [col[r].ljust(w) if k == 0 else col[r].rjust(w) for k, (col, w) in enumerate(zip(columns, widths))]
            out.append(cells[0], style="bold")
            out.append("  " + "  ".join(cells[1:]), style="bold" if r == 0 else "")
        parts: list[Any] = [out]
        if c is not None and same:
            verdict = Text("PASS" if c.match else "FAIL", style="bold green" if c.match else "bold red")
            verdict.append(
                f"  {'equal' if c.match else 'not equal'}: max |diff| {num(c.max_abs_diff, 3)} "
                f"(atol {num(c.atol)}, rtol {num(c.rtol)})",
                style="none",
            )
            parts.append(verdict)
        elif self.check_error is not None:
            parts.append(Text(self.check_error, style="red"))
        if p is not None and p.v is None:
            parts.append(Text("y is a scalar: y.backward() used an implicit v = 1", style="dim"))
        return Group(*parts)
