"""The Jacobian three ways: autograd against SymPy's exact derivative and central differences.

Everything here works on a block of points at once (shape ``(P, n)``), so ``check`` at
one point and ``check --at -`` at many share the same code, vectorised with
``torch.vmap``. Kinks — abs and relu at 0, ties of max and min — are found by evaluating
those nodes' arguments at the points: there autograd follows torch's convention and
central differences straddle the corner, so their disagreement is expected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

from . import symbolic
from .build import Builder, Built
from .expr import Call, Node, to_text, walk
from .problem import Problem
from .results import close
from .shapes import element_ops

KINKED = ("abs", "relu", "max", "min")


def _float64(problem: Problem) -> Problem:
    if problem.dtype == "float64":
        return problem
    return Problem(problem.function, problem.inputs, problem.component_shapes, problem.point, "float64")


def _split(problem: Problem, flat: torch.Tensor) -> list[torch.Tensor]:
    """(P, n) flat points -> the leaves' batched values: one (P, n) x, or (P, *shape) per input."""
    if problem.single_leaf:
        return [flat]
    out, k = [], 0
    for inp in problem.inputs:
        out.append(flat[:, k : k + inp.numel].reshape(flat.shape[0], *inp.shape))
        k += inp.numel
    return out


MAX_FD_OPS = 500_000_000  # element operations for 2n evaluations of f at every point


def fd_cost(problem: Problem, count: int = 1) -> int:
    """Element operations central differences take: 2n evaluations of f per point."""
    shapes = {i.name: i.shape for i in problem.inputs}
    per_eval = sum(element_ops(c, shapes)[1] for c in problem.function.components)
    return 2 * problem.n * per_eval * count


def finite_differences(problem: Problem, points: torch.Tensor, eps: float = 1e-6) -> torch.Tensor | None:
    """(P, m, n): column j = (f(x + eps e_j) - f(x - eps e_j)) / 2 eps, in float64.

    None when that would take more than MAX_FD_OPS element operations (say so in a note).
    """
    if fd_cost(problem, points.shape[0]) > MAX_FD_OPS:
        return None
    built = Built(_float64(problem))
    count, n, m = points.shape[0], problem.n, problem.m
    out = torch.zeros(count, m, n, dtype=torch.float64)
    # columns in blocks, so that 2 x block x (m + n) numbers per point stay bounded
    block = max(1, min(n, (1 << 22) // max(1, count * 2 * (m + n))))
    eye = torch.eye(n, dtype=torch.float64) * eps
    for start in range(0, n, block):
        steps = eye[start : start + block]
        k = steps.shape[0]
        shifted = torch.cat([points[:, None, :] + steps, points[:, None, :] - steps], dim=1).reshape(-1, n)
        with torch.no_grad():
            ys = torch.vmap(built.of_leaves)(*_split(problem, shifted)).reshape(count, 2 * k, m)
        out[:, :, start : start + k] = ((ys[:, :k] - ys[:, k:]) / (2 * eps)).transpose(1, 2)
    return out


def exact_jacobians(problem: Problem, points: torch.Tensor) -> torch.Tensor:
    """(P, m, n): SymPy's Jacobian, evaluated at every point in float64."""
    rows, xs = symbolic.jacobian(problem)
    count = points.shape[0]
    ev = symbolic.Evaluator({x: points[:, k] for k, x in enumerate(xs)})
    out = torch.empty(count, problem.m, problem.n, dtype=torch.float64)
    for i, row in enumerate(rows):
        for j, e in enumerate(row):
            out[:, i, j] = torch.broadcast_to(ev.real(e), (count,))
    return out


def kinks(problem: Problem, points: torch.Tensor, eps: float = 1e-6) -> list[list[tuple[int, str]]]:
    """Per point: (component, note) for each abs/relu/max/min sitting on its kink."""
    sites: list[tuple[int, Call]] = [
        (c, node)
        for c, comp in enumerate(problem.function.components)
        for node in walk(comp)
        if isinstance(node, Call) and node.name in KINKED
    ]
    found: list[list[tuple[int, str]]] = [[] for _ in range(points.shape[0])]
    if not sites:
        return found
    args: list[Node] = [a for _, node in sites for a in node.args]
    builder = Builder({name: i for i, name in enumerate(problem.names)}, torch.float64)
    fns = [builder.lift(builder.compile(a)) for a in args]
    single = problem.single_leaf

    def evaluate(*leaves: torch.Tensor) -> tuple[torch.Tensor, ...]:
        values: Any = leaves[0].unbind(0) if single else leaves
        return tuple(torch.as_tensor(f(values), dtype=torch.float64) for f in fns)

    with torch.no_grad():
        results = torch.vmap(evaluate)(*_split(problem, points))
    tol = 10 * eps * (1 + points.abs().amax(dim=1)) if problem.n else torch.full((points.shape[0],), 10 * eps)
    k = 0
    for c, node in sites:
        vals = [results[k + i].reshape(points.shape[0], -1) for i in range(len(node.args))]
        k += len(node.args)
        if node.name in ("abs", "relu"):
            hit = (vals[0].abs() <= tol[:, None]).any(dim=1)
            why = "its argument is 0"
        elif len(vals) > 1:
            hit = torch.zeros(points.shape[0], dtype=torch.bool)
            for a in range(len(vals)):
                for b in range(a + 1, len(vals)):
                    hit |= ((vals[a] - vals[b]).abs() <= tol[:, None]).any(dim=1)
            why = "two of its arguments are equal (a tie)"
        else:
            flat = vals[0]
            top = flat.amax(dim=1, keepdim=True) if node.name == "max" else flat.amin(dim=1, keepdim=True)
            hit = ((flat - top).abs() <= tol[:, None]).sum(dim=1) > 1
            why = "several elements tie"
        text = to_text(node)
        text = text if len(text) <= 50 else text[:47] + "..."
        for p in torch.nonzero(hit).flatten().tolist():
            found[p].append((c, f"{text} is not differentiable at this point: {why}"))
    return found


KINK_NOTE = (
    "autograd follows torch's convention at such points; finite differences straddle the kink, "
    "so their disagreement there is expected and does not fail the check"
)


def rows_of_components(problem: Problem, comps: set[int]) -> set[int]:
    rows: set[int] = set()
    start = 0
    for c, shape in enumerate(problem.component_shapes):
        size = math.prod(shape)
        if c in comps:
            rows.update(range(start, start + size))
        start += size
    return rows


@dataclass
class Comparison:
    """The outcome at one point: the entries that differ, and whether any of them counts."""

    differences: list[dict[str, Any]]
    match: bool
    notes: list[str]


def compare(
    problem: Problem,
    auto: list[list[float]],
    exact: list[list[float]] | None,
    fd: list[list[float]] | None,
    kinked: list[tuple[int, str]],
    atol: float,
    rtol: float,
    value: list[float] | None = None,
) -> Comparison:
    """Entry by entry: autograd vs SymPy and vs finite differences. At a kink only SymPy counts.

    ``exact`` (``fd``) is None when the SymPy reference (finite differences) was too large to compute.
    """
    kink_rows = rows_of_components(problem, {c for c, _ in kinked})
    differences: list[dict[str, Any]] = []
    match = True
    for i in range(problem.m):
        a_row = auto[i]
        s_row = exact[i] if exact is not None else [math.nan] * problem.n
        f_row = fd[i] if fd is not None else [math.nan] * problem.n
        for j in range(problem.n):
            a, s_, f = a_row[j], s_row[j], f_row[j]
            sym_ok = exact is None or close(a, s_, atol, rtol)
            fd_ok = (
                fd is None
                or close(a, f, atol, rtol)
                or (not math.isfinite(a) and not math.isfinite(s_))
                or (not math.isfinite(f) and value is not None and not math.isfinite(value[i]))
            )
            if sym_ok and fd_ok:
                continue
            at_kink = i in kink_rows
            match = match and at_kink  # at a kink every convention is defensible: listed, not failed
            differences.append(
                {
                    "row": problem.rows[i],
                    "column": problem.columns[j],
                    "autograd": a,
                    "symbolic": s_,
                    "finite_difference": f,
                    "at_kink": at_kink,
                }
            )
    notes = [note for _, note in kinked]
    if kinked:
        notes.append(KINK_NOTE)
    if fd is None:
        notes.append(
            f"finite differences were skipped: {problem.n:,} inputs need {2 * problem.n:,} evaluations of f, "
            f"more than the limit of {MAX_FD_OPS:,} element operations"
        )
    return Comparison(differences, match, notes)
