"""--method jacrev (one torch.func.vjp pullback vmapped over the one-hot rows) and auto's choice:
the same Jacobians as the seed's row loop and as torch.autograd.functional.jacobian."""

from __future__ import annotations

import math

import pytest
import torch

from autograd_cli import engines
from autograd_cli.build import Built
from autograd_cli.parsing import parse
from autograd_cli.points import parse_point
from autograd_cli.problem import Problem, make_problem


def make(text: str, at: str, dtype: str = "float64") -> Problem:
    return make_problem(parse(text), parse_point(at), dtype)


def functional_jacobian(p: Problem) -> torch.Tensor:
    built = Built(p)
    leaves = [t.detach() for t in built.leaves()]
    parts = torch.autograd.functional.jacobian(built.of_leaves, tuple(leaves))
    return torch.cat([j.reshape(p.m, -1) for j in parts], dim=1)


CASES = [
    ("x0**2+3*x1; x1**2+2*x0", "2,3"),
    ("x*y", "x=[0,2,8],y=[5,1,7]"),
    ("softmax(x)", "x=[1,2,3,-1,0.5]"),
    ("tanh(A @ x + b)", "A=[[1,2],[3,4],[0.5,-1]], x=[0.5,-1], b=[0.1,0.2,0.3]"),
    ("x * sum(x) + exp(-x)", "x=linspace(-1,1,40)"),
    ("x0*0 + 1; x1*x0", "1,2"),
    ("mean((x+2)*(x+2)*3)", "x=ones(2,2)"),
    ("sin(x0)*x1; exp(x0-x1); x0/x1", "0.3,1.7"),
]


@pytest.mark.parametrize(("text", "at"), CASES)
def test_jacrev_equals_rows_and_torch(text, at):
    p = make(text, at)
    y_rows, j_rows, _ = engines.compute_jacobian(p, "rows")
    y, jac, ran = engines.compute_jacobian(p, "jacrev")
    assert ran == "jacrev"
    torch.testing.assert_close(jac, j_rows, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(jac, functional_jacobian(p), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(y, y_rows)
    assert y.requires_grad is False


def test_jacrev_in_several_blocks(monkeypatch):
    p = make("x*x*2 + sum(x)*x[0]; softmax(x)", "x=[0.5,-1,2,0.25,1.5,-0.75,3]")
    _, want, _ = engines.compute_jacobian(p, "rows")
    monkeypatch.setattr(engines, "_BLOCK_ELEMENTS", 30)  # blocks of 2 rows
    for method in ("jacrev", "forward"):
        _, got, _ = engines.compute_jacobian(p, method)
        torch.testing.assert_close(got, want)


def test_jacrev_calls_no_backward_and_no_batched_grad(monkeypatch):
    """Not the seed's loop and not is_grads_batched: functorch's transforms do the work."""
    calls: list[object] = []
    real_backward, real_grad = torch.Tensor.backward, torch.autograd.grad

    def spy_backward(self, *a, **k):  # type: ignore[no-untyped-def]
        calls.append("backward")
        return real_backward(self, *a, **k)

    def spy_grad(*a, **k):  # type: ignore[no-untyped-def]
        calls.append(k.get("is_grads_batched", False))
        return real_grad(*a, **k)

    monkeypatch.setattr(torch.Tensor, "backward", spy_backward)
    monkeypatch.setattr(torch.autograd, "grad", spy_grad)
    _, jac, _ = engines.compute_jacobian(make("x0*x1; x1*x2", "1,2,3"), "jacrev")
    assert "backward" not in calls and True not in calls
    assert jac.tolist() == [[2.0, 1.0, 0.0], [0.0, 3.0, 2.0]]


def test_jacrev_float32_constant_and_non_finite():
    y, jac, _ = engines.compute_jacobian(make("x0*sin(1) + pi; x1**2 / 3", "0.5,1.5", "float32"), "jacrev")
    assert y.dtype == jac.dtype == torch.float32
    torch.testing.assert_close(jac, torch.tensor([[math.sin(1), 0.0], [0.0, 1.0]], dtype=torch.float32))
    _, jac, _ = engines.compute_jacobian(make_problem(parse("3; x0*0 + 1", ["x0", "x1"]), parse_point("1,2")), "jacrev")
    assert jac.tolist() == [[0.0, 0.0], [0.0, 0.0]]
    _, rows, _ = engines.compute_jacobian(make("1/x0; log(x1)", "0,2"), "rows")
    _, jac, _ = engines.compute_jacobian(make("1/x0; log(x1)", "0,2"), "jacrev")
    assert torch.equal(jac.isnan(), rows.isnan()) and torch.equal(jac.nan_to_num(), rows.nan_to_num())


def test_auto_keeps_rows_for_teaching_and_vectorises_the_rest():
    assert engines.choose_method(make("x0**2+3*x1; x1**2+2*x0", "2,3"), reverse="jacrev") == "rows"
    dense = make("softmax(x)", "x=linspace(-1,1,64)")
    assert engines.compute_jacobian(dense, "auto")[2] == "jacrev"
    tall = make("; ".join(f"sin(x0*{i})*x1 + cos(x1*{i}) + x0**{i % 5}" for i in range(1, 3000)), "0.3,0.7")
    assert engines.compute_jacobian(tall, "auto")[2] == "forward"
    # the many-points engine has no jacrev: its auto stays batched
    assert engines.choose_method(dense) == "batched"


def test_the_cli_reports_jacrev(vjp):
    import json

    r = vjp("jacobian", "softmax(x)", "--at", "x=[1,2,3]", "--method", "jacrev", "--format", "json")
    d = json.loads(r.stdout)
    assert d["method"] == "jacrev"
    auto = json.loads(vjp("jacobian", "softmax(x)", "--at", "x=linspace(0,1,40)", "--format", "json").stdout)
    assert auto["method"] == "jacrev"
    table = vjp("jacobian", "softmax(x)", "--at", "x=[1,2,3]", "--method", "jacrev", "--format", "table").stdout
    assert "torch.func.jacrev" in table
