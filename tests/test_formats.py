"""LaTeX and Markdown from results: LaTeX matrices as SymPy's printer writes them, GitHub tables that parse."""

from __future__ import annotations

import math

import pytest
import sympy

from autograd_cli import engines, formats, request
from autograd_cli.parsing import parse
from autograd_cli.points import parse_point
from autograd_cli.problem import make_problem

SEED = "x0**2+3*x1; x1**2+2*x0"


def problem(expr: str, at: str | None = None):
    return make_problem(parse(expr), parse_point(at) if at else None, "float64")


def sympy_bmatrix(rows) -> str:
    return sympy.latex(sympy.Matrix(rows), mat_str="bmatrix", mat_delim="")


# ---- LaTeX ---------------------------------------------------------------------------------------


def test_numeric_jacobian_latex_is_sympys_printing_of_the_same_matrix():
    result = engines.jacobian(problem(SEED, "2,3"), "rows", None, False)
    out = formats.latex(result, None)
    assert out == "J = " + sympy_bmatrix([[4, 3], [2, 6]]) + "\n"
    assert "4 & 3" in out and "2 & 6" in out


def test_symbolic_jacobian_latex_is_sympys_printer_on_an_independently_built_matrix():
    x0, x1 = sympy.symbols("x0 x1")
    expected = sympy_bmatrix([[2 * x0, 3], [2, 2 * x1]])
    result = request.symbolic_jacobian(problem(SEED))
    assert formats.latex(result, None) == f"J = {expected}\n"


def test_symbolic_latex_of_functions_and_fractions():
    x, y = sympy.symbols("x y")
    result = request.symbolic_jacobian(problem("sin(x)*y; sqrt(x)/y", None))
    f = sympy.Matrix([sympy.sin(x) * y, sympy.sqrt(x) / y])
    assert formats.latex(result, None) == "J = " + sympy_bmatrix(f.jacobian([x, y]).tolist()) + "\n"


def test_digits_round_the_numbers():
    result = engines.jacobian(problem("x0/3; x0*x1", "1,2"), "rows", None, False)
    assert formats.latex(result, 3) == r"J = \begin{bmatrix}0.333 & 0\\2 & 1\end{bmatrix}" + "\n"
    assert r"0.333333 & 0" in formats.latex(result, None)  # 6 significant digits by default


@pytest.mark.parametrize(
    ("value", "tex"),
    [
        (4.0, "4"),
        (-0.5, "-0.5"),
        (1.5e-7, r"1.5 \cdot 10^{-7}"),
        (2e21, r"2 \cdot 10^{21}"),
        (math.inf, r"\infty"),
        (-math.inf, r"-\infty"),
        (math.nan, r"\text{NaN}"),
    ],
)
def test_tex_numbers(value, tex):
    assert formats.tex_number(value) == tex


def test_wide_matrices_say_what_amsmath_needs():
    expr = "; ".join(f"x{i}" for i in range(12))
    result = engines.jacobian(problem(expr, ",".join("1" * 12)), "rows", None, False)
    first, second = formats.latex(result, None).splitlines()
    assert first == r"% 12 columns: amsmath needs \setcounter{MaxMatrixCols}{12}"
    assert second.count("&") == 12 * 11


def test_product_check_jvp_hessian_latex():
    p = problem(SEED, "2,3")
    prod = formats.latex(engines.product(p, (1.0, 0.0)), None)
    assert prod.splitlines() == [
        r"v^\top = \begin{bmatrix}1 & 0\end{bmatrix}",
        r"v^\top J = \begin{bmatrix}4 & 3\end{bmatrix}",
    ]
    check = formats.latex(engines.check(p, 1e-5, 1e-3, "rows", 1e-6), None)
    assert r"\mathbf{1}^\top J = \begin{bmatrix}6 & 9\end{bmatrix}" in check.splitlines()
    assert "J = " + sympy_bmatrix([[4, 3], [2, 6]]) in check.splitlines()
    jvp = formats.latex(engines.jvp(p, (1.0, 0.0), None, 1e-5, 1e-3), None)
    assert "J u = " + sympy_bmatrix([[4], [2]]) in jvp.splitlines()
    hess = formats.latex(engines.hessian(p, 1e-5, 1e-3), None)
    assert hess.splitlines() == [
        r"\nabla^2 y_{0} = " + sympy_bmatrix([[2, 0], [0, 0]]),
        r"\nabla^2 y_{1} = " + sympy_bmatrix([[0, 0], [0, 2]]),
    ]


def test_scalar_gradient_latex():
    out = formats.latex(engines.product(problem("x0*x1", "2,3"), None), None)
    assert out == r"\nabla y^\top = \begin{bmatrix}3 & 2\end{bmatrix}" + "\n"


@pytest.mark.parametrize(
    ("label", "tex"),
    [
        ("y0", "y_{0}"),
        ("x[1,0]", "x_{1,0}"),
        ("y1[2]", "y_{1,2}"),
        ("theta", r"\theta"),
        ("w", "w"),
        ("out", r"\mathrm{out}"),
    ],
)
def test_tex_labels(label, tex):
    assert formats.tex_label(label) == tex


# ---- Markdown ------------------------------------------------------------------------------------


def parse_tables(text: str) -> list[list[list[str]]]:
    """GitHub tables in ``text``: rows of cells (the delimiter row checked and dropped)."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            assert line.endswith("|"), line
            cells = [c.strip() for c in _split_cells(line[1:-1])]
            current.append(cells)
        elif current:
            head, delim, *body = current
            assert all(set(d) <= set(":-") and "-" in d for d in delim), delim
            assert all(len(row) == len(head) for row in [delim, *body]), current
            tables.append([head, *body])
            current = []
    return tables


def _split_cells(inner: str) -> list[str]:
    """Split on pipes that are not escaped (GitHub's rule, code spans included)."""
    cells, cell, i = [], "", 0
    while i < len(inner):
        if inner[i] == "\\" and i + 1 < len(inner):
            cell += inner[i : i + 2]
            i += 2
            continue
        if inner[i] == "|":
            cells.append(cell)
            cell = ""
        else:
            cell += inner[i]
        i += 1
    return [*cells, cell]


def test_markdown_jacobian_is_a_labelled_github_table():
    result = engines.jacobian(problem(SEED, "2,3"), "rows", None, False)
    text = formats.markdown(result, None)
    assert text.startswith("**Jacobian at x0 = 2, x1 = 3**")
    (table,) = parse_tables(text)
    assert table == [
        ["output", "y", "∂/∂x0", "∂/∂x1"],
        ["`y₀ = x0**2 + 3*x1`", "13", "4", "3"],
        ["`y₁ = x1**2 + 2*x0`", "13", "2", "6"],
    ]


def test_markdown_prints_every_entry_of_a_large_matrix():
    n = 50
    expr = "; ".join(f"{i + 1}*x{i}" for i in range(n))
    result = engines.jacobian(problem(expr, ",".join("1" * n)), "batched", None, False)
    (table,) = parse_tables(formats.markdown(result, None))
    assert len(table) == n + 1 and len(table[0]) == n + 2
    assert [float(table[i + 1][i + 2]) for i in range(n)] == [float(i + 1) for i in range(n)]


def test_markdown_escapes_pipes_and_keeps_stars_as_code():
    assert formats.md_code("a|b*c") == r"`a\|b*c`"
    assert formats.md_cell("a|b") == r"a\|b"
    assert parse_tables(formats.md_table(["a", "b"], [[formats.md_code("x|y"), "1"]]))[0][1] == [r"`x\|y`", "1"]


def test_markdown_check_product_jvp_hessian_and_symbolic():
    p = problem(SEED, "2,3")
    tables = parse_tables(formats.markdown(engines.check(p, 1e-5, 1e-3, "rows", 1e-6), None))
    assert tables[0][1] == ["x0", "6", "6", "6", "6"]
    text = formats.markdown(engines.product(p, (0.5, -2.0)), None)
    assert parse_tables(text)[1][1:] == [["x0", "2", "-2"], ["x1", "3", "-10.5"]]
    assert parse_tables(formats.markdown(engines.jvp(p, (1.0, 0.0), None, 1e-5, 1e-3), None))[1][1][2] == "4"
    assert len(parse_tables(formats.markdown(engines.hessian(p, 1e-5, 1e-3), None))) == 2
    sym = parse_tables(formats.markdown(request.symbolic_jacobian(problem(SEED)), None))[0]
    assert sym[1] == ["`y₀ = x0**2 + 3*x1`", "`2*x0`", "`3`"]


def test_examples_markdown_and_latex():
    from autograd_cli import examples

    items = examples.load()
    (table,) = parse_tables(formats.examples_text(items, "markdown"))
    assert len(table) == len(items) + 1
    tex = formats.examples_text(items, "latex")
    assert tex.startswith(r"\begin{tabular}") and tex.rstrip().endswith(r"\end{tabular}")
    assert tex.count(r" \\") == len(items) + 1


# ---- which formats fit ---------------------------------------------------------------------------


def test_format_fits():
    assert formats.fits("jacobian", "latex") and formats.fits("graph", "dot")
    assert not formats.fits("graph", "csv") and not formats.fits("jacobian", "dot")
    message = formats.misfit_message("graph", "csv")
    assert message == "--format csv does not fit `vjp graph`; use one of: table, json, plain, dot"
