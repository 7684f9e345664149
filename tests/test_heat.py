"""The terminal heat picture: binning keeps every non-zero, the colours follow the signs, NO_COLOR is plain text."""

from __future__ import annotations

import math

from rich.console import Console

from autograd_cli import heat, render


def diag(values: list[float]) -> list[list[float]]:
    n = len(values)
    return [[values[i] if i == j else 0.0 for j in range(n)] for i in range(n)]


def test_fit_keeps_the_largest_magnitude_with_its_sign():
    m = [[0.0] * 6 for _ in range(6)]
    m[0][1] = -5.0
    m[1][0] = 2.0
    m[5][5] = 1e-9  # a lone tiny entry must survive binning
    p = heat.fit(m, 3, 3)
    assert (p.row_step, p.col_step) == (2, 2)
    assert p.cells[0][0] == -5.0
    assert p.cells[2][2] == 1e-9
    assert p.cells[1][1] == 0.0
    assert p.vmax == 5.0


def test_fit_marks_nonfinite_blocks():
    m = [[1.0, math.nan], [math.inf, 2.0]]
    p = heat.fit(m, 1, 1)
    assert math.isnan(p.cells[0][0]) and p.vmax == 2.0


def test_levels_zero_only_for_exact_zero():
    assert heat.level(0.0, 5.0) == 0
    assert heat.level(1e-12, 5.0) == 1
    assert heat.level(-1e-12, 5.0) == -1
    assert heat.level(5.0, 5.0) == heat.LEVELS
    assert heat.level(-5.0, 5.0) == -heat.LEVELS
    assert heat.colour(0.0, 1.0) is None
    r, _g, b = heat.colour(1.0, 1.0)  # strong positive: red
    assert r > 2 * b
    r, _g, b = heat.colour(-1.0, 1.0)  # strong negative: blue
    assert b > 2 * r
    assert heat.colour(math.nan, 1.0) == heat.NONFINITE


def test_density_picture_of_a_100_by_100_diagonal_is_plain_text_that_fits():
    values = [float(i % 5 + 1) for i in range(100)]
    text = heat.density_text(diag(values), [f"y{i}" for i in range(100)], [f"x{i}" for i in range(100)], 80)
    assert "\x1b" not in text
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines[:-2])
    body = [line.split("|")[1] for line in lines[1:-2]]
    assert len(body) <= 40
    # the diagonal runs corner to corner: each line's mark is to the right of the previous one
    firsts = [row.index(next(c for c in row if c != " ")) for row in body]
    assert firsts == sorted(firsts) and firsts[0] == 0 and firsts[-1] >= len(body[0]) - 3
    assert lines[0].split()[0] == "x0"  # the column ruler starts with the first column's name
    assert "|value|" in lines[-2]


def test_column_ruler_never_overlaps():
    labels = [f"x{i}" for i in range(200)]
    ruler = heat.column_ruler(labels, 2, 60)
    words = ruler.split()
    assert words[0] == "x0" and len(words) >= 5
    assert len(ruler) <= 60 + 5


def _cells(renderable, width=80):
    """(character, fg, bg) per picture line, from Rich's own rendering in true colour."""
    console = Console(width=width, color_system="truecolor", file=open("/dev/null", "w"))
    out = []
    for line in console.render_lines(renderable, pad=False):
        chars = []
        for seg in line:
            st = seg.style
            fg = st.color.get_truecolor() if st is not None and st.color is not None else None
            bg = st.bgcolor.get_truecolor() if st is not None and st.bgcolor is not None else None
            chars += [(ch, fg and tuple(fg), bg and tuple(bg)) for ch in seg.text]
        out.append(chars)
    return out


def test_colour_picture_of_a_signed_diagonal():
    values = [3.0, -3.0, 3.0, -3.0]
    pic = render.heat_picture(diag(values), ["y0", "y1", "y2", "y3"], ["x0", "x1", "x2", "x3"], 80, True)
    lines = _cells(pic)
    body = [line for line in lines[1:] if any(ch == "│" for ch, _, _ in line)]
    assert len(body) == 2  # two matrix rows per line
    inside = "".join(ch for ch, _, _ in body[0]).index("│") + 1
    cells = body[0][inside : inside + 16]  # a narrow matrix is drawn 4 characters per cell
    assert len({cells[k] for k in range(4)}) == 1
    c0, c1, c2 = cells[0], cells[4], cells[8]
    # line 0 holds rows 0 (top half) and 1 (bottom half): cell 0 red on top, cell 1 blue below
    assert c0[0] == "▀" and c0[1][0] > 2 * c0[1][2] and c0[2] is None
    assert c1[0] == "▄" and c1[1][2] > 2 * c1[1][0]
    assert c2 == (" ", None, None)
    legend = "".join(ch for ch, _, _ in lines[-2])
    assert "-3" in legend and " 0 " in legend and "3" in legend and "nan/inf" in legend


def test_auto_view_turns_to_heat_only_when_numbers_do_not_fit():
    from autograd_cli import engines
    from autograd_cli.parsing import parse
    from autograd_cli.points import parse_point
    from autograd_cli.problem import make_problem

    small = engines.jacobian(make_problem(parse("x0*x1; x0+x1"), parse_point("2,3"), "float64"), "rows", None, False)
    assert not render.wants_heat(small, 80, "auto", 6)
    assert render.wants_heat(small, 80, "heat", 6)
    n = 30
    big_problem = make_problem(parse("; ".join(f"x{i}" for i in range(n))), parse_point(",".join("1" * n)), "float64")
    big = engines.jacobian(big_problem, "batched", None, False)
    assert render.wants_heat(big, 200, "auto", 6)
    assert not render.wants_heat(big, 200, "numbers", 6)
