"""Helpers to declare operations tersely: spelling lists, common shape rules, the default
torch code, elementwise SymPy forms. Used by the family modules; torch- and SymPy-free."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction
from typing import Any

from ..shapes import Info, Shape, broadcast, norm_dim, norm_dims, reduced, tensor
from .core import (
    DIM,
    DIMS,
    INDEX,
    OPTIONAL_TENSOR,
    PREFIXES,
    SCALAR,
    TENSOR,
    TENSORS,
    Bound,
    Op,
    P,
    Param,
    Spelling,
    TAttr,
    TCall,
    TConst,
    TIn,
    TList,
    TMethod,
)

TENSOR_KINDS = (TENSOR, OPTIONAL_TENSOR, INDEX, SCALAR, "any")

Names = bool | str | Sequence[str]


def _names(value: Names | None, default: str) -> list[str]:
    if value is False or value is None:
        return []
    if value is True:
        return [default]
    if isinstance(value, str):
        return [value]
    return list(value)


def spell(
    key: str,
    *,
    bare: Names = True,
    torch: Names = True,
    method: Names = False,
    attr: Names = False,
    F: Names = False,
    special: Names = False,
    linalg: Names = False,
    np: Names = False,
    np_linalg: Names = False,
    jnp: Names | None = None,  # None: as np
    jnp_linalg: Names | None = None,
    jax_nn: Names = False,
    jsp: Names = False,
    lax: Names = False,
    math: Names = False,
    sympy: Names = False,
    sigs: dict[str, tuple[Param, ...]] | None = None,
) -> list[Spelling]:
    """Every spelling of an op: ``np=True`` adds ``np.KEY`` and ``numpy.KEY``, ``np="arcsin"``
    adds ``np.arcsin``, and so on. ``sigs`` gives a family its own signature (np's ``axis``)."""
    sigs = dict(sigs or {})
    for a, c in (("np", "jnp"), ("np.linalg", "jnp.linalg")):
        if a in sigs and c not in sigs:
            sigs[c] = sigs[a]
    out: list[Spelling] = []

    def add(family: str, names: Names | None, form: str = "call") -> None:
        for name in _names(names, key):
            if family == "bare":
                out.append(Spelling(name, form, "bare", False, sigs.get("bare")))
            elif family in ("method", "attr"):
                out.append(Spelling(name, family, "method", True, sigs.get("method")))
            else:
                paths, native = PREFIXES[family]
                for prefix in paths:
                    out.append(Spelling(f"{prefix}.{name}", "call", family, native, sigs.get(family)))

    add("bare", bare)
    add("torch", torch)
    add("method", method, "method")
    add("attr", attr, "attr")
    add("F", F)
    add("special", special)
    add("linalg", linalg)
    add("np", np)
    add("np.linalg", np_linalg)
    add("jnp", np if jnp is None else jnp)
    add("jnp.linalg", np_linalg if jnp_linalg is None else jnp_linalg)
    add("jax.nn", jax_nn)
    add("jax.scipy.special", jsp)
    add("jax.lax", lax)
    add("math", math)
    add("sympy", sympy)
    return out


# ---- shape rules -------------------------------------------------------------------------------


def tensor_params(b: Bound) -> list[str]:
    return [key for key in _tensor_keys(b.op.sig) if b.has(key)]


_TENSOR_KEYS: dict[int, tuple[tuple[Param, ...], tuple[str, ...]]] = {}


def _tensor_keys(sig: tuple[Param, ...]) -> tuple[str, ...]:
    """The tensor parameters of a signature, once per signature (kept by identity: hashing it costs more)."""
    hit = _TENSOR_KEYS.get(id(sig))
    if hit is None or hit[0] is not sig:
        hit = _TENSOR_KEYS[id(sig)] = (sig, tuple(p.key for p in sig if p.kind in TENSOR_KINDS))
    return hit[1]


def elementwise(b: Bound) -> Info:
    """Broadcast every tensor argument, as torch's elementwise ops do."""
    names = tensor_params(b)
    shapes = [b.shape(n) for n in names]
    out: Shape = shapes[0] if shapes else ()
    for n, s in zip(names[1:], shapes[1:]):
        if s != out:  # equal shapes need no message text (b.where prints the call: slow for big inputs)
            out = broadcast(out, s, b.where, (b.arg_text(names[0]), b.arg_text(n)))
    return tensor(out)


def same_as(name: str) -> Callable[[Bound], Info]:
    def rule(b: Bound) -> Info:
        return tensor(b.shape(name))

    return rule


def along_dim(name: str = "input", dim: str = "dim", default: int | None = None) -> Callable[[Bound], Info]:
    """Same shape, working along one dim (softmax, cumsum): the dim is checked and kept in extra."""

    def rule(b: Bound) -> Info:
        shape = b.shape(name)
        d = b[dim]
        if d is None:
            d = default
        if d is None:
            raise b.error(f"{b.call.spelling}() needs dim=... here")
        b.extra["dim"] = norm_dim(d, len(shape), b.where)
        return tensor(shape)

    return rule


NUMPY_FAMILIES = frozenset({"np", "jnp", "np.linalg", "jnp.linalg", "jax.nn", "jax.scipy.special"})


def reduce_dims(b: Bound, ndim: int, dim: str = "dim") -> tuple[int, ...]:
    """The dims a reduction runs over, normalised: None is every dim, and so is an empty tuple
    for torch (dim=()); NumPy and JAX read axis=() as no axis at all, which is refused."""
    value = b[dim]
    if isinstance(value, tuple) and not value:
        if b.extra.get("family") in NUMPY_FAMILIES:
            raise b.error(
                f"{b.call.spelling}() with axis=() reduces over no axis in NumPy and JAX (torch reads dim=() as "
                "every dim); leave axis out to reduce over every axis"
            )
        value = None
    return norm_dims(value, ndim, b.where)


def reduction(name: str = "input", dim: str = "dim", keepdim: str = "keepdim") -> Callable[[Bound], Info]:
    """Reduce over dim (an int, a tuple, or None for all); normalised dims go in extra['dims']."""

    def rule(b: Bound) -> Info:
        shape = b.shape(name)
        dims = reduce_dims(b, len(shape), dim)
        b.extra["dims"] = dims
        return tensor(reduced(shape, dims, bool(b[keepdim])))

    return rule


# ---- the default torch code ----------------------------------------------------------------------


def pyvalue(value: Any) -> Any:
    """A static value as the torch code writes it: whole Fractions as int, others as float."""
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else float(value)
    if isinstance(value, tuple):
        return tuple(pyvalue(v) for v in value)
    return value


def arg_of(b: Bound, name: str) -> Any:
    """Parameter ``name`` as the torch code passes it (a tensor, a list of tensors, a value)."""
    return _arg(b, next(p for p in b.op.sig if p.key == name))


def _arg(b: Bound, p: Param) -> Any:
    if p.kind == TENSORS:
        count = len(b.infos[p.key].items)
        return TList(tuple(TIn(p.key, i) for i in range(count)))
    if p.kind in TENSOR_KINDS:
        info = b.infos[p.key]
        if info.kind == "static":
            if info.value is None or p.kind == SCALAR or isinstance(info.value, (bool, str)):
                return pyvalue(info.value)
            return TConst(float(pyvalue(info.value)))  # torch wants a tensor here (torch.maximum(x, 0))
        if info.kind == "seq":
            return TConst(_literal(info))
        return TIn(p.key)
    return pyvalue(b.values.get(p.key))


def _literal(info: Info) -> Any:
    if info.kind == "static":
        return float(pyvalue(info.value))
    return [_literal(i) for i in info.items]


def default_emit(b: Bound, positional: Iterable[str] = (), skip: Iterable[str] = ()) -> Any:
    """The op called as torch spells it: tensors positionally, other arguments by keyword,
    left out when they equal torch's default. A torch spelling of the user's is kept."""
    op = b.op
    pos_names = set(positional)
    skipped = set(skip)
    # a torch spelling of the user's keeps that function's own keyword names (torch.swapaxes: axis0)
    own = {p.key: p.name for p in (b.extra.get("sig") or op.sig)} if b.native else {}
    args: list[Any] = []
    kwargs: list[tuple[str, Any]] = []
    positional_open = True
    for p in op.sig:
        if p.key in skipped:
            continue
        given = b.has(p.key) if p.kind in TENSOR_KINDS or p.kind == TENSORS else p.key in b.values
        if not given:
            positional_open = False
            continue
        value = _arg(b, p)
        is_tensor = p.kind in TENSOR_KINDS or p.kind == TENSORS
        if (is_tensor or p.key in pos_names) and positional_open and not p.kw_only:
            args.append(value)
            continue
        positional_open = False
        if not is_tensor and not p.required and _same(value, p.default):
            continue
        kwargs.append((own.get(p.key, p.key), value))
    return call_torch(b, args, kwargs)


def _same(a: Any, b: Any) -> bool:
    return (type(a) is type(b) and a == b) or (isinstance(a, (int, float)) and isinstance(b, (int, float)) and a == b)


def call_torch(b: Bound, args: Sequence[Any], kwargs: Sequence[tuple[str, Any]] = ()) -> Any:
    """``torch.f(args)`` as the op's torch spelling, or the user's own when it is torch's."""
    call = b.call
    if b.native and call.form == "attr":
        return TAttr(args[0], call.spelling)
    if b.native and call.form == "method":
        return TMethod(args[0], call.spelling, tuple(args[1:]), tuple(kwargs))
    fn = call.spelling if b.native else b.op.torch
    if fn.startswith("."):
        name = fn[1:]
        if name.endswith("()"):
            return TMethod(args[0], name[:-2], tuple(args[1:]), tuple(kwargs))
        return TAttr(args[0], name)
    return TCall(fn, tuple(args), tuple(kwargs))


# ---- declaring ops --------------------------------------------------------------------------------

X = P("input")


def op(
    key: str,
    doc: str,
    sig: Sequence[Param] = (X,),
    *,
    shape: Callable[[Bound], Info] = elementwise,
    emit: Callable[[Bound], Any] | None = None,
    torch: str | None = None,
    group: str = "math",
    sym: Callable[..., Any] | None = None,
    kinks: Callable[..., Any] | None = None,
    spellings: Sequence[Spelling] = (),
    method: str | None = None,
    **flags: Any,
) -> Op:
    return Op(
        key=key,
        doc=doc,
        sig=tuple(sig),
        shape=shape,
        emit=emit or default_emit,
        torch=torch or f"torch.{key}",
        group=group,
        sym=sym,
        kinks=kinks,
        spellings=tuple(spellings),
        method=method,
        **flags,
    )


def unary_sym(fn: Callable[[Any, Any], Any]) -> Callable[[Any, Bound, dict[str, Any]], Any]:
    """A SymPy form applied to each element: ``fn(sympy, element)``."""

    def sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
        return S.map1(t["input"], lambda e: fn(S.sp, e))

    return sym


def binary_sym(fn: Callable[[Any, Any, Any], Any], a: str = "input", c: str = "other") -> Callable[..., Any]:
    """A SymPy form of two broadcast arguments: ``fn(sympy, x, y)``."""

    def sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
        return S.zipwith([t[a], t[c]], lambda x, y: fn(S.sp, x, y), b.out.shape if b.out else None)

    return sym


# Kinks: each function returns (distance, why) pairs; the op is not differentiable where a
# distance is 0, and central differences straddle the kink where it is within their step.


def at_zero(name: str = "input", why: str = "its argument is 0") -> Callable[..., list[tuple[Any, str]]]:
    """Kink where an argument is 0 (abs, relu, sign...)."""

    def kinks(T: Any, b: Bound, v: dict[str, Any]) -> list[tuple[Any, str]]:
        return [(v[name].abs(), why)]

    return kinks


def at_values(points: Sequence[float], name: str = "input", why: str = "") -> Callable[..., list[tuple[Any, str]]]:
    def kinks(T: Any, b: Bound, v: dict[str, Any]) -> list[tuple[Any, str]]:
        x = v[name]
        dist = (x - points[0]).abs()
        for p in points[1:]:
            dist = T.minimum(dist, (x - p).abs())
        return [(dist, why or f"its argument is at {' or '.join(map(str, points))}")]

    return kinks


def at_integers(name: str = "input", half: bool = False) -> Callable[..., list[tuple[Any, str]]]:
    """Jumps of floor/ceil/round: at whole numbers (or halves for round)."""

    def kinks(T: Any, b: Bound, v: dict[str, Any]) -> list[tuple[Any, str]]:
        x = v[name]
        if half:
            return [((x - T.floor(x) - 0.5).abs(), "its argument is at a rounding boundary (a jump)")]
        return [((x - T.round(x)).abs(), "its argument is a whole number (a jump)")]

    return kinks


def tie_gap(T: Any, x: Any, dims: Sequence[int]) -> Any:
    """For each reduced slice: the gap between its largest and second-largest element (inf if one)."""
    if not dims:
        return T.full_like(x, float("inf"))
    rest = [d for d in range(x.ndim) if d not in dims]
    moved = x.permute(*rest, *dims).reshape(*[x.shape[d] for d in rest], -1)
    if moved.shape[-1] < 2:
        return T.full(moved.shape[:-1], float("inf"), dtype=x.dtype)
    top = T.topk(moved, 2, dim=-1).values
    return top[..., 0] - top[..., 1]


DIM_PARAM = P("dim", DIM, None)
DIMS_PARAM = P("dim", DIMS, None, aliases=("axis",))
KEEPDIM = P("keepdim", "bool", False, aliases=("keepdims",))
NP_AXIS = P("axis", DIMS, None, canon="dim")
NP_KEEPDIMS = P("keepdims", "bool", False, canon="keepdim")

__all__ = [
    "DIM",
    "DIMS",
    "DIMS_PARAM",
    "DIM_PARAM",
    "INDEX",
    "KEEPDIM",
    "NP_AXIS",
    "NP_KEEPDIMS",
    "TENSOR",
    "TENSORS",
    "X",
    "along_dim",
    "at_zero",
    "binary_sym",
    "call_torch",
    "default_emit",
    "elementwise",
    "op",
    "reduction",
    "same_as",
    "spell",
    "unary_sym",
]
