"""Readable at any width: no number, name or header is ever cut, tables split (or go long) to
fit, explain's code wraps as Python, and the heat picture stays the fallback for large matrices.

The tables are drawn on a colourless Rich console of a given width and parsed back: every
entry must come back whole, in its row and under its column, equal to what JSON says.
"""

from __future__ import annotations

import ast
import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from autograd_cli import codewrap, layout, render
from autograd_cli.engine_results import JacobianResult
from autograd_cli.results import ExampleList, Header

W_TANH = ("tanh(W @ x + b)", "--at", "W=[[1,2],[3,4]], x=[0.5,-1], b=[0.1,0.2]")
WIDTHS = (40, 60, 80, 120)
NUMBER = re.compile(r"^-?(\d+(\.\d*)?(e[-+]\d+)?|nan|inf)$")


def draw(obj, width: int, digits: int | None = None, view: str = "numbers") -> str:
    buf = io.StringIO()
    shown = render.examples_renderable(obj) if isinstance(obj, ExampleList) else render.renderable(obj, digits, view)
    Console(file=buf, width=width, color_system=None, highlight=False, soft_wrap=False).print(shown)
    return buf.getvalue()


def elided(text: str) -> str:
    """The text without the title's elision of a long point (``[1, 2, 3, …] (9,)``), the one `…` allowed."""
    return re.sub(r",\s+…\]", "]", text)


# ---- parsing drawn tables back ---------------------------------------------------------------


def _cells(line: str, sep: str) -> list[str]:
    return [c.strip() for c in line.strip()[1:-1].split(sep)]


def parse_tables(text: str) -> list[tuple[list[str], list[list[str]]]]:
    """Each box table as (headers, rows): multi-line headers joined with a space; a row is the
    cells of its first line, extended by the lines below it that continue wrapped cells."""
    tables: list[tuple[list[str], list[list[str]]]] = []
    heads: list[list[str]] = []
    rows: list[list[str]] = []
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("┏"):
            heads, rows = [], []
        elif s.startswith("┃"):
            heads.append(_cells(s, "┃"))
        elif s.startswith("│"):
            cells = _cells(s, "│")
            numbers = [c for c in cells[1:] if c]
            if rows and not numbers:  # a wrapped label's next line
                rows[-1][0] += " " + cells[0]
            else:
                rows.append(cells)
        elif s.startswith("└"):
            joined = [" ".join(p for p in parts if p) for parts in zip(*heads)]
            tables.append((joined, rows))
    return tables


def parse_long(text: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The long layout: a row's labels on a line, then indented ``header  value`` lines."""
    records: list[tuple[str, list[tuple[str, str]]]] = []
    pending = ""  # stacked: a header on its own line, its value on the next (indented further)
    for line in text.splitlines():
        if line.startswith("    ") and pending:
            records[-1][1].append((pending, line.strip()))
            pending = ""
        elif line.startswith(" ") and records:  # a header one cell short of the width is indented by one
            head, _, value = line.strip().rpartition("  ")
            if head:
                records[-1][1].append((head.strip(), value.strip()))
            else:
                pending = line.strip()
        elif line and not line.startswith(" "):
            records.append((line.strip(), []))
    return records


def matrix_entries(text: str) -> dict[tuple[int, str], str]:
    """(row number, column header) -> the text drawn there, whichever layout was used."""
    out: dict[tuple[int, str], str] = {}
    if "┏" in text:
        for heads, rows in parse_tables(text):
            for i, cells in enumerate(rows):
                for head, cell in zip(heads[1:], cells[1:]):
                    assert (i, head) not in out, (i, head)
                    out[i, head] = cell
    else:
        records = [r for r in parse_long(text) if r[1]]
        for i, (_, entries) in enumerate(records):
            for head, cell in entries:
                out[i, head] = cell
    return out


# ---- results made by hand: any size, any labels, awkward numbers --------------------------------


def jacobian_result(matrix: list[list[float]], columns: list[str], first_title: str) -> JacobianResult:
    m = len(matrix)
    rows = [f"y[{i}]" for i in range(m)]
    titles = [f"{rows[0]}  (y = {first_title})", *rows[1:]]
    header = Header(
        command="jacobian",
        expression=first_title,
        outputs=[first_title],
        inputs=["x"],
        columns=columns,
        rows=rows,
        input_shapes={"x": (len(columns),)},
        output_shape=(m,),
        point=[1.0] * len(columns),
        value=[float(i) - 0.5 for i in range(m)],
        dtype="float64",
        titles=titles,
    )
    return JacobianResult(header, matrix, "rows", "one backward per row")


awkward = st.one_of(
    st.integers(-(10**6), 10**6).map(float),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-1, 1),
    st.sampled_from([0.0, -0.0, 1e-300, -1.7976931348623157e308, 0.1, -0.0394111, 5e-324]),
)


@st.composite
def matrices(draw_):  # type: ignore[no-untyped-def]
    m = draw_(st.integers(1, 8))
    n = draw_(st.integers(1, 12))
    matrix = [[draw_(awkward) for _ in range(n)] for _ in range(m)]
    stem = draw_(st.sampled_from(["x", "W", "theta_long_name", "a_very_long_variable_name_indeed"]))
    columns = [f"{stem}[{j}]" for j in range(n)]
    title = draw_(st.sampled_from(["x", "tanh(W @ x + b)", "exp(x0)/(exp(x0)+exp(x1)+exp(x2)) + log(1 + x3**2)"]))
    return matrix, columns, title


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=matrices(), width=st.integers(40, 140), digits=st.sampled_from([None, 3, 17]))
def test_no_number_is_ever_cut_at_any_width(case, width: int, digits: int | None) -> None:
    matrix, columns, title = case
    result = jacobian_result(matrix, columns, title)
    text = draw(result, width, digits)
    d = render.TABLE_DIGITS if digits is None else digits
    assert "…" not in elided(text), text
    assert all(len(line) <= width for line in text.splitlines()), text
    entries = matrix_entries(text)
    for i, row in enumerate(matrix):
        assert entries[i, "y"] == render.num(result.header.value[i], d), (i, text)
        for j, v in enumerate(row):
            assert entries[i, f"∂/∂{columns[j]}"] == render.num(v, d), (i, j, text)
    assert len(entries) == len(matrix) * (len(columns) + 1)
    for cell in entries.values():
        assert NUMBER.match(cell), cell
    # every column name is printed whole as a header (never folded or elided)
    heads = {h for _, h in entries}
    assert {f"∂/∂{c}" for c in columns} <= heads


def test_w_tanh_at_80_columns_splits_and_every_number_is_whole(vjp) -> None:
    """The case of the issue: `∂/∂W[0,…`, `0…`, `-…` at 80 columns."""
    table = vjp("jacobian", *W_TANH, "--format", "table", env={"COLUMNS": "80"})
    data = vjp("jacobian", *W_TANH, "--format", "json").json()
    assert table.code == 0, table
    text = table.stdout
    assert "…" not in text
    assert "split into 2 tables to fit 80 columns; each repeats the row labels" in text
    assert all(len(line) <= 80 for line in text.splitlines())
    entries = matrix_entries(text)
    for i, row in enumerate(data["jacobian"]):
        assert float(entries[i, "y"]) == float(f"{data['value'][i]:.6g}")
        for j, v in enumerate(row):
            assert float(entries[i, f"∂/∂{data['columns'][j]}"]) == float(f"{v:.6g}"), (i, j)
    # both pieces repeat the row labels
    tables = parse_tables(text)
    assert len(tables) == 2 and all(rows[0][0].startswith("y[0]") and rows[1][0] == "y[1]" for _, rows in tables)


@pytest.mark.parametrize("width", WIDTHS)
def test_w_tanh_jacobian_at_every_width(vjp, width: int) -> None:
    text = vjp("jacobian", *W_TANH, "--format", "table", env={"COLUMNS": str(width)}).stdout
    data = vjp("jacobian", *W_TANH, "--format", "json").json()
    assert "…" not in text
    entries = matrix_entries(text)
    assert len(entries) == 2 * 9
    for i, row in enumerate(data["jacobian"]):
        for j, v in enumerate(row):
            assert float(entries[i, f"∂/∂{data['columns'][j]}"]) == float(f"{v:.6g}")
    if width == 40:
        assert "one line per entry, to fit 40 columns" in text
    if width == 120:
        assert "split into" not in text and "one line per entry" not in text


COMMANDS = {
    "product": ("product", *W_TANH, "--v", "1,2"),
    "check": ("check", *W_TANH),
    "jvp": ("jvp", *W_TANH, "--u", "b=[1,0],W=[[0,1],[0,0]],x=[1,1]"),
    "hessian": ("hessian", *W_TANH),
    "graph": ("graph", *W_TANH),
    "explain": ("explain", *W_TANH, "--v", "1,2"),
    "pitfall": ("explain", *W_TANH, "--pitfall", "accumulate"),
    "examples": ("examples",),
}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("case", list(COMMANDS))
def test_every_command_keeps_numbers_and_names_whole(vjp, case: str, width: int) -> None:
    """No `…` anywhere, no line past the width, and every number JSON has appears whole."""
    args = COMMANDS[case]
    r = vjp(*args, "--format", "table", env={"COLUMNS": str(width)})
    assert r.code in (0, 1), r
    assert "…" not in elided(r.stdout), r.stdout
    assert all(len(line) <= width for line in r.stdout.splitlines()), r.stdout
    if case in ("graph", "examples", "explain", "pitfall"):
        return
    data = vjp(*args, "--format", "json").json()
    tokens = set(re.findall(r"(?<![\w.\[,])-?\d+(?:\.\d+)?(?:e[-+]\d+)?(?![\w.\]])", r.stdout))
    keys = {"product": ["vjp", "v"], "check": ["sum_backward", "symbolic"], "jvp": ["u", "jvp"], "hessian": []}[case]
    values = [v for k in keys for v in data[k]]
    if case == "hessian":
        values = [v for h in data["hessian"] for row in h for v in row]
    for v in values:
        assert render.num(v, 6) in tokens, (v, r.stdout)


def test_examples_names_are_whole_at_40_columns(vjp) -> None:
    r = vjp("examples", "--format", "table", env={"COLUMNS": "40"})
    names = [e["name"] for e in vjp("examples", "--format", "json").json()["examples"]]
    lines = r.stdout.splitlines()
    for name in names:
        assert any(line.strip().startswith(name) for line in lines), name


# ---- the heat picture is still the fallback for large matrices ------------------------------------


def test_a_small_wide_jacobian_is_numbers_and_a_100_by_100_is_a_picture() -> None:
    small = jacobian_result([[0.216152, -0.0394111] * 4] * 2, [f"W[{j}]" for j in range(8)], "tanh(W @ x + b)")
    assert not render.wants_heat(small, 80, "auto", 6)
    assert not render.wants_heat(small, 40, "auto", 6)
    big = jacobian_result([[float(i == j) for j in range(100)] for i in range(100)], [f"x{j}" for j in range(100)], "x")
    assert render.wants_heat(big, 80, "auto", 6)
    picture = draw(big, 80, view="auto")
    assert "┏" not in picture and "|value| from 0 to 1" in picture


def test_a_12_by_12_jacobian_at_40_columns_is_a_picture_not_pages_of_numbers() -> None:
    twelve = jacobian_result([[i + j / 7 for j in range(12)] for i in range(12)], [f"x[{j}]" for j in range(12)], "x")
    assert render.wants_heat(twelve, 40, "auto", 6)
    assert not render.wants_heat(twelve, 120, "auto", 6)


# ---- the layout arithmetic ------------------------------------------------------------------------


def test_layout_prefers_one_table_then_split_then_long() -> None:
    label = layout.Column("output", ["y[0]", "y[1]"], wrap=True)
    values = [layout.Column(f"∂/∂x[{j}]", ["-0.0394111", "0.5"]) for j in range(6)]
    assert layout.plan([label], values, 120).kind == "one"
    split = layout.plan([label], values, 60)
    assert split.kind == "split" and len(split.groups) == 2
    assert sorted(j for g in split.groups for j in g) == list(range(6))
    for group in split.groups:
        assert layout.table_width([*split.label_widths, *(split.value_widths[j] for j in group)]) <= 60
    assert layout.plan([label], values, 30).kind == "long"


def test_a_wrapping_label_never_goes_below_its_longest_word() -> None:
    label = layout.Column("output", ["y[0]  (y = tanh(W @ x + b))", "y[1]"], wrap=True)
    values = [layout.Column("∂/∂b[0]", ["0.216152", "0"]) for _ in range(3)]
    p = layout.plan([label], values, 50)
    assert p.label_widths[0] >= len("tanh(W")


# ---- explain's code: wrapped, still the same Python ------------------------------------------------

CODE = [
    "W = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64, requires_grad=True)",
    "y.backward(e_0, retain_graph=True)  # b.grad = [0.216152, 0]; W.grad = [[0.108076, -0.216152], [0, 0]]",
    "b.grad.zero_(); W.grad.zero_(); x.grad.zero_(); y.sum().backward(retain_graph=True)  # b.grad = [1, 2]",
    "y = torch.stack([x0**2 + 3*x1 + sin(x0*x1) - cos(x1), x1**2 + 2*x0 + tanh(x0 + x1 + x0*x1*x1)])",
    "y = x0**2 + 3*x1 + sin(x0*x1) - cos(x1) + x1**2 + 2*x0 + tanh(x0 + x1 + x0*x1*x1) + exp(-x0)",
    "z = -x0 * -x1 - (x0 if x1 > 0 else -x1) + [a for a in (x0, x1)][0] + {'k': x0}['k'] + x0 @ x1 ** -2",
    "for t in leaves: t.grad = None; t.requires_grad_(True)",
    "e_0 = torch.tensor([1.0, 0.0, 0.0, 0.0, 0.0, 0.0], dtype=torch.float64).reshape((2, 3))",
]


def _comments(src: str) -> list[str]:
    """The comment's words in order (a `;` between gradients may become a line break)."""
    return [w.rstrip(";") for line in src.splitlines() if "#" in line for w in line.split("#", 1)[1].split()]


@pytest.mark.parametrize("width", [30, 40, 52, 60, 76, 120])
@pytest.mark.parametrize("line", CODE)
def test_wrapped_code_is_the_same_python(line: str, width: int) -> None:
    lines = codewrap.wrap(line, width)
    src = "\n".join(lines)
    assert ast.dump(ast.parse(src)) == ast.dump(ast.parse(line)), src
    assert _comments(src) == _comments(line), src
    # nothing is cut: the same tokens in the same order
    assert re.sub(r"[\s\\;#]", "", src) == re.sub(r"[\s\\;#]", "", line), src
    longest_token = max(len(t) for t in re.split(r"[\s,()\[\]]", line))
    assert all(len(x) <= max(width, longest_token + 8) for x in lines), src


@given(
    names=st.lists(st.sampled_from(["x0", "W", "theta", "b", "x_long_name"]), min_size=2, max_size=12),
    ops=st.lists(st.sampled_from([" + ", " - ", "*", " @ ", "/", ", "]), min_size=12, max_size=12),
    width=st.integers(24, 100),
)
@settings(max_examples=150, deadline=None)
def test_random_expressions_wrap_as_the_same_python(names: list[str], ops: list[str], width: int) -> None:
    body = names[0] + "".join(op + name for op, name in zip(ops, names[1:]))
    line = f"y = torch.stack([f({body}), g({body.replace(', ', ' + ')})], dim=0)  # y = [1.5, -2.25, 3]"
    src = "\n".join(codewrap.wrap(line, width))
    assert ast.dump(ast.parse(src)) == ast.dump(ast.parse(line)), src


def test_explain_panels_never_crop_code(vjp) -> None:
    """`requires_gra`, `retain_grap`: at 80 and 40 columns the code lines, joined, are the transcript's Python."""
    data = vjp("explain", *W_TANH, "--v", "1,2", "--format", "json").json()
    for width in (40, 80):
        text = vjp("explain", *W_TANH, "--v", "1,2", "--format", "table", env={"COLUMNS": str(width)}).stdout
        assert "requires_gra " not in text and "retain_grap " not in text
        assert "requires_grad=True)" in text and "retain_graph=True)" in text
        inside = [line[2:-2].rstrip() for line in text.splitlines() if line.startswith("│ ")]
        for step in data["steps"]:
            if not step["code"]:
                continue
            wrapped = codewrap.wrap_lines(step["code"], width - 4)
            joined = "\n".join(wrapped)
            assert ast.dump(ast.parse(joined)) == ast.dump(ast.parse("\n".join(step["code"])))
            starts = [k for k in range(len(inside)) if inside[k : k + len(wrapped)] == wrapped]
            assert starts, (wrapped, inside)


def test_a_step_title_too_long_for_the_border_is_its_first_line(vjp) -> None:
    titles = [step["title"] for step in vjp("explain", *W_TANH, "--format", "json").json()["steps"]]
    text = vjp("explain", *W_TANH, "--format", "table", env={"COLUMNS": "40"}).stdout
    borders = [line for line in text.splitlines() if line.startswith("╭")]
    assert len(borders) == len(titles)
    for line in borders:  # a title in the border is whole; the others are inside their panel
        shown = line.strip("╭╮─ ")
        assert not shown or shown in titles, line
    assert "y.backward(torch.ones_like(y))" in text


def test_a_header_one_cell_short_of_the_width_is_indented_less_not_folded() -> None:
    """`∂/∂a_very_long_variable_name_indeed[10]` is 39 cells: at 40 columns it cannot sit after the
    usual two-space indent, so it gets one space and stays whole (found by the test above)."""
    columns = [f"a_very_long_variable_name_indeed[{j}]" for j in range(11)]
    result = jacobian_result([[0.0] * 11 for _ in range(4)], columns, "x")
    text = draw(result, 40)
    assert "one entry per two lines" in text
    assert " ∂/∂a_very_long_variable_name_indeed[10]" in text.splitlines()
    assert all(len(line) <= 40 for line in text.splitlines())
    assert len(matrix_entries(text)) == 4 * 12


@pytest.mark.parametrize("width", [40, 80, 200])
def test_the_functions_table_never_cuts_a_spelling(vjp, width: int) -> None:
    """`vjp functions`: spellings wrap at the spaces between them (never `torch.abs` / `olute`), and at
    40 columns the table goes long instead of squeezing its columns to nothing."""
    listed = vjp("functions", "--format", "json").json()["functions"]
    r = vjp("functions", "--format", "table", env={"COLUMNS": str(width)})
    assert r.code == 0, r
    words = set(r.stdout.replace("│", " ").replace("┃", " ").split())
    room = width - 4  # a spelling longer than the terminal itself cannot stay on one line
    for f in listed:
        assert f["name"] in words, f["name"]
        for token in " ".join([*f["spellings"], f["torch"]]).split():
            assert len(token) > room or token in words, (token, width)
    assert all(len(line) <= width for line in r.stdout.splitlines())
    if width == 40:
        assert "┏" not in r.stdout and "to fit 40 columns" in r.stdout
