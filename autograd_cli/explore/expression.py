"""The expression field: the function as text, and under it the error of the text that does not parse."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Static

from .messages import ExpressionEdited


def one_line(text: str) -> str:
    """Components one per line (--expr-file) shown on one line: newlines and ';' separate alike."""
    return "; ".join(part.strip() for part in text.splitlines() if part.strip())


class ExpressionField(Vertical):
    """An Input for the function, and an error line that appears while the text does not parse."""

    DEFAULT_CSS = """
    ExpressionField { height: auto; }
    ExpressionField > #expression-row { height: 1; }
    ExpressionField #expression-label { width: auto; padding: 0 1; text-style: bold; }
    ExpressionField #expression { width: 1fr; }
    ExpressionField > #expression-error { display: none; color: $error; padding: 0 1; }
    ExpressionField.-error > #expression-error { display: block; }
    ExpressionField.-error #expression-label { color: $error; }
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with Horizontal(id="expression-row"):
            yield Static("f(x) =", id="expression-label")
            yield Input(
                one_line(self.text),
                id="expression",
                placeholder="a function, e.g. x0**2+3*x1; x1**2+2*x0",
                select_on_focus=False,
                compact=True,
            )
        yield Static(id="expression-error", markup=False)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if event.value != one_line(self.text):
            self.text = event.value
            self.post_message(ExpressionEdited(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()

    def show_error(self, message: str | None, excerpt: str | None = None) -> None:
        """The message (and the caret line) under the field; None clears it."""
        self.set_class(message is not None, "-error")
        if message is not None:
            self.query_one("#expression-error", Static).update(message + (f"\n{excerpt}" if excerpt else ""))
