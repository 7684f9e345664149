"""Expression tree -> SymPy, and exact derivatives: the independent reference.

SymPy differentiates the same tree that ``build.py`` turns into torch. Tensor variables
expand to one real symbol per element (``x[0]``, ``A[1,2]``), so tensor functions have
exact Jacobians too. Each call's SymPy form comes from the catalogue (an op without one
raises NoSymbolicForm, naming it); the helpers here (``map1``, ``reduce``, ``matmul``,
``softmax``...) are what those forms are written with. SymPy objects are built directly
from the tree; no user text is ever given to ``sympify`` or ``parse_expr``. Imports no
torch: numbers come out through ``symeval.py``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any, TypeVar

import sympy
import sympy as sp

from . import catalogue
from .errors import VjpError
from .expr import (
    Add,
    Call,
    Compare,
    Const,
    Index,
    Lit,
    Local,
    Logic,
    MatMul,
    Mul,
    Neg,
    Node,
    Not,
    Num,
    Pow,
    Seq,
    Str,
    Var,
    walk,
)
from .problem import Problem
from .shapes import Shape, broadcast, matmul_shape, numel, strides

# ---- functions SymPy lacks, named as users type them ----------------------------------------


class _Real(sympy.Function):
    """A real function of a real argument (so SymPy does not bring in re() and im())."""

    def _eval_is_extended_real(self) -> bool | None:
        return self.args[0].is_extended_real


class sigmoid(_Real):  # noqa: N801 - named as the user types it
    """1/(1 + exp(-x)); derivative sigmoid(x)*(1 - sigmoid(x))."""

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, x: sympy.Expr, **kwargs: Any) -> sympy.Expr:
        return 1 / (1 + sympy.exp(-x))


class softplus(_Real):  # noqa: N801
    """log(1 + exp(x)); derivative sigmoid(x). torch is linear above 20, within 2e-9."""

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return sigmoid(self.args[0])


class relu(_Real):  # noqa: N801
    """max(x, 0); derivative Heaviside(x) with value 0 at 0, as torch."""

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return sympy.Heaviside(self.args[0], 0)


class _Step(_Real):
    """A piecewise-constant function: derivative 0 (SymPy leaves floor's unevaluated)."""

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return sympy.Integer(0)


class floor(_Step):  # noqa: N801
    pass


class ceil(_Step):  # noqa: N801
    pass


class trunc(_Step):  # noqa: N801
    pass


class round_half_even(_Step):  # noqa: N801
    pass


class stop_gradient(_Real):  # noqa: N801
    """detach(): the value of its argument, derivative 0 (autograd treats it as a constant)."""

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return sympy.Integer(0)


STEP_FUNCTIONS = {"floor": floor, "ceil": ceil, "trunc": trunc, "round_half_even": round_half_even}


class SymbolicReferenceError(VjpError):
    """The exact SymPy reference cannot be had: too large to compute, or SymPy gave up."""


class NoSymbolicForm(SymbolicReferenceError):  # noqa: N818 - reads as the sentence it raises
    """An operation without a SymPy form in the catalogue: numeric commands still work."""


# ---- tensors of SymPy expressions --------------------------------------------------------------


@dataclass(frozen=True)
class SymTensor:
    """A tensor of SymPy expressions: shape and row-major elements."""

    shape: Shape
    items: tuple[sympy.Expr, ...]

    def at(self, flat_index: int) -> sympy.Expr:
        return self.items[flat_index]


@dataclass(frozen=True)
class Pair:
    """(values, indices) or (sign, logabsdet): the parts a pair-returning op gives."""

    values: SymTensor
    second: SymTensor | None = None

    @property
    def parts(self) -> tuple[Any, ...]:
        return (self.values, self.second)


def number(value: Any) -> sympy.Expr:
    """A Python number as an exact SymPy number where it is one (0.5 -> 1/2, 2 -> 2)."""
    if isinstance(value, bool):
        return sympy.Integer(int(value))
    if isinstance(value, int):
        return sympy.Integer(value)
    if isinstance(value, Fraction):
        return sympy.Rational(value.numerator, value.denominator)
    if isinstance(value, float):
        if math.isinf(value):
            return sympy.oo if value > 0 else -sympy.oo
        if value.is_integer() and abs(value) < 2**53:
            return sympy.Integer(int(value))
        frac = Fraction(value).limit_denominator(10**12)
        if float(frac) == value:
            return sympy.Rational(frac.numerator, frac.denominator)
        return sympy.Float(value, 17)
    return sympy.sympify(value) if isinstance(value, sympy.Basic) else sympy.Float(float(value), 17)


def expand(t: SymTensor, shape: Shape) -> tuple[sympy.Expr, ...]:
    """t's elements broadcast to ``shape`` (torch rules), row-major."""
    if t.shape == shape:
        return t.items
    if not t.shape:
        return t.items * numel(shape)
    pad = (1,) * (len(shape) - len(t.shape)) + t.shape
    st = strides(pad)
    out: list[sympy.Expr] = []
    for flat in range(numel(shape)):
        k, rem = 0, flat
        for axis in range(len(shape) - 1, -1, -1):
            i = rem % shape[axis]
            rem //= shape[axis]
            if pad[axis] != 1:
                k += i * st[axis]
        out.append(t.items[k])
    return tuple(out)


def map1(t: SymTensor, fn: Callable[[sympy.Expr], sympy.Expr]) -> SymTensor:
    return SymTensor(t.shape, tuple(fn(e) for e in t.items))


def zipwith(parts: Sequence[Any], fn: Callable[..., sympy.Expr], shape: Shape | None = None) -> SymTensor:
    parts = [as_tensor(p) for p in parts]
    if shape is None:
        shape = parts[0].shape
        for p in parts[1:]:
            shape = broadcast(shape, p.shape)
    cols = [expand(p, shape) for p in parts]
    return SymTensor(shape, tuple(fn(*args) for args in zip(*cols)))


def as_tensor(value: Any) -> SymTensor:
    if isinstance(value, SymTensor):
        return value
    if isinstance(value, Pair):
        raise NoSymbolicForm("a (values, indices) pair used as a tensor")
    return SymTensor((), (value if isinstance(value, sympy.Basic) else number(value),))


def reduce(t: SymTensor, dims: Sequence[int], keepdim: bool, op: Callable[[list[sympy.Expr]], sympy.Expr]) -> SymTensor:
    """Reduce over ``dims`` (all of them when empty on a 0-d tensor)."""
    shape = t.shape
    if not shape:
        return SymTensor((), (op([t.items[0]]),))
    dims = sorted(dims)
    keep = [i for i in range(len(shape)) if i not in dims]
    out_shape = tuple(1 if (i in dims and keepdim) else s for i, s in enumerate(shape) if keepdim or i not in dims)
    groups: dict[tuple[int, ...], list[sympy.Expr]] = {}
    st = strides(shape)
    for flat in range(numel(shape)):
        idx = [(flat // st[a]) % shape[a] for a in range(len(shape))]
        key = tuple(idx[a] for a in keep)
        groups.setdefault(key, []).append(t.items[flat])
    items = [op(groups[k]) for k in sorted(groups)]
    return SymTensor(out_shape, tuple(items))


def scan(t: SymTensor, dim: int, op: Callable[[sympy.Expr, sympy.Expr], sympy.Expr]) -> SymTensor:
    shape = t.shape
    if not shape:
        return t
    st = strides(shape)
    items = list(t.items)
    out = list(items)
    for flat in range(numel(shape)):
        i = (flat // st[dim]) % shape[dim]
        if i > 0:
            out[flat] = op(out[flat - st[dim]], items[flat])
    return SymTensor(shape, tuple(out))


def gather(t: SymTensor, shape: Shape, source: Callable[[tuple[int, ...]], int | None]) -> SymTensor:
    """A new tensor of ``shape`` whose element at each index is t's element ``source(index)`` (0 for None)."""
    st = strides(shape)
    zero = sympy.Integer(0)
    out: list[sympy.Expr] = []
    for flat in range(numel(shape)):
        idx = tuple((flat // st[a]) % shape[a] for a in range(len(shape)))
        k = source(idx)
        out.append(zero if k is None else t.items[k])
    return SymTensor(shape, tuple(out))


def permute(t: SymTensor, perm: Sequence[int]) -> SymTensor:
    if not t.shape:
        return t
    shape = tuple(t.shape[p] for p in perm)
    st = strides(t.shape)
    return gather(t, shape, lambda idx: sum(idx[i] * st[p] for i, p in enumerate(perm)))


def flip(t: SymTensor, dims: Sequence[int]) -> SymTensor:
    st = strides(t.shape)
    shape = t.shape
    return gather(t, shape, lambda idx: sum((shape[a] - 1 - i if a in dims else i) * st[a] for a, i in enumerate(idx)))


def index(t: SymTensor, plan: Sequence[Any], sources: Sequence[Any], conv: Any) -> SymTensor:
    """t[plan]: whole numbers, slices, None and arrays of whole numbers (their values known)."""
    from .shapes import Adv, index_sources

    arrays: dict[int, list[int]] = {}
    for k, (p, src) in enumerate(zip(plan, sources)):
        if isinstance(p, Adv):
            if p.values is not None:
                arrays[k] = list(p.values)
                continue
            values = as_tensor(conv.value(src)).items
            if not all(isinstance(v, sympy.Integer) for v in values):
                raise NoSymbolicForm("indexing by an input needs its whole numbers (give a point with --at)")
            arrays[k] = [int(v) for v in values]
    shape, flat = index_sources(t.shape, list(plan), arrays)
    return SymTensor(shape, tuple(t.items[f] for f in flat))


def matmul(a: SymTensor, b: SymTensor, shape: Shape | None = None) -> SymTensor:
    out_shape = matmul_shape(a.shape, b.shape) if shape is None else shape
    a2 = a if len(a.shape) > 1 else SymTensor((1, a.shape[0]), a.items)
    b2 = b if len(b.shape) > 1 else SymTensor((b.shape[0], 1), b.items)
    batch = broadcast(a2.shape[:-2], b2.shape[:-2])
    n, k, p = a2.shape[-2], a2.shape[-1], b2.shape[-1]
    ea = expand(a2, (*batch, n, k))
    eb = expand(b2, (*batch, k, p))
    items: list[sympy.Expr] = []
    for bi in range(numel(batch)):
        oa, ob = bi * n * k, bi * k * p
        for r in range(n):
            for c in range(p):
                items.append(sympy.Add(*[ea[oa + r * k + j] * eb[ob + j * p + c] for j in range(k)]))
    return SymTensor(out_shape, tuple(items))


def tensordot(a: SymTensor, b: SymTensor, da: Sequence[int], db: Sequence[int]) -> SymTensor:
    letters = "abcdefghijklmnopqrstuvwxyz"
    ta = [letters[i] for i in range(len(a.shape))]
    tb = [letters[len(a.shape) + i] for i in range(len(b.shape))]
    for x, y in zip(da, db):
        tb[y] = ta[x]
    out = [c for i, c in enumerate(ta) if i not in da] + [c for i, c in enumerate(tb) if i not in db]
    sizes = {c: s for c, s in zip(ta, a.shape)} | {c: s for c, s in zip(tb, b.shape)}
    return einsum(["".join(ta), "".join(tb)], "".join(out), sizes, [a, b])


def einsum(terms: Sequence[str], out: str, sizes: dict[str, int], operands: Sequence[SymTensor]) -> SymTensor:
    """Einstein summation over the letters of ``terms`` (sizes of 1 broadcast)."""
    sizes = dict(sizes)
    for term, t in zip(terms, operands):
        for ch, n in zip(term, t.shape):
            sizes[ch] = max(sizes.get(ch, n), n)
    letters = list(dict.fromkeys("".join(terms) + out))
    summed = [c for c in letters if c not in out]
    out_shape = tuple(sizes[c] for c in out)
    st_ops = [strides(t.shape) for t in operands]
    items: list[sympy.Expr] = []
    ranges_sum = [range(sizes[c]) for c in summed]
    import itertools

    for out_idx in itertools.product(*(range(sizes[c]) for c in out)):
        env = dict(zip(out, out_idx))
        terms_: list[sympy.Expr] = []
        for s_idx in itertools.product(*ranges_sum):
            env.update(zip(summed, s_idx))
            prod: list[sympy.Expr] = []
            for term, t, st in zip(terms, operands, st_ops):
                flat = sum((env[ch] if t.shape[k] != 1 else 0) * st[k] for k, ch in enumerate(term))
                prod.append(t.items[flat])
            terms_.append(sympy.Mul(*prod))
        items.append(sympy.Add(*terms_))
    return SymTensor(out_shape, tuple(items))


def kron(a: SymTensor, b: SymTensor, shape: Shape) -> SymTensor:
    nd = len(shape)
    pa = (1,) * (nd - len(a.shape)) + a.shape
    pb = (1,) * (nd - len(b.shape)) + b.shape
    sa, sb = strides(pa), strides(pb)
    st = strides(shape)
    out = []
    for flat in range(numel(shape)):
        idx = [(flat // st[k]) % shape[k] for k in range(nd)]
        ia = sum((i // pb[k]) * sa[k] for k, i in enumerate(idx))
        ib = sum((i % pb[k]) * sb[k] for k, i in enumerate(idx))
        out.append(a.items[ia] * b.items[ib])
    return SymTensor(shape, tuple(out))


def cross(a: SymTensor, b: SymTensor, dim: int, shape: Shape) -> SymTensor:
    ea, eb = SymTensor(shape, expand(a, shape)), SymTensor(shape, expand(b, shape))
    st = strides(shape)
    out: list[sympy.Expr] = []
    for flat in range(numel(shape)):
        i = (flat // st[dim]) % 3
        base = flat - i * st[dim]

        j, k = (i + 1) % 3, (i + 2) % 3
        a_j, a_k = ea.items[base + j * st[dim]], ea.items[base + k * st[dim]]
        b_j, b_k = eb.items[base + j * st[dim]], eb.items[base + k * st[dim]]
        out.append(a_j * b_k - a_k * b_j)
    return SymTensor(shape, tuple(out))


def cat(parts: Sequence[SymTensor], dim: int, shape: Shape) -> SymTensor:
    st = strides(shape)
    offsets = []
    acc = 0
    for p in parts:
        offsets.append(acc)
        acc += p.shape[dim]
    out: list[sympy.Expr] = []
    for flat in range(numel(shape)):
        idx = [(flat // st[a]) % shape[a] for a in range(len(shape))]
        i = idx[dim]
        k = max(j for j, o in enumerate(offsets) if o <= i and parts[j].shape[dim] > i - o)
        sub = list(idx)
        sub[dim] = i - offsets[k]
        pst = strides(parts[k].shape)
        out.append(parts[k].items[sum(x * s for x, s in zip(sub, pst))])
    return SymTensor(shape, tuple(out))


def stack(parts: Sequence[SymTensor], dim: int, shape: Shape) -> SymTensor:
    parts = [as_tensor(p) for p in parts]
    unsq = [SymTensor((*p.shape[:dim], 1, *p.shape[dim:]), p.items) for p in parts]
    return cat(unsq, dim, shape)


def tile(t: SymTensor, reps: Sequence[int]) -> SymTensor:
    shape = tuple(r * s for r, s in zip(reps, t.shape))
    st = strides(t.shape)
    return gather(t, shape, lambda idx: sum((i % t.shape[a]) * st[a] for a, i in enumerate(idx)))


def diag(t: SymTensor, k: int, shape: Shape) -> SymTensor:
    if len(t.shape) == 1:
        n = shape[0]

        def src(idx: tuple[int, ...]) -> int | None:
            r, c = idx
            if c - r != k:
                return None
            return r if k >= 0 else c

        return gather(t, (n, n), src)
    r0, c0 = (0, k) if k >= 0 else (-k, 0)
    cols = t.shape[1]
    return gather(t, shape, lambda idx: (r0 + idx[0]) * cols + c0 + idx[0])


def diagonal(t: SymTensor, k: int, d1: int, d2: int, shape: Shape) -> SymTensor:
    rest = [a for a in range(len(t.shape)) if a not in (d1, d2)]
    st = strides(t.shape)
    r0, c0 = (0, k) if k >= 0 else (-k, 0)

    def src(idx: tuple[int, ...]) -> int:
        i = idx[-1]
        full = [0] * len(t.shape)
        for a, v in zip(rest, idx[:-1]):
            full[a] = v
        full[d1], full[d2] = r0 + i, c0 + i
        return sum(v * s for v, s in zip(full, st))

    return gather(t, shape, src)


def tri(t: SymTensor, k: int, lower: bool) -> SymTensor:
    shape = t.shape
    st = strides(shape)

    def src(idx: tuple[int, ...]) -> int | None:
        r, c = idx[-2], idx[-1]
        keep = (c - r <= k) if lower else (c - r >= k)
        return sum(v * s for v, s in zip(idx, st)) if keep else None

    return gather(t, shape, src)


def batched_matrix(t: SymTensor, fn: Callable[[sympy.Matrix], Any], scalar: bool = False) -> SymTensor:
    """``fn`` applied to each square matrix of a batch (det, inv, powers)."""
    n = t.shape[-1]
    batch = t.shape[:-2]
    out: list[sympy.Expr] = []
    for b in range(numel(batch)):
        m = sympy.Matrix(n, n, list(t.items[b * n * n : (b + 1) * n * n]))
        r = fn(m)
        if scalar:
            out.append(r)
        else:
            out.extend(list(r))
    return SymTensor(batch if scalar else t.shape, tuple(out))


def vector_norm(xs: Sequence[sympy.Expr], p: float) -> sympy.Expr:
    if p == 2:
        return sympy.sqrt(sympy.Add(*[x**2 for x in xs]))
    if p == 1:
        return sympy.Add(*[sympy.Abs(x) for x in xs])
    if p == math.inf:
        return maximum(*[sympy.Abs(x) for x in xs])
    if p == -math.inf:
        return minimum(*[sympy.Abs(x) for x in xs])
    if p == 0:
        return sympy.Add(*[sympy.Piecewise((0, sympy.Eq(x, 0)), (1, True)) for x in xs])
    q = number(p)
    return sympy.Add(*[sympy.Abs(x) ** q for x in xs]) ** (1 / q)


def matrix_norm(t: SymTensor, ordv: Any, dims: Sequence[int], keepdim: bool) -> SymTensor:
    d1, d2 = dims
    if ordv == "fro":
        return reduce(t, sorted(dims), keepdim, lambda xs: sympy.sqrt(sympy.Add(*[x**2 for x in xs])))
    # ±1: max/min over columns of the sum over rows of |a|; ±inf: the same with rows and columns swapped
    over, across = (d1, d2) if ordv in (1, -1, 1.0, -1.0) else (d2, d1)
    sums = reduce(map1(t, sympy.Abs), [over], True, lambda xs: sympy.Add(*xs))
    pick = maximum if ordv in (1, 1.0, math.inf) else minimum
    out = reduce(sums, [across], True, lambda xs: pick(*xs))
    if keepdim:
        return out
    shape = tuple(s for i, s in enumerate(t.shape) if i not in (d1, d2))
    return SymTensor(shape, out.items)


def softmax(t: SymTensor, dim: int, kind: str) -> SymTensor:
    if not t.shape:
        return SymTensor((), (sympy.Integer(0 if kind == "log_softmax" else 1),))
    shape = t.shape
    st = strides(shape)
    items = list(t.items)
    out: list[sympy.Expr] = [sympy.Integer(0)] * len(items)
    sign = -1 if kind == "softmin" else 1
    done: set[int] = set()
    for flat in range(len(items)):
        i = (flat // st[dim]) % shape[dim]
        base = flat - i * st[dim]
        if base in done:
            continue
        done.add(base)
        idx = [base + k * st[dim] for k in range(shape[dim])]
        exps = [sympy.exp(sign * items[j]) for j in idx]
        total = sympy.Add(*exps)
        for j, e in zip(idx, exps):
            out[j] = sign * items[j] - sympy.log(total) if kind == "log_softmax" else e / total
    return SymTensor(shape, tuple(out))


def normalize(t: SymTensor, p: float, dim: int, eps: float) -> SymTensor:
    if not t.shape:
        norms = map1(t, lambda x: maximum(vector_norm([x], p), number(eps)))
        return SymTensor((), (t.items[0] / norms.items[0],))
    norms = reduce(t, [dim], True, lambda xs: maximum(vector_norm(xs, p), number(eps)))
    return zipwith([t, norms], lambda x, n: x / n, t.shape)


def layer_norm(t: SymTensor, dims: Sequence[int], eps: float) -> SymTensor:
    n = numel(tuple(t.shape[d] for d in dims))
    mean = reduce(t, dims, True, lambda xs: sympy.Add(*xs) / n)
    centred = zipwith([t, mean], lambda x, m: x - m, t.shape)
    var = reduce(centred, dims, True, lambda xs: sympy.Add(*[x**2 for x in xs]) / n)
    return zipwith([centred, var], lambda c, v: c / sympy.sqrt(v + number(eps)), t.shape)


def cosine_similarity(a: SymTensor, b: SymTensor, shape: Shape, dims: Sequence[int], eps: float) -> SymTensor:
    ea, eb = SymTensor(shape, expand(a, shape)), SymTensor(shape, expand(b, shape))
    dot = reduce(zipwith([ea, eb], lambda x, y: x * y, shape), dims, False, lambda xs: sympy.Add(*xs))
    na = reduce(ea, dims, False, lambda xs: sympy.Add(*[x**2 for x in xs]))
    nb = reduce(eb, dims, False, lambda xs: sympy.Add(*[x**2 for x in xs]))
    e2 = number(eps) ** 2
    # torch: x1·x2 / sqrt(clamp_min(‖x1‖² ‖x2‖², eps²))
    return zipwith([dot, na, nb], lambda d, p, q: d / sympy.sqrt(maximum(p * q, e2)), dot.shape)


def reduction(per: SymTensor, kind: str) -> SymTensor:
    if kind == "none":
        return per
    total = sympy.Add(*per.items)
    return SymTensor((), (total / len(per.items) if kind == "mean" else total,))


def class_loss(
    key: str,
    x: SymTensor,
    target: SymTensor,
    weight: SymTensor | None,
    plan: dict[str, Any],
    kind: str,
    ignore: int,
    smoothing: float,
) -> SymTensor:
    """cross_entropy and nll_loss with class indices (values known) or class probabilities."""
    c_dim, classes = plan["c_dim"], plan["classes"]
    logp = softmax(x, c_dim, "log_softmax") if key == "cross_entropy" else x
    st = strides(x.shape)
    rows = numel(x.shape) // classes
    w = weight.items if weight is not None else [sympy.Integer(1)] * classes
    losses: list[sympy.Expr] = []
    weights: list[sympy.Expr] = []
    for r in range(rows):
        base = r * classes if c_dim == 1 else 0
        step = st[c_dim] if x.shape else 1
        lp = [logp.items[base + c * step] for c in range(classes)]
        if plan["indices"]:
            t = target.items[r]
            if not (isinstance(t, sympy.Integer) or (t.is_number and t == int(t))):
                raise NoSymbolicForm(f"{key} needs the class indices' values (give a point with --at)")
            ti = int(t)
            if ti == ignore:
                losses.append(sympy.Integer(0))
                weights.append(sympy.Integer(0))
                continue
            if smoothing:
                eps = number(smoothing)
                loss = -(1 - eps) * w[ti] * lp[ti] - eps / classes * sympy.Add(*[w[c] * lp[c] for c in range(classes)])
            else:
                loss = -w[ti] * lp[ti]
            losses.append(loss)
            weights.append(w[ti])
        else:
            probs = [target.items[base + c * step] for c in range(classes)]
            if smoothing:
                eps = number(smoothing)
                probs = [p * (1 - eps) + eps / classes for p in probs]
            losses.append(-sympy.Add(*[w[c] * probs[c] * lp[c] for c in range(classes)]))
            weights.append(sympy.Integer(1))
    out_shape = x.shape[:c_dim] + x.shape[c_dim + 1 :]
    if kind == "none":
        return SymTensor(out_shape, tuple(losses))
    total = sympy.Add(*losses)
    if kind == "sum":
        return SymTensor((), (total,))
    denom = sympy.Add(*weights) if plan["indices"] else len(losses)
    return SymTensor((), (total / denom,))


def as_batch(t: SymTensor) -> SymTensor:
    if len(t.shape) == 1:
        return SymTensor((1, t.shape[0]), t.items)
    n = t.shape[-1]
    return SymTensor((numel(t.shape[:-1]), n), t.items)


def leaves(value: Any) -> list[SymTensor]:
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in leaves(v)]
    return [as_tensor(value)]


def maximum(*args: sympy.Expr) -> sympy.Expr:
    """Max; when SymPy cannot order the arguments (max(x, softplus(2))), left unevaluated
    two at a time, so that differentiating it never has to order them either."""
    return _minmax(sympy.Max, args)


def minimum(*args: sympy.Expr) -> sympy.Expr:
    return _minmax(sympy.Min, args)


def _minmax(kind: type, args: tuple[sympy.Expr, ...]) -> sympy.Expr:
    try:
        return kind(*args)
    except (ValueError, TypeError):
        acc = args[0]
        for a in args[1:]:
            acc = kind(acc, a, evaluate=False)
        return acc


def softplus_beta(x: sympy.Expr, beta: sympy.Expr, threshold: float) -> sympy.Expr:
    if beta == 1 and threshold == 20:
        return softplus(x)
    return sympy.Piecewise((x, beta * x > threshold), (sympy.log(1 + sympy.exp(beta * x)) / beta, True))


class _Namespace:
    """What a catalogue SymPy form receives as ``S``: SymPy and the tensor helpers."""

    def __getattr__(self, name: str) -> Any:
        if name == "softplus":
            return softplus_beta
        if name == "sp":
            return sympy
        return globals()[name]


S = _Namespace()


# ---- the tree in SymPy -----------------------------------------------------------------------


class Converter:
    """The SymPy value of each node of one problem's function."""

    def __init__(self, problem: Problem, env: dict[str, SymTensor]) -> None:
        self.problem = problem
        self.env = env
        self.locals: dict[str, Any] = {}
        self.memo: dict[int, Any] = {}

    def run(self) -> list[SymTensor]:
        for st in self.problem.function.statements:
            self.locals[st.key] = self.value(st.value)
        return [as_tensor(self.value(c)) for c in self.problem.function.components]

    def value(self, node: Node) -> Any:
        hit = self.memo.get(id(node))
        if hit is None:
            hit = self._value(node)
            self.memo[id(node)] = hit
        return hit

    def _value(self, node: Node) -> Any:  # noqa: C901 - one branch per node type
        info = self.problem.info(node)
        if info.kind == "static" and not isinstance(info.value, (str, tuple)) and info.value is not None:
            return SymTensor(
                (), (number(info.value) if not isinstance(info.value, bool) else sympy.Integer(int(info.value)),)
            )
        if isinstance(node, Num):
            return SymTensor((), (number(node.value),))
        if isinstance(node, Const):
            return SymTensor((), ({"pi": sympy.pi, "E": sympy.E, "inf": sympy.oo}[node.name],))
        if isinstance(node, (Str, Lit)):
            return node.value
        if isinstance(node, Var):
            return self.env[node.name]
        if isinstance(node, Local):
            return self.locals[node.key]
        if isinstance(node, Neg):
            return map1(as_tensor(self.value(node.arg)), lambda e: -e)
        if isinstance(node, Add):
            parts = [self.value(t) for t in node.terms]
            return zipwith(parts, lambda *xs: sympy.Add(*xs), info.shape)
        if isinstance(node, Mul):
            parts = [self.value(f) for f in node.factors]
            divs = node.divide

            def mul(*xs: sympy.Expr) -> sympy.Expr:
                return sympy.Mul(*[1 / x if d else x for x, d in zip(xs, divs)])

            return zipwith(parts, mul, info.shape)
        if isinstance(node, Pow):
            return zipwith([self.value(node.base), self.value(node.exp)], sympy.Pow, info.shape)
        if isinstance(node, MatMul):
            return matmul(self.tensor_value(node.left), self.tensor_value(node.right), info.shape)
        if isinstance(node, Compare):
            rel = {"<": sympy.Lt, "<=": sympy.Le, ">": sympy.Gt, ">=": sympy.Ge, "==": sympy.Eq, "!=": sympy.Ne}[
                node.op
            ]
            return zipwith([self.value(node.left), self.value(node.right)], lambda a, b: rel(a, b), info.shape)
        if isinstance(node, Logic):
            fn = sympy.And if node.op == "&" else sympy.Or
            return zipwith([self.value(node.left), self.value(node.right)], lambda a, b: fn(a, b), info.shape)
        if isinstance(node, Not):
            return map1(as_tensor(self.value(node.arg)), sympy.Not)
        if isinstance(node, Seq):
            if info.kind == "seq" and _all_static(info):
                from .infer import _literal_shape, literal_values

                shape = _literal_shape(info)
                if shape is not None:
                    return SymTensor(shape, tuple(number(v) for v in literal_values(info)))
            return [self.value(i) for i in node.items]
        if isinstance(node, Index):
            base = self.value(node.base)
            if isinstance(base, Pair):
                k = int(self.problem.info(node.index[0]).value)
                return base.parts[k]
            if isinstance(base, list):
                k = int(self.problem.info(node.index[0]).value)
                return base[k]
            plan, sources = self.problem.analysis.bound[id(node)]  # type: ignore[union-attr,misc]
            return index(as_tensor(base), plan, sources, self)
        if isinstance(node, Call):
            return self._call(node)
        raise TypeError(node)

    def tensor_value(self, node: Node) -> SymTensor:
        value = self.value(node)
        if isinstance(value, list):
            raise NoSymbolicForm("a list used as a tensor")
        return as_tensor(value)

    def _call(self, node: Call) -> Any:
        b = self.problem.bound(node)
        op = b.op
        if op.sym is None:
            raise NoSymbolicForm(f"{node.spelling}() ({op.key}) has no symbolic form")
        tensors: dict[str, Any] = {}
        for key, arg in node.args:
            info = b.infos.get(key)
            if info is None or (
                info.kind == "static" and (info.value is None or isinstance(info.value, (str, bool, tuple)))
            ):
                continue
            if info.kind == "seq" and isinstance(arg, Seq):
                tensors[key] = [self.value(i) for i in arg.items] if not _all_static(info) else self.value(arg)
            else:
                tensors[key] = self.value(arg)
        return op.sym(S, b, tensors)


def _all_static(info: Any) -> bool:
    if info.kind == "seq":
        return all(_all_static(i) for i in info.items)
    return bool(info.kind == "static")


# ---- the problem in SymPy ----------------------------------------------------


def symbols(problem: Problem) -> tuple[dict[str, SymTensor], list[sympy.Symbol]]:
    """One real symbol per input element, named as the columns; the differentiated ones listed
    in --wrt order. Class indices are the whole numbers of the point (or symbols without one)."""
    env: dict[str, SymTensor] = {}
    values = problem.point_values() if problem.point is not None else {}
    by_name: dict[str, tuple[sympy.Symbol, ...]] = {}
    from .problem import index_labels

    for inp in problem.inputs:
        if inp.kind == "index" and inp.name in values:
            env[inp.name] = SymTensor(inp.shape, tuple(sympy.Integer(int(v)) for v in values[inp.name].data))
            continue
        syms = tuple(sympy.Symbol(label, real=True) for label in index_labels(inp.name, inp.shape))
        env[inp.name] = SymTensor(inp.shape, syms)
        by_name[inp.name] = syms
    flat = [s for inp in problem.leaf_inputs for s in by_name.get(inp.name, ())]
    return env, flat


def all_symbols(problem: Problem) -> list[sympy.Symbol]:
    """Every input element's symbol, in the point's order (class indices excluded)."""
    env, _ = symbols(problem)
    return [s for inp in problem.inputs for s in env[inp.name].items if isinstance(s, sympy.Symbol)]


MAX_ELEMENT_OPS = 50_000  # element expressions SymPy builds for tensor variables
MAX_DERIVATIVES = 10_000  # SymPy diffs of single terms (0.1-1 ms each): a few seconds at most

T = TypeVar("T")


def element_cost(problem: Problem) -> int:
    """About how many element expressions the SymPy form builds: each node's elements, and
    the products summed by matmul-like calls."""
    analysis = problem.analysis
    assert analysis is not None
    total = 0
    roots = [*problem.function.components, *(s.value for s in problem.function.statements)]
    seen: set[int] = set()
    for root in roots:
        for node in walk(root):
            if id(node) in seen:
                continue
            seen.add(id(node))
            info = analysis.infos.get(id(node))
            size = numel(info.shape) if info is not None and info.kind in ("tensor", "bool") else 1
            if isinstance(node, MatMul):
                left = analysis.infos[id(node.left)]
                size *= left.shape[-1] if left.shape else 1
            elif isinstance(node, Call):
                b = analysis.bound.get(id(node))
                if b is not None and isinstance(b, catalogue.core.Bound):
                    size *= _contraction(b)
            total += max(size, 1)
    return total


def _contraction(b: Any) -> int:
    key = b.op.key
    if key in ("matmul", "mm", "mv", "bmm", "np.dot", "inner", "linear"):
        shape = b.infos["input"].shape
        return shape[-1] if shape else 1
    if key in ("det", "logdet", "slogdet", "inv", "inverse", "solve", "matrix_power"):
        name = "A" if "A" in b.infos else "input"
        n = b.infos[name].shape[-1]
        return n**3
    if key == "einsum":
        terms, out, sizes = b.extra["plan"]
        return math.prod(sizes[c] for c in set("".join(terms)) - set(out)) or 1
    if key in ("softmax", "log_softmax", "softmin", "logsumexp", "cross_entropy", "layer_norm", "normalize"):
        shape = b.infos["input"].shape
        return max(shape) if shape else 1
    return 1


def _guarded(fn: Callable[[Problem], T]) -> Callable[[Problem], T]:
    """SymPy raising on a corner of its own (a complex constant such as sqrt(-2) inside Max,
    Heaviside of a non-real number) means no exact reference, not a crash."""

    def wrapper(problem: Problem) -> T:
        try:
            return fn(problem)
        except (VjpError, RecursionError):
            raise
        except (ValueError, TypeError, ArithmeticError, AttributeError, NotImplementedError, IndexError) as e:
            raise SymbolicReferenceError(
                f"SymPy could not work with this function ({e.__class__.__name__}: {e})"
            ) from e

    wrapper.__doc__ = fn.__doc__
    wrapper.__name__ = fn.__name__
    return wrapper


@_guarded
@lru_cache(maxsize=4)
def outputs(problem: Problem) -> tuple[list[sympy.Expr], list[sympy.Symbol]]:
    """Every output element as a SymPy expression (flattened y), and the differentiated symbols."""
    cost = element_cost(problem)
    if cost > MAX_ELEMENT_OPS:
        raise SymbolicReferenceError(
            f"the exact SymPy form would expand to about {cost:,} element operations (the limit is "
            f"{MAX_ELEMENT_OPS:,}); use a point (--at) for numbers from autograd instead"
        )
    env, flat = symbols(problem)
    out: list[sympy.Expr] = []
    for t in Converter(problem, env).run():
        out.extend(t.items)
    return out, flat


class _Budget:
    """Counts single differentiations of small terms against MAX_DERIVATIVES."""

    def __init__(self) -> None:
        self.used = 0

    def spend(self, count: int) -> None:
        self.used += count
        if self.used > MAX_DERIVATIVES:
            raise SymbolicReferenceError(
                f"the exact SymPy derivatives need more than {MAX_DERIVATIVES:,} differentiations of terms"
            )


def _diff(term: sympy.Expr, x: sympy.Symbol) -> sympy.Expr:
    """d term/dx; nan where SymPy finds no real derivative (Max with a non-real constant)."""
    try:
        return sympy.diff(term, x)
    except (ValueError, TypeError):
        return sympy.nan


def partials(
    expr: sympy.Expr, budget: _Budget, wanted: set[sympy.Symbol] | None = None
) -> dict[sympy.Symbol, sympy.Expr]:
    """{x: d expr/dx} for the symbols expr contains, a sum differentiated term by term.

    SymPy's diff of a sum walks every term for every symbol; here each term is
    differentiated only by its own symbols, so sum(A@x) costs 2 small diffs per term.
    """
    terms = expr.args if expr.is_Add else (expr,)
    parts: dict[sympy.Symbol, list[sympy.Expr]] = {}
    for term in terms:
        free = term.free_symbols if wanted is None else term.free_symbols & wanted
        budget.spend(len(free))
        for x in free:
            parts.setdefault(x, []).append(_diff(term, x))
    return {x: sympy.Add(*d) for x, d in parts.items()}


@_guarded
@lru_cache(maxsize=4)
def jacobian(problem: Problem) -> tuple[list[list[sympy.Expr]], list[sympy.Symbol]]:
    """The exact Jacobian: each row differentiated only by the differentiated symbols it contains."""
    ys, xs = outputs(problem)
    budget = _Budget()
    zero = sympy.Integer(0)
    wanted = set(xs)
    rows: list[list[sympy.Expr]] = []
    for y in ys:
        d = partials(y, budget, wanted)
        rows.append([d.get(x, zero) for x in xs])
    return rows, xs


def gradient_of_sum(problem: Problem) -> tuple[list[sympy.Expr], list[sympy.Symbol]]:
    """d(sum of all outputs)/dx: SymPy's Jacobian summed down each column."""
    rows, xs = jacobian(problem)
    return [sympy.Add(*[row[j] for row in rows]) for j in range(len(xs))], xs


@_guarded
def hessians(problem: Problem) -> tuple[list[list[list[sympy.Expr]]], list[sympy.Symbol]]:
    """The exact Hessian of each output element."""
    rows, xs = jacobian(problem)
    budget = _Budget()
    zero = sympy.Integer(0)
    wanted = set(xs)
    out = []
    for row in rows:
        second = [partials(g, budget, wanted) if g != zero else {} for g in row]
        out.append([[d.get(x, zero) for x in xs] for d in second])
    return out, xs


def text(expr: sympy.Basic) -> str:
    """SymPy's own printing: ``2*x0``, ``cos(r)``."""
    return str(expr)


def symbolic_jacobian(problem: Problem) -> tuple[Any, list[list[str]]]:
    """The Jacobian's entries as SymPy text, with its header: the path that never imports torch."""
    from .problem import check_jacobian_size
    from .results import Header

    check_jacobian_size(problem)
    rows, _ = jacobian(problem)
    return Header.of("jacobian", problem), [[text(e) for e in row] for row in rows]


__all__ = ["NoSymbolicForm", "Pair", "SymTensor", "SymbolicReferenceError", "jacobian", "sp"]
