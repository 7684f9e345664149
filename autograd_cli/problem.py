"""A parsed function with its inputs' shapes, which of them are differentiated, and
(optionally) a point: what engines work on.

Imports no torch: everything here is checked before the slow imports, so a wrong count
of values or a shape that does not fit is reported at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain
from typing import TYPE_CHECKING

from . import catalogue
from .errors import InputError, ShapeError
from .expr import Call, to_text
from .infer import Analysis, index_candidates
from .labels import Labels, index_labels
from .parsing import Function
from .points import PointSpec, Value
from .shapes import Info, Shape, fmt, numel, output_shape, tensor

if TYPE_CHECKING:
    from .catalogue.core import Bound

MAX_JACOBIAN = 25_000_000  # entries (200 MB of float64)
DTYPES = ("float64", "float32")


@dataclass(frozen=True)
class Input:
    """One input: its shape; ``kind`` ``tensor`` or ``index`` (whole-number class targets);
    ``diff``: differentiated (a leaf with requires_grad=True) or a constant."""

    name: str
    shape: Shape
    kind: str = "tensor"
    diff: bool = True

    @property
    def numel(self) -> int:
        return numel(self.shape)


def _subscript(i: int) -> str:
    return str(i).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


_index_labels = index_labels  # (the explorer's name for it)


@dataclass(frozen=True)
class Problem:
    """Components, ordered inputs with shapes, the differentiated ones (``wrt``), and the point
    (flat, every input, in input order)."""

    function: Function
    inputs: tuple[Input, ...]
    component_shapes: tuple[Shape, ...]
    point: tuple[float, ...] | None = None
    dtype: str = "float64"
    wrt: tuple[str, ...] | None = None  # None: every input that can be differentiated
    analysis: Analysis | None = field(default=None, compare=False, hash=False, repr=False)
    notes: tuple[str, ...] = field(default=(), compare=False)  # what stderr should say about the input

    @property
    def names(self) -> tuple[str, ...]:
        """Every input, in input order (the point's order)."""
        return tuple(i.name for i in self.inputs)

    @cached_property
    def leaf_inputs(self) -> tuple[Input, ...]:
        """The differentiated inputs, in --wrt order: the Jacobian's columns."""
        by_name = {i.name: i for i in self.inputs}
        if self.wrt is None:
            return tuple(i for i in self.inputs if i.diff)
        return tuple(by_name[n] for n in self.wrt)

    @cached_property
    def const_inputs(self) -> tuple[Input, ...]:
        leaves = {i.name for i in self.leaf_inputs}
        return tuple(i for i in self.inputs if i.name not in leaves)

    @property
    def leaf_names(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.leaf_inputs)

    @property
    def has_constants(self) -> bool:
        return bool(self.const_inputs)

    @property
    def single_leaf(self) -> bool:
        """All differentiated inputs are scalars: they are the elements of one leaf tensor ``x``, as in the seeds."""
        return all(not i.shape for i in self.leaf_inputs)

    @property
    def n(self) -> int:
        """Differentiated elements: the Jacobian's columns."""
        return sum(i.numel for i in self.leaf_inputs)

    @property
    def n_all(self) -> int:
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
    def columns(self) -> Labels:
        """One label per differentiated element: ``x0`` or ``x[1,0]`` (made when asked for: a
        point of 10 million elements has as many, and a table shows a few)."""
        return Labels([(inp.name, inp.shape) for inp in self.leaf_inputs])

    @cached_property
    def all_columns(self) -> Labels:
        """One label per element of every input (the point's layout)."""
        if self.leaf_inputs == self.inputs:
            return self.columns
        return Labels([(inp.name, inp.shape) for inp in self.inputs])

    @cached_property
    def output_name(self) -> str:
        """``y``, unless an input or intermediate is called y (as in the seed's z = x*y): then ``z``, ``out``, ``f``."""
        taken = set(self.names) | {s.name for s in self.function.statements}
        return next((n for n in ("y", "z", "out", "f", "F") if n not in taken), "output")

    @cached_property
    def leaf_name(self) -> str:
        """The one leaf of scalar inputs: ``x``, unless a user's name is x (then ``x_``...)."""
        taken = set(self.names) | {s.name for s in self.function.statements}
        name = "x"
        while name in taken:
            name += "_"
        return name

    @cached_property
    def rows(self) -> Labels:
        """One label per output element: ``y0`` for scalar components, else ``y[i]`` / ``y1[i]``."""
        y = self.output_name
        if len(self.component_shapes) == 1 and not self.scalar_components:
            return index_labels(y, self.component_shapes[0])
        return Labels([(f"{y}{i}", shape) for i, shape in enumerate(self.component_shapes)])

    @cached_property
    def titles(self) -> Sequence[str]:
        """:meth:`row_title` of every row (made when asked for, as the rows)."""
        if self.scalar_components:
            return [self.row_title(i) for i in range(len(self.component_shapes))]
        if len(self.component_shapes) == 1 and self.rows:
            return self.rows.with_first(self.row_title(0))
        return self.rows

    def row_title(self, i: int) -> str:
        """``y₀ = x0**2 + 3*x1`` for scalar components; ``y[0]`` (``y = x*w``) otherwise."""
        if self.scalar_components:
            return f"{self.output_name}{_subscript(i)} = {self.function.outputs[i]}"
        if len(self.component_shapes) == 1 and i == 0:
            return f"{self.rows[0]}  ({self.output_name} = {self.function.outputs[0]})"
        return self.rows[i]

    def point_values(self) -> dict[str, Value]:
        """Every input's value at the point."""
        assert self.point is not None
        out: dict[str, Value] = {}
        k = 0
        for inp in self.inputs:
            out[inp.name] = Value(inp.shape, tuple(self.point[k : k + inp.numel]))
            k += inp.numel
        return out

    @cached_property
    def leaf_slices(self) -> list[tuple[int, int]]:
        """Where each differentiated input sits in the flat point (start, stop), in --wrt order."""
        starts: dict[str, tuple[int, int]] = {}
        k = 0
        for inp in self.inputs:
            starts[inp.name] = (k, k + inp.numel)
            k += inp.numel
        return [starts[i.name] for i in self.leaf_inputs]

    def leaf_point(self, point: tuple[float, ...] | list[float] | None = None) -> list[float]:
        """The differentiated elements of a flat point, in --wrt order (the Jacobian's columns)."""
        flat = list(self.point if point is None else point)  # type: ignore[arg-type]
        if self.leaf_inputs == self.inputs:
            return flat
        return [v for a, b in self.leaf_slices for v in flat[a:b]]

    def bound(self, node: object) -> Bound:
        assert self.analysis is not None
        return self.analysis.bound[id(node)]

    def info(self, node: object) -> Info:
        assert self.analysis is not None
        return self.analysis.infos[id(node)]


def _function_hint(names: Sequence[str]) -> str:
    """A name that is also a function (``sin`` without parentheses) is most likely a slip."""
    from . import catalogue

    bare = [n for n in names if n in catalogue.bare_names()]
    if not bare:
        return ""
    return f" ({bare[0]} is also a function: did you mean {bare[0]}(...)?)"


def assign(function: Function, spec: PointSpec | None) -> tuple[tuple[Input, ...], tuple[float, ...] | None]:
    """Match the typed values to the function's inputs: shapes and the flat point."""
    inputs, point, _ = assign_noting(function, spec)
    return inputs, point


def assign_noting(
    function: Function, spec: PointSpec | None
) -> tuple[tuple[Input, ...], tuple[float, ...] | None, list[str]]:
    """assign(), and a note for values given to names the expression does not use (ignored, so
    that one set of values can serve several functions; a misspelt name still fails)."""
    try:
        return _assign(function, spec)
    except InputError as e:
        hint = _function_hint(function.names)
        if hint and hint not in str(e):
            raise InputError(f"{e}{hint}") from None
        raise


def _assign(
    function: Function, spec: PointSpec | None
) -> tuple[tuple[Input, ...], tuple[float, ...] | None, list[str]]:
    names = function.names
    notes: list[str] = []
    if spec is None or spec.empty:
        return tuple(Input(n, ()) for n in names), None, notes
    values: dict[str, Value] = {}
    if spec.named:
        unknown = [n for n in spec.named if n not in names]
        missing = [n for n in names if n not in spec.named]
        if missing:
            slip = (
                f" (--at names {', '.join(unknown)}, which the expression does not use: a misspelling?)"
                if unknown
                else ""
            )
            raise InputError(
                f"--at gives no value for {', '.join(missing)}; the inputs are {', '.join(names)}. "
                f"Add {missing[0]}=... to --at{slip}"
            )
        if unknown:
            notes.append(
                f"--at names {', '.join(unknown)}, which the expression does not use; ignored (its inputs are "
                f"{', '.join(names) or 'none'})"
            )
        values = {n: spec.named[n] for n in names}
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
    # one input: its values are the point (a tuple is not copied; 10 million are 80 MB of pointers)
    point = (
        tuple(values[names[0]].data) if len(names) == 1 else tuple(chain.from_iterable(values[n].data for n in names))
    )
    return inputs, point, notes


def parse_wrt(text: str | None) -> tuple[str, ...] | None:
    """--wrt NAMES: comma- or space-separated input names, each once."""
    if text is None:
        return None
    import re

    names = [n for n in re.split(r"[,\s]+", text.strip()) if n]
    if not names:
        raise InputError("--wrt is empty; give the inputs to differentiate, e.g. --wrt x or --wrt W,b")
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise InputError(f"--wrt names {n} twice")
        seen.add(n)
    return tuple(names)


def make_problem(
    function: Function, spec: PointSpec | None, dtype: str = "float64", wrt: tuple[str, ...] | None = None
) -> Problem:
    """Inputs from the point (scalars when there is none), shapes checked, sizes bounded."""
    if dtype not in DTYPES:
        raise InputError(f"--dtype {dtype!r} is not supported; use float64 or float32")
    inputs, point, notes = assign_noting(function, spec)
    candidates = index_candidates(function)
    analysis = None
    for _ in range(2):
        infos = {i.name: Info("index", i.shape) if i.name in candidates else tensor(i.shape) for i in inputs}
        try:
            analysis = Analysis(function, infos, dtype)
        except ShapeError as e:
            if point is None and any(i.shape == () for i in inputs) and inputs:
                raise ShapeError(
                    f"{e}. Without --at every variable is a scalar; give tensor values to set shapes, "
                    "e.g. --at 'x=ones(4)'"
                ) from None
            raise
        if not analysis.float_targets & candidates:
            break
        candidates -= analysis.float_targets
    assert analysis is not None
    inputs = tuple(
        Input(i.name, i.shape, "index" if i.name in candidates else "tensor", i.name not in candidates) for i in inputs
    )
    comp_shapes = []
    for node, info in zip(function.components, analysis.outputs):
        comp_shapes.append(_output_shape(node, info))
    wrt = _resolve_wrt(function, inputs, wrt)
    if wrt is not None:
        inputs = tuple(Input(i.name, i.shape, i.kind, i.name in wrt) for i in inputs)
    _check_python_math(function, inputs, analysis)
    if point is not None:
        _check_indices(inputs, point, analysis)
    return Problem(function, inputs, tuple(comp_shapes), point, dtype, wrt, analysis, tuple(notes))


def _output_shape(node: object, info: Info) -> Shape:
    if info.kind == "tensor" or info.numeric:
        return info.shape if info.kind == "tensor" else ()
    text = to_text(node)  # type: ignore[arg-type]
    text = text if len(text) <= 60 else text[:57] + "..."
    if info.kind == "bool":
        raise ShapeError(
            f"the output {text} is a mask (a comparison), which has no gradient; use it inside torch.where(...) "
            "or multiply by it"
        )
    if info.kind == "pair":
        raise ShapeError(f"the output {text} is a (values, indices) pair, as torch returns it; take .values or [0]")
    if info.kind == "index":
        raise ShapeError(f"the output {text} holds whole-number class indices, which have no gradient")
    raise ShapeError(f"the output {text} is {info.describe()}, not a tensor")


def _resolve_wrt(function: Function, inputs: tuple[Input, ...], wrt: tuple[str, ...] | None) -> tuple[str, ...] | None:
    names = [i.name for i in inputs]
    kinds = {i.name: i.kind for i in inputs}
    if wrt is None:
        if function.declared is not None:  # lambda x, W: ... differentiates its parameters
            return tuple(n for n in function.declared if n in names and kinds[n] != "index")
        return None
    unknown = [n for n in wrt if n not in names]
    if unknown:
        raise InputError(
            f"--wrt names {', '.join(unknown)}, which the expression does not use; its inputs are "
            f"{', '.join(names) or '(none)'}"
        )
    ints = [n for n in wrt if kinds[n] == "index"]
    if ints:
        raise InputError(
            f"--wrt {ints[0]}: {ints[0]} holds whole-number class indices (a loss's target), which have no "
            "gradient; differentiate the scores instead"
        )
    return tuple(wrt)


def _check_python_math(function: Function, inputs: tuple[Input, ...], analysis: Analysis) -> None:
    """math.sqrt(x) turns a tensor into a Python float: torch gets no gradient through it. On
    constants (math.sqrt(2), or data that is not differentiated) it is only a number."""
    from .expr import Call, Local, Var, to_text, walk

    if function.made is not None and not any(_checked(n) for n in function.made):
        return  # no math.* call and no argument torch refuses to differentiate: nothing to check
    leaves = {i.name for i in inputs if i.diff}
    local_deps: dict[str, bool] = {}

    def depends(node: object) -> bool:
        if analysis.infos.get(id(node)) is not None and analysis.infos[id(node)].kind == "static":
            return False  # a number known now (x.shape[-1]): not the tensor
        for n in walk(node):  # type: ignore[arg-type]
            if isinstance(n, Var) and n.name in leaves:
                return True
            if isinstance(n, Local) and local_deps.get(n.key):
                return True
        return False

    for st in function.statements:
        local_deps[st.key] = depends(st.value)
    for n in function.calls:
        if isinstance(n, Call):
            _check_nondiff(n, depends)
        if isinstance(n, Call) and n.form == "call" and n.spelling.startswith("math."):
            if any(depends(a) for _, a in n.args):
                fn = n.spelling.split(".", 1)[1]
                raise ShapeError(
                    f"{to_text(n)} turns a tensor into a Python float, so torch gets no gradient through it; "
                    f"write torch.{fn}(...) or {fn}(...) for a differentiated input (math.{fn} is fine on "
                    "constants, such as math.sqrt(2))"
                )


def _checked(node: object) -> bool:
    """A call _check_python_math looks at: math.f(...), or an op with a parameter torch does not differentiate."""
    if not isinstance(node, Call):
        return False
    if node.form == "call" and node.spelling.startswith("math."):
        return True
    return any(p.nondiff for p in catalogue.OPS[node.op].sig)


def _check_nondiff(call: Call, depends: Callable[[object], bool]) -> None:
    """torch refuses requires_grad on some arguments (a loss's class weights): so does vjp, in a sentence."""
    for p in catalogue.OPS[call.op].sig:
        if not p.nondiff:
            continue
        arg = call.arg(p.key)
        if arg is not None and depends(arg):
            raise ShapeError(
                f"torch does not differentiate the {p.name} of {call.spelling}() ({to_text(arg)} in {to_text(call)}); "
                "keep it constant: name the differentiated inputs with --wrt"
            )


def _check_indices(inputs: tuple[Input, ...], point: tuple[float, ...], analysis: Analysis) -> None:
    """Class indices are whole numbers in range (torch raises IndexError otherwise)."""
    k = 0
    for inp in inputs:
        values = point[k : k + inp.numel]
        k += inp.numel
        if inp.kind != "index":
            continue
        bad = next((v for v in values if v != math.floor(v)), None)
        if bad is not None:
            raise InputError(
                f"{inp.name} holds class indices for a loss, which must be whole numbers; got {bad!r}. "
                "For class probabilities give it the scores' shape"
            )
        for size, where in analysis.index_bounds.get(inp.name, []):
            for v in values:
                if not -size <= v < size:
                    raise InputError(
                        f"{inp.name} = {int(v)} is out of range as an index in {where}: the axis has size {size}, "
                        f"so indices run {-size}..{size - 1}"
                    )
        for b in analysis.index_uses.get(inp.name, []):
            classes = b.extra.get("classes")
            ignore = b.get("ignore_index", -100)
            for v in values:
                if classes is not None and not (0 <= v < classes) and v != ignore:
                    raise InputError(
                        f"{inp.name} = {int(v)} is not a class index of {b.where}: the scores have {classes} classes, "
                        f"so indices run 0..{classes - 1}"
                    )


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
    """A tangent u over the differentiated inputs, given like --at (in order or by name)."""
    leaves = problem.leaf_inputs
    names = [i.name for i in leaves]
    if spec.named:
        unknown = [n for n in spec.named if n not in names]
        if unknown:
            raise InputError(
                f"{option} names {', '.join(unknown)}, which is not a differentiated input; they are {', '.join(names)}"
            )
        missing = [n for n in names if n not in spec.named]
        if missing:
            raise InputError(f"{option} gives no value for {', '.join(missing)}; add {missing[0]}=... to {option}")
        values = dict(spec.named)
    else:
        given = list(spec.positional)
        if len(given) == 1 and len(names) > 1 and len(given[0].shape) == 1 and given[0].shape[0] == problem.n:
            flat = given[0].data
            return tuple(flat)
        if (
            len(given) == problem.n
            and all(not g.shape for g in given)
            and (problem.single_leaf or len(names) != len(given))
        ):
            return tuple(g.data[0] for g in given)
        if len(given) != len(names):
            word = "input" if problem.single_leaf else "differentiated element"
            raise InputError(
                f"{option} has {len(given)} value{'s' if len(given) != 1 else ''} but the function has "
                f"{problem.n} {word}{'s' if problem.n != 1 else ''} "
                f"({', '.join(problem.columns[:6])}{', ...' if problem.n > 6 else ''}); give one value per {word}"
            )
        values = dict(zip(names, given))
    if not values:
        raise InputError(f"{option} is empty")
    out: list[float] = []
    for inp in leaves:
        got = values[inp.name]
        if got.shape != inp.shape:
            raise InputError(
                f"{option}: {inp.name} has shape {fmt(got.shape)} but the input {inp.name} has shape {fmt(inp.shape)}"
            )
        out.extend(got.data)
    return tuple(out)


TENSOR_GROUPS = ("reduction", "linalg", "shape", "layer", "loss")


def scalar_assumption(problem: Problem) -> str | None:
    """Without a point every input is a scalar; say so when the function reads like a tensor
    function (softmax(x), sum(x), A @ x), whose Jacobian would otherwise come out silently wrong-sized."""
    from . import catalogue
    from .expr import Call, Index, MatMul, to_text, walk

    if problem.point is not None or not problem.inputs:
        return None
    roots = [*(s.value for s in problem.function.statements), *problem.function.components]
    for root in roots:
        for node in walk(root):
            tensorish = isinstance(node, (MatMul, Index)) or (
                isinstance(node, Call)
                and (catalogue.OPS[node.op].group in TENSOR_GROUPS or node.op in ("softmax", "log_softmax", "softmin"))
            )
            if tensorish:
                text = to_text(node)
                text = text if len(text) <= 40 else text[:37] + "..."
                names = ", ".join(problem.names[:4])
                return (
                    f"no --at: every input ({names}) is taken as a scalar, so {text} works on single numbers; "
                    f"give the shapes with a point, e.g. --at '{problem.names[0]}=[1,2,3]', for the tensor function"
                )
    return None
