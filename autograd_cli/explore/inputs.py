"""The inputs panel: every input element with its value; nudge the selected one, or type a value."""

from __future__ import annotations

import math
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Input, Static

from ..errors import VjpError
from ..numtext import num
from ..points import Value, parse_point
from ..problem import _index_labels
from .messages import ValueEdited
from .model import DEFAULT_STEP, Setup, next_step, nudged, value_text

NUDGE = Binding.Group("nudge")
STEP = Binding.Group("step")


class InputsTable(DataTable[Text]):
    """One row per input element; ←/→ and +/- nudge it, [ and ] change the step."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,minus", "nudge(-1)", "−step", key_display="←", group=NUDGE),
        Binding("right,plus,equals_sign", "nudge(1)", "+step", key_display="→", group=NUDGE),
        Binding("left_square_bracket", "step(-1)", "step÷10", key_display="[", group=STEP),
        Binding("right_square_bracket", "step(1)", "step×10", key_display="]", group=STEP),
    ]

    def action_nudge(self, direction: int) -> None:
        panel = self.panel
        if panel is not None:
            panel.nudge(direction)

    def action_step(self, direction: int) -> None:
        panel = self.panel
        if panel is not None:
            panel.change_step(direction)

    @property
    def panel(self) -> InputsPanel | None:
        parent = self.parent
        return parent if isinstance(parent, InputsPanel) else None


class InputsPanel(Vertical):
    """The point, element by element, in the order of the Jacobian's columns."""

    DEFAULT_CSS = """
    InputsPanel { height: auto; border: round $primary 50%; }
    InputsPanel:focus-within { border: round $primary; }
    InputsPanel > InputsTable { height: auto; max-height: 12; }
    InputsPanel > #value { margin: 0 0; }
    InputsPanel > #value-error { display: none; color: $error; }
    InputsPanel.-error > #value-error { display: block; }
    """

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "inputs"
        self.step = DEFAULT_STEP
        self.setup: Setup | None = None
        self.names: tuple[str, ...] = ()
        self.elements: list[tuple[str, int]] = []  # (input, flat index) per row
        self.layout_key: tuple[object, ...] = ()

    def compose(self) -> ComposeResult:
        table = InputsTable(cursor_type="row", zebra_stripes=False, id="inputs-table")
        table.add_columns("input", "value")
        yield table
        yield Input(placeholder="type a value, ⏎", id="value", compact=True, select_on_focus=True)
        yield Static(id="value-error", markup=False)

    def on_mount(self) -> None:
        self._show_step()

    # ---- what is shown -----------------------------------------------------------------

    def show(self, setup: Setup, names: tuple[str, ...]) -> None:
        """The values of ``names`` in ``setup``; rows are rebuilt only when the layout changes."""
        self.setup, self.names = setup, names
        table = self.query_one(InputsTable)
        constants = self.constants(setup, names)
        key = tuple((n, setup.value(n).shape, n in constants) for n in names)
        if key != self.layout_key:
            current = self.selected()
            self.layout_key = key
            self.elements = [(n, k) for n in names for k in range(len(setup.value(n).data))]
            labels = [label for n in names for label in _index_labels(n, setup.value(n).shape)]
            table.clear()
            for (name, k), label in zip(self.elements, labels):
                title = Text(label) if name not in constants else Text(f"{label} const", style="dim")
                table.add_row(title, self._cell(setup.value(name).data[k]), key=f"{name}#{k}")
            if current in self.elements:
                table.move_cursor(row=self.elements.index(current), animate=False)
        else:
            for row, (name, k) in enumerate(self.elements):
                cell = self._cell(setup.value(name).data[k])
                if table.get_cell_at(Coordinate(row, 1)) != cell:
                    table.update_cell_at(Coordinate(row, 1), cell)
        self._show_step()

    @staticmethod
    def constants(setup: Setup, names: tuple[str, ...]) -> set[str]:
        """The inputs --wrt leaves out (constants: no gradient, no Jacobian column)."""
        from ..problem import parse_wrt
        from .worker import wrt_in_force

        try:
            wrt = parse_wrt(wrt_in_force(setup))
        except VjpError:
            return set()
        return set() if wrt is None else set(names) - set(wrt)

    @staticmethod
    def _cell(value: float) -> Text:
        return Text(num(value, 12), justify="right")  # (typing a value starts from every digit)

    def _show_step(self) -> None:
        self.border_subtitle = f"step {num(self.step)}"

    def selected(self) -> tuple[str, int] | None:
        table = self.query_one(InputsTable)
        row = table.cursor_row
        return self.elements[row] if 0 <= row < len(self.elements) else None

    # ---- changing values ---------------------------------------------------------------

    def nudge(self, direction: int) -> None:
        chosen = self.selected()
        if chosen is None or self.setup is None:
            return
        name, k = chosen
        try:
            number = nudged(self.setup.value(name).data[k], self.step, direction)
        except VjpError as e:
            self.show_error(str(e))
            return
        old = self.setup.value(name)
        data = list(old.data)
        data[k] = number
        self.show_error(None)
        self.post_message(ValueEdited(name, Value(old.shape, tuple(data))))

    def change_step(self, direction: int) -> None:
        self.step = next_step(self.step, direction)
        self._show_step()

    def start_typing(self) -> None:
        """Enter on an element: the value field, holding its value."""
        field = self.query_one("#value", Input)
        chosen = self.selected()
        if chosen is not None and self.setup is not None:
            name, k = chosen
            field.placeholder = f"{self._label(chosen)} = (or {name} = a whole tensor), ⏎"
            field.value = num(self.setup.value(name).data[k])
        field.focus()

    def _label(self, chosen: tuple[str, int]) -> str:
        row = self.elements.index(chosen)
        cell = self.query_one(InputsTable).get_row_at(row)
        return (cell[0].plain if isinstance(cell[0], Text) else str(cell[0])).removesuffix(" const")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.start_typing()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id != "value":
            return
        try:
            edits = self.read_value(event.value)
        except VjpError as e:
            self.show_error(str(e))
            return
        self.show_error(None)
        event.input.value = ""
        for name, value in edits:
            self.post_message(ValueEdited(name, value))
        self.query_one(InputsTable).focus()

    def read_value(self, text: str) -> list[tuple[str, Value]]:
        """A number for the selected element; ``name = value`` (or a list, ``ones(3)``) for a whole input."""
        text = text.strip()
        chosen = self.selected()
        if self.setup is None or chosen is None:
            return []
        name, k = chosen
        try:
            number = float(text)
        except ValueError:
            number = None
        if number is not None:
            if not math.isfinite(number):
                raise VjpError(f"{text!r} is not a finite number")
            old = self.setup.value(name)
            data = list(old.data)
            data[k] = number
            return [(name, Value(old.shape, tuple(data)))]
        spec = parse_point(text if "=" in text else f"{name}={text}", "the value")
        if spec.positional:
            raise VjpError(f"give one value, or name it: {name}={text}")
        unknown = [n for n in spec.named if n not in self.names]
        if unknown:
            raise VjpError(
                f"{', '.join(unknown)} is not an input of this function; its inputs are {', '.join(self.names)}"
            )
        return list(spec.named.items())

    def show_error(self, message: str | None) -> None:
        self.set_class(message is not None, "-error")
        if message is not None:
            self.query_one("#value-error", Static).update(message)

    def current_text(self) -> str:
        """The point as --at text (for the status line and tests)."""
        return self.setup.at_text(self.names) if self.setup is not None else ""

    @staticmethod
    def value_text(value: Value) -> str:
        return value_text(value)
