"""What autograd does with the function: Jacobian rows, vᵀJ, the sum-vs-ones check.

Every engine builds fresh leaf tensors with ``requires_grad=True`` at the point, runs the
function forward, and calls ``backward`` or ``torch.autograd.grad`` exactly as a user
would. Results come back as plain Python lists in ``results`` records.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import NamedTuple

import torch

from . import graphdetail
from .build import Built
from .engine_results import CheckResult, GraphResult, HessianResult, JacobianResult, JvpResult, ProductResult
from .errors import InputError
from .expr import Call, Local, Var, walk
from .methods import choose_method as choose_method
from .methods import graph_size as graph_size
from .problem import Problem, check_cotangent, check_jacobian_size
from .results import METHOD_DETAIL as METHOD_DETAIL
from .results import Header, close, max_abs_diff, method_detail, nonfinite_notes, point_notes, vector_notes

METHODS = ("auto", "rows", "batched", "jacrev", "forward")
Progress = Callable[[int, int], None]


# A block of one-hot cotangents or tangents costs block × (m or n) floats per graph node.
_BLOCK_ELEMENTS = 1 << 22


class _Entry(NamedTuple):
    problem: Problem  # held, so that its id is not reused while the entry lives
    built: Built
    nodes: int  # methods.graph_size of the problem


_BUILT: dict[int, _Entry] = {}
_BUILT_LOCK = threading.Lock()  # the explorer computes in worker threads
_BUILT_KEEP = 2


def _entry(problem: Problem) -> _Entry:
    """The problem's function in torch, built once per problem: a command that runs several
    engines on one problem (jacobian's notes, check, jvp with v) or runs one engine again
    builds it once. Only what depends on the problem alone is kept; leaves are fresh each time."""
    with _BUILT_LOCK:
        hit = _BUILT.get(id(problem))
        if hit is not None and hit.problem is problem:
            return hit
    entry = _Entry(problem, Built(problem), graph_size(problem))
    with _BUILT_LOCK:
        while len(_BUILT) >= _BUILT_KEEP:
            del _BUILT[next(iter(_BUILT))]
        _BUILT[id(problem)] = entry
    return entry


def built(problem: Problem) -> Built:
    return _entry(problem).built


def require_point(problem: Problem, command: str) -> None:
    """Engines evaluate at a point; a problem without one is a usage error, not a TypeError."""
    if problem.point is None:
        raise InputError(f"{command} needs a point: give --at with one value per input ({', '.join(problem.names)})")


def _no_graph(problem: Problem) -> bool:
    """The output has no grad_fn: it does not depend on any leaf (not merely a zero derivative)."""
    built = _entry(problem).built
    return not built.of_leaves(*built.leaves()).requires_grad


def _zero(leaves: list[torch.Tensor]) -> None:
    for t in leaves:
        if t.grad is not None:
            if t.grad._is_zerotensor():  # torch.sgn's gradient: an immutable zero (zero_() raises)
                t.grad = None
            else:
                t.grad.zero_()


def flat_grads(leaves: list[torch.Tensor]) -> torch.Tensor:
    """Every leaf's .grad flattened into one vector (zeros where a leaf got none)."""
    parts = [(t.grad if t.grad is not None else torch.zeros_like(t)).reshape(-1) for t in leaves]
    return torch.cat(parts) if len(parts) != 1 else parts[0].clone()


def _values(t: torch.Tensor) -> list[float]:
    return t.detach().to(torch.float64).reshape(-1).tolist()


# ---- the Jacobian ------------------------------------------------------------


def jacobian_rows(built: Built, leaves: list[torch.Tensor], y: torch.Tensor, progress: Progress | None) -> torch.Tensor:
    """The seed's loop: for each i, y.backward(e_i, retain_graph=True); row i = x.grad; zero it."""
    m, n = y.numel(), sum(t.numel() for t in leaves)
    jac = torch.zeros(m, n, dtype=built.dtype)
    if not y.requires_grad:
        return jac  # y does not depend on the inputs
    for i in range(m):
        e = torch.zeros(m, dtype=built.dtype)
        e[i] = 1.0
        y.backward(e.reshape(y.shape), retain_graph=True)
        jac[i] = flat_grads(leaves)
        _zero(leaves)
        if progress is not None:
            progress(i + 1, m)
    return jac


def jacobian_batched(built: Built, leaves: list[torch.Tensor], y: torch.Tensor) -> torch.Tensor:
    """The same one-hot rows in one vectorised call (in blocks, to bound memory)."""
    m, n = y.numel(), sum(t.numel() for t in leaves)
    jac = torch.zeros(m, n, dtype=built.dtype)
    if not y.requires_grad or m == 0:
        return jac
    block = max(1, min(m, _BLOCK_ELEMENTS // max(m, n, 1)))
    for start in range(0, m, block):
        stop = min(m, start + block)
        eye = torch.zeros(stop - start, m, dtype=built.dtype)
        eye[torch.arange(stop - start), torch.arange(start, stop)] = 1.0
        grads = torch.autograd.grad(
            y,
            leaves,
            eye.reshape(stop - start, *y.shape),
            retain_graph=True,
            is_grads_batched=True,
            allow_unused=True,
        )
        parts = [
            (g if g is not None else torch.zeros(stop - start, *t.shape, dtype=built.dtype)).reshape(stop - start, -1)
            for g, t in zip(grads, leaves)
        ]
        jac[start:stop] = torch.cat(parts, dim=1)
    return jac


def _block(rows: int, m: int, n: int, nodes: int = 1) -> int:
    """Rows (or columns) per vmapped call: _BLOCK_ELEMENTS per basis block, or more while the
    graph is small (8 x _BLOCK_ELEMENTS over all its nodes), so that a small dense function
    runs in one call, as torch.func.jacrev does."""
    width = max(m, n, 1)
    return max(1, min(rows, max(_BLOCK_ELEMENTS // width, 8 * _BLOCK_ELEMENTS // (width * max(nodes, 1)))))


def _one_hot(start: int, stop: int, size: int, dtype: torch.dtype) -> torch.Tensor:
    basis = torch.zeros(stop - start, size, dtype=dtype)
    basis.diagonal(offset=start).fill_(1.0)  # rows e_start .. e_(stop-1), as torch.func.jacrev fills its basis
    return basis


def _flat(parts: tuple[torch.Tensor, ...], count: int) -> torch.Tensor:
    """Per-leaf batched results (count, *leaf shape) side by side: (count, n)."""
    flat = [p.reshape(count, -1) for p in parts]
    return flat[0] if len(flat) == 1 else torch.cat(flat, dim=1)


def jacobian_jacrev(
    built: Built, primals: list[torch.Tensor], nodes: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """(y, J): one torch.func.vjp, its pullback vmapped over blocks of one-hot rows (torch.func.jacrev's way)."""
    y, pullback = torch.func.vjp(built.of_leaves, *primals)[:2]
    m, n = y.numel(), sum(t.numel() for t in primals)
    block = _block(m, m, n, graph_size(built.problem) if nodes is None else nodes)
    if m == 0 or block >= m:
        return y, _flat(torch.vmap(pullback)(_one_hot(0, m, m, built.dtype).reshape(m, *y.shape)), m)
    jac = torch.empty(m, n, dtype=built.dtype)
    for start in range(0, m, block):
        stop = min(m, start + block)
        rows = torch.vmap(pullback)(_one_hot(start, stop, m, built.dtype).reshape(stop - start, *y.shape))
        jac[start:stop] = _flat(rows, stop - start)
    return y, jac


def jacobian_forward(
    built: Built, primals: list[torch.Tensor], nodes: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """(y, J): columns J e_j by forward mode, torch.func.jvp vmapped over blocks of the basis."""
    sizes = [t.numel() for t in primals]
    n = sum(sizes)
    y0 = built.of_leaves(*primals)
    m = y0.numel()
    if n == 0:
        return y0, torch.zeros(m, n, dtype=built.dtype)

    def column(u: torch.Tensor) -> torch.Tensor:
        tangents = tuple(part.reshape(t.shape) for part, t in zip(torch.split(u, sizes), primals))
        return torch.func.jvp(built.of_leaves, tuple(primals), tangents)[1].reshape(-1)

    block = _block(n, m, n, graph_size(built.problem) if nodes is None else nodes)
    if block >= n:
        return y0, torch.vmap(column)(_one_hot(0, n, n, built.dtype)).T
    jac = torch.empty(m, n, dtype=built.dtype)
    for start in range(0, n, block):
        stop = min(n, start + block)
        jac[:, start:stop] = torch.vmap(column)(_one_hot(start, stop, n, built.dtype)).T
    return y0, jac


def compute_jacobian(
    problem: Problem, method: str = "auto", progress: Progress | None = None
) -> tuple[torch.Tensor, torch.Tensor, str]:
    """(y, J, method that ran) at the problem's point."""
    if method not in METHODS:
        raise InputError(f"--method {method!r} is not one of {', '.join(METHODS)}")
    require_point(problem, "jacobian")
    check_jacobian_size(problem)
    entry = _entry(problem)
    built = entry.built
    if method == "auto":
        method = choose_method(problem, reverse="jacrev", nodes=entry.nodes)
    if method in ("jacrev", "forward"):  # torch.func: plain tensors in, no graph kept
        primals = built.leaves(requires_grad=False)
        y, jac = (jacobian_jacrev if method == "jacrev" else jacobian_forward)(built, primals, entry.nodes)
        return y.detach(), jac, method
    leaves = built.leaves()
    y = built.of_leaves(*leaves)
    if method == "rows":
        jac = jacobian_rows(built, leaves, y, progress)
    else:
        jac = jacobian_batched(built, leaves, y)
    return y.detach(), jac, method


def no_graph_note(problem: Problem) -> str:
    """What torch would say where no output depends on a differentiated input, and why vjp shows zeros."""
    what = ", ".join(problem.leaf_names) or "no input"
    return (
        f"no output depends on the differentiated inputs ({what}): torch's y.backward() would raise "
        '"element 0 of tensors does not require grad and does not have a grad_fn"; vjp shows the '
        "Jacobian torch.autograd.functional.jacobian gives, zeros (check --wrt, and detach() in the expression)"
    )


def cut_components_note(problem: Problem) -> str | None:
    """Components that use an input yet depend on no differentiated one (a constant by --wrt, or
    cut by detach()): their rows are zero, where torch's backward() on them alone would raise."""
    comps = problem.function.components
    if len(comps) < 2:
        return None  # one component: no_graph_note says it for the whole output
    if not problem.const_inputs and not any(
        isinstance(n, Call) and not problem.bound(n).op.differentiable and not problem.bound(n).op.constant
        for root in (*comps, *(st.value for st in problem.function.statements))
        for n in walk(root)
    ):
        return None  # every input differentiated and nothing cut: no component can lose its graph
    uses = [any(isinstance(n, (Var, Local)) for n in walk(c)) for c in comps]
    if not any(uses):
        return None
    built = _entry(problem).built
    leaves = built.leaves()
    values = built.probe(comps)(leaves, built.constants())
    cut = [i for i, (v, u) in enumerate(zip(values, uses)) if u and isinstance(v, torch.Tensor) and not v.requires_grad]
    if not cut or len(cut) == len(comps):
        return None
    y = problem.output_name
    names = ", ".join(f"{y}{i}" for i in cut[:6]) + (", ..." if len(cut) > 6 else "")
    what = ", ".join(problem.leaf_names) or "no input"
    one = len(cut) == 1
    return (
        f"{names} {'depends' if one else 'depend'} on no differentiated input ({what}): "
        f"{'its Jacobian row is' if one else 'their Jacobian rows are'} zero, where torch's backward() on "
        f'{"it" if one else "them"} alone would raise "element 0 of tensors does not require grad and does not '
        'have a grad_fn"'
    )


def jacobian(
    problem: Problem, method: str = "auto", progress: Progress | None = None, verbose: bool = False
) -> JacobianResult:
    y, jac, ran = compute_jacobian(problem, method, progress)
    value = _values(y)
    rows = [[float(v) for v in row] for row in jac.tolist()]
    notes = point_notes(problem, value, rows)
    if problem.m and problem.n and not bool(jac.any()) and _no_graph(problem):
        notes.insert(0, no_graph_note(problem))
    elif problem.m and problem.n and not bool(jac.all()):
        cut = cut_components_note(problem)
        if cut:
            notes.insert(0, cut)
    det = rank = cond = None
    if problem.m == problem.n and problem.n > 0:
        j64 = jac.to(torch.float64)
        if torch.isfinite(j64).all():
            det = float(torch.linalg.det(j64))
            found = None
            if verbose or problem.n <= 1000:
                found = int(torch.linalg.matrix_rank(j64))  # the SVD's own tolerance: singular to working precision
            if verbose:
                rank = found
                cond = float(torch.linalg.cond(j64))
            if found is not None and found < problem.n:
                why = "" if det == 0.0 else f" (det J = {det:.3g} is rounding, not a sign that J is invertible)"
                notes.append(f"J is singular to working precision: rank {found} of {problem.n}{why}")
    header = Header.of("jacobian", problem, value)
    return JacobianResult(header, rows, ran, method_detail(ran, header), det, rank, cond, notes=notes)


# ---- vᵀJ -----------------------------------------------------------------------

IMPLICIT_HINT = (
    "Pass --v with one value per output (vᵀJ is then x.grad), or use `vjp check` to compare "
    "y.sum().backward() with y.backward(torch.ones_like(y))"
)


def product(problem: Problem, v: tuple[float, ...] | None, command: str = "product") -> ProductResult:
    """x.grad after one y.backward(v): vᵀJ. Without v, only a scalar y may backward()."""
    require_point(problem, command)
    if v is not None:
        from .points import Value

        v = check_cotangent(problem, Value((len(v),), tuple(v)))
    built = _entry(problem).built
    leaves = built.leaves()
    y = built.of_leaves(*leaves)
    notes: list[str] = []
    if v is None:
        if y.numel() != 1:
            reason = "grad can be implicitly created only for scalar outputs"
            if y.requires_grad:
                try:
                    y.backward()  # let torch say it in its own words
                except RuntimeError as err:
                    reason = str(err).strip().splitlines()[0]
            raise InputError(
                f"y has {y.numel()} elements (shape {tuple(y.shape)}), and torch refuses y.backward() without "
                f'a gradient: "{reason}". {IMPLICIT_HINT}'
            )
        method = "y.backward()  (a scalar y: the gradient is an implicit 1)"
        if y.requires_grad:
            y.backward()
    else:
        vt = torch.tensor(v, dtype=built.dtype).reshape(y.shape)
        method = "y.backward(v)"
        if y.requires_grad:
            y.backward(vt)
    if not y.requires_grad:
        notes.append(no_graph_note(problem))
    vjp = _values(flat_grads(leaves))
    value = _values(y)
    del built, leaves, y  # the tensors (and .grad) go before the header copies the point: a huge point's peak memory
    notes += point_notes(problem, value, vjp=vjp)
    header = Header.of(command, problem, value)
    return ProductResult(header, list(v) if v is not None else None, vjp, method, notes=notes)


# ---- the sum-vs-ones check, and the Jacobian three ways ----------------------------------------


def check(
    problem: Problem, atol: float = 1e-5, rtol: float = 1e-3, method: str = "auto", eps: float = 1e-6
) -> CheckResult:
    """y.sum().backward(), y.backward(ones), 1ᵀJ and SymPy's d(Σy)/dx, side by side; and
    the autograd Jacobian against SymPy's exact one and central finite differences."""
    from . import symbolic, threeways  # SymPy only for the commands that compare with it

    require_point(problem, "check")
    built = _entry(problem).built
    leaves = built.leaves()
    y = built.of_leaves(*leaves)
    notes: list[str] = []
    if y.requires_grad:
        y.sum().backward(retain_graph=True)
        g_sum = _values(flat_grads(leaves))
        _zero(leaves)
        y.backward(torch.ones_like(y), retain_graph=True)
        g_ones = _values(flat_grads(leaves))
        _zero(leaves)
    else:
        g_sum = g_ones = [0.0] * problem.n
        notes.append(no_graph_note(problem))
    _, jac, ran = compute_jacobian(problem, method)
    colsums = _values(jac.sum(dim=0)) if problem.m else [0.0] * problem.n
    point = problem.point or ()
    points = torch.tensor([list(point)], dtype=torch.float64).reshape(1, problem.n_all)
    try:
        grad, _ = symbolic.gradient_of_sum(problem)
        exact = threeways.exact_values(problem, grad, points)[0].tolist()
        sym_jac: list[list[float]] | None = threeways.exact_jacobians(problem, points)[0].tolist()
    except symbolic.SymbolicReferenceError as e:
        exact, sym_jac = [math.nan] * problem.n, None
        skipped = [f"the SymPy reference was skipped: {e}"]
    except (ValueError, TypeError, ArithmeticError) as e:  # a SymPy form with no numeric rule
        exact, sym_jac = [math.nan] * problem.n, None
        skipped = [f"the SymPy reference was skipped: its formula could not be evaluated ({e})"]
    else:
        skipped = []
    vectors = [g_sum, g_ones, colsums] + ([exact] if sym_jac is not None else [])
    grads_match, grad_notes = threeways.gradient_verdict(problem, vectors, sym_jac is not None, atol, rtol)
    auto_jac = [[float(v) for v in row] for row in jac.tolist()]
    judged = auto_jac
    isolated = threeways.isolated_rows(problem)
    if isolated is not None and isolated.shape == jac.shape:
        own = [[float(v) for v in row] for row in isolated.tolist()]
        poisoned = [
            f"d{problem.rows[i]}/d{problem.columns[j]}"
            for i in range(problem.m)
            for j in range(problem.n)
            if math.isnan(auto_jac[i][j]) and math.isfinite(own[i][j])
        ]
        if poisoned:
            notes.append(threeways.POISONED_NOTE.format(where=", ".join(poisoned[:4])))
            judged = own
    fd_all = threeways.finite_differences(problem, points, eps)
    fd_jac = fd_all[0].tolist() if fd_all is not None else None
    value = _values(y)
    outcome = threeways.compare(
        problem,
        judged,
        sym_jac,
        fd_jac,
        threeways.kinks(problem, points, eps)[0],
        atol,
        rtol,
        value,
        threeways.detached_components(problem),
    )
    notes += outcome.notes + grad_notes + skipped + point_notes(problem, value, auto_jac, grad=g_sum)
    return CheckResult(
        Header.of("check", problem, value),
        g_sum,
        g_ones,
        colsums,
        exact,
        grads_match and outcome.match,
        max_abs_diff(vectors),
        atol,
        rtol,
        ran,
        jacobian=auto_jac,
        symbolic_jacobian=sym_jac,
        finite_differences=fd_jac,
        eps=eps,
        differences=outcome.differences,
        undefined=outcome.undefined,
        notes=notes,
    )


# ---- forward mode, Hessians, the graph ------------------------------------------------------------


def jvp(
    problem: Problem, u: tuple[float, ...], v: tuple[float, ...] | None = None, atol: float = 1e-5, rtol: float = 1e-3
) -> JvpResult:
    """J·u from forward mode (dual numbers, torch.autograd.forward_ad); with v, also vᵀ(Ju) = (vᵀJ)u."""
    import torch.autograd.forward_ad as forward_ad

    require_point(problem, "jvp")

    built = _entry(problem).built
    primals = built.leaves(requires_grad=False)
    sizes = [t.numel() for t in primals]
    tangent = torch.tensor(u, dtype=built.dtype)
    tangents = [part.reshape(t.shape) for part, t in zip(torch.split(tangent, sizes), primals)]
    with forward_ad.dual_level():
        duals = [forward_ad.make_dual(p, t) for p, t in zip(primals, tangents)]
        y = built.of_leaves(*duals)
        unpacked = forward_ad.unpack_dual(y)
        value = _values(unpacked.primal)
        ju = _values(unpacked.tangent) if unpacked.tangent is not None else [0.0] * problem.m
    notes = nonfinite_notes(problem, value) + vector_notes("J·u", problem.rows, ju)
    header = Header.of("jvp", problem, value)
    if v is None:
        return JvpResult(header, list(u), ju, notes=notes)
    prod = product(problem, v)
    vt_ju = math.fsum(a * b for a, b in zip(v, ju))
    vjp_u = math.fsum(a * b for a, b in zip(prod.vjp, u))
    return JvpResult(header, list(u), ju, list(v), prod.vjp, vt_ju, vjp_u, close(vt_ju, vjp_u, atol, rtol), notes=notes)


def hessian(problem: Problem, atol: float = 1e-5, rtol: float = 1e-3) -> HessianResult:
    """The Hessian of each output element by double backward, beside SymPy's."""
    from . import symbolic
    from .problem import MAX_JACOBIAN

    require_point(problem, "hessian")
    m, n = problem.m, problem.n
    if m * n * n > MAX_JACOBIAN:
        raise InputError(f"{m} Hessians of {n} x {n} are {m * n * n:,} entries; the limit is {MAX_JACOBIAN:,}")
    built = _entry(problem).built
    leaves = built.leaves()
    y = built.of_leaves(*leaves).reshape(-1)
    out: list[list[list[float]]] = []
    eye = torch.eye(n, dtype=built.dtype)
    for i in range(m):
        if not y.requires_grad:
            out.append([[0.0] * n for _ in range(n)])
            continue
        grads = torch.autograd.grad(y[i], leaves, create_graph=True, allow_unused=True, retain_graph=True)
        g = torch.cat([(gr if gr is not None else torch.zeros_like(t)).reshape(-1) for gr, t in zip(grads, leaves)])
        if not g.requires_grad:  # linear: the gradient is constant
            out.append([[0.0] * n for _ in range(n)])
            continue
        rows = torch.autograd.grad(g, leaves, eye, retain_graph=True, is_grads_batched=True, allow_unused=True)
        h = torch.cat(
            [
                (r if r is not None else torch.zeros(n, *t.shape, dtype=built.dtype)).reshape(n, -1)
                for r, t in zip(rows, leaves)
            ],
            dim=1,
        )
        out.append([[float(v) for v in row] for row in h.tolist()])
    skipped: list[str] = []
    try:
        from . import threeways

        sym_h, _ = symbolic.hessians(problem)
        points = torch.tensor([list(problem.point or ())], dtype=torch.float64).reshape(1, problem.n_all)
        flat = threeways.exact_values(problem, [e for h in sym_h for row in h for e in row], points)[0].tolist()
    except (symbolic.SymbolicReferenceError, ValueError, TypeError, ArithmeticError) as e:
        flat = [math.nan] * (m * n * n)
        skipped.append(f"the SymPy reference was skipped: {e}")
    sym = [[flat[(i * n + r) * n : (i * n + r + 1) * n] for r in range(n)] for i in range(m)]
    symmetric = all(close(h[r][c], h[c][r], atol, rtol) for h in out for r in range(n) for c in range(n))
    # a non-finite autograd entry never agrees; SymPy's own indeterminate forms are set aside
    sym_undefined = sum(1 for s_ in sym for row in s_ for b in row if not math.isfinite(b))
    match = not skipped and all(
        close(a, b, atol, rtol) or (math.isfinite(a) and not math.isfinite(b))
        for h, s_ in zip(out, sym)
        for ra, rb in zip(h, s_)
        for a, b in zip(ra, rb)
    )
    if sym_undefined and not skipped:
        skipped.append(
            f"SymPy's second derivatives are undefined here in {sym_undefined} entries (an indeterminate form)"
        )
    value = _values(y)
    bad = [problem.rows[i] for i, h in enumerate(out) if not all(math.isfinite(e) for row in h for e in row)]
    hess_notes = [f"the Hessian of {', '.join(bad[:6])} has non-finite entries"] if bad else []
    return HessianResult(
        Header.of("hessian", problem, value),
        out,
        sym,
        symmetric,
        match,
        atol,
        rtol,
        notes=nonfinite_notes(problem, value) + hess_notes + skipped,
    )


def graph(problem: Problem, limit: int = 2000) -> GraphResult:
    """y.grad_fn and its next_functions, down to AccumulateGrad for each leaf."""
    require_point(problem, "graph")
    built = _entry(problem).built
    leaves = built.leaves()
    with graphdetail.Outputs() as outputs:  # each op's output, for the drawing (vjp graph --format dot)
        y = built.of_leaves(*leaves)
    leaf_list = [problem.leaf_name] if problem.single_leaf else list(problem.leaf_names)
    leaf_names = {id(t): name for t, name in zip(leaves, leaf_list)}
    addresses = graphdetail.leaf_addresses(leaves, leaf_list, list(problem.leaf_names) if problem.single_leaf else None)
    seen: dict[int, int] = {}
    count = 0

    def node(fn: object) -> dict[str, object]:
        nonlocal count
        count += 1
        name = type(fn).__name__
        out: dict[str, object] = {"name": name}
        var = getattr(fn, "variable", None)
        if var is not None:
            out["variable"] = leaf_names.get(id(var), "?")
            out["shape"] = list(var.shape)
            leaf_value = graphdetail.values(var)
            if leaf_value is not None:
                out["value"] = leaf_value
        key = id(fn)
        if key in seen:
            out["id"] = seen[key]
            out["repeat"] = True  # already drawn above: the graph is a DAG
            out["children"] = []
            return out
        seen[key] = len(seen)
        out["id"] = seen[key]
        if var is None:
            out["outputs"] = outputs.of(fn)
            out["saved"] = graphdetail.saved(fn, addresses)
        children: list[dict[str, object]] = []
        for nxt, _ in getattr(fn, "next_functions", ()):
            if nxt is None:
                continue
            if count >= limit:
                children.append({"name": "…", "children": []})
                break
            children.append(node(nxt))
        out["children"] = children
        return out

    tree = (
        node(y.grad_fn)
        if y.grad_fn is not None
        else {"name": "(no grad_fn: y does not depend on the inputs)", "children": []}
    )
    header = Header.of("graph", problem, _values(y))
    notes = [] if count < limit else [f"the graph is cut at {limit} nodes"]
    notes += [f"{text}: the graph stops here, so nothing below it gets a gradient" for text in cuts(problem)]
    const = [i.name for i in problem.const_inputs]
    if const:
        notes.append(f"{', '.join(const)}: constant (not in --wrt), so no AccumulateGrad node")
    return GraphResult(header, tree, len(seen), notes=notes)


def cuts(problem: Problem) -> list[str]:
    """Where the function stops the gradient: each detach() / stop_gradient() as written."""
    from .expr import Call, to_text, walk

    out: list[str] = []
    roots = [*(s.value for s in problem.function.statements), *problem.function.components]
    for root in roots:
        for node in walk(root):
            if isinstance(node, Call) and node.op == "detach":
                text = to_text(node)
                if text not in out:
                    out.append(text if len(text) <= 60 else text[:57] + "...")
    return out


def symbolic_jacobian(problem: Problem) -> tuple[Header, list[list[str]]]:
    from . import symbolic

    return symbolic.symbolic_jacobian(problem)
