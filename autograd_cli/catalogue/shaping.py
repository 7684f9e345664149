"""Operations that move elements without changing them: reshape, transpose, permute, squeeze,
flip, cat, stack, expand, repeat; and the shape queries x.shape, x.size(d), x.ndim, len(x)."""

from __future__ import annotations

import math
from typing import Any

from ..shapes import Info, Shape, bounded, fmt, norm_dim, norm_dims, static, tensor
from .core import DIM, DIMS, INT, INTS, TENSORS, Bound, P, TIn, TList, tcall
from .dsl import X, call_torch, default_emit, op, pyvalue, spell
from .registry import register


def _ints(b: Bound, name: str) -> tuple[int, ...]:
    value = pyvalue(b[name])  # a STATIC parameter (movedim, np.expand_dims) holds Fractions
    if isinstance(value, int):
        return (value,)
    if not isinstance(value, tuple) or not all(isinstance(v, int) for v in value):
        raise b.error(f"{name} must be whole numbers, got {value!r}")
    return value


# ---- reshape ---------------------------------------------------------------------------------------------


def resolve_shape(b: Bound, size: int, wanted: tuple[int, ...]) -> Shape:
    """A target shape with at most one -1, for ``size`` elements, as torch's reshape."""
    free = [i for i, s in enumerate(wanted) if s == -1]
    if len(free) > 1:
        raise b.error("only one dimension of a new shape can be -1")
    if any(s < -1 for s in wanted):
        raise b.error(f"a size in {wanted} is negative")
    known = math.prod(s for s in wanted if s != -1)
    if free:
        if known == 0 or size % known:
            raise b.error(f"shape {wanted} does not fit {size} elements")
        wanted = tuple(size // known if s == -1 else s for s in wanted)
    if math.prod(wanted) != size:
        raise b.error(f"shape {fmt(wanted)} is invalid for input of size {size} (shape {fmt(b.shape('input'))})")
    return bounded(wanted, b.where)


def _reshape_shape(b: Bound) -> Info:
    shape = b.shape("input")
    target = resolve_shape(b, math.prod(shape), _ints(b, "shape"))
    b.extra["shape"] = target
    return tensor(target)


def _reshape_emit(b: Bound) -> Any:
    wanted = _ints(b, "shape")
    if b.native and b.call.form == "method":
        return call_torch(b, [TIn("input"), *wanted])
    return tcall("torch.reshape", TIn("input"), wanted)


def _reshape_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    return S.SymTensor(b.extra["shape"], t["input"].items)


_SHAPE_VARARGS = P("shape", INTS, varargs=True)
register(
    op(
        "reshape",
        "the same elements in a new shape (one size may be -1)",
        (X, _SHAPE_VARARGS),
        shape=_reshape_shape,
        emit=_reshape_emit,
        sym=_reshape_sym,
        method="reshape",
        group="shape",
    ),
    spell(
        "reshape",
        method=("reshape", "view"),
        np=True,
        sigs={
            "np": (P("a", canon="input"), P("newshape", INTS, canon="shape", aliases=("shape",))),
            "torch": (X, P("shape", INTS)),
        },
    ),
)


def _flatten_shape(b: Bound) -> Info:
    shape = b.shape("input")
    if not shape:
        b.extra["range"] = (0, 0)
        return tensor((1,))
    s = norm_dim(b["start_dim"], len(shape), b.where)
    e = norm_dim(b["end_dim"], len(shape), b.where)
    if s > e:
        raise b.error("flatten's start_dim comes after end_dim")
    b.extra["range"] = (s, e)
    return tensor((*shape[:s], math.prod(shape[s : e + 1]), *shape[e + 1 :]))


def _flatten_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    return S.SymTensor(b.out.shape if b.out else (), t["input"].items)


register(
    op(
        "flatten",
        "dims start_dim..end_dim merged into one (all by default)",
        (X, P("start_dim", INT, 0), P("end_dim", INT, -1)),
        shape=_flatten_shape,
        sym=_flatten_sym,
        method="flatten",
        group="shape",
    ),
    spell("flatten", method=True),
)


def _ravel_shape(b: Bound) -> Info:
    return tensor((math.prod(b.shape("input")),))


def _ravel_emit(b: Bound) -> Any:
    return call_torch(b, [TIn("input")]) if b.native else tcall("torch.ravel", TIn("input"))


# torch.ravel and x.ravel() take no dims (torch.flatten does); np.ravel's order is C only here
register(
    op(
        "ravel",
        "all elements in one dim",
        (X,),
        shape=_ravel_shape,
        emit=_ravel_emit,
        sym=_flatten_sym,
        method="ravel",
        group="shape",
    ),
    spell("ravel", bare=False, method=True, np=True, sigs={"np": (P("a", canon="input"),)}),
)


def _squeeze_shape(b: Bound) -> Info:
    shape = b.shape("input")
    dims = norm_dims(b["dim"], len(shape), b.where)
    out = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
    if b.extra.get("family") in ("np", "jnp") and b["dim"] is not None:
        for d in dims:
            if shape[d] != 1:
                raise b.error(f"np.squeeze: axis {d} of shape {fmt(shape)} has size {shape[d]}, not 1")
    return tensor(out)


def _same_items_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    return S.SymTensor(b.out.shape if b.out else (), t["input"].items)


register(
    op(
        "squeeze",
        "dims of size 1 removed (all, or the given ones)",
        (X, P("dim", DIMS, None, aliases=("axis",))),
        shape=_squeeze_shape,
        sym=_same_items_sym,
        method="squeeze",
        group="shape",
    ),
    spell("squeeze", method=True, np=True, sigs={"np": (P("a", canon="input"), P("axis", DIMS, None, canon="dim"))}),
)


def _unsqueeze_shape(b: Bound) -> Info:
    shape = b.shape("input")
    dims = _ints(b, "dim")
    out = list(shape)
    n = len(shape) + len(dims)
    for d in sorted(norm_dim(x, n, b.where, allow_scalar=False) for x in dims):
        out.insert(d, 1)
    return tensor(tuple(out))


def _unsqueeze_emit(b: Bound) -> Any:
    if len(_ints(b, "dim")) > 1:  # np.expand_dims(a, (0, 2)): torch.unsqueeze takes one dim
        return tcall("torch.reshape", TIn("input"), b.out.shape if b.out else ())
    return default_emit(b)


register(
    op(
        "unsqueeze",
        "a new dim of size 1 at dim",
        (X, P("dim", INT)),
        shape=_unsqueeze_shape,
        emit=_unsqueeze_emit,
        sym=_same_items_sym,
        method="unsqueeze",
        group="shape",
    ),
    spell(
        "unsqueeze",
        method=True,
        np="expand_dims",
        sigs={"np": (P("a", canon="input"), P("axis", "static", canon="dim"))},
    ),
)


# ---- transposes -----------------------------------------------------------------------------------


def _perm_shape(b: Bound, perm: tuple[int, ...]) -> Info:
    shape = b.shape("input")
    b.extra["perm"] = perm
    return tensor(tuple(shape[p] for p in perm))


def _perm_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    return S.permute(t["input"], b.extra["perm"])


def _transpose_shape(b: Bound) -> Info:
    shape = b.shape("input")
    n = len(shape)
    if n == 0:
        return _perm_shape(b, ())
    d0, d1 = norm_dim(b["dim0"], n, b.where), norm_dim(b["dim1"], n, b.where)
    perm = list(range(n))
    perm[d0], perm[d1] = perm[d1], perm[d0]
    return _perm_shape(b, tuple(perm))


register(
    op(
        "transpose",
        "dims dim0 and dim1 swapped",
        (X, P("dim0", INT), P("dim1", INT)),
        shape=_transpose_shape,
        sym=_perm_sym,
        method="transpose",
        group="shape",
    ),
    [
        *spell("transpose", method=("transpose", "swapdims"), torch=("transpose", "swapdims")),
        *spell(
            "swapaxes",
            bare=False,
            method=True,
            np=True,
            sigs={
                "torch": (X, P("axis0", INT, canon="dim0"), P("axis1", INT, canon="dim1")),
                "method": (X, P("axis0", INT, canon="dim0"), P("axis1", INT, canon="dim1")),
                "np": (P("a", canon="input"), P("axis1", INT, canon="dim0"), P("axis2", INT, canon="dim1")),
            },
        ),
    ],
)


def _np_transpose_shape(b: Bound) -> Info:
    shape = b.shape("input")
    n = len(shape)
    if b["dims"] is None:
        return _perm_shape(b, tuple(reversed(range(n))))
    perm = tuple(norm_dim(d, n, b.where) for d in _ints(b, "dims"))
    if sorted(perm) != list(range(n)):
        raise b.error(f"the axes {b['dims']} are not a permutation of the {n} dims of shape {fmt(shape)}")
    return _perm_shape(b, perm)


def _permute_emit(b: Bound) -> Any:
    perm = b.extra["perm"]
    if b.native and b.call.form == "method":
        return call_torch(b, [TIn("input"), *perm])
    if b.native:
        return call_torch(b, [TIn("input"), perm])
    return tcall("torch.permute", TIn("input"), perm)


register(
    op(
        "np.transpose",
        "NumPy's transpose: all dims reversed, or permuted by axes",
        (P("a", canon="input"), P("axes", INTS, None, canon="dims")),
        shape=_np_transpose_shape,
        emit=_permute_emit,
        sym=_perm_sym,
        torch="torch.permute",
        group="shape",
    ),
    spell("transpose", bare=False, torch=False, np=True),
)
register(
    op(
        "permute",
        "dims reordered",
        (X, P("dims", INTS, varargs=True)),
        shape=_np_transpose_shape,
        emit=_permute_emit,
        sym=_perm_sym,
        method="permute",
        group="shape",
    ),
    spell("permute", method=True, sigs={"torch": (X, P("dims", INTS))}),
)


def _t_shape(b: Bound) -> Info:
    shape = b.shape("input")
    if len(shape) > 2:
        raise b.error(f"t() takes a tensor of at most 2 dimensions, got shape {fmt(shape)}; use .mT or transpose")
    return _perm_shape(b, tuple(reversed(range(len(shape)))))


def _reverse_shape(b: Bound) -> Info:
    return _perm_shape(b, tuple(reversed(range(len(b.shape("input"))))))


def _mt_shape(b: Bound) -> Info:
    shape = b.shape("input")
    if len(shape) < 2:
        raise b.error(f".mT needs at least 2 dimensions, got shape {fmt(shape)}")
    n = len(shape)
    return _perm_shape(b, (*range(n - 2), n - 1, n - 2))


def _perm_emit(b: Bound) -> Any:
    if b.native:
        return call_torch(b, [TIn("input")])
    return tcall("torch.permute", TIn("input"), b.extra["perm"])


register(
    op(
        "t",
        "the transpose of a matrix (a vector stays as it is)",
        (X,),
        shape=_t_shape,
        emit=_perm_emit,
        sym=_perm_sym,
        method="t",
        group="shape",
    ),
    spell("t", bare=False, method=True),
)
register(
    op(
        "T",
        "all dims reversed (.T)",
        (X,),
        shape=_reverse_shape,
        emit=_perm_emit,
        sym=_perm_sym,
        torch=".T",
        group="shape",
    ),
    spell("T", bare=False, torch=False, attr=True),
)
register(
    op(
        "mT",
        "the last two dims swapped (.mT)",
        (X,),
        shape=_mt_shape,
        emit=_perm_emit,
        sym=_perm_sym,
        torch=".mT",
        group="shape",
    ),
    spell("mT", bare=False, torch=False, attr=True),
)


def _movedim_shape(b: Bound) -> Info:
    shape = b.shape("input")
    n = len(shape)
    src = [norm_dim(d, n, b.where) for d in _ints(b, "source")]
    dst = [norm_dim(d, n, b.where) for d in _ints(b, "destination")]
    if len(src) != len(dst):
        raise b.error("movedim needs as many destinations as sources")
    perm: list[int | None] = [None] * n
    for s, d in zip(src, dst):
        perm[d] = s
    rest = iter(i for i in range(n) if i not in src)
    return _perm_shape(b, tuple(p if p is not None else next(rest) for p in perm))


register(
    op(
        "movedim",
        "dims moved from source to destination",
        (X, P("source", "static"), P("destination", "static")),
        shape=_movedim_shape,
        emit=lambda b: tcall("torch.permute", TIn("input"), b.extra["perm"]),
        sym=_perm_sym,
        method="movedim",
        group="shape",
    ),
    spell(
        "movedim",
        method=("movedim", "moveaxis"),
        torch=("movedim", "moveaxis"),
        np="moveaxis",
        sigs={"np": (P("a", canon="input"), P("source", "static"), P("destination", "static"))},
    ),
)


def _flip_shape(b: Bound) -> Info:
    shape = b.shape("input")
    dims = b["dims"]
    if dims is None:
        if b.extra.get("family") not in ("np", "jnp"):
            raise b.error("torch.flip needs dims")
        dims = tuple(range(len(shape)))
    b.extra["dims"] = norm_dims(dims, len(shape), b.where)
    return tensor(shape)


def _flip_one(dim: int) -> Any:
    def rule(b: Bound) -> Info:
        b.extra["dims"] = (dim,)
        return tensor(b.shape("input"))

    return rule


def _flip_emit(b: Bound) -> Any:
    if b.native:
        return call_torch(b, [TIn("input"), b.extra["dims"]])
    return tcall("torch.flip", TIn("input"), b.extra["dims"])


def _flip_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    return S.flip(t["input"], b.extra["dims"])


register(
    op(
        "flip",
        "the order of elements reversed along dims",
        (X, P("dims", DIMS, None)),
        shape=_flip_shape,
        emit=_flip_emit,
        sym=_flip_sym,
        method="flip",
        group="shape",
    ),
    spell("flip", method=True, np=True, sigs={"np": (P("m", canon="input"), P("axis", DIMS, None, canon="dims"))}),
)
for _key, _dim, _need in (("fliplr", 1, 2), ("flipud", 0, 1)):
    register(
        op(
            _key,
            f"flip along dim {_dim}",
            (X,),
            shape=_flip_one(_dim),
            sym=_flip_sym,
            method=_key,
            group="shape",
        ),
        spell(_key, method=True, np=True, sigs={"np": (P("m", canon="input"),)}),
    )


# ---- joining ----------------------------------------------------------------------------------------------


def _parts(b: Bound, name: str = "tensors") -> list[Shape]:
    info = b.info(name)
    if info.kind != "seq":
        raise b.error(f"{b.call.spelling}() takes a list of tensors, such as [a, b]")
    shapes = []
    for it in info.items:
        if not it.is_tensor:
            raise b.error(f"{b.call.spelling}() joins tensors, got {it.describe()}")
        shapes.append(it.shape)
    if not shapes:
        raise b.error(f"{b.call.spelling}() needs at least one tensor")
    return shapes


def _cat_shape(b: Bound) -> Info:
    shapes = _parts(b)
    nonempty = [s for s in shapes if s != (0,)]
    ref = nonempty[0] if nonempty else shapes[0]
    if not ref:
        raise b.error(f"{b.call.spelling}() cannot join 0-d tensors; use stack")
    d = norm_dim(b["dim"], len(ref), b.where)
    total = 0
    for s in nonempty:
        if len(s) != len(ref) or any(x != y for i, (x, y) in enumerate(zip(s, ref)) if i != d):
            raise b.error(f"{b.call.spelling}(): shapes {fmt(ref)} and {fmt(s)} differ outside dim {d}")
        total += s[d]
    b.extra["dim"] = d
    return tensor(bounded((*ref[:d], total, *ref[d + 1 :]), b.where))


def _cat_emit(b: Bound) -> Any:
    n = len(b.info("tensors").items)
    items = TList(tuple(TIn("tensors", i) for i in range(n)))
    fn = b.call.spelling if b.native else "torch.cat"
    d = b.extra["dim"]
    return tcall(fn, items, dim=d) if d else tcall(fn, items)


def _cat_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    return S.cat(list(t["tensors"]), b.extra["dim"], b.out.shape if b.out else ())


_NP_JOIN = (P("arrays", TENSORS, canon="tensors"), P("axis", DIM, 0, canon="dim"))
register(
    op(
        "cat",
        "tensors joined along an existing dim",
        (P("tensors", TENSORS), P("dim", DIM, 0, aliases=("axis",))),
        shape=_cat_shape,
        emit=_cat_emit,
        sym=_cat_sym,
        group="shape",
    ),
    spell(
        "cat", torch=("cat", "concat", "concatenate"), np=("concatenate", "concat"), bare=False, sigs={"np": _NP_JOIN}
    ),
)


def _stack_shape(b: Bound) -> Info:
    shapes = _parts(b)
    for s in shapes[1:]:
        if s != shapes[0]:
            raise b.error(f"{b.call.spelling}() needs tensors of one shape, got {fmt(shapes[0])} and {fmt(s)}")
    n = len(shapes[0]) + 1
    d = norm_dim(b["dim"], n, b.where, allow_scalar=False)
    b.extra["dim"] = d
    return tensor(bounded((*shapes[0][:d], len(shapes), *shapes[0][d:]), b.where))


def _stack_emit(b: Bound) -> Any:
    n = len(b.info("tensors").items)
    items = TList(tuple(_item(b, "tensors", i) for i in range(n)))
    fn = b.call.spelling if b.native else "torch.stack"
    d = b.extra["dim"]
    return tcall(fn, items, dim=d) if d else tcall(fn, items)


def _item(b: Bound, name: str, i: int) -> Any:
    from .core import TConst
    from .dsl import pyvalue

    it = b.info(name).items[i]
    if it.kind == "static":
        return TConst(float(pyvalue(it.value)))
    return TIn(name, i)


def _stack_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    return S.stack(list(t["tensors"]), b.extra["dim"], b.out.shape if b.out else ())


register(
    op(
        "stack",
        "tensors of one shape joined along a new dim",
        (P("tensors", TENSORS), P("dim", DIM, 0, aliases=("axis",))),
        shape=_stack_shape,
        emit=_stack_emit,
        sym=_stack_sym,
        group="shape",
    ),
    spell("stack", np=True, bare=False, sigs={"np": _NP_JOIN}),
)


def _hv_shape(b: Bound) -> Info:
    shapes = _parts(b)
    vertical = b.op.key == "vstack"
    if vertical:
        shapes2 = [(1, s[0]) if len(s) == 1 else (1, 1) if not s else s for s in shapes]
        b.extra["promote"] = [len(s) <= 1 for s in shapes]
        d = 0
    else:
        shapes2 = [(1,) if not s else s for s in shapes]
        b.extra["promote"] = [not s for s in shapes]
        d = 0 if len(shapes2[0]) == 1 else 1
    total = sum(s[d] for s in shapes2)
    ref = shapes2[0]
    for s in shapes2:
        if len(s) != len(ref) or any(x != y for i, (x, y) in enumerate(zip(s, ref)) if i != d):
            raise b.error(f"{b.call.spelling}(): shapes {fmt(ref)} and {fmt(s)} do not fit")
    b.extra["dim"] = d
    b.extra["parts"] = shapes2
    return tensor((*ref[:d], total, *ref[d + 1 :]))


def _hv_emit(b: Bound) -> Any:
    n = len(b.info("tensors").items)
    fn = b.call.spelling if b.native else f"torch.{b.op.key}"
    return tcall(fn, TList(tuple(TIn("tensors", i) for i in range(n))))


def _hv_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    parts = [S.SymTensor(s, x.items) for s, x in zip(b.extra["parts"], t["tensors"])]
    return S.cat(parts, b.extra["dim"], b.out.shape if b.out else ())


for _key in ("hstack", "vstack"):
    register(
        op(
            _key,
            "tensors joined " + ("side by side" if _key == "hstack" else "one above the other"),
            (P("tensors", TENSORS),),
            shape=_hv_shape,
            emit=_hv_emit,
            sym=_hv_sym,
            group="shape",
        ),
        spell(_key, np=True, bare=False, sigs={"np": (P("tup", TENSORS, canon="tensors"),)}),
    )


# ---- expand, repeat -------------------------------------------------------------------------------------


def _expand_shape(b: Bound) -> Info:
    shape = b.shape("input")
    wanted = _ints(b, "size")
    if len(wanted) < len(shape):
        raise b.error(f"expand to {wanted}: fewer dims than the tensor's shape {fmt(shape)}")
    pad = (1,) * (len(wanted) - len(shape)) + shape
    out = []
    for w, s in zip(wanted, pad):
        if w == -1:
            out.append(s)
        elif s not in (1, w):
            raise b.error(f"cannot expand shape {fmt(shape)} to {wanted}")
        else:
            out.append(w)
    return tensor(bounded(tuple(out), b.where))


def _expand_emit(b: Bound) -> Any:
    out = b.out.shape if b.out else ()
    if b.native and b.call.form == "method":
        return call_torch(b, [TIn("input"), *_ints(b, "size")])
    return tcall("torch.broadcast_to", TIn("input"), tuple(out))


def _expand_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    out = b.out.shape if b.out else ()
    return S.SymTensor(out, S.expand(t["input"], out))


register(
    op(
        "expand",
        "broadcast to a larger shape (-1 keeps a size)",
        (X, P("size", INTS, varargs=True)),
        shape=_expand_shape,
        emit=_expand_emit,
        sym=_expand_sym,
        method="expand",
        group="shape",
        torch=".expand()",
    ),
    spell("expand", bare=False, method=True, torch=False),
)
register(
    op(
        "broadcast_to",
        "broadcast to a shape",
        (X, P("size", INTS)),
        shape=_expand_shape,
        emit=_expand_emit,
        sym=_expand_sym,
        group="shape",
    ),
    spell(
        "broadcast_to", np=True, method=True, sigs={"np": (P("array", canon="input"), P("shape", INTS, canon="size"))}
    ),
)


def _repeat_shape(b: Bound) -> Info:
    shape = b.shape("input")
    reps = _ints(b, "repeats")
    if b.op.key == "repeat" and len(reps) < len(shape):
        raise b.error(f"repeat needs at least {len(shape)} repeat counts for shape {fmt(shape)}")
    n = max(len(reps), len(shape))
    reps = (1,) * (n - len(reps)) + reps
    pad = (1,) * (n - len(shape)) + shape
    if any(r < 0 for r in reps):
        raise b.error("repeat counts must not be negative")
    b.extra["reps"] = reps
    b.extra["pad"] = pad
    return tensor(bounded(tuple(r * s for r, s in zip(reps, pad)), b.where))


def _repeat_emit(b: Bound) -> Any:
    if b.native and b.call.form == "method":
        return call_torch(b, [TIn("input"), *_ints(b, "repeats")])
    return tcall("torch.tile", TIn("input"), b.extra["reps"])


def _repeat_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    return S.tile(S.SymTensor(b.extra["pad"], t["input"].items), b.extra["reps"])


register(
    op(
        "repeat",
        "the tensor repeated along each dim (x.repeat(2, 3))",
        (X, P("repeats", INTS, varargs=True)),
        shape=_repeat_shape,
        emit=_repeat_emit,
        sym=_repeat_sym,
        method="repeat",
        group="shape",
        torch=".repeat()",
    ),
    spell("repeat", bare=False, torch=False, method=True),
)
register(
    op(
        "tile",
        "the tensor repeated along each dim",
        (X, P("dims", INTS, canon="repeats")),
        shape=_repeat_shape,
        emit=_repeat_emit,
        sym=_repeat_sym,
        method="tile",
        group="shape",
    ),
    spell("tile", method=True, np=True, sigs={"np": (P("A", canon="input"), P("reps", INTS, canon="repeats"))}),
)


# ---- shape queries: whole numbers known before the computation ----------------------------------------


def _shape_query(b: Bound) -> Info:
    info = b.info("input")
    if not info.is_tensor:
        raise b.error(f"{b.call.spelling} needs a tensor, got {info.describe()}")
    shape = info.shape
    key = b.op.key
    if key == "shape":
        return static(tuple(shape))
    if key == "ndim":
        return static(len(shape))
    if key == "numel":
        return static(math.prod(shape))
    if key == "len":
        if not shape:
            raise b.error("len() of a 0-d tensor")
        return static(shape[0])
    d = b["dim"]
    if d is None:
        return static(tuple(shape))
    return static(shape[norm_dim(d, len(shape), b.where, allow_scalar=False)])


def _no_code(b: Bound) -> Any:
    raise AssertionError("shape queries are folded to numbers before code is written")


register(
    op(
        "shape",
        "the shape as a tuple of whole numbers (x.shape[0])",
        (X,),
        shape=_shape_query,
        emit=_no_code,
        torch=".shape",
        group="shape",
        differentiable=False,
    ),
    spell("shape", bare=False, torch=False, attr=True, np=True),
)
register(
    op(
        "ndim",
        "the number of dims",
        (X,),
        shape=_shape_query,
        emit=_no_code,
        torch=".ndim",
        group="shape",
        differentiable=False,
    ),
    spell("ndim", bare=False, torch=False, attr=True, method="dim", np=True),
)
register(
    op(
        "numel",
        "the number of elements",
        (X,),
        shape=_shape_query,
        emit=_no_code,
        torch=".numel()",
        group="shape",
        differentiable=False,
    ),
    spell("numel", torch=True, method=True, np="size", bare=False),
)
register(
    op(
        "len",
        "the size of the first dim",
        (P("obj", canon="input"),),
        shape=_shape_query,
        emit=_no_code,
        torch="len",
        group="shape",
        differentiable=False,
    ),
    spell("len", torch=False),
)
register(
    op(
        "size",
        "x.size() is the shape; x.size(d) the size of dim d",
        (X, P("dim", DIM, None)),
        shape=_shape_query,
        emit=_no_code,
        torch=".size()",
        group="shape",
        differentiable=False,
    ),
    spell("size", bare=False, torch=False, method=True),
)


def _range_shape(b: Bound) -> Info:
    args = [b[k] for k in ("start", "stop", "step") if b[k] is not None]
    if not all(isinstance(a, int) for a in args):
        raise b.error("range() takes whole numbers")
    if len(args) == 1:
        args = [0, args[0]]
    r = range(*args)
    if len(r) > 10_000_000:
        raise b.error("range() is longer than 10,000,000")
    return static(tuple(r))


def _list_shape(b: Bound) -> Info:
    info = b.info("input")
    if info.kind == "static" and isinstance(info.value, tuple):
        return info
    if info.kind == "seq":
        return info
    raise b.error(f"list() here turns a range or a list into a list; got {info.describe()}")


def _float_shape(b: Bound) -> Info:
    info = b.info("input")
    if info.kind == "static":
        value = info.value
        if isinstance(value, str):
            word = value.strip().lower()
            table = {
                "inf": math.inf,
                "+inf": math.inf,
                "infinity": math.inf,
                "-inf": -math.inf,
                "-infinity": -math.inf,
                "nan": math.nan,
            }
            if word not in table:
                raise b.error(f"float({value!r}) is not a number; float() takes 'inf', '-inf', 'nan' or a number")
            return static(table[word])
        if isinstance(value, (int, float)) or hasattr(value, "denominator"):
            return static(float(value))
    raise b.error(
        f"{b.where} turns a tensor into a Python float, so torch passes no gradient through it; leave float() out"
    )


register(
    op(
        "range",
        "range(n), range(a, b, step): whole numbers, for indexing",
        (P("start", INT), P("stop", INT, None), P("step", INT, None)),
        shape=_range_shape,
        emit=_no_code,
        torch="range",
        group="shape",
        differentiable=False,
    ),
    spell("range", torch=False),
)
register(
    op(
        "list",
        "list(range(n)): the same whole numbers",
        (P("input", "any"),),
        shape=_list_shape,
        emit=_no_code,
        torch="list",
        group="shape",
        differentiable=False,
    ),
    spell("list", torch=False),
)
register(
    op(
        "float",
        "float('inf'), float('-inf'), float('nan'), float(2): a number",
        (P("input", "any"),),
        shape=_float_shape,
        emit=_no_code,
        torch="float",
        group="constant",
        differentiable=False,
    ),
    spell("float", torch=False),
)

__all__ = ["TENSORS", "resolve_shape", "static"]
