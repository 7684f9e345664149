"""Frozen result records: what the engines found, in plain Python, ready to render.

``to_dict()`` gives the JSON object with the keys documented in README.md ("JSON keys"),
in a stable order. Floats stay floats here (nan and inf included); the renderer decides
how each format spells them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # kept light: `vjp examples` renders without loading the parser
    from .examples import Example
    from .problem import Problem
    from .shapes import Shape

# The engines' results (Jacobian, product, check, ...) live in engine_results.py, loaded on
# first use by the modules that show them: the symbolic Jacobian and `vjp examples` never need them.


@dataclass(frozen=True)
class Header:
    """What every result says about the function it is about."""

    command: str
    expression: str
    outputs: list[str]
    inputs: list[str]
    columns: Sequence[str]  # a Labels (made when asked for) from a Problem; lists compare equal
    rows: Sequence[str]
    input_shapes: dict[str, Shape]
    output_shape: Shape
    point: list[float] | None
    value: list[float] | None
    dtype: str
    titles: Sequence[str]
    wrt: list[str] | None = None  # the differentiated inputs (None: every input)
    y: str = "y"  # the output's name in titles: y, unless the user has a y (then z, out, ...)
    all_columns: Sequence[str] = field(default_factory=list)  # every input element (the point's layout)
    leaf_index: list[int] = field(default_factory=list)  # where each column sits in the point

    @property
    def leaves(self) -> list[str]:
        return list(self.inputs) if self.wrt is None else list(self.wrt)

    @property
    def leaf_point(self) -> list[float] | None:
        """The differentiated elements' values, in the columns' order."""
        if self.point is None:
            return None
        if not self.leaf_index and self.columns:
            return self.point
        return [self.point[k] for k in self.leaf_index]

    @classmethod
    def of(cls, command: str, problem: Problem, value: list[float] | None = None) -> Header:
        return cls(
            command=command,
            expression=problem.function.text,
            outputs=problem.function.outputs,
            inputs=list(problem.names),
            columns=problem.columns,
            wrt=list(problem.leaf_names),
            y=problem.output_name,
            all_columns=problem.all_columns,
            # empty when the columns are the point itself (no constants): see leaf_point
            leaf_index=[]
            if problem.leaf_inputs == problem.inputs
            else [c for a, b in problem.leaf_slices for c in range(a, b)],
            rows=problem.rows,
            input_shapes={i.name: i.shape for i in problem.inputs},
            output_shape=problem.output_shape,
            point=list(problem.point) if problem.point is not None else None,
            value=value,
            dtype=problem.dtype,
            titles=problem.titles,
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
            "wrt": self.leaves,
            "constants": [n for n in self.inputs if n not in self.leaves],
            "columns": list(self.columns),
            "rows": list(self.rows),
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

    @property
    def failed(self) -> bool:
        """A verdict that says the values disagree (the exit status 1); most results have none."""
        return False

    def body(self) -> dict[str, Any]:
        return {}

    def to_dict(self) -> dict[str, Any]:
        out = self.header.to_dict()
        out.update(self.body())
        out["notes"] = self.notes
        return out


@dataclass(frozen=True)
class SymbolicJacobianResult(Result):
    jacobian: list[list[str]]
    method: str = "symbolic"
    # SymPy's own entries (not in the JSON), so faces can print them with SymPy (e.g. LaTeX)
    exprs: Any = field(default=None, repr=False, compare=False)

    def body(self) -> dict[str, Any]:
        return {"jacobian": self.jacobian, "method": self.method}


@dataclass(frozen=True)
class ExampleList:
    """The named examples (``vjp examples [NAME]``)."""

    items: list[Example]
    notes: list[str] = field(default_factory=list, kw_only=True)

    def to_dict(self) -> dict[str, Any]:
        return {"examples": [e.to_dict() for e in self.items]}


@dataclass(frozen=True)
class FunctionList:
    """Every operation of the expression language (``vjp functions [NAME]``), from the catalogue."""

    items: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list, kw_only=True)

    def to_dict(self) -> dict[str, Any]:
        return {"functions": self.items}


# ---- helpers shared by the single-point and batch paths ----


def close(a: float, b: float, atol: float, rtol: float) -> bool:
    """|a - b| <= atol + rtol*|b| for finite numbers. A nan or an inf is never close to anything:
    a non-finite entry never counts as agreement (DESIGN.md §4)."""
    if not (math.isfinite(a) and math.isfinite(b)):
        return False
    return abs(a - b) <= atol + rtol * abs(b)


def max_abs_diff(vectors: list[list[float]]) -> float:
    ref = vectors[0]
    worst = 0.0
    for vec in vectors[1:]:
        for a, b in zip(vec, ref):
            if math.isfinite(a) and math.isfinite(b):
                worst = max(worst, abs(a - b))
            elif not (a == b or (math.isnan(a) and math.isnan(b))):
                worst = math.inf
    return worst


def nonfinite_notes(problem: Problem, y: list[float], jac: list[list[float]] | None = None) -> list[str]:
    """One note per non-finite value of y (up to a few), and a count for the Jacobian."""
    notes: list[str] = []
    # labels only for the values named (they are made when asked for; a stream asks at every point)
    bad = [] if all(map(math.isfinite, y)) else [(problem.rows[i], v) for i, v in enumerate(y) if not math.isfinite(v)]
    for label, v in bad[:5]:
        notes.append(f"{label} is {_word(v)} at this point")
    if len(bad) > 5:
        notes.append(f"... and {len(bad) - 5} more non-finite outputs")
    if jac is not None:
        cells = [
            (problem.rows[i], problem.columns[j], v)
            for i, row in enumerate(jac)
            for j, v in enumerate(row)
            if not math.isfinite(v)
        ]
        if cells:
            shown = ", ".join(f"d{r}/d{c} = {_word(v)}" for r, c, v in cells[:4])
            more = f" and {len(cells) - 4} more" if len(cells) > 4 else ""
            notes.append(
                f"the Jacobian has {len(cells)} non-finite entr{'y' if len(cells) == 1 else 'ies'}: {shown}{more}"
            )
    return notes


def _word(v: float) -> str:
    return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")


def vector_notes(what: str, labels: Sequence[str], values: Sequence[float]) -> list[str]:
    """One note naming where a gradient-like vector is not finite (``vᵀJ is not finite for x0``)."""
    if all(map(math.isfinite, values)):  # the common case, at C speed for millions of values
        return []
    bad = [labels[i] for i, v in enumerate(values) if not math.isfinite(v)]
    if not bad:
        return []
    return [f"{what} is not finite for {', '.join(bad[:6])}{' ...' if len(bad) > 6 else ''}"]


def poisoned_rows_note(y: list[float], jac: list[list[float]]) -> list[str]:
    """Rows of finite outputs that came out nan because another output is not finite.

    backward() sends a zero cotangent into every other output, and 0 times an infinite
    local derivative is nan; the nan then adds into x.grad. That is torch's real answer.
    """
    if all(math.isfinite(v) for v in y):
        return []
    rows = [i for i, (v, row) in enumerate(zip(y, jac)) if math.isfinite(v) and any(math.isnan(e) for e in row)]
    if not rows:
        return []
    return [
        (
            f"row {rows[0]} has a finite output"
            if len(rows) == 1
            else f"rows {', '.join(map(str, rows[:6]))} have finite outputs"
        )
        + " but nan entries: each backward sends 0 into the non-finite outputs too, and 0 × inf = nan flows into "
        "the leaves' .grad (torch's real behaviour)"
    ]


METHOD_DETAIL = {  # {y}: the output's name, free of the user's (x*y calls its output z)
    "rows": "one {y}.backward(e_i, retain_graph=True) per row; each leaf's .grad read, then zeroed",
    "batched": "all one-hot rows e_i in one torch.autograd.grad({y}, leaves, I, is_grads_batched=True)",
    "jacrev": "all one-hot rows e_i through one torch.func.vjp pullback, vmapped (as torch.func.jacrev)",
    "forward": "columns J e_j from forward mode (torch.func.jvp, vmapped over the basis)",
}


def method_detail(method: str, header: Header) -> str:
    """What ``method`` did, in the names of this function's transcript."""
    return METHOD_DETAIL[method].format(y=header.y)


def point_notes(
    problem: Problem,
    value: list[float],
    jac: list[list[float]] | None = None,
    vjp: list[float] | None = None,
    grad: list[float] | None = None,
) -> list[str]:
    """Everything non-finite at one point, worded the same for one point and for a stream."""
    notes = nonfinite_notes(problem, value, jac)
    if jac is not None:
        notes += poisoned_rows_note(value, jac)
    if vjp is not None:
        notes += vector_notes("vᵀJ", problem.columns, vjp)
    if grad is not None:
        notes += vector_notes("d(Σy)/dx", problem.columns, grad)
    return notes
