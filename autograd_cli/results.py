"""Frozen result records: what the engines found, in plain Python, ready to render.

``to_dict()`` gives the JSON object with the keys documented in README.md ("JSON keys"),
in a stable order. Floats stay floats here (nan and inf included); the renderer decides
how each format spells them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .points import nest
from .problem import Problem
from .shapes import Shape


@dataclass(frozen=True)
class Header:
    """What every result says about the function it is about."""

    command: str
    expression: str
    outputs: list[str]
    inputs: list[str]
    columns: list[str]
    rows: list[str]
    input_shapes: dict[str, Shape]
    output_shape: Shape
    point: list[float] | None
    value: list[float] | None
    dtype: str
    titles: list[str]

    @classmethod
    def of(cls, command: str, problem: Problem, value: list[float] | None = None) -> Header:
        return cls(
            command=command,
            expression=problem.function.text,
            outputs=problem.function.outputs,
            inputs=list(problem.names),
            columns=problem.columns,
            rows=problem.rows,
            input_shapes={i.name: i.shape for i in problem.inputs},
            output_shape=problem.output_shape,
            point=list(problem.point) if problem.point is not None else None,
            value=value,
            dtype=problem.dtype,
            titles=[problem.row_title(i) for i in range(len(problem.rows))],
        )

    @property
    def tensor_inputs(self) -> bool:
        return any(self.input_shapes.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "expression": self.expression,
            "outputs": self.outputs,
            "inputs": self.inputs,
            "columns": self.columns,
            "rows": self.rows,
            "shapes": {
                "inputs": {k: list(v) for k, v in self.input_shapes.items()},
                "output": list(self.output_shape),
            },
            "point": self.point,
            "value": self.value,
            "dtype": self.dtype,
        }


@dataclass(frozen=True)
class Result:
    header: Header
    notes: list[str] = field(default_factory=list, kw_only=True)

    def body(self) -> dict[str, Any]:
        return {}

    def to_dict(self) -> dict[str, Any]:
        out = self.header.to_dict()
        out.update(self.body())
        out["notes"] = self.notes
        return out


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
class SymbolicJacobianResult(Result):
    jacobian: list[list[str]]
    method: str = "symbolic"

    def body(self) -> dict[str, Any]:
        return {"jacobian": self.jacobian, "method": self.method}


@dataclass(frozen=True)
class ProductResult(Result):
    v: list[float] | None  # None: y was a scalar and backward() used an implicit 1
    vjp: list[float]
    method: str

    def grads(self) -> dict[str, Any]:
        """Each variable's gradient in its own shape (a number for a scalar)."""
        out: dict[str, Any] = {}
        k = 0
        for name, shape in self.header.input_shapes.items():
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

    def body(self) -> dict[str, Any]:
        return {
            "sum_backward": self.sum_backward,
            "ones_backward": self.ones_backward,
            "column_sums": self.column_sums,
            "symbolic": self.symbolic,
            "match": self.match,
            "max_abs_diff": self.max_abs_diff,
            "atol": self.atol,
            "rtol": self.rtol,
            "method": self.method,
        }
