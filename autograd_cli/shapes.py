"""Shape rules of the expression language (torch's), checked before anything is built.

Shapes are tuples of ints, as ``torch.Size``. Checking them here, in plain Python, lets a
shape mistake be reported as a usage error naming both shapes, before torch is imported.
"""

from __future__ import annotations

import math

from .errors import ShapeError
from .expr import Add, Call, Const, Index, MatMul, Mul, Neg, Node, Num, Pow, Slice, Var, to_text

Shape = tuple[int, ...]

MAX_ELEMENTS = 10_000_000  # elements in any one tensor, input or intermediate


def fmt(shape: Shape) -> str:
    """``(3,)``, ``(2, 2)`` or ``()`` for a scalar, as Python prints a torch.Size."""
    return f"({shape[0]},)" if len(shape) == 1 else "(" + ", ".join(map(str, shape)) + ")"


def numel(shape: Shape) -> int:
    return math.prod(shape)


def _short(node: Node) -> str:
    text = to_text(node)
    return text if len(text) <= 60 else text[:57] + "..."


def broadcast(a: Shape, b: Shape, where: Node | None = None, what: tuple[Node, Node] | None = None) -> Shape:
    """torch broadcasting of two shapes, or a ShapeError naming both."""
    if a == b:
        return a
    out: list[int] = []
    for i in range(1, max(len(a), len(b)) + 1):
        da = a[-i] if i <= len(a) else 1
        db = b[-i] if i <= len(b) else 1
        if da != db and da != 1 and db != 1:
            names = (
                f"{_short(what[0])} has shape {fmt(a)} and {_short(what[1])} has shape {fmt(b)}"
                if what
                else (f"shapes {fmt(a)} and {fmt(b)}")
            )
            inside = f" in {_short(where)}" if where is not None else ""
            raise ShapeError(
                f"shapes do not fit{inside}: {names}; elementwise operations need equal shapes "
                "or shapes that broadcast as in torch (sizes equal or 1, compared from the right)"
            )
        out.append(max(da, db))
    return _bounded(tuple(reversed(out)), where)


def _bounded(shape: Shape, where: Node | None) -> Shape:
    if numel(shape) > MAX_ELEMENTS:
        inside = f" in {_short(where)}" if where is not None else ""
        raise ShapeError(
            f"a tensor of shape {fmt(shape)} ({numel(shape):,} elements){inside} is larger than the "
            f"limit of {MAX_ELEMENTS:,} elements"
        )
    return shape


def _norm_dim(dim: int, ndim: int, node: Node) -> int:
    if ndim == 0:
        raise ShapeError(f"dim={dim} in {_short(node)}, but its argument is a scalar (shape ())")
    if not -ndim <= dim < ndim:
        raise ShapeError(
            f"dim={dim} is out of range in {_short(node)}: the argument has {ndim} dimension"
            f"{'s' if ndim != 1 else ''}, so dim must be in {-ndim}..{ndim - 1}"
        )
    return dim % ndim


def matmul_shape(a: Shape, b: Shape, node: Node) -> Shape:
    """torch.matmul's shape rule."""
    if not a or not b:
        raise ShapeError(
            f"@ needs tensors with at least one dimension in {_short(node)}, got shapes {fmt(a)} and {fmt(b)}; "
            "use * to multiply by a scalar"
        )
    inner_a = a[-1]
    inner_b = b[0] if len(b) == 1 else b[-2]
    if inner_a != inner_b:
        raise ShapeError(
            f"shapes do not fit for @ in {_short(node)}: {_short(node.left) if isinstance(node, MatMul) else 'left'} "
            f"has shape {fmt(a)} and {_short(node.right) if isinstance(node, MatMul) else 'right'} has shape {fmt(b)}; "
            f"the left's last size ({inner_a}) must equal the right's "
            f"{'only' if len(b) == 1 else 'second-to-last'} size ({inner_b})"
        )
    if len(a) == 1 and len(b) == 1:
        return ()
    if len(a) == 1:
        return b[:-2] + b[-1:]
    if len(b) == 1:
        return a[:-1]
    batch = broadcast(a[:-2], b[:-2], node)
    return _bounded((*batch, a[-2], b[-1]), node)


def index_shape(shape: Shape, index: tuple[int | Slice, ...], node: Node) -> Shape:
    if len(index) > len(shape):
        raise ShapeError(f"too many indices in {_short(node)}: {len(index)} given for a tensor of shape {fmt(shape)}")
    out: list[int] = []
    for axis, item in enumerate(index):
        size = shape[axis]
        if isinstance(item, int):
            if not -size <= item < size:
                raise ShapeError(
                    f"index {item} is out of range in {_short(node)}: dimension {axis} has size {size}, "
                    f"so the index must be in {-size}..{size - 1}"
                )
        else:
            out.append(len(range(*slice(item.start, item.stop, item.step).indices(size))))
    return tuple(out) + shape[len(index) :]


def infer(node: Node, shapes: dict[str, Shape]) -> Shape:
    """The shape ``node`` evaluates to, given each variable's shape."""
    if isinstance(node, (Num, Const)):
        return ()
    if isinstance(node, Var):
        return shapes[node.name]
    if isinstance(node, Neg):
        return infer(node.arg, shapes)
    if isinstance(node, Add):
        return _fold(node.terms, shapes, node)
    if isinstance(node, Mul):
        return _fold(node.factors, shapes, node)
    if isinstance(node, Pow):
        return broadcast(infer(node.base, shapes), infer(node.exp, shapes), node, (node.base, node.exp))
    if isinstance(node, MatMul):
        return matmul_shape(infer(node.left, shapes), infer(node.right, shapes), node)
    if isinstance(node, Index):
        return index_shape(infer(node.base, shapes), node.index, node)
    if isinstance(node, Call):
        return _call_shape(node, [infer(a, shapes) for a in node.args])
    raise TypeError(node)


def _fold(parts: tuple[Node, ...], shapes: dict[str, Shape], node: Node) -> Shape:
    shape = infer(parts[0], shapes)
    first = parts[0]
    for part in parts[1:]:
        other = infer(part, shapes)
        if other != shape:
            shape = broadcast(shape, other, node, (first, part))
        first = part if other == shape else first
    return shape


def _call_shape(node: Call, args: list[Shape]) -> Shape:
    from .parsing import FUNCTIONS  # the kinds live beside the allow-list

    kind = FUNCTIONS[node.name].kind
    if kind == "elementwise" or (kind == "minmax" and len(args) > 1):
        shape = args[0]
        for arg, other in zip(node.args[1:], args[1:]):
            shape = broadcast(shape, other, node, (node.args[0], arg))
        return shape
    if kind == "softmax":
        if node.dim is not None:
            _norm_dim(node.dim, len(args[0]), node)
        return args[0]
    if kind == "dot":
        a, b = args
        if len(a) != 1 or len(b) != 1 or a != b:
            raise ShapeError(
                f"dot() needs two vectors of the same length in {_short(node)}, got shapes {fmt(a)} and {fmt(b)}"
                "; for matrices use @"
            )
        return ()
    # reductions: sum mean prod norm logsumexp, and one-argument min/max
    (shape,) = args
    if node.dim is None:
        return ()
    d = _norm_dim(node.dim, len(shape), node)
    return shape[:d] + shape[d + 1 :]


def element_ops(node: Node, shapes: dict[str, Shape]) -> tuple[Shape, int]:
    """(shape, cost): how many element-level operations expanding ``node`` into scalars takes.

    This is what the SymPy reference pays for tensor variables (each element becomes an
    expression), so it is bounded before SymPy is asked to do it.
    """
    if isinstance(node, (Num, Const)):
        return (), 1
    if isinstance(node, Var):
        return shapes[node.name], numel(shapes[node.name])
    children: list[Node]
    if isinstance(node, Neg):
        children = [node.arg]
    elif isinstance(node, Add):
        children = list(node.terms)
    elif isinstance(node, Mul):
        children = list(node.factors)
    elif isinstance(node, Pow):
        children = [node.base, node.exp]
    elif isinstance(node, MatMul):
        children = [node.left, node.right]
    elif isinstance(node, Index):
        children = [node.base]
    else:
        assert isinstance(node, Call)
        children = list(node.args)
    parts = [element_ops(c, shapes) for c in children]
    cost = sum(c for _, c in parts)
    if isinstance(node, MatMul):
        (a, _), (b, _) = parts
        shape = matmul_shape(a, b, node)
        inner = a[-1] if a else 1
        return shape, cost + max(numel(shape), 1) * inner
    shape = infer(node, shapes) if isinstance(node, (Index, Call)) else _combine([s for s, _ in parts], node)
    return shape, cost + max(numel(shape), max((numel(s) for s, _ in parts), default=1))


def _combine(shapes_: list[Shape], node: Node) -> Shape:
    shape = shapes_[0]
    for s in shapes_[1:]:
        shape = broadcast(shape, s, node)
    return shape


def output_shape(shapes_of_components: list[Shape]) -> Shape:
    """One component keeps its shape; several are flattened and concatenated (stacked scalars)."""
    if len(shapes_of_components) == 1:
        return shapes_of_components[0]
    return (sum(numel(s) for s in shapes_of_components),)
