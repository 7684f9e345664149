"""The Jacobian three ways: autograd against SymPy's exact derivative and central differences.

Everything here works on a block of points at once (shape ``(P, n_all)``: every input,
in input order), so ``check`` at one point and ``check --at -`` at many share the same
code, vectorised with ``torch.vmap``. Kinks come from the catalogue (each op says where it
is not differentiable: relu and abs at 0, ties of max and min, the ends of a clamp) and
from comparisons in ``where``: there autograd follows torch's convention and central
differences straddle the corner, so their disagreement is expected. Finite differences
also see through ``detach()``, where autograd and SymPy see a constant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import torch

from . import symbolic, symeval
from .build import Built
from .expr import Call, Compare, Local, Node, Var, to_text, walk
from .problem import Problem
from .results import close
from .symbolic import element_cost


def _float64(problem: Problem) -> Problem:
    if problem.dtype == "float64":
        return problem
    from dataclasses import replace

    return replace(problem, dtype="float64")


def split(
    problem: Problem, flat: torch.Tensor, dtype: torch.dtype = torch.float64
) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """(P, n_all) flat points -> the batched leaves (one (P, n) x for scalar inputs, or (P, *shape)
    per differentiated input) and the batched constants (class indices as int64)."""
    starts: dict[str, int] = {}
    k = 0
    for inp in problem.inputs:
        starts[inp.name] = k
        k += inp.numel
    count = flat.shape[0]

    def part(name: str, numel: int, shape: tuple[int, ...]) -> torch.Tensor:
        a = starts[name]
        return flat[:, a : a + numel].reshape(count, *shape)

    if problem.single_leaf:
        cols = [starts[i.name] for i in problem.leaf_inputs]
        leaves = [flat[:, cols].to(dtype)] if cols else [flat[:, :0].to(dtype)]
    else:
        leaves = [part(i.name, i.numel, i.shape).to(dtype) for i in problem.leaf_inputs]
    consts = []
    for inp in problem.const_inputs:
        t = part(inp.name, inp.numel, inp.shape)
        consts.append(t.round().to(torch.int64) if inp.kind == "index" else t.to(dtype))
    return leaves, consts


MAX_FD_OPS = 500_000_000  # element operations for 2n evaluations of f at every point


def fd_cost(problem: Problem, count: int = 1) -> int:
    """Element operations central differences take: 2n evaluations of f per point."""
    return 2 * problem.n * element_cost(problem) * count


def _leaf_columns(problem: Problem) -> list[int]:
    """Where each differentiated element sits in the flat point (the Jacobian's column order)."""
    return [c for a, b in problem.leaf_slices for c in range(a, b)]


def finite_differences(problem: Problem, points: torch.Tensor, eps: float = 1e-6) -> torch.Tensor | None:
    """(P, m, n): column j = (f(x + eps e_j) - f(x - eps e_j)) / 2 eps, in float64; only the
    differentiated elements are perturbed. None when that would take more than MAX_FD_OPS
    element operations (say so in a note)."""
    if fd_cost(problem, points.shape[0]) > MAX_FD_OPS:
        return None
    problem64 = _float64(problem)
    built = Built(problem64)
    count, n, m = points.shape[0], problem.n, problem.m
    cols = _leaf_columns(problem)
    out = torch.zeros(count, m, n, dtype=torch.float64)
    if n == 0:
        return out
    width = points.shape[1]
    # columns in blocks, so that 2 x block x (m + n) numbers per point stay bounded
    block = max(1, min(n, (1 << 22) // max(1, count * 2 * (m + width))))
    steps_all = torch.zeros(n, width, dtype=torch.float64)
    steps_all[torch.arange(n), torch.tensor(cols, dtype=torch.int64)] = eps

    def f(leaves: list[torch.Tensor], consts: list[torch.Tensor]) -> torch.Tensor:
        return built.with_constants(leaves, consts)

    for start in range(0, n, block):
        steps = steps_all[start : start + block]
        k = steps.shape[0]
        shifted = torch.cat([points[:, None, :] + steps, points[:, None, :] - steps], dim=1).reshape(-1, width)
        leaves, consts = split(problem64, shifted)
        with torch.no_grad():
            ys = torch.vmap(_split_call(f, len(leaves)))(*leaves, *consts).reshape(count, 2 * k, m)
        out[:, :, start : start + k] = ((ys[:, :k] - ys[:, k:]) / (2 * eps)).transpose(1, 2)
    return out


def _split_call(f: Any, nl: int) -> Any:
    """A function of (*leaves, *constants), for vmap, calling f(leaves, constants)."""
    return lambda *a: f(list(a[:nl]), list(a[nl:]))


def exact_jacobians(problem: Problem, points: torch.Tensor) -> torch.Tensor:
    """(P, m, n): SymPy's Jacobian, evaluated at every point in float64."""
    rows, _ = symbolic.jacobian(problem)
    count = points.shape[0]
    ev = symeval.Evaluator(symeval.point_values(problem, points.to(torch.float64)))
    out = torch.empty(count, problem.m, problem.n, dtype=torch.float64)
    for i, row in enumerate(rows):
        for j, e in enumerate(row):
            out[:, i, j] = torch.broadcast_to(ev.real(e), (count,))
    return out


def exact_values(problem: Problem, exprs: list[Any], points: torch.Tensor) -> torch.Tensor:
    """(P, len(exprs)): SymPy expressions at every point."""
    count = points.shape[0]
    ev = symeval.Evaluator(symeval.point_values(problem, points.to(torch.float64)))
    if not exprs:
        return torch.zeros(count, 0, dtype=torch.float64)
    return torch.stack([torch.broadcast_to(ev.real(e), (count,)) for e in exprs], dim=1)


# ---- where each component is not differentiable ------------------------------------------------------


def components_using(problem: Problem) -> dict[int, set[int]]:
    """For each node id: the components whose value depends on it (through intermediates too)."""
    fn = problem.function
    local_nodes: dict[str, set[int]] = {}
    for st in fn.statements:
        ids = {id(n) for n in walk(st.value)}
        for n in walk(st.value):
            if isinstance(n, Local):
                ids |= local_nodes.get(n.key, set())
        local_nodes[st.key] = ids
    out: dict[int, set[int]] = {}
    for c, comp in enumerate(fn.components):
        ids = {id(n) for n in walk(comp)}
        for n in walk(comp):
            if isinstance(n, Local):
                ids |= local_nodes.get(n.key, set())
        for i in ids:
            out.setdefault(i, set()).add(c)
    return out


def _all_nodes(problem: Problem) -> list[Node]:
    fn = problem.function
    seen: set[int] = set()
    out: list[Node] = []
    for root in [*(s.value for s in fn.statements), *fn.components]:
        for n in walk(root):
            if id(n) not in seen:
                seen.add(id(n))
                out.append(n)
    return out


def kink_sites(problem: Problem) -> list[Node]:
    """Calls whose op declares kinks, and comparisons (where the branch switches)."""
    out: list[Node] = []
    for n in _all_nodes(problem):
        if not any(isinstance(k, (Var, Local)) for k in walk(n)):
            continue  # abs(0.5): a constant, not a place where the function bends
        if isinstance(n, Call) and problem.bound(n).op.kinks is not None:
            out.append(n)
        elif isinstance(n, Compare) and problem.info(n).kind == "bool":
            out.append(n)
    return out


def detached_components(problem: Problem) -> set[int]:
    """Components that pass through an op whose gradient torch cuts or zeroes (detach, floor...)."""
    using = components_using(problem)
    out: set[int] = set()
    for n in _all_nodes(problem):
        if isinstance(n, Call) and not problem.bound(n).op.differentiable and not problem.bound(n).op.constant:
            out |= using.get(id(n), set())
    return out


def kinks(problem: Problem, points: torch.Tensor, eps: float = 1e-6) -> list[list[tuple[int, str]]]:
    """Per point: (component, note) for each kinked op or comparison sitting on (or within the
    finite-difference step of) its kink."""
    sites = kink_sites(problem)
    found: list[list[tuple[int, str]]] = [[] for _ in range(points.shape[0])]
    if not sites:
        return found
    problem64 = _float64(problem)
    built = Built(problem64)
    using = components_using(problem)
    probe_nodes: list[Node] = []
    plans: list[tuple[Node, list[str], int]] = []
    for node in sites:
        if isinstance(node, Compare):
            names = ["left", "right"]
            args = [node.left, node.right]
        else:
            assert isinstance(node, Call)
            b = problem.bound(node)
            pairs = [(k, a) for k, a in node.args if b.infos.get(k) is not None and b.infos[k].kind != "static"]
            names = [k for k, _ in pairs]
            args = [a for _, a in pairs]
        plans.append((node, names, len(probe_nodes)))
        probe_nodes.extend(args)
    probe = built.probe(probe_nodes)
    leaves, consts = split(problem64, points.to(torch.float64))
    nl = len(leaves)
    scale = (
        1 + points.to(torch.float64).abs().amax(dim=1)
        if points.shape[1]
        else torch.ones(points.shape[0], dtype=torch.float64)
    )
    tol = 10 * eps * scale

    def distances(*a: torch.Tensor) -> tuple[torch.Tensor, ...]:
        values = probe(list(a[:nl]), list(a[nl:]))
        out: list[torch.Tensor] = []
        for node, names, start in plans:
            vals = values[start : start + len(names)]
            if isinstance(node, Compare):
                d = (
                    torch.as_tensor(vals[0], dtype=torch.float64) - torch.as_tensor(vals[1], dtype=torch.float64)
                ).abs()
                out.append(d.amin() if d.numel() else torch.tensor(math.inf, dtype=torch.float64))
                continue
            b = problem.bound(node)
            named: dict[str, Any] = _static_args(b)
            for k, v in zip(names, vals):
                named[k] = list(v) if isinstance(v, (list, tuple)) else v
            assert b.op.kinks is not None
            for dist, _why in b.op.kinks(torch, b, named):
                dist = torch.as_tensor(dist, dtype=torch.float64)
                out.append(dist.amin() if dist.numel() else torch.tensor(math.inf, dtype=torch.float64))
        return tuple(out)

    whys: list[tuple[Node, str]] = []
    for node, _names, _start in plans:
        if isinstance(node, Compare):
            whys.append((node, f"the comparison {to_text(node)} switches here (its two sides are equal)"))
        else:
            b = problem.bound(node)
            dummy = _kink_whys(b)
            whys.extend((node, w) for w in dummy)
    with torch.no_grad():
        try:
            dists = torch.vmap(distances)(*leaves, *consts)
        except Exception:
            rows = [distances(*[t[i] for t in (*leaves, *consts)]) for i in range(points.shape[0])]
            dists = tuple(torch.stack([r[k] for r in rows]) for k in range(len(whys)))
    for (node, why), dist in zip(whys, dists):
        text = to_text(node)
        text = text if len(text) <= 50 else text[:47] + "..."
        comps = sorted(using.get(id(node), set()))
        for p in torch.nonzero(dist <= tol).flatten().tolist():
            for c in comps:
                found[p].append((c, f"{text} is not differentiable at this point: {why}"))
    return found


def _static_args(b: Any) -> dict[str, Any]:
    """A call's numeric arguments known now (clamp's min=0), as tensors for its kinks function."""
    out: dict[str, Any] = {}
    for k, info in b.infos.items():
        if info.kind == "static" and info.numeric:
            out[k] = torch.tensor(float(info.value), dtype=torch.float64)
    return out


def _kink_whys(b: Any) -> list[str]:
    """The reasons an op's kinks function gives, in order (from a run on dummy zeros)."""
    named: dict[str, Any] = _static_args(b)
    for k, info in b.infos.items():
        if info.kind == "static":
            continue
        if info.kind == "seq":
            named[k] = [torch.zeros(i.shape if i.kind != "static" else (), dtype=torch.float64) for i in info.items]
        else:
            named[k] = torch.zeros(info.shape, dtype=torch.float64)
    return [why for _, why in b.op.kinks(torch, b, named)]


KINK_NOTE = (
    "autograd follows torch's convention at such points; finite differences straddle the kink, "
    "so their disagreement there is expected and does not fail the check"
)
DETACH_NOTE = (
    "finite differences see through detach() (and through the jumps of floor, round and sign): they "
    "differentiate the values, while autograd and SymPy treat a detached value as a constant, so their "
    "disagreement there is expected"
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
    """The outcome at one point: the entries that differ, whether any of them counts, and where
    a source is undefined (nan or inf: never an agreement)."""

    differences: list[dict[str, Any]]
    match: bool
    notes: list[str]
    undefined: dict[str, list[str]] = field(default_factory=dict)


SOURCES = ("autograd", "symbolic", "finite_differences")
_WORDS = {"autograd": "autograd", "symbolic": "SymPy's formula", "finite_differences": "finite differences"}


def _word(v: float) -> str:
    return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")


def compare(
    problem: Problem,
    auto: list[list[float]],
    exact: list[list[float]] | None,
    fd: list[list[float]] | None,
    kinked: list[tuple[int, str]],
    atol: float,
    rtol: float,
    value: list[float] | None = None,
    detached: set[int] | None = None,
) -> Comparison:
    """Entry by entry: autograd vs SymPy and vs finite differences.

    A non-finite entry never agrees: where autograd's entry is nan or inf the check fails and
    says so. Where only a reference is undefined (SymPy's 0/0 at a removable point, finite
    differences of a function that is not finite nearby) that reference is set aside with a
    note; it does not fail the check by itself. At a kink only SymPy counts; through a detach
    finite differences do not count. ``exact`` (``fd``) is None when the SymPy reference
    (finite differences) was too large to compute.
    """
    kink_rows = rows_of_components(problem, {c for c, _ in kinked})
    blind_rows = rows_of_components(problem, detached or set())
    differences: list[dict[str, Any]] = []
    undefined: dict[str, list[str]] = {k: [] for k in SOURCES}
    match = True
    fd_blind_used = False
    for i in range(problem.m):
        a_row = auto[i]
        s_row = exact[i] if exact is not None else [math.nan] * problem.n
        f_row = fd[i] if fd is not None else [math.nan] * problem.n
        for j in range(problem.n):
            a, s_, f = a_row[j], s_row[j], f_row[j]
            label = f"d{problem.rows[i]}/d{problem.columns[j]}"
            if exact is not None and not math.isfinite(s_):
                undefined["symbolic"].append(label)
            if fd is not None and not math.isfinite(f):
                undefined["finite_differences"].append(label)
            if not math.isfinite(a):
                undefined["autograd"].append(label)
                match = False
                differences.append(_entry(problem, i, j, a, s_, f, False, f"autograd gives {_word(a)}"))
                continue
            sym_ok = exact is None or not math.isfinite(s_) or close(a, s_, atol, rtol)
            fd_ok = fd is None or not math.isfinite(f) or close(a, f, atol, rtol)
            if sym_ok and fd_ok:
                continue
            at_kink = i in kink_rows
            through_detach = sym_ok and i in blind_rows and exact is not None and math.isfinite(s_)
            if through_detach:
                fd_blind_used = True
            match = match and (at_kink or through_detach)
            why = "through detach() (expected)" if through_detach and not at_kink else ""
            differences.append(_entry(problem, i, j, a, s_, f, at_kink or through_detach, why))
    notes = list(dict.fromkeys(note for _, note in kinked))
    if kinked:
        notes.append(KINK_NOTE)
    if fd_blind_used:
        notes.append(DETACH_NOTE)
    notes += undefined_notes(undefined)
    if fd is None:
        notes.append(
            f"finite differences were skipped: {problem.n:,} inputs need {2 * problem.n:,} evaluations of f, "
            f"more than the limit of {MAX_FD_OPS:,} element operations"
        )
    return Comparison(differences, match, notes, {k: v for k, v in undefined.items() if v})


def _entry(problem: Problem, i: int, j: int, a: float, s_: float, f: float, expected: bool, why: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "row": problem.rows[i],
        "column": problem.columns[j],
        "autograd": a,
        "symbolic": s_,
        "finite_difference": f,
        "at_kink": expected,
    }
    if why:
        out["why"] = why
    return out


def _labels(labels: list[str], limit: int = 4) -> str:
    shown = ", ".join(labels[:limit])
    return shown + (f" and {len(labels) - limit} more" if len(labels) > limit else "")


def undefined_notes(undefined: dict[str, list[str]]) -> list[str]:
    """Where each source is undefined, in words."""
    notes: list[str] = []
    if undefined.get("autograd"):
        notes.append(
            f"autograd's derivative is undefined (nan or inf) at {_labels(undefined['autograd'])}: a non-finite "
            "entry never agrees, so the check cannot pass there"
        )
    sym = [lab for lab in undefined.get("symbolic", []) if lab not in undefined.get("autograd", [])]
    if sym:
        notes.append(
            f"SymPy's formula is undefined here at {_labels(sym)} (an indeterminate form such as 0/0 at this "
            "point); autograd is compared with finite differences there"
        )
    fdu = [lab for lab in undefined.get("finite_differences", []) if lab not in undefined.get("autograd", [])]
    if fdu:
        notes.append(
            f"finite differences are not finite at {_labels(fdu)} (the function is not finite within eps of the "
            "point); autograd is compared with SymPy there"
        )
    return notes


def isolated_rows(problem: Problem) -> torch.Tensor | None:
    """Each output's row from its own component's graph, so that 0·inf from another output cannot
    reach it (a row of torch's row loop backpropagates a zero into every other output)."""
    if problem.m > 1000 or problem.point is None:
        return None
    built = Built(problem)
    leaves = built.leaves()
    outs = built.component_outputs(leaves)
    n = problem.n
    rows: list[torch.Tensor] = []
    for out in outs:
        flat = out.reshape(-1)
        for k in range(flat.numel()):
            if not flat.requires_grad:
                rows.append(torch.zeros(n, dtype=built.dtype))
                continue
            grads = torch.autograd.grad(flat[k], leaves, retain_graph=True, allow_unused=True)
            parts = [(g if g is not None else torch.zeros_like(t)).reshape(-1) for g, t in zip(grads, leaves)]
            rows.append(torch.cat(parts) if parts else torch.zeros(0, dtype=built.dtype))
    if not rows:
        return torch.zeros(0, n, dtype=built.dtype)
    return torch.stack(rows).detach()


POISONED_NOTE = (
    "check judges each output on its own graph, where the row loop's 0 × inf does not reach it ({where} "
    "come out finite there)"
)


def gradient_verdict(
    problem: Problem, vectors: list[list[float]], symbolic_last: bool, atol: float, rtol: float
) -> tuple[bool, list[str]]:
    """y.sum().backward(), y.backward(ones) and 1ᵀJ (and SymPy's d(Σy)/dx, last) agree, entry by
    entry. A non-finite autograd entry fails with a note; SymPy's undefined entries are set aside."""
    autograd = vectors[:3] if symbolic_last else vectors
    sym = vectors[3] if symbolic_last and len(vectors) > 3 else None
    ok = True
    bad: list[str] = []
    sym_undefined: list[str] = []
    for j in range(problem.n):
        ref = autograd[0][j]
        if not all(math.isfinite(v[j]) for v in autograd):
            bad.append(problem.columns[j])
            ok = False
            continue
        if not all(close(v[j], ref, atol, rtol) for v in autograd[1:]):
            ok = False
        if sym is not None:
            if not math.isfinite(sym[j]):
                sym_undefined.append(problem.columns[j])
            elif not close(sym[j], ref, atol, rtol):
                ok = False
    notes: list[str] = []
    if bad:
        notes.append(
            f"d(Σy)/dx from autograd is undefined (nan or inf) for {_labels(bad)}: the check cannot pass there"
        )
    if sym_undefined:
        notes.append(
            f"SymPy's d(Σy)/dx is undefined here for {_labels(sym_undefined)} (an indeterminate form at this point)"
        )
    return ok, notes
