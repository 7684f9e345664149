"""The Jacobian: numbers heat-coloured by value, rows by output and columns by input; a heat picture when large."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.coordinate import Coordinate
from textual.widget import Widget
from textual.widgets import DataTable

from .. import heat, render
from ..engine_results import JacobianResult
from ..numtext import num
from . import paint
from .messages import CotangentEdited
from .model import one_hot_text

DIGITS = 6
TITLE_WIDTH = 24  # characters of a row's title (y₀ = x0**2 + 3*x1) before it is cut


def cell_style(value: float, vmax: float) -> Style:
    """The heat colour of an entry (heat.py's scale, as the heat picture and --plot use), and a readable ink."""
    rgb = heat.colour(value, vmax)
    if rgb is None:
        return Style()
    ink = "black" if (0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]) > 140 else "white"
    return Style(color=ink, bgcolor=f"rgb({rgb[0]},{rgb[1]},{rgb[2]})")


def short(text: str, width: int = TITLE_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def wants_heat(result: JacobianResult, width: int, view: str) -> bool:
    """``auto``: the picture when the numbers are too many to read (render.py's limits for a table), or
    would need more than twice the width (the table scrolls sideways, a little)."""
    if view != "auto":
        return view == "heat"
    m, n = len(result.jacobian), len(result.header.columns)
    if m > render.MAX_TABLE_ROWS or n > render.MAX_TABLE_COLS:
        return True
    return render.wants_heat(result, 2 * width, view, DIGITS)


class JacobianTable(DataTable[Text]):
    """The numbers; the cursor row is the row the current v picks (hidden when v is not one-hot,
    unless the table has the focus: then ↑/↓ and the mouse pick a row)."""

    def on_focus(self) -> None:
        self.show_cursor = True

    def on_blur(self) -> None:
        view = self.parent
        if isinstance(view, JacobianView):
            self.show_cursor = view.row is not None


class HeatPicture(Widget):
    """render.py's heat picture of the Jacobian, drawn at this widget's width."""

    DEFAULT_CSS = "HeatPicture { height: auto; }"

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.result: JacobianResult | None = None
        self.drawn: tuple[object, int, Any] | None = None  # (result, width, lines): drawn once per result and width

    def render(self) -> Any:
        if self.result is None:
            return ""
        width = max(20, self.size.width)
        if self.drawn is None or self.drawn[0] is not self.result or self.drawn[1] != width:
            colour = not self.app.no_color  # without colour the picture is characters (heat.density_text)
            picture = Group(*render.heat_parts(self.result, DIGITS, None, width, colour))
            self.drawn = (self.result, width, paint.lines(picture, width))
        return self.drawn[2]


class JacobianView(Vertical):
    """J at the point, from engines.jacobian: numbers when they fit, else the heat picture (scrolls)."""

    DEFAULT_CSS = """
    JacobianView { height: auto; border: round $primary 50%; }
    JacobianView:focus-within { border: round $primary; }
    JacobianView > JacobianTable { height: auto; max-height: 14; }
    JacobianTable > .datatable--cursor { background: $accent 50%; }
    JacobianView > #jacobian-heat { height: auto; max-height: 20; display: none; }
    JacobianView.-heat > JacobianTable { display: none; }
    JacobianView.-heat > #jacobian-heat { display: block; }
    """

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Jacobian J = ∂y/∂x"
        self.result: JacobianResult | None = None
        self.row: int | None = None
        self.view = "auto"  # auto, numbers or heat (the w key cycles)
        self.shape_key: tuple[object, ...] = ()

    def compose(self) -> ComposeResult:
        yield JacobianTable(cursor_type="row", id="jacobian-table")
        with VerticalScroll(id="jacobian-heat"):
            yield HeatPicture(id="heat-picture")

    @property
    def heat_shown(self) -> bool:
        return self.has_class("-heat")

    def show(self, result: JacobianResult, row: int | None) -> None:
        """Draw ``result``; ``row``: the row v picks (None: v is not one-hot)."""
        self.result, self.row = result, row
        self._draw()

    def pick(self, row: int | None) -> None:
        self.row = row
        if self.result is not None and not self.heat_shown:
            self._cursor()

    def on_resize(self) -> None:
        if self.result is not None:
            self._draw()

    def _draw(self) -> None:
        r = self.result
        assert r is not None
        width = self.size.width or 80
        use_heat = wants_heat(r, width, self.view)
        self.set_class(use_heat, "-heat")
        h = r.header
        self.border_subtitle = f"row i: x.grad after y.backward(eᵢ) · {r.method}" if r.jacobian else ""
        if use_heat:
            picture = self.query_one(HeatPicture)
            picture.result = r
            picture.refresh(layout=True)
            return
        table = self.query_one(JacobianTable)
        vmax = max((abs(v) for row in r.jacobian for v in row if v == v and abs(v) != float("inf")), default=0.0)
        key = (tuple(h.rows), tuple(h.columns), tuple(h.titles))
        if key != self.shape_key:
            self.shape_key = key
            table.clear(columns=True)
            table.add_column(Text("output"), key="output")
            table.add_column(Text("y", justify="right"), key="y")
            for j, c in enumerate(h.columns):
                table.add_column(Text(f"∂/∂{c}", justify="right"), key=f"c{j}")
            for i in range(len(h.rows)):
                table.add_row(*self._cells(r, i, vmax), key=f"r{i}")
        else:
            for i in range(len(h.rows)):
                for j, cell in enumerate(self._cells(r, i, vmax)):
                    table.update_cell_at(Coordinate(i, j), cell, update_width=True)
        self._cursor()

    @staticmethod
    def _cells(r: JacobianResult, i: int, vmax: float) -> list[Text]:
        h = r.header
        value = h.value[i] if h.value is not None else float("nan")
        cells = [Text(short(h.titles[i]), style="bold"), Text(num(value, DIGITS), justify="right")]
        for v in r.jacobian[i]:
            cells.append(Text(f" {num(v, DIGITS)} ", style=cell_style(v, vmax), justify="right"))
        return cells

    def _cursor(self) -> None:
        table = self.query_one(JacobianTable)
        table.show_cursor = self.row is not None or table.has_focus
        if self.row is not None and self.row < table.row_count and table.cursor_row != self.row:
            table.move_cursor(row=self.row, animate=False)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """A row picked with the keys or the mouse: v becomes that one-hot row."""
        event.stop()
        table = self.query_one(JacobianTable)
        if not table.has_focus or self.result is None or event.cursor_row == self.row:
            return
        self.row = event.cursor_row
        table.show_cursor = True
        self.post_message(CotangentEdited(one_hot_text(len(self.result.header.rows), event.cursor_row)))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self.result is not None and event.cursor_row != self.row:
            self.row = event.cursor_row
            self.post_message(CotangentEdited(one_hot_text(len(self.result.header.rows), event.cursor_row)))
