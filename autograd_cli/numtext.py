"""Numbers and points as text, the same everywhere (tables, Markdown, LaTeX, DOT, pictures,
the explorer): no Rich, no torch."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .results import Header


def num(v: float, digits: int | None = None) -> str:
    """``4`` rather than ``4.0``; shortest round-trip form, or ``digits`` significant digits."""
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if digits is not None:
        text = f"{v:.{digits}g}"
    else:
        text = repr(float(v))
        if text.endswith(".0"):
            text = text[:-2]
    return "0" if text == "-0" else text


def in_dtype(h: Header) -> str:
    """`` (float32)`` for a title, when the numbers are not the default float64."""
    return "" if h.dtype == "float64" else f" ({h.dtype})"


def point_text(h: Header, digits: int | None) -> str:
    if h.point is None:
        return ""
    if not h.tensor_inputs:
        return ", ".join(f"{n} = {num(v, digits)}" for n, v in zip(h.inputs, h.point))
    parts = []
    k = 0
    for name, shape in h.input_shapes.items():
        size = math.prod(shape)
        vals = h.point[k : k + size]
        k += size
        if not shape:
            parts.append(f"{name} = {num(vals[0], digits)}")
        elif size <= 8:  # whole: in its own shape, as tensor.tolist() nests it
            parts.append(f"{name} = {nested_text(vals, tuple(shape), digits)}")
        else:
            shown = ", ".join(num(v, digits) for v in vals[:8])
            parts.append(f"{name} = [{shown}, …] {tuple(shape)}")
    return "; ".join(parts)


def nested_text(values: list[float], shape: tuple[int, ...], digits: int | None) -> str:
    """``[[1, 2], [3, 4]]``: flat row-major values written in ``shape``."""
    if len(shape) <= 1:
        return "[" + ", ".join(num(v, digits) for v in values) + "]"
    step = math.prod(shape[1:])
    inner = (nested_text(values[i * step : (i + 1) * step], shape[1:], digits) for i in range(shape[0]))
    return "[" + ", ".join(inner) + "]"
