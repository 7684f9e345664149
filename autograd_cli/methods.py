"""Which Jacobian method ``auto`` runs: a rule on the problem's size, torch-free and SymPy-free.

Shared by the single-point engines and the many-points engine, so that streaming points
need not import SymPy (its reference is only used by ``check``).
"""

from __future__ import annotations

from .expr import walk
from .problem import Problem


def graph_size(problem: Problem) -> int:
    """Nodes of the expression tree: a proxy for the ops one backward walks."""
    roots = [*problem.function.components, *(s.value for s in problem.function.statements)]
    return sum(1 for c in roots for _ in walk(c))


def choose_method(problem: Problem, reverse: str = "batched", nodes: int | None = None) -> str:
    """``auto``: the seed's row loop for small teaching cases, vectorised otherwise.

    Rows cost m graph walks; the vectorised reverse methods one vmapped walk over m
    cotangents (``reverse``: ``jacrev`` at one point, whose functorch vmap is about twice
    as fast as ``batched``'s is_grads_batched; the many-points engine has ``batched``);
    forward one vmapped walk over n tangents, which pays only when n is well below m.
    """
    m, n = problem.m, problem.n
    if nodes is None:  # (the engines pass the size they keep with the built function)
        nodes = graph_size(problem)
    if m <= 16 and m * nodes <= 4_000:
        return "rows"
    if n * 8 <= m and m * nodes >= 2_000_000:
        return "forward"
    return reverse
