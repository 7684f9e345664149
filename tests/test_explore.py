"""vjp explore: the app driven by Textual's pilot, asserting on the numbers it shows.

Every number on screen must be the engines' (the CLI's) number: the expected values are
the worked example's (J = [[4, 3], [2, 6]] at (2, 3)), computed by hand, or the CLI's own
output for the same function and point.
"""

from __future__ import annotations

import asyncio
import io
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.widgets import Input, Static

from autograd_cli import request
from autograd_cli.explore import worker
from autograd_cli.explore.app import ExploreApp, setup_of
from autograd_cli.explore.expression import ExpressionField
from autograd_cli.explore.inputs import InputsPanel, InputsTable
from autograd_cli.explore.jacobian import JacobianTable, JacobianView
from autograd_cli.explore.model import Setup, next_step, nudged, one_hot, value_text
from autograd_cli.explore.panes import Panes
from autograd_cli.explore.product import ProductPanel
from autograd_cli.points import Value, parse_point
from autograd_cli.render import num

SEED = "x0**2+3*x1; x1**2+2*x0"
ROOT = Path(__file__).resolve().parents[1]


def make_app(
    expr: str | None = SEED,
    at: str | None = "2,3",
    v: str | None = "1,0",
    pane: str = "steps",
    tmp: Path | None = None,
    wrt: str | None = None,
) -> ExploreApp:
    prep = request.prepare(
        expr=expr, at=(at,) if at else None, v=v, wrt=wrt, env={}, path=(tmp or Path("/nonexistent")) / "last.json"
    )
    return ExploreApp(setup_of(prep), pane=pane)


async def settle(pilot: Any) -> None:
    """Wait until every computation asked for has posted its stages, and the screen shows them."""
    app = pilot.app
    for _ in range(500):  # (a bound, not a time limit: each round waits for the work at hand)
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not app.busy and not any(w.is_running for w in app.workers):
            break
    await pilot.pause()


def text_of(renderable: Any, width: int = 120) -> str:
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.export_text()


def static_text(app: ExploreApp, selector: str, width: int = 120) -> str:
    content = app.query_one(selector, Static).content
    return content if isinstance(content, str) else text_of(content, width)


def jacobian_cells(app: ExploreApp) -> list[list[str]]:
    table = app.query_one(JacobianTable)
    return [[cell.plain.strip() for cell in table.get_row_at(i)[2:]] for i in range(table.row_count)]


def input_values(app: ExploreApp) -> list[str]:
    table = app.query_one(InputsTable)
    return [table.get_row_at(i)[1].plain.strip() for i in range(table.row_count)]


def grads_rows(app: ExploreApp) -> dict[str, list[str]]:
    """The vᵀJ / check table: input -> [vᵀJ, y.sum().backward(), y.backward(ones), column sums]."""
    text = static_text(app, "#grads")
    rows = {}
    for line in text.splitlines():
        parts = line.split()
        if parts and parts[0].split("[")[0] in app.names:  # x0, or an element x[1]
            rows[parts[0]] = parts[1:5]
    return rows


def run(coro: Any) -> Any:
    return asyncio.run(coro)


# ---- the worked example -------------------------------------------------------------------------


def test_worked_example_shows_the_seed_numbers() -> None:
    async def go() -> None:
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert jacobian_cells(app) == [["4", "3"], ["2", "6"]]
            assert input_values(app) == ["2", "3"]
            rows = grads_rows(app)
            assert rows == {"x0": ["4", "6", "6", "6"], "x1": ["3", "9", "9", "9"]}
            assert "PASS" in static_text(app, "#grads")
            # v = (1, 0) is one-hot: the Jacobian's highlighted row is row 0
            table = app.query_one(JacobianTable)
            assert table.show_cursor and table.cursor_row == 0
            assert "y = (13, 13)" in static_text(app, "#status")

    run(go())


def test_nudging_the_point_moves_every_number() -> None:
    async def go() -> None:
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("right")  # x0 2 -> 2.1
            await settle(pilot)
            assert input_values(app) == ["2.1", "3"]
            assert jacobian_cells(app) == [["4.2", "3"], ["2", "6"]]
            await pilot.press("down", "]", "minus")  # x1, step 1, 3 -> 2
            await settle(pilot)
            assert input_values(app) == ["2.1", "2"]
            assert jacobian_cells(app) == [["4.2", "3"], ["2", "4"]]
            assert grads_rows(app)["x1"] == ["3", "7", "7", "7"]
            assert app.query_one(InputsPanel).border_subtitle == "step 1"

    run(go())


def test_typing_a_value_and_a_whole_tensor() -> None:
    async def go() -> None:
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("enter", "5", "enter")  # ⏎ on x0: its value, selected; type over it
            await settle(pilot)
            assert input_values(app) == ["5", "3"]
            assert jacobian_cells(app)[0] == ["10", "3"]
            await pilot.press("enter")  # edit the selected value: the field starts with it
            field = app.query_one("#value", Input)
            assert field.has_focus and field.value == "5"
            field.value = "nonsense("
            await pilot.press("enter")
            await settle(pilot)
            assert app.query_one(InputsPanel).has_class("-error")
            assert jacobian_cells(app)[0] == ["10", "3"]  # nothing changed
            field.value = "x1 = -1.5"
            await pilot.press("enter")
            await settle(pilot)
            assert input_values(app) == ["5", "-1.5"]
            assert jacobian_cells(app) == [["10", "3"], ["2", "-3"]]

    run(go())


def test_changing_v_and_picking_a_row() -> None:
    async def go() -> None:
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("v")
            field = app.query_one("#v", Input)
            assert field.has_focus
            field.value = "0,1"
            await settle(pilot)
            assert [r[0] for r in grads_rows(app).values()] == ["2", "6"]  # row 1 of J
            assert app.query_one(JacobianTable).cursor_row == 1
            field.value = "2,-1"  # not one-hot: vᵀJ = 2*(4,3) - (2,6) = (6, 0), no row highlighted
            await settle(pilot)
            assert [r[0] for r in grads_rows(app).values()] == ["6", "0"]
            assert not app.query_one(JacobianTable).show_cursor
            field.value = "1,2,3"  # the wrong length: said under v; J stays
            await settle(pilot)
            assert app.query_one(ProductPanel).has_class("-error")
            assert "3 values" in static_text(app, "#v-error")
            assert jacobian_cells(app) == [["4", "3"], ["2", "6"]]
            # a row picked in the Jacobian (keys) becomes v
            await pilot.press("escape", "j", "down")
            await settle(pilot)
            assert field.value == "0,1"
            assert [r[0] for r in grads_rows(app).values()] == ["2", "6"]
            await pilot.press("up")
            await settle(pilot)
            assert field.value == "1,0"

    run(go())


def test_the_mouse_picks_a_row_and_a_pane() -> None:
    async def go() -> None:
        app = make_app(v="1,1")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert not app.query_one(JacobianTable).show_cursor
            table = app.query_one(JacobianTable)
            await pilot.click(table, offset=(3, 2))  # the second row (below the header)
            await settle(pilot)
            assert app.query_one("#v", Input).value == "0,1"
            await pilot.click("#tabs Tab#--content-tab-code")
            await settle(pilot)
            assert app.query_one(Panes).active == "code"
            assert "requires_grad=True" in static_text(app, "#pane-code")

    run(go())


def test_panes_show_what_the_commands_show() -> None:
    async def go() -> None:
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            panes = app.query_one(Panes)
            assert "y.backward" in static_text(app, "#pane-steps")
            await pilot.press("2")
            await settle(pilot)
            from autograd_cli import codegen

            assert panes.shown["code"] == codegen.script(app.prepared.problem)
            await pilot.press("3")
            await settle(pilot)
            graph = static_text(app, "#pane-graph")
            assert "AddBackward0" in graph and "AccumulateGrad" in graph
            await pilot.press("4")
            await settle(pilot)
            symbolic = static_text(app, "#pane-symbolic")
            assert "2*x0" in symbolic and "2*x1" in symbolic
            await pilot.press("5")
            await settle(pilot)
            hessian = static_text(app, "#pane-hessian")
            assert "output 1 of 2" in hessian
            assert panes.shown["hessian"].hessian == [[[2.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 2.0]]]
            await pilot.press("greater_than_sign")
            assert "output 2 of 2" in static_text(app, "#pane-hessian")
            # the pane follows the point
            await pilot.press("i", "right")
            await settle(pilot)
            assert panes.active == "hessian" and panes.shown["hessian"].header.point == [2.1, 3.0]

    run(go())


def test_a_new_expression_and_garbage() -> None:
    async def go() -> None:
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("e")
            field = app.query_one("#expression", Input)
            assert field.has_focus
            field.value = "x0**"  # does not parse: the error and its caret; the last good result stays
            await settle(pilot)
            expr = app.query_one(ExpressionField)
            assert expr.has_class("-error")
            error = static_text(app, "#expression-error")
            assert "^" in error and "x0**" in error
            assert jacobian_cells(app) == [["4", "3"], ["2", "6"]]
            assert "last good" in static_text(app, "#status")
            field.value = "x0*x1*x2"  # a new input x2 starts at 1; v of the wrong length is said
            await settle(pilot)
            assert not expr.has_class("-error")
            assert input_values(app) == ["2", "3", "1"]
            assert jacobian_cells(app) == [["3", "2", "6"]]
            assert app.setup.v == ""  # v was e_0 of two outputs: a scalar y needs none (y.backward())
            assert [r[0] for r in grads_rows(app).values()] == ["3", "2", "6"]
            field.value = "x0; x1; x2"
            await settle(pilot)
            assert app.setup.v == "1,0,0" and [r[0] for r in grads_rows(app).values()] == ["1", "0", "0"]
            field.value = "sin(x0); x1"
            await settle(pilot)
            assert jacobian_cells(app) == [[str(math.cos(2.0)), "0"], ["0", "1"]] or jacobian_cells(app)[0][1] == "0"
            assert jacobian_cells(app)[1] == ["0", "1"]

    run(go())


HOSTILE = [
    "",
    "   ",
    "(((((((((((",
    "x0" + "+x0" * 3000,
    "(" * 200 + "x" + ")" * 200,
    "__import__('os').system('echo hi')",
    "x.__class__",
    "9**9**9**9",
    "x0/0; log(x0-5)",
    "\x1b[31mred\x1b[0m",
    "x0\x00",
    "😀 + x",
    "[" * 50,
    "x @ W",
    "lambda: 1",
    "1e999999",
    "sum(x0, dim=7)",
]


def test_nothing_typed_crashes_the_app() -> None:
    async def go() -> None:
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            field = app.query_one("#expression", Input)
            for text in HOSTILE:
                field.value = text
                await settle(pilot)
                assert app.is_running
            field.value = SEED
            await settle(pilot)
            assert jacobian_cells(app) == [["4", "3"], ["2", "6"]]
            await pilot.press("i")
            for keys in (["]"] * 20 + ["right"] * 3, ["["] * 30 + ["left"]):
                await pilot.press(*keys)
                await settle(pilot)
                assert app.is_running

    run(go())


def test_an_internal_error_is_a_message_in_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    eng = request.engines()

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(eng, "check", broken)

    async def go() -> None:
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert jacobian_cells(app) == [["4", "3"], ["2", "6"]]
            text = static_text(app, "#grads")
            assert "internal error" in text and "RuntimeError: boom" in text
            assert any("internal error" in str(n.message) for n in app._notifications)
            assert app.is_running

    run(go())


def test_a_large_jacobian_is_a_heat_picture_that_scrolls() -> None:
    expr = "; ".join(f"x{i}**2*sin(x{(i + 1) % 100}) + exp(x{(i + 2) % 100})/3" for i in range(100))
    at = ",".join(str(0.01 * i) for i in range(100))

    async def go() -> None:
        app = make_app(expr, at, v=None)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            view = app.query_one(JacobianView)
            assert view.heat_shown
            assert len(app.results["jacobian"].jacobian) == 100
            await pilot.press("w")  # numbers: the table has every entry (it scrolls)
            assert not view.heat_shown and app.query_one(JacobianTable).row_count == 100
            await pilot.press("w", "w")
            assert view.heat_shown
            # moving the point recomputes the 100 x 100 Jacobian off the UI thread
            await pilot.press("right")
            await settle(pilot)
            assert app.results["jacobian"].header.point[0] == pytest.approx(0.1)

    run(go())


def test_no_color_draws_the_heat_picture_with_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    expr = "; ".join(f"x{i}*x{(i + 1) % 30}" for i in range(30))

    async def go() -> None:
        app = make_app(expr, ",".join(["1"] * 30), v=None)
        assert app.no_color
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert app.query_one(JacobianView).heat_shown
            picture = text_of(app.query_one("#heat-picture").render(), 70)
            assert "|value| from 0 to" in picture  # heat.density_text's legend: characters, not colours

    run(go())


def test_the_command_palette_runs_the_explorers_commands() -> None:
    async def go() -> None:
        app = make_app()
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+p")
            await pilot.press(*"show code")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert app.query_one(Panes).active == "code"
            assert "requires_grad=True" in static_text(app, "#pane-code")
            await pilot.press("ctrl+p", *"example xy-scalar")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert app.setup.expression == "x0*y0; x1*y1; x2*y2"
            assert input_values(app) == ["0", "2", "8", "5", "1", "7"]
            assert [r[0] for r in grads_rows(app).values()] == ["5", "1", "7", "0", "2", "8"]  # v = (1,1,1)

    run(go())


def input_labels(app: ExploreApp) -> list[str]:
    table = app.query_one(InputsTable)
    return [table.get_row_at(i)[0].plain.strip() for i in range(table.row_count)]


def test_the_torch_language_statements_and_methods() -> None:
    async def go() -> None:
        # d/dx mean(2 (x + 2)**2) = 4 (x + 2) / 3
        app = make_app("y = x + 2; z = y*y*2; out = z.mean()", "x=[1, 2, 3]", v=None)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert input_labels(app) == ["x[0]", "x[1]", "x[2]"]
            assert jacobian_cells(app) == [["4", "5.33333", "6.66667"]]
            assert [r[0] for r in grads_rows(app).values()] == ["4", "5.33333", "6.66667"]
            await pilot.press("e")
            app.query_one("#expression", Input).value = "torch.sin(x).sum()"  # x keeps its value [1, 2, 3]
            await settle(pilot)
            assert jacobian_cells(app) == [[num(math.cos(k), 6) for k in (1, 2, 3)]]
            app.query_one("#expression", Input).value = "(x * x).sum(dim=0) + x.exp().mean()"
            await settle(pilot)
            assert jacobian_cells(app) == [[num(2 * k + math.exp(k) / 3, 6) for k in (1, 2, 3)]]

    run(go())


def test_wrt_differentiates_only_the_named_inputs(tmp_path: Path, vjp: Any) -> None:
    first = request.prepare(expr="x0*x1; x1**2", at=("2,3",), v="1,0", wrt="x1", env={}, path=tmp_path / "last.json")

    async def go() -> ExploreApp:
        app = ExploreApp(setup_of(first))
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert input_labels(app) == ["x0 const", "x1"]
            assert jacobian_cells(app) == [["2"], ["6"]]  # one column: d/dx1
            assert "--wrt x1" in static_text(app, "#status")
            assert list(grads_rows(app)) == ["x1"] and grads_rows(app)["x1"][0] == "2"
            await pilot.press("right")  # the constant x0 moves: 2 -> 2.1, and so does dy0/dx1
            await settle(pilot)
            assert jacobian_cells(app) == [["2.1"], ["6"]]
            await pilot.press("e")
            field = app.query_one("#expression", Input)
            field.value = "x0*x1*x2"  # x1 is still an input: --wrt stays
            await settle(pilot)
            assert jacobian_cells(app) == [["2.1"]] and input_labels(app) == ["x0 const", "x1", "x2 const"]
            field.value = "sin(x2)*x0"  # x1 is gone: --wrt is off, every input is differentiated
            await settle(pilot)
            assert "--wrt x1 off" in static_text(app, "#status")
            assert input_labels(app) == ["x0", "x2"]
            assert jacobian_cells(app) == [[num(math.sin(1.0), 6), num(2.1 * math.cos(1.0), 6)]]
            field.value = "x0*x1; x1**2"
            await settle(pilot)
            assert jacobian_cells(app) == [["2.1"], ["6"]]
            await pilot.press("escape", "q")
        return app

    app = run(go())
    assert app.remember(first)
    out = vjp("product", "--format", "json", env={"VJP_STATE_DIR": str(tmp_path)}).json()
    assert out["point"] == [2.1, 3.0] and out["vjp"] == [2.1]  # vᵀJ over x1 only: --wrt was remembered


def test_explore_takes_wrt_on_the_command_line() -> None:
    from typer.testing import CliRunner

    from autograd_cli import cli

    out = CliRunner().invoke(cli.app, ["explore", "--help"], env={"COLUMNS": "200"})
    assert out.exit_code == 0 and "--wrt" in out.output


# ---- leaving: the function, point and v are remembered -------------------------------------------


def test_leaving_remembers_where_the_explorer_stopped(tmp_path: Path, vjp: Any) -> None:
    first = request.prepare(expr=SEED, at=("2,3",), v="1,0", env={}, path=tmp_path / "last.json")

    async def go() -> ExploreApp:
        app = ExploreApp(setup_of(first))
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("right")
            await pilot.press("v")
            app.query_one("#v", Input).value = "0,1"
            await settle(pilot)
            await pilot.press("escape", "q")
        return app

    app = run(go())
    assert app.remember(first)
    env = {"VJP_STATE_DIR": str(tmp_path)}
    out = vjp("product", "--format", "json", env=env).json()
    assert out["expression"] == SEED and out["point"] == [2.1, 3.0]
    assert out["v"] == [0.0, 1.0] and out["vjp"] == [2.0, 6.0]


def test_q_types_into_a_field_and_quits_outside() -> None:
    async def go() -> None:
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("e", "end", "q")
            assert app.is_running and app.query_one("#expression", Input).value.endswith("q")
            await pilot.press("escape", "question_mark")
            assert app.screen.__class__.__name__ == "HelpScreen"
            await pilot.press("escape", "q")
        assert not app.is_running

    run(go())


def test_ctrl_q_quits_from_inside_a_field() -> None:
    async def go() -> ExploreApp:
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("v")
            assert app.query_one("#v", Input).has_focus
            await pilot.press("ctrl+q")
            await pilot.pause()
            assert not app.is_running
        return app

    run(go())


# ---- the worker and the model ---------------------------------------------------------------------


def test_a_cancelled_computation_posts_nothing_more() -> None:
    prep = request.prepare(expr=SEED, at=("2,3",), v="1,0", env={}, path=Path("/nonexistent/last.json"))
    setup = setup_of(prep)
    posted: list[worker.Outcome] = []
    worker.run(worker.Ask(1, setup, pane="code"), posted.append, lambda: len(posted) >= 2)
    assert [o.stage for o in posted] == ["names", "problem"]
    posted.clear()
    worker.run(worker.Ask(2, setup, pane="code"), posted.append, lambda: False)
    assert [o.stage for o in posted] == ["names", "problem", "jacobian", "product", "check", "pane", "done"]
    assert posted[2].value.jacobian == [[4.0, 3.0], [2.0, 6.0]]
    posted.clear()
    worker.run(worker.Ask(3, setup), posted.append, lambda: True)  # cancelled before it starts
    assert posted == []


def test_the_pane_waits_until_the_screen_has_the_check() -> None:
    prep = request.prepare(expr=SEED, at=("2,3",), v="1,0", env={}, path=Path("/nonexistent/last.json"))
    posted: list[worker.Outcome] = []
    asked: list[list[str]] = []

    def shown() -> bool:
        asked.append([o.stage for o in posted])
        return len(asked) >= 3  # the screen takes a while

    worker.run(worker.Ask(1, setup_of(prep), pane="steps"), posted.append, lambda: False, shown)
    assert asked and asked[0][-1] == "check" and len(asked) == 3  # asked after the check, until shown
    assert [o.stage for o in posted][-2:] == ["pane", "done"]


def test_the_worker_uses_the_same_engines_as_the_cli(vjp: Any) -> None:
    prep = request.prepare(expr="sin(x)*y; x*y**2", at=("0.3,-1.2",), v="0.5,2", env={}, path=Path("/x/last.json"))
    posted: list[worker.Outcome] = []
    worker.run(worker.Ask(1, setup_of(prep)), posted.append, lambda: False)
    by = {o.stage: o.value for o in posted}
    cli = vjp("check", "sin(x)*y; x*y**2", "--at", "0.3,-1.2", "--format", "json").json()
    assert by["check"].to_dict()["column_sums"] == cli["column_sums"]
    cli = vjp("product", "sin(x)*y; x*y**2", "--at", "0.3,-1.2", "--v", "0.5,2", "--format", "json").json()
    assert by["product"].vjp == cli["vjp"]


def test_the_point_reads_back_to_the_same_floats() -> None:
    values = {"x": Value((2, 2), (0.1, -2.5e-300, 1e22, 1 / 3)), "y": Value((), (-0.0,))}
    setup = Setup("x*y", values)
    spec = parse_point(setup.at_text(["x", "y"]))
    assert spec.named["x"] == values["x"] and spec.named["y"].data == (0.0,)
    assert value_text(Value((3,), (1.0, 2.5, -3.0))) == "[1, 2.5, -3]"


def test_nudge_steps_and_one_hot() -> None:
    assert nudged(2.2, 0.1, 1) == 2.3 and nudged(2.0, 0.1, -1) == 1.9
    assert next_step(0.1, 1) == 1.0 and next_step(0.1, -1) == pytest.approx(0.01)
    assert next_step(1e-6, -1) == 1e-6 and next_step(1e4, 1) == 1e4
    assert one_hot((0.0, 1.0, 0.0)) == 1 and one_hot((1.0, 1.0)) is None and one_hot((2.0, 0.0)) is None
    assert one_hot(None) is None


# ---- the command line ------------------------------------------------------------------------------


def test_explore_needs_a_terminal(vjp: Any) -> None:
    out = vjp("explore", SEED)
    assert out.code == 2 and "needs a terminal" in out.stderr


def test_explore_help_and_no_textual_for_other_commands() -> None:
    code = (
        "import sys\n"
        "from autograd_cli import cli\n"
        "from typer.testing import CliRunner\n"
        "r = CliRunner().invoke(cli.app, ['jacobian', 'x0**2', '--at', '2', '--format', 'json'])\n"
        "assert r.exit_code == 0, r.output\n"
        "r = CliRunner().invoke(cli.app, ['explore', '--help'])\n"
        "assert r.exit_code == 0 and 'full-screen' in r.output, r.output\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
