"""The request layer without the CLI: which function, the shared command path, remembering,
exit statuses, and render's two outputs (Rich renderables, Rich-free text)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_cli import render, request
from autograd_cli.engine_results import CheckResult, JacobianResult, ProductResult
from autograd_cli.errors import ExitCode, InputError, ParseError, VjpError
from autograd_cli.request import Channels, Request
from autograd_cli.results import ExampleList, SymbolicJacobianResult

SEED = "x0**2+3*x1; x1**2+2*x0"


class Face:
    """A face that keeps what it was given instead of printing it."""

    def __init__(self, tmp_path: Path, env: dict[str, str] | None = None, stdin: str | None = None) -> None:
        self.shown: list[object] = []
        self.notes: list[str] = []
        self.warnings: list[str] = []
        self.out = io.StringIO()
        self.channels = Channels(
            show=self.shown.append,
            note=self.notes.append,
            warn=self.warnings.append,
            stdin=io.StringIO(stdin) if stdin is not None else None,
            stdout=self.out,
            fmt="json",
            env=env or {},
            state_path=tmp_path / "last.json",
        )

    def run(self, command: str, **fields: object) -> int:
        return request.run(Request(command=command, **fields), self.channels)  # type: ignore[arg-type]


@pytest.fixture
def face(tmp_path: Path) -> Face:
    return Face(tmp_path)


def test_jacobian_of_the_worked_example(face):
    assert face.run("jacobian", expr=SEED, at=("2,3",)) == ExitCode.SUCCESS
    (result,) = face.shown
    assert isinstance(result, JacobianResult)
    assert result.jacobian == [[4.0, 3.0], [2.0, 6.0]]
    assert face.notes == [] and face.warnings == []


def test_the_function_is_remembered_after_success_and_reused(face, tmp_path):
    face.run("jacobian", expr=SEED, at=("2,3",))
    saved = json.loads((tmp_path / "last.json").read_text())
    assert saved["expression"] == SEED and saved["at"] == ["2,3"]
    assert face.run("product", v="0,1") == 0
    product = face.shown[-1]
    assert isinstance(product, ProductResult) and product.vjp == [2.0, 6.0]
    assert any("last command" in n for n in face.notes)


def test_a_failed_command_is_not_remembered(face, tmp_path):
    with pytest.raises(ParseError):
        face.run("jacobian", expr="sin(", at=("1",))
    with pytest.raises(InputError):
        face.run("jacobian", expr=SEED, at=("2",))
    assert not (tmp_path / "last.json").exists()
    assert face.shown == []


def test_nothing_is_shown_or_remembered_when_showing_fails(tmp_path):
    def broken(_: object) -> None:
        raise BrokenPipeError

    f = Face(tmp_path)
    f.channels.show = broken
    with pytest.raises(BrokenPipeError):
        f.run("jacobian", expr=SEED, at=("2,3",))
    assert not (tmp_path / "last.json").exists()


def test_environment_comes_from_the_channels_not_the_process(tmp_path):
    f = Face(tmp_path, env={"VJP_EXPR": "x0*x1", "VJP_AT": "2,5"})
    f.run("jacobian")
    assert f.shown[-1].jacobian == [[5.0, 2.0]]  # type: ignore[attr-defined]
    assert any("$VJP_EXPR" in n for n in f.notes)


def test_symbolic_jacobian_without_a_point(face):
    face.run("jacobian", expr=SEED)
    (result,) = face.shown
    assert isinstance(result, SymbolicJacobianResult)
    assert [[c.replace(" ", "") for c in row] for row in result.jacobian] == [["2*x0", "3"], ["2", "2*x1"]]


def test_check_status_is_one_when_values_disagree(face, tmp_path):
    assert face.run("check", expr=SEED, at=("2,3",)) == ExitCode.SUCCESS
    # a coarse finite-difference step with zero tolerance: the three Jacobians disagree
    assert face.run("check", expr="x0**3", at=("1",), eps=0.1, atol=0.0, rtol=0.0) == ExitCode.CHECK_FAILED
    assert isinstance(face.shown[-1], CheckResult) and not face.shown[-1].match
    # a failing check still ran: the function is remembered
    assert json.loads((tmp_path / "last.json").read_text())["expression"] == "x0**3"


def test_examples_listing(face):
    face.run("examples", name="polar")
    (listing,) = face.shown
    assert isinstance(listing, ExampleList)
    assert [e.name for e in listing.items] == ["polar"]
    with pytest.raises(InputError, match="no example named"):
        face.run("examples", name="nope")


def test_many_points_stream_to_the_channels_stdout(tmp_path):
    f = Face(tmp_path, stdin="2,3\n1,1\n")
    assert f.run("jacobian", expr=SEED, at=("-",)) == 0
    lines = [json.loads(line) for line in f.out.getvalue().splitlines()]
    assert [d["jacobian"] for d in lines] == [[[4.0, 3.0], [2.0, 6.0]], [[2.0, 3.0], [2.0, 2.0]]]


def test_a_face_without_stdin_refuses_dash(face):
    with pytest.raises(VjpError, match="stdin carries the command lines"):
        face.run("jacobian", expr=SEED, at=("-",))
    with pytest.raises(VjpError, match="stdin carries the command lines"):
        face.run("jacobian", expr="-", at=("1",))
    with pytest.raises(VjpError, match="stdin carries the command lines"):
        face.run("product", expr=SEED, at=("2,3",), v="-")


def test_explain_code_is_text(face):
    face.run("explain", expr=SEED, at=("2,3",), code=True)
    (script,) = face.shown
    assert isinstance(script, str) and "backward" in script


def test_function_names_come_from_the_language():
    names = request.function_names()
    assert "sin" in names and "softmax" in names and names == sorted(names)
    assert "seed" in request.example_names()


# ---- render: renderables for Rich, text without it ------------------------------------------


def _result(face: Face) -> JacobianResult:
    face.run("jacobian", expr=SEED, at=("2,3",))
    return face.shown[-1]  # type: ignore[return-value]


def test_renderable_is_a_rich_object_that_prints_the_table(face):
    from rich.console import Console, Group

    shown = render.renderable(_result(face))
    assert isinstance(shown, Group)
    buf = io.StringIO()
    Console(file=buf, width=80, color_system=None).print(shown)
    assert "y₀ = x0**2 + 3*x1" in buf.getvalue() and "det J = 18" in buf.getvalue()


def test_show_writes_text_formats_and_tables(face):
    result = _result(face)
    buf = io.StringIO()
    render.show(result, "plain", None, buf)
    assert buf.getvalue() == "4\t3\n2\t6\n"
    buf = io.StringIO()
    render.show(result, "table", None, buf)
    assert "∂/∂x0" in buf.getvalue()
    assert render.text(result, "json") == render.to_json(result.to_dict()) + "\n"


def test_markdown_has_a_pipe_table(face):
    md = render.markdown(_result(face))
    assert md.splitlines()[0].startswith("**Jacobian at x0 = 2, x1 = 3**")
    assert "| `y₀ = x0**2 + 3*x1` | 13 | 4 | 3 |" in md  # a code span: ** would be bold in Markdown


_TEXT_PROBE = """
import sys
from autograd_cli import render
from autograd_cli.engine_results import JacobianResult
from autograd_cli.results import Header
h = Header("jacobian", "x0", ["x0"], ["x0"], ["x0"], ["y0"], {"x0": ()}, (), [1.0], [1.0], "float64", ["y0 = x0"])
r = JacobianResult(h, [[1.0]], "rows", "one row")
for fmt in ("json", "csv", "tsv", "plain"):
    render.text(r, fmt)
render.markdown(r)
print("rich" in sys.modules, "torch" in sys.modules)
"""


def test_text_formats_import_no_rich_and_no_torch():
    env = dict(os.environ)
    p = subprocess.run([sys.executable, "-c", _TEXT_PROBE], capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["False", "False"]
