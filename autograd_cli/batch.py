"""Jacobians, vᵀJ and checks at many points at once, vectorised with ``torch.vmap``.

The built function is mapped over a leading batch dimension of the leaves with
``torch.vmap``; autograd records that one batched graph. Because each point's outputs
depend only on that point's inputs, one backward with the same one-hot e_i at every
point gives row i of every point's Jacobian, and one ``Y.backward(V)`` gives every
point's vᵀJ: the same calls as the single-point engines, once per block of points
instead of once per point.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from .build import Built
from .methods import choose_method
from .problem import Problem, check_jacobian_size
from .results import max_abs_diff

_BLOCK_ELEMENTS = 1 << 22
Points = torch.Tensor | Sequence[Sequence[float]]  # (P, n): one point per row
MAX_BLOCK = 1 << 13  # points per call: bounds the text made at once, so memory stays flat


@dataclass(frozen=True)
class Verdict:
    """check at one point: the overall outcome, and the Jacobian entries that differ."""

    match: bool
    max_abs_diff: float
    eps: float
    differences: list[dict[str, Any]]
    notes: list[str]
    undefined: dict[str, list[str]] = field(default_factory=dict)


class Block:
    """Results for a block of points: tensors (one row per point), with lists made on demand.

    ``points`` is the (P, n) float64 tensor of the points as read; every other result is a
    tensor in the problem's dtype, or a per-point list (``verdicts``).
    """

    def __init__(self, points: torch.Tensor, **tensors: torch.Tensor | None) -> None:
        self.points = points
        self.tensors = {k: v for k, v in tensors.items() if v is not None}
        self.vs: torch.Tensor | None = None
        self.verdicts: list[Verdict] = []
        self._lists: dict[str, list[Any]] = {}

    def __len__(self) -> int:
        return self.points.shape[0]

    @property
    def finite(self) -> torch.Tensor:
        """One bool per point: every value it printed is finite."""
        finite = self.tensors.get("finite")
        return finite if finite is not None else torch.ones(len(self), dtype=torch.bool)

    def _list(self, key: str) -> list[Any] | None:
        if key not in self.tensors:
            return None
        if key not in self._lists:
            self._lists[key] = self.tensors[key].tolist()
        return self._lists[key]

    def __getattr__(self, key: str) -> list[Any] | None:
        if key.startswith("_") or key in ("points", "tensors", "vs", "verdicts"):
            raise AttributeError(key)
        return self._list(key)

    def point_list(self, i: int) -> list[float]:
        return self.points[i].tolist()


class BatchEngine:
    def __init__(self, problem: Problem, method: str = "auto", command_needs_jacobian: bool = True) -> None:
        self.problem = problem
        self.built = Built(problem)
        self.method = choose_method(problem) if method == "auto" else method
        self.m, self.n = problem.m, problem.n
        if command_needs_jacobian:
            check_jacobian_size(problem)
        self._sym: tuple[list[object], list[object]] | None = None
        self._consts: list[torch.Tensor] = []
        self._nleaves = 0

    def block_size(self) -> int:
        """Points per vectorised call, so that P x m x n stays bounded."""
        return max(1, min(MAX_BLOCK, _BLOCK_ELEMENTS // max(1, self.m * max(self.n, 1))))

    def _table(self, points: Points) -> torch.Tensor:
        """The points as a (P, n) float64 tensor (a list of rows is accepted too)."""
        if isinstance(points, torch.Tensor):
            return points.to(torch.float64).reshape(points.shape[0], self.problem.n_all)
        return torch.tensor(points, dtype=torch.float64).reshape(len(points), self.problem.n_all)

    def _leaves(self, points: torch.Tensor) -> list[torch.Tensor]:
        """The block's leaves (requires_grad); its constants (which may differ per point) are kept
        for the forward pass."""
        from .threeways import split

        flat = points.reshape(points.shape[0], self.problem.n_all)
        leaves, self._consts = split(self.problem, flat, self.built.dtype)
        return [t.clone().requires_grad_() for t in leaves]

    def _f(self, *args: torch.Tensor) -> torch.Tensor:
        k = self._nleaves
        return self.built.with_constants(list(args[:k]), list(args[k:]))

    def _forward(self, leaves: list[torch.Tensor]) -> torch.Tensor:
        self._nleaves = len(leaves)
        y = torch.vmap(self._f)(*leaves, *self._consts)
        return y.reshape(y.shape[0], self.m)

    @staticmethod
    def _grads(leaves: list[torch.Tensor]) -> torch.Tensor:
        parts = []
        for t in leaves:
            g = t.grad if t.grad is not None else torch.zeros_like(t)
            parts.append(g.reshape(g.shape[0], -1))
        return torch.cat(parts, dim=1) if len(parts) != 1 else parts[0].clone()

    @staticmethod
    def _zero(leaves: list[torch.Tensor]) -> None:
        for t in leaves:
            t.grad = None

    def _jac(self, leaves: list[torch.Tensor], y: torch.Tensor) -> torch.Tensor:
        count = y.shape[0]
        jac = torch.zeros(count, self.m, self.n, dtype=self.built.dtype)
        if not y.requires_grad or self.m == 0:
            return jac
        if self.method == "rows":
            for i in range(self.m):
                e = torch.zeros(count, self.m, dtype=self.built.dtype)
                e[:, i] = 1.0
                y.backward(e, retain_graph=True)
                jac[:, i, :] = self._grads(leaves)
                self._zero(leaves)
        elif self.method in ("forward", "jacrev"):  # torch.func's jacfwd / jacrev, vmapped over the points
            primals = [t.detach() for t in leaves]
            self._nleaves = len(primals)
            jacobian_of = torch.func.jacfwd if self.method == "forward" else torch.func.jacrev
            fn = jacobian_of(self._f, argnums=tuple(range(len(primals))))
            parts = torch.vmap(fn)(*primals, *self._consts)
            jac = torch.cat([p.reshape(count, self.m, -1) for p in parts], dim=2).to(self.built.dtype)
        else:
            eye = torch.eye(self.m, dtype=self.built.dtype).unsqueeze(1).expand(self.m, count, self.m)
            grads = torch.autograd.grad(y, leaves, eye, retain_graph=True, is_grads_batched=True, allow_unused=True)
            parts = [
                (g if g is not None else torch.zeros(self.m, *t.shape, dtype=self.built.dtype)).reshape(
                    self.m, count, -1
                )
                for g, t in zip(grads, leaves)
            ]
            jac = torch.cat(parts, dim=2).permute(1, 0, 2)
        return jac

    def jacobian(self, points: Points, determinants: bool = True) -> Block:
        """Every point's Jacobian (and, for a square one, its determinant unless not asked for)."""
        points = self._table(points)
        leaves = self._leaves(points)
        y = self._forward(leaves)
        jac = self._jac(leaves, y)
        det = None
        if determinants and self.m == self.n and self.n > 0:
            j64 = jac.to(torch.float64)
            det = torch.linalg.det(torch.nan_to_num(j64))
            det[~torch.isfinite(j64).all(dim=2).all(dim=1)] = float("nan")
        finite = torch.isfinite(y).all(dim=1) & torch.isfinite(jac).flatten(1).all(dim=1)
        return Block(points, values=y.detach(), jacobians=jac, determinants=det, finite=finite)

    def product(self, points: Points, vs: torch.Tensor | None) -> Block:
        points = self._table(points)
        leaves = self._leaves(points)
        y = self._forward(leaves)
        count = y.shape[0]
        if vs is None:
            v = torch.ones(count, self.m, dtype=self.built.dtype)
        else:
            v = vs.to(self.built.dtype).reshape(count, self.m)
        if y.requires_grad:
            y.backward(v)
        grads = self._grads(leaves)
        finite = torch.isfinite(y).all(dim=1) & torch.isfinite(grads).all(dim=1)
        block = Block(points, values=y.detach(), vjps=grads, finite=finite)
        block.vs = vs
        return block

    def check(self, points: Points, atol: float = 1e-5, rtol: float = 1e-3, eps: float = 1e-6) -> Block:
        from . import symbolic, threeways

        points = self._table(points)
        leaves = self._leaves(points)
        y = self._forward(leaves)
        count = y.shape[0]
        if y.requires_grad:
            y.sum().backward(retain_graph=True)
            g_sum = self._grads(leaves)
            self._zero(leaves)
            y.backward(torch.ones_like(y), retain_graph=True)
            g_ones = self._grads(leaves)
            self._zero(leaves)
        else:
            g_sum = g_ones = torch.zeros(count, self.n, dtype=self.built.dtype)
        jac = self._jac(leaves, y)
        flat = points.reshape(count, self.problem.n_all).to(torch.float64)
        skipped = None
        try:
            if self._sym is None:
                grad, xs = symbolic.gradient_of_sum(self.problem)
                self._sym = (list(grad), list(xs))
            grad_exprs, xs = self._sym
            exact = threeways.exact_values(self.problem, grad_exprs, flat)
            sym_jac: torch.Tensor | None = threeways.exact_jacobians(self.problem, flat)
        except (symbolic.SymbolicReferenceError, ValueError, TypeError, ArithmeticError) as e:
            skipped = f"the SymPy reference was skipped: {e}"
            exact = torch.full((count, self.n), float("nan"), dtype=torch.float64)
            sym_jac = None
        block = Block(
            points,
            values=y.detach(),
            sum_backward=g_sum,
            ones_backward=g_ones,
            column_sums=jac.sum(dim=1),
            symbolic=exact,
            jacobian=jac,
            symbolic_jacobian=sym_jac,
            finite_differences=threeways.finite_differences(self.problem, flat, eps),
            finite=torch.isfinite(y).all(dim=1),
        )
        kinks = threeways.kinks(self.problem, flat, eps)
        keys = ["sum_backward", "ones_backward", "column_sums"] + (["symbolic"] if skipped is None else [])
        vectors: list[list[Any]] = [block._list(k) or [] for k in keys]
        auto: list[Any] = block.jacobian or []
        values: list[Any] = block.values or []
        sym, fd = block.symbolic_jacobian, block.finite_differences
        detached = threeways.detached_components(self.problem)
        block.verdicts = []
        for i in range(count):
            vecs: list[list[float]] = [v[i] for v in vectors]
            grads_match, grad_notes = threeways.gradient_verdict(self.problem, vecs, skipped is None, atol, rtol)
            outcome = threeways.compare(
                self.problem,
                auto[i],
                None if sym is None else sym[i],
                None if fd is None else fd[i],
                kinks[i],
                atol,
                rtol,
                values[i],
                detached,
            )
            notes = outcome.notes + grad_notes + ([skipped] if skipped else [])  # then point_notes, as at one point
            block.verdicts.append(
                Verdict(
                    grads_match and outcome.match,
                    max_abs_diff(vecs),
                    eps,
                    outcome.differences,
                    notes,
                    outcome.undefined,
                )
            )
        return block
