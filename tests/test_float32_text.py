"""--dtype float32 prints the shortest text float32 reads back (0.1, not 0.10000000149011612) in every
text format, one point or many; JSON keeps the exact value; titles name the dtype; gradients of
tensor inputs are shown in their own shape."""

from __future__ import annotations

import json
import re
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_cli import floattext

LONG = "0.10000000149011612"  # float32(0.1) printed as float64


def f32(v: float) -> float:
    return struct.unpack("f", struct.pack("f", v))[0]


finite32 = st.floats(width=32, allow_nan=False, allow_infinity=False)


@settings(max_examples=500, deadline=None)
@given(st.lists(finite32, min_size=1, max_size=40))
def test_shortest32_reads_back_and_matches_numpy(values: list[float]) -> None:
    out = floattext.shortest32_all(values)
    for v, s in zip(values, out):
        assert f32(s) == v  # reads back to the very same float32
        assert s == float(str(np.float32(v)))  # numpy's shortest repr (Dragon4), independently
        digits = len(repr(abs(s)).split("e")[0].replace(".", "").lstrip("0").rstrip("0") or "0")
        assert digits <= 9
    assert out == [floattext.shortest32(v) for v in values]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.10000000149011612, "0.1"),
        (1 / 3, "0.33333334"),
        (16777217.0, "16777216.0"),
        (3.4028234663852886e38, "3.4028235e+38"),
        (1e-45, "1e-45"),
        (1e39, "1e+39"),  # beyond float32: keeps its float64 value, not inf
        (1e-50, "1e-50"),  # below float32's smallest: not 0
        (float("inf"), "inf"),
    ],
)
def test_shortest32_cases(value: float, text: str) -> None:
    assert repr(floattext.shortest32(value)) == text


def test_float64_results_are_untouched() -> None:
    assert floattext.shown([0.10000000149011612], "float64") == [0.10000000149011612]


TEXT_FORMATS = ("table", "plain", "csv", "tsv", "markdown", "latex")


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
@pytest.mark.parametrize(
    "args",
    [
        ("jacobian", "x0*x1; x1/3", "--at", "0.1,0.7"),
        ("product", "x0*x1; x1/3", "--at", "0.1,0.7", "--v", "1,0.1"),
        ("check", "x0*x1; x1/3", "--at", "0.1,0.7"),
        ("jvp", "x0*x1; x1/3", "--at", "0.1,0.7", "--u", "0.1,1"),
        ("hessian", "x0*x1*0.1", "--at", "0.1,0.7"),
    ],
)
def test_float32_prints_the_shortest_text_in_every_text_format(vjp, args, fmt: str) -> None:
    r = vjp(*args, "--dtype", "float32", "--format", fmt)
    assert r.code == 0, r
    assert LONG not in r.stdout and "0.699999988079071" not in r.stdout, r.stdout
    for token in re.findall(r"\d+\.\d+|\d+e", r.stdout):  # float32 needs at most 9 significant digits
        assert len(token.replace(".", "").rstrip("e").lstrip("0")) <= 9, (token, r.stdout)
    if fmt not in ("plain", "latex"):  # the point 0.1 is printed as typed
        assert re.search(r"(?<![\d.])0\.1(?![\d])", r.stdout), r.stdout
    if fmt in ("table", "markdown"):
        assert "(float32) at" in r.stdout.replace("\n", " "), r.stdout
    js = vjp(*args, "--dtype", "float32", "--format", "json").json()  # JSON: the exact float32 value
    assert js["dtype"] == "float32"


def test_float32_json_keeps_the_exact_value(vjp) -> None:
    data = vjp("jacobian", "x0*x1", "--at", "0.1,1", "--dtype", "float32", "--format", "json").json()
    assert data["jacobian"] == [[1.0, f32(0.1)]] and repr(data["jacobian"][0][1]) == LONG


def test_float64_titles_do_not_name_the_dtype(vjp) -> None:
    r = vjp("jacobian", "x0*x1", "--at", "0.1,1", "--format", "table")
    assert r.stdout.startswith("Jacobian at x0 = 0.1")


def test_float32_title(vjp) -> None:
    r = vjp("jacobian", "x0*x1", "--at", "0.1,1", "--dtype", "float32", "--format", "table", env={"COLUMNS": "80"})
    assert r.stdout.startswith("Jacobian (float32) at x0 = 0.1, x1 = 1\n")


@pytest.mark.parametrize("fmt", ("plain", "csv", "tsv", "markdown", "latex"))
@pytest.mark.parametrize("command", ("jacobian", "product", "check"))
def test_float32_many_points_print_as_each_point_alone(vjp, command: str, fmt: str) -> None:
    points = ["0.1,0.7", "1,0.3", "0.123456789,2"]
    extra = ["--v", "1,0.1"] if command == "product" else []
    opts = [*extra, "--dtype", "float32", "--format", fmt]
    stream = vjp(command, "x0*x1; x1/3", "--at", "-", *opts, input="\n".join(points))
    assert stream.code == 0, stream
    assert LONG not in stream.stdout
    alone = [vjp(command, "x0*x1; x1/3", "--at", p, *opts).stdout for p in points]
    if fmt in ("csv", "tsv"):
        head = alone[0].splitlines()[0]
        assert stream.stdout.splitlines() == [head, *(a.splitlines()[1] for a in alone)]
    elif fmt == "plain" and command != "jacobian":
        assert stream.stdout.splitlines()[0].split("\t")[-2:] == alone[0].splitlines()[0].split("\t")[-2:]
    else:
        for a in alone:
            body = a if fmt != "plain" else "\t".join(a.split())
            assert body.split()[-1] in stream.stdout


# ---- each gradient in its own shape ---------------------------------------------------------------

W_TANH = ("tanh(W @ x + b)", "--at", "W=[[1,2],[3,4]], x=[0.5,-1], b=[0.1,0.2]")


def test_explain_shows_each_gradient_in_its_shape(vjp) -> None:
    data = vjp("explain", *W_TANH, "--v", "1,2", "--format", "json").json()
    grads = vjp("product", *W_TANH, "--v", "1,2", "--format", "json").json()["grads"]
    code = "\n".join(line for step in data["steps"] for line in step["code"])
    assert "# b.grad, W.grad, x.grad =" not in code
    vjp_step = next(s for s in data["steps"] if s["title"].startswith("6. vᵀJ"))
    shown = vjp_step["outcome"][0]
    pieces = dict(p.split(" = ", 1) for p in shown.split("; "))
    assert set(pieces) == {"b.grad", "W.grad", "x.grad"}
    w = json.loads(pieces["W.grad"])
    assert np.allclose(w, grads["W"], rtol=1e-5) and np.array(w).shape == (2, 2)


def test_product_table_shows_a_matrix_input_as_a_matrix(vjp) -> None:
    grads = vjp("product", *W_TANH, "--v", "1,2", "--format", "json").json()["grads"]
    text = vjp("product", *W_TANH, "--v", "1,2", "--format", "table", env={"COLUMNS": "80"}).stdout
    assert "W.grad  (vᵀJ for W, shape (2, 2))" in text
    rows = [line for line in text.splitlines() if line.startswith("│ W[")]
    assert [r.split("│")[1].strip() for r in rows] == ["W[0,:]", "W[1,:]"]
    cells = [[float(c) for c in r.split("│")[2:4]] for r in rows]
    assert np.allclose(cells, grads["W"], rtol=1e-5)


def test_markdown_and_latex_show_a_matrix_input_as_a_matrix(vjp) -> None:
    md = vjp("product", *W_TANH, "--v", "1,2", "--format", "markdown").stdout
    assert "**W.grad** (vᵀJ for W, shape (2, 2))" in md
    assert "| W[0,:] | 0.108076 | -0.216152 |" in md and "| W[1,:] | 0.0394111 | -0.0788221 |" in md
    assert "| W[0,0] |" not in md  # not also as flat rows
    tex = vjp("product", *W_TANH, "--v", "1,2", "--format", "latex").stdout
    assert r"\texttt{W.grad} = \begin{bmatrix}0.108076 & -0.216152\\0.0394111 & -0.0788221\end{bmatrix}" in tex


def test_the_point_in_a_title_is_in_its_own_shape(vjp) -> None:
    text = vjp("jacobian", *W_TANH, "--format", "table", env={"COLUMNS": "120"}).stdout
    assert text.startswith("Jacobian at b = [0.1, 0.2]; W = [[1, 2], [3, 4]]; x = [0.5, -1]\n")
