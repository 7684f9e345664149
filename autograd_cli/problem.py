"""A parsed function with its inputs' shapes and (optionally) a point: what engines work on.

Imports no torch: everything here is checked before the slow imports, so a wrong count
of values or a shape that does not fit is reported at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from itertools import chain

from .errors import InputError, ShapeError
from .parsing import Function
from .points import PointSpec, Value
from .shapes import Shape, fmt, infer, numel, output_shape

MAX_JACOBIAN = 25_000_000  # entries (200 MB of float64)
DTYPES = ("float64", "float32")


@dataclass(frozen=True)
class Input:
    name: str
    shape: Shape

    @property
    def numel(self) -> int:
        return numel(self.shape)


def _subscript(i: int) -> str:
    return str(i).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def _index_labels(prefix: str, shape: Shape) -> list[str]:
    if not shape:
        return [prefix]
    out: list[str] = []
    counters = [0] * len(shape)
    for _ in range(numel(shape)):
        out.append(f"{prefix}[{','.join(map(str, counters))}]")
        for axis in reversed(range(len(shape))):
            counters[axis] += 1
            if counters[axis] < shape[axis]:
                break
            counters[axis] = 0
    return out


@dataclass(frozen=True)
class Problem:
    """Components, ordered inputs with shapes, and the point (flat, in input order)."""

    function: Function
    inputs: tuple[Input, ...]
    component_shapes: tuple[Shape, ...]
    point: tuple[float, ...] | None = None
    dtype: str = "float64"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.inputs)

    @property
    def single_leaf(self) -> bool:
        """All inputs are scalars: they are the elements of one leaf tensor ``x``, as in the seeds."""
        return all(not i.shape for i in self.inputs)

    @property
    def n(self) -> int:
        return sum(i.numel for i in self.inputs)

    @property
    def m(self) -> int:
        return numel(self.output_shape)

    @property
    def output_shape(self) -> Shape:
        return output_shape(list(self.component_shapes))

    @property
    def scalar_components(self) -> bool:
        return all(not s for s in self.component_shapes)

    @cached_property
    def columns(self) -> list[str]:
        """One label per flattened input element: ``x0`` or ``x[1,0]``."""
        out: list[str] = []
        for inp in self.inputs:
            out.extend(_index_labels(inp.name, inp.shape))
        return out

    @cached_property
    def output_name(self) -> str:
        """``y``, unless an input is called y (as in the seed's z = x*y): then ``z``, ``out``, ``f``."""
        taken = {name for name in self.names}
        return next((n for n in ("y", "z", "out", "f", "F") if n not in taken), "output")

    @cached_property
    def rows(self) -> list[str]:
        """One label per output element: ``y0`` for scalar components, else ``y[i]`` / ``y1[i]``."""
        y = self.output_name
        if self.scalar_components:
            return [f"{y}{i}" for i in range(len(self.component_shapes))]
        if len(self.component_shapes) == 1:
            return _index_labels(y, self.component_shapes[0])
        out: list[str] = []
        for i, shape in enumerate(self.component_shapes):
            out.extend(_index_labels(f"{y}{i}", shape))
        return out

    def row_title(self, i: int) -> str:
        """``y₀ = x0**2 + 3*x1`` for scalar components; ``y[0]`` (``y = x*w``) otherwise."""
        if self.scalar_components:
            return f"{self.output_name}{_subscript(i)} = {self.function.outputs[i]}"
        if len(self.component_shapes) == 1 and i == 0:
            return f"{self.rows[0]}  ({self.output_name} = {self.function.outputs[0]})"
        return self.rows[i]

    def point_values(self) -> dict[str, Value]:
        assert self.point is not None
        out: dict[str, Value] = {}
        k = 0
        for inp in self.inputs:
            out[inp.name] = Value(inp.shape, tuple(self.point[k : k + inp.numel]))
            k += inp.numel
        return out


def assign(function: Function, spec: PointSpec | None) -> tuple[tuple[Input, ...], tuple[float, ...] | None]:
    """Match the typed values to the function's inputs: shapes and the flat point."""
    names = function.names
    if spec is None or spec.empty:
        return tuple(Input(n, ()) for n in names), None
    values: dict[str, Value] = {}
    if spec.named:
        unknown = [n for n in spec.named if n not in names]
        if unknown:
            raise InputError(
                f"--at names {', '.join(unknown)}, which the expression does not use; its inputs are "
                f"{', '.join(names) or '(none)'} (add unused inputs with --vars)"
            )
        missing = [n for n in names if n not in spec.named]
        if missing:
            raise InputError(
                f"--at gives no value for {', '.join(missing)}; the inputs are {', '.join(names)}. "
                f"Add {missing[0]}=... to --at"
            )
        values = dict(spec.named)
    else:
        given = list(spec.positional)
        if len(given) == 1 and len(names) > 1 and len(given[0].shape) == 1 and given[0].shape[0] == len(names):
            given = [Value((), (v,)) for v in given[0].data]  # --at "[2,3]" for x0, x1
        if len(given) != len(names):
            counted = "value" if len(given) == 1 else "values"
            raise InputError(
                f"--at has {len(given)} {counted} but the function has {len(names)} input"
                f"{'s' if len(names) != 1 else ''} ({', '.join(names) or 'none'}); "
                + (
                    "give one value per input in this order, or name them: --at "
                    + ",".join(f"{n}=..." for n in names[:3])
                    if names
                    else "it has no variables, so it needs no point"
                )
            )
        values = dict(zip(names, given))
    inputs = tuple(Input(n, values[n].shape) for n in names)
    point = tuple(chain.from_iterable(values[n].data for n in names))
    return inputs, point


def make_problem(function: Function, spec: PointSpec | None, dtype: str = "float64") -> Problem:
    """Inputs from the point (scalars when there is none), shapes checked, sizes bounded."""
    if dtype not in DTYPES:
        raise InputError(f"--dtype {dtype!r} is not supported; use float64 or float32")
    inputs, point = assign(function, spec)
    shapes = {i.name: i.shape for i in inputs}
    try:
        comp_shapes = tuple(infer(c, shapes) for c in function.components)
    except ShapeError as e:
        if point is None:
            raise ShapeError(
                f"{e}. Without --at every variable is a scalar; give tensor values to set shapes, e.g. --at 'x=ones(4)'"
            ) from None
        raise
    return Problem(function, inputs, comp_shapes, point, dtype)


def check_jacobian_size(problem: Problem) -> None:
    """Commands that build the whole Jacobian refuse one beyond MAX_JACOBIAN entries."""
    size = problem.m * problem.n
    if size > MAX_JACOBIAN:
        raise ShapeError(
            f"the Jacobian would be {problem.m:,} x {problem.n:,} = {size:,} entries; the limit is "
            f"{MAX_JACOBIAN:,}. Use product (vᵀJ) or jvp (J·u) for one combination instead"
        )


def check_cotangent(problem: Problem, v: Value, option: str = "--v") -> tuple[float, ...]:
    """v must have one entry per output element (flat) or the output's shape."""
    m = problem.m
    if v.shape == problem.output_shape or (len(v.shape) <= 1 and numel(v.shape) == m):
        return v.data
    if problem.scalar_components:
        what = f"{m} component{'s' if m != 1 else ''} ({', '.join(problem.rows[:6])}{', ...' if m > 6 else ''})"
    else:
        what = f"output of shape {fmt(problem.output_shape)} ({m} elements)"
    got = f"{numel(v.shape)} value{'s' if numel(v.shape) != 1 else ''}"
    if len(v.shape) > 1:
        got += f" of shape {fmt(v.shape)}"
    raise InputError(
        f"{option} has {got} but the function has {what}; {option} needs one value per output"
        + (f", or the output's shape {fmt(problem.output_shape)}" if len(problem.output_shape) > 1 else "")
    )


def check_tangent(problem: Problem, spec: PointSpec, option: str = "--u") -> tuple[float, ...]:
    """A tangent u over the inputs, given like --at (in order or by name)."""
    try:
        inputs, u = assign(problem.function, spec)
    except InputError as e:
        raise InputError(str(e).replace("--at", option)) from None
    if u is None:
        raise InputError(f"{option} is empty")
    for got, want in zip(inputs, problem.inputs):
        if got.shape != want.shape:
            raise InputError(
                f"{option}: {got.name} has shape {fmt(got.shape)} but the input {want.name} has shape {fmt(want.shape)}"
            )
    return u
