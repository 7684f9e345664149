"""What the explorer is asked to show: the function's text, the point, v and the nudge step.

Plain data (no Textual, no torch). The point is kept by input name, so an input that
leaves the expression and comes back keeps its value, and it is handed to the request
layer as ``--at`` text that reads back to the very same floats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from ..errors import InputError
from ..numtext import num
from ..points import Value

STEPS = tuple(10.0**k for k in range(-6, 5))  # the nudge steps [ and ] move between
DEFAULT_STEP = 0.1
DEFAULT_VALUE = Value((), (1.0,))  # an input that has no value yet


@dataclass(frozen=True)
class Setup:
    """One state of the explorer's inputs; every edit makes a new one."""

    expression: str
    values: dict[str, Value] = field(default_factory=dict)  # by name, also names no longer used
    v: str = ""  # as typed; "" is no v (a scalar y backward()s with an implicit 1)
    vars: str | None = None  # --vars, while it still names every variable
    wrt: str | None = None  # --wrt
    dtype: str = "float64"

    def value(self, name: str) -> Value:
        return self.values.get(name, DEFAULT_VALUE)

    def at_text(self, names: tuple[str, ...] | list[str]) -> str:
        """``--at`` text for these inputs: ``x0=2, x=[1, 2.5]``; shortest round-trip floats."""
        return ", ".join(f"{n}={value_text(self.value(n))}" for n in names)

    def with_value(self, name: str, value: Value) -> Setup:
        return replace(self, values={**self.values, name: value})

    def with_element(self, name: str, index: int, number: float) -> Setup:
        old = self.value(name)
        data = list(old.data)
        data[index] = number
        return self.with_value(name, Value(old.shape, tuple(data)))


def value_text(value: Value) -> str:
    """A value as the point syntax writes it: ``2``, ``[1, 2]``, ``[[1, 0], [0, 1]]``."""

    def nested(flat: list[float], shape: tuple[int, ...]) -> str:
        if not shape:
            return num(flat[0])
        step = math.prod(shape[1:])
        return "[" + ", ".join(nested(flat[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])) + "]"

    if value.shape and not value.data:
        return f"zeros({', '.join(str(s) for s in value.shape)})"
    return nested(list(value.data), tuple(value.shape))


def nudged(number: float, step: float, direction: int) -> float:
    """``number + direction * step`` in decimal, so 2.2 + 0.1 is 2.3 and not 2.3000000000000003."""
    try:
        out = float(Decimal(repr(number)) + direction * Decimal(repr(step)))
    except (InvalidOperation, OverflowError):
        out = math.inf
    if not math.isfinite(out):
        raise InputError(f"{num(number)} {'+' if direction > 0 else '-'} {num(step)} is not a finite number")
    return out


def next_step(step: float, direction: int) -> float:
    """The next step up (direction 1) or down (-1) on the ladder 1e-6 .. 1e4."""
    here = min(range(len(STEPS)), key=lambda i: abs(math.log10(STEPS[i]) - math.log10(step)))
    return STEPS[max(0, min(len(STEPS) - 1, here + direction))]


def one_hot(v: tuple[float, ...] | None) -> int | None:
    """The row a cotangent picks: the index of its single 1 when every other entry is 0."""
    if not v:
        return None
    ones = [i for i, x in enumerate(v) if x == 1.0]
    if len(ones) == 1 and all(x == 0.0 for i, x in enumerate(v) if i != ones[0]):
        return ones[0]
    return None


def one_hot_text(m: int, row: int) -> str:
    """e_row as --v text: ``0,1,0``."""
    return ",".join("1" if i == row else "0" for i in range(m))
