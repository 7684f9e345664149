"""Numbers as short as their dtype allows: the shortest decimal that reads back to the same float32.

A float32 result reaches Python as the float64 of its exact binary value, whose repr is
long (0.1 in float32 is 0.10000000149011612). For text meant to be read, each value is
replaced by the float64 of the *shortest* decimal that float32 reads back as the same
value (0.1), so Python's shortest round-trip repr, which every text format already uses,
prints that decimal. Values float32 cannot hold (beyond its range, or tiny values it
rounds to 0) keep their float64 value, so nothing is printed as inf or 0 that was not.

Light at import: no torch, no Rich (``array`` rounds to float32 in C).
"""

from __future__ import annotations

import dataclasses
import json
import math
from array import array
from collections.abc import Iterator
from typing import Any

FLOAT32_DIGITS = 9  # 9 significant digits always read back to the same float32


def to_float32(v: float) -> float:
    """``v`` rounded to the nearest float32 (inf beyond its range), as a Python float."""
    return array("f", [v])[0]


def shortest32(v: float) -> float:
    """The float64 of the shortest decimal that float32 reads back as float32(v): repr() prints it."""
    return shortest32_all([v])[0]


def shortest32_all(values: list[float]) -> list[float]:
    """:func:`shortest32` of every value, a pass per number of digits over the ones left."""
    out = list(values)
    rounded = array("f", values)
    pending = [
        k
        for k, (v, f) in enumerate(zip(values, rounded))
        if math.isfinite(f) and (f != 0 or v == 0) and math.isfinite(v)
    ]
    for digits in range(1, FLOAT32_DIGITS + 1):
        if not pending:
            break
        texts = ((f"%.{digits}g," * len(pending)) % tuple(rounded[k] for k in pending))[:-1]
        parsed = json.loads("[" + texts + "]")  # JSON reads %g's digits (1e-05, -0) as floats, in C
        back = array("f", parsed)
        left = []
        for k, p, b in zip(pending, parsed, back):
            if b == rounded[k]:
                out[k] = float(p)
            else:
                left.append(k)
        pending = left
    for k in pending:  # not reached: 9 digits always round-trip
        out[k] = rounded[k]
    return out


def shown(obj: Any, dtype: str) -> Any:
    """``obj`` (a result record, or lists and dicts of numbers) with every float replaced for display
    in ``dtype``: unchanged for float64, :func:`shortest32` for float32."""
    if dtype != "float32":
        return obj
    found: list[float] = []
    _collect(obj, found)
    if not found:
        return obj
    return _rebuild(obj, iter(shortest32_all(found)))


def _collect(obj: Any, sink: list[float]) -> None:
    if isinstance(obj, float):
        sink.append(obj)
    elif isinstance(obj, (list, tuple)):
        for x in obj:
            _collect(x, sink)
    elif isinstance(obj, dict):
        for x in obj.values():
            _collect(x, sink)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            if f.init:
                _collect(getattr(obj, f.name), sink)


def _rebuild(obj: Any, it: Iterator[float]) -> Any:
    if isinstance(obj, float):
        return next(it)
    if isinstance(obj, list):
        return [_rebuild(x, it) for x in obj]
    if isinstance(obj, tuple):
        return tuple(_rebuild(x, it) for x in obj)
    if isinstance(obj, dict):
        return {k: _rebuild(x, it) for k, x in obj.items()}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {f.name: _rebuild(getattr(obj, f.name), it) for f in dataclasses.fields(obj) if f.init}
        return dataclasses.replace(obj, **changes)
    return obj
