"""Reductions (sum, mean, prod, max/min, logsumexp, std/var, norms) and scans (cumsum, cumprod)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..expr import Call, Node, Num, Seq
from ..shapes import Info, norm_dim, norm_dims, reduced, tensor
from .core import ANY, BOOL, DIM, DIMS, ORD, BindError, Bound, P, TIn, tcall
from .dsl import (
    DIMS_PARAM,
    KEEPDIM,
    NP_AXIS,
    NP_KEEPDIMS,
    X,
    along_dim,
    arg_of,
    call_torch,
    default_emit,
    op,
    reduce_dims,
    reduction,
    spell,
)
from .registry import overload, register


def _np_sig(*extra: Any) -> tuple[Any, ...]:
    """np.sum(a, axis=None, dtype=None, out=None, keepdims=False): dtype and out only as None."""
    return (P("a", canon="input"), NP_AXIS, P("dtype", "none", None), P("out", "none", None), NP_KEEPDIMS, *extra)


def _reduce_sym(kind: str) -> Any:
    def sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
        sp = S.sp
        fns = {
            "sum": lambda xs: sp.Add(*xs),
            "mean": lambda xs: sp.Add(*xs) / len(xs),
            "prod": lambda xs: sp.Mul(*xs),
            "amax": lambda xs: S.maximum(*xs),
            "amin": lambda xs: S.minimum(*xs),
            "logsumexp": lambda xs: sp.log(sp.Add(*[sp.exp(x) for x in xs])),
        }
        return S.reduce(t["input"], b.extra["dims"], bool(b["keepdim"]), fns[kind])

    return sym


def _ties_kink(kind: str) -> Any:
    def kinks(T: Any, b: Bound, v: dict[str, Any]) -> list[tuple[Any, str]]:
        from .dsl import tie_gap

        x = v["input"]
        gap = tie_gap(T, x if kind == "amax" else -x, b.extra["dims"])
        return [(gap, "several elements tie for the " + ("maximum" if kind == "amax" else "minimum"))]

    return kinks


def _sum_shape(b: Bound) -> Info:
    info = b.info("input")
    if info.kind == "seq":  # Python's built-in sum of a list: the elementwise sum of its items
        if b.extra.get("family") != "bare":  # torch.sum([a, b]) and x.sum() take one tensor
            raise b.error(
                f"{b.call.spelling}() takes one tensor, not a list; Python's sum([a, b]) adds the items of a list"
            )
        if b.has("dim"):
            raise b.error("sum([a, b, ...]) adds the items of a list; it takes no dim")
        from ..shapes import broadcast_all

        shapes = []
        for item in info.items:
            if not item.is_tensor:
                raise b.error(f"sum() of a list needs numbers or tensors, got {item.describe()}")
            shapes.append(item.shape)
        b.extra["list"] = len(info.items)
        return tensor(broadcast_all(shapes, b.where))
    return reduction()(b)


def _sum_emit(b: Bound) -> Any:
    if "list" in b.extra:
        items = [TIn("input", i) for i in range(b.extra["list"])]
        acc: Any = items[0]
        from .core import TOp

        for item in items[1:]:
            acc = TOp("+", (acc, item))
        return acc
    return _reduce_emit(b)


def _reduce_emit(b: Bound) -> Any:
    """torch.sum(x) for all dims, else torch.sum(x, dim=..., keepdim=...)."""
    shape = b.shape("input")
    keep = bool(b["keepdim"])
    if b["dim"] is None and not keep:
        return call_torch(b, [TIn("input")])
    if b["dim"] is None:
        return call_torch(b, [TIn("input")], [("dim", tuple(range(len(shape)))), ("keepdim", True)])
    return default_emit(b)


def _sum_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    if "list" in b.extra:
        return S.zipwith(list(t["input"]), lambda *xs: S.sp.Add(*xs), b.out.shape if b.out else None)
    return _reduce_sym("sum")(S, b, t)


register(
    op(
        "sum",
        "sum of elements: all, or along dim (sum([a, b]) adds a list, as Python's sum)",
        (P("input", ANY), DIMS_PARAM, KEEPDIM),  # ANY: a tensor, or the bare name's list
        shape=_sum_shape,
        emit=_sum_emit,
        sym=_sum_sym,
        method="sum",
        group="reduction",
    ),
    spell("sum", method=True, np=True, sigs={"np": _np_sig(), "jnp": _np_sig()}),
)
register(
    op(
        "mean",
        "mean of elements: all, or along dim",
        (X, DIMS_PARAM, KEEPDIM),
        shape=reduction(),
        emit=_reduce_emit,
        sym=_reduce_sym("mean"),
        method="mean",
        group="reduction",
    ),
    spell("mean", method=True, np=True, sigs={"np": _np_sig(), "jnp": _np_sig()}),
)


def _prod_shape(b: Bound) -> Info:
    info = reduction()(b)
    dims = b.extra["dims"]
    if b["dim"] is not None and len(dims) > 1 and b.call.spelling in ("torch.prod", "prod") and b.native:
        raise b.error("torch.prod takes one dim at a time")
    return info


def _prod_emit(b: Bound) -> Any:
    dims = b.extra["dims"]
    keep = bool(b["keepdim"])
    shape = b.shape("input")
    if b["dim"] is None and not keep:
        return call_torch(b, [TIn("input")])
    if len(dims) == 1 and not (b["dim"] is None and len(shape) > 1):
        return (
            tcall("torch.prod", TIn("input"), dim=dims[0], keepdim=keep)
            if not b.native
            else call_torch(b, [TIn("input")], [("dim", dims[0]), ("keepdim", keep)])
        )
    acc: Any = TIn("input")
    for d in sorted(dims, reverse=True):  # several dims, one at a time from the last
        acc = tcall("torch.prod", acc, dim=d, keepdim=keep)
    return acc


register(
    op(
        "prod",
        "product of elements: all, or along dim",
        (X, P("dim", DIMS, None, aliases=("axis",)), KEEPDIM),
        shape=_prod_shape,
        emit=_prod_emit,
        sym=_reduce_sym("prod"),
        method="prod",
        group="reduction",
    ),
    spell("prod", method=True, np=True, sigs={"np": _np_sig(), "jnp": _np_sig()}),
)


def _amax_emit(b: Bound) -> Any:
    dims = b.extra["dims"]
    if not b.shape("input"):
        return TIn("input")
    keep = bool(b["keepdim"])
    if b.native and b.call.spelling in ("max", "min") and b.call.form == "method" and b["dim"] is None:
        return call_torch(b, [TIn("input")])  # x.max(): the maximum of all elements
    fn = "torch.amax" if b.op.key == "amax" else "torch.amin"
    if b.native and b.call.spelling in ("torch.amax", "torch.amin", "amax", "amin"):
        return call_torch(b, [TIn("input")], [("dim", dims), ("keepdim", keep)] if keep else [("dim", dims)])
    return tcall(fn, TIn("input"), dim=dims, keepdim=keep) if keep else tcall(fn, TIn("input"), dim=dims)


for _key, _word in (("amax", "maximum"), ("amin", "minimum")):
    register(
        op(
            _key,
            f"the {_word} of elements: all, or along dim (ties share the gradient)",
            (X, P("dim", DIMS, None, aliases=("axis",)), KEEPDIM),
            shape=reduction(),
            emit=_amax_emit,
            sym=_reduce_sym(_key),
            kinks=_ties_kink(_key),
            method=_key,
            group="reduction",
        ),
        spell(_key, bare=False, method=True, np=(_key, _key[1:]), sigs={"np": _np_sig(), "jnp": _np_sig()}),
    )


# torch.max(x, dim) and x.max(dim): (values, indices)
def _max_dim_shape(b: Bound) -> Info:
    shape = b.shape("input")
    d = norm_dim(b["dim"], len(shape), b.where)
    b.extra["dims"] = (d,) if shape else ()
    out = reduced(shape, b.extra["dims"], bool(b["keepdim"]))
    return Info("pair", out, items=(tensor(out), Info("index", out)))


def _max_dim_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    kind = "amax" if b.op.key == "max.dim" else "amin"
    return S.Pair(_reduce_sym(kind)(S, b, t))


for _key, _kind in (("max.dim", "amax"), ("min.dim", "amin")):
    register(
        op(
            _key,
            f"{_key[:3]}(x, dim): a (values, indices) pair, as torch returns it; take .values or [0]",
            (X, P("dim", DIM), KEEPDIM),
            shape=_max_dim_shape,
            sym=_max_dim_sym,
            kinks=_ties_kink(_kind),
            torch=f"torch.{_key[:3]}",
            group="reduction",
        ),
        [],
    )

# the elementwise maximum of several arguments (bare max(a, b, c))


def _fold_shape(b: Bound) -> Info:
    from ..shapes import broadcast_all

    items = b.info("input").items
    for it in items:
        if not it.is_tensor:
            raise b.error(f"{b.call.spelling}() compares numbers or tensors, got {it.describe()}")
    return tensor(broadcast_all([it.shape for it in items], b.where))


def _fold_emit(b: Bound) -> Any:
    fn = "torch.maximum" if b.op.key.startswith("max") else "torch.minimum"
    items = b.info("input").items
    args = [TIn("input", i) if it.kind != "static" else _as_tensor_const(it) for i, it in enumerate(items)]
    acc = args[0]
    for a in args[1:]:
        acc = tcall(fn, acc, a)
    return acc


def _as_tensor_const(info: Info) -> Any:
    from .core import TConst
    from .dsl import pyvalue

    return TConst(float(pyvalue(info.value)))


def _fold_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    fn = S.maximum if b.op.key.startswith("max") else S.minimum
    return S.zipwith(list(t["input"]), fn, b.out.shape if b.out else None)


def _fold_kinks(T: Any, b: Bound, v: dict[str, Any]) -> list[tuple[Any, str]]:
    vals = [T.as_tensor(x) for x in v["input"]]
    dist = None
    for i in range(len(vals)):
        for j in range(i + 1, len(vals)):
            d = (vals[i] - vals[j]).abs()
            dist = d if dist is None else T.minimum(dist, d)
    return [] if dist is None else [(dist, "two of its arguments are equal (a tie)")]


for _key, _word in (("max.n", "maximum"), ("min.n", "minimum")):
    register(
        op(
            _key,
            f"{_key[:3]}(a, b, ...): the elementwise {_word} (ties share the gradient)",
            (P("input", "tensors", varargs=True),),
            shape=_fold_shape,
            emit=_fold_emit,
            sym=_fold_sym,
            kinks=_fold_kinks,
            torch=f"torch.{_word}",
            group="math",
        ),
        [],
    )


def _ambiguous_shape(b: Bound) -> Info:
    """max(A, 1) with A of several elements: torch reads 1 as a dim, maths as a number to compare."""
    items = b.info("input").items
    first, second = items[0], items[1]
    name = b.op.key[:3]
    if first.is_tensor and first.shape and math.prod(first.shape) > 1:
        k = second.value
        word = "maximum" if name == "max" else "minimum"
        text = _first_text(b)
        raise b.error(
            f"{name}({text}, {k}) is ambiguous for a tensor of shape {tuple(first.shape)}: torch reads {k} as a "
            f"dimension and maths as a number to compare. Write torch.{name}({text}, dim={k}).values or "
            f"amax/amin for the {word} along dim {k}, or {word}({text}, {k}) for the elementwise {word} with {k}"
        )
    return _fold_shape(b)


def _first_text(b: Bound) -> str:
    node = b.node("input")
    from ..expr import to_text

    assert isinstance(node, Seq)
    return to_text(node.items[0])


for _key in ("max.ambiguous", "min.ambiguous"):
    register(
        op(
            _key,
            f"{_key[:3]}(x, k) with a whole number k: the elementwise {_key[:3]} when x is a scalar; refused for tensors",
            (P("input", "tensors", varargs=True),),
            shape=_ambiguous_shape,
            emit=_fold_emit,
            sym=_fold_sym,
            kinks=_fold_kinks,
            torch="torch.maximum" if _key.startswith("max") else "torch.minimum",
            group="math",
        ),
        [],
    )


def _is_int_literal(node: Node) -> bool:
    from ..expr import Neg

    if isinstance(node, Neg):
        return _is_int_literal(node.arg)
    return (
        isinstance(node, Num) and node.value.denominator == 1 and "." not in node.text and "e" not in node.text.lower()
    )


def _is_static_int(node: Node) -> bool:
    """A whole number as written, or an integer expression such as x.shape[0] - 1."""
    from ..expr import Add, Index, Neg

    if _is_int_literal(node):
        return True
    if isinstance(node, Neg):
        return _is_static_int(node.arg)
    if isinstance(node, Index) and isinstance(node.base, Call) and node.base.op in ("shape",):
        return True
    if isinstance(node, Call) and node.op in ("size", "ndim", "numel", "len"):
        return True
    if isinstance(node, Add):
        return all(_is_static_int(t) for t in node.terms)
    return False


def _choose_torch_max(name: str) -> Any:
    def choose(pos: Sequence[Node], kw: Sequence[tuple[str, Node]]) -> str:
        keys = {k for k, _ in kw}
        if keys & {"dim", "keepdim"} or (len(pos) >= 2 and _is_static_int(pos[1])):
            return f"{name}.dim"
        if len(pos) >= 2 or "other" in keys:
            return "maximum" if name == "max" else "minimum"
        return "amax" if name == "max" else "amin"

    return choose


def _choose_bare_max(name: str) -> Any:
    def choose(pos: Sequence[Node], kw: Sequence[tuple[str, Node]]) -> str:
        keys = {k for k, _ in kw}
        if keys - {"dim", "keepdim", "axis"}:
            raise BindError(f"{name}() takes no keyword {sorted(keys - {'dim', 'keepdim', 'axis'})[0]!r}")
        if keys:
            if len(pos) != 1:
                raise BindError(f"dim= applies to {name}(x) of one argument only")
            return "amax" if name == "max" else "amin"
        if len(pos) == 1:
            if isinstance(pos[0], Seq):  # max([a, b, c]): Python's max of a list
                return f"{name}.n"
            return "amax" if name == "max" else "amin"
        if len(pos) == 2 and _is_static_int(pos[1]):
            return f"{name}.ambiguous"
        return f"{name}.n"

    return choose


for _name in ("max", "min"):
    overload(
        spell(_name, bare=False, method=True),
        (f"{_name}.dim", "amax" if _name == "max" else "amin", "maximum" if _name == "max" else "minimum"),
        _choose_torch_max(_name),
    )
    overload(
        spell(_name, torch=False),
        ("amax" if _name == "max" else "amin", f"{_name}.n", f"{_name}.ambiguous"),
        _choose_bare_max(_name),
    )


# ---- logsumexp, std, var ---------------------------------------------------------------------------

_LSE_SIG = (X, P("dim", DIMS, None, aliases=("axis",)), KEEPDIM)
_JSP_LSE = (
    P("a", canon="input"),
    P("axis", DIMS, None, canon="dim"),
    P("b", "none", None),
    P("keepdims", BOOL, False, canon="keepdim"),
)


def _lse_shape(b: Bound) -> Info:
    if b["dim"] is None and b.native and b.call.spelling in ("torch.logsumexp", "logsumexp", "torch.special.logsumexp"):
        raise b.error(
            f"{b.call.spelling}() needs dim (torch has no default); for all elements write dim={tuple(range(len(b.shape('input'))))}"
        )
    return reduction()(b)


def _lse_emit(b: Bound) -> Any:
    shape = b.shape("input")
    if not shape:
        return TIn("input")
    dims = b.extra["dims"]
    keep = bool(b["keepdim"])
    if b.native:
        return default_emit(b)
    if keep:
        return tcall("torch.logsumexp", TIn("input"), dim=dims, keepdim=True)
    return tcall("torch.logsumexp", TIn("input"), dim=dims)


register(
    op(
        "logsumexp",
        "log(sum(exp(x))), computed stably: all, or along dim",
        _LSE_SIG,
        shape=_lse_shape,
        emit=_lse_emit,
        sym=_reduce_sym("logsumexp"),
        method="logsumexp",
        group="reduction",
    ),
    spell(
        "logsumexp",
        method=True,
        special=True,
        jax_nn=True,
        jsp=True,
        sigs={"jax.nn": _JSP_LSE, "jax.scipy.special": _JSP_LSE},
    ),
)


def _stat_shape(b: Bound) -> Info:
    dim = b["dim"]
    if isinstance(dim, bool):  # torch.std(x, False): the legacy (input, unbiased) form
        b.values["unbiased"], b.values["dim"] = dim, None
    if b["unbiased"] is not None and b["correction"] is not None:
        raise b.error("give either unbiased or correction, not both")
    if b["unbiased"] is not None:
        b.values["correction"] = 1 if b["unbiased"] else 0
    if b["correction"] is None:
        if b.extra.get("family") == "bare":
            word = b.op.key
            raise b.error(
                f"{word}(x) is ambiguous: torch.{word} divides by n-1 (correction=1) and np.{word} by n (ddof=0); "
                f"write torch.{word}(x), np.{word}(x), or {word}(x, correction=0)"
            )
        b.values["correction"] = 1
    info = reduction()(b)
    n = math.prod(b.shape("input")[d] for d in b.extra["dims"]) if b.shape("input") else 1
    b.extra["n"] = n
    return info


def _stat_emit(b: Bound) -> Any:
    kw: list[tuple[str, Any]] = []
    if b["dim"] is not None:
        kw.append(("dim", b.extra["dims"] if len(b.extra["dims"]) != 1 else b.extra["dims"][0]))
    from .dsl import pyvalue

    corr = pyvalue(b["correction"])
    if corr != 1:
        kw.append(("correction", corr))
    if b["keepdim"]:
        kw.append(("keepdim", True))
    if b.native:
        return call_torch(b, [TIn("input")], kw)
    return tcall(f"torch.{b.op.key}", TIn("input"), **dict(kw))


def _stat_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    sp = S.sp
    corr = b["correction"]

    def var(xs: list[Any]) -> Any:
        mean = sp.Add(*xs) / len(xs)
        return sp.Add(*[(x - mean) ** 2 for x in xs]) / (len(xs) - corr)

    fn = var if b.op.key == "var" else (lambda xs: sp.sqrt(var(xs)))
    return S.reduce(t["input"], b.extra["dims"], bool(b["keepdim"]), fn)


def _np_stat_sig() -> tuple[Any, ...]:
    return (
        P("a", canon="input"),
        NP_AXIS,
        P("dtype", "none", None),
        P("out", "none", None),
        P("ddof", "number", 0, canon="correction"),
        NP_KEEPDIMS,
    )


for _key, _word in (("std", "standard deviation"), ("var", "variance")):
    register(
        op(
            _key,
            f"{_word}: all, or along dim; torch divides by n-correction (correction=1 by default), np by n-ddof (ddof=0)",
            (
                X,
                P("dim", DIMS, None, aliases=("axis",)),
                P("unbiased", BOOL, None),
                KEEPDIM,
                P("correction", "number", None, kw_only=True, aliases=("ddof",)),
            ),
            shape=_stat_shape,
            emit=_stat_emit,
            sym=_stat_sym,
            method=_key,
            group="reduction",
        ),
        spell(_key, method=True, np=True, sigs={"np": _np_stat_sig(), "jnp": _np_stat_sig()}),
    )


# ---- scans --------------------------------------------------------------------------------------------


def _scan_shape(b: Bound) -> Info:
    shape = b.shape("input")
    dim = b["dim"]
    if dim is None:
        if b.extra.get("family") in ("np", "jnp"):  # np.cumsum(a): over the flattened array
            b.extra["flatten"] = True
            return tensor((math.prod(shape),))
        if len(shape) <= 1:
            dim = 0
        else:
            raise b.error(f"{b.call.spelling}() of a tensor of shape {tuple(shape)} needs dim=...")
    b.extra["dim"] = norm_dim(dim, len(shape), b.where)
    return tensor(shape)


def _scan_emit(b: Bound) -> Any:
    if b.extra.get("flatten"):
        return tcall(f"torch.{b.op.key}", tcall("torch.flatten", TIn("input")), dim=0)
    if b.native:
        return call_torch(b, [TIn("input")], [("dim", b.extra["dim"])])
    return tcall(f"torch.{b.op.key}", TIn("input"), dim=b.extra["dim"])


def _scan_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    x = t["input"]
    if b.extra.get("flatten"):
        x = S.SymTensor((len(x.items),), x.items)
    prod = b.op.key == "cumprod"
    return S.scan(x, b.extra.get("dim", 0), (lambda a, c: a * c) if prod else (lambda a, c: a + c))


_NP_SCAN = (P("a", canon="input"), P("axis", DIM, None, canon="dim"), P("dtype", "none", None), P("out", "none", None))
for _key, _word in (("cumsum", "cumulative sum"), ("cumprod", "cumulative product")):
    register(
        op(
            _key,
            f"{_word} along dim",
            (X, P("dim", DIM, None, aliases=("axis",))),
            shape=_scan_shape,
            emit=_scan_emit,
            sym=_scan_sym,
            method=_key,
            group="reduction",
        ),
        spell(_key, method=True, np=True, sigs={"np": _NP_SCAN, "jnp": _NP_SCAN}),
    )

__all__ = ["ORD", "along_dim", "arg_of", "norm_dims"]


# ---- order statistics: median and sort ----------------------------------------------------------------


def _median_shape(b: Bound) -> Info:
    shape = b.shape("input")
    numpy = b.extra.get("family") in ("np", "jnp", "bare")
    b.extra["numpy"] = numpy
    if numpy:
        dims = reduce_dims(b, len(shape))
        b.extra["dims"] = dims
        if len(dims) > 1 and len(dims) != len(shape):
            raise b.error("median over several (but not all) axes is not supported; reshape first")
        return tensor(reduced(shape, dims, bool(b["keepdim"])))
    if b["dim"] is None:
        b.extra["dims"] = tuple(range(len(shape)))
        return tensor(())
    d = norm_dim(b["dim"], len(shape), b.where)
    b.extra["dims"] = (d,) if shape else ()
    out = reduced(shape, b.extra["dims"], bool(b["keepdim"]))
    return Info("pair", out, items=(tensor(out), Info("index", out)))


def _median_emit(b: Bound) -> Any:
    from .core import TCall

    if not b.extra["numpy"]:
        if b["dim"] is None:
            return call_torch(b, [TIn("input")])
        return call_torch(b, [TIn("input")], [("dim", b.extra["dims"][0]), ("keepdim", bool(b["keepdim"]))])
    dims = b.extra["dims"]
    x: Any = TIn("input")
    shape = b.shape("input")
    if len(dims) == len(shape) or not shape:  # all elements: the mean of the middle two, as NumPy
        flat = tcall("torch.flatten", x)
        out: Any = tcall("torch.quantile", flat, 0.5)
        if b["keepdim"] and shape:
            out = tcall("torch.reshape", out, (1,) * len(shape))
        return out
    return TCall("torch.quantile", (x, 0.5), (("dim", dims[0]), ("keepdim", bool(b["keepdim"]))))


def _median_kinks(T: Any, b: Bound, v: dict[str, Any]) -> list[tuple[Any, str]]:
    from .dsl import tie_gap

    x = v["input"]
    dims = b.extra["dims"]
    if not dims:
        return []
    rest = [d for d in range(x.ndim) if d not in dims]
    moved = x.permute(*rest, *dims).reshape(*[x.shape[d] for d in rest], -1)
    s = T.sort(moved, dim=-1).values
    gaps = (s[..., 1:] - s[..., :-1]).abs() if s.shape[-1] > 1 else T.full_like(s, float("inf"))
    del tie_gap
    return [(gaps.amin(dim=-1) if gaps.numel() else gaps, "two elements tie near the median")]


_NP_MEDIAN = (P("a", canon="input"), NP_AXIS, P("out", "none", None), P("overwrite_input", BOOL, False), NP_KEEPDIMS)
register(
    op(
        "median",
        "torch.median: the lower middle element (all, or along dim: a (values, indices) pair); "
        "np.median and median(): the mean of the two middle elements",
        (X, P("dim", DIM, None, aliases=("axis",)), KEEPDIM),
        shape=_median_shape,
        emit=_median_emit,
        kinks=_median_kinks,
        method="median",
        group="reduction",
    ),
    spell(
        "median",
        method=True,
        np=True,
        sigs={"np": _NP_MEDIAN, "bare": (X, P("dim", DIMS, None, aliases=("axis",)), KEEPDIM)},
    ),
)


def _sort_shape(b: Bound) -> Info:
    shape = b.shape("input")
    d = norm_dim(b["dim"], len(shape), b.where)
    b.extra["dim"] = d
    b.extra["dims"] = (d,) if shape else ()
    if b.extra.get("family") in ("np", "jnp"):
        return tensor(shape)
    return Info("pair", shape, items=(tensor(shape), Info("index", shape)))


def _sort_emit(b: Bound) -> Any:
    kw: list[tuple[str, Any]] = [("dim", b.extra["dim"])]
    if b["descending"]:
        kw.append(("descending", True))
    if b.extra.get("family") in ("np", "jnp"):
        from .core import TAttr

        return TAttr(tcall("torch.sort", TIn("input"), dim=b.extra["dim"]), "values")
    return call_torch(b, [TIn("input")], kw)


register(
    op(
        "sort",
        "the elements in order along dim: torch gives (values, indices), np.sort the values",
        (X, P("dim", DIM, -1, aliases=("axis",)), P("descending", BOOL, False), P("stable", BOOL, False, kw_only=True)),
        shape=_sort_shape,
        emit=_sort_emit,
        kinks=_median_kinks,
        method="sort",
        group="reduction",
    ),
    spell(
        "sort", bare=False, method=True, np=True, sigs={"np": (P("a", canon="input"), P("axis", DIM, -1, canon="dim"))}
    ),
)
