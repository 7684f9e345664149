"""Issue 10: --wrt, constants and detach, against torch called directly.

Jacobians with --wrt equal ``torch.func.jacrev(f, argnums=...)`` on generated expressions and
the matching columns of the full Jacobian; detach cases equal hand-written torch; every
pitfall's error text is the one torch itself raises.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Inputs: a (3,), b (), c (3,), M (3, 3). Each template is the text vjp reads and the torch it means.
NAMES = ("a", "b", "c", "M")
SHAPES: dict[str, tuple[int, ...]] = {"a": (3,), "b": (), "c": (3,), "M": (3, 3)}
Fn = Callable[[dict[str, torch.Tensor]], torch.Tensor]
TEMPLATES: list[tuple[str, Fn]] = [
    ("torch.sin(a) * b", lambda v: torch.sin(v["a"]) * v["b"]),
    ("a * c", lambda v: v["a"] * v["c"]),
    ("c.exp() * b", lambda v: v["c"].exp() * v["b"]),
    ("torch.tanh(M @ a + c)", lambda v: torch.tanh(v["M"] @ v["a"] + v["c"])),
    ("M.T @ c", lambda v: v["M"].T @ v["c"]),
    ("a**2 * b", lambda v: v["a"] ** 2 * v["b"]),
    ("F.softplus(c - a)", lambda v: torch.nn.functional.softplus(v["c"] - v["a"])),
    ("(a * c).sum() * c", lambda v: (v["a"] * v["c"]).sum() * v["c"]),
    ("M.sum(dim=0) * b", lambda v: v["M"].sum(dim=0) * v["b"]),
    ("torch.log1p(a**2) + b", lambda v: torch.log1p(v["a"] ** 2) + v["b"]),
]


def _point(values: dict[str, list[float]]) -> str:
    def text(name: str) -> str:
        flat = values[name]
        if name == "b":
            return repr(flat[0])
        if name == "M":
            return "[" + ",".join("[" + ",".join(map(repr, flat[r * 3 : r * 3 + 3])) + "]" for r in range(3)) + "]"
        return "[" + ",".join(map(repr, flat)) + "]"

    return ",".join(f"{n}={text(n)}" for n in NAMES)


def _tensors(values: dict[str, list[float]]) -> dict[str, torch.Tensor]:
    return {n: torch.tensor(values[n], dtype=torch.float64).reshape(SHAPES[n]) for n in NAMES}


value_lists = st.fixed_dictionaries(
    {
        n: st.lists(
            st.floats(-2, 2, allow_nan=False).map(lambda f: round(f, 3)),
            min_size=max(1, len(SHAPES[n]) and 3 ** len(SHAPES[n])),
            max_size=max(1, len(SHAPES[n]) and 3 ** len(SHAPES[n])),
        )
        for n in NAMES
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    picks=st.lists(st.integers(0, len(TEMPLATES) - 1), min_size=1, max_size=3),
    wrt=st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True),
    values=value_lists,
)
def test_wrt_jacobian_equals_jacrev_with_argnums(vjp, picks, wrt, values):
    text = " + ".join(TEMPLATES[i][0] for i in picks)
    fns = [TEMPLATES[i][1] for i in picks]
    at = _point(values)
    data = vjp(
        "jacobian", text, "--vars", ",".join(NAMES), "--at", at, "--wrt", ",".join(wrt), "--format", "json"
    ).json()
    got = torch.tensor(data["jacobian"], dtype=torch.float64)

    tensors = _tensors(values)

    def f(*diff: torch.Tensor) -> torch.Tensor:
        v = dict(tensors)
        v.update(zip(wrt, diff))
        return sum((fn(v) for fn in fns), torch.zeros(())).reshape(-1)

    parts = torch.func.jacrev(f, argnums=tuple(range(len(wrt))))(*(tensors[n] for n in wrt))
    want = torch.cat([p.reshape(p.shape[0], -1) for p in parts], dim=1)
    assert data["wrt"] == list(wrt)
    assert data["constants"] == [n for n in data["inputs"] if n not in wrt]
    assert got.shape == want.shape
    torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)

    # the same columns of the full Jacobian
    full = vjp("jacobian", text, "--vars", ",".join(NAMES), "--at", at, "--format", "json").json()
    columns = full["columns"]
    picked = [columns.index(c) for c in data["columns"]]
    torch.testing.assert_close(got, torch.tensor(full["jacobian"], dtype=torch.float64)[:, picked])


def test_wrt_order_sets_the_columns(vjp):
    at = "W=[[1,2],[3,4]],x=[0.1,0.2],b=[0.5,-0.5]"
    one = vjp("jacobian", "tanh(W@x+b)", "--at", at, "--wrt", "x,b", "--format", "json").json()
    two = vjp("jacobian", "tanh(W@x+b)", "--at", at, "--wrt", "b,x", "--format", "json").json()
    assert one["columns"] == ["x[0]", "x[1]", "b[0]", "b[1]"]
    assert two["columns"] == ["b[0]", "b[1]", "x[0]", "x[1]"]
    j1, j2 = torch.tensor(one["jacobian"]), torch.tensor(two["jacobian"])
    torch.testing.assert_close(j1, torch.cat([j2[:, 2:], j2[:, :2]], dim=1))


def test_product_and_jvp_follow_wrt(vjp):
    at = "W=[[1,2],[3,4]],x=[0.1,0.2],b=[0.5,-0.5]"
    w_mat = torch.tensor([[1.0, 2], [3, 4]], dtype=torch.float64)
    x = torch.tensor([0.1, 0.2], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([0.5, -0.5], dtype=torch.float64)
    y = torch.tanh(w_mat @ x + b)
    y.backward(torch.tensor([1.0, 2.0], dtype=torch.float64))
    prod = vjp("product", "tanh(W@x+b)", "--at", at, "--wrt", "x", "--v", "1,2", "--format", "json").json()
    assert set(prod["grads"]) == {"x"}
    torch.testing.assert_close(torch.tensor(prod["vjp"], dtype=torch.float64), x.grad)

    _, tangent = torch.func.jvp(
        lambda x_: torch.tanh(w_mat @ x_ + b), (x.detach(),), (torch.tensor([1.0, -1.0], dtype=torch.float64),)
    )
    jvp = vjp("jvp", "tanh(W@x+b)", "--at", at, "--wrt", "x", "--u", "1,-1", "--format", "json").json()
    torch.testing.assert_close(torch.tensor(jvp["jvp"], dtype=torch.float64), tangent)
    # --u has one entry per differentiated element
    bad = vjp("jvp", "tanh(W@x+b)", "--at", at, "--wrt", "x", "--u", "1,-1,0,0")
    assert bad.code == 2


def test_check_with_wrt_agrees_and_differentiates_only_the_chosen_inputs(vjp):
    data = vjp(
        "check", "F.mse_loss(W @ x, t)", "--at", "W=[[1,2],[3,4]],x=[1,-1],t=[0.5,2]", "--wrt", "W", "--format", "json"
    ).json()
    assert data["match"] is True
    assert data["columns"] == ["W[0,0]", "W[0,1]", "W[1,0]", "W[1,1]"]
    w_mat = torch.tensor([[1.0, 2], [3, 4]], dtype=torch.float64, requires_grad=True)
    loss = torch.nn.functional.mse_loss(
        w_mat @ torch.tensor([1.0, -1], dtype=torch.float64), torch.tensor([0.5, 2.0], dtype=torch.float64)
    )
    loss.backward()
    assert w_mat.grad is not None
    torch.testing.assert_close(torch.tensor(data["sum_backward"], dtype=torch.float64), w_mat.grad.reshape(-1))


def test_a_wrt_name_the_expression_does_not_use_is_a_usage_error(vjp):
    r = vjp("jacobian", "x0*x1", "--at", "2,3", "--wrt", "x2")
    assert r.code == 2 and "x2" in r.stderr


def test_an_output_on_no_differentiated_input_is_zeros_with_a_note(vjp):
    data = vjp("jacobian", "t*2; x*t", "--at", "t=1.5,x=2", "--wrt", "x", "--format", "json").json()
    assert data["jacobian"] == [[0.0], [1.5]]
    notes = " ".join(data["notes"])
    assert "does not require grad" in notes  # what torch would have said


def test_graph_has_no_accumulate_grad_for_a_constant(vjp):
    data = vjp(
        "graph", "tanh(W@x+b)", "--at", "W=[[1,2],[3,4]],x=[0.1,0.2],b=[0.5,-0.5]", "--wrt", "x", "--format", "json"
    ).json()

    def names(node: dict) -> list[str]:
        return [node["name"], *(n for child in node.get("children", []) for n in names(child))]

    assert names(data["graph"]).count("AccumulateGrad") == 1  # x only
    assert any("no AccumulateGrad" in n for n in data["notes"])


def test_explain_code_creates_constants_without_requires_grad_and_replays(vjp, tmp_path):
    import subprocess
    import sys

    r = vjp("explain", "tanh(W@x+b)", "--at", "W=[[1,2],[3,4]],x=[0.1,0.2],b=[0.5,-0.5]", "--wrt", "x", "--code")
    assert r.code == 0
    code = r.stdout
    assert "requires_grad=True" in code
    for line in code.splitlines():
        if line.startswith(("W =", "b =")):
            assert "requires_grad" not in line
    script = tmp_path / "replay.py"
    script.write_text(code)
    p = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr


# ---- detach ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "y = x * x; u = y.detach(); z = u * x; z",
        "y = x * x; u = detach(y); u * x",
        "u = jax.lax.stop_gradient(x * x); u * x",
    ],
)
def test_d2l_detach_gives_x_grad_equal_to_u(vjp, text):
    data = vjp("product", text, "--at", "x=[1,2,3]", "--v", "1,1,1", "--format", "json").json()
    x = torch.tensor([1.0, 2, 3], dtype=torch.float64, requires_grad=True)
    y = x * x
    u = y.detach()
    z = u * x
    z.sum().backward()
    assert x.grad is not None
    torch.testing.assert_close(torch.tensor(data["vjp"], dtype=torch.float64), x.grad)
    torch.testing.assert_close(x.grad, u)


def test_detach_mixed_with_a_live_path(vjp):
    data = vjp("jacobian", "x.detach() * x + x.exp()", "--at", "x=[0.5,-1]", "--format", "json").json()
    x = torch.tensor([0.5, -1.0], dtype=torch.float64)
    want = torch.autograd.functional.jacobian(lambda t: t.detach() * t + t.exp(), x)
    torch.testing.assert_close(torch.tensor(data["jacobian"], dtype=torch.float64), want)


def test_check_says_finite_differences_see_through_a_detach(vjp):
    data = vjp("check", "x.detach() * x", "--at", "x=[0.5,-1]", "--format", "json").json()
    assert "detach" in " ".join(data["notes"])
    assert data["match"] is True
    # d(x.detach()*x)/dx = x for autograd and SymPy, 2x for finite differences: each such entry says why
    assert data["differences"], data
    for e in data["differences"]:
        assert e["why"] == "through detach() (expected)" and e["at_kink"] is True
        assert e["finite_difference"] == pytest.approx(2 * e["autograd"], rel=1e-6)


def test_symbolic_jacobian_treats_a_detached_part_as_constant(vjp):
    data = vjp("jacobian", "y = x * x; u = y.detach(); u * x", "--symbolic", "--format", "json").json()
    assert "jacobian" in data
    flat = str(data["jacobian"])
    assert "3*x" not in flat  # not d(x**3)/dx


# ---- the pitfalls carry torch's own words -----------------------------------------------------


def _torch_error(fn: Callable[[], object]) -> str:
    try:
        fn()
    except RuntimeError as e:
        return str(e)
    raise AssertionError("torch raised nothing")


def test_no_grad_pitfall_is_torchs_error(vjp):
    data = vjp("explain", "x0*x1", "--at", "2,3", "--pitfall", "no-grad", "--format", "json").json()

    def run() -> None:
        x = torch.tensor([2.0, 3.0], requires_grad=True)
        with torch.no_grad():
            y = x * 2
        y.sum().backward()

    assert data["torch_error"] == _torch_error(run)


def test_inplace_pitfall_is_torchs_error(vjp):
    data = vjp("explain", "x0*x1", "--at", "2,3", "--pitfall", "inplace", "--format", "json").json()
    steps = str(data["steps"])

    def leaf() -> None:
        x = torch.tensor([2.0, 3.0], requires_grad=True)
        x.add_(1)

    assert _torch_error(leaf) in steps
    assert "modified by an inplace operation" in data["torch_error"]


def test_leaf_pitfall_is_torchs_warning(vjp):
    data = vjp("explain", "x0*x1", "--at", "2,3", "--pitfall", "leaf", "--format", "json").json()
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    y = x * 2
    y.sum().backward()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert y.grad is None
    assert caught
    assert data["torch_error"] == str(caught[0].message)
    assert "retain_grad" in str(data["steps"])


def test_detach_pitfall_is_d2l_result(vjp):
    data = vjp("explain", "x0*x1", "--at", "2,3", "--pitfall", "detach", "--format", "json").json()
    assert data["torch_error"] is None
    assert "x.grad = [4, 9]" in str(data["steps"])
