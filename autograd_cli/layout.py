"""How a labelled table fits a terminal width, without cutting a number, a name or a header.

Rich-free arithmetic in terminal cells. A table has label columns (the row labels, repeated
in every piece) and value columns. It is drawn as one table when it fits; else its value
columns are split into several tables, each repeating the labels; or, when each piece would
hold a single column, in a long layout (one line per entry: the labels, the column's header,
the value). Numbers never wrap; labels and text wrap at spaces and only fold a word longer
than their whole width.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

Measure = Callable[[str], int]

# Rich's default table: one border cell at the left edge, then per column one space of
# padding either side and a border to its right.
PER_COLUMN = 3
EDGE = 1
MIN_LABEL = 4  # below this a label column folds even short names; it is the last resort


@dataclass(frozen=True)
class Column:
    """A column: its header (lines separated by newlines) and its cells, as text."""

    header: str
    cells: Sequence[str]
    wrap: bool = False  # text that may wrap at spaces (labels, descriptions); numbers never do
    measure: Measure = field(default=len, repr=False, compare=False)

    @property
    def natural(self) -> int:
        """The width it takes unwrapped: its widest header line or cell."""
        parts = [*self.header.split("\n"), *self.cells]
        return max((self.measure(p) for p in parts), default=0)

    @property
    def minimum(self) -> int:
        """The narrowest it can be without cutting: its natural width, or for text its longest word."""
        if not self.wrap:
            return self.natural
        words = [w for p in (*self.header.split("\n"), *self.cells) for w in p.split()]
        return max(MIN_LABEL, max((self.measure(w) for w in words), default=0))


@dataclass(frozen=True)
class Plan:
    """How to draw: ``one`` table, ``split`` into ``groups`` of value columns, ``long`` (one line per
    entry) or ``stacked`` (a header, then its value, on lines of their own)."""

    kind: str
    label_widths: list[int]
    value_widths: list[int]  # per value column (one and split)
    groups: list[list[int]]  # value column indices in each table (one: a single group)
    long_widths: tuple[int, int] = (0, 0)  # the header column and the value column (long)
    lines: int = 0  # about how many terminal lines it takes (to compare with a picture)
    width: int = 0

    @property
    def note(self) -> str:
        """The dim line that says how a table too wide for the terminal was drawn."""
        if self.kind == "split":
            return f"split into {len(self.groups)} tables to fit {self.width} columns; each repeats the row labels"
        if self.kind == "long":
            return f"one line per entry, to fit {self.width} columns"
        if self.kind == "stacked":
            return f"one entry per two lines (name, then value), to fit {self.width} columns"
        return ""


def table_width(widths: Sequence[int]) -> int:
    return EDGE + sum(w + PER_COLUMN for w in widths)


def shrink(naturals: Sequence[int], minimums: Sequence[int], budget: int) -> list[int] | None:
    """Widths summing to at most ``budget``: the widest shrinkable column gives a cell at a time."""
    widths = list(naturals)
    excess = sum(widths) - budget
    if excess <= 0:
        return widths
    if sum(minimums) > budget:
        return None
    while excess > 0:
        k = max(range(len(widths)), key=lambda i: (widths[i] - minimums[i], widths[i]))
        if widths[k] <= minimums[k]:
            return None
        widths[k] -= 1
        excess -= 1
    return widths


def wrapped_lines(text: str, width: int) -> int:
    """About how many lines ``text`` takes wrapped at ``width`` (Rich wraps at spaces as textwrap does)."""
    if width <= 0:
        return 1
    return sum(max(1, len(textwrap.wrap(part, width, break_long_words=True))) for part in text.split("\n"))


def plan(labels: Sequence[Column], values: Sequence[Column], width: int) -> Plan:
    """The layout of a table with these label and value columns at ``width`` cells."""
    nat_l = [c.natural for c in labels]
    min_l = [c.minimum if c.wrap else c.natural for c in labels]
    nat_v = [c.natural for c in values]
    min_v = [c.minimum for c in values]
    rows = max((len(c.cells) for c in (*labels, *values)), default=0)
    everything = [*labels, *values]

    # one table, shrinking only what may wrap
    budget = width - EDGE - PER_COLUMN * len(everything)
    one = shrink([*nat_l, *nat_v], [*min_l, *min_v], budget)
    if one is not None or not values:
        widths = one if one is not None else [*min_l, *min_v]
        lw, vw = widths[: len(labels)], widths[len(labels) :]
        groups = [list(range(len(values)))]
        return Plan("one", lw, vw, groups, lines=_lines(labels, values, lw, vw, groups), width=width)

    # split: the label width that needs the fewest tables (the widest such, so labels wrap least)
    best: tuple[int, list[int], list[int], list[list[int]]] | None = None
    label_floor, label_top = sum(min_l), sum(nat_l)
    widest_value = max(min_v)
    for label_budget in range(label_floor, label_top + 1):
        shrunk = shrink(nat_l, min_l, label_budget)
        if shrunk is None:
            continue
        room = width - table_width(shrunk)
        if widest_value + PER_COLUMN > room:
            break
        groups, vw = _groups(values, nat_v, room)
        if best is None or len(groups) <= len(best[3]):
            best = (label_budget, shrunk, vw, groups)
    if best is not None and (len(best[3]) == 1 or 2 * len(best[3]) <= len(values)):  # two or more columns a table
        _, lw, vw, groups = best
        return Plan("split", lw, vw, groups, lines=_lines(labels, values, lw, vw, groups), width=width)
    return _long(labels, values, width, rows)


def _groups(values: Sequence[Column], naturals: Sequence[int], room: int) -> tuple[list[list[int]], list[int]]:
    """Value columns in order, as many to a table as fit in ``room`` cells (text narrowed to fit,
    down to its longest word), and each column's width."""
    groups: list[list[int]] = [[]]
    widths: list[int] = []
    used = 0
    for j, (c, n) in enumerate(zip(values, naturals)):
        w = n
        if used + w + PER_COLUMN > room and c.wrap:
            w = max(c.minimum, room - used - PER_COLUMN)
        if groups[-1] and used + w + PER_COLUMN > room:
            groups.append([])
            used = 0
            w = min(n, room - PER_COLUMN) if c.wrap else n
        groups[-1].append(j)
        widths.append(w)
        used += w + PER_COLUMN
    return groups, widths


INDENT = 2  # a long layout's entries sit under their row's labels, indented
GAP = 2  # between an entry's header and its value


def _long(labels: Sequence[Column], values: Sequence[Column], width: int, rows: int) -> Plan:
    """One line per entry, under its row's labels (on a line of their own): the header, the value."""
    heads = Column("", [" ".join(c.header.split()) for c in values], wrap=True, measure=values[0].measure)
    wrap_value = any(c.wrap for c in values)
    value = Column("", [s for c in values for s in c.cells], wrap=wrap_value, measure=values[0].measure)
    budget = width - INDENT - GAP
    label_w = [max(1, width) for _ in labels]
    if heads.natural + value.minimum <= budget:
        widths = shrink([heads.natural, value.natural], [heads.natural, value.minimum], budget)
        assert widths is not None
        lines = rows * (1 + len(values))
        return Plan("long", label_w, [], [], long_widths=(widths[0], widths[1]), lines=lines, width=width)
    # a header too long to share a line with its value: each on a line of its own
    lines = rows * (1 + 2 * len(values))
    return Plan("stacked", label_w, [], [], long_widths=(width - INDENT, width - 2 * INDENT), lines=lines, width=width)


def _lines(
    labels: Sequence[Column],
    values: Sequence[Column],
    lw: Sequence[int],
    vw: Sequence[int],
    groups: Sequence[Sequence[int]],
) -> int:
    rows = max((len(c.cells) for c in (*labels, *values)), default=0)
    total = 0
    for group in groups:
        cols = [*zip(labels, lw), *((values[j], vw[j]) for j in group)]
        head = max((wrapped_lines(c.header, w) for c, w in cols), default=1)
        body = sum(
            max((wrapped_lines(c.cells[i], w) if c.wrap and i < len(c.cells) else 1 for c, w in cols), default=1)
            for i in range(rows)
        )
        total += 3 + head + body
    return total
