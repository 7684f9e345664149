"""A matrix as a terminal picture: cells binned to fit, a diverging colour scale centred at 0.

Pure data and plain text (no Rich): ``render`` turns a :class:`Picture` into coloured half
blocks (two matrix rows per terminal line); :func:`density_text` draws it with characters
only, for ``NO_COLOR`` and pipes. When the matrix is larger than the space, each cell of the
picture covers a block of entries and shows the entry of largest magnitude (sign kept), so
a single non-zero entry never disappears into an average.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

RGB = tuple[int, int, int]

LEVELS = 8  # colour steps on each side of zero
# RdBu (ColorBrewer), the map the --plot heatmaps use: light near 0, saturated at ±max
_NEG = ((146, 197, 222), (5, 48, 97))
_POS = ((244, 165, 130), (103, 0, 31))
NONFINITE: RGB = (255, 215, 0)  # nan or ±inf: gold, outside the scale
DENSITY = ".:+*xX#@"  # |value| from small to the largest, one character per level
DENSITY_NONFINITE = "?"


@dataclass(frozen=True)
class Picture:
    """``cells[r][c]``: the entry of largest |value| in its block (nan if any entry is not finite)."""

    cells: list[list[float]]
    row_step: int  # matrix rows per cell
    col_step: int  # matrix columns per cell
    rows: int  # the matrix's size
    cols: int
    vmax: float  # largest finite |value| (0 for an all-zero matrix)

    @property
    def scaled(self) -> bool:
        return self.row_step > 1 or self.col_step > 1


def fit(matrix: Sequence[Sequence[float]], max_rows: int, max_cols: int) -> Picture:
    """Bin ``matrix`` into at most ``max_rows`` x ``max_cols`` cells (whole blocks of entries)."""
    m = len(matrix)
    n = len(matrix[0]) if m else 0
    rs = max(1, math.ceil(m / max(1, max_rows)))
    cs = max(1, math.ceil(n / max(1, max_cols)))
    vmax = 0.0
    for row in matrix:
        for v in row:
            if math.isfinite(v) and abs(v) > vmax:
                vmax = abs(v)
    cells: list[list[float]] = []
    for r0 in range(0, m, rs):
        line: list[float] = []
        block_rows = matrix[r0 : r0 + rs]
        for c0 in range(0, n, cs):
            best = 0.0
            for row in block_rows:
                for v in row[c0 : c0 + cs]:
                    if not math.isfinite(v):
                        best = math.nan
                        break
                    if abs(v) > abs(best):
                        best = v
                if math.isnan(best):
                    break
            line.append(best)
        cells.append(line)
    return Picture(cells, rs, cs, m, n, vmax)


def level(v: float, vmax: float) -> int:
    """-LEVELS..LEVELS: 0 only for an exact zero; the smallest non-zero is ±1, never invisible."""
    if v == 0 or vmax == 0:
        return 0
    step = max(1, min(LEVELS, math.ceil(abs(v) / vmax * LEVELS)))
    return step if v > 0 else -step


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


def level_colour(lv: int) -> RGB | None:
    """The colour of a level; None for 0 (exact zero: the terminal's own background)."""
    if lv == 0:
        return None
    light, dark = _POS if lv > 0 else _NEG
    return _mix(light, dark, (abs(lv) - 1) / (LEVELS - 1))


def colour(v: float, vmax: float) -> RGB | None:
    if not math.isfinite(v):
        return NONFINITE
    return level_colour(level(v, vmax))


def density_char(v: float, vmax: float) -> str:
    if not math.isfinite(v):
        return DENSITY_NONFINITE
    lv = abs(level(v, vmax))
    return " " if lv == 0 else DENSITY[lv - 1]


def scale_edges(vmax: float) -> list[float]:
    """The upper |value| of each level: level k holds (edges[k-1], edges[k]]."""
    return [vmax * k / LEVELS for k in range(1, LEVELS + 1)]


# ---- layout and labels ------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """How a matrix maps onto the terminal: entries per cell, characters per cell, the label gutter."""

    row_step: int
    col_step: int
    cell_width: int  # characters per cell (a narrow matrix is drawn wider)
    gutter: int


def layout(m: int, n: int, row_labels: Sequence[str], width: int, lines: int, rows_per_line: int) -> Layout:
    """Fit m x n entries into ``width`` columns and ``lines`` lines, cells about square.

    A terminal character is about twice as tall as wide: a half block (two rows per line)
    is square, a whole character is two cells tall, so with one row per line a shrunk
    matrix takes twice as many rows per cell as columns.
    """
    gutter = min(12, max((len(s) for s in row_labels), default=1)) + 1
    room = max(8, width - gutter - 2)
    cs = max(1, math.ceil(n / room))
    cw = 1 if cs > 1 or 2 * n > room else min(4, room // max(1, n))
    square = cs * (2 // rows_per_line) if cs > 1 else 1
    rs = max(1, math.ceil(m / (lines * rows_per_line)), square)
    return Layout(rs, cs, cw, gutter)


def row_label_lines(labels: Sequence[str], step: int, lines: int, per_line: int) -> list[str]:
    """The row label shown at each picture line ('' where thinned): the first, the last, and evenly between."""
    every = 1 if lines <= 24 else max(2, math.ceil(lines / 12))
    out = []
    for i in range(lines):
        first_row = i * per_line * step
        show = i % every == 0 or i == lines - 1
        out.append(labels[first_row] if show and first_row < len(labels) else "")
    return out


def column_ruler(labels: Sequence[str], step: int, cells: int, cell_width: int = 1) -> str:
    """Column labels over the cells they start at, never overlapping (the first always shown)."""
    width = cells * cell_width
    chars: list[str] = []
    next_free = 0
    spacing = cell_width if cell_width > 1 or width <= 12 else 6
    for pos in range(0, width, cell_width):
        j = (pos // cell_width) * step
        if j >= len(labels) or pos < next_free or (pos % spacing and pos != 0):
            continue
        text = labels[j]
        chars.extend(" " * (pos - len(chars)))
        chars.extend(text)
        next_free = pos + len(text) + 1
    return "".join(chars).rstrip()


def describe(p: Picture, cell_width: int = 1) -> str:
    """One line saying what a cell of the picture stands for."""
    size = f"{p.rows} x {p.cols}"
    if not p.scaled:
        return f"{size}, one entry per cell"
    return f"{size}, each cell the largest |value| of {p.row_step} x {p.col_step} entries"


# ---- NO_COLOR: characters only ---------------------------------------------------------------


def density_text(
    matrix: Sequence[Sequence[float]], row_labels: Sequence[str], col_labels: Sequence[str], width: int, lines: int = 40
) -> str:
    """The matrix as characters whose density grows with |value|: plain text, no escape codes."""
    m, n = len(matrix), len(matrix[0]) if matrix else 0
    lay = layout(m, n, row_labels, width, lines, 1)
    p = fit(matrix, math.ceil(m / lay.row_step), math.ceil(n / lay.col_step))
    labels = row_label_lines(row_labels, p.row_step, len(p.cells), 1)
    g = lay.gutter
    ruler = column_ruler(col_labels, p.col_step, len(p.cells[0]) if p.cells else 0, lay.cell_width)
    out = [" " * (g + 1) + ruler]
    for label, line in zip(labels, p.cells):
        text = "".join(density_char(v, p.vmax) * lay.cell_width for v in line)
        out.append(f"{label[: g - 1]:>{g - 1}} |{text}|")
    out.append(density_legend(p))
    return "\n".join(out) + "\n"


def density_legend(p: Picture) -> str:
    from .numtext import num

    step = num(p.vmax / LEVELS, 2)
    return (
        f"|value| from 0 to {num(p.vmax, 3)}: ' {DENSITY}' (steps of {step}); {DENSITY_NONFINITE} = nan/inf\n"
        f"{describe(p)}; sign not shown"
    )
