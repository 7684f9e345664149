"""Heatmaps with matplotlib: valid PNG/SVG/PDF files whose pixels and labels show the right matrix."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest

pytest.importorskip("matplotlib")  # the [plot] extra; the test extra installs it

from PIL import Image

from autograd_cli import engines, plot
from autograd_cli.parsing import parse
from autograd_cli.points import parse_point
from autograd_cli.problem import make_problem

SEED = "x0**2+3*x1; x1**2+2*x0"


def problem(expr: str, at: str):
    return make_problem(parse(expr), parse_point(at), "float64")


def png(fig) -> Image.Image:
    buf = io.BytesIO()
    plot.save(fig, buf, "png")
    data = buf.getvalue()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return Image.open(io.BytesIO(data)).convert("RGB")


def cell_pixel(fig, img: Image.Image, i: int, j: int) -> tuple[int, int, int]:
    """The colour inside cell (row i, column j) of the first heatmap, off-centre (the centre has the number)."""
    ax = fig.axes[0]
    x, y = ax.transData.transform((j + 0.3, i + 0.3))
    return img.getpixel((int(x), int(img.height - y)))


def test_diagonal_jacobian_cells_have_the_right_colours():
    result = engines.jacobian(problem("2*x0; -3*x1; 0.5*x2", "1,1,1"), "rows", None, False)
    fig = plot.figure(result)
    img = png(fig)
    assert img.size == (640, 544)
    red, blue, pale = cell_pixel(fig, img, 0, 0), cell_pixel(fig, img, 1, 1), cell_pixel(fig, img, 2, 2)
    assert red[0] > red[2] + 60  # +2: red
    assert blue[2] > blue[0] + 60  # -3 (the largest magnitude): dark blue
    assert blue[2] < 160
    assert pale[0] > pale[2] and sum(pale) > sum(red)  # +0.5: a lighter red
    for i in range(3):
        for j in range(3):
            if i != j:
                r, g, b = cell_pixel(fig, img, i, j)
                assert min(r, g, b) > 235, (i, j, (r, g, b))  # 0: white, the centre of the map


def test_svg_has_the_tables_labels_and_the_point():
    result = engines.jacobian(problem(SEED, "2,3"), "rows", None, False)
    buf = io.BytesIO()
    plot.save(plot.figure(result), buf, "svg")
    root = ET.fromstring(buf.getvalue())
    texts = {"".join(t.itertext()).strip() for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {"∂/∂x0", "∂/∂x1", "y₀ = x0**2 + 3*x1", "y₁ = x1**2 + 2*x0"} <= texts
    assert "Jacobian J at x0 = 2, x1 = 3" in texts
    assert {"4", "3", "2", "6"} <= texts  # small matrices carry their numbers


def test_svg_is_the_same_for_the_same_result():
    result = engines.jacobian(problem(SEED, "2,3"), "rows", None, False)
    outs = []
    for _ in range(2):
        buf = io.BytesIO()
        plot.save(plot.figure(result), buf, "svg")
        outs.append(buf.getvalue())
    assert outs[0] == outs[1]


def test_pdf_is_a_pdf(tmp_path):
    result = engines.hessian(problem(SEED, "2,3"), 1e-5, 1e-3)
    target = tmp_path / "h.pdf"
    assert plot.write(result, str(target)) == f"{target} (PDF)"
    data = target.read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 2000


def test_large_matrices_also_show_the_sparsity_pattern():
    n = 60
    expr = "; ".join(f"x{(i - 1) % n} - 2*x{i} + x{(i + 1) % n}" for i in range(n))
    result = engines.jacobian(problem(expr, ",".join("1" * n)), "batched", None, False)
    fig = plot.figure(result)
    titles = [ax.get_title() for ax in fig.axes]
    assert any(t.startswith("sparsity pattern: 180 of 3600 entries non-zero") for t in titles), titles
    heat = fig.axes[0]
    assert len(heat.get_xticks()) <= plot.MAX_TICKS  # labels thinned
    img = png(fig)
    assert img.size[0] > 1000


def test_check_plot_shows_the_differences():
    result = engines.check(problem(SEED, "2,3"), 1e-5, 1e-3, "rows", 1e-6)
    fig = plot.figure(result)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles[0].startswith("J (autograd) − J (SymPy)\nmax |difference| = 0")
    assert titles[1].startswith("J (autograd) − J (central differences)")
    assert "PASS" in fig.get_suptitle()


def test_product_plot_of_a_tensor_input_keeps_its_shape():
    p = make_problem(parse("sum(x*x)"), parse_point("x=[[1,2,3],[4,5,6]]"), "float64")
    fig = plot.figure(engines.product(p, None))
    ax = fig.axes[0]
    assert ax.images[0].get_array().shape == (2, 3)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x[0]", "x[1]"]


@pytest.mark.parametrize("name", ["j.png", "J.SVG", "j.pdf", "-"])
def test_picture_formats(name):
    assert plot.picture_format(name) in ("png", "svg", "pdf")


@pytest.mark.parametrize("name", ["j.jpg", "j", "j.png.txt"])
def test_unknown_extensions_name_the_ones_that_work(name):
    with pytest.raises(plot.PlotError) as e:
        plot.picture_format(name)
    assert ".png, .svg, .pdf" in str(e.value) and e.value.exit_code == 2


def test_missing_matplotlib_says_what_to_install(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib" else real(name, *a))
    with pytest.raises(plot.PlotError) as e:
        plot.require_matplotlib()
    assert "pip install 'autograd-cli[plot]'" in str(e.value)
