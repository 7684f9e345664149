"""Shapes and kinds of values, and torch's shape rules, checked before anything is built.

Shapes are tuples of ints, as ``torch.Size``. Checking them here, in plain Python, lets a
shape mistake be reported as a usage error naming both shapes, before torch is imported.
The rules of each operation live in the catalogue; the common ones (broadcasting, matmul,
reductions over dims) are here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .errors import ShapeError

Shape = tuple[int, ...]

MAX_ELEMENTS = 10_000_000  # elements in any one tensor, input or intermediate


@dataclass(frozen=True)
class Info:
    """What a subexpression evaluates to, known before torch runs.

    ``kind``: ``tensor`` (floating point), ``bool`` (a mask from a comparison), ``index``
    (an integer tensor: class targets, indices), ``static`` (a Python value known now:
    a number, a whole number such as ``x.shape[0]``, a string, ``True``, ``None``, a tuple),
    ``seq`` (a list or tuple of values, ``items``), ``pair`` (torch's (values, indices)).
    """

    kind: str
    shape: Shape = ()
    value: Any = None
    items: tuple[Info, ...] = ()

    @property
    def is_tensor(self) -> bool:
        """Usable as a tensor operand: tensors, masks, index tensors and static numbers."""
        if self.kind in ("tensor", "bool", "index"):
            return True
        return self.kind == "static" and _is_number(self.value)

    @property
    def numeric(self) -> bool:
        return self.kind == "static" and _is_number(self.value)

    def describe(self) -> str:
        if self.kind in ("tensor", "bool", "index"):
            word = {"tensor": "a tensor", "bool": "a mask", "index": "an integer tensor"}[self.kind]
            return f"{word} of shape {fmt(self.shape)}"
        if self.kind == "static":
            return f"the constant {self.value!r}"
        if self.kind == "seq":
            return f"a list of {len(self.items)}"
        if self.kind == "pair":
            return "a (values, indices) pair"
        return self.kind


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, Fraction))


TENSOR_SCALAR = Info("tensor", ())


_TENSORS: dict[Shape, Info] = {}


def tensor(shape: Shape) -> Info:
    """A tensor of ``shape`` (checked against the size limit); Infos are immutable, so one per shape."""
    info = _TENSORS.get(shape) if type(shape) is tuple else None
    if info is None:
        info = Info("tensor", bounded(shape))
        if type(shape) is tuple and len(_TENSORS) < 4096 and all(type(d) is int for d in shape):
            _TENSORS[shape] = info
    return info


def static(value: Any) -> Info:
    return Info("static", (), value)


def fmt(shape: Sequence[int]) -> str:
    """``(3,)``, ``(2, 2)`` or ``()`` for a scalar, as Python prints a torch.Size."""
    return f"({shape[0]},)" if len(shape) == 1 else "(" + ", ".join(map(str, shape)) + ")"


def numel(shape: Sequence[int]) -> int:
    return math.prod(shape)


def short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def bounded(shape: Shape, where: str = "") -> Shape:
    if numel(shape) > MAX_ELEMENTS:
        inside = f" in {short(where)}" if where else ""
        raise ShapeError(
            f"a tensor of shape {fmt(shape)} ({numel(shape):,} elements){inside} is larger than the "
            f"limit of {MAX_ELEMENTS:,} elements"
        )
    return shape


def broadcast(a: Shape, b: Shape, where: str = "", what: tuple[str, str] | None = None) -> Shape:
    """torch broadcasting of two shapes, or a ShapeError naming both."""
    if a == b:
        return a
    out: list[int] = []
    for i in range(1, max(len(a), len(b)) + 1):
        da = a[-i] if i <= len(a) else 1
        db = b[-i] if i <= len(b) else 1
        if da != db and da != 1 and db != 1:
            names = (
                f"{short(what[0])} has shape {fmt(a)} and {short(what[1])} has shape {fmt(b)}"
                if what
                else f"shapes {fmt(a)} and {fmt(b)}"
            )
            inside = f" in {short(where)}" if where else ""
            raise ShapeError(
                f"shapes do not fit{inside}: {names}; elementwise operations need equal shapes "
                "or shapes that broadcast as in torch (sizes equal or 1, compared from the right)"
            )
        out.append(max(da, db))
    return bounded(tuple(reversed(out)), where)


def broadcast_all(shapes: Sequence[Shape], where: str = "", names: Sequence[str] | None = None) -> Shape:
    out = shapes[0] if shapes else ()
    first = names[0] if names else ""
    for k, s in enumerate(shapes[1:], start=1):
        what = (first, names[k]) if names else None
        out = broadcast(out, s, where, what)
    return out


def norm_dim(dim: int, ndim: int, where: str = "", allow_scalar: bool = True) -> int:
    """``dim`` as a non-negative axis; a 0-d tensor accepts dim 0 and -1, as torch does."""
    if ndim == 0 and allow_scalar:
        if dim in (0, -1):
            return 0
        raise ShapeError(f"dim={dim} is out of range in {short(where)}: its argument is a scalar (shape ())")
    if not -ndim <= dim < ndim:
        raise ShapeError(
            f"dim={dim} is out of range in {short(where)}: the argument has {ndim} dimension"
            f"{'s' if ndim != 1 else ''}, so dim must be in {-ndim}..{ndim - 1}"
        )
    return dim % ndim


def norm_dims(dims: int | Sequence[int] | None, ndim: int, where: str = "") -> tuple[int, ...]:
    """A dim, a tuple of dims or None (all) as sorted distinct non-negative axes."""
    if dims is None:
        return tuple(range(ndim))
    items = (dims,) if isinstance(dims, int) else tuple(dims)
    if ndim == 0:
        for d in items:
            norm_dim(d, 0, where)
        return ()
    out = [norm_dim(d, ndim, where) for d in items]
    if len(set(out)) != len(out):
        raise ShapeError(f"a dimension is repeated in dim={tuple(items)!r} in {short(where)}")
    return tuple(sorted(out))


def reduced(shape: Shape, dims: tuple[int, ...], keepdim: bool) -> Shape:
    if keepdim:
        return tuple(1 if i in dims else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in dims)


def matmul_shape(a: Shape, b: Shape, where: str = "", left: str = "left", right: str = "right") -> Shape:
    """torch.matmul's shape rule."""
    if not a or not b:
        raise ShapeError(
            f"@ needs tensors with at least one dimension in {short(where)}, got shapes {fmt(a)} and {fmt(b)}; "
            "use * to multiply by a scalar"
        )
    inner_a = a[-1]
    inner_b = b[0] if len(b) == 1 else b[-2]
    if inner_a != inner_b:
        raise ShapeError(
            f"shapes do not fit for @ in {short(where)}: {short(left)} has shape {fmt(a)} and {short(right)} has "
            f"shape {fmt(b)}; the left's last size ({inner_a}) must equal the right's "
            f"{'only' if len(b) == 1 else 'second-to-last'} size ({inner_b})"
        )
    if len(a) == 1 and len(b) == 1:
        return ()
    if len(a) == 1:
        return b[:-2] + b[-1:]
    if len(b) == 1:
        return a[:-1]
    batch = broadcast(a[:-2], b[:-2], where)
    return bounded((*batch, a[-2], b[-1]), where)


def output_shape(shapes_of_components: list[Shape]) -> Shape:
    """One component keeps its shape; several are flattened and concatenated (stacked scalars)."""
    if len(shapes_of_components) == 1:
        return shapes_of_components[0]
    return (sum(numel(s) for s in shapes_of_components),)


def strides(shape: Shape) -> list[int]:
    out = [1] * len(shape)
    for i in range(len(shape) - 2, -1, -1):
        out[i] = out[i + 1] * shape[i + 1]
    return out


# ---- indexing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Adv:
    """An integer-array index item: ``x[[0, 1], y]``. ``values``: its whole numbers when known
    now (a list, range(...)), None for an input of class indices (known at the point)."""

    shape: Shape
    values: tuple[int, ...] | None = None


def _layout(shape: Shape, plan: list[Any]) -> tuple[list[tuple[str, Any]], Shape, bool]:
    """The output dims of ``x[plan]`` (plan without '...'), following NumPy and torch:
    (dims in order, the broadcast shape of the array indices, whether they are adjacent)."""
    has_adv = any(isinstance(p, Adv) for p in plan)
    dims: list[tuple[str, Any]] = []
    adv_shapes: list[Shape] = []
    axis = 0
    for k, p in enumerate(plan):
        if p is None:
            dims.append(("new", k))
        elif isinstance(p, slice):
            dims.append(("slice", k))
            axis += 1
        elif isinstance(p, Adv) or (has_adv and isinstance(p, int)):
            adv_shapes.append(p.shape if isinstance(p, Adv) else ())
            dims.append(("adv", k))
            axis += 1
        else:
            axis += 1  # a whole number without array indices: the axis goes away
    for extra in range(axis, len(shape)):
        dims.append(("rest", extra))
    b = adv_shapes[0] if adv_shapes else ()
    for s in adv_shapes[1:]:
        b = broadcast(b, s)
    adv_at = [i for i, d in enumerate(dims) if d[0] == "adv"]
    adjacent = not adv_at or adv_at == list(range(adv_at[0], adv_at[-1] + 1))
    return dims, b, adjacent


def index_shape(shape: Shape, plan: list[Any]) -> Shape:
    """The shape of ``x[plan]``: whole numbers, slices, None and integer arrays (no '...')."""
    dims, b, adjacent = _layout(shape, plan)
    sizes: list[int] = []
    placed = False
    source_axis = _source_axes(plan)
    if not adjacent and any(d[0] == "adv" for d in dims):
        sizes.extend(b)
        placed = True
    for kind, k in dims:
        if kind == "adv":
            if not placed:
                sizes.extend(b)
                placed = True
        elif kind == "new":
            sizes.append(1)
        elif kind == "slice":
            sizes.append(len(range(*plan[k].indices(shape[source_axis[k]]))))
        else:
            sizes.append(shape[k])
    return tuple(sizes)


def _source_axes(plan: list[Any]) -> dict[int, int]:
    out: dict[int, int] = {}
    axis = 0
    for k, p in enumerate(plan):
        if p is None:
            continue
        out[k] = axis
        axis += 1
    return out


def index_sources(shape: Shape, plan: list[Any], arrays: dict[int, list[int]]) -> tuple[Shape, list[int]]:
    """For ``x[plan]``: the output shape and, per output element (row-major), the flat index of
    the element of x it holds. ``arrays[k]``: the flat whole numbers of array item k."""
    dims, b, adjacent = _layout(shape, plan)
    out_shape = index_shape(shape, plan)
    source_axis = _source_axes(plan)
    st = strides(shape)
    # the output dims, each tagged: ("b", j) a dim of the broadcast shape, ("new",), ("slice", k), ("rest", axis)
    tags: list[tuple[Any, ...]] = []
    b_tags = [("b", j) for j in range(len(b))]
    placed = False
    if not adjacent and any(d[0] == "adv" for d in dims):
        tags.extend(b_tags)
        placed = True
    for kind, k in dims:
        if kind == "adv":
            if not placed:
                tags.extend(b_tags)
                placed = True
        elif kind == "new":
            tags.append(("new",))
        else:
            tags.append((kind, k))
    out_st = strides(out_shape)
    result: list[int] = []
    for flat in range(numel(out_shape)):
        idx = [(flat // out_st[a]) % out_shape[a] for a in range(len(out_shape))]
        bidx = [0] * len(b)
        src = 0
        for tag, i in zip(tags, idx):
            if tag[0] == "b":
                bidx[tag[1]] = i
            elif tag[0] == "slice":
                k = tag[1]
                src += range(*plan[k].indices(shape[source_axis[k]]))[i] * st[source_axis[k]]
            elif tag[0] == "rest":
                src += i * st[tag[1]]
        for k, p in enumerate(plan):
            if isinstance(p, int) and not isinstance(p, bool):
                src += (p % shape[source_axis[k]]) * st[source_axis[k]]
            elif isinstance(p, Adv):
                values = arrays[k]
                a_shape = p.shape
                pad = (1,) * (len(b) - len(a_shape)) + a_shape
                a_st = strides(pad)
                pos = sum((bidx[j] if pad[j] != 1 else 0) * a_st[j] for j in range(len(b)))
                src += (values[pos] % shape[source_axis[k]]) * st[source_axis[k]]
        result.append(src)
    return out_shape, result


def nest(flat: list[float], shape: Shape) -> Any:
    """Flat row-major values in ``shape``, as ``tensor.tolist()`` gives them (a number for ())."""
    if not shape:
        return flat[0]
    if len(shape) == 1:
        return list(flat)
    step = math.prod(shape[1:])
    return [nest(flat[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])]
