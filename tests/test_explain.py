"""`vjp explain`: the walk-through's numbers, its code, the --code script and the three pitfalls.

References are independent of the walk-through: engines.compute_jacobian (the package's own row
loop), torch.autograd.functional.jacobian of the built function, hand-computed values for the seed,
and torch's own error messages obtained here by running plain torch. The --code scripts run with
the Python interpreter in a subprocess, in a temporary directory, exactly as a user would run them.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch
from typer.testing import CliRunner

from autograd_cli import engines
from autograd_cli.build import Built
from autograd_cli.cli import app
from autograd_cli.explain import explain, pitfall
from autograd_cli.parsing import parse
from autograd_cli.points import parse_point
from autograd_cli.problem import Problem, make_problem

SEED = "x0**2+3*x1; x1**2+2*x0"


def make(text: str, at: str, dtype: str = "float64", names: list[str] | None = None) -> Problem:
    return make_problem(parse(text, names), parse_point(at), dtype)


def reference_jacobian(p: Problem) -> torch.Tensor:
    """torch.autograd.functional.jacobian of the built function, as an (m, n) float64 matrix."""
    built = Built(p)
    leaves = tuple(built.leaves(requires_grad=False))
    parts = torch.autograd.functional.jacobian(built.of_leaves, leaves)
    return torch.cat([part.reshape(p.m, -1) for part in parts], dim=1).to(torch.float64)


def engine_jacobian(p: Problem) -> torch.Tensor:
    _, jac, _ = engines.compute_jacobian(p, "rows")
    return jac.to(torch.float64)


def close_lists(a: list[float], b: list[float], rel: float = 1e-12, abs_: float = 1e-12) -> bool:
    return len(a) == len(b) and all(math.isclose(x, y, rel_tol=rel, abs_tol=abs_) for x, y in zip(a, b))


def numbers(text: str) -> list[float]:
    """The numbers of an outcome line (the steps print 6 significant digits): its first [...] list,
    or, for gradients shown in their own shapes (``b.grad = [1, 2]; W.grad = [[3, 4], [5, 6]]``),
    every leaf's values in order, flattened."""
    if ".grad = " in text:
        values = [piece.split(" = ", 1)[1] for piece in text.split("  (")[0].split("; ")]
        return [float(t) for v in values for t in re.findall(r"-?(?:\d+\.?\d*(?:e[-+]?\d+)?|nan|inf)", v)]
    found = re.search(r"\[([^\]]*)\]", text)
    assert found is not None, text
    return [float(t) for t in found.group(1).split(",") if t.strip()]


def close6(a: list[float], b: list[float]) -> bool:
    """Equal to the 6 significant digits the steps print."""
    return close_lists(a, b, rel=2e-5, abs_=1e-9)


# ---- the walk-through's numbers ------------------------------------------------------------

# (expression, point, v): scalar variables, tensor variables, scalar and matrix outputs
CASES = [
    (SEED, "2,3", "1,2"),
    ("sin(x0)*x1; exp(x1)/x0; x0*x1*x2", "0.3,0.7,-1.2", "1,-2,0.5"),
    ("x*w + sin(x)", "x=[1,2,3], w=[0.5,-1,2]", "1,2,3"),
    ("A @ x", "A=[[1,2],[3,4]], x=[5,6]", "1,-1"),
    ("sum(x*x)*w", "x=[1,2], w=3", "2"),
    ("softmax(x)", "x=[1,2,3]", "1,0,0"),
    ("x0*x1", "2,3", None),
    ("A*A*2", "A=[[1,2],[3,4]]", "1,2,3,4"),
]


def _row_steps(steps) -> dict[int, object]:
    out = {}
    for s in steps:
        m = re.match(r"\d+\. Row (\d+) of J$", s.title)
        if m:
            out[int(m.group(1))] = s
    return out


@pytest.mark.parametrize(("text", "at", "v"), CASES)
def test_rows_equal_the_jacobian_two_independent_ways(text: str, at: str, v: str | None) -> None:
    p = make(text, at)
    vec = tuple(float(t) for t in v.split(",")) if v else None
    result = explain(p, vec)
    jac = engine_jacobian(p)
    ref = reference_jacobian(p)
    assert torch.allclose(jac, ref, rtol=1e-12, atol=1e-12)
    assert len(result.jacobian) == p.m
    for i, row in enumerate(result.jacobian):
        assert close_lists(row, jac[i].tolist()), (i, row, jac[i])
        assert close_lists(row, ref[i].tolist()), (i, row, ref[i])
    # each row step shows row i of J (6 significant digits)
    rows = _row_steps(result.steps)
    assert sorted(rows) == list(range(p.m))
    for i, step in rows.items():
        assert len(step.outcome) == 1 and step.outcome[0].startswith(f"row {i} of J = ")
        assert close6(numbers(step.outcome[0]), jac[i].tolist()), (step.outcome, jac[i])
    jac_step = next(s for s in result.steps if s.title.endswith("The Jacobian"))
    assert len(jac_step.outcome) == p.m
    for i, line in enumerate(jac_step.outcome):
        assert close6(numbers(line), jac[i].tolist())


@pytest.mark.parametrize(("text", "at", "v"), [c for c in CASES if c[2] is not None])
def test_the_v_step_is_v_times_jac(text: str, at: str, v: str) -> None:
    p = make(text, at)
    vec = tuple(float(t) for t in v.split(","))
    result = explain(p, vec)
    jac = reference_jacobian(p)
    expected = (torch.tensor(vec, dtype=torch.float64) @ jac).tolist()
    assert result.v == list(vec)
    assert result.vjp is not None and close_lists(result.vjp, expected), (result.vjp, expected)
    v_step = next(s for s in result.steps if "vᵀJ for v" in s.title)
    assert close6(numbers(v_step.outcome[0]), expected)
    assert any("backward(" in line for line in v_step.code)


@pytest.mark.parametrize(("text", "at", "v"), CASES)
def test_sum_and_ones_steps_are_the_column_sums(text: str, at: str, v: str | None) -> None:
    p = make(text, at)
    result = explain(p, None)
    colsums = reference_jacobian(p).sum(dim=0).tolist()
    step = result.steps[-1]
    assert "y.sum().backward()" in step.title and "ones_like" in step.title
    assert len(step.outcome) == 3
    assert step.outcome[0].endswith("(sum)") and step.outcome[1].endswith("(ones)")
    assert step.outcome[2].endswith("(column sums)")
    for line in step.outcome:
        assert close6(numbers(line), colsums), (line, colsums)
    assert result.v is None and result.vjp is None
    assert not any("vᵀJ for v" in s.title for s in result.steps)


def test_seed_walk_through_by_hand() -> None:
    result = explain(make(SEED, "2,3"), (1.0, 2.0))
    assert result.jacobian == [[4.0, 3.0], [2.0, 6.0]]
    assert result.vjp == [8.0, 15.0]
    titles = [s.title for s in result.steps]
    assert titles[0] == "1. The leaf tensors" and titles[1] == "2. The forward pass"
    assert "3. Row 0 of J" in titles and "4. Row 1 of J" in titles
    assert result.steps[1].outcome == ["y = [13, 13]", "y.grad_fn = <StackBackward0>"]


@pytest.mark.parametrize(
    ("text", "at", "zero_fragment"),
    [
        (SEED, "2,3", "x.grad.zero_()"),
        ("x*w + sin(x)", "x=[1,2,3], w=[0.5,-1,2]", "w.grad.zero_(); x.grad.zero_()"),
        ("A @ x", "A=[[1,2],[3,4]], x=[5,6]", "A.grad.zero_(); x.grad.zero_()"),
    ],
)
def test_row_steps_mention_retain_graph_and_zeroing(text: str, at: str, zero_fragment: str) -> None:
    p = make(text, at)
    result = explain(p)
    rows = _row_steps(result.steps)
    assert rows
    for i, step in rows.items():
        code = "\n".join(step.code)
        assert f"y.backward(e_{i}, retain_graph=True)" in code
        assert zero_fragment in code
        assert "retain_graph=True" in step.text and "zeroing" in step.text
    if not p.single_leaf:
        leaf_code = "\n".join(result.steps[0].code)
        for name in p.names:
            assert f"{name} = torch.tensor(" in leaf_code and "requires_grad=True" in leaf_code


def test_many_rows_are_summarised_but_all_computed() -> None:
    text = "; ".join(f"x0**{k}*x1" for k in range(1, 11))
    p = make(text, "1.1,0.9")
    result = explain(p)
    jac = reference_jacobian(p)
    assert len(result.jacobian) == 10
    for i in range(10):
        assert close_lists(result.jacobian[i], jac[i].tolist())
    titles = [s.title for s in result.steps]
    assert any(re.match(r"\d+\. Rows 8 to 8$", t) for t in titles), titles
    assert any(t.endswith("Row 9 of J") for t in titles)


def test_explain_json_has_the_documented_keys(vjp) -> None:
    data = vjp("explain", SEED, "--at", "2,3", "--v", "1,2", "--format", "json").json()
    assert data["command"] == "explain"
    assert data["jacobian"] == [[4.0, 3.0], [2.0, 6.0]]
    assert data["v"] == [1.0, 2.0] and data["vjp"] == [8.0, 15.0]
    assert all(set(s) == {"title", "code", "outcome", "text"} for s in data["steps"])
    no_v = vjp("explain", SEED, "--at", "2,3", "--format", "json").json()
    assert "v" not in no_v or no_v["v"] is None


def test_too_many_rows_is_a_usage_error(vjp) -> None:
    r = vjp("explain", "x*2", "--at", "x=ones(1001)", "--format", "json")
    assert r.code == 2, r
    assert "1,001" in r.stderr and "Traceback" not in r.stderr


# ---- the steps' code, replayed as a user would paste it ----------------------------------


def _flat(value: object) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value.detach().reshape(-1).to(torch.float64)
    assert isinstance(value, (list, tuple)), value
    assert all(t is not None for t in value), f"a row holds None: {value}"
    return torch.cat([t.detach().reshape(-1).to(torch.float64) for t in value])  # type: ignore[union-attr]


def _grads(leaves: list[torch.Tensor]) -> torch.Tensor:
    return torch.cat([(t.grad if t.grad is not None else torch.zeros_like(t)).reshape(-1) for t in leaves])


def _run(line: str, ns: dict) -> None:
    try:
        exec(line, ns)  # test-built code from explain's own steps: fine here
    except Exception as err:
        pytest.fail(f"the step's code line {line!r} fails when run: {type(err).__name__}: {err}")


TORCH_NAMES = {"torch": torch, "sin": torch.sin, "exp": torch.exp}


@pytest.mark.parametrize(
    ("text", "at"),
    [
        (SEED, "2,3"),
        ("x0*x1*x2 - x2**3; x0/x1", "0.5,2,-1"),
        ("x*w + x**2", "x=[1,2], w=[3,4]"),  # tensor variables
        ("x*y", "x=[0,2,8], y=[5,1,7]"),  # the seed's z = x*y: a variable called y
    ],
)
def test_the_row_steps_code_reproduces_the_rows_it_shows(text: str, at: str) -> None:
    """Run each step's code in order; after row step i, the row_i it built is row i of J."""
    p = make(text, at)
    result = explain(p)
    jac = reference_jacobian(p)
    ns = dict(TORCH_NAMES)
    for line in result.steps[0].code:
        _run(line, ns)
    leaves = [ns["x"]] if p.single_leaf else [ns[n] for n in p.names]
    rows = _row_steps(result.steps)
    for step in result.steps[1:]:
        for line in step.code:
            _run(line, ns)
        m = re.match(r"\d+\. Row (\d+) of J$", step.title)
        if m:
            i = int(m.group(1))
            got = _flat(ns[f"row_{i}"])
            assert torch.allclose(got, jac[i]), (
                f"after step {step.title!r}: row_{i} = {got.tolist()}, J[{i}] = {jac[i]}"
            )
            assert torch.count_nonzero(_grads(leaves)) == 0, "the step says x.grad is back to zeros"
    assert rows


@pytest.mark.parametrize("v", [None, "1,2"])
def test_the_v_and_sum_steps_code_reproduces_their_outcomes(v: str | None) -> None:
    """The last steps' code, run after the row steps, gives the x.grad their outcomes show."""
    p = make(SEED, "2,3")
    vec = (1.0, 2.0) if v else None
    result = explain(p, vec)
    colsums = [6.0, 9.0]
    ns = dict(TORCH_NAMES)
    for step in result.steps:
        if "vᵀJ for v" in step.title:
            for line in step.code:
                _run(line, ns)
            assert ns["x"].grad.tolist() == [8.0, 15.0]
        elif "y.sum().backward()" in step.title:
            after = []
            for line in step.code:
                _run(line, ns)
                after.append(ns["x"].grad.tolist())
            assert after == [colsums, colsums], f"x.grad after each line: {after}; the outcome says {step.outcome}"
        else:
            for line in step.code:
                _run(line, ns)


# ---- --code: a runnable plain-torch script -------------------------------------------------

# (id, expression, --at, extra options)
SCRIPT_CASES = [
    ("seed", SEED, "2,3", []),
    ("constant-component", "2; x0", "1.5", []),
    ("constants-only", "2; 3", "1", ["--vars", "x0"]),
    ("keyword-name", "lambda*2 + sin(lambda); lambda**3", "0.7", []),
    ("keyword-names", "class*def + if", "1,2,3", []),
    ("reserved-names", "torch*math + json; torch_ - json", "1,2,3,4", []),
    ("ml-functions", "sigmoid(x0)*softplus(x1); relu(x0-x1); relu(x1)", "0.3,-0.4", []),
    ("softmax", "softmax(x)", "x=[1,2,3]", []),
    ("reductions", "logsumexp(x); norm(x); prod(x)", "x=[1,2,3]", []),
    ("max-min-args", "max(x0, x1, x2); min(x0, x1)", "1,3,2", []),
    ("max-min-reduce", "max(x); min(A)", "x=[1,5,2], A=[[3,-1],[2,4]]", []),
    ("atan2-log-base", "atan2(x0, x1); log(x0, 2); log(x1, x0)", "0.5,2", []),
    ("indexing-slices", "x[0]*x[2] + sum(x[1:]); x[::2]", "x=[1,2,3,4]", []),
    ("matmul", "A @ x", "A=[[1,2],[3,4]], x=[5,6]", []),
    ("quadratic-form", "x@A@x", "x=[5,6], A=[[1,2],[3,4]]", []),
    ("dim-reductions", "sum(A, 0); mean(A, dim=1)", "A=[[1,2,3],[4,5,6]]", []),
    ("unary-zoo", "sqrt(x0)*acos(x1/4) + log10(x0) + log2(x1) + 1/cosh(x0)", "2,1", []),
    ("constants", "pi*x0 + E**x1 + math.e; x0*(2**5000)**(1/7)/2**700", "1,2", []),
    ("precedence", "x0^-2 + 2^-x0 - x0^2^0.5; (-x1)^3 + -x1^2; -x0*-x1 + (-2)**2*x0", "1.3,0.7", []),
    ("seed-xy", "x*y", "x=[0,2,8], y=[5,1,7]", []),
    ("dot-erf", "dot(x, y) + tanh(x[1])*erf(y[0])", "x=[1,2], y=[0.5,-1]", []),
    ("float32", "x0**2*sin(x1); exp(x1)/x0", "0.3,0.7", ["--dtype", "float32"]),
    ("log-constant-argument", "log(2, x0) + log(E, x0)", "1.5", []),
    ("builtin-names", "print*range + x0", "1,2,3", []),
]


@pytest.fixture(scope="module")
def script_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str, str, str]]:
    """Every case's --code script, run with python in a subprocess (two at a time: 2 CPUs).

    Maps case id -> (returncode, stdout, stderr, script text).
    """
    base = tmp_path_factory.mktemp("scripts")
    home = base / "home"
    home.mkdir()
    env = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "VJP_STATE_DIR": str(home / "state"),
        **{k: None for k in ("VJP_EXPR", "VJP_AT", "VJP_V", "VJP_FORMAT", "VJP_VARS", "VJP_DEBUG")},
    }
    runner = CliRunner()
    scripts: dict[str, str] = {}
    for cid, text, at, extra in SCRIPT_CASES:
        r = runner.invoke(app, ["explain", text, "--at", at, "--code", *extra], env=env, catch_exceptions=False)
        scripts[cid] = r.stdout if r.exit_code == 0 else ""
        if r.exit_code != 0:
            scripts[cid] = f"raise SystemExit('vjp explain --code exited {r.exit_code}: {r.stderr!r}')\n"

    def run(cid: str) -> tuple[str, tuple[int, str, str, str]]:
        cwd = base / cid
        cwd.mkdir()
        path = cwd / "jac.py"
        path.write_text(scripts[cid], encoding="utf-8")
        p = subprocess.run(
            [sys.executable, str(path.name)], cwd=cwd, capture_output=True, text=True, timeout=300, env=_clean_env()
        )
        return cid, (p.returncode, p.stdout, p.stderr, scripts[cid])

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(run, scripts))


def _clean_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("VJP_")}


def _to_float(v: object) -> float:
    return float(v)  # type: ignore[arg-type]  # "NaN"/"Infinity" strings read back too


@pytest.mark.parametrize(("cid", "text", "at", "extra"), SCRIPT_CASES, ids=[c[0] for c in SCRIPT_CASES])
def test_code_script_runs_and_prints_the_jacobian(vjp, script_runs, cid: str, text: str, at: str, extra: list) -> None:
    code, stdout, stderr, script = script_runs[cid]
    assert code == 0, f"python jac.py exited {code}:\n{stderr[-2000:]}\n--- script ---\n{script}"
    last = stdout.strip().splitlines()[-1]
    got = json.loads(last)
    expected = vjp("jacobian", text, "--at", at, "--format", "json", *extra).json()["jacobian"]
    assert len(got) == len(expected), (got, expected)
    for row_got, row_exp in zip(got, expected):
        assert close_lists([_to_float(v) for v in row_got], [_to_float(v) for v in row_exp]), (got, expected)


def test_code_prints_only_the_script(vjp) -> None:
    r = vjp("explain", SEED, "--at", "2,3", "--code")
    assert r.code == 0, r
    compile(r.stdout, "jac.py", "exec")  # valid Python, nothing else on stdout
    assert "retain_graph=True" in r.stdout and "zero_()" in r.stdout
    assert r.stdout.rstrip().endswith("print(json.dumps(_rows))")


def test_code_with_a_name_the_language_refuses_is_a_usage_error(vjp) -> None:
    """Names starting with '_' (the script's own namespace) are refused before any code is written."""
    r = vjp("explain", "__import__", "--at", "1", "--code")
    assert r.code == 2 and "Traceback" not in r.stderr


# ---- the pitfalls --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "at"),
    [
        (SEED, "2,3"),
        ("sin(x0)*x1; exp(x1)/x0; x0*x1*x2", "0.3,0.7,-1.2"),
        ("x*w + x**2", "x=[1,2,3], w=[0.5,-1,2]"),
    ],
)
def test_accumulate_wrong_rows_are_cumulative_sums_of_the_right_ones(vjp, text: str, at: str) -> None:
    data = vjp("explain", text, "--at", at, "--pitfall", "accumulate", "--format", "json").json()
    p = make(text, at)
    jac = reference_jacobian(p)
    assert data["pitfall"] == "accumulate" and data["torch_error"] is None
    right, wrong = data["right"], data["wrong"]
    assert len(right) == len(wrong) == p.m
    for i in range(p.m):
        assert close_lists(right[i], jac[i].tolist())
        assert close_lists(wrong[i], jac[: i + 1].sum(dim=0).tolist()), (i, wrong[i])
    assert wrong != right  # with two or more non-zero rows, the mistake shows


def test_scalar_pitfall_shows_torchs_real_message(vjp) -> None:
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError) as raised:
        torch.stack([x[0] ** 2, x[1] * 2]).backward()
    torch_says = str(raised.value).strip().splitlines()[0]
    data = vjp("explain", SEED, "--at", "2,3", "--pitfall", "scalar", "--format", "json").json()
    assert data["pitfall"] == "scalar"
    assert "grad can be implicitly created only for scalar outputs" in data["torch_error"]
    assert data["torch_error"] == torch_says
    fix = data["steps"][1]
    assert close6(numbers(fix["outcome"][0]), [6.0, 9.0])  # ones_like(y): the column sums


def test_scalar_pitfall_is_no_error_for_a_scalar_function(vjp) -> None:
    data = vjp("explain", "x0*x1", "--at", "2,3", "--pitfall", "scalar", "--format", "json").json()
    assert data["torch_error"] is None
    assert close6(numbers(data["steps"][0]["outcome"][0]), [3.0, 2.0])


def test_retain_pitfall_shows_torchs_real_message(vjp) -> None:
    x = torch.tensor([2.0], requires_grad=True)
    y = x[0] ** 2
    y.backward()
    with pytest.raises(RuntimeError) as raised:
        y.backward()
    torch_says = str(raised.value).strip().splitlines()[0]
    data = vjp("explain", "x0**2", "--at", "2", "--pitfall", "retain", "--format", "json").json()
    assert data["pitfall"] == "retain"
    assert "backward through the graph a second time" in data["torch_error"]
    assert data["torch_error"] == torch_says


def test_retain_pitfall_is_no_error_without_saved_tensors(vjp) -> None:
    data = vjp("explain", "x0+x1", "--at", "2,3", "--pitfall", "retain", "--format", "json").json()
    assert data["torch_error"] is None
    assert "did not complain" in data["steps"][0]["text"]


def test_retain_pitfall_with_two_outputs(vjp) -> None:
    data = vjp("explain", SEED, "--at", "2,3", "--pitfall", "retain", "--format", "json").json()
    assert "backward through the graph a second time" in data["torch_error"]
    assert close6(numbers(data["steps"][0]["outcome"][0]), [4.0, 3.0])  # the first call worked


# ---- rendering -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["table", "plain"])
def test_walk_through_renders(vjp, fmt: str) -> None:
    r = vjp("explain", SEED, "--at", "2,3", "--v", "1,2", "--format", fmt)
    assert r.code == 0, r
    for title in ["1. The leaf tensors", "2. The forward pass", "Row 0 of J", "Row 1 of J", "The Jacobian"]:
        assert title in r.stdout, title
    assert "retain_graph=True" in r.stdout
    assert "y.sum().backward()" in r.stdout


@pytest.mark.parametrize("fmt", ["table", "plain"])
def test_walk_through_renders_tensor_variables(vjp, fmt: str) -> None:
    r = vjp("explain", "x*w", "--at", "x=[1,2], w=[3,4]", "--format", fmt)
    assert r.code == 0, r
    assert "1. The leaf tensors" in r.stdout and "Row 1 of J" in r.stdout


@pytest.mark.parametrize("fmt", ["table", "plain"])
@pytest.mark.parametrize(
    ("name", "titles"),
    [
        ("accumulate", ["Without zeroing", "With zeroing (the fix)"]),
        ("scalar", ["Calling backward() on y", "The fix"]),
        ("retain", ["Two backward calls without retain_graph", "The fix"]),
    ],
)
def test_pitfalls_render(vjp, fmt: str, name: str, titles: list[str]) -> None:
    r = vjp("explain", SEED, "--at", "2,3", "--pitfall", name, "--format", fmt)
    assert r.code == 0, r
    for title in titles:
        assert title in r.stdout
    if name != "accumulate":
        assert "RuntimeError" in r.stdout


def test_pitfall_functions_directly() -> None:
    p = make(SEED, "2,3")
    acc = pitfall(p, "accumulate")
    assert acc.wrong == [[4.0, 3.0], [6.0, 9.0]] and acc.right == [[4.0, 3.0], [2.0, 6.0]]
    assert pitfall(p, "scalar").error is not None
    assert pitfall(make("x0+x1", "2,3"), "retain").error is None
