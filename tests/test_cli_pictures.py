"""Pictures and take-away formats from the command line: every command with every format,
--plot files and stdout, --view heat, DOT, and what the quick paths do not import."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sympy

from autograd_cli import formats

SEED = "x0**2+3*x1; x1**2+2*x0"
AT = ("--at", "2,3")

# one call per command (and per kind of result), each with what it needs
COMMANDS = {
    "jacobian": ["jacobian", SEED, *AT],
    "jacobian-symbolic": ["jacobian", SEED],
    "product": ["product", SEED, *AT, "--v", "1,0"],
    "check": ["check", SEED, *AT],
    "jvp": ["jvp", SEED, *AT, "--u", "1,0", "--v", "1,1"],
    "hessian": ["hessian", SEED, *AT],
    "graph": ["graph", SEED, *AT],
    "explain": ["explain", SEED, *AT],
    "explain-pitfall": ["explain", SEED, *AT, "--pitfall", "accumulate"],
    "examples": ["examples"],
}


def assert_usage_error(r, *needles: str) -> str:
    assert r.code == 2, r
    assert "Traceback" not in r.stderr and r.stdout == "", r
    (line,) = [x for x in r.stderr.splitlines() if x.startswith("vjp: error: ")]
    for needle in needles:
        assert needle in line, (needle, line)
    return line


@pytest.mark.parametrize("fmt", formats.ALL_FORMATS)
@pytest.mark.parametrize("case", list(COMMANDS))
def test_every_command_with_every_format(vjp, case, fmt):
    """Each format either works (exit 0, output) or is a usage error naming the formats that fit."""
    args = COMMANDS[case]
    command = args[0]
    r = vjp(*args, "--format", fmt)
    if formats.fits(command, fmt):
        assert r.code == 0, r
        assert r.stdout.strip(), r
        if fmt == "json":
            json.loads(r.stdout)
    else:
        line = assert_usage_error(r, f"--format {fmt} does not fit `vjp {command}`")
        assert line.endswith("use one of: " + ", ".join(formats.FITS[command])), line


def test_acceptance_latex_of_the_worked_example(vjp):
    r = vjp("jacobian", SEED, *AT, "--format", "latex")
    assert r.code == 0, r
    assert r"\begin{bmatrix}" in r.stdout and "4 & 3" in r.stdout and "2 & 6" in r.stdout
    expected = sympy.latex(sympy.Matrix([[4, 3], [2, 6]]), mat_str="bmatrix", mat_delim="")
    assert r.stdout == f"J = {expected}\n"


def test_symbolic_latex_from_the_command_line_is_sympys(vjp):
    x0, x1 = sympy.symbols("x0 x1")
    r = vjp("jacobian", SEED, "--format", "latex")
    expected = sympy.latex(sympy.Matrix([[2 * x0, 3], [2, 2 * x1]]), mat_str="bmatrix", mat_delim="")
    assert r.stdout == f"J = {expected}\n"


def test_latex_digits(vjp):
    r = vjp("jacobian", "x0/3", "--at", "1", "--format", "latex", "--digits", "2")
    assert r.stdout == r"J = \begin{bmatrix}0.33\end{bmatrix}" + "\n"


def test_graph_csv_is_refused_not_a_tree(vjp):
    assert_usage_error(vjp("graph", SEED, *AT, "--format", "csv"), "use one of: table, json, plain, dot")


def test_vjp_format_from_the_environment_falls_back_where_it_does_not_fit(vjp):
    r = vjp("graph", SEED, *AT, env={"VJP_FORMAT": "latex"})
    assert r.code == 0 and "StackBackward0" in r.stdout, r
    r = vjp("jacobian", SEED, *AT, env={"VJP_FORMAT": "latex"})
    assert r.stdout.startswith("J = "), r


def test_streams_in_latex_and_markdown(vjp):
    r = vjp("jacobian", SEED, "--at", "-", "--format", "latex", input="2,3\n1,1\n")
    assert r.code == 0, r
    assert r.stdout.splitlines() == [
        "% at x0 = 2, x1 = 3",
        r"J = \begin{bmatrix}4 & 3\\2 & 6\end{bmatrix}",
        "% at x0 = 1, x1 = 1",
        r"J = \begin{bmatrix}2 & 3\\2 & 2\end{bmatrix}",
    ]
    r = vjp("check", SEED, "--at", "-", "--format", "markdown", input="2,3\n1,1\n")
    assert r.stdout.count("**PASS**") == 2, r


# ---- --plot ------------------------------------------------------------------------------------

needs_matplotlib = pytest.mark.skipif(
    importlib.util.find_spec("matplotlib") is None, reason="the [plot] extra (matplotlib) is not installed"
)


@needs_matplotlib
@pytest.mark.parametrize("ext", ["png", "svg", "pdf"])
@pytest.mark.parametrize("command", ["jacobian", "hessian", "check", "product"])
def test_plot_writes_the_picture_and_still_prints_the_result(vjp, tmp_path, command, ext):
    target = tmp_path / f"picture.{ext}"
    args = COMMANDS[command]
    r = vjp(*args, "--plot", str(target), "--format", "json")
    assert r.code == 0, r
    json.loads(r.stdout)
    assert f"vjp: wrote {target} ({ext.upper()})" in r.stderr
    data = target.read_bytes()
    magic = {"png": b"\x89PNG\r\n\x1a\n", "svg": b"<?xml", "pdf": b"%PDF-"}[ext]
    assert data.startswith(magic) and len(data) > 3000


@needs_matplotlib
def test_plot_dash_writes_png_to_stdout_only(isolated_home):
    p = subprocess.run(
        [sys.executable, "-m", "autograd_cli", "jacobian", SEED, *AT, "--plot", "-"],
        capture_output=True,
        timeout=120,
        env=dict(os.environ),
        cwd=Path(__file__).resolve().parents[1],
    )
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith(b"\x89PNG\r\n\x1a\n")
    from PIL import Image

    assert Image.open(io.BytesIO(p.stdout)).size == (640, 544)


@pytest.mark.parametrize("name", ["j.jpg", "j", "j.PNG.gz"])
def test_unknown_picture_extension_is_a_usage_error_before_any_work(vjp, tmp_path, name):
    assert_usage_error(vjp(*COMMANDS["jacobian"], "--plot", str(tmp_path / name)), ".png, .svg, .pdf")
    assert not (tmp_path / name).exists()


def test_plot_needs_a_point_and_one_point(vjp, tmp_path):
    assert_usage_error(vjp("jacobian", SEED, "--plot", str(tmp_path / "j.png")), "at a point", "--at")
    r = vjp("jacobian", SEED, "--at", "-", "--plot", str(tmp_path / "j.png"), input="2,3\n")
    assert_usage_error(r, "one point", "--format csv")


def test_plot_dash_with_a_format_is_refused(vjp):
    assert_usage_error(vjp(*COMMANDS["jacobian"], "--plot", "-", "--format", "json"), "--format json")


def test_plot_without_matplotlib_says_what_to_install(vjp, monkeypatch, tmp_path):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib" else real(name, *a))
    r = vjp(*COMMANDS["jacobian"], "--plot", str(tmp_path / "j.png"))
    assert_usage_error(r, "pip install 'autograd-cli[plot]'")


@needs_matplotlib
def test_unwritable_plot_target(vjp, tmp_path):
    r = vjp(*COMMANDS["jacobian"], "--plot", str(tmp_path / "missing" / "j.png"))
    assert_usage_error(r, "cannot write --plot")


def test_plot_is_not_an_option_of_jvp(vjp, tmp_path):
    r = vjp(*COMMANDS["jvp"], "--plot", str(tmp_path / "j.png"))
    assert r.code == 2 and "--plot" in r.stderr


# ---- graph: DOT and drawings ---------------------------------------------------------------------


def test_graph_format_dot(vjp):
    r = vjp("graph", SEED, *AT, "--format", "dot")
    assert r.code == 0, r
    assert r.stdout.startswith("digraph autograd {") and r.stdout.rstrip().endswith("}")
    assert r.stdout.count("StackBackward0") == 1 and "AccumulateGrad" in r.stdout


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
def test_graph_plot_svg(vjp, tmp_path):
    target = tmp_path / "g.svg"
    r = vjp("graph", SEED, *AT, "--plot", str(target))
    assert r.code == 0, r
    svg = target.read_text()
    assert "<svg" in svg and "StackBackward0" in svg and "AccumulateGrad" in svg


def test_graph_plot_without_dot_says_how_to_install(vjp, monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    r = vjp("graph", SEED, *AT, "--plot", str(tmp_path / "g.svg"))
    assert_usage_error(r, "install Graphviz", "--format dot")


# ---- the terminal picture ---------------------------------------------------------------------------


def stencil(n: int) -> tuple[str, str]:
    expr = "; ".join(f"x{(i - 1) % n} - 2*x{i} + x{(i + 1) % n}" for i in range(n))
    return expr, ",".join("1" for _ in range(n))


def test_a_100_by_100_jacobian_is_a_picture_in_the_terminal(vjp):
    expr, at = stencil(100)
    r = vjp("jacobian", expr, "--at", at, "--format", "table", env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert r.code == 0, r
    assert "\x1b" not in r.stdout
    lines = r.stdout.splitlines()
    assert lines[0].startswith("Jacobian at x0 = 1, x1 = 1") and "(100 inputs)" in lines[0]
    picture = [line for line in lines if line.count("|") == 2 and not line.startswith("|value|")]
    assert 20 <= len(picture) <= 40
    assert all(len(line) <= 80 for line in lines[:-3])
    assert any(line.startswith("|value| from 0 to 2") for line in lines)


def test_view_numbers_keeps_the_clipped_table(vjp):
    expr, at = stencil(30)
    r = vjp("jacobian", expr, "--at", at, "--format", "table", "--view", "numbers", env={"COLUMNS": "200"})
    assert "showing up to 40 rows and 12 columns" in r.stdout


def test_view_heat_on_a_small_jacobian_and_hessian(vjp):
    r = vjp("jacobian", SEED, *AT, "--view", "heat", env={"NO_COLOR": "1"})
    assert r.code == 0 and "|value| from 0 to 6" in r.stdout, r
    r = vjp("hessian", SEED, *AT, "--view", "heat", env={"NO_COLOR": "1"})
    assert r.code == 0 and r.stdout.count("|value| from 0 to 2") == 2, r


def test_view_heat_with_a_text_format_is_refused(vjp):
    assert_usage_error(vjp(*COMMANDS["jacobian"], "--view", "heat", "--format", "csv"), "--view heat")


# ---- start-up: pictures cost nothing unless asked for ------------------------------------------------

_PROBE = r"""
import io, json, sys
from autograd_cli.cli import main
report = []
for argv in json.loads(sys.argv[1]):
    sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
    sys.argv = ["vjp", *argv]
    try:
        main()
    except SystemExit:
        pass
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    report.append([argv, [m for m in ("matplotlib", "graphviz", "PIL") if m in sys.modules]])  # (torch imports pydot)
print("REPORT " + json.dumps(report))
"""


def test_no_picture_library_is_imported_unless_a_picture_is_asked_for(tmp_path):
    steps = [
        ["--help"],
        ["jacobian", "--help"],
        ["graph", "--help"],
        ["jacobian", SEED, *AT, "--format", "json"],
        ["jacobian", SEED, *AT, "--format", "latex"],
        ["graph", SEED, *AT, "--format", "dot"],
        ["jacobian", SEED, *AT, "--plot", str(tmp_path / "j.jpg")],  # refused by its name alone
    ]
    env = dict(os.environ, VJP_STATE_DIR=str(tmp_path))
    p = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(steps)], capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stderr
    line = next(x for x in p.stdout.splitlines() if x.startswith("REPORT "))
    for argv, loaded in json.loads(line[len("REPORT ") :]):
        assert loaded == [], (argv, loaded)


# ---- the README's pictures ---------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]


def _picture_script():
    spec = importlib.util.spec_from_file_location("make_pictures", ROOT / "docs" / "make_pictures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@needs_matplotlib
def test_the_readme_pictures_are_what_the_script_makes(tmp_path):
    from PIL import Image

    script = _picture_script()
    tmp_path = tmp_path / "pictures"
    p = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "make_pictures.py"), str(tmp_path)], capture_output=True, text=True
    )
    assert p.returncode == 0, p.stderr
    readme = (ROOT / "README.md").read_text()
    for name, args in script.PICTURES:
        assert f"](docs/{name})" in readme, name  # shown in the README
        assert (ROOT / "docs" / name).is_file(), name  # and committed
        made = tmp_path / name
        if args[0] == "graph" and shutil.which("dot") is None:
            assert not made.exists()
            continue
        data = made.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n"), name
        new, committed = Image.open(made), Image.open(ROOT / "docs" / name)
        if args[0] != "graph":  # a heatmap's size is fixed in inches; Graphviz sizes by its fonts
            assert new.size == committed.size, name
        assert min(new.size) > 200, name
        assert f"vjp {' '.join(args[:1])}" in p.stdout
    assert sorted(f.name for f in tmp_path.iterdir()) == sorted(
        n for n, a in script.PICTURES if a[0] != "graph" or shutil.which("dot")
    )
