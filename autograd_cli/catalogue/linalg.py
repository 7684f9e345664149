"""Products and linear algebra: matmul and dot in each library's meaning, einsum, norms,
det/inv/solve/matrix_exp, and the matrix shape helpers trace, diag, tril, triu."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from ..expr import Node
from ..shapes import Info, Shape, bounded, broadcast, fmt, matmul_shape, norm_dim, norm_dims, reduced, tensor
from .core import DIM, DIMS, INT, INTS, ORD, TENSORS, Bound, P, TIn, TOp, tcall
from .dsl import KEEPDIM, X, call_torch, default_emit, op, pyvalue, reduce_dims, spell
from .registry import overload, register

AB = (P("input"), P("other"))


def _np_ab(a: str = "a", c: str = "b") -> tuple[Any, ...]:
    return (P(a, canon="input"), P(c, canon="other"))


# ---- matmul ------------------------------------------------------------------------------------------


def _matmul_shape(b: Bound) -> Info:
    return tensor(matmul_shape(b.shape("input"), b.shape("other"), b.where, b.arg_text("input"), b.arg_text("other")))


def _matmul_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    return S.matmul(t["input"], t["other"], b.out.shape if b.out else ())


register(
    op(
        "matmul",
        "matrix product, as the @ operator (broadcasting batches)",
        AB,
        shape=_matmul_shape,
        sym=_matmul_sym,
        method="matmul",
        group="linalg",
    ),
    spell("matmul", method=True, np=True, sigs={"np": _np_ab("x1", "x2"), "jnp": _np_ab()}),
)


def _exact_ndim(name: str, a: int, c: int) -> Any:
    def rule(b: Bound) -> Info:
        sa, sc = b.shape("input"), b.shape("other")
        if len(sa) != a or len(sc) != c:
            raise b.error(
                f"{name}() needs a {a}-D and a {c}-D tensor, got shapes {fmt(sa)} and {fmt(sc)}; "
                "torch.matmul (or @) takes any"
            )
        return _matmul_shape(b)

    return rule


for _key, _a, _c, _doc in (
    ("mm", 2, 2, "product of two matrices"),
    ("mv", 2, 1, "matrix times vector"),
    ("bmm", 3, 3, "batched product of matrices"),
):
    register(
        op(
            _key,
            _doc,
            (P("input"), P("mat2" if _key != "mv" else "vec", canon="other")),
            shape=_exact_ndim(_key, _a, _c),
            sym=_matmul_sym,
            method=_key,
            group="linalg",
        ),
        spell(_key, method=True, bare=False),
    )


# ---- dot, in torch's meaning and in NumPy's ----------------------------------------------------------


def _dot_shape(b: Bound) -> Info:
    sa, sc = b.shape("input"), b.shape("other")
    if len(sa) != 1 or len(sc) != 1 or sa != sc:
        alt = "np.dot(a, b) or a @ b" if b.extra.get("family") == "bare" else "a @ b (torch.matmul)"
        raise b.error(
            f"{b.call.spelling}() needs two vectors of the same length, got shapes {fmt(sa)} and {fmt(sc)}; "
            f"for matrices write {alt}"
        )
    return tensor(())


register(
    op(
        "dot",
        "inner product of two vectors of the same length",
        (P("input"), P("tensor", canon="other")),
        shape=_dot_shape,
        sym=_matmul_sym,
        method="dot",
        group="linalg",
    ),
    spell("dot", method=True, torch=("dot", "vdot"), sigs={"bare": _np_ab()}),
)


def _np_dot_shape(b: Bound) -> Info:
    sa, sc = b.shape("input"), b.shape("other")
    if not sa or not sc:
        return tensor(broadcast(sa, sc, b.where))
    if len(sc) == 1:
        inner = sc[0]
        out = sa[:-1]
    else:
        inner = sc[-2]
        out = sa[:-1] + sc[:-2] + sc[-1:]
    if sa[-1] != inner:
        raise b.error(
            f"shapes {fmt(sa)} and {fmt(sc)} do not fit np.dot: the last size of the first ({sa[-1]}) must equal "
            f"the {'only' if len(sc) == 1 else 'second-to-last'} size of the second ({inner})"
        )
    return tensor(bounded(out, b.where))


def _np_dot_emit(b: Bound) -> Any:
    sa, sc = b.shape("input"), b.shape("other")
    if not sa or not sc:
        return TOp("*", (TIn("input"), TIn("other")))
    if len(sa) <= 2 and len(sc) <= 2:
        return tcall("torch.matmul", TIn("input"), TIn("other"))
    return tcall("torch.tensordot", TIn("input"), TIn("other"), dims=([len(sa) - 1], [max(0, len(sc) - 2)]))


def _np_dot_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    sa, sc = b.shape("input"), b.shape("other")
    if not sa or not sc:
        return S.zipwith([t["input"], t["other"]], lambda x, y: x * y, b.out.shape if b.out else ())
    if len(sa) <= 2 and len(sc) <= 2:
        return S.matmul(t["input"], t["other"], b.out.shape if b.out else ())
    return S.tensordot(t["input"], t["other"], [len(sa) - 1], [max(0, len(sc) - 2)])


register(
    op(
        "np.dot",
        "NumPy's dot: inner product of vectors, matrix product of matrices, sum over the last axes",
        _np_ab(),
        shape=_np_dot_shape,
        emit=_np_dot_emit,
        sym=_np_dot_sym,
        torch="torch.matmul / torch.tensordot",
        group="linalg",
    ),
    spell("dot", bare=False, torch=False, np=True),
)


def _inner_shape(b: Bound) -> Info:
    sa, sc = b.shape("input"), b.shape("other")
    if not sa or not sc:
        return tensor(broadcast(sa, sc, b.where))
    if sa[-1] != sc[-1]:
        raise b.error(f"inner() needs equal last sizes, got shapes {fmt(sa)} and {fmt(sc)}")
    return tensor(bounded(sa[:-1] + sc[:-1], b.where))


def _inner_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    sa, sc = b.shape("input"), b.shape("other")
    if not sa or not sc:
        return S.zipwith([t["input"], t["other"]], lambda x, y: x * y, b.out.shape if b.out else ())
    return S.tensordot(t["input"], t["other"], [len(sa) - 1], [len(sc) - 1])


register(
    op(
        "inner",
        "sum over the last axes of both",
        AB,
        shape=_inner_shape,
        sym=_inner_sym,
        method="inner",
        group="linalg",
    ),
    spell("inner", method=True, np=True, sigs={"np": _np_ab(), "jnp": _np_ab()}),
)


def _outer_shape(b: Bound) -> Info:
    sa, sc = b.shape("input"), b.shape("other")
    if b.extra.get("family") in ("np", "jnp"):
        return tensor(bounded((math.prod(sa), math.prod(sc)), b.where))
    if len(sa) != 1 or len(sc) != 1:
        raise b.error(f"outer() needs two vectors, got shapes {fmt(sa)} and {fmt(sc)}")
    return tensor(bounded((sa[0], sc[0]), b.where))


def _outer_emit(b: Bound) -> Any:
    if b.extra.get("family") in ("np", "jnp"):
        return tcall("torch.outer", tcall("torch.flatten", TIn("input")), tcall("torch.flatten", TIn("other")))
    return default_emit(b)


def _outer_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    a, c = t["input"].items, t["other"].items
    return S.SymTensor((len(a), len(c)), tuple(x * y for x in a for y in c))


register(
    op(
        "outer",
        "outer product of two vectors (NumPy flattens its arguments first)",
        (P("input"), P("vec2", canon="other")),
        shape=_outer_shape,
        emit=_outer_emit,
        sym=_outer_sym,
        method="outer",
        group="linalg",
    ),
    spell("outer", method=("outer", "ger"), torch=("outer", "ger"), np=True, sigs={"np": _np_ab(), "jnp": _np_ab()}),
)


def _kron_shape(b: Bound) -> Info:
    sa, sc = b.shape("input"), b.shape("other")
    nd = max(len(sa), len(sc))
    pa, pc = (1,) * (nd - len(sa)) + sa, (1,) * (nd - len(sc)) + sc
    return tensor(bounded(tuple(x * y for x, y in zip(pa, pc)), b.where))


def _kron_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    return S.kron(t["input"], t["other"], b.out.shape if b.out else ())


register(
    op("kron", "Kronecker product", AB, shape=_kron_shape, sym=_kron_sym, method="kron", group="linalg"),
    spell("kron", method=True, np=True, sigs={"np": _np_ab(), "jnp": _np_ab()}),
)


def _cross_shape(b: Bound) -> Info:
    sa, sc = b.shape("input"), b.shape("other")
    shape = broadcast(sa, sc, b.where)
    dim = b["dim"]
    if dim is None:
        if b.extra.get("family") in ("np", "jnp", "linalg") or b.call.spelling == "torch.linalg.cross":
            dim = -1
        else:  # torch.cross without dim: the first dimension of size 3 (torch's deprecated default)
            dim = next((i for i, s in enumerate(shape) if s == 3), None)
            if dim is None:
                raise b.error(f"cross() needs a dimension of size 3, got shape {fmt(shape)}")
    d = norm_dim(dim, len(shape), b.where, allow_scalar=False)
    if shape[d] != 3:
        raise b.error(f"cross() works along a dimension of size 3; dim {d} of shape {fmt(shape)} has size {shape[d]}")
    b.extra["dim"] = d
    return tensor(shape)


def _cross_emit(b: Bound) -> Any:
    if b.native and b.call.spelling == "torch.linalg.cross":
        return call_torch(b, [TIn("input"), TIn("other")], [("dim", b.extra["dim"])])
    return tcall("torch.linalg.cross", TIn("input"), TIn("other"), dim=b.extra["dim"])


def _cross_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    return S.cross(t["input"], t["other"], b.extra["dim"], b.out.shape if b.out else ())


register(
    op(
        "cross",
        "cross product of 3-vectors along dim",
        (P("input"), P("other"), P("dim", DIM, None, aliases=("axis",))),
        shape=_cross_shape,
        emit=_cross_emit,
        sym=_cross_sym,
        method="cross",
        group="linalg",
        torch="torch.linalg.cross",
    ),
    spell(
        "cross",
        method=True,
        linalg=True,
        np=True,
        sigs={
            "np": (
                *_np_ab(),
                P("axisa", "none", None),
                P("axisb", "none", None),
                P("axisc", "none", None),
                P("axis", DIM, -1, canon="dim"),
            )
        },
    ),
)


# ---- tensordot, einsum ----------------------------------------------------------------------------


def _tensordot_plan(b: Bound) -> tuple[list[int], list[int]]:
    sa, sc = b.shape("input"), b.shape("other")
    dims = pyvalue(b["dims"])  # a STATIC value: whole numbers arrive as Fractions
    if isinstance(dims, int) and not isinstance(dims, bool):
        if not 0 <= dims <= min(len(sa), len(sc)):
            raise b.error(f"tensordot dims={dims} does not fit shapes {fmt(sa)} and {fmt(sc)}")
        return list(range(len(sa) - dims, len(sa))), list(range(dims))
    if not (isinstance(dims, tuple) and len(dims) == 2):
        raise b.error("tensordot dims must be a whole number or two lists of axes")
    da, dc = (list(d) if isinstance(d, tuple) else [d] for d in dims)
    if len(da) != len(dc):
        raise b.error("tensordot needs as many axes of the first as of the second")
    return [norm_dim(d, len(sa), b.where) for d in da], [norm_dim(d, len(sc), b.where) for d in dc]


def _tensordot_shape(b: Bound) -> Info:
    sa, sc = b.shape("input"), b.shape("other")
    da, dc = _tensordot_plan(b)
    for x, y in zip(da, dc):
        if sa[x] != sc[y]:
            raise b.error(f"tensordot: axis {x} of {fmt(sa)} and axis {y} of {fmt(sc)} differ in size")
    b.extra["plan"] = (da, dc)
    out = tuple(s for i, s in enumerate(sa) if i not in da) + tuple(s for i, s in enumerate(sc) if i not in dc)
    return tensor(bounded(out, b.where))


def _tensordot_emit(b: Bound) -> Any:
    da, dc = b.extra["plan"]
    return tcall("torch.tensordot", TIn("input"), TIn("other"), dims=(da, dc))


def _tensordot_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    da, dc = b.extra["plan"]
    return S.tensordot(t["input"], t["other"], da, dc)


register(
    op(
        "tensordot",
        "sum over the given axes of both",
        (P("a", canon="input"), P("b", canon="other"), P("dims", "static", 2, aliases=("axes",))),
        shape=_tensordot_shape,
        emit=_tensordot_emit,
        sym=_tensordot_sym,
        group="linalg",
    ),
    spell(
        "tensordot",
        np=True,
        sigs={"np": (P("a", canon="input"), P("b", canon="other"), P("axes", "static", 2, canon="dims"))},
    ),
)

_EINSUM_TERM = re.compile(r"[A-Za-z]*(?:\.\.\.)?[A-Za-z]*")


def einsum_plan(spec: str, shapes: Sequence[Shape]) -> tuple[list[str], str, dict[str, int]]:  # noqa: C901
    """Check an einsum spec against the operands' shapes with its own small grammar.

    Returns (input subscripts, output subscripts, size of each letter); ``...`` is expanded
    to upper-case-free placeholder letters. Raises ValueError with a finished sentence.
    """
    text = spec.replace(" ", "")
    if len(text) > 200:
        raise ValueError("the einsum spec is longer than 200 characters")
    if not re.fullmatch(r"[A-Za-z.,]*(->[A-Za-z.]*)?", text):
        bad = next(ch for ch in text if not (ch.isalpha() or ch in ".,->"))
        raise ValueError(f"the einsum spec {spec!r} has the character {bad!r}; it takes letters, ',', '->' and '...'")
    lhs, arrow, rhs = text.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"the einsum spec {spec!r} names {len(terms)} operand(s) but {len(shapes)} were given")
    for term in terms + ([rhs] if arrow else []):
        if not _EINSUM_TERM.fullmatch(term) or term.count("...") > 1:
            raise ValueError(f"the einsum term {term!r} is not letters with at most one '...'")
    used = set("".join(terms).replace(".", ""))
    spare = [ch for ch in "ZYXWVUTSRQPONMLKJIHGFEDCBA" if ch not in used and ch not in rhs]
    ell_rank = 0
    expanded: list[str] = []
    sizes: dict[str, int] = {}
    for term, shape in zip(terms, shapes):
        letters = term.replace("...", "")
        if "..." in term:
            k = len(shape) - len(letters)
            if k < 0:
                raise ValueError(
                    f"the einsum term {term!r} has more letters than its operand has dimensions {fmt(shape)}"
                )
            ell_rank = max(ell_rank, k)
            fill = "".join(spare[:k][::-1]) if k else ""
            pre, post = term.split("...")
            term = pre + fill + post
        elif len(letters) != len(shape):
            raise ValueError(
                f"the einsum term {term!r} has {len(letters)} letter(s) but its operand has shape {fmt(shape)}"
            )
        for ch, n in zip(term, shape):
            if sizes.get(ch, n) != n and 1 not in (sizes.get(ch), n):
                raise ValueError(f"einsum letter {ch!r} stands for sizes {sizes[ch]} and {n}")
            sizes[ch] = max(sizes.get(ch, n), n)
        expanded.append(term)
    ell = "".join(spare[:ell_rank][::-1])
    if arrow:
        out = rhs.replace("...", ell)
        for ch in out:
            if ch not in sizes:
                raise ValueError(f"the einsum output letter {ch!r} is in no input")
        if len(set(out)) != len(out):
            raise ValueError(f"the einsum output {rhs!r} repeats a letter")
    else:
        counts: dict[str, int] = {}
        for term in terms:
            for ch in term.replace("...", ""):
                counts[ch] = counts.get(ch, 0) + 1
        out = ell + "".join(sorted(ch for ch, c in counts.items() if c == 1))
    return expanded, out, sizes


def _einsum_shape(b: Bound) -> Info:
    spec = b["equation"]
    if not isinstance(spec, str):
        raise b.error("einsum's first argument is the spec string, such as 'ij,j->i'")
    items = b.info("operands").items
    shapes = []
    for it in items:
        if not it.is_tensor:
            raise b.error(f"einsum operands must be tensors, got {it.describe()}")
        shapes.append(it.shape)
    try:
        terms, out, sizes = einsum_plan(spec, shapes)
    except ValueError as e:
        raise b.error(str(e)) from None
    b.extra["plan"] = (terms, out, sizes)
    return tensor(bounded(tuple(sizes[ch] for ch in out), b.where))


def _einsum_emit(b: Bound) -> Any:
    n = len(b.info("operands").items)
    fn = b.call.spelling if b.native else "torch.einsum"
    from .core import TCall

    return TCall(fn, (b["equation"], *(TIn("operands", i) for i in range(n))))


def _einsum_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    terms, out, sizes = b.extra["plan"]
    return S.einsum(terms, out, sizes, list(t["operands"]))


register(
    op(
        "einsum",
        "Einstein summation with a spec such as 'ij,j->i' (checked by its own small grammar)",
        (P("equation", "str"), P("operands", TENSORS, varargs=True)),
        shape=_einsum_shape,
        emit=_einsum_emit,
        sym=_einsum_sym,
        group="linalg",
    ),
    spell(
        "einsum", np=True, sigs={"np": (P("subscripts", "str", canon="equation"), P("operands", TENSORS, varargs=True))}
    ),
)


def _multi_dot_shape(b: Bound) -> Info:
    items = b.info("tensors").items
    if len(items) < 2:
        raise b.error("multi_dot needs at least two matrices")
    shape = items[0].shape
    for it in items[1:]:
        shape = matmul_shape(shape, it.shape, b.where)
    return tensor(shape)


def _multi_dot_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    items = list(t["tensors"])
    acc = items[0]
    for it in items[1:]:
        shape = matmul_shape(acc.shape, it.shape)
        acc = S.matmul(acc, it, shape)
    return acc


register(
    op(
        "multi_dot",
        "A @ B @ C ... of a list of matrices",
        (P("tensors", TENSORS),),
        shape=_multi_dot_shape,
        sym=_multi_dot_sym,
        torch="torch.linalg.multi_dot",
        group="linalg",
    ),
    spell(
        "multi_dot",
        bare=False,
        torch=False,
        linalg=True,
        np_linalg=True,
        sigs={"np.linalg": (P("arrays", TENSORS, canon="tensors"),)},
    ),
)


def _vecdot_shape(b: Bound) -> Info:
    shape = broadcast(b.shape("input"), b.shape("other"), b.where)
    d = norm_dim(b["dim"], len(shape), b.where, allow_scalar=False)
    b.extra["dims"] = (d,)
    return tensor(reduced(shape, (d,), False))


def _vecdot_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    prod = S.zipwith([t["input"], t["other"]], lambda x, y: x * y, broadcast(b.shape("input"), b.shape("other")))
    return S.reduce(prod, b.extra["dims"], False, lambda xs: S.sp.Add(*xs))


register(
    op(
        "vecdot",
        "dot products along dim",
        (P("x", canon="input"), P("y", canon="other"), P("dim", DIM, -1, kw_only=True, aliases=("axis",))),
        shape=_vecdot_shape,
        sym=_vecdot_sym,
        torch="torch.linalg.vecdot",
        group="linalg",
    ),
    spell(
        "vecdot",
        bare=False,
        torch=False,
        linalg=True,
        np=True,
        sigs={"np": (P("x1", canon="input"), P("x2", canon="other"), P("axis", DIM, -1, canon="dim"))},
    ),
)


# ---- norms ------------------------------------------------------------------------------------------------

INF = math.inf


def _ord_value(b: Bound, name: str = "ord") -> Any:
    v = b[name]
    if isinstance(v, str):
        if v not in ("fro", "nuc"):
            raise b.error(f"the norm order {v!r} is not one of 'fro', 'nuc' or a number")
        return v
    return v


def _vector_norm_shape(b: Bound) -> Info:
    ordv = _ord_value(b)
    if isinstance(ordv, str):
        raise b.error(f"vector_norm takes a number for ord, not {ordv!r}")
    b.extra["ord"] = 2.0 if ordv is None else float(ordv)
    shape = b.shape("input")
    dims = reduce_dims(b, len(shape))
    b.extra["dims"] = dims
    return tensor(reduced(shape, dims, bool(b["keepdim"])))


def _vector_norm_emit(b: Bound) -> Any:
    kw: list[tuple[str, Any]] = []
    o = b.extra["ord"]
    if o != 2.0:
        kw.append(("ord", _ord_code(o)))
    if b["dim"] is not None:
        d = b.extra["dims"]
        kw.append(("dim", d[0] if len(d) == 1 else d))
    if b["keepdim"]:
        kw.append(("keepdim", True))
    if b.native and b.call.spelling.endswith("vector_norm"):
        return call_torch(b, [TIn("input")], kw)
    return tcall("torch.linalg.vector_norm", TIn("input"), **dict(kw))


def _ord_code(o: float) -> Any:
    return o  # inf is written float('inf') by the code printer


def _vector_norm_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    return S.reduce(t["input"], b.extra["dims"], bool(b["keepdim"]), lambda xs: S.vector_norm(xs, b.extra["ord"]))


def _norm_kinks(T: Any, b: Bound, v: dict[str, Any]) -> list[tuple[Any, str]]:
    from .dsl import tie_gap

    x = v["input"]
    o = b.extra.get("ord", 2.0)
    if b.extra.get("matrix") or isinstance(o, str):
        return []
    dims = tuple(b.extra.get("dims", ())) or tuple(range(x.ndim))
    if not dims:
        return [(x.abs(), "its argument is 0 (|x| has a kink there)")]
    if o == 1.0:
        return [(x.abs().amin(dim=dims), "an element is 0 (the 1-norm has a kink there)")]
    if math.isinf(o):
        return [(tie_gap(T, x.abs() if o > 0 else -x.abs(), dims), "several elements tie for the largest magnitude")]
    # the 2-norm (and other p): a cone point at the zero vector
    return [(T.linalg.vector_norm(x, dim=dims), "the norm is at the zero vector (a cone point)")]


_VECTOR_NORM_SIG = (X, P("ord", ORD, 2), P("dim", DIMS, None, aliases=("axis",)), KEEPDIM)
register(
    op(
        "vector_norm",
        "the ord-norm of the elements (all, or along dim); 2 by default",
        _VECTOR_NORM_SIG,
        shape=_vector_norm_shape,
        emit=_vector_norm_emit,
        sym=_vector_norm_sym,
        kinks=_norm_kinks,
        torch="torch.linalg.vector_norm",
        group="linalg",
    ),
    spell("vector_norm", bare=False, torch=False, linalg=True),
)


def _matrix_norm_shape(b: Bound, ordv: Any, dims: Any) -> Info:
    shape = b.shape("input")
    if len(shape) < 2:
        raise b.error(f"a matrix norm needs a tensor of at least 2 dimensions, got shape {fmt(shape)}")
    d = pyvalue(dims) if dims is not None else (-2, -1)  # a STATIC dim arrives as Fractions
    if not isinstance(d, tuple) or len(d) != 2:
        raise b.error("a matrix norm works over two dims")
    nd = norm_dims(d, len(shape), b.where)
    b.extra["dims"] = nd
    b.extra["mdims"] = tuple(norm_dim(x, len(shape), b.where) for x in d)
    b.extra["ord"] = "fro" if ordv is None else ordv
    if b.extra["ord"] not in ("fro", "nuc", 1, -1, 2, -2, INF, -INF, 1.0, -1.0, 2.0, -2.0):
        raise b.error(f"the matrix norm order {ordv!r} is not one of 'fro', 'nuc', ±1, ±2, ±inf")
    return tensor(reduced(shape, nd, bool(b["keepdim"])))


def _matrix_norm_emit(b: Bound) -> Any:
    o = b.extra["ord"]
    kw: list[tuple[str, Any]] = []
    if o != "fro":
        kw.append(("ord", o))
    if b.extra["mdims"] != tuple(range(len(b.shape("input")) - 2, len(b.shape("input")))):
        kw.append(("dim", b.extra["mdims"]))
    if b["keepdim"]:
        kw.append(("keepdim", True))
    return tcall("torch.linalg.matrix_norm", TIn("input"), **dict(kw))


def _matrix_norm_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    o = b.extra["ord"]
    if o in ("nuc", 2, -2, 2.0, -2.0):
        raise S.NoSymbolicForm(f"the {o!r} matrix norm (singular values)")
    return S.matrix_norm(t["input"], o, b.extra["mdims"], bool(b["keepdim"]))


register(
    op(
        "matrix_norm",
        "a matrix norm: 'fro' (default), 'nuc', ±1, ±2, ±inf",
        (X, P("ord", ORD, "fro"), P("dim", "static", (-2, -1)), KEEPDIM),
        shape=lambda b: _matrix_norm_shape(b, b["ord"], b["dim"]),
        emit=_matrix_norm_emit,
        sym=_matrix_norm_sym,
        torch="torch.linalg.matrix_norm",
        group="linalg",
    ),
    spell("matrix_norm", bare=False, torch=False, linalg=True),
)


def _linalg_norm_shape(b: Bound) -> Info:
    """torch.linalg.norm and np.linalg.norm: a vector norm, or a matrix norm for 2 dims."""
    shape = b.shape("input")
    ordv, dim = _ord_value(b), b["dim"]
    matrix = (isinstance(dim, tuple) and len(dim) == 2) or (dim is None and ordv is not None and len(shape) == 2)
    if dim is None and ordv is not None and len(shape) not in (1, 2):
        raise b.error(f"norm with ord={ordv!r} and no dim needs a 1-D or 2-D tensor, got shape {fmt(shape)}")
    b.extra["matrix"] = matrix
    if matrix:
        return _matrix_norm_shape(b, ordv, dim if dim is not None else (-2, -1))
    if isinstance(ordv, str):
        if ordv == "fro" and dim is None:
            ordv = None
        else:
            raise b.error(f"the norm order {ordv!r} needs a matrix (2 dims)")
    b.extra["ord"] = 2.0 if ordv is None else float(ordv)
    dims = reduce_dims(b, len(shape))
    b.extra["dims"] = dims
    return tensor(reduced(shape, dims, bool(b["keepdim"])))


def _linalg_norm_emit(b: Bound) -> Any:
    return _matrix_norm_emit(b) if b.extra["matrix"] else _vector_norm_emit(b)


def _linalg_norm_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    return _matrix_norm_sym(S, b, t) if b.extra["matrix"] else _vector_norm_sym(S, b, t)


_LINALG_NORM_SIG = (X, P("ord", ORD, None), P("dim", DIMS, None, aliases=("axis",)), KEEPDIM)
_NP_NORM_SIG = (
    P("x", canon="input"),
    P("ord", ORD, None),
    P("axis", DIMS, None, canon="dim"),
    P("keepdims", "bool", False, canon="keepdim"),
)
register(
    op(
        "linalg.norm",
        "the 2-norm of a vector or the Frobenius norm of a matrix; ord and dim as in NumPy",
        _LINALG_NORM_SIG,
        shape=_linalg_norm_shape,
        emit=_linalg_norm_emit,
        sym=_linalg_norm_sym,
        kinks=_norm_kinks,
        torch="torch.linalg.norm",
        group="linalg",
    ),
    spell(
        "norm",
        bare=False,
        torch=False,
        linalg=True,
        np_linalg=True,
        sigs={"np.linalg": _NP_NORM_SIG, "jnp.linalg": _NP_NORM_SIG},
    ),
)


def _torch_norm_shape(b: Bound) -> Info:
    """torch.norm(x, p='fro', dim=None) and x.norm(p): p a number is a vector norm over dim
    (all elements by default); 'fro' is the 2-norm; 'nuc' the nuclear norm of a matrix."""
    shape = b.shape("input")
    p = b["p"]
    if p == "nuc":
        b.extra["matrix"] = True
        return _matrix_norm_shape(b, "nuc", b["dim"] if b["dim"] is not None else (-2, -1))
    b.extra["matrix"] = False
    if isinstance(p, str) and p != "fro":
        raise b.error(f"norm's p {p!r} is not 'fro', 'nuc' or a number")
    b.extra["ord"] = 2.0 if p in (None, "fro") else float(p)
    dims = reduce_dims(b, len(shape))
    b.extra["dims"] = dims
    return tensor(reduced(shape, dims, bool(b["keepdim"])))


def _torch_norm_emit(b: Bound) -> Any:
    if b.native:
        return default_emit(b)
    return _linalg_norm_emit(b)


register(
    op(
        "norm",
        "torch.norm: the p-norm of all elements (or along dim); p='fro' (default) is the 2-norm",
        (X, P("p", ORD, "fro"), P("dim", DIMS, None, aliases=("axis",)), KEEPDIM),
        shape=_torch_norm_shape,
        emit=_torch_norm_emit,
        sym=_linalg_norm_sym,
        kinks=_norm_kinks,
        method="norm",
        group="linalg",
    ),
    spell("norm", bare=False, method=True),
)


def _bare_norm_shape(b: Bound) -> Info:
    return _torch_norm_shape(b)


def _choose_bare_norm(pos: Sequence[Node], kw: Sequence[tuple[str, Node]]) -> str:
    from .reductions import _is_static_int

    if len(pos) >= 2 and _is_static_int(pos[1]):
        return "norm.ambiguous"
    return "norm.bare"


def _ambiguous_norm_shape(b: Bound) -> Info:
    from ..expr import to_text

    shape = b.shape("input")
    p_node = b.node("p")
    k = to_text(p_node) if p_node is not None else b["p"]
    x_node = b.node("input")
    text = to_text(x_node) if x_node is not None else "x"
    if math.prod(shape) > 1 and len(shape) >= 2:
        raise b.error(
            f"norm({text}, {k}) is ambiguous for a tensor of shape {fmt(shape)}: torch.norm reads {k} as the norm "
            f"order p (the {k}-norm of all elements) and a reduction along dim {k} is the other reading. Write "
            f"torch.norm({text}, {k}) or norm({text}, p={k}) for the {k}-norm, or norm({text}, dim={k}) for 2-norms "
            f"along dim {k}"
        )
    return _torch_norm_shape(b)


_BARE_NORM_SIG = (X, P("p", ORD, 2, aliases=("ord",)), P("dim", DIMS, None, aliases=("axis",)), KEEPDIM)
register(
    op(
        "norm.bare",
        "norm(x): the 2-norm of all elements; norm(x, dim=1) along dim; norm(x, p=1) other orders",
        _BARE_NORM_SIG,
        shape=_bare_norm_shape,
        emit=_linalg_norm_emit,
        sym=_linalg_norm_sym,
        kinks=_norm_kinks,
        torch="torch.linalg.vector_norm",
        group="linalg",
    ),
    [],
)
register(
    op(
        "norm.ambiguous",
        "norm(x, k): the k-norm, refused for matrices where k could also be a dim",
        _BARE_NORM_SIG,
        shape=_ambiguous_norm_shape,
        emit=_linalg_norm_emit,
        sym=_linalg_norm_sym,
        kinks=_norm_kinks,
        torch="torch.linalg.vector_norm",
        group="linalg",
    ),
    [],
)
overload(spell("norm", torch=False), ("norm.bare", "norm.ambiguous"), _choose_bare_norm)


# ---- square matrices: det, inv, solve, matrix_exp, logdet, slogdet, matrix_power -----------------------


def _square(b: Bound, name: str = "input") -> Shape:
    shape = b.shape(name)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise b.error(f"{b.call.spelling}() needs a square matrix (or a batch of them), got shape {fmt(shape)}")
    return shape


def _det_shape(b: Bound) -> Info:
    return tensor(_square(b)[:-2])


def _det_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    return S.batched_matrix(t["input"], lambda m: m.det(method="berkowitz"), scalar=True)


def _singular_kink(T: Any, b: Bound, v: dict[str, Any]) -> list[tuple[Any, str]]:
    return []


register(
    op("det", "determinant of a square matrix", (X,), shape=_det_shape, sym=_det_sym, method="det", group="linalg"),
    spell(
        "det",
        method=True,
        linalg=True,
        np=False,
        np_linalg=True,
        sigs={"np.linalg": (P("a", canon="input"),), "jnp.linalg": (P("a", canon="input"),)},
    ),
)


def _logdet_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    return S.batched_matrix(t["input"], lambda m: S.sp.log(m.det(method="berkowitz")), scalar=True)


register(
    op(
        "logdet",
        "log det A (nan when det A < 0)",
        (X,),
        shape=_det_shape,
        sym=_logdet_sym,
        method="logdet",
        group="linalg",
    ),
    spell("logdet", method=True),
)


def _slogdet_shape(b: Bound) -> Info:
    shape = _square(b)[:-2]
    return Info("pair", shape, items=(tensor(shape), tensor(shape)))


def _slogdet_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    det = S.batched_matrix(t["input"], lambda m: m.det(method="berkowitz"), scalar=True)
    sign = S.map1(det, S.sp.sign)
    logabs = S.map1(det, lambda e: S.sp.log(S.sp.Abs(e)))
    return S.Pair(sign, logabs)


register(
    op(
        "slogdet",
        "(sign, log |det A|): a pair; take .logabsdet or [1]",
        (X,),
        shape=_slogdet_shape,
        sym=_slogdet_sym,
        method="slogdet",
        torch="torch.linalg.slogdet",
        group="linalg",
    ),
    spell(
        "slogdet",
        method=True,
        linalg=True,
        np_linalg=True,
        sigs={"np.linalg": (P("a", canon="input"),), "jnp.linalg": (P("a", canon="input"),)},
    ),
)


def _inv_shape(b: Bound) -> Info:
    return tensor(_square(b))


def _inv_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    return S.batched_matrix(t["input"], lambda m: m.inv(method="ADJ"))


register(
    op(
        "inv",
        "inverse of a square matrix",
        (X,),
        shape=_inv_shape,
        sym=_inv_sym,
        method="inverse",
        torch="torch.linalg.inv",
        group="linalg",
    ),
    spell(
        "inv",
        bare=True,
        torch=False,
        linalg=True,
        np_linalg=True,
        sigs={"np.linalg": (P("a", canon="input"),), "jnp.linalg": (P("a", canon="input"),)},
    ),
)
register(
    op("inverse", "inverse of a square matrix", (X,), shape=_inv_shape, sym=_inv_sym, method="inverse", group="linalg"),
    spell("inverse", bare=False, method=True),
)


def _solve_shape(b: Bound) -> Info:
    a = _square(b, "A")
    bs = b.shape("B")
    if b["left"] is False:
        raise b.error("solve with left=False is not supported; solve the transposed system instead")
    n = a[-1]
    # a batch of vectors b (..., n) is torch's reading; NumPy 2 and JAX take only a 1-D b as a vector
    numpy = b.extra.get("family") in ("np.linalg", "jnp.linalg")
    b.extra["as_matrix"] = numpy and len(a) > 2 and bs == a[:-1]
    if len(bs) == 1 or (len(a) > 2 and bs == a[:-1] and not numpy):  # a vector, or a batch of vectors
        if bs[-1] != n:
            raise b.error(f"solve(A, b): A has shape {fmt(a)} and b has shape {fmt(bs)}; b needs {n} entries")
        b.extra["vector"] = True
        return tensor(a[:-2] + (n,))  # noqa: RUF005
    if bs[-2] != n:
        raise b.error(f"solve(A, B): A has shape {fmt(a)} and B has shape {fmt(bs)}; B needs {n} rows")
    b.extra["vector"] = False
    batch = broadcast(a[:-2], bs[:-2], b.where)
    return tensor((*batch, n, bs[-1]))


def _solve_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    inv = S.batched_matrix(t["A"], lambda m: m.inv(method="ADJ"))
    shape = b.out.shape if b.out else ()
    rhs = t["B"]
    if b.extra.get("vector") and len(rhs.shape) > 1:  # a batch of vectors: one column each
        rhs = S.SymTensor((*rhs.shape, 1), rhs.items)
        return S.SymTensor(shape, S.matmul(inv, rhs, (*shape, 1)).items)
    return S.matmul(inv, rhs, shape)


def _solve_emit(b: Bound) -> Any:
    if b.extra.get("as_matrix"):  # B.unsqueeze(0): torch would read B (..., n) as a batch of vectors
        return tcall("torch.linalg.solve", TIn("A"), tcall("torch.unsqueeze", TIn("B"), 0))
    return default_emit(b)


register(
    op(
        "solve",
        "x with A x = B",
        (P("A"), P("B"), P("left", "bool", True, kw_only=True)),
        shape=_solve_shape,
        emit=_solve_emit,
        sym=_solve_sym,
        torch="torch.linalg.solve",
        group="linalg",
    ),
    spell(
        "solve",
        bare=False,
        torch=False,
        linalg=True,
        np_linalg=True,
        sigs={
            "np.linalg": (P("a", canon="A"), P("b", canon="B")),
            "jnp.linalg": (P("a", canon="A"), P("b", canon="B")),
        },
    ),
)

register(
    op(
        "matrix_exp",
        "the matrix exponential (no symbolic form: check uses finite differences)",
        (X,),
        shape=_inv_shape,
        sym=None,
        method="matrix_exp",
        group="linalg",
    ),
    spell("matrix_exp", method=True, linalg=True, sympy=False, jsp=False),
)


def _matrix_power_shape(b: Bound) -> Info:
    if not isinstance(b["n"], int):
        raise b.error("matrix_power's n must be a whole number")
    return tensor(_square(b))


def _matrix_power_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    n = b["n"]
    return S.batched_matrix(t["input"], lambda m: m**n)


register(
    op(
        "matrix_power",
        "A to the whole power n",
        (X, P("n", INT)),
        shape=_matrix_power_shape,
        sym=_matrix_power_sym,
        method="matrix_power",
        torch="torch.linalg.matrix_power",
        group="linalg",
    ),
    spell(
        "matrix_power",
        method=True,
        linalg=True,
        np_linalg=True,
        sigs={"np.linalg": (P("a", canon="input"), P("n", INT)), "jnp.linalg": (P("a", canon="input"), P("n", INT))},
    ),
)


# ---- trace, diag, diagonal, tril, triu -------------------------------------------------------------------


def _trace_shape(b: Bound) -> Info:
    shape = b.shape("input")
    if len(shape) != 2:
        raise b.error(f"trace() needs a matrix, got shape {fmt(shape)}")
    return tensor(())


def _trace_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    x = t["input"]
    r, c = x.shape
    return S.SymTensor((), (S.sp.Add(*[x.items[i * c + i] for i in range(min(r, c))]),))


register(
    op(
        "trace",
        "sum of the diagonal of a matrix",
        (X,),
        shape=_trace_shape,
        sym=_trace_sym,
        method="trace",
        group="linalg",
    ),
    spell("trace", method=True, np=True, sigs={"np": (P("a", canon="input"),)}),
)


def _diag_shape(b: Bound) -> Info:
    shape = b.shape("input")
    k = b["diagonal"] or 0
    if len(shape) == 1:
        n = shape[0] + abs(k)
        b.extra["embed"] = True
        return tensor(bounded((n, n), b.where))
    if len(shape) == 2:
        r, c = shape
        length = max(0, min(r, c - k) if k >= 0 else min(r + k, c))
        b.extra["embed"] = False
        return tensor((length,))
    raise b.error(f"diag() takes a vector or a matrix, got shape {fmt(shape)}")


def _diag_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    return S.diag(t["input"], b["diagonal"] or 0, b.out.shape if b.out else ())


register(
    op(
        "diag",
        "diag(v): a matrix with v on the diagonal; diag(A): the diagonal of A",
        (X, P("diagonal", INT, 0)),
        shape=_diag_shape,
        sym=_diag_sym,
        method="diag",
        group="shape",
    ),
    spell("diag", method=True, np=True, sigs={"np": (P("v", canon="input"), P("k", INT, 0, canon="diagonal"))}),
)


def _diagonal_shape(b: Bound) -> Info:
    shape = b.shape("input")
    if len(shape) < 2:
        raise b.error(f"diagonal() needs at least 2 dimensions, got shape {fmt(shape)}")
    d1 = norm_dim(b["dim1"], len(shape), b.where)
    d2 = norm_dim(b["dim2"], len(shape), b.where)
    if d1 == d2:
        raise b.error("diagonal() needs two different dims")
    k = b["offset"] or 0
    r, c = shape[d1], shape[d2]
    length = max(0, min(r, c - k) if k >= 0 else min(r + k, c))
    b.extra["dims"] = (d1, d2)
    rest = tuple(s for i, s in enumerate(shape) if i not in (d1, d2))
    return tensor((*rest, length))


def _diagonal_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    d1, d2 = b.extra["dims"]
    return S.diagonal(t["input"], b["offset"] or 0, d1, d2, b.out.shape if b.out else ())


register(
    op(
        "diagonal",
        "the diagonal (offset) over two dims",
        (X, P("offset", INT, 0), P("dim1", INT, 0, aliases=("axis1",)), P("dim2", INT, 1, aliases=("axis2",))),
        shape=_diagonal_shape,
        sym=_diagonal_sym,
        method="diagonal",
        group="shape",
    ),
    spell(
        "diagonal",
        method=True,
        np=True,
        linalg=False,
        sigs={
            "np": (
                P("a", canon="input"),
                P("offset", INT, 0),
                P("axis1", INT, 0, canon="dim1"),
                P("axis2", INT, 1, canon="dim2"),
            )
        },
    ),
)


def _tri_shape(b: Bound) -> Info:
    shape = b.shape("input")
    if len(shape) < 2:
        raise b.error(f"{b.op.key}() needs at least 2 dimensions, got shape {fmt(shape)}")
    return tensor(shape)


def _tri_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    return S.tri(t["input"], b["diagonal"] or 0, lower=b.op.key == "tril")


for _key in ("tril", "triu"):
    register(
        op(
            _key,
            f"the {'lower' if _key == 'tril' else 'upper'} triangle (others set to 0)",
            (X, P("diagonal", INT, 0)),
            shape=_tri_shape,
            sym=_tri_sym,
            method=_key,
            group="shape",
        ),
        spell(_key, method=True, np=True, sigs={"np": (P("m", canon="input"), P("k", INT, 0, canon="diagonal"))}),
    )

__all__ = ["DIM", "INTS", "einsum_plan"]


# ---- distances ------------------------------------------------------------------------------------------


def _dist_shape(b: Bound) -> Info:
    shape = broadcast(b.shape("input"), b.shape("other"), b.where)
    b.extra["shape"] = shape
    b.extra["ord"] = float(b["p"])
    b.extra["dims"] = tuple(range(len(shape)))
    return tensor(())


def _dist_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    diff = S.zipwith([t["input"], t["other"]], lambda x, y: x - y, b.extra["shape"])
    return S.SymTensor((), (S.vector_norm(list(diff.items), b.extra["ord"]),))


def _dist_kinks(T: Any, b: Bound, v: dict[str, Any]) -> list[tuple[Any, str]]:
    d = (v["input"] - v["other"]).reshape(-1)
    return [(T.linalg.vector_norm(d), "the two tensors are equal (the distance has a cone point there)")]


register(
    op(
        "dist",
        "‖x - y‖_p over all elements (p = 2 by default)",
        (P("input"), P("other"), P("p", "number", 2)),
        shape=_dist_shape,
        sym=_dist_sym,
        kinks=_dist_kinks,
        method="dist",
        group="linalg",
    ),
    spell("dist", bare=False, method=True),
)


def _cdist_shape(b: Bound) -> Info:
    a, c = b.shape("x1"), b.shape("x2")
    if len(a) < 2 or len(c) < 2 or a[-1] != c[-1]:
        raise b.error(f"cdist needs x1 (P, M) and x2 (R, M) with the same M, got shapes {fmt(a)} and {fmt(c)}")
    batch = broadcast(a[:-2], c[:-2], b.where)
    b.extra["ord"] = float(b["p"])
    return tensor(bounded((*batch, a[-2], c[-2]), b.where))


def _cdist_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    a, c = t["x1"], t["x2"]
    if len(a.shape) != 2 or len(c.shape) != 2:
        raise S.NoSymbolicForm("batched cdist")
    p, r, m = a.shape[0], c.shape[0], a.shape[1]
    items = []
    for i in range(p):
        for j in range(r):
            items.append(S.vector_norm([a.items[i * m + k] - c.items[j * m + k] for k in range(m)], b.extra["ord"]))
    return S.SymTensor((p, r), tuple(items))


register(
    op(
        "cdist",
        "the p-norm distance between each row of x1 and each row of x2",
        (P("x1"), P("x2"), P("p", "number", 2.0), P("compute_mode", "none", None)),
        shape=_cdist_shape,
        sym=_cdist_sym,
        group="linalg",
    ),
    spell("cdist", bare=False),
)
