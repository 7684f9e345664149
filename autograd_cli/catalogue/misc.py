"""Constants and constructors (torch.tensor, ones, eye, arange...), the gradient stop
(detach, jax.lax.stop_gradient), identity-like methods, and pairs' .values/.indices."""

from __future__ import annotations

import math
from typing import Any

from ..shapes import Info, bounded, fmt, nest, tensor
from .core import BOOL, DTYPE, INTS, NUMBER, Bound, P, TConst, TIn, tcall
from .dsl import X, call_torch, op, spell
from .registry import register

# ---- literal tensors ---------------------------------------------------------------------------------


def _nested_numbers(b: Bound, info: Info) -> tuple[tuple[int, ...], list[float]]:
    """A static nested list of numbers: its shape and flat values."""
    if (info.kind == "static" and isinstance(info.value, (int, float))) or info.numeric:
        return (), [float(info.value)]
    if info.kind != "seq" or not info.items:
        raise b.error(f"{b.call.spelling}() takes numbers or nested lists of numbers, got {info.describe()}")
    parts = [_nested_numbers(b, it) for it in info.items]
    shape = parts[0][0]
    if any(p[0] != shape for p in parts):
        raise b.error(f"the nested list in {b.call.spelling}() is ragged")
    return bounded((len(parts), *shape), b.where), [v for _, vals in parts for v in vals]


def _has_tensor(info: Info) -> bool:
    if info.kind == "seq":
        return any(_has_tensor(i) for i in info.items)
    return info.kind in ("tensor", "bool", "index")


def _stacked_shape(b: Bound, info: Info) -> tuple[int, ...]:
    if info.kind != "seq":
        if not info.is_tensor:
            raise b.error(f"{b.call.spelling}() got {info.describe()}")
        return info.shape
    shapes = [_stacked_shape(b, i) for i in info.items]
    if any(s != shapes[0] for s in shapes):
        raise b.error(f"{b.call.spelling}() needs items of one shape, got {fmt(shapes[0])} and another")
    return bounded((len(shapes), *shapes[0]), b.where)


def _tensor_shape(b: Bound) -> Info:
    data = b.info("data")
    if _has_tensor(data):
        if b.extra.get("family") in ("np", "jnp", "sympy") or b.op.key in ("array", "Matrix"):
            b.extra["stack"] = True
            return tensor(_stacked_shape(b, data))
        raise b.error(
            f"{b.call.spelling}([...]) copies the values of tensors into a new tensor, so torch passes no gradient "
            "through it; write torch.stack([...]) to keep the gradient"
        )
    shape, values = _nested_numbers(b, data)
    b.extra["values"] = values
    b.extra["shape"] = shape
    return tensor(shape)


def _tensor_emit(b: Bound) -> Any:
    if b.extra.get("stack"):
        return _stack_code(b, "data", b.info("data"), [])
    return TConst(nest(b.extra["values"], b.extra["shape"]))


def _stack_code(b: Bound, name: str, info: Info, path: list[int]) -> Any:
    from .core import TList

    if info.kind != "seq":
        if info.kind == "static":
            return TConst(float(info.value))
        return TIn(name, _flat_index(b, path))
    return tcall("torch.stack", TList(tuple(_stack_code(b, name, it, [*path, k]) for k, it in enumerate(info.items))))


def _flat_index(b: Bound, path: list[int]) -> int:
    """Leaves of a nested list are numbered in reading order (the order infer lists them)."""
    counter = [0]
    target = tuple(path)

    def walk(info: Info, here: tuple[int, ...]) -> int | None:
        if info.kind != "seq":
            k = counter[0]
            counter[0] += 1
            return k if here == target else None
        for i, it in enumerate(info.items):
            found = walk(it, (*here, i))
            if found is not None:
                return found
        return None

    found = walk(b.info("data"), ())
    assert found is not None
    return found


def _tensor_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    if b.extra.get("stack"):
        return S.SymTensor(b.out.shape if b.out else (), tuple(e for x in S.leaves(t["data"]) for e in x.items))
    return S.SymTensor(b.extra["shape"], tuple(S.number(v) for v in b.extra["values"]))


_DATA = (P("data", "nested"), P("dtype", "none", None, kw_only=True), P("requires_grad", BOOL, False, kw_only=True))
register(
    op(
        "tensor",
        "a constant tensor from numbers: torch.tensor([1., 2.]) (of tensors: refused, torch cuts the gradient)",
        _DATA,
        shape=_tensor_shape,
        emit=_tensor_emit,
        sym=_tensor_sym,
        group="constant",
        constant=True,
    ),
    spell("tensor", bare=False, torch=("tensor", "as_tensor")),
)
register(
    op(
        "array",
        "np.array([...]) / jnp.array([...]): numbers make a constant; tensors are stacked (as JAX traces them)",
        (P("object", "nested", canon="data"), P("dtype", "none", None)),
        shape=_tensor_shape,
        emit=_tensor_emit,
        sym=_tensor_sym,
        torch="torch.stack / torch.tensor",
        group="constant",
    ),
    spell("array", bare=False, torch=False, np=("array", "asarray")),
)
register(
    op(
        "Matrix",
        "SymPy's Matrix([a, b]) or Matrix([[a, b], [c, d]]): the entries, stacked",
        (P("data", "nested"),),
        shape=_tensor_shape,
        emit=_tensor_emit,
        sym=_tensor_sym,
        torch="torch.stack",
        group="constant",
    ),
    spell("Matrix", torch=False, sympy=True),
)


# ---- constructors: constants of a given shape -------------------------------------------------------


def _sizes(b: Bound) -> tuple[int, ...]:
    value = b["size"]
    if isinstance(value, int):
        value = (value,)
    if not isinstance(value, tuple) or not all(isinstance(v, int) and v >= 0 for v in value):
        raise b.error(f"{b.call.spelling}() needs sizes that are whole numbers >= 0, got {value!r}")
    return bounded(value, b.where)


def _fill_shape(b: Bound) -> Info:
    shape = _sizes(b)
    b.extra["shape"] = shape
    return tensor(shape)


def _fill_value(b: Bound) -> float:
    key = b.op.key
    if key.startswith("ones"):
        return 1.0
    if key.startswith("zeros"):
        return 0.0
    return float(b["fill_value"])


def _fill_emit(b: Bound) -> Any:
    shape = b.extra["shape"]
    return tcall("torch.full", shape, _fill_value(b), dtype=DTYPE)


def _fill_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    shape = b.extra["shape"]
    return S.SymTensor(shape, (S.number(_fill_value(b)),) * math.prod(shape))


for _key, _extra in (("ones", ()), ("zeros", ()), ("full", (P("fill_value", NUMBER),))):
    sig = (
        P("size", INTS, varargs=_key != "full"),
        *_extra,
        P("dtype", "none", None, kw_only=True),
        P("requires_grad", BOOL, False, kw_only=True),
    )
    register(
        op(
            _key,
            f"a constant tensor of the given size ({'filled with ' + _key if _key != 'full' else 'filled with fill_value'})",
            sig,
            shape=_fill_shape,
            emit=_fill_emit,
            sym=_fill_sym,
            group="constant",
            constant=True,
        ),
        spell(
            _key, bare=False, np=True, sigs={"np": (P("shape", INTS, canon="size"), *_extra, P("dtype", "none", None))}
        ),
    )


def _like_shape(b: Bound) -> Info:
    shape = b.shape("input")
    b.extra["shape"] = shape
    return tensor(shape)


for _key, _extra in (("ones_like", ()), ("zeros_like", ()), ("full_like", (P("fill_value", NUMBER),))):
    register(
        op(
            _key,
            "a constant tensor of the input's shape",
            (X, *_extra, P("dtype", "none", None, kw_only=True)),
            shape=_like_shape,
            emit=_fill_emit,
            sym=_fill_sym,
            group="constant",
            constant=True,
            differentiable=False,
        ),
        spell(_key, bare=False, np=True, sigs={"np": (P("a", canon="input"), *_extra, P("dtype", "none", None))}),
    )


def _eye_shape(b: Bound) -> Info:
    n, m = b["n"], b["m"]
    if not isinstance(n, int) or n < 0 or (m is not None and (not isinstance(m, int) or m < 0)):
        raise b.error("eye(n) or eye(n, m) with whole numbers")
    shape = bounded((n, n if m is None else m), b.where)
    b.extra["shape"] = shape
    return tensor(shape)


def _eye_emit(b: Bound) -> Any:
    n, m = b.extra["shape"]
    return tcall("torch.eye", n, m, dtype=DTYPE) if n != m else tcall("torch.eye", n, dtype=DTYPE)


def _eye_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    n, m = b.extra["shape"]
    return S.SymTensor((n, m), tuple(S.sp.Integer(1 if i == j else 0) for i in range(n) for j in range(m)))


register(
    op(
        "eye",
        "the identity matrix (n x n, or n x m)",
        (P("n", "int"), P("m", "int", None), P("dtype", "none", None, kw_only=True)),
        shape=_eye_shape,
        emit=_eye_emit,
        sym=_eye_sym,
        group="constant",
        constant=True,
    ),
    spell(
        "eye",
        bare=False,
        np=True,
        sigs={
            "np": (
                P("N", "int", canon="n"),
                P("M", "int", None, canon="m"),
                P("k", "none", None),
                P("dtype", "none", None),
            )
        },
    ),
)


def _range_values(b: Bound) -> list[float]:
    key = b.op.key
    if key == "arange":
        start, end, step = b["start"], b["end"], b["step"]
        if end is None:
            start, end = 0, start
        start, end, step = float(start), float(end), float(step if step is not None else 1)
        if step == 0:
            raise b.error("arange's step must not be 0")
        count = max(0, math.ceil((end - start) / step))
        bounded((count,), b.where)
        return [start + i * step for i in range(count)]
    start, end, steps = float(b["start"]), float(b["end"]), b["steps"]
    if not isinstance(steps, int) or steps < 0:
        raise b.error("linspace's steps must be a whole number")
    bounded((steps,), b.where)
    if steps == 1:
        return [start]
    step = (end - start) / (steps - 1)
    # torch fills the first half from start and the second half from end
    half = steps // 2
    return [start + i * step if i < half else end - (steps - 1 - i) * step for i in range(steps)]


def _range_shape(b: Bound) -> Info:
    values = _range_values(b)
    b.extra["values"] = values
    b.extra["shape"] = (len(values),)
    return tensor((len(values),))


def _range_emit(b: Bound) -> Any:
    args = [
        b[k]
        for k in (("start", "end", "step") if b.op.key == "arange" else ("start", "end", "steps"))
        if b[k] is not None
    ]
    from .dsl import pyvalue

    return tcall(f"torch.{b.op.key}", *(pyvalue(a) for a in args), dtype=DTYPE)


register(
    op(
        "arange",
        "start, start+step, ... below end (a constant)",
        (P("start", NUMBER), P("end", NUMBER, None), P("step", NUMBER, None), P("dtype", "none", None, kw_only=True)),
        shape=_range_shape,
        emit=_range_emit,
        sym=_tensor_sym,
        group="constant",
        constant=True,
    ),
    spell(
        "arange",
        bare=False,
        np=True,
        sigs={
            "np": (
                P("start", NUMBER),
                P("stop", NUMBER, None, canon="end"),
                P("step", NUMBER, None),
                P("dtype", "none", None),
            )
        },
    ),
)
register(
    op(
        "linspace",
        "steps evenly spaced values from start to end (a constant)",
        (P("start", NUMBER), P("end", NUMBER), P("steps", "int"), P("dtype", "none", None, kw_only=True)),
        shape=_range_shape,
        emit=_range_emit,
        sym=_tensor_sym,
        group="constant",
        constant=True,
    ),
    spell(
        "linspace",
        bare=False,
        np=True,
        sigs={"np": (P("start", NUMBER), P("stop", NUMBER, canon="end"), P("num", "int", 50, canon="steps"))},
    ),
)


def _refuse_random(b: Bound) -> Info:
    raise b.error(
        f"{b.call.spelling}() draws random numbers, so the answer would change every run; pass the values with --at instead"
    )


for _key in (
    "rand",
    "randn",
    "rand_like",
    "randn_like",
    "randint",
    "empty",
    "empty_like",
    "normal",
    "bernoulli",
    "dropout",
):
    register(
        op(
            f"random.{_key}",
            "refused: random or uninitialised values",
            (P("args", "static", None, varargs=True),),
            shape=_refuse_random,
            emit=lambda b: None,
            torch=f"torch.{_key}",
            group="refused",
        ),
        spell(_key, bare=False, torch=True, F=_key == "dropout", np=False),
    )


# ---- the gradient stop ------------------------------------------------------------------------------------


def _detach_emit(b: Bound) -> Any:
    if b.native and b.call.form == "attr":
        from .core import TAttr

        return TAttr(TIn("input"), b.call.spelling)  # x.data: the values without history, as detach()
    if b.native:
        return call_torch(b, [TIn("input")])
    from .core import TMethod

    return TMethod(TIn("input"), "detach")


def _detach_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    return S.map1(t["input"], S.stop_gradient)


register(
    op(
        "detach",
        "the same values with the gradient stopped: autograd treats it as a constant",
        (X,),
        shape=lambda b: tensor(b.shape("input")),
        emit=_detach_emit,
        sym=_detach_sym,
        method="detach",
        torch=".detach()",
        group="autograd",
        differentiable=False,
    ),
    [
        *spell("detach", torch=True, method=True),
        *spell("data", bare=False, torch=False, attr=True),
        *spell("stop_gradient", bare=False, torch=False, lax=True, sigs={"jax.lax": (P("x", canon="input"),)}),
    ],
)


def _identity_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    return t["input"]


for _key, _doc in (("clone", "a copy (the gradient flows)"), ("contiguous", "the same tensor (memory layout only)")):
    register(
        op(
            _key,
            _doc,
            (X,),
            shape=lambda b: tensor(b.shape("input")),
            emit=lambda b: call_torch(b, [TIn("input")]) if b.native else TIn("input"),
            sym=_identity_sym,
            method=_key,
            torch=f".{_key}()",
            group="autograd",
        ),
        spell(_key, bare=False, torch=_key == "clone", method=True),
    )


def _cast_shape(b: Bound) -> Info:
    return tensor(b.shape("input"))


for _key, _doc in (("float", "cast to float32 (vjp's float64 values are rounded)"), ("double", "cast to float64")):
    register(
        op(
            f"cast.{_key}",
            _doc,
            (X,),
            shape=_cast_shape,
            emit=lambda b: call_torch(b, [TIn("input")]),
            sym=_identity_sym,
            method=_key,
            torch=f".{_key}()",
            group="autograd",
        ),
        spell(_key, bare=False, torch=False, method=True),
    )


def _item_shape(b: Bound) -> Info:
    raise b.error(
        f"{b.call.spelling}() turns the tensor into a Python number, so torch passes no gradient through it; "
        "leave .item() out (the value is the same)"
    )


register(
    op(
        "item",
        "refused: a Python number has no gradient",
        (X,),
        shape=_item_shape,
        emit=lambda b: None,
        torch=".item()",
        group="refused",
    ),
    spell("item", bare=False, torch=False, method=("item", "tolist", "numpy")),
)


# ---- pairs from torch.max(x, dim), slogdet ----------------------------------------------------------


def _pair_part(b: Bound) -> Info:
    info = b.info("input")
    if info.kind != "pair":
        raise b.error(
            f".{b.call.spelling} is only for a (values, indices) pair such as torch.max(x, dim=1), got {info.describe()}"
        )
    index = 0 if b.call.spelling in ("values", "sign") else 1
    part = info.items[index]
    if part.kind == "index":
        raise b.error(f".{b.call.spelling} are whole-number positions: they have no gradient; use .values")
    b.extra["index"] = index
    return part


def _pair_emit(b: Bound) -> Any:
    from .core import TAttr

    return TAttr(TIn("input"), b.call.spelling)


def _pair_sym(S: Any, b: Bound, t: dict[str, Any]) -> Any:
    return t["input"].parts[b.extra["index"]]


for _key in ("values", "indices", "sign", "logabsdet"):
    register(
        op(
            f"pair.{_key}",
            f".{_key} of a pair",
            (P("input", "any"),),
            shape=_pair_part,
            emit=_pair_emit,
            sym=_pair_sym,
            torch=f".{_key}",
            group="shape",
        ),
        spell(_key, bare=False, torch=False, attr=True),
    )

__all__ = ["NUMBER"]
