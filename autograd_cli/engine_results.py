"""The results the torch engines (and ``explain``) compute: a Jacobian, vᵀJ, a check, J·u, Hessians,
the autograd graph, a walk-through.

Apart from results.py (the header, the symbolic Jacobian, the listings) so that the paths
that never compute numbers (the symbolic Jacobian, ``vjp examples``) do not pay for building
these record classes. Import them from here (results.py no longer hands them out: that made
results and engine_results import each other).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .results import Result
from .shapes import nest


@dataclass(frozen=True)
class JacobianResult(Result):
    jacobian: list[list[float]]
    method: str
    method_detail: str
    determinant: float | None = None
    rank: int | None = None
    condition: float | None = None

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"jacobian": self.jacobian, "method": self.method}
        if self.determinant is not None:
            out["determinant"] = self.determinant
        if self.rank is not None:
            out["rank"] = self.rank
            out["condition_number"] = self.condition
        return out


@dataclass(frozen=True)
class ProductResult(Result):
    v: list[float] | None  # None: y was a scalar and backward() used an implicit 1
    vjp: list[float]
    method: str

    def grads(self) -> dict[str, Any]:
        """Each variable's gradient in its own shape (a number for a scalar)."""
        out: dict[str, Any] = {}
        k = 0
        for name in self.header.leaves:
            shape = self.header.input_shapes[name]
            size = 1
            for s in shape:
                size *= s
            out[name] = nest(self.vjp[k : k + size], shape)
            k += size
        return out

    def body(self) -> dict[str, Any]:
        return {"v": self.v, "vjp": self.vjp, "grads": self.grads(), "method": self.method}


@dataclass(frozen=True)
class CheckResult(Result):
    sum_backward: list[float]
    ones_backward: list[float]
    column_sums: list[float]
    symbolic: list[float]
    match: bool
    max_abs_diff: float
    atol: float
    rtol: float
    method: str
    jacobian: list[list[float]] | None = None
    symbolic_jacobian: list[list[float]] | None = None
    finite_differences: list[list[float]] | None = None
    eps: float | None = None
    differences: list[dict[str, Any]] = field(default_factory=list)
    undefined: dict[str, list[str]] = field(default_factory=dict)  # source -> entries where it is nan/inf

    @property
    def failed(self) -> bool:
        return not self.match

    def body(self) -> dict[str, Any]:
        return {
            "sum_backward": self.sum_backward,
            "ones_backward": self.ones_backward,
            "column_sums": self.column_sums,
            "symbolic": self.symbolic,
            "jacobian": self.jacobian,
            "symbolic_jacobian": self.symbolic_jacobian,
            "finite_differences": self.finite_differences,
            "differences": self.differences,
            "match": self.match,
            "max_abs_diff": self.max_abs_diff,
            "atol": self.atol,
            "rtol": self.rtol,
            "eps": self.eps,
            "method": self.method,
            "undefined": self.undefined,
        }


@dataclass(frozen=True)
class JvpResult(Result):
    u: list[float]
    jvp: list[float]
    v: list[float] | None = None
    vjp: list[float] | None = None
    vT_jvp: float | None = None  # noqa: N815 - the maths' name
    vjp_u: float | None = None
    match: bool | None = None
    method: str = "forward mode: torch.autograd.forward_ad dual tensors (x + ε u)"

    @property
    def failed(self) -> bool:
        return self.match is False  # None: no v, nothing compared

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"u": self.u, "jvp": self.jvp, "method": self.method}
        if self.v is not None:
            out.update(v=self.v, vjp=self.vjp, vT_jvp=self.vT_jvp, vjp_u=self.vjp_u, match=self.match)
        return out


@dataclass(frozen=True)
class HessianResult(Result):
    hessian: list[list[list[float]]]
    symbolic: list[list[list[float]]]
    symmetric: bool
    match: bool
    atol: float
    rtol: float
    method: str = "double backward: torch.autograd.grad(y_i, x, create_graph=True), then one batched grad per row"

    @property
    def failed(self) -> bool:
        return not (self.symmetric and self.match)

    def body(self) -> dict[str, Any]:
        return {
            "hessian": self.hessian,
            "symbolic": self.symbolic,
            "symmetric": self.symmetric,
            "match": self.match,
            "atol": self.atol,
            "rtol": self.rtol,
            "method": self.method,
        }


@dataclass(frozen=True)
class GraphResult(Result):
    tree: dict[str, Any]
    nodes: int

    def body(self) -> dict[str, Any]:
        return {"graph": self.tree, "nodes": self.nodes}


@dataclass(frozen=True)
class Step:
    """One step of a walk-through: the code run, what it gave, and why."""

    title: str
    code: list[str]
    outcome: list[str]
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "code": self.code, "outcome": self.outcome, "text": self.text}


@dataclass(frozen=True)
class NarrativeResult(Result):
    """A step-by-step result (``explain``)."""

    steps: list[Step]


@dataclass(frozen=True)
class ExplainResult(NarrativeResult):
    jacobian: list[list[float]]
    v: list[float] | None = None
    vjp: list[float] | None = None

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"steps": [s.to_dict() for s in self.steps], "jacobian": self.jacobian}
        if self.v is not None:
            out.update(v=self.v, vjp=self.vjp)
        return out


@dataclass(frozen=True)
class PitfallResult(NarrativeResult):
    pitfall: str
    error: str | None = None  # torch's own message, when torch raised one
    wrong: list[list[float]] | None = None
    right: list[list[float]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "pitfall": self.pitfall,
            "steps": [s.to_dict() for s in self.steps],
            "torch_error": self.error,
        }
        if self.wrong is not None:
            out.update(wrong=self.wrong, right=self.right)
        out.update(self.extra)
        return out
