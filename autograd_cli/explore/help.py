"""The help screen (?): what is on the screen and every key."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# vjp explore

Type a function; move the point and v; watch what autograd does. Every number comes from the
engines `vjp jacobian`, `product`, `check`, `explain`, `graph` and `hessian` use.

- **f(x) =** the function, as on the command line (`;` separates outputs). While the text
  does not parse, the error shows under it and the last good result stays on screen.
- **inputs**: each input element and its value; with `--wrt`, the inputs it leaves out are
  marked `const` (they move the point, but have no Jacobian column).
- **Jacobian**: row *i* is `x.grad` after `y.backward(e_i)`; colours go from blue
  (negative) to red (positive); the highlighted row is the one v picks when v is one-hot.
- **vᵀJ**: `x.grad` after one `y.backward(v)`, and `y.sum().backward()` = `y.backward(ones_like(y))`
  = the column sums 1ᵀJ, with the verdict of `vjp check`.
- **panes**: the explanation steps, the torch code, the autograd graph, the symbolic Jacobian,
  the Hessian of one output.

| key | does |
|---|---|
| `e` `i` `v` `j` | go to the expression, the inputs, v, the Jacobian |
| `tab` / `shift+tab` | next / previous field |
| `←` `→` or `-` `+` | (inputs) nudge the selected value by the step |
| `[` `]` | (inputs) step ÷10, ×10 |
| digits, `⏎` | (inputs) type a value; `x = [1, 2]` or `ones(3)` sets a whole tensor |
| `↑` `↓`, click | (Jacobian) pick a row: v becomes that one-hot row |
| `1` … `5` | show the steps, code, graph, symbolic Jacobian, Hessian |
| `<` `>` | the Hessian of the previous / next output |
| `w` | the Jacobian as numbers, as a heat picture, or either (whichever fits) |
| `r` | back to the point you started with |
| `esc` | leave a text field |
| `ctrl+p` | the command palette |
| `?` | this help |
| `q` | quit (outside a text field); `ctrl+q` quits anywhere |

On leaving, the function, point and v are remembered like after any `vjp` command, so
`vjp product` goes on where the explorer stopped.
"""


class HelpScreen(ModalScreen[None]):
    """The keys and what each panel shows; any of esc, q, ? closes it."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 100; height: 90%; border: round $primary; background: $surface;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close", key_display="esc"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(HELP)
