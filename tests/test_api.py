"""The Python API: the same numbers and JSON as the commands, tensors checked against torch
written by hand, every form of at=, bad input as VjpError with the CLI's sentences, a light
import, and Jacobians at many points (also through a local Dask cluster)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import autograd_cli as ag
from autograd_cli.errors import InputError, ParseError, ShapeError, VjpError

SEED = "x0**2+3*x1; x1**2+2*x0"


def seed_torch(x: torch.Tensor) -> torch.Tensor:
    return torch.stack([x[0] ** 2 + 3 * x[1], x[1] ** 2 + 2 * x[0]])


def cli_json(vjp, *args: str) -> dict:
    r = vjp(*args, "--format", "json")
    assert r.code in (0, 1), r
    return json.loads(r.stdout)


# ---- import -------------------------------------------------------------------------------------


_IMPORT_PROBE = """
import sys
import autograd_cli as ag
names = [ag.jacobian, ag.product, ag.vjp, ag.check, ag.jvp, ag.hessian, ag.graph, ag.explain, ag.jacobian_batch]
heavy = [m for m in ("torch", "sympy", "rich", "typer", "numpy") if m in sys.modules]
print(",".join(heavy) or "-")
ag.jacobian("x0*x1", at=(1, 2))
print("torch" in sys.modules)
"""


def test_import_is_light_until_a_computation_runs():
    p = subprocess.run([sys.executable, "-c", _IMPORT_PROBE], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["-", "True"]


def test_the_api_names_are_in_the_package_root():
    for name in ("jacobian", "product", "vjp", "check", "jvp", "hessian", "graph", "explain", "jacobian_batch"):
        assert callable(getattr(ag, name)), name
        assert name in dir(ag) and name in ag.__all__
    assert ag.vjp is ag.product
    assert issubclass(ag.ParseError, ag.VjpError)
    with pytest.raises(AttributeError):
        ag.no_such_name  # noqa: B018


def test_explain_stays_the_api_function_after_the_engine_module_loads(vjp):
    import autograd_cli.explain as engine_module  # noqa: F401 - the submodule of the same name

    assert callable(ag.explain) and ag.explain.__module__ == "autograd_cli.api"
    assert vjp("explain", SEED, "--at", "2,3").code == 0
    assert ag.explain.__module__ == "autograd_cli.api"
    assert sys.modules["autograd_cli.explain"].__name__ == "autograd_cli.explain"


# ---- the same answers as the commands --------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "args"),
    [
        (lambda: ag.jacobian(SEED, at="2,3"), ("jacobian", SEED, "--at", "2,3")),
        (lambda: ag.jacobian(SEED), ("jacobian", SEED)),
        (
            lambda: ag.jacobian("x*y", at={"x": [0, 2, 8], "y": [5, 1, 7]}),
            ("jacobian", "x*y", "--at", "x=[0,2,8]", "--at", "y=[5,1,7]"),
        ),
        (lambda: ag.product(SEED, at=(2, 3), v=(1, 0)), ("product", SEED, "--at", "2,3", "--v", "1,0")),
        (
            lambda: ag.vjp("mean((x+2)*(x+2)*3)", at={"x": np.ones((2, 2))}),
            ("product", "mean((x+2)*(x+2)*3)", "--at", "x=ones(2,2)"),
        ),
        (lambda: ag.check(SEED, at=[2, 3]), ("check", SEED, "--at", "2,3")),
        (lambda: ag.check("1/x0", at=0), ("check", "1/x0", "--at", "0")),
        (
            lambda: ag.jvp("r*cos(theta); r*sin(theta)", at=dict(r=2, theta=0.5), u=(1, 0), v=(1, 1)),
            ("jvp", "r*cos(theta); r*sin(theta)", "--at", "r=2,theta=0.5", "--u", "1,0", "--v", "1,1"),
        ),
        (lambda: ag.hessian("x0**2*x1 + sin(x1)", at=(2, 3)), ("hessian", "x0**2*x1 + sin(x1)", "--at", "2,3")),
        (lambda: ag.graph(SEED, at=(2, 3)), ("graph", SEED, "--at", "2,3")),
        (lambda: ag.explain(SEED, at=(2, 3), v=(1, 2)), ("explain", SEED, "--at", "2,3", "--v", "1,2")),
        (
            lambda: ag.explain(SEED, at=(2, 3), pitfall="accumulate"),
            ("explain", SEED, "--at", "2,3", "--pitfall", "accumulate"),
        ),
        (lambda: ag.jacobian("x0/3", at=1, dtype="float32"), ("jacobian", "x0/3", "--at", "1", "--dtype", "float32")),
    ],
    ids=lambda x: " ".join(x[:2]) if isinstance(x, tuple) else "",
)
def test_to_dict_is_the_commands_json(vjp, call, args):
    assert call().to_dict() == cli_json(vjp, *args)


def test_explain_code_is_the_commands_script(vjp):
    r = vjp("explain", SEED, "--at", "2,3", "--code")
    assert ag.explain(SEED, at=(2, 3)).code == r.stdout


# ---- tensors, against torch written by hand ---------------------------------------------------------


def test_jacobian_tensor_is_torchs():
    x = torch.tensor([2.0, 3.0], dtype=torch.float64)
    r = ag.jacobian(SEED, at=(2, 3))
    assert torch.equal(r.jacobian, torch.autograd.functional.jacobian(seed_torch, x))
    assert torch.equal(r.value, seed_torch(x))
    assert r.jacobian.dtype == torch.float64 and r.method == "rows" and r.determinant == 18.0
    assert r.point == {"x0": torch.tensor(2.0, dtype=torch.float64), "x1": torch.tensor(3.0, dtype=torch.float64)}


@pytest.mark.parametrize("method", ["rows", "batched", "forward", "auto"])
def test_tensor_inputs_and_methods(method):
    a = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64)
    x = torch.tensor([0.5, -1.0], dtype=torch.float64)
    r = ag.jacobian("tanh(A @ x)", at={"A": a, "x": x}, method=method)
    ja, jx = torch.autograd.functional.jacobian(lambda a, x: torch.tanh(a @ x), (a, x))
    assert torch.allclose(r.jacobian, torch.cat([ja.reshape(2, 4), jx], dim=1), atol=1e-15)
    assert r.columns == ["A[0,0]", "A[0,1]", "A[1,0]", "A[1,1]", "x[0]", "x[1]"]


def test_product_grads_in_their_shapes():
    x = torch.tensor([0.0, 2.0, 8.0], dtype=torch.float64)
    y = torch.tensor([5.0, 1.0, 7.0], dtype=torch.float64)
    r = ag.product("x*y", at={"x": x, "y": y}, v=torch.ones(3))
    assert torch.equal(r.grads["x"], y) and torch.equal(r.grads["y"], x)
    assert torch.equal(r.vjp, torch.cat([y, x])) and torch.equal(r.v, torch.ones(3, dtype=torch.float64))
    mean = ag.product("mean((x+2)*(x+2)*3)", at={"x": torch.ones(2, 2)})
    assert mean.v is None and torch.equal(mean.grads["x"], torch.full((2, 2), 4.5, dtype=torch.float64))


def test_check_jvp_hessian_graph_tensors():
    c = ag.check(SEED, at=(2, 3))
    assert c.match and bool(c) and c.max_abs_diff == 0.0
    for vec in (c.sum_backward, c.ones_backward, c.column_sums, c.symbolic):
        assert vec.tolist() == [6.0, 9.0]
    assert c.grads == {"x0": torch.tensor(6.0, dtype=torch.float64), "x1": torch.tensor(9.0, dtype=torch.float64)}
    assert c.jacobian.tolist() == [[4.0, 3.0], [2.0, 6.0]]
    j = ag.jvp(SEED, at=(2, 3), u=(1, 0))
    assert j.jvp.tolist() == [4.0, 2.0] and j.match is None
    h = ag.hessian("x0**2*x1", at=(2, 3))
    hand = torch.autograd.functional.hessian(lambda x: x[0] ** 2 * x[1], torch.tensor([2.0, 3.0], dtype=torch.float64))
    assert torch.equal(h.hessian[0], hand) and h.symmetric and h.match
    g = ag.graph(SEED, at=(2, 3))
    assert g.graph["name"] == "StackBackward0" and g.nodes == 9


def test_float32_tensors_are_float32():
    r = ag.jacobian("x0/3", at=1, dtype="float32")
    assert r.jacobian.dtype == torch.float32
    assert r.jacobian.item() == torch.tensor(1 / 3, dtype=torch.float32).item()


def test_symbolic_jacobian_without_at():
    r = ag.jacobian(SEED)
    assert isinstance(r, ag.SymbolicJacobian)
    assert [[e.replace(" ", "") for e in row] for row in r.jacobian] == [["2*x0", "3"], ["2", "2*x1"]]
    assert r.value is None and r.point is None


# ---- every form of at= ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "at",
    [
        "2,3",
        "x1=3,x0=2",
        (2, 3),
        [2, 3],
        (2.0, np.float64(3.0)),
        {"x0": 2, "x1": 3},
        {"x1": torch.tensor(3.0), "x0": np.array(2.0)},
        torch.tensor([2.0, 3.0]),
        np.array([2, 3]),
        torch.tensor([2.0, 3.0], requires_grad=True),
    ],
    ids=repr,
)
def test_at_forms(at):
    assert ag.jacobian(SEED, at=at).jacobian.tolist() == [[4.0, 3.0], [2.0, 6.0]]


def test_a_tuple_gives_one_value_per_input():
    r = ag.product("x*y", at=([0, 2, 8], np.array([5, 1, 7])), v=[1, 1, 1])
    assert r.grads["x"].tolist() == [5.0, 1.0, 7.0]


# ---- bad input: VjpError with the command line's sentences, never SystemExit -------------------------------


def _cli_message(vjp, *args: str) -> str:
    r = vjp(*args)
    assert r.code == 2, r
    line = next(line for line in r.stderr.splitlines() if line.startswith("vjp: error: "))
    return line[len("vjp: error: ") :]


@pytest.mark.parametrize(
    ("call", "args", "kind"),
    [
        (lambda: ag.jacobian("x0**2 + 3x1", at=(2, 3)), ("jacobian", "x0**2 + 3x1", "--at", "2,3"), ParseError),
        (lambda: ag.jacobian("foo(x0)", at=1), ("jacobian", "foo(x0)", "--at", "1"), ParseError),
        (lambda: ag.jacobian(SEED, at=[2]), ("jacobian", SEED, "--at", "2"), InputError),
        (lambda: ag.jacobian(SEED, at=(2, 3, 4)), ("jacobian", SEED, "--at", "2,3,4"), InputError),
        (lambda: ag.jacobian(SEED, at={"x9": 1}), ("jacobian", SEED, "--at", "x9=1"), InputError),
        (lambda: ag.product(SEED, at=(2, 3), v=[1]), ("product", SEED, "--at", "2,3", "--v", "1"), InputError),
        (
            lambda: ag.product("x*y", at={"x": [0, 2, 8], "y": [5, 1, 7]}),
            ("product", "x*y", "--at", "x=[0,2,8],y=[5,1,7]"),
            InputError,
        ),
        (
            lambda: ag.jacobian("x+y", at={"x": [1, 2, 3], "y": [1, 2]}),
            ("jacobian", "x+y", "--at", "x=[1,2,3],y=[1,2]"),
            ShapeError,
        ),
        (lambda: ag.jacobian(SEED, at="abc"), ("jacobian", SEED, "--at", "abc"), InputError),
    ],
    ids=lambda x: " ".join(x[:2]) if isinstance(x, tuple) else "",
)
def test_bad_input_raises_the_clis_sentence(vjp, call, args, kind):
    with pytest.raises(kind) as info:
        call()
    assert str(info.value) == _cli_message(vjp, *args)


@pytest.mark.parametrize(
    "call",
    [
        lambda: ag.product(SEED, at=None),
        lambda: ag.check(SEED, at=None),
        lambda: ag.jvp(SEED, at=(2, 3), u=None),
        lambda: ag.jacobian(SEED, at=(2, float("nan"))),
        lambda: ag.jacobian(SEED, at=(2, "3")),
        lambda: ag.jacobian(SEED, at=[[1, 2], [3]]),
        lambda: ag.jacobian(SEED, at=object()),
        lambda: ag.jacobian(SEED, at=(2, 3), method="magic"),
        lambda: ag.jacobian(SEED, at=(2, 3), dtype="float16"),
        lambda: ag.jacobian(42, at=1),  # type: ignore[arg-type]
        lambda: ag.jacobian(SEED, at=(2, 3), wrt="q"),
        lambda: ag.jacobian(SEED, at=(2, 3), wrt=["x0", 1]),  # type: ignore[list-item]
        lambda: ag.grad(SEED, at=(2, 3)),
        lambda: ag.explain(SEED, at=(2, 3), pitfall="nope"),
    ],
)
def test_other_bad_input_is_a_vjp_error(call):
    with pytest.raises(VjpError) as info:
        call()
    message = str(info.value)
    assert message and "Traceback" not in message and len(message) < 600


def test_wrt_naming_every_input_is_accepted():
    assert ag.jacobian(SEED, at=(2, 3), wrt=["x0", "x1"]).jacobian.tolist() == [[4.0, 3.0], [2.0, 6.0]]


def test_wrt_picks_and_orders_the_columns_as_jacrev_argnums():
    import torch
    from torch.func import jacrev

    w = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], dtype=torch.float64)
    x = torch.tensor([0.3, -0.2, 0.9], dtype=torch.float64)
    b = torch.tensor([0.1, -0.4], dtype=torch.float64)
    at = {"W": w, "x": x, "b": b}
    got = ag.jacobian("tanh(W@x+b)", at=at, wrt="b,x")
    want_b, want_x = jacrev(lambda w, x, b: torch.tanh(w @ x + b), argnums=(2, 1))(w, x, b)
    assert got.columns == ["b[0]", "b[1]", "x[0]", "x[1]", "x[2]"]
    torch.testing.assert_close(got.jacobian, torch.cat([want_b, want_x], dim=1))
    product = ag.product("tanh(W@x+b)", at=at, v=[1, -1], wrt=["x"])
    torch.testing.assert_close(product.vjp, torch.tensor([1.0, -1.0], dtype=torch.float64) @ want_x)


def test_grad_is_the_gradient_of_a_scalar_function():
    import torch

    x = torch.tensor([0.5, -1.25, 2.0], dtype=torch.float64, requires_grad=True)
    (x.exp() * x).sum().backward()
    got = ag.grad("(x.exp() * x).sum()", at={"x": x.detach()})
    torch.testing.assert_close(got.vjp, x.grad)


# ---- displays -----------------------------------------------------------------------------------------------


def test_rich_and_markdown_displays():
    import io

    from rich.console import Console

    r = ag.jacobian(SEED, at=(2, 3))
    buf = io.StringIO()
    Console(file=buf, width=80, color_system=None).print(r)
    assert "y₀ = x0**2 + 3*x1" in buf.getvalue() and "det J = 18" in buf.getvalue()
    assert "| `y₁ = x1**2 + 2*x0` | 13 | 2 | 6 |" in r._repr_markdown_()
    assert repr(r) == "<Jacobian of 'x0**2+3*x1; x1**2+2*x0' at x0=2.0, x1=3.0>"
    assert r.text() == "4\t3\n2\t6\n"
    for result in (ag.product(SEED, at=(2, 3), v=(1, 0)), ag.check(SEED, at=(2, 3)), ag.graph(SEED, at=(2, 3))):
        assert result._repr_markdown_().strip()
        Console(file=io.StringIO(), width=80).print(result)


# ---- many points ------------------------------------------------------------------------------------------------


def test_jacobian_batch_equals_one_point_at_a_time():
    rng = np.random.default_rng(0)
    points = rng.uniform(-2, 2, size=(50, 2))
    batch = ag.jacobian_batch(SEED, points)
    assert isinstance(batch, np.ndarray) and batch.shape == (50, 2, 2)
    for k in (0, 17, 49):
        assert np.array_equal(batch[k], ag.jacobian(SEED, at=tuple(points[k])).jacobian.numpy())
    as_tensor = ag.jacobian_batch(SEED, torch.tensor(points))
    assert isinstance(as_tensor, torch.Tensor) and np.array_equal(as_tensor.numpy(), batch)


def test_jacobian_batch_tensor_inputs_and_methods():
    points = torch.tensor([[1.0, 2.0, 0.5], [0.0, -1.0, 2.0]], dtype=torch.float64)
    for method in ("rows", "batched", "forward"):
        out = ag.jacobian_batch("x * w", points, shapes={"x": (2,)}, method=method)
        assert out.shape == (2, 2, 3)
        for k in range(2):
            # columns in input order: w, then x[0], x[1]
            one = ag.jacobian("x * w", at={"w": points[k, 0], "x": points[k, 1:]}).jacobian
            assert torch.allclose(out[k], one, atol=1e-15), method


def test_jacobian_batch_bad_points():
    with pytest.raises(InputError, match=r"shape \(3,\).*2 input elements"):
        ag.jacobian_batch(SEED, [1, 2, 3])
    with pytest.raises(InputError, match="row 1 is not finite"):
        ag.jacobian_batch(SEED, [[1, 2], [np.nan, 1]])
    with pytest.raises(InputError, match="does not use"):
        ag.jacobian_batch(SEED, [[1, 2]], shapes={"q": (2,)})
    assert ag.jacobian_batch(SEED, np.zeros((0, 2))).shape == (0, 2, 2)


def _dask_jacobians(points: np.ndarray) -> np.ndarray:
    import dask.array as da
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        assert len(client.scheduler_info()["workers"]) == 2
        x = da.from_array(points, chunks=(250, 2))
        jac = x.map_blocks(
            lambda block: ag.jacobian_batch(SEED, block),
            new_axis=1,
            chunks=(x.chunks[0], (2,), (2,)),
            dtype=np.float64,
        )
        return jac.compute()  # type: ignore[no-any-return]


def test_jacobian_batch_on_a_local_dask_cluster_with_two_workers(tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.chdir(tmp_path)  # dask writes worker scratch space into the working directory
    rng = np.random.default_rng(1)
    points = rng.uniform(-3, 3, size=(1000, 2))
    got = _dask_jacobians(points)
    assert got.shape == (1000, 2, 2)
    assert np.array_equal(got, ag.jacobian_batch(SEED, points))
    x0, x1 = points[:, 0], points[:, 1]
    assert np.array_equal(got[:, 0, 0], 2 * x0) and np.array_equal(got[:, 1, 1], 2 * x1)


def test_environment_and_remembered_state_are_not_used(tmp_path, monkeypatch):
    state = tmp_path / "state"
    state.mkdir()
    monkeypatch.setenv("VJP_STATE_DIR", str(state))
    monkeypatch.setenv("VJP_EXPR", "x0*x1")
    monkeypatch.setenv("VJP_AT", "5,5")
    assert ag.jacobian(SEED, at=(2, 3)).jacobian.tolist() == [[4.0, 3.0], [2.0, 6.0]]
    assert os.listdir(state) == []


def test_the_package_pickles_by_name():
    import pickle

    assert pickle.loads(pickle.dumps(ag)) is ag
