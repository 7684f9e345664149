"""A huge point (issue 12): labels made when asked for, numbers written in pieces, and the
text byte for byte what it was when every label and number was built one by one."""

from __future__ import annotations

import io
import math
import pickle
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_cli.labels import Labels, index_labels
from autograd_cli.numtext import num
from autograd_cli.render import number_chunks, number_lines


def eager(prefix: str, shape: tuple[int, ...]) -> list[str]:
    """The labels as they were built before: every one, at once."""
    if not shape:
        return [prefix]
    return [f"{prefix}[{','.join(map(str, index))}]" for index in product(*map(range, shape))]


# ---- labels ---------------------------------------------------------------------------------

PARTS = [
    [("x", (5,))],
    [("x0", ()), ("x1", ()), ("x10", ())],
    [("W", (2, 3)), ("b", (3,)), ("s", ())],
    [("T", (2, 1, 3))],
    [("e", (0,)), ("z", (2,))],
    [],
]


@pytest.mark.parametrize("parts", PARTS)
def test_labels_are_the_list_they_stand_for(parts):
    want = [label for prefix, shape in parts for label in eager(prefix, shape)]
    got = Labels(parts)
    assert len(got) == len(want)
    assert list(got) == want
    assert [got[k] for k in range(len(want))] == want
    assert [got[-k] for k in range(1, len(want) + 1)] == [want[-k] for k in range(1, len(want) + 1)]
    for s in (slice(None), slice(1, 4), slice(None, None, 2), slice(-3, None), slice(5, 1, -1)):
        assert got[s] == want[s]
    assert got == want and want == got and got == tuple(want)
    assert not (got != want)
    assert got != [*want, "extra"]
    assert got == Labels(parts) and got == pickle.loads(pickle.dumps(got))
    assert bool(got) == bool(want)
    assert all(w in got for w in want) and "nope[9]" not in got
    assert ["a", *got] == ["a", *want]
    assert got + ["a"] == [*want, "a"] and ["a"] + got == ["a", *want]  # noqa: RUF005 (the operators are the test)
    with pytest.raises(IndexError):
        got[len(want)]
    with pytest.raises(IndexError):
        got[-len(want) - 1]


def test_a_replaced_first_label_is_a_title():
    got = index_labels("y", (3,)).with_first("y[0]  (y = x**2)")
    assert list(got) == ["y[0]  (y = x**2)", "y[1]", "y[2]"]
    assert got[0] == "y[0]  (y = x**2)" and got[-3] == "y[0]  (y = x**2)" and got[1:] == ["y[1]", "y[2]"]


def test_ten_million_labels_cost_nothing_until_asked_for():
    big = index_labels("x", (10_000_000,))
    assert len(big) == 10_000_000
    assert big[9_999_999] == "x[9999999]" and big[:2] == ["x[0]", "x[1]"]
    assert big == index_labels("x", (10_000_000,))  # same parts: no label is made to compare


def test_problem_and_header_labels(vjp):
    from autograd_cli.parsing import parse
    from autograd_cli.points import parse_point
    from autograd_cli.problem import make_problem
    from autograd_cli.results import Header

    p = make_problem(parse("W @ x + b; sum(x)"), parse_point("W=[[1,2],[3,4]], x=[5,6], b=[7,8]"), wrt=("W", "x"))
    assert p.columns == ["W[0,0]", "W[0,1]", "W[1,0]", "W[1,1]", "x[0]", "x[1]"]
    assert p.names == ("b", "W", "x")
    assert p.all_columns == ["b[0]", "b[1]", "W[0,0]", "W[0,1]", "W[1,0]", "W[1,1]", "x[0]", "x[1]"]
    assert p.rows == ["y0[0]", "y0[1]", "y1"]
    assert list(p.titles) == [p.row_title(i) for i in range(3)]
    d = Header.of("product", p).to_dict()
    assert type(d["columns"]) is list and type(d["rows"]) is list  # JSON-ready for a Python caller too
    assert d["columns"] == list(p.columns) and d["rows"] == list(p.rows)
    q = make_problem(parse("x**2"), parse_point("x=[1,2,3]"))
    assert list(q.titles) == ["y[0]  (y = x**2)", "y[1]", "y[2]"]


# ---- numbers --------------------------------------------------------------------------------

SPECIAL = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    2.5,
    -2.5,
    0.1,
    1e16,
    -1e16,
    1e15,
    123456789012345.0,
    1e-5,
    -1e-300,
    5e-324,
    1.7976931348623157e308,
    math.inf,
    -math.inf,
    math.nan,
    10.0,
    -10.0,
    100.0,
    0.05,
    -0.05,
    3e-05,
]


def reference(values: list[float], width: int, sep: str, digits: int | None) -> str:
    """Each number as ``num`` writes it, one at a time."""
    lines = len(values) // width
    return "".join(sep.join(num(v, digits) for v in values[i * width : (i + 1) * width]) + "\n" for i in range(lines))


@pytest.mark.parametrize("digits", [None, 1, 3, 17])
@pytest.mark.parametrize("sep", ["\t", ","])
@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 64, 1 << 16])
@pytest.mark.parametrize("width", [1, 2, 3, 7, len(SPECIAL)])
def test_number_chunks_are_num_of_each_value(width, chunk, sep, digits):
    values = SPECIAL * 3
    got = list(number_chunks(values, width, sep, digits, chunk=chunk))
    assert "".join(got) == reference(values, width, sep, digits)
    if chunk < len(values) // 2:
        assert len(got) > 1  # really in pieces


@given(
    st.lists(st.one_of(st.floats(), st.integers(-(10**17), 10**17).map(float)), min_size=1, max_size=60),
    st.integers(1, 6),
    st.integers(1, 70),
    st.sampled_from([None, 2, 6]),
)
def test_number_chunks_any_floats(values, width, chunk, digits):
    assert "".join(number_chunks(values, width, "\t", digits, chunk=chunk)) == reference(values, width, "\t", digits)
    assert number_lines(values, width, "\t", digits) == reference(values, width, "\t", digits)


def test_a_long_plain_line_is_written_in_pieces():
    from autograd_cli.engine_results import ProductResult
    from autograd_cli.parsing import parse
    from autograd_cli.points import parse_point
    from autograd_cli.problem import make_problem
    from autograd_cli.render import show
    from autograd_cli.results import Header

    n = 200_000
    p = make_problem(parse("sum(x**2)"), parse_point(f"x=arange({n})"))
    vjp = [2.0 * k - 0.0 * k for k in range(n)]
    vjp[1] = -0.0
    vjp[2] = 0.25
    result = ProductResult(Header.of("product", p, [0.0]), None, vjp, "y.backward()")

    class Writes(io.StringIO):
        count = 0

        def write(self, text: str) -> int:
            self.count += 1
            return super().write(text)

    out = Writes()
    show(result, "plain", None, out)
    assert out.count > 2
    assert out.getvalue() == "\t".join(num(v) for v in vjp) + "\n"


# ---- every format, as before ---------------------------------------------------------------

P2 = ["product", "x**2", "--at", "x=[1.5,-0.0,3]", "--v", "1,2,3"]
GOLDEN = {  # recorded from the eager code (commit 0f22b5d) before labels and numbers went lazy
    ("plain", None): "3\t0\t18\n",
    ("csv", None): "x[0],x[1],x[2],v y[0],v y[1],v y[2],vjp x[0],vjp x[1],vjp x[2]\n1.5,0,3,1,2,3,3,0,18\n",
    (
        "tsv",
        "2",
    ): "x[0]\tx[1]\tx[2]\tv y[0]\tv y[1]\tv y[2]\tvjp x[0]\tvjp x[1]\tvjp x[2]\n1.5\t0\t3\t1\t2\t3\t3\t0\t18\n",
    ("json", None): '{"command": "product", "expression": "x**2", "outputs": ["x**2"], "inputs": ["x"], '
    '"wrt": ["x"], "constants": [], "columns": ["x[0]", "x[1]", "x[2]"], "rows": ["y[0]", "y[1]", "y[2]"], '
    '"shapes": {"inputs": {"x": [3]}, "output": [3]}, "point": [1.5, -0.0, 3.0], "value": [2.25, 0.0, 9.0], '
    '"dtype": "float64", "v": [1.0, 2.0, 3.0], "vjp": [3.0, -0.0, 18.0], "grads": {"x": [3.0, -0.0, 18.0]}, '
    '"method": "y.backward(v)", "notes": []}\n',
    ("markdown", None): "**y.backward(v) at x = [1.5, 0, 3]**\n\n| output | y | v |\n| :-- | --: | --: |\n"
    "| `y[0]  (y = x**2)` | 2.25 | 1 |\n| `y[1]` | 0 | 2 |\n| `y[2]` | 9 | 3 |\n\n"
    "| input | value | vᵀJ = grad |\n| :-- | --: | --: |\n| x[0] | 1.5 | 3 |\n| x[1] | 0 | 0 |\n| x[2] | 3 | 18 |\n",
    (
        "latex",
        None,
    ): "v^\\top = \\begin{bmatrix}1 & 2 & 3\\end{bmatrix}\nv^\\top J = \\begin{bmatrix}3 & 0 & 18\\end{bmatrix}\n",
}


@pytest.mark.parametrize(("fmt", "digits"), list(GOLDEN))
def test_every_format_of_a_small_product_is_unchanged(vjp, fmt, digits):
    r = vjp(*P2, "--format", fmt, *(["--digits", digits] if digits else []))
    assert r.code == 0, r.stderr
    assert r.stdout == GOLDEN[(fmt, digits)]


def test_digits_in_plain_unchanged(vjp):
    r = vjp("product", "sum(x**2)/3", "--at", "x=arange(30)", "--digits", "3", "--format", "plain")
    assert r.stdout == (
        "0\t0.667\t1.33\t2\t2.67\t3.33\t4\t4.67\t5.33\t6\t6.67\t7.33\t8\t8.67\t9.33\t10\t10.7\t11.3\t12\t12.7\t13.3"
        "\t14\t14.7\t15.3\t16\t16.7\t17.3\t18\t18.7\t19.3\n"
    )


# ---- CSV/TSV of a product, in pieces ---------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "at", "v", "wrt", "dtype"),
    [
        ("sum(x**2)", "x=[1.5,-0.0,3,1e16,1e-7]", None, None, "float64"),
        ("x**2", "x=[1.5,-0.0,3]", (1.0, -2.0, 0.5), None, "float64"),
        ("W@x + b", "W=[[1,2],[3,4]],x=[0.1,0.2],b=[5,6]", (1.0, 1.0), ("W", "x"), "float64"),
        ("sum(x*y)", "x=[0.1,0.2,0.3],y=[1,2,3]", None, ("y",), "float32"),
        ("x0*x1", "2,3", None, None, "float64"),
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "tsv", "plain"])
@pytest.mark.parametrize("digits", [None, 3])
@pytest.mark.parametrize("chunk", [1, 2, 1 << 16])
def test_product_pieces_are_the_whole_text(monkeypatch, expr, at, v, wrt, dtype, fmt, digits, chunk):
    from autograd_cli import engines, render
    from autograd_cli.parsing import parse
    from autograd_cli.points import parse_point
    from autograd_cli.problem import make_problem

    result = engines.product(make_problem(parse(expr), parse_point(at), dtype, wrt), v)
    whole = render.to_text(result, fmt, digits)  # csv.writer over every cell, as before
    monkeypatch.setattr(render, "CHUNK", chunk)
    pieces = list(render.to_chunks(result, fmt, digits))
    assert "".join(pieces) == whole
    if chunk == 1 and fmt != "plain":
        assert len(pieces) > 4


@pytest.mark.parametrize("sep", [",", "\t"])
def test_label_cells_quote_as_the_csv_module(monkeypatch, sep):
    import csv

    from autograd_cli import render

    cells = ["x[0]", "W[1,0]", 'a"b', "c\td", "e\nf", "g\rh", "plain", "v y[0]"]
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator="\n").writerow(cells)
    for chunk in (1, 3, 100):
        monkeypatch.setattr(render, "CHUNK", chunk)
        assert "".join(render._label_cells(cells, sep)) + "\n" == buf.getvalue()
